/*
 * xapian-c: a small C interface to Xapian 1.4, the only C++ in vnsearch.
 *
 * Opaque handles over Xapian objects; every function returns an xc_status
 * and never lets an exception out (Xapian::Error and std::bad_alloc are
 * caught at this border, after notmuch's lib/).  The message of the last
 * failure on the calling thread is in xc_errmsg().
 *
 * Strings are (pointer, length) pairs where terms may contain any byte;
 * plain NUL-terminated strings elsewhere.  Nothing here knows Vietnamese.
 */
#ifndef XAPIAN_C_H
#define XAPIAN_C_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum xc_status {
    XC_OK = 0,
    XC_ERR_NOMEM = -1,        /* std::bad_alloc */
    XC_ERR_INVALID = -2,      /* bad argument (NULL handle, slot out of range, ...) */
    XC_ERR_OPENING = -3,      /* database missing or unreadable */
    XC_ERR_LOCKED = -4,       /* another writer holds the database */
    XC_ERR_MODIFIED = -5,     /* database changed under a reader: reopen and retry */
    XC_ERR_CORRUPT = -6,      /* database damaged: DatabaseCorruptError, or any other DatabaseError reading it
                                 ("inflate failed", "EOF reading block") */
    XC_ERR_VERSION = -7,      /* database format unsupported */
    XC_ERR_NETWORK = -8,      /* a remote shard failed */
    XC_ERR_NOT_FOUND = -9,    /* document not found */
    XC_ERR_XAPIAN = -10,      /* any other Xapian::Error */
    XC_ERR_REMOTE_REFUSED = -11,  /* a stub names a remote database, not allowed (xc_db_open) */
    XC_ERR_PROGRAM_REFUSED = -12  /* a stub names a program to run, not allowed (xc_db_open) */
} xc_status;

/* The message of the last error on this thread ("" if none).  Valid until the
 * next failing call on the same thread. */
const char *xc_errmsg(void);

/* The status of the last error on this thread (XC_OK if none since
 * xc_errclear()), to tell a damaged database from other failures after a
 * call that reports only its own failure. */
int xc_errstatus(void);
void xc_errclear(void);

/* A static English name for a status. */
const char *xc_status_string(int status);

typedef uint32_t xc_docid;

/* ------------------------------------------------------------ documents */

typedef struct xc_doc xc_doc;

int xc_doc_new(xc_doc **out);
void xc_doc_free(xc_doc *doc);
/* Empties a document for reuse (cheaper than free + new). */
int xc_doc_clear(xc_doc *doc);
/* A term at a position (wdf + 1). */
int xc_doc_add_posting(xc_doc *doc, const char *term, size_t len, uint32_t pos);
/* A term without position, with the given wdf increment. */
int xc_doc_add_term(xc_doc *doc, const char *term, size_t len, uint32_t wdf_inc);
/* A filter term: wdf 0, so it never changes a document's weight. */
int xc_doc_add_boolean_term(xc_doc *doc, const char *term, size_t len);
int xc_doc_set_data(xc_doc *doc, const char *data, size_t len);
int xc_doc_set_value(xc_doc *doc, unsigned slot, const char *value, size_t len);

/* ------------------------------------------------------------ databases */

/* Callback for term and key iteration: return non-zero to stop. */
typedef int (*xc_term_fn)(void *ctx, const char *term, size_t len, uint32_t termfreq);

typedef struct xc_db xc_db;   /* read-only: a single db, a stub, shards */
typedef struct xc_wdb xc_wdb; /* writable */

/* What a stub may name besides local databases (xc_db_open's flags).
 *
 * A stub file (or a directory's XAPIANDB) lists databases, one a line, and
 * Xapian connects to `remote HOST:PORT` lines and *runs* `remote :PROGRAM
 * ARGS` lines.  An index directory copied from elsewhere must never run a
 * program or open a connection, so the shim reads every stub itself, with
 * Xapian's rules (`auto`, `glass`, `chert`, `remote`, `inmemory` lines,
 * paths relative to the stub, stubs naming stubs, single-file databases),
 * opens each local database with its backend named (so Xapian never reads a
 * stub on its own), and refuses a remote line unless a flag allows it:
 * XC_ERR_REMOTE_REFUSED or XC_ERR_PROGRAM_REFUSED, with "STUB:LINE: ..." in
 * xc_errmsg().  Stubs nest at most 8 deep and name at most 4096 databases;
 * a stub is a regular file of at most 1 MiB (never a FIFO or a device). */
