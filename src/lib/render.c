/*
 * render.c - the template engine: walks a parsed template, keeps the run
 * selection of {{select}} blocks, renders prose directives ({{value}},
 * {{ratio}}, {{claim}}), and assembles the document: engine-written header,
 * body, deferred sections ({{provenance}}, {{rejected}}) and footnotes.
 * Tables and charts are in render_table.c, provenance in render_prov.c,
 * the scaling sanity check of sweeps ({{suspicious}}) in render_suspicious.c.
 */
#include "render_int.h"

#include <errno.h>
#include <fnmatch.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "err.h"
#include "mdesc.h"
#include "store.h"
#include "units.h"

/* ---------------------------------------------------------------- vocabulary */

#define L(...) ((const char *const[]){ __VA_ARGS__, NULL })

enum {
	D_SELECT, D_TABLE, D_VALUE, D_RATIO, D_CLAIM, D_CHART, D_PROVENANCE, D_REJECTED,
	D_SUSPICIOUS, D_REGRESSIONS, D_COUNT
};

static const struct tmpl_spec render_specs[D_COUNT + 1] = {
	[D_SELECT] = { "select", TMPL_BLOCK, NULL, L("machine", "run", "commit"), NULL },
	[D_TABLE] = { "table", TMPL_OWN_LINE, NULL,
		      L("suite", "cols", "bench", "metric", "throughput", "peak", "spread",
			"ratio", "clock", "variant"), L("suite") },
	[D_VALUE] = { "value", TMPL_INLINE, NULL,
		      L("suite", "bench", "backend", "metric", "clock", "variant", "spread"),
		      L("suite", "bench", "backend") },
	[D_RATIO] = { "ratio", TMPL_INLINE, NULL, L("suite", "bench", "a", "b", "clock", "variant"),
		      L("suite", "a", "b") },
	[D_CLAIM] = { "claim", TMPL_INLINE, L("faster", "within", "atleast"),
		      L("suite", "bench", "a", "b", "by", "pct", "backend", "metric", "value",
			"clock", "variant"), L("suite") },
	[D_CHART] = { "chart", TMPL_OWN_LINE, L("bars", "scaling", "history"),
		      L("suite", "cols", "bench", "metric", "x", "last", "clock", "variant",
			"name", "log"), L("suite") },
	[D_PROVENANCE] = { "provenance", TMPL_OWN_LINE, NULL, L("heading"), NULL },
	[D_REJECTED] = { "rejected", TMPL_OWN_LINE, NULL, L("suite"), NULL },
	[D_SUSPICIOUS] = { "suspicious", TMPL_OWN_LINE, NULL, L("suite"), NULL },
	[D_REGRESSIONS] = { "regressions", TMPL_OWN_LINE, NULL,
			    L("backend", "since", "threshold"), NULL },
	[D_COUNT] = { NULL, 0, NULL, NULL, NULL },
};

static int render_directive_id(const struct tmpl_node *node)
{
	return node->spec >= render_specs && node->spec < render_specs + D_COUNT ?
		(int)(node->spec - render_specs) : -1;
}

/* ---------------------------------------------------------------- errors */

static void render_vformat(struct render *r, const struct tmpl_node *node, const char *key,
			   struct sbuf *s, const char *fmt, va_list ap)
{
	const struct tmpl_arg *arg = NULL;
	int line = node->line, col = node->col;

	if (key && tmpl_get(node, key, &arg)) {
		line = arg->line;
		col = arg->col;
	}
	sbuf_addf(s, "%s:%d:%d: ", r->t->path, line, col);
	sbuf_vaddf(s, fmt, ap);
}

int render_error(struct render *r, const struct tmpl_node *node, const char *key,
		 const char *fmt, ...)
{
	struct sbuf s = SBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	render_vformat(r, node, key, &s, fmt, ap);
	va_end(ap);
	err_set(r->err, r->n_err, MC_EINVAL, "%s", sbuf_str(&s));
	sbuf_release(&s);
	return MC_EINVAL;
}

int render_problem(struct render *r, const struct tmpl_node *node, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	render_vformat(r, node, NULL, &r->problems, fmt, ap);
	va_end(ap);
	sbuf_addc(&r->problems, '\n');
	r->n_problems++;
	return MC_ECLAIM;
}

static int render_oom(struct render *r)
{
	return err_set(r->err, r->n_err, MC_ENOMEM, "out of memory while rendering.");
}

/* ---------------------------------------------------------------- bookkeeping */

int render_use_run(struct render *r, int64_t run_id)
{
	for (size_t i = 0; i < r->n_used; i++)
		if (r->used[i] == run_id)
			return 0;
	if (r->n_used == r->cap_used) {
		size_t ncap = r->cap_used ? r->cap_used * 2 : 16;
		int64_t *nu = realloc(r->used, ncap * sizeof(*nu));

		if (!nu)
			return render_oom(r);
		r->used = nu;
		r->cap_used = ncap;
	}
	r->used[r->n_used++] = run_id;
	return 0;
}

int render_use_cell(struct render *r, const struct render_col *c,
		    const struct store_result *res)
{
	if (res && strcmp(res->status, "ok") == 0) {
		if (!r->min_samples || res->n_samples < r->min_samples)
			r->min_samples = res->n_samples;
		if (res->n_samples > r->max_samples)
			r->max_samples = res->n_samples;
		if (res->iters_per_sample > 0 &&
		    (!r->min_iters || res->iters_per_sample < r->min_iters))
			r->min_iters = res->iters_per_sample;
		if (res->iters_per_sample > r->max_iters)
			r->max_iters = res->iters_per_sample;
	}
	r->clocks |= strcmp(c->clock, "device") == 0 ? 2u : 1u;
	return render_use_run(r, c->run->id);
}

/* ---------------------------------------------------------------- arguments */

static void render_join(struct sbuf *s, const char *const *list, size_t max)
{
	size_t i;

	for (i = 0; list[i] && i < max; i++)
		sbuf_addf(s, "%s%s", i ? ", " : "", list[i]);
	if (list[i])
		sbuf_add(s, ", ...");
	if (i == 0)
		sbuf_add(s, "none");
}

int render_suite(struct render *r, const struct tmpl_node *node, const char **out)
{
	const char *suite = tmpl_get(node, "suite", NULL);
	const char *const *suites;
	struct sbuf s = SBUF_INIT;
	int rc;

	*out = suite;
	if ((rc = store_report_suites(r->rp, &suites, r->err, r->n_err)) != 0)
		return rc;
	for (size_t i = 0; suites[i]; i++)
		if (strcmp(suites[i], suite) == 0)
			return 0;
	render_join(&s, suites, 12);
	rc = render_error(r, node, "suite", "unknown suite '%s' (the db has: %s)", suite,
			  sbuf_str(&s));
	sbuf_release(&s);
	return rc;
}

int render_clock(struct render *r, const struct tmpl_node *node, const char **out)
{
	const char *clock = tmpl_get(node, "clock", NULL);

	*out = clock ? clock : "wall";
	if (strcmp(*out, "wall") && strcmp(*out, "device"))
		return render_error(r, node, "clock", "clock must be wall or device, not '%s'",
				    clock);
	return 0;
}

const char *render_variant(const struct tmpl_node *node)
{
	return tmpl_get(node, "variant", NULL);
}

