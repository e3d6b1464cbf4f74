# EICAR as an attachment inside a bare winmail.dat: found and blocked.
cp "$EICAR" eicar.com
$PY "$FIXTURES/mktnef.py" "$OUT" --attach invoice.com=eicar.com
if command -v tnef >/dev/null; then tnef -t "$OUT" | grep -q '^invoice.com'; fi
