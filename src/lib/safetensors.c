/*
 * safetensors.c - the .safetensors reader (see safetensors.h).
 *
 * st_open reads the header alone (a checkpoint's data is large and read
 * tensor by tensor later, with pread on the descriptor it keeps), parses it
 * with cJSON and validates every entry; overlap is found by sorting the
 * tensors by their first byte. Header numbers are JSON doubles: anything
 * not an integer in [0, 2^53] is refused rather than rounded.
 */
#include "safetensors.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"

#define ST_MAX_HEADER (100u << 20)   /* as HF's safetensors limits it */
#define ST_MAX_EXACT 9007199254740992.0   /* 2^53: the doubles that are exact integers */

struct st_file {
	char *path;
	int fd;
	uint64_t data_start, data_size;   /* bytes: 8 + header length, the rest */
	struct st_tensor *t;
	size_t n;
	char *strings;   /* names and dtypes of t, NUL-separated */
	size_t *dims;    /* the dims of all of t end to end */
};

static const struct st_dtype {
	const char *name;
	size_t bytes;
} st_dtypes[] = {
	{ "BOOL", 1 }, { "U8", 1 }, { "I8", 1 }, { "F8_E5M2", 1 }, { "F8_E4M3", 1 },
	{ "I16", 2 }, { "U16", 2 }, { "F16", 2 }, { "BF16", 2 },
	{ "I32", 4 }, { "U32", 4 }, { "F32", 4 },
	{ "I64", 8 }, { "U64", 8 }, { "F64", 8 },
};

/* name as an error message may show it: at most 64 bytes, control bytes
 * as '?', so that a hostile header cannot break the one-line sentence. */
static const char *st_shown(const char *name, char *buf, size_t n_buf)
{
	size_t i = 0;

	for (; name[i] && i + 4 < n_buf && i < 64; i++)
		buf[i] = (unsigned char)name[i] < 0x20 || name[i] == 0x7F ? '?' : name[i];
	if (name[i])
		memcpy(buf + i, "...", 4);
	else
		buf[i] = '\0';
	return buf;
}

/* A JSON number that is an integer in [0, 2^53]: 0, else -1. */
static int st_uint(const cJSON *j, uint64_t *out)
{
	double d;

	if (!cJSON_IsNumber(j))
		return -1;
	d = j->valuedouble;
	if (!(d >= 0 && d <= ST_MAX_EXACT) || floor(d) != d)
		return -1;
	*out = (uint64_t)d;
	return 0;
}

void st_close(struct st_file *f)
{
	if (!f)
		return;
	if (f->fd >= 0)
		close(f->fd);
	free(f->path);
	free(f->t);
	free(f->strings);
	free(f->dims);
	free(f);
}

size_t st_count(const struct st_file *f)
{
	return f->n;
}

const struct st_tensor *st_tensor_at(const struct st_file *f, size_t i)
{
	return i < f->n ? &f->t[i] : NULL;
}

const struct st_tensor *st_find(const struct st_file *f, const char *name)
{
	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->t[i].name, name) == 0)
			return &f->t[i];
	return NULL;
}

/* Reads exactly n bytes at off; 0, or -1 with errno (0 for end of file). */
static int st_pread(int fd, void *buf, size_t n, uint64_t off)
{
	char *p = buf;

	while (n > 0) {
		ssize_t got = pread(fd, p, n, (off_t)off);

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			if (got == 0)
				errno = 0;
			return -1;
		}
		p += got;
		n -= (size_t)got;
		off += (uint64_t)got;
	}
	return 0;
}

/* Reads the length and the header text of an open file into *out_json
 * (malloc'd, NUL-terminated, *out_len bytes). */
