/* Archives and compressed streams, through libarchive, from memory.
 *
 * Spec: libarchive's own readers (archive_read_format(3), archive_read(3));
 * ZIP APPNOTE 6.3.x and the WinZip AE-x notes for encrypted ZIP entries;
 * the RAR 5.0 technote through unpackers/rar5.c, whose header walk leads
 * when a RAR5 member is encrypted (libarchive 3.6 reads its ciphertext as
 * data). A 7z, ZIP, RAR5 or CAB under a filter is handed back as one child, so
 * that it is read again from memory.
 * Supports: zip (plain, ZipCrypto, WinZip AES), 7z (plain here; with 7zAES
 * through unpackers/sevenz.c), rar, rar5,
 * tar (ustar, gnu, pax, v7), cpio, cab, lha, iso9660, xar, ar, and the
 * filters gzip, bzip2, xz, lzma, zstd, lz4, compress, uu, alone or around
 * any of those formats. Refuses: libarchive filters that run an external
 * program (lrzip, lzop, grzip, ...): they are never enabled; mtree, shar and
 * warc, which read text files as archives.
 * Limits: every byte goes through sk_unpack_append (node, total, ratio,
 * time); entries are counted by the engine; a deadline check runs before
 * each header. Encrypted members are opened only with the job's password
 * candidates, one candidate per libarchive handle, so that a candidate
 * counts as right only when decryption, decompression and the CRC (or the
 * AES authentication code) all succeed: the one-byte ZipCrypto check alone
 * lets about one wrong password in 256 through. */
#include <archive.h>
#include <archive_entry.h>
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "../engine/error.h"
#include "../engine/limits.h"
#include "../engine/reader.h"
#include "../engine/text.h"
#include "rar4crypt.h"
#include "rar5.h"
#include "rar5crypt.h"
#include "sevenz.h"
#include "unpacker.h"
#include "zip_trial.h"

#define READ_BLOCK (64u * 1024u)

/* Which readers may bid: archives only, or also the raw reader that takes
 * a bare compressed stream as one member, or the raw reader alone. */
enum formats { FORMATS_ARCHIVES, FORMATS_AND_RAW, FORMATS_RAW_ONLY };

struct archive_state {
    struct archive *a;
    const uint8_t *data;
    size_t size;
    enum formats formats;           /* what the handles bid with */
    bool raw;                       /* a compressed stream: raw may bid */
    bool peeked;                    /* looked for a seeking format under the filters */
    bool broken;                    /* the handle reported bad data: ask it nothing more */
    struct sk_zip_index *zip_index; /* a ZIP's central directory, for password trials */
    bool zip_index_tried;
    unsigned entries_seen;                     /* headers read so far on the main handle */
    const struct sk_password *header_password; /* opened an encrypted header */
    char raw_name[SK_MAX_NAME_BYTES + 1];
    char name[SK_MAX_NAME_BYTES + 1]; /* the current member's, decoded */
    /* RAR5 (unpackers/rar5.c): with encrypted members the header walk
     * leads and libarchive reads only the plain members; with encrypted
     * headers nothing can be listed. */
    bool rar5_leads;
    bool rar5_headers_encrypted;
    struct sk_rar5_walk rar5;
    unsigned rar5_files;    /* file headers walked: libarchive's entry index */
    bool rar5_chain_broken; /* solid, and an encrypted member came before */
    const char *rar5_bad;   /* the walk found bad headers (libarchive leading) */
    const char *rar5_unopened_why; /* why members stayed encrypted (static text) */
    /* An encrypted RAR5 rewritten plain (unpackers/rar5crypt.h): data and
     * size then point at rar5_plain, and rar5_opened says which members
     * were decrypted, with which candidate. */
    struct sk_dynbuf rar5_plain;
    struct sk_dynbuf rar5_opened; /* struct sk_rar5_opened */
    struct sk_7z_reader *sevenz; /* an encrypted 7z: unpackers/sevenz.c reads it */
    /* An encrypted RAR4 rewritten plain (unpackers/rar4crypt.h), the same
     * way; its members still encrypted are handed back unopened. */
    bool rar4_tried; /* the rewrite ran: encrypted members left are unopened */
    bool rar4_headers_encrypted;
    unsigned rar4_solid_unopened; /* encrypted members flagged solid: not tried */
    const char *rar4_unopened_why;
    struct sk_dynbuf rar4_opened; /* struct sk_rar4_opened */
    struct sk_dynbuf rar4_plain;
};

/* ---- the bid -------------------------------------------------------------- */

/* POSIX ustar: "ustar" at 257; a v7 header has no magic, only a checksum
 * (the header's bytes summed with its own field as spaces) that adds up. */
static bool is_tar(const struct sk_reader *in)
{
    struct sk_reader r = *in;
    const uint8_t *h = sk_reader_at(&r, 0, 512);
    if (!h)
        return false;
    if (sk_reader_match(in, 257, "ustar", 5))
        return true;
    unsigned long stored = 0;
    int digits = 0;
    for (size_t i = 148; i < 156; i++) {
        if (h[i] >= '0' && h[i] <= '7') {
            stored = stored * 8 + (unsigned long)(h[i] - '0');
            digits++;
        } else if (h[i] != ' ' && h[i] != '\0') {
            return false;
        }
    }
    if (digits == 0 || sk_reader_u8_at(&r, 0) == '\0')
        return false;
    unsigned long sum = 0;
    for (size_t i = 0; i < 512; i++)
        sum += (i >= 148 && i < 156) ? ' ' : h[i];
    return sum == stored;
}

/* lzma-alone (the LZMA SDK's .lzma) has no magic: the properties byte
 * 0x5d (lc=3, lp=0, pb=2, what every encoder writes) and a dictionary size
 * that is a power of two of at least 4 KiB, in a 13-byte header. */
static bool is_lzma_alone(const struct sk_reader *in)
{
    if (in->len < 13)
        return false;
    struct sk_reader r = *in;
    if (sk_reader_u8_at(&r, 0) != 0x5d)
        return false;
    uint32_t dict = sk_reader_u32le_at(&r, 1);
    return !r.err && dict >= (1u << 12) && (dict & (dict - 1)) == 0;
}

/* The archive formats' magic: ZIP APPNOTE 4.3.7/4.3.16 (a local header, the
 * end record of an empty archive, a spanned archive's marker), 7z
 * 7zFormat.txt, the RAR and RAR 5.0 technotes, xar, ar(5), cpio(5) (the
 * new, CRC and odc ASCII magics and the binary one in either order), LHA
 * level 0-2 headers ("-lh?-" or "-lz?-" at 2), ECMA-119 ("CD001" at 32769),
 * POSIX tar; SK_TYPE_DATA when none. CAB is cab.c's bid. */
static enum sk_type archive_magic(const struct sk_reader *in)
{
    if (sk_reader_match(in, 0, "PK\x03\x04", 4) || sk_reader_match(in, 0, "PK\x05\x06", 4) ||
        sk_reader_match(in, 0, "PK\x07\x08", 4))
        return SK_TYPE_ZIP;
    if (sk_reader_match(in, 0, "7z\xbc\xaf\x27\x1c", 6))
        return SK_TYPE_7Z;
    if (sk_reader_match(in, 0, "Rar!\x1a\x07\x01\x00", 8))
        return SK_TYPE_RAR5;
    if (sk_reader_match(in, 0, "Rar!\x1a\x07\x00", 7))
        return SK_TYPE_RAR;
    if (sk_reader_match(in, 0, "xar!", 4))
        return SK_TYPE_XAR;
    if (sk_reader_match(in, 0, "!<arch>\n", 8))
        return SK_TYPE_AR;
    static const char *const cpio[] = {"070701", "070702", "070707", "\xc7\x71", "\x71\xc7"};
    for (size_t i = 0; i < sizeof cpio / sizeof cpio[0]; i++)
        if (sk_reader_match(in, 0, cpio[i], strlen(cpio[i])))
            return SK_TYPE_CPIO;
    struct sk_reader r = *in;
    uint8_t lha_kind = sk_reader_u8_at(&r, 4);
    if (in->len > 7 && sk_reader_match(in, 2, "-l", 2) && (lha_kind == 'h' || lha_kind == 'z') &&
        sk_reader_match(in, 6, "-", 1))
        return SK_TYPE_LHA;
    if (sk_reader_match(in, 32769, "CD001", 5))
        return SK_TYPE_ISO9660;
    return is_tar(in) ? SK_TYPE_TAR : SK_TYPE_DATA;
}

