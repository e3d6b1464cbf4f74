/* MS-CFB sanity check, before libgsf sees the bytes.
 *
 * Spec: [MS-CFB] 2.2 (header: sector shifts, the mini stream cutoff, the
 * first 109 DIFAT entries), 2.3 (FAT), 2.4 (mini FAT), 2.5 (DIFAT chain),
 * 2.6 (directory entries: type, links, start sector, size).
 *
 * libgsf 1.14.50 notices loops but only logs a warning and goes on with
 * part of a stream (which would then be scanned as if whole), recurses
 * over the directory tree, and reads a directory name until a NUL; earlier
 * versions trusted mini-stream chain lengths. This check turns all of that
 * into one clear failure before libgsf runs (see cfb_check.h).
 *
 * Every read goes through sk_reader: a sector is a sub-reader of the file
 * (or of the zero-padded copy of a partial last sector), a directory entry
 * a sub-reader of its sector. Products of counts and sector sizes are made
 * in 64 bits and checked before they size an allocation. Limits: the
 * directory walk reaches at most SK_CFB_MAX_ENTRIES entries, with an
 * explicit stack of 3 * (SK_CFB_MAX_ENTRIES + 1) ids. */
#include "cfb_check.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/error.h"
#include "../engine/reader.h"

#define CFB_CUTOFF 4096u
#define CFB_MINI 64u
#define CFB_END 0xFFFFFFFEu
#define CFB_NOSTREAM 0xFFFFFFFFu
#define CFB_DIRENT 128u

struct cfb {
    const uint8_t *p;
    size_t len;
    uint32_t shift, ss, n_sectors;
    uint32_t *fat, n_fat;
    uint32_t n_table; /* FAT entries that name sectors of the file */
    uint32_t *minifat, n_minifat;
    uint32_t *dir, n_dir; /* the directory's sectors */
    uint8_t *used, *mini_used;
    uint32_t mini_sectors;
    uint8_t *tail; /* the partial last sector, zero-padded, or NULL */
    const char *why;
};

struct dirent {
    uint8_t type;
    bool named; /* the name field holds a NUL */
    uint32_t left, right, child, start, size;
};

static size_t header_size(const struct cfb *c)
{
    return c->ss > 512 ? c->ss : 512;
}

/* Sector id's bytes (c->ss of them), or a reader in error when id is not a
 * sector of the file. The last one may be the padded copy of a sector the
 * file ends inside. */
static struct sk_reader sector(const struct cfb *c, uint32_t id)
{
    if (c->tail && id == c->n_sectors - 1)
        return sk_reader_make(c->tail, c->ss);
    struct sk_reader file = sk_reader_make(c->p, c->len);
    if (id >= c->n_sectors)
        file.err = SK_ETRUNC;
    sk_reader_seek(&file, header_size(c) + ((size_t)id << c->shift));
    return sk_reader_sub(&file, c->ss);
}

/* The 32-bit field at off of r; false (c->why set) when it is not there. */
static bool field(struct cfb *c, struct sk_reader r, size_t off, uint32_t *out)
{
    sk_reader_seek(&r, off);
    *out = sk_reader_u32le(&r);
    if (r.err)
        c->why = "a structure of the compound file is cut short";
    return r.err == 0;
}

/* Follows a chain, marking each sector used; a sector met twice (a loop, or
 * two chains sharing it) or out of range fails. Stores up to `keep` ids in
 * out. Returns the length, or -1 with c->why set. */
static long walk_chain(struct cfb *c, const uint32_t *table, uint32_t n, uint8_t *used,
                       uint32_t start, uint32_t limit, uint32_t *out, uint32_t keep)
{
    long count = 0;
    for (uint32_t id = start; id != CFB_END; id = table[id]) {
        if (id >= n) {
            c->why = "a sector chain points outside the file";
            return -1;
        }
        if (used[id / 8] & (1u << (id % 8))) {
            c->why = "a sector chain loops or shares sectors with another";
            return -1;
        }
        if ((uint32_t)count >= limit) {
            c->why = "a sector chain is longer than its stream";
            return -1;
        }
        used[id / 8] |= (uint8_t)(1u << (id % 8));
        if ((uint32_t)count < keep && out)
            out[count] = id;
        count++;
    }
    return count;
}

/* The entries of the table whose sectors are sectors[0..count): 0 with
 * *table (free it) and *n, SK_ECORRUPT (c->why) or SK_ENOMEM. */
