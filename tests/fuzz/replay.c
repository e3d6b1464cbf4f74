/* Runs a fuzz target over saved inputs without libFuzzer (zstd's replay
 * engine): each argument is a file or a folder of files. Exit 0 when every
 * input ran; a crash is the failure. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path)
{
    if (getenv("SK_REPLAY_NAMES"))
        fprintf(stderr, "replay: %s\n", path); /* save-corpus.sh pairs it with what follows */
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len == cap) {
            cap = cap ? cap * 2 : 65536;
            uint8_t *grown = realloc(buf, cap);
            if (!grown)
                break;
            buf = grown;
        }
        size_t n = fread(buf + len, 1, cap - len, f);
        if (n == 0)
            break;
        len += n;
    }
    fclose(f);
    /* The input goes in a buffer of exactly its size (none for an empty
     * file), as libFuzzer hands it over: a read past the end must reach the
     * sanitizer's red zone, not the spare capacity of the read buffer. */
    uint8_t *exact = malloc(len);
    if (exact || len == 0) {
        if (len)
            memcpy(exact, buf, len);
        LLVMFuzzerTestOneInput(exact, len);
    }
    free(exact);
    free(buf);
    return 0;
}

int main(int argc, char **argv)
{
    int runs = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            fprintf(stderr, "replay: %s: cannot read\n", argv[i]);
            return 1;
        }
        if (!S_ISDIR(st.st_mode)) {
            runs += replay_file(argv[i]) == 0;
            continue;
        }
        DIR *d = opendir(argv[i]);
        struct dirent *e;
        while (d && (e = readdir(d)) != NULL) {
            if (e->d_name[0] == '.')
                continue;
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", argv[i], e->d_name);
            runs += replay_file(path) == 0;
        }
        if (d)
            closedir(d);
    }
    printf("replay: %d inputs ran, 0 crashed\n", runs);
    return runs > 0 ? 0 : 1;
}
