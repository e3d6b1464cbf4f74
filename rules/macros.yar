/*
 * Behaviour in Office macros. These rules read the derived text nodes the
 * Office unpackers make: decompressed VBA module source (filetype "vba")
 * and Excel 4.0 macro formulas (filetype "xlm", one `R1C1: =FORMULA(...)`
 * line per cell, the same for .xls, .xlsb, .xlsm and SYLK: unpackers/xlm.h). Plain VBA or XLM is already reported by macro.vba /
 * macro.xlm; these rules name what the code does.
 */

rule VBA_Downloader
{
    meta:
        description = "VBA that fetches from the network and saves or runs what it got"
        author = "Sekisho"
        verdict = "sandbox"
    strings:
        $urlmon = "URLDownloadToFile" nocase
        $xmlhttp = /(MSXML2|Microsoft)\.(Server)?XMLHTTP/ nocase
        $winhttp = "WinHttp.WinHttpRequest" nocase
        $bits = "Start-BitsTransfer" nocase
        $save1 = "SaveToFile" nocase
        $save2 = "ADODB.Stream" nocase
        $run1 = /\bShell\s*\(?/ nocase
        $run2 = "WScript.Shell" nocase
        $run3 = "ShellExecute" nocase
        $url = /https?:\/\/[a-z0-9.\-]{4,}/ nocase
    condition:
        filetype == "vba" and
        ($urlmon or (($xmlhttp or $winhttp or $bits) and $url and 1 of ($save*, $run*)))
}

rule VBA_WMI_Process_Create
{
    meta:
        description = "VBA that starts a process through WMI (winmgmts + Win32_Process.Create), as Emotet's droppers did"
        author = "Sekisho"
        verdict = "sandbox"
    strings:
        $wmi = "winmgmts" nocase
        $proc = "Win32_Process" nocase
        $create = ".Create" nocase
        $startup = "Win32_ProcessStartup" nocase
    condition:
        filetype == "vba" and $wmi and $proc and ($create or $startup)
}

rule VBA_Obfuscated_Launcher
{
    meta:
        description = "VBA that builds strings with Chr()/StrReverse/Replace and launches something: obfuscation around execution"
        author = "Sekisho"
        verdict = "sandbox"
    strings:
        $chr = /\bChrW?\$?\s*\(\s*\d{1,3}\s*\)/ nocase
        $rev = "StrReverse" nocase
        $replace = /Replace\s*\(\s*"[^"]{8,}"/ nocase
        $exec1 = /\bShell\s*\(?/ nocase
        $exec2 = "CreateObject" nocase
        $exec3 = "CallByName" nocase
        $exec4 = "GetObject" nocase
        $ps = "powershell" nocase
    condition:
        filetype == "vba" and
        (#chr > 20 or $rev or #replace > 3) and (1 of ($exec*) or $ps)
}

rule VBA_PowerShell_Launch
{
    meta:
        description = "VBA that launches PowerShell (hidden windows, encoded commands, download cradles)"
        author = "Sekisho"
        verdict = "sandbox"
    strings:
        $ps = "powershell" nocase
        $launch1 = /\bShell\s*\(?/ nocase
        $launch2 = "WScript.Shell" nocase
        $launch3 = "Win32_Process" nocase
        $launch4 = ".Run" nocase
        $flag1 = /\s-(w|win|windowstyle)\s+(hidden|1)\b/ nocase
        $flag2 = /\s-(e|ec|enc|encodedcommand)\s+[A-Za-z0-9+\/=]{16,}/ nocase
        $flag3 = /\s-(nop|noprofile|ep\s+bypass|executionpolicy\s+bypass)\b/ nocase
        $flag4 = "DownloadString" nocase
        $flag5 = "IEX" nocase
    condition:
        filetype == "vba" and $ps and 1 of ($launch*) and 1 of ($flag*)
}

rule XLM_Exec_Or_Download
{
    meta:
        description = "Excel 4.0 macro formulas that run a program, call into a DLL or download (EXEC, CALL, REGISTER URLDownloadToFile, ShellExecute)"
        author = "Sekisho"
        verdict = "sandbox"
    strings:
        // a call anywhere in a formula (=IF(x,EXEC(...)) too), not a longer name
        $exec = /[^A-Za-z0-9_.]EXEC\(/ nocase
        $call = /[^A-Za-z0-9_.]CALL\(/ nocase
        $register = /[^A-Za-z0-9_.]REGISTER\([^\n]{0,200}(URLDownloadToFile|ShellExecute|CreateProcess|WinExec|VirtualAlloc|kernel32|urlmon|shell32)/ nocase
    condition:
        filetype == "xlm" and any of them
}

rule XLM_Sandbox_Evasion
{
    meta:
        description = "Excel 4.0 macros that probe their environment before acting (GET.WORKSPACE, GET.WINDOW, mouse/sound checks), common in XLM droppers"
        author = "Sekisho"
        verdict = "sandbox"
    strings:
        $ws = /GET\.WORKSPACE\(\s*(1|13|14|19|31|42)\s*\)/ nocase
        $win = /GET\.WINDOW\(\s*(7|20|23)\s*\)/ nocase
        $hide = "WORKBOOK.HIDE" nocase
        $halt = "HALT()" nocase
        $close = "FILE.CLOSE" nocase
    condition:
        filetype == "xlm" and ($ws or $win) and ($hide or $halt or $close)
}
