/*
 * session.c - the rounds of a run over its plan (session.h).
 */
#include "session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "err.h"
#include "workload.h"

/* One benchmark of the plan: its workload and reference output, made when
 * its first measurement starts and kept for all rounds. */
struct job {
	struct workload *w;
	float *ref;
	size_t n_open;            /* its measurements not stored yet; 0 frees w and ref */
};

/* One measurement; task is NULL before round 0 reaches it and after it is
 * stored. */
struct slot {
	const struct plan_item *item;
	struct job *job;
	struct runner_task *task;
	int stored;
	/* On a suite's first slot, once the suite begins: its part of what
	 * was left of the run's budget, and when it began. */
	double part_ns;
	uint64_t part_t0;
};

struct session {
	const struct plan *plan;
	struct store *st;
	int64_t run_id;
	struct session_hooks hooks;
	struct runner_peaks *peaks;   /* one per backend of the plan */
	struct job *jobs;
	struct slot *slots;
	size_t n_jobs, n_slots;
	int stopped;
	struct session_tally tally;
	/* The run's budget (session_set_budget): 0 for none; its deadline is
	 * set when the rounds begin, less what the devices' probes took (the
	 * probes again at the end take about as long). */
	double budget_ns;
	uint64_t start_ns, deadline_ns;
	double probe_ns;
	/* Per (backend, kernel), the ns per FLOP of its last first call that
	 * took long enough to say (SESSION_RATE_MIN_NS): what the next shape
	 * of the kernel on that backend should take (first_call_estimate). */
	struct rate {
		size_t backend;
		const char *kernel;
		double ns_per_flop;   /* 0: no first call long enough yet */
		double prepare_ns;    /* its last round 0's prepare */
	} *rates;
	size_t n_rates;
};

/* A first call shorter than this is mostly fixed cost (a launch, a peer's
 * pipe), and its time per FLOP would overstate a larger shape's. */
#define SESSION_RATE_MIN_NS 10e6

static void emit(struct session *s, const struct session_event *ev)
{
	if (s->hooks.on_event)
		s->hooks.on_event(s->hooks.ctx, ev);
}

/* Latches: once asked to stop, the session stays stopped. */
static int should_stop(struct session *s)
{
	if (!s->stopped && s->hooks.should_stop && s->hooks.should_stop(s->hooks.ctx))
		s->stopped = 1;
	return s->stopped;
}

/* The runner's stop check, called between backend calls. */
static int task_should_stop(void *ctx)
{
	return should_stop(ctx);
}

int session_new(const struct plan *p, struct store *st, int64_t run_id,
		const struct session_hooks *hooks, struct session **out,
		char *err, size_t n_err)
{
	struct session *s = calloc(1, sizeof(*s));
	size_t n_bes = plan_n_backends(p);

	*out = NULL;
	if (!s)
		goto nomem;
	s->plan = p;
	s->st = st;
	s->run_id = run_id;
	if (hooks)
		s->hooks = *hooks;
	s->n_jobs = plan_n_benches(p);
	s->n_slots = plan_n_items(p);
	s->peaks = calloc(n_bes ? n_bes : 1, sizeof(*s->peaks));
	s->jobs = calloc(s->n_jobs ? s->n_jobs : 1, sizeof(*s->jobs));
	s->slots = calloc(s->n_slots ? s->n_slots : 1, sizeof(*s->slots));
	s->rates = calloc(s->n_slots ? s->n_slots : 1, sizeof(*s->rates));
	if (!s->peaks || !s->jobs || !s->slots || !s->rates)
		goto nomem;
	for (size_t k = 0; k < n_bes; k++)
		s->peaks[k] = (struct runner_peaks){ -1, -1, -1 };
	for (size_t i = 0; i < s->n_slots; i++) {
		s->slots[i].item = plan_item(p, i);
		s->slots[i].job = &s->jobs[s->slots[i].item->bench_index];
		s->slots[i].job->n_open++;
	}
	*out = s;
	return 0;
nomem:
	session_free(s);
	return err_set(err, n_err, MC_ENOMEM, "out of memory planning the run");
}

