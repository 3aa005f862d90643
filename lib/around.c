/*
 * What lies around a passage (engine.h): the other passages with the same
 * words (copies of a paragraph pasted into several dossiers, which a
 * search shows once, "also in" the others), and the passages before and
 * after it in its file (--context, and the page's view of a hit in its
 * place).
 *
 * Copies share SLOT_DUPKEY, a hash of their folded syllables (schema.h).
 * A value is no index, so they are found as the passages holding the
 * passage's rarest syllables (terms with few postings), whose keys are
 * compared.  The passages around one are those of its file (its XFILE:
 * term) whose ordinals (SLOT_SEQ) are the nearest below and above its own.
 */
#include <stdio.h>
#include <libintl.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "schema.h"
#include "vntext.h"

/* the engine's messages, in the programs' catalogue (po/) */
#define _(s) dgettext(VS_TEXTDOMAIN, s)

/* A query run on an enquire of its own (the caller may be reading an mset
 * of e->plain), in the order of `slot` (XC_SORT_RELEVANCE: none). */
static int run(vs_engine *e, xc_query *q, int slot, int descending, uint32_t max, xc_mset **out)
{
    xc_enquire *enq = NULL;
    int rc = q ? xc_enquire_new(e->db, &enq) : XC_ERR_NOMEM;
    if (rc == XC_OK)
        rc = xc_enquire_set_sort(enq, slot, descending);
    if (rc == XC_OK)
        rc = xc_enquire_set_query(enq, q);
    if (rc == XC_OK)
        rc = xc_enquire_mset(enq, 0, max, 10000, out);
    xc_enquire_free(enq); /* the mset keeps what it needs */
    return rc;
}

/* q AND_NOT the passages an --update retired (the caller's q is taken). */
static xc_query *live(vs_engine *e, xc_query *q)
{
    if (!q || !e->retired)
        return q;
    xc_query *two[2] = {q, e->retired};
    xc_query *r = xc_query_combine(XC_OP_AND_NOT, two, 2, 0);
    xc_query_free(q);
    return r;
}

static xc_query *and2(xc_query *a, xc_query *b)
{
    xc_query *two[2] = {a, b};
    xc_query *r = a && b ? xc_query_combine(XC_OP_AND, two, 2, 0) : NULL;
    xc_query_free(a);
    xc_query_free(b);
    return r;
}

/* The passage whose id is exactly id, in *out (none: an empty mset). */
static int find_exact(vs_engine *e, const char *id, xc_mset **out)
{
    char t[TERM_MAX + 1];
    size_t tl = schema_term(PREFIX_ID, id, t, sizeof t);
    xc_query *q = live(e, xc_query_term(t, tl, 1));
    int rc = run(e, q, XC_SORT_RELEVANCE, 0, 1, out);
    xc_query_free(q);
    return rc;
}

int around_find(vs_engine *e, const char *id, xc_mset **out, char *err, size_t cap)
{
    *out = NULL;
    /* the id as vnsearch prints it (vs_escape: a backslash doubled, bytes
     * that are not UTF-8 as \xNN), else as typed */
    char *raw = NULL;
    int decoded = vs_unescape(id, &raw);
    if (decoded < 0) {
        snprintf(err, cap, "%s", _("out of memory"));
        return VS_ERR_DB;
    }
    xc_mset *m = NULL;
    int rc = find_exact(e, decoded ? raw : id, &m);
    if (rc == XC_OK && decoded && xc_mset_size(m) == 0) {
        xc_mset_free(m);
        m = NULL;
        rc = find_exact(e, id, &m);
    }
    free(raw);
    if (rc != XC_OK)
        return engine_failure(e, "cannot look a passage up", err, cap);
    if (xc_mset_size(m) == 0) {
        xc_mset_free(m);
        strbuf shown = STRBUF_INIT;
        vs_escape(&shown, id, strlen(id), 0);
        snprintf(err, cap, _("no passage '%.200s' in the index (give an id as vnsearch shows it: FILE:LINE)"),
                 shown.len ? shown.s : "");
        sb_free(&shown);
        return VS_ERR_QUERY;
    }
    *out = m;
    return VS_OK;
}

