/* The 7z header parse.
 *
 * Spec: 7-Zip's DOC/7zFormat.txt (signature header, property ids, PackInfo,
 * CodersInfo/Folder, SubStreamsInfo, FilesInfo, UINT64 encoding).
 * Supports: every structure a 7-Zip writer emits; unknown file properties
 * are stepped over by their size. Refuses: external (additional-stream)
 * references, coders with alternative methods, more than SK_7Z_MAX_CODERS
 * coders or SK_7Z_MAX_STREAMS streams in one folder.
 * Limits: every count is checked against the bytes left (each item needs
 * at least one) and against max_entries before anything is allocated; a
 * UINT64 read from input never sizes an allocation on its own. */
#include "sevenz_header.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "../engine/error.h"

enum {
    ID_ARCHIVE_PROPERTIES = 0x02,
    ID_ADDITIONAL_STREAMS = 0x03,
    ID_MAIN_STREAMS = 0x04,
    ID_FILES = 0x05,
    ID_PACK_INFO = 0x06,
    ID_UNPACK_INFO = 0x07,
    ID_SUBSTREAMS = 0x08,
    ID_SIZE = 0x09,
    ID_CRC = 0x0A,
    ID_FOLDER = 0x0B,
    ID_UNPACK_SIZE = 0x0C,
    ID_NUM_UNPACK_STREAM = 0x0D,
    ID_EMPTY_STREAM = 0x0E,
    ID_EMPTY_FILE = 0x0F,
    ID_ANTI = 0x10,
    ID_NAME = 0x11,
    ID_ATTRIBUTES = 0x15,
};

#define ATTRIBUTE_DIRECTORY 0x10u

/* 7zFormat.txt "UINT64": the first byte's leading one bits say how many
 * little-endian bytes follow; its remaining bits are the high part. */
static uint64_t read_number(struct sk_reader *r)
{
    uint8_t first = sk_reader_u8(r);
    uint8_t mask = 0x80;
    uint64_t value = 0;
    for (unsigned i = 0; i < 8; i++) {
        if ((first & mask) == 0) {
            uint64_t high = first & (mask - 1u);
            return value | high << (8 * i);
        }
        value |= (uint64_t)sk_reader_u8(r) << (8 * i);
        mask = (uint8_t)(mask >> 1);
    }
    return value;
}

/* How a structure's parse ends: the first failure, a short read, or the
 * kEnd that must close it. */
static int ended(int rc, const struct sk_reader *r, uint64_t id)
{
    if (rc != 0)
        return rc;
    if (r->err)
        return SK_ETRUNC;
    return id == SK_7Z_ID_END ? 0 : SK_ECORRUPT;
}

/* A count the remaining bytes can hold (one byte per item at least) and
 * max allows; SK_ELIMIT above max, SK_ECORRUPT past the bytes. */
static int read_count(struct sk_reader *r, size_t max, size_t *out)
{
    uint64_t n = read_number(r);
    if (r->err)
        return SK_ETRUNC;
    if (n > max)
        return SK_ELIMIT;
    if (n > sk_reader_left(r))
        return SK_ECORRUPT;
    *out = (size_t)n;
    return 0;
}

/* A bit vector of n items, most significant bit first. */
static void read_bits(struct sk_reader *r, size_t n, bool *out)
{
    uint8_t byte = 0;
    for (size_t i = 0; i < n; i++) {
        if (i % 8 == 0)
            byte = sk_reader_u8(r);
        out[i] = (byte & (0x80u >> (i % 8))) != 0;
    }
}

/* Digests: "all defined" or a bit vector, then a CRC per defined item. */
static void read_digests(struct sk_reader *r, size_t n, bool *defined, uint32_t *crcs)
{
    uint8_t all = sk_reader_u8(r);
    if (all)
        for (size_t i = 0; i < n; i++)
            defined[i] = true;
    else
        read_bits(r, n, defined);
    for (size_t i = 0; i < n && !r->err; i++)
        crcs[i] = defined[i] ? sk_reader_u32le(r) : 0;
}

