/* Executables: PE, ELF and Mach-O headers, read for what they say, never run.
 *
 * Specs: Microsoft "PE Format" (PE/COFF): 3.2 the signature at e_lfanew,
 * 3.3 the COFF file header (Machine, NumberOfSections, TimeDateStamp,
 * Characteristics), 3.4 the optional header (Magic 0x10B/0x20B, Subsystem,
 * NumberOfRvaAndSizes and the data directories: 1 import, 4 certificate
 * table, which holds a file offset rather than an RVA, 14 CLR runtime
 * header), 4 the section table, 5.4 the attribute certificate table, 6.4
 * the import directory table and lookup tables; ECMA-335 II.25.3.3 (the CLI
 * header) and II.24.2.1 (the metadata root, "BSJB", version string); the
 * System V ABI ELF header (e_ident, e_type, e_machine, e_entry, e_phnum,
 * e_shnum; both classes and byte orders); Apple's <mach-o/loader.h> and
 * <mach-o/fat.h> (mach_header(_64), fat_header, fat_arch).
 *
 * Every executable gets the reason dropper.executable with a one-line
 * summary ("PE32+ x86-64 GUI EXE, 5 sections, 3 DLLs/41 imports, unsigned,
 * overlay 12345 bytes") and its facts under "info". Children: a PE's
 * overlay (bytes after the last section's raw data, the certificate table
 * left out), named "overlay", where droppers hide their payload; each slice
 * of a Mach-O universal binary, named by its CPU type.
 * Refuses: nothing silently: a header, section table or import directory
 * that runs past the end is error.corrupt beside dropper.executable, with
 * whatever was read. Not read: resources, exports, relocations, load
 * commands, symbol tables.
 * Limits: sections, import descriptors, imported functions and fat slices
 * are counted with caps (EXE_MAX_*); every offset and size from the input
 * is checked against the bytes through the bounded reader; children are
 * views through sk_unpack_view. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../engine/error.h"
#include "../engine/reader.h"
#include "unpacker.h"

#define EXE_MAX_IMPORT_DLLS 4096u /* import descriptors walked */
#define EXE_MAX_IMPORTS 65536u    /* imported functions counted, all DLLs */
#define EXE_MAX_FAT_ARCHS 64u     /* slices of a universal binary */
#define EXE_SECTION_NAMES 16u     /* section names kept for "info" */
#define EXE_DLL_NAMES 8u          /* DLL names kept for "info" */
#define EXE_TEXT 256u

#define PE_DIR_IMPORT 1u
#define PE_DIR_SECURITY 4u
#define PE_DIR_CLR 14u
#define PE_FILE_DLL 0x2000u

struct pe_section {
    uint32_t va, vsize, raw_size, raw_ptr;
};

struct exe_state {
    /* PE overlay, or the slices of a universal binary, handed back in turn */
    uint64_t child_off[EXE_MAX_FAT_ARCHS];
    uint64_t child_len[EXE_MAX_FAT_ARCHS];
    char child_name[EXE_MAX_FAT_ARCHS][24];
    unsigned n_children, next_child;
};

/* What the PE parse learns, for info and the summary. */
struct pe_info {
    uint16_t machine, n_sections, subsystem, characteristics, magic;
    uint32_t timestamp, entry;
    uint32_t n_dirs;
    uint32_t dir_rva[16], dir_size[16];
    uint64_t sections_end; /* file offset after the last section's raw data */
    unsigned dlls, imports;
    bool imports_capped;
    char section_names[EXE_TEXT];
    char dll_names[EXE_TEXT];
    char clr_version[32];
    const char *why; /* what is corrupt, or NULL */
};

/* The bid, from the headers' own magic: a PE is "MZ" and an e_lfanew that
 * points at "PE\0\0" inside the file (32 bits at a place the first 16 bits
 * chose); an ELF "\x7fELF"; a Mach-O one of its four magics, or a fat
 * binary's CA FE BA BE with a small arch count (Java classes put a version
 * >= 45 there). 60 each; the type is the one the magic shows. */
