/*
 * render_prov.c - the {{provenance}} and {{rejected}} directives: machines,
 * runs, devices, software and methodology of every run the document uses,
 * and the results those runs rejected. Rendered after the rest of the
 * document, since they cover every run used anywhere in it.
 */
#include "render_dir.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "mdesc.h"
#include "units.h"

#define EM_DASH "\xe2\x80\x94"

static int prov_oom(struct render *r)
{
	return err_set(r->err, r->n_err, MC_ENOMEM, "out of memory while rendering.");
}

/* A cell: escaped text, or an em dash for nothing. */
static void prov_cell(struct sbuf *s, const char *text)
{
	sbuf_addc(s, ' ');
	if (text && *text)
		mdesc_text(s, text);
	else
		sbuf_add(s, EM_DASH);
	sbuf_add(s, " |");
}

static void prov_bytes(struct sbuf *s, int64_t bytes)
{
	char num[UNITS_LEN];

	sbuf_addc(s, ' ');
	if (bytes <= 0) {
		sbuf_add(s, EM_DASH " |");
		return;
	}
	if (bytes >= (int64_t)1 << 30) {
		units_sig((double)bytes / (1 << 30), 3, num, sizeof(num));
		sbuf_addf(s, "%s GiB |", num);
	} else {
		units_sig((double)bytes / (1 << 20), 3, num, sizeof(num));
		sbuf_addf(s, "%s MiB |", num);
	}
}

static void prov_num(struct sbuf *s, double v)
{
	char num[UNITS_LEN];

	if (isfinite(v)) {
		units_sig(v, 3, num, sizeof(num));
		sbuf_addf(s, " %s |", num);
	} else {
		sbuf_add(s, " " EM_DASH " |");
	}
}

static void prov_heading(struct sbuf *s, int level, const char *title)
{
	sbuf_addf(s, "%.*s %s\n\n", level, "######", title);
}

/* The number of a machine in the order the runs list them (1, 2, ...),
 * shown instead of its hostname and fingerprint under names=no. */
static size_t prov_machine_no(const struct store_run **runs, size_t n, int64_t machine_id)
{
	size_t no = 0;

	for (size_t i = 0; i < n; i++) {
		int seen = 0;

		for (size_t k = 0; k < i; k++)
			seen |= runs[k]->machine_id == runs[i]->machine_id;
		no += !seen;
		if (runs[i]->machine_id == machine_id)
			return no;
	}
	return 0;
}

static void prov_machines(struct render *r, struct sbuf *s, const struct store_run **runs,
			  int level, int names)
{
	prov_heading(s, level, "Machines");
	if (names)
		sbuf_add(s, "| Machine | Fingerprint | CPU | Cores / threads | Memory | OS | Kernel |\n"
			 "|:--|:--|:--|--:|--:|:--|:--|\n");
	else
		sbuf_add(s, "| Machine | CPU | Cores / threads | Memory | OS | Kernel |\n"
			 "|:--|:--|--:|--:|:--|:--|\n");
	for (size_t i = 0; i < r->n_used; i++) {
		const struct store_machine *m = store_report_machine(r->rp, runs[i]->machine_id);
		int seen = 0;

		for (size_t k = 0; k < i; k++)
			seen |= runs[k]->machine_id == runs[i]->machine_id;
		if (seen || !m)
			continue;
		sbuf_addc(s, '|');
		if (names) {
			prov_cell(s, m->hostname);
			sbuf_addf(s, " `%.12s` |", m->fingerprint);
		} else {
			sbuf_addf(s, " machine %zu |", prov_machine_no(runs, r->n_used, m->id));
		}
		prov_cell(s, m->cpu_model);
		sbuf_addf(s, " %lld / %lld |", (long long)m->cores, (long long)m->threads);
		prov_bytes(s, m->mem_bytes);
		prov_cell(s, m->os);
		prov_cell(s, m->kernel);
		sbuf_addc(s, '\n');
	}
	sbuf_addc(s, '\n');
}

