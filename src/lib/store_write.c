/*
 * store_write.c - what a run writes into the store (see store.h): its
 * machine, the run row and its end, notes, devices, results and samples,
 * and the reaping of runs whose process died.
 *
 * Each write is one short transaction (a savepoint inside a caller's one)
 * on statements cached by store_stmt(), so a writer killed at any moment
 * leaves a consistent db; opening, migrations and the transaction helpers
 * live in store.c.
 */
#include "store_int.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "err.h"

/* ISO 8601 UTC, the format of clock_utc_iso8601(). */
#define SQL_NOW "strftime('%Y-%m-%dT%H:%M:%SZ', 'now')"

enum store_wq {
	Q_MACHINE_INSERT, Q_MACHINE_ID, Q_RUN_INSERT, Q_RUN_FINISH, Q_RUN_NOTE,
	Q_STALE_SELECT, Q_STALE_MARK, Q_DEVICE_INSERT, Q_DEVICE_PEAKS, Q_RESULT_INSERT,
	Q_SAMPLE_INSERT, Q_NOISE_INSERT,
	Q_COUNT
};

static const char *const stmt_sql[Q_COUNT] = {
	[Q_MACHINE_INSERT] =
		"INSERT OR IGNORE INTO machine (fingerprint, hostname, cpu_model,"
		" cores, threads, mem_bytes, os, kernel)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	[Q_MACHINE_ID] = "SELECT id FROM machine WHERE fingerprint = ?1",
	[Q_RUN_INSERT] =
		"INSERT INTO run (uuid, machine_id, started_at, status, pid, argv,"
		" git_commit, git_dirty, compiler, cflags, timer_name,"
		" timer_resolution_ns, timer_overhead_ns, quick, provenance, rounds)"
		" VALUES (?1, ?2, ?3, 'running', ?4, ?5, ?6, ?7, ?8, ?9, ?10,"
		" ?11, ?12, ?13, ?14, ?15)",
	[Q_RUN_FINISH] =
		"UPDATE run SET status = ?2, ended_at = " SQL_NOW " WHERE id = ?1",
	[Q_RUN_NOTE] =
		"UPDATE run SET notes = CASE WHEN notes IS NULL OR notes = ''"
		" THEN ?2 ELSE notes || char(10) || ?2 END WHERE id = ?1",
	[Q_STALE_SELECT] =
		"SELECT r.id, r.pid FROM run r JOIN machine m ON m.id = r.machine_id"
		" WHERE r.status = 'running' AND m.hostname = ?1"
		" AND r.pid IS NOT NULL ORDER BY r.id",
	[Q_STALE_MARK] =
		"UPDATE run SET status = 'aborted', ended_at = " SQL_NOW
		" WHERE id = ?1 AND status = 'running'",
	[Q_DEVICE_INSERT] =
		"INSERT INTO device (run_id, backend, kind, name, vendor, version,"
		" driver, compute_units, global_mem, local_mem, peak_gflops,"
		" peak_gbps, info)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
	[Q_DEVICE_PEAKS] =
		"UPDATE device SET"
		" peak_gflops = CASE WHEN ?3 > coalesce(peak_gflops, 0) THEN ?3 ELSE peak_gflops END,"
		" peak_gbps = CASE WHEN ?4 > coalesce(peak_gbps, 0) THEN ?4 ELSE peak_gbps END"
		" WHERE run_id = ?1 AND backend = ?2",
	[Q_RESULT_INSERT] =
		"INSERT INTO result (run_id, suite, benchmark, kernel, params, backend,"
		" variant, clock, status, message, flops, bytes, iters_per_sample,"
		" n_samples, min_ns, median_ns, mean_ns, stddev_ns, mad_ns,"
		" ci_lo_ns, ci_hi_ns, q1_ns, q3_ns, n_mild, n_severe,"
		" max_abs_err, max_rel_err, n_steal_flagged,"
		" peak_rss_bytes, base_rss_bytes, device_bytes, min_cosine, rounds)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13,"
		" ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25,"
		" ?26, ?27, ?28, ?29, ?30, ?31, ?32, ?33)",
	[Q_SAMPLE_INSERT] =
		"INSERT INTO sample (result_id, idx, ns) VALUES (?1, ?2, ?3)",
	[Q_NOISE_INSERT] =
		"INSERT INTO sample_noise (result_id, idx, steal_ns, steal_flagged,"
		" nvcsw, nivcsw, sm_clock_mhz) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
};

