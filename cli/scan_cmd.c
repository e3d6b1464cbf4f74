/* `sekisho scan [options] PATH...` (DESIGN.md): JSON Lines on stdout, a
 * summary on stderr, a progress bar when stderr is a terminal, exit codes
 * like clamscan. Files are scanned in parallel on the libuv worker pool, each
 * pool thread with its own engine worker (one YARA scanner per thread), and
 * at most 2 x jobs files are open at once. A mailbox is split into its
 * messages (mbox.h), each an input of its own with id "path#N". */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "../engine/job.h" /* sk_now_ns: the engine's monotonic clock */
#include "../engine/sekisho.h"
#include "../unpackers/registry.h" /* the unpackers this program scans with */
#include "cli.h"
#include "extract.h"
#include "mbox.h"
#include "report_html.h"
#include "tree.h"
#include "walk.h"

struct scan_options {
    struct sk_common_options common; /* rules, policy, --no-hash, limits */
    const char **passwords;
    size_t n_passwords;
    char *body; /* --body-file, read once */
    size_t body_len;
    unsigned jobs;
    const char *extract_dir;
    enum { FORMAT_JSON, FORMAT_TEXT, FORMAT_TREE } format;
    bool colour;             /* --format tree on a terminal, NO_COLOR unset */
    bool no_mbox;            /* --no-mbox: scan a mailbox whole */
    const char *report_path; /* --report FILE.html */
};

/* Engine workers made by pool threads, freed at the end of the run. */
struct worker_registry {
    uv_key_t key;
    pthread_mutex_t lock;
    struct sk_worker **all;
    size_t n;
};

struct scan_totals {
    size_t files;     /* inputs that are not mailboxes */
    size_t messages;  /* messages split out of mailboxes */
    size_t mailboxes; /* mailboxes opened */
    unsigned long long bytes;
    size_t count[3]; /* per verdict */
    size_t errors;
};

struct scan_run {
    uv_loop_t *loop;
    const struct scan_options *opts;
    struct sk_engine *engine;
    struct worker_registry workers;
    struct sk_file_list files;
    size_t next_file;
    size_t sequence;     /* items handed out (--extract numbers them) */
    size_t messages_out; /* of them, messages of mailboxes */
    size_t in_flight;
    size_t max_in_flight;
    int extract_fd;
    struct scan_totals totals;
    uint64_t start_ns;
    uint64_t last_progress_ns;
    bool progress;
    struct mailbox *mailbox; /* the one being split, if any */
    struct sk_html_report *report;
};

/* A mailbox given on the command line, mapped once (not populated) and split
 * on the loop thread a message at a time as the pool has room: its messages
 * are scanned in parallel as views into the mapping, and each message's
 * pages are dropped once it is done, so a large mailbox is streamed. */
struct mailbox {
    const uint8_t *map;
    size_t size;
    size_t at; /* the next envelope line */
    size_t n;  /* messages handed out */
    size_t refs; /* the splitter's (until exhausted) and one per message in flight */
    const char *path;
    size_t *starts; /* where the messages in flight begin (at most max_in_flight) */
    size_t n_starts;
    size_t dropped_to; /* pages below this were dropped */
};

/* The kernel maps pages already in the page cache around a faulting one
 * (fault-around, 64 KiB), so a dropped page next to one being read can come
 * back: each drop also covers this much below the previous one. */
#define MAILBOX_REDROP (256u * 1024u)

struct scan_item {
    uv_work_t work;
    struct scan_run *run;
    size_t sequence;
    const char *path;
    char *line; /* what to print: a verdict object, or an error object */
    char *json; /* the verdict object for --report (NULL without it) */
    struct mailbox *mailbox; /* a message of it (path is then malloc'd: "path#N") */
    struct sk_mbox_msg msg;
    enum sk_verdict verdict;
    bool failed; /* an error kept this input from being scanned */
    unsigned long long bytes;
};