static void prov_run_rows(struct render *r, struct sbuf *s, const struct store_run **runs,
			  int level, int names)
{
	prov_heading(s, level, "Runs");
	sbuf_add(s, "| Run | Machine | Started (UTC) | Ended (UTC) | Commit | Compiler | Flags | "
		 "Timer | Results (ok) | Samples per result |\n"
		 "|:--|:--|:--|:--|:--|:--|:--|:--|--:|--:|\n");
	for (size_t i = 0; i < r->n_used; i++) {
		const struct store_run *run = runs[i];
		const struct store_machine *m = store_report_machine(r->rp, run->machine_id);
		char res[UNITS_LEN];

		sbuf_addf(s, "| `%s`%s |", run->uuid, run->quick ? " (quick)" : "");
		if (names)
			prov_cell(s, m ? m->hostname : NULL);
		else
			sbuf_addf(s, " machine %zu |",
				  prov_machine_no(runs, r->n_used, run->machine_id));
		prov_cell(s, run->started_at);
		prov_cell(s, run->ended_at);
		if (run->git_commit)
			sbuf_addf(s, " `%.12s`%s |", run->git_commit,
				  run->git_dirty == 1 ? " (dirty)" : run->git_dirty < 0 ? " (dirty?)" : "");
		else
			sbuf_add(s, " unknown |");
		prov_cell(s, run->compiler);
		prov_cell(s, run->cflags);
		units_sig(run->timer_resolution_ns, 3, res, sizeof(res));
		sbuf_addc(s, ' ');
		mdesc_text(s, run->timer_name);
		/* An imported run: the tool's timer is not measured (0). */
		if (run->timer_resolution_ns > 0)
			sbuf_addf(s, ", %s ns |", res);
		else
			sbuf_add(s, ", resolution unknown |");
		sbuf_addf(s, " %lld (%lld) |", (long long)run->n_results, (long long)run->n_ok);
		if (run->max_samples == run->min_samples)
			sbuf_addf(s, " %lld |\n", (long long)run->min_samples);
		else
			sbuf_addf(s, " %lld\xe2\x80\x93%lld |\n", (long long)run->min_samples,
				  (long long)run->max_samples);
	}
	sbuf_addc(s, '\n');
}

static int prov_devices(struct render *r, struct sbuf *s, const struct store_run **runs,
			int level)
{
	int any = 0, rc;

	prov_heading(s, level, "Devices and peers");
	for (size_t i = 0; i < r->n_used; i++) {
		const struct store_device *devs;
		size_t n;

		if ((rc = store_report_devices(r->rp, runs[i]->id, &devs, &n, r->err, r->n_err)) != 0)
			return rc;
		for (size_t k = 0; k < n; k++) {
			const struct store_device *d = &devs[k];

			if (!any++)
				sbuf_add(s, "| Run | Backend | Kind | Name | Vendor | Version | Driver | "
					 "Compute units | Memory | Peak GFLOP/s | Peak GB/s |\n"
					 "|:--|:--|:--|:--|:--|:--|:--|--:|--:|--:|--:|\n");
			sbuf_addf(s, "| `%.8s` |", runs[i]->uuid);
			prov_cell(s, d->backend);
			prov_cell(s, d->kind);
			prov_cell(s, d->name);
			prov_cell(s, d->vendor);
			prov_cell(s, d->version);
			prov_cell(s, d->driver);
			if (d->compute_units > 0)
				sbuf_addf(s, " %lld |", (long long)d->compute_units);
			else
				sbuf_add(s, " " EM_DASH " |");
			prov_bytes(s, d->global_mem);
			prov_num(s, d->peak_gflops);
			prov_num(s, d->peak_gbps);
			sbuf_addc(s, '\n');
		}
	}
	sbuf_add(s, any ? "\n" : "The runs recorded no device.\n\n");
	return 0;
}

/* ------------------------------------------------------------ software */

/* One key of the flattened provenance JSON and its distinct values, each
 * with the runs that recorded it. */
struct prov_value {
	char *text;
	size_t *runs;    /* indices in the sorted run list */
	size_t n_runs;
};

struct prov_key {
	char *key;
	struct prov_value *values;
	size_t n_values;
};

struct prov_table {
	struct prov_key *keys;
	size_t n_keys, cap_keys;
	int oom;
};

static void prov_table_free(struct prov_table *t)
{
	for (size_t i = 0; i < t->n_keys; i++) {
		for (size_t k = 0; k < t->keys[i].n_values; k++) {
			free(t->keys[i].values[k].text);
			free(t->keys[i].values[k].runs);
		}
		free(t->keys[i].values);
		free(t->keys[i].key);
	}
	free(t->keys);
}

