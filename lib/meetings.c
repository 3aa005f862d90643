/*
 * Meeting mentions (see meetings.h): the table of kinds from meetings.tsv,
 * and the rules that read a mention's kind, framework, ordinal, date and
 * place.
 *
 * A mention is matched on the passage's folded syllables (the alias
 * table's keys): a kind's phrase, then optional link words, a framework or
 * a series named by any of its aliases, an abbreviation in parentheses
 * ("Hội nghị Bộ trưởng Ngoại giao (HNBT) Mê Công – Hàn Quốc"), then the
 * ordinal.  What follows it up to the end of its clause is where the date
 * and place are: in parentheses, after "tại", or "trực tuyến".  Only when
 * the clause gives no date does a date opening the sentence count
 * ("Ngày 23/3/2016, Hội nghị Cấp cao ...").
 */
#include "meetings.h"

#include <stdint.h>
#include <libintl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "vnsearch.h"

/* the engine's messages, in the programs' catalogue (po/) */
#define _(s) dgettext(VS_TEXTDOMAIN, s)

#define MAX_PHRASE_KEYS 12
#define MAX_TRIGGERS 64
#define TAIL_MAX 240  /* bytes after the ordinal where its date and place may be */
#define CLAUSE_BACK 160 /* bytes before the kind where a date opening the sentence may be */
#define PLAN_AFTER 40   /* bytes after the ordinal where "sẽ" makes it a plan */
#define WINDOW_BYTES 560 /* bytes tokenised from where a kind's first words are written ... */
#define WINDOW_LEAD 160  /* ... of which the first are where its mention may start */
#define ORDINAL_REACH 240 /* bytes from a kind's first words within which its ordinal is written */

typedef enum phrase_type { PH_KIND = 0, PH_SERIES = 1, PH_LINK = 2 } phrase_type;

typedef struct phrase {
    phrase_type type;
    size_t owner;                 /* kind or series index */
    size_t n;
    char *keys[MAX_PHRASE_KEYS];  /* folded */
    char *caps[MAX_PHRASE_KEYS];  /* the word as written when it is in capitals (must match so), else NULL */
} phrase;

struct meeting_table {
    char **kinds;
    size_t nkinds;
    char **series;
    long *series_fw;
    size_t nseries;
    phrase *phrases;
    size_t nphrases;
    char *triggers[MAX_TRIGGERS]; /* the first words of the phrases, as written */
    size_t ntriggers;
};

struct meeting_scratch {
    alias_text at;
};

meeting_scratch *meeting_scratch_new(void)
{
    return calloc(1, sizeof(meeting_scratch));
}

void meeting_scratch_free(meeting_scratch *s)
{
    if (!s)
        return;
    alias_text_free(&s->at);
    free(s);
}

size_t meeting_kind_count(const meeting_table *t)
{
    return t ? t->nkinds : 0;
}

const char *meeting_kind_name(const meeting_table *t, size_t kind)
{
    return kind < t->nkinds ? t->kinds[kind] : "";
}

const char *meeting_series_name(const meeting_table *t, long series)
{
    return series >= 0 && (size_t)series < t->nseries ? t->series[series] : "";
}

void meeting_table_free(meeting_table *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->nkinds; i++)
        free(t->kinds[i]);
    for (size_t i = 0; i < t->nseries; i++)
        free(t->series[i]);
    for (size_t i = 0; i < t->nphrases; i++)
        for (size_t k = 0; k < t->phrases[i].n; k++) {
            free(t->phrases[i].keys[k]);
            free(t->phrases[i].caps[k]);
        }
    for (size_t i = 0; i < t->ntriggers; i++)
        free(t->triggers[i]);
    free(t->kinds);
    free(t->series);
    free(t->series_fw);
    free(t->phrases);
    free(t);
}