static void usage(FILE *out)
{
    fputs("usage: sekisho scan [options] PATH...\n"
          "  --rules PATH            add a .yar file or a folder of them (repeatable)\n"
          "  --no-bundled-rules      do not load the bundled rules/\n"
          "  --policy FILE           verdict overrides (`code = verdict` lines)\n"
          "  --password PW           a password candidate (repeatable, tried first)\n"
          "  --passwords-file FILE   password candidates, one a line\n"
          "  --body-file FILE        mail text to harvest passwords from\n"
          "  --password-rules FILE   operator password rules (PCRE2: before, password, after)\n"
          "  --jobs N                files scanned in parallel (default: cores)\n"
          "  --max-depth N           nesting depth (default 12)\n"
          "  --max-bytes N           size of one input (default 64M)\n"
          "  --max-total-bytes N     bytes extracted per input (default 256M)\n"
          "  --max-node-bytes N      bytes of one node (default 64M)\n"
          "  --max-nodes N           nodes per input (default 10000)\n"
          "  --max-ratio N           expansion ratio of one node above 1 MiB (default 250)\n"
          "  --timeout SECONDS       time per input (default 10)\n"
          "  --extract DIR           write every extracted node under DIR\n"
          "  --no-hash               skip the SHA-256 of each node\n"
          "  --cache-bytes N         node cache: outcomes of repeated nodes kept in N bytes\n"
          "                          (default 64M; 0: off; off with --no-hash, --extract)\n"
          "  --format json|text|tree JSON Lines (default), one aligned line per file, or\n"
          "                          each input as an indented tree (coloured on a terminal)\n"
          "  --report FILE.html      also write one self-contained HTML report of the scan\n"
          "  --no-mbox               scan a mailbox file whole instead of message by message\n",
          out);
}

enum {
    OPT_PASSWORD = 256,
    OPT_PASSWORDS_FILE,
    OPT_JOBS,
    OPT_BODY_FILE,
    OPT_EXTRACT,
    OPT_FORMAT,
    OPT_REPORT,
    OPT_NO_MBOX,
    OPT_HELP
};

static const struct option long_options[] = {
    SK_COMMON_LONG_OPTIONS,
    {"password", required_argument, NULL, OPT_PASSWORD},
    {"passwords-file", required_argument, NULL, OPT_PASSWORDS_FILE},
    {"body-file", required_argument, NULL, OPT_BODY_FILE},
    {"jobs", required_argument, NULL, OPT_JOBS},
    {"extract", required_argument, NULL, OPT_EXTRACT},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"report", required_argument, NULL, OPT_REPORT},
    {"no-mbox", no_argument, NULL, OPT_NO_MBOX},
    {"help", no_argument, NULL, OPT_HELP},
    {NULL, 0, NULL, 0},
};

static int parse_option(void *ctx, int opt, const char *arg)
{
    struct scan_options *o = ctx;
    unsigned long n;
    switch (opt) {
    case OPT_PASSWORD: sk_list_push(&o->passwords, &o->n_passwords, arg); return 0;
    case OPT_PASSWORDS_FILE:
        if (sk_read_passwords_file(arg, &o->passwords, &o->n_passwords) != 0) {
            fprintf(stderr, "sekisho scan: %s: %s\n", arg, strerror(errno));
            return -1;
        }
        return 0;
    case OPT_BODY_FILE:
        free(o->body);
        if (sk_read_file(arg, SK_DEFAULT_MAX_REQUEST_BYTES, &o->body, &o->body_len) != 0) {
            fprintf(stderr, "sekisho scan: --body-file %s: %s\n", arg, strerror(errno));
            return -1;
        }
        return 0;
    case OPT_JOBS:
        if (sk_parse_uint(arg, 1024, &n) || n == 0)
            return sk_bad_value("scan", "jobs", arg);
        o->jobs = (unsigned)n;
        return 0;
    case OPT_EXTRACT: o->extract_dir = arg; return 0;
    case OPT_FORMAT:
        if (strcmp(arg, "json") == 0)
            o->format = FORMAT_JSON;
        else if (strcmp(arg, "text") == 0)
            o->format = FORMAT_TEXT;
        else if (strcmp(arg, "tree") == 0)
            o->format = FORMAT_TREE;
        else
            return sk_bad_value("scan", "format", arg);
        return 0;
    case OPT_REPORT: o->report_path = arg; return 0;
    case OPT_NO_MBOX: o->no_mbox = true; return 0;
    default: return sk_common_option(&o->common, "scan", opt, arg, ULLONG_MAX);
    }
}

