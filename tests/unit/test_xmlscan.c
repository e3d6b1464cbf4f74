/* The XML scanner shared by ooxml.c and offcrypto.c (unpackers/xmlscan.c):
 * tokens of a WordprocessingML-like part, attributes by local name,
 * markup skipped or left unclosed, entity decoding, and finding the
 * elements of an Agile encryption descriptor. */
#include <string.h>

#include "check.h"
#include "unpackers/xmlscan.h"

static char text[256];

static const char *str(const char *p, size_t n)
{
    if (n >= sizeof text)
        n = sizeof text - 1;
    memcpy(text, p, n);
    text[n] = '\0';
    return text;
}

static const char *attr(const struct sk_xml_tok *t, const char *name)
{
    const char *v;
    size_t n;
    return sk_xml_attr(t, name, &v, &n) ? str(v, n) : "(none)";
}

static const char *decoded(const char *in, bool raw)
{
    static char out[128];
    size_t used;
    size_t n = sk_xml_decode(in, strlen(in), raw, &used, out, sizeof out - 1);
    out[n] = '\0';
    return out;
}

int main(void)
{
    const char *xml = "<?xml version=\"1.0\"?><!-- <w:fake/> -->"
                      "<w:document xmlns:w=\"urn:x\"><w:instrText xml:space='preserve'>"
                      " DDEAUTO a&amp;b </w:instrText><w:br/>"
                      "<a:t v=\"1 > 0\"/><![CDATA[<raw>&amp;]]></w:document>";
    struct sk_xml_scan s = {xml, strlen(xml), 0};
    struct sk_xml_tok t = sk_xml_next(&s);
    CHECK_EQ_INT(t.kind, SK_XML_OPEN);
    CHECK(sk_xml_is(&t, "document"));
    CHECK_EQ_STR(attr(&t, "w"), "urn:x"); /* xmlns:w, by its local name */
    t = sk_xml_next(&s);
    CHECK(t.kind == SK_XML_OPEN && sk_xml_is(&t, "instrText") && !t.empty);
    CHECK_EQ_STR(attr(&t, "space"), "preserve");
    CHECK_EQ_STR(attr(&t, "missing"), "(none)");
    t = sk_xml_next(&s);
    CHECK_EQ_INT(t.kind, SK_XML_TEXT);
    CHECK_EQ_STR(str(t.text, t.text_len), " DDEAUTO a&amp;b ");
    CHECK_EQ_INT(t.raw, 0);
    t = sk_xml_next(&s);
    CHECK(t.kind == SK_XML_CLOSE && sk_xml_is(&t, "instrText"));
    t = sk_xml_next(&s);
    CHECK(t.kind == SK_XML_OPEN && sk_xml_is(&t, "br") && t.empty);
    t = sk_xml_next(&s);
    CHECK(t.kind == SK_XML_OPEN && sk_xml_is(&t, "t") && t.empty);
    CHECK_EQ_STR(attr(&t, "v"), "1 > 0");
    t = sk_xml_next(&s);
    CHECK(t.kind == SK_XML_TEXT && t.raw);
    CHECK_EQ_STR(str(t.text, t.text_len), "<raw>&amp;");
    t = sk_xml_next(&s);
    CHECK(t.kind == SK_XML_CLOSE && sk_xml_is(&t, "document"));
    CHECK_EQ_INT(sk_xml_next(&s).kind, SK_XML_END);
    CHECK_EQ_INT(sk_xml_next(&s).kind, SK_XML_END);

    /* Markup that does not close ends the scan. */
    const char *cut[] = {"<a b=\"x>", "<!-- no end", "<?pi", "<![CDATA[x"};
    for (size_t i = 0; i < sizeof cut / sizeof *cut; i++) {
        struct sk_xml_scan c = {cut[i], strlen(cut[i]), 0};
        CHECK_EQ_INT(sk_xml_next(&c).kind, SK_XML_END);
        CHECK_EQ_INT(c.pos, strlen(cut[i]));
    }

    /* Entities: the five, character references, U+FFFD for NUL and
     * surrogates, unknown ones kept, nothing decoded in CDATA. */
    CHECK_EQ_STR(decoded("&lt;&gt;&amp;&quot;&apos;", false), "<>&\"'");
    CHECK_EQ_STR(decoded("&#65;&#x42;&#X43;&#x20AC;", false), "ABC\xE2\x82\xAC");
    CHECK_EQ_STR(decoded("&#0;&#xD800;&#x110000;", false),
                 "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
    CHECK_EQ_STR(decoded("&bogus; &#; &#12", false), "&bogus; &#; &#12");
    CHECK_EQ_STR(decoded("&amp;", true), "&amp;");
    char small[8];
    size_t used;
    CHECK_EQ_INT(sk_xml_decode("abcdefghij", 10, false, &used, small, sizeof small), 5);
    CHECK_EQ_INT(used, 5);

    /* An Agile descriptor: elements found in order, by local name. */
    const char *agile =
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\r\n"
        "<encryption xmlns=\"http://schemas.microsoft.com/office/2006/encryption\" "
        "xmlns:p=\"http://schemas.microsoft.com/office/2006/keyEncryptor/password\">"
        "<keyData saltSize=\"16\" blockSize=\"16\" keyBits=\"256\" saltValue=\"AAAA\"/>"
        "<keyEncryptors><keyEncryptor uri=\"http://schemas.microsoft.com/office/2006/"
        "keyEncryptor/password\"><p:encryptedKey spinCount=\"100000\"/></keyEncryptor>"
        "</keyEncryptors></encryption>";
    struct sk_xml_scan a = {agile, strlen(agile), 0};
    struct sk_xml_tok found;
    CHECK(sk_xml_find(&a, "keyData", &found));
    CHECK_EQ_STR(attr(&found, "keyBits"), "256");
    CHECK(sk_xml_find(&a, "keyEncryptor", &found));
    CHECK(sk_xml_find(&a, "encryptedKey", &found));
    CHECK_EQ_STR(attr(&found, "spinCount"), "100000");
    CHECK(!sk_xml_find(&a, "keyData", &found)); /* only forward */
    return check_exit("xmlscan");
}
