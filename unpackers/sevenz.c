/* Encrypted 7z archives: which candidate opens each encrypted header and
 * folder, and the files as children.
 *
 * Spec: 7-Zip's DOC/7zFormat.txt (through sevenz_header.c) and 7zAes.cpp
 * (through sevenz_aes.c). 7zAES has no check value: a candidate is judged
 * by a cheap check first (the first plaintext block must be what the next
 * coder reads first, the zero padding of the last block must be zero:
 * sk_7z_precheck), then by decoding the whole folder and its CRCs.
 * Supports: encrypted headers (-mhe), encrypted folders among plain ones,
 * solid folders (decoded once, split by the substream sizes), empty files.
 * A candidate is tried in its UTF-16LE form only: 7-Zip hashes that on
 * every system, so ZIP's CP932 variants (zip_trial.c) do not apply.
 * Refuses: what the folder decoder refuses (PPMd, Deflate64, ...), named
 * in error.unsupported; the files stay encrypted and unopened.
 * Limits: the header's counts by max-nodes; a folder's bytes by
 * max-total-bytes and the ratio limit before anything is allocated; key
 * derivation by the request's deadline (checked inside it) and the key
 * cache (each salt, cycles and password derived once per request). */
#include "sevenz.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "../engine/error.h"
#include "../engine/text.h"
#include "sevenz_coders.h"
#include "sevenz_header.h"

#define MAX_HEADER_LEVELS 4 /* kEncodedHeader inside kEncodedHeader: 7-Zip writes one */
#define STRONG_EVIDENCE 24  /* cheap-check bits that make a CRC failure "corrupt" */

enum folder_state { FOLDER_NONE, FOLDER_OPEN, FOLDER_UNOPENED, FOLDER_FAILED };

struct sk_7z_reader {
    struct sk_7z_archive ar;
    struct sk_7z_streams header_streams; /* an encoded header's, awaiting a password */
    uint8_t *header_owner;               /* the bytes header_streams points into */
    bool header_locked;
    const struct sk_password *header_password;
    const struct sk_password *last_password; /* opened the last folder: tried first */
    struct sk_7z_key_cache cache;
    size_t next_file;
    size_t folder;
    enum folder_state state;
    uint8_t *folder_data;
    bool folder_encrypted;
    const struct sk_password *folder_password;
    const char *folder_why;
    char name[SK_MAX_NAME_BYTES + 1];
};

/* ---- headers ------------------------------------------------------------- */

static bool crc_ok(bool defined, uint32_t crc, const uint8_t *p, uint64_t n)
{
    if (!defined)
        return true;
    uLong c = crc32(0, Z_NULL, 0);
    struct sk_reader r = sk_reader_make(p, (size_t)n);
    while (sk_reader_left(&r) > 0) {
        uInt step = sk_reader_left(&r) < (1u << 30) ? (uInt)sk_reader_left(&r) : (1u << 30);
        c = crc32(c, sk_reader_bytes(&r, step), step);
    }
    return (uint32_t)c == crc;
}

/* Decodes the encoded header's folder (its first) and checks its CRC. */
static int decode_header_folder(struct sk_7z_reader *r, const struct sk_7z_keys *keys,
                                uint8_t **out, size_t *len)
{
    const struct sk_7z_streams *s = &r->header_streams;
    if (s->n_folders == 0)
        return SK_ECORRUPT;
    const char *why = NULL;
    const struct sk_7z_budget budget = {SK_7Z_MAX_HEADER, 0, 0};
    int rc = sk_7z_decode_folder(r->ar.data, r->ar.len, s, 0, keys, &budget, out, &why);
    if (rc != 0)
        return rc;
    *len = (size_t)sk_7z_folder_size(&s->folders[0]);
    if (*len == 0 || !crc_ok(s->folders[0].crc_defined, s->folders[0].crc, *out, *len)) {
        free(*out);
        *out = NULL;
        return SK_ECORRUPT;
    }
    return 0;
}

/* Reads headers from `next` (in owned bytes, or the archive's when NULL;
 * ownership taken), decoding encoded ones with keys. SK_EENCRYPTED: an
 * encrypted one was met without keys (header_streams keeps it). */
