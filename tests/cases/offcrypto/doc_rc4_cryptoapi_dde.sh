# A .doc encrypted with RC4 CryptoAPI and a 40-bit key (padded to 128 bits
# with zeros, MS-OFFCRYPTO 2.3.5.2) whose text holds a DDEAUTO field: found
# in the decrypted WordDocument stream.
$PY "$FIXTURES/mkoffcrypto.py" rc4-doc "$OUT" --password 'Wd-2026' --key-bits 40
