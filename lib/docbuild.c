/*
 * One file's text -> Xapian documents: split into passages, tag frameworks
 * and dates, and turn every passage into terms, values and a stored record
 * (see schema.h for the terms and why).
 */
#include "docbuild.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dates.h"
#include "frameworks.h"
#include "passage.h"
#include "readers.h"
#include "schema.h"
#include "vnsearch.h"
#include "vntext.h"

#define MAX_DATES 64

struct vs_docbuilder {
    const alias_table *aliases;
    vn_tokenizer *tok;
    xc_doc *doc;
    strbuf term, data, scratch;
    FILE *dump;
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

static void dump_record(FILE *out, const record *r)
{
    const char *fields[] = {r->id,   r->fw,    r->fws,     r->dates, r->section,
                            r->heading, r->where, r->notes, r->note_of, r->text};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        if (i)
            fputc('\t', out);
        dump_field(out, fields[i]);
    }
    fputc('\n', out);
}

vs_docbuilder *vs_docbuilder_new(const vs_tables *t)
{
    vs_docbuilder *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    b->aliases = t->table;
    b->tok = vn_tokenizer_new();
    if (!b->tok || xc_doc_new(&b->doc) != XC_OK) {
        vs_docbuilder_free(b);
        return NULL;
    }
    return b;
}

void vs_docbuilder_free(vs_docbuilder *b)
{
    if (!b)
        return;
    vn_tokenizer_free(b->tok);
    xc_doc_free(b->doc);
    sb_free(&b->term);
    sb_free(&b->data);
    sb_free(&b->scratch);
    free(b);
}

/* A key worth an exact term: it has marks, or letters that could carry them
 * (so --exact can tell "hoa" from "hòa").  Pure numbers and consonant-only
 * acronyms need none: their folded term is exact already. */
static int wants_exact(const vn_token *t)
{
    if (t->exact_len != t->folded_len || memcmp(t->exact, t->folded, t->exact_len) != 0)
        return 1;
    for (size_t i = 0; i < t->folded_len; i++)
        if (strchr("aeiouyd", t->folded[i]) && t->folded[i])
            return 1;
    return 0;
}

/* prefix + value as a term: boolean (wdf 0, filters only) when count is 0,
 * else ranking with wdf = count (how often the passage names it). */
static int add_prefixed(vs_docbuilder *b, const char *prefix, const char *value, unsigned count)
{
    sb_reset(&b->term);
    sb_puts(&b->term, prefix);
    sb_puts(&b->term, value);
    if (b->term.failed)
        return XC_ERR_NOMEM;
    if (b->term.len > TERM_MAX)
        return XC_OK;
    return count ? xc_doc_add_term(b->doc, b->term.s, b->term.len, count)
                 : xc_doc_add_boolean_term(b->doc, b->term.s, b->term.len);
}

static int add_bool(vs_docbuilder *b, const char *prefix, const char *value)
{
    return add_prefixed(b, prefix, value, 0);
}

static int add_text_terms(vs_docbuilder *b, const char *text, size_t len, vs_build_stats *st)
{
    vn_tokenizer_reset(b->tok, text, len, 1);
    vn_token t;
    int rc = XC_OK;
    while (rc == XC_OK && vn_tokenizer_next(b->tok, &t)) {
        if (t.folded_len > TERM_MAX)
            continue;
        rc = xc_doc_add_posting(b->doc, t.folded, t.folded_len, t.pos);
        st->terms++;
        if (rc == XC_OK && wants_exact(&t) && t.exact_len + 2 <= TERM_MAX) {
            sb_reset(&b->term);
            sb_puts(&b->term, PREFIX_EXACT);
            sb_append(&b->term, t.exact, t.exact_len);
            rc = b->term.failed ? XC_ERR_NOMEM : xc_doc_add_term(b->doc, b->term.s, b->term.len, 1);
        }
    }
    return rc;
}

static int cmp_unsigned(const void *a, const void *b)
{
    unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;
    return x < y ? -1 : x > y;
}

