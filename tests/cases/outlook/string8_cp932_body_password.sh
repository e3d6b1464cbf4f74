# Subject and body as PT_STRING8 in the message's code page
# (PidTagMessageCodepage 932, as an older Japanese Outlook writes them):
# decoded from CP932 for the harvester.
export TZ=UTC
cp "$EICAR" eicar.com
touch -d '2024-01-15 13:05:00' eicar.com
zip -q -X -P 'Cp9zX7k2' data.zip eicar.com
$PY "$FIXTURES/mkmsg.py" "$OUT" --string8 cp932 --subject '資料送付' \
    --body $'資料を送付します。\r\n解凍パスワード：Cp9zX7k2\r\n' --attach 'data.zip=data.zip'
