$PY "$FIXTURES/mkonenote.py" samples .
$PY "$FIXTURES/mkonenote.py" files "$OUT" payload.hta payload.bat payload.exe
