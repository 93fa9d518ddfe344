/*
 * backend_opencl.c - the "opencl" backend family: one instance per device
 * of every OpenCL platform on this machine.
 *
 * Each instance owns a context and an in-order, profiling-enabled queue.
 * The kernels (kernels/opencl, embedded through embed.h) are built into
 * one program per instance on first use, common.cl first. The instance
 * times itself (ocl_run): the wall clock is a pass with no events; while
 * the runner samples, a device pass of the same iterations follows, held
 * behind a gate per batch. An iteration's device time is the sum of its
 * kernels' durations (END - START of an event per launch), as CUPTI's is
 * on the CUDA peers; for a CLBlast call, which may run several kernels we
 * cannot see, it spans from the END of a marker kernel enqueued just
 * before it to the call's END (README, the clock table).
 * Only OpenCL 1.2 host API and OpenCL C 1.2 are used, so the same code
 * runs on PoCL and on vendor drivers.
 *
 * Each kernel is one row of ocl_kernels below (name, variants, prepare,
 * OpenCL kernel). The other files of the backend, behind ocl_int.h:
 * ocl_device.c finds the devices, ocl_prepare*.c hold the rows' prepares
 * (ocl_prepare_decoder.c the decoder layer and whole-model decoding),
 * ocl_probe.c the roofline probes.
 */
#include "backend_opencl.h"
#include "ocl_int.h"

#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CL/cl.h>
#include <clblast_c.h>

#include "clock.h"
#include "embed.h"
#include "err.h"
#include "workload.h"

#define OCL_CHUNK 1024           /* iterations per batch of events in run() */
#define OCL_EV_MAX 2             /* events per iteration, see ocl_enqueue_iter */
#define OCL_GATE_CMDS 1024       /* commands held behind one gate, see ocl_pass */
#define OCL_BUILD_OPTIONS "-cl-std=CL1.2"


/* ---------------------------------------------------------------- programs */

/* The first lines of a build log, joined with " | ", into out. */
static void ocl_log_head(const char *log, char *out, size_t n_out)
{
	size_t o = 0;
	int lines = 0;

	out[0] = 0;
	while (*log && lines < 4 && o + 4 < n_out) {
		const char *nl = strchr(log, '\n');
		size_t len = nl ? (size_t)(nl - log) : strlen(log);

		if (len > 0) {
			if (lines > 0) {
				memcpy(out + o, " | ", 3);
				o += 3;
			}
			if (len > n_out - o - 1)
				len = n_out - o - 1;
			memcpy(out + o, log, len);
			o += len;
			out[o] = 0;
			lines++;
		}
		log += nl ? (size_t)(nl - log) + 1 : strlen(log);
	}
	if (!out[0])
		snprintf(out, n_out, "the build log is empty");
}

static int ocl_build(struct ocl_dev *d, const char **srcs, cl_uint n_srcs,
		     cl_program *out_prog, char *err, size_t n_err)
{
	cl_program prog = NULL;
	char *log = NULL, head[320];
	size_t n_log = 0;
	cl_int rc;
	int ret = 0;

	prog = clCreateProgramWithSource(d->ctx, n_srcs, srcs, NULL, &rc);
	if (!prog) {
		ret = err_set(err, n_err, MC_EBUILD, "opencl: creating the "
			      "kernel program for device '%s' failed (%s).",
			      d->dev_name, ocl_errstr(rc));
		goto out;
	}
	rc = clBuildProgram(prog, 1, &d->device, OCL_BUILD_OPTIONS, NULL,
			    NULL);
	if (rc != CL_SUCCESS) {
		if (clGetProgramBuildInfo(prog, d->device, CL_PROGRAM_BUILD_LOG,
					  0, NULL, &n_log) == CL_SUCCESS &&
		    (log = malloc(n_log + 1)) != NULL &&
		    clGetProgramBuildInfo(prog, d->device, CL_PROGRAM_BUILD_LOG,
					  n_log, log, NULL) == CL_SUCCESS)
			log[n_log] = 0;
		else if (log)
			log[0] = 0;
		ocl_log_head(log ? log : "", head, sizeof(head));
		ret = err_set(err, n_err, MC_EBUILD, "opencl: building kernels "
			      "for device '%s' failed (%s): %s",
			      d->dev_name, ocl_errstr(rc), head);
		goto out;
	}
	*out_prog = prog;
	prog = NULL;
out:
	free(log);
	if (prog)
		clReleaseProgram(prog);
	return ret;
}

/* Builds the embedded kernels for d once: common.cl, then the other files
 * in table order. */
static int ocl_program(struct ocl_dev *d, char *err, size_t n_err)
{
	const char **srcs = NULL;
	cl_uint n = 0;
	int ret;

	if (d->program)
		return 0;
	srcs = calloc(clsource_count + 1, sizeof(*srcs));
	if (!srcs)
		return err_set(err, n_err, MC_ENOMEM, "opencl: out of memory "
			       "building kernels for device '%s'.",
			       d->dev_name);
	for (size_t i = 0; clsource[i].name; i++)
		if (strcmp(clsource[i].name, "common.cl") == 0)
			srcs[n++] = clsource[i].text;
	if (n != 1) {
		free(srcs);
		return err_set(err, n_err, MC_EBUILD, "opencl: the embedded "
			       "kernel sources lack common.cl; cannot build "
			       "kernels for device '%s'.", d->dev_name);
	}
	for (size_t i = 0; clsource[i].name; i++)
		if (strcmp(clsource[i].name, "common.cl") != 0)
			srcs[n++] = clsource[i].text;
	ret = ocl_build(d, srcs, n, &d->program, err, n_err);
	free(srcs);
	return ret;
}

