/* The parent of `sekisho serve` (supervisor.h).
 *
 * One thread, no libuv: a poll over a signalfd (SIGCHLD, SIGHUP, SIGTERM,
 * SIGINT), the control socket of the front, and the sockets of scanners
 * that are starting (each says it is ready with one fixed message, after
 * which its socket goes to the front and the parent's copy is closed).
 * Forking from here is safe because nothing here runs a thread. */
#include "supervisor.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../engine/error.h"
#include "ctl.h"
#include "ipc.h"
#include "options.h"
#include "scanner.h"
#include "serve.h"

/* One process the parent started and has not reaped yet. */
struct child {
    pid_t pid;
    bool front;
    uint32_t slot;
    uint64_t generation;
    int fd;         /* a starting scanner's socket until the front has it; -1 after */
    bool ready;     /* the front: answered a ping; a scanner: said it is ready */
    bool watchdog;  /* killed because the front asked (stuck past its deadline) */
    bool stale;     /* killed because a newer generation took its slot first */
};

/* What keeps one role filled: the front, or one scanner slot. */
struct seat {
    pid_t pid;          /* its process of the current generation; 0: none */
    unsigned failures;  /* deaths before ready, in a row */
    uint64_t due_ns;    /* when to start the next one (back-off) */
    char last_end[160]; /* how the previous one ended, for the log */
};

struct parent {
    const struct sk_serve_options *opts;
    struct sk_child_setup base; /* what every child starts from */
    struct sk_listeners listeners;
    const struct sk_engine_config *rules;
    uint8_t *bundle;
    size_t bundle_len;
    uint64_t generation;
    unsigned rules_count;
    struct child *children;
    size_t n_children, cap_children;
    struct seat front;
    struct seat *scanners; /* opts->workers */
    int ctl;               /* our end of the front's control pair; -1 when none */
    int sigfd;
    bool stopping;
    int front_status; /* the front's exit code once it has drained */
    uint64_t last_ping_ns, last_pong_ns;
    bool notified_ready; /* systemd READY=1 sent */
};

/* ---- systemd notification (Type=notify, WatchdogSec=): optional ---- */

static void sd_notify_text(const char *text)
{
    const char *path = getenv("NOTIFY_SOCKET");
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    size_t len = path ? strlen(path) : 0;
    if (!path || len == 0 || len >= sizeof addr.sun_path)
        return;
    memcpy(addr.sun_path, path, len);
    if (addr.sun_path[0] == '@')
        addr.sun_path[0] = '\0'; /* abstract namespace */
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return;
    (void)sendto(fd, text, strlen(text), MSG_NOSIGNAL, (struct sockaddr *)&addr,
                 (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len));
    close(fd);
}

/* ---- children ---- */

static struct child *child_add(struct parent *p, pid_t pid)
{
    if (p->n_children == p->cap_children) {
        size_t cap = p->cap_children ? 2 * p->cap_children : 16;
        struct child *grown = realloc(p->children, cap * sizeof *grown);
        if (!grown)
            return NULL;
        p->children = grown;
        p->cap_children = cap;
    }
    struct child *c = &p->children[p->n_children++];
    *c = (struct child){.pid = pid, .fd = -1};
    return c;
}

static struct child *child_find(struct parent *p, pid_t pid)
{
    for (size_t i = 0; i < p->n_children; i++)
        if (p->children[i].pid == pid)
            return &p->children[i];
    return NULL;
}

static void child_remove(struct parent *p, struct child *c)
{
    if (c->fd >= 0)
        close(c->fd);
    *c = p->children[--p->n_children];
}

/* In the child, right after fork: the signals the parent handles through
 * its signalfd are unblocked and back to their defaults; SIGHUP and SIGINT
 * are the parent's business (a terminal's ^C reaches the whole group);
 * (the child arms its parent-death signal itself, after its credential
 * change, which clears it). Then only the descriptors it needs stay,
 * renumbered from 3 on, in the order given (-1 entries keep their place
 * empty). Its name (comm) says which it is. */