static char *dup_n(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

/* The code point at text[i] (0 at the end or on invalid UTF-8), its length in *n. */
static utf8proc_int32_t cp_at(const char *text, size_t len, size_t i, size_t *n)
{
    utf8proc_int32_t cp = 0;
    utf8proc_ssize_t k = i < len ? utf8proc_iterate((const utf8proc_uint8_t *)text + i, (utf8proc_ssize_t)(len - i), &cp)
                                 : 0;
    *n = k > 0 ? (size_t)k : 1;
    return k > 0 ? cp : 0;
}

static int is_upper_cp(utf8proc_int32_t cp)
{
    return cp && utf8proc_category(cp) == UTF8PROC_CATEGORY_LU;
}

static int is_letter_cp(utf8proc_int32_t cp)
{
    utf8proc_category_t c = cp ? utf8proc_category(cp) : UTF8PROC_CATEGORY_CN;
    return c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_MN;
}

/* A word written in capitals: some upper-case letter and no lower-case one. */
static int all_caps(const char *s, size_t len)
{
    int upper = 0;
    for (size_t i = 0; i < len;) {
        size_t n;
        utf8proc_int32_t cp = cp_at(s, len, i, &n);
        if (cp && utf8proc_category(cp) == UTF8PROC_CATEGORY_LL)
            return 0;
        upper |= is_upper_cp(cp);
        i += n;
    }
    return upper;
}

static int add_trigger(meeting_table *t, const char *s, size_t n)
{
    for (size_t i = 0; i < t->ntriggers; i++)
        if (strlen(t->triggers[i]) == n && memcmp(t->triggers[i], s, n) == 0)
            return 0;
    if (t->ntriggers == MAX_TRIGGERS)
        return -1;
    if (!(t->triggers[t->ntriggers] = dup_n(s, n)))
        return -1;
    t->ntriggers++;
    return 0;
}

/* The phrase's first two words as written, and with an ASCII first letter in
 * the other case ("Hội nghị", "hội nghị"): a passage holding none of them
 * names no meeting. */
static int phrase_triggers(meeting_table *t, const char *v, const alias_text *at)
{
    size_t end = at->end[at->n > 1 ? 1 : 0];
    if (at->n > 1 && at->start[1] > at->end[0] + 1) /* not one space apart: the first word only */
        end = at->end[0];
    if (add_trigger(t, v + at->start[0], end - at->start[0]))
        return -1;
    char first = v[at->start[0]];
    if ((first >= 'A' && first <= 'Z') || (first >= 'a' && first <= 'z')) {
        if (all_caps(v + at->start[0], at->end[0] - at->start[0]))
            return 0; /* an abbreviation is written one way */
        char *other = dup_n(v + at->start[0], end - at->start[0]);
        if (!other)
            return -1;
        other[0] = (char)(first ^ 0x20);
        int rc = add_trigger(t, other, end - at->start[0]);
        free(other);
        return rc;
    }
    return 0;
}

static int add_phrases(meeting_table *t, alias_text *at, char *list, phrase_type type, size_t owner, char *msg,
                       size_t cap)
{
    char *save = NULL;
    for (char *v = strtok_r(list, "|", &save); v; v = strtok_r(NULL, "|", &save)) {
        v = alias_trim(v);
        if (!*v)
            continue;
        if (alias_text_fill(at, v, strlen(v)) != 0) {
            snprintf(msg, cap, "%s", _("out of memory"));
            return -1;
        }
        if (at->n == 0 || at->n > MAX_PHRASE_KEYS) {
            if (at->n)
                snprintf(msg, cap, _("phrase '%.60s' has too many words (at most %d)"), v, MAX_PHRASE_KEYS);
            else
                snprintf(msg, cap, _("phrase '%.60s' has no words"), v);
            return -1;
        }
        phrase *p = realloc(t->phrases, (t->nphrases + 1) * sizeof *p);
        if (!p) {
            snprintf(msg, cap, "%s", _("out of memory"));
            return -1;
        }
        t->phrases = p;
        phrase *ph = &t->phrases[t->nphrases++];
        memset(ph, 0, sizeof *ph);
        ph->type = type;
        ph->owner = owner;
        ph->n = at->n;
        int bad = 0;
        for (size_t k = 0; k < at->n; k++) {
            bad |= !(ph->keys[k] = strdup(at->keys[k]));
            if (all_caps(v + at->start[k], at->end[k] - at->start[k]))
                bad |= !(ph->caps[k] = dup_n(v + at->start[k], at->end[k] - at->start[k]));
        }
        if (!bad && type == PH_KIND)
            bad = phrase_triggers(t, v, at);
        if (bad) {
            snprintf(msg, cap, _("out of memory, or more than %d kinds of first words"), MAX_TRIGGERS);
            return -1;
        }
    }
    return 0;
}

static int add_name(char ***names, size_t n, const char *name)
{
    char **p = realloc(*names, (n + 1) * sizeof *p);
    if (!p)
        return -1;
    *names = p;
    return (p[n] = strdup(name)) ? 0 : -1;
}

static int table_row(meeting_table *t, const alias_table *a, alias_text *at, char **f, char *msg, size_t cap)
{
    char *type = alias_trim(f[0]), *name = alias_trim(f[1]), *fw = alias_trim(f[2]);
    if (!strcmp(type, "kind")) {
        if (!*name) {
            snprintf(msg, cap, "%s", _("a kind needs a name"));
            return -1;
        }
        if (add_name(&t->kinds, t->nkinds, name)) {
            snprintf(msg, cap, "%s", _("out of memory"));
            return -1;
        }
        t->nkinds++;
        return add_phrases(t, at, f[3], PH_KIND, t->nkinds - 1, msg, cap);
    }
    if (!strcmp(type, "series")) {
        long id = alias_framework_find(a, fw);
        if (!*name || !*fw) {
            snprintf(msg, cap, "%s", _("a series needs a name and a framework code"));
            return -1;
        }
        if (id < 0) /* a framework this index's frameworks.tsv does not have: nothing to number */
            return 0;
        long *p = realloc(t->series_fw, (t->nseries + 1) * sizeof *p);
        if (!p || add_name(&t->series, t->nseries, name)) {
            if (p)
                t->series_fw = p;
            snprintf(msg, cap, "%s", _("out of memory"));
            return -1;
        }
        t->series_fw = p;
        p[t->nseries++] = id;
        return add_phrases(t, at, f[3], PH_SERIES, t->nseries - 1, msg, cap);
    }
    if (!strcmp(type, "link"))
        return add_phrases(t, at, f[3], PH_LINK, 0, msg, cap);
    snprintf(msg, cap, _("unknown type '%.40s' (expected kind, series or link)"), type);
    return -1;
}

int meeting_table_load(const char *text, size_t len, const char *name, const alias_table *aliases,
                       meeting_table **out, char *err, size_t cap)
{
    *out = NULL;
    meeting_table *t = calloc(1, sizeof *t);
    alias_text at;
    memset(&at, 0, sizeof at);
    if (!t) {
        snprintf(err, cap, _("%s: out of memory"), name);
        return -1;
    }
    size_t lineno = 0;
    int rc = 0;
    for (size_t off = 0; text && off < len && rc == 0;) {
        const char *nl = memchr(text + off, '\n', len - off);
        size_t end = nl ? (size_t)(nl - text) : len;
        lineno++;
        char *line = dup_n(text + off, end - off);
        off = end + 1;
        if (!line) {
            snprintf(err, cap, _("%s: out of memory"), name);
            rc = -1;
            break;
        }
        char *f[4] = {NULL, NULL, NULL, NULL};
        size_t nf = 0;
        if (line[0] != '#' && alias_trim(line)[0] != '\0') {
            nf = alias_split_tabs(line, f, 4);
            if (strcmp(alias_trim(f[0]), "type") != 0) {
                char msg[200] = "";
                if (nf < 4) {
                    snprintf(err, cap, _("%s:%zu: expected 4 tab-separated columns, found %zu"), name, lineno, nf);
                    rc = -1;
                } else if (table_row(t, aliases, &at, f, msg, sizeof msg)) {
                    snprintf(err, cap, "%s:%zu: %s", name, lineno, msg);
                    rc = -1;
                }
            }
        }
        free(line);
    }
    alias_text_free(&at);
    if (rc) {
        meeting_table_free(t);
        return -1;
    }
    *out = t;
    return 0;
}

/* ------------------------------------------------------------ matching */

/* The longest phrase of `type` at key i: its length in keys, its index in *which. */
static size_t phrase_at(const meeting_table *t, const alias_text *at, const char *text, size_t i, phrase_type type,
                        size_t *which)
{
    size_t best = 0;
    for (size_t p = 0; p < t->nphrases; p++) {
        const phrase *ph = &t->phrases[p];
        if (ph->type != type || ph->n <= best || i + ph->n > at->n)
            continue;
        size_t k = 0;
        for (; k < ph->n; k++) {
            if (strcmp(ph->keys[k], at->keys[i + k]) != 0)
                break;
            size_t wl = at->end[i + k] - at->start[i + k];
            if (ph->caps[k] && (strlen(ph->caps[k]) != wl || memcmp(ph->caps[k], text + at->start[i + k], wl)))
                break;
        }
        if (k == ph->n) {
            best = ph->n;
            *which = p;
        }
    }
    return best;
}

/* Key j sits in parentheses of its own, "(HNBT)", "(FLM)": the first key after them. */
static size_t skip_parenthesised(const alias_text *at, const char *text, size_t len, size_t j)
{
    if (j >= at->n)
        return j;
    size_t s = at->start[j];
    while (s > 0 && text[s - 1] == ' ')
        s--;
    if (s == 0 || text[s - 1] != '(')
        return j;
    const char *close = memchr(text + at->start[j], ')', len - at->start[j]);
    if (!close || close - (text + at->start[j]) > 40)
        return j;
    size_t c = (size_t)(close - text);
    for (size_t q = at->start[j]; q < c; q++)
        if (text[q] >= '0' && text[q] <= '9')
            return j;
    while (j < at->n && at->start[j] < c)
        j++;
    return j;
}

static const char *const ordinal_words[] = {"nhat", "hai", "ba", "tu", "nam", "sau", "bay", "tam", "chin", "muoi"};

/* The units after "mười" (mười một = 11 ... mười chín = 19). */
static int unit_after_ten(const char *k)
{
    static const struct { const char *key; int v; } units[] = {
        {"mot", 1}, {"hai", 2}, {"ba", 3}, {"bon", 4}, {"tu", 4}, {"lam", 5},
        {"sau", 6}, {"bay", 7}, {"tam", 8}, {"chin", 9},
    };
    for (size_t u = 0; u < sizeof units / sizeof *units; u++)
        if (!strcmp(k, units[u].key))
            return units[u].v;
    return 0;
}

static int is_number(const char *k)
{
    if (!*k)
        return 0;
    for (; *k; k++)
        if (*k < '0' || *k > '9')
            return 0;
    return 1;
}

/* The ordinal at key j: "lần thứ 10", "lần thứ chín", "lần 1", "lần đầu
 * tiên", "đầu tiên".  Returns it (0: none) and the key after it in *next. */
static int ordinal_at(const alias_text *at, const char *text, size_t len, size_t j, size_t *next)
{
    char *const *k = at->keys;
    size_t n = at->n;
    if (j + 1 < n && !strcmp(k[j], "dau") && !strcmp(k[j + 1], "tien")) {
        *next = j + 2;
        return 1;
    }
    if (j >= n || strcmp(k[j], "lan"))
        return 0;
    size_t q = j + 1;
    if (q + 1 < n && !strcmp(k[q], "dau") && !strcmp(k[q + 1], "tien")) {
        *next = q + 2;
        return 1;
    }
    if (q < n && !strcmp(k[q], "dau")) {
        *next = q + 1;
        return 1;
    }
    int thu = q < n && !strcmp(k[q], "thu");
    if (thu)
        q++;
    if (q >= n)
        return 0;
    if (is_number(k[q]) && strlen(k[q]) <= 3) {
        size_t e = at->end[q];
        /* a date or an amount ("lần 7/2018"), not an ordinal */
        if (e + 1 < len && (text[e] == '/' || text[e] == '.' || text[e] == ',') && text[e + 1] >= '0' &&
            text[e + 1] <= '9')
            return 0;
        *next = q + 1;
        return atoi(k[q]);
    }
    if (!thu)
        return 0;
    for (size_t w = 0; w < sizeof ordinal_words / sizeof *ordinal_words; w++)
        if (!strcmp(k[q], ordinal_words[w])) {
            int v = (int)w + 1, u;
            *next = q + 1;
            if (v == 10 && q + 1 < n && (u = unit_after_ten(k[q + 1])) > 0) {
                *next = q + 2;
                v += u;
            }
            return v;
        }
    return 0;
}

static int starts_with(const char *text, size_t len, size_t i, const char *s)
{
    size_t n = strlen(s);
    return i + n <= len && memcmp(text + i, s, n) == 0;
}

/* The end of the run of capitalised words starting at i (words joined by
 * spaces or hyphens, "Kuala Lampur", "Xinh-ga-po"; with `commas`, also
 * by ", ": "Chiềng Mai, Thái Lan"), i if none starts there. */
static size_t capitalised_run(const char *text, size_t len, size_t i, size_t limit, int commas)
{
    size_t end = i, p = i;
    while (p < limit) {
        size_t n;
        utf8proc_int32_t cp = cp_at(text, len, p, &n);
        if (!is_upper_cp(cp))
            break;
        /* the word: letters, hyphens, apostrophes */
        size_t q = p;
        while (q < limit) {
            cp = cp_at(text, len, q, &n);
            if (is_letter_cp(cp) || (cp == '-' && q + 1 < limit && text[q + 1] != ' '))
                q += n;
            else
                break;
        }
        end = q;
        if (q < limit && text[q] == ' ')
            p = q + 1;
        else if (commas && q + 1 < limit && text[q] == ',' && text[q + 1] == ' ')
            p = q + 2;
        else
            break;
    }
    return end;
}

static int has_digit(const char *text, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++)
        if (text[i] >= '0' && text[i] <= '9')
            return 1;
    return 0;
}

