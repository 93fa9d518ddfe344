/*
 * test_noise.c - unit tests of the per-sample machine noise: reading
 * /proc/stat's steal (noise.c), the heavy-steal flag at its bound, the
 * marks around a call, and the noise's way through the store, the export
 * and the import (store_write.c, store_noise_json.c), including older
 * exports without it and edited files.
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

#include "err.h"
#include "fixture.h"
#include "noise.h"
#include "stats.h"
#include "store.h"
#include "store_export.h"
#include "store_import.h"
#include "store_int.h"

static void test_parse_steal(void **state)
{
	uint64_t t = 0;

	(void)state;
	assert_int_equal(noise_parse_steal("cpu  363487 0 76797 26311 986 0 687 6564 0 0\n"
					   "cpu0 1 2 3 4 5 6 7 8 9 10\n", &t), 0);
	assert_int_equal(t, 6564);
	/* The aggregate line need not be first; cpu0 is not it. */
	assert_int_equal(noise_parse_steal("cpu0 1 2 3 4 5 6 7 99\ncpu 1 2 3 4 5 6 7 42\n",
					   &t), 0);
	assert_int_equal(t, 42);
	/* Exactly eight columns, at the end of the text. */
	assert_int_equal(noise_parse_steal("cpu 1 2 3 4 5 6 7 18446744073709551615", &t), 0);
	assert_true(t == UINT64_MAX);
	/* Kernels before steal was counted: seven columns. */
	assert_int_equal(noise_parse_steal("cpu 1 2 3 4 5 6 7\n", &t), MC_ENOTSUP);
	assert_int_equal(noise_parse_steal("cpu 1 2 3\n", &t), MC_EINVAL);
	assert_int_equal(noise_parse_steal("cpu 1 2 3 4 5 6 7 x8\n", &t), MC_EINVAL);
	assert_int_equal(noise_parse_steal("cpu 1 2 3 4 5 6 7 -8\n", &t), MC_EINVAL);
	assert_int_equal(noise_parse_steal("cpu 1 2 3 4 5 6 7 8x\n", &t), MC_EINVAL);
	assert_int_equal(noise_parse_steal("intr 1 2 3\n", &t), MC_EINVAL);
	assert_int_equal(noise_parse_steal("", &t), MC_EINVAL);
}

/* The flag is steal less one tick against 10% of wall x CPUs. */
static void test_flag_at_its_bound(void **state)
{
	struct noise_clock c = { .tick_ns = 10e6, .n_cpus = 2 };

	(void)state;
	/* 100 ms on 2 CPUs: 20 ms is the share; 3 ticks (20 ms after the
	 * tick's doubt) is not beyond it, 4 ticks is. */
	assert_int_equal(noise_steal_flagged(30e6, 100e6, &c), 0);
	assert_int_equal(noise_steal_flagged(40e6, 100e6, &c), 1);
	/* One tick is never enough alone, however short the sample. */
	assert_int_equal(noise_steal_flagged(10e6, 1e3, &c), 0);
	assert_int_equal(noise_steal_flagged(20e6, 10e6, &c), 1);
	assert_int_equal(noise_steal_flagged(0, 100e6, &c), 0);
	/* Unknowns. */
	assert_int_equal(noise_steal_flagged(NAN, 100e6, &c), -1);
	assert_int_equal(noise_steal_flagged(40e6, 0, &c), -1);
	c.n_cpus = -1;
	assert_int_equal(noise_steal_flagged(40e6, 100e6, &c), -1);
	c.n_cpus = 2;
	c.tick_ns = -1;
	assert_int_equal(noise_steal_flagged(40e6, 100e6, &c), -1);
}

