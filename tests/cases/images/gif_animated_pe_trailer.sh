# An animated GIF89a (three frames: a NETSCAPE2.0 loop extension, graphic
# control extensions, local colour tables) with a PE after its 0x3B trailer.
$PY "$FIXTURES/mkpe.py" payload.exe
$PY "$FIXTURES/mkimage.py" gif "$OUT" --frames 3 --append payload.exe