static void prov_table_add(struct prov_table *t, const char *key, const char *text, size_t run)
{
	struct prov_key *k = NULL;
	struct prov_value *v = NULL;
	size_t *nr;

	for (size_t i = 0; i < t->n_keys && !k; i++)
		if (strcmp(t->keys[i].key, key) == 0)
			k = &t->keys[i];
	if (!k) {
		if (t->n_keys == t->cap_keys) {
			size_t ncap = t->cap_keys ? t->cap_keys * 2 : 32;
			struct prov_key *nk = realloc(t->keys, ncap * sizeof(*nk));

			if (!nk) {
				t->oom = 1;
				return;
			}
			t->keys = nk;
			t->cap_keys = ncap;
		}
		k = &t->keys[t->n_keys];
		memset(k, 0, sizeof(*k));
		if (!(k->key = strdup(key))) {
			t->oom = 1;
			return;
		}
		t->n_keys++;
	}
	for (size_t i = 0; i < k->n_values && !v; i++)
		if (strcmp(k->values[i].text, text) == 0)
			v = &k->values[i];
	if (!v) {
		struct prov_value *nv = realloc(k->values, (k->n_values + 1) * sizeof(*nv));

		if (!nv) {
			t->oom = 1;
			return;
		}
		k->values = nv;
		v = &nv[k->n_values];
		memset(v, 0, sizeof(*v));
		if (!(v->text = strdup(text))) {
			t->oom = 1;
			return;
		}
		k->n_values++;
	}
	nr = realloc(v->runs, (v->n_runs + 1) * sizeof(*nr));
	if (!nr) {
		t->oom = 1;
		return;
	}
	v->runs = nr;
	nr[v->n_runs++] = run;
}

static void prov_scalar(struct sbuf *s, const cJSON *j)
{
	if (cJSON_IsString(j))
		sbuf_add(s, j->valuestring);
	else if (cJSON_IsBool(j))
		sbuf_add(s, cJSON_IsTrue(j) ? "true" : "false");
	else if (cJSON_IsNumber(j))
		sbuf_addf(s, "%.15g", j->valuedouble);
	else
		sbuf_add(s, "unknown");
}

static int prov_is_scalar_array(const cJSON *j)
{
	const cJSON *e;

	if (!cJSON_IsArray(j))
		return 0;
	cJSON_ArrayForEach(e, j)
		if (cJSON_IsObject(e) || cJSON_IsArray(e))
			return 0;
	return 1;
}

static void prov_flatten(struct prov_table *t, const cJSON *j, const char *prefix, size_t run)
{
	const cJSON *e;
	char key[256];
	size_t i = 0;

	if (cJSON_IsObject(j) || (cJSON_IsArray(j) && !prov_is_scalar_array(j))) {
		cJSON_ArrayForEach(e, j) {
			if (cJSON_IsObject(j))
				snprintf(key, sizeof(key), "%s%s%s", prefix, *prefix ? "." : "",
					 e->string);
			else
				snprintf(key, sizeof(key), "%s[%zu]", prefix, i);
			prov_flatten(t, e, key, run);
			i++;
		}
		return;
	}
	{
		struct sbuf s = SBUF_INIT;

		if (cJSON_IsArray(j)) {
			cJSON_ArrayForEach(e, j) {
				if (i++)
					sbuf_add(&s, ", ");
				prov_scalar(&s, e);
			}
		} else {
			prov_scalar(&s, j);
		}
		if (sbuf_failed(&s))
			t->oom = 1;
		else
			prov_table_add(t, prefix, sbuf_str(&s), run);
		sbuf_release(&s);
	}
}

/* Whether a provenance key names the machine (left out under names=no). */
static int prov_is_name_key(const char *key)
{
	const char *last = strrchr(key, '.');

	last = last ? last + 1 : key;
	return strcmp(last, "hostname") == 0 || strcmp(last, "fingerprint") == 0;
}

static int prov_software(struct render *r, struct sbuf *s, const struct store_run **runs,
			 int level, int names)
{
	struct prov_table t;

	memset(&t, 0, sizeof(t));
	prov_heading(s, level, "Software and environment");
	for (size_t i = 0; i < r->n_used; i++) {
		cJSON *j = cJSON_Parse(runs[i]->provenance);

		if (!j) {
			prov_table_add(&t, "(provenance)", "not valid JSON", i);
			continue;
		}
		prov_flatten(&t, j, "", i);
		cJSON_Delete(j);
	}
	if (t.oom) {
		prov_table_free(&t);
		return prov_oom(r);
	}
	if (!t.n_keys) {
		sbuf_add(s, "The runs recorded no provenance.\n\n");
		return 0;
	}
	sbuf_add(s, "As each run recorded it (`run.provenance`).\n\n"
		 "| Key | Value | Runs |\n|:--|:--|:--|\n");
	for (size_t i = 0; i < t.n_keys; i++) {
		for (size_t k = 0; k < t.keys[i].n_values; k++) {
			const struct prov_value *v = &t.keys[i].values[k];

			if (!names && prov_is_name_key(t.keys[i].key))
				break;
			sbuf_addc(s, '|');
			if (k)   /* the same key, another value: leave the key cell blank */
				sbuf_add(s, " |");
			else
				prov_cell(s, t.keys[i].key);
			prov_cell(s, v->text);
			if (v->n_runs == r->n_used) {
				sbuf_add(s, " all |\n");
				continue;
			}
			for (size_t n = 0; n < v->n_runs; n++)
				sbuf_addf(s, "%s`%.8s`", n ? ", " : " ", runs[v->runs[n]]->uuid);
			sbuf_add(s, " |\n");
		}
	}
	sbuf_addc(s, '\n');
	prov_table_free(&t);
	return 0;
}

