/*
 * clock.c - the monotonic clock every timing in mcbench uses (see clock.h).
 *
 * The clock is chosen once per process: CLOCK_MONOTONIC_RAW when
 * clock_gettime() accepts it (not slewed by NTP), else CLOCK_MONOTONIC.
 * Resolution and overhead are measured on the running machine, because what
 * clock_getres() claims is often not what consecutive readings show.
 */
#include "clock.h"

#include <pthread.h>
#include <stdio.h>
#include <time.h>

#define CLOCK_RES_TRIES 1000		/* pairs of readings for the resolution */
#define CLOCK_RES_SPIN 10000000UL	/* give up on a stuck clock after this */
#define CLOCK_OVERHEAD_CALLS 1000000UL

static pthread_once_t clock_once = PTHREAD_ONCE_INIT;
static clockid_t clock_id = CLOCK_MONOTONIC;
static const char *clock_id_name = "CLOCK_MONOTONIC";

static void clock_pick(void)
{
#ifdef CLOCK_MONOTONIC_RAW
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC_RAW, &ts) == 0) {
		clock_id = CLOCK_MONOTONIC_RAW;
		clock_id_name = "CLOCK_MONOTONIC_RAW";
	}
#endif
}

uint64_t clock_now_ns(void)
{
	struct timespec ts;

	pthread_once(&clock_once, clock_pick);
	/* Cannot fail for a clock that clock_pick() (or POSIX) vouched for. */
	clock_gettime(clock_id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

const char *clock_name(void)
{
	pthread_once(&clock_once, clock_pick);
	return clock_id_name;
}

double clock_resolution_ns(double *out_claimed_ns)
{
	uint64_t best = 0;

	pthread_once(&clock_once, clock_pick);
	if (out_claimed_ns) {
		struct timespec res;

		if (clock_getres(clock_id, &res) == 0)
			*out_claimed_ns = (double)res.tv_sec * 1e9 + (double)res.tv_nsec;
		else
			*out_claimed_ns = 0.0;
	}
	for (int i = 0; i < CLOCK_RES_TRIES; i++) {
		uint64_t t0 = clock_now_ns(), t1 = t0;

		for (unsigned long spin = 0; t1 == t0 && spin < CLOCK_RES_SPIN; spin++)
			t1 = clock_now_ns();
		if (t1 > t0 && (best == 0 || t1 - t0 < best))
			best = t1 - t0;
	}
	return (double)best;
}

double clock_overhead_ns(void)
{
	/* volatile keeps the calls from being folded away or reordered. */
	volatile uint64_t sink = 0;
	uint64_t t0, t1;

	clock_now_ns();		/* pick the clock outside the timed loop */
	t0 = clock_now_ns();
	for (unsigned long i = 0; i < CLOCK_OVERHEAD_CALLS; i++)
		sink = clock_now_ns();
	t1 = clock_now_ns();
	(void)sink;
	return (double)(t1 - t0) / (double)CLOCK_OVERHEAD_CALLS;
}

void clock_utc_iso8601(char *out, unsigned long n_out)
{
	char buf[32] = "";
	struct timespec now;
	struct tm tm;

	if (!out || n_out == 0)
		return;
	if (clock_gettime(CLOCK_REALTIME, &now) != 0 || !gmtime_r(&now.tv_sec, &tm) ||
	    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		buf[0] = '\0';
	/* Truncates rather than overflows when out is shorter than promised. */
	snprintf(out, n_out, "%s", buf);
}
