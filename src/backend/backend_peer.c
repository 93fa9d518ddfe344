/*
 * backend_peer.c - the "mlx" and "torch" backends: peer frameworks (MLX and
 * PyTorch, on the CPU and on every other device the framework sees, e.g.
 * CUDA) measured through the same runner as every other backend.
 *
 * Each family has an instance on the CPU, named after the family ("torch"),
 * and one per device that the CPU adapter's hello lists ("devices"), named
 * the way OpenCL devices are: "torch:cuda:NVIDIA H200". A listed device
 * whose own adapter cannot start is left out with a note, never invented.
 *
 * Each family starts one persistent Python adapter (suites/peers/peer.py,
 * see its header for the protocol) and talks to it over two pipes, one JSON
 * object per line each way (the process and the line protocol are
 * peer_proc.c's). The workload's own seeded input buffers are
 * handed over as raw little-endian float32 files in a private temporary
 * directory, never regenerated on the Python side; the adapter reports the
 * shapes it built and they are checked against the workload's plan. The
 * adapter times its own loop (perf_counter_ns around n iterations, each one
 * forced to completion, and on a GPU the wait for the device), so the
 * instance is self_timed: pipe round trips are not charged to the peer, and
 * the runner still checks that the reported time fits inside its own wall
 * clock. A device instance whose adapter reports "device_clock" (torch on
 * CUDA: events around the loop) also has a device clock. Its roofline is
 * the adapter's (the framework's fp32 GEMM and triad on the device), the
 * CPU instance's mcbench's own CPU probes.
 *
 * Variants: a hello may list, per kernel, the variants the instance offers
 * besides the fp32 default ("variants": {"rope": ["fp16"]}); the instance
 * measures fp16 (WORKLOAD_FP16) where its hello lists it and the kernel
 * spec states fp16 tolerances, and refuses any variant its hello does not
 * list (MC_ENOTSUP: the result is skipped).
 *
 * Finding no interpreter, no adapter or no importable package is not an
 * error: the family then has no instance and a note says why.
 *
 * Environment: MCBENCH_PYTHON (the interpreter), MCBENCH_PEERS (a directory
 * holding peer.py, or an adapter .py file), MCBENCH_PEER_TIMEOUT (seconds
 * one request may take, default PEER_TIMEOUT_S), TMPDIR.
 */
#include "backend.h"
#include "err.h"
#include "cpu/cpu.h"
#include "peer_proc.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef MC_DATADIR
#define MC_DATADIR "/usr/local/share/mcbench"
#endif

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "backend_peer.c hands floats over as raw little-endian float32"
#endif

/* Seconds one request may take before the adapter is declared hung
 * (MCBENCH_PEER_TIMEOUT overrides). The runner keeps calls near the
 * sample target, but one iteration of a large workload on a slow peer
 * may take minutes before the budget check can skip it. */
#define PEER_TIMEOUT_S 900

struct peer_kind {
	const char *family;     /* "mlx": family, instance and --peer name */
	const char *label;      /* "MLX": how the device is named */
};

static const struct peer_kind kind_mlx = { "mlx", "MLX" };
static const struct peer_kind kind_torch = { "torch", "PyTorch" };

struct peer {
	const struct peer_kind *kind;
	struct peer_proc *proc;    /* the adapter process; NULL until made */
	char dir[PATH_MAX];        /* private temporary directory */
	char python[PATH_MAX];
	char adapter[PATH_MAX];
	char device[16];           /* "" on the CPU, else --device's value */
	cJSON *hello;              /* the adapter's hello reply */
};

struct peer_state {
	size_t output_len;
	double device_ns;          /* of the last run; -1 when none */
	struct noise_sample noise; /* the adapter's own, of the last run */
	/* memory, as the adapter reports it (-1 unknown): its process's
	 * resident bytes at prepare, then, from the last run, its high-water
	 * mark since and the device's peak allocation */
	int64_t base_rss, peak_rss, device_bytes;
};

/* A byte count member of a reply, -1 when absent or not a positive
 * number (an adapter without memory reports, or a platform without
 * /proc). */
static int64_t reply_bytes(const cJSON *reply, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(reply, key);

	return cJSON_IsNumber(v) && v->valuedouble >= 1 && v->valuedouble < 9e18 ?
	       (int64_t)v->valuedouble : -1;
}

/* ------------------------------------------------------------ finding */