/* 0 to go on, 1 for --help, -1 for a usage error. */
static int parse_options(int argc, char **argv, struct scan_options *o)
{
    o->jobs = sk_online_cores();
    sk_common_options_init(&o->common);
    int rc = sk_getopt_each(argc, argv, long_options, OPT_HELP, usage, parse_option, o);
    if (rc != 0)
        return rc;
    if (optind >= argc) {
        usage(stderr);
        return -1;
    }
    return 0;
}

/* ---- the work done on pool threads ---- */

static struct sk_worker *thread_worker(struct scan_run *run)
{
    struct worker_registry *reg = &run->workers;
    struct sk_worker *worker = uv_key_get(&reg->key);
    if (worker)
        return worker;
    if (sk_worker_new(run->engine, &worker) != 0)
        return NULL;
    pthread_mutex_lock(&reg->lock);
    struct sk_worker **grown = realloc(reg->all, (reg->n + 1) * sizeof *grown);
    if (grown) {
        reg->all = grown;
        reg->all[reg->n++] = worker;
    }
    pthread_mutex_unlock(&reg->lock);
    if (!grown) {
        sk_worker_free(worker);
        return NULL;
    }
    uv_key_set(&reg->key, worker);
    return worker;
}

static char *error_line(const char *path, const char *code, const char *message)
{
    json_t *o =
        json_pack("{s:s?,s:{s:s,s:s}}", "id", path, "error", "code", code, "message", message);
    char *line = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(o);
    return line;
}

/* What to print when the engine could not even report: fail closed. */
static char *internal_failure_line(const char *path)
{
    json_t *o = json_pack("{s:s?,s:s,s:[{s:s,s:s,s:s,s:s}]}", "id", path, "verdict", "sandbox",
                          "reasons", "code", "error.internal", "verdict", "sandbox", "path", "",
                          "detail", "out of memory while reporting");
    char *line = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(o);
    return line;
}

static char *text_line(const struct sk_job *job, const char *path)
{
    char codes[512];
    sk_job_reason_codes(job, codes, sizeof codes);
    char *line;
    if (asprintf(&line, "%-7s %s%s%s", sk_verdict_name(sk_job_verdict(job)), path,
                 codes[0] ? "  " : "", codes) < 0)
        return NULL;
    return line;
}

/* The line (or lines, for a tree) to print, and the verdict object kept for
 * --report. */
static char *display_line(struct scan_item *item, const struct sk_job *job)
{
    const struct scan_options *o = item->run->opts;
    char *json = NULL;
    if (o->format != FORMAT_TEXT || o->report_path)
        json = sk_job_json(job);
    if (o->report_path)
        item->json = json ? strdup(json) : NULL;
    switch (o->format) {
    case FORMAT_TEXT: free(json); return text_line(job, item->path);
    case FORMAT_TREE: {
        char *tree = json ? sk_tree_render(json, o->colour) : NULL;
        free(json);
        return tree;
    }
    default: return json;
    }
}

static void scan_mapped(struct scan_item *item, struct sk_worker *worker, const uint8_t *p,
                        size_t size)
{
    const struct scan_options *o = item->run->opts;
    struct sk_extract extract;
    struct sk_request req = {
        .id = item->path,
        .name = item->path,
        .data = p,
        .size = size,
        .passwords = o->passwords,
        .n_passwords = o->n_passwords,
        .no_hash = o->common.no_hash,
        .body = o->body,
        .body_len = o->body_len,
    };
    if (item->run->extract_fd >= 0) {
        sk_extract_init(&extract, item->run->extract_fd, (unsigned)item->sequence, item->path);
        req.sink = sk_extract_node;
        req.sink_ctx = &extract;
    }
    struct sk_job *job = NULL;
    if (sk_scan(worker, &req, &job) != 0) {
        item->verdict = SK_VERDICT_SANDBOX;
        item->failed = true;
        item->line = internal_failure_line(item->path);
    } else {
        item->verdict = sk_job_verdict(job);
        item->failed = sk_job_has_error(job);
        item->line = display_line(item, job);
        if (!item->line) {
            item->verdict = SK_VERDICT_SANDBOX;
            item->line = internal_failure_line(item->path);
        }
    }
    sk_job_free(job);
    if (item->run->extract_fd >= 0)
        sk_extract_finish(&extract);
}

