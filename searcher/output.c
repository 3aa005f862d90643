/*
 * Output formats (see output.h).
 */
#include "output.h"

#include <libintl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HL_ON "\033[1;33m"
#define HL_OFF "\033[0m"
/* the text format's words (the other formats are read by programs: English) */
#define _(s) gettext(s)

const char *out_match_name(int match)
{
    return match == VS_MATCH_EXACT ? "exact" : match == VS_MATCH_MARKS ? "marks" : "some";
}

int out_format_parse(const char *s)
{
    if (!strcmp(s, "text"))
        return OUT_TEXT;
    if (!strcmp(s, "json"))
        return OUT_JSON;
    if (!strcmp(s, "tsv"))
        return OUT_TSV;
    if (!strcmp(s, "csv"))
        return OUT_CSV;
    if (!strcmp(s, "trec"))
        return OUT_TREC;
    return -1;
}

void out_json_string(strbuf *b, const char *s, size_t len)
{
    sb_putc(b, '"');
    size_t run = 0; /* start of the pending run of bytes that need no escape */
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *esc = NULL;
        char buf[8];
        size_t skip = 0;
        switch (c) {
        case '"': esc = "\\\""; break;
        case '\\': esc = "\\\\"; break;
        case '\n': esc = "\\n"; break;
        case '\r': esc = "\\r"; break;
        case '\t': esc = "\\t"; break;
        default:
            if (c < 0x20 || c == 0x7f) {
                snprintf(buf, sizeof buf, "\\u%04x", c);
                esc = buf;
            } else if (c == 0xC2 && i + 1 < len && (unsigned char)s[i + 1] >= 0x80 &&
                       (unsigned char)s[i + 1] <= 0x9f) {
                /* C1 controls: U+0085 ends a line for many a JSON-lines reader */
                snprintf(buf, sizeof buf, "\\u%04x", (unsigned char)s[i + 1]);
                esc = buf;
                skip = 1;
            } else if (c == 0xE2 && i + 2 < len && (unsigned char)s[i + 1] == 0x80 &&
                       ((unsigned char)s[i + 2] == 0xA8 || (unsigned char)s[i + 2] == 0xA9)) {
                /* U+2028/U+2029 are valid JSON but end a line in JavaScript */
                snprintf(buf, sizeof buf, "\\u%04x", 0x2028 + ((unsigned char)s[i + 2] - 0xA8));
                esc = buf;
                skip = 2;
            }
        }
        if (!esc)
            continue;
        sb_append(b, s + run, i - run);
        sb_puts(b, esc);
        i += skip;
        run = i + 1;
    }
    sb_append(b, s + run, len - run);
    sb_putc(b, '"');
}

static void json_str(strbuf *b, const char *s)
{
    out_json_string(b, s ? s : "", s ? strlen(s) : 0);
}

/* A file name or passage id: by vs_escape()'s rule (backslashes doubled,
 * bytes that are not UTF-8 as \xNN), so that the JSON is valid whatever
 * bytes the name holds, and the id reads back (--like, /api/passage). */
static void json_ident(strbuf *b, const char *s, size_t len)
{
    strbuf e = STRBUF_INIT;
    vs_escape(&e, s ? s : "", s ? len : 0, VS_ESC_BACKSLASH);
    out_json_string(b, e.len ? e.s : "", e.len);
    b->failed |= e.failed;
    sb_free(&e);
}

static void json_id(strbuf *b, const char *s)
{
    json_ident(b, s, s ? strlen(s) : 0);
}

/* A space-separated list as a JSON array, each item written by `item`. */
static void json_items(strbuf *b, const char *list, void (*item)(strbuf *, const char *, size_t))
{
    sb_putc(b, '[');
    int first = 1;
    for (const char *p = list; p && *p;) {
        while (*p == ' ')
            p++;
        const char *e = strchr(p, ' ');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n) {
            if (!first)
                sb_putc(b, ',');
            item(b, p, n);
            first = 0;
        }
        p += n;
    }
    sb_putc(b, ']');
}

/* A space-separated list of ids as a JSON array (ids escaped: json_ident). */
static void json_id_list(strbuf *b, const char *list)
{
    json_items(b, list, json_ident);
}

/* A space-separated list as a JSON array of strings. */
static void json_list(strbuf *b, const char *list)
{
    json_items(b, list, out_json_string);
}

/* Code point offset of byte `off` in s. */
static size_t cp_offset(const char *s, size_t off)
{
    size_t c = 0;
    for (size_t i = 0; i < off && s[i]; i++)
        c += ((unsigned char)s[i] & 0xC0) != 0x80;
    return c;
}

static void json_spans(strbuf *b, const char *text, const vs_span *sp, size_t n)
{
    sb_putc(b, '[');
    for (size_t i = 0; i < n; i++)
        sb_printf(b, "%s[%zu,%zu]", i ? "," : "", cp_offset(text, sp[i].start), cp_offset(text, sp[i].end));
    sb_putc(b, ']');
}

