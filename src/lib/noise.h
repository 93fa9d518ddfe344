/*
 * noise.h - the machine's own noise over one sample.
 *
 * Around each sample's call the runner takes two marks and keeps what
 * happened between them: the CPU steal time of the whole machine (the
 * "steal" column of /proc/stat's "cpu" line: time the hypervisor ran
 * other guests while this guest's CPUs wanted to run), and the process's
 * voluntary and involuntary context switches (getrusage RUSAGE_SELF; a
 * peer adapter reports its own process's, see backend.h). A GPU's SM clock
 * comes from a peer that can read it (torch.cuda.clock_rate); nothing here
 * invents one. Every figure is optional: unknown is NaN or -1, never 0.
 *
 * Heavy steal: a sample is flagged when the steal over its call, less one
 * tick, exceeds NOISE_STEAL_SHARE of the machine's CPU time over the call
 * (wall time x online CPUs). /proc/stat counts in ticks of
 * 1/sysconf(_SC_CLK_TCK) s (10 ms at the usual 100): one reading is the
 * kernel's nanosecond counter rounded down to a tick, so a difference of
 * two readings is within one tick of the truth. Taking a tick off first
 * means a flag is never the rounding alone: a 10 ms sample on two CPUs
 * (20 ms of CPU time) needs two ticks of steal to be flagged; a 100 ms one
 * needs 4 ticks (at least 30 ms truly stolen, 15%). Short samples are thus
 * flagged only under very heavy steal; their steal_ns is stored all the
 * same, and a result's total over its samples is unbiased.
 */
#ifndef MC_NOISE_H
#define MC_NOISE_H
#include <stddef.h>
#include <stdint.h>

/* A sample is under heavy steal beyond this share of the machine's CPU
 * time over it: at 10%, steal alone can slow a kernel that uses every CPU
 * by 10%, several times the width of a typical result's 95% interval, so
 * such a sample measures the neighbours as much as the code. */
#define NOISE_STEAL_SHARE 0.10

/* What one sample's call went through. Unknown: NaN, or -1. */
struct noise_sample {
	double steal_ns;       /* machine-wide (summed over CPUs), over the call */
	int steal_flagged;     /* 1 heavy steal, 0 not, -1 unknown */
	int64_t nvcsw, nivcsw; /* voluntary, involuntary context switches */
	double sm_clock_mhz;   /* GPU SM clock around the call */
};

/* The machine's constants the flag needs. */
struct noise_clock {
	double tick_ns;        /* one /proc/stat tick; <= 0 unknown */
	int n_cpus;            /* online CPUs; <= 0 unknown */
};

/* A reading at one instant. */
struct noise_mark {
	int have_steal;
	uint64_t steal_ticks;
	int have_rusage;
	int64_t nvcsw, nivcsw;
};

/* A sample with nothing known. */
void noise_sample_unknown(struct noise_sample *out);

/* This machine's tick and online CPU count (sysconf); unknown ones <= 0. */
void noise_clock_init(struct noise_clock *out);

/* Parses the steal column (the 8th number) of the first "cpu " line of
 * /proc/stat text. Returns 0 and *out_ticks; MC_ENOTSUP when the line has
 * fewer columns (kernels before 2.6.11); MC_EINVAL when there is no such
 * line or it does not parse. Pure. */
int noise_parse_steal(const char *stat_text, uint64_t *out_ticks);

/* Takes a mark now: steal from the file at stat_path (NULL: /proc/stat)
 * and this process's context switches. What cannot be read is left
 * unknown in *out; never fails. */
void noise_mark_now(const char *stat_path, struct noise_mark *out);

/* Whether steal_ns over a call of wall_ns is heavy (see the top): 1, 0,
 * or -1 when steal_ns, the tick or the CPU count is unknown. Pure. */
int noise_steal_flagged(double steal_ns, double wall_ns, const struct noise_clock *c);

/* What happened between marks a and b, taken around a call of wall_ns:
 * steal (and its flag) and context switches where both marks have them.
 * sm_clock_mhz is left unknown. Pure. */
void noise_between(const struct noise_mark *a, const struct noise_mark *b,
		   double wall_ns, const struct noise_clock *c, struct noise_sample *out);

/* Samples of s[0..n) flagged for heavy steal, or -1 when none has a
 * known flag. Pure. */
int64_t noise_count_flagged(const struct noise_sample *s, size_t n);

#endif
