/*
 * The meetings timeline (vs_meetings_list, vnsearch.h): the mentions the
 * indexer stored (meetings.h) merged into events, one per framework, kind,
 * series and ordinal, with every passage that names it.
 *
 * Only the passages holding the XMEET term are read.  The most precise date
 * and the most detailed place win; sources that cannot both be right are
 * flagged: dates that do not overlap, places of which neither contains the
 * other (compared on folded syllables with the alias groups, so "Tokyo"
 * is "Tô-ki-ô" and "Thái Lan" is inside "Băng Cốc, Thái Lan"), and an
 * ordinal dated before a lower one of the same series.  A plan ("sẽ chủ
 * trì") is a source that says nothing of when or where.
 */
#include <stdio.h>
#include <libintl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dates.h"
#include "engine.h"
#include "meetings.h"
#include "schema.h"

/* the engine's messages, in the programs' catalogue (po/) */
#define _(s) dgettext(VS_TEXTDOMAIN, s)

#define MAX_FIELDS 64

typedef struct source {
    char *id;
    char *file;
    long line;
    int has_date;
    date_span date;
    char *place; /* "" if none */
    char *place_key; /* folded, groups canonical, parts separated by ',' */
} source;

typedef struct event {
    char *fw, *kind, *series;
    int ordinal;
    long fw_rank;
    source *src;
    size_t n, cap;
    int chosen_date, chosen_place; /* source index, or -1 */
} event;

typedef struct events {
    event *items;
    size_t n, cap;
} events;

static char *xstrdup(const char *s)
{
    return strdup(s ? s : "");
}

static int iso(const date_span *d, char *buf, size_t cap)
{
    return date_iso(d, buf, cap);
}

/* "Tokyo, Nhật Bản" -> "toki o..." keys: each part's folded syllables, a
 * group member replaced by its group's key. */
static char *place_key(const alias_table *a, alias_text *at, const char *place)
{
    strbuf b = STRBUF_INIT;
    const char *p = place;
    while (*p) {
        size_t n = strcspn(p, ",");
        if (alias_text_fill(at, p, n) != 0) {
            sb_free(&b);
            return NULL;
        }
        if (b.len)
            sb_putc(&b, ',');
        for (size_t i = 0; i < at->n;) {
            alias_match m;
            size_t l = alias_match_kind(a, (const char *const *)at->keys, at->n, i, ALIAS_GROUP, &m);
            if (i)
                sb_putc(&b, ' ');
            if (l) {
                sb_puts(&b, alias_group_key(a, m.id));
                i += l;
            } else {
                sb_puts(&b, at->keys[i]);
                i++;
            }
        }
        p += n;
        if (*p == ',')
            p++;
    }
    sb_putc(&b, '\0');
    return sb_take(&b);
}

static size_t count_parts(const char *key)
{
    size_t n = *key ? 1 : 0;
    for (; *key; key++)
        n += *key == ',';
    return n;
}

/* Every part of the smaller key is a part of the other: "thai lan" is in
 * "bang coc,thai lan". */
static int place_within(const char *small, const char *big)
{
    const char *p = small;
    while (*p) {
        size_t n = strcspn(p, ",");
        int found = 0;
        const char *q = big;
        while (*q && !found) {
            size_t m = strcspn(q, ",");
            found = m == n && memcmp(p, q, n) == 0;
            q += m;
            if (*q == ',')
                q++;
        }
        if (!found)
            return 0;
        p += n;
        if (*p == ',')
            p++;
    }
    return 1;
}

static int places_agree(const char *a, const char *b)
{
    return count_parts(a) <= count_parts(b) ? place_within(a, b) : place_within(b, a);
}

static int dates_agree(const date_span *a, const date_span *b)
{
    return !(a->to < b->from || b->to < a->from);
}

