/* Decoding one 7z folder.
 *
 * Spec: 7-Zip's DOC/7zFormat.txt (folders, bind pairs, packed streams) and
 * DOC/Methods.txt (method ids and properties: LZMA's lc/lp/pb byte and
 * dictionary size, LZMA2's dictionary byte, Delta's distance, a branch
 * filter's optional start offset); liblzma's raw decoders (lzma/lzma12.h,
 * bcj.h, delta.h), zlib's raw inflate, libbz2, bcj2.c, sevenz_aes.c.
 * Supports: Copy, 7zAES, LZMA, LZMA2, BCJ x86, PPC, IA64, ARM, ARMT, ARM64,
 * SPARC, Delta, BCJ2, Deflate, BZip2, in any arrangement of at most
 * SK_7Z_MAX_CODERS coders with one output each. Refuses: PPMd, Deflate64
 * and every other method (SK_EUNSUPPORTED, named).
 * Limits: every stream the folder makes is allocated at its declared size
 * only after that size is checked against max_bytes; liblzma's dictionary
 * is never larger than the output it serves; decoders read only the bytes
 * of their packed stream or of another coder's output. */
#include "sevenz_coders.h"

#include <bzlib.h>
#include <limits.h>
#include <lzma.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "../engine/error.h"
#include "../engine/reader.h"
#include "bcj2.h"

#define SLICE (1u << 30)          /* bytes per call of an int-sized library API */
#define LZMA2_STORED_CHUNK 65536u /* an LZMA2 uncompressed chunk's most bytes */

struct input {
    const uint8_t *p;
    size_t len;
};

const char *sk_7z_method_name(uint64_t method)
{
    switch (method) {
    case SK_7Z_COPY: return "Copy";
    case SK_7Z_DELTA: return "Delta";
    case SK_7Z_X86: return "BCJ";
    case SK_7Z_BCJ2: return "BCJ2";
    case SK_7Z_PPC: return "PPC";
    case SK_7Z_IA64: return "IA64";
    case SK_7Z_ARM: return "ARM";
    case SK_7Z_ARMT: return "ARMT";
    case SK_7Z_SPARC: return "SPARC";
    case SK_7Z_ARM64: return "ARM64";
    case SK_7Z_LZMA: return "LZMA";
    case SK_7Z_LZMA2: return "LZMA2";
    case SK_7Z_PPMD: return "PPMd";
    case SK_7Z_DEFLATE: return "Deflate";
    case SK_7Z_DEFLATE64: return "Deflate64";
    case SK_7Z_BZIP2: return "BZip2";
    case SK_7Z_AES: return "7zAES";
    default: return "unknown";
    }
}

/* ---- liblzma ------------------------------------------------------------- */

static int lzma_run(const lzma_filter *filters, struct input in, uint8_t *out, size_t out_len)
{
    lzma_stream z = LZMA_STREAM_INIT;
    lzma_ret r = lzma_raw_decoder(&z, filters);
    if (r != LZMA_OK)
        return r == LZMA_MEM_ERROR ? SK_ENOMEM : SK_ECORRUPT;
    z.next_in = in.p;
    z.avail_in = in.len;
    z.next_out = out;
    z.avail_out = out_len;
    while (r == LZMA_OK && z.avail_out > 0) {
        size_t before = z.avail_out;
        r = lzma_code(&z, LZMA_FINISH);
        if (r == LZMA_OK && z.avail_out == before && z.avail_in == 0)
            break; /* no progress: the input ended */
    }
    size_t got = out_len - z.avail_out;
    lzma_end(&z);
    if (r == LZMA_MEM_ERROR)
        return SK_ENOMEM;
    return got == out_len ? 0 : SK_ECORRUPT;
}

/* A dictionary larger than the output is never read: cap it there, so
 * that a header claiming 4 GiB costs what the folder holds. */
static uint32_t dictionary_for(uint64_t dict, size_t out_len)
{
    uint64_t need = out_len < LZMA_DICT_SIZE_MIN ? LZMA_DICT_SIZE_MIN : out_len;
    return (uint32_t)(dict < need ? dict : need > UINT32_MAX ? UINT32_MAX : need);
}

