# A progressive JPEG (several SOS scans, Pillow) whose EXIF APP1 segment
# holds a JPEG thumbnail with its own SOI and EOI; a PE after the real EOI.
# The trailer is exactly the PE: neither the thumbnail's EOI nor a scan
# ends the image early.
$PY "$FIXTURES/mkpe.py" payload.exe
$PY "$FIXTURES/mkimage.py" jpeg "$OUT" --size 96x64 --progressive --exif-thumbnail --append payload.exe
