/* `sekisho submit [options] FILE`: one native-protocol request to a running
 * daemon (DESIGN.md, "Native protocol"). Prints the reply line; exit codes
 * like scan: 0 pass, 1 sandbox or block, 2 an error (no verdict). */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "../engine/sekisho.h"
#include "cli.h"

int sk_cmd_submit(int argc, char **argv);

static void usage(FILE *out)
{
    fputs("usage: sekisho submit [options] FILE\n"
          "  --socket PATH       the daemon's socket (default /run/sekisho/sekisho.sock)\n"
          "  --tcp HOST:PORT     the daemon's TCP address instead (serve --tcp, or a\n"
          "                      balancer in front of several; [v6]:PORT for IPv6)\n"
          "  --type message|file how to scan FILE (default: file)\n"
          "  --id ID             request id (default: FILE)\n"
          "  --password PW       a password candidate (repeatable)\n"
          "  --body-file FILE    mail text to harvest passwords from\n",
          out);
}

/* Connects to HOST:PORT (HOST a name, an IPv4 address or [an IPv6 one]),
 * trying each address the name has. Returns the socket, or -1 with a message
 * on stderr. */
static int connect_tcp(const char *spec)
{
    const char *colon = strrchr(spec, ':');
    char host[256];
    size_t host_len = colon ? (size_t)(colon - spec) : 0;
    const char *h = spec;
    if (host_len >= 2 && spec[0] == '[' && spec[host_len - 1] == ']') {
        h = spec + 1;
        host_len -= 2;
    }
    char *end = NULL;
    unsigned long port = colon ? strtoul(colon + 1, &end, 10) : 0;
    if (!colon || host_len == 0 || host_len >= sizeof host || !end || end == colon + 1 ||
        *end != '\0' || port == 0 || port > 65535) {
        fprintf(stderr, "sekisho submit: --tcp wants HOST:PORT, not '%s'\n", spec);
        return -1;
    }
    memcpy(host, h, host_len);
    host[host_len] = '\0';
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res = NULL;
    int rc = getaddrinfo(host, colon + 1, &hints, &res);
    if (rc != 0) {
        fprintf(stderr, "sekisho submit: %s: %s\n", spec, gai_strerror(rc));
        return -1;
    }
    int fd = -1, err = 0;
    for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
            err = errno;
            close(fd);
            fd = -1;
        } else if (fd < 0) {
            err = errno;
        }
    }
    freeaddrinfo(res);
    if (fd < 0)
        fprintf(stderr, "sekisho submit: %s: %s\n", spec, strerror(err));
    return fd;
}

/* Reads one reply line (at most max bytes) into a malloc'd string. */
static char *read_line(int fd, size_t max)
{
    size_t len = 0, cap = 4096;
    char *buf = malloc(cap);
    while (buf) {
        if (len + 1 >= cap) {
            if (cap >= max) {
                free(buf);
                return NULL;
            }
            char *grown = realloc(buf, cap * 2);
            if (!grown) {
                free(buf);
                return NULL;
            }
            buf = grown;
            cap *= 2;
        }
        ssize_t r = read(fd, buf + len, cap - len - 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        len += (size_t)r;
        if (memchr(buf + len - (size_t)r, '\n', (size_t)r))
            break;
    }
    if (!buf || len == 0) {
        free(buf);
        return NULL;
    }
    buf[len] = '\0';
    char *nl = strchr(buf, '\n');
    if (nl)
        *nl = '\0';
    return buf;
}

int sk_cmd_submit(int argc, char **argv)
{
    static const struct option opts[] = {
        {"socket", required_argument, NULL, 's'},
        {"tcp", required_argument, NULL, 'T'},
        {"type", required_argument, NULL, 't'},
        {"id", required_argument, NULL, 'i'},
        {"password", required_argument, NULL, 'p'},
        {"body-file", required_argument, NULL, 'b'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *socket_path = "/run/sekisho/sekisho.sock", *tcp = NULL, *type = "file", *id = NULL;
    const char **passwords = NULL;
    size_t n_passwords = 0;
    char *body = NULL, *data = NULL, *reply = NULL;
    size_t body_len = 0, size = 0;
    int code = 2, fd = -1, opt;
    json_t *header = NULL;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (opt) {
        case 's': socket_path = optarg; tcp = NULL; break;
        case 'T': tcp = optarg; break;
        case 't':
            if (strcmp(optarg, "message") != 0 && strcmp(optarg, "file") != 0) {
                usage(stderr);
                goto out;
            }
            type = optarg;
            break;
        case 'i': id = optarg; break;
        case 'p': sk_list_push(&passwords, &n_passwords, optarg); break;
        case 'b':
            free(body);
            if (sk_read_file(optarg, SK_DEFAULT_MAX_REQUEST_BYTES, &body, &body_len) != 0) {
                fprintf(stderr, "sekisho submit: --body-file %s: %s\n", optarg,
                        strerror(errno));
                goto out;
            }
            break;
        case 'h':
            usage(stdout);
            code = 0;
            goto out;
        default: usage(stderr); goto out;
        }
    }
    if (optind + 1 != argc) {
        usage(stderr);
        goto out;
    }
    const char *path = argv[optind];
    if (sk_read_file(path, (size_t)4 << 30, &data, &size) != 0) {
        fprintf(stderr, "sekisho submit: %s: %s\n", path, strerror(errno));
        goto out;
    }
    const char *slash = strrchr(path, '/');
    header = json_pack("{s:s,s:s,s:I,s:s}", "id", id ? id : path, "type", type, "size",
                       (json_int_t)size, "filename", slash ? slash + 1 : path);
    if (!header)
        goto out;
    if (body)
        json_object_set_new(header, "body", json_stringn(body, body_len));
    if (n_passwords) {
        json_t *list = json_array();
        for (size_t i = 0; i < n_passwords; i++)
            json_array_append_new(list, json_string(passwords[i]));
        json_object_set_new(header, "passwords", list);
    }
    char *line = json_dumps(header, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (!line)
        goto out;
    if (tcp) {
        fd = connect_tcp(tcp);
    } else {
        struct sockaddr_un addr = {.sun_family = AF_UNIX};
        if (strlen(socket_path) >= sizeof addr.sun_path) {
            fprintf(stderr, "sekisho submit: bad socket path\n");
        } else {
            memcpy(addr.sun_path, socket_path, strlen(socket_path) + 1);
            fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
            if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
                fprintf(stderr, "sekisho submit: %s: %s\n", socket_path, strerror(errno));
                if (fd >= 0)
                    close(fd);
                fd = -1;
            }
        }
    }
    if (fd < 0) {
        free(line);
        goto out;
    }
    int bad = sk_write_all(fd, line, strlen(line)) || sk_write_all(fd, "\n", 1) ||
              sk_write_all(fd, data, size);
    free(line);
    if (bad) {
        fprintf(stderr, "sekisho submit: send: %s\n", strerror(errno));
        goto out;
    }
    reply = read_line(fd, (size_t)256 << 20);
    if (!reply) {
        fprintf(stderr, "sekisho submit: no reply\n");
        goto out;
    }
    puts(reply);
    json_t *r = json_loads(reply, 0, NULL);
    const char *verdict = json_string_value(json_object_get(r, "verdict"));
    if (verdict)
        code = strcmp(verdict, "pass") == 0 ? 0 : 1;
    json_decref(r);
out:
    if (fd >= 0)
        close(fd);
    json_decref(header);
    free(reply);
    free(data);
    free(body);
    free(passwords);
    return code;
}
