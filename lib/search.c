/*
 * The search engine behind every front end (command line, batch, web): one
 * open database with its alias table, and a search call that returns ranked
 * passages with snippets, facets and accent restorations (see vnsearch.h).
 */
#include "vnsearch.h"

#include <errno.h>
#include <libintl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "codec.h"
#include "dates.h"
#include "engine.h"
#include "query.h"
#include "schema.h"
#include "snippet.h"
#include "suggest.h"
#include "vntext.h"
#include "xapian-c.h"

/* the engine's messages, in the programs' catalogue (po/) */
#define _(s) dgettext(VS_TEXTDOMAIN, s)

/* BM25 tuned for paragraphs: lengths vary less than between whole
 * documents, so length normalisation is gentler than the usual 0.75. */
#define BM25_K1 1.2
#define BM25_K2 0.0
#define BM25_K3 1.0
#define BM25_B 0.5
#define BM25_MIN_NORMLEN 0.5

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
    snprintf(err, cap, _("the index at %s is damaged: rebuild it with vnindex --force --db %s PATH... (%s)"), path, path,
             d);
}

static int db_failure(const char *path, const char *what, char *err, size_t cap)
{
    char detail[512];
    snprintf(detail, sizeof detail, "%s: %s", what, xc_errmsg());
    if (db_damaged())
        damaged_message(path, detail, err, cap);
    else if (strstr(detail, "no termlist") && strstr(detail, "REMOTE"))
        /* a remote server sends a document with its term list: only the
         * shards of a sharded index keep one (README, "Index format") */
        snprintf(err, cap,
                 _("%s: a server serves an index without term lists, which it cannot send passages of: "
                   "serve the shards of an index built with vnindex --shards N (%s)"),
                 path, detail);
    else
        snprintf(err, cap, "%s: %s", path, detail);
    return VS_ERR_DB;
}

/* The dictionary the records are compressed with, and the passages an
 * --update retired (index.c, "Updates"): both from the index's metadata. */
static int load_codec(vs_engine *e, char *err, size_t cap)
{
    char *dict = NULL, *retired = NULL;
    size_t dl = 0, rl = 0;
    if (xc_db_get_metadata(e->db, META_DICT, &dict, &dl) != XC_OK ||
        xc_db_get_metadata(e->db, META_RETIRED, &retired, &rl) != XC_OK) {
        free(dict);
        free(retired);
        return db_failure(e->path, _("cannot read its metadata"), err, cap);
    }
    vs_codec *c = NULL;
    codec_ctx *x = NULL;
    int rc = vs_codec_from_dict(dict, dl, &c) == 0 && (x = codec_ctx_new(c)) ? VS_OK : VS_ERR_DB;
    xc_query *ret = NULL;
    if (rc == VS_OK && retired && rl) { /* space-separated XV terms */
        size_t n = 1;
        for (size_t i = 0; i < rl; i++)
            n += retired[i] == ' ';
        xc_query **terms = calloc(n, sizeof *terms);
        size_t k = 0;
        for (char *t = retired, *save = NULL, *tok; terms && (tok = strtok_r(t, " ", &save)); t = NULL)
            if (k < n && !(terms[k++] = xc_query_term(tok, strlen(tok), 1)))
                rc = VS_ERR_DB;
        if (!terms || (rc == VS_OK && !(ret = xc_query_combine(XC_OP_OR, terms, k, 0))))
            rc = VS_ERR_DB;
        for (size_t i = 0; terms && i < k; i++)
            xc_query_free(terms[i]);
        free(terms);
    }
    free(dict);
    free(retired);
    if (rc != VS_OK) {
        codec_ctx_free(x);
        vs_codec_free(c);
        xc_query_free(ret);
        snprintf(err, cap, _("%s: out of memory"), e->path);
        return rc;
    }
    codec_ctx_free(e->codec);
    vs_codec_free(e->dict);
    xc_query_free(e->retired);
    e->codec = x;
    e->dict = c;
    e->retired = ret;
    return VS_OK;
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
        return db_failure(e->path, _("cannot read its tables"), err, cap);
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
    snprintf(err, cap, _("VNSEARCH_ALLOW_REMOTE: expected tcp, programs or no, got '%.64s'"), v);
    return -1;
}

/* The engine's three enquires: the count with facets (BoolWeight, match
 * spies), the pages (BM25), the count without facets (BoolWeight).  All or
 * none: on failure the three are NULL. */
static int make_enquires(vs_engine *e, xc_enquire **enq, xc_enquire **plain, xc_enquire **count)
{
    *enq = *plain = *count = NULL;
    if (xc_enquire_new(e->db, enq) != XC_OK || xc_enquire_new(e->db, plain) != XC_OK ||
        xc_enquire_new(e->db, count) != XC_OK ||
        xc_enquire_set_bm25(*plain, BM25_K1, BM25_K2, BM25_K3, BM25_B, BM25_MIN_NORMLEN) != XC_OK ||
        xc_enquire_set_boolean(*enq) != XC_OK || xc_enquire_set_boolean(*count) != XC_OK ||
        xc_enquire_add_facet(*enq, SLOT_FRAMEWORK, 0, &e->facet_fw) != XC_OK ||
        xc_enquire_add_facet(*enq, SLOT_YEARS, ' ', &e->facet_year) != XC_OK) {
        xc_enquire_free(*enq);
        xc_enquire_free(*plain);
        xc_enquire_free(*count);
        *enq = *plain = *count = NULL;
        return XC_ERR_NOMEM;
    }
    return XC_OK;
}

