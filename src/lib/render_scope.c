/*
 * render_scope.c - the directives that choose what the others read:
 * {{select}} narrows the runs (by machine name, by what a machine is: its
 * CPU model, cores or devices, by run or by commit), {{each machine}} and
 * {{each suite}} repeat their block for every machine or suite the db
 * holds, and {{this}} writes the current machine or suite. A template
 * that names no machine can thus render any db.
 */
#include "render_dir.h"

#include <fnmatch.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "mdesc.h"

/* ---------------------------------------------------------------- machines */

/* Whether machine m has a complete run with a result of suite (any suite
 * when NULL) on some backend; with dev_glob, whether such a run has a
 * device whose name or kind matches it. */
static int scope_machine_has(struct render *r, int64_t machine_id, const char *suite,
			     const char *dev_glob, int *out)
{
	const char *const *suites, *const *backends, *one[2] = { suite, NULL };
	int rc;

	*out = 0;
	if ((rc = store_report_suites(r->rp, &suites, r->err, r->n_err)) ||
	    (rc = store_report_backends(r->rp, &backends, r->err, r->n_err)))
		return rc;
	if (suite)
		suites = one;
	for (size_t i = 0; suites[i] && !*out; i++) {
		for (size_t b = 0; backends[b] && !*out; b++) {
			const struct store_device *dev;
			int64_t run_id;

			if ((rc = store_report_pick_run(r->rp, machine_id, suites[i], backends[b], 0, NULL,
						  &run_id, r->err, r->n_err)) != 0)
				return rc;
			if (!run_id)
				continue;
			if (!dev_glob) {
				*out = 1;
				break;
			}
			if ((rc = store_report_device(r->rp, run_id, backends[b], &dev, r->err,
						r->n_err)) != 0)
				return rc;
			*out = dev && ((dev->name && fnmatch(dev_glob, dev->name, 0) == 0) ||
				       (dev->kind && fnmatch(dev_glob, dev->kind, 0) == 0));
		}
	}
	return 0;
}

/* "AMD EPYC, 2 cores" and so on: what a machine is, without its names. */
static void scope_describe(struct sbuf *s, const struct store_machine *m)
{
	mdesc_text(s, m->cpu_model && *m->cpu_model ? m->cpu_model : "unknown CPU");
	if (m->cores > 0)
		sbuf_addf(s, ", %lld core%s", (long long)m->cores, m->cores == 1 ? "" : "s");
	if (m->threads > 0 && m->threads != m->cores)
		sbuf_addf(s, " (%lld threads)", (long long)m->threads);
	if (m->mem_bytes > 0)
		sbuf_addf(s, ", %.0f GiB", (double)m->mem_bytes / (1024.0 * 1024 * 1024));
	if (m->os && *m->os) {
		sbuf_add(s, ", ");
		mdesc_text(s, m->os);
	}
}

/* Narrows out->machines (every machine when no machine= named some) to
 * those matching cpu=, cores= and device=. */
static int select_describe(struct render *r, const struct render_select_args *a,
			   struct render_scope *out)
{
	const struct tmpl_node *node = a->node;
	const struct store_machine *ms;
	const char *key = a->device ? "device" : a->cpu ? "cpu" : "cores";
	size_t n_ms, kept = 0;
	int rc;

