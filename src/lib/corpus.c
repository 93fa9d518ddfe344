/*
 * corpus.c - the embedded corpus (see corpus.h). embed.sh gives the file
 * as one string with every line ending in '\n'; sentences are found by
 * scanning it, 100 short lines being too few to be worth an index.
 */
#include "corpus.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "embed.h"
#include "err.h"

static const char *corpus_text(void)
{
	return corpus_files[0].text;
}

size_t corpus_count(void)
{
	size_t n = 0;

	for (const char *p = corpus_text(); *p; p++)
		n += *p == '\n';
	return n;
}

const char *corpus_sentence(size_t i, size_t *out_len)
{
	const char *p = corpus_text();

	*out_len = 0;
	for (; i > 0 && *p; i--)
		p = strchr(p, '\n') + 1;
	if (!*p)
		return NULL;
	*out_len = (size_t)(strchr(p, '\n') - p);
	return p;
}

/* The sentence at p and where the next one starts (the first again after
 * the last). */
static size_t corpus_next(const char **p)
{
	const char *s = *p;
	size_t len = (size_t)(strchr(s, '\n') - s);

	*p = s[len + 1] ? s + len + 1 : corpus_text();
	return len;
}

int corpus_batch(size_t batch, char **out_text, size_t *out_len, char *err, size_t n_err)
{
	const char *p = corpus_text();
	size_t total = 0;
	char *buf, *w;

	*out_text = NULL;
	*out_len = 0;
	if (batch == 0)
		return err_set(err, n_err, MC_EINVAL, "corpus: a batch of 0 sentences");
	for (size_t i = 0; i < batch; i++) {
		size_t len = corpus_next(&p);

		if (total > SIZE_MAX - len - 1)
			return err_set(err, n_err, MC_ENOMEM,
				       "corpus: a batch of %zu sentences is too large", batch);
		total += len + 1;   /* the separator, or the NUL after the last */
	}
	if (!(buf = malloc(total)))
		return err_set(err, n_err, MC_ENOMEM,
			       "corpus: out of memory for a batch of %zu sentences", batch);
	w = buf;
	p = corpus_text();
	for (size_t i = 0; i < batch; i++) {
		const char *s = p;
		size_t len = corpus_next(&p);

		memcpy(w, s, len);
		w += len;
		*w++ = i + 1 < batch ? '\n' : '\0';
	}
	*out_text = buf;
	*out_len = total - 1;
	return 0;
}
