/* S/MIME and certificates: CMS/PKCS#7 structures and X.509 certificates,
 * through OpenSSL's libcrypto.
 *
 * Spec: RFC 5652 (CMS), RFC 8551 (S/MIME 4.0), RFC 2315 (PKCS #7 1.5),
 * RFC 5280 (X.509), RFC 7468 (PEM). Supports a ContentInfo in DER, BER
 * (indefinite lengths, as `openssl smime -sign` streams it) or PEM
 * (`-----BEGIN PKCS7-----`, `-----BEGIN CMS-----`), and a certificate in
 * DER or PEM (`-----BEGIN CERTIFICATE-----` and its X509/TRUSTED forms).
 *
 * What each is:
 * - signed-data with its content inside (an opaque-signed `.p7m`,
 *   smime-type=signed-data): the eContent octets are handed back as the
 *   child `signed-content`, typed a message when they start with a MIME
 *   entity's header block (RFC 8551 3.1: often only Content-Type and
 *   Content-Transfer-Encoding, which the sniffer alone would not call a
 *   message), else sniffed. Signed inside signed is one layer per child:
 *   the engine's depth limit bounds it, nothing here recurses.
 * - signed-data without content (a detached `smime.p7s`, or
 *   certificate-only `.p7c`): a known type with no children; it passes.
 * - data, digested-data and authenticated-data: their content is handed
 *   back the same way (nothing is checked against the digest or MAC).
 * - enveloped-data, authenticated-enveloped-data and encrypted-data:
 *   `encrypted.unopened` on this node (no key is ever held here), which
 *   clamd names Heuristics.Encrypted.SMIME.
 * - a certificate: parsed whole (d2i_X509), its subject recorded; passes.
 * Signatures are never verified (there is no trust store, and a valid
 * signature says nothing about the content's safety): `info` says so.
 * Refuses: compressed-data (RFC 3274) and any other content type
 * (error.unsupported); anything OpenSSL cannot parse, trailing bytes after
 * a certificate, a signed content given as other than octets
 * (error.corrupt). Bytes after a DER ContentInfo (other than zero or
 * line-end padding) are the child `trailer`, sniffed and scanned like any
 * file. Limits: the input is the node's bytes (bounded by the
 * engine's node limit); OpenSSL parses DER with its own nesting and length
 * checks; the content is copied out through sk_unpack_append. */
#include <limits.h>
#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../engine/error.h"
#include "../engine/reader.h"
#include "../engine/sniff.h"
#include "unpacker.h"

struct pkcs7_state {
    CMS_ContentInfo *cms;
    const unsigned char *content; /* inside cms, or NULL: no child */
    size_t content_len;
    const char *name; /* the child's name */
    bool done;
    const unsigned char *trailer; /* bytes after a DER ContentInfo, in the node */
    size_t trailer_len;
};

/* ---- the bid ------------------------------------------------------------ */

/* A DER/BER length at *at: short or long form (up to 4 bytes), or BER's
 * indefinite form (*indefinite set). false when malformed or cut short. The
 * reader r is the structure's view (its end bounds the length bytes). */
static bool ber_length(struct sk_reader *r, size_t *at, size_t *len, bool *indefinite)
{
    uint8_t b = sk_reader_u8_at(r, *at);
    if (r->err)
        return false;
    (*at)++;
    *indefinite = false;
    *len = 0;
    if (b < 0x80) {
        *len = b;
        return true;
    }
    if (b == 0x80) {
        *indefinite = true;
        return true;
    }
    size_t k = b & 0x7fu;
    if (k > 4)
        return false;
    for (size_t i = 0; i < k; i++)
        *len = *len << 8 | sk_reader_u8_at(r, (*at)++);
    return !r->err;
}

/* RFC 5652 3: ContentInfo ::= SEQUENCE { contentType OID, [0] content }
 * with a pkcs7-* type (1.2.840.113549.1.7.1-6) or an S/MIME id-ct-* one
 * (1.2.840.113549.1.9.16.1: 2 authData, 9 compressedData, 23
 * authEnvelopedData). */
