/*
 * suite.c - loading, validating and expanding suite files (see suite.h).
 *
 * A suite is read strictly: unknown keys, kernels, parameters and backend
 * families are errors, so a typo fails loudly instead of silently measuring
 * less. Every error names the file and the JSON path at fault. Each grid is
 * expanded in the order of its kernel's param_names, the last parameter
 * varying fastest, and every combination is planned once here so that a bad
 * size is reported at load time rather than halfway through a run. Reading
 * the file and building JSON paths is jpath.c's, shared with the importer;
 * finding suite files is suite_list.c's.
 */
#include "suite.h"
#include "err.h"
#include "jpath.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#define SUITE_MAX_BYTES (16u << 20)
#define SUITE_MAX_BENCHES 100000
#define SUITE_MAX_INT 9007199254740992.0   /* 2^53: exact in a double */
/* Ranges of the numbers a suite file sets: each is far beyond any sane
 * setting and small enough that what is derived from it (an array of
 * samples, a calibration target in ns, a grid product) cannot overflow. */
#define SUITE_MAX_SAMPLES 100000L        /* one calloc of doubles per result */
#define SUITE_MAX_TARGET_MS 60000.0      /* one minute per sample */
#define SUITE_MAX_SECONDS 86400.0        /* one day per benchmark */
#define SUITE_MAX_TOL 1.0                /* rtol, and atol relative to max |ref| */
#define SUITE_MAX_GRID 2147483647L       /* INT_MAX, as workload_check_params */

/* Families a suite may name; peers (mlx, torch) run outside this binary. */
static const char *const known_families[] = {
	"ref", "cpu", "opencl", "mlx", "torch", NULL,
};

static const char *const top_keys[] = {
	"name", "description", "defaults", "benchmarks", NULL,
};

/* Keys valid in "defaults" and, as overrides, in each benchmark. */
static const char *const opt_keys[] = {
	"samples", "target_ms", "quick_samples", "quick_target_ms", "seed",
	"rtol", "atol", "max_seconds", NULL,
};

static const char *const bench_keys[] = {
	"kernel", "grid", "backends", "quick", NULL,
};

struct loader {
	const char *path;
	char *err;
	size_t n_err;
};

/* Settings from "defaults" or a benchmark; has_* says which were given. */
struct opts {
	int has_samples, has_quick_samples, has_target_ms, has_quick_target_ms;
	int has_seed, has_rtol, has_atol, has_max_seconds;
	long samples, quick_samples;
	double target_ms, quick_target_ms, max_seconds, rtol, atol;
	uint64_t seed;
};

/* One grid axis: the values of one parameter. */
struct axis {
	long *v;
	size_t n;
};

