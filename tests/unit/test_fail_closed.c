/* The fail-closed audit (issue 7): every error path the engine has is
 * forced, and none may end in `pass`, each naming its cause.
 *
 *  1. Allocation failure injected at every allocation index of a scan, over
 *     representative inputs (password ZIP, message, Word with VBA, RTF
 *     object, DOCX, XLS, tar.gz, PDF with an object stream, OneNote, LNK).
 *     One countdown numbers the job's arena allocations and every
 *     allocation unpackers make through sk_unpack_alloc/calloc/realloc/
 *     strndup and their dynbufs (engine/unpack.h): until the index lies
 *     past the scan's last allocation the verdict is never pass and the
 *     reasons hold error.internal; from there on the scan is the baseline.
 *  2. Each limit of engine/limits.h lowered until it is hit, the timeout
 *     included: never pass, the limit's own code among the reasons.
 *  3. Corrupt input for each unpacker that can judge its input corrupt:
 *     never pass, error.corrupt, and "<unpacker>.<kind>" among the errors.
 *  4. Heap allocation failure (heap_fail.c) at every malloc, calloc,
 *     realloc, strdup and strndup that Sekisho's own code makes during a
 *     scan, over the inputs of 1, each failing from that call on: the scan
 *     either makes no job at all (SK_ENOMEM: the caller fails closed) or
 *     ends not pass with error.internal, or absorbed the failure without
 *     changing anything the report decides (verdict, reasons, node count);
 *     never a crash (the sanitizer build runs it too).
 *
 * Table-driven: a new input, limit or unpacker is one line below. argv[1]
 * is the bundled rules folder, argv[2] the folder fail_closed_fixtures.sh
 * filled. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "engine/error.h"
#include "engine/limits.h"
#include "engine/sekisho.h"
#include "heap_fail.h"
#include "unpackers/registry.h"

static const char *fixtures;
static const char *const request_passwords[] = {"S3cret-pw"};

struct input {
    const char *file;
    enum sk_verdict baseline; /* with nothing failing */
};

static const struct input inputs[] = {
    {"password.zip", SK_VERDICT_PASS},   /* opened with the request's password */
    {"mail.eml", SK_VERDICT_PASS},       /* a ZIP opened with the body's password */
    {"vba.doc", SK_VERDICT_SANDBOX},     /* OLE2: VBA dir table, decompressed source */
    {"package.rtf", SK_VERDICT_PASS},    /* RTF with a Package object */
    {"clean.docx", SK_VERDICT_PASS},     /* OOXML parts */
    {"plain.xls", SK_VERDICT_PASS},      /* OLE2 + BIFF */
    {"numbers.tar.gz", SK_VERDICT_PASS}, /* filter + tar */
    {"objstm.pdf", SK_VERDICT_SANDBOX},  /* PDF: object index, object stream */
    {"names.one", SK_VERDICT_SANDBOX},   /* OneNote: stores, file data, names */
    {"shortcut.lnk", SK_VERDICT_SANDBOX}, /* LNK: text fields */
    {"fat.img", SK_VERDICT_SANDBOX},      /* FAT: file and directory lists */
    {"subdir.udf", SK_VERDICT_SANDBOX},   /* UDF: lists, directory bytes */
    {"winmail.eml", SK_VERDICT_PASS},     /* TNEF: items */
    {"macro.xls", SK_VERDICT_SANDBOX},    /* BIFF: names, SupBooks, XLM text */
    {"macro.xlsb", SK_VERDICT_SANDBOX},   /* XLSB: the BIFF12 formula renderer */
};

struct limit_case {
    enum sk_limit_kind kind;
    uint64_t value;   /* the limit lowered to this */
    const char *also; /* a second reason that must come with it, or NULL */
    const char *file;
};