static void fail_input(struct scan_item *item, const char *code, int err);

/* One message of a mailbox: a view into the mapping, or a copy when it has
 * mboxrd-escaped lines; over --max-bytes no bytes are handed in (the engine
 * gives the message its own limit verdict). Its pages are dropped after. */
static void scan_message(struct scan_item *item, struct sk_worker *worker)
{
    const struct mailbox *mb = item->mailbox;
    const uint8_t *p = mb->map + item->msg.start;
    size_t size = item->msg.len;
    uint8_t *copy = NULL;
    item->bytes = size;
    if ((uint64_t)size > item->run->opts->common.limits.max_request_bytes) {
        p = NULL;
    } else if (item->msg.escaped) {
        copy = malloc(size ? size : 1);
        if (!copy) {
            fail_input(item, "internal", ENOMEM);
            return;
        }
        size = sk_mbox_unescape(p, size, copy);
        p = copy;
    }
    scan_mapped(item, worker, size ? p : NULL, size);
    free(copy);
    long page = sysconf(_SC_PAGESIZE);
    uintptr_t from = (uintptr_t)(mb->map + item->msg.start) & ~(uintptr_t)(page - 1);
    uintptr_t to = (uintptr_t)(mb->map + item->msg.start + item->msg.len);
    /* A neighbour still reading a shared page only faults it back in. */
    if (to > from)
        madvise((void *)from, to - from, MADV_DONTNEED);
}

static void fail_input(struct scan_item *item, const char *code, int err)
{
    item->failed = true;
    item->verdict = SK_VERDICT_SANDBOX;
    item->line = error_line(item->path, code, strerror(err));
}

