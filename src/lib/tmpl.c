/*
 * tmpl.c - parser of the mcreport template language (see tmpl.h).
 *
 * One pass over the source: text runs are kept as slices of the copied
 * source, directives become nodes with their arguments checked against the
 * caller's vocabulary, and a stack pairs blocks with their {{end}}.
 */
#include "tmpl.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "sbuf.h"

#define TMPL_MAX_DEPTH 32

static const struct tmpl_spec tmpl_end_spec = { "end", 0, NULL, NULL, NULL };

struct tmpl_parser {
	struct tmpl *t;
	const char *s;
	size_t n;
	const struct tmpl_spec *specs;
	size_t cap_nodes;
	/* Line and column of byte lc_pos, advanced incrementally. */
	size_t lc_pos;
	int lc_line, lc_col;
	char *err;
	size_t n_err;
};

static void tmpl_where(struct tmpl_parser *p, size_t pos, int *out_line, int *out_col)
{
	if (pos < p->lc_pos) {
		p->lc_pos = 0;
		p->lc_line = p->lc_col = 1;
	}
	for (; p->lc_pos < pos && p->lc_pos < p->n; p->lc_pos++) {
		unsigned char c = (unsigned char)p->s[p->lc_pos];

		if (c == '\n') {
			p->lc_line++;
			p->lc_col = 1;
		} else if ((c & 0xc0) != 0x80) {   /* count characters, not bytes */
			p->lc_col++;
		}
	}
	*out_line = p->lc_line;
	*out_col = p->lc_col;
}

static int tmpl_error(struct tmpl_parser *p, size_t pos, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int tmpl_error(struct tmpl_parser *p, size_t pos, const char *fmt, ...)
{
	char msg[MC_ERRLEN];
	int line, col;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	tmpl_where(p, pos, &line, &col);
	return err_set(p->err, p->n_err, MC_EINVAL, "%s:%d:%d: %s", p->t->path,
		       line, col, msg);
}

static int tmpl_oom(struct tmpl_parser *p)
{
	return err_set(p->err, p->n_err, MC_ENOMEM, "%s: out of memory while parsing.",
		       p->t->path);
}

static struct tmpl_node *tmpl_new_node(struct tmpl_parser *p)
{
	struct tmpl *t = p->t;

	if (t->n_nodes == p->cap_nodes) {
		size_t ncap = p->cap_nodes ? p->cap_nodes * 2 : 32;
		struct tmpl_node *nn = realloc(t->nodes, ncap * sizeof(*nn));

		if (!nn)
			return NULL;
		t->nodes = nn;
		p->cap_nodes = ncap;
	}
	memset(&t->nodes[t->n_nodes], 0, sizeof(t->nodes[0]));
	return &t->nodes[t->n_nodes++];
}

static int tmpl_add_text(struct tmpl_parser *p, size_t from, size_t to)
{
	struct tmpl_node *node;

	if (to <= from)
		return 0;
	node = tmpl_new_node(p);
	if (!node)
		return tmpl_oom(p);
	node->kind = TMPL_TEXT;
	node->text = p->t->src + from;
	node->len = to - from;
	return 0;
}

static int tmpl_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int tmpl_is_ident(const char *s, size_t n)
{
	if (n == 0 || !((s[0] >= 'a' && s[0] <= 'z') || s[0] == '_'))
		return 0;
	for (size_t i = 1; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
		      s[i] == '_'))
			return 0;
	return 1;
}

static int tmpl_in_list(const char *const *list, const char *s)
{
	for (; list && *list; list++)
		if (strcmp(*list, s) == 0)
			return 1;
	return 0;
}

/* "a, b, c" for messages. */
static void tmpl_join(struct sbuf *b, const char *const *list)
{
	for (size_t i = 0; list && list[i]; i++)
		sbuf_addf(b, "%s%s", i ? ", " : "", list[i]);
}

static int tmpl_at_close(const struct tmpl_parser *p, size_t i)
{
	return i + 1 < p->n && p->s[i] == '}' && p->s[i + 1] == '}';
}

/* Reads a value at *pos: "quoted" (\" and \\ escapes) or bare (up to blank
 * or }}). *out is malloc'd. */
