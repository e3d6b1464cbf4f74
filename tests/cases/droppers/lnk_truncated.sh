# A shortcut cut inside its StringData: dropper.lnk with what was read, and
# error.corrupt.
$PY "$FIXTURES/mklnk.py" full.lnk --target 'C:\Windows\System32\cmd.exe' --args '/c calc.exe' --icon x
size=$(wc -c < full.lnk)
head -c $((size - 12)) full.lnk > "$OUT"
