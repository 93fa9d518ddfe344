/*
 * softmax.c - reference row softmax (see ref.h): subtract the row maximum
 * for stability, exponentiate and normalise, accumulating in double.
 */
#include "ref.h"

#include <math.h>

void ref_softmax(size_t rows, size_t cols, const float *x, float *y)
{
	for (size_t r = 0; r < rows; r++) {
		const float *xr = x + r * cols;
		float *yr = y + r * cols;
		double max = xr[0], sum = 0.0;

		for (size_t j = 1; j < cols; j++)
			if (xr[j] > max)
				max = xr[j];
		for (size_t j = 0; j < cols; j++)
			sum += exp((double)xr[j] - max);
		for (size_t j = 0; j < cols; j++)
			yr[j] = (float)(exp((double)xr[j] - max) / sum);
	}
}
