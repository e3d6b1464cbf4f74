/* Office's own encryption of a compound file: the glue between the
 * formats and [MS-OFFCRYPTO] (offcrypto.c).
 *
 * Found where each format keeps its header: an EncryptionInfo stream beside
 * EncryptedPackage (OOXML, Agile or Standard); FibBase.fEncrypted and the
 * first lKey bytes of the table stream (Word, MS-DOC 2.2.6); FilePass right
 * after the globals BOF (Excel, MS-XLS 2.4.117); the CryptSession10Container
 * that the UserEditAtom names, when the Current User token says encrypted
 * (PowerPoint, MS-PPT 2.3.7, found through the persist directory: MS-PPT
 * 2.1.2, 2.3.3-2.3.4). The candidates are tried once each at `open`
 * (VelvetSweatshop first); the streams are decrypted when handed back, in
 * place of their ciphertext: the package becomes the child (a ZIP, then
 * OOXML as usual), and WordDocument/table/Data, Workbook (record-aware:
 * MS-XLS 2.2.10) and PowerPoint Document (each persist object with its
 * persist id as block number) are handed back decrypted, so that DDE, XLM
 * and PowerPoint's embedded storages are found as in a plain file. VBA
 * storages of .doc/.xls are not encrypted by Office and are read as they
 * are. Not decrypted: Word XOR obfuscation (fObfuscated), PowerPoint's
 * Pictures stream, the RC4 CryptoAPI "encryption" stream of summary
 * properties. Limits: headers read at most CRYPT_INFO_CAP bytes, FilePass
 * is looked for in the first CRYPT_XLS_PREFIX bytes (CRYPT_XLS_RECORDS
 * records); a decrypted stream is at most max_node_bytes. */
#include "office_crypt.h"

#include <stdlib.h>
#include <string.h>

#include "../engine/error.h"
#include "../engine/reader.h"
#include "offcrypto.h"

#define READ_BLOCK (64u * 1024u)

/* ---- Excel: which parts of a Workbook stream are encrypted (MS-XLS 2.2.10) ---------- */

#define REC_BOF 0x0809u
#define REC_FILEPASS 0x002Fu
#define REC_BOUNDSHEET 0x0085u

static bool workbook_clear(uint16_t type)
{
    /* BOF, FilePass, UsrExcl, FileLock, InterfaceHdr, RRDInfo, RRDHead */
    return type == REC_BOF || type == REC_FILEPASS || type == 0x0194 || type == 0x0195 ||
           type == 0x00E1 || type == 0x0196 || type == 0x0138;
}

/* XOR method 1 for one record body (2.3.7.3 DecryptData_Method1): the
 * array index starts at (stream offset + body size) mod 16 (MS-XLS
 * 2.2.10); each byte is XORed, then rotated right by 5 bits. */
static void xor_body(const struct sk_offcrypto *oc, uint8_t *p, size_t at, size_t n,
                     size_t size)
{
    for (size_t k = 0; k < n; k++) {
        uint8_t v = p[at + k] ^ oc->xor_array[(at + k + size) % 16];
        p[at + k] = (uint8_t)(v >> 5 | v << 3);
    }
}

/* A Workbook stream (MS-XLS 2.2.10), decrypted in place: record headers,
 * the bodies of BOF, FilePass, UsrExcl, FileLock, InterfaceHdr, RRDInfo and
 * RRDHead and BoundSheet8.lbPlyPos are stored in clear; everything else is
 * RC4 by stream offset (1024-byte blocks) or XOR obfuscated. FilePass is
 * turned into a record of type 0 and the same size holding zeros, so the
 * stream reads as an unencrypted workbook (biff.c relies on it) and every
 * stream offset stays valid. 0 or SK_ENOMEM. */
