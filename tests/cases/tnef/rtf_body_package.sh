# The RTF body (PidTagRtfCompressed, LZFu per MS-OXRTFCP) holds an OLE
# Package object: it is decompressed to body.rtf and the rtf unpacker opens
# the object. tnef(1) --save-body decompresses the same RTF.
printf "hello\n" > payload.txt
$PY "$FIXTURES/mkrtf.py" package body.rtf payload.txt
$PY "$FIXTURES/mktnef.py" --selftest >/dev/null  # LZFu vs MS-OXRTFCP 3.1.1
$PY "$FIXTURES/mktnef.py" "$OUT" --rtf body.rtf
if command -v tnef >/dev/null; then
    mkdir x && tnef --save-body -C x "$OUT" && cmp x/message.rtf body.rtf
fi
