/*
 * peer_proc.c - the child-process protocol of the peer backends: one
 * persistent adapter process (`python adapter --peer name [--device d]`),
 * two pipes, one
 * JSON object per line each way, a time limit per reply, the last line of
 * its stderr in the errors, and a stop that always reaps it.
 *
 * SIGPIPE is blocked around writes, so an adapter that died is an error
 * sentence here, not the end of mcbench.
 */
#include "peer_proc.h"
#include "err.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Longest reply line accepted. */
#define PEER_PROC_MAX_LINE (1u << 20)
/* The first reply (the adapter importing its framework) may take this
 * long, however long later replies may: a start-up that hangs is reported
 * in two minutes, not after the 900 s a measurement may take.
 * MCBENCH_PEER_STARTUP_TIMEOUT overrides it (seconds). */
#define PEER_PROC_STARTUP_S 120

struct peer_proc {
	char name[32];             /* "mlx": starts every error sentence */
	char python[PATH_MAX];
	char adapter[PATH_MAX];
	char dir[PATH_MAX];        /* holds stderr.log */
	char device[16];           /* --device's value; "" for none */
	pid_t pid;                 /* -1 when no adapter is running */
	int to_fd, from_fd;        /* pipe ends; -1 when closed */
	char *rbuf;                /* bytes read, not yet consumed */
	size_t rlen, rcap;
	int timeout_s;
	int answered;              /* a reply came since the spawn */
};

int peer_proc_create(const char *name, const char *python, const char *adapter,
		     const char *dir, int timeout_s, struct peer_proc **out,
		     char *err, size_t n_err)
{
	struct peer_proc *p = calloc(1, sizeof(*p));

	*out = NULL;
	if (!p)
		return err_set(err, n_err, MC_ENOMEM, "%s: out of memory creating "
			       "the backend", name);
	snprintf(p->name, sizeof(p->name), "%s", name);
	snprintf(p->python, sizeof(p->python), "%s", python);
	snprintf(p->adapter, sizeof(p->adapter), "%s", adapter);
	snprintf(p->dir, sizeof(p->dir), "%s", dir);
	p->pid = -1;
	p->to_fd = p->from_fd = -1;
	p->timeout_s = timeout_s;
	*out = p;
	return 0;
}

int peer_proc_set_device(struct peer_proc *p, const char *device,
			 char *err, size_t n_err)
{
	if (!device)
		device = "";
	if (strlen(device) >= sizeof(p->device))
		return err_set(err, n_err, MC_EINVAL, "%s: device name '%s' is "
			       "longer than %zu characters", p->name, device,
			       sizeof(p->device) - 1);
	snprintf(p->device, sizeof(p->device), "%s", device);
	return 0;
}

void peer_proc_destroy(struct peer_proc *p)
{
	if (!p)
		return;
	peer_proc_stop(p, 1, 3000);
	free(p->rbuf);
	free(p);
}

int peer_proc_running(const struct peer_proc *p)
{
	return p && p->pid > 0;
}

void peer_proc_path(const char *dir, const char *name, char *out, size_t n_out)
{
	if ((size_t)snprintf(out, n_out, "%s/%s", dir, name) >= n_out)
		out[0] = '\0';
}

/* Last non-empty line of the adapter's stderr (a traceback's last line
 * names the exception), or "" when it wrote nothing. */
static void stderr_tail(const struct peer_proc *p, char *out, size_t n_out)
{
	char path[PATH_MAX + 16], buf[1024];
	FILE *f;
	long size;
	size_t n;
	char *end, *start;

	out[0] = '\0';
	peer_proc_path(p->dir, "stderr.log", path, sizeof(path));
	f = fopen(path, "rb");
	if (!f)
		return;
	if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) > 0)
		fseek(f, size > (long)sizeof(buf) - 1 ? size - (long)sizeof(buf) + 1 : 0,
		      SEEK_SET);
	else
		rewind(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	end = buf + n;
	while (end > buf && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' '))
		*--end = '\0';
	start = strrchr(buf, '\n');
	start = start ? start + 1 : buf;
	/* keep the end of an over-long line: the exception is there */
	if (strlen(start) >= n_out)
		start += strlen(start) - (n_out - 1);
	memcpy(out, start, strlen(start) + 1);
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Waits up to ms for the child to exit; returns the status, or -1 when it
 * is still running. */
