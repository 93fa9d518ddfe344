/*
 * corpus.h - the fixed corpus of the embedding workloads: sentences
 * written for the project (suites/corpus/embeddings.txt, one per line),
 * compiled into the binaries by scripts/embed.sh so that every side and
 * every machine embeds the same text.
 */
#ifndef MC_CORPUS_H
#define MC_CORPUS_H
#include <stddef.h>

/* Sentences in the corpus. */
size_t corpus_count(void);

/* Sentence i (i < corpus_count()): its first byte, *out_len bytes long,
 * without the newline; static storage, not NUL-terminated at len. NULL
 * when i is out of range. */
const char *corpus_sentence(size_t i, size_t *out_len);

/* The first batch sentences (from the first again when batch exceeds the
 * corpus) joined with '\n', no final newline: *out_text, malloc'd and
 * NUL-terminated (the caller frees it), *out_len bytes without the NUL.
 * Errors: MC_EINVAL (batch 0), MC_ENOMEM. */
int corpus_batch(size_t batch, char **out_text, size_t *out_len, char *err, size_t n_err);

#endif
