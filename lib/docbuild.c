/*
 * One file's text -> Xapian documents: split into passages, tag frameworks
 * and dates, and turn every passage into terms, values and a stored record
 * (see schema.h for the terms and why).
 *
 * A passage's terms are gathered in a small hash set first, each with its
 * count, and handed to Xapian once each: Xapian keeps a document's terms in
 * a std::map, and three terms a syllable (folded, exact, pair) called it
 * three times as often as there are distinct terms.
 */
#include "docbuild.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "dates.h"
#include "frameworks.h"
#include "meetings.h"
#include "passage.h"
#include "readers.h"
#include "schema.h"
#include "tables.h"
#include "vnsearch.h"
#include "vntext.h"

#define MAX_DATES 64
#define MAX_MEETINGS 32 /* mentions kept per passage */

/* The distinct terms of one passage with their counts (wdf). */
typedef struct term_slot {
    uint32_t off, len; /* into the arena */
    uint32_t wdf;      /* 0: a boolean (filter) term */
    uint32_t gen;      /* the passage it belongs to: the set is emptied by bumping gen */
} term_slot;

typedef struct termset {
    term_slot *slots;
    size_t cap, count;
    uint32_t gen;
    strbuf arena;
    uint32_t *order; /* slot indices in insertion order */
    size_t order_cap;
} termset;

/* The tokens of the passages of one file, kept as framework tagging reads
 * them (framework_tag_seen) so that their terms are made without reading
 * the text again (a tenth of indexing's instructions).  Up to
 * TOK_CACHE_BYTES; the passages past it are read again. */
typedef struct cached_token {
    uint32_t exact, folded; /* offsets into the arena */
    uint32_t start, end;
    uint16_t exact_len, folded_len;
    uint8_t kind;
} cached_token;

typedef struct tok_cache {
    cached_token *toks;
    size_t n, cap;
    strbuf arena;
    size_t *first;   /* per passage: its first token, or SIZE_MAX when not kept */
    size_t *count;   /* and how many */
    size_t npass;
    size_t current;  /* the passage being kept */
    int full;        /* over TOK_CACHE_BYTES: nothing more is kept */
} tok_cache;

#define TOK_CACHE_BYTES ((size_t)64 << 20)

struct vs_docbuilder {
    const alias_table *aliases;
    const meeting_table *meetings;
    meeting_scratch *meeting_scratch;
    vn_tokenizer *tok;
    xc_doc *doc;
    strbuf term, data, scratch, packed;
    termset terms;
    codec_ctx *codec;
    vs_samples *samples;
    long build;
    FILE *dump;
    strbuf outline; /* --dump: the headings above the passage being written */
    char why[512];  /* --dump: why it has its framework */
    tok_cache seen; /* the tokens of a file's passages, as framework tagging read them */
};

struct vs_samples {
    strbuf bytes;     /* records back to back */
    size_t *sizes;
    size_t n, cap, max_bytes;
};

void vs_docbuilder_set_dump(vs_docbuilder *b, FILE *out)
{
    b->dump = out;
}

static void dump_field(FILE *out, const char *s)
{
    for (; s && *s; s++)
        fputc(*s == '\t' || *s == '\n' ? ' ' : *s, out);
}

/* A passage's row of --dump: its record, and before the text the
 * document's headings above it (outline) and why it has its framework. */
static void dump_record(FILE *out, const record *r, const char *outline, const char *why)
{
    const char *fields[] = {r->id,      r->fw,    r->fws,     r->dates, r->section, r->heading,
                            r->where,   r->notes, r->note_of, outline,  why,        r->text};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        if (i)
            fputc('\t', out);
        dump_field(out, fields[i]);
    }
    fputc('\n', out);
}

vs_docbuilder *vs_docbuilder_new(const vs_tables *t, const vs_codec *codec)
{
    vs_docbuilder *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    b->aliases = t->table;
    b->meetings = t->meeting_kinds;
    b->meeting_scratch = meeting_scratch_new();
    b->tok = vn_tokenizer_new();
    b->codec = codec_ctx_new(codec);
    if (!b->tok || !b->codec || !b->meeting_scratch || xc_doc_new(&b->doc) != XC_OK) {
        vs_docbuilder_free(b);
        return NULL;
    }
    return b;
}

void vs_docbuilder_set_build(vs_docbuilder *b, long build)
{
    b->build = build;
}

void vs_docbuilder_sample_into(vs_docbuilder *b, vs_samples *s)
{
    b->samples = s;
}

vs_samples *vs_samples_new(size_t max_bytes)
{
    vs_samples *s = calloc(1, sizeof *s);
    if (s)
        s->max_bytes = max_bytes;
    return s;
}

int vs_samples_full(const vs_samples *s)
{
    return s->bytes.len >= s->max_bytes;
}

void vs_samples_free(vs_samples *s)
{
    if (!s)
        return;
    sb_free(&s->bytes);
    free(s->sizes);
    free(s);
}

int vs_codec_train_samples(const vs_samples *s, vs_codec **out, char *err, size_t cap)
{
    if (s->bytes.failed) {
        snprintf(err, cap, "out of memory");
        return -1;
    }
    return vs_codec_train(s->bytes.s, s->sizes, s->n, out, err, cap);
}

static void sample_add(vs_samples *s, const char *rec, size_t len)
{
    if (vs_samples_full(s) || s->bytes.failed)
        return;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 1024;
        size_t *p = realloc(s->sizes, cap * sizeof *p);
        if (!p) {
            s->bytes.failed = 1;
            return;
        }
        s->sizes = p;
        s->cap = cap;
    }
    sb_append(&s->bytes, rec, len);
    s->sizes[s->n++] = len;
}