static bool is_cms(const struct sk_reader *in)
{
    static const uint8_t pkcs7[] = {0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07};
    static const uint8_t id_ct[] = {0x06, 0x0b, 0x2a, 0x86, 0x48, 0x86,
                                    0xf7, 0x0d, 0x01, 0x09, 0x10, 0x01};
    struct sk_reader r = *in;
    size_t at = 1, len;
    bool indefinite;
    /* The OID and the [0] after it are the evidence; the length is not
     * checked against the bytes, so a cut-off structure is still pkcs7 and
     * its parse error reported. */
    if (in->len < 16 || sk_reader_u8_at(&r, 0) != 0x30 ||
        !ber_length(&r, &at, &len, &indefinite))
        return false;
    if (sk_reader_match(in, at, pkcs7, sizeof pkcs7)) {
        uint8_t k = sk_reader_u8_at(&r, at + sizeof pkcs7);
        at += sizeof pkcs7 + 1;
        if (r.err || k < 1 || k > 6)
            return false;
    } else if (sk_reader_match(in, at, id_ct, sizeof id_ct)) {
        uint8_t k = sk_reader_u8_at(&r, at + sizeof id_ct);
        at += sizeof id_ct + 1;
        if (r.err || (k != 2 && k != 9 && k != 23))
            return false;
    } else {
        return false;
    }
    return sk_reader_u8_at(&r, at) == 0xa0 && !r.err;
}

/* RFC 5280 4.1: Certificate ::= SEQUENCE { tbsCertificate SEQUENCE {
 * [0] version or serialNumber INTEGER, ... }, signatureAlgorithm SEQUENCE,
 * ... }, in DER (definite lengths that fit). */
static bool is_x509(const struct sk_reader *in)
{
    struct sk_reader whole = *in;
    size_t at = 1, len, tbs;
    bool indefinite;
    if (in->len < 32 || sk_reader_u8_at(&whole, 0) != 0x30 ||
        !ber_length(&whole, &at, &len, &indefinite) || indefinite || len > in->len - at)
        return false;
    /* the certificate's own bytes: nothing after its end is read */
    struct sk_reader r = sk_reader_sub_at(&whole, 0, at + len);
    if (sk_reader_u8_at(&r, at++) != 0x30 || !ber_length(&r, &at, &tbs, &indefinite) ||
        indefinite || tbs > r.len - at || at + tbs >= r.len ||
        sk_reader_u8_at(&r, at + tbs) != 0x30)
        return false;
    if (sk_reader_match(&r, at, "\xa0\x03\x02\x01", 4)) {
        uint8_t version = sk_reader_u8_at(&r, at + 4);
        return !r.err && version <= 2;
    }
    return sk_reader_u8_at(&r, at) == 0x02 && !r.err;
}

/* The type a PEM text shows by its first line (RFC 7468, with the labels
 * OpenSSL reads for these), after a UTF-8 BOM and white space in the first
 * 1024 bytes, case-insensitive; SK_TYPE_DATA when it shows none. */
static enum sk_type pem_type(const struct sk_node *node)
{
    static const struct {
        const char *line;
        enum sk_type type;
    } labels[] = {
        {"-----BEGIN CERTIFICATE-----", SK_TYPE_X509},
        {"-----BEGIN X509 CERTIFICATE-----", SK_TYPE_X509},
        {"-----BEGIN TRUSTED CERTIFICATE-----", SK_TYPE_X509},
        {"-----BEGIN PKCS7-----", SK_TYPE_PKCS7},
        {"-----BEGIN CMS-----", SK_TYPE_PKCS7},
    };
    const struct sk_reader w =
        sk_reader_make(node->data.p, node->data.len < 1024 ? node->data.len : 1024);
    size_t at = sk_reader_skip_space(&w, 0);
    for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++) {
        struct sk_reader r = w;
        size_t len = strlen(labels[i].line);
        const uint8_t *line = sk_reader_at(&r, at, len);
        if (line && strncasecmp((const char *)line, labels[i].line, len) == 0)
            return labels[i].type;
    }
    return SK_TYPE_DATA;
}

