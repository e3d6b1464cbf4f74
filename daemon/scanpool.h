/* The front's scanners (ARCHITECTURE.md, "Processes"): one entry per slot,
 * filled by the parent's SK_CTL_SCANNER messages on the loop thread, taken
 * by the libuv pool threads one request at a time. A scanner that dies or
 * is killed by the watchdog costs only the request it held: that one is
 * answered fail-closed by its pool thread, the entry is dropped, and the
 * parent's replacement fills the slot. */
#ifndef SK_SCANPOOL_H
#define SK_SCANPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <uv.h>

#include "ctl.h"
#include "reply.h"

struct sk_scanner_ref {
    int fd; /* the front's end of the scanner's socket (non-blocking) */
    pid_t pid;
    uint32_t slot;
    uint64_t generation;
    bool busy;    /* a pool thread holds it */
    bool retired; /* replaced in its slot; closed when its request is done */
    uint64_t requests;
};

struct sk_scanpool {
    uv_mutex_t lock; /* everything below */
    uv_cond_t freed; /* a scanner became free or arrived */
    struct sk_scanner_ref **slots;
    size_t n_slots;
    size_t alive; /* entries in slots */
    uint64_t generation; /* the newest a slot runs */
    uint64_t complete_generation; /* the newest every slot runs */
    uint64_t ended[SK_CAUSE_COUNT];
    char last_end[256]; /* the last scanner that ended: slot, pid, how */
    int ctl_fd;         /* to the parent: SK_CTL_KILL */
    bool closing;       /* no more requests: waiters give up */
};

int sk_scanpool_init(struct sk_scanpool *pool, size_t n_slots, int ctl_fd);
void sk_scanpool_destroy(struct sk_scanpool *pool);

/* Loop thread: a ready scanner for a slot (takes fd). Returns true when it
 * completes a new rules generation in every slot (for the log). */
bool sk_scanpool_add(struct sk_scanpool *pool, const struct sk_ctl_msg *m, int fd);
/* Loop thread: the parent saw a scanner end. */
void sk_scanpool_ended(struct sk_scanpool *pool, const struct sk_ctl_msg *m);
/* Stops handing out scanners: waiting pool threads return NULL. */
void sk_scanpool_close(struct sk_scanpool *pool);

/* Pool thread: a free scanner, waiting until deadline_ns; NULL when none
 * came in time (every scanner busy or dead) or the pool is closing. */
struct sk_scanner_ref *sk_scanpool_acquire(struct sk_scanpool *pool, uint64_t deadline_ns);
/* Pool thread: gives the scanner back. dead: it failed its request (died,
 * broke step, or was stuck: then kill asks the parent to kill it); its
 * entry goes and its slot waits for the parent's replacement. */
void sk_scanpool_release(struct sk_scanpool *pool, struct sk_scanner_ref *s, bool dead,
                         bool kill);

/* Scanners alive (PING answers only when there is one). */
size_t sk_scanpool_alive(struct sk_scanpool *pool);

/* A snapshot for the stats. */
struct sk_scanpool_stats {
    size_t configured, alive, busy;
    uint64_t generation;
    uint64_t restarts; /* ended for any cause but retirement */
    uint64_t ended[SK_CAUSE_COUNT];
    char last_end[256];
};
void sk_scanpool_stats(struct sk_scanpool *pool, struct sk_scanpool_stats *out);
/* The live scanners, for the stats' list (at most max; returns how
 * many). */
size_t sk_scanpool_list(struct sk_scanpool *pool, struct sk_reply_scanner *out, size_t max);

#endif
