#!/usr/bin/env python3
"""7zAES keys computed with hashlib alone, for test_sevenz: one line per
case, the key in hex. The cases (salt, password, NumCyclesPower) must match
KEY_CASES in test_sevenz.c. 7zAes.cpp: SHA-256 over 2^cycles rounds of salt,
the password in UTF-16LE and the round number as 8 little-endian bytes; 0x3F:
salt and password as the key, zero-padded to 32 bytes."""
import hashlib

CASES = [
    (bytes(range(16)), "パス1", 19),
    (b"", "12345678", 0),
    (b"\xaa\xbb", "pw", 4),
    (b"\x01\x02\x03", "ab", 0x3F),
]

for salt, password, cycles in CASES:
    p = password.encode("utf-16-le")
    if cycles == 0x3F:
        key = (salt + p)[:32].ljust(32, b"\0")
    else:
        h = hashlib.sha256()
        for i in range(1 << cycles):
            h.update(salt + p + i.to_bytes(8, "little"))
        key = h.digest()
    print(key.hex())
