/* The front's scanners (scanpool.h). */
#include "scanpool.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ipc.h"

int sk_scanpool_init(struct sk_scanpool *pool, size_t n_slots, int ctl_fd)
{
    memset(pool, 0, sizeof *pool);
    pool->slots = calloc(n_slots ? n_slots : 1, sizeof *pool->slots);
    if (!pool->slots)
        return UV_ENOMEM;
    int rc = uv_mutex_init(&pool->lock);
    if (rc == 0 && (rc = uv_cond_init(&pool->freed)) != 0)
        uv_mutex_destroy(&pool->lock);
    if (rc != 0) {
        free(pool->slots);
        pool->slots = NULL;
        return rc;
    }
    pool->n_slots = n_slots;
    pool->ctl_fd = ctl_fd;
    return 0;
}

static void scanner_free(struct sk_scanner_ref *s)
{
    if (s->fd >= 0)
        close(s->fd); /* the scanner sees EOF and leaves */
    free(s);
}

void sk_scanpool_destroy(struct sk_scanpool *pool)
{
    if (!pool->slots)
        return;
    for (size_t i = 0; i < pool->n_slots; i++)
        if (pool->slots[i])
            scanner_free(pool->slots[i]);
    free(pool->slots);
    pool->slots = NULL;
    uv_cond_destroy(&pool->freed);
    uv_mutex_destroy(&pool->lock);
}

bool sk_scanpool_add(struct sk_scanpool *pool, const struct sk_ctl_msg *m, int fd)
{
    struct sk_scanner_ref *s = calloc(1, sizeof *s);
    if (!s || m->slot >= pool->n_slots || fcntl(fd, F_SETFL, O_NONBLOCK) != 0) {
        /* The scanner sees EOF and leaves; the parent starts another. */
        free(s);
        close(fd);
        return false;
    }
    *s = (struct sk_scanner_ref){.fd = fd,
                                 .pid = (pid_t)m->pid,
                                 .slot = m->slot,
                                 .generation = m->generation};
    uv_mutex_lock(&pool->lock);
    struct sk_scanner_ref *old = pool->slots[m->slot];
    if (old) {
        pool->alive--;
        if (old->busy)
            old->retired = true; /* closed by its pool thread when done */
        else
            scanner_free(old);
    }
    pool->slots[m->slot] = s;
    pool->alive++;
    if (m->generation > pool->generation)
        pool->generation = m->generation;
    /* A reload is complete once every slot runs its generation; said once. */
    size_t newest = 0;
    for (size_t i = 0; i < pool->n_slots; i++)
        newest += pool->slots[i] && pool->slots[i]->generation == m->generation;
    bool completes = newest == pool->n_slots && m->generation > pool->complete_generation;
    if (completes)
        pool->complete_generation = m->generation;
    uv_cond_signal(&pool->freed);
    uv_mutex_unlock(&pool->lock);
    return completes && m->generation > 1;
}

void sk_scanpool_ended(struct sk_scanpool *pool, const struct sk_ctl_msg *m)
{
    uv_mutex_lock(&pool->lock);
    if (m->cause < SK_CAUSE_COUNT)
        pool->ended[m->cause]++;
    snprintf(pool->last_end, sizeof pool->last_end, "scanner %u (pid %d): %.*s", m->slot,
             (int)m->pid, (int)sizeof m->text, m->text);
    /* A scanner that died idle is still in its slot: drop it now, so that
     * no request is sent to a dead one. */
    struct sk_scanner_ref *s = m->slot < pool->n_slots ? pool->slots[m->slot] : NULL;
    if (s && s->pid == (pid_t)m->pid) {
        pool->slots[m->slot] = NULL;
        pool->alive--;
        if (s->busy) {
            s->retired = true; /* its pool thread sees the failure and frees it */
        } else {
            scanner_free(s);
        }
    }
    uv_mutex_unlock(&pool->lock);
}

void sk_scanpool_close(struct sk_scanpool *pool)
{
    uv_mutex_lock(&pool->lock);
    pool->closing = true;
    uv_cond_broadcast(&pool->freed);
    uv_mutex_unlock(&pool->lock);
}