static int read_table(struct cfb *c, const uint32_t *sectors, uint32_t count, uint32_t **table,
                      uint32_t *n)
{
    uint32_t per = c->ss / 4;
    uint64_t entries = (uint64_t)count * per;
    if (entries >= UINT32_MAX) {
        c->why = "a table is larger than MS-CFB can number";
        return SK_ECORRUPT;
    }
    uint32_t *t = calloc((size_t)entries + 1, sizeof *t);
    if (!t)
        return SK_ENOMEM;
    for (uint32_t i = 0; i < count; i++) {
        struct sk_reader s = sector(c, sectors[i]);
        for (uint32_t k = 0; k < per; k++)
            t[(size_t)i * per + k] = sk_reader_u32le(&s);
        if (s.err) {
            free(t);
            c->why = "a table sector is outside the file";
            return SK_ECORRUPT;
        }
    }
    *table = t;
    *n = (uint32_t)entries;
    return 0;
}

/* The FAT's sector ids, from the header's 109 and the DIFAT chain: 0 with
 * *out (free it), SK_ECORRUPT (c->why) or SK_ENOMEM. */
static int fat_sectors(struct cfb *c, uint32_t count, uint32_t **out)
{
    struct sk_reader head = sk_reader_make(c->p, 512);
    uint32_t difat = 0, n_difat = 0;
    if (!field(c, head, 68, &difat) || !field(c, head, 72, &n_difat))
        return SK_ECORRUPT;
    /* libgsf follows the DIFAT chain for as many sectors as the header
     * declares, fetching each before any range check of its own: walk the
     * same count and refuse a chain that leaves the file first. */
    if (n_difat > c->n_sectors) {
        c->why = "the DIFAT's sector count is impossible";
        return SK_ECORRUPT;
    }
    uint32_t *ids = calloc((size_t)count + 1, sizeof *ids);
    if (!ids)
        return SK_ENOMEM;
    uint32_t have = 0, per = c->ss / 4 - 1;
    sk_reader_seek(&head, 76);
    for (uint32_t i = 0; i < 109 && have < count; i++)
        ids[have++] = sk_reader_u32le(&head);
    for (uint32_t k = 0; k < n_difat && !head.err; k++) {
        if (difat >= c->n_sectors) {
            free(ids);
            c->why = "a DIFAT sector is outside the file";
            return SK_ECORRUPT;
        }
        struct sk_reader s = sector(c, difat);
        for (uint32_t i = 0; i < per && have < count; i++)
            ids[have++] = sk_reader_u32le(&s);
        if (!field(c, s, 4 * (size_t)per, &difat)) {
            free(ids);
            return SK_ECORRUPT;
        }
    }
    for (uint32_t i = 0; i < have; i++)
        if (ids[i] >= c->n_sectors)
            have = 0;
    if (head.err || have < count) {
        free(ids);
        c->why = "the FAT's sectors are missing or outside the file";
        return SK_ECORRUPT;
    }
    *out = ids;
    return 0;
}

/* Directory entry i; false when it is not in the directory's chain. */
static bool read_dirent(const struct cfb *c, uint32_t i, struct dirent *e)
{
    uint32_t per = c->ss / CFB_DIRENT;
    if (i / per >= c->n_dir)
        return false;
    struct sk_reader s = sector(c, c->dir[i / per]);
    sk_reader_seek(&s, (size_t)(i % per) * CFB_DIRENT);
    struct sk_reader r = sk_reader_sub(&s, CFB_DIRENT);
    const uint8_t *name = sk_reader_bytes(&r, 64);
    e->named = name && memchr(name, 0, 64);
    sk_reader_skip(&r, 2);
    e->type = sk_reader_u8(&r);
    sk_reader_skip(&r, 1);
    e->left = sk_reader_u32le(&r);
    e->right = sk_reader_u32le(&r);
    e->child = sk_reader_u32le(&r);
    sk_reader_seek(&r, 116);
    e->start = sk_reader_u32le(&r);
    e->size = sk_reader_u32le(&r);
    return r.err == 0;
}