void vs_docbuilder_free(vs_docbuilder *b)
{
    if (!b)
        return;
    meeting_scratch_free(b->meeting_scratch);
    vn_tokenizer_free(b->tok);
    xc_doc_free(b->doc);
    codec_ctx_free(b->codec);
    sb_free(&b->term);
    sb_free(&b->data);
    sb_free(&b->scratch);
    sb_free(&b->packed);
    sb_free(&b->outline);
    free(b->terms.slots);
    free(b->terms.order);
    sb_free(&b->terms.arena);
    free(b->seen.toks);
    free(b->seen.first);
    free(b->seen.count);
    sb_free(&b->seen.arena);
    free(b);
}

/* ------------------------------------------------------------ term set */

static uint64_t fnv64(const char *s, size_t n, uint64_t h)
{
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}
#define FNV_START 0xcbf29ce484222325ULL

static void terms_clear(termset *t)
{
    t->gen++;
    t->count = 0;
    sb_reset(&t->arena);
    if (t->gen == 0) { /* wrapped: every slot would look current */
        for (size_t i = 0; i < t->cap; i++)
            t->slots[i].gen = 0;
        t->gen = 1;
    }
}

static int terms_grow(termset *t)
{
    size_t cap = t->cap ? t->cap * 2 : 1024;
    term_slot *slots = calloc(cap, sizeof *slots);
    uint32_t *order = malloc(cap * sizeof *order);
    if (!slots || !order) {
        free(slots);
        free(order);
        return -1;
    }
    size_t n = 0;
    for (size_t k = 0; k < t->count; k++) { /* re-insert in insertion order */
        term_slot *old = &t->slots[t->order[k]];
        size_t h = (size_t)fnv64(t->arena.s + old->off, old->len, FNV_START) & (cap - 1);
        while (slots[h].gen == t->gen)
            h = (h + 1) & (cap - 1);
        slots[h] = *old;
        order[n++] = (uint32_t)h;
    }
    free(t->slots);
    free(t->order);
    t->slots = slots;
    t->order = order;
    t->cap = t->order_cap = cap;
    return 0;
}

/* Adds `wdf` occurrences of a term (0: a boolean term). */
static int terms_add(termset *t, const char *term, size_t len, uint32_t wdf)
{
    if (len == 0 || len > TERM_MAX)
        return 0; /* Xapian refuses longer terms; such a key is not searchable anyway */
    if ((t->count + 1) * 2 > t->cap && terms_grow(t))
        return -1;
    size_t h = (size_t)fnv64(term, len, FNV_START) & (t->cap - 1);
    for (;; h = (h + 1) & (t->cap - 1)) {
        term_slot *sl = &t->slots[h];
        if (sl->gen != t->gen)
            break;
        if (sl->len == len && memcmp(t->arena.s + sl->off, term, len) == 0) {
            sl->wdf += wdf;
            return 0;
        }
    }
    term_slot *sl = &t->slots[h];
    sl->off = (uint32_t)t->arena.len;
    sl->len = (uint32_t)len;
    sl->wdf = wdf;
    sl->gen = t->gen;
    sb_append(&t->arena, term, len);
    if (t->arena.failed)
        return -1;
    t->order[t->count++] = (uint32_t)h;
    return 0;
}

static int terms_add2(termset *t, const char *prefix, const char *a, size_t al, uint32_t wdf, strbuf *scratch)
{
    sb_reset(scratch);
    sb_puts(scratch, prefix);
    sb_append(scratch, a, al);
    return scratch->failed ? -1 : terms_add(t, scratch->s, scratch->len, wdf);
}

/* Hands the set to the document. */
static int terms_flush(termset *t, xc_doc *doc)
{
    int rc = XC_OK;
    for (size_t k = 0; k < t->count && rc == XC_OK; k++) {
        const term_slot *sl = &t->slots[t->order[k]];
        const char *s = t->arena.s + sl->off;
        rc = sl->wdf ? xc_doc_add_term(doc, s, sl->len, sl->wdf) : xc_doc_add_boolean_term(doc, s, sl->len);
    }
    return rc;
}

/* A key worth an exact term: it has marks, or letters that could carry them
 * (so an unmarked "hoa" can be told from "hòa").  Pure numbers and
 * consonant-only acronyms need none: their folded term is exact already. */
static int wants_exact(const vn_token *t)
{
    if (t->exact_len != t->folded_len || memcmp(t->exact, t->folded, t->exact_len) != 0)
        return 1;
    for (size_t i = 0; i < t->folded_len; i++)
        if (strchr("aeiouyd", t->folded[i]) && t->folded[i])
            return 1;
    return 0;
}

/* A list item's number before the first word ("6.", "2.1.", "3)"): not part
 * of what a passage says, so a paragraph copied into a list as item 6 is
 * still a copy of it (its duplicate key, below).  Digits and dots only,
 * at most three digits apart, then "." or ")". */
static int enumerator(const char *text, size_t len, const vn_token *t)
{
    size_t run = 0;
    for (size_t i = t->start; i < t->end; i++) {
        if (text[i] == '.')
            run = 0;
        else if (text[i] >= '0' && text[i] <= '9' && ++run <= 3)
            continue;
        else if (text[i] != '.')
            return 0;
    }
    return t->end < len && (text[t->end] == '.' || text[t->end] == ')');
}

