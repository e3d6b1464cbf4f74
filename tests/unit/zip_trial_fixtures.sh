#!/bin/sh
# Makes the archives of test_zip_trial in the folder $1, with independent
# tools: Info-ZIP zip (ZipCrypto), 7-Zip (WinZip AES-128/256, ZipCrypto),
# python3 (byte surgery), and bsdtar (libarchive's own entry order).
set -eu
out=${1:?usage: zip_trial_fixtures.sh FOLDER}
mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

# Compressible text, a pinned time (ZipCrypto's check byte with bit 3 is the
# DOS time's high byte), and two small members for the two-password archive.
seq 1 30000 >text.txt
printf 'alpha member\n' >a.txt
printf 'beta member, another password\n' >b.txt
printf 'tiny\n' >tiny.txt
touch -d '2020-02-29 12:34:56' text.txt a.txt b.txt tiny.txt

zip -q -X -P 'Right#ZC-1' "$out/zc_deflate.zip" text.txt
zip -q -X -0 -P 'Right#ZC-1' "$out/zc_stored.zip" text.txt
zip -q -X -fz -P 'Right#ZC-1' "$out/zc_zip64.zip" text.txt # ZIP64 end records
7z a -bd -tzip -mem=ZipCrypto -mx=5 -p'Right#ZC-7' "$out/zc7_deflate.zip" text.txt >/dev/null
for bits in 128 256; do
    7z a -bd -tzip -mem=AES$bits -mx=5 -p"Right#AES-$bits" "$out/aes${bits}_deflate.zip" \
        text.txt >/dev/null
    7z a -bd -tzip -mem=AES$bits -mx=0 -p"Right#AES-$bits" "$out/aes${bits}_stored.zip" \
        text.txt >/dev/null
done
7z a -bd -tzip -mem=AES256 -mx=5 -p'Right#tiny' "$out/aes256_tiny.zip" tiny.txt >/dev/null

# Two members, two passwords (zip keeps the first member as it was).
zip -q -X -P 'pw-alpha' "$out/two.zip" a.txt
zip -q -X -P 'pw-beta' "$out/two.zip" b.txt

# Not encrypted; and encrypted with a method the trial refuses (bzip2).
zip -q -X "$out/plain.zip" a.txt
if zip -q -X -Z bzip2 -P 'Right#BZ' "$out/zc_bzip2.zip" text.txt 2>/dev/null; then :; fi

# A byte flipped inside each member's data, and an archive cut in half.
python3 - "$out" <<'EOF'
import struct, sys
out = sys.argv[1]
def flip(src, dst, skip):
    data = bytearray(open(f"{out}/{src}", "rb").read())
    n, x = struct.unpack_from("<HH", data, 26)
    data[30 + n + x + skip] ^= 0x20
    open(f"{out}/{dst}", "wb").write(data)
flip("zc_stored.zip", "corrupt_zc_stored.zip", 12 + 5000)
flip("zc_deflate.zip", "corrupt_zc_deflate.zip", 12 + 5000)
flip("aes256_deflate.zip", "corrupt_aes256.zip", 16 + 2 + 5000)
# 7-Zip writes AE-2 (CRC 0); AE-1 is the same bytes with vendor version 1
# and the real CRC in both headers (the authentication code does not cover
# the headers).
import zlib
crc = zlib.crc32(open("text.txt", "rb").read())
data = bytearray(open(f"{out}/aes128_deflate.zip", "rb").read())
for at in range(len(data) - 11):
    if data[at:at + 4] == b"\x01\x99\x07\x00" and data[at + 6:at + 8] == b"AE":
        data[at + 4:at + 6] = b"\x01\x00"
    if data[at:at + 4] in (b"PK\x03\x04", b"PK\x01\x02"):
        struct.pack_into("<I", data, at + (14 if data[at + 2] == 3 else 16), crc)
open(f"{out}/aes128_ae1.zip", "wb").write(data)
data = open(f"{out}/zc_deflate.zip", "rb").read()
open(f"{out}/truncated.zip", "wb").write(data[: len(data) // 2])
EOF

# Local order differs from central order (reversed), and a second central
# entry points at the first local header: what does libarchive list?
python3 - "$out/order.zip" <<'EOF'
import struct, sys, zipfile
with zipfile.ZipFile("plain_order.zip", "w") as z:
    for name, body in (("first.txt", "1"), ("dir/", ""), ("dir/second.txt", "2"),
                       ("third.txt", "3")):
        z.writestr(name, body)
data = open("plain_order.zip", "rb").read()
eocd = data.rindex(b"PK\x05\x06")
count, = struct.unpack_from("<H", data, eocd + 10)
offset, = struct.unpack_from("<I", data, eocd + 16)
records, pos = [], offset
for _ in range(count):
    n, x, c = struct.unpack_from("<HHH", data, pos + 28)
    records.append(bytes(data[pos:pos + 46 + n + x + c]))
    pos += 46 + n + x + c
alias = bytearray(records[0][:46] + b"alias.txt" + records[0][46 + 9:])
struct.pack_into("<H", alias, 28, 9)
records = records[::-1] + [bytes(alias)]
directory = b"".join(records)
end = bytearray(data[eocd:])
struct.pack_into("<HHI", end, 8, len(records), len(records), len(directory))
open(sys.argv[1], "wb").write(data[:offset] + directory + bytes(end))
EOF
bsdtar -tf "$out/order.zip" >"$out/order.txt"