static void job_drop(struct job *j)
{
	free(j->ref);
	workload_destroy(j->w);
	j->ref = NULL;
	j->w = NULL;
}

void session_free(struct session *s)
{
	if (!s)
		return;
	for (size_t i = 0; s->slots && i < s->n_slots; i++)
		runner_task_free(s->slots[i].task);
	for (size_t i = 0; s->jobs && i < s->n_jobs; i++)
		job_drop(&s->jobs[i]);
	free(s->rates);
	free(s->slots);
	free(s->jobs);
	free(s->peaks);
	free(s);
}

static const char *json_str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int64_t json_int(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsNumber(v) ? (int64_t)v->valuedouble : -1;
}

/* Describes the instance, probes its roofline and records it as a device. */
static int record_device(struct session *s, struct backend *be,
			 struct runner_peaks *peaks, char *err, size_t n_err)
{
	struct store_device d = { 0 };
	char perr[MC_ERRLEN] = "";
	cJSON *info = cJSON_CreateObject();
	const cJSON *c;
	char *info_text = NULL;
	int rc;

	if (!info)
		return err_set(err, n_err, MC_ENOMEM, "out of memory describing %s",
			       be->name);
	be->ops->describe(be, info);
	peaks->gflops = peaks->gbps = peaks->cache_bytes = -1;
	if (be->ops->roofline(be, &peaks->gflops, &peaks->gbps, perr, sizeof(perr)))
		emit(s, &(struct session_event){ .kind = SESSION_PROBE_FAILED,
						 .backend = be, .message = perr });
	c = cJSON_GetObjectItemCaseSensitive(info, "cache_bytes");
	if (cJSON_IsNumber(c))
		peaks->cache_bytes = c->valuedouble;
	info_text = cJSON_PrintUnformatted(info);
	d.backend = be->name;
	d.kind = json_str(info, "kind") ? json_str(info, "kind") : "cpu";
	d.name = json_str(info, "name") ? json_str(info, "name") : be->name;
	d.vendor = json_str(info, "vendor");
	d.version = json_str(info, "version");
	d.driver = json_str(info, "driver");
	d.compute_units = json_int(info, "compute_units");
	d.global_mem = json_int(info, "global_mem");
	d.local_mem = json_int(info, "local_mem");
	d.peak_gflops = peaks->gflops;
	d.peak_gbps = peaks->gbps;
	d.info = info_text;
	rc = store_device_add(s->st, s->run_id, &d, err, n_err);
	if (!rc)
		emit(s, &(struct session_event){ .kind = SESSION_DEVICE, .backend = be,
						 .peaks = peaks });
	free(info_text);
	cJSON_Delete(info);
	return rc;
}

int session_record_devices(struct session *s, char *err, size_t n_err)
{
	uint64_t t0 = clock_now_ns();

	for (size_t k = 0; k < plan_n_backends(s->plan); k++) {
		int rc = record_device(s, plan_backend(s->plan, k), &s->peaks[k], err, n_err);

		if (rc)
			return rc;
	}
	s->probe_ns = (double)(clock_now_ns() - t0);
	return 0;
}

void session_set_budget(struct session *s, double seconds, uint64_t start_ns)
{
	s->budget_ns = seconds > 0 ? seconds * 1e9 : 0.0;
	s->start_ns = start_ns;
}

/* Slot i's share of the run's budget as its round 0 begins (slots before
 * it begun, it and those after not). As a suite begins, the time left,
 * less what the measurements begun will take to finish their rounds, is
 * split evenly over the suites still to begin (its own counted): that is
 * the suite's part. A slot gets what is left of its suite's part (less
 * what the suite's round 0s took so far, which run back to back, and what
 * its measurements begun will take to finish) split evenly over the
 * suite's slots still to begin. So a suite that overruns (a first call
 * larger than any estimate) spends its own part, not the suites' after
 * it, every suite gets its part wherever it stands in the plan, and what
 * a suite leaves unused passes on to the rest; within a suite the first
 * benchmarks (a grid's small shapes) are the ones that fit. *out_first:
 * the suite's first slot, where its part is kept. */