static int wait_child(pid_t pid, int ms)
{
	struct timespec tick = { 0, 5 * 1000 * 1000 };
	int status;

	for (int waited = 0;; waited += 5) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			return status;
		if (r < 0 && errno != EINTR)
			return 0;   /* not our child any more: nothing to reap */
		if (waited >= ms)
			return -1;
		nanosleep(&tick, NULL);
	}
}

int peer_proc_stop(struct peer_proc *p, int ask, int grace_ms)
{
	int status = 0;

	if (p->pid <= 0) {
		close_fd(&p->to_fd);
		close_fd(&p->from_fd);
		return 0;
	}
	if (ask && p->to_fd >= 0) {
		static const char quit[] = "{\"op\":\"quit\"}\n";
		sigset_t pipe_set, old;

		sigemptyset(&pipe_set);
		sigaddset(&pipe_set, SIGPIPE);
		pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
		if (write(p->to_fd, quit, sizeof(quit) - 1) < 0 && errno == EPIPE) {
			struct timespec zero = { 0, 0 };

			sigtimedwait(&pipe_set, NULL, &zero);
		}
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	}
	close_fd(&p->to_fd);   /* EOF on its stdin ends the adapter's loop */
	status = wait_child(p->pid, grace_ms);
	if (status == -1) {
		kill(p->pid, SIGKILL);
		while (waitpid(p->pid, &status, 0) < 0 && errno == EINTR)
			;
	}
	close_fd(&p->from_fd);
	p->pid = -1;
	p->rlen = 0;
	return status;
}

/* The adapter went away (EOF, a write that hit a closed pipe, a timeout):
 * reaps it and says how it ended, with the last line it printed. */
