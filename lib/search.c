/*
 * The search engine behind every front end (command line, batch, web): one
 * open database with its alias table, and a search call that returns ranked
 * passages with snippets, facets and accent restorations (see vnsearch.h).
 */
#include "vnsearch.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "dates.h"
#include "query.h"
#include "schema.h"
#include "snippet.h"
#include "vntext.h"
#include "xapian-c.h"

/* BM25 tuned for paragraphs: lengths vary less than between whole
 * documents, so length normalisation is gentler than the usual 0.75. */
#define BM25_K1 1.2
#define BM25_K2 0.0
#define BM25_K3 1.0
#define BM25_B 0.5
#define BM25_MIN_NORMLEN 0.5

struct vs_engine {
    xc_db *db;
    xc_enquire *enq;
    xc_enquire *rerank; /* no match spies: the adjacent-pair pass (run_query) */
    alias_table *aliases;
    size_t facet_fw, facet_year;
    char *path;
};

/* The message for a failed database call: a damaged index says so and what
 * to do, before Xapian's words ("inflate failed ...", "... reopen() and
 * retry", which read as a passing fault); anything else names the index
 * and what failed.  Returns VS_ERR_DB. */
static int db_damaged(void)
{
    int st = xc_errstatus();
    return st == XC_ERR_CORRUPT || st == XC_ERR_MODIFIED || st == XC_ERR_NOT_FOUND;
}

static void damaged_message(const char *path, const char *detail, char *err, size_t cap)
{
    char d[512];
    snprintf(d, sizeof d, "%s", detail); /* detail may be err itself */
    snprintf(err, cap, "the index at %s is damaged: rebuild it with vnindex --force --db %s PATH... (%s)", path, path,
             d);
}

static int db_failure(const char *path, const char *what, char *err, size_t cap)
{
    char detail[512];
    snprintf(detail, sizeof detail, "%s: %s", what, xc_errmsg());
    if (db_damaged())
        damaged_message(path, detail, err, cap);
    else
        snprintf(err, cap, "%s: %s", path, detail);
    return VS_ERR_DB;
}

static int load_tables(vs_engine *e, char *err, size_t cap)
{
    char *fw = NULL, *al = NULL;
    size_t fl = 0, alen = 0;
    int rc = xc_db_get_metadata(e->db, META_FRAMEWORKS, &fw, &fl);
    if (rc == XC_OK)
        rc = xc_db_get_metadata(e->db, META_ALIASES, &al, &alen);
    if (rc != XC_OK) {
        free(fw);
        free(al);
        return db_failure(e->path, "cannot read its tables", err, cap);
    }
    char msg[512];
    int bad = alias_table_load(fw, fl, "frameworks.tsv (stored in the index)", al, alen,
                               "aliases.tsv (stored in the index)", &e->aliases, msg, sizeof msg);
    free(fw);
    free(al);
    if (bad) {
        snprintf(err, cap, "%s: %s", e->path, msg);
        return VS_ERR_DB;
    }
    return VS_OK;
}

int vs_open_flags_from_env(unsigned *flags, char *err, size_t cap)
{
    const char *v = getenv("VNSEARCH_ALLOW_REMOTE");
    *flags = VS_OPEN_LOCAL;
    if (!v || !*v || !strcmp(v, "no"))
        return 0;
    if (!strcmp(v, "tcp")) {
        *flags = VS_OPEN_REMOTE;
        return 0;
    }
    if (!strcmp(v, "programs")) {
        *flags = VS_OPEN_REMOTE | VS_OPEN_REMOTE_PROGRAMS;
        return 0;
    }
    snprintf(err, cap, "VNSEARCH_ALLOW_REMOTE: expected tcp, programs or no, got '%.64s'", v);
    return -1;
}

