/*
 * backend_ref.c - the "ref" backend: times the reference implementations
 * of workload.h (plain single-threaded C, double accumulation), the naive
 * baseline every other backend is compared with. It runs every kernel that
 * has a reference, through workload_reference (the spec's own reference),
 * so a new kernel spec is a new ref kernel with no change here.
 */
#include "backend.h"
#include "err.h"
#include "cpu/cpu.h"

#include <stdlib.h>
#include <string.h>

struct ref_state {
	const struct workload *w;   /* not owned */
	float *out;
};

static int ref_supports(struct backend *b, const char *kernel)
{
	const struct kernel_spec *spec = workload_find(kernel);

	(void)b;
	return spec && (spec->reference || spec->reference_ctx);
}

static const char *const *ref_variants(struct backend *b, const char *kernel)
{
	(void)b;
	(void)kernel;
	return NULL;
}

static int ref_prepare(struct backend *b, const struct workload *w,
		       const char *variant, void **out_state,
		       char *err, size_t n_err)
{
	struct ref_state *s;
	size_t bytes = (w->plan.output_len * sizeof(float) + 63) & ~(size_t)63;

	*out_state = NULL;
	if (!ref_supports(b, w->spec->name))
		return err_set(err, n_err, MC_ENOTSUP,
			       "ref: kernel %s has no reference implementation.",
			       w->spec->name);
	if (variant && variant[0])
		return err_set(err, n_err, MC_ENOTSUP,
			       "ref: kernel %s has no variant '%s'.",
			       w->spec->name, variant);
	s = calloc(1, sizeof(*s));
	if (!s)
		return err_set(err, n_err, MC_ENOMEM,
			       "ref: out of memory preparing %s.", w->spec->name);
	s->out = aligned_alloc(64, bytes);
	if (!s->out) {
		free(s);
		return err_set(err, n_err, MC_ENOMEM,
			       "ref: out of memory for the %zu-byte output of %s.",
			       bytes, w->spec->name);
	}
	/* fault the pages in now rather than in the first timed iteration */
	memset(s->out, 0, bytes);
	s->w = w;
	*out_state = s;
	return 0;
}

static int ref_run(struct backend *b, void *state, uint64_t n_iters,
		   double *out_device_ns, char *err, size_t n_err)
{
	struct ref_state *s = state;
	const struct workload *w = s->w;

	(void)b;
	(void)err;
	(void)n_err;
	for (uint64_t i = 0; i < n_iters; i++)
		workload_reference(w, s->out);
	*out_device_ns = -1;
	return 0;
}

static int ref_output(struct backend *b, void *state, float *out,
		      char *err, size_t n_err)
{
	struct ref_state *s = state;

	(void)b;
	(void)err;
	(void)n_err;
	memcpy(out, s->out, s->w->plan.output_len * sizeof(float));
	return 0;
}

static void ref_release(struct backend *b, void *state)
{
	struct ref_state *s = state;

	(void)b;
	if (!s)
		return;
	free(s->out);
	free(s);
}

/* The reference runs on the same cores and memory as the cpu backend, so
 * it reports the same whole-machine peaks (measured once per process). */
static int ref_roofline(struct backend *b, double *out_gflops,
			double *out_gbps, char *err, size_t n_err)
{
	(void)b;
	return cpu_roofline(out_gflops, out_gbps, err, n_err);
}

static void ref_describe(struct backend *b, cJSON *obj)
{
	(void)b;
	cpu_info_describe(obj);
	cJSON_AddNumberToObject(obj, "threads", 1);
	cJSON_AddStringToObject(obj, "implementation",
				"plain C reference, double accumulation, one thread");
}

static const struct backend_ops ref_ops = {
	.supports = ref_supports,
	.variants = ref_variants,
	.prepare = ref_prepare,
	.run = ref_run,
	.output = ref_output,
	.release = ref_release,
	.roofline = ref_roofline,
	.describe = ref_describe,
	.destroy = backend_destroy_plain,
};

static int ref_discover(struct backend **out, size_t max, size_t *out_n,
			char *err, size_t n_err)
{
	return backend_discover_single("ref", &ref_ops, out, max, out_n, err, n_err);
}

const struct backend_family backend_ref = {
	.name = "ref",
	.summary = "reference C implementations (one thread, double accumulation)",
	.discover = ref_discover,
};
