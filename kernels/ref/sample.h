/*
 * sample.h - the reference of the sampling kernels: which token one draw
 * u in [0, 1) picks from a row of logits under each rule, in double. The
 * rules are defined here, once; kernels/cpu/sample.c and the peers
 * (suites/peers/peer_infer.py) implement the same definitions.
 *
 *   order:   the indices sorted by logit, largest first, equal logits by
 *            lower index first (top-k, top-p).
 *   greedy:  the first index of the largest logit; u unused.
 *   top-k:   the first k of the order (all of them when k >= vocab), with
 *            weights w_j = exp(l_j - max l) (temperature 1).
 *   top-p:   the shortest prefix of the order whose probabilities
 *            exp(l_j - max l) / Z (Z over the whole vocabulary) sum to at
 *            least p = REF_SAMPLE_P (at least one token).
 *   temperature: every index in index order, w_j = exp((l_j - max l) / T),
 *            T = REF_SAMPLE_T.
 *   draw:    of the kept tokens in that order with cumulative weights
 *            c_0 <= c_1 <= ... <= c_{n-1}, the first j with
 *            c_j > u * c_{n-1} (inverse CDF of the kept probabilities;
 *            the last kept token if rounding leaves none).
 */
#ifndef MC_REF_SAMPLE_H
#define MC_REF_SAMPLE_H
#include <stddef.h>

#define REF_SAMPLE_P 0.9
#define REF_SAMPLE_T 0.7

enum ref_sample_rule {
	REF_SAMPLE_GREEDY,
	REF_SAMPLE_TOP_K,
	REF_SAMPLE_TOP_P,
	REF_SAMPLE_TEMPERATURE,
};

/* What a draw picked: the token and its bucket [lo, hi) as shares of the
 * kept weight (u in [lo, hi) picks it; greedy: [0, 1)). */
struct ref_sample_pick {
	size_t token;
	double lo, hi;
};

/* The token rule picks from logits[0..vocab) with the draw u (k: top-k's
 * k, ignored by the other rules). Fills *out and returns 0, or -1 when
 * the order's workspace (vocab index pairs) cannot be allocated. */
int ref_sample(enum ref_sample_rule rule, size_t vocab, size_t k,
	       const float *logits, double u, struct ref_sample_pick *out);

/* The order above: out_idx[j] is the index of the j-th largest logit
 * (equal logits by lower index). Returns 0, or -1 when the workspace
 * cannot be allocated. */
int ref_sample_order(size_t vocab, const float *logits, size_t *out_idx);

#endif
