/*
 * test_nvml.c - unit tests of the SM clock reader of NVIDIA OpenCL devices
 * (src/backend/ocl_nvml.c) where no NVIDIA driver is: NVML's name of a PCI
 * location, and every way of not finding NVML saying why, never failing.
 * The reading itself is checked on a GPU host (its runs' sm_clock_mhz).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ocl_nvml.h"

static void test_bus_id(void **state)
{
	const struct ocl_nvml_pci h200 = { 0, 0x3b, 0, 0 }, far = { 0x10001, 0xe1, 0x1f, 7 };
	char id[64];

	(void)state;
	ocl_nvml_bus_id(&h200, id, sizeof(id));
	assert_string_equal(id, "0:3b:0.0");
	ocl_nvml_bus_id(&far, id, sizeof(id));
	assert_string_equal(id, "10001:e1:1f.7");
}

static void test_no_nvml_says_why(void **state)
{
	const struct ocl_nvml_pci pci = { 0, 0x3b, 0, 0 };
	char why[200];

	(void)state;
	setenv("MCBENCH_NVML", "/nonexistent/libnvidia-ml.so.1", 1);
	why[0] = 0;
	assert_null(ocl_nvml_open(&pci, why, sizeof(why)));
	assert_non_null(strstr(why, "no NVML ("));
	assert_non_null(strstr(why, "/nonexistent/libnvidia-ml.so.1"));
	/* A library that is not NVML: its entry points are missing. */
	setenv("MCBENCH_NVML", "libm.so.6", 1);
	why[0] = 0;
	assert_null(ocl_nvml_open(NULL, why, sizeof(why)));
	assert_string_equal(why, "libm.so.6 has no nvmlInit_v2, nvmlShutdown or "
			    "nvmlDeviceGetClockInfo");
	unsetenv("MCBENCH_NVML");
	assert_true(isnan(ocl_nvml_sm_clock(NULL)));
	ocl_nvml_close(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bus_id),
		cmocka_unit_test(test_no_nvml_says_why),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
