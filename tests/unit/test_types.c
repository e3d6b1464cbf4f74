/* The type names are a public contract: YARA rules test `filetype`, the
 * JSON report's `type` carries them and clamd reply names embed them. This
 * pins every name, and the traits scan.c's reasons depend on. Renaming a
 * type is a change to the contract: this test must change with it. */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "engine/types.h"

static const struct {
    enum sk_type type;
    const char *name;
} NAMES[] = {
    {SK_TYPE_DATA, "data"},
    {SK_TYPE_EMPTY, "empty"},
    {SK_TYPE_TEXT, "text"},
    {SK_TYPE_HTML, "html"},
    {SK_TYPE_XML, "xml"},
    {SK_TYPE_EML, "eml"},
    {SK_TYPE_ZIP, "zip"},
    {SK_TYPE_7Z, "7z"},
    {SK_TYPE_RAR, "rar"},
    {SK_TYPE_RAR5, "rar5"},
    {SK_TYPE_TAR, "tar"},
    {SK_TYPE_CPIO, "cpio"},
    {SK_TYPE_CAB, "cab"},
    {SK_TYPE_LHA, "lha"},
    {SK_TYPE_ISO9660, "iso9660"},
    {SK_TYPE_XAR, "xar"},
    {SK_TYPE_AR, "ar"},
    {SK_TYPE_GZIP, "gzip"},
    {SK_TYPE_BZIP2, "bzip2"},
    {SK_TYPE_XZ, "xz"},
    {SK_TYPE_LZMA, "lzma"},
    {SK_TYPE_ZSTD, "zstd"},
    {SK_TYPE_LZ4, "lz4"},
    {SK_TYPE_COMPRESS, "compress"},
    {SK_TYPE_OLE2, "ole2"},
    {SK_TYPE_OOXML, "ooxml"},
    {SK_TYPE_RTF, "rtf"},
    {SK_TYPE_PDF, "pdf"},
    {SK_TYPE_TNEF, "tnef"},
    {SK_TYPE_PE, "pe"},
    {SK_TYPE_ELF, "elf"},
    {SK_TYPE_MACHO, "macho"},
    {SK_TYPE_MSI, "msi"},
    {SK_TYPE_LNK, "lnk"},
    {SK_TYPE_SCRIPT, "script"},
    {SK_TYPE_ONENOTE, "onenote"},
    {SK_TYPE_UDF, "udf"},
    {SK_TYPE_VHD, "vhd"},
    {SK_TYPE_VHDX, "vhdx"},
    {SK_TYPE_FAT, "fat"},
    {SK_TYPE_PNG, "png"},
    {SK_TYPE_JPEG, "jpeg"},
    {SK_TYPE_GIF, "gif"},
    {SK_TYPE_BMP, "bmp"},
    {SK_TYPE_WEBP, "webp"},
    {SK_TYPE_TIFF, "tiff"},
    {SK_TYPE_ICO, "ico"},
    {SK_TYPE_MEDIA, "media"},
    {SK_TYPE_FONT, "font"},
    {SK_TYPE_PKCS7, "pkcs7"},
    {SK_TYPE_X509, "x509"},
    {SK_TYPE_PGP, "pgp"},
    {SK_TYPE_ENCRYPTED, "encrypted"},
    {SK_TYPE_VBA, "vba"},
    {SK_TYPE_XLM, "xlm"},
    {SK_TYPE_BIFF, "biff"},
    {SK_TYPE_GPT, "gpt"},
    {SK_TYPE_DMG, "dmg"},
    {SK_TYPE_NTFS, "ntfs"},
    {SK_TYPE_BINHEX, "binhex"},
    {SK_TYPE_WEB_QUERY, "web_query"},
    {SK_TYPE_INTERNET_SHORTCUT, "internet_shortcut"},
    {SK_TYPE_JNLP, "jnlp"},
    {SK_TYPE_VSTO, "vsto"},
    {SK_TYPE_SETTING_CONTENT, "setting_content"},
    {SK_TYPE_LIBRARY_MS, "library_ms"},
    {SK_TYPE_SEARCH_CONNECTOR, "search_connector"},
    {SK_TYPE_WSC, "wsc"},
    {SK_TYPE_MSG, "msg"},
};

static void every_name_pinned(void)
{
    CHECK_EQ_INT((int)(sizeof NAMES / sizeof NAMES[0]), SK_TYPE_COUNT);
    for (size_t i = 0; i < sizeof NAMES / sizeof NAMES[0]; i++) {
        CHECK_EQ_INT((int)NAMES[i].type, (int)i);
        CHECK_EQ_STR(sk_type_name(NAMES[i].type), NAMES[i].name);
    }
    CHECK_EQ_STR(sk_type_name(SK_TYPE_COUNT), "data");
    CHECK_EQ_STR(sk_type_name((enum sk_type) - 1), "data");
    /* Names are unique: a rule cannot tell two types apart otherwise. */
    for (size_t i = 0; i < SK_TYPE_COUNT; i++)
        for (size_t j = i + 1; j < SK_TYPE_COUNT; j++)
            CHECK(strcmp(sk_type_name((enum sk_type)i), sk_type_name((enum sk_type)j)) != 0);
}

