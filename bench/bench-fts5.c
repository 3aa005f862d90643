/*
 * The SQLite FTS5 peer: what an analyst gets from `sqlite3` in an afternoon.
 *
 *   bench-fts5 index DB PATH...                      build the table
 *   bench-fts5 query DB QUERIES [--rounds 3] [--show FILE] [--per-query FILE]
 *   bench-fts5 batch DB QUERIES [--threads 2]        answers to stdout, in input order
 *   bench-fts5 translate QUERIES                     print each query's FTS5 form
 *
 * index: one row per paragraph (blank-line separated blocks of the .txt
 * files under PATH, lines joined with a space: the generated corpus puts a
 * blank line between paragraphs), in one transaction, into
 *   CREATE VIRTUAL TABLE p USING fts5(file UNINDEXED, line UNINDEXED, text,
 *                                     tokenize = 'unicode61 remove_diacritics 2')
 * then 'optimize' (merges the b-tree segments into one, as vnindex compacts
 * its database).  Text is stored as is (no NFC): FTS5 drops combining marks.
 *
 * query: same protocol as bench-query (one untimed warm-up pass, then
 * --rounds timed passes), per query
 *   SELECT file, line, bm25(p), snippet(p, 2, '[', ']', '…', 24)
 *   FROM p WHERE p MATCH ?1 ORDER BY rank LIMIT 10
 * with clock_gettime around bind + every step + reset.
 *
 * The translation (fts5_translate below) from the vnsearch query language:
 *   word        -> "word"       quoted, '"' doubled, so no word is ever FTS5
 *                               syntax (AND, NOT, NEAR, '-', ':', '*' ...);
 *                               a hyphenated word becomes a phrase of its parts
 *   "a b c"     -> "a b c"      phrase
 *   prefix*     -> "prefix"*    prefix query
 *   OR, AND, ( ) -> the same operators
 *   +word       -> "word"       (terms are ANDed anyway)
 *   -word       -> ( ... ) NOT "word"
 *   framework:X, fw:X, date:A..B -> dropped: the table has no tags
 * Terms are ANDed (FTS5's implicit operator); vnsearch ranks passages with
 * all the words first but also returns those with some.  unicode61 strips
 * marks from query and text alike, so `hop tac` and `hợp tác` are the same
 * query; it does not fold đ to d, and knows no aliases (Mekong = Mê Công).
 */
#include <getopt.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <dirent.h>

#include "benchutil.h"

#define SELECT_SQL                                                                                               \
    "SELECT file, line, bm25(p), snippet(p, 2, '[', ']', '…', 24) FROM p WHERE p MATCH ?1 ORDER BY rank LIMIT 10"

/* ------------------------------------------------------------ strings */

typedef struct buf {
    char *s;
    size_t len, cap;
} buf;

