/* MSI stream and table names decoded (unpackers/msi_name.c). The encoded
 * names are the directory entries of an MSI that msitools' wixl 0.101
 * wrote (read back with olefile); the decoded ones are what msitools'
 * msiinfo lists for it (`msiinfo streams`, `msiinfo tables`, with the '!'
 * that marks a table's stream). */
#include <glib.h>
#include <string.h>

#include "check.h"
#include "engine/error.h"
#include "unpackers/msi_name.h"

struct sample {
    const gunichar2 encoded[24]; /* UTF-16, as MS-CFB stores the name */
    const char *decoded;
};

static const struct sample wixl_names[] = {
    {{0x4126, 0x3865, 0x41be, 0x4164}, "cab1.cab"},
    {{0x4840, 0x3b3f, 0x43f2, 0x4438, 0x45b1}, "!_Columns"},
    {{0x4840, 0x3f3f, 0x4577, 0x446c, 0x3b6a, 0x45e4, 0x4824}, "!_StringData"},
    {{0x4840, 0x3f3f, 0x4577, 0x446c, 0x3e6a, 0x44b2, 0x482f}, "!_StringPool"},
    {{0x4840, 0x3f7f, 0x4164, 0x422f, 0x4836}, "!_Tables"},
    {{0x4840, 0x41ca, 0x4330, 0x3bb1, 0x423b, 0x4626, 0x4237, 0x421c, 0x4634, 0x4468, 0x4226},
     "!AdminExecuteSequence"},
    {{0x4840, 0x420f, 0x45e4, 0x4578, 0x4828}, "!Feature"},
    {{0x4840, 0x4216, 0x4327, 0x4824}, "!Media"},
    {{0x4840, 0x430f, 0x422f}, "!File"},
    {{0x4840, 0x4596, 0x3bec, 0x43ec, 0x3c68, 0x45a4, 0x482b}, "!MsiFileHash"},
    /* not packed: copied as it is */
    {{0x0005, 'S', 'u', 'm', 'm', 'a', 'r', 'y', 'I', 'n', 'f', 'o', 'r', 'm', 'a', 't', 'i',
      'o', 'n'},
     "\005SummaryInformation"},
};

static char *utf8_of(const gunichar2 *name)
{
    glong n = 0;
    while (n < 24 && name[n])
        n++;
    return g_utf16_to_utf8(name, n, NULL, NULL, NULL);
}

static void test_wixl_names(void)
{
    for (size_t i = 0; i < sizeof wixl_names / sizeof wixl_names[0]; i++) {
        char *in = utf8_of(wixl_names[i].encoded);
        char out[64];
        CHECK_EQ_INT(sk_msi_name_decode(in, strlen(in), out, strlen(in) + 1), 0);
        CHECK_EQ_STR(out, wixl_names[i].decoded);
        g_free(in);
    }
}

static void test_edges(void)
{
    char out[64];
    /* CJK around the packed range, and past it, is left alone */
    const char *cjk = "\xe3\x9f\xbf\xe4\xb8\xad"; /* U+37FF U+4E2D */
    CHECK_EQ_INT(sk_msi_name_decode(cjk, strlen(cjk), out, sizeof out), 0);
    CHECK_EQ_STR(out, cjk);
    /* the last packed pair U+47FF is "__"; U+4800..U+483F one character */
    CHECK_EQ_INT(sk_msi_name_decode("\xe4\x9f\xbf\xe4\xa0\x80\xe4\xa0\xbf", 9, out, sizeof out),
                 0);
    CHECK_EQ_STR(out, "__0_");
    /* a name that does not fit, invalid UTF-8, an embedded NUL */
    CHECK_EQ_INT(sk_msi_name_decode("abcdef", 6, out, 4), SK_EINVAL);
    CHECK_EQ_STR(out, "");
    CHECK_EQ_INT(sk_msi_name_decode("a\xff", 2, out, sizeof out), SK_EINVAL);
    CHECK_EQ_INT(sk_msi_name_decode("a\0b", 3, out, sizeof out), SK_EINVAL);
    CHECK_EQ_INT(sk_msi_name_decode("", 0, out, 1), 0);
    CHECK_EQ_STR(out, "");
    CHECK_EQ_INT(sk_msi_name_decode("x", 1, out, 0), SK_EINVAL);
}

int main(void)
{
    test_wixl_names();
    test_edges();
    return check_exit("test_msi_name");
}
