/*
 * prov.c - provenance of a run: machine, OS, CPU, OpenBLAS, environment,
 * compiler and git state, read once at run start (see prov.h).
 *
 * Every source is optional: what cannot be read is recorded as the string
 * "unknown" (or NULL / -1 through the accessors), never an error, so a run in
 * a container or a VM still records what it can. Files under /proc, /sys and
 * /etc are read below $MCBENCH_SYSROOT so tests can hide them; hwloc reads
 * the real system.
 */
#include "prov.h"
#include "err.h"

#include <ctype.h>
#include <errno.h>
#include <hwloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cblas.h>

#ifndef MC_CFLAGS
#define MC_CFLAGS "unknown"
#endif

#define PROV_UNKNOWN "unknown"

extern char **environ;

struct prov {
	char *hostname, *os, *kernel, *cpu_model, *fingerprint;
	int64_t cores, threads, mem_bytes;  /* -1 unknown */
	char *git_commit;                   /* NULL unknown */
	int git_dirty;                      /* -1 unknown */
	char *compiler, *cflags;
	cJSON *json;
};

/* Environment variables recorded: these steer the libraries we measure. */
static const char *const env_prefixes[] = {
	"OPENBLAS_", "GOTO", "OMP_", "OCL_", "POCL_", "MKL_",
	"CUDA_VISIBLE_DEVICES", "CL_", NULL,
};

/* ------------------------------------------------------------ files */

/* Reads up to n-1 bytes of $MCBENCH_SYSROOT/abs_path into buf. */
static int read_sys_file(const char *abs_path, char *buf, size_t n)
{
	const char *root = getenv("MCBENCH_SYSROOT");
	char path[4096];
	FILE *f;
	size_t got;

	if (!root)
		root = "";
	if ((size_t)snprintf(path, sizeof(path), "%s%s", root, abs_path) >= sizeof(path))
		return -1;
	f = fopen(path, "r");
	if (!f)
		return -1;
	got = fread(buf, 1, n - 1, f);
	if (ferror(f)) {
		fclose(f);
		return -1;
	}
	fclose(f);
	buf[got] = '\0';
	return 0;
}

static void trim(char *s)
{
	size_t len = strlen(s), i = 0;

	while (len > 0 && isspace((unsigned char)s[len - 1]))
		s[--len] = '\0';
	while (isspace((unsigned char)s[i]))
		i++;
	if (i > 0)
		memmove(s, s + i, len - i + 1);
}

/* The value of "key<sep>value" on the first line starting with key in a
 * file, trimmed and without surrounding quotes; malloc'd, or NULL. */
static char *file_field(const char *abs_path, const char *key, char sep)
{
	/* The first 64 KiB hold the fields we want (cpuinfo's first CPU). */
	const size_t n_buf = 1 << 16;
	size_t klen = strlen(key);
	char *buf, *line, *save = NULL, *v, *found = NULL;

	buf = malloc(n_buf);
	if (!buf || read_sys_file(abs_path, buf, n_buf) != 0) {
		free(buf);
		return NULL;
	}
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, key, klen) != 0)
			continue;
		v = line + klen;
		while (*v == ' ' || *v == '\t')
			v++;
		if (*v != sep)
			continue;
		v++;
		trim(v);
		if (*v == '"' || *v == '\'') {
			size_t len = strlen(v);
			if (len >= 2 && v[len - 1] == v[0]) {
				v[len - 1] = '\0';
				v++;
			}
		}
		if (*v)
			found = strdup(v);
		break;
	}
	free(buf);
	return found;
}

/* A file holding one line, trimmed; malloc'd, or NULL. */
static char *file_line(const char *abs_path)
{
	char buf[512];

	if (read_sys_file(abs_path, buf, sizeof(buf)) != 0)
		return NULL;
	trim(buf);
	return buf[0] ? strdup(buf) : NULL;
}

/* ------------------------------------------------------------ helpers */

static char *dup_or_unknown(const char *s)
{
	return strdup(s && *s ? s : PROV_UNKNOWN);
}

