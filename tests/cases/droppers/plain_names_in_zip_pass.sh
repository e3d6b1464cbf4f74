# Negative: dotted names that hide nothing pass.
printf 'x\n' > a
for n in v1.2.3.txt report.final.txt archive.tar.txt 'my  notes.txt'; do cp a "$n"; done
zip -q "$OUT" v1.2.3.txt report.final.txt archive.tar.txt 'my  notes.txt'
