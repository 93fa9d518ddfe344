/*
 * memstat.c - resident memory of this process (memstat.h), read from
 * /proc/self/status, whose Vm* lines are in kB.
 */
#include "memstat.h"

#include <stdio.h>
#include <string.h>

int memstat_reset_peak(void)
{
	FILE *f = fopen("/proc/self/clear_refs", "w");
	int ok;

	if (!f)
		return -1;
	ok = fputs("5", f) >= 0;
	/* the write happens at fclose: its error is the kernel's answer */
	ok = fclose(f) == 0 && ok;
	return ok ? 0 : -1;
}

/* The value of the line "key:   N kB" of /proc/self/status, in bytes. */
static int64_t status_kb(const char *key)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	size_t n = strlen(key);
	long long kb = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && line[n] == ':') {
			if (sscanf(line + n + 1, "%lld", &kb) != 1)
				kb = -1;
			break;
		}
	fclose(f);
	return kb < 0 ? -1 : (int64_t)kb * 1024;
}

int64_t memstat_rss_bytes(void)
{
	return status_kb("VmRSS");
}

int64_t memstat_peak_bytes(void)
{
	return status_kb("VmHWM");
}