/* One line a limit of engine/limits.h; its reason is sk_limit_code(kind). */
static const struct limit_case limit_cases[] = {
    {SK_LIMIT_SIZE, 16, NULL, "numbers.tar.gz"},
    {SK_LIMIT_DEPTH, 1, NULL, "mail.eml"},
    {SK_LIMIT_NODES, 2, NULL, "slow.zip"},
    {SK_LIMIT_BYTES, 1000, NULL, "numbers.tar.gz"},
    {SK_LIMIT_NODE_BYTES, 1000, NULL, "numbers.tar.gz"},
    {SK_LIMIT_RATIO, 2, NULL, "numbers.tar.gz"}, /* above a 1000-byte floor */
    {SK_LIMIT_TIME, 1, NULL, "slow.zip"},        /* 1 ms for 3,000 members */
    /* the built-in list alone is more than one candidate: the request's
     * password is kept, but the ZIP in the mail needs the body's */
    {SK_LIMIT_PASSWORDS, 1, "encrypted.unopened", "mail.eml"},
};

/* Sets the limit of kind c->kind to c->value. */
static void lower(struct sk_limits *l, const struct limit_case *c)
{
    switch (c->kind) {
    case SK_LIMIT_SIZE: l->max_request_bytes = c->value; break;
    case SK_LIMIT_DEPTH: l->max_depth = (uint32_t)c->value; break;
    case SK_LIMIT_NODES: l->max_nodes = (uint32_t)c->value; break;
    case SK_LIMIT_BYTES: l->max_total_bytes = c->value; break;
    case SK_LIMIT_NODE_BYTES: l->max_node_bytes = c->value; break;
    case SK_LIMIT_RATIO:
        l->max_ratio = (uint32_t)c->value;
        l->ratio_floor = 1000;
        break;
    case SK_LIMIT_TIME: l->timeout_ms = (uint32_t)c->value; break;
    case SK_LIMIT_PASSWORDS: l->max_passwords = (uint32_t)c->value; break;
    }
}

struct corrupt_case {
    const char *unpacker;
    const char *file;
    const char *error; /* in the report's "errors" */
};

/* One line an unpacker that can find its input corrupt. sylk, ooxml and
 * image have no such state (sylk reads any text; an OOXML package's
 * corruption is its ZIP's, reported by archive; a picture whose end is not
 * found is still a picture, by design: README, "Files appended to
 * pictures"). */
static const struct corrupt_case corrupt_cases[] = {
    {"archive", "truncated.tar.gz", "archive.corrupt"},
    {"archive", "crc.docx", "archive.corrupt"},
    {"cab", "truncated.cab", "cab.corrupt"},
    {"mime", "long-header.eml", "mime.corrupt"},
    {"ole2", "truncated.doc", "ole2.corrupt"},
    {"biff", "truncated.xls", "biff.truncated"},
    {"rtf", "unclosed.rtf", "rtf.corrupt"},
};

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_ALLOCATIONS 100000L /* a scan of these inputs makes far fewer */
#define CONFIRM_AFTER 40L       /* indexes past the baseline that must stay it */

struct bytes {
    uint8_t *p;
    size_t n;
};

static struct bytes load(const char *file)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", fixtures, file);
    struct bytes b = {0};
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        CHECK(0);
        return b;
    }
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    b.p = malloc(size > 0 ? (size_t)size : 1);
    if (b.p && size > 0 && fread(b.p, 1, (size_t)size, f) == (size_t)size)
        b.n = (size_t)size;
    fclose(f);
    return b;
}

static struct sk_job *scan(struct sk_worker *w, const char *file, const struct bytes *b,
                           const struct sk_limits *limits)
{
    struct sk_request req = {.id = file,
                             .name = file,
                             .data = b->p,
                             .size = b->n,
                             .passwords = request_passwords,
                             .n_passwords = N_OF(request_passwords),
                             .limits = limits};
    struct sk_job *job = NULL;
    CHECK_EQ_INT(sk_scan(w, &req, &job), 0);
    return job;
}