static void test_between(void **state)
{
	struct noise_clock c = { .tick_ns = 10e6, .n_cpus = 1 };
	struct noise_mark a = { 1, 100, 1, 5, 7 }, b = { 1, 103, 1, 6, 10 };
	struct noise_sample s;

	(void)state;
	noise_between(&a, &b, 100e6, &c, &s);
	assert_true(s.steal_ns == 30e6);
	assert_int_equal(s.steal_flagged, 1);   /* 20 ms beyond doubt > 10 ms */
	assert_int_equal(s.nvcsw, 1);
	assert_int_equal(s.nivcsw, 3);
	assert_true(isnan(s.sm_clock_mhz));
	/* A counter that went backwards, or a mark without it: unknown. */
	b.steal_ticks = 99;
	b.have_rusage = 0;
	noise_between(&a, &b, 100e6, &c, &s);
	assert_true(isnan(s.steal_ns));
	assert_int_equal(s.steal_flagged, -1);
	assert_int_equal(s.nvcsw, -1);
	assert_int_equal(s.nivcsw, -1);
}

static void test_count_flagged(void **state)
{
	struct noise_sample s[3];

	(void)state;
	for (int i = 0; i < 3; i++)
		noise_sample_unknown(&s[i]);
	assert_int_equal(noise_count_flagged(s, 3), -1);
	s[1].steal_flagged = 0;
	assert_int_equal(noise_count_flagged(s, 3), 0);
	s[0].steal_flagged = 1;
	s[2].steal_flagged = 1;
	assert_int_equal(noise_count_flagged(s, 3), 2);
	assert_int_equal(noise_count_flagged(s, 0), -1);
}

/* A mark now reads this machine: context switches always (getrusage),
 * steal from a file in /proc/stat's format; a missing file is unknown. */
static void test_mark_now(void **state)
{
	char path[] = "/tmp/mcbench-noise-XXXXXX";
	struct noise_mark m;
	FILE *f;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs("cpu  1 2 3 4 5 6 7 1234 0 0\ncpu0 1 2 3 4 5 6 7 1234 0 0\n", f);
	fclose(f);
	noise_mark_now(path, &m);
	assert_int_equal(m.have_steal, 1);
	assert_int_equal(m.steal_ticks, 1234);
	assert_int_equal(m.have_rusage, 1);
	assert_true(m.nvcsw >= 0 && m.nivcsw >= 0);
	remove(path);
	noise_mark_now(path, &m);
	assert_int_equal(m.have_steal, 0);
}

/* ------------------------------------------------------------ the store */