static void b_putn(buf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->s = realloc(b->s, b->cap);
        if (!b->s) {
            fputs("bench-fts5: out of memory\n", stderr);
            exit(2);
        }
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

static void b_puts(buf *b, const char *s) { b_putn(b, s, strlen(s)); }

/* A word has something FTS5 would index: a letter, digit or any non-ASCII byte. */
static int has_token_chars(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x80 || (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z'))
            return 1;
    }
    return 0;
}

static void put_quoted(buf *b, const char *s, size_t n)
{
    b_putn(b, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"')
            b_putn(b, "\"\"", 2);
        else
            b_putn(b, s + i, 1);
    }
    b_putn(b, "\"", 1);
}

enum { T_TERM, T_OP, T_OPEN, T_CLOSE };

typedef struct item {
    int kind;
    char *text; /* the FTS5 text of a term or operator */
} item;

/* Returns a malloc'd FTS5 expression, or NULL when nothing searchable is
 * left (a query of filters only).  *dropped counts filters left out. */
static char *fts5_translate(const char *q, int *dropped)
{
    item it[256];
    int n = 0, depth = 0, balanced = 1;
    buf neg = {0};
    const char *p = q;
    *dropped = 0;
    while (*p && n < 250) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p)
            break;
        if (*p == '(' || *p == ')') {
            depth += *p == '(' ? 1 : -1;
            balanced &= depth >= 0;
            it[n].kind = *p == '(' ? T_OPEN : T_CLOSE;
            it[n++].text = strdup(*p == '(' ? "(" : ")");
            p++;
            continue;
        }
        int minus = 0, prefix = 0;
        if (*p == '-' || *p == '+') {
            minus = *p == '-';
            p++;
        }
        const char *s;
        size_t len;
        if (*p == '"') {
            s = ++p;
            while (*p && *p != '"')
                p++;
            len = (size_t)(p - s);
            if (*p)
                p++;
        } else {
            s = p;
            while (*p && *p != ' ' && *p != '\t' && *p != '(' && *p != ')')
                p++;
            len = (size_t)(p - s);
            if (!minus && ((len == 2 && !memcmp(s, "OR", 2)) || (len == 3 && !memcmp(s, "AND", 3)))) {
                it[n].kind = T_OP;
                it[n++].text = strndup(s, len);
                continue;
            }
            if ((len > 10 && !memcmp(s, "framework:", 10)) || (len > 3 && !memcmp(s, "fw:", 3)) ||
                (len > 5 && !memcmp(s, "date:", 5))) {
                (*dropped)++;
                continue;
            }
            if (len > 1 && s[len - 1] == '*') {
                prefix = 1;
                len--;
            }
        }
        if (!has_token_chars(s, len))
            continue;
        buf t = {0};
        put_quoted(minus ? &neg : &t, s, len);
        if (minus) {
            b_puts(&neg, " ");
            continue;
        }
        if (prefix)
            b_puts(&t, "*");
        it[n].kind = T_TERM;
        it[n++].text = t.s;
    }
    balanced &= depth == 0;
    /* Keep an operator only between two operands, parentheses only when
     * balanced; what is left is always valid FTS5. */
    buf o = {0};
    int nterms = 0, want_operand = 1, prev = T_OP;
    for (int i = 0; i < n; i++) {
        int k = it[i].kind;
        if ((k == T_OPEN || k == T_CLOSE) && !balanced)
            continue;
        if (k == T_OP) {
            int j = i + 1;
            while (j < n && !balanced && (it[j].kind == T_OPEN || it[j].kind == T_CLOSE))
                j++;
            int next_operand = j < n && (it[j].kind == T_TERM || it[j].kind == T_OPEN);
            if (want_operand || !next_operand)
                continue;
            want_operand = 1;
        } else if (k == T_TERM) {
            nterms++;
            want_operand = 0;
        } else if (k == T_OPEN) {
            want_operand = 1;
        } else {
            want_operand = 0;
        }
        /* FTS5 takes "a b" as a AND b but not ") a" or "a (": say AND */
        if ((k == T_TERM || k == T_OPEN) && (prev == T_TERM || prev == T_CLOSE))
            b_puts(&o, " AND");
        if (o.len)
            b_puts(&o, " ");
        b_puts(&o, it[i].text);
        prev = k;
    }
    for (int i = 0; i < n; i++)
        free(it[i].text);
    char *out = NULL;
    if (nterms) {
        buf r = {0};
        if (neg.len) {
            b_puts(&r, "(");
            b_puts(&r, o.s);
            b_puts(&r, ")");
            /* each excluded word: "... NOT "w"" */
            const char *w = neg.s;
            while (*w) {
                const char *e = strstr(w + 1, "\" ");
                size_t l = e ? (size_t)(e - w + 1) : strlen(w);
                b_puts(&r, " NOT ");
                b_putn(&r, w, l);
                w += l;
                while (*w == ' ')
                    w++;
            }
        } else {
            b_puts(&r, o.s);
        }
        out = r.s;
    }
    free(o.s);
    free(neg.s);
    return out;
}

/* ------------------------------------------------------------ index */

static int exec(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        fprintf(stderr, "bench-fts5: %s: %s\n", sql, msg ? msg : "?");
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

typedef struct loader {
    sqlite3_stmt *ins;
    long rows;
    size_t bytes;
} loader;

static int is_blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
            return 0;
    return 1;
}

