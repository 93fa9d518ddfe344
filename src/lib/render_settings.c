/*
 * render_settings.c - the {{settings}} directive: the settings each peer
 * framework ran with, as its run recorded them (the device row's info, which
 * backend_peer.c fills from the adapter's hello), so that a table setting a
 * peer against mcbench says under what conditions: the framework's version
 * and device, the precision it computed in and the switches that set it
 * (TF32 off), its threads, and the BLAS and backend libraries it had loaded,
 * named for what they are ("reference BLAS" for the plain netlib libblas a
 * wheel may bring, which is the likeliest reason a peer is slow on a CPU).
 *
 * One list item per peer column of the suite (cols= as in {{table}}); other
 * columns are left out, and with no peer among them one sentence says so.
 */
#include "render_dir.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "mdesc.h"

/* What a loaded library is, from its file name; NULL when not a BLAS or a
 * backend library worth naming. Order matters: "libopenblas" and
 * "libcublas" also contain "blas". */
static const char *settings_lib_kind(const char *path)
{
	const char *name = strrchr(path, '/');

	name = name ? name + 1 : path;
	if (strstr(name, "cublasLt"))
		return "cuBLASLt";
	if (strstr(name, "cublas"))
		return "cuBLAS";
	if (strstr(name, "openblas"))
		return "OpenBLAS";
	if (strstr(name, "mkl"))
		return "MKL";
	if (strstr(name, "dnnl"))
		return "oneDNN";
	if (strstr(name, "libblas") || strstr(name, "liblapack"))
		return "reference BLAS";
	if (strstr(name, "gomp") || strstr(name, "libomp") || strstr(name, "iomp"))
		return "OpenMP";
	return NULL;
}

/* "OpenBLAS (numpy.libs/libscipy_openblas64_...so), ..." of the loaded
 * libraries; the kinds first, each once, so the gist reads at a glance. */
static void settings_libs(struct sbuf *s, const cJSON *libs)
{
	const char *seen[16];
	size_t n_seen = 0;
	const cJSON *l;

	cJSON_ArrayForEach(l, libs) {
		const char *kind = cJSON_IsString(l) ? settings_lib_kind(l->valuestring) : NULL;
		size_t k;

		if (!kind)
			continue;
		for (k = 0; k < n_seen && strcmp(seen[k], kind); k++)
			;
		if (k < n_seen || n_seen == sizeof(seen) / sizeof(seen[0]))
			continue;
		seen[n_seen++] = kind;
	}
	if (!n_seen) {
		sbuf_add(s, "no BLAS library recorded");
		return;
	}
	for (size_t k = 0; k < n_seen; k++) {
		int first = 1;

		sbuf_add(s, k ? "; " : "");
		sbuf_add(s, seen[k]);
		sbuf_add(s, " (");
		cJSON_ArrayForEach(l, libs) {
			if (!cJSON_IsString(l) || !settings_lib_kind(l->valuestring) ||
			    strcmp(settings_lib_kind(l->valuestring), seen[k]))
				continue;
			sbuf_add(s, first ? "" : ", ");
			render_code(s, l->valuestring);
			first = 0;
		}
		sbuf_add(s, ")");
	}
}

/* "cuda.matmul.allow_tf32 false, ..." of a flat JSON object. */
static void settings_pairs(struct sbuf *s, const cJSON *obj)
{
	const cJSON *v;
	int first = 1;

	cJSON_ArrayForEach(v, obj) {
		char num[32];

		if (!v->string || cJSON_IsNull(v) || cJSON_IsObject(v) || cJSON_IsArray(v))
			continue;
		sbuf_add(s, first ? "" : ", ");
		first = 0;
		render_code(s, v->string);
		sbuf_add(s, " ");
		if (cJSON_IsString(v)) {
			render_code(s, v->valuestring);
		} else if (cJSON_IsBool(v)) {
			sbuf_add(s, cJSON_IsTrue(v) ? "`true`" : "`false`");
		} else if (cJSON_IsNumber(v)) {
			snprintf(num, sizeof(num), "%.15g", v->valuedouble);
			render_code(s, num);
		}
	}
}

