#!/usr/bin/env python3
"""A BinHex 4.0 writer from RFC 1741's appendix (Python 3.11 dropped the
binhex module), for the webfiles cases. The cases decode what it writes with
macutils' hexbin too, so a bug here cannot hide behind the same bug in
binhex.c.

usage: hqx.py OUT NAME DATA_FILE RSRC_FILE [--bad-data-crc]
"""
import binascii
import struct
import sys

ALPHABET = b"!\"#$%&'()*+,-012345689@ABCDEFGHIJKLMNPQRSTUVXYZ[`abcdefhijklmpqr"


def crc(data):
    # CRC-16/CCITT as if two zero bytes followed: CRC-16/XMODEM
    return struct.pack(">H", binascii.crc_hqx(data, 0))


def rle(data):
    """0x90 is the run marker: X 0x90 n is X n times, 0x90 0x00 a 0x90."""
    out, i = bytearray(), 0
    while i < len(data):
        b = data[i]
        run = 1
        while i + run < len(data) and data[i + run] == b and run < 255:
            run += 1
        if b == 0x90:
            out += b"\x90\x00"
            run = 1
        elif run >= 4:
            out += bytes([b, 0x90, run])
        else:
            out += bytes([b]) * run
        i += run
    return bytes(out)


def six_bit(data):
    bits, nbits, out = 0, 0, bytearray()
    for b in data:
        bits = bits << 8 | b
        nbits += 8
        while nbits >= 6:
            nbits -= 6
            out.append(ALPHABET[(bits >> nbits) & 0x3F])
    if nbits:
        out.append(ALPHABET[(bits << (6 - nbits)) & 0x3F])
    return bytes(out)


def binhex(name, data, rsrc, bad_data_crc=False):
    header = bytes([len(name)]) + name + b"\0" + b"TEXTttxt" + b"\0\0"
    header += struct.pack(">II", len(data), len(rsrc))
    data_crc = crc(data)
    if bad_data_crc:
        data_crc = bytes([data_crc[0] ^ 0xFF, data_crc[1]])
    stream = header + crc(header) + data + data_crc + rsrc + crc(rsrc)
    text = six_bit(rle(stream))
    lines = [b":" + text[:63]] + [text[i:i + 64] for i in range(63, len(text), 64)]
    return (b"(This file must be converted with BinHex 4.0)\r\n\r\n"
            + b"\r\n".join(lines) + b":\r\n")


if __name__ == "__main__":
    out, name, data_file, rsrc_file = sys.argv[1:5]
    with open(data_file, "rb") as f:
        data = f.read()
    with open(rsrc_file, "rb") as f:
        rsrc = f.read()
    with open(out, "wb") as f:
        f.write(binhex(name.encode(), data, rsrc, "--bad-data-crc" in sys.argv))
