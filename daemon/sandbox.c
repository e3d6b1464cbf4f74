/* The daemon's sandbox: privilege drop and seccomp allowlist (sandbox.h).
 *
 * What `sekisho serve` does once it is serving, and hence what the filter
 * allows: the libuv loop (epoll, accept4, read/write/readv/writev,
 * recvmsg/sendmsg for clamd FILDES descriptor passing, eventfd and signal
 * pipe reads), the libuv thread pool (threads: clone with CLONE_THREAD,
 * futex), memory (mmap, mprotect, brk, madvise), clocks, signals, exit;
 * clamd SCAN/CONTSCAN open files and the directories SCAN names read-only
 * (openat, fstat/newfstatat, getdents64; dirscan.c). The front and the
 * scanner processes (ARCHITECTURE.md, "Processes") run under this same
 * filter: the front makes a memfd for each request's bytes (memfd_create,
 * ftruncate, mremap) and passes it on (sendmsg), a scanner maps it; GLib's
 * iconv loads gconv modules on first use of a charset (mmap of a read-only
 * file with PROT_EXEC). Neither needs to create a socket, write or remove a
 * file, run a program, fork, or trace: only the parent, which has no
 * filter, forks.
 *
 * Denied calls fail with EPERM rather than killing the process. A library
 * path the tests did not reach (a rare GLib or OpenSSL call) then fails as
 * an error inside one scan, which the engine reports as error.internal
 * (sandbox, never pass), instead of taking down the daemon and with it the
 * mail flow (DESIGN.md: a crashed filter stops all mail). The denial is
 * the same either way: the call has no effect. clone3 answers ENOSYS, the
 * one errno that makes glibc fall back to clone, whose flags (unlike
 * clone3's, behind a pointer) the filter can check.
 *
 * W^X: memory may be writable or executable, never both, and mprotect
 * cannot make anything executable; so no code can be made at run time, only
 * read-only system files (gconv modules) mapped as they are. */
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/socket.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

/* Allowed whatever their arguments. */
/* clang-format off */
static const char *const allowed_plain[] = {
    /* descriptors the daemon already holds */
    "read", "readv", "pread64", "write", "writev", "close", "lseek", "fcntl",
    "fstat", "newfstatat", "statx", "getdents64", "readlink", "readlinkat", "access",
    "faccessat", "faccessat2", "getcwd",
    /* the loop and its sockets */
    "epoll_wait", "epoll_pwait", "epoll_pwait2", "epoll_ctl", "poll", "ppoll", "accept",
    "accept4", "recvmsg", "recvfrom", "sendmsg", "sendto", "shutdown", "getsockopt",
    "setsockopt", "getsockname", "getpeername",
    /* memory (mmap and mprotect: see add_memory_rules) */
    "munmap", "mremap", "madvise", "brk",
    /* a request's bytes in shared memory, handed to a scanner (shm.c) */
    "memfd_create", "ftruncate",
    /* threads */
    "futex", "set_robust_list", "get_robust_list", "rseq", "sched_yield",
    "sched_getaffinity", "gettid",
    /* signals */
    "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "sigaltstack", "restart_syscall",
    "getpid", "tgkill",
    /* clocks */
    "clock_gettime", "clock_getres", "gettimeofday", "clock_nanosleep", "nanosleep",
    /* facts the libraries ask for */
    "getrandom", "sysinfo", "uname", "getuid", "geteuid", "getgid", "getegid",
    "getgroups", "getrlimit",
    "exit", "exit_group",
#if defined(__SANITIZE_ADDRESS__)
    /* The sanitizer build only: LeakSanitizer stops the world at exit from
     * a tracer task (clone with CLONE_VM, without CLONE_THREAD) that lists
     * /proc/self/task with getdents and ptraces the threads. */
    "ptrace", "wait4", "prctl", "getppid", "getdents", "sched_getparam",
#endif
};
/* clang-format on */

/* Adds ALLOW for the named call when it exists on this architecture, with
 * up to two argument comparisons. 0, or a negative libseccomp error. */
static int allow(scmp_filter_ctx ctx, size_t *count, const char *name, unsigned n_cmp,
                 const struct scmp_arg_cmp *cmp)
{
    int nr = seccomp_syscall_resolve_name(name);
    if (nr == __NR_SCMP_ERROR)
        return 0; /* not on this architecture: nothing to allow */
    int rc = n_cmp ? seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, nr, n_cmp, cmp)
                   : seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
    if (rc == 0 && count)
        (*count)++;
    return rc;
}

/* openat/open only without write access, creation, truncation or append. */
static int add_open_rules(scmp_filter_ctx ctx, size_t *count)
{
    const scmp_datum_t writing = O_WRONLY | O_RDWR | O_CREAT | O_TRUNC | O_APPEND;
    struct scmp_arg_cmp at = SCMP_A2(SCMP_CMP_MASKED_EQ, writing, 0);
    struct scmp_arg_cmp plain = SCMP_A1(SCMP_CMP_MASKED_EQ, writing, 0);
    int rc = allow(ctx, count, "openat", 1, &at);
    if (rc == 0)
        rc = allow(ctx, NULL, "open", 1, &plain); /* counted once with openat */
    return rc;
}