static void child_prepare(const char *name, const int *keep, size_t n)
{
    prctl(PR_SET_NAME, name, 0, 0, 0); /* what ps and top show: sekisho-front, -scan */
    sigset_t all;
    sigfillset(&all);
    sigprocmask(SIG_UNBLOCK, &all, NULL);
    signal(SIGCHLD, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGHUP, SIG_IGN);
    signal(SIGINT, SIG_IGN);
    int moved[4];
    for (size_t i = 0; i < n && i < 4; i++) /* above every target first */
        moved[i] = keep[i] >= 0 ? fcntl(keep[i], F_DUPFD_CLOEXEC, 64) : -1;
    for (size_t i = 0; i < n && i < 4; i++) {
        if (moved[i] < 0)
            close(3 + (int)i); /* an empty place stays empty */
        else if (dup3(moved[i], 3 + (int)i, O_CLOEXEC) < 0)
            _exit(SK_SCANNER_EXIT_START);
    }
    close_range(3 + (unsigned)n, ~0u, 0);
}

static void seat_backoff(struct seat *s, bool was_ready, uint64_t now)
{
    if (was_ready) {
        s->failures = 0;
        s->due_ns = now;
        return;
    }
    s->failures++;
    uint64_t ms = SK_BACKOFF_FIRST_MS;
    for (unsigned i = 1; i < s->failures && ms < SK_BACKOFF_MAX_MS; i++)
        ms *= 2;
    if (ms > SK_BACKOFF_MAX_MS)
        ms = SK_BACKOFF_MAX_MS;
    s->due_ns = now + ms * 1000000u;
}

static int start_scanner(struct parent *p, uint32_t slot)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
        fprintf(stderr, "sekisho: scanner %u: socketpair: %s\n", slot, strerror(errno));
        return -1;
    }
    fflush(NULL); /* nothing buffered is written twice */
    pid_t pid = fork();
    if (pid == 0) {
        child_prepare("sekisho-scan", &sv[1], 1);
        struct sk_child_setup setup = p->base;
        setup.bundle = p->bundle;
        setup.bundle_len = p->bundle_len;
        setup.generation = p->generation;
        setup.slot = slot;
        setup.fd = 3;
        exit(sk_scanner_main(&setup));
    }
    close(sv[1]);
    struct child *c = pid > 0 ? child_add(p, pid) : NULL;
    if (!c) {
        fprintf(stderr, "sekisho: scanner %u: %s\n", slot,
                pid < 0 ? strerror(errno) : "out of memory");
        if (pid > 0)
            kill(pid, SIGKILL); /* reaped as an unknown child */
        close(sv[0]);
        return -1;
    }
    c->slot = slot;
    c->generation = p->generation;
    c->fd = sv[0];
    p->scanners[slot].pid = pid;
    return 0;
}

static int start_front(struct parent *p)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
        fprintf(stderr, "sekisho: front: socketpair: %s\n", strerror(errno));
        return -1;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        int keep[4] = {sv[1], p->listeners.unix_fd, p->listeners.tcp_fd,
                       p->listeners.milter_fd};
        child_prepare("sekisho-front", keep, 4);
        struct sk_listeners inherited = p->listeners;
        inherited.unix_fd = p->listeners.unix_fd >= 0 ? 4 : -1;
        inherited.tcp_fd = p->listeners.tcp_fd >= 0 ? 5 : -1;
        inherited.milter_fd = p->listeners.milter_fd >= 0 ? 6 : -1;
        struct sk_child_setup setup = p->base;
        setup.listeners = &inherited;
        setup.fd = 3;
        exit(sk_front_main(&setup));
    }
    close(sv[1]);
    struct child *c = pid > 0 ? child_add(p, pid) : NULL;
    if (!c) {
        fprintf(stderr, "sekisho: front: %s\n", pid < 0 ? strerror(errno) : "out of memory");
        if (pid > 0)
            kill(pid, SIGKILL);
        close(sv[0]);
        return -1;
    }
    c->front = true;
    p->front.pid = pid;
    p->ctl = sv[0];
    p->last_ping_ns = p->last_pong_ns = sk_ipc_now_ns();
    return 0;
}

