/* Microsoft Cabinet files (.cab, and the cab1.cab stream inside an MSI),
 * through libmspack's CAB decompressor, from memory.
 *
 * Spec: [MS-CAB] (CFHEADER, CFFOLDER, CFFILE, CFDATA; none, MSZIP, Quantum
 * and LZX compression), as libmspack 0.11 reads it (mspack.h,
 * mscab_decompressor). libmspack reads every CAB, not only those that
 * libarchive refuses: libarchive 3.6's CAB reader refuses files that share
 * one data range ("Invalid CAB header"; WiX deduplicates an MSI's payload
 * that way, and cabextract and 7-Zip read it), does not know Quantum, and
 * fuzzing found it dereferencing NULL. One decoder keeps one attack surface;
 * libmspack is the one ClamAV and cabextract use. The bytes never touch
 * disk: libmspack's file layer (struct mspack_system) is ours, reading the
 * node's bytes and writing each file into its child through
 * sk_unpack_append.
 *
 * Children: every file, named by its CFFILE name with '\' turned into '/'
 * (as libarchive named them). Files that share data are each a child.
 * Refuses: a cabinet that continues from or into another (a multi-part set,
 * MSCAB_HDR_PREVCAB/NEXTCAB) is error.unsupported, and its files are still
 * read where they can be; a header libmspack cannot read, and a file whose
 * data fails to decompress or to pass its checksum, are error.corrupt (no
 * salvage mode, no MSZIP repair: what cannot be read whole is not passed).
 * Limits: CFHEADER numbers at most 65535 files and folders (libmspack reads
 * them into lists; CAB_MAX_FILES guards the walk); file bytes go through
 * sk_unpack_append (node, total, ratio, time), and a refusal stops
 * libmspack's decompression through the write callback; the deadline is
 * checked on every read libmspack makes (at least once per CFDATA block,
 * at most 32 KiB of output each), so a folder decompressed again and again
 * for files that share data ends at the deadline; libmspack's own
 * allocations (an LZX or Quantum window of at most 2 MiB) are fixed by the
 * format. */
#include <mspack.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/error.h"
#include "unpacker.h"

#define CAB_MAX_FILES 65535u /* CFHEADER.cFiles is 16 bits */
#define CAB_INPUT "sekisho:cabinet"
#define CAB_OUTPUT "sekisho:member"

struct cab_state;

/* libmspack's file handle: the cabinet (reading the node's bytes) or the
 * file being extracted (appending to the current child). */
struct cab_io {
    struct cab_state *st;
    bool output;
    size_t pos; /* input: where the next read starts */
};

struct cab_state {
    struct mspack_system sys; /* first: open() is handed it back as self */
    struct sk_unpack *u;
    const uint8_t *data;
    size_t size;
    struct mscab_decompressor *cabd;
    struct mscabd_cabinet *cab;
    struct mscabd_file *next_file;
    unsigned files_seen;
    struct sk_child *child; /* what extract() writes into, or NULL */
    int write_rc;           /* what sk_unpack_append said when it refused */
    bool expired;           /* the deadline passed inside libmspack */
    char name[SK_MAX_NAME_BYTES + 1];
};

static int probe(const struct sk_node *node)
{
    /* Above archive.c's 50, which would read it with libarchive. */
    return node->type == SK_TYPE_CAB ? 60 : 0;
}

/* ---- libmspack's file layer, in memory ------------------------------------ */

static struct mspack_file *io_open(struct mspack_system *self, const char *filename, int mode)
{
    struct cab_state *st = (struct cab_state *)self;
    bool input = mode == MSPACK_SYS_OPEN_READ && strcmp(filename, CAB_INPUT) == 0;
    bool output = mode == MSPACK_SYS_OPEN_WRITE && strcmp(filename, CAB_OUTPUT) == 0;
    if ((!input && !output) || (output && !st->child))
        return NULL; /* no other file exists: no second cabinet, no disk */
    struct cab_io *io = calloc(1, sizeof *io);
    if (!io)
        return NULL;
    io->st = st;
    io->output = output;
    return (struct mspack_file *)io;
}

static void io_close(struct mspack_file *file)
{
    free(file);
}

/* Also the deadline check: libmspack reads at least once per CFDATA block. */
static int io_read(struct mspack_file *file, void *buffer, int bytes)
{
    struct cab_io *io = (struct cab_io *)file;
    struct cab_state *st = io->st;
    if (io->output || bytes < 0)
        return -1;
    if (sk_unpack_expired(st->u)) {
        st->expired = true;
        return -1;
    }
    size_t n = st->size - io->pos < (size_t)bytes ? st->size - io->pos : (size_t)bytes;
    memcpy(buffer, st->data + io->pos, n);
    io->pos += n;
    return (int)n;
}

static int io_write(struct mspack_file *file, void *buffer, int bytes)
{
    struct cab_io *io = (struct cab_io *)file;
    struct cab_state *st = io->st;
    if (!io->output || bytes < 0 || !st->child)
        return -1;
    int rc = sk_unpack_append(st->u, &st->child->data, buffer, (size_t)bytes);
    if (rc != 0) {
        st->write_rc = rc;
        return -1; /* libmspack stops with MSPACK_ERR_WRITE */
    }
    return bytes;
}

static int io_seek(struct mspack_file *file, off_t offset, int mode)
{
    struct cab_io *io = (struct cab_io *)file;
    if (io->output)
        return -1;
    off_t base = mode == MSPACK_SYS_SEEK_START ? 0
                 : mode == MSPACK_SYS_SEEK_CUR ? (off_t)io->pos
                 : mode == MSPACK_SYS_SEEK_END ? (off_t)io->st->size
                                               : -1;
    if (base < 0 || offset < -base || offset > (off_t)io->st->size - base)
        return -1; /* before the start or past the end of the cabinet */
    io->pos = (size_t)(base + offset);
    return 0;
}

