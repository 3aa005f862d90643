/*
 * Warm-process query latency of the vnsearch engine: opens the database
 * once (vs_open), answers every query of the file once untimed (so the OS
 * cache and Xapian's tables are warm, as in a long-running front end), then
 * times each query --rounds times with clock_gettime around vs_search() +
 * vs_result_free(): top 10 with snippets, as `vnsearch --format tsv` asks
 * (no facets, no accent restoration).
 *
 *   bench-query --db DIR [--rounds 3] [--show FILE] [--per-query FILE] QUERIES
 *
 * Prints one line "vnsearch: queries=... median_ms=... p99_ms=..." (see
 * benchutil.h); --show writes each query's top 10 (id, score, snippet) so
 * the answers can be looked at next to FTS5's; --per-query writes
 * "ID<TAB>median_ms<TAB>matches<TAB>hits" per query.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "benchutil.h"
#include "vnsearch.h"

static int run_one(vs_engine *e, const char *q, vs_result *res, char *err, size_t cap)
{
    vs_request req;
    memset(&req, 0, sizeof req);
    req.query = q;
    req.count = 10;
    return vs_search(e, &req, res, err, cap);
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},        {"rounds", required_argument, NULL, 'r'},
        {"show", required_argument, NULL, 's'},      {"per-query", required_argument, NULL, 'p'},
        {NULL, 0, NULL, 0},
    };
    const char *db = "vnsearch.db", *show = NULL, *perq = NULL;
    int rounds = 3, c;
    while ((c = getopt_long(argc, argv, "d:r:s:p:", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'r': rounds = atoi(optarg); break;
        case 's': show = optarg; break;
        case 'p': perq = optarg; break;
        default:
            fprintf(stderr, "usage: bench-query --db DIR [--rounds N] [--show FILE] [--per-query FILE] QUERIES\n");
            return 2;
        }
    }
    if (optind != argc - 1 || rounds < 1) {
        fprintf(stderr, "usage: bench-query --db DIR [--rounds N] [--show FILE] [--per-query FILE] QUERIES\n");
        return 2;
    }
    bench_query *qs;
    long nq = bench_read_queries(argv[optind], &qs);
    if (nq <= 0) {
        fprintf(stderr, "bench-query: %s: no queries\n", argv[optind]);
        return 2;
    }
    char err[1024];
    unsigned flags; /* VNSEARCH_ALLOW_REMOTE, for the remote shards of bench-shards */
    if (vs_open_flags_from_env(&flags, err, sizeof err) != 0) {
        fprintf(stderr, "bench-query: %s\n", err);
        return 2;
    }
    vs_engine *e;
    double t_open = bench_now();
    if (vs_open(db, flags | VS_OPEN_HOLD_KEYS, &e, err, sizeof err) != VS_OK) { /* as the server opens it */
        fprintf(stderr, "bench-query: %s\n", err);
        return 2;
    }
    t_open = bench_now() - t_open;

    FILE *sf = show ? fopen(show, "w") : NULL;
    long failed = 0, empty = 0;
    for (long i = 0; i < nq; i++) { /* warm-up pass, and the answers for --show */
        vs_result res;
        if (run_one(e, qs[i].text, &res, err, sizeof err) != VS_OK) {
            fprintf(stderr, "bench-query: query %s (%s): %s\n", qs[i].id, qs[i].text, err);
            failed++;
            continue;
        }
        if (res.nhits == 0)
            empty++;
        if (sf) {
            fprintf(sf, "## %s\t%s\t(%u matches)\n", qs[i].id, qs[i].text, res.matches);
            for (size_t h = 0; h < res.nhits; h++)
                fprintf(sf, "%u\t%.3f\t%s\t%s\n", res.hits[h].rank, res.hits[h].score, res.hits[h].rec.id,
                        res.hits[h].snippet ? res.hits[h].snippet : "");
        }
        vs_result_free(&res);
    }
    if (sf)
        fclose(sf);

    double *samples = malloc((size_t)nq * (size_t)rounds * sizeof *samples);
    double *per = malloc((size_t)nq * (size_t)rounds * sizeof *per);
    uint32_t *matches = calloc((size_t)nq, sizeof *matches);
    size_t *nhits = calloc((size_t)nq, sizeof *nhits);
    size_t ns = 0;
    double t0 = bench_now();
    for (int r = 0; r < rounds; r++) {
        for (long i = 0; i < nq; i++) {
            vs_result res;
            double t = bench_now();
            int rc = run_one(e, qs[i].text, &res, err, sizeof err);
            if (rc == VS_OK) {
                matches[i] = res.matches;
                nhits[i] = res.nhits;
                vs_result_free(&res);
            }
            t = bench_now() - t;
            samples[ns++] = t;
            per[(size_t)i * (size_t)rounds + (size_t)r] = t;
        }
    }
    double total = bench_now() - t0;
    if (perq) {
        FILE *pf = fopen(perq, "w");
        for (long i = 0; pf && i < nq; i++) {
            double med = bench_median(per + (size_t)i * (size_t)rounds, (size_t)rounds);
            fprintf(pf, "%s\t%.3f\t%u\t%zu\n", qs[i].id, med * 1e3, matches[i], nhits[i]);
        }
        if (pf)
            fclose(pf);
    }
    printf("open_ms=%.3f failed=%ld empty=%ld\n", t_open * 1e3, failed, empty);
    bench_print_stats(stdout, "vnsearch", nq, samples, ns, total);
    free(samples);
    free(per);
    free(matches);
    free(nhits);
    vs_close(e);
    bench_free_queries(qs, nq);
    return failed ? 1 : 0;
}