static void add_str(cJSON *obj, const char *key, const char *s)
{
	cJSON_AddStringToObject(obj, key, s && *s ? s : PROV_UNKNOWN);
}

/* A count or size, or "unknown" when negative. */
static void add_num(cJSON *obj, const char *key, double v)
{
	if (v < 0)
		cJSON_AddStringToObject(obj, key, PROV_UNKNOWN);
	else
		cJSON_AddNumberToObject(obj, key, v);
}

static uint64_t fnv1a64(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* ------------------------------------------------------------ CPU */

struct cpu_flags {
	int avx2, fma, avx512f, avx512bw, avx512vl, avx512dq;
};

static void cpu_flags_read(struct cpu_flags *f)
{
	memset(f, 0, sizeof(*f));
#if defined(__x86_64__) || defined(__i386__)
	__builtin_cpu_init();
	f->avx2 = __builtin_cpu_supports("avx2") != 0;
	f->fma = __builtin_cpu_supports("fma") != 0;
	f->avx512f = __builtin_cpu_supports("avx512f") != 0;
	f->avx512bw = __builtin_cpu_supports("avx512bw") != 0;
	f->avx512vl = __builtin_cpu_supports("avx512vl") != 0;
	f->avx512dq = __builtin_cpu_supports("avx512dq") != 0;
#endif
}

static int cpu_has_avx512(const struct cpu_flags *f)
{
	return f->avx512f && f->avx512bw && f->avx512vl && f->avx512dq;
}

/* Size in bytes of the first cache object of type t, or -1. */
static double cache_bytes(hwloc_topology_t topo, hwloc_obj_type_t t)
{
	hwloc_obj_t o = NULL;

	while ((o = hwloc_get_next_obj_by_type(topo, t, o)) != NULL) {
		if (o->attr && o->attr->cache.type != HWLOC_OBJ_CACHE_INSTRUCTION)
			return (double)o->attr->cache.size;
	}
	return -1;
}

static double nb_objs(hwloc_topology_t topo, hwloc_obj_type_t t)
{
	int n = hwloc_get_nbobjs_by_type(topo, t);

	return n > 0 ? n : -1;
}

/* Cores, threads, caches and NUMA nodes into cpu; counts into p. */
static void cpu_topology(struct prov *p, cJSON *cpu)
{
	hwloc_topology_t topo;
	cJSON *caches;
	double l1 = -1, l2 = -1, l3 = -1, numa = -1;

	p->cores = p->threads = -1;
	if (hwloc_topology_init(&topo) == 0) {
		if (hwloc_topology_load(topo) == 0) {
			double c = nb_objs(topo, HWLOC_OBJ_CORE);
			double t = nb_objs(topo, HWLOC_OBJ_PU);

			p->cores = (int64_t)c;
			p->threads = (int64_t)t;
			l1 = cache_bytes(topo, HWLOC_OBJ_L1CACHE);
			l2 = cache_bytes(topo, HWLOC_OBJ_L2CACHE);
			l3 = cache_bytes(topo, HWLOC_OBJ_L3CACHE);
			numa = nb_objs(topo, HWLOC_OBJ_NUMANODE);
		}
		hwloc_topology_destroy(topo);
	}
	add_num(cpu, "cores", (double)p->cores);
	add_num(cpu, "threads", (double)p->threads);
	add_num(cpu, "numa_nodes", numa);
	caches = cJSON_AddObjectToObject(cpu, "cache_bytes");
	if (caches) {
		add_num(caches, "l1d", l1);
		add_num(caches, "l2", l2);
		add_num(caches, "l3", l3);
	}
}

static void cpu_json(struct prov *p, const struct cpu_flags *fl, cJSON *root)
{
	cJSON *cpu = cJSON_AddObjectToObject(root, "cpu"), *flags;

	if (!cpu)
		return;
	add_str(cpu, "model", p->cpu_model);
	cpu_topology(p, cpu);
	flags = cJSON_AddObjectToObject(cpu, "flags");
	if (flags) {
		cJSON_AddBoolToObject(flags, "avx2", fl->avx2);
		cJSON_AddBoolToObject(flags, "fma", fl->fma);
		cJSON_AddBoolToObject(flags, "avx512f", fl->avx512f);
		cJSON_AddBoolToObject(flags, "avx512bw", fl->avx512bw);
		cJSON_AddBoolToObject(flags, "avx512vl", fl->avx512vl);
		cJSON_AddBoolToObject(flags, "avx512dq", fl->avx512dq);
	}
}

/* A kHz sysfs file as MHz, or -1. */
static double sys_mhz(const char *abs_path)
{
	char *s = file_line(abs_path), *end;
	double khz = -1;

	if (s) {
		errno = 0;
		khz = strtod(s, &end);
		if (errno || end == s || khz <= 0)
			khz = -1;
		free(s);
	}
	return khz > 0 ? khz / 1000.0 : -1;
}

static void freq_json(cJSON *root)
{
	char *gov = file_line("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor");
	cJSON *f;

	add_str(root, "governor", gov);
	free(gov);
	f = cJSON_AddObjectToObject(root, "freq_mhz");
	if (f) {
		add_num(f, "cur", sys_mhz("/sys/devices/system/cpu/cpu0/cpufreq/scaling_cur_freq"));
		add_num(f, "max", sys_mhz("/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq"));
	}
}

/* What pyperf's `system show` looks at, where this kernel exposes it; a
 * file that cannot be read is "unknown" (VMs hide most of it). */
static void system_json(cJSON *root)
{
	static const struct {
		const char *key, *path;
	} files[] = {
		{ "aslr", "/proc/sys/kernel/randomize_va_space" },   /* 0 off, 2 full */
		{ "intel_pstate_no_turbo", "/sys/devices/system/cpu/intel_pstate/no_turbo" },
		{ "cpufreq_boost", "/sys/devices/system/cpu/cpufreq/boost" },
		{ "isolated_cpus", "/sys/devices/system/cpu/isolated" },
		{ "nohz_full", "/sys/devices/system/cpu/nohz_full" },
		{ "online_cpus", "/sys/devices/system/cpu/online" },
		{ "perf_event_max_sample_rate", "/proc/sys/kernel/perf_event_max_sample_rate" },
	};
	cJSON *sys = cJSON_AddObjectToObject(root, "system");
	char *nt, *boost;

	if (!sys)
		return;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char *v = file_line(files[i].path);

		/* An empty isolated list means none isolated, not unknown. */
		add_str(sys, files[i].key, v && !*v ? "none" : v);
		free(v);
	}
	nt = file_line("/sys/devices/system/cpu/intel_pstate/no_turbo");
	boost = file_line("/sys/devices/system/cpu/cpufreq/boost");
	add_str(sys, "turbo", nt ? (strcmp(nt, "0") == 0 ? "on" : "off")
			  : boost ? (strcmp(boost, "1") == 0 ? "on" : "off") : NULL);
	free(boost);
	free(nt);
}

