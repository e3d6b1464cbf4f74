$PY "$FIXTURES/mkonenote.py" samples .
$PY "$FIXTURES/mkonenote.py" cyclic "$OUT" payload.hta payload.bat payload.exe