/* The filters' magic: RFC 1952 gzip, bzip2 ("BZh" and a level digit), xz,
 * RFC 8878 zstd, the lz4 frame, compress(1), lzma-alone; SK_TYPE_DATA when
 * none. */
static enum sk_type filter_magic(const struct sk_reader *in)
{
    if (sk_reader_match(in, 0, "\x1f\x8b", 2))
        return SK_TYPE_GZIP;
    struct sk_reader r = *in;
    uint8_t level = sk_reader_u8_at(&r, 3);
    if (sk_reader_match(in, 0, "BZh", 3) && !r.err && level >= '1' && level <= '9')
        return SK_TYPE_BZIP2;
    if (sk_reader_match(in, 0, "\xfd" "7zXZ\0", 6))
        return SK_TYPE_XZ;
    if (sk_reader_match(in, 0, "\x28\xb5\x2f\xfd", 4))
        return SK_TYPE_ZSTD;
    if (sk_reader_match(in, 0, "\x04\x22\x4d\x18", 4))
        return SK_TYPE_LZ4;
    if (sk_reader_match(in, 0, "\x1f\x9d", 2))
        return SK_TYPE_COMPRESS;
    return is_lzma_alone(in) ? SK_TYPE_LZMA : SK_TYPE_DATA;
}

/* The bid. A node already typed as an archive or a filter (by this bid,
 * or given by another unpacker): 50, the type kept; cab.c bids 60 on a
 * CAB's own bytes and opens it. An OOXML package: 20, a ZIP all the same,
 * which this unpacker reads (ooxml.c names it, its 60 over this bid's 50
 * for the ZIP, and opens its parts). Otherwise the bytes: the archives'
 * magic before the filters', as the sniffer checked them (a tar or an ISO
 * image that starts like a gzip stream stays a tar or an image), 50 and
 * the type shown. */
static int bid(const struct sk_node *node, enum sk_type *type)
{
    if (sk_type_is_archive(node->type) || sk_type_is_filter(node->type))
        return 50;
    if (node->type == SK_TYPE_OOXML)
        return 20;
    const struct sk_reader in = sk_reader_make(node->data.p, node->data.len);
    enum sk_type shown = archive_magic(&in);
    if (shown == SK_TYPE_DATA)
        shown = filter_magic(&in);
    if (shown == SK_TYPE_DATA)
        return 0;
    *type = shown;
    return 50;
}

/* Formats we hand to libarchive: the list of DESIGN.md and no more. */
static void enable_formats(struct archive *a, enum formats which)
{
    if (which != FORMATS_ARCHIVES)
        archive_read_support_format_raw(a);
    if (which == FORMATS_RAW_ONLY)
        return;
    archive_read_support_format_zip(a);
    archive_read_support_format_7zip(a);
    archive_read_support_format_rar(a);
    archive_read_support_format_rar5(a);
    archive_read_support_format_tar(a);
    archive_read_support_format_cpio(a);
    archive_read_support_format_cab(a);
    archive_read_support_format_lha(a);
    archive_read_support_format_iso9660(a);
    archive_read_support_format_xar(a);
    archive_read_support_format_ar(a);
}

/* Only filters libarchive runs in-process: archive_read_support_filter_all
 * would also enable ones that fork an external program. */
static void enable_filters(struct archive *a)
{
    archive_read_support_filter_gzip(a);
    archive_read_support_filter_bzip2(a);
    archive_read_support_filter_xz(a);
    archive_read_support_filter_lzma(a);
    archive_read_support_filter_zstd(a);
    archive_read_support_filter_lz4(a);
    archive_read_support_filter_compress(a);
    archive_read_support_filter_uu(a);
}

static struct archive *reader_new(const uint8_t *data, size_t size, enum formats which,
                                  const char *passphrase)
{
    struct archive *a = archive_read_new();
    if (!a)
        return NULL;
    enable_formats(a, which);
    enable_filters(a);
    /* libarchive 3.6 converts an LHA name to Unicode in the locale (or the
     * charset named here) and fails the whole header when it cannot: a
     * CP932 name from LHA or Lhaplus was a corrupt archive. ISO-8859-1 maps
     * every byte to one code point, so the stored bytes come back whole
     * (lha_name) for sk_name_decode. */
    if (which != FORMATS_RAW_ONLY)
        archive_read_set_format_option(a, "lha", "hdrcharset", "ISO-8859-1");
    if (passphrase)
        archive_read_add_passphrase(a, passphrase);
    /* The memory reader needs no callbacks and supports the seeking that
     * the ZIP and 7z readers use to find their central directories. */
    if (archive_read_open_memory(a, data, size) != ARCHIVE_OK) {
        /* keep the handle: its error string says why */
    }
    return a;
}

static bool mentions_encryption(const char *message)
{
    return message && (strstr(message, "ncrypt") || strstr(message, "assphrase") ||
                       strstr(message, "decrypt"));
}

static int library_failure(struct sk_unpack *u, struct archive *a, const char *what)
{
    const char *message = archive_error_string(a);
    /* archive_read_has_encrypted_entries dereferences the chosen format:
     * with none chosen (no reader bid) libarchive 3.6 crashes in it. */
    bool encrypted = mentions_encryption(message) ||
                     (archive_format(a) != 0 && archive_read_has_encrypted_entries(a) > 0);
    int err = encrypted ? SK_EENCRYPTED : SK_ECORRUPT;
    if (err == SK_EENCRYPTED)
        sk_unpack_mark_encrypted(u, NULL);
    sk_unpack_fail(u, "archive", err, "%s: %s", what, message ? message : "libarchive error");
    return err;
}

/* libarchive 3.6 does not see RAR5's file encryption record: it reads the
 * ciphertext as compressed data and fails ("Unsupported block header
 * size"), ending the archive at its first encrypted member. A first walk
 * over the headers says whether any member is encrypted; only then does the
 * walk lead (rar5_next), so plain archives are read exactly as before, and
 * so are those the walk refuses (self-extractors, volumes, bad headers:
 * libarchive meets the same bytes and reports them). */
static int rar5_decrypt(struct sk_unpack *u, struct archive_state *st);

static int rar5_prepare(struct sk_unpack *u, struct archive_state *st)
{
    struct sk_rar5_walk w;
    int rc = sk_rar5_open(&w, st->data, st->size);
    if (rc == SK_EENCRYPTED) {
        st->rar5_headers_encrypted = true;
        return rar5_decrypt(u, st);
    }
    struct sk_rar5_file f;
    while (rc == 0 && (rc = sk_rar5_next(&w, &f)) == 0) {
        if (f.encrypted) {
            rc = rar5_decrypt(u, st);
            if (rc != 0)
                return rc;
            st->rar5_leads = sk_rar5_open(&st->rar5, st->data, st->size) == 0;
            return 0;
        }
    }
    /* libarchive 3.6 takes some bad headers (a size past the end) for the
     * end of the archive and lists nothing more without an error: what the
     * walk found is reported when libarchive ends (next_entry). */
    if (rc == SK_ECORRUPT || rc == SK_ELIMIT)
        st->rar5_bad = w.why;
    return 0;
}

/* The job's candidates as the value and length arrays the RAR trials take;
 * *values NULL when out of memory. */
static size_t candidate_arrays(struct sk_unpack *u, const struct sk_password *const **candidates,
                               const char ***values, size_t **lengths)
{
    size_t n = sk_unpack_passwords(u, candidates);
    *values = calloc(n ? n : 1, sizeof **values);
    *lengths = calloc(n ? n : 1, sizeof **lengths);
    if (!*values || !*lengths) {
        free(*values);
        free(*lengths);
        *values = NULL;
        *lengths = NULL;
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        (*values)[i] = (*candidates)[i]->value;
        (*lengths)[i] = (*candidates)[i]->len;
    }
    return n;
}