static int load_file(loader *L, const char *path, const char *name)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        perror(path);
        return -1;
    }
    struct stat st;
    fstat(fileno(fp), &st);
    char *text = malloc((size_t)st.st_size + 1);
    size_t n = fread(text, 1, (size_t)st.st_size, fp);
    fclose(fp);
    text[n] = '\0';
    L->bytes += n;
    buf para = {0};
    long line = 0, para_line = 0;
    const char *p = text, *end = text + n;
    while (p <= end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *e = nl ? nl : end;
        line++;
        int blank = is_blank(p, (size_t)(e - p));
        if (!blank) {
            if (para.len == 0)
                para_line = line;
            else
                b_putn(&para, " ", 1);
            size_t ln = (size_t)(e - p);
            if (ln && p[ln - 1] == '\r')
                ln--;
            b_putn(&para, p, ln);
        }
        if ((blank || !nl) && para.len) {
            sqlite3_bind_text(L->ins, 1, name, -1, SQLITE_STATIC);
            sqlite3_bind_int64(L->ins, 2, para_line);
            sqlite3_bind_text(L->ins, 3, para.s, (int)para.len, SQLITE_STATIC);
            if (sqlite3_step(L->ins) != SQLITE_DONE) {
                fprintf(stderr, "bench-fts5: insert: %s\n", sqlite3_errmsg(sqlite3_db_handle(L->ins)));
                free(text);
                free(para.s);
                return -1;
            }
            sqlite3_reset(L->ins);
            L->rows++;
            para.len = 0;
        }
        if (!nl)
            break;
        p = nl + 1;
    }
    free(para.s);
    free(text);
    return 0;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int load_path(loader *L, const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        perror(path);
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        const char *slash = strrchr(path, '/');
        return load_file(L, path, slash ? slash + 1 : path);
    }
    DIR *d = opendir(path);
    if (!d) {
        perror(path);
        return -1;
    }
    char **names = NULL;
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        names = realloc(names, (n + 1) * sizeof *names);
        names[n++] = strdup(de->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp_str);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        char full[4096];
        snprintf(full, sizeof full, "%s/%s", path, names[i]);
        size_t l = strlen(names[i]);
        struct stat s2;
        if (stat(full, &s2) == 0 && S_ISDIR(s2.st_mode))
            rc = load_path(L, full);
        else if (l > 4 && !strcmp(names[i] + l - 4, ".txt"))
            rc = load_file(L, full, names[i]);
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return rc;
}

static int cmd_index(const char *dbpath, char **paths, int npaths)
{
    remove(dbpath);
    sqlite3 *db;
    if (sqlite3_open(dbpath, &db) != SQLITE_OK) {
        fprintf(stderr, "bench-fts5: %s: %s\n", dbpath, sqlite3_errmsg(db));
        return 2;
    }
    double t0 = bench_now();
    if (exec(db, "CREATE VIRTUAL TABLE p USING fts5(file UNINDEXED, line UNINDEXED, text, "
                 "tokenize = 'unicode61 remove_diacritics 2')") ||
        exec(db, "BEGIN"))
        return 2;
    loader L = {0};
    if (sqlite3_prepare_v2(db, "INSERT INTO p(file, line, text) VALUES (?1, ?2, ?3)", -1, &L.ins, NULL) !=
        SQLITE_OK) {
        fprintf(stderr, "bench-fts5: prepare: %s\n", sqlite3_errmsg(db));
        return 2;
    }
    for (int i = 0; i < npaths; i++)
        if (load_path(&L, paths[i]) != 0)
            return 2;
    sqlite3_finalize(L.ins);
    if (exec(db, "COMMIT"))
        return 2;
    double t1 = bench_now();
    if (exec(db, "INSERT INTO p(p) VALUES('optimize')"))
        return 2;
    double t2 = bench_now();
    sqlite3_close(db);
    printf("fts5-index: rows=%ld bytes=%zu load_s=%.2f optimize_s=%.2f\n", L.rows, L.bytes, t1 - t0, t2 - t1);
    return 0;
}

/* ------------------------------------------------------------ query */

typedef struct answer {
    int rows;
    buf out; /* when kept: "ID\trank\tfile:line\tscore\tsnippet\n" per row */
} answer;

