/*
 * Stored records (see schema.h).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema.h"

void schema_key_put(uint64_t key, char *out)
{
    for (int k = 0; k < 8; k++)
        out[k] = (char)(unsigned char)(key >> (56 - 8 * k));
}

uint64_t schema_key_get(const char *v)
{
    uint64_t k = 0;
    for (int b = 0; b < 8; b++)
        k = k << 8 | (unsigned char)v[b];
    return k;
}

size_t schema_term(const char *prefix, const char *value, char *out, size_t cap)
{
    size_t pl = strlen(prefix), vl = strlen(value);
    if (cap == 0)
        return 0;
    if (pl + vl <= TERM_MAX && pl + vl < cap) {
        memcpy(out, prefix, pl);
        memcpy(out + pl, value, vl + 1);
        return pl + vl;
    }
    uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a, as for the part a passage goes to */
    for (size_t i = 0; i < vl; i++) {
        h ^= (unsigned char)value[i];
        h *= 0x100000001b3ULL;
    }
    size_t keep = TERM_MAX - pl - 17; /* "#" and 16 hex digits */
    if (keep + pl + 18 > cap)
        keep = cap > pl + 18 ? cap - pl - 18 : 0;
    while (keep > 0 && ((unsigned char)value[keep] & 0xC0) == 0x80)
        keep--; /* not inside a UTF-8 sequence */
    int n = snprintf(out, cap, "%s%.*s#%016llx", prefix, (int)keep, value, (unsigned long long)h);
    return n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap - 1;
}


/* The format is one "name=value" line each.  Prose (text, heading,
 * section, where) has its line breaks made spaces, as it always had.
 * Identifiers (id, file, notes, note_of) must come back exactly, whatever
 * bytes a file name holds ("a\nb.txt" and "a b.txt" are two files): a
 * record whose identifiers hold a newline or a backslash starts with
 * ESCAPED_MARK, and all its values have "\\" for a backslash and "\n" for a
 * newline.  Every other record is written as it always was. */
#define ESCAPED_MARK "escaped=1\n"

static void field(strbuf *out, const char *name, const char *value, int escape, int prose)
{
    if (!value || !*value)
        return;
    sb_puts(out, name);
    sb_putc(out, '=');
    const char *stop = escape ? "\n\\" : "\n";
    for (const char *p = value;;) {
        size_t run = strcspn(p, stop); /* copied as a run: most values need no change */
        sb_append(out, p, run);
        p += run;
        if (!*p)
            break;
        if (*p == '\n' && (prose || !escape))
            sb_putc(out, ' ');
        else if (*p == '\n')
            sb_puts(out, "\\n");
        else
            sb_puts(out, "\\\\");
        p++;
    }
    sb_putc(out, '\n');
}

static int needs_escape(const record *r)
{
    const char *v[] = {r->id, r->file, r->notes, r->note_of, r->hdates_from};
    for (size_t i = 0; i < sizeof v / sizeof *v; i++)
        if (v[i] && strpbrk(v[i], "\\\n"))
            return 1;
    return 0;
}

void record_encode(const record *r, strbuf *out)
{
    int esc = needs_escape(r);
    if (esc)
        sb_puts(out, ESCAPED_MARK);
    field(out, "id", r->id, esc, 0);
    field(out, "file", r->file, esc, 0);
    sb_printf(out, "line=%ld\nend=%ld\n", r->line, r->end_line);
    if (r->page > 0)
        sb_printf(out, "page=%ld\n", r->page);
    if (r->ocr)
        sb_printf(out, "ocr=%d\n", r->ocr_confidence);
    if (r->is_heading)
        sb_puts(out, "kind=heading\n");
    field(out, "where", r->where, esc, 1);
    field(out, "section", r->section, esc, 1);
    field(out, "heading", r->heading, esc, 1);
    field(out, "fw", r->fw, esc, 0);
    field(out, "fws", r->fws, esc, 0);
    field(out, "dates", r->dates, esc, 0);
    field(out, "hdates", r->hdates, esc, 0);
    field(out, "hdates_from", r->hdates_from, esc, 0);
    field(out, "notes", r->notes, esc, 0);
    field(out, "note_of", r->note_of, esc, 0);
    field(out, "meetings", r->meetings, esc, 1);
    field(out, "text", r->text, esc, 1);
}

/* Undoes field()'s escapes in place. */
static void unescape(char *v)
{
    char *w = v;
    for (char *p = v; *p; p++) {
        if (*p == '\\' && (p[1] == '\\' || p[1] == 'n'))
            *w++ = *++p == 'n' ? '\n' : '\\';
        else
            *w++ = *p;
    }
    *w = '\0';
}

int record_decode(const char *data, size_t len, record *r)
{
    memset(r, 0, sizeof *r);
    r->buf_ = malloc(len + 1);
    if (!r->buf_)
        return -1;
    memcpy(r->buf_, data, len);
    r->buf_[len] = '\0';
    static char empty[] = "";
    r->id = r->file = r->section = r->heading = r->fw = r->fws = r->dates = r->notes = r->note_of = r->text = empty;
    r->where = r->hdates = r->hdates_from = r->meetings = empty;
    char *p = r->buf_, *end = r->buf_ + len;
    size_t ml = strlen(ESCAPED_MARK);
    int escaped = len >= ml && memcmp(p, ESCAPED_MARK, ml) == 0;
    while (p < end) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl)
            nl = end;
        *nl = '\0';
        char *eq = strchr(p, '=');
        if (eq) {
            *eq = '\0';
            char *v = eq + 1;
            if (escaped)
                unescape(v);
            if (!strcmp(p, "id")) r->id = v;
            else if (!strcmp(p, "file")) r->file = v;
            else if (!strcmp(p, "line")) r->line = strtol(v, NULL, 10);
            else if (!strcmp(p, "end")) r->end_line = strtol(v, NULL, 10);
            else if (!strcmp(p, "page")) r->page = strtol(v, NULL, 10);
            else if (!strcmp(p, "ocr")) r->ocr = 1, r->ocr_confidence = (int)strtol(v, NULL, 10);
            else if (!strcmp(p, "kind")) r->is_heading = !strcmp(v, "heading");
            else if (!strcmp(p, "where")) r->where = v;
            else if (!strcmp(p, "section")) r->section = v;
            else if (!strcmp(p, "heading")) r->heading = v;
            else if (!strcmp(p, "fw")) r->fw = v;
            else if (!strcmp(p, "fws")) r->fws = v;
            else if (!strcmp(p, "dates")) r->dates = v;
            else if (!strcmp(p, "hdates")) r->hdates = v;
            else if (!strcmp(p, "hdates_from")) r->hdates_from = v;
            else if (!strcmp(p, "notes")) r->notes = v;
            else if (!strcmp(p, "note_of")) r->note_of = v;
            else if (!strcmp(p, "meetings")) r->meetings = v;
            else if (!strcmp(p, "text")) r->text = v;
        }
        p = nl + 1;
    }
    return 0;
}

void record_free(record *r)
{
    free(r->buf_);
    memset(r, 0, sizeof *r);
}
