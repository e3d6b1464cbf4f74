# The review's disk.c:288 shape exactly (code review 2026-12, Q3.2): the
# VHDX stops right after the region tables (320 KiB, mkvhdx.py
# --short-metadata --headers-only) and the metadata region starts at that
# end with length 0, so the region's first byte is one past the image. The
# metadata table's header (its entry count at 10) is read through a reader
# over the empty region (vhdx_item, issue 16), never past the image. The
# VHDX is a ZIP member (Info-ZIP, stored), so its bytes are a heap buffer
# of the parent that the sanitizer build would catch an over-read of:
# error.corrupt naming the metadata, never pass.
mkfs.fat -F 12 -C vol.img 512 >/dev/null
$PY "$FIXTURES/mkvhdx.py" end.vhdx vol.img --short-metadata --headers-only
zip -q -0 "$OUT" end.vhdx
