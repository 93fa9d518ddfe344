/*
 * backend_opencl.h - test hooks of the OpenCL backend (backend_opencl.c).
 *
 * The family itself is declared in backend.h (backend_opencl); these
 * functions exist so that tests/unit/test_opencl.c can reach paths that the
 * embedded kernels never take.
 */
#ifndef MC_BACKEND_OPENCL_H
#define MC_BACKEND_OPENCL_H
#include <stddef.h>
#include "backend.h"

/* Builds source (OpenCL C 1.2) for the device of opencl instance b exactly
 * as the embedded kernels are built, then releases the program. Returns 0,
 * MC_EBUILD with the device name and the first lines of the build log in
 * err, or MC_EINVAL when b is not an opencl instance. */
int backend_opencl_build_test(struct backend *b, const char *source,
			      char *err, size_t n_err);

#endif
