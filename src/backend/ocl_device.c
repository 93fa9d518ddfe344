/*
 * ocl_device.c - finding the OpenCL devices: one backend instance per
 * device of every platform, each with its context and in-order profiling
 * queue (see backend_opencl.c for what an instance does), the device and
 * platform strings, and the names of OpenCL status codes.
 */
#include "ocl_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CL/cl_ext.h>

#include "err.h"

#ifndef CL_PLATFORM_NOT_FOUND_KHR
#define CL_PLATFORM_NOT_FOUND_KHR -1001
#endif

const char *ocl_errstr(cl_int rc)
{
	switch (rc) {
	case CL_SUCCESS: return "CL_SUCCESS";
	case CL_DEVICE_NOT_FOUND: return "CL_DEVICE_NOT_FOUND";
	case CL_DEVICE_NOT_AVAILABLE: return "CL_DEVICE_NOT_AVAILABLE";
	case CL_COMPILER_NOT_AVAILABLE: return "CL_COMPILER_NOT_AVAILABLE";
	case CL_MEM_OBJECT_ALLOCATION_FAILURE:
		return "CL_MEM_OBJECT_ALLOCATION_FAILURE";
	case CL_OUT_OF_RESOURCES: return "CL_OUT_OF_RESOURCES";
	case CL_OUT_OF_HOST_MEMORY: return "CL_OUT_OF_HOST_MEMORY";
	case CL_PROFILING_INFO_NOT_AVAILABLE:
		return "CL_PROFILING_INFO_NOT_AVAILABLE";
	case CL_BUILD_PROGRAM_FAILURE: return "CL_BUILD_PROGRAM_FAILURE";
	case CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST:
		return "CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST";
	case CL_INVALID_VALUE: return "CL_INVALID_VALUE";
	case CL_INVALID_PLATFORM: return "CL_INVALID_PLATFORM";
	case CL_INVALID_DEVICE: return "CL_INVALID_DEVICE";
	case CL_INVALID_CONTEXT: return "CL_INVALID_CONTEXT";
	case CL_INVALID_COMMAND_QUEUE: return "CL_INVALID_COMMAND_QUEUE";
	case CL_INVALID_MEM_OBJECT: return "CL_INVALID_MEM_OBJECT";
	case CL_INVALID_BUILD_OPTIONS: return "CL_INVALID_BUILD_OPTIONS";
	case CL_INVALID_PROGRAM: return "CL_INVALID_PROGRAM";
	case CL_INVALID_PROGRAM_EXECUTABLE:
		return "CL_INVALID_PROGRAM_EXECUTABLE";
	case CL_INVALID_KERNEL_NAME: return "CL_INVALID_KERNEL_NAME";
	case CL_INVALID_KERNEL: return "CL_INVALID_KERNEL";
	case CL_INVALID_ARG_INDEX: return "CL_INVALID_ARG_INDEX";
	case CL_INVALID_ARG_VALUE: return "CL_INVALID_ARG_VALUE";
	case CL_INVALID_ARG_SIZE: return "CL_INVALID_ARG_SIZE";
	case CL_INVALID_KERNEL_ARGS: return "CL_INVALID_KERNEL_ARGS";
	case CL_INVALID_WORK_DIMENSION: return "CL_INVALID_WORK_DIMENSION";
	case CL_INVALID_WORK_GROUP_SIZE: return "CL_INVALID_WORK_GROUP_SIZE";
	case CL_INVALID_WORK_ITEM_SIZE: return "CL_INVALID_WORK_ITEM_SIZE";
	case CL_INVALID_EVENT: return "CL_INVALID_EVENT";
	case CL_INVALID_OPERATION: return "CL_INVALID_OPERATION";
	case CL_INVALID_BUFFER_SIZE: return "CL_INVALID_BUFFER_SIZE";
	case CL_INVALID_GLOBAL_WORK_SIZE: return "CL_INVALID_GLOBAL_WORK_SIZE";
	case CL_PLATFORM_NOT_FOUND_KHR: return "CL_PLATFORM_NOT_FOUND_KHR";
	}
	return "an unknown OpenCL error";
}

