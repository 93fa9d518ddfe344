/*
 * embed.h - text files compiled into the binaries (scripts/embed.sh).
 *
 * The db migrations (db/migrations/NNNN_*.sql) and the OpenCL kernel sources
 * (kernels/opencl/NAME.cl) are embedded so that an installed binary needs no
 * data files; so is mcreport's default template (templates/default.md.in),
 * and the corpus of the embedding workloads (suites/corpus/embeddings.txt,
 * corpus.h reads it).
 * The tables are sorted by file name and end with a NULL name.
 */
#ifndef MC_EMBED_H
#define MC_EMBED_H
#include <stddef.h>

struct embed_file {
	const char *name; /* base name, e.g. "0001_init.sql" */
	const char *text; /* whole file, NUL-terminated; static storage */
};

extern const struct embed_file migrations[];
extern const size_t migrations_count;
extern const struct embed_file clsource[];
extern const size_t clsource_count;
extern const struct embed_file templates[];
extern const size_t templates_count;
extern const struct embed_file corpus_files[];
extern const size_t corpus_files_count;

#endif