static int is_executable(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

static int is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Looks name up in $PATH (names with a '/' are taken as they are). */
static int find_in_path(const char *name, char *out, size_t n_out)
{
	const char *path = getenv("PATH");

	if (strchr(name, '/')) {
		snprintf(out, n_out, "%s", name);
		return is_executable(out) ? 0 : -1;
	}
	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	while (*path) {
		size_t len = strcspn(path, ":");

		if (len > 0 && (size_t)snprintf(out, n_out, "%.*s/%s", (int)len,
						path, name) < n_out &&
		    is_executable(out))
			return 0;
		path += len;
		if (*path == ':')
			path++;
	}
	return -1;
}

/* The interpreter: $MCBENCH_PYTHON, else ./.venv/bin/python3 (made by
 * `make suite`), else python3 on PATH. A note in why when there is none. */
static int find_python(char *out, size_t n_out, char *why, size_t n_why)
{
	const char *env = getenv("MCBENCH_PYTHON");

	if (env && *env) {
		if (find_in_path(env, out, n_out) == 0)
			return 0;
		return err_set(why, n_why, MC_ENODEV,
			       "skipped: MCBENCH_PYTHON=%s is not an executable "
			       "interpreter", env);
	}
	/* not realpath: the venv's python3 is a symlink to the system
	 * interpreter, and following it would lose the venv */
	if (is_executable(".venv/bin/python3")) {
		if (getcwd(out, n_out) && strlen(out) + 20 < n_out) {
			strcat(out, "/.venv/bin/python3");
			return 0;
		}
	}
	if (find_in_path("python3", out, n_out) == 0)
		return 0;
	return err_set(why, n_why, MC_ENODEV,
		       "skipped: no Python interpreter (MCBENCH_PYTHON unset, no "
		       ".venv/bin/python3, no python3 on PATH)");
}

/* The adapter: $MCBENCH_PEERS (a directory holding peer.py, or a .py file
 * itself), else ./suites/peers/peer.py, else MC_DATADIR/suites/peers/peer.py. */
static int find_adapter(char *out, size_t n_out, char *why, size_t n_why)
{
	const char *env = getenv("MCBENCH_PEERS");
	char rel[PATH_MAX];

	if (env && *env) {
		size_t len = strlen(env);

		if (len > 3 && strcmp(env + len - 3, ".py") == 0)
			snprintf(rel, sizeof(rel), "%s", env);
		else
			snprintf(rel, sizeof(rel), "%s/peer.py", env);
		if (!is_file(rel))
			return err_set(why, n_why, MC_ENODEV,
				       "skipped: no adapter %s (from MCBENCH_PEERS)", rel);
	} else if (is_file("suites/peers/peer.py")) {
		snprintf(rel, sizeof(rel), "suites/peers/peer.py");
	} else {
		snprintf(rel, sizeof(rel), "%s/suites/peers/peer.py", MC_DATADIR);
		if (!is_file(rel))
			return err_set(why, n_why, MC_ENODEV,
				       "skipped: no adapter (suites/peers/peer.py, "
				       "%s; set MCBENCH_PEERS)", rel);
	}
	/* absolute, so the adapter's own cwd never matters */
	if (!realpath(rel, out))
		return err_set(why, n_why, MC_ENODEV, "skipped: adapter %s: %s",
			       rel, strerror(errno));
	(void)n_out;
	return 0;
}

static const char *hello_str(const struct peer *p, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(p->hello, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Starts the adapter and greets it. MC_ENODEV (with a note-worthy reason)
 * when the framework is not importable, MC_EIO/MC_EINVAL when the adapter
 * is broken. */
static int peer_start(struct peer *p, char *err, size_t n_err)
{
	cJSON *reply = NULL;
	const cJSON *v;
	int rc;

	if ((rc = peer_proc_spawn(p->proc, err, n_err)))
		return rc;
	/* a device's adapter must say it runs there */
	rc = peer_proc_call(p->proc, peer_proc_request("hello"), &reply, "hello", err, n_err);
	if (rc) {
		v = cJSON_GetObjectItemCaseSensitive(reply, "unavailable");
		if (cJSON_IsTrue(v)) {
			const cJSON *m = cJSON_GetObjectItemCaseSensitive(reply, "error");

			rc = peer_proc_one_line(err_set(err, n_err, MC_ENODEV, "skipped: %s",
					      cJSON_IsString(m) ? m->valuestring :
					      "not importable"), err);
		}
		goto fail;
	}
	v = cJSON_GetObjectItemCaseSensitive(reply, "peer");
	if (!cJSON_IsString(v) || strcmp(v->valuestring, p->kind->family) != 0 ||
	    !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(reply, "version")) ||
	    !cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(reply, "kernels"))) {
		rc = err_set(err, n_err, MC_EINVAL, "%s: the adapter %s answered "
			     "hello without peer \"%s\", a version and a kernel list",
			     p->kind->family, p->adapter, p->kind->family);
		goto fail;
	}
	v = cJSON_GetObjectItemCaseSensitive(reply, "device");
	if (p->device[0] && (!cJSON_IsString(v) || strcmp(v->valuestring, p->device))) {
		rc = err_set(err, n_err, MC_EINVAL, "%s: the adapter %s was asked "
			     "for device %s but its hello names %s", p->kind->family,
			     p->adapter, p->device,
			     cJSON_IsString(v) ? v->valuestring : "none");
		goto fail;
	}
	cJSON_Delete(p->hello);
	p->hello = reply;
	return 0;
fail:
	cJSON_Delete(reply);
	peer_proc_stop(p->proc, 1, 3000);
	return rc;
}

/* ---------------------------------------------------------- the ops */

static int peer_supports(struct backend *b, const char *kernel)
{
	struct peer *p = b->impl;
	const cJSON *k;

	cJSON_ArrayForEach(k, cJSON_GetObjectItemCaseSensitive(p->hello, "kernels"))
		if (cJSON_IsString(k) && strcmp(k->valuestring, kernel) == 0)
			return 1;
	return 0;
}

/* Whether the instance's hello lists variant for kernel ("variants":
 * {kernel: [names]}; see peer.py). */
static int peer_offers(const struct peer *p, const char *kernel,
		       const char *variant)
{
	const cJSON *v, *list = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(p->hello, "variants"), kernel);

	cJSON_ArrayForEach(v, list)
		if (cJSON_IsString(v) && strcmp(v->valuestring, variant) == 0)
			return 1;
	return 0;
}

