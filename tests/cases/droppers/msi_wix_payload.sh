# An MSI as WiX builds one: wixl (msitools) writes the installer, and its
# cab1.cab stream is then replaced (msibuild) by a cabinet whose duplicate
# files share one data range, as WiX's light.exe deduplicates them (wixl
# 0.101 does not). Three of the four payload files are EICAR. The MSI's
# stream names are packed (U+3800..U+4840): the tree must say cab1.cab,
# and the payload must be scanned through it. Checked with msitools'
# msiinfo and with cabextract, readers independent of Sekisho's.
cp "$EICAR" eicar.com
cp "$EICAR" copy1.com
cp "$EICAR" copy2.com
printf 'hello\n' > readme.txt
cat > setup.wxs <<'EOF'
<?xml version="1.0" encoding="utf-8"?>
<Wix xmlns="http://schemas.microsoft.com/wix/2006/wi">
  <Product Id="*" Name="Sample" Language="1033" Version="1.0.0" Manufacturer="Example"
           UpgradeCode="12345678-1234-1234-1234-123456789012">
    <Package InstallerVersion="200" Compressed="yes" />
    <Media Id="1" Cabinet="cab1.cab" EmbedCab="yes" />
    <Directory Id="TARGETDIR" Name="SourceDir">
      <Directory Id="ProgramFilesFolder">
        <Directory Id="INSTALLDIR" Name="Sample">
          <Component Id="Main" Guid="11111111-2222-3333-4444-555555555555">
            <File Id="f1" Source="eicar.com" />
            <File Id="f2" Source="copy1.com" />
            <File Id="f3" Source="copy2.com" />
            <File Id="f4" Source="readme.txt" />
          </Component>
        </Directory>
      </Directory>
    </Directory>
    <Feature Id="Complete" Level="1"><ComponentRef Id="Main" /></Feature>
  </Product>
</Wix>
EOF
wixl -o "$OUT" setup.wxs
$PY "$FIXTURES/mkcab.py" cab1.cab f1=eicar.com f2=copy1.com f3=copy2.com f4=readme.txt
msibuild "$OUT" -a cab1.cab cab1.cab
msiinfo streams "$OUT" | grep -qx cab1.cab
msiinfo extract "$OUT" cab1.cab > back.cab
cmp back.cab cab1.cab
cabextract -t back.cab | grep -c ' OK ' | grep -qx 4
