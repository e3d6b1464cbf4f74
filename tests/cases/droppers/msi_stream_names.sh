# An MSI exactly as wixl (msitools' WiX-compatible builder) writes it, with a
# clean payload. Windows Installer packs table and stream names into the
# code points U+3800..U+4840 of MS-CFB entry names; the tree must show them
# decoded as msitools lists them: cab1.cab, and the tables with their '!'.
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
            <File Id="readme" Source="readme.txt" />
          </Component>
        </Directory>
      </Directory>
    </Directory>
    <Feature Id="Complete" Level="1"><ComponentRef Id="Main" /></Feature>
  </Product>
</Wix>
EOF
wixl -o "$OUT" setup.wxs
msiinfo streams "$OUT" | grep -qx cab1.cab
msiinfo tables "$OUT" | grep -qx File
