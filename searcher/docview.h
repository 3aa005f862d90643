/*
 * docview: an indexed file as a page of its text, for vnsearch serve.
 */
#ifndef VN_DOCVIEW_H
#define VN_DOCVIEW_H

#include <stddef.h>

#include "vnsearch.h"

/* The Content-Security-Policy of the page docview_html() writes: no script,
 * nothing loaded, only its own inline style. */
#define DOCVIEW_CSP                                                                                          \
    "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; "                   \
    "frame-ancestors 'none'"

/* Appends to out an HTML page of the file `name` (its bytes data/len, as
 * vs_indexed_file_read() gives them), built from its reader's blocks: the
 * headings as a table of contents, every block anchored (#bN, N its
 * ordinal), the blocks of a passage highlighted and the first of them
 * anchored #hit.  The passage is given as the record gives it: lines
 * first..last for a .txt, block ordinals for the other formats; 0, 0 for
 * none.  Every piece of text is escaped.  Returns 0, or -1 with the
 * reader's reason in err. */
int docview_html(strbuf *out, const char *name, const char *data, size_t len, long first, long last, char *err,
                 size_t cap);

#endif
