/*
 * session.h - a run's measurements, driven in interleaved rounds.
 *
 * A session carries out a plan (plan.h) into a run already begun in the
 * store: it probes and records each device, then passes over the whole
 * plan once per round (round 0 of every measurement, then round 1 of
 * every one, ...; runner.h says why), storing each measurement when its
 * last round ends or its outcome is decided sooner, and at the end probes
 * the devices again. A benchmark's inputs and reference output are made
 * when its first measurement starts and freed once all its measurements
 * are stored. The session never prints: what the caller may want to show
 * comes as events, and the caller's should_stop is asked before every
 * measurement's round, so a signal ends the run between two of them. The
 * run's own status (complete, aborted, failed) is the caller's to record.
 */
#ifndef MC_SESSION_H
#define MC_SESSION_H
#include <stddef.h>
#include <stdint.h>
#include "backend.h"
#include "plan.h"
#include "runner.h"
#include "store.h"

enum session_event_kind {
	SESSION_PROBE_FAILED,   /* a device's roofline probe failed (before it
				   is recorded, with unknown peaks) */
	SESSION_DEVICE,         /* a device was recorded with its peaks */
	SESSION_ROUND,          /* a round of a measurement is about to run */
	SESSION_RESULT,         /* a measurement was stored */
};

/* What an event is about; fields not named for its kind are NULL or 0.
 * Everything is borrowed for the duration of the callback. */
struct session_event {
	enum session_event_kind kind;
	struct backend *backend;                /* PROBE_FAILED, DEVICE */
	const char *message;                    /* PROBE_FAILED: why */
	const struct runner_peaks *peaks;       /* DEVICE: as probed */
	const struct plan_item *item;           /* ROUND, RESULT */
	int round;                              /* ROUND: from 0 */
	int rounds;                             /* ROUND: the plan's rounds */
	const struct runner_outcome *outcome;   /* RESULT */
};

/* The caller's side; any member may be NULL. */
struct session_hooks {
	void (*on_event)(void *ctx, const struct session_event *ev);
	/* Nonzero to stop: asked before every measurement's round and once
	 * after the last; the first nonzero answer stops the session. */
	int (*should_stop)(void *ctx);
	void *ctx;
};

/* Stored outcomes by status. */
struct session_tally {
	size_t ok, invalid, implausible, failed, skipped;
	size_t cut;       /* of the ok, those that kept fewer rounds (a share) */
};

struct session;

/* A session carrying out plan p into run run_id of st. p, st and hooks
 * are borrowed and must outlive the session (hooks is copied; its ctx is
 * borrowed). Errors: MC_ENOMEM. Release with session_free(). */
int session_new(const struct plan *p, struct store *st, int64_t run_id,
		const struct session_hooks *hooks, struct session **out,
		char *err, size_t n_err);
/* Frees every measurement not yet stored, unstored; accepts NULL. */
void session_free(struct session *s);

/* Describes and probes each backend of the plan and records it as a
 * device of the run, in order. A failed probe is an event, not an error
 * (the peaks stay unknown). Returns 0, or the store's error. */
int session_record_devices(struct session *s, char *err, size_t n_err);

/* A budget for the whole run: seconds of wall time from start_ns
 * (clock_now_ns, when the run began), 0 for none. Call before
 * session_run_rounds. Each measurement, as its first round begins, gets
 * a share of what is left (runner_task_limit; the rule is slot_share's in
 * session.c: the suites still to begin share it evenly, and each suite's
 * part its measurements still to begin); one whose share is gone, or
 * whose rounds will not fit in it, is stored `skipped` with the reason.
 * The probes at the end are left the time those at the start took. */
void session_set_budget(struct session *s, double seconds, uint64_t start_ns);

/* Runs every round of the plan, storing each measurement as it finishes.
 * *out_stopped is set nonzero when should_stop stopped it; measurements
 * not finished then are left unstored (session_free drops them). Returns 0
 * (stopped or not), or negative when a benchmark could not be set up or a
 * result could not be stored (the run should fail). */
int session_run_rounds(struct session *s, int *out_stopped, char *err, size_t n_err);

/* Probes every device again and records, per device, the best peaks of
 * this probe and those held so far: a probe at the start slowed by other
 * load does not stand as the peak. Returns 0, or the store's error. */
int session_reprobe(struct session *s, char *err, size_t n_err);

/* The outcomes stored so far; owned by s. */
const struct session_tally *session_tally(const struct session *s);

#endif
