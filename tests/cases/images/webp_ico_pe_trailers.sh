# A zip holding a WebP (libwebp through Pillow) and an ICO (two icons), each
# with a PE after its last structure (the RIFF chunk; the farthest image).
$PY "$FIXTURES/mkpe.py" payload.exe
$PY "$FIXTURES/mkimage.py" webp image.webp --append payload.exe
$PY "$FIXTURES/mkimage.py" ico favicon.ico --append payload.exe
zip -q "$OUT" image.webp favicon.ico
