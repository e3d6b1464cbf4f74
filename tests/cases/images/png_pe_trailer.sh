# A PE appended after a PNG's IEND (Pillow's writer): carved as the child
# 'trailer', typed pe by the sniffer, dropper.executable like any PE.
$PY "$FIXTURES/mkpe.py" payload.exe
$PY "$FIXTURES/mkimage.py" png "$OUT" --append payload.exe
