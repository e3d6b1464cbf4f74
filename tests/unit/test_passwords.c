/* Password harvesting (DESIGN.md, "Password harvesting"): keyword phrasings
 * in many languages, raw and normalised forms, tiers and their order, the
 * bounds, operator rules, and hostile input. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "engine/error.h"
#include "engine/passwords.h"

#define MAX_GOT 600

struct got {
    char value[300];
    size_t len;
    const char *source;
    enum sk_pw_tier tier;
};

struct collect {
    struct got item[MAX_GOT];
    size_t n;
    size_t stop_after; /* 0: never stop */
};

static int collect_emit(void *ctx, const char *value, size_t len, const char *source,
                        enum sk_pw_tier tier)
{
    struct collect *c = ctx;
    if (c->n < MAX_GOT && len < sizeof c->item[0].value) {
        struct got *g = &c->item[c->n];
        memcpy(g->value, value, len);
        g->value[len] = '\0';
        g->len = len;
        g->source = source;
        g->tier = tier;
    }
    c->n++;
    return c->stop_after && c->n >= c->stop_after ? 42 : 0;
}

static struct collect got; /* large: static, and reset by harvest() */

static int harvest_n(const char *text, size_t len, const char *where,
                     const struct sk_password_rules *rules, size_t max)
{
    memset(&got, 0, sizeof got);
    return sk_harvest_passwords(text, len, where, rules, max, collect_emit, &got);
}

static int harvest(const char *text)
{
    return harvest_n(text, strlen(text), "body", NULL, 256);
}

static const struct got *find(const char *value)
{
    for (size_t i = 0; i < got.n && i < MAX_GOT; i++)
        if (strcmp(got.item[i].value, value) == 0)
            return &got.item[i];
    return NULL;
}

static size_t count_of(const char *value)
{
    size_t n = 0;
    for (size_t i = 0; i < got.n && i < MAX_GOT; i++)
        n += strcmp(got.item[i].value, value) == 0;
    return n;
}

/* Emits come best first: tiers never go down. */
static int tiers_in_order(void)
{
    for (size_t i = 1; i < got.n && i < MAX_GOT; i++)
        if (got.item[i].tier < got.item[i - 1].tier)
            return 0;
    return 1;
}

struct phrasing {
    const char *text;
    const char *password;
};

