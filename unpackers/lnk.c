/* Windows shortcuts (.lnk): what a double click would run.
 *
 * Spec: [MS-SHLLINK] 2.1 ShellLinkHeader (HeaderSize 0x4C, LinkCLSID,
 * LinkFlags, ShowCommand), 2.2 LinkTargetIDList (IDListSize, ItemIDs each
 * with its own size, a zero TerminalID), 2.3 LinkInfo (LocalBasePath,
 * CommonNetworkRelativeLink 2.3.2 with NetName, CommonPathSuffix, and the
 * Unicode offsets when LinkInfoHeaderSize >= 0x24), 2.4 StringData
 * (NAME_STRING, RELATIVE_PATH, WORKING_DIR, COMMAND_LINE_ARGUMENTS,
 * ICON_LOCATION: a count of characters, UTF-16LE when IsUnicode), 2.5
 * ExtraData (blocks until one smaller than 4 bytes; 2.5.4
 * EnvironmentVariableDataBlock, 2.5.10 TrackerDataBlock). Inside the
 * IDList, the shell items themselves are not in [MS-SHLLINK]: volume items
 * (class 0x2X, "C:\") and file entry items (class 0x3X, primary name at
 * offset 14) are read as libfwsi's "Windows Shell Item format" documents
 * them; other items are skipped.
 *
 * Reason dropper.lnk, detail "target <path> args <arguments>" (cut); facts
 * under "info". Child: one text node "lnk.txt" with the target, arguments,
 * working directory, icon, name, relative path and environment target, one
 * per line, so YARA rules see the command line.
 * Refuses: a structure whose size runs past the end (error.corrupt, with
 * what was read before it still reported and handed back).
 * Limits: every size and offset checked through the bounded reader; item
 * IDs and extra data blocks walked with caps (LNK_MAX_*); strings are at
 * most 65535 characters by format, and each text field is capped at
 * LNK_TEXT_MAX bytes (a LinkInfo path is bounded only by the file: a longer
 * one is error.unsupported); the text goes through sk_unpack_append. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/error.h"
#include "../engine/reader.h"
#include "../engine/text.h"
#include "textcode.h"
#include "unpacker.h"

#define LNK_MAX_ITEMS 256u  /* item IDs walked in the target IDList */
#define LNK_MAX_BLOCKS 256u /* extra data blocks walked */
#define LNK_PATH_MAX 4096u  /* bytes of the IDList path kept */
#define LNK_DETAIL 200u     /* bytes of target/args in the reason's detail */
#define LNK_TEXT_MAX (1u << 20) /* bytes of one text field */

enum {
    HAS_ID_LIST = 0x1,
    HAS_LINK_INFO = 0x2,
    HAS_NAME = 0x4,
    HAS_RELATIVE_PATH = 0x8,
    HAS_WORKING_DIR = 0x10,
    HAS_ARGUMENTS = 0x20,
    HAS_ICON_LOCATION = 0x40,
    IS_UNICODE = 0x80,
};

enum lnk_field {
    F_TARGET,
    F_ARGUMENTS,
    F_WORKING_DIR,
    F_ICON,
    F_NAME,
    F_RELATIVE_PATH,
    F_ENV_TARGET,
    F_NETWORK,
    F_ID_LIST_PATH,
    F_MACHINE_ID,
    F_COUNT
};

static const char *const field_keys[F_COUNT] = {
    "target",        "arguments",  "working_dir",  "icon",        "name",
    "relative_path", "env_target", "network_path", "idlist_path", "machine_id",
};

struct lnk_state {
    struct sk_dynbuf field[F_COUNT]; /* UTF-8 or code page text, capped at LNK_TEXT_MAX */
    bool handed_back;
    size_t command_pos; /* where the next -EncodedCommand is looked for in the arguments */
    unsigned commands;
    char command_name[32];
};

/* The bid: MS-SHLLINK 2.1's HeaderSize 0x4C and the LinkCLSID
 * {00021401-0000-0000-C000-000000000046}, 160 bits at offset 0: 60. */