static int stmt_get(struct store *st, enum store_wq id, sqlite3_stmt **out,
		    char *err, size_t n_err)
{
	return store_stmt(st, stmt_sql[id], out, err, n_err);
}

static int machine_id(struct store *st, const struct store_machine *m,
		      int64_t *out_id, char *err, size_t n_err)
{
	sqlite3_stmt *s = NULL;
	int rc, brc = 0;

	rc = stmt_get(st, Q_MACHINE_INSERT, &s, err, n_err);
	if (rc)
		return rc;
	brc |= store_bind_text(s, 1, m->fingerprint);
	brc |= store_bind_text(s, 2, m->hostname);
	brc |= store_bind_text(s, 3, m->cpu_model);
	brc |= sqlite3_bind_int64(s, 4, m->cores);
	brc |= sqlite3_bind_int64(s, 5, m->threads);
	brc |= sqlite3_bind_int64(s, 6, m->mem_bytes);
	brc |= store_bind_text(s, 7, m->os);
	brc |= store_bind_text(s, 8, m->kernel);
	if (brc) {
		store_stmt_done(s);
		return store_fail(st->path, st->db, brc, "cannot bind the machine", err, n_err);
	}
	rc = store_stmt_run(st, s, "cannot record the machine", err, n_err);
	if (rc)
		return rc;
	rc = stmt_get(st, Q_MACHINE_ID, &s, err, n_err);
	if (rc)
		return rc;
	store_bind_text(s, 1, m->fingerprint);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*out_id = sqlite3_column_int64(s, 0);
		rc = 0;
	} else {
		rc = store_fail(st->path, st->db, rc, "cannot find the machine", err, n_err);
	}
	store_stmt_done(s);
	return rc;
}

int store_run_begin(struct store *st, const struct store_run *run,
		    int64_t *out_run_id, char *err, size_t n_err)
{
	sqlite3_stmt *s = NULL;
	int64_t mid = 0;
	int rc, nested, brc = 0;
	char what[160];

	snprintf(what, sizeof(what), "cannot begin run %s",
		 run->uuid ? run->uuid : "(no uuid)");
	rc = store_tx_begin(st, &nested, err, n_err);
	if (rc)
		return rc;
	rc = machine_id(st, &run->machine, &mid, err, n_err);
	if (!rc)
		rc = stmt_get(st, Q_RUN_INSERT, &s, err, n_err);
	if (!rc) {
		brc |= store_bind_text(s, 1, run->uuid);
		brc |= sqlite3_bind_int64(s, 2, mid);
		brc |= store_bind_text(s, 3, run->started_at);
		brc |= sqlite3_bind_int64(s, 4, (int64_t)getpid());
		brc |= store_bind_text(s, 5, run->argv);
		brc |= store_bind_text(s, 6, run->git_commit);
		brc |= store_bind_int(s, 7, run->git_dirty, run->git_dirty >= 0);
		brc |= store_bind_text(s, 8, run->compiler);
		brc |= store_bind_text(s, 9, run->cflags);
		brc |= store_bind_text(s, 10, run->timer_name);
		brc |= sqlite3_bind_double(s, 11, run->timer_resolution_ns);
		brc |= sqlite3_bind_double(s, 12, run->timer_overhead_ns);
		brc |= sqlite3_bind_int(s, 13, run->quick ? 1 : 0);
		brc |= store_bind_text(s, 14, run->provenance);
		brc |= sqlite3_bind_int(s, 15, run->rounds > 1 ? run->rounds : 1);
		rc = store_stmt_write(st, s, brc, what, err, n_err);
	}
	if (!rc)
		*out_run_id = sqlite3_last_insert_rowid(st->db);
	return store_tx_end(st, nested, rc, err, n_err);
}

/* Runs a cached "UPDATE run ... WHERE id = ?1" with text ?2; a missing
 * run is an error. */