static int decode_lzma(const struct sk_7z_coder *c, struct input in, uint8_t *out,
                       size_t out_len)
{
    struct sk_reader r = sk_reader_make(c->props, c->props_len);
    uint8_t d = sk_reader_u8(&r);
    uint32_t dict = sk_reader_u32le(&r);
    if (r.err || d >= 9 * 5 * 5)
        return SK_ECORRUPT;
    lzma_options_lzma opt;
    if (lzma_lzma_preset(&opt, 0))
        return SK_EINTERNAL;
    opt.lc = d % 9u;
    opt.lp = (d / 9u) % 5u;
    opt.pb = d / 45u;
    opt.dict_size =
        dictionary_for(dict < LZMA_DICT_SIZE_MIN ? LZMA_DICT_SIZE_MIN : dict, out_len);
    lzma_filter filters[] = {{LZMA_FILTER_LZMA1, &opt}, {LZMA_VLI_UNKNOWN, NULL}};
    return lzma_run(filters, in, out, out_len);
}

static int decode_lzma2(const struct sk_7z_coder *c, struct input in, uint8_t *out,
                        size_t out_len)
{
    if (c->props_len != 1 || c->props[0] > 40)
        return SK_ECORRUPT;
    unsigned p = c->props[0];
    uint64_t dict = p == 40 ? UINT32_MAX : (uint64_t)(2u | (p & 1u)) << (p / 2 + 11);
    lzma_options_lzma opt;
    if (lzma_lzma_preset(&opt, 0))
        return SK_EINTERNAL;
    opt.dict_size = dictionary_for(dict, out_len);
    lzma_filter filters[] = {{LZMA_FILTER_LZMA2, &opt}, {LZMA_VLI_UNKNOWN, NULL}};
    return lzma_run(filters, in, out, out_len);
}

/* liblzma runs a branch or delta filter only in front of LZMA or LZMA2:
 * the filter's input is wrapped in LZMA2 uncompressed chunks (control
 * byte 1, then 2; the size less one, big-endian; the bytes; a zero at the
 * end), which decode to themselves. */
static uint8_t *wrap_stored(struct input in, size_t *wrapped_len)
{
    size_t chunks = in.len / LZMA2_STORED_CHUNK + 1;
    *wrapped_len = in.len + 3 * chunks + 1;
    uint8_t *w = malloc(*wrapped_len);
    if (!w)
        return NULL;
    size_t at = 0;
    struct sk_reader r = sk_reader_make(in.p, in.len);
    while (sk_reader_left(&r) > 0) {
        size_t n =
            sk_reader_left(&r) < LZMA2_STORED_CHUNK ? sk_reader_left(&r) : LZMA2_STORED_CHUNK;
        w[at++] = r.pos == 0 ? 0x01 : 0x02;
        w[at++] = (uint8_t)((n - 1) >> 8);
        w[at++] = (uint8_t)((n - 1) & 0xFFu);
        memcpy(w + at, sk_reader_bytes(&r, n), n);
        at += n;
    }
    w[at++] = 0x00;
    *wrapped_len = at;
    return w;
}

static lzma_vli filter_id(uint64_t method)
{
    switch (method) {
    case SK_7Z_X86: return LZMA_FILTER_X86;
    case SK_7Z_PPC: return LZMA_FILTER_POWERPC;
    case SK_7Z_IA64: return LZMA_FILTER_IA64;
    case SK_7Z_ARM: return LZMA_FILTER_ARM;
    case SK_7Z_ARMT: return LZMA_FILTER_ARMTHUMB;
    case SK_7Z_SPARC: return LZMA_FILTER_SPARC;
    case SK_7Z_ARM64: return LZMA_FILTER_ARM64;
    case SK_7Z_DELTA: return LZMA_FILTER_DELTA;
    default: return LZMA_VLI_UNKNOWN;
    }
}

