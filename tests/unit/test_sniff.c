/* Type sniffing by content: names never matter, magic numbers do, and a
 * look-alike that fails the format's own check is not taken for it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "engine/names.h"
#include "engine/sniff.h"
#include "engine/unpacker.h"
#include "unpackers/registry.h"
#include "unpackers/text_head.h"

/* The type the engine gives these bytes: the sniffer's, or what an
 * unpacker's bid shows (PE, ELF, Mach-O, PDF, VHD, VHDX, FAT). */
static const char *sniff_name(const void *p, size_t n)
{
    struct sk_node node = {.name = "", .path = "", .data = {.p = (uint8_t *)(uintptr_t)p, .len = n}};
    return sk_type_name(sk_bid_type(sk_unpackers, &node, sk_sniff(p, n), NULL));
}

static void archives_and_filters(void)
{
    CHECK_EQ_STR(sniff_name("PK\x03\x04rest", 8), "zip");
    CHECK_EQ_STR(sniff_name("7z\xbc\xaf\x27\x1c\0\x04", 8), "7z");
    CHECK_EQ_STR(sniff_name("Rar!\x1a\x07\x00x", 8), "rar");
    CHECK_EQ_STR(sniff_name("Rar!\x1a\x07\x01\x00", 8), "rar5");
    CHECK_EQ_STR(sniff_name("MSCF\0\0\0\0xxxx", 12), "cab");
    CHECK_EQ_STR(sniff_name("!<arch>\nxx", 10), "ar");
    CHECK_EQ_STR(sniff_name("070701000", 9), "cpio");
    CHECK_EQ_STR(sniff_name("\x1f\x8b\x08\0", 4), "gzip");
    CHECK_EQ_STR(sniff_name("BZh91AY", 7), "bzip2");
    CHECK_EQ_STR(sniff_name("BZhx", 4), "text"); /* level digit missing */
    CHECK_EQ_STR(sniff_name("\xfd"
                            "7zXZ\0\0",
                            7),
                 "xz");
    CHECK_EQ_STR(sniff_name("\x28\xb5\x2f\xfd\0", 5), "zstd");
    CHECK_EQ_STR(sniff_name("\x04\x22\x4d\x18\0", 5), "lz4");
    CHECK_EQ_STR(sniff_name("\x1f\x9d\x90", 3), "compress");
}

static void tar_needs_magic_or_checksum(void)
{
    uint8_t block[1024] = {0};
    memcpy(block, "file.txt", 8);
    memcpy(block + 257, "ustar", 5);
    CHECK_EQ_STR(sniff_name(block, sizeof block), "tar");
    /* A v7 header has no magic: only a checksum that adds up makes it tar. */
    memset(block + 257, 0, 5);
    memcpy(block + 100, "0000644", 7);
    unsigned long sum = 0;
    for (size_t i = 0; i < 512; i++)
        sum += (i >= 148 && i < 156) ? ' ' : block[i];
    snprintf((char *)block + 148, 8, "%06lo", sum);
    CHECK_EQ_STR(sniff_name(block, sizeof block), "tar");
    block[148] = '7'; /* wrong checksum */
    CHECK(strcmp(sniff_name(block, sizeof block), "tar") != 0);
}

static void executables_need_their_headers(void)
{
    uint8_t pe[256] = {'M', 'Z'};
    pe[0x3c] = 0x80;
    memcpy(pe + 0x80, "PE\0\0", 4);
    CHECK_EQ_STR(sniff_name(pe, sizeof pe), "pe");
    pe[0x3c] = 0xf0; /* e_lfanew points elsewhere */
    CHECK(strcmp(sniff_name(pe, sizeof pe), "pe") != 0);
    pe[0x3c] = 0xff;
    pe[0x3d] = 0xff;
    pe[0x3e] = 0xff;
    pe[0x3f] = 0x7f; /* far past the end: must not be read */
    CHECK(strcmp(sniff_name(pe, sizeof pe), "pe") != 0);
    CHECK_EQ_STR(sniff_name("\x7f"
                            "ELF\x02\x01",
                            6),
                 "elf");
    CHECK_EQ_STR(sniff_name("\xcf\xfa\xed\xfe\x07\0", 6), "macho");
}

