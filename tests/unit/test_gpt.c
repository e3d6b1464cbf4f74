/* The GUID Partition Table reader (unpackers/gpt.c) on disks laid out here
 * from UEFI 2.10 section 5.3: a good table, a primary header whose CRC32
 * fails (the backup at the last LBA is read), an entry array whose CRC32
 * fails in both copies, entry geometry out of range, a header that does not
 * lie at its MyLBA, and a disk that cannot be read. */
#include <string.h>
#include <zlib.h>

#include "check.h"
#include "engine/error.h"
#include "unpackers/gpt.h"

#define SECTOR 512u
#define SECTORS 64u
#define ENTRIES 4u

static uint8_t disk[SECTORS * SECTOR];

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void header(uint64_t my_lba, uint64_t array_lba, uint32_t count, uint32_t esize)
{
    uint8_t *h = disk + my_lba * SECTOR;
    memset(h, 0, SECTOR);
    memcpy(h, "EFI PART", 8);
    put32(h + 8, 0x00010000);
    put32(h + 12, 92);
    put64(h + 24, my_lba);
    put64(h + 72, array_lba);
    put32(h + 80, count);
    put32(h + 84, esize);
    uint32_t size = count * esize <= 16 * SECTOR ? count * esize : 0;
    put32(h + 88, (uint32_t)crc32(0, disk + array_lba * SECTOR, size));
    put32(h + 16, (uint32_t)crc32(0, h, 92));
}

/* Two partitions (entries 1 and 3) at LBA 2, backup array at LBA 59. */
static void layout(void)
{
    memset(disk, 0, sizeof disk);
    for (unsigned copy = 0; copy < 2; copy++) {
        uint8_t *array = disk + (copy ? 59u : 2u) * SECTOR;
        for (unsigned i = 0; i < ENTRIES; i += 2) {
            uint8_t *e = array + i * 128;
            memset(e, 0xaa, 16); /* a type GUID, not zero */
            put64(e + 32, 34 + i * 4);
            put64(e + 40, 37 + i * 4);
        }
    }
    header(1, 2, ENTRIES, 128);
    header(SECTORS - 1, 59, ENTRIES, 128);
}

static int read_disk(void *ctx, uint64_t off, uint8_t *buf, size_t n)
{
    (void)ctx;
    if (off > sizeof disk || n > sizeof disk - off)
        return SK_ETRUNC;
    memcpy(buf, disk + off, n);
    return 0;
}

static int read_nothing(void *ctx, uint64_t off, uint8_t *buf, size_t n)
{
    (void)ctx, (void)off, (void)buf, (void)n;
    return SK_ETRUNC;
}

static struct sk_gpt_disk view = {read_disk, NULL, sizeof disk, SECTOR};
static struct sk_gpt gpt;

static void good_table(void)
{
    layout();
    CHECK_EQ_INT(sk_gpt_read(&view, &gpt), 0);
    CHECK_EQ_INT((int)gpt.n_parts, 2);
    CHECK_EQ_INT((int)gpt.parts[0].index, 1);
    CHECK_EQ_INT((int)gpt.parts[1].index, 3);
    CHECK_EQ_INT((int)gpt.parts[1].first_lba, 42);
    CHECK_EQ_INT((int)gpt.parts[1].last_lba, 45);
    CHECK(!gpt.primary_bad && !gpt.backup_used);
}

static void primary_crc_fails(void)
{
    layout();
    disk[SECTOR + 60] ^= 1; /* the disk GUID: covered by HeaderCRC32 */
    CHECK_EQ_INT(sk_gpt_read(&view, &gpt), 0);
    CHECK(gpt.primary_bad && gpt.backup_used);
    CHECK_EQ_INT((int)gpt.n_parts, 2);
}

static void arrays_crc_fail(void)
{
    layout();
    disk[2 * SECTOR + 50] ^= 1;
    disk[59 * SECTOR + 50] ^= 1;
    CHECK_EQ_INT(sk_gpt_read(&view, &gpt), SK_ECORRUPT);
    CHECK_EQ_INT((int)gpt.n_parts, 0);
    CHECK(strstr(gpt.problem, "array") != NULL);
}

static void geometry_refused(void)
{
    layout();
    header(1, 2, ENTRIES, 100); /* not 128 * 2^n */
    header(SECTORS - 1, 59, 0x10000000u, 128); /* 32 GiB of entries */
    CHECK_EQ_INT(sk_gpt_read(&view, &gpt), SK_ECORRUPT);
    layout();
    header(1, 2, ENTRIES, 128);
    memcpy(disk + (SECTORS - 1) * SECTOR, disk + SECTOR, SECTOR); /* MyLBA 1, at 63 */
    disk[SECTOR] = 'X';
    CHECK_EQ_INT(sk_gpt_read(&view, &gpt), SK_ECORRUPT);
    CHECK(strstr(gpt.problem, "EFI PART") != NULL);
}

static void unreadable(void)
{
    struct sk_gpt_disk none = {read_nothing, NULL, sizeof disk, SECTOR};
    CHECK_EQ_INT(sk_gpt_read(&none, &gpt), SK_ECORRUPT);
    struct sk_gpt_disk odd = {read_disk, NULL, sizeof disk, 520};
    CHECK_EQ_INT(sk_gpt_read(&odd, &gpt), SK_ECORRUPT);
}

int main(void)
{
    good_table();
    primary_crc_fails();
    arrays_crc_fail();
    geometry_refused();
    unreadable();
    return check_exit("test_gpt");
}