int sk_7z_start(const uint8_t *data, size_t len, struct sk_reader *next)
{
    struct sk_reader r = sk_reader_make(data, len);
    if (!sk_reader_match(&r, 0, "7z\xbc\xaf\x27\x1c", 6))
        return SK_ECORRUPT;
    uint32_t start_crc = sk_reader_u32le_at(&r, 8);
    const uint8_t *start = sk_reader_at(&r, 12, 20);
    if (!start)
        return SK_ETRUNC;
    if ((uint32_t)crc32(0, start, 20) != start_crc)
        return SK_ECORRUPT;
    uint64_t offset = sk_reader_u64le_at(&r, 12);
    uint64_t size = sk_reader_u64le_at(&r, 20);
    uint32_t crc = sk_reader_u32le_at(&r, 28);
    uint64_t at;
    if (sk_add_u64(SK_7Z_SIGNATURE_BYTES, offset, &at) != 0 || size == 0 ||
        size > SK_7Z_MAX_HEADER)
        return SK_ECORRUPT;
    *next = sk_reader_sub_at(&r, at, (size_t)size);
    if (next->err)
        return SK_ETRUNC;
    return (uint32_t)crc32(0, next->p, (uInt)next->len) == crc ? 0 : SK_ECORRUPT;
}

/* ---- streams info -------------------------------------------------------- */

static int read_pack_info(struct sk_reader *r, const uint8_t *data, size_t len, size_t max,
                          struct sk_7z_streams *s)
{
    (void)data;
    s->pack_pos = read_number(r);
    int rc = read_count(r, max, &s->n_pack);
    if (rc != 0)
        return rc;
    s->pack_sizes = calloc(s->n_pack + 1, sizeof *s->pack_sizes);
    s->pack_offsets = calloc(s->n_pack + 1, sizeof *s->pack_offsets);
    if (!s->pack_sizes || !s->pack_offsets)
        return SK_ENOMEM;
    uint64_t id = read_number(r);
    if (id == ID_SIZE) {
        for (size_t i = 0; i < s->n_pack; i++)
            s->pack_sizes[i] = read_number(r);
        id = read_number(r);
    }
    if (id == ID_CRC) {
        bool *defined = calloc(s->n_pack + 1, sizeof *defined);
        uint32_t *crcs = calloc(s->n_pack + 1, sizeof *crcs);
        if (defined && crcs)
            read_digests(r, s->n_pack, defined, crcs);
        free(defined);
        free(crcs);
        if (!defined || !crcs)
            return SK_ENOMEM;
        id = read_number(r);
    }
    if (r->err)
        return SK_ETRUNC;
    if (id != SK_7Z_ID_END)
        return SK_ECORRUPT;
    uint64_t at;
    if (sk_add_u64(SK_7Z_SIGNATURE_BYTES, s->pack_pos, &at) != 0)
        return SK_ECORRUPT;
    for (size_t i = 0; i < s->n_pack; i++) {
        s->pack_offsets[i] = at;
        if (sk_add_u64(at, s->pack_sizes[i], &at) != 0 || at > len)
            return SK_ETRUNC; /* a packed stream runs past the end */
    }
    return 0;
}

static int read_coder(struct sk_reader *r, struct sk_7z_coder *c)
{
    uint8_t flags = sk_reader_u8(r);
    unsigned id_size = flags & 0x0Fu;
    if (flags & 0x80u)
        return SK_EUNSUPPORTED; /* alternative methods: never written */
    if (id_size > 8)
        return SK_ECORRUPT;
    const uint8_t *id = sk_reader_bytes(r, id_size);
    c->method = 0;
    for (unsigned i = 0; id && i < id_size; i++)
        c->method = c->method << 8 | id[i];
    c->n_in = c->n_out = 1;
    if (flags & 0x10u) {
        uint64_t in = read_number(r), out = read_number(r);
        if (in == 0 || in > SK_7Z_MAX_STREAMS || out == 0 || out > SK_7Z_MAX_STREAMS)
            return SK_EUNSUPPORTED;
        c->n_in = (unsigned)in;
        c->n_out = (unsigned)out;
    }
    c->props = NULL;
    c->props_len = 0;
    if (flags & 0x20u) {
        uint64_t n = read_number(r);
        if (n > SK_7Z_MAX_PROPS)
            return SK_ECORRUPT;
        c->props_len = (size_t)n;
        c->props = sk_reader_bytes(r, c->props_len);
    }
    return r->err ? SK_ETRUNC : 0;
}

