/*
 * noise.c - steal time and context switches around a sample (see noise.h).
 *
 * Hand-written: /proc/stat's first line is one line of numbers, and no
 * Debian library reads it without pulling in a process-monitoring stack
 * (libprocps reads it, but its API changed incompatibly in procps 4).
 */
#include "noise.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "err.h"

/* The "cpu" line's columns up to steal: user nice system idle iowait irq
 * softirq steal (proc(5)). */
#define NOISE_STEAL_COLUMN 8

void noise_sample_unknown(struct noise_sample *out)
{
	out->steal_ns = NAN;
	out->steal_flagged = -1;
	out->nvcsw = -1;
	out->nivcsw = -1;
	out->sm_clock_mhz = NAN;
}

void noise_clock_init(struct noise_clock *out)
{
	long tck = sysconf(_SC_CLK_TCK), cpus = sysconf(_SC_NPROCESSORS_ONLN);

	out->tick_ns = tck > 0 ? 1e9 / (double)tck : -1;
	out->n_cpus = cpus > 0 && cpus < 1 << 20 ? (int)cpus : -1;
}

int noise_parse_steal(const char *stat_text, uint64_t *out_ticks)
{
	const char *p = stat_text;

	/* The aggregate line is the one named "cpu" alone (then cpu0, ...). */
	while (p && strncmp(p, "cpu ", 4) != 0) {
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	if (!p)
		return MC_EINVAL;
	p += 3;
	for (int col = 1; col <= NOISE_STEAL_COLUMN; col++) {
		char *end;
		unsigned long long v;

		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\n' || *p == '\0')
			return col > 4 ? MC_ENOTSUP : MC_EINVAL;
		if (*p < '0' || *p > '9')
			return MC_EINVAL;
		errno = 0;
		v = strtoull(p, &end, 10);
		if (errno || end == p || (*end != ' ' && *end != '\t' && *end != '\n' &&
					  *end != '\0'))
			return MC_EINVAL;
		if (col == NOISE_STEAL_COLUMN)
			*out_ticks = (uint64_t)v;
		p = end;
	}
	return 0;
}

/* The start of the file at path into buf (NUL-terminated); 0 when read.
 * The "cpu" line comes first and is well under 256 bytes. */
static int read_head(const char *path, char *buf, size_t n_buf)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t got;

	if (fd < 0)
		return -1;
	got = read(fd, buf, n_buf - 1);
	close(fd);
	if (got <= 0)
		return -1;
	buf[got] = '\0';
	return 0;
}

void noise_mark_now(const char *stat_path, struct noise_mark *out)
{
	char buf[512];
	struct rusage ru;

	memset(out, 0, sizeof(*out));
	if (!read_head(stat_path ? stat_path : "/proc/stat", buf, sizeof(buf)) &&
	    !noise_parse_steal(buf, &out->steal_ticks))
		out->have_steal = 1;
	if (!getrusage(RUSAGE_SELF, &ru)) {
		out->have_rusage = 1;
		out->nvcsw = ru.ru_nvcsw;
		out->nivcsw = ru.ru_nivcsw;
	}
}

int noise_steal_flagged(double steal_ns, double wall_ns, const struct noise_clock *c)
{
	if (!isfinite(steal_ns) || steal_ns < 0 || !(wall_ns > 0) || !(c->tick_ns > 0) ||
	    c->n_cpus <= 0)
		return -1;
	return steal_ns - c->tick_ns > NOISE_STEAL_SHARE * wall_ns * c->n_cpus;
}

void noise_between(const struct noise_mark *a, const struct noise_mark *b,
		   double wall_ns, const struct noise_clock *c, struct noise_sample *out)
{
	noise_sample_unknown(out);
	/* A counter that went backwards (it never should) is not a reading. */
	if (a->have_steal && b->have_steal && b->steal_ticks >= a->steal_ticks &&
	    c->tick_ns > 0) {
		out->steal_ns = (double)(b->steal_ticks - a->steal_ticks) * c->tick_ns;
		out->steal_flagged = noise_steal_flagged(out->steal_ns, wall_ns, c);
	}
	if (a->have_rusage && b->have_rusage && b->nvcsw >= a->nvcsw &&
	    b->nivcsw >= a->nivcsw) {
		out->nvcsw = b->nvcsw - a->nvcsw;
		out->nivcsw = b->nivcsw - a->nivcsw;
	}
}

int64_t noise_count_flagged(const struct noise_sample *s, size_t n)
{
	int64_t count = 0;
	int known = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i].steal_flagged < 0)
			continue;
		known = 1;
		count += s[i].steal_flagged;
	}
	return known ? count : -1;
}
