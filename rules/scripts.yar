/*
 * Windows script droppers: what a JS/VBS/WSF/HTA/PS1/BAT stage does.
 *
 *   Script_Downloader            fetches (XMLHTTP, WinHttp, Net.WebClient,
 *                                Invoke-WebRequest, BITS) and saves or runs
 *   Script_ActiveXObject         JScript creating a shell, file-system,
 *                                stream or HTTP object
 *   Script_WScript_Shell_Run     WScript.Shell / Shell.Application made and
 *                                .Run / .Exec / .ShellExecute called
 *   Script_Mshta_Remote          mshta started on a URL or inline script
 *   Script_Regsvr32_Scriptlet    regsvr32 /i: with a URL or share (Squiblydoo)
 *   Script_Rundll32_Suspicious   rundll32 on inline JavaScript or on a DLL in
 *                                a temp, profile or network path
 *   Script_Certutil_Decode       certutil -decode/-decodehex/-urlcache
 *
 * -EncodedCommand is powershell.yar's (PowerShell_EncodedCommand); the
 * engine also decodes its argument into a child node these rules scan.
 *
 * Script_Downloader and Script_ActiveXObject only look at scripts and web
 * pages (the node's type "script" or "html", a script extension, or a PDF's
 * "javascript" node), since
 * how-tos and admin mails name the same cmdlets. The command-line rules need
 * the program and its telling argument on one line, so they stand anywhere
 * (a VBA Shell call, a shortcut's arguments, a batch file).
 *
 * External variables used: filetype, extension, filename, parent_type.
 */

private rule Script_Scope
{
    condition:
        filetype == "script" or filetype == "html" or
        extension matches /^(js|jse|vbs|vbe|wsf|wsh|hta|ps1|psm1|bat|cmd|sct)$/ or
        // a PDF's JavaScript, which the PDF unpacker hands back by this name
        (parent_type == "pdf" and filename matches /^javascript(_[0-9]+)?$/)
}

rule Script_Downloader
{
    meta:
        description = "a script that downloads (XMLHTTP, WinHttp, Net.WebClient, Invoke-WebRequest, BITS) and saves or runs what it got"
        author = "Sekisho"
        verdict = "sandbox"

    strings:
        $dl_xmlhttp = /(MSXML2\.(Server)?XMLHTTP|Microsoft\.XMLHTTP)/ nocase ascii wide
        $dl_winhttp = "WinHttp.WinHttpRequest" nocase ascii wide
        $dl_webclient = "Net.WebClient" nocase ascii wide
        $dl_iwr = "Invoke-WebRequest" nocase ascii wide
        $dl_irm = "Invoke-RestMethod" nocase ascii wide
        $dl_bits = "Start-BitsTransfer" nocase ascii wide
        $dl_bitsadmin = /bitsadmin(\.exe)?[ \t]+\/transfer/ nocase ascii wide

        $do_stream = "ADODB.Stream" nocase ascii wide
        $do_save = "SaveToFile" nocase ascii wide
        $do_dlfile = "DownloadFile" nocase ascii wide
        $do_outfile = /[ \t]-OutFile[ \t]/ nocase ascii wide
        $do_bytes = "WriteAllBytes" nocase ascii wide
        $do_iex = /(\bIEX\b|Invoke-Expression)/ nocase ascii wide
        $do_start = "Start-Process" nocase ascii wide
        $do_run = /\.(Run|Exec|ShellExecute)[ \t]*[( "]/ nocase ascii wide

    condition:
        Script_Scope and filetype != "vba" and 1 of ($dl_*) and 1 of ($do_*)
}

rule Script_ActiveXObject
{
    meta:
        description = "JScript creating WScript.Shell, Shell.Application, Scripting.FileSystemObject, ADODB.Stream or an HTTP object with new ActiveXObject"
        author = "Sekisho"
        verdict = "sandbox"

    strings:
        $ax = /new[ \t]+ActiveXObject[ \t]*\([ \t]*["'](WScript\.Shell|Shell\.Application|Scripting\.FileSystemObject|ADODB\.Stream|MSXML2\.(Server)?XMLHTTP|Microsoft\.XMLHTTP|WinHttp\.WinHttpRequest)/ nocase ascii wide

    condition:
        Script_Scope and $ax
}

rule Script_WScript_Shell_Run
{
    meta:
        description = "WScript.Shell or Shell.Application created and a program started with .Run, .Exec or .ShellExecute"
        author = "Sekisho"
        verdict = "sandbox"

    strings:
        $shell = /(CreateObject|ActiveXObject)[ \t]*\([ \t]*["'](WScript\.Shell|Shell\.Application)["']/ nocase ascii wide
        $run = /\.(Run|Exec|ShellExecute)[ \t]*[( "]/ nocase ascii wide

    condition:
        $shell and $run
}

rule Script_Mshta_Remote
{
    meta:
        description = "mshta started on a URL or on inline vbscript:/javascript:"
        author = "Sekisho"
        verdict = "sandbox"

    strings:
        $mshta = /mshta(\.exe)?["']?[ \t]+["']?(https?:\/\/|vbscript:|javascript:)/ nocase ascii wide

    condition:
        $mshta
}

rule Script_Regsvr32_Scriptlet
{
    meta:
        description = "regsvr32 registering a scriptlet from a URL or share (/i:http..., scrobj.dll): Squiblydoo"
        author = "Sekisho"
        verdict = "sandbox"

    strings:
        $regsvr = /regsvr32(\.exe)?["']?[ \t][^\r\n]{0,100}\/i:[ \t]*["']?(https?:\/\/|\\\\)/ nocase ascii wide

    condition:
        $regsvr
}

rule Script_Rundll32_Suspicious
{
    meta:
        description = "rundll32 running inline JavaScript, or a DLL from a temp, profile, ProgramData or network path"
        author = "Sekisho"
        verdict = "sandbox"

    strings:
        $js = /rundll32(\.exe)?["']?[ \t]+[^\r\n]{0,60}javascript:/ nocase ascii wide
        $path = /rundll32(\.exe)?["']?[ \t]+["']?(\\\\|%temp%|%appdata%|%localappdata%|%programdata%|%public%|[a-z]:\\(users\\[^\r\n\\]{1,64}\\appdata|windows\\temp|programdata|users\\public)\\)/ nocase ascii wide

    condition:
        $js or $path
}

rule Script_Certutil_Decode
{
    meta:
        description = "certutil used to decode a file or to download one (-decode, -decodehex, -urlcache)"
        author = "Sekisho"
        verdict = "sandbox"

    strings:
        $certutil = /certutil(\.exe)?["']?[ \t][^\r\n]{0,80}[-\/](decode|decodehex|urlcache)\b/ nocase ascii wide

    condition:
        $certutil
}