static int run_query(sqlite3_stmt *st, const char *id, const char *expr, answer *a, int keep)
{
    a->rows = 0;
    if (!expr)
        return 0;
    sqlite3_bind_text(st, 1, expr, -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        a->rows++;
        const char *file = (const char *)sqlite3_column_text(st, 0);
        long line = (long)sqlite3_column_int64(st, 1);
        double score = sqlite3_column_double(st, 2);
        const char *snip = (const char *)sqlite3_column_text(st, 3);
        if (keep) {
            char head[512];
            snprintf(head, sizeof head, "%s\t%d\t%s:%ld\t%.3f\t", id, a->rows, file ? file : "", line, -score);
            b_puts(&a->out, head);
            for (const char *s = snip ? snip : ""; *s; s++) /* one line per hit, as vnsearch's tsv */
                b_putn(&a->out, *s == '\t' || *s == '\n' ? " " : s, 1);
            b_putn(&a->out, "\n", 1);
        }
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        fprintf(stderr, "bench-fts5: query %s (%s): %s\n", id, expr, sqlite3_errmsg(sqlite3_db_handle(st)));
        return -1;
    }
    return 0;
}

static sqlite3 *open_ro(const char *dbpath, sqlite3_stmt **st)
{
    sqlite3 *db;
    if (sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, SELECT_SQL, -1, st, NULL) != SQLITE_OK) {
        fprintf(stderr, "bench-fts5: %s: %s\n", dbpath, sqlite3_errmsg(db));
        exit(2);
    }
    return db;
}

static char **translate_all(bench_query *qs, long nq, long *dropped, long *skipped)
{
    char **ex = calloc((size_t)nq, sizeof *ex);
    *dropped = *skipped = 0;
    for (long i = 0; i < nq; i++) {
        int d;
        ex[i] = fts5_translate(qs[i].text, &d);
        *dropped += d > 0;
        *skipped += ex[i] == NULL;
    }
    return ex;
}

static int cmd_query(const char *dbpath, const char *qfile, int rounds, const char *show, const char *perq)
{
    bench_query *qs;
    long nq = bench_read_queries(qfile, &qs);
    if (nq <= 0)
        return 2;
    long dropped, skipped;
    char **ex = translate_all(qs, nq, &dropped, &skipped);
    sqlite3_stmt *st;
    double t_open = bench_now();
    sqlite3 *db = open_ro(dbpath, &st);
    t_open = bench_now() - t_open;
    FILE *sf = show ? fopen(show, "w") : NULL;
    long failed = 0, empty = 0;
    for (long i = 0; i < nq; i++) {
        answer a = {0};
        if (run_query(st, qs[i].id, ex[i], &a, sf != NULL))
            failed++;
        if (a.rows == 0)
            empty++;
        if (sf) {
            fprintf(sf, "## %s\t%s\t%s\n%s", qs[i].id, qs[i].text, ex[i] ? ex[i] : "(skipped)", a.out.s ? a.out.s : "");
        }
        free(a.out.s);
    }
    if (sf)
        fclose(sf);
    double *samples = malloc((size_t)nq * (size_t)rounds * sizeof *samples);
    double *per = malloc((size_t)nq * (size_t)rounds * sizeof *per);
    int *rows = calloc((size_t)nq, sizeof *rows);
    size_t ns = 0;
    double t0 = bench_now();
    for (int r = 0; r < rounds; r++)
        for (long i = 0; i < nq; i++) {
            if (!ex[i])
                continue;
            answer a = {0};
            double t = bench_now();
            run_query(st, qs[i].id, ex[i], &a, 0);
            t = bench_now() - t;
            rows[i] = a.rows;
            samples[ns++] = t;
            per[(size_t)i * (size_t)rounds + (size_t)r] = t;
        }
    double total = bench_now() - t0;
    if (perq) {
        FILE *pf = fopen(perq, "w");
        for (long i = 0; pf && i < nq; i++) {
            if (!ex[i])
                continue;
            double med = bench_median(per + (size_t)i * (size_t)rounds, (size_t)rounds);
            fprintf(pf, "%s\t%.3f\t\t%d\n", qs[i].id, med * 1e3, rows[i]);
        }
        if (pf)
            fclose(pf);
    }
    printf("open_ms=%.3f failed=%ld empty=%ld filters_dropped=%ld skipped=%ld\n", t_open * 1e3, failed, empty,
           dropped, skipped);
    bench_print_stats(stdout, "fts5", nq - skipped, samples, ns, total);
    sqlite3_finalize(st);
    sqlite3_close(db);
    for (long i = 0; i < nq; i++)
        free(ex[i]);
    free(ex);
    free(samples);
    free(per);
    free(rows);
    bench_free_queries(qs, nq);
    return failed ? 1 : 0;
}

/* ------------------------------------------------------------ batch */

