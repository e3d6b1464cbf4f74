# An EncryptionInfo whose XML has no keyData: error.corrupt, never pass.
$PY "$FIXTURES/mkoffcrypto.py" agile "$OUT" --password 'Kx7-pQ2z' --docm --corrupt-info