/* Set once by vnsearch serve, before any thread writes JSON: records carry
 * the server paths of their file (out_json_document_urls). */
static int document_urls;

void out_json_document_urls(int on)
{
    document_urls = on;
}

void out_url_value(strbuf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-' ||
            *p == '.' || *p == '_' || *p == '~') {
            sb_putc(b, (char)*p);
        } else {
            sb_putc(b, '%');
            sb_putc(b, hex[*p >> 4]);
            sb_putc(b, hex[*p & 15]);
        }
    }
}

/* "document_url": the file itself (a PDF at the passage's page), and
 * "view_url": the file as a page of its text, at the passage; both paths
 * on the server, and never anything JSON needs to escape. */
static void json_document_urls(strbuf *b, const record *r)
{
    sb_puts(b, ",\"document_url\":\"/document?file=");
    out_url_value(b, r->file);
    if (r->page > 0)
        sb_printf(b, "#page=%ld", r->page);
    sb_puts(b, "\",\"view_url\":\"/document?view=html&id=");
    out_url_value(b, r->id);
    sb_puts(b, "#hit\"");
}

/* Which passage and where: "kind" (a heading), "id", "file", "line",
 * "end_line", "page" (PDF), "where" and "framework", for a hit and the
 * passages around one alike. */
static void json_place(strbuf *b, const record *r)
{
    if (r->is_heading)
        sb_puts(b, "\"kind\":\"heading\",");
    sb_puts(b, "\"id\":");
    json_id(b, r->id);
    sb_puts(b, ",\"file\":");
    json_id(b, r->file);
    sb_printf(b, ",\"line\":%ld,\"end_line\":%ld,", r->line, r->end_line);
    if (r->page > 0)
        sb_printf(b, "\"page\":%ld,", r->page);
    if (r->ocr) /* read from a scan: its words may be misread */
        sb_printf(b, "\"ocr\":true,\"ocr_confidence\":%d,", r->ocr_confidence);
    sb_puts(b, "\"where\":");
    json_str(b, r->where);
    sb_puts(b, ",\"framework\":");
    json_str(b, r->fw);
    if (document_urls)
        json_document_urls(b, r);
}

/* Passages around a hit (--context, /api/passage): where each is, its
 * framework, dates, headings and text. */
static void json_records(strbuf *b, const record *r, size_t n, size_t stride)
{
    sb_putc(b, '[');
    for (size_t i = 0; i < n; i++) {
        const record *x = (const record *)((const char *)r + i * stride);
        sb_puts(b, i ? ",{" : "{");
        json_place(b, x);
        sb_puts(b, ",\"dates\":");
        json_list(b, x->dates);
        sb_puts(b, ",\"section\":");
        json_str(b, x->section);
        sb_puts(b, ",\"heading\":");
        json_str(b, x->heading);
        sb_puts(b, ",\"text\":");
        json_str(b, x->text);
        sb_putc(b, '}');
    }
    sb_putc(b, ']');
}

void out_json_passages(strbuf *b, const vs_result *r, size_t focus)
{
    sb_printf(b, "{\"focus\":%zu,\"passages\":", focus);
    json_records(b, &r->hits[0].rec, r->nhits, sizeof r->hits[0]);
    sb_putc(b, '}');
}

static void json_hit(strbuf *b, const vs_hit *h, const char *qid, int grouped)
{
    const record *r = &h->rec;
    sb_putc(b, '{');
    if (qid) {
        sb_puts(b, "\"query_id\":");
        json_str(b, qid);
        sb_putc(b, ',');
    }
    sb_printf(b, "\"rank\":%u,\"score\":%.4f,\"match\":\"%s\",", h->rank, h->score, out_match_name(h->match));
    json_place(b, r);
    sb_puts(b, ",\"frameworks\":");
    json_list(b, r->fws);
    sb_puts(b, ",\"dates\":");
    json_list(b, r->dates);
    if (*r->hdates) { /* the dates of the passage it continues */
        sb_puts(b, ",\"inherited_dates\":");
        json_list(b, r->hdates);
        sb_puts(b, ",\"dates_from\":");
        json_id(b, r->hdates_from);
    }
    sb_puts(b, ",\"section\":");
    json_str(b, r->section);
    sb_puts(b, ",\"heading\":");
    json_str(b, r->heading);
    sb_puts(b, ",\"text\":");
    json_str(b, r->text);
    sb_puts(b, ",\"snippet\":");
    json_str(b, h->snippet);
    sb_puts(b, ",\"highlights\":");
    json_spans(b, h->snippet, h->spans, h->nspans);
    sb_puts(b, ",\"text_highlights\":");
    json_spans(b, r->text, h->text_spans, h->ntext_spans);
    if (*r->notes) {
        sb_puts(b, ",\"notes\":");
        json_id_list(b, r->notes);
    }
    if (*r->note_of) {
        sb_puts(b, ",\"note_of\":");
        json_id(b, r->note_of);
    }
    if (h->copies) { /* the same words elsewhere, shown once */
        sb_printf(b, ",\"copies\":%u,\"also\":[", h->copies);
        for (size_t i = 0; i < h->nalso; i++) {
            if (i)
                sb_putc(b, ',');
            json_id(b, h->also[i]);
        }
        sb_putc(b, ']');
    }
    if (grouped) /* a file once: how many more of its passages match */
        sb_printf(b, ",\"more_in_file\":%u", h->more_in_file);
    if (h->nbefore || h->nafter) {
        sb_puts(b, ",\"before\":");
        json_records(b, h->before, h->nbefore, sizeof *h->before);
        sb_puts(b, ",\"after\":");
        json_records(b, h->after, h->nafter, sizeof *h->after);
    }
    sb_putc(b, '}');
}

