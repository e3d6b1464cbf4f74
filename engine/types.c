/* The table of types: contract names and traits (types.h). One line per
 * type; designated initialisers, so a missing trait is false or NULL. */
#include "types.h"

#include <string.h>
#include <strings.h>

/* The containers whose contents are their reason: campaigns moved droppers
 * into disk images and OneNote files to get past filters that look only at
 * a mail's first layer. */
#define DISK_IMAGE_HOLDS .holds = SK_KIND_DROPPER, .holds_code = "container.disk_image"
/* What a OneNote page can embed for a victim to double-click (an HTML
 * application counts by its name, as well as once the script unpacker has
 * typed it a script). */
#define ONENOTE_HOLDS                                                                          \
    .holds = SK_KIND_DROPPER | SK_KIND_DOCUMENT | SK_KIND_HTML_APP,                            \
    .holds_code = "onenote.embedded_file"

static const struct sk_type_traits traits[SK_TYPE_COUNT] = {
    [SK_TYPE_DATA] = {.name = "data", .stage = SK_STAGE_UNPACK},
    [SK_TYPE_EMPTY] = {.name = "empty", .stage = SK_STAGE_UNPACK},
    [SK_TYPE_TEXT] = {.name = "text", .stage = SK_STAGE_UNPACK},
    [SK_TYPE_HTML] = {.name = "html",
                      .by_name = {".hta", SK_KIND_HTML_APP},
                      .stage = SK_STAGE_UNPACK},
    [SK_TYPE_XML] = {.name = "xml", .stage = SK_STAGE_UNPACK},
    [SK_TYPE_EML] = {.name = "eml", .message = true, .stage = SK_STAGE_MIME},
    [SK_TYPE_ZIP] = {.name = "zip", .archive = true, .stage = SK_STAGE_UNPACK},
    [SK_TYPE_7Z] = {.name = "7z", .archive = true, .stage = SK_STAGE_UNPACK},
    [SK_TYPE_RAR] = {.name = "rar", .archive = true, .stage = SK_STAGE_UNPACK},
    [SK_TYPE_RAR5] = {.name = "rar5", .archive = true, .stage = SK_STAGE_UNPACK},
    [SK_TYPE_TAR] = {.name = "tar", .archive = true, .stage = SK_STAGE_UNPACK},
    [SK_TYPE_CPIO] = {.name = "cpio", .archive = true, .stage = SK_STAGE_UNPACK},
    [SK_TYPE_CAB] = {.name = "cab", .archive = true, .stage = SK_STAGE_UNPACK},
    [SK_TYPE_LHA] = {.name = "lha", .archive = true, .stage = SK_STAGE_UNPACK},
    [SK_TYPE_ISO9660] = {.name = "iso9660",
                         .archive = true,
                         .disk_image = true,
                         DISK_IMAGE_HOLDS,
                         .stage = SK_STAGE_UNPACK},
    [SK_TYPE_XAR] = {.name = "xar", .archive = true, .stage = SK_STAGE_UNPACK},
    [SK_TYPE_AR] = {.name = "ar", .archive = true, .stage = SK_STAGE_UNPACK},
    [SK_TYPE_GZIP] = {.name = "gzip", .filter = true, .stage = SK_STAGE_UNPACK},
    [SK_TYPE_BZIP2] = {.name = "bzip2", .filter = true, .stage = SK_STAGE_UNPACK},
    [SK_TYPE_XZ] = {.name = "xz", .filter = true, .stage = SK_STAGE_UNPACK},
    [SK_TYPE_LZMA] = {.name = "lzma", .filter = true, .stage = SK_STAGE_UNPACK},
    [SK_TYPE_ZSTD] = {.name = "zstd", .filter = true, .stage = SK_STAGE_UNPACK},
    [SK_TYPE_LZ4] = {.name = "lz4", .filter = true, .stage = SK_STAGE_UNPACK},
    [SK_TYPE_COMPRESS] = {.name = "compress", .filter = true, .stage = SK_STAGE_UNPACK},
    [SK_TYPE_OLE2] = {.name = "ole2", .kind = SK_KIND_DOCUMENT, .stage = SK_STAGE_UNPACK},
    [SK_TYPE_OOXML] = {.name = "ooxml",
                       .kind = SK_KIND_DOCUMENT,
                       .structural_parts = true,
                       .stage = SK_STAGE_UNPACK},
    [SK_TYPE_RTF] = {.name = "rtf", .kind = SK_KIND_DOCUMENT, .stage = SK_STAGE_UNPACK},
    [SK_TYPE_PDF] = {.name = "pdf", .stage = SK_STAGE_UNPACK},
    [SK_TYPE_TNEF] = {.name = "tnef", .stage = SK_STAGE_UNPACK},
    [SK_TYPE_PE] = {.name = "pe",
                    .executable = true,
                    .kind = SK_KIND_DROPPER,
                    .stage = SK_STAGE_UNPACK},
    [SK_TYPE_ELF] = {.name = "elf",
                     .executable = true,
                     .kind = SK_KIND_DROPPER,
                     .stage = SK_STAGE_UNPACK},
    [SK_TYPE_MACHO] = {.name = "macho",
                       .executable = true,
                       .kind = SK_KIND_DROPPER,
                       .stage = SK_STAGE_UNPACK},
    /* An MSI is opened as the OLE2 file it is (its streams reach YARA), so
     * no executable unpacker sees it: its reason is its type's. */
    [SK_TYPE_MSI] = {.name = "msi",
                     .executable = true,
                     .kind = SK_KIND_DROPPER,
                     .own_code = "dropper.executable",
                     .own_detail = "MSI (Windows Installer package)",
                     .stage = SK_STAGE_UNPACK},
    [SK_TYPE_LNK] = {.name = "lnk", .kind = SK_KIND_DROPPER, .stage = SK_STAGE_UNPACK},
    [SK_TYPE_SCRIPT] = {.name = "script", .kind = SK_KIND_DROPPER, .stage = SK_STAGE_UNPACK},
    [SK_TYPE_ONENOTE] = {.name = "onenote", ONENOTE_HOLDS, .stage = SK_STAGE_UNPACK},
    [SK_TYPE_UDF] = {.name = "udf",
                     .disk_image = true,
                     DISK_IMAGE_HOLDS,
                     .stage = SK_STAGE_UNPACK},
    [SK_TYPE_VHD] = {.name = "vhd",
                     .disk_image = true,
                     DISK_IMAGE_HOLDS,
                     .stage = SK_STAGE_UNPACK},
    [SK_TYPE_VHDX] = {.name = "vhdx",
                      .disk_image = true,
                      DISK_IMAGE_HOLDS,
                      .stage = SK_STAGE_UNPACK},
    [SK_TYPE_FAT] = {.name = "fat",
                     .disk_image = true,
                     DISK_IMAGE_HOLDS,
                     .stage = SK_STAGE_UNPACK},
    [SK_TYPE_PNG] = {.name = "png", .stage = SK_STAGE_UNPACK},
    [SK_TYPE_JPEG] = {.name = "jpeg", .stage = SK_STAGE_UNPACK},
    [SK_TYPE_GIF] = {.name = "gif", .stage = SK_STAGE_UNPACK},
    [SK_TYPE_BMP] = {.name = "bmp", .stage = SK_STAGE_UNPACK},
    [SK_TYPE_WEBP] = {.name = "webp", .stage = SK_STAGE_UNPACK},
    [SK_TYPE_TIFF] = {.name = "tiff", .stage = SK_STAGE_UNPACK},
    [SK_TYPE_ICO] = {.name = "ico", .stage = SK_STAGE_UNPACK},
    [SK_TYPE_MEDIA] = {.name = "media", .stage = SK_STAGE_UNPACK},
    [SK_TYPE_FONT] = {.name = "font", .stage = SK_STAGE_UNPACK},
    [SK_TYPE_PKCS7] = {.name = "pkcs7", .stage = SK_STAGE_UNPACK},
    [SK_TYPE_X509] = {.name = "x509", .stage = SK_STAGE_UNPACK},
    [SK_TYPE_PGP] = {.name = "pgp", .stage = SK_STAGE_UNPACK},
    [SK_TYPE_ENCRYPTED] = {.name = "encrypted", .stage = SK_STAGE_UNPACK},
    [SK_TYPE_VBA] = {.name = "vba", .stage = SK_STAGE_UNPACK},
    [SK_TYPE_XLM] = {.name = "xlm", .stage = SK_STAGE_UNPACK},
    [SK_TYPE_BIFF] = {.name = "biff", .stage = SK_STAGE_UNPACK},
    [SK_TYPE_GPT] = {.name = "gpt",
                     .disk_image = true,
                     DISK_IMAGE_HOLDS,
                     .stage = SK_STAGE_UNPACK},
    [SK_TYPE_DMG] = {.name = "dmg",
                     .disk_image = true,
                     DISK_IMAGE_HOLDS,
                     .stage = SK_STAGE_UNPACK},
    [SK_TYPE_NTFS] = {.name = "ntfs",
                      .disk_image = true,
                      DISK_IMAGE_HOLDS,
                      .stage = SK_STAGE_UNPACK},
    [SK_TYPE_BINHEX] = {.name = "binhex", .stage = SK_STAGE_UNPACK},
    /* Each of these runs or fetches code when opened, as a shortcut does:
     * a disk image or a OneNote page holding one is its reason too. */
    [SK_TYPE_WEB_QUERY] = {.name = "web_query",
                           .kind = SK_KIND_DROPPER,
                           .stage = SK_STAGE_UNPACK},
    [SK_TYPE_INTERNET_SHORTCUT] = {.name = "internet_shortcut",
                                   .kind = SK_KIND_DROPPER,
                                   .stage = SK_STAGE_UNPACK},
    [SK_TYPE_JNLP] = {.name = "jnlp", .kind = SK_KIND_DROPPER, .stage = SK_STAGE_UNPACK},
    [SK_TYPE_VSTO] = {.name = "vsto", .kind = SK_KIND_DROPPER, .stage = SK_STAGE_UNPACK},
    [SK_TYPE_SETTING_CONTENT] = {.name = "setting_content",
                                 .kind = SK_KIND_DROPPER,
                                 .stage = SK_STAGE_UNPACK},
    [SK_TYPE_LIBRARY_MS] = {.name = "library_ms",
                            .kind = SK_KIND_DROPPER,
                            .stage = SK_STAGE_UNPACK},
    [SK_TYPE_SEARCH_CONNECTOR] = {.name = "search_connector",
                                  .kind = SK_KIND_DROPPER,
                                  .stage = SK_STAGE_UNPACK},
    [SK_TYPE_WSC] = {.name = "wsc", .kind = SK_KIND_DROPPER, .stage = SK_STAGE_UNPACK},
    [SK_TYPE_MSG] = {.name = "msg", .message = true, .stage = SK_STAGE_MIME},
};

