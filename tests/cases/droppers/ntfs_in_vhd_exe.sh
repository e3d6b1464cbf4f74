# A fixed VHD (mkvhd.py) whose MBR partition of type 0x07 is an NTFS volume
# made by mkntfs, an executable copied in by ntfscp: the partition is walked
# and the executable found inside it.
truncate -s 4M vol.img
mkntfs -F -Q -q vol.img >/dev/null 2>&1
$PY "$FIXTURES/mkpe.py" tool.exe
ntfscp -f vol.img tool.exe tool.exe >/dev/null 2>&1
$PY "$FIXTURES/mkvhd.py" "$OUT" vol.img --type 0x07
# disk.c still says of an MBR partition of type 0x07 that it is not read
# (error.unsupported on the disk): it hands the raw partition on, which the
# NTFS reader now walks; that stale reason is expected here until disk.c
# learns it, and none is raised on the partition itself.
