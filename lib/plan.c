/*
 * From a parsed query to what the engine runs: which passages match, in
 * which tier, and what weighs (query.h: query_plan).
 *
 * Why tiers.  Vietnamese meaning lives in words of one to four syllables and
 * in the marks typed: "hạn hán" (drought) is not "Hàn" (Korea) nor "dài
 * hạn" (long term), yet all three share the folded syllable "han".  A sum
 * of weights cannot promise that the passage saying "hạn hán" comes before
 * one that says "Hàn Quốc" five times, so the promise is made by tiers,
 * in order:
 *
 *   TIER_EXACT  every word of the query, each marked syllable in the
 *               spelling typed (tone placement canonicalised);
 *   TIER_MARKS  every word, some only with other marks (a fallback, and
 *               marked as such in every output);
 *   TIER_SOME   some of the words.
 *
 * A query typed without marks has no TIER_MARKS: it is fully folded, as
 * analysts typing without an input method expect.  Within a tier, passages
 * rank by BM25 over every term of the query: each syllable folded and, where
 * typed with marks, exact; every two syllables typed next to each other as
 * a pair term, so a passage holding the words whole and in order holds
 * their pairs and outweighs one holding the syllables apart; alias terms;
 * and a date typed in the query ("tháng 11/2019"), which weighs for the
 * passages carrying it.  (In the exact tier a marked syllable's folded
 * weight rides on its exact term, fold_exact_weights(), so Xapian walks one
 * posting list for it, not two.)
 *
 * What a word is.  A "word" is a unit the tiers require whole.  Runs of the
 * alias table are words (Mekong, Nhật Bản, HNCC); a hyphenated run is one
 * (vắc-xin: its pairs, or its syllables written solid, vacxin); a date
 * typed is one; and two syllables typed next to each other are one when the
 * index says they belong together: their pair occurs in at least a tenth of
 * the passages holding the rarer of the two (cam kết, hỗ trợ, hạn hán; not
 * "bản cam" or "kết hỗ", which only a verbatim copy of the query holds).
 * No dictionary is needed, and the index's own vocabulary decides, so a
 * name or a term of art the analysts' texts use together counts as one.
 * The remaining syllables are words of one syllable.
 *
 * A quoted phrase is required, whatever else the query holds, as is +word.
 * A phrase is the AND of its pairs; one of three syllables or more is also
 * checked against the text of the hits shown (search.c), since the pairs of
 * a phrase could in principle occur apart.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dates.h"
#include "query.h"
#include "schema.h"
#include "vntext.h"

#define WILDCARD_MAX_TERMS 200
#define MAX_SYLS 256          /* syllables of one run of words considered (the rest still weigh) */
/* A pair is a word when it holds at least this share of the rarer syllable's passages. */
#define WORD_SHARE 0.1
#define PAIR_WEIGHT 1.0       /* scale of a pair term's BM25 weight */
#define UNMARKED_WEIGHT 0.5   /* an unmarked syllable's unmarked form, in a query with marks */
#define DATE_WEIGHT 4.0       /* a passage carrying a date typed in the query */

typedef struct bq {
    xc_query *f; /* the passages holding it in any spelling */
    xc_query *e; /* ... in the spelling typed (marked syllables exact) */
} bq;

/* Of a query made: the term it is (or scales), the term it implies in
 * every passage holding it (an exact syllable: its folded form), or the
 * operands of an AND or AND_NOT.  For split_tier(). */
typedef struct qinfo {
    xc_query *q;
    char *term;         /* prefix + key, or NULL */
    char *implies;      /* another term every passage with `term` holds, or NULL */
    xc_query *scaled;   /* q scales this query */
    double scale;       /* ... by this factor */
    xc_op op;           /* XC_OP_AND or XC_OP_AND_NOT with kids, else XC_OP_OR */
    xc_query **kids;
    size_t nkids;
} qinfo;

typedef struct builder {
    const query_context *ctx;
    query_plan *p;
    char *err;
    size_t errcap;
    int failed;
    int marks;         /* the query has marks somewhere */
    xc_query **made;   /* every query made, freed at the end */
    size_t nmade, capmade;
    qinfo *info;       /* what the stage rewrite needs to know of some of them */
    size_t ninfo, capinfo;
    xc_query **weights; /* the parts of plan->weight */
    size_t nweights, capweights;
    size_t wildcards;
    size_t wild_terms; /* the terms prefix* words expand to (they weigh in one OR each) */
    /* the pairs of syllables typed together in the query's top-level words,
     * and how many of them are not words of their own: the "in order" tier */
    const qnode *top;
    xc_query **inorder;
    size_t ninorder, capinorder, inorder_extra;
} builder;

/* ------------------------------------------------------------ helpers */

static void fail_nomem(builder *b)
{
    if (!b->failed)
        snprintf(b->err, b->errcap, "cannot build query: out of memory");
    b->failed = 1;
}

static xc_query *track(builder *b, xc_query *q)
{
    if (!q) {
        if (!b->failed)
            snprintf(b->err, b->errcap, "cannot build query: %s", xc_errmsg());
        b->failed = 1;
        return NULL;
    }
    if (b->nmade == b->capmade) {
        size_t cap = b->capmade ? b->capmade * 2 : 64;
        xc_query **m = realloc(b->made, cap * sizeof *m);
        if (!m) {
            xc_query_free(q);
            fail_nomem(b);
            return NULL;
        }
        b->made = m;
        b->capmade = cap;
    }
    b->made[b->nmade++] = q;
    return q;
}

static void push_str(builder *b, char ***list, size_t *n, const char *s, size_t len)
{
    char **p = realloc(*list, (*n + 1) * sizeof *p);
    if (!p) {
        fail_nomem(b);
        return;
    }
    *list = p;
    if (!(p[*n] = strndup(s, len))) {
        fail_nomem(b);
        return;
    }
    (*n)++;
}

/* Notes what split_tier() needs to know of q; NULL when out of memory
 * (the rewrite then finds nothing to do, which is safe). */
static qinfo *note(builder *b, xc_query *q)
{
    if (!q || b->failed)
        return NULL;
    if (b->ninfo == b->capinfo) {
        size_t cap = b->capinfo ? b->capinfo * 2 : 64;
        qinfo *n = realloc(b->info, cap * sizeof *n);
        if (!n)
            return NULL;
        b->info = n;
        b->capinfo = cap;
    }
    qinfo *i = &b->info[b->ninfo++];
    memset(i, 0, sizeof *i);
    i->q = q;
    i->op = XC_OP_OR;
    return i;
}

static const qinfo *info_of(const builder *b, const xc_query *q)
{
    for (size_t i = b->ninfo; q && i-- > 0;)
        if (b->info[i].q == q)
            return &b->info[i];
    return NULL;
}

/* A term query: prefix + key, noted for highlighting; `implies` is another
 * term every passage holding it holds (qinfo), or NULL. */
