/*
 * fuzz_safetensors.c - libFuzzer target for the .safetensors reader
 * (safetensors.c): any bytes as a file. st_open must refuse what it cannot
 * read with one sentence naming the file, never crash, leak or read out of
 * bounds; what it accepts must be consistent (each tensor's bytes those of
 * its shape and dtype, no two sharing a name), and every F32 tensor must
 * read back through st_read_f32 at its own shape, and be refused at another.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "fuzz_util.h"
#include "safetensors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_write_input("m.safetensors", data, size);
	struct st_file *f = NULL;
	char err[MC_ERRLEN] = "";
	int rc = st_open(path, &f, err, sizeof(err));

	if (rc) {
		if (f || !err[0] || strncmp(err, path, strlen(path)) != 0 || strchr(err, '\n'))
			fuzz_die("st_open failed (%d) without a one-line error naming the file: '%s'",
				 rc, err);
		return 0;
	}
	for (size_t i = 0; i < st_count(f); i++) {
		const struct st_tensor *t = st_tensor_at(f, i);
		uint64_t numel = 1;
		size_t *other;
		float *buf;

		for (size_t d = 0; d < t->n_dims; d++)
			numel *= t->dims[d];
		if (t->begin > t->end || t->end > size || t->end - t->begin != numel * t->dtype_bytes)
			fuzz_die("accepted tensor %zu with bytes [%llu, %llu) for %llu elements", i,
				 (unsigned long long)t->begin, (unsigned long long)t->end,
				 (unsigned long long)numel);
		if (st_find(f, t->name) != t)
			fuzz_die("tensor '%s' is not the first of its name", t->name);
		if (strcmp(t->dtype, "F32") != 0)
			continue;
		buf = malloc(numel ? numel * sizeof(float) : 1);
		if (!buf)
			fuzz_die("out of memory");
		if (st_read_f32(f, t->name, t->n_dims, t->dims, buf, err, sizeof(err)))
			fuzz_die("cannot read accepted tensor '%s': %s", t->name, err);
		/* one more element along the first axis, or a scalar as [1] */
		other = malloc((t->n_dims + 1) * sizeof(*other));
		if (!other)
			fuzz_die("out of memory");
		memcpy(other, t->dims, t->n_dims * sizeof(*other));
		other[0] = t->n_dims ? t->dims[0] + 1 : 1;
		if (st_read_f32(f, t->name, t->n_dims ? t->n_dims : 1, other, buf, err,
				sizeof(err)) != MC_EINVAL)
			fuzz_die("tensor '%s' read at a shape not its own", t->name);
		free(other);
		free(buf);
	}
	st_close(f);
	return 0;
}
