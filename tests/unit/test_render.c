/*
 * test_render.c - the template engine against fixture dbs: golden renders
 * (tests/fixtures/report/NAME.md, rebuilt with MCREPORT_UPDATE_GOLDEN=1),
 * determinism, claims that hold, fail or lack data, template errors with
 * their positions, escaping of hostile data, charts byte-identical across
 * renders, {{each}}/{{this}} and selection by what a machine is,
 * comparisons of one benchmark with another (vs=), and the render time
 * over 10,000 runs.
 *
 * Fixture dbs are created through store_open (so the migrations apply),
 * then filled with the fixture SQL. Each test runs in a scratch directory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "render.h"
#include "sbuf.h"
#include "store.h"
#include "store_int.h"   /* store_db(): the tests read the rows themselves */
#include "units.h"

#define FIXTURES "tests/fixtures/report/"
#define EN "\xe2\x80\x93"   /* en dash */
#define EM "\xe2\x80\x94"   /* em dash */

static char top[4096];

static char *read_file(const char *path)
{
	struct sbuf b = SBUF_INIT;
	char chunk[8192];
	size_t got;
	FILE *f = fopen(path, "rb");

	if (!f)
		fail_msg("cannot read %s", path);
	while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0)
		sbuf_addn(&b, chunk, got);
	fclose(f);
	return sbuf_detach(&b);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
	assert_int_equal(fclose(f), 0);
}

/* A fixture file of the source tree (tests run from the top directory). */
static char *fixture(const char *name)
{
	char path[8192];

	snprintf(path, sizeof(path), "%s/" FIXTURES "%s", top, name);
	return read_file(path);
}

/* Creates db through store_open and loads the fixture SQL files into it. */
static struct store *fixture_db(const char *db, const char *sql1, const char *sql2)
{
	const char *sqls[] = { sql1, sql2 };
	char err[MC_ERRLEN];
	struct store *st = NULL;

	unlink(db);
	if (store_open(db, STORE_WRITE, &st, err, sizeof(err)))
		fail_msg("store_open: %s", err);
	for (int i = 0; i < 2 && sqls[i]; i++) {
		char *text = fixture(sqls[i]), *msg = NULL;

		if (sqlite3_exec(store_db(st), text, NULL, NULL, &msg) != SQLITE_OK)
			fail_msg("%s: %s", sqls[i], msg);
		free(text);
	}
	return st;
}

static int render(struct store *st, const char *tmpl, const char *db_label, int no_charts,
		  const char *charts_out, struct render_out *out, char *err)
{
	struct render_opts o = { tmpl, db_label, "reports", charts_out, no_charts, NULL };

	return render_document(st, &o, out, err, MC_ERRLEN);
}

/* Compares doc with the golden file, or rewrites it when asked to. */
static void golden(const char *doc, const char *name)
{
	char path[8192], *want;
	const char *a, *b;
	int line = 1;

	snprintf(path, sizeof(path), "%s/" FIXTURES "%s", top, name);
	if (getenv("MCREPORT_UPDATE_GOLDEN")) {
		write_file(path, doc);
		return;
	}
	want = read_file(path);
	for (a = doc, b = want; *a && *a == *b; a++, b++)
		line += *a == '\n';
	if (*a || *b)
		fail_msg("%s differs from the render at line %d (MCREPORT_UPDATE_GOLDEN=1 rewrites it)",
			 name, line);
	free(want);
}

static int setup(void **state)
{
	static char dir[] = "/tmp/test_render-XXXXXX";

	*state = dir;
	if (!getcwd(top, sizeof(top)) || !mkdtemp(dir) || chdir(dir) != 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", (const char *)*state);
	return chdir(top) == 0 && system(cmd) == 0 ? 0 : -1;
}

static void test_golden_basic(void **state)
{
	struct store *st = fixture_db("fixture.sqlite", "basic.sql", NULL);
	struct render_out a = { 0 }, b = { 0 };
	char err[MC_ERRLEN], *tmpl = fixture("basic.md.in");

	(void)state;
	write_file("basic.md.in", tmpl);
	if (render(st, "basic.md.in", "fixture.sqlite", 1, NULL, &a, err))
		fail_msg("render: %s", err);
	golden(a.doc, "basic.md");
	/* Same db and template: the same bytes. */
	assert_int_equal(render(st, "basic.md.in", "fixture.sqlite", 1, NULL, &b, err), 0);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.doc, b.doc, a.len);
	/* Runs that are not complete are never used. */
	assert_null(strstr(a.doc, "33333333"));
	assert_null(strstr(a.doc, "44444444"));
	render_out_free(&a);
	render_out_free(&b);
	free(tmpl);
	store_close(st);
}