const struct sk_type_traits *sk_type_traits(enum sk_type type)
{
    return &traits[(unsigned)type < SK_TYPE_COUNT ? type : SK_TYPE_DATA];
}

unsigned sk_type_kind(enum sk_type type, const char *name)
{
    const struct sk_type_traits *t = sk_type_traits(type);
    unsigned kind = t->kind;
    size_t len = name ? strlen(name) : 0, ext = t->by_name.ext ? strlen(t->by_name.ext) : 0;
    if (ext && len >= ext && strcasecmp(name + len - ext, t->by_name.ext) == 0)
        kind |= t->by_name.kind;
    return kind;
}

int sk_type_precedence(enum sk_type type)
{
    switch (type) {
    case SK_TYPE_EMPTY: return 0;
    case SK_TYPE_OOXML: return 10; /* a ZIP, told apart in the archive check */
    case SK_TYPE_VHDX: return 21;
    case SK_TYPE_VHD: return 22;
    case SK_TYPE_UDF: return 23;
    case SK_TYPE_FAT: return 24;
    case SK_TYPE_GPT: return 25; /* below a VHD, whose disk it may be */
    /* Above the volumes a raw first chunk shows (a FAT boot sector): the
     * trailer says the whole is a DMG. */
    case SK_TYPE_DMG: return 20;
    case SK_TYPE_NTFS: return 26; /* a volume, as FAT */
    case SK_TYPE_MSG: return 39; /* an OLE2 file its bid shows to be a message */
    case SK_TYPE_OLE2:
    case SK_TYPE_MSI: return 40;
    case SK_TYPE_LNK: return 41;
    case SK_TYPE_RTF: return 42;
    case SK_TYPE_TNEF: return 43;
    case SK_TYPE_ONENOTE: return 44;
    case SK_TYPE_PDF: return 45;
    case SK_TYPE_PE: return 46;
    case SK_TYPE_ELF: return 47;
    case SK_TYPE_MACHO: return 48;
    case SK_TYPE_PKCS7: return 60; /* DER; PEM comes with the text */
    case SK_TYPE_X509: return 61;
    case SK_TYPE_TEXT:
    case SK_TYPE_HTML:
    case SK_TYPE_XML:
    case SK_TYPE_EML:
    case SK_TYPE_SCRIPT:
    case SK_TYPE_PGP:
    /* text formats: within the family the stronger bid wins, so a message
     * or a script that merely quotes one keeps its type */
    case SK_TYPE_BINHEX:
    case SK_TYPE_WEB_QUERY:
    case SK_TYPE_INTERNET_SHORTCUT:
    case SK_TYPE_JNLP:
    case SK_TYPE_VSTO:
    case SK_TYPE_SETTING_CONTENT:
    case SK_TYPE_LIBRARY_MS:
    case SK_TYPE_SEARCH_CONNECTOR:
    case SK_TYPE_WSC: return 70;
    case SK_TYPE_DATA: return 80;
    case SK_TYPE_ENCRYPTED:
    case SK_TYPE_VBA:
    case SK_TYPE_XLM:
    case SK_TYPE_BIFF:
    case SK_TYPE_COUNT: return 90; /* never sniffed */
    default: break;
    }
    if (sk_type_is_archive(type))
        return 10;
    if (sk_type_is_filter(type))
        return 30;
    if (type >= SK_TYPE_PNG && type <= SK_TYPE_FONT)
        return 50;
    /* A type the sniffer never knew: its unpacker's bid beats only text
     * and unknown bytes, never a format the sniffer recognises. */
    return 65;
}

const char *sk_type_name(enum sk_type type)
{
    return sk_type_traits(type)->name;
}

int sk_type_is_archive(enum sk_type type)
{
    return sk_type_traits(type)->archive;
}

int sk_type_is_filter(enum sk_type type)
{
    return sk_type_traits(type)->filter;
}

int sk_type_is_executable(enum sk_type type)
{
    return sk_type_traits(type)->executable;
}

int sk_type_is_disk_image(enum sk_type type)
{
    return sk_type_traits(type)->disk_image;
}

int sk_type_is_known(enum sk_type type)
{
    return type != SK_TYPE_DATA && type != SK_TYPE_ENCRYPTED;
}