static double slot_share(struct session *s, size_t i, struct slot **out_first)
{
	const struct suite *own = s->slots[i].item->suite, *prev = NULL;
	uint64_t now = clock_now_ns();
	double left = (double)s->deadline_ns - (double)now, own_left;
	size_t suites = 0, in_suite = 0, first = i;
	struct slot *f;

	while (first > 0 && s->slots[first - 1].item->suite == own)
		first--;
	f = &s->slots[first];
	*out_first = f;
	for (size_t k = 0; k < s->n_slots; k++) {
		const struct slot *o = &s->slots[k];

		if (k < i) {
			if (o->task)
				left -= runner_task_remaining_ns(o->task);
			continue;
		}
		if (o->item->suite != prev)
			suites++;
		prev = o->item->suite;
		in_suite += o->item->suite == own;
	}
	if (!f->part_t0) {
		f->part_ns = left / (double)suites;
		f->part_t0 = now;
	}
	own_left = f->part_ns - (double)(now - f->part_t0);
	for (size_t k = first; k < i; k++)
		if (s->slots[k].task)
			own_left -= runner_task_remaining_ns(s->slots[k].task);
	return own_left / (double)in_suite;
}

/* The workload of a job (its seeded inputs, the same for every backend),
 * made once. */
static int job_workload(struct job *j, const struct suite_bench *b, char *err,
			size_t n_err)
{
	if (j->w)
		return 0;
	return workload_create(b->spec, b->params, b->seed, &j->w, err, n_err);
}

/* The job's reference output, computed once, when a slot of it is about
 * to begin: not before, since it can cost as much as the reference
 * backend's call (a minute for the 512-token decoding here), and a slot
 * the budget does not start needs none. */
static int job_reference(struct job *j, const struct suite_bench *b, char *err,
			 size_t n_err)
{
	if (j->ref)
		return 0;
	j->ref = malloc(j->w->plan.output_len * sizeof(float));
	if (!j->ref)
		return err_set(err, n_err, MC_ENOMEM, "out of memory for the reference of %s",
			       b->name);
	workload_expected(j->w, j->ref);
	return 0;
}

static void tally_add(struct session_tally *t, const struct runner_outcome *o)
{
	const char *status = o->status;

	if (!strcmp(status, "ok")) { t->ok++; t->cut += o->rounds > 0; }
	else if (!strcmp(status, "invalid")) t->invalid++;
	else if (!strcmp(status, "implausible")) t->implausible++;
	else if (!strcmp(status, "skipped")) t->skipped++;
	else t->failed++;
}

/* A slot's outcome is stored (rc 0) or could not be (rc < 0): either way
 * the slot is done, and its benchmark's inputs go once no slot needs them;
 * a stored outcome is counted and reported. */
static int slot_done(struct session *s, struct slot *sl,
		     const struct runner_outcome *o, int rc)
{
	sl->stored = 1;
	if (--sl->job->n_open == 0)
		job_drop(sl->job);
	if (rc)
		return rc;
	tally_add(&s->tally, o);
	emit(s, &(struct session_event){ .kind = SESSION_RESULT, .item = sl->item,
					 .outcome = o });
	return 0;
}

/* Stores a slot that could not be set up as status ("failed", "skipped")
 * with why. */
static int slot_fail(struct session *s, struct slot *sl, const char *status,
		     const char *why, char *err, size_t n_err)
{
	const struct plan_item *it = sl->item;
	struct runner_outcome o;
	int rc = runner_store_unmade(s->st, s->run_id, it->suite, it->bench, it->backend,
				     it->variant, status, why, &o, err, n_err);

	return slot_done(s, sl, &o, rc);
}

static struct rate *rate_of(struct session *s, size_t backend, const char *kernel)
{
	for (size_t i = 0; i < s->n_rates; i++)
		if (s->rates[i].backend == backend && !strcmp(s->rates[i].kernel, kernel))
			return &s->rates[i];
	return NULL;
}