static int update_run(struct store *st, enum store_wq id, int64_t run_id,
		      const char *text, const char *what, char *err, size_t n_err)
{
	sqlite3_stmt *s = NULL;
	int rc = stmt_get(st, id, &s, err, n_err);

	if (rc)
		return rc;
	sqlite3_bind_int64(s, 1, run_id);
	store_bind_text(s, 2, text);
	rc = store_stmt_run(st, s, what, err, n_err);
	if (!rc && sqlite3_changes(st->db) == 0)
		rc = err_set(err, n_err, MC_EINVAL, "%s: %s: no run with id %lld",
			     st->path, what, (long long)run_id);
	return rc;
}

int store_run_finish(struct store *st, int64_t run_id, const char *status,
		     char *err, size_t n_err)
{
	if (!status || (strcmp(status, "complete") && strcmp(status, "aborted") &&
			strcmp(status, "failed")))
		return err_set(err, n_err, MC_EINVAL,
			       "%s: cannot finish run %lld: status '%s' is not one of "
			       "complete, aborted, failed", st->path, (long long)run_id,
			       status ? status : "(null)");
	return update_run(st, Q_RUN_FINISH, run_id, status, "cannot finish the run",
			  err, n_err);
}

int store_run_note(struct store *st, int64_t run_id, const char *note,
		   char *err, size_t n_err)
{
	if (!note)
		return err_set(err, n_err, MC_EINVAL, "%s: empty note for run %lld",
			       st->path, (long long)run_id);
	return update_run(st, Q_RUN_NOTE, run_id, note, "cannot add a note to the run",
			  err, n_err);
}

/* A pid is dead only when kill() says there is no such process; EPERM means
 * another user's live process. */
static int pid_dead(int64_t pid)
{
	if (pid <= 0 || pid > (int64_t)0x7fffffff)
		return 0;
	return kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

int store_reap_stale(struct store *st, const char *hostname, int *out_n,
		     char *err, size_t n_err)
{
	sqlite3_stmt *s = NULL;
	int64_t *dead = NULL;
	size_t n_dead = 0, cap = 0;
	int rc, nested, step;

	*out_n = 0;
	rc = store_tx_begin(st, &nested, err, n_err);
	if (rc)
		return rc;
	rc = stmt_get(st, Q_STALE_SELECT, &s, err, n_err);
	if (rc)
		goto out;
	store_bind_text(s, 1, hostname ? hostname : "");
	/* Collect first: updating rows of the table being scanned is undefined. */
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		if (!pid_dead(sqlite3_column_int64(s, 1)))
			continue;
		if (n_dead == cap) {
			size_t ncap = cap ? 2 * cap : 8;
			int64_t *p = realloc(dead, ncap * sizeof(*p));

			if (!p) {
				rc = err_set(err, n_err, MC_ENOMEM, "%s: out of memory", st->path);
				break;
			}
			dead = p;
			cap = ncap;
		}
		dead[n_dead++] = sqlite3_column_int64(s, 0);
	}
	if (!rc && step != SQLITE_DONE)
		rc = store_fail(st->path, st->db, step, "cannot look for stale runs", err, n_err);
	store_stmt_done(s);
	if (!rc)
		rc = stmt_get(st, Q_STALE_MARK, &s, err, n_err);
	for (size_t i = 0; !rc && i < n_dead; i++) {
		sqlite3_bind_int64(s, 1, dead[i]);
		rc = store_stmt_run(st, s, "cannot mark a stale run aborted", err, n_err);
		if (!rc)
			*out_n += sqlite3_changes(st->db);
	}
out:
	free(dead);
	rc = store_tx_end(st, nested, rc, err, n_err);
	if (rc)
		*out_n = 0;
	return rc;
}