int ocl_kernel(struct ocl_dev *d, const char *name,
		      cl_kernel *out_k, char *err, size_t n_err)
{
	cl_int rc;
	int ret;

	ret = ocl_program(d, err, n_err);
	if (ret < 0)
		return ret;
	*out_k = clCreateKernel(d->program, name, &rc);
	if (!*out_k)
		return err_set(err, n_err, MC_EBUILD, "opencl: kernel %s is "
			       "missing from the program of device '%s' (%s).",
			       name, d->dev_name, ocl_errstr(rc));
	return 0;
}

/* Largest work-group size d allows for k. */
size_t ocl_kernel_wg(struct ocl_dev *d, cl_kernel k)
{
	size_t wg = 0;

	if (clGetKernelWorkGroupInfo(k, d->device, CL_KERNEL_WORK_GROUP_SIZE,
				     sizeof(wg), &wg, NULL) != CL_SUCCESS ||
	    wg == 0)
		wg = d->max_wg;
	return wg;
}


int ocl_set_args(struct ocl_dev *d, cl_kernel k, const char *kname,
			const struct ocl_arg *args, cl_uint n_args,
			char *err, size_t n_err)
{
	for (cl_uint i = 0; i < n_args; i++) {
		cl_int rc = clSetKernelArg(k, i, args[i].size, args[i].value);

		if (rc != CL_SUCCESS)
			return err_set(err, n_err, MC_EINVAL, "opencl: setting "
				       "argument %u of kernel %s on device "
				       "'%s' failed (%s).", i, kname,
				       d->dev_name, ocl_errstr(rc));
	}
	return 0;
}

/* ---------------------------------------------------------------- kernels */

static void ocl_state_free(struct ocl_state *s)
{
	if (!s)
		return;
	if (s->host_free)
		s->host_free(s->host);
	for (size_t i = 0; i < s->cap_launch; i++)
		if (s->launch[i].kernel)
			clReleaseKernel(s->launch[i].kernel);
	free(s->launch);
	if (s->stamp)
		clReleaseKernel(s->stamp);
	if (s->out)
		clReleaseMemObject(s->out);
	for (size_t i = 0; i < s->n_tmp; i++)
		if (s->tmp[i])
			clReleaseMemObject(s->tmp[i]);
	free(s->tmp);
	for (size_t i = 0; i < WORKLOAD_MAX_BUFS; i++)
		if (s->in[i])
			clReleaseMemObject(s->in[i]);
	free(s->label);
	free(s);
}

int ocl_state_add_launch(struct ocl_dev *d, struct ocl_state *s, const char *cl_name,
			 struct ocl_launch **out_l, char *err, size_t n_err)
{
	struct ocl_launch *l;
	int ret;

	if ((ret = ocl_state_reserve(s, s->n_launch + 1, 0, err, n_err)) < 0)
		return ret;
	l = &s->launch[s->n_launch];
	if ((ret = ocl_kernel(d, cl_name, &l->kernel, err, n_err)) < 0)
		return ret;
	s->n_launch++;
	l->name = cl_name;
	*out_l = l;
	return 0;
}

int ocl_state_repeat(struct ocl_state *s, size_t first, size_t times,
		     char *err, size_t n_err)
{
	size_t n = s->n_launch - first;
	int ret;

	if ((ret = ocl_state_reserve(s, s->n_launch + n * times, 0, err,
				     n_err)) < 0)
		return ret;
	for (size_t t = 0; t < times; t++)
		for (size_t i = first; i < first + n; i++) {
			struct ocl_launch *l = &s->launch[s->n_launch];
			cl_int rc = clRetainKernel(s->launch[i].kernel);

			if (rc != CL_SUCCESS)
				return err_set(err, n_err, MC_EIO, "opencl: "
					       "retaining kernel %s failed (%s).",
					       s->launch[i].name, ocl_errstr(rc));
			*l = s->launch[i];
			s->n_launch++;
		}
	return 0;
}

int ocl_state_reserve(struct ocl_state *s, size_t n_launch, size_t n_tmp,
		      char *err, size_t n_err)
{
	if (n_launch > s->cap_launch) {
		struct ocl_launch *l = realloc(s->launch,
					       n_launch * sizeof(*l));

		if (!l)
			return err_set(err, n_err, MC_ENOMEM, "opencl: out of "
				       "memory for %zu kernel launches.",
				       n_launch);
		memset(l + s->cap_launch, 0,
		       (n_launch - s->cap_launch) * sizeof(*l));
		s->launch = l;
		s->cap_launch = n_launch;
	}
	if (n_tmp > s->n_tmp) {
		cl_mem *m = realloc(s->tmp, n_tmp * sizeof(*m));

		if (!m)
			return err_set(err, n_err, MC_ENOMEM, "opencl: out of "
				       "memory for %zu intermediate buffers.",
				       n_tmp);
		memset(m + s->n_tmp, 0, (n_tmp - s->n_tmp) * sizeof(*m));
		s->tmp = m;
		s->n_tmp = n_tmp;
	}
	return 0;
}

