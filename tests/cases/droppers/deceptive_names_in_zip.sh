# Names that hide their real extension, inside a zip (Info-ZIP stores the
# UTF-8 names as given).
printf 'x\n' > a
cp a 'invoice.pdf.exe'
cp a "$(printf 'photo\342\200\256gpj.js')"
cp a 'statement.pdf          .scr'
cp a 'setup.exe.'
zip -q "$OUT" invoice.pdf.exe "$(printf 'photo\342\200\256gpj.js')" 'statement.pdf          .scr' setup.exe.
