/*
 * fuzz_import_criterion.c - libFuzzer target for `mcbench import --format
 * criterion` (import_criterion.c): any bytes as a raw.csv, and, split at
 * the first NUL byte, as the estimates.json and sample.json of a one-
 * benchmark target/criterion tree (its benchmark.json fixed); the
 * properties checked are fuzz_foreign.h's.
 */
#include <stdio.h>
#include <sys/stat.h>

#include "fuzz_foreign.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void put(const char *path, const void *data, size_t size)
{
	FILE *f = fopen(path, "wb");

	if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0)
		fuzz_die("cannot write %s", path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char bench[] = "{\"group_id\":\"g\",\"function_id\":\"f\","
		"\"value_str\":null,\"throughput\":null,\"full_id\":\"g/f\","
		"\"directory_name\":\"g/f\"}";
	const uint8_t *nul = memchr(data, 0, size);
	size_t n1 = nul ? (size_t)(nul - data) : size;
	char dir[256], path[320];

	fuzz_foreign("criterion", "raw.csv", data, size);
	snprintf(dir, sizeof(dir), "%s/tree", fuzz_dir());
	mkdir(dir, 0755);
	snprintf(path, sizeof(path), "%s/g", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/g/f", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/g/f/new", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/g/f/new/benchmark.json", dir);
	put(path, bench, sizeof(bench) - 1);
	snprintf(path, sizeof(path), "%s/g/f/new/estimates.json", dir);
	put(path, data, n1);
	snprintf(path, sizeof(path), "%s/g/f/new/sample.json", dir);
	put(path, nul ? nul + 1 : data + size, nul ? size - n1 - 1 : 0);
	fuzz_foreign_path("criterion", dir, "tree");
	return 0;
}