/* Each text's first candidate must be its password, at tier KEYWORD. */
static const struct phrasing phrasings[] = {
    /* Japanese */
    {"パスワード：Ab12", "Ab12"},
    {"添付ファイルのパスワード:Ab12Z", "Ab12Z"},
    {"パスワードは「Ab12x」です", "Ab12x"},
    {"パスワード『Zz9x』", "Zz9x"},
    {"解凍パスワード：ｘＹ１２", "xY12"},
    {"パスワードは下記の通りです。\n\nQw7#pZ\n", "Qw7#pZ"},
    {"パスワード：\nK9m2Lp\n", "K9m2Lp"},
    {"ﾊﾟｽﾜｰﾄﾞ：hk77", "hk77"},
    {"パスワード：Ab13です", "Ab13"},
    {"パスワードはAb14です。", "Ab14"},
    {"ＰＷ：ｐｗ９９", "pw99"},
    {"ＰＡＳＳ：ab34cd", "ab34cd"},
    {"パスワ－ド：Tt55", "Tt55"},
    {"パスワ-ド: Tt56", "Tt56"},
    {"暗証番号：4821", "4821"},
    {"解凍キー：Zip2024x", "Zip2024x"},
    {"解凍：q1w2e3", "q1w2e3"},
    {"【パスワード】Ab12Cd", "Ab12Cd"},
    {"パスワード（半角英数字）：Xy7788", "Xy7788"},
    {"解凍用パスワード：Kk1234", "Kk1234"},
    {"パスワードは、下記となります。\n・Ab12Xy\n", "Ab12Xy"},
    {"P/W：abcd1234", "abcd1234"},
    {"ZIPパスワード　Ab99", "Ab99"},
    {"お世話になっております。\r\n添付ファイルのパスワードをお知らせします。\r\n"
     "パスワード：Jp-2024\r\n",
     "Jp-2024"},
    {"パスワード\n\n  「ab cd 12」\n", "ab cd 12"},
    {"パスワードはこちら：Hk88zz", "Hk88zz"},
    {"パスワード：さくら", "さくら"},
    {"パスワード\nPassword: Nx12\n", "Nx12"},
    /* English */
    {"Password: x9Q", "x9Q"},
    {"The password is x9Q.", "x9Q"},
    {"PW: 1234", "1234"},
    {"PW 5678", "5678"},
    {"PASSWORD - 7788", "7788"},
    {"Use password \"Secret77\" to open the invoice.", "Secret77"},
    {"The password for the attached file is Qz81!", "Qz81"},
    {"pwd=abc123x", "abc123x"},
    {"Passcode: 556677", "556677"},
    {"Pass code : 9911", "9911"},
    {"password -> Zip5", "Zip5"},
    {"Hello,\r\n\r\nPassword:\r\n\r\n  HelloW0rld\r\n", "HelloW0rld"},
    {"Your document password is 'Doc-2024'.", "Doc-2024"},
    {"Password (case sensitive): CaSe11", "CaSe11"},
    /* French, German */
    {"Le mot de passe est : abc123", "abc123"},
    {"Mot de passe du fichier : Fr8899", "Fr8899"},
    {"Das Passwort lautet 1234", "1234"},
    {"Kennwort: De-4455", "De-4455"},
    {"Das Passwort zum Öffnen ist Xk77", "Xk77"},
    {"Das Passwort lautet „Gg55“.", "Gg55"},
    /* Spanish, Portuguese */
    {"La contraseña es Es2024a", "Es2024a"},
    {"Contraseña del archivo: ar99X", "ar99X"},
    {"CONTRASEÑA: MAY77", "MAY77"},
    {"Clave: 7733k", "7733k"},
    {"A senha é Br123", "Br123"},
    {"Senha do arquivo: pt4455", "pt4455"},
    /* Russian */
    {"Пароль: Ru1234", "Ru1234"},
    {"Пароль от архива: 7788ru", "7788ru"},
    {"ПАРОЛЬ - Qq11", "Qq11"},
    /* Chinese (simplified, traditional) */
    {"密码：Cn8888", "Cn8888"},
    {"解压密码是 zz1234", "zz1234"},
    {"密碼為 Tw5566", "Tw5566"},
    {"口令：kl9900", "kl9900"},
    /* Korean */
    {"비밀번호: Kr1234", "Kr1234"},
    {"비밀번호는 Kr5678입니다", "Kr5678"},
    {"암호: kx11", "kx11"},
    /* Others */
    {"La password è It7788", "It7788"},
    {"Hasło: Pl1234", "Pl1234"},
    {"Heslo je Cz5566", "Cz5566"},
    {"Het wachtwoord is Nl9988", "Nl9988"},
    {"Lösenord: Se1122", "Se1122"},
    {"Lösenordet är Se3344", "Se3344"},
    {"Salasana on Fi3344", "Fi3344"},
    {"Jelszó: Hu5566", "Hu5566"},
    {"Şifre: Tr7788", "Tr7788"},
    {"Dosya şifresi: Tr9900", "Tr9900"},
    {"Kata sandi: Id1122", "Id1122"},
    {"Mật khẩu: Vn3344", "Vn3344"},
    {"Mật khẩu là Vn5566", "Vn5566"},
    {"รหัสผ่าน: Th5566", "Th5566"},
    {"รหัสผ่านคือ Th7788", "Th7788"},
    {"كلمة المرور: Ar7788", "Ar7788"},
    {"סיסמה: He9900", "He9900"},
    {"Parola: Ro1122", "Ro1122"},
    {"Κωδικός: Gr3344", "Gr3344"},
};

static void keyword_phrasings(void)
{
    size_t n = sizeof phrasings / sizeof phrasings[0];
    CHECK(n >= 45);
    for (size_t i = 0; i < n; i++) {
        const struct phrasing *p = &phrasings[i];
        CHECK_EQ_INT(harvest(p->text), 0);
        const char *first = got.n ? got.item[0].value : "(nothing)";
        CHECK_EQ_STR(first, p->password);
        CHECK_EQ_INT(got.n ? got.item[0].tier : 0, SK_PW_TIER_KEYWORD);
        CHECK_EQ_STR(got.n ? got.item[0].source : "", "body");
        CHECK(tiers_in_order());
        if (strcmp(first, p->password) != 0)
            fprintf(stderr, "  text: %s\n", p->text);
    }
}