static int bid(const struct sk_node *node, enum sk_type *type)
{
    static const uint8_t macho[][4] = {
        {0xfe, 0xed, 0xfa, 0xce},
        {0xce, 0xfa, 0xed, 0xfe},
        {0xfe, 0xed, 0xfa, 0xcf},
        {0xcf, 0xfa, 0xed, 0xfe},
    };
    const struct sk_reader in = sk_reader_make(node->data.p, node->data.len);
    struct sk_reader r = in;
    uint32_t lfanew = sk_reader_u32le_at(&r, 0x3c);
    if (sk_reader_match(&in, 0, "MZ", 2) && !r.err && sk_reader_match(&in, lfanew, "PE\0\0", 4)) {
        *type = SK_TYPE_PE;
        return 60;
    }
    if (sk_reader_match(&in, 0, "\x7f" "ELF", 4)) {
        *type = SK_TYPE_ELF;
        return 60;
    }
    bool is_macho = false;
    for (size_t i = 0; i < sizeof macho / sizeof macho[0] && !is_macho; i++)
        is_macho = sk_reader_match(&in, 0, macho[i], 4);
    struct sk_reader fat = in;
    uint32_t narch = sk_reader_u32be_at(&fat, 4);
    if (!is_macho && !(sk_reader_match(&in, 0, "\xca\xfe\xba\xbe", 4) && !fat.err &&
                       narch > 0 && narch < 20))
        return 0;
    *type = SK_TYPE_MACHO;
    return 60;
}

/* Appends "sep" and up to n printable bytes of s to a bounded list. */
static void list_add(char *list, size_t cap, const char *s, size_t n)
{
    size_t len = strlen(list);
    if (len + 3 >= cap)
        return;
    if (len)
        list[len++] = ',';
    for (size_t i = 0; i < n && s[i] && len + 1 < cap; i++)
        list[len++] = (s[i] >= 0x20 && s[i] < 0x7f && s[i] != ',') ? s[i] : '?';
    list[len] = '\0';
}

/* ---- PE ------------------------------------------------------------------ */

static const char *pe_machine(uint16_t m)
{
    switch (m) {
    case 0x14c: return "x86";
    case 0x8664: return "x86-64";
    case 0x1c0: return "ARM";
    case 0x1c4: return "ARM Thumb-2";
    case 0xaa64: return "ARM64";
    case 0x200: return "IA-64";
    case 0xebc: return "EFI byte code";
    case 0: return "any";
    default: return "unknown machine";
    }
}

static const char *pe_subsystem(uint16_t s)
{
    switch (s) {
    case 1: return "native";
    case 2: return "GUI";
    case 3: return "console";
    case 9: return "Windows CE GUI";
    case 10: return "EFI application";
    case 11: return "EFI boot driver";
    case 12: return "EFI runtime driver";
    case 16: return "boot application";
    default: return "unknown subsystem";
    }
}

/* The file offset of an RVA through the section table, or UINT64_MAX. */
static uint64_t pe_offset(const struct pe_section *sec, unsigned n, uint32_t rva)
{
    for (unsigned i = 0; i < n; i++) {
        uint32_t span = sec[i].vsize > sec[i].raw_size ? sec[i].vsize : sec[i].raw_size;
        if (rva >= sec[i].va && rva - sec[i].va < span && rva - sec[i].va < sec[i].raw_size)
            return (uint64_t)sec[i].raw_ptr + (rva - sec[i].va);
    }
    return UINT64_MAX;
}

/* A reader at the file offset of an RVA (err set when it maps nowhere). */
static struct sk_reader pe_at(const uint8_t *p, size_t len, const struct pe_section *sec,
                              unsigned n, uint32_t rva)
{
    struct sk_reader r = sk_reader_make(p, len);
    uint64_t off = pe_offset(sec, n, rva);
    if (off > len)
        r.err = SK_ETRUNC;
    else
        sk_reader_seek(&r, (size_t)off);
    return r;
}

/* Counts the functions of one import lookup table. */
static void pe_count_thunks(struct pe_info *pe, const uint8_t *p, size_t len,
                            const struct pe_section *sec, unsigned n, uint32_t rva)
{
    struct sk_reader r = pe_at(p, len, sec, n, rva);
    bool wide = pe->magic == 0x20b;
    while (!r.err) {
        uint64_t thunk = wide ? sk_reader_u64le(&r) : sk_reader_u32le(&r);
        if (r.err || thunk == 0)
            return;
        if (pe->imports >= EXE_MAX_IMPORTS) {
            pe->imports_capped = true;
            return;
        }
        pe->imports++;
    }
}