/* The terms of a passage's text: every syllable folded and exact, every
 * hyphenated run also joined (Cam-pu-chia: campuchia), and every two
 * syllables that follow each other in the paragraph as a pair, whatever
 * punctuation stands between them (vn_adjacent, schema.h).
 * *dupkey gets a hash of the folded syllables in order: two passages with
 * the same words have the same key whatever their marks, case, spacing,
 * punctuation or list number.  text_term() takes the tokens one by one,
 * from the tokeniser or from the tokens framework tagging kept. */
typedef struct text_terms {
    vs_docbuilder *b;
    const char *text;
    size_t len;
    vs_build_stats *st;
    char prev[VN_KEY_MAX];
    size_t prev_len, prev_end;
    uint64_t h;
    int rc, words;
} text_terms;

static void text_term(text_terms *x, const vn_token *t)
{
    vs_docbuilder *b = x->b;
    termset *ts = &b->terms;
    if (x->rc)
        return;
    if (t->kind == VN_TOKEN_NUMPART) { /* 27/11/2019 also finds 2019: its parts, no pairs */
        x->rc = terms_add(ts, t->folded, t->folded_len, 1);
        return;
    }
    int rc = terms_add(ts, t->folded, t->folded_len, 1);
    if (rc == 0 && wants_exact(t))
        rc = terms_add2(ts, PREFIX_EXACT, t->exact, t->exact_len, 1, &b->scratch);
    x->st->terms++;
    if (t->kind == VN_TOKEN_JOINED) {
        x->rc = rc;
        return;
    }
    x->words |= t->kind == VN_TOKEN_WORD;
    if (x->words || t->kind != VN_TOKEN_NUMBER || !enumerator(x->text, x->len, t)) {
        x->h = fnv64(t->folded, t->folded_len, x->h);
        x->h = fnv64(" ", 1, x->h);
    }
    if (rc == 0 && x->prev_len && vn_adjacent(x->text, x->prev_end, t->start)) {
        sb_reset(&b->scratch);
        sb_puts(&b->scratch, PREFIX_PAIR);
        sb_append(&b->scratch, x->prev, x->prev_len);
        sb_putc(&b->scratch, ' ');
        sb_append(&b->scratch, t->folded, t->folded_len);
        rc = b->scratch.failed ? -1 : terms_add(ts, b->scratch.s, b->scratch.len, 1);
    }
    if (t->folded_len < sizeof x->prev) {
        memcpy(x->prev, t->folded, t->folded_len);
        x->prev_len = t->folded_len;
    } else {
        x->prev_len = 0;
    }
    x->prev_end = t->end;
    x->rc = rc;
}

/* The terms of passage pi of the file (its text, text[0..len)):
 * from the tokens kept when framework tagging read it, else reading it. */
static int add_text_terms(vs_docbuilder *b, size_t pi, const char *text, size_t len, vs_build_stats *st,
                          uint64_t *dupkey)
{
    text_terms x = {.b = b, .text = text, .len = len, .st = st, .h = FNV_START};
    tok_cache *k = &b->seen;
    size_t from = pi < k->npass ? k->first[pi] : SIZE_MAX;
    if (from != SIZE_MAX) {
        for (size_t i = from; i < from + k->count[pi] && !x.rc; i++) {
            const cached_token *c = &k->toks[i];
            vn_token t = {k->arena.s + c->exact, c->exact_len, k->arena.s + c->folded, c->folded_len,
                          c->start, c->end, 0, (vn_token_kind)c->kind};
            text_term(&x, &t);
        }
    } else {
        vn_tokenizer_reset(b->tok, text, len, 1);
        vn_token t;
        while (!x.rc && vn_tokenizer_next(b->tok, &t))
            text_term(&x, &t);
    }
    *dupkey = x.h;
    return x.rc ? XC_ERR_NOMEM : XC_OK;
}

/* framework_tag_seen()'s tokens of passage pi, kept (tok_cache). */
static void keep_token(void *ctx, size_t pi, const vn_token *t)
{
    tok_cache *k = ctx;
    if (k->full || pi >= k->npass)
        return;
    if (pi != k->current) {
        k->current = pi;
        k->first[pi] = k->n;
        k->count[pi] = 0;
    }
    if (k->first[pi] == SIZE_MAX)
        return;
    if (k->n == k->cap) {
        size_t cap = k->cap ? k->cap * 2 : 4096;
        cached_token *p = cap * sizeof *p + k->arena.len <= TOK_CACHE_BYTES ? realloc(k->toks, cap * sizeof *p) : NULL;
        if (!p) {
            k->full = 1; /* this passage and the next are read again */
            k->first[pi] = SIZE_MAX;
            return;
        }
        k->toks = p;
        k->cap = cap;
    }
    size_t at = k->arena.len;
    sb_append(&k->arena, t->exact, t->exact_len);
    sb_append(&k->arena, t->folded, t->folded_len);
    if (k->arena.failed || k->arena.len > UINT32_MAX || t->exact_len > UINT16_MAX || t->folded_len > UINT16_MAX ||
        t->end > UINT32_MAX) {
        k->full = 1;
        k->first[pi] = SIZE_MAX;
        return;
    }
    k->toks[k->n++] = (cached_token){(uint32_t)at, (uint32_t)(at + t->exact_len), (uint32_t)t->start,
                                     (uint32_t)t->end, (uint16_t)t->exact_len, (uint16_t)t->folded_len,
                                     (uint8_t)t->kind};
    k->count[pi]++;
}

