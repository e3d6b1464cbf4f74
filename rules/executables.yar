/*
 * Native executables carried inside a message or archive.
 *
 * A PE/ELF/Mach-O binary that arrives as an attachment (or as a member of an
 * archive attached to a message) is sent to the sandbox.  The input node
 * itself (depth 0) is not flagged: these rules are about executables hidden
 * in containers, not about scanning a binary on its own.
 *
 * Detection is by header structure, not by the scanner's `filetype`, so a
 * renamed or mis-sniffed binary is still caught.  Every offset read is
 * bounded by filesize; YARA returns "undefined" (false) for reads past EOF.
 *
 * External variables used: depth (integer, 0 = the scanned input itself).
 */

rule Executable_PE_In_Container
{
    meta:
        description = "Windows PE executable (MZ header whose e_lfanew points at a PE signature) inside a message or archive"
        author = "Sekisho"
        verdict = "sandbox"

    condition:
        depth > 0 and
        filesize >= 0x40 and                     // complete IMAGE_DOS_HEADER
        uint16(0) == 0x5A4D and                  // "MZ"
        // e_lfanew must leave room for "PE\0\0" + the 20-byte COFF header
        // inside the file; this also rejects absurd/negative pointers.
        uint32(0x3C) >= 4 and
        uint32(0x3C) + 24 <= filesize and
        uint32(uint32(0x3C)) == 0x00004550       // "PE\0\0"
}

rule Executable_ELF_In_Container
{
    meta:
        description = "ELF executable / shared object (Linux, BSD, ...) inside a message or archive"
        author = "Sekisho"
        verdict = "sandbox"

    condition:
        depth > 0 and
        filesize >= 52 and                       // smallest (ELF32) header
        uint32(0) == 0x464C457F and              // "\x7fELF"
        (uint8(4) == 1 or uint8(4) == 2) and     // EI_CLASS: 32 / 64 bit
        (uint8(5) == 1 or uint8(5) == 2) and     // EI_DATA: little / big endian
        uint8(6) == 1                            // EI_VERSION: current
}

rule Executable_MachO_In_Container
{
    meta:
        description = "Mach-O executable (32/64-bit, either byte order, or universal/fat binary) inside a message or archive"
        author = "Sekisho"
        verdict = "sandbox"

    condition:
        depth > 0 and
        (
            // Thin Mach-O: MH_MAGIC, MH_MAGIC_64 and their byte-swapped forms
            // (uint32() reads little-endian).  28 bytes = mach_header.
            (
                filesize >= 28 and
                (
                    uint32(0) == 0xFEEDFACE or uint32(0) == 0xFEEDFACF or
                    uint32(0) == 0xCEFAEDFE or uint32(0) == 0xCFFAEDFE
                )
            )
            or
            // Universal ("fat") binary: FAT_MAGIC / FAT_MAGIC_64, always
            // big-endian.  0xCAFEBABE is also the Java class-file magic; there
            // the next 4 bytes are the class version (>= 45), whereas a fat
            // header holds a small architecture count (same test as file(1)).
            (
                (uint32be(0) == 0xCAFEBABE or uint32be(0) == 0xCAFEBABF) and
                uint32be(4) >= 1 and uint32be(4) < 20 and
                // the fat_arch table (20 bytes per entry, 32 for fat_arch_64)
                // must fit in the file
                8 + uint32be(4) * 20 <= filesize
            )
        )
}