static int64_t one_int(struct store *st, const char *sql)
{
	sqlite3_stmt *s = NULL;
	int64_t v;

	assert_int_equal(sqlite3_prepare_v2(store_db(st), sql, -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	v = sqlite3_column_type(s, 0) == SQLITE_NULL ? -99 : sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

/* A finished run of two results on ref: "noisy" with noise on its four
 * samples (sample 2 knows nothing, sample 3 is flagged and has a clock),
 * "quiet" without any. */
static void add_results(struct fixture_run *fr)
{
	struct store_device dev = { .backend = "ref", .kind = "cpu", .name = "reference",
		.compute_units = -1, .global_mem = -1, .local_mem = -1,
		.peak_gflops = -1, .peak_gbps = -1 };
	struct store_result r = { .suite = "s", .kernel = "softmax", .params = "{}",
		.backend = "ref", .variant = "", .clock = "wall", .status = "ok",
		.flops = 1, .bytes = 1, .iters_per_sample = 1,
		.max_abs_err = 0, .max_rel_err = 0 };
	double samples[4] = { 100, 110, 105, 120 };
	struct noise_sample noise[4];
	char err[MC_ERRLEN] = "";

	assert_int_equal(store_device_add(fr->st, fr->run_id, &dev, err, sizeof(err)), 0);
	for (int i = 0; i < 4; i++) {
		noise_sample_unknown(&noise[i]);
		if (i == 2)
			continue;
		noise[i].steal_ns = i * 1e7;
		noise[i].steal_flagged = i == 3;
		noise[i].nvcsw = i;
		noise[i].nivcsw = 2 * i;
	}
	noise[3].sm_clock_mhz = 1980.5;
	assert_int_equal(stats_summarize(samples, 4, &r.stats), 0);
	r.benchmark = "noisy";
	assert_int_equal(store_result_add_noise(fr->st, fr->run_id, &r, samples, noise, 4,
						err, sizeof(err)), 0);
	r.benchmark = "quiet";
	assert_int_equal(store_result_add(fr->st, fr->run_id, &r, samples, 4, err,
					  sizeof(err)), 0);
	assert_int_equal(store_run_finish(fr->st, fr->run_id, "complete", err,
					  sizeof(err)), 0);
}

static cJSON *result_named(cJSON *doc, const char *bench)
{
	cJSON *r;

	cJSON_ArrayForEach(r, cJSON_GetObjectItem(doc, "results"))
		if (!strcmp(cJSON_GetObjectItem(r, "benchmark")->valuestring, bench))
			return r;
	fail_msg("no result %s", bench);
	return NULL;
}

static void test_store_and_round_trip(void **state)
{
	struct fixture_run fr, other;
	cJSON *doc = NULL, *noisy, *quiet, *again = NULL;
	char err[MC_ERRLEN] = "", *text, *text2, *member;
	int imported = -1, skipped = -1;

	(void)state;
	fixture_run_open(&fr, "noise", "aaaaaaaa-0000-4000-8000-000000000001");
	add_results(&fr);
	/* Rows only for samples with something known; the count per result. */
	assert_int_equal(one_int(fr.st, "SELECT count(*) FROM sample_noise"), 3);
	assert_int_equal(one_int(fr.st, "SELECT n_steal_flagged FROM result WHERE "
				 "benchmark = 'noisy'"), 1);
	assert_int_equal(one_int(fr.st, "SELECT n_steal_flagged FROM result WHERE "
				 "benchmark = 'quiet'"), -99);
	assert_int_equal(store_export_run(fr.st, fr.run_id, &doc, err, sizeof(err)), 0);
	noisy = result_named(doc, "noisy");
	quiet = result_named(doc, "quiet");
	/* Without noise, a result exports as before: neither member. */
	assert_null(cJSON_GetObjectItem(quiet, "samples_noise"));
	assert_null(cJSON_GetObjectItem(quiet, "n_steal_flagged"));
	member = cJSON_PrintUnformatted(cJSON_GetObjectItem(noisy, "samples_noise"));
	assert_string_equal(member, "{\"steal_ns\":[0,1e+07,null,3e+07],"
			    "\"steal_flagged\":[0,0,null,1],\"nvcsw\":[0,1,null,3],"
			    "\"nivcsw\":[0,2,null,6],\"sm_clock_mhz\":[null,null,null,1980.5]}");
	cJSON_free(member);
	assert_string_equal(cJSON_GetObjectItem(noisy, "n_steal_flagged")->valuestring, "1");
	/* The members come after samples_ns, the result's last member before. */
	assert_string_equal(cJSON_GetObjectItem(noisy, "samples_ns")->next->string,
			    "n_steal_flagged");
	text = cJSON_Print(doc);

	/* Import and export again: the same bytes. */
	fixture_run_open(&other, "noise2", "bbbbbbbb-0000-4000-8000-000000000002");
	assert_int_equal(store_import(other.st, doc, "memory", &imported, &skipped, err,
				      sizeof(err)), 0);
	assert_int_equal(imported, 1);
	assert_int_equal(one_int(other.st, "SELECT count(*) FROM sample_noise"), 3);
	assert_int_equal(store_export_run(other.st, one_int(other.st, "SELECT id FROM run "
				"WHERE uuid LIKE 'aaaa%'"), &again, err, sizeof(err)), 0);
	text2 = cJSON_Print(again);
	assert_string_equal(text, text2);
	/* An export from before the noise (neither member) still imports. */
	cJSON_DeleteItemFromObject(noisy, "samples_noise");
	cJSON_DeleteItemFromObject(noisy, "n_steal_flagged");
	cJSON_ReplaceItemInObject(cJSON_GetObjectItem(doc, "run"), "uuid",
				  cJSON_CreateString("cccccccc-0000-4000-8000-000000000003"));
	assert_int_equal(store_import(other.st, doc, "memory", &imported, &skipped, err,
				      sizeof(err)), 0);
	assert_int_equal(imported, 1);
	assert_int_equal(one_int(other.st, "SELECT count(*) FROM sample_noise"), 3);
	cJSON_free(text);
	cJSON_free(text2);
	cJSON_Delete(doc);
	cJSON_Delete(again);
	fixture_run_close(&other);
	fixture_run_close(&fr);
}

/* Edits of an export's noise that import must refuse, naming the path;
 * the db keeps what it had. */
static void expect_refused(struct store *from, int64_t run_id, struct store *to,
			   const char *key, const char *json, const char *want)
{
	cJSON *doc = NULL, *noisy;
	char err[MC_ERRLEN] = "";
	int imported = -1, skipped = -1;
	int64_t before = one_int(to, "SELECT count(*) FROM result");

	assert_int_equal(store_export_run(from, run_id, &doc, err, sizeof(err)), 0);
	noisy = result_named(doc, "noisy");
	if (!strcmp(key, "n_steal_flagged") || !strcmp(key, "samples_noise"))
		cJSON_ReplaceItemInObject(noisy, key, cJSON_Parse(json));
	else
		cJSON_ReplaceItemInObject(cJSON_GetObjectItem(noisy, "samples_noise"), key,
					  cJSON_Parse(json));
	assert_int_equal(store_import(to, doc, "x.json", &imported, &skipped, err,
				      sizeof(err)), MC_EINVAL);
	print_message("    %s\n", err);
	assert_non_null(strstr(err, want));
	assert_int_equal(one_int(to, "SELECT count(*) FROM result"), before);
	cJSON_Delete(doc);
}

static void test_import_refuses_edits(void **state)
{
	struct fixture_run fr, other;

	(void)state;
	fixture_run_open(&fr, "noise3", "aaaaaaaa-0000-4000-8000-000000000001");
	add_results(&fr);
	fixture_run_open(&other, "noise4", "bbbbbbbb-0000-4000-8000-000000000002");
	expect_refused(fr.st, fr.run_id, other.st, "n_steal_flagged", "2",
		       "$.results[0].n_steal_flagged: the count does not match "
		       "samples_noise.steal_flagged (1 flagged)");
	expect_refused(fr.st, fr.run_id, other.st, "n_steal_flagged", "-1",
		       "n_steal_flagged: expected a count");
	expect_refused(fr.st, fr.run_id, other.st, "steal_flagged", "[0, 0, null, 2]",
		       "$.results[0].samples_noise.steal_flagged[3]: expected 0, 1 or null");
	expect_refused(fr.st, fr.run_id, other.st, "steal_flagged", "[0, 0, null]",
		       "samples_noise.steal_flagged: expected 4 values (n_samples), found 3");
	expect_refused(fr.st, fr.run_id, other.st, "nvcsw", "[0, 1.5, null, 3]",
		       "samples_noise.nvcsw[1]: expected a count");
	expect_refused(fr.st, fr.run_id, other.st, "steal_ns", "[0, -1, null, 3]",
		       "samples_noise.steal_ns[1]: expected a number of nanoseconds");
	expect_refused(fr.st, fr.run_id, other.st, "sm_clock_mhz", "\"fast\"",
		       "samples_noise.sm_clock_mhz: expected an array");
	expect_refused(fr.st, fr.run_id, other.st, "samples_noise", "[]",
		       "$.results[0].samples_noise: expected an object");
	expect_refused(fr.st, fr.run_id, other.st, "samples_noise", "{}",
		       "n_steal_flagged: given, but no sample has a steal_flagged");
	fixture_run_close(&other);
	fixture_run_close(&fr);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_steal),
		cmocka_unit_test(test_flag_at_its_bound),
		cmocka_unit_test(test_between),
		cmocka_unit_test(test_count_flagged),
		cmocka_unit_test(test_mark_now),
		cmocka_unit_test(test_store_and_round_trip),
		cmocka_unit_test(test_import_refuses_edits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
