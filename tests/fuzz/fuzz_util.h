/*
 * fuzz_util.h - what the libFuzzer targets of tests/fuzz/ share: a scratch
 * directory of their own (the loaders under test read files) and a way to
 * fail that libFuzzer records as a crash, with its input kept.
 */
#ifndef MC_FUZZ_UTIL_H
#define MC_FUZZ_UTIL_H
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* A property of the code under test does not hold: abort, so that
 * libFuzzer saves the input as crash-*. */
__attribute__((format(printf, 1, 2), noreturn))
static inline void fuzz_die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("fuzz: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	abort();
}

/* The scratch directory, made once per process (static storage). */
static inline const char *fuzz_dir(void)
{
	static char dir[64];

	if (!dir[0]) {
		snprintf(dir, sizeof(dir), "/tmp/mcbench-fuzz-XXXXXX");
		if (!mkdtemp(dir))
			fuzz_die("cannot create a scratch directory");
	}
	return dir;
}

/* Writes data to name in the scratch directory; returns its path (static
 * storage, overwritten by the next call). */
static inline const char *fuzz_write_input(const char *name, const uint8_t *data,
					   size_t size)
{
	static char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", fuzz_dir(), name);
	f = fopen(path, "wb");
	if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0)
		fuzz_die("cannot write %s", path);
	return path;
}
#endif
