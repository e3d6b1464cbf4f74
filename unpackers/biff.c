/* Excel BIFF5/BIFF8 workbook streams: macro sheets (XLM), hidden sheets,
 * Auto_Open names, and the XLM formulas as text.
 *
 * Spec: [MS-XLS] 2.1.4 (record layout: type u16, size u16), 2.4.21 BOF,
 * 2.4.28 BoundSheet8 (hsState: 0 visible, 1 hidden, 2 very hidden; dt: 0
 * worksheet, 1 macro sheet, 2 chart, 6 VBA module), 2.4.117 FilePass,
 * 2.4.127 Formula, 2.4.150 Lbl (built-in names: 0x01 Auto_Open, 0x02
 * Auto_Close), 2.4.265 SST with 2.4.58 Continue, 2.4.149 LabelSst, 2.4.148
 * Label, 2.4.268 String, 2.4.271 SupBook, 2.4.106 ExternSheet, 2.4.260
 * ShrFmla, 2.5.198 the parsed expression (Rgce, Ptg tokens), 2.5.198.17 Ftab
 * and 2.5.198.4 Cetab (function numbers). BIFF5 differences follow the
 * OpenOffice "Excel File Format" document (byte strings, 3-byte PtgRef,
 * 17-byte PtgRef3d, 14-byte PtgName).
 *
 * The node is the "Workbook" (BIFF8) or "Book" (BIFF5) stream that the OLE2
 * unpacker hands back typed SK_TYPE_BIFF. The globals substream is walked
 * once at `open`: every hidden or very hidden sheet is reported
 * (office.hidden_sheet), every macro sheet (BoundSheet8 dt 1, or a sheet
 * whose own BOF says macro sheet) is reported (macro.xlm, with the
 * Auto_Open/Auto_Close names in the detail). `next` hands back one child per
 * macro sheet, "XLM/<sheet name>" typed SK_TYPE_XLM: one line per cell,
 * `R1C1: =EXEC("calc.exe")` for formulas (function names from Ftab/Cetab,
 * unknown numbers as FUNC_<n>/CMD_<n>, strings quoted with "" doubled),
 * `R2C1: -> "text"` for a formula's cached string result, `R3C1: "text"`
 * for text constants, `SHRFMLA R1C1:R9C1: =...` for shared formulas, and
 * a first line per Auto_Open/Auto_Close name. A SupBook whose virtual path
 * is "application\x03topic" (2.5.277) is a DDE link: office.dde. A token it does not know ends
 * that formula with `?`; the next record is read as usual. The same
 * renderer reads BIFF12 formulas for ooxml.c (sk_xlm_render_biff12, xlm.h:
 * [MS-XLSB] 2.5.97 ptgs, u32 rows, UTF-16 PtgStr), so .xlsb macro sheets
 * read as .xls ones do.
 *
 * Refuses: FilePass (the workbook is still encrypted: encrypted.unopened,
 * no formulas; ole2.c decrypts what a candidate opens and hands back the
 * stream with FilePass turned into a record of type 0); BIFF2-4 and a stream that does not
 * start with a BOF (error.unsupported / error.corrupt). Limits: every record
 * length is checked against what remains (engine/reader.h); at most
 * BIFF_MAX_RECORDS records per stream, BIFF_MAX_SHEETS sheets, BIFF_MAX_NAMES
 * names, one formula rendered to at most BIFF_MAX_FORMULA bytes with a stack
 * of BIFF_MAX_STACK operands; SST text decoded only for a macro sheet that
 * uses it, up to BIFF_MAX_SST_TEXT bytes. No recursion: nested substreams
 * are tracked with a depth counter. Child bytes go through sk_unpack_append. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../engine/error.h"
#include "../engine/reader.h"
#include "unpacker.h"
#include "xlm.h"

/* Function names of BIFF formulas (MS-XLS 2.5.198.17 Ftab, 2.5.198.4 Cetab),
 * and the fixed argument counts PtgFunc implies. Included once, by biff.c. */

/* Ftab 0x0000..0x017B, in order; NULL where the table has a gap. */
static const char *const ftab_names[] = {
    "COUNT",
    "IF",
    "ISNA",
    "ISERROR",
    "SUM",
    "AVERAGE",
    "MIN",
    "MAX",
    "ROW",
    "COLUMN",
    "NA",
    "NPV",
    "STDEV",
    "DOLLAR",
    "FIXED",
    "SIN",
    "COS",
    "TAN",
    "ATAN",
    "PI",
    "SQRT",
    "EXP",
    "LN",
    "LOG10",
    "ABS",
    "INT",
    "SIGN",
    "ROUND",
    "LOOKUP",
    "INDEX",
    "REPT",
    "MID",
    "LEN",
    "VALUE",
    "TRUE",
    "FALSE",
    "AND",
    "OR",
    "NOT",
    "MOD",
    "DCOUNT",
    "DSUM",
    "DAVERAGE",
    "DMIN",
    "DMAX",
    "DSTDEV",
    "VAR",
    "DVAR",
    "TEXT",
    "LINEST",
    "TREND",
    "LOGEST",
    "GROWTH",
    "GOTO",
    "HALT",
    "RETURN",
    "PV",
    "FV",
    "NPER",
    "PMT",
    "RATE",
    "MIRR",
    "IRR",
    "RAND",
    "MATCH",
    "DATE",
    "TIME",
    "DAY",
    "MONTH",
    "YEAR",
    "WEEKDAY",
    "HOUR",
    "MINUTE",
    "SECOND",
    "NOW",
    "AREAS",
    "ROWS",
    "COLUMNS",
    "OFFSET",
    "ABSREF",
    "RELREF",
    "ARGUMENT",
    "SEARCH",
    "TRANSPOSE",
    "ERROR",
    "STEP",
    "TYPE",
    "ECHO",
    "SET.NAME",
    "CALLER",
    "DEREF",
    "WINDOWS",
    "SERIES",
    "DOCUMENTS",
    "ACTIVE.CELL",
    "SELECTION",
    "RESULT",
    "ATAN2",
    "ASIN",
    "ACOS",
    "CHOOSE",
    "HLOOKUP",
    "VLOOKUP",
    "LINKS",
    "INPUT",
    "ISREF",
    "GET.FORMULA",
    "GET.NAME",
    "SET.VALUE",
    "LOG",
    "EXEC",
    "CHAR",
    "LOWER",
    "UPPER",
    "PROPER",
    "LEFT",
    "RIGHT",
    "EXACT",
    "TRIM",
    "REPLACE",
    "SUBSTITUTE",
    "CODE",
    "NAMES",
    "DIRECTORY",
    "FIND",
    "CELL",
    "ISERR",
    "ISTEXT",
    "ISNUMBER",
    "ISBLANK",
    "T",
    "N",
    "FOPEN",
    "FCLOSE",
    "FSIZE",
    "FREADLN",
    "FREAD",
    "FWRITELN",
    "FWRITE",
    "FPOS",
    "DATEVALUE",
    "TIMEVALUE",
    "SLN",
    "SYD",
    "DDB",
    "GET.DEF",
    "REFTEXT",
    "TEXTREF",
    "INDIRECT",
    "REGISTER",
    "CALL",
    "ADD.BAR",
    "ADD.MENU",
    "ADD.COMMAND",
    "ENABLE.COMMAND",
    "CHECK.COMMAND",
    "RENAME.COMMAND",
    "SHOW.BAR",
    "DELETE.MENU",
    "DELETE.COMMAND",
    "GET.CHART.ITEM",
    "DIALOG.BOX",
    "CLEAN",
    "MDETERM",
    "MINVERSE",
    "MMULT",
    "FILES",
    "IPMT",
    "PPMT",
    "COUNTA",
    "CANCEL.KEY",
    "FOR",
    "WHILE",
    "BREAK",
    "NEXT",
    "INITIATE",
    "REQUEST",
    "POKE",
    "EXECUTE",
    "TERMINATE",
    "RESTART",
    "HELP",
    "GET.BAR",
    "PRODUCT",
    "FACT",
    "GET.CELL",
    "GET.WORKSPACE",
    "GET.WINDOW",
    "GET.DOCUMENT",
    "DPRODUCT",
    "ISNONTEXT",
    "GET.NOTE",
    "NOTE",
    "STDEVP",
    "VARP",
    "DSTDEVP",
    "DVARP",
    "TRUNC",
    "ISLOGICAL",
    "DCOUNTA",
    "DELETE.BAR",
    "UNREGISTER",
    NULL,
    NULL,
    "USDOLLAR",
    "FINDB",
    "SEARCHB",
    "REPLACEB",
    "LEFTB",
    "RIGHTB",
    "MIDB",
    "LENB",
    "ROUNDUP",
    "ROUNDDOWN",
    "ASC",
    "DBCS",
    "RANK",
    NULL,
    NULL,
    "ADDRESS",
    "DAYS360",
    "TODAY",
    "VDB",
    "ELSE",
    "ELSE.IF",
    "END.IF",
    "FOR.CELL",
    "MEDIAN",
    "SUMPRODUCT",
    "SINH",
    "COSH",
    "TANH",
    "ASINH",
    "ACOSH",
    "ATANH",
    "DGET",
    "CREATE.OBJECT",
    "VOLATILE",
    "LAST.ERROR",
    "CUSTOM.UNDO",
    "CUSTOM.REPEAT",
    "FORMULA.CONVERT",
    "GET.LINK.INFO",
    "TEXT.BOX",
    "INFO",
    "GROUP",
    "GET.OBJECT",
    "DB",
    "PAUSE",
    NULL,
    NULL,
    "RESUME",
    "FREQUENCY",
    "ADD.TOOLBAR",
    "DELETE.TOOLBAR",
    NULL /* 0xFF: a user-defined function, named by its first argument */,
    "RESET.TOOLBAR",
    "EVALUATE",
    "GET.TOOLBAR",
    "GET.TOOL",
    "SPELLING.CHECK",
    "ERROR.TYPE",
    "APP.TITLE",
    "WINDOW.TITLE",
    "SAVE.TOOLBAR",
    "ENABLE.TOOL",
    "PRESS.TOOL",
    "REGISTER.ID",
    "GET.WORKBOOK",
    "AVEDEV",
    "BETADIST",
    "GAMMALN",
    "BETAINV",
    "BINOMDIST",
    "CHIDIST",
    "CHIINV",
    "COMBIN",
    "CONFIDENCE",
    "CRITBINOM",
    "EVEN",
    "EXPONDIST",
    "FDIST",
    "FINV",
    "FISHER",
    "FISHERINV",
    "FLOOR",
    "GAMMADIST",
    "GAMMAINV",
    "CEILING",
    "HYPGEOMDIST",
    "LOGNORMDIST",
    "LOGINV",
    "NEGBINOMDIST",
    "NORMDIST",
    "NORMSDIST",
    "NORMINV",
    "NORMSINV",
    "STANDARDIZE",
    "ODD",
    "PERMUT",
    "POISSON",
    "TDIST",
    "WEIBULL",
    "SUMXMY2",
    "SUMX2MY2",
    "SUMX2PY2",
    "CHITEST",
    "CORREL",
    "COVAR",
    "FORECAST",
    "FTEST",
    "INTERCEPT",
    "PEARSON",
    "RSQ",
    "STEYX",
    "SLOPE",
    "TTEST",
    "PROB",
    "DEVSQ",
    "GEOMEAN",
    "HARMEAN",
    "SUMSQ",
    "KURT",
    "SKEW",
    "ZTEST",
    "LARGE",
    "SMALL",
    "QUARTILE",
    "PERCENTILE",
    "PERCENTRANK",
    "MODE",
    "TRIMMEAN",
    "TINV",
    NULL,
    "MOVIE.COMMAND",
    "GET.MOVIE",
    "CONCATENATE",
    "POWER",
    "PIVOT.ADD.DATA",
    "GET.PIVOT.TABLE",
    "GET.PIVOT.FIELD",
    "GET.PIVOT.ITEM",
    "RADIANS",
    "DEGREES",
    "SUBTOTAL",
    "SUMIF",
    "COUNTIF",
    "COUNTBLANK",
    "SCENARIO.GET",
    "OPTIONS.LISTS.GET",
    "ISPMT",
    "DATEDIF",
    "DATESTRING",
    "NUMBERSTRING",
    "ROMAN",
    "OPEN.DIALOG",
    "SAVE.DIALOG",
    "VIEW.GET",
    "GETPIVOTDATA",
    "HYPERLINK",
    "PHONETIC",
    "AVERAGEA",
    "MAXA",
    "MINA",
    "STDEVPA",
    "VARPA",
    "STDEVA",
    "VARA",
    "BAHTTEXT",
    "THAIDAYOFWEEK",
    "THAIDIGIT",
    "THAIMONTHOFYEAR",
    "THAINUMSOUND",
    "THAINUMSTRING",
    "THAISTRINGLENGTH",
    "ISTHAIDIGIT",
    "ROUNDBAHTDOWN",
    "ROUNDBAHTUP",
    "THAIYEAR",
    "RTD",
};

