/*
 * store_run.c - the one resolver of run references (see store.h,
 * store_run_resolve), so that every command takes the same ids, uuids,
 * prefixes and commits with the same errors.
 *
 * The forms are tried from the most to the least specific, and the first
 * that matches anything decides: a run found by id or uuid that is not
 * complete is an error, not a reason to try the next form.
 */
#include "store_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

static const char sql_by_id[] =
	"SELECT id, status, uuid FROM run WHERE id = CAST(?1 AS INTEGER)";
static const char sql_by_uuid[] =
	"SELECT id, status, uuid FROM run WHERE uuid = ?1";
static const char sql_by_prefix[] =
	"SELECT id, status, uuid FROM run WHERE substr(lower(uuid), 1, ?2) = ?1"
	" ORDER BY id LIMIT 2";
static const char sql_commits[] =
	"SELECT DISTINCT git_commit FROM run WHERE status = 'complete'"
	" AND substr(lower(git_commit), 1, ?2) = ?1 LIMIT 2";
static const char sql_by_commit[] =
	"SELECT id, status, uuid FROM run WHERE status = 'complete' AND git_commit = ?1"
	" ORDER BY started_at DESC, id DESC LIMIT 1";

/* Up to two matching rows of (id, status, uuid). */
struct match {
	int n;
	int64_t id[2];
	char status[2][16], uuid8[2][9];
};

/* Runs sql with text ?1 and its length ?2, collecting up to two rows. */
static int lookup(struct store *st, const char *sql, const char *arg,
		  struct match *m, char *err, size_t n_err)
{
	sqlite3_stmt *s = NULL;
	int rc = store_stmt(st, sql, &s, err, n_err), step = SQLITE_DONE;

	m->n = 0;
	if (rc)
		return rc;
	store_bind_text(s, 1, arg);
	sqlite3_bind_int(s, 2, (int)strlen(arg));
	while (m->n < 2 && (step = sqlite3_step(s)) == SQLITE_ROW) {
		const unsigned char *status = sqlite3_column_text(s, 1);
		const unsigned char *uuid = sqlite3_column_text(s, 2);

		m->id[m->n] = sqlite3_column_int64(s, 0);
		snprintf(m->status[m->n], sizeof(m->status[0]), "%s",
			 status ? (const char *)status : "");
		snprintf(m->uuid8[m->n], sizeof(m->uuid8[0]), "%s",
			 uuid ? (const char *)uuid : "");
		m->n++;
	}
	if (m->n < 2 && step != SQLITE_DONE)
		rc = store_fail(st->path, st->db, step, "cannot look up a run", err, n_err);
	sqlite3_reset(s);
	return rc;
}

/* The distinct complete commits starting with prefix: 0, 1 or 2 (two or
 * more); *out_commit gets the first. */
static int commit_lookup(struct store *st, const char *prefix, char *out_commit,
			 size_t n_commit, int *out_n, char *err, size_t n_err)
{
	sqlite3_stmt *s = NULL;
	int rc = store_stmt(st, sql_commits, &s, err, n_err), step;

	*out_n = 0;
	if (rc)
		return rc;
	store_bind_text(s, 1, prefix);
	sqlite3_bind_int(s, 2, (int)strlen(prefix));
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		if (*out_n == 0)
			snprintf(out_commit, n_commit, "%s", sqlite3_column_text(s, 0));
		(*out_n)++;
	}
	if (step != SQLITE_DONE)
		rc = store_fail(st->path, st->db, step, "cannot look up a commit", err, n_err);
	sqlite3_reset(s);
	return rc;
}

int store_ref_key(const char *ref, int allow_dash, char *out, size_t n_out)
{
	size_t len = strlen(ref);

	if (len < STORE_MIN_PREFIX || len >= n_out)
		return 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)ref[i];

		if (!isxdigit(c) && !(allow_dash && c == '-'))
			return 0;
		out[i] = (char)tolower(c);
	}
	out[len] = '\0';
	return 1;
}

/* An id that fits in an int64_t. */
static int is_id(const char *s)
{
	size_t len = strlen(s);

	if (len == 0 || len > 18)
		return 0;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return 0;
	return 1;
}

/* The one run of m, checked to be complete unless any_status. */
static int found(const struct match *m, int any_status, int64_t *out_id,
		 char *err, size_t n_err)
{
	if (!any_status && strcmp(m->status[0], "complete") != 0)
		return err_set(err, n_err, MC_EINVAL,
			       "run %s is %s, not complete: only complete runs are used",
			       m->uuid8[0], m->status[0]);
	*out_id = m->id[0];
	return 0;
}

int store_run_resolve(struct store *st, const char *ref, unsigned flags,
		      int64_t *out_id, char *err, size_t n_err)
{
	int any = (flags & STORE_RESOLVE_ANY) != 0, commits = (flags & STORE_RESOLVE_COMMIT) != 0;
	char key[80], commit[80];
	struct match m;
	int rc, n;

	*out_id = 0;
	if (!ref || !*ref)
		return err_set(err, n_err, MC_EINVAL, "empty run reference");
	if (is_id(ref)) {
		if ((rc = lookup(st, sql_by_id, ref, &m, err, n_err)) != 0)
			return rc;
		if (m.n == 1)
			return found(&m, any, out_id, err, n_err);
	}
	if ((rc = lookup(st, sql_by_uuid, ref, &m, err, n_err)) != 0)
		return rc;
	if (m.n == 1)
		return found(&m, any, out_id, err, n_err);
	if (store_ref_key(ref, 1, key, sizeof(key))) {
		if ((rc = lookup(st, sql_by_prefix, key, &m, err, n_err)) != 0)
			return rc;
		if (m.n > 1)
			return err_set(err, n_err, MC_EINVAL,
				       "run uuid prefix '%s' is ambiguous: give more characters",
				       ref);
		if (m.n == 1)
			return found(&m, any, out_id, err, n_err);
	}
	if (commits && store_ref_key(ref, 0, key, sizeof(key))) {
		if ((rc = commit_lookup(st, key, commit, sizeof(commit), &n, err, n_err)) != 0)
			return rc;
		if (n > 1)
			return err_set(err, n_err, MC_EINVAL,
				       "commit prefix '%s' is ambiguous: give more characters",
				       ref);
		if (n == 1) {
			if ((rc = lookup(st, sql_by_commit, commit, &m, err, n_err)) != 0)
				return rc;
			if (m.n == 1)
				return found(&m, any, out_id, err, n_err);
		}
	}
	if (commits && !any)
		return err_set(err, n_err, MC_EINVAL,
			       "no complete run '%s' (give a run id, a run uuid or a git "
			       "commit, or a prefix of at least %d characters)",
			       ref, STORE_MIN_PREFIX);
	return err_set(err, n_err, MC_EINVAL,
		       "no run '%s' in the db (give a run id, a run uuid%s, or a prefix "
		       "of at least %d characters)", ref, commits ? " or a git commit" : "",
		       STORE_MIN_PREFIX);
}