static int workbook_decrypt(const struct sk_offcrypto *oc, uint8_t *p, size_t n)
{
    uint8_t *clear = malloc(n ? n : 1);
    if (!clear)
        return SK_ENOMEM;
    memcpy(clear, p, n);
    if (oc->scheme != SK_OC_XOR)
        sk_offcrypto_rc4_stream(oc, p, n, 1024);
    bool after = false;
    struct sk_reader records = sk_reader_make(clear, n);
    size_t pos = 0;
    while (n - pos >= 4) {
        uint16_t type = sk_reader_u16le_at(&records, pos);
        size_t size = sk_reader_u16le_at(&records, pos + 2);
        size_t body = pos + 4, have = n - body < size ? n - body : size;
        memcpy(p + pos, clear + pos, 4);
        if (!after || workbook_clear(type))
            memcpy(p + body, clear + body, have);
        else if (type == REC_BOUNDSHEET)
            memcpy(p + body, clear + body, have < 4 ? have : 4);
        if (after && oc->scheme == SK_OC_XOR && !workbook_clear(type)) {
            size_t skip = type == REC_BOUNDSHEET ? (have < 4 ? have : 4) : 0;
            xor_body(oc, p, body + skip, have - skip, size);
        }
        if (type == REC_FILEPASS) {
            after = true;
            /* No longer encrypted: a record of type 0, same size, zeros. */
            memset(p + pos, 0, 2);
            memset(p + body, 0, have);
        }
        pos = body + have;
    }
    free(clear);
    return 0;
}

/* ---- PowerPoint's persist directory (MS-PPT 2.1.2, 2.3.3-2.3.4, 2.3.7) ---------------- */

#define PPT_USER_EDIT 0x0FF5u
#define PPT_PERSIST_DIR 0x1772u
#define PPT_CRYPT_SESSION 0x2F14u

struct ppt_edit {
    size_t edit, dir;
    struct sk_reader directory; /* the PersistDirectoryAtom's body */
    uint32_t crypt_ref;
};

/* The UserEditAtom at edit_offset (never encrypted) and its persist
 * directory. An encrypted file has exactly one UserEditAtom (2.3.7). */
static int ppt_edit_read(const uint8_t *doc, size_t n, uint32_t edit_offset, struct ppt_edit *e,
                         const char **why)
{
    struct sk_reader r = sk_reader_make(doc, n);
    sk_reader_seek(&r, edit_offset);
    sk_reader_skip(&r, 2);
    uint16_t type = sk_reader_u16le(&r);
    uint32_t len = sk_reader_u32le(&r);
    sk_reader_skip(&r, 12);
    uint32_t dir = sk_reader_u32le(&r);
    sk_reader_skip(&r, 12);
    e->crypt_ref = sk_reader_u32le(&r);
    *why = "PowerPoint Document: no readable UserEditAtom with an encryption session";
    if (r.err || type != PPT_USER_EDIT || len < 0x20)
        return SK_ECORRUPT;
    e->edit = edit_offset;
    e->dir = dir;
    sk_reader_seek(&r, dir);
    sk_reader_skip(&r, 2);
    type = sk_reader_u16le(&r);
    len = sk_reader_u32le(&r);
    *why = "PowerPoint Document: no readable PersistDirectoryAtom";
    if (r.err || type != PPT_PERSIST_DIR || len > sk_reader_left(&r))
        return SK_ECORRUPT;
    e->directory = sk_reader_sub(&r, len);
    return 0;
}

/* Calls back for each (persist id, offset) of the directory; stops when
 * the callback returns non-zero, and returns that. */
typedef int (*ppt_visit)(void *ctx, uint32_t id, uint32_t offset);

static int ppt_each(const struct ppt_edit *e, ppt_visit visit, void *ctx)
{
    struct sk_reader r = e->directory;
    while (sk_reader_left(&r) >= 4) {
        uint32_t head = sk_reader_u32le(&r);
        uint32_t id = head & 0xFFFFFu, count = head >> 20;
        for (uint32_t k = 0; k < count; k++) {
            uint32_t offset = sk_reader_u32le(&r);
            if (r.err)
                return SK_ECORRUPT;
            int rc = visit(ctx, id + k, offset);
            if (rc)
                return rc;
        }
    }
    return 0;
}

