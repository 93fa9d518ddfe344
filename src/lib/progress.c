/*
 * progress.c - live or plain progress lines for suite runs (progress.h).
 */
#include "progress.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"

struct progress {
	FILE *out;
	int tty;
	size_t n_total, k;
	uint64_t t0_ns;
	uint64_t end_ns;   /* the budget's end, 0 for none */
	int live;          /* a live line is on screen and needs clearing */
};

struct progress *progress_new(FILE *out, size_t n_total)
{
	struct progress *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->out = out;
	p->tty = isatty(fileno(out)) && !getenv("CI");
	p->n_total = n_total;
	p->t0_ns = clock_now_ns();
	return p;
}

void progress_set_end(struct progress *p, uint64_t end_ns)
{
	if (p)
		p->end_ns = end_ns;
}

static void fmt_secs(char *buf, size_t n, double s)
{
	if (s < 60)
		snprintf(buf, n, "%.0fs", s);
	else
		snprintf(buf, n, "%dm%02ds", (int)(s / 60), (int)s % 60);
}

static void clear_live(struct progress *p)
{
	if (p->live) {
		fputs("\r\033[K", p->out);
		p->live = 0;
	}
}

void progress_step(struct progress *p, const char *label)
{
	char el[32], eta[48];
	uint64_t now = clock_now_ns();
	double elapsed, left = -1;

	if (!p)
		return;
	p->k++;
	elapsed = (double)(now - p->t0_ns) / 1e9;
	fmt_secs(el, sizeof(el), elapsed);
	if (p->end_ns)
		left = now < p->end_ns ? (double)(p->end_ns - now) / 1e9 : 0;
	if (p->k > 1 && p->n_total >= p->k) {
		double est = elapsed / (double)(p->k - 1) * (double)(p->n_total - p->k + 1);
		int bounded = left >= 0 && left < est;

		fmt_secs(eta, sizeof(eta), bounded ? left : est);
		if (bounded)
			strcat(eta, " (the budget's end)");
	} else {
		snprintf(eta, sizeof(eta), "?");
	}
	if (p->tty) {
		clear_live(p);
		fprintf(p->out, "[%zu/%zu] %s  %s elapsed, ETA %s", p->k,
			p->n_total, label, el, eta);
		p->live = 1;
	} else {
		fprintf(p->out, "[%zu/%zu] %s (%s elapsed, ETA %s)\n", p->k,
			p->n_total, label, el, eta);
	}
	fflush(p->out);
}

void progress_note(struct progress *p, const char *fmt, ...)
{
	va_list ap;

	if (!p)
		return;
	clear_live(p);
	va_start(ap, fmt);
	vfprintf(p->out, fmt, ap);
	va_end(ap);
	fputc('\n', p->out);
	fflush(p->out);
}

void progress_done(struct progress *p)
{
	if (!p)
		return;
	clear_live(p);
	fflush(p->out);
	free(p);
}
