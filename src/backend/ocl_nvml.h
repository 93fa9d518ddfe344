/*
 * ocl_nvml.h - the SM clock of an NVIDIA GPU that OpenCL names, read
 * through NVML (the NVIDIA driver's management library), for the noise
 * each sample records (noise.h). OpenCL itself has only the maximum clock.
 *
 * The library is opened at run time: it ships with the NVIDIA driver, so a
 * machine without it (or without an NVIDIA GPU) runs exactly as before and
 * its samples' clock is unknown. Nothing here is an error: a clock that
 * cannot be read is NaN.
 */
#ifndef MC_OCL_NVML_H
#define MC_OCL_NVML_H
#include <stddef.h>

/* Where a GPU sits on PCI, as OpenCL reports it. */
struct ocl_nvml_pci {
	unsigned domain, bus, device, function;
};

struct ocl_nvml;

/* NVML's name of a PCI location, "domain:bus:device.function" in hex
 * (a form nvmlDeviceGetHandleByPciBusId takes) into out. Pure. */
void ocl_nvml_bus_id(const struct ocl_nvml_pci *pci, char *out, size_t n_out);

/* Opens NVML for the GPU at pci (NULL when OpenCL did not say: then the
 * machine's only NVIDIA GPU, if it has exactly one). Returns NULL, with
 * why it cannot read a clock in why, when the library, its entry points or
 * the GPU are not there. The caller owns the result (ocl_nvml_close).
 * Library: $MCBENCH_NVML when set (tests), else libnvidia-ml.so.1. */
struct ocl_nvml *ocl_nvml_open(const struct ocl_nvml_pci *pci, char *why, size_t n_why);

/* The GPU's current SM clock in MHz, NaN when NVML does not give one. */
double ocl_nvml_sm_clock(struct ocl_nvml *n);

/* Accepts NULL. */
void ocl_nvml_close(struct ocl_nvml *n);

#endif