int store_device_add(struct store *st, int64_t run_id,
		     const struct store_device *dev, char *err, size_t n_err)
{
	sqlite3_stmt *s = NULL;
	char what[160];
	int rc, brc = 0;

	snprintf(what, sizeof(what), "cannot record device %s of run %lld",
		 dev->backend ? dev->backend : "(null)", (long long)run_id);
	rc = stmt_get(st, Q_DEVICE_INSERT, &s, err, n_err);
	if (rc)
		return rc;
	brc |= sqlite3_bind_int64(s, 1, run_id);
	brc |= store_bind_text(s, 2, dev->backend);
	brc |= store_bind_text(s, 3, dev->kind);
	brc |= store_bind_text(s, 4, dev->name);
	brc |= store_bind_text(s, 5, dev->vendor);
	brc |= store_bind_text(s, 6, dev->version);
	brc |= store_bind_text(s, 7, dev->driver);
	brc |= store_bind_int(s, 8, dev->compute_units, dev->compute_units >= 0);
	brc |= store_bind_int(s, 9, dev->global_mem, dev->global_mem >= 0);
	brc |= store_bind_int(s, 10, dev->local_mem, dev->local_mem >= 0);
	brc |= store_bind_real(s, 11, dev->peak_gflops, dev->peak_gflops > 0);
	brc |= store_bind_real(s, 12, dev->peak_gbps, dev->peak_gbps > 0);
	brc |= store_bind_text(s, 13, dev->info);
	return store_stmt_write(st, s, brc, what, err, n_err);
}

int store_device_raise_peaks(struct store *st, int64_t run_id, const char *backend,
			     double gflops, double gbps, char *err, size_t n_err)
{
	sqlite3_stmt *s = NULL;
	char what[160];
	int rc, brc = 0;

	snprintf(what, sizeof(what), "cannot update the peaks of device %s of run %lld",
		 backend, (long long)run_id);
	rc = stmt_get(st, Q_DEVICE_PEAKS, &s, err, n_err);
	if (rc)
		return rc;
	brc |= sqlite3_bind_int64(s, 1, run_id);
	brc |= store_bind_text(s, 2, backend);
	brc |= sqlite3_bind_double(s, 3, gflops);
	brc |= sqlite3_bind_double(s, 4, gbps);
	return store_stmt_write(st, s, brc, what, err, n_err);
}

static int bind_result(sqlite3_stmt *s, int64_t run_id,
		       const struct store_result *r, size_t n_samples,
		       int64_t n_flagged)
{
	const struct stats_summary *x = &r->stats;
	int have = n_samples > 0, brc = 0;

	brc |= sqlite3_bind_int64(s, 1, run_id);
	brc |= store_bind_text(s, 2, r->suite);
	brc |= store_bind_text(s, 3, r->benchmark);
	brc |= store_bind_text(s, 4, r->kernel);
	brc |= store_bind_text(s, 5, r->params);
	brc |= store_bind_text(s, 6, r->backend);
	brc |= store_bind_text(s, 7, r->variant ? r->variant : "");
	brc |= store_bind_text(s, 8, r->clock);
	brc |= store_bind_text(s, 9, r->status);
	brc |= store_bind_text(s, 10, r->message);
	brc |= store_bind_real(s, 11, r->flops, 1);
	brc |= store_bind_real(s, 12, r->bytes, 1);
	brc |= store_bind_int(s, 13, r->iters_per_sample, r->iters_per_sample >= 0);
	brc |= sqlite3_bind_int64(s, 14, (int64_t)n_samples);
	brc |= store_bind_real(s, 15, x->min, have);
	brc |= store_bind_real(s, 16, x->median, have);
	brc |= store_bind_real(s, 17, x->mean, have);
	brc |= store_bind_real(s, 18, x->stddev, have);
	brc |= store_bind_real(s, 19, x->mad, have);
	brc |= store_bind_real(s, 20, x->ci_lo, have);
	brc |= store_bind_real(s, 21, x->ci_hi, have);
	brc |= store_bind_real(s, 22, x->q1, have);
	brc |= store_bind_real(s, 23, x->q3, have);
	brc |= store_bind_int(s, 24, (int64_t)x->n_mild, have);
	brc |= store_bind_int(s, 25, (int64_t)x->n_severe, have);
	brc |= store_bind_real(s, 26, r->max_abs_err, 1);
	brc |= store_bind_real(s, 27, r->max_rel_err, 1);
	brc |= store_bind_int(s, 28, n_flagged, n_flagged >= 0);
	/* memory (0005): unknown, <= 0 or a device's 0 on the host, is NULL */
	brc |= store_bind_int(s, 29, r->peak_rss_bytes, r->peak_rss_bytes > 0);
	brc |= store_bind_int(s, 30, r->base_rss_bytes, r->base_rss_bytes > 0);
	brc |= store_bind_int(s, 31, r->device_bytes, r->device_bytes > 0);
	brc |= store_bind_real(s, 32, r->min_cosine, r->cosine_checked);
	/* rounds (0007): only a result cut to fewer than its run's */
	brc |= store_bind_int(s, 33, r->rounds, r->rounds >= 1);
	return brc;
}

