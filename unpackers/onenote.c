/* OneNote sections (.one): the files embedded in them.
 *
 * Spec: [MS-ONESTORE] 2.3.1 Header (guidFileType
 * {7B5C52E4-D88C-4DA7-AEB1-5378D02996D3}, sniffed in engine/sniff.c) and
 * 2.6.13 FileDataStoreObject: guidHeader {BDE316E7-2665-4511-A4C4-
 * 8D4D0B7A9EAC}, cbLength (8 bytes: FileData's size without padding),
 * unused (4), reserved (8), FileData, padding to 8 bytes, guidFooter
 * {71FBA722-0F79-4A0B-BB13-899256426B24}; [MS-ONE] 2.1.5 (embedded files
 * and pictures are file data objects stored this way).
 * Supports: every FileDataStoreObject found by its header GUID, carved as a
 * child "embedded_N" (a view into the section: no copy), as onedump and
 * other carvers do; the count goes into info.
 * Refuses: the names. Tying a blob to its EmbeddedFileName means walking
 * the file node lists, object spaces and property sets (2.4 to 2.6) from
 * the header's fcrFileNodeListRoot; it is left for later, and the type is
 * sniffed from the bytes, which is what the verdict needs.
 * Limits: one linear memmem scan; cbLength is checked against the bytes
 * that remain (a block that claims more is carved to the end, marked
 * truncated, and reported error.corrupt); views go through sk_unpack_view. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/error.h"
#include "../engine/reader.h"
#include "unpacker.h"

#define GUID_BYTES 16u
#define BLOCK_HEADER_BYTES 36u /* guidHeader, cbLength, unused, reserved */

/* The GUIDs as they lie in the file (MS-DTYP: Data1..3 little-endian). */
static const uint8_t FILE_DATA_HEADER[GUID_BYTES] = {0xe7, 0x16, 0xe3, 0xbd, 0x65, 0x26,
                                                     0x11, 0x45, 0xa4, 0xc4, 0x8d, 0x4d,
                                                     0x0b, 0x7a, 0x9e, 0xac};
static const uint8_t FILE_DATA_FOOTER[GUID_BYTES] = {0x22, 0xa7, 0xfb, 0x71, 0x79, 0x0f,
                                                     0x0b, 0x4a, 0xbb, 0x13, 0x89, 0x92,
                                                     0x56, 0x42, 0x6b, 0x24};

struct onenote_state {
    size_t pos;
    unsigned found;
    bool corrupt_said;
    char name[32];
};

static int probe(const struct sk_node *node)
{
    return node->type == SK_TYPE_ONENOTE ? 60 : 0;
}

static int open_onenote(struct sk_unpack *u, void **out)
{
    struct onenote_state *st = calloc(1, sizeof *st);
    if (!st)
        return SK_ENOMEM;
    (void)u;
    *out = st;
    return 0;
}

static void close_onenote(void *state)
{
    free(state);
}

/* The footer of a block whose data ends at `end`: the spec pads FileData so
 * the footer is 8-byte aligned; writers differ on what the alignment is
 * relative to, so any position in the next 8 bytes counts. */
static bool footer_after(const uint8_t *p, size_t n, size_t end)
{
    for (size_t pad = 0; pad < 8; pad++)
        if (end + pad <= n && GUID_BYTES <= n - end - pad &&
            memcmp(p + end + pad, FILE_DATA_FOOTER, GUID_BYTES) == 0)
            return true;
    return false;
}

static int next_file(struct sk_unpack *u, void *state, struct sk_child *child)
{
    struct onenote_state *st = state;
    const uint8_t *p = u->node->data.p;
    size_t n = u->node->data.len;
    if (sk_unpack_expired(u) || st->pos >= n)
        return SK_DONE;
    const uint8_t *hit = memmem(p + st->pos, n - st->pos, FILE_DATA_HEADER, GUID_BYTES);
    if (!hit) {
        st->pos = n;
        return SK_DONE;
    }
    size_t at = (size_t)(hit - p);
    struct sk_reader r = sk_reader_make(p, n);
    sk_reader_seek(&r, at + GUID_BYTES);
    uint64_t declared = sk_reader_u64le(&r);
    sk_reader_skip(&r, 12); /* unused, reserved */
    if (r.err) {
        st->pos = n;
        sk_unpack_fail(u, "onenote", SK_ETRUNC, "FileDataStoreObject at %zu cut short", at);
        return SK_ETRUNC;
    }
    size_t data = r.pos, left = n - data;
    bool whole = declared <= left;
    size_t len = whole ? (size_t)declared : left;
    st->found++;
    snprintf(st->name, sizeof st->name, "embedded_%u", st->found);
    child->name = st->name;
    child->name_len = strlen(st->name);
    int rc = sk_unpack_view(u, &child->data, p + data, len);
    if (!whole || !footer_after(p, n, data + len)) {
        child->truncated = !whole;
        if (!st->corrupt_said) {
            st->corrupt_said = true;
            sk_unpack_reason(u, "error.corrupt",
                             "FileDataStoreObject at %zu: cbLength %llu, %zu bytes left, %s",
                             at, (unsigned long long)declared, left,
                             whole ? "no guidFooter after the data" : "carved to the end");
        }
    }
    st->pos = whole ? data + len : n;
    sk_unpack_info(u, "embedded_files", "%u", st->found);
    return rc == SK_ELIMIT ? 0 : rc;
}

const struct sk_unpacker sk_unpacker_onenote = {
    .name = "onenote",
    .probe = probe,
    .open = open_onenote,
    .next = next_file,
    .close = close_onenote,
};
