# An Internet shortcut whose URL= is a file:// URL on an SMB share (INI: [InternetShortcut] after another section).
cat > "$OUT" <<'EOF'
[{000214A0-0000-0000-C000-000000000046}]
Prop3=19,9
[InternetShortcut]
IDList=
URL=file://\\10.0.0.5\share\invoice.exe
IconIndex=1
EOF
