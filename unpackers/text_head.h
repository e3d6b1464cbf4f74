/* The head of a text as the text bids read it (script.c, html.c, mime.c):
 * where its first word starts, a word there, and a message's header lines.
 * No allocation and no library, so a test or a tool can ask the same. */
#ifndef SK_TEXT_HEAD_H
#define SK_TEXT_HEAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../engine/reader.h"
#include "../engine/unpacker.h"

/* What a text bid (a script, a page, a message) that found its evidence
 * scores on node, typed as the sniffer gave it: `score` on plain text, 0 on
 * any other type (XML and the types other bids showed keep theirs). */
int sk_text_score(const struct sk_node *node, int score);


/* `word` at offset at of w, case-insensitive. */
bool sk_text_starts_ci(const struct sk_reader *w, size_t at, const char *word);

/* Where a message's header block starts: after leading blank lines and an
 * mbox separator line ("From " with or without its date, as clamav-milter
 * and mailbox files write it), looked for in the first 4 KiB. 0 when there
 * is nothing to skip. */
size_t sk_message_start(const uint8_t *p, size_t n);

/* True when p[0..n), from sk_message_start on, opens with header lines
 * (RFC 5322 2.2): two known fields before the first blank line and nothing
 * that is not a field or a field's continuation. Reads the first 4 KiB. */
bool sk_looks_like_message(const uint8_t *p, size_t n);

/* The stricter check for bytes that are not text (a body in binary
 * transfer encoding, NULs, yEnc): true when the whole header block, from
 * sk_message_start to its empty line, within the first 4 KiB (or all of
 * them, when the block runs on past them), is header fields and their
 * continuations (a name of printable US-ASCII and a colon), two of them
 * known ones, with no control byte but tab and CR (a NUL disqualifies). */
bool sk_looks_like_message_head(const uint8_t *p, size_t n);

#endif
