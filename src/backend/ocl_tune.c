/*
 * ocl_tune.c - CLBlast's tuned parameters from a file (ocl_tune.h).
 */
#include "ocl_tune.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <clblast_c.h>

#include "err.h"
#include "jpath.h"

#ifndef MC_DATADIR
#define MC_DATADIR "/usr/local/share/mcbench"
#endif

#define TUNE_MAX_BYTES (1u << 20)
#define TUNE_MAX_PARAMS 32       /* Xgemm has 16 */

const char *ocl_tune_path(void)
{
	static const char *const rel = "kernels/clblast/tuning.json";
	const char *env = getenv("MCBENCH_CLBLAST_TUNING");

	if (env && *env)
		return env;
	if (access(rel, R_OK) == 0)
		return rel;
	return MC_DATADIR "/kernels/clblast/tuning.json";
}

static int precision_of(double bits, CLBlastPrecision *out)
{
	if (bits == 16)
		*out = CLBlastPrecisionHalf;
	else if (bits == 32)
		*out = CLBlastPrecisionSingle;
	else if (bits == 64)
		*out = CLBlastPrecisionDouble;
	else
		return -1;
	return 0;
}

/* One entry of $.devices, already known to be for this device. */
static int apply_entry(cl_device_id dev, const char *file, const char *jp,
		       const cJSON *e, const char **out_kernel, const char **out_source,
		       char *err, size_t n_err)
{
	const cJSON *kernel = cJSON_GetObjectItemCaseSensitive(e, "kernel");
	const cJSON *prec = cJSON_GetObjectItemCaseSensitive(e, "precision");
	const cJSON *params = cJSON_GetObjectItemCaseSensitive(e, "parameters");
	const cJSON *source = cJSON_GetObjectItemCaseSensitive(e, "source");
	const char *names[TUNE_MAX_PARAMS];
	size_t values[TUNE_MAX_PARAMS], n = 0;
	CLBlastPrecision p;
	CLBlastStatusCode st;
	const cJSON *it;
	char kp[JPATH_LEN];

	if (!cJSON_IsString(kernel) || !*kernel->valuestring)
		return jpath_fail(err, n_err, MC_EINVAL, file, jp,
				  "\"kernel\" must be a CLBlast kernel name such as \"Xgemm\"");
	if (!cJSON_IsNumber(prec) || precision_of(prec->valuedouble, &p))
		return jpath_fail(err, n_err, MC_EINVAL, file, jp,
				  "\"precision\" must be 16, 32 or 64");
	if (!cJSON_IsObject(params) || !params->child)
		return jpath_fail(err, n_err, MC_EINVAL, file, jp,
				  "\"parameters\" must be an object of NAME: integer");
	if (!cJSON_IsString(source) || !*source->valuestring)
		return jpath_fail(err, n_err, MC_EINVAL, file, jp,
				  "\"source\" must say how the parameters were found");
	cJSON_ArrayForEach(it, params) {
		if (n == TUNE_MAX_PARAMS)
			return jpath_fail(err, n_err, MC_EINVAL, file, jp,
					  "more than %d parameters", TUNE_MAX_PARAMS);
		if (!cJSON_IsNumber(it) || it->valuedouble < 0 ||
		    it->valuedouble != (double)(size_t)it->valuedouble) {
			char pp[JPATH_LEN];

			jpath_key(kp, jp, "parameters");
			jpath_key(pp, kp, it->string);
			return jpath_fail(err, n_err, MC_EINVAL, file, pp,
					  "must be a non-negative integer");
		}
		names[n] = it->string;
		values[n++] = (size_t)it->valuedouble;
	}
	st = CLBlastOverrideParameters(dev, kernel->valuestring, p, n, names, values);
	if (st != CLBlastSuccess)
		return jpath_fail(err, n_err, MC_ENOTSUP, file, jp,
				  "CLBlast refused these parameters for %s (status %d)",
				  kernel->valuestring, (int)st);
	*out_kernel = kernel->valuestring;
	*out_source = source->valuestring;
	return 0;
}

int ocl_tune_apply(cl_device_id dev, const char *dev_name, const char *path,
		   char *note, size_t n_note, char *err, size_t n_err)
{
	const cJSON *devs, *e;
	cJSON *root = NULL;
	char *text = NULL, jp[JPATH_LEN];
	size_t len = 0, i = 0;
	int rc = 0;

	if (!path)
		path = ocl_tune_path();
	snprintf(note, n_note, "CLBlast's own database (no tuning file)");
	if (access(path, F_OK) != 0)
		return 0;
	rc = jpath_read_file(path, TUNE_MAX_BYTES, &text, &len, err, n_err);
	if (rc)
		return rc;
	if ((rc = jpath_parse(path, text, len, &root, err, n_err)) != 0)
		goto out;
	devs = cJSON_GetObjectItemCaseSensitive(root, "devices");
	if (!cJSON_IsArray(devs)) {
		rc = jpath_fail(err, n_err, MC_EINVAL, path, "$",
				"expected an object with a \"devices\" array");
		goto out;
	}
	snprintf(note, n_note, "CLBlast's own database (no entry for '%s' in %s)",
		 dev_name, path);
	cJSON_ArrayForEach(e, devs) {
		const cJSON *name = cJSON_GetObjectItemCaseSensitive(e, "device");
		const char *kernel = NULL, *source = NULL;

		jpath_index(jp, "$.devices", i++);
		if (!cJSON_IsObject(e) || !cJSON_IsString(name)) {
			rc = jpath_fail(err, n_err, MC_EINVAL, path, jp,
					"expected an object with a \"device\" name");
			goto out;
		}
		if (strcmp(name->valuestring, dev_name) != 0)
			continue;
		rc = apply_entry(dev, path, jp, e, &kernel, &source, err, n_err);
		if (rc)
			goto out;
		/* One entry per kernel in practice; the note names the last. */
		snprintf(note, n_note, "%s tuned for this device (%s, %s[%zu]): %s",
			 kernel, path, "$.devices", i - 1, source);
	}
out:
	cJSON_Delete(root);
	free(text);
	return rc;
}