static xc_query *term_implying(builder *b, const char *prefix, const char *key, const char *implies)
{
    char buf[2 * VN_KEY_MAX + 16];
    int n = snprintf(buf, sizeof buf, "%s%s", prefix, key);
    if (n < 0 || (size_t)n >= sizeof buf)
        n = (int)sizeof buf - 1;
    push_str(b, &b->p->hl_terms, &b->p->nhl_terms, buf, (size_t)n);
    xc_query *q = track(b, xc_query_term(buf, (size_t)n, 1));
    qinfo *i = note(b, q);
    if (i) { /* without them the rewrite leaves the query as it is */
        i->term = strndup(buf, (size_t)n);
        i->implies = implies ? strdup(implies) : NULL;
    }
    return q;
}

static xc_query *term(builder *b, const char *prefix, const char *key)
{
    return term_implying(b, prefix, key, NULL);
}

/* The exact term of a syllable: every passage holding it holds its folded
 * key too (docbuild.c indexes both). */
static xc_query *exact_term(builder *b, const char *exact, const char *folded)
{
    return term_implying(b, PREFIX_EXACT, exact, folded);
}

static xc_query *pair_term(builder *b, const char *f1, const char *f2)
{
    char buf[2 * VN_KEY_MAX + 8];
    snprintf(buf, sizeof buf, "%s %s", f1, f2);
    return term(b, PREFIX_PAIR, buf);
}

static uint32_t termfreq(builder *b, const char *prefix, const char *key)
{
    char buf[2 * VN_KEY_MAX + 16];
    int n = snprintf(buf, sizeof buf, "%s%s", prefix, key);
    uint32_t f = 0;
    if (n > 0 && (size_t)n < sizeof buf)
        xc_db_termfreq(b->ctx->db, buf, (size_t)n, &f);
    return f;
}

static xc_query *combine(builder *b, xc_op op, xc_query **subs, size_t n)
{
    if (b->failed)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (subs[i])
            subs[k++] = subs[i];
    if (k == 0)
        return NULL;
    if (k == 1 && op != XC_OP_AND_NOT && op != XC_OP_FILTER)
        return subs[0];
    xc_query *q = track(b, xc_query_combine(op, subs, k, 0));
    if (q && (op == XC_OP_AND || op == XC_OP_AND_NOT)) {
        qinfo *i = note(b, q);
        xc_query **kids = i ? malloc(k * sizeof *kids) : NULL;
        if (kids) {
            memcpy(kids, subs, k * sizeof *kids);
            i->op = op;
            i->kids = kids;
            i->nkids = k;
        }
    }
    return q;
}

static xc_query *both(builder *b, xc_op op, xc_query *x, xc_query *y)
{
    if (!x)
        return op == XC_OP_AND_NOT ? NULL : y;
    if (!y)
        return x;
    xc_query *s[2] = {x, y};
    return combine(b, op, s, 2);
}

/* Adds a weighing part to plan->weight. */
static void weigh(builder *b, xc_query *q, double scale)
{
    if (!q || b->failed)
        return;
    if (scale != 1.0) {
        xc_query *base = q;
        q = track(b, xc_query_scale(q, scale));
        qinfo *i = note(b, q);
        if (i) {
            i->scaled = base;
            i->scale = scale;
        }
    }
    if (b->nweights == b->capweights) {
        size_t cap = b->capweights ? b->capweights * 2 : 32;
        xc_query **w = realloc(b->weights, cap * sizeof *w);
        if (!w) {
            fail_nomem(b);
            return;
        }
        b->weights = w;
        b->capweights = cap;
    }
    b->weights[b->nweights++] = q;
}

static void record_term(builder *b, const char *folded, const char *exact, int marked)
{
    query_terms *t = &b->p->terms;
    char **f = realloc(t->folded, (t->count + 1) * sizeof *f);
    if (f)
        t->folded = f;
    char **e = realloc(t->exact, (t->count + 1) * sizeof *e);
    if (e)
        t->exact = e;
    int *m = realloc(t->marked, (t->count + 1) * sizeof *m);
    if (m)
        t->marked = m;
    if (!f || !e || !m) {
        fail_nomem(b);
        return;
    }
    t->folded[t->count] = strdup(folded);
    t->exact[t->count] = strdup(exact);
    t->marked[t->count] = marked;
    if (t->folded[t->count] && t->exact[t->count])
        t->count++;
    else {
        free(t->folded[t->count]);
        free(t->exact[t->count]);
        fail_nomem(b);
    }
}

/* ---------------------------------------------------------- syllables */

/* One syllable of a run of words or of a phrase, as typed. */
typedef struct syl {
    char *f, *e;      /* folded and exact keys */
    int marked;
    size_t start, end; /* bytes in the run's text */
    int glued;        /* follows the syllable before it within a sentence (vn_glued): may make a word */
    int adj;          /* follows it within the paragraph, punctuation between or not (vn_adjacent): a pair */
    long group;       /* the hyphenated run it is part of, or -1 */
    int taken;        /* part of an alias or a date: not a word of its own */
} syl;

/* A hyphenated run: syllables first..last, and their solid form. */
typedef struct group {
    size_t first, last;
    char *f, *e;
} group;

typedef struct run {
    char *text;
    syl *s;
    size_t n;
    group *g;
    size_t ng;
} run;

static void run_free(run *r)
{
    for (size_t i = 0; i < r->n; i++) {
        free(r->s[i].f);
        free(r->s[i].e);
    }
    for (size_t i = 0; i < r->ng; i++) {
        free(r->g[i].f);
        free(r->g[i].e);
    }
    free(r->s);
    free(r->g);
    free(r->text);
    memset(r, 0, sizeof *r);
}

/* Tokenises text into syllables and hyphenated groups. */
static int run_fill(builder *b, run *r, const char *text)
{
    memset(r, 0, sizeof *r);
    r->text = strdup(text);
    size_t len = strlen(text);
    r->s = calloc(MAX_SYLS + 1, sizeof *r->s);
    r->g = calloc(MAX_SYLS + 1, sizeof *r->g);
    vn_tokenizer *tok = vn_tokenizer_new();
    if (!r->text || !r->s || !r->g || !tok) {
        vn_tokenizer_free(tok);
        fail_nomem(b);
        return -1;
    }
    vn_tokenizer_reset(tok, r->text, len, 1);
    vn_token t;
    size_t group_end = 0;
    while (vn_tokenizer_next(tok, &t) && r->n < MAX_SYLS) {
        if (t.kind == VN_TOKEN_NUMPART)
            continue;
        if (t.kind == VN_TOKEN_JOINED) {
            group *g = &r->g[r->ng++];
            g->first = r->n;
            g->last = r->n;
            g->f = strndup(t.folded, t.folded_len);
            g->e = strndup(t.exact, t.exact_len);
            if (!g->f || !g->e) {
                vn_tokenizer_free(tok);
                fail_nomem(b);
                return -1;
            }
            group_end = t.end;
            continue;
        }
        syl *s = &r->s[r->n];
        s->f = strndup(t.folded, t.folded_len);
        s->e = strndup(t.exact, t.exact_len);
        if (!s->f || !s->e) {
            free(s->f);
            free(s->e);
            s->f = s->e = NULL;
            vn_tokenizer_free(tok);
            fail_nomem(b);
            return -1;
        }
        s->marked = t.exact_len != t.folded_len || memcmp(t.exact, t.folded, t.exact_len) != 0;
        s->start = t.start;
        s->end = t.end;
        s->glued = r->n > 0 && vn_glued(r->text, r->s[r->n - 1].end, t.start);
        s->adj = r->n > 0 && vn_adjacent(r->text, r->s[r->n - 1].end, t.start);
        s->group = -1;
        if (r->ng && t.start < group_end) {
            s->group = (long)r->ng - 1;
            r->g[r->ng - 1].last = r->n;
        }
        b->marks |= s->marked;
        r->n++;
    }
    vn_tokenizer_free(tok);
    return 0;
}