/* Walks the import directory table (PE Format 6.4.1), bounded. */
static void pe_imports(struct pe_info *pe, const uint8_t *p, size_t len,
                       const struct pe_section *sec, unsigned n)
{
    if (pe->n_dirs <= PE_DIR_IMPORT || pe->dir_rva[PE_DIR_IMPORT] == 0)
        return;
    struct sk_reader r = pe_at(p, len, sec, n, pe->dir_rva[PE_DIR_IMPORT]);
    while (pe->dlls < EXE_MAX_IMPORT_DLLS) {
        uint32_t lookup = sk_reader_u32le(&r);
        sk_reader_skip(&r, 8);
        uint32_t name_rva = sk_reader_u32le(&r);
        uint32_t iat = sk_reader_u32le(&r);
        if (r.err) {
            if (!pe->why) /* a truncated section says it better */
                pe->why = "the import directory runs past the end";
            return;
        }
        if (lookup == 0 && name_rva == 0 && iat == 0)
            return;
        pe->dlls++;
        struct sk_reader name = pe_at(p, len, sec, n, name_rva);
        size_t left = sk_reader_left(&name);
        if (!name.err && pe->dlls <= EXE_DLL_NAMES)
            list_add(pe->dll_names, sizeof pe->dll_names, (const char *)name.p + name.pos,
                     left < 64 ? left : 64);
        pe_count_thunks(pe, p, len, sec, n, lookup ? lookup : iat);
    }
}

/* The CLR header's metadata root carries the runtime version it was built
 * for (ECMA-335 II.24.2.1), e.g. "v4.0.30319". */
static void pe_clr(struct pe_info *pe, const uint8_t *p, size_t len,
                   const struct pe_section *sec, unsigned n)
{
    struct sk_reader r = pe_at(p, len, sec, n, pe->dir_rva[PE_DIR_CLR]);
    sk_reader_skip(&r, 8); /* cb, MajorRuntimeVersion, MinorRuntimeVersion */
    uint32_t meta_rva = sk_reader_u32le(&r);
    if (r.err)
        return;
    struct sk_reader m = pe_at(p, len, sec, n, meta_rva);
    uint32_t signature = sk_reader_u32le(&m);
    sk_reader_skip(&m, 8);
    uint32_t vlen = sk_reader_u32le(&m);
    if (m.err || signature != 0x424a5342u || vlen > 255)
        return;
    const uint8_t *v = sk_reader_bytes(&m, vlen);
    if (v)
        list_add(pe->clr_version, sizeof pe->clr_version, (const char *)v, vlen);
}

/* Reads the section table; returns it (malloc'd) or NULL with pe->why set. */
static struct pe_section *pe_sections(struct pe_info *pe, struct sk_reader *r)
{
    struct pe_section *sec = calloc(pe->n_sections ? pe->n_sections : 1, sizeof *sec);
    if (!sec)
        return NULL;
    for (unsigned i = 0; i < pe->n_sections; i++) {
        const uint8_t *name = sk_reader_bytes(r, 8);
        sec[i].vsize = sk_reader_u32le(r);
        sec[i].va = sk_reader_u32le(r);
        sec[i].raw_size = sk_reader_u32le(r);
        sec[i].raw_ptr = sk_reader_u32le(r);
        sk_reader_skip(r, 16);
        if (r->err) {
            pe->why = "the section table runs past the end";
            pe->n_sections = (uint16_t)i;
            break;
        }
        if (i < EXE_SECTION_NAMES)
            list_add(pe->section_names, sizeof pe->section_names, (const char *)name,
                     strnlen((const char *)name, 8));
        uint64_t end = (uint64_t)sec[i].raw_ptr + sec[i].raw_size;
        if (sec[i].raw_size && end > pe->sections_end)
            pe->sections_end = end;
    }
    if (!pe->why && pe->sections_end > r->len)
        pe->why = "a section's raw data runs past the end (truncated)";
    return sec;
}