static event *find_event(events *ev, const meeting_field *f, const alias_table *a)
{
    for (size_t i = 0; i < ev->n; i++) {
        event *e = &ev->items[i];
        if (e->ordinal == f->ordinal && !strcmp(e->fw, f->fw) && !strcmp(e->kind, f->kind) &&
            !strcmp(e->series, f->series))
            return e;
    }
    if (ev->n == ev->cap) {
        size_t cap = ev->cap ? ev->cap * 2 : 32;
        event *p = realloc(ev->items, cap * sizeof *p);
        if (!p)
            return NULL;
        ev->items = p;
        ev->cap = cap;
    }
    event *e = &ev->items[ev->n];
    memset(e, 0, sizeof *e);
    e->fw = xstrdup(f->fw);
    e->kind = xstrdup(f->kind);
    e->series = xstrdup(f->series);
    e->ordinal = f->ordinal;
    e->fw_rank = alias_framework_find(a, f->fw);
    if (!e->fw || !e->kind || !e->series) {
        free(e->fw);
        free(e->kind);
        free(e->series);
        return NULL;
    }
    ev->n++;
    return e;
}

static int add_source(event *e, const record *r, const meeting_field *f, const alias_table *a, alias_text *at)
{
    const char *id = r->id;
    for (size_t i = 0; i < e->n; i++)
        if (!strcmp(e->src[i].id, id)) {
            /* named twice in one passage: keep what either says */
            source *s = &e->src[i];
            if (!s->has_date && f->has_date && !f->planned) {
                s->has_date = 1;
                s->date = f->date;
            }
            if (!*s->place && *f->place && !f->planned) {
                char *p = xstrdup(f->place), *k = place_key(a, at, f->place);
                if (!p || !k) {
                    free(p);
                    free(k);
                    return -1;
                }
                free(s->place);
                free(s->place_key);
                s->place = p;
                s->place_key = k;
            }
            return 0;
        }
    if (e->n == e->cap) {
        size_t cap = e->cap ? e->cap * 2 : 4;
        source *p = realloc(e->src, cap * sizeof *p);
        if (!p)
            return -1;
        e->src = p;
        e->cap = cap;
    }
    source *s = &e->src[e->n];
    memset(s, 0, sizeof *s);
    s->id = xstrdup(id);
    s->file = xstrdup(r->file);
    s->line = r->line;
    s->has_date = f->has_date && !f->planned;
    s->date = f->date;
    s->place = xstrdup(f->planned ? "" : f->place);
    s->place_key = s->place ? place_key(a, at, s->place) : NULL;
    if (!s->id || !s->file || !s->place || !s->place_key) {
        free(s->id);
        free(s->file);
        free(s->place);
        free(s->place_key);
        return -1;
    }
    e->n++;
    return 0;
}

static void events_free(events *ev)
{
    for (size_t i = 0; i < ev->n; i++) {
        event *e = &ev->items[i];
        for (size_t k = 0; k < e->n; k++) {
            free(e->src[k].id);
            free(e->src[k].file);
            free(e->src[k].place);
            free(e->src[k].place_key);
        }
        free(e->src);
        free(e->fw);
        free(e->kind);
        free(e->series);
    }
    free(ev->items);
}

/* The date that wins: the most precise, then the one most sources agree
 * with, then the first. */
static int choose_date(const event *e)
{
    int best = -1, best_agree = -1;
    for (size_t i = 0; i < e->n; i++) {
        if (!e->src[i].has_date)
            continue;
        int agree = 0;
        for (size_t k = 0; k < e->n; k++)
            agree += e->src[k].has_date && dates_agree(&e->src[i].date, &e->src[k].date);
        if (best < 0 || e->src[i].date.precision < e->src[best].date.precision ||
            (e->src[i].date.precision == e->src[best].date.precision && agree > best_agree)) {
            best = (int)i;
            best_agree = agree;
        }
    }
    return best;
}

/* The place that wins: the most parts, then the most agreement, then the
 * first; a place beats "trực tuyến" only when no source says online. */
static int choose_place(const event *e)
{
    int best = -1, best_agree = -1;
    size_t best_parts = 0;
    for (size_t i = 0; i < e->n; i++) {
        if (!*e->src[i].place)
            continue;
        int agree = 0;
        for (size_t k = 0; k < e->n; k++)
            agree += *e->src[k].place && places_agree(e->src[i].place_key, e->src[k].place_key);
        size_t parts = count_parts(e->src[i].place_key);
        if (best < 0 || agree > best_agree || (agree == best_agree && parts > best_parts)) {
            best = (int)i;
            best_agree = agree;
            best_parts = parts;
        }
    }
    return best;
}

