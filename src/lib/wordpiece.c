/*
 * wordpiece.c - BERT's uncased WordPiece tokenizer (see wordpiece.h).
 *
 * One line of text goes through the steps of HF tokenizers' BERT pipeline,
 * in its order: special tokens split out of the raw text; per remaining
 * segment the normalizer (drop NUL, U+FFFD and control characters,
 * whitespace to ' ', spaces around CJK ideographs, NFD, drop nonspacing
 * marks, lowercase: accents are stripped before lowercasing, as HF does),
 * the pre-tokenizer (split on whitespace, every punctuation character a
 * word of its own), then greedy longest-match WordPiece per word.
 * The vocabulary is an open-addressing hash table over one block of token
 * text; a piece after the first is looked up as "##" + piece without
 * building the string.
 */
#include "wordpiece.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "err.h"
#include "ref/bert.h"
#include "wordpiece_uni.h"

#define WP_MAX_WORD_CHARS 100   /* HF WordPiece max_input_chars_per_word */
#define WP_PREFIX "##"
#define WP_PREFIX_LEN 2
#define WP_MAX_DECOMP 6         /* canonical decompositions are at most 4 */

/* The special tokens HF's BertTokenizer registers as added tokens: matched
 * verbatim (case and all) in the raw text before normalisation. */
static const char *const wp_specials[] = { "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]" };
#define WP_N_SPECIALS (sizeof(wp_specials) / sizeof(wp_specials[0]))

struct wp_vocab {
	char *text;          /* every token, each NUL-terminated */
	size_t *off;         /* token id i at text + off[i] */
	uint32_t *len;       /* its length in bytes */
	size_t n;            /* tokens */
	int32_t *slots;      /* hash table of ids, -1 = empty; n_slots a power of 2 */
	size_t n_slots;
	size_t max_len;      /* longest token, bytes */
	int unk, cls, sep, pad;
	int special[WP_N_SPECIALS];   /* ids of wp_specials, -1 when absent */
};

/* What one encoding works in: the normalised code points of a segment and
 * the ids so far. Grown as needed, kept across the lines of a batch. */
struct wp_work {
	uint32_t *cp;
	size_t n_cp, cap_cp;
	int *ids;            /* content ids, at most limit of them */
	size_t n_ids, limit;
	int full;            /* limit reached: the rest is truncated away */
};

/* ------------------------------------------------------------ vocabulary */

static uint64_t wp_hash_step(uint64_t h, const char *s, size_t n)
{
	/* FNV-1a: short keys, few collisions with a half-empty table */
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

#define WP_HASH_INIT 14695981039346656037ULL

/* The id of prefix + s (prefix may be empty), or -1. */
static int wp_lookup(const struct wp_vocab *v, const char *prefix, size_t n_prefix,
		     const char *s, size_t n)
{
	uint64_t h = wp_hash_step(wp_hash_step(WP_HASH_INIT, prefix, n_prefix), s, n);
	size_t mask = v->n_slots - 1;

	for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
		int32_t id = v->slots[i];
		const char *t;

		if (id < 0)
			return -1;
		t = v->text + v->off[id];
		if (v->len[id] == n_prefix + n && memcmp(t, prefix, n_prefix) == 0 &&
		    memcmp(t + n_prefix, s, n) == 0)
			return id;
	}
}

int wp_vocab_id(const struct wp_vocab *v, const char *token, size_t len)
{
	return wp_lookup(v, "", 0, token, len);
}

size_t wp_vocab_size(const struct wp_vocab *v)
{
	return v->n;
}

void wp_vocab_free(struct wp_vocab *v)
{
	if (!v)
		return;
	free(v->text);
	free(v->off);
	free(v->len);
	free(v->slots);
	free(v);
}

/* Decodes one UTF-8 sequence at s[0..n) (n >= 1): its length, or 0 when it
 * is not valid UTF-8 (overlong forms, surrogates and values past U+10FFFF
 * included, as Unicode requires). */
static size_t wp_utf8_next(const unsigned char *s, size_t n, uint32_t *out)
{
	uint32_t c = s[0];
	size_t k;

	if (c < 0x80) {
		*out = c;
		return 1;
	}
	if (c >= 0xC2 && c <= 0xDF) {
		k = 2;
		c &= 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		k = 3;
		c &= 0x0F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		k = 4;
		c &= 0x07;
	} else {
		return 0;
	}
	if (n < k)
		return 0;
	for (size_t i = 1; i < k; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3F);
	}
	if ((k == 3 && (c < 0x800 || (c >= 0xD800 && c <= 0xDFFF))) ||
	    (k == 4 && (c < 0x10000 || c > 0x10FFFF)))
		return 0;
	*out = c;
	return k;
}

