/*
 * test_peer_proc.c - unit tests of the peer child-process protocol
 * (src/backend/peer_proc.c) with /bin/sh scripts as the adapter: a reply
 * line is parsed, ok false becomes MC_ENOTSUP or MC_EINVAL with the
 * adapter's text on one line, and an adapter that prints something other
 * than JSON, exits, or does not answer in time is MC_EIO saying so (with
 * its stderr's last line) and is stopped.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "err.h"
#include "peer_proc.h"

struct fixture {
	char dir[64];
	char script[PATH_MAX];
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/mcbench-proc-XXXXXX");
	if (!mkdtemp(fx->dir)) {
		free(fx);
		return -1;
	}
	peer_proc_path(fx->dir, "adapter.sh", fx->script, sizeof(fx->script));
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	char path[PATH_MAX];

	peer_proc_path(fx->dir, "stderr.log", path, sizeof(path));
	unlink(path);
	unlink(fx->script);
	rmdir(fx->dir);
	free(fx);
	return 0;
}

/* A started handle running the shell script body as the adapter. */
static struct peer_proc *start(struct fixture *fx, const char *body,
			       int timeout_s)
{
	struct peer_proc *p = NULL;
	char err[MC_ERRLEN];
	FILE *f = fopen(fx->script, "w");

	assert_non_null(f);
	fputs(body, f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(peer_proc_create("t", "/bin/sh", fx->script, fx->dir,
					  timeout_s, &p, err, sizeof(err)), 0);
	assert_false(peer_proc_running(p));
	if (peer_proc_spawn(p, err, sizeof(err)))
		fail_msg("spawn: %s", err);
	assert_true(peer_proc_running(p));
	return p;
}

static void test_reply(void **state)
{
	struct peer_proc *p = start(*state, "while read l; do "
				    "echo '{\"ok\":true,\"n\":7}'; done\n", 10);
	cJSON *reply = NULL;
	char err[MC_ERRLEN];

	for (int i = 0; i < 2; i++) {
		assert_int_equal(peer_proc_call(p, peer_proc_request("hello"),
						&reply, "hello", err,
						sizeof(err)), 0);
		assert_int_equal(cJSON_GetObjectItem(reply, "n")->valueint, 7);
		cJSON_Delete(reply);
	}
	assert_int_equal(peer_proc_stop(p, 1, 3000), 0);
	assert_false(peer_proc_running(p));
	assert_int_equal(peer_proc_call(p, peer_proc_request("run"), &reply,
					"run", err, sizeof(err)), MC_EIO);
	assert_string_equal(err, "t: the adapter is not running");
	assert_null(reply);
	peer_proc_destroy(p);
}

static void test_not_ok(void **state)
{
	struct peer_proc *p = start(*state,
		"read l; echo '{\"ok\":false,\"error\":\"unsupported kernel: t has no x\"}'\n"
		/* printf, not echo: dash's echo would expand the \n */
		"read l; printf '%s\\n' '{\"ok\":false,\"error\":\"bad\\nthing\"}'\n"
		"read l; echo '{\"ok\":false}'\n"
		"cat >/dev/null\n", 10);
	cJSON *reply = NULL;
	char err[MC_ERRLEN];

	assert_int_equal(peer_proc_call(p, peer_proc_request("prepare"), &reply,
					"prepare", err, sizeof(err)), MC_ENOTSUP);
	assert_string_equal(err, "t: unsupported kernel: t has no x");
	assert_non_null(reply);   /* still there for the caller */
	cJSON_Delete(reply);
	assert_int_equal(peer_proc_call(p, peer_proc_request("prepare"), &reply,
					"prepare", err, sizeof(err)), MC_EINVAL);
	assert_string_equal(err, "t: prepare failed: bad thing");
	cJSON_Delete(reply);
	assert_int_equal(peer_proc_call(p, peer_proc_request("run"), &reply,
					"run", err, sizeof(err)), MC_EINVAL);
	assert_string_equal(err, "t: run failed: the adapter gave no reason");
	cJSON_Delete(reply);
	assert_true(peer_proc_running(p));
	peer_proc_destroy(p);
}

static void test_not_json(void **state)
{
	struct peer_proc *p = start(*state, "read l; echo 'hello there'; "
				    "exec sleep 30\n", 10);
	cJSON *reply = NULL;
	char err[MC_ERRLEN];

	assert_int_equal(peer_proc_call(p, peer_proc_request("hello"), &reply,
					"hello", err, sizeof(err)), MC_EIO);
	assert_string_equal(err, "t: the adapter's reply during hello is not "
			    "JSON (\"hello there\"); stopped it");
	assert_false(peer_proc_running(p));
	peer_proc_destroy(p);
}

static void test_exit(void **state)
{
	struct peer_proc *p = start(*state, "read l; echo 'first' >&2; "
				    "echo 'boom: the last line' >&2; exit 3\n", 10);
	cJSON *reply = NULL;
	char err[MC_ERRLEN];

	assert_int_equal(peer_proc_call(p, peer_proc_request("run"), &reply,
					"run", err, sizeof(err)), MC_EIO);
	if (!strstr(err, "exited with status 3 during run: boom: the last line"))
		fail_msg("err: %s", err);
	assert_false(peer_proc_running(p));
	peer_proc_destroy(p);
}

static void test_timeout(void **state)
{
	struct peer_proc *p = start(*state, "read l; exec sleep 30\n", 1);
	cJSON *reply = NULL;
	char err[MC_ERRLEN];

	assert_int_equal(peer_proc_call(p, peer_proc_request("run"), &reply,
					"run", err, sizeof(err)), MC_EIO);
	if (!strstr(err, "did not answer within 1 s (MCBENCH_PEER_TIMEOUT) and "
			 "was killed during run"))
		fail_msg("err: %s", err);
	assert_false(peer_proc_running(p));
	peer_proc_destroy(p);
}

/* A start-up that hangs is reported after the start-up limit, not the
 * per-request one (900 s in mcbench, which stalled a run silently). */
static void test_startup_timeout(void **state)
{
	struct peer_proc *p;
	cJSON *reply = NULL;
	char err[MC_ERRLEN];

	setenv("MCBENCH_PEER_STARTUP_TIMEOUT", "1", 1);
	p = start(*state, "read l; exec sleep 30\n", 60);
	assert_int_equal(peer_proc_call(p, peer_proc_request("hello"), &reply,
					"hello", err, sizeof(err)), MC_EIO);
	unsetenv("MCBENCH_PEER_STARTUP_TIMEOUT");
	if (!strstr(err, "did not start: no answer to its first request within 1 s "
			 "(MCBENCH_PEER_STARTUP_TIMEOUT); killed during hello"))
		fail_msg("err: %s", err);
	assert_false(peer_proc_running(p));
	peer_proc_destroy(p);
}

/* Once it has answered, a request may take the whole per-request limit. */
static void test_startup_limit_is_first_reply_only(void **state)
{
	struct peer_proc *p;
	cJSON *reply = NULL;
	char err[MC_ERRLEN];

	setenv("MCBENCH_PEER_STARTUP_TIMEOUT", "1", 1);
	p = start(*state, "read l; echo '{\"ok\": true}'; read l; sleep 2; "
		  "echo '{\"ok\": true}'; exec sleep 30\n", 10);
	assert_int_equal(peer_proc_call(p, peer_proc_request("hello"), &reply,
					"hello", err, sizeof(err)), 0);
	cJSON_Delete(reply);
	reply = NULL;
	if (peer_proc_call(p, peer_proc_request("run"), &reply, "run", err, sizeof(err)))
		fail_msg("err: %s", err);
	unsetenv("MCBENCH_PEER_STARTUP_TIMEOUT");
	cJSON_Delete(reply);
	peer_proc_destroy(p);
}

/* A zombie (killed, waiting for a PID 1 that may never reap it) is gone. */
static int is_zombie(long pid)
{
	char path[64], state = 0;
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if (!(f = fopen(path, "r")))
		return 1;
	ok = fscanf(f, "%*d (%*[^)]) %c", &state) == 1;
	fclose(f);
	return ok && state == 'Z';
}

/* The adapter does not outlive its parent killed with SIGKILL. */
static void test_dies_with_parent(void **state)
{
	struct fixture *fx = *state;
	char pidfile[PATH_MAX], body[PATH_MAX + 64];
	long peer = 0;
	pid_t mid;
	int st = 0, gone = 0;
	FILE *f;

	peer_proc_path(fx->dir, "pid", pidfile, sizeof(pidfile));
	snprintf(body, sizeof(body), "echo $$ > %s; exec sleep 30\n", pidfile);
	mid = fork();
	assert_true(mid >= 0);
	if (mid == 0) {
		struct peer_proc *p = start(fx, body, 10);

		(void)p;
		pause();
		_exit(0);
	}
	for (int i = 0; i < 200 && !peer; i++) {
		usleep(10000);
		if ((f = fopen(pidfile, "r"))) {
			if (fscanf(f, "%ld", &peer) != 1)
				peer = 0;
			fclose(f);
		}
	}
	assert_true(peer > 0);
	kill(mid, SIGKILL);
	waitpid(mid, &st, 0);
	for (int i = 0; i < 200 && !gone; i++) {
		usleep(10000);
		gone = kill((pid_t)peer, 0) != 0 || is_zombie(peer);
	}
	unlink(pidfile);
	assert_true(gone);
}

static void test_helpers(void **state)
{
	struct peer_proc *p = start(*state, "cat >/dev/null\n", 10);
	cJSON *reply = NULL;
	char err[MC_ERRLEN], text[] = "a\nb\tc\rd", path[8];

	/* a request that could not be made is reported, not sent */
	assert_int_equal(peer_proc_call(p, NULL, &reply, "run", err,
					sizeof(err)), MC_ENOMEM);
	assert_string_equal(err, "t: out of memory for a request");
	assert_int_equal(peer_proc_one_line(-5, text), -5);
	assert_string_equal(text, "a b c d");
	peer_proc_path("/d", "f", path, sizeof(path));
	assert_string_equal(path, "/d/f");
	peer_proc_path("/too/long", "name", path, sizeof(path));
	assert_string_equal(path, "");
	peer_proc_destroy(p);   /* stops the running adapter */
	peer_proc_destroy(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_reply, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_ok, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_json, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_startup_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_startup_limit_is_first_reply_only,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_dies_with_parent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_helpers, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