/* ---------------------------------------------------------------- discovery */

/* String device info into out, leading and trailing blanks removed (some
 * drivers pad names); "" when the query fails. */
void ocl_dev_str(cl_device_id dev, cl_device_info what, char *out,
		 size_t n_out)
{
	size_t len, i;

	out[0] = 0;
	if (clGetDeviceInfo(dev, what, n_out - 1, out, NULL) != CL_SUCCESS) {
		out[0] = 0;
		return;
	}
	out[n_out - 1] = 0;
	len = strlen(out);
	while (len > 0 && (out[len - 1] == ' ' || out[len - 1] == '\n'))
		out[--len] = 0;
	for (i = 0; out[i] == ' '; i++)
		;
	memmove(out, out + i, len - i + 1);
}

void ocl_plat_str(cl_platform_id plat, cl_platform_info what,
		  char *out, size_t n_out)
{
	out[0] = 0;
	if (clGetPlatformInfo(plat, what, n_out - 1, out, NULL) != CL_SUCCESS)
		out[0] = 0;
	out[n_out - 1] = 0;
}

static int ocl_name_taken(struct backend *const *prev, size_t n_prev,
			  const char *name)
{
	for (size_t i = 0; i < n_prev; i++)
		if (strcmp(prev[i]->name, name) == 0)
			return 1;
	return 0;
}

/* cl_nv_device_attribute_query's PCI location (NVIDIA drivers before
 * cl_khr_pci_bus_info); not in Debian's headers. */
#define OCL_PCI_BUS_ID_NV 0x4008
#define OCL_PCI_SLOT_ID_NV 0x4009
#define OCL_PCI_DOMAIN_ID_NV 0x400A

/* Where dev sits on PCI: cl_khr_pci_bus_info, else NVIDIA's own query
 * (domain 0 when it has none). Returns 0, or -1 when neither answers. */
static int ocl_pci(cl_device_id dev, struct ocl_nvml_pci *out)
{
	cl_device_pci_bus_info_khr khr;
	cl_uint bus, slot, domain = 0;

	if (clGetDeviceInfo(dev, CL_DEVICE_PCI_BUS_INFO_KHR, sizeof(khr), &khr,
			    NULL) == CL_SUCCESS) {
		*out = (struct ocl_nvml_pci){ khr.pci_domain, khr.pci_bus,
					      khr.pci_device, khr.pci_function };
		return 0;
	}
	if (clGetDeviceInfo(dev, OCL_PCI_BUS_ID_NV, sizeof(bus), &bus, NULL) != CL_SUCCESS ||
	    clGetDeviceInfo(dev, OCL_PCI_SLOT_ID_NV, sizeof(slot), &slot, NULL) != CL_SUCCESS)
		return -1;
	if (clGetDeviceInfo(dev, OCL_PCI_DOMAIN_ID_NV, sizeof(domain), &domain,
			    NULL) != CL_SUCCESS)
		domain = 0;
	*out = (struct ocl_nvml_pci){ domain, bus, slot, 0 };
	return 0;
}

/* d's SM clock reader: NVML for an NVIDIA GPU (the driver's library, so
 * only there is it looked for), else none, with why in d->nvml_note. */
static void ocl_clock_open(struct ocl_dev *d)
{
	struct ocl_nvml_pci pci;
	char vendor[128];

	ocl_dev_str(d->device, CL_DEVICE_VENDOR, vendor, sizeof(vendor));
	if (!(d->type & CL_DEVICE_TYPE_GPU) || !strstr(vendor, "NVIDIA")) {
		snprintf(d->nvml_note, sizeof(d->nvml_note), "not an NVIDIA GPU");
		return;
	}
	d->nvml = ocl_nvml_open(ocl_pci(d->device, &pci) == 0 ? &pci : NULL, d->nvml_note,
				sizeof(d->nvml_note));
	if (d->nvml)
		snprintf(d->nvml_note, sizeof(d->nvml_note), "NVML");
}