int vs_open(const char *db_path, unsigned flags, vs_engine **out, char *err, size_t cap)
{
    *out = NULL;
    struct stat st;
    if (stat(db_path, &st) != 0) {
        snprintf(err, cap, _("%s: no database there (%s); build one with: vnindex --db %s corpus/"), db_path,
                 strerror(errno), db_path);
        return VS_ERR_DB;
    }
    vs_engine *e = calloc(1, sizeof *e);
    if (!e || !(e->path = strdup(db_path))) {
        free(e);
        snprintf(err, cap, "%s", _("out of memory"));
        return VS_ERR_DB;
    }
    unsigned xflags = (flags & (VS_OPEN_REMOTE | VS_OPEN_REMOTE_PROGRAMS) ? XC_OPEN_REMOTE_TCP : 0) |
                      (flags & VS_OPEN_REMOTE_PROGRAMS ? XC_OPEN_REMOTE_PROGRAM : 0);
    int rc = xc_db_open(db_path, xflags, &e->db);
    if (rc != XC_OK) {
        if (rc == XC_ERR_PROGRAM_REFUSED)
            snprintf(err, cap, _("%s; not run without --allow-remote-programs"), xc_errmsg());
        else if (rc == XC_ERR_REMOTE_REFUSED)
            snprintf(err, cap, _("%s; not opened without --allow-remote"), xc_errmsg());
        else
            db_failure(db_path, _("cannot open the database"), err, cap);
        vs_close(e);
        return VS_ERR_DB;
    }
    char *version = NULL;
    size_t vl = 0;
    if (xc_db_get_metadata(e->db, META_VERSION, &version, &vl) != XC_OK) {
        db_failure(db_path, _("cannot read its format version"), err, cap);
        vs_close(e);
        return VS_ERR_DB;
    }
    e->file_keys = version && strcmp(version, VS_INDEX_FORMAT) == 0;
    if (!version || (!e->file_keys && strcmp(version, VS_INDEX_FORMAT_READABLE) != 0)) {
        snprintf(err, cap,
                 _("%s: not a vnsearch index of format %s (found %s); rebuild it with: vnindex --force --db %s PATH"),
                 db_path, VS_INDEX_FORMAT, version ? version : _("none"), db_path);
        free(version);
        vs_close(e);
        return VS_ERR_DB;
    }
    free(version);
    rc = load_tables(e, err, cap);
    if (rc == VS_OK)
        rc = load_codec(e, err, cap);
    e->plain_stages = getenv("VNSEARCH_PLAIN_STAGES") != NULL;
    e->weigh_both = e->plain_stages || getenv("VNSEARCH_NO_FOLD") != NULL;
    if (rc == VS_OK && make_enquires(e, &e->enq, &e->plain, &e->count) != XC_OK)
        rc = db_failure(db_path, _("cannot set up searching"), err, cap);
    e->hold_keys = (flags & VS_OPEN_HOLD_KEYS) != 0;
    if (rc == VS_OK)
        engine_hold_keys(e);
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
    xc_enquire_free(e->plain);
    xc_enquire_free(e->count);
    codec_ctx_free(e->codec);
    vs_codec_free(e->dict);
    sb_free(&e->record);
    xc_query_free(e->retired);
    xc_db_close(e->db);
    alias_table_free(e->aliases);
    free(e->copy_keys);
    xc_query_free(e->copied);
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
    xc_enquire *enq = NULL, *plain = NULL, *count = NULL;
    if (make_enquires(e, &enq, &plain, &count) == XC_OK) {
        xc_enquire_free(e->enq);
        xc_enquire_free(e->plain);
        xc_enquire_free(e->count);
        e->enq = enq;
        e->plain = plain;
        e->count = count;
    }
    alias_table *old = e->aliases;
    char err[256];
    if (load_tables(e, err, sizeof err) == VS_OK)
        alias_table_free(old);
    else
        e->aliases = old;
    load_codec(e, err, sizeof err); /* on failure the old ones stay */
    engine_hold_keys(e);
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

static void restore(vs_engine *e, const query_plan *q, vs_result *res)
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

static int count_order(const void *a, const void *b)
{
    const vs_count *x = a, *y = b;
    return x->count != y->count ? (x->count < y->count ? 1 : -1) : strcmp(x->value, y->value);
}

/* The index of value v in arr[0..n), or n. */
static size_t count_of(const vs_count *arr, size_t n, const char *v, size_t vl)
{
    size_t i = 0;
    while (i < n && !(strlen(arr[i].value) == vl && memcmp(arr[i].value, v, vl) == 0))
        i++;
    return i;
}

/* Adds one to the count of value v (vl bytes) in *arr. */
static int tally_one(vs_count **arr, size_t *n, const char *v, size_t vl)
{
    size_t i = count_of(*arr, *n, v, vl);
    if (i < *n) {
        (*arr)[i].count++;
        return 0;
    }
    vs_count *p = realloc(*arr, (*n + 1) * sizeof *p);
    if (!p)
        return -1;
    *arr = p;
    if (!(p[*n].value = strndup(v, vl)))
        return -1;
    p[(*n)++].count = 1;
    return 0;
}

/* The facets of the passages of m (collapsed: copies once), most first for
 * frameworks, as facet_list gives them: the primary framework, and every
 * year of SLOT_YEARS ("2019 2020"). */
static int facet_tally(xc_mset *m, vs_result *res)
{
    for (size_t i = 0; i < xc_mset_size(m); i++) {
        char *v = NULL;
        size_t vl = 0;
        if (xc_mset_value(m, i, SLOT_FRAMEWORK, &v, &vl) == XC_OK && vl > 0 &&
            tally_one(&res->frameworks, &res->nframeworks, v, vl) != 0) {
            free(v);
            return -1;
        }
        free(v);
        v = NULL;
        vl = 0;
        if (xc_mset_value(m, i, SLOT_YEARS, &v, &vl) == XC_OK)
            for (size_t a = 0; a < vl;) {
                size_t b = a;
                while (b < vl && v[b] != ' ')
                    b++;
                if (b > a && tally_one(&res->years, &res->nyears, v + a, b - a) != 0) {
                    free(v);
                    return -1;
                }
                a = b + 1;
            }
        free(v);
    }
    if (res->nframeworks) /* qsort wants an array, even of none */
        qsort(res->frameworks, res->nframeworks, sizeof *res->frameworks, count_order);
    return 0;
}

static int year_order(const void *a, const void *b)
{
    return strcmp(((const vs_count *)a)->value, ((const vs_count *)b)->value);
}

/* Counts are exact up to this many matches; above it "about". */
#define COUNT_EXACT_MAX 10000
/* Counts up to this many matches are of distinct passages (copies one). */
#define DISTINCT_COUNT_MAX 2000

int engine_failure(vs_engine *e, const char *what, char *err, size_t cap)
{
    return db_failure(e->path, what, err, cap);
}

/* The stored record of a hit, from its value slot (codec.c). */
int engine_load_record(vs_engine *e, xc_mset *m, size_t i, record *rec, char *err, size_t cap)
{
    char *data = NULL;
    size_t dl = 0;
    if (xc_mset_value(m, i, SLOT_RECORD, &data, &dl) != XC_OK)
        return db_failure(e->path, _("cannot read a passage"), err, cap);
    int bad = codec_unpack(e->codec, data, dl, &e->record) != 0 || record_decode(e->record.s, e->record.len, rec) != 0;
    free(data);
    if (bad) {
        damaged_message(e->path, "a passage's record cannot be decoded", err, cap);
        return VS_ERR_DB;
    }
    return VS_OK;
}

/* One search: the plan, the filters, and the stages it is run in. */
typedef struct search {
    vs_engine *e;
    const vs_request *req;
    double t0;
    query_plan plan;
    xc_query *layer[2];  /* the filter of each date layer: own dates, then inherited only (or one: all) */
    size_t nlayers;
    xc_query *drop;      /* -words and retired passages, or NULL */
    xc_query *match_all; /* weight of a filters-only query */
    xc_query *matching;  /* every match (union_query), made when first needed: matching() */
    snippet_terms st;
} search;

/* The stages of a search, in order: for each tier, the paragraphs then the
 * headings (schema.h), each in every date layer (own dates, then inherited
 * ones): how well the words match decides before whose date it is. */
static size_t stage_count(const search *sr)
{
    return 2 * (sr->plan.ntiers ? sr->plan.ntiers : 1) * sr->nlayers;
}

static size_t stage_tier_index(const search *sr, size_t s)
{
    return s / (2 * sr->nlayers);
}

static int stage_headings(const search *sr, size_t s)
{
    return (int)(s % (2 * sr->nlayers) / sr->nlayers);
}

static int stage_tier(const search *sr, size_t s)
{
    return sr->plan.ntiers ? sr->plan.kind[stage_tier_index(sr, s)] : TIER_EXACT;
}

static xc_query *stage_query(search *sr, size_t s)
{
    size_t t = stage_tier_index(sr, s);
    xc_query *layer = sr->layer[s % sr->nlayers];
    xc_query *tier = sr->plan.ntiers ? sr->plan.tier[t] : NULL;
    xc_query *weight = sr->plan.weight ? sr->plan.weight : sr->match_all;
    xc_query *tier_not = NULL;
    /* the faster form of weight FILTER tier (query.h); VNSEARCH_PLAIN_STAGES
     * asks for the plain one, which a test compares it with */
    if (tier && sr->plan.tier_weight[t] && !sr->e->plain_stages) {
        weight = sr->plan.tier_weight[t];
        tier = sr->plan.tier_filter[t];
        tier_not = sr->plan.tier_not[t];
    }
    xc_query *parts[3], *tmp[3];
    size_t n = 0;
    if (tier)
        parts[n++] = tier;
    if (layer)
        parts[n++] = layer;
    xc_query *headings = xc_query_term(TERM_HEADING, strlen(TERM_HEADING), 1);
    if (stage_headings(sr, s))
        parts[n++] = headings;
    xc_query *f = n == 1 ? xc_query_copy(parts[0]) : n ? xc_query_combine(XC_OP_AND, parts, n, 0) : NULL;
    xc_query *q = NULL;
    if (f) {
        tmp[0] = weight;
        tmp[1] = f;
        q = xc_query_combine(XC_OP_FILTER, tmp, 2, 0);
    } else if (n == 0) {
        q = xc_query_copy(weight);
    }
    xc_query_free(f);
    /* what the stage leaves out: -words and retired passages, what the
     * tier excludes, and for the paragraphs, the headings */
    size_t nd = 0;
    if (sr->drop)
        tmp[nd++] = sr->drop;
    if (tier_not)
        tmp[nd++] = tier_not;
    if (!stage_headings(sr, s))
        tmp[nd++] = headings;
    xc_query *drop = nd == 1 ? tmp[0] : NULL, *d2 = NULL;
    if (nd > 1)
        drop = d2 = xc_query_combine(XC_OP_OR, tmp, nd, 0);
    if (q && drop) {
        tmp[0] = q;
        tmp[1] = drop;
        xc_query *d = xc_query_combine(XC_OP_AND_NOT, tmp, 2, 0);
        xc_query_free(q);
        q = d;
    }
    xc_query_free(d2);
    xc_query_free(headings);
    return q;
}

/* Every match of the query (boolean): the count and the facets run on it. */
static xc_query *union_query(search *sr)
{
    xc_query *m = sr->plan.match ? xc_query_copy(sr->plan.match) : xc_query_match_all();
    xc_query *layers = NULL, *tmp[2];
    if (sr->nlayers == 2)
        layers = xc_query_combine(XC_OP_OR, sr->layer, 2, 0);
    else if (sr->layer[0])
        layers = xc_query_copy(sr->layer[0]);
    if (m && layers) {
        tmp[0] = m;
        tmp[1] = layers;
        xc_query *f = xc_query_combine(XC_OP_FILTER, tmp, 2, 0);
        xc_query_free(m);
        m = f;
    }
    xc_query_free(layers);
    if (m && sr->drop) {
        tmp[0] = m;
        tmp[1] = sr->drop;
        xc_query *d = xc_query_combine(XC_OP_AND_NOT, tmp, 2, 0);
        xc_query_free(m);
        m = d;
    }
    return m;
}

static void show_query(const char *what, const xc_query *q)
{
    if (!getenv("VNSEARCH_SHOW_QUERY")) /* what Xapian is asked, for questions about ranking */
        return;
    char *d = xc_query_describe(q);
    fprintf(stderr, "vnsearch: %s %s\n", what, d ? d : "(cannot describe)");
    free(d);
}

/* 1 if the passage holds every quoted phrase of three syllables or more in
 * order (the pairs the index matched could in principle lie apart). */
static int phrases_hold(const query_plan *p, const char *text)
{
    for (size_t i = 0; i < p->nphrases; i++)
        if (!plan_phrase_in(&p->phrases[i], text, strlen(text)))
            return 0;
    return 1;
}

static int add_hit(search *sr, vs_result *res, record *rec, double score, double rank_score, int kind)
{
    if (!phrases_hold(&sr->plan, rec->text)) {
        record_free(rec);
        return 0;
    }
    vs_hit *h = &res->hits[res->nhits];
    h->rec = *rec;
    memset(rec, 0, sizeof *rec);
    h->score = score;
    h->rank_score = rank_score;
    h->match = kind == TIER_EXACT ? VS_MATCH_EXACT : kind == TIER_MARKS ? VS_MATCH_MARKS : VS_MATCH_SOME;
    h->rank = sr->req->offset + (uint32_t)res->nhits + 1;
    size_t tl = strlen(h->rec.text), max_chars = sr->req->snippet_chars ? sr->req->snippet_chars : 200;
    snippet_highlight(h->rec.text, tl, &sr->st, sr->e->aliases, kind == TIER_EXACT, &h->text_spans,
                      &h->ntext_spans);
    snippet_make(h->rec.text, tl, h->text_spans, h->ntext_spans, max_chars, &h->snippet, &h->spans, &h->nspans);
    res->nhits++;
    return 1;
}

static int xapian_failure(search *sr, int rc, const char *what, char *err, size_t cap)
{
    if (rc == XC_ERR_INVALID) {
        snprintf(err, cap, "%s: %s: %s", sr->e->path, what, xc_errmsg());
        return VS_ERR_QUERY;
    }
    return db_failure(sr->e->path, what, err, cap);
}

int vs_sort_parse(const char *name)
{
    if (!strcmp(name, "relevance"))
        return VS_SORT_RELEVANCE;
    if (!strcmp(name, "date"))
        return VS_SORT_DATE;
    return -1;
}

int vs_group_parse(const char *name)
{
    if (!strcmp(name, "none"))
        return VS_GROUP_NONE;
    if (!strcmp(name, "file"))
        return VS_GROUP_FILE;
    return -1;
}

/* Copies of a passage are one hit (SLOT_DUPKEY, Xapian's collapse key)
 * unless --all-copies; grouped by file, a file's passages are (SLOT_FILE):
 * Xapian keeps the best of each file in a stage, and shown_before() the
 * best over the stages. */
static int collapse_copies(search *sr, xc_enquire *enq)
{
    if (sr->req->group == VS_GROUP_FILE) /* not when a phrase is checked after: the passage kept could
                                         * fail it, and the file's others be lost */
        return xc_enquire_set_collapse(enq, sr->plan.nphrases ? XC_COLLAPSE_NONE : SLOT_FILE, 1);
    return xc_enquire_set_collapse(enq, sr->req->all_copies ? XC_COLLAPSE_NONE : SLOT_DUPKEY, 1);
}

/* Every match (union_query), made once for the count, the files' count
 * and each file's "more"; NULL when out of memory. */
static xc_query *matching(search *sr)
{
    if (!sr->matching)
        sr->matching = union_query(sr);
    return sr->matching;
}

/* Grouped by file: how many other passages of the hit's file match (every
 * stage's, as the count counts them), into h->more_in_file. */
static int more_in_file(search *sr, vs_hit *h, char *err, size_t cap)
{
    vs_engine *e = sr->e;
    if (!matching(sr))
        return xapian_failure(sr, XC_ERR_NOMEM, "cannot count a file's passages", err, cap);
    char term[TERM_MAX + 1];
    size_t tl = schema_term(PREFIX_FILE, h->rec.file, term, sizeof term);
    xc_query *parts[2] = {sr->matching, xc_query_term(term, tl, 1)}, *q = NULL;
    if (parts[1])
        q = xc_query_combine(XC_OP_FILTER, parts, 2, 0);
    xc_query_free(parts[1]);
    if (!q)
        return xapian_failure(sr, XC_ERR_NOMEM, "cannot count a file's passages", err, cap);
    uint32_t all = 0;
    xc_mset *m = NULL;
    int rc = xc_enquire_set_collapse(e->count, XC_COLLAPSE_NONE, 0);
    if (rc == XC_OK)
        rc = xc_enquire_set_query(e->count, q);
    xc_query_free(q);
    if (rc == XC_OK)
        rc = xc_db_doccount(e->db, &all);
    /* every match checked: its file's passages are few beside the index;
     * with a phrase to check, each is then read (as the page reads them),
     * asked for by their number, since Xapian makes room for as many
     * items as are asked for */
    if (rc == XC_OK)
        rc = xc_enquire_mset(e->count, 0, 0, all, &m);
    uint32_t n = rc == XC_OK ? xc_mset_matches_lower_bound(m) : 0;
    if (rc == XC_OK && sr->plan.nphrases && n > 0) {
        xc_mset_free(m);
        m = NULL;
        rc = xc_enquire_mset(e->count, 0, n, all, &m);
    }
    if (rc != XC_OK) {
        xc_mset_free(m);
        return xapian_failure(sr, rc, "cannot count a file's passages", err, cap);
    }
    if (sr->plan.nphrases) {
        n = 0;
        for (size_t i = 0; i < xc_mset_size(m); i++) {
            record rec;
            int st = engine_load_record(e, m, i, &rec, err, cap);
            if (st != VS_OK) {
                xc_mset_free(m);
                return st;
            }
            n += (uint32_t)phrases_hold(&sr->plan, rec.text);
            record_free(&rec);
        }
    }
    xc_mset_free(m);
    h->more_in_file = n > 1 ? n - 1 : 0;
    return VS_OK;
}

/* What a hit brings along (around.c): where its copies are, when Xapian
 * collapsed some into it, and the passages around it (--context). */
static int hit_extras(search *sr, xc_mset *m, size_t i, vs_hit *h, char *err, size_t cap)
{
    int st = VS_OK;
    if (sr->req->group == VS_GROUP_FILE)
        st = more_in_file(sr, h, err, cap);
    else if (!sr->req->all_copies && xc_mset_collapse_count(m, i) > 0)
        st = around_copies(sr->e, m, i, h, err, cap);
    if (st == VS_OK && sr->req->context)
        st = around_context(sr->e, m, i, sr->req->context, h, err, cap);
    return st;
}

/* The passages a result list has shown, so that none comes twice: one
 * matching several tiers (its exact words, then "other marks") or copies
 * found in different tiers or stages (a heading and its .docx, .doc and
 * .rtf copies) are one hit, in the best tier.  Xapian collapses copies only
 * within one stage.  Keys are docids (every passage) and SLOT_DUPKEY values
 * (copies, unless --all-copies), in one open-addressing set. */
typedef struct shown_set {
    uint64_t *slots; /* 0: empty */
    size_t cap, n;
    uint64_t file;   /* grouped by file: the key of the last passage looked at, until it is shown */
} shown_set;

static uint64_t shown_mix(uint64_t k)
{
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    return k ? k : 1;
}

/* 1 if k is there. */
static int shown_has(const shown_set *s, uint64_t k)
{
    k = shown_mix(k);
    if (!s->cap)
        return 0;
    for (size_t h = (size_t)k & (s->cap - 1); s->slots[h]; h = (h + 1) & (s->cap - 1))
        if (s->slots[h] == k)
            return 1;
    return 0;
}

/* 1 if k was there; else adds it and returns 0 (-1 on allocation failure). */
static int shown_add(shown_set *s, uint64_t k)
{
    k = shown_mix(k);
    if ((s->n + 1) * 2 > s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 256;
        uint64_t *slots = calloc(cap, sizeof *slots);
        if (!slots)
            return -1;
        for (size_t i = 0; i < s->cap; i++)
            if (s->slots[i]) {
                size_t h = (size_t)s->slots[i] & (cap - 1);
                while (slots[h])
                    h = (h + 1) & (cap - 1);
                slots[h] = s->slots[i];
            }
        free(s->slots);
        s->slots = slots;
        s->cap = cap;
    }
    size_t h = (size_t)k & (s->cap - 1);
    for (; s->slots[h]; h = (h + 1) & (s->cap - 1))
        if (s->slots[h] == k)
            return 1;
    s->slots[h] = k;
    s->n++;
    return 0;
}

/* 1 if match i of m was shown already (by docid, or as a copy; grouped, by
 * its file); else remembers it and returns 0; -1 on allocation failure.
 * Its file is remembered only once it is shown (shown_file), since a
 * passage can still fail a phrase. */
static int shown_before(search *sr, shown_set *s, xc_mset *m, size_t i)
{
    xc_docid id = 0;
    xc_mset_docid(m, i, &id);
    int seen = shown_add(s, (uint64_t)id << 1); /* docids even, copy (or file) keys odd */
    int group = sr->req->group == VS_GROUP_FILE;
    if (seen || (sr->req->all_copies && !group))
        return seen;
    char *key = NULL;
    size_t kl = 0;
    s->file = 0;
    uint64_t held = 0;
    if (!group && engine_copy_key(sr->e, id, &held))
        return held ? shown_add(s, held << 1 | 1) : 0;
    if (xc_mset_value(m, i, group ? SLOT_FILE : SLOT_DUPKEY, &key, &kl) == XC_OK && kl == 8) {
        uint64_t k = schema_key_get(key);
        if (group)
            seen = shown_has(s, s->file = k << 1 | 1);
        else
            seen = shown_add(s, k << 1 | 1);
    }
    free(key);
    return seen;
}

/* The page: stage after stage, from the start, each passage once, until
 * offset + count distinct passages were seen; those past the offset are
 * the page.  Sets *exhausted and *seen (the exact number of distinct
 * matching passages) when every stage was run to its end.  With --sort date each
 * stage is in date order, the latest first (SLOT_LAST_DATE; undated
 * passages have no value and come last), relevance between passages of
 * the same date: the tiers stay in their order, so the passages with
 * every word come first, and those missing one do not bury them. */
/* The passage shown_before() last looked at is shown (or counted on an
 * earlier page): grouped by file, its file is then shown.  -1 on
 * allocation failure. */
static int shown_file(shown_set *s)
{
    int rc = s->file ? shown_add(s, s->file) : 0;
    s->file = 0;
    return rc < 0 ? -1 : 0;
}

static int fetch_page(search *sr, vs_result *res, int *exhausted, uint32_t *seen, char *err, size_t cap)
{
    vs_engine *e = sr->e;
    uint32_t count = sr->req->count ? sr->req->count : 10;
    uint32_t offset = sr->req->offset, want = offset + count, accepted = 0;
    size_t nstages = stage_count(sr);
    double step = 0;
    shown_set shown = {NULL, 0, 0, 0};
    int st = VS_OK;
    *exhausted = 1;
    int order = xc_enquire_set_sort(e->plain, sr->req->sort == VS_SORT_DATE ? SLOT_LAST_DATE : XC_SORT_RELEVANCE, 1);
    if (order == XC_OK)
        order = collapse_copies(sr, e->plain);
    if (order != XC_OK)
        return xapian_failure(sr, order, "search failed", err, cap);
    for (size_t s = 0; s < nstages && accepted < want && st == VS_OK; s++) {
        xc_query *q = stage_query(sr, s);
        if (!q) {
            st = xapian_failure(sr, XC_ERR_NOMEM, "cannot build the search", err, cap);
            break;
        }
        show_query("stage", q);
        int rc = xc_enquire_set_query(e->plain, q);
        xc_query_free(q);
        if (step == 0) /* tiers apart: a stage's scores all stay above the next one's.  One
                        * term weighs at most (k1 + 1) * idf < 50 (2.2 * ln 1e9), so this
                        * bounds any weight, and is the same on shards as on one database. */
            step = 50.0 * (double)(sr->plan.nweights + 1);
        int kind = stage_tier(sr, s);
        int done = 0;
        /* batches of this stage until the page is full or the stage ends
         * (passages shown before and failed phrase checks ask for more) */
        for (uint32_t first = 0; rc == XC_OK && !done && accepted < want && st == VS_OK;) {
            uint32_t need = want - accepted;
            /* the first stage lists nothing twice (Xapian collapsed its
             * copies): as many as needed; later ones may list what was
             * shown, and a phrase check drops some: more, not to ask again */
            uint32_t ask = s == 0 && first == 0 && !sr->plan.nphrases ? need : need + need / 2 + 5;
            xc_mset *m = NULL;
            rc = xc_enquire_mset(e->plain, first, ask, 0, &m);
            if (rc != XC_OK)
                break;
            size_t n = xc_mset_size(m);
            for (size_t i = 0; i < n && accepted < want && st == VS_OK; i++) {
                int dup = shown_before(sr, &shown, m, i);
                if (dup < 0)
                    st = xapian_failure(sr, XC_ERR_NOMEM, "search failed", err, cap);
                if (dup)
                    continue;
                if (accepted < offset && !sr->plan.nphrases) { /* a page before this one shows it */
                    accepted++;
                    if (shown_file(&shown) != 0)
                        st = xapian_failure(sr, XC_ERR_NOMEM, "search failed", err, cap);
                    continue;
                }
                record rec;
                double w = 0;
                xc_mset_weight(m, i, &w);
                if ((st = engine_load_record(e, m, i, &rec, err, cap)) != VS_OK)
                    break;
                if (accepted < offset) { /* so does it, if it holds the phrases */
                    if (phrases_hold(&sr->plan, rec.text)) {
                        accepted++;
                        if (shown_file(&shown) != 0)
                            st = xapian_failure(sr, XC_ERR_NOMEM, "search failed", err, cap);
                    }
                    record_free(&rec);
                    continue;
                }
                if (add_hit(sr, res, &rec, w, w + step * (double)(nstages - 1 - s), kind)) {
                    accepted++;
                    st = shown_file(&shown) != 0 ? xapian_failure(sr, XC_ERR_NOMEM, "search failed", err, cap)
                                                 : hit_extras(sr, m, i, &res->hits[res->nhits - 1], err, cap);
                }
            }
            done = n < ask; /* the stage ran to its end */
            first += (uint32_t)n;
            xc_mset_free(m);
        }
        if (rc != XC_OK && st == VS_OK)
            st = xapian_failure(sr, rc, "search failed", err, cap);
        if (!done)
            *exhausted = 0;
    }
    if (accepted >= want) /* full: whether more would come is not known */
        *exhausted = 0;
    free(shown.slots);
    *seen = accepted;
    return st;
}

/* With the copy keys held (copykeys.c), Xapian's match decider for the
 * count of copies: keeps every copy after the first of its passage (in
 * document order, the one Xapian's collapse keeps when there are no
 * weights). */
typedef struct later_copies {
    const vs_engine *e;
    shown_set keys;
    int failed;
} later_copies;

static int later_copy(void *ctx, xc_docid id)
{
    later_copies *lc = ctx;
    uint64_t k = 0;
    engine_copy_key(lc->e, id, &k);
    int seen = k ? shown_add(&lc->keys, k) : 0;
    lc->failed |= seen < 0;
    return seen == 1;
}

/* The same, noting them as the count goes over every match: keeps every
 * match, and counts those it was asked about. */
typedef struct copy_watch {
    later_copies lc;
    uint32_t asked, later;
} copy_watch;

static int watch_copies(void *ctx, xc_docid id)
{
    copy_watch *w = ctx;
    w->asked++;
    w->later += (uint32_t)later_copy(&w->lc, id);
    return 1;
}

/* Takes the counts of facet `index` of the last search of e->enq off *arr
 * (dropping values left with none). */
static void facet_subtract(vs_engine *e, size_t index, vs_count **arr, size_t *n)
{
    const char *v;
    size_t vl;
    uint32_t c;
    for (size_t i = 0; xc_enquire_facet(e->enq, index, i, &v, &vl, &c) == XC_OK; i++) {
        size_t k = count_of(*arr, *n, v, vl);
        if (k == *n)
            continue;
        (*arr)[k].count = (*arr)[k].count > c ? (*arr)[k].count - c : 0;
        if (!(*arr)[k].count) {
            free((*arr)[k].value);
            memmove(*arr + k, *arr + k + 1, (*n - k - 1) * sizeof **arr);
            (*n)--;
        }
    }
}

/* Held keys: copies are one passage in the count (res->matches, every
 * match of u, exact) and the facets (res's, of every match): the copies
 * after the first of each passage, looked for among the passages that
 * have one (e->copied), are counted and taken off.  XC_OK or an error. */
static int count_later_copies(search *sr, xc_enquire *enq, xc_query *u, vs_result *res)
{
    vs_engine *e = sr->e;
    xc_query *two[2] = {u, e->copied}, *q = e->copied ? xc_query_combine(XC_OP_FILTER, two, 2, 0) : NULL;
    if (e->copied && !q)
        return XC_ERR_NOMEM;
    later_copies lc = {e, {NULL, 0, 0, 0}, 0};
    xc_mset *m = NULL;
    int rc = xc_enquire_set_query(enq, q ? q : u);
    xc_query_free(q);
    if (rc == XC_OK)
        rc = xc_enquire_set_decider(enq, later_copy, &lc);
    if (rc == XC_OK) /* every one: they are no more than the matches */
        rc = xc_enquire_mset(enq, 0, 0, res->matches, &m);
    xc_enquire_set_decider(enq, NULL, NULL);
    free(lc.keys.slots);
    if (rc == XC_OK && lc.failed)
        rc = XC_ERR_NOMEM;
    if (rc == XC_OK) {
        uint32_t later = xc_mset_matches_lower_bound(m);
        res->matches = later < res->matches ? res->matches - later : 0;
        if (sr->req->facets && later) {
            facet_subtract(e, e->facet_fw, &res->frameworks, &res->nframeworks);
            facet_subtract(e, e->facet_year, &res->years, &res->nyears);
            if (res->nframeworks)
                qsort(res->frameworks, res->nframeworks, sizeof *res->frameworks, count_order);
        }
    }
    xc_mset_free(m);
    return rc;
}

/* The number of matches, exact below COUNT_EXACT_MAX; and with facets, the
 * framework and year counts over all of them.  Copies count once up to
 * DISTINCT_COUNT_MAX matches, and past it the count says "about". */
static int count_passages(search *sr, vs_result *res, char *err, size_t cap)
{
    vs_engine *e = sr->e;
    xc_query *u = matching(sr);
    if (!u)
        return xapian_failure(sr, XC_ERR_NOMEM, "cannot build the count", err, cap);
    show_query("count", u);
    /* no weights: the count needs none, and computing them for every
     * match was most of the time of a query of common words */
    xc_enquire *enq = sr->req->facets ? e->enq : e->count;
    uint32_t check = COUNT_EXACT_MAX + 1;
    /* every passage, copies too: collapsing them here would read the key
     * of every match (a query took 2.5 times as long) */
    if (xc_enquire_set_collapse(enq, XC_COLLAPSE_NONE, 0) != XC_OK)
        return xapian_failure(sr, XC_ERR_NOMEM, "cannot set up the count", err, cap);
    if (sr->req->facets)
        xc_db_doccount(e->db, &check);
    /* copies are one passage in the count (grouped by file, the files are counted next) */
    int copies_one = !sr->req->all_copies && sr->req->group != VS_GROUP_FILE;
    int held = copies_one && e->copy_keys; /* the copy keys (copykeys.c) */
    copy_watch watch = {{e, {NULL, 0, 0, 0}, 0}, 0, 0};
    int watched = 0;
    xc_mset *m = NULL;
    int rc = xc_enquire_set_query(enq, u);
    if (rc == XC_OK && !sr->req->facets) { /* a cheap estimate first: many matches need no more */
        rc = xc_enquire_mset(enq, 0, 0, 0, &m);
        if (rc == XC_OK && xc_mset_matches_lower_bound(m) > COUNT_EXACT_MAX) {
            res->matches = xc_mset_matches_estimated(m);
            res->matches_exact = 0;
            xc_mset_free(m);
            return VS_OK;
        }
        /* the keys held, and the count to go over the matches, perhaps
         * few: the copies are noted on the way (when Xapian knows the
         * count already, count_later_copies looks for them) */
        watched = rc == XC_OK && held && xc_mset_matches_lower_bound(m) <= DISTINCT_COUNT_MAX &&
                  xc_mset_matches_lower_bound(m) != xc_mset_matches_upper_bound(m);
        xc_mset_free(m);
        m = NULL;
    }
    if (rc == XC_OK && watched)
        rc = xc_enquire_set_decider(enq, watch_copies, &watch);
    /* without facets, the match at rank COUNT_EXACT_MAX too: in document
     * order (no weights), where it falls among the ids says how many
     * matches there are beyond it */
    if (rc == XC_OK)
        rc = sr->req->facets ? xc_enquire_mset(enq, 0, 0, check, &m)
                             : xc_enquire_mset(enq, COUNT_EXACT_MAX, 1, check, &m);
    if (watched) {
        xc_enquire_set_decider(enq, NULL, NULL);
        free(watch.lc.keys.slots);
        if (rc == XC_OK && watch.lc.failed)
            rc = XC_ERR_NOMEM;
        if (rc == XC_OK && xc_mset_matches_lower_bound(m) != xc_mset_matches_upper_bound(m)) {
            xc_mset_free(m); /* many after all: estimated as without the keys, so that both say the same */
            m = NULL;
            watched = 0;
            rc = xc_enquire_mset(enq, COUNT_EXACT_MAX, 1, check, &m);
        }
    }
    if (rc != XC_OK) {
        xc_mset_free(m);
        return xapian_failure(sr, rc, "counting failed", err, cap);
    }
    uint32_t lower = xc_mset_matches_lower_bound(m), upper = xc_mset_matches_upper_bound(m);
    res->matches = xc_mset_matches_estimated(m);
    res->matches_exact = lower == upper;
    xc_docid at, last = 0;
    if (!res->matches_exact && xc_mset_size(m) == 1 && xc_mset_docid(m, 0, &at) == XC_OK && at > 0 &&
        xc_db_lastdocid(e->db, &last) == XC_OK && last >= at) {
        double est = (double)(COUNT_EXACT_MAX + 1) * last / at;
        res->matches = est < lower ? lower : est > upper ? upper : (uint32_t)est;
    }
    xc_mset_free(m);
    m = NULL;
    int distinct_facets = 0;
    /* copies to count once: few matches, all counted */
    int distinct = res->matches_exact && copies_one && res->matches > 1 && res->matches <= DISTINCT_COUNT_MAX;
    if (distinct && held && watched && watch.asked == res->matches) {
        res->matches -= watch.later; /* every match was seen */
    } else if (distinct && held) {
        if (sr->req->facets) { /* of every match, the copies then taken off */
            distinct_facets = 1;
            facet_list(e, e->facet_fw, &res->frameworks, &res->nframeworks);
            facet_list(e, e->facet_year, &res->years, &res->nyears);
        }
        rc = count_later_copies(sr, enq, u, res);
        if (rc != XC_OK)
            return xapian_failure(sr, rc, "counting failed", err, cap);
    } else if (distinct) {
        /* copies are one passage in the count as in the list: collapsed,
         * which reads every match's key, so only for counts this small;
         * the facets then count what is left (Xapian's spy sees copies) */
        rc = xc_enquire_set_collapse(e->count, SLOT_DUPKEY, 1);
        if (rc == XC_OK)
            rc = xc_enquire_set_query(e->count, u);
        if (rc == XC_OK)
            rc = xc_enquire_mset(e->count, 0, sr->req->facets ? res->matches : 1, res->matches, &m);
        /* every match checked: the lower bound is what survived collapsing
         * (the upper one, what might have without the keys) */
        if (rc == XC_OK && xc_mset_matches_lower_bound(m) > 0)
            res->matches = xc_mset_matches_lower_bound(m);
        if (rc == XC_OK && sr->req->facets) {
            distinct_facets = 1;
            if (facet_tally(m, res) != 0)
                rc = XC_ERR_NOMEM;
        }
        xc_mset_free(m);
        xc_enquire_set_collapse(e->count, XC_COLLAPSE_NONE, 0);
        if (rc != XC_OK)
            return xapian_failure(sr, rc, "counting failed", err, cap);
    }
    if (res->matches_exact && copies_one && res->matches > DISTINCT_COUNT_MAX)
        res->matches_exact = 0; /* every copy counted: as a number of distinct passages, "about" */
    if (sr->req->facets && !distinct_facets) {
        facet_list(e, e->facet_fw, &res->frameworks, &res->nframeworks);
        facet_list(e, e->facet_year, &res->years, &res->nyears);
    }
    if (res->nyears)
        qsort(res->years, res->nyears, sizeof *res->years, year_order);
    return VS_OK;
}

/* Grouped by file: the number of matching files, exact when the matches
 * are no more than COUNT_EXACT_MAX (collapsed on SLOT_FILE, which reads
 * every match's key), else Xapian's estimate.  The facets stay counts of
 * passages. */
static int count_files(search *sr, vs_result *res, char *err, size_t cap)
{
    vs_engine *e = sr->e;
    if (!matching(sr))
        return xapian_failure(sr, XC_ERR_NOMEM, "cannot build the count", err, cap);
    xc_mset *m = NULL;
    int rc = xc_enquire_set_collapse(e->count, SLOT_FILE, 1);
    if (rc == XC_OK)
        rc = xc_enquire_set_query(e->count, sr->matching);
    if (rc == XC_OK)
        rc = xc_enquire_mset(e->count, 0, 1, res->matches_exact ? res->matches : COUNT_EXACT_MAX + 1, &m);
    /* every match checked when the passages were counted exactly: then
     * the lower bound is what survived collapsing (the upper one, what
     * might have without the keys) */
    if (rc == XC_OK && res->matches_exact && xc_mset_matches_lower_bound(m) > 0)
        res->matches = xc_mset_matches_lower_bound(m);
    else if (rc == XC_OK)
        res->matches = xc_mset_matches_estimated(m);
    xc_mset_free(m);
    xc_enquire_set_collapse(e->count, XC_COLLAPSE_NONE, 0);
    return rc == XC_OK ? VS_OK : xapian_failure(sr, rc, "counting failed", err, cap);
}

static int count_matches(search *sr, vs_result *res, char *err, size_t cap)
{
    int rc = count_passages(sr, res, err, cap);
    if (rc == VS_OK && sr->req->group == VS_GROUP_FILE)
        rc = count_files(sr, res, err, cap);
    return rc;
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
    if (req->stop && req->stop(req->stop_arg))
        left = 1e-9; /* stopped: the same */
    xc_enquire_set_stop(e->enq, req->stop, req->stop_arg);
    xc_enquire_set_stop(e->plain, req->stop, req->stop_arg);
    xc_enquire_set_stop(e->count, req->stop, req->stop_arg);
    xc_enquire_set_deadline(e->enq, left);
    xc_enquire_set_deadline(e->plain, left);
    xc_enquire_set_deadline(e->count, left);
}

/* Forgets req->stop, whose argument lives no longer than its request. */
static void disarm_stop(vs_engine *e)
{
    xc_enquire *enqs[3] = {e->enq, e->plain, e->count};
    for (size_t i = 0; i < 3; i++)
        if (enqs[i] && xc_enquire_set_stop(enqs[i], NULL, NULL) == XC_OK)
            xc_enquire_set_deadline(enqs[i], 0);
}

static int run_search(search *sr, vs_result *res, char *err, size_t cap)
{
    arm_deadline(sr->e, sr->req, sr->t0);
    uint32_t count = sr->req->count ? sr->req->count : 10;
    res->hits = calloc(count + 1, sizeof *res->hits);
    if (!res->hits) {
        snprintf(err, cap, "%s", _("out of memory"));
        return VS_ERR_DB;
    }
    int exhausted = 0;
    uint32_t seen = 0;
    int rc = fetch_page(sr, res, &exhausted, &seen, err, cap);
    if (rc == VS_OK && (sr->req->facets || !exhausted))
        rc = count_matches(sr, res, err, cap);
    if (rc == VS_OK && exhausted) {
        /* every stage ran to its end: the distinct passages (copies one,
         * as they are shown) are known */
        res->matches = seen;
        res->matches_exact = 1;
    } else if (rc == VS_OK && res->matches < sr->req->offset + (uint32_t)res->nhits) {
        res->matches = sr->req->offset + (uint32_t)res->nhits; /* never fewer than shown */
    }
    if (rc == VS_OK && sr->req->restore)
        restore(sr->e, &sr->plan, res);
    res->partial = xc_enquire_timed_out(sr->e->enq) || xc_enquire_timed_out(sr->e->plain) ||
                   xc_enquire_timed_out(sr->e->count);
    return rc;
}

/* "Did you mean" (suggest.c), and the words that matched nothing.  An
 * index that cannot be read there leaves the answer without them: the
 * search itself went well.  A respelling is never offered when fewer
 * passages hold every word of it than of the query typed, or none do
 * (issue 26: "sức khỏe" -> "sức kho", 0 passages). */
static void add_suggestion(vs_engine *e, const vs_request *req, vs_result *res)
{
    suggestion sg;
    char err[256];
    if (suggest(e->db, e->aliases, req->query, req->exact, &sg, err, sizeof err) != 0)
        return;
    if (sg.query && (sg.passages == 0 || sg.passages < sg.original)) {
        free(sg.query);
        sg.query = NULL;
    }
    res->suggestion = sg.query;
    res->suggestion_passages = sg.passages;
    res->unmatched = sg.unmatched;
    res->nunmatched = sg.nunmatched;
}

static void search_free(search *sr)
{
    plan_free(&sr->plan);
    for (size_t i = 0; i < 2; i++)
        xc_query_free(sr->layer[i]);
    xc_query_free(sr->drop);
    xc_query_free(sr->match_all);
    xc_query_free(sr->matching);
    snippet_terms_free(&sr->st);
}

/* The date layers of a filter: passages with a date of their own in the
 * range first, then those that only inherit one (schema.h). */
static int date_layers(search *sr, xc_query *fw, uint32_t from, uint32_t to, int *impossible, char *err, size_t cap)
{
    vs_engine *e = sr->e;
    int imp_own = 0, imp_inh = 0;
    xc_errclear();
    xc_query *own = query_date_filter(e->db, from, to, 0, &imp_own, err, cap);
    if (!own && !imp_own)
        return -1;
    xc_query *inh = query_date_filter(e->db, from, to, 1, &imp_inh, err, cap);
    if (!inh && !imp_inh) {
        xc_query_free(own);
        return -1;
    }
    *impossible = imp_own && imp_inh;
    xc_query *tmp[2];
    if (inh && own) { /* inherited only: not also carrying one */
        tmp[0] = inh;
        tmp[1] = own;
        xc_query *x = xc_query_combine(XC_OP_AND_NOT, tmp, 2, 0);
        xc_query_free(inh);
        inh = x;
    }
    xc_query *parts[2] = {own, inh};
    for (size_t i = 0; i < 2; i++) {
        if (!parts[i])
            continue;
        xc_query *l = parts[i];
        if (fw) {
            tmp[0] = parts[i];
            tmp[1] = fw;
            l = xc_query_combine(XC_OP_AND, tmp, 2, 0);
            xc_query_free(parts[i]);
        }
        sr->layer[sr->nlayers++] = l;
    }
    return 0;
}

int vs_search(vs_engine *e, const vs_request *req, vs_result *res, char *err, size_t cap)
{
    memset(res, 0, sizeof *res);
    err[0] = '\0';
    search sr;
    memset(&sr, 0, sizeof sr);
    sr.e = e;
    sr.req = req;
    sr.t0 = monotonic();
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
            if (*known)
                snprintf(err, cap, _("unknown framework '%s' (known: %s)"), codes[i], known);
            else /* an index built with an empty table, or by a version without one built in */
                snprintf(err, cap,
                         _("unknown framework '%s': %s was built without framework tags; rebuild it with "
                           "vnindex --force (the built-in table, frameworks.tsv beside the texts, in $VNSEARCH_DATA, "
                           "or --frameworks FILE)"),
                         codes[i], e->path);
            query_free(&pq);
            return VS_ERR_QUERY;
        }

    uint32_t from = pq.has_date ? pq.date_from : 0, to = pq.has_date ? pq.date_to : 0;
    uint32_t v;
    if (req->from) {
        if (date_parse_bound(req->from, 0, &v)) {
            snprintf(err, cap, _("bad date '%s' for --from: expected YYYY, YYYY-MM, YYYY-MM-DD, MM/YYYY or DD/MM/YYYY, years %d-%d"),
                     req->from, DATE_YEAR_MIN, DATE_YEAR_MAX);
            query_free(&pq);
            return VS_ERR_QUERY;
        }
        if (v > from)
            from = v;
    }
    if (req->to) {
        if (date_parse_bound(req->to, 1, &v)) {
            snprintf(err, cap, _("bad date '%s' for --to: expected YYYY, YYYY-MM, YYYY-MM-DD, MM/YYYY or DD/MM/YYYY, years %d-%d"), req->to,
                     DATE_YEAR_MIN, DATE_YEAR_MAX);
            query_free(&pq);
            return VS_ERR_QUERY;
        }
        if (!to || v < to)
            to = v;
    }
    if (from && to && from > to) {
        snprintf(err, cap, _("impossible date range: %u..%u ends before it starts"), from, to);
        query_free(&pq);
        return VS_ERR_QUERY;
    }
    int has_filter = ncodes > 0 || from || to;

    int rc = VS_OK, impossible = 0;
    xc_query *fw = ncodes ? query_framework_filter(codes, ncodes) : NULL;
    if (from || to) {
        if (date_layers(&sr, fw, from, to, &impossible, err, cap) != 0) {
            if (db_damaged())
                damaged_message(e->path, err, err, cap);
            rc = VS_ERR_DB;
        }
        xc_query_free(fw);
    } else {
        sr.layer[0] = fw;
        sr.nlayers = 1;
    }
    query_context ctx = {e->db, e->aliases, req->exact, e->weigh_both};
    xc_errclear();
    if (rc == VS_OK && req->like && pq.root) {
        snprintf(err, cap, "%s", _("--like finds the passages like one passage: give it filters (framework:, date:), not words"));
        rc = VS_ERR_QUERY;
    } else if (rc == VS_OK && req->like) {
        rc = like_plan(e, req->like, &sr.plan, err, cap);
    } else if (rc == VS_OK && plan_build(&pq, &ctx, &sr.plan, err, cap) != 0) {
        rc = db_damaged() ? (damaged_message(e->path, err, err, cap), VS_ERR_DB) : VS_ERR_QUERY;
    }
    if (rc == VS_OK && req->group == VS_GROUP_FILE && !e->file_keys) {
        snprintf(err, cap,
                 _("--group file needs an index of format %s (%s is of format %s): rebuild it with "
                   "vnindex --force --db %s PATH..."), VS_INDEX_FORMAT, e->path, VS_INDEX_FORMAT_READABLE, e->path);
        rc = VS_ERR_QUERY;
    }
    if (rc == VS_OK && !sr.plan.weight && !has_filter) {
        snprintf(err, cap, "%s", pq.root ? _("nothing to search for: every word is excluded")
                                         : _("nothing to search for: the query has no words"));
        rc = VS_ERR_QUERY;
    }
    /* what no search may return: -words, and passages an --update retired */
    xc_query *drop[2] = {sr.plan.exclude, e->retired};
    size_t nd = 0;
    for (size_t i = 0; i < 2; i++)
        if (drop[i])
            drop[nd++] = drop[i];
    if (rc == VS_OK && nd)
        sr.drop = nd == 2 ? xc_query_combine(XC_OP_OR, drop, 2, 0) : xc_query_copy(drop[0]);
    if (rc == VS_OK && !sr.plan.weight)
        sr.match_all = xc_query_match_all(); /* filters only: every passage they let through, in index order */
    if (rc == VS_OK) {
        for (size_t i = 0; i < sr.plan.nhl_terms; i++)
            snippet_terms_add(&sr.st, sr.plan.hl_terms[i], strlen(sr.plan.hl_terms[i]));
        for (size_t i = 0; i < sr.plan.nhl_prefixes; i++)
            snippet_terms_add_prefix(&sr.st, sr.plan.hl_prefixes[i], strlen(sr.plan.hl_prefixes[i]));
        for (size_t i = 0; i < sr.plan.nhl_marked; i++)
            snippet_terms_add_marked(&sr.st, sr.plan.hl_marked[i], strlen(sr.plan.hl_marked[i]));
        snippet_terms_sort(&sr.st);
    }
    if (rc == VS_OK && !impossible) {
        rc = run_search(&sr, res, err, cap);
        if (rc == VS_ERR_DB && vs_refresh(e)) {
            /* the index was swapped under us, or a remote shard came back:
             * once more with fresh handles */
            vs_result_free(res);
            err[0] = '\0';
            rc = run_search(&sr, res, err, cap);
        }
        if (req->stop)
            disarm_stop(e);
    } else if (rc == VS_OK && req->restore) {
        restore(e, &sr.plan, res);
    }
    if (rc == VS_OK && impossible)
        res->matches_exact = 1;
    if (rc == VS_OK)
        res->grouped = req->group;
    if (rc == VS_OK && req->suggest && !req->like && pq.root)
        add_suggestion(e, req, res);
    if (rc == VS_OK && pq.forgiven)
        res->note = QUERY_NOTE_FORGIVEN;
    if (rc != VS_OK) /* nothing for the caller to free: a failed page leaked where it did not */
        vs_result_free(res);
    search_free(&sr);
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
        for (size_t k = 0; k < r->hits[i].nalso; k++)
            free(r->hits[i].also[k]);
        free(r->hits[i].also);
        for (size_t k = 0; k < r->hits[i].nbefore; k++)
            record_free(&r->hits[i].before[k]);
        for (size_t k = 0; k < r->hits[i].nafter; k++)
            record_free(&r->hits[i].after[k]);
        free(r->hits[i].before);
        free(r->hits[i].after);
    }
    free(r->hits);
    free(r->suggestion);
    for (size_t i = 0; i < r->nunmatched; i++)
        free(r->unmatched[i]);
    free(r->unmatched);
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
