/*
 * docview (see docview.h): what an analyst reads when a hit is in a Word,
 * OpenDocument, HTML, RTF, .doc or text file, without the program that
 * wrote it.  The file goes through the same reader that indexed it (so the
 * blocks, their ordinals and lines are the ones the passage ids count), and
 * every block becomes one escaped element: headings as <h2>..<h6> (and a
 * table of contents), paragraphs, list items, table cells in <table>s,
 * notes after the text that cites them.  No script and no markup of the
 * file's own reaches the page.
 */
#include "docview.h"

#include <string.h>

#include "output.h"
#include "readers.h"

/* s escaped for HTML text and attribute values; C0 controls but tab and
 * newline dropped. */
static void html_text(strbuf *b, const char *s, size_t len)
{
    size_t run = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *esc;
        switch (c) {
        case '&': esc = "&amp;"; break;
        case '<': esc = "&lt;"; break;
        case '>': esc = "&gt;"; break;
        case '"': esc = "&quot;"; break;
        case '\'': esc = "&#39;"; break;
        default: esc = c < 0x20 && c != '\t' && c != '\n' ? "" : NULL;
        }
        if (!esc)
            continue;
        sb_append(b, s + run, i - run);
        sb_puts(b, esc);
        run = i + 1;
    }
    sb_append(b, s + run, len - run);
}

static void html_str(strbuf *b, const char *s)
{
    html_text(b, s, strlen(s));
}

/* 1 if block k is part of the passage (lines of a .txt, else ordinals). */
static int in_passage(const rd_document *d, const rd_block *k, long first, long last)
{
    if (first <= 0)
        return 0;
    if (d->format == RD_FORMAT_TXT) {
        long a = (long)k->line, z = (long)(k->end_line ? k->end_line : k->line);
        return a > 0 && a <= last && z >= first;
    }
    return (long)k->ordinal >= first && (long)k->ordinal <= last;
}

static const char STYLE[] =
    "body{margin:0;font:16px/1.6 'Noto Sans','Noto Serif','DejaVu Sans',Arial,sans-serif;color:#1b1f24;"
    "background:#fff}"
    "header{padding:.8em 1.2em;border-bottom:1px solid #d0d7de;background:#f6f8fa}"
    "header h1{font-size:1.1em;margin:0 0 .3em;overflow-wrap:anywhere}"
    ".wrap{display:flex;gap:2em;padding:1em 1.2em;align-items:flex-start}"
    "nav{flex:0 0 16em;position:sticky;top:0;max-height:100vh;overflow:auto;font-size:.9em}"
    "nav ol{list-style:none;padding:0;margin:0}nav li{margin:.2em 0}"
    "nav .l2{padding-left:1em}nav .l3{padding-left:2em}nav .l4,nav .l5,nav .l6{padding-left:3em}"
    "main{flex:1;min-width:0;max-width:48em}"
    "main h2,main h3,main h4,main h5,main h6{margin:1.2em 0 .4em}"
    ".li{margin:.2em 0 .2em 1.5em}.note{font-size:.9em;color:#444}"
    "table{border-collapse:collapse;margin:.6em 0}td{border:1px solid #d0d7de;padding:.2em .5em;"
    "vertical-align:top}"
    ".hit{background:#fff3b0;outline:2px solid #e0b000}#hit{display:block;height:0;scroll-margin-top:2em}"
    "@media (max-width:700px){.wrap{display:block}nav{position:static;max-height:none;margin-bottom:1em}}";

