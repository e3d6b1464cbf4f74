# An OLE Package (as oleObject1.bin or an ObjectPool storage holds it): the
# embedded file comes back named by its label, after the Ole10Native
# stream, and is scanned like any other node.
$PY "$FIXTURES/mkole.py" "$OUT" --ole10native eicar.com="$EICAR"
