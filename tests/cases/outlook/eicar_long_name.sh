# EICAR attached under a long Japanese name (PidTagAttachLongFilename); the
# 8.3 PidTagAttachFilename is only the fallback. The message's root CLSID
# is left unset: it is told a message by its property stream alone.
cp "$EICAR" eicar.com
$PY "$FIXTURES/mkmsg.py" "$OUT" --no-clsid --subject '見積書' --body '見積書を送ります。' \
    --attach '見積書_株式会社サンプル.exe=eicar.com'
