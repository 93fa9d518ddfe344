/*
 * import.h - other tools' result files as mcbench runs: Google Benchmark
 * (--benchmark_out JSON), criterion (a target/criterion tree, raw.csv),
 * hyperfine (--export-json), pytest-benchmark (--benchmark-json) and nvbench
 * (JSON). Each format's parser (import_<format>.c) reads one file into a
 * struct import_doc, in the store's terms, inventing nothing: what the tool
 * does not record stays unknown (NULL, NaN, -1), and results without raw
 * samples are marked aggregate-only. import.c detects the format, reads the
 * file, hashes it and hands the doc to store_import_foreign() (the SQL).
 *
 * A doc owns every string and array it points to (import_doc_free).
 */
#ifndef MC_IMPORT_H
#define MC_IMPORT_H
#include <stddef.h>
#include <stdint.h>

struct store;

/* One result as the tool reported it. Times in ns per iteration. */
struct import_result {
	const char *suite;          /* the imported group: "gbench:NAME", ... */
	const char *benchmark;      /* the tool's name, unique in (suite, variant, clock) */
	const char *kernel;         /* the tool's family name of it */
	const char *params;         /* JSON object text (the tool's arguments; "{}") */
	const char *backend;        /* one of the doc's devices */
	const char *variant;        /* "" unless the tool gives several (e.g. "batch") */
	const char *clock;          /* "wall" or "device" */
	const char *status;         /* "ok", "failed" or "skipped" */
	const char *message;        /* NULL or why not ok */
	int64_t iters_per_sample;   /* -1: unknown or not one count */
	double bytes;               /* per iteration, as the tool counts them; 0 none */
	double *samples_ns;         /* raw samples, NULL when aggregate-only */
	size_t n_samples;
	/* The tool's own statistics (NaN: not given). With samples, each given
	 * one must match what the samples give (import.c checks). */
	double mean, median, stddev, min, max;
	int64_t n_reported;         /* samples the tool says it took; -1 unknown */
	const char *fields;         /* JSON object text: the tool's other fields, or NULL */
};

struct import_device {
	const char *backend, *kind, *name;
	const char *vendor;         /* NULL unknown */
	const char *info;           /* JSON object text or NULL */
};

struct import_doc {
	const char *format;         /* static: "gbench", "hyperfine", ... */
	const char *format_version; /* as the file states it; NULL: not stated */
	const char *source;         /* the path given */
	char sha256[65];            /* hex, of the file's bytes */
	char machine_fingerprint[40]; /* "import:" + hash of what the file says of it */
	const char *started_at;     /* UTC ISO 8601; NULL: the file records none */
	const char *hostname, *cpu_model, *os, *os_kernel; /* NULL unknown */
	int64_t cores, threads, mem_bytes;                 /* -1 unknown */
	const char *argv;           /* the tool's command line, NULL unknown */
	const char *git_commit;     /* NULL unknown */
	int git_dirty;              /* -1 unknown */
	const char *provenance;     /* JSON object text: the file's context */
	const char *notes;          /* NULL or lines on what is unknown */
	struct import_device *devices;
	size_t n_devices, cap_devices;
	struct import_result *results;
	size_t n_results, cap_results;
	/* The strings and arrays above, owned. */
	void **owned;
	size_t n_owned, cap_owned;
	int oom;
};

/* Whether name is a format mcbench imports: "gbench", "criterion",
 * "hyperfine", "pytest-benchmark", "nvbench". */
int import_format_known(const char *name);

/* Options of an import. */
struct import_opts {
	const char *format;         /* NULL: detect from the content */
	const char *started_at;     /* ISO 8601 for files that record no time (else
				     * the file's modification time is used) */
};

