/*
 * The search engine behind every front end (command line, batch, web):
 * one open database with its alias table, and a search call that returns
 * ranked passages with snippets, facets and accent restorations.
 *
 * An engine is used by one thread at a time; batch and web open one per
 * thread.
 */
#ifndef VS_SEARCH_H
#define VS_SEARCH_H

#include <stddef.h>
#include <stdint.h>

#include "aliases.h"
#include "schema.h"
#include "snippet.h"

typedef struct vs_engine vs_engine;

typedef struct vs_request {
    const char *query;
    char *const *frameworks;     /* --framework codes */
    size_t nframeworks;
    const char *from, *to;       /* --from / --to: YYYY, YYYY-MM or YYYY-MM-DD, or NULL */
    int exact;                   /* --exact */
    uint32_t offset, count;      /* --offset, -n */
    int facets;                  /* count frameworks and years over all matches */
    int restore;                 /* list the accented forms of words typed without marks */
    size_t snippet_chars;        /* 0 = 200 */
} vs_request;

typedef struct vs_hit {
    uint32_t rank;               /* 1-based, counting from the first result */
    double score;
    record rec;
    char *snippet;
    vs_span *spans;              /* highlights in the snippet */
    size_t nspans;
    vs_span *text_spans;         /* highlights in the whole text */
    size_t ntext_spans;
} vs_hit;

typedef struct vs_count {
    char *value;
    uint32_t count;
} vs_count;

typedef struct vs_restoration {
    char *typed;                 /* the folded word typed */
    vs_count *forms;             /* accented forms in the index, most passages first */
    size_t nforms;
} vs_restoration;

typedef struct vs_result {
    vs_hit *hits;
    size_t nhits;
    uint32_t matches;            /* estimated number of matching passages */
    vs_count *frameworks, *years;
    size_t nframeworks, nyears;
    vs_restoration *restorations;
    size_t nrestorations;
} vs_result;

enum {
    VS_OK = 0,
    VS_ERR_QUERY = 1,  /* the request is wrong: bad query, unknown framework, bad date */
    VS_ERR_DB = 2      /* the database is missing, unreadable, of another format, or a shard failed */
};

int vs_open(const char *db_path, vs_engine **out, char *err, size_t cap);
void vs_close(vs_engine *e);
int vs_search(vs_engine *e, const vs_request *req, vs_result *res, char *err, size_t cap);
void vs_result_free(vs_result *r);

const alias_table *vs_aliases(const vs_engine *e);
/* Picks up a newer index (a rebuild swapped in).  Returns 1 if it changed. */
int vs_refresh(vs_engine *e);

#endif
