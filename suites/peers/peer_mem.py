"""peer_mem.py - the resident memory of a peer's process, for the memory
members of peer.py's replies (mcbench measures its own the same way:
src/lib/memstat.c). Linux's /proc/self/status gives the resident set
(VmRSS) and its high-water mark (VmHWM); "5" written to
/proc/self/clear_refs resets the mark to the resident set, so a
workload's peak is its own. Python's resource.getrusage ru_maxrss is the
same mark but cannot be reset, so it is not used.
"""


def status_bytes(key):
    """A Vm* line of /proc/self/status (kB) in bytes, or None."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def rss_reset():
    """Resets this process's resident high-water mark (VmHWM) to its
    resident set (Linux: "5" to /proc/self/clear_refs); returns the
    resident bytes then, or None where it cannot be reset (the mark would
    then be an earlier workload's)."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        return None
    return status_bytes("VmRSS")
