/*
 * store_noise_json.c - per-sample noise in exports and imports (see
 * store_noise_json.h). One table of the five members, read by both ways,
 * so that export and import cannot disagree on a name or a kind.
 */
#include "store_noise_json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "jpath.h"
#include "store_export.h"
#include "store_int.h"

enum noise_kind { NK_NS, NK_FLAG, NK_COUNT, NK_MHZ };

static const struct noise_member {
	const char *key;
	enum noise_kind kind;
} members[] = {
	{ "steal_ns", NK_NS }, { "steal_flagged", NK_FLAG }, { "nvcsw", NK_COUNT },
	{ "nivcsw", NK_COUNT }, { "sm_clock_mhz", NK_MHZ },
};

#define N_NOISE_MEMBERS (sizeof(members) / sizeof(members[0]))

/* Member m of sample n as a double; NaN when unknown. */
static double member_get(const struct noise_sample *n, size_t m)
{
	switch (m) {
	case 0: return n->steal_ns;
	case 1: return n->steal_flagged >= 0 ? n->steal_flagged : NAN;
	case 2: return n->nvcsw >= 0 ? (double)n->nvcsw : NAN;
	case 3: return n->nivcsw >= 0 ? (double)n->nivcsw : NAN;
	default: return n->sm_clock_mhz;
	}
}

static void member_set(struct noise_sample *n, size_t m, double x)
{
	switch (m) {
	case 0: n->steal_ns = x; break;
	case 1: n->steal_flagged = (int)x; break;
	case 2: n->nvcsw = (int64_t)x; break;
	case 3: n->nivcsw = (int64_t)x; break;
	default: n->sm_clock_mhz = x; break;
	}
}

static const char sql_noise[] =
	"SELECT idx, steal_ns, steal_flagged, nvcsw, nivcsw, sm_clock_mhz"
	" FROM sample_noise WHERE result_id = ?1 ORDER BY idx";

static cJSON *noise_json_number(double x, enum noise_kind kind)
{
	char buf[32];

	if (!isfinite(x))
		return cJSON_CreateNull();
	if (kind == NK_FLAG || kind == NK_COUNT) {
		snprintf(buf, sizeof(buf), "%lld", (long long)x);
		return cJSON_CreateRaw(buf);
	}
	return store_json_double(x);
}

/* Adds the arrays of the members with a known value to obj. */
static int noise_members_json(const struct noise_sample *ns, size_t n, cJSON *obj)
{
	for (size_t m = 0; m < N_NOISE_MEMBERS; m++) {
		cJSON *arr;
		size_t i;

		for (i = 0; i < n && !isfinite(member_get(&ns[i], m)); i++)
			;
		if (i == n)
			continue;
		arr = cJSON_CreateArray();
		if (!arr || !cJSON_AddItemToObject(obj, members[m].key, arr)) {
			cJSON_Delete(arr);
			return MC_ENOMEM;
		}
		for (i = 0; i < n; i++) {
			cJSON *v = noise_json_number(member_get(&ns[i], m), members[m].kind);

			if (!v || !cJSON_AddItemToArray(arr, v)) {
				cJSON_Delete(v);
				return MC_ENOMEM;
			}
		}
	}
	return 0;
}

int store_noise_export(struct store *st, int64_t result_id, size_t n_samples,
		       int64_t n_flagged, cJSON *obj, int *out_sqlite)
{
	struct noise_sample *ns = NULL;
	sqlite3_stmt *s = NULL;
	cJSON *no = NULL, *count = NULL;
	char e[MC_ERRLEN];
	int rc, step, any = 0;

	if (n_flagged >= 0) {
		count = noise_json_number((double)n_flagged, NK_COUNT);
		if (!count || !cJSON_AddItemToObject(obj, "n_steal_flagged", count)) {
			cJSON_Delete(count);
			return MC_ENOMEM;
		}
	}
	if (!n_samples)
		return 0;
	if ((rc = store_stmt(st, sql_noise, &s, e, sizeof(e)))) {
		*out_sqlite = SQLITE_ERROR;
		return rc;
	}
	if (!(ns = malloc(n_samples * sizeof(*ns)))) {
		rc = MC_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n_samples; i++)
		noise_sample_unknown(&ns[i]);
	sqlite3_bind_int64(s, 1, result_id);
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t idx = sqlite3_column_int64(s, 0);

		if (idx < 0 || (uint64_t)idx >= n_samples)
			continue;     /* no sample to belong to: not part of the run */
		any = 1;
		for (size_t m = 0; m < N_NOISE_MEMBERS; m++)
			if (sqlite3_column_type(s, (int)m + 1) != SQLITE_NULL)
				member_set(&ns[idx], m, sqlite3_column_double(s, (int)m + 1));
	}
	if (step != SQLITE_DONE) {
		*out_sqlite = step;
		rc = MC_EDB;
		goto out;
	}
	if (any) {
		no = cJSON_CreateObject();
		if (!no || !cJSON_AddItemToObject(obj, "samples_noise", no)) {
			cJSON_Delete(no);
			rc = MC_ENOMEM;
			goto out;
		}
		rc = noise_members_json(ns, n_samples, no);
	}
