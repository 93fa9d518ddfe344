/*
 * suite.h - suite definitions: JSON files in suites/, read with cJSON.
 *
 * A suite file looks like:
 *   {
 *     "name": "layer_ops",
 *     "description": "...",
 *     "defaults": { "samples": 10, "target_ms": 10, "quick_target_ms": 1,
 *                   "quick_samples": 5, "seed": 42, "rtol": 1e-4, "atol": 1e-5,
 *                   "max_seconds": 30 },
 *     "benchmarks": [
 *       { "kernel": "softmax", "grid": { "rows": [64, 262144], "cols": [1024] },
 *         "backends": ["ref", "cpu", "opencl"],      (optional: families allowed)
 *         "quick": { "rows": [64] },                 (optional: grid override for --quick,
 *                                                     or false: left out of --quick runs)
 *         "rtol": 1e-4 }                             (optional: any "defaults" key)
 *     ]
 *   }
 * Each combination of grid values is one benchmark. Errors name the file and
 * the JSON path, e.g. "suites/x.json: $.benchmarks[1].grid.rows[0]: expected
 * a positive integer".
 */
#ifndef MC_SUITE_H
#define MC_SUITE_H
#include <stddef.h>
#include <stdint.h>
#include "workload.h"

struct suite_bench {
	const struct kernel_spec *spec;
	long params[WORKLOAD_MAX_PARAMS];
	char name[160];           /* workload name, e.g. "softmax/rows=64,cols=1024" */
	char **backends;          /* NULL-terminated family names, NULL = all */
	double rtol, atol;
	int samples;
	double target_ms;
	double max_seconds;       /* skip when one sample would exceed this */
	uint64_t seed;
};

struct suite {
	char *name, *description, *path;
	size_t n_benches;
	struct suite_bench *benches;
};

/* Loads and validates path; quick selects the quick grids and defaults.
 * Unknown kernels and parameters are errors. Free with suite_free(). */
int suite_load(const char *path, int quick, struct suite **out,
	       char *err, size_t n_err);
void suite_free(struct suite *s);   /* accepts NULL */

/* Nonzero when the backend instance family (or a family name) may run b:
 * b lists its family, or a prefix of its name ending at a ':' ("mlx:cuda"
 * for "mlx:cuda:NVIDIA H200"). */
int suite_bench_allows(const struct suite_bench *b, const char *family);

/* Directory holding suites: $MCBENCH_SUITES, else ./suites if it exists,
 * else MC_DATADIR/suites. Static storage. */
const char *suite_dir(void);

/* The file of a suite argument into out (n bytes): a name in
 * suite_dir(), or, with a '/' or ".json" in it, a path as it is. */
void suite_path(const char *arg, char *out, size_t n);

/* Lists suite files (*.json) of dir sorted by name; *out is a NULL-terminated
 * array of malloc'd paths, free with suite_list_free. */
int suite_list(const char *dir, char ***out, char *err, size_t n_err);
void suite_list_free(char **paths);

#endif
