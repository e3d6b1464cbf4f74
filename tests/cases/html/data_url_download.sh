printf 'WScript.Echo("hello");\n' > payload.js
$PY "$FIXTURES/mkhtml.py" data_url "$OUT" payload.js