/* "tại X" at i (a word of its own): the place after it, [*ps, *pe). */
static int place_after_tai(const char *text, size_t len, size_t i, size_t limit, size_t *ps, size_t *pe)
{
    if (!(starts_with(text, len, i, "tại ") || starts_with(text, len, i, "Tại ")))
        return 0;
    if (i > 0 && text[i - 1] != ' ' && text[i - 1] != '(')
        return 0;
    size_t s = i + strlen("tại ");
    size_t e = capitalised_run(text, len, s, limit, 1);
    if (e == s || has_digit(text, s, e))
        return 0;
    *ps = s;
    *pe = e;
    return 1;
}

/* The place in parenthesised text [from, to): its first run of parts that
 * are places ("27/11/2019, Busan, Hàn Quốc" -> "Busan, Hàn Quốc"; "tại
 * Viêng Chăn, Lào" -> "Viêng Chăn, Lào"). */
static int place_in_parts(const char *text, size_t len, size_t from, size_t to, size_t *ps, size_t *pe)
{
    int found = 0;
    size_t p = from;
    while (p < to) {
        const char *comma = memchr(text + p, ',', to - p);
        size_t e = comma ? (size_t)(comma - text) : to;
        size_t s = p;
        while (s < e && text[s] == ' ')
            s++;
        size_t ws = 0, we = 0;
        int ok = 0;
        for (size_t q = s; q < e && !ok; q++)
            if (place_after_tai(text, len, q, e, &ws, &we))
                ok = 1;
        if (!ok && !has_digit(text, s, e)) {
            we = capitalised_run(text, len, s, e, 0);
            ws = s;
            size_t rest = we;
            while (rest < e && text[rest] == ' ')
                rest++;
            ok = we > s && rest == e;
        }
        if (ok) {
            if (!found)
                *ps = ws;
            *pe = we;
            found = 1;
        } else if (found || !has_digit(text, s, e)) {
            if (found)
                break;
        }
        p = e + 1;
    }
    return found;
}

