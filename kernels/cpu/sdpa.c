/*
 * sdpa.c - scaled dot-product attention alone (src/lib/workload_sdpa.c)
 * on the CPU: per head, blocks of query rows, each block's scores one
 * cblas_sgemm against the keys it may see (all of them, or up to its last
 * row when causal), their exponentials in place, the values a second
 * GEMM, and the softmax's division on the block's outputs (D a row, not
 * the row's keys).
 *
 * The (head, block) pairs are spread over OpenMP threads, each running
 * single-threaded sgemm into its own scores. One threaded sgemm per block
 * (what the components' attention does, decoder.c) leaves the softmax
 * between the two products on one core and pays OpenBLAS's fork and join
 * twice per block: 64 x 1024 x 64 products are too small to share. Here
 * the whole iteration is one OpenMP region with nothing threaded after
 * it, so libgomp's threads spinning at its end take no core from
 * OpenBLAS (the trap bert.c's project() describes).
 */
#include "cpu.h"
#include "cpu/decoder_int.h"

#include <cblas.h>
#include <math.h>
#include <omp.h>

/* Query rows per block: causal blocks stay small, since a block computes
 * the scores of its last row's keys for all its rows (the masked part of
 * them wasted); full blocks are larger, so that OpenBLAS packs the keys
 * and values once for more rows. */
#define BLK_CAUSAL 64
#define BLK_FULL 256

/* A thread's part of the scratch: a block's scores and its rows' sums. */
static size_t part_floats(size_t S)
{
	return BLK_FULL * S + BLK_FULL;
}

/* params: seq, heads, kv_heads, head_dim */
static size_t sdpa_scratch(const size_t *p)
{
	return part_floats(p[0]) * (size_t)omp_get_max_threads();
}

static void attend(int causal, const size_t *p, float *const *in,
		   float *out, float *scratch)
{
	size_t S = p[0], H = p[1], D = p[3], group = H / p[2];
	size_t blk = causal ? BLK_CAUSAL : BLK_FULL, n_blk = (S + blk - 1) / blk;
	float scale = 1.0f / sqrtf((float)D);
	int blas_threads = openblas_get_num_threads();

	openblas_set_num_threads(1);
	/* Dynamic: a causal block's cost grows with its index. The thread
	 * count is sdpa_scratch's, whose parts each thread owns. */
#pragma omp parallel for schedule(dynamic, 1) num_threads(omp_get_max_threads())
	for (long it = 0; it < (long)(H * n_blk); it++) {
		size_t h = (size_t)it / n_blk, b0 = ((size_t)it % n_blk) * blk;
		size_t b1 = b0 + blk < S ? b0 + blk : S, bs = b1 - b0;
		size_t keys = causal ? b1 : S;
		const float *q = in[0] + h * S * D;
		const float *K = in[1] + (h / group) * S * D;
		const float *V = in[2] + (h / group) * S * D;
		float *sc = scratch + (size_t)omp_get_thread_num() * part_floats(S);
		float *sum = sc + BLK_FULL * S, *o = out + (h * S + b0) * D;

		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans,
			    (int)bs, (int)keys, (int)D, scale,
			    q + b0 * D, (int)D, K, (int)D, 0.0f, sc, (int)keys);
		for (size_t i = 0; i < bs; i++)
			sum[i] = cpu_dec_masked_exp(sc + i * keys,
						    causal ? b0 + i + 1 : keys, keys);
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans,
			    (int)bs, (int)D, (int)keys, 1.0f, sc, (int)keys, V,
			    (int)D, 0.0f, o, (int)D);
		/* The softmax's division, on the D outputs of a row rather than
		 * its keys (16 times fewer at head_dim 64, sequence 1024). */
		for (size_t i = 0; i < bs; i++) {
			float inv = 1.0f / sum[i];

			for (size_t d = 0; d < D; d++)
				o[i * D + d] *= inv;
		}
	}
	openblas_set_num_threads(blas_threads);
}

static void sdpa_run(const size_t *p, float *const *in, float *out,
		     float *scratch)
{
	attend(0, p, in, out, scratch);
}

static void causal_run(const size_t *p, float *const *in, float *out,
		       float *scratch)
{
	attend(1, p, in, out, scratch);
}

const struct cpu_kernel cpu_kernel_sdpa = {
	.name = "sdpa", .scratch_floats = sdpa_scratch, .run = sdpa_run,
};
const struct cpu_kernel cpu_kernel_sdpa_causal = {
	.name = "sdpa_causal", .scratch_floats = sdpa_scratch, .run = causal_run,
};
