/*
 * ocl_nvml.c - an NVIDIA GPU's SM clock through NVML (ocl_nvml.h).
 *
 * nvml.h is not in Debian's main archive (it comes with the CUDA toolkit
 * and the non-free driver packages), so the five entry points used here
 * are declared from NVML's documented, versioned ABI: every function
 * returns an nvmlReturn_t (0 is NVML_SUCCESS), a device is an opaque
 * pointer, and NVML_CLOCK_SM is 1. The _v2 names are those the driver has
 * exported since NVML 5.319.
 */
#include "ocl_nvml.h"

#include <dlfcn.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define NVML_SUCCESS 0
#define NVML_CLOCK_SM 1

typedef int (*nvml_init_fn)(void);
typedef int (*nvml_shutdown_fn)(void);
typedef int (*nvml_by_bus_fn)(const char *bus_id, void **out_device);
typedef int (*nvml_count_fn)(unsigned *out_count);
typedef int (*nvml_by_index_fn)(unsigned index, void **out_device);
typedef int (*nvml_clock_fn)(void *device, int type, unsigned *out_mhz);

struct ocl_nvml {
	void *lib;
	nvml_shutdown_fn shutdown;
	nvml_clock_fn clock;
	void *device;
};

void ocl_nvml_bus_id(const struct ocl_nvml_pci *pci, char *out, size_t n_out)
{
	snprintf(out, n_out, "%x:%x:%x.%x", pci->domain, pci->bus, pci->device,
		 pci->function);
}

/* dlsym into a function pointer of type T (POSIX lets a void * hold one). */
#define SYM(n, name, T, out)                                               \
	((out) = (T)(uintptr_t)dlsym((n)->lib, (name)), (out) != NULL)

/* The device at pci, else the only NVIDIA GPU. Returns 0 or sets why. */
static int find_device(struct ocl_nvml *n, const struct ocl_nvml_pci *pci, char *why,
		       size_t n_why)
{
	nvml_by_bus_fn by_bus;
	nvml_count_fn count;
	nvml_by_index_fn by_index;
	unsigned c = 0;
	int rc;

	if (pci) {
		char id[64];

		ocl_nvml_bus_id(pci, id, sizeof(id));
		if (!SYM(n, "nvmlDeviceGetHandleByPciBusId_v2", nvml_by_bus_fn, by_bus)) {
			snprintf(why, n_why, "NVML has no nvmlDeviceGetHandleByPciBusId_v2");
			return -1;
		}
		if ((rc = by_bus(id, &n->device)) == NVML_SUCCESS)
			return 0;
		snprintf(why, n_why, "NVML knows no GPU at PCI %s (error %d)", id, rc);
		return -1;
	}
	if (!SYM(n, "nvmlDeviceGetCount_v2", nvml_count_fn, count) ||
	    !SYM(n, "nvmlDeviceGetHandleByIndex_v2", nvml_by_index_fn, by_index)) {
		snprintf(why, n_why, "NVML has no nvmlDeviceGetCount_v2 or GetHandleByIndex_v2");
		return -1;
	}
	if ((rc = count(&c)) != NVML_SUCCESS || c != 1) {
		snprintf(why, n_why, "OpenCL gave no PCI location and NVML sees %u GPUs", c);
		return -1;
	}
	if ((rc = by_index(0, &n->device)) != NVML_SUCCESS) {
		snprintf(why, n_why, "NVML could not open its GPU 0 (error %d)", rc);
		return -1;
	}
	return 0;
}

struct ocl_nvml *ocl_nvml_open(const struct ocl_nvml_pci *pci, char *why, size_t n_why)
{
	const char *path = getenv("MCBENCH_NVML");
	struct ocl_nvml *n = calloc(1, sizeof(*n));
	nvml_init_fn init;
	int rc, inited = 0;

	if (!n) {
		snprintf(why, n_why, "out of memory");
		return NULL;
	}
	path = path && *path ? path : "libnvidia-ml.so.1";
	if (!(n->lib = dlopen(path, RTLD_NOW | RTLD_LOCAL))) {
		snprintf(why, n_why, "no NVML (%s)", dlerror());
		goto fail;
	}
	if (!SYM(n, "nvmlInit_v2", nvml_init_fn, init) ||
	    !SYM(n, "nvmlShutdown", nvml_shutdown_fn, n->shutdown) ||
	    !SYM(n, "nvmlDeviceGetClockInfo", nvml_clock_fn, n->clock)) {
		snprintf(why, n_why, "%s has no nvmlInit_v2, nvmlShutdown or "
			 "nvmlDeviceGetClockInfo", path);
		goto fail;
	}
	if ((rc = init()) != NVML_SUCCESS) {
		snprintf(why, n_why, "nvmlInit_v2 failed (error %d)", rc);
		goto fail;
	}
	inited = 1;
	if (find_device(n, pci, why, n_why) == 0)
		return n;
fail:
	if (inited)
		n->shutdown();
	if (n->lib)
		dlclose(n->lib);
	free(n);
	return NULL;
}

double ocl_nvml_sm_clock(struct ocl_nvml *n)
{
	unsigned mhz = 0;

	if (!n || n->clock(n->device, NVML_CLOCK_SM, &mhz) != NVML_SUCCESS || !mhz)
		return NAN;
	return (double)mhz;
}

void ocl_nvml_close(struct ocl_nvml *n)
{
	if (!n)
		return;
	n->shutdown();
	dlclose(n->lib);
	free(n);
}
