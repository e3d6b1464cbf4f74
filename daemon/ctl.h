/* What crosses between the parent and the front (ARCHITECTURE.md,
 * "Processes"): fixed-size messages on a SOCK_SEQPACKET pair, one per
 * datagram, a scanner's socket riding on SK_CTL_SCANNER. The parent never
 * reads client bytes, so the front tells it only which scanner to kill. */
#ifndef SK_CTL_H
#define SK_CTL_H

#include <stdint.h>

#define SK_CTL_MAGIC 0x4c54434bu /* "KCTL" */

enum sk_ctl_type {
    SK_CTL_SCANNER = 1, /* parent to front: a ready scanner; its socket attached */
    SK_CTL_DEATH,       /* parent to front: a scanner process ended (cause, text) */
    SK_CTL_KILL,        /* front to parent: kill this scanner (the watchdog) */
    SK_CTL_PING,        /* parent to front: is the loop turning? */
    SK_CTL_PONG,        /* front to parent: it is */
};

/* Why a scanner is gone (counted in stats, named in logs). */
enum sk_scanner_cause {
    SK_CAUSE_SIGNAL,   /* killed by a signal it did not ask for: a crash */
    SK_CAUSE_MEMORY,   /* left after running out of memory (its cap) */
    SK_CAUSE_WATCHDOG, /* stuck past its request's deadline and grace: killed */
    SK_CAUSE_EXIT,     /* exited otherwise (its front went away, a lost socket) */
    SK_CAUSE_START,    /* died before it was ready (engine load, privilege drop) */
    SK_CAUSE_RETIRED,  /* replaced by a newer rules generation: not restarted */
    SK_CAUSE_COUNT
};

/* A scanner's exit codes (its own decisions; a signal is anything else). */
#define SK_SCANNER_EXIT_DONE 0   /* its socket closed: retired or front gone */
#define SK_SCANNER_EXIT_MEMORY 3 /* after a request that ran out of memory */
#define SK_SCANNER_EXIT_START 4  /* could not get ready */

struct sk_ctl_msg {
    uint32_t magic;
    uint32_t type;       /* enum sk_ctl_type */
    uint32_t slot;       /* scanner slot, 0 .. workers-1 */
    uint32_t cause;      /* enum sk_scanner_cause (SK_CTL_DEATH) */
    uint64_t generation; /* the rules generation it runs */
    int32_t pid;
    uint32_t rules;  /* rules in its engine (SK_CTL_SCANNER) */
    char text[216];  /* for the log: why started, how it ended */
};

static inline const char *sk_cause_name(uint32_t cause)
{
    static const char *const names[SK_CAUSE_COUNT] = {"signal", "memory", "watchdog",
                                                      "exit",   "start",  "retired"};
    return cause < SK_CAUSE_COUNT ? names[cause] : "unknown";
}

#endif
