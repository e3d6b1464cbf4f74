/* Finding the password of an encrypted ZIP member with the archive parsed
 * once (unpackers/zip_trial.c). argv[1] is a folder made by
 * zip_trial_fixtures.sh: archives from Info-ZIP zip and 7-Zip, and
 * libarchive's own listing of order.zip. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "check.h"
#include "engine/error.h"
#include "unpackers/zip_trial.h"

#define MAX_CANDIDATES 512
#define CANDIDATE_BYTES 32

static const char *folder;

struct archive_file {
    uint8_t *p;
    size_t len;
};

static struct archive_file load(const char *name)
{
    struct archive_file f = {NULL, 0};
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", folder, name);
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        fprintf(stderr, "cannot open %s\n", path);
        return f;
    }
    fseek(fp, 0, SEEK_END);
    long size = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    f.p = malloc(size > 0 ? (size_t)size : 1);
    if (f.p && size > 0 && fread(f.p, 1, (size_t)size, fp) == (size_t)size)
        f.len = (size_t)size;
    fclose(fp);
    return f;
}

/* A list of candidates, each copied into its own slot. */
struct candidates {
    char text[MAX_CANDIDATES][CANDIDATE_BYTES];
    const char *ptr[MAX_CANDIDATES];
    size_t len[MAX_CANDIDATES];
    size_t n;
};

static size_t add(struct candidates *c, const char *word)
{
    if (c->n == MAX_CANDIDATES)
        return c->n;
    snprintf(c->text[c->n], CANDIDATE_BYTES, "%s", word);
    c->ptr[c->n] = c->text[c->n];
    c->len[c->n] = strlen(c->text[c->n]);
    return c->n++;
}

static void add_wrong(struct candidates *c, unsigned count)
{
    char word[CANDIDATE_BYTES];
    for (unsigned i = 0; i < count; i++) {
        snprintf(word, sizeof word, "wrong-%u", i);
        add(c, word);
    }
}

/* Opens `name` and tries `c` on its entry at `position` (libarchive order). */
static int try_file(const char *name, const char *member, size_t position,
                    const struct candidates *c, uint64_t budget, size_t *found, bool *partial)
{
    struct archive_file f = load(name);
    struct sk_zip_index *index = NULL;
    int rc = sk_zip_index_open(f.p, f.len, 1000, &index);
    if (rc == 0)
        rc = sk_zip_find_password(index, member, position, c->ptr, c->len, c->n, budget, 0,
                                  found, partial);
    sk_zip_index_free(index);
    free(f.p);
    return rc;
}

static void right_among_wrong(const char *name, const char *right, bool stored)
{
    struct candidates *c = calloc(1, sizeof *c);
    add_wrong(c, 20);
    size_t at = add(c, right);
    add_wrong(c, 5);
    size_t found = SIZE_MAX;
    bool partial = true;
    int rc = try_file(name, "text.txt", 0, c, 64u << 20, &found, &partial);
    if (rc != 0)
        fprintf(stderr, "%s: rc %d\n", name, rc);
    CHECK_EQ_INT(rc, 0);
    CHECK_EQ_INT(found, at);
    CHECK(!partial);
    /* A small budget cuts deflated members (said so), never stored ones. */
    rc = try_file(name, NULL, 0, c, 1000, &found, &partial);
    CHECK_EQ_INT(rc, 0);
    CHECK_EQ_INT(found, at);
    CHECK_EQ_INT(partial, !stored);
    free(c);
}

/* The test's own ZipCrypto key schedule (APPNOTE 6.1.5), through zlib's
 * crc32, to learn which wrong candidates pass the check byte. */
static void keys_update(uint32_t keys[3], uint8_t c)
{
    keys[0] = (uint32_t)crc32(keys[0] ^ 0xFFFFFFFFu, &c, 1) ^ 0xFFFFFFFFu;
    keys[1] = (keys[1] + (keys[0] & 0xFFu)) * 134775813u + 1u;
    uint8_t high = (uint8_t)(keys[1] >> 24);
    keys[2] = (uint32_t)crc32(keys[2] ^ 0xFFFFFFFFu, &high, 1) ^ 0xFFFFFFFFu;
}

