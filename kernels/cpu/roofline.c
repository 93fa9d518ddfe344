/*
 * roofline.c - the CPU roofline probes: FP32 FMA peak and triad memory
 * bandwidth of the whole machine (every OpenMP thread), measured once per
 * process and cached. Both the ref and the cpu backend report these, since
 * they run on the same cores and memory.
 *
 * Peak: each thread runs a loop of CPU_FMA_CHAINS independent FMA chains
 * on 8-float registers. Zen 3 issues two FMAs per cycle with a latency of
 * 4, so at least 8 chains are needed to keep both pipes busy; 12 leave
 * margin and still fit in the 16 ymm registers with the two constants.
 * Each repeat runs ~5 ms (over a million FMAs per lane, so fork/join and
 * clock costs are < 1%) and the best repeat is kept.
 *
 * Both probes keep the best of many short repeats rather than averaging a
 * few long ones: on a shared or quota-limited VM a thread can lose its CPU
 * for milliseconds at a time, and a short window is far more likely to be
 * undisturbed. The runner flags results beyond these figures as
 * implausible, so they must be the hardware's, not those of a disturbed
 * moment. A probe runs at least its minimum number of rounds and goes on
 * while the best still improves (by > 1% within the last half of that
 * many rounds), up to a time budget (see struct best_of).
 *
 * Triad: a[i] = b[i] + s * c[i] over three arrays of 64 MiB or twice the
 * last-level cache, whichever is larger (so the working set is at least 6x
 * the cache, the size from which the runner checks bandwidth), each thread on its own static slice, first-touched by the
 * same thread. Bytes are counted as 12 per element, the compulsory traffic
 * (read b and c, write a), which is how every kernel's byte count is
 * defined. The pass is run with ordinary stores (which also read each
 * line of a before writing it, 16 bytes of real traffic) and with
 * non-temporal stores (12 bytes of real traffic). A third pass, a = s * b
 * with non-temporal stores (8 bytes), stands for the one-read-one-write
 * pattern of the row kernels, which on some machines streams measurably
 * faster than triad's two reads: the runner treats this bandwidth as a
 * ceiling, so it must be the best any kernel can reach, not triad's alone.
 * A round runs each mode once (~7 ms a pass on a 2-core Zen 3), so that a
 * slow spell does not fall on one mode only; the best pass of any mode is
 * the result.
 */
#include "cpu.h"
#include "clock.h"
#include "err.h"

#include <omp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#if defined(__x86_64__) || defined(__i386__)
#define CPU_X86 1
#include "simd.h"
#else
#define CPU_X86 0
#endif

#define CPU_FMA_CHAINS 12
#define CPU_PEAK_TARGET_NS 5000000.0
#define CPU_PEAK_MIN_ROUNDS 24
#define CPU_TRIAD_MIN_ELEMS ((size_t)16 * 1024 * 1024)   /* 64 MiB per array */
#define CPU_TRIAD_MIN_ROUNDS 16
#define CPU_PROBE_BUDGET_NS 2000000000.0   /* per probe, beyond its minimum */
#define CPU_PEAK_MIN_ITERS ((uint64_t)1 << 20)   /* per thread and round */

_Static_assert(CPU_ROOFLINE_MIN_FLOPS == (unsigned long long)CPU_PEAK_MIN_ROUNDS *
	       CPU_PEAK_MIN_ITERS * CPU_FMA_CHAINS * 2u,
	       "cpu.h's CPU_ROOFLINE_MIN_FLOPS is the peak probe's least work");
_Static_assert(CPU_ROOFLINE_MIN_BYTES == (unsigned long long)CPU_TRIAD_MIN_ROUNDS *
	       CPU_TRIAD_MIN_ELEMS * 8u,
	       "cpu.h's CPU_ROOFLINE_MIN_BYTES is the bandwidth probe's least work");

/* Best-of tracking with the stopping rule described above. */
struct best_of {
	double best;
	int rounds, min_rounds, since_gain;
	uint64_t t0;
};

