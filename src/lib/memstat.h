/*
 * memstat.h - this process's resident memory, from Linux's
 * /proc/self/status: the current resident set (VmRSS) and its high-water
 * mark (VmHWM), which writing "5" to /proc/self/clear_refs resets to the
 * current resident set (Linux 4.0+), so that one measurement's peak can be
 * told from an earlier one's. getrusage's ru_maxrss is the same mark but
 * cannot be reset, so it is not used: a peak that cannot be reset is
 * reported unknown rather than as some earlier workload's.
 */
#ifndef MC_MEMSTAT_H
#define MC_MEMSTAT_H
#include <stdint.h>

/* Resets the high-water mark to the current resident set. Returns 0, or
 * -1 where the kernel does not allow it (then memstat_peak_bytes says
 * nothing about what follows). */
int memstat_reset_peak(void);

/* The current resident set in bytes, or -1 when unreadable. */
int64_t memstat_rss_bytes(void);

/* The high-water mark in bytes since the last reset, or -1 when
 * unreadable. */
int64_t memstat_peak_bytes(void);

#endif
