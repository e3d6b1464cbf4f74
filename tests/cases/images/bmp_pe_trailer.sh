# A BMP with a PE past its bfSize. Before, the sniffer typed a BMP only when
# bfSize was the file's size, so this was content.unknown with the PE never
# found; now it is a bmp whose trailer is the PE.
$PY "$FIXTURES/mkpe.py" payload.exe
$PY "$FIXTURES/mkimage.py" bmp "$OUT" --append payload.exe