static int tmpl_read_value(struct tmpl_parser *p, size_t *pos, char **out)
{
	size_t i = *pos;
	struct sbuf b = SBUF_INIT;

	*out = NULL;
	if (i < p->n && p->s[i] == '"') {
		size_t open = i++;

		for (;;) {
			if (i >= p->n || p->s[i] == '\n') {
				sbuf_release(&b);
				return tmpl_error(p, open, "unterminated quoted value");
			}
			if (p->s[i] == '"')
				break;
			if (p->s[i] == '\\' && i + 1 < p->n &&
			    (p->s[i + 1] == '"' || p->s[i + 1] == '\\'))
				i++;
			sbuf_addc(&b, p->s[i++]);
		}
		i++;
		if (i < p->n && !tmpl_is_space(p->s[i]) && !tmpl_at_close(p, i)) {
			sbuf_release(&b);
			return tmpl_error(p, i, "expected a blank or }} after a quoted value");
		}
	} else {
		size_t start = i;

		while (i < p->n && !tmpl_is_space(p->s[i]) && !tmpl_at_close(p, i)) {
			if (p->s[i] == '"') {
				sbuf_release(&b);
				return tmpl_error(p, i, "unexpected '\"' inside a value (quote the whole value)");
			}
			i++;
		}
		sbuf_addn(&b, p->s + start, i - start);
	}
	*out = sbuf_detach(&b);
	if (!*out)
		return tmpl_oom(p);
	*pos = i;
	return 0;
}

static const struct tmpl_spec *tmpl_find_spec(const struct tmpl_parser *p,
					      const char *name, size_t n)
{
	if (n == 3 && strncmp(name, "end", 3) == 0)
		return &tmpl_end_spec;
	for (const struct tmpl_spec *s = p->specs; s && s->name; s++)
		if (strlen(s->name) == n && strncmp(s->name, name, n) == 0)
			return s;
	return NULL;
}

static int tmpl_unknown_directive(struct tmpl_parser *p, size_t pos, const char *name,
				  size_t n)
{
	struct sbuf b = SBUF_INIT;
	int rc;

	for (const struct tmpl_spec *s = p->specs; s && s->name; s++)
		sbuf_addf(&b, "%s, ", s->name);
	sbuf_add(&b, "end");
	rc = tmpl_error(p, pos, "unknown directive '%.*s' (known: %s)", (int)(n > 40 ? 40 : n),
			name, sbuf_str(&b));
	sbuf_release(&b);
	return rc;
}

static int tmpl_add_arg(struct tmpl_parser *p, struct tmpl_node *node,
			char *key, char *value, size_t pos)
{
	struct tmpl_arg *na;

	na = realloc(node->args, (node->n_args + 1) * sizeof(*na));
	if (!na) {
		free(key);
		free(value);
		return tmpl_oom(p);
	}
	node->args = na;
	na[node->n_args].key = key;
	na[node->n_args].value = value;
	tmpl_where(p, pos, &na[node->n_args].line, &na[node->n_args].col);
	node->n_args++;
	return 0;
}

/* Checks one argument against the spec. */
static int tmpl_check_arg(struct tmpl_parser *p, const struct tmpl_node *node,
			  const char *key, const char *value, size_t pos)
{
	const struct tmpl_spec *spec = node->spec;
	struct sbuf b = SBUF_INIT;
	int rc = 0;

	if (!key) {
		if (!spec->words)
			return tmpl_error(p, pos, "{{%s}} takes no bare word, got '%s'",
					  spec->name, value);
		if (node->word)
			return tmpl_error(p, pos, "{{%s}} takes one bare word, got a second: '%s'",
					  spec->name, value);
		if (!tmpl_in_list(spec->words, value)) {
			tmpl_join(&b, spec->words);
			rc = tmpl_error(p, pos, "unknown kind '%s' for {{%s}} (expected one of: %s)",
					value, spec->name, sbuf_str(&b));
		}
	} else {
		if (!tmpl_in_list(spec->keys, key)) {
			tmpl_join(&b, spec->keys);
			rc = tmpl_error(p, pos, "unknown argument '%s' for {{%s}} (allowed: %s)",
					key, spec->name, b.len ? sbuf_str(&b) : "none");
		} else if (tmpl_get(node, key, NULL)) {
			rc = tmpl_error(p, pos, "argument '%s' given twice", key);
		} else if (!*value) {
			rc = tmpl_error(p, pos, "empty value for '%s'", key);
		}
	}
	sbuf_release(&b);
	return rc;
}

