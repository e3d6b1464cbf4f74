# An Outlook .msg (MS-OXMSG, written by mkmsg.py and read back by olefile):
# a password ZIP attached under a Japanese long name, its password in the
# UTF-16LE body (PidTagBody, PT_UNICODE). The body is harvested before the
# attachment is opened, as an .eml's: the ZIP opens and EICAR blocks.
export TZ=UTC
cp "$EICAR" eicar.com
touch -d '2024-01-15 13:05:00' eicar.com
zip -q -X -P 'Sk9#pw42' invoice.zip eicar.com
$PY "$FIXTURES/mkmsg.py" "$OUT" --subject '請求書の送付' \
    --body $'いつもお世話になっております。\r\n請求書を添付いたします。\r\nパスワード：Sk9#pw42\r\n' \
    --attach '請求書_2024年1月.zip=invoice.zip' --sender 'keiri@example.co.jp' --to 'bob@example.com'
