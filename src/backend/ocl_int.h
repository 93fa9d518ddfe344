/*
 * ocl_int.h - internals of the OpenCL backend shared by its files:
 * backend_opencl.c (the ops: programs, the kernel table, timing, describe),
 * ocl_device.c (discovery), ocl_prepare.c (what each kernel's row does to
 * prepare a workload: buffers, kernels, arguments, launches) and
 * ocl_prepare_infer.c, ocl_prepare_bert.c, ocl_prepare_decoder.c (the
 * inference, encoder and decoder rows), ocl_gemm_stream.c (the few-row
 * GEMMs) and ocl_probe.c (the roofline probes). Not for use outside those
 * files.
 */
#ifndef MC_OCL_INT_H
#define MC_OCL_INT_H
#include <stddef.h>
#include <stdint.h>

#include <CL/cl.h>
#include <clblast_c.h>

#include "backend.h"
#include "ocl_nvml.h"
#include "workload.h"

/* Per device, b->impl. */
struct ocl_dev {
	cl_platform_id platform;
	cl_device_id device;
	cl_context ctx;
	cl_command_queue queue;
	cl_program program;          /* built on first use, see ocl_program */
	char dev_name[128];
	cl_device_type type;
	cl_uint compute_units;
	size_t max_wg;
	cl_ulong global_mem, local_mem, max_alloc;
	int clblast_used;            /* CLBlast has kernels cached for us */
	int clblast_probed;          /* clblast_note is valid */
	char clblast_note[200];      /* "available" or why not */
	int clblast_tuned;           /* ocl_tune_apply ran for it (ocl_tune.h) */
	char clblast_tuning[400];    /* its note: which parameters CLBlast uses */
	int probed;                  /* peak_* are valid */
	double peak_gflops, peak_gbps;
	struct ocl_nvml *nvml;       /* its SM clock (NVIDIA GPUs), or NULL */
	char nvml_note[200];         /* "NVML" or why there is no clock */
};

/* One kernel launch of an iteration. */
struct ocl_launch {
	const char *name;
	cl_kernel kernel;
	cl_uint dim;
	size_t global[3], local[3];
	double prof_ns;              /* its events' summed durations, */
	uint64_t prof_n;             /* over this many (ocl_profile.c) */
};

struct ocl_state;

/* A host step at the start of every iteration (embed: tokenize, upload),
 * see struct ocl_state's host_step. */
typedef int (*ocl_host_step_fn)(struct ocl_dev *d, struct ocl_state *s,
				cl_event *out_ev, char *err, size_t n_err);

/* Per prepared workload. launch[] and tmp[] grow with ocl_state_reserve
 * (an encoder has a handful of launches per layer); ocl_state_free
 * releases every kernel and buffer in them, used or not. */
struct ocl_state {
	int use_clblast;
	cl_mem in[WORKLOAD_MAX_BUFS];
	cl_mem out;
	size_t out_len;
	cl_mem *tmp;                 /* intermediates: unfused LoRA's x.A and
				      * (x.A).B, split-k's partial products,
				      * an encoder's activations */
	size_t n_tmp;                /* entries of tmp[] */
	cl_mem split_part;           /* the GEMMs' split sums of k (one of
				      * tmp[]), shared by the state's GEMMs:
				      * the launches run in order */
	size_t split_part_bytes;
	char *label;                 /* "kernel/params [variant]" for
				      * ocl_profile_write, or NULL */
	struct ocl_launch *launch;   /* cap_launch entries, n_launch used */
	size_t n_launch, cap_launch;
	cl_kernel stamp;             /* CLBlast variant: marker kernel */
	double last_device_ns;       /* the last run's device pass, -1 for none */
	size_t m, n, k;              /* sgemm sizes, for CLBlast */
	/* Optional: host work run at the start of each iteration, before the
	 * launches, enqueuing exactly one command whose event goes to
	 * *out_ev (the iteration's device time starts there). Iterations
	 * with a host step run one at a time, each waited for before the
	 * next one's host work (see ocl_run). host is its state, freed by
	 * host_free. */
	ocl_host_step_fn host_step;
	void *host;
	void (*host_free)(void *host);
};