/* ------------------------------------------------------------ methodology */

static void prov_range(struct sbuf *s, int64_t lo, int64_t hi)
{
	if (lo == hi)
		sbuf_addf(s, "%lld", (long long)lo);
	else
		sbuf_addf(s, "%lld to %lld", (long long)lo, (long long)hi);
}

static void prov_methodology(struct render *r, struct sbuf *s, const struct store_run **runs,
			     int level)
{
	double res_lo = INFINITY, res_hi = 0, ovh_lo = INFINITY, ovh_hi = 0;
	size_t n_quick = 0, n_one_pass = 0;
	int rounds_lo = INT_MAX, rounds_hi = 0;
	char a[UNITS_LEN], b[UNITS_LEN];

	prov_heading(s, level, "Methodology");
	for (size_t i = 0; i < r->n_used; i++) {
		/* 0: an imported run, whose tool's timer was not measured. */
		if (runs[i]->timer_resolution_ns > 0) {
			res_lo = fmin(res_lo, runs[i]->timer_resolution_ns);
			res_hi = fmax(res_hi, runs[i]->timer_resolution_ns);
			ovh_lo = fmin(ovh_lo, runs[i]->timer_overhead_ns);
			ovh_hi = fmax(ovh_hi, runs[i]->timer_overhead_ns);
		}
		n_quick += runs[i]->quick != 0;
		if (runs[i]->rounds > 1) {
			rounds_lo = runs[i]->rounds < rounds_lo ? runs[i]->rounds : rounds_lo;
			rounds_hi = runs[i]->rounds > rounds_hi ? runs[i]->rounds : rounds_hi;
		} else {
			n_one_pass++;
		}
	}
	sbuf_add(s, "- Each number is a median over timed samples. ");
	if (r->max_samples) {
		sbuf_add(s, "The results shown took ");
		prov_range(s, r->min_samples, r->max_samples);
		sbuf_add(s, " samples each");
		if (r->max_iters) {
			sbuf_add(s, "; a sample times ");
			prov_range(s, r->min_iters, r->max_iters);
			sbuf_addf(s, " back-to-back call%s and records the time per call",
				  r->max_iters == 1 ? "" : "s");
		}
		sbuf_add(s, ".");
	}
	sbuf_addc(s, '\n');
	if (rounds_hi) {
		sbuf_add(s, "- Samples were taken in ");
		prov_range(s, rounds_lo, rounds_hi);
		sbuf_add(s, " interleaved rounds: each round prepares every benchmark afresh, "
			 "validates its output, warms it up and takes its share of the samples, "
			 "so a median spans its whole run rather than a few milliseconds of it.");
		if (n_one_pass)
			sbuf_addf(s, " %zu run%s took all samples in one pass.", n_one_pass,
				  n_one_pass == 1 ? "" : "s");
		sbuf_addc(s, '\n');
	}
	if (r->n_used) {
		sbuf_add(s, "- Timer: ");
		for (size_t i = 0; i < r->n_used; i++) {
			int seen = 0;

			for (size_t k = 0; k < i; k++)
				seen |= strcmp(runs[k]->timer_name, runs[i]->timer_name) == 0;
			if (!seen) {
				sbuf_add(s, i ? ", " : "");
				mdesc_text(s, runs[i]->timer_name);
			}
		}
		if (res_hi > 0) {
			units_sig(res_lo, 3, a, sizeof(a));
			units_sig(res_hi, 3, b, sizeof(b));
			sbuf_addf(s, ", resolution %s%s%s ns", a, strcmp(a, b) ? " to " : "",
				  strcmp(a, b) ? b : "");
			units_sig(ovh_lo, 3, a, sizeof(a));
			units_sig(ovh_hi, 3, b, sizeof(b));
			sbuf_addf(s, ", overhead %s%s%s ns per reading.", a,
				  strcmp(a, b) ? " to " : "", strcmp(a, b) ? b : "");
		} else {
			sbuf_add(s, " (imported: resolution and overhead unknown).");
		}
		if (r->clocks & 2)
			sbuf_add(s, " Device times come from the device's own clock: "
				 "OpenCL profiling events, and for the CUDA peers "
				 "CUPTI's busy time (README, Methodology).");
		sbuf_addc(s, '\n');
	}
	sbuf_add(s, "- Intervals in brackets are distribution-free 95% confidence intervals of "
		 "the median (from order statistics); CV is the standard deviation over the "
		 "mean.\n"
		 "- A result is a number only when its status is ok: its output matched the C "
		 "reference within tolerance and its timing was plausible. Other results show "
		 "their status (invalid, implausible, failed, skipped) and never a number.\n"
		 "- Throughput divides one call's FLOP count, or its compulsory bytes, by the "
		 "median time. A percentage of peak divides by the peak FLOP rate or bandwidth "
		 "measured on the same device in the same run.\n");
	sbuf_addf(s, "- Only runs that completed are used: by default the latest complete run of "
		  "each machine, suite and backend. %zu run%s used here", r->n_used,
		  r->n_used == 1 ? " is" : "s are");
	if (n_quick && r->n_used == 1)
		sbuf_add(s, ", a quick one (reduced grids and samples)");
	else if (n_quick)
		sbuf_addf(s, ", %zu of them quick (reduced grids and samples)", n_quick);
	sbuf_add(s, ".\n\n");
}

