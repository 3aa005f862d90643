/*
 * Normaliser + tokeniser throughput on one core: reads the files given (the
 * bundled corpus by default in bench/run), tokenises them repeatedly for at
 * least two seconds computing both keys of every token, and prints MB/s.
 * The figure to beat is 50 MB/s.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vntext.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench-vntext FILE...\n");
        return 2;
    }
    size_t total = 0, cap = 0;
    char *text = NULL;
    for (int i = 1; i < argc; i++) {
        FILE *fp = fopen(argv[i], "rb");
        if (!fp) {
            perror(argv[i]);
            return 1;
        }
        fseek(fp, 0, SEEK_END);
        long n = ftell(fp);
        fseek(fp, 0, SEEK_SET);
        if (total + (size_t)n + 1 > cap) {
            cap = (total + (size_t)n + 1) * 2;
            text = realloc(text, cap);
        }
        total += fread(text + total, 1, (size_t)n, fp);
        text[total++] = '\n';
        fclose(fp);
    }
    vn_tokenizer *tok = vn_tokenizer_new();
    size_t tokens = 0, bytes = 0;
    unsigned long checksum = 0;
    double t0 = now(), t1;
    do {
        vn_tokenizer_reset(tok, text, total, 1);
        vn_token t;
        while (vn_tokenizer_next(tok, &t)) {
            tokens++;
            checksum += t.exact_len + (unsigned char)t.folded[0];
        }
        bytes += total;
        t1 = now();
    } while (t1 - t0 < 2.0);
    double mbs = bytes / (t1 - t0) / 1e6;
    printf("vntext tokenise+normalise: %.1f MB/s (%zu MB in %.2f s, %.1f M tokens/s, checksum %lu)\n", mbs,
           bytes / 1000000, t1 - t0, tokens / (t1 - t0) / 1e6, checksum % 1000);
    vn_tokenizer_free(tok);
    free(text);
    return 0;
}