static bool check_stream(struct cfb *c, const struct dirent *e)
{
    if (e->size > c->len) {
        c->why = "a stream is larger than the file";
        return false;
    }
    if (e->size == 0)
        return true;
    if (e->size < CFB_CUTOFF) {
        long n = walk_chain(c, c->minifat,
                            c->n_minifat < c->mini_sectors ? c->n_minifat : c->mini_sectors,
                            c->mini_used, e->start, CFB_CUTOFF / CFB_MINI, NULL, 0);
        if (n >= 0 && (uint64_t)n * CFB_MINI < e->size)
            c->why = "a small stream's chain is shorter than the stream";
        return n >= 0 && (uint64_t)n * CFB_MINI >= e->size;
    }
    long n = walk_chain(c, c->fat, c->n_table, c->used, e->start, c->n_sectors, NULL, 0);
    if (n >= 0 && ((uint64_t)n << c->shift) < e->size)
        c->why = "a stream's chain is shorter than the stream";
    return n >= 0 && ((uint64_t)n << c->shift) >= e->size;
}

/* Visits the directory tree from the root, as libgsf will (left, right,
 * child), with a stack instead of recursion. */
static int check_tree(struct cfb *c)
{
    uint32_t cap = 3 * (SK_CFB_MAX_ENTRIES + 1), n = 0, reached = 0;
    uint64_t entries = (uint64_t)c->n_dir * (c->ss / CFB_DIRENT);
    uint32_t *stack = malloc((size_t)cap * sizeof *stack);
    uint8_t *seen = calloc((size_t)(entries / 8 + 1), 1);
    int rc = stack && seen ? 0 : SK_ENOMEM;
    if (rc == 0)
        stack[n++] = 0;
    while (rc == 0 && n > 0) {
        uint32_t i = stack[--n];
        struct dirent e;
        bool ok = read_dirent(c, i, &e);
        if (!ok || (e.type != 1 && e.type != 2 && e.type != 5) || !e.named) {
            c->why = "the directory points to a missing or malformed entry";
            rc = SK_ECORRUPT;
        } else if (seen[i / 8] & (1u << (i % 8))) {
            c->why = "the directory tree has a cycle";
            rc = SK_ECORRUPT;
        } else if (++reached > SK_CFB_MAX_ENTRIES) {
            rc = SK_ELIMIT;
        } else if (e.type == 2 && i != 0 && !check_stream(c, &e)) {
            rc = SK_ECORRUPT;
        } else {
            seen[i / 8] |= (uint8_t)(1u << (i % 8));
            uint32_t links[3] = {e.left, e.right, e.type != 2 ? e.child : CFB_NOSTREAM};
            for (int k = 0; k < 3; k++)
                if (links[k] != CFB_NOSTREAM && n < cap)
                    stack[n++] = links[k];
        }
    }
    free(stack);
    free(seen);
    return rc;
}

static int check_header(struct cfb *c)
{
    static const uint8_t magic[8] = {0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1};
    struct sk_reader r = sk_reader_make(c->p, c->len);
    const uint8_t *sig = sk_reader_bytes(&r, 8);
    if (c->len < 512 || !sig || memcmp(sig, magic, 8) != 0) {
        c->why = "no OLE2 header";
        return SK_ECORRUPT;
    }
    sk_reader_seek(&r, 30);
    c->shift = sk_reader_u16le(&r);
    uint16_t mini_shift = sk_reader_u16le(&r);
    sk_reader_seek(&r, 56);
    uint32_t cutoff = sk_reader_u32le(&r);
    if ((c->shift != 9 && c->shift != 12) || mini_shift != 6 || cutoff != CFB_CUTOFF) {
        c->why = "sector sizes or the mini stream cutoff are not MS-CFB's";
        return SK_ECORRUPT;
    }
    c->ss = 1u << c->shift;
    size_t header = header_size(c);
    size_t body = c->len > header ? c->len - header : 0;
    /* A file may end inside its last sector (Apache POI writes such files;
     * olefile counts that sector, and msoffcrypto-tool and Excel open
     * them). That sector counts; its bytes are read from a zero-padded
     * copy. A sector wholly past the end does not count, so a chain that
     * reaches it is still refused. */
    size_t n = body / c->ss + (body % c->ss != 0);
    if (n > 0xFFFFFFF0u) {
        c->why = "more sectors than MS-CFB can number";
        return SK_ECORRUPT;
    }
    c->n_sectors = (uint32_t)n;
    size_t partial = body & (c->ss - 1);
    if (partial) {
        c->tail = calloc(c->ss, 1);
        if (!c->tail)
            return SK_ENOMEM;
        sk_reader_seek(&r, header + (body - partial));
        memcpy(c->tail, sk_reader_bytes(&r, partial), partial);
    }
    return 0;
}

/* Every FAT entry names a sector of the file or is one of the markers
 * (0xFFFFFFFC..F). libgsf refuses any other value ("Invalid metabat item");
 * its bound counts a partial last sector (as n_sectors does) and, for 4096-
 * byte sectors, measures from byte 512: this bound is libgsf's. */