static int parse_from(struct sk_7z_reader *r, uint8_t *owned, struct sk_reader next,
                      const struct sk_7z_keys *keys, size_t max)
{
    for (int level = 0; level < MAX_HEADER_LEVELS; level++) {
        uint8_t id = sk_reader_u8(&next);
        if (id == SK_7Z_ID_HEADER) {
            free(r->ar.header);
            r->ar.header = owned;
            return sk_7z_read_header(&next, &r->ar, max);
        }
        sk_7z_streams_free(&r->header_streams);
        int rc = id == SK_7Z_ID_ENCODED_HEADER
                     ? sk_7z_read_streams(&next, r->ar.data, r->ar.len, max, &r->header_streams)
                     : SK_ECORRUPT;
        free(r->header_owner);
        r->header_owner = owned;
        if (rc == 0 && r->header_streams.n_folders == 0)
            rc = SK_ECORRUPT;
        if (rc != 0)
            return rc;
        if (!keys && sk_7z_folder_encrypted(&r->header_streams.folders[0]))
            return SK_EENCRYPTED;
        size_t len = 0;
        rc = decode_header_folder(r, keys, &owned, &len);
        if (rc != 0)
            return rc;
        next = sk_reader_make(owned, len);
    }
    free(owned);
    return SK_ECORRUPT;
}

static bool any_folder_encrypted(const struct sk_7z_streams *s)
{
    for (size_t i = 0; i < s->n_folders; i++)
        if (sk_7z_folder_encrypted(&s->folders[i]))
            return true;
    return false;
}

static size_t max_entries(const struct sk_unpack *u)
{
    uint32_t nodes = sk_unpack_limits(u)->max_nodes;
    return nodes < SK_CAP_NODES ? nodes : SK_CAP_NODES;
}

int sk_7z_open(struct sk_unpack *u, const uint8_t *data, size_t len, struct sk_7z_reader **out)
{
    *out = NULL;
    struct sk_reader next;
    if (sk_7z_start(data, len, &next) != 0)
        return 0;
    struct sk_7z_reader *r = sk_unpack_calloc(u, 1, sizeof *r);
    if (!r)
        return SK_ENOMEM;
    r->ar.data = data;
    r->ar.len = len;
    int rc = parse_from(r, NULL, next, NULL, max_entries(u));
    if (rc == SK_EENCRYPTED) {
        r->header_locked = true;
    } else if (rc != 0 || !any_folder_encrypted(&r->ar.streams)) {
        sk_7z_close(r);
        return rc == SK_ENOMEM ? rc : 0;
    }
    *out = r;
    return 0;
}

void sk_7z_close(struct sk_7z_reader *r)
{
    if (!r)
        return;
    sk_7z_archive_clear(&r->ar);
    sk_7z_streams_free(&r->header_streams);
    free(r->ar.header);
    free(r->header_owner);
    free(r->folder_data);
    sk_7z_wipe(&r->cache, sizeof r->cache); /* derived keys: not a dead store */
    free(r);
}

/* ---- candidates ---------------------------------------------------------- */

/* The candidates in the order to try them: the one that opened the last
 * folder, the header's, then the ranking; each once. */
static size_t trial_order(const struct sk_unpack *u, const struct sk_7z_reader *r,
                          const struct sk_password **order, size_t cap)
{
    const struct sk_password *const *ranked;
    size_t n = sk_unpack_passwords(u, &ranked), k = 0;
    const struct sk_password *first[2] = {r->last_password, r->header_password};
    for (size_t i = 0; i < 2 && k < cap; i++)
        if (first[i] && (k == 0 || order[0] != first[i]))
            order[k++] = first[i];
    for (size_t i = 0; i < n && k < cap; i++) {
        bool seen = false;
        for (size_t j = 0; j < k && j < 2; j++)
            seen = seen || order[j] == ranked[i];
        if (!seen)
            order[k++] = ranked[i];
    }
    return k;
}

struct trial {
    struct sk_7z_keys keys;
    uint8_t password16[SK_7Z_MAX_PASSWORD16];
};

