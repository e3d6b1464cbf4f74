/* NTFS volumes (raw images, and the NTFS partitions of GPT/MBR disks, VHD
 * and VHDX), read in memory and read-only.
 *
 * Spec: the Linux-NTFS project's "NTFS Documentation" and ntfs-3g's
 * layout.h for the on-disk structures, [MS-XCA] 2.5 for LZNT1:
 * - the boot sector: BytesPerSector at 11, SectorsPerCluster at 13 (a value
 *   over 0x80 is 2^(256 - v)), TotalSectors at 40, the $MFT's LCN at 48,
 *   ClustersPerMftRecord at 64 (negative: the record is 2^-n bytes);
 * - FILE records: "FILE", the update sequence (offset at 4, count at 6)
 *   whose number replaces the last two bytes of every 512-byte stride
 *   (a stride whose bytes do not match is a torn write: the record is
 *   corrupt), the first attribute at 20, flags at 22 (0x01 in use, 0x02
 *   directory), bytes in use at 24, the base record reference at 32;
 * - attributes: type, length, non-resident flag, name length and offset,
 *   flags (0x0001 compressed, 0x4000 encrypted), then a resident value
 *   (length at 16, offset at 20) or a runlist (lowest VCN at 16, runlist
 *   offset at 32, compression unit at 34, data size at 48, initialized
 *   size at 56); runlist entries are a header byte (length and offset
 *   widths), an unsigned length and a signed LCN delta, no delta meaning a
 *   sparse run;
 * - $FILE_NAME (0x30): the parent reference (low 48 bits the record),
 *   name length at 64, namespace at 65 (POSIX 0, Win32 1, DOS 2, Win32 and
 *   DOS 3), the UTF-16LE name at 66; $DATA (0x80), unnamed (the file's
 *   contents) or named (an alternate data stream); $ATTRIBUTE_LIST (0x20):
 *   entries of type, length, name, lowest VCN and the record holding the
 *   attribute, for a file whose attributes spill into extension records.
 *
 * Children: every stream of every file in use, named by its path from the
 * parent references ("dir/sub/a.exe"), an alternate data stream as
 * "dir/a.txt:stream" (where malware hides). The system metafiles (records
 * below 24, and everything under $Extend) are not listed; a user file whose
 * name starts with '$' is. Directories are not nodes. A stream held in one
 * run of the image is a view of its bytes; others (fragmented, sparse,
 * resident, compressed) are assembled through sk_unpack_append.
 * Compressed streams (LZNT1, compression unit 16 clusters of at most 4 KiB)
 * are decompressed; EFS-encrypted streams are children marked encrypted and
 * not opened (encrypted.unopened: the file key is sealed to a user's
 * certificate, which a mail filter never has). Deleted files are not
 * recovered, and names are not read from the directory indexes: the MFT
 * holds every file's name and parent.
 * Refuses, as error.corrupt (everything else is still listed): a record
 * whose update sequence does not match, a runlist that does not decode or
 * whose runs leave the volume, a parent chain that leaves the directories.
 * Limits: at most NTFS_MAX_RECORDS records (limit.nodes past it) and
 * max_nodes files; NTFS_MAX_RUNS runs per stream; paths at most
 * NTFS_MAX_DEPTH directories deep (limit.depth, which also ends a parent
 * loop); NTFS_MAX_STREAMS streams and NTFS_MAX_EXTENTS extension records
 * per file; the deadline is checked per record and per child. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/dynbuf.h"
#include "../engine/error.h"
#include "../engine/reader.h"
#include "../engine/text.h"
#include "lznt1.h"
#include "unpacker.h"

#define NTFS_MAX_RECORDS (1u << 22) /* 4 GiB of MFT at 1 KiB a record */
#define NTFS_MAX_RUNS 65536u        /* runs of one stream */
#define NTFS_MAX_DEPTH 64u          /* directories above a file */
#define NTFS_MAX_STREAMS 32u        /* $DATA attributes of one file */
#define NTFS_MAX_EXTENTS 64u        /* extension records of one file */
#define NTFS_MAX_ATTR_LIST (256u * 1024u)
#define NTFS_PATH_MAX 1024u
#define NTFS_NAME_MAX 255u /* UTF-16 units of a name */
#define NTFS_ROOT 5u
#define NTFS_FIRST_USER 24u
#define NTFS_SPARSE UINT64_MAX
/* The end of any stream in clusters: 2^40 clusters of at most 2 MiB keep
 * every byte offset below 2^61, so offset arithmetic cannot wrap */
#define NTFS_MAX_VCN (1ull << 40)
#define NTFS_STRIDE 512u /* the update sequence's stride, whatever the sector */

#define AT_ATTRIBUTE_LIST 0x20u
#define AT_FILE_NAME 0x30u
#define AT_DATA 0x80u
#define AT_END 0xffffffffu
#define ATTR_COMPRESSED 0x0001u
#define ATTR_ENCRYPTED 0x4000u

#define REC_USED 0x01u
#define REC_DIR 0x02u
#define REC_NAMED 0x04u

struct ntfs_run {
    uint64_t vcn, lcn, len; /* lcn NTFS_SPARSE: a hole that reads as zeros */
};

/* One $DATA stream of the file being handed back. */
struct ntfs_stream {
    char name[NTFS_NAME_MAX * 3 + 1]; /* "" for the file's contents */
    bool resident, have_sizes, bad_runs;
    uint16_t flags;
    uint8_t unit_shift; /* compression unit: 2^unit_shift clusters */
    uint64_t size, initialized;
    struct sk_dynbuf value; /* resident: the bytes */
    struct sk_dynbuf runs;  /* non-resident: struct ntfs_run each */
    size_t n_runs;
    uint64_t next_vcn;
};

