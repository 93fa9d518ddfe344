/*
 * test_prov.c - unit tests of provenance: collection on this machine, the
 * "unknown" fallbacks when /proc, /sys and /etc are hidden (MCBENCH_SYSROOT
 * pointing at an empty directory), git state, and the OpenBLAS core-type
 * decision.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "err.h"
#include "prov.h"

static struct prov *collect_ok(void)
{
	char err[MC_ERRLEN] = "";
	struct prov *p = NULL;

	if (prov_collect(&p, err, sizeof(err)) != 0)
		fail_msg("prov_collect: %s", err);
	assert_non_null(p);
	return p;
}

static const cJSON *get(const cJSON *obj, const char *key)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (!it)
		fail_msg("provenance JSON lacks \"%s\"", key);
	return it;
}

static void assert_unknown(const cJSON *obj, const char *key)
{
	const cJSON *it = get(obj, key);

	if (!cJSON_IsString(it) || strcmp(it->valuestring, "unknown") != 0)
		fail_msg("\"%s\" should be \"unknown\"", key);
}

static void test_real(void **state)
{
	struct prov *p = collect_ok(), *p2 = collect_ok();
	struct store_machine m, m2;
	cJSON *j;
	const cJSON *cpu, *flags, *ob, *env;

	(void)state;
	prov_machine(p, &m);
	prov_machine(p2, &m2);
	assert_true(m.cores >= 1);
	assert_true(m.threads >= m.cores);
	assert_true(m.mem_bytes > 0);
	assert_non_null(m.hostname);
	assert_non_null(m.kernel);
	assert_int_equal(strlen(m.fingerprint), 16);
	assert_string_equal(m.fingerprint, m2.fingerprint);
	assert_true(strncmp(prov_compiler(p), "gcc ", 4) == 0 ||
		    strncmp(prov_compiler(p), "clang ", 6) == 0);
	assert_non_null(prov_cflags(p));

	j = prov_json(p);
	assert_non_null(j);
	static const char *const keys[] = {
		"hostname", "os", "kernel", "cpu", "fingerprint", "mem_bytes", "governor",
		"freq_mhz", "loadavg", "openblas", "environment", "compiler", "cflags", "git",
	};
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		get(j, keys[i]);
	assert_string_equal(get(j, "fingerprint")->valuestring, m.fingerprint);
	cpu = get(j, "cpu");
	assert_true(get(cpu, "cores")->valuedouble >= 1);
	get(get(cpu, "cache_bytes"), "l3");
	flags = get(cpu, "flags");
	assert_true(cJSON_IsBool(get(flags, "avx2")));
	assert_true(cJSON_IsBool(get(flags, "avx512f")));
	ob = get(j, "openblas");
	assert_true(cJSON_IsString(get(ob, "config")));
	assert_true(cJSON_IsString(get(ob, "corename")));
	get(ob, "version");
	get(ob, "threads");
	assert_true(cJSON_IsBool(get(ob, "coretype_forced")));
	get(ob, "coretype_env");
	env = get(j, "environment");
	assert_true(cJSON_IsObject(env));
	cJSON_Delete(j);
	prov_free(p2);
	prov_free(p);
	prov_free(NULL);
}

static void test_environment_sorted(void **state)
{
	struct prov *p;
	cJSON *j;
	const cJSON *env, *it;
	const char *prev = "";

	(void)state;
	setenv("OMP_NUM_THREADS", "3", 1);
	setenv("OPENBLAS_VERBOSE", "0", 1);
	setenv("CL_TEST_VAR", "x", 1);
	setenv("MCBENCH_CORETYPE_FORCED", "1", 1);
	setenv("UNRELATED_VAR", "y", 1);
	p = collect_ok();
	j = prov_json(p);
	env = get(j, "environment");
	assert_string_equal(get(env, "OMP_NUM_THREADS")->valuestring, "3");
	assert_string_equal(get(env, "OPENBLAS_VERBOSE")->valuestring, "0");
	assert_string_equal(get(env, "CL_TEST_VAR")->valuestring, "x");
	assert_null(cJSON_GetObjectItemCaseSensitive(env, "UNRELATED_VAR"));
	cJSON_ArrayForEach(it, env) {
		assert_true(strcmp(prev, it->string) < 0);
		prev = it->string;
	}
	assert_true(cJSON_IsTrue(get(get(j, "openblas"), "coretype_forced")));
	cJSON_Delete(j);
	prov_free(p);
	unsetenv("OMP_NUM_THREADS");
	unsetenv("OPENBLAS_VERBOSE");
	unsetenv("CL_TEST_VAR");
	unsetenv("MCBENCH_CORETYPE_FORCED");
	unsetenv("UNRELATED_VAR");
}

static void test_sysroot_empty(void **state)
{
	char dir[] = "/tmp/mcbench-prov-XXXXXX";
	struct prov *p;
	struct store_machine m;
	cJSON *j;
	const cJSON *cpu;

	(void)state;
	assert_non_null(mkdtemp(dir));
	setenv("MCBENCH_SYSROOT", dir, 1);
	p = collect_ok();
	unsetenv("MCBENCH_SYSROOT");
	rmdir(dir);

	prov_machine(p, &m);
	assert_string_equal(m.os, "unknown");
	assert_string_equal(m.cpu_model, "unknown");
	assert_true(m.mem_bytes == -1);
	assert_int_equal(strlen(m.fingerprint), 16);
	j = prov_json(p);
	assert_unknown(j, "os");
	assert_unknown(j, "governor");
	assert_unknown(j, "loadavg");
	assert_unknown(j, "mem_bytes");
	assert_unknown(get(j, "freq_mhz"), "cur");
	assert_unknown(get(j, "freq_mhz"), "max");
	cpu = get(j, "cpu");
	assert_unknown(cpu, "model");
	cJSON_Delete(j);
	prov_free(p);
}

static void test_git(void **state)
{
	char dir[] = "/tmp/mcbench-git-XXXXXX";
	struct prov *p;
	const char *commit;

	(void)state;
	/* Not a repository: commit NULL, dirty unknown. */
	assert_non_null(mkdtemp(dir));
	setenv("MCBENCH_SRCDIR", dir, 1);
	p = collect_ok();
	assert_null(prov_git_commit(p));
	assert_int_equal(prov_git_dirty(p), -1);
	prov_free(p);
	rmdir(dir);
	unsetenv("MCBENCH_SRCDIR");

	/* The source tree (the tests run from its root) is a repository
	 * where git is installed; skip the check where it is not. */
	p = collect_ok();
	commit = prov_git_commit(p);
	if (commit) {
		assert_int_equal(strlen(commit), 40);
		assert_true(prov_git_dirty(p) == 0 || prov_git_dirty(p) == 1);
	} else {
		assert_int_equal(prov_git_dirty(p), -1);
	}
	prov_free(p);
}

