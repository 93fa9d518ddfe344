/*
 * clock.h - the monotonic clock every timing in mcbench uses.
 *
 * CLOCK_MONOTONIC_RAW where available (not slewed by NTP), else
 * CLOCK_MONOTONIC. Resolution and per-call overhead are measured, not
 * assumed, at the start of every run and stored with it.
 */
#ifndef MC_CLOCK_H
#define MC_CLOCK_H
#include <stdint.h>

/* Nanoseconds since an arbitrary fixed point. */
uint64_t clock_now_ns(void);

/* Name of the clock in use, e.g. "CLOCK_MONOTONIC_RAW". Static storage. */
const char *clock_name(void);

/* Measured resolution: the smallest non-zero difference seen between
 * consecutive readings (ns), and what clock_getres() claims (ns). */
double clock_resolution_ns(double *out_claimed_ns);

/* Measured mean cost of one clock_now_ns() call (ns). */
double clock_overhead_ns(void);

/* Current UTC time as ISO 8601 "YYYY-MM-DDTHH:MM:SSZ" into out (>= 21 bytes). */
void clock_utc_iso8601(char *out, unsigned long n_out);

#endif