/* The in-stream of f that no bind pair feeds and no packed stream names
 * yet is the lone packed stream; the out-stream no bind pair takes is the
 * folder's output. Exactly one of each, or the folder is corrupt. */
static int lone_stream(const unsigned *taken, unsigned n_taken, unsigned n, unsigned *out)
{
    unsigned found = 0;
    for (unsigned s = 0; s < n; s++) {
        bool used = false;
        for (unsigned i = 0; i < n_taken; i++)
            used = used || taken[i] == s;
        if (!used) {
            *out = s;
            found++;
        }
    }
    return found == 1 ? 0 : SK_ECORRUPT;
}

static int read_folder(struct sk_reader *r, struct sk_7z_folder *f)
{
    uint64_t n_coders = read_number(r);
    if (n_coders == 0 || n_coders > SK_7Z_MAX_CODERS)
        return r->err ? SK_ETRUNC : SK_EUNSUPPORTED;
    f->n_coders = (unsigned)n_coders;
    for (unsigned i = 0; i < f->n_coders; i++) {
        int rc = read_coder(r, &f->coders[i]);
        if (rc != 0)
            return rc;
        f->n_in += f->coders[i].n_in;
        f->n_out += f->coders[i].n_out;
        if (f->n_in > SK_7Z_MAX_STREAMS || f->n_out > SK_7Z_MAX_STREAMS)
            return SK_EUNSUPPORTED;
    }
    f->n_binds = f->n_out - 1;
    if (f->n_binds >= f->n_in)
        return SK_ECORRUPT;
    for (unsigned i = 0; i < f->n_binds; i++) {
        uint64_t in = read_number(r), out = read_number(r);
        if (in >= f->n_in || out >= f->n_out)
            return SK_ECORRUPT;
        f->bind_in[i] = (unsigned)in;
        f->bind_out[i] = (unsigned)out;
    }
    f->n_packed = f->n_in - f->n_binds;
    if (f->n_packed == 1) {
        if (lone_stream(f->bind_in, f->n_binds, f->n_in, &f->packed[0]) != 0)
            return SK_ECORRUPT;
    } else {
        for (unsigned i = 0; i < f->n_packed; i++) {
            uint64_t in = read_number(r);
            if (in >= f->n_in)
                return SK_ECORRUPT;
            f->packed[i] = (unsigned)in;
        }
    }
    if (lone_stream(f->bind_out, f->n_binds, f->n_out, &f->main_out) != 0)
        return SK_ECORRUPT;
    return r->err ? SK_ETRUNC : 0;
}

static int read_unpack_info(struct sk_reader *r, size_t max, struct sk_7z_streams *s)
{
    if (read_number(r) != ID_FOLDER)
        return r->err ? SK_ETRUNC : SK_ECORRUPT;
    int rc = read_count(r, max, &s->n_folders);
    if (rc != 0)
        return rc;
    if (sk_reader_u8(r) != 0)
        return SK_EUNSUPPORTED; /* folders kept in an additional stream */
    s->folders = calloc(s->n_folders + 1, sizeof *s->folders);
    if (!s->folders)
        return SK_ENOMEM;
    size_t next_pack = 0;
    for (size_t i = 0; i < s->n_folders; i++) {
        struct sk_7z_folder *f = &s->folders[i];
        rc = read_folder(r, f);
        if (rc != 0)
            return rc;
        f->first_pack = next_pack;
        next_pack += f->n_packed;
        if (next_pack > s->n_pack)
            return SK_ECORRUPT;
    }
    if (read_number(r) != ID_UNPACK_SIZE)
        return r->err ? SK_ETRUNC : SK_ECORRUPT;
    for (size_t i = 0; i < s->n_folders; i++)
        for (unsigned o = 0; o < s->folders[i].n_out; o++)
            s->folders[i].unpack[o] = read_number(r);
    uint64_t id = read_number(r);
    if (id == ID_CRC) {
        bool *defined = calloc(s->n_folders + 1, sizeof *defined);
        uint32_t *crcs = calloc(s->n_folders + 1, sizeof *crcs);
        if (defined && crcs) {
            read_digests(r, s->n_folders, defined, crcs);
            for (size_t i = 0; i < s->n_folders; i++) {
                s->folders[i].crc_defined = defined[i];
                s->folders[i].crc = crcs[i];
            }
        }
        free(defined);
        free(crcs);
        if (!defined || !crcs)
            return SK_ENOMEM;
        id = read_number(r);
    }
    return ended(0, r, id);
}