/* ------------------------------------------------------- the kernel table */

static const char *const ocl_gemm_variants[] = { "own", "clblast", "skinny",
						  NULL };
/* "" is the default row kernel, so that its results keep their name. */
static const char *const ocl_row_variants[] = { "", "online", NULL };
static const char *const ocl_lora_variants[] = { "fused", "unfused", "splitk",
						  NULL };

/* One row per kernel; adding one is adding its .cl file (kernels/opencl,
 * built into every device's program) and a row here. */
static const struct ocl_kernel ocl_kernels[] = {
	/* name          variants           prepare                 OpenCL kernel */
	{ "softmax",      ocl_row_variants,  ocl_prepare_softmax,    "mc_softmax" },
	{ "layernorm",    ocl_row_variants,  ocl_prepare_layernorm,  "mc_layernorm" },
	{ "rmsnorm",      ocl_row_variants,  ocl_prepare_rmsnorm,    "mc_rmsnorm" },
	{ "sgemm",        ocl_gemm_variants, ocl_prepare_sgemm,      NULL },
	{ "lora_forward", ocl_lora_variants, ocl_prepare_lora,       NULL },
	{ "triad",        NULL,              ocl_prepare_elementwise, "mc_stream_triad" },
	{ "empty",        NULL,              ocl_prepare_elementwise, "mc_empty" },
	{ "sample_greedy", NULL,             ocl_prepare_sample,     "mc_sample_greedy" },
	{ "sample_top_k", NULL,              ocl_prepare_sample,     "mc_sample_top_k" },
	{ "sample_top_p", NULL,              ocl_prepare_sample,     "mc_sample_top_p" },
	{ "sample_temperature", NULL,        ocl_prepare_sample,     "mc_sample_temperature" },
	{ "embedding",    NULL,              ocl_prepare_embedding,  "mc_embedding" },
	{ "rope",         NULL,              ocl_prepare_rope,       "mc_rope" },
	{ "sdpa",         NULL,              ocl_prepare_sdpa,       "mc_sdpa" },
	{ "sdpa_causal",  NULL,              ocl_prepare_sdpa,       "mc_sdpa" },
	{ "attention",    NULL,              ocl_prepare_attention,  NULL },
	{ "mlp",          NULL,              ocl_prepare_mlp,        NULL },
	{ "decoder_layer", NULL,             ocl_prepare_decoder_layer, NULL },
	{ "decode",       NULL,              ocl_prepare_decode,     NULL },
	{ "decode_recompute", NULL,          ocl_prepare_decode_recompute, NULL },
	{ "decode_step",  NULL,              ocl_prepare_decode_step, NULL },
	{ "bert_encode",  NULL,              ocl_prepare_bert_encode, NULL },
	{ "embed",        NULL,              ocl_prepare_embed,      NULL },
	{ NULL,           NULL,              NULL,                   NULL }
};

/* The row of kernel, or NULL. */
static const struct ocl_kernel *ocl_kernel_find(const char *kernel)
{
	for (const struct ocl_kernel *k = ocl_kernels; k->name; k++)
		if (strcmp(k->name, kernel) == 0)
			return k;
	return NULL;
}

static int ocl_supports(struct backend *b, const char *kernel)
{
	(void)b;
	return ocl_kernel_find(kernel) != NULL;
}

static const char *const *ocl_variants(struct backend *b, const char *kernel)
{
	const struct ocl_kernel *k = ocl_kernel_find(kernel);

	(void)b;
	return k ? k->variants : NULL;
}

static int ocl_enqueue_iter(struct ocl_dev *d, struct ocl_state *s,
			    cl_event *ev, char *err, size_t n_err);

/* One iteration, waited for. Drivers compile lazily (PoCL specialises each
 * kernel for its local size at the first launch), and that belongs to
 * prepare, not to the timed run. */
static int ocl_warm_up(struct ocl_dev *d, struct ocl_state *s,
		       char *err, size_t n_err)
{
	cl_event ev[OCL_EV_MAX] = { NULL, NULL };
	cl_int rc;
	int ret;

	if (s->use_clblast)
		return 0;       /* ocl_clblast_try ran one call already */
	/* no events but the one a host step must have */
	ret = ocl_enqueue_iter(d, s, s->host_step ? ev : NULL, err, n_err);
	rc = clFinish(d->queue);
	if (ret == 0 && rc != CL_SUCCESS)
		ret = err_set(err, n_err, MC_EIO, "opencl: the warm-up run of "
			      "a kernel failed on device '%s' (%s).",
			      d->dev_name, ocl_errstr(rc));
	for (int i = 0; i < OCL_EV_MAX; i++)
		if (ev[i])
			clReleaseEvent(ev[i]);
	return ret;
}

