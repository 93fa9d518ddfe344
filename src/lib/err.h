/*
 * err.h - the one error convention of the library.
 *
 * Every fallible function returns 0 on success or a negative MC_E* code, and
 * fills a caller-owned buffer (char *err, size_t n_err) with one complete
 * sentence naming the file, line or object at fault. Library code never
 * prints and never exits; the command layer prints `err` and picks the exit
 * status.
 */
#ifndef MC_ERR_H
#define MC_ERR_H
#include <stddef.h>

enum mc_err {
	MC_OK = 0,
	MC_EINVAL = -1,   /* bad input: suite, template, argument, import */
	MC_EIO = -2,      /* file or pipe error */
	MC_EDB = -3,      /* SQLite error, locked or corrupt db */
	MC_ENOMEM = -4,
	MC_ENODEV = -5,   /* no such device / backend not available */
	MC_EBUILD = -6,   /* kernel build failure */
	MC_EVALID = -7,   /* output disagrees with the reference */
	MC_ENOTSUP = -8,  /* kernel not implemented by this backend */
	MC_ECLAIM = -9,   /* a claim in a template does not hold */
	MC_EDRIFT = -10,  /* document differs from a fresh render */
	MC_EINTR = -11,   /* stopped by a signal before the work was done */
	MC_ENOENT = -12,  /* a named file, tensor or setting is absent */
};

/* Size callers use for error buffers (1024: the sentence naming every
 * known kernel outgrew 512). */
#define MC_ERRLEN 1024

/* Formats into err (if non-NULL, n_err > 0) and returns code, so that
 * `return err_set(err, n_err, MC_EINVAL, "...", ...);` reads naturally. */
int err_set(char *err, size_t n_err, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Short name of a code, e.g. "invalid input". Static storage. */
const char *err_name(int code);

#endif