/* What slot sl's first call should take, before it is made: by the time
 * per FLOP of this kernel's last shape on this backend, else by its FLOPs
 * at the device's measured peak (a lower bound); 0 when neither is known.
 * *prep gets what that last shape's prepare took (0 unknown): a larger
 * shape's takes no less. *from says which. */
static double first_call_estimate(struct session *s, const struct slot *sl,
				  double *prep, const char **from)
{
	const struct plan_item *it = sl->item;
	double flops = sl->job->w->plan.flops, g = s->peaks[it->backend_index].gflops;
	const struct rate *r = rate_of(s, it->backend_index, it->bench->spec->name);

	*from = r ? "by this kernel's last shape on this backend" : "";
	*prep = r ? r->prepare_ns : 0;
	if (!(flops > 0))
		return 0;
	if (r && r->ns_per_flop > 0) {
		*from = "by this kernel's last shape on this backend, its call scaled by FLOPs";
		return r->ns_per_flop * flops;
	}
	if (g > 0) {
		*from = r ? "by this kernel's last shape's prepare on this backend, and "
			    "the call's FLOPs at the device's measured peak, a lower bound"
			  : "its FLOPs at the device's measured peak, a lower bound";
		return flops / g;
	}
	return 0;
}

/* After slot sl's round 0: its first call's time per FLOP, for the next
 * shape of its kernel on its backend. */
static void note_rate(struct session *s, const struct slot *sl)
{
	const struct plan_item *it = sl->item;
	double first = sl->task ? runner_task_first_ns(sl->task) : 0;
	double prep = sl->task ? runner_task_prepare_ns(sl->task) : 0;
	double flops = sl->job->w ? sl->job->w->plan.flops : 0;
	struct rate *r;

	if (!(prep > 0) && !(first > 0))
		return;     /* not begun: nothing learnt */
	if (!(r = rate_of(s, it->backend_index, it->bench->spec->name))) {
		r = &s->rates[s->n_rates++];
		r->backend = it->backend_index;
		r->kernel = it->bench->spec->name;
	}
	r->prepare_ns = prep;
	if (first >= SESSION_RATE_MIN_NS && flops > 0)
		r->ns_per_flop = first / flops;
}

static int budget_spent(const struct session *s)
{
	return s->budget_ns > 0 && clock_now_ns() >= s->deadline_ns;
}

/* part: the slot's suite's first slot, when it was its suite's part of
 * the budget that was spent (NULL: the run's budget). */
static int slot_budget_spent(struct session *s, struct slot *sl, const struct slot *part,
			     char *err, size_t n_err)
{
	char why[MC_ERRLEN];

	if (part && part->part_ns > 0)
		snprintf(why, sizeof(why), "its suite's part (%.3g s) of the run's budget of "
			 "%.0f s was spent before it began (mcbench run --budget)",
			 part->part_ns / 1e9, s->budget_ns / 1e9);
	else
		snprintf(why, sizeof(why), "the run's budget of %.0f s was spent before it "
			 "began (mcbench run --budget)", s->budget_ns / 1e9);
	return slot_fail(s, sl, "skipped", why, err, n_err);
}