static const char *const render_metric_names[] = {
	[RENDER_TIME] = "time", [RENDER_GBPS] = "gbps", [RENDER_GFLOPS] = "gflops",
	[RENDER_GBPS_PCT] = "gbps_peak", [RENDER_GFLOPS_PCT] = "gflops_peak",
	[RENDER_SAMPLES] = "samples",
	[RENDER_GBPS_BEST_PCT] = "gbps_peak_best", [RENDER_GFLOPS_BEST_PCT] = "gflops_peak_best",
};

int render_metric_is_best(enum render_metric m)
{
	return m == RENDER_GBPS_BEST_PCT || m == RENDER_GFLOPS_BEST_PCT;
}

int render_metric_is_pct(enum render_metric m)
{
	return m == RENDER_GBPS_PCT || m == RENDER_GFLOPS_PCT || render_metric_is_best(m);
}

int render_metric_is_gbps_pct(enum render_metric m)
{
	return m == RENDER_GBPS_PCT || m == RENDER_GBPS_BEST_PCT;
}

int render_metric(struct render *r, const struct tmpl_node *node, enum render_metric dflt,
		  unsigned allowed, enum render_metric *out)
{
	const char *m = tmpl_get(node, "metric", NULL);
	struct sbuf s = SBUF_INIT;
	int rc;

	*out = dflt;
	if (!m)
		return 0;
	for (unsigned i = 0; i < RENDER_N_METRICS; i++) {
		if ((allowed & (1u << i)) && strcmp(m, render_metric_names[i]) == 0) {
			*out = (enum render_metric)i;
			return 0;
		}
	}
	for (unsigned i = 0; i < RENDER_N_METRICS; i++)
		if (allowed & (1u << i))
			sbuf_addf(&s, "%s%s", s.len ? ", " : "", render_metric_names[i]);
	rc = render_error(r, node, "metric", "unknown metric '%s' here (expected one of: %s)",
			  m, sbuf_str(&s));
	sbuf_release(&s);
	return rc;
}

int render_number(struct render *r, const struct tmpl_node *node, const char *key,
			 double dflt, double *out)
{
	const char *v = tmpl_get(node, key, NULL);
	char *end;

	*out = dflt;
	if (!v)
		return 0;
	errno = 0;
	*out = strtod(v, &end);
	if (errno || *end || end == v || !isfinite(*out) || *out <= 0)
		return render_error(r, node, key, "%s must be a positive number, not '%s'", key, v);
	return 0;
}

/* ---------------------------------------------------------------- machines */

/* Resolves one machine name (hostname, fingerprint prefix or "*") into ids. */
static int render_machine(struct render *r, const struct tmpl_node *node, const char *key,
			  const char *name, int64_t *ids, size_t *n_ids)
{
	const struct store_machine *ms;
	struct sbuf s = SBUF_INIT;
	size_t n_ms, found = 0, len = strlen(name);
	int rc;

	if ((rc = store_report_machines(r->rp, &ms, &n_ms, r->err, r->n_err)) != 0)
		return rc;
	for (size_t i = 0; i < n_ms; i++) {
		int hit = strcmp(name, "*") == 0 || strcmp(ms[i].hostname, name) == 0 ||
			  (len >= 4 && strncmp(ms[i].fingerprint, name, len) == 0);
		int dup = 0;

		for (size_t k = 0; k < *n_ids; k++)
			dup |= ids[k] == ms[i].id;
		if (!hit || dup)
			continue;
		if (*n_ids == RENDER_MAX_MACHINES)
			return render_error(r, node, key, "more than %d machines selected",
					    RENDER_MAX_MACHINES);
		ids[(*n_ids)++] = ms[i].id;
		found++;
	}
	if (found > 1 && strcmp(name, "*") != 0) {
		for (size_t i = 0; i < n_ms; i++)
			if (strcmp(ms[i].hostname, name) == 0)
				sbuf_addf(&s, "%s%.8s", s.len ? ", " : "", ms[i].fingerprint);
		rc = render_error(r, node, key,
				  "machine '%s' is ambiguous: several machines have that hostname (name one by fingerprint: %s)",
				  name, sbuf_str(&s));
		sbuf_release(&s);
		return rc;
	}
	if (found || strcmp(name, "*") == 0)
		return 0;
	for (size_t i = 0; i < n_ms && i < 12; i++)
		sbuf_addf(&s, "%s%s", i ? ", " : "", ms[i].hostname);
	rc = render_error(r, node, key, "unknown machine '%s' (the db has: %s)", name,
			  n_ms ? sbuf_str(&s) : "none");
	sbuf_release(&s);
	return rc;
}

/* The machines a column reads when the item names none. */
static int render_scope_machines(struct render *r, const struct render_scope *sc,
				 int64_t *ids, size_t *n_ids)
{
	if (sc->n_machines) {
		memcpy(ids, sc->machines, sc->n_machines * sizeof(*ids));
		*n_ids = sc->n_machines;
	} else {
		ids[0] = r->default_machine;
		*n_ids = r->default_machine ? 1 : 0;
	}
	return 0;
}

/* ---------------------------------------------------------------- columns */

static int render_family_match(const char *family, const char *backend)
{
	size_t n = strlen(family);

	return strcmp(family, "*") == 0 || strcmp(family, backend) == 0 ||
	       (strncmp(family, backend, n) == 0 && backend[n] == ':');
}

/* Columns read ref, then cpu, then OpenCL devices, then peers. */
static int render_backend_rank(const char *b)
{
	if (strcmp(b, "ref") == 0)
		return 0;
	if (strcmp(b, "cpu") == 0)
		return 1;
	if (strncmp(b, "opencl", 6) == 0)
		return 2;
	return 3;
}

static int render_backend_cmp(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	int d = render_backend_rank(x) - render_backend_rank(y);

	return d ? d : strcmp(x, y);
}

static int render_result_cmp(const void *a, const void *b)
{
	return strcmp((*(const struct store_result *const *)a)->benchmark,
		      (*(const struct store_result *const *)b)->benchmark);
}

void render_cols_free(struct render_col *cols, size_t n)
{
	for (size_t i = 0; cols && i < n; i++)
		free(cols[i].by_bench);
	free(cols);
}

static int render_col_load(struct render *r, struct render_col *c, const char *suite)
{
	const struct store_result *res;
	size_t n;
	int rc;

	if ((rc = store_report_results(r->rp, c->run->id, suite, c->backend, c->variant, c->clock,
				 &res, &n, r->err, r->n_err)) != 0)
		return rc;
	if ((rc = store_report_device(r->rp, c->run->id, c->backend, &c->dev, r->err, r->n_err)) != 0)
		return rc;
	c->by_bench = malloc((n ? n : 1) * sizeof(*c->by_bench));
	if (!c->by_bench)
		return render_oom(r);
	for (size_t i = 0; i < n; i++)
		c->by_bench[i] = &res[i];
	qsort(c->by_bench, n, sizeof(*c->by_bench), render_result_cmp);
	c->n = n;
	return 0;
}

/* Splits "family@machine" (the machine part only when the whole item is
 * not itself a backend: device names may contain '@'). */
static void render_split_item(const char *item, const char *const *backends,
			      char *family, size_t n_family, const char **out_machine)
{
	const char *at = strrchr(item, '@');

	*out_machine = NULL;
	for (size_t i = 0; backends[i]; i++)
		if (strcmp(backends[i], item) == 0)
			at = NULL;
	snprintf(family, n_family, "%.*s", at ? (int)(at - item) : (int)strlen(item), item);
	if (at)
		*out_machine = at + 1;
}