/* A kernel of this backend: one row of ocl_kernels (see there). */
struct ocl_kernel {
	const char *name;              /* the spec's name */
	/* Variants measured separately, NULL-terminated, the first being
	 * what no variant means; NULL when there is just "". */
	const char *const *variants;
	/* Sets s up for w (uploads, kernels, arguments, launches) in variant
	 * (one of variants, or NULL or "" for the first). */
	int (*prepare)(struct ocl_dev *d, const struct ocl_kernel *k,
		       const struct workload *w, const char *variant,
		       struct ocl_state *s, char *err, size_t n_err);
	const char *cl_name;           /* the OpenCL kernel, for prepares
					* that launch one named by the row
					* (NULL for those that choose) */
};

/* Sets the arguments of k from a list of (size, pointer) pairs. */
struct ocl_arg {
	size_t size;
	const void *value;
};

/* The instances' ops (backend_opencl.c); ocl_destroy frees an instance
 * and what its ocl_dev holds, and accepts NULL. */
extern const struct backend_ops ocl_ops;
void ocl_destroy(struct backend *b);

/* ocl_device.c. The family's discover: one instance per device of every
 * platform (see struct backend_family). */
int ocl_discover(struct backend **out, size_t max, size_t *out_n,
		 char *err, size_t n_err);
/* Name of an OpenCL status code ("CL_OUT_OF_RESOURCES"). Static storage. */
const char *ocl_errstr(cl_int rc);
/* String device / platform info into out, trimmed; "" when the query
 * fails. */
void ocl_dev_str(cl_device_id dev, cl_device_info what, char *out,
		 size_t n_out);
void ocl_plat_str(cl_platform_id plat, cl_platform_info what, char *out,
		  size_t n_out);

/* ocl_probe.c. The FP32 FMA peak in GFLOP/s and the triad bandwidth in
 * GB/s of d, each the best of a few timed launches. MC_ENOMEM, MC_EIO,
 * MC_ENOTSUP (too little memory), MC_EBUILD. */
int ocl_probe_fma(struct ocl_dev *d, double *out_gflops, char *err,
		  size_t n_err);
int ocl_probe_triad(struct ocl_dev *d, double *out_gbps, char *err,
		    size_t n_err);

/* backend_opencl.c. */
/* Grows s to at least n_launch entries of launch[] and n_tmp of tmp[] (new
 * ones zeroed); pointers into either are valid until the next call.
 * MC_ENOMEM. */
int ocl_state_reserve(struct ocl_state *s, size_t n_launch, size_t n_tmp,
		      char *err, size_t n_err);
/* Appends a launch of cl_name to s, its kernel created from d's program,
 * into *out_l (valid until the next reserve or append); the caller sets its
 * geometry and arguments. MC_ENOMEM, or ocl_kernel's errors. */
int ocl_state_add_launch(struct ocl_dev *d, struct ocl_state *s, const char *cl_name,
			 struct ocl_launch **out_l, char *err, size_t n_err);
/* Appends times copies of the launches from launch[first] to the last
 * one, in order, each copy's kernel retained (the same kernel object and
 * arguments; every entry is released once by the state). MC_ENOMEM,
 * MC_EIO. */
int ocl_state_repeat(struct ocl_state *s, size_t first, size_t times,
		     char *err, size_t n_err);
/* The profiling timestamp what of ev into *out_ns. MC_EIO. */
int ocl_event_time(struct ocl_dev *d, cl_event ev, cl_profiling_info what,
		   cl_ulong *out_ns, char *err, size_t n_err);
/* Creates kernel name from d's program (built on first use) into *out_k,
 * owned by the caller (clReleaseKernel). MC_EBUILD when the program does
 * not build or lacks the kernel. */
int ocl_kernel(struct ocl_dev *d, const char *name, cl_kernel *out_k,
	       char *err, size_t n_err);
/* Largest work-group size d allows for k. */
size_t ocl_kernel_wg(struct ocl_dev *d, cl_kernel k);
/* Sets the n_args arguments of k (called kname in errors). MC_EINVAL. */
int ocl_set_args(struct ocl_dev *d, cl_kernel k, const char *kname,
		 const struct ocl_arg *args, cl_uint n_args,
		 char *err, size_t n_err);