struct ppt_find {
    uint32_t id, offset;
    bool found;
};

static int find_persist(void *ctx, uint32_t id, uint32_t offset)
{
    struct ppt_find *f = ctx;
    if (id != f->id)
        return 0;
    f->offset = offset;
    f->found = true;
    return 1;
}

/* PowerPoint: the encryption header inside the CryptSession10Container that
 * the UserEditAtom at edit_offset (from the Current User stream) names.
 * 0 with *info over it, or SK_ECORRUPT with *why. */
static int ppt_crypt_header(const uint8_t *doc, size_t n, uint32_t edit_offset,
                            struct sk_reader *info, const char **why)
{
    struct ppt_edit e;
    int rc = ppt_edit_read(doc, n, edit_offset, &e, why);
    if (rc)
        return rc;
    struct ppt_find f = {.id = e.crypt_ref};
    rc = ppt_each(&e, find_persist, &f);
    struct sk_reader r = sk_reader_make(doc, n);
    sk_reader_seek(&r, f.offset);
    sk_reader_skip(&r, 2);
    uint16_t type = sk_reader_u16le(&r);
    uint32_t len = sk_reader_u32le(&r);
    *info = sk_reader_sub(&r, len);
    *why = "PowerPoint Document: the CryptSession10Container is missing or cut short";
    return rc < 0 || !f.found || r.err || type != PPT_CRYPT_SESSION ? SK_ECORRUPT : 0;
}

struct ppt_decrypt {
    const struct sk_offcrypto *oc;
    uint8_t *doc;
    size_t n;
    const struct ppt_edit *e;
    uint64_t budget; /* bytes that may still be decrypted: objects never add up past n */
};

static int decrypt_persist(void *ctx, uint32_t id, uint32_t offset)
{
    struct ppt_decrypt *d = ctx;
    if (id == d->e->crypt_ref || offset == d->e->edit || offset == d->e->dir)
        return 0; /* stored in clear (2.3.7) */
    if (offset > d->n || d->n - offset < 8)
        return SK_ECORRUPT;
    uint8_t head[8];
    memcpy(head, d->doc + offset, 8);
    sk_offcrypto_rc4_block(d->oc, id, head, 8);
    struct sk_reader clear = sk_reader_make(head, sizeof head);
    uint32_t len = sk_reader_u32le_at(&clear, 4);
    size_t total = 8 + (len < d->n - offset - 8 ? len : d->n - offset - 8);
    if (total > d->budget)
        return SK_ECORRUPT;
    d->budget -= total;
    sk_offcrypto_rc4_block(d->oc, id, d->doc + offset, total);
    return 0;
}

/* PowerPoint: decrypts every persist object of the PowerPoint Document
 * stream in place, each with its persist id as block number (MS-PPT
 * 2.3.7); the UserEditAtom, the PersistDirectoryAtom and the
 * CryptSession10Container stay as they are. 0 or SK_ECORRUPT. */
static int ppt_decrypt(const struct sk_offcrypto *oc, uint8_t *doc, size_t n,
                       uint32_t edit_offset)
{
    struct ppt_edit e;
    const char *why;
    int rc = ppt_edit_read(doc, n, edit_offset, &e, &why);
    if (rc)
        return rc;
    struct ppt_decrypt d = {oc, doc, n, &e, n};
    return ppt_each(&e, decrypt_persist, &d);
}

#define CRYPT_INFO_CAP (1024u * 1024u) /* an EncryptionInfo stream or header */
#define CRYPT_XLS_PREFIX 8192u         /* where FilePass is looked for */
#define CRYPT_XLS_RECORDS 32u
#define WORD_CLEAR 68u /* FibBase is stored in clear (MS-DOC 2.2.6.2) */
#define FIB_ENCRYPTED 0x0100u
#define FIB_WHICH_TABLE 0x0200u
#define FIB_OBFUSCATED 0x8000u
#define PPT_ENCRYPTED_TOKEN 0xF3D1C4DFu

