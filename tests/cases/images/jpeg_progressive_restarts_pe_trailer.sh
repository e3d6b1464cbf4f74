# A progressive JPEG with a restart marker after every MCU (cjpeg
# -progressive -restart 1B), then a PE.
$PY "$FIXTURES/mkpe.py" payload.exe
$PY "$FIXTURES/mkimage.py" jpeg "$OUT" --size 128x64 --progressive --restarts 1 --append payload.exe