/* Round `round` of one slot; stores it once it has no round left. */
static int slot_round(struct session *s, struct slot *sl, int round, char *err,
		      size_t n_err)
{
	const struct plan_item *it = sl->item;
	int rounds = plan_rounds(s->plan);
	struct runner_outcome o;
	int rc;

	if (sl->stored)
		return 0;
	if (round == 0) {
		char why[MC_ERRLEN] = "", share_why[160] = "";
		const char *from = NULL;
		double share = 0, prep = 0, est = 0;

		if (budget_spent(s))
			return slot_budget_spent(s, sl, NULL, err, n_err);
		rc = job_workload(sl->job, it->bench, why, sizeof(why));
		if (!rc && s->budget_ns > 0) {
			/* Before the reference is computed (job_reference):
			 * its time is gone from what is left, not from the
			 * share, and a slot not started needs none. */
			struct slot *first;

			share = slot_share(s, (size_t)(sl - s->slots), &first);
			if (share <= 0)
				return slot_budget_spent(s, sl, first, err, n_err);
			est = first_call_estimate(s, sl, &prep, &from);
			snprintf(share_why, sizeof(share_why), "its share (%.3g s) of the run's "
				 "budget of %.0f s (mcbench run --budget)", share / 1e9,
				 s->budget_ns / 1e9);
			if (runner_start_refused(share, share_why, prep, est, from, why,
						 sizeof(why)))
				return slot_fail(s, sl, "skipped", why, err, n_err);
		}
		if (!rc)
			rc = job_reference(sl->job, it->bench, why, sizeof(why));
		if (!rc)
			rc = runner_task_new(it->suite, it->bench, sl->job->w, sl->job->ref,
					     it->backend, it->variant,
					     &s->peaks[it->backend_index], rounds, &sl->task,
					     why, sizeof(why));
		/* A benchmark too big for this machine's memory (or a shape the
		 * kernel refuses) fails as one result; the run goes on. */
		if (rc == MC_ENOMEM || rc == MC_EINVAL)
			return slot_fail(s, sl, "failed", why, err, n_err);
		/* A model's files absent here: like an absent backend, skipped
		 * with the sentence that says how to provide them. */
		if (rc == MC_ENODATA)
			return slot_fail(s, sl, "skipped", why, err, n_err);
		if (rc)
			return err_set(err, n_err, rc, "%s", why);
		runner_task_set_stop(sl->task, task_should_stop, s);
		if (s->budget_ns > 0)
			runner_task_limit(sl->task, share, share_why, prep, est, from);
	}
	if (runner_task_pending(sl->task, round)) {
		emit(s, &(struct session_event){ .kind = SESSION_ROUND, .item = it,
						 .round = round, .rounds = rounds });
		runner_task_round(sl->task, round);
		if (round == 0)
			note_rate(s, sl);
	}
	/* Stopped part way through a measurement: nothing of it is stored,
	 * the run is recorded aborted by the caller. */
	if (should_stop(s))
		return 0;
	if (runner_task_pending(sl->task, round + 1))
		return 0;
	rc = runner_task_store(sl->task, s->st, s->run_id, &o, err, n_err);
	runner_task_free(sl->task);
	sl->task = NULL;
	return slot_done(s, sl, &o, rc);
}

int session_run_rounds(struct session *s, int *out_stopped, char *err, size_t n_err)
{
	int rounds = plan_rounds(s->plan);

	if (s->budget_ns > 0) {
		double end = (double)s->start_ns + s->budget_ns - s->probe_ns;

		s->deadline_ns = end > 0 ? (uint64_t)end : 0;
	}

	for (int round = 0; round < rounds && !should_stop(s); round++) {
		for (size_t i = 0; i < s->n_slots && !should_stop(s); i++) {
			int rc = slot_round(s, &s->slots[i], round, err, n_err);

			if (rc) {
				*out_stopped = s->stopped;
				return rc;
			}
		}
	}
	/* A stop asked during the very last round still stops the run: the
	 * caller records it aborted, as it would a round sooner. */
	*out_stopped = should_stop(s);
	return 0;
}

int session_reprobe(struct session *s, char *err, size_t n_err)
{
	for (size_t k = 0; k < plan_n_backends(s->plan); k++) {
		struct backend *be = plan_backend(s->plan, k);
		double g = -1, b = -1;
		char perr[MC_ERRLEN];
		int rc;

		if (be->ops->roofline(be, &g, &b, perr, sizeof(perr)) == 0) {
			if (g < s->peaks[k].gflops)
				g = s->peaks[k].gflops;
			if (b < s->peaks[k].gbps)
				b = s->peaks[k].gbps;
		} else {
			g = s->peaks[k].gflops;
			b = s->peaks[k].gbps;
		}
		rc = store_device_raise_peaks(s->st, s->run_id, be->name, g, b, err, n_err);
		if (rc)
			return rc;
	}
	return 0;
}

const struct session_tally *session_tally(const struct session *s)
{
	return &s->tally;
}
