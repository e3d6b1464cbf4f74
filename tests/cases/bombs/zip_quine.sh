# A zip that contains itself (Russ Cox, "Zip Files All The Way Down"): its
# one member r.zip inflates to the archive, byte for byte, CRC-32 included.
# Checked here with Python's zipfile and Info-ZIP's unzip -t, so the
# fixture is what it claims; the engine opens it down to the depth limit.
$PY "$FIXTURES/mkbomb.py" quine "$OUT"
$PY - <<'PYEOF'
import os, zipfile
path = os.environ["OUT"]
with zipfile.ZipFile(path) as z:
    assert z.namelist() == ["r.zip"]
    assert z.read("r.zip") == open(path, "rb").read()
PYEOF
unzip -tq "$OUT" >/dev/null