enum {
    XC_OPEN_LOCAL = 0,          /* local databases only */
    XC_OPEN_REMOTE_TCP = 1,     /* also connect to `remote HOST:PORT` lines */
    XC_OPEN_REMOTE_PROGRAM = 2  /* also run the programs of `remote :PROGRAM ARGS` lines */
};

/* Opens a database directory, a stub file or a stub directory (one with a
 * XAPIANDB file), by the rules above. */
int xc_db_open(const char *path, unsigned flags, xc_db **out);
void xc_db_close(xc_db *db);
/* Picks up the latest committed revision (and re-reads a changed stub, with
 * the flags it was opened with).  Sets *changed to 1 if anything changed. */
int xc_db_reopen(xc_db *db, int *changed);
int xc_db_doccount(xc_db *db, uint32_t *out);
/* The highest document id in use (0 for an empty database). */
int xc_db_lastdocid(xc_db *db, uint32_t *out);
/* Number of documents the term occurs in (0 if none). */
int xc_db_termfreq(xc_db *db, const char *term, size_t len, uint32_t *out);
/* Metadata value (malloc'd, caller frees; NULL and length 0 if unset). */
int xc_db_get_metadata(xc_db *db, const char *key, char **value, size_t *len);
/* Calls fn(ctx, key, klen, 0) for each metadata key starting with prefix;
 * fetch values with xc_db_get_metadata(). */
int xc_db_metadata_keys(xc_db *db, const char *prefix, xc_term_fn fn, void *ctx);
/* The data of a document by id, malloc'd. */
int xc_db_get_data(xc_db *db, xc_docid id, char **data, size_t *len);
/* A value slot of a document by id, malloc'd ("" if unset). */
int xc_db_get_value(xc_db *db, xc_docid id, unsigned slot, char **value, size_t *len);
/* Ids of the documents indexed by a term, at most `limit` (0 = all), in
 * increasing order (malloc'd array). */
int xc_db_postings(xc_db *db, const char *term, size_t len, size_t limit, xc_docid **ids, size_t *count);
/* Number of shards (sub-databases) behind the handle. */
int xc_db_shard_count(xc_db *db, size_t *out);


/* Calls fn for each term starting with `prefix`, in byte order, with its
 * document frequency, until fn returns non-zero or `limit` terms were seen
 * (0 = no limit). */
int xc_db_allterms(xc_db *db, const char *prefix, size_t plen, size_t limit, xc_term_fn fn, void *ctx);

/* Callback for value streams: return non-zero to stop. */
typedef int (*xc_value_fn)(void *ctx, xc_docid id, const char *value, size_t len);
/* Calls fn for each document holding a value in `slot`, in increasing
 * docid order, until fn returns non-zero.  XC_ERR_INVALID when the handle
 * has remote shards, whose value streams Xapian 1.4 does not serve. */
int xc_db_values(xc_db *db, unsigned slot, xc_value_fn fn, void *ctx);

enum {
    XC_WDB_CREATE = 1,    /* create a new database; fail if one exists */
    XC_WDB_OPEN = 2,      /* open an existing one */
    XC_WDB_OVERWRITE = 3, /* create, replacing what is there */
    XC_WDB_NO_SYNC = 0x10,    /* or'd in: skip fsync (scratch databases only) */
    XC_WDB_NO_TERMLIST = 0x20 /* or'd in when creating: no term lists (smaller and faster to
                               * write; documents can then be neither deleted nor replaced) */
};
int xc_wdb_open(const char *path, int mode, xc_wdb **out);
/* Commits nothing: call xc_wdb_commit() first.  Releases the lock. */
void xc_wdb_close(xc_wdb *db);
int xc_wdb_add_document(xc_wdb *db, xc_doc *doc, xc_docid *id);
/* Replaces the document indexed by a unique term (adds it if none). */
int xc_wdb_replace_by_term(xc_wdb *db, const char *term, size_t len, xc_doc *doc);
int xc_wdb_delete_by_term(xc_wdb *db, const char *term, size_t len);
int xc_wdb_commit(xc_wdb *db);
int xc_wdb_set_metadata(xc_wdb *db, const char *key, const char *value, size_t len);
int xc_wdb_get_metadata(xc_wdb *db, const char *key, char **value, size_t *len);
int xc_wdb_doccount(xc_wdb *db, uint32_t *out);
/* Same as xc_db_allterms, on a writable database (sees uncommitted changes). */
int xc_wdb_allterms(xc_wdb *db, const char *prefix, size_t plen, size_t limit, xc_term_fn fn, void *ctx);
/* Ids of the documents indexed by a term (malloc'd array). */
int xc_wdb_postings(xc_wdb *db, const char *term, size_t len, xc_docid **ids, size_t *count);
int xc_wdb_get_data(xc_wdb *db, xc_docid id, char **data, size_t *len);

