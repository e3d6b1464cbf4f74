# A BMP with one zero byte after bfSize, as two of the bitmaps Debian
# installs here have: before, bfSize not being the file's size made it
# content.unknown; now it is a bmp with a byte of padding: pass.
$PY "$FIXTURES/mkimage.py" bmp "$OUT" --pad 1
