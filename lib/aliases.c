/*
 * The alias table (see aliases.h).  Every variant becomes a sequence of
 * folded keys; a sorted index on the first key makes matching a binary
 * search plus a few comparisons per text position.
 */
#include "aliases.h"

#include <ctype.h>
#include <libintl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "vntext.h"
#include "vnsearch.h"

/* the engine's messages, in the programs' catalogue (po/) */
#define _(s) dgettext(VS_TEXTDOMAIN, s)

#define MAX_SEQ_KEYS 16
#define MAX_EXPANSIONS 64

typedef struct seq {
    char **keys;
    size_t n;
    alias_kind kind;
    size_t id;
} seq;

typedef struct owner {
    char *display;      /* group name, or framework code */
    char *key;          /* groups: folded name, alphanumerics only */
    char *name_vi, *name_en;
    size_t first, count; /* its sequences: seqs[first .. first + count) */
} owner;

struct alias_table {
    seq *seqs;
    size_t nseqs, seqs_cap;
    owner *groups, *fws;
    size_t ngroups, nfws;
    struct order_entry *order; /* seqs sorted by first key */
    size_t norder;
    /* Bloom-style filter of the first keys: most syllables of a text begin
     * no alias, and one probe says so without the binary search */
    uint64_t first_bits[1024];
};

static char *dup_n(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

static void free_seq(seq *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->keys[i]);
    free(s->keys);
}

static int same_keys(char *const *a, size_t an, char *const *b, size_t bn)
{
    if (an != bn)
        return 0;
    for (size_t i = 0; i < an; i++)
        if (strcmp(a[i], b[i]) != 0)
            return 0;
    return 1;
}

/* Appends a sequence (copying keys) unless its owner already has it. */
static int add_seq(alias_table *t, owner *o, alias_kind kind, size_t id, char *const *keys, size_t n)
{
    if (n == 0 || n > MAX_SEQ_KEYS)
        return 0;
    for (size_t i = o->first; i < o->first + o->count; i++)
        if (same_keys(t->seqs[i].keys, t->seqs[i].n, keys, n))
            return 0;
    if (t->nseqs == t->seqs_cap) {
        size_t cap = t->seqs_cap ? t->seqs_cap * 2 : 64;
        seq *p = realloc(t->seqs, cap * sizeof *p);
        if (!p)
            return -1;
        t->seqs = p;
        t->seqs_cap = cap;
    }
    seq *s = &t->seqs[t->nseqs];
    s->keys = calloc(n, sizeof *s->keys);
    if (!s->keys)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (!(s->keys[i] = strdup(keys[i]))) {
            s->n = i;
            free_seq(s);
            return -1;
        }
    s->n = n;
    s->kind = kind;
    s->id = id;
    t->nseqs++;
    o->count++;
    return 0;
}

/* Tokenises one variant into its syllable keys and, if it has hyphenated
 * words, its solid form.  Returns the number of keys (0 if none). */
static size_t variant_keys(vn_tokenizer *tok, const char *s, size_t len, char **parts, char **solid,
                           size_t *nsolid)
{
    vn_tokenizer_reset(tok, s, len, 1);
    vn_token tk;
    size_t n = 0, ns = 0, joined_end = 0;
    while (vn_tokenizer_next(tok, &tk)) {
        if (tk.kind == VN_TOKEN_NUMPART)
            continue;
        if (tk.kind == VN_TOKEN_JOINED) {
            if (ns < MAX_SEQ_KEYS)
                solid[ns++] = dup_n(tk.folded, tk.folded_len);
            joined_end = tk.end;
            continue;
        }
        if (n < MAX_SEQ_KEYS)
            parts[n++] = dup_n(tk.folded, tk.folded_len);
        if (tk.start >= joined_end && ns < MAX_SEQ_KEYS)
            solid[ns++] = dup_n(tk.folded, tk.folded_len);
    }
    *nsolid = ns;
    return n;
}

static void free_keys(char **keys, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(keys[i]);
}

static int keys_ok(char **keys, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!keys[i])
            return 0;
    return 1;
}

/* The index of every sequence by its first key.  Entries carry the key so
 * qsort needs no global context (tables are loaded by several threads at
 * once in a batch run). */
typedef struct order_entry {
    const char *first;
    size_t seq;
} order_entry;

static int cmp_order(const void *a, const void *b)
{
    return strcmp(((const order_entry *)a)->first, ((const order_entry *)b)->first);
}

static uint64_t key_hash(const char *k)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (; *k; k++) {
        h ^= (unsigned char)*k;
        h *= 0x100000001b3ULL;
    }
    return h;
}