static int add_conflict(vs_meeting *m, const char *on, strbuf *detail, char **ids, size_t nids)
{
    vs_conflict *c = realloc(m->conflicts, (m->nconflicts + 1) * sizeof *c);
    if (!c)
        return -1;
    m->conflicts = c;
    c = &m->conflicts[m->nconflicts];
    memset(c, 0, sizeof *c);
    c->on = on;
    c->detail = sb_take(detail);
    c->sources = calloc(nids ? nids : 1, sizeof *c->sources);
    m->nconflicts++;
    if (!c->detail || !c->sources)
        return -1;
    for (size_t i = 0; i < nids; i++)
        if (!(c->sources[c->nsources++] = xstrdup(ids[i])))
            return -1;
    return 0;
}

/* Sources whose date (or place) disagrees with the winner's: one conflict
 * listing each value with its sources. */
static int value_conflicts(const event *e, vs_meeting *m, int dates)
{
    int chosen = dates ? e->chosen_date : e->chosen_place;
    if (chosen < 0)
        return 0;
    const source *w = &e->src[chosen];
    int any = 0;
    for (size_t i = 0; i < e->n; i++) {
        const source *s = &e->src[i];
        if (dates ? s->has_date && !dates_agree(&s->date, &w->date)
                  : *s->place && !places_agree(s->place_key, w->place_key))
            any = 1;
    }
    if (!any)
        return 0;
    strbuf d = STRBUF_INIT;
    char **ids = calloc(e->n, sizeof *ids);
    size_t nids = 0;
    if (!ids)
        return -1;
    for (size_t i = 0; i < e->n; i++) {
        const source *s = &e->src[i];
        if (dates ? !s->has_date : !*s->place)
            continue;
        char v[64];
        if (dates)
            iso(&s->date, v, sizeof v);
        if (d.len)
            sb_puts(&d, "; ");
        sb_printf(&d, "%s: %s", s->id, dates ? v : s->place);
        ids[nids++] = s->id;
    }
    int rc = add_conflict(m, dates ? "date" : "place", &d, ids, nids);
    sb_free(&d);
    free(ids);
    return rc;
}

/* Sources in reading order: by file, then line (the index's own order
 * depends on which worker wrote a file first). */
static int cmp_source(const void *x, const void *y)
{
    const source *a = x, *b = y;
    int c = strcmp(a->file, b->file);
    return c ? c : a->line < b->line ? -1 : a->line > b->line;
}

static int cmp_event(const void *x, const void *y)
{
    const event *a = x, *b = y;
    if (a->fw_rank != b->fw_rank)
        return a->fw_rank < b->fw_rank ? -1 : 1;
    int c = strcmp(a->kind, b->kind);
    if (!c)
        c = strcmp(a->series, b->series);
    if (!c)
        c = a->ordinal - b->ordinal;
    return c;
}

/* Ordinals out of order with their dates: a later ordinal of the same
 * series dated wholly before an earlier one, by any of their sources. */
static int order_conflicts(const events *ev, vs_meeting *ms)
{
    for (size_t i = 0; i < ev->n; i++)
        for (size_t j = i + 1; j < ev->n; j++) {
            const event *a = &ev->items[i], *b = &ev->items[j];
            if (strcmp(a->fw, b->fw) || strcmp(a->kind, b->kind) || strcmp(a->series, b->series))
                break; /* sorted: the series ends here */
            if (a->ordinal == b->ordinal)
                continue;
            for (size_t sa = 0; sa < a->n; sa++)
                for (size_t sb = 0; sb < b->n; sb++) {
                    const source *x = &a->src[sa], *y = &b->src[sb];
                    if (!x->has_date || !y->has_date || !(y->date.to < x->date.from))
                        continue;
                    char dx[64], dy[64];
                    iso(&x->date, dx, sizeof dx);
                    iso(&y->date, dy, sizeof dy);
                    for (int side = 0; side < 2; side++) {
                        strbuf d = STRBUF_INIT;
                        sb_printf(&d, "%s %d dated %s (%s) before %s %d dated %s (%s)", b->kind, b->ordinal, dy,
                                  y->id, a->kind, a->ordinal, dx, x->id);
                        char *ids[2] = {y->id, x->id};
                        if (add_conflict(&ms[side ? j : i], "order", &d, ids, 2)) {
                            sb_free(&d);
                            return -1;
                        }
                        sb_free(&d);
                    }
                    goto next_pair; /* one conflict a pair of events */
                }
        next_pair:;
        }
    return 0;
}