/* W^X: mmap unless both PROT_WRITE and PROT_EXEC; mprotect never to EXEC.
 * Two rules for one call are ORed. */
static int add_memory_rules(scmp_filter_ctx ctx, size_t *count)
{
    struct scmp_arg_cmp no_exec = SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0);
    struct scmp_arg_cmp no_write = SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_WRITE, 0);
    int rc = allow(ctx, count, "mmap", 1, &no_exec);
    if (rc == 0)
        rc = allow(ctx, NULL, "mmap", 1, &no_write);
    if (rc == 0)
        rc = allow(ctx, count, "mprotect", 1, &no_exec);
    return rc;
}

/* Threads yes (the pool, GLib), new processes no; clone3 says ENOSYS so
 * that glibc uses clone. prlimit64 may read limits, not set them. ioctl
 * only for what libuv and stdio ask: non-blocking, close-on-exec, isatty. */
static int add_restricted_rules(scmp_filter_ctx ctx, size_t *count)
{
    static const unsigned long ioctls[] = {FIONBIO, FIOCLEX, FIONCLEX, TCGETS};
#if defined(__SANITIZE_ADDRESS__)
    /* LeakSanitizer's tracer shares the memory but is no thread; fork,
     * which copies the memory, stays refused. */
    const scmp_datum_t clone_flag = CLONE_VM;
#else
    const scmp_datum_t clone_flag = CLONE_THREAD;
#endif
    struct scmp_arg_cmp thread = SCMP_A0(SCMP_CMP_MASKED_EQ, clone_flag, clone_flag);
    int rc = allow(ctx, count, "clone", 1, &thread);
    int clone3 = seccomp_syscall_resolve_name("clone3");
    if (rc == 0 && clone3 != __NR_SCMP_ERROR)
        rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), clone3, 0);
    struct scmp_arg_cmp read_only = SCMP_A2(SCMP_CMP_EQ, 0, 0); /* datum_b unused by EQ */
    if (rc == 0)
        rc = allow(ctx, count, "prlimit64", 1, &read_only);
    for (size_t i = 0; rc == 0 && i < sizeof ioctls / sizeof ioctls[0]; i++) {
        struct scmp_arg_cmp request = SCMP_A1(SCMP_CMP_EQ, ioctls[i], 0);
        rc = allow(ctx, i == 0 ? count : NULL, "ioctl", 1, &request);
    }
    return rc;
}

/* A client of a stream server (the front's Redis store): socket for a
 * Unix, IPv4 or IPv6 stream only (type's low bits; SOCK_CLOEXEC and
 * SOCK_NONBLOCK may ride on it), and connect. Never bind or listen: the
 * listeners come from the parent. */
static int add_stream_client_rules(scmp_filter_ctx ctx, size_t *count)
{
    static const scmp_datum_t domains[] = {AF_UNIX, AF_INET, AF_INET6};
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < sizeof domains / sizeof domains[0]; i++) {
        struct scmp_arg_cmp cmp[2] = {SCMP_A0(SCMP_CMP_EQ, domains[i], 0),
                                      SCMP_A1(SCMP_CMP_MASKED_EQ, 0xf, SOCK_STREAM)};
        rc = allow(ctx, i == 0 ? count : NULL, "socket", 2, cmp);
    }
    if (rc == 0)
        rc = allow(ctx, count, "connect", 0, NULL);
    return rc;
}

/* Builds the filter into ctx and counts the calls it allows. */
static int build_filter(scmp_filter_ctx ctx, bool stream_client, size_t *count)
{
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < sizeof allowed_plain / sizeof allowed_plain[0]; i++)
        rc = allow(ctx, count, allowed_plain[i], 0, NULL);
    if (rc == 0)
        rc = add_open_rules(ctx, count);
    if (rc == 0)
        rc = add_memory_rules(ctx, count);
    if (rc == 0)
        rc = add_restricted_rules(ctx, count);
    if (rc == 0 && stream_client)
        rc = add_stream_client_rules(ctx, count);
    return rc;
}

size_t sk_sandbox_allowed_count(bool stream_client)
{
    size_t count = 0;
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
    if (ctx && build_filter(ctx, stream_client, &count) != 0)
        count = 0;
    seccomp_release(ctx);
    return count;
}

int sk_sandbox_install(bool stream_client, char *err, size_t errlen)
{
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
    if (!ctx) {
        snprintf(err, errlen, "seccomp_init failed");
        return -1;
    }
    /* TSYNC: the pool threads already running get the filter too. */
    int rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
    if (rc == 0)
        rc = build_filter(ctx, stream_client, NULL);
    if (rc == 0)
        rc = seccomp_load(ctx);
    seccomp_release(ctx);
    if (rc != 0) {
        snprintf(err, errlen, "seccomp filter: %s", strerror(-rc));
        return -1;
    }
    return 0;
}

