# Negative: dotted names that hide nothing pass. Each member must still be
# reached under its own name (the two spaces kept), holding "x\n"
# (sha256 73cb38...: printf 'x\n' | sha256sum).
printf 'x\n' > a
for n in v1.2.3.txt report.final.txt archive.tar.txt 'my  notes.txt'; do cp a "$n"; done
zip -q "$OUT" v1.2.3.txt report.final.txt archive.tar.txt 'my  notes.txt'
