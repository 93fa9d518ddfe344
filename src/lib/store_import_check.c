/*
 * store_import_check.c - the checks an imported run passes before it is
 * stored: its uuid and times are ones mcbench writes, its statistics are
 * those of its samples, its results ran on its devices, and an "ok" one is
 * physically possible by its own run's measured peaks.
 */
#include "store_import_int.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "err.h"
#include "runner.h"
#include "stats.h"
#include "workload.h"

void store_import_run_free(struct imp_run *r)
{
	for (size_t i = 0; i < r->n_devices; i++)
		cJSON_free(r->devices[i].info);
	for (size_t i = 0; i < r->n_results; i++) {
		cJSON_free(r->results[i].params);
		free(r->results[i].samples);
		free(r->results[i].noise);
		free(r->results[i].demoted);
		cJSON_free(r->results[i].fields);
	}
	free(r->devices);
	free(r->results);
	cJSON_free(r->provenance);
	memset(r, 0, sizeof(*r));
}

/* A run uuid as mcbench writes them: 8-4-4-4-12 lower-case hex digits.
 * It names files (scripts/publish.sh) and is looked up as a reference
 * (mcreport export --run), so "1", "all" or "../x" must never get in. */
int store_import_is_uuid(const char *s)
{
	for (int i = 0; i < 36; i++) {
		int dash = i == 8 || i == 13 || i == 18 || i == 23;

		if (dash ? s[i] != '-' :
		    !((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	}
	return s[36] == '\0';
}

/* An ISO 8601 UTC time as mcbench writes them, "2026-11-23T16:22:00Z"
 * (a fraction of a second allowed), that names a real instant; runs sort
 * by this text, so a "zzzz" would pass every real run. */
int store_import_is_utc_time(const char *s)
{
	struct tm tm = { 0 };
	const char *p;
	time_t t;

	for (int i = 0; i < 19; i++) {
		char c = "dddd-dd-ddTdd:dd:dd"[i];

		if (c == 'd' ? !(s[i] >= '0' && s[i] <= '9') : s[i] != c)
			return 0;
	}
	p = s + 19;
	if (*p == '.') {
		if (!(p[1] >= '0' && p[1] <= '9'))
			return 0;
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	}
	if (p[0] != 'Z' || p[1] != '\0')
		return 0;
	tm.tm_year = atoi(s) - 1900;
	tm.tm_mon = atoi(s + 5) - 1;
	tm.tm_mday = atoi(s + 8);
	tm.tm_hour = atoi(s + 11);
	tm.tm_min = atoi(s + 14);
	tm.tm_sec = atoi(s + 17);
	if (tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_hour > 23 ||
	    tm.tm_min > 59 || tm.tm_sec > 60)
		return 0;
	/* timegm normalises 31 November into 1 December: a round trip that
	 * changes the day means the date does not exist. */
	{
		struct tm back = tm;

		t = timegm(&back);
		if (t == (time_t)-1 || back.tm_mday != tm.tm_mday || back.tm_mon != tm.tm_mon)
			return 0;
	}
	return 1;
}


/* Whether stored and recomputed agree: both unknown, or within a
 * relative 1e-9 (the export prints each double exactly, so only another
 * writer's rounding could differ). */
static int same_stat(double stored, double recomputed)
{
	/* The db stores a non-finite statistic as NULL, exported as null. */
	if (isnan(stored) || !isfinite(recomputed))
		return isnan(stored) && !isfinite(recomputed);
	return fabs(stored - recomputed) <=
	       1e-9 * fmax(fabs(stored), fabs(recomputed));
}

/* The stats of a result are a function of its samples: recomputes them and
 * refuses a result whose stored ones differ (an edited sample or median). */
int store_import_check_stats(struct jwalk *im, const struct imp_result *res)
{
	static const char *const keys[] = {
		"min_ns", "median_ns", "mean_ns", "stddev_ns", "mad_ns",
		"ci_lo_ns", "ci_hi_ns", "q1_ns", "q3_ns", "n_mild", "n_severe",
	};
	const struct stats_summary *got = &res->r.stats;
	struct stats_summary want;
	char msg[160];
	size_t mark;
	int rc = 0;

	if (!res->n_samples)
		return 0;
	if (stats_summarize(res->samples, res->n_samples, &want))
		return err_set(im->err, im->n_err, MC_ENOMEM, "%s: out of memory", im->src);
	{
		const double a[] = { got->min, got->median, got->mean, got->stddev,
				     got->mad, got->ci_lo, got->ci_hi, got->q1, got->q3,
				     (double)got->n_mild, (double)got->n_severe };
		const double b[] = { want.min, want.median, want.mean, want.stddev,
				     want.mad, want.ci_lo, want.ci_hi, want.q1, want.q3,
				     (double)want.n_mild, (double)want.n_severe };

		for (size_t i = 0; i < sizeof(a) / sizeof(a[0]); i++) {
			if (same_stat(a[i], b[i]))
				continue;
			snprintf(msg, sizeof(msg), "%.17g does not match the samples "
				 "(recomputed from samples_ns: %.17g)", a[i], b[i]);
			mark = jwalk_push(im, "stats", 0);
			rc = jwalk_fail_at(im, keys[i], 0, msg);
			jwalk_pop(im, mark);
			break;
		}
	}
	return rc;
}

/* Every result was measured on one of its run's devices. */
int store_import_check_backends(struct jwalk *im, const struct imp_run *r)
{
	char msg[200], name[64];
	size_t mark, m2;
	int rc;

	for (size_t i = 0; i < r->n_results; i++) {
		const char *b = r->results[i].r.backend;
		size_t j = 0;

		while (j < r->n_devices && strcmp(r->devices[j].d.backend, b))
			j++;
		if (j < r->n_devices)
			continue;
		snprintf(msg, sizeof(msg), "backend \"%s\" is not among the run's devices",
			 jpath_printable(b, name, sizeof(name)));
		mark = jwalk_push(im, "results", 0);
		m2 = jwalk_push(im, NULL, (long)i);
		rc = jwalk_fail_at(im, "backend", 0, msg);
		jwalk_pop(im, m2);
		jwalk_pop(im, mark);
		return rc;
	}
	return 0;
}

/* The working set of a result of a known kernel, from its params; -1 when
 * the kernel or a parameter is unknown here (the bandwidth check is then
 * not made, as the runner makes it only where it knows the cache). */
static double footprint_of(const struct imp_result *res)
{
	const struct kernel_spec *spec = workload_find(res->r.kernel);
	struct workload_plan plan;
	long params[WORKLOAD_MAX_PARAMS] = { 0 };
	cJSON *o = NULL;
	double n = -1;
	char e[MC_ERRLEN];
	size_t k = 0;

	if (!spec || !(o = cJSON_Parse(res->params)))
		goto out;
	for (; spec->param_names[k] && k < WORKLOAD_MAX_PARAMS; k++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, spec->param_names[k]);

		if (!cJSON_IsNumber(v) || !(v->valuedouble >= 1 && v->valuedouble <= INT_MAX))
			goto out;
		params[k] = (long)v->valuedouble;
	}
	memset(&plan, 0, sizeof(plan));
	if (spec->plan(params, &plan, e, sizeof(e)))
		goto out;
	n = (double)plan.output_len;
	for (size_t i = 0; i < plan.n_inputs; i++)
		n += (double)plan.input_len[i];
	n *= runner_variant_float_bytes(res->r.variant);
out:
	cJSON_Delete(o);
	return n;
}

/* An "ok" result must be physically possible on its device by the run's
 * own measured peaks, by the rule the runner applied when it measured it
 * (runner_plausibility: 110% of the FLOP/s peak, or of the bandwidth for
 * working sets over 4x the last-level cache). One that is not was edited
 * or misjudged: refused, not stored as "implausible", since an import
 * never rewrites what it reads. */
int store_import_plausible(const struct imp_run *r, const struct imp_result *res,
			   char *why, size_t n_why)
{
	struct runner_peaks peaks = { -1, -1, -1 };
	const struct store_device *d = NULL;
	cJSON *info = NULL;

	if (strcmp(res->r.status, "ok") || !res->n_samples || !(res->r.stats.median > 0))
		return 1;
	for (size_t j = 0; j < r->n_devices && !d; j++)
		if (!strcmp(r->devices[j].d.backend, res->r.backend))
			d = &r->devices[j].d;
	if (!d)
		return 1;
	peaks.gflops = d->peak_gflops;
	peaks.gbps = d->peak_gbps;
	if (d->info && (info = cJSON_Parse(d->info))) {
		const cJSON *c = cJSON_GetObjectItemCaseSensitive(info, "cache_bytes");

		if (cJSON_IsNumber(c))
			peaks.cache_bytes = c->valuedouble;
		cJSON_Delete(info);
	}
	if (peaks.cache_bytes > 0 && footprint_of(res) < 0)
		peaks.cache_bytes = -1;
	return !strcmp(runner_plausibility(runner_variant_flops(res->r.variant, res->r.flops),
					   res->r.bytes, res->r.stats.median,
					   footprint_of(res), &peaks, why, n_why), "ok");
}
