/*
 * import.c - other tools' result files into the store (see import.h): the
 * format table and its detection, the doc's memory, the checks every doc
 * passes whatever its format (names, samples, the tool's statistics
 * against its own samples), the file's hash (nettle's SHA-256), and the
 * hand-over to store_import_foreign().
 */
#include "import.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <nettle/sha2.h>

#include "err.h"
#include "jpath.h"
#include "jwalk.h"
#include "stats.h"
#include "store_import.h"

/* A file larger than this is refused before it is read whole. */
#define IMPORT_MAX_BYTES (256u << 20)

typedef int (*import_parse_fn)(const char *, const char *, size_t, struct import_doc *,
			       char *, size_t);

/* One row per format: a new format is a new parser and a row. */
static const struct import_format {
	const char *name;
	import_parse_fn parse;
	int (*detect)(const cJSON *root);    /* NULL: not a JSON file */
} formats[] = {
	{ "gbench", import_gbench_parse, import_gbench_detect },
	{ "criterion", import_criterion_parse, NULL },
	{ "hyperfine", import_hyperfine_parse, import_hyperfine_detect },
	{ "pytest-benchmark", import_pytest_parse, import_pytest_detect },
	{ "nvbench", import_nvbench_parse, import_nvbench_detect },
};
#define N_FORMATS (sizeof(formats) / sizeof(formats[0]))

int import_format_known(const char *name)
{
	for (size_t i = 0; i < N_FORMATS; i++)
		if (!strcmp(formats[i].name, name))
			return 1;
	return 0;
}

/* ------------------------------------------------------------ memory */

static void *own(struct import_doc *doc, void *p)
{
	if (!p) {
		doc->oom = 1;
		return NULL;
	}
	if (doc->n_owned == doc->cap_owned) {
		size_t cap = doc->cap_owned ? 2 * doc->cap_owned : 64;
		void **o = realloc(doc->owned, cap * sizeof(*o));

		if (!o) {
			free(p);
			doc->oom = 1;
			return NULL;
		}
		doc->owned = o;
		doc->cap_owned = cap;
	}
	doc->owned[doc->n_owned++] = p;
	return p;
}

const char *import_strdup(struct import_doc *doc, const char *s)
{
	return s ? own(doc, strdup(s)) : NULL;
}

const char *import_printf(struct import_doc *doc, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	return own(doc, n < 0 ? NULL : s);
}

const char *import_json_text(struct import_doc *doc, const cJSON *item)
{
	char *text;

	if (!item)
		return NULL;
	text = cJSON_PrintUnformatted(item);
	if (!text) {
		doc->oom = 1;
		return NULL;
	}
	/* cJSON's allocator is malloc here (no hooks are installed). */
	return own(doc, text);
}

void *import_alloc(struct import_doc *doc, size_t n)
{
	return own(doc, calloc(1, n ? n : 1));
}

struct import_result *import_add_result(struct import_doc *doc)
{
	struct import_result *r;

	if (doc->n_results == doc->cap_results) {
		size_t cap = doc->cap_results ? 2 * doc->cap_results : 16;
		struct import_result *a = realloc(doc->results, cap * sizeof(*a));

		if (!a) {
			doc->oom = 1;
			return NULL;
		}
		doc->results = a;
		doc->cap_results = cap;
	}
	r = &doc->results[doc->n_results++];
	memset(r, 0, sizeof(*r));
	r->params = "{}";
	r->variant = "";
	r->clock = "wall";
	r->status = "ok";
	r->iters_per_sample = -1;
	r->n_reported = -1;
	r->mean = r->median = r->stddev = r->min = r->max = NAN;
	return r;
}

struct import_device *import_add_device(struct import_doc *doc, const char *backend,
					const char *kind, const char *name)
{
	struct import_device *d;

	for (size_t i = 0; i < doc->n_devices; i++)
		if (!strcmp(doc->devices[i].backend, backend))
			return &doc->devices[i];
	if (doc->n_devices == doc->cap_devices) {
		size_t cap = doc->cap_devices ? 2 * doc->cap_devices : 4;
		struct import_device *a = realloc(doc->devices, cap * sizeof(*a));

		if (!a) {
			doc->oom = 1;
			return NULL;
		}
		doc->devices = a;
		doc->cap_devices = cap;
	}
	d = &doc->devices[doc->n_devices];
	memset(d, 0, sizeof(*d));
	d->backend = import_strdup(doc, backend);
	d->kind = import_strdup(doc, kind);
	d->name = import_strdup(doc, name);
	if (doc->oom)
		return NULL;
	doc->n_devices++;
	return d;
}