static void loadavg_json(cJSON *root)
{
	char *s = file_line("/proc/loadavg");
	double l[3];
	cJSON *arr;

	if (!s || sscanf(s, "%lf %lf %lf", &l[0], &l[1], &l[2]) != 3) {
		cJSON_AddStringToObject(root, "loadavg", PROV_UNKNOWN);
	} else if ((arr = cJSON_AddArrayToObject(root, "loadavg")) != NULL) {
		for (int i = 0; i < 3; i++)
			cJSON_AddItemToArray(arr, cJSON_CreateNumber(l[i]));
	}
	free(s);
}

static int64_t mem_total_bytes(void)
{
	char *s = file_field("/proc/meminfo", "MemTotal", ':'), *end;
	long long kb;
	int64_t bytes = -1;

	if (s) {
		errno = 0;
		kb = strtoll(s, &end, 10);
		if (!errno && end != s && kb > 0)
			bytes = (int64_t)kb * 1024;
		free(s);
	}
	return bytes;
}

/* ------------------------------------------------------------ OpenBLAS */

int prov_coretype_choice(const char *corename, int has_avx512,
			 const char *env_coretype)
{
	if (env_coretype && *env_coretype)
		return 0;
	if (!has_avx512 || !corename)
		return 0;
	/* Any core OpenBLAS has no AVX-512 kernels for is a downgrade on a CPU
	 * that has AVX-512: Haswell/Zen on Zen 4/5, and Prescott (SSE3), which
	 * 0.3.21 picks on Xeons whose CPUID a hypervisor masks. */
	return strcasecmp(corename, "skylakex") != 0 &&
	       strcasecmp(corename, "cooperlake") != 0 &&
	       strcasecmp(corename, "sapphirerapids") != 0;
}