static int st_read_header(struct st_file *f, char **out_json, size_t *out_len, char *err,
			  size_t n_err)
{
	unsigned char le[8];
	struct stat sb;
	uint64_t n = 0;
	char *json;

	*out_json = NULL;
	if (fstat(f->fd, &sb) != 0)
		return err_set(err, n_err, MC_EIO, "%s: cannot stat: %s", f->path, strerror(errno));
	if (sb.st_size < 8)
		return err_set(err, n_err, MC_EINVAL,
			       "%s: %lld bytes, too short for a safetensors header length",
			       f->path, (long long)sb.st_size);
	if (st_pread(f->fd, le, 8, 0))
		return err_set(err, n_err, MC_EIO, "%s: cannot read: %s", f->path,
			       errno ? strerror(errno) : "end of file");
	for (int i = 7; i >= 0; i--)
		n = n << 8 | le[i];
	if (n == 0 || n > (uint64_t)sb.st_size - 8)
		return err_set(err, n_err, MC_EINVAL,
			       "%s: header length %llu does not fit in the file's %lld bytes "
			       "(truncated, or not a safetensors file)",
			       f->path, (unsigned long long)n, (long long)sb.st_size);
	if (n > ST_MAX_HEADER)
		return err_set(err, n_err, MC_EINVAL, "%s: header length %llu exceeds %u bytes",
			       f->path, (unsigned long long)n, ST_MAX_HEADER);
	if (!(json = malloc((size_t)n + 1)))
		return err_set(err, n_err, MC_ENOMEM, "%s: out of memory for the header",
			       f->path);
	if (st_pread(f->fd, json, (size_t)n, 8)) {
		free(json);
		return err_set(err, n_err, MC_EIO, "%s: cannot read the header: %s", f->path,
			       errno ? strerror(errno) : "end of file");
	}
	json[n] = '\0';
	f->data_start = 8 + n;
	f->data_size = (uint64_t)sb.st_size - 8 - n;
	*out_json = json;
	*out_len = (size_t)n;
	return 0;
}

/* Checks one header entry j (named name) into f->t[k], its dims at *dims
 * (advanced), its strings at *str (advanced). */
static int st_entry(struct st_file *f, const cJSON *j, size_t k, size_t **dims, char **str,
		    char *err, size_t n_err)
{
	const cJSON *dt = cJSON_GetObjectItemCaseSensitive(j, "dtype");
	const cJSON *shape = cJSON_GetObjectItemCaseSensitive(j, "shape");
	const cJSON *offs = cJSON_GetObjectItemCaseSensitive(j, "data_offsets");
	struct st_tensor *t = &f->t[k];
	const struct st_dtype *d = NULL;
	char shown[80];
	uint64_t numel = 1, bytes;
	const cJSON *e;
	size_t l;

#define ST_BAD(...) err_set(err, n_err, MC_EINVAL, "%s: tensor '%s': %s", f->path, \
			    st_shown(j->string, shown, sizeof(shown)), __VA_ARGS__)
	if (!cJSON_IsObject(j))
		return ST_BAD("not a JSON object");
	if (!cJSON_IsString(dt))
		return ST_BAD("no \"dtype\" string");
	for (size_t i = 0; i < sizeof(st_dtypes) / sizeof(st_dtypes[0]); i++)
		if (strcmp(dt->valuestring, st_dtypes[i].name) == 0)
			d = &st_dtypes[i];
	if (!d)
		return ST_BAD("unknown dtype");
	if (!cJSON_IsArray(shape))
		return ST_BAD("no \"shape\" array");
	t->dims = *dims;
	t->n_dims = 0;
	cJSON_ArrayForEach(e, shape) {
		uint64_t v;

		if (st_uint(e, &v))
			return ST_BAD("a shape dimension is not an integer >= 0");
		if (v > SIZE_MAX)
			return ST_BAD("a shape dimension is too large");
		if (v && numel > UINT64_MAX / v)
			return ST_BAD("the shape's element count overflows");
		numel *= v;
		(*dims)[t->n_dims++] = (size_t)v;
	}
	*dims += t->n_dims;
	if (!cJSON_IsArray(offs) || cJSON_GetArraySize(offs) != 2 ||
	    st_uint(cJSON_GetArrayItem(offs, 0), &t->begin) ||
	    st_uint(cJSON_GetArrayItem(offs, 1), &t->end))
		return ST_BAD("\"data_offsets\" is not [begin, end] of integers >= 0");
	if (t->begin > t->end)
		return ST_BAD("data_offsets begin after they end");
	if (t->end > f->data_size)
		return err_set(err, n_err, MC_EINVAL,
			       "%s: tensor '%s': data_offsets end at byte %llu, past the "
			       "%llu bytes of data (truncated file?)", f->path,
			       st_shown(j->string, shown, sizeof(shown)),
			       (unsigned long long)t->end, (unsigned long long)f->data_size);
	if (numel > UINT64_MAX / d->bytes)
		return ST_BAD("the shape's byte count overflows");
	bytes = numel * d->bytes;
	if (t->end - t->begin != bytes)
		return err_set(err, n_err, MC_EINVAL,
			       "%s: tensor '%s': %llu bytes of data for %llu elements of %s "
			       "(%llu bytes)", f->path, st_shown(j->string, shown, sizeof(shown)),
			       (unsigned long long)(t->end - t->begin),
			       (unsigned long long)numel, d->name, (unsigned long long)bytes);