/* The bid, from the first byte (a DER SEQUENCE) or, only in what the
 * sniffer found to be text, the PEM BEGIN line. A ContentInfo's content
 * type OID (72 bits or more) and its [0]: 60, pkcs7. A certificate has no
 * magic, only its shape (nested SEQUENCEs whose lengths fit each other and
 * the bytes, then a version or a serial number): 50, x509. A PEM label:
 * 60, its type. Both types come before the text family (types.c), so a
 * PEM certificate is x509 whatever else its text looks like. A node
 * already typed pkcs7 or x509 (by this bid, or by another unpacker) is
 * opened as that, 90. */
static int bid(const struct sk_node *node, enum sk_type *type)
{
    if (node->type == SK_TYPE_PKCS7 || node->type == SK_TYPE_X509)
        return 90;
    const struct sk_reader in = sk_reader_make(node->data.p, node->data.len);
    if (sk_reader_match(&in, 0, "\x30", 1)) {
        if (is_cms(&in)) {
            *type = SK_TYPE_PKCS7;
            return 60;
        }
        if (is_x509(&in)) {
            *type = SK_TYPE_X509;
            return 50;
        }
    }
    if (sk_type_precedence(node->type) != sk_type_precedence(SK_TYPE_TEXT))
        return 0;
    enum sk_type shown = pem_type(node);
    if (shown == SK_TYPE_DATA)
        return 0;
    *type = shown;
    return 60;
}

/* The first OpenSSL error as text, for the report. */
static const char *ssl_error(char *buf, size_t len)
{
    unsigned long e = ERR_get_error();
    ERR_clear_error(); /* leave nothing behind for the next user of libcrypto */
    if (!e)
        return "no further detail";
    ERR_error_string_n(e, buf, len);
    return buf;
}

/* A MIME entity's header block (RFC 2045 3): "Name: value" lines, a
 * Content-Type among them, up to an empty line, in the first 4 KiB. */
static bool is_mime_entity(const unsigned char *p, size_t n)
{
    struct sk_reader r = sk_reader_make(p, n < 4096 ? n : 4096);
    bool content_type = false;
    while (sk_reader_left(&r) > 0) {
        size_t at = r.pos, left = sk_reader_left(&r);
        const uint8_t *line = sk_reader_at(&r, at, left);
        const uint8_t *eol = memchr(line, '\n', left);
        if (!eol)
            return false;
        size_t span = (size_t)(eol - line), len = span;
        if (len > 0 && sk_reader_u8_at(&r, at + len - 1) == '\r')
            len--;
        if (len == 0)
            return content_type;
        uint8_t first = sk_reader_u8_at(&r, at);
        if (first == ' ' || first == '\t') {
            if (at == 0)
                return false;
        } else {
            size_t name = 0;
            while (name < len && line[name] > ' ' && line[name] < 0x7f && line[name] != ':')
                name++;
            if (name == 0 || name == len || line[name] != ':')
                return false;
            if (name == 12 && strncasecmp((const char *)line, "Content-Type", 12) == 0)
                content_type = true;
        }
        sk_reader_skip(&r, span + 1);
    }
    return false;
}

/* A certificate; `aux` for PEM's TRUSTED CERTIFICATE (trust settings after
 * it, as d2i_X509_AUX reads them). */
static int open_certificate(struct sk_unpack *u, const unsigned char *der, long len, bool aux)
{
    const unsigned char *q = der;
    X509 *cert = aux ? d2i_X509_AUX(NULL, &q, len) : d2i_X509(NULL, &q, len);
    char err[256];
    if (!cert) {
        sk_unpack_fail(u, "pkcs7", SK_ECORRUPT, "not a parseable X.509 certificate: %s",
                       ssl_error(err, sizeof err));
        return SK_ECORRUPT;
    }
    long rest = len - (long)(q - der);
    char subject[256] = "";
    X509_NAME_oneline(X509_get_subject_name(cert), subject, sizeof subject);
    X509_free(cert);
    if (rest != 0) {
        sk_unpack_fail(u, "pkcs7", SK_ECORRUPT, "%ld bytes after the certificate", rest);
        return SK_ECORRUPT;
    }
    sk_unpack_info(u, "certificate", "%s", subject);
    return 0;
}