/* An encrypted RAR5 (members, or headers and members): the candidates'
 * check values pick each record's password (unpackers/rar5crypt.c) and the
 * archive is rewritten plain in memory, at most its own size, for
 * libarchive and the header walk to read as any other. What no candidate
 * opens stays encrypted in the copy and is handed back unopened. When the
 * rewrite fails, the archive is read as it came (its encrypted members
 * unopened) and the failure is reported. */
static int rar5_decrypt(struct sk_unpack *u, struct archive_state *st)
{
    const struct sk_password *const *candidates;
    const char **values;
    size_t *lengths;
    size_t n = candidate_arrays(u, &candidates, &values, &lengths);
    struct sk_rar5_trial *trial = values ? calloc(1, sizeof *trial) : NULL;
    if (!trial) {
        free(values);
        free(lengths);
        return SK_ENOMEM;
    }
    *trial = (struct sk_rar5_trial){.values = values, .lengths = lengths, .n = n,
                                    .deadline_ns = sk_unpack_deadline(u)};
    sk_unpack_dynbuf_init(u, &st->rar5_plain, st->size + 64);
    sk_unpack_dynbuf_init(u, &st->rar5_opened, (size_t)SK_CAP_NODES * sizeof(struct sk_rar5_opened));
    struct sk_rar5_rewrite rw = {.trial = trial, .out = &st->rar5_plain, .opened = &st->rar5_opened};
    int rc = n ? sk_rar5_rewrite(st->data, st->size, &rw) : SK_DONE;
    OPENSSL_cleanse(trial, sizeof *trial);
    free(trial);
    free(values);
    free(lengths);
    if (rc == SK_ENOMEM || rc == SK_EINTERNAL)
        return rc;
    st->rar5_unopened_why =
        rw.unsupported ? "RAR5 encryption record without a check value, of an unknown version "
                         "or over 2^20 KDF rounds: not tried"
        : rw.expired   ? "RAR5 encryption: the deadline passed during the password trial"
                       : "RAR5 encryption: no password candidate's check value matches";
    if (rc == SK_ECORRUPT || rc == SK_EUNSUPPORTED || rc == SK_ELIMIT)
        sk_unpack_fail(u, "archive", rc == SK_ELIMIT ? SK_ECORRUPT : rc, "RAR5 decryption: %s",
                       rc == SK_ELIMIT ? "the decrypted copy outgrew the archive" : rw.why);
    /* Damage part-way (a cut archive): the members before it were
     * decrypted and are read from the copy; its walk meets the end. */
    bool partial = rc == SK_ECORRUPT && st->rar5_plain.len > 8 &&
                   (rw.headers_opened || !st->rar5_headers_encrypted);
    if (rc != 0 && !partial) {
        sk_dynbuf_free(&st->rar5_plain);
        sk_dynbuf_reset(&st->rar5_opened);
        return 0;
    }
    if (rw.headers_opened) {
        st->rar5_headers_encrypted = false;
        st->header_password = candidates[rw.header_candidate];
        sk_unpack_mark_encrypted(u, st->header_password);
    }
    struct archive *a = reader_new((const uint8_t *)st->rar5_plain.p, st->rar5_plain.len,
                                   st->formats, NULL);
    if (!a)
        return SK_ENOMEM;
    archive_read_free(st->a);
    st->a = a;
    st->data = (const uint8_t *)st->rar5_plain.p;
    st->size = st->rar5_plain.len;
    if (st->rar5_headers_encrypted)
        return 0;
    st->rar5_leads = sk_rar5_open(&st->rar5, st->data, st->size) == 0;
    return 0;
}

/* The RAR4 trial's verifier (sk_rar4_verify_fn): decompresses member
 * `index` of a plain one-member (or solid prefix) archive through
 * libarchive and checks its size and CRC32. Bounded by the node limit and
 * the deadline. */
static int rar4_verify(void *ctx, const uint8_t *p, size_t len, unsigned index, uint64_t size,
                       uint32_t crc)
{
    struct sk_unpack *u = ctx;
    if (size > sk_unpack_limits(u)->max_node_bytes)
        return 0;
    struct archive *a = archive_read_new();
    uint8_t *buf = malloc(READ_BLOCK);
    if (!a || !buf) {
        archive_read_free(a);
        free(buf);
        return SK_ENOMEM;
    }
    archive_read_support_format_rar(a);
    struct archive_entry *e;
    int r = archive_read_open_memory(a, p, len);
    for (unsigned i = 0; r == ARCHIVE_OK && i <= index; i++)
        r = archive_read_next_header(a, &e);
    uLong got_crc = crc32(0L, NULL, 0);
    uint64_t total = 0;
    la_ssize_t got = -1;
    while (r == ARCHIVE_OK && !sk_unpack_expired(u) &&
           (got = archive_read_data(a, buf, READ_BLOCK)) > 0 && (uint64_t)got <= size - total) {
        got_crc = crc32(got_crc, buf, (uInt)got);
        total += (uint64_t)got;
    }
    OPENSSL_cleanse(buf, READ_BLOCK);
    free(buf);
    archive_read_free(a);
    return r == ARCHIVE_OK && got == 0 && total == size && got_crc == crc;
}

/* libarchive 3.6 lists RAR4's encrypted members but cannot decrypt them.
 * RAR4 keeps no check value: each candidate's key decrypts the member and
 * only its CRC32 (after decompression, through rar4_verify) proves it
 * (unpackers/rar4crypt.c). When a member opens, the archive is rewritten
 * plain in memory, at most its own size, and read from there; members no
 * candidate opens are handed back unopened with the reason. A rewrite that
 * fails leaves the archive to libarchive as it came. */
static int rar4_prepare(struct sk_unpack *u, struct archive_state *st)
{
    const struct sk_password *const *candidates;
    const char **values;
    size_t *lengths;
    size_t n = candidate_arrays(u, &candidates, &values, &lengths);
    struct sk_rar4_rewrite *rw = values ? calloc(1, sizeof *rw) : NULL;
    if (!rw) {
        free(values);
        free(lengths);
        return SK_ENOMEM;
    }
    sk_unpack_dynbuf_init(u, &st->rar4_plain, st->size + 64);
    sk_unpack_dynbuf_init(u, &st->rar4_opened, (size_t)SK_CAP_NODES * sizeof(struct sk_rar4_opened));
    *rw = (struct sk_rar4_rewrite){.values = values, .lengths = lengths, .n = n,
                                   .deadline_ns = sk_unpack_deadline(u), .verify = rar4_verify,
                                   .verify_ctx = u, .out = &st->rar4_plain,
                                   .opened = &st->rar4_opened};
    int rc = sk_rar4_rewrite(st->data, st->size, rw);
    st->rar4_headers_encrypted = rw->headers_encrypted && !rw->headers_opened;
    bool headers_opened = rc == 0 && rw->headers_opened;
    size_t header_candidate = rw->header_candidate;
    st->rar4_tried = rc == 0;
    st->rar4_solid_unopened = rw->solid_unopened;
    st->rar4_unopened_why =
        n == 0 ? "RAR4 encryption: no password candidates"
        : rw->expired ? "RAR4 encryption: the deadline passed during the password trial"
 : "RAR4 encryption: no candidate decrypts it to its CRC32 (RAR4 keeps no check "
              "value: a wrong password and damaged data look alike)";
    OPENSSL_cleanse(rw, sizeof *rw);
    free(rw);
    free(values);
    free(lengths);
    if (rc == SK_ENOMEM || rc == SK_EINTERNAL)
        return rc;
    if (rc != 0 || (st->rar4_opened.len == 0 && !headers_opened)) {
        sk_dynbuf_free(&st->rar4_plain);
        return 0;
    }
    if (headers_opened) {
        st->header_password = candidates[header_candidate];
        sk_unpack_mark_encrypted(u, st->header_password);
    }
    struct archive *a = reader_new((const uint8_t *)st->rar4_plain.p, st->rar4_plain.len,
                                   st->formats, NULL);
    if (!a)
        return SK_ENOMEM;
    archive_read_free(st->a);
    st->a = a;
    st->data = (const uint8_t *)st->rar4_plain.p;
    st->size = st->rar4_plain.len;
    return 0;
}