static bool passes_check_byte(const uint8_t *zip, const char *password)
{
    uint16_t flags = (uint16_t)(zip[6] | zip[7] << 8);
    uint16_t dos_time = (uint16_t)(zip[10] | zip[11] << 8);
    uint8_t crc_high = zip[17];
    size_t header = 30u + (size_t)(zip[26] | zip[27] << 8) + (size_t)(zip[28] | zip[29] << 8);
    uint8_t expected = (flags & 8) ? (uint8_t)(dos_time >> 8) : crc_high;
    uint32_t keys[3] = {0x12345678u, 0x23456789u, 0x34567890u};
    for (const char *p = password; *p; p++)
        keys_update(keys, (uint8_t)*p);
    uint8_t plain = 0;
    for (size_t i = 0; i < 12; i++) {
        uint32_t t = (keys[2] & 0xFFFFu) | 2u;
        plain = (uint8_t)(zip[header + i] ^ (uint8_t)((t * (t ^ 1u)) >> 8));
        keys_update(keys, plain);
    }
    return plain == expected;
}

/* ~300 wrong candidates, several of which pass the check byte, before the
 * right one: the check byte must not end the search. */
static void check_byte_does_not_decide(const char *name)
{
    struct archive_file f = load(name);
    struct candidates *c = calloc(1, sizeof *c);
    unsigned passing = 0;
    char word[CANDIDATE_BYTES];
    for (unsigned i = 0; f.len > 64 && (c->n < 300 || passing < 6) && c->n < 400; i++) {
        snprintf(word, sizeof word, "decoy-%u", i);
        bool passes = passes_check_byte(f.p, word);
        if (c->n >= 290 && !passes && passing < 6)
            continue; /* keep room for more that pass */
        passing += passes;
        add(c, word);
    }
    size_t at = add(c, "Right#ZC-1");
    printf("%s: %zu wrong candidates, %u pass the check byte\n", name, at, passing);
    CHECK(passing >= 5);
    size_t found = SIZE_MAX;
    bool partial = true;
    CHECK_EQ_INT(try_file(name, "text.txt", 0, c, 64u << 20, &found, &partial), 0);
    CHECK_EQ_INT(found, at);
    CHECK(!partial);
    free(c);
    free(f.p);
}

static void two_members_two_passwords(void)
{
    struct candidates *c = calloc(1, sizeof *c);
    add_wrong(c, 3);
    size_t beta = add(c, "pw-beta");
    size_t alpha = add(c, "pw-alpha");
    size_t found = SIZE_MAX;
    bool partial;
    CHECK_EQ_INT(try_file("two.zip", "a.txt", 0, c, 1u << 20, &found, &partial), 0);
    CHECK_EQ_INT(found, alpha);
    CHECK_EQ_INT(try_file("two.zip", "b.txt", 1, c, 1u << 20, &found, &partial), 0);
    CHECK_EQ_INT(found, beta);
    /* By position alone, and by name when the position disagrees. */
    CHECK_EQ_INT(try_file("two.zip", NULL, 1, c, 1u << 20, &found, &partial), 0);
    CHECK_EQ_INT(found, beta);
    CHECK_EQ_INT(try_file("two.zip", "a.txt", 1, c, 1u << 20, &found, &partial), 0);
    CHECK_EQ_INT(found, alpha);
    CHECK_EQ_INT(try_file("two.zip", "none.txt", 7, c, 1u << 20, &found, &partial), SK_EINVAL);
    free(c);
}

static void nothing_fits(void)
{
    struct candidates *c = calloc(1, sizeof *c);
    add_wrong(c, 40);
    size_t found;
    bool partial;
    CHECK_EQ_INT(try_file("zc_deflate.zip", NULL, 0, c, 1u << 20, &found, &partial), SK_DONE);
    CHECK_EQ_INT(try_file("aes256_deflate.zip", NULL, 0, c, 1u << 20, &found, &partial),
                 SK_DONE);
    CHECK_EQ_INT(try_file("zc_stored.zip", NULL, 0, c, 0, &found, &partial), SK_DONE);
    c->n = 0;
    CHECK_EQ_INT(try_file("zc_deflate.zip", NULL, 0, c, 1u << 20, &found, &partial), SK_DONE);
    free(c);
}