int docview_html(strbuf *out, const char *name, const char *data, size_t len, long first, long last, char *err,
                 size_t cap)
{
    rd_document *d = NULL;
    int rc = rd_read(NULL, data, len, rd_format_of(name), NULL, &d, err, cap);
    if (rc != RD_OK)
        return -1;
    sb_puts(out, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
                 "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>");
    html_str(out, name);
    sb_printf(out, "</title><style>%s</style></head>\n<body><header><h1>", STYLE);
    html_str(out, name);
    sb_puts(out, "</h1><a id=\"download\" href=\"/document?file=");
    out_url_value(out, name);
    sb_puts(out, "\">Tệp gốc · Original file</a></header>\n<div class=\"wrap\">");

    size_t nheadings = 0;
    for (size_t i = 0; i < d->count; i++)
        nheadings += d->blocks[i].kind == RD_HEADING && d->blocks[i].len > 0;
    if (nheadings) {
        sb_puts(out, "<nav id=\"toc\"><ol>");
        for (size_t i = 0; i < d->count; i++) {
            const rd_block *k = &d->blocks[i];
            if (k->kind != RD_HEADING || !k->len)
                continue;
            int level = k->level < 1 ? 1 : k->level > 6 ? 6 : k->level;
            sb_printf(out, "<li class=\"l%d\"><a href=\"#b%zu\">", level, k->ordinal);
            html_text(out, k->text, k->len);
            sb_puts(out, "</a></li>");
        }
        sb_puts(out, "</ol></nav>\n");
    }
    sb_puts(out, "<main>\n");
    unsigned table = 0; /* the table open, 0 for none */
    int row_open = 0, hit_anchored = 0;
    for (size_t i = 0; i < d->count; i++) {
        const rd_block *k = &d->blocks[i];
        if (table && (k->kind != RD_TABLE_CELL || k->table != table)) {
            sb_puts(out, row_open ? "</tr></table>\n" : "</table>\n");
            table = 0;
            row_open = 0;
        }
        int hit = in_passage(d, k, first, last);
        /* the anchor of the block: its ordinal */
        char attrs[96];
        if (k->kind == RD_NOTE) /* a note has the ordinal of the block citing it */
            snprintf(attrs, sizeof attrs, " id=\"b%zu-%s%d\"%s", k->ordinal, k->endnote ? "e" : "n", k->note,
                     hit ? " class=\"hit\"" : "");
        else
            snprintf(attrs, sizeof attrs, " id=\"b%zu\"%s", k->ordinal, hit ? " class=\"hit\"" : "");
        if (hit && !hit_anchored) {
            sb_puts(out, "<a id=\"hit\"></a>");
            hit_anchored = 1;
        }
        switch (k->kind) {
        case RD_HEADING: {
            int h = k->level < 1 ? 2 : k->level > 4 ? 6 : k->level + 1; /* the file's name is the <h1> */
            sb_printf(out, "<h%d%s>", h, attrs);
            html_text(out, k->text, k->len);
            sb_printf(out, "</h%d>\n", h);
            break;
        }
        case RD_LIST_ITEM:
            sb_printf(out, "<p%s data-level=\"%d\"><span class=\"li\">• ", attrs, k->level);
            html_text(out, k->text, k->len);
            sb_puts(out, "</span></p>\n");
            break;
        case RD_TABLE_CELL:
            if (!table) {
                sb_puts(out, "<table>");
                table = k->table;
            }
            if (!row_open) {
                sb_puts(out, "<tr>");
                row_open = 1;
            }
            sb_printf(out, "<td%s>", attrs);
            html_text(out, k->text, k->len);
            sb_puts(out, "</td>");
            if (k->row_end) {
                sb_puts(out, "</tr>\n");
                row_open = 0;
            }
            break;
        case RD_NOTE:
            sb_printf(out, "<p%s><span class=\"note\"><sup>%d</sup> ", attrs, k->note);
            html_text(out, k->text, k->len);
            sb_puts(out, "</span></p>\n");
            break;
        case RD_BREAK:
            sb_puts(out, "<hr>\n");
            break;
        default:
            sb_printf(out, "<p%s>", attrs);
            html_text(out, k->text, k->len);
            sb_puts(out, "</p>\n");
        }
    }
    if (table)
        sb_puts(out, row_open ? "</tr></table>\n" : "</table>\n");
    sb_puts(out, "</main></div></body></html>\n");
    rd_document_free(d);
    return 0;
}