static int alloc_substreams(struct sk_7z_streams *s)
{
    s->sub_sizes = calloc(s->n_sub + 1, sizeof *s->sub_sizes);
    s->sub_crc_defined = calloc(s->n_sub + 1, sizeof *s->sub_crc_defined);
    s->sub_crcs = calloc(s->n_sub + 1, sizeof *s->sub_crcs);
    return s->sub_sizes && s->sub_crc_defined && s->sub_crcs ? 0 : SK_ENOMEM;
}

/* The sizes of each folder's substreams: all but the last are written, the
 * last is what remains of the folder's size. */
static int read_sub_sizes(struct sk_reader *r, struct sk_7z_streams *s, bool written)
{
    for (size_t i = 0; i < s->n_folders; i++) {
        struct sk_7z_folder *f = &s->folders[i];
        if (f->n_substreams == 0)
            continue;
        uint64_t total = sk_7z_folder_size(f), sum = 0;
        if (!written && f->n_substreams > 1)
            return SK_ECORRUPT;
        for (size_t j = 0; j + 1 < f->n_substreams; j++) {
            uint64_t size = read_number(r);
            if (size > total - sum)
                return SK_ECORRUPT;
            s->sub_sizes[f->first_substream + j] = size;
            sum += size;
        }
        s->sub_sizes[f->first_substream + f->n_substreams - 1] = total - sum;
    }
    return r->err ? SK_ETRUNC : 0;
}

/* CRCs: a folder with one substream and its own CRC lends it; the others'
 * come from the digest list, in order. */
static int read_sub_crcs(struct sk_reader *r, struct sk_7z_streams *s, bool written)
{
    size_t unknown = 0;
    for (size_t i = 0; i < s->n_folders; i++) {
        const struct sk_7z_folder *f = &s->folders[i];
        if (!(f->n_substreams == 1 && f->crc_defined))
            unknown += f->n_substreams;
    }
    bool *defined = calloc(unknown + 1, sizeof *defined);
    uint32_t *crcs = calloc(unknown + 1, sizeof *crcs);
    if (!defined || !crcs) {
        free(defined);
        free(crcs);
        return SK_ENOMEM;
    }
    if (written)
        read_digests(r, unknown, defined, crcs);
    size_t k = 0;
    for (size_t i = 0; i < s->n_folders; i++) {
        const struct sk_7z_folder *f = &s->folders[i];
        for (size_t j = 0; j < f->n_substreams; j++) {
            size_t at = f->first_substream + j;
            if (f->n_substreams == 1 && f->crc_defined) {
                s->sub_crc_defined[at] = true;
                s->sub_crcs[at] = f->crc;
            } else {
                s->sub_crc_defined[at] = defined[k];
                s->sub_crcs[at] = crcs[k];
                k++;
            }
        }
    }
    free(defined);
    free(crcs);
    return r->err ? SK_ETRUNC : 0;
}

static int read_substreams(struct sk_reader *r, size_t max, struct sk_7z_streams *s,
                           bool present)
{
    uint64_t id = present ? read_number(r) : SK_7Z_ID_END;
    for (size_t i = 0; i < s->n_folders; i++)
        s->folders[i].n_substreams = 1;
    if (id == ID_NUM_UNPACK_STREAM) {
        for (size_t i = 0; i < s->n_folders; i++) {
            uint64_t n = read_number(r);
            if (n > max)
                return SK_ELIMIT;
            s->folders[i].n_substreams = (size_t)n;
        }
        id = read_number(r);
    }
    s->n_sub = 0;
    for (size_t i = 0; i < s->n_folders; i++) {
        s->folders[i].first_substream = s->n_sub;
        s->n_sub += s->folders[i].n_substreams;
        if (s->n_sub > max)
            return SK_ELIMIT;
    }
    int rc = alloc_substreams(s);
    if (rc == 0)
        rc = read_sub_sizes(r, s, id == ID_SIZE);
    if (rc == 0 && id == ID_SIZE)
        id = read_number(r);
    if (rc == 0)
        rc = read_sub_crcs(r, s, id == ID_CRC);
    if (rc == 0 && id == ID_CRC)
        id = read_number(r);
    return ended(rc, r, id);
}

