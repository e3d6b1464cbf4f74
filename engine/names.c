/* Names that hide what a file really is (reason name.deceptive), and the
 * reason a path in a name earns where it is (name.unsafe_path for an
 * archive's member, name.attachment_path for a message's part).
 *
 * Windows shows a name with its last extension hidden by default and lays
 * bidirectional text out visually, so a mail's attachment can pose as a
 * document: "invoice.pdf.exe" shows as "invoice.pdf"; "photo\u202Egpj.exe"
 * shows as "photoexe.jpg"; "report.pdf<40 spaces>.exe" pushes the real
 * extension out of the column; a trailing dot or space is dropped by the
 * shell, so "setup.exe." runs as "setup.exe". The checks read the last path
 * component only and look at a bounded number of bytes (names are cut to
 * SK_MAX_NAME_BYTES before they get here). */
#include "names.h"

#include "text.h"

#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

#define EXT_MAX 12u
#define PAD_MIN 3u /* blanks in a row before the extension that count as padding */

/* What runs (or mounts) on a double click: executables, scripts,
 * shortcuts, disk images. */
static const char *const runnable_exts[] = {
    "exe", "scr", "com", "pif", "cpl",       "msi",         "msp", "msc", "dll",  "bat",  "cmd",
    "js",  "jse", "vbs", "vbe", "wsf",       "wsh",         "hta", "ps1", "psm1", "lnk",  "url",
    "scf", "jar", "reg", "chm", "appref-ms", "application", "iso", "img", "vhd",  "vhdx",
};

/* What a victim expects to open harmlessly: documents, media, archives. */
static const char *const document_exts[] = {
    "pdf",  "doc", "docx", "docm", "dot", "dotx", "xls", "xlsx", "xlsm", "xlsb", "ppt",  "pptx",
    "pptm", "rtf", "txt",  "csv",  "odt", "ods",  "odp", "one",  "eml",  "msg",  "htm",  "html",
    "xml",  "jpg", "jpeg", "png",  "gif", "bmp",  "tif", "tiff", "svg",  "webp", "heic", "mp3",
    "mp4",  "wav", "avi",  "mov",  "mkv", "wmv",  "zip", "rar",  "7z",
};

static bool ext_in(const char *ext, size_t len, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strlen(list[i]) == len && strncasecmp(ext, list[i], len) == 0)
            return true;
    return false;
}

/* Length in bytes of the blank that ends at s[end) (ASCII space, U+00A0,
 * U+2000..U+200B, U+202F, U+205F, U+3000), or 0. */
static size_t blank_before(const unsigned char *s, size_t end)
{
    if (end >= 1 && (s[end - 1] == ' ' || s[end - 1] == '\t'))
        return 1;
    if (end >= 2 && s[end - 2] == 0xc2 && s[end - 1] == 0xa0)
        return 2;
    if (end >= 3) {
        const unsigned char *c = s + end - 3;
        if (c[0] == 0xe2 && c[1] == 0x80 && (c[2] <= 0x8b || c[2] == 0xaf))
            return 3;
        if (c[0] == 0xe2 && c[1] == 0x81 && c[2] == 0x9f)
            return 3;
        if (c[0] == 0xe3 && c[1] == 0x80 && c[2] == 0x80)
            return 3;
    }
    return 0;
}

/* U+202A..U+202E (embeddings, overrides) and U+2066..U+2069 (isolates). */
static bool has_bidi_control(const unsigned char *s)
{
    for (; *s; s++) {
        if (s[0] != 0xe2 || !s[1] || !s[2])
            continue;
        if ((s[1] == 0x80 && s[2] >= 0xaa && s[2] <= 0xae) ||
            (s[1] == 0x81 && s[2] >= 0xa6 && s[2] <= 0xa9))
            return true;
    }
    return false;
}

static const char *base_name(const char *name)
{
    const char *base = name;
    for (const char *p = name; *p; p++)
        if (*p == '/' || *p == '\\')
            base = p + 1;
    return base;
}

/* The extension ending at `end` (exclusive) in s: sets *ext, returns its
 * length, or 0 when there is no dot within EXT_MAX bytes. */
static size_t ext_before(const char *s, size_t end, const char **ext, size_t *dot)
{
    for (size_t i = end; i-- > 0 && end - i <= EXT_MAX + 1;) {
        if (s[i] == '.') {
            *ext = s + i + 1;
            *dot = i;
            return end - i - 1;
        }
    }
    return 0;
}

const char *sk_name_deception(const char *name)
{
    const char *base = base_name(name);
    size_t len = strlen(base);
    if (has_bidi_control((const unsigned char *)base))
        return "a bidirectional control character reorders the name";
    if (len > 0 && (base[len - 1] == '.' || base[len - 1] == ' ') && strspn(base, ". ") != len)
        return "trailing dots or spaces, which Windows drops";
    const char *last, *prev;
    size_t last_dot, prev_dot;
    size_t last_len = ext_before(base, len, &last, &last_dot);
    if (last_len == 0 || last_dot == 0)
        return NULL;
    size_t blanks = 0, at = last_dot, step;
    while ((step = blank_before((const unsigned char *)base, at)) != 0) {
        at -= step;
        blanks++;
    }
    if (blanks >= PAD_MIN && at > 0)
        return "blanks pad the name before its real extension";
    bool runnable =
        ext_in(last, last_len, runnable_exts, sizeof runnable_exts / sizeof runnable_exts[0]);
    size_t prev_len = runnable ? ext_before(base, last_dot, &prev, &prev_dot) : 0;
    if (prev_len > 0 && prev_dot > 0 &&
        ext_in(prev, prev_len, document_exts, sizeof document_exts / sizeof document_exts[0]))
        return "a document extension before an executable one";
    return NULL;
}

/* A message hands its parts' names to a mail client, which keeps only the
 * last component: a path there is odd, never an escape. Archives and disk
 * images are opened by extraction tools, some of which honour the path. */
const char *sk_name_path_code(const char *name, enum sk_type container)
{
    if (!sk_name_is_unsafe(name))
        return NULL;
    if (sk_type_traits(container)->message || container == SK_TYPE_TNEF)
        return "name.attachment_path";
    return "name.unsafe_path";
}