/* COFF header and optional header (PE Format 3.3, 3.4). */
static int pe_headers(struct pe_info *pe, struct sk_reader *r)
{
    sk_reader_seek(r, 0x3c);
    sk_reader_seek(r, sk_reader_u32le(r));
    sk_reader_skip(r, 4); /* "PE\0\0", checked by the sniffer */
    pe->machine = sk_reader_u16le(r);
    pe->n_sections = sk_reader_u16le(r);
    pe->timestamp = sk_reader_u32le(r);
    sk_reader_skip(r, 8);
    uint16_t opt_size = sk_reader_u16le(r);
    pe->characteristics = sk_reader_u16le(r);
    struct sk_reader opt = sk_reader_sub(r, opt_size);
    if (r->err)
        return SK_ETRUNC;
    pe->magic = sk_reader_u16le(&opt);
    sk_reader_skip(&opt, 14);
    pe->entry = sk_reader_u32le(&opt);
    sk_reader_seek(&opt, 68);
    pe->subsystem = sk_reader_u16le(&opt);
    sk_reader_seek(&opt, pe->magic == 0x20b ? 108 : 92);
    pe->n_dirs = sk_reader_u32le(&opt);
    if (opt.err || (pe->magic != 0x10b && pe->magic != 0x20b))
        return SK_ECORRUPT;
    if (pe->n_dirs > 16)
        pe->n_dirs = 16;
    for (uint32_t i = 0; i < pe->n_dirs; i++) {
        pe->dir_rva[i] = sk_reader_u32le(&opt);
        pe->dir_size[i] = sk_reader_u32le(&opt);
    }
    if (opt.err)
        pe->n_dirs = 0; /* fewer directories than declared: keep none */
    return 0;
}

static void pe_describe(struct sk_unpack *u, const struct pe_info *pe, uint64_t overlay)
{
    bool dll = pe->characteristics & PE_FILE_DLL;
    bool signed_ = pe->n_dirs > PE_DIR_SECURITY && pe->dir_rva[PE_DIR_SECURITY] != 0 &&
                   pe->dir_size[PE_DIR_SECURITY] != 0;
    bool dotnet = pe->n_dirs > PE_DIR_CLR && pe->dir_rva[PE_DIR_CLR] != 0;
    char when[32] = "";
    time_t t = (time_t)pe->timestamp;
    struct tm tm;
    if (gmtime_r(&t, &tm))
        strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    const char *format = pe->magic == 0x20b ? "PE32+" : "PE32";
    sk_unpack_info(u, "format", "%s", format);
    sk_unpack_info(u, "machine", "%s (0x%04x)", pe_machine(pe->machine), pe->machine);
    sk_unpack_info(u, "subsystem", "%s", pe_subsystem(pe->subsystem));
    sk_unpack_info(u, "kind", "%s", dll ? "DLL" : "EXE");
    sk_unpack_info(u, "timestamp", "%s", when);
    sk_unpack_info(u, "entry_point", "0x%08" PRIx32, pe->entry);
    sk_unpack_info(u, "sections", "%u (%s)", pe->n_sections, pe->section_names);
    sk_unpack_info(u, "imports", "%u DLLs, %u%s functions (%s)", pe->dlls, pe->imports,
                   pe->imports_capped ? "+" : "", pe->dll_names);
    if (signed_)
        sk_unpack_info(u, "signature", "certificate table of %" PRIu32 " bytes",
                       pe->dir_size[PE_DIR_SECURITY]);
    else
        sk_unpack_info(u, "signature", "unsigned");
    if (dotnet)
        sk_unpack_info(u, "dotnet", "runtime %s", pe->clr_version[0] ? pe->clr_version : "?");
    sk_unpack_info(u, "overlay", "%" PRIu64 " bytes", overlay);
    sk_unpack_reason(u, "dropper.executable",
                     "%s %s %s %s%s, %u sections, %u DLLs/%u imports, %s, overlay %" PRIu64
                     " bytes",
                     format, pe_machine(pe->machine), pe_subsystem(pe->subsystem),
                     dotnet ? ".NET " : "", dll ? "DLL" : "EXE", pe->n_sections, pe->dlls,
                     pe->imports, signed_ ? "signed" : "unsigned", overlay);
}