static void scan_work(uv_work_t *work)
{
    struct scan_item *item = work->data;
    struct sk_worker *worker = thread_worker(item->run);
    if (!worker) {
        fail_input(item, "internal", ENOMEM);
        return;
    }
    if (item->mailbox) {
        scan_message(item, worker);
        return;
    }
    int fd = open(item->path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        fail_input(item, "io", errno);
        if (fd >= 0)
            close(fd);
        return;
    }
    item->bytes = (unsigned long long)st.st_size;
    const uint8_t *p = NULL;
    size_t size = (size_t)st.st_size;
    /* Over the request limit the engine refuses without reading; an empty
     * file cannot be mapped and needs no bytes. */
    if (size > 0 && (uint64_t)size <= item->run->opts->common.limits.max_request_bytes) {
        void *map = mmap(NULL, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
        if (map == MAP_FAILED) {
            fail_input(item, "io", errno);
            close(fd);
            return;
        }
        p = map;
    }
    close(fd);
    scan_mapped(item, worker, p, size);
    if (p)
        munmap((void *)(uintptr_t)p, size);
}

/* ---- the loop thread: submission, printing, progress ---- */

static void submit_more(struct scan_run *run);

static void show_progress(struct scan_run *run, bool final)
{
    uint64_t now = sk_now_ns();
    if (!run->progress || (!final && now - run->last_progress_ns < 100000000u))
        return;
    run->last_progress_ns = now;
    double secs = (double)(now - run->start_ns) / 1e9;
    double mbps = secs > 0 ? (double)run->totals.bytes / 1e6 / secs : 0;
    /* A mailbox counts as its messages, as far as they are known. */
    size_t done = run->totals.files + run->totals.messages;
    size_t total = run->files.n - run->totals.mailboxes + run->messages_out;
    double eta = done ? secs / (double)done * (double)(total - done) : 0;
    fprintf(stderr, "\r\033[K[%zu/%zu] %.1f MB/s ETA %.0fs", done, total, mbps, eta);
    if (final)
        fputs("\r\033[K", stderr);
    fflush(stderr);
}

static void mailbox_release(struct mailbox *mb)
{
    if (--mb->refs > 0)
        return;
    if (mb->map)
        munmap((void *)(uintptr_t)mb->map, mb->size);
    free(mb->starts);
    free(mb);
}

/* A message is done: its pages, and every page below the first message
 * still in flight, are dropped (they are read again from the file if ever
 * touched), so a mailbox's resident pages stay those of the messages in
 * flight, whatever its size. */
static void mailbox_message_done(struct mailbox *mb, size_t start)
{
    size_t low = mb->at;
    for (size_t i = 0; i < mb->n_starts; i++) {
        if (mb->starts[i] == start) {
            mb->starts[i--] = mb->starts[--mb->n_starts];
            continue;
        }
        if (mb->starts[i] < low)
            low = mb->starts[i];
    }
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    low &= ~(page - 1);
    size_t from = mb->dropped_to > MAILBOX_REDROP ? mb->dropped_to - MAILBOX_REDROP : 0;
    from &= ~(page - 1);
    if (low > from)
        madvise((void *)(uintptr_t)(mb->map + from), low - from, MADV_DONTNEED);
    if (low > mb->dropped_to)
        mb->dropped_to = low;
}

/* Prints an input's line (or tree); an input that could not be scanned has
 * an error object, not a verdict, and in a tree it is a headline too. */
static void print_item(const struct scan_run *run, struct scan_item *item)
{
    if (run->opts->format == FORMAT_TREE && item->line && item->line[0] == '{') {
        char *tree = sk_tree_render(item->line, run->opts->colour);
        if (tree) {
            free(item->line);
            item->line = tree;
        }
    }
    if (item->line) {
        fputs(item->line, stdout);
        fputc('\n', stdout);
    } else {
        printf("{\"verdict\":\"sandbox\",\"error\":{\"code\":\"internal\"}}\n");
        item->failed = true;
        item->verdict = SK_VERDICT_SANDBOX;
    }
}

static void scan_done(uv_work_t *work, int status)
{
    struct scan_item *item = work->data;
    struct scan_run *run = item->run;
    (void)status;
    if (item->failed && run->opts->format == FORMAT_JSON)
        fprintf(stderr, "sekisho: %s: not scanned whole (see its JSON line)\n", item->path);
    if (run->report)
        sk_html_report_add(run->report, item->path,
                           item->json ? item->json
                           : item->line && item->line[0] == '{' ? item->line
                                                                 : NULL,
                           item->verdict, item->bytes);
    print_item(run, item);
    if (item->mailbox) {
        run->totals.messages++;
        mailbox_message_done(item->mailbox, item->msg.start);
        mailbox_release(item->mailbox);
        free((char *)item->path);
    } else {
        run->totals.files++;
    }
    run->totals.bytes += item->bytes;
    run->totals.count[item->verdict]++;
    run->totals.errors += item->failed;
    free(item->line);
    free(item->json);
    free(item);
    run->in_flight--;
    show_progress(run, false);
    submit_more(run);
}

/* Maps `path` as a mailbox when it begins with an envelope line: 1 when it
 * is one (run->mailbox set), 0 when it is not (or cannot be read: the plain
 * scan then reports why). */
static int open_mailbox(struct scan_run *run, const char *path)
{
    uint8_t head[512];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0)
        return 0;
    ssize_t got = pread(fd, head, sizeof head, 0);
    if (got <= 0 || !sk_mbox_detect(head, (size_t)got) || fstat(fd, &st) != 0) {
        close(fd);
        return 0;
    }
    struct mailbox *mb = calloc(1, sizeof *mb);
    size_t *starts = calloc(run->max_in_flight, sizeof *starts);
    void *map = mb && starts ? mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0)
                             : MAP_FAILED;
    close(fd);
    if (map == MAP_FAILED) {
        free(starts);
        free(mb);
        return 0;
    }
    mb->starts = starts;
    madvise(map, (size_t)st.st_size, MADV_SEQUENTIAL);
    mb->map = map;
    mb->size = (size_t)st.st_size;
    mb->refs = 1;
    mb->path = path;
    run->mailbox = mb;
    run->totals.mailboxes++;
    return 1;
}