static void text_and_messages(void)
{
    CHECK_EQ_STR(sniff_name("", 0), "empty");
    CHECK_EQ_STR(sniff_name("hello, world\n", 13), "text");
    CHECK_EQ_STR(sniff_name("  <!DOCTYPE html><html>", 23), "html");
    CHECK_EQ_STR(sniff_name("<?xml version=\"1.0\"?>", 21), "xml");
    const char *mail =
        "From: a@example.com\r\nTo: b@example.com\r\nSubject: hi\r\n\r\nbody\r\n";
    CHECK_EQ_STR(sniff_name(mail, strlen(mail)), "eml");
    const char *not_mail = "From: someone\nthis line is prose, not a header\n";
    CHECK_EQ_STR(sniff_name(not_mail, strlen(not_mail)), "text");
    /* an mbox separator (clamav-milter's has no date) and blank lines first */
    const char *milter = "From clamav-milter\nFrom: a@example.com\nTo: b@example.com\n\nx\n";
    CHECK_EQ_STR(sniff_name(milter, strlen(milter)), "eml");
    CHECK_EQ_INT(sk_message_start((const uint8_t *)milter, strlen(milter)), 19);
    const char *blank = "\r\n\nSubject: hi\nDate: Mon, 15 Jan 2024 13:05:00 +0900\n\nx\n";
    CHECK_EQ_STR(sniff_name(blank, strlen(blank)), "eml");
    CHECK_EQ_INT(sk_message_start((const uint8_t *)blank, strlen(blank)), 3);
    const char *prose = "From here on, we ship on Mondays.\nThanks\n";
    CHECK_EQ_STR(sniff_name(prose, strlen(prose)), "text");
    CHECK_EQ_INT(sk_message_start((const uint8_t *)mail, strlen(mail)), 0);
    const uint8_t binary[] = {0x00, 0x13, 0x88, 0xfe, 0x01, 0x00, 0x7f, 0x80};
    CHECK_EQ_STR(sniff_name(binary, sizeof binary), "data");
    CHECK_EQ_STR(sniff_name("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8), "ole2");
    CHECK_EQ_STR(sniff_name("%PDF-1.7\n", 9), "pdf");
    CHECK_EQ_STR(sniff_name("\x89PNG\r\n\x1a\n", 8), "png");
}

static void iso_magic_far_in(void)
{
    static uint8_t image[40000];
    memcpy(image + 32769, "CD001", 5);
    CHECK_EQ_STR(sniff_name(image, sizeof image), "iso9660");
    CHECK_EQ_STR(sniff_name(image, 32771), "data"); /* cut before the magic ends */
}

/* A BMP is typed by bfSize equal to its bytes, or else by a DIB header
 * Windows defines (so bytes appended after it do not hide it), never by
 * "BM" alone. */
static void bmp_by_size_or_dib_header(void)
{
    uint8_t bmp[64] = {'B', 'M'};
    bmp[2] = sizeof bmp; /* bfSize */
    CHECK_EQ_STR(sniff_name(bmp, sizeof bmp), "bmp");
    bmp[2] = 0; /* bfSize 0, BITMAPINFOHEADER, 1 plane, 24 bits */
    bmp[14] = 40;
    bmp[26] = 1;
    bmp[28] = 24;
    CHECK_EQ_STR(sniff_name(bmp, sizeof bmp), "bmp");
    bmp[2] = 40; /* bfSize short of the bytes: a trailer follows */
    CHECK_EQ_STR(sniff_name(bmp, sizeof bmp), "bmp");
    bmp[28] = 7; /* no such bit count */
    CHECK_EQ_STR(sniff_name(bmp, sizeof bmp), "data");
    bmp[28] = 24;
    bmp[14] = 41; /* no such header */
    CHECK_EQ_STR(sniff_name(bmp, sizeof bmp), "data");
    memset(bmp + 14, 0, 16); /* BITMAPCOREHEADER */
    bmp[14] = 12;
    bmp[22] = 1;
    bmp[24] = 8;
    CHECK_EQ_STR(sniff_name(bmp, sizeof bmp), "bmp");
    CHECK_EQ_STR(sniff_name(bmp, 29), "data"); /* too short for a DIB header */
}

/* Scripts by markers only their languages use; text that merely talks
 * about them stays text, and HTML or XML keep their types. */
static void scripts_by_strong_markers_only(void)
{
    CHECK_EQ_STR(sniff_name("#@~^CAAAAA==abcdefgh", 20), "script");
    CHECK_EQ_STR(sniff_name("#@~^ not an encoded block", 25), "text");
    CHECK_EQ_STR(sniff_name("<job id=\"a\"><script/></job>", 27), "script");
    const char *wsf = "<?xml version=\"1.0\"?>\n<package>";
    CHECK_EQ_STR(sniff_name(wsf, strlen(wsf)), "script");
    const char *jobs = "<?xml version=\"1.0\"?>\n<jobs/>";
    CHECK_EQ_STR(sniff_name(jobs, strlen(jobs)), "xml");
    CHECK_EQ_STR(sniff_name("<html><HTA:APPLICATION ID=x></html>", 35), "script");
    CHECK_EQ_STR(sniff_name("<html><script>var a = 1;</script></html>", 40), "html");
    CHECK_EQ_STR(sniff_name("@ECHO OFF\r\nstart x\r\n", 20), "script");
    CHECK_EQ_STR(sniff_name("#Requires -Version 5\n", 21), "script");
    const char *vbs = "' setup\nSet sh = CreateObject(\"WScript.Shell\")\n";
    CHECK_EQ_STR(sniff_name(vbs, strlen(vbs)), "script");
    const char *mail = "Please run powershell -EncodedCommand and WScript.Shell as usual.\n";
    CHECK_EQ_STR(sniff_name(mail, strlen(mail)), "text");
    const char *late = "Notes\n\n  you can @echo off in a batch file\n";
    CHECK_EQ_STR(sniff_name(late, strlen(late)), "text");
}

/* [MS-ONESTORE] 2.3.1: guidFileType in the MS-DTYP byte order. */
static void onenote_header_guid(void)
{
    static const uint8_t one[20] = {0xe4, 0x52, 0x5c, 0x7b, 0x8c, 0xd8, 0xa7, 0x4d, 0xae, 0xb1,
                                    0x53, 0x78, 0xd0, 0x29, 0x96, 0xd3, 0,    0,    0,    0};
    CHECK_EQ_STR(sniff_name(one, sizeof one), "onenote");
    uint8_t swapped[20];
    memcpy(swapped, one, sizeof one);
    swapped[0] = 0x7b; /* the GUID as text order would write it: not OneNote */
    CHECK(strcmp(sniff_name(swapped, sizeof swapped), "onenote") != 0);
}

/* Found by fuzz_pdf: input that is only white space left the text sniffer
 * one byte past the end. Each buffer is allocated at its exact size so the
 * sanitizer build sees any read beyond it. */
static void blank_inputs_stay_in_bounds(void)
{
    static const char *const blanks[] = {" ", "\r", "\n", "\t", " \r\n\t "};
    for (size_t i = 0; i < sizeof blanks / sizeof blanks[0]; i++) {
        size_t n = strlen(blanks[i]);
        char *exact = malloc(n);
        if (!exact)
            abort();
        memcpy(exact, blanks[i], n);
        CHECK_EQ_STR(sniff_name(exact, n), "text");
        free(exact);
    }
}

/* RFC 5652 ContentInfo by its OID and [0] (BER indefinite too; a cut
 * structure is still pkcs7, for its parse error to be reported), RFC 5280
 * certificates by their SEQUENCE shape, PEM and OpenPGP armour by their
 * lines; an inline PGP message after a greeting, not after a message's
 * headers. */
static void signatures_and_certificates(void)
{
    static const uint8_t signed_ber[] = {0x30, 0x80, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7,
                                         0x0d, 0x01, 0x07, 0x02, 0xa0, 0x80, 0x30, 0x80, 0x02};
    CHECK_EQ_STR(sniff_name(signed_ber, sizeof signed_ber), "pkcs7");
    static const uint8_t enveloped_cut[] = {0x30, 0x82, 0x7f, 0xff, 0x06, 0x09,
                                            0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d,
                                            0x01, 0x07, 0x03, 0xa0, 0x82, 0x01};
    CHECK_EQ_STR(sniff_name(enveloped_cut, sizeof enveloped_cut), "pkcs7");
    static const uint8_t auth_enveloped[] = {0x30, 0x80, 0x06, 0x0b, 0x2a, 0x86, 0x48,
                                             0x86, 0xf7, 0x0d, 0x01, 0x09, 0x10, 0x01,
                                             0x17, 0xa0, 0x80, 0x30, 0x80};
    CHECK_EQ_STR(sniff_name(auth_enveloped, sizeof auth_enveloped), "pkcs7");
    static const uint8_t pkcs7_type_9[] = {0x30, 0x80, 0x06, 0x09, 0x2a, 0x86,
                                           0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07,
                                           0x09, 0xa0, 0x80, 0x30, 0x80, 0x02};
    CHECK_EQ_STR(sniff_name(pkcs7_type_9, sizeof pkcs7_type_9), "data");
    uint8_t cert[40] = {0x30, 38, 0x30, 20, 0xa0, 0x03, 0x02, 0x01, 0x02, 0x02, 0x01, 0x01};
    cert[24] = 0x30; /* signatureAlgorithm after the 20 bytes of tbsCertificate */
    CHECK_EQ_STR(sniff_name(cert, sizeof cert), "x509");
    cert[1] = 39; /* the outer length past the bytes */
    CHECK_EQ_STR(sniff_name(cert, sizeof cert), "data");
    const char *pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    CHECK_EQ_STR(sniff_name(pem, strlen(pem)), "x509");
    const char *p7 = "\n-----BEGIN PKCS7-----\nMIIB\n-----END PKCS7-----\n";
    CHECK_EQ_STR(sniff_name(p7, strlen(p7)), "pkcs7");
    const char *sig = "-----BEGIN PGP SIGNATURE-----\n\niQEz\n-----END PGP SIGNATURE-----\n";
    CHECK_EQ_STR(sniff_name(sig, strlen(sig)), "pgp");
    const char *inline_msg = "Hi Bob,\n\n-----BEGIN PGP MESSAGE-----\n\nhQEMA\n";
    CHECK_EQ_STR(sniff_name(inline_msg, strlen(inline_msg)), "pgp");
    const char *quoted = "Hi Bob,\n> -----BEGIN PGP MESSAGE-----\n";
    CHECK_EQ_STR(sniff_name(quoted, strlen(quoted)), "text");
    const char *mail = "From: a@example.test\nSubject: x\n\n-----BEGIN PGP MESSAGE-----\n";
    CHECK_EQ_STR(sniff_name(mail, strlen(mail)), "eml");
}

/* Every prefix of a binary header is sniffed from a heap copy of exactly
 * that many bytes (so the sanitizer build sees any read past it), and a
 * field that points past the end (a PE's e_lfanew, an MSI's directory
 * sector, a DER length) is a miss, never a read. */
static void cut_headers_are_misses(void)
{
    uint8_t pe[0x48] = {'M', 'Z'};
    pe[0x3c] = 0x40;
    memcpy(pe + 0x40, "PE\0\0", 4);
    uint8_t ole[600] = {0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1};
    ole[0x1e] = 9;
    ole[0x30] = 0; /* the root entry at 512: its CLSID lies past 600 */
    uint8_t fat[512] = {0xeb, 0x3c, 0x90};
    fat[11] = 0x00, fat[12] = 0x02, fat[13] = 1, fat[14] = 1, fat[16] = 2, fat[19] = 0x40;
    fat[21] = 0xf8, fat[510] = 0x55, fat[511] = 0xaa;
    uint8_t cert[40] = {0x30, 0x82, 0x7f, 0xff, 0x30, 0x26, 0xa0, 0x03, 0x02, 0x01, 0x02};
    const struct {
        const uint8_t *p;
        size_t n;
        const char *whole;
    } headers[] = {
        {pe, sizeof pe, "pe"},
        {ole, sizeof ole, "ole2"},
        {fat, sizeof fat, "fat"},
        {cert, sizeof cert, NULL},
    };
    for (size_t h = 0; h < sizeof headers / sizeof headers[0]; h++) {
        if (headers[h].whole)
            CHECK_EQ_STR(sniff_name(headers[h].p, headers[h].n), headers[h].whole);
        for (size_t n = 1; n < headers[h].n; n++) {
            uint8_t *copy = malloc(n);
            CHECK(copy != NULL);
            if (!copy)
                return;
            memcpy(copy, headers[h].p, n);
            CHECK(sk_type_name(sk_sniff(copy, n)) != NULL);
            free(copy);
        }
    }
    /* e_lfanew far past the end, a certificate longer than its bytes */
    pe[0x3c] = 0xff, pe[0x3d] = 0xff, pe[0x3e] = 0xff, pe[0x3f] = 0xff;
    CHECK_EQ_STR(sniff_name(pe, sizeof pe), "data");
    CHECK(strcmp(sniff_name(cert, sizeof cert), "x509") != 0);
}

/* The bids keep the sniffer's old order: a claim wins only over what the
 * sniffer used to check after it. */
static void bids_keep_the_old_order(void)
{
    uint8_t buf[600];
    memset(buf, 'a', sizeof buf);
    memcpy(buf, "\x89PNG\r\n\x1a\n", 8);
    memcpy(buf + 100, "%PDF-1.4", 8);
    CHECK_EQ_STR(sniff_name(buf, sizeof buf), "pdf"); /* documents came before media */
    memcpy(buf, "PK\x03\x04", 4);
    CHECK_EQ_STR(sniff_name(buf, sizeof buf), "zip"); /* archives came first */
    memset(buf, 'a', sizeof buf);
    CHECK_EQ_STR(sniff_name(buf, sizeof buf), "text");
}

/* The magics archive.c's bid took over from the sniffer with no case of
 * their own: xar, LHA, cpio's binary header, lzma-alone and its look-alike. */
static void more_archive_and_filter_magic(void)
{
    CHECK_EQ_STR(sniff_name("xar!\0\x1c\0\x01", 8), "xar");
    CHECK_EQ_STR(sniff_name("\x20\x00-lh5-\0\0", 9), "lha");
    CHECK_EQ_STR(sniff_name("\x20\x00-lx5-\0\0", 9), "data"); /* neither h nor z */
    CHECK_EQ_STR(sniff_name("\xc7\x71\0\0", 4), "cpio");
    CHECK_EQ_STR(sniff_name("\x71\xc7\0\0", 4), "cpio");
    CHECK_EQ_STR(sniff_name("PK\x05\x06\0\0\0\0", 8), "zip");
    static const uint8_t lzma[13] = {0x5d, 0, 0, 0x80, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    CHECK_EQ_STR(sniff_name(lzma, sizeof lzma), "lzma");
    uint8_t odd[13];
    memcpy(odd, lzma, sizeof odd);
    odd[3] = 0x81; /* a dictionary size no encoder writes */
    CHECK_EQ_STR(sniff_name(odd, sizeof odd), "data");
    CHECK_EQ_STR(sniff_name(lzma, 12), "data"); /* shorter than its header */
}

/* One type for bytes that look like two: archives before filters before
 * documents, as the sniffer checked them, and CAB (cab.c's bid) before
 * what archive.c's checks find in the same bytes. */
static void archives_before_filters(void)
{
    static uint8_t image[40000];
    memcpy(image, "\x1f\x8b\x08\0", 4);
    memcpy(image + 32769, "CD001", 5);
    CHECK_EQ_STR(sniff_name(image, sizeof image), "iso9660");
    uint8_t block[1024] = {0};
    memcpy(block, "\x1f\x8b\x08\0", 4);
    memcpy(block + 257, "ustar", 5);
    CHECK_EQ_STR(sniff_name(block, sizeof block), "tar");
    memcpy(block, "MSCF\0\0\0\0", 8);
    CHECK_EQ_STR(sniff_name(block, sizeof block), "cab");
    memset(block, 'a', sizeof block);
    memcpy(block, "\x1f\x8b\x08\0", 4);
    memcpy(block + 100, "%PDF-1.4", 8);
    CHECK_EQ_STR(sniff_name(block, sizeof block), "gzip");
}

/* OOXML is a ZIP that names [Content_Types].xml in its first or last
 * 64 KiB (a local header, or the central directory at the end); the name
 * elsewhere, or without the ZIP magic, is not one. */
static void ooxml_by_content_types(void)
{
    static const char part[] = "[Content_Types].xml";
    static uint8_t zip[200000];
    memset(zip, 0, sizeof zip);
    memcpy(zip, "PK\x03\x04", 4);
    CHECK_EQ_STR(sniff_name(zip, sizeof zip), "zip");
    memcpy(zip + 30, part, sizeof part - 1);
    CHECK_EQ_STR(sniff_name(zip, sizeof zip), "ooxml");
    memset(zip + 30, 0, sizeof part - 1);
    memcpy(zip + sizeof zip - 200, part, sizeof part - 1);
    CHECK_EQ_STR(sniff_name(zip, sizeof zip), "ooxml"); /* central directory */
    memset(zip + sizeof zip - 200, 0, sizeof part - 1);
    memcpy(zip + 100000, part, sizeof part - 1);
    CHECK_EQ_STR(sniff_name(zip, sizeof zip), "zip"); /* in neither window */
    memset(zip, 0, 4);
    memcpy(zip + 30, part, sizeof part - 1);
    CHECK_EQ_STR(sniff_name(zip, sizeof zip), "data"); /* no ZIP magic */
}

/* The unpacker a typed node goes to: archive.c reads a package as the ZIP
 * it is, cab.c a CAB, ooxml.c only the parts it knows. */
static const char *opener(enum sk_type type, const void *p, size_t n)
{
    struct sk_node node = {.name = "", .path = "", .type = type,
                           .data = {.p = (uint8_t *)(uintptr_t)p, .len = n}};
    const struct sk_unpacker *best = sk_bid_best(sk_unpackers, &node);
    return best ? best->name : "none";
}

static void openers_of_archives(void)
{
    static const char package[] = "PK\x03\x04[Content_Types].xml";
    CHECK_EQ_STR(opener(SK_TYPE_OOXML, package, sizeof package - 1), "archive");
    CHECK_EQ_STR(opener(SK_TYPE_ZIP, package, 4), "archive");
    CHECK_EQ_STR(opener(SK_TYPE_CAB, "MSCF\0\0\0\0", 8), "cab");
    CHECK_EQ_STR(opener(SK_TYPE_GZIP, "\x1f\x8b\x08\0", 4), "archive");
    CHECK_EQ_STR(opener(SK_TYPE_TAR, "not a tar", 9), "archive"); /* the type given */
    CHECK_EQ_STR(opener(SK_TYPE_TEXT, "BZh91AY", 7), "none");
}

/* The OLE2 unpacker's bid: an MSI by the Windows Installer CLSID on the
 * root entry (the first entry of the first directory sector), any other
 * compound file ole2. */
static void msi_by_root_clsid(void)
{
    static const uint8_t msi_clsid[16] = {0x84, 0x10, 0x0c, 0x00, 0x00, 0x00, 0x00, 0x00,
                                          0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46};
    uint8_t cfb[1536] = {0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1};
    cfb[0x1e] = 9; /* 512-byte sectors */
    cfb[0x30] = 1; /* the directory starts at sector 1: offset 1024 */
    memcpy(cfb + 1024 + 0x50, msi_clsid, sizeof msi_clsid);
    CHECK_EQ_STR(sniff_name(cfb, sizeof cfb), "msi");
    CHECK_EQ_STR(sniff_name(cfb, 1024 + 0x50 + 15), "ole2"); /* the CLSID cut short */
    cfb[0x30] = 0; /* the root entry at 512 holds no CLSID */
    CHECK_EQ_STR(sniff_name(cfb, sizeof cfb), "ole2");
    cfb[0x30] = 1;
    cfb[0x1e] = 10; /* no such sector size: no root entry to look at */
    CHECK_EQ_STR(sniff_name(cfb, sizeof cfb), "ole2");
}

/* pkcs7.c's PEM bid looks past a UTF-8 BOM and white space, in any case,
 * and its types come before every text type; pgp.c's armour from the first
 * line beats a script's markers, and an armoured message further down
 * loses to every other text type. */
static void armour_in_text(void)
{
    static const struct {
        const char *text, *type;
    } cases[] = {
        {"\xef\xbb\xbf \r\n-----begin certificate-----\nMIIB\n", "x509"},
        {"\t-----BEGIN TRUSTED CERTIFICATE-----\nMIIB\n", "x509"},
        {"-----BEGIN CMS-----\nMIIB\n-----END CMS-----\n", "pkcs7"},
        {"-----BEGIN CERTIFICATE-----\nSet sh = CreateObject(\"WScript.Shell\")\n", "x509"},
        {"Our certificate:\n-----BEGIN CERTIFICATE-----\nMIIB\n", "text"},
        {"\xef\xbb\xbf\n-----begin pgp public key block-----\n\nmQEN\n", "pgp"},
        {"-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\n"
         "Set sh = CreateObject(\"WScript.Shell\")\n",
         "pgp"},
        {"From: a@example.test\nTo: b@example.test\nX-Mailer: x\n\n"
         "Hi Bob,\n\n-----BEGIN PGP MESSAGE-----\n\nhQEMA\n",
         "eml"},
        {"<html><body><pre>\n-----BEGIN PGP MESSAGE-----\n</pre>", "html"},
        {"<?xml version=\"1.0\"?>\n<a>\n-----BEGIN PGP MESSAGE-----\n</a>\n", "xml"},
        {"Hi Bob,\n\n-----BEGIN PGP SIGNATURE-----\n\niQEz\n", "text"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        CHECK_EQ_STR(sniff_name(cases[i].text, strlen(cases[i].text)), cases[i].type);
    const char *binary_armour = "-----BEGIN PGP MESSAGE-----\n\0\0\0\0";
    CHECK_EQ_STR(sniff_name(binary_armour, 32), "data"); /* not text: no bid */
}

/* image.c's bid: each walked image by its signature, a WebP apart from the
 * other RIFF media the sniffer keeps, a BMP with bytes appended. */
static void images_by_their_signatures(void)
{
    static const uint8_t webp[20] = {'R', 'I', 'F', 'F', 12,  0,   0, 0, 'W', 'E',
                                     'B', 'P', 'V', 'P', '8', 'L', 0, 0, 0,   0};
    CHECK_EQ_STR(sniff_name(webp, sizeof webp), "webp");
    static const uint8_t wave[12] = {'R', 'I', 'F', 'F', 4, 0, 0, 0, 'W', 'A', 'V', 'E'};
    CHECK_EQ_STR(sniff_name(wave, sizeof wave), "media");
    CHECK_EQ_STR(sniff_name("\xff\xd8\xff\xe0\0\x10JFIF", 10), "jpeg");
    CHECK_EQ_STR(sniff_name("GIF89a\x01\0\x01\0\0\0\0;", 14), "gif");
    CHECK_EQ_STR(sniff_name("\0\0\1\0\1\0\x10\x10", 8), "ico");
    CHECK_EQ_STR(sniff_name("\0\0\1\0\0\0\x10\x10", 8), "data"); /* no icons */
    CHECK_EQ_STR(sniff_name("II*\0\x08\0\0\0", 8), "tiff");
    uint8_t bmp[200] = {'B', 'M', 62}; /* bfSize 62: a 1x1 picture, then more */
    bmp[10] = 54, bmp[14] = 40, bmp[18] = 1, bmp[22] = 1, bmp[26] = 1, bmp[28] = 24;
    memcpy(bmp + 62, "MZ\x90\0", 4);
    CHECK_EQ_STR(sniff_name(bmp, sizeof bmp), "bmp");
    bmp[26] = 2; /* two planes: not a DIB header Windows writes */
    CHECK_EQ_STR(sniff_name(bmp, sizeof bmp), "data");
}

/* Every prefix of p[0..n) through the bids, each copied to the end of one
 * heap buffer of n bytes, so the sanitizer build sees a read past it. */
static void prefixes_through_bids(const void *p, size_t n)
{
    uint8_t *tail = malloc(n);
    CHECK(tail != NULL);
    for (size_t len = 1; tail && len < n; len++) {
        memcpy(tail + n - len, p, len);
        CHECK(sniff_name(tail + n - len, len) != NULL);
    }
    free(tail);
}

/* The moved bids read only inside the bytes, whatever prefix of a header
 * they are given. */
static void moved_bids_stay_in_bounds(void)
{
    uint8_t msi[1024 + 0x60] = {0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1};
    msi[0x1e] = 9, msi[0x30] = 1, msi[1024 + 0x50] = 0x84, msi[1024 + 0x51] = 0x10;
    static const uint8_t cms[] = {0x30, 0x80, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7,
                                  0x0d, 0x01, 0x07, 0x02, 0xa0, 0x80, 0x30, 0x80, 0x02};
    uint8_t cert[40] = {0x30, 38, 0x30, 20, 0xa0, 0x03, 0x02, 0x01, 0x02, 0x02, 0x01, 0x01};
    cert[24] = 0x30;
    uint8_t bmp[30] = {'B', 'M', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 40};
    bmp[26] = 1, bmp[28] = 24;
    static const char pem[] = "\xef\xbb\xbf  -----BEGIN X509 CERTIFICATE-----";
    static const char pgp[] = "x\n-----BEGIN PGP MESSAGE-----";
    const struct {
        const void *p;
        size_t n;
        const char *whole;
    } headers[] = {
        {msi, sizeof msi, "ole2"}, /* a partial CLSID: not an MSI */
        {cms, sizeof cms, "pkcs7"}, {cert, sizeof cert, "x509"},   {bmp, sizeof bmp, "bmp"},
        {"\0\0\1\0\1\0", 6, "ico"}, {pem, sizeof pem - 1, "x509"}, {pgp, sizeof pgp - 1, "pgp"},
    };
    for (size_t h = 0; h < sizeof headers / sizeof headers[0]; h++) {
        CHECK_EQ_STR(sniff_name(headers[h].p, headers[h].n), headers[h].whole);
        prefixes_through_bids(headers[h].p, headers[h].n);
    }
}

/* Scripts, HTML and messages are their unpackers' bids (script.c 85,
 * html.c 75, mime.c 60; the sniffer's text and XML count as 0): together
 * they keep the sniffer's old order, script before HTML before XML before a
 * message. */
static void text_bids_keep_the_old_order(void)
{
    static const struct {
        const char *text, *type;
    } cases[] = {
        {"<?xml version=\"1.0\"?>\n<job id=\"a\"><script/></job>", "script"},
        {"<?xml version=\"1.0\"?>\nFrom: a@example.com\nTo: b@example.com\n", "xml"},
        {"<!DOCTYPE html>\n<head><HTA:APPLICATION ID=\"x\" /></head>", "script"},
        {"From: a@example.com\nTo: b@example.com\nContent-Type: text/html\n\n"
         "<html><body>hi</body></html>\n",
         "eml"},
        /* header-like lines after a page's first tag: a page */
        {"<head>x: y\nFrom: a@example.com\nTo: b@example.com\n\n", "html"},
        {"\r\n  @echo off\r\nset x=1\r\n", "script"},
        {"From: a@example.com\nTo: b@example.com\n\nSet sh = CreateObject(\"WScript.Shell\")\n",
         "script"},
        {"ID;PWXL;N;E\nC;X1;Y1;K1\nE\n", "text"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        CHECK_EQ_STR(sniff_name(cases[i].text, strlen(cases[i].text)), cases[i].type);
}

/* The unpacker that opens a node named `name`, typed `type`, of text. */
static const char *opener_name(const char *name, enum sk_type type, const char *text)
{
    struct sk_node node = {.name = name,
                           .path = "",
                           .type = type,
                           .data = {.p = (uint8_t *)(uintptr_t)text, .len = strlen(text)}};
    const struct sk_unpacker *opener = sk_bid_best(sk_unpackers, &node);
    return opener ? opener->name : "none";
}

/* Who opens a typed text node: a page named like a script is the script
 * unpacker's (by name, 70, over html.c's 40), a SYLK text sylk.c's. */
static void text_openers(void)
{
    const char *page = "<html><body>x</body></html>";
    CHECK_EQ_STR(opener_name("invoice.hta", SK_TYPE_HTML, page), "script");
    CHECK_EQ_STR(opener_name("page.html", SK_TYPE_HTML, page), "html");
    CHECK_EQ_STR(opener_name("", SK_TYPE_TEXT, "ID;PWXL;N;E\nC;X1;Y1;K1\nE\n"), "sylk");
    const char *mail = "From: a@example.com\nTo: b@example.com\n\nhi\n";
    CHECK_EQ_STR(opener_name("", SK_TYPE_EML, mail), "mime");
}

/* Sun audio by its header, not ".snd" alone; MPEG audio with no ID3 tag by
 * two frame headers of one shape, the second where the first frame ends
 * (MPEG-1 layer III, 128 kbit/s, 44.1 kHz, no padding: 144 * 128000 / 44100
 * = 417 bytes). One header alone, or a second of another shape, is data. */
static void audio_without_tags(void)
{
    uint8_t au[32] = ".snd\0\0\0\x20\xff\xff\xff\xff\0\0\0\x03\0\0\x1f\x40\0\0\0\x01";
    CHECK_EQ_STR(sniff_name(au, sizeof au), "media");
    au[15] = 99; /* no such encoding */
    CHECK_EQ_STR(sniff_name(au, sizeof au), "data");
    au[15] = 3;
    au[7] = 8; /* the data would start inside the header */
    CHECK_EQ_STR(sniff_name(au, sizeof au), "data");
    CHECK_EQ_STR(sniff_name(".snd\0\0", 6), "data");

    static uint8_t mp3[417 + 4 + 16];
    const uint8_t frame[4] = {0xff, 0xfb, 0x90, 0x00};
    memcpy(mp3, frame, 4);
    CHECK_EQ_STR(sniff_name(mp3, sizeof mp3), "data");
    memcpy(mp3 + 417, frame, 4);
    CHECK_EQ_STR(sniff_name(mp3, sizeof mp3), "media");
    CHECK_EQ_STR(sniff_name(mp3, 417 + 3), "data"); /* the second header cut */
    mp3[417 + 2] = 0x94; /* 48 kHz: another stream's shape */
    CHECK_EQ_STR(sniff_name(mp3, sizeof mp3), "data");
    mp3[417 + 2] = 0x90;
    mp3[2] = 0xf0; /* bit rate index 15: not a valid header */
    CHECK_EQ_STR(sniff_name(mp3, sizeof mp3), "data");
}
/* A path in a name: an archive member's is an escape for the extraction
 * tools that honour it, a message part's only a name a mail client cuts to
 * its last component. Relative folders are neither. (Not sniffing, but the
 * same question of a name's meaning by where it comes from.) */
static void path_names_by_container(void)
{
    const char *paths[] = {"C:\\win95\\TEMP\\x.tiff", "C:win95TEMPx.tiff",
                           "\\\\server\\share\\x", "../../x", "a/../../x",
                           "/etc/passwd", "..\\x.doc"};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        CHECK_EQ_STR(sk_name_path_code(paths[i], SK_TYPE_ZIP), "name.unsafe_path");
        CHECK_EQ_STR(sk_name_path_code(paths[i], SK_TYPE_TAR), "name.unsafe_path");
        CHECK_EQ_STR(sk_name_path_code(paths[i], SK_TYPE_EML), "name.attachment_path");
        CHECK_EQ_STR(sk_name_path_code(paths[i], SK_TYPE_TNEF), "name.attachment_path");
    }
    const char *plain[] = {"x.tiff", "dir/x.txt", "a..b.txt", "..x", "dir\\x"};
    for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++) {
        CHECK(sk_name_path_code(plain[i], SK_TYPE_ZIP) == NULL);
        CHECK(sk_name_path_code(plain[i], SK_TYPE_EML) == NULL);
    }
}

int main(void)
{
    bids_keep_the_old_order();
    blank_inputs_stay_in_bounds();
    cut_headers_are_misses();
    archives_and_filters();
    tar_needs_magic_or_checksum();
    executables_need_their_headers();
    text_and_messages();
    iso_magic_far_in();
    bmp_by_size_or_dib_header();
    scripts_by_strong_markers_only();
    onenote_header_guid();
    signatures_and_certificates();
    more_archive_and_filter_magic();
    archives_before_filters();
    ooxml_by_content_types();
    openers_of_archives();
    msi_by_root_clsid();
    armour_in_text();
    images_by_their_signatures();
    moved_bids_stay_in_bounds();
    text_bids_keep_the_old_order();
    text_openers();
    audio_without_tags();
    path_names_by_container();
    return check_exit("sniff");
}