/* Excel's built-in password, which Office tries silently: always tried
 * first (for every format: a wrong candidate costs one derivation). Rank
 * 0: it comes before the request's ranked list. */
static const struct sk_password office_default = {
    .value = "VelvetSweatshop", .len = 15, .source = "office-default", .rank = 0, .tier = 4};

enum crypt_kind { CRYPT_PACKAGE, CRYPT_WORD, CRYPT_EXCEL, CRYPT_PPT };

#define CRYPT_MAX_STREAMS 3u

struct sk_office_crypt {
    enum crypt_kind kind;
    struct sk_offcrypto oc;
    const struct sk_password *password;     /* what opened it, or NULL */
    uint32_t table_clear;                   /* Word: FibBase.lKey, the table's clear prefix */
    uint32_t ppt_edit;                      /* PowerPoint: offsetToCurrentEdit */
    const void *streams[CRYPT_MAX_STREAMS]; /* the root streams it decrypts */
    unsigned n_streams;
};

static void cover(struct sk_office_crypt *c, const void *stream)
{
    if (stream && c->n_streams < CRYPT_MAX_STREAMS)
        c->streams[c->n_streams++] = stream;
}

bool sk_office_crypt_covers(const struct sk_office_crypt *c, const void *stream)
{
    for (unsigned i = 0; c && i < c->n_streams; i++)
        if (c->streams[i] == stream)
            return true;
    return false;
}

void sk_office_crypt_free(struct sk_office_crypt *c)
{
    free(c);
}

int sk_office_append(struct sk_unpack *u, struct sk_buf *buf, const uint8_t *p, size_t n)
{
    struct sk_reader r = sk_reader_make(p, n);
    while (sk_reader_left(&r)) {
        size_t k = sk_reader_left(&r) < READ_BLOCK ? sk_reader_left(&r) : READ_BLOCK;
        int rc = sk_unpack_append(u, buf, sk_reader_bytes(&r, k), k);
        if (rc != 0)
            return rc;
    }
    return 0;
}

struct crypt_found {
    const char *where; /* the stream that holds the header */
    const char *why;   /* when it cannot be read */
};

static int package_header(const struct sk_office_file *fl, struct sk_office_crypt *c,
                          struct crypt_found *f)
{
    const void *info = fl->stream(fl->ctx, "EncryptionInfo");
    const void *package = fl->stream(fl->ctx, "EncryptedPackage");
    if (!package)
        return SK_DONE;
    GByteArray *raw = NULL;
    f->where = "EncryptionInfo";
    f->why = "the stream is missing or larger than 1 MiB";
    int rc = info ? fl->read(fl->ctx, info, CRYPT_INFO_CAP, &raw) : SK_ECORRUPT;
    if (rc == SK_ELIMIT)
        rc = SK_ECORRUPT;
    if (rc == 0)
        rc = sk_offcrypto_parse(&c->oc, raw->data, raw->len, &f->why);
    if (rc == 0 && c->oc.scheme != SK_OC_AGILE && c->oc.scheme != SK_OC_STANDARD) {
        f->why = "an RC4 header where ECMA-376 encryption belongs";
        rc = SK_EUNSUPPORTED;
    }
    if (raw)
        g_byte_array_unref(raw);
    c->kind = CRYPT_PACKAGE;
    if (rc == 0)
        cover(c, package);
    return rc;
}