/* ---- what the parent tells the front ---- */

static void ctl_send(struct parent *p, const struct sk_ctl_msg *m, int fd)
{
    if (p->ctl < 0)
        return;
    if (sk_ipc_send_msg(p->ctl, m, sizeof *m, fd >= 0 ? &fd : NULL, fd >= 0 ? 1 : 0) != 0 &&
        errno != EPIPE && errno != ECONNRESET)
        fprintf(stderr, "sekisho: telling the front: %s\n", strerror(errno));
}

/* A starting scanner said it is ready: its socket goes to the front. */
static void scanner_ready(struct parent *p, struct child *c)
{
    struct sk_scanner_ready ready;
    int rc = sk_ipc_read(c->fd, &ready, sizeof ready, NULL, 0, NULL,
                         sk_ipc_now_ns() + 1000000000u);
    if (rc != SK_IPC_OK || ready.magic != SK_SCANNER_READY_MAGIC ||
        ready.generation != c->generation) {
        /* It died (its exit is reaped and counted) or broke step. */
        kill(c->pid, SIGKILL);
        close(c->fd);
        c->fd = -1;
        return;
    }
    c->ready = true;
    struct seat *s = &p->scanners[c->slot];
    if (s->pid != c->pid) {
        /* A SIGHUP came while it started: a newer generation has the slot. */
        c->stale = true;
        kill(c->pid, SIGKILL);
        close(c->fd);
        c->fd = -1;
        return;
    }
    char cap[32] = "none";
    if (ready.memory_cap)
        snprintf(cap, sizeof cap, "%llu", (unsigned long long)ready.memory_cap);
    fprintf(stderr,
            "sekisho: scanner %u (pid %d, generation %llu) ready: %u rules, engine loaded in "
            "%.1f ms, memory cap %s\n",
            c->slot, (int)c->pid, (unsigned long long)c->generation, ready.rules,
            (double)ready.load_ns / 1e6, cap);
    struct sk_ctl_msg m = {.magic = SK_CTL_MAGIC,
                           .type = SK_CTL_SCANNER,
                           .slot = c->slot,
                           .generation = c->generation,
                           .pid = (int32_t)c->pid,
                           .rules = ready.rules};
    snprintf(m.text, sizeof m.text, "%s", s->last_end[0] ? s->last_end : "start");
    s->last_end[0] = '\0';
    ctl_send(p, &m, c->fd);
    close(c->fd);
    c->fd = -1;
    if (!p->notified_ready) {
        p->notified_ready = true;
        sd_notify_text("READY=1");
    }
}

/* ---- deaths ---- */

static void describe_end(const struct child *c, int status, char *out, size_t len)
{
    if (c->watchdog && c->front)
        snprintf(out, len, "killed by the watchdog (its loop stopped answering pings)");
    else if (c->watchdog)
        snprintf(out, len, "killed by the watchdog (stuck past its request's deadline)");
    else if (WIFSIGNALED(status))
        snprintf(out, len, "killed by signal %d (%s)", WTERMSIG(status),
                 strsignal(WTERMSIG(status)));
    else if (WEXITSTATUS(status) == SK_SCANNER_EXIT_MEMORY)
        snprintf(out, len, "left after running out of memory");
    else
        snprintf(out, len, "exited with status %d", WEXITSTATUS(status));
}

static enum sk_scanner_cause scanner_cause(const struct child *c, int status)
{
    if (c->watchdog)
        return SK_CAUSE_WATCHDOG;
    if (!c->ready)
        return SK_CAUSE_START;
    if (WIFSIGNALED(status))
        return SK_CAUSE_SIGNAL;
    if (WEXITSTATUS(status) == SK_SCANNER_EXIT_MEMORY)
        return SK_CAUSE_MEMORY;
    return SK_CAUSE_EXIT;
}