/* Where the mention's clause ends: the end of the text, a full stop,
 * semicolon or colon, a footnote mark, the comma after its parentheses, a
 * comma that starts something else, or the next meeting named (unless it
 * is the occasion: "vào dịp HNCC ASEAN 10"). */
static size_t tail_end(const meeting_table *t, const alias_text *at, const char *text, size_t len, size_t p,
                       size_t next_key)
{
    static const char *const go_on[] = {"bên ", "tại ", "theo ", "vào ", "ngày ", "tháng ", "trực ", "năm "};
    size_t limit = len < p + TAIL_MAX ? len : p + TAIL_MAX;
    for (size_t k = next_key; k < at->n && at->start[k] < limit; k++) {
        size_t which;
        if (phrase_at(t, at, text, k, PH_KIND, &which)) {
            int occasion = k > 0 && (!strcmp(at->keys[k - 1], "dip") || !strcmp(at->keys[k - 1], "kho") ||
                                     !strcmp(at->keys[k - 1], "le"));
            if (!occasion) {
                limit = at->start[k];
                break;
            }
        }
    }
    int depth = 0, closed = 0;
    size_t q = p;
    for (; q < limit; q++) {
        char c = text[q];
        if (c == '(')
            depth++;
        else if (c == ')') {
            if (depth == 0)
                break;
            if (--depth == 0)
                closed = 1;
        } else if (c == '\n')
            break;
        else if (depth == 0 && (c == '.' || c == ';' || c == ':' || c == '['))
            break;
        else if (depth == 0 && c == ',') {
            if (closed)
                break;
            size_t r = q + 1;
            while (r < limit && text[r] == ' ')
                r++;
            int cont = 0;
            for (size_t g = 0; g < sizeof go_on / sizeof *go_on; g++)
                cont |= starts_with(text, len, r, go_on[g]);
            size_t n;
            if (!cont && !is_upper_cp(cp_at(text, len, r, &n)))
                break;
        }
    }
    return q;
}