static int maybe_first(const alias_table *t, const char *k)
{
    uint64_t h = key_hash(k);
    size_t bit = (size_t)(h % (sizeof t->first_bits * 8)), bit2 = (size_t)((h >> 32) % (sizeof t->first_bits * 8));
    return (t->first_bits[bit / 64] >> (bit % 64) & 1) && (t->first_bits[bit2 / 64] >> (bit2 % 64) & 1);
}

static int build_order(alias_table *t)
{
    free(t->order);
    t->order = malloc((t->nseqs + 1) * sizeof *t->order);
    if (!t->order)
        return -1;
    memset(t->first_bits, 0, sizeof t->first_bits);
    for (size_t i = 0; i < t->nseqs; i++) {
        t->order[i] = (order_entry){t->seqs[i].keys[0], i};
        uint64_t h = key_hash(t->seqs[i].keys[0]);
        size_t bit = (size_t)(h % (sizeof t->first_bits * 8)),
               bit2 = (size_t)((h >> 32) % (sizeof t->first_bits * 8));
        t->first_bits[bit / 64] |= (uint64_t)1 << (bit % 64);
        t->first_bits[bit2 / 64] |= (uint64_t)1 << (bit2 % 64);
    }
    t->norder = t->nseqs;
    qsort(t->order, t->norder, sizeof *t->order, cmp_order);
    return 0;
}

size_t alias_match_at(const alias_table *t, const char *const *keys, size_t n, size_t i, alias_match *m);

static size_t match(const alias_table *t, const char *const *keys, size_t n, size_t i, int kinds, alias_match *m);

size_t alias_match_at(const alias_table *t, const char *const *keys, size_t n, size_t i, alias_match *m)
{
    return match(t, keys, n, i, (1 << ALIAS_GROUP) | (1 << ALIAS_FRAMEWORK), m);
}

size_t alias_match_kind(const alias_table *t, const char *const *keys, size_t n, size_t i, alias_kind kind,
                        alias_match *m)
{
    return match(t, keys, n, i, 1 << kind, m);
}