void import_doc_free(struct import_doc *doc)
{
	if (!doc)
		return;
	for (size_t i = 0; i < doc->n_owned; i++)
		free(doc->owned[i]);
	free(doc->owned);
	free(doc->results);
	free(doc->devices);
	memset(doc, 0, sizeof(*doc));
}

/* Digits d of s, or -1. */
static int digits(const char *s, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

const char *import_utc(struct import_doc *doc, const char *s)
{
	struct tm tm = { 0 }, back;
	const char *p;
	long off = 0;
	time_t t;
	char out[32];

	if (!s || strlen(s) < 19 || s[4] != '-' || s[7] != '-' || s[10] != 'T' ||
	    s[13] != ':' || s[16] != ':')
		return NULL;
	tm.tm_year = digits(s, 4) - 1900;
	tm.tm_mon = digits(s + 5, 2) - 1;
	tm.tm_mday = digits(s + 8, 2);
	tm.tm_hour = digits(s + 11, 2);
	tm.tm_min = digits(s + 14, 2);
	tm.tm_sec = digits(s + 17, 2);
	if (tm.tm_year < 0 || tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 ||
	    tm.tm_hour < 0 || tm.tm_hour > 23 || tm.tm_min < 0 || tm.tm_min > 59 ||
	    tm.tm_sec < 0 || tm.tm_sec > 60)
		return NULL;
	p = s + 19;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	if (*p == 'Z' && !p[1]) {
		off = 0;
	} else if ((*p == '+' || *p == '-') && strlen(p) == 6 && p[3] == ':' &&
		   digits(p + 1, 2) >= 0 && digits(p + 4, 2) >= 0) {
		off = (digits(p + 1, 2) * 60L + digits(p + 4, 2)) * 60L;
		if (*p == '-')
			off = -off;
	} else {
		return NULL;
	}
	back = tm;
	t = timegm(&back);
	if (t == (time_t)-1 || back.tm_mday != tm.tm_mday)
		return NULL;
	t -= off;
	if (!gmtime_r(&t, &back))
		return NULL;
	strftime(out, sizeof(out), "%Y-%m-%dT%H:%M:%SZ", &back);
	return import_strdup(doc, out);
}

/* ------------------------------------------------------------ checks */

/* Whether the tool's figure agrees with the one recomputed from its own
 * samples: within a relative 1e-6, as the tools print 6 to 17 digits. */
static int agrees(double tool, double mine)
{
	if (isnan(tool))
		return 1;
	return fabs(tool - mine) <= 1e-6 * fmax(fabs(tool), fabs(mine)) + 1e-9;
}

/* Every result of doc: names present and unique, samples positive and
 * finite, and the tool's statistics those of its samples (a file whose
 * mean was edited, or whose samples were, is refused). */
static int check_doc(const struct import_doc *doc, char *err, size_t n_err)
{
	for (size_t i = 0; i < doc->n_results; i++) {
		const struct import_result *r = &doc->results[i];
		struct stats_summary s;
		char name[128];
		const char *bad = NULL;
		double tool = NAN, mine = NAN;
		size_t j;

		jpath_printable(r->benchmark ? r->benchmark : "", name, sizeof(name));
		for (j = 0; j < doc->n_devices; j++)
			if (!strcmp(doc->devices[j].backend, r->backend))
				break;
		if (j == doc->n_devices)
			return err_set(err, n_err, MC_EINVAL, "%s: result \"%s\": no device "
				       "\"%s\" (a parser bug)", doc->source, name,
				       r->backend);
		for (j = 0; j < i; j++) {
			const struct import_result *o = &doc->results[j];

			if (!strcmp(o->suite, r->suite) && !strcmp(o->benchmark, r->benchmark) &&
			    !strcmp(o->backend, r->backend) && !strcmp(o->variant, r->variant) &&
			    !strcmp(o->clock, r->clock))
				return err_set(err, n_err, MC_EINVAL, "%s: benchmark \"%s\" "
					       "(%s) appears twice", doc->source, name,
					       r->suite);
		}
		for (j = 0; j < r->n_samples; j++)
			if (!isfinite(r->samples_ns[j]) || !(r->samples_ns[j] > 0))
				return err_set(err, n_err, MC_EINVAL, "%s: benchmark \"%s\": "
					       "sample %zu is not a positive time", doc->source,
					       name, j);
		if (!r->n_samples)
			continue;
		if (stats_summarize(r->samples_ns, r->n_samples, &s))
			return err_set(err, n_err, MC_ENOMEM, "%s: out of memory", doc->source);
		if (!agrees(r->mean, s.mean))
			bad = "mean", tool = r->mean, mine = s.mean;
		else if (!agrees(r->median, s.median))
			bad = "median", tool = r->median, mine = s.median;
		else if (r->n_samples > 1 && !agrees(r->stddev, s.stddev))
			bad = "stddev", tool = r->stddev, mine = s.stddev;
		else if (!agrees(r->min, s.min))
			bad = "min", tool = r->min, mine = s.min;
		else if (!agrees(r->max, s.max))
			bad = "max", tool = r->max, mine = s.max;
		if (bad)
			return err_set(err, n_err, MC_EINVAL, "%s: benchmark \"%s\": its %s "
				       "(%.9g ns) is not that of its samples (%.9g ns): the "
				       "file was edited or is not the tool's", doc->source,
				       name, bad, tool, mine);
	}
	return 0;
}

/* ------------------------------------------------------------ the file */

void import_sha256_hex(const void *buf, size_t len, char out[65])
{
	struct sha256_ctx ctx;
	uint8_t d[SHA256_DIGEST_SIZE];

	sha256_init(&ctx);
	sha256_update(&ctx, len, (const uint8_t *)buf);
	sha256_digest(&ctx, sizeof(d), d);
	for (size_t i = 0; i < sizeof(d); i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

/* The machine's key: a hash of what the file says of it, so that two files
 * from one host (by the tool's account) share a machine row, and a file
 * that names none shares the one "unknown" machine of its format. */
static void fingerprint(struct import_doc *doc)
{
	char text[1024], hex[65];
	int n = snprintf(text, sizeof(text), "%s\n%s\n%s\n%lld", doc->format,
			 doc->hostname ? doc->hostname : "", doc->cpu_model ? doc->cpu_model : "",
			 (long long)doc->cores);

	import_sha256_hex(text, n < 0 ? 0 : (size_t)n < sizeof(text) ? (size_t)n : sizeof(text) - 1,
		   hex);
	snprintf(doc->machine_fingerprint, sizeof(doc->machine_fingerprint), "import:%.24s",
		 hex);
}

/* What the content says its format is: the one format whose detector
 * accepts it. */
static int detect(const char *path, const char *buf, size_t len, const char **out,
		  char *err, size_t n_err)
{
	cJSON *root = NULL;
	const cJSON *f;
	const char *hit = NULL;
	int rc = jwalk_parse_tolerant(path, buf, len, &root, err, n_err);

	*out = NULL;
	if (rc) {
		/* Not JSON: a criterion raw.csv, or a broken file. */
		if (!strncmp(buf, "group,function,value,", 21)) {
			*out = "criterion";
			return 0;
		}
		return rc;
	}
	f = cJSON_GetObjectItemCaseSensitive(root, "format");
	if (cJSON_IsString(f) && f->valuestring &&
	    (!strcmp(f->valuestring, "mcbench-run") ||
	     !strcmp(f->valuestring, "mcbench-export"))) {
		cJSON_Delete(root);
		*out = "mcbench";
		return 0;
	}
	for (size_t i = 0; i < N_FORMATS; i++) {
		if (!formats[i].detect || !formats[i].detect(root))
			continue;
		if (hit) {
			cJSON_Delete(root);
			return err_set(err, n_err, MC_EINVAL, "%s: could be %s or %s: give "
				       "--format", path, hit, formats[i].name);
		}
		hit = formats[i].name;
	}
	cJSON_Delete(root);
	if (!hit)
		return err_set(err, n_err, MC_EINVAL, "%s: not a format mcbench imports "
			       "(an mcbench export, gbench, criterion, hyperfine, "
			       "pytest-benchmark or nvbench JSON): give --format", path);
	*out = hit;
	return 0;
}

static int started_at(struct import_doc *doc, const char *path,
		      const struct import_opts *opts, char *err, size_t n_err)
{
	struct stat sb;
	struct tm tm;
	char t[32];

	if (doc->started_at)
		return 0;
	if (opts && opts->started_at) {
		doc->started_at = import_utc(doc, opts->started_at);
		if (!doc->started_at)
			return err_set(err, n_err, MC_EINVAL, "--started-at '%s': expected "
				       "an ISO 8601 time (YYYY-MM-DDTHH:MM:SSZ)",
				       opts->started_at);
		doc->notes = import_printf(doc, "%s%s%s records no time: started_at is "
					   "the one given to mcbench import (--started-at)",
					   doc->notes ? doc->notes : "", doc->notes ? "\n" : "",
					   doc->format);
		return 0;
	}
	/* The tool recorded no time: the file's, said so in the run's notes. */
	if (stat(path, &sb) || !gmtime_r(&sb.st_mtime, &tm))
		return err_set(err, n_err, MC_EIO, "%s: cannot stat", path);
	strftime(t, sizeof(t), "%Y-%m-%dT%H:%M:%SZ", &tm);
	doc->started_at = import_strdup(doc, t);
	doc->notes = import_printf(doc, "%s%s%s records no time: started_at is the "
				   "file's modification time", doc->notes ? doc->notes : "",
				   doc->notes ? "\n" : "", doc->format);
	return 0;
}

int import_path(struct store *st, const char *path, const struct import_opts *opts,
		int *out_imported, int *out_skipped, const char **out_format,
		char *err, size_t n_err)
{
	struct import_doc doc;
	const char *fmt = opts ? opts->format : NULL;
	const struct import_format *f = NULL;
	char *buf = NULL;
	size_t len = 0;
	struct stat sb;
	int rc = 0, imported = 0, skipped = 0;

	memset(&doc, 0, sizeof(doc));
	doc.source = path;
	doc.git_dirty = -1;
	doc.cores = doc.threads = doc.mem_bytes = -1;
	if (out_format)
		*out_format = NULL;
	if (!stat(path, &sb) && S_ISDIR(sb.st_mode)) {
		/* Only criterion writes a tree. */
		if (fmt && strcmp(fmt, "criterion"))
			return err_set(err, n_err, MC_EINVAL, "%s: a directory, but %s "
				       "writes files", path, fmt);
		doc.format = "criterion";
		rc = import_criterion_tree(path, &doc, err, n_err);
		fmt = "criterion";
		goto parsed;
	}
	if ((rc = jpath_read_file(path, IMPORT_MAX_BYTES, &buf, &len, err, n_err)))
		goto out;
	if (!fmt && (rc = detect(path, buf, len, &fmt, err, n_err)))
		goto out;
	if (!strcmp(fmt, "mcbench")) {
		free(buf);
		if (out_format)
			*out_format = "mcbench";
		return store_import_file(st, path, out_imported, out_skipped, err, n_err);
	}
	for (size_t i = 0; i < N_FORMATS && !f; i++)
		if (!strcmp(formats[i].name, fmt))
			f = &formats[i];
	if (!f) {
		rc = err_set(err, n_err, MC_EINVAL, "unknown format '%s' (gbench, "
			     "criterion, hyperfine, pytest-benchmark, nvbench)", fmt);
		goto out;
	}
	fmt = f->name;
	doc.format = f->name;
	import_sha256_hex(buf, len, doc.sha256);
	rc = f->parse(path, buf, len, &doc, err, n_err);
parsed:
	if (!rc && doc.oom)
		rc = err_set(err, n_err, MC_ENOMEM, "%s: out of memory", path);
	if (!rc && !doc.n_results)
		rc = err_set(err, n_err, MC_EINVAL, "%s: no results in it", path);
	if (!rc)
		rc = check_doc(&doc, err, n_err);
	if (!rc)
		rc = started_at(&doc, path, opts, err, n_err);
	if (!rc && doc.oom)
		rc = err_set(err, n_err, MC_ENOMEM, "%s: out of memory", path);
	if (!rc) {
		fingerprint(&doc);
		rc = store_import_foreign(st, &doc, &imported, &skipped, err, n_err);
	}
	if (!rc && out_format)
		*out_format = fmt;
out:
	if (out_imported)
		*out_imported = rc ? 0 : imported;
	if (out_skipped)
		*out_skipped = rc ? 0 : skipped;
	import_doc_free(&doc);
	free(buf);
	return rc;
}

const char *import_sorted_json(struct import_doc *doc, const cJSON *obj)
{
	cJSON *copy;
	const char *text;

	if (!cJSON_IsObject(obj))
		return "{}";
	if (!(copy = cJSON_Duplicate(obj, 1))) {
		doc->oom = 1;
		return NULL;
	}
	/* Insertion sort of the members by key: objects here are small. */
	{
		cJSON *sorted = NULL, *next;

		for (cJSON *c = copy->child; c; c = next) {
			cJSON **at = &sorted;

			next = c->next;
			while (*at && strcmp((*at)->string, c->string) <= 0)
				at = &(*at)->next;
			c->next = *at;
			*at = c;
		}
		/* Re-link prev pointers as cJSON keeps them (child->prev is
		 * the last). */
		copy->child = sorted;
		for (cJSON *c = sorted, *prev = NULL; c; prev = c, c = c->next)
			c->prev = prev ? prev : NULL;
		if (sorted) {
			cJSON *last = sorted;

			while (last->next)
				last = last->next;
			sorted->prev = last;
		}
	}
	text = import_json_text(doc, copy);
	cJSON_Delete(copy);
	return text;
}
