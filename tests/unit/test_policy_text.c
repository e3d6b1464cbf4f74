/* The verdict policy (defaults, overrides, refusals) and the text helpers
 * that clean names from the input. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "engine/error.h"
#include "engine/policy.h"
#include "engine/text.h"

static int load(const char *text, struct sk_policy **out, char *err, size_t len)
{
    char *path = check_write_temp(text);
    int rc = sk_policy_load(path, out, err, len);
    unlink(path);
    return rc;
}

static void defaults_fail_closed(void)
{
    struct sk_policy *p = NULL;
    char err[256];
    CHECK_EQ_INT(sk_policy_load(NULL, &p, err, sizeof err), 0);
    CHECK_EQ_INT(sk_policy_verdict(p, "limit.depth"), SK_VERDICT_SANDBOX);
    CHECK_EQ_INT(sk_policy_verdict(p, "encrypted.unopened"), SK_VERDICT_SANDBOX);
    CHECK_EQ_INT(sk_policy_verdict(p, "no.such.code"), SK_VERDICT_SANDBOX);
    size_t n;
    const struct sk_reason_info *table = sk_reason_table(&n);
    for (size_t i = 0; i < n; i++)
        if (table[i].fail_closed)
            CHECK(table[i].verdict != SK_VERDICT_PASS);
    sk_policy_free(p);
}

static void overrides_apply_last_wins(void)
{
    struct sk_policy *p = NULL;
    char err[256] = "";
    int rc = load("# raise every limit to block\nlimit.* = block\nlimit.time = sandbox\n"
                  "content.unknown = pass\n",
                  &p, err, sizeof err);
    CHECK_EQ_INT(rc, 0);
    CHECK_EQ_INT(sk_policy_verdict(p, "limit.depth"), SK_VERDICT_BLOCK);
    CHECK_EQ_INT(sk_policy_verdict(p, "limit.time"), SK_VERDICT_SANDBOX);
    CHECK_EQ_INT(sk_policy_verdict(p, "content.unknown"), SK_VERDICT_PASS);
    CHECK_EQ_INT(sk_policy_verdict(p, "error.corrupt"), SK_VERDICT_SANDBOX);
    sk_policy_free(p);
}

static void refusals(void)
{
    struct sk_policy *p = NULL;
    char err[256] = "";
    CHECK_EQ_INT(load("error.corrupt = pass\n", &p, err, sizeof err), SK_EINVAL);
    CHECK(strstr(err, "fails closed") != NULL);
    CHECK_EQ_INT(load("limit.* = pass\n", &p, err, sizeof err), SK_EINVAL);
    CHECK_EQ_INT(load("macro.typo = block\n", &p, err, sizeof err), SK_EINVAL);
    CHECK(strstr(err, "unknown reason code") != NULL);
    CHECK_EQ_INT(load("yara.match = maybe\n", &p, err, sizeof err), SK_EINVAL);
    CHECK_EQ_INT(load("no equals sign\n", &p, err, sizeof err), SK_EINVAL);
    CHECK(p == NULL);
}

static void utf8_is_cleaned(void)
{
    char out[64];
    CHECK_EQ_INT(sk_utf8_sanitize("plain.txt", 9, out, sizeof out - 1), 9);
    CHECK_EQ_STR(out, "plain.txt");
    sk_utf8_sanitize("\xe8\xab\x8b\xe6\xb1\x82.zip", 10, out, sizeof out - 1);
    CHECK_EQ_STR(out, "\xe8\xab\x8b\xe6\xb1\x82.zip"); /* 請求.zip kept */
    sk_utf8_sanitize("a\xff"
                     "b",
                     3, out, sizeof out - 1);
    CHECK_EQ_STR(out, "a\xef\xbf\xbd"
                      "b");
    sk_utf8_sanitize("\xc0\xaf", 2, out, sizeof out - 1); /* overlong '/' */
    CHECK_EQ_STR(out, "\xef\xbf\xbd\xef\xbf\xbd");
    sk_utf8_sanitize("\xed\xa0\x80", 3, out, sizeof out - 1); /* a surrogate */
    CHECK(strstr(out, "\xed\xa0\x80") == NULL);
    sk_utf8_sanitize("a\0b", 3, out, sizeof out - 1);
    CHECK_EQ_STR(out, "ab");
    /* A character is never cut in half at the limit. */
    CHECK_EQ_INT(sk_utf8_sanitize("ab\xe8\xab\x8b", 5, out, 4), 2);
}