int sk_7z_read_streams(struct sk_reader *r, const uint8_t *data, size_t len, size_t max_entries,
                       struct sk_7z_streams *s)
{
    memset(s, 0, sizeof *s);
    uint64_t id = read_number(r);
    int rc = 0;
    if (id == ID_PACK_INFO) {
        rc = read_pack_info(r, data, len, max_entries, s);
        id = read_number(r);
    }
    if (rc == 0 && id == ID_UNPACK_INFO) {
        rc = read_unpack_info(r, max_entries, s);
        id = read_number(r);
    }
    bool sub = id == ID_SUBSTREAMS;
    if (rc == 0)
        rc = read_substreams(r, max_entries, s, sub);
    if (rc == 0 && sub)
        id = read_number(r);
    return ended(rc, r, id);
}

void sk_7z_streams_free(struct sk_7z_streams *s)
{
    free(s->pack_sizes);
    free(s->pack_offsets);
    free(s->folders);
    free(s->sub_sizes);
    free(s->sub_crc_defined);
    free(s->sub_crcs);
    memset(s, 0, sizeof *s);
}

bool sk_7z_folder_encrypted(const struct sk_7z_folder *f)
{
    for (unsigned i = 0; i < f->n_coders; i++)
        if (f->coders[i].method == SK_7Z_AES)
            return true;
    return false;
}

/* ---- files info ---------------------------------------------------------- */

/* Names: UTF-16LE strings, each ended by a zero unit, one per file. */
static int read_names(struct sk_reader *r, struct sk_7z_archive *ar)
{
    if (sk_reader_u8(r) != 0)
        return SK_EUNSUPPORTED; /* names in an additional stream */
    for (size_t i = 0; i < ar->n_files; i++) {
        const uint8_t *start = sk_reader_at(r, r->pos, 2); /* NULL: too short */
        if (!start)
            return SK_ETRUNC;
        size_t units = 0;
        while (sk_reader_u16le(r) != 0 && !r->err)
            units++;
        if (r->err)
            return SK_ETRUNC;
        ar->files[i].name16 = start;
        ar->files[i].name_units = units;
    }
    return 0;
}

static void read_attributes(struct sk_reader *r, struct sk_7z_archive *ar, bool *defined)
{
    uint8_t all = sk_reader_u8(r);
    if (all)
        for (size_t i = 0; i < ar->n_files; i++)
            defined[i] = true;
    else
        read_bits(r, ar->n_files, defined);
    if (sk_reader_u8(r) != 0) {
        r->err = SK_EUNSUPPORTED;
        return;
    }
    for (size_t i = 0; i < ar->n_files && !r->err; i++)
        if (defined[i] && (sk_reader_u32le(r) & ATTRIBUTE_DIRECTORY))
            ar->files[i].is_dir = true;
}

struct file_flags {
    bool *empty_stream, *empty_file, *anti, *scratch;
    size_t n_empty;
};

static int read_file_property(struct sk_reader *r, uint64_t type, struct sk_7z_archive *ar,
                              struct file_flags *ff)
{
    switch (type) {
    case ID_EMPTY_STREAM:
        read_bits(r, ar->n_files, ff->empty_stream);
        ff->n_empty = 0;
        for (size_t i = 0; i < ar->n_files; i++)
            ff->n_empty += ff->empty_stream[i];
        return r->err ? SK_ETRUNC : 0;
    case ID_EMPTY_FILE: read_bits(r, ff->n_empty, ff->empty_file); break;
    case ID_ANTI: read_bits(r, ff->n_empty, ff->anti); break;
    case ID_NAME: return read_names(r, ar);
    case ID_ATTRIBUTES: read_attributes(r, ar, ff->scratch); break;
    default: break; /* times, start positions, padding: nothing to scan */
    }
    return r->err ? (r->err == SK_EUNSUPPORTED ? SK_EUNSUPPORTED : SK_ETRUNC) : 0;
}