/* Byte offset of the first invalid UTF-8 sequence in s[0..n), or n. */
static size_t wp_utf8_check(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;
	uint32_t c;

	while (i < n) {
		size_t k;

		if (u[i] < 0x80) {
			i++;
			continue;
		}
		k = wp_utf8_next(u + i, n - i, &c);
		if (!k)
			return i;
		i += k;
	}
	return n;
}

static int wp_vocab_insert(struct wp_vocab *v, int32_t id)
{
	const char *t = v->text + v->off[id];
	size_t mask = v->n_slots - 1;

	for (size_t i = (size_t)wp_hash_step(WP_HASH_INIT, t, v->len[id]) & mask;;
	     i = (i + 1) & mask) {
		int32_t o = v->slots[i];

		if (o < 0) {
			v->slots[i] = id;
			return (int)id;
		}
		if (v->len[o] == v->len[id] && memcmp(v->text + v->off[o], t, v->len[id]) == 0)
			return (int)o;   /* a duplicate: the id it had */
	}
}

/* Splits the file's bytes (owned by v->text now) into tokens in place. */
static int wp_vocab_index(struct wp_vocab *v, const char *path, size_t n_bytes,
			  char *err, size_t n_err)
{
	size_t lines = 0, line = 0;
	char *p = v->text, *end = v->text + n_bytes;

	for (size_t i = 0; i < n_bytes; i++)
		lines += v->text[i] == '\n';
	if (n_bytes && v->text[n_bytes - 1] != '\n')
		lines++;
	if (lines == 0)
		return err_set(err, n_err, MC_EINVAL, "%s: no tokens", path);
	if (lines > INT32_MAX / 2)
		return err_set(err, n_err, MC_EINVAL, "%s: more than %d tokens", path,
			       INT32_MAX / 2);
	v->off = malloc(lines * sizeof(*v->off));
	v->len = malloc(lines * sizeof(*v->len));
	for (v->n_slots = 16; v->n_slots < 2 * lines; v->n_slots *= 2)
		;
	v->slots = malloc(v->n_slots * sizeof(*v->slots));
	if (!v->off || !v->len || !v->slots)
		return err_set(err, n_err, MC_ENOMEM, "%s: out of memory for %zu tokens",
			       path, lines);
	memset(v->slots, 0xff, v->n_slots * sizeof(*v->slots));
	for (; p < end; line++) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		size_t bad;
		int o;

		if (n && p[n - 1] == '\r')
			n--;
		p[n] = '\0';   /* over '\n' or '\r'; the last line has its NUL */
		if (n == 0)
			return err_set(err, n_err, MC_EINVAL, "%s:%zu: empty token", path,
				       line + 1);
		if (memchr(p, '\0', n))
			return err_set(err, n_err, MC_EINVAL, "%s:%zu: NUL byte in a token",
				       path, line + 1);
		if ((bad = wp_utf8_check(p, n)) < n)
			return err_set(err, n_err, MC_EINVAL,
				       "%s:%zu: invalid UTF-8 at byte %zu of the line", path,
				       line + 1, bad + 1);
		if (n > UINT32_MAX)
			return err_set(err, n_err, MC_EINVAL, "%s:%zu: token too long", path,
				       line + 1);
		v->off[line] = (size_t)(p - v->text);
		v->len[line] = (uint32_t)n;
		v->n = line + 1;
		if ((o = wp_vocab_insert(v, (int32_t)line)) != (int)line)
			return err_set(err, n_err, MC_EINVAL,
				       "%s:%zu: token '%s' repeats line %d", path, line + 1, p,
				       o + 1);
		if (n > v->max_len)
			v->max_len = n;
		p = nl ? nl + 1 : end;
	}
	return 0;
}