/* The next item: a message of the mailbox being split, or the next file. */
static struct scan_item *next_item(struct scan_run *run)
{
    for (;;) {
        struct mailbox *mb = run->mailbox;
        if (mb) {
            struct sk_mbox_msg msg;
            if (!sk_mbox_next(mb->map, mb->size, &mb->at, &msg)) {
                run->mailbox = NULL;
                mailbox_release(mb);
                continue;
            }
            /* A file of one message (an .eml saved with its envelope line)
             * keeps the file's own id, as a file always had. */
            bool single = mb->n == 0 && mb->at >= mb->size;
            struct scan_item *item = calloc(1, sizeof *item);
            char *id = NULL;
            if (item && single)
                id = strdup(mb->path);
            else if (item && asprintf(&id, "%s#%zu", mb->path, mb->n + 1) < 0)
                id = NULL;
            if (!id) {
                free(item);
                return NULL;
            }
            mb->starts[mb->n_starts++] = msg.start;
            mb->n++;
            mb->refs++;
            run->messages_out++;
            item->mailbox = mb;
            item->msg = msg;
            item->path = id;
            return item;
        }
        if (run->next_file >= run->files.n)
            return NULL;
        const char *path = run->files.paths[run->next_file++];
        if (!run->opts->no_mbox && open_mailbox(run, path))
            continue;
        struct scan_item *item = calloc(1, sizeof *item);
        if (item)
            item->path = path;
        return item;
    }
}

static void submit_more(struct scan_run *run)
{
    while (run->in_flight < run->max_in_flight) {
        bool more = run->mailbox || run->next_file < run->files.n;
        if (!more)
            return;
        struct scan_item *item = next_item(run);
        if (!item) {
            if (run->mailbox || run->next_file < run->files.n) {
                fprintf(stderr, "sekisho: out of memory\n");
                run->totals.errors++;
            }
            return;
        }
        item->run = run;
        item->sequence = ++run->sequence;
        item->work.data = item;
        if (uv_queue_work(run->loop, &item->work, scan_work, scan_done) != 0) {
            if (item->mailbox) {
                mailbox_message_done(item->mailbox, item->msg.start);
                mailbox_release(item->mailbox);
                free((char *)item->path);
            }
            free(item);
            run->totals.errors++;
            return;
        }
        run->in_flight++;
    }
}

static void report_walk_error(void *ctx, const char *path, int err)
{
    struct scan_run *run = ctx;
    fprintf(stderr, "sekisho: %s: %s\n", path, strerror(err));
    char *line = error_line(path, "io", strerror(err));
    if (run->report)
        sk_html_report_add(run->report, path, line, SK_VERDICT_SANDBOX, 0);
    char *tree = line && run->opts->format == FORMAT_TREE ? sk_tree_render(line, run->opts->colour)
                                                          : NULL;
    if (tree || line)
        puts(tree ? tree : line);
    free(tree);
    free(line);
    run->totals.errors++;
}

static void print_summary(const struct scan_run *run)
{
    double secs = (double)(sk_now_ns() - run->start_ns) / 1e9;
    const struct scan_totals *t = &run->totals;
    /* Inputs: files, and messages with the mailboxes they came from. */
    char inputs[128];
    int len = 0;
    if (t->files || !t->mailboxes)
        len = snprintf(inputs, sizeof inputs, "%zu files", t->files);
    if (t->mailboxes)
        snprintf(inputs + len, sizeof inputs - (size_t)len, "%s%zu messages from %zu mailbox%s",
                 len ? ", " : "", t->messages, t->mailboxes, t->mailboxes == 1 ? "" : "es");
    fprintf(stderr,
            "sekisho: %s, %.1f MB, pass %zu, sandbox %zu, block %zu, errors %zu, "
            "%.1f MB/s, %.3f s\n",
            inputs, (double)t->bytes / 1e6, t->count[SK_VERDICT_PASS],
            t->count[SK_VERDICT_SANDBOX], t->count[SK_VERDICT_BLOCK], t->errors,
            secs > 0 ? (double)t->bytes / 1e6 / secs : 0.0, secs);
}