/* The overlay: [end of sections, end of file) without the certificate
 * table, which signing appends there. */
static void pe_overlay(const struct pe_info *pe, size_t len, uint64_t *off, uint64_t *size)
{
    uint64_t start = pe->sections_end, end = len;
    if (start >= end) {
        *off = *size = 0;
        return;
    }
    if (pe->n_dirs > PE_DIR_SECURITY && pe->dir_size[PE_DIR_SECURITY]) {
        uint64_t cert = pe->dir_rva[PE_DIR_SECURITY];
        uint64_t cert_end = cert + pe->dir_size[PE_DIR_SECURITY];
        if (cert == start && cert_end <= end)
            start = cert_end;
        else if (cert > start && cert < end && cert_end >= end)
            end = cert;
    }
    *off = start;
    *size = end > start ? end - start : 0;
}

static int open_pe(struct sk_unpack *u, struct exe_state *st)
{
    const uint8_t *p = u->node->data.p;
    size_t len = u->node->data.len;
    struct pe_info pe;
    memset(&pe, 0, sizeof pe);
    struct sk_reader r = sk_reader_make(p, len);
    int rc = pe_headers(&pe, &r);
    if (rc != 0) {
        sk_unpack_reason(u, "dropper.executable", "PE with a broken header");
        sk_unpack_fail(u, "exe", SK_ECORRUPT, "PE: the COFF or optional header is %s",
                       rc == SK_ETRUNC ? "truncated" : "invalid");
        return SK_ECORRUPT;
    }
    struct pe_section *sec = pe_sections(&pe, &r);
    if (!sec)
        return SK_ENOMEM;
    pe_imports(&pe, p, len, sec, pe.n_sections);
    if (pe.n_dirs > PE_DIR_CLR && pe.dir_rva[PE_DIR_CLR])
        pe_clr(&pe, p, len, sec, pe.n_sections);
    free(sec);
    uint64_t off, size;
    pe_overlay(&pe, len, &off, &size);
    pe_describe(u, &pe, size);
    if (pe.why) {
        sk_unpack_fail(u, "exe", SK_ECORRUPT, "PE: %s", pe.why);
        return SK_ECORRUPT;
    }
    if (size) {
        st->child_off[0] = off;
        st->child_len[0] = size;
        snprintf(st->child_name[0], sizeof st->child_name[0], "overlay");
        st->n_children = 1;
    }
    return 0;
}

/* ---- ELF ----------------------------------------------------------------- */

static const char *elf_machine(uint16_t m)
{
    switch (m) {
    case 3: return "x86";
    case 62: return "x86-64";
    case 40: return "ARM";
    case 183: return "AArch64";
    case 8: return "MIPS";
    case 20: return "PowerPC";
    case 21: return "PowerPC64";
    case 22: return "S/390";
    case 243: return "RISC-V";
    default: return "unknown machine";
    }
}

static const char *elf_kind(uint16_t t)
{
    switch (t) {
    case 1: return "REL (object)";
    case 2: return "EXEC (executable)";
    case 3: return "DYN (shared object or PIE)";
    case 4: return "CORE";
    default: return "unknown type";
    }
}

/* Reads an ELF field of 2, 4 or 8 bytes in the file's byte order. An
 * 8-byte one is taken whole through a sub-reader, so that a truncated one
 * reads as 0 (not as its low half) like the narrower ones. */
static uint64_t elf_field(struct sk_reader *r, size_t size, bool big)
{
    switch (size) {
    case 2: return big ? sk_reader_u16be(r) : sk_reader_u16le(r);
    case 4: return big ? sk_reader_u32be(r) : sk_reader_u32le(r);
    default: {
        struct sk_reader eight = sk_reader_sub(r, 8);
        return big ? sk_reader_u64be(&eight) : sk_reader_u64le(&eight);
    }
    }
}