/* 1 if a folded key has letters that could carry marks. */
static int markable(const char *folded)
{
    for (const char *p = folded; *p; p++)
        if (strchr("aeiouyd", *p))
            return 1;
    return 0;
}

/* A syllable: any spelling, or the spelling typed.  In a query with marks,
 * a syllable typed without them prefers its unmarked form (khoa before
 * khóa). */
static bq syllable(builder *b, const syl *s)
{
    xc_query *f = term(b, "", s->f);
    /* --exact: an unmarked "hoa" is not "hòa" either */
    xc_query *e = s->marked || (b->ctx->exact && markable(s->f)) ? exact_term(b, s->e, s->f) : f;
    weigh(b, f, 1.0);
    if (s->marked) {
        weigh(b, e, 1.0);
        push_str(b, &b->p->hl_marked, &b->p->nhl_marked, s->f, strlen(s->f));
    } else if (b->marks && markable(s->f)) {
        weigh(b, exact_term(b, s->e, s->f), UNMARKED_WEIGHT);
    }
    return (bq){f, e};
}

/* The exact terms of the marked syllables first..last, ANDed with q. */
static xc_query *with_exact(builder *b, xc_query *q, const run *r, size_t first, size_t last)
{
    xc_query *subs[MAX_SYLS + 1];
    size_t n = 0;
    subs[n++] = q;
    for (size_t i = first; i <= last; i++)
        if (r->s[i].marked)
            subs[n++] = exact_term(b, r->s[i].e, r->s[i].f);
    return combine(b, XC_OP_AND, subs, n);
}

/* The pairs of syllables first..last: their AND (every two adjacent ones as
 * a pair term, a syllable adjacent to neither as itself). */
static xc_query *chain(builder *b, const run *r, size_t first, size_t last)
{
    xc_query *subs[2 * MAX_SYLS];
    size_t n = 0;
    for (size_t i = first; i <= last; i++) {
        int pair_before = i > first && r->s[i].adj, pair_after = i < last && r->s[i + 1].adj;
        if (pair_after)
            subs[n++] = pair_term(b, r->s[i].f, r->s[i + 1].f);
        else if (!pair_before)
            subs[n++] = term(b, "", r->s[i].f);
    }
    return combine(b, XC_OP_AND, subs, n);
}

/* A hyphenated run as a word: its pairs (vắc-xin = vắc xin) or its solid
 * form (Cam-pu-chia = Campuchia). */
static bq hyphenated(builder *b, const run *r, const group *g)
{
    xc_query *solid = term(b, "", g->f);
    xc_query *pairs = chain(b, r, g->first, g->last);
    weigh(b, solid, 1.0);
    for (size_t i = g->first; i <= g->last; i++)
        if (r->s[i].marked) {
            weigh(b, exact_term(b, r->s[i].e, r->s[i].f), 1.0);
            push_str(b, &b->p->hl_marked, &b->p->nhl_marked, r->s[i].f, strlen(r->s[i].f));
        }
    xc_query *f = both(b, XC_OP_OR, solid, pairs);
    int marked = 0;
    for (size_t i = g->first; i <= g->last; i++)
        marked |= r->s[i].marked;
    xc_query *e = f;
    if (marked)
        e = both(b, XC_OP_OR, term(b, PREFIX_EXACT, g->e), with_exact(b, pairs, r, g->first, g->last));
    return (bq){f, e};
}

/* Two syllables typed together that the index holds together often enough
 * to be a word (see the top of the file). */
static int is_word(builder *b, const syl *x, const syl *y)
{
    char key[2 * VN_KEY_MAX + 8];
    snprintf(key, sizeof key, "%s %s", x->f, y->f);
    uint32_t pair = termfreq(b, PREFIX_PAIR, key);
    if (pair < 2)
        return 0;
    uint32_t fx = x->marked ? termfreq(b, PREFIX_EXACT, x->e) : termfreq(b, "", x->f);
    uint32_t fy = y->marked ? termfreq(b, PREFIX_EXACT, y->e) : termfreq(b, "", y->f);
    uint32_t rarer = fx < fy ? fx : fy;
    return rarer == 0 || (double)pair >= WORD_SHARE * (double)rarer;
}

/* ------------------------------------------------------------- dates */

/* The terms of one date span (schema.h), own or inherited. */
static xc_query *date_terms(builder *b, const date_span *d, const char *inh)
{
    char pre[16], v[32];
    xc_query *subs[64];
    size_t n = 0;
    switch (d->precision) {
    case DATE_PERIOD:
        snprintf(pre, sizeof pre, "%s%s", inh, PREFIX_PERIOD);
        snprintf(v, sizeof v, "%04u%04u", d->from / 10000, d->to / 10000);
        {
            char t[48];
            int l = snprintf(t, sizeof t, "%s%s", pre, v);
            subs[n++] = track(b, xc_query_term(t, (size_t)l, 1));
        }
        break;
    case DATE_YEAR: {
        char t[48];
        int l = snprintf(t, sizeof t, "%s%s%04u", inh, PREFIX_YEAR, d->from / 10000);
        subs[n++] = track(b, xc_query_term(t, (size_t)l, 1));
        break;
    }
    case DATE_MONTH: {
        char t[48];
        int l = snprintf(t, sizeof t, "%s%s%06u", inh, PREFIX_MONTH, d->from / 100);
        subs[n++] = track(b, xc_query_term(t, (size_t)l, 1));
        break;
    }
    case DATE_DAY:
        for (uint32_t day = d->from; day <= d->to && n < 62;) {
            char t[48];
            int l = snprintf(t, sizeof t, "%s%s%08u", inh, PREFIX_DAY, day);
            subs[n++] = track(b, xc_query_term(t, (size_t)l, 1));
            int y = (int)(day / 10000), m = (int)(day / 100 % 100), dd = (int)(day % 100) + 1;
            if (!date_valid(y, m, dd)) {
                dd = 1;
                if (++m > 12) {
                    m = 1;
                    y++;
                }
            }
            day = (uint32_t)(y * 10000 + m * 100 + dd);
        }
        break;
    }
    return combine(b, XC_OP_OR, subs, n);
}

/* A date typed in the query: the passages carrying it (their own or
 * inherited) form its word, and weigh more than the rest. */
static bq date_unit(builder *b, const date_span *d)
{
    xc_query *own = date_terms(b, d, ""), *inh = date_terms(b, d, PREFIX_INHERITED);
    weigh(b, both(b, XC_OP_AND, track(b, xc_query_fixed_weight(DATE_WEIGHT)), own), 1.0);
    weigh(b, both(b, XC_OP_AND, track(b, xc_query_fixed_weight(DATE_WEIGHT / 2)), inh), 1.0);
    xc_query *f = both(b, XC_OP_OR, own, inh);
    return (bq){f, f};
}

