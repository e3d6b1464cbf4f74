# The WiX-style cabinet of cab_shared_data (three EICAR files sharing one
# data range), gzipped: the stream's bytes become a child of their own that
# libmspack reads (libarchive's CAB reader refuses such a cabinet).
cp "$EICAR" eicar.com
printf 'hello from sekisho\n' > readme.txt
$PY "$FIXTURES/mkcab.py" shared.cab a.com=eicar.com b.com=eicar.com c.com=eicar.com \
    readme.txt=readme.txt
cabextract -t shared.cab > check.txt
test "$(grep -c ' OK ' check.txt)" -eq 4
gzip -n -c shared.cab > "$OUT"