static void close_archive(void *state);

static int open_archive(struct sk_unpack *u, void **out)
{
    struct archive_state *st = calloc(1, sizeof *st);
    if (!st)
        return SK_ENOMEM;
    st->data = u->node->data.p;
    st->size = u->node->data.len;
    st->raw = sk_type_is_filter(u->node->type);
    st->formats = st->raw ? FORMATS_AND_RAW : FORMATS_ARCHIVES;
    st->a = reader_new(st->data, st->size, st->formats, NULL);
    if (!st->a) {
        free(st);
        return SK_ENOMEM;
    }
    int rc = !st->raw && sk_rar5_signature(st->data, st->size) ? rar5_prepare(u, st) : 0;
    /* libarchive 3.6 cannot decrypt 7zAES: an encrypted 7z is sevenz.c's. */
    if (rc == 0 && !st->raw)
        rc = sk_7z_open(u, st->data, st->size, &st->sevenz);
    if (rc == 0 && !st->raw && sk_rar4_signature(st->data, st->size))
        rc = rar4_prepare(u, st);
    if (rc != 0) {
        close_archive(st);
        return rc;
    }
    *out = st;
    return 0;
}

static void close_archive(void *state)
{
    struct archive_state *st = state;
    sk_7z_close(st->sevenz);
    sk_zip_index_free(st->zip_index);
    archive_read_free(st->a);
    OPENSSL_cleanse(st->rar5_opened.p, st->rar5_opened.len);
    sk_dynbuf_free(&st->rar5_opened);
    sk_dynbuf_free(&st->rar5_plain);
    sk_dynbuf_free(&st->rar4_opened);
    sk_dynbuf_free(&st->rar4_plain);
    free(st);
}

static enum sk_type type_of_format(int format)
{
    switch (format & ARCHIVE_FORMAT_BASE_MASK) {
    case ARCHIVE_FORMAT_ZIP: return SK_TYPE_ZIP;
    case ARCHIVE_FORMAT_7ZIP: return SK_TYPE_7Z;
    case ARCHIVE_FORMAT_RAR: return SK_TYPE_RAR;
    case ARCHIVE_FORMAT_RAR_V5: return SK_TYPE_RAR5;
    case ARCHIVE_FORMAT_TAR: return SK_TYPE_TAR;
    case ARCHIVE_FORMAT_CPIO: return SK_TYPE_CPIO;
    case ARCHIVE_FORMAT_CAB: return SK_TYPE_CAB;
    case ARCHIVE_FORMAT_LHA: return SK_TYPE_LHA;
    case ARCHIVE_FORMAT_ISO9660: return SK_TYPE_ISO9660;
    case ARCHIVE_FORMAT_XAR: return SK_TYPE_XAR;
    case ARCHIVE_FORMAT_AR: return SK_TYPE_AR;
    default: return SK_TYPE_DATA;
    }
}

/* After the first header: record the filters around the format, and let the
 * node's type say what the archive is (a tar inside xz is a "tar"). */
static void describe_container(struct sk_unpack *u, struct archive_state *st)
{
    char filters[128] = "";
    size_t used = 0;
    int count = archive_filter_count(st->a);
    for (int i = 0; i < count && used < sizeof filters - 1; i++) {
        if (archive_filter_code(st->a, i) == ARCHIVE_FILTER_NONE)
            continue;
        const char *name = archive_filter_name(st->a, i);
        int n = snprintf(filters + used, sizeof filters - used, "%s%s", used ? "," : "",
                         name ? name : "?");
        if (n > 0)
            used += (size_t)n;
    }
    enum sk_type type = type_of_format(archive_format(st->a));
    /* An OOXML package stays "ooxml": the OOXML unpacker reads its parts
     * knowing whose they are. */
    if (type != SK_TYPE_DATA && type != u->node->type && u->node->type != SK_TYPE_OOXML) {
        sk_unpack_set_type(u, type);
        if (used)
            sk_unpack_set_filters(u, filters);
    }
}

/* A bare compressed stream's child: libarchive calls it "data"; a name from
 * the container's own name (invoice.doc.gz -> invoice.doc) says more. */
static const char *raw_child_name(struct archive_state *st, const char *container,
                                  const char *given)
{
    if (given && *given && strcmp(given, "data") != 0)
        return given;
    static const char *const suffixes[] = {".gz",  ".gzip", ".bz2", ".xz",  ".lzma", ".zst",
                                           ".lz4", ".Z",    ".uu",  ".tgz", ".tbz2", ".txz"};
    size_t len = strlen(container);
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        size_t sl = strlen(suffixes[i]);
        if (len > sl && strcasecmp(container + len - sl, suffixes[i]) == 0) {
            bool to_tar = suffixes[i][1] == 't';
            snprintf(st->raw_name, sizeof st->raw_name, "%.*s%s", (int)(len - sl), container,
                     to_tar ? ".tar" : "");
            return st->raw_name;
        }
    }
    return "data";
}

/* Whether libarchive's block (p, n) lies within the archive we handed it.
 * Compared as addresses: the block may point into a buffer of libarchive's
 * own, and relational operators between pointers to different objects are
 * undefined. */
static bool inside(const struct archive_state *st, const void *p, size_t n)
{
    uintptr_t at = (uintptr_t)p, lo = (uintptr_t)st->data;
    return at >= lo && at - lo <= st->size && n <= st->size - (at - lo);
}