/* Ready to keep the tokens of a file of `npass` passages; -1 out of memory
 * (then none are kept, and every passage is read again). */
static int tok_cache_start(tok_cache *k, size_t npass)
{
    k->n = 0;
    sb_reset(&k->arena);
    k->full = 0;
    k->current = SIZE_MAX;
    k->npass = 0;
    size_t *f = realloc(k->first, (npass + 1) * sizeof *f);
    if (f)
        k->first = f;
    size_t *n = f ? realloc(k->count, (npass + 1) * sizeof *n) : NULL;
    if (n)
        k->count = n;
    if (!f || !n)
        return -1;
    k->npass = npass;
    for (size_t i = 0; i < npass; i++)
        f[i] = SIZE_MAX; /* a passage with no token: read again (nothing to read) */
    return 0;
}

static int cmp_unsigned(const void *a, const void *b)
{
    unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;
    return x < y ? -1 : x > y;
}

static int date_term(vs_docbuilder *b, const char *inh, const char *prefix, const char *v)
{
    sb_reset(&b->scratch);
    sb_puts(&b->scratch, inh);
    sb_puts(&b->scratch, prefix);
    sb_puts(&b->scratch, v);
    return b->scratch.failed ? -1 : terms_add(&b->terms, b->scratch.s, b->scratch.len, 0);
}

/* The filter terms of a passage's dates (schema.h), each behind `inh`
 * ("" for its own dates, PREFIX_INHERITED for those it takes from the
 * passage it continues); the years go to years[] for the facet slot. */
static int add_date_terms(vs_docbuilder *b, const date_span *d, size_t n, const char *inh, unsigned *years,
                          size_t *nyears, size_t max_years)
{
    char v[32];
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        if (d[i].precision == DATE_PERIOD) {
            snprintf(v, sizeof v, "%04u%04u", d[i].from / 10000, d[i].to / 10000);
            rc = date_term(b, inh, PREFIX_PERIOD, v);
            continue;
        }
        /* a day range may cross a year end (30/12 - 2/1) */
        for (unsigned y = d[i].from / 10000; y <= d[i].to / 10000 && rc == 0; y++) {
            snprintf(v, sizeof v, "%04u", y);
            rc = date_term(b, inh, PREFIX_YEAR, v);
            if (*nyears < max_years)
                years[(*nyears)++] = y;
        }
        if (d[i].precision == DATE_YEAR)
            continue;
        for (uint32_t m = d[i].from / 100; m <= d[i].to / 100 && rc == 0;) {
            snprintf(v, sizeof v, "%06u", m);
            rc = date_term(b, inh, PREFIX_MONTH, v);
            m = (m % 100 == 12) ? (m / 100 + 1) * 100 + 1 : m + 1;
        }
        if (d[i].precision != DATE_DAY)
            continue;
        /* day ranges are short; the cap only guards odd input */
        for (uint32_t day = d[i].from, steps = 0; day <= d[i].to && rc == 0 && steps < 62; steps++) {
            snprintf(v, sizeof v, "%08u", day);
            rc = date_term(b, inh, PREFIX_DAY, v);
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
    }
    return rc ? XC_ERR_NOMEM : XC_OK;
}

/* The sort and facet values of a passage's dates. */
static int set_date_values(vs_docbuilder *b, const date_span *d, size_t n, unsigned *years, size_t nyears)
{
    char v[32];
    int rc = XC_OK;
    uint32_t first = 0, last = 0;
    for (size_t i = 0; i < n; i++) {
        if (!first || d[i].from < first)
            first = d[i].from;
        if (d[i].to > last)
            last = d[i].to;
    }
    if (n > 0) {
        snprintf(v, sizeof v, "%08u", first);
        rc = xc_doc_set_value(b->doc, SLOT_FIRST_DATE, v, 8);
        snprintf(v, sizeof v, "%08u", last);
        if (rc == XC_OK)
            rc = xc_doc_set_value(b->doc, SLOT_LAST_DATE, v, 8);
    }
    if (rc == XC_OK && nyears) {
        qsort(years, nyears, sizeof years[0], cmp_unsigned);
        char list[MAX_DATES * 2 * 5 + 1];
        size_t ll = 0;
        for (size_t i = 0; i < nyears; i++)
            if (i == 0 || years[i] != years[i - 1])
                ll += (size_t)snprintf(list + ll, sizeof list - ll, "%s%04u", ll ? " " : "", years[i]);
        rc = xc_doc_set_value(b->doc, SLOT_YEARS, list, ll);
    }
    return rc;
}

static void iso_list(const date_span *d, size_t n, strbuf *out)
{
    for (size_t k = 0; k < n; k++) {
        char iso[48];
        date_iso(&d[k], iso, sizeof iso);
        if (out->len)
            sb_putc(out, ' ');
        sb_puts(out, iso);
    }
}

/* Stable ids: file:N (N the first line of a .txt passage, the ordinal of
 * its first block in other formats), with #fnN for footnote bodies (#enN
 * for endnotes) and ~K for the later pieces of a cut giant paragraph. */
static void passage_id(const char *name, const passage *p, strbuf *out)
{
    sb_printf(out, "%s:%zu", name, p->line);
    if (p->note)
        sb_printf(out, "#%s%d", p->endnote ? "en" : "fn", p->note);
    if (p->part > 1)
        sb_printf(out, "~%d", p->part);
}

void docbuild_file_term(const char *name, char *term, size_t cap, size_t *len)
{
    *len = schema_term(PREFIX_FILE, name, term, cap);
}

