/*
 * render_cols.c - columns: which machines a directive reads (a machine
 * name, the enclosing selection or the default machine), and for each
 * backend item of cols=, a=, b= or backend= the run it reads and that
 * run's results, sorted for lookup.
 */
#include "render_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

/* ---------------------------------------------------------------- machines */

int render_machine(struct render *r, const struct tmpl_node *node, const char *key,
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

/* Appends " @ <machine>" to label: its hostname, and where another machine
 * of the db has that hostname too (cloud leases of one GPU host are all
 * "vm"), the first 8 characters of its fingerprint after it, which is what
 * a column item or machine= can name it by. */
static void label_machine(struct render *r, char *label, size_t n_label,
			  const struct store_machine *m)
{
	const struct store_machine *ms;
	size_t n_ms = 0, len = strlen(label);
	int shared = 0;

	if (!m || len >= n_label)
		return;
	/* m came from the loaded list, so this cannot fail (NULL err: as
	 * store_report_machine); if it did, n_ms is 0 and the hostname stands. */
	(void)store_report_machines(r->rp, &ms, &n_ms, NULL, 0);
	for (size_t i = 0; i < n_ms; i++)
		shared |= ms[i].id != m->id && strcmp(ms[i].hostname, m->hostname) == 0;
	snprintf(label + len, n_label - len, shared ? " @ %s %.8s" : " @ %s", m->hostname,
		 m->fingerprint);
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
		const char *machine, *fam[64], *want = variant;
		char family[160], *hash;
		int optional;

		while (*item == ' ')
			item++;
		/* "opencl?" is a column only where the data has one. */
		optional = *item && item[strlen(item) - 1] == '?';
		if (optional)
			item[strlen(item) - 1] = '\0';
		/* "opencl:dev#fused": that variant of this item alone, so a
		 * claim or ratio can set one variant against a backend that
		 * has none */
		if ((hash = strrchr(item, '#')) != NULL) {
			*hash = '\0';
			want = hash + 1;
		}
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
					if (want && strcmp(want, variants[v]) != 0)
						continue;
					if ((rc = render_add_col(r, &cols, &n, &cap, mids[m], fam[b],
								 variants[v], clock, run_id, suite)) != 0)
						goto fail;
				}
			}
		}
		if (n == before && !optional) {
			rc = render_no_column(r, node, key, family, suite, sc, mids, n_mids, want,
					      clock);
			goto fail;
		}
	}
	for (size_t i = 0; i < n; i++)
		multi_machine |= cols[i].machine_id != cols[0].machine_id;
	for (size_t i = 0; i < n; i++) {
		const struct store_machine *m = store_report_machine(r->rp, cols[i].machine_id);

		snprintf(cols[i].label, sizeof(cols[i].label), "%s%s%s%s", cols[i].backend,
			 *cols[i].variant ? " (" : "", cols[i].variant, *cols[i].variant ? ")" : "");
		if (multi_machine)
			label_machine(r, cols[i].label, sizeof(cols[i].label), m);
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
		if (!strstr(both[i]->label, " @ "))
			label_machine(r, both[i]->label, sizeof(both[i]->label),
				      store_report_machine(r->rp, both[i]->machine_id));
	}
}

int render_one_col(struct render *r, const struct tmpl_node *node, const char *key,
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

int render_col_like(struct render *r, const struct tmpl_node *node, const char *key,
		    const struct render_col *c, const struct render_scope *sc,
		    const char *suite, struct render_col **out)
{
	const char *const *variants;
	const char *variant = NULL;
	size_t n = 0, cap = 0, n_variants = 0;
	int64_t run_id;
	int rc;

	*out = NULL;
	if ((rc = store_report_pick_run(r->rp, c->machine_id, suite, c->backend, sc->pin_run,
					sc->commit, &run_id, r->err, r->n_err)) != 0)
		return rc;
	if (run_id && (rc = store_report_variants(r->rp, run_id, suite, c->backend, c->clock,
						  &variants, r->err, r->n_err)) != 0)
		return rc;
	for (size_t v = 0; run_id && variants[v]; v++, n_variants++)
		if (strcmp(variants[v], c->variant) == 0)
			variant = variants[v];
	if (!variant && n_variants == 1)
		variant = variants[0];
	if (!variant)
		return render_no_column(r, node, key, c->backend, suite, sc, &c->machine_id, 1,
					*c->variant ? c->variant : NULL, c->clock);
	if ((rc = render_add_col(r, out, &n, &cap, c->machine_id, c->backend, variant, c->clock,
				 run_id, suite)) != 0) {
		render_cols_free(*out, n);
		*out = NULL;
		return rc;
	}
	if (strcmp(variant, c->variant) == 0)
		snprintf((*out)->label, sizeof((*out)->label), "%s", c->label);
	else
		snprintf((*out)->label, sizeof((*out)->label), "%s%s%s%s", c->backend,
			 *variant ? " (" : "", variant, *variant ? ")" : "");
	return 0;
}
