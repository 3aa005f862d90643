#include "benchutil.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

long bench_read_queries(const char *path, bench_query **out)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        perror(path);
        return -1;
    }
    bench_query *q = NULL;
    long n = 0, cap = 0, lineno = 0;
    char *line = NULL;
    size_t lcap = 0;
    ssize_t len;
    while ((len = getline(&line, &lcap, fp)) >= 0) {
        lineno++;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (len == 0 || line[0] == '#')
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 128;
            q = realloc(q, (size_t)cap * sizeof *q);
            if (!q) {
                fprintf(stderr, "%s: out of memory\n", path);
                exit(2);
            }
        }
        char *tab = strchr(line, '\t');
        char num[32];
        if (tab) {
            *tab = '\0';
            q[n].id = strdup(line);
            q[n].text = strdup(tab + 1);
        } else {
            snprintf(num, sizeof num, "%ld", lineno);
            q[n].id = strdup(num);
            q[n].text = strdup(line);
        }
        n++;
    }
    free(line);
    fclose(fp);
    *out = q;
    return n;
}

void bench_free_queries(bench_query *q, long n)
{
    for (long i = 0; i < n; i++) {
        free(q[i].id);
        free(q[i].text);
    }
    free(q);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Nearest-rank percentile on sorted samples. */
static double percentile(const double *s, size_t n, double p)
{
    if (n == 0)
        return 0;
    size_t k = (size_t)(p / 100.0 * (double)n + 0.999999);
    if (k < 1)
        k = 1;
    if (k > n)
        k = n;
    return s[k - 1];
}

double bench_median(double *v, size_t n)
{
    if (n == 0)
        return 0;
    qsort(v, n, sizeof *v, cmp_double);
    return v[n / 2];
}

void bench_print_stats(FILE *out, const char *name, long nqueries, double *samples, size_t n, double total_s)
{
    qsort(samples, n, sizeof *samples, cmp_double);
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += samples[i];
    fprintf(out, "%s: queries=%ld samples=%zu median_ms=%.3f p99_ms=%.3f mean_ms=%.3f max_ms=%.3f qps=%.1f\n", name,
            nqueries, n, percentile(samples, n, 50) * 1e3, percentile(samples, n, 99) * 1e3,
            n ? sum / (double)n * 1e3 : 0, n ? samples[n - 1] * 1e3 : 0, total_s > 0 ? (double)n / total_s : 0);
}