/* ocl_prepare.c, for the prepares of every file. */
/* Positive parameter name of w that fits an int into *out, or MC_EINVAL. */
int ocl_param(const struct workload *w, const char *name, size_t *out,
	      char *err, size_t n_err);
/* Checks that the plan of w has n_inputs inputs of lens[] floats and
 * out_len output floats, the sizes the OpenCL code assumes, so that a
 * changed spec fails here instead of reading past a device buffer.
 * MC_EINVAL. */
int ocl_check_plan(const struct workload *w, size_t n_inputs,
		   const size_t *lens, size_t out_len, char *err, size_t n_err);
/* Creates s->in[] holding w's inputs and s->out of its output_len floats
 * (s->out_len). MC_ENOMEM, MC_EIO. */
int ocl_upload(struct ocl_dev *d, const struct workload *w,
	       struct ocl_state *s, char *err, size_t n_err);
/* The same, leaving the inputs whose bit is set in host_only (bit i:
 * input i) on the host: s->in[i] stays NULL. */
int ocl_upload_some(struct ocl_dev *d, const struct workload *w,
		    struct ocl_state *s, unsigned host_only, char *err,
		    size_t n_err);

/* One launch l over n work-items (1-D, groups of up to 256). */
void ocl_launch_1d(struct ocl_dev *d, struct ocl_launch *l, size_t n);
/* Appends a launch of cl_name over n work-items (ocl_launch_1d) with the
 * n_args arguments args. Errors of ocl_state_add_launch, ocl_set_args. */
int ocl_add_launch_1d(struct ocl_dev *d, struct ocl_state *s,
		      const char *cl_name, size_t n, const struct ocl_arg *args,
		      cl_uint n_args, char *err, size_t n_err);
/* Appends a device buffer of bytes to s->tmp[] (s owns it) into *out_mem.
 * MC_ENOMEM naming w (NULL: a GEMM's split sums, ocl_gemm.c). */
int ocl_tmp_buffer(struct ocl_dev *d, const struct workload *w,
		   struct ocl_state *s, size_t bytes, cl_mem *out_mem,
		   char *err, size_t n_err);
/* The largest power of two within most and what d allows for k. */
size_t ocl_local_pow2(struct ocl_dev *d, cl_kernel k, size_t most);
/* The local size of a row kernel k over rows of cols floats, one
 * work-group per row (see there). */
size_t ocl_row_local(struct ocl_dev *d, cl_kernel k, size_t cols);

/*
 * The prepares of the kernel table's rows (ocl_prepare.c), the signature
 * of struct ocl_kernel's prepare. Each fills s (buffers, launches, the
 * CLBlast flag) and returns 0, or a negative code with a sentence in err;
 * on failure s may hold part of what it made, which the caller frees.
 *  - softmax, layernorm, rmsnorm: the row's cl_name (mc_softmax ...), one
 *    work-group per row;
 *  - elementwise: the row's cl_name over the n floats of every input and
 *    the output, arguments (inputs..., output, int n);
 *  - sgemm: the own tiled kernel, CLBlast for variant "clblast", the
 *    few-row kernels of gemm_stream.cl for variant "skinny";
 *  - lora: the fused kernel, four launches for variant "unfused", the
 *    split-k kernel and its epilogue for variant "splitk".
 */
int ocl_prepare_softmax(struct ocl_dev *d, const struct ocl_kernel *k,
			const struct workload *w, const char *variant,
			struct ocl_state *s, char *err, size_t n_err);
int ocl_prepare_layernorm(struct ocl_dev *d, const struct ocl_kernel *k,
			  const struct workload *w, const char *variant,
			  struct ocl_state *s, char *err, size_t n_err);
int ocl_prepare_rmsnorm(struct ocl_dev *d, const struct ocl_kernel *k,
			const struct workload *w, const char *variant,
			struct ocl_state *s, char *err, size_t n_err);
int ocl_prepare_elementwise(struct ocl_dev *d, const struct ocl_kernel *k,
			    const struct workload *w, const char *variant,
			    struct ocl_state *s, char *err, size_t n_err);