int wp_vocab_load(const char *path, struct wp_vocab **out, char *err, size_t n_err)
{
	struct wp_vocab *v = NULL;
	FILE *f = NULL;
	size_t cap = 0, n = 0, got;
	int rc = 0;

	*out = NULL;
	if (!(v = calloc(1, sizeof(*v))))
		return err_set(err, n_err, MC_ENOMEM, "%s: out of memory", path);
	if (!(f = fopen(path, "rb"))) {
		rc = err_set(err, n_err, MC_EIO, "%s: cannot open: %s", path, strerror(errno));
		goto out;
	}
	do {
		if (cap - n < 4096) {
			char *nb;

			cap = cap ? cap * 2 : 1 << 18;
			if (!(nb = realloc(v->text, cap + 1))) {
				rc = err_set(err, n_err, MC_ENOMEM, "%s: out of memory reading",
					     path);
				goto out;
			}
			v->text = nb;
		}
		got = fread(v->text + n, 1, cap - n, f);
		n += got;
	} while (got > 0);
	if (ferror(f)) {
		rc = err_set(err, n_err, MC_EIO, "%s: cannot read: %s", path, strerror(errno));
		goto out;
	}
	v->text[n] = '\0';
	if ((rc = wp_vocab_index(v, path, n, err, n_err)))
		goto out;
	for (size_t i = 0; i < WP_N_SPECIALS; i++)
		v->special[i] = wp_vocab_id(v, wp_specials[i], strlen(wp_specials[i]));
	v->pad = v->special[0] >= 0 ? v->special[0] : 0;
	v->unk = v->special[1];
	v->cls = v->special[2];
	v->sep = v->special[3];
	if (v->unk < 0 || v->cls < 0 || v->sep < 0) {
		rc = err_set(err, n_err, MC_EINVAL, "%s: no %s token", path,
			     v->unk < 0 ? "[UNK]" : v->cls < 0 ? "[CLS]" : "[SEP]");
		goto out;
	}
	*out = v;
	v = NULL;
out:
	if (f)
		fclose(f);
	wp_vocab_free(v);
	return rc;
}

/* ------------------------------------------------------------ characters */

/* BERT's CJK ideograph blocks (the CJK Unified Ideographs and their
 * extensions A to E, the compatibility ideographs and their supplement);
 * not Japanese kana or Hangul, which are ordinary letters to BERT. HF's
 * fast tokenizer starts extension E at U+2B920 where Google's BERT and HF's
 * Python one start it at U+2B820: its ids are the ones matched here. */
