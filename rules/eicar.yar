/*
 * EICAR anti-malware test file.
 *
 * Per the EICAR convention a scanner must report a file as the test file when
 * it STARTS with the 68-byte EICAR string, optionally followed only by
 * whitespace (space, tab, LF, CR, Ctrl-Z), the whole file being at most 128
 * bytes.  Anything else (string elsewhere, other trailing bytes, bigger file)
 * is not the test file.
 *
 * The string is written as hex on purpose: the literal 68 bytes in this file
 * would make desktop antivirus quarantine the rule set itself.
 */

rule EICAR_Test_File
{
    meta:
        description = "EICAR anti-malware test file (68-byte test string at offset 0, only whitespace after it, at most 128 bytes)"
        author = "Sekisho"
        verdict = "block"
        reference = "https://www.eicar.org/download-anti-malware-testfile/"

    strings:
        // First half:  X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-
        // Second half: STANDARD-ANTIVIRUS-TEST-FILE!$H+H*
        $eicar = {
            58 35 4F 21 50 25 40 41 50 5B 34 5C 50 5A 58 35 34 28 50 5E 29 37
            43 43 29 37 7D 24 45 49 43 41 52 2D
            53 54 41 4E 44 41 52 44 2D 41 4E 54 49 56 49 52 55 53 2D 54 45 53
            54 2D 46 49 4C 45 21 24 48 2B 48 2A
        }

    condition:
        filesize <= 128 and
        $eicar at 0 and
        (
            // Exactly the string.  (Checked separately: in YARA 4.2 a
            // "for all" over an empty range evaluates to false.)
            filesize == 68 or
            // Otherwise every trailing byte must be whitespace.  The loop is
            // bounded by the filesize <= 128 check above (at most 60 bytes).
            for all i in (68 .. filesize - 1) : (
                uint8(i) == 0x20 or   // space
                uint8(i) == 0x09 or   // tab
                uint8(i) == 0x0A or   // LF
                uint8(i) == 0x0D or   // CR
                uint8(i) == 0x1A      // Ctrl-Z (DOS end-of-file)
            )
        )
}
