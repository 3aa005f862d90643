/*
 * What the latency drivers share: the query file (ID<TAB>QUERY, as
 * `vnsearch --batch` reads it), a monotonic clock, and the statistics every
 * driver prints in the same form so bench/run can parse them.
 */
#ifndef BENCH_UTIL_H
#define BENCH_UTIL_H

#include <stddef.h>
#include <stdio.h>

typedef struct bench_query {
    char *id;
    char *text;
} bench_query;

/* Reads FILE: blank lines and '#' lines skipped; "ID<TAB>QUERY", or QUERY
 * alone (the line number is its id).  Returns the number read, -1 on error
 * (message on stderr). */
long bench_read_queries(const char *path, bench_query **out);
void bench_free_queries(bench_query *q, long n);

double bench_now(void); /* seconds, CLOCK_MONOTONIC */

/* Prints "NAME: queries=N samples=S median_ms=... p99_ms=... mean_ms=...
 * max_ms=... qps=..." from the samples (in seconds; sorted in place). */
void bench_print_stats(FILE *out, const char *name, long nqueries, double *samples, size_t n, double total_s);

/* The middle of n samples (v[n / 2] once sorted; v is sorted in place):
 * one query's time over its rounds in --per-query files. */
double bench_median(double *v, size_t n);

#endif