/* One list item: the column's peer as its run recorded it. */
static void settings_item(struct sbuf *s, const struct render_col *c, const cJSON *info)
{
	const cJSON *ts = cJSON_GetObjectItemCaseSensitive(info, "thread_settings");
	const cJSON *threads = cJSON_GetObjectItemCaseSensitive(info, "threads");
	const cJSON *prec = cJSON_GetObjectItemCaseSensitive(info, "precision");
	const cJSON *pset = cJSON_GetObjectItemCaseSensitive(ts, "precision");
	const cJSON *dev = cJSON_GetObjectItemCaseSensitive(info, "device");
	char run[9];

	snprintf(run, sizeof(run), "%.8s", c->run->uuid);
	sbuf_add(s, "- ");
	render_code(s, c->backend);
	sbuf_add(s, ": ");
	mdesc_text(s, c->dev->name);
	sbuf_add(s, " on ");
	sbuf_add(s, cJSON_IsString(dev) && strcmp(dev->valuestring, "cpu") ? "the GPU" :
		 "the CPU");
	sbuf_add(s, " (run `");
	sbuf_add(s, run);
	sbuf_add(s, "`). Precision: ");
	if (cJSON_IsString(prec))
		mdesc_text(s, prec->valuestring);
	else
		sbuf_add(s, "not recorded (fp32 inputs)");
	if (cJSON_IsObject(pset) && pset->child) {
		sbuf_add(s, " (");
		settings_pairs(s, pset);
		sbuf_add(s, ")");
	}
	sbuf_add(s, ". Threads: ");
	if (cJSON_IsNumber(threads)) {
		char num[32];

		snprintf(num, sizeof(num), "%.0f", threads->valuedouble);
		sbuf_add(s, num);
	} else {
		sbuf_add(s, "not settable");
	}
	sbuf_add(s, ". Libraries loaded: ");
	settings_libs(s, cJSON_GetObjectItemCaseSensitive(ts, "loaded_libraries"));
	sbuf_add(s, ".\n");
}

int render_settings_parse(struct render *r, const struct tmpl_node *node,
			  const struct render_scope *sc, union render_args *out)
{
	out->settings.node = node;
	out->settings.cols = tmpl_get(node, "cols", NULL);
	return render_suite(r, node, sc, &out->settings.suite);
}

int render_settings_run(struct render *r, const union render_args *a,
			const struct render_scope *sc)
{
	const struct render_settings_args *sa = &a->settings;
	struct render_col *cols = NULL;
	struct sbuf items = SBUF_INIT;
	size_t n_cols = 0, n_items = 0;
	int rc;

	if ((rc = render_cols(r, sa->node, "cols", sa->cols, sc, sa->suite, NULL, "wall",
			      &cols, &n_cols)) != 0)
		return rc;
	for (size_t i = 0; i < n_cols && !rc; i++) {
		const struct render_col *c = &cols[i];
		cJSON *info;

		/* a backend with variants gives a column per variant: once */
		if (!c->dev || !c->dev->kind || strcmp(c->dev->kind, "peer") ||
		    (i > 0 && strcmp(cols[i - 1].backend, c->backend) == 0 &&
		     cols[i - 1].run == c->run))
			continue;
		info = c->dev->info ? cJSON_Parse(c->dev->info) : NULL;
		settings_item(&items, c, info);
		cJSON_Delete(info);
		n_items++;
		rc = render_use_run(r, c->run->id);
	}
	if (!rc) {
		if (n_items) {
			sbuf_add(&r->body, "Settings of the peer frameworks above, as their runs "
				 "recorded them:\n\n");
			sbuf_add(&r->body, sbuf_str(&items));
		} else {
			sbuf_add(&r->body, "No peer framework among these columns.\n");
		}
		if (sbuf_failed(&items) || sbuf_failed(&r->body))
			rc = render_oom(r);
	}
	sbuf_release(&items);
	render_cols_free(cols, n_cols);
	return rc;
}
