# The password only in the compressed RTF body (PidTagRtfCompressed, LZFu per
# MS-OXRTFCP, Japanese as \uN escapes): no plain or HTML body. The RTF is
# decompressed, reduced to text for the harvester, and the ZIP opens.
export TZ=UTC
cp "$EICAR" eicar.com
touch -d '2024-01-15 13:05:00' eicar.com
zip -q -X -P 'Rt7$kq2Z' doc.zip eicar.com
RTF='{\rtf1\ansi\ansicpg932\deff0{\fonttbl{\f0\fnil MS Gothic;}}{\*\generator Sekisho;}\f0\uc1 '
RTF="$RTF"'\u12372?\u30906?\u35469?\u12367?\u12384?\u12373?\u12356?\u12290?\par '
RTF="$RTF"'\u12497?\u12473?\u12527?\u12540?\u12489?\u65306?Rt7$kq2Z\par }'
$PY "$FIXTURES/mkmsg.py" "$OUT" --subject 'ご確認ください' --rtf "$RTF" --attach 'doc.zip=doc.zip'
