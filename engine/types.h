/* The types a node can have, their contract names and their traits.
 *
 * A type's name is what the JSON `type` field, the YARA external `filetype`
 * and the clamd reply names carry: the names are a public contract
 * (tests/unit/test_types.c pins every one). The traits are what the engine
 * needs to know of a type to walk the tree and raise the reasons that follow
 * from what a container holds, so that scan.c names no format. Adding a
 * type is one enum line here and one line in types.c's table. */
#ifndef SK_TYPES_H
#define SK_TYPES_H

#include <stdbool.h>

enum sk_type {
    SK_TYPE_DATA, /* unrecognised binary */
    SK_TYPE_EMPTY,
    SK_TYPE_TEXT,
    SK_TYPE_HTML,
    SK_TYPE_XML,
    SK_TYPE_EML,
    /* archives (libarchive formats) */
    SK_TYPE_ZIP,
    SK_TYPE_7Z,
    SK_TYPE_RAR,
    SK_TYPE_RAR5,
    SK_TYPE_TAR,
    SK_TYPE_CPIO,
    SK_TYPE_CAB,
    SK_TYPE_LHA,
    SK_TYPE_ISO9660,
    SK_TYPE_XAR,
    SK_TYPE_AR,
    /* compression filters (libarchive filters) */
    SK_TYPE_GZIP,
    SK_TYPE_BZIP2,
    SK_TYPE_XZ,
    SK_TYPE_LZMA,
    SK_TYPE_ZSTD,
    SK_TYPE_LZ4,
    SK_TYPE_COMPRESS,
    /* documents */
    SK_TYPE_OLE2,
    SK_TYPE_OOXML,
    SK_TYPE_RTF,
    SK_TYPE_PDF,
    SK_TYPE_TNEF, /* Outlook's winmail.dat ([MS-OXTNEF]) */
    /* executables */
    SK_TYPE_PE,
    SK_TYPE_ELF,
    SK_TYPE_MACHO,
    SK_TYPE_MSI, /* an OLE2 Windows Installer package */
    /* droppers that are not executables by format */
    SK_TYPE_LNK,    /* Windows Shell Link (.lnk) */
    SK_TYPE_SCRIPT, /* JS, VBS, VBE, WSF, HTA, PS1, BAT/CMD: by content or name */
    SK_TYPE_ONENOTE,
    /* disk images (ISO9660 is with the archives) */
    SK_TYPE_UDF,
    SK_TYPE_VHD,
    SK_TYPE_VHDX,
    SK_TYPE_FAT, /* a raw FAT12/16/32 volume (.img) */
    /* passive media: known formats that carry no code */
    SK_TYPE_PNG,
    SK_TYPE_JPEG,
    SK_TYPE_GIF,
    SK_TYPE_BMP,
    SK_TYPE_WEBP,
    SK_TYPE_TIFF,
    SK_TYPE_ICO,
    SK_TYPE_MEDIA,
    SK_TYPE_FONT,
    /* signatures, certificates and keys (RFC 5652 CMS, X.509, RFC 4880) */
    SK_TYPE_PKCS7, /* a CMS/PKCS#7 ContentInfo, DER/BER or PEM */
    SK_TYPE_X509,  /* an X.509 certificate, DER or PEM */
    SK_TYPE_PGP,   /* OpenPGP ASCII armour (a message, signature or key) */
    /* a member stored encrypted that no candidate opened: no bytes to sniff */
    SK_TYPE_ENCRYPTED,
    /* derived nodes: made by an unpacker, never sniffed */
    SK_TYPE_VBA,  /* decompressed VBA module source */
    SK_TYPE_XLM,  /* Excel 4.0 macro formulas as text */
    SK_TYPE_BIFF, /* an Excel BIFF5/BIFF8 workbook stream */
    SK_TYPE_GPT,  /* a raw disk image partitioned by a GUID Partition Table */
    SK_TYPE_DMG,  /* an Apple disk image (UDIF: the "koly" trailer) */
    SK_TYPE_NTFS, /* an NTFS volume (recognised, not walked) */
    /* text formats that run or fetch code (weblink.c, manifest.c) and
     * BinHex 4.0 (binhex.c): typed by their markers, in the text family */
    SK_TYPE_BINHEX,            /* BinHex 4.0 (.hqx, RFC 1741) */
    SK_TYPE_WEB_QUERY,         /* an Excel web query (.iqy) */
    SK_TYPE_INTERNET_SHORTCUT, /* an Internet shortcut (.url) */
    SK_TYPE_JNLP,              /* a Java Web Start file (.jnlp) */
    SK_TYPE_VSTO,              /* a VSTO add-in or ClickOnce deployment manifest */
    SK_TYPE_SETTING_CONTENT,   /* a .SettingContent-ms */
    SK_TYPE_LIBRARY_MS,        /* a Windows library (.library-ms) */
    SK_TYPE_SEARCH_CONNECTOR,  /* a search connector (.searchConnector-ms) */
    SK_TYPE_WSC,               /* a Windows Script Component (.wsc, .sct) */
    SK_TYPE_MSG,               /* an Outlook message (.msg, [MS-OXMSG]): a compound file */
    SK_TYPE_COUNT
};