/* Date, place and plan in [p, end): the clause after the ordinal. */
static void read_tail(const char *text, size_t len, size_t p, size_t end, meeting_mention *m)
{
    date_span d[8];
    for (size_t q = p; q < end; q++) {
        if (text[q] != '(')
            continue;
        const char *close = memchr(text + q, ')', end - q);
        size_t c = close ? (size_t)(close - text) : end;
        if (!m->has_date) {
            size_t nd = date_parse(text + q + 1, c - q - 1, d, 8);
            if (nd) {
                m->date = d[0];
                m->date.offset += q + 1;
                m->date.end += q + 1;
                m->has_date = 1;
            } else {
                /* "(2022)": a year alone in parentheses */
                size_t s = q + 1;
                if (c - s == 4 && has_digit(text, s, c) && text[s] >= '1' && text[s] <= '2') {
                    int y = atoi(text + s);
                    if (y >= DATE_YEAR_MIN && y <= DATE_YEAR_MAX && strspn(text + s, "0123456789") == 4) {
                        m->date = (date_span){(uint32_t)y * 10000 + 101, (uint32_t)y * 10000 + 1231, DATE_YEAR, s, c};
                        m->has_date = 1;
                    }
                }
            }
        }
        size_t ps, pe;
        if (!m->place_len && place_in_parts(text, len, q + 1, c, &ps, &pe)) {
            m->place = ps;
            m->place_len = pe - ps;
        }
        q = c;
    }
    if (!m->has_date) {
        size_t nd = date_parse(text + p, end - p, d, 8);
        if (nd) {
            m->date = d[0];
            m->date.offset += p;
            m->date.end += p;
            m->has_date = 1;
        }
    }
    for (size_t q = p; q < end && !m->place_len; q++) {
        size_t ps, pe;
        if (place_after_tai(text, len, q, end, &ps, &pe)) {
            m->place = ps;
            m->place_len = pe - ps;
        }
    }
    for (size_t q = p; q + strlen("trực tuyến") <= end; q++)
        if (starts_with(text, len, q, "trực tuyến") &&
            !(q >= strlen("kết hợp ") && starts_with(text, len, q - strlen("kết hợp "), "kết hợp ")))
            m->online = 1;
    /* "lần thứ 3 sẽ được tổ chức": not what follows its parentheses ("(Tô-ki-ô,
     * 7/11/2009) nhất trí sẽ tiến hành tổ chức ...", a decision it took) */
    for (size_t q = p; q < end && q < p + PLAN_AFTER && text[q] != '('; q++)
        if ((q == 0 || text[q - 1] == ' ') && (starts_with(text, len, q, "sẽ ") || starts_with(text, len, q, "dự kiến")))
            m->planned = 1;
}

