/*
 * render_dir.h - the directives of the render module: for each, the struct
 * its arguments are parsed into (once, before any of its data is read),
 * its parser and its handler. The engine (render.c) holds the table that
 * names them and dispatches through it; the directive files implement them
 * over the helpers of render_util.h and never call back into the engine.
 *
 *   render_scope.c       {{select}}, {{each}}, {{this}}
 *   render_prose.c       {{value}}, {{ratio}}, {{claim}}
 *   render_table.c       {{table}}
 *   render_chart.c       {{chart}}
 *   render_prov.c        {{provenance}}, {{rejected}}
 *   render_suspicious.c  {{suspicious}}
 *   render_regressions.c {{regressions}}
 *   render_settings.c    {{settings}}
 *   render_checks.c      {{checks}}
 *   render_memory.c      {{memory}}
 *
 * Every parser fills *out from node (strings stay owned by the template or
 * the report) and returns 0 or an error as render_error does; a handler
 * reads only its struct. Not for use outside src/lib/render*.c.
 */
#ifndef MC_RENDER_DIR_H
#define MC_RENDER_DIR_H
#include "render_util.h"

/* {{select machine= run= commit= cpu= cores= device=}}: narrows the runs. */
struct render_select_args {
	const struct tmpl_node *node;
	const char *machine, *run, *commit;
	const char *cpu;           /* glob on the machine's CPU model */
	const char *device;        /* glob on a device's name or kind */
	long cores;                /* 0: any */
};

/* {{each machine}} / {{each suite}}: the block once per item. */
enum render_each_what { RENDER_EACH_MACHINE, RENDER_EACH_SUITE };

struct render_each_args {
	const struct tmpl_node *node;
	enum render_each_what what;
};

/* {{this machine}} / {{this suite}}: the current item, as text. */
struct render_this_args {
	const struct tmpl_node *node;
	enum render_each_what what;
	const char *suite;            /* RENDER_EACH_SUITE */
	int64_t machine;              /* RENDER_EACH_MACHINE */
};

struct render_value_args {
	const struct tmpl_node *node;
	const char *suite, *clock, *variant, *bench, *spread;
	enum render_metric metric;
};

struct render_ratio_args {
	const struct tmpl_node *node;
	const char *suite, *clock, *variant, *bench;
	const char *b_key;            /* "b", or "a" with vs= and no b= */
	struct render_vs vs;          /* vs=: each benchmark over its partner */
};

/* share: time(a) / time(partner) as a percentage, at most pct=. */
enum render_claim_kind {
	RENDER_CLAIM_FASTER, RENDER_CLAIM_WITHIN, RENDER_CLAIM_ATLEAST, RENDER_CLAIM_SHARE
};

#define RENDER_CLAIM_MAX_RUNS 16   /* runs= names at most this many */

struct render_claim_args {
	const struct tmpl_node *node;
	const char *suite, *clock, *variant, *bench;
	enum render_claim_kind kind;
	enum render_metric metric;    /* atleast */
	double threshold;             /* by=, pct= or value= */
	const char *b_key;            /* "b", or "a" with vs= and no b= */
	struct render_vs vs;          /* vs=: b's side is each benchmark's partner */
	size_t runs_last;             /* runs=last:K: K (0: not given) */
	int64_t runs[RENDER_CLAIM_MAX_RUNS]; /* runs=REF,...: their ids */
	size_t n_runs;
};

struct render_table_args {
	const struct tmpl_node *node;
	const char *suite, *clock, *variant, *cols, *bench, *ratio;
	enum render_metric metric;
	int metric_auto;              /* metric=auto: GB/s or GFLOP/s by the roofline */
	int ratio_best;               /* ratio=best: each column over the row's fastest */
	int spread, tput, peak;       /* render_table.c's enums */
	const char *per;              /* per=PARAM: a PARAM/s column per backend */
	struct render_vs vs;          /* vs=: a column per backend of each row's time
				       * as a percentage of its partner's */
};

struct render_chart_args {
	const struct tmpl_node *node;
	const char *kind, *suite, *clock, *variant, *cols, *bench, *x, *name;
	enum render_metric metric;
	int logv;                     /* 0 no, 1 yes, 2 auto */
	size_t last;                  /* history: runs shown */
	int any_suite;                /* suite=*: no ok result is a sentence, not an error */
};

