# A SYLK file marked as a macro sheet (O;E) with an Auto_open name: reported
# macro.xlm, and its formulas come back as text for YARA ("XLM/sylk").
printf 'ID;PWXL;N;E\r\nO;L;E;D;V0\r\nNN;NAuto_open;ER1C1\r\nC;Y1;X1;EEXEC("calc.exe")\r\nC;Y2;ECALL("a;;b")\r\nC;Y3;EHALT()\r\nE\r\n' > "$OUT"
cat > ../xlm.yar <<'RULE'
rule Test_SYLK_Exec_Calc
{
    meta:
        verdict = "block"
    strings:
        $exec = "R1C1: =EXEC(\"calc.exe\")"
        $semicolon = "R2C1: =CALL(\"a;b\")"
        $halt = "R3C1: =HALT()"
    condition:
        filetype == "xlm" and all of them
}
RULE