/* The text just before the kind says the meeting was held: "đã tổ chức
 * (thành công) HNCC ...", "đăng cai (tổ chức) HNCC ...". */
static int held_before(const char *text, size_t kind_start)
{
    static const char *const verbs[] = {"tổ chức thành công ", "đăng cai tổ chức ", "tổ chức ", "đăng cai "};
    for (size_t v = 0; v < sizeof verbs / sizeof *verbs; v++) {
        size_t n = strlen(verbs[v]);
        if (kind_start >= n && memcmp(text + kind_start - n, verbs[v], n) == 0)
            return 1;
    }
    return 0;
}

/* The sentence before the kind: a plan ("Lào sẽ chủ trì tổ chức ..."), or a
 * date opening it ("Ngày 23/3/2016, ", "Tháng 8/2018, tại "). */
static void read_before(const char *text, size_t len, size_t kind_start, meeting_mention *m)
{
    size_t s = kind_start > CLAUSE_BACK ? kind_start - CLAUSE_BACK : 0;
    for (size_t q = kind_start; q > s; q--)
        if (text[q - 1] == '.' || text[q - 1] == ';' || text[q - 1] == '\n' || text[q - 1] == ':' || text[q - 1] == '(') {
            s = q;
            break;
        }
    for (size_t q = s; q < kind_start; q++)
        if ((q == s || text[q - 1] == ' ') && (starts_with(text, len, q, "sẽ ") || starts_with(text, len, q, "dự kiến")))
            m->planned = 1;
    if (m->has_date)
        return;
    while (s < kind_start && (text[s] == ' ' || text[s] == '-'))
        s++;
    static const char *const lead[] = {"Ngày ", "ngày ", "Tháng ", "tháng ", "Năm ", "năm "};
    size_t word = 0;
    for (size_t w = 0; w < sizeof lead / sizeof *lead; w++)
        if (starts_with(text, len, s, lead[w]))
            word = strlen(lead[w]);
    date_span d[8];
    size_t nd = date_parse(text + s, kind_start - s, d, 8);
    if (nd == 0)
        return;
    if (nd > 8)
        nd = 8;
    /* the last date before the kind (date_parse sorts by date, not place) */
    size_t last = 0;
    for (size_t k = 1; k < nd; k++)
        if (d[k].offset > d[last].offset)
            last = k;
    const date_span *dl = &d[last];
    int opens = dl->offset == 0 || dl->offset == word; /* "Ngày 23/3/2016, ..." */
    size_t r = s + dl->end;
    if (r < kind_start && text[r] == ',')
        r++;
    while (r < kind_start && text[r] == ' ')
        r++;
    int at = starts_with(text, len, r, "tại ") || starts_with(text, len, r, "Tại ");
    if (at)
        r += strlen("tại ");
    /* "Ngày 23/3/2016, HNCC ...", "vào năm 2013 tại HNBT MKC lần thứ 3", or a
     * year opening the sentence of a meeting it says was held ("Năm 2018, ...
     * Việt Nam đã tổ chức thành công HNCC CLMV lần thứ 8") */
    int ok = r == kind_start && (opens || at);
    if (!ok && opens && nd == 1 && dl->precision == DATE_YEAR && held_before(text, kind_start))
        ok = 1;
    if (!ok)
        return;
    m->date = *dl;
    m->date.offset += s;
    m->date.end += s;
    m->has_date = 1;
}

static long window_mentions(const meeting_table *t, const alias_table *a, alias_text *at, const char *text,
                            size_t len, size_t lead, long passage_fw, meeting_mention *out, size_t max,
                            size_t *found_io, size_t *consumed);

