# AutoOpen plus Shell in one module, a harmless second module: mraptor's rule
# (A and X) fires on the container, with the keywords in the detail. The
# source is long enough to span two compressed chunks.
$PY - <<'PYEOF'
body = "".join("  x = x & \"line %d of padding text\"\n" % i for i in range(200))
open("ThisDocument.bas", "w").write("Sub AutoOpen()\n" + body + "  Shell \"cmd /c calc.exe\"\nEnd Sub\n")
open("Module2.bas", "w").write("Function Twice(n)\n  Twice = n * 2\nEnd Function\n")
PYEOF
$PY "$FIXTURES/mkole.py" "$OUT" --text WordDocument="Invoice" \
    --vba ThisDocument=ThisDocument.bas --vba Module2=Module2.bas
