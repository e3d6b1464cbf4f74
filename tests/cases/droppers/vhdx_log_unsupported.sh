# A VHDX whose header names a log (LogGuid set): its log would have to be
# replayed first, so it is not read: error.unsupported, container.disk_image.
mkfs.fat -F 16 -s 1 -C vol.img 6144 >/dev/null
$PY "$FIXTURES/mkvhdx.py" "$OUT" vol.img --log
