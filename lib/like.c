/*
 * More like this (engine.h: like_plan): the passages that speak of what a
 * given passage speaks of.
 *
 * The index keeps no term lists (schema.h), so Xapian's relevance and
 * expand sets, which read them, are not there to ask.  The passage's own
 * text stands in: tokenised as the indexer does, its folded syllables and
 * the pairs of syllables that follow each other (the index's words, XW)
 * are each weighed as an expand set weighs a term, the BM25 weight of its
 * frequency in the passage times its rarity in the index,
 *
 *     w = (k1 + 1) tf / (k1 + tf) * log((N - df + 0.5) / (df + 0.5)),
 *
 * and the LIKE_TERMS heaviest make one OR, each with its frequency as its
 * query frequency, which BM25 then ranks by.  Terms no passage but it and
 * its copies hold find nothing else and are left out, as are terms in half
 * the index or more.  Its copies (the same words, SLOT_DUPKEY) are left
 * out of the answer: the passage is known, its copies are "also in".
 */
#include <math.h>
#include <libintl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "schema.h"
#include "vntext.h"

/* the engine's messages, in the programs' catalogue (po/) */
#define _(s) dgettext(VS_TEXTDOMAIN, s)

#define LIKE_TERMS 24
#define LIKE_K1 1.2

typedef struct like_term {
    char *term;
    uint32_t tf;
    double weight;
} like_term;

typedef struct like_set {
    like_term *t;
    size_t n, cap;
} like_set;

static int add_term(like_set *s, const char *term, size_t len)
{
    for (size_t i = 0; i < s->n; i++)
        if (strlen(s->t[i].term) == len && memcmp(s->t[i].term, term, len) == 0) {
            s->t[i].tf++;
            return 0;
        }
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 64;
        like_term *p = realloc(s->t, cap * sizeof *p);
        if (!p)
            return -1;
        s->t = p;
        s->cap = cap;
    }
    if (!(s->t[s->n].term = strndup(term, len)))
        return -1;
    s->t[s->n].tf = 1;
    s->t[s->n++].weight = 0;
    return 0;
}

static void set_free(like_set *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->t[i].term);
    free(s->t);
}

/* The passage's syllables and pairs, as docbuild.c indexes them: numbers
 * (dates, amounts) say little of what it is about and are left out. */
static int text_terms(const char *text, like_set *s)
{
    vn_tokenizer *tok = vn_tokenizer_new();
    if (!tok)
        return -1;
    char prev[VN_KEY_MAX], pair[2 * VN_KEY_MAX + 4];
    size_t prev_len = 0, prev_end = 0;
    int rc = 0;
    vn_tokenizer_reset(tok, text, strlen(text), 1);
    vn_token t;
    while (rc == 0 && vn_tokenizer_next(tok, &t)) {
        if (t.kind == VN_TOKEN_NUMPART || t.folded_len >= sizeof prev)
            continue;
        if (t.kind == VN_TOKEN_NUMBER) {
            prev_len = 0;
            continue;
        }
        if (t.folded_len <= TERM_MAX)
            rc = add_term(s, t.folded, t.folded_len);
        if (t.kind == VN_TOKEN_JOINED)
            continue;
        if (rc == 0 && prev_len && vn_adjacent(text, prev_end, t.start)) {
            int n = snprintf(pair, sizeof pair, "%s%.*s %.*s", PREFIX_PAIR, (int)prev_len, prev, (int)t.folded_len,
                             t.folded);
            if (n > 0 && (size_t)n <= TERM_MAX)
                rc = add_term(s, pair, (size_t)n);
        }
        memcpy(prev, t.folded, t.folded_len);
        prev_len = t.folded_len;
        prev_end = t.end;
    }
    vn_tokenizer_free(tok);
    return rc;
}

static int by_weight(const void *a, const void *b)
{
    const like_term *x = a, *y = b;
    if (x->weight != y->weight)
        return x->weight > y->weight ? -1 : 1;
    return strcmp(x->term, y->term);
}

/* Weighs every term by the index's frequencies; sorts the heaviest first
 * and returns how many are worth asking for.  `own` is how many passages
 * the passage itself accounts for (it and its copies). */
