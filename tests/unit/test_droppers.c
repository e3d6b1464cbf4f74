/* Droppers: deceptive names, the sniffing of shortcuts, installers and disk
 * images, and the reasons raised on the disk image or OneNote file that
 * holds an executable, script or shortcut. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "engine/job.h"
#include "engine/names.h"
#include "engine/sniff.h"
#include "engine/unpacker.h"
#include "unpackers/registry.h"
#include "engine/unpack.h"

static void deceptive_names(void)
{
    static const char *const deceptive[] = {
        "invoice.pdf.exe",
        "scan.jpg.js",
        "report.docx.lnk",
        "INVOICE.PDF.EXE",
        "archive.zip.scr",
        "photo.jpeg.hta",
        "a/b/order.xlsx.vbs",
        "payment.pdf.iso",
        "report\xe2\x80\xae"
        "fdp.exe", /* U+202E right-to-left override */
        "x\xe2\x80\xad"
        "y.txt", /* U+202D */
        "x\xe2\x80\xaa"
        "y.txt", /* U+202A */
        "x\xe2\x80\xac"
        "y.txt", /* U+202C */
        "x\xe2\x81\xa6"
        "y.txt", /* U+2066 */
        "x\xe2\x81\xa9"
        "y.txt", /* U+2069 */
        "invoice.pdf   .exe",
        "invoice.pdf\xe3\x80\x80\xe3\x80\x80\xe3\x80\x80.exe", /* U+3000 */
        "invoice.pdf\xc2\xa0\xc2\xa0\xc2\xa0.exe",             /* U+00A0 */
        "invoice.pdf \xc2\xa0 .exe",
        "setup.exe.",
        "setup.exe ",
        "notes.txt...",
    };
    static const char *const plain[] = {
        "setup.exe",
        "archive.tar.gz",
        "v1.2.3.zip",
        "report.final.pdf",
        "invoice.pdf",
        "my holiday photo.jpg",
        "two  spaces.txt",
        "a.b",
        "noextension",
        ".bashrc",
        "...",
        "dir.v2/tool.exe",
        "lib.so.1",
        "backup.exe.zip",
        "readme.txt.gz",
        "Quarterly   results 2026.xlsx",
        "\xe8\xab\x8b\xe6\xb1\x82\xe6\x9b\xb8.pdf", /* 請求書.pdf */
        "",
    };
    for (size_t i = 0; i < sizeof deceptive / sizeof deceptive[0]; i++) {
        const char *why = sk_name_deception(deceptive[i]);
        if (!why)
            fprintf(stderr, "not deceptive: '%s'\n", deceptive[i]);
        CHECK(why != NULL);
    }
    for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++) {
        const char *why = sk_name_deception(plain[i]);
        if (why)
            fprintf(stderr, "deceptive: '%s' (%s)\n", plain[i], why);
        CHECK(why == NULL);
    }
}

/* The type the engine gives these bytes: the sniffer's, or what an
 * unpacker's bid shows (PE, ELF, Mach-O, PDF, VHD, VHDX, FAT). */
static const char *sniff_name(const void *p, size_t n)
{
    struct sk_node node = {.name = "", .path = "", .data = {.p = (uint8_t *)(uintptr_t)p, .len = n}};
    return sk_type_name(sk_bid_type(sk_unpackers, &node, sk_sniff(p, n), NULL));
}

