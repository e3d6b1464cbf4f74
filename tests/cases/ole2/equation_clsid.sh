# No "Equation Native" stream, but a storage whose CLSID is the Equation
# Editor's (0002CE02-0000-0000-C000-000000000046).
$PY "$FIXTURES/mkole.py" "$OUT" --text WordDocument="x" --equation-clsid ObjectPool/_1