static int bid(const struct sk_node *node, enum sk_type *type)
{
    static const uint8_t head[20] = {0x4c, 0,    0,    0,    0x01, 0x14, 0x02,
                                     0x00, 0x00, 0x00, 0x00, 0x00, 0xc0, 0x00,
                                     0x00, 0x00, 0x00, 0x00, 0x00, 0x46};
    struct sk_reader r = sk_reader_make(node->data.p, node->data.len);
    if (r.len < 0x4c || !sk_reader_match(&r, 0, head, sizeof head))
        return 0;
    *type = SK_TYPE_LNK;
    return 60;
}

/* Appends n UTF-16LE code units as UTF-8, stopping at a NUL: converted in
 * place, in room for the longest result that is then cut to the real one. */
static int text_add_utf16(struct sk_dynbuf *t, const uint8_t *p, size_t units)
{
    size_t max = units * 3; /* a unit is at most 3 bytes of UTF-8; a pair 4 */
    size_t at = t->len;
    void *room;
    int rc = sk_dynbuf_extend(t, max, &room);
    if (rc != 0)
        return rc;
    sk_dynbuf_truncate(t, at + sk_utf16le_to_utf8(p, units, room, max));
    return 0;
}

/* Appends the NUL-terminated 8-bit string from offset off to the end of
 * the view (system code page bytes, kept as they are). */
static int text_add_cstr(struct sk_dynbuf *t, struct sk_reader view, size_t off)
{
    if (off >= view.len)
        return SK_ETRUNC;
    size_t left = view.len - off;
    const uint8_t *s = sk_reader_at(&view, off, left);
    const uint8_t *end = memchr(s, 0, left);
    return sk_dynbuf_add(t, s, end ? (size_t)(end - s) : left);
}

/* The NUL-terminated UTF-16LE string from offset off to the end of the view. */
static int text_add_wstr(struct sk_dynbuf *t, struct sk_reader view, size_t off)
{
    if (off >= view.len)
        return SK_ETRUNC;
    size_t left = view.len - off;
    return text_add_utf16(t, sk_reader_at(&view, off, left), left / 2);
}

/* ---- LinkTargetIDList (2.2) ---------------------------------------------- */

/* One shell item: a volume ("C:\") or a file entry's primary name. */
static int id_item(struct sk_dynbuf *path, struct sk_reader item)
{
    uint8_t class_type = item.len > 2 ? sk_reader_u8_at(&item, 2) : 0;
    if ((class_type & 0x70) == 0x20 && item.len > 3) {
        sk_dynbuf_reset(path); /* a volume starts the path again */
        return text_add_cstr(path, item, 3);
    }
    if ((class_type & 0x70) == 0x30 && item.len > 14) {
        int rc = 0;
        if (path->len && path->p[path->len - 1] != '\\')
            rc = sk_dynbuf_add(path, "\\", 1);
        if (rc != 0)
            return rc;
        if (class_type & 0x04) /* the primary name is UTF-16 */
            return text_add_wstr(path, item, 14);
        return text_add_cstr(path, item, 14);
    }
    return 0;
}

static int read_id_list(struct sk_reader *r, struct lnk_state *st)
{
    uint16_t list_size = sk_reader_u16le(r);
    struct sk_reader list = sk_reader_sub(r, list_size);
    if (r->err)
        return SK_ETRUNC;
    for (unsigned n = 0; n < LNK_MAX_ITEMS; n++) {
        size_t start = list.pos;
        uint16_t size = sk_reader_u16le(&list);
        if (list.err || size == 0)
            return list.err; /* TerminalID, or the list ended without one */
        if (size < 2)
            return SK_ECORRUPT;
        if (sk_reader_skip(&list, size - 2u))
            return SK_ETRUNC;
        /* The item's bytes as the spec counts them include its size field. */
        int rc = id_item(&st->field[F_ID_LIST_PATH], sk_reader_sub_at(&list, start, size));
        if (rc == SK_ENOMEM || rc == SK_ELIMIT)
            return rc;
        if (st->field[F_ID_LIST_PATH].len > LNK_PATH_MAX)
            break;
    }
    return 0;
}

