$PY - <<'PYEOF'
import os, zipfile
with zipfile.ZipFile(os.environ["OUT"], "w", zipfile.ZIP_DEFLATED) as z:
    for i in range(3000):
        z.writestr(f"f{i}.txt", ("line %d\n" % i) * 2000)
PYEOF