int vs_open(const char *db_path, unsigned flags, vs_engine **out, char *err, size_t cap)
{
    *out = NULL;
    struct stat st;
    if (stat(db_path, &st) != 0) {
        snprintf(err, cap, "%s: no database there (%s); build one with: vnindex --db %s corpus/", db_path,
                 strerror(errno), db_path);
        return VS_ERR_DB;
    }
    vs_engine *e = calloc(1, sizeof *e);
    if (!e || !(e->path = strdup(db_path))) {
        free(e);
        snprintf(err, cap, "out of memory");
        return VS_ERR_DB;
    }
    unsigned xflags = (flags & (VS_OPEN_REMOTE | VS_OPEN_REMOTE_PROGRAMS) ? XC_OPEN_REMOTE_TCP : 0) |
                      (flags & VS_OPEN_REMOTE_PROGRAMS ? XC_OPEN_REMOTE_PROGRAM : 0);
    int rc = xc_db_open(db_path, xflags, &e->db);
    if (rc != XC_OK) {
        if (rc == XC_ERR_PROGRAM_REFUSED)
            snprintf(err, cap, "%s; not run without --allow-remote-programs", xc_errmsg());
        else if (rc == XC_ERR_REMOTE_REFUSED)
            snprintf(err, cap, "%s; not opened without --allow-remote", xc_errmsg());
        else
            db_failure(db_path, "cannot open the database", err, cap);
        vs_close(e);
        return VS_ERR_DB;
    }
    char *version = NULL;
    size_t vl = 0;
    if (xc_db_get_metadata(e->db, META_VERSION, &version, &vl) != XC_OK) {
        db_failure(db_path, "cannot read its format version", err, cap);
        vs_close(e);
        return VS_ERR_DB;
    }
    if (!version || strcmp(version, VS_INDEX_FORMAT) != 0) {
        snprintf(err, cap,
                 "%s: not a vnsearch index of format %s (found %s); rebuild it with: vnindex --force --db %s PATH",
                 db_path, VS_INDEX_FORMAT, version ? version : "none", db_path);
        free(version);
        vs_close(e);
        return VS_ERR_DB;
    }
    free(version);
    rc = load_tables(e, err, cap);
    if (rc == VS_OK && (xc_enquire_new(e->db, &e->enq) != XC_OK || xc_enquire_new(e->db, &e->rerank) != XC_OK ||
                        xc_enquire_set_bm25(e->rerank, BM25_K1, BM25_K2, BM25_K3, BM25_B, BM25_MIN_NORMLEN) != XC_OK ||
                        xc_enquire_set_bm25(e->enq, BM25_K1, BM25_K2, BM25_K3, BM25_B, BM25_MIN_NORMLEN) != XC_OK ||
                        xc_enquire_add_facet(e->enq, SLOT_FRAMEWORK, 0, &e->facet_fw) != XC_OK ||
                        xc_enquire_add_facet(e->enq, SLOT_YEARS, ' ', &e->facet_year) != XC_OK)) {
        rc = db_failure(db_path, "cannot set up searching", err, cap);
    }
    if (rc != VS_OK) {
        vs_close(e);
        return rc;
    }
    *out = e;
    return VS_OK;
}

void vs_close(vs_engine *e)
{
    if (!e)
        return;
    xc_enquire_free(e->enq);
    xc_enquire_free(e->rerank);
    xc_db_close(e->db);
    alias_table_free(e->aliases);
    free(e->path);
    free(e);
}

const alias_table *vs_aliases(const vs_engine *e)
{
    return e->aliases;
}

size_t vs_framework_count(const vs_engine *e)
{
    return alias_framework_count(e->aliases);
}

const char *vs_framework_code(const vs_engine *e, size_t i)
{
    return alias_framework_code(e->aliases, i);
}

const char *vs_framework_name(const vs_engine *e, size_t i, int english)
{
    return alias_framework_name(e->aliases, i, english);
}