__attribute__((format(printf, 4, 5)))
static int fail(const struct loader *L, int code, const char *jpath,
		const char *fmt, ...)
{
	char msg[MC_ERRLEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return jpath_fail(L->err, L->n_err, code, L->path, jpath, "%s", msg);
}

static int oom(const struct loader *L)
{
	return fail(L, MC_ENOMEM, NULL, "out of memory while loading the suite");
}

/* "a, b, c" from a NULL-terminated list, into out. */
static void join_names(char *out, size_t n, const char *const *names)
{
	size_t len = 0;

	out[0] = '\0';
	for (size_t i = 0; names[i] && len < n; i++)
		len += (size_t)snprintf(out + len, n - len, "%s%s", i ? ", " : "", names[i]);
}

static int in_list(const char *const *list, const char *s)
{
	for (size_t i = 0; list[i]; i++)
		if (strcmp(list[i], s) == 0)
			return 1;
	return 0;
}

/* Rejects keys of obj that are in neither list (b may be NULL), and keys
 * given twice (cJSON keeps both; which one wins would be an accident). */
static int check_keys(const struct loader *L, const cJSON *obj, const char *jpath,
		      const char *const *a, const char *const *b)
{
	char known[MC_ERRLEN / 2], known_b[MC_ERRLEN / 4], p[JPATH_LEN], key[64];

	for (const cJSON *it = obj->child; it; it = it->next) {
		jpath_key(p, jpath, it->string);
		for (const cJSON *prev = obj->child; prev != it; prev = prev->next)
			if (strcmp(prev->string, it->string) == 0)
				return fail(L, MC_EINVAL, p, "key given twice");
		if (in_list(a, it->string) || (b && in_list(b, it->string)))
			continue;
		join_names(known, sizeof(known), a);
		if (b) {
			join_names(known_b, sizeof(known_b), b);
			return fail(L, MC_EINVAL, p, "unknown key \"%s\" (known: %s, %s)",
				    jpath_printable(it->string, key, sizeof(key)), known, known_b);
		}
		return fail(L, MC_EINVAL, p, "unknown key \"%s\" (known: %s)",
			    jpath_printable(it->string, key, sizeof(key)), known);
	}
	return 0;
}

/* ------------------------------------------------------------ values */

/* An integer in [1, max]. */
static int get_posint(const struct loader *L, const cJSON *it, const char *jpath,
		      long max, long *out)
{
	double d;

	if (!cJSON_IsNumber(it))
		return fail(L, MC_EINVAL, jpath, "expected a positive integer");
	d = it->valuedouble;
	if (!(d >= 1 && d <= SUITE_MAX_INT) || d != floor(d))
		return fail(L, MC_EINVAL, jpath, "expected a positive integer");
	if (d > (double)max)
		return fail(L, MC_EINVAL, jpath,
			    "expected a positive integer of at most %ld, got %.0f", max, d);
	*out = (long)d;
	return 0;
}

/* A finite number in (0, max] when positive, else [0, max]. */
static int get_nonneg(const struct loader *L, const cJSON *it, const char *jpath,
		      double *out, int positive, double max)
{
	double d;

	if (!cJSON_IsNumber(it) || !isfinite(it->valuedouble))
		return fail(L, MC_EINVAL, jpath, "expected a %s number",
			    positive ? "positive" : "non-negative");
	d = it->valuedouble;
	if (positive ? !(d > 0) : !(d >= 0))
		return fail(L, MC_EINVAL, jpath, "expected a %s number",
			    positive ? "positive" : "non-negative");
	if (d > max)
		return fail(L, MC_EINVAL, jpath, "expected a %s number of at most %g, got %g",
			    positive ? "positive" : "non-negative", max, d);
	*out = d;
	return 0;
}

/* Reads the opt_keys present in obj into o (other keys are left alone). */
static int parse_opts(const struct loader *L, const cJSON *obj, const char *jpath,
		      struct opts *o)
{
	char p[JPATH_LEN];
	const cJSON *it;
	double d;
	int rc;

#define OPT(key) (jpath_key(p, jpath, key), it = cJSON_GetObjectItemCaseSensitive(obj, key))
	if (OPT("samples") && (rc = get_posint(L, it, p, SUITE_MAX_SAMPLES, &o->samples)) != 0)
		return rc;
	o->has_samples |= it != NULL;
	if (OPT("quick_samples") && (rc = get_posint(L, it, p, SUITE_MAX_SAMPLES, &o->quick_samples)) != 0)
		return rc;
	o->has_quick_samples |= it != NULL;
	if (OPT("target_ms") && (rc = get_nonneg(L, it, p, &o->target_ms, 1, SUITE_MAX_TARGET_MS)) != 0)
		return rc;
	o->has_target_ms |= it != NULL;
	if (OPT("quick_target_ms") && (rc = get_nonneg(L, it, p, &o->quick_target_ms, 1, SUITE_MAX_TARGET_MS)) != 0)
		return rc;
	o->has_quick_target_ms |= it != NULL;
	if (OPT("max_seconds") && (rc = get_nonneg(L, it, p, &o->max_seconds, 1, SUITE_MAX_SECONDS)) != 0)
		return rc;
	o->has_max_seconds |= it != NULL;
	if (OPT("rtol") && (rc = get_nonneg(L, it, p, &o->rtol, 0, SUITE_MAX_TOL)) != 0)
		return rc;
	o->has_rtol |= it != NULL;
	if (OPT("atol") && (rc = get_nonneg(L, it, p, &o->atol, 0, SUITE_MAX_TOL)) != 0)
		return rc;
	o->has_atol |= it != NULL;
	if (OPT("seed")) {
		d = it->valuedouble;
		if (!cJSON_IsNumber(it) || !(d >= 0 && d <= SUITE_MAX_INT) || d != floor(d))
			return fail(L, MC_EINVAL, p, "expected a non-negative integer");
		o->seed = (uint64_t)d;
		o->has_seed = 1;
	}
#undef OPT
	return 0;
}

/* Benchmark settings over suite defaults over built-in defaults. */
static void apply_opts(struct suite_bench *b, const struct opts *def,
		       const struct opts *own, int quick)
{
#define PICK(field, dflt) (own->has_##field ? own->field : def->has_##field ? def->field : (dflt))
	b->rtol = PICK(rtol, b->spec->rtol);
	b->atol = PICK(atol, b->spec->atol);
	b->samples = (int)(quick ? PICK(quick_samples, 5) : PICK(samples, 10));
	b->target_ms = quick ? PICK(quick_target_ms, 1.0) : PICK(target_ms, 10.0);
	b->max_seconds = PICK(max_seconds, 30.0);
	b->seed = PICK(seed, 42);
#undef PICK
}

/* ------------------------------------------------------------ grid */

static void axes_free(struct axis *ax, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(ax[i].v);
}

/* Reads grid (or a quick override) into ax[] by param index; only the
 * parameters given are filled. */
static int parse_grid(const struct loader *L, const cJSON *grid, const char *jpath,
		      const struct kernel_spec *spec, struct axis *ax)
{
	char p[JPATH_LEN], pe[JPATH_LEN], names[MC_ERRLEN / 2], key[64];
	int rc;

	if (!cJSON_IsObject(grid))
		return fail(L, MC_EINVAL, jpath, "expected an object of parameter value lists");
	for (const cJSON *it = grid->child; it; it = it->next) {
		int k = workload_param_index(spec, it->string);
		size_t n = 0;

		jpath_key(p, jpath, it->string);
		for (const cJSON *prev = grid->child; prev != it; prev = prev->next)
			if (strcmp(prev->string, it->string) == 0)
				return fail(L, MC_EINVAL, p, "key given twice");
		if (k < 0) {
			join_names(names, sizeof(names), spec->param_names);
			return fail(L, MC_EINVAL, p,
				    "kernel %s has no parameter \"%s\" (its parameters: %s)",
				    spec->name, jpath_printable(it->string, key, sizeof(key)), names);
		}
		if (!cJSON_IsArray(it) || cJSON_GetArraySize(it) < 1)
			return fail(L, MC_EINVAL, p, "expected a non-empty array of positive integers");
		ax[k].v = calloc((size_t)cJSON_GetArraySize(it), sizeof(long));
		if (!ax[k].v)
			return oom(L);
		for (const cJSON *v = it->child; v; v = v->next, n++) {
			jpath_index(pe, p, n);
			/* 0 where the spec gives it a meaning (e.g. seq 0:
			 * pad to the batch's longest sentence) */
			if (spec->zero_ok & (1u << k) && cJSON_IsNumber(v) &&
			    v->valuedouble == 0)
				ax[k].v[n] = 0;
			else if ((rc = get_posint(L, v, pe, SUITE_MAX_GRID, &ax[k].v[n])) != 0)
				return rc;
			for (size_t j = 0; j < n; j++)
				if (ax[k].v[j] == ax[k].v[n])
					return fail(L, MC_EINVAL, pe, "value %ld is already listed",
						    ax[k].v[n]);
		}
		ax[k].n = n;
	}
	return 0;
}

static size_t count_params(const struct kernel_spec *spec)
{
	size_t n = 0;

	while (spec->param_names[n])
		n++;
	return n;
}

/* "kernel/p1=v1,p2=v2" in param_names order, as workload_name writes it. */
static int bench_name(const struct kernel_spec *spec, const long *params,
		      char *out, size_t n_out)
{
	size_t len = (size_t)snprintf(out, n_out, "%s/", spec->name);

	for (size_t i = 0; spec->param_names[i] && len < n_out; i++)
		len += (size_t)snprintf(out + len, n_out - len, "%s%s=%ld", i ? "," : "",
					spec->param_names[i], params[i]);
	return len < n_out ? 0 : -1;
}

static char **backends_copy(char *const *src)
{
	size_t n = 0;
	char **dst;

	if (!src)
		return NULL;
	while (src[n])
		n++;
	dst = calloc(n + 1, sizeof(*dst));
	if (!dst)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		dst[i] = strdup(src[i]);
		if (!dst[i]) {
			for (size_t j = 0; j < i; j++)
				free(dst[j]);
			free(dst);
			return NULL;
		}
	}
	return dst;
}

