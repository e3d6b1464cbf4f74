# A signed DLL: the certificate table after the sections is not an overlay.
$PY "$FIXTURES/mkpe.py" "$OUT" --dll --console --pe32 --cert 256