/* The passage's rarest syllables, the rarest first: the terms that find
 * its copies among the fewest passages (a pair would be rarer, but copies
 * may differ in their punctuation, which parts pairs).  Every copy holds
 * them all, so their AND narrows the passages whose copy key is read to
 * the few that share those words: one common syllable alone made a short
 * passage's copies cost 18 million instructions (bench ac19).  Returns how
 * many (0 if it has no word at all). */
#define COPY_TERMS 3
typedef struct rare_term {
    char t[VN_KEY_MAX];
    size_t len;
    uint32_t freq;
} rare_term;

static size_t rarest_terms(vs_engine *e, const char *text, rare_term *best)
{
    vn_tokenizer *tok = vn_tokenizer_new();
    if (!tok)
        return 0;
    size_t n = 0;
    vn_tokenizer_reset(tok, text, strlen(text), 1);
    vn_token t;
    while (vn_tokenizer_next(tok, &t)) {
        uint32_t f = 0;
        if (t.kind == VN_TOKEN_NUMPART || t.kind == VN_TOKEN_JOINED || t.folded_len >= VN_KEY_MAX)
            continue;
        int known = 0;
        for (size_t k = 0; k < n && !known; k++)
            known = best[k].len == t.folded_len && memcmp(best[k].t, t.folded, t.folded_len) == 0;
        if (known || xc_db_termfreq(e->db, t.folded, t.folded_len, &f) != XC_OK || f == 0 ||
            (n == COPY_TERMS && f >= best[n - 1].freq))
            continue;
        size_t at = n < COPY_TERMS ? n++ : n - 1; /* the last place, or a new one */
        for (; at > 0 && best[at - 1].freq > f; at--)
            best[at] = best[at - 1];
        memcpy(best[at].t, t.folded, t.folded_len);
        best[at].t[t.folded_len] = '\0';
        best[at].len = t.folded_len;
        best[at].freq = f;
    }
    vn_tokenizer_free(tok);
    return n;
}

/* The passages holding the rarest syllables of text: its copies among
 * them (NULL if it has no word). */
static xc_query *same_words(vs_engine *e, const char *text)
{
    rare_term rare[COPY_TERMS];
    size_t n = rarest_terms(e, text, rare);
    if (!n)
        return NULL;
    xc_query *subs[COPY_TERMS];
    int ok = 1;
    for (size_t k = 0; k < n; k++)
        ok = (subs[k] = xc_query_term(rare[k].t, rare[k].len, 1)) != NULL && ok;
    xc_query *q = ok ? n == 1 ? xc_query_copy(subs[0]) : xc_query_combine(XC_OP_AND, subs, n, 0) : NULL;
    for (size_t k = 0; k < n; k++)
        xc_query_free(subs[k]);
    return live(e, q);
}

/* Whether match k of c has the copy key `key` (from memory when the
 * engine holds the keys). */
static int same_key(const vs_engine *e, xc_mset *c, size_t k, const char *key, size_t kl)
{
    xc_docid d = 0;
    uint64_t held = 0;
    if (kl == 8 && xc_mset_docid(c, k, &d) == XC_OK && engine_copy_key(e, d, &held))
        return held == schema_key_get(key);
    char *v = NULL;
    size_t vl = 0;
    int same = xc_mset_value(c, k, SLOT_DUPKEY, &v, &vl) == XC_OK && vl == kl && memcmp(v, key, kl) == 0;
    free(v);
    return same;
}

/* At most this many passages share the rarest syllables of a hit for its
 * keys to be compared here; past it, Xapian compares them (a value range,
 * which reads the key of every passage in the index up to the last copy). */
#define COPY_CANDIDATES_MAX 1000