static void backends_free(char **b)
{
	if (!b)
		return;
	for (size_t i = 0; b[i]; i++)
		free(b[i]);
	free(b);
}

/* "mlx" (a family) or "mlx:cuda" (its instances on that device: a family,
 * a colon and more). */
static int names_known_family(const char *s)
{
	char fam[32];
	size_t n = strcspn(s, ":");

	if (n >= sizeof(fam) || (s[n] == ':' && !s[n + 1]))
		return 0;
	memcpy(fam, s, n);
	fam[n] = '\0';
	return in_list(known_families, fam);
}

static int parse_backends(const struct loader *L, const cJSON *arr, const char *jpath,
			  char ***out)
{
	char p[JPATH_LEN], known[128], name[64];
	char **list;
	size_t n = 0;

	*out = NULL;
	if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) < 1)
		return fail(L, MC_EINVAL, jpath, "expected a non-empty array of backend families");
	list = calloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof(*list));
	if (!list)
		return oom(L);
	for (const cJSON *it = arr->child; it; it = it->next, n++) {
		jpath_index(p, jpath, n);
		if (!cJSON_IsString(it) || !names_known_family(it->valuestring)) {
			join_names(known, sizeof(known), known_families);
			if (cJSON_IsString(it))
				fail(L, MC_EINVAL, p, "unknown backend family \"%s\" (known: %s)",
				     jpath_printable(it->valuestring, name, sizeof(name)), known);
			else
				fail(L, MC_EINVAL, p, "expected a backend family name (known: %s)",
				     known);
			backends_free(list);
			return MC_EINVAL;
		}
		list[n] = strdup(it->valuestring);
		if (!list[n]) {
			backends_free(list);
			return oom(L);
		}
	}
	*out = list;
	return 0;
}