static int decode_filter(const struct sk_7z_coder *c, struct input in, uint8_t *out,
                         size_t out_len)
{
    lzma_options_bcj bcj = {0};
    lzma_options_delta delta = {.type = LZMA_DELTA_TYPE_BYTE, .dist = 1};
    void *options = &bcj;
    if (c->method == SK_7Z_DELTA) {
        if (c->props_len != 1)
            return SK_ECORRUPT;
        delta.dist = c->props[0] + 1u;
        options = &delta;
    } else if (c->props_len == 4) {
        struct sk_reader r = sk_reader_make(c->props, 4);
        bcj.start_offset = sk_reader_u32le(&r);
    } else if (c->props_len != 0) {
        return SK_ECORRUPT;
    }
    if (out_len > in.len)
        return SK_ECORRUPT;
    size_t wrapped_len;
    uint8_t *wrapped = wrap_stored(in, &wrapped_len);
    if (!wrapped)
        return SK_ENOMEM;
    lzma_options_lzma opt;
    int rc = lzma_lzma_preset(&opt, 0) ? SK_EINTERNAL : 0;
    opt.dict_size = LZMA2_STORED_CHUNK;
    lzma_filter filters[] = {
        {filter_id(c->method), options}, {LZMA_FILTER_LZMA2, &opt}, {LZMA_VLI_UNKNOWN, NULL}};
    if (rc == 0)
        rc = lzma_run(filters, (struct input){wrapped, wrapped_len}, out, out_len);
    free(wrapped);
    return rc;
}

/* ---- zlib and libbz2 ----------------------------------------------------- */

/* The next count for an API whose counts are int-sized: zlib and libbz2
 * move their own pointers, so only the counts are refilled. */
static size_t slice(size_t left)
{
    return left < SLICE ? left : SLICE;
}

static int decode_deflate(struct input in, uint8_t *out, size_t out_len)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, -MAX_WBITS) != Z_OK)
        return SK_ENOMEM;
    size_t in_left = in.len, out_done = 0;
    z.next_in = (Bytef *)(uintptr_t)in.p;
    z.next_out = out;
    int zr = Z_OK;
    while (zr == Z_OK && out_done < out_len) {
        size_t in_step = slice(in_left);
        size_t out_step = slice(out_len - out_done);
        z.avail_in = (uInt)in_step;
        z.avail_out = (uInt)out_step;
        zr = inflate(&z, Z_NO_FLUSH);
        in_left -= in_step - z.avail_in;
        out_done += out_step - z.avail_out;
        if (zr == Z_BUF_ERROR && in_left == 0)
            break;
        if (zr == Z_BUF_ERROR)
            zr = Z_OK;
    }
    inflateEnd(&z);
    return out_done == out_len && zr != Z_DATA_ERROR && zr != Z_MEM_ERROR ? 0 : SK_ECORRUPT;
}

static int decode_bzip2(struct input in, uint8_t *out, size_t out_len)
{
    bz_stream b;
    memset(&b, 0, sizeof b);
    if (BZ2_bzDecompressInit(&b, 0, 0) != BZ_OK)
        return SK_ENOMEM;
    size_t in_left = in.len, out_done = 0;
    b.next_in = (char *)(uintptr_t)in.p;
    b.next_out = (char *)out;
    int br = BZ_OK;
    while (br == BZ_OK && out_done < out_len) {
        size_t in_step = slice(in_left);
        size_t out_step = slice(out_len - out_done);
        b.avail_in = (unsigned)in_step;
        b.avail_out = (unsigned)out_step;
        br = BZ2_bzDecompress(&b);
        size_t used = in_step - b.avail_in, made = out_step - b.avail_out;
        in_left -= used;
        out_done += made;
        if (br == BZ_OK && used == 0 && made == 0)
            break; /* the input ended */
    }
    BZ2_bzDecompressEnd(&b);
    return out_done == out_len && (br == BZ_OK || br == BZ_STREAM_END) ? 0 : SK_ECORRUPT;
}

/* ---- 7zAES --------------------------------------------------------------- */