static bool trial_keys(struct sk_unpack *u, struct sk_7z_reader *r, const struct sk_password *p,
                       struct trial *t)
{
    size_t len = 0;
    if (p->len > SK_CAP_PASSWORD_BYTES ||
        sk_7z_password_utf16(p->value, p->len, t->password16, sizeof t->password16, &len) != 0)
        return false;
    t->keys =
        (struct sk_7z_keys){&r->cache, t->password16, len, true, sk_unpack_deadline(u), 0};
    return true;
}

/* 0 when every 7zAES coder of f has properties we accept; SK_ELIMIT
 * (NumCyclesPower above SK_7Z_MAX_CYCLES, *cycles says which) or
 * SK_ECORRUPT otherwise. Checked before any candidate is tried. */
static int aes_acceptable(const struct sk_7z_folder *f, unsigned *cycles)
{
    for (unsigned i = 0; i < f->n_coders; i++) {
        if (f->coders[i].method != SK_7Z_AES)
            continue;
        struct sk_7z_aes_props props;
        int rc = sk_7z_aes_props(f->coders[i].props, f->coders[i].props_len, &props);
        *cycles = props.cycles; /* set even when refused */
        if (rc != 0)
            return rc;
    }
    return 0;
}

static void report_cycles(struct sk_unpack *u, int rc, unsigned cycles, const char *what)
{
    if (rc == SK_ELIMIT)
        sk_unpack_fail(u, "archive", SK_EUNSUPPORTED,
                       "%s: 7zAES NumCyclesPower %u is above %u: not tried", what, cycles,
                       SK_7Z_MAX_CYCLES);
    else
        sk_unpack_fail(u, "archive", SK_ECORRUPT, "%s: bad 7zAES properties", what);
}

/* One candidate on the encrypted header: 0 when it opens it. */
static int header_candidate(struct sk_unpack *u, struct sk_7z_reader *r, const struct trial *t)
{
    unsigned bits = 0;
    int rc = sk_7z_precheck(r->ar.data, r->ar.len, &r->header_streams, 0, &t->keys, &bits);
    uint8_t *plain = NULL;
    size_t len = 0;
    if (rc == 0)
        rc = decode_header_folder(r, &t->keys, &plain, &len);
    if (rc == 0)
        rc = parse_from(r, plain, sk_reader_make(plain, len), &t->keys, max_entries(u));
    return rc == SK_EENCRYPTED ? SK_ECORRUPT : rc;
}

/* The encrypted header: the first candidate whose decoded header has a
 * good CRC and parses. */
static int unlock_header(struct sk_unpack *u, struct sk_7z_reader *r)
{
    const struct sk_password *order[SK_CAP_PASSWORDS + 2];
    size_t n = trial_order(u, r, order, sizeof order / sizeof order[0]);
    for (size_t i = 0; i < n; i++) {
        if (sk_unpack_expired(u))
            return SK_ELIMIT;
        struct trial t;
        int rc = SK_EENCRYPTED;
        if (trial_keys(u, r, order[i], &t))
            rc = header_candidate(u, r, &t);
        sk_7z_wipe(&t, sizeof t); /* the password's UTF-16 form */
        if (rc == SK_EENCRYPTED)
            continue;
        if (rc == 0) {
            r->header_password = order[i];
            return 0;
        }
        sk_7z_archive_clear(&r->ar);
        if (rc == SK_ENOMEM || rc == SK_EUNSUPPORTED ||
            (rc == SK_ELIMIT && sk_unpack_expired(u)))
            return rc;
    }
    return SK_EENCRYPTED;
}

/* ---- folders ------------------------------------------------------------- */

struct crc_tally {
    size_t matched, failed;
};

static struct crc_tally folder_crcs(const struct sk_7z_streams *s, size_t index,
                                    const uint8_t *data)
{
    const struct sk_7z_folder *f = &s->folders[index];
    struct crc_tally t = {0, 0};
    uint64_t size = sk_7z_folder_size(f);
    if (f->crc_defined)
        crc_ok(true, f->crc, data, size) ? t.matched++ : t.failed++;
    struct sk_reader r = sk_reader_make(data, (size_t)size);
    for (size_t j = 0; j < f->n_substreams; j++) {
        size_t sub = f->first_substream + j;
        const uint8_t *p = sk_reader_bytes(&r, (size_t)s->sub_sizes[sub]);
        if (p && s->sub_crc_defined[sub] && !(f->n_substreams == 1 && f->crc_defined))
            crc_ok(true, s->sub_crcs[sub], p, s->sub_sizes[sub]) ? t.matched++ : t.failed++;
    }
    return t;
}

