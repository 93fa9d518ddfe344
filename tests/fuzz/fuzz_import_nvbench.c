/*
 * fuzz_import_nvbench.c - libFuzzer target for `mcbench import --format nvbench`
 * (import_nvbench.c, jwalk.c): any bytes as a nvbench file; the properties
 * checked are fuzz_foreign.h's.
 */
#include "fuzz_foreign.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_foreign("nvbench", "x.json", data, size);
	return 0;
}