/* Appends zeros for a sparse hole, through the same limits. */
static int fill_hole(struct sk_unpack *u, struct sk_buf *buf, size_t upto)
{
    static const uint8_t zeros[4096];
    while (buf->len < upto) {
        size_t n = upto - buf->len < sizeof zeros ? upto - buf->len : sizeof zeros;
        int rc = sk_unpack_append(u, buf, zeros, n);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* Reads the current entry's bytes into buf. A member stored whole and
 * uncompressed inside our own memory becomes a view, not a copy. Returns 0,
 * SK_ELIMIT (buf holds what fit), SK_ECORRUPT (libarchive's message in
 * *why) or SK_ENOMEM. */
static int read_entry(struct sk_unpack *u, struct archive_state *st, struct archive *a,
                      struct archive_entry *e, struct sk_buf *buf, const char **why)
{
    int64_t declared = archive_entry_size_is_set(e) ? archive_entry_size(e) : 0;
    if (declared > 0 && sk_unpack_reserve(u, buf, (uint64_t)declared) == SK_ENOMEM)
        return SK_ENOMEM;
    for (;;) {
        const void *block;
        size_t n;
        la_int64_t offset;
        int r = archive_read_data_block(a, &block, &n, &offset);
        if (r == ARCHIVE_EOF)
            return 0;
        if (r != ARCHIVE_OK) {
            *why = archive_error_string(a);
            return SK_ECORRUPT;
        }
        if (offset < 0 || (uint64_t)offset < buf->len) {
            *why = "entry data blocks out of order";
            return SK_ECORRUPT;
        }
        if (buf->len == 0 && offset == 0 && (int64_t)n == declared && n > 0 &&
            inside(st, block, n)) {
            int rc = sk_unpack_view(u, buf, block, n);
            if (rc != 0)
                return rc;
            continue;
        }
        int rc = fill_hole(u, buf, (size_t)offset);
        if (rc == 0)
            rc = sk_unpack_append(u, buf, block, n);
        if (rc != 0)
            return rc;
    }
}

/* Opens a fresh handle with one passphrase and moves it to entry `index`. */
static struct archive *handle_at(struct archive_state *st, const char *passphrase,
                                 unsigned index, struct archive_entry **e)
{
    struct archive *a = reader_new(st->data, st->size, st->formats, passphrase);
    if (!a)
        return NULL;
    for (unsigned i = 0; i <= index; i++) {
        if (archive_read_next_header(a, e) != ARCHIVE_OK) {
            archive_read_free(a);
            return NULL;
        }
    }
    return a;
}

/* Reads entry `index` with one candidate on a fresh handle, keyed with
 * `passphrase` (the candidate's UTF-8 value or its CP932 bytes): 0 (bytes in
 * child, possibly cut by a limit), SK_ENOMEM, or another code when the
 * candidate does not open it. */
static int read_with(struct sk_unpack *u, struct archive_state *st, unsigned index,
                     const struct sk_password *candidate, const char *passphrase,
                     struct sk_child *child)
{
    struct archive_entry *e;
    struct archive *a = handle_at(st, passphrase, index, &e);
    if (!a)
        return SK_ECORRUPT;
    struct sk_buf plain = {0};
    const char *why = NULL;
    int rc = read_entry(u, st, a, e, &plain, &why);
    if (why && strstr(why, "not supported"))
        child->unopened_why = "libarchive cannot decrypt this format's encryption";
    archive_read_free(a);
    if (rc == 0 || rc == SK_ELIMIT) {
        /* Under a limit the bytes so far decrypted and decompressed
         * cleanly; the CRC could not be reached, so say it was cut. */
        child->data = plain;
        child->truncated = rc == SK_ELIMIT;
        child->password = candidate;
        sk_unpack_mark_encrypted(u, candidate);
        return 0;
    }
    sk_buf_release(&plain);
    return rc == SK_ENOMEM ? rc : SK_ECORRUPT;
}

/* Why a member of a method libarchive cannot decompress stays unopened,
 * naming the method (APPNOTE 4.4.5). Static text, as unopened_why wants. */
#define UNREADABLE(number, name)                                                               \
    "compression method " #number " (" name ") cannot be decompressed here; the password "
#define METHOD_WHY(number, name)                                                               \
    number, UNREADABLE(number, name) "could not be verified",                                  \
        UNREADABLE(number, name) "is verified"

static const char *zip_method_why(uint16_t method, bool verified)
{
    static const struct {
        uint16_t method;
        const char *unverified, *verified;
    } known[] = {{METHOD_WHY(1, "Shrink")},     {METHOD_WHY(6, "Implode")},
                 {METHOD_WHY(9, "Deflate64")},  {METHOD_WHY(10, "PKWARE DCL Implode")},
                 {METHOD_WHY(93, "Zstandard")}, {METHOD_WHY(97, "WavPack")}};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (known[i].method == method)
            return verified ? known[i].verified : known[i].unverified;
    return verified ? "its compression method cannot be decompressed here; the password is "
                      "verified"
                    : "its compression method cannot be decompressed here; the password could "
                      "not be verified";
}

/* Reads the member decrypted with one candidate form into a plain
 * one-member ZIP (sk_zip_decrypt_member): libarchive 3.6 decrypts only
 * stored and deflated members, but decompresses bzip2, LZMA, xz and PPMd
 * ones when they come plain, checking the CRC-32 (where AE-2 recorded none,
 * the authentication code already proved the bytes). 0 (bytes in child,
 * possibly cut by a limit), SK_EUNSUPPORTED (libarchive cannot decompress
 * the method), SK_ENOMEM, or SK_ECORRUPT (this candidate does not open it). */
static int read_plain_copy(struct sk_unpack *u, struct archive_state *st, unsigned index,
                           const char *raw_name, const char *password, size_t len,
                           bool crc_known, struct sk_child *child)
{
    uint8_t *zip;
    size_t zip_len;
    int rc =
        sk_zip_decrypt_member(st->zip_index, raw_name, index, password, len, &zip, &zip_len);
    if (rc != 0)
        return rc == SK_ENOMEM ? rc : SK_ECORRUPT;
    struct archive *a = archive_read_new();
    struct archive_entry *e;
    struct sk_buf plain = {0};
    const char *why = NULL;
    rc = SK_ECORRUPT;
    if (a && archive_read_support_format_zip(a) == ARCHIVE_OK &&
        (crc_known ||
         archive_read_set_format_option(a, "zip", "ignorecrc32", "1") == ARCHIVE_OK) &&
        archive_read_open_memory(a, zip, zip_len) == ARCHIVE_OK &&
        archive_read_next_header(a, &e) == ARCHIVE_OK)
        rc = read_entry(u, st, a, e, &plain, &why);
    bool unsupported = rc == SK_ECORRUPT && why && strstr(why, "Unsupported ZIP compression");
    archive_read_free(a);
    free(zip);
    if (rc == 0 || rc == SK_ELIMIT) {
        child->data = plain;
        child->truncated = rc == SK_ELIMIT;
        return 0;
    }
    sk_buf_release(&plain);
    return rc == SK_ENOMEM ? rc : unsupported ? SK_EUNSUPPORTED : SK_ECORRUPT;
}

#define ZIP_VERIFIED_UNREAD "the password verifies but libarchive cannot read it"

/* The candidate forms of open_zip_member, each with the candidate it is. */
struct zip_forms {
    const struct sk_password *const *candidates;
    const char **values;
    size_t *lengths;
    size_t *owner;
    size_t n;
};

/* A member of a method other than stored and deflate. An AES candidate is
 * proven by the trial (verifier and authentication code); a ZipCrypto one
 * only passes the check byte there and is proven by decompressing it to its
 * CRC-32, the search going on after one that fails. A method libarchive
 * cannot decompress leaves the member unopened, saying whether the password
 * is verified. SK_DONE: no candidate opens it. */
static int open_zip_other(struct sk_unpack *u, struct archive_state *st, unsigned index,
                          const char *raw_name, const struct zip_forms *f,
                          struct sk_child *child)
{
    uint16_t method;
    bool aes, crc_known;
    int rc = sk_zip_member_method(st->zip_index, raw_name, index, &method, &aes, &crc_known);
    for (size_t from = 0; rc == 0 && from < f->n;) {
        size_t found = 0;
        bool partial = false;
        rc = sk_zip_find_password(
            st->zip_index, raw_name, index, f->values + from, f->lengths + from, f->n - from,
            sk_unpack_limits(u)->max_node_bytes, sk_unpack_deadline(u), &found, &partial);
        if (rc != 0)
            return rc;
        found += from;
        const struct sk_password *candidate = f->candidates[f->owner[found]];
        int read = read_plain_copy(u, st, index, raw_name, f->values[found], f->lengths[found],
                                   crc_known, child);
        if (read == 0) {
            child->password = candidate;
            sk_unpack_mark_encrypted(u, candidate);
            return 0;
        }
        if (read == SK_ENOMEM)
            return read;
        if (aes || read == SK_EUNSUPPORTED) {
            if (aes && read != SK_EUNSUPPORTED)
                sk_child_verified_unopened(child, candidate, ZIP_VERIFIED_UNREAD);
            else if (aes)
                sk_child_verified_unopened(child, candidate, zip_method_why(method, true));
            else
                child->unopened_why = zip_method_why(method, false);
            sk_unpack_mark_encrypted(u, NULL);
            return 0;
        }
        from = found + 1;
    }
    return rc == 0 ? SK_DONE : rc;
}

/* A stored or deflated member: the trial verifies the candidate in full
 * and libarchive reads the member with it. */
static int open_zip_trial(struct sk_unpack *u, struct archive_state *st, unsigned index,
                          const char *raw_name, const struct zip_forms *f,
                          struct sk_child *child)
{
    size_t found = 0;
    bool partial = false;
    int rc = sk_zip_find_password(st->zip_index, raw_name, index, f->values, f->lengths, f->n,
                                  sk_unpack_limits(u)->max_node_bytes, sk_unpack_deadline(u),
                                  &found, &partial);
    if (rc != 0)
        return rc;
    /* The trial proved the candidate (its CRC-32 or AES code verified) but
     * libarchive could not read the member with it: handed back unopened,
     * the password shown as verified for the sandbox. A trial cut by its
     * inflate budget (partial) proved less: the old fallback runs. */
    const struct sk_password *candidate = f->candidates[f->owner[found]];
    rc = read_with(u, st, index, candidate, f->values[found], child);
    if (rc == 0 || rc == SK_ENOMEM)
        return rc;
    if (partial)
        return SK_EUNSUPPORTED;
    sk_child_verified_unopened(child, candidate, ZIP_VERIFIED_UNREAD);
    sk_unpack_mark_encrypted(u, NULL);
    return 0;
}

/* Whether the member is stored or deflated (or the trial cannot say). */
static bool zip_member_plain_method(const struct archive_state *st, unsigned index,
                                    const char *raw_name)
{
    uint16_t method;
    bool aes, crc_known;
    return sk_zip_member_method(st->zip_index, raw_name, index, &method, &aes, &crc_known) !=
               0 ||
           method == 0 || method == 8;
}

/* A ZIP member: the central directory is parsed once and each candidate
 * costs only its key set-up and the cheap check (unpackers/zip_trial.c);
 * the one that verifies fully is then read through libarchive. SK_DONE:
 * no candidate opens it; SK_EUNSUPPORTED: the trial cannot tell (the
 * caller falls back to one libarchive handle per candidate). */
static int open_zip_member(struct sk_unpack *u, struct archive_state *st, unsigned index,
                           const char *raw_name, struct sk_child *child)
{
    if (!st->zip_index_tried) {
        st->zip_index_tried = true;
        if (sk_zip_index_open(st->data, st->size, SK_CAP_NODES, &st->zip_index) != 0)
            st->zip_index = NULL;
    }
    if (!st->zip_index)
        return SK_EUNSUPPORTED;
    const struct sk_password *const *candidates;
    size_t n = sk_unpack_passwords(u, &candidates);
    /* Each candidate in its UTF-8 bytes (7-Zip, Info-ZIP in a UTF-8 locale)
     * and, when it is not ASCII, in CP932 (Lhaplus, Explzh and Windows
     * Explorer on a Japanese system key ZipCrypto with the ANSI code page):
     * one candidate, one rank, tried in both forms one after the other. */
    size_t cap = n ? 2 * n : 1;
    const char **values = calloc(cap, sizeof *values);
    size_t *lengths = calloc(cap, sizeof *lengths);
    size_t *owner = calloc(cap, sizeof *owner);
    char **cp932 = calloc(n ? n : 1, sizeof *cp932);
    int rc = values && lengths && owner && cp932 ? 0 : SK_ENOMEM;
    size_t forms = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        values[forms] = candidates[i]->value;
        lengths[forms] = candidates[i]->len;
        owner[forms++] = i;
        size_t len;
        cp932[i] = sk_text_to_cp932(candidates[i]->value, candidates[i]->len, &len);
        if (cp932[i]) {
            values[forms] = cp932[i];
            lengths[forms] = len;
            owner[forms++] = i;
        }
    }
    struct zip_forms f = {candidates, values, lengths, owner, forms};
    if (rc == 0 && !zip_member_plain_method(st, index, raw_name))
        rc = open_zip_other(u, st, index, raw_name, &f, child);
    else if (rc == 0)
        rc = open_zip_trial(u, st, index, raw_name, &f, child);
    for (size_t i = 0; cp932 && i < n; i++)
        free(cp932[i]);
    free(cp932);
    free(owner);
    free(values);
    free(lengths);
    if (rc == 0 || rc == SK_DONE || rc == SK_ELIMIT || rc == SK_ENOMEM)
        return rc;
    return SK_EUNSUPPORTED;
}

/* Tries each candidate on the encrypted entry `index`. On success the child
 * holds the plain bytes and the candidate that opened them. */
static int open_encrypted(struct sk_unpack *u, struct archive_state *st, unsigned index,
                          const char *raw_name, struct sk_child *child)
{
    const struct sk_password *const *candidates;
    size_t n = sk_unpack_passwords(u, &candidates);
    child->encrypted = true;
    bool zip = (archive_format(st->a) & ARCHIVE_FORMAT_BASE_MASK) == ARCHIVE_FORMAT_ZIP;
    if (zip) {
        int rc = open_zip_member(u, st, index, raw_name, child);
        if (rc == 0 || rc == SK_ENOMEM)
            return rc;
        if (rc == SK_DONE || rc == SK_ELIMIT) {
            sk_unpack_mark_encrypted(u, NULL);
            return 0;
        }
    }
    for (size_t i = 0; i < n && !sk_unpack_expired(u); i++) {
        int rc = read_with(u, st, index, candidates[i], candidates[i]->value, child);
        if (rc == 0 || rc == SK_ENOMEM)
            return rc;
        /* The same candidate in CP932 bytes, as in open_zip_member; 7z and
         * RAR derive their keys from the password's UTF-16 form. */
        size_t len;
        char *cp932 =
            zip ? sk_text_to_cp932(candidates[i]->value, candidates[i]->len, &len) : NULL;
        if (cp932)
            rc = read_with(u, st, index, candidates[i], cp932, child);
        free(cp932);
        if (rc == 0 || rc == SK_ENOMEM)
            return rc;
    }
    sk_unpack_mark_encrypted(u, NULL);
    return 0;
}

/* The archive's very headers are encrypted (7z -mhe): find the candidate
 * that opens them and continue on a handle that has it. */
static int open_encrypted_headers(struct sk_unpack *u, struct archive_state *st,
                                  struct archive_entry **e)
{
    const struct sk_password *const *candidates;
    size_t n = sk_unpack_passwords(u, &candidates);
    for (size_t i = 0; i < n && !sk_unpack_expired(u); i++) {
        struct archive *a = reader_new(st->data, st->size, st->formats, candidates[i]->value);
        if (a && archive_read_next_header(a, e) == ARCHIVE_OK) {
            archive_read_free(st->a);
            st->a = a;
            st->header_password = candidates[i];
            sk_unpack_mark_encrypted(u, candidates[i]);
            return ARCHIVE_OK;
        }
        archive_read_free(a);
    }
    return ARCHIVE_FATAL;
}

static int next_header(struct sk_unpack *u, struct archive_state *st, struct archive_entry **e)
{
    int r = archive_read_next_header(st->a, e);
    if (r == ARCHIVE_FATAL && st->entries_seen == 0 &&
        mentions_encryption(archive_error_string(st->a))) {
        if (open_encrypted_headers(u, st, e) == ARCHIVE_OK)
            return ARCHIVE_OK;
        /* The handle was not replaced: its error still says why. */
    }
    return r;
}

static int read_member(struct sk_unpack *u, struct archive_state *st, struct archive_entry *e,
                       struct sk_child *child);

/* An LHA name's stored bytes, read back from the code points that
 * ISO-8859-1 made of them (reader_new), into st->raw_name; NULL when a
 * code point does not fit a byte (not read that way) or there is none. */
static const char *lha_name(struct archive_state *st, struct archive_entry *e)
{
    const wchar_t *w = archive_entry_pathname_w(e);
    if (!w)
        return NULL;
    size_t n = 0;
    for (; w[n] && n < SK_MAX_NAME_BYTES; n++) {
        if (w[n] < 0 || w[n] > 0xff)
            return NULL;
        st->raw_name[n] = (char)w[n];
    }
    st->raw_name[n] = '\0';
    return st->raw_name;
}

/* A RAR4 member after the trial: decrypted in the copy (read, with the
 * candidate that opened it), still encrypted (unopened), or plain. */
static int rar4_member(struct sk_unpack *u, struct archive_state *st, struct archive_entry *e,
                       bool encrypted, struct sk_child *child)
{
    const struct sk_rar4_opened *o = (const struct sk_rar4_opened *)st->rar4_opened.p;
    size_t count = st->rar4_opened.len / sizeof *o;
    for (size_t i = 0; i < count; i++) {
        if (o[i].file_index != st->entries_seen - 1)
            continue;
        const struct sk_password *const *candidates;
        size_t n = sk_unpack_passwords(u, &candidates);
        const struct sk_password *pw = o[i].candidate < n ? candidates[o[i].candidate] : NULL;
        int rc = read_member(u, st, e, child);
        child->encrypted = true;
        child->password = pw;
        sk_unpack_mark_encrypted(u, pw);
        return rc;
    }
    if (!encrypted)
        return read_member(u, st, e, child);
    child->encrypted = true;
    child->unopened_why = st->rar4_unopened_why;
    sk_unpack_mark_encrypted(u, NULL);
    return 0;
}

static int fill_child(struct sk_unpack *u, struct archive_state *st, struct archive_entry *e,
                      struct sk_child *child)
{
    /* The name's bytes as stored: libarchive converts a name only where the
     * format says its charset (ZIP's bit 11 and its Unicode Path extra field
     * 0x7075, whose CRC-32 of the stored name it checks; pax's UTF-8; 7z's
     * and RAR's UTF-16); what it leaves as bytes (a CP932 ZIP from Explorer
     * or Lhaplus, ustar, cpio) is decoded by sk_name_decode. In the C.UTF-8
     * locale (cli/main.c) a converted name reads back as UTF-8. */
    const char *name = NULL;
    if ((archive_format(st->a) & ARCHIVE_FORMAT_BASE_MASK) == ARCHIVE_FORMAT_LHA)
        name = lha_name(st, e);
    if (!name)
        name = archive_entry_pathname(e);
    if (!name)
        name = archive_entry_pathname_utf8(e);
    if (st->raw && archive_format(st->a) == ARCHIVE_FORMAT_RAW)
        name = raw_child_name(st, u->node->name, name);
    child->name_len =
        name ? sk_name_decode(name, strlen(name), false, st->name, SK_MAX_NAME_BYTES) : 0;
    child->name = name ? st->name : "";
    child->declared_size = archive_entry_size_is_set(e) ? (uint64_t)archive_entry_size(e) : 0;

    bool encrypted = archive_entry_is_data_encrypted(e) > 0;
    if (st->rar4_tried)
        return rar4_member(u, st, e, encrypted, child);
    if (encrypted && !st->header_password)
        return open_encrypted(u, st, st->entries_seen - 1, archive_entry_pathname(e), child);
    if (encrypted) {
        child->encrypted = true;
        child->password = st->header_password;
    }
    return read_member(u, st, e, child);
}

/* Reads the main handle's current entry into the child. Bad data is
 * reported and ends the container. */
static int read_member(struct sk_unpack *u, struct archive_state *st, struct archive_entry *e,
                       struct sk_child *child)
{
    const char *why = NULL;
    int rc = read_entry(u, st, st->a, e, &child->data, &why);
    if (rc == SK_ELIMIT) {
        child->truncated = true;
        return 0;
    }
    if (rc == SK_ECORRUPT) {
        /* Keep what was read: it is scanned, and the reason says the rest
         * could not be. The handle is not asked for more: skipping past bad
         * data is where libarchive 3.6's readers have crashed on fuzzed
         * input (a NULL read in the CAB reader's skip, found here). */
        st->broken = true;
        child->truncated = true;
        sk_unpack_fail(u, "archive", SK_ECORRUPT, "%s: %s", child->name,
                       why ? why : "bad entry data");
        return 0;
    }
    return rc;
}

/* A ZIP whose central directory and local headers disagree (sizes, CRC,
 * method, data past the end) is reported corrupt; libarchive follows the
 * local headers and what it reads is still scanned. */
static void check_zip_headers(struct sk_unpack *u, struct archive_state *st)
{
    if ((archive_format(st->a) & ARCHIVE_FORMAT_BASE_MASK) != ARCHIVE_FORMAT_ZIP)
        return;
    if (!st->zip_index_tried) {
        st->zip_index_tried = true;
        if (sk_zip_index_open(st->data, st->size, SK_CAP_NODES, &st->zip_index) != 0)
            st->zip_index = NULL;
    }
    const uint8_t *name;
    size_t name_len;
    const char *what;
    if (st->zip_index && sk_zip_index_check(st->zip_index, &name, &name_len, &what) != 0)
        sk_unpack_fail(u, "archive", SK_ECORRUPT,
                       "%.*s: the central directory and the local header disagree (%s)",
                       (int)(name_len > 200 ? 200 : name_len), (const char *)name, what);
}

/* Formats whose reader must seek (7z: the header is at the end; ZIP: the
 * central directory is, and the ZIP checks and password trial parse it
 * from memory), whose header walk needs the whole archive (RAR5,
 * unpackers/rar5.c), or that another unpacker reads from memory (CAB:
 * libmspack in cab.c reads cabinets libarchive refuses, WiX's shared data
 * ranges). Under a filter libarchive reads them as a stream: its 7z reader
 * fails, its ZIP reader trusts the local headers. */
static bool seeking_format(const uint8_t *b, size_t n)
{
    static const uint8_t sevenzip[] = {'7', 'z', 0xBC, 0xAF, 0x27, 0x1C};
    static const uint8_t rar5[] = {'R', 'a', 'r', '!', 0x1A, 0x07, 0x01, 0x00};
    static const uint8_t cab[] = {'M', 'S', 'C', 'F', 0, 0, 0, 0};
    /* local file header, end of central directory, spanned-archive marker */
    static const uint8_t pk[][4] = {{'P', 'K', 3, 4}, {'P', 'K', 5, 6}, {'P', 'K', 7, 8}};
    struct sk_reader r = sk_reader_make(b, n);
    if (sk_reader_match(&r, 0, sevenzip, sizeof sevenzip) ||
        sk_reader_match(&r, 0, cab, sizeof cab) || sk_reader_match(&r, 0, rar5, sizeof rar5))
        return true;
    for (size_t i = 0; i < sizeof pk / sizeof pk[0]; i++)
        if (sk_reader_match(&r, 0, pk[i], sizeof pk[i]))
            return true;
    return false;
}

/* Decompresses the first bytes of a compressed stream on a raw handle of
 * its own (a few blocks at most) and says whether a seeking format starts
 * there. Anything that goes wrong here answers "no": the main handle then
 * meets the same bytes and reports them. */
static int under_filter_is_seeking(const struct archive_state *st, bool *yes)
{
    *yes = false;
    struct archive *a = reader_new(st->data, st->size, FORMATS_RAW_ONLY, NULL);
    if (!a)
        return SK_ENOMEM;
    uint8_t head[8];
    size_t have = 0;
    struct archive_entry *e;
    if (archive_read_next_header(a, &e) == ARCHIVE_OK) {
        /* A filter may hand back short blocks: gather the 8 bytes the
         * signatures need from at most a few of them. */
        for (int i = 0; i < 16 && have < sizeof head; i++) {
            const void *block;
            size_t n;
            la_int64_t offset;
            if (archive_read_data_block(a, &block, &n, &offset) != ARCHIVE_OK ||
                offset != (la_int64_t)have)
                break;
            size_t take = n < sizeof head - have ? n : sizeof head - have;
            memcpy(head + have, block, take);
            have += take;
        }
    }
    archive_read_free(a);
    *yes = seeking_format(head, have);
    return 0;
}

/* A compressed stream holding a 7z, ZIP or RAR5 is handed back whole, as
 * one child (x.7z.gz -> x.7z) that the engine sniffs and opens again from
 * memory, where those readers can seek. Its bytes come through
 * sk_unpack_append like any member's, so every limit applies to them. */
static int materialise_if_seeking(struct archive_state *st)
{
    st->peeked = true;
    bool yes;
    int rc = under_filter_is_seeking(st, &yes);
    if (rc != 0 || !yes)
        return rc;
    struct archive *a = reader_new(st->data, st->size, FORMATS_RAW_ONLY, NULL);
    if (!a)
        return SK_ENOMEM;
    archive_read_free(st->a);
    st->a = a;
    st->formats = FORMATS_RAW_ONLY;
    return 0;
}

/* Moves the main handle to entry `index`. libarchive skips the members in
 * between without reading their data (a non-solid RAR5 just steps over
 * it), so an encrypted member's ciphertext is never decoded. */
static int rar5_seek(struct sk_unpack *u, struct archive_state *st, unsigned index,
                     struct archive_entry **e)
{
    *e = NULL;
    while (st->entries_seen <= index) {
        int r = archive_read_next_header(st->a, e);
        if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
            st->broken = true;
            return library_failure(u, st->a, "reading the next member");
        }
        if (st->entries_seen++ == 0)
            describe_container(u, st);
    }
    if (!*e) {
        st->broken = true;
        sk_unpack_fail(u, "archive", SK_EINTERNAL, "RAR5 member %u is behind libarchive",
                       index);
        return SK_EINTERNAL;
    }
    return 0;
}

