# A VHDX with 2 MiB blocks whose partition starts 1 MiB into block 1, and
# block 1's BAT entry says FULLY_PRESENT at FileOffsetMB 2^44 - 1
# (mkvhdx.py --wrap-block): FileOffsetMB * 1 MiB + 1 MiB wraps past 2^64 to
# offset 0, so a reader that adds without checking hands back the image's
# own first bytes as the partition (issue 13). The block lies outside the
# image: error.corrupt, and the partition is cut there.
mkfs.fat -F 12 -C vol.img 512 >/dev/null
$PY "$FIXTURES/mkvhdx.py" "$OUT" vol.img --block-mb 2 --lba 6144 --wrap-block 1
