/*
 * err.c - formatting of the library's error sentences (see err.h).
 */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>

int err_set(char *err, size_t n_err, int code, const char *fmt, ...)
{
	va_list ap;

	if (err && n_err > 0) {
		va_start(ap, fmt);
		vsnprintf(err, n_err, fmt, ap);
		va_end(ap);
	}
	return code;
}

const char *err_name(int code)
{
	switch (code) {
	case MC_OK: return "ok";
	case MC_EINVAL: return "invalid input";
	case MC_EIO: return "i/o error";
	case MC_EDB: return "database error";
	case MC_ENOMEM: return "out of memory";
	case MC_ENODEV: return "no such device";
	case MC_EBUILD: return "kernel build failure";
	case MC_EVALID: return "validation failure";
	case MC_ENOTSUP: return "not supported";
	case MC_ECLAIM: return "claim contradicted";
	case MC_EDRIFT: return "document drifted";
	case MC_EINTR: return "interrupted";
	case MC_ENOENT: return "not found";
	}
	return "unknown error";
}