/* The fp32 default and fp16, where the instance offers fp16 for kernel
 * and the kernel states fp16 tolerances (an fp16 result it could not
 * validate is not measured). Static storage: the hello is replaced when
 * an adapter restarts, the plan keeps these pointers. Other variant
 * names a hello may list mean nothing to the runner and are ignored. */
static const char *const *peer_variants(struct backend *b, const char *kernel)
{
	static const char *const with_fp16[] = { "", WORKLOAD_FP16, NULL };
	const struct kernel_spec *spec = workload_find(kernel);

	return spec && spec->fp16 && peer_offers(b->impl, kernel, WORKLOAD_FP16) ?
	       with_fp16 : NULL;
}

static int write_floats(const char *path, const float *x, size_t n,
			char *err, size_t n_err)
{
	FILE *f = fopen(path, "wb");
	int bad;

	if (!f)
		return err_set(err, n_err, MC_EIO, "cannot create %s: %s", path,
			       strerror(errno));
	bad = fwrite(x, sizeof(float), n, f) != n;
	bad |= fclose(f) != 0;
	if (bad) {
		unlink(path);
		return err_set(err, n_err, MC_EIO, "cannot write %zu floats to %s "
			       "(disk full?)", n, path);
	}
	return 0;
}

static void format_shape(const cJSON *shape, char *out, size_t n_out)
{
	size_t len = 0;
	const cJSON *d;

	len += (size_t)snprintf(out, n_out, "[");
	cJSON_ArrayForEach(d, shape)
		if (len < n_out)
			len += (size_t)snprintf(out + len, n_out - len, "%s%.0f",
						d == shape->child ? "" : ",",
						cJSON_IsNumber(d) ? d->valuedouble : -1.0);
	if (len < n_out)
		snprintf(out + len, n_out - len, "]");
}

/* The shape want as a JSON array, or NULL when out of memory. */
static cJSON *shape_json(const struct workload_shape *want)
{
	cJSON *a = cJSON_CreateArray();

	for (size_t d = 0; a && d < want->n_dims; d++) {
		cJSON *n = cJSON_CreateNumber((double)want->dims[d]);

		if (!n || !cJSON_AddItemToArray(a, n)) {
			cJSON_Delete(n);
			cJSON_Delete(a);
			a = NULL;
		}
	}
	return a;
}

/* Adds want to obj as key; 0 when out of memory (nothing leaks). */
static int add_shape(cJSON *obj, const char *key,
		     const struct workload_shape *want)
{
	cJSON *a = shape_json(want);

	if (a && cJSON_AddItemToObject(obj, key, a))
		return 1;
	cJSON_Delete(a);
	return 0;
}

/* Whether the peer's shape (already known to hold as many floats) has the
 * dimensions of want. */
static int same_dims(const cJSON *shape, const struct workload_shape *want)
{
	const cJSON *d;
	size_t i = 0;

	cJSON_ArrayForEach(d, shape)
		if (i >= want->n_dims || d->valuedouble != (double)want->dims[i++])
			return 0;
	return i == want->n_dims;
}