/* Ties each file with a stream to the next substream, in order. */
static int place_files(struct sk_7z_archive *ar, const struct file_flags *ff)
{
    const struct sk_7z_streams *s = &ar->streams;
    size_t empty = 0, sub = 0, folder = 0;
    uint64_t offset = 0;
    for (size_t i = 0; i < ar->n_files; i++) {
        struct sk_7z_file *file = &ar->files[i];
        if (ff->empty_stream[i]) {
            bool empty_file = ff->empty_file[empty];
            file->is_anti = ff->anti[empty];
            file->is_dir = file->is_dir || !empty_file;
            empty++;
            continue;
        }
        file->is_dir = false;
        while (folder < s->n_folders &&
               sub >= s->folders[folder].first_substream + s->folders[folder].n_substreams) {
            folder++;
            offset = 0;
        }
        if (sub >= s->n_sub || folder >= s->n_folders)
            return SK_ECORRUPT; /* more files with data than streams */
        file->has_stream = true;
        file->substream = sub;
        file->folder = folder;
        file->offset = offset;
        offset += s->sub_sizes[sub];
        sub++;
    }
    /* a substream no file takes would never be scanned: refuse, not skip */
    return sub == s->n_sub ? 0 : SK_ECORRUPT;
}

static int read_files(struct sk_reader *r, struct sk_7z_archive *ar, size_t max)
{
    int rc = read_count(r, max, &ar->n_files);
    if (rc != 0)
        return rc;
    size_t n = ar->n_files + 1;
    ar->files = calloc(n, sizeof *ar->files);
    struct file_flags ff = {calloc(n, 1), calloc(n, 1), calloc(n, 1), calloc(n, 1), 0};
    rc = ar->files && ff.empty_stream && ff.empty_file && ff.anti && ff.scratch ? 0 : SK_ENOMEM;
    /* Each property carries its size: a bounded sub-reader per property,
     * and at most one property per byte left. */
    while (rc == 0) {
        uint64_t type = read_number(r);
        if (type == SK_7Z_ID_END || r->err)
            break;
        uint64_t size = read_number(r);
        if (size > sk_reader_left(r)) {
            rc = SK_ETRUNC;
            break;
        }
        struct sk_reader sub = sk_reader_sub(r, (size_t)size);
        rc = read_file_property(&sub, type, ar, &ff);
    }
    if (rc == 0 && r->err)
        rc = SK_ETRUNC;
    if (rc == 0)
        rc = place_files(ar, &ff);
    free(ff.empty_stream);
    free(ff.empty_file);
    free(ff.anti);
    free(ff.scratch);
    return rc;
}

int sk_7z_read_header(struct sk_reader *r, struct sk_7z_archive *ar, size_t max_entries)
{
    uint64_t id = read_number(r);
    if (id == ID_ARCHIVE_PROPERTIES) {
        while (!r->err) {
            uint64_t type = read_number(r);
            if (type == 0)
                break;
            uint64_t size = read_number(r);
            if (size > sk_reader_left(r))
                return SK_ETRUNC;
            sk_reader_skip(r, (size_t)size);
        }
        id = read_number(r);
    }
    if (id == ID_ADDITIONAL_STREAMS)
        return SK_EUNSUPPORTED;
    int rc = 0;
    if (id == ID_MAIN_STREAMS) {
        rc = sk_7z_read_streams(r, ar->data, ar->len, max_entries, &ar->streams);
        id = read_number(r);
    }
    if (rc == 0 && id == ID_FILES) {
        rc = read_files(r, ar, max_entries);
        id = read_number(r);
    }
    return ended(rc, r, id);
}

void sk_7z_archive_clear(struct sk_7z_archive *ar)
{
    sk_7z_streams_free(&ar->streams);
    free(ar->files);
    ar->files = NULL;
    ar->n_files = 0;
}
