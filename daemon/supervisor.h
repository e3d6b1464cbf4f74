/* The parent of `sekisho serve` (ARCHITECTURE.md, "Processes"): the only
 * process that keeps the privileges serve was started with. It binds the
 * listeners, reads and compiles the rules (so SIGHUP reloads them from any
 * folder), starts the front and the scanners, and restarts them when they
 * die, with a back-off for those that die before they are ready. It never
 * reads a client's bytes: it hands each ready scanner's socket to the front
 * and from then on only hears from the front which scanner to kill. */
#ifndef SK_SUPERVISOR_H
#define SK_SUPERVISOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../engine/sekisho.h"
#include "listen.h"
#include "sandbox.h"

struct sk_serve_options;

#define SK_BACKOFF_FIRST_MS 100u   /* after the first death before ready */
#define SK_BACKOFF_MAX_MS 30000u   /* doubling up to this */
#define SK_FRONT_PING_MS 1000u     /* the parent asks the front's loop this often */
#define SK_FRONT_STUCK_MS 15000u   /* no answer this long: the front is killed */
#define SK_MAX_BUNDLE (1ull << 30) /* compiled rules larger than this are refused */

/* What a child process starts from: everything is in the parent's memory
 * at fork, nothing is read afterwards. */
struct sk_child_setup {
    const struct sk_serve_options *opts;
    pid_t parent;                       /* to die with (PR_SET_PDEATHSIG) */
    const struct sk_sandbox_user *user; /* NULL: not started as root, stay */
    const char *user_name;
    const struct sk_listeners *listeners; /* the front's */
    const uint8_t *bundle;                /* the scanners' engine */
    size_t bundle_len;
    uint64_t generation;
    uint32_t slot;
    int fd;               /* the child's socket: control (front) or requests (scanner) */
    const char *fault_report; /* the SEKISHO_FAULT_REPORT test hook, or NULL */
};

/* Runs serve: binds, compiles, starts and keeps the processes until
 * SIGTERM/SIGINT has drained the front. The exit code for main. */
int sk_supervise(const struct sk_serve_options *opts, const struct sk_engine_config *rules);

/* The children's bodies (front.c's loop and scanner.c), entered right after
 * the fork with signals reset and only setup->fd and stdio open (the front
 * also its listeners). They return the process's exit code. */
int sk_front_main(const struct sk_child_setup *setup);
int sk_scanner_main(const struct sk_child_setup *setup);

#endif
