# EncryptionInfo version 4.3 (Extensible encryption, a third-party
# provider): error.unsupported, never pass.
$PY "$FIXTURES/mkoffcrypto.py" agile "$OUT" --password 'Kx7-pQ2z' --docm --version 4.3