/* Where a job's time goes (job.h's stage_ns). */
enum sk_stage {
    SK_STAGE_MIME,
    SK_STAGE_PASSWORDS,
    SK_STAGE_UNPACK,
    SK_STAGE_YARA,
    SK_STAGE_HASH,
    SK_STAGE_COUNT
};

/* What a node of a type is, as far as the reasons go: the kinds a holder
 * type looks for among its descendants. */
enum {
    SK_KIND_DROPPER = 1u << 0,  /* runs when double-clicked: executables, scripts, shortcuts */
    SK_KIND_DOCUMENT = 1u << 1, /* a document that can carry active content */
    SK_KIND_HTML_APP = 1u << 2, /* an HTML application (mshta runs it) */
};

struct sk_type_traits {
    const char *name; /* the contract name */
    unsigned kind;    /* SK_KIND_* bits */
    /* More kind for a node of this type whose name ends in ext (ASCII case
     * ignored): what the content cannot say (HTML is an application only by
     * its name, as mshta and the script unpacker see it). */
    struct {
        const char *ext;
        unsigned kind;
    } by_name;
    bool executable; /* PE, ELF, Mach-O, MSI */
    bool disk_image; /* ISO 9660, UDF, VHD, VHDX, FAT */
    bool archive;    /* a libarchive archive format */
    bool filter;     /* a libarchive compression filter */
    /* A mail message (.eml, .msg): at the root it is not named in paths
     * (DESIGN.md, "path"), and its parts' names go to a mail client. */
    bool message;
    /* Its children are structural parts of the format (binary by design:
     * they do not raise content.unknown), as OOXML's parts are. */
    bool structural_parts;
    /* A holder: the nearest ancestor of this type of a node whose kind
     * meets holds raises holds_code, once (container.disk_image,
     * onenote.embedded_file). */
    unsigned holds;
    const char *holds_code;
    /* A reason the type raises by itself where no unpacker of its own would
     * (an MSI is opened as the OLE2 file it is): code and detail, or NULL. */
    const char *own_code;
    const char *own_detail;
    /* The stage an unpacker's time on a node of this type is charged to. */
    enum sk_stage stage;
};

/* The traits of a type; an out-of-range type reads as "data". */
const struct sk_type_traits *sk_type_traits(enum sk_type type);

/* The SK_KIND_* bits of a node of type type named name (NULL: none). */
unsigned sk_type_kind(enum sk_type type, const char *name);

/* Where a type stands when the sniffer and an unpacker's bid disagree on a
 * node: the lower wins. The order is the one sniff.c has always checked in
 * (archives, disk images, filters, documents and executables, media,
 * signatures, text, unknown), so that moving a format's recognition from
 * the sniffer to its unpacker changes no node's type. Types of equal
 * precedence form a family (the archives, the text types): within it the
 * higher bid wins, and the sniffer's type counts as a bid of 0. */
int sk_type_precedence(enum sk_type type);

/* The contract name of a type ("zip", "pe", "text", ...). */
const char *sk_type_name(enum sk_type type);

int sk_type_is_archive(enum sk_type type);
int sk_type_is_filter(enum sk_type type);
int sk_type_is_executable(enum sk_type type);
/* Known passive formats and text: things that are not "unknown binary". */
int sk_type_is_known(enum sk_type type);
/* Disk images: ISO 9660, UDF, VHD, VHDX and raw FAT volumes. */
int sk_type_is_disk_image(enum sk_type type);

#endif
