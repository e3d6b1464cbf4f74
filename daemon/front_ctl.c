/* The front's end of the control pair (front_ctl.h). */
#include "front_ctl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "ipc.h"

static void on_scanner(struct sk_front_ctl *ctl, const struct sk_ctl_msg *m, int fd)
{
    if (fd < 0)
        return;
    bool completes = sk_scanpool_add(ctl->pool, m, fd);
    if (completes)
        fprintf(stderr,
                "sekisho: SIGHUP: rules reloaded (generation %llu, %u rules): every scanner "
                "runs them\n",
                (unsigned long long)m->generation, m->rules);
}

static void on_message(struct sk_front_ctl *ctl, const struct sk_ctl_msg *m, int fd)
{
    switch (m->type) {
    case SK_CTL_SCANNER: on_scanner(ctl, m, fd); return;
    case SK_CTL_DEATH: sk_scanpool_ended(ctl->pool, m); break;
    case SK_CTL_PING: {
        struct sk_ctl_msg pong = {.magic = SK_CTL_MAGIC, .type = SK_CTL_PONG};
        (void)sk_ipc_send_msg(ctl->fd, &pong, sizeof pong, NULL, 0);
        break;
    }
    default: break;
    }
    if (fd >= 0)
        close(fd);
}

static void on_readable(uv_poll_t *poll, int status, int events)
{
    struct sk_front_ctl *ctl = poll->data;
    (void)events;
    /* A bounded batch per wake-up: the loop has connections to serve too. */
    for (int i = 0; i < 64 && status == 0; i++) {
        struct sk_ctl_msg m;
        int fd = -1;
        size_t n_fds = 0;
        long n = sk_ipc_recv_msg(ctl->fd, &m, sizeof m, &fd, 1, &n_fds);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        if (n < 0 && errno == EPROTO)
            continue; /* not one of ours: dropped */
        if (n <= 0) {
            status = UV_EOF; /* the parent is gone */
            break;
        }
        if (m.magic == SK_CTL_MAGIC)
            on_message(ctl, &m, n_fds ? fd : -1);
        else if (n_fds)
            close(fd);
    }
    if (status == 0 || ctl->gone)
        return;
    ctl->gone = true;
    sk_front_ctl_stop(ctl);
    fprintf(stderr, "sekisho: the parent is gone: no scanner can be replaced; draining\n");
    if (ctl->parent_gone)
        ctl->parent_gone(ctl);
}

int sk_front_ctl_start(struct sk_front_ctl *ctl, uv_loop_t *loop, int fd,
                       struct sk_scanpool *pool)
{
    ctl->fd = fd;
    ctl->pool = pool;
    ctl->gone = false;
    if (fcntl(fd, F_SETFL, O_NONBLOCK) != 0)
        return uv_translate_sys_error(errno);
    int rc = uv_poll_init(loop, &ctl->poll, fd);
    if (rc != 0)
        return rc;
    ctl->poll.data = ctl;
    return uv_poll_start(&ctl->poll, UV_READABLE, on_readable);
}

void sk_front_ctl_stop(struct sk_front_ctl *ctl)
{
    if (!uv_is_closing((uv_handle_t *)&ctl->poll))
        uv_close((uv_handle_t *)&ctl->poll, NULL);
}

void sk_front_ctl_close(struct sk_front_ctl *ctl)
{
    if (ctl->fd >= 0)
        close(ctl->fd);
    ctl->fd = -1;
}