static void scanner_ended(struct parent *p, struct child *c, int status, uint64_t now)
{
    struct seat *s = &p->scanners[c->slot];
    char how[128];
    describe_end(c, status, how, sizeof how);
    enum sk_scanner_cause cause = scanner_cause(c, status);
    struct sk_ctl_msg m = {.magic = SK_CTL_MAGIC,
                           .type = SK_CTL_DEATH,
                           .slot = c->slot,
                           .cause = cause,
                           .generation = c->generation,
                           .pid = (int32_t)c->pid};
    snprintf(m.text, sizeof m.text, "%s", how);
    if (s->pid != c->pid) {
        /* An older generation, replaced by a reload: nothing to restart.
         * The front still hears of it, in case its slot still held it. */
        if (c->stale || cause == SK_CAUSE_EXIT || cause == SK_CAUSE_START)
            m.cause = SK_CAUSE_RETIRED;
        ctl_send(p, &m, -1);
        return;
    }
    s->pid = 0;
    bool quiet = p->stopping || (cause == SK_CAUSE_EXIT && p->ctl < 0);
    seat_backoff(s, c->ready, now);
    snprintf(s->last_end, sizeof s->last_end, "replaces pid %d: %s", (int)c->pid, how);
    if (!quiet && cause == SK_CAUSE_START)
        fprintf(stderr,
                "sekisho: scanner %u (pid %d) died before it was ready (%s), %u time(s) in a "
                "row; next try in %llu ms\n",
                c->slot, (int)c->pid, how, s->failures,
                (unsigned long long)((s->due_ns - now) / 1000000u));
    else if (!quiet)
        fprintf(stderr, "sekisho: scanner %u (pid %d, generation %llu) %s; restarting it\n",
                c->slot, (int)c->pid, (unsigned long long)c->generation, how);
    ctl_send(p, &m, -1);
}

static void front_ended(struct parent *p, struct child *c, int status, uint64_t now)
{
    char how[128];
    describe_end(c, status, how, sizeof how);
    p->front.pid = 0;
    if (p->ctl >= 0)
        close(p->ctl);
    p->ctl = -1;
    if (p->stopping) {
        p->front_status = WIFEXITED(status) ? WEXITSTATUS(status) : 1;
        return;
    }
    seat_backoff(&p->front, c->ready, now);
    fprintf(stderr,
            "sekisho: the front (pid %d) %s; connections it held are lost, restarting it%s\n",
            (int)c->pid, how, c->ready ? "" : " after a back-off");
}

static void reap(struct parent *p)
{
    uint64_t now = sk_ipc_now_ns();
    for (;;) {
        int status;
        pid_t pid = waitpid(-1, &status, WNOHANG);
        if (pid <= 0)
            return;
        struct child *c = child_find(p, pid);
        if (!c)
            continue;
        if (c->front)
            front_ended(p, c, status, now);
        else
            scanner_ended(p, c, status, now);
        child_remove(p, c);
    }
}

/* ---- rules ---- */

/* Compiles the rules as the parent (any folder it can read) into a bundle
 * and checks that an engine loads from it. 0, or -1 with err. */
static int compile_rules(struct parent *p, uint8_t **bundle, size_t *len, unsigned *count,
                         char *err, size_t errlen)
{
    int rc = sk_engine_bundle_build(p->rules, bundle, len, err, errlen);
    if (rc == 0 && (uint64_t)*len > SK_MAX_BUNDLE) {
        snprintf(err, errlen, "compiled rules of %zu bytes exceed %llu", *len,
                 (unsigned long long)SK_MAX_BUNDLE);
        rc = -1;
    }
    struct sk_engine *engine = NULL;
    if (rc == 0)
        rc = sk_engine_from_bundle(*bundle, *len, &p->opts->common.limits, NULL, &engine, err,
                                   errlen);
    if (rc != 0) {
        free(*bundle);
        *bundle = NULL;
        if (!err[0])
            snprintf(err, errlen, "%s", sk_strerror(rc));
        return -1;
    }
    *count = sk_engine_rule_count(engine);
    sk_engine_free(engine);
    return 0;
}

/* SIGHUP: a new generation of scanners from the rules compiled afresh; the
 * front swaps each slot as its new scanner is ready and retires the old
 * one after its request. A refusal keeps the generation serving. */