typedef struct batch {
    const char *dbpath;
    bench_query *qs;
    char **ex;
    answer *ans;
    long nq;
    long next; /* handed out with __atomic_fetch_add */
    int failed;
} batch;

static void *batch_worker(void *arg)
{
    batch *b = arg;
    sqlite3_stmt *st;
    sqlite3 *db = open_ro(b->dbpath, &st);
    long i;
    while ((i = __atomic_fetch_add(&b->next, 1, __ATOMIC_RELAXED)) < b->nq)
        if (run_query(st, b->qs[i].id, b->ex[i], &b->ans[i], 1))
            __atomic_store_n(&b->failed, 1, __ATOMIC_RELAXED);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return NULL;
}

static int cmd_batch(const char *dbpath, const char *qfile, int threads)
{
    batch b = {0};
    b.dbpath = dbpath;
    b.nq = bench_read_queries(qfile, &b.qs);
    if (b.nq <= 0)
        return 2;
    long dropped, skipped;
    b.ex = translate_all(b.qs, b.nq, &dropped, &skipped);
    b.ans = calloc((size_t)b.nq, sizeof *b.ans);
    pthread_t th[64];
    if (threads < 1 || threads > 64)
        threads = 1;
    double t0 = bench_now();
    for (int t = 0; t < threads; t++)
        pthread_create(&th[t], NULL, batch_worker, &b);
    for (int t = 0; t < threads; t++)
        pthread_join(th[t], NULL);
    fputs("id\trank\tpassage\tscore\tsnippet\n", stdout);
    for (long i = 0; i < b.nq; i++) {
        if (b.ans[i].out.s)
            fwrite(b.ans[i].out.s, 1, b.ans[i].out.len, stdout);
        free(b.ans[i].out.s);
    }
    fflush(stdout);
    double t = bench_now() - t0;
    fprintf(stderr, "fts5-batch: queries=%ld threads=%d seconds=%.3f qps=%.1f\n", b.nq, threads, t, b.nq / t);
    for (long i = 0; i < b.nq; i++)
        free(b.ex[i]);
    free(b.ex);
    free(b.ans);
    bench_free_queries(b.qs, b.nq);
    return b.failed ? 1 : 0;
}

static int cmd_translate(const char *qfile)
{
    bench_query *qs;
    long nq = bench_read_queries(qfile, &qs);
    if (nq <= 0)
        return 2;
    for (long i = 0; i < nq; i++) {
        int d;
        char *e = fts5_translate(qs[i].text, &d);
        printf("%s\t%s\t%s\n", qs[i].id, qs[i].text, e ? e : "(nothing to search)");
        free(e);
    }
    bench_free_queries(qs, nq);
    return 0;
}

static void usage(void)
{
    fputs("usage: bench-fts5 index DB PATH...\n"
          "       bench-fts5 query DB QUERIES [--rounds N] [--show FILE] [--per-query FILE]\n"
          "       bench-fts5 batch DB QUERIES [--threads N]\n"
          "       bench-fts5 translate QUERIES\n",
          stderr);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        usage();
        return 2;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "translate"))
        return cmd_translate(argv[2]);
    if (!strcmp(cmd, "index") && argc >= 4)
        return cmd_index(argv[2], argv + 3, argc - 3);
    static const struct option longopts[] = {
        {"rounds", required_argument, NULL, 'r'},    {"show", required_argument, NULL, 's'},
        {"per-query", required_argument, NULL, 'p'}, {"threads", required_argument, NULL, 't'},
        {NULL, 0, NULL, 0},
    };
    int rounds = 3, threads = 2, c;
    const char *show = NULL, *perq = NULL;
    optind = 2;
    while ((c = getopt_long(argc, argv, "r:s:p:t:", longopts, NULL)) != -1) {
        switch (c) {
        case 'r': rounds = atoi(optarg); break;
        case 's': show = optarg; break;
        case 'p': perq = optarg; break;
        case 't': threads = atoi(optarg); break;
        default: usage(); return 2;
        }
    }
    if (argc - optind != 2 || rounds < 1) {
        usage();
        return 2;
    }
    if (!strcmp(cmd, "query"))
        return cmd_query(argv[optind], argv[optind + 1], rounds, show, perq);
    if (!strcmp(cmd, "batch"))
        return cmd_batch(argv[optind], argv[optind + 1], threads);
    usage();
    return 2;
}