static int ocl_prepare(struct backend *b, const struct workload *w,
		       const char *variant, void **out_state,
		       char *err, size_t n_err)
{
	struct ocl_dev *d = b->impl;
	struct ocl_state *s = NULL;
	const char *kname = w->spec->name;
	const struct ocl_kernel *k;
	int ret;

	*out_state = NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return err_set(err, n_err, MC_ENOMEM, "opencl: out of memory "
			       "preparing %s.", kname);
	if (!(k = ocl_kernel_find(kname))) {
		ret = err_set(err, n_err, MC_ENOTSUP, "opencl: kernel %s is "
			      "not implemented by the OpenCL backend.", kname);
		goto out;
	}
	/* No variant means the first one: own, fused. */
	if (variant && variant[0]) {
		const char *const *v = k->variants;

		while (v && *v && strcmp(*v, variant) != 0)
			v++;
		if (!v || !*v) {
			ret = err_set(err, n_err, MC_EINVAL, "opencl: kernel "
				      "%s has no variant '%s'.", kname,
				      variant);
			goto out;
		}
	}
	if ((ret = ocl_profile_label(s, w, variant, err, n_err)) < 0)
		goto out;
	ret = k->prepare(d, k, w, variant, s, err, n_err);
	if (ret < 0 || (ret = ocl_warm_up(d, s, err, n_err)) < 0)
		goto out;
	*out_state = s;
	s = NULL;
out:
	ocl_state_free(s);
	return ret;
}

/* ---------------------------------------------------------------- timing */

int ocl_event_time(struct ocl_dev *d, cl_event ev, cl_profiling_info what,
		   cl_ulong *out_ns, char *err, size_t n_err)
{
	cl_int rc = clGetEventProfilingInfo(ev, what, sizeof(*out_ns), out_ns,
					    NULL);

	if (rc != CL_SUCCESS)
		return err_set(err, n_err, MC_EIO, "opencl: reading a "
			       "profiling timestamp on device '%s' failed "
			       "(%s).", d->dev_name, ocl_errstr(rc));
	return 0;
}

/* Events of one iteration, n_ev of them, per ocl_enqueue_iter. Our own
 * kernels: one per launch, and the iteration's device time is the sum of
 * their durations (END - START), as CUPTI's is on the CUDA peers: the
 * device's time in kernels, whatever the host took between two
 * submissions (on the H200 a span from first START to last END held
 * several us a launch of it: runs 9f70b9a9 and 5783c1ed). Only the
 * device pass has events, so their cost to the host is in no wall clock.
 * A CLBlast call (which may run kernels we cannot see: padding,
 * transposes) and a host step (embed's upload) keep a span of two: the
 * marker's or the upload's, and the last command's. */
static size_t ocl_events_per_iter(const struct ocl_state *s)
{
	if (s->use_clblast || s->host_step)
		return 2;
	return s->n_launch ? s->n_launch : 1;
}

/* Commands one iteration puts in the queue, about: for CLBlast the stamp
 * and 4 for a call that may run kernels we cannot see (padding,
 * transposes). */
static size_t ocl_cmds_per_iter(const struct ocl_state *s)
{
	if (s->use_clblast)
		return 5;
	return s->n_launch + (s->host_step ? 1 : 0);
}

/* Enqueues one iteration. ev: its events (ocl_events_per_iter of them),
 * or NULL for none (the wall pass); a host step always has its one. */
static int ocl_enqueue_iter(struct ocl_dev *d, struct ocl_state *s,
			    cl_event *ev, char *err, size_t n_err)
{
	static const size_t one = 1;
	CLBlastStatusCode st;
	size_t first = 0;
	cl_int rc;
	int ret;

	if (s->use_clblast) {
		if (ev) {
			rc = clEnqueueNDRangeKernel(d->queue, s->stamp, 1, NULL,
						    &one, &one, 0, NULL, &ev[0]);
			if (rc != CL_SUCCESS)
				return err_set(err, n_err, MC_EIO, "opencl: "
					       "enqueueing kernel mc_stamp on "
					       "device '%s' failed (%s).",
					       d->dev_name, ocl_errstr(rc));
		}
		st = ocl_clblast_sgemm(d, s, ev ? &ev[1] : NULL);
		if (st != CLBlastSuccess)
			return err_set(err, n_err, MC_ENOTSUP, "opencl: CLBlast "
				       "SGEMM failed on device '%s' (CLBlast "
				       "status %d).", d->dev_name, (int)st);
		return 0;
	}
	if (s->host_step) {
		if ((ret = s->host_step(d, s, &ev[0], err, n_err)) < 0)
			return ret;
		first = 1;
	}
	for (size_t i = 0; i < s->n_launch; i++) {
		struct ocl_launch *l = &s->launch[i];
		cl_event *e = NULL;

		if (ev && !first)
			e = &ev[i];            /* each launch: summed */
		else if (ev && i + 1 == s->n_launch)
			e = &ev[1];            /* after the host step: its span */
		rc = clEnqueueNDRangeKernel(d->queue, l->kernel, l->dim, NULL,
					    l->global, l->local, 0, NULL, e);
		if (rc != CL_SUCCESS)
			return err_set(err, n_err, MC_EIO, "opencl: enqueueing "
				       "kernel %s on device '%s' failed (%s).",
				       l->name, d->dev_name, ocl_errstr(rc));
	}
	return 0;
}