void prov_openblas_coretype(char **argv)
{
	struct cpu_flags fl;

	if (getenv("MCBENCH_NO_CORETYPE"))
		return;
	cpu_flags_read(&fl);
	if (!prov_coretype_choice(openblas_get_corename(), cpu_has_avx512(&fl),
				  getenv("OPENBLAS_CORETYPE")))
		return;
	if (setenv("OPENBLAS_CORETYPE", "SkylakeX", 1) != 0 ||
	    setenv("MCBENCH_CORETYPE_FORCED", "1", 1) != 0)
		return;
	execv("/proc/self/exe", argv);
	/* The re-exec failed: carry on with the kernels OpenBLAS chose, and do
	 * not claim a forced core type that is not in effect. */
	unsetenv("OPENBLAS_CORETYPE");
	unsetenv("MCBENCH_CORETYPE_FORCED");
}

/* "OpenBLAS 0.3.21 DYNAMIC_ARCH ..." -> "0.3.21" (malloc'd), or NULL. */
static char *openblas_version(const char *config)
{
	const char *v;
	size_t len;

	if (!config || strncmp(config, "OpenBLAS ", 9) != 0)
		return NULL;
	v = config + 9;
	len = strcspn(v, " \t");
	return len ? strndup(v, len) : NULL;
}

static void openblas_json(cJSON *root)
{
	cJSON *o = cJSON_AddObjectToObject(root, "openblas");
	const char *config = openblas_get_config();
	const char *env = getenv("OPENBLAS_CORETYPE");
	const char *forced = getenv("MCBENCH_CORETYPE_FORCED");
	char *version;

	if (!o)
		return;
	version = openblas_version(config);
	add_str(o, "version", version);
	free(version);
	add_str(o, "config", config);
	add_str(o, "corename", openblas_get_corename());
	add_num(o, "threads", openblas_get_num_threads());
	cJSON_AddBoolToObject(o, "coretype_forced", forced && strcmp(forced, "1") == 0);
	if (env)
		cJSON_AddStringToObject(o, "coretype_env", env);
	else
		cJSON_AddNullToObject(o, "coretype_env");
}

/* ------------------------------------------------------------ environment */

static int env_recorded(const char *entry)
{
	for (size_t i = 0; env_prefixes[i]; i++)
		if (strncmp(entry, env_prefixes[i], strlen(env_prefixes[i])) == 0)
			return 1;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int env_json(cJSON *root)
{
	cJSON *o = cJSON_AddObjectToObject(root, "environment");
	const char **picked = NULL;
	size_t n = 0, cap = 0;
	int rc = MC_ENOMEM;

	if (!o)
		return MC_ENOMEM;
	for (char **e = environ; e && *e; e++) {
		if (!strchr(*e, '=') || !env_recorded(*e))
			continue;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			const char **np = realloc(picked, ncap * sizeof(*np));
			if (!np)
				goto out;
			picked = np;
			cap = ncap;
		}
		picked[n++] = *e;
	}
	if (n)
		qsort(picked, n, sizeof(*picked), cmp_str);
	for (size_t i = 0; i < n; i++) {
		const char *eq = strchr(picked[i], '=');
		char *key = strndup(picked[i], (size_t)(eq - picked[i]));
		if (!key)
			goto out;
		cJSON_AddStringToObject(o, key, eq + 1);
		free(key);
	}
	rc = 0;
out:
	free(picked);
	return rc;
}

/* ------------------------------------------------------------ git */

/* Runs cmd; first line of its output (malloc'd) in *out_line when wanted,
 * whether it printed anything in *out_any. 0 when it exited with status 0. */
