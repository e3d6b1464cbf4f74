# A cabinet whose three EICAR files share one data range, as WiX writes an
# MSI's cab1.cab when files hold the same bytes (the data once, three CFFILE
# entries at the same folder offset). libarchive 3.6 refuses it ("Invalid
# CAB header"); cabextract, the independent reader, tests every file OK.
cp "$EICAR" eicar.com
printf 'hello from sekisho\n' > readme.txt
$PY "$FIXTURES/mkcab.py" "$OUT" a.com=eicar.com b.com=eicar.com c.com=eicar.com \
    readme.txt=readme.txt
cabextract -t "$OUT" > check.txt
test "$(grep -c ' OK ' check.txt)" -eq 4