struct ntfs_entry {
    uint32_t parent;
    uint32_t name_off; /* into names */
    uint16_t name_len;
    uint8_t flags;
};

struct ntfs_state {
    struct sk_reader img;
    size_t len;
    uint32_t cluster, record;
    uint64_t clusters; /* readable: the volume's, cut to the image */
    bool cut;          /* the image ends before the volume does */
    struct sk_dynbuf mft_runs;
    size_t n_mft_runs;
    uint8_t *rec; /* one record's scratch */
    struct ntfs_entry *entries;
    uint32_t n_entries;
    struct sk_dynbuf names; /* UTF-8 names, not terminated */
    struct sk_dynbuf files; /* uint32_t record numbers */
    size_t n_files, next_file;
    /* the file being handed back */
    char *path, *stream_path; /* its path; the current stream's "path:name" */
    struct ntfs_stream streams[NTFS_MAX_STREAMS];
    unsigned n_streams, next_stream;
    uint32_t file_record;
    uint8_t *unit_in, *unit_out; /* compression unit scratch */
    const char *why; /* the first corruption met in the walk */
    uint64_t why_record;
};

/* The bid: the 64-bit OEM ID, a sector size, and the end marker: 60. */
static int bid(const struct sk_node *node, enum sk_type *type)
{
    struct sk_reader r = sk_reader_make(node->data.p, node->data.len);
    uint16_t sector = sk_reader_u16le_at(&r, 11);
    if (!sk_reader_match(&r, 3, "NTFS    ", 8) || !sk_reader_match(&r, 510, "\x55\xaa", 2) ||
        r.err || sector < 512 || sector > 4096 || (sector & (sector - 1)) != 0)
        return 0;
    *type = SK_TYPE_NTFS;
    return 60;
}

static void corrupt(struct ntfs_state *st, uint64_t record, const char *why)
{
    if (!st->why) {
        st->why = why;
        st->why_record = record;
    }
}

/* ---- runlists ------------------------------------------------------------ */

static struct ntfs_run *run_list(const struct sk_dynbuf *b)
{
    return (struct ntfs_run *)(void *)b->p;
}

/* Decodes the runlist in r (mapping pairs) starting at vcn, appending to
 * runs. Returns 0, SK_ENOMEM, or SK_ECORRUPT (a bad header, a zero-length
 * run, an LCN out of range, too many runs); the runs before the fault stay. */
static int decode_runs(struct sk_reader *r, uint64_t vcn, struct sk_dynbuf *runs, size_t *n,
                       uint64_t *end_vcn)
{
    int64_t lcn = 0;
    for (;;) {
        uint8_t head = sk_reader_u8(r);
        if (r->err)
            return SK_ECORRUPT; /* no terminating zero */
        if (head == 0)
            break;
        unsigned len_bytes = head & 0x0fu, off_bytes = head >> 4;
        if (len_bytes == 0 || len_bytes > 8 || off_bytes > 8 || *n >= NTFS_MAX_RUNS)
            return SK_ECORRUPT;
        const uint8_t *p = sk_reader_bytes(r, len_bytes + off_bytes);
        if (!p)
            return SK_ECORRUPT;
        uint64_t len = 0, delta = 0;
        for (unsigned i = 0; i < len_bytes; i++)
            len |= (uint64_t)p[i] << (8 * i);
        for (unsigned i = 0; i < off_bytes; i++)
            delta |= (uint64_t)p[len_bytes + i] << (8 * i);
        if (off_bytes > 0 && off_bytes < 8 && (delta >> (8 * off_bytes - 1)) & 1)
            delta |= ~(uint64_t)0 << (8 * off_bytes); /* sign-extend */
        if (len == 0 || len > NTFS_MAX_VCN || vcn > NTFS_MAX_VCN - len)
            return SK_ECORRUPT;
        struct ntfs_run run = {vcn, NTFS_SPARSE, len};
        if (off_bytes > 0) {
            /* the sum in unsigned arithmetic: wrapping is defined, and an
             * LCN outside 0..2^48 is refused below */
            lcn = (int64_t)((uint64_t)lcn + delta);
            if (lcn < 0 || (uint64_t)lcn > (UINT64_MAX >> 16))
                return SK_ECORRUPT;
            run.lcn = (uint64_t)lcn;
        }
        int rc = sk_dynbuf_add(runs, &run, sizeof run);
        if (rc != 0)
            return rc == SK_ELIMIT ? SK_ECORRUPT : rc;
        (*n)++;
        vcn += len;
    }
    *end_vcn = vcn;
    return 0;
}

/* The run holding vcn (runs sorted, contiguous or not), or NULL. */
static const struct ntfs_run *find_run(const struct ntfs_run *runs, size_t n, uint64_t vcn)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (vcn < runs[mid].vcn)
            hi = mid;
        else if (vcn - runs[mid].vcn >= runs[mid].len)
            lo = mid + 1;
        else
            return &runs[mid];
    }
    return NULL;
}

/* The image bytes of clusters [lcn, lcn + count), or NULL when they leave
 * the volume or the image. */
static const uint8_t *clusters_at(struct ntfs_state *st, uint64_t lcn, uint64_t count)
{
    if (lcn >= st->clusters || count > st->clusters - lcn)
        return NULL;
    struct sk_reader img = st->img;
    return sk_reader_at(&img, lcn * st->cluster, (size_t)(count * st->cluster));
}

/* Copies n bytes at byte offset off of a stream's runs into out; holes
 * read as zeros. Returns 0 or SK_ECORRUPT (no run, or outside the volume). */