static bool has_code(const struct sk_job *job, const char *code)
{
    char codes[512];
    sk_job_reason_codes(job, codes, sizeof codes);
    size_t n = strlen(code);
    for (const char *at = strstr(codes, code); at; at = strstr(at + 1, code)) {
        if ((at == codes || at[-1] == ',') && (at[n] == ',' || at[n] == '\0'))
            return true;
    }
    return false;
}

/* 1: returns how many allocation points the scan has, arena and unpacker
 * allocations together (the first index at which the injected failure no
 * longer fires). */
static long allocation_failures(struct sk_worker *w, const struct input *in)
{
    struct bytes b = load(in->file);
    struct sk_job *job = scan(w, in->file, &b, NULL);
    char baseline[512];
    sk_job_reason_codes(job, baseline, sizeof baseline);
    CHECK_EQ_INT(sk_job_verdict(job), in->baseline);
    CHECK(!has_code(job, "error.internal"));
    sk_job_free(job);
    long first_clean = -1;
    for (long k = 0; k < MAX_ALLOCATIONS; k++) {
        sk_worker_inject_alloc_failure(w, k);
        job = scan(w, in->file, &b, NULL);
        char codes[512];
        sk_job_reason_codes(job, codes, sizeof codes);
        bool failed = has_code(job, "error.internal");
        if (failed && first_clean >= 0) {
            fprintf(stderr, "%s: allocation %ld failed after a clean scan at %ld\n", in->file,
                    k, first_clean);
            CHECK(0);
        }
        if (failed) {
            CHECK(sk_job_verdict(job) != SK_VERDICT_PASS);
        } else {
            if (sk_job_verdict(job) != in->baseline || strcmp(codes, baseline) != 0) {
                fprintf(stderr, "%s: failure at allocation %ld lost: %s, want %s\n", in->file,
                        k, codes, baseline);
                CHECK(0);
            }
            if (first_clean < 0)
                first_clean = k;
        }
        sk_job_free(job);
        if (first_clean >= 0 && k >= first_clean + CONFIRM_AFTER)
            break;
    }
    sk_worker_inject_alloc_failure(w, -1);
    CHECK(first_clean > 3);
    free(b.p);
    return first_clean;
}

/* The node count of a finished job, from its report. */
static long node_count(const struct sk_job *job)
{
    char *json = sk_job_json(job);
    const char *at = json ? strstr(json, "\"nodes\":") : NULL;
    long n = at ? strtol(at + 8, NULL, 10) : -1;
    free(json);
    return n;
}

/* 4: returns how many heap allocation points the scan has. */
static long heap_failures(struct sk_worker *w, const struct input *in)
{
    struct bytes b = load(in->file);
    struct sk_job *job = scan(w, in->file, &b, NULL);
    char baseline[512];
    sk_job_reason_codes(job, baseline, sizeof baseline);
    long baseline_nodes = node_count(job);
    sk_job_free(job);
    long k = 0;
    for (; k < MAX_ALLOCATIONS; k++) {
        struct sk_request req = {.id = in->file,
                                 .name = in->file,
                                 .data = b.p,
                                 .size = b.n,
                                 .passwords = request_passwords,
                                 .n_passwords = N_OF(request_passwords)};
        job = NULL;
        heap_fail_after(k);
        int rc = sk_scan(w, &req, &job);
        bool fired = heap_fail_fired();
        heap_fail_after(-1);
        if (rc != 0) {
            if (rc != SK_ENOMEM || !fired || job) {
                fprintf(stderr, "%s: heap failure at %ld: sk_scan %d\n", in->file, k, rc);
                CHECK(0);
            }
            continue;
        }
        char codes[512];
        sk_job_reason_codes(job, codes, sizeof codes);
        enum sk_verdict verdict = sk_job_verdict(job);
        bool unchanged = verdict == in->baseline && strcmp(codes, baseline) == 0 &&
                         node_count(job) == baseline_nodes;
        bool failed_closed = verdict != SK_VERDICT_PASS && has_code(job, "error.internal");
        sk_job_free(job);
        if (!fired) {
            if (!unchanged) {
                fprintf(stderr, "%s: no heap failure at %ld, yet %s\n", in->file, k, codes);
                CHECK(0);
            }
            break;
        }
        if (!unchanged && !failed_closed) {
            fprintf(stderr, "%s: heap failure at allocation %ld lost: verdict %d, %s; want %s\n",
                    in->file, k, (int)verdict, codes, baseline);
            CHECK(0);
        }
    }
    CHECK(k > 3);
    free(b.p);
    return k;
}

