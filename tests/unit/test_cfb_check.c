/* The MS-CFB structure check (unpackers/cfb_check.c) over files written by
 * msitools' wixl (libgsf's writer) and tests/fixtures/mkole.py, and over
 * copies of them damaged here one field at a time. argv[1]: the folder
 * office_fixtures.sh filled. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "engine/error.h"
#include "unpackers/cfb_check.h"

static uint8_t *load(const char *dir, const char *name, size_t *len)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        exit(1);
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *p = malloc((size_t)n + 4096);
    if (!p || fread(p, 1, (size_t)n, f) != (size_t)n)
        exit(1);
    fclose(f);
    *len = (size_t)n;
    return p;
}

static void put32(uint8_t *p, size_t at, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[at + (size_t)i] = (uint8_t)(v >> (8 * i));
}

/* Checks a copy of p[0..len) with the 32-bit field at `at` set to v. */
static int with_field(const uint8_t *p, size_t len, size_t at, uint32_t v, const char **why)
{
    uint8_t *copy = malloc(len);
    memcpy(copy, p, len);
    put32(copy, at, v);
    size_t pad;
    int rc = sk_cfb_check(copy, len, why, &pad);
    free(copy);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: test_cfb_check FIXTURES\n");
        return 2;
    }
    const char *dir = argv[1];
    const char *why = NULL;
    size_t pad = 99, len;

    /* Written by others and by our writer: accepted, no padding. */
    uint8_t *msi = load(dir, "wixl.msi", &len);
    CHECK_EQ_INT(sk_cfb_check(msi, len, &why, &pad), 0);
    CHECK_EQ_INT(pad, 0);
    free(msi);
    uint8_t *vba = load(dir, "vba.doc", &len);
    CHECK_EQ_INT(sk_cfb_check(vba, len, &why, &pad), 0);
    free(vba);

    size_t plain_len;
    uint8_t *plain = load(dir, "plain.doc", &plain_len);
    CHECK_EQ_INT(sk_cfb_check(plain, plain_len, &why, &pad), 0);
    CHECK_EQ_INT(pad, 0);

    /* A file that ends 100 bytes into one more sector: accepted, and the
     * zeros that complete that sector are counted. */
    memset(plain + plain_len, 0, 100);
    CHECK_EQ_INT(sk_cfb_check(plain, plain_len + 100, &why, &pad), 0);
    CHECK_EQ_INT(pad, 412);

    /* mkole.py's damaged files. */
    static const struct {
        const char *file, *why;
    } damaged[] = {
        {"cyclic-fat.doc", "a sector chain loops or shares sectors with another"},
        {"cyclic-dir.doc", "the directory tree has a cycle"},
        {"long-minichain.doc", "a sector chain is longer than its stream"},
        {"short-chain.doc", "a stream's chain is shorter than the stream"},
    };
    for (size_t i = 0; i < sizeof damaged / sizeof *damaged; i++) {
        uint8_t *p = load(dir, damaged[i].file, &len);
        why = NULL;
        CHECK_EQ_INT(sk_cfb_check(p, len, &why, &pad), SK_ECORRUPT);
        CHECK_EQ_STR(why, damaged[i].why);
        free(p);
    }

    /* Damaged here, one header field at a time. */
    CHECK_EQ_INT(sk_cfb_check(plain, 511, &why, &pad), SK_ECORRUPT);
    CHECK_EQ_STR(why, "no OLE2 header");
    CHECK_EQ_INT(sk_cfb_check(plain, 4, &why, &pad), SK_ECORRUPT);
    CHECK_EQ_INT(with_field(plain, plain_len, 28, 0x000AFFFEu, &why), SK_ECORRUPT);
    CHECK_EQ_STR(why, "sector sizes or the mini stream cutoff are not MS-CFB's");
    CHECK_EQ_INT(with_field(plain, plain_len, 56, 8192, &why), SK_ECORRUPT);
    CHECK_EQ_STR(why, "sector sizes or the mini stream cutoff are not MS-CFB's");
    CHECK_EQ_INT(with_field(plain, plain_len, 44, 0xFFFFFFFFu, &why), SK_ECORRUPT);
    CHECK_EQ_STR(why, "the FAT's sector count is impossible");
    CHECK_EQ_INT(with_field(plain, plain_len, 44, 0, &why), SK_ECORRUPT);
    CHECK_EQ_STR(why, "the FAT's sector count is impossible");
    CHECK_EQ_INT(with_field(plain, plain_len, 72, 0xFFFFFFF0u, &why), SK_ECORRUPT);
    CHECK_EQ_STR(why, "the DIFAT's sector count is impossible");
    CHECK_EQ_INT(with_field(plain, plain_len, 72, 1, &why), SK_ECORRUPT);
    CHECK_EQ_STR(why, "a DIFAT sector is outside the file"); /* mkole: DIFAT start is END */
    CHECK_EQ_INT(with_field(plain, plain_len, 76, 0x7FFFFFFFu, &why), SK_ECORRUPT);
    CHECK_EQ_STR(why, "the FAT's sectors are missing or outside the file");
    CHECK_EQ_INT(with_field(plain, plain_len, 48, 0x00FFFFFFu, &why), SK_ECORRUPT);
    CHECK_EQ_STR(why, "a sector chain points outside the file");

    /* Cut short: the chains reach sectors that are not there. */
    CHECK_EQ_INT(sk_cfb_check(plain, 512 * 6, &why, &pad), SK_ECORRUPT);
    free(plain);
    return check_exit("cfb_check");
}
