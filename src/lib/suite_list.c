/*
 * suite_list.c - where suites are found (see suite.h): the suite
 * directory and the sorted list of the suite files in one, apart from
 * the loading and checking of a suite (suite.c).
 */
#include "suite.h"
#include "err.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifndef MC_DATADIR
#define MC_DATADIR "/usr/local/share/mcbench"
#endif

const char *suite_dir(void)
{
	static char dir[4096];
	const char *env = getenv("MCBENCH_SUITES");
	struct stat st;

	if (env && *env)
		snprintf(dir, sizeof(dir), "%s", env);
	else if (stat("suites", &st) == 0 && S_ISDIR(st.st_mode))
		snprintf(dir, sizeof(dir), "suites");
	else
		snprintf(dir, sizeof(dir), "%s/suites", MC_DATADIR);
	return dir;
}

void suite_path(const char *arg, char *out, size_t n)
{
	if (strchr(arg, '/') || strstr(arg, ".json"))
		snprintf(out, n, "%s", arg);
	else
		snprintf(out, n, "%s/%s.json", suite_dir(), arg);
}

static int cmp_cstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int is_suite_name(const char *name)
{
	size_t n = strlen(name);

	return name[0] != '.' && n > 5 && strcmp(name + n - 5, ".json") == 0;
}

int suite_list(const char *dir, char ***out, char *err, size_t n_err)
{
	DIR *d;
	struct dirent *e;
	struct stat st;
	char **v = NULL;
	size_t n = 0, cap = 0;
	const char *sep = (*dir && dir[strlen(dir) - 1] == '/') ? "" : "/";
	int rc = MC_ENOMEM;

	*out = NULL;
	d = opendir(dir);
	if (!d)
		return err_set(err, n_err, MC_EIO, "%s: cannot open suite directory: %s",
			       dir, strerror(errno));
	while ((e = readdir(d)) != NULL) {
		char *p;

		if (!is_suite_name(e->d_name))
			continue;
		if (asprintf(&p, "%s%s%s", dir, sep, e->d_name) < 0)
			goto out;
		if (stat(p, &st) != 0 || !S_ISREG(st.st_mode)) {
			free(p);
			continue;
		}
		if (n + 1 >= cap) {
			size_t ncap = cap ? cap * 2 : 16;
			char **nv = realloc(v, ncap * sizeof(*nv));

			if (!nv) {
				free(p);
				goto out;
			}
			v = nv;
			cap = ncap;
		}
		v[n++] = p;
	}
	if (!v && !(v = calloc(1, sizeof(*v))))
		goto out;
	qsort(v, n, sizeof(*v), cmp_cstr);
	v[n] = NULL;
	*out = v;
	v = NULL;
	rc = 0;
out:
	closedir(d);
	if (v) {
		v[n] = NULL;
		suite_list_free(v);
	}
	return rc ? err_set(err, n_err, rc, "%s: out of memory while listing suites", dir)
		  : 0;
}

void suite_list_free(char **paths)
{
	if (!paths)
		return;
	for (size_t i = 0; paths[i]; i++)
		free(paths[i]);
	free(paths);
}
