/*
 * Encoded / obfuscated PowerShell.
 *
 * Every rule needs at least two independent signals, so that documents that
 * merely talk about PowerShell (how-tos, admin mails, logs) are not flagged:
 *
 *   PowerShell_EncodedCommand            launcher + -EncodedCommand flag + base64 blob
 *   PowerShell_Base64_Encoded_Directives two base64(UTF-16LE) directives,
 *                                        or one strong directive + a launcher
 *   PowerShell_Hidden_Download_Cradle    stealth flags on a launcher line + download cradle
 *
 * Text strings are matched in ASCII/UTF-8 and UTF-16LE ("wide"), since
 * scripts saved from Windows tools are often UTF-16LE.
 */

rule PowerShell_EncodedCommand
{
    meta:
        description = "powershell/pwsh started with -EncodedCommand (or an accepted abbreviation: -e, -ec, -en, -enc, ...) followed by a base64 blob"
        author = "Sekisho"
        verdict = "sandbox"

    strings:
        /*
         * launcher, optional ".exe" and closing quote, then up to 300
         * characters of other arguments on the same line (e.g. "-nop -w
         * hidden"), then the flag, then >= 20 base64 characters.
         *
         * The flag may start with "-", "/" or the en dash, em dash and
         * horizontal bar (UTF-8 E2 80 93..95), which powershell.exe also
         * accepts.  PowerShell accepts any unambiguous prefix of
         * -EncodedCommand ("-e" and "-ec" are documented aliases), so every
         * prefix from "e" to "encodedcommand" is allowed; "-ExecutionPolicy"
         * and friends do not match because the flag must be followed by
         * whitespace.
         */
        $enc = /(powershell|pwsh)(\.exe)?["']?[ \t][^\r\n]{0,300}(-|\/|\xE2\x80[\x93-\x95])e(c|n(c(o(d(e(d(c(o(m(m(a(n(d)?)?)?)?)?)?)?)?)?)?)?)?)?[ \t]+["']?[A-Za-z0-9+\/]{20}/ nocase ascii wide

    condition:
        $enc
}

rule PowerShell_Base64_Encoded_Directives
{
    meta:
        description = "base64 of UTF-16LE PowerShell directives (the -EncodedCommand payload format): IEX/Invoke-Expression, DownloadString/DownloadFile, Net.WebClient, FromBase64String, Start-Process"
        author = "Sekisho"
        verdict = "sandbox"

    strings:
        /*
         * "wide base64" = base64 of the UTF-16LE form of the string, which is
         * what powershell -EncodedCommand takes.  (NOT the same as the
         * "base64wide" modifier, which is base64 of the ASCII string, then
         * widened.)  YARA generates the three possible alignments, so the
         * directive is found anywhere inside a longer blob.
         *
         * base64 cannot be combined with nocase, so the usual spellings are
         * listed; other mixed-case spellings are not caught by this rule.
         */

        // strong directives: code execution / download / decoding
        $s_iex1 = "IEX" wide base64
        $s_iex2 = "iex" wide base64
        $s_iex3 = "Iex" wide base64
        $s_invoke1 = "Invoke-Expression" wide base64
        $s_invoke2 = "invoke-expression" wide base64
        $s_dlstr1 = "DownloadString" wide base64
        $s_dlstr2 = "downloadstring" wide base64
        $s_dlfile1 = "DownloadFile" wide base64
        $s_dlfile2 = "downloadfile" wide base64
        // matches both "New-Object Net.WebClient" and "System.Net.WebClient"
        $s_webclient1 = "Net.WebClient" wide base64
        $s_webclient2 = "net.webclient" wide base64
        $s_fromb64a = "FromBase64String" wide base64
        $s_fromb64b = "frombase64string" wide base64

        // weak directive: common in legitimate admin scripts too
        $w_start1 = "Start-Process" wide base64
        $w_start2 = "start-process" wide base64

        // plain-text launcher, the second signal for a single directive
        $ps1 = "powershell" nocase ascii wide
        $ps2 = "pwsh" nocase ascii wide

    condition:
        // two encoded directives (e.g. IEX + DownloadString), or
        2 of ($s_*, $w_*) or
        // one strong encoded directive next to a PowerShell launcher
        (1 of ($s_*) and 1 of ($ps*))
}

rule PowerShell_Hidden_Download_Cradle
{
    meta:
        description = "powershell/pwsh launched with stealth flags (-w hidden, or two of -nop/-noni/-ep bypass) together with a download cradle"
        author = "Sekisho"
        verdict = "sandbox"

    strings:
        /*
         * Launcher flags, each with every abbreviation PowerShell accepts.
         * A flag only counts on the same line as, and after, the
         * powershell/pwsh launcher (within 300 characters): words such as
         * "-nop" or "/noninteractive" turn up in big unrelated texts (logs,
         * package lists) that also happen to mention PowerShell.  Anchoring
         * on the launcher also gives each regex a long literal to scan for.
         */
        // -WindowStyle Hidden (or its numeric value, 1)
        $l_hidden = /(powershell|pwsh)(\.exe)?["']?[ \t][^\r\n]{0,300}[-\/]w(i(n(d(o(w(s(t(y(l(e)?)?)?)?)?)?)?)?)?)?[ \t]+["']?(hidden|1)\b/ nocase ascii wide
        // -NoProfile
        $l_nop = /(powershell|pwsh)(\.exe)?["']?[ \t][^\r\n]{0,300}[-\/]nop(r(o(f(i(l(e)?)?)?)?)?)?\b/ nocase ascii wide
        // -NonInteractive
        $l_noni = /(powershell|pwsh)(\.exe)?["']?[ \t][^\r\n]{0,300}[-\/]noni(n(t(e(r(a(c(t(i(v(e)?)?)?)?)?)?)?)?)?)?\b/ nocase ascii wide
        // -ExecutionPolicy Bypass|Unrestricted (also the -ep alias)
        $l_bypass = /(powershell|pwsh)(\.exe)?["']?[ \t][^\r\n]{0,300}[-\/](ep|ex(e(c(u(t(i(o(n(p(o(l(i(c(y)?)?)?)?)?)?)?)?)?)?)?)?)?)[ \t]+["']?(bypass|unrestricted)\b/ nocase ascii wide

        // Download cradles, anywhere in the node (often in a script block
        // or file the launcher runs).
        $c_dlstr = "DownloadString" nocase ascii wide
        $c_dlfile = "DownloadFile" nocase ascii wide
        $c_dldata = "DownloadData" nocase ascii wide
        $c_webclient = "Net.WebClient" nocase ascii wide
        $c_iwr = "Invoke-WebRequest" nocase ascii wide
        $c_irm = "Invoke-RestMethod" nocase ascii wide
        $c_bits = "Start-BitsTransfer" nocase ascii wide
        // aliases of Invoke-WebRequest / Invoke-RestMethod applied to a URL
        $c_alias = /\b(iwr|irm|wget|curl)[ \t]+["'(]?https?:\/\// nocase ascii wide

    condition:
        1 of ($c_*) and
        ($l_hidden or 2 of ($l_nop, $l_noni, $l_bypass))
}