static int run_cmd(const char *cmd, char **out_line, int *out_any)
{
	char buf[256];
	FILE *f;
	int any = 0, status;

	if (out_line)
		*out_line = NULL;
	fflush(NULL);
	f = popen(cmd, "r");
	if (!f)
		return -1;
	while (fgets(buf, sizeof(buf), f)) {
		if (!any && out_line) {
			trim(buf);
			*out_line = strdup(buf);
		}
		any = 1;
	}
	status = pclose(f);
	if (out_any)
		*out_any = any;
	if (status != 0) {
		if (out_line) {
			free(*out_line);
			*out_line = NULL;
		}
		return -1;
	}
	return 0;
}

/* dir single-quoted for sh, into out. */
static int shell_quote(const char *s, char *out, size_t n)
{
	size_t j = 0;

	if (n < 3)
		return -1;
	out[j++] = '\'';
	for (; *s; s++) {
		if (*s == '\'') {
			if (j + 5 >= n)
				return -1;
			memcpy(out + j, "'\\''", 4);
			j += 4;
		} else {
			if (j + 2 >= n)
				return -1;
			out[j++] = *s;
		}
	}
	out[j++] = '\'';
	out[j] = '\0';
	return 0;
}

static int is_hex_commit(const char *s)
{
	size_t n = 0;

	for (; s[n]; n++)
		if (!isxdigit((unsigned char)s[n]))
			return 0;
	return n == 40 || n == 64;
}

static void git_state(struct prov *p)
{
	const char *dir = getenv("MCBENCH_SRCDIR");
	char q[2048], cmd[4096 + 128];
	char *line = NULL;
	int any = 0;

	p->git_commit = NULL;
	p->git_dirty = -1;
	/* A binary carried to a machine without the checkout (the GPU host)
	 * is told its commit by whoever built it. */
	if (getenv("MCBENCH_GIT_COMMIT") && is_hex_commit(getenv("MCBENCH_GIT_COMMIT"))) {
		const char *d = getenv("MCBENCH_GIT_DIRTY");

		p->git_commit = strdup(getenv("MCBENCH_GIT_COMMIT"));
		p->git_dirty = d && (*d == '0' || *d == '1') ? *d - '0' : -1;
		return;
	}
	if (!dir || !*dir)
		dir = ".";
	if (shell_quote(dir, q, sizeof(q)) != 0)
		return;
	snprintf(cmd, sizeof(cmd), "git -C %s rev-parse HEAD 2>/dev/null </dev/null", q);
	if (run_cmd(cmd, &line, NULL) != 0 || !line || !is_hex_commit(line)) {
		free(line);
		return;
	}
	p->git_commit = line;
	snprintf(cmd, sizeof(cmd),
		 "git -C %s status --porcelain --untracked-files=no 2>/dev/null </dev/null", q);
	if (run_cmd(cmd, NULL, &any) == 0)
		p->git_dirty = any;
}

/* ------------------------------------------------------------ collect */

static const char *compiler_string(void)
{
#if defined(__clang__)
	return "clang " __clang_version__;
#elif defined(__GNUC__)
	return "gcc " __VERSION__;
#else
	return "unknown";
#endif
}

static char *os_pretty_name(void)
{
	char *s = file_field("/etc/os-release", "PRETTY_NAME", '=');

	if (!s)
		s = file_field("/usr/lib/os-release", "PRETTY_NAME", '=');
	return s;
}

/* Strings, counts and the fingerprint; everything but the JSON. */
static int collect_identity(struct prov *p)
{
	struct utsname u;
	char host[256];
	char *s;

	p->kernel = dup_or_unknown(uname(&u) == 0 ? u.release : NULL);
	if (gethostname(host, sizeof(host)) != 0)
		host[0] = '\0';
	host[sizeof(host) - 1] = '\0';
	p->hostname = dup_or_unknown(host);
	s = os_pretty_name();
	p->os = dup_or_unknown(s);
	free(s);
	s = file_field("/proc/cpuinfo", "model name", ':');
	p->cpu_model = dup_or_unknown(s);
	free(s);
	p->mem_bytes = mem_total_bytes();
	p->compiler = strdup(compiler_string());
	p->cflags = strdup(MC_CFLAGS);
	if (!p->kernel || !p->hostname || !p->os || !p->cpu_model ||
	    !p->compiler || !p->cflags)
		return MC_ENOMEM;
	git_state(p);
	return 0;
}