/* A free scanner in a slot, newest generation first (lock held). */
static struct sk_scanner_ref *take_free(struct sk_scanpool *pool)
{
    struct sk_scanner_ref *best = NULL;
    for (size_t i = 0; i < pool->n_slots; i++) {
        struct sk_scanner_ref *s = pool->slots[i];
        if (s && !s->busy && (!best || s->generation > best->generation))
            best = s;
    }
    if (best) {
        best->busy = true;
    }
    return best;
}

struct sk_scanner_ref *sk_scanpool_acquire(struct sk_scanpool *pool, uint64_t deadline_ns)
{
    struct sk_scanner_ref *s = NULL;
    uv_mutex_lock(&pool->lock);
    while (!pool->closing && !(s = take_free(pool))) {
        uint64_t now = sk_ipc_now_ns();
        if (now >= deadline_ns)
            break;
        (void)uv_cond_timedwait(&pool->freed, &pool->lock, deadline_ns - now);
    }
    uv_mutex_unlock(&pool->lock);
    return s;
}

/* Asks the parent to kill a scanner (a stuck one: only the parent may, and
 * only it knows the pid is still its child and not recycled). */
static void ask_kill(struct sk_scanpool *pool, const struct sk_scanner_ref *s)
{
    struct sk_ctl_msg m = {
        .magic = SK_CTL_MAGIC, .type = SK_CTL_KILL, .slot = s->slot, .pid = (int32_t)s->pid};
    snprintf(m.text, sizeof m.text, "stuck past its request's deadline");
    if (sk_ipc_send_msg(pool->ctl_fd, &m, sizeof m, NULL, 0) != 0)
        fprintf(stderr, "sekisho: asking the parent to kill scanner pid %d failed\n",
                (int)s->pid);
}

void sk_scanpool_release(struct sk_scanpool *pool, struct sk_scanner_ref *s, bool dead,
                         bool kill)
{
    if (kill)
        ask_kill(pool, s);
    uv_mutex_lock(&pool->lock);
    s->busy = false;
    s->requests++;
    bool in_slot = s->slot < pool->n_slots && pool->slots[s->slot] == s;
    if (dead && in_slot) {
        pool->slots[s->slot] = NULL;
        pool->alive--;
    }
    if (dead || s->retired) {
        scanner_free(s);
    } else {
        uv_cond_signal(&pool->freed);
    }
    uv_mutex_unlock(&pool->lock);
}

size_t sk_scanpool_alive(struct sk_scanpool *pool)
{
    uv_mutex_lock(&pool->lock);
    size_t n = pool->alive;
    uv_mutex_unlock(&pool->lock);
    return n;
}

void sk_scanpool_stats(struct sk_scanpool *pool, struct sk_scanpool_stats *out)
{
    memset(out, 0, sizeof *out);
    uv_mutex_lock(&pool->lock);
    out->configured = pool->n_slots;
    out->alive = pool->alive;
    for (size_t i = 0; i < pool->n_slots; i++)
        out->busy += pool->slots[i] && pool->slots[i]->busy;
    out->generation = pool->generation;
    for (int c = 0; c < SK_CAUSE_COUNT; c++)
        out->restarts += c == SK_CAUSE_RETIRED ? 0 : pool->ended[c];
    memcpy(out->ended, pool->ended, sizeof out->ended);
    memcpy(out->last_end, pool->last_end, sizeof out->last_end);
    uv_mutex_unlock(&pool->lock);
}

size_t sk_scanpool_list(struct sk_scanpool *pool, struct sk_reply_scanner *out, size_t max)
{
    size_t n = 0;
    uv_mutex_lock(&pool->lock);
    for (size_t i = 0; i < pool->n_slots && n < max; i++) {
        struct sk_scanner_ref *s = pool->slots[i];
        if (!s)
            continue;
        out[n++] = (struct sk_reply_scanner){.pid = (int32_t)s->pid,
                                             .slot = s->slot,
                                             .busy = s->busy,
                                             .generation = s->generation,
                                             .requests = s->requests};
    }
    uv_mutex_unlock(&pool->lock);
    return n;
}
