/*
 * fuzz_suite.c - libFuzzer target for the suite loader (suite.c): any
 * bytes as a suite file, loaded with and without --quick. The loader must
 * refuse what it cannot read with an error sentence, never crash, leak or
 * overflow; what it accepts must be a usable suite (each benchmark named,
 * with samples in range).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "fuzz_util.h"
#include "suite.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_write_input("suite.json", data, size);

	for (int quick = 0; quick < 2; quick++) {
		struct suite *s = NULL;
		char err[MC_ERRLEN] = "";
		int rc = suite_load(path, quick, &s, err, sizeof(err));

		if (rc) {
			/* every refusal is one sentence naming the file */
			if (!err[0] || !strstr(err, "suite.json") || strchr(err, '\n'))
				fuzz_die("suite_load failed without a one-line error naming "
					 "the file: '%s'", err);
			continue;
		}
		for (size_t i = 0; i < s->n_benches; i++)
			if (!s->benches[i].name[0] || s->benches[i].samples < 1 ||
			    s->benches[i].samples > 100000 || !(s->benches[i].target_ms > 0))
				fuzz_die("accepted a benchmark without a name or samples");
		suite_free(s);
	}
	return 0;
}
