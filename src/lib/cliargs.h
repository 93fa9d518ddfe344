/*
 * cliargs.h - command-line handling shared by the two programs, mcbench
 * and mcreport (each keeps its own subcommand table and usage text).
 */
#ifndef MC_CLIARGS_H
#define MC_CLIARGS_H

/* Pulls "--db PATH" / "--db=PATH" out of argv[0..argc) wherever it
 * stands, so every command accepts it in any position; the last one wins.
 * The other arguments keep their order and argv[new argc] is set to NULL,
 * so argv must have room for argc + 1 pointers. *out_db points into argv's
 * strings (not copied) and is left alone when no --db is given. Returns
 * the new argc, or -1 when --db is the last argument (no PATH). */
int cliargs_take_db(int argc, char **argv, const char **out_db);

#endif
