/* Fuzz target: the XLM formula renderer (unpackers/xlm_render.c), pure over
 * bytes. Byte 0 picks the encoding (BIFF5, BIFF8, BIFF12) and whether the
 * book knows sheets and names; the rest is the Rgce. Aborts when the text
 * does not start with "=", holds a line break or a NUL, passes its cap, or
 * when the BIFF12 entry writes past its buffer or says a wrong length. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../unpackers/xlm_render.h"

static const char *sheet(void *ctx, int index)
{
    (void)ctx;
    return index == 0 ? "Sheet1" : NULL;
}

static const char *sheet_xti(void *ctx, uint16_t ixti)
{
    (void)ctx;
    return ixti == 0 ? "Sheet1" : ixti == 1 ? "[external]" : NULL;
}

static const char *name(void *ctx, uint32_t index)
{
    (void)ctx;
    return index == 1 ? "Auto_Open" : NULL;
}

static char scratch[SK_XLM_MAX_FORMULA];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    enum sk_xlm_biff biff = (enum sk_xlm_biff)(data[0] % 3);
    bool knows = data[0] & 4;
    struct sk_xlm_book book = {
        biff,   NULL, knows ? sheet : NULL, knows ? sheet_xti : NULL, knows ? name : NULL,
        scratch};
    struct sk_xlm_buf out = {.max = 64u * 1024};
    struct sk_reader r = sk_reader_make(data + 1, size - 1);
    sk_xlm_render(&book, &r, &out);
    if (!out.nomem) {
        if (!out.p || out.p[0] != '=' || out.len > out.max || strlen(out.p) != out.len ||
            memchr(out.p, '\n', out.len) || memchr(out.p, '\r', out.len))
            abort();
    }
    free(out.p);
    char small[40];
    memset(small, 0x5A, sizeof small);
    size_t len = 0;
    if (sk_xlm_render_biff12(data + 1, size - 1, small, 32, &len, NULL) == 0 &&
        (len > 31 || small[len] != '\0' || strlen(small) != len || small[32] != 0x5A))
        abort();
    return 0;
}