static int key_for(const struct sk_7z_coder *c, const struct sk_7z_keys *keys,
                   struct sk_7z_aes_props *props, uint8_t key[SK_7Z_KEY_BYTES])
{
    int rc = sk_7z_aes_props(c->props, c->props_len, props);
    if (rc != 0)
        return rc;
    if (!keys || !keys->have_password)
        return SK_EENCRYPTED;
    struct sk_7z_aes_props used = *props;
    if (keys->fuzz_cycles_cap && used.cycles != SK_7Z_NO_HASH &&
        used.cycles > keys->fuzz_cycles_cap)
        used.cycles = keys->fuzz_cycles_cap;
    return sk_7z_key(keys->cache, &used, keys->password16, keys->password16_len,
                     keys->deadline_ns, key);
}

static int decode_aes(const struct sk_7z_coder *c, struct input in, uint8_t *out,
                      size_t out_len, const struct sk_7z_keys *keys)
{
    struct sk_7z_aes_props props;
    uint8_t key[SK_7Z_KEY_BYTES];
    uint8_t last[SK_7Z_BLOCK];
    size_t whole = out_len / SK_7Z_BLOCK * SK_7Z_BLOCK;
    size_t rest = out_len - whole;
    int rc = key_for(c, keys, &props, key);
    if (rc == 0 && (in.len % SK_7Z_BLOCK != 0 || in.len < whole + (rest ? SK_7Z_BLOCK : 0)))
        rc = SK_ECORRUPT;
    if (rc == 0)
        rc = sk_7z_cbc_decrypt(key, props.iv, in.p, out, whole);
    if (rc == 0 && rest) {
        struct sk_reader r = sk_reader_make(in.p, in.len);
        const uint8_t *iv =
            whole ? sk_reader_at(&r, whole - SK_7Z_BLOCK, SK_7Z_BLOCK) : props.iv;
        const uint8_t *tail = sk_reader_at(&r, whole, SK_7Z_BLOCK);
        rc = iv && tail ? sk_7z_cbc_decrypt(key, iv, tail, last, SK_7Z_BLOCK) : SK_ECORRUPT;
        if (rc == 0)
            memcpy(out + whole, last, rest);
    }
    sk_7z_wipe(key, sizeof key); /* every path, the refusals after derivation too */
    sk_7z_wipe(last, sizeof last);
    return rc;
}

/* ---- the folder ---------------------------------------------------------- */

static int run_coder(const struct sk_7z_coder *c, const struct input *in, uint8_t *out,
                     size_t out_len, const struct sk_7z_keys *keys, const char **why)
{
    switch (c->method) {
    case SK_7Z_COPY:
        if (in[0].len < out_len)
            return SK_ECORRUPT;
        if (out_len)
            memcpy(out, in[0].p, out_len);
        return 0;
    case SK_7Z_AES: return decode_aes(c, in[0], out, out_len, keys);
    case SK_7Z_LZMA: return decode_lzma(c, in[0], out, out_len);
    case SK_7Z_LZMA2: return decode_lzma2(c, in[0], out, out_len);
    case SK_7Z_DEFLATE: return decode_deflate(in[0], out, out_len);
    case SK_7Z_BZIP2: return decode_bzip2(in[0], out, out_len);
    case SK_7Z_BCJ2:
        return sk_bcj2_decode(in[0].p, in[0].len, in[1].p, in[1].len, in[2].p, in[2].len,
                              in[3].p, in[3].len, out, out_len);
    default:
        if (filter_id(c->method) != LZMA_VLI_UNKNOWN)
            return decode_filter(c, in[0], out, out_len);
        *why = sk_7z_method_name(c->method);
        return SK_EUNSUPPORTED;
    }
}

/* How many in-streams a coder of this method takes, or 0: unsupported. */
static unsigned inputs_of(uint64_t method)
{
    if (method == SK_7Z_BCJ2)
        return 4;
    switch (method) {
    case SK_7Z_COPY:
    case SK_7Z_AES:
    case SK_7Z_LZMA:
    case SK_7Z_LZMA2:
    case SK_7Z_DEFLATE:
    case SK_7Z_BZIP2: return 1;
    default: return filter_id(method) != LZMA_VLI_UNKNOWN ? 1 : 0;
    }
}