static int render_no_column(struct render *r, const struct tmpl_node *node, const char *key,
			    const char *item, const char *suite, const struct render_scope *sc,
			    const int64_t *mids, size_t n_mids, const char *variant,
			    const char *clock)
{
	struct sbuf s = SBUF_INIT;
	int rc;

	for (size_t i = 0; i < n_mids; i++) {
		const struct store_machine *m = store_report_machine(r->rp, mids[i]);

		sbuf_addf(&s, "%s%s", i ? ", " : "", m ? m->hostname : "?");
	}
	rc = render_error(r, node, key,
			  "no complete run%s%s%s has suite '%s' on backend '%s'%s%s%s with clock %s (machine %s)",
			  sc->pin_run ? " (the selected run)" : "",
			  sc->commit ? " of commit " : "", sc->commit ? sc->commit : "",
			  suite, item, variant ? ", variant '" : "", variant ? variant : "",
			  variant ? "'" : "", clock,
			  n_mids ? sbuf_str(&s) : "none: the db has no complete run");
	sbuf_release(&s);
	return rc;
}

/* Appends the column (machine, backend, variant) read from run_id, unless
 * it is there already. */
static int render_add_col(struct render *r, struct render_col **cols, size_t *n, size_t *cap,
			  int64_t machine_id, const char *backend, const char *variant,
			  const char *clock, int64_t run_id, const char *suite)
{
	struct render_col *c;

	for (size_t k = 0; k < *n; k++)
		if ((*cols)[k].machine_id == machine_id && strcmp((*cols)[k].backend, backend) == 0 &&
		    strcmp((*cols)[k].variant, variant) == 0)
			return 0;
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 8;
		struct render_col *nc = realloc(*cols, ncap * sizeof(*nc));

		if (!nc)
			return render_oom(r);
		*cols = nc;
		*cap = ncap;
	}
	c = &(*cols)[*n];
	memset(c, 0, sizeof(*c));
	c->backend = backend;
	c->variant = variant;
	c->clock = clock;
	c->machine_id = machine_id;
	(*n)++;
	if (!(c->run = store_report_run(r->rp, run_id, r->err, r->n_err)))
		return MC_EDB;
	return render_col_load(r, c, suite);
}

