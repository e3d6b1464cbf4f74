# The RC4 CryptoAPI letter with a wrong candidate: encrypted.unopened, and
# the DDE field stays hidden in the ciphertext.
$PY "$FIXTURES/mkoffcrypto.py" rc4-doc "$OUT" --password 'Wd-2026'
