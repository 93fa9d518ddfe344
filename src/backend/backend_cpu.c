/*
 * backend_cpu.c - the "cpu" backend: the optimised CPU kernels of
 * kernels/cpu (AVX2+FMA row kernels threaded with OpenMP, OpenBLAS sgemm)
 * on all cores of this machine. Calls are synchronous, so there is no
 * device clock: the runner's wall clock is the measurement.
 */
#include "backend.h"
#include "err.h"
#include "cpu/cpu.h"

#include <cblas.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

/*
 * The kernel table: one line per kernel. CPU_KERNEL_ROWS(X) lists the
 * names; X(name) stands for cpu_kernel_<name>, the row (struct cpu_kernel,
 * cpu/cpu.h) that kernels/cpu defines beside the kernel's code. The list
 * is expanded twice, into the declarations of the rows and into the table,
 * so a kernel is added by one line here and a file of its own there.
 */
#define CPU_KERNEL_ROWS(X) \
	X(softmax) \
	X(layernorm) \
	X(rmsnorm) \
	X(sgemm) \
	X(lora_forward) \
	X(lora_backward) \
	X(adamw_step) \
	X(training_step) \
	X(triad) \
	X(sample_greedy) \
	X(sample_top_k) \
	X(sample_top_p) \
	X(sample_temperature) \
	X(embedding) \
	X(rope) \
	X(attention) \
	X(mlp) \
	X(decoder_layer) \
	X(empty) \
	X(decode) \
	X(decode_recompute) \
	X(decode_step) \
	X(sdpa) \
	X(sdpa_causal) \
	X(wordpiece) \
	X(bert_encode) \
	X(embed) \
	/* end of the list: a new kernel's line goes above */

#define CPU_KERNEL_DECLARE(name) extern const struct cpu_kernel cpu_kernel_##name;
#define CPU_KERNEL_ENTRY(name) &cpu_kernel_##name,
CPU_KERNEL_ROWS(CPU_KERNEL_DECLARE)
static const struct cpu_kernel *const cpu_kernels[] = {
	CPU_KERNEL_ROWS(CPU_KERNEL_ENTRY)
	NULL
};

struct cpu_state {
	const struct workload *w;   /* not owned */
	const struct cpu_kernel *k; /* its row */
	size_t p[WORKLOAD_MAX_PARAMS];
	float *out;
	float *scratch;             /* k->scratch_floats of them, or NULL */
	void *obj;                  /* k->prepare's, or NULL */
};

/* The row of kernel, or NULL. */
static const struct cpu_kernel *cpu_kernel_find(const char *kernel)
{
	for (size_t i = 0; cpu_kernels[i]; i++)
		if (strcmp(cpu_kernels[i]->name, kernel) == 0)
			return cpu_kernels[i];
	return NULL;
}

static int cpu_supports(struct backend *b, const char *kernel)
{
	(void)b;
	return cpu_kernel_find(kernel) != NULL;
}

static const char *const *cpu_variants(struct backend *b, const char *kernel)
{
	(void)b;
	(void)kernel;
	return NULL;
}

static float *alloc_floats(size_t n)
{
	size_t bytes = (n * sizeof(float) + 63) & ~(size_t)63;
	float *p = aligned_alloc(64, bytes);

	/* fault the pages in now rather than in the first timed iteration */
	if (p)
		memset(p, 0, bytes);
	return p;
}

static void cpu_release(struct backend *b, void *state)
{
	struct cpu_state *s = state;

	(void)b;
	if (!s)
		return;
	if (s->obj)
		s->k->release(s->obj);
	free(s->scratch);
	free(s->out);
	free(s);
}

