/*
 * tmpl.h - the template language of mcreport: syntax only.
 *
 * A template is Markdown with directives:
 *   {{name word key=value key="quoted value" ...}}
 * A directive that stands alone on its line replaces the whole line
 * (indentation and newline included), unless it is an inline one. {{# ...}} is a comment. \{{ writes a
 * literal "{{". Block directives ({{select ...}}) run to their {{end}}.
 *
 * The vocabulary (which directives exist, their words and keys) is given
 * by the caller as a table of struct tmpl_spec, so the parser rejects an
 * unknown directive or argument anywhere in the file, even in parts a
 * render would not reach. Every error reads "FILE:LINE:COL: message".
 * Meaning (values, data) is the renderer's business (render.h).
 */
#ifndef MC_TMPL_H
#define MC_TMPL_H
#include <stddef.h>

enum tmpl_flags {
	TMPL_BLOCK = 1,     /* opens a block closed by {{end}} */
	TMPL_OWN_LINE = 2,  /* must stand alone on its line (tables, charts) */
	TMPL_INLINE = 4,    /* renders within a line: alone on a line, it keeps
			     * the line's indentation and line break */
};

/* One directive of the vocabulary. Arrays are NULL-terminated. */
struct tmpl_spec {
	const char *name;
	unsigned flags;
	const char *const *words;    /* allowed first bare word (a kind), NULL: none */
	const char *const *keys;     /* allowed keys */
	const char *const *required; /* keys that must be present */
};

struct tmpl_arg {
	const char *key;     /* NULL for the bare word */
	const char *value;   /* unquoted, unescaped */
	int line, col;       /* where the argument starts */
};

enum tmpl_kind { TMPL_TEXT, TMPL_DIRECTIVE };

struct tmpl_node {
	enum tmpl_kind kind;
	const char *text;          /* TMPL_TEXT: bytes of the source, not NUL-terminated */
	size_t len;
	const struct tmpl_spec *spec; /* TMPL_DIRECTIVE; spec->name "end" closes a block */
	const char *word;          /* the bare word or NULL */
	struct tmpl_arg *args;     /* keyed arguments, in source order */
	size_t n_args;
	int line, col;             /* of the opening braces */
	int own_line;              /* stood alone on its line */
	size_t end;                /* TMPL_BLOCK: index of the matching {{end}} */
};

struct tmpl {
	char *path;                /* as given to tmpl_parse */
	char *src;                 /* the whole source, NUL-terminated */
	size_t n_src;
	struct tmpl_node *nodes;
	size_t n_nodes;
};

/* Parses src[0..n) (copied) named path in error messages. specs: the
 * vocabulary, ending with a NULL name; the parser adds "end". On success
 * *out is owned by the caller (tmpl_free). Errors: MC_EINVAL with
 * "path:line:col: message", MC_ENOMEM. */
int tmpl_parse(const char *path, const char *src, size_t n,
	       const struct tmpl_spec *specs, struct tmpl **out,
	       char *err, size_t n_err);

/* Reads the file at path and parses it. Errors as tmpl_parse, plus MC_EIO
 * naming path when it cannot be read. */
int tmpl_load(const char *path, const struct tmpl_spec *specs,
	      struct tmpl **out, char *err, size_t n_err);

void tmpl_free(struct tmpl *t);   /* accepts NULL */

/* The value of key in node, or NULL (and the argument in *out_arg when
 * out_arg is not NULL). */
const char *tmpl_get(const struct tmpl_node *node, const char *key,
		     const struct tmpl_arg **out_arg);

#endif