static void best_of_init(struct best_of *b, int min_rounds)
{
	b->best = 0.0;
	b->rounds = 0;
	b->since_gain = 0;
	b->min_rounds = min_rounds;
	b->t0 = clock_now_ns();
}

/* Records one round's figure; nonzero while another round is wanted. */
static int best_of_add(struct best_of *b, double value)
{
	if (value > b->best * 1.01)
		b->since_gain = 0;
	else
		b->since_gain++;
	if (value > b->best)
		b->best = value;
	b->rounds++;
	if (b->rounds < b->min_rounds)
		return 1;
	return b->since_gain < b->min_rounds / 2 &&
	       (double)(clock_now_ns() - b->t0) < CPU_PROBE_BUDGET_NS;
}

/* ------------------------------------------------------------- peak */

/* The chains start from this value, read through volatile so that the
 * compiler can neither drop a run nor merge two runs with the same iters
 * (a function of iters alone would be "const" to it, and repeated calls
 * between two clock readings would be computed once). */
static volatile float chains_start = 0.1f;

#if CPU_X86
/* Returns a value depending on every chain so nothing is optimised away.
 * acc = acc * m + c converges (m < 1), so no overflow and no subnormals. */
AVX2 static float fma_chains_avx2(uint64_t iters)
{
	const __m256 m = _mm256_set1_ps(0.99999994f);
	const __m256 c = _mm256_set1_ps(1e-3f);
	const float v = chains_start;
	__m256 a0 = _mm256_set1_ps(v), a1 = _mm256_set1_ps(2 * v);
	__m256 a2 = _mm256_set1_ps(3 * v), a3 = _mm256_set1_ps(4 * v);
	__m256 a4 = _mm256_set1_ps(5 * v), a5 = _mm256_set1_ps(6 * v);
	__m256 a6 = _mm256_set1_ps(7 * v), a7 = _mm256_set1_ps(8 * v);
	__m256 a8 = _mm256_set1_ps(9 * v), a9 = _mm256_set1_ps(10 * v);
	__m256 a10 = _mm256_set1_ps(11 * v), a11 = _mm256_set1_ps(12 * v);
	__m256 s;
	float out[8];

	for (uint64_t i = 0; i < iters; i++) {
		a0 = _mm256_fmadd_ps(a0, m, c);
		a1 = _mm256_fmadd_ps(a1, m, c);
		a2 = _mm256_fmadd_ps(a2, m, c);
		a3 = _mm256_fmadd_ps(a3, m, c);
		a4 = _mm256_fmadd_ps(a4, m, c);
		a5 = _mm256_fmadd_ps(a5, m, c);
		a6 = _mm256_fmadd_ps(a6, m, c);
		a7 = _mm256_fmadd_ps(a7, m, c);
		a8 = _mm256_fmadd_ps(a8, m, c);
		a9 = _mm256_fmadd_ps(a9, m, c);
		a10 = _mm256_fmadd_ps(a10, m, c);
		a11 = _mm256_fmadd_ps(a11, m, c);
	}
	s = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)),
			  _mm256_add_ps(_mm256_add_ps(a4, a5), _mm256_add_ps(a6, a7)));
	s = _mm256_add_ps(s, _mm256_add_ps(_mm256_add_ps(a8, a9),
					   _mm256_add_ps(a10, a11)));
	_mm256_storeu_ps(out, s);
	return out[0] + out[1] + out[2] + out[3] + out[4] + out[5] + out[6] + out[7];
}

/* The same chains in 16-lane AVX-512: on CPUs that have it (Xeon, Zen 4/5)
 * it is the FP32 peak, and OpenBLAS or PyTorch reach it, so a probe limited
 * to AVX2 would make their honest results look beyond peak. */