static int word_header(const struct sk_office_file *fl, struct sk_office_crypt *c,
                       struct crypt_found *f)
{
    const void *word = fl->stream(fl->ctx, "WordDocument");
    uint8_t head[18];
    struct sk_reader fib = sk_reader_make(head, sizeof head);
    if (!word || fl->prefix(fl->ctx, word, head, sizeof head) < sizeof head ||
        !sk_reader_match(&fib, 0, "\xEC\xA5", 2))
        return SK_DONE;
    uint16_t flags = sk_reader_u16le_at(&fib, 10);
    if (!(flags & FIB_ENCRYPTED))
        return SK_DONE;
    f->where = "WordDocument";
    if (flags & FIB_OBFUSCATED) {
        f->why = "Word XOR obfuscation (FibBase.fObfuscated) is not decrypted";
        return SK_EUNSUPPORTED;
    }
    c->kind = CRYPT_WORD;
    c->table_clear = sk_reader_u32le_at(&fib, 14);
    const void *table = fl->stream(fl->ctx, flags & FIB_WHICH_TABLE ? "1Table" : "0Table");
    size_t want = c->table_clear < CRYPT_INFO_CAP ? c->table_clear : CRYPT_INFO_CAP;
    uint8_t *header = malloc(want ? want : 1);
    if (!header)
        return SK_ENOMEM;
    size_t got = table ? fl->prefix(fl->ctx, table, header, want) : 0;
    f->why = "the table stream does not hold the encryption header FibBase.lKey names";
    int rc = got == want && want >= 4 ? sk_offcrypto_parse(&c->oc, header, got, &f->why)
                                      : SK_ECORRUPT;
    free(header);
    if (rc == 0 && c->oc.scheme != SK_OC_RC4 && c->oc.scheme != SK_OC_RC4_CRYPTOAPI) {
        f->why = "a Word document whose header is not RC4";
        rc = SK_EUNSUPPORTED;
    }
    const void *data = fl->stream(fl->ctx, "Data");
    if (rc == 0) {
        cover(c, word);
        cover(c, table);
        cover(c, data);
    }
    return rc;
}

static int excel_header(const struct sk_office_file *fl, struct sk_office_crypt *c,
                        struct crypt_found *f)
{
    const void *book = fl->stream(fl->ctx, "Workbook");
    uint8_t *head = malloc(CRYPT_XLS_PREFIX);
    if (!head)
        return SK_ENOMEM;
    size_t got = book ? fl->prefix(fl->ctx, book, head, CRYPT_XLS_PREFIX) : 0;
    struct sk_reader r = sk_reader_make(head, got);
    int rc = SK_DONE;
    for (unsigned k = 0; k < CRYPT_XLS_RECORDS && sk_reader_left(&r) >= 4; k++) {
        uint16_t type = sk_reader_u16le(&r), size = sk_reader_u16le(&r);
        struct sk_reader body = sk_reader_sub(&r, size);
        if (type != 0x002F)
            continue;
        f->where = "Workbook";
        f->why = "the FilePass record is cut short";
        c->kind = CRYPT_EXCEL;
        uint16_t method = sk_reader_u16le(&body);
        if (method == 0) {
            uint16_t key = sk_reader_u16le(&body), verifier = sk_reader_u16le(&body);
            sk_offcrypto_xor(&c->oc, key, verifier);
            rc = body.err ? SK_ECORRUPT : 0;
        } else if (method == 1) {
            rc = body.err ? SK_ECORRUPT
                          : sk_offcrypto_parse(&c->oc, body.p + body.pos, sk_reader_left(&body),
                                               &f->why);
        } else {
            f->why = "FilePass names an unknown encryption type";
            rc = SK_EUNSUPPORTED;
        }
        break;
    }
    free(head);
    if (rc == 0 && (c->oc.scheme == SK_OC_AGILE || c->oc.scheme == SK_OC_STANDARD)) {
        f->why = "a workbook whose FilePass is not RC4 or XOR";
        rc = SK_EUNSUPPORTED;
    }
    if (rc == 0)
        cover(c, book);
    return rc;
}

