/*
 * cmd.h - the subcommands of mcbench, one file each (cmd_*.c).
 *
 * Every handler gets argc/argv starting at the subcommand name and the
 * common options already parsed (struct cmd_ctx). It returns the exit
 * status; it prints its own errors as one line "mcbench CMD: ...".
 */
#ifndef MC_MCBENCH_CMD_H
#define MC_MCBENCH_CMD_H

struct cmd_ctx {
	const char *db_path;       /* --db, default db/benchmarks.sqlite */
	int db_explicit;           /* --db or MCBENCH_DB named it */
	char **orig_argv;          /* the program's whole argv, for provenance */
	int orig_argc;
};

int cmd_run(int argc, char **argv, struct cmd_ctx *ctx);
int cmd_list(int argc, char **argv, struct cmd_ctx *ctx);
int cmd_import(int argc, char **argv, struct cmd_ctx *ctx);
int cmd_inject(int argc, char **argv, struct cmd_ctx *ctx);

#endif