static void reload(struct parent *p)
{
    char err[8192] = "";
    uint8_t *bundle = NULL;
    size_t len = 0;
    unsigned count = 0;
    uint64_t t0 = sk_ipc_now_ns();
    if (compile_rules(p, &bundle, &len, &count, err, sizeof err) != 0) {
        fprintf(stderr, "sekisho: SIGHUP: new rules refused, keeping generation %llu: %s\n",
                (unsigned long long)p->generation, err);
        return;
    }
    free(p->bundle);
    p->bundle = bundle;
    p->bundle_len = len;
    p->rules_count = count;
    p->generation++;
    fprintf(stderr,
            "sekisho: SIGHUP: rules compiled (generation %llu, %u rules, %zu-byte bundle, "
            "%.1f ms); starting its scanners\n",
            (unsigned long long)p->generation, count, len,
            (double)(sk_ipc_now_ns() - t0) / 1e6);
    for (uint32_t i = 0; i < p->opts->workers; i++) {
        p->scanners[i].pid = 0; /* the old one is retired when the new one is ready */
        p->scanners[i].failures = 0;
        p->scanners[i].due_ns = 0;
    }
}

/* ---- the front's messages ---- */

static void front_message(struct parent *p)
{
    struct sk_ctl_msg m;
    long n = sk_ipc_recv_msg(p->ctl, &m, sizeof m, NULL, 0, NULL);
    if (n <= 0) {
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            return;
        close(p->ctl); /* the front is gone; its exit is reaped */
        p->ctl = -1;
        return;
    }
    if (m.magic != SK_CTL_MAGIC)
        return;
    if (m.type == SK_CTL_PONG) {
        p->last_pong_ns = sk_ipc_now_ns();
        struct child *f = child_find(p, p->front.pid);
        if (f && !f->ready) {
            f->ready = true;
            p->front.failures = 0;
        }
        sd_notify_text("WATCHDOG=1");
        return;
    }
    if (m.type != SK_CTL_KILL)
        return;
    /* Only a scanner the parent started and has not reaped: never a
     * recycled pid. */
    struct child *c = child_find(p, (pid_t)m.pid);
    if (!c || c->front || c->slot != m.slot)
        return;
    c->watchdog = true;
    kill(c->pid, SIGKILL);
}

/* ---- the loop ---- */

static void start_due(struct parent *p, uint64_t now)
{
    if (p->stopping)
        return;
    /* A fork that fails (no memory, no pids) is tried again after the same
     * back-off as a child that died before it was ready. */
    if (p->front.pid == 0 && p->front.due_ns <= now && start_front(p) != 0)
        seat_backoff(&p->front, false, now);
    if (p->ctl < 0)
        return; /* scanners wait for a front to hand them to */
    for (uint32_t i = 0; i < p->opts->workers; i++)
        if (p->scanners[i].pid == 0 && p->scanners[i].due_ns <= now &&
            start_scanner(p, i) != 0)
            seat_backoff(&p->scanners[i], false, now);
}

/* The poll timeout: the next due start or ping. */
static int next_timeout(const struct parent *p, uint64_t now)
{
    uint64_t next = now + (uint64_t)SK_FRONT_PING_MS * 1000000u;
    if (!p->stopping) {
        if (p->front.pid == 0 && p->front.due_ns < next)
            next = p->front.due_ns;
        for (uint32_t i = 0; p->ctl >= 0 && i < p->opts->workers; i++)
            if (p->scanners[i].pid == 0 && p->scanners[i].due_ns < next)
                next = p->scanners[i].due_ns;
    }
    return next <= now ? 0 : (int)((next - now + 999999u) / 1000000u);
}

/* Asks the front's loop whether it turns; kills a front silent too long. */
static void ping_front(struct parent *p, uint64_t now)
{
    if (p->ctl < 0 || now - p->last_ping_ns < (uint64_t)SK_FRONT_PING_MS * 1000000u)
        return;
    p->last_ping_ns = now;
    struct sk_ctl_msg m = {.magic = SK_CTL_MAGIC, .type = SK_CTL_PING};
    ctl_send(p, &m, -1);
    struct child *f = child_find(p, p->front.pid);
    if (f && !p->stopping && now > p->last_pong_ns &&
        now - p->last_pong_ns > (uint64_t)SK_FRONT_STUCK_MS * 1000000u) {
        fprintf(stderr, "sekisho: the front (pid %d) has not answered for %u ms; killing it\n",
                (int)f->pid, SK_FRONT_STUCK_MS);
        f->watchdog = true;
        kill(f->pid, SIGKILL);
        p->last_pong_ns = now;
    }
}