static int ppt_header(struct sk_unpack *u, const struct sk_office_file *fl,
                      struct sk_office_crypt *c, struct crypt_found *f)
{
    const void *doc = fl->stream(fl->ctx, "PowerPoint Document");
    const void *user = fl->stream(fl->ctx, "Current User");
    uint8_t atom[20];
    if (!doc || !user || fl->prefix(fl->ctx, user, atom, sizeof atom) < sizeof atom)
        return SK_DONE;
    struct sk_reader r = sk_reader_make(atom + 12, 8);
    uint32_t token = sk_reader_u32le(&r);
    c->ppt_edit = sk_reader_u32le(&r);
    if (token != PPT_ENCRYPTED_TOKEN)
        return SK_DONE;
    c->kind = CRYPT_PPT;
    f->where = "PowerPoint Document";
    f->why = "the stream is larger than the node limit";
    GByteArray *raw = NULL;
    int rc = fl->read(fl->ctx, doc, sk_unpack_limits(u)->max_node_bytes, &raw);
    struct sk_reader info;
    if (rc == 0)
        rc = ppt_crypt_header(raw->data, raw->len, c->ppt_edit, &info, &f->why);
    if (rc == 0)
        rc = sk_offcrypto_parse(&c->oc, info.p, info.len, &f->why);
    if (rc == 0 && c->oc.scheme != SK_OC_RC4_CRYPTOAPI) {
        f->why = "PowerPoint encryption other than RC4 CryptoAPI";
        rc = SK_EUNSUPPORTED;
    }
    if (raw)
        g_byte_array_unref(raw);
    if (rc == 0)
        cover(c, doc);
    return rc;
}

/* VelvetSweatshop, then the request's candidates in rank order, each
 * derived once: 0 (c->password set), SK_DONE (none opened it), SK_ELIMIT
 * (the deadline passed), SK_ENOMEM or SK_EINTERNAL. */
static int try_candidates(struct sk_unpack *u, struct sk_office_crypt *c, size_t *tried)
{
    const struct sk_password *const *candidates;
    size_t n = sk_unpack_passwords(u, &candidates);
    *tried = 0;
    for (size_t i = 0; i <= n; i++) {
        const struct sk_password *pw = i == 0 ? &office_default : candidates[i - 1];
        if (i > 0 && pw->len == office_default.len &&
            memcmp(pw->value, office_default.value, pw->len) == 0)
            continue;
        if (sk_unpack_expired(u))
            return SK_ELIMIT;
        ++*tried;
        int rc = sk_offcrypto_try(&c->oc, u, pw->value, pw->len);
        if (rc == 1) {
            c->password = pw;
            return 0;
        }
        if (rc < 0)
            return rc;
    }
    return SK_DONE;
}

int sk_office_crypt_open(struct sk_unpack *u, const struct sk_office_file *fl,
                         struct sk_office_crypt **out, bool *found)
{
    *out = NULL;
    *found = false;
    struct sk_office_crypt *c = calloc(1, sizeof *c);
    if (!c)
        return SK_ENOMEM;
    struct crypt_found f = {0};
    int rc = package_header(fl, c, &f);
    if (rc == SK_DONE)
        rc = word_header(fl, c, &f);
    if (rc == SK_DONE)
        rc = excel_header(fl, c, &f);
    if (rc == SK_DONE)
        rc = ppt_header(u, fl, c, &f);
    if (rc == SK_DONE || rc == SK_ENOMEM) {
        free(c);
        return rc == SK_ENOMEM ? rc : 0;
    }
    *found = true;
    sk_unpack_mark_encrypted(u, NULL);
    if (rc == SK_ELIMIT)
        sk_unpack_reason(u, "limit.node_bytes", "%s: larger than %llu bytes, not decrypted",
                         f.where, (unsigned long long)sk_unpack_limits(u)->max_node_bytes);
    else if (rc < 0)
        sk_unpack_fail(u, "ole2", rc, "%s: %s", f.where, f.why);
    if (rc < 0) {
        free(c);
        return 0;
    }
    char scheme[96];
    sk_offcrypto_describe(&c->oc, scheme, sizeof scheme);
    sk_offcrypto_record(&c->oc, u);
    size_t tried;
    rc = try_candidates(u, c, &tried);
    if (rc == 0) {
        sk_unpack_mark_encrypted(u, c->password);
        *out = c;
        return 0;
    }
    free(c);
    if (rc == SK_DONE || rc == SK_ELIMIT)
        sk_unpack_reason(u, "encrypted.unopened", "%s: %s: %s %zu candidate%s opened it",
                         f.where, scheme,
                         rc == SK_ELIMIT ? "the deadline passed; none of" : "none of", tried,
                         tried == 1 ? "" : "s");
    else if (rc != SK_ENOMEM)
        sk_unpack_fail(u, "ole2", SK_EINTERNAL, "%s: the key derivation failed", f.where);
    return rc == SK_ENOMEM ? rc : 0;
}