static int read_runs(struct ntfs_state *st, const struct ntfs_run *runs, size_t n_runs,
                     uint64_t off, uint8_t *out, size_t n)
{
    while (n > 0) {
        uint64_t vcn = off / st->cluster, in = off % st->cluster;
        const struct ntfs_run *r = find_run(runs, n_runs, vcn);
        if (!r)
            return SK_ECORRUPT;
        uint64_t avail = (r->vcn + r->len - vcn) * st->cluster - in;
        size_t take = avail < n ? (size_t)avail : n;
        if (r->lcn == NTFS_SPARSE) {
            memset(out, 0, take);
        } else {
            uint64_t lcn = r->lcn + (vcn - r->vcn);
            uint64_t count = (take + in + st->cluster - 1) / st->cluster;
            struct sk_reader img = st->img;
            const uint8_t *p = clusters_at(st, lcn, count)
                                   ? sk_reader_at(&img, lcn * st->cluster + in, take)
                                   : NULL;
            if (!p)
                return SK_ECORRUPT;
            memcpy(out, p, take);
        }
        out += take;
        off += take;
        n -= take;
    }
    return 0;
}

/* ---- FILE records -------------------------------------------------------- */

/* Checks the record header and applies the update sequence fixups in
 * place. Returns NULL or why the record is corrupt. */
static const char *fix_record(uint8_t *rec, uint32_t size)
{
    struct sk_reader r = sk_reader_make(rec, size);
    uint16_t usa_off = sk_reader_u16le_at(&r, 4), usa_count = sk_reader_u16le_at(&r, 6);
    if (!sk_reader_match(&r, 0, "FILE", 4))
        return "a record without the FILE signature";
    if (usa_count != size / NTFS_STRIDE + 1 || usa_off < 8 ||
        (uint32_t)usa_off + 2u * usa_count > size)
        return "a record whose update sequence does not fit";
    uint16_t usn = sk_reader_u16le_at(&r, usa_off);
    for (uint32_t i = 1; i < usa_count; i++) {
        uint32_t end = i * NTFS_STRIDE - 2;
        if (sk_reader_u16le_at(&r, end) != usn)
            return "a record whose update sequence does not match (a torn write)";
        rec[end] = rec[usa_off + 2 * i];
        rec[end + 1] = rec[usa_off + 2 * i + 1];
    }
    uint16_t first = sk_reader_u16le_at(&r, 20);
    uint32_t used = sk_reader_u32le_at(&r, 24);
    if (r.err || first < 24 || used > size || first >= used)
        return "a record whose attributes lie outside it";
    return NULL;
}

/* Reads record n of the MFT into st->rec. Returns NULL or why not. */
static const char *load_record(struct ntfs_state *st, uint64_t n)
{
    if (read_runs(st, run_list(&st->mft_runs), st->n_mft_runs, n * st->record, st->rec,
                  st->record) != 0)
        return "an MFT record outside the volume";
    return fix_record(st->rec, st->record);
}

/* The next attribute of the record (r at its start); false at the end or
 * on an attribute that does not fit (*bad set). */
static bool next_attr(struct sk_reader *walk, struct sk_reader *attr, uint32_t *type, bool *bad)
{
    if (sk_reader_left(walk) < 4)
        return false;
    *type = sk_reader_u32le_at(walk, walk->pos);
    if (*type == AT_END)
        return false;
    uint32_t len = sk_reader_u32le_at(walk, walk->pos + 4);
    if (len < 24 || len > sk_reader_left(walk) || (len & 7) != 0) {
        *bad = true;
        return false;
    }
    *attr = sk_reader_sub(walk, len);
    return true;
}

/* A walker over the attributes of the record in st->rec. */
static struct sk_reader attr_walk(const struct ntfs_state *st)
{
    struct sk_reader r = sk_reader_make(st->rec, st->record);
    uint16_t first = sk_reader_u16le_at(&r, 20);
    uint32_t used = sk_reader_u32le_at(&r, 24);
    struct sk_reader walk = sk_reader_sub_at(&r, 0, used);
    sk_reader_seek(&walk, first);
    return walk;
}

/* A resident attribute's value, or an empty reader with err set. */
static struct sk_reader resident_value(struct sk_reader *attr)
{
    uint32_t len = sk_reader_u32le_at(attr, 16);
    uint16_t off = sk_reader_u16le_at(attr, 20);
    return sk_reader_sub_at(attr, off, len);
}

/* The attribute's name as UTF-8 into out (max bytes); false if it does
 * not fit in the attribute. */
static bool attr_name(struct sk_reader *attr, char *out, size_t max)
{
    uint8_t units = sk_reader_u8_at(attr, 9);
    uint16_t off = sk_reader_u16le_at(attr, 10);
    const uint8_t *p = sk_reader_at(attr, off, (size_t)units * 2);
    out[0] = '\0';
    if (units == 0)
        return true;
    if (!p)
        return false;
    sk_utf16le_to_utf8(p, units, out, max);
    return true;
}

/* ---- the walk: names and parents ----------------------------------------- */

/* Ranks a $FILE_NAME namespace: Win32 and Win32+DOS first, then POSIX,
 * the 8.3 DOS name last. */
static int namespace_rank(uint8_t ns)
{
    return ns == 1 || ns == 3 ? 3 : ns == 0 ? 2 : 1;
}