__attribute__((target("avx512f"))) static float fma_chains_avx512(uint64_t iters)
{
	const __m512 m = _mm512_set1_ps(0.99999994f);
	const __m512 c = _mm512_set1_ps(1e-3f);
	const float v = chains_start;
	__m512 a[CPU_FMA_CHAINS];

	for (int j = 0; j < CPU_FMA_CHAINS; j++)
		a[j] = _mm512_set1_ps(v * (float)(j + 1));
	for (uint64_t i = 0; i < iters; i++) {
		a[0] = _mm512_fmadd_ps(a[0], m, c);
		a[1] = _mm512_fmadd_ps(a[1], m, c);
		a[2] = _mm512_fmadd_ps(a[2], m, c);
		a[3] = _mm512_fmadd_ps(a[3], m, c);
		a[4] = _mm512_fmadd_ps(a[4], m, c);
		a[5] = _mm512_fmadd_ps(a[5], m, c);
		a[6] = _mm512_fmadd_ps(a[6], m, c);
		a[7] = _mm512_fmadd_ps(a[7], m, c);
		a[8] = _mm512_fmadd_ps(a[8], m, c);
		a[9] = _mm512_fmadd_ps(a[9], m, c);
		a[10] = _mm512_fmadd_ps(a[10], m, c);
		a[11] = _mm512_fmadd_ps(a[11], m, c);
	}
	for (int j = 1; j < CPU_FMA_CHAINS; j++)
		a[0] = _mm512_add_ps(a[0], a[j]);
	return _mm512_reduce_add_ps(a[0]);
}
#endif

/* The same dependency structure in scalar C for CPUs without AVX2+FMA
 * (one lane per chain; without -mfma this is a multiply and an add). */
static float fma_chains_scalar(uint64_t iters)
{
	float a[CPU_FMA_CHAINS], s = 0.0f, v = chains_start;

	for (int j = 0; j < CPU_FMA_CHAINS; j++)
		a[j] = v * (float)(j + 1);
	for (uint64_t i = 0; i < iters; i++)
		for (int j = 0; j < CPU_FMA_CHAINS; j++)
			a[j] = a[j] * 0.99999994f + 1e-3f;
	for (int j = 0; j < CPU_FMA_CHAINS; j++)
		s += a[j];
	return s;
}

/* Where results of the chains go, so that the compiler cannot drop the
 * loops (they have no other effect). */
static volatile float chains_sink;

/* The chains on the calling thread: simd 0 scalar, 1 AVX2, 2 AVX-512. */
static float chains_once(uint64_t iters, int simd)
{
#if CPU_X86
	if (simd == 2)
		return fma_chains_avx512(iters);
	return simd ? fma_chains_avx2(iters) : fma_chains_scalar(iters);
#else
	(void)simd;
	return fma_chains_scalar(iters);
#endif
}

/* Runs iters iterations on every thread; returns the wall time in ns and
 * the flops done in *out_flops. */
static double peak_once(uint64_t iters, int simd, double *out_flops)
{
	double lanes = simd == 2 ? 16.0 : simd ? 8.0 : 1.0;
	int n_threads = 1;
	uint64_t t0, t1;

	t0 = clock_now_ns();
#pragma omp parallel
	{
		float r = chains_once(iters, simd);

#pragma omp critical
		{
			chains_sink = chains_sink + r;
			n_threads = omp_get_num_threads();
		}
	}
	t1 = clock_now_ns();
	*out_flops = 2.0 * lanes * CPU_FMA_CHAINS * (double)iters * n_threads;
	return (double)(t1 - t0);
}

