# An .xls with XOR obfuscation (method 1): the second candidate opens it
# and the XLM macro sheet is read from the de-obfuscated Workbook stream.
$PY "$FIXTURES/mkoffcrypto.py" xor-xls "$OUT" --password 'Abc-7'
