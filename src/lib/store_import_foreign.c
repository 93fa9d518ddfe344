/*
 * store_import_foreign.c - the SQL of importing another tool's results
 * (import.h): one run per file, written in one transaction through
 * store_write.c, with the file's hash and format in table import and what
 * the tool reported beyond the result columns in table result_import.
 *
 * The doc arrives validated (import.c); this file only maps it onto the
 * schema's columns, where an unknown is NULL if the column allows it, and
 * otherwise the reading the rest of the code already gives: "unknown" for
 * a machine's text, 0 for its counts (render_scope.c shows only counts
 * above 0), 0 for an unknown timer, and 0 FLOP / 0 bytes for work the tool
 * does not count (so no throughput, and no plausibility check, is made).
 */
#include "store_import.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "import.h"
#include "stats.h"
#include "store_int.h"
#include "store_import_int.h"

static const char sql_by_uuid[] = "SELECT id FROM run WHERE uuid = ?1";
static const char sql_end[] =
	"UPDATE run SET ended_at = started_at, status = 'complete', notes = ?2,"
	" pid = NULL WHERE id = ?1";
static const char sql_import[] =
	"INSERT INTO import (run_id, format, format_version, sha256, source)"
	" VALUES (?1, ?2, ?3, ?4, ?5)";
static const char sql_result_id[] =
	"SELECT id FROM result WHERE run_id = ?1 AND suite = ?2 AND benchmark = ?3"
	" AND backend = ?4 AND variant = ?5 AND clock = ?6";
static const char sql_aggregates[] =
	"UPDATE result SET min_ns = ?2, median_ns = ?3, mean_ns = ?4, stddev_ns = ?5,"
	" mad_ns = ?6, ci_lo_ns = ?7, ci_hi_ns = ?8, q1_ns = ?9, q3_ns = ?10"
	" WHERE id = ?1";
static const char sql_result_import[] =
	"INSERT INTO result_import (result_id, aggregate_only, n_reported, max_ns, fields)"
	" VALUES (?1, ?2, ?3, ?4, ?5)";

struct fw {
	const struct import_doc *doc;
	const char *uuid;
	int skipped;
	char *err;
	size_t n_err;
};

static const char *known(const char *s)
{
	return s ? s : "unknown";
}

/* The id of a result just written, by its unique key. */
static int result_id(struct store *st, int64_t run_id, const struct store_result *r,
		     int64_t *out, char *err, size_t n_err)
{
	sqlite3_stmt *s = NULL;
	int rc = store_stmt(st, sql_result_id, &s, err, n_err), step;

	if (rc)
		return rc;
	sqlite3_bind_int64(s, 1, run_id);
	store_bind_text(s, 2, r->suite);
	store_bind_text(s, 3, r->benchmark);
	store_bind_text(s, 4, r->backend);
	store_bind_text(s, 5, r->variant);
	store_bind_text(s, 6, r->clock);
	step = sqlite3_step(s);
	if (step == SQLITE_ROW)
		*out = sqlite3_column_int64(s, 0);
	store_stmt_done(s);
	if (step != SQLITE_ROW)
		return store_fail(st->path, st->db, step == SQLITE_DONE ? SQLITE_ERROR : step,
				  "cannot find the result just written", err, n_err);
	return 0;
}

int store_import_put_extra(struct store *st, int64_t run_id, const struct store_result *r,
			   int aggregate_only, int64_t n_reported, double max_ns,
			   const char *fields, char *err, size_t n_err)
{
	const struct stats_summary *x = &r->stats;
	sqlite3_stmt *s = NULL;
	int64_t id = 0;
	int rc, brc = 0;

	rc = result_id(st, run_id, r, &id, err, n_err);
	/* store_result_add writes no statistics without samples: the tool's. */
	if (!rc && aggregate_only && !(rc = store_stmt(st, sql_aggregates, &s, err, n_err))) {
		const double v[] = { x->min, x->median, x->mean, x->stddev, x->mad,
				     x->ci_lo, x->ci_hi, x->q1, x->q3 };

		brc |= sqlite3_bind_int64(s, 1, id);
		for (int i = 0; i < 9; i++)
			brc |= store_bind_real(s, i + 2, v[i], 1);
		rc = store_stmt_write(st, s, brc, "cannot record the tool's statistics",
				      err, n_err);
	}
	if (!rc && !(rc = store_stmt(st, sql_result_import, &s, err, n_err))) {
		brc = sqlite3_bind_int64(s, 1, id);
		brc |= sqlite3_bind_int(s, 2, aggregate_only ? 1 : 0);
		brc |= store_bind_int(s, 3, n_reported, n_reported >= 0);
		brc |= store_bind_real(s, 4, max_ns, 1);
		brc |= store_bind_text(s, 5, fields);
		rc = store_stmt_write(st, s, brc, "cannot record the imported fields",
				      err, n_err);
	}
	return rc;
}

int store_import_put_origin(struct store *st, int64_t run_id, const char *format,
			    const char *version, const char *sha256, const char *source,
			    char *err, size_t n_err)
{
	sqlite3_stmt *s = NULL;
	int rc = store_stmt(st, sql_import, &s, err, n_err), brc;

	if (rc)
		return rc;
	brc = sqlite3_bind_int64(s, 1, run_id);
	brc |= store_bind_text(s, 2, format);
	brc |= store_bind_text(s, 3, version);
	brc |= store_bind_text(s, 4, sha256);
	brc |= store_bind_text(s, 5, source);
	return store_stmt_write(st, s, brc, "cannot record the import", err, n_err);
}

