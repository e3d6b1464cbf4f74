/* The 7z archive's structures as 7-Zip's 7zFormat.txt describes them, what
 * the sevenz files share: the header parse (sevenz_header.c), the folder
 * decoder (sevenz_coders.c) and the password trial (sevenz.c).
 *
 * Every count is bounded here or by the caller's max_entries; names and
 * property bytes point into the header buffer that the archive owns. */
#ifndef SK_SEVENZ_FORMAT_H
#define SK_SEVENZ_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SK_7Z_SIGNATURE_BYTES 32u
#define SK_7Z_MAX_CODERS 8u          /* BCJ2, three LZMA and an AES per packed stream */
#define SK_7Z_MAX_STREAMS 16u        /* in- or out-streams of one folder */
#define SK_7Z_MAX_PROPS 64u          /* one coder's property bytes */
#define SK_7Z_MAX_HEADER (64u << 20) /* a decoded header's bytes */
#define SK_7Z_MAX_CYCLES 24u         /* 7zAES NumCyclesPower accepted (7-Zip writes 19) */

/* Method ids (7-Zip's Methods.txt), the id bytes read big-endian. */
#define SK_7Z_COPY 0x00u
#define SK_7Z_DELTA 0x03u
#define SK_7Z_X86 0x03030103u
#define SK_7Z_BCJ2 0x0303011Bu
#define SK_7Z_PPC 0x03030205u
#define SK_7Z_IA64 0x03030401u
#define SK_7Z_ARM 0x03030501u
#define SK_7Z_ARMT 0x03030701u
#define SK_7Z_SPARC 0x03030805u
#define SK_7Z_ARM64 0x0Au
#define SK_7Z_LZMA 0x030101u
#define SK_7Z_LZMA2 0x21u
#define SK_7Z_PPMD 0x030401u
#define SK_7Z_DEFLATE 0x040108u
#define SK_7Z_DEFLATE64 0x040109u
#define SK_7Z_BZIP2 0x040202u
#define SK_7Z_AES 0x06F10701u

struct sk_7z_coder {
    uint64_t method;
    unsigned n_in, n_out;
    const uint8_t *props;
    size_t props_len;
};

/* A folder: coders joined by bind pairs (in-stream <- out-stream), fed by
 * packed streams, giving one unbound out-stream, the folder's output. */
struct sk_7z_folder {
    struct sk_7z_coder coders[SK_7Z_MAX_CODERS];
    unsigned n_coders, n_in, n_out;
    unsigned bind_in[SK_7Z_MAX_STREAMS], bind_out[SK_7Z_MAX_STREAMS];
    unsigned n_binds;
    unsigned packed[SK_7Z_MAX_STREAMS]; /* the in-stream each packed stream feeds */
    unsigned n_packed;
    uint64_t unpack[SK_7Z_MAX_STREAMS]; /* per out-stream */
    unsigned main_out;                  /* the out-stream no bind pair takes */
    bool crc_defined;
    uint32_t crc;
    size_t first_pack;   /* index of its first packed stream */
    size_t n_substreams; /* files' streams in it */
    size_t first_substream;
};

/* Streams info: the packed streams, the folders, the files' substreams. */
struct sk_7z_streams {
    uint64_t pack_pos; /* after the signature header */
    size_t n_pack;
    uint64_t *pack_sizes;
    uint64_t *pack_offsets; /* absolute in the archive, checked to fit */
    size_t n_folders;
    struct sk_7z_folder *folders;
    size_t n_sub;
    uint64_t *sub_sizes;
    bool *sub_crc_defined;
    uint32_t *sub_crcs;
};

struct sk_7z_file {
    const uint8_t *name16; /* UTF-16LE, without its terminator */
    size_t name_units;
    bool has_stream;
    bool is_dir;
    bool is_anti;
    size_t substream; /* index into sub_*, when has_stream */
    size_t folder;
    uint64_t offset; /* in its folder's output */
};

struct sk_7z_archive {
    const uint8_t *data;
    size_t len;
    uint8_t *header; /* a decoded header (owned), or NULL: it is in data */
    struct sk_7z_streams streams;
    size_t n_files;
    struct sk_7z_file *files;
};

/* The folder's output size (its main out-stream's). */
static inline uint64_t sk_7z_folder_size(const struct sk_7z_folder *f)
{
    return f->unpack[f->main_out];
}

/* True when a coder of f is 7zAES. */
bool sk_7z_folder_encrypted(const struct sk_7z_folder *f);

void sk_7z_streams_free(struct sk_7z_streams *s);

#endif