static uint64_t packed_bytes(const struct sk_7z_streams *s, const struct sk_7z_folder *f)
{
    uint64_t sum = 0;
    for (unsigned k = 0; k < f->n_packed; k++)
        sum += s->pack_sizes[f->first_pack + k];
    return sum;
}

/* What a folder may cost: max-total-bytes over all its streams, and the
 * ratio limit over its packed bytes for each of them (sevenz_coders.c
 * checks the in-between streams; the folder's output is reported here
 * before any candidate is tried). */
static bool folder_fits(struct sk_unpack *u, const struct sk_7z_streams *s, size_t index,
                        struct sk_7z_budget *budget)
{
    const struct sk_limits *lim = sk_unpack_limits(u);
    const struct sk_7z_folder *f = &s->folders[index];
    uint64_t size = sk_7z_folder_size(f), packed = packed_bytes(s, f);
    *budget = (struct sk_7z_budget){lim->max_total_bytes, lim->max_ratio, lim->ratio_floor};
    if (size > lim->max_total_bytes) {
        sk_unpack_reason(u, "limit.bytes", "7z folder %zu unpacks to %llu bytes", index,
                         (unsigned long long)size);
        return false;
    }
    if (size > lim->ratio_floor && lim->max_ratio &&
        size / (packed ? packed : 1) > lim->max_ratio) {
        sk_unpack_reason(u, "limit.ratio", "7z folder %zu expands %llu bytes to %llu", index,
                         (unsigned long long)packed, (unsigned long long)size);
        return false;
    }
    return true;
}

struct best {
    uint8_t *data;
    const struct sk_password *password;
    bool clean;
    const struct sk_password *undecodable; /* passed strong checks, failed to decode */
    bool unverifiable; /* a candidate decoded and nothing could tell whether it was right */
};

/* True when some coder reads every 7zAES coder's output: a wrong key then
 * fails that coder's decoding. With AES last and no CRC, any key "decodes". */
static bool aes_feeds_coder(const struct sk_7z_folder *f)
{
    unsigned out = 0;
    for (unsigned i = 0; i < f->n_coders; i++) {
        if (f->coders[i].method == SK_7Z_AES && out == f->main_out)
            return false;
        out += f->coders[i].n_out;
    }
    return true;
}

/* One candidate on an encrypted folder. 0: judged (best updated); < 0:
 * stop the trial with that code. */
static int judge_candidate(struct sk_7z_reader *r, size_t index, const struct sk_password *p,
                           const struct trial *trial, const struct sk_7z_budget *max,
                           struct best *b)
{
    const struct sk_7z_streams *s = &r->ar.streams;
    unsigned bits = 0;
    int rc = sk_7z_precheck(r->ar.data, r->ar.len, s, index, &trial->keys, &bits);
    if (rc == 1)
        return 0;
    uint8_t *plain = NULL;
    if (rc == 0)
        rc = sk_7z_decode_folder(r->ar.data, r->ar.len, s, index, &trial->keys, max, &plain,
                                 &r->folder_why);
    if (rc == SK_ECORRUPT) {
        if (bits >= STRONG_EVIDENCE && !b->undecodable)
            b->undecodable = p;
        return 0;
    }
    if (rc != 0)
        return rc;
    struct crc_tally crc = folder_crcs(s, index, plain);
    bool evidence = crc.matched > 0 || bits >= STRONG_EVIDENCE;
    if (crc.failed == 0 && (evidence || aes_feeds_coder(&s->folders[index]))) {
        free(b->data);
        *b = (struct best){plain, p, true, NULL, false};
        return 0;
    }
    if (crc.failed == 0) {
        b->unverifiable = true;
        free(plain);
        return 0;
    }
    if (!b->data && evidence) {
        b->data = plain;
        b->password = p;
        return 0;
    }
    free(plain);
    return 0;
}

static int try_candidate(struct sk_unpack *u, struct sk_7z_reader *r, size_t index,
                         const struct sk_password *p, const struct sk_7z_budget *max,
                         struct best *b)
{
    struct trial t;
    int rc = 0;
    if (trial_keys(u, r, p, &t))
        rc = judge_candidate(r, index, p, &t, max, b);
    sk_7z_wipe(&t, sizeof t); /* the password's UTF-16 form */
    return rc;
}