/* Checks that the peer built `what` with the shape want (want_len floats). */
static int check_shape(const struct peer *p, const cJSON *shapes,
		       const char *what, const struct workload_shape *want_shape,
		       size_t want_len, char *err, size_t n_err)
{
	const cJSON *shape = cJSON_GetObjectItemCaseSensitive(shapes, what);
	const cJSON *d;
	char text[128];
	double count = 1;
	size_t want = want_len;

	if (!cJSON_IsArray(shape))
		return err_set(err, n_err, MC_EVALID, "%s reported no shape for %s; "
			       "the workload defines %zu floats", p->kind->family,
			       what, want);
	cJSON_ArrayForEach(d, shape) {
		if (!cJSON_IsNumber(d) || !(d->valuedouble >= 0) ||
		    d->valuedouble > 9007199254740992.0 ||
		    d->valuedouble != floor(d->valuedouble))
			count = -1;
		else if (count >= 0)
			count *= d->valuedouble;
	}
	if (count == (double)want) {
		cJSON *w = NULL;
		char wtext[128];

		if (same_dims(shape, want_shape))
			return 0;
		format_shape(shape, text, sizeof(text));
		if (!(w = shape_json(want_shape)))
			return err_set(err, n_err, MC_ENOMEM, "%s: out of memory "
				       "checking the shape of %s",
				       p->kind->family, what);
		format_shape(w, wtext, sizeof(wtext));
		cJSON_Delete(w);
		return err_set(err, n_err, MC_EVALID, "%s ran %s with shape %s "
			       "but the workload defines shape %s",
			       p->kind->family, what, text, wtext);
	}
	format_shape(shape, text, sizeof(text));
	return err_set(err, n_err, MC_EVALID, "%s ran %s with shape %s (%.0f floats) "
		       "but the workload defines %zu floats", p->kind->family, what,
		       text, count, want);
}

static int peer_prepare(struct backend *b, const struct workload *w,
			const char *variant, void **out_state,
			char *err, size_t n_err)
{
	struct peer *p = b->impl;
	const struct kernel_spec *spec = w->spec;
	char paths[WORKLOAD_MAX_BUFS][PATH_MAX + 16];
	struct peer_state *s = NULL;
	cJSON *req = NULL, *reply = NULL, *params, *inputs;
	size_t n_written = 0;
	int rc = 0;

	*out_state = NULL;
	if (!variant)
		variant = "";
	if (variant[0] && !peer_offers(p, spec->name, variant))
		return err_set(err, n_err, MC_ENOTSUP, "%s: kernel %s has no "
			       "variant '%s' on this instance", b->name, spec->name,
			       variant);
	/* an adapter that died on an earlier workload gets one fresh start */
	if (!peer_proc_running(p->proc) && (rc = peer_start(p, err, n_err)))
		return rc == MC_ENODEV ? MC_EIO : rc;
	req = peer_proc_request("prepare");
	if (!req || !cJSON_AddStringToObject(req, "kernel", spec->name) ||
	    !(params = cJSON_AddObjectToObject(req, "params")) ||
	    !cJSON_AddStringToObject(req, "variant", variant) ||
	    !(inputs = cJSON_AddArrayToObject(req, "inputs")) ||
	    !cJSON_AddNumberToObject(req, "output_len", (double)w->plan.output_len) ||
	    !add_shape(req, "output_shape", &w->plan.output_shape))
		goto nomem;
	for (size_t i = 0; spec->param_names[i]; i++)
		if (!cJSON_AddNumberToObject(params, spec->param_names[i],
					     (double)w->params[i]))
			goto nomem;
	for (size_t i = 0; i < w->plan.n_inputs; i++) {
		cJSON *in = cJSON_CreateObject();
		char name[32];

		snprintf(name, sizeof(name), "in%zu.bin", i);
		peer_proc_path(p->dir, name, paths[i], sizeof(paths[i]));
		if (!in)
			goto nomem;
		if (!cJSON_AddItemToArray(inputs, in)) {
			cJSON_Delete(in);
			goto nomem;
		}
		if (!cJSON_AddStringToObject(in, "name", spec->input_names[i]) ||
		    !cJSON_AddNumberToObject(in, "len", (double)w->plan.input_len[i]) ||
		    !add_shape(in, "shape", &w->plan.input_shape[i]) ||
		    !cJSON_AddStringToObject(in, "path", paths[i]))
			goto nomem;
		rc = write_floats(paths[i], w->inputs[i], w->plan.input_len[i],
				  err, n_err);
		if (rc)
			goto out;
		n_written = i + 1;
	}
	rc = peer_proc_call(p->proc, req, &reply, "prepare", err, n_err);
	req = NULL;
	if (rc)
		goto out;
	{
		const cJSON *shapes = cJSON_GetObjectItemCaseSensitive(reply, "shapes");

		for (size_t i = 0; i < w->plan.n_inputs && !rc; i++)
			rc = check_shape(p, shapes, spec->input_names[i],
					 &w->plan.input_shape[i],
					 w->plan.input_len[i], err, n_err);
		if (!rc)
			rc = check_shape(p, shapes, "output", &w->plan.output_shape,
					 w->plan.output_len, err, n_err);
	}
	if (rc) {
		cJSON *r2 = NULL;
		char e2[MC_ERRLEN];

		peer_proc_call(p->proc, peer_proc_request("release"), &r2, "release", e2, sizeof(e2));
		cJSON_Delete(r2);
		goto out;
	}
	if (!(s = calloc(1, sizeof(*s))))
		goto nomem;
	s->output_len = w->plan.output_len;
	s->device_ns = -1;
	noise_sample_unknown(&s->noise);
	s->base_rss = reply_bytes(reply, "base_rss");
	s->peak_rss = s->device_bytes = -1;
	*out_state = s;
	goto out;
nomem:
	rc = err_set(err, n_err, MC_ENOMEM, "%s: out of memory preparing %s",
		     p->kind->family, spec->name);
out:
	for (size_t i = 0; i < n_written; i++)
		unlink(paths[i]);
	cJSON_Delete(req);
	cJSON_Delete(reply);
	return rc;
}