struct plan {
    const uint8_t *data;
    size_t data_len;
    const struct sk_7z_streams *s;
    const struct sk_7z_folder *f;
    unsigned in_base[SK_7Z_MAX_CODERS], out_base[SK_7Z_MAX_CODERS];
    uint8_t *outs[SK_7Z_MAX_STREAMS];
    bool made[SK_7Z_MAX_STREAMS];
    bool consumed[SK_7Z_MAX_STREAMS]; /* read and freed: not available again */
};

/* In-stream `in` of the folder: a packed stream or a made out-stream.
 * False when it is not available yet. */
static bool input_of(const struct plan *p, unsigned in, struct input *got)
{
    const struct sk_7z_folder *f = p->f;
    for (unsigned b = 0; b < f->n_binds; b++) {
        if (f->bind_in[b] != in)
            continue;
        unsigned o = f->bind_out[b];
        if (!p->made[o] || p->consumed[o])
            return false;
        *got = (struct input){p->outs[o], (size_t)f->unpack[o]};
        return true;
    }
    for (unsigned k = 0; k < f->n_packed; k++) {
        if (f->packed[k] != in)
            continue;
        size_t at = f->first_pack + k;
        struct sk_reader all = sk_reader_make(p->data, p->data_len);
        size_t size = (size_t)p->s->pack_sizes[at];
        *got = (struct input){sk_reader_at(&all, p->s->pack_offsets[at], size), size};
        return got->p != NULL || size == 0;
    }
    return false;
}

int sk_7z_folder_supported(const struct sk_7z_folder *f, const char **why)
{
    for (unsigned i = 0; i < f->n_coders; i++) {
        if (inputs_of(f->coders[i].method) == 0) {
            *why = sk_7z_method_name(f->coders[i].method);
            return SK_EUNSUPPORTED;
        }
    }
    return 0;
}

/* The declared size of in-stream `in`: a made stream's or a packed one's. */
static uint64_t in_size(const struct plan *p, unsigned in)
{
    const struct sk_7z_folder *f = p->f;
    for (unsigned b = 0; b < f->n_binds; b++)
        if (f->bind_in[b] == in)
            return f->unpack[f->bind_out[b]];
    for (unsigned k = 0; k < f->n_packed; k++)
        if (f->packed[k] == in)
            return p->s->pack_sizes[f->first_pack + k];
    return 0;
}

static uint64_t folder_packed(const struct plan *p)
{
    uint64_t sum = 0;
    for (unsigned k = 0; k < p->f->n_packed; k++)
        sum += p->s->pack_sizes[p->f->first_pack + k];
    return sum;
}

/* Adds n to *sum; false when the sum passes max (never wraps). */
static bool spend(uint64_t *sum, uint64_t n, uint64_t max)
{
    if (n > max - *sum)
        return false;
    *sum += n;
    return true;
}

/* Every stream against the budget, before anything is allocated: an
 * in-between stream of 200 MiB costs as much as a final one. */
static int check_budget(const struct plan *p, const struct sk_7z_budget *budget,
                        const char **why)
{
    const struct sk_7z_folder *f = p->f;
    uint64_t packed = folder_packed(p), sum = 0;
    for (unsigned o = 0; o < f->n_out; o++) {
        uint64_t size = f->unpack[o];
        if (size > SIZE_MAX - 1 || !spend(&sum, size, budget->max_bytes)) {
            *why = SK_7Z_WHY_BYTES;
            return SK_ELIMIT;
        }
        if (budget->max_ratio && size > budget->ratio_floor &&
            size / (packed ? packed : 1) > budget->max_ratio) {
            *why = SK_7Z_WHY_RATIO;
            return SK_ELIMIT;
        }
    }
    for (unsigned i = 0; i < f->n_coders; i++) {
        if (filter_id(f->coders[i].method) == LZMA_VLI_UNKNOWN)
            continue;
        uint64_t in = in_size(p, p->in_base[i]); /* wrap_stored's copy of it */
        if (!spend(&sum, in / LZMA2_STORED_CHUNK * 3 + 4, budget->max_bytes) ||
            !spend(&sum, in, budget->max_bytes)) {
            *why = SK_7Z_WHY_BYTES;
            return SK_ELIMIT;
        }
    }
    return 0;
}

