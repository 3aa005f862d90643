/*
 * .odt (OpenDocument text) -> blocks.
 *
 * Everything is in content.xml: text:h carries its outline level, text:list
 * nests, tables are table:table-row / table:table-cell, and a note is inline
 * where it is cited (text:note: its citation mark, then text:note-body),
 * so its body is collected aside and emitted right after the paragraph.
 * As in docx: tracked changes as accepted (the deleted text kept in
 * text:tracked-changes is skipped), comments and generated indexes (a table
 * of contents repeats the headings) left out.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define TEXT_NS "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
#define TABLE_NS "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
#define OFFICE_NS "urn:oasis:names:tc:opendocument:xmlns:office:1.0"

typedef struct pending_note {
    rd_buf text;
    int number, endnote;
} pending_note;

typedef struct odt {
    rd_builder *b;
    int in_body;
    int skip;            /* depth inside skipped elements */
    int p_depth;         /* text:p / text:h, nested through frames */
    int heading_level;   /* of the outermost text:h, 0 for text:p */
    int list_depth;
    int tbl_depth;
    unsigned table, row, col;
    int note_depth;      /* inside text:note-body */
    int in_citation;
    int next_footnote, next_endnote;
    pending_note *notes; /* cited in the current paragraph or cell */
    size_t nnotes, notes_cap;
    int failed;
} odt;

static int is(const char *ns, const char *want)
{
    return strcmp(ns, want) == 0;
}

static int skipped(const char *name, const char *ns)
{
    if (is(ns, TEXT_NS))
        return !strcmp(name, "tracked-changes") || !strcmp(name, "table-of-content") ||
               !strcmp(name, "illustration-index") || !strcmp(name, "alphabetical-index") ||
               !strcmp(name, "user-index") || !strcmp(name, "bibliography") || !strcmp(name, "object-index") ||
               !strcmp(name, "table-index") || !strcmp(name, "sequence-decls") ||
               !strcmp(name, "variable-decls") || !strcmp(name, "user-field-decls");
    if (is(ns, OFFICE_NS))
        return !strcmp(name, "annotation") || !strcmp(name, "forms");
    if (is(ns, TABLE_NS))
        return !strcmp(name, "covered-table-cell");
    return 0;
}

/* Text goes to the open note's body, or to the block being built. */
static void put_text(odt *o, const char *s, size_t n)
{
    if (o->in_citation)
        return; /* the note's mark ("1", "*"): not text */
    if (o->note_depth && o->nnotes)
        rd_buf_append(&o->notes[o->nnotes - 1].text, s, n);
    else
        rb_text(o->b, s, n);
}

static void emit_notes(odt *o)
{
    for (size_t i = 0; i < o->nnotes; i++) {
        rb_text(o->b, o->notes[i].text.s, o->notes[i].text.len);
        rd_block *blk = rb_end(o->b, RD_NOTE, 0);
        if (blk) {
            blk->note = o->notes[i].number;
            blk->endnote = o->notes[i].endnote;
        }
        rd_buf_free(&o->notes[i].text);
    }
    o->nnotes = 0;
}

static void start(void *ctx, const char *name, const char *ns, int nattrs, const char **attrs)
{
    odt *o = ctx;
    if (o->skip || skipped(name, ns)) {
        o->skip++;
        return;
    }
    if (is(ns, OFFICE_NS) && !strcmp(name, "text")) {
        o->in_body = 1;
        return;
    }
    if (!o->in_body)
        return;
    char v[64];
    if (is(ns, TEXT_NS)) {
        if (!strcmp(name, "p") || !strcmp(name, "h")) {
            if (o->note_depth) {
                put_text(o, " ", 1);
            } else if (o->p_depth++ == 0) {
                o->heading_level = 0;
                if (name[0] == 'h') {
                    int lv = rd_attr(nattrs, attrs, "outline-level", v, sizeof v) ? atoi(v) : 1;
                    o->heading_level = lv < 1 ? 1 : lv > 9 ? 9 : lv;
                }
            } else {
                put_text(o, " ", 1);
            }
        } else if (!strcmp(name, "s")) {
            put_text(o, " ", 1);
        } else if (!strcmp(name, "tab") || !strcmp(name, "line-break")) {
            put_text(o, " ", 1);
        } else if (!strcmp(name, "list")) {
            o->list_depth++;
        } else if (!strcmp(name, "note")) {
            int endnote = rd_attr(nattrs, attrs, "note-class", v, sizeof v) && !strcmp(v, "endnote");
            if (o->note_depth) { /* a note inside a note: its text joins the outer body */
                o->note_depth++;
                return;
            }
            if (o->nnotes == o->notes_cap) {
                size_t cap = o->notes_cap ? o->notes_cap * 2 : 8;
                pending_note *p = realloc(o->notes, cap * sizeof *p);
                if (!p) {
                    o->failed = 1;
                    o->skip++;
                    return;
                }
                o->notes = p;
                o->notes_cap = cap;
            }
            pending_note *pn = &o->notes[o->nnotes++];
            memset(pn, 0, sizeof *pn);
            pn->endnote = endnote;
            pn->number = endnote ? ++o->next_endnote : ++o->next_footnote;
            rb_cite(o->b, pn->number);
        } else if (!strcmp(name, "note-citation")) {
            o->in_citation = 1;
        } else if (!strcmp(name, "note-body")) {
            o->note_depth++;
        }
    } else if (is(ns, TABLE_NS)) {
        if (!strcmp(name, "table")) {
            if (o->tbl_depth++ == 0) {
                o->table++;
                o->row = 0;
            }
        } else if (!strcmp(name, "table-row") && o->tbl_depth == 1) {
            o->row++;
            o->col = 0;
        } else if (!strcmp(name, "table-cell") && o->tbl_depth == 1) {
            o->col++;
            o->p_depth = 0;
        }
    }
}

