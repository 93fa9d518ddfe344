/*
 * backend.c - the table of backend families and discovery across them.
 *
 * Filtering (the --backend option): each entry of `only` is a family name
 * ("opencl": every instance of it), a full instance name ("opencl:NVIDIA
 * H100 80GB HBM3": that instance) or the start of instance names up to a
 * ':' ("torch:cuda": every instance of torch on CUDA). Only the families an entry refers to are
 * discovered, so asking for "cpu" never loads an OpenCL driver. An entry
 * that names no family is invalid input; an instance name that no
 * discovered instance carries is "no such device", since silently running
 * less than was asked would be worse than stopping.
 */
#include "backend.h"
#include "err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Most instances one family may report. */
#define BACKEND_MAX_PER_FAMILY 64

static const struct backend_family *const families[] = {
	&backend_ref, &backend_cpu, &backend_opencl, &backend_mlx, &backend_torch, NULL
};

const struct backend_family *const *backend_families(void)
{
	return families;
}

/* Nonzero when s is family or begins with "family:". */
static int names_family(const char *s, const char *family)
{
	size_t len = strlen(family);

	return strncmp(s, family, len) == 0 && (s[len] == '\0' || s[len] == ':');
}

/* Nonzero when entry names family f or one of its instances ("f:..."). */
static int entry_refers_to(const char *entry, const struct backend_family *f)
{
	return names_family(entry, f->name);
}

static int family_wanted(const struct backend_family *f,
			 const char *const *only, size_t n_only)
{
	if (n_only == 0)
		return 1;
	for (size_t i = 0; i < n_only; i++)
		if (entry_refers_to(only[i], f))
			return 1;
	return 0;
}

/* Nonzero when entry selects b: its family, its name, or the start of its
 * name up to a ':'. */
static int entry_selects(const char *entry, const struct backend *b)
{
	return strcmp(entry, b->family) == 0 || names_family(b->name, entry);
}

static int instance_wanted(const struct backend *b, const char *const *only,
			   size_t n_only)
{
	if (n_only == 0)
		return 1;
	for (size_t i = 0; i < n_only; i++)
		if (entry_selects(only[i], b))
			return 1;
	return 0;
}

/* Appends one line to notes (lines separated by '\n'), truncating; text is
 * prefixed with "family: " unless it already is. */
static void add_note(char *notes, size_t n_notes, const char *family,
		     const char *text)
{
	size_t len;

	if (!notes || n_notes == 0)
		return;
	len = strlen(notes);
	if (len + 1 >= n_notes)
		return;
	if (names_family(text, family))
		snprintf(notes + len, n_notes - len, "%s%s",
			 len ? "\n" : "", text);
	else
		snprintf(notes + len, n_notes - len, "%s%s: %s",
			 len ? "\n" : "", family, text[0] ? text : "no instance found.");
}

/* Checks every entry of only against the family table; MC_EINVAL naming the
 * first unknown one. */
static int check_only(const char *const *only, size_t n_only, char *err,
		      size_t n_err)
{
	for (size_t i = 0; i < n_only; i++) {
		char names[256] = "";
		size_t len = 0;
		int known = 0;

		for (size_t f = 0; families[f]; f++)
			known |= entry_refers_to(only[i], families[f]);
		if (known)
			continue;
		for (size_t f = 0; families[f] && len < sizeof(names); f++) {
			int k = snprintf(names + len, sizeof(names) - len, "%s%s",
					 f ? ", " : "", families[f]->name);

			if (k > 0)
				len += (size_t)k;
		}
		return err_set(err, n_err, MC_EINVAL,
			       "Unknown backend '%s': give a family (%s) or an "
			       "instance name as `mcbench list` prints it.",
			       only[i], names);
	}
	return 0;
}

/* MC_ENODEV when an entry that is an instance name matches none of bs. */
static int check_found(const char *const *only, size_t n_only,
		       struct backend *const *bs, size_t n, char *err,
		       size_t n_err)
{
	for (size_t i = 0; i < n_only; i++) {
		int found = 0;

		if (!strchr(only[i], ':'))
			continue;
		for (size_t k = 0; k < n && !found; k++)
			found = entry_selects(only[i], bs[k]);
		if (!found)
			return err_set(err, n_err, MC_ENODEV,
				       "No backend instance named '%s' on this "
				       "machine; `mcbench list` shows those found.",
				       only[i]);
	}
	return 0;
}

int backend_discover_all(const char *const *only, size_t n_only,
			 struct backend ***out, size_t *out_n,
			 char *notes, size_t n_notes, char *err, size_t n_err)
{
	struct backend **list = NULL;
	size_t n = 0;
	int rc;

	*out = NULL;
	*out_n = 0;
	if (notes && n_notes > 0)
		notes[0] = '\0';
	if ((rc = check_only(only, n_only, err, n_err)))
		return rc;
	for (size_t f = 0; families[f]; f++) {
		struct backend *found[BACKEND_MAX_PER_FAMILY], **grown;
		char ferr[MC_ERRLEN] = "";
		size_t n_found = 0;

		if (!family_wanted(families[f], only, n_only))
			continue;
		rc = families[f]->discover(found, BACKEND_MAX_PER_FAMILY,
					   &n_found, ferr, sizeof(ferr));
		if (rc) {
			for (size_t k = 0; k < n_found; k++)
				found[k]->ops->destroy(found[k]);
			err_set(err, n_err, rc, "%s", ferr);
			goto fail;
		}
		if (n_found == 0) {
			add_note(notes, n_notes, families[f]->name, ferr);
			continue;
		}
		if (ferr[0])   /* instances, and a device it could not use */
			add_note(notes, n_notes, families[f]->name, ferr);
		grown = realloc(list, (n + n_found) * sizeof(*list));
		if (!grown) {
			for (size_t k = 0; k < n_found; k++)
				found[k]->ops->destroy(found[k]);
			rc = err_set(err, n_err, MC_ENOMEM,
				     "Out of memory listing the backends.");
			goto fail;
		}
		list = grown;
		for (size_t k = 0; k < n_found; k++) {
			if (instance_wanted(found[k], only, n_only))
				list[n++] = found[k];
			else
				found[k]->ops->destroy(found[k]);
		}
	}
	if ((rc = check_found(only, n_only, list, n, err, n_err)))
		goto fail;
	*out = list;
	*out_n = n;
	return 0;
fail:
	backend_free_all(list, n);
	return rc;
}

void backend_free_all(struct backend **bs, size_t n)
{
	if (!bs)
		return;
	for (size_t i = 0; i < n; i++)
		if (bs[i])
			bs[i]->ops->destroy(bs[i]);
	free(bs);
}

int backend_discover_single(const char *name, const struct backend_ops *ops,
			    struct backend **out, size_t max, size_t *out_n,
			    char *err, size_t n_err)
{
	struct backend *b;

	*out_n = 0;
	if (max == 0)
		return 0;
	b = calloc(1, sizeof(*b));
	if (!b)
		return err_set(err, n_err, MC_ENOMEM,
			       "%s: out of memory creating the backend.", name);
	snprintf(b->name, sizeof(b->name), "%s", name);
	b->family = name;
	b->ops = ops;
	out[0] = b;
	*out_n = 1;
	return 0;
}

void backend_destroy_plain(struct backend *b)
{
	free(b);
}
