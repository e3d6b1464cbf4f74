# An .xls encrypted with RC4 CryptoAPI under Excel's built-in password: it
# opens with no password given, and the very hidden XLM macro sheet with
# Auto_Open is found in the decrypted Workbook stream.
$PY "$FIXTURES/mkoffcrypto.py" rc4-xls "$OUT" --password VelvetSweatshop
