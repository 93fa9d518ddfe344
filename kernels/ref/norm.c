/*
 * norm.c - reference layer norm and RMS norm (see ref.h), two passes per
 * row in double: the mean first, then the variance around it, so no
 * cancellation between sum(x^2) and mean^2.
 */
#include "ref.h"

#include <math.h>

void ref_layernorm(size_t rows, size_t cols, const float *x,
		   const float *gamma, const float *beta, float *y)
{
	for (size_t r = 0; r < rows; r++) {
		const float *xr = x + r * cols;
		float *yr = y + r * cols;
		double mean = 0.0, var = 0.0, rstd;

		for (size_t j = 0; j < cols; j++)
			mean += xr[j];
		mean /= (double)cols;
		for (size_t j = 0; j < cols; j++) {
			double d = xr[j] - mean;
			var += d * d;
		}
		var /= (double)cols;
		rstd = 1.0 / sqrt(var + REF_NORM_EPS);
		for (size_t j = 0; j < cols; j++)
			yr[j] = (float)((xr[j] - mean) * rstd * gamma[j] + beta[j]);
	}
}

void ref_rmsnorm(size_t rows, size_t cols, const float *x,
		 const float *gamma, float *y)
{
	for (size_t r = 0; r < rows; r++) {
		const float *xr = x + r * cols;
		float *yr = y + r * cols;
		double ss = 0.0, rinv;

		for (size_t j = 0; j < cols; j++)
			ss += (double)xr[j] * xr[j];
		rinv = 1.0 / sqrt(ss / (double)cols + REF_NORM_EPS);
		for (size_t j = 0; j < cols; j++)
			yr[j] = (float)(xr[j] * rinv * gamma[j]);
	}
}
