/* The 7z header parse (7-Zip's 7zFormat.txt): the signature header, the
 * streams info (packed streams, folders, substreams) and the files info.
 * Pure functions over bytes: no library, no recursion; fuzzed as `sevenz`
 * with the rest of the sevenz files. */
#ifndef SK_SEVENZ_HEADER_H
#define SK_SEVENZ_HEADER_H

#include "../engine/reader.h"
#include "sevenz_format.h"

/* Property ids of 7zFormat.txt. */
enum {
    SK_7Z_ID_END = 0x00,
    SK_7Z_ID_HEADER = 0x01,
    SK_7Z_ID_ENCODED_HEADER = 0x17,
};

/* Checks the signature header (its start-header CRC) and points *next at
 * the next header, whose CRC it checks too: 0, SK_ECORRUPT or SK_ETRUNC. */
int sk_7z_start(const uint8_t *data, size_t len, struct sk_reader *next);

/* Reads a StreamsInfo (r just past kEncodedHeader or kMainStreamsInfo) into
 * *s, its packed streams checked to lie inside data[0..len). Counts above
 * max_entries: SK_ELIMIT. Free with sk_7z_streams_free, also on failure. */
int sk_7z_read_streams(struct sk_reader *r, const uint8_t *data, size_t len, size_t max_entries,
                       struct sk_7z_streams *s);

/* Reads a Header (r just past kHeader) into ar->streams and ar->files,
 * each file tied to its folder and offset there. Free with
 * sk_7z_archive_clear, also on failure. */
int sk_7z_read_header(struct sk_reader *r, struct sk_7z_archive *ar, size_t max_entries);

/* Releases what the parse allocated (not ar itself, not ar->header). */
void sk_7z_archive_clear(struct sk_7z_archive *ar);

#endif