int vs_refresh(vs_engine *e)
{
    int changed = 0;
    if (xc_db_reopen(e->db, &changed) != XC_OK || !changed)
        return 0;
    /* the enquire holds the old database; the tables may have changed too */
    xc_enquire *enq = NULL, *rerank = NULL;
    if (xc_enquire_new(e->db, &enq) == XC_OK && xc_enquire_new(e->db, &rerank) == XC_OK) {
        xc_enquire_set_bm25(enq, BM25_K1, BM25_K2, BM25_K3, BM25_B, BM25_MIN_NORMLEN);
        xc_enquire_set_bm25(rerank, BM25_K1, BM25_K2, BM25_K3, BM25_B, BM25_MIN_NORMLEN);
        xc_enquire_add_facet(enq, SLOT_FRAMEWORK, 0, &e->facet_fw);
        xc_enquire_add_facet(enq, SLOT_YEARS, ' ', &e->facet_year);
        xc_enquire_free(e->enq);
        xc_enquire_free(e->rerank);
        e->enq = enq;
        e->rerank = rerank;
    } else {
        xc_enquire_free(enq);
    }
    alias_table *old = e->aliases;
    char err[256];
    if (load_tables(e, err, sizeof err) == VS_OK)
        alias_table_free(old);
    else
        e->aliases = old;
    return 1;
}

/* ------------------------------------------------------- restorations */

static const char *const vowel_forms[][3] = {
    ['a'] = {"a", "ă", "â"}, ['e'] = {"e", "ê", NULL}, ['o'] = {"o", "ô", "ơ"},
    ['u'] = {"u", "ư", NULL}, ['i'] = {"i", NULL, NULL}, ['y'] = {"y", NULL, NULL},
};
static const char *const tone_marks[] = {"", "\xcc\x80", "\xcc\x81", "\xcc\x89", "\xcc\x83", "\xcc\xa3"};

typedef struct restorer {
    vs_engine *e;
    vs_count *forms;
    size_t n, cap;
    int failed;
} restorer;

static void try_form(restorer *r, const char *candidate)
{
    char exact[VN_KEY_MAX], t[VN_KEY_MAX + 8];
    long el = vn_exact_key(candidate, strlen(candidate), exact, sizeof exact);
    if (el <= 0)
        return;
    int tl = snprintf(t, sizeof t, "%s%.*s", PREFIX_EXACT, (int)el, exact);
    for (size_t i = 0; i < r->n; i++)
        if (strlen(r->forms[i].value) == (size_t)el && memcmp(r->forms[i].value, exact, (size_t)el) == 0)
            return;
    uint32_t freq = 0;
    if (xc_db_termfreq(r->e->db, t, (size_t)tl, &freq) != XC_OK || freq == 0)
        return;
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 8;
        vs_count *p = realloc(r->forms, cap * sizeof *p);
        if (!p) {
            r->failed = 1;
            return;
        }
        r->forms = p;
        r->cap = cap;
    }
    r->forms[r->n].value = strndup(exact, (size_t)el);
    r->forms[r->n].count = freq;
    if (r->forms[r->n].value)
        r->n++;
}

/* Every spelling of a folded syllable with vowel marks, đ, and one tone on
 * any vowel (the exact key moves it to its canonical place). */
static void expand(restorer *r, const char *folded, size_t i, char *buf, size_t bl, int tone_used)
{
    if (r->failed || bl > 64)
        return;
    if (folded[i] == '\0') {
        buf[bl] = '\0';
        try_form(r, buf);
        return;
    }
    unsigned char c = (unsigned char)folded[i];
    if (c == 'd') {
        buf[bl] = 'd';
        expand(r, folded, i + 1, buf, bl + 1, tone_used);
        memcpy(buf + bl, "đ", strlen("đ"));
        expand(r, folded, i + 1, buf, bl + strlen("đ"), tone_used);
        return;
    }
    if (c < 128 && (c == 'a' || c == 'e' || c == 'o' || c == 'u' || c == 'i' || c == 'y')) {
        for (int q = 0; q < 3 && vowel_forms[c][q]; q++) {
            const char *v = vowel_forms[c][q];
            size_t vl = strlen(v);
            for (int t = 0; t < 6; t++) {
                if (t && tone_used)
                    break;
                memcpy(buf + bl, v, vl);
                size_t tl = strlen(tone_marks[t]);
                memcpy(buf + bl + vl, tone_marks[t], tl);
                expand(r, folded, i + 1, buf, bl + vl + tl, tone_used || t);
            }
        }
        return;
    }
    buf[bl] = (char)c;
    expand(r, folded, i + 1, buf, bl + 1, tone_used);
}

