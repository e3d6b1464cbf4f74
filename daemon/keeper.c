/* The rules keeper (keeper.h). */
#include "keeper.h"

#include "../engine/error.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define SK_KEEPER_FD 3 /* the keeper's end, after every other descriptor is closed */

enum { KEEPER_OK = 0, KEEPER_REFUSED = 1 };

static int write_all(int fd, const void *p, size_t n)
{
    const uint8_t *b = p;
    while (n > 0) {
        ssize_t w = write(fd, b, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        b += w;
        n -= (size_t)w;
    }
    return 0;
}

/* 0 when n bytes were read, 1 on EOF before the first byte, -1 otherwise. */
static int read_all(int fd, void *p, size_t n)
{
    uint8_t *b = p;
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, b + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0)
            return got == 0 ? 1 : -1;
        got += (size_t)r;
    }
    return 0;
}

static void put_le(uint8_t *p, uint64_t v, int n)
{
    for (int i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* One compile, answered on fd. -1 when the server can no longer be told. */
static int serve_one(int fd, const struct sk_engine_config *config)
{
    static char err[SK_KEEPER_MAX_ERROR];
    uint8_t *bundle = NULL;
    size_t len = 0;
    err[0] = '\0';
    uint64_t t0 = now_ns();
    int rc = sk_engine_bundle_build(config, &bundle, &len, err, sizeof err);
    uint64_t took = now_ns() - t0;
    if (rc == 0 && (uint64_t)len > SK_KEEPER_MAX_BUNDLE) {
        snprintf(err, sizeof err, "compiled rules of %zu bytes exceed the keeper's %llu", len,
                 (unsigned long long)SK_KEEPER_MAX_BUNDLE);
        rc = SK_ELIMIT;
    }
    if (rc != 0 && !err[0])
        snprintf(err, sizeof err, "%s", sk_strerror(rc));
    const uint8_t *payload = rc == 0 ? bundle : (const uint8_t *)err;
    size_t n = rc == 0 ? len : strlen(err);
    uint8_t head[24];
    memcpy(head, "SKRP", 4);
    put_le(head + 4, rc == 0 ? KEEPER_OK : KEEPER_REFUSED, 4);
    put_le(head + 8, n, 8);
    put_le(head + 16, took, 8);
    int wrc = write_all(fd, head, sizeof head) == 0 && write_all(fd, payload, n) == 0 ? 0 : -1;
    free(bundle);
    return wrc;
}

/* The keeper's whole life, in the child. Never returns. */
static void keeper_main(const struct sk_keeper_setup *setup, pid_t server)
{
    int code = 1;
    char err[512];
    /* Its terminal's SIGHUP and SIGINT are the server's business: the
     * keeper goes when the server does. SIGPIPE stays ignored (serve). */
    signal(SIGHUP, SIG_IGN);
    signal(SIGINT, SIG_IGN);
    if (setup->user && sk_sandbox_drop_keep_read(setup->user, err, sizeof err) != 0)
        goto fail;
    /* After the credential change, which clears it. */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0) {
        snprintf(err, sizeof err, "PR_SET_PDEATHSIG: %s", strerror(errno));
        goto fail;
    }
    if (getppid() != server) {
        code = 0; /* the server died before the signal was armed */
        goto out;
    }
    if (setup->confine && sk_sandbox_install(err, sizeof err) != 0)
        goto fail;
    for (;;) {
        uint8_t req[8];
        int r = read_all(SK_KEEPER_FD, req, sizeof req);
        if (r == 1) {
            code = 0; /* the server went away */
            goto out;
        }
        if (r != 0 || memcmp(req, "SKRQ", 4) != 0 || get_le(req + 4, 4) != 1) {
            snprintf(err, sizeof err, "a request it does not know; leaving");
            goto fail;
        }
        if (serve_one(SK_KEEPER_FD, &setup->engine) != 0) {
            code = 0; /* the server stopped listening */
            goto out;
        }
    }
fail:
    fprintf(stderr, "sekisho: rules keeper: %s\n", err);
out:
    close(SK_KEEPER_FD);
    exit(code);
}

int sk_keeper_start(const struct sk_keeper_setup *setup, struct sk_keeper *out, char *err,
                    size_t errlen)
{
    int sv[2];
    out->pid = -1;
    out->fd = -1;
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
        snprintf(err, errlen, "rules keeper: socketpair: %s", strerror(errno));
        return -1;
    }
    pid_t server = getpid();
    fflush(NULL); /* nothing buffered is written twice */
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, errlen, "rules keeper: fork: %s", strerror(errno));
        close(sv[0]);
        close(sv[1]);
        return -1;
    }
    if (pid == 0) {
        /* Only its end of the pair and stdio: not a systemd socket, not the
         * server's descriptors. */
        int fd = sv[1];
        if (fd != SK_KEEPER_FD && (dup2(fd, SK_KEEPER_FD) < 0 || close(fd) != 0))
            _exit(1);
        close_range(SK_KEEPER_FD + 1, ~0u, 0);
        keeper_main(setup, server);
    }
    close(sv[1]);
    out->pid = pid;
    out->fd = sv[0];
    return 0;
}

/* The keeper broke step or went away: it is not asked again. */
static int keeper_lost(struct sk_keeper *keeper, const char *why, char *err, size_t errlen)
{
    snprintf(err, errlen, "the rules keeper (pid %d) %s; restart sekisho to reload rules",
             (int)keeper->pid, why);
    sk_keeper_close(keeper);
    return SK_EIO;
}

int sk_keeper_compile(struct sk_keeper *keeper, uint8_t **bundle, size_t *len,
                      uint64_t *compile_ns, char *err, size_t errlen)
{
    *bundle = NULL;
    *len = 0;
    *compile_ns = 0;
    if (keeper->fd < 0) {
        snprintf(err, errlen, "the rules keeper is gone; restart sekisho to reload rules");
        return SK_EIO;
    }
    uint8_t req[8] = {'S', 'K', 'R', 'Q', 1, 0, 0, 0};
    uint8_t head[24];
    if (write_all(keeper->fd, req, sizeof req) != 0)
        return keeper_lost(keeper, "cannot be asked", err, errlen);
    if (read_all(keeper->fd, head, sizeof head) != 0)
        return keeper_lost(keeper, "did not answer", err, errlen);
    uint32_t status = (uint32_t)get_le(head + 4, 4);
    uint64_t n = get_le(head + 8, 8);
    if (memcmp(head, "SKRP", 4) != 0 || status > KEEPER_REFUSED ||
        n > (status == KEEPER_OK ? SK_KEEPER_MAX_BUNDLE : SK_KEEPER_MAX_ERROR))
        return keeper_lost(keeper, "answered out of step", err, errlen);
    uint8_t *payload = malloc(n ? (size_t)n : 1);
    if (!payload) {
        /* The answer must still be read, or the next one is out of step. */
        return keeper_lost(keeper, "answered more than memory holds", err, errlen);
    }
    if (read_all(keeper->fd, payload, (size_t)n) != 0) {
        free(payload);
        return keeper_lost(keeper, "stopped mid-answer", err, errlen);
    }
    *compile_ns = get_le(head + 16, 8);
    if (status != KEEPER_OK) {
        snprintf(err, errlen, "%.*s", (int)n, (const char *)payload);
        free(payload);
        return SK_EINVAL;
    }
    *bundle = payload;
    *len = (size_t)n;
    return 0;
}

void sk_keeper_close(struct sk_keeper *keeper)
{
    if (keeper->fd >= 0)
        close(keeper->fd);
    keeper->fd = -1;
}
