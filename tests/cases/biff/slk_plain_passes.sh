# A SYLK file with values only (no O;E, no formulas, no names): nothing to
# report and no XLM child.
printf 'ID;PWXL;N;E\r\nC;Y1;X1;K"hello"\r\nC;X2;K42\r\nE\r\n' > "$OUT"
