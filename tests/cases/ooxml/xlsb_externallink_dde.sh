# An .xlsb with two external links. The BIFF12 records are laid out here by
# hand from [MS-XLSB] (mkooxml.py lends only its record header, package
# writer and .rels helper): an External Link part is BrtBeginSupBook (0x168)
# ... BrtEndSupBook (0x169) (2.1.7.25); BrtBeginSupBook is sbt (u16), then
# for a DDE link (sbt 1) the service and the topic, for an external
# workbook (sbt 0) the RelID of its externalLinkPath relationship, each an
# XLWideString (u32 count of UTF-16LE units, 2.5.169); BrtSupTabs (0x167)
# is a u32 count and the sheet names.
#   externalLink1.bin  an external workbook: no DDE (its path is reported
#                      as an external relationship by its .rels, not here)
#   externalLink2.bin  a DDE link cmd|/c calc.exe & rem ...; the topic is
#                      long enough that the record's size takes two bytes.
$PY - "$OUT" <<'PY'
import os, struct, sys
sys.path.insert(0, os.environ["FIXTURES"])
from mkooxml import brt, rels, write

def wide(text):
    data = text.encode("utf-16-le")
    return struct.pack("<I", len(data) // 2) + data

topic = "/c calc.exe & rem " + "quarterly statement, see the attached sheet " * 2
body = struct.pack("<H", 1) + wide("cmd") + wide(topic)
assert len(body) >= 128  # a two-byte size
dde = brt(0x168, body) + brt(0x169)
book = (brt(0x168, struct.pack("<H", 0) + wide("rId1"))
        + brt(0x167, struct.pack("<I", 1) + wide("Sheet1")) + brt(0x169))

ct = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns='
      '"http://schemas.openxmlformats.org/package/2006/content-types">'
      '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
      '<Override PartName="/xl/workbook.bin" ContentType="application/vnd.ms-excel.sheet.binary.macroEnabled.main"/>'
      '<Override PartName="/xl/externalLinks/externalLink1.bin" ContentType="application/vnd.ms-excel.externalLink"/>'
      '<Override PartName="/xl/externalLinks/externalLink2.bin" ContentType="application/vnd.ms-excel.externalLink"/>'
      "</Types>")
write(sys.argv[1], {
    "[Content_Types].xml": ct,
    "_rels/.rels": rels(("officeDocument", "xl/workbook.bin", False)),
    "xl/workbook.bin": brt(0x83) + brt(0x84),  # BrtBeginBook, BrtEndBook
    "xl/_rels/workbook.bin.rels": rels(("externalLink", "externalLinks/externalLink1.bin", False),
                                       ("externalLink", "externalLinks/externalLink2.bin", False)),
    "xl/externalLinks/externalLink1.bin": book,
    "xl/externalLinks/_rels/externalLink1.bin.rels":
        rels(("externalLinkPath", "file:///C:/shared/budget.xlsx", True)),
    "xl/externalLinks/externalLink2.bin": dde,
})
PY