int around_copies(vs_engine *e, xc_mset *m, size_t i, vs_hit *h, char *err, size_t cap)
{
    char *key = NULL;
    size_t kl = 0;
    xc_docid self = 0;
    xc_mset *c = NULL;
    if (xc_mset_value(m, i, SLOT_DUPKEY, &key, &kl) != XC_OK || kl == 0 || xc_mset_docid(m, i, &self) != XC_OK) {
        free(key);
        return VS_OK; /* no key: nothing to collapse it with */
    }
    xc_query *q = same_words(e, h->rec.text);
    if (!q) {
        free(key);
        return VS_OK; /* no words: the same */
    }
    int rc = run(e, q, XC_SORT_RELEVANCE, 0, COPY_CANDIDATES_MAX, &c);
    int compare_here = rc == XC_OK && xc_mset_matches_upper_bound(c) <= xc_mset_size(c);
    if (rc == XC_OK && !compare_here) {
        xc_mset_free(c);
        c = NULL;
        xc_query *two[2] = {q, xc_query_value_range(SLOT_DUPKEY, key, kl, key, kl)};
        xc_query *both = two[1] ? xc_query_combine(XC_OP_AND, two, 2, 0) : NULL;
        xc_query_free(two[1]);
        rc = run(e, both, XC_SORT_RELEVANCE, 0, VS_ALSO_MAX + 1, &c);
        xc_query_free(both);
    }
    xc_query_free(q);
    if (rc != XC_OK) {
        free(key);
        return engine_failure(e, "cannot look copies up", err, cap);
    }
    /* one pass: the copies counted (compared here) and the first of the others listed */
    uint32_t all = compare_here ? 0 : xc_mset_matches_estimated(c);
    h->also = calloc(VS_ALSO_MAX + 1, sizeof *h->also);
    int st = h->also ? VS_OK : VS_ERR_DB;
    for (size_t k = 0; k < xc_mset_size(c) && st == VS_OK; k++) {
        xc_docid d = 0;
        record r;
        if (compare_here && !same_key(e, c, k, key, kl))
            continue;
        all += (uint32_t)compare_here;
        if (h->nalso >= VS_ALSO_MAX || xc_mset_docid(c, k, &d) != XC_OK || d == self)
            continue;
        st = engine_load_record(e, c, k, &r, err, cap);
        if (st == VS_OK) {
            if (!(h->also[h->nalso++] = strdup(r.id)))
                st = VS_ERR_DB;
            record_free(&r);
        }
    }
    h->copies = all > 0 ? all - 1 : 0;
    free(key);
    xc_mset_free(c);
    if (st == VS_ERR_DB && !*err)
        snprintf(err, cap, "%s", _("out of memory"));
    return st;
}

static uint32_t be32(const char *v, size_t len)
{
    if (len != 4)
        return 0;
    const unsigned char *u = (const unsigned char *)v;
    return (uint32_t)u[0] << 24 | (uint32_t)u[1] << 16 | (uint32_t)u[2] << 8 | u[3];
}

static void put_be32(uint32_t x, char *out)
{
    out[0] = (char)(x >> 24);
    out[1] = (char)(x >> 16);
    out[2] = (char)(x >> 8);
    out[3] = (char)x;
}

/* The n passages of `file` nearest before (or after) the one at ordinal
 * seq, the nearest first.  Ordinals need not be consecutive: the nearest
 * are asked for, not a range of n. */
static int side(vs_engine *e, const char *file, uint32_t seq, uint32_t n, int before, xc_mset **out)
{
    char term[TERM_MAX + 1], lo[4], hi[4];
    *out = NULL;
    if (n == 0 || (before ? seq == 0 : seq == UINT32_MAX))
        return XC_OK;
    size_t tl = schema_term(PREFIX_FILE, file, term, sizeof term);
    put_be32(before ? 0 : seq + 1, lo);
    put_be32(before ? seq - 1 : UINT32_MAX, hi);
    xc_query *q = live(e, and2(xc_query_term(term, tl, 1), xc_query_value_range(SLOT_SEQ, lo, 4, hi, 4)));
    int rc = run(e, q, SLOT_SEQ, before, n, out);
    xc_query_free(q);
    return rc;
}

static int seq_of(xc_mset *m, size_t i, uint32_t *seq)
{
    char *v = NULL;
    size_t vl = 0;
    int rc = xc_mset_value(m, i, SLOT_SEQ, &v, &vl);
    *seq = rc == XC_OK ? be32(v, vl) : 0;
    free(v);
    return rc == XC_OK && vl == 4 ? 0 : -1;
}