static size_t match(const alias_table *t, const char *const *keys, size_t n, size_t i, int kinds, alias_match *m)
{
    if (!t || i >= n || t->norder == 0 || !maybe_first(t, keys[i]))
        return 0;
    size_t lo = 0, hi = t->norder;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (strcmp(t->order[mid].first, keys[i]) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t best = 0;
    for (size_t k = lo; k < t->norder; k++) {
        const seq *s = &t->seqs[t->order[k].seq];
        if (strcmp(s->keys[0], keys[i]) != 0)
            break;
        if (s->n > n - i || s->n < best || !(kinds & (1 << s->kind)))
            continue;
        size_t j = 1;
        while (j < s->n && strcmp(s->keys[j], keys[i + j]) == 0)
            j++;
        if (j < s->n)
            continue;
        if (s->n > best || (s->kind == ALIAS_FRAMEWORK && m->kind == ALIAS_GROUP)) {
            best = s->n;
            m->len = s->n;
            m->kind = s->kind;
            m->id = s->id;
        }
    }
    return best;
}

/* Adds an alias of framework `fw`, and every spelling obtained by swapping a
 * group member inside it for another member of the group. */
static int expand_alias(alias_table *t, owner *o, size_t fw, char **keys, size_t n, size_t i, char **prefix,
                        size_t plen, size_t *budget)
{
    if (*budget == 0)
        return 0;
    if (i == n) {
        (*budget)--;
        return add_seq(t, o, ALIAS_FRAMEWORK, fw, prefix, plen);
    }
    alias_match m = {0, ALIAS_GROUP, 0};
    size_t len = alias_match_at(t, (const char *const *)keys, n, i, &m);
    if (len == 0 || m.kind != ALIAS_GROUP) {
        if (plen >= MAX_SEQ_KEYS)
            return 0;
        prefix[plen] = keys[i];
        return expand_alias(t, o, fw, keys, n, i + 1, prefix, plen + 1, budget);
    }
    const owner *g = &t->groups[m.id];
    for (size_t v = g->first; v < g->first + g->count; v++) {
        const seq *s = &t->seqs[v];
        if (plen + s->n > MAX_SEQ_KEYS)
            continue;
        for (size_t k = 0; k < s->n; k++)
            prefix[plen + k] = s->keys[k];
        if (expand_alias(t, o, fw, keys, n, i + len, prefix, plen + s->n, budget))
            return -1;
    }
    return 0;
}

size_t alias_split_tabs(char *line, char **fields, size_t max)
{
    size_t n = 0;
    char *p = line;
    while (n < max) {
        fields[n++] = p;
        char *tab = strchr(p, '\t');
        if (!tab)
            break;
        *tab = '\0';
        p = tab + 1;
    }
    return n;
}

char *alias_trim(char *s)
{
    while (*s == ' ')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

/* Calls fn on each variant in "a | b | c". */
static int each_variant(alias_table *t, vn_tokenizer *tok, char *list, owner *o, alias_kind kind, size_t id,
                        int expand)
{
    char *save = NULL;
    for (char *v = strtok_r(list, "|", &save); v; v = strtok_r(NULL, "|", &save)) {
        v = alias_trim(v);
        if (!*v)
            continue;
        char *parts[MAX_SEQ_KEYS], *solid[MAX_SEQ_KEYS];
        size_t ns = 0;
        size_t n = variant_keys(tok, v, strlen(v), parts, solid, &ns);
        int rc = 0;
        if (!keys_ok(parts, n) || !keys_ok(solid, ns)) {
            rc = -1;
        } else if (expand) {
            char *prefix[MAX_SEQ_KEYS];
            size_t budget = MAX_EXPANSIONS;
            rc = expand_alias(t, o, id, parts, n, 0, prefix, 0, &budget);
            budget = MAX_EXPANSIONS;
            if (!rc && ns != n)
                rc = expand_alias(t, o, id, solid, ns, 0, prefix, 0, &budget);
        } else {
            rc = add_seq(t, o, kind, id, parts, n);
            if (!rc && ns != n)
                rc = add_seq(t, o, kind, id, solid, ns);
        }
        free_keys(parts, n);
        free_keys(solid, ns);
        if (rc)
            return -1;
    }
    return 0;
}

typedef int (*row_fn)(alias_table *t, vn_tokenizer *tok, char **fields, size_t nf, char *err, size_t errcap);

static int parse_rows(alias_table *t, vn_tokenizer *tok, const char *text, size_t len, const char *name,
                      size_t want_fields, const char *header, row_fn fn, char *err, size_t errcap)
{
    size_t lineno = 0;
    for (size_t off = 0; off < len;) {
        const char *nl = memchr(text + off, '\n', len - off);
        size_t end = nl ? (size_t)(nl - text) : len;
        lineno++;
        char *line = dup_n(text + off, end - off);
        off = end + 1;
        if (!line) {
            snprintf(err, errcap, _("%s: out of memory"), name);
            return -1;
        }
        size_t ll = strlen(line);
        if (ll && line[ll - 1] == '\r')
            line[--ll] = '\0';
        char *fields[8];
        size_t nf = 0;
        int skip = line[0] == '#' || alias_trim(line)[0] == '\0';
        if (!skip) {
            nf = alias_split_tabs(line, fields, 8);
            skip = strcmp(alias_trim(fields[0]), header) == 0;
        }
        int rc = 0;
        if (!skip && nf < want_fields) {
            snprintf(err, errcap, _("%s:%zu: expected %zu tab-separated columns, found %zu"), name, lineno, want_fields,
                     nf);
            rc = -1;
        } else if (!skip) {
            char msg[200] = "";
            rc = fn(t, tok, fields, nf, msg, sizeof msg);
            if (rc)
                snprintf(err, errcap, "%s:%zu: %s", name, lineno, msg);
        }
        free(line);
        if (rc)
            return -1;
    }
    return 0;
}

static int group_row(alias_table *t, vn_tokenizer *tok, char **fields, size_t nf, char *err, size_t errcap)
{
    (void)nf;
    owner *g = realloc(t->groups, (t->ngroups + 1) * sizeof *g);
    if (!g) {
        snprintf(err, errcap, "%s", _("out of memory"));
        return -1;
    }
    t->groups = g;
    owner *o = &t->groups[t->ngroups];
    memset(o, 0, sizeof *o);
    char *name = alias_trim(fields[0]);
    if (!*name) {
        snprintf(err, errcap, "%s", _("empty group name"));
        return -1;
    }
    o->display = strdup(name);
    o->key = malloc(strlen(name) * 3 + 1);
    if (o->key) {
        long fl = vn_folded_key(name, strlen(name), o->key, strlen(name) * 3);
        size_t k = 0;
        for (long c = 0; c < fl; c++)
            if (isalnum((unsigned char)o->key[c]) || (unsigned char)o->key[c] >= 0x80)
                o->key[k++] = o->key[c];
        o->key[k] = '\0';
        for (size_t other = 0; other < t->ngroups; other++)
            if (t->groups[other].key && strcmp(t->groups[other].key, o->key) == 0) {
                snprintf(err, errcap, _("group '%s' has the same key as group '%s' (%s)"), name, t->groups[other].display,
                         o->key);
                free(o->display);
                free(o->key);
                return -1;
            }
    }
    o->first = t->nseqs;
    size_t id = t->ngroups++;
    if (!o->display || !o->key || each_variant(t, tok, name, o, ALIAS_GROUP, id, 0) ||
        each_variant(t, tok, fields[1], o, ALIAS_GROUP, id, 0)) {
        snprintf(err, errcap, "%s", _("out of memory"));
        return -1;
    }
    return 0;
}

static int fw_row(alias_table *t, vn_tokenizer *tok, char **fields, size_t nf, char *err, size_t errcap)
{
    (void)nf;
    char *code = alias_trim(fields[0]);
    if (!*code) {
        snprintf(err, errcap, "%s", _("empty framework code"));
        return -1;
    }
    for (const char *c = code; *c; c++)
        if (!isalnum((unsigned char)*c) && *c != '-' && *c != '_') {
            snprintf(err, errcap, _("framework code '%s' must be letters, digits, - or _"), code);
            return -1;
        }
    if (alias_framework_find(t, code) >= 0) {
        snprintf(err, errcap, _("framework %s listed twice"), code);
        return -1;
    }
    owner *f = realloc(t->fws, (t->nfws + 1) * sizeof *f);
    if (!f) {
        snprintf(err, errcap, "%s", _("out of memory"));
        return -1;
    }
    t->fws = f;
    owner *o = &t->fws[t->nfws];
    memset(o, 0, sizeof *o);
    o->display = strdup(code);
    o->name_vi = strdup(alias_trim(fields[1]));
    o->name_en = strdup(alias_trim(fields[2]));
    for (char *c = o->display; c && *c; c++)
        *c = (char)toupper((unsigned char)*c);
    o->first = t->nseqs;
    size_t id = t->nfws++;
    char codebuf[64];
    snprintf(codebuf, sizeof codebuf, "%s", code);
    if (!o->display || !o->name_vi || !o->name_en || each_variant(t, tok, codebuf, o, ALIAS_FRAMEWORK, id, 1) ||
        each_variant(t, tok, fields[3], o, ALIAS_FRAMEWORK, id, 1)) {
        snprintf(err, errcap, "%s", _("out of memory"));
        return -1;
    }
    return 0;
}

int alias_table_load(const char *fw_text, size_t fw_len, const char *fw_name, const char *groups_text,
                     size_t groups_len, const char *groups_name, alias_table **out, char *err, size_t errcap)
{
    *out = NULL;
    alias_table *t = calloc(1, sizeof *t);
    vn_tokenizer *tok = vn_tokenizer_new();
    if (!t || !tok) {
        free(t);
        vn_tokenizer_free(tok);
        snprintf(err, errcap, "%s", _("out of memory"));
        return -1;
    }
    int rc = 0;
    /* Groups first: framework aliases are expanded with them. */
    if (groups_text)
        rc = parse_rows(t, tok, groups_text, groups_len, groups_name, 2, "name", group_row, err, errcap);
    if (!rc && build_order(t))
        rc = -1;
    if (!rc && fw_text)
        rc = parse_rows(t, tok, fw_text, fw_len, fw_name, 4, "code", fw_row, err, errcap);
    if (!rc && build_order(t))
        rc = -1;
    vn_tokenizer_free(tok);
    if (rc) {
        alias_table_free(t);
        return -1;
    }
    *out = t;
    return 0;
}

void alias_table_free(alias_table *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->nseqs; i++)
        free_seq(&t->seqs[i]);
    free(t->seqs);
    for (size_t i = 0; i < t->ngroups; i++) {
        free(t->groups[i].display);
        free(t->groups[i].key);
    }
    for (size_t i = 0; i < t->nfws; i++) {
        free(t->fws[i].display);
        free(t->fws[i].name_vi);
        free(t->fws[i].name_en);
    }
    free(t->groups);
    free(t->fws);
    free(t->order);
    free(t);
}

int alias_text_fill(alias_text *at, const char *text, size_t len)
{
    return alias_text_fill_seen(at, text, len, NULL, NULL);
}

int alias_text_fill_seen(alias_text *at, const char *text, size_t len, alias_token_fn fn, void *ctx)
{
    at->n = 0;
    at->arena_len = 0;
    if (!at->tok && !(at->tok = vn_tokenizer_new()))
        return -1;
    vn_tokenizer_reset(at->tok, text, len, 1);
    vn_token t;
    /* Keys go into an arena as offsets first (it may move as it grows). */
    while (vn_tokenizer_next(at->tok, &t)) {
        if (fn)
            fn(ctx, &t);
        if (t.kind == VN_TOKEN_JOINED || t.kind == VN_TOKEN_NUMPART)
            continue;
        if (at->n == at->cap) {
            size_t cap = at->cap ? at->cap * 2 : 256;
            char **k = realloc(at->keys, cap * sizeof *k);
            if (k)
                at->keys = k;
            size_t *s0 = realloc(at->start, cap * sizeof *s0);
            if (s0)
                at->start = s0;
            size_t *e0 = realloc(at->end, cap * sizeof *e0);
            if (e0)
                at->end = e0;
            if (!k || !s0 || !e0)
                return -1;
            at->cap = cap;
        }
        if (at->arena_len + t.folded_len + 1 > at->arena_cap) {
            size_t cap = at->arena_cap ? at->arena_cap * 2 : 4096;
            while (cap < at->arena_len + t.folded_len + 1)
                cap *= 2;
            char *a = realloc(at->arena, cap);
            if (!a)
                return -1;
            at->arena = a;
            at->arena_cap = cap;
        }
        memcpy(at->arena + at->arena_len, t.folded, t.folded_len);
        at->arena[at->arena_len + t.folded_len] = '\0';
        at->keys[at->n] = (char *)(uintptr_t)at->arena_len;
        at->start[at->n] = t.start;
        at->end[at->n] = t.end;
        at->arena_len += t.folded_len + 1;
        at->n++;
    }
    for (size_t i = 0; i < at->n; i++)
        at->keys[i] = at->arena + (uintptr_t)at->keys[i];
    return 0;
}

void alias_text_free(alias_text *at)
{
    free(at->keys);
    free(at->start);
    free(at->end);
    free(at->arena);
    vn_tokenizer_free(at->tok);
    memset(at, 0, sizeof *at);
}

void alias_scan(const alias_table *t, const alias_text *at, alias_fn fn, void *ctx)
{
    const char *const *keys = (const char *const *)at->keys;
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < at->n;) {
            alias_match m = {0, ALIAS_GROUP, 0};
            size_t len = pass == 0 ? alias_match_at(t, keys, at->n, i, &m)
                                   : alias_match_kind(t, keys, at->n, i, ALIAS_GROUP, &m);
            if (len == 0) {
                i++;
                continue;
            }
            if (pass == 1 || m.kind == ALIAS_FRAMEWORK)
                fn(ctx, m.kind, m.id, i, len);
            i += len;
        }
}