/* The decrypted member at file index `index`, or NULL when it came plain. */
static const struct sk_rar5_opened *rar5_opened(const struct archive_state *st, unsigned index)
{
    const struct sk_rar5_opened *o = (const struct sk_rar5_opened *)st->rar5_opened.p;
    size_t n = st->rar5_opened.len / sizeof *o;
    for (size_t i = 0; i < n; i++)
        if (o[i].file_index == index)
            return &o[i];
    return NULL;
}

/* A member the rewrite decrypted: the candidate that opened it, and the
 * checksum the key turned into a MAC (dropped from the copy, so libarchive
 * did not check it) checked here. A mismatch keeps the bytes, which are
 * scanned, and says the member is corrupt. A member libarchive could not
 * decompress at all is handed back unopened with its proven password, for
 * the sandbox. */
static void rar5_opened_member(struct sk_unpack *u, struct archive_state *st,
                               const struct sk_rar5_opened *o, struct sk_child *child)
{
    const struct sk_password *const *candidates;
    size_t n = sk_unpack_passwords(u, &candidates);
    const struct sk_password *pw = st->header_password;
    if (o->candidate < n)
        pw = candidates[o->candidate];
    child->encrypted = true;
    child->password = pw;
    sk_unpack_mark_encrypted(u, pw);
    if (child->data.len == 0 && child->truncated && child->declared_size > 0) {
        sk_child_verified_unopened(child, pw, "decrypted, but its data could not be unpacked");
        return;
    }
    if (!o->tweaked || !o->has_crc || child->truncated)
        return;
    uint32_t crc = (uint32_t)crc32_z(0L, child->data.p, child->data.len);
    if (sk_rar5_crc_mac(o->hash_key, crc) != o->crc) {
        child->truncated = true;
        sk_unpack_fail(u, "archive", SK_ECORRUPT, "%s: RAR5 checksum mismatch after decryption",
                       child->name);
    }
}