static void json_counts(strbuf *b, const vs_count *c, size_t n)
{
    sb_putc(b, '{');
    for (size_t i = 0; i < n; i++) {
        if (i)
            sb_putc(b, ',');
        json_str(b, c[i].value);
        sb_printf(b, ":%u", c[i].count);
    }
    sb_putc(b, '}');
}

static void json_restorations(strbuf *b, const vs_result *r)
{
    sb_putc(b, '{');
    for (size_t i = 0; i < r->nrestorations; i++) {
        if (i)
            sb_putc(b, ',');
        json_str(b, r->restorations[i].typed);
        sb_putc(b, ':');
        sb_putc(b, '[');
        for (size_t k = 0; k < r->restorations[i].nforms; k++) {
            sb_puts(b, k ? ",{\"form\":" : "{\"form\":");
            json_str(b, r->restorations[i].forms[k].value);
            sb_printf(b, ",\"passages\":%u}", r->restorations[i].forms[k].count);
        }
        sb_putc(b, ']');
    }
    sb_putc(b, '}');
}

/* "did you mean" and the words that matched nothing */
static void json_suggestion(strbuf *b, const vs_result *r)
{
    sb_puts(b, ",\"suggestion\":");
    if (r->suggestion) {
        sb_puts(b, "{\"query\":");
        json_str(b, r->suggestion);
        sb_printf(b, ",\"passages\":%u}", r->suggestion_passages);
    } else {
        sb_puts(b, "null");
    }
    sb_puts(b, ",\"unmatched\":[");
    for (size_t i = 0; i < r->nunmatched; i++) {
        if (i)
            sb_putc(b, ',');
        json_str(b, r->unmatched[i]);
    }
    sb_putc(b, ']');
}

void out_json_object(strbuf *b, const vs_result *r)
{
    sb_printf(b, "{\"matches\":%u,\"matches_exact\":%s,", r->matches, r->matches_exact ? "true" : "false");
    if (r->grouped) /* the matches are files */
        sb_puts(b, "\"group\":\"file\",");
    sb_puts(b, "\"hits\":[");
    for (size_t i = 0; i < r->nhits; i++) {
        if (i)
            sb_putc(b, ',');
        json_hit(b, &r->hits[i], NULL, r->grouped);
    }
    sb_puts(b, "],\"facets\":{\"framework\":");
    json_counts(b, r->frameworks, r->nframeworks);
    sb_puts(b, ",\"year\":");
    json_counts(b, r->years, r->nyears);
    sb_puts(b, "},\"restorations\":");
    json_restorations(b, r);
    json_suggestion(b, r);
    if (r->partial)
        sb_puts(b, ",\"partial\":true");
    sb_putc(b, '}');
}

/* Appends s[0..len) with its control characters made visible (a terminal
 * acts on every one of them, and a file name may hold any) and the bytes
 * that are not UTF-8 as \xNN, by vs_escape()'s rule.  `ident` also
 * doubles backslashes, so that an identifier reads back unambiguously:
 * "a\nb.txt" (a newline) is not "a\\nb.txt". */
static void visible(strbuf *b, const char *s, size_t len, int ident)
{
    vs_escape(b, s, len, ident ? VS_ESC_BACKSLASH : 0);
}

static void visible_str(strbuf *b, const char *s, int ident)
{
    if (s)
        visible(b, s, strlen(s), ident);
}

/* The snippet with its highlights marked; control characters made
 * visible (and, in TSV, backslashes doubled). */
static void marked(strbuf *b, const char *s, const vs_span *sp, size_t n, const char *on, const char *off,
                   int tsv)
{
    size_t pos = 0, len = strlen(s);
    for (size_t i = 0; i <= n; i++) {
        size_t end = i < n ? sp[i].start : len;
        visible(b, s + pos, end - pos, tsv);
        if (i == n)
            break;
        sb_puts(b, on);
        visible(b, s + sp[i].start, sp[i].end - sp[i].start, tsv);
        sb_puts(b, off);
        pos = sp[i].end;
    }
}