static bool fat_entries_in_range(struct cfb *c)
{
    uint64_t blocks = ((uint64_t)c->len - 512 + c->ss - 1) >> c->shift;
    for (uint32_t i = 0; i < c->n_fat; i++) {
        if (c->fat[i] >= blocks && c->fat[i] < 0xFFFFFFFCu) {
            c->why = "a FAT entry points outside the file";
            return false;
        }
    }
    return true;
}

/* The mini stream is the root entry's own chain; the mini FAT's sectors
 * were walked into mids[0..m). */
static int check_mini(struct cfb *c, const uint32_t *mids, long m)
{
    if (m > 0) {
        int rc = read_table(c, mids, (uint32_t)m, &c->minifat, &c->n_minifat);
        if (rc)
            return rc;
    }
    struct dirent root;
    bool has_root = read_dirent(c, 0, &root);
    uint32_t root_size = has_root ? root.size : 0;
    c->mini_sectors = root_size / CFB_MINI;
    long k = has_root && root_size
                 ? walk_chain(c, c->fat, c->n_table, c->used, root.start, c->n_sectors, NULL, 0)
                 : 0;
    if (k < 0)
        return SK_ECORRUPT;
    if (((uint64_t)k << c->shift) < root_size) {
        c->why = "the mini stream's chain is shorter than the mini stream";
        return SK_ECORRUPT;
    }
    c->mini_used = calloc(c->mini_sectors / 8 + 1, 1);
    if (!c->mini_used)
        return SK_ENOMEM;
    if (!c->minifat) {
        c->minifat = calloc(1, sizeof *c->minifat);
        c->n_minifat = 0;
        if (!c->minifat)
            return SK_ENOMEM;
    }
    return 0;
}

static int check_tables(struct cfb *c)
{
    struct sk_reader head = sk_reader_make(c->p, 512);
    uint32_t n_fat_sectors = 0, dir_start = 0, mini_start = 0, n_minifat = 0;
    if (!field(c, head, 44, &n_fat_sectors) || !field(c, head, 48, &dir_start) ||
        !field(c, head, 60, &mini_start) || !field(c, head, 64, &n_minifat))
        return SK_ECORRUPT;
    if (n_fat_sectors == 0 || n_fat_sectors > c->n_sectors) {
        c->why = "the FAT's sector count is impossible";
        return SK_ECORRUPT;
    }
    uint32_t *ids = NULL;
    int rc = fat_sectors(c, n_fat_sectors, &ids);
    if (rc == 0)
        rc = read_table(c, ids, n_fat_sectors, &c->fat, &c->n_fat);
    free(ids);
    if (rc)
        return rc;
    if (!fat_entries_in_range(c))
        return SK_ECORRUPT;
    c->used = calloc(c->n_sectors / 8 + 1, 1);
    c->dir = calloc((size_t)c->n_sectors + 1, sizeof *c->dir);
    if (!c->used || !c->dir)
        return SK_ENOMEM;
    c->n_table = c->n_fat < c->n_sectors ? c->n_fat : c->n_sectors;
    long n = walk_chain(c, c->fat, c->n_table, c->used, dir_start, c->n_sectors, c->dir,
                        c->n_sectors);
    if (n <= 0)
        return SK_ECORRUPT;
    c->n_dir = (uint32_t)n;
    uint32_t *mids = calloc((size_t)c->n_sectors + 1, sizeof *mids);
    if (!mids)
        return SK_ENOMEM;
    long m = n_minifat ? walk_chain(c, c->fat, c->n_table, c->used, mini_start, c->n_sectors,
                                    mids, c->n_sectors)
                       : 0;
    rc = m < 0 ? SK_ECORRUPT : check_mini(c, mids, m);
    free(mids);
    return rc;
}

int sk_cfb_check(const uint8_t *p, size_t len, const char **why, size_t *pad)
{
    struct cfb c = {.p = p, .len = len};
    int rc = check_header(&c);
    *pad = rc == 0 && c.tail ? ((size_t)c.n_sectors << c.shift) - (len - header_size(&c)) : 0;
    if (rc == 0)
        rc = check_tables(&c);
    if (rc == 0)
        rc = check_tree(&c);
    *why = c.why ? c.why : "malformed compound file";
    free(c.fat);
    free(c.minifat);
    free(c.dir);
    free(c.used);
    free(c.mini_used);
    free(c.tail);
    return rc;
}
