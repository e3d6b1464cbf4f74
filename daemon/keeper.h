/* The rules keeper: a small process forked by `sekisho serve` before it
 * drops root, that reads and compiles the operator's rules, policy and
 * password rules on request and hands them back as an engine bundle
 * (engine/sekisho.h) over a socketpair. So the server, unprivileged and
 * under its seccomp filter, can reload rules kept where only root may read
 * (SIGHUP), and never needs to open them itself.
 *
 * It is the seed of DESIGN.md's privileged parent. It never sees a client,
 * a socket other than its own end of the pair, or an attachment byte; it
 * parses nothing the server sends beyond a fixed 8-byte request. It exits
 * on EOF on its socket and, through PR_SET_PDEATHSIG, when the server dies.
 *
 * Wire (both ends are this build of Sekisho):
 *   request  "SKRQ" u32le 1 (compile)
 *   reply    "SKRP" u32le status (0: a bundle follows, 1: error text
 *            follows) u64le length u64le compile time in ns, then length
 *            bytes: at most SK_KEEPER_MAX_BUNDLE of bundle or
 *            SK_KEEPER_MAX_ERROR of text. */
#ifndef SK_KEEPER_H
#define SK_KEEPER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../engine/sekisho.h"
#include "sandbox.h"

#define SK_KEEPER_MAX_BUNDLE (1ull << 30)
#define SK_KEEPER_MAX_ERROR (64u * 1024u)

struct sk_keeper {
    pid_t pid;
    int fd; /* the server's end; -1 once the keeper is gone or out of step */
};

struct sk_keeper_setup {
    struct sk_engine_config engine; /* what to compile and read (limits unused) */
    /* Started as root: whom the keeper becomes, keeping CAP_DAC_READ_SEARCH
     * (read any file) and no other capability. NULL: it stays who it is. */
    const struct sk_sandbox_user *user;
    bool confine; /* install the seccomp filter (sandbox.c) in the keeper */
};

/* Forks the keeper. Call from the main thread while the process has no
 * other thread (the parent-death signal follows the thread that forked).
 * 0, or -1 with a message in err. */
int sk_keeper_start(const struct sk_keeper_setup *setup, struct sk_keeper *out, char *err,
                    size_t errlen);

/* Asks the keeper to compile and waits for the answer (blocking: call from
 * one thread at a time, never the loop thread once serving). 0 and *bundle
 * (malloc'd, the caller frees it) with the keeper's compile time; SK_EINVAL
 * when the rules were refused (err holds the compiler's words); SK_EIO when
 * the keeper is gone or broke the framing (it is not asked again). */
int sk_keeper_compile(struct sk_keeper *keeper, uint8_t **bundle, size_t *len,
                      uint64_t *compile_ns, char *err, size_t errlen);

/* Closes the server's end: the keeper sees EOF and exits. */
void sk_keeper_close(struct sk_keeper *keeper);

#endif
