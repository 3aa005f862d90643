/*
 * "Did you mean" (see suggest.h): candidates for the words of a query that
 * the index barely knows, found by looking terms up in the index, and the
 * respelling that the index says reads best.
 */
#include "suggest.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "schema.h"
#include "vnsearch.h"
#include "vntext.h"

#define FORM_MAX 64     /* bytes of a word's spelling considered */
#define MAX_CANDS 6     /* per word, into the choice */
#define EDITS_KEPT 8    /* one-letter edits kept (the most frequent), before their spellings are looked up */
#define GATHERED 48     /* candidates gathered for a word, before the best MAX_CANDS are kept */
#define KEY_MAX (FORM_MAX * 3 + 1)

/* How far each way of finding a candidate is trusted (its prior). */
#define PRIOR_TYPED 1.0
#define PRIOR_DECODED 1.0  /* Telex or VNI decoded: what the user meant to type */
#define PRIOR_REMARKED 0.1 /* the same letters with other marks */
#define PRIOR_EDIT 0.05    /* a letter missing, extra, wrong or swapped */
#define PRIOR_SPLIT 0.05   /* two words typed as one */

typedef struct cand {
    char show[2 * FORM_MAX + 2];      /* as the suggestion writes it (lower case; a split holds a space) */
    char terms[3][2 * KEY_MAX + 3];   /* its index terms: XE + exact key with marks, else the folded key;
                                         for a split, the pair of its halves too (XW) */
    size_t nterms;                    /* 0: an alias word, left out of the counts */
    char first[KEY_MAX], last[KEY_MAX]; /* folded keys of its first and last syllable, for pairs */
    uint32_t freq;                    /* passages holding its terms */
    double unary;                     /* ln prior + ln(1 + freq) / 2 */
    int typed;                        /* the word as typed */
} cand;

typedef struct word {
    size_t start, end;                /* bytes of the query */
    char typed[FORM_MAX + 1];
    char exact[KEY_MAX], folded[KEY_MAX];
    int marked, known;                /* typed with marks; matched by an alias */
    uint32_t freq;                    /* passages holding it as typed: its exact term if marked */
    uint32_t folded_freq;
    cand *c;                          /* [0] as typed, then the candidates gathered (GATHERED at most); the
                                         best MAX_CANDS go into the choice */
    size_t nc;
    size_t chosen;
} word;

typedef struct sugg {
    xc_db *db;
    xc_enquire *enq;
    int exact;
    int failed;
    word *w;
    size_t n, cap;
} sugg;

/* ------------------------------------------------------------- lookups */

static uint32_t termfreq(sugg *s, const char *term)
{
    uint32_t f = 0;
    if (!s->failed && xc_db_termfreq(s->db, term, strlen(term), &f) != XC_OK)
        s->failed = 1;
    return f;
}

/* Passages holding every term, counted exactly up to SUGGEST_COUNT_MAX. */
static uint32_t count_all(sugg *s, const char *const *terms, size_t n)
{
    if (n == 0 || s->failed)
        return 0;
    if (n == 1)
        return termfreq(s, terms[0]);
    xc_query *q[3 * SUGGEST_MAX_WORDS] = {NULL};
    size_t nq = 0;
    for (size_t i = 0; i < n && nq < 3 * SUGGEST_MAX_WORDS; i++)
        if ((q[nq] = xc_query_term(terms[i], strlen(terms[i]), 1)))
            nq++;
    xc_query *all = nq == n ? xc_query_combine(XC_OP_AND, q, nq, 0) : NULL;
    for (size_t i = 0; i < nq; i++)
        xc_query_free(q[i]);
    xc_mset *m = NULL;
    uint32_t count = 0;
    if (!all || xc_enquire_set_query(s->enq, all) != XC_OK ||
        xc_enquire_mset(s->enq, 0, 0, SUGGEST_COUNT_MAX, &m) != XC_OK)
        s->failed = 1;
    else
        count = xc_mset_matches_estimated(m);
    xc_mset_free(m);
    xc_query_free(all);
    return count;
}

/* The index term of a word: XE + its exact key when it is a spelling (it
 * has marks, or is meant without them: a spelling among others), else its
 * folded key, which every spelling of its letters matches.  Returns 0 if
 * it has no key that fits. */
static int spelling_term(const char *form, int spelling, char *term, size_t cap)
{
    char key[KEY_MAX];
    size_t len = strlen(form);
    spelling |= vn_has_marks(form, len);
    long kl = spelling ? vn_exact_key(form, len, key, sizeof key - 1) : vn_folded_key(form, len, key, sizeof key - 1);
    if (kl <= 0 || (size_t)kl + 3 > cap)
        return 0;
    snprintf(term, cap, "%s%.*s", spelling ? PREFIX_EXACT : "", (int)kl, key);
    return 1;
}

/* --------------------------------------------------------- candidates */

