/* `sekisho scan --report FILE.html`: one self-contained HTML page for a
 * scan, assembled at the end from the verdict objects collected during it
 * (consumed as JSON). Memory stays bounded: each verdict goes to a temporary
 * file as it arrives (one line of JSON, as big as the scan's JSON Lines
 * output) and only the summary's tallies stay in memory; the page is then
 * written one input at a time. */
#ifndef SK_REPORT_HTML_H
#define SK_REPORT_HTML_H

#include "../engine/sekisho.h"

struct sk_html_report;

/* Checks that path can be written (it is created now) and opens the
 * temporary store. NULL with errno set on failure. */
struct sk_html_report *sk_html_report_open(const char *path);

/* One input: its id, its verdict object (NULL when there is none: the row
 * then says so), its verdict and its size in bytes. */
void sk_html_report_add(struct sk_html_report *r, const char *id, const char *json,
                        enum sk_verdict verdict, unsigned long long bytes);

/* Writes the page (`seconds`: the scan's wall time) and frees r: 0, or -1
 * with errno set. */
int sk_html_report_finish(struct sk_html_report *r, double seconds);

#endif