static void stop(struct parent *p, int signum)
{
    if (p->stopping)
        return;
    p->stopping = true;
    fprintf(stderr, "sekisho: %s: draining the front\n", signum == SIGTERM ? "SIGTERM" : "SIGINT");
    if (p->front.pid > 0)
        kill(p->front.pid, SIGTERM);
}

/* Once the front is gone while stopping: the scanners go too (those it
 * held saw EOF already; starting ones are told by their socket closing). */
static void stop_scanners(struct parent *p)
{
    for (size_t i = 0; i < p->n_children; i++) {
        struct child *c = &p->children[i];
        if (c->fd >= 0) {
            close(c->fd);
            c->fd = -1;
        }
        if (!c->front)
            kill(c->pid, SIGTERM);
    }
}

static void on_signals(struct parent *p)
{
    struct signalfd_siginfo si;
    while (read(p->sigfd, &si, sizeof si) == (ssize_t)sizeof si) {
        switch (si.ssi_signo) {
        case SIGCHLD: reap(p); break;
        case SIGHUP:
            if (!p->stopping)
                reload(p);
            break;
        default: stop(p, (int)si.ssi_signo); break;
        }
    }
}

static void run(struct parent *p)
{
    for (;;) {
        uint64_t now = sk_ipc_now_ns();
        start_due(p, now);
        ping_front(p, now);
        if (p->stopping && p->front.pid == 0) {
            stop_scanners(p);
            if (p->n_children == 0)
                return;
        }
        struct pollfd fds[2 + 2 * 1024];
        size_t n = 0;
        fds[n++] = (struct pollfd){.fd = p->sigfd, .events = POLLIN};
        if (p->ctl >= 0)
            fds[n++] = (struct pollfd){.fd = p->ctl, .events = POLLIN};
        for (size_t i = 0; i < p->n_children && n < sizeof fds / sizeof fds[0]; i++)
            if (p->children[i].fd >= 0)
                fds[n++] = (struct pollfd){.fd = p->children[i].fd, .events = POLLIN};
        int r = poll(fds, n, next_timeout(p, now));
        if (r < 0 && errno != EINTR) {
            fprintf(stderr, "sekisho: poll: %s\n", strerror(errno));
            return;
        }
        for (size_t i = 0; r > 0 && i < n; i++) {
            if (!fds[i].revents)
                continue;
            if (fds[i].fd == p->sigfd)
                on_signals(p);
            else if (fds[i].fd == p->ctl)
                front_message(p);
            else
                for (size_t k = 0; k < p->n_children; k++)
                    if (p->children[k].fd == fds[i].fd && p->children[k].fd >= 0) {
                        scanner_ready(p, &p->children[k]);
                        break;
                    }
        }
    }
}

/* ---- start-up ---- */

/* Started as root: whom the front and the scanners become (--user, default
 * nobody, with its own groups; --group as the primary one). Looked up now,
 * before anything forks. */
static int resolve_user(struct parent *p, struct sk_sandbox_user *user)
{
    const char *name = p->opts->user ? p->opts->user : SK_SANDBOX_DEFAULT_USER;
    char err[512];
    if (sk_sandbox_lookup_user(name, p->opts->group, user, err, sizeof err) != 0) {
        fprintf(stderr, "sekisho: sandbox: %s\n", err);
        return -1;
    }
    if (user->uid == 0) {
        fprintf(stderr, "sekisho: sandbox: --user %s is root: name an unprivileged user\n",
                name);
        return -1;
    }
    p->base.user = user;
    p->base.user_name = name;
    return 0;
}