static double unary(double prior, uint32_t freq)
{
    return log(prior) + 0.5 * log(1.0 + freq);
}

/* Adds a candidate (one word, or two for a split) unless the index has
 * none of it or the word has it already.  A `spelling` is counted as
 * written, marks or none; else by its letters. */
static void add_cand(sugg *s, word *w, const char *show, const char *second, int spelling, double prior)
{
    if (!w->c || w->nc == GATHERED || strlen(show) > FORM_MAX)
        return;
    cand c;
    memset(&c, 0, sizeof c);
    snprintf(c.show, sizeof c.show, second ? "%s %s" : "%s", show, second);
    for (size_t i = 0; i < w->nc; i++)
        if (!strcmp(w->c[i].show, c.show))
            return;
    if (!spelling_term(show, spelling, c.terms[0], sizeof c.terms[0]) ||
        (second && !spelling_term(second, spelling, c.terms[1], sizeof c.terms[1])))
        return;
    c.nterms = second ? 2 : 1;
    long fl = vn_folded_key(show, strlen(show), c.first, sizeof c.first - 1);
    long ll = second ? vn_folded_key(second, strlen(second), c.last, sizeof c.last - 1) : fl;
    if (fl <= 0 || ll <= 0)
        return;
    c.first[fl] = '\0';
    if (second) {
        c.last[ll] = '\0';
        snprintf(c.terms[2], sizeof c.terms[2], "%s%s %s", PREFIX_PAIR, c.first, c.last);
        c.nterms = 3;
    } else {
        memcpy(c.last, c.first, (size_t)fl + 1);
    }
    const char *t[3] = {c.terms[0], c.terms[1], c.terms[2]};
    c.freq = count_all(s, t, c.nterms);
    if (c.freq == 0)
        return;
    c.unary = unary(prior, c.freq);
    w->c[w->nc++] = c;
}

static const char *const TONE_MARK[] = {"", "\xcc\x81", "\xcc\x80", "\xcc\x89", "\xcc\x83", "\xcc\xa3"};
enum { TONE_NONE, TONE_SAC, TONE_HUYEN, TONE_HOI, TONE_NGA, TONE_NANG };
enum { MOD_NONE, MOD_HAT, MOD_BREVE, MOD_HORN, MOD_STROKE };

typedef struct letter {
    char base;  /* a-z */
    int mod;
} letter;

static int is_vowel(char c)
{
    return c && strchr("aeiouy", c) != NULL;
}

/* The letters in UTF-8 with the tone after the last vowel, then as the
 * exact key puts it (NFC, the tone on its vowel).  Returns the length, 0
 * if it does not fit or has no vowel. */
static size_t spell(const letter *l, size_t n, int tone, char *out, size_t cap)
{
    static const char *const marked[][5] = {
        ['a'] = {"a", "\xc3\xa2", "\xc4\x83", NULL, NULL}, ['e'] = {"e", "\xc3\xaa", NULL, NULL, NULL},
        ['o'] = {"o", "\xc3\xb4", NULL, "\xc6\xa1", NULL}, ['u'] = {"u", NULL, NULL, "\xc6\xb0", NULL},
        ['d'] = {"d", NULL, NULL, NULL, "\xc4\x91"},
    };
    char buf[KEY_MAX];
    size_t len = 0, last_vowel = 0;
    int vowel = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char b = (unsigned char)l[i].base;
        const char *piece = NULL;
        if (l[i].mod == MOD_NONE)
            piece = NULL;
        else if (b < sizeof marked / sizeof marked[0] && marked[b][0])
            piece = marked[b][l[i].mod];
        if (l[i].mod != MOD_NONE && !piece)
            return 0; /* a mark this letter cannot carry */
        size_t pl = piece ? strlen(piece) : 1;
        if (len + pl + 3 >= sizeof buf)
            return 0;
        if (piece)
            memcpy(buf + len, piece, pl);
        else
            buf[len] = (char)b;
        len += pl;
        if (is_vowel((char)b)) {
            vowel = 1;
            last_vowel = len;
        }
    }
    if (!vowel)
        return 0;
    if (tone) {
        memmove(buf + last_vowel + 2, buf + last_vowel, len - last_vowel);
        memcpy(buf + last_vowel, TONE_MARK[tone], 2);
        len += 2;
    }
    long kl = vn_exact_key(buf, len, out, cap > 0 ? cap - 1 : 0);
    if (kl <= 0)
        return 0;
    out[kl] = '\0';
    return (size_t)kl;
}

/* Lower-case ASCII letters (and digits, for VNI) only. */
static int ascii_word(const char *w, size_t len, char *low, int digits)
{
    if (len == 0 || len > FORM_MAX)
        return 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)w[i];
        if (c >= 'A' && c <= 'Z')
            c = (unsigned char)(c - 'A' + 'a');
        if (!((c >= 'a' && c <= 'z') || (digits && c >= '0' && c <= '9')))
            return 0;
        low[i] = (char)c;
    }
    low[len] = '\0';
    return 1;
}