static int open_elf(struct sk_unpack *u)
{
    struct sk_reader r = sk_reader_make(u->node->data.p, u->node->data.len);
    sk_reader_skip(&r, 4);
    uint8_t cls = sk_reader_u8(&r), data = sk_reader_u8(&r);
    bool wide = cls == 2, big = data == 2;
    size_t word = wide ? 8 : 4;
    sk_reader_seek(&r, 16);
    uint16_t type = (uint16_t)elf_field(&r, 2, big);
    uint16_t machine = (uint16_t)elf_field(&r, 2, big);
    sk_reader_skip(&r, 4);
    uint64_t entry = elf_field(&r, word, big);
    uint64_t phoff = elf_field(&r, word, big);
    uint64_t shoff = elf_field(&r, word, big);
    sk_reader_skip(&r, 6); /* e_flags, e_ehsize */
    uint16_t phentsize = (uint16_t)elf_field(&r, 2, big);
    uint16_t phnum = (uint16_t)elf_field(&r, 2, big);
    uint16_t shentsize = (uint16_t)elf_field(&r, 2, big);
    uint16_t shnum = (uint16_t)elf_field(&r, 2, big);
    const char *summary_class = wide ? "ELF64" : "ELF32";
    sk_unpack_info(u, "format", "%s %s-endian", summary_class, big ? "big" : "little");
    sk_unpack_info(u, "machine", "%s (%u)", elf_machine(machine), machine);
    sk_unpack_info(u, "type", "%s", elf_kind(type));
    sk_unpack_info(u, "entry_point", "0x%" PRIx64, entry);
    sk_unpack_info(u, "program_headers", "%u", phnum);
    sk_unpack_info(u, "sections", "%u", shnum);
    sk_unpack_reason(u, "dropper.executable",
                     "%s %s %s, entry 0x%" PRIx64 ", %u program headers, %u sections",
                     summary_class, elf_machine(machine), elf_kind(type), entry, phnum, shnum);
    size_t len = u->node->data.len;
    bool bad_class = (cls != 1 && cls != 2) || (data != 1 && data != 2);
    bool tables_fit = phoff <= len && (uint64_t)phnum * phentsize <= len - phoff &&
                      shoff <= len && (uint64_t)shnum * shentsize <= len - shoff;
    if (r.err || bad_class || !tables_fit) {
        sk_unpack_fail(u, "exe", SK_ECORRUPT, "ELF: %s",
                       r.err       ? "the header is truncated"
                       : bad_class ? "unknown class or byte order"
                                   : "a header table runs past the end");
        return SK_ECORRUPT;
    }
    return 0;
}

/* ---- Mach-O -------------------------------------------------------------- */

static const char *macho_cpu(uint32_t cpu)
{
    switch (cpu) {
    case 7: return "x86";
    case 0x01000007: return "x86_64";
    case 12: return "arm";
    case 0x0100000c: return "arm64";
    case 0x0200000c: return "arm64_32";
    case 18: return "ppc";
    case 0x01000012: return "ppc64";
    default: return "unknown-cpu";
    }
}

static const char *macho_filetype(uint32_t t)
{
    switch (t) {
    case 1: return "object";
    case 2: return "executable";
    case 6: return "dylib";
    case 7: return "dylinker";
    case 8: return "bundle";
    case 4: return "core";
    case 10: return "dSYM";
    case 11: return "kext";
    default: return "unknown filetype";
    }
}

/* A universal binary: fat_header and fat_arch entries, big-endian; each
 * slice becomes a child (a view), opened as Mach-O in turn. */