static int check_plan(struct plan *p, const struct sk_7z_budget *budget, const char **why)
{
    const struct sk_7z_folder *f = p->f;
    unsigned in = 0, out = 0;
    for (unsigned i = 0; i < f->n_coders; i++) {
        const struct sk_7z_coder *c = &f->coders[i];
        p->in_base[i] = in;
        p->out_base[i] = out;
        in += c->n_in;
        out += c->n_out;
        unsigned want = inputs_of(c->method);
        if (want == 0) {
            *why = sk_7z_method_name(c->method);
            return SK_EUNSUPPORTED;
        }
        if (c->n_out != 1 || c->n_in != want)
            return SK_ECORRUPT;
    }
    return check_budget(p, budget, why);
}

/* Frees the made streams coder i has read: the peak is then what is still
 * waiting for a reader, not the whole folder. */
static void free_inputs(struct plan *p, unsigned i)
{
    const struct sk_7z_folder *f = p->f;
    for (unsigned k = 0; k < f->coders[i].n_in; k++) {
        for (unsigned b = 0; b < f->n_binds; b++) {
            unsigned o = f->bind_out[b];
            if (f->bind_in[b] != p->in_base[i] + k || o == f->main_out)
                continue;
            free(p->outs[o]);
            p->outs[o] = NULL;
            p->consumed[o] = true;
        }
    }
}

/* Runs the coders whose inputs are ready, until the folder's output is
 * made; each pass makes at least one stream, or the bind pairs form a
 * cycle and the folder is corrupt. */
static int run_plan(struct plan *p, const struct sk_7z_keys *keys, const char **why)
{
    const struct sk_7z_folder *f = p->f;
    for (unsigned pass = 0; pass < f->n_coders && !p->made[f->main_out]; pass++) {
        bool progress = false;
        for (unsigned i = 0; i < f->n_coders; i++) {
            unsigned o = p->out_base[i];
            if (p->made[o])
                continue;
            struct input in[4];
            bool ready = true;
            for (unsigned k = 0; k < f->coders[i].n_in && ready; k++)
                ready = input_of(p, p->in_base[i] + k, &in[k]);
            if (!ready)
                continue;
            size_t size = (size_t)f->unpack[o];
            p->outs[o] = malloc(size ? size : 1);
            if (!p->outs[o])
                return SK_ENOMEM;
            int rc = run_coder(&f->coders[i], in, p->outs[o], size, keys, why);
            if (rc != 0)
                return rc;
            p->made[o] = true;
            free_inputs(p, i);
            progress = true;
        }
        if (!progress)
            break;
    }
    return p->made[f->main_out] ? 0 : SK_ECORRUPT;
}

int sk_7z_decode_folder(const uint8_t *data, size_t data_len, const struct sk_7z_streams *s,
                        size_t index, const struct sk_7z_keys *keys,
                        const struct sk_7z_budget *budget, uint8_t **out, const char **why)
{
    *out = NULL;
    struct plan p;
    memset(&p, 0, sizeof p);
    p.data = data;
    p.data_len = data_len;
    p.s = s;
    p.f = &s->folders[index];
    int rc = check_plan(&p, budget, why);
    if (rc == 0)
        rc = run_plan(&p, keys, why);
    for (unsigned o = 0; o < SK_7Z_MAX_STREAMS; o++) {
        if (rc == 0 && o == p.f->main_out)
            *out = p.outs[o];
        else
            free(p.outs[o]);
    }
    return rc;
}

/* ---- the cheap check ----------------------------------------------------- */