size_t docbuild_shard_of(const char *id, size_t nshards)
{
    uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a: stable across runs and machines */
    for (const char *p = id; *p; p++) {
        h ^= (unsigned char)*p;
        h *= 0x100000001b3ULL;
    }
    return nshards > 1 ? (size_t)(h % nshards) : 0;
}

int vs_docbuild_file(vs_docbuilder *b, vs_part *const *parts, size_t nparts, const char *name, const char *text,
                     size_t len, vs_build_stats *stats, char *err, size_t errcap)
{
    rd_document *doc = NULL;
    int rc = rd_read(NULL, text, len, RD_FORMAT_TXT, NULL, &doc, err, errcap);
    if (rc == RD_ERR_NOMEM)
        return -1;
    if (rc != RD_OK)
        return 0; /* not text: no passages */
    rc = vs_docbuild_document(b, parts, nparts, name, doc, stats, err, errcap);
    rd_document_free(doc);
    return rc;
}

/* The dates of every passage: its own, and for one with none the dates of
 * the passage it continues (the nearest earlier passage of its section, and
 * of its framework's section, that has dates of its own: a MUSP paragraph
 * does not continue the GMS one before its heading; a footnote's, the
 * passage that cites it).  from[i]
 * is the passage the dates came from, or i for its own, or -1. */
typedef struct passage_dates {
    size_t start, n; /* its own dates: pool[start, start + n) (most passages have none: a file of
                        many tiny paragraphs must not cost MAX_DATES spans each) */
    long from;
} passage_dates;

/* Returns 0, or -1 if out of memory; *pool (the dates of all passages) is
 * the caller's to free. */
static int find_dates(const passage_list *pl, const passage_tags *tags, passage_dates *pd, date_span **pool)
{
    size_t used = 0, cap = 0;
    *pool = NULL;
    for (size_t i = 0; i < pl->count; i++) {
        const passage *p = &pl->items[i];
        date_span d[MAX_DATES];
        size_t n = date_parse(p->text, p->text_len, d, MAX_DATES);
        n = n > MAX_DATES ? MAX_DATES : n;
        if (used + n > cap) {
            size_t ncap = cap ? cap : 64;
            while (ncap < used + n)
                ncap *= 2;
            date_span *np = realloc(*pool, ncap * sizeof *np);
            if (!np)
                return -1;
            *pool = np;
            cap = ncap;
        }
        if (n)
            memcpy(*pool + used, d, n * sizeof *d);
        pd[i].start = used;
        pd[i].n = n;
        pd[i].from = n ? (long)i : -1;
        used += n;
    }
    long last = -1; /* the last passage of the current section with dates of its own */
    size_t section = (size_t)-1;
    for (size_t i = 0; i < pl->count; i++) {
        const passage *p = &pl->items[i];
        if (p->note)
            continue;
        if (p->section != section || (last >= 0 && tags[last].primary != tags[i].primary)) {
            section = p->section;
            last = -1;
        }
        if (pd[i].n)
            last = (long)i;
        else if (last >= 0)
            pd[i].from = last;
    }
    for (size_t i = 0; i < pl->count; i++) {
        const passage *p = &pl->items[i];
        if (p->note && !pd[i].n && p->cited_by >= 0 && (size_t)p->cited_by < pl->count)
            pd[i].from = pd[p->cited_by].from;
    }
    return 0;
}

/* The boolean term of the passages of file `name` written by build
 * `build`: what an --update names to retire them (schema.h). */
void vs_version_term(const char *name, long build, char *term, size_t cap, size_t *len)
{
    char b[32];
    int n = snprintf(b, sizeof b, "%ld:", build);
    uint64_t h = fnv64(name, strlen(name), fnv64(b, (size_t)n, FNV_START));
    n = snprintf(term, cap, "%s%016llx", PREFIX_VERSION, (unsigned long long)h);
    *len = n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap - 1;
}

/* The stored record of the document being built, then the document itself
 * (or, in --dump and sampling, what they want of it).  Returns an xc_status
 * with a message in err. */
static int write_doc(vs_docbuilder *b, vs_part *const *parts, size_t nparts, const record *r, vs_build_stats *stats,
                     char *err, size_t errcap)
{
    size_t *count = r->is_heading ? &stats->headings : &stats->passages;
    if (b->dump) {
        if (!r->is_heading) /* --dump lists passages; --dump=blocks shows the headings */
            dump_record(b->dump, r, b->outline.s ? b->outline.s : "", b->why);
        (*count)++;
        return XC_OK;
    }
    sb_reset(&b->data);
    record_encode(r, &b->data);
    int rc = b->data.failed ? XC_ERR_NOMEM : XC_OK;
    if (rc == XC_OK && b->samples) { /* collecting records to train the dictionary on */
        sample_add(b->samples, b->data.s, b->data.len);
        (*count)++;
        return XC_OK;
    }
    sb_reset(&b->packed);
    if (rc == XC_OK && codec_pack(b->codec, b->data.s, b->data.len, &b->packed))
        rc = XC_ERR_NOMEM;
    if (rc == XC_OK)
        rc = xc_doc_set_value(b->doc, SLOT_RECORD, b->packed.s, b->packed.len);
    if (rc == XC_OK)
        rc = vs_part_add(parts[docbuild_shard_of(r->id, nparts)], b->doc, b->packed.len + strlen(r->text));
    if (rc != XC_OK)
        snprintf(err, errcap, "%s", rc == XC_ERR_NOMEM ? "out of memory" : xc_errmsg());
    else
        (*count)++;
    return rc;
}

