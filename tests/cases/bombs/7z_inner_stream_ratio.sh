# 30 KB of 7z whose folder 1 declares 1 byte of output but makes 200 MiB
# twice inside (LZMA2 -> BCJ -> Copy): every in-between stream counts.
$PY "$FIXTURES/mk7z.py" bomb "$OUT" 209715200