static off_t io_tell(struct mspack_file *file)
{
    struct cab_io *io = (struct cab_io *)file;
    return io->output ? -1 : (off_t)io->pos;
}

/* libmspack's warnings (extra bytes, a short cabinet) are not reported:
 * what matters comes back as an error code. */
static void io_message(struct mspack_file *file, const char *format, ...)
{
    (void)file;
    (void)format;
}

static void *io_alloc(struct mspack_system *self, size_t bytes)
{
    (void)self;
    return malloc(bytes);
}

static void io_free(void *p)
{
    free(p);
}

static void io_copy(void *src, void *dest, size_t bytes)
{
    memmove(dest, src, bytes);
}

/* ---- open / next / close -------------------------------------------------- */

static const char *mspack_why(int err)
{
    switch (err) {
    case MSPACK_ERR_READ: return "the cabinet is cut short";
    case MSPACK_ERR_SEEK: return "an offset points outside the cabinet";
    case MSPACK_ERR_SIGNATURE: return "no CAB signature";
    case MSPACK_ERR_DATAFORMAT: return "malformed CAB structure";
    case MSPACK_ERR_CHECKSUM: return "a data block fails its checksum";
    case MSPACK_ERR_DECRUNCH: return "the data does not decompress";
    default: return "libmspack could not read it";
    }
}

static void close_cab(void *state)
{
    struct cab_state *st = state;
    if (st->cabd) {
        if (st->cab)
            st->cabd->close(st->cabd, st->cab);
        mspack_destroy_cab_decompressor(st->cabd);
    }
    free(st);
}

static int open_cab(struct sk_unpack *u, void **out)
{
    struct cab_state *st = calloc(1, sizeof *st);
    if (!st)
        return SK_ENOMEM;
    st->sys = (struct mspack_system){
        .open = io_open,
        .close = io_close,
        .read = io_read,
        .write = io_write,
        .seek = io_seek,
        .tell = io_tell,
        .message = io_message,
        .alloc = io_alloc,
        .free = io_free,
        .copy = io_copy,
    };
    st->u = u;
    st->data = u->node->data.p;
    st->size = u->node->data.len;
    int rc = 0;
    st->cabd = mspack_create_cab_decompressor(&st->sys);
    if (!st->cabd) {
        rc = SK_ENOMEM;
        goto out;
    }
    /* Fail closed: no repair of bad MSZIP blocks, no salvaging. */
    st->cabd->set_param(st->cabd, MSCABD_PARAM_FIXMSZIP, 0);
    st->cabd->set_param(st->cabd, MSCABD_PARAM_SALVAGE, 0);
    st->cab = st->cabd->open(st->cabd, CAB_INPUT);
    if (!st->cab) {
        int err = st->cabd->last_error(st->cabd);
        if (err == MSPACK_ERR_NOMEMORY)
            rc = SK_ENOMEM;
        else if (st->expired)
            rc = SK_ELIMIT; /* the engine recorded limit.time */
        else {
            sk_unpack_fail(u, "cab", SK_ECORRUPT, "opening the cabinet: %s", mspack_why(err));
            rc = SK_ECORRUPT;
        }
        goto out;
    }
    if (st->cab->flags & (MSCAB_HDR_PREVCAB | MSCAB_HDR_NEXTCAB))
        sk_unpack_fail(u, "cab", SK_EUNSUPPORTED,
                       "part of a multi-part cabinet set: files split across cabinets "
                       "cannot be read whole");
    st->next_file = st->cab->files;
out:
    if (rc != 0) {
        close_cab(st);
        return rc;
    }
    *out = st;
    return 0;
}

/* The CFFILE name with '\' as '/', cut to what a node name may hold. */
static void child_name(struct cab_state *st, const char *name)
{
    size_t n = 0;
    for (; name && name[n] && n < SK_MAX_NAME_BYTES; n++)
        st->name[n] = name[n] == '\\' ? '/' : name[n];
    st->name[n] = '\0';
}

static int next_cab(struct sk_unpack *u, void *state, struct sk_child *child)
{
    struct cab_state *st = state;
    struct mscabd_file *file = st->next_file;
    if (!file || sk_unpack_expired(u))
        return SK_DONE;
    if (++st->files_seen > CAB_MAX_FILES) {
        sk_unpack_reason(u, "limit.nodes", "more than %u files in one cabinet", CAB_MAX_FILES);
        return SK_DONE;
    }
    st->next_file = file->next;
    child_name(st, file->filename);
    child->name = st->name;
    child->name_len = strlen(st->name);
    child->declared_size = file->length;
    st->child = child;
    st->write_rc = 0;
    st->expired = false;
    int err = st->cabd->extract(st->cabd, file, CAB_OUTPUT);
    st->child = NULL;
    if (err == MSPACK_ERR_OK)
        return 0;
    child->truncated = true;
    if (st->write_rc == SK_ENOMEM || err == MSPACK_ERR_NOMEMORY)
        return SK_ENOMEM;
    if (st->write_rc != 0 || st->expired)
        return 0; /* the limit is recorded; the engine decides what goes on */
    sk_unpack_fail(u, "cab", SK_ECORRUPT, "%s: %s", st->name, mspack_why(err));
    return 0;
}

const struct sk_unpacker sk_unpacker_cab = {
    .name = "cab",
    .probe = probe,
    .open = open_cab,
    .next = next_cab,
    .close = close_cab,
};
