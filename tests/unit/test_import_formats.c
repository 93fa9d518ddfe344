/*
 * test_import_formats.c - unit tests of the importers of other tools' files
 * (import.c, import_<format>.c) on real outputs of the tools
 * (tests/fixtures/import/, see gen.sh there): what each field maps to, what
 * stays unknown, and the checks of a doc against its own samples.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "import.h"
#include "jpath.h"
#include "store.h"

#define FIX "tests/fixtures/import/"

typedef int (*parse_fn)(const char *, const char *, size_t, struct import_doc *, char *,
			size_t);

/* Parses fixture name with fn into doc; returns the parser's code. */
static int parse(parse_fn fn, const char *name, struct import_doc *doc, char *err,
		 size_t n_err)
{
	char path[256], *buf = NULL;
	size_t len = 0;
	int rc;

	snprintf(path, sizeof(path), FIX "%s", name);
	memset(doc, 0, sizeof(*doc));
	doc->git_dirty = -1;
	doc->cores = doc->threads = doc->mem_bytes = -1;
	rc = jpath_read_file(path, 0, &buf, &len, err, n_err);
	assert_int_equal(rc, 0);
	rc = fn(path, buf, len, doc, err, n_err);
	free(buf);
	return rc;
}

static const struct import_result *find(const struct import_doc *doc, const char *bench,
					const char *clock, const char *variant)
{
	for (size_t i = 0; i < doc->n_results; i++)
		if (!strcmp(doc->results[i].benchmark, bench) &&
		    (!clock || !strcmp(doc->results[i].clock, clock)) &&
		    (!variant || !strcmp(doc->results[i].variant, variant)))
			return &doc->results[i];
	fail_msg("no result %s", bench);
	return NULL;
}

static void test_gbench(void **state)
{
	struct import_doc doc;
	char err[MC_ERRLEN] = "";
	const struct import_result *r;

	(void)state;
	assert_int_equal(parse(import_gbench_parse, "gbench-1.7.1.json", &doc, err,
			       sizeof(err)), 0);
	assert_string_equal(doc.hostname, "vm");
	assert_int_equal(doc.threads, 2);
	assert_int_equal(doc.cores, -1);           /* gbench does not say */
	assert_null(doc.cpu_model);
	assert_null(doc.format_version);           /* 1.7.1 states none */
	assert_non_null(doc.started_at);
	assert_int_equal(doc.n_results, 4);        /* BM_sum/64, /1024, nan, error */
	r = find(&doc, "BM_sum/64", NULL, NULL);
	assert_string_equal(r->status, "ok");
	assert_string_equal(r->kernel, "BM_sum");
	assert_int_equal(r->n_samples, 3);         /* the repetitions */
	assert_int_equal(r->n_reported, 3);
	assert_false(isnan(r->mean) || isnan(r->median) || isnan(r->stddev));
	/* time_unit "us": samples in ns are 1000x the file's real_time. */
	assert_true(r->samples_ns[0] > 10 && r->samples_ns[0] < 1e6);
	assert_non_null(strstr(r->fields, "\"cpu_time_ns\":["));
	assert_non_null(strstr(r->fields, "\"max\":{\"unit\":\"time\""));
	r = find(&doc, "BM_nan_counter", NULL, NULL);
	/* NaN and Infinity counters kept as unknown (null), not invented. */
	assert_non_null(strstr(r->fields, "\"ratio\":null"));
	r = find(&doc, "BM_error", NULL, NULL);
	assert_string_equal(r->status, "failed");
	assert_string_equal(r->message, "no device here");
	assert_int_equal(r->n_samples, 0);
	import_doc_free(&doc);

	assert_int_equal(parse(import_gbench_parse, "gbench-1.7.1-aggregates.json", &doc, err,
			       sizeof(err)), 0);
	r = find(&doc, "BM_sum/64", NULL, NULL);
	assert_string_equal(r->status, "ok");
	assert_int_equal(r->n_samples, 0);         /* aggregate-only */
	assert_false(isnan(r->median));
	assert_int_equal(r->n_reported, 3);
	import_doc_free(&doc);
}

