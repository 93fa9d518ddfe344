/*
 * jwalk.c - typed getters over a parsed JSON document that name the path at
 * fault (see jwalk.h), and the strict and tolerant parses behind them.
 */
#include "jwalk.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

/* Integers travel as JSON numbers, so only those a double holds exactly. */
#define JWALK_INT_MAX 9007199254740992.0 /* 2^53 */

/* The sentinels of jwalk_parse_tolerant: a string's first byte. */
#define JW_NAN '\001'
#define JW_PINF '\002'
#define JW_NINF '\003'

void jwalk_init(struct jwalk *w, const char *src, char *err, size_t n_err)
{
	memset(w, 0, sizeof(*w));
	w->src = src ? src : "(input)";
	strcpy(w->path, "$");
	w->len = 1;
	w->err = err;
	w->n_err = n_err;
}

size_t jwalk_push(struct jwalk *w, const char *key, long idx)
{
	size_t mark = w->len;
	char next[JPATH_LEN];

	if (key)
		jpath_key(next, w->path, key);
	else
		jpath_index(next, w->path, (size_t)idx);
	memcpy(w->path, next, sizeof(next));
	w->len = strlen(w->path);
	return mark;
}

void jwalk_pop(struct jwalk *w, size_t mark)
{
	w->len = mark;
	w->path[mark] = '\0';
}

int jwalk_fail(struct jwalk *w, const char *what)
{
	return jpath_fail(w->err, w->n_err, MC_EINVAL, w->src, w->path, "%s", what);
}

int jwalk_fail_at(struct jwalk *w, const char *key, long idx, const char *what)
{
	size_t mark = jwalk_push(w, key, idx);
	int rc = jwalk_fail(w, what);

	jwalk_pop(w, mark);
	return rc;
}

int jwalk_oom(struct jwalk *w)
{
	return err_set(w->err, w->n_err, MC_ENOMEM, "%s: out of memory", w->src);
}

int jwalk_number(const struct jwalk *w, const cJSON *v, double *out)
{
	char *end = NULL;

	if (cJSON_IsNumber(v)) {
		*out = v->valuedouble;
		return 1;
	}
	if (cJSON_IsRaw(v) && v->valuestring && v->valuestring[0]) {
		errno = 0;
		*out = strtod(v->valuestring, &end);
		return *end == '\0' && errno == 0;
	}
	if (w && w->tolerant && cJSON_IsString(v) && v->valuestring) {
		switch (v->valuestring[0]) {
		case JW_NAN: *out = NAN; return 1;
		case JW_PINF: *out = INFINITY; return 1;
		case JW_NINF: *out = -INFINITY; return 1;
		}
	}
	return 0;
}

int jwalk_has(const cJSON *obj, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(obj, key) != NULL;
}

int jwalk_get(struct jwalk *w, const cJSON *obj, const char *key,
	      enum jwalk_kind kind, int nullable, const cJSON **out_v)
{
	static const char *const names[] = {
		[JW_STR] = "a string", [JW_NUM] = "a number", [JW_INT] = "an integer",
		[JW_BOOL] = "true or false", [JW_OBJ] = "an object", [JW_ARR] = "an array",
		[JW_ANYNUM] = "a number",
	};
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	char msg[64];
	double x = 0;
	int ok = 0;

	*out_v = NULL;
	if (!v)
		return jwalk_fail_at(w, key, 0, "missing");
	if (nullable && cJSON_IsNull(v))
		return 0;
	switch (kind) {
	case JW_STR:
		ok = cJSON_IsString(v) && v->valuestring &&
		     !(w->tolerant && jwalk_number(w, v, &x));
		break;
	case JW_NUM: ok = jwalk_number(w, v, &x) && isfinite(x); break;
	case JW_ANYNUM: ok = jwalk_number(w, v, &x); break;
	case JW_INT: ok = jwalk_number(w, v, &x) && x == floor(x) &&
			fabs(x) <= JWALK_INT_MAX; break;
	case JW_BOOL: ok = cJSON_IsBool(v); break;
	case JW_OBJ: ok = cJSON_IsObject(v); break;
	case JW_ARR: ok = cJSON_IsArray(v); break;
	}
	if (!ok) {
		snprintf(msg, sizeof(msg), "expected %s%s", names[kind],
			 nullable ? " or null" : "");
		return jwalk_fail_at(w, key, 0, msg);
	}
	*out_v = v;
	return 0;
}

int jwalk_str(struct jwalk *w, const cJSON *obj, const char *key, int nullable,
	      const char **out)
{
	const cJSON *v;
	int rc = jwalk_get(w, obj, key, JW_STR, nullable, &v);

	*out = v ? v->valuestring : NULL;
	return rc;
}