/* Keywords inside words, and keywords followed by ordinary words without a
 * separator, give no KEYWORD candidate. */
static void keywords_need_words(void)
{
    static const char *const texts[] = {
        "Please pass the salt",
        "The passage is bypassed with a compass.",
        "Password will be sent separately.",
        "パスワードは別途お送りします。\nよろしくお願いします。",
        "Our passwords policy changed; see the pwa docs.",
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        harvest(texts[i]);
        for (size_t k = 0; k < got.n; k++)
            CHECK(got.item[k].tier != SK_PW_TIER_KEYWORD);
    }
}

static void raw_and_normalised(void)
{
    harvest("解凍パスワード：ｘＹ１２");
    CHECK(got.n >= 2);
    CHECK_EQ_STR(got.item[0].value, "xY12");
    CHECK_EQ_STR(got.item[1].value, "ｘＹ１２");
    CHECK_EQ_INT(got.item[1].tier, SK_PW_TIER_KEYWORD);
    /* An ASCII value has one form only. */
    harvest("PW: Ab12");
    CHECK_EQ_INT(count_of("Ab12"), 1);
    /* A half-width keyword and a full-width value: both forms again. */
    harvest("ﾊﾟｽﾜｰﾄﾞ ＡＢ１２");
    CHECK_EQ_STR(got.item[0].value, "AB12");
    CHECK(find("ＡＢ１２") && find("ＡＢ１２")->tier == SK_PW_TIER_KEYWORD);
}

static void punctuation_stripped(void)
{
    harvest("PW: Ab12.");
    CHECK_EQ_STR(got.item[0].value, "Ab12");
    harvest("パスワード：Ab12。");
    CHECK_EQ_STR(got.item[0].value, "Ab12");
    CHECK(find("Ab12。") == NULL);
    harvest("パスワードはAb12、IDはuser01です。");
    CHECK_EQ_STR(got.item[0].value, "Ab12");
    harvest("Password: Welcome1!");
    CHECK_EQ_STR(got.item[0].value, "Welcome1");
    /* The unstripped value follows, for passwords that end in punctuation. */
    CHECK(find("Welcome1!") && find("Welcome1!")->tier == SK_PW_TIER_KEYWORD);
    harvest("(PW: Zx12)");
    CHECK_EQ_STR(got.item[0].value, "Zx12");
}

static void subject_source(void)
{
    const char *subject = "【重要】請求書送付 パスワード：Sub777";
    harvest_n(subject, strlen(subject), "subject", NULL, 256);
    CHECK_EQ_STR(got.item[0].value, "Sub777");
    CHECK_EQ_STR(got.item[0].source, "subject");
}

static void quoted_tier(void)
{
    harvest(
        "Please open it with 「Zx98」 or 'Yy77' (Ww11) and \"a b c\"; don't ask, it's fine.");
    CHECK(tiers_in_order());
    const char *quoted[] = {"Zx98", "Yy77", "Ww11", "a b c"};
    for (size_t i = 0; i < 4; i++) {
        const struct got *g = find(quoted[i]);
        CHECK(g != NULL);
        CHECK_EQ_INT(g ? g->tier : 0, SK_PW_TIER_QUOTED);
        CHECK_EQ_STR(g ? g->source : "", "quoted");
    }
    CHECK(find("t ask, it") == NULL); /* apostrophes are not quotes */
    CHECK_EQ_INT(got.item[0].tier, SK_PW_TIER_QUOTED);
    /* More than 64 bytes inside quotes is not a quoted candidate. */
    char text[128];
    snprintf(text, sizeof text, "「%s」",
             "0123456789012345678901234567890123456789012345678901234567890123456789");
    harvest(text);
    for (size_t i = 0; i < got.n; i++)
        CHECK(got.item[i].tier != SK_PW_TIER_QUOTED);
    /* Full-width brackets: normalised then raw. */
    harvest("ファイルは（ＱＱ１２）で開けます");
    CHECK_EQ_STR(got.item[0].value, "QQ12");
    CHECK_EQ_STR(got.item[1].value, "ＱＱ１２");
    CHECK_EQ_INT(got.item[1].tier, SK_PW_TIER_QUOTED);
}