/* The argument count a PtgFunc (fixed arity) implies, where it is not 0.
 * Functions with optional arguments are always written as PtgFuncVar. */
static const uint8_t ftab_fixed_args[] = {
    [0x02] = 1,  [0x03] = 1,  [0x0F] = 1,  [0x10] = 1,  [0x11] = 1,  [0x12] = 1,  [0x14] = 1,
    [0x15] = 1,  [0x16] = 1,  [0x17] = 1,  [0x18] = 1,  [0x19] = 1,  [0x1A] = 1,  [0x1B] = 2,
    [0x1E] = 2,  [0x1F] = 3,  [0x20] = 1,  [0x21] = 1,  [0x26] = 1,  [0x27] = 2,  [0x28] = 3,
    [0x29] = 3,  [0x2A] = 3,  [0x2B] = 3,  [0x2C] = 3,  [0x2D] = 3,  [0x2F] = 3,  [0x30] = 2,
    [0x35] = 1,  [0x3D] = 3,  [0x41] = 3,  [0x42] = 3,  [0x43] = 1,  [0x44] = 1,  [0x45] = 1,
    [0x47] = 1,  [0x48] = 1,  [0x49] = 1,  [0x4B] = 1,  [0x4C] = 1,  [0x4D] = 1,  [0x4F] = 2,
    [0x50] = 2,  [0x53] = 1,  [0x56] = 1,  [0x5A] = 1,  [0x61] = 2,  [0x62] = 1,  [0x63] = 1,
    [0x69] = 1,  [0x6A] = 1,  [0x6C] = 2,  [0x6F] = 1,  [0x70] = 1,  [0x71] = 1,  [0x72] = 1,
    [0x75] = 2,  [0x76] = 1,  [0x77] = 4,  [0x79] = 1,  [0x7E] = 1,  [0x7F] = 1,  [0x80] = 1,
    [0x81] = 1,  [0x82] = 1,  [0x83] = 1,  [0x85] = 1,  [0x86] = 1,  [0x87] = 1,  [0x88] = 2,
    [0x89] = 2,  [0x8A] = 2,  [0x8C] = 1,  [0x8D] = 1,  [0x8E] = 3,  [0x8F] = 4,  [0xA1] = 1,
    [0xA2] = 1,  [0xA3] = 1,  [0xA4] = 1,  [0xA5] = 2,  [0xAC] = 1,  [0xAF] = 2,  [0xB0] = 2,
    [0xB1] = 3,  [0xB2] = 2,  [0xB3] = 1,  [0xB8] = 1,  [0xBA] = 1,  [0xBD] = 3,  [0xBE] = 1,
    [0xC3] = 3,  [0xC4] = 3,  [0xC6] = 1,  [0xC7] = 3,  [0xC8] = 1,  [0xC9] = 1,  [0xCF] = 4,
    [0xD2] = 3,  [0xD3] = 1,  [0xD4] = 2,  [0xD5] = 2,  [0xD6] = 1,  [0xD7] = 1,  [0xE0] = 1,
    [0xE5] = 1,  [0xE6] = 1,  [0xE7] = 1,  [0xE8] = 1,  [0xE9] = 1,  [0xEA] = 1,  [0xEB] = 3,
    [0xF4] = 1,  [0xFC] = 2,  [0xFE] = 1,  [0x100] = 1, [0x101] = 1, [0x105] = 1, [0x109] = 3,
    [0x10A] = 3, [0x10F] = 1, [0x111] = 4, [0x112] = 2, [0x113] = 2, [0x114] = 2, [0x115] = 3,
    [0x116] = 3, [0x117] = 1, [0x118] = 3, [0x119] = 3, [0x11A] = 3, [0x11B] = 1, [0x11C] = 1,
    [0x11D] = 2, [0x11E] = 4, [0x11F] = 3, [0x120] = 2, [0x121] = 4, [0x122] = 3, [0x123] = 3,
    [0x124] = 3, [0x125] = 4, [0x126] = 1, [0x127] = 3, [0x128] = 1, [0x129] = 3, [0x12A] = 1,
    [0x12B] = 2, [0x12C] = 3, [0x12D] = 3, [0x12E] = 4, [0x12F] = 2, [0x130] = 2, [0x131] = 2,
    [0x132] = 2, [0x133] = 2, [0x134] = 2, [0x135] = 3, [0x136] = 2, [0x137] = 2, [0x138] = 2,
    [0x139] = 2, [0x13A] = 2, [0x13B] = 2, [0x13C] = 4, [0x145] = 2, [0x146] = 2, [0x147] = 2,
    [0x148] = 2, [0x14B] = 2, [0x14C] = 2, [0x151] = 2, [0x156] = 1, [0x157] = 1, [0x15A] = 2,
    [0x15B] = 1, [0x15D] = 1, [0x15E] = 4, [0x15F] = 3, [0x160] = 1, [0x161] = 2, [0x168] = 1,
    [0x170] = 1, [0x171] = 1, [0x172] = 1, [0x173] = 1, [0x174] = 1, [0x175] = 1, [0x176] = 1,
    [0x177] = 1, [0x178] = 1, [0x179] = 1, [0x17A] = 1,
};

