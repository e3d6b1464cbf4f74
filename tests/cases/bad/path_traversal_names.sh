$PY - <<'PYEOF'
import os, zipfile
with zipfile.ZipFile(os.environ["OUT"], "w") as z:
    z.writestr(zipfile.ZipInfo("../../etc/evil.txt"), b"climb\n")
    z.writestr(zipfile.ZipInfo("/abs/path.txt"), b"absolute\n")
    z.writestr(zipfile.ZipInfo("fine.txt"), b"fine\n")
PYEOF