int jwalk_num(struct jwalk *w, const cJSON *obj, const char *key, int nullable,
	      double *out)
{
	const cJSON *v;
	int rc = jwalk_get(w, obj, key, JW_NUM, nullable, &v);

	*out = NAN;
	if (v)
		jwalk_number(w, v, out);
	return rc;
}

int jwalk_int(struct jwalk *w, const cJSON *obj, const char *key, int nullable,
	      int64_t min, int64_t *out)
{
	const cJSON *v;
	double x = -1;
	char msg[64];
	int rc = jwalk_get(w, obj, key, JW_INT, nullable, &v);

	*out = -1;
	if (rc || !v)
		return rc;
	jwalk_number(w, v, &x);
	if (x < (double)min) {
		snprintf(msg, sizeof(msg), "expected an integer >= %lld%s",
			 (long long)min, nullable ? " or null" : "");
		return jwalk_fail_at(w, key, 0, msg);
	}
	*out = (int64_t)x;
	return 0;
}

int jwalk_bool(struct jwalk *w, const cJSON *obj, const char *key, int nullable,
	       int *out)
{
	const cJSON *v;
	int rc = jwalk_get(w, obj, key, JW_BOOL, nullable, &v);

	*out = v ? cJSON_IsTrue(v) : -1;
	return rc;
}

int jwalk_enum(struct jwalk *w, const cJSON *obj, const char *key,
	       const char *const *allowed, const char **out)
{
	char msg[160];
	size_t len = 0;
	int rc = jwalk_str(w, obj, key, 0, out);

	if (rc)
		return rc;
	for (const char *const *a = allowed; *a; a++)
		if (!strcmp(*a, *out))
			return 0;
	len = (size_t)snprintf(msg, sizeof(msg), "expected one of");
	for (const char *const *a = allowed; *a && len < sizeof(msg); a++)
		len += (size_t)snprintf(msg + len, sizeof(msg) - len, "%s \"%s\"",
					a == allowed ? "" : ",", *a);
	return jwalk_fail_at(w, key, 0, msg);
}

int jwalk_parse(const char *src, const char *text, size_t len, cJSON **out,
		char *err, size_t n_err)
{
	const char *end = NULL;
	size_t off = strlen(text);

	*out = NULL;
	if (off == len) {
		*out = cJSON_ParseWithOpts(text, &end, 1);
		off = end && end >= text && end <= text + len ? (size_t)(end - text) : 0;
	}
	if (*out)
		return 0;
	return jpath_parse_error(err, n_err, src, text, len, off,
				 off < len && text[off] == '\0' ? "NUL byte in JSON text" :
				 "invalid JSON");
}

/* Whether text at p starts the token word, followed by no letter or digit
 * (so "NaNx" stays invalid). */
static int token_at(const char *p, const char *end, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(end - p) < n || memcmp(p, word, n))
		return 0;
	p += n;
	return p == end || !((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			     (*p >= '0' && *p <= '9') || *p == '_');
}

int jwalk_parse_tolerant(const char *src, const char *text, size_t len, cJSON **out,
			 char *err, size_t n_err)
{
	static const struct { const char *word; char tag; } words[] = {
		{ "NaN", JW_NAN }, { "Infinity", JW_PINF }, { "-Infinity", JW_NINF },
	};
	char *copy;
	const char *end = text + len;
	int rc, in_str = 0;

	*out = NULL;
	if (strlen(text) != len)
		return jwalk_parse(src, text, len, out, err, n_err);
	if (!(copy = malloc(len + 1)))
		return err_set(err, n_err, MC_ENOMEM, "%s: out of memory", src);
	memcpy(copy, text, len + 1);
	for (const char *p = text; p < end; p++) {
		size_t at = (size_t)(p - text);

		if (in_str) {
			if (*p == '\\' && p + 1 < end)
				p++;
			else if (*p == '"')
				in_str = 0;
			else if ((unsigned char)*p < 0x20) {
				free(copy);
				return jpath_parse_error(err, n_err, src, text, len, at,
							 "control character in a JSON string");
			}
			continue;
		}
		if (*p == '"') {
			in_str = 1;
			continue;
		}
		for (size_t k = 0; k < sizeof(words) / sizeof(words[0]); k++) {
			size_t n = strlen(words[k].word);

			if (!token_at(p, end, words[k].word))
				continue;
			/* "NaN" -> "\001" quoted: the same length, a string. */
			memset(copy + at, ' ', n);
			copy[at] = '"';
			copy[at + 1] = words[k].tag;
			copy[at + n - 1] = '"';
			p += n - 1;
			break;
		}
	}
	rc = jwalk_parse(src, copy, len, out, err, n_err);
	free(copy);
	return rc;
}
