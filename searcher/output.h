/*
 * Writing results: text for people, JSON lines, TSV for spreadsheets and
 * TREC run files for trec_eval.  Everything is appended to a strbuf, so the
 * batch runner can keep each query's output in order and the web server can
 * send it as a response.
 */
#ifndef VS_OUTPUT_H
#define VS_OUTPUT_H

#include "vnsearch.h"

typedef enum out_format { OUT_TEXT, OUT_JSON, OUT_TSV, OUT_CSV, OUT_TREC } out_format;

/* How a hit matched (VS_MATCH_*), as the outputs name it: "exact" (every
 * word, in the spelling typed), "marks" (every word, some with other
 * marks), "some" (some of the words). */
const char *out_match_name(int match);

/* Parses "text", "json", "tsv", "csv", "trec"; -1 if none of them. */
int out_format_parse(const char *s);

typedef struct out_options {
    out_format format;
    int color;       /* text: bold/colour highlights (a terminal); else [brackets] */
    int facets;      /* print facet counts */
    const char *qid; /* query id (batch), or NULL */
    const char *query; /* the query as typed: TSV and CSV have a column for it */
    int group;       /* --group file: TSV and CSV have a more_in_file column (after also_in) */
} out_options;

/* TSV and CSV are tables for spreadsheets: a header row, then one row per
 * passage found (the query, its matches, the passage's fields, its copies
 * and where they are), and one for a query that found none (its `hits` 0,
 * the passage's fields empty), so a sheet of questions has every question.
 * Batch tables start with a query_id column and end with an error column,
 * and a query that failed gets a row with its error (out_error_row()).
 * CSV is RFC 4180 (fields quoted, CRLF line ends) after a UTF-8 BOM, which
 * Excel needs to read UTF-8; in TSV only a field that starts with a quote
 * is quoted (a spreadsheet would read it as quoted).  In both, a field's
 * characters are escaped as TSV's always were (control characters
 * visible, backslashes doubled), the dates are ISO dates joined by "; ", a
 * lone date is written ="2019-11-27" so that no spreadsheet makes it a
 * number or a date cell, and any other cell that a spreadsheet could
 * read as a formula (out_formula_start) gets a leading ', whatever its
 * column (query ids, passage ids and file names included).  /api/export
 * writes its CSV through the same code. */
/* 1 if s[0..len) starts like a formula: = + - @, a tab or CR, or the
 * full-width ＝ ＋ － ＠. */
int out_formula_start(const char *s, size_t len);
/* The start of a table: the BOM (CSV) and the header row; nothing for the
 * other formats. */
void out_table_header(strbuf *b, out_format f, int batch, int group);
/* The row of a batch query that failed (TSV and CSV; nothing otherwise). */
void out_error_row(strbuf *b, const out_options *o, const char *error);
/* "did you mean: ..." and "no passage has these words: ..." as text lines
 * (text output has them above the hits; with none, vnsearch puts them on
 * stderr, after "no passages match"). */
void out_suggestion(strbuf *b, const vs_result *r);
/* One query's results in the chosen format. */
void out_result(strbuf *b, const vs_result *r, const out_options *o);

/* A JSON string literal (escaped; invalid UTF-8 replaced). */
void out_json_string(strbuf *b, const char *s, size_t len);
/* The hits and extras of a result as one JSON object (for the web API). */
void out_json_object(strbuf *b, const vs_result *r);
/* With on (vnsearch serve, once at the start): every record in the JSON of
 * out_json_object() and out_json_passages() also carries "document_url",
 * the server path of its file (/document?file=NAME, #page=N for a page of
 * a PDF), and "view_url", the path of the file's text as a page with the
 * passage marked (/document?view=html&id=ID#hit). */
void out_json_document_urls(int on);

/* s percent-encoded for a URL's query (RFC 3986: all but the unreserved). */
void out_url_value(strbuf *b, const char *s);
/* A passage in its place (vs_passage): {"focus": i, "passages": [...]},
 * each passage its id, file, place, framework, dates, headings and text. */
void out_json_passages(strbuf *b, const vs_result *r, size_t focus);

/* The meetings timeline (vnsearch --meetings): text (a line per meeting,
 * its sources and conflicts under it), JSON (an object per line: framework,
 * kind, series when it has one, ordinal, dates, place, sources, conflicts,
 * each {on, detail, sources}), or a TSV/CSV table with a row per meeting
 * (sources joined by "; ", conflicts by " | "), escaped as above. */
void out_meetings(strbuf *b, const vs_meetings *ms, out_format f);
/* The same objects as one JSON array (for the web API). */
void out_meetings_json_array(strbuf *b, const vs_meetings *ms);

#endif