/* ---- LinkInfo (2.3) ------------------------------------------------------ */

/* The CommonNetworkRelativeLink at offset off of the LinkInfo. */
static int read_network(struct sk_reader info, uint32_t off, struct sk_dynbuf *out)
{
    struct sk_reader r = info;
    sk_reader_seek(&r, off);
    sk_reader_skip(&r, 8); /* CommonNetworkRelativeLinkSize, Flags */
    uint32_t net_name = sk_reader_u32le(&r);
    sk_reader_skip(&r, 8); /* DeviceNameOffset, NetworkProviderType */
    uint32_t net_name_unicode = net_name > 0x14 ? sk_reader_u32le(&r) : 0;
    if (r.err)
        return SK_ETRUNC;
    struct sk_reader link = sk_reader_sub_at(&info, off, info.len - off);
    if (net_name_unicode)
        return text_add_wstr(out, link, net_name_unicode);
    return text_add_cstr(out, link, net_name);
}

static int read_link_info(struct sk_reader *r, struct lnk_state *st)
{
    struct sk_reader head = *r;
    uint32_t size = sk_reader_u32le(&head);
    if (head.err || size < 0x1c)
        return head.err ? head.err : SK_ECORRUPT;
    struct sk_reader info = sk_reader_sub(r, size);
    if (r->err)
        return SK_ETRUNC;
    const struct sk_reader whole = info; /* offsets below count from its start */
    sk_reader_skip(&info, 4);
    uint32_t header_size = sk_reader_u32le(&info);
    uint32_t flags = sk_reader_u32le(&info);
    sk_reader_skip(&info, 4); /* VolumeIDOffset */
    uint32_t base = sk_reader_u32le(&info);
    uint32_t network = sk_reader_u32le(&info);
    uint32_t suffix = sk_reader_u32le(&info);
    uint32_t base_unicode = header_size >= 0x24 ? sk_reader_u32le(&info) : 0;
    uint32_t suffix_unicode = header_size >= 0x24 ? sk_reader_u32le(&info) : 0;
    if (info.err)
        return SK_ETRUNC;
    struct sk_dynbuf *target = &st->field[F_TARGET];
    int rc = 0;
    if (flags & 1) /* VolumeIDAndLocalBasePath */
        rc = base_unicode ? text_add_wstr(target, whole, base_unicode)
                          : text_add_cstr(target, whole, base);
    if (rc == 0 && (flags & 2)) /* CommonNetworkRelativeLinkAndPathSuffix */
        rc = read_network(whole, network, &st->field[F_NETWORK]);
    if (rc == 0 && (flags & 3)) {
        struct sk_dynbuf *to = (flags & 1) ? target : &st->field[F_NETWORK];
        struct sk_dynbuf tail;
        sk_dynbuf_init_alloc(&tail, LNK_TEXT_MAX, to->allocator);
        rc = suffix_unicode ? text_add_wstr(&tail, whole, suffix_unicode)
                            : text_add_cstr(&tail, whole, suffix);
        if (rc == 0 && tail.len) {
            if (to->len && to->p[to->len - 1] != '\\')
                rc = sk_dynbuf_add(to, "\\", 1);
            if (rc == 0)
                rc = sk_dynbuf_add(to, tail.p, tail.len);
        }
        sk_dynbuf_free(&tail);
    }
    return rc;
}

/* ---- StringData (2.4) ---------------------------------------------------- */

static int read_string(struct sk_reader *r, bool unicode, struct sk_dynbuf *out)
{
    uint16_t chars = sk_reader_u16le(r);
    const uint8_t *s = sk_reader_bytes(r, unicode ? 2u * chars : chars);
    if (!s)
        return SK_ETRUNC;
    sk_dynbuf_reset(out);
    if (unicode)
        return text_add_utf16(out, s, chars);
    const uint8_t *nul = memchr(s, 0, chars);
    return sk_dynbuf_add(out, s, nul ? (size_t)(nul - s) : chars);
}