/* A count the adapter may report: a non-negative integer, else -1. */
static int64_t peer_count(const cJSON *reply, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(reply, key);

	if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0) || v->valuedouble > 9e15 ||
	    v->valuedouble != floor(v->valuedouble))
		return -1;
	return (int64_t)v->valuedouble;
}

/* The optional noise members of a run reply ("nvcsw", "nivcsw": the
 * adapter's own context switches over the call; "sm_clock_mhz": the GPU's
 * SM clock around it). Observations, not the measurement: one that is
 * absent or malformed is unknown, never an error. */
static void peer_read_noise(const cJSON *reply, struct noise_sample *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(reply, "sm_clock_mhz");

	out->nvcsw = peer_count(reply, "nvcsw");
	out->nivcsw = peer_count(reply, "nivcsw");
	if (cJSON_IsNumber(v) && isfinite(v->valuedouble) && v->valuedouble > 0)
		out->sm_clock_mhz = v->valuedouble;
}

static int peer_run(struct backend *b, void *state, uint64_t n_iters,
		    double *out_device_ns, char *err, size_t n_err)
{
	struct peer *p = b->impl;
	struct peer_state *s = state;
	cJSON *req = peer_proc_request("run"), *reply = NULL;
	const cJSON *ns, *dev;
	int rc;

	*out_device_ns = -1;
	s->device_ns = -1;
	noise_sample_unknown(&s->noise);
	if (req && (!cJSON_AddNumberToObject(req, "n", (double)n_iters) ||
		    (b->sampling && b->has_device_clock &&
		     !cJSON_AddTrueToObject(req, "device")) ||
		    (b->sampling && !cJSON_AddTrueToObject(req, "noise")))) {
		cJSON_Delete(req);
		req = NULL;
	}
	rc = peer_proc_call(p->proc, req, &reply, "run", err, n_err);
	if (rc)
		goto out;
	ns = cJSON_GetObjectItemCaseSensitive(reply, "ns");
	if (!cJSON_IsNumber(ns) || !(ns->valuedouble >= 0)) {
		rc = err_set(err, n_err, MC_EINVAL, "%s: the adapter's run reply "
			     "has no elapsed time \"ns\"", p->kind->family);
		goto out;
	}
	*out_device_ns = ns->valuedouble;
	dev = cJSON_GetObjectItemCaseSensitive(reply, "device_ns");
	if (cJSON_IsNumber(dev) && dev->valuedouble >= 0)
		s->device_ns = dev->valuedouble;
	peer_read_noise(reply, &s->noise);
	s->peak_rss = reply_bytes(reply, "peak_rss");
	s->device_bytes = reply_bytes(reply, "device_bytes");
out:
	cJSON_Delete(reply);
	return rc;
}

static double peer_self_device_ns(struct backend *b, void *state)
{
	struct peer_state *s = state;

	(void)b;
	return s ? s->device_ns : -1;
}

static void peer_self_noise(struct backend *b, void *state, struct noise_sample *out)
{
	const struct peer_state *s = state;

	(void)b;
	if (s)
		*out = s->noise;
	else
		noise_sample_unknown(out);
}

static void peer_memory(struct backend *b, void *state, int64_t *out_peak_rss,
			int64_t *out_base_rss, int64_t *out_device_bytes)
{
	struct peer_state *s = state;

	(void)b;
	*out_peak_rss = s ? s->peak_rss : -1;
	*out_base_rss = s && s->peak_rss > 0 ? s->base_rss : -1;
	*out_device_bytes = s ? s->device_bytes : -1;
}

