/*
 * sbuf.h - a growable byte buffer for building text (reports, scripts).
 *
 * Appends never fail visibly: on allocation failure the buffer turns sticky
 * "failed" (sbuf_failed) and ignores further appends, so a long chain of
 * appends is checked once at the end. The text is always NUL-terminated
 * once anything was appended.
 */
#ifndef MC_SBUF_H
#define MC_SBUF_H
#include <stdarg.h>
#include <stddef.h>

struct sbuf {
	char *buf;    /* owned; NULL until the first append */
	size_t len;   /* bytes used, excluding the terminating NUL */
	size_t cap;
	int failed;   /* nonzero after an allocation failure */
};

#define SBUF_INIT { NULL, 0, 0, 0 }

void sbuf_add(struct sbuf *b, const char *s);
void sbuf_addn(struct sbuf *b, const char *s, size_t n);
void sbuf_addc(struct sbuf *b, char c);
void sbuf_addf(struct sbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void sbuf_vaddf(struct sbuf *b, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

/* Text so far: "" when empty. Owned by b, valid until the next append. */
const char *sbuf_str(const struct sbuf *b);
int sbuf_failed(const struct sbuf *b);

/* Shortens to len bytes (len <= b->len). */
void sbuf_truncate(struct sbuf *b, size_t len);

/* Hands the text to the caller (free() it; NULL after a failure, or "" as
 * a malloc'd string when empty) and resets b. */
char *sbuf_detach(struct sbuf *b);

/* Frees the text and resets b; accepts an empty buffer. */
void sbuf_release(struct sbuf *b);

#endif
