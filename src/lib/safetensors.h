/*
 * safetensors.h - a reader of .safetensors files (HF's checkpoint format):
 * an 8-byte little-endian header length, a JSON header naming each tensor's
 * dtype, shape and [begin, end) byte range in the data that follows, then
 * the data. The whole header is checked at open, so a truncated or
 * corrupt file is refused with a sentence naming the file and the tensor
 * before any weight is read.
 */
#ifndef MC_SAFETENSORS_H
#define MC_SAFETENSORS_H
#include <stddef.h>
#include <stdint.h>

/* An open file and its parsed header. */
struct st_file;

/* One tensor as the header describes it. Pointers are into f, valid until
 * st_close. */
struct st_tensor {
	const char *name;
	const char *dtype;        /* "F32", "F16", "BF16", "I64" ... */
	size_t dtype_bytes;
	size_t n_dims;
	const size_t *dims;       /* n_dims of them; a scalar has none */
	uint64_t begin, end;      /* bytes, relative to the start of the data */
};

/* Opens path and checks its header: the length within the file (and at
 * most 100 MB), valid JSON, an object whose members (other than
 * "__metadata__", ignored) each have a known dtype, a shape of integers
 * >= 0 whose element count does not overflow, data_offsets [begin, end]
 * with begin <= end <= the data's size and end - begin = elements x dtype
 * size; no two tensors may share a byte, nor two share a name.
 * On success *out owns the open file (st_close). Errors: MC_EIO (cannot
 * open or read), MC_EINVAL naming path and tensor, MC_ENOMEM. */
int st_open(const char *path, struct st_file **out, char *err, size_t n_err);

/* Closes f; accepts NULL. */
void st_close(struct st_file *f);

/* Tensors in f, and tensor i of them (i < st_count, in the header's
 * order). */
size_t st_count(const struct st_file *f);
const struct st_tensor *st_tensor_at(const struct st_file *f, size_t i);

/* The tensor called name, or NULL. */
const struct st_tensor *st_find(const struct st_file *f, const char *name);

/* Copies tensor name, which must be F32 of shape dims[0..n_dims) exactly,
 * into dst (room for the product of dims floats), in host byte order.
 * Errors: MC_ENOENT (no such tensor), MC_EINVAL (dtype or shape, naming
 * file, tensor, both shapes), MC_EIO (read failure or a file shortened
 * since st_open). */
int st_read_f32(struct st_file *f, const char *name, size_t n_dims, const size_t *dims,
		float *dst, char *err, size_t n_err);

#endif