int ocl_prepare_sgemm(struct ocl_dev *d, const struct ocl_kernel *k,
		      const struct workload *w, const char *variant,
		      struct ocl_state *s, char *err, size_t n_err);
int ocl_prepare_lora(struct ocl_dev *d, const struct ocl_kernel *k,
		     const struct workload *w, const char *variant,
		     struct ocl_state *s, char *err, size_t n_err);

/*
 * ocl_gemm_stream.c: the variants for few rows (kernels/opencl/
 * gemm_stream.cl), called by the sgemm and lora prepares for variants
 * "skinny" and "splitk" once the plan is checked and the inputs uploaded
 * (s->in[], s->out). m, n, k / t, in, out, rank are the checked sizes
 * (every matrix fits an int).
 */
int ocl_prepare_sgemm_skinny(struct ocl_dev *d, struct ocl_state *s,
			     size_t m, size_t n, size_t k,
			     char *err, size_t n_err);
int ocl_prepare_lora_splitk(struct ocl_dev *d, struct ocl_state *s,
			    size_t t, size_t in, size_t out, size_t rank,
			    float scale, char *err, size_t n_err);
/*
 * ocl_gemm.c: the general GEMM of sgemm.cl as launches appended to s,
 * C = A . B[bo..] with its epilogue: mc_gemv for m <= OCL_GEMV_ROWS,
 * else the tiled kernel (the 128 tile while that leaves two groups per
 * compute unit, else the 64 one); either with mc_gemv_reduce after it
 * where k is split across groups, their sums in s->split_part. Errors of
 * ocl_state_add_launch and ocl_set_args; MC_ENOTSUP when the device's
 * work-groups are too small.
 */
enum { OCL_EPI_NONE = 0, OCL_EPI_ADD = 1, OCL_EPI_GLU = 2,
       OCL_EPI_GLU2 = 3 };       /* MC_EPI_* */
#define OCL_GEMV_ROWS 4          /* MC_GEMV_ROWS of sgemm.cl */

struct ocl_gemm {
	size_t m, n, k;
	cl_mem a, b, c;
	size_t bo;                   /* B's first float in b */
	cl_mem bias;                 /* NULL: none */
	size_t biaso;
	cl_mem r;                    /* R of the epilogue, or NULL */
	int mode;                    /* OCL_EPI_*; ADD and GLU need r */
	/* m <= OCL_GEMV_ROWS only (MC_EINVAL otherwise): */
	size_t bo2;                  /* GLU2's second B in b */
	cl_mem norm_g;               /* not NULL: A's rows RMS-normed with */
	size_t norm_go;              /* the gain norm_g[norm_go..] and */
	float eps;                   /* eps first */
};

int ocl_add_gemm(struct ocl_dev *d, struct ocl_state *s,
		 const struct ocl_gemm *g, char *err, size_t n_err);

/*
 * ocl_profile.c: with MCBENCH_OCL_PROFILE naming a file, each prepared
 * state's share of device time per kernel, appended to it when the state
 * is released: a line per kernel name, "label<TAB>kernel<TAB>launches an
 * iteration<TAB>ns an iteration<TAB>percent of the iteration". The
 * durations are those the device clock sums (warm-up included).
 * ocl_profile_label sets s->label (MC_ENOMEM), and checks that the file
 * can be appended to (MC_EIO naming it); without the variable it does
 * nothing. ocl_profile_write writes nothing without the variable or a
 * label, and leaves the file as it was when it cannot write.
 */
int ocl_profile_label(struct ocl_state *s, const struct workload *w,
		      const char *variant, char *err, size_t n_err);
void ocl_profile_write(const struct ocl_dev *d, const struct ocl_state *s);

/* ocl_prepare_infer.c: the inference kernels.
 *  - sample: the row's cl_name (mc_sample_greedy ...), one work-group over
 *    the row of logits, a scratch buffer of 2 vocab floats in tmp[0];
 *  - embedding: one work-item per element of the output, copying rows;
 *  - rope: one work-item per rotated pair;
 *  - sdpa: one work-item per (head, query), causal for sdpa_causal. */