static int peer_output(struct backend *b, void *state, float *out,
		       char *err, size_t n_err)
{
	struct peer *p = b->impl;
	struct peer_state *s = state;
	char path[PATH_MAX + 16];
	cJSON *req = peer_proc_request("output"), *reply = NULL;
	FILE *f = NULL;
	struct stat st;
	int rc;

	peer_proc_path(p->dir, "out.bin", path, sizeof(path));
	unlink(path);
	if (req && !cJSON_AddStringToObject(req, "path", path)) {
		cJSON_Delete(req);
		req = NULL;
	}
	if ((rc = peer_proc_call(p->proc, req, &reply, "output", err, n_err)))
		goto out;
	f = fopen(path, "rb");
	if (!f || fstat(fileno(f), &st)) {
		rc = err_set(err, n_err, MC_EIO, "%s: the adapter wrote no output "
			     "file %s: %s", p->kind->family, path, strerror(errno));
		goto out;
	}
	if ((unsigned long long)st.st_size != s->output_len * sizeof(float)) {
		rc = err_set(err, n_err, MC_EVALID, "%s wrote %lld bytes of output "
			     "(%lld floats) but the workload defines %zu floats",
			     p->kind->family, (long long)st.st_size,
			     (long long)st.st_size / 4, s->output_len);
		goto out;
	}
	if (fread(out, sizeof(float), s->output_len, f) != s->output_len)
		rc = err_set(err, n_err, MC_EIO, "%s: short read of %s",
			     p->kind->family, path);
out:
	if (f)
		fclose(f);
	unlink(path);
	cJSON_Delete(reply);
	return rc;
}

static void peer_release(struct backend *b, void *state)
{
	struct peer *p = b->impl;
	cJSON *reply = NULL;
	char e[MC_ERRLEN];

	if (!state)
		return;
	if (peer_proc_running(p->proc))
		peer_proc_call(p->proc, peer_proc_request("release"), &reply, "release", e, sizeof(e));
	cJSON_Delete(reply);
	free(state);
}

/* The CPU instance runs on this CPU: its probes bound it too. A device
 * instance asks its adapter, which measures the device through the
 * framework (see peer.py's roofline). */
static int peer_roofline(struct backend *b, double *out_gflops, double *out_gbps,
			 char *err, size_t n_err)
{
	struct peer *p = b->impl;
	cJSON *reply = NULL;
	const cJSON *g, *bw;
	int rc;

	if (!p->device[0])
		return cpu_roofline(out_gflops, out_gbps, err, n_err);
	*out_gflops = *out_gbps = -1;
	rc = peer_proc_call(p->proc, peer_proc_request("roofline"), &reply,
			    "roofline", err, n_err);
	if (rc)
		goto out;
	g = cJSON_GetObjectItemCaseSensitive(reply, "gflops");
	bw = cJSON_GetObjectItemCaseSensitive(reply, "gbps");
	if (!cJSON_IsNumber(g) || !cJSON_IsNumber(bw) || !(g->valuedouble > 0) ||
	    !(bw->valuedouble > 0)) {
		rc = err_set(err, n_err, MC_EINVAL, "%s: the adapter's roofline "
			     "reply has no positive \"gflops\" and \"gbps\"", b->name);
		goto out;
	}
	*out_gflops = g->valuedouble;
	*out_gbps = bw->valuedouble;
out:
	cJSON_Delete(reply);
	return rc;
}