/* The last letter at or before `from` with base c and no mark, or -1. */
static long find_back(const letter *l, size_t from, char c)
{
    for (size_t i = from + 1; i-- > 0;)
        if (l[i].base == c && l[i].mod == MOD_NONE)
            return (long)i;
    return -1;
}

/* A horn (w, VNI 7) on the last o or u, and on the u of "uo" too (ươ). */
static int horn(letter *l, size_t n)
{
    for (size_t i = n; i-- > 0;) {
        if ((l[i].base == 'o' || l[i].base == 'u') && l[i].mod == MOD_NONE) {
            l[i].mod = MOD_HORN;
            if (l[i].base == 'o' && i > 0 && l[i - 1].base == 'u' && l[i - 1].mod == MOD_NONE)
                l[i - 1].mod = MOD_HORN;
            return 1;
        }
        if (l[i].base == 'a' && l[i].mod == MOD_NONE)
            return 0; /* "aw" is a breve, handled by the caller */
    }
    return 0;
}

size_t suggest_telex(const char *typed, size_t len, char *out, size_t cap)
{
    char low[FORM_MAX + 1];
    if (!ascii_word(typed, len, low, 0))
        return 0;
    letter l[FORM_MAX];
    size_t n = 0;
    int tone = 0, keys = 0, vowel = 0;
    for (size_t i = 0; i < len; i++) {
        char c = low[i];
        const char *tk = vowel ? strchr("sfrxj", c) : NULL;
        if (tk) {
            /* no Vietnamese syllable ends in s f r x j: after a vowel they are tone keys */
            tone = (int)(tk - "sfrxj") + 1;
            tone = tone == 1 ? TONE_SAC : tone == 2 ? TONE_HUYEN : tone == 3 ? TONE_HOI : tone == 4 ? TONE_NGA : TONE_NANG;
            keys++;
            continue;
        }
        if (c == 'z' && vowel && tone) {
            tone = TONE_NONE;
            keys++;
            continue;
        }
        if (n > 0 && l[n - 1].mod == MOD_NONE && l[n - 1].base == c && strchr("aeod", c)) {
            l[n - 1].mod = c == 'd' ? MOD_STROKE : MOD_HAT; /* aa ee oo dd */
            keys++;
            continue;
        }
        if (c != 'd' && strchr("aeo", c) && n > 0) {
            /* a doubled vowel apart (tieen is tiên, also "tien" + e later) */
            long k = find_back(l, n - 1, c);
            int consonants_since = k >= 0;
            for (size_t j = (size_t)k + 1; consonants_since && j < n; j++)
                consonants_since = !is_vowel(l[j].base);
            if (k >= 0 && (size_t)k + 1 < n && consonants_since) {
                l[k].mod = MOD_HAT;
                keys++;
                continue;
            }
        }
        if (c == 'w') {
            long a = n > 0 ? find_back(l, n - 1, 'a') : -1;
            if (n > 0 && l[n - 1].base == 'a' && l[n - 1].mod == MOD_NONE)
                l[n - 1].mod = MOD_BREVE;
            else if (!horn(l, n)) {
                if (a >= 0)
                    l[a].mod = MOD_BREVE;
                else if (n < FORM_MAX) {
                    l[n++] = (letter){'u', MOD_HORN}; /* w alone is ư */
                    vowel = 1;
                }
            }
            keys++;
            continue;
        }
        l[n++] = (letter){c, MOD_NONE};
        vowel |= is_vowel(c);
    }
    return keys ? spell(l, n, tone, out, cap) : 0;
}

size_t suggest_vni(const char *typed, size_t len, char *out, size_t cap)
{
    char low[FORM_MAX + 1];
    if (!ascii_word(typed, len, low, 1))
        return 0;
    letter l[FORM_MAX];
    size_t n = 0;
    int tone = 0, keys = 0;
    for (size_t i = 0; i < len; i++) {
        char c = low[i];
        if (c < '0' || c > '9') {
            l[n++] = (letter){c, MOD_NONE};
            continue;
        }
        long k = -1;
        switch (c) {
        case '1': case '2': case '3': case '4': case '5': {
            static const int tones[] = {TONE_SAC, TONE_HUYEN, TONE_HOI, TONE_NGA, TONE_NANG};
            for (size_t j = 0; j < n && k < 0; j++)
                k = is_vowel(l[j].base) ? (long)j : -1;
            tone = tones[c - '1'];
            break;
        }
        case '0': tone = TONE_NONE; k = 0; break;
        case '6': {
            long a = n ? find_back(l, n - 1, 'a') : -1, e = n ? find_back(l, n - 1, 'e') : -1,
                 o = n ? find_back(l, n - 1, 'o') : -1;
            k = a > e ? a : e;
            k = o > k ? o : k;
            if (k >= 0)
                l[k].mod = MOD_HAT;
            break;
        }
        case '7': k = horn(l, n) ? 0 : -1; break;
        case '8':
            if ((k = n ? find_back(l, n - 1, 'a') : -1) >= 0)
                l[k].mod = MOD_BREVE;
            break;
        case '9':
            if ((k = n ? find_back(l, n - 1, 'd') : -1) >= 0)
                l[k].mod = MOD_STROKE;
            break;
        }
        if (k < 0 || n == 0)
            return 0; /* a digit with nothing to mark: a number, not VNI */
        keys++;
    }
    return keys ? spell(l, n, tone, out, cap) : 0;
}

