# A baseline JPEG with a restart marker every two MCUs (libjpeg-turbo's
# cjpeg), then a PE: the walk passes RSTn and 0xFF00 stuffing to the EOI.
$PY "$FIXTURES/mkpe.py" payload.exe
$PY "$FIXTURES/mkimage.py" jpeg "$OUT" --size 128x64 --restarts 2 --append payload.exe