static size_t weigh(vs_engine *e, like_set *s, uint32_t own, int *failed)
{
    uint32_t docs = 0;
    if (xc_db_doccount(e->db, &docs) != XC_OK) {
        *failed = 1;
        return 0;
    }
    size_t keep = 0;
    for (size_t i = 0; i < s->n; i++) {
        uint32_t df = 0;
        if (xc_db_termfreq(e->db, s->t[i].term, strlen(s->t[i].term), &df) != XC_OK) {
            *failed = 1;
            return 0;
        }
        double idf = log(((double)docs - df + 0.5) / (df + 0.5)), tf = s->t[i].tf;
        s->t[i].weight = df > own && idf > 0 ? idf * tf * (LIKE_K1 + 1) / (tf + LIKE_K1) : 0;
        keep += s->t[i].weight > 0;
    }
    qsort(s->t, s->n, sizeof *s->t, by_weight);
    return keep < LIKE_TERMS ? keep : LIKE_TERMS;
}

/* The passage and its copies: the same SLOT_DUPKEY (and its own id, should
 * it have no key), and how many they are. */
static xc_query *itself(vs_engine *e, xc_mset *m, const char *id, uint32_t *own)
{
    char t[TERM_MAX + 1], *key = NULL;
    size_t tl = schema_term(PREFIX_ID, id, t, sizeof t), kl = 0;
    xc_query *q[2] = {xc_query_term(t, tl, 1), NULL};
    size_t n = 1;
    *own = 1;
    if (xc_mset_value(m, 0, SLOT_DUPKEY, &key, &kl) == XC_OK && kl > 0) {
        q[n++] = xc_query_value_range(SLOT_DUPKEY, key, kl, key, kl);
        xc_enquire *enq = NULL;
        xc_mset *c = NULL;
        if (q[1] && xc_enquire_new(e->db, &enq) == XC_OK && xc_enquire_set_query(enq, q[1]) == XC_OK &&
            xc_enquire_mset(enq, 0, 0, 10000, &c) == XC_OK && xc_mset_matches_estimated(c) > 0)
            *own = xc_mset_matches_estimated(c);
        xc_mset_free(c);
        xc_enquire_free(enq);
    }
    free(key);
    xc_query *r = q[0] && (n == 1 || q[1]) ? xc_query_combine(XC_OP_OR, q, n, 0) : NULL;
    for (size_t i = 0; i < n; i++)
        xc_query_free(q[i]);
    return r;
}

int like_plan(vs_engine *e, const char *id, query_plan *plan, char *err, size_t cap)
{
    memset(plan, 0, sizeof *plan);
    xc_mset *m = NULL;
    int st = around_find(e, id, &m, err, cap);
    if (st != VS_OK)
        return st;
    record rec;
    st = engine_load_record(e, m, 0, &rec, err, cap);
    if (st != VS_OK) {
        xc_mset_free(m);
        return st;
    }
    like_set s = {NULL, 0, 0};
    uint32_t own = 1;
    int failed = 0;
    plan->exclude = itself(e, m, rec.id, &own); /* the id found (id may be escaped) */
    xc_mset_free(m);
    size_t n = plan->exclude && text_terms(rec.text, &s) == 0 ? weigh(e, &s, own, &failed) : 0;
    xc_query **terms = n ? calloc(n, sizeof *terms) : NULL;
    plan->hl_terms = n ? calloc(n, sizeof *plan->hl_terms) : NULL;
    for (size_t i = 0; terms && plan->hl_terms && i < n; i++) {
        terms[i] = xc_query_term(s.t[i].term, strlen(s.t[i].term), s.t[i].tf);
        if ((plan->hl_terms[i] = strdup(s.t[i].term)))
            plan->nhl_terms++;
    }
    size_t made = 0;
    while (terms && made < n && terms[made])
        made++;
    if (terms && made == n && plan->nhl_terms == n) {
        /* one tier: the passages share some of its words */
        plan->weight = xc_query_combine(XC_OP_OR, terms, n, 0);
        plan->match = plan->weight ? xc_query_copy(plan->weight) : NULL;
        plan->tier[0] = plan->weight ? xc_query_copy(plan->weight) : NULL;
        plan->kind[0] = TIER_SOME;
        plan->ntiers = plan->tier[0] ? 1 : 0;
        plan->nweights = n;
    }
    for (size_t i = 0; terms && i < n; i++)
        xc_query_free(terms[i]);
    free(terms);
    set_free(&s);
    if (failed) {
        record_free(&rec);
        return engine_failure(e, "cannot weigh a passage's words", err, cap);
    }
    if (!plan->exclude || (n && (!plan->match || !plan->ntiers))) {
        record_free(&rec);
        snprintf(err, cap, "%s", _("out of memory"));
        return VS_ERR_DB;
    }
    if (n == 0) {
        snprintf(err, cap, _("passage %.200s has no words that other passages share: nothing to go by"), rec.id);
        record_free(&rec);
        return VS_ERR_QUERY;
    }
    record_free(&rec);
    return VS_OK;
}
