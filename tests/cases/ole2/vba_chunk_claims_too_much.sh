# A module whose last compressed chunk claims more bytes than the stream
# holds: error.corrupt, the module still comes back with what decompressed,
# and macro.vba still fires.
$PY - <<'PYEOF'
import os, sys
sys.path.insert(0, os.environ["FIXTURES"])
from mkole import cfb, vba_project
src = "Sub Document_Open()\n" + "".join("  y = %d\n" % i for i in range(900)) + "  Shell \"x\"\nEnd Sub\n"
project = vba_project([("Module1", src)])
project["VBA"]["Module1"] = project["VBA"]["Module1"][:-40]
open(os.environ["OUT"], "wb").write(cfb({"WordDocument": b"x", "Macros": project}))
PYEOF