int render_provenance_parse(struct render *r, const struct tmpl_node *node,
			    const struct render_scope *sc, union render_args *out)
{
	static const char *const yes_no[] = { "no", "yes", NULL };
	const char *h = tmpl_get(node, "heading", NULL);
	int rc;

	(void)sc;
	out->provenance.node = node;
	out->provenance.level = 3;
	if ((rc = render_choice(r, node, "names", yes_no, 1, &out->provenance.names)) != 0)
		return rc;
	if (h) {
		if (strlen(h) != 1 || h[0] < '1' || h[0] > '6')
			return render_error(r, node, "heading", "heading must be a level from 1 to 6");
		out->provenance.level = h[0] - '0';
	}
	return 0;
}

int render_provenance_emit(struct render *r, const union render_args *a, struct sbuf *s)
{
	const struct store_run **runs = NULL;
	int level = a->provenance.level, rc;

	if (!r->n_used) {
		sbuf_add(s, "No run's data is shown, so there is no provenance to give.\n");
		return 0;
	}
	if ((rc = render_used_runs(r, &runs)) != 0)
		return rc;
	prov_machines(r, s, runs, level, a->provenance.names);
	prov_run_rows(r, s, runs, level, a->provenance.names);
	if ((rc = prov_devices(r, s, runs, level)) == 0 &&
	    (rc = prov_software(r, s, runs, level, a->provenance.names)) == 0)
		prov_methodology(r, s, runs, level);
	free(runs);
	return rc;
}

int render_rejected_parse(struct render *r, const struct tmpl_node *node,
			  const struct render_scope *sc, union render_args *out)
{
	out->rejected.node = node;
	out->rejected.suite = NULL;
	if (tmpl_get(node, "suite", NULL))
		return render_suite(r, node, sc, &out->rejected.suite);
	return 0;
}

int render_rejected_emit(struct render *r, const union render_args *a, struct sbuf *s)
{
	const char *suite = a->rejected.suite;
	const struct store_run **runs = NULL;
	size_t shown = 0;
	int rc;

	if ((rc = render_used_runs(r, &runs)) != 0)
		return rc;
	for (size_t i = 0; i < r->n_used; i++) {
		const struct store_result *res;
		size_t n;

		if ((rc = store_report_rejected(r->rp, runs[i]->id, &res, &n, r->err, r->n_err)) != 0)
			break;
		for (size_t k = 0; k < n; k++) {
			if (suite && strcmp(res[k].suite, suite) != 0)
				continue;
			if (!shown++)
				sbuf_add(s, "| Run | Suite | Benchmark | Backend | Variant | Clock | "
					 "Status | Message |\n|:--|:--|:--|:--|:--|:--|:--|:--|\n");
			sbuf_addf(s, "| `%.8s` |", runs[i]->uuid);
			prov_cell(s, res[k].suite);
			prov_cell(s, res[k].benchmark);
			prov_cell(s, res[k].backend);
			prov_cell(s, res[k].variant);
			prov_cell(s, res[k].clock);
			prov_cell(s, res[k].status);
			prov_cell(s, res[k].message);
			sbuf_addc(s, '\n');
		}
	}
	free(runs);
	if (rc)
		return rc;
	if (!shown)
		sbuf_add(s, "No result of the runs used here was rejected.\n");
	return 0;
}
