/*
 * backend_cpu.c - the "cpu" backend: the optimised CPU kernels of
 * kernels/cpu (AVX2+FMA row kernels threaded with OpenMP, OpenBLAS sgemm)
 * on all cores of this machine. Calls are synchronous, so there is no
 * device clock: the runner's wall clock is the measurement.
 */
#include "backend.h"
#include "err.h"
#include "cpu/cpu.h"
#include "cpu/train.h"

#include <cblas.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

enum cpu_kernel {
	K_SOFTMAX, K_LAYERNORM, K_RMSNORM, K_SGEMM, K_LORA,
	K_LORA_BACKWARD, K_ADAMW, K_TRAINING_STEP
};

static const struct {
	const char *name;
	enum cpu_kernel id;
} cpu_kernels[] = {
	{ "softmax", K_SOFTMAX },
	{ "layernorm", K_LAYERNORM },
	{ "rmsnorm", K_RMSNORM },
	{ "sgemm", K_SGEMM },
	{ "lora_forward", K_LORA },
	{ "lora_backward", K_LORA_BACKWARD },
	{ "adamw_step", K_ADAMW },
	{ "training_step", K_TRAINING_STEP },
};

struct cpu_state {
	const struct workload *w;   /* not owned */
	enum cpu_kernel id;
	size_t p[WORKLOAD_MAX_PARAMS];
	float *out;
	float *scratch;             /* lora_forward: x.A, tokens x rank;
				     * training kernels: their workspace */
};

/* Index of kernel in cpu_kernels, or -1. */
static int cpu_kernel_index(const char *kernel)
{
	for (size_t i = 0; i < sizeof(cpu_kernels) / sizeof(cpu_kernels[0]); i++)
		if (strcmp(cpu_kernels[i].name, kernel) == 0)
			return (int)i;
	return -1;
}

static int cpu_supports(struct backend *b, const char *kernel)
{
	(void)b;
	return cpu_kernel_index(kernel) >= 0;
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
	free(s->scratch);
	free(s->out);
	free(s);
}

static int cpu_prepare(struct backend *b, const struct workload *w,
		       const char *variant, void **out_state,
		       char *err, size_t n_err)
{
	struct cpu_state *s = NULL;
	int k = cpu_kernel_index(w->spec->name);
	int rc = 0;

	(void)b;
	*out_state = NULL;
	if (k < 0)
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
	s->id = cpu_kernels[k].id;
	for (size_t i = 0; i < WORKLOAD_MAX_PARAMS && w->spec->param_names[i]; i++)
		s->p[i] = (size_t)w->params[i];
	s->out = alloc_floats(w->plan.output_len);
	if (!s->out) {
		rc = err_set(err, n_err, MC_ENOMEM,
			     "cpu: out of memory for the output of %s (%zu floats).",
			     w->spec->name, w->plan.output_len);
		goto out;
	}
	if (s->id == K_LORA || s->id == K_LORA_BACKWARD ||
	    s->id == K_TRAINING_STEP) {
		/* batch, seq, in, out, rank */
		size_t t = s->p[0] * s->p[1];

		s->scratch = alloc_floats(
			s->id == K_LORA ? t * s->p[4] :
			s->id == K_LORA_BACKWARD ?
			cpu_lora_backward_work(t, s->p[3], s->p[4]) :
			cpu_training_step_work(t, s->p[2], s->p[3], s->p[4]));
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

static void cpu_run_once(const struct cpu_state *s)
{
	float *const *in = s->w->inputs;
	const size_t *p = s->p;

	switch (s->id) {
	case K_SOFTMAX:
		cpu_softmax(p[0], p[1], in[0], s->out);
		break;
	case K_LAYERNORM:
		cpu_layernorm(p[0], p[1], in[0], in[1], in[2], s->out);
		break;
	case K_RMSNORM:
		cpu_rmsnorm(p[0], p[1], in[0], in[1], s->out);
		break;
	case K_SGEMM:
		cpu_sgemm(p[0], p[1], p[2], in[0], in[1], s->out);
		break;
	case K_LORA:
		cpu_lora_forward(p[0] * p[1], p[2], p[3], p[4], in[0], in[1],
				 in[2], in[3], s->scratch, s->out);
		break;
	case K_LORA_BACKWARD:
		cpu_lora_backward(p[0] * p[1], p[2], p[3], p[4], in[0], in[1],
				  in[2], in[3], in[4], s->scratch, s->out,
				  s->out + p[2] * p[4]);
		break;
	case K_ADAMW:
		cpu_adamw_step(p[0] * p[1], in[0], in[1], in[2], in[3], s->out,
			       s->out + p[0] * p[1], s->out + 2 * p[0] * p[1]);
		break;
	case K_TRAINING_STEP:
		cpu_training_step(p[0] * p[1], p[2], p[3], p[4], in[0], in[1],
				  in[2], in[3], in[4], s->scratch, s->out,
				  s->out + p[2] * p[4]);
		break;
	}
}

static int cpu_run(struct backend *b, void *state, uint64_t n_iters,
		   double *out_device_ns, char *err, size_t n_err)
{
	(void)b;
	(void)err;
	(void)n_err;
	for (uint64_t i = 0; i < n_iters; i++)
		cpu_run_once(state);
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