static void meeting_clear(vs_meeting *y)
{
    for (size_t k = 0; k < y->nsources; k++)
        free(y->sources[k]);
    free(y->sources);
    for (size_t c = 0; c < y->nconflicts; c++) {
        for (size_t k = 0; k < y->conflicts[c].nsources; k++)
            free(y->conflicts[c].sources[k]);
        free(y->conflicts[c].sources);
        free(y->conflicts[c].detail);
    }
    free(y->conflicts);
    free(y->framework);
    free(y->kind);
    free(y->series);
    free(y->date);
    free(y->place);
    memset(y, 0, sizeof *y);
}

static int known_framework(vs_engine *e, const char *code, char *err, size_t cap)
{
    if (alias_framework_find(e->aliases, code) >= 0)
        return 1;
    char known[512] = "";
    size_t kl = 0;
    for (size_t f = 0; f < alias_framework_count(e->aliases) && kl < sizeof known - 16; f++)
        kl += (size_t)snprintf(known + kl, sizeof known - kl, "%s%s", f ? " " : "",
                               alias_framework_code(e->aliases, f));
    snprintf(err, cap, _("unknown framework '%s' (known: %s)"), code, *known ? known : _("none"));
    return 0;
}

/* The passages that name a meeting, live ones only (not retired by an --update). */
static int meeting_passages(vs_engine *e, xc_mset **out)
{
    xc_query *q = xc_query_term(TERM_MEETING, strlen(TERM_MEETING), 1);
    if (q && e->retired) {
        xc_query *two[2] = {q, e->retired};
        xc_query *r = xc_query_combine(XC_OP_AND_NOT, two, 2, 0);
        xc_query_free(q);
        q = r;
    }
    xc_enquire *enq = NULL;
    int rc = q ? xc_enquire_new(e->db, &enq) : XC_ERR_NOMEM;
    if (rc == XC_OK)
        rc = xc_enquire_set_sort(enq, XC_SORT_RELEVANCE, 0);
    if (rc == XC_OK)
        rc = xc_enquire_set_query(enq, q);
    uint32_t docs = 0;
    if (rc == XC_OK)
        rc = xc_db_doccount(e->db, &docs);
    if (rc == XC_OK)
        rc = xc_enquire_mset(enq, 0, docs ? docs : 1, 0, out);
    xc_enquire_free(enq);
    xc_query_free(q);
    return rc;
}

