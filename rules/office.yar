/*
 * Office behaviour that shows in text and XML as it is stored, outside any
 * OOXML package: Word 2003 XML and Flat OPC documents carry their fields in
 * clear, and CSV cells are formulas to Excel.
 *
 * The meta `reason` makes a match report as that reason code (README.md,
 * "Reason codes") instead of `yara.match`, so a DDE field found here and one
 * found by the OOXML unpacker read the same to a gateway.
 */

rule Office_DDE_Field_In_XML
{
    meta:
        description = "A DDE or DDEAUTO field code in Word XML (Word 2003 XML, Flat OPC), a DDE formula in SpreadsheetML, or a ddeLink"
        author = "Sekisho"
        verdict = "sandbox"
        reason = "office.dde"
    strings:
        $instr = /<w:instrText[^>]{0,64}>\s{0,16}DDE(AUTO)?\s/ nocase
        $simple = /w:instr="\s{0,16}DDE(AUTO)?\s/ nocase
        $link = "<ddeLink" nocase
        $formula = /ss:Formula="[=+\-@][A-Za-z0-9_.]{1,32}\|(&apos;|')[^'"&]{1,255}(&apos;|')!/
    condition:
        (filetype == "xml" or filetype == "text" or filetype == "html") and any of them
}

rule Office_DDE_Formula_In_CSV
{
    meta:
        description = "A spreadsheet cell that is a DDE formula (=cmd|'/c calc'!A0) in CSV or text"
        author = "Sekisho"
        verdict = "sandbox"
        reason = "office.dde"
    strings:
        $dde = /(^|[\r\n,;\t"])[=+\-@][A-Za-z0-9_.]{1,32}\|'[^'\r\n]{1,255}'![A-Za-z0-9$]{1,16}/
    condition:
        filetype == "text" and $dde
}