/* ------------------------------------------------------------ suite */

struct builder {
	struct suite *s;
	size_t cap;
	size_t *origin;   /* benchmark index in the file of each entry */
};

static int builder_push(const struct loader *L, struct builder *bd, size_t origin,
			struct suite_bench **out)
{
	if (bd->s->n_benches >= SUITE_MAX_BENCHES)
		return fail(L, MC_EINVAL, NULL, "more than %d benchmarks", SUITE_MAX_BENCHES);
	if (bd->s->n_benches == bd->cap) {
		size_t ncap = bd->cap ? bd->cap * 2 : 16;
		struct suite_bench *nb = realloc(bd->s->benches, ncap * sizeof(*nb));
		size_t *no;

		if (!nb)
			return oom(L);
		bd->s->benches = nb;
		no = realloc(bd->origin, ncap * sizeof(*no));
		if (!no)
			return oom(L);
		bd->origin = no;
		bd->cap = ncap;
	}
	bd->origin[bd->s->n_benches] = origin;
	*out = &bd->s->benches[bd->s->n_benches++];
	memset(*out, 0, sizeof(**out));
	return 0;
}

/* Adds every combination of ax[0..np) (last fastest) for one benchmark. */
static int expand(const struct loader *L, struct builder *bd, size_t bi,
		  const char *jpath, const struct kernel_spec *spec,
		  const struct axis *ax, size_t np, char *const *backends,
		  const struct opts *def, const struct opts *own, int quick)
{
	size_t idx[WORKLOAD_MAX_PARAMS] = {0};
	char perr[MC_ERRLEN];

	for (;;) {
		struct suite_bench *b = NULL;
		struct workload_plan plan;
		int rc;

		if ((rc = builder_push(L, bd, bi, &b)) != 0)
			return rc;
		b->spec = spec;
		for (size_t j = 0; j < np; j++)
			b->params[j] = ax[j].v[idx[j]];
		if (bench_name(spec, b->params, b->name, sizeof(b->name)) != 0)
			return fail(L, MC_EINVAL, jpath, "benchmark name %s... is too long",
				    b->name);
		apply_opts(b, def, own, quick);
		if (backends && !(b->backends = backends_copy(backends)))
			return oom(L);
		perr[0] = '\0';
		/* A plan that needs files absent here (MC_ENODATA: a model's)
		 * cannot be checked now; the run skips it with that sentence. */
		if ((rc = spec->plan(b->params, &plan, perr, sizeof(perr))) != 0 &&
		    rc != MC_ENODATA)
			return fail(L, MC_EINVAL, jpath, "%s: %s", b->name,
				    perr[0] ? perr : "invalid parameters");
		/* Odometer step, last parameter fastest. */
		size_t j = np;
		while (j > 0 && ++idx[j - 1] == ax[j - 1].n)
			idx[--j] = 0;
		if (j == 0)
			return 0;
	}
}