/* Waits for the n_ev events of each of n_iters iterations in ev, adds their
 * device time to *sum_ns and releases them (entries become NULL). An
 * iteration of our own launches is the sum of their durations; one of
 * CLBlast or a host step spans its first event's START (or, with a
 * marker first, END) to its last event's END (ocl_events_per_iter). */
static int ocl_harvest(struct ocl_dev *d, struct ocl_state *s,
		       cl_event *ev, size_t n_iters, double *sum_ns,
		       char *err, size_t n_err)
{
	size_t n_ev = ocl_events_per_iter(s), total = n_iters * n_ev;
	cl_ulong t0, t1;
	cl_int rc;
	int ret = 0;

	for (size_t i = 0; i < total; i++)
		if (!ev[i])
			total = i;
	if (total == 0)
		return 0;
	rc = clWaitForEvents((cl_uint)total, ev);
	if (rc != CL_SUCCESS) {
		ret = err_set(err, n_err, MC_EIO, "opencl: a kernel failed on "
			      "device '%s' (%s).", d->dev_name, ocl_errstr(rc));
		goto out;
	}
	for (size_t it = 0; it + n_ev <= total; it += n_ev) {
		if (!s->use_clblast && !s->host_step) {
			for (size_t k = 0; k < n_ev; k++) {
				if ((ret = ocl_event_time(d, ev[it + k],
							  CL_PROFILING_COMMAND_START, &t0,
							  err, n_err)) < 0 ||
				    (ret = ocl_event_time(d, ev[it + k],
							  CL_PROFILING_COMMAND_END, &t1,
							  err, n_err)) < 0)
					goto out;
				if (t1 > t0) {
					*sum_ns += (double)(t1 - t0);
					s->launch[k].prof_ns += (double)(t1 - t0);
				}
				s->launch[k].prof_n++;
			}
			continue;
		}
		if ((ret = ocl_event_time(d, ev[it], s->use_clblast ?
					  CL_PROFILING_COMMAND_END :
					  CL_PROFILING_COMMAND_START,
					  &t0, err, n_err)) < 0 ||
		    (ret = ocl_event_time(d, ev[it + n_ev - 1],
					  CL_PROFILING_COMMAND_END, &t1, err,
					  n_err)) < 0)
			goto out;
		if (t1 > t0)
			*sum_ns += (double)(t1 - t0);
	}
out:
	for (size_t i = 0; i < n_iters * n_ev; i++) {
		if (ev[i])
			clReleaseEvent(ev[i]);
		ev[i] = NULL;
	}
	return ret;
}

/* A state with a host step (embed: the text in, the embeddings out), one
 * iteration at a time: its host work, its commands, then a wait for them,
 * so each iteration is the latency of one batch from text to embeddings
 * on the device, as a caller sees it and as the peers measure theirs
 * (synchronising every iteration). Overlapping the next batch's
 * tokenization with this one's encoder would time a pipeline that no
 * other side runs. Both clocks come from this one pass: every iteration
 * is queued whole before it is waited for. */
static int ocl_run_serial(struct ocl_dev *d, struct ocl_state *s,
			  uint64_t n_iters, double *out_device_ns,
			  char *err, size_t n_err)
{
	cl_event ev[OCL_EV_MAX] = { NULL, NULL };
	double sum_ns = 0;
	int ret = 0;

	*out_device_ns = -1;
	for (uint64_t i = 0; i < n_iters; i++) {
		ret = ocl_enqueue_iter(d, s, ev, err, n_err);
		if (ret < 0) {
			clFinish(d->queue);
			for (int j = 0; j < OCL_EV_MAX; j++)
				if (ev[j])
					clReleaseEvent(ev[j]);
			return ret;
		}
		clFlush(d->queue);
		/* waits for the iteration's events, releases them */
		if ((ret = ocl_harvest(d, s, ev, 1, &sum_ns, err, n_err)) < 0) {
			clFinish(d->queue);
			return ret;
		}
	}
	*out_device_ns = sum_ns;
	return 0;
}

/* Releases a gate (NULL: none): what waited behind it may run. */
static void ocl_gate_close(cl_event *gate)
{
	if (*gate) {
		clSetUserEventStatus(*gate, CL_COMPLETE);
		clReleaseEvent(*gate);
		*gate = NULL;
	}
}

/* Opens a gate: a user event that a marker, and so every command queued
 * after it, waits for. */
static int ocl_gate_open(struct ocl_dev *d, cl_event *out_gate, char *err,
			 size_t n_err)
{
	cl_int rc;

	*out_gate = clCreateUserEvent(d->ctx, &rc);
	if (rc == CL_SUCCESS)
		rc = clEnqueueMarkerWithWaitList(d->queue, 1, out_gate, NULL);
	if (rc == CL_SUCCESS)
		return 0;
	ocl_gate_close(out_gate);
	return err_set(err, n_err, MC_EIO, "opencl: holding a batch of "
		       "iterations on device '%s' failed (%s).", d->dev_name,
		       ocl_errstr(rc));
}