/* Appends a record to a growing array. */
static int push_record(record **list, size_t *n, record *r)
{
    record *p = realloc(*list, (*n + 1) * sizeof *p);
    if (!p)
        return -1;
    *list = p;
    p[(*n)++] = *r;
    memset(r, 0, sizeof *r);
    return 0;
}

/* The records of the passages of m, in file order (m is in file order, or
 * the reverse with `reversed`), onto *list. */
static int records_of(vs_engine *e, xc_mset *m, int reversed, record **list, size_t *n, char *err, size_t cap)
{
    size_t size = xc_mset_size(m);
    for (size_t k = 0; k < size; k++) {
        record r;
        int st = engine_load_record(e, m, reversed ? size - 1 - k : k, &r, err, cap);
        if (st != VS_OK)
            return st;
        if (push_record(list, n, &r)) {
            record_free(&r);
            snprintf(err, cap, "%s", _("out of memory"));
            return VS_ERR_DB;
        }
    }
    return VS_OK;
}

int around_context(vs_engine *e, xc_mset *m, size_t i, uint32_t n, vs_hit *h, char *err, size_t cap)
{
    uint32_t seq;
    xc_mset *b = NULL, *a = NULL;
    if (n == 0 || seq_of(m, i, &seq) != 0)
        return VS_OK; /* an index without ordinals has no context to give */
    if (n > VS_CONTEXT_MAX)
        n = VS_CONTEXT_MAX;
    if (side(e, h->rec.file, seq, n, 1, &b) != XC_OK || side(e, h->rec.file, seq, n, 0, &a) != XC_OK) {
        xc_mset_free(b);
        return engine_failure(e, "cannot read the passages around a hit", err, cap);
    }
    int st = b ? records_of(e, b, 1, &h->before, &h->nbefore, err, cap) : VS_OK;
    if (st == VS_OK && a)
        st = records_of(e, a, 0, &h->after, &h->nafter, err, cap);
    xc_mset_free(b);
    xc_mset_free(a);
    return st;
}

int vs_passage(vs_engine *e, const char *id, uint32_t context, vs_result *res, size_t *focus, char *err,
               size_t cap)
{
    memset(res, 0, sizeof *res);
    *focus = 0;
    err[0] = '\0';
    xc_mset *m = NULL;
    int st = around_find(e, id, &m, err, cap);
    if (st != VS_OK)
        return st;
    /* the passage as a hit, and the ones around it as its context */
    vs_hit h;
    memset(&h, 0, sizeof h);
    st = engine_load_record(e, m, 0, &h.rec, err, cap);
    if (st == VS_OK)
        st = around_context(e, m, 0, context, &h, err, cap);
    xc_mset_free(m);
    size_t n = h.nbefore + 1 + h.nafter;
    if (st == VS_OK && !(res->hits = calloc(n, sizeof *res->hits))) {
        snprintf(err, cap, "%s", _("out of memory"));
        st = VS_ERR_DB;
    }
    for (size_t k = 0; st == VS_OK && k < n; k++) {
        record *r = k < h.nbefore ? &h.before[k] : k == h.nbefore ? &h.rec : &h.after[k - h.nbefore - 1];
        vs_hit *x = &res->hits[k];
        x->rec = *r;
        memset(r, 0, sizeof *r);
        x->rank = (uint32_t)k + 1;
        res->nhits++;
        if (!(x->snippet = strdup(""))) {
            snprintf(err, cap, "%s", _("out of memory"));
            st = VS_ERR_DB;
        }
    }
    *focus = h.nbefore;
    res->matches = (uint32_t)res->nhits;
    res->matches_exact = 1;
    for (size_t k = 0; k < h.nbefore; k++)
        record_free(&h.before[k]);
    for (size_t k = 0; k < h.nafter; k++)
        record_free(&h.after[k]);
    record_free(&h.rec);
    free(h.before);
    free(h.after);
    return st;
}
