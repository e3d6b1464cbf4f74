# A SYLK file with values only (no O;E, no formulas, no names): nothing to
# report and no XLM child. The root is typed text, as slk_macro's is (SYLK
# is recognised by the unpacker from its ID record, not by the sniffer).
printf 'ID;PWXL;N;E\r\nC;Y1;X1;K"hello"\r\nC;X2;K42\r\nE\r\n' > "$OUT"