#undef ST_BAD
	t->dtype = d->name;
	t->dtype_bytes = d->bytes;
	l = strlen(j->string) + 1;
	memcpy(*str, j->string, l);
	t->name = *str;
	*str += l;
	return 0;
}

static int st_by_begin(const void *a, const void *b)
{
	const struct st_tensor *x = *(const struct st_tensor *const *)a;
	const struct st_tensor *y = *(const struct st_tensor *const *)b;

	return x->begin < y->begin ? -1 : x->begin > y->begin;
}

/* No byte of the data belongs to two tensors; no name is used twice. */
static int st_check_overlap(struct st_file *f, char *err, size_t n_err)
{
	const struct st_tensor **s = malloc((f->n ? f->n : 1) * sizeof(*s));
	const struct st_tensor *prev = NULL;
	char a[80], b[80];
	size_t m = 0;
	int rc = 0;

	if (!s)
		return err_set(err, n_err, MC_ENOMEM, "%s: out of memory", f->path);
	for (size_t i = 0; i < f->n; i++)
		if (f->t[i].end > f->t[i].begin)   /* an empty tensor holds no byte */
			s[m++] = &f->t[i];
	qsort(s, m, sizeof(*s), st_by_begin);
	for (size_t i = 0; i < m; i++) {
		if (prev && s[i]->begin < prev->end) {
			rc = err_set(err, n_err, MC_EINVAL,
				     "%s: tensors '%s' and '%s' overlap (bytes %llu to %llu, "
				     "from %llu)", f->path, st_shown(prev->name, a, sizeof(a)),
				     st_shown(s[i]->name, b, sizeof(b)),
				     (unsigned long long)prev->begin,
				     (unsigned long long)prev->end,
				     (unsigned long long)s[i]->begin);
			goto out;
		}
		prev = s[i];
	}
	/* cJSON keeps repeated keys: the first would hide the others */
	for (size_t i = 0; i < f->n && !rc; i++)
		for (size_t k = i + 1; k < f->n && !rc; k++)
			if (strcmp(f->t[i].name, f->t[k].name) == 0)
				rc = err_set(err, n_err, MC_EINVAL, "%s: tensor '%s' appears twice",
					     f->path, st_shown(f->t[i].name, a, sizeof(a)));
out:
	free(s);
	return rc;
}

/* Parses and checks the header text into f. */
static int st_parse(struct st_file *f, const char *json, size_t len, char *err, size_t n_err)
{
	const char *end = NULL;
	cJSON *root = cJSON_ParseWithLengthOpts(json, len, &end, 0);
	size_t n_dims = 0, n_str = 0, k = 0;
	size_t *dims;
	char *str;
	const cJSON *j;
	int rc = 0;

	if (!root) {
		rc = err_set(err, n_err, MC_EINVAL, "%s: header is not valid JSON (near byte %zu)",
			     f->path, (size_t)(8 + (end ? (size_t)(end - json) : 0)));
		goto out;
	}
	/* the format allows the header to be padded with spaces */
	for (; end && (size_t)(end - json) < len; end++)
		if (*end != ' ' && *end != '\t' && *end != '\n' && *end != '\r') {
			rc = err_set(err, n_err, MC_EINVAL,
				     "%s: header has bytes after its JSON (at byte %zu)", f->path,
				     (size_t)(8 + (size_t)(end - json)));
			goto out;
		}
	if (!cJSON_IsObject(root)) {
		rc = err_set(err, n_err, MC_EINVAL, "%s: header is not a JSON object", f->path);
		goto out;
	}
	cJSON_ArrayForEach(j, root) {
		const cJSON *shape = cJSON_GetObjectItemCaseSensitive(j, "shape");

		if (strcmp(j->string, "__metadata__") == 0)
			continue;
		f->n++;
		n_dims += cJSON_IsArray(shape) ? (size_t)cJSON_GetArraySize(shape) : 0;
		n_str += strlen(j->string) + 1;
	}
	f->t = calloc(f->n ? f->n : 1, sizeof(*f->t));
	f->dims = malloc((n_dims ? n_dims : 1) * sizeof(*f->dims));
	f->strings = malloc(n_str ? n_str : 1);
	if (!f->t || !f->dims || !f->strings) {
		rc = err_set(err, n_err, MC_ENOMEM, "%s: out of memory for %zu tensors", f->path,
			     f->n);
		goto out;
	}
	dims = f->dims;
	str = f->strings;
	cJSON_ArrayForEach(j, root) {
		if (strcmp(j->string, "__metadata__") == 0)
			continue;
		if ((rc = st_entry(f, j, k++, &dims, &str, err, n_err)))
			goto out;
	}
	rc = st_check_overlap(f, err, n_err);
out:
	cJSON_Delete(root);
	return rc;
}

