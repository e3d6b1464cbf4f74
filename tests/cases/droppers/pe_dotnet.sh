# A .NET assembly: the CLR runtime header directory is set, and the
# metadata root names the runtime version.
$PY "$FIXTURES/mkpe.py" "$OUT" --dotnet --pe32 --import mscoree.dll:_CorExeMain