size_t alias_group_count(const alias_table *t)
{
    return t ? t->ngroups : 0;
}

const char *alias_group_key(const alias_table *t, size_t group)
{
    return group < t->ngroups ? t->groups[group].key : "";
}

size_t alias_framework_count(const alias_table *t)
{
    return t ? t->nfws : 0;
}

const char *alias_framework_code(const alias_table *t, size_t fw)
{
    return fw < t->nfws ? t->fws[fw].display : "";
}

const char *alias_framework_name(const alias_table *t, size_t fw, int english)
{
    if (fw >= t->nfws)
        return "";
    return english ? t->fws[fw].name_en : t->fws[fw].name_vi;
}

long alias_framework_find(const alias_table *t, const char *code)
{
    for (size_t i = 0; t && i < t->nfws; i++)
        if (strcasecmp(t->fws[i].display, code) == 0)
            return (long)i;
    return -1;
}

size_t alias_variant_count(const alias_table *t, alias_kind kind, size_t id)
{
    const owner *o = kind == ALIAS_GROUP ? (id < t->ngroups ? &t->groups[id] : NULL)
                                         : (id < t->nfws ? &t->fws[id] : NULL);
    return o ? o->count : 0;
}

size_t alias_variant(const alias_table *t, alias_kind kind, size_t id, size_t v, const char *const **keys)
{
    const owner *o = kind == ALIAS_GROUP ? &t->groups[id] : &t->fws[id];
    if (v >= o->count)
        return 0;
    const seq *s = &t->seqs[o->first + v];
    *keys = (const char *const *)s->keys;
    return s->n;
}

const char *alias_display_name(const alias_table *t, alias_kind kind, size_t id)
{
    if (kind == ALIAS_GROUP)
        return id < t->ngroups ? t->groups[id].display : "";
    return id < t->nfws ? t->fws[id].display : "";
}
