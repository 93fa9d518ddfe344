/*
 * prov.h - provenance: what machine, software and settings a run used.
 *
 * Everything is read from the system at run start. A source that cannot be
 * read (a VM hiding the frequency governor, no git checkout) is recorded as
 * "unknown", never an error.
 */
#ifndef MC_PROV_H
#define MC_PROV_H
#include <stddef.h>
#include <cjson/cJSON.h>
#include "store.h"

struct prov;

/* Collects provenance. *out owned by caller, free with prov_free. */
int prov_collect(struct prov **out, char *err, size_t n_err);
void prov_free(struct prov *p);   /* accepts NULL */

/* The machine identity (strings owned by p). */
void prov_machine(const struct prov *p, struct store_machine *out);
/* Git commit (NULL if unknown) and dirty flag (-1 unknown) of the source tree. */
const char *prov_git_commit(const struct prov *p);
int prov_git_dirty(const struct prov *p);
/* Compiler name and version, and CFLAGS the binary was built with. */
const char *prov_compiler(const struct prov *p);
const char *prov_cflags(const struct prov *p);
/* The whole record as JSON: os, kernel, cpu (model, cores, threads, caches,
 * flags of interest), memory, governor, loadavg, openblas (version, config,
 * corename, threads, coretype_forced), environment (OPENBLAS_*, OMP_*,
 * OCL_*, POCL_*, MKL_*, CUDA_VISIBLE_DEVICES), compiler. Caller owns. */
cJSON *prov_json(const struct prov *p);

/* Run-time choice of OpenBLAS kernels: when OPENBLAS_CORETYPE is unset and
 * the CPU supports AVX-512 (F, BW, VL, DQ) while OpenBLAS would pick an
 * core without AVX-512 kernels, sets OPENBLAS_CORETYPE=SkylakeX and re-executes the program
 * (OpenBLAS reads it when loaded). Returns only when no re-exec happened.
 * The choice is recorded under openblas.coretype_forced. */
void prov_openblas_coretype(char **argv);

/* The decision behind prov_openblas_coretype, pure for testing: 1 when
 * OPENBLAS_CORETYPE should be forced to SkylakeX, i.e. env_coretype is NULL
 * or "" (unset), has_avx512 is nonzero (F, BW, VL and DQ all present) and
 * corename (openblas_get_corename()) is a core without AVX-512 kernels
 * (anything but SkylakeX, Cooperlake, SapphireRapids; case-insensitive);
 * 0 otherwise (also for a NULL corename). */
int prov_coretype_choice(const char *corename, int has_avx512,
			 const char *env_coretype);

/* Sources and environment variables (for tests and odd installs):
 *   MCBENCH_SYSROOT  prefix for the /proc, /sys and /etc files read here
 *                    (default ""); a root without them gives "unknown"s.
 *   MCBENCH_SRCDIR   directory whose git commit is recorded (default ".").
 *   MCBENCH_GIT_COMMIT, MCBENCH_GIT_DIRTY  the commit (and 0/1 dirty flag) of
 *                    a binary run away from its checkout, recorded as given.
 *   MCBENCH_NO_CORETYPE  when set, prov_openblas_coretype never forces.
 *   MCBENCH_CORETYPE_FORCED=1  set by the re-exec; read by prov_collect. */

#endif
