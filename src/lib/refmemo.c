/*
 * refmemo.c - the memo of refmemo.h: a list of entries, newest last, each
 * with a cheap hash of its key to skip most comparisons. A run holds a few
 * hundred entries at most (one per distinct sentence and model), so a
 * linear search costs nothing beside the references it saves.
 */
#include "refmemo.h"

#include <nettle/sha2.h>
#include <stdlib.h>
#include <string.h>

struct entry {
	struct entry *next;
	uint64_t hash;
	size_t key_len, n;
	float *val;
	unsigned char key[];     /* key_len bytes */
};

static struct entry *head, *tail;   /* oldest first */
static size_t bytes;                /* keys and values held */

static uint64_t key_hash(const unsigned char *k, size_t n)
{
	uint64_t h = 1469598103934665603ull;     /* FNV-1a */

	for (size_t i = 0; i < n; i++)
		h = (h ^ k[i]) * 1099511628211ull;
	return h;
}

static size_t entry_bytes(const struct entry *e)
{
	return e->key_len + e->n * sizeof(float);
}

static void entry_free(struct entry *e)
{
	free(e->val);
	free(e);
}

static void drop_oldest(void)
{
	struct entry *e = head;

	head = e->next;
	if (!head)
		tail = NULL;
	bytes -= entry_bytes(e);
	entry_free(e);
}

/* The entry of key, and the one before it (NULL at the head). */
static struct entry *lookup(const void *key, size_t key_len, uint64_t h,
			    struct entry **prev)
{
	*prev = NULL;
	for (struct entry *e = head; e; *prev = e, e = e->next)
		if (e->hash == h && e->key_len == key_len &&
		    memcmp(e->key, key, key_len) == 0)
			return e;
	return NULL;
}

const float *refmemo_find(const void *key, size_t key_len, size_t n)
{
	struct entry *prev, *e = lookup(key, key_len, key_hash(key, key_len), &prev);

	return e && e->n == n ? e->val : NULL;
}

int refmemo_put(const void *key, size_t key_len, const float *val, size_t n)
{
	uint64_t h = key_hash(key, key_len);
	struct entry *prev, *old, *e;

	if (key_len + n * sizeof(float) > REFMEMO_MAX_BYTES)
		return 0;                    /* never held: not an error */
	e = malloc(sizeof(*e) + key_len);
	if (!e)
		return -1;
	e->val = malloc(n * sizeof(float));
	if (!e->val) {
		free(e);
		return -1;
	}
	e->next = NULL;
	e->hash = h;
	e->key_len = key_len;
	e->n = n;
	memcpy(e->key, key, key_len);
	memcpy(e->val, val, n * sizeof(float));
	if ((old = lookup(key, key_len, h, &prev))) {
		if (prev)
			prev->next = old->next;
		else
			head = old->next;
		if (tail == old)
			tail = prev;
		bytes -= entry_bytes(old);
		entry_free(old);
	}
	while (head && bytes + entry_bytes(e) > REFMEMO_MAX_BYTES)
		drop_oldest();
	if (tail)
		tail->next = e;
	else
		head = e;
	tail = e;
	bytes += entry_bytes(e);
	return 0;
}

void refmemo_clear(void)
{
	while (head)
		drop_oldest();
}

size_t refmemo_entries(void)
{
	size_t n = 0;

	for (const struct entry *e = head; e; e = e->next)
		n++;
	return n;
}

void refmemo_digest(const void *p, size_t n, uint8_t out[16])
{
	struct sha256_ctx ctx;
	uint8_t d[SHA256_DIGEST_SIZE];

	sha256_init(&ctx);
	sha256_update(&ctx, n, p);
	sha256_digest(&ctx, sizeof(d), d);
	memcpy(out, d, 16);
}
