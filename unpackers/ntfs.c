/* NTFS volumes: recognised, not walked yet.
 *
 * Spec: the NTFS boot sector as Microsoft documents it ("NTFS Technical
 * Reference", and the Linux-NTFS project's layout.h): the OEM ID "NTFS    "
 * at 3, BytesPerSector at 11 (512 to 4096), the 55 AA end marker at 510.
 *
 * A volume is typed `ntfs` (a disk image: it holds a dropper as well as a
 * FAT volume does) and refused, never silently: error.unsupported with
 * container.disk_image, and the volume's raw bytes are scanned as the
 * node's own. Listing its files needs a bounded reader of the $MFT (FILE
 * records with their update sequence fixups, the $FILE_NAME and $DATA
 * attributes, resident data and non-resident data runs, $INDEX_ALLOCATION
 * for directories): not written yet. No children; nothing is allocated. */
#include "../engine/error.h"
#include "../engine/reader.h"
#include "unpacker.h"

/* The bid: the 64-bit OEM ID, a sector size, and the end marker: 60. */
static int bid(const struct sk_node *node, enum sk_type *type)
{
    struct sk_reader r = sk_reader_make(node->data.p, node->data.len);
    uint16_t sector = sk_reader_u16le_at(&r, 11);
    if (!sk_reader_match(&r, 3, "NTFS    ", 8) || !sk_reader_match(&r, 510, "\x55\xaa", 2) ||
        r.err || sector < 512 || sector > 4096 || (sector & (sector - 1)) != 0)
        return 0;
    *type = SK_TYPE_NTFS;
    return 60;
}

static int open_ntfs(struct sk_unpack *u, void **state)
{
    (void)state;
    sk_unpack_info(u, "format", "NTFS");
    sk_unpack_reason(u, "container.disk_image",
                     "an NTFS volume: what it holds cannot be listed yet");
    sk_unpack_fail(u, "ntfs", SK_EUNSUPPORTED,
                   "NTFS is not walked yet; the volume's raw bytes are scanned");
    return SK_EUNSUPPORTED;
}

const struct sk_unpacker sk_unpacker_ntfs = {
    .name = "ntfs",
    .bid = bid,
    .open = open_ntfs,
    .next = sk_unpack_next_none, /* open always refuses: kept for the contract */
    .close = sk_unpack_close_none,
};
