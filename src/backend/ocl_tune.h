/*
 * ocl_tune.h - CLBlast's kernel parameters for devices its own database
 * does not know, from the results of CLBlast's own tuner kept in a file
 * (kernels/clblast/tuning.json; docs/gpu-host.md says how to make one).
 *
 * CLBlast picks its GEMM kernel's tile sizes, vector widths and so on from
 * a database of tuned devices; a device missing there (the H200, in the
 * Debian 12 package's 1.5.3) gets the defaults of its vendor's family,
 * which can leave much of the device unused. CLBlastOverrideParameters
 * takes the tuner's best parameters instead. Nothing here measures: the
 * file holds parameters, never a time.
 *
 * The file: { "devices": [ { "device": NAME, "kernel": "Xgemm",
 * "precision": 32, "parameters": { "KWG": 32, ... }, "source": "how they
 * were found" }, ... ] }. Every entry whose device is the device's
 * CL_DEVICE_NAME is applied.
 */
#ifndef MC_OCL_TUNE_H
#define MC_OCL_TUNE_H
#include <stddef.h>

#include <CL/cl.h>

/* The tuning file: $MCBENCH_CLBLAST_TUNING when set, else
 * ./kernels/clblast/tuning.json when it exists, else the installed
 * MC_DATADIR/kernels/clblast/tuning.json. Static storage. */
const char *ocl_tune_path(void);

/* Applies the entries of the file at path (NULL: ocl_tune_path()) for the
 * device named dev_name to CLBlast, before CLBlast compiles for it. note
 * (n_note bytes) gets one sentence for the run's record: what was applied
 * and its "source", or that CLBlast's own database serves the device (no
 * entry for it, or no file). Errors, with one sentence naming the file
 * and the line or JSON path: MC_EINVAL (a file that exists but is not
 * valid JSON or not of the form above), MC_EIO (cannot be read),
 * MC_ENOTSUP (CLBlast refused the parameters, with its status). */
int ocl_tune_apply(cl_device_id dev, const char *dev_name, const char *path,
		   char *note, size_t n_note, char *err, size_t n_err);

#endif