/* Makes the instance for dev; its name is unique among prev[0..n_prev). */
static int ocl_instance_create(cl_platform_id plat, cl_device_id dev,
			       struct backend *const *prev, size_t n_prev,
			       struct backend **out_b, char *err, size_t n_err)
{
	cl_context_properties props[3] = {
		CL_CONTEXT_PLATFORM, (cl_context_properties)plat, 0
	};
	struct backend *b = NULL;
	struct ocl_dev *d = NULL;
	cl_int rc;
	int ret = 0;

	b = calloc(1, sizeof(*b));
	d = calloc(1, sizeof(*d));
	if (!b || !d) {
		ret = err_set(err, n_err, MC_ENOMEM,
			      "opencl: out of memory creating an instance.");
		goto out;
	}
	b->family = "opencl";
	b->ops = &ocl_ops;
	b->has_device_clock = 1;
	b->self_timed = 1;           /* its wall pass, not its device pass */
	b->impl = d;
	d->platform = plat;
	d->device = dev;
	ocl_dev_str(dev, CL_DEVICE_NAME, d->dev_name, sizeof(d->dev_name));
	if (!d->dev_name[0])
		snprintf(d->dev_name, sizeof(d->dev_name), "unnamed device");
	if (clGetDeviceInfo(dev, CL_DEVICE_TYPE, sizeof(d->type), &d->type,
			    NULL) != CL_SUCCESS ||
	    clGetDeviceInfo(dev, CL_DEVICE_MAX_COMPUTE_UNITS,
			    sizeof(d->compute_units), &d->compute_units,
			    NULL) != CL_SUCCESS ||
	    clGetDeviceInfo(dev, CL_DEVICE_MAX_WORK_GROUP_SIZE,
			    sizeof(d->max_wg), &d->max_wg, NULL) != CL_SUCCESS ||
	    clGetDeviceInfo(dev, CL_DEVICE_GLOBAL_MEM_SIZE,
			    sizeof(d->global_mem), &d->global_mem,
			    NULL) != CL_SUCCESS ||
	    clGetDeviceInfo(dev, CL_DEVICE_LOCAL_MEM_SIZE,
			    sizeof(d->local_mem), &d->local_mem,
			    NULL) != CL_SUCCESS ||
	    clGetDeviceInfo(dev, CL_DEVICE_MAX_MEM_ALLOC_SIZE,
			    sizeof(d->max_alloc), &d->max_alloc,
			    NULL) != CL_SUCCESS) {
		ret = err_set(err, n_err, MC_ENODEV,
			      "opencl: device '%s' does not answer basic "
			      "clGetDeviceInfo queries; it is skipped.",
			      d->dev_name);
		goto out;
	}
	if (d->compute_units == 0)
		d->compute_units = 1;
	if (d->max_wg == 0)
		d->max_wg = 1;

	d->ctx = clCreateContext(props, 1, &dev, NULL, NULL, &rc);
	if (!d->ctx) {
		ret = err_set(err, n_err, MC_ENODEV,
			      "opencl: creating a context on device '%s' "
			      "failed (%s); it is skipped.",
			      d->dev_name, ocl_errstr(rc));
		goto out;
	}
	d->queue = clCreateCommandQueue(d->ctx, dev, CL_QUEUE_PROFILING_ENABLE,
					&rc);
	if (!d->queue) {
		ret = err_set(err, n_err, MC_ENODEV,
			      "opencl: creating a profiling command queue on "
			      "device '%s' failed (%s); it is skipped.",
			      d->dev_name, ocl_errstr(rc));
		goto out;
	}

	ocl_clock_open(d);
	snprintf(b->name, sizeof(b->name), "opencl:%s", d->dev_name);
	for (unsigned i = 2; ocl_name_taken(prev, n_prev, b->name); i++)
		snprintf(b->name, sizeof(b->name), "opencl:%s#%u",
			 d->dev_name, i);

	*out_b = b;
	b = NULL;
	d = NULL;
out:
	if (b) {
		b->impl = d;
		ocl_destroy(b);
	} else {
		free(d);
	}
	return ret;
}