/* ----------------------------------------------------------- units */

typedef struct unit_list {
    bq *u;
    size_t n, cap;
} unit_list;

static void add_unit(builder *b, unit_list *l, bq q)
{
    if (!q.f)
        return;
    if (b->ctx->exact) /* --exact: the spelling typed only */
        q.f = q.e;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        bq *p = realloc(l->u, cap * sizeof *p);
        if (!p) {
            fail_nomem(b);
            return;
        }
        l->u = p;
        l->cap = cap;
    }
    l->u[l->n++] = q;
}

static int is_date_word(const char *folded)
{
    return !strcmp(folded, "thang") || !strcmp(folded, "nam") || !strcmp(folded, "ngay");
}

/* A run of plain words typed one after another: its words as units (see the
 * top of the file), and every term that weighs. */
static void run_units(builder *b, const char *text, unit_list *out, int top)
{
    run r;
    if (run_fill(b, &r, text))
        return;
    /* dates first: "tháng 11/2019" is one word, its syllables are not */
    date_span ds[16];
    size_t nd = date_parse(r.text, strlen(r.text), ds, 16);
    for (size_t k = 0; k < nd && k < 16; k++) {
        int any = 0;
        for (size_t i = 0; i < r.n; i++) {
            int inside = r.s[i].start >= ds[k].offset && r.s[i].end <= ds[k].end;
            int before = i + 1 < r.n && r.s[i + 1].start >= ds[k].offset && r.s[i + 1].start < ds[k].end &&
                         r.s[i + 1].glued && is_date_word(r.s[i].f);
            if (inside || before) {
                r.s[i].taken = 1;
                any = 1;
            }
        }
        if (any)
            add_unit(b, out, date_unit(b, &ds[k]));
    }
    /* aliases: runs of syllables that name an alias group or a framework,
     * ending where a hyphenated run ends */
    const char *keys[MAX_SYLS];
    for (size_t i = 0; i < r.n; i++)
        keys[i] = r.s[i].f;
    for (size_t i = 0; i < r.n && b->ctx->aliases;) {
        alias_match m = {0, ALIAS_GROUP, 0};
        size_t len = r.s[i].taken ? 0 : alias_match_at(b->ctx->aliases, keys, r.n, i, &m);
        int ok = len > 0;
        for (size_t k = i; ok && k < i + len; k++) /* (an alias may hold a dash: Mê Công – Lan Thương) */
            ok = !r.s[k].taken;
        if (ok && r.s[i].group >= 0 && r.g[r.s[i].group].first != i)
            ok = 0;
        if (ok && r.s[i + len - 1].group >= 0 && r.g[r.s[i + len - 1].group].last != i + len - 1)
            ok = 0;
        if (!ok) {
            i++;
            continue;
        }
        xc_query *q = m.kind == ALIAS_FRAMEWORK
                          ? term(b, PREFIX_MENTION, alias_framework_code(b->ctx->aliases, m.id))
                          : term(b, PREFIX_ALIAS, alias_group_key(b->ctx->aliases, m.id));
        weigh(b, q, 1.0);
        add_unit(b, out, (bq){q, q});
        for (size_t k = i; k < i + len; k++)
            r.s[k].taken = 1;
        i += len;
    }
    /* the rest: hyphenated runs, words of two syllables, single syllables;
     * word[i]: syllables i-1 and i make a word */
    char word[MAX_SYLS + 1];
    for (size_t i = 0; i <= r.n; i++) {
        word[i] = 0;
        if (i == 0 || i == r.n)
            continue;
        const syl *x = &r.s[i - 1], *y = &r.s[i];
        word[i] = (char)(!x->taken && !y->taken && x->group < 0 && y->group < 0 && y->glued && is_word(b, x, y));
    }
    for (size_t i = 0; i < r.n;) {
        syl *s = &r.s[i];
        if (s->taken) {
            i++;
            continue;
        }
        if (s->group >= 0) {
            const group *g = &r.g[s->group];
            for (size_t k = g->first; k <= g->last; k++)
                record_term(b, r.s[k].f, r.s[k].e, r.s[k].marked);
            add_unit(b, out, hyphenated(b, &r, g));
            i = g->last + 1;
            continue;
        }
        record_term(b, s->f, s->e, s->marked);
        bq one = syllable(b, s);
        if (word[i + 1]) {
            xc_query *pt = pair_term(b, s->f, r.s[i + 1].f);
            add_unit(b, out, (bq){pt, with_exact(b, pt, &r, i, i + 1)});
        } else if (!word[i]) {
            add_unit(b, out, one);
        }
        i++;
    }
    /* every two syllables typed together weigh as a pair, words or not,
     * whatever punctuation stands between them; at the top level, all of
     * them together make the "in order" tier */
    for (size_t i = 1; i < r.n; i++)
        if (r.s[i].adj) {
            xc_query *pt = pair_term(b, r.s[i - 1].f, r.s[i].f);
            weigh(b, pt, PAIR_WEIGHT);
            if (!top || !pt)
                continue;
            if (b->ninorder == b->capinorder) {
                size_t cap = b->capinorder ? 2 * b->capinorder : 16;
                xc_query **p = realloc(b->inorder, cap * sizeof *p);
                if (!p) {
                    fail_nomem(b);
                    continue;
                }
                b->inorder = p;
                b->capinorder = cap;
            }
            b->inorder[b->ninorder++] = pt;
            /* a pair that is a word (or inside one) is a unit already */
            if (!(word[i] || (r.s[i].group >= 0 && r.s[i].group == r.s[i - 1].group) ||
                  (r.s[i].taken && r.s[i - 1].taken)))
                b->inorder_extra++;
        }
    run_free(&r);
}

/* A quoted phrase: required; its pairs ANDed (a hyphenated run inside may
 * also be written solid). */