static int read_strings(struct sk_reader *r, uint32_t flags, struct lnk_state *st)
{
    static const struct {
        uint32_t flag;
        enum lnk_field field;
    } order[] = {
        {HAS_NAME, F_NAME},
        {HAS_RELATIVE_PATH, F_RELATIVE_PATH},
        {HAS_WORKING_DIR, F_WORKING_DIR},
        {HAS_ARGUMENTS, F_ARGUMENTS},
        {HAS_ICON_LOCATION, F_ICON},
    };
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        if (!(flags & order[i].flag))
            continue;
        int rc = read_string(r, flags & IS_UNICODE, &st->field[order[i].field]);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* ---- ExtraData (2.5) ----------------------------------------------------- */

static int read_block(struct sk_reader block, uint32_t signature, struct lnk_state *st)
{
    if (signature == 0xa0000001u && block.len >= 0x314) { /* EnvironmentVariableDataBlock */
        struct sk_dynbuf *env = &st->field[F_ENV_TARGET];
        sk_dynbuf_reset(env);
        int rc = text_add_utf16(env, sk_reader_at(&block, 268, 520), 260);
        if (rc == 0 && env->len == 0)
            rc = text_add_cstr(env, sk_reader_sub_at(&block, 0, 268), 8);
        return rc;
    }
    if (signature == 0xa0000003u && block.len >= 0x60) /* TrackerDataBlock: MachineID */
        return text_add_cstr(&st->field[F_MACHINE_ID], sk_reader_sub_at(&block, 0, 32), 16);
    return 0;
}

static int read_extra(struct sk_reader *r, struct lnk_state *st)
{
    for (unsigned n = 0; n < LNK_MAX_BLOCKS; n++) {
        if (sk_reader_left(r) < 4)
            return 0; /* no TerminalBlock: tolerated, as Windows does */
        struct sk_reader head = *r;
        uint32_t size = sk_reader_u32le(&head);
        if (size < 4)
            return 0; /* TerminalBlock */
        if (size < 8)
            return SK_ECORRUPT;
        struct sk_reader block = sk_reader_sub(r, size);
        if (block.err)
            return SK_ETRUNC;
        int rc = read_block(block, sk_reader_u32le_at(&block, 4), st);
        if (rc == SK_ENOMEM || rc == SK_ELIMIT)
            return rc;
    }
    return 0;
}

/* ---- the unpacker -------------------------------------------------------- */

static void free_state(struct lnk_state *st)
{
    for (int i = 0; i < F_COUNT; i++)
        sk_dynbuf_free(&st->field[i]);
    free(st);
}

/* The target as Windows would resolve it: LinkInfo's local path, else the
 * network path, else the IDList's path, else the environment target. */
static const struct sk_dynbuf *best_target(const struct lnk_state *st)
{
    static const enum lnk_field order[] = {F_TARGET, F_NETWORK, F_ID_LIST_PATH, F_ENV_TARGET};
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
        if (st->field[order[i]].len)
            return &st->field[order[i]];
    return &st->field[F_TARGET];
}

static void describe(struct sk_unpack *u, const struct lnk_state *st, uint32_t show)
{
    for (int i = 0; i < F_COUNT; i++)
        if (st->field[i].len)
            sk_unpack_info(u, field_keys[i], "%s", st->field[i].p);
    const char *shown = show == 3 ? "maximized" : show == 7 ? "minimized" : "normal";
    sk_unpack_info(u, "show", "%s", shown);
    const struct sk_dynbuf *target = best_target(st);
    const struct sk_dynbuf *args = &st->field[F_ARGUMENTS];
    sk_unpack_reason(u, "dropper.lnk", "target %.*s%s%.*s", (int)LNK_DETAIL,
                     target->len ? target->p : "(none)", args->len ? " args " : "",
                     (int)LNK_DETAIL, args->len ? args->p : "");
}

static int parse(struct sk_reader *r, struct lnk_state *st, uint32_t flags)
{
    int rc = 0;
    if (flags & HAS_ID_LIST)
        rc = read_id_list(r, st);
    if (rc == 0 && (flags & HAS_LINK_INFO))
        rc = read_link_info(r, st);
    if (rc == 0)
        rc = read_strings(r, flags, st);
    if (rc == 0)
        rc = read_extra(r, st);
    return rc;
}

static int open_lnk(struct sk_unpack *u, void **state)
{
    struct lnk_state *st = sk_unpack_calloc(u, 1, sizeof *st);
    if (!st)
        return SK_ENOMEM;
    for (int i = 0; i < F_COUNT; i++)
        sk_unpack_dynbuf_init(u, &st->field[i], LNK_TEXT_MAX);
    struct sk_reader r = sk_reader_make(u->node->data.p, u->node->data.len);
    sk_reader_skip(&r, 20); /* HeaderSize and LinkCLSID, checked by the sniffer */
    uint32_t flags = sk_reader_u32le(&r);
    sk_reader_seek(&r, 60);
    uint32_t show = sk_reader_u32le(&r);
    sk_reader_seek(&r, 0x4c);
    int rc = r.err ? r.err : parse(&r, st, flags);
    if (rc == SK_ENOMEM) {
        free_state(st);
        return rc;
    }
    describe(u, st, show);
    if (rc == SK_ELIMIT)
        sk_unpack_fail(u, "lnk", SK_EUNSUPPORTED,
                       "a text field longer than %u bytes; what was read is kept", LNK_TEXT_MAX);
    else if (rc != 0)
        sk_unpack_fail(u, "lnk", rc, "a structure runs past its bounds; what was read is kept");
    *state = st;
    return 0;
}

/* The shortcuts of LNK campaigns run `powershell -enc <base64>`: each
 * encoded command in the arguments becomes a child of its own, decoded, so
 * YARA sees the script and not its base64. */
static int next_command(struct sk_unpack *u, struct lnk_state *st, struct sk_child *child)
{
    const struct sk_dynbuf *args = &st->field[F_ARGUMENTS];
    if (!args->len)
        return SK_DONE;
    int rc = sk_powershell_encoded_next(u, (const uint8_t *)args->p, args->len,
                                        &st->command_pos, child);
    if (rc == SK_DONE)
        return rc;
    st->commands++;
    snprintf(st->command_name, sizeof st->command_name, "encoded_command_%u.ps1", st->commands);
    child->name = st->command_name;
    child->name_len = strlen(child->name);
    sk_unpack_info(u, "encoded_commands", "%u", st->commands);
    return rc;
}

static int next_lnk(struct sk_unpack *u, void *state, struct sk_child *child)
{
    struct lnk_state *st = state;
    if (st->handed_back)
        return next_command(u, st, child);
    st->handed_back = true;
    static const enum lnk_field shown[] = {F_TARGET,    F_NETWORK,       F_ID_LIST_PATH,
                                           F_ARGUMENTS, F_WORKING_DIR,   F_ICON,
                                           F_NAME,      F_RELATIVE_PATH, F_ENV_TARGET};
    for (size_t i = 0; i < sizeof shown / sizeof shown[0]; i++) {
        const struct sk_dynbuf *t = &st->field[shown[i]];
        if (!t->len)
            continue;
        const char *key = field_keys[shown[i]];
        int rc = sk_unpack_append(u, &child->data, key, strlen(key));
        if (rc == 0)
            rc = sk_unpack_append(u, &child->data, ": ", 2);
        if (rc == 0)
            rc = sk_unpack_append(u, &child->data, t->p, t->len);
        if (rc == 0)
            rc = sk_unpack_append(u, &child->data, "\n", 1);
        if (rc != 0) {
            child->truncated = true;
            break;
        }
    }
    if (child->data.len == 0)
        return next_command(u, st, child); /* a shortcut to nothing: the reason says so */
    child->name = "lnk.txt";
    child->name_len = strlen(child->name);
    return 0;
}

static void close_lnk(void *state)
{
    free_state(state);
}

const struct sk_unpacker sk_unpacker_lnk = {
    .name = "lnk",
    .bid = bid,
    .open = open_lnk,
    .next = next_lnk,
    .close = close_lnk,
};
