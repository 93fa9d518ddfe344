/*
 * sbuf.c - growable text buffer with a sticky failure flag (see sbuf.h).
 */
#include "sbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int sbuf_grow(struct sbuf *b, size_t extra)
{
	size_t need, ncap;
	char *nb;

	if (b->failed)
		return -1;
	if (extra > (size_t)-1 / 2 - b->len) {
		b->failed = 1;
		return -1;
	}
	need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	ncap = b->cap ? b->cap : 64;
	while (ncap < need)
		ncap *= 2;
	nb = realloc(b->buf, ncap);
	if (!nb) {
		b->failed = 1;
		return -1;
	}
	b->buf = nb;
	b->cap = ncap;
	return 0;
}

void sbuf_addn(struct sbuf *b, const char *s, size_t n)
{
	if (sbuf_grow(b, n))
		return;
	memcpy(b->buf + b->len, s, n);
	b->len += n;
	b->buf[b->len] = '\0';
}

void sbuf_add(struct sbuf *b, const char *s)
{
	sbuf_addn(b, s, strlen(s));
}

void sbuf_addc(struct sbuf *b, char c)
{
	sbuf_addn(b, &c, 1);
}

void sbuf_vaddf(struct sbuf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	if (b->failed)
		return;
	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0) {
		b->failed = 1;
		return;
	}
	if (sbuf_grow(b, (size_t)n))
		return;
	vsnprintf(b->buf + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

void sbuf_addf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sbuf_vaddf(b, fmt, ap);
	va_end(ap);
}

const char *sbuf_str(const struct sbuf *b)
{
	return b->buf ? b->buf : "";
}

int sbuf_failed(const struct sbuf *b)
{
	return b->failed;
}

void sbuf_truncate(struct sbuf *b, size_t len)
{
	if (b->buf && len < b->len) {
		b->len = len;
		b->buf[len] = '\0';
	}
}

char *sbuf_detach(struct sbuf *b)
{
	char *s;

	if (b->failed) {
		sbuf_release(b);
		return NULL;
	}
	s = b->buf ? b->buf : strdup("");
	b->buf = NULL;
	b->len = b->cap = 0;
	return s;
}

void sbuf_release(struct sbuf *b)
{
	free(b->buf);
	b->buf = NULL;
	b->len = b->cap = 0;
	b->failed = 0;
}