static bq phrase_unit(builder *b, const char *text)
{
    run r;
    if (run_fill(b, &r, text))
        return (bq){NULL, NULL};
    xc_query *fs[2 * MAX_SYLS], *es[2 * MAX_SYLS];
    size_t nf = 0, ne = 0;
    for (size_t i = 0; i < r.n; i++) {
        record_term(b, r.s[i].f, r.s[i].e, r.s[i].marked);
        if (r.s[i].marked) {
            xc_query *x = exact_term(b, r.s[i].e, r.s[i].f);
            weigh(b, x, 1.0);
            es[ne++] = x;
            push_str(b, &b->p->hl_marked, &b->p->nhl_marked, r.s[i].f, strlen(r.s[i].f));
        }
        weigh(b, term(b, "", r.s[i].f), 1.0);
        if (i > 0 && r.s[i].adj)
            weigh(b, pair_term(b, r.s[i - 1].f, r.s[i].f), PAIR_WEIGHT);
    }
    for (size_t i = 0; i < r.n;) {
        if (r.s[i].group >= 0) {
            const group *g = &r.g[r.s[i].group];
            fs[nf++] = both(b, XC_OP_OR, term(b, "", g->f), chain(b, &r, g->first, g->last));
            /* the pair joining the run to the syllable after it */
            if (g->last + 1 < r.n && r.s[g->last + 1].adj && r.s[g->last + 1].group < 0)
                fs[nf++] = pair_term(b, r.s[g->last].f, r.s[g->last + 1].f);
            i = g->last + 1;
            continue;
        }
        size_t j = i;
        while (j + 1 < r.n && r.s[j + 1].adj && r.s[j + 1].group < 0)
            j++;
        if (j + 1 < r.n && r.s[j + 1].adj) /* next to a hyphenated run after it */
            fs[nf++] = pair_term(b, r.s[j].f, r.s[j + 1].f);
        fs[nf++] = chain(b, &r, i, j);
        i = j + 1;
    }
    xc_query *f = combine(b, XC_OP_AND, fs, nf);
    for (size_t i = 0; i < nf; i++)
        es[ne++] = fs[i];
    xc_query *e = ne > nf ? combine(b, XC_OP_AND, es, ne) : f;
    if (r.n >= 3) { /* checked in the text of the hits shown */
        query_phrase *p = realloc(b->p->phrases, (b->p->nphrases + 1) * sizeof *p);
        char **keys = calloc(r.n, sizeof *keys);
        if (!p || !keys) {
            if (p)
                b->p->phrases = p;
            free(keys);
            fail_nomem(b);
        } else {
            b->p->phrases = p;
            for (size_t i = 0; i < r.n; i++)
                keys[i] = strdup(r.s[i].f);
            p[b->p->nphrases++] = (query_phrase){keys, r.n};
        }
    }
    run_free(&r);
    return (bq){f, e};
}

/* -------------------------------------------------------- prefix* words */

typedef struct wild_term {
    char *term;
    size_t len;
    uint32_t freq;
} wild_term;

typedef struct wild_set {
    wild_term *v;
    size_t n, cap;
    int failed;
} wild_set;

static int collect_wild(void *ctx, const char *term, size_t len, uint32_t freq)
{
    wild_set *w = ctx;
    if (w->n == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 256;
        wild_term *v = realloc(w->v, cap * sizeof *v);
        if (!v) {
            w->failed = 1;
            return 1;
        }
        w->v = v;
        w->cap = cap;
    }
    char *t = malloc(len + 1);
    if (!t) {
        w->failed = 1;
        return 1;
    }
    memcpy(t, term, len);
    t[len] = '\0';
    w->v[w->n++] = (wild_term){t, len, freq};
    return 0;
}

/* Most frequent first; equal frequencies in byte order, so the choice never
 * depends on how the database is split. */
static int cmp_wild(const void *a, const void *b)
{
    const wild_term *x = a, *y = b;
    if (x->freq != y->freq)
        return x->freq > y->freq ? -1 : 1;
    return strcmp(x->term, y->term);
}

/* prefix* as an OR of the WILDCARD_MAX_TERMS most frequent terms that start
 * with it, expanded here over the whole database.  Not Xapian's OP_WILDCARD:
 * Xapian 1.4 expands a wildcard inside each shard (on each xapian-tcpsrv for
 * remote ones), so a capped expansion picks different terms per shard.  And
 * an OR, not the SYNONYM OP_WILDCARD makes: 1.4 weights a synonym with each
 * shard's own statistics, while plain terms get the statistics of the whole
 * database.  Either way a sharded index would rank differently from one
 * database of the same passages (tests/test-shards.py). */
static xc_query *expand_prefix(builder *b, const char *prefix, size_t len)
{
    wild_set w = {NULL, 0, 0, 0};
    if (xc_db_allterms(b->ctx->db, prefix, len, 0, collect_wild, &w) != XC_OK || w.failed) {
        if (!b->failed)
            snprintf(b->err, b->errcap, "cannot expand %.*s*: %s", (int)len, prefix,
                     w.failed ? "out of memory" : xc_errmsg());
        b->failed = 1;
    }
    xc_query *q = NULL;
    if (!b->failed && w.n == 0) {
        q = track(b, xc_query_term(prefix, len, 1)); /* not in the index: matches nothing */
    } else if (!b->failed) {
        qsort(w.v, w.n, sizeof *w.v, cmp_wild);
        size_t k = w.n < WILDCARD_MAX_TERMS ? w.n : WILDCARD_MAX_TERMS;
        xc_query *subs[WILDCARD_MAX_TERMS];
        for (size_t i = 0; i < k; i++)
            subs[i] = track(b, xc_query_term(w.v[i].term, w.v[i].len, 1));
        b->wild_terms += k;
        q = b->failed ? NULL : (k == 1 ? subs[0] : track(b, xc_query_combine(XC_OP_OR, subs, k, 0)));
    }
    for (size_t i = 0; i < w.n; i++)
        free(w.v[i].term);
    free(w.v);
    return q;
}

static bq wildcard_unit(builder *b, const char *prefix)
{
    char f[VN_KEY_MAX + 8], e[VN_KEY_MAX];
    size_t fl = 0, el = 0;
    if (vn_keys(prefix, strlen(prefix), e, sizeof e, &el, f, sizeof f, &fl) != VN_OK || fl == 0)
        return (bq){NULL, NULL};
    xc_query *q;
    if (b->ctx->exact && (el != fl || memcmp(e, f, el) != 0)) {
        char buf[VN_KEY_MAX + 8];
        int n = snprintf(buf, sizeof buf, "%s%.*s", PREFIX_EXACT, (int)el, e);
        push_str(b, &b->p->hl_prefixes, &b->p->nhl_prefixes, buf, (size_t)n);
        q = expand_prefix(b, buf, (size_t)n);
    } else {
        push_str(b, &b->p->hl_prefixes, &b->p->nhl_prefixes, f, fl);
        q = expand_prefix(b, f, fl);
    }
    weigh(b, q, 1.0);
    return (bq){q, q};
}

/* ------------------------------------------------------------- the tree */

/* What a sequence holds: words ranked (units), required, excluded. */
typedef struct seq_parts {
    unit_list units, required;
    xc_query **excl;
    size_t nexcl;
} seq_parts;

static bq build_node(builder *b, const qnode *n);

/* The passages a node excludes: typed with marks, only that spelling.  An
 * excluded word weighs nothing, is not highlighted and has no accent
 * restoration. */
static xc_query *excluded(builder *b, const qnode *n)
{
    query_plan *p = b->p;
    size_t weights = b->nweights, hl = p->nhl_terms, terms = p->terms.count, marked = p->nhl_marked;
    bq q = build_node(b, n);
    b->nweights = weights;
    while (p->nhl_terms > hl)
        free(p->hl_terms[--p->nhl_terms]);
    while (p->nhl_marked > marked)
        free(p->hl_marked[--p->nhl_marked]);
    while (p->terms.count > terms) {
        p->terms.count--;
        free(p->terms.folded[p->terms.count]);
        free(p->terms.exact[p->terms.count]);
    }
    return q.e;
}