static int cpu_prepare(struct backend *b, const struct workload *w,
		       const char *variant, void **out_state,
		       char *err, size_t n_err)
{
	struct cpu_state *s = NULL;
	const struct cpu_kernel *k = cpu_kernel_find(w->spec->name);
	int rc = 0;

	(void)b;
	*out_state = NULL;
	if (!k)
		return err_set(err, n_err, MC_ENOTSUP,
			       "cpu: kernel %s is not implemented.", w->spec->name);
	if (variant && variant[0])
		return err_set(err, n_err, MC_ENOTSUP,
			       "cpu: kernel %s has no variant '%s'.",
			       w->spec->name, variant);
	s = calloc(1, sizeof(*s));
	if (!s)
		return err_set(err, n_err, MC_ENOMEM,
			       "cpu: out of memory preparing %s.", w->spec->name);
	s->w = w;
	s->k = k;
	for (size_t i = 0; i < WORKLOAD_MAX_PARAMS && w->spec->param_names[i]; i++)
		s->p[i] = (size_t)w->params[i];
	s->out = alloc_floats(w->plan.output_len);
	if (!s->out) {
		rc = err_set(err, n_err, MC_ENOMEM,
			     "cpu: out of memory for the output of %s (%zu floats).",
			     w->spec->name, w->plan.output_len);
		goto out;
	}
	if (k->prepare && (rc = k->prepare(w, &s->obj, err, n_err)))
		goto out;
	if (k->scratch_floats) {
		s->scratch = alloc_floats(k->scratch_floats(s->p));
		if (!s->scratch) {
			rc = err_set(err, n_err, MC_ENOMEM,
				     "cpu: out of memory for the workspace of %s.",
				     w->spec->name);
			goto out;
		}
	}
	*out_state = s;
	s = NULL;
out:
	cpu_release(b, s);
	return rc;
}

static int cpu_run(struct backend *b, void *state, uint64_t n_iters,
		   double *out_device_ns, char *err, size_t n_err)
{
	const struct cpu_state *s = state;

	(void)b;
	for (uint64_t i = 0; i < n_iters; i++) {
		int rc;

		if (!s->k->run_obj)
			s->k->run(s->p, s->w->inputs, s->out, s->scratch);
		else if ((rc = s->k->run_obj(s->obj, s->w->inputs, s->out, err, n_err)))
			return rc;
	}
	*out_device_ns = -1;
	return 0;
}

static int cpu_output(struct backend *b, void *state, float *out,
		      char *err, size_t n_err)
{
	struct cpu_state *s = state;

	(void)b;
	(void)err;
	(void)n_err;
	memcpy(out, s->out, s->w->plan.output_len * sizeof(float));
	return 0;
}

static int cpu_backend_roofline(struct backend *b, double *out_gflops,
				double *out_gbps, char *err, size_t n_err)
{
	(void)b;
	return cpu_roofline(out_gflops, out_gbps, err, n_err);
}

static void cpu_describe(struct backend *b, cJSON *obj)
{
	(void)b;
	cpu_info_describe(obj);
	cJSON_AddNumberToObject(obj, "threads", omp_get_max_threads());
	cJSON_AddStringToObject(obj, "simd", cpu_simd_name());
	cJSON_AddStringToObject(obj, "blas", openblas_get_config());
	cJSON_AddNumberToObject(obj, "blas_threads", openblas_get_num_threads());
}

static const struct backend_ops cpu_ops = {
	.supports = cpu_supports,
	.variants = cpu_variants,
	.prepare = cpu_prepare,
	.run = cpu_run,
	.output = cpu_output,
	.release = cpu_release,
	.roofline = cpu_backend_roofline,
	.describe = cpu_describe,
	.destroy = backend_destroy_plain,
};

static int cpu_discover(struct backend **out, size_t max, size_t *out_n,
			char *err, size_t n_err)
{
	return backend_discover_single("cpu", &cpu_ops, out, max, out_n, err, n_err);
}

const struct backend_family backend_cpu = {
	.name = "cpu",
	.summary = "optimised CPU kernels: AVX2+FMA and OpenMP, OpenBLAS sgemm",
	.discover = cpu_discover,
};