static int block_signals(struct parent *p)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    if (sigprocmask(SIG_BLOCK, &set, NULL) != 0)
        return -1;
    p->sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    return p->sigfd < 0 ? -1 : 0;
}

int sk_supervise(const struct sk_serve_options *opts, const struct sk_engine_config *rules)
{
    struct parent p = {.opts = opts, .rules = rules, .ctl = -1, .sigfd = -1};
    struct sk_sandbox_user user;
    int code = 2;
    p.listeners = (struct sk_listeners){.unix_fd = -1, .tcp_fd = -1, .milter_fd = -1};
    p.base.opts = opts;
    p.base.parent = getpid();
    p.base.fault_report = getenv("SEKISHO_FAULT_REPORT");
    if (p.base.fault_report)
        fprintf(stderr, "sekisho: test hook SEKISHO_FAULT_REPORT armed: the reports of %s "
                        "fail closed\n",
                p.base.fault_report);
    p.scanners = calloc(opts->workers, sizeof *p.scanners);
    if (!p.scanners || (geteuid() == 0 && resolve_user(&p, &user) != 0))
        goto out;
    if (!p.base.user_name && (opts->user || opts->group))
        fprintf(stderr, "sekisho: --user/--group ignored: not started as root\n");
    char err[8192] = "";
    uint64_t t0 = sk_ipc_now_ns();
    if (compile_rules(&p, &p.bundle, &p.bundle_len, &p.rules_count, err, sizeof err) != 0) {
        fprintf(stderr, "sekisho: %s\n", err);
        goto out;
    }
    p.generation = 1;
    fprintf(stderr, "sekisho: rules compiled by the parent: %u rules, %zu-byte bundle, %.1f ms\n",
            p.rules_count, p.bundle_len, (double)(sk_ipc_now_ns() - t0) / 1e6);
    if (sk_listen_all(opts, &p.listeners) != 0)
        goto out;
    if (p.base.user && sk_listen_hand_over(opts, &p.listeners, user.uid, user.gid) != 0)
        goto out;
    if (block_signals(&p) != 0) {
        fprintf(stderr, "sekisho: signals: %s\n", strerror(errno));
        goto out;
    }
    signal(SIGPIPE, SIG_IGN);
    fprintf(stderr,
            "sekisho: parent pid %d%s: a front and %u scanner process(es)%s%s\n", (int)getpid(),
            geteuid() == 0 ? " (root)" : "", opts->workers, p.base.user_name ? " as " : "",
            p.base.user_name ? p.base.user_name : "");
    run(&p);
    code = p.front_status;
    fprintf(stderr, "sekisho: parent: stopped\n");
out:
    if (p.sigfd >= 0)
        close(p.sigfd);
    if (p.ctl >= 0)
        close(p.ctl);
    sk_listen_close(&p.listeners, 1);
    for (size_t i = 0; i < p.n_children; i++)
        if (p.children[i].fd >= 0)
            close(p.children[i].fd);
    free(p.children);
    free(p.scanners);
    free(p.bundle);
    return code;
}

/* What parsing allocated; the secret is wiped first. */
static void free_options(struct sk_serve_options *o)
{
    if (o->secret)
        explicit_bzero(o->secret, o->secret_len);
    free(o->secret);
    free(o->common.rule_paths);
}

int sk_cmd_serve(int argc, char **argv)
{
    struct sk_serve_options o = {0};
    int parsed = sk_serve_parse_options(argc, argv, &o);
    if (parsed != 0) {
        free_options(&o);
        return parsed > 0 ? 0 : 2;
    }
    /* The bundled folder is found now, as whoever started us. */
    const char **rule_paths = NULL;
    size_t n_rule_paths = 0;
    sk_common_rule_paths(&o.common, &rule_paths, &n_rule_paths);
    struct sk_engine_config rules = {.rule_paths = rule_paths,
                                     .n_rule_paths = n_rule_paths,
                                     .policy_path = o.common.policy_path,
                                     .password_rules_path = o.common.password_rules,
                                     .limits = o.common.limits};
    int code = sk_supervise(&o, &rules);
    free(rule_paths);
    free_options(&o);
    return code;
}