static double measure_peak_gflops_simd(int simd)
{
	uint64_t iters = (uint64_t)1 << 16;
	double flops, ns;
	struct best_of b;

	/* Size the runs on this thread alone (no fork/join, whose wake-up can
	 * take milliseconds on a VM): grow to >= 1 ms, take the fastest of
	 * three, scale to the target, and never go below 2^20 iterations
	 * (~2 ms), so that a disturbed calibration cannot make the windows
	 * too short to measure. */
	for (;;) {
		uint64_t t0 = clock_now_ns();

		chains_sink = chains_once(iters, simd);
		ns = (double)(clock_now_ns() - t0);
		if (ns >= 1e6 || iters >= ((uint64_t)1 << 40))
			break;
		iters *= 2;
	}
	for (int i = 0; i < 2; i++) {
		uint64_t t0 = clock_now_ns();
		double t;

		chains_sink = chains_once(iters, simd);
		t = (double)(clock_now_ns() - t0);
		ns = t < ns ? t : ns;
	}
	iters = (uint64_t)((double)iters * CPU_PEAK_TARGET_NS / (ns > 1.0 ? ns : 1.0)) + 1;
	if (iters < CPU_PEAK_MIN_ITERS)
		iters = CPU_PEAK_MIN_ITERS;
	/* A clock glitch during sizing must not turn into an hour-long probe:
	 * 2^28 iterations are over 0.1 s on any CPU this runs on. */
	if (iters > ((uint64_t)1 << 28))
		iters = (uint64_t)1 << 28;
	best_of_init(&b, CPU_PEAK_MIN_ROUNDS);
	do
		ns = peak_once(iters, simd, &flops);
	while (best_of_add(&b, ns > 0.0 ? flops / ns : 0.0));   /* GFLOP/s */
	return b.best;
}

/* The best over the vector widths this CPU has (AVX-512 can run at a lower
 * clock, so the wider one is not assumed to win). */
static double measure_peak_gflops(void)
{
	double best = measure_peak_gflops_simd(cpu_has_avx2_fma());
#if CPU_X86
	if (__builtin_cpu_supports("avx512f")) {
		double w = measure_peak_gflops_simd(2);
		if (w > best)
			best = w;
	}
#endif
	return best;
}

/* ------------------------------------------------------------ triad */

/* Passes of the bandwidth probe, with the compulsory bytes per element. */
enum bw_mode {
	BW_TRIAD_STORE,    /* a = b + s*c, ordinary stores: 12 bytes */
	BW_TRIAD_STREAM,   /* a = b + s*c, non-temporal stores: 12 bytes */
	BW_SCALE_STREAM,   /* a = s*b, non-temporal stores: 8 bytes */
	BW_N_MODES
};

static const double bw_bytes_per_elem[BW_N_MODES] = { 12.0, 12.0, 8.0 };

#if CPU_X86
/* One mode over a[0..n), b, c; a 32-byte aligned, n a multiple of 8 (the
 * caller's slices are). */
AVX2 static void bw_avx2(float *a, const float *b, const float *c, float s,
			 size_t n, enum bw_mode mode)
{
	__m256 vs = _mm256_set1_ps(s);

	if (mode == BW_TRIAD_STORE) {
		for (size_t i = 0; i < n; i += 8)
			_mm256_store_ps(a + i, _mm256_fmadd_ps(vs, _mm256_load_ps(c + i),
							       _mm256_load_ps(b + i)));
	} else if (mode == BW_TRIAD_STREAM) {
		for (size_t i = 0; i < n; i += 8)
			_mm256_stream_ps(a + i, _mm256_fmadd_ps(vs, _mm256_load_ps(c + i),
								_mm256_load_ps(b + i)));
		_mm_sfence();
	} else {
		for (size_t i = 0; i < n; i += 8)
			_mm256_stream_ps(a + i, _mm256_mul_ps(vs, _mm256_load_ps(b + i)));
		_mm_sfence();
	}
}
#endif

static void triad_scalar(float *a, const float *b, const float *c, float s,
			 size_t n)
{
	for (size_t i = 0; i < n; i++)
		a[i] = b[i] + s * c[i];
}

/* Slice [*lo, *hi) of n elements for this thread: whole 64-byte lines, so
 * every slice start stays aligned. */
static void thread_slice(size_t n, size_t *lo, size_t *hi)
{
	size_t nt = (size_t)omp_get_num_threads(), t = (size_t)omp_get_thread_num();
	size_t lines = n / 16;

	*lo = lines * t / nt * 16;
	*hi = lines * (t + 1) / nt * 16;
}

