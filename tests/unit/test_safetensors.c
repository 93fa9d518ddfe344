/*
 * test_safetensors.c - the .safetensors reader on small files written
 * here: a valid one read back (F32 in place, other dtypes refused by
 * st_read_f32, shapes and names checked), and corrupt ones each refused at
 * open with one sentence naming the file and, where there is one, the
 * tensor: truncated, bad JSON, offsets past the end or not matching the
 * shape, overlapping tensors, unknown dtypes, bad shapes, repeated names.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "safetensors.h"

static char scratch[64];

static int setup(void **state)
{
	(void)state;
	snprintf(scratch, sizeof(scratch), "/tmp/mcbench-st-XXXXXX");
	return mkdtemp(scratch) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", scratch);
	return system(cmd) == 0 ? 0 : -1;
}

/* Writes name in the scratch directory: the header length (hlen, or
 * strlen(json) when hlen is -1) as 8 bytes little-endian, json, then n_data
 * bytes of data. Returns its path (static storage). */
static const char *write_file(const char *name, long long hlen, const char *json,
			      const void *data, size_t n_data)
{
	static char path[128];
	unsigned long long n = hlen < 0 ? strlen(json) : (unsigned long long)hlen;
	unsigned char le[8];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", scratch, name);
	for (int i = 0; i < 8; i++)
		le[i] = (unsigned char)(n >> (8 * i));
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(le, 1, 8, f), 8);
	assert_int_equal(fwrite(json, 1, strlen(json), f), strlen(json));
	if (n_data)
		assert_int_equal(fwrite(data, 1, n_data, f), n_data);
	assert_int_equal(fclose(f), 0);
	return path;
}

static const float w[6] = { 1.5f, -2, 3.25f, 0, 1e-7f, -1e30f };

static const char valid_json[] =
	"{\"__metadata__\": {\"format\": \"pt\"},"
	" \"w\": {\"dtype\": \"F32\", \"shape\": [2, 3], \"data_offsets\": [0, 24]},"
	" \"ids\": {\"dtype\": \"I64\", \"shape\": [2], \"data_offsets\": [24, 40]},"
	" \"s\": {\"dtype\": \"F32\", \"shape\": [], \"data_offsets\": [40, 44]},"
	" \"empty\": {\"dtype\": \"BF16\", \"shape\": [0, 7], \"data_offsets\": [44, 44]}}"
	"    ";   /* the format allows padding */