/* A TREC document id is one token: blanks, control characters (C1 ones
 * too) and '%' itself as %XX, so two ids never print alike. */
static void trec_id(strbuf *b, const char *id)
{
    for (; *id; id++) {
        unsigned char c = (unsigned char)*id, next = (unsigned char)id[1];
        if (c <= 0x20 || c == 0x7f || c == '%') {
            sb_printf(b, "%%%02X", c);
        } else if (c == 0xC2 && next >= 0x80 && next <= 0x9f) {
            sb_printf(b, "%%C2%%%02X", next);
            id++;
        } else {
            sb_putc(b, *id);
        }
    }
}

/* A TREC query id is one token too; ids come from the user's own query
 * file, so blanks and control characters simply become '_' (as trec_eval
 * users name topics), and an empty id is "_". */
static void trec_qid(strbuf *b, const char *qid)
{
    if (!*qid)
        sb_putc(b, '_');
    for (; *qid; qid++) {
        unsigned char c = (unsigned char)*qid;
        sb_putc(b, c <= 0x20 || c == 0x7f ? '_' : *qid);
    }
}

/* Where a passage is, as the analyst opens the file: file:line for text,
 * "file.pdf p. 12" for PDF, "file.docx › heading path" for Word, ODF and
 * HTML (a note keeps its #fnN). */
static void location(strbuf *b, const record *rec)
{
    if (!*rec->where) {
        visible_str(b, rec->id, 1);
        return;
    }
    visible_str(b, rec->file, 1);
    sb_puts(b, rec->page > 0 ? " " : " › ");
    visible_str(b, rec->where, 0);
    const char *note = strrchr(rec->id, '#');
    if (note) {
        sb_putc(b, ' ');
        visible_str(b, note, 1);
    }
    if (rec->ocr) /* read from a scan: its words may be misread */
        sb_printf(b, " [OCR %d%%]", rec->ocr_confidence);
}

/* ------------------------------------------------------------- tables */

typedef struct table {
    strbuf *b;
    out_format f;  /* OUT_TSV or OUT_CSV */
    int fields;    /* in the current row */
    strbuf cell;   /* the field being written */
} table;

static void cell_begin(table *t)
{
    if (t->fields++)
        sb_putc(t->b, t->f == OUT_CSV ? ',' : '\t');
    sb_reset(&t->cell);
}

/* What a spreadsheet could read as a formula at the start of a cell:
 * = + - @ (Excel takes each for one, LibreOffice =), a tab or carriage
 * return before them (some import them trimmed), and the full-width forms
 * ＝ ＋ － ＠ (U+FF1D, U+FF0B, U+FF0D, U+FF20), which input methods type
 * and spreadsheets may normalise to the ASCII ones. */
int out_formula_start(const char *s, size_t len)
{
    if (len == 0)
        return 0;
    unsigned char c = (unsigned char)s[0];
    if (c && strchr("=+-@\t\r", c))
        return 1;
    /* U+FF0B EF BC 8B, U+FF0D EF BC 8D, U+FF1D EF BC 9D, U+FF20 EF BC A0 */
    if (len < 3 || c != 0xEF || (unsigned char)s[1] != 0xBC)
        return 0;
    unsigned char last = (unsigned char)s[2];
    return last == 0x8B || last == 0x8D || last == 0x9D || last == 0xA0;
}

typedef enum cell_kind {
    CELL_TEXT,    /* anything from the index or the user: never a formula */
    CELL_NUMBER,  /* a number we formatted */
    CELL_OURS     /* a formula we wrote on purpose (a lone date, ="2019") */
} cell_kind;

/* Ends a field.  A text field that a spreadsheet could read as a formula
 * (out_formula_start) gets a leading apostrophe, whatever its column:
 * query ids, passage ids and file names are the user's as much as the
 * text is.  In CSV the field is then quoted (quotes doubled) unless it is
 * empty or a number; in TSV written as it is (its tabs and newlines are
 * escaped already), unless it starts with a quote, which spreadsheets take
 * for the start of a quoted field ("thu hoạch sớm" would lose its quotes,
 * "unclosed would swallow the rows after it): then it is quoted as in CSV. */
static void cell_end(table *t, cell_kind kind)
{
    if (kind == CELL_TEXT && out_formula_start(t->cell.s, t->cell.len)) {
        char *text = sb_take(&t->cell);
        sb_putc(&t->cell, '\'');
        sb_puts(&t->cell, text ? text : "");
        free(text);
    }
    const char *s = t->cell.len ? t->cell.s : "";
    int number = kind == CELL_NUMBER;
    int quote = t->f == OUT_CSV ? !number && t->cell.len > 0 : s[0] == '"';
    if (!quote) {
        sb_append(t->b, s, t->cell.len);
        return;
    }
    sb_putc(t->b, '"');
    for (size_t i = 0; i < t->cell.len; i++) {
        if (s[i] == '"')
            sb_putc(t->b, '"');
        sb_putc(t->b, s[i]);
    }
    sb_putc(t->b, '"');
}