	if ((rc = store_report_machines(r->rp, &ms, &n_ms, r->err, r->n_err)) != 0)
		return rc;
	if (!a->machine) {
		out->n_machines = 0;
		for (size_t i = 0; i < n_ms && out->n_machines < RENDER_MAX_MACHINES; i++)
			out->machines[out->n_machines++] = ms[i].id;
	}
	for (size_t k = 0; k < out->n_machines; k++) {
		const struct store_machine *m = store_report_machine(r->rp, out->machines[k]);
		int hit = m != NULL;

		if (hit && a->cpu)
			hit = m->cpu_model && fnmatch(a->cpu, m->cpu_model, 0) == 0;
		if (hit && a->cores)
			hit = m->cores == a->cores;
		if (hit && (rc = scope_machine_has(r, m->id, NULL, a->device, &hit)) != 0)
			return rc;
		if (hit)
			out->machines[kept++] = out->machines[k];
	}
	out->n_machines = kept;
	if (!kept) {
		struct sbuf s = SBUF_INIT, q = SBUF_INIT;

		if (a->cpu)
			sbuf_addf(&q, " cpu='%s'", a->cpu);
		if (a->cores)
			sbuf_addf(&q, " cores=%ld", a->cores);
		if (a->device)
			sbuf_addf(&q, " device='%s'", a->device);
		for (size_t i = 0; i < n_ms && i < 12; i++) {
			sbuf_add(&s, i ? "; " : "");
			scope_describe(&s, &ms[i]);
		}
		rc = render_error(r, node, key, "no machine%s matches%s (the db has: %s)",
				  a->machine ? " named by machine=" : "", sbuf_str(&q),
				  n_ms ? sbuf_str(&s) : "no machine");
		sbuf_release(&s);
		sbuf_release(&q);
		return rc;
	}
	return 0;
}

/* ---------------------------------------------------------------- select */

int render_select_parse(struct render *r, const struct tmpl_node *node,
			const struct render_scope *sc, union render_args *out)
{
	struct render_select_args *a = &out->select;
	double cores = 0;
	int rc;

	(void)sc;
	a->node = node;
	a->machine = tmpl_get(node, "machine", NULL);
	a->run = tmpl_get(node, "run", NULL);
	a->commit = tmpl_get(node, "commit", NULL);
	a->cpu = tmpl_get(node, "cpu", NULL);
	a->device = tmpl_get(node, "device", NULL);
	if ((rc = render_number(r, node, "cores", 0, &cores)) != 0)
		return rc;
	if (cores != floor(cores) || cores > 1e6)
		return render_error(r, node, "cores", "cores must be a whole number, not '%s'",
				    tmpl_get(node, "cores", NULL));
	a->cores = (long)cores;
	return 0;
}

/* The scope of {{select}}: outer narrowed by a's arguments. */
static int select_scope(struct render *r, const struct render_select_args *a,
			const struct render_scope *outer, struct render_scope *out)
{
	const struct tmpl_node *node = a->node;
	const char *machine = a->machine, *run = a->run, *commit = a->commit;
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
	if ((a->cpu || a->cores || a->device) && !run)
		return select_describe(r, a, out);
	return 0;
}

int render_select_enter(struct render *r, const union render_args *args,
			const struct render_scope *outer, struct render_scope **out_scopes,
			size_t *out_n)
{
	struct render_scope *sc = malloc(sizeof(*sc));
	int rc;

	*out_scopes = NULL;
	*out_n = 0;
	if (!sc)
		return render_oom(r);
	if ((rc = select_scope(r, &args->select, outer, sc)) != 0) {
		free(sc);
		return rc;
	}
	*out_scopes = sc;
	*out_n = 1;
	return 0;
}

/* ---------------------------------------------------------------- each */

static enum render_each_what each_what(const struct tmpl_node *node)
{
	return strcmp(node->word ? node->word : "", "suite") == 0 ? RENDER_EACH_SUITE :
		RENDER_EACH_MACHINE;
}

int render_each_parse(struct render *r, const struct tmpl_node *node,
		      const struct render_scope *sc, union render_args *out)
{
	(void)r;
	(void)sc;
	out->each.node = node;
	out->each.what = each_what(node);
	return 0;
}

/* The machines of outer (or every machine) that have a complete run. */
static int each_machines(struct render *r, const struct render_scope *outer,
			 struct render_scope *out, size_t *out_n)
{
	const struct store_machine *ms;
	size_t n_ms;
	int rc, has;

