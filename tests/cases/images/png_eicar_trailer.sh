# EICAR appended to a PNG: the trailer is a file of its own, so the rule
# that wants the test string at offset 0 matches it there: block.
$PY "$FIXTURES/mkimage.py" png "$OUT" --append "$EICAR"
