/*
 * jwalk.h - walking a parsed JSON document with typed getters that name the
 * path at fault: "x.json: $.runs[0].results[3].stats.median_ns: expected a
 * number". Shared by the importers of exported runs (store_import.c) and of
 * other tools' result files (import_*.c); the sentences are jpath.c's.
 *
 * A walker holds no memory: its path is a fixed buffer, and values it
 * returns point into the document, valid while the document lives.
 */
#ifndef MC_JWALK_H
#define MC_JWALK_H
#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>

#include "jpath.h"

struct jwalk {
	const char *src;        /* the file, for messages */
	char path[JPATH_LEN];   /* where we are, e.g. "$.runs[0]" */
	size_t len;
	char *err;              /* the caller's error buffer */
	size_t n_err;
	int tolerant;           /* jwalk_parse_tolerant's NaN/Infinity count as numbers */
};

/* A walker at "$" of src, failing into err (n_err bytes). */
void jwalk_init(struct jwalk *w, const char *src, char *err, size_t n_err);

/* Descends into member key (or, when key is NULL, element idx); returns
 * the mark that jwalk_pop() climbs back to. */
size_t jwalk_push(struct jwalk *w, const char *key, long idx);
void jwalk_pop(struct jwalk *w, size_t mark);

/* MC_EINVAL with "SRC: PATH: what" at the current path. */
int jwalk_fail(struct jwalk *w, const char *what);

/* The same at member key (or element idx when key is NULL) of the current
 * path. */
int jwalk_fail_at(struct jwalk *w, const char *key, long idx, const char *what);

/* MC_ENOMEM with "SRC: out of memory". */
int jwalk_oom(struct jwalk *w);

/* The value of a number item: a parsed number, a raw item holding one
 * (store_export.c builds those), or, when tolerant, a NaN or an infinity
 * that jwalk_parse_tolerant() read. 1 with *out set, 0 when v is none. */
int jwalk_number(const struct jwalk *w, const cJSON *v, double *out);

enum jwalk_kind { JW_STR, JW_NUM, JW_INT, JW_BOOL, JW_OBJ, JW_ARR, JW_ANYNUM };

/* The value of key in obj, checked to be of kind (JW_NUM: finite; JW_INT:
 * an integer a double holds exactly; JW_ANYNUM: any number, NaN and
 * infinities included) or null when nullable. *out_v is NULL for a null.
 * Errors (MC_EINVAL) name the member's path: "missing", "expected ...". */
int jwalk_get(struct jwalk *w, const cJSON *obj, const char *key,
	      enum jwalk_kind kind, int nullable, const cJSON **out_v);

/* Whether obj has member key (not an error when absent). */
int jwalk_has(const cJSON *obj, const char *key);

/* Typed getters over jwalk_get. A null (when nullable) gives NULL, NaN, -1
 * (ints, bools). */
int jwalk_str(struct jwalk *w, const cJSON *obj, const char *key, int nullable,
	      const char **out);
int jwalk_num(struct jwalk *w, const cJSON *obj, const char *key, int nullable,
	      double *out);
/* An integer >= min. */
int jwalk_int(struct jwalk *w, const cJSON *obj, const char *key, int nullable,
	      int64_t min, int64_t *out);
int jwalk_bool(struct jwalk *w, const cJSON *obj, const char *key, int nullable,
	       int *out);
/* A string that must be one of allowed[] (NULL-terminated). */
int jwalk_enum(struct jwalk *w, const cJSON *obj, const char *key,
	       const char *const *allowed, const char **out);

/* Parses text (len bytes, NUL-terminated) as strict JSON. *out owns the
 * tree (cJSON_Delete). Errors: MC_EINVAL "SRC:LINE:COL: invalid JSON" (or
 * "NUL byte in JSON text"), MC_ENOMEM. */
int jwalk_parse(const char *src, const char *text, size_t len, cJSON **out,
		char *err, size_t n_err);

/* As jwalk_parse, but also accepts the bare NaN, Infinity and -Infinity
 * that Google Benchmark and Python's json module write where a number is
 * not finite. cJSON refuses them, so they are rewritten first, outside
 * strings, into same-length strings that begin with a control byte (a
 * string strict JSON cannot hold, so one refused here: no file can fake
 * one); the rewrite keeps every line and column of a parse error where it
 * was. Read such a tree with a walker whose tolerant flag is set. */
int jwalk_parse_tolerant(const char *src, const char *text, size_t len, cJSON **out,
			 char *err, size_t n_err);

#endif