static void token_tier(void)
{
    const char *text = "Dear customer, see https://evil.example/x or mail bob@example.com "
                       "on 2024/01/15 at 10:30. Invoice INV-20931 attached; code Kx77pq "
                       "ok ab veryveryveryveryveryveryverylongtoken42 (Finance) Finance";
    harvest(text);
    CHECK(tiers_in_order());
    CHECK(find("INV-20931") && find("INV-20931")->tier == SK_PW_TIER_TOKEN);
    CHECK(find("Kx77pq") && find("Kx77pq")->tier == SK_PW_TIER_TOKEN);
    CHECK(find("customer") != NULL); /* trailing comma trimmed */
    CHECK(find("https://evil.example/x") == NULL);
    CHECK(find("bob@example.com") == NULL);
    CHECK(find("2024/01/15") == NULL);
    CHECK(find("10:30") == NULL);
    CHECK(find("ok") == NULL && find("ab") == NULL);
    CHECK(find("veryveryveryveryveryveryverylongtoken42") == NULL);
    CHECK_EQ_INT(count_of("Finance"), 1); /* distinct across tiers */
    for (size_t i = 0; i < got.n; i++)
        CHECK(got.item[i].len >= 4 && got.item[i].len <= 32);
    /* Bounded by max_candidates. */
    harvest_n(text, strlen(text), "body", NULL, 3);
    CHECK_EQ_INT(got.n, 3);
    /* Tokens inside Japanese prose. */
    harvest("請求書No12345を添付します");
    CHECK(find("No12345") != NULL);
}

static void no_duplicates_and_stop(void)
{
    harvest("PW: Ab12\nPW: Ab12\nパスワード：Ab12\n「Ab12」 Ab12 Ab12");
    CHECK_EQ_INT(count_of("Ab12"), 1);
    CHECK_EQ_INT(find("Ab12") ? find("Ab12")->tier : 0, SK_PW_TIER_KEYWORD);
    /* The emit's stop value ends the harvest and is returned. */
    memset(&got, 0, sizeof got);
    got.stop_after = 1;
    const char *text = "PW: one1\nPW: two2\nthree3 four4";
    CHECK_EQ_INT(
        sk_harvest_passwords(text, strlen(text), "body", NULL, 256, collect_emit, &got), 42);
    CHECK_EQ_INT(got.n, 1);
    CHECK_EQ_INT(harvest_n(text, strlen(text), "body", NULL, 0), 0);
    CHECK_EQ_INT(got.n, 0);
}

/* A value longer than 256 bytes is dropped; the harvest goes on. */
static void long_values_dropped(void)
{
    char text[700];
    int n = snprintf(text, sizeof text, "PW: ");
    memset(text + n, 'a', 300);
    snprintf(text + n + 300, sizeof text - (size_t)n - 300, "\nPW: Ok99\n");
    harvest(text);
    for (size_t i = 0; i < got.n; i++)
        CHECK(got.item[i].len <= 256);
    CHECK_EQ_STR(got.n ? got.item[0].value : "", "Ok99");
}

static int load_rules(const char *text, struct sk_password_rules **out, char *err, size_t len)
{
    char *path = check_write_temp(text);
    int rc = sk_password_rules_load(path, out, err, len);
    if (path)
        unlink(path);
    return rc;
}

