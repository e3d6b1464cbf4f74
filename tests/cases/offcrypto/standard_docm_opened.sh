# ECMA-376 Standard encryption (SHA-1 x 50000, AES-128-ECB): opened by the
# third of four candidates, the macro found inside.
$PY "$FIXTURES/mkoffcrypto.py" standard "$OUT" --password 'Rz9!mQ' --docm
