/*
 * mdesc.c - Markdown escaping of data-derived text (see mdesc.h).
 */
#include "mdesc.h"

#include <string.h>
#include <strings.h>

/* Length of the valid UTF-8 sequence at s (1..4), or 0 when invalid. */
static size_t mdesc_utf8_len(const unsigned char *s)
{
	size_t n;
	unsigned int cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and values past U+10FFFF. */
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

static int mdesc_email_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '-' || c == '_' || c == '+';
}

void mdesc_text(struct sbuf *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	int at_start = 1;

	if (!s)
		return;
	while (*p) {
		unsigned char c = *p;
		size_t n;

		if (c < 0x20 || c == 0x7f) {
			sbuf_addc(out, ' ');
			p++;
			continue;   /* a leading blank does not end the "start" */
		}
		if (c >= 0x80) {
			n = mdesc_utf8_len(p);
			if (n == 0) {
				sbuf_add(out, "\xef\xbf\xbd");
				n = 1;
			} else {
				sbuf_addn(out, (const char *)p, n);
			}
			p += n;
			at_start = 0;
			continue;
		}
		switch (c) {
		case '<': sbuf_add(out, "&lt;"); break;
		case '>': sbuf_add(out, "&gt;"); break;
		case '&': sbuf_add(out, "&amp;"); break;
		case '@':
			/* Only where an e-mail autolink could form: x@y. */
			if (p != (const unsigned char *)s && mdesc_email_char(p[-1]) &&
			    mdesc_email_char(p[1]))
				sbuf_add(out, "&#64;");
			else
				sbuf_addc(out, '@');
			break;
		case '|': case '\\': case '[': case ']': case '`': case '*':
		case '_': case '~':
			sbuf_addc(out, '\\');
			sbuf_addc(out, (char)c);
			break;
		case '#': case '-': case '+': case '=':
			if (at_start)
				sbuf_addc(out, '\\');
			sbuf_addc(out, (char)c);
			break;
		case ':':
			if (p[1] == '/' && p[2] == '/')
				sbuf_add(out, "&#58;");
			else
				sbuf_addc(out, ':');
			break;
		case 'w': case 'W':
			if (strncasecmp((const char *)p, "www.", 4) == 0) {
				sbuf_addn(out, (const char *)p, 3);
				sbuf_add(out, "&#46;");
				p += 4;
				at_start = 0;
				continue;
			}
			sbuf_addc(out, (char)c);
			break;
		default:
			if (c == ' ' && at_start) {
				sbuf_addc(out, ' ');
				p++;
				continue;
			}
			sbuf_addc(out, (char)c);
		}
		at_start = 0;
		p++;
	}
}