static void peer_describe(struct backend *b, cJSON *obj)
{
	struct peer *p = b->impl;
	const char *version = hello_str(p, "version");
	const char *python = hello_str(p, "python"), *numpy = hello_str(p, "numpy");
	const char *device = hello_str(p, "device");
	const char *dev_name = hello_str(p, "device_name");
	const char *precision = hello_str(p, "precision");
	const cJSON *threads = cJSON_GetObjectItemCaseSensitive(p->hello, "threads");
	const cJSON *settings = cJSON_GetObjectItemCaseSensitive(p->hello,
								 "thread_settings");
	struct cpu_info ci;
	char text[256];

	cpu_info_read(&ci);
	cJSON_AddStringToObject(obj, "kind", "peer");
	snprintf(text, sizeof(text), "%s %s (%s)", p->kind->label,
		 version ? version : "?", !p->device[0] ? "CPU" :
		 dev_name ? dev_name : device ? device : "?");
	cJSON_AddStringToObject(obj, "name", text);
	{
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(
			cJSON_GetObjectItemCaseSensitive(p->hello, "device_facts"), "vendor");

		cJSON_AddStringToObject(obj, "vendor", p->device[0] && cJSON_IsString(v) ?
					v->valuestring : ci.vendor);
	}
	cJSON_AddStringToObject(obj, "version", version ? version : "unknown");
	snprintf(text, sizeof(text), "Python %s, numpy %s", python ? python : "?",
		 numpy ? numpy : "?");
	cJSON_AddStringToObject(obj, "driver", text);
	cJSON_AddStringToObject(obj, "cpu", ci.model);
	{
		/* a device's own, where its adapter says; else this host's */
		const cJSON *facts = cJSON_GetObjectItemCaseSensitive(p->hello,
								      "device_facts");
		const cJSON *cu = cJSON_GetObjectItemCaseSensitive(facts, "compute_units");
		const cJSON *mem = cJSON_GetObjectItemCaseSensitive(facts, "global_mem");
		const cJSON *cap = cJSON_GetObjectItemCaseSensitive(facts, "capability");

		cJSON_AddNumberToObject(obj, "compute_units", p->device[0] &&
					cJSON_IsNumber(cu) ? cu->valuedouble :
					(double)ci.n_cpus);
		cJSON_AddNumberToObject(obj, "global_mem", p->device[0] &&
					cJSON_IsNumber(mem) ? mem->valuedouble :
					(double)ci.mem_total_bytes);
		if (p->device[0] && cJSON_IsString(cap))
			cJSON_AddStringToObject(obj, "capability", cap->valuestring);
	}
	if (ci.cache_bytes > 0)
		cJSON_AddNumberToObject(obj, "cache_bytes", (double)ci.cache_bytes);
	if (python)
		cJSON_AddStringToObject(obj, "python", python);
	if (numpy)
		cJSON_AddStringToObject(obj, "numpy", numpy);
	if (cJSON_IsNumber(threads))
		cJSON_AddNumberToObject(obj, "threads", threads->valuedouble);
	if (settings)
		cJSON_AddItemToObject(obj, "thread_settings",
				      cJSON_Duplicate(settings, 1));
	cJSON_AddStringToObject(obj, "device", p->device[0] ? p->device : "cpu");
	if (p->device[0] && dev_name)
		cJSON_AddStringToObject(obj, "device_name", dev_name);
	if (precision)
		cJSON_AddStringToObject(obj, "precision", precision);
	if (p->device[0])
		cJSON_AddStringToObject(obj, "roofline", "the adapter's: the "
					"framework's fp32 GEMM (no TF32) and triad "
					"on the device");
	cJSON_AddStringToObject(obj, "interpreter", p->python);
	cJSON_AddStringToObject(obj, "adapter", p->adapter);
}

/* Stops the adapter and removes the temporary directory and its files. */
static void peer_free(struct peer *p)
{
	static const char *const files[] = { "stderr.log", "out.bin", NULL };
	char path[PATH_MAX + 16];

	if (!p)
		return;
	/* the adapter goes first: its stderr.log is in dir */
	peer_proc_destroy(p->proc);
	if (p->dir[0]) {
		for (size_t i = 0; files[i]; i++) {
			peer_proc_path(p->dir, files[i], path, sizeof(path));
			unlink(path);
		}
		for (size_t i = 0; i < WORKLOAD_MAX_BUFS; i++) {
			char name[32];

			snprintf(name, sizeof(name), "in%zu.bin", i);
			peer_proc_path(p->dir, name, path, sizeof(path));
			unlink(path);
		}
		rmdir(p->dir);
	}
	cJSON_Delete(p->hello);
	free(p);
}

static void peer_destroy(struct backend *b)
{
	if (!b)
		return;
	peer_free(b->impl);
	free(b);
}

static const struct backend_ops peer_ops = {
	.supports = peer_supports,
	.variants = peer_variants,
	.prepare = peer_prepare,
	.run = peer_run,
	.output = peer_output,
	.release = peer_release,
	.self_device_ns = peer_self_device_ns,
	.self_noise = peer_self_noise,
	.memory = peer_memory,
	.roofline = peer_roofline,
	.describe = peer_describe,
	.destroy = peer_destroy,
};

static int peer_timeout(void)
{
	const char *env = getenv("MCBENCH_PEER_TIMEOUT");
	long v = env ? strtol(env, NULL, 10) : 0;

	return v > 0 && v < INT_MAX / 1000 ? (int)v : PEER_TIMEOUT_S;
}

/* Makes one instance of kind on device ("" for the CPU): its own temporary
 * directory and adapter process, greeted. *out NULL with the reason in err
 * (a sentence beginning "skipped: ") when it cannot run; nonzero only when
 * out of memory. */
static int peer_make(const struct peer_kind *kind, const char *device,
		     struct backend **out, char *err, size_t n_err)
{
	struct peer *p = NULL;
	struct backend *b = NULL;
	const char *tmp = getenv("TMPDIR");
	int rc;

