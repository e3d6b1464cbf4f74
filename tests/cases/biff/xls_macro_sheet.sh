# An .xls (BIFF8 in OLE2, written by tests/fixtures/mkbiff.py) with a
# visible worksheet, a hidden worksheet and a very hidden Excel 4.0 macro
# sheet that an Auto_Open name starts. The macro sheet's formulas come back
# as text ("XLM/Macro1", type xlm) that a YARA rule can read.
$PY "$FIXTURES/mkbiff.py" "$OUT"
cat > ../xlm.yar <<'RULE'
rule Test_XLM_Exec_Calc
{
    meta:
        verdict = "block"
    strings:
        $exec = "R1C1: =EXEC(\"calc.exe\")"
        $register = "=REGISTER(\"urlmon\",\"URLDownloadToFileA\",\"JJCCJJ\",\"dl\")"
        $halt = "R8C1: =HALT()"
    condition:
        filetype == "xlm" and all of them
}
RULE