/* Frees what a directive node owns (not the node). */
static void tmpl_node_clear(struct tmpl_node *node)
{
	free((char *)node->word);
	for (size_t k = 0; k < node->n_args; k++) {
		free((char *)node->args[k].key);
		free((char *)node->args[k].value);
	}
	free(node->args);
	memset(node, 0, sizeof(*node));
}

/* Finds the "}}" of the directive opened at start (its text from i on,
 * quoted values skipped), so that a missing one is named as such, where
 * it was opened, rather than as an odd argument further on (the next
 * line's words, or the next directive's). */
static int tmpl_check_closed(struct tmpl_parser *p, size_t start, size_t i)
{
	int line, col, quoted = 0;

	for (; i < p->n; i++) {
		if (quoted) {
			if (p->s[i] == '\\' && i + 1 < p->n)
				i++;
			else if (p->s[i] == '"')
				quoted = 0;
			continue;
		}
		if (p->s[i] == '"') {
			quoted = 1;
		} else if (tmpl_at_close(p, i)) {
			return 0;
		} else if (p->s[i] == '{' && i + 1 < p->n && p->s[i + 1] == '{') {
			tmpl_where(p, i, &line, &col);
			return tmpl_error(p, start, "unclosed {{: no }} before the next {{ "
					  "(line %d, column %d)", line, col);
		}
	}
	if (quoted)
		return 0;  /* the parser names the quote that is not closed */
	{
		size_t name_at = start + 2, len = 0;

		while (name_at < p->n && tmpl_is_space(p->s[name_at]))
			name_at++;
		while (name_at + len < p->n && !tmpl_is_space(p->s[name_at + len]))
			len++;
		return tmpl_error(p, start, "unterminated directive {{%.*s (no closing }} "
				  "before the end of the template)", (int)len, p->s + name_at);
	}
}

/* Parses the directive whose "{{" is at start into *node (zeroed by the
 * caller; node->spec stays NULL for a comment); *out_end gets the index
 * just past its "}}". On error the caller clears the node. */
static int tmpl_directive(struct tmpl_parser *p, size_t start, size_t *out_end,
			  struct tmpl_node *node)
{
	size_t i = start + 2, name_at, name_len;
	int rc;

