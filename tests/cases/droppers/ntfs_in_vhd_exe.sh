# A fixed VHD (mkvhd.py) whose MBR partition of type 0x07 is an NTFS volume
# made by mkntfs, an executable copied in by ntfscp: the partition is walked
# and the executable found inside it.
truncate -s 4M vol.img
mkntfs -F -Q -q vol.img >/dev/null 2>&1
$PY "$FIXTURES/mkpe.py" tool.exe
ntfscp -f vol.img tool.exe tool.exe >/dev/null 2>&1
$PY "$FIXTURES/mkvhd.py" "$OUT" vol.img --type 0x07
