/*
 * busy.h - a device's busy time from the timestamps of the commands of one
 * in-order queue: the length of the union of their [start, end] intervals.
 *
 * Why not the sum of end - start: a driver may stamp a command's start when
 * its front end takes the command, while the one before still runs, so
 * back-to-back commands' intervals overlap and a sum counts the overlap
 * twice (on the H200, run e4c4dee5, NVIDIA's OpenCL summed more per launch
 * of the skinny sgemm than its wall clock took for the same launches, which
 * in an in-order queue only overlapping stamps, or events that slow the
 * kernels, can explain). In a queue that runs
 * its commands in order, the time from a command's end to the next one's is
 * the device's own work or idleness, never both: the union counts each
 * nanosecond the device had a command of ours once, and leaves the host's
 * gaps out as the sum did.
 *
 * A struct busy is the caller's, on its stack; no allocation.
 */
#ifndef MC_BUSY_H
#define MC_BUSY_H
#include <stdint.h>

struct busy {
	uint64_t last_end;   /* latest end seen; 0 before the first command */
	int any;             /* 1 once a command was added */
};

/* Starts an empty timeline. */
void busy_init(struct busy *b);

/* Adds a command that ran from start to end (ns, the device's clock, in the
 * order the queue ran them) and returns the ns it adds to the busy time:
 * end - max(start, the latest end so far), 0 when that is not positive (a
 * command inside the time already counted, or stamps out of order). */
uint64_t busy_add(struct busy *b, uint64_t start, uint64_t end);

#endif