/* A byte of a letter or digit (any byte of a multi-byte character counts:
 * "xã hội nghị" is no trigger only if the byte before is a space or mark). */
static int is_letter_byte(char c)
{
    unsigned char u = (unsigned char)c;
    return u >= 0x80 || (u >= '0' && u <= '9') || ((u | 0x20) >= 'a' && (u | 0x20) <= 'z');
}

/* Where trigger i is next written at or after pos (len if nowhere). */
static size_t trigger_at(const meeting_table *t, size_t i, const char *text, size_t len, size_t pos)
{
    size_t n = strlen(t->triggers[i]);
    for (size_t p = pos; p + n <= len;) {
        const char *hit = memchr(text + p, t->triggers[i][0], len - p - n + 1);
        if (!hit)
            break;
        if (memcmp(hit, t->triggers[i], n) == 0 && (hit == text || !is_letter_byte(hit[-1])))
            return (size_t)(hit - text);
        p = (size_t)(hit - text) + 1;
    }
    return len;
}

/* The first place at or after pos where a kind's first words are written
 * (a trigger), len if none; next[] caches each trigger's next place, so a
 * passage is scanned once per trigger however many windows it has. */
static size_t next_trigger(const meeting_table *t, const char *text, size_t len, size_t pos, size_t *next)
{
    size_t best = len;
    for (size_t i = 0; i < t->ntriggers; i++) {
        if (next[i] < pos)
            next[i] = trigger_at(t, i, text, len, pos);
        if (next[i] < best)
            best = next[i];
    }
    return best;
}

/* "lần" or "đầu tiên" written within ORDINAL_REACH bytes after pos. */
static int ordinal_word_near(const char *text, size_t len, size_t pos)
{
    static const char *const words[] = {"lần", "Lần", "đầu tiên"};
    size_t end = len - pos > ORDINAL_REACH ? pos + ORDINAL_REACH : len;
    for (size_t w = 0; w < sizeof words / sizeof *words; w++) {
        size_t n = strlen(words[w]);
        for (size_t p = pos; p + n <= end;) {
            const char *hit = memchr(text + p, words[w][0], end - p - n + 1);
            if (!hit)
                break;
            if (memcmp(hit, words[w], n) == 0)
                return 1;
            p = (size_t)(hit - text) + 1;
        }
    }
    return 0;
}

long meeting_find(const meeting_table *t, const alias_table *a, meeting_scratch *s, const char *text, size_t len,
                  long passage_fw, meeting_mention *out, size_t max)
{
    if (!t || !t->nkinds)
        return 0;
    alias_text *at = &s->at;
    size_t found = 0;
    /* Only windows that start where a kind's first words are written are
     * tokenised (the indexer has tokenised the passage already; doing it
     * again for every passage that says "hội nghị" cost a sixth of the
     * indexing time): a mention starts in the window's first WINDOW_LEAD
     * bytes, the rest is what may follow it. */
    size_t next[MAX_TRIGGERS];
    for (size_t i = 0; i < t->ntriggers; i++)
        next[i] = trigger_at(t, i, text, len, 0);
    for (size_t pos = next_trigger(t, text, len, 0, next); pos < len;) {
        /* no "lần" or "đầu tiên" after it: no ordinal, no mention ("Hội nghị
         * đã thông qua ..."), and nothing to tokenise */
        if (!ordinal_word_near(text, len, pos)) {
            pos = next_trigger(t, text, len, pos + 1, next);
            continue;
        }
        size_t wend = len - pos > WINDOW_BYTES ? pos + WINDOW_BYTES : len;
        while (wend < len && wend > pos && ((unsigned char)text[wend] & 0xC0) == 0x80)
            wend--; /* not inside a character */
        if (alias_text_fill(at, text + pos, wend - pos) != 0)
            return -1;
        for (size_t k = 0; k < at->n; k++) {
            at->start[k] += pos;
            at->end[k] += pos;
        }
        size_t lead = pos + WINDOW_LEAD, consumed = lead;
        long n = window_mentions(t, a, at, text, len, lead, passage_fw, out, max, &found, &consumed);
        if (n < 0)
            return -1;
        pos = next_trigger(t, text, len, consumed > lead ? consumed : lead, next);
    }
    return (long)found;
}

/* The mentions whose kind starts before `lead` in the window at has
 * tokenised; *consumed: where the last one ends. */