static int open_fat(struct sk_unpack *u, struct exe_state *st)
{
    struct sk_reader r = sk_reader_make(u->node->data.p, u->node->data.len);
    sk_reader_skip(&r, 4);
    uint32_t narch = sk_reader_u32be(&r);
    char cpus[EXE_TEXT] = "";
    const char *why = NULL;
    for (uint32_t i = 0; i < narch && i < EXE_MAX_FAT_ARCHS; i++) {
        uint32_t cpu = sk_reader_u32be(&r);
        sk_reader_skip(&r, 4);
        uint32_t off = sk_reader_u32be(&r), size = sk_reader_u32be(&r);
        sk_reader_skip(&r, 4);
        if (r.err) {
            why = "the architecture table runs past the end";
            break;
        }
        list_add(cpus, sizeof cpus, macho_cpu(cpu), strlen(macho_cpu(cpu)));
        if (off > r.len || size > r.len - off) {
            why = "a slice runs past the end";
            continue;
        }
        unsigned k = st->n_children++;
        st->child_off[k] = off;
        st->child_len[k] = size;
        snprintf(st->child_name[k], sizeof st->child_name[k], "%s", macho_cpu(cpu));
    }
    sk_unpack_info(u, "format", "Mach-O universal");
    sk_unpack_info(u, "architectures", "%" PRIu32 " (%s)", narch, cpus);
    sk_unpack_reason(u, "dropper.executable", "Mach-O universal binary, %" PRIu32 " slices: %s",
                     narch, cpus);
    if (why) {
        sk_unpack_fail(u, "exe", SK_ECORRUPT, "Mach-O: %s", why);
        return SK_ECORRUPT;
    }
    return 0;
}

static int open_macho(struct sk_unpack *u, struct exe_state *st)
{
    const uint8_t *p = u->node->data.p;
    if (memcmp(p, "\xca\xfe\xba\xbe", 4) == 0)
        return open_fat(u, st);
    struct sk_reader r = sk_reader_make(p, u->node->data.len);
    uint32_t magic = sk_reader_u32le(&r);
    bool big = magic == 0xcefaedfeu || magic == 0xcffaedfeu;
    bool wide = magic == 0xfeedfacfu || magic == 0xcffaedfeu;
    uint32_t cpu = big ? sk_reader_u32be(&r) : sk_reader_u32le(&r);
    sk_reader_skip(&r, 4);
    uint32_t filetype = big ? sk_reader_u32be(&r) : sk_reader_u32le(&r);
    uint32_t ncmds = big ? sk_reader_u32be(&r) : sk_reader_u32le(&r);
    sk_unpack_info(u, "format", "Mach-O %s", wide ? "64-bit" : "32-bit");
    sk_unpack_info(u, "cpu", "%s", macho_cpu(cpu));
    sk_unpack_info(u, "filetype", "%s", macho_filetype(filetype));
    sk_unpack_info(u, "load_commands", "%" PRIu32, ncmds);
    sk_unpack_reason(u, "dropper.executable", "Mach-O %s %s %s, %" PRIu32 " load commands",
                     wide ? "64-bit" : "32-bit", macho_cpu(cpu), macho_filetype(filetype),
                     ncmds);
    if (r.err) {
        sk_unpack_fail(u, "exe", SK_ECORRUPT, "Mach-O: the header is truncated");
        return SK_ECORRUPT;
    }
    return 0;
}

/* ---- the unpacker -------------------------------------------------------- */

static int open_exe(struct sk_unpack *u, void **state)
{
    struct exe_state *st = calloc(1, sizeof *st);
    if (!st)
        return SK_ENOMEM;
    int rc;
    switch (u->node->type) {
    case SK_TYPE_PE: rc = open_pe(u, st); break;
    case SK_TYPE_ELF: rc = open_elf(u); break;
    default: rc = open_macho(u, st); break;
    }
    if (rc != 0) {
        free(st);
        return rc;
    }
    *state = st;
    return 0;
}

static int next_exe(struct sk_unpack *u, void *state, struct sk_child *child)
{
    struct exe_state *st = state;
    if (st->next_child >= st->n_children)
        return SK_DONE;
    unsigned k = st->next_child++;
    child->name = st->child_name[k];
    child->name_len = strlen(st->child_name[k]);
    /* open_pe and open_macho kept only slices inside the input; the reader
     * checks again rather than trust that from afar */
    struct sk_reader in = sk_reader_make(u->node->data.p, u->node->data.len);
    const uint8_t *at = sk_reader_at(&in, st->child_off[k], (size_t)st->child_len[k]);
    if (!at)
        return SK_ECORRUPT;
    return sk_unpack_view(u, &child->data, at, (size_t)st->child_len[k]);
}

static void close_exe(void *state)
{
    free(state);
}

const struct sk_unpacker sk_unpacker_exe = {
    .name = "exe",
    .bid = bid,
    .open = open_exe,
    .next = next_exe,
    .close = close_exe,
};
