# An executable written last onto an NTFS volume that ntfs-3g's FUSE mount
# filled with small files and then thinned out: the file lands in the holes,
# in more than one run (ntfsinfo says how many: checked here, so the case
# fails rather than test a contiguous file). Assembled from its runs, it is
# the PE that went in, byte for byte.
$PY "$FIXTURES/mkpe.py" payload.exe
$PY -c "import sys; open(sys.argv[1], 'ab').write(bytes(range(256)) * 800)" payload.exe
sh "$FIXTURES/mkntfs_fixture.sh" "$OUT" 4 fragment payload.exe setup.exe
runs=$(ntfsinfo -v -F /setup.exe "$OUT" | sed -n 's/.*fragments: \([0-9]*\)).*/\1/p')
[ "$runs" -ge 2 ]
