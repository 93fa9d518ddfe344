/*
 * units.c - fixed-notation number formatting for reports (see units.h).
 */
#include "units.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* Decimal exponent of v once rounded to sig significant digits. */
static int units_exp10(double v, int sig)
{
	char buf[64];
	const char *e;

	snprintf(buf, sizeof(buf), "%.*e", sig - 1, v);
	for (e = buf; *e && *e != 'e'; e++)
		;
	return *e ? atoi(e + 1) : 0;
}

void units_sig(double v, int sig, char *out, size_t n_out)
{
	int decimals;

	if (isnan(v)) {
		snprintf(out, n_out, "nan");
		return;
	}
	if (isinf(v)) {
		snprintf(out, n_out, "%sinf", v < 0 ? "-" : "");
		return;
	}
	if (v == 0) {
		snprintf(out, n_out, "0");
		return;
	}
	if (sig < 1)
		sig = 1;
	decimals = sig - 1 - units_exp10(v, sig);
	if (decimals < 0)
		decimals = 0;
	if (decimals > 12)
		decimals = 12;
	snprintf(out, n_out, "%.*f", decimals, v);
}

const char *units_time_unit(double ns, double *out_scale)
{
	static const struct { double scale; const char *name; } u[] = {
		{ 1e9, "s" }, { 1e6, "ms" }, { 1e3, "\xc2\xb5s" }, { 1, "ns" },
	};
	int e = isfinite(ns) && ns != 0 ? units_exp10(fabs(ns), 3) : 0;

	for (size_t i = 0; i < sizeof(u) / sizeof(u[0]) - 1; i++) {
		if (e >= (int)lround(log10(u[i].scale))) {
			*out_scale = u[i].scale;
			return u[i].name;
		}
	}
	*out_scale = 1;
	return "ns";
}

void units_time(double ns, char *out, size_t n_out)
{
	char num[UNITS_LEN];
	double scale;
	const char *unit = units_time_unit(ns, &scale);

	units_sig(ns / scale, 3, num, sizeof(num));
	snprintf(out, n_out, "%s %s", num, unit);
}

void units_time_as(double ns, double ref_ns, char *out, size_t n_out)
{
	double scale;

	units_time_unit(ref_ns, &scale);
	units_sig(ns / scale, 3, out, n_out);
}

void units_factor(double x, char *out, size_t n_out)
{
	units_sig(x, x > 0.5 && x < 2 ? 3 : 2, out, n_out);
}

void units_pct(double pct, char *out, size_t n_out)
{
	if (isfinite(pct) && fabs(pct) >= 9.95)
		snprintf(out, n_out, "%.0f", pct);
	else
		units_sig(pct, 2, out, n_out);
}