/* The package's plaintext: the 8-byte size, then 4096-byte segments. */
static int append_package(struct sk_unpack *u, const struct sk_office_crypt *c,
                          const GByteArray *raw, const char *name, struct sk_child *child)
{
    if (raw->len < 8) {
        sk_unpack_fail(u, "ole2", SK_ECORRUPT, "%s: shorter than its size field", name);
        return 0;
    }
    struct sk_reader r = sk_reader_make(raw->data, raw->len);
    uint64_t size = sk_reader_u64le(&r);
    size_t body = raw->len - 8;
    if (c->oc.scheme == SK_OC_AGILE) {
        int ok = sk_offcrypto_check_integrity(&c->oc, raw->data, raw->len);
        if (ok == SK_ENOMEM)
            return ok;
        if (ok == 0)
            sk_unpack_fail(u, "ole2", SK_ECORRUPT,
                           "%s: the data integrity HMAC does not match (scanned anyway)", name);
        sk_unpack_info(u, "integrity", "%s",
                       ok == 1   ? "HMAC verified"
                       : ok == 0 ? "HMAC mismatch"
                                 : "no HMAC");
    }
    if (size > body) {
        sk_unpack_fail(u, "ole2", SK_ECORRUPT, "%s: claims %llu bytes but holds %zu", name,
                       (unsigned long long)size, body);
        size = body;
    }
    uint8_t out[SK_OC_SEGMENT];
    for (size_t at = 0, index = 0; at < size; at += SK_OC_SEGMENT, index++) {
        size_t n = body - at < SK_OC_SEGMENT ? body - at : SK_OC_SEGMENT;
        uint64_t need = ((size - at) + 15) & ~(uint64_t)15; /* slack after the last block */
        n = need < n ? (size_t)need : n;
        int rc = sk_offcrypto_segment(&c->oc, (uint32_t)index, raw->data + 8 + at, n, out);
        if (rc != 0) {
            sk_unpack_fail(u, "ole2", rc == SK_ECORRUPT ? rc : SK_EINTERNAL,
                           "%s: segment %zu cannot be decrypted (%zu bytes)", name, index, n);
            child->truncated = true;
            return 0;
        }
        rc = sk_unpack_append(u, &child->data, out, size - at < n ? (size_t)(size - at) : n);
        if (rc != 0) {
            child->truncated = true;
            return rc == SK_ENOMEM ? rc : 0;
        }
    }
    return 0;
}

/* A Word stream: RC4 in 0x200-byte blocks from the stream's start, with
 * the first `clear` bytes stored unencrypted (MS-DOC 2.2.6.2-3). */