static int fingerprint(struct prov *p)
{
	char in[1024], hex[17];

	snprintf(in, sizeof(in), "%s|%s|%lld|%lld|%lld", p->hostname, p->cpu_model,
		 (long long)p->cores, (long long)p->threads, (long long)p->mem_bytes);
	snprintf(hex, sizeof(hex), "%016llx", (unsigned long long)fnv1a64(in));
	p->fingerprint = strdup(hex);
	return p->fingerprint ? 0 : MC_ENOMEM;
}

int prov_collect(struct prov **out, char *err, size_t n_err)
{
	struct prov *p = NULL;
	struct cpu_flags fl;
	cJSON *root, *git;
	int rc = MC_ENOMEM;

	*out = NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		goto out;
	p->git_dirty = -1;
	if ((rc = collect_identity(p)) != 0)
		goto out;
	rc = MC_ENOMEM;
	root = p->json = cJSON_CreateObject();
	if (!root)
		goto out;
	cpu_flags_read(&fl);
	cJSON_AddStringToObject(root, "hostname", p->hostname);
	cJSON_AddStringToObject(root, "os", p->os);
	cJSON_AddStringToObject(root, "kernel", p->kernel);
	cpu_json(p, &fl, root);   /* also fills cores and threads */
	if (fingerprint(p) != 0)
		goto out;
	cJSON_AddStringToObject(root, "fingerprint", p->fingerprint);
	add_num(root, "mem_bytes", (double)p->mem_bytes);
	freq_json(root);
	loadavg_json(root);
	system_json(root);
	openblas_json(root);
	if (env_json(root) != 0)
		goto out;
	cJSON_AddStringToObject(root, "compiler", p->compiler);
	cJSON_AddStringToObject(root, "cflags", p->cflags);
	git = cJSON_AddObjectToObject(root, "git");
	if (!git)
		goto out;
	if (p->git_commit)
		cJSON_AddStringToObject(git, "commit", p->git_commit);
	else
		cJSON_AddNullToObject(git, "commit");
	if (p->git_dirty >= 0)
		cJSON_AddBoolToObject(git, "dirty", p->git_dirty);
	else
		cJSON_AddNullToObject(git, "dirty");
	/* cJSON_Add* report failure only by a missing item; check the last
	 * ones of each kind instead of every call. */
	if (!cJSON_GetObjectItemCaseSensitive(git, "dirty") ||
	    !cJSON_GetObjectItemCaseSensitive(root, "cflags"))
		goto out;
	*out = p;
	return 0;
out:
	prov_free(p);
	return err_set(err, n_err, rc, "prov.c: out of memory while collecting provenance.");
}

void prov_free(struct prov *p)
{
	if (!p)
		return;
	free(p->hostname);
	free(p->os);
	free(p->kernel);
	free(p->cpu_model);
	free(p->fingerprint);
	free(p->git_commit);
	free(p->compiler);
	free(p->cflags);
	cJSON_Delete(p->json);
	free(p);
}

void prov_machine(const struct prov *p, struct store_machine *out)
{
	out->fingerprint = p->fingerprint;
	out->hostname = p->hostname;
	out->cpu_model = p->cpu_model;
	out->os = p->os;
	out->kernel = p->kernel;
	out->cores = p->cores;
	out->threads = p->threads;
	out->mem_bytes = p->mem_bytes;
}

const char *prov_git_commit(const struct prov *p)
{
	return p->git_commit;
}

int prov_git_dirty(const struct prov *p)
{
	return p->git_dirty;
}

const char *prov_compiler(const struct prov *p)
{
	return p->compiler;
}

const char *prov_cflags(const struct prov *p)
{
	return p->cflags;
}

cJSON *prov_json(const struct prov *p)
{
	return cJSON_Duplicate(p->json, 1);
}
