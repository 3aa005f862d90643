/*
 * The inside of an open engine (vs_engine, vnsearch.h), shared by the
 * files that search it: search.c (the query's passages), like.c (the
 * passages like one), around.c (a passage's copies and the passages
 * around it).  Private to lib/.
 */
#ifndef VN_ENGINE_H
#define VN_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "aliases.h"
#include "codec.h"
#include "query.h"
#include "vnsearch.h"
#include "xapian-c.h"

struct vs_engine {
    xc_db *db;
    xc_enquire *enq;
    xc_enquire *plain; /* no match spies: the pages (fetch_page) */
    int plain_stages;  /* $VNSEARCH_PLAIN_STAGES: run weight FILTER tier as built (search.c) */
    int weigh_both;    /* $VNSEARCH_NO_FOLD: no folded weights in the exact tier (plan.c) */
    xc_enquire *count; /* BoolWeight, no match spies: counts without facets (enq has BoolWeight too) */
    codec_ctx *codec;  /* the records' compression (codec.c) */
    vs_codec *dict;
    strbuf record;     /* a record unpacked */
    xc_query *retired; /* passages an --update replaced (schema.h, XV), or NULL */
    alias_table *aliases;
    size_t facet_fw, facet_year;
    char *path;
    int file_keys;     /* its passages carry SLOT_FILE (format 5 on): --group file can run */
    int hold_keys;       /* VS_OPEN_HOLD_KEYS */
    uint64_t *copy_keys; /* then the SLOT_DUPKEY of every passage that has a copy, by docid (0: none), or NULL */
    uint32_t ncopy_keys;
    xc_query *copied;    /* and the passages that have a copy, or NULL */
};

/* --- copykeys.c --------------------------------------------------------- */

/* With VS_OPEN_HOLD_KEYS, reads every passage's copy key into memory
 * (again after the index changed); without it, or when they cannot be
 * held, drops them, and searches read them through Xapian. */
void engine_hold_keys(vs_engine *e);

/* 1 when the keys are held, with passage id's in *key (0: it has no
 * copy); 0 when they must be read through Xapian. */
int engine_copy_key(const vs_engine *e, xc_docid id, uint64_t *key);

/* The message for a failed database call, naming the index (and saying
 * it is damaged when it is).  Returns VS_ERR_DB. */
int engine_failure(vs_engine *e, const char *what, char *err, size_t cap);

/* The stored record of hit i of m.  Returns VS_OK or VS_ERR_DB. */
int engine_load_record(vs_engine *e, xc_mset *m, size_t i, record *rec, char *err, size_t cap);

/* --- around.c ----------------------------------------------------------- */

/* The live passage with this id (not one an --update retired): an mset of
 * it alone, from e->plain, in *out (NULL and VS_ERR_QUERY when the index has
 * no such passage).  Returns VS_OK, VS_ERR_QUERY or VS_ERR_DB. */
int around_find(vs_engine *e, const char *id, xc_mset **out, char *err, size_t cap);

/* For hit i of m (h, its vs_hit): the other live passages with its words
 * (the same SLOT_DUPKEY), whatever the search's filters: h->copies and
 * h->also.  Called for the hits Xapian collapsed others into. */
int around_copies(vs_engine *e, xc_mset *m, size_t i, vs_hit *h, char *err, size_t cap);

/* For hit i of m: the n passages before and after it in its file,
 * h->before and h->after. */
int around_context(vs_engine *e, xc_mset *m, size_t i, uint32_t n, vs_hit *h, char *err, size_t cap);

/* --- like.c ------------------------------------------------------------- */

/* The plan of --like ID (query.h: query_plan): the passage's most telling
 * syllables and pairs, weighed by the index's own frequencies, as one
 * weighted OR, and its copies (and itself) excluded.  Returns VS_OK,
 * VS_ERR_QUERY (no such passage, or nothing in it to go by) or
 * VS_ERR_DB; free the plan with plan_free() whatever the status. */
int like_plan(vs_engine *e, const char *id, query_plan *plan, char *err, size_t cap);

#endif