static void test_hyperfine(void **state)
{
	struct import_doc doc;
	char err[MC_ERRLEN] = "";
	const struct import_result *r;

	(void)state;
	assert_int_equal(parse(import_hyperfine_parse, "hyperfine-1.15.0.json", &doc, err,
			       sizeof(err)), 0);
	assert_null(doc.hostname);
	assert_null(doc.started_at);               /* hyperfine records no time */
	assert_int_equal(doc.n_results, 2);
	r = &doc.results[0];
	assert_string_equal(r->params, "{\"n\":\"1\"}");
	assert_int_equal(r->n_samples, 5);
	assert_int_equal(r->iters_per_sample, 1);
	assert_null(r->message);
	import_doc_free(&doc);
	assert_int_equal(parse(import_hyperfine_parse, "hyperfine-1.15.0-single.json", &doc,
			       err, sizeof(err)), 0);
	r = &doc.results[0];
	assert_true(isnan(r->stddev));             /* null for one run */
	assert_int_equal(r->n_samples, 1);
	assert_string_equal(r->message, "the command exited non-zero in 1 of 1 runs "
			    "(hyperfine -i)");
	import_doc_free(&doc);
}

static void test_pytest(void **state)
{
	struct import_doc doc;
	char err[MC_ERRLEN] = "";
	const struct import_result *r;

	(void)state;
	assert_int_equal(parse(import_pytest_parse, "pytest-benchmark-5.3.1.json", &doc, err,
			       sizeof(err)), 0);
	assert_string_equal(doc.format_version, "5.3.1");
	assert_string_equal(doc.hostname, "vm");
	assert_string_equal(doc.cpu_model, "AMD EPYC");
	assert_null(doc.git_commit);               /* "unversioned" */
	r = find(&doc, "test_sum[10]", NULL, NULL);
	assert_string_equal(r->suite, "pytest:test_sample.py");
	assert_string_equal(r->kernel, "test_sum");
	assert_string_equal(r->params, "{\"n\":10}");
	assert_int_equal((int64_t)r->n_samples, r->n_reported);
	r = find(&doc, "test_pedantic", NULL, NULL);
	assert_int_equal(r->iters_per_sample, 3);
	assert_int_equal(r->n_samples, 4);
	import_doc_free(&doc);
}

static void test_nvbench(void **state)
{
	struct import_doc doc;
	char err[MC_ERRLEN] = "";
	const struct import_result *r;

	(void)state;
	assert_int_equal(parse(import_nvbench_parse, "nvbench-shape.json", &doc, err,
			       sizeof(err)), 0);
	assert_string_equal(doc.format_version, "json 1.0.0");
	assert_int_equal(doc.n_devices, 1);
	assert_string_equal(doc.devices[0].backend, "nvbench:Example GPU");
	r = find(&doc, "copy/Elements=2^10", "device", "");
	assert_int_equal(r->n_samples, 0);         /* aggregates only */
	assert_true(fabs(r->mean - 1e4) < 1e-6);
	assert_true(fabs(r->stddev - 500) < 1e-6); /* 5% of the mean */
	assert_true(isnan(r->median));             /* nvbench gives none */
	assert_int_equal(r->n_reported, 10);
	assert_string_equal(r->params, "{\"Elements\":1024}");
	r = find(&doc, "copy/Elements=2^10", "wall", "");
	assert_true(fabs(r->mean - 2e4) < 1e-6);
	r = find(&doc, "copy/Elements=2^10", "device", "batch");
	assert_int_equal(r->n_reported, 100);
	r = find(&doc, "copy/Elements=2^30", NULL, NULL);
	assert_string_equal(r->status, "skipped");
	assert_string_equal(r->message, "not enough memory");
	import_doc_free(&doc);
}

static void test_criterion(void **state)
{
	struct import_doc doc;
	char err[MC_ERRLEN] = "";
	const struct import_result *r;

	(void)state;
	memset(&doc, 0, sizeof(doc));
	assert_int_equal(import_criterion_tree(FIX "criterion-0.3.6", &doc, err,
					       sizeof(err)), 0);
	assert_int_equal(doc.n_results, 3);
	r = find(&doc, "sum/64", NULL, NULL);
	assert_string_equal(r->suite, "criterion:sum");
	assert_string_equal(r->params, "{\"value\":\"64\"}");
	assert_true(r->bytes == 256);             /* Throughput::Bytes */
	assert_int_equal(r->n_samples, 10);
	assert_int_equal(strlen(doc.sha256), 64);
	import_doc_free(&doc);
	assert_int_equal(parse(import_criterion_parse, "criterion-0.3.6/sum/64/new/raw.csv",
			       &doc, err, sizeof(err)), 0);
	r = find(&doc, "sum/64", NULL, NULL);
	assert_int_equal(r->n_samples, 10);
	assert_true(r->bytes == 256);
	import_doc_free(&doc);
}