static void test_golden_evil(void **state)
{
	struct store *st = fixture_db("evil.sqlite", "evil.sql", NULL);
	struct render_out out = { 0 };
	char err[MC_ERRLEN], *tmpl = fixture("evil.md.in");

	(void)state;
	write_file("evil.md.in", tmpl);
	if (render(st, "evil.md.in", "evil.sqlite", 1, NULL, &out, err))
		fail_msg("render: %s", err);
	golden(out.doc, "evil.md");
	assert_null(strstr(out.doc, "<script"));
	assert_null(strstr(out.doc, "<b>"));
	assert_null(strstr(out.doc, "<img"));
	/* Brackets and autolink triggers only ever appear escaped. */
	for (const char *p = out.doc; (p = strstr(p, "](")) != NULL; p++)
		assert_int_equal(p[-1], '\\');
	assert_null(strstr(out.doc, "http://"));
	assert_null(strstr(out.doc, "\xff"));
	/* Every row of a table has as many cells as its header. */
	for (const char *line = out.doc, *end; *line; line = end + 1) {
		static size_t want;
		size_t cells = 0;
		int first = line == out.doc || line[-2] == '\n' || line[-2] != '|';

		end = strchr(line, '\n');
		if (*line != '|')
			continue;
		for (const char *p = line; p < end; p++)
			cells += *p == '|' && (p == line || p[-1] != '\\');
		if (first)
			want = cells;
		assert_int_equal(cells, want);
	}
	render_out_free(&out);
	free(tmpl);
	store_close(st);
}

static int render_text(struct store *st, const char *text, struct render_out *out, char *err)
{
	write_file("t.md.in", text);
	memset(out, 0, sizeof(*out));
	return render(st, "t.md.in", "fixture.sqlite", 1, NULL, out, err);
}

static void test_claims(void **state)
{
	struct store *st = fixture_db("fixture.sqlite", "basic.sql", NULL);
	struct render_out out;
	char err[MC_ERRLEN];

	(void)state;
	/* Holds: the verdict, the measured worst case and its benchmark. */
	assert_int_equal(render_text(st, "{{claim faster a=cpu b=ref suite=layer_ops by=6}}\n",
				     &out, err), 0);
	assert_non_null(strstr(out.doc, "\xe2\x9c\x85 cpu is at least 6x faster than ref on every "
			       "layer\\_ops benchmark both ran (measured: worst case 6.2x faster [6.1"
			       EN "6.4] on layernorm/rows=64,cols=1024; 4 benchmarks)[^mc1]"));
	render_out_free(&out);
	/* Holds at the point estimate (6.25x) but not at the bound of its
	 * interval (148 / 24.4 = 6.07x): fails, saying both. */
	assert_int_equal(render_text(st, "{{claim faster a=cpu b=ref suite=layer_ops by=6.2}}\n",
				     &out, err), MC_ECLAIM);
	assert_non_null(strstr(out.problems, "holds at the point estimate (6.2x), fails at the "
			       "bound of its 95% interval (6.1x)"));
	render_out_free(&out);
	/* runs=: checked in each run named, or in the last K */
	assert_int_equal(render_text(st, "{{claim faster a=cpu b=ref suite=layer_ops runs=last:99}}\n",
				     &out, err), MC_EINVAL);
	assert_non_null(strstr(err, "runs=last:K takes K from 1 to 16"));
	render_out_free(&out);
	assert_int_equal(render_text(st, "{{claim faster a=cpu b=ref suite=layer_ops runs=last:16}}\n",
				     &out, err), MC_ECLAIM);
	assert_non_null(strstr(out.problems, "claim lacks data: runs=last:16, but only "));
	render_out_free(&out);
	/* Does not hold: no document, the position and the measured value. */
	assert_int_equal(render_text(st, "x\n\n  {{claim faster a=cpu b=ref suite=layer_ops by=7}}\n"
				     "{{claim within a=cpu b=opencl suite=layer_ops bench=\"softmax/*\" pct=10}}\n",
				     &out, err), MC_ECLAIM);
	assert_null(out.doc);
	assert_non_null(strstr(out.problems, "t.md.in:3:3: claim does not hold: \"cpu is at least 7x "
			       "faster than ref on every layer_ops benchmark both ran\": measured "
			       "worst case 6.2x faster [6.1" EN "6.4] on layernorm/rows=64,cols=1024 "
			       "(4 benchmarks): fails at the point estimate (6.2x), fails at the bound of "
			       "its 95% interval (6.1x)\n"));
	assert_non_null(strstr(out.problems, "t.md.in:4:1: claim does not hold: \"cpu is within 10%"));
	assert_non_null(strstr(err, "2 claims"));
	render_out_free(&out);
	/* Lacks data: a result that is not ok is never a number. */
	assert_int_equal(render_text(st, "{{claim faster a=cpu b=opencl suite=layer_ops}}\n", &out,
				     err), MC_ECLAIM);
	assert_non_null(strstr(out.problems, "t.md.in:1:1: claim lacks data"));
	assert_non_null(strstr(out.problems, "invalid: max rel err 0.31"));
	render_out_free(&out);
	assert_int_equal(render_text(st, "{{claim atleast backend=ref metric=gbps_peak value=1 "
				     "suite=layer_ops}}\n", &out, err), MC_ECLAIM);
	assert_non_null(strstr(out.problems, "measured no peak bandwidth"));
	render_out_free(&out);
	/* Share of peak at the best sample: cpu softmax/rows=4096 in run 2 has a
	 * median of 1.05 ms and a minimum of 0.97 of it over 33554432 bytes,
	 * against a 42 GB/s peak: 76.1% at the median, 78.4% at the best. */
	assert_int_equal(render_text(st, "{{value suite=layer_ops bench=\"softmax/rows=4096,cols=1024\" "
				     "backend=cpu metric=gbps_peak_best}}\n"
				     "{{claim atleast backend=cpu metric=gbps_peak_best value=78 "
				     "suite=layer_ops bench=\"softmax/rows=4096*\"}}\n"
				     "{{table suite=layer_ops cols=cpu metric=gbps peak=best "
				     "bench=\"softmax/rows=4096*\"}}\n", &out, err), 0);
	assert_non_null(strstr(out.doc, "78% of peak at the best sample[^mc1]"));
	assert_non_null(strstr(out.doc, "best of 12 samples"));
	assert_non_null(strstr(out.doc, "at least 78% of its measured peak bandwidth at its "
			       "best sample"));
	assert_non_null(strstr(out.doc, "| 32.0 (76%; best 78%) |"));
	render_out_free(&out);
	assert_int_equal(render_text(st, "{{claim atleast backend=cpu metric=gbps_peak value=78 "
				     "suite=layer_ops bench=\"softmax/rows=4096*\"}}\n", &out, err),
			 MC_ECLAIM);
	render_out_free(&out);
	store_close(st);
}