/* 2 */
static void limit_hit(struct sk_worker *w, const struct sk_engine *engine,
                      const struct limit_case *c)
{
    struct bytes b = load(c->file);
    struct sk_limits limits = *sk_engine_limits(engine);
    lower(&limits, c);
    struct sk_job *job = scan(w, c->file, &b, &limits);
    char codes[512];
    sk_job_reason_codes(job, codes, sizeof codes);
    const char *code = sk_limit_code(c->kind);
    if (sk_job_verdict(job) == SK_VERDICT_PASS || !has_code(job, code) ||
        (c->also && !has_code(job, c->also))) {
        fprintf(stderr, "%s on %s: verdict %d, reasons %s\n", code, c->file,
                (int)sk_job_verdict(job), codes);
        CHECK(0);
    }
    sk_job_free(job);
    free(b.p);
}

/* 3 */
static void corrupt_input(struct sk_worker *w, const struct corrupt_case *c)
{
    struct bytes b = load(c->file);
    struct sk_job *job = scan(w, c->file, &b, NULL);
    char *json = sk_job_json(job);
    char want[128];
    snprintf(want, sizeof want, "{\"code\":\"%s\"", c->error);
    if (sk_job_verdict(job) == SK_VERDICT_PASS || !has_code(job, "error.corrupt") || !json ||
        !strstr(json, want)) {
        fprintf(stderr, "%s on %s: %s\n", c->unpacker, c->file, json ? json : "(no json)");
        CHECK(0);
    }
    free(json);
    sk_job_free(job);
    free(b.p);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: test_fail_closed RULES_DIR FIXTURES_DIR\n");
        return 2;
    }
    fixtures = argv[2];
    const char *rules = argv[1];
    struct sk_engine_config config = {
        .rule_paths = &rules, .n_rule_paths = 1, .unpackers = sk_unpackers};
    sk_limits_default(&config.limits);
    struct sk_engine *engine = NULL;
    struct sk_worker *w = NULL;
    char err[512];
    if (sk_engine_new(&config, &engine, err, sizeof err) != 0 ||
        sk_worker_new(engine, &w) != 0) {
        fprintf(stderr, "engine: %s\n", err);
        return 1;
    }
    for (size_t i = 0; i < N_OF(inputs); i++)
        printf("allocation failure (arena and sk_unpack_alloc) at each of %ld points of %s: "
               "never pass\n",
               allocation_failures(w, &inputs[i]), inputs[i].file);
    for (size_t i = 0; i < N_OF(inputs); i++)
        printf("heap allocation failure at each of %ld points of %s: never pass\n",
               heap_failures(w, &inputs[i]), inputs[i].file);
    for (size_t i = 0; i < N_OF(limit_cases); i++)
        limit_hit(w, engine, &limit_cases[i]);
    printf("%zu limits hit: never pass, each named\n", N_OF(limit_cases));
    for (size_t i = 0; i < N_OF(corrupt_cases); i++)
        corrupt_input(w, &corrupt_cases[i]);
    printf("%zu corrupt inputs: never pass, error.corrupt\n", N_OF(corrupt_cases));
    sk_worker_free(w);
    sk_engine_free(engine);
    return check_exit("fail_closed");
}
