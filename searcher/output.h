/*
 * Writing results: text for people, JSON lines, TSV for spreadsheets and
 * TREC run files for trec_eval.  Everything is appended to a strbuf, so the
 * batch runner can keep each query's output in order and the web server can
 * send it as a response.
 */
#ifndef VS_OUTPUT_H
#define VS_OUTPUT_H

#include "vnsearch.h"

typedef enum out_format { OUT_TEXT, OUT_JSON, OUT_TSV, OUT_TREC } out_format;

/* How a hit matched (VS_MATCH_*), as the outputs name it: "exact" (every
 * word, in the spelling typed), "marks" (every word, some with other
 * marks), "some" (some of the words). */
const char *out_match_name(int match);

/* Parses "text", "json", "tsv", "trec"; -1 if none of them. */
int out_format_parse(const char *s);

typedef struct out_options {
    out_format format;
    int color;       /* text: bold/colour highlights (a terminal); else [brackets] */
    int facets;      /* print facet counts */
    const char *qid; /* query id (batch), or NULL */
} out_options;

/* The header row for TSV (with a query id column in batch mode). */
void out_tsv_header(strbuf *b, int with_qid);
/* One query's results in the chosen format. */
void out_result(strbuf *b, const vs_result *r, const out_options *o);

/* A JSON string literal (escaped; invalid UTF-8 replaced). */
void out_json_string(strbuf *b, const char *s, size_t len);
/* The hits and extras of a result as one JSON object (for the web API). */
void out_json_object(strbuf *b, const vs_result *r);

#endif