/* The best $FILE_NAME of the record in st->rec into the entry. */
static int read_names(struct ntfs_state *st, struct ntfs_entry *e)
{
    struct sk_reader walk = attr_walk(st), attr, best = {0};
    uint32_t type;
    bool bad = false;
    int best_rank = 0;
    for (unsigned i = 0; i < st->record / 24 && next_attr(&walk, &attr, &type, &bad); i++) {
        if (type != AT_FILE_NAME || sk_reader_u8_at(&attr, 8) != 0)
            continue;
        struct sk_reader v = resident_value(&attr);
        uint8_t units = sk_reader_u8_at(&v, 64);
        int rank = namespace_rank(sk_reader_u8_at(&v, 65));
        if (!v.err && sk_reader_at(&v, 66, (size_t)units * 2) && units > 0 && rank > best_rank) {
            best = v;
            best_rank = rank;
        }
    }
    if (best_rank == 0)
        return 0;
    uint64_t parent = sk_reader_u64le_at(&best, 0) & 0xffffffffffffull;
    uint8_t units = sk_reader_u8_at(&best, 64);
    char name[NTFS_NAME_MAX * 3 + 1];
    size_t n = sk_utf16le_to_utf8(sk_reader_at(&best, 66, (size_t)units * 2), units, name,
                                  sizeof name - 1);
    if (n == 0)
        return 0;
    e->name_off = (uint32_t)st->names.len;
    int rc = sk_dynbuf_add(&st->names, name, n);
    if (rc != 0)
        return rc;
    e->name_len = (uint16_t)n;
    e->parent = parent < UINT32_MAX ? (uint32_t)parent : UINT32_MAX;
    e->flags |= REC_NAMED;
    return 0;
}

/* How many records the MFT's runs and its $DATA size hold, at most
 * NTFS_MAX_RECORDS. */
static uint32_t count_records(struct sk_unpack *u, struct ntfs_state *st, uint64_t mft_size)
{
    const struct ntfs_run *runs = run_list(&st->mft_runs);
    uint64_t held = 0;
    for (size_t i = 0; i < st->n_mft_runs; i++)
        held = runs[i].vcn + runs[i].len; /* sorted: the last end */
    uint64_t bytes = held * st->cluster < mft_size ? held * st->cluster : mft_size;
    if (bytes < mft_size)
        corrupt(st, 0, "the MFT claims more bytes than its runs hold: the runs are read");
    uint64_t n = bytes / st->record;
    if (n > NTFS_MAX_RECORDS) {
        sk_unpack_reason(u, "limit.nodes", "an MFT of %llu records: the first %u are read",
                         (unsigned long long)n, NTFS_MAX_RECORDS);
        n = NTFS_MAX_RECORDS;
    }
    return (uint32_t)n;
}

/* Reads every record's name, parent and flags; lists the files. */
static int walk_records(struct sk_unpack *u, struct ntfs_state *st)
{
    uint32_t max_nodes = sk_unpack_limits(u)->max_nodes;
    for (uint32_t i = 0; i < st->n_entries; i++) {
        if ((i & 1023u) == 0 && sk_unpack_expired(u))
            return 0;
        const char *why = load_record(st, i);
        if (why) {
            /* a record never written holds zeros: not a corruption */
            struct sk_reader r = sk_reader_make(st->rec, st->record);
            if (!sk_reader_match(&r, 0, "\0\0\0\0", 4) || i < NTFS_FIRST_USER)
                corrupt(st, i, why);
            continue;
        }
        struct sk_reader r = sk_reader_make(st->rec, st->record);
        uint16_t flags = sk_reader_u16le_at(&r, 22);
        uint64_t base = sk_reader_u64le_at(&r, 32) & 0xffffffffffffull;
        if (!(flags & 0x01u))
            continue; /* free */
        if (base != 0) {
            /* an extension record: its $FILE_NAME names its base record
             * when the base's own attributes spilled over */
            if (base >= st->n_entries) {
                corrupt(st, i, "an extension record's base record is past the MFT");
                continue;
            }
            int rc = !(st->entries[base].flags & REC_NAMED) ? read_names(st, &st->entries[base])
                                                              : 0;
            if (rc != 0)
                return rc;
            continue;
        }
        struct ntfs_entry *e = &st->entries[i];
        e->flags |= (uint8_t)(REC_USED | ((flags & 0x02u) ? REC_DIR : 0));
        int rc = (e->flags & REC_NAMED) ? 0 : read_names(st, e);
        if (rc != 0)
            return rc;
        if (i < NTFS_FIRST_USER || (e->flags & REC_DIR))
            continue;
        if (st->n_files >= max_nodes) {
            sk_unpack_reason(u, "limit.nodes", "more than %u files", max_nodes);
            return 0;
        }
        rc = sk_dynbuf_add(&st->files, &i, sizeof i);
        if (rc != 0)
            return rc;
        st->n_files++;
    }
    return 0;
}

/* ---- the volume ---------------------------------------------------------- */

/* The boot sector: cluster and record sizes, the volume's clusters. */
static const char *parse_boot(struct ntfs_state *st, uint64_t *mft_lcn)
{
    struct sk_reader boot = sk_reader_sub_at(&st->img, 0, 512);
    uint32_t sector = sk_reader_u16le_at(&boot, 11);
    uint8_t per_cluster = sk_reader_u8_at(&boot, 13);
    uint64_t total = sk_reader_u64le_at(&boot, 40);
    int8_t per_record = (int8_t)sk_reader_u8_at(&boot, 64);
    *mft_lcn = sk_reader_u64le_at(&boot, 48);
    if (boot.err)
        return "shorter than a boot sector";
    /* sectors per cluster: 1..128, or 2^(256 - v) for larger clusters */
    uint64_t sectors = per_cluster <= 0x80 ? per_cluster
                       : 256 - per_cluster <= 12 ? 1ull << (256 - per_cluster)
                                                  : 0;
    if (sector < 512 || sector > 4096 || (sector & (sector - 1)) || sectors == 0 ||
        (sectors & (sectors - 1)) || sector * sectors > (2u << 20))
        return "a boot sector with impossible sector or cluster sizes";
    st->cluster = (uint32_t)(sector * sectors);
    uint64_t record = per_record > 0 ? (uint64_t)per_record * st->cluster
                      : per_record < 0 && per_record >= -16 ? 1ull << -per_record
                                                            : 0;
    if (record < 512 || record > 65536 || (record & (record - 1)))
        return "a boot sector with an impossible MFT record size";
    st->record = (uint32_t)record;
    uint64_t declared = total / sectors, held = st->len / st->cluster;
    st->clusters = declared < held ? declared : held;
    st->cut = declared > held;
    return NULL;
}