static int peer_gone(struct peer_proc *p, const char *during, const char *how,
		     char *err, size_t n_err)
{
	char tail[512], fate[96];
	pid_t pid = p->pid;
	/* after an EOF the adapter is normally exiting already; give its
	 * interpreter time to finish rather than report our own SIGKILL */
	int status = peer_proc_stop(p, 0, 3000);

	stderr_tail(p, tail, sizeof(tail));
	if (how)
		snprintf(fate, sizeof(fate), "%s", how);
	else if (WIFEXITED(status))
		snprintf(fate, sizeof(fate), "exited with status %d",
			 WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(fate, sizeof(fate), "was killed by signal %d (%s)",
			 WTERMSIG(status), strsignal(WTERMSIG(status)));
	else
		snprintf(fate, sizeof(fate), "stopped");
	return err_set(err, n_err, MC_EIO,
		       "%s: the adapter %s (pid %ld) %s during %s%s%s",
		       p->name, p->adapter, (long)pid, fate, during,
		       tail[0] ? ": " : "", tail);
}

int peer_proc_spawn(struct peer_proc *p, char *err, size_t n_err)
{
	int to_child[2] = { -1, -1 }, from_child[2] = { -1, -1 }, errfd = -1;
	char errpath[PATH_MAX + 16], opt[] = "--peer", fam[sizeof(p->name)];
	char dopt[] = "--device", dev[sizeof(p->device)];
	char *argv[7];
	pid_t pid, parent;
	int rc = 0;

	snprintf(fam, sizeof(fam), "%s", p->name);
	argv[0] = p->python;
	argv[1] = p->adapter;
	argv[2] = opt;
	argv[3] = fam;
	argv[4] = NULL;
	if (p->device[0]) {
		snprintf(dev, sizeof(dev), "%s", p->device);
		argv[4] = dopt;
		argv[5] = dev;
		argv[6] = NULL;
	}
	peer_proc_path(p->dir, "stderr.log", errpath, sizeof(errpath));
	errfd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (errfd < 0 || pipe2(to_child, O_CLOEXEC) || pipe2(from_child, O_CLOEXEC)) {
		rc = err_set(err, n_err, MC_EIO, "%s: cannot create the adapter's "
			     "pipes or %s: %s", p->name, errpath,
			     strerror(errno));
		goto out;
	}
	parent = getpid();
	pid = fork();
	if (pid < 0) {
		rc = err_set(err, n_err, MC_EIO, "%s: fork: %s", p->name,
			     strerror(errno));
		goto out;
	}
	if (pid == 0) {
		/* only async-signal-safe calls between fork and exec */
		struct sigaction dfl;
		sigset_t none;

		memset(&dfl, 0, sizeof(dfl));
		dfl.sa_handler = SIG_DFL;
		sigaction(SIGPIPE, &dfl, NULL);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		setpgid(0, 0);
		/* The adapter dies with mcbench, even by SIGKILL (its own
		 * process group keeps it from a Ctrl-C, not from this); a
		 * parent gone before the prctl is caught by getppid. */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
			_exit(125);
		if (dup2(to_child[0], 0) < 0 || dup2(from_child[1], 1) < 0 ||
		    dup2(errfd, 2) < 0)
			_exit(126);
		execv(p->python, argv);
		_exit(127);
	}
	p->pid = pid;
	p->answered = 0;
	p->to_fd = to_child[1];
	p->from_fd = from_child[0];
	to_child[1] = from_child[0] = -1;
	p->rlen = 0;
out:
	close_fd(&to_child[0]);
	close_fd(&to_child[1]);
	close_fd(&from_child[0]);
	close_fd(&from_child[1]);
	close_fd(&errfd);
	return rc;
}

/* Writes all of buf to the adapter. SIGPIPE is blocked for the write (and
 * a SIGPIPE it raised is consumed), so a dead adapter is an EPIPE here,
 * not the end of mcbench. */
static int peer_write(struct peer_proc *p, const char *buf, size_t n,
		      const char *during, char *err, size_t n_err)
{
	sigset_t pipe_set, old, pending;
	int was_pending, broken = 0, rc = 0;

	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
	sigpending(&pending);
	was_pending = sigismember(&pending, SIGPIPE);
	while (n > 0) {
		ssize_t k = write(p->to_fd, buf, n);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			broken = errno == EPIPE;
			rc = errno;
			break;
		}
		buf += k;
		n -= (size_t)k;
	}
	if (broken && !was_pending) {
		struct timespec zero = { 0, 0 };

		sigtimedwait(&pipe_set, NULL, &zero);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (broken)
		return peer_gone(p, during, NULL, err, n_err);
	if (rc)
		return err_set(err, n_err, MC_EIO, "%s: writing to the adapter "
			       "during %s: %s", p->name, during, strerror(rc));
	return 0;
}

static int startup_s(void)
{
	const char *env = getenv("MCBENCH_PEER_STARTUP_TIMEOUT");
	char *end = NULL;
	long v;

	if (!env || !*env)
		return PEER_PROC_STARTUP_S;
	v = strtol(env, &end, 10);
	return *end == '\0' && v > 0 && v < INT_MAX / 1000 ? (int)v : PEER_PROC_STARTUP_S;
}

static double elapsed_s(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (t1.tv_nsec - t0->tv_nsec) * 1e-9;
}

/* Reads one reply line and parses it; *out owned by the caller. */
static int peer_read(struct peer_proc *p, cJSON **out, const char *during,
		     char *err, size_t n_err)
{
	struct timespec t0;
	int limit_s = p->timeout_s;
	char *nl;

	*out = NULL;
	if (!p->answered && startup_s() < limit_s)
		limit_s = startup_s();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!(nl = p->rlen ? memchr(p->rbuf, '\n', p->rlen) : NULL)) {
		struct pollfd pfd = { p->from_fd, POLLIN, 0 };
		double left = limit_s - elapsed_s(&t0);
		ssize_t k;
		int r;

		if (left <= 0) {
			char how[128];

			if (limit_s < p->timeout_s)
				snprintf(how, sizeof(how), "did not start: no answer to "
					 "its first request within %d s "
					 "(MCBENCH_PEER_STARTUP_TIMEOUT); killed", limit_s);
			else
				snprintf(how, sizeof(how), "did not answer within %d s "
					 "(MCBENCH_PEER_TIMEOUT) and was killed", limit_s);
			kill(p->pid, SIGKILL);
			return peer_gone(p, during, how, err, n_err);
		}
		r = poll(&pfd, 1, left > 1000 ? 1000 * 1000 : (int)(left * 1000) + 1);
		if (r < 0 && errno != EINTR)
			return err_set(err, n_err, MC_EIO, "%s: poll: %s",
				       p->name, strerror(errno));
		if (r <= 0)
			continue;
		if (p->rcap - p->rlen < 4096) {
			size_t cap = p->rcap ? p->rcap * 2 : 8192;
			char *grown;

			if (cap > PEER_PROC_MAX_LINE + 8192) {
				peer_proc_stop(p, 0, 0);
				return err_set(err, n_err, MC_EIO, "%s: the adapter's "
					       "reply during %s exceeds %u bytes; stopped it",
					       p->name, during, PEER_PROC_MAX_LINE);
			}
			if (!(grown = realloc(p->rbuf, cap)))
				return err_set(err, n_err, MC_ENOMEM, "%s: out of "
					       "memory reading a reply", p->name);
			p->rbuf = grown;
			p->rcap = cap;
		}
		k = read(p->from_fd, p->rbuf + p->rlen, p->rcap - p->rlen);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return peer_gone(p, during, NULL, err, n_err);
		p->rlen += (size_t)k;
	}
	*nl = '\0';
	*out = cJSON_Parse(p->rbuf);
	if (!*out) {
		char head[120];

		snprintf(head, sizeof(head), "%s", p->rbuf);
		peer_proc_stop(p, 0, 0);
		return err_set(err, n_err, MC_EIO, "%s: the adapter's reply during "
			       "%s is not JSON (\"%s\"); stopped it",
			       p->name, during, head);
	}
	p->answered = 1;
	p->rlen -= (size_t)(nl + 1 - p->rbuf);
	memmove(p->rbuf, nl + 1, p->rlen);
	return 0;
}