static int trial_folder(struct sk_unpack *u, struct sk_7z_reader *r, size_t index,
                        const struct sk_7z_budget *max, struct best *b)
{
    const struct sk_password *order[SK_CAP_PASSWORDS + 2];
    size_t n = trial_order(u, r, order, sizeof order / sizeof order[0]);
    for (size_t i = 0; i < n && !b->clean; i++) {
        if (sk_unpack_expired(u))
            return SK_ELIMIT;
        int rc = try_candidate(u, r, index, order[i], max, b);
        if (rc == SK_ELIMIT && sk_unpack_expired(u))
            return rc;
        if (rc != 0)
            return rc;
    }
    return 0;
}

static void folder_failed(struct sk_unpack *u, struct sk_7z_reader *r, size_t index, int rc)
{
    r->state = FOLDER_FAILED;
    if (rc == SK_EUNSUPPORTED) {
        sk_unpack_fail(u, "archive", SK_EUNSUPPORTED,
                       "7z folder %zu: method %s is not supported", index,
                       r->folder_why ? r->folder_why : "unknown");
        r->folder_why = "its 7z compression method is not supported";
    } else if (rc == SK_ELIMIT) {
        /* the deadline records limit.time itself; a stream too large does not */
        bool ratio = r->folder_why && strcmp(r->folder_why, SK_7Z_WHY_RATIO) == 0;
        if (!sk_unpack_expired(u))
            sk_unpack_reason(u, ratio ? "limit.ratio" : "limit.bytes",
                             "7z folder %zu: its coders' streams are above %s", index,
                             ratio ? "the ratio limit" : "max-total-bytes");
        r->folder_why = "a limit stopped its folder's decoding";
    } else {
        sk_unpack_fail(u, "archive", rc, "7z folder %zu could not be decoded", index);
        r->folder_why = "its 7z folder could not be decoded";
    }
}

static int load_encrypted(struct sk_unpack *u, struct sk_7z_reader *r, size_t index,
                          const struct sk_7z_budget *max)
{
    struct best b = {NULL, NULL, false, NULL, false};
    int rc = trial_folder(u, r, index, max, &b);
    if (rc != 0 && !b.data) {
        if (rc == SK_ENOMEM)
            return rc;
        sk_unpack_mark_encrypted(u, NULL);
        folder_failed(u, r, index, rc);
        return 0;
    }
    if (!b.data && b.undecodable) {
        sk_unpack_mark_encrypted(u, b.undecodable);
        folder_failed(u, r, index, SK_ECORRUPT);
        return 0;
    }
    if (!b.data) {
        r->state = FOLDER_UNOPENED;
        if (b.unverifiable)
            r->folder_why = "its password cannot be verified (no CRC and no coder after 7zAES)";
        sk_unpack_mark_encrypted(u, NULL);
        return 0;
    }
    r->state = FOLDER_OPEN;
    r->folder_data = b.data;
    r->folder_password = b.password;
    r->last_password = b.password;
    sk_unpack_mark_encrypted(u, b.password);
    return 0;
}

static int load_folder(struct sk_unpack *u, struct sk_7z_reader *r, size_t index)
{
    free(r->folder_data);
    r->folder_data = NULL;
    r->folder = index;
    r->folder_password = NULL;
    r->folder_why = NULL;
    const struct sk_7z_streams *s = &r->ar.streams;
    r->folder_encrypted = sk_7z_folder_encrypted(&s->folders[index]);
    struct sk_7z_budget max;
    if (!folder_fits(u, s, index, &max)) {
        r->state = FOLDER_FAILED;
        r->folder_why = "a limit stopped its folder's decoding";
        return 0;
    }
    int rc = sk_7z_folder_supported(&s->folders[index], &r->folder_why);
    if (rc != 0) {
        if (r->folder_encrypted)
            sk_unpack_mark_encrypted(u, NULL);
        folder_failed(u, r, index, rc);
        return 0;
    }
    unsigned cycles = 0;
    if (r->folder_encrypted && (rc = aes_acceptable(&s->folders[index], &cycles)) != 0) {
        sk_unpack_mark_encrypted(u, NULL);
        report_cycles(u, rc, cycles, "7z folder");
        r->state = FOLDER_FAILED;
        r->folder_why = rc == SK_ELIMIT ? "its 7zAES key derivation is too costly to try"
                                        : "its 7zAES properties are bad";
        return 0;
    }
    if (r->folder_encrypted)
        return load_encrypted(u, r, index, &max);
    rc = sk_7z_decode_folder(r->ar.data, r->ar.len, s, index, NULL, &max, &r->folder_data,
                             &r->folder_why);
    if (rc == SK_ENOMEM)
        return rc;
    if (rc != 0) {
        folder_failed(u, r, index, rc);
        return 0;
    }
    r->state = FOLDER_OPEN;
    return 0;
}