/* Reads record 0 ($MFT) from its place in the boot sector, and the MFT's
 * own runlist from its unnamed $DATA attribute. */
static const char *read_mft(struct sk_unpack *u, struct ntfs_state *st, uint64_t mft_lcn,
                            int *rc)
{
    uint64_t per = (st->record + st->cluster - 1) / st->cluster;
    const uint8_t *p = clusters_at(st, mft_lcn, per);
    if (!p)
        return "the MFT lies outside the volume";
    memcpy(st->rec, p, st->record);
    const char *why = fix_record(st->rec, st->record);
    if (why)
        return why;
    struct sk_reader walk = attr_walk(st), attr;
    uint32_t type;
    bool bad = false;
    for (unsigned i = 0; i < st->record / 24 && next_attr(&walk, &attr, &type, &bad); i++) {
        if (type != AT_DATA || sk_reader_u8_at(&attr, 8) != 1 || sk_reader_u8_at(&attr, 9))
            continue;
        uint64_t size = sk_reader_u64le_at(&attr, 48), end = 0;
        uint16_t map = sk_reader_u16le_at(&attr, 32);
        struct sk_reader runs = sk_reader_sub_at(&attr, map, map < attr.len ? attr.len - map : 0);
        int d = decode_runs(&runs, 0, &st->mft_runs, &st->n_mft_runs, &end);
        if (d == SK_ENOMEM) {
            *rc = d;
            return NULL;
        }
        if (d != 0)
            corrupt(st, 0, "the MFT's runlist does not decode: its first runs are read");
        st->n_entries = count_records(u, st, size);
        return NULL;
    }
    return "the MFT has no data attribute";
}

/* ---- paths --------------------------------------------------------------- */

/* The path of record n from its parents; NULL with *skip for a file under a
 * system directory ($Extend), or when out of memory. */
static char *build_path(struct sk_unpack *u, struct ntfs_state *st, uint32_t n, bool *skip)
{
    uint32_t chain[NTFS_MAX_DEPTH];
    unsigned depth = 0;
    uint32_t at = n;
    *skip = false;
    if (!(st->entries[n].flags & REC_NAMED)) {
        /* no $FILE_NAME anywhere: listed under its record number */
        corrupt(st, n, "a file without a name: listed as record-N");
        char name[32];
        snprintf(name, sizeof name, "record-%u", n);
        return sk_unpack_strndup(u, name, strlen(name));
    }
    while (depth < NTFS_MAX_DEPTH) {
        chain[depth++] = at;
        uint32_t parent = st->entries[at].parent;
        if (parent == NTFS_ROOT)
            break;
        if (parent < NTFS_FIRST_USER) {
            *skip = true; /* under $Extend or another metafile */
            return NULL;
        }
        if (parent >= st->n_entries || (st->entries[parent].flags & (REC_DIR | REC_NAMED)) !=
                                           (REC_DIR | REC_NAMED)) {
            corrupt(st, n, "a file's parent is not a directory in use: named from there");
            break;
        }
        at = parent;
    }
    if (depth == NTFS_MAX_DEPTH && st->entries[chain[depth - 1]].parent != NTFS_ROOT)
        sk_unpack_reason(u, "limit.depth",
                         "record %u: more than %u directories above it (or a loop): the "
                         "path is cut",
                         n, NTFS_MAX_DEPTH);
    char *path = sk_unpack_calloc(u, 1, 1);
    while (path && depth > 0) {
        const struct ntfs_entry *e = &st->entries[chain[--depth]];
        char name[NTFS_NAME_MAX * 3 + 1];
        memcpy(name, st->names.p + e->name_off, e->name_len);
        name[e->name_len] = '\0';
        char *longer = sk_path_join(path, name, NTFS_PATH_MAX, sk_unpack_allocator(u));
        free(path);
        path = longer;
    }
    return path;
}

/* ---- a file's streams ---------------------------------------------------- */

static void drop_streams(struct ntfs_state *st)
{
    for (unsigned i = 0; i < st->n_streams; i++) {
        sk_dynbuf_free(&st->streams[i].value);
        sk_dynbuf_free(&st->streams[i].runs);
    }
    st->n_streams = st->next_stream = 0;
    free(st->path);
    free(st->stream_path);
    st->path = st->stream_path = NULL;
}

/* The stream named name, a new one if none: NULL past NTFS_MAX_STREAMS. */
static struct ntfs_stream *stream_named(struct sk_unpack *u, struct ntfs_state *st,
                                        const char *name)
{
    for (unsigned i = 0; i < st->n_streams; i++)
        if (strcmp(st->streams[i].name, name) == 0)
            return &st->streams[i];
    if (st->n_streams >= NTFS_MAX_STREAMS)
        return NULL;
    struct ntfs_stream *s = &st->streams[st->n_streams++];
    memset(s, 0, sizeof *s);
    snprintf(s->name, sizeof s->name, "%s", name);
    sk_unpack_dynbuf_init(u, &s->value, st->record);
    sk_unpack_dynbuf_init(u, &s->runs, (size_t)NTFS_MAX_RUNS * sizeof(struct ntfs_run));
    return s;
}