/* Every spelling of a folded key (its vowels with each quality, d or đ,
 * and each tone) that the index holds, as candidates. */
static void remarked(sugg *s, word *w, const char *folded, double prior)
{
    static const char options[][3] = {['a'] = {MOD_NONE, MOD_HAT, MOD_BREVE}, ['e'] = {MOD_NONE, MOD_HAT, -1},
                                      ['o'] = {MOD_NONE, MOD_HAT, MOD_HORN},  ['u'] = {MOD_NONE, MOD_HORN, -1},
                                      ['d'] = {MOD_NONE, MOD_STROKE, -1}};
    letter l[FORM_MAX];
    size_t n = strlen(folded), var[FORM_MAX], nvar = 0;
    if (n == 0 || n > 16)
        return;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)folded[i];
        if (c >= 0x80)
            return;
        l[i] = (letter){(char)c, MOD_NONE};
        if (c < sizeof options / sizeof options[0] && options[c][1])
            var[nvar++] = i;
    }
    if (nvar > 5)
        return; /* 3^5 * 6 lookups at most */
    size_t combos = 1;
    for (size_t v = 0; v < nvar; v++)
        combos *= (options[(unsigned char)l[var[v]].base][2] >= 0 ? 3 : 2);
    for (size_t k = 0; k < combos; k++) {
        size_t rest = k;
        for (size_t v = 0; v < nvar; v++) {
            const char *opt = options[(unsigned char)l[var[v]].base];
            size_t m = opt[2] >= 0 ? 3 : 2;
            l[var[v]].mod = opt[rest % m];
            rest /= m;
        }
        for (int tone = TONE_NONE; tone <= TONE_NANG; tone++) {
            char form[KEY_MAX];
            if (spell(l, n, tone, form, sizeof form) && strcmp(form, w->exact) != 0)
                add_cand(s, w, form, NULL, 1, prior);
        }
    }
}

/* The spelling of a folded key that most passages hold (the key itself if
 * none has marks), into out. */
static void best_spelling(sugg *s, const char *folded, char *out, size_t cap)
{
    word tmp;
    memset(&tmp, 0, sizeof tmp);
    snprintf(out, cap, "%s", folded);
    if (!(tmp.c = calloc(GATHERED, sizeof *tmp.c))) {
        s->failed = 1;
        return;
    }
    remarked(s, &tmp, folded, 1.0);
    uint32_t best = termfreq(s, folded) / 2; /* the bare letters, unless a spelling has most of them */
    for (size_t i = 0; i < tmp.nc; i++)
        if (tmp.c[i].freq > best) {
            best = tmp.c[i].freq;
            snprintf(out, cap, "%s", tmp.c[i].show);
        }
    free(tmp.c);
}

typedef struct edit {
    char key[FORM_MAX + 2];
    uint32_t freq;
} edit;

static int by_freq(const void *a, const void *b)
{
    const edit *x = a, *y = b;
    return x->freq != y->freq ? (x->freq > y->freq ? -1 : 1) : strcmp(x->key, y->key);
}

/* Keeps key (a folded key the index holds) among the EDITS_KEPT most
 * frequent of list. */
static void keep_edit(sugg *s, edit *list, size_t *n, const char *key)
{
    for (size_t i = 0; i < *n; i++)
        if (!strcmp(list[i].key, key))
            return;
    uint32_t f = termfreq(s, key);
    if (f == 0)
        return;
    if (*n == EDITS_KEPT) {
        if (f <= list[*n - 1].freq)
            return;
        (*n)--;
    }
    snprintf(list[*n].key, sizeof list[*n].key, "%s", key);
    list[(*n)++].freq = f;
    qsort(list, *n, sizeof *list, by_freq);
}

/* The folded keys one letter away (missing, extra, wrong, swapped) that
 * the index holds; the most frequent become candidates, in the spelling
 * most passages hold when the query is written with marks. */
