# A stream's bytes are scanned: EICAR as a (mini-sector) stream.
$PY "$FIXTURES/mkole.py" "$OUT" --text WordDocument="x" --stream Data="$EICAR"