/* One pass of n_iters iterations in batches, the host queueing the next
 * batch while the device runs the last, and never more than two batches
 * in flight.
 * sum_ns NULL: the wall pass. No events but a marker per batch, so the
 * host does nothing it would not do to run the workload.
 * sum_ns set: the device pass. Each iteration's device time (ocl_harvest)
 * is added to *sum_ns, and each batch is held behind a gate until all its
 * commands are queued, so that its iterations can run back to back
 * without the host's time between two enqueues (NVIDIA's OpenCL takes
 * about 10 us per kernel, more than a small kernel runs). On the H200 the
 * driver still submitted at the host's pace (runs 9f70b9a9, 5783c1ed in
 * db/pending), which is why our own launches are summed rather than
 * spanned; a CLBlast span still holds what gaps there are. A batch holds
 * at most OCL_GATE_CMDS commands, so a driver's queue never fills behind
 * a closed gate. */
static int ocl_pass(struct ocl_dev *d, struct ocl_state *s, uint64_t n_iters,
		    double *sum_ns, char *err, size_t n_err)
{
	size_t n_ev = sum_ns ? ocl_events_per_iter(s) : 0;
	size_t batch = OCL_CHUNK, count[2] = { 0, 0 };
	cl_event *ev = NULL, mark[2] = { NULL, NULL }, gate = NULL;
	uint64_t done = 0;
	int cur = 0, ret = 0;
	cl_int rc;

	if (sum_ns) {
		batch = OCL_GATE_CMDS / ocl_cmds_per_iter(s);
		batch = batch < 1 ? 1 : batch > OCL_CHUNK ? OCL_CHUNK : batch;
		ev = calloc(2 * batch * n_ev, sizeof(*ev));
		if (!ev)
			return err_set(err, n_err, MC_ENOMEM, "opencl: out of "
				       "memory for profiling events on device "
				       "'%s'.", d->dev_name);
	}
	while (done < n_iters) {
		cl_event *slot = ev ? ev + (size_t)cur * batch * n_ev : NULL;
		size_t c = n_iters - done < batch ? (size_t)(n_iters - done) : batch;

		if (sum_ns && (ret = ocl_gate_open(d, &gate, err, n_err)) < 0)
			goto out;
		count[cur] = c;
		for (size_t i = 0; i < c; i++)
			if ((ret = ocl_enqueue_iter(d, s, slot ? slot + i * n_ev : NULL,
						    err, n_err)) < 0)
				goto out;
		if (!sum_ns && (rc = clEnqueueMarkerWithWaitList(d->queue, 0, NULL,
								 &mark[cur])) != CL_SUCCESS) {
			ret = err_set(err, n_err, MC_EIO, "opencl: enqueueing a "
				      "marker on device '%s' failed (%s).",
				      d->dev_name, ocl_errstr(rc));
			goto out;
		}
		ocl_gate_close(&gate);
		clFlush(d->queue);
		cur ^= 1;
		if (mark[cur]) {
			rc = clWaitForEvents(1, &mark[cur]);
			clReleaseEvent(mark[cur]);
			mark[cur] = NULL;
			if (rc != CL_SUCCESS) {
				ret = err_set(err, n_err, MC_EIO, "opencl: a kernel "
					      "failed on device '%s' (%s).",
					      d->dev_name, ocl_errstr(rc));
				goto out;
			}
		}
		if (ev && count[cur] &&
		    (ret = ocl_harvest(d, s, ev + (size_t)cur * batch * n_ev,
				       count[cur], sum_ns, err, n_err)) < 0)
			goto out;
		count[cur] = 0;
		done += c;
	}
	rc = clFinish(d->queue);
	if (rc != CL_SUCCESS) {
		ret = err_set(err, n_err, MC_EIO, "opencl: waiting for device "
			      "'%s' failed (%s).", d->dev_name, ocl_errstr(rc));
		goto out;
	}
	cur ^= 1;
	if (ev && count[cur])
		ret = ocl_harvest(d, s, ev + (size_t)cur * batch * n_ev,
				  count[cur], sum_ns, err, n_err);
out:
	/* Never return with a batch held or work in flight, even on error. */
	ocl_gate_close(&gate);
	clFinish(d->queue);
	for (int i = 0; i < 2; i++)
		if (mark[i])
			clReleaseEvent(mark[i]);
	for (size_t i = 0; ev && i < 2 * batch * n_ev; i++)
		if (ev[i])
			clReleaseEvent(ev[i]);
	free(ev);
	return ret;
}

/* The backend times itself (self_timed): the wall clock is the wall
 * pass's, on the runner's clock. While the runner samples, a device pass
 * of the same n iterations follows, as the CUDA peers' profiled second
 * pass does; calibration and warm-up make the wall pass alone. */