	while (i < p->n && tmpl_is_space(p->s[i]))
		i++;
	if (i < p->n && p->s[i] == '#') {
		for (; i + 1 < p->n; i++) {
			if (tmpl_at_close(p, i)) {
				*out_end = i + 2;
				return 0;
			}
		}
		return tmpl_error(p, start, "unterminated comment (no closing }})");
	}
	rc = tmpl_check_closed(p, start, i);
	if (rc)
		return rc;
	name_at = i;
	while (i < p->n && !tmpl_is_space(p->s[i]) && !tmpl_at_close(p, i))
		i++;
	name_len = i - name_at;
	if (i >= p->n)
		return tmpl_error(p, start, "unterminated directive (no closing }})");
	if (name_len == 0)
		return tmpl_error(p, name_at, "expected a directive name after {{");
	if (!tmpl_is_ident(p->s + name_at, name_len))
		return tmpl_unknown_directive(p, name_at, p->s + name_at, name_len);
	node->kind = TMPL_DIRECTIVE;
	tmpl_where(p, start, &node->line, &node->col);
	node->spec = tmpl_find_spec(p, p->s + name_at, name_len);
	if (!node->spec)
		return tmpl_unknown_directive(p, name_at, p->s + name_at, name_len);
	for (;;) {
		size_t arg_at, tok;
		char *key = NULL, *value = NULL;

		while (i < p->n && tmpl_is_space(p->s[i]))
			i++;
		if (i >= p->n)
			return tmpl_error(p, start, "unterminated directive {{%s (no closing }})",
					  node->spec->name);
		if (tmpl_at_close(p, i))
			break;
		arg_at = i;
		if (p->s[i] != '"') {
			for (tok = i; tok < p->n && !tmpl_is_space(p->s[tok]) &&
				      !tmpl_at_close(p, tok) && p->s[tok] != '=' &&
				      p->s[tok] != '"'; tok++)
				;
			if (tok < p->n && p->s[tok] == '=') {
				if (!tmpl_is_ident(p->s + i, tok - i))
					return tmpl_error(p, arg_at, "bad argument name '%.*s'",
							  (int)(tok - i > 40 ? 40 : tok - i),
							  p->s + i);
				key = strndup(p->s + i, tok - i);
				if (!key)
					return tmpl_oom(p);
				i = tok + 1;
				if (i >= p->n || tmpl_is_space(p->s[i]) || tmpl_at_close(p, i)) {
					rc = tmpl_error(p, arg_at, "expected a value after '%s='", key);
					free(key);
					return rc;
				}
			}
		}
		if ((rc = tmpl_read_value(p, &i, &value)) != 0) {
			free(key);
			return rc;
		}
		if ((rc = tmpl_check_arg(p, node, key, value, arg_at)) != 0) {
			free(key);
			free(value);
			return rc;
		}
		if (!key) {
			node->word = value;
			continue;
		}
		if ((rc = tmpl_add_arg(p, node, key, value, arg_at)) != 0)
			return rc;
	}
	if (node->spec->words && !node->word) {
		struct sbuf b = SBUF_INIT;

		tmpl_join(&b, node->spec->words);
		rc = tmpl_error(p, start, "{{%s}} needs a kind first (one of: %s)",
				node->spec->name, sbuf_str(&b));
		sbuf_release(&b);
		return rc;
	}
	for (const char *const *r = node->spec->required; r && *r; r++)
		if (!tmpl_get(node, *r, NULL))
			return tmpl_error(p, start, "{{%s}} needs %s=", node->spec->name, *r);
	*out_end = i + 2;
	return 0;
}

static int tmpl_run(struct tmpl_parser *p)
{
	size_t stack[TMPL_MAX_DEPTH], depth = 0, text_from = 0, i = 0;
	struct tmpl_node node;
	int rc;

	memset(&node, 0, sizeof(node));
	while (i < p->n) {
		size_t end = 0, line_start, after, next, text_to;
		int own, consume;

		if (p->s[i] == '\\' && i + 2 < p->n && p->s[i + 1] == '{' && p->s[i + 2] == '{') {
			if ((rc = tmpl_add_text(p, text_from, i)) != 0)
				return rc;
			text_from = i + 1;   /* the braces are text */
			i += 3;
			continue;
		}
		if (!(p->s[i] == '{' && i + 1 < p->n && p->s[i + 1] == '{')) {
			i++;
			continue;
		}
		line_start = i;
		while (line_start > text_from && (p->s[line_start - 1] == ' ' ||
						  p->s[line_start - 1] == '\t'))
			line_start--;
		own = line_start == 0 || p->s[line_start - 1] == '\n';
		memset(&node, 0, sizeof(node));
		if ((rc = tmpl_directive(p, i, &end, &node)) != 0)
			goto fail;
		after = end;
		while (after < p->n && (p->s[after] == ' ' || p->s[after] == '\t' ||
					p->s[after] == '\r'))
			after++;
		own = own && (after >= p->n || p->s[after] == '\n');
		/* A line holding only a block-level directive goes away whole. */
		consume = own && !(node.spec && node.spec->flags & TMPL_INLINE);
		text_to = consume ? line_start : i;
		next = consume ? (after < p->n ? after + 1 : after) : end;
		if (node.spec && node.spec->flags & TMPL_OWN_LINE && !own) {
			rc = tmpl_error(p, i, "{{%s}} must stand alone on its line",
					node.spec->name);
			goto fail;
		}
		if ((rc = tmpl_add_text(p, text_from, text_to)) != 0)
			goto fail;
		if (node.spec) {
			struct tmpl_node *slot;

			node.own_line = own;
			if (node.spec->flags & TMPL_BLOCK) {
				if (depth == TMPL_MAX_DEPTH) {
					rc = tmpl_error(p, i, "blocks nested deeper than %d",
							TMPL_MAX_DEPTH);
					goto fail;
				}
				stack[depth++] = p->t->n_nodes;
			} else if (node.spec == &tmpl_end_spec) {
				if (node.word || node.n_args) {
					rc = tmpl_error(p, i, "{{end}} takes no arguments");
					goto fail;
				}
				if (depth == 0) {
					rc = tmpl_error(p, i, "{{end}} without an open block");
					goto fail;
				}
				p->t->nodes[stack[--depth]].end = p->t->n_nodes;
			}
			if (!(slot = tmpl_new_node(p))) {
				rc = tmpl_oom(p);
				goto fail;
			}
			*slot = node;
			memset(&node, 0, sizeof(node));
		}
		text_from = i = next;
	}
	if ((rc = tmpl_add_text(p, text_from, p->n)) != 0)
		return rc;
	if (depth) {
		const struct tmpl_node *open = &p->t->nodes[stack[depth - 1]];

		return err_set(p->err, p->n_err, MC_EINVAL,
			       "%s:%d:%d: {{%s}} is never closed (no matching {{end}})",
			       p->t->path, open->line, open->col, open->spec->name);
	}
	return 0;
fail:
	tmpl_node_clear(&node);
	return rc;
}