static void set_seq(vs_docbuilder *b, uint32_t seq, int *rc)
{
    unsigned char v[4];
    for (int k = 0; k < 4; k++)
        v[k] = (unsigned char)(seq >> (24 - 8 * k));
    if (*rc == XC_OK)
        *rc = xc_doc_set_value(b->doc, SLOT_SEQ, (const char *)v, 4);
}

/* The file it is in, as a collapse key (SLOT_FILE): --group file shows
 * a file once. */
static void set_file_key(vs_docbuilder *b, const char *fileterm, size_t ftlen, int *rc)
{
    char v[8];
    schema_key_put(vs_content_hash(fileterm, ftlen), v);
    if (*rc == XC_OK)
        *rc = xc_doc_set_value(b->doc, SLOT_FILE, v, 8);
}

/* --dump's outline and why of a passage: the headings above it, outermost
 * first, joined by " > ". */
static void dump_why(vs_docbuilder *b, const passage_list *pl, const passage *p, const passage_tags *tag)
{
    long chain[64];
    size_t n = 0;
    for (long k = p->node; k >= 0 && n < 64; k = pl->nodes[k].parent)
        chain[n++] = k;
    sb_reset(&b->outline);
    while (n-- > 0) {
        if (b->outline.len)
            sb_puts(&b->outline, " > ");
        sb_puts(&b->outline, pl->nodes[chain[n]].text);
    }
    framework_why_text(tag, b->why, sizeof b->why);
}

/* Every heading as a document of its own: its words are found (a search
 * for a section's title finds the title), ranked after the paragraphs
 * (TERM_HEADING).  It takes the framework of the passages it heads and the
 * dates it names itself. */
static int add_headings(vs_docbuilder *b, vs_part *const *parts, size_t nparts, const char *name,
                        const passage_list *pl, const passage_tags *tags, const passage_dates *pd,
                        vs_build_stats *stats, char *err, size_t errcap)
{
    size_t nfw = alias_framework_count(b->aliases), ngroups = alias_group_count(b->aliases);
    unsigned short *fw = calloc(nfw + 1, sizeof *fw), *groups = calloc(ngroups + 1, sizeof *groups);
    char fileterm[TERM_MAX + 1], idterm[TERM_MAX + 1], verterm[64];
    size_t ftlen, vtlen;
    docbuild_file_term(name, fileterm, sizeof fileterm, &ftlen);
    vs_version_term(name, b->build, verterm, sizeof verterm, &vtlen);
    strbuf id = STRBUF_INIT, fws = STRBUF_INIT, dates = STRBUF_INIT;
    int rc = fw && groups ? XC_OK : XC_ERR_NOMEM;
    for (size_t h = 0; h < pl->heading_count && rc == XC_OK; h++) {
        const heading_info *hi = &pl->headings[h];
        size_t len = strlen(hi->text);
        sb_reset(&id);
        sb_reset(&fws);
        sb_reset(&dates);
        sb_printf(&id, "%s:%zu", name, hi->line);
        /* the framework of the passages under it, else of those before */
        long near = hi->before < pl->count ? (long)hi->before : (long)pl->count - 1;
        long primary = near >= 0 ? tags[near].primary : -1;
        const char *code = primary >= 0 ? alias_framework_code(b->aliases, (size_t)primary) : "";
        terms_clear(&b->terms);
        uint64_t dupkey = 0;
        rc = xc_doc_clear(b->doc);
        if (rc == XC_OK && !b->samples)
            rc = add_text_terms(b, SIZE_MAX, hi->text, len, stats, &dupkey);
        size_t il = schema_term(PREFIX_ID, id.s ? id.s : "", idterm, sizeof idterm);
        if (rc == XC_OK && (terms_add(&b->terms, idterm, il, 0) || terms_add(&b->terms, fileterm, ftlen, 0) ||
                            terms_add(&b->terms, verterm, vtlen, 0) ||
                            terms_add(&b->terms, TERM_HEADING, strlen(TERM_HEADING), 0)))
            rc = XC_ERR_NOMEM;
        if (rc == XC_OK && *code) {
            if (terms_add2(&b->terms, PREFIX_FRAMEWORK, code, strlen(code), 0, &b->scratch))
                rc = XC_ERR_NOMEM;
            if (rc == XC_OK)
                rc = xc_doc_set_value(b->doc, SLOT_FRAMEWORK, code, strlen(code));
        }
        memset(fw, 0, (nfw + 1) * sizeof *fw);
        memset(groups, 0, (ngroups + 1) * sizeof *groups);
        if (rc == XC_OK && framework_count(b->aliases, hi->text, len, fw, groups))
            rc = XC_ERR_NOMEM;
        for (size_t f = 0; f < nfw && rc == XC_OK; f++)
            if (fw[f]) {
                const char *c = alias_framework_code(b->aliases, f);
                if (terms_add2(&b->terms, PREFIX_MENTION, c, strlen(c), fw[f], &b->scratch))
                    rc = XC_ERR_NOMEM;
                if (fws.len)
                    sb_putc(&fws, ' ');
                sb_puts(&fws, c);
            }
        for (size_t g = 0; g < ngroups && rc == XC_OK; g++)
            if (groups[g]) {
                const char *k = alias_group_key(b->aliases, g);
                if (terms_add2(&b->terms, PREFIX_ALIAS, k, strlen(k), groups[g], &b->scratch))
                    rc = XC_ERR_NOMEM;
            }
        date_span ds[MAX_DATES];
        size_t nd = date_parse(hi->text, len, ds, MAX_DATES);
        nd = nd > MAX_DATES ? MAX_DATES : nd;
        unsigned years[MAX_DATES * 2];
        size_t nyears = 0;
        if (rc == XC_OK)
            rc = add_date_terms(b, ds, nd, "", years, &nyears, sizeof years / sizeof years[0]);
        if (rc == XC_OK)
            rc = set_date_values(b, ds, nd, years, nyears);
        iso_list(ds, nd, &dates);
        /* its copies (the same heading in the .docx, .doc and .rtf of one
         * report) are one hit, as a paragraph's are */
        char key[8];
        schema_key_put(dupkey, key);
        if (rc == XC_OK)
            rc = xc_doc_set_value(b->doc, SLOT_DUPKEY, key, 8);
        /* in reading order: just before the passage it heads */
        set_seq(b, (uint32_t)(2 * hi->before), &rc);
        set_file_key(b, fileterm, ftlen, &rc);
        if (rc == XC_OK)
            rc = terms_flush(&b->terms, b->doc);
        const char *section = hi->section < pl->section_count ? pl->sections[hi->section].title : NULL;
        record r = {
            .id = id.s, .file = (char *)name, .line = (long)hi->line, .end_line = (long)hi->line,
            .page = (long)hi->page, .section = (char *)section, .fw = (char *)code, .fws = fws.s,
            .dates = dates.s, .text = hi->text, .is_heading = 1,
        };
        if (rc == XC_OK && (id.failed || fws.failed || dates.failed))
            rc = XC_ERR_NOMEM;
        if (rc == XC_OK)
            rc = write_doc(b, parts, nparts, &r, stats, err, errcap);
    }
    if (rc == XC_ERR_NOMEM && !err[0])
        snprintf(err, errcap, "out of memory");
    (void)pd;
    sb_free(&id);
    sb_free(&fws);
    sb_free(&dates);
    free(fw);
    free(groups);
    return rc;
}