static void traits(void)
{
    CHECK(sk_type_is_executable(SK_TYPE_MSI));
    CHECK(!sk_type_is_executable(SK_TYPE_SCRIPT));
    CHECK(sk_type_is_disk_image(SK_TYPE_ISO9660) && sk_type_is_archive(SK_TYPE_ISO9660));
    CHECK(sk_type_is_disk_image(SK_TYPE_FAT) && !sk_type_is_archive(SK_TYPE_FAT));
    CHECK(sk_type_is_filter(SK_TYPE_COMPRESS) && !sk_type_is_archive(SK_TYPE_GZIP));
    CHECK(!sk_type_is_known(SK_TYPE_DATA) && !sk_type_is_known(SK_TYPE_ENCRYPTED));
    CHECK_EQ_INT((int)sk_type_traits(SK_TYPE_EML)->stage, (int)SK_STAGE_MIME);
    CHECK_EQ_INT((int)sk_type_traits(SK_TYPE_MSG)->stage, (int)SK_STAGE_MIME);
    CHECK(sk_type_traits(SK_TYPE_MSG)->message && sk_type_traits(SK_TYPE_EML)->message);
    CHECK(!sk_type_traits(SK_TYPE_TNEF)->message && !sk_type_traits(SK_TYPE_OLE2)->message);
    /* An Outlook message is an OLE2 file: msg.c's bid must win over it. */
    CHECK(sk_type_precedence(SK_TYPE_MSG) < sk_type_precedence(SK_TYPE_OLE2));
    CHECK_EQ_INT((int)sk_type_traits(SK_TYPE_ZIP)->stage, (int)SK_STAGE_UNPACK);
    CHECK(sk_type_traits(SK_TYPE_OOXML)->structural_parts);
    CHECK(!sk_type_traits(SK_TYPE_OLE2)->structural_parts);
    CHECK_EQ_STR(sk_type_traits(SK_TYPE_MSI)->own_code, "dropper.executable");
    CHECK_EQ_STR(sk_type_traits(SK_TYPE_VHDX)->holds_code, "container.disk_image");
    CHECK_EQ_STR(sk_type_traits(SK_TYPE_ONENOTE)->holds_code, "onenote.embedded_file");
    CHECK(sk_type_traits(SK_TYPE_ONENOTE)->holds & sk_type_traits(SK_TYPE_RTF)->kind);
    CHECK(!(sk_type_traits(SK_TYPE_UDF)->holds & sk_type_traits(SK_TYPE_RTF)->kind));
    CHECK(sk_type_traits(SK_TYPE_UDF)->holds & sk_type_traits(SK_TYPE_LNK)->kind);
    CHECK(sk_type_kind(SK_TYPE_HTML, "run.HTA") & sk_type_traits(SK_TYPE_ONENOTE)->holds);
    CHECK(!(sk_type_kind(SK_TYPE_HTML, "run.HTA") & sk_type_traits(SK_TYPE_VHD)->holds));
    CHECK_EQ_INT((int)sk_type_kind(SK_TYPE_HTML, "index.html"), 0);
    CHECK_EQ_INT((int)sk_type_kind(SK_TYPE_HTML, NULL), 0);
    CHECK_EQ_INT((int)sk_type_kind(SK_TYPE_TEXT, "a.hta"), 0);
    /* The sniffer's old order, which bids must keep (sniff.c, bid.c). */
    static const enum sk_type order[] = {
        SK_TYPE_EMPTY, SK_TYPE_ZIP,  SK_TYPE_OOXML, SK_TYPE_ISO9660, SK_TYPE_VHDX,
        SK_TYPE_VHD,   SK_TYPE_UDF,  SK_TYPE_FAT,   SK_TYPE_GZIP,    SK_TYPE_OLE2,
        SK_TYPE_LNK,   SK_TYPE_RTF,  SK_TYPE_TNEF,  SK_TYPE_ONENOTE, SK_TYPE_PDF,
        SK_TYPE_PE,    SK_TYPE_ELF,  SK_TYPE_MACHO, SK_TYPE_PNG,     SK_TYPE_PKCS7,
        SK_TYPE_X509,  SK_TYPE_TEXT, SK_TYPE_DATA,  SK_TYPE_BIFF};
    for (size_t i = 1; i < sizeof order / sizeof order[0]; i++)
        CHECK(sk_type_precedence(order[i - 1]) <= sk_type_precedence(order[i]));
    CHECK(sk_type_precedence(SK_TYPE_VHDX) < sk_type_precedence(SK_TYPE_VHD));
    CHECK(sk_type_precedence(SK_TYPE_UDF) < sk_type_precedence(SK_TYPE_FAT));
    CHECK(sk_type_precedence(SK_TYPE_PDF) < sk_type_precedence(SK_TYPE_PE));
    CHECK(sk_type_precedence(SK_TYPE_MACHO) < sk_type_precedence(SK_TYPE_PNG));
    CHECK(sk_type_precedence(SK_TYPE_OOXML) < sk_type_precedence(SK_TYPE_PDF));
    /* Every stage is a real one (MIME is 0, so a forgotten stage would read
     * as MIME: only a message, .eml or .msg, is charged there). */
    for (unsigned t = 0; t < SK_TYPE_COUNT; t++)
        if (t != SK_TYPE_EML && t != SK_TYPE_MSG)
            CHECK_EQ_INT((int)sk_type_traits((enum sk_type)t)->stage, (int)SK_STAGE_UNPACK);
}

int main(void)
{
    every_name_pinned();
    traits();
    return check_exit("test_types");
}
