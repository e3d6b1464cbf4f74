# The dataIntegrity HMAC does not match the package: error.corrupt, and the
# decrypted package is still scanned (its macro is found).
$PY "$FIXTURES/mkoffcrypto.py" agile "$OUT" --password 'Kx7-pQ2z' --docm --tamper-hmac
