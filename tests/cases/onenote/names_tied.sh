$PY "$FIXTURES/mkonenote.py" samples .
$PY "$FIXTURES/mkonenote.py" named "$OUT" invoice.hta=payload.hta payload.bat payload.exe=payload.exe
