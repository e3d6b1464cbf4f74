# An ISO (xorriso, Joliet and Rock Ridge) holding an EXE and an LNK, as the
# campaigns that moved off macros ship them: container.disk_image on the ISO.
mkdir -p tree/docs
$PY "$FIXTURES/mkpe.py" tree/docs/Invoice_2026.exe
$PY "$FIXTURES/mklnk.py" tree/Invoice.lnk --target 'C:\Windows\System32\rundll32.exe' --args 'docs\Invoice_2026.exe,Start'
xorriso -as mkisofs -quiet -J -R -V INVOICE -o "$OUT" tree 2>/dev/null
