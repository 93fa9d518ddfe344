/*
 * ocl_profile.c - where an OpenCL workload's device time goes, kernel by
 * kernel (declared in ocl_int.h): with MCBENCH_OCL_PROFILE naming a file,
 * each state's per-launch event durations (the ones the device clock
 * sums, kept by ocl_harvest in struct ocl_launch) are totalled by kernel
 * name and appended there when the state is released. A tool for finding
 * what to work on next, not a measurement: it is not stored in the db.
 */
#include "ocl_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "workload.h"

#define OCL_PROFILE_ENV "MCBENCH_OCL_PROFILE"
#define OCL_PROFILE_NAMES 64     /* distinct kernels a state reports */

int ocl_profile_label(struct ocl_state *s, const struct workload *w,
		      const char *variant, char *err, size_t n_err)
{
	const char *path = getenv(OCL_PROFILE_ENV);
	char buf[512];
	size_t at;
	FILE *f;

	if (!path || !path[0])
		return 0;
	if (!(f = fopen(path, "a")))
		return err_set(err, n_err, MC_EIO, "opencl: %s: cannot append "
			       "to it (%s, from " OCL_PROFILE_ENV ").", path,
			       strerror(errno));
	fclose(f);
	workload_name(w, buf, sizeof(buf));
	at = strlen(buf);
	if (variant && variant[0] && at < sizeof(buf))
		snprintf(buf + at, sizeof(buf) - at, " [%s]", variant);
	if (!(s->label = strdup(buf)))
		return err_set(err, n_err, MC_ENOMEM, "opencl: out of memory "
			       "for the profile of %s.", w->spec->name);
	return 0;
}

void ocl_profile_write(const struct ocl_dev *d, const struct ocl_state *s)
{
	const char *path = getenv(OCL_PROFILE_ENV), *names[OCL_PROFILE_NAMES];
	double ns[OCL_PROFILE_NAMES] = { 0 }, total = 0;
	size_t per[OCL_PROFILE_NAMES] = { 0 }, n = 0;
	uint64_t iters;
	FILE *f;

	if (!s || !path || !path[0] || !s->label || s->n_launch == 0 ||
	    (iters = s->launch[0].prof_n) == 0)
		return;
	/* a launch of each kernel name, in first-launch order */
	for (size_t i = 0; i < s->n_launch; i++) {
		size_t j = 0;

		while (j < n && strcmp(names[j], s->launch[i].name))
			j++;
		if (j == n) {
			if (n == OCL_PROFILE_NAMES)
				continue;
			names[n++] = s->launch[i].name;
		}
		ns[j] += s->launch[i].prof_ns;
		per[j]++;
		total += s->launch[i].prof_ns;
	}
	if (!(f = fopen(path, "a")))
		return;
	for (size_t j = 0; j < n; j++)
		fprintf(f, "%s on %s\t%s\t%zu\t%.0f\t%.1f\n", s->label,
			d->dev_name, names[j], per[j], ns[j] / (double)iters,
			total > 0 ? 100.0 * ns[j] / total : 0.0);
	fclose(f);
}