/* Cetab: command-equivalent functions (PtgFuncVar with fCeFunc set). */
static const char *const cetab_names[] = {
    [0x00] = "BEEP",
    [0x01] = "OPEN",
    [0x02] = "OPEN.LINKS",
    [0x03] = "CLOSE.ALL",
    [0x04] = "SAVE",
    [0x05] = "SAVE.AS",
    [0x06] = "FILE.DELETE",
    [0x07] = "PAGE.SETUP",
    [0x08] = "PRINT",
    [0x09] = "PRINTER.SETUP",
    [0x0A] = "QUIT",
    [0x0B] = "NEW.WINDOW",
    [0x0C] = "ARRANGE.ALL",
    [0x0D] = "WINDOW.SIZE",
    [0x0E] = "WINDOW.MOVE",
    [0x0F] = "FULL",
    [0x10] = "CLOSE",
    [0x11] = "RUN",
    [0x16] = "SET.PRINT.AREA",
    [0x17] = "SET.PRINT.TITLES",
    [0x18] = "SET.PAGE.BREAK",
    [0x19] = "REMOVE.PAGE.BREAK",
    [0x1A] = "FONT",
    [0x1B] = "DISPLAY",
    [0x1C] = "PROTECT.DOCUMENT",
    [0x1D] = "PRECISION",
    [0x1E] = "A1.R1C1",
    [0x1F] = "CALCULATE.NOW",
    [0x20] = "CALCULATION",
    [0x22] = "DATA.FIND",
    [0x23] = "EXTRACT",
    [0x24] = "DATA.DELETE",
    [0x25] = "SET.DATABASE",
    [0x26] = "SET.CRITERIA",
    [0x27] = "SORT",
    [0x28] = "DATA.SERIES",
    [0x29] = "TABLE",
    [0x2A] = "FORMAT.NUMBER",
    [0x2B] = "ALIGNMENT",
    [0x2C] = "STYLE",
    [0x2D] = "BORDER",
    [0x2E] = "CELL.PROTECTION",
    [0x2F] = "COLUMN.WIDTH",
    [0x30] = "UNDO",
    [0x31] = "CUT",
    [0x32] = "COPY",
    [0x33] = "PASTE",
    [0x34] = "CLEAR",
    [0x35] = "PASTE.SPECIAL",
    [0x36] = "EDIT.DELETE",
    [0x37] = "INSERT",
    [0x38] = "FILL.RIGHT",
    [0x39] = "FILL.DOWN",
    [0x3D] = "DEFINE.NAME",
    [0x3E] = "CREATE.NAMES",
    [0x3F] = "FORMULA.GOTO",
    [0x40] = "FORMULA.FIND",
    [0x41] = "SELECT.LAST.CELL",
    [0x42] = "SHOW.ACTIVE.CELL",
    [0x5D] = "HIDE",
    [0x5E] = "UNHIDE",
    [0x5F] = "WORKSPACE",
    [0x60] = "FORMULA",
    [0x61] = "FORMULA.FILL",
    [0x62] = "FORMULA.ARRAY",
    [0x63] = "DATA.FIND.NEXT",
    [0x64] = "DATA.FIND.PREV",
    [0x65] = "FORMULA.FIND.NEXT",
    [0x66] = "FORMULA.FIND.PREV",
    [0x67] = "ACTIVATE",
    [0x68] = "ACTIVATE.NEXT",
    [0x69] = "ACTIVATE.PREV",
    [0x6A] = "UNLOCKED.NEXT",
    [0x6B] = "UNLOCKED.PREV",
    [0x6C] = "COPY.PICTURE",
    [0x6D] = "SELECT",
    [0x6E] = "DELETE.NAME",
    [0x6F] = "DELETE.FORMAT",
    [0x70] = "VLINE",
    [0x71] = "HLINE",
    [0x72] = "VPAGE",
    [0x73] = "HPAGE",
    [0x74] = "VSCROLL",
    [0x75] = "HSCROLL",
    [0x76] = "ALERT",
    [0x77] = "NEW",
    [0x78] = "CANCEL.COPY",
    [0x79] = "SHOW.CLIPBOARD",
    [0x7A] = "MESSAGE",
    [0x7C] = "PASTE.LINK",
    [0x7D] = "APP.ACTIVATE",
    [0x7E] = "DELETE.ARROW",
    [0x7F] = "ROW.HEIGHT",
    [0x80] = "FORMAT.MOVE",
    [0x81] = "FORMAT.SIZE",
    [0x82] = "FORMULA.REPLACE",
    [0x83] = "SEND.KEYS",
    [0x84] = "SELECT.SPECIAL",
    [0x85] = "APPLY.NAMES",
    [0x86] = "REPLACE.FONT",
    [0x87] = "FREEZE.PANES",
    [0x88] = "SHOW.INFO",
    [0x89] = "SPLIT",
    [0x8A] = "ON.WINDOW",
    [0x8B] = "ON.DATA",
    [0x8C] = "DISABLE.INPUT",
    [0x8E] = "OUTLINE",
    [0x8F] = "LIST.NAMES",
    [0x90] = "FILE.CLOSE",
    [0x91] = "SAVE.WORKBOOK",
    [0x92] = "DATA.FORM",
    [0x93] = "COPY.CHART",
    [0x94] = "ON.TIME",
    [0x95] = "WAIT",
    [0x96] = "FORMAT.FONT",
    [0x97] = "FILL.UP",
    [0x98] = "FILL.LEFT",
    [0x99] = "DELETE.OVERLAY",
    [0x9B] = "SHORT.MENUS",
    [0x9F] = "SET.UPDATE.STATUS",
    [0xA1] = "COLOR.PALETTE",
    [0xA2] = "DELETE.STYLE",
    [0xA3] = "WINDOW.RESTORE",
    [0xA4] = "WINDOW.MAXIMIZE",
    [0xA6] = "CHANGE.LINK",
    [0xA7] = "CALCULATE.DOCUMENT",
    [0xA8] = "ON.KEY",
    [0xA9] = "APP.RESTORE",
    [0xAA] = "APP.MOVE",
    [0xAB] = "APP.SIZE",
    [0xAC] = "APP.MINIMIZE",
    [0xAD] = "APP.MAXIMIZE",
    [0xAE] = "BRING.TO.FRONT",
    [0xAF] = "SEND.TO.BACK",
    [0xBB] = "SELECT.END",
    [0xBC] = "OPEN.MAIL",
    [0xBD] = "SEND.MAIL",
    [0xC6] = "GOAL.SEEK",
    [0xC7] = "WORKGROUP",
    [0xC8] = "FILL.GROUP",
    [0xC9] = "UPDATE.LINK",
    [0xCF] = "OBJECT.PROPERTIES",
    [0xD0] = "SAVE.NEW.OBJECT",
    [0xD3] = "DUPLICATE",
    [0xD4] = "APPLY.STYLE",
    [0xD5] = "ASSIGN.TO.OBJECT",
    [0xD6] = "OBJECT.PROTECTION",
    [0xD7] = "HIDE.OBJECT",
    [0xDC] = "SHOW.TOOLBAR",
    [0xE3] = "ON.RECALC",
    [0xE5] = "DEFINE.STYLE",
    [0xF3] = "ENTER.DATA",
    [0xFC] = "PASTE.PICTURE",
    [0xFE] = "SPELLING",
    [0x100] = "ZOOM",
    [0x103] = "INSERT.OBJECT",
    [0x104] = "WINDOW.MINIMIZE",
    [0x109] = "SOUND.NOTE",
    [0x10A] = "SOUND.PLAY",
    [0x116] = "EDIT.OBJECT",
    [0x117] = "ON.DOUBLECLICK",
    [0x118] = "ON.ENTRY",
    [0x119] = "WORKBOOK.ADD",
    [0x11A] = "WORKBOOK.MOVE",
    [0x11B] = "WORKBOOK.COPY",
    [0x11C] = "WORKBOOK.OPTIONS",
    [0x11D] = "SAVE.WORKSPACE",
    [0x123] = "WORKBOOK.SELECT",
    [0x124] = "WORKBOOK.ACTIVATE",
    [0x12E] = "WORKBOOK.NEW",
    [0x144] = "VBAActivate",
    [0x148] = "VBA.INSERT.FILE",
    [0x14A] = "VBA.PROCEDURE.DEFINITION",
    [0x153] = "MAIL.LOGON",
    [0x156] = "INSERT.PICTURE",
    [0x162] = "WORKBOOK.INSERT",
    [0x164] = "OPTIONS.GENERAL",
    [0x17E] = "MACRO.OPTIONS",
    [0x17F] = "WORKBOOK.HIDE",
    [0x180] = "WORKBOOK.UNHIDE",
    [0x181] = "WORKBOOK.DELETE",
    [0x182] = "WORKBOOK.NAME",
    [0x18B] = "SHOW.DIALOG",
    [0x18C] = "SELECT.ALL",
    [0x190] = "RENAME.OBJECT",
    [0x19D] = "WORKBOOK.NEXT",
    [0x19E] = "WORKBOOK.PREV",
    [0x1A1] = "WORKBOOK.PROTECT",
    [0x1B9] = "OPEN.TEXT",
    [0x1BA] = "HIDE.DIALOG",
    [0x1C7] = "SET.CONTROL.VALUE",
    [0x1C8] = "SAVE.COPY.AS",
    [0x1D5] = "APP.ACTIVATE.MICROSOFT",
    [0x1D7] = "ON.SHEET",
    [0x1DA] = "SUMMARY.INFO",
    [0x1DB] = "FIND.FILE",
    [0x1DE] = "VBA.MAKE.ADDIN",
};

#define BIFF_MAX_RECORDS 2000000u     /* records read from one stream */
#define BIFF_MAX_SHEETS 4096u         /* BoundSheet8 records kept */
#define BIFF_MAX_NAMES 65536u         /* Lbl records kept (PtgName targets) */
#define BIFF_MAX_XTI 65536u           /* ExternSheet entries kept */
#define BIFF_MAX_FORMULA (16u * 1024) /* rendering scratch of one formula */
#define BIFF_MAX_STACK 256u           /* operands of one formula */
#define BIFF_MAX_SST_TEXT (8u << 20)  /* decoded shared strings */
#define BIFF_MAX_SST_COUNT 1000000u

#define REC_FORMULA 0x0006
#define REC_EOF 0x000A
#define REC_EXTERNSHEET 0x0017
#define REC_NAME 0x0018
#define REC_FILEPASS 0x002F
#define REC_CONTINUE 0x003C
#define REC_BOUNDSHEET 0x0085
#define REC_SST 0x00FC
#define REC_LABELSST 0x00FD
#define REC_RSTRING 0x00D6
#define REC_SUPBOOK 0x01AE
#define REC_LABEL 0x0204
#define REC_STRING 0x0207
#define REC_SHRFMLA 0x04BC
#define REC_BOF 0x0809

#define BOF_DT_MACRO 0x0040

/* A growing byte string that refuses to pass `max` (sets `full` instead). */
struct sbuf {
    char *p;
    size_t len, cap, max;
    bool full, nomem;
};

struct sheet {
    char *name;    /* UTF-8, owned */
    uint32_t pos;  /* offset of the sheet's BOF in the stream */
    uint8_t state; /* hsState */
    uint8_t dt;
    bool macro;
};

struct xti {
    uint16_t supbook;
    uint16_t first; /* itabFirst */
};

struct biff_state {
    const uint8_t *p;
    size_t len;
    bool biff8;
    bool biff12; /* a lone XLSB formula (sk_xlm_render_biff12): biff8 is set too */
    uint32_t records;
    struct sheet *sheets;
    size_t n_sheets;
    char **names; /* Lbl names in record order (PtgName is 1-based) */
    size_t n_names, cap_names;
    uint32_t *name_pos; /* offset of each Lbl record's body */
    uint16_t *name_len;
    struct xti *xti;
    size_t n_xti;
    uint8_t *supbook_self; /* per SupBook: 1 if it is this workbook */
    size_t n_supbooks, cap_supbooks;
    size_t sst_pos; /* offset of the SST record header, 0 if none */
    bool sst_built;
    struct sbuf sst_text;
    uint32_t *sst_off;
    size_t n_sst;
    struct sbuf autos; /* "Auto_Open=Macro1!R1C1; ..." */
    size_t next_sheet;
    char *scratch; /* BIFF_MAX_FORMULA bytes: operand text of one formula */
    char child_name[160];
};

/* ---- small strings ---------------------------------------------------- */

static bool sb_put(struct sbuf *b, const void *p, size_t n)
{
    if (b->full || b->nomem)
        return false;
    if (n > b->max - b->len) {
        b->full = true;
        return false;
    }
    if (n + 1 > b->cap - b->len) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *grown = realloc(b->p, cap);
        if (!grown) {
            b->nomem = true;
            return false;
        }
        b->p = grown;
        b->cap = cap;
    }
    memcpy(b->p + b->len, p, n);
    b->len += n;
    b->p[b->len] = '\0';
    return true;
}

static bool sb_str(struct sbuf *b, const char *s)
{
    return sb_put(b, s, strlen(s));
}