static void operator_rules(void)
{
    struct sk_password_rules *rules = NULL;
    char err[256] = "";
    int rc = load_rules("# campaign rules\n"
                        "\n"
                        "Kode\\s+\t[A-Z]{2}\\d{2}\t\\s+ends\n"
                        "(foo|bar)=\t\\w+\t\n"
                        "合言葉：\t\\S+\n",
                        &rules, err, sizeof err);
    CHECK_EQ_INT(rc, 0);
    CHECK_EQ_STR(err, "");
    const char *text = "PW: first1\nThe Kode ZZ99 ends here, Kode YY11 does not.\n"
                       "bar=qwerty7\n合言葉：ＡＢ１２\n";
    CHECK_EQ_INT(harvest_n(text, strlen(text), "body", rules, 256), 0);
    CHECK(tiers_in_order());
    CHECK_EQ_STR(got.item[0].value, "first1"); /* keyword values come first */
    const struct got *g = find("ZZ99");
    CHECK(g && g->tier == SK_PW_TIER_KEYWORD && strcmp(g->source, "rule") == 0);
    CHECK(find("YY11") == NULL || find("YY11")->tier != SK_PW_TIER_KEYWORD);
    g = find("qwerty7"); /* BEFORE's own group does not shift the password's */
    CHECK(g && strcmp(g->source, "rule") == 0);
    g = find("AB12");
    CHECK(g && strcmp(g->source, "rule") == 0);
    CHECK(find("ＡＢ１２") != NULL);
    CHECK(find("AB12") < find("ＡＢ１２")); /* normalised first */
    sk_password_rules_free(rules);

    /* A hostile body against a backtracking rule finishes quickly. */
    rc = load_rules("\t(?:a+)+b\t\n", &rules, err, sizeof err);
    CHECK_EQ_INT(rc, 0);
    size_t len = 1 << 20;
    char *body = malloc(len);
    memset(body, 'a', len);
    clock_t t0 = clock();
    CHECK_EQ_INT(harvest_n(body, len, "body", rules, 256), 0);
    CHECK((double)(clock() - t0) / CLOCKS_PER_SEC < 5.0);
    free(body);
    sk_password_rules_free(rules);

    CHECK_EQ_INT(sk_password_rules_load(NULL, &rules, err, sizeof err), 0);
    CHECK(rules != NULL);
    sk_password_rules_free(rules);
    sk_password_rules_free(NULL);
}

static void bad_rules_refused(void)
{
    struct sk_password_rules *rules = NULL;
    char err[256] = "";
    CHECK_EQ_INT(load_rules("ok\t\\d+\t\n# fine\n(unclosed\t\\d+\t\n", &rules, err, sizeof err),
                 SK_EINVAL);
    CHECK(strstr(err, "line 3") != NULL);
    CHECK(strstr(err, "BEFORE") != NULL);
    CHECK(rules == NULL);
    CHECK_EQ_INT(load_rules("x\t[a-\t\n", &rules, err, sizeof err), SK_EINVAL);
    CHECK(strstr(err, "line 1: PASSWORD") != NULL);
    CHECK_EQ_INT(load_rules("x\ty\t(?<=a+)\n", &rules, err, sizeof err), SK_EINVAL);
    CHECK(strstr(err, "AFTER") != NULL);
    CHECK_EQ_INT(load_rules("no tabs at all\n", &rules, err, sizeof err), SK_EINVAL);
    CHECK(strstr(err, "line 1") != NULL);
    CHECK_EQ_INT(load_rules("a\tb\tc\td\n", &rules, err, sizeof err), SK_EINVAL);
    CHECK_EQ_INT(load_rules("before\t\tafter\n", &rules, err, sizeof err), SK_EINVAL);
    CHECK(strstr(err, "PASSWORD field is empty") != NULL);
    CHECK_EQ_INT(sk_password_rules_load("/nonexistent/rules", &rules, err, sizeof err), SK_EIO);
    CHECK(rules == NULL);
}

/* Exactly len bytes, no terminator: a read past the end trips ASan. */
static const struct sk_password_rules *exact_rules; /* for harvest_exact */

static int harvest_exact(const char *bytes, size_t len, size_t max)
{
    char *copy = malloc(len ? len : 1);
    memcpy(copy, bytes, len);
    int rc = harvest_n(copy, len, "body", exact_rules, max);
    free(copy);
    return rc;
}