/* What to do when Xapian throws where nothing can catch it (from a
 * destructor while another exception unwinds: glass does, when a disk
 * fills during a commit): fn gets the error's description and should end
 * the process (it is called from std::terminate).  NULL: abort(). */
typedef void (*xc_fatal_fn)(const char *what);
void xc_set_fatal(xc_fatal_fn fn);
/* Sets this thread's error (xc_errmsg) from the caller's own check; returns status. */
int xc_set_error(int status, const char *msg);

/* Merges databases into a new compact one at dest (xapian-compact).  The
 * sources are opened as xc_db_open(XC_OPEN_LOCAL) opens them. */
int xc_compact(const char *const *sources, size_t n, const char *dest);

/* -------------------------------------------------------------- queries */

typedef struct xc_query xc_query;

typedef enum xc_op {
    XC_OP_AND,
    XC_OP_OR,
    XC_OP_AND_NOT,   /* first minus the union of the rest */
    XC_OP_AND_MAYBE, /* first, weighted also by the rest */
    XC_OP_FILTER,    /* first, restricted to the rest (no weight from them) */
    XC_OP_PHRASE,    /* subqueries in order within `window` positions */
    XC_OP_NEAR,      /* subqueries in any order within `window` */
    XC_OP_SYNONYM,   /* OR weighted as one term */
    XC_OP_ELITE_SET  /* the `window` best-weighted subqueries */
} xc_op;

/* Every constructor returns NULL on failure (with xc_errmsg set). */
xc_query *xc_query_term(const char *term, size_t len, uint32_t wqf);
xc_query *xc_query_combine(xc_op op, xc_query *const *subs, size_t n, unsigned window);
/* Matches every document with the same fixed weight (FixedWeightPostingSource). */
xc_query *xc_query_fixed_weight(double weight);
xc_query *xc_query_scale(xc_query *q, double factor);
/* The documents with these ids, each of a document there (a boolean
 * query: no weight), on a handle of one local shard: with several, each
 * shard would read the ids as its own. */
xc_query *xc_query_docids(const xc_docid *ids, size_t n);
xc_query *xc_query_match_all(void);
xc_query *xc_query_match_nothing(void);
/* Documents whose value in `slot` lies in [lo, hi], compared as bytes
 * (Query::OP_VALUE_RANGE; no weight). */
xc_query *xc_query_value_range(unsigned slot, const char *lo, size_t lolen, const char *hi, size_t hilen);
xc_query *xc_query_copy(const xc_query *q);
void xc_query_free(xc_query *q);
/* Xapian's description of the query, for --debug (malloc'd). */
char *xc_query_describe(const xc_query *q);

/* -------------------------------------------------------------- search */

typedef struct xc_enquire xc_enquire;
typedef struct xc_mset xc_mset;

int xc_enquire_new(xc_db *db, xc_enquire **out);
void xc_enquire_free(xc_enquire *enq);
/* The query is copied; the caller keeps ownership of q. */
int xc_enquire_set_query(xc_enquire *enq, const xc_query *q);
/* Xapian::BM25Weight(k1, k2, k3, b, min_normlen). */
int xc_enquire_set_bm25(xc_enquire *enq, double k1, double k2, double k3, double b, double min_normlen);
/* Xapian::BoolWeight: every match weighs 0, so a search that only counts
 * computes no weights (and hits come in document order). */
int xc_enquire_set_boolean(xc_enquire *enq);
/* Counts the values of `slot` over the whole match set; a value holding
 * several facets separates them with `sep` (0 = one facet per value).
 * Returns the facet's index for xc_enquire_facet(). */
int xc_enquire_add_facet(xc_enquire *enq, unsigned slot, char sep, size_t *index);
/* The n-th counted value of facet `index` after xc_enquire_mset(), most
 * frequent first; XC_ERR_NOT_FOUND past the end.  *value stays valid until
 * the next search with this enquire. */
