# 42.zip's shape (issue 7): a zip of 16 zips of 16 zips of 16 zips of 16
# zips, the bottom one holding 128 MiB of zeros: 8 TiB in ~22 KB, each level
# compressing the one below again (Python's zipfile writes it). The bottom
# member stops at the ratio limit, the job at the byte limit.
$PY "$FIXTURES/mkbomb.py" nested42 "$OUT" --bottom-mib 128 --fanout 16 --levels 4