out:
	store_stmt_done(s);
	free(ns);
	return rc;
}

/* Whether x is a valid value of a member of kind. */
static int noise_valid(double x, enum noise_kind kind)
{
	switch (kind) {
	case NK_NS: return isfinite(x) && x >= 0;
	case NK_FLAG: return x == 0 || x == 1;
	case NK_COUNT: return x >= 0 && x <= 9007199254740992.0 && x == floor(x);
	default: return isfinite(x) && x > 0;
	}
}

static const char *const kind_says[] = {
	[NK_NS] = "expected a number of nanoseconds (>= 0) or null",
	[NK_FLAG] = "expected 0, 1 or null",
	[NK_COUNT] = "expected a count (an integer >= 0) or null",
	[NK_MHZ] = "expected a clock in MHz (> 0) or null",
};

/* Member m of samples_noise object no into ns[0..n). */
static int noise_member_import(const cJSON *no, size_t m, struct noise_sample *ns,
			       size_t n, const char *src, const char *path,
			       char *err, size_t n_err)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(no, members[m].key), *v;
	char at[JPATH_LEN], item[JPATH_LEN];
	size_t i = 0;

	if (!arr)
		return 0;
	jpath_key(at, path, members[m].key);
	if (!cJSON_IsArray(arr))
		return jpath_fail(err, n_err, MC_EINVAL, src, at, "expected an array");
	if ((size_t)cJSON_GetArraySize(arr) != n)
		return jpath_fail(err, n_err, MC_EINVAL, src, at, "expected %zu values "
				  "(n_samples), found %d", n, cJSON_GetArraySize(arr));
	cJSON_ArrayForEach(v, arr) {
		double x = NAN;

		if (!cJSON_IsNull(v) &&
		    (!store_json_number(v, &x) || !noise_valid(x, members[m].kind))) {
			jpath_index(item, at, i);
			return jpath_fail(err, n_err, MC_EINVAL, src, item, "%s",
					  kind_says[members[m].kind]);
		}
		if (!cJSON_IsNull(v))
			member_set(&ns[i], m, x);
		i++;
	}
	return 0;
}

int store_noise_import(const cJSON *o, size_t n_samples, const char *src,
		       const char *path, struct noise_sample **out, char *err,
		       size_t n_err)
{
	const cJSON *no = cJSON_GetObjectItemCaseSensitive(o, "samples_noise");
	const cJSON *count = cJSON_GetObjectItemCaseSensitive(o, "n_steal_flagged");
	struct noise_sample *ns = NULL;
	char at[JPATH_LEN];
	double stated = -1;
	int64_t counted = -1;
	int rc = 0;

	*out = NULL;
	jpath_key(at, path, "n_steal_flagged");
	if (count && (!store_json_number(count, &stated) || !noise_valid(stated, NK_COUNT)))
		return jpath_fail(err, n_err, MC_EINVAL, src, at, "%s", kind_says[NK_COUNT]);
	if (no) {
		char nat[JPATH_LEN];

		jpath_key(nat, path, "samples_noise");
		if (!cJSON_IsObject(no))
			return jpath_fail(err, n_err, MC_EINVAL, src, nat, "expected an object");
		if (!(ns = malloc((n_samples ? n_samples : 1) * sizeof(*ns))))
			return err_set(err, n_err, MC_ENOMEM, "%s: out of memory", src);
		for (size_t i = 0; i < n_samples; i++)
			noise_sample_unknown(&ns[i]);
		for (size_t m = 0; !rc && m < N_NOISE_MEMBERS; m++)
			rc = noise_member_import(no, m, ns, n_samples, src, nat, err, n_err);
		if (rc) {
			free(ns);
			return rc;
		}
		counted = noise_count_flagged(ns, n_samples);
	}
	/* The count is a function of the flags, as the stats are of the
	 * samples: a file whose two disagree was edited. */
	if ((count ? (int64_t)stated : -1) != counted) {
		free(ns);
		if (counted < 0)
			return jpath_fail(err, n_err, MC_EINVAL, src, at, "given, but no "
					  "sample has a steal_flagged in samples_noise");
		return jpath_fail(err, n_err, MC_EINVAL, src, at, "%s does not match "
				  "samples_noise.steal_flagged (%lld flagged)",
				  count ? "the count" : "missing: it", (long long)counted);
	}
	*out = ns;
	return 0;
}
