# A stream cut inside its second attachment's data: error.corrupt (a length
# past the end), the first attachment still handed back and scanned.
printf 'first attachment\n' > a.txt
head -c 4000 /dev/zero | tr '\0' 'x' > b.txt
$PY "$FIXTURES/mktnef.py" full.dat --attach a.txt=a.txt --attach b.txt=b.txt
$PY "$FIXTURES/mktnef.py" "$OUT" --attach a.txt=a.txt --attach b.txt=b.txt --truncate $(( $(wc -c < full.dat) - 3000 ))
