/*
 * test_tmpl.c - the template parser: text and directives, lines that a
 * block directive replaces whole, inline directives that keep their line,
 * comments, escapes, quoting, and every syntax error with its position.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "tmpl.h"

#define L(...) ((const char *const[]){ __VA_ARGS__, NULL })

static const struct tmpl_spec specs[] = {
	{ "select", TMPL_BLOCK, NULL, L("machine", "run"), NULL },
	{ "table", TMPL_OWN_LINE, NULL, L("suite", "cols"), L("suite") },
	{ "value", TMPL_INLINE, NULL, L("suite", "bench"), L("suite") },
	{ "chart", TMPL_OWN_LINE, L("bars", "scaling"), L("suite"), NULL },
	{ NULL, 0, NULL, NULL, NULL },
};

static struct tmpl *parse_ok(const char *src)
{
	char err[MC_ERRLEN] = "";
	struct tmpl *t = NULL;
	int rc = tmpl_parse("t.md.in", src, strlen(src), specs, &t, err, sizeof(err));

	if (rc)
		fail_msg("unexpected error %d: %s", rc, err);
	return t;
}

static void expect_error(const char *src, const char *want)
{
	char err[MC_ERRLEN] = "";
	struct tmpl *t = NULL;
	int rc = tmpl_parse("t.md.in", src, strlen(src), specs, &t, err, sizeof(err));

	assert_int_equal(rc, MC_EINVAL);
	assert_null(t);
	if (strstr(err, want) == NULL)
		fail_msg("error '%s' lacks '%s'", err, want);
}

/* The text nodes concatenated, directives as [name]. */
static void flatten(const struct tmpl *t, char *out, size_t n_out)
{
	size_t k = 0;

	out[0] = '\0';
	for (size_t i = 0; i < t->n_nodes && k < n_out; i++) {
		const struct tmpl_node *node = &t->nodes[i];

		if (node->kind == TMPL_TEXT)
			k += (size_t)snprintf(out + k, n_out - k, "%.*s", (int)node->len, node->text);
		else
			k += (size_t)snprintf(out + k, n_out - k, "[%s]", node->spec->name);
	}
}

static void test_text_only(void **state)
{
	struct tmpl *t = parse_ok("# Title\n\nplain { text } with } braces\n");
	char flat[256];

	(void)state;
	flatten(t, flat, sizeof(flat));
	assert_string_equal(flat, "# Title\n\nplain { text } with } braces\n");
	tmpl_free(t);
}

static void test_arguments(void **state)
{
	struct tmpl *t = parse_ok("a {{value suite=layer_ops bench=\"soft max/\\\"q\\\" \\\\\"}} b\n");
	const struct tmpl_node *d = &t->nodes[1];
	const struct tmpl_arg *arg;

	(void)state;
	assert_int_equal(t->n_nodes, 3);
	assert_int_equal(d->kind, TMPL_DIRECTIVE);
	assert_string_equal(d->spec->name, "value");
	assert_int_equal(d->line, 1);
	assert_int_equal(d->col, 3);
	assert_string_equal(tmpl_get(d, "suite", NULL), "layer_ops");
	assert_string_equal(tmpl_get(d, "bench", &arg), "soft max/\"q\" \\");
	assert_int_equal(arg->col, 27);
	assert_null(tmpl_get(d, "cols", NULL));
	tmpl_free(t);
}

static void test_block_lines_vanish(void **state)
{
	struct tmpl *t = parse_ok("a\n  {{select machine=x}}  \nb\n{{# a comment\n over lines }}\n"
				  "{{table suite=s}}\n{{end}}\nc\n");
	char flat[256];

	(void)state;
	flatten(t, flat, sizeof(flat));
	assert_string_equal(flat, "a\n[select]b\n[table][end]c\n");
	/* select's end is the {{end}} node */
	for (size_t i = 0; i < t->n_nodes; i++)
		if (t->nodes[i].kind == TMPL_DIRECTIVE &&
		    strcmp(t->nodes[i].spec->name, "select") == 0)
			assert_string_equal(t->nodes[t->nodes[i].end].spec->name, "end");
	tmpl_free(t);
}