int peer_proc_one_line(int rc, char *s)
{
	for (; s && *s; s++)
		if (*s == '\n' || *s == '\r' || *s == '\t')
			*s = ' ';
	return rc;
}

int peer_proc_call(struct peer_proc *p, cJSON *req, cJSON **out_reply,
		     const char *during, char *err, size_t n_err)
{
	char *text = NULL;
	cJSON *reply = NULL;
	const cJSON *ok, *msg;
	int rc;

	*out_reply = NULL;
	if (p->pid <= 0) {
		cJSON_Delete(req);
		return err_set(err, n_err, MC_EIO, "%s: the adapter is not running",
			       p->name);
	}
	text = req ? cJSON_PrintUnformatted(req) : NULL;
	cJSON_Delete(req);
	if (!text)
		return err_set(err, n_err, MC_ENOMEM, "%s: out of memory for a "
			       "request", p->name);
	{
		size_t len = strlen(text);
		char *line = realloc(text, len + 2);

		if (!line) {
			free(text);
			return err_set(err, n_err, MC_ENOMEM, "%s: out of memory "
				       "for a request", p->name);
		}
		text = line;
		memcpy(text + len, "\n", 2);
		rc = peer_write(p, text, len + 1, during, err, n_err);
		free(text);
	}
	if (rc || (rc = peer_read(p, &reply, during, err, n_err)))
		return rc;
	*out_reply = reply;
	ok = cJSON_GetObjectItemCaseSensitive(reply, "ok");
	if (cJSON_IsTrue(ok))
		return 0;
	msg = cJSON_GetObjectItemCaseSensitive(reply, "error");
	if (cJSON_IsString(msg) &&
	    (strncmp(msg->valuestring, "unsupported kernel", 18) == 0 ||
	     strncmp(msg->valuestring, "unsupported variant", 19) == 0))
		return peer_proc_one_line(err_set(err, n_err, MC_ENOTSUP, "%s: %s",
					p->name, msg->valuestring), err);
	return peer_proc_one_line(err_set(err, n_err, MC_EINVAL, "%s: %s failed: %s",
				p->name, during, cJSON_IsString(msg) ?
				msg->valuestring : "the adapter gave no reason"), err);
}

cJSON *peer_proc_request(const char *op)
{
	cJSON *r = cJSON_CreateObject();

	if (r && !cJSON_AddStringToObject(r, "op", op)) {
		cJSON_Delete(r);
		r = NULL;
	}
	return r;
}
