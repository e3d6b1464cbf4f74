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
 * (as libarchive named them), in folder and offset order (not always the
 * CFFILE order: see plan_order). Files that share data are each a child;
 * what a file shares with the one decoded before it is copied from those
 * bytes.
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
 * at most 32 KiB of output each); each folder is decoded once, in order,
 * whatever the files' ranges (one window of the bytes decoded last, at
 * most one file's, is kept while the next file starts inside it);
 * libmspack's own allocations (an LZX or Quantum window of at most 2 MiB)
 * are fixed by the format. */
#include <glib.h>
#include <mspack.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/error.h"
#include "../engine/reader.h"
#include "../engine/text.h"
#include "unpacker.h"

#define CAB_MAX_FILES 65535u /* CFHEADER.cFiles is 16 bits */
#define CAB_INPUT "sekisho:cabinet"
#define CAB_OUTPUT "sekisho:member"

struct cab_state;

/* A file and where its data lies, to extract in folder order. */
struct cab_entry {
    struct mscabd_file *file;
    size_t folder; /* the folder's position in the cabinet */
    size_t index;  /* the file's position in the cabinet */
};

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
    struct cab_entry *order; /* the files in the order they are extracted */
    size_t n_files, next;
    /* What libmspack decoded last, [win_start, win_end) of folder
     * win_folder (it stands at win_end), kept while the next file starts
     * inside it; NULL otherwise. */
    uint8_t *win;
    size_t win_folder;
    uint64_t win_start, win_end;
    struct sk_child *child; /* what extract() writes into, or NULL */
    int write_rc;           /* what sk_unpack_append said when it refused */
    bool expired;           /* the deadline passed inside libmspack */
    char name[SK_MAX_NAME_BYTES + 1];
};

/* The bid: CFHEADER's signature "MSCF" and its four reserved zero bytes
 * ([MS-CAB] 2.1): 64 bits, 60, above archive.c's 50 (for the CAB type, or
 * for what its own checks show in the same bytes), which would read it
 * with libarchive. */
