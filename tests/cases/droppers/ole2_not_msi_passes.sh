# Negative: the same streams under a plain root CLSID are an OLE2 file that
# holds nothing executable.
$PY "$FIXTURES/mkole.py" "$OUT" --text WordDocument="plain text" --text Property="ProductName=Test"
