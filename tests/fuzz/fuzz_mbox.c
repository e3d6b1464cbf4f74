/* Fuzz target: a mailbox given to `sekisho scan` (cli/mbox.c) and the name
 * escaping of the tree and the report (cli/safetext.c), pure functions over
 * bytes. The input is detected, split into every message and each message
 * un-escaped, then shown through sk_safe_text. Aborts when a message lies
 * outside the input or before the previous one, when the split does not
 * move on, when un-escaping grows a message, or when safe text keeps a
 * control byte. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../cli/mbox.h"
#include "../../cli/safetext.h"

static void check_safe(const uint8_t *p, size_t n)
{
    char *safe = sk_safe_text((const char *)p, n);
    if (!safe)
        return;
    for (const unsigned char *s = (const unsigned char *)safe; *s; s++)
        if (*s < 0x20 || *s == 0x7f)
            abort();
    free(safe);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    (void)sk_mbox_detect(data, size);
    size_t at = 0, end_of_last = 0;
    struct sk_mbox_msg msg;
    uint8_t *out = malloc(size + 1);
    if (!out)
        return 0;
    while (at < size) {
        size_t before = at;
        if (!sk_mbox_next(data, size, &at, &msg))
            break;
        if (msg.start > size || msg.len > size - msg.start || msg.start < end_of_last ||
            at <= before || at > size)
            abort();
        end_of_last = msg.start + msg.len;
        size_t len = sk_mbox_unescape(data + msg.start, msg.len, out);
        if (len > msg.len || (!msg.escaped && len != msg.len))
            abort();
        check_safe(out, len);
    }
    free(out);
    return 0;
}
