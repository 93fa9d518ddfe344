/*
 * fuzz_import_hyperfine.c - libFuzzer target for `mcbench import --format hyperfine`
 * (import_hyperfine.c, jwalk.c): any bytes as a hyperfine file; the properties
 * checked are fuzz_foreign.h's.
 */
#include "fuzz_foreign.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_foreign("hyperfine", "x.json", data, size);
	return 0;
}