static int load_bench(const struct loader *L, struct builder *bd, size_t bi,
		      const cJSON *bench, const struct opts *def, int quick)
{
	char jpath[JPATH_LEN], p[JPATH_LEN], names[MC_ERRLEN / 2];
	struct axis ax[WORKLOAD_MAX_PARAMS], qax[WORKLOAD_MAX_PARAMS];
	struct opts own = {0};
	const struct kernel_spec *spec;
	const cJSON *it;
	char **backends = NULL;
	size_t np = 0;
	int rc, skip = 0;

	memset(ax, 0, sizeof(ax));
	memset(qax, 0, sizeof(qax));
	jpath_index(jpath, "$.benchmarks", bi);
	if (!cJSON_IsObject(bench)) {
		rc = fail(L, MC_EINVAL, jpath, "expected an object");
		goto out;
	}
	if ((rc = check_keys(L, bench, jpath, bench_keys, opt_keys)) != 0)
		goto out;
	jpath_key(p, jpath, "kernel");
	it = cJSON_GetObjectItemCaseSensitive(bench, "kernel");
	if (!it) {
		rc = fail(L, MC_EINVAL, jpath, "missing key \"kernel\"");
		goto out;
	}
	if (!cJSON_IsString(it)) {
		rc = fail(L, MC_EINVAL, p, "expected a kernel name");
		goto out;
	}
	spec = workload_find(it->valuestring);
	if (!spec) {
		const struct kernel_spec *const *ks = workload_kernels();
		char kname[64];
		size_t len = 0;

		names[0] = '\0';
		for (size_t i = 0; ks[i] && len < sizeof(names); i++)
			len += (size_t)snprintf(names + len, sizeof(names) - len, "%s%s",
						i ? ", " : "", ks[i]->name);
		rc = fail(L, MC_EINVAL, p, "unknown kernel \"%s\" (known: %s)",
			  jpath_printable(it->valuestring, kname, sizeof(kname)), names);
		goto out;
	}
	np = count_params(spec);
	if (np > WORKLOAD_MAX_PARAMS) {
		rc = fail(L, MC_EINVAL, p, "kernel %s has too many parameters", spec->name);
		np = 0;
		goto out;
	}

	jpath_key(p, jpath, "grid");
	it = cJSON_GetObjectItemCaseSensitive(bench, "grid");
	if (!it) {
		rc = fail(L, MC_EINVAL, jpath, "missing key \"grid\"");
		goto out;
	}
	if ((rc = parse_grid(L, it, p, spec, ax)) != 0)
		goto out;
	for (size_t j = 0; j < np; j++) {
		if (ax[j].n == 0) {
			join_names(names, sizeof(names), spec->param_names);
			rc = fail(L, MC_EINVAL, p,
				  "missing parameter \"%s\" of kernel %s (its parameters: %s)",
				  spec->param_names[j], spec->name, names);
			goto out;
		}
	}
	/* The quick grid is checked even when not used, so that a typo in
	 * it does not wait for the first --quick run to show. */
	jpath_key(p, jpath, "quick");
	it = cJSON_GetObjectItemCaseSensitive(bench, "quick");
	if (cJSON_IsFalse(it))
		skip = quick;
	else if (it && !cJSON_IsObject(it))
		rc = fail(L, MC_EINVAL, p, "expected a grid override object or false");
	else if (it)
		rc = parse_grid(L, it, p, spec, qax);
	if (rc != 0)
		goto out;
	if (quick) {
		for (size_t j = 0; j < np; j++) {
			if (qax[j].n) {
				free(ax[j].v);
				ax[j] = qax[j];
				qax[j].v = NULL;
				qax[j].n = 0;
			}
		}
	}

	jpath_key(p, jpath, "backends");
	it = cJSON_GetObjectItemCaseSensitive(bench, "backends");
	if (it && (rc = parse_backends(L, it, p, &backends)) != 0)
		goto out;
	if ((rc = parse_opts(L, bench, jpath, &own)) != 0)
		goto out;
	if (!skip)
		rc = expand(L, bd, bi, jpath, spec, ax, np, backends, def, &own, quick);
out:
	axes_free(ax, WORKLOAD_MAX_PARAMS);
	axes_free(qax, WORKLOAD_MAX_PARAMS);
	backends_free(backends);
	return rc;
}

