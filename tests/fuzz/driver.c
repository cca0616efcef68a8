/*
 * A small stand-in for libFuzzer's main, so that fuzz targets run in every
 * test build (gcc, ASan+UBSan): each seed file as is, then a fixed number of
 * deterministic mutations of each (bit flips, byte changes, truncation,
 * splices). Usage: fuzz_X [-runs N] FILE_OR_DIR...
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t rng = 0x5a4b3c2d1e0f9876ULL;
static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void mutate_and_run(const uint8_t *seed, size_t n, long runs)
{
    uint8_t *buf = malloc(n + 64);
    if (buf == NULL)
        return;
    LLVMFuzzerTestOneInput(seed, n);
    for (long r = 0; r < runs; r++) {
        size_t len = n;
        memcpy(buf, seed, n);
        int edits = 1 + (int)(next() % 8);
        for (int e = 0; e < edits && len; e++) {
            size_t at = (size_t)(next() % len);
            switch (next() % 5) {
            case 0: buf[at] ^= (uint8_t)(1u << (next() % 8)); break;
            case 1: buf[at] = (uint8_t)next(); break;
            case 2: len = at + 1; break;                                  /* truncate */
            case 3: buf[at] = (uint8_t)(next() % 2 ? 0x00 : 0xff); break; /* boundary lengths */
            default:                                                      /* splice a chunk from elsewhere */
                if (len > 8) {
                    size_t from = (size_t)(next() % (len - 4));
                    memmove(buf + at, buf + from, (len - at < 4 ? len - at : 4));
                }
            }
        }
        LLVMFuzzerTestOneInput(buf, len);
    }
    free(buf);
}

static void run_file(const char *path, long runs)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return;
    uint8_t data[1 << 16];
    size_t n = fread(data, 1, sizeof(data), f);
    fclose(f);
    mutate_and_run(data, n, runs);
}

int main(int argc, char **argv)
{
    long runs = 2000;
    int files = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-runs") && i + 1 < argc) {
            runs = strtol(argv[++i], NULL, 10);
            continue;
        }
        struct stat st;
        if (stat(argv[i], &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode)) {
            DIR *d = opendir(argv[i]);
            struct dirent *e;
            while (d && (e = readdir(d)) != NULL) {
                char p[4096];
                if (e->d_name[0] == '.')
                    continue;
                snprintf(p, sizeof(p), "%s/%s", argv[i], e->d_name);
                run_file(p, runs);
                files++;
            }
            if (d)
                closedir(d);
        } else {
            run_file(argv[i], runs);
            files++;
        }
    }
    LLVMFuzzerTestOneInput((const uint8_t *)"", 0);
    printf("ran %d seeds x %ld mutations\n", files, runs);
    return files ? 0 : 1;
}
