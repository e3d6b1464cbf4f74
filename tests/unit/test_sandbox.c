/* The daemon's sandbox (daemon/sandbox.c) in a process of its own: the
 * privilege drop (when run as root) in a forked child, then the very filter
 * `sekisho serve` installs, after which forbidden calls must fail with
 * EPERM and the calls serving needs must still work. */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#include "../../daemon/sandbox.h"
#include "check.h"

/* The errno of a call that returned -1, or 0 when it succeeded. */
#define ERRNO_OF(call) ((call) == -1 ? errno : 0)

static void *thread_body(void *arg)
{
    *(int *)arg = 42;
    return NULL;
}

/* Root only: a child drops to nobody and reports what it became. */
static void test_drop(void)
{
    if (geteuid() != 0) {
        printf("drop: not root, skipped\n");
        return;
    }
    char err[256] = "";
    struct sk_sandbox_user user;
    CHECK_EQ_INT(sk_sandbox_lookup_user("nobody", NULL, &user, err, sizeof err), 0);
    CHECK(sk_sandbox_lookup_user("no-such-user-sekisho", NULL, &user, err, sizeof err) != 0);
    /* --group: the primary group by name or number; an unknown one refused. */
    gid_t nogroup = 0;
    CHECK_EQ_INT(sk_sandbox_lookup_group("nogroup", &nogroup, err, sizeof err), 0);
    CHECK_EQ_INT(sk_sandbox_lookup_user("nobody", "nogroup", &user, err, sizeof err), 0);
    CHECK_EQ_INT((int)user.gid, (int)nogroup);
    CHECK_EQ_INT(sk_sandbox_lookup_user("nobody", "4242", &user, err, sizeof err), 0);
    CHECK_EQ_INT((int)user.gid, 4242);
    CHECK(sk_sandbox_lookup_user("nobody", "no-such-group-sekisho", &user, err, sizeof err) !=
          0);
    CHECK_EQ_INT(sk_sandbox_lookup_user("nobody", NULL, &user, err, sizeof err), 0);
    pid_t pid = fork();
    if (pid == 0) {
        int bad = 0;
        if (sk_sandbox_drop(&user, err, sizeof err) != 0)
            bad |= 1;
        if (getuid() != user.uid || geteuid() != user.uid || getgid() != user.gid)
            bad |= 2;
        if (getgroups(0, NULL) != 0)
            bad |= 4;
        if (setuid(0) == 0 || setgid(0) == 0)
            bad |= 8;
        if (open("/etc/shadow", O_RDONLY) >= 0)
            bad |= 16;
        _exit(bad);
    }
    int status = 0;
    CHECK_EQ_INT(waitpid(pid, &status, 0), pid);
    CHECK(WIFEXITED(status));
    CHECK_EQ_INT(WEXITSTATUS(status), 0);
}

/* Root only: how a child of serve's parent starts (the front, a scanner).
 * It becomes nobody for good, with the parent-death signal armed after
 * the credential change (which clears it); told the wrong parent it
 * refuses to go on. */
static void test_enter_child(void)
{
    if (geteuid() != 0) {
        printf("enter child: not root, skipped\n");
        return;
    }
    char err[256] = "";
    struct sk_sandbox_user user;
    CHECK_EQ_INT(sk_sandbox_lookup_user("nobody", NULL, &user, err, sizeof err), 0);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0) {
        int bad = 0, sig = 0;
        if (sk_sandbox_enter_child(&user, parent, err, sizeof err) != 0)
            _exit(1);
        if (getuid() != user.uid || geteuid() != user.uid || getgid() != user.gid)
            bad |= 2;
        if (prctl(PR_GET_PDEATHSIG, &sig, 0, 0, 0) != 0 || sig != SIGKILL)
            bad |= 4;
        if (setuid(0) == 0 || seteuid(0) == 0)
            bad |= 8;
        if (sk_sandbox_enter_child(NULL, parent + 1, err, sizeof err) == 0 ||
            !strstr(err, "parent"))
            bad |= 16;
        _exit(bad);
    }
    int status = 0;
    CHECK_EQ_INT(waitpid(pid, &status, 0), pid);
    CHECK(WIFEXITED(status));
    CHECK_EQ_INT(WEXITSTATUS(status), 0);
}