static int cmp_count(const void *a, const void *b)
{
    const vs_count *x = a, *y = b;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return strcmp(x->value, y->value);
}

static void restore(vs_engine *e, const parsed_query *q, vs_result *res)
{
    /* Only for a query typed without marks: in a query with marks, a word
     * without them was meant that way. */
    for (size_t i = 0; i < q->terms.count; i++)
        if (q->terms.marked[i])
            return;
    for (size_t i = 0; i < q->terms.count; i++) {
        const char *f = q->terms.folded[i];
        size_t vowels = 0, len = strlen(f);
        for (const char *p = f; *p; p++)
            vowels += strchr("aeiouy", *p) != NULL;
        if (q->terms.marked[i] || len > 8 || vowels == 0 || vowels > 3)
            continue;
        int dup = 0;
        for (size_t k = 0; k < res->nrestorations; k++)
            dup |= strcmp(res->restorations[k].typed, f) == 0;
        if (dup)
            continue;
        restorer r = {e, NULL, 0, 0, 0};
        char buf[128];
        expand(&r, f, 0, buf, 0, 0);
        int differs = 0;
        for (size_t k = 0; k < r.n; k++)
            differs |= strcmp(r.forms[k].value, f) != 0;
        if (!differs) {
            for (size_t k = 0; k < r.n; k++)
                free(r.forms[k].value);
            free(r.forms);
            continue;
        }
        qsort(r.forms, r.n, sizeof *r.forms, cmp_count);
        vs_restoration *p = realloc(res->restorations, (res->nrestorations + 1) * sizeof *p);
        if (!p) {
            for (size_t k = 0; k < r.n; k++)
                free(r.forms[k].value);
            free(r.forms);
            return;
        }
        res->restorations = p;
        p[res->nrestorations++] = (vs_restoration){strdup(f), r.forms, r.n};
    }
}

/* ------------------------------------------------------------- search */

static int facet_list(vs_engine *e, size_t index, vs_count **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    size_t cap = 0;
    for (size_t i = 0;; i++) {
        const char *v;
        size_t vl;
        uint32_t c;
        if (xc_enquire_facet(e->enq, index, i, &v, &vl, &c) != XC_OK)
            break;
        if (vl == 0)
            continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            vs_count *p = realloc(*out, cap * sizeof *p);
            if (!p)
                return -1;
            *out = p;
        }
        (*out)[*n].value = strndup(v, vl);
        (*out)[*n].count = c;
        (*n)++;
    }
    return 0;
}

static int year_order(const void *a, const void *b)
{
    return strcmp(((const vs_count *)a)->value, ((const vs_count *)b)->value);
}

/* How many of the best candidates the adjacent-pair boost may reorder.  A
 * fixed window, so the order of the first results does not depend on -n
 * or --offset. */
#define RERANK_WINDOW 20

typedef struct candidate {
    xc_docid docid;
    double weight;
    size_t index;   /* position in the mset */
    record rec;
    int have_rec;
} candidate;

static int by_weight(const void *a, const void *b)
{
    const candidate *x = a, *y = b;
    if (x->weight != y->weight)
        return x->weight > y->weight ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index; /* stable */
}

static int load_record(vs_engine *e, xc_mset *m, candidate *c, char *err, size_t cap)
{
    if (c->have_rec)
        return 0;
    char *data = NULL;
    size_t dl = 0;
    if (xc_mset_data(m, c->index, &data, &dl) != XC_OK) {
        db_failure(e->path, "cannot read a passage", err, cap);
        return -1;
    }
    if (record_decode(data, dl, &c->rec) != 0) {
        free(data);
        snprintf(err, cap, "out of memory");
        return -1;
    }
    free(data);
    c->have_rec = 1;
    return 0;
}