static void end(void *ctx, const char *name, const char *ns)
{
    odt *o = ctx;
    if (o->skip) {
        o->skip--;
        return;
    }
    if (is(ns, OFFICE_NS) && !strcmp(name, "text")) {
        o->in_body = 0;
        return;
    }
    if (!o->in_body)
        return;
    if (is(ns, TEXT_NS)) {
        if (!strcmp(name, "p") || !strcmp(name, "h")) {
            if (o->note_depth || o->p_depth == 0 || --o->p_depth > 0)
                return;
            if (o->tbl_depth) {
                rb_text(o->b, " ", 1);
                return;
            }
            if (o->heading_level)
                rb_end(o->b, RD_HEADING, o->heading_level);
            else
                rb_end(o->b, o->list_depth ? RD_LIST_ITEM : RD_PARAGRAPH, o->list_depth);
            emit_notes(o);
        } else if (!strcmp(name, "list") && o->list_depth > 0) {
            o->list_depth--;
        } else if (!strcmp(name, "note-citation")) {
            o->in_citation = 0;
        } else if (!strcmp(name, "note-body") || !strcmp(name, "note")) {
            if (!strcmp(name, "note-body") && o->note_depth > 0)
                o->note_depth--;
            else if (!strcmp(name, "note") && o->note_depth > 0) /* nested note's end */
                o->note_depth--;
        }
    } else if (is(ns, TABLE_NS)) {
        if (!strcmp(name, "table-cell") && o->tbl_depth == 1) {
            rb_end_cell(o->b, o->table, o->row, o->col);
            emit_notes(o);
        } else if (!strcmp(name, "table-row") && o->tbl_depth == 1) {
            rb_end_row(o->b, o->table, o->row);
        } else if (!strcmp(name, "table") && o->tbl_depth > 0) {
            o->tbl_depth--;
        }
    }
}

static void text(void *ctx, const char *s, size_t n)
{
    odt *o = ctx;
    if (!o->skip && o->in_body && (o->p_depth || o->note_depth || o->tbl_depth))
        put_text(o, s, n);
}

int rd_read_odt(const char *path, const char *data, size_t len, const rd_options *opt, rd_builder *b, char *err,
                size_t errcap)
{
    (void)path;
    rd_zip *z = NULL;
    int rc = rd_zip_open(data, len, &z, err, errcap);
    if (rc)
        return rc;
    if (!rd_zip_has(z, "content.xml")) {
        snprintf(err, errcap, "%s", _("no content.xml: not an OpenDocument file"));
        rd_zip_close(z);
        return RD_ERR_DAMAGED;
    }
    odt o;
    memset(&o, 0, sizeof o);
    o.b = b;
    size_t budget = opt && opt->max_bytes ? opt->max_bytes : RD_DEFAULT_MAX_BYTES;
    rd_sax sax = {start, end, text, &o};
    rc = rd_zip_parse(z, "content.xml", &sax, &budget, b, err, errcap);
    if (rc == RD_OK && o.failed)
        rc = RD_ERR_NOMEM;
    for (size_t i = 0; i < o.nnotes; i++)
        rd_buf_free(&o.notes[i].text);
    free(o.notes);
    rd_zip_close(z);
    return rc;
}