static long window_mentions(const meeting_table *t, const alias_table *a, alias_text *at, const char *text,
                            size_t len, size_t lead, long passage_fw, meeting_mention *out, size_t max,
                            size_t *found_io, size_t *consumed)
{
    size_t found = *found_io;
    for (size_t i = 0; i < at->n && at->start[i] < lead; i++) {
        size_t which;
        size_t kl = phrase_at(t, at, text, i, PH_KIND, &which);
        if (!kl)
            continue;
        meeting_mention m;
        memset(&m, 0, sizeof m);
        m.kind = t->phrases[which].owner;
        m.offset = at->start[i];
        m.fw = -1;
        m.series = -1;
        size_t j = skip_parenthesised(at, text, len, i + kl);
        size_t ll;
        while (j < at->n && (ll = phrase_at(t, at, text, j, PH_LINK, &which)) > 0)
            j += ll;
        alias_match am;
        size_t fl = j < at->n ? alias_match_kind(a, (const char *const *)at->keys, at->n, j, ALIAS_FRAMEWORK, &am) : 0;
        size_t sl = j < at->n ? phrase_at(t, at, text, j, PH_SERIES, &which) : 0;
        if (sl && sl >= fl) {
            m.series = (long)t->phrases[which].owner;
            m.fw = t->series_fw[m.series];
            j += sl;
        } else if (fl) {
            m.fw = (long)am.id;
            j += fl;
        } else if (j < at->n) {
            size_t n;
            utf8proc_int32_t cp = cp_at(text, len, at->start[j], &n);
            if (is_upper_cp(cp)) /* Hội nghị Cấp cao ASEAN, ... Bagan: not one of ours */
                continue;
        }
        j = skip_parenthesised(at, text, len, j);
        size_t next = j;
        m.ordinal = ordinal_at(at, text, len, j, &next);
        if (m.ordinal <= 0)
            continue;
        if (m.fw < 0)
            m.fw = passage_fw;
        if (m.fw < 0)
            continue;
        size_t p = at->end[next - 1];
        if (starts_with(text, len, p, "[footnoteRef:")) {
            const char *close = memchr(text + p, ']', len - p);
            if (close)
                p = (size_t)(close - text) + 1;
        }
        size_t end = tail_end(t, at, text, len, p, next);
        read_tail(text, len, p, end, &m);
        read_before(text, len, m.offset, &m);
        if (m.planned) {
            m.has_date = 0;
            m.place_len = 0;
            m.online = 0;
        }
        if (found < max)
            out[found] = m;
        found++;
        i = next - 1;
        *consumed = at->end[next - 1];
    }
    *found_io = found;
    return (long)found;
}

/* ------------------------------------------------------------ the record */

static void put_clean(strbuf *out, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        sb_putc(out, s[i] == '|' || s[i] == ';' || s[i] == '\n' || s[i] == '\t' ? ' ' : s[i]);
}

void meeting_encode(const meeting_table *t, const alias_table *a, const char *text, const meeting_mention *m,
                    size_t n, strbuf *out)
{
    for (size_t i = 0; i < n; i++) {
        if (i)
            sb_putc(out, ';');
        sb_printf(out, "%s|%s|%s|%d|", alias_framework_code(a, (size_t)m[i].fw), meeting_kind_name(t, m[i].kind),
                  meeting_series_name(t, m[i].series), m[i].ordinal);
        if (m[i].has_date)
            sb_printf(out, "%u-%u-%d", (unsigned)m[i].date.from, (unsigned)m[i].date.to, (int)m[i].date.precision);
        sb_putc(out, '|');
        if (m[i].place_len)
            put_clean(out, text + m[i].place, m[i].place_len);
        else if (m[i].online)
            sb_puts(out, "trực tuyến");
        sb_puts(out, "|");
        if (m[i].planned)
            sb_putc(out, 'p');
        if (m[i].online)
            sb_putc(out, 'o');
    }
}

size_t meeting_decode(char *field, meeting_field *out, size_t max)
{
    size_t n = 0;
    char *save = NULL;
    for (char *e = strtok_r(field, ";", &save); e && n < max; e = strtok_r(NULL, ";", &save)) {
        char *f[7];
        size_t nf = 0;
        char *p = e;
        while (nf < 7) {
            f[nf++] = p;
            char *bar = strchr(p, '|');
            if (!bar)
                break;
            *bar = '\0';
            p = bar + 1;
        }
        if (nf < 7)
            continue;
        meeting_field *m = &out[n];
        memset(m, 0, sizeof *m);
        m->fw = f[0];
        m->kind = f[1];
        m->series = f[2];
        m->ordinal = atoi(f[3]);
        unsigned from, to;
        int prec;
        if (sscanf(f[4], "%u-%u-%d", &from, &to, &prec) == 3 && prec >= DATE_DAY && prec <= DATE_PERIOD) {
            m->has_date = 1;
            m->date.from = from;
            m->date.to = to;
            m->date.precision = (date_precision)prec;
        }
        m->place = f[5];
        m->planned = strchr(f[6], 'p') != NULL;
        if (*m->fw && *m->kind && m->ordinal > 0)
            n++;
    }
    return n;
}
