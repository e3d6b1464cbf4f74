/* The front's end of the control pair with the parent (ctl.h), on the loop
 * thread: ready scanners go into the pool, deaths are counted, pings are
 * answered (the parent's and systemd's watchdog). When the parent is gone
 * the front has no one to restart its scanners: it drains and exits. */
#ifndef SK_FRONT_CTL_H
#define SK_FRONT_CTL_H

#include <uv.h>

#include "scanpool.h"

struct sk_front_ctl {
    uv_poll_t poll;
    int fd;
    struct sk_scanpool *pool;
    void (*parent_gone)(struct sk_front_ctl *ctl); /* once */
    void *data;
    bool gone;
};

/* Starts watching fd (made non-blocking). 0 or a negative libuv error. */
int sk_front_ctl_start(struct sk_front_ctl *ctl, uv_loop_t *loop, int fd,
                       struct sk_scanpool *pool);
/* Stops watching; the descriptor stays open (the pool's kill requests use
 * it) until sk_front_ctl_close. */
void sk_front_ctl_stop(struct sk_front_ctl *ctl);
void sk_front_ctl_close(struct sk_front_ctl *ctl);

#endif