static int make_engine(struct scan_run *run, const struct scan_options *o)
{
    const char **paths;
    size_t n;
    sk_common_rule_paths(&o->common, &paths, &n);
    struct sk_engine_config config = {
        .rule_paths = paths,
        .n_rule_paths = n,
        .policy_path = o->common.policy_path,
        .password_rules_path = o->common.password_rules,
        .limits = o->common.limits,
        .unpackers = sk_unpackers,
    };
    char err[2048];
    int rc = sk_engine_new(&config, &run->engine, err, sizeof err);
    free(paths);
    /* An extracted node must be written out: it is scanned, never replayed. */
    unsigned long long cache = o->extract_dir ? 0 : sk_common_cache_bytes(&o->common);
    if (rc == 0 && sk_engine_set_cache(run->engine, cache) != 0) {
        snprintf(err, sizeof err, "node cache of %llu bytes: out of memory", cache);
        rc = -1;
    }
    if (rc != 0)
        fprintf(stderr, "sekisho: %s\n", err);
    return rc;
}

static int exit_code(const struct scan_totals *t)
{
    if (t->errors)
        return 2;
    return t->count[SK_VERDICT_SANDBOX] || t->count[SK_VERDICT_BLOCK] ? 1 : 0;
}

static void free_run(struct scan_run *run, struct scan_options *o)
{
    for (size_t i = 0; i < run->workers.n; i++)
        sk_worker_free(run->workers.all[i]);
    free(run->workers.all);
    uv_key_delete(&run->workers.key);
    pthread_mutex_destroy(&run->workers.lock);
    sk_engine_free(run->engine);
    sk_file_list_free(&run->files);
    if (run->extract_fd >= 0)
        close(run->extract_fd);
    free(o->common.rule_paths);
    free(o->passwords);
    free(o->body);
}

int sk_cmd_scan(int argc, char **argv)
{
    struct scan_options o = {0};
    int parsed = parse_options(argc, argv, &o);
    if (parsed != 0)
        return parsed > 0 ? 0 : 2;
    /* The pool's size is read once, at its first use: set it first. */
    char jobs[16];
    snprintf(jobs, sizeof jobs, "%u", o.jobs);
    setenv("UV_THREADPOOL_SIZE", jobs, 1);

    struct scan_run run = {.opts = &o, .extract_fd = -1};
    run.loop = uv_default_loop();
    run.max_in_flight = 2u * o.jobs;
    run.progress = isatty(STDERR_FILENO);
    const char *no_color = getenv("NO_COLOR");
    o.colour = isatty(STDOUT_FILENO) && !(no_color && no_color[0]);
    uv_key_create(&run.workers.key);
    pthread_mutex_init(&run.workers.lock, NULL);
    if (make_engine(&run, &o) != 0) {
        free_run(&run, &o);
        return 2;
    }
    if (o.extract_dir && (run.extract_fd = sk_extract_open_root(o.extract_dir)) < 0) {
        fprintf(stderr, "sekisho: --extract %s: %s\n", o.extract_dir, strerror(errno));
        free_run(&run, &o);
        return 2;
    }
    if (o.report_path && !(run.report = sk_html_report_open(o.report_path))) {
        fprintf(stderr, "sekisho: --report %s: %s\n", o.report_path, strerror(errno));
        free_run(&run, &o);
        return 2;
    }
    run.start_ns = sk_now_ns();
    for (int i = optind; i < argc; i++)
        if (sk_walk(argv[i], &run.files, report_walk_error, &run) != 0)
            run.totals.errors++;
    sk_file_list_sort(&run.files);
    submit_more(&run);
    uv_run(run.loop, UV_RUN_DEFAULT);
    show_progress(&run, true);
    fflush(stdout);
    print_summary(&run);
    if (run.report) {
        double secs = (double)(sk_now_ns() - run.start_ns) / 1e9;
        if (sk_html_report_finish(run.report, secs) != 0) {
            fprintf(stderr, "sekisho: --report %s: %s\n", o.report_path, strerror(errno));
            run.totals.errors++;
        }
        run.report = NULL;
    }
    int code = exit_code(&run.totals);
    free_run(&run, &o);
    uv_loop_close(run.loop);
    return code;
}
