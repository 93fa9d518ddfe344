/*
 * info.c - the machine facts the ref and cpu backends describe: CPU model
 * and vendor from /proc/cpuinfo, online CPUs, and MemTotal from
 * /proc/meminfo, the last-level cache size from sysfs. Anything
 * unreadable is "unknown" or -1. cpu_info_describe puts them into the JSON
 * description both backends share.
 */
#include "cpu.h"

#include <cjson/cJSON.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Copies the value of the first "key<spaces/tabs>: value" line of path
 * into out; leaves out untouched when there is none. */
static void read_field(const char *path, const char *key, char *out,
		       size_t n_out)
{
	char line[512];
	size_t key_len = strlen(key);
	FILE *f = fopen(path, "r");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *v;

		if (strncmp(line, key, key_len) != 0 ||
		    (line[key_len] != ' ' && line[key_len] != '\t' &&
		     line[key_len] != ':'))
			continue;
		v = strchr(line + key_len, ':');
		if (!v)
			continue;
		v++;
		while (*v == ' ' || *v == '\t')
			v++;
		v[strcspn(v, "\n")] = '\0';
		snprintf(out, n_out, "%s", v);
		break;
	}
	fclose(f);
}

/* Reads the first line of path into out (newline stripped); 0 on success. */
static int read_line(const char *path, char *out, size_t n_out)
{
	FILE *f = fopen(path, "r");
	int ok;

	if (!f)
		return -1;
	ok = fgets(out, (int)n_out, f) != NULL;
	fclose(f);
	if (!ok)
		return -1;
	out[strcspn(out, "\n")] = '\0';
	return 0;
}

/* Parses a sysfs cache size such as "32768K" or "1M"; -1 when malformed. */
static long long parse_size(const char *s)
{
	char *end;
	long long v = strtoll(s, &end, 10);

	if (end == s || v <= 0)
		return -1;
	switch (*end) {
	case 'K': return v << 10;
	case 'M': return v << 20;
	case 'G': return v << 30;
	case '\0': return v;
	}
	return -1;
}

static long long read_llc_bytes(void)
{
	long long best = -1;
	int best_level = 0;

	for (int i = 0; i < 16; i++) {
		char path[96], text[64];
		int level;

		snprintf(path, sizeof(path),
			 "/sys/devices/system/cpu/cpu0/cache/index%d/level", i);
		if (read_line(path, text, sizeof(text)))
			break;
		level = atoi(text);
		snprintf(path, sizeof(path),
			 "/sys/devices/system/cpu/cpu0/cache/index%d/type", i);
		if (read_line(path, text, sizeof(text)) ||
		    strcmp(text, "Instruction") == 0)
			continue;
		snprintf(path, sizeof(path),
			 "/sys/devices/system/cpu/cpu0/cache/index%d/size", i);
		if (read_line(path, text, sizeof(text)))
			continue;
		if (level > best_level && parse_size(text) > 0) {
			best_level = level;
			best = parse_size(text);
		}
	}
	return best;
}

long long cpu_llc_bytes(void)
{
	/* 0 = not read yet; the racing first readers compute the same value */
	static long long cached;
	long long v = __atomic_load_n(&cached, __ATOMIC_RELAXED);

	if (v == 0) {
		v = read_llc_bytes();
		__atomic_store_n(&cached, v, __ATOMIC_RELAXED);
	}
	return v;
}

void cpu_info_read(struct cpu_info *out)
{
	char mem[64] = "";
	unsigned long long kib;

	snprintf(out->model, sizeof(out->model), "unknown");
	snprintf(out->vendor, sizeof(out->vendor), "unknown");
	read_field("/proc/cpuinfo", "model name", out->model, sizeof(out->model));
	read_field("/proc/cpuinfo", "vendor_id", out->vendor, sizeof(out->vendor));
	out->n_cpus = sysconf(_SC_NPROCESSORS_ONLN);
	read_field("/proc/meminfo", "MemTotal", mem, sizeof(mem));
	/* "MemTotal:       24576000 kB" */
	out->mem_total_bytes = sscanf(mem, "%llu", &kib) == 1 ?
			       (long long)(kib * 1024ULL) : -1;
	out->cache_bytes = cpu_llc_bytes();
}

void cpu_info_describe(cJSON *obj)
{
	struct cpu_info ci;

	cpu_info_read(&ci);
	cJSON_AddStringToObject(obj, "kind", "cpu");
	cJSON_AddStringToObject(obj, "name", ci.model);
	cJSON_AddStringToObject(obj, "vendor", ci.vendor);
	cJSON_AddNumberToObject(obj, "compute_units", (double)ci.n_cpus);
	cJSON_AddNumberToObject(obj, "global_mem", (double)ci.mem_total_bytes);
	if (ci.cache_bytes > 0)
		cJSON_AddNumberToObject(obj, "cache_bytes", (double)ci.cache_bytes);
}
