$PY - <<'PYEOF'
import os, zipfile
with zipfile.ZipFile(os.environ["OUT"], "w", zipfile.ZIP_STORED) as z:
    for i in range(100000):
        z.writestr(f"{i}", b"x")
PYEOF
