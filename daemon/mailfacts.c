/* Encoding and checked decoding of a message's facts (mailfacts.h). */
#include "mailfacts.h"

#include <jansson.h>
#include <string.h>

/* A header value that is not valid UTF-8 (8-bit bytes a header carried
 * raw) cannot be JSON: it is left out, the rest of the facts still go. */
static int set_str(json_t *obj, const char *key, const char *value)
{
    json_t *v = value ? json_string(value) : NULL;
    return v ? json_object_set_new(obj, key, v) : 0;
}

static int set_list(json_t *obj, const char *key, const char *const *values, size_t n)
{
    json_t *list = json_array();
    if (!list)
        return -1;
    for (size_t i = 0; i < n; i++) {
        json_t *v = json_string(values[i]);
        if (v && json_array_append_new(list, v) != 0) {
            json_decref(list);
            return -1;
        }
    }
    return json_object_set_new(obj, key, list);
}

char *sk_mailfacts_encode(const struct sk_job *job, size_t *len)
{
    struct sk_mail_facts f;
    sk_job_mail_facts(job, &f);
    *len = 0;
    json_t *from = f.from ? json_string(f.from) : NULL;
    if (!from)
        return NULL; /* no sender to correlate by (none, or not UTF-8) */
    json_decref(from);
    json_t *obj = json_object();
    if (!obj)
        return NULL;
    int rc = set_str(obj, "from", f.from) | set_list(obj, "rcpts", f.rcpts, f.n_rcpts) |
             set_str(obj, "message_id", f.message_id) |
             set_str(obj, "in_reply_to", f.in_reply_to) |
             set_list(obj, "references", f.references, f.n_references) |
             set_str(obj, "subject", f.subject) |
             set_list(obj, "candidates", f.candidates, f.n_candidates) |
             json_object_set_new(obj, "held", json_boolean(f.held));
    char *out = rc == 0 ? json_dumps(obj, JSON_COMPACT) : NULL;
    json_decref(obj);
    if (out)
        *len = strlen(out);
    return out;
}

/* The string at key, checked: absent is fine (NULL), anything but a string
 * of at most SK_MAIL_MAX_FIELD bytes is not. */
static int get_str(json_t *obj, const char *key, const char **out)
{
    json_t *v = json_object_get(obj, key);
    *out = NULL;
    if (!v)
        return 0;
    if (!json_is_string(v) || json_string_length(v) > SK_MAIL_MAX_FIELD ||
        strlen(json_string_value(v)) != json_string_length(v))
        return -1; /* a NUL inside would cut what the store compares */
    *out = json_string_value(v);
    return 0;
}

static int get_list(json_t *obj, const char *key, const char **out, size_t max, size_t *n)
{
    json_t *list = json_object_get(obj, key);
    *n = 0;
    if (!list)
        return 0;
    if (!json_is_array(list) || json_array_size(list) > max)
        return -1;
    for (size_t i = 0; i < json_array_size(list); i++) {
        json_t *v = json_array_get(list, i);
        if (!json_is_string(v) || json_string_length(v) > SK_MAIL_MAX_FIELD ||
            strlen(json_string_value(v)) != json_string_length(v))
            return -1;
        out[(*n)++] = json_string_value(v);
    }
    return 0;
}

int sk_mailfacts_decode(const char *json, size_t len, struct sk_mailfacts *out)
{
    memset(out, 0, sizeof *out);
    json_t *obj = json_loadb(json, len, JSON_REJECT_DUPLICATES, NULL);
    if (!obj || !json_is_object(obj)) {
        json_decref(obj);
        return -1;
    }
    out->tree = obj;
    json_t *held = json_object_get(obj, "held");
    int rc = get_str(obj, "from", &out->from) |
             get_list(obj, "rcpts", out->rcpts, SK_MAIL_MAX_ADDRESSES, &out->n_rcpts) |
             get_str(obj, "message_id", &out->message_id) |
             get_str(obj, "in_reply_to", &out->in_reply_to) |
             get_list(obj, "references", out->references, SK_MAIL_MAX_REFERENCES,
                      &out->n_references) |
             get_str(obj, "subject", &out->subject) |
             get_list(obj, "candidates", out->candidates, SK_MAIL_MAX_CANDIDATES,
                      &out->n_candidates);
    if (rc != 0 || !out->from || !json_is_boolean(held)) {
        sk_mailfacts_clear(out);
        return -1;
    }
    out->held = json_is_true(held);
    return 0;
}

void sk_mailfacts_clear(struct sk_mailfacts *facts)
{
    json_decref(facts->tree);
    memset(facts, 0, sizeof *facts);
}