int xc_enquire_facet(xc_enquire *enq, size_t index, size_t n, const char **value, size_t *vlen, uint32_t *count);

/* The order of the hits: by the value in `slot`, then by relevance
 * (Enquire::set_sort_by_value_then_relevance; `descending` for the highest
 * value first, where documents without the value come last), or with
 * XC_SORT_RELEVANCE as the slot, by relevance alone (the default).  Values
 * compare as bytes, so YYYYMMDD dates sort by date. */
#define XC_SORT_RELEVANCE (-1)
int xc_enquire_set_sort(xc_enquire *enq, int slot, int descending);
/* At most `max` hits per distinct value of `slot` (Enquire::set_collapse_key;
 * documents without the value are never collapsed); XC_COLLAPSE_NONE turns
 * it off.  Each hit kept then tells how many it stands for
 * (xc_mset_collapse_count). */
#define XC_COLLAPSE_NONE (-1)
int xc_enquire_set_collapse(xc_enquire *enq, int slot, uint32_t max);

/* A time limit for the searches of this enquire: `seconds` from now (0: no
 * limit).  When it passes, xc_enquire_mset() stops matching and returns
 * what it has found, and xc_enquire_timed_out() says so.  Xapian 1.4 cannot
 * stop a match by itself (Enquire::set_time_limit() only stops the extra
 * counting check_at_least asks for, and is set too), so on local databases
 * every query is run as FILTER(query, a posting source matching every
 * document that ends when the time is up): the match ends with it, and
 * weights are unchanged (a filter adds none).  Remote shards cannot run
 * that source, so there only Xapian's own limit applies. */
int xc_enquire_set_deadline(xc_enquire *enq, double seconds);
/* A callback that ends a match as the deadline does, when it returns
 * non-zero (and the search counts as timed out): it is called with the
 * clock, every 64 documents, on the searching thread, so it must be cheap.
 * Takes effect at the next xc_enquire_set_deadline() (a deadline of 0
 * then means the callback alone); NULL for none. */
int xc_enquire_set_stop(xc_enquire *enq, int (*stop)(void *arg), void *arg);
/* A callback asked about each candidate match before it is counted or
 * kept (Xapian's MatchDecider): non-zero keeps it.  Called on the
 * searching thread with the document's id only (nothing is read for it);
 * over several shards the id it gets is not the handle's (seen: counts
 * wrong), so for one shard only.  NULL for none; XC_ERR_INVALID on an
 * enquire over remote shards. */
typedef int (*xc_decide_fn)(void *ctx, xc_docid id);
int xc_enquire_set_decider(xc_enquire *enq, xc_decide_fn fn, void *ctx);
/* 1 if a search since xc_enquire_set_deadline() was cut short by it. */
int xc_enquire_timed_out(const xc_enquire *enq);

/* Runs the search: `max` hits from rank `first`; at least `check_at_least`
 * documents are examined (set it to the doccount for exact facet counts). */
int xc_enquire_mset(xc_enquire *enq, uint32_t first, uint32_t max, uint32_t check_at_least, xc_mset **out);
void xc_mset_free(xc_mset *m);
size_t xc_mset_size(const xc_mset *m);
uint32_t xc_mset_matches_estimated(const xc_mset *m);
uint32_t xc_mset_matches_lower_bound(const xc_mset *m);
uint32_t xc_mset_matches_upper_bound(const xc_mset *m);
/* The highest weight any document could get from the query (an upper bound
 * from the terms' statistics), 0 for a NULL mset. */
double xc_mset_max_possible(const xc_mset *m);
int xc_mset_docid(const xc_mset *m, size_t i, xc_docid *id);
int xc_mset_weight(const xc_mset *m, size_t i, double *w);
/* Hits like hit i that collapsing left out (a lower bound, as Xapian's
 * MSetIterator::get_collapse_count()); 0 without collapsing. */
uint32_t xc_mset_collapse_count(const xc_mset *m, size_t i);
/* The document's data (malloc'd). */
int xc_mset_data(xc_mset *m, size_t i, char **data, size_t *len);
/* A value slot of hit i (malloc'd, "" if unset). */
int xc_mset_value(xc_mset *m, size_t i, unsigned slot, char **value, size_t *len);
/* Calls fn for each query term that matches hit i. */
int xc_mset_matching_terms(xc_enquire *enq, xc_mset *m, size_t i, xc_term_fn fn, void *ctx);

#ifdef __cplusplus
}
#endif
#endif /* XAPIAN_C_H */
