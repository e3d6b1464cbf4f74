# An .xlsb with two external links, written here with Python's zipfile and
# the BIFF12 records laid out by hand from [MS-XLSB] (not mkooxml.py):
# record type and size as 7-bit groups (2.1.4), XLWideString = u32 count of
# UTF-16LE units (2.5.169), an External Link part = BrtBeginSupBook (0x168)
# ... BrtEndSupBook (0x169) (2.1.7.25), BrtBeginSupBook = sbt u16, then for
# a DDE link (sbt 1) the service and the topic, for an external workbook
# (sbt 0) the RelID of its externalLinkPath relationship; BrtSupTabs (0x167)
# = u32 count and the sheet names.
#   externalLink1.bin  an external workbook: no DDE (its path is reported
#                      as an external relationship by its .rels, not here)
#   externalLink2.bin  a DDE link cmd|/c calc.exe & rem ...; the topic is long
#                      enough that the record's size takes two bytes.
$PY - "$OUT" <<'PY'
import struct, sys, zipfile

def varint(v):
    out = bytearray()
    while True:
        out.append(v & 0x7F | (0x80 if v >> 7 else 0))
        v >>= 7
        if not v:
            return bytes(out)

def rec(rtype, body=b""):
    return varint(rtype) + varint(len(body)) + body

def wide(text):
    return struct.pack("<I", len(text.encode("utf-16-le")) // 2) + text.encode("utf-16-le")

topic = "/c calc.exe & rem " + "quarterly statement, see the attached sheet " * 2
dde = rec(0x168, struct.pack("<H", 1) + wide("cmd") + wide(topic)) + rec(0x169)
assert len(struct.pack("<H", 1) + wide("cmd") + wide(topic)) >= 128
book = (rec(0x168, struct.pack("<H", 0) + wide("rId1"))
        + rec(0x167, struct.pack("<I", 1) + wide("Sheet1")) + rec(0x169))

ns = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
def rels(*items):
    body = "".join('<Relationship Id="rId%d" Type="%s/%s" Target="%s"%s/>'
                   % (i + 1, ns, t, target, ' TargetMode="External"' if ext else "")
                   for i, (t, target, ext) in enumerate(items))
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships '
            'xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            + body + "</Relationships>")

ct = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns='
      '"http://schemas.openxmlformats.org/package/2006/content-types">'
      '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
      '<Override PartName="/xl/workbook.bin" ContentType="application/vnd.ms-excel.sheet.binary.macroEnabled.main"/>'
      '<Override PartName="/xl/externalLinks/externalLink1.bin" ContentType="application/vnd.ms-excel.externalLink"/>'
      '<Override PartName="/xl/externalLinks/externalLink2.bin" ContentType="application/vnd.ms-excel.externalLink"/>'
      "</Types>")
parts = {
    "[Content_Types].xml": ct,
    "_rels/.rels": rels(("officeDocument", "xl/workbook.bin", False)),
    "xl/workbook.bin": rec(0x83) + rec(0x84),  # BrtBeginBook, BrtEndBook
    "xl/_rels/workbook.bin.rels": rels(("externalLink", "externalLinks/externalLink1.bin", False),
                                       ("externalLink", "externalLinks/externalLink2.bin", False)),
    "xl/externalLinks/externalLink1.bin": book,
    "xl/externalLinks/_rels/externalLink1.bin.rels":
        rels(("externalLinkPath", "file:///C:/shared/budget.xlsx", True)),
    "xl/externalLinks/externalLink2.bin": dde,
}
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    for name, data in parts.items():
        z.writestr(name, data)
PY
