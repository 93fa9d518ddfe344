/*
 * fuzz_import_pytest.c - libFuzzer target for `mcbench import --format pytest-benchmark`
 * (import_pytest.c, jwalk.c): any bytes as a pytest-benchmark file; the properties
 * checked are fuzz_foreign.h's.
 */
#include "fuzz_foreign.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_foreign("pytest-benchmark", "x.json", data, size);
	return 0;
}