int vs_meetings_list(vs_engine *e, char *const *frameworks, size_t nframeworks, const char *from, const char *to,
                     vs_meetings *out, char *err, size_t cap)
{
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < nframeworks; i++)
        if (!known_framework(e, frameworks[i], err, cap))
            return VS_ERR_QUERY;
    uint32_t lo = 0, hi = 0;
    if (from && date_parse_bound(from, 0, &lo)) {
        snprintf(err, cap, _("bad date '%s' for --from: expected YYYY, YYYY-MM or YYYY-MM-DD, years %d-%d"), from,
                 DATE_YEAR_MIN, DATE_YEAR_MAX);
        return VS_ERR_QUERY;
    }
    if (to && date_parse_bound(to, 1, &hi)) {
        snprintf(err, cap, _("bad date '%s' for --to: expected YYYY, YYYY-MM or YYYY-MM-DD, years %d-%d"), to,
                 DATE_YEAR_MIN, DATE_YEAR_MAX);
        return VS_ERR_QUERY;
    }
    xc_mset *m = NULL;
    if (meeting_passages(e, &m) != XC_OK)
        return engine_failure(e, "cannot list the meetings", err, cap);
    events ev = {NULL, 0, 0};
    alias_text at;
    memset(&at, 0, sizeof at);
    int rc = VS_OK;
    for (size_t i = 0; i < xc_mset_size(m) && rc == VS_OK; i++) {
        record r;
        rc = engine_load_record(e, m, i, &r, err, cap);
        if (rc != VS_OK)
            break;
        meeting_field f[MAX_FIELDS];
        size_t nf = meeting_decode(r.meetings, f, MAX_FIELDS);
        for (size_t k = 0; k < nf && rc == VS_OK; k++) {
            event *ev1 = find_event(&ev, &f[k], e->aliases);
            if (!ev1 || add_source(ev1, &r, &f[k], e->aliases, &at) != 0) {
                snprintf(err, cap, "%s", _("out of memory listing the meetings"));
                rc = VS_ERR_DB;
            }
        }
        record_free(&r);
    }
    xc_mset_free(m);
    alias_text_free(&at);
    if (rc == VS_OK && ev.n) {
        qsort(ev.items, ev.n, sizeof *ev.items, cmp_event);
        vs_meeting *ms = calloc(ev.n, sizeof *ms);
        if (!ms)
            rc = VS_ERR_DB;
        for (size_t i = 0; i < ev.n && rc == VS_OK; i++) {
            event *x = &ev.items[i];
            vs_meeting *y = &ms[i];
            qsort(x->src, x->n, sizeof *x->src, cmp_source);
            x->chosen_date = choose_date(x);
            x->chosen_place = choose_place(x);
            char d[64] = "";
            if (x->chosen_date >= 0) {
                iso(&x->src[x->chosen_date].date, d, sizeof d);
                y->date_from = x->src[x->chosen_date].date.from;
                y->date_to = x->src[x->chosen_date].date.to;
            }
            y->framework = xstrdup(x->fw);
            y->kind = xstrdup(x->kind);
            y->series = xstrdup(x->series);
            y->ordinal = x->ordinal;
            y->date = xstrdup(d);
            y->place = xstrdup(x->chosen_place >= 0 ? x->src[x->chosen_place].place : "");
            y->sources = calloc(x->n, sizeof *y->sources);
            if (!y->framework || !y->kind || !y->series || !y->date || !y->place || !y->sources)
                rc = VS_ERR_DB;
            for (size_t k = 0; k < x->n && rc == VS_OK; k++)
                if (!(y->sources[y->nsources++] = xstrdup(x->src[k].id)))
                    rc = VS_ERR_DB;
            if (rc == VS_OK && (value_conflicts(x, y, 1) || value_conflicts(x, y, 0)))
                rc = VS_ERR_DB;
        }
        if (rc == VS_OK && order_conflicts(&ev, ms))
            rc = VS_ERR_DB;
        out->items = ms;
        out->n = ms ? ev.n : 0;
        if (rc != VS_OK)
            snprintf(err, cap, "%s", _("out of memory listing the meetings"));
    }
    events_free(&ev);
    if (rc != VS_OK) {
        vs_meetings_free(out);
        return rc;
    }
    /* the filters, once the conflicts are known (an order conflict may name an event filtered out) */
    size_t kept = 0;
    for (size_t i = 0; i < out->n; i++) {
        vs_meeting *y = &out->items[i];
        int keep = 1;
        if (nframeworks) {
            keep = 0;
            for (size_t k = 0; k < nframeworks; k++)
                keep |= strcasecmp(frameworks[k], y->framework) == 0;
        }
        if (keep && (from || to))
            keep = y->date_from && (!from || y->date_to >= lo) && (!to || y->date_from <= hi);
        if (!keep)
            meeting_clear(y);
        else if (kept != i) {
            out->items[kept] = *y;
            memset(y, 0, sizeof *y);
        }
        kept += keep;
    }
    out->n = kept;
    return VS_OK;
}

void vs_meetings_free(vs_meetings *m)
{
    for (size_t i = 0; i < m->n; i++)
        meeting_clear(&m->items[i]);
    free(m->items);
    memset(m, 0, sizeof *m);
}