static void edits(sugg *s, word *w, int with_marks)
{
    const char *f = w->folded;
    size_t n = strlen(f);
    if (n == 0 || n > 16)
        return;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)f[i] >= 0x80)
            return;
    static const char letters[] = "abcdefghijklmnopqrstuvwxyz";
    edit kept[EDITS_KEPT];
    size_t nk = 0;
    char buf[FORM_MAX + 2];
    for (size_t i = 0; i < n; i++) { /* missing */
        snprintf(buf, sizeof buf, "%.*s%s", (int)i, f, f + i + 1);
        if (*buf)
            keep_edit(s, kept, &nk, buf);
    }
    for (size_t i = 0; i + 1 < n; i++) { /* swapped */
        snprintf(buf, sizeof buf, "%s", f);
        char t = buf[i];
        buf[i] = buf[i + 1];
        buf[i + 1] = t;
        keep_edit(s, kept, &nk, buf);
    }
    for (size_t i = 0; i < n; i++) /* wrong */
        for (const char *c = letters; *c; c++)
            if (*c != f[i]) {
                snprintf(buf, sizeof buf, "%s", f);
                buf[i] = *c;
                keep_edit(s, kept, &nk, buf);
            }
    for (size_t i = 0; i <= n; i++) /* extra */
        for (const char *c = letters; *c; c++) {
            snprintf(buf, sizeof buf, "%.*s%c%s", (int)i, f, *c, f + i);
            keep_edit(s, kept, &nk, buf);
        }
    for (size_t i = 0; i < nk; i++) {
        char show[KEY_MAX];
        if (with_marks)
            best_spelling(s, kept[i].key, show, sizeof show);
        else
            snprintf(show, sizeof show, "%s", kept[i].key);
        add_cand(s, w, show, NULL, with_marks, PRIOR_EDIT);
    }
}

/* Two words typed as one (hoptac): the best two splits whose halves the
 * index holds together. */
static void splits(sugg *s, word *w, int with_marks)
{
    const char *f = w->folded;
    size_t n = strlen(f);
    if (n < 4 || n > 2 * FORM_MAX / 3)
        return;
    for (size_t i = 2; i + 2 <= n; i++) {
        char a[FORM_MAX], b[FORM_MAX];
        snprintf(a, sizeof a, "%.*s", (int)i, f);
        snprintf(b, sizeof b, "%s", f + i);
        if (termfreq(s, a) == 0 || termfreq(s, b) == 0)
            continue;
        char sa[KEY_MAX], sbest[KEY_MAX];
        if (with_marks) {
            best_spelling(s, a, sa, sizeof sa);
            best_spelling(s, b, sbest, sizeof sbest);
        } else {
            snprintf(sa, sizeof sa, "%s", a);
            snprintf(sbest, sizeof sbest, "%s", b);
        }
        add_cand(s, w, sa, sbest, with_marks, PRIOR_SPLIT);
    }
}

/* ------------------------------------------------------- the words */

static int is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static size_t quote_len(const char *q, size_t i, size_t n)
{
    if (q[i] == '"')
        return 1;
    if (i + 2 < n && (unsigned char)q[i] == 0xE2 && (unsigned char)q[i + 1] == 0x80 &&
        ((unsigned char)q[i + 2] == 0x9C || (unsigned char)q[i + 2] == 0x9D))
        return 3;
    return 0;
}

static int is_delim(const char *q, size_t i, size_t n)
{
    return is_space((unsigned char)q[i]) || q[i] == '(' || q[i] == ')' || quote_len(q, i, n);
}

/* Skips from i past the group or phrase that starts there (an excluded
 * one).  Returns the offset after it. */
static size_t skip_group(const char *q, size_t i, size_t n)
{
    size_t ql = quote_len(q, i, n);
    if (ql) {
        for (i += ql; i < n; i++)
            if ((ql = quote_len(q, i, n)))
                return i + ql;
        return n;
    }
    int depth = 0;
    for (; i < n; i++) {
        if ((ql = quote_len(q, i, n))) {
            i = skip_group(q, i, n) - 1;
            continue;
        }
        if (q[i] == '(')
            depth++;
        else if (q[i] == ')' && --depth <= 0)
            return i + 1;
    }
    return n;
}

static int is_filter(const char *w, size_t len)
{
    static const char *const prefixes[] = {"framework:", "fw:", "date:"};
    for (size_t i = 0; i < 3; i++) {
        size_t pl = strlen(prefixes[i]);
        if (len >= pl && strncasecmp(w, prefixes[i], pl) == 0)
            return 1;
    }
    return 0;
}

/* The words of a chunk of the query (no blanks or delimiters in it).
 * Returns 0, or -1 when out of memory. */