/* Imports the file or criterion tree at path into st. The format is
 * opts->format or, when NULL, detected from the content: an mcbench export
 * goes to store_import_file(); a file that no format, or more than one,
 * fits is refused naming the formats. Everything is validated before
 * anything is written (MC_EINVAL, one line naming path and the JSON path
 * or CSV line); the run is written in one transaction. The same file
 * imported again is skipped (*out_skipped 1). out_format (may be NULL)
 * gets the format used (static). Errors: MC_EINVAL, MC_EIO, MC_EDB,
 * MC_ENOMEM. */
int import_path(struct store *st, const char *path, const struct import_opts *opts,
		int *out_imported, int *out_skipped, const char **out_format,
		char *err, size_t n_err);

/* The parsers: text (len bytes, NUL-terminated) of the file src into doc
 * (zeroed by the caller, format set). Errors: MC_EINVAL naming src and the
 * place, MC_ENOMEM. Each also has a detector: 1 when a parsed document
 * looks like its format. */
struct cJSON;
int import_gbench_parse(const char *src, const char *text, size_t len,
			struct import_doc *doc, char *err, size_t n_err);
int import_gbench_detect(const struct cJSON *root);
int import_hyperfine_parse(const char *src, const char *text, size_t len,
			   struct import_doc *doc, char *err, size_t n_err);
int import_hyperfine_detect(const struct cJSON *root);
int import_pytest_parse(const char *src, const char *text, size_t len,
			struct import_doc *doc, char *err, size_t n_err);
int import_pytest_detect(const struct cJSON *root);
int import_nvbench_parse(const char *src, const char *text, size_t len,
			 struct import_doc *doc, char *err, size_t n_err);
int import_nvbench_detect(const struct cJSON *root);
/* criterion: one raw.csv file, or a whole target/criterion tree at dir
 * (every benchmark's new/ or base/ estimates, samples and benchmark.json;
 * doc->sha256 is then the hash of the files read, in path order). */
int import_criterion_parse(const char *src, const char *text, size_t len,
			   struct import_doc *doc, char *err, size_t n_err);
int import_criterion_tree(const char *dir, struct import_doc *doc, char *err,
			  size_t n_err);

/* SHA-256 of n bytes as 64 hex digits and a NUL into out (nettle). */
void import_sha256_hex(const void *buf, size_t n, char out[65]);

/* ---- helpers for the parsers (import.c) ---- */

/* A copy of s owned by doc; NULL (and doc->oom) when out of memory, NULL
 * for NULL. */
const char *import_strdup(struct import_doc *doc, const char *s);

/* printf into a string owned by doc. */
__attribute__((format(printf, 2, 3)))
const char *import_printf(struct import_doc *doc, const char *fmt, ...);

/* Compact JSON text of item (NULL: NULL), owned by doc; numbers as cJSON
 * prints them. */
const char *import_json_text(struct import_doc *doc, const struct cJSON *item);

/* obj (an object) as compact JSON text with its members sorted by key, as
 * the result table keeps params; "{}" when obj is not an object. */
const char *import_sorted_json(struct import_doc *doc, const struct cJSON *obj);

/* n zeroed bytes owned by doc. */
void *import_alloc(struct import_doc *doc, size_t n);

/* A new result, zeroed but for the unknowns (NaN stats, -1 counts, "" variant,
 * "{}" params, "wall", "ok"); NULL when out of memory. Valid until the next
 * call (the array grows). */
struct import_result *import_add_result(struct import_doc *doc);

/* Adds a device unless one with backend is there; returns it or NULL. */
struct import_device *import_add_device(struct import_doc *doc, const char *backend,
					const char *kind, const char *name);

/* An ISO 8601 time with an offset ("2026-12-02T04:05:22+01:00", a fraction
 * allowed, "Z" too) as UTC "YYYY-MM-DDTHH:MM:SSZ" owned by doc; NULL when
 * s is not one (not an error: the time is then unknown). */
const char *import_utc(struct import_doc *doc, const char *s);

void import_doc_free(struct import_doc *doc);

#endif