static void seq_collect(builder *b, const qnode *n, seq_parts *sp)
{
    memset(sp, 0, sizeof *sp);
    sp->excl = calloc(n->nkids + 1, sizeof *sp->excl);
    if (!sp->excl) {
        fail_nomem(b);
        return;
    }
    strbuf words = STRBUF_INIT; /* the run of plain words being gathered */
    for (size_t i = 0; i <= n->nkids && !b->failed; i++) {
        const qnode *k = i < n->nkids ? n->kids[i] : NULL;
        if (k && k->kind == QN_TEXT && k->sign == 0 && !n->strict) {
            if (words.len)
                sb_putc(&words, ' ');
            sb_puts(&words, k->text);
            continue;
        }
        if (words.len) { /* close the run */
            if (words.failed)
                fail_nomem(b);
            else
                run_units(b, words.s, &sp->units, n == b->top);
            sb_reset(&words);
        }
        if (!k)
            break;
        if (k->sign < 0) {
            xc_query *x = excluded(b, k);
            if (x)
                sp->excl[sp->nexcl++] = x;
            continue;
        }
        bq q = build_node(b, k);
        if (k->sign > 0 || n->strict || k->kind == QN_PHRASE)
            add_unit(b, &sp->required, q); /* quotes mean must */
        else
            add_unit(b, &sp->units, q);
    }
    sb_free(&words);
}

static void seq_free(seq_parts *sp)
{
    free(sp->units.u);
    free(sp->required.u);
    free(sp->excl);
}

/* The AND (or OR) of the units' any-spelling or exact queries. */
static xc_query *units_op(builder *b, const unit_list *l, int exact, xc_op op)
{
    xc_query **subs = calloc(l->n + 1, sizeof *subs);
    if (!subs) {
        fail_nomem(b);
        return NULL;
    }
    for (size_t i = 0; i < l->n; i++)
        subs[i] = exact ? l->u[i].e : l->u[i].f;
    xc_query *q = combine(b, op, subs, l->n);
    free(subs);
    return q;
}

static bq build_seq(builder *b, const qnode *n)
{
    seq_parts sp;
    seq_collect(b, n, &sp);
    xc_query *rf = units_op(b, &sp.required, 0, XC_OP_AND), *re = units_op(b, &sp.required, 1, XC_OP_AND);
    xc_query *uf = units_op(b, &sp.units, 0, XC_OP_OR), *ue = units_op(b, &sp.units, 1, XC_OP_AND);
    xc_query *ex = combine(b, XC_OP_OR, sp.excl, sp.nexcl);
    bq q = {rf ? rf : uf, both(b, XC_OP_AND, re, ue)};
    q.f = both(b, XC_OP_AND_NOT, q.f, ex);
    q.e = both(b, XC_OP_AND_NOT, q.e, ex);
    seq_free(&sp);
    return q;
}

static bq build_node(builder *b, const qnode *n)
{
    if (!n || b->failed)
        return (bq){NULL, NULL};
    switch (n->kind) {
    case QN_TEXT: {
        unit_list l = {NULL, 0, 0};
        run_units(b, n->text, &l, 0);
        bq q = {units_op(b, &l, 0, XC_OP_AND), units_op(b, &l, 1, XC_OP_AND)};
        free(l.u);
        return q;
    }
    case QN_PHRASE:
        return phrase_unit(b, n->text);
    case QN_WILDCARD:
        if (++b->wildcards > QUERY_MAX_WILDCARDS) /* the parser refuses more; a guard */
            return (bq){NULL, NULL};
        return wildcard_unit(b, n->text);
    case QN_SEQ:
        return build_seq(b, n);
    case QN_OR: {
        xc_query **fs = calloc(n->nkids + 1, sizeof *fs), **es = calloc(n->nkids + 1, sizeof *es);
        if (!fs || !es) {
            free(fs);
            free(es);
            fail_nomem(b);
            return (bq){NULL, NULL};
        }
        for (size_t i = 0; i < n->nkids; i++) {
            bq k = build_node(b, n->kids[i]);
            fs[i] = k.f;
            es[i] = k.e;
        }
        bq q = {combine(b, XC_OP_OR, fs, n->nkids), combine(b, XC_OP_OR, es, n->nkids)};
        free(fs);
        free(es);
        return q;
    }
    }
    return (bq){NULL, NULL};
}

/* The tiers of the whole query (see the top of the file). */
static void build_tiers(builder *b, const qnode *root)
{
    query_plan *p = b->p;
    xc_query *all_f, *all_e, *some, *excl = NULL;
    if (root->kind == QN_SEQ && !root->strict) {
        seq_parts sp;
        b->top = root;
        seq_collect(b, root, &sp);
        xc_query *rf = units_op(b, &sp.required, 0, XC_OP_AND), *re = units_op(b, &sp.required, 1, XC_OP_AND);
        all_f = both(b, XC_OP_AND, rf, units_op(b, &sp.units, 0, XC_OP_AND));
        all_e = both(b, XC_OP_AND, re, units_op(b, &sp.units, 1, XC_OP_AND));
        /* with a required word, the others only rank (AND_MAYBE) */
        some = rf ? rf : units_op(b, &sp.units, 0, XC_OP_OR);
        excl = combine(b, XC_OP_OR, sp.excl, sp.nexcl);
        seq_free(&sp);
    } else {
        bq q = build_node(b, root);
        if (root->sign < 0) { /* only an excluded word: nothing to search for */
            all_f = all_e = some = NULL;
        } else {
            all_f = some = q.f;
            all_e = q.e;
        }
    }
    if (b->failed || !some)
        return;
    size_t k = 0;
    /* first, the passages holding the query's words as typed, in order:
     * every pair of syllables typed together (when some pair is more than
     * a word of the query, so this says more than all_e) */
    xc_query *inorder = b->inorder_extra ? combine(b, XC_OP_AND, b->inorder, b->ninorder) : NULL;
    if (inorder) {
        p->tier[k] = both(b, XC_OP_AND, all_e, inorder);
        p->kind[k++] = TIER_EXACT;
        all_e = both(b, XC_OP_AND_NOT, all_e, inorder);
    }
    p->tier[k] = all_e;
    p->kind[k++] = TIER_EXACT;
    if (b->marks && !b->ctx->exact) {
        p->tier[k] = both(b, XC_OP_AND_NOT, all_f, all_e);
        p->kind[k++] = TIER_MARKS;
    }
    if (some != all_f) {
        p->tier[k] = both(b, XC_OP_AND_NOT, some, all_f);
        p->kind[k++] = TIER_SOME;
    }
    p->ntiers = k;
    p->match = some;
    p->exclude = excl;
}

/* ------------------------------------------------------------ the rewrite
 *
 * Every stage asks Xapian for `weight FILTER tier`: an OR of every weighing
 * term, restricted to the tier's passages.  A tier requires most of those
 * terms (hợp tác exact: XWhop tac, XEhợp, XEtác, and so hop and tac), so
 * Xapian walked the same posting lists twice, once to weigh and once to
 * filter.  A weighing term the tier requires can weigh inside an AND
 * instead, where it filters too: the same passages, the same weights (an
 * AND's weight is the sum of its parts', as the OR's was for a passage
 * holding them all), a third fewer posting lists, and 35% less time on a
 * query of two common words. */