/* One threaded pass of mode; returns its wall time in ns. */
static double bw_pass(float *a, const float *b, const float *c, size_t n,
		      int simd, enum bw_mode mode)
{
	uint64_t t0 = clock_now_ns();

#pragma omp parallel
	{
		size_t lo, hi;

		thread_slice(n, &lo, &hi);
#if CPU_X86
		if (simd)
			bw_avx2(a + lo, b + lo, c + lo, 3.0f, hi - lo, mode);
		else
			triad_scalar(a + lo, b + lo, c + lo, 3.0f, hi - lo);
#else
		(void)simd;
		(void)mode;
		triad_scalar(a + lo, b + lo, c + lo, 3.0f, hi - lo);
#endif
	}
	return (double)(clock_now_ns() - t0);
}

static int measure_triad_gbps(double *out_gbps, char *err, size_t n_err)
{
	long long llc = cpu_llc_bytes();
	size_t n = CPU_TRIAD_MIN_ELEMS, bytes;
	float *a = NULL, *b = NULL, *c = NULL;
	int simd = cpu_has_avx2_fma(), rc = 0, more;
	struct best_of bo;

	if (llc > 0 && (size_t)llc / 2 > n)
		n = ((size_t)llc / 2 + 15) & ~(size_t)15;   /* 2 x LLC bytes */
	bytes = n * sizeof(float);
	a = aligned_alloc(64, bytes);
	b = aligned_alloc(64, bytes);
	c = aligned_alloc(64, bytes);
	if (!a || !b || !c) {
		rc = err_set(err, n_err, MC_ENOMEM,
			     "cpu roofline: cannot allocate the three %zu MiB "
			     "triad arrays.", bytes >> 20);
		goto out;
	}
	/* first touch by the thread that will use each slice */
#pragma omp parallel
	{
		size_t lo, hi;

		thread_slice(n, &lo, &hi);
		for (size_t i = lo; i < hi; i++) {
			a[i] = 0.0f;
			b[i] = 1.0f;
			c[i] = 0.5f;
		}
	}
	bw_pass(a, b, c, n, simd, BW_TRIAD_STORE);          /* warm-up */
	best_of_init(&bo, CPU_TRIAD_MIN_ROUNDS);
	do {
		double round_best = 0.0;

		for (int mode = 0; mode < (simd ? BW_N_MODES : 1); mode++) {
			double ns = bw_pass(a, b, c, n, simd, (enum bw_mode)mode);
			double gbps = ns > 0.0 ? bw_bytes_per_elem[mode] * (double)n / ns : 0.0;

			if (gbps > round_best)
				round_best = gbps;   /* bytes per ns = GB/s */
		}
		more = best_of_add(&bo, round_best);
	} while (more);
	*out_gbps = bo.best;
out:
	free(a);
	free(b);
	free(c);
	return rc;
}

/* ------------------------------------------------------------ cache */

static pthread_mutex_t roofline_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t roofline_at_ns;     /* when last measured; 0 = never */
static double roofline_gflops, roofline_gbps;

/* Results younger than this are served from the cache, so the several
 * backends on this CPU (ref, cpu, peers) share one probe at run start. An
 * older cache is measured again and the best figures kept: the runner
 * re-probes before rejecting a result as beyond peak, and a probe that ran
 * while the machine was busy must not make a quiet result look impossible. */
#define ROOFLINE_FRESH_NS 5000000000ull

int cpu_roofline(double *out_gflops, double *out_gbps, char *err, size_t n_err)
{
	uint64_t now = clock_now_ns();
	int rc = 0;

	pthread_mutex_lock(&roofline_lock);
	if (!roofline_at_ns || now - roofline_at_ns > ROOFLINE_FRESH_NS) {
		double gbps = 0.0, gflops;

		rc = measure_triad_gbps(&gbps, err, n_err);
		if (rc == 0) {
			gflops = measure_peak_gflops();
			if (gbps > roofline_gbps)
				roofline_gbps = gbps;
			if (gflops > roofline_gflops)
				roofline_gflops = gflops;
			roofline_at_ns = clock_now_ns();
		}
	}
	if (rc == 0) {
		*out_gflops = roofline_gflops;
		*out_gbps = roofline_gbps;
	}
	pthread_mutex_unlock(&roofline_lock);
	return rc;
}
