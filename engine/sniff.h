/* Content type sniffing: what a node is, from its bytes alone.
 *
 * Names are never trusted for the type (an "invoice.pdf" that is a PE is a
 * PE). The type's name is what the JSON `type` field and the YARA external
 * `filetype` carry, so the names below are part of the contract. */
#ifndef SK_SNIFF_H
#define SK_SNIFF_H

#include <stddef.h>
#include <stdint.h>

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
    SK_TYPE_COUNT
};

/* The type of p[0..n). Reads at most the first 64 KiB and the last 64 KiB. */
enum sk_type sk_sniff(const uint8_t *p, size_t n);

/* Where a message's header block starts: after leading blank lines and an
 * mbox separator line ("From " with or without its date, as clamav-milter
 * and mailbox files write it), looked for in the first 4 KiB. 0 when there
 * is nothing to skip. */
size_t sk_message_start(const uint8_t *p, size_t n);

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