/* Adds one $DATA attribute (or one extent of it) to the file's streams. */
static int add_data(struct sk_unpack *u, struct ntfs_state *st, struct sk_reader *attr)
{
    char name[NTFS_NAME_MAX * 3 + 1];
    if (!attr_name(attr, name, sizeof name - 1)) {
        corrupt(st, st->file_record, "a data attribute's name lies outside it");
        return 0;
    }
    struct ntfs_stream *s = stream_named(u, st, name);
    if (!s) {
        sk_unpack_reason(u, "limit.nodes", "'%s': more than %u data streams", st->path,
                         NTFS_MAX_STREAMS);
        return 0;
    }
    uint16_t flags = sk_reader_u16le_at(attr, 12);
    if (sk_reader_u8_at(attr, 8) == 0) {
        struct sk_reader v = resident_value(attr);
        s->resident = s->have_sizes = true;
        s->flags = flags;
        s->size = s->initialized = v.len;
        sk_dynbuf_truncate(&s->value, 0);
        return v.err ? (corrupt(st, st->file_record, "a resident value lies outside its attribute"), 0)
                     : sk_dynbuf_add(&s->value, v.p, v.len);
    }
    uint64_t low = sk_reader_u64le_at(attr, 16), end = 0;
    uint16_t map = sk_reader_u16le_at(attr, 32);
    if (low == 0) {
        s->have_sizes = true;
        s->flags = flags;
        s->unit_shift = sk_reader_u8_at(attr, 34);
        s->size = sk_reader_u64le_at(attr, 48);
        s->initialized = sk_reader_u64le_at(attr, 56);
    }
    if (low < s->next_vcn || map >= attr->len) {
        s->bad_runs = true;
        return 0;
    }
    struct sk_reader runs = sk_reader_sub_at(attr, map, attr->len - map);
    int rc = decode_runs(&runs, low, &s->runs, &s->n_runs, &end);
    s->next_vcn = end;
    if (rc == SK_ECORRUPT)
        s->bad_runs = true;
    return rc == SK_ECORRUPT ? 0 : rc;
}

/* Adds the $DATA attributes of the record in st->rec. */
static int add_record_data(struct sk_unpack *u, struct ntfs_state *st)
{
    struct sk_reader walk = attr_walk(st), attr;
    uint32_t type;
    bool bad = false;
    for (unsigned i = 0; i < st->record / 24 && next_attr(&walk, &attr, &type, &bad); i++) {
        if (type != AT_DATA)
            continue;
        int rc = add_data(u, st, &attr);
        if (rc != 0)
            return rc;
    }
    if (bad)
        corrupt(st, st->file_record, "an attribute runs past its record");
    return 0;
}

/* The records an $ATTRIBUTE_LIST names for $DATA, in list order, the base
 * record included where it appears. */
static unsigned list_data_records(struct sk_unpack *u, struct ntfs_state *st,
                                  struct sk_reader *attr, uint32_t *out)
{
    uint8_t *copy = NULL;
    struct sk_reader list;
    if (sk_reader_u8_at(attr, 8) == 0) {
        list = resident_value(attr);
    } else {
        uint64_t size = sk_reader_u64le_at(attr, 48), end = 0;
        uint16_t map = sk_reader_u16le_at(attr, 32);
        struct sk_dynbuf runs;
        size_t n_runs = 0;
        sk_unpack_dynbuf_init(u, &runs, 64 * sizeof(struct ntfs_run));
        struct sk_reader r = sk_reader_sub_at(attr, map, map < attr->len ? attr->len - map : 0);
        if (size > NTFS_MAX_ATTR_LIST || decode_runs(&r, 0, &runs, &n_runs, &end) != 0 ||
            !(copy = sk_unpack_alloc(u, (size_t)size + 1)) ||
            read_runs(st, run_list(&runs), n_runs, 0, copy, (size_t)size) != 0) {
            sk_dynbuf_free(&runs);
            free(copy);
            corrupt(st, st->file_record, "an attribute list that cannot be read");
            return 0;
        }
        sk_dynbuf_free(&runs);
        list = sk_reader_make(copy, (size_t)size);
    }
    unsigned n = 0;
    while (sk_reader_left(&list) >= 26 && n < NTFS_MAX_EXTENTS) {
        uint32_t type = sk_reader_u32le_at(&list, list.pos);
        uint16_t len = sk_reader_u16le_at(&list, list.pos + 4);
        uint64_t ref = sk_reader_u64le_at(&list, list.pos + 16) & 0xffffffffffffull;
        if (len < 26 || sk_reader_skip(&list, len) != 0)
            break;
        bool seen = false;
        for (unsigned i = 0; i < n; i++)
            seen |= out[i] == ref;
        if (type == AT_DATA && !seen && ref >= st->n_entries)
            corrupt(st, st->file_record, "an attribute list names a record past the MFT");
        else if (type == AT_DATA && !seen)
            out[n++] = (uint32_t)ref;
    }
    free(copy);
    return n;
}

/* Gathers the streams of file record n, through its attribute list when it
 * has one. */