/* The right password over corrupted data: CRC or HMAC fails. */
static void corrupt_data_rejects_right_password(void)
{
    static const char *const cases[][2] = {{"corrupt_zc_stored.zip", "Right#ZC-1"},
                                           {"corrupt_zc_deflate.zip", "Right#ZC-1"},
                                           {"corrupt_aes256.zip", "Right#AES-256"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct candidates *c = calloc(1, sizeof *c);
        add_wrong(c, 3);
        add(c, cases[i][1]);
        size_t found = SIZE_MAX;
        bool partial;
        int rc = try_file(cases[i][0], NULL, 0, c, 64u << 20, &found, &partial);
        if (rc != SK_DONE)
            fprintf(stderr, "%s: rc %d found %zu\n", cases[i][0], rc, found);
        CHECK_EQ_INT(rc, SK_DONE);
        free(c);
    }
}

/* The cut archive, and every prefix of a small one: an error, never a crash
 * (run under AddressSanitizer). */
static void truncated_archives(void)
{
    struct sk_zip_index *index = NULL;
    struct archive_file f = load("truncated.zip");
    CHECK(f.len > 0);
    CHECK_EQ_INT(sk_zip_index_open(f.p, f.len, 1000, &index), SK_ECORRUPT);
    CHECK(index == NULL);
    free(f.p);

    f = load("two.zip");
    struct candidates *c = calloc(1, sizeof *c);
    add(c, "pw-alpha");
    add(c, "pw-beta");
    size_t failures = 0;
    for (size_t cut = 0; cut < f.len; cut++) {
        uint8_t *prefix = malloc(cut ? cut : 1);
        memcpy(prefix, f.p, cut);
        int rc = sk_zip_index_open(prefix, cut, 1000, &index);
        size_t found;
        bool partial;
        for (size_t at = 0; rc == 0 && at < sk_zip_index_count(index); at++)
            rc = sk_zip_find_password(index, NULL, at, c->ptr, c->len, c->n, 1u << 20, 0,
                                      &found, &partial);
        failures += rc != 0;
        sk_zip_index_free(index);
        index = NULL;
        free(prefix);
    }
    CHECK_EQ_INT(failures, f.len);
    free(c);
    free(f.p);
}

/* A ZipCrypto bzip2 member: the trial cannot decompress it, so the right
 * candidate passes on its check byte alone (partial), and its decrypted copy
 * is a plain one-member ZIP whose headers agree. */
static void other_method(const struct archive_file *f, struct candidates *c)
{
    struct sk_zip_index *index = NULL;
    CHECK_EQ_INT(sk_zip_index_open(f->p, f->len, 16, &index), 0);
    if (!index)
        return;
    size_t found = 9;
    bool partial = false;
    CHECK_EQ_INT(sk_zip_find_password(index, NULL, 0, c->ptr, c->len, c->n, 1u << 20, 0, &found,
                                      &partial),
                 0);
    CHECK_EQ_INT(found, 0);
    CHECK(partial);
    uint16_t method = 0;
    bool aes = true, crc_known = false;
    CHECK_EQ_INT(sk_zip_member_method(index, NULL, 0, &method, &aes, &crc_known), 0);
    CHECK_EQ_INT(method, 12);
    CHECK(!aes && crc_known);
    uint8_t *zip = NULL;
    size_t zip_len = 0;
    CHECK_EQ_INT(sk_zip_decrypt_member(index, NULL, 0, "Right#BZ", 8, &zip, &zip_len), 0);
    struct sk_zip_index *copy = NULL;
    CHECK_EQ_INT(zip ? sk_zip_index_open(zip, zip_len, 16, &copy) : -1, 0);
    const uint8_t *name;
    size_t name_len;
    const char *what;
    if (copy) {
        CHECK_EQ_INT(sk_zip_index_count(copy), 1);
        CHECK_EQ_INT(sk_zip_index_check(copy, &name, &name_len, &what), 0);
    }
    sk_zip_index_free(copy);
    free(zip);
    sk_zip_index_free(index);
}

static void refusals(void)
{
    struct candidates *c = calloc(1, sizeof *c);
    add(c, "Right#BZ");
    size_t found;
    bool partial;
    CHECK_EQ_INT(try_file("plain.zip", NULL, 0, c, 1u << 20, &found, &partial), SK_EINVAL);
    struct archive_file f = load("zc_bzip2.zip");
    if (f.len) /* only where Info-ZIP was built with bzip2 */
        other_method(&f, c);
    free(f.p);

    f = load("zc_deflate.zip");
    struct sk_zip_index *index = NULL;
    CHECK_EQ_INT(sk_zip_index_open(f.p, f.len, 0, &index), SK_ELIMIT);
    CHECK_EQ_INT(sk_zip_index_open(f.p, f.len, 1, &index), 0);
    add(c, "Right#ZC-1");
    /* A deadline already past stops before the first candidate. */
    CHECK_EQ_INT(sk_zip_find_password(index, NULL, 0, c->ptr, c->len, c->n, 1u << 20, 1, &found,
                                      &partial),
                 SK_ELIMIT);
    sk_zip_index_free(index);
    free(f.p);
    free(c);
}

/* libarchive lists by local header offset and drops a second central entry
 * at a taken offset; order.txt is bsdtar's listing of order.zip. */
static void libarchive_order(void)
{
    struct archive_file zip = load("order.zip");
    struct archive_file listing = load("order.txt");
    struct sk_zip_index *index = NULL;
    CHECK_EQ_INT(sk_zip_index_open(zip.p, zip.len, 1000, &index), 0);
    size_t lines = 0;
    char *text = listing.p ? (char *)listing.p : (char *)"";
    for (size_t i = 0, start = 0; i < listing.len; i++) {
        if (text[i] != '\n')
            continue;
        size_t name_len = 0;
        const uint8_t *name = index ? sk_zip_index_name(index, lines, &name_len) : NULL;
        bool same = name && name_len == i - start && memcmp(name, text + start, name_len) == 0;
        if (!same)
            fprintf(stderr, "entry %zu: libarchive says %.*s\n", lines, (int)(i - start),
                    text + start);
        CHECK(same);
        lines++;
        start = i + 1;
    }
    CHECK(lines == 4);
    CHECK_EQ_INT(index ? sk_zip_index_count(index) : 0, lines);
    sk_zip_index_free(index);
    free(zip.p);
    free(listing.p);
}

static double seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* 256 candidates, the right one last. Figures are printed, not asserted. */
static void measure(const char *name, const char *right)
{
    struct candidates *c = calloc(1, sizeof *c);
    add_wrong(c, 255);
    size_t at = add(c, right);
    struct archive_file f = load(name);
    struct sk_zip_index *index = NULL;
    size_t found = SIZE_MAX;
    bool partial;
    double start = seconds();
    int rc = sk_zip_index_open(f.p, f.len, 1000, &index);
    if (rc == 0)
        rc = sk_zip_find_password(index, NULL, 0, c->ptr, c->len, c->n, 64u << 20, 0, &found,
                                  &partial);
    double took = seconds() - start;
    CHECK_EQ_INT(rc, 0);
    CHECK_EQ_INT(found, at);
    printf("%s: %zu candidates in %.3f s: %.0f candidates/s\n", name, c->n, took,
           (double)c->n / took);
    sk_zip_index_free(index);
    free(f.p);
    free(c);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: test_zip_trial FIXTURE_FOLDER\n");
        return 2;
    }
    folder = argv[1];
    right_among_wrong("zc_deflate.zip", "Right#ZC-1", false);
    right_among_wrong("zc_stored.zip", "Right#ZC-1", true);
    right_among_wrong("zc_zip64.zip", "Right#ZC-1", false);
    right_among_wrong("zc7_deflate.zip", "Right#ZC-7", false);
    right_among_wrong("aes128_deflate.zip", "Right#AES-128", false);
    right_among_wrong("aes128_stored.zip", "Right#AES-128", true);
    right_among_wrong("aes128_ae1.zip", "Right#AES-128", false);
    right_among_wrong("aes256_deflate.zip", "Right#AES-256", false);
    right_among_wrong("aes256_stored.zip", "Right#AES-256", true);
    check_byte_does_not_decide("zc_deflate.zip");
    check_byte_does_not_decide("zc_stored.zip");
    two_members_two_passwords();
    nothing_fits();
    corrupt_data_rejects_right_password();
    truncated_archives();
    refusals();
    libarchive_order();
    measure("zc_deflate.zip", "Right#ZC-1");
    measure("aes256_deflate.zip", "Right#AES-256");
    return check_exit("test_zip_trial");
}