/* The coder that reads out-stream o, or -1 (o is the folder's output). */
static int reader_of(const struct plan *p, unsigned o, unsigned *in_index)
{
    const struct sk_7z_folder *f = p->f;
    for (unsigned b = 0; b < f->n_binds; b++) {
        if (f->bind_out[b] != o)
            continue;
        for (unsigned i = 0; i < f->n_coders; i++) {
            if (f->bind_in[b] >= p->in_base[i] &&
                f->bind_in[b] < p->in_base[i] + f->coders[i].n_in) {
                *in_index = f->bind_in[b] - p->in_base[i];
                return (int)i;
            }
        }
    }
    return -1;
}

/* What the coder reading the plaintext must see first. */
static int first_block_fits(const struct sk_7z_coder *next, const uint8_t b[SK_7Z_BLOCK],
                            unsigned *bits)
{
    if (next->method == SK_7Z_LZMA) {
        *bits += 8;
        return b[0] == 0 ? 0 : 1;
    }
    if (next->method == SK_7Z_LZMA2) {
        *bits += 3;
        if (b[0] == 0x01)
            return 0;
        if (b[0] < 0xE0)
            return 1;
        unsigned props = b[5], lc = props % 9, lp = (props / 9) % 5;
        return props < 9 * 5 * 5 && lc + lp <= 4 ? 0 : 1;
    }
    return 0;
}

static int precheck_coder(const struct plan *p, unsigned i, const struct sk_7z_keys *keys,
                          unsigned *bits)
{
    const struct sk_7z_folder *f = p->f;
    struct input in;
    if (!input_of(p, p->in_base[i], &in))
        return 0; /* fed by another coder: only the full decode can tell */
    struct sk_7z_aes_props props;
    uint8_t key[SK_7Z_KEY_BYTES], block[SK_7Z_BLOCK];
    size_t plain = (size_t)f->unpack[p->out_base[i]];
    int rc = key_for(&f->coders[i], keys, &props, key);
    if (rc == 0 && (in.len < SK_7Z_BLOCK || in.len % SK_7Z_BLOCK || plain > in.len))
        rc = SK_ECORRUPT;
    if (rc == 0)
        rc = sk_7z_cbc_decrypt(key, props.iv, in.p, block, SK_7Z_BLOCK);
    unsigned in_index = 0;
    int next = reader_of(p, p->out_base[i], &in_index);
    if (rc == 0 && next >= 0 && in_index == 0 && plain > 0)
        rc = first_block_fits(&f->coders[next], block, bits);
    size_t last = in.len - SK_7Z_BLOCK;
    if (rc == 0 && plain < in.len) {
        struct sk_reader r = sk_reader_make(in.p, in.len);
        const uint8_t *iv = last ? sk_reader_at(&r, last - SK_7Z_BLOCK, SK_7Z_BLOCK) : props.iv;
        const uint8_t *tail = sk_reader_at(&r, last, SK_7Z_BLOCK);
        rc = iv && tail ? sk_7z_cbc_decrypt(key, iv, tail, block, SK_7Z_BLOCK) : SK_ECORRUPT;
        for (size_t k = plain > last ? plain - last : 0; rc == 0 && k < SK_7Z_BLOCK; k++) {
            *bits += 8;
            if (block[k] != 0)
                rc = 1;
        }
    }
    sk_7z_wipe(key, sizeof key); /* every path, the refusals after derivation too */
    sk_7z_wipe(block, sizeof block);
    return rc;
}

int sk_7z_precheck(const uint8_t *data, size_t data_len, const struct sk_7z_streams *s,
                   size_t index, const struct sk_7z_keys *keys, unsigned *evidence_bits)
{
    *evidence_bits = 0;
    struct plan p;
    memset(&p, 0, sizeof p);
    p.data = data;
    p.data_len = data_len;
    p.s = s;
    p.f = &s->folders[index];
    const char *why = NULL;
    int rc = check_plan(&p, &(struct sk_7z_budget){UINT64_MAX, 0, 0}, &why);
    for (unsigned i = 0; rc == 0 && i < p.f->n_coders; i++)
        if (p.f->coders[i].method == SK_7Z_AES)
            rc = precheck_coder(&p, i, keys, evidence_bits);
    return rc;
}
