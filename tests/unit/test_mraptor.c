/* mraptor's rule over VBA source: which flags and keywords each input
 * raises, word boundaries, line continuations, and linear time on a
 * hostile input. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "unpackers/mraptor.h"

static unsigned scan(const char *src, char *keywords, size_t cap)
{
    if (keywords)
        keywords[0] = '\0';
    return sk_mraptor_scan(src, strlen(src), keywords, cap);
}

static void test_autoexec_and_execute(void)
{
    char kw[256];
    unsigned f = scan("Sub AutoOpen()\r\n  Shell \"calc.exe\"\r\nEnd Sub\r\n", kw, sizeof kw);
    CHECK_EQ_INT(f, SK_MRAPTOR_AUTOEXEC | SK_MRAPTOR_EXECUTE);
    CHECK(SK_MRAPTOR_FIRES(f));
    CHECK_EQ_STR(kw, "AutoOpen,Shell");
}

static void test_case_and_prefix(void)
{
    char kw[256];
    /* mraptor puts no \b after the fixed names: Document_OpenX still counts */
    CHECK_EQ_INT(scan("private sub document_openx()", kw, sizeof kw), SK_MRAPTOR_AUTOEXEC);
    CHECK_EQ_STR(kw, "Document_Open");
    CHECK_EQ_INT(
        scan("Sub Workbook_Open()\nCreateObject(\"WScript.Shell\").Run x", kw, sizeof kw),
        SK_MRAPTOR_AUTOEXEC | SK_MRAPTOR_EXECUTE);
    CHECK_EQ_STR(kw, "Workbook_Open,CreateObject,Shell,Run");
    /* but a leading \b: MyAutoOpen is not AutoOpen */
    CHECK_EQ_INT(scan("Sub MyAutoOpen()", NULL, 0), 0);
}

static void test_event_handlers(void)
{
    char kw[256];
    CHECK_EQ_INT(scan("Private Sub CommandButton1_Click()\n Kill \"x\"", kw, sizeof kw),
                 SK_MRAPTOR_AUTOEXEC | SK_MRAPTOR_WRITE);
    CHECK_EQ_STR(kw, "CommandButton1_Click,Kill");
    CHECK_EQ_INT(scan("Sub InkPicture1_Painted()", NULL, 0), SK_MRAPTOR_AUTOEXEC);
    /* every distinct handler is listed */
    CHECK_EQ_INT(
        scan("Sub Frame1_Click()\nSub TabStrip1_Change()\nSub Frame1_Click()", kw, sizeof kw),
        SK_MRAPTOR_AUTOEXEC);
    CHECK_EQ_STR(kw, "Frame1_Click,TabStrip1_Change");
    CHECK_EQ_INT(scan("Sub _Click()", NULL, 0), 0); /* \w+ needs a character before _ */
    CHECK_EQ_INT(scan("x = Auto_Ope", NULL, 0), SK_MRAPTOR_AUTOEXEC);
}

static void test_write(void)
{
    char kw[256];
    CHECK_EQ_INT(scan("Open f For Output As #1", kw, sizeof kw), SK_MRAPTOR_WRITE);
    CHECK_EQ_STR(kw, "Open Output");
    CHECK_EQ_INT(scan("Open f For Input As #1", NULL, 0), 0);
    /* the mode must follow Open on the same line ... */
    CHECK_EQ_INT(scan("Output = 1\nOpen f", NULL, 0), 0);
    CHECK_EQ_INT(scan("Open f\nFor Binary", NULL, 0), 0);
    /* ... where " _" continues a line */
    CHECK_EQ_INT(scan("Open f _\r\n For Binary As #2", NULL, 0), SK_MRAPTOR_WRITE);
    CHECK_EQ_INT(scan("Set s = CreateObject(\"ADODB.Stream\")", kw, sizeof kw),
                 SK_MRAPTOR_WRITE | SK_MRAPTOR_EXECUTE);
    CHECK_EQ_STR(kw, "CreateObject,ADODB.Stream");
    CHECK_EQ_INT(scan("x.SaveToFile p, 2", NULL, 0), SK_MRAPTOR_WRITE);
    CHECK_EQ_INT(scan("URLDownloadToFileA 0, u, p, 0, 0", NULL, 0), SK_MRAPTOR_WRITE);
    CHECK_EQ_INT(scan("Killer = 1: Skill = 2", NULL, 0), 0);
}