struct render_provenance_args {
	const struct tmpl_node *node;
	int level;                    /* heading level */
	int names;                    /* names=no: machines by number, not hostname
				       * and fingerprint */
};

struct render_rejected_args {
	const struct tmpl_node *node;
	const char *suite;            /* NULL: every suite */
};

struct render_suspicious_args {
	const struct tmpl_node *node;
	const char *suite;            /* NULL: every suite */
};

struct render_regressions_args {
	const struct tmpl_node *node;
	const char *backend, *since;
	double threshold;
};

/* {{settings suite= cols=}}: the recorded settings of the peer columns. */
struct render_settings_args {
	const struct tmpl_node *node;
	const char *suite, *cols;
};

/* {{checks suite= cols=}}: how each column's results were validated. */
struct render_checks_args {
	const struct tmpl_node *node;
	const char *suite, *cols;
};

/* {{memory suite= cols= bench=}}: each result's recorded memory. */
struct render_memory_args {
	const struct tmpl_node *node;
	const char *suite, *cols, *bench;
};

union render_args {
	const struct tmpl_node *node;   /* first member of every struct */
	struct render_select_args select;
	struct render_each_args each;
	struct render_this_args this_;
	struct render_value_args value;
	struct render_ratio_args ratio;
	struct render_claim_args claim;
	struct render_table_args table;
	struct render_chart_args chart;
	struct render_provenance_args provenance;
	struct render_rejected_args rejected;
	struct render_suspicious_args suspicious;
	struct render_regressions_args regressions;
	struct render_settings_args settings;
	struct render_checks_args checks;
	struct render_memory_args memory;
};

/* Parsers: node's arguments into out, under scope sc. */
typedef int render_parse_fn(struct render *r, const struct tmpl_node *node,
			    const struct render_scope *sc, union render_args *out);
/* Handlers of inline and own-line directives: append to r->body. */
typedef int render_run_fn(struct render *r, const union render_args *a,
			  const struct render_scope *sc);
/* Handlers of sections written after the body, once every run the
 * document uses is known ({{provenance}}, {{rejected}}): append to doc. */
typedef int render_emit_fn(struct render *r, const union render_args *a, struct sbuf *doc);
/* Handlers of blocks: the scopes the block's body is rendered under, in
 * order (malloc'd into *out; zero of them skips the body). */
typedef int render_enter_fn(struct render *r, const union render_args *a,
			    const struct render_scope *outer, struct render_scope **out,
			    size_t *out_n);

render_parse_fn render_select_parse, render_each_parse, render_this_parse;
render_enter_fn render_select_enter, render_each_enter;
render_run_fn render_this_run;

render_parse_fn render_value_parse, render_ratio_parse, render_claim_parse;
render_run_fn render_value_run, render_ratio_run, render_claim_run;

render_parse_fn render_table_parse, render_chart_parse;
render_run_fn render_table_run, render_chart_run;

render_parse_fn render_provenance_parse, render_rejected_parse;
render_emit_fn render_provenance_emit, render_rejected_emit;

/* {{suspicious}}: pairs of benchmarks one parameter apart, same kernel and
 * column, whose work grows >= 8x while their median wall time grows < 1.5x;
 * a table of them (or one sentence when there is none) and their sources. */
render_parse_fn render_suspicious_parse, render_regressions_parse;
render_run_fn render_suspicious_run, render_regressions_run;

/* {{settings}}: each peer column's framework, device, precision, threads
 * and loaded BLAS / backend libraries, one list item each. */
render_parse_fn render_settings_parse;
render_run_fn render_settings_run;

/* {{checks}}: per column, ok and failed results, the smallest cosine of the
 * kernels checked by rows and the largest relative error of the others. */
render_parse_fn render_checks_parse;
render_run_fn render_checks_run;
/* {{memory}}: per benchmark and column, the resident memory's growth and
 * peak and the device bytes recorded with the result. */
render_parse_fn render_memory_parse;
render_run_fn render_memory_run;

#endif
