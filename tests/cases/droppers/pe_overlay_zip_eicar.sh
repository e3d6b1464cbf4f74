# A dropper that carries its payload after the last section: the overlay
# (a zip holding EICAR) is carved as a child and opened.
cp "$EICAR" eicar.com
zip -q payload.zip eicar.com
$PY "$FIXTURES/mkpe.py" "$OUT" --overlay payload.zip