static int load_streams(struct sk_unpack *u, struct ntfs_state *st, uint32_t n)
{
    st->file_record = n;
    const char *why = load_record(st, n);
    if (why) {
        corrupt(st, n, why);
        return 0;
    }
    struct sk_reader walk = attr_walk(st), attr;
    uint32_t type, extents[NTFS_MAX_EXTENTS];
    bool bad = false, listed = false;
    unsigned n_ext = 0;
    for (unsigned i = 0; i < st->record / 24 && next_attr(&walk, &attr, &type, &bad); i++)
        if (type == AT_ATTRIBUTE_LIST && !listed) {
            listed = true;
            n_ext = list_data_records(u, st, &attr, extents);
        }
    if (!listed || n_ext == 0)
        return add_record_data(u, st); /* a list that cannot be read: the base's own */
    for (unsigned i = 0; i < n_ext; i++) {
        why = load_record(st, extents[i]);
        struct sk_reader r = sk_reader_make(st->rec, st->record);
        uint64_t base = sk_reader_u64le_at(&r, 32) & 0xffffffffffffull;
        if (why || (extents[i] != n && base != n)) {
            corrupt(st, extents[i], why ? why : "an extension record of another file");
            continue;
        }
        int rc = add_record_data(u, st);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* ---- a stream's bytes ---------------------------------------------------- */

static const uint8_t zeros[4096];

static int put_zeros(struct sk_unpack *u, struct sk_child *child, uint64_t n)
{
    int rc = 0;
    while (rc == 0 && n > 0) {
        size_t k = n < sizeof zeros ? (size_t)n : sizeof zeros;
        rc = sk_unpack_append(u, &child->data, zeros, k);
        n -= k;
    }
    return rc;
}

/* A plain non-resident stream: its runs in order, holes and the bytes past
 * the initialized size as zeros. */
static int read_plain(struct sk_unpack *u, struct ntfs_state *st, const struct ntfs_stream *s,
                      struct sk_child *child)
{
    const struct ntfs_run *runs = run_list(&s->runs);
    uint64_t pos = 0, init = s->initialized < s->size ? s->initialized : s->size;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < s->n_runs && pos < s->size; i++) {
        uint64_t start = runs[i].vcn * st->cluster;
        if (start > pos)
            break; /* a gap in the runs: corrupt below */
        uint64_t end = (runs[i].vcn + runs[i].len) * st->cluster;
        end = end < s->size ? end : s->size;
        if (end <= pos)
            continue;
        uint64_t real = runs[i].lcn == NTFS_SPARSE ? 0 : (init > pos ? init - pos : 0);
        real = real < end - pos ? real : end - pos;
        if (real > 0) {
            uint64_t lcn = runs[i].lcn + (pos - start) / st->cluster;
            const uint8_t *p = clusters_at(st, lcn, (real + st->cluster - 1) / st->cluster);
            if (!p)
                break;
            rc = sk_unpack_append(u, &child->data, p, (size_t)real);
            pos += real;
        }
        if (rc == 0 && end > pos) {
            rc = put_zeros(u, child, end - pos);
            pos = end;
        }
    }
    if (rc == 0 && pos < s->size) {
        child->truncated = true;
        sk_unpack_fail(u, "ntfs", SK_ECORRUPT,
                       "'%s': the runs leave the volume or end before the data does",
                       child->name);
    }
    return rc;
}

/* One compression unit at vcn: stored whole, all holes (zeros), or LZNT1
 * in its first clusters. */
static int read_unit(struct sk_unpack *u, struct ntfs_state *st, const struct ntfs_stream *s,
                     uint64_t vcn, uint64_t want, struct sk_child *child)
{
    uint32_t per = 1u << s->unit_shift;
    size_t unit = (size_t)per * st->cluster, held = 0;
    for (uint32_t c = 0; c < per; c++) {
        const struct ntfs_run *r = find_run(run_list(&s->runs), s->n_runs, vcn + c);
        if (!r)
            return SK_ECORRUPT;
        if (r->lcn == NTFS_SPARSE)
            continue;
        const uint8_t *p = clusters_at(st, r->lcn + (vcn + c - r->vcn), 1);
        if (!p)
            return SK_ECORRUPT;
        memcpy(st->unit_in + held, p, st->cluster);
        held += st->cluster;
    }
    if (held == 0)
        return put_zeros(u, child, want);
    if (held == unit)
        return sk_unpack_append(u, &child->data, st->unit_in, (size_t)want);
    size_t got = 0;
    int rc = sk_lznt1_decompress(st->unit_in, held, st->unit_out, unit, &got);
    if (got < unit)
        memset(st->unit_out + got, 0, unit - got);
    int add = sk_unpack_append(u, &child->data, st->unit_out, (size_t)want);
    return add != 0 ? add : rc;
}

static int read_compressed(struct sk_unpack *u, struct ntfs_state *st,
                           const struct ntfs_stream *s, struct sk_child *child)
{
    if (s->unit_shift != 4 || st->cluster > 4096) {
        sk_unpack_fail(u, "ntfs", SK_EUNSUPPORTED,
                       "'%s': a compression unit of 2^%u clusters of %u bytes", child->name,
                       s->unit_shift, st->cluster);
        return 0;
    }
    size_t unit = (size_t)16 * st->cluster;
    if (!st->unit_in)
        st->unit_in = sk_unpack_alloc(u, unit);
    if (!st->unit_out)
        st->unit_out = sk_unpack_alloc(u, unit);
    if (!st->unit_in || !st->unit_out)
        return SK_ENOMEM;
    int rc = 0;
    for (uint64_t pos = 0; rc == 0 && pos < s->size; pos += unit) {
        if (sk_unpack_expired(u))
            return 0;
        uint64_t want = s->size - pos < unit ? s->size - pos : unit;
        rc = read_unit(u, st, s, pos / st->cluster, want, child);
    }
    if (rc == SK_ECORRUPT) {
        child->truncated = true;
        sk_unpack_fail(u, "ntfs", SK_ECORRUPT, "'%s': a compression unit does not decode",
                       child->name);
        return 0;
    }
    return rc;
}

/* Fills one stream's bytes: a view when one run holds them, else
 * assembled. */
static int read_stream(struct sk_unpack *u, struct ntfs_state *st, const struct ntfs_stream *s,
                       struct sk_child *child)
{
    if (s->resident)
        return sk_unpack_append(u, &child->data, s->value.p, s->value.len);
    if (s->bad_runs || !s->have_sizes) {
        child->truncated = true;
        sk_unpack_fail(u, "ntfs", SK_ECORRUPT, "'%s': %s", child->name,
                       s->bad_runs ? "its runlist does not decode"
                                   : "its first extent is missing");
        if (!s->have_sizes)
            return 0;
    }
    if (s->flags & ATTR_COMPRESSED)
        return read_compressed(u, st, s, child);
    const struct ntfs_run *r = run_list(&s->runs);
    if (s->n_runs > 0 && r->lcn != NTFS_SPARSE && s->initialized >= s->size &&
        r->len * st->cluster >= s->size && s->size <= SIZE_MAX) {
        const uint8_t *p = clusters_at(st, r->lcn, (s->size + st->cluster - 1) / st->cluster);
        if (p)
            return sk_unpack_view(u, &child->data, p, (size_t)s->size);
    }
    int rc = sk_unpack_reserve(u, &child->data, s->size < st->len ? s->size : st->len);
    return rc != 0 ? rc : read_plain(u, st, s, child);
}

/* ---- the unpacker -------------------------------------------------------- */

static void free_state(struct ntfs_state *st)
{
    drop_streams(st);
    sk_dynbuf_free(&st->mft_runs);
    sk_dynbuf_free(&st->names);
    sk_dynbuf_free(&st->files);
    free(st->rec);
    free(st->entries);
    free(st->unit_in);
    free(st->unit_out);
    free(st);
}

static void report(struct sk_unpack *u, struct ntfs_state *st)
{
    if (st->why) {
        sk_unpack_fail(u, "ntfs", SK_ECORRUPT, "record %llu: %s",
                       (unsigned long long)st->why_record, st->why);
        st->why = NULL;
    }
}

static int open_volume(struct sk_unpack *u, struct ntfs_state *st)
{
    uint64_t mft_lcn = 0;
    const char *why = parse_boot(st, &mft_lcn);
    int rc = 0;
    if (!why) {
        st->rec = sk_unpack_alloc(u, st->record);
        if (!st->rec)
            return SK_ENOMEM;
        why = read_mft(u, st, mft_lcn, &rc);
    }
    if (rc != 0)
        return rc;
    if (why) {
        sk_unpack_fail(u, "ntfs", SK_ECORRUPT, "%s", why);
        return SK_ECORRUPT;
    }
    if (st->cut)
        sk_unpack_fail(u, "ntfs", SK_ECORRUPT,
                       "the image ends before the volume does: %llu clusters of it are read",
                       (unsigned long long)st->clusters);
    st->entries = sk_unpack_calloc(u, (size_t)st->n_entries + 1, sizeof *st->entries);
    if (!st->entries)
        return SK_ENOMEM;
    return walk_records(u, st);
}

static int open_ntfs(struct sk_unpack *u, void **state)
{
    struct ntfs_state *st = sk_unpack_calloc(u, 1, sizeof *st);
    if (!st)
        return SK_ENOMEM;
    st->img = sk_reader_make(u->node->data.p, u->node->data.len);
    st->len = u->node->data.len;
    sk_unpack_dynbuf_init(u, &st->mft_runs, (size_t)NTFS_MAX_RUNS * sizeof(struct ntfs_run));
    sk_unpack_dynbuf_init(u, &st->names, (size_t)NTFS_MAX_RECORDS * 64);
    sk_unpack_dynbuf_init(u, &st->files, (size_t)NTFS_MAX_RECORDS * sizeof(uint32_t));
    sk_unpack_info(u, "format", "NTFS");
    int rc = open_volume(u, st);
    report(u, st);
    if (rc != 0) {
        free_state(st);
        return rc;
    }
    sk_unpack_info(u, "clusters", "%llu of %u bytes", (unsigned long long)st->clusters,
                   st->cluster);
    sk_unpack_info(u, "records", "%u of %u bytes", st->n_entries, st->record);
    sk_unpack_info(u, "files", "%zu", st->n_files);
    *state = st;
    return 0;
}

/* Moves to the next file with streams; false when none is left. */
static int next_file(struct sk_unpack *u, struct ntfs_state *st, bool *done)
{
    drop_streams(st);
    while (st->next_file < st->n_files && !sk_unpack_expired(u)) {
        uint32_t n = ((const uint32_t *)(const void *)st->files.p)[st->next_file++];
        bool skip = false;
        st->path = build_path(u, st, n, &skip);
        if (skip)
            continue;
        if (!st->path)
            return SK_ENOMEM;
        int rc = load_streams(u, st, n);
        report(u, st);
        if (rc != 0)
            return rc;
        if (st->n_streams > 0)
            return 0;
        free(st->path);
        st->path = NULL;
    }
    *done = true;
    return 0;
}

static int next_ntfs(struct sk_unpack *u, void *state, struct sk_child *child)
{
    struct ntfs_state *st = state;
    if (st->next_stream >= st->n_streams) {
        bool done = false;
        int rc = next_file(u, st, &done);
        if (rc != 0 || done)
            return rc != 0 ? rc : SK_DONE;
    }
    const struct ntfs_stream *s = &st->streams[st->next_stream++];
    free(st->stream_path);
    st->stream_path = NULL;
    const char *name = st->path;
    if (s->name[0]) {
        /* an alternate data stream: "path:stream", as Windows names it */
        size_t n = strlen(st->path) + strlen(s->name) + 2;
        st->stream_path = sk_unpack_alloc(u, n);
        if (!st->stream_path)
            return SK_ENOMEM;
        snprintf(st->stream_path, n, "%s:%s", st->path, s->name);
        name = st->stream_path;
    }
    child->name = name;
    child->name_len = strlen(name);
    if (s->flags & ATTR_ENCRYPTED) {
        child->encrypted = true;
        child->declared_size = s->size;
        child->unopened_why = "NTFS EFS: the file key is sealed to a user's certificate";
        return 0;
    }
    int rc = read_stream(u, st, s, child);
    if (rc == SK_ELIMIT)
        child->truncated = true;
    return rc == SK_ELIMIT ? 0 : rc;
}

static void close_ntfs(void *state)
{
    free_state(state);
}

const struct sk_unpacker sk_unpacker_ntfs = {
    .name = "ntfs",
    .bid = bid,
    .open = open_ntfs,
    .next = next_ntfs,
    .close = close_ntfs,
};