static int ocl_run(struct backend *b, void *state, uint64_t n_iters,
		   double *out_device_ns, char *err, size_t n_err)
{
	struct ocl_dev *d = b->impl;
	struct ocl_state *s = state;
	uint64_t t0, t1;
	double dev = 0;
	int ret;

	*out_device_ns = -1;
	s->last_device_ns = -1;
	if (s->host_step) {
		t0 = clock_now_ns();
		ret = ocl_run_serial(d, s, n_iters, &dev, err, n_err);
		t1 = clock_now_ns();
	} else {
		t0 = clock_now_ns();
		ret = ocl_pass(d, s, n_iters, NULL, err, n_err);
		t1 = clock_now_ns();
		if (ret == 0 && b->sampling)
			ret = ocl_pass(d, s, n_iters, &dev, err, n_err);
		else
			dev = -1;
	}
	if (ret < 0)
		return ret;
	/* the serial pass has both clocks; the runner reads the device one
	 * only of its samples, and only those are said to have one */
	s->last_device_ns = b->sampling ? dev : -1;
	*out_device_ns = (double)(t1 - t0);
	return 0;
}

static double ocl_self_device_ns(struct backend *b, void *state)
{
	(void)b;
	return ((const struct ocl_state *)state)->last_device_ns;
}

static int ocl_output(struct backend *b, void *state, float *out,
		      char *err, size_t n_err)
{
	struct ocl_dev *d = b->impl;
	struct ocl_state *s = state;
	cl_int rc;

	rc = clEnqueueReadBuffer(d->queue, s->out, CL_TRUE, 0,
				 s->out_len * sizeof(float), out, 0, NULL,
				 NULL);
	if (rc != CL_SUCCESS)
		return err_set(err, n_err, MC_EIO, "opencl: reading the output "
			       "back from device '%s' failed (%s).",
			       d->dev_name, ocl_errstr(rc));
	return 0;
}

static void ocl_release(struct backend *b, void *state)
{
	ocl_profile_write(b->impl, state);
	ocl_state_free(state);
}

/* ---------------------------------------------------------------- roofline */
static int ocl_roofline(struct backend *b, double *out_gflops,
			double *out_gbps, char *err, size_t n_err)
{
	struct ocl_dev *d = b->impl;
	double gflops = 0, gbps = 0;
	int ret;

	if (!d->probed) {
		if ((ret = ocl_probe_fma(d, &gflops, err, n_err)) < 0 ||
		    (ret = ocl_probe_triad(d, &gbps, err, n_err)) < 0)
			return ret;
		d->peak_gflops = gflops;
		d->peak_gbps = gbps;
		d->probed = 1;
	}
	*out_gflops = d->peak_gflops;
	*out_gbps = d->peak_gbps;
	return 0;
}

/* ---------------------------------------------------------------- describe */

/* Whether CLBlast serves this device: one 8 x 8 x 8 SGEMM, cached. */
static const char *ocl_clblast_status(struct ocl_dev *d)
{
	struct ocl_state s;
	char why[MC_ERRLEN];
	cl_int rc = CL_SUCCESS;
	size_t bytes = 64 * sizeof(float);

	if (d->clblast_probed)
		return d->clblast_note;
	memset(&s, 0, sizeof(s));
	s.m = s.n = s.k = 8;
	for (int i = 0; i < 3 && rc == CL_SUCCESS; i++) {
		cl_mem *m = i < 2 ? &s.in[i] : &s.out;

		*m = clCreateBuffer(d->ctx, CL_MEM_READ_WRITE, bytes, NULL, &rc);
		if (rc == CL_SUCCESS)
			rc = clEnqueueFillBuffer(d->queue, *m, &(cl_float){ 1 },
						 sizeof(cl_float), 0, bytes, 0,
						 NULL, NULL);
	}
	if (rc != CL_SUCCESS)
		snprintf(d->clblast_note, sizeof(d->clblast_note),
			 "untested (%s)", ocl_errstr(rc));
	else if (ocl_clblast_try(d, &s, why, sizeof(why)) < 0)
		snprintf(d->clblast_note, sizeof(d->clblast_note),
			 "unavailable: %.180s", why);
	else
		snprintf(d->clblast_note, sizeof(d->clblast_note),
			 "available");
	for (int i = 0; i < 2; i++)
		if (s.in[i])
			clReleaseMemObject(s.in[i]);
	if (s.out)
		clReleaseMemObject(s.out);
	d->clblast_probed = 1;
	return d->clblast_note;
}