static void expect_error(struct store *st, const char *text, int code, const char *want)
{
	struct render_out out;
	char err[MC_ERRLEN] = "";
	int rc = render_text(st, text, &out, err);

	if (rc != code || !strstr(err, want))
		fail_msg("got %d '%s', want %d '%s'", rc, err, code, want);
	assert_null(out.doc);
	render_out_free(&out);
}

static void test_errors(void **state)
{
	struct store *st = fixture_db("fixture.sqlite", "basic.sql", NULL);

	(void)state;
	expect_error(st, "a\n{{table suite=nosuch}}\n", MC_EINVAL,
		     "t.md.in:2:9: unknown suite 'nosuch' (the db has: layer_ops, matmul)");
	expect_error(st, "{{table suite=layer_ops cols=cpu,gpu}}\n", MC_EINVAL,
		     "t.md.in:1:25: unknown backend 'gpu'");
	expect_error(st, "{{value suite=layer_ops bench=nope backend=cpu}}\n", MC_EINVAL,
		     "t.md.in:1:25: unknown benchmark 'nope' in suite 'layer_ops'");
	expect_error(st, "{{table suite=layer_ops bench=\"nope/*\"}}\n", MC_EINVAL,
		     "t.md.in:1:25: no benchmark matches 'nope/*'");
	expect_error(st, "{{value suite=layer_ops bench=\"softmax/rows=64,cols=1024\" backend=*}}\n",
		     MC_EINVAL, "matches 3 columns");
	expect_error(st, "{{select machine=nosuch}}{{end}}\n", MC_EINVAL,
		     "t.md.in:1:10: unknown machine 'nosuch' (the db has: bench-a, bench-b)");
	expect_error(st, "{{select run=33333333}}{{end}}\n", MC_EINVAL,
		     "t.md.in:1:10: run 33333333 is aborted, not complete");
	expect_error(st, "{{select run=9999}}{{end}}\n", MC_EINVAL, "no run '9999' in the db");
	expect_error(st, "{{select commit=0000}}{{end}}\n", MC_EINVAL,
		     "no complete run was made at a commit starting with '0000'");
	expect_error(st, "{{select machine=bench-b}}\n{{table suite=matmul}}\n{{end}}\n", MC_EINVAL,
		     "t.md.in:2:1: no complete run has suite 'matmul' on backend '*'");
	expect_error(st, "{{table suite=layer_ops metric=furlongs}}\n", MC_EINVAL,
		     "unknown metric 'furlongs'");
	expect_error(st, "{{chart scaling suite=layer_ops}}\n", MC_EINVAL, "needs x=");
	expect_error(st, "{{chart scaling suite=layer_ops x=cols}}\n", MC_EINVAL,
		     "cols=1024 is more than one benchmark");
	expect_error(st, "{{chart bars suite=layer_ops name=../x}}\n", MC_EINVAL,
		     "chart name '../x' may only use");
	expect_error(st, "{{table suite=layer_ops}}\n{{select}}\n", MC_EINVAL,
		     "t.md.in:2:1: {{select}} is never closed");
	expect_error(st, "{{claim faster a=cpu suite=layer_ops}}\n", MC_EINVAL,
		     "{{claim faster}} needs b=");
	store_close(st);
}

/* The stored median of one result of the fixture (ns). */
static double fixture_median(struct store *st, int run, const char *suite, const char *bench,
			     const char *backend)
{
	sqlite3_stmt *q = NULL;
	double v = -1;

	assert_int_equal(sqlite3_prepare_v2(store_db(st), "SELECT median_ns FROM result WHERE "
					    "run_id = ?1 AND suite = ?2 AND benchmark = ?3 AND "
					    "backend = ?4", -1, &q, NULL), SQLITE_OK);
	sqlite3_bind_int(q, 1, run);
	sqlite3_bind_text(q, 2, suite, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, bench, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 4, backend, -1, SQLITE_STATIC);
	if (sqlite3_step(q) == SQLITE_ROW)
		v = sqlite3_column_double(q, 0);
	sqlite3_finalize(q);
	if (!(v > 0))
		fail_msg("no median for %s / %s on %s in run %d", suite, bench, backend, run);
	return v;
}

