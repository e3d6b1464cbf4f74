/* A request's bytes in shared memory (shm.h). */
#include "shm.h"

#include <errno.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int sk_shm_create(struct sk_shm *shm, size_t cap)
{
    shm->fd = -1;
    shm->data = NULL;
    shm->cap = 0;
    shm->ready = 0;
    int fd = memfd_create("sekisho-request", MFD_CLOEXEC);
    if (fd < 0)
        return errno;
    shm->fd = fd;
    int rc = sk_shm_grow(shm, cap);
    if (rc != 0)
        sk_shm_free(shm);
    return rc;
}

int sk_shm_grow(struct sk_shm *shm, size_t cap)
{
    if (cap <= shm->cap)
        return 0;
    if (ftruncate(shm->fd, (off_t)cap) != 0)
        return errno;
    void *p = shm->data ? mremap(shm->data, shm->cap, cap, MREMAP_MAYMOVE)
                        : mmap(NULL, cap, PROT_READ | PROT_WRITE, MAP_SHARED, shm->fd, 0);
    if (p == MAP_FAILED) {
        int err = errno;
        if (ftruncate(shm->fd, (off_t)shm->cap) != 0) {
            /* Only ever shrinks back: the mapping still covers it. */
        }
        return err;
    }
    shm->data = p;
    shm->cap = cap;
    return 0;
}

void sk_shm_prepare(struct sk_shm *shm, size_t upto)
{
    if (upto > shm->cap) /* never past the mapping, whatever a caller asks */
        upto = shm->cap;
    if (upto <= shm->ready || !shm->data)
        return;
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t from = shm->ready / page * page;
    size_t to = shm->cap - upto > SK_SHM_AHEAD ? upto + SK_SHM_AHEAD : shm->cap;
    /* EINVAL before Linux 5.14, ENOMEM: the writes fault the pages in. */
    shm->ready = madvise(shm->data + from, to - from, MADV_POPULATE_WRITE) == 0 ? to : shm->cap;
}

void sk_shm_free(struct sk_shm *shm)
{
    if (shm->data)
        munmap(shm->data, shm->cap);
    if (shm->fd >= 0)
        close(shm->fd);
    shm->fd = -1;
    shm->data = NULL;
    shm->cap = 0;
    shm->ready = 0;
}

int sk_shm_map_readonly(int fd, size_t size, const uint8_t **out)
{
    *out = NULL;
    struct stat st;
    if (fstat(fd, &st) != 0)
        return errno;
    if (st.st_size < 0 || (uint64_t)st.st_size < (uint64_t)size)
        return EINVAL;
    if (size == 0)
        return 0;
    void *p = mmap(NULL, size, PROT_READ, MAP_SHARED | MAP_POPULATE, fd, 0);
    if (p == MAP_FAILED)
        return errno;
    *out = p;
    return 0;
}
