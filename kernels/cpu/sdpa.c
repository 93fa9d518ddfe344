/*
 * sdpa.c - scaled dot-product attention alone (src/lib/workload_sdpa.c)
 * on the CPU, as the components' attention does it (decoder.c): per head,
 * blocks of BLK query rows, each block's scores one cblas_sgemm against
 * the keys it may see (all of them, or up to its last row when causal),
 * the softmax in place, the values a second GEMM.
 */
#include "cpu.h"
#include "cpu/decoder_int.h"

#include <cblas.h>
#include <math.h>

#define BLK 64

/* params: seq, heads, kv_heads, head_dim; the scores of a block */
static size_t sdpa_scratch(const size_t *p)
{
	return BLK * p[0];
}

static void attend(int causal, const size_t *p, float *const *in,
		   float *out, float *scratch)
{
	size_t S = p[0], H = p[1], D = p[3], group = H / p[2];
	float scale = 1.0f / sqrtf((float)D);

	for (size_t h = 0; h < H; h++) {
		const float *q = in[0] + h * S * D;
		const float *K = in[1] + (h / group) * S * D;
		const float *V = in[2] + (h / group) * S * D;

		for (size_t b0 = 0; b0 < S; b0 += BLK) {
			size_t b1 = b0 + BLK < S ? b0 + BLK : S, bs = b1 - b0;
			size_t keys = causal ? b1 : S;

			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans,
				    (int)bs, (int)keys, (int)D, scale,
				    q + b0 * D, (int)D, K, (int)D, 0.0f, scratch,
				    (int)keys);
			for (size_t i = 0; i < bs; i++)
				cpu_dec_masked_softmax(scratch + i * keys,
						       causal ? b0 + i + 1 : keys,
						       keys);
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans,
				    (int)bs, (int)D, (int)keys, 1.0f, scratch,
				    (int)keys, V, (int)D, 0.0f,
				    out + (h * S + b0) * D, (int)D);
		}
	}
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