/* One benchmark against another (vs=): ratios, faster and share claims,
 * partners missing or ambiguous, match= across two suites, the table
 * column (vs.sql over basic.sql). */
static void test_vs(void **state)
{
	struct store *st = fixture_db("fixture.sqlite", "basic.sql", "vs.sql");
	const char *g100 = "decode/prompt=128,gen=100,layers=2";
	struct render_out out;
	char err[MC_ERRLEN], want[512], x[UNITS_LEN], f[UNITS_LEN];
	double t_dec = fixture_median(st, 2, "decoding", g100, "cpu");
	double t_rec = fixture_median(st, 2, "decoding",
				      "decode_recompute/prompt=128,gen=100,layers=2", "cpu");
	double t_ref = fixture_median(st, 1, "decoding",
				      "decode_recompute/prompt=128,gen=100,layers=2", "ref");

	(void)state;
	/* A ratio of two benchmarks of one backend, named by their kernels. */
	assert_int_equal(render_text(st, "{{ratio a=cpu suite=decoding bench=\"decode/prompt=128,"
				     "gen=100,layers=2\" vs=\"decode_recompute/*\"}}\n", &out, err), 0);
	units_factor(t_dec / t_rec, x, sizeof(x));
	units_factor(t_rec / t_dec, f, sizeof(f));
	snprintf(want, sizeof(want), "%sx (decode %sx faster)[^mc1]", x, f);
	assert_non_null(strstr(out.doc, want));
	assert_non_null(strstr(out.doc, "each against its partner, decoding / decode\\_recompute/\\* "
			       "with the same parameters: cpu from run `22222222`"));
	render_out_free(&out);
	/* b= another backend: both backends named. */
	assert_int_equal(render_text(st, "{{ratio a=cpu b=ref suite=decoding bench=\"decode/prompt=128,"
				     "gen=100,layers=2\" vs=\"decode_recompute/*\"}}\n", &out, err), 0);
	units_factor(t_dec / t_ref, x, sizeof(x));
	units_factor(t_ref / t_dec, f, sizeof(f));
	snprintf(want, sizeof(want), "%sx (cpu decode %sx faster)[^mc1]", x, f);
	assert_non_null(strstr(out.doc, want));
	assert_non_null(strstr(out.doc, "ref from run `11111111`"));
	render_out_free(&out);

	/* faster: holds, also in each of the last runs; by= above the worst
	 * point fails; between bound and point, fails saying both. */
	assert_int_equal(render_text(st, "{{claim faster a=cpu suite=decoding bench=\"decode/*\" "
				     "vs=\"decode_recompute/*\" by=1.4 runs=last:1}}\n", &out, err), 0);
	assert_non_null(strstr(out.doc, "\xe2\x9c\x85 cpu runs decode at least 1.4x faster than "
			       "decode\\_recompute with the same parameters, on every decoding "
			       "benchmark matching decode/\\* (measured: worst case 1.50x faster "
			       "[1.46" EN "1.54] on decode/prompt=128,gen=10,layers=2 against "
			       "decode\\_recompute/prompt=128,gen=10,layers=2; 2 benchmarks; holds in "
			       "each of 1 runs"));
	render_out_free(&out);
	assert_int_equal(render_text(st, "{{claim faster a=cpu suite=decoding bench=\"decode/*\" "
				     "vs=\"decode_recompute/*\" by=2}}\n", &out, err), MC_ECLAIM);
	assert_null(out.doc);
	assert_non_null(strstr(out.problems, "t.md.in:1:1: claim does not hold: \"cpu runs decode "
			       "at least 2x faster than decode_recompute with the same parameters, on "
			       "every decoding benchmark matching decode/*\": measured worst case 1.50x "
			       "faster [1.46" EN "1.54] on decode/prompt=128,gen=10,layers=2 against "
			       "decode_recompute/prompt=128,gen=10,layers=2 (2 benchmarks): fails at the "
			       "point estimate (1.50x), fails at the bound of its 95% interval (1.46x)\n"));
	render_out_free(&out);
	assert_int_equal(render_text(st, "{{claim faster a=cpu suite=decoding bench=\"decode/*\" "
				     "vs=\"decode_recompute/*\" by=1.48}}\n", &out, err), MC_ECLAIM);
	assert_non_null(strstr(out.problems, "holds at the point estimate (1.50x), fails at the "
			       "bound of its 95% interval (1.46x)"));
	render_out_free(&out);

	/* share across two suites, partners by vocab alone. */
	assert_int_equal(render_text(st, "{{claim share a=cpu suite=sampling vs=\"decode_step/ctx=128,*\" "
				     "vs_suite=decoding match=vocab pct=1}}\n", &out, err), 0);
	assert_non_null(strstr(out.doc, "\xe2\x9c\x85 cpu's sampling benchmarks each take at most 1% "
			       "of the time of its decode\\_step/ctx=128,\\* in decoding with the same "
			       "vocab (measured: worst case 0.75% [0.73" EN "0.77] on sample\\_top\\_p/"
			       "vocab=151936 against decode\\_step/ctx=128,layers=24,vocab=151936; 4 "
			       "benchmarks)"));
	render_out_free(&out);
	assert_int_equal(render_text(st, "{{claim share a=cpu suite=sampling vs=\"decode_step/ctx=128,*\" "
				     "vs_suite=decoding match=vocab pct=0.76}}\n{{claim share a=cpu "
				     "suite=sampling vs=\"decode_step/ctx=128,*\" vs_suite=decoding "
				     "match=vocab pct=0.5}}\n", &out, err), MC_ECLAIM);
	assert_non_null(strstr(out.problems, "t.md.in:1:1: claim does not hold: \"cpu's sampling "
			       "benchmarks each take at most 0.76% of the time of its decode_step/"
			       "ctx=128,* in decoding with the same vocab\": measured worst case 0.75% "
			       "[0.73" EN "0.77] on sample_top_p/vocab=151936 against decode_step/"
			       "ctx=128,layers=24,vocab=151936 (4 benchmarks): holds at the point "
			       "estimate (0.75%), fails at the bound of its 95% interval (0.77%)\n"));
	assert_non_null(strstr(out.problems, "t.md.in:2:1: claim does not hold: "));
	assert_non_null(strstr(out.problems, "fails at the point estimate (0.75%)"));
	render_out_free(&out);

	/* No partner, or two: the benchmark named, as missing data in a
	 * claim and a template error in a ratio. */
	assert_int_equal(render_text(st, "{{claim share a=cpu suite=sampling vs=\"decode_step/ctx=512,*\" "
				     "vs_suite=decoding match=vocab pct=1}}\n", &out, err), MC_ECLAIM);
	assert_non_null(strstr(out.problems, "t.md.in:1:1: claim lacks data: "));
	assert_non_null(strstr(out.problems, ": sample_greedy/vocab=151936 has no partner: no "
			       "benchmark of decoding matching 'decode_step/ctx=512,*' on cpu in run "
			       "22222222 has the same vocab\n"));
	render_out_free(&out);
	expect_error(st, "{{ratio a=cpu suite=sampling vs=\"decode_step/*\" vs_suite=decoding "
		     "match=vocab}}\n", MC_EINVAL, "t.md.in:1:30: cannot compute the ratio: "
		     "sample_greedy/vocab=32000 has 2 partners, decode_step/ctx=128,layers=24,"
		     "vocab=32000 and decode_step/ctx=512,layers=24,vocab=32000 (each matches "
		     "'decode_step/*' with the same vocab)");
	expect_error(st, "{{ratio a=cpu suite=sampling vs=\"decode_step/ctx=512,*\" vs_suite=decoding "
		     "match=vocab}}\n", MC_EINVAL, "sample_greedy/vocab=151936 has no partner");
	/* match= narrows what must be equal: prompt alone pairs gen=10 with both. */
	assert_int_equal(render_text(st, "{{claim faster a=cpu suite=decoding bench=\"decode/*\" "
				     "vs=\"decode_recompute/*\" match=prompt}}\n", &out, err), MC_ECLAIM);
	assert_non_null(strstr(out.problems, "decode/prompt=128,gen=10,layers=2 has 2 partners"));
	render_out_free(&out);
	expect_error(st, "{{ratio a=cpu suite=sampling match=vocab}}\n", MC_EINVAL,
		     "match= goes with vs=");
	expect_error(st, "{{claim share a=cpu suite=sampling pct=1}}\n", MC_EINVAL,
		     "{{claim share}} needs vs=");
	expect_error(st, "{{ratio a=cpu suite=sampling vs=x vs_suite=nope}}\n", MC_EINVAL,
		     "t.md.in:1:35: unknown suite 'nope'");

	/* The table column: each row's time as a share of its partner's. */
	assert_int_equal(render_text(st, "{{table suite=sampling cols=cpu vs=\"decode_step/ctx=128,*\" "
				     "vs_suite=decoding match=vocab}}\n", &out, err), 0);
	assert_non_null(strstr(out.doc, "| Benchmark | cpu | cpu % of decode\\_step |\n|:--|--:|--:|\n"));
	units_pct(100 * fixture_median(st, 2, "sampling", "sample_top_p/vocab=151936", "cpu") /
		  fixture_median(st, 2, "decoding", "decode_step/ctx=128,layers=24,vocab=151936",
				 "cpu"), x, sizeof(x));
	snprintf(want, sizeof(want), "| sample\\_top\\_p/vocab=151936 | 300 \xc2\xb5s [295" EN
		 "305] | %s%% [0.73" EN "0.77] |\n", x);
	assert_non_null(strstr(out.doc, want));
	assert_non_null(strstr(out.doc, "Partners (decoding): cpu from run `22222222`"));
	render_out_free(&out);
	expect_error(st, "{{table suite=sampling vs=\"decode_step/*\" vs_suite=decoding match=vocab}}\n",
		     MC_EINVAL, "cpu: sample_greedy/vocab=32000 has 2 partners");
	store_close(st);
}