static void test_valid(void **state)
{
	unsigned char data[44] = { 0 };
	struct st_file *f = NULL;
	const struct st_tensor *t;
	char err[MC_ERRLEN] = "";
	float got[6], s = 0, scalar = 42;
	const char *path;

	(void)state;
	memcpy(data, w, sizeof(w));
	memcpy(data + 40, &scalar, 4);
	path = write_file("ok.safetensors", -1, valid_json, data, sizeof(data));
	if (st_open(path, &f, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(st_count(f), 4);
	t = st_tensor_at(f, 0);
	assert_string_equal(t->name, "w");
	assert_string_equal(t->dtype, "F32");
	assert_int_equal(t->n_dims, 2);
	assert_true(t->dims[0] == 2 && t->dims[1] == 3);
	assert_null(st_tensor_at(f, 4));
	t = st_find(f, "ids");
	assert_non_null(t);
	assert_int_equal(t->dtype_bytes, 8);
	assert_true(t->begin == 24 && t->end == 40);
	assert_null(st_find(f, "__metadata__"));

	assert_int_equal(st_read_f32(f, "w", 2, (const size_t[]){ 2, 3 }, got, err, sizeof(err)),
			 0);
	assert_memory_equal(got, w, sizeof(w));
	assert_int_equal(st_read_f32(f, "s", 0, NULL, &s, err, sizeof(err)), 0);
	assert_true(s == scalar);

	assert_int_equal(st_read_f32(f, "ids", 1, (const size_t[]){ 2 }, got, err, sizeof(err)),
			 MC_EINVAL);
	assert_non_null(strstr(err, "ok.safetensors: tensor 'ids' is I64, not F32"));
	assert_int_equal(st_read_f32(f, "w", 2, (const size_t[]){ 3, 2 }, got, err, sizeof(err)),
			 MC_EINVAL);
	assert_non_null(strstr(err, "ok.safetensors: tensor 'w' has shape [2, 3], not [3, 2]"));
	assert_int_equal(st_read_f32(f, "w", 1, (const size_t[]){ 6 }, got, err, sizeof(err)),
			 MC_EINVAL);
	assert_int_equal(st_read_f32(f, "nope", 1, (const size_t[]){ 6 }, got, err, sizeof(err)),
			 MC_ENOENT);
	assert_non_null(strstr(err, "ok.safetensors: no tensor 'nope'"));
	st_close(f);
	st_close(NULL);
}

/* Each case: header length (-1: the JSON's), JSON, data bytes; what the
 * error must say (after the path). */
static const struct bad {
	const char *name;
	long long hlen;
	const char *json;
	size_t n_data;
	const char *msg;
} bad[] = {
	{ "hlen-past-end", 1000, "{}", 0, "header length 1000 does not fit" },
	{ "hlen-zero", 0, "{}", 0, "header length 0 does not fit" },
	{ "hlen-huge", 1LL << 40, "{}", 0, "does not fit" },
	{ "cut-header", 40, "{\"w\": {\"dtype\": \"F32\"", 0, "header length 40 does not fit" },
	{ "bad-json", -1, "{\"w\": {\"dtype\": \"F32\",", 0, "header is not valid JSON" },
	{ "not-object", -1, "[1, 2]", 0, "header is not a JSON object" },
	{ "trailing", -1, "{} x", 0, "header has bytes after its JSON" },
	{ "entry-not-object", -1, "{\"w\": 3}", 0, "tensor 'w': not a JSON object" },
	{ "no-dtype", -1, "{\"w\": {\"shape\": [1], \"data_offsets\": [0, 4]}}", 4,
	  "tensor 'w': no \"dtype\" string" },
	{ "bad-dtype", -1, "{\"w\": {\"dtype\": \"F33\", \"shape\": [1], \"data_offsets\": [0, 4]}}",
	  4, "tensor 'w': unknown dtype" },
	{ "no-shape", -1, "{\"w\": {\"dtype\": \"F32\", \"data_offsets\": [0, 4]}}", 4,
	  "tensor 'w': no \"shape\" array" },
	{ "negative-dim", -1,
	  "{\"w\": {\"dtype\": \"F32\", \"shape\": [-1], \"data_offsets\": [0, 4]}}", 4,
	  "tensor 'w': a shape dimension is not an integer >= 0" },
	{ "fraction-dim", -1,
	  "{\"w\": {\"dtype\": \"F32\", \"shape\": [1.5], \"data_offsets\": [0, 4]}}", 4,
	  "tensor 'w': a shape dimension is not an integer >= 0" },
	{ "string-dim", -1,
	  "{\"w\": {\"dtype\": \"F32\", \"shape\": [\"1\"], \"data_offsets\": [0, 4]}}", 4,
	  "tensor 'w': a shape dimension is not an integer >= 0" },
	{ "overflow", -1,
	  "{\"w\": {\"dtype\": \"F32\", \"shape\": [4294967296, 4294967296, 4294967296], "
	  "\"data_offsets\": [0, 4]}}", 4, "tensor 'w': the shape's element count overflows" },
	{ "byte-overflow", -1,
	  "{\"w\": {\"dtype\": \"F64\", \"shape\": [2147483648, 4294967296], "
	  "\"data_offsets\": [0, 4]}}", 4, "tensor 'w': the shape's byte count overflows" },
	{ "offsets-short", -1, "{\"w\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0]}}",
	  4, "tensor 'w': \"data_offsets\" is not [begin, end]" },
	{ "offsets-negative", -1,
	  "{\"w\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [-4, 0]}}", 4,
	  "tensor 'w': \"data_offsets\" is not [begin, end]" },
	{ "begin-after-end", -1,
	  "{\"w\": {\"dtype\": \"F32\", \"shape\": [0], \"data_offsets\": [4, 0]}}", 4,
	  "tensor 'w': data_offsets begin after they end" },
	{ "past-end", -1, "{\"w\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [0, 16]}}",
	  8, "tensor 'w': data_offsets end at byte 16, past the 8 bytes of data" },
	{ "wrong-size", -1,
	  "{\"w\": {\"dtype\": \"F32\", \"shape\": [3], \"data_offsets\": [0, 8]}}", 8,
	  "tensor 'w': 8 bytes of data for 3 elements of F32 (12 bytes)" },
	{ "wrong-dtype-size", -1,
	  "{\"w\": {\"dtype\": \"F16\", \"shape\": [4], \"data_offsets\": [0, 16]}}", 16,
	  "tensor 'w': 16 bytes of data for 4 elements of F16 (8 bytes)" },
	{ "overlap", -1,
	  "{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]},"
	  " \"b\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [4, 12]}}", 12,
	  "tensors 'a' and 'b' overlap" },
	{ "overlap-inside", -1,
	  "{\"a\": {\"dtype\": \"U8\", \"shape\": [16], \"data_offsets\": [0, 16]},"
	  " \"c\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [20, 24]},"
	  " \"b\": {\"dtype\": \"I32\", \"shape\": [1], \"data_offsets\": [8, 12]}}", 24,
	  "tensors 'a' and 'b' overlap" },
	{ "same-name", -1,
	  "{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]},"
	  " \"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [4, 8]}}", 8,
	  "tensor 'a' appears twice" },
	{ "control-name", -1,
	  "{\"a\\nb\": {\"dtype\": \"X\", \"shape\": [1], \"data_offsets\": [0, 4]}}", 4,
	  "tensor 'a?b': unknown dtype" },
};

static void test_corrupt(void **state)
{
	static const unsigned char zeros[64];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct st_file *f = (void *)1;
		char err[MC_ERRLEN] = "", name[64];
		const char *path;

		snprintf(name, sizeof(name), "%s.safetensors", bad[i].name);
		path = write_file(name, bad[i].hlen, bad[i].json, zeros, bad[i].n_data);
		if (st_open(path, &f, err, sizeof(err)) != MC_EINVAL)
			fail_msg("%s: accepted, or not as MC_EINVAL (%s)", bad[i].name, err);
		assert_null(f);
		if (strncmp(err, path, strlen(path)) != 0 || !strstr(err, bad[i].msg) ||
		    strchr(err, '\n'))
			fail_msg("%s: '%s' is not one line naming the file with '%s'", bad[i].name,
				 err, bad[i].msg);
	}
}

static void test_short_and_missing(void **state)
{
	struct st_file *f = (void *)1;
	char err[MC_ERRLEN] = "", path[128];
	FILE *fp;

	(void)state;
	snprintf(path, sizeof(path), "%s/short.safetensors", scratch);
	fp = fopen(path, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite("\x02\0\0", 1, 3, fp), 3);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(st_open(path, &f, err, sizeof(err)), MC_EINVAL);
	assert_null(f);
	assert_non_null(strstr(err, "short.safetensors: 3 bytes, too short"));
	assert_int_equal(st_open("/nonexistent/m.safetensors", &f, err, sizeof(err)), MC_EIO);
	assert_non_null(strstr(err, "/nonexistent/m.safetensors: cannot open"));
}

/* A file cut after st_open: st_read_f32 says the file ends early. */
static void test_truncated_later(void **state)
{
	unsigned char data[44] = { 0 };
	struct st_file *f = NULL;
	char err[MC_ERRLEN] = "";
	float got[6];
	const char *path;

	(void)state;
	path = write_file("cut.safetensors", -1, valid_json, data, sizeof(data));
	assert_int_equal(st_open(path, &f, err, sizeof(err)), 0);
	assert_int_equal(truncate(path, 8 + (off_t)strlen(valid_json) + 10), 0);
	assert_int_equal(st_read_f32(f, "w", 2, (const size_t[]){ 2, 3 }, got, err, sizeof(err)),
			 MC_EIO);
	assert_non_null(strstr(err, "cut.safetensors: tensor 'w': cannot read"));
	st_close(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_corrupt),
		cmocka_unit_test(test_short_and_missing),
		cmocka_unit_test(test_truncated_later),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