static void names_are_decoded(void)
{
    char out[64];
    /* 請求書.doc in CP932, as Explorer and Lhaplus store it. */
    static const char cp932[] = "\x90\xbf\x8b\x81\x8f\x91.doc";
    sk_name_decode(cp932, sizeof cp932 - 1, false, out, sizeof out - 1);
    CHECK_EQ_STR(out, "\xe8\xab\x8b\xe6\xb1\x82\xe6\x9b\xb8.doc");
    /* ... but not where the format said the name is UTF-8. */
    sk_name_decode(cp932, sizeof cp932 - 1, true, out, sizeof out - 1);
    CHECK(strstr(out, "\xef\xbf\xbd") != NULL);
    /* Valid UTF-8 is never read as CP932 (it would decode: 隲区ｱよ嶌). */
    sk_name_decode("\xe8\xab\x8b\xe6\xb1\x82\xe6\x9b\xb8.doc", 13, false, out, sizeof out - 1);
    CHECK_EQ_STR(out, "\xe8\xab\x8b\xe6\xb1\x82\xe6\x9b\xb8.doc");
    /* A lead byte without its trail, 0xFF: neither, so escaped. */
    sk_name_decode("\xff\x81 .txt", 7, false, out, sizeof out - 1);
    CHECK_EQ_STR(out, "\xef\xbf\xbd\xef\xbf\xbd .txt");
    sk_name_decode("a\x90", 2, false, out, sizeof out - 1); /* cut after a lead byte */
    CHECK_EQ_STR(out, "a\xef\xbf\xbd");
    /* 表 is 0x95 0x5C: the '\\' is its second byte, not a separator. */
    sk_name_decode("\x95\x5c.txt", 6, false, out, sizeof out - 1);
    CHECK_EQ_STR(out, "\xe8\xa1\xa8.txt");
    /* Cut at the limit, never inside a character. */
    CHECK_EQ_INT(sk_name_decode(cp932, sizeof cp932 - 1, false, out, 4), 3);
    CHECK_EQ_INT(sk_name_decode("", 0, false, out, 4), 0);
}

static void passwords_in_cp932(void)
{
    size_t len = 0;
    /* さくら2022: the bytes Lhaplus keys ZipCrypto with. */
    char *b = sk_text_to_cp932("\xe3\x81\x95\xe3\x81\x8f\xe3\x82\x89"
                               "2022",
                               13, &len);
    CHECK(b != NULL);
    CHECK_EQ_INT(len, 10);
    CHECK(b && memcmp(b,
                      "\x82\xb3\x82\xad\x82\xe7"
                      "2022",
                      10) == 0);
    free(b);
    CHECK(sk_text_to_cp932("S3cret-pw", 9, &len) == NULL);        /* ASCII: one form */
    CHECK(sk_text_to_cp932("\xf0\x9f\x98\x80", 4, &len) == NULL); /* no CP932 emoji */
    CHECK(sk_text_to_cp932("\xff", 1, &len) == NULL);
}

static void unsafe_names(void)
{
    CHECK(sk_name_is_unsafe("../x"));
    CHECK(sk_name_is_unsafe("a/../../x"));
    CHECK(sk_name_is_unsafe("a\\..\\x"));
    CHECK(sk_name_is_unsafe("/etc/passwd"));
    CHECK(sk_name_is_unsafe("\\\\server\\share"));
    CHECK(sk_name_is_unsafe("C:\\Windows\\x.exe"));
    CHECK(sk_name_is_unsafe(".."));
    CHECK(!sk_name_is_unsafe("dir/file..txt"));
    CHECK(!sk_name_is_unsafe("..."));
    CHECK(!sk_name_is_unsafe("a/b/c.txt"));
}

int main(void)
{
    defaults_fail_closed();
    overrides_apply_last_wins();
    refusals();
    utf8_is_cleaned();
    names_are_decoded();
    passwords_in_cp932();
    unsafe_names();
    return check_exit("policy_text");
}