#define SPLIT_MAX 256 /* weights and conjuncts: a bigger query keeps the plain form */

/* The tier as a conjunction: terms or other queries that must match (pos)
 * and queries that must not (neg).  0 when it does not fit. */
static int flatten(const builder *b, xc_query *q, xc_query **pos, size_t *npos, xc_query **neg, size_t *nneg)
{
    const qinfo *i = info_of(b, q);
    if (i && i->op == XC_OP_AND) {
        for (size_t k = 0; k < i->nkids; k++)
            if (!flatten(b, i->kids[k], pos, npos, neg, nneg))
                return 0;
        return 1;
    }
    if (i && i->op == XC_OP_AND_NOT) {
        if (!flatten(b, i->kids[0], pos, npos, neg, nneg))
            return 0;
        for (size_t k = 1; k < i->nkids; k++) {
            if (*nneg == SPLIT_MAX)
                return 0;
            neg[(*nneg)++] = i->kids[k];
        }
        return 1;
    }
    if (*npos == SPLIT_MAX)
        return 0;
    pos[(*npos)++] = q;
    return 1;
}

/* The term a weighing part is (scaled or not), or NULL. */
static const char *weight_term(const builder *b, xc_query *w)
{
    const qinfo *i = info_of(b, w);
    if (i && i->scaled)
        i = info_of(b, i->scaled);
    return i ? i->term : NULL;
}

/* 1 if every passage holding the term `c` (a tier's conjunct) holds `t`. */
static int implies(const qinfo *c, const char *t)
{
    if (!c || !c->term)
        return 0;
    if (strcmp(c->term, t) == 0 || (c->implies && strcmp(c->implies, t) == 0))
        return 1;
    /* a pair holds both its syllables, folded (docbuild.c) */
    size_t lp = strlen(PREFIX_PAIR);
    if (strncmp(c->term, PREFIX_PAIR, lp) != 0)
        return 0;
    const char *pair = c->term + lp, *sp = strchr(pair, ' ');
    size_t n = strlen(t);
    if (!sp)
        return 0;
    if ((size_t)(sp - pair) == n && memcmp(pair, t, n) == 0)
        return 1;
    return strcmp(sp + 1, t) == 0;
}

/* The factor a weighing part scales its term by (1 if it is the term). */
static double weight_scale(const builder *b, xc_query *w)
{
    const qinfo *i = info_of(b, w);
    return i && i->scaled ? i->scale : 1.0;
}

static xc_query *weight_base(const builder *b, xc_query *w)
{
    const qinfo *i = info_of(b, w);
    return i && i->scaled ? i->scaled : w;
}

/* Xapian's BM25 idf for a term in tf of n passages (bm25weight.cc, no
 * relevance set: a term in more than a third of them is damped). */
static double bm25_idf(uint32_t tf, uint32_t n)
{
    double tw = ((double)n - tf + 0.5) / ((double)tf + 0.5);
    if (tw < 2)
        tw = tw * 0.5 + 1;
    return log(tw);
}

/* The index of the one term of wt[0..n) that is t, or n (none, or more
 * than one). */
static size_t weight_of(const char *const *wt, size_t n, const char *t)
{
    size_t at = n;
    for (size_t i = 0; i < n; i++) {
        if (wt[i] && strcmp(wt[i], t) == 0) {
            if (at != n)
                return n;
            at = i;
        }
    }
    return at;
}

/* One posting list weighs for two.  A tier that requires a syllable in the
 * spelling typed (XEhợp) weighs it twice: exact, and folded (hop).  Every
 * passage of the tier holds both, as often (docbuild.c adds one of each per
 * syllable) unless it also holds the syllable with other marks (họp), and
 * BM25's part for a term is its idf times a factor of the count and the
 * passage's length alone.  So the folded part is the exact one times the
 * ratio of their idfs, and the exact term scaled by (1 + that ratio) gives
 * the passages of the tier the weights they had, without walking the folded
 * term's list, the longest of the query (in two thirds of the passages for
 * "hợp tác": 5 lists of 200,000 postings became 3).  A passage that also
 * holds other spellings no longer gains from them inside this tier, which
 * is the tier's meaning.  Returns the new count of and[]. */
static size_t fold_exact_weights(builder *b, xc_query **and, size_t nand, const qinfo *const *conj, size_t npos)
{
    uint32_t docs = 0;
    if (b->ctx->weigh_both)
        return nand;
    const char *wt[SPLIT_MAX]; /* the term of each part, looked up once (kept in step with and[]) */
    for (size_t i = 0; i < nand; i++)
        wt[i] = weight_term(b, and[i]);
    for (size_t i = 0; i < nand && !b->failed; i++) {
        const char *t = wt[i];
        const qinfo *by = NULL;
        int n = 0, own = 0;
        for (size_t c = 0; t && c < npos; c++) {
            if (!conj[c] || !conj[c]->term)
                continue;
            if (strcmp(conj[c]->term, t) == 0)
                own = 1;
            else if (conj[c]->implies && strcmp(conj[c]->implies, t) == 0 &&
                     strncmp(conj[c]->term, PREFIX_EXACT, strlen(PREFIX_EXACT)) == 0) {
                by = conj[c];
                n++;
            }
        }
        /* two spellings of it required (hợp ... họp): its count is their sum */
        if (!t || own || n != 1 || weight_of(wt, nand, t) != i)
            continue;
        size_t j = weight_of(wt, nand, by->term);
        if (j == nand)
            continue;
        uint32_t ft = 0, fe = 0;
        if ((!docs && (xc_db_doccount(b->ctx->db, &docs) != XC_OK || docs == 0)) ||
            xc_db_termfreq(b->ctx->db, t, strlen(t), &ft) != XC_OK ||
            xc_db_termfreq(b->ctx->db, by->term, strlen(by->term), &fe) != XC_OK || fe == 0)
            continue;
        double ie = bm25_idf(fe, docs);
        if (!(ie > 0))
            continue;
        double scale = weight_scale(b, and[j]) + weight_scale(b, and[i]) * bm25_idf(ft, docs) / ie;
        xc_query *merged = track(b, xc_query_scale(weight_base(b, and[j]), scale));
        if (!merged)
            return nand;
        and[j] = merged; /* (wt[j], its term, stays) */
        memmove(&and[i], &and[i + 1], (nand - i - 1) * sizeof *and);
        memmove(&wt[i], &wt[i + 1], (nand - i - 1) * sizeof *wt);
        nand--;
        i--;
    }
    return nand;
}