static void new_types_are_sniffed(void)
{
    static uint8_t buf[48 * 1024];
    /* LNK: header size 0x4C and the Shell Link CLSID; a wrong CLSID is not. */
    memset(buf, 0, sizeof buf);
    memcpy(buf, "\x4c\0\0\0\x01\x14\x02\0\0\0\0\0\xc0\0\0\0\0\0\0\x46", 20);
    CHECK_EQ_STR(sniff_name(buf, 0x4c), "lnk");
    CHECK(strcmp(sniff_name(buf, 0x40), "lnk") != 0); /* shorter than its header */
    buf[19] = 0x47;
    CHECK(strcmp(sniff_name(buf, 0x4c), "lnk") != 0);

    /* MSI: OLE2 whose root entry (first directory sector 1, 512-byte sectors:
     * at 1024) carries {000C1084-0000-0000-C000-000000000046}. */
    memset(buf, 0, sizeof buf);
    memcpy(buf, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8);
    buf[0x1e] = 9;
    buf[0x30] = 1;
    memcpy(buf + 1024 + 0x50, "\x84\x10\x0c\0\0\0\0\0\xc0\0\0\0\0\0\0\x46", 16);
    CHECK_EQ_STR(sniff_name(buf, 4096), "msi");
    buf[1024 + 0x50] = 0x85;
    CHECK_EQ_STR(sniff_name(buf, 4096), "ole2");
    buf[0x30] = 0xff; /* directory sector far past the end: not read */
    buf[0x31] = 0xff;
    buf[0x32] = 0xff;
    buf[0x33] = 0x0f;
    CHECK_EQ_STR(sniff_name(buf, 4096), "ole2");

    /* UDF: NSR02 after BEA01, no CD001. */
    memset(buf, 0, sizeof buf);
    memcpy(buf + 32768 + 1, "BEA01", 5);
    memcpy(buf + 34816 + 1, "NSR02", 5);
    CHECK_EQ_STR(sniff_name(buf, sizeof buf), "udf");
    memcpy(buf + 32768 + 1, "CD001", 5); /* a UDF bridge is read as ISO */
    CHECK_EQ_STR(sniff_name(buf, sizeof buf), "iso9660");

    /* VHD footer at the end; VHDX signature at the start. */
    memset(buf, 0, sizeof buf);
    memcpy(buf + 4096 - 512, "conectix", 8);
    CHECK_EQ_STR(sniff_name(buf, 4096), "vhd");
    CHECK_EQ_STR(sniff_name("vhdxfile\0\0\0\0", 12), "vhdx");

    /* FAT: jump, a plausible BPB and 55 AA; NTFS's boot sector is not FAT. */
    memset(buf, 0, sizeof buf);
    memcpy(buf, "\xeb\x3c\x90mkfs.fat", 11);
    buf[11] = 0x00, buf[12] = 0x02; /* 512-byte sectors */
    buf[13] = 4;                    /* sectors per cluster */
    buf[14] = 1;                    /* reserved sectors */
    buf[16] = 2;                    /* FATs */
    buf[19] = 0x40, buf[20] = 0x0b; /* 2880 sectors */
    buf[21] = 0xf0;
    buf[510] = 0x55, buf[511] = 0xaa;
    CHECK_EQ_STR(sniff_name(buf, 1024), "fat");
    buf[13] = 3; /* not a power of two */
    CHECK(strcmp(sniff_name(buf, 1024), "fat") != 0);
    buf[13] = 4;
    memcpy(buf + 3, "NTFS    ", 8);
    CHECK(strcmp(sniff_name(buf, 1024), "fat") != 0);

    CHECK(sk_type_is_executable(SK_TYPE_MSI));
    CHECK(sk_type_is_disk_image(SK_TYPE_FAT) && sk_type_is_disk_image(SK_TYPE_ISO9660));
    CHECK(!sk_type_is_disk_image(SK_TYPE_ZIP));
}

/* ---- the ancestor reasons, on a tree built by hand ----------------------- */

static struct sk_node *add_node(struct sk_job *job, struct sk_node *parent, const char *name,
                                enum sk_type type)
{
    struct sk_node *node = sk_arena_alloc(job->arena, sizeof *node);
    memset(node, 0, sizeof *node);
    node->name = name;
    node->path = parent ? sk_arena_printf(job->arena, "%s/%s", parent->path, name) : name;
    node->type = type;
    node->parent = parent;
    node->depth = parent ? parent->depth + 1 : 0;
    return node;
}