/* A RAR5 with encrypted members, the header walk leading: every member is
 * listed; encrypted ones are handed back unopened (libarchive 3.6 cannot
 * decrypt RAR5), plain ones are read through libarchive, which must agree
 * with the walk on the member's name. In a solid archive nothing after an
 * encrypted member can be decompressed without its password. */
static int rar5_next(struct sk_unpack *u, struct archive_state *st, struct sk_child *child)
{
    for (;;) {
        if (st->broken || sk_unpack_expired(u))
            return SK_DONE;
        struct sk_rar5_file f;
        int rc = sk_rar5_next(&st->rar5, &f);
        if (rc == SK_DONE)
            return SK_DONE;
        if (rc != 0) {
            /* Bad headers or too many of them: the input's fault. */
            sk_unpack_fail(u, "archive", SK_ECORRUPT, "%s",
                           st->rar5.why ? st->rar5.why : "RAR5 header walk failed");
            return SK_ECORRUPT;
        }
        unsigned index = st->rar5_files++;
        if (f.directory || f.link)
            continue;
        /* A NUL-terminated copy: messages print the name with %s. */
        size_t name_len = f.name_len < SK_MAX_NAME_BYTES ? f.name_len : SK_MAX_NAME_BYTES;
        memcpy(st->name, f.name, name_len);
        st->name[name_len] = '\0';
        child->name = st->name;
        child->name_len = name_len;
        child->declared_size = f.size_unknown ? 0 : f.unpacked_size;
        if (f.encrypted || st->rar5_chain_broken) {
            child->encrypted = true;
            child->unopened_why = !f.encrypted ? "its solid stream runs through an encrypted member"
                                  : st->rar5_unopened_why ? st->rar5_unopened_why
                                                          : "RAR5 encryption: not tried";
            if (st->rar5.solid)
                st->rar5_chain_broken = true;
            sk_unpack_mark_encrypted(u, NULL);
            return 0;
        }
        struct archive_entry *e;
        rc = rar5_seek(u, st, index, &e);
        if (rc != 0)
            return rc;
        const char *name = archive_entry_pathname_utf8(e);
        if (!name || strlen(name) != f.name_len || memcmp(name, f.name, f.name_len) != 0 ||
            archive_entry_is_data_encrypted(e) > 0) {
            st->broken = true;
            sk_unpack_fail(u, "archive", SK_ECORRUPT,
                           "libarchive and the RAR5 header walk disagree on member %u", index);
            return SK_ECORRUPT;
        }
        const struct sk_rar5_opened *opened = rar5_opened(st, index);
        rc = read_member(u, st, e, child);
        if (rc == 0 && opened)
            rar5_opened_member(u, st, opened, child);
        return rc;
    }
}

