# An 8-bit shortcut with no LinkInfo: the target comes from the IDList's
# shell items (volume, then file entries).
$PY "$FIXTURES/mklnk.py" "$OUT" --target 'C:\Windows\System32\cmd.exe' --no-linkinfo --ansi --args '/c start calc.exe'
