/* HTML smuggling: a page that builds a file in the browser from a payload
 * it carries (base64 string literals or a numeric byte array) and saves it
 * (atob, new Blob, msSaveOrOpenBlob, createObjectURL, download=).
 *
 * The HTML unpacker runs it over HTML; the script unpacker over HTA. */
#ifndef SK_HTML_H
#define SK_HTML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../engine/unpack.h"

struct sk_smuggling {
    size_t pos;          /* where the payload scan goes on */
    unsigned found;      /* payloads handed back so far */
    bool checked;        /* the technique words were looked for */
    bool armed;          /* ... and some were there */
    char technique[128]; /* the words found, "atob, Blob, download=" */
    char download[128];  /* the file name a download attribute gives */
    char name[160];      /* the current child's name */
};

/* Hands back the next smuggled payload of the page p[0..n) as a child
 * (decoded, named from the download attribute or "smuggled.bin") and
 * reports html.smuggling: 0, SK_DONE when there is none left, or an error.
 * s starts zeroed. */
int sk_smuggling_next(struct sk_unpack *u, struct sk_smuggling *s, const uint8_t *p, size_t n,
                      struct sk_child *child);

#endif