static void row_end(table *t)
{
    sb_puts(t->b, t->f == OUT_CSV ? "\r\n" : "\n");
    t->fields = 0;
}

/* Every field has its control characters made visible and its
 * backslashes doubled, so that tabs and newlines never break a row and the
 * field reads back as it is (\\ a backslash, \t a tab, \n a newline);
 * cell_end() keeps it from being a formula. */
static void cell_text(table *t, const char *s)
{
    cell_begin(t);
    visible_str(&t->cell, s, 1);
    cell_end(t, CELL_TEXT);
}

static void cell_number(table *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void cell_number(table *t, const char *fmt, ...)
{
    char buf[64];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    cell_begin(t);
    sb_puts(&t->cell, buf);
    cell_end(t, CELL_NUMBER);
}

static void cell_empty(table *t)
{
    cell_begin(t);
    cell_end(t, CELL_NUMBER);
}

/* The dates, space-separated in the record, as "2019-11-27; 2020": a list
 * that no spreadsheet reads as a number; a lone one as ="2019" so that
 * it stays text too (2019 would be a number, 2019-11-27 a date cell, and
 * "2018 2018/2022" was read as the fraction 2018.998). */
static void cell_dates(table *t, const char *dates)
{
    cell_begin(t);
    size_t n = 0;
    for (const char *p = dates; p && *p;) {
        while (*p == ' ')
            p++;
        size_t len = strcspn(p, " ");
        if (len) {
            if (n++)
                sb_puts(&t->cell, "; ");
            visible(&t->cell, p, len, 1);
        }
        p += len;
    }
    if (n == 1) {
        char *one = sb_take(&t->cell);
        sb_printf(&t->cell, "=\"%s\"", one ? one : "");
        free(one);
        cell_end(t, CELL_OURS);
        return;
    }
    cell_end(t, CELL_TEXT);
}

void out_table_header(strbuf *b, out_format f, int batch, int group)
{
    if (f == OUT_CSV)
        sb_puts(b, "\xEF\xBB\xBF");
    if (f != OUT_TSV && f != OUT_CSV)
        return;
    static const char *const columns[] = {"query",   "hits",    "rank",    "score",   "id",    "file",
                                          "line",    "where",   "framework", "frameworks", "dates", "section",
                                          "heading", "snippet", "text",    "match",   "inherited_dates",
                                          "copies",  "also_in", "suggestion", "unmatched"};
    table t = {b, f, 0, STRBUF_INIT};
    if (batch)
        cell_text(&t, "query_id");
    for (size_t i = 0; i < sizeof columns / sizeof columns[0]; i++) {
        if (group && !strcmp(columns[i], "suggestion"))
            cell_text(&t, "more_in_file");
        cell_text(&t, columns[i]);
    }
    if (batch)
        cell_text(&t, "error");
    row_end(&t);
    sb_free(&t.cell);
}

/* The query, protected as the dates are: one made of digits and date
 * punctuation only ("2018 2018/2022", "11/2019") as ="..." so that no
 * spreadsheet reads it as a number, a date or a fraction. */
static void cell_query(table *t, const char *q)
{
    int digits = 0;
    const char *p = q;
    for (; *p && strchr("0123456789 /-.,:", *p); p++)
        digits |= *p >= '0' && *p <= '9';
    if (*p || !digits) {
        cell_text(t, q);
        return;
    }
    cell_begin(t);
    sb_printf(&t->cell, "=\"%s\"", q);
    cell_end(t, CELL_OURS);
}

/* The query's own columns, which start every row. */
static void row_start(table *t, const out_options *o)
{
    if (o->qid)
        cell_text(t, o->qid);
    cell_query(t, o->query ? o->query : "");
}

/* Empty fields from `rank` to `also_in` (to `more_in_file` grouped). */
static void passage_cells_empty(table *t, int group)
{
    for (int i = 0; i < 17 + !!group; i++)
        cell_empty(t);
}

void out_error_row(strbuf *b, const out_options *o, const char *error)
{
    if (o->format != OUT_TSV && o->format != OUT_CSV)
        return;
    table t = {b, o->format, 0, STRBUF_INIT};
    row_start(&t, o);
    cell_empty(&t); /* hits: it did not run */
    passage_cells_empty(&t, o->group);
    cell_empty(&t); /* suggestion */
    cell_empty(&t); /* unmatched */
    cell_text(&t, error);
    row_end(&t);
    sb_free(&t.cell);
}

/* What the query as a whole got, on each of its rows: did you mean, and
 * the words no passage holds ("; " between them). */
static void query_cells(table *t, const vs_result *r)
{
    cell_text(t, r->suggestion ? r->suggestion : "");
    cell_begin(t);
    for (size_t i = 0; i < r->nunmatched; i++) {
        sb_puts(&t->cell, i ? "; " : "");
        visible_str(&t->cell, r->unmatched[i], 1);
    }
    cell_end(t, CELL_TEXT); /* a formula's start gets its apostrophe there */
}

static void table_result(strbuf *b, const vs_result *r, const out_options *o)
{
    table t = {b, o->format, 0, STRBUF_INIT};
    for (size_t i = 0; i < r->nhits || (i == 0 && r->nhits == 0); i++) {
        row_start(&t, o);
        cell_number(&t, "%u", r->matches);
        if (r->nhits == 0) {
            passage_cells_empty(&t, o->group);
        } else {
            const vs_hit *h = &r->hits[i];
            const record *rec = &h->rec;
            cell_number(&t, "%u", h->rank);
            cell_number(&t, "%.4f", h->score);
            cell_text(&t, rec->id);
            cell_text(&t, rec->file);
            cell_number(&t, "%ld", rec->line);
            cell_text(&t, rec->where);
            cell_text(&t, rec->fw);
            cell_text(&t, rec->fws);
            cell_dates(&t, rec->dates);
            cell_text(&t, rec->section);
            cell_text(&t, rec->heading);
            cell_begin(&t);
            marked(&t.cell, h->snippet, h->spans, h->nspans, "[", "]", 1);
            cell_end(&t, CELL_TEXT);
            cell_text(&t, rec->text);
            cell_text(&t, out_match_name(h->match));
            cell_dates(&t, rec->hdates);
            cell_number(&t, "%u", h->copies);
            cell_begin(&t);
            for (size_t k = 0; k < h->nalso; k++) {
                sb_puts(&t.cell, k ? "; " : "");
                visible_str(&t.cell, h->also[k], 1);
            }
            cell_end(&t, CELL_TEXT);
            if (o->group)
                cell_number(&t, "%u", h->more_in_file);
        }
        query_cells(&t, r);
        if (o->qid)
            cell_empty(&t); /* no error */
        row_end(&t);
    }
    sb_free(&t.cell);
}

void out_suggestion(strbuf *b, const vs_result *r)
{
    if (r->suggestion)
        sb_printf(b,
                  ngettext("did you mean: %s  (%u passage with every word)\n",
                           "did you mean: %s  (%u passages with every word)\n", r->suggestion_passages),
                  r->suggestion, r->suggestion_passages);
    if (r->nunmatched) {
        sb_puts(b, ngettext("no passage has this word: ", "no passage has these words: ", r->nunmatched));
        for (size_t i = 0; i < r->nunmatched; i++) {
            sb_puts(b, i ? ", " : "");
            visible_str(b, r->unmatched[i], 0);
        }
        sb_putc(b, '\n');
    }
}

/* The passages around a hit (--context), each under its id, with its
 * heading where it differs from the hit's. */
static void text_context(strbuf *b, const record *r, size_t n, const record *hit)
{
    for (size_t i = 0; i < n; i++) {
        sb_puts(b, "   ┆ ");
        visible_str(b, r[i].id, 1);
        const char *head = *r[i].heading ? r[i].heading : r[i].section;
        if (*head && strcmp(head, *hit->heading ? hit->heading : hit->section) != 0) {
            sb_puts(b, " · ");
            visible_str(b, head, 0);
        }
        sb_puts(b, "\n   ┆   ");
        visible_str(b, r[i].text, 0);
        sb_putc(b, '\n');
    }
}

static void text_result(strbuf *b, const vs_result *r, const out_options *o)
{
    for (size_t i = 0; i < r->nrestorations; i++) {
        const vs_restoration *rs = &r->restorations[i];
        sb_printf(b, "%s -> ", rs->typed);
        for (size_t k = 0; k < rs->nforms && k < 8; k++)
            sb_printf(b, "%s%s (%u)", k ? ", " : "", rs->forms[k].value, rs->forms[k].count);
        sb_putc(b, '\n');
    }
    /* with no hits, the command line says it on stderr (out_suggestion) */
    int suggest = r->nhits > 0 || o->qid;
    if (suggest)
        out_suggestion(b, r);
    if (r->nrestorations || (suggest && (r->suggestion || r->nunmatched)))
        sb_putc(b, '\n');
    for (size_t i = 0; i < r->nhits; i++) {
        const vs_hit *h = &r->hits[i];
        const record *rec = &h->rec;
        sb_printf(b, "%u. ", h->rank);
        if (o->color)
            sb_puts(b, "\033[1m");
        sb_printf(b, "%s", *rec->fw ? rec->fw : "-");
        if (o->color)
            sb_puts(b, HL_OFF);
        /* at most three dates, so the line stays readable; those it
         * inherits from the passage it continues marked so */
        const char *d = *rec->dates ? rec->dates : rec->hdates;
        for (int k = 0; k < 3 && d && *d; k++) {
            const char *e = strchr(d, ' ');
            size_t n = e ? (size_t)(e - d) : strlen(d);
            sb_puts(b, k ? ", " : " · ");
            sb_append(b, d, n);
            d = e ? e + 1 : NULL;
        }
        if (d && *d)
            sb_puts(b, ", …");
        if (!*rec->dates && *rec->hdates)
            sb_printf(b, " (%s)", _("inherited"));
        sb_puts(b, " · ");
        location(b, rec);
        if (!(*rec->where && rec->page <= 0) && (*rec->heading || *rec->section)) {
            /* (a heading path in `where` says it all) */
            sb_puts(b, " · ");
            visible_str(b, *rec->heading ? rec->heading : rec->section, 0);
        }
        sb_printf(b, "  (%.2f)", h->score);
        if (h->match != VS_MATCH_EXACT)
            sb_printf(b, " · %s", h->match == VS_MATCH_MARKS ? _("other marks") : _("some words"));
        if (rec->is_heading)
            sb_printf(b, " · %s", _("a heading"));
        sb_putc(b, '\n');
        text_context(b, h->before, h->nbefore, rec);
        sb_puts(b, "   ");
        marked(b, h->snippet, h->spans, h->nspans, o->color ? HL_ON : "[", o->color ? HL_OFF : "]", 0);
        sb_putc(b, '\n');
        text_context(b, h->after, h->nafter, rec);
        if (h->copies) {
            sb_printf(b, "   %s ", _("also in:"));
            for (size_t k = 0; k < h->nalso; k++) {
                sb_puts(b, k ? ", " : "");
                visible_str(b, h->also[k], 1);
            }
            if (h->copies > h->nalso)
                sb_printf(b, h->nalso ? _(" and %u more") : _("%u more"), h->copies - (uint32_t)h->nalso);
            sb_putc(b, '\n');
        }
        if (r->grouped && h->more_in_file)
            sb_printf(b, ngettext("   +%u more passage in this file\n", "   +%u more passages in this file\n", h->more_in_file),
                      h->more_in_file);
        sb_putc(b, '\n');
    }
    if (o->facets) {
        sb_puts(b, _("frameworks:"));
        for (size_t i = 0; i < r->nframeworks; i++)
            sb_printf(b, " %s (%u)", r->frameworks[i].value, r->frameworks[i].count);
        sb_putc(b, '\n');
        sb_puts(b, _("years:"));
        for (size_t i = 0; i < r->nyears; i++)
            sb_printf(b, " %s (%u)", r->years[i].value, r->years[i].count);
        sb_putc(b, '\n');
    }
}

void out_result(strbuf *b, const vs_result *r, const out_options *o)
{
    switch (o->format) {
    case OUT_TEXT:
        if (o->qid) {
            sb_puts(b, "## ");
            visible_str(b, o->qid, 1);
            sb_putc(b, '\n');
        }
        text_result(b, r, o);
        break;
    case OUT_JSON:
        for (size_t i = 0; i < r->nhits; i++) {
            json_hit(b, &r->hits[i], o->qid, r->grouped);
            sb_putc(b, '\n');
        }
        if (o->facets || r->nrestorations || r->suggestion || r->nunmatched) {
            sb_putc(b, '{');
            if (o->qid) {
                sb_puts(b, "\"query_id\":");
                json_str(b, o->qid);
                sb_putc(b, ',');
            }
            sb_printf(b, "\"matches\":%u,\"matches_exact\":%s,%s\"facets\":{\"framework\":", r->matches,
                      r->matches_exact ? "true" : "false", r->grouped ? "\"group\":\"file\"," : "");
            json_counts(b, r->frameworks, r->nframeworks);
            sb_puts(b, ",\"year\":");
            json_counts(b, r->years, r->nyears);
            sb_puts(b, "},\"restorations\":");
            json_restorations(b, r);
            json_suggestion(b, r);
            sb_puts(b, "}\n");
        }
        break;
    case OUT_TSV:
    case OUT_CSV:
        table_result(b, r, o);
        break;
    case OUT_TREC:
        for (size_t i = 0; i < r->nhits; i++) {
            trec_qid(b, o->qid ? o->qid : "1");
            sb_puts(b, " Q0 ");
            trec_id(b, r->hits[i].rec.id);
            sb_printf(b, " %u %.4f vnsearch\n", r->hits[i].rank, r->hits[i].rank_score);
        }
        break;
    }
}

/* ------------------------------------------------------------ meetings */

/* The conflicts of a meeting as one line each: "date: a: 2019-11-13; b: 2020-11-13". */
static void meeting_conflicts_line(strbuf *b, const vs_meeting *m, const char *sep)
{
    for (size_t c = 0; c < m->nconflicts; c++) {
        if (c)
            sb_puts(b, sep);
        sb_printf(b, "%s: %s", m->conflicts[c].on, m->conflicts[c].detail);
    }
}

static void meeting_json(strbuf *b, const vs_meeting *m)
{
    sb_puts(b, "{\"framework\":");
    out_json_string(b, m->framework, strlen(m->framework));
    sb_puts(b, ",\"kind\":");
    out_json_string(b, m->kind, strlen(m->kind));
    if (*m->series) {
        sb_puts(b, ",\"series\":");
        out_json_string(b, m->series, strlen(m->series));
    }
    sb_printf(b, ",\"ordinal\":%d,\"dates\":", m->ordinal);
    out_json_string(b, m->date, strlen(m->date));
    sb_puts(b, ",\"place\":");
    out_json_string(b, m->place, strlen(m->place));
    sb_puts(b, ",\"sources\":[");
    for (size_t i = 0; i < m->nsources; i++) {
        if (i)
            sb_putc(b, ',');
        out_json_string(b, m->sources[i], strlen(m->sources[i]));
    }
    sb_puts(b, "],\"conflicts\":[");
    for (size_t c = 0; c < m->nconflicts; c++) {
        const vs_conflict *k = &m->conflicts[c];
        sb_puts(b, c ? ",{\"on\":" : "{\"on\":");
        out_json_string(b, k->on, strlen(k->on));
        sb_puts(b, ",\"detail\":");
        out_json_string(b, k->detail, strlen(k->detail));
        sb_puts(b, ",\"sources\":[");
        for (size_t i = 0; i < k->nsources; i++) {
            if (i)
                sb_putc(b, ',');
            out_json_string(b, k->sources[i], strlen(k->sources[i]));
        }
        sb_puts(b, "]}");
    }
    sb_puts(b, "]}");
}

void out_meetings_json_array(strbuf *b, const vs_meetings *ms)
{
    sb_putc(b, '[');
    for (size_t i = 0; i < ms->n; i++) {
        if (i)
            sb_putc(b, ',');
        meeting_json(b, &ms->items[i]);
    }
    sb_putc(b, ']');
}

void out_meetings(strbuf *b, const vs_meetings *ms, out_format f)
{
    if (f == OUT_JSON) {
        for (size_t i = 0; i < ms->n; i++) {
            meeting_json(b, &ms->items[i]);
            sb_putc(b, '\n');
        }
        return;
    }
    if (f == OUT_TSV || f == OUT_CSV) {
        if (f == OUT_CSV)
            sb_puts(b, "\xEF\xBB\xBF");
        static const char *const columns[] = {"framework", "kind", "series",  "ordinal",
                                              "dates",     "place", "sources", "conflicts"};
        table t = {b, f, 0, STRBUF_INIT};
        for (size_t i = 0; i < sizeof columns / sizeof columns[0]; i++)
            cell_text(&t, columns[i]);
        row_end(&t);
        strbuf tmp = STRBUF_INIT;
        for (size_t i = 0; i < ms->n; i++) {
            const vs_meeting *m = &ms->items[i];
            cell_text(&t, m->framework);
            cell_text(&t, m->kind);
            cell_text(&t, m->series);
            cell_number(&t, "%d", m->ordinal);
            cell_dates(&t, m->date);
            cell_text(&t, m->place);
            sb_reset(&tmp);
            for (size_t k = 0; k < m->nsources; k++) {
                if (k)
                    sb_puts(&tmp, "; ");
                sb_puts(&tmp, m->sources[k]);
            }
            cell_text(&t, tmp.len ? tmp.s : "");
            sb_reset(&tmp);
            meeting_conflicts_line(&tmp, m, " | ");
            cell_text(&t, tmp.len ? tmp.s : "");
            row_end(&t);
        }
        sb_free(&tmp);
        sb_free(&t.cell);
        return;
    }
    /* text: a row per meeting, its sources and conflicts under it */
    for (size_t i = 0; i < ms->n; i++) {
        const vs_meeting *m = &ms->items[i];
        sb_printf(b, "%s%s%s%s %s %d  %s  ", m->framework, *m->series ? " (" : "", m->series, *m->series ? ")" : "",
                  m->kind, m->ordinal, *m->date ? m->date : _("(no date)"));
        visible_str(b, *m->place ? m->place : _("(no place)"), 0);
        if (m->nconflicts)
            sb_printf(b, ngettext("  [%zu conflict]", "  [%zu conflicts]", m->nconflicts), m->nconflicts);
        sb_printf(b, "\n    %s ", _("sources:"));
        for (size_t k = 0; k < m->nsources; k++) {
            if (k)
                sb_puts(b, ", ");
            visible_str(b, m->sources[k], 1);
        }
        sb_putc(b, '\n');
        for (size_t c = 0; c < m->nconflicts; c++) {
            const char *on = m->conflicts[c].on;
            /* TRANSLATORS: what the sources of a meeting disagree on, in "conflict (date): ..." */
            on = !strcmp(on, "date") ? _("date") : !strcmp(on, "place") ? _("place") : !strcmp(on, "order") ? _("order") : on;
            /* TRANSLATORS: %s is date, place or order, as translated above */
            sb_printf(b, _("    conflict (%s): "), on);
            visible_str(b, m->conflicts[c].detail, 0);
            sb_putc(b, '\n');
        }
    }
}