int tmpl_parse(const char *path, const char *src, size_t n,
	       const struct tmpl_spec *specs, struct tmpl **out,
	       char *err, size_t n_err)
{
	struct tmpl_parser p;
	struct tmpl *t;
	int rc;

	*out = NULL;
	t = calloc(1, sizeof(*t));
	if (!t || !(t->path = strdup(path)) || !(t->src = malloc(n + 1))) {
		tmpl_free(t);
		return err_set(err, n_err, MC_ENOMEM, "%s: out of memory while parsing.", path);
	}
	memcpy(t->src, src, n);
	t->src[n] = '\0';
	t->n_src = n;
	memset(&p, 0, sizeof(p));
	p.t = t;
	p.s = t->src;
	p.n = n;
	p.specs = specs;
	p.lc_line = p.lc_col = 1;
	p.err = err;
	p.n_err = n_err;
	if (memchr(src, '\0', n)) {
		rc = tmpl_error(&p, (size_t)((const char *)memchr(src, '\0', n) - src),
				"NUL byte in template");
		tmpl_free(t);
		return rc;
	}
	if ((rc = tmpl_run(&p)) != 0) {
		tmpl_free(t);
		return rc;
	}
	*out = t;
	return 0;
}

int tmpl_load(const char *path, const struct tmpl_spec *specs,
	      struct tmpl **out, char *err, size_t n_err)
{
	struct sbuf b = SBUF_INIT;
	char chunk[8192];
	size_t got;
	FILE *f;
	int rc;

	*out = NULL;
	f = fopen(path, "rb");
	if (!f)
		return err_set(err, n_err, MC_EIO, "cannot open template %s: %s.", path,
			       strerror(errno));
	while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0)
		sbuf_addn(&b, chunk, got);
	if (ferror(f)) {
		fclose(f);
		sbuf_release(&b);
		return err_set(err, n_err, MC_EIO, "cannot read template %s.", path);
	}
	fclose(f);
	if (sbuf_failed(&b))
		return err_set(err, n_err, MC_ENOMEM, "%s: out of memory while reading.", path);
	rc = tmpl_parse(path, sbuf_str(&b), b.len, specs, out, err, n_err);
	sbuf_release(&b);
	return rc;
}

void tmpl_free(struct tmpl *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n_nodes; i++) {
		struct tmpl_node *node = &t->nodes[i];

		if (node->kind == TMPL_DIRECTIVE)
			tmpl_node_clear(node);
	}
	free(t->nodes);
	free(t->src);
	free(t->path);
	free(t);
}

const char *tmpl_get(const struct tmpl_node *node, const char *key,
		     const struct tmpl_arg **out_arg)
{
	for (size_t i = 0; i < node->n_args; i++) {
		if (strcmp(node->args[i].key, key) == 0) {
			if (out_arg)
				*out_arg = &node->args[i];
			return node->args[i].value;
		}
	}
	return NULL;
}