static void test_inline_keeps_line(void **state)
{
	struct tmpl *t = parse_ok("x\n  {{value suite=s}}\ny {{select}}z{{end}}\n");
	char flat[256];

	(void)state;
	flatten(t, flat, sizeof(flat));
	assert_string_equal(flat, "x\n  [value]\ny [select]z[end]\n");
	tmpl_free(t);
}

static void test_escape_and_comment(void **state)
{
	struct tmpl *t = parse_ok("literal \\{{value}} and {{# gone }}end");
	char flat[256];

	(void)state;
	flatten(t, flat, sizeof(flat));
	assert_string_equal(flat, "literal {{value}} and end");
	tmpl_free(t);
}

static void test_kinds(void **state)
{
	struct tmpl *t = parse_ok("{{chart scaling suite=s}}\n");

	(void)state;
	assert_string_equal(t->nodes[0].word, "scaling");
	tmpl_free(t);
}

static void test_errors(void **state)
{
	(void)state;
	expect_error("ok\n  {{tabel suite=s}}\n", "t.md.in:2:5: unknown directive 'tabel'");
	expect_error("{{table suite=s colz=a}}\n", "t.md.in:1:17: unknown argument 'colz' for {{table}}");
	expect_error("{{table suite=s suite=t}}\n", "t.md.in:1:17: argument 'suite' given twice");
	expect_error("{{table cols=a}}\n", "t.md.in:1:1: {{table}} needs suite=");
	expect_error("{{chart suite=s}}\n", "t.md.in:1:1: {{chart}} needs a kind first");
	expect_error("{{chart pie suite=s}}\n", "t.md.in:1:9: unknown kind 'pie'");
	expect_error("{{table bars suite=s}}\n", "t.md.in:1:9: {{table}} takes no bare word");
	expect_error("x {{table suite=s}}\n", "t.md.in:1:3: {{table}} must stand alone on its line");
	expect_error("a\n{{value suite=s\n", "t.md.in:2:1: unterminated directive {{value");
	/* An unclosed {{ is named where it opens, not as the next line's
	 * words or the next directive's arguments (the outside probe). */
	expect_error("a {{table suite=s\nmore words\n",
		     "t.md.in:1:3: unterminated directive {{table (no closing }} before the end");
	expect_error("a {{value suite=s\n\nb {{value suite=t}}\n",
		     "t.md.in:1:3: unclosed {{: no }} before the next {{ (line 3, column 3)");
	expect_error("{{value suite=\"a {{b\" x\n", "t.md.in:1:1: unterminated directive {{value");
	expect_error("{{value suite=\"abc}}\n", "t.md.in:1:15: unterminated quoted value");
	expect_error("{{value suite=}}\n", "t.md.in:1:9: expected a value after 'suite='");
	expect_error("{{value suite=a\"b}}\n", "t.md.in:1:16: unexpected '\"'");
	expect_error("{{}}\n", "t.md.in:1:3: expected a directive name");
	expect_error("{{# never closed\n", "t.md.in:1:1: unterminated comment");
	expect_error("a\n\n{{select}}\nb\n", "t.md.in:3:1: {{select}} is never closed");
	expect_error("a\n{{end}}\n", "t.md.in:2:1: {{end}} without an open block");
	expect_error("{{select}}{{end x=1}}\n", "unknown argument 'x' for {{end}}");
	/* Columns count characters, not bytes. */
	expect_error("\xc2\xb5\xc2\xb5 {{nope}}\n", "t.md.in:1:6: unknown directive 'nope'");
}

static void test_load_missing(void **state)
{
	char err[MC_ERRLEN];
	struct tmpl *t = NULL;

	(void)state;
	assert_int_equal(tmpl_load("/nonexistent/x.md.in", specs, &t, err, sizeof(err)), MC_EIO);
	assert_non_null(strstr(err, "/nonexistent/x.md.in"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_only),
		cmocka_unit_test(test_arguments),
		cmocka_unit_test(test_block_lines_vanish),
		cmocka_unit_test(test_inline_keeps_line),
		cmocka_unit_test(test_escape_and_comment),
		cmocka_unit_test(test_kinds),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_load_missing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