int sk_sandbox_lookup_group(const char *name, gid_t *out, char *err, size_t errlen)
{
    errno = 0;
    struct group *gr = getgrnam(name);
    if (gr) {
        *out = gr->gr_gid;
        return 0;
    }
    char *end = NULL;
    unsigned long n = strtoul(name, &end, 10);
    if (name[0] >= '0' && name[0] <= '9' && end && *end == '\0' && n < (gid_t)-1) {
        *out = (gid_t)n;
        return 0;
    }
    snprintf(err, errlen, "group %s: %s", name, errno ? strerror(errno) : "no such group");
    return -1;
}

int sk_sandbox_lookup_user(const char *name, const char *group, struct sk_sandbox_user *out,
                           char *err, size_t errlen)
{
    errno = 0;
    struct passwd *pw = getpwnam(name);
    if (!pw) {
        snprintf(err, errlen, "--user %s: %s", name, errno ? strerror(errno) : "no such user");
        return -1;
    }
    out->uid = pw->pw_uid;
    out->gid = pw->pw_gid;
    out->n_groups = 0;
    if (group && sk_sandbox_lookup_group(group, &out->gid, err, errlen) != 0)
        return -1;
    /* The user's own groups, as initgroups would set them; looked up here
     * rather than by initgroups at the drop so that a failing lookup stops
     * start-up before anything changed, and the drop can check the list it
     * set. */
    gid_t list[SK_SANDBOX_MAX_GROUPS];
    int n = SK_SANDBOX_MAX_GROUPS;
    if (getgrouplist(name, pw->pw_gid, list, &n) < 0) {
        snprintf(err, errlen, "--user %s: in more than %d groups", name, SK_SANDBOX_MAX_GROUPS);
        return -1;
    }
    for (int i = 0; i < n; i++)
        if (list[i] != out->gid)
            out->groups[out->n_groups++] = list[i];
    return 0;
}

/* True when the process has exactly the groups given (in any order). */
static int has_groups(const struct sk_sandbox_user *user)
{
    gid_t now[SK_SANDBOX_MAX_GROUPS];
    int n = getgroups(SK_SANDBOX_MAX_GROUPS, now);
    if (n < 0 || (size_t)n != user->n_groups)
        return 0;
    for (int i = 0; i < n; i++) {
        int found = 0;
        for (size_t j = 0; j < user->n_groups && !found; j++)
            found = now[i] == user->groups[j];
        if (!found)
            return 0;
    }
    return 1;
}

/* True when the process runs as user in every ID and has exactly its
 * groups. */
static int runs_as(const struct sk_sandbox_user *user)
{
    uid_t ru, eu, su;
    gid_t rg, eg, sg;
    if (getresuid(&ru, &eu, &su) != 0 || getresgid(&rg, &eg, &sg) != 0)
        return 0;
    return ru == user->uid && eu == user->uid && su == user->uid && rg == user->gid &&
           eg == user->gid && sg == user->gid && has_groups(user);
}

/* After a drop: the IDs and groups asked for are in force, and root cannot
 * be regained (a process that could become root again dropped nothing).
 * 0, or -1 with a message in err. */
static int dropped_for_good(const struct sk_sandbox_user *user, char *err, size_t errlen)
{
    if (!runs_as(user)) {
        snprintf(err, errlen, "uid %u gid %u not in force after the drop", (unsigned)user->uid,
                 (unsigned)user->gid);
        return -1;
    }
    if (user->uid != 0 && (setuid(0) == 0 || seteuid(0) == 0 || setgid(0) == 0)) {
        snprintf(err, errlen, "root could be regained after dropping to uid %u",
                 (unsigned)user->uid);
        return -1;
    }
#if defined(__SANITIZE_ADDRESS__)
    /* The sanitizer build only: setuid made the process non-dumpable, and
     * LeakSanitizer must ptrace its own threads at exit. */
    prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
#endif
    return 0;
}

int sk_sandbox_drop(const struct sk_sandbox_user *user, char *err, size_t errlen)
{
    /* Groups first: once the uid is gone, so is the right to change them. */
    if (setgroups(user->n_groups, user->groups) != 0 ||
        setresgid(user->gid, user->gid, user->gid) != 0 ||
        setresuid(user->uid, user->uid, user->uid) != 0) {
        snprintf(err, errlen, "dropping to uid %u gid %u: %s", (unsigned)user->uid,
                 (unsigned)user->gid, strerror(errno));
        return -1;
    }
    return dropped_for_good(user, err, errlen);
}

int sk_sandbox_enter_child(const struct sk_sandbox_user *user, pid_t parent, char *err,
                           size_t errlen)
{
    if (user && sk_sandbox_drop(user, err, errlen) != 0)
        return -1;
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0) {
        snprintf(err, errlen, "PR_SET_PDEATHSIG: %s", strerror(errno));
        return -1;
    }
    if (getppid() != parent) {
        snprintf(err, errlen, "the parent went away during start-up");
        return -1;
    }
    return 0;
}