int render_cols(struct render *r, const struct tmpl_node *node, const char *key,
		const char *spec, const struct render_scope *sc, const char *suite,
		const char *variant, const char *clock, struct render_col **out,
		size_t *out_n)
{
	const char *const *backends;
	struct render_col *cols = NULL;
	size_t n = 0, cap = 0;
	int multi_machine = 0;
	char *items = NULL, *save = NULL, *item;
	int rc;

	*out = NULL;
	*out_n = 0;
	if ((rc = store_report_backends(r->rp, &backends, r->err, r->n_err)) != 0)
		return rc;
	items = strdup(spec ? spec : "*");
	if (!items)
		return render_oom(r);
	for (item = strtok_r(items, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		int64_t mids[RENDER_MAX_MACHINES];
		size_t n_mids = 0, before = n, n_fam = 0;
		const char *machine, *fam[64];
		char family[160];
		int optional;

		while (*item == ' ')
			item++;
		/* "opencl?" is a column only where the data has one. */
		optional = *item && item[strlen(item) - 1] == '?';
		if (optional)
			item[strlen(item) - 1] = '\0';
		render_split_item(item, backends, family, sizeof(family), &machine);
		if (!*family) {
			rc = render_error(r, node, key, "empty backend name in '%s'", spec);
			goto fail;
		}
		if (machine)
			rc = render_machine(r, node, key, machine, mids, &n_mids);
		else
			rc = render_scope_machines(r, sc, mids, &n_mids);
		if (rc)
			goto fail;
		for (size_t i = 0; backends[i] && n_fam < 64; i++)
			if (render_family_match(family, backends[i]))
				fam[n_fam++] = backends[i];
		if (!n_fam && optional)
			continue;
		if (!n_fam) {
			struct sbuf s = SBUF_INIT;

			render_join(&s, backends, 12);
			rc = render_error(r, node, key, "unknown backend '%s' (the db has: %s)",
					  family, sbuf_str(&s));
			sbuf_release(&s);
			goto fail;
		}
		qsort(fam, n_fam, sizeof(fam[0]), render_backend_cmp);
		for (size_t m = 0; m < n_mids; m++) {
			for (size_t b = 0; b < n_fam; b++) {
				const char *const *variants;
				int64_t run_id;

				if ((rc = store_report_pick_run(r->rp, mids[m], suite, fam[b], sc->pin_run,
							  sc->commit, &run_id, r->err, r->n_err)) != 0)
					goto fail;
				if (!run_id)
					continue;
				if ((rc = store_report_variants(r->rp, run_id, suite, fam[b], clock, &variants,
							  r->err, r->n_err)) != 0)
					goto fail;
				for (size_t v = 0; variants[v]; v++) {
					if (variant && strcmp(variant, variants[v]) != 0)
						continue;
					if ((rc = render_add_col(r, &cols, &n, &cap, mids[m], fam[b],
								 variants[v], clock, run_id, suite)) != 0)
						goto fail;
				}
			}
		}
		if (n == before && !optional) {
			rc = render_no_column(r, node, key, family, suite, sc, mids, n_mids, variant,
					      clock);
			goto fail;
		}
	}
	for (size_t i = 0; i < n; i++)
		multi_machine |= cols[i].machine_id != cols[0].machine_id;
	for (size_t i = 0; i < n; i++) {
		const struct store_machine *m = store_report_machine(r->rp, cols[i].machine_id);

		snprintf(cols[i].label, sizeof(cols[i].label), "%s%s%s%s%s%s", cols[i].backend,
			 *cols[i].variant ? " (" : "", cols[i].variant, *cols[i].variant ? ")" : "",
			 multi_machine ? " @ " : "", multi_machine && m ? m->hostname : "");
	}
	free(items);
	*out = cols;
	*out_n = n;
	return 0;
fail:
	free(items);
	render_cols_free(cols, n);
	return rc;
}

const struct store_result *render_find(const struct render_col *c, const char *bench)
{
	size_t lo = 0, hi = c->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int d = strcmp(c->by_bench[mid]->benchmark, bench);

		if (d == 0)
			return c->by_bench[mid];
		if (d < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

void render_label_pair(struct render *r, struct render_col *a, struct render_col *b)
{
	struct render_col *both[2] = { a, b };

	if (a->machine_id == b->machine_id)
		return;
	for (int i = 0; i < 2; i++) {
		const struct store_machine *m = store_report_machine(r->rp, both[i]->machine_id);
		size_t len = strlen(both[i]->label);

		if (m && !strstr(both[i]->label, " @ "))
			snprintf(both[i]->label + len, sizeof(both[i]->label) - len, " @ %s",
				 m->hostname);
	}
}

/* Resolves a single column: exactly one backend must match. */
static int render_one_col(struct render *r, const struct tmpl_node *node, const char *key,
			  const struct render_scope *sc, const char *suite, const char *variant,
			  const char *clock, struct render_col **out)
{
	size_t n;
	int rc = render_cols(r, node, key, tmpl_get(node, key, NULL), sc, suite, variant,
			     clock, out, &n);

	if (rc == 0 && n != 1) {
		struct sbuf s = SBUF_INIT;

		for (size_t i = 0; i < n; i++)
			sbuf_addf(&s, "%s%s", i ? ", " : "", (*out)[i].label);
		rc = render_error(r, node, key, "'%s' matches %zu columns (%s); name one",
				  tmpl_get(node, key, NULL), n, sbuf_str(&s));
		sbuf_release(&s);
		render_cols_free(*out, n);
		*out = NULL;
	}
	return rc;
}

/* ---------------------------------------------------------------- rows */

int render_natural_cmp(const char *a, const char *b)
{
	while (*a && *b) {
		if (*a >= '0' && *a <= '9' && *b >= '0' && *b <= '9') {
			const char *ea = a, *eb = b;

			while (*a == '0' && a[1] >= '0' && a[1] <= '9')
				a++;
			while (*b == '0' && b[1] >= '0' && b[1] <= '9')
				b++;
			for (ea = a; *ea >= '0' && *ea <= '9'; ea++)
				;
			for (eb = b; *eb >= '0' && *eb <= '9'; eb++)
				;
			if (ea - a != eb - b)
				return ea - a < eb - b ? -1 : 1;
			for (; a < ea; a++, b++)
				if (*a != *b)
					return *a < *b ? -1 : 1;
			continue;
		}
		if (*a != *b)
			return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
		a++;
		b++;
	}
	return *a ? 1 : *b ? -1 : 0;
}

static int render_row_cmp(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	int d = render_natural_cmp(x, y);

	return d ? d : strcmp(x, y);
}

static int render_has_glob(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

int render_rows(struct render *r, const struct tmpl_node *node, const char *pattern,
		const struct render_col *cols, size_t n_cols, const char ***out,
		size_t *out_n)
{
	const char **rows;
	size_t total = 0, n = 0;

	*out = NULL;
	*out_n = 0;
	for (size_t i = 0; i < n_cols; i++)
		total += cols[i].n;
	rows = malloc((total ? total : 1) * sizeof(*rows));
	if (!rows)
		return render_oom(r);
	for (size_t i = 0; i < n_cols; i++)
		for (size_t k = 0; k < cols[i].n; k++)
			if (!pattern || fnmatch(pattern, cols[i].by_bench[k]->benchmark, 0) == 0)
				rows[n++] = cols[i].by_bench[k]->benchmark;
	qsort(rows, n, sizeof(*rows), render_row_cmp);
	if (n) {
		size_t w = 1;

		for (size_t i = 1; i < n; i++)
			if (strcmp(rows[i], rows[w - 1]) != 0)
				rows[w++] = rows[i];
		n = w;
	}
	if (!n) {
		free(rows);
		if (pattern)
			return render_error(r, node, "bench", "%s '%s' in the selected runs",
					    render_has_glob(pattern) ? "no benchmark matches" :
					    "unknown benchmark", pattern);
		return render_error(r, node, "suite", "the selected runs have no result here");
	}
	*out = rows;
	*out_n = n;
	return 0;
}

/* ---------------------------------------------------------------- numbers */

double render_value(const struct store_result *res, const struct store_device *dev,
		    enum render_metric m)
{
	double t;

	if (!res || strcmp(res->status, "ok") != 0)
		return NAN;
	if (m == RENDER_SAMPLES)
		return (double)res->n_samples;
	t = render_metric_is_best(m) ? res->stats.min : res->stats.median;
	if (!(t > 0))
		return NAN;
	switch (m) {
	case RENDER_TIME: return t;
	case RENDER_GBPS: return res->bytes > 0 ? res->bytes / t : NAN;
	case RENDER_GFLOPS: return res->flops > 0 ? res->flops / t : NAN;
	case RENDER_GBPS_PCT:
	case RENDER_GBPS_BEST_PCT:
		return res->bytes > 0 && dev ? 100.0 * res->bytes / t / dev->peak_gbps : NAN;
	case RENDER_GFLOPS_PCT:
	case RENDER_GFLOPS_BEST_PCT:
		return res->flops > 0 && dev ? 100.0 * res->flops / t / dev->peak_gflops : NAN;
	case RENDER_SAMPLES:
	case RENDER_N_METRICS:
		break;
	}
	return NAN;
}

void render_value_text(struct sbuf *s, double v, enum render_metric m)
{
	char num[UNITS_LEN];

	if (!isfinite(v)) {
		sbuf_add(s, "\xe2\x80\x94");   /* em dash: no value */
		return;
	}
	switch (m) {
	case RENDER_TIME:
		units_time(v, num, sizeof(num));
		sbuf_add(s, num);
		return;
	case RENDER_GBPS:
	case RENDER_GFLOPS:
		units_sig(v, 3, num, sizeof(num));
		sbuf_addf(s, "%s %s", num, m == RENDER_GBPS ? "GB/s" : "GFLOP/s");
		return;
	case RENDER_GBPS_PCT:
	case RENDER_GFLOPS_PCT:
		units_pct(v, num, sizeof(num));
		sbuf_addf(s, "%s%% of peak", num);
		return;
	case RENDER_GBPS_BEST_PCT:
	case RENDER_GFLOPS_BEST_PCT:
		units_pct(v, num, sizeof(num));
		sbuf_addf(s, "%s%% of peak at the best sample", num);
		return;
	case RENDER_SAMPLES:
		sbuf_addf(s, "%.0f samples", v);
		return;
	case RENDER_N_METRICS:
		break;
	}
}

void render_ratio_text(struct sbuf *s, double ta, double tb, const char *a_label,
		       const char *b_label)
{
	char ratio[UNITS_LEN], factor[UNITS_LEN];
	double x = ta / tb;

	units_factor(x, ratio, sizeof(ratio));
	units_factor(x < 1 ? 1 / x : x, factor, sizeof(factor));
	sbuf_addf(s, "%sx (", ratio);
	if (strcmp(factor, "1.00") == 0) {
		sbuf_add(s, "same speed)");
		return;
	}
	mdesc_text(s, x < 1 ? a_label : b_label);
	sbuf_addf(s, " %sx faster)", factor);
}

void render_code(struct sbuf *s, const char *text)
{
	if (*text && !strpbrk(text, "`\n\r|")) {
		sbuf_addc(s, '`');
		sbuf_add(s, text);
		sbuf_addc(s, '`');
	} else {
		mdesc_text(s, text);
	}
}

static void render_samples_range(struct sbuf *s, int64_t lo, int64_t hi)
{
	if (lo == hi)
		sbuf_addf(s, "%lld", (long long)lo);
	else
		sbuf_addf(s, "%lld\xe2\x80\x93%lld", (long long)lo, (long long)hi);
}

void render_sources(struct sbuf *s, const struct render_col *cols, size_t n_cols,
		    const char *const *rows, size_t n_rows)
{
	sbuf_add(s, "Source: ");
	for (size_t i = 0; i < n_cols; i++) {
		int64_t lo = 0, hi = 0;
		int first = 1;

		for (size_t k = 0; k < i; k++)
			first &= cols[k].run != cols[i].run;
		if (!first)
			continue;
		/* Every column read from this run, then the run. */
		for (size_t k = i; k < n_cols; k++) {
			if (cols[k].run != cols[i].run)
				continue;
			if (k != i)
				sbuf_add(s, ", ");
			mdesc_text(s, cols[k].label);
			for (size_t j = 0; j < n_rows; j++) {
				const struct store_result *res = render_find(&cols[k], rows[j]);

				if (!res || strcmp(res->status, "ok") != 0)
					continue;
				lo = !lo || res->n_samples < lo ? res->n_samples : lo;
				hi = res->n_samples > hi ? res->n_samples : hi;
			}
		}
		sbuf_addf(s, " from run `%.8s` (", cols[i].run->uuid);
		mdesc_text(s, cols[i].run->started_at);
		if (hi) {
			sbuf_add(s, ", ");
			render_samples_range(s, lo, hi);
			sbuf_add(s, " samples per result");
		}
		sbuf_add(s, "); ");
	}
	sbuf_truncate(s, s->len - 2);
	sbuf_add(s, ".");
}

/* ---------------------------------------------------------------- notes */

/* Starts a footnote: appends its reference to the body and opens its
 * definition in r->notes (the caller writes the text and the newline). */
static void render_note_open(struct render *r)
{
	r->n_notes++;
	sbuf_addf(&r->body, "[^mc%zu]", r->n_notes);
	sbuf_addf(&r->notes, "[^mc%zu]: ", r->n_notes);
}

/* "cpu: run `1a2b3c4d` (date), median of 10 samples" for a footnote; "best
 * of" when the value came from the fastest sample (m a *_BEST_PCT). */
static void render_note_cell(struct sbuf *s, const struct render_col *c,
			     const struct store_result *res, enum render_metric m)
{
	mdesc_text(s, c->label);
	sbuf_addf(s, " from run `%.8s` (", c->run->uuid);
	mdesc_text(s, c->run->started_at);
	if (res && strcmp(res->status, "ok") == 0)
		sbuf_addf(s, ", %s of %lld samples", render_metric_is_best(m) ? "best" : "median",
			  (long long)res->n_samples);
	sbuf_addf(s, ", %s clock)", c->clock);
}

/* ---------------------------------------------------------------- select */

static int render_select(struct render *r, const struct tmpl_node *node,
			 const struct render_scope *outer, struct render_scope *out)
{
	const char *machine = tmpl_get(node, "machine", NULL);
	const char *run = tmpl_get(node, "run", NULL);
	const char *commit = tmpl_get(node, "commit", NULL);
	int rc;

	*out = *outer;
	if (machine) {
		char *list = strdup(machine), *save = NULL;

		if (!list)
			return render_oom(r);
		out->n_machines = 0;
		for (char *m = strtok_r(list, ",", &save); m; m = strtok_r(NULL, ",", &save)) {
			if ((rc = render_machine(r, node, "machine", m, out->machines,
						 &out->n_machines)) != 0) {
				free(list);
				return rc;
			}
		}
		free(list);
		if (!out->n_machines)
			return render_error(r, node, "machine", "no machine selected by '%s'",
					    machine);
	}
	if (run) {
		const struct store_run *rn;
		int64_t run_id;

		if ((rc = store_run_resolve(r->st, run, 0, &run_id, r->err, r->n_err)) != 0)
			return rc == MC_EINVAL ? render_error(r, node, "run", "%s", r->err) : rc;
		if (!(rn = store_report_run(r->rp, run_id, r->err, r->n_err)))
			return MC_EDB;
		out->pin_run = rn->id;
		out->machines[0] = rn->machine_id;
		out->n_machines = 1;
	}
	if (commit) {
		int found;

		if ((rc = store_report_has_commit(r->rp, commit, &found, r->err, r->n_err)) != 0)
			return rc;
		if (!found)
			return render_error(r, node, "commit",
					    "no complete run was made at a commit starting with '%s'",
					    commit);
		out->commit = commit;
	}
	return 0;
}

/* ---------------------------------------------------------------- value, ratio */

static int render_known_bench(struct render *r, const struct tmpl_node *node,
			      const char *suite, const char *bench)
{
	int found, rc = store_report_has_benchmark(r->rp, suite, bench, &found, r->err, r->n_err);

	if (rc)
		return rc;
	if (!found)
		return render_error(r, node, "bench", "unknown benchmark '%s' in suite '%s'",
				    bench, suite);
	return 0;
}

static int render_do_value(struct render *r, const struct tmpl_node *node,
			   const struct render_scope *sc)
{
	const char *suite, *clock, *bench = tmpl_get(node, "bench", NULL);
	const char *spread = tmpl_get(node, "spread", NULL);
	const struct store_result *res;
	struct render_col *c = NULL;
	enum render_metric m;
	double v;
	int rc;

	if ((rc = render_suite(r, node, &suite)) || (rc = render_clock(r, node, &clock)) ||
	    (rc = render_metric(r, node, RENDER_TIME, 0xff, &m)) ||
	    (rc = render_known_bench(r, node, suite, bench)))
		return rc;
	if (spread && strcmp(spread, "none") && strcmp(spread, "ci") && strcmp(spread, "cv"))
		return render_error(r, node, "spread", "spread must be ci, cv or none");
	if ((rc = render_one_col(r, node, "backend", sc, suite, render_variant(node), clock,
				 &c)) != 0)
		return rc;
	res = render_find(c, bench);
	if (!res) {
		rc = render_error(r, node, "bench", "run %.8s has no result for '%s' on %s",
				  c->run->uuid, bench, c->label);
		goto out;
	}
	v = render_value(res, c->dev, m);
	if (strcmp(res->status, "ok") != 0)
		mdesc_text(&r->body, res->status);
	else
		render_value_text(&r->body, v, m);
	if (m == RENDER_TIME && isfinite(v) && spread && strcmp(spread, "ci") == 0) {
		char lo[UNITS_LEN], hi[UNITS_LEN];

		units_time_as(res->stats.ci_lo, v, lo, sizeof(lo));
		units_time_as(res->stats.ci_hi, v, hi, sizeof(hi));
		sbuf_addf(&r->body, " (95%% CI %s\xe2\x80\x93%s)", lo, hi);
	} else if (m == RENDER_TIME && isfinite(v) && spread && strcmp(spread, "cv") == 0 &&
		   res->stats.mean > 0) {
		char cv[UNITS_LEN];

		units_pct(100 * res->stats.stddev / res->stats.mean, cv, sizeof(cv));
		sbuf_addf(&r->body, " (CV %s%%)", cv);
	}
	render_note_open(r);
	mdesc_text(&r->notes, suite);
	sbuf_add(&r->notes, " / ");
	mdesc_text(&r->notes, bench);
	sbuf_add(&r->notes, ": ");
	render_note_cell(&r->notes, c, res, m);
	sbuf_add(&r->notes, ".\n");
	rc = render_use_cell(r, c, res);
out:
	render_cols_free(c, 1);
	return rc;
}

/* The benchmarks both columns ran (a row on each side; a single column
 * when cb == ca), filtered by pattern. A shared benchmark without an ok
 * result on either side is missing data: the first one goes in
 * *out_missing (NULL when all are there). */
struct render_pair {
	const char *bench;
	const struct store_result *a, *b;
};

static int render_pairs(struct render *r, const struct tmpl_node *node, const char *pattern,
			struct render_col *ca, struct render_col *cb,
			struct render_pair **out, size_t *out_n,
			const struct render_pair **out_missing)
{
	const char **rows;
	struct render_pair *pairs;
	size_t n_rows, n = 0;
	int rc;

	*out_missing = NULL;
	*out = NULL;
	*out_n = 0;
	if ((rc = render_rows(r, node, pattern, ca, 1, &rows, &n_rows)) != 0)
		return rc;
	pairs = calloc(n_rows, sizeof(*pairs));
	if (!pairs) {
		free(rows);
		return render_oom(r);
	}
	for (size_t i = 0; i < n_rows; i++) {
		struct render_pair *p = &pairs[n];

		p->bench = rows[i];
		p->a = render_find(ca, rows[i]);
		p->b = render_find(cb, rows[i]);
		if (!p->a || !p->b)
			continue;   /* not run by both: not part of the comparison */
		if ((rc = render_use_cell(r, ca, p->a)) || (rc = render_use_cell(r, cb, p->b))) {
			free(rows);
			free(pairs);
			return rc;
		}
		n++;
	}
	for (size_t i = 0; i < n && !*out_missing; i++)
		if (!isfinite(render_value(pairs[i].a, NULL, RENDER_TIME)) ||
		    !isfinite(render_value(pairs[i].b, NULL, RENDER_TIME)))
			*out_missing = &pairs[i];
	free(rows);
	*out = pairs;
	*out_n = n;
	return 0;
}

/* "cpu has no ok result for X (invalid: message)" */
static void render_missing_text(struct sbuf *s, const struct render_pair *p,
				const struct render_col *ca, const struct render_col *cb)
{
	const struct store_result *res = p->a;
	const struct render_col *c = ca;

	if (isfinite(render_value(p->a, NULL, RENDER_TIME))) {
		res = p->b;
		c = cb;
	}
	sbuf_addf(s, "%s has no ok result for %s in run %.8s", c->label, p->bench,
		  c->run->uuid);
	if (res)
		sbuf_addf(s, " (%s%s%s)", res->status, res->message ? ": " : "",
			  res->message ? res->message : "");
}

static void render_pair_note(struct render *r, const char *suite, const char *what,
			     const struct render_col *ca, const struct render_col *cb)
{
	render_note_open(r);
	mdesc_text(&r->notes, suite);
	sbuf_add(&r->notes, " / ");
	mdesc_text(&r->notes, what);
	sbuf_add(&r->notes, ": ");
	render_note_cell(&r->notes, ca, NULL, RENDER_TIME);
	if (cb != ca) {
		sbuf_add(&r->notes, "; ");
		render_note_cell(&r->notes, cb, NULL, RENDER_TIME);
	}
	sbuf_add(&r->notes, ".\n");
}

static int render_do_ratio(struct render *r, const struct tmpl_node *node,
			   const struct render_scope *sc)
{
	const char *suite, *clock, *bench = tmpl_get(node, "bench", NULL);
	struct render_col *ca = NULL, *cb = NULL;
	const struct render_pair *missing;
	struct render_pair *pairs = NULL;
	size_t n = 0;
	double log_sum = 0;
	int rc;

	if ((rc = render_suite(r, node, &suite)) || (rc = render_clock(r, node, &clock)))
		return rc;
	if (bench && !render_has_glob(bench) && (rc = render_known_bench(r, node, suite, bench)))
		return rc;
	if ((rc = render_one_col(r, node, "a", sc, suite, render_variant(node), clock, &ca)) ||
	    (rc = render_one_col(r, node, "b", sc, suite, render_variant(node), clock, &cb)))
		goto out;
	render_label_pair(r, ca, cb);
	if ((rc = render_pairs(r, node, bench, ca, cb, &pairs, &n, &missing)) != 0)
		goto out;
	if (!n) {
		rc = render_error(r, node, "b", "%s and %s ran no benchmark%s in common",
				  ca->label, cb->label, bench ? " matching bench=" : "");
		goto out;
	}
	if (missing) {
		struct sbuf s = SBUF_INIT;

		render_missing_text(&s, missing, ca, cb);
		rc = render_error(r, node, "a", "cannot compute the ratio: %s", sbuf_str(&s));
		sbuf_release(&s);
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		log_sum += log(pairs[i].a->stats.median / pairs[i].b->stats.median);
	render_ratio_text(&r->body, exp(log_sum / (double)n), 1, ca->label, cb->label);
	if (n > 1) {
		/* Insert the aggregate's wording inside the parenthesis. */
		sbuf_truncate(&r->body, r->body.len - 1);
		sbuf_addf(&r->body, "; geometric mean over the %zu benchmarks both ran)", n);
	}
	render_pair_note(r, suite, n == 1 ? pairs[0].bench : (bench ? bench : "all benchmarks"),
			 ca, cb);
out:
	free(pairs);
	render_cols_free(ca, ca ? 1 : 0);
	render_cols_free(cb, cb ? 1 : 0);
	return rc;
}

/* ---------------------------------------------------------------- claims */

/* The worst case over the benchmarks of one column pair or one column. */
struct render_claim {
	double worst;              /* speed-up (faster), |deviation| % (within), value (atleast) */
	const char *worst_bench;
	size_t n;
};

/* Appends text escaped for the document, or as is for a message. */
typedef void render_put_fn(struct sbuf *s, const char *text);

static void render_claim_wording(struct sbuf *s, render_put_fn *put,
				 const struct tmpl_node *node, const char *suite,
				 const struct render_col *ca, const struct render_col *cb,
				 double threshold, enum render_metric m)
{
	const char *bench = tmpl_get(node, "bench", NULL);

	put(s, ca->label);
	if (strcmp(node->word, "faster") == 0) {
		if (threshold == 1)
			sbuf_add(s, " is at least as fast as ");
		else
			sbuf_addf(s, " is at least %gx faster than ", threshold);
		put(s, cb->label);
	} else if (strcmp(node->word, "within") == 0) {
		sbuf_addf(s, " is within %g%% of the time of ", threshold);
		put(s, cb->label);
	} else if (m == RENDER_GBPS || m == RENDER_GFLOPS) {
		sbuf_addf(s, " reaches at least %g %s", threshold,
			  m == RENDER_GBPS ? "GB/s" : "GFLOP/s");
	} else {
		sbuf_addf(s, " reaches at least %g%% of its measured peak %s%s", threshold,
			  render_metric_is_gbps_pct(m) ? "bandwidth" : "FLOP rate",
			  render_metric_is_best(m) ? " at its best sample" : "");
	}
	sbuf_add(s, " on every ");
	put(s, suite);
	sbuf_add(s, " benchmark");
	if (bench) {
		sbuf_add(s, " matching ");
		put(s, bench);
	}
	sbuf_add(s, ca == cb ? " it ran" : " both ran");
}

static void render_claim_measured(struct sbuf *s, render_put_fn *put,
				  const struct tmpl_node *node,
				  const struct render_claim *cl, enum render_metric m)
{
	char num[UNITS_LEN];

	sbuf_add(s, "worst case ");
	if (strcmp(node->word, "faster") == 0) {
		units_factor(cl->worst, num, sizeof(num));
		sbuf_addf(s, "%sx faster", num);
	} else if (strcmp(node->word, "within") == 0) {
		units_pct(cl->worst, num, sizeof(num));
		sbuf_addf(s, "%s%% apart", num);
	} else {
		render_value_text(s, cl->worst, m);
	}
	sbuf_add(s, " on ");
	put(s, cl->worst_bench);
}

static int render_do_claim(struct render *r, const struct tmpl_node *node,
			   const struct render_scope *sc)
{
	const char *suite, *clock, *kind = node->word, *bench = tmpl_get(node, "bench", NULL);
	int faster = strcmp(kind, "faster") == 0, within = strcmp(kind, "within") == 0;
	struct render_col *ca = NULL, *cb = NULL;
	const struct render_pair *missing = NULL;
	struct render_pair *pairs = NULL;
	struct render_claim cl = { NAN, NULL, 0 };
	struct sbuf wording = SBUF_INIT, measured = SBUF_INIT;
	enum render_metric m = RENDER_TIME;
	double threshold;
	int holds, rc;

	if ((rc = render_suite(r, node, &suite)) || (rc = render_clock(r, node, &clock)))
		return rc;
	/* Which arguments a kind needs, checked before any data is read. */
	if (faster || within) {
		const char *need[] = { "a", "b", within ? "pct" : NULL };

		for (size_t i = 0; i < 3; i++)
			if (need[i] && !tmpl_get(node, need[i], NULL))
				return render_error(r, node, NULL, "{{claim %s}} needs %s=", kind,
						    need[i]);
		if ((rc = render_number(r, node, within ? "pct" : "by", 1, &threshold)) != 0)
			return rc;
		if (tmpl_get(node, "backend", NULL) || tmpl_get(node, "value", NULL) ||
		    tmpl_get(node, "metric", NULL))
			return render_error(r, node, NULL,
					    "{{claim %s}} takes a=, b= and %s=, not backend=, metric= or value=",
					    kind, within ? "pct" : "by");
	} else {
		if (!tmpl_get(node, "backend", NULL) || !tmpl_get(node, "metric", NULL) ||
		    !tmpl_get(node, "value", NULL))
			return render_error(r, node, NULL,
					    "{{claim atleast}} needs backend=, metric= and value=");
		if ((rc = render_metric(r, node, RENDER_GBPS, 0xde, &m)) ||
		    (rc = render_number(r, node, "value", 1, &threshold)))
			return rc;
	}
	if (bench && !render_has_glob(bench) && (rc = render_known_bench(r, node, suite, bench)))
		return rc;
	if ((rc = render_one_col(r, node, faster || within ? "a" : "backend", sc, suite,
				 render_variant(node), clock, &ca)) != 0)
		goto out;
	/* atleast reads one column: pair it with itself. */
	if (faster || within)
		rc = render_one_col(r, node, "b", sc, suite, render_variant(node), clock, &cb);
	if (cb)
		render_label_pair(r, ca, cb);
	if (rc || (rc = render_pairs(r, node, bench, ca, cb ? cb : ca, &pairs, &cl.n, &missing)))
		goto out;
	render_claim_wording(&wording, sbuf_add, node, suite, ca, cb ? cb : ca, threshold, m);
	if (!cl.n) {
		rc = render_problem(r, node, "claim lacks data: \"%s\": %s", sbuf_str(&wording),
				    cb ? "the two ran no benchmark in common" :
				    "no benchmark matches");
		goto out;
	}
	if (missing) {
		render_missing_text(&measured, missing, ca, cb ? cb : ca);
		rc = render_problem(r, node, "claim lacks data: \"%s\": %s", sbuf_str(&wording),
				    sbuf_str(&measured));
		goto out;
	}
	for (size_t i = 0; i < cl.n; i++) {
		double ta = pairs[i].a->stats.median, tb = pairs[i].b->stats.median, v;
		int worse;

		if (faster)
			v = tb / ta, worse = !(v >= cl.worst);
		else if (within)
			v = 100 * fabs(ta / tb - 1), worse = !(v <= cl.worst);
		else
			v = render_value(pairs[i].a, ca->dev, m), worse = !(v >= cl.worst);
		if (isnan(v)) {
			struct sbuf s = SBUF_INIT;

			if (render_metric_is_pct(m))
				sbuf_addf(&s, "run %.8s measured no peak %s for %s, so %s has no "
					  "percentage of peak", ca->run->uuid,
					  render_metric_is_gbps_pct(m) ? "bandwidth" : "FLOP rate", ca->label,
					  pairs[i].bench);
			else
				sbuf_addf(&s, "%s has no %s for %s", ca->label,
					  render_metric_names[m], pairs[i].bench);
			rc = render_problem(r, node, "claim lacks data: \"%s\": %s",
					    sbuf_str(&wording), sbuf_str(&s));
			sbuf_release(&s);
			goto out;
		}
		if (worse || !cl.worst_bench) {
			cl.worst = v;
			cl.worst_bench = pairs[i].bench;
		}
	}
	holds = faster ? cl.worst >= threshold : within ? cl.worst <= threshold :
		cl.worst >= threshold;
	render_claim_measured(&measured, sbuf_add, node, &cl, m);
	if (!holds) {
		rc = render_problem(r, node, "claim does not hold: \"%s\": measured %s (%zu benchmark%s)",
				    sbuf_str(&wording), sbuf_str(&measured), cl.n,
				    cl.n == 1 ? "" : "s");
		goto out;
	}
	sbuf_add(&r->body, "\xe2\x9c\x85 ");
	render_claim_wording(&r->body, mdesc_text, node, suite, ca, cb ? cb : ca, threshold, m);
	sbuf_add(&r->body, " (measured: ");
	render_claim_measured(&r->body, mdesc_text, node, &cl, m);
	sbuf_addf(&r->body, "; %zu benchmark%s)", cl.n, cl.n == 1 ? "" : "s");
	render_pair_note(r, suite, bench ? bench : "all benchmarks", ca, cb ? cb : ca);
out:
	sbuf_release(&wording);
	sbuf_release(&measured);
	free(pairs);
	render_cols_free(ca, ca ? 1 : 0);
	render_cols_free(cb, cb ? 1 : 0);
	return rc;
}

/* ---------------------------------------------------------------- engine */

static int render_defer(struct render *r, size_t node_index)
{
	struct render_deferred *nd = realloc(r->deferred, (r->n_deferred + 1) * sizeof(*nd));

	if (!nd)
		return render_oom(r);
	r->deferred = nd;
	nd[r->n_deferred].node = node_index;
	nd[r->n_deferred].at = r->body.len;
	r->n_deferred++;
	return 0;
}

static int render_range(struct render *r, size_t from, size_t to,
			const struct render_scope *sc)
{
	int rc = 0;

	for (size_t i = from; i < to; i++) {
		const struct tmpl_node *node = &r->t->nodes[i];
		int id, step;

		if (node->kind == TMPL_TEXT) {
			sbuf_addn(&r->body, node->text, node->len);
			continue;
		}
		id = render_directive_id(node);
		switch (id) {
		case D_SELECT: {
			struct render_scope inner;

			if ((step = render_select(r, node, sc, &inner)) == 0)
				step = render_range(r, i + 1, node->end, &inner);
			i = node->end;
			break;
		}
		case D_TABLE: step = render_table(r, node, sc); break;
		case D_CHART: step = render_chart(r, node, sc); break;
		case D_VALUE: step = render_do_value(r, node, sc); break;
		case D_RATIO: step = render_do_ratio(r, node, sc); break;
		case D_CLAIM: step = render_do_claim(r, node, sc); break;
		case D_SUSPICIOUS: step = render_suspicious(r, node, sc); break;
		case D_REGRESSIONS: step = render_regressions(r, node, sc); break;
		case D_PROVENANCE:
		case D_REJECTED: step = render_defer(r, i); break;
		default: step = 0; break;   /* {{end}} of a block handled above */
		}
		if (step == MC_ECLAIM) {
			rc = MC_ECLAIM;    /* keep going: report every claim at once */
			continue;
		}
		if (step)
			return step;
	}
	return rc;
}

static void render_shell_word(struct sbuf *s, const char *w)
{
	if (*w && strspn(w, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			 "0123456789._-/=:+,@%") == strlen(w)) {
		sbuf_add(s, w);
		return;
	}
	sbuf_addc(s, '\'');
	for (; *w; w++) {
		if (*w == '\'')
			sbuf_add(s, "'\\''");
		else
			sbuf_addc(s, *w);
	}
	sbuf_addc(s, '\'');
}

void render_command(const struct render_opts *o, char *out, size_t n_out)
{
	struct sbuf s = SBUF_INIT;

	sbuf_add(&s, "mcreport --db ");
	render_shell_word(&s, o->db_label);
	sbuf_add(&s, " --template ");
	render_shell_word(&s, o->template_path);
	sbuf_add(&s, " --charts ");
	render_shell_word(&s, o->charts_link ? o->charts_link : RENDER_DEFAULT_CHARTS);
	snprintf(out, n_out, "%s", sbuf_failed(&s) ? "mcreport" : sbuf_str(&s));
	sbuf_release(&s);
}

static int render_run_cmp(const void *a, const void *b)
{
	const struct store_run *x = *(const struct store_run *const *)a;
	const struct store_run *y = *(const struct store_run *const *)b;
	int d = strcmp(x->started_at, y->started_at);

	return d ? d : x->id < y->id ? -1 : x->id > y->id;
}

int render_used_runs(struct render *r, const struct store_run ***out)
{
	const struct store_run **runs = malloc((r->n_used ? r->n_used : 1) * sizeof(*runs));

	if (!runs)
		return render_oom(r);
	for (size_t i = 0; i < r->n_used; i++) {
		if (!(runs[i] = store_report_run(r->rp, r->used[i], r->err, r->n_err))) {
			free(runs);
			return MC_EDB;
		}
	}
	qsort(runs, r->n_used, sizeof(*runs), render_run_cmp);
	*out = runs;
	return 0;
}

static void render_header(struct render *r, struct sbuf *s, const struct store_run **runs)
{
	char cmd[1024];

	render_command(r->o, cmd, sizeof(cmd));
	sbuf_add(s, "> **Generated file: do not edit by hand.** Rendered by ");
	render_code(s, cmd);
	sbuf_add(s, " from the template ");
	render_code(s, r->o->template_path);
	sbuf_add(s, " and the db ");
	render_code(s, r->o->db_label);
	if (r->n_used) {
		sbuf_addf(s, ", run%s", r->n_used == 1 ? "" : "s");
		for (size_t i = 0; i < r->n_used; i++) {
			sbuf_add(s, i ? ", " : " ");
			render_code(s, runs[i]->uuid);
		}
	} else {
		sbuf_add(s, " (no run's data is shown)");
	}
	sbuf_add(s, ".\n> Every number below comes from those runs; change the template and "
		 "re-render. `mcreport check` fails when this file and the data disagree.\n\n");
}

/* Provenance and rejected sections need every run the document uses, so
 * they are rendered last and spliced in where their directive stood. */
static int render_assemble(struct render *r, struct sbuf *doc)
{
	const struct store_run **runs = NULL;
	size_t from = 0;
	int rc;

	if ((rc = render_used_runs(r, &runs)) != 0)
		return rc;
	render_header(r, doc, runs);
	free(runs);
	for (size_t i = 0; i < r->n_deferred; i++) {
		const struct tmpl_node *node = &r->t->nodes[r->deferred[i].node];

		sbuf_addn(doc, r->body.buf + from, r->deferred[i].at - from);
		from = r->deferred[i].at;
		rc = render_directive_id(node) == D_PROVENANCE ? render_provenance(r, node, doc) :
			render_rejected(r, node, doc);
		if (rc)
			return rc;
	}
	sbuf_addn(doc, sbuf_str(&r->body) + from, r->body.len - from);
	if (r->n_notes) {
		while (doc->len && doc->buf[doc->len - 1] == '\n')
			sbuf_truncate(doc, doc->len - 1);
		sbuf_add(doc, "\n\n");
		sbuf_add(doc, sbuf_str(&r->notes));
	}
	return sbuf_failed(doc) || sbuf_failed(&r->body) || sbuf_failed(&r->notes) ?
		render_oom(r) : 0;
}

static int render_mkdirs(const char *dir, char *err, size_t n_err)
{
	char path[4096];

	if (snprintf(path, sizeof(path), "%s", dir) >= (int)sizeof(path))
		return err_set(err, n_err, MC_EIO, "chart directory name too long.");
	for (char *p = path + 1; ; p++) {
		if (*p == '/' || !*p) {
			char c = *p;

			*p = '\0';
			if (mkdir(path, 0777) != 0 && errno != EEXIST)
				return err_set(err, n_err, MC_EIO, "cannot create %s: %s.", path,
					       strerror(errno));
			*p = c;
			if (!c)
				break;
		}
	}
	return 0;
}

int render_document(struct store *st, const struct render_opts *o, struct render_out *out,
		    char *err, size_t n_err)
{
	struct render r;
	struct render_scope top;
	struct sbuf doc = SBUF_INIT;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&r, 0, sizeof(r));
	memset(&top, 0, sizeof(top));
	r.o = o;
	r.st = st;
	r.err = err;
	r.n_err = n_err;
	if ((rc = tmpl_load(o->template_path, render_specs, &r.t, err, n_err)) ||
	    (rc = store_report_open(st, &r.rp, err, n_err)) ||
	    (rc = chart_batch_new(&r.charts, err, n_err)) ||
	    (rc = store_report_default_machine(r.rp, &r.default_machine, err, n_err)))
		goto out;
	rc = render_range(&r, 0, r.t->n_nodes, &top);
	if (rc == MC_ECLAIM) {
		out->problems = sbuf_detach(&r.problems);
		err_set(err, n_err, MC_ECLAIM, "%zu claim%s in %s do%s not hold or lack%s data.",
			r.n_problems, r.n_problems == 1 ? "" : "s", o->template_path,
			r.n_problems == 1 ? "es" : "", r.n_problems == 1 ? "s" : "");
		goto out;
	}
	if (rc || (rc = render_assemble(&r, &doc)))
		goto out;
	if (!o->no_charts && chart_batch_count(r.charts)) {
		const char *dir = o->charts_out ? o->charts_out :
			o->charts_link ? o->charts_link : RENDER_DEFAULT_CHARTS;

		if ((rc = render_mkdirs(dir, err, n_err)) ||
		    (rc = chart_batch_draw(r.charts, o->gnuplot, err, n_err)))
			goto out;
	}
	out->len = doc.len;
	out->doc = sbuf_detach(&doc);
	if (!out->doc) {
		rc = render_oom(&r);
		goto out;
	}
	if (!o->no_charts) {   /* the names go to the caller; freed below otherwise */
		out->charts = r.chart_files;
		out->n_charts = r.n_chart_files;
		r.chart_files = NULL;
		r.n_chart_files = 0;
	}
out:
	if (rc) {
		free(out->doc);
		out->doc = NULL;
		out->len = 0;
	}
	for (size_t i = 0; i < r.n_chart_files; i++)
		free(r.chart_files[i]);
	free(r.chart_files);
	sbuf_release(&doc);
	sbuf_release(&r.body);
	sbuf_release(&r.notes);
	sbuf_release(&r.problems);
	free(r.used);
	free(r.deferred);
	chart_batch_free(r.charts);
	store_report_close(r.rp);
	tmpl_free(r.t);
	return rc;
}

void render_out_free(struct render_out *out)
{
	free(out->doc);
	for (size_t i = 0; i < out->n_charts; i++)
		free(out->charts[i]);
	free(out->charts);
	free(out->problems);
	memset(out, 0, sizeof(*out));
}