/* Adds to the first candidates the weight of the adjacent query words they
 * hold as phrases.  The phrases run against those passages only (an OR of
 * their Q terms), so the positional checks are a handful, not one per
 * passage holding both words; each phrase is its own FILTER branch of a
 * top-level OR (see filtered() in query.c for why). */
static int rerank(vs_engine *e, xc_mset *m, candidate *c, size_t n, const parsed_query *pq, char *err, size_t cap)
{
    if (n < 2 || pq->npairs == 0)
        return 0;
    xc_query **ids = calloc(n, sizeof *ids);
    xc_query **branches = calloc(pq->npairs, sizeof *branches);
    int rc = ids && branches ? 0 : -1;
    for (size_t i = 0; i < n && rc == 0; i++) {
        if (load_record(e, m, &c[i], err, cap))
            rc = -1;
        else {
            char t[TERM_MAX + 1];
            size_t tl = schema_term(PREFIX_ID, c[i].rec.id, t, sizeof t);
            if (!(ids[i] = xc_query_term(t, tl, 1)))
                rc = -1;
        }
    }
    xc_query *among = rc == 0 ? xc_query_combine(XC_OP_OR, ids, n, 0) : NULL;
    size_t nb = 0;
    for (size_t i = 0; among && i < pq->npairs; i++) {
        xc_query *two[2] = {pq->pairs[i], among};
        if ((branches[nb] = xc_query_combine(XC_OP_FILTER, two, 2, 0)))
            nb++;
    }
    xc_query *boost = nb ? xc_query_combine(XC_OP_OR, branches, nb, 0) : NULL;
    xc_mset *m2 = NULL;
    if (boost && xc_enquire_set_query(e->rerank, boost) == XC_OK &&
        xc_enquire_mset(e->rerank, 0, (uint32_t)n, 0, &m2) == XC_OK) {
        for (size_t k = 0; k < xc_mset_size(m2); k++) {
            xc_docid d;
            double w;
            xc_mset_docid(m2, k, &d);
            xc_mset_weight(m2, k, &w);
            for (size_t i = 0; i < n; i++)
                if (c[i].docid == d)
                    c[i].weight += w;
        }
        qsort(c, n, sizeof *c, by_weight);
    } else if (rc == 0 && boost) {
        db_failure(e->path, "search failed", err, cap);
        rc = -1;
    }
    xc_mset_free(m2);
    xc_query_free(boost);
    for (size_t i = 0; i < nb; i++)
        xc_query_free(branches[i]);
    xc_query_free(among);
    for (size_t i = 0; ids && i < n; i++)
        xc_query_free(ids[i]);
    free(ids);
    free(branches);
    return rc;
}

/* The page from the all-words query (query.h: strict) instead of the full
 * one, when that is provably the same page: the all-words query fills it,
 * and Xapian's upper bound for a passage missing a word (the all-words
 * query's maximum weight, bonus excluded) stays below the page's last
 * weight plus the bonus.  It skips the bonus branch, which decodes every
 * word's postings a second time: a third of the time of a query of common
 * words.  Returns XC_OK with *out and *matches set (the full query's
 * estimate, which Xapian gives without matching when asked for no hits),
 * XC_OK with *out left NULL when the full query must run, or an XC_ERR_*
 * status. */
static int strict_page(vs_engine *e, xc_query *full, xc_query *strict, uint32_t first, uint32_t want, xc_mset **out,
                       uint32_t *matches)
{
    xc_mset *m = NULL, *est = NULL;
    int rc = xc_enquire_set_query(e->enq, strict);
    if (rc == XC_OK)
        rc = xc_enquire_mset(e->enq, first, want, 0, &m);
    if (rc != XC_OK)
        return rc;
    size_t n = xc_mset_size(m);
    double last = 0;
    if (n < want || xc_mset_weight(m, n - 1, &last) != XC_OK ||
        !(xc_mset_max_possible(m) < last + QUERY_ALL_WORDS_BONUS)) {
        xc_mset_free(m);
        return XC_OK;
    }
    rc = xc_enquire_set_query(e->enq, full);
    if (rc == XC_OK)
        rc = xc_enquire_mset(e->enq, 0, 0, 0, &est);
    if (rc != XC_OK) {
        xc_mset_free(m);
        return rc;
    }
    *matches = xc_mset_matches_estimated(est);
    xc_mset_free(est);
    *out = m;
    return XC_OK;
}