static int chunk_words(sugg *s, vn_tokenizer *tok, const char *q, size_t start, size_t end)
{
    vn_tokenizer_reset(tok, q + start, end - start, 1);
    vn_token t;
    while (vn_tokenizer_next(tok, &t)) {
        if (t.kind != VN_TOKEN_WORD)
            continue;
        if (s->n == s->cap) {
            size_t cap = s->cap ? 2 * s->cap : 8;
            word *p = realloc(s->w, cap * sizeof *p);
            if (!p)
                return -1;
            s->w = p;
            s->cap = cap;
        }
        word *w = &s->w[s->n];
        memset(w, 0, sizeof *w);
        w->start = start + t.start;
        w->end = start + t.end;
        size_t tl = w->end - w->start;
        if (tl > FORM_MAX || t.exact_len >= sizeof w->exact || t.folded_len >= sizeof w->folded)
            continue; /* not a word anyone typed wrong */
        memcpy(w->typed, q + w->start, tl);
        memcpy(w->exact, t.exact, t.exact_len);
        memcpy(w->folded, t.folded, t.folded_len);
        w->marked = vn_has_marks(w->typed, tl);
        s->n++;
    }
    return 0;
}

/* The query's words with their spans, leaving out operators, filters,
 * excluded words and groups, and prefix* words.  Returns 0, or -1 when
 * out of memory. */
static int query_words(sugg *s, const char *q)
{
    vn_tokenizer *tok = vn_tokenizer_new();
    if (!tok)
        return -1;
    size_t n = strlen(q);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0;) {
        if (is_delim(q, i, n)) {
            i += quote_len(q, i, n) ? quote_len(q, i, n) : 1;
            continue;
        }
        if (q[i] == '-' && i + 1 < n && (q[i + 1] == '(' || quote_len(q, i + 1, n))) {
            i = skip_group(q, i + 1, n);
            continue;
        }
        size_t start = i;
        while (i < n && !is_delim(q, i, n))
            i++;
        const char *w = q + start;
        size_t len = i - start;
        if (*w == '-' || (len == 2 && !strncmp(w, "OR", 2)) || (len == 3 && !strncmp(w, "AND", 3)) ||
            (len == 3 && !strncmp(w, "NOT", 3)) || (len == 1 && (*w == '|' || *w == '&')) || w[len - 1] == '*' ||
            is_filter(w, len))
            continue;
        if (*w == '+')
            start++;
        rc = chunk_words(s, tok, q, start, i);
    }
    vn_tokenizer_free(tok);
    return rc;
}

/* Marks the words an alias of the table matches (Mekong, HNCC): the query
 * finds those by the alias, whatever their own letters. */
static void mark_aliases(sugg *s, const alias_table *t, const char *q)
{
    if (!t)
        return;
    alias_text at;
    memset(&at, 0, sizeof at);
    if (alias_text_fill(&at, q, strlen(q)) == 0) {
        for (size_t i = 0; i < at.n;) {
            alias_match m;
            size_t len = alias_match_at(t, (const char *const *)at.keys, at.n, i, &m);
            if (!len) {
                i++;
                continue;
            }
            for (size_t k = 0; k < s->n; k++)
                if (s->w[k].start < at.end[i + len - 1] && s->w[k].end > at.start[i])
                    s->w[k].known = 1;
            i += len;
        }
    }
    alias_text_free(&at);
}

/* -------------------------------------------------------- the choice */

static int by_unary(const void *a, const void *b)
{
    const cand *x = a, *y = b;
    if (x->typed != y->typed)
        return x->typed ? -1 : 1; /* the word as typed stays in */
    return x->unary != y->unary ? (x->unary > y->unary ? -1 : 1) : strcmp(x->show, y->show);
}

/* How well two neighbours go together: the passages holding both, next
 * to each other (their pair term, schema.h) when the query has them next
 * to each other, else anywhere in the passage. */
static double pair(sugg *s, const word *wa, const cand *a, const word *wb, const cand *b, const char *query)
{
    if (!a->nterms || !b->nterms)
        return 0;
    const char *t[7];
    size_t n = 0;
    for (size_t i = 0; i < a->nterms; i++)
        t[n++] = a->terms[i];
    for (size_t i = 0; i < b->nterms; i++)
        t[n++] = b->terms[i];
    char adjacent[2 * KEY_MAX + 3];
    size_t gap = wb->start - wa->end;
    if (gap > 0 && strspn(query + wa->end, " -") >= gap) {
        snprintf(adjacent, sizeof adjacent, "%s%s %s", PREFIX_PAIR, a->last, b->first);
        t[n++] = adjacent;
    }
    return log(1.0 + count_all(s, t, n));
}

/* Picks each word's candidate: the best sum of the candidates' own weights
 * and their neighbours' together (Viterbi over the words). */