int st_open(const char *path, struct st_file **out, char *err, size_t n_err)
{
	struct st_file *f = calloc(1, sizeof(*f));
	char *json = NULL;
	size_t len = 0;
	int rc;

	*out = NULL;
	if (!f || !(f->path = strdup(path))) {
		free(f);
		return err_set(err, n_err, MC_ENOMEM, "%s: out of memory", path);
	}
	if ((f->fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		rc = err_set(err, n_err, MC_EIO, "%s: cannot open: %s", path, strerror(errno));
		goto out;
	}
	if ((rc = st_read_header(f, &json, &len, err, n_err)))
		goto out;
	if ((rc = st_parse(f, json, len, err, n_err)))
		goto out;
	*out = f;
	f = NULL;
out:
	free(json);
	st_close(f);
	return rc;
}

/* "[a, b, c]" of n dims into buf. */
static const char *st_shape_str(const size_t *dims, size_t n, char *buf, size_t n_buf)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i <= n && used < n_buf; i++) {
		int w = i < n ? snprintf(buf + used, n_buf - used, "%s%zu", i ? ", " : "[", dims[i])
			      : snprintf(buf + used, n_buf - used, "%s]", n ? "" : "[");
		if (w < 0)
			break;
		used += (size_t)w;
	}
	return buf;
}

int st_read_f32(struct st_file *f, const char *name, size_t n_dims, const size_t *dims,
		float *dst, char *err, size_t n_err)
{
	const struct st_tensor *t = st_find(f, name);
	char shown[80], want[128], have[128];
	int same;

	if (!t)
		return err_set(err, n_err, MC_ENOENT, "%s: no tensor '%s'", f->path,
			       st_shown(name, shown, sizeof(shown)));
	if (strcmp(t->dtype, "F32") != 0)
		return err_set(err, n_err, MC_EINVAL, "%s: tensor '%s' is %s, not F32", f->path,
			       st_shown(name, shown, sizeof(shown)), t->dtype);
	same = t->n_dims == n_dims;
	for (size_t i = 0; same && i < n_dims; i++)
		same = t->dims[i] == dims[i];
	if (!same)
		return err_set(err, n_err, MC_EINVAL, "%s: tensor '%s' has shape %s, not %s",
			       f->path, st_shown(name, shown, sizeof(shown)),
			       st_shape_str(t->dims, t->n_dims, have, sizeof(have)),
			       st_shape_str(dims, n_dims, want, sizeof(want)));
	if (t->end - t->begin > SIZE_MAX)
		return err_set(err, n_err, MC_EINVAL, "%s: tensor '%s' is too large", f->path,
			       st_shown(name, shown, sizeof(shown)));
	if (st_pread(f->fd, dst, (size_t)(t->end - t->begin), f->data_start + t->begin))
		return err_set(err, n_err, MC_EIO, "%s: tensor '%s': cannot read: %s", f->path,
			       st_shown(name, shown, sizeof(shown)),
			       errno ? strerror(errno) : "the file ends early");
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	for (size_t i = 0; i < (t->end - t->begin) / 4; i++) {
		uint32_t u;

		memcpy(&u, dst + i, 4);
		u = __builtin_bswap32(u);
		memcpy(dst + i, &u, 4);
	}
#endif
	return 0;
}
