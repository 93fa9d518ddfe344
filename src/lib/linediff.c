/*
 * linediff.c - unified line diff by longest common subsequence (see
 * linediff.h). Common leading and trailing lines are trimmed first, so a
 * local edit of a long document costs little.
 */
#include "linediff.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define LINEDIFF_MAX_CELLS ((size_t)4 << 20)

struct linediff_line {
	const char *s;
	size_t len;
};

/* Lines of text without their newline; a final line without one counts. */
static struct linediff_line *linediff_split(const char *text, size_t n, size_t *out_n)
{
	struct linediff_line *lines;
	size_t count = 0, k = 0, start = 0;

	for (size_t i = 0; i < n; i++)
		count += text[i] == '\n';
	lines = malloc((count + 2) * sizeof(*lines));
	if (!lines)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (text[i] == '\n') {
			lines[k].s = text + start;
			lines[k++].len = i - start;
			start = i + 1;
		}
	}
	if (start < n) {
		lines[k].s = text + start;
		lines[k++].len = n - start;
	}
	*out_n = k;
	return lines;
}

static int linediff_eq(const struct linediff_line *x, const struct linediff_line *y)
{
	return x->len == y->len && memcmp(x->s, y->s, x->len) == 0;
}

/* Edit script over the whole texts: '=' keep, '-' from a, '+' from b. */
static char *linediff_script(const struct linediff_line *a, size_t na,
			     const struct linediff_line *b, size_t nb, size_t *out_n)
{
	size_t pre = 0, suf = 0, ma, mb, k = 0;
	uint32_t *dp = NULL;
	char *ops = malloc(na + nb + 1);

	if (!ops)
		return NULL;
	while (pre < na && pre < nb && linediff_eq(&a[pre], &b[pre]))
		pre++;
	while (suf < na - pre && suf < nb - pre &&
	       linediff_eq(&a[na - 1 - suf], &b[nb - 1 - suf]))
		suf++;
	ma = na - pre - suf;
	mb = nb - pre - suf;
	memset(ops, '=', pre);
	k = pre;
	if (ma && mb && (ma + 1) * (mb + 1) <= LINEDIFF_MAX_CELLS)
		dp = calloc((ma + 1) * (mb + 1), sizeof(*dp));
	if (dp) {
		/* dp[i][j]: LCS length of a[pre+i..] and b[pre+j..]. */
		for (size_t i = ma; i-- > 0;)
			for (size_t j = mb; j-- > 0;)
				dp[i * (mb + 1) + j] = linediff_eq(&a[pre + i], &b[pre + j]) ?
					dp[(i + 1) * (mb + 1) + j + 1] + 1 :
					dp[(i + 1) * (mb + 1) + j] > dp[i * (mb + 1) + j + 1] ?
					dp[(i + 1) * (mb + 1) + j] : dp[i * (mb + 1) + j + 1];
		for (size_t i = 0, j = 0; i < ma || j < mb;) {
			if (i < ma && j < mb && linediff_eq(&a[pre + i], &b[pre + j])) {
				ops[k++] = '=';
				i++, j++;
			} else if (i < ma && (j == mb || dp[(i + 1) * (mb + 1) + j] >=
						dp[i * (mb + 1) + j + 1])) {
				ops[k++] = '-';   /* removals before additions, as diff -u */
				i++;
			} else {
				ops[k++] = '+';
				j++;
			}
		}
		free(dp);
	} else {
		memset(ops + k, '-', ma);
		memset(ops + k + ma, '+', mb);
		k += ma + mb;
	}
	memset(ops + k, '=', suf);
	*out_n = k + suf;
	return ops;
}

size_t linediff_unified(const char *a, size_t n_a, const char *b, size_t n_b,
			const char *label_a, const char *label_b, int context,
			size_t max_lines, struct sbuf *out)
{
	struct linediff_line *la = NULL, *lb = NULL;
	size_t na = 0, nb = 0, n_ops = 0, changed = 0, shown = 0, hidden = 0;
	size_t ctx = context < 0 ? 0 : (size_t)context;
	char *ops = NULL;

	la = linediff_split(a, n_a, &na);
	lb = linediff_split(b, n_b, &nb);
	if (la && lb)
		ops = linediff_script(la, na, lb, nb, &n_ops);
	if (!ops) {
		out->failed = 1;
		goto out;
	}
	for (size_t i = 0; i < n_ops; i++)
		changed += ops[i] != '=';
	if (!changed)
		goto out;
	sbuf_addf(out, "--- %s\n+++ %s\n", label_a, label_b);
	for (size_t i = 0, ia = 0, ib = 0; i < n_ops;) {
		size_t start, end, sa, sb, ca = 0, cb = 0;

		if (ops[i] == '=') {
			i++, ia++, ib++;
			continue;
		}
		/* A hunk: back up for context, then run on while the next change
		 * is within two contexts. */
		start = i > ctx ? i - ctx : 0;
		sa = ia - (i - start);
		sb = ib - (i - start);
		end = i;
		for (size_t j = i; j < n_ops; j++) {
			if (ops[j] != '=')
				end = j + 1;
			else if (j - end >= 2 * ctx)
				break;
		}
		end = end + ctx < n_ops ? end + ctx : n_ops;
		for (size_t j = start; j < end; j++) {
			ca += ops[j] != '+';
			cb += ops[j] != '-';
		}
		if (shown >= max_lines) {
			for (size_t j = start; j < end; j++)
				hidden += ops[j] != '=';
		} else {
			sbuf_addf(out, "@@ -%zu,%zu +%zu,%zu @@\n", sa + (ca ? 1 : 0), ca,
				  sb + (cb ? 1 : 0), cb);
			shown++;
			for (size_t j = start, xa = sa, xb = sb; j < end; j++) {
				const struct linediff_line *l = ops[j] == '+' ? &lb[xb] : &la[xa];

				if (shown >= max_lines) {
					hidden += ops[j] != '=';
				} else {
					sbuf_addc(out, ops[j] == '=' ? ' ' : ops[j]);
					sbuf_addn(out, l->s, l->len);
					sbuf_addc(out, '\n');
					shown++;
				}
				xa += ops[j] != '+';
				xb += ops[j] != '-';
			}
		}
		for (; i < end; i++) {
			ia += ops[i] != '+';
			ib += ops[i] != '-';
		}
	}
	if (hidden)
		sbuf_addf(out, "... and %zu more changed line%s\n", hidden, hidden == 1 ? "" : "s");
out:
	free(ops);
	free(la);
	free(lb);
	return changed;
}