static int write_result(struct store *st, int64_t run_id, const struct import_result *r,
			char *err, size_t n_err)
{
	struct store_result res = {
		.suite = r->suite, .benchmark = r->benchmark, .kernel = r->kernel,
		.params = r->params, .backend = r->backend, .variant = r->variant,
		.clock = r->clock, .status = r->status, .message = r->message,
		.flops = 0, .bytes = r->bytes > 0 ? r->bytes : 0,
		.iters_per_sample = r->iters_per_sample,
		.max_abs_err = NAN, .max_rel_err = NAN,
	};
	int aggregate_only = !r->n_samples && !strcmp(r->status, "ok");
	int rc;

	if (r->n_samples && stats_summarize(r->samples_ns, r->n_samples, &res.stats))
		return err_set(err, n_err, MC_ENOMEM, "out of memory");
	if (aggregate_only) {
		res.stats.min = r->min;
		res.stats.median = r->median;
		res.stats.mean = r->mean;
		res.stats.stddev = r->stddev;
		res.stats.mad = res.stats.ci_lo = res.stats.ci_hi = NAN;
		res.stats.q1 = res.stats.q3 = NAN;
	}
	res.stats.n = r->n_samples;
	rc = store_result_add(st, run_id, &res, r->samples_ns, r->n_samples, err, n_err);
	if (!rc)
		rc = store_import_put_extra(st, run_id, &res, aggregate_only, r->n_reported,
					    r->max, r->fields, err, n_err);
	return rc;
}

static int write_doc(struct store *st, void *arg)
{
	struct fw *w = arg;
	const struct import_doc *doc = w->doc;
	struct store_run run = {
		.uuid = w->uuid, .started_at = doc->started_at,
		.argv = doc->argv ? doc->argv : "", .git_commit = doc->git_commit,
		.git_dirty = doc->git_dirty, .compiler = "unknown", .cflags = "unknown",
		.timer_name = doc->format, .quick = 0, .rounds = 1,
		.provenance = doc->provenance ? doc->provenance : "{}",
		.machine = {
			.fingerprint = doc->machine_fingerprint,
			.hostname = known(doc->hostname), .cpu_model = known(doc->cpu_model),
			.os = known(doc->os), .kernel = known(doc->os_kernel),
			.cores = doc->cores > 0 ? doc->cores : 0,
			.threads = doc->threads > 0 ? doc->threads : 0,
			.mem_bytes = doc->mem_bytes > 0 ? doc->mem_bytes : 0,
		},
	};
	char *err = w->err;
	size_t n_err = w->n_err;
	sqlite3_stmt *s = NULL;
	int64_t run_id = 0;
	int rc, step, brc = 0;

	if ((rc = store_stmt(st, sql_by_uuid, &s, err, n_err)))
		return rc;
	store_bind_text(s, 1, w->uuid);
	step = sqlite3_step(s);
	store_stmt_done(s);
	if (step == SQLITE_ROW) {
		/* The uuid is the file's hash: these bytes are imported. */
		w->skipped = 1;
		return 0;
	}
	if (step != SQLITE_DONE)
		return store_fail(st->path, st->db, step, "cannot look up the run", err, n_err);
	if ((rc = store_run_begin(st, &run, &run_id, err, n_err)) ||
	    (rc = store_stmt(st, sql_end, &s, err, n_err)))
		return rc;
	brc |= sqlite3_bind_int64(s, 1, run_id);
	brc |= store_bind_text(s, 2, doc->notes);
	if ((rc = store_stmt_write(st, s, brc, "cannot record the run", err, n_err)) ||
	    (rc = store_import_put_origin(st, run_id, doc->format, doc->format_version,
					  doc->sha256, doc->source, err, n_err)))
		return rc;
	for (size_t i = 0; !rc && i < doc->n_devices; i++) {
		const struct import_device *d = &doc->devices[i];
		struct store_device dev = {
			.backend = d->backend, .kind = d->kind, .name = d->name,
			.vendor = d->vendor, .compute_units = -1, .global_mem = -1,
			.local_mem = -1, .peak_gflops = -1, .peak_gbps = -1, .info = d->info,
		};

		rc = store_device_add(st, run_id, &dev, err, n_err);
	}
	for (size_t i = 0; !rc && i < doc->n_results; i++)
		rc = write_result(st, run_id, &doc->results[i], err, n_err);
	return rc;
}

/* The run uuid of a file: its SHA-256's first 128 bits as an RFC 9562
 * version 8 (custom) uuid, so that the same bytes are the same run. */
static void uuid_of(const char *sha256, char out[37])
{
	size_t j = 0;

	for (size_t i = 0; i < 32; i++) {
		if (i == 8 || i == 12 || i == 16 || i == 20)
			out[j++] = '-';
		out[j++] = sha256[i];
	}
	out[36] = '\0';
	out[14] = '8';                                    /* version */
	out[19] = "89ab"[(out[19] >= 'a' ? out[19] - 'a' + 10 : out[19] - '0') & 3];
}

int store_import_foreign(struct store *st, const struct import_doc *doc,
			 int *out_imported, int *out_skipped, char *err, size_t n_err)
{
	char uuid[37];
	struct fw w = { .doc = doc, .uuid = uuid, .err = err, .n_err = n_err };
	int rc;

	*out_imported = *out_skipped = 0;
	uuid_of(doc->sha256, uuid);
	rc = store_transaction(st, write_doc, &w, err, n_err);
	if (!rc) {
		*out_imported = !w.skipped;
		*out_skipped = w.skipped;
	}
	return rc;
}