static int decrypt_word(const struct sk_office_crypt *c, const char *stream, GByteArray *raw)
{
    size_t clear = strcmp(stream, "WordDocument") == 0 ? WORD_CLEAR
                   : strcmp(stream, "Data") == 0       ? 0
                                                       : c->table_clear;
    clear = clear < raw->len ? clear : raw->len;
    uint8_t *keep = clear ? malloc(clear) : NULL;
    if (clear && !keep)
        return SK_ENOMEM;
    if (keep)
        memcpy(keep, raw->data, clear);
    sk_offcrypto_rc4_stream(&c->oc, raw->data, raw->len, 0x200);
    if (keep)
        memcpy(raw->data, keep, clear);
    free(keep);
    return 0;
}

int sk_office_crypt_child(struct sk_unpack *u, const struct sk_office_crypt *c,
                          const struct sk_office_file *fl, const void *stream,
                          const char *stream_name, const char *child_name,
                          struct sk_child *child)
{
    uint64_t cap = sk_unpack_limits(u)->max_node_bytes + 8 + SK_OC_SEGMENT;
    GByteArray *raw = NULL;
    int rc = fl->read(fl->ctx, stream, cap, &raw);
    child->encrypted = true;
    child->password = c->password;
    child->format_part = c->kind != CRYPT_PACKAGE;
    if (rc == SK_ELIMIT) {
        sk_unpack_reason(u, "limit.node_bytes", "%s: larger than %llu bytes, not decrypted",
                         child_name, (unsigned long long)sk_unpack_limits(u)->max_node_bytes);
        child->truncated = true;
        return 0;
    }
    if (rc != 0) {
        sk_unpack_fail(u, "ole2", SK_ECORRUPT, "%s: the stream cannot be read", child_name);
        child->truncated = true;
        return 0;
    }
    if (c->kind == CRYPT_PACKAGE) {
        rc = append_package(u, c, raw, child_name, child);
        g_byte_array_unref(raw);
        return rc;
    }
    if (c->kind == CRYPT_WORD)
        rc = decrypt_word(c, stream_name, raw);
    else if (c->kind == CRYPT_EXCEL)
        rc = workbook_decrypt(&c->oc, raw->data, raw->len);
    else if (ppt_decrypt(&c->oc, raw->data, raw->len, c->ppt_edit) != 0)
        sk_unpack_fail(u, "ole2", SK_ECORRUPT,
                       "%s: a persist object does not fit the stream (decrypted in part)",
                       child_name);
    if (rc == 0)
        rc = sk_office_append(u, &child->data, raw->data, raw->len);
    g_byte_array_unref(raw);
    child->truncated = rc != 0;
    return rc == SK_ENOMEM ? rc : 0;
}

/* Office's own encryption leaves a plain OLE2 file around ciphertext: an
 * ECMA-376 EncryptedPackage (MS-OFFCRYPTO 2.3.4), a Word FIB with fEncrypted
 * (MS-DOC 2.5.2, bit 8 of the flags at offset 0x0A), or PowerPoint's
 * CryptSession10Container record (MS-PPT 2.3.7, type 0x2F14). Until the
 * document is decrypted its content cannot be judged: fail closed. */
void sk_office_crypt_check(struct sk_unpack *u, const char *stream, const struct sk_buf *b)
{
    const char *what = NULL;
    if (strcmp(stream, "EncryptedPackage") == 0)
        what = "an ECMA-376 encrypted package (EncryptedPackage)";
    else if (strcmp(stream, "WordDocument") == 0 && b->len >= 12 && b->p[0] == 0xec &&
             b->p[1] == 0xa5 && (b->p[0x0b] & 0x01))
        what = "a Word document encrypted in place (FIB fEncrypted)";
    else if (strcmp(stream, "PowerPoint Document") == 0 &&
             memmem(b->p, b->len, "\x0f\x00\x14\x2f", 4))
        what = "a PowerPoint document encrypted in place (CryptSession10Container)";
    if (!what)
        return;
    sk_unpack_mark_encrypted(u, NULL);
    sk_unpack_reason(u, "encrypted.unopened", "%s: its encryption header was not found", what);
}
