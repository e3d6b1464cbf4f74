# A PNG with CR LF after IEND (a script that printed it): padding, no child.
$PY "$FIXTURES/mkimage.py" png "$OUT"
printf '\r\n' >>"$OUT"
