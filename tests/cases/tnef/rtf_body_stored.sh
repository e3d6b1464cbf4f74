# The RTF body stored uncompressed ("MELA", MS-OXRTFCP 2.1.3.1.1) with an
# equation object inside.
$PY "$FIXTURES/mkrtf.py" equation body.rtf
$PY "$FIXTURES/mktnef.py" "$OUT" --rtf body.rtf --rtf-mela
