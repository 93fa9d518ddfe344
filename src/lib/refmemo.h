/*
 * refmemo.h - a process-wide memo of reference outputs, keyed by exactly
 * what determines them.
 *
 * Why: a reference is plain C in double and the embeddings suites compute
 * one per workload, though most of the work repeats: batch b is the
 * corpus's first b sentences, so batch 100 holds batch 50's, and
 * bert_encode and embed, seq 0 and seq 128, encode the same sentences
 * with the same model. Each sentence's embedding depends only on the
 * model and on its own real tokens (bert.h: padding is masked out), so a
 * sentence is computed once per run, not once per batch it is in.
 *
 * A key is the caller's bytes, compared whole (never by hash alone), so a
 * hit returns exactly what the computation it replaces would. Entries are
 * owned by the memo; a pointer from refmemo_find is valid until the next
 * refmemo_put or refmemo_clear. Not thread-safe: references are computed
 * on the session's thread.
 */
#ifndef MC_REFMEMO_H
#define MC_REFMEMO_H
#include <stddef.h>
#include <stdint.h>

/* Entries beyond this many bytes in all are dropped oldest first. */
#define REFMEMO_MAX_BYTES (64u << 20)

/* The n floats stored under key, or NULL. */
const float *refmemo_find(const void *key, size_t key_len, size_t n);

/* Stores a copy of the n floats of val under a copy of key (replacing an
 * entry of the same key). Returns 0, or -1 when out of memory (the memo is
 * then unchanged: a miss costs only the recomputation). */
int refmemo_put(const void *key, size_t key_len, const float *val, size_t n);

/* Frees every entry (for tests, and for tools that must end with nothing
 * allocated). */
void refmemo_clear(void);

/* Entries held (for tests). */
size_t refmemo_entries(void);

/* A digest of n bytes at p (SHA-256, the first 16 bytes), to put a large
 * input, such as a model's weights, into a key by content. */
void refmemo_digest(const void *p, size_t n, uint8_t out[16]);

#endif