int vs_docbuild_document(vs_docbuilder *b, vs_part *const *parts, size_t nparts, const char *name,
                         const rd_document *doc, vs_build_stats *stats, char *err, size_t errcap)
{
    passage_list pl;
    if (passage_from_blocks(doc, &pl) != 0) {
        snprintf(err, errcap, "out of memory splitting passages");
        return -1;
    }
    size_t nfw = alias_framework_count(b->aliases);
    passage_tags *tags = calloc(pl.count + 1, sizeof *tags);
    int rc = XC_OK;
    /* the tokens framework tagging reads are kept for the terms (samples
     * need no terms) */
    int keep = !b->samples && tok_cache_start(&b->seen, pl.count) == 0;
    if (!keep)
        b->seen.npass = 0;
    if (!tags || framework_tag_seen(b->aliases, &pl, tags, keep ? keep_token : NULL, &b->seen) != 0) {
        snprintf(err, errcap, "out of memory tagging frameworks");
        rc = XC_ERR_NOMEM;
    } else {
        framework_tag_path(b->aliases, name, pl.count, tags);
    }
    passage_dates *pd = calloc(pl.count + 1, sizeof *pd);
    date_span *pool = NULL;
    if (rc == XC_OK && (!pd || find_dates(&pl, tags, pd, &pool) != 0)) {
        snprintf(err, errcap, "out of memory finding dates");
        rc = XC_ERR_NOMEM;
    }
    char fileterm[TERM_MAX + 1], idterm[TERM_MAX + 1], verterm[64];
    size_t ftlen, vtlen;
    docbuild_file_term(name, fileterm, sizeof fileterm, &ftlen);
    vs_version_term(name, b->build, verterm, sizeof verterm, &vtlen);
    strbuf id = STRBUF_INIT, fws = STRBUF_INIT, dates = STRBUF_INIT, hdates = STRBUF_INIT, hfrom = STRBUF_INIT,
           notes = STRBUF_INIT, note_of = STRBUF_INIT, meets = STRBUF_INIT;
    for (size_t i = 0; i < pl.count && rc == XC_OK; i++) {
        const passage *p = &pl.items[i];
        sb_reset(&meets);
        sb_reset(&id);
        sb_reset(&fws);
        sb_reset(&dates);
        sb_reset(&hdates);
        sb_reset(&hfrom);
        sb_reset(&notes);
        sb_reset(&note_of);
        passage_id(name, p, &id);
        for (size_t k = i + 1; k < pl.count && pl.items[k].note; k++)
            if (pl.items[k].cited_by == (long)i) {
                if (notes.len)
                    sb_putc(&notes, ' ');
                passage_id(name, &pl.items[k], &notes);
            }
        if (p->note && p->cited_by >= 0)
            passage_id(name, &pl.items[p->cited_by], &note_of);

        terms_clear(&b->terms);
        uint64_t dupkey = 0;
        rc = xc_doc_clear(b->doc);
        if (rc == XC_OK && !b->samples) /* samples are records: no terms needed */
            rc = add_text_terms(b, i, p->text, p->text_len, stats, &dupkey);
        if (rc == XC_OK) {
            size_t il = schema_term(PREFIX_ID, id.s ? id.s : "", idterm, sizeof idterm);
            rc = terms_add(&b->terms, idterm, il, 0) ? XC_ERR_NOMEM : XC_OK;
        }
        if (rc == XC_OK && terms_add(&b->terms, fileterm, ftlen, 0))
            rc = XC_ERR_NOMEM;
        if (rc == XC_OK && terms_add(&b->terms, verterm, vtlen, 0))
            rc = XC_ERR_NOMEM;
        const char *code = tags[i].primary >= 0 ? alias_framework_code(b->aliases, (size_t)tags[i].primary) : "";
        if (rc == XC_OK && *code) {
            if (terms_add2(&b->terms, PREFIX_FRAMEWORK, code, strlen(code), 0, &b->scratch))
                rc = XC_ERR_NOMEM;
            if (rc == XC_OK)
                rc = xc_doc_set_value(b->doc, SLOT_FRAMEWORK, code, strlen(code));
        }
        for (size_t f = 0; f < nfw && rc == XC_OK; f++) {
            if (!tags[i].mentions[f])
                continue;
            const char *c = alias_framework_code(b->aliases, f);
            if (terms_add2(&b->terms, PREFIX_MENTION, c, strlen(c), tags[i].mentions[f], &b->scratch))
                rc = XC_ERR_NOMEM;
            if (fws.len)
                sb_putc(&fws, ' ');
            sb_puts(&fws, c);
        }
        for (size_t g = 0; g < alias_group_count(b->aliases) && rc == XC_OK; g++)
            if (tags[i].groups[g]) {
                const char *k = alias_group_key(b->aliases, g);
                if (terms_add2(&b->terms, PREFIX_ALIAS, k, strlen(k), tags[i].groups[g], &b->scratch))
                    rc = XC_ERR_NOMEM;
            }
        /* the meetings it names (meetings.h), for vnsearch --meetings */
        meeting_mention mm[MAX_MEETINGS];
        long nm = rc == XC_OK ? meeting_find(b->meetings, b->aliases, b->meeting_scratch, p->text, p->text_len,
                                             tags[i].primary, mm, MAX_MEETINGS)
                              : 0;
        if (nm < 0)
            rc = XC_ERR_NOMEM;
        if (nm > 0) {
            meeting_encode(b->meetings, b->aliases, p->text, mm, nm < MAX_MEETINGS ? (size_t)nm : MAX_MEETINGS,
                           &meets);
            if (terms_add(&b->terms, TERM_MEETING, strlen(TERM_MEETING), 0))
                rc = XC_ERR_NOMEM;
        }
        /* dates: its own, or those of the passage it continues */
        unsigned years[MAX_DATES * 2];
        size_t nyears = 0;
        const passage_dates *own = &pd[i], *src = pd[i].from >= 0 ? &pd[pd[i].from] : own;
        int inherited = own->n == 0 && pd[i].from >= 0;
        const date_span *src_d = pool ? pool + src->start : NULL, *own_d = pool ? pool + own->start : NULL;
        if (rc == XC_OK)
            rc = add_date_terms(b, src_d, src->n, inherited ? PREFIX_INHERITED : "", years, &nyears,
                                sizeof years / sizeof years[0]);
        if (rc == XC_OK)
            rc = set_date_values(b, src_d, src->n, years, nyears);
        iso_list(own_d, own->n, &dates);
        if (inherited) {
            iso_list(src_d, src->n, &hdates);
            passage_id(name, &pl.items[pd[i].from], &hfrom);
        }
        char v[8];
        schema_key_put(dupkey, v);
        if (rc == XC_OK)
            rc = xc_doc_set_value(b->doc, SLOT_DUPKEY, v, 8);
        set_seq(b, (uint32_t)(2 * i + 1), &rc);
        set_file_key(b, fileterm, ftlen, &rc);
        if (rc == XC_OK)
            rc = terms_flush(&b->terms, b->doc);

        /* A section with no heading of its own is named after its framework. */
        const char *section = p->section < pl.section_count ? pl.sections[p->section].title : NULL;
        if (tags[i].untitled)
            section = tags[i].primary >= 0 ? alias_framework_name(b->aliases, (size_t)tags[i].primary, 0) : NULL;
        const char *heading = tags[i].stale_heading ? NULL : p->heading;
        record r = {
            .id = id.s, .file = (char *)name, .line = (long)p->line, .end_line = (long)p->end_line,
            .page = (long)p->page, .ocr = p->ocr, .ocr_confidence = p->ocr_confidence, .where = p->where,
            .section = (char *)section, .heading = (char *)heading, .fw = (char *)code, .fws = fws.s,
            .dates = dates.s, .hdates = hdates.s, .hdates_from = hfrom.s, .notes = notes.s, .note_of = note_of.s,
            .meetings = meets.s, .text = p->text,
        };
        if (rc == XC_OK && (id.failed || fws.failed || dates.failed || hdates.failed || hfrom.failed ||
                            notes.failed || note_of.failed || meets.failed))
            rc = XC_ERR_NOMEM;
        if (b->dump)
            dump_why(b, &pl, p, &tags[i]);
        if (rc == XC_OK)
            rc = write_doc(b, parts, nparts, &r, stats, err, errcap);
    }
    if (rc == XC_OK && pd)
        rc = add_headings(b, parts, nparts, name, &pl, tags, pd, stats, err, errcap);
    free(pd);
    free(pool);
    sb_free(&hdates);
    sb_free(&hfrom);
    sb_free(&id);
    sb_free(&fws);
    sb_free(&dates);
    sb_free(&notes);
    sb_free(&note_of);
    sb_free(&meets);
    if (tags)
        framework_tags_free(tags, pl.count);
    free(tags);
    passage_list_free(&pl);
    return rc == XC_OK ? 0 : -1;
}
