/*
 * Passage splitting: the text of one file (valid UTF-8, LF line ends, as
 * vn_decode() makes it) -> the paragraphs an analyst would cite.
 *
 * Word/PDF exports hard-wrap sentences, carry [bookmark: ...] and
 * [footnoteRef:N] markers, put footnote bodies inline as [N:  text], and
 * mark sections with capitalised headings, numbered sub-headings, lines of
 * dashes, or nothing but an indented opening paragraph.  The splitter
 * rejoins wrapped lines, strips the markers, turns each footnote body into a
 * passage of its own linked to the paragraph that cites it, and records
 * headings as context instead of passages.  It knows nothing of frameworks:
 * it reports section breaks and candidate openings, and frameworks.c decides.
 */
#ifndef VN_PASSAGE_H
#define VN_PASSAGE_H

#include <stddef.h>

/* Passages longer than this are cut at a sentence or word boundary, so one
 * giant line (a PDF export with no line breaks) stays searchable. */
#define PASSAGE_MAX_BYTES 16384

typedef struct passage {
    size_t line;      /* 1-based line of the first line */
    size_t end_line;  /* 1-based line of the last line */
    char *text;       /* markers stripped, lines joined, whitespace collapsed */
    size_t text_len;
    char *heading;    /* the sub-heading it sits under, or NULL */
    size_t section;   /* index of its section within the file */
    int opens_section; /* an indented paragraph that may open an unheaded section */
    int note;          /* footnote number if this is a footnote body, else 0 */
    long cited_by;     /* for a footnote, index of the citing passage, else -1 */
    int part;          /* 0, or 1, 2, ... for the pieces of a cut giant paragraph */
} passage;

typedef struct section_info {
    char *title;     /* the capitalised heading(s) that open it, or NULL */
    size_t line;     /* line of the title or of its first passage */
} section_info;

typedef struct passage_list {
    passage *items;
    size_t count;
    section_info *sections;
    size_t section_count;
} passage_list;

/* Splits `text` (len bytes, NUL-terminated) into passages.  Returns 0, or -1
 * on allocation failure.  Free with passage_list_free(). */
int passage_split(const char *text, size_t len, passage_list *out);
void passage_list_free(passage_list *list);

#endif