static int next_entry(struct sk_unpack *u, void *state, struct sk_child *child)
{
    struct archive_state *st = state;
    if (st->rar4_headers_encrypted) {
        sk_unpack_mark_encrypted(u, NULL);
        sk_unpack_fail(u, "archive", SK_EENCRYPTED,
                       "RAR4 headers are encrypted (rar -hp): its members cannot be listed");
        return SK_EENCRYPTED;
    }
    if (st->rar5_headers_encrypted) {
        /* Names are encrypted too: the archive as a whole is unopened. */
        sk_unpack_mark_encrypted(u, NULL);
        sk_unpack_fail(u, "archive", SK_EENCRYPTED,
                       "RAR5 headers are encrypted: its members cannot be listed");
        return SK_EENCRYPTED;
    }
    if (st->rar5_leads)
        return rar5_next(u, st, child);
    if (st->sevenz)
        return sk_7z_next(u, st->sevenz, child);
    for (;;) {
        if (st->broken || sk_unpack_expired(u))
            return SK_DONE;
        if (st->raw && !st->peeked && st->formats == FORMATS_AND_RAW) {
            int rc = materialise_if_seeking(st);
            if (rc != 0)
                return rc;
        }
        struct archive_entry *e;
        int r = next_header(u, st, &e);
        if (r == ARCHIVE_EOF && st->entries_seen == 0 && st->raw &&
            st->formats != FORMATS_RAW_ONLY) {
            /* A stream that decompresses to something an archive reader
             * calls empty (a tar reader stops at two zero blocks) must not
             * hide what follows: scan the whole stream as one child. */
            struct archive *a = reader_new(st->data, st->size, FORMATS_RAW_ONLY, NULL);
            if (!a)
                return SK_ENOMEM;
            archive_read_free(st->a);
            st->a = a;
            st->formats = FORMATS_RAW_ONLY;
            continue;
        }
        if (r == ARCHIVE_EOF) {
            if (st->entries_seen == 0)
                describe_container(u, st);
            if (st->rar5_bad) {
                sk_unpack_fail(u, "archive", SK_ECORRUPT, "%s", st->rar5_bad);
                return SK_ECORRUPT;
            }
            return SK_DONE;
        }
        if (r != ARCHIVE_OK && r != ARCHIVE_WARN && st->rar4_solid_unopened) {
            /* libarchive stops at the first member flagged solid. */
            sk_unpack_mark_encrypted(u, NULL);
            sk_unpack_fail(u, "archive", SK_EENCRYPTED,
                           "%u encrypted solid RAR4 members left unopened: libarchive 3.6 "
                           "cannot read RAR4 members flagged solid, so no password can be proven",
                           st->rar4_solid_unopened);
            return SK_EENCRYPTED;
        }
        if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
            return library_failure(
                u, st->a, st->entries_seen ? "reading the next member" : "opening the archive");
        if (st->entries_seen++ == 0) {
            describe_container(u, st);
            check_zip_headers(u, st);
        }
        /* Folders, links and devices hold nothing to scan. Type 0 is not
         * skipped: ar members carry no file type at all. */
        unsigned type = archive_entry_filetype(e);
        if (type != AE_IFREG && type != 0)
            continue;
        return fill_child(u, st, e, child);
    }
}

const struct sk_unpacker sk_unpacker_archive = {
    .name = "archive",
    .bid = bid,
    .open = open_archive,
    .next = next_entry,
    .close = close_archive,
};
