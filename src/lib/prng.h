/*
 * prng.h - the one deterministic random stream of the statistics:
 * xoshiro256** (Blackman & Vigna) seeded through splitmix64. Header-only
 * (static inline) so that the bootstrap, the permutation tests and the
 * false-alarm harness draw the same numbers on every run and platform,
 * and never touch rand() or global state. Nothing here allocates.
 */
#ifndef MC_PRNG_H
#define MC_PRNG_H
#include <stddef.h>
#include <stdint.h>

struct prng {
	uint64_t s[4];
};

static inline uint64_t prng_rotl64(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

/* Seeds g from one 64-bit value; equal seeds give equal streams. */
static inline void prng_seed(struct prng *g, uint64_t seed)
{
	for (int i = 0; i < 4; i++) {
		uint64_t z = (seed += 0x9e3779b97f4a7c15ULL);

		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
		g->s[i] = z ^ (z >> 31);
	}
}

static inline uint64_t prng_next(struct prng *g)
{
	uint64_t *s = g->s;
	uint64_t res = prng_rotl64(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = prng_rotl64(s[3], 45);
	return res;
}

/* Uniform index in [0, n); the bias for n << 2^53 is far below noise. */
static inline size_t prng_index(struct prng *g, size_t n)
{
	return (size_t)((double)(prng_next(g) >> 11) * 0x1.0p-53 * (double)n);
}

#endif