static void split_tier(builder *b, size_t k)
{
    query_plan *p = b->p;
    xc_query *pos[SPLIT_MAX], *neg[SPLIT_MAX], *and[SPLIT_MAX], *rest[SPLIT_MAX], *keep[SPLIT_MAX];
    size_t npos = 0, nneg = 0, nand = 0, nrest = 0, nkeep = 0;
    if (b->nweights > SPLIT_MAX || !flatten(b, p->tier[k], pos, &npos, neg, &nneg))
        return;
    char gone[SPLIT_MAX] = {0}; /* conjuncts a weighted AND now requires */
    const qinfo *conj[SPLIT_MAX];   /* looked up once: the loop below pairs every weight with each */
    for (size_t c = 0; c < npos; c++)
        conj[c] = info_of(b, pos[c]);
    for (size_t w = 0; w < b->nweights; w++) {
        const char *t = weight_term(b, b->weights[w]);
        int held = 0;
        for (size_t c = 0; t && c < npos; c++)
            if (implies(conj[c], t)) {
                held = 1;
                if (strcmp(conj[c]->term, t) == 0)
                    gone[c] = 1;
            }
        if (held)
            and[nand++] = b->weights[w];
        else
            rest[nrest++] = b->weights[w];
    }
    if (!nand)
        return;
    nand = fold_exact_weights(b, and, nand, conj, npos);
    for (size_t c = 0; c < npos; c++)
        if (!gone[c])
            keep[nkeep++] = pos[c];
    xc_query *wa = combine(b, XC_OP_AND, and, nand), *wr = combine(b, XC_OP_OR, rest, nrest);
    xc_query *w = wr ? both(b, XC_OP_AND_MAYBE, wa, wr) : wa;
    xc_query *f = combine(b, XC_OP_AND, keep, nkeep), *x = combine(b, XC_OP_OR, neg, nneg);
    if (b->failed || !w)
        return;
    p->tier_weight[k] = w;
    p->tier_filter[k] = f;
    p->tier_not[k] = x;
}

/* 1 if a node has marks anywhere (the tiers need to know before building). */
static int has_marks(const qnode *n)
{
    if (!n)
        return 0;
    if (n->text && n->sign >= 0 && n->kind != QN_WILDCARD && vn_has_marks(n->text, strlen(n->text)))
        return 1;
    for (size_t i = 0; i < n->nkids; i++)
        if (has_marks(n->kids[i]))
            return 1;
    return 0;
}

int plan_build(const parsed_query *q, const query_context *ctx, query_plan *plan, char *err, size_t cap)
{
    memset(plan, 0, sizeof *plan);
    err[0] = '\0';
    if (!q->root)
        return 0;
    builder b;
    memset(&b, 0, sizeof b);
    b.ctx = ctx;
    b.p = plan;
    b.err = err;
    b.errcap = cap;
    b.marks = has_marks(q->root);
    build_tiers(&b, q->root);
    for (size_t i = 0; !b.failed && i < plan->ntiers; i++)
        split_tier(&b, i);
    xc_query *weight = b.failed ? NULL : combine(&b, XC_OP_OR, b.weights, b.nweights);
    /* the plan keeps copies; the builder's queries go */
    if (!b.failed && plan->ntiers && weight) {
        plan->weight = xc_query_copy(weight);
        plan->nweights = b.nweights + b.wild_terms;
        for (size_t i = 0; i < plan->ntiers; i++) {
            plan->tier[i] = xc_query_copy(plan->tier[i]);
            if (plan->tier_weight[i]) {
                plan->tier_weight[i] = xc_query_copy(plan->tier_weight[i]);
                plan->tier_filter[i] = plan->tier_filter[i] ? xc_query_copy(plan->tier_filter[i]) : NULL;
                plan->tier_not[i] = plan->tier_not[i] ? xc_query_copy(plan->tier_not[i]) : NULL;
            }
        }
        plan->match = xc_query_copy(plan->match);
        plan->exclude = plan->exclude ? xc_query_copy(plan->exclude) : NULL;
    } else {
        for (size_t i = 0; i < plan->ntiers; i++)
            plan->tier[i] = plan->tier_weight[i] = plan->tier_filter[i] = plan->tier_not[i] = NULL;
        plan->ntiers = 0;
        plan->match = plan->exclude = NULL;
    }
    for (size_t i = 0; i < b.nmade; i++)
        xc_query_free(b.made[i]);
    free(b.made);
    for (size_t i = 0; i < b.ninfo; i++) {
        free(b.info[i].term);
        free(b.info[i].implies);
        free(b.info[i].kids);
    }
    free(b.info);
    free(b.weights);
    free(b.inorder);
    if (b.failed) {
        plan_free(plan);
        if (!err[0])
            snprintf(err, cap, "cannot build query: out of memory");
        return -1;
    }
    return 0;
}

static void free_list(char **l, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(l[i]);
    free(l);
}

void plan_free(query_plan *p)
{
    xc_query_free(p->weight);
    for (size_t i = 0; i < p->ntiers; i++) {
        xc_query_free(p->tier[i]);
        xc_query_free(p->tier_weight[i]);
        xc_query_free(p->tier_filter[i]);
        xc_query_free(p->tier_not[i]);
    }
    xc_query_free(p->match);
    xc_query_free(p->exclude);
    for (size_t i = 0; i < p->terms.count; i++) {
        free(p->terms.folded[i]);
        free(p->terms.exact[i]);
    }
    free(p->terms.folded);
    free(p->terms.exact);
    free(p->terms.marked);
    for (size_t i = 0; i < p->nphrases; i++)
        free_list(p->phrases[i].keys, p->phrases[i].n);
    free(p->phrases);
    free_list(p->hl_terms, p->nhl_terms);
    free_list(p->hl_prefixes, p->nhl_prefixes);
    free_list(p->hl_marked, p->nhl_marked);
    memset(p, 0, sizeof *p);
}

int plan_phrase_in(const query_phrase *ph, const char *text, size_t len)
{
    if (ph->n == 0)
        return 1;
    vn_tokenizer *tok = vn_tokenizer_new();
    size_t cap = 256, n = 0;
    size_t *start = malloc(cap * sizeof *start), *end = malloc(cap * sizeof *end);
    char **key = malloc(cap * sizeof *key);
    int found = 0, failed = !tok || !start || !end || !key;
    if (!failed)
        vn_tokenizer_reset(tok, text, len, 1);
    vn_token t;
    /* the main tokens' folded keys, then every place the phrase could start */
    while (!failed && vn_tokenizer_next(tok, &t)) {
        if (t.kind == VN_TOKEN_NUMPART || t.kind == VN_TOKEN_JOINED)
            continue;
        if (n == cap) {
            cap *= 2;
            size_t *s2 = realloc(start, cap * sizeof *s2);
            if (s2)
                start = s2;
            size_t *e2 = realloc(end, cap * sizeof *e2);
            if (e2)
                end = e2;
            char **k2 = realloc(key, cap * sizeof *k2);
            if (k2)
                key = k2;
            if (!s2 || !e2 || !k2) {
                failed = 1;
                break;
            }
        }
        if (!(key[n] = strndup(t.folded, t.folded_len))) {
            failed = 1;
            break;
        }
        start[n] = t.start;
        end[n] = t.end;
        n++;
    }
    for (size_t i = 0; !failed && !found && i + ph->n <= n; i++) {
        size_t k = 0;
        while (k < ph->n && strcmp(key[i + k], ph->keys[k]) == 0 &&
               (k == 0 || vn_adjacent(text, end[i + k - 1], start[i + k])))
            k++;
        found = k == ph->n;
    }
    for (size_t i = 0; key && i < n; i++)
        free(key[i]);
    free(key);
    free(start);
    free(end);
    vn_tokenizer_free(tok);
    return failed ? 1 : found; /* when it cannot tell, the hit stays */
}
