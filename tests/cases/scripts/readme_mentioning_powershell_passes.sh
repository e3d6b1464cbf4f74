cat > "$OUT" <<'TEXT'
# Deploying

Run the installer from PowerShell:

    powershell -ExecutionPolicy Bypass -File install.ps1

To pass a script block safely, encode it (see `powershell -EncodedCommand`),
or call `Set-Variable` first. Batch users start with @echo off as usual.
WScript.Shell and ActiveXObject are not needed.
TEXT