	*out = NULL;
	if (!(p = calloc(1, sizeof(*p))) || !(b = calloc(1, sizeof(*b)))) {
		free(p);
		return err_set(err, n_err, MC_ENOMEM, "%s: out of memory creating "
			       "the backend", kind->family);
	}
	p->kind = kind;
	snprintf(p->device, sizeof(p->device), "%s", device);
	if (find_python(p->python, sizeof(p->python), err, n_err) ||
	    find_adapter(p->adapter, sizeof(p->adapter), err, n_err))
		goto skip;
	snprintf(p->dir, sizeof(p->dir), "%s/mcbench-%s%s%s-XXXXXX",
		 tmp && *tmp ? tmp : "/tmp", kind->family, device[0] ? "-" : "",
		 device);
	if (!mkdtemp(p->dir)) {
		err_set(err, n_err, MC_EIO, "skipped: cannot create a temporary "
			"directory %s: %s", p->dir, strerror(errno));
		p->dir[0] = '\0';
		goto skip;
	}
	if ((rc = peer_proc_create(kind->family, p->python, p->adapter, p->dir,
				   peer_timeout(), &p->proc, err, n_err)) ||
	    (rc = peer_proc_set_device(p->proc, device, err, n_err))) {
		peer_free(p);
		free(b);
		return rc == MC_ENOMEM ? rc : 0;
	}
	rc = peer_start(p, err, n_err);
	if (rc) {
		/* A missing package is the common case; a broken adapter is
		 * noted the same way so `make suite` still measures the rest,
		 * and the note (stored in run.notes) says what broke. */
		if (rc != MC_ENODEV && err && n_err) {
			char why[MC_ERRLEN];
			size_t len = strlen(kind->family);

			snprintf(why, sizeof(why), "%s", err);
			err_set(err, n_err, rc, "skipped: %s",
				strncmp(why, kind->family, len) == 0 &&
				why[len] == ':' ? why + len + 1 + (why[len + 1] == ' ') : why);
		}
		goto skip;
	}
	if (device[0]) {
		const char *name = hello_str(p, "device_name");

		snprintf(b->name, sizeof(b->name), "%s:%s:%s", kind->family,
			 device, name && *name ? name : device);
	} else {
		snprintf(b->name, sizeof(b->name), "%s", kind->family);
	}
	b->family = kind->family;
	b->ops = &peer_ops;
	b->has_device_clock = device[0] &&
		cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(p->hello, "device_clock"));
	b->self_timed = 1;
	b->impl = p;
	*out = b;
	return 0;
skip:
	peer_free(p);
	free(b);
	return 0;
}

/* The CPU instance named after the family, then one per device its hello
 * lists; none with the reason in err. A listed device that cannot run is
 * left out, and err says why (a note of the run). */
static int peer_discover(const struct peer_kind *kind, struct backend **out,
			 size_t max, size_t *out_n, char *err, size_t n_err)
{
	const cJSON *devs, *d;
	size_t len = 0;
	int rc;

	*out_n = 0;
	if (max == 0)
		return 0;
	if ((rc = peer_make(kind, "", &out[0], err, n_err)) || !out[0])
		return rc;
	*out_n = 1;
	if (err && n_err)
		err[0] = '\0';
	devs = cJSON_GetObjectItemCaseSensitive(
		((struct peer *)out[0]->impl)->hello, "devices");
	cJSON_ArrayForEach(d, devs) {
		const cJSON *dev = cJSON_GetObjectItemCaseSensitive(d, "device");
		char why[MC_ERRLEN] = "";

		if (*out_n >= max || !cJSON_IsString(dev) || !*dev->valuestring ||
		    strcmp(dev->valuestring, "cpu") == 0)
			continue;
		if ((rc = peer_make(kind, dev->valuestring, &out[*out_n], why,
				    sizeof(why))))
			return rc;
		if (out[*out_n]) {
			(*out_n)++;
		} else if (err && len + 1 < n_err) {
			/* "skipped: ..." of this device, one line per device */
			len += (size_t)snprintf(err + len, n_err - len, "%s%s:%s %s",
						len ? "; " : "", kind->family,
						dev->valuestring,
						why[0] ? why : "skipped");
			if (len >= n_err)
				len = n_err - 1;
		}
	}
	return 0;
}

static int mlx_discover(struct backend **out, size_t max, size_t *out_n,
			char *err, size_t n_err)
{
	return peer_discover(&kind_mlx, out, max, out_n, err, n_err);
}

static int torch_discover(struct backend **out, size_t max, size_t *out_n,
			  char *err, size_t n_err)
{
	return peer_discover(&kind_torch, out, max, out_n, err, n_err);
}

const struct backend_family backend_mlx = {
	.name = "mlx",
	.summary = "MLX on the CPU (PyPI mlx[cpu]) and on CUDA (mlx[cuda13]) through "
		   "suites/peers/peer.py",
	.discover = mlx_discover,
};

const struct backend_family backend_torch = {
	.name = "torch",
	.summary = "PyTorch on the CPU and on CUDA through suites/peers/peer.py",
	.discover = torch_discover,
};