static void ocl_describe(struct backend *b, cJSON *obj)
{
	struct ocl_dev *d = b->impl;
	char buf[256];
	cl_uint clock_mhz = 0;
	const char *kind = "other";
	cJSON *gemm;

	if (d->type & CL_DEVICE_TYPE_GPU)
		kind = "gpu";
	else if (d->type & CL_DEVICE_TYPE_CPU)
		kind = "cpu";
	else if (d->type & CL_DEVICE_TYPE_ACCELERATOR)
		kind = "accelerator";
	cJSON_AddStringToObject(obj, "kind", kind);
	cJSON_AddStringToObject(obj, "name", d->dev_name);
	ocl_dev_str(d->device, CL_DEVICE_VENDOR, buf, sizeof(buf));
	cJSON_AddStringToObject(obj, "vendor", buf);
	ocl_dev_str(d->device, CL_DEVICE_VERSION, buf, sizeof(buf));
	cJSON_AddStringToObject(obj, "version", buf);
	ocl_dev_str(d->device, CL_DRIVER_VERSION, buf, sizeof(buf));
	cJSON_AddStringToObject(obj, "driver", buf);
	ocl_dev_str(d->device, CL_DEVICE_OPENCL_C_VERSION, buf, sizeof(buf));
	cJSON_AddStringToObject(obj, "opencl_c_version", buf);
	ocl_plat_str(d->platform, CL_PLATFORM_NAME, buf, sizeof(buf));
	cJSON_AddStringToObject(obj, "platform", buf);
	ocl_plat_str(d->platform, CL_PLATFORM_VERSION, buf, sizeof(buf));
	cJSON_AddStringToObject(obj, "platform_version", buf);
	cJSON_AddNumberToObject(obj, "compute_units", d->compute_units);
	cJSON_AddNumberToObject(obj, "global_mem", (double)d->global_mem);
	cJSON_AddNumberToObject(obj, "local_mem", (double)d->local_mem);
	cJSON_AddNumberToObject(obj, "max_alloc", (double)d->max_alloc);
	cJSON_AddNumberToObject(obj, "max_work_group_size", (double)d->max_wg);
	if (clGetDeviceInfo(d->device, CL_DEVICE_MAX_CLOCK_FREQUENCY,
			    sizeof(clock_mhz), &clock_mhz, NULL) != CL_SUCCESS)
		clock_mhz = 0;
	cJSON_AddNumberToObject(obj, "max_clock_mhz", clock_mhz);
	cJSON_AddStringToObject(obj, "sm_clock", d->nvml_note);
	gemm = cJSON_AddObjectToObject(obj, "gemm");
	if (gemm) {
		cJSON_AddStringToObject(gemm, "own", "available");
		cJSON_AddStringToObject(gemm, "clblast",
					ocl_clblast_status(d));
		if (d->clblast_tuned)
			cJSON_AddStringToObject(gemm, "clblast_tuning",
						d->clblast_tuning);
		cJSON_AddStringToObject(gemm, "clblast_timing",
					"device time from the end of a marker "
					"kernel to the end of the CLBlast "
					"call");
	}
}

/* ---------------------------------------------------------------- family */

void ocl_destroy(struct backend *b)
{
	struct ocl_dev *d;

	if (!b)
		return;
	d = b->impl;
	if (d) {
		if (d->queue)
			clFinish(d->queue);
		/* CLBlast caches programs per context; drop them before the
		 * context goes (this clears its cache for every device). */
		if (d->clblast_used)
			CLBlastClearCache();
		if (d->program)
			clReleaseProgram(d->program);
		if (d->queue)
			clReleaseCommandQueue(d->queue);
		if (d->ctx)
			clReleaseContext(d->ctx);
		ocl_nvml_close(d->nvml);
		free(d);
	}
	free(b);
}

int backend_opencl_build_test(struct backend *b, const char *source,
			      char *err, size_t n_err)
{
	cl_program prog = NULL;
	int ret;

	if (!b || b->ops != &ocl_ops)
		return err_set(err, n_err, MC_EINVAL, "opencl: build test "
			       "called on a backend that is not an OpenCL "
			       "instance.");
	ret = ocl_build(b->impl, &source, 1, &prog, err, n_err);
	if (prog)
		clReleaseProgram(prog);
	return ret;
}

/* The device memory of a prepared state: the sizes of its buffers (inputs,
 * output, intermediates), as the driver reports them; what CLBlast
 * allocates for itself is not counted. The host's resident memory is the
 * runner's to measure (it is this process's). */
static void ocl_memory(struct backend *b, void *state, int64_t *out_peak_rss,
		       int64_t *out_base_rss, int64_t *out_device_bytes)
{
	struct ocl_state *s = state;
	size_t n;
	int64_t total = 0;

	(void)b;
	*out_peak_rss = *out_base_rss = *out_device_bytes = -1;
	if (!s)
		return;
	n = WORKLOAD_MAX_BUFS + 1 + s->n_tmp;
	for (size_t i = 0; i < n; i++) {
		cl_mem m = i < WORKLOAD_MAX_BUFS ? s->in[i] :
			   i == WORKLOAD_MAX_BUFS ? s->out :
			   s->tmp[i - WORKLOAD_MAX_BUFS - 1];
		size_t bytes = 0;

		if (m && clGetMemObjectInfo(m, CL_MEM_SIZE, sizeof(bytes),
					    &bytes, NULL) == CL_SUCCESS)
			total += (int64_t)bytes;
	}
	if (total > 0)
		*out_device_bytes = total;
}

static double ocl_clock_mhz(struct backend *b)
{
	return ocl_nvml_sm_clock(((struct ocl_dev *)b->impl)->nvml);
}

const struct backend_ops ocl_ops = {
	.supports = ocl_supports,
	.variants = ocl_variants,
	.prepare = ocl_prepare,
	.run = ocl_run,
	.self_device_ns = ocl_self_device_ns,
	.output = ocl_output,
	.release = ocl_release,
	.memory = ocl_memory,
	.clock_mhz = ocl_clock_mhz,
	.roofline = ocl_roofline,
	.describe = ocl_describe,
	.destroy = ocl_destroy,
};

const struct backend_family backend_opencl = {
	.name = "opencl",
	.summary = "every OpenCL device (own kernels, CLBlast SGEMM)",
	.discover = ocl_discover,
};