static int add_date_terms(vs_docbuilder *b, const date_span *d, size_t n)
{
    char v[32];
    int rc = XC_OK;
    unsigned years[MAX_DATES * 2];
    size_t nyears = 0;
    uint32_t first = 0, last = 0;
    for (size_t i = 0; i < n && rc == XC_OK; i++) {
        if (!first || d[i].from < first)
            first = d[i].from;
        if (d[i].to > last)
            last = d[i].to;
        if (d[i].precision == DATE_PERIOD) {
            snprintf(v, sizeof v, "%04u%04u", d[i].from / 10000, d[i].to / 10000);
            rc = add_bool(b, PREFIX_PERIOD, v);
            continue;
        }
        /* a day range may cross a year end (30/12 - 2/1) */
        for (unsigned y = d[i].from / 10000; y <= d[i].to / 10000 && rc == XC_OK; y++) {
            snprintf(v, sizeof v, "%04u", y);
            rc = add_bool(b, PREFIX_YEAR, v);
            if (nyears < sizeof years / sizeof years[0])
                years[nyears++] = y;
        }
        if (d[i].precision == DATE_YEAR)
            continue;
        for (uint32_t m = d[i].from / 100; m <= d[i].to / 100 && rc == XC_OK;) {
            snprintf(v, sizeof v, "%06u", m);
            rc = add_bool(b, PREFIX_MONTH, v);
            m = (m % 100 == 12) ? (m / 100 + 1) * 100 + 1 : m + 1;
        }
        if (d[i].precision != DATE_DAY)
            continue;
        /* day ranges are short; the cap only guards odd input */
        for (uint32_t day = d[i].from, steps = 0; day <= d[i].to && rc == XC_OK && steps < 62; steps++) {
            snprintf(v, sizeof v, "%08u", day);
            rc = add_bool(b, PREFIX_DAY, v);
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
    if (rc == XC_OK && n > 0) {
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
    if (!tags || framework_tag(b->aliases, &pl, tags) != 0) {
        snprintf(err, errcap, "out of memory tagging frameworks");
        rc = XC_ERR_NOMEM;
    }
    char fileterm[TERM_MAX + 1], idterm[TERM_MAX + 1];
    size_t ftlen;
    docbuild_file_term(name, fileterm, sizeof fileterm, &ftlen);
    strbuf id = STRBUF_INIT, fws = STRBUF_INIT, dates = STRBUF_INIT, notes = STRBUF_INIT, note_of = STRBUF_INIT;
    for (size_t i = 0; i < pl.count && rc == XC_OK; i++) {
        const passage *p = &pl.items[i];
        sb_reset(&id);
        sb_reset(&fws);
        sb_reset(&dates);
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

        rc = xc_doc_clear(b->doc);
        if (rc == XC_OK)
            rc = add_text_terms(b, p->text, p->text_len, stats);
        if (rc == XC_OK) {
            size_t il = schema_term(PREFIX_ID, id.s ? id.s : "", idterm, sizeof idterm);
            rc = xc_doc_add_boolean_term(b->doc, idterm, il);
        }
        if (rc == XC_OK)
            rc = xc_doc_add_boolean_term(b->doc, fileterm, ftlen);
        const char *code = tags[i].primary >= 0 ? alias_framework_code(b->aliases, (size_t)tags[i].primary) : "";
        if (rc == XC_OK && *code) {
            rc = add_bool(b, PREFIX_FRAMEWORK, code);
            if (rc == XC_OK)
                rc = xc_doc_set_value(b->doc, SLOT_FRAMEWORK, code, strlen(code));
        }
        for (size_t f = 0; f < nfw && rc == XC_OK; f++) {
            if (!tags[i].mentions[f])
                continue;
            const char *c = alias_framework_code(b->aliases, f);
            rc = add_prefixed(b, PREFIX_MENTION, c, tags[i].mentions[f]);
            if (fws.len)
                sb_putc(&fws, ' ');
            sb_puts(&fws, c);
        }
        for (size_t g = 0; g < alias_group_count(b->aliases) && rc == XC_OK; g++)
            if (tags[i].groups[g])
                rc = add_prefixed(b, PREFIX_ALIAS, alias_group_key(b->aliases, g), tags[i].groups[g]);
        date_span ds[MAX_DATES];
        size_t nd = date_parse(p->text, p->text_len, ds, MAX_DATES);
        if (nd > MAX_DATES)
            nd = MAX_DATES;
        for (size_t k = 0; k < nd; k++) {
            char iso[48];
            date_iso(&ds[k], iso, sizeof iso);
            if (dates.len)
                sb_putc(&dates, ' ');
            sb_puts(&dates, iso);
        }
        if (rc == XC_OK)
            rc = add_date_terms(b, ds, nd);

        /* A section with no heading of its own is named after its framework. */
        const char *section = p->section < pl.section_count ? pl.sections[p->section].title : NULL;
        if (tags[i].untitled)
            section = tags[i].primary >= 0 ? alias_framework_name(b->aliases, (size_t)tags[i].primary, 0) : NULL;
        const char *heading = tags[i].stale_heading ? NULL : p->heading;
        record r = {
            .id = id.s, .file = (char *)name, .line = (long)p->line, .end_line = (long)p->end_line,
            .page = (long)p->page, .where = p->where,
            .section = (char *)section, .heading = (char *)heading, .fw = (char *)code, .fws = fws.s,
            .dates = dates.s, .notes = notes.s, .note_of = note_of.s, .text = p->text,
        };
        if (b->dump) {
            dump_record(b->dump, &r);
            stats->passages++;
            continue;
        }
        sb_reset(&b->data);
        record_encode(&r, &b->data);
        if (b->data.failed || id.failed || fws.failed || dates.failed || notes.failed || note_of.failed)
            rc = XC_ERR_NOMEM;
        if (rc == XC_OK)
            rc = xc_doc_set_data(b->doc, b->data.s, b->data.len);
        if (rc == XC_OK)
            rc = xc_wdb_add_document(vs_part_wdb(parts[docbuild_shard_of(id.s, nparts)]), b->doc, NULL);
        if (rc != XC_OK)
            snprintf(err, errcap, "%s", rc == XC_ERR_NOMEM ? "out of memory" : xc_errmsg());
        else
            stats->passages++;
    }
    sb_free(&id);
    sb_free(&fws);
    sb_free(&dates);
    sb_free(&notes);
    sb_free(&note_of);
    if (tags)
        framework_tags_free(tags, pl.count);
    free(tags);
    passage_list_free(&pl);
    return rc == XC_OK ? 0 : -1;
}