	*out_n = 0;
	if ((rc = store_report_machines(r->rp, &ms, &n_ms, r->err, r->n_err)) != 0)
		return rc;
	for (size_t i = 0; i < n_ms; i++) {
		int in = !outer->n_machines;

		for (size_t k = 0; k < outer->n_machines; k++)
			in |= outer->machines[k] == ms[i].id;
		if (!in || (rc = scope_machine_has(r, ms[i].id, outer->suite, NULL, &has)) != 0) {
			if (rc)
				return rc;
			continue;
		}
		if (!has)
			continue;
		out[*out_n] = *outer;
		out[*out_n].machines[0] = ms[i].id;
		out[*out_n].n_machines = 1;
		(*out_n)++;
	}
	return 0;
}

/* The suites that some machine of outer (the default one when it names
 * none) has a complete run of. */
static int each_suites(struct render *r, const struct render_scope *outer,
		       const char *const *suites, struct render_scope *out, size_t *out_n)
{
	const int64_t *ids = outer->n_machines ? outer->machines : &r->default_machine;
	size_t n_ids = outer->n_machines ? outer->n_machines : r->default_machine ? 1 : 0;
	int rc, has = 0;

	*out_n = 0;
	for (size_t i = 0; suites[i]; i++) {
		for (size_t k = 0; k < n_ids; k++) {
			if ((rc = scope_machine_has(r, ids[k], suites[i], NULL, &has)) != 0)
				return rc;
			if (has)
				break;
		}
		if (!has)
			continue;
		out[*out_n] = *outer;
		out[*out_n].suite = suites[i];
		(*out_n)++;
	}
	return 0;
}

int render_each_enter(struct render *r, const union render_args *args,
		      const struct render_scope *outer, struct render_scope **out_scopes,
		      size_t *out_n)
{
	const struct store_machine *ms;
	const char *const *suites;
	struct render_scope *scopes;
	size_t n_ms, n_suites = 0, max;
	int rc;

	*out_scopes = NULL;
	*out_n = 0;
	if ((rc = store_report_machines(r->rp, &ms, &n_ms, r->err, r->n_err)) ||
	    (rc = store_report_suites(r->rp, &suites, r->err, r->n_err)))
		return rc;
	while (suites[n_suites])
		n_suites++;
	max = args->each.what == RENDER_EACH_SUITE ? n_suites : n_ms;
	scopes = malloc((max ? max : 1) * sizeof(*scopes));
	if (!scopes)
		return render_oom(r);
	rc = args->each.what == RENDER_EACH_SUITE ? each_suites(r, outer, suites, scopes, out_n) :
		each_machines(r, outer, scopes, out_n);
	if (rc) {
		free(scopes);
		*out_n = 0;
		return rc;
	}
	*out_scopes = scopes;
	return 0;
}

/* ---------------------------------------------------------------- this */

int render_this_parse(struct render *r, const struct tmpl_node *node,
		      const struct render_scope *sc, union render_args *out)
{
	struct render_this_args *a = &out->this_;

	a->node = node;
	a->what = each_what(node);
	if (a->what == RENDER_EACH_SUITE) {
		if (!sc->suite)
			return render_error(r, node, NULL,
					    "{{this suite}} names the suite of an enclosing {{each suite}}, and there is none");
		a->suite = sc->suite;
		return 0;
	}
	if (sc->n_machines != 1)
		return render_error(r, node, NULL,
				    "{{this machine}} describes the one machine of an enclosing {{each machine}} or {{select}}, and %s",
				    sc->n_machines ? "several are selected" : "none is selected");
	a->machine = sc->machines[0];
	return 0;
}

int render_this_run(struct render *r, const union render_args *args,
		    const struct render_scope *sc)
{
	const struct render_this_args *a = &args->this_;
	const struct store_machine *m;

	(void)sc;
	if (a->what == RENDER_EACH_SUITE) {
		mdesc_text(&r->body, a->suite);
		return 0;
	}
	if (!(m = store_report_machine(r->rp, a->machine)))
		return err_set(r->err, r->n_err, MC_EDB, "machine %lld vanished from the db.",
			       (long long)a->machine);
	scope_describe(&r->body, m);
	return 0;
}