static int wp_is_cjk(uint32_t c)
{
	return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
	       (c >= 0x20000 && c <= 0x2A6DF) || (c >= 0x2A700 && c <= 0x2B73F) ||
	       (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B920 && c <= 0x2CEAF) ||
	       (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

/* c's general category as HF's tables have it: utf8proc's, unless
 * wordpiece_uni.h says HF (Unicode 8.0) sees c otherwise. */
static int wp_category(uint32_t c)
{
	size_t lo = 0, hi = sizeof(wp_uni_ranges) / sizeof(wp_uni_ranges[0]);

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (c < wp_uni_ranges[mid].lo)
			hi = mid;
		else if (c > wp_uni_ranges[mid].hi)
			lo = mid + 1;
		else
			return wp_uni_ranges[mid].cat;
	}
	return utf8proc_category((utf8proc_int32_t)c);
}

static int wp_is_punct(uint32_t c)
{
	int cat;

	/* BERT counts every ASCII non-alphanumeric printable as punctuation
	 * ($, +, ^, ` ... are symbols to Unicode) */
	if (c < 0x80)
		return (c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) ||
		       (c >= 123 && c <= 126);
	cat = wp_category(c);
	return cat >= UTF8PROC_CATEGORY_PC && cat <= UTF8PROC_CATEGORY_PO;
}

static int wp_grow(struct wp_work *w, size_t more)
{
	if (w->cap_cp - w->n_cp < more) {
		size_t cap = w->cap_cp ? w->cap_cp : 256;
		uint32_t *nb;

		while (cap - w->n_cp < more)
			cap *= 2;
		if (!(nb = realloc(w->cp, cap * sizeof(*nb))))
			return MC_ENOMEM;
		w->cp = nb;
		w->cap_cp = cap;
	}
	return 0;
}

/* Appends c's canonical decomposition (NFD, before reordering). */
static void wp_decompose(struct wp_work *w, uint32_t c)
{
	utf8proc_int32_t d[WP_MAX_DECOMP];
	int bound = 0;
	utf8proc_ssize_t k = utf8proc_decompose_char((utf8proc_int32_t)c, d, WP_MAX_DECOMP,
						     UTF8PROC_DECOMPOSE, &bound);

	if (k < 1 || k > WP_MAX_DECOMP) {
		w->cp[w->n_cp++] = c;   /* cannot happen for a valid code point */
		return;
	}
	for (utf8proc_ssize_t m = 0; m < k; m++)
		w->cp[w->n_cp++] = (uint32_t)d[m];
}

/* The normaliser on s[0..n) (valid UTF-8): w->cp = the normalised code
 * points. */
static int wp_normalize(struct wp_work *w, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, j = 0;

	w->n_cp = 0;
	while (i < n) {
		uint32_t c;
		int cat;

		if (wp_grow(w, WP_MAX_DECOMP + 2))
			return MC_ENOMEM;
		if (u[i] < 0x80) {
			/* ASCII: nothing to decompose, controls and space by hand */
			c = u[i++];
			if (c == '\t' || c == '\n' || c == '\r' || c == ' ')
				w->cp[w->n_cp++] = ' ';
			else if (c >= 0x20 && c != 0x7F)
				w->cp[w->n_cp++] = c;
			continue;
		}
		i += wp_utf8_next(u + i, n - i, &c);
		cat = wp_category(c);
		if (c == 0xFFFD || cat == UTF8PROC_CATEGORY_CC || cat == UTF8PROC_CATEGORY_CF ||
		    cat == UTF8PROC_CATEGORY_CO || cat == UTF8PROC_CATEGORY_CS)
			continue;
		if (cat == UTF8PROC_CATEGORY_ZS || cat == UTF8PROC_CATEGORY_ZL ||
		    cat == UTF8PROC_CATEGORY_ZP) {
			w->cp[w->n_cp++] = ' ';
		} else {
			/* an ideograph is spaced before NFD, which maps the
			 * compatibility ones (U+F900...) to unified ones */
			int cjk = wp_is_cjk(c);

			if (cjk)
				w->cp[w->n_cp++] = ' ';
			wp_decompose(w, c);
			if (cjk)
				w->cp[w->n_cp++] = ' ';
		}
	}
	/* NFD's canonical ordering: marks of a run sorted by combining class,
	 * stably (a bubble sort, as the runs are a few marks long) */
	for (size_t k = 1; k < w->n_cp; k++) {
		for (size_t m = k; m > 0; m--) {
			uint32_t a = w->cp[m - 1], b = w->cp[m];
			int ca, cb;

			if (b < 0x300)
				break;
			cb = utf8proc_get_property((utf8proc_int32_t)b)->combining_class;
			ca = a < 0x300 ? 0 : utf8proc_get_property((utf8proc_int32_t)a)->combining_class;
			if (cb == 0 || ca <= cb)
				break;
			w->cp[m - 1] = b;
			w->cp[m] = a;
		}
	}
	/* strip accents, then lowercase (HF's order) */
	for (size_t k = 0; k < w->n_cp; k++) {
		uint32_t c = w->cp[k];

		if (c < 0x80) {
			/* ASCII letters come out of decompositions too (A + U+0300) */
			w->cp[j++] = c >= 'A' && c <= 'Z' ? c + 32 : c;
			continue;
		}
		if (wp_category(c) == UTF8PROC_CATEGORY_MN)
			continue;
		w->cp[j++] = (uint32_t)utf8proc_tolower((utf8proc_int32_t)c);
	}
	w->n_cp = j;
	return 0;
}

/* ------------------------------------------------------------ encoding */

static void wp_emit(struct wp_work *w, int id)
{
	if (w->n_ids < w->limit)
		w->ids[w->n_ids++] = id;
	else
		w->full = 1;
}

static size_t wp_utf8_put(uint32_t c, char *out)
{
	if (c < 0x80) {
		out[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		out[0] = (char)(0xC0 | (c >> 6));
		out[1] = (char)(0x80 | (c & 0x3F));
		return 2;
	}
	if (c < 0x10000) {
		out[0] = (char)(0xE0 | (c >> 12));
		out[1] = (char)(0x80 | ((c >> 6) & 0x3F));
		out[2] = (char)(0x80 | (c & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | (c >> 18));
	out[1] = (char)(0x80 | ((c >> 12) & 0x3F));
	out[2] = (char)(0x80 | ((c >> 6) & 0x3F));
	out[3] = (char)(0x80 | (c & 0x3F));
	return 4;
}

/* WordPiece on one word of n_chars code points (UTF-8 bytes s[0..n)):
 * greedy longest match from the left, pieces after the first prefixed
 * "##"; the whole word is [UNK] when any part matches nothing. */
static void wp_word(const struct wp_vocab *v, struct wp_work *w, const char *s, size_t n,
		    size_t n_chars)
{
	int pieces[WP_MAX_WORD_CHARS];
	size_t n_pieces = 0, start = 0;

	if (n_chars > WP_MAX_WORD_CHARS) {
		wp_emit(w, v->unk);
		return;
	}
	while (start < n) {
		size_t n_pre = start ? WP_PREFIX_LEN : 0;
		size_t end = n;
		int id = -1;

		/* nothing longer than the longest token can match */
		if (v->max_len < n_pre)
			end = start;
		else if (end - start > v->max_len - n_pre)
			end = start + (v->max_len - n_pre);
		while (end < n && end > start && ((unsigned char)s[end] & 0xC0) == 0x80)
			end--;
		while (end > start) {
			if ((id = wp_lookup(v, WP_PREFIX, n_pre, s + start, end - start)) >= 0)
				break;
			do
				end--;
			while (end > start && ((unsigned char)s[end] & 0xC0) == 0x80);
		}
		if (id < 0) {
			wp_emit(w, v->unk);
			return;
		}
		pieces[n_pieces++] = id;
		start = end;
	}
	for (size_t i = 0; i < n_pieces; i++)
		wp_emit(w, pieces[i]);
}

/* Pre-tokenizes and WordPieces the normalised w->cp. */
static void wp_words(const struct wp_vocab *v, struct wp_work *w)
{
	char buf[WP_MAX_WORD_CHARS * 4];
	size_t k = 0;

	while (k < w->n_cp && !w->full) {
		size_t n = 0, n_chars = 0;

		if (w->cp[k] == ' ') {
			k++;
			continue;
		}
		if (wp_is_punct(w->cp[k])) {
			n = wp_utf8_put(w->cp[k++], buf);
			wp_word(v, w, buf, n, 1);
			continue;
		}
		/* a word: up to the next space or punctuation; past 100 code
		 * points its text is not needed, it is [UNK] */
		for (; k < w->n_cp && w->cp[k] != ' ' && !wp_is_punct(w->cp[k]); k++, n_chars++)
			if (n_chars < WP_MAX_WORD_CHARS)
				n += wp_utf8_put(w->cp[k], buf + n);
		wp_word(v, w, buf, n, n_chars);
	}
}

static int wp_segment(const struct wp_vocab *v, struct wp_work *w, const char *s, size_t n)
{
	if (n == 0 || w->full)
		return 0;
	if (wp_normalize(w, s, n))
		return MC_ENOMEM;
	wp_words(v, w);
	return 0;
}

/* Encodes one line (valid UTF-8) into w->ids: the content ids, at most
 * w->limit of them, without [CLS] and [SEP]. */
static int wp_line(const struct wp_vocab *v, struct wp_work *w, const char *s, size_t n)
{
	size_t seg = 0;

	w->n_ids = 0;
	w->full = 0;
	for (size_t i = 0; i < n && !w->full; i++) {
		size_t m;

		if (s[i] != '[')
			continue;
		for (m = 0; m < WP_N_SPECIALS; m++) {
			size_t l = strlen(wp_specials[m]);

			if (v->special[m] >= 0 && n - i >= l && memcmp(s + i, wp_specials[m], l) == 0)
				break;
		}
		if (m == WP_N_SPECIALS)
			continue;
		if (wp_segment(v, w, s + seg, i - seg))
			return MC_ENOMEM;
		wp_emit(w, v->special[m]);
		i += strlen(wp_specials[m]) - 1;
		seg = i + 1;
	}
	return wp_segment(v, w, s + seg, n - seg);
}

static void wp_work_release(struct wp_work *w)
{
	free(w->cp);
	free(w->ids);
}

static int wp_work_init(struct wp_work *w, size_t max_len)
{
	memset(w, 0, sizeof(*w));
	w->limit = max_len - 2;
	w->ids = malloc((w->limit ? w->limit : 1) * sizeof(*w->ids));
	return w->ids ? 0 : MC_ENOMEM;
}

int wp_encode(const struct wp_vocab *v, const char *text, size_t len, size_t max_len,
	      int *out_ids, size_t *out_n, char *err, size_t n_err)
{
	struct wp_work w;
	size_t bad;
	int rc;

	*out_n = 0;
	if (max_len < 2)
		return err_set(err, n_err, MC_EINVAL,
			       "wordpiece: max_len %zu leaves no room for [CLS] and [SEP]",
			       max_len);
	if ((bad = wp_utf8_check(text, len)) < len)
		return err_set(err, n_err, MC_EINVAL, "wordpiece: invalid UTF-8 at byte %zu",
			       bad);
	if (wp_work_init(&w, max_len)) {
		wp_work_release(&w);
		return err_set(err, n_err, MC_ENOMEM, "wordpiece: out of memory");
	}
	if ((rc = wp_line(v, &w, text, len))) {
		wp_work_release(&w);
		return err_set(err, n_err, rc, "wordpiece: out of memory");
	}
	out_ids[0] = v->cls;
	memcpy(out_ids + 1, w.ids, w.n_ids * sizeof(*out_ids));
	out_ids[w.n_ids + 1] = v->sep;
	*out_n = w.n_ids + 2;
	wp_work_release(&w);
	return 0;
}

/* Checks text for batch lines of valid UTF-8; errors name the line. */
static int wp_batch_check(const char *text, size_t len, size_t batch, char *err,
			  size_t n_err)
{
	size_t lines = 1, start = 0;

	for (size_t i = 0; i <= len; i++) {
		size_t bad;

		if (i < len && text[i] != '\n')
			continue;
		if ((bad = wp_utf8_check(text + start, i - start)) < i - start)
			return err_set(err, n_err, MC_EINVAL,
				       "wordpiece: line %zu: invalid UTF-8 at byte %zu", lines,
				       start + bad);
		if (i < len)
			lines++;
		start = i + 1;
	}
	if (lines != batch)
		return err_set(err, n_err, MC_EINVAL,
			       "wordpiece: the text holds %zu line(s), the batch is %zu", lines,
			       batch);
	return 0;
}

/* Runs each line of a checked batch through wp_line with max_len; calls
 * row(i, ids, n) with the content ids of line i. */
static int wp_batch_each(const struct wp_vocab *v, const char *text, size_t len,
			 size_t max_len, void (*row)(void *, size_t, const struct wp_work *),
			 void *arg, char *err, size_t n_err)
{
	struct wp_work w;
	size_t start = 0, line = 0;
	int rc = 0;

	if (wp_work_init(&w, max_len)) {
		rc = err_set(err, n_err, MC_ENOMEM, "wordpiece: out of memory");
		goto out;
	}
	for (size_t i = 0; i <= len; i++) {
		if (i < len && text[i] != '\n')
			continue;
		if (wp_line(v, &w, text + start, i - start)) {
			rc = err_set(err, n_err, MC_ENOMEM, "wordpiece: out of memory");
			goto out;
		}
		row(arg, line++, &w);
		start = i + 1;
	}
out:
	wp_work_release(&w);
	return rc;
}

struct wp_rows {
	const struct wp_vocab *v;
	size_t seq;
	float *ids, *mask;
};

static void wp_row_store(void *arg, size_t i, const struct wp_work *w)
{
	struct wp_rows *r = arg;
	float *ids = r->ids + i * r->seq, *mask = r->mask + i * r->seq;
	size_t n = w->n_ids + 2;

	ids[0] = (float)r->v->cls;
	for (size_t k = 0; k < w->n_ids; k++)
		ids[k + 1] = (float)w->ids[k];
	ids[n - 1] = (float)r->v->sep;
	for (size_t k = 0; k < r->seq; k++) {
		mask[k] = k < n ? 1.0f : 0.0f;
		if (k >= n)
			ids[k] = (float)r->v->pad;
	}
}

int wp_encode_batch(const struct wp_vocab *v, const char *text, size_t len, size_t batch,
		    size_t seq, float *out_ids, float *out_mask, char *err, size_t n_err)
{
	struct wp_rows r = { v, seq, out_ids, out_mask };
	int rc;

	if (seq < 2)
		return err_set(err, n_err, MC_EINVAL,
			       "wordpiece: sequence %zu leaves no room for [CLS] and [SEP]", seq);
	if ((rc = wp_batch_check(text, len, batch, err, n_err)))
		return rc;
	return wp_batch_each(v, text, len, seq, wp_row_store, &r, err, n_err);
}

static void wp_row_longest(void *arg, size_t i, const struct wp_work *w)
{
	size_t *longest = arg;

	(void)i;
	if (w->n_ids + 2 > *longest)
		*longest = w->n_ids + 2;
}

int wp_batch_seq(const struct wp_vocab *v, const char *text, size_t len, size_t batch,
		 size_t *out_seq, char *err, size_t n_err)
{
	int rc;

	*out_seq = 0;
	if ((rc = wp_batch_check(text, len, batch, err, n_err)))
		return rc;
	return wp_batch_each(v, text, len, BERT_MAX_POS, wp_row_longest, out_seq, err, n_err);
}
