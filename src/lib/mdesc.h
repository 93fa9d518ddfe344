/*
 * mdesc.h - escaping of text that comes from data (benchmark names, device
 * strings, messages, imported results) for Markdown output.
 *
 * Escaped text stays on one line and inside its table cell, and can neither
 * open HTML, a link, an autolink, emphasis or code, nor start a heading or a
 * list. Invalid UTF-8 becomes U+FFFD so the document stays valid UTF-8.
 */
#ifndef MC_MDESC_H
#define MC_MDESC_H
#include "sbuf.h"

/* Appends s to out, escaped for inline Markdown (prose or table cell):
 *   |          -> \|             newline, tab, control chars -> space
 *   < > &      -> &lt; &gt; &amp;
 *   \ [ ] ` * _ ~ -> backslash-escaped
 *   # - + = at the start of s -> backslash-escaped
 *   "://", "www." and an "@" between e-mail characters -> written with an
 *              entity so GFM does not autolink a URL or an address.
 * A NULL s appends nothing. */
void mdesc_text(struct sbuf *out, const char *s);

#endif
