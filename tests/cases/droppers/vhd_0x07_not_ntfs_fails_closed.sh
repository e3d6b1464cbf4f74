# A partition of type 0x07 (NTFS or exFAT) that holds neither an NTFS nor a
# FAT boot sector (zeros here, as an exFAT volume looks to a reader that
# does not know it): listed, then unknown content, so never pass.
head -c 65536 /dev/zero > vol.img
$PY "$FIXTURES/mkvhd.py" "$OUT" vol.img --type 0x07