static void choose(sugg *s, const char *query)
{
    double best[SUGGEST_MAX_WORDS][MAX_CANDS];
    size_t from[SUGGEST_MAX_WORDS][MAX_CANDS];
    for (size_t i = 0; i < s->n; i++) {
        word *w = &s->w[i];
        for (size_t k = 0; k < w->nc; k++) {
            best[i][k] = w->c[k].unary;
            from[i][k] = 0;
            if (i == 0)
                continue;
            word *p = &s->w[i - 1];
            double top = -INFINITY;
            for (size_t j = 0; j < p->nc; j++) {
                double v = best[i - 1][j] + (w->nc > 1 || p->nc > 1 ? pair(s, p, &p->c[j], w, &w->c[k], query) : 0);
                if (v > top) {
                    top = v;
                    from[i][k] = j;
                }
            }
            best[i][k] += top;
        }
    }
    size_t k = 0;
    for (size_t j = 1; s->n && j < s->w[s->n - 1].nc; j++)
        if (best[s->n - 1][j] > best[s->n - 1][k])
            k = j;
    for (size_t i = s->n; i-- > 0;) {
        s->w[i].chosen = k;
        k = from[i][k];
    }
}

/* The candidate as written in the query: capitals where the word had them. */
static void recase(const word *w, const char *show, strbuf *out)
{
    utf8proc_int32_t cp;
    size_t tl = strlen(w->typed);
    utf8proc_ssize_t n = utf8proc_iterate((const utf8proc_uint8_t *)w->typed, (utf8proc_ssize_t)tl, &cp);
    int first_upper = n > 0 && utf8proc_isupper(cp);
    int all_upper = first_upper && tl > 1;
    for (size_t i = 0; i < tl && all_upper; i += n > 0 ? (size_t)n : 1) {
        n = utf8proc_iterate((const utf8proc_uint8_t *)w->typed + i, (utf8proc_ssize_t)(tl - i), &cp);
        all_upper = n > 0 && (!utf8proc_islower(cp));
    }
    size_t sl = strlen(show);
    for (size_t i = 0, word_start = 1; i < sl;) {
        n = utf8proc_iterate((const utf8proc_uint8_t *)show + i, (utf8proc_ssize_t)(sl - i), &cp);
        if (n <= 0) {
            sb_putc(out, show[i++]);
            continue;
        }
        if (all_upper || (first_upper && word_start))
            cp = utf8proc_toupper(cp);
        utf8proc_uint8_t enc[4];
        utf8proc_ssize_t el = utf8proc_encode_char(cp, enc);
        sb_append(out, (const char *)enc, (size_t)el);
        word_start = show[i] == ' ';
        i += (size_t)n;
    }
}

/* ------------------------------------------------------------- suggest */

/* A spelling decoded from Telex or VNI, and the other spellings of its
 * letters (the tone typed may be the wrong one). */
static void decoded(sugg *s, word *w, const char *form)
{
    char folded[KEY_MAX];
    add_cand(s, w, form, NULL, 1, PRIOR_DECODED);
    long fl = vn_folded_key(form, strlen(form), folded, sizeof folded - 1);
    if (fl > 0) {
        folded[fl] = '\0';
        remarked(s, w, folded, PRIOR_REMARKED);
    }
}

/* Whether a word is worth respelling: it matched nothing, or, beside other
 * words, few passages hold it, or its marks are a rare spelling of its
 * letters (họp where hợp is common). */
static int suspect(const sugg *s, const word *w)
{
    if (w->known)
        return 0;
    if ((s->exact && w->marked ? w->freq : w->folded_freq) == 0)
        return 1;
    return s->n > 1 && (w->freq < SUGGEST_RARE || (w->marked && (uint64_t)w->freq * 4 < w->folded_freq));
}

/* Every word's candidates, the word as typed first, the best MAX_CANDS
 * kept.  Returns -1 when out of memory. */
static int gather(sugg *s)
{
    int query_marked = 0;
    for (size_t i = 0; i < s->n; i++)
        query_marked |= s->w[i].marked;
    for (size_t i = 0; i < s->n && !s->failed; i++) {
        word *w = &s->w[i];
        if (!(w->c = calloc(GATHERED, sizeof *w->c)))
            return -1;
        cand *typed = &w->c[w->nc++];
        snprintf(typed->show, sizeof typed->show, "%s", w->typed);
        typed->typed = 1;
        if (!w->known) {
            snprintf(typed->terms[0], sizeof typed->terms[0], "%s%s", w->marked ? PREFIX_EXACT : "",
                     w->marked ? w->exact : w->folded);
            typed->nterms = 1;
            snprintf(typed->first, sizeof typed->first, "%s", w->folded);
            snprintf(typed->last, sizeof typed->last, "%s", w->folded);
        }
        typed->freq = w->freq;
        /* what matches nothing loses to anything that matches */
        typed->unary = w->freq ? unary(PRIOR_TYPED, w->freq) : -100.0;
        if (!suspect(s, w))
            continue;
        char form[KEY_MAX];
        size_t tl = strlen(w->typed);
        if (suggest_telex(w->typed, tl, form, sizeof form))
            decoded(s, w, form);
        if (suggest_vni(w->typed, tl, form, sizeof form))
            decoded(s, w, form);
        if (w->marked || (query_marked && w->folded_freq > 0))
            remarked(s, w, w->folded, PRIOR_REMARKED);
        if (w->folded_freq < SUGGEST_RARE) {
            edits(s, w, query_marked || w->marked);
            if (w->folded_freq == 0)
                splits(s, w, query_marked || w->marked);
        }
        qsort(w->c, w->nc, sizeof w->c[0], by_unary);
        if (w->nc > MAX_CANDS)
            w->nc = MAX_CANDS;
    }
    return 0;
}

