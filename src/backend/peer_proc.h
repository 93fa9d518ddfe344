/*
 * peer_proc.h - the child-process protocol of the peer backends
 * (backend_peer.c): spawning the adapter, one JSON object per line over
 * its stdin and stdout, a time limit per reply, its stderr's last line in
 * the errors, stopping and reaping it. The requests' meaning belongs to
 * backend_peer.c and suites/peers/peer.py.
 *
 * Every error is a sentence in err starting with the handle's name.
 */
#ifndef MC_PEER_PROC_H
#define MC_PEER_PROC_H
#include <stddef.h>
#include <cjson/cJSON.h>

struct peer_proc;

/* A handle for `python adapter --peer name`, not started; stderr will go
 * to dir/stderr.log (dir exists and outlives the handle; the strings are
 * copied). A reply may take timeout_s seconds, the first after a spawn
 * at most PEER_PROC_STARTUP_S (120; MCBENCH_PEER_STARTUP_TIMEOUT), so
 * that a start-up that hangs is reported soon. Free with
 * peer_proc_destroy. MC_ENOMEM. */
int peer_proc_create(const char *name, const char *python, const char *adapter,
		     const char *dir, int timeout_s, struct peer_proc **out,
		     char *err, size_t n_err);
/* Starts the adapter with `--device device` too (a device other than the
 * CPU, e.g. "cuda"), from the next spawn on; NULL or "" for none. The
 * string is copied; a name longer than 15 characters is MC_EINVAL. */
int peer_proc_set_device(struct peer_proc *p, const char *device,
			 char *err, size_t n_err);
/* Stops the adapter if running (asking first, see peer_proc_stop) and
 * frees p. Accepts NULL. */
void peer_proc_destroy(struct peer_proc *p);

/* fork/exec of the adapter with stdin and stdout on pipes and stderr into
 * dir/stderr.log; no shell. The child gets its own process group, so a
 * Ctrl-C reaches mcbench, which then stops it, and is killed by the kernel
 * when the thread that spawned it exits (PR_SET_PDEATHSIG), so it never
 * outlives a killed mcbench. MC_EIO. */
int peer_proc_spawn(struct peer_proc *p, char *err, size_t n_err);
/* Nonzero while an adapter is running (spawned, not stopped or gone). */
int peer_proc_running(const struct peer_proc *p);
/* Stops the adapter: a polite {"op":"quit"} when ask, then SIGKILL when it
 * has not exited after grace_ms; always reaps it. Returns the wait status
 * (0 when none was running). */
int peer_proc_stop(struct peer_proc *p, int ask, int grace_ms);

/* Sends req (deleted here, may be NULL: out of memory) as one line and
 * reads the reply line; during names the request in errors. 0 when the
 * reply has "ok": true. A reply with ok false is MC_ENOTSUP ("unsupported
 * kernel ...", "unsupported variant ...") or MC_EINVAL, with its error text; *out_reply (owned by the
 * caller, cJSON_Delete) is then still filled, for callers that look at more
 * fields. An adapter that exits, hangs past the time limit (it is killed),
 * or answers other than one JSON line is MC_EIO, saying how it ended and
 * the last line of its stderr; it is then stopped. */
int peer_proc_call(struct peer_proc *p, cJSON *req, cJSON **out_reply,
		   const char *during, char *err, size_t n_err);
/* A request {"op": op}, owned by the caller; NULL when out of memory
 * (peer_proc_call reports it). */
cJSON *peer_proc_request(const char *op);

/* Text from the adapter becomes a note or a result message: replaces the
 * newlines and tabs of s with blanks; returns rc. */
int peer_proc_one_line(int rc, char *s);
/* dir/name into out; a path that does not fit is left empty, so the open
 * or unlink of it fails cleanly. */
void peer_proc_path(const char *dir, const char *name, char *out, size_t n_out);

#endif