static int bid(const struct sk_node *node, enum sk_type *type)
{
    struct sk_reader r = sk_reader_make(node->data.p, node->data.len);
    if (!sk_reader_match(&r, 0, "MSCF\0\0\0\0", 8))
        return 0;
    *type = SK_TYPE_CAB;
    return 60;
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

/* Also the deadline check: libmspack reads at least once per CFDATA block.
 * Every callback takes a NULL handle as an error: fuzzing found libmspack
 * 0.11 reading through one (a file continued into a next cabinet beside
 * files of the same folder). */
static int io_read(struct mspack_file *file, void *buffer, int bytes)
{
    struct cab_io *io = (struct cab_io *)file;
    if (!io || io->output || bytes < 0)
        return -1;
    struct cab_state *st = io->st;
    if (sk_unpack_expired(st->u)) {
        st->expired = true;
        return -1;
    }
    /* io_seek keeps pos within the cabinet; the reader refuses it if not */
    struct sk_reader r = sk_reader_make(st->data, st->size);
    if (sk_reader_seek(&r, io->pos) != 0)
        return -1;
    size_t n = sk_reader_left(&r) < (size_t)bytes ? sk_reader_left(&r) : (size_t)bytes;
    if (n == 0)
        return 0; /* the end of the cabinet */
    const uint8_t *from = sk_reader_bytes(&r, n);
    if (!from)
        return -1;
    memcpy(buffer, from, n);
    io->pos = r.pos;
    return (int)n;
}

static int io_write(struct mspack_file *file, void *buffer, int bytes)
{
    struct cab_io *io = (struct cab_io *)file;
    if (!io || !io->output || bytes < 0 || !io->st->child)
        return -1;
    struct cab_state *st = io->st;
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
    if (!io || io->output)
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
    return !io || io->output ? -1 : (off_t)io->pos;
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

/* Folder, then offset, then the longer first, then the cabinet's order. */
static int entry_order(const void *a, const void *b)
{
    const struct cab_entry *x = a, *y = b;
    if (x->folder != y->folder)
        return x->folder < y->folder ? -1 : 1;
    if (x->file->offset != y->file->offset)
        return x->file->offset < y->file->offset ? -1 : 1;
    if (x->file->length != y->file->length)
        return x->file->length > y->file->length ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

/* libmspack decodes a folder from its start again whenever a file begins
 * before where the last one ended: in the cabinet's own order, every file
 * that shares an earlier file's data (WiX's deduplication) would cost a
 * decompression of the folder up to that data, quadratic in the folder's
 * size. In folder and offset order, with the bytes last decoded kept while
 * the next file starts inside them (next_cab), each folder is decoded once
 * whatever the files' ranges. */
static int plan_order(struct sk_unpack *u, struct cab_state *st)
{
    size_t n = 0;
    for (struct mscabd_file *f = st->cab->files; f && n <= CAB_MAX_FILES; f = f->next)
        n++;
    if (n > CAB_MAX_FILES) {
        sk_unpack_reason(u, "limit.nodes", "more than %u files in one cabinet", CAB_MAX_FILES);
        n = CAB_MAX_FILES;
    }
    GHashTable *folders = g_hash_table_new(g_direct_hash, g_direct_equal);
    size_t n_folders = 0;
    for (struct mscabd_folder *fo = st->cab->folders; fo && n_folders <= CAB_MAX_FILES;
         fo = fo->next)
        g_hash_table_insert(folders, fo, GSIZE_TO_POINTER(++n_folders));
    st->order = n ? calloc(n, sizeof *st->order) : NULL;
    int rc = n && !st->order ? SK_ENOMEM : 0;
    struct mscabd_file *f = st->cab->files;
    for (size_t i = 0; rc == 0 && i < n; i++, f = f->next) {
        /* 0 for a folder libmspack did not list: such files come first */
        size_t folder = GPOINTER_TO_SIZE(g_hash_table_lookup(folders, f->folder));
        st->order[i] = (struct cab_entry){f, folder, i};
    }
    g_hash_table_destroy(folders);
    if (rc == 0 && n)
        qsort(st->order, n, sizeof *st->order, entry_order);
    st->n_files = rc == 0 ? n : 0;
    return rc;
}

static void drop_window(struct cab_state *st)
{
    free(st->win);
    st->win = NULL;
}

static void close_cab(void *state)
{
    struct cab_state *st = state;
    free(st->order);
    free(st->win);
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
    rc = plan_order(u, st);
out:
    if (rc != 0) {
        close_cab(st);
        return rc;
    }
    *out = st;
    return 0;
}

/* The CFFILE name as UTF-8 with '\' as '/', cut to what a node name may
 * hold. libmspack hands the name's bytes over as stored: UTF-8 when the
 * attribute _A_NAME_IS_UTF (0x80) says so, else in the writer's code page,
 * which sk_name_decode reads as CP932 where it can ([MS-CAB] 2.3). The
 * separator is turned after decoding: in CP932 0x5C is also the second byte
 * of characters such as 表 (0x95 0x5C). */
static void child_name(struct cab_state *st, const struct mscabd_file *file)
{
    const char *name = file->filename ? file->filename : "";
    size_t n = strnlen(name, SK_MAX_NAME_BYTES * 4);
    size_t len = sk_name_decode(name, n, (file->attribs & MSCAB_ATTRIB_UTF_NAME) != 0, st->name,
                                SK_MAX_NAME_BYTES);
    for (size_t i = 0; i < len; i++)
        if (st->name[i] == '\\')
            st->name[i] = '/';
}

/* After a child made of [start, end) of its folder, libmspack standing at
 * end: keeps its bytes as the window when the next file starts inside
 * them. Out of memory only costs the next file a decode from the folder's
 * start. */
static void keep_window(struct cab_state *st, const struct cab_entry *e, uint64_t start,
                        uint64_t end, const struct sk_child *child)
{
    drop_window(st);
    const struct cab_entry *next = st->next < st->n_files ? &st->order[st->next] : NULL;
    if (!next || next->folder != e->folder || next->file->offset >= end ||
        child->data.len != end - start || end == start)
        return;
    st->win = malloc(child->data.len);
    if (!st->win)
        return;
    memcpy(st->win, child->data.p, child->data.len);
    st->win_folder = e->folder;
    st->win_start = start;
    st->win_end = end;
}

/* libmspack writes file (or the part of it past the window) onto the
 * child: 0, or the failure already reported (the child is truncated), or
 * SK_ENOMEM. */
static int extract(struct sk_unpack *u, struct cab_state *st, struct mscabd_file *file,
                   struct sk_child *child)
{
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
        return SK_ELIMIT; /* recorded; the engine decides what goes on */
    sk_unpack_fail(u, "cab", SK_ECORRUPT, "%s: %s", st->name, mspack_why(err));
    return SK_ECORRUPT;
}

static int next_cab(struct sk_unpack *u, void *state, struct sk_child *child)
{
    struct cab_state *st = state;
    if (st->next >= st->n_files || sk_unpack_expired(u))
        return SK_DONE;
    const struct cab_entry *e = &st->order[st->next++];
    struct mscabd_file *file = e->file;
    uint64_t start = file->offset, end = start + file->length;
    child_name(st, file);
    child->name = st->name;
    child->name_len = strlen(st->name);
    child->declared_size = file->length;
    int rc;
    if (st->win && e->folder == st->win_folder && start >= st->win_start &&
        start < st->win_end) {
        /* Starts inside what was decoded last: those bytes are copied, and
         * libmspack, standing at win_end, decodes only what lies past it. */
        uint64_t inside = (end < st->win_end ? end : st->win_end) - start;
        rc = sk_unpack_append(u, &child->data, st->win + (start - st->win_start),
                              (size_t)inside);
        if (rc == 0 && end <= st->win_end)
            return 0; /* the window stays: the next file starts at or after start */
        if (rc == 0) {
            struct mscabd_file rest = *file;
            rest.next = NULL;
            rest.offset = (unsigned)st->win_end;
            rest.length = (unsigned)(end - st->win_end);
            rc = extract(u, st, &rest, child);
        } else {
            child->truncated = true;
        }
    } else {
        rc = extract(u, st, file, child);
    }
    if (rc == 0)
        keep_window(st, e, start, end, child);
    else
        drop_window(st);
    return rc == SK_ENOMEM ? rc : 0;
}

const struct sk_unpacker sk_unpacker_cab = {
    .name = "cab",
    .bid = bid,
    .open = open_cab,
    .next = next_cab,
    .close = close_cab,
};