/* What the filter must refuse: each with EPERM and no effect. */
static void test_forbidden(void)
{
    char *const argv[] = {"/bin/true", NULL};
    CHECK_EQ_INT(ERRNO_OF(execve("/bin/true", argv, NULL)), EPERM);
    CHECK_EQ_INT(ERRNO_OF(socket(AF_INET, SOCK_STREAM, 0)), EPERM);
    CHECK_EQ_INT(ERRNO_OF(socket(AF_UNIX, SOCK_STREAM, 0)), EPERM);
    const char *path = "/tmp/sekisho-sandbox-must-not-exist";
    CHECK_EQ_INT(ERRNO_OF(open(path, O_WRONLY | O_CREAT, 0600)), EPERM);
    CHECK_EQ_INT(ERRNO_OF(open("/etc/hostname", O_RDWR)), EPERM);
    CHECK_EQ_INT(ERRNO_OF(open("/etc/hostname", O_WRONLY | O_APPEND)), EPERM);
    struct stat st;
    CHECK(stat(path, &st) != 0 && errno == ENOENT);
    CHECK_EQ_INT(ERRNO_OF(unlink("/tmp")), EPERM);
    CHECK_EQ_INT(ERRNO_OF(mkdir("/tmp/sekisho-sandbox-dir", 0700)), EPERM);
    CHECK_EQ_INT(ERRNO_OF(kill(getppid(), 0)), EPERM);
    CHECK_EQ_INT(ERRNO_OF(setuid(0)), EPERM);
    /* fork: clone without CLONE_THREAD (clone3 says ENOSYS first). */
    CHECK_EQ_INT(ERRNO_OF(fork()), EPERM);
    CHECK_EQ_INT(ERRNO_OF((int)syscall(SYS_clone3, NULL, 0)), ENOSYS);
#if !defined(__SANITIZE_ADDRESS__)
    CHECK_EQ_INT(ERRNO_OF((int)ptrace(PTRACE_TRACEME, 0, NULL, NULL)), EPERM);
    CHECK_EQ_INT(ERRNO_OF(prctl(PR_SET_DUMPABLE, 1, 0, 0, 0)), EPERM);
#endif
    /* W^X: no writable and executable memory, nothing made executable. */
    void *rwx = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(rwx == MAP_FAILED && errno == EPERM);
    void *rw = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(rw != MAP_FAILED);
    if (rw != MAP_FAILED) {
        CHECK_EQ_INT(ERRNO_OF(mprotect(rw, 4096, PROT_READ | PROT_EXEC)), EPERM);
        munmap(rw, 4096);
    }
}

/* What serving needs must still work under the filter. */
static void test_allowed(int pipe_fds[2])
{
    CHECK_EQ_INT(write(pipe_fds[1], "ping", 4), 4);
    char buf[8] = "";
    CHECK_EQ_INT(read(pipe_fds[0], buf, sizeof buf), 4);
    CHECK_EQ_INT(memcmp(buf, "ping", 4), 0);
    int fd = open("/etc/passwd", O_RDONLY | O_CLOEXEC);
    CHECK(fd >= 0);
    if (fd >= 0) {
        struct stat st;
        CHECK_EQ_INT(fstat(fd, &st), 0);
        void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        CHECK(map != MAP_FAILED);
        if (map != MAP_FAILED)
            munmap(map, (size_t)st.st_size);
        CHECK(read(fd, buf, 1) == 1);
        close(fd);
    }
    int value = 0;
    pthread_t thread;
    CHECK_EQ_INT(pthread_create(&thread, NULL, thread_body, &value), 0);
    CHECK_EQ_INT(pthread_join(thread, NULL), 0);
    CHECK_EQ_INT(value, 42);
    void *big = malloc(64u << 20); /* an mmap of its own */
    CHECK(big != NULL);
    if (big)
        memset(big, 1, 64u << 20);
    free(big);
    /* A request's bytes: a memfd grown and mapped shared (daemon/shm.c). */
    int mfd = memfd_create("sekisho-request", MFD_CLOEXEC);
    CHECK(mfd >= 0);
    CHECK_EQ_INT(ftruncate(mfd, 1 << 20), 0);
    void *shared = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
    CHECK(shared != MAP_FAILED);
    if (shared != MAP_FAILED)
        munmap(shared, 1 << 20);
    close(mfd);
    struct timespec ts;
    CHECK_EQ_INT(clock_gettime(CLOCK_MONOTONIC, &ts), 0);
    CHECK_EQ_INT(clock_gettime(CLOCK_REALTIME, &ts), 0);
}

int main(void)
{
    test_drop();
    test_enter_child();
    size_t allowed = sk_sandbox_allowed_count(false);
    printf("the filter allows %zu system calls\n", allowed);
    CHECK(allowed > 40 && allowed < 120);
    int pipe_fds[2];
    CHECK_EQ_INT(pipe(pipe_fds), 0);
    char err[256] = "";
    int rc = sk_sandbox_install(false, err, sizeof err);
    if (rc != 0)
        fprintf(stderr, "install: %s\n", err);
    CHECK_EQ_INT(rc, 0);
    test_forbidden();
    test_allowed(pipe_fds);
    return check_exit("sandbox");
}