static double monotonic(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Arms (or disarms) both enquires with what is left of the time limit of
 * a search that started at t0. */
static void arm_deadline(vs_engine *e, const vs_request *req, double t0)
{
    double left = req->time_limit > 0 ? req->time_limit - (monotonic() - t0) : 0;
    if (req->time_limit > 0 && left <= 0)
        left = 1e-9; /* already past: the next match ends at once */
    xc_enquire_set_deadline(e->enq, left);
    xc_enquire_set_deadline(e->rerank, left);
}

static int run_query(vs_engine *e, const vs_request *req, xc_query *q, const parsed_query *pq, vs_result *res,
                     double t0, char *err, size_t cap)
{
    arm_deadline(e, req, t0);
    uint32_t count = req->count ? req->count : 10, check = 0;
    if (req->facets)
        xc_db_doccount(e->db, &check);
    /* With adjacent pairs to weigh, fetch from the top so the first
     * RERANK_WINDOW can be reordered whatever page is asked for. */
    int pairs = pq->npairs > 0;
    uint32_t first = pairs ? 0 : req->offset;
    uint32_t want = pairs ? req->offset + count : count;
    if (pairs && want < RERANK_WINDOW)
        want = RERANK_WINDOW;
    xc_mset *m = NULL;
    uint32_t matches = 0;
    /* facets count every match: only the full query visits them all */
    int rc = pq->strict && !req->facets ? strict_page(e, q, pq->strict, first, want, &m, &matches) : XC_OK;
    double raise = m ? QUERY_ALL_WORDS_BONUS : 0.0; /* the page came from the all-words query */
    if (rc == XC_OK && !m) {
        rc = xc_enquire_set_query(e->enq, q);
        if (rc == XC_OK)
            rc = xc_enquire_mset(e->enq, first, want, check, &m);
        if (rc == XC_OK)
            matches = xc_mset_matches_estimated(m);
    }
    if (rc != XC_OK) {
        if (rc == XC_ERR_INVALID) {
            snprintf(err, cap, "%s: search failed: %s", e->path, xc_errmsg());
            return VS_ERR_QUERY;
        }
        return db_failure(e->path, "search failed", err, cap);
    }
    size_t n = xc_mset_size(m);
    res->matches = matches;
    candidate *c = calloc(n + 1, sizeof *c);
    res->hits = calloc(count + 1, sizeof *res->hits);
    if (!c || !res->hits) {
        free(c);
        xc_mset_free(m);
        snprintf(err, cap, "out of memory");
        return VS_ERR_DB;
    }
    for (size_t i = 0; i < n; i++) {
        c[i].index = i;
        xc_mset_docid(m, i, &c[i].docid);
        xc_mset_weight(m, i, &c[i].weight);
        c[i].weight += raise;
    }
    int status = VS_OK;
    if (pairs && rerank(e, m, c, n < RERANK_WINDOW ? n : RERANK_WINDOW, pq, err, cap))
        status = VS_ERR_DB;
    size_t lo = pairs ? req->offset : 0;
    size_t max_chars = req->snippet_chars ? req->snippet_chars : 200;
    /* What to highlight: the query's own terms.  Reading each hit's term
     * list back (Enquire::get_matching_terms) cost a quarter of a batch. */
    snippet_terms st;
    memset(&st, 0, sizeof st);
    for (size_t i = 0; i < pq->nhl_terms; i++)
        snippet_terms_add(&st, pq->hl_terms[i], strlen(pq->hl_terms[i]));
    for (size_t i = 0; i < pq->nhl_prefixes; i++)
        snippet_terms_add_prefix(&st, pq->hl_prefixes[i], strlen(pq->hl_prefixes[i]));
    snippet_terms_sort(&st);
    for (size_t i = lo; i < n && res->nhits < count && status == VS_OK; i++) {
        if (load_record(e, m, &c[i], err, cap)) {
            status = VS_ERR_DB;
            break;
        }
        vs_hit *h = &res->hits[res->nhits];
        h->rec = c[i].rec;
        c[i].have_rec = 0; /* the hit owns it now */
        h->score = c[i].weight;
        h->rank = req->offset + (uint32_t)res->nhits + 1;
        size_t tl = strlen(h->rec.text);
        snippet_highlight(h->rec.text, tl, &st, e->aliases, &h->text_spans, &h->ntext_spans);
        snippet_make(h->rec.text, tl, h->text_spans, h->ntext_spans, max_chars, &h->snippet, &h->spans, &h->nspans);
        res->nhits++;
    }
    snippet_terms_free(&st);
    for (size_t i = 0; i < n; i++)
        if (c[i].have_rec)
            record_free(&c[i].rec);
    free(c);
    xc_mset_free(m);
    if (status != VS_OK)
        return status;
    if (req->facets) {
        facet_list(e, e->facet_fw, &res->frameworks, &res->nframeworks);
        facet_list(e, e->facet_year, &res->years, &res->nyears);
        if (res->nyears)
            qsort(res->years, res->nyears, sizeof *res->years, year_order);
    }
    if (req->restore)
        restore(e, pq, res);
    res->partial = xc_enquire_timed_out(e->enq) || xc_enquire_timed_out(e->rerank);
    return VS_OK;
}

int vs_search(vs_engine *e, const vs_request *req, vs_result *res, char *err, size_t cap)
{
    memset(res, 0, sizeof *res);
    err[0] = '\0';
    double t0 = monotonic();
    parsed_query pq;
    if (query_parse(req->query ? req->query : "", &pq, err, cap) != 0)
        return VS_ERR_QUERY;

    char *codes[QUERY_MAX_FRAMEWORKS * 2];
    size_t ncodes = 0;
    for (size_t i = 0; i < req->nframeworks && ncodes < QUERY_MAX_FRAMEWORKS; i++)
        codes[ncodes++] = req->frameworks[i];
    for (size_t i = 0; i < pq.nframeworks; i++)
        codes[ncodes++] = pq.frameworks[i];
    for (size_t i = 0; i < ncodes; i++)
        if (alias_framework_find(e->aliases, codes[i]) < 0) {
            char known[512] = "";
            size_t kl = 0;
            for (size_t f = 0; f < alias_framework_count(e->aliases) && kl < sizeof known - 16; f++)
                kl += (size_t)snprintf(known + kl, sizeof known - kl, "%s%s", f ? " " : "",
                                       alias_framework_code(e->aliases, f));
            snprintf(err, cap, "unknown framework '%s' (known: %s)", codes[i], *known ? known : "none");
            query_free(&pq);
            return VS_ERR_QUERY;
        }

    uint32_t from = pq.has_date ? pq.date_from : 0, to = pq.has_date ? pq.date_to : 0;
    uint32_t v;
    if (req->from) {
        if (date_parse_bound(req->from, 0, &v)) {
            snprintf(err, cap, "bad date '%s' for --from: expected YYYY, YYYY-MM or YYYY-MM-DD, years %d-%d",
                     req->from, DATE_YEAR_MIN, DATE_YEAR_MAX);
            query_free(&pq);
            return VS_ERR_QUERY;
        }
        if (v > from)
            from = v;
    }
    if (req->to) {
        if (date_parse_bound(req->to, 1, &v)) {
            snprintf(err, cap, "bad date '%s' for --to: expected YYYY, YYYY-MM or YYYY-MM-DD, years %d-%d", req->to,
                     DATE_YEAR_MIN, DATE_YEAR_MAX);
            query_free(&pq);
            return VS_ERR_QUERY;
        }
        if (!to || v < to)
            to = v;
    }
    if (from && to && from > to) {
        snprintf(err, cap, "impossible date range: %u..%u ends before it starts", from, to);
        query_free(&pq);
        return VS_ERR_QUERY;
    }
    int has_filter = ncodes > 0 || from || to;

    /* The filters first: the query builder pushes them into its branches. */
    xc_query *filters[2] = {NULL, NULL};
    size_t nf = 0;
    if (ncodes)
        filters[nf++] = query_framework_filter(codes, ncodes);
    int impossible = 0;
    if (from || to) {
        xc_errclear();
        xc_query *d = query_date_filter(e->db, from, to, &impossible, err, cap);
        if (d)
            filters[nf++] = d;
        else if (!impossible) {
            if (db_damaged())
                damaged_message(e->path, err, err, cap);
            for (size_t i = 0; i < nf; i++)
                xc_query_free(filters[i]);
            query_free(&pq);
            return VS_ERR_DB;
        }
    }
    xc_query *filter = nf == 2 ? xc_query_combine(XC_OP_AND, filters, 2, 0) : (nf ? xc_query_copy(filters[0]) : NULL);
    for (size_t i = 0; i < nf; i++)
        xc_query_free(filters[i]);

    query_context ctx = {e->db, e->aliases, req->exact};
    int empty = 0;
    xc_errclear();
    xc_query *q = query_build(&pq, &ctx, filter, &empty, err, cap);
    int rc = VS_OK;
    if (!q && !empty && db_damaged()) {
        damaged_message(e->path, err, err, cap); /* reading terms failed (prefix*): not the query's fault */
        rc = VS_ERR_DB;
    } else if (!q && !empty) {
        rc = VS_ERR_QUERY;
    } else if (!q && !has_filter) {
        snprintf(err, cap, pq.root ? "nothing to search for: every word is excluded"
                                   : "nothing to search for: the query has no words");
        rc = VS_ERR_QUERY;
    } else if (!q && !impossible) {
        /* filters only: every passage they let through, in index order */
        xc_query *all = xc_query_match_all();
        xc_query *subs[2] = {all, filter};
        q = filter ? xc_query_combine(XC_OP_FILTER, subs, 2, 0) : NULL;
        xc_query_free(all);
        if (!q)
            rc = VS_ERR_DB;
    }
    if (q && getenv("VNSEARCH_SHOW_QUERY")) { /* what Xapian is asked, for debugging ranking */
        char *d = xc_query_describe(q);
        fprintf(stderr, "vnsearch: query %s\n", d ? d : "(cannot describe)");
        free(d);
    }
    if (rc == VS_OK && !impossible) {
        rc = run_query(e, req, q, &pq, res, t0, err, cap);
        if (rc == VS_ERR_DB && vs_refresh(e)) {
            /* the index was swapped under us, or a remote shard came back:
             * once more with fresh handles */
            vs_result_free(res);
            err[0] = '\0';
            rc = run_query(e, req, q, &pq, res, t0, err, cap);
        }
    } else if (rc == VS_OK && req->restore) {
        restore(e, &pq, res);
    }
    xc_query_free(q);
    xc_query_free(filter);
    query_free(&pq);
    return rc;
}

void vs_result_free(vs_result *r)
{
    for (size_t i = 0; i < r->nhits; i++) {
        record_free(&r->hits[i].rec);
        free(r->hits[i].snippet);
        free(r->hits[i].spans);
        free(r->hits[i].text_spans);
    }
    free(r->hits);
    for (size_t i = 0; i < r->nframeworks; i++)
        free(r->frameworks[i].value);
    for (size_t i = 0; i < r->nyears; i++)
        free(r->years[i].value);
    free(r->frameworks);
    free(r->years);
    for (size_t i = 0; i < r->nrestorations; i++) {
        for (size_t k = 0; k < r->restorations[i].nforms; k++)
            free(r->restorations[i].forms[k].value);
        free(r->restorations[i].forms);
        free(r->restorations[i].typed);
    }
    free(r->restorations);
    memset(r, 0, sizeof *r);
}