static int count_certs(CMS_ContentInfo *cms)
{
    STACK_OF(X509) *certs = CMS_get1_certs(cms);
    int n = certs ? sk_X509_num(certs) : 0;
    sk_X509_pop_free(certs, X509_free);
    return n;
}

/* Plans the child, or reports what the content type is. */
static int open_cms(struct sk_unpack *u, struct pkcs7_state *st)
{
    int nid = OBJ_obj2nid(CMS_get0_type(st->cms));
    bool has_content = false;
    switch (nid) {
    case NID_pkcs7_signed: {
        STACK_OF(CMS_SignerInfo) *signers = CMS_get0_SignerInfos(st->cms);
        int n_signers = signers ? sk_CMS_SignerInfo_num(signers) : 0;
        int n_certs = count_certs(st->cms);
        ASN1_OCTET_STRING **pos = CMS_get0_content(st->cms);
        has_content = pos && *pos;
        sk_unpack_info(u, "cms", "signed-data, %s, %d signer%s, %d certificate%s",
                       has_content      ? "content inside"
                       : n_signers == 0 ? "certificates only"
                                        : "detached (the content is beside it)",
                       n_signers, n_signers == 1 ? "" : "s", n_certs, n_certs == 1 ? "" : "s");
        if (n_signers > 0)
            sk_unpack_info(u, "signature", "not verified (no trust store)");
        break;
    }
    case NID_pkcs7_data:
        has_content = true;
        sk_unpack_info(u, "cms", "data");
        break;
    case NID_pkcs7_digest:
        has_content = true;
        sk_unpack_info(u, "cms", "digested-data (the digest is not checked)");
        break;
    case NID_id_smime_ct_authData:
        has_content = true;
        sk_unpack_info(u, "cms", "authenticated-data (the MAC is not checked)");
        break;
    case NID_pkcs7_enveloped:
    case NID_id_smime_ct_authEnvelopedData:
    case NID_pkcs7_encrypted: {
        const char *what = nid == NID_pkcs7_enveloped   ? "enveloped-data"
                           : nid == NID_pkcs7_encrypted ? "encrypted-data"
                                                        : "authenticated-enveloped-data";
        sk_unpack_info(u, "cms", "%s", what);
        sk_unpack_reason(u, "encrypted.unopened", "S/MIME %s: no key to open it", what);
        return 0;
    }
    case NID_id_smime_ct_compressedData:
        sk_unpack_fail(u, "pkcs7", SK_EUNSUPPORTED, "CMS compressed-data is not opened");
        return SK_EUNSUPPORTED;
    default: {
        char oid[80] = "?";
        OBJ_obj2txt(oid, sizeof oid, CMS_get0_type(st->cms), 1);
        sk_unpack_fail(u, "pkcs7", SK_EUNSUPPORTED, "CMS content type %s is not opened", oid);
        return SK_EUNSUPPORTED;
    }
    }
    if (!has_content)
        return 0;
    ASN1_OCTET_STRING **pos = CMS_get0_content(st->cms);
    if (!pos || !*pos) {
        sk_unpack_fail(u, "pkcs7", SK_ECORRUPT, "CMS content missing or not octets");
        return SK_ECORRUPT;
    }
    st->content = ASN1_STRING_get0_data(*pos);
    st->content_len = (size_t)ASN1_STRING_length(*pos);
    st->name = nid == NID_pkcs7_signed ? "signed-content" : "content";
    return 0;
}