/* Passages holding every word, as typed or as chosen. */
static uint32_t count_query(sugg *s, int as_typed)
{
    const char *t[3 * SUGGEST_MAX_WORDS];
    size_t n = 0;
    for (size_t i = 0; i < s->n; i++) {
        const word *w = &s->w[i];
        const cand *c = as_typed ? &w->c[0] : &w->c[w->chosen];
        if (c->nterms && c->freq == 0)
            return 0;
        for (size_t k = 0; k < c->nterms; k++)
            t[n++] = c->terms[k];
    }
    return count_all(s, t, n);
}

void suggestion_free(suggestion *s)
{
    free(s->query);
    for (size_t i = 0; i < s->nunmatched; i++)
        free(s->unmatched[i]);
    free(s->unmatched);
    memset(s, 0, sizeof *s);
}

/* The respelling chosen, if it is better than the query as typed. */
static int respell(sugg *s, const char *query, suggestion *out)
{
    if (gather(s) != 0)
        return -1;
    choose(s, query);
    int changed = 0, still = 0, before = 0;
    for (size_t i = 0; i < s->n; i++) {
        const word *w = &s->w[i];
        changed |= w->chosen != 0;
        before += !w->known && w->c[0].freq == 0;
        still += !w->known && w->c[w->chosen].freq == 0;
    }
    if (!changed || s->failed)
        return 0;
    out->original = count_query(s, 1);
    out->passages = count_query(s, 0);
    if (!(still < before || (out->passages >= 3 * (uint64_t)out->original && out->passages >= out->original + 2)))
        return 0;
    strbuf b = STRBUF_INIT;
    size_t at = 0;
    for (size_t i = 0; i < s->n; i++) {
        const word *w = &s->w[i];
        if (!w->chosen)
            continue;
        sb_append(&b, query + at, w->start - at);
        recase(w, w->c[w->chosen].show, &b);
        at = w->end;
    }
    sb_puts(&b, query + at);
    out->query = sb_take(&b);
    return out->query ? 0 : -1;
}

int suggest(xc_db *db, const alias_table *aliases, const char *query, int exact, suggestion *out, char *err,
            size_t cap)
{
    memset(out, 0, sizeof *out);
    sugg s;
    memset(&s, 0, sizeof s);
    s.db = db;
    s.exact = exact;
    int rc = query_words(&s, query);
    if (rc == 0)
        mark_aliases(&s, aliases, query);
    int suspects = 0;
    for (size_t i = 0; i < s.n && rc == 0; i++) {
        word *w = &s.w[i];
        if (w->known)
            continue;
        char term[KEY_MAX + 3];
        w->folded_freq = termfreq(&s, w->folded);
        if (w->marked) {
            snprintf(term, sizeof term, "%s%s", PREFIX_EXACT, w->exact);
            w->freq = termfreq(&s, term);
        } else {
            w->freq = w->folded_freq;
        }
        if ((exact && w->marked ? w->freq : w->folded_freq) == 0) {
            char **p = realloc(out->unmatched, (out->nunmatched + 1) * sizeof *p);
            if (!p || !(p[out->nunmatched] = strdup(w->typed)))
                rc = -1;
            if (p)
                out->unmatched = p;
            out->nunmatched += rc == 0;
        }
    }
    for (size_t i = 0; i < s.n && rc == 0; i++)
        suspects += suspect(&s, &s.w[i]);
    /* the respelling is looked for only when a word asks for it: every
     * other query pays two lookups a word */
    if (rc == 0 && suspects && s.n <= SUGGEST_MAX_WORDS && !s.failed) {
        if (xc_enquire_new(db, &s.enq) != XC_OK || xc_enquire_set_boolean(s.enq) != XC_OK)
            s.failed = 1; /* (it only counts: no weights to compute) */
        else
            rc = respell(&s, query, out);
    }
    xc_enquire_free(s.enq);
    for (size_t i = 0; i < s.n; i++)
        free(s.w[i].c);
    free(s.w);
    if (rc != 0 || s.failed) {
        suggestion_free(out);
        if (rc != 0)
            snprintf(err, cap, "out of memory");
        else
            snprintf(err, cap, "cannot read the index's words: %s", xc_errmsg());
        return -1;
    }
    return 0;
}
