# Two byte-identical nested archives: each must be opened on its own (five
# nodes: the outer zip, both inner zips, and an eicar.com under each, the
# EICAR string's sha256), not the second skipped as a repeat of the first.
cp "$EICAR" eicar.com
zip -q -X inner.zip eicar.com
cp inner.zip copy.zip
zip -q -X "$OUT" inner.zip copy.zip