/* Whether anything is known of a sample's noise (else it gets no row). */
static int noise_known(const struct noise_sample *n)
{
	return isfinite(n->steal_ns) || n->steal_flagged >= 0 || n->nvcsw >= 0 ||
	       n->nivcsw >= 0 || isfinite(n->sm_clock_mhz);
}

/* Inserts the noise row of sample idx of result_id, when anything is known. */
static int noise_add(struct store *st, int64_t result_id, size_t idx,
		     const struct noise_sample *n, const char *what, char *err,
		     size_t n_err)
{
	sqlite3_stmt *s = NULL;
	int rc, brc = 0;

	if (!noise_known(n))
		return 0;
	rc = stmt_get(st, Q_NOISE_INSERT, &s, err, n_err);
	if (rc)
		return rc;
	brc |= sqlite3_bind_int64(s, 1, result_id);
	brc |= sqlite3_bind_int64(s, 2, (int64_t)idx);
	brc |= store_bind_real(s, 3, n->steal_ns, isfinite(n->steal_ns));
	brc |= store_bind_int(s, 4, n->steal_flagged, n->steal_flagged >= 0);
	brc |= store_bind_int(s, 5, n->nvcsw, n->nvcsw >= 0);
	brc |= store_bind_int(s, 6, n->nivcsw, n->nivcsw >= 0);
	brc |= store_bind_real(s, 7, n->sm_clock_mhz, isfinite(n->sm_clock_mhz));
	return store_stmt_write(st, s, brc, what, err, n_err);
}

int store_result_add(struct store *st, int64_t run_id,
		     const struct store_result *res, const double *samples,
		     size_t n_samples, char *err, size_t n_err)
{
	return store_result_add_noise(st, run_id, res, samples, NULL, n_samples, err,
				      n_err);
}

int store_result_add_noise(struct store *st, int64_t run_id,
			   const struct store_result *res, const double *samples,
			   const struct noise_sample *noise, size_t n_samples,
			   char *err, size_t n_err)
{
	sqlite3_stmt *s = NULL;
	int64_t result_id, n_flagged = -1;
	char what[256];
	int rc, nested;

	snprintf(what, sizeof(what), "cannot record result %s/%s on %s of run %lld",
		 res->suite ? res->suite : "(null)",
		 res->benchmark ? res->benchmark : "(null)",
		 res->backend ? res->backend : "(null)", (long long)run_id);
	if (n_samples > 0 && !samples)
		return err_set(err, n_err, MC_EINVAL, "%s: %s: no samples given",
			       st->path, what);
	for (size_t i = 0; i < n_samples; i++)
		if (!isfinite(samples[i]))
			return err_set(err, n_err, MC_EINVAL,
				       "%s: %s: sample %zu is not finite", st->path,
				       what, i);
	if (noise)
		n_flagged = noise_count_flagged(noise, n_samples);
	rc = store_tx_begin(st, &nested, err, n_err);
	if (rc)
		return rc;
	rc = stmt_get(st, Q_RESULT_INSERT, &s, err, n_err);
	if (!rc)
		rc = store_stmt_write(st, s, bind_result(s, run_id, res, n_samples,
							 n_flagged), what, err, n_err);
	result_id = sqlite3_last_insert_rowid(st->db);
	if (!rc && n_samples > 0)
		rc = stmt_get(st, Q_SAMPLE_INSERT, &s, err, n_err);
	for (size_t i = 0; !rc && i < n_samples; i++) {
		sqlite3_bind_int64(s, 1, result_id);
		sqlite3_bind_int64(s, 2, (int64_t)i);
		sqlite3_bind_double(s, 3, samples[i]);
		rc = store_stmt_run(st, s, what, err, n_err);
	}
	for (size_t i = 0; !rc && noise && i < n_samples; i++)
		rc = noise_add(st, result_id, i, &noise[i], what, err, n_err);
	return store_tx_end(st, nested, rc, err, n_err);
}