struct named {
	const char *name;
	size_t pos;
};

static int cmp_named(const void *a, const void *b)
{
	const struct named *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : (x->pos > y->pos) - (x->pos < y->pos);
}

/* Two entries measuring the same workload would be two results under one
 * name; reject, naming the later benchmark. */
static int check_unique(const struct loader *L, const struct builder *bd)
{
	const struct suite *s = bd->s;
	struct named *v;
	char jpath[JPATH_LEN];
	int rc = 0;

	if (s->n_benches < 2)
		return 0;
	v = malloc(s->n_benches * sizeof(*v));
	if (!v)
		return oom(L);
	for (size_t i = 0; i < s->n_benches; i++) {
		v[i].name = s->benches[i].name;
		v[i].pos = i;
	}
	qsort(v, s->n_benches, sizeof(*v), cmp_named);
	for (size_t i = 1; i < s->n_benches; i++) {
		if (strcmp(v[i - 1].name, v[i].name) == 0) {
			jpath_index(jpath, "$.benchmarks", bd->origin[v[i].pos]);
			rc = fail(L, MC_EINVAL, jpath, "%s is also produced by $.benchmarks[%zu]",
				  v[i].name, bd->origin[v[i - 1].pos]);
			break;
		}
	}
	free(v);
	return rc;
}

