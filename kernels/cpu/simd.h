/*
 * simd.h - AVX2+FMA helpers shared by the CPU kernels (rows.c, train.c):
 * horizontal sum and max of 8 floats, and exp of 8 non-positive floats.
 * Private to kernels/cpu; include only where CPU_X86 holds (x86 with
 * <immintrin.h>), and call only after cpu_has_avx2_fma() said yes: the
 * functions are compiled for AVX2+FMA whatever the file's flags.
 */
#ifndef MC_KERNELS_CPU_SIMD_H
#define MC_KERNELS_CPU_SIMD_H

#include <immintrin.h>

#define AVX2 __attribute__((target("avx2,fma")))

AVX2 static inline float hsum8(__m256 v)
{
	__m128 s = _mm_add_ps(_mm256_castps256_ps128(v),
			      _mm256_extractf128_ps(v, 1));

	s = _mm_add_ps(s, _mm_movehl_ps(s, s));
	s = _mm_add_ss(s, _mm_movehdup_ps(s));
	return _mm_cvtss_f32(s);
}

AVX2 static inline float hmax8(__m256 v)
{
	__m128 s = _mm_max_ps(_mm256_castps256_ps128(v),
			      _mm256_extractf128_ps(v, 1));

	s = _mm_max_ps(s, _mm_movehl_ps(s, s));
	s = _mm_max_ss(s, _mm_movehdup_ps(s));
	return _mm_cvtss_f32(s);
}

/*
 * exp(x) for 8 floats, x <= 0 (softmax only exponentiates x - max), with
 * an 8-entry table so that the polynomial can be short: the exp is most of
 * softmax's compute, and on two cores that compute is what keeps softmax
 * from streaming at memory speed. x = (8n + j) ln2 / 8 + r with
 * m = 8n + j = round(8 x / ln2), 0 <= j < 8 and |r| <= ln2 / 16;
 * ln2 / 8 is split in two so that r = x - m ln2 / 8 is exact. m comes from
 * adding 1.5 * 2^23 to 8 x / ln2: the float addition rounds to the nearest
 * integer and leaves m in the low mantissa bits, whose low three bits
 * (j) index the table of 2^(j/8) through a lane permute, and whose upper
 * bits (n) a shift and mask move into the exponent field, where an integer
 * add scales by 2^n. exp(r) = 1 + r (1 + r (c2 + c3 r)), with c2 and c3
 * fitted for least maximum relative error on |r| <= ln2 / 16 (2.6e-8), is
 * applied as 2^(j/8) + 2^(j/8) (exp(r) - 1) so that the table entry is
 * rounded once. That is 7 multiply-add-pipe operations per 8 floats
 * against 12 for the Cephes expf polynomial, for a maximum relative error
 * of ~1.1e-7 (test_cpu checks softmax within 4e-7 of double). Inputs below
 * -87.3 are clamped there and give ~2^-126 (possibly as a subnormal bit
 * pattern), harmless in a softmax sum >= 1. Positive inputs are not
 * supported (the exponent add would overflow above 88.7).
 */
AVX2 static inline __m256 exp8_nonpos(__m256 x)
{
	const __m256 lo = _mm256_set1_ps(-87.3365478515625f);
	const __m256 log2e8 = _mm256_set1_ps(8.0f * 1.44269504088896341f);
	const __m256 shifter = _mm256_set1_ps(12582912.0f);
	const __m256 c_hi = _mm256_set1_ps(0.693359375f / 8.0f);
	const __m256 c_lo = _mm256_set1_ps(-2.12194440e-4f / 8.0f);
	const __m256 pow2_8 = _mm256_setr_ps(1.0f, 1.09050773266525766f,
		1.18920711500272107f, 1.29683955465100967f, 1.41421356237309515f,
		1.54221082540794083f, 1.68179283050742909f, 1.83400808640934243f);
	const __m256i exp_mask = _mm256_set1_epi32((int)0xff800000u);
	__m256 t, m, r, a, q, tj, v;
	__m256i e;

	x = _mm256_max_ps(x, lo);
	t = _mm256_fmadd_ps(x, log2e8, shifter);   /* low bits: m */
	m = _mm256_sub_ps(t, shifter);             /* m, exactly */
	r = _mm256_fnmadd_ps(m, c_hi, x);
	r = _mm256_fnmadd_ps(m, c_lo, r);
	a = _mm256_fmadd_ps(_mm256_set1_ps(0.1666685789823532f), r,
			    _mm256_set1_ps(0.500064492225647f));
	a = _mm256_fmadd_ps(a, r, _mm256_set1_ps(1.0f));
	q = _mm256_mul_ps(r, a);
	tj = _mm256_permutevar8x32_ps(pow2_8, _mm256_castps_si256(t));
	v = _mm256_fmadd_ps(tj, q, tj);
	e = _mm256_and_si256(_mm256_slli_epi32(_mm256_castps_si256(t), 20), exp_mask);
	return _mm256_castsi256_ps(_mm256_add_epi32(_mm256_castps_si256(v), e));
}

#endif
