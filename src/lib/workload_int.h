/*
 * workload_int.h - internals shared by the files of the workload module
 * (workload.c: the inference kernel specs and the workloads built from
 * them; workload_train.c: the training kernel specs). The plan helpers are
 * implemented once, in workload.c. Not for use outside
 * src/lib/workload*.c.
 */
#ifndef MC_WORKLOAD_INT_H
#define MC_WORKLOAD_INT_H
#include <limits.h>
#include <stddef.h>
#include "workload.h"

/* Largest buffer a plan accepts, in floats: device kernels may index with
 * 32-bit ints, so no buffer may hold 2^31 or more elements. */
#define WL_MAX_ELEMS ((size_t)INT_MAX)

/* Parameter names shared by several specs, NULL-terminated. */
extern const char *const workload_rows_cols[];      /* rows, cols */
extern const char *const workload_lora_params[];    /* batch, seq, in, out, rank */

/* Checks that params[i] is in [1, INT_MAX] for every name in the
 * NULL-terminated names. Returns 0, or MC_EINVAL with a sentence in err
 * naming kernel, the parameter and its value. */
int workload_check_params(const char *kernel, const char *const *names,
			  const long *params, char *err, size_t n_err);

/* *out = a * b, the element count of buffer what of kernel. Returns 0, or
 * MC_EINVAL with a sentence in err when the product overflows or exceeds
 * WL_MAX_ELEMS (*out is then unspecified). */
int workload_elems(const char *kernel, const char *what, size_t a, size_t b,
		   size_t *out, char *err, size_t n_err);

/* Input i of out (an index below WORKLOAD_MAX_BUFS) has shape
 * dims[0..n_dims), n_dims <= WORKLOAD_MAX_DIMS: sets input_shape[i] and
 * input_len[i], their product (the caller has checked it with
 * workload_elems). */
void workload_set_input(struct workload_plan *out, size_t i, size_t n_dims,
			const size_t *dims);
/* The same for the output: output_shape and output_len. */
void workload_set_output(struct workload_plan *out, size_t n_dims,
			 const size_t *dims);

/* The decoder specs' finished weights (workload_decoder.c, used by
 * workload_decode.c): a matrix [in x out] times sqrt(3 / in), and a packed
 * layer (kernels/ref/decoder.h) of shape s finished as the decoder_layer
 * kernel's, in place. */
struct dec_shape;
void workload_dec_scale_matrix(float *w, size_t in, size_t out);
void workload_dec_finish_layer(const struct dec_shape *s, float *layer);

#endif