static void test_execute(void)
{
    char kw[256];
    CHECK_EQ_INT(scan("Private Declare PtrSafe Function X Lib \"kernel32\" ()", kw, sizeof kw),
                 SK_MRAPTOR_EXECUTE);
    CHECK_EQ_STR(kw, "Declare Lib");
    CHECK_EQ_INT(scan("Lib Declare", NULL, 0), 0);
    CHECK_EQ_INT(scan("ExecuteExcel4Macro \"EXEC(1)\"", NULL, 0), SK_MRAPTOR_EXECUTE);
    CHECK_EQ_INT(scan("Shellfish = 1", NULL, 0), 0);
}

static void test_benign(void)
{
    unsigned f = scan("Sub Hello()\r\n  MsgBox \"Hello\"\r\nEnd Sub\r\n", NULL, 0);
    CHECK_EQ_INT(f, 0);
    CHECK(!SK_MRAPTOR_FIRES(SK_MRAPTOR_WRITE | SK_MRAPTOR_EXECUTE));
    CHECK(!SK_MRAPTOR_FIRES(SK_MRAPTOR_AUTOEXEC));
}

static void test_keyword_list(void)
{
    char kw[256] = "AutoOpen";
    /* a later module appends, and does not repeat what is listed */
    sk_mraptor_scan("Sub AutoOpen(): Shell x: Shell y", 32, kw, sizeof kw);
    CHECK_EQ_STR(kw, "AutoOpen,Shell");
    char small[8] = "";
    CHECK_EQ_INT(sk_mraptor_scan("AutoOpen Shell", 14, small, sizeof small),
                 SK_MRAPTOR_AUTOEXEC | SK_MRAPTOR_EXECUTE);
    CHECK(strlen(small) < sizeof small); /* what does not fit is left out */
    /* not NUL-terminated input: only len bytes are read */
    char raw[5] = {'K', 'i', 'l', 'l', 'X'};
    CHECK_EQ_INT(sk_mraptor_scan(raw, 4, NULL, 0), SK_MRAPTOR_WRITE);
}

/* Hostile shapes: one huge word of underscores, many distinct handlers,
 * endless Open lines. Each must take about as long as a plain scan. */
static void test_linear(void)
{
    size_t n = 2u << 20;
    char *big = malloc(n);
    CHECK(big != NULL);
    if (!big)
        return;
    memset(big, '_', n);
    clock_t t0 = clock();
    sk_mraptor_scan(big, n, NULL, 0);
    for (size_t i = 0; i + 8 < n; i += 8)
        memcpy(big + i, "a_Click ", 8);
    char kw[256] = "";
    CHECK_EQ_INT(sk_mraptor_scan(big, n, kw, sizeof kw), SK_MRAPTOR_AUTOEXEC);
    for (size_t i = 0; i + 5 < n; i += 5)
        memcpy(big + i, "Open ", 5);
    CHECK_EQ_INT(sk_mraptor_scan(big, n, NULL, 0), 0);
    double seconds = (double)(clock() - t0) / CLOCKS_PER_SEC;
    CHECK(seconds < 5.0);
    free(big);
}

int main(void)
{
    test_autoexec_and_execute();
    test_case_and_prefix();
    test_event_handlers();
    test_write();
    test_execute();
    test_benign();
    test_keyword_list();
    test_linear();
    return check_exit("test_mraptor");
}