static int open_pkcs7(struct sk_unpack *u, void **out)
{
    const unsigned char *p = u->node->data.p;
    size_t n = u->node->data.len;
    struct sk_reader in = sk_reader_make(p, n);
    if (n > INT_MAX) {
        sk_unpack_fail(u, "pkcs7", SK_EUNSUPPORTED, "over 2 GiB");
        return SK_EUNSUPPORTED;
    }
    ERR_clear_error();
    char err[256];
    unsigned char *pem = NULL;
    bool aux = false;
    long der_len = (long)n;
    const unsigned char *der = p;
    /* The same start the bid looked at: past a UTF-8 BOM and white space,
     * which OpenSSL's PEM reader would not skip on the BEGIN line. */
    size_t lead = sk_reader_skip_space(&in, 0);
    if (sk_reader_match(&in, lead, "-----BEGIN ", 11)) {
        struct sk_reader r = in;
        const uint8_t *text = sk_reader_at(&r, lead, n - lead);
        BIO *bio = text ? BIO_new_mem_buf(text, (int)(n - lead)) : NULL;
        char *name = NULL, *header = NULL;
        if (!bio || !PEM_read_bio(bio, &name, &header, &pem, &der_len)) {
            BIO_free(bio);
            sk_unpack_fail(u, "pkcs7", SK_ECORRUPT, "PEM not decoded: %s",
                           ssl_error(err, sizeof err));
            return SK_ECORRUPT;
        }
        BIO_free(bio);
        sk_unpack_info(u, "pem", "%.64s", name);
        aux = strcmp(name, PEM_STRING_X509_TRUSTED) == 0;
        OPENSSL_free(name);
        OPENSSL_free(header);
        der = pem;
    }
    int rc;
    if (u->node->type == SK_TYPE_X509) {
        rc = open_certificate(u, der, der_len, aux);
        OPENSSL_free(pem);
        if (rc == 0)
            *out = NULL;
        return rc;
    }
    struct pkcs7_state *st = calloc(1, sizeof *st);
    if (!st) {
        OPENSSL_free(pem);
        return SK_ENOMEM;
    }
    const unsigned char *q = der;
    st->cms = d2i_CMS_ContentInfo(NULL, &q, der_len);
    /* Bytes after a DER ContentInfo (an appended archive) are a child of
     * their own, unless they are padding; after PEM they are text, which
     * is scanned with the node. */
    if (st->cms && !pem) {
        size_t used = (size_t)(q - der);
        size_t rest = n - used;
        while (rest > 0 && (p[n - rest] == 0 || p[n - rest] == '\r' || p[n - rest] == '\n'))
            rest--;
        if (rest > 0) {
            st->trailer = sk_reader_at(&in, used, n - used);
            st->trailer_len = n - used;
        }
    }
    OPENSSL_free(pem); /* the ContentInfo holds copies of what it needs */
    if (!st->cms) {
        free(st);
        sk_unpack_fail(u, "pkcs7", SK_ECORRUPT, "not a parseable CMS ContentInfo: %s",
                       ssl_error(err, sizeof err));
        return SK_ECORRUPT;
    }
    rc = open_cms(u, st);
    if (rc != 0) {
        CMS_ContentInfo_free(st->cms);
        free(st);
        return rc;
    }
    *out = st;
    return 0;
}

static int next_child(struct sk_unpack *u, void *state, struct sk_child *child)
{
    struct pkcs7_state *st = state;
    if (!st)
        return SK_DONE;
    if (st->done || !st->content) {
        if (!st->trailer)
            return SK_DONE;
        child->name = "trailer";
        child->name_len = 7;
        int rc = sk_unpack_view(u, &child->data, st->trailer, st->trailer_len);
        st->trailer = NULL;
        if (rc == SK_ELIMIT) {
            child->truncated = true;
            rc = 0;
        }
        return rc;
    }
    st->done = true;
    child->name = st->name;
    child->name_len = strlen(st->name);
    if (is_mime_entity(st->content, st->content_len))
        child->type = SK_TYPE_EML;
    int rc = sk_unpack_append(u, &child->data, st->content, st->content_len);
    if (rc == SK_ELIMIT) {
        child->truncated = true;
        rc = 0;
    }
    return rc;
}

static void close_pkcs7(void *state)
{
    struct pkcs7_state *st = state;
    if (!st)
        return;
    CMS_ContentInfo_free(st->cms);
    free(st);
}

const struct sk_unpacker sk_unpacker_pkcs7 = {
    .name = "pkcs7",
    .bid = bid,
    .open = open_pkcs7,
    .next = next_child,
    .close = close_pkcs7,
};