/* ---- files --------------------------------------------------------------- */

static int fill_file(struct sk_unpack *u, struct sk_7z_reader *r, const struct sk_7z_file *f,
                     struct sk_child *child)
{
    const struct sk_7z_streams *s = &r->ar.streams;
    if (r->state == FOLDER_NONE || r->folder != f->folder) {
        int rc = load_folder(u, r, f->folder);
        if (rc != 0)
            return rc;
    }
    uint64_t size = s->sub_sizes[f->substream];
    child->declared_size = size;
    child->encrypted = r->folder_encrypted;
    if (r->state == FOLDER_UNOPENED) {
        child->unopened_why =
            r->folder_why ? r->folder_why : "no password candidate opened its 7zAES folder";
        return 0;
    }
    if (r->state != FOLDER_OPEN) {
        child->unopened_why = r->folder_encrypted ? r->folder_why : NULL;
        child->truncated = true;
        return 0;
    }
    child->password = r->folder_password;
    const uint8_t *p = r->folder_data + f->offset;
    int rc = sk_unpack_append(u, &child->data, p, (size_t)size);
    if (rc == SK_ELIMIT) {
        child->truncated = true;
        return 0;
    }
    if (rc == 0 &&
        !crc_ok(s->sub_crc_defined[f->substream], s->sub_crcs[f->substream], p, size))
        sk_unpack_fail(u, "archive", SK_ECORRUPT, "%s: CRC mismatch after decoding", r->name);
    return rc;
}

static int next_header_locked(struct sk_unpack *u, struct sk_7z_reader *r)
{
    unsigned cycles = 0;
    int rc = aes_acceptable(&r->header_streams.folders[0], &cycles);
    if (rc != 0) {
        sk_unpack_mark_encrypted(u, NULL);
        report_cycles(u, rc, cycles, "7z header");
        return SK_EUNSUPPORTED;
    }
    rc = unlock_header(u, r);
    if (rc == 0) {
        r->header_locked = false;
        sk_unpack_mark_encrypted(u, r->header_password);
        return 0;
    }
    sk_unpack_mark_encrypted(u, NULL);
    if (rc == SK_ENOMEM || rc == SK_ELIMIT)
        return rc;
    if (rc == SK_EUNSUPPORTED)
        sk_unpack_fail(u, "archive", rc, "7z header: its coder is not supported");
    else
        sk_unpack_fail(u, "archive", SK_EENCRYPTED,
                       "7z headers are encrypted and no candidate opened them");
    return SK_EENCRYPTED;
}

int sk_7z_next(struct sk_unpack *u, struct sk_7z_reader *r, struct sk_child *child)
{
    if (r->header_locked) {
        int rc = next_header_locked(u, r);
        if (rc != 0)
            return rc == SK_ELIMIT ? SK_DONE : rc;
    }
    while (r->next_file < r->ar.n_files) {
        if (sk_unpack_expired(u))
            return SK_DONE;
        const struct sk_7z_file *f = &r->ar.files[r->next_file++];
        if (f->is_dir || f->is_anti)
            continue;
        child->name_len =
            sk_utf16le_to_utf8(f->name16, f->name_units, r->name, SK_MAX_NAME_BYTES);
        r->name[child->name_len] = '\0';
        child->name = r->name;
        if (!f->has_stream)
            return 0;
        return fill_file(u, r, f, child);
    }
    return SK_DONE;
}
