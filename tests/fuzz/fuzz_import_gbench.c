/*
 * fuzz_import_gbench.c - libFuzzer target for `mcbench import --format gbench`
 * (import_gbench.c, jwalk.c): any bytes as a gbench file; the properties
 * checked are fuzz_foreign.h's.
 */
#include "fuzz_foreign.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_foreign("gbench", "x.json", data, size);
	return 0;
}