int ocl_prepare_sample(struct ocl_dev *d, const struct ocl_kernel *k,
		       const struct workload *w, const char *variant,
		       struct ocl_state *s, char *err, size_t n_err);
int ocl_prepare_embedding(struct ocl_dev *d, const struct ocl_kernel *k,
			  const struct workload *w, const char *variant,
			  struct ocl_state *s, char *err, size_t n_err);
int ocl_prepare_rope(struct ocl_dev *d, const struct ocl_kernel *k,
		     const struct workload *w, const char *variant,
		     struct ocl_state *s, char *err, size_t n_err);
int ocl_prepare_sdpa(struct ocl_dev *d, const struct ocl_kernel *k,
		     const struct workload *w, const char *variant,
		     struct ocl_state *s, char *err, size_t n_err);

/* ocl_prepare_decoder.c: a Qwen2-style decoder on the kernels of layer.cl
 * (kernels/ref/decoder.h, decode.h), each a list of passes of new rows
 * through layers, intermediates and the KV cache in tmp[]:
 *  - attention (3 launches), mlp (2), decoder_layer (2 norms, both);
 *  - decode: the prompt's pass, then one pass of a row per generated token
 *    at a device-side position, each token fed back on the device;
 *  - decode_recompute: a pass over the whole sequence per token;
 *  - decode_step: the input cache copied into one with room for the
 *    token, then its pass and the LM head's logits. */
int ocl_prepare_attention(struct ocl_dev *d, const struct ocl_kernel *k,
			  const struct workload *w, const char *variant,
			  struct ocl_state *s, char *err, size_t n_err);
int ocl_prepare_mlp(struct ocl_dev *d, const struct ocl_kernel *k,
		    const struct workload *w, const char *variant,
		    struct ocl_state *s, char *err, size_t n_err);
int ocl_prepare_decoder_layer(struct ocl_dev *d, const struct ocl_kernel *k,
			      const struct workload *w, const char *variant,
			      struct ocl_state *s, char *err, size_t n_err);
int ocl_prepare_decode(struct ocl_dev *d, const struct ocl_kernel *k,
		       const struct workload *w, const char *variant,
		       struct ocl_state *s, char *err, size_t n_err);
int ocl_prepare_decode_recompute(struct ocl_dev *d, const struct ocl_kernel *k,
				 const struct workload *w, const char *variant,
				 struct ocl_state *s, char *err, size_t n_err);
int ocl_prepare_decode_step(struct ocl_dev *d, const struct ocl_kernel *k,
			    const struct workload *w, const char *variant,
			    struct ocl_state *s, char *err, size_t n_err);

/* ocl_prepare_bert.c: issue 15's sentence encoder (kernels/opencl/
 * bert.cl), an embedding launch, seven per layer and a pooling one.
 *  - bert_encode: ids and mask uploaded at prepare;
 *  - embed: the text stays on the host; each iteration's host step
 *    tokenizes it (the C WordPiece, the workload's vocabulary) and uploads
 *    ids and mask, and the iteration's device time runs from that upload
 *    to the end of the pooling. */
int ocl_prepare_bert_encode(struct ocl_dev *d, const struct ocl_kernel *k,
			    const struct workload *w, const char *variant,
			    struct ocl_state *s, char *err, size_t n_err);
int ocl_prepare_embed(struct ocl_dev *d, const struct ocl_kernel *k,
		      const struct workload *w, const char *variant,
		      struct ocl_state *s, char *err, size_t n_err);

/* The CLBlast SGEMM of a prepared sgemm state s (m, n, k, in[0], in[1],
 * out), enqueued on d's queue with its event in *ev (may stay NULL). */
CLBlastStatusCode ocl_clblast_sgemm(struct ocl_dev *d, struct ocl_state *s,
				    cl_event *ev);
/* One CLBlast call of s, waited for; MC_ENOTSUP with a sentence when
 * CLBlast cannot serve the device. Marks d as having used CLBlast. */
int ocl_clblast_try(struct ocl_dev *d, struct ocl_state *s,
		    char *err, size_t n_err);

#endif