static bool sb_fmt(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool sb_fmt(struct sbuf *b, const char *fmt, ...)
{
    char tmp[128];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    return n >= 0 && sb_put(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

static void sb_utf8(struct sbuf *b, uint32_t cp)
{
    char out[4];
    size_t n;
    if (cp >= 0xD800 && cp <= 0xDFFF)
        cp = 0xFFFD;
    if (cp < 0x80) {
        out[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        out[0] = (char)(0xC0 | cp >> 6);
        out[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        out[0] = (char)(0xE0 | cp >> 12);
        out[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        out[0] = (char)(0xF0 | cp >> 18);
        out[1] = (char)(0x80 | (cp >> 12 & 0x3F));
        out[2] = (char)(0x80 | (cp >> 6 & 0x3F));
        out[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    sb_put(b, out, n);
}

/* cch characters from r, 16-bit (UTF-16LE) or 8-bit (taken as Latin-1:
 * BIFF5's code page and BIFF8's compressed strings are close enough for
 * reading, and no byte is lost). A quote is doubled when `quote` is set. */
static void sb_chars(struct sbuf *b, struct sk_reader *r, size_t cch, bool wide, bool quote)
{
    for (size_t i = 0; i < cch && !r->err; i++) {
        uint32_t cp = wide ? sk_reader_u16le(r) : sk_reader_u8(r);
        if (r->err)
            break;
        if (wide && cp >= 0xD800 && cp < 0xDC00 && sk_reader_left(r) >= 2 && i + 1 < cch) {
            uint32_t lo = (uint32_t)(r->p[r->pos] | r->p[r->pos + 1] << 8);
            if (lo >= 0xDC00 && lo <= 0xDFFF) {
                sk_reader_skip(r, 2);
                i++;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            }
        }
        if (quote && cp == '"')
            sb_put(b, "\"", 1);
        if (cp < 0x20 && cp != '\t')
            sb_fmt(b, "\\x%02x", (unsigned)cp); /* keep one formula on one line */
        else
            sb_utf8(b, cp);
    }
}

/* BIFF8 ShortXLUnicodeString (cch u8, flags u8) or BIFF5 (cch u8, bytes). */
static void sb_short_string(struct sbuf *b, struct sk_reader *r, bool biff8, bool quote)
{
    size_t cch = sk_reader_u8(r);
    bool wide = biff8 ? (sk_reader_u8(r) & 1) : false;
    sb_chars(b, r, cch, wide, quote);
}

/* BIFF8 XLUnicodeString (cch u16, flags u8) or BIFF5 (cch u16, bytes). */
static void sb_long_string(struct sbuf *b, struct sk_reader *r, bool biff8, bool quote)
{
    size_t cch = sk_reader_u16le(r);
    bool wide = biff8 ? (sk_reader_u8(r) & 1) : false;
    sb_chars(b, r, cch, wide, quote);
}

static char *sb_take(struct sbuf *b)
{
    char *p = b->p;
    if (!p && !b->nomem)
        p = calloc(1, 1);
    memset(b, 0, sizeof *b);
    return p;
}

/* ---- records ------------------------------------------------------------ */

struct record {
    uint16_t type;
    size_t at; /* offset of the body */
    struct sk_reader body;
};

/* The record at r's position: false at the end of the stream, when the
 * length runs past it (err set to SK_ETRUNC) or when the record cap is hit
 * (err set to SK_ELIMIT). */
static bool next_record(struct biff_state *st, struct sk_reader *r, struct record *rec,
                        int *err)
{
    if (sk_reader_left(r) < 4)
        return false;
    if (st->records >= BIFF_MAX_RECORDS) {
        *err = SK_ELIMIT;
        return false;
    }
    st->records++;
    rec->type = sk_reader_u16le(r);
    uint16_t size = sk_reader_u16le(r);
    rec->at = r->pos;
    rec->body = sk_reader_sub(r, size);
    if (r->err) {
        *err = SK_ETRUNC;
        return false;
    }
    return true;
}

static const char *sheet_state_name(uint8_t state)
{
    switch (state & 3) {
    case 0: return "visible";
    case 1: return "hidden";
    case 2: return "very hidden";
    default: return "hidden (state 3)";
    }
}

static const char *builtin_name(uint8_t code)
{
    static const char *const names[] = {
        "Consolidate_Area", "Auto_Open",       "Auto_Close",   "Extract",         "Database",
        "Criteria",         "Print_Area",      "Print_Titles", "Recorder",        "Data_Form",
        "Auto_Activate",    "Auto_Deactivate", "Sheet_Title",  "_FilterDatabase",
    };
    return code < sizeof names / sizeof names[0] ? names[code] : NULL;
}

static int add_sheet(struct biff_state *st, struct sk_reader *body)
{
    if (st->n_sheets >= BIFF_MAX_SHEETS)
        return 0;
    struct sheet sh = {0};
    sh.pos = sk_reader_u32le(body);
    sh.state = sk_reader_u8(body);
    sh.dt = sk_reader_u8(body);
    struct sbuf name = {.max = 1024};
    sb_short_string(&name, body, st->biff8, false);
    if (name.nomem)
        return SK_ENOMEM;
    sh.name = sb_take(&name);
    if (!sh.name)
        return SK_ENOMEM;
    sh.macro = sh.dt == 1;
    st->sheets[st->n_sheets++] = sh;
    return 0;
}

static int grow_names(struct biff_state *st)
{
    size_t cap = st->cap_names ? st->cap_names * 2 : 16;
    char **names = realloc(st->names, cap * sizeof *names);
    if (names)
        st->names = names;
    uint32_t *pos = realloc(st->name_pos, cap * sizeof *pos);
    if (pos)
        st->name_pos = pos;
    uint16_t *len = realloc(st->name_len, cap * sizeof *len);
    if (len)
        st->name_len = len;
    if (!names || !pos || !len)
        return SK_ENOMEM;
    st->cap_names = cap;
    return 0;
}

/* Lbl (2.4.150): the name, kept for PtgName and the Auto_Open report. */
static int add_name(struct biff_state *st, const struct record *rec)
{
    if (st->n_names >= BIFF_MAX_NAMES)
        return 0;
    if (st->n_names == st->cap_names && grow_names(st) != 0)
        return SK_ENOMEM;
    struct sk_reader body = rec->body;
    uint16_t flags = sk_reader_u16le(&body);
    sk_reader_skip(&body, 1); /* chKey */
    size_t cch = sk_reader_u8(&body);
    sk_reader_skip(&body, 10); /* cce, itab and reserved (BIFF8); ixals.. (BIFF5) */
    bool wide = st->biff8 ? (sk_reader_u8(&body) & 1) : false;
    struct sbuf name = {.max = 1024};
    const char *builtin = NULL;
    if (flags & 0x0020) { /* fBuiltin: one character, the built-in code */
        unsigned code = wide ? sk_reader_u16le(&body) : sk_reader_u8(&body);
        builtin = code < 0x100 ? builtin_name((uint8_t)code) : NULL;
        if (builtin)
            sb_str(&name, builtin);
        else
            sb_fmt(&name, "BUILTIN_%u", code);
    } else {
        sb_chars(&name, &body, cch, wide, false);
    }
    if (name.nomem)
        return SK_ENOMEM;
    st->name_pos[st->n_names] = (uint32_t)rec->at;
    st->name_len[st->n_names] = (uint16_t)rec->body.len;
    st->names[st->n_names] = sb_take(&name);
    if (!st->names[st->n_names])
        return SK_ENOMEM;
    st->n_names++;
    return 0;
}

static int add_supbook(struct biff_state *st, struct sk_reader *body)
{
    if (st->n_supbooks == st->cap_supbooks) {
        if (st->cap_supbooks >= BIFF_MAX_XTI)
            return 0;
        size_t cap = st->cap_supbooks ? st->cap_supbooks * 2 : 8;
        uint8_t *grown = realloc(st->supbook_self, cap);
        if (!grown)
            return SK_ENOMEM;
        st->supbook_self = grown;
        st->cap_supbooks = cap;
    }
    sk_reader_skip(body, 2); /* ctab */
    /* This workbook's own SupBook has cch 0x0401 (2.4.271). */
    st->supbook_self[st->n_supbooks++] = sk_reader_u16le(body) == 0x0401;
    return 0;
}

/* A SupBook whose virtual path is "application\x03topic" is a DDE link
 * (MS-XLS 2.4.271, 2.5.277 VirtualPath): office.dde, the command in the
 * detail as "application topic". */
static void check_dde_link(struct sk_unpack *u, struct sk_reader body, bool biff8)
{
    sk_reader_skip(&body, 2); /* ctab */
    uint16_t cch = sk_reader_u16le(&body);
    if (!biff8 || cch == 0 || cch > 0xFF)
        return; /* self-reference, add-in or BIFF5: no virtual path */
    bool wide = sk_reader_u8(&body) & 1;
    char link[256];
    size_t n = 0;
    bool dde = false;
    for (uint16_t i = 0; i < cch && !body.err; i++) {
        uint16_t c = wide ? sk_reader_u16le(&body) : sk_reader_u8(&body);
        dde |= c == 0x03;
        link[n++] = c == 0x03 ? ' ' : c >= 0x20 && c < 0x7f ? (char)c : '.';
    }
    link[n] = '\0';
    if (dde && !body.err)
        sk_unpack_reason(u, "office.dde", "DDE link (SupBook): %s", link);
}

static int read_externsheet(struct biff_state *st, struct sk_reader *body)
{
    if (!st->biff8 || st->xti)
        return 0; /* BIFF5 PtgRef3d carries the sheet index itself */
    size_t n = sk_reader_u16le(body);
    if (n > sk_reader_left(body) / 6)
        n = sk_reader_left(body) / 6;
    st->xti = calloc(n ? n : 1, sizeof *st->xti);
    if (!st->xti)
        return SK_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        st->xti[i].supbook = sk_reader_u16le(body);
        st->xti[i].first = sk_reader_u16le(body);
        sk_reader_skip(body, 2);
    }
    st->n_xti = n;
    return 0;
}

/* ---- formulas ------------------------------------------------------------ */

struct operand {
    uint32_t off, len;
};

/* One formula being rendered: a stack of operand texts in st->scratch. */
struct render {
    struct biff_state *st;
    struct operand stack[BIFF_MAX_STACK];
    size_t depth;
    size_t used;  /* bytes of scratch in use */
    bool failed;  /* an unknown token or a cap: the text ends with "?" */
    int row, col; /* the formula's cell, for shared-formula offsets */
};

/* Operands sit in scratch in stack order (each new one is appended at the
 * end and only the top is popped), so the live ones can be slid down over
 * the dead intermediate texts in place. */
static void rs_compact(struct render *rs)
{
    size_t to = 0;
    for (size_t i = 0; i < rs->depth; i++) {
        struct operand *o = &rs->stack[i];
        memmove(rs->st->scratch + to, rs->st->scratch + o->off, o->len);
        o->off = (uint32_t)to;
        to += o->len;
    }
    rs->used = to;
}

/* Makes room for n more bytes; false (the render fails, the stack is left
 * as it was) when the live text would pass the cap. */
static bool rs_reserve(struct render *rs, size_t n)
{
    if (n <= BIFF_MAX_FORMULA - rs->used)
        return true;
    rs_compact(rs);
    if (n <= BIFF_MAX_FORMULA - rs->used)
        return true;
    rs->failed = true;
    return false;
}

/* Appends text to scratch after rs_reserve. Scratch never moves, so an
 * operand may be copied from it into it. */
static void rs_put(struct render *rs, const char *p, size_t n)
{
    memmove(rs->st->scratch + rs->used, p, n);
    rs->used += n;
}

static void rs_put_operand(struct render *rs, struct operand o)
{
    rs_put(rs, rs->st->scratch + o.off, o.len);
}

/* Replaces the top `pop` operands by the text appended since `start`. */
static void rs_replace(struct render *rs, size_t pop, size_t start)
{
    rs->depth -= pop;
    rs->stack[rs->depth++] = (struct operand){(uint32_t)start, (uint32_t)(rs->used - start)};
}

static bool rs_push_text(struct render *rs, const char *p, size_t n)
{
    if (rs->depth >= BIFF_MAX_STACK) {
        rs->failed = true;
        return false;
    }
    if (!rs_reserve(rs, n))
        return false;
    size_t start = rs->used;
    rs_put(rs, p, n);
    rs->depth++;
    rs_replace(rs, 1, start);
    return true;
}

static bool rs_push(struct render *rs, const char *s)
{
    return rs_push_text(rs, s, strlen(s));
}

/* Pops two operands and pushes "a<op>b". */
static bool rs_binary(struct render *rs, const char *op)
{
    if (rs->depth < 2) {
        rs->failed = true;
        return false;
    }
    size_t n_op = strlen(op);
    if (!rs_reserve(rs, rs->stack[rs->depth - 2].len + n_op + rs->stack[rs->depth - 1].len))
        return false;
    size_t start = rs->used;
    rs_put_operand(rs, rs->stack[rs->depth - 2]);
    rs_put(rs, op, n_op);
    rs_put_operand(rs, rs->stack[rs->depth - 1]);
    rs_replace(rs, 2, start);
    return true;
}

/* Pops one operand and pushes before<operand>after. */
static bool rs_wrap(struct render *rs, const char *before, const char *after)
{
    if (rs->depth < 1) {
        rs->failed = true;
        return false;
    }
    size_t n_before = strlen(before), n_after = strlen(after);
    if (!rs_reserve(rs, n_before + rs->stack[rs->depth - 1].len + n_after))
        return false;
    size_t start = rs->used;
    rs_put(rs, before, n_before);
    rs_put_operand(rs, rs->stack[rs->depth - 1]);
    rs_put(rs, after, n_after);
    rs_replace(rs, 1, start);
    return true;
}

/* Pops argc operands and pushes name(a1,a2,...). Missing operands (a
 * malformed formula) are shown as "?". With user_defined, the first operand
 * is the function's name (Ftab 0xFF). */
static bool rs_call(struct render *rs, const char *name, size_t argc, bool user_defined)
{
    size_t have = argc <= rs->depth ? argc : rs->depth;
    if (have == 0 && rs->depth >= BIFF_MAX_STACK) {
        rs->failed = true;
        return false;
    }
    size_t base = rs->depth - have;
    size_t first = user_defined && have > 0 ? 1 : 0;
    size_t need = (first ? rs->stack[base].len : strlen(name)) + 2 + 2 * (argc - have);
    for (size_t i = first; i < have; i++)
        need += rs->stack[base + i].len + 1;
    if (!rs_reserve(rs, need))
        return false;
    size_t start = rs->used;
    if (first)
        rs_put_operand(rs, rs->stack[base]);
    else
        rs_put(rs, name, strlen(name));
    rs_put(rs, "(", 1);
    size_t shown = 0;
    for (size_t i = have; i < argc; i++, shown++)
        rs_put(rs, shown ? ",?" : "?", shown ? 2 : 1);
    for (size_t i = first; i < have; i++, shown++) {
        if (shown)
            rs_put(rs, ",", 1);
        rs_put_operand(rs, rs->stack[base + i]);
    }
    rs_put(rs, ")", 1);
    if (argc > have)
        rs->failed = true;
    rs->depth = base + 1; /* rs_replace pops that one slot */
    rs_replace(rs, 1, start);
    return true;
}

static char *fmt_small(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static char *fmt_small(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return buf;
}

static const char *function_name(uint16_t index, bool command, char *buf, size_t size)
{
    if (command) {
        if (index < sizeof cetab_names / sizeof cetab_names[0] && cetab_names[index])
            return cetab_names[index];
        return fmt_small(buf, size, "CMD_%u", index);
    }
    if (index < sizeof ftab_names / sizeof ftab_names[0] && ftab_names[index])
        return ftab_names[index];
    return fmt_small(buf, size, "FUNC_%u", index);
}

/* The sheet name a 3-D reference points at, "" when it is not known. */
static const char *sheet_of(const struct biff_state *st, int index)
{
    if (index >= 0 && (size_t)index < st->n_sheets)
        return st->sheets[index].name;
    return NULL;
}

static const char *sheet_of_xti(const struct biff_state *st, uint16_t ixti)
{
    if (ixti >= st->n_xti)
        return NULL;
    const struct xti *x = &st->xti[ixti];
    if (x->supbook < st->n_supbooks && !st->supbook_self[x->supbook])
        return "[external]";
    return sheet_of(st, x->first);
}

/* A cell reference: absolute R1C1, or R[dr]C[dc] for relative offsets
 * (PtgRefN in shared formulas and names). */
static void fmt_cell(char *buf, size_t size, int row, int col, bool row_rel, bool col_rel,
                     bool offsets)
{
    char r[24], c[24];
    if (offsets && row_rel)
        snprintf(r, sizeof r, "R[%d]", row);
    else
        snprintf(r, sizeof r, "R%d", row + 1);
    if (offsets && col_rel)
        snprintf(c, sizeof c, "C[%d]", col);
    else
        snprintf(c, sizeof c, "C%d", col + 1);
    snprintf(buf, size, "%s%s", r, c);
}

/* A BIFF12 column with its relative flags (ColRelShort, [MS-XLSB] 2.5.97.17:
 * 14 bits, fColRel bit 14, fRwRel bit 15); as an offset (RgceLocRel) the 14
 * bits are signed. */
static int col12(uint16_t cl, bool offsets)
{
    int col = cl & 0x3FFF;
    return offsets && (cl & 0x4000) && col >= 0x2000 ? col - 0x4000 : col;
}

/* A BIFF12 row (u32); as a relative offset it is signed. */
static int row12(uint32_t rw, bool offsets, bool rel)
{
    if (offsets && rel)
        return (int32_t)rw;
    return rw > INT32_MAX - 1 ? INT32_MAX - 1 : (int)rw;
}

/* Reads one cell address (RgceLoc): BIFF12 rw u32 + col u16, BIFF8 rw u16 +
 * col u16, with the relative flags in col; BIFF5 rw u16 with the flags in
 * rw + col u8. */
static void read_loc(struct sk_reader *r, const struct biff_state *st, bool offsets, char *buf,
                     size_t size)
{
    int row, col;
    bool row_rel, col_rel;
    bool biff8 = st->biff8;
    if (st->biff12) {
        uint32_t rw = sk_reader_u32le(r);
        uint16_t cl = sk_reader_u16le(r);
        row_rel = cl & 0x8000;
        col_rel = cl & 0x4000;
        row = row12(rw, offsets, row_rel);
        col = col12(cl, offsets);
    } else if (biff8) {
        uint16_t rw = sk_reader_u16le(r), cl = sk_reader_u16le(r);
        row_rel = cl & 0x8000;
        col_rel = cl & 0x4000;
        row = offsets && row_rel ? (int16_t)rw : rw;
        col = offsets && col_rel ? (int8_t)(cl & 0xFF) : (cl & 0x3FFF);
    } else {
        uint16_t rw = sk_reader_u16le(r);
        uint8_t cl = sk_reader_u8(r);
        row_rel = rw & 0x8000;
        col_rel = rw & 0x4000;
        row = rw & 0x3FFF;
        if (offsets && row_rel && (row & 0x2000))
            row -= 0x4000;
        col = offsets && col_rel ? (int8_t)cl : cl;
    }
    fmt_cell(buf, size, row, col, row_rel, col_rel, offsets);
}

static void read_area(struct sk_reader *r, const struct biff_state *st, bool offsets, char *buf,
                      size_t size)
{
    char a[48], b[48];
    bool biff8 = st->biff8;
    if (st->biff12) {
        /* RgceArea ([MS-XLSB] 2.5.97.89): rowFirst, rowLast u32, colFirst, colLast */
        uint32_t r1 = sk_reader_u32le(r), r2 = sk_reader_u32le(r);
        uint16_t c1 = sk_reader_u16le(r), c2 = sk_reader_u16le(r);
        fmt_cell(a, sizeof a, row12(r1, offsets, c1 & 0x8000), col12(c1, offsets), c1 & 0x8000,
                 c1 & 0x4000, offsets);
        fmt_cell(b, sizeof b, row12(r2, offsets, c2 & 0x8000), col12(c2, offsets), c2 & 0x8000,
                 c2 & 0x4000, offsets);
    } else if (biff8) {
        /* RgceArea: rwFirst, rwLast, colFirst, colLast */
        uint16_t r1 = sk_reader_u16le(r), r2 = sk_reader_u16le(r);
        uint16_t c1 = sk_reader_u16le(r), c2 = sk_reader_u16le(r);
        fmt_cell(a, sizeof a, offsets && (c1 & 0x8000) ? (int16_t)r1 : r1,
                 offsets && (c1 & 0x4000) ? (int8_t)(c1 & 0xFF) : (c1 & 0x3FFF), c1 & 0x8000,
                 c1 & 0x4000, offsets);
        fmt_cell(b, sizeof b, offsets && (c2 & 0x8000) ? (int16_t)r2 : r2,
                 offsets && (c2 & 0x4000) ? (int8_t)(c2 & 0xFF) : (c2 & 0x3FFF), c2 & 0x8000,
                 c2 & 0x4000, offsets);
    } else {
        uint16_t r1 = sk_reader_u16le(r), r2 = sk_reader_u16le(r);
        uint8_t c1 = sk_reader_u8(r), c2 = sk_reader_u8(r);
        fmt_cell(a, sizeof a, r1 & 0x3FFF, c1, r1 & 0x8000, r1 & 0x4000, false);
        fmt_cell(b, sizeof b, r2 & 0x3FFF, c2, r2 & 0x8000, r2 & 0x4000, false);
    }
    snprintf(buf, size, "%s:%s", a, b);
}

static bool push_sheet_ref(struct render *rs, const char *sheet, const char *ref)
{
    char buf[256];
    if (sheet)
        snprintf(buf, sizeof buf, "%.100s!%s", sheet, ref);
    else
        snprintf(buf, sizeof buf, "?!%s", ref);
    return rs_push(rs, buf);
}

static bool ptg_string(struct render *rs, struct sk_reader *r)
{
    struct sbuf text = {.max = BIFF_MAX_FORMULA};
    sb_put(&text, "\"", 1);
    if (rs->st->biff12) /* [MS-XLSB] 2.5.97.56 PtgStr: cch u16, UTF-16LE */
        sb_chars(&text, r, sk_reader_u16le(r), true, true);
    else
        sb_short_string(&text, r, rs->st->biff8, true);
    sb_put(&text, "\"", 1);
    bool ok = !text.nomem && !text.full && !r->err && rs_push_text(rs, text.p, text.len);
    free(text.p);
    if (!ok)
        rs->failed = true;
    return ok;
}

static bool ptg_number(struct render *rs, struct sk_reader *r)
{
    uint64_t bits = sk_reader_u64le(r);
    double value;
    memcpy(&value, &bits, sizeof value);
    char buf[40];
    snprintf(buf, sizeof buf, "%.15g", value);
    return rs_push(rs, buf);
}

static bool ptg_error(struct render *rs, uint8_t code)
{
    switch (code) {
    case 0x00: return rs_push(rs, "#NULL!");
    case 0x07: return rs_push(rs, "#DIV/0!");
    case 0x0F: return rs_push(rs, "#VALUE!");
    case 0x17: return rs_push(rs, "#REF!");
    case 0x1D: return rs_push(rs, "#NAME?");
    case 0x24: return rs_push(rs, "#NUM!");
    case 0x2A: return rs_push(rs, "#N/A");
    default: return rs_push(rs, "#ERR?");
    }
}

static bool ptg_func(struct render *rs, struct sk_reader *r, bool var)
{
    char buf[24];
    size_t argc;
    uint16_t index;
    bool command = false;
    if (var) {
        argc = sk_reader_u8(r) & 0x7F;
        uint16_t tab = sk_reader_u16le(r);
        command = tab & 0x8000;
        index = tab & 0x7FFF;
    } else {
        index = sk_reader_u16le(r);
        argc = index < sizeof ftab_fixed_args ? ftab_fixed_args[index] : 0;
    }
    if (r->err)
        return false;
    bool user = !command && index == 0xFF;
    return rs_call(rs, function_name(index, command, buf, sizeof buf), argc, user);
}

static bool ptg_name(struct render *rs, struct sk_reader *r)
{
    const struct biff_state *st = rs->st;
    uint32_t index = st->biff8 ? sk_reader_u32le(r) : sk_reader_u16le(r);
    if (!st->biff8)
        sk_reader_skip(r, 12);
    if (index >= 1 && index <= st->n_names)
        return rs_push(rs, st->names[index - 1]);
    char buf[32];
    return rs_push(rs, fmt_small(buf, sizeof buf, "NAME_%u", (unsigned)index));
}

static bool ptg_namex(struct render *rs, struct sk_reader *r)
{
    uint16_t ixti = sk_reader_u16le(r);
    uint32_t index;
    if (rs->st->biff12) { /* ixti u16, nameindex u32 */
        index = sk_reader_u32le(r);
    } else if (rs->st->biff8) {
        index = sk_reader_u16le(r);
        sk_reader_skip(r, 2);
    } else {
        sk_reader_skip(r, 8);
        index = sk_reader_u16le(r);
        sk_reader_skip(r, 12);
    }
    char buf[40];
    return rs_push(rs, fmt_small(buf, sizeof buf, "EXTERN_NAME(%u,%u)", ixti, (unsigned)index));
}

static bool ptg_ref3d(struct render *rs, struct sk_reader *r, bool area)
{
    const char *sheet;
    if (rs->st->biff8) {
        sheet = sheet_of_xti(rs->st, sk_reader_u16le(r));
    } else {
        int16_t ixals = (int16_t)sk_reader_u16le(r);
        sk_reader_skip(r, 8);
        int16_t first = (int16_t)sk_reader_u16le(r);
        sk_reader_skip(r, 2);
        sheet = ixals < 0 ? sheet_of(rs->st, first) : "[external]";
    }
    char ref[100];
    if (area)
        read_area(r, rs->st, false, ref, sizeof ref);
    else
        read_loc(r, rs->st, false, ref, sizeof ref);
    return !r->err && push_sheet_ref(rs, sheet, ref);
}

/* PtgAttr (2.5.198.31): only AttrSum changes what is shown; AttrChoose
 * carries a jump table to skip. */
static bool ptg_attr(struct render *rs, struct sk_reader *r)
{
    uint8_t flags = sk_reader_u8(r);
    uint16_t w = sk_reader_u16le(r);
    if (flags & 0x04)
        sk_reader_skip(r, ((size_t)w + 1) * 2);
    if (r->err)
        return false;
    if (flags & 0x10)
        return rs_wrap(rs, "SUM(", ")");
    return true;
}

static const char *binary_operator(uint8_t ptg)
{
    static const char *const ops[] = {
        [0x03] = "+", [0x04] = "-",  [0x05] = "*",  [0x06] = "/", [0x07] = "^",
        [0x08] = "&", [0x09] = "<",  [0x0A] = "<=", [0x0B] = "=", [0x0C] = ">=",
        [0x0D] = ">", [0x0E] = "<>", [0x0F] = " ",  [0x10] = ",", [0x11] = ":",
    };
    return ptg < sizeof ops / sizeof ops[0] ? ops[ptg] : NULL;
}

/* Operand tokens that carry a cell or area, by class-free token number. */
static bool ptg_reference(struct render *rs, struct sk_reader *r, uint8_t base)
{
    const struct biff_state *st = rs->st;
    /* the error tokens' sizes: BIFF12 (rows are u32), BIFF8, BIFF5 */
    size_t ref_err = st->biff12 ? 6 : st->biff8 ? 4 : 3;
    size_t area_err = st->biff12 ? 12 : st->biff8 ? 8 : 6;
    size_t ref_err3d = st->biff12 ? 8 : st->biff8 ? 6 : 17;
    size_t area_err3d = st->biff12 ? 14 : st->biff8 ? 10 : 20;
    char ref[100];
    switch (base) {
    case 0x24: read_loc(r, st, false, ref, sizeof ref); break;
    case 0x2C: read_loc(r, st, true, ref, sizeof ref); break;
    case 0x25: read_area(r, st, false, ref, sizeof ref); break;
    case 0x2D: read_area(r, st, true, ref, sizeof ref); break;
    case 0x2A: sk_reader_skip(r, ref_err); return rs_push(rs, "#REF!");
    case 0x2B: sk_reader_skip(r, area_err); return rs_push(rs, "#REF!");
    case 0x3C: sk_reader_skip(r, ref_err3d); return rs_push(rs, "#REF!");
    case 0x3D: sk_reader_skip(r, area_err3d); return rs_push(rs, "#REF!");
    default: return false;
    }
    return !r->err && rs_push(rs, ref);
}

/* A classified token (0x20..0x7F): the class bits do not change the text. */
static bool ptg_classified(struct render *rs, struct sk_reader *r, uint8_t base)
{
    switch (base) {
    case 0x20: /* PtgArray: 7 unused bytes, 14 in BIFF12 */
        sk_reader_skip(r, rs->st->biff12 ? 14 : 7);
        return rs_push(rs, "{array}");
    case 0x21: return ptg_func(rs, r, false);
    case 0x22: return ptg_func(rs, r, true);
    case 0x23: return ptg_name(rs, r);
    case 0x26: /* PtgMemArea, MemErr, MemNoMem: the subexpression follows */
    case 0x27:
    case 0x28: return sk_reader_skip(r, 6) == 0;
    case 0x29:
    case 0x2E:
    case 0x2F: return sk_reader_skip(r, 2) == 0;
    case 0x39: return ptg_namex(rs, r);
    case 0x3A: return ptg_ref3d(rs, r, false);
    case 0x3B: return ptg_ref3d(rs, r, true);
    default: return ptg_reference(rs, r, base);
    }
}

/* One token; false when it is not understood (the formula ends there). */
static bool render_ptg(struct render *rs, struct sk_reader *r)
{
    uint8_t ptg = sk_reader_u8(r);
    char buf[48];
    const char *op = binary_operator(ptg);
    if (op)
        return rs_binary(rs, op);
    if (ptg >= 0x20 && ptg < 0x80)
        return ptg_classified(rs, r, (uint8_t)((ptg & 0x1F) | 0x20));
    switch (ptg) {
    case 0x01: /* PtgExp: the formula is shared (ShrFmla) or an array */
    case 0x02:
        if (rs->st->biff12) { /* BIFF12: the row only (u32) */
            fmt_small(buf, sizeof buf, "R%u", sk_reader_u32le(r) + 1u);
        } else { /* BIFF8 and BIFF5: rw u16, col u16 */
            uint16_t rw = sk_reader_u16le(r), cl = sk_reader_u16le(r);
            fmt_cell(buf, sizeof buf, rw, cl & 0x3FFF, false, false, false);
        }
        return !r->err && rs_push(rs, ptg == 1 ? "SHARED(" : "TABLE(") &&
               rs_wrap(rs, "", buf) && rs_wrap(rs, "", ")");
    case 0x12: return rs_wrap(rs, "+", "");
    case 0x13: return rs_wrap(rs, "-", "");
    case 0x14: return rs_wrap(rs, "", "%");
    case 0x15: return rs_wrap(rs, "(", ")");
    case 0x16: return rs_push(rs, "");
    case 0x17: return ptg_string(rs, r);
    case 0x19: return ptg_attr(rs, r);
    case 0x1C: return ptg_error(rs, sk_reader_u8(r));
    case 0x1D: return rs_push(rs, sk_reader_u8(r) ? "TRUE" : "FALSE");
    case 0x1E: return rs_push(rs, fmt_small(buf, sizeof buf, "%u", sk_reader_u16le(r)));
    case 0x1F: return ptg_number(rs, r);
    default: return false;
    }
}

/* Renders the Rgce in r as "=..." into out. A token not understood (or a
 * cap) ends the text with "?". */
static void render_formula(struct biff_state *st, struct sk_reader *r, struct sbuf *out)
{
    struct render *rs = calloc(1, sizeof *rs);
    if (!rs) {
        out->nomem = true;
        return;
    }
    rs->st = st;
    while (sk_reader_left(r) > 0 && !r->err && !rs->failed)
        if (!render_ptg(rs, r) || r->err)
            rs->failed = true;
    sb_put(out, "=", 1);
    for (size_t i = 0; i < rs->depth; i++) {
        if (i)
            sb_put(out, " ", 1);
        sb_put(out, st->scratch + rs->stack[i].off, rs->stack[i].len);
    }
    if (rs->failed)
        sb_str(out, rs->depth ? " ?" : "?");
    free(rs);
}

/* ---- shared strings --------------------------------------------------- */

/* The SST and its Continue records as one stream: a string's characters may
 * break across a record boundary, where the next record starts with a new
 * flags byte (2.5.293 XLUnicodeRichExtendedString, 2.4.58 Continue). */
struct sst_reader {
    struct biff_state *st;
    struct sk_reader stream; /* records after the SST */
    struct sk_reader cur;    /* the body being read */
    int err;
};

static bool sst_advance(struct sst_reader *sr)
{
    struct record rec;
    if (!next_record(sr->st, &sr->stream, &rec, &sr->err) || rec.type != REC_CONTINUE)
        return false;
    sr->cur = rec.body;
    return true;
}

static bool sst_skip(struct sst_reader *sr, size_t n)
{
    while (n > 0) {
        if (sk_reader_left(&sr->cur) == 0 && !sst_advance(sr))
            return false;
        size_t step = sk_reader_left(&sr->cur) < n ? sk_reader_left(&sr->cur) : n;
        sk_reader_skip(&sr->cur, step);
        n -= step;
    }
    return true;
}

static bool sst_header(struct sst_reader *sr, size_t *cch, uint8_t *flags)
{
    if (sk_reader_left(&sr->cur) < 3 && !(sk_reader_left(&sr->cur) == 0 && sst_advance(sr)))
        return false;
    *cch = sk_reader_u16le(&sr->cur);
    *flags = sk_reader_u8(&sr->cur);
    return !sr->cur.err;
}

static bool sst_string(struct sst_reader *sr, struct sbuf *out)
{
    size_t cch;
    uint8_t flags;
    if (!sst_header(sr, &cch, &flags))
        return false;
    size_t runs = 0, ext = 0;
    if (flags & 0x08)
        runs = sk_reader_u16le(&sr->cur);
    if (flags & 0x04)
        ext = sk_reader_u32le(&sr->cur);
    bool wide = flags & 1;
    while (cch > 0 && !sr->cur.err) {
        if (sk_reader_left(&sr->cur) == 0) {
            if (!sst_advance(sr))
                return false;
            wide = sk_reader_u8(&sr->cur) & 1;
            continue;
        }
        size_t fit = sk_reader_left(&sr->cur) / (wide ? 2 : 1);
        if (fit == 0)
            return false;
        size_t take = fit < cch ? fit : cch;
        sb_chars(out, &sr->cur, take, wide, true);
        cch -= take;
    }
    return !sr->cur.err && sst_skip(sr, runs * 4) && sst_skip(sr, ext);
}

/* Decodes the SST on first use (only a macro sheet's LabelSst needs it). */
static void build_sst(struct biff_state *st)
{
    st->sst_built = true;
    if (!st->sst_pos)
        return;
    struct sst_reader sr = {st, sk_reader_make(st->p, st->len), {0}, 0};
    sk_reader_seek(&sr.stream, st->sst_pos);
    struct record rec;
    if (!next_record(st, &sr.stream, &rec, &sr.err))
        return;
    sr.cur = rec.body;
    sk_reader_skip(&sr.cur, 4); /* cstTotal */
    size_t n = sk_reader_u32le(&sr.cur);
    if (n > BIFF_MAX_SST_COUNT)
        n = BIFF_MAX_SST_COUNT;
    st->sst_off = calloc(n + 1, sizeof *st->sst_off);
    if (!st->sst_off)
        return;
    st->sst_text.max = BIFF_MAX_SST_TEXT;
    for (size_t i = 0; i < n; i++) {
        size_t start = st->sst_text.len;
        if (!sst_string(&sr, &st->sst_text) || st->sst_text.full || st->sst_text.nomem)
            break;
        sb_put(&st->sst_text, "", 0);
        st->sst_off[i] = (uint32_t)start;
        st->sst_off[i + 1] = (uint32_t)st->sst_text.len;
        st->n_sst = i + 1;
    }
}

/* ---- macro sheets ------------------------------------------------------ */

struct sheet_out {
    struct sk_unpack *u;
    struct sk_child *child;
    int rc; /* SK_ELIMIT once the child is full, SK_ENOMEM */
};

static void emit(struct sheet_out *so, const struct sbuf *line)
{
    if (so->rc)
        return;
    if (line->nomem) {
        so->rc = SK_ENOMEM;
        return;
    }
    so->rc = sk_unpack_append(so->u, &so->child->data, line->p ? line->p : "", line->len);
    if (so->rc == 0)
        so->rc = sk_unpack_append(so->u, &so->child->data, "\n", 1);
}

static void cell_prefix(struct sbuf *line, uint16_t row, uint16_t col)
{
    sb_fmt(line, "R%uC%u: ", (unsigned)row + 1, (unsigned)(col & 0x3FFF) + 1);
}

static void emit_formula(struct biff_state *st, struct sheet_out *so, const struct record *rec)
{
    struct sk_reader body = rec->body;
    uint16_t row = sk_reader_u16le(&body), col = sk_reader_u16le(&body);
    sk_reader_skip(&body, 2 + 8 + 2 + 4); /* ixfe, value, flags, chn */
    size_t cce = sk_reader_u16le(&body);
    struct sk_reader rgce =
        sk_reader_sub(&body, cce < sk_reader_left(&body) ? cce : sk_reader_left(&body));
    struct sbuf line = {.max = BIFF_MAX_FORMULA + 64};
    cell_prefix(&line, row, col);
    if (rgce.err)
        sb_str(&line, "=?");
    else
        render_formula(st, &rgce, &line);
    emit(so, &line);
    free(line.p);
}

/* ShrFmla: the shared formula's range, then its Rgce (PtgRefN offsets). */
static void emit_shared(struct biff_state *st, struct sheet_out *so, const struct record *rec)
{
    struct sk_reader body = rec->body;
    uint16_t r1 = sk_reader_u16le(&body), r2 = sk_reader_u16le(&body);
    uint8_t c1 = sk_reader_u8(&body), c2 = sk_reader_u8(&body);
    sk_reader_skip(&body, 2); /* reserved, cUse */
    size_t cce = sk_reader_u16le(&body);
    struct sk_reader rgce =
        sk_reader_sub(&body, cce < sk_reader_left(&body) ? cce : sk_reader_left(&body));
    struct sbuf line = {.max = BIFF_MAX_FORMULA + 64};
    sb_fmt(&line, "SHRFMLA R%uC%u:R%uC%u: ", r1 + 1u, c1 + 1u, r2 + 1u, c2 + 1u);
    render_formula(st, &rgce, &line);
    emit(so, &line);
    free(line.p);
}

static void emit_text_cell(struct biff_state *st, struct sheet_out *so,
                           const struct record *rec)
{
    struct sk_reader body = rec->body;
    uint16_t row = sk_reader_u16le(&body), col = sk_reader_u16le(&body);
    sk_reader_skip(&body, 2);
    struct sbuf line = {.max = 1u << 20};
    cell_prefix(&line, row, col);
    sb_put(&line, "\"", 1);
    if (rec->type == REC_LABELSST) {
        if (!st->sst_built)
            build_sst(st);
        uint32_t index = sk_reader_u32le(&body);
        if (index < st->n_sst)
            sb_put(&line, st->sst_text.p + st->sst_off[index],
                   st->sst_off[index + 1] - st->sst_off[index]);
        else
            sb_fmt(&line, "SST#%u", (unsigned)index);
    } else {
        sb_long_string(&line, &body, st->biff8, true);
    }
    sb_put(&line, "\"", 1);
    emit(so, &line);
    free(line.p);
}

/* String (2.4.268): the cached text result of the formula just before it. */
static void emit_string_result(struct biff_state *st, struct sheet_out *so,
                               const struct record *rec, uint16_t row, uint16_t col)
{
    struct sk_reader body = rec->body;
    struct sbuf line = {.max = 1u << 20};
    cell_prefix(&line, row, col);
    sb_str(&line, "-> \"");
    sb_long_string(&line, &body, st->biff8, true);
    sb_put(&line, "\"", 1);
    emit(so, &line);
    free(line.p);
}

static void emit_autos(struct biff_state *st, struct sheet_out *so)
{
    if (!st->autos.len)
        return;
    struct sbuf line = {.max = st->autos.len + 16};
    sb_str(&line, "NAMES: ");
    sb_put(&line, st->autos.p, st->autos.len);
    emit(so, &line);
    free(line.p);
}

/* Walks one macro sheet's substream into the child's text. Returns 0, or
 * SK_ETRUNC/SK_ELIMIT for a sheet that ends early (what was read is kept). */
static int walk_sheet(struct biff_state *st, struct sk_unpack *u, const struct sheet *sh,
                      struct sheet_out *so)
{
    struct sk_reader r = sk_reader_make(st->p, st->len);
    if (sk_reader_seek(&r, sh->pos) != 0)
        return SK_ETRUNC;
    struct record rec;
    int err = 0;
    unsigned depth = 0;
    uint16_t last_row = 0, last_col = 0;
    bool ended = false;
    emit_autos(st, so);
    while (so->rc == 0 && next_record(st, &r, &rec, &err)) {
        if ((st->records & 0xFFF) == 0 && sk_unpack_expired(u))
            return SK_ELIMIT;
        if (rec.type == REC_BOF) {
            depth++;
        } else if (rec.type == REC_EOF) {
            ended = depth <= 1;
            if (ended)
                break;
            depth--;
        } else if (depth == 1 && rec.type == REC_FORMULA) {
            struct sk_reader cell = rec.body;
            last_row = sk_reader_u16le(&cell);
            last_col = sk_reader_u16le(&cell);
            emit_formula(st, so, &rec);
        } else if (depth == 1 && rec.type == REC_STRING) {
            emit_string_result(st, so, &rec, last_row, last_col);
        } else if (depth == 1 && rec.type == REC_SHRFMLA) {
            emit_shared(st, so, &rec);
        } else if (depth == 1 && (rec.type == REC_LABEL || rec.type == REC_LABELSST ||
                                  rec.type == REC_RSTRING)) {
            emit_text_cell(st, so, &rec);
        }
        if (depth == 0)
            break; /* no BOF where the sheet should start */
    }
    /* A sheet that stops before its EOF was cut short (or its BoundSheet8
     * offset is wrong): what was read is kept, the sheet is reported. */
    return err ? err : so->rc == 0 && !ended ? SK_ETRUNC : 0;
}

/* ---- the workbook globals ------------------------------------------------ */

static bool is_auto_name(const char *name)
{
    return strncasecmp(name, "auto_open", 9) == 0 || strncasecmp(name, "auto_close", 10) == 0;
}

/* Renders "Auto_Open=Macro1!R1C1" for each Auto_Open/Auto_Close name, once
 * the sheets and ExternSheet are known. */
static void collect_autos(struct biff_state *st)
{
    st->autos.max = 4096;
    for (size_t i = 0; i < st->n_names; i++) {
        if (!is_auto_name(st->names[i]))
            continue;
        struct sk_reader body = sk_reader_make(st->p + st->name_pos[i], st->name_len[i]);
        uint16_t flags = sk_reader_u16le(&body);
        sk_reader_skip(&body, 1);
        size_t cch = sk_reader_u8(&body);
        size_t cce = sk_reader_u16le(&body);
        sk_reader_skip(&body, 8);
        bool wide = st->biff8 ? (sk_reader_u8(&body) & 1) : false;
        sk_reader_skip(&body, ((flags & 0x0020) ? 1 : cch) * (wide ? 2 : 1));
        struct sk_reader rgce =
            sk_reader_sub(&body, cce < sk_reader_left(&body) ? cce : sk_reader_left(&body));
        if (st->autos.len)
            sb_str(&st->autos, "; ");
        sb_str(&st->autos, st->names[i]);
        if (!rgce.err && cce)
            render_formula(st, &rgce, &st->autos);
    }
}

static int globals_record(struct biff_state *st, struct sk_unpack *u, const struct record *rec)
{
    struct sk_reader body = rec->body;
    switch (rec->type) {
    case REC_FILEPASS:
        sk_unpack_mark_encrypted(u, NULL);
        sk_unpack_reason(u, "encrypted.unopened", "BIFF workbook is encrypted (FILEPASS)");
        return SK_EENCRYPTED;
    case REC_BOUNDSHEET: return add_sheet(st, &body);
    case REC_NAME: return add_name(st, rec);
    case REC_SUPBOOK: check_dde_link(u, rec->body, st->biff8); return add_supbook(st, &body);
    case REC_EXTERNSHEET: return read_externsheet(st, &body);
    case REC_SST:
        if (!st->sst_pos)
            st->sst_pos = rec->at - 4;
        return 0;
    default: return 0;
    }
}

/* The first BOF: BIFF8 (vers 0x0600) or BIFF5/7 (0x0500), globals. */
static int read_first_bof(struct biff_state *st, struct sk_unpack *u, struct sk_reader *r)
{
    struct record rec;
    int err = 0;
    if (!next_record(st, r, &rec, &err) || rec.type != REC_BOF) {
        sk_unpack_fail(u, "biff", SK_ECORRUPT, "the stream does not start with a BIFF5/8 BOF");
        return SK_ECORRUPT;
    }
    uint16_t vers = sk_reader_u16le(&rec.body);
    if (vers != 0x0600 && vers != 0x0500) {
        sk_unpack_fail(u, "biff", SK_EUNSUPPORTED, "BIFF version 0x%04x is not read", vers);
        return SK_EUNSUPPORTED;
    }
    st->biff8 = vers == 0x0600;
    return 0;
}

static int walk_globals(struct biff_state *st, struct sk_unpack *u)
{
    struct sk_reader r = sk_reader_make(st->p, st->len);
    int rc = read_first_bof(st, u, &r);
    struct record rec;
    int err = 0;
    bool ended = false;
    while (rc == 0 && !ended && next_record(st, &r, &rec, &err)) {
        ended = rec.type == REC_EOF;
        if (!ended)
            rc = globals_record(st, u, &rec);
    }
    if (rc == 0 && (err == SK_ETRUNC || (err == 0 && !ended)))
        sk_unpack_fail(u, "biff", SK_ETRUNC,
                       "the workbook globals end before their EOF record");
    else if (rc == 0 && err == SK_ELIMIT)
        sk_unpack_reason(u, "limit.nodes", "more than %u BIFF records; the rest is not read",
                         BIFF_MAX_RECORDS);
    return rc;
}

/* A sheet whose own BOF says "macro sheet" is one, whatever BoundSheet says. */
static void check_sheet_bof(struct biff_state *st, struct sheet *sh)
{
    struct sk_reader r = sk_reader_make(st->p, st->len);
    if (sk_reader_seek(&r, sh->pos) != 0 || sk_reader_left(&r) < 8)
        return;
    uint16_t type = sk_reader_u16le(&r);
    sk_reader_skip(&r, 4); /* size, vers */
    uint16_t dt = sk_reader_u16le(&r);
    if (type == REC_BOF && dt == BOF_DT_MACRO)
        sh->macro = true;
}

static void report_sheets(struct biff_state *st, struct sk_unpack *u)
{
    for (size_t i = 0; i < st->n_sheets; i++) {
        struct sheet *sh = &st->sheets[i];
        check_sheet_bof(st, sh);
        if (sh->state & 3)
            sk_unpack_reason(u, "office.hidden_sheet", "sheet \"%s\" is %s%s", sh->name,
                             sheet_state_name(sh->state), sh->macro ? " (macro sheet)" : "");
        if (sh->macro)
            sk_unpack_reason(u, "macro.xlm", "Excel 4.0 macro sheet \"%s\" (%s)%s%s", sh->name,
                             sheet_state_name(sh->state), st->autos.len ? "; " : "",
                             st->autos.len ? st->autos.p : "");
    }
}

/* ---- the unpacker -------------------------------------------------------- */

static int probe(const struct sk_node *node)
{
    return node->type == SK_TYPE_BIFF ? 70 : 0;
}

static void close_biff(void *state)
{
    struct biff_state *st = state;
    if (!st)
        return;
    for (size_t i = 0; i < st->n_sheets; i++)
        free(st->sheets[i].name);
    for (size_t i = 0; i < st->n_names; i++)
        free(st->names[i]);
    free(st->sheets);
    free(st->names);
    free(st->name_pos);
    free(st->name_len);
    free(st->xti);
    free(st->supbook_self);
    free(st->sst_text.p);
    free(st->sst_off);
    free(st->autos.p);
    free(st->scratch);
    free(st);
}

static struct biff_state *state_new(const struct sk_node *node)
{
    struct biff_state *st = calloc(1, sizeof *st);
    if (!st)
        return NULL;
    st->p = node->data.p;
    st->len = node->data.len;
    st->sheets = calloc(BIFF_MAX_SHEETS, sizeof *st->sheets);
    st->scratch = malloc(BIFF_MAX_FORMULA);
    if (!st->sheets || !st->scratch) {
        close_biff(st);
        return NULL;
    }
    return st;
}

static int open_biff(struct sk_unpack *u, void **out)
{
    struct biff_state *st = state_new(u->node);
    if (!st)
        return SK_ENOMEM;
    int rc = walk_globals(st, u);
    if (rc == SK_ENOMEM)
        sk_unpack_fail(u, "biff", SK_ENOMEM, "out of memory reading the workbook globals");
    if (rc == 0) {
        collect_autos(st);
        report_sheets(st, u);
    }
    /* An encrypted or unreadable workbook has been reported; it has no
     * children, but close still runs. */
    if (rc != 0)
        st->next_sheet = st->n_sheets;
    *out = st;
    return 0;
}

static int next_biff(struct sk_unpack *u, void *state, struct sk_child *child)
{
    struct biff_state *st = state;
    while (st->next_sheet < st->n_sheets && !st->sheets[st->next_sheet].macro)
        st->next_sheet++;
    if (st->next_sheet >= st->n_sheets || u->stop || sk_unpack_expired(u))
        return SK_DONE;
    const struct sheet *sh = &st->sheets[st->next_sheet++];
    int n = snprintf(st->child_name, sizeof st->child_name, "XLM/%s", sh->name);
    child->name = st->child_name;
    child->name_len = n < 0                               ? 0
                      : (size_t)n < sizeof st->child_name ? (size_t)n
                                                          : sizeof st->child_name - 1;
    child->type = SK_TYPE_XLM;
    struct sheet_out so = {u, child, 0};
    int err = walk_sheet(st, u, sh, &so);
    if (so.rc == SK_ENOMEM) {
        sk_buf_release(&child->data);
        sk_unpack_fail(u, "biff", SK_ENOMEM, "out of memory rendering macro sheet formulas");
        return SK_ENOMEM;
    }
    if (so.rc == SK_ELIMIT || err == SK_ELIMIT)
        child->truncated = true;
    if (err == SK_ETRUNC)
        sk_unpack_fail(u, "biff", SK_ETRUNC,
                       "macro sheet \"%s\" ends before its EOF record (cut short or misplaced)",
                       sh->name);
    return 0;
}

/* ---- BIFF12 formulas for ooxml.c ------------------------------------------ */

int sk_xlm_render_biff12(const uint8_t *rgce, size_t len, char *out, size_t cap,
                         size_t *out_len)
{
    int rc = 0;
    *out_len = 0;
    struct sbuf text = {.max = cap > 0 ? cap - 1 : 0};
    /* a workbook without sheets, names or SupBooks: references to them are
     * shown as "?!R1C1" and NAME_<n>, which is all an .xlsb part tells */
    struct biff_state *st = calloc(1, sizeof *st);
    if (!st || !(st->scratch = malloc(BIFF_MAX_FORMULA))) {
        rc = SK_ENOMEM;
        goto out;
    }
    st->biff8 = true;
    st->biff12 = true;
    struct sk_reader r = sk_reader_make(rgce, len);
    render_formula(st, &r, &text);
    if (text.nomem) {
        rc = SK_ENOMEM;
        goto out;
    }
    if (cap > 0) {
        memcpy(out, text.p ? text.p : "", text.len);
        out[text.len] = '\0';
        *out_len = text.len;
    }
out:
    free(text.p);
    close_biff(st);
    return rc;
}

const struct sk_unpacker sk_unpacker_biff = {
    .name = "biff",
    .probe = probe,
    .open = open_biff,
    .next = next_biff,
    .close = close_biff,
};