static unsigned count_reasons(const struct sk_job *job, const char *code, const char *path)
{
    unsigned n = 0;
    for (const struct sk_reason *r = job->reasons; r; r = r->next)
        if (strcmp(r->code, code) == 0 && (!path || strcmp(r->path, path) == 0))
            n++;
    return n;
}

static void ancestors_get_their_reasons(void)
{
    struct sk_job job;
    memset(&job, 0, sizeof job);
    job.arena = sk_arena_new();
    if (!job.arena) {
        CHECK(job.arena != NULL);
        return;
    }
    /* mail.eml / disk.iso / inner.vhd / files.zip / a.exe, b.lnk, notes.txt */
    struct sk_node *mail = add_node(&job, NULL, "mail.eml", SK_TYPE_EML);
    struct sk_node *iso = add_node(&job, mail, "disk.iso", SK_TYPE_ISO9660);
    struct sk_node *vhd = add_node(&job, iso, "inner.vhd", SK_TYPE_VHD);
    struct sk_node *zip = add_node(&job, vhd, "files.zip", SK_TYPE_ZIP);
    struct sk_node *text = add_node(&job, zip, "notes.txt", SK_TYPE_TEXT);
    sk_node_typed(&job, text);
    CHECK_EQ_INT(count_reasons(&job, "container.disk_image", NULL), 0);
    struct sk_node *exe = add_node(&job, zip, "a.exe", SK_TYPE_PE);
    sk_node_typed(&job, exe);
    struct sk_node *lnk = add_node(&job, zip, "b.lnk", SK_TYPE_LNK);
    sk_node_typed(&job, lnk);
    /* Once, on the nearest disk image only. */
    CHECK_EQ_INT(count_reasons(&job, "container.disk_image", "mail.eml/disk.iso/inner.vhd"), 1);
    CHECK_EQ_INT(count_reasons(&job, "container.disk_image", NULL), 1);

    /* A script known only once its unpacker read it: sk_unpack_set_type. */
    struct sk_node *one = add_node(&job, iso, "page.one", SK_TYPE_ONENOTE);
    struct sk_node *doc = add_node(&job, one, "a.doc", SK_TYPE_OLE2);
    sk_node_typed(&job, doc);
    CHECK_EQ_INT(count_reasons(&job, "onenote.embedded_file", "mail.eml/disk.iso/page.one"), 1);
    CHECK_EQ_INT(count_reasons(&job, "container.disk_image", "mail.eml/disk.iso"), 0);
    struct sk_node *js = add_node(&job, one, "run.txt", SK_TYPE_TEXT);
    sk_node_typed(&job, js);
    CHECK_EQ_INT(count_reasons(&job, "container.disk_image", "mail.eml/disk.iso"), 0);
    struct sk_unpack u = {.job = &job, .node = js};
    sk_unpack_set_type(&u, SK_TYPE_SCRIPT);
    CHECK_EQ_INT(count_reasons(&job, "container.disk_image", "mail.eml/disk.iso"), 1);
    CHECK_EQ_INT(count_reasons(&job, "onenote.embedded_file", NULL), 1);

    /* An HTML application counts for OneNote; a web page does not. */
    struct sk_node *one2 = add_node(&job, mail, "b.one", SK_TYPE_ONENOTE);
    struct sk_node *page = add_node(&job, one2, "index.html", SK_TYPE_HTML);
    sk_node_typed(&job, page);
    CHECK_EQ_INT(count_reasons(&job, "onenote.embedded_file", "mail.eml/b.one"), 0);
    struct sk_node *hta = add_node(&job, one2, "run.HTA", SK_TYPE_HTML);
    sk_node_typed(&job, hta);
    CHECK_EQ_INT(count_reasons(&job, "onenote.embedded_file", "mail.eml/b.one"), 1);
    CHECK(job.verdict >= SK_VERDICT_SANDBOX);
    sk_arena_free(job.arena);
}

int main(void)
{
    deceptive_names();
    new_types_are_sniffed();
    ancestors_get_their_reasons();
    return check_exit("droppers");
}