static void put_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* criterion 0.2's layout: sample.json a pair of arrays, capitalised
 * estimate keys. The figures are arithmetic, not a measurement: two
 * samples of 1 and 2 iterations taking 100 and 300 ns, so 100 and 150 ns
 * per iteration. */
static void test_criterion_02(void **state)
{
	struct import_doc doc;
	char err[MC_ERRLEN] = "", dir[] = "/tmp/test-crit-XXXXXX", p[128];
	const struct import_result *r;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(p, sizeof(p), "%s/g", dir);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/g/new", dir);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/g/new/benchmark.json", dir);
	put_file(p, "{\"group_id\":\"g\",\"function_id\":null,\"value_str\":null,"
		 "\"throughput\":null,\"full_id\":\"g\",\"directory_name\":\"g\"}");
	snprintf(p, sizeof(p), "%s/g/new/sample.json", dir);
	put_file(p, "[[1.0,2.0],[100.0,300.0]]");
	snprintf(p, sizeof(p), "%s/g/new/estimates.json", dir);
	put_file(p, "{\"Mean\":{\"point_estimate\":125.0},\"Median\":{\"point_estimate\":125.0},"
		 "\"StdDev\":{\"point_estimate\":35.35533905932738}}");
	memset(&doc, 0, sizeof(doc));
	assert_int_equal(import_criterion_tree(dir, &doc, err, sizeof(err)), 0);
	r = find(&doc, "g", NULL, NULL);
	assert_int_equal(r->n_samples, 2);
	assert_true(r->samples_ns[0] == 100 && r->samples_ns[1] == 150);
	assert_true(r->mean == 125 && r->median == 125);
	import_doc_free(&doc);
	remove(p);
	snprintf(p, sizeof(p), "%s/g/new/sample.json", dir);
	remove(p);
	snprintf(p, sizeof(p), "%s/g/new/benchmark.json", dir);
	remove(p);
	snprintf(p, sizeof(p), "%s/g/new", dir);
	rmdir(p);
	snprintf(p, sizeof(p), "%s/g", dir);
	rmdir(p);
	rmdir(dir);
}

/* The same text, one figure edited: refused by import.c's checks. */
static void test_checks(void **state)
{
	struct import_opts opts = { .format = "hyperfine" };
	struct store *st = NULL;
	char err[MC_ERRLEN] = "", *buf = NULL, *at;
	size_t len = 0;
	int imported = -1, skipped = -1;
	const char *fmt;
	FILE *f;

	(void)state;
	assert_int_equal(jpath_read_file(FIX "hyperfine-1.15.0.json", 0, &buf, &len, err,
					 sizeof(err)), 0);
	/* The first "mean": its first digit after "0.00" bumped. */
	at = strstr(buf, "\"mean\": 0.00");
	assert_non_null(at);
	at += strlen("\"mean\": 0.00");
	*at = *at == '9' ? '1' : (char)(*at + 1);
	f = fopen("edited-hyperfine.json", "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, len, f), len);
	fclose(f);
	free(buf);
	assert_int_equal(store_open(":memory:", STORE_WRITE, &st, err, sizeof(err)), 0);
	assert_int_equal(import_path(st, "edited-hyperfine.json", &opts, &imported, &skipped,
				     &fmt, err, sizeof(err)), MC_EINVAL);
	assert_non_null(strstr(err, "edited-hyperfine.json: benchmark \"sh -c \\\"exit 0;"));
	assert_non_null(strstr(err, "its mean"));
	assert_int_equal(imported, 0);
	/* The untouched file goes in, once. */
	assert_int_equal(import_path(st, FIX "hyperfine-1.15.0.json", NULL, &imported,
				     &skipped, &fmt, err, sizeof(err)), 0);
	assert_string_equal(fmt, "hyperfine");
	assert_int_equal(imported, 1);
	assert_int_equal(import_path(st, FIX "hyperfine-1.15.0.json", NULL, &imported,
				     &skipped, &fmt, err, sizeof(err)), 0);
	assert_int_equal(skipped, 1);
	store_close(st);
	remove("edited-hyperfine.json");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gbench),
		cmocka_unit_test(test_hyperfine),
		cmocka_unit_test(test_pytest),
		cmocka_unit_test(test_nvbench),
		cmocka_unit_test(test_criterion),
		cmocka_unit_test(test_criterion_02),
		cmocka_unit_test(test_checks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