/* Templates that name no machine: {{each}} over what the db holds, {{this}},
 * machines selected by what they are, ratios to the fastest column, and a
 * provenance that names no machine. */
static void test_each_and_select(void **state)
{
	struct store *st = fixture_db("fixture.sqlite", "basic.sql", NULL);
	struct render_out out;
	char err[MC_ERRLEN];
	const char *a, *b;

	(void)state;
	/* Machines in hostname order, each described, never named. */
	assert_int_equal(render_text(st, "{{each machine}}[{{this machine}}]\n{{end}}", &out, err),
			 0);
	a = strstr(out.doc, "[Test CPU 9000 @ 3.00GHz, 8 cores (16 threads), 32 GiB, Debian GNU/Linux 12]");
	b = strstr(out.doc, "[Other CPU 100, 4 cores, 8 GiB, Ubuntu 24.04]");
	assert_non_null(a);
	assert_non_null(b);
	assert_true(a < b);
	assert_null(strstr(out.doc, "bench-a"));
	render_out_free(&out);
	/* Suites per machine: bench-b ran only layer_ops. */
	assert_int_equal(render_text(st, "{{each machine}}{{each suite}}<{{this suite}}>{{end}}|"
				     "{{end}}\n", &out, err), 0);
	assert_non_null(strstr(out.doc, "<layer\\_ops><matmul>|<layer\\_ops>|\n"));
	render_out_free(&out);
	/* suite=* in a table reads the current suite; a column per backend and
	 * one more per backend over the row's fastest. */
	assert_int_equal(render_text(st, "{{select cpu=\"Test CPU*\" cores=8}}\n{{each suite}}\n"
				     "{{table suite=* cols=ref,cpu ratio=best}}\n{{end}}\n{{end}}\n",
				     &out, err), 0);
	assert_non_null(strstr(out.doc, "| Benchmark | ref | cpu | ref / fastest (time) | "
			       "cpu / fastest (time) |\n|:--|--:|--:|--:|--:|\n"
			       "| layernorm/rows=64,cols=1024 |"));
	assert_non_null(strstr(out.doc, "| softmax/rows=64,cols=1024 | 200 \xc2\xb5s [198" EN "202] | "
			       "19.0 \xc2\xb5s [18.8" EN "19.2] | 11x [10" EN "11] | fastest |\n"));
	/* The second suite's table; a row without a time on one side. */
	assert_non_null(strstr(out.doc, "| sgemm/m=1024,n=1024,k=1024 | skipped | "
			       "12.0 ms [11.8" EN "12.2] | " EM " | fastest |\n"));
	assert_non_null(strstr(out.doc, "A ratio to the fastest is a backend's time over the "
			       "fastest time of its row."));
	render_out_free(&out);
	/* By device: only bench-a's runs have an OpenCL device. */
	assert_int_equal(render_text(st, "{{select device=\"pthread-*\"}}{{this machine}}{{end}}\n",
				     &out, err), 0);
	assert_non_null(strstr(out.doc, "Test CPU 9000"));
	render_out_free(&out);
	assert_int_equal(render_text(st, "{{select cores=4}}\n{{table suite=layer_ops}}\n{{end}}\n"
				     "{{provenance names=no}}\n", &out, err), 0);
	assert_non_null(strstr(out.doc, "| machine 1 | Other CPU 100 | 4 / 4 |"));
	assert_null(strstr(out.doc, "bench-b"));
	assert_null(strstr(out.doc, "beefbeef"));
	render_out_free(&out);
	/* A chart of a suite with no ok result: an error where the template
	 * names the suite, a sentence where it is any suite of the db. */
	expect_error(st, "{{chart bars suite=matmul cols=ref bench=\"sgemm/m=1024*\"}}\n",
		     MC_EINVAL, "t.md.in:1:1: nothing to draw");
	assert_int_equal(render_text(st, "{{select cores=8}}\n{{each suite}}\n"
				     "{{chart bars suite=* cols=ref bench=\"*1024*\"}}\n{{end}}\n{{end}}\n",
				     &out, err), 0);
	assert_non_null(strstr(out.doc, "![bars chart: median time of layer\\_ops](reports/bars-layer_ops.svg)"));
	assert_non_null(strstr(out.doc, "No matmul result in this selection is ok, so there is "
			       "nothing to chart.\n"));
	render_out_free(&out);
	expect_error(st, "{{table suite=*}}\n", MC_EINVAL,
		     "t.md.in:1:9: suite=* names the suite of an enclosing {{each suite}}");
	expect_error(st, "{{this suite}}\n", MC_EINVAL, "t.md.in:1:1: {{this suite}} names the suite");
	expect_error(st, "{{select machine=*}}{{this machine}}{{end}}\n", MC_EINVAL,
		     "several are selected");
	expect_error(st, "{{select cpu=\"Intel*\"}}{{end}}\n", MC_EINVAL,
		     "t.md.in:1:10: no machine matches cpu='Intel*' (the db has: Test CPU 9000");
	expect_error(st, "{{select cpu=\"Other*\" device=gpu}}{{end}}\n", MC_EINVAL,
		     "no machine matches cpu='Other*' device='gpu'");
	expect_error(st, "{{select cores=2.5}}{{end}}\n", MC_EINVAL, "cores must be a whole number");
	expect_error(st, "{{each backend}}{{end}}\n", MC_EINVAL, "t.md.in:1:8:");
	/* Two machines of one hostname (a cloud GPU host's leases are all
	 * "vm"): each column says which by its fingerprint, and can be named
	 * by it; the hostname alone is ambiguous. */
	assert_int_equal(sqlite3_exec(store_db(st), "UPDATE machine SET hostname = 'vm'",
				      NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(render_text(st, "{{table suite=layer_ops cols=cpu@*}}\n", &out, err), 0);
	assert_non_null(strstr(out.doc, "| Benchmark | cpu @ vm f00dfeed | cpu @ vm beefbeef |"));
	render_out_free(&out);
	assert_int_equal(render_text(st, "{{ratio a=cpu@f00dfeed b=cpu@beefbeef suite=layer_ops}}\n",
				     &out, err), 0);
	assert_non_null(strstr(out.doc, "cpu @ vm f00dfeed"));
	render_out_free(&out);
	expect_error(st, "{{table suite=layer_ops cols=cpu@vm}}\n", MC_EINVAL,
		     "several machines have that hostname (name one by fingerprint: f00dfeed, "
		     "beefbeef)");
	store_close(st);
}

/* {{settings}}: a peer column's recorded settings, its BLAS named for
 * what it is; columns that are not peers are left out. */
static void test_settings(void **state)
{
	struct store *st = fixture_db("fixture.sqlite", "basic.sql", NULL);
	struct render_out out;
	char err[MC_ERRLEN], *msg = NULL;
	static const char sql[] =
		"INSERT INTO device (run_id, backend, kind, name, version, compute_units, "
		"peak_gflops, peak_gbps, info) VALUES (1, 'mlx', 'peer', 'MLX 9.9 (CPU)', '9.9', "
		"16, 500, 40, '{\"device\":\"cpu\",\"precision\":\"fp32\",\"thread_settings\":"
		"{\"precision\":{\"MLX_ENABLE_TF32\":\"0\"},\"loaded_libraries\":"
		"[\"mlx_cpu.libs/libblas-x.so.3\",\"numpy.libs/libscipy_openblas64_-y.so\"]}}');"
		"INSERT INTO result (run_id, suite, benchmark, kernel, params, backend, variant, "
		"clock, status, flops, bytes, iters_per_sample, n_samples, min_ns, median_ns, "
		"mean_ns, stddev_ns, mad_ns, ci_lo_ns, ci_hi_ns, q1_ns, q3_ns, n_mild, n_severe) "
		"VALUES (1, 'layer_ops', 'softmax/rows=64,cols=1024', 'softmax', "
		"'{\"cols\":1024,\"rows\":64}', 'mlx', '', 'wall', 'ok', 327680, 524288, 10, 10, "
		"90000, 100000, 100000, 1000, 500, 99000, 101000, 99500, 100500, 0, 0);";

	(void)state;
	if (sqlite3_exec(store_db(st), sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s", msg);
	assert_int_equal(render_text(st, "{{select cores=8}}\n{{settings suite=layer_ops "
				     "cols=ref,cpu,mlx}}\n{{end}}\n", &out, err), 0);
	assert_non_null(strstr(out.doc, "Settings of the peer frameworks above, as their runs "
			       "recorded them:\n\n- `mlx`: MLX 9.9 (CPU) on the CPU (run `11111111`). "
			       "Precision: fp32 (`MLX_ENABLE_TF32` `0`). Threads: not settable. "
			       "Libraries loaded: reference BLAS (`mlx_cpu.libs/libblas-x.so.3`); "
			       "OpenBLAS (`numpy.libs/libscipy_openblas64_-y.so`).\n"));
	assert_null(strstr(out.doc, "- `cpu`"));
	render_out_free(&out);
	assert_int_equal(render_text(st, "{{select cores=8}}\n{{settings suite=layer_ops "
				     "cols=ref,cpu}}\n{{end}}\n", &out, err), 0);
	assert_non_null(strstr(out.doc, "No peer framework among these columns.\n"));
	render_out_free(&out);
	expect_error(st, "{{settings cols=mlx}}\n", MC_EINVAL, "t.md.in:1:1:");
	/* an item may name its own variant ("" here); one it lacks is no column */
	assert_int_equal(render_text(st, "{{select cores=8}}{{ratio a=\"mlx#\" b=cpu "
				     "suite=layer_ops bench=\"softmax/rows=64,cols=1024\"}}{{end}}\n",
				     &out, err), 0);
	render_out_free(&out);
	expect_error(st, "{{select cores=8}}{{ratio a=\"mlx#fused\" b=cpu suite=layer_ops}}"
		     "{{end}}\n", MC_EINVAL, "variant 'fused'");
	store_close(st);
}

/* Charts: drawn by one gnuplot process, byte-identical across renders. */
static void test_charts(void **state)
{
	static const char *const files[] = { "bars-layer_ops.svg", "scaling-layer_ops-rows.svg",
					     "history-layer_ops-softmax_rows_64_cols_1024.svg" };
	struct store *st;
	struct render_out a = { 0 }, b = { 0 };
	char err[MC_ERRLEN];

	(void)state;
	if (system("command -v gnuplot >/dev/null 2>&1") != 0) {
		print_message("skipped: no gnuplot\n");
		return;
	}
	st = fixture_db("fixture.sqlite", "basic.sql", NULL);
	write_file("c.md.in", "{{chart bars suite=layer_ops}}\n"
		   "{{chart scaling suite=layer_ops x=rows bench=\"softmax/*\"}}\n"
		   "{{chart history suite=layer_ops bench=\"softmax/rows=64,cols=1024\" cols=cpu}}\n");
	if (render(st, "c.md.in", "fixture.sqlite", 0, "one", &a, err) ||
	    render(st, "c.md.in", "fixture.sqlite", 0, "two", &b, err))
		fail_msg("render: %s", err);
	assert_int_equal(a.n_charts, 3);
	assert_memory_equal(a.doc, b.doc, a.len);
	assert_non_null(strstr(a.doc, "](reports/bars-layer_ops.svg)"));
	for (size_t i = 0; i < 3; i++) {
		char pa[64], pb[64], *x, *y;

		assert_string_equal(a.charts[i], files[i]);
		snprintf(pa, sizeof(pa), "one/%s", files[i]);
		snprintf(pb, sizeof(pb), "two/%s", files[i]);
		x = read_file(pa);
		y = read_file(pb);
		assert_string_equal(x, y);
		assert_non_null(strstr(x, "<svg"));
		free(x);
		free(y);
	}
	render_out_free(&a);
	render_out_free(&b);
	store_close(st);
	/* A suite with nothing to chart under {{each suite}} lists no chart
	 * file (check would look for it). */
	write_file("e.md.in", "{{select cores=8}}\n{{each suite}}\n"
		   "{{chart bars suite=* cols=ref bench=\"*1024*\"}}\n{{end}}\n{{end}}\n");
	st = fixture_db("fixture.sqlite", "basic.sql", NULL);
	if (render(st, "e.md.in", "fixture.sqlite", 0, "three", &a, err))
		fail_msg("render: %s", err);
	assert_int_equal(a.n_charts, 1);
	assert_string_equal(a.charts[0], "bars-layer_ops.svg");
	assert_int_equal(access("three/bars-layer_ops.svg", R_OK), 0);
	render_out_free(&a);
	store_close(st);
}

/* Counts SQLite virtual-machine steps, in thousands: a measure of the
 * work a render asks of the store that, unlike seconds, does not depend on
 * the machine or its load (valgrind, a loaded CI host). */
static int count_steps(void *ctx)
{
	(*(unsigned long *)ctx)++;
	return 0;
}

/* basic.sql plus many.sql with its 10,000 runs cut to n_runs. */
static unsigned long render_steps(const char *db_name, int n_runs,
				  const char *tmpl_name, struct render_out *out)
{
	struct store *st = fixture_db(db_name, "basic.sql", NULL);
	char *text = fixture("many.sql"), *msg = NULL, bound[32];
	struct sbuf sql = { 0 };
	unsigned long steps = 0;
	char err[MC_ERRLEN];

	snprintf(bound, sizeof(bound), "i < %d", n_runs);
	for (const char *p = text, *q; *p; p = q + strlen("i < 10000")) {
		q = strstr(p, "i < 10000");
		if (!q) {
			sbuf_add(&sql, p);
			break;
		}
		sbuf_addf(&sql, "%.*s%s", (int)(q - p), p, bound);
	}
	if (sqlite3_exec(store_db(st), sbuf_str(&sql), NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("many.sql: %s", msg);
	sbuf_release(&sql);
	free(text);
	sqlite3_progress_handler(store_db(st), 1000, count_steps, &steps);
	if (render(st, tmpl_name, db_name, 1, NULL, out, err))
		fail_msg("render: %s", err);
	sqlite3_progress_handler(store_db(st), 0, NULL, NULL);
	store_close(st);
	return steps;
}

/* Rendering does not read every run for every directive: from 15 runs to
 * 10,005 (667 times as many) the store's work grows far less than the run
 * count. */
static void test_many_runs(void **state)
{
	struct render_out few = { 0 }, many = { 0 };
	char *tmpl = fixture("perf.md.in");
	unsigned long s_few, s_many;

	(void)state;
	write_file("perf.md.in", tmpl);
	s_few = render_steps("few.sqlite", 10, "perf.md.in", &few);
	s_many = render_steps("many.sqlite", 10000, "perf.md.in", &many);
	print_message("render: %lu thousand SQLite steps over 15 runs, "
		      "%lu over 10,005 runs\n", s_few, s_many);
	assert_true(s_few > 0);
	assert_true(s_many < 20 * s_few);
	/* The newest complete run of bench-a, and the pinned and committed ones. */
	assert_non_null(strstr(many.doc, "90002710-0000-4000-8000-000000002710"));
	assert_non_null(strstr(many.doc, "11111111-aaaa-4aaa-8aaa-000000000001"));
	render_out_free(&few);
	render_out_free(&many);
	free(tmpl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden_basic),
		cmocka_unit_test(test_golden_evil),
		cmocka_unit_test(test_claims),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_vs),
		cmocka_unit_test(test_settings),
		cmocka_unit_test(test_each_and_select),
		cmocka_unit_test(test_charts),
		cmocka_unit_test(test_many_runs),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