static void test_coretype_choice(void **state)
{
	(void)state;
	/* AVX-512 present, OpenBLAS settled for an AVX2 core, no user choice. */
	assert_int_equal(prov_coretype_choice("Haswell", 1, NULL), 1);
	assert_int_equal(prov_coretype_choice("haswell", 1, NULL), 1);
	assert_int_equal(prov_coretype_choice("Zen", 1, NULL), 1);
	assert_int_equal(prov_coretype_choice("ZEN", 1, ""), 1);
	/* The user chose. */
	assert_int_equal(prov_coretype_choice("Haswell", 1, "Haswell"), 0);
	assert_int_equal(prov_coretype_choice("Zen", 1, "SkylakeX"), 0);
	/* No AVX-512: forcing SkylakeX kernels would crash. */
	assert_int_equal(prov_coretype_choice("Haswell", 0, NULL), 0);
	assert_int_equal(prov_coretype_choice("Zen", 0, NULL), 0);
	/* OpenBLAS already uses AVX-512 kernels, or another core entirely. */
	assert_int_equal(prov_coretype_choice("SkylakeX", 1, NULL), 0);
	assert_int_equal(prov_coretype_choice("Cooperlake", 1, NULL), 0);
	assert_int_equal(prov_coretype_choice("SapphireRapids", 1, NULL), 0);
	/* Older cores on an AVX-512 CPU (a masked CPUID under a hypervisor). */
	assert_int_equal(prov_coretype_choice("Prescott", 1, NULL), 1);
	assert_int_equal(prov_coretype_choice("Sandybridge", 1, NULL), 1);
	assert_int_equal(prov_coretype_choice("Prescott", 0, NULL), 0);
	assert_int_equal(prov_coretype_choice(NULL, 1, NULL), 0);
}

static void test_coretype_no_reexec_here(void **state)
{
	char *argv[] = { (char *)"test_prov", NULL };

	(void)state;
	/* With the opt-out set this must return without exec'ing. */
	setenv("MCBENCH_NO_CORETYPE", "1", 1);
	prov_openblas_coretype(argv);
	unsetenv("MCBENCH_NO_CORETYPE");
	assert_null(getenv("MCBENCH_CORETYPE_FORCED"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real),
		cmocka_unit_test(test_environment_sorted),
		cmocka_unit_test(test_sysroot_empty),
		cmocka_unit_test(test_git),
		cmocka_unit_test(test_coretype_choice),
		cmocka_unit_test(test_coretype_no_reexec_here),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