static void invalid_utf8(void)
{
    const char text[] = "PW: Ab\xff"
                        "12\n\xc3\x28 パスワード：Cd34\n\xe3\x81 PW: Ef56 \xed\xa0\x80\n"
                        "PW: Gh78\0xyz\nPW: Ij90 \xe3\x81";
    CHECK_EQ_INT(harvest_exact(text, sizeof text - 1, 256), 0);
    CHECK(find("Cd34") && find("Cd34")->tier == SK_PW_TIER_KEYWORD);
    CHECK(find("Ef56") != NULL);
    CHECK(find("Gh78") != NULL);
    CHECK(find("Ij90") != NULL);
    for (size_t i = 0; i < got.n; i++) {
        CHECK(strstr(got.item[i].value, "\xef\xbf\xbd") == NULL);
        CHECK(strchr(got.item[i].value, '\xff') == NULL);
    }
    /* Random bytes, and text cut in the middle of a character, with a rule
     * running over them too. */
    struct sk_password_rules *rules = NULL;
    char err[256] = "";
    CHECK_EQ_INT(load_rules("(?i)pw:\\s*\t\\S+\t\n\t.\t\n", &rules, err, sizeof err), 0);
    exact_rules = rules;
    uint32_t seed = 12345;
    char buf[512];
    for (int round = 0; round < 300; round++) {
        size_t len = (size_t)round % sizeof buf;
        for (size_t i = 0; i < len; i++) {
            seed = seed * 1103515245u + 12345u;
            buf[i] = (char)(seed >> 16);
            if (seed & 0x10000000u) /* mix in separators and keywords' bytes */
                buf[i] = "PW: \n\xe3\x83\xbc\xef\xbc\x9a"[(seed >> 8) % 12];
        }
        CHECK(harvest_exact(buf, len, 256) == 0);
    }
    const char *cut = "パスワード：ＡＢ";
    for (size_t len = 0; len <= strlen(cut); len++)
        CHECK(harvest_exact(cut, len, 256) == 0);
    exact_rules = NULL;
    sk_password_rules_free(rules);
}

/* A 1 MB body without keywords: bounded output and time. */
static void large_body(void)
{
    size_t cap = (1 << 20) + 64, len = 0;
    char *body = malloc(cap);
    for (unsigned i = 0; len < (1u << 20); i++)
        len += (size_t)snprintf(body + len, cap - len, "lorem%u ipsum dolor\n", i);
    clock_t t0 = clock();
    CHECK_EQ_INT(harvest_exact(body, len, 100), 0);
    double seconds = (double)(clock() - t0) / CLOCKS_PER_SEC;
    CHECK(seconds < 5.0);
    CHECK(got.n <= 100);
    CHECK_EQ_INT(got.n, 100);
    for (size_t i = 0; i < got.n; i++)
        CHECK_EQ_INT(got.item[i].tier, SK_PW_TIER_TOKEN);
    /* One line of 1 MB, no spaces, no newline. */
    memset(body, 'x', len);
    t0 = clock();
    CHECK_EQ_INT(harvest_exact(body, len, 100), 0);
    CHECK((double)(clock() - t0) / CLOCKS_PER_SEC < 5.0);
    /* Many keywords with nothing after them, and combining marks. */
    len = 0;
    while (len + 64 < cap) {
        memcpy(body + len,
               "PW:\xcc\x81\xcc\x81\xcc\x81 \xe3\x83\x91\xe3\x82\xb9\xe3\x83\xaf"
               "\xe3\x83\xbc\xe3\x83\x89\xe3\x81\xaf",
               26);
        len += 26;
    }
    t0 = clock();
    CHECK_EQ_INT(harvest_exact(body, len, 100), 0);
    CHECK((double)(clock() - t0) / CLOCKS_PER_SEC < 5.0);
    free(body);
    printf("large body: %.3f s for 1 MB\n", seconds);
}

static void builtin_list(void)
{
    size_t n = 0;
    int infected = 0;
    for (; sk_builtin_passwords[n]; n++)
        infected |= strcmp(sk_builtin_passwords[n], "infected") == 0;
    CHECK(n >= 10 && n <= 25);
    CHECK(infected);
}

int main(void)
{
    keyword_phrasings();
    keywords_need_words();
    raw_and_normalised();
    punctuation_stripped();
    subject_source();
    quoted_tier();
    token_tier();
    no_duplicates_and_stop();
    long_values_dropped();
    operator_rules();
    bad_rules_refused();
    invalid_utf8();
    large_body();
    builtin_list();
    return check_exit("passwords");
}
