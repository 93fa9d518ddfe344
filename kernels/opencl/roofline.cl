/*
 * roofline.cl - probes of the device's FP32 FMA peak and memory bandwidth.
 *
 * mc_peak_fma: 8 independent float8 fma chains per work-item (64 lanes),
 * unrolled 4 times: 512 FLOP per work-item per loop trip. fma, not mad:
 * PoCL lowers mad to a multiply and an add (half the FMA rate), GPUs map
 * both to one FFMA. float8 fills AVX2 on CPU drivers and is 64 independent
 * scalar chains on GPUs. a and b come from the host and the result is
 * stored, so nothing folds away; with 0 < a < 1 the chains converge to
 * b / (1 - a) and never overflow or go denormal.
 * mc_triad: a = b + s * c over float4, 12 bytes per float counted.
 */

#define MC_PEAK_FLOP_PER_TRIP 512

#define MC_FMA8(a, b)                                                        \
	x0 = fma(x0, a, b); x1 = fma(x1, a, b); x2 = fma(x2, a, b);          \
	x3 = fma(x3, a, b); x4 = fma(x4, a, b); x5 = fma(x5, a, b);          \
	x6 = fma(x6, a, b); x7 = fma(x7, a, b)

__kernel void mc_peak_fma(__global float *out, int iters, float a, float b)
{
	const float8 av = (float8)(a), bv = (float8)(b);
	const float8 g = (float8)((float)(get_global_id(0) & 1023) * 1e-4f) +
			 (float8)(0.0f, 0.01f, 0.02f, 0.03f,
				  0.04f, 0.05f, 0.06f, 0.07f);
	float8 x0 = g, x1 = g + 0.1f, x2 = g + 0.2f, x3 = g + 0.3f;
	float8 x4 = g + 0.4f, x5 = g + 0.5f, x6 = g + 0.6f, x7 = g + 0.7f;
	float8 s;

	for (int i = 0; i < iters; i++) {
		MC_FMA8(av, bv);
		MC_FMA8(av, bv);
		MC_FMA8(av, bv);
		MC_FMA8(av, bv);
	}
	s = ((x0 + x1) + (x2 + x3)) + ((x4 + x5) + (x6 + x7));
	out[get_global_id(0)] = mc_hsum4(s.lo) + mc_hsum4(s.hi);
}

__kernel void mc_triad(__global float4 *a, __global const float4 *b,
		       __global const float4 *c, float s)
{
	const size_t i = get_global_id(0);

	a[i] = fma((float4)(s), c[i], b[i]);
}
