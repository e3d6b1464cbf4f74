# An "Equation Native" stream (Equation Editor 3.0, CVE-2017-11882).
$PY "$FIXTURES/mkole.py" "$OUT" --text WordDocument="x" --equation
