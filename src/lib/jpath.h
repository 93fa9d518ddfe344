/*
 * jpath.h - the shared ground of the project's strict JSON readers (suite
 * files in suite.c, exported runs in store_import.c): reading the file,
 * the "FILE:LINE:COL: ..." sentence of a parse error, the JSON paths that
 * validation errors name ("$.benchmarks[1].grid.rows[0]") and the
 * "FILE: PATH: message" sentence they make.
 *
 * Paths are for messages: one too long for JPATH_LEN is cut and ends in
 * "...", which still points the reader at the right place.
 */
#ifndef MC_JPATH_H
#define MC_JPATH_H
#include <stddef.h>

#define JPATH_LEN 256

/* base followed by key into out (JPATH_LEN bytes; not base itself):
 * "$.name" for a plain identifier, else "$[\"a key\"]" with the key made
 * printable (jpath_printable). */
void jpath_key(char *out, const char *base, const char *key);

/* base followed by "[i]" into out (JPATH_LEN bytes; not base itself). */
void jpath_index(char *out, const char *base, size_t i);

/* s for a one-line message, into out (n bytes): quotes and backslashes
 * escaped, control bytes as \xNN, so that a stray newline in a key cannot
 * split the error sentence; cut to fit. Returns out. */
const char *jpath_printable(const char *s, char *out, size_t n);

/* Fills err with "FILE: JPATH: message" ("FILE: message" when jpath is
 * NULL) and returns code. */
__attribute__((format(printf, 6, 7)))
int jpath_fail(char *err, size_t n_err, int code, const char *file,
	       const char *jpath, const char *fmt, ...);

/* Reads the file at path into a malloc'd NUL-terminated buffer (*out, free
 * with free(); *out_len bytes, not counting the NUL, which the text may
 * also hold). max_bytes 0 means no limit. Errors: MC_EIO (cannot open or
 * read), MC_EINVAL (larger than max_bytes), MC_ENOMEM; each names path. */
int jpath_read_file(const char *path, size_t max_bytes, char **out, size_t *out_len,
		    char *err, size_t n_err);

/* Fills err with "FILE:LINE:COL: what" for byte offset off of text (len
 * bytes; off past the end counts as the end) and returns MC_EINVAL. */
int jpath_parse_error(char *err, size_t n_err, const char *file, const char *text,
		      size_t len, size_t off, const char *what);

/* Parses text (len bytes and its terminating NUL, as jpath_read_file gives
 * them) of file as one JSON document into *out (free with cJSON_Delete):
 * a NUL inside the text, anything after the document and invalid JSON
 * (cJSON reports running out of memory the same way) are
 * "FILE:LINE:COL: parse error", MC_EINVAL. *out is NULL on error. */
struct cJSON;
int jpath_parse(const char *file, const char *text, size_t len, struct cJSON **out,
		char *err, size_t n_err);

#endif
