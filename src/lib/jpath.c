/*
 * jpath.c - reading JSON input and naming where it is wrong (see jpath.h).
 */
#include "jpath.h"
#include <cjson/cJSON.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

static void jpath_fit(char *out, int len)
{
	if (len < 0 || len >= JPATH_LEN)
		memcpy(out + JPATH_LEN - 4, "...", 4);
}

const char *jpath_printable(const char *s, char *out, size_t n)
{
	size_t j = 0;

	for (; *s && j + 5 < n; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			j += (size_t)snprintf(out + j, n - j, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			j += (size_t)snprintf(out + j, n - j, "\\x%02x", c);
		else
			out[j++] = (char)c;
	}
	out[j] = '\0';
	return out;
}

void jpath_key(char *out, const char *base, const char *raw_key)
{
	char key[JPATH_LEN];
	int plain;

	jpath_printable(raw_key, key, sizeof(key));
	plain = *key != '\0';

	for (const char *c = key; *c; c++)
		if (!(*c == '_' || (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9' && c != key)))
			plain = 0;
	if (plain)
		jpath_fit(out, snprintf(out, JPATH_LEN, "%s.%s", base, key));
	else
		jpath_fit(out, snprintf(out, JPATH_LEN, "%s[\"%s\"]", base, key));
}

void jpath_index(char *out, const char *base, size_t i)
{
	jpath_fit(out, snprintf(out, JPATH_LEN, "%s[%zu]", base, i));
}

int jpath_fail(char *err, size_t n_err, int code, const char *file,
	       const char *jpath, const char *fmt, ...)
{
	char msg[MC_ERRLEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (jpath)
		return err_set(err, n_err, code, "%s: %s: %s", file, jpath, msg);
	return err_set(err, n_err, code, "%s: %s", file, msg);
}

int jpath_read_file(const char *path, size_t max_bytes, char **out, size_t *out_len,
		    char *err, size_t n_err)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0, got;
	int rc = 0;

	*out = NULL;
	*out_len = 0;
	if (!f)
		return err_set(err, n_err, MC_EIO, "%s: cannot open: %s", path,
			       strerror(errno));
	do {
		if (cap - len < 4096) {
			char *nb;

			if (max_bytes && cap >= max_bytes) {
				rc = err_set(err, n_err, MC_EINVAL, "%s: larger than %zu bytes",
					     path, max_bytes);
				goto out;
			}
			cap = cap ? cap * 2 : 65536;
			nb = realloc(buf, cap + 1);
			if (!nb) {
				rc = err_set(err, n_err, MC_ENOMEM, "%s: out of memory reading",
					     path);
				goto out;
			}
			buf = nb;
		}
		got = fread(buf + len, 1, cap - len, f);
		len += got;
	} while (got > 0);
	if (ferror(f)) {
		rc = err_set(err, n_err, MC_EIO, "%s: cannot read: %s", path,
			     strerror(errno));
		goto out;
	}
	buf[len] = '\0';
	*out = buf;
	*out_len = len;
	buf = NULL;
out:
	fclose(f);
	free(buf);
	return rc;
}

int jpath_parse_error(char *err, size_t n_err, const char *file, const char *text,
		      size_t len, size_t off, const char *what)
{
	size_t line = 1, col = 1;

	if (off > len)
		off = len;
	for (size_t i = 0; i < off; i++) {
		if (text[i] == '\n') {
			line++;
			col = 1;
		} else {
			col++;
		}
	}
	return err_set(err, n_err, MC_EINVAL, "%s:%zu:%zu: %s", file, line, col, what);
}

int jpath_parse(const char *file, const char *text, size_t len, struct cJSON **out,
		char *err, size_t n_err)
{
	const char *end = memchr(text, '\0', len);

	*out = NULL;
	/* cJSON stops at a NUL; one inside the file would hide what follows. */
	if (end)
		return jpath_parse_error(err, n_err, file, text, len, (size_t)(end - text),
					 "parse error");
	/* The length includes the terminating NUL, which cJSON requires to
	 * accept the end of the text as the end of the document. */
	*out = cJSON_ParseWithLengthOpts(text, len + 1, &end, 1);
	if (!*out)
		return jpath_parse_error(err, n_err, file, text, len,
					 end && end >= text ? (size_t)(end - text) : 0,
					 "parse error");
	return 0;
}
