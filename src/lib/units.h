/*
 * units.h - how report numbers are written: significant digits, time units
 * scaled to the value (ns, µs, ms, s), rates and speed factors.
 *
 * Pure formatting into caller buffers; never scientific notation, so a
 * number reads the same in every table and in prose. Output depends only
 * on the value (no locale: the C locale is assumed).
 */
#ifndef MC_UNITS_H
#define MC_UNITS_H
#include <stddef.h>

/* Size that fits every string written here. */
#define UNITS_LEN 48

/* v rounded to sig significant digits, in fixed notation: 1234.5 -> "1235"
 * (sig 3 keeps integer digits), 0.012345 -> "0.0123", 9.996 -> "10.0".
 * Non-finite values give "nan" / "inf". */
void units_sig(double v, int sig, char *out, size_t n_out);

/* The unit a duration of ns nanoseconds is written in, chosen so the value
 * rounded to 3 significant digits lies in [1, 1000): *out_scale is the
 * number of ns per unit, the return value its name ("ns", "µs", "ms", "s"). */
const char *units_time_unit(double ns, double *out_scale);

/* A duration with its unit, 3 significant digits: 1234567 -> "1.23 ms". */
void units_time(double ns, char *out, size_t n_out);

/* A duration in the unit chosen for ref_ns, without the unit: used for the
 * bounds of an interval so they share the median's unit. */
void units_time_as(double ns, double ref_ns, char *out, size_t n_out);

/* A speed factor or ratio: 3 significant digits between 0.5 and 2 (so that
 * 1.04 does not read as 1.0), 2 elsewhere: "0.10", "1.04", "9.6", "12". */
void units_factor(double x, char *out, size_t n_out);

/* A percentage without the sign: 2 significant digits below 10, whole
 * numbers from there: "0.52", "7.5", "62", "104". */
void units_pct(double pct, char *out, size_t n_out);

#endif
