/*
 * cmd.h - the subcommands of mcreport, one file each (cmd_*.c).
 *
 * Every handler gets argc/argv starting at the subcommand name, with the
 * common option --db already taken out (struct cmd_ctx), and returns the
 * exit status; it prints its own errors as lines "mcreport CMD: ...".
 * Exit statuses: 0 success; 1 a document drifted (check), or a db or i/o
 * error; 2 a usage error or a bad template; 3 a claim of the template does
 * not hold or lacks data.
 */
#ifndef MC_MCREPORT_CMD_H
#define MC_MCREPORT_CMD_H

#include <stdint.h>

#include <cjson/cJSON.h>

#include "render.h"
#include "sbuf.h"

struct cmd_ctx {
	const char *db_path;       /* --db, default db/benchmarks.sqlite */
	int db_given;              /* --db or MCBENCH_DB was given */
};

/* Options shared by render and check. */
struct cmd_render_opts {
	struct render_opts r;
	const char *file;          /* check: the document to verify */
};

/* Parses --template, --charts, --no-charts (and, for check, FILE) from
 * argv[1..); fills defaults. Prints a usage error and returns -1 when an
 * argument is wrong. */
int cmd_render_parse(const char *name, int argc, char **argv, const struct cmd_ctx *ctx,
		     int want_file, struct cmd_render_opts *out);

/* Exit status of a library error code (see above). */
int cmd_exit_status(int mc_err);

/* Prints doc, indented, and a newline on stdout, then deletes it (the
 * --json output of history, compare and regressions). MC_ENOMEM when doc
 * is NULL (its builder ran out of memory) or cannot be printed. */
int cmd_print_json(cJSON *doc);

/* Prints the text built in out on stdout unless building it failed (rc
 * nonzero, or out ran out of memory), and releases out either way. The
 * text output of history, compare and regressions. Returns 0 or MC_ENOMEM. */
int cmd_print_sbuf(struct sbuf *out, int rc);

/* Builders of the --json output of history, compare and regressions
 * (cmd_json.c; field names in docs/history.md). Each adds one member to o
 * and returns nonzero when cJSON ran out of memory. cmd_json_str adds null
 * for a NULL v, cmd_json_num null for a value that is not finite,
 * cmd_json_dirty null for an unknown (-1) git_dirty, else a bool.
 * cmd_json_key adds "suite", "benchmark", "backend", "variant", "clock";
 * cmd_json_run a run's "run_id", "uuid", "started_at", "git_commit".
 * cmd_json_item adds item under key, or deletes it (item may be NULL). */
int cmd_json_str(cJSON *o, const char *key, const char *v);
int cmd_json_num(cJSON *o, const char *key, double v);
int cmd_json_dirty(cJSON *o, const char *key, int dirty);
int cmd_json_key(cJSON *o, const char *suite, const char *bench, const char *backend,
		 const char *variant, const char *clock);
int cmd_json_run(cJSON *o, int64_t run_id, const char *uuid, const char *started_at,
		 const char *git_commit);
int cmd_json_item(cJSON *o, const char *key, cJSON *item);

/* cJSON_AddNumberToObject and friends return the item, or NULL when out
 * of memory: a builder ORs the failures into bad and ends with
 * `return cmd_json_done(root, bad);`, which deletes root and returns NULL
 * when bad is nonzero, else returns root. */
cJSON *cmd_json_done(cJSON *root, int bad);

/* Appends item (which may be NULL, a failed create) to arr and returns
 * it, owned by arr; NULL, with item deleted, when either failed. */
cJSON *cmd_json_push(cJSON *arr, cJSON *item);

/* What history, compare and regressions share (cmd_query.c). */
struct store;
struct store_history;

/* The options of cmd_query_parse(); a NULL member is an option the
 * command does not take. --json sets *json; --backend and --machine point
 * at their argument; --threshold reads a percentage above 0. own, when
 * not NULL, is offered every other argument argv[*i] (with arg): it
 * returns 1 when it took it (advancing *i past a value it took too), 0
 * when it is no argument of the command, -1 after printing a usage error. */
struct cmd_query_opts {
	int *json;
	const char **backend, **machine;
	double *threshold_pct;
	int (*own)(int argc, char **argv, int *i, void *arg);
	void *arg;
};

/* Parses argv[1..argc) with o. Returns 0, or -1 after printing a usage
 * error as "mcreport NAME: ..." (an argument nobody took reads "unknown
 * or incomplete option 'A' (see mcreport NAME --help)", or "unexpected
 * argument" when it is no option). */
int cmd_query_parse(const char *name, int argc, char **argv,
		    const struct cmd_query_opts *o);

/* A number in (lo, hi) from all of text into *out; -1 when it is not one. */
int cmd_query_num(const char *text, double lo, double hi, double *out);

/* Opens ctx's db read-only and the history queries over it. Returns 0, or
 * -1 with err filled; either way the caller closes *out_h
 * (store_history_close) and *out_st (store_close), which may be NULL. */
int cmd_query_open(const struct cmd_ctx *ctx, struct store **out_st,
		   struct store_history **out_h, char *err, size_t n_err);

int cmd_render(int argc, char **argv, struct cmd_ctx *ctx);
int cmd_check(int argc, char **argv, struct cmd_ctx *ctx);
int cmd_export(int argc, char **argv, struct cmd_ctx *ctx);
int cmd_history(int argc, char **argv, struct cmd_ctx *ctx);
int cmd_compare(int argc, char **argv, struct cmd_ctx *ctx);
int cmd_regressions(int argc, char **argv, struct cmd_ctx *ctx);

#endif