static int get_string(const struct loader *L, const cJSON *root, const char *key,
		      int required, char **out)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(root, key);
	char p[JPATH_LEN];

	*out = NULL;
	jpath_key(p, "$", key);
	if (!it) {
		if (required)
			return fail(L, MC_EINVAL, "$", "missing key \"%s\"", key);
		*out = strdup("");
	} else if (!cJSON_IsString(it) || (required && !*it->valuestring)) {
		return fail(L, MC_EINVAL, p, "expected a non-empty string");
	} else {
		*out = strdup(it->valuestring);
	}
	return *out ? 0 : oom(L);
}

static int load_root(const struct loader *L, const cJSON *root, int quick,
		     struct builder *bd)
{
	const cJSON *defs, *benches, *b;
	struct opts def = {0};
	size_t i = 0;
	int rc;

	if (!cJSON_IsObject(root))
		return fail(L, MC_EINVAL, "$", "expected an object");
	if ((rc = check_keys(L, root, "$", top_keys, NULL)) != 0)
		return rc;
	if ((rc = get_string(L, root, "name", 1, &bd->s->name)) != 0 ||
	    (rc = get_string(L, root, "description", 0, &bd->s->description)) != 0)
		return rc;
	defs = cJSON_GetObjectItemCaseSensitive(root, "defaults");
	if (defs) {
		if (!cJSON_IsObject(defs))
			return fail(L, MC_EINVAL, "$.defaults", "expected an object");
		if ((rc = check_keys(L, defs, "$.defaults", opt_keys, NULL)) != 0 ||
		    (rc = parse_opts(L, defs, "$.defaults", &def)) != 0)
			return rc;
	}
	benches = cJSON_GetObjectItemCaseSensitive(root, "benchmarks");
	if (!benches)
		return fail(L, MC_EINVAL, "$", "missing key \"benchmarks\"");
	if (!cJSON_IsArray(benches) || cJSON_GetArraySize(benches) < 1)
		return fail(L, MC_EINVAL, "$.benchmarks", "expected a non-empty array");
	cJSON_ArrayForEach(b, benches) {
		if ((rc = load_bench(L, bd, i++, b, &def, quick)) != 0)
			return rc;
	}
	return check_unique(L, bd);
}

int suite_load(const char *path, int quick, struct suite **out,
	       char *err, size_t n_err)
{
	struct loader L = { path, err, n_err };
	struct builder bd = {0};
	cJSON *root = NULL;
	char *text = NULL;
	size_t len = 0;
	int rc;

	*out = NULL;
	bd.s = calloc(1, sizeof(*bd.s));
	if (!bd.s)
		return oom(&L);
	if (!(bd.s->path = strdup(path))) {
		rc = oom(&L);
		goto out;
	}
	if ((rc = jpath_read_file(path, SUITE_MAX_BYTES, &text, &len, err, n_err)) != 0)
		goto out;
	if ((rc = jpath_parse(path, text, len, &root, err, n_err)) != 0)
		goto out;
	if ((rc = load_root(&L, root, quick, &bd)) != 0)
		goto out;
	*out = bd.s;
	bd.s = NULL;
out:
	suite_free(bd.s);
	free(bd.origin);
	cJSON_Delete(root);
	free(text);
	return rc;
}

void suite_free(struct suite *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n_benches; i++)
		backends_free(s->benches[i].backends);
	free(s->benches);
	free(s->name);
	free(s->description);
	free(s->path);
	free(s);
}

int suite_bench_allows(const struct suite_bench *b, const char *family)
{
	size_t n;

	if (!b->backends)
		return 1;
	/* An instance name ("opencl:NVIDIA ...") counts as its family; an
	 * entry "mlx:cuda" allows the instances whose name begins with it
	 * ("mlx:cuda:NVIDIA H200"), not the family's others. */
	n = strcspn(family, ":");
	for (size_t i = 0; b->backends[i]; i++) {
		size_t len = strlen(b->backends[i]);

		if (len == n && strncmp(b->backends[i], family, n) == 0)
			return 1;
		if (len > n && strncmp(b->backends[i], family, len) == 0 &&
		    (family[len] == ':' || family[len] == '\0'))
			return 1;
	}
	return 0;
}