int ocl_discover(struct backend **out, size_t max, size_t *out_n,
		 char *err, size_t n_err)
{
	cl_platform_id *plats = NULL;
	cl_device_id *devs = NULL;
	cl_uint n_plat = 0, n_dev;
	char note[MC_ERRLEN] = "", pname[128];
	cl_int rc;
	int ret = 0;

	*out_n = 0;
	if (err && n_err > 0)
		err[0] = 0;
	rc = clGetPlatformIDs(0, NULL, &n_plat);
	if (rc == CL_PLATFORM_NOT_FOUND_KHR ||
	    (rc == CL_SUCCESS && n_plat == 0)) {
		err_set(err, n_err, 0, "opencl: no OpenCL platform found (is "
			"an ICD installed in /etc/OpenCL/vendors?).");
		return 0;
	}
	if (rc != CL_SUCCESS) {
		err_set(err, n_err, 0, "opencl: clGetPlatformIDs failed (%s); "
			"the OpenCL backend is skipped.", ocl_errstr(rc));
		return 0;
	}
	plats = calloc(n_plat, sizeof(*plats));
	if (!plats) {
		ret = err_set(err, n_err, MC_ENOMEM,
			      "opencl: out of memory listing platforms.");
		goto out;
	}
	rc = clGetPlatformIDs(n_plat, plats, NULL);
	if (rc != CL_SUCCESS) {
		err_set(err, n_err, 0, "opencl: clGetPlatformIDs failed (%s); "
			"the OpenCL backend is skipped.", ocl_errstr(rc));
		goto out;
	}
	for (cl_uint p = 0; p < n_plat; p++) {
		ocl_plat_str(plats[p], CL_PLATFORM_NAME, pname, sizeof(pname));
		n_dev = 0;
		rc = clGetDeviceIDs(plats[p], CL_DEVICE_TYPE_ALL, 0, NULL,
				    &n_dev);
		if (rc == CL_DEVICE_NOT_FOUND || (rc == CL_SUCCESS && !n_dev))
			continue;
		if (rc != CL_SUCCESS) {
			snprintf(note, sizeof(note), "opencl: listing the "
				 "devices of platform '%s' failed (%s).",
				 pname, ocl_errstr(rc));
			continue;
		}
		devs = calloc(n_dev, sizeof(*devs));
		if (!devs) {
			ret = err_set(err, n_err, MC_ENOMEM,
				      "opencl: out of memory listing devices.");
			goto out;
		}
		rc = clGetDeviceIDs(plats[p], CL_DEVICE_TYPE_ALL, n_dev, devs,
				    NULL);
		if (rc != CL_SUCCESS) {
			snprintf(note, sizeof(note), "opencl: listing the "
				 "devices of platform '%s' failed (%s).",
				 pname, ocl_errstr(rc));
			n_dev = 0;
		}
		for (cl_uint i = 0; i < n_dev; i++) {
			struct backend *b = NULL;

			if (*out_n == max) {
				snprintf(note, sizeof(note), "opencl: more "
					 "devices than the %zu instance slots; "
					 "the rest are skipped.", max);
				break;
			}
			ret = ocl_instance_create(plats[p], devs[i], out,
						  *out_n, &b, note,
						  sizeof(note));
			if (ret == MC_ENOMEM) {
				err_set(err, n_err, ret, "%s", note);
				goto out;
			}
			ret = 0;
			if (b)
				out[(*out_n)++] = b;
		}
		free(devs);
		devs = NULL;
	}
	if (*out_n == 0 && !note[0])
		snprintf(note, sizeof(note), "opencl: %u OpenCL platform(s) "
			 "found but no device.", n_plat);
	if (note[0])
		err_set(err, n_err, 0, "%s", note);
out:
	if (ret < 0) {
		for (size_t i = 0; i < *out_n; i++)
			ocl_destroy(out[i]);
		*out_n = 0;
	}
	free(devs);
	free(plats);
	return ret;
}
