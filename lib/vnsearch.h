/*
 * vnsearch.h: the engine that vnindex and vnsearch share, and the one
 * header the programs include from it.
 *
 * What a vnsearch index is.  A database path is a directory that Xapian
 * opens as a stub directory (XAPIANDB names the current generation, which
 * generations.c swaps atomically); each generation is one or more glass
 * databases holding one Xapian document per passage: a paragraph an
 * analyst would cite, with its text, its framework and its dates.  The term
 * prefixes, value slots and stored fields follow Omega's conventions where
 * they fit (schema.h has the list), so xapian-delve, quest and
 * xapian-tcpsrv work on it unchanged.  The alias tables the index was built
 * with are stored in it, and an index records the format it was written in
 * (VS_INDEX_FORMAT): a program that finds another format says so and asks
 * for a rebuild instead of guessing.
 *
 * Writing one (vnindex): vs_tables_* find and parse the alias tables; worker
 * threads each own a vs_docbuilder and one vs_part per shard, and add whole
 * files to them; vs_merge() compacts the parts into the new generation,
 * vs_index_write_meta() records the files it holds, and vs_gen_publish()
 * swaps it in under the lock of vs_gen_lock().
 *
 * Querying one (vnsearch): vs_open() an engine, vs_search() it with a
 * vs_request, read the vs_result (ranked passages with snippets, facets and
 * accent restorations), vs_result_free() it.  An engine is used by one
 * thread at a time; batch and web open one per thread.
 *
 * Conventions (after notmuch and utf8proc): opaque handles; functions return
 * a status and write outputs through pointers; the caller owns what it
 * allocates and frees what a function hands it with the matching _free();
 * messages for people go into caller-supplied buffers (err, cap) as one line
 * naming the file and what to do.  Nothing here throws, exits or prints,
 * except where a function's comment says it writes warnings to a FILE.
 */
#ifndef VNSEARCH_H
#define VNSEARCH_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The program version (meson's project version). */
#ifndef VNSEARCH_VERSION
#define VNSEARCH_VERSION "unknown"
#endif

/* The index format this build reads and writes.  Any change to terms,
 * values or stored fields bumps it; an index of another format is refused
 * by vs_open() and rebuilt by vnindex. */
#define VS_INDEX_FORMAT "5" /* 4: pairs across punctuation (vn_adjacent), meeting mentions;
                               5: each passage's file as a value (--group file) */
/* The older format vs_open() still reads: everything but --group file,
 * which asks for a rebuild (its passages have no file value). */
#define VS_INDEX_FORMAT_READABLE "4"

/* Status codes of the search side. */
enum {
    VS_OK = 0,
    VS_ERR_QUERY = 1,  /* the request is wrong: bad query, unknown framework, bad date */
    VS_ERR_DB = 2,     /* the database is missing, unreadable, of another format, or a shard failed */
    VS_ERR_FILE = 3    /* an indexed file is gone, moved or changed since it was indexed */
};

/* ================================================================ strings */

/* A growable byte string.  Allocation failure is sticky: the first failed
 * append sets `failed` and later appends do nothing, so builders can append
 * freely and check once at the end. */
typedef struct strbuf {
    char *s;      /* NUL-terminated when len > 0 or after any append */
    size_t len;
    size_t cap;
    int failed;
} strbuf;

#define STRBUF_INIT {NULL, 0, 0, 0}

void sb_append(strbuf *b, const char *s, size_t n);
void sb_puts(strbuf *b, const char *s);
void sb_putc(strbuf *b, char c);
void sb_printf(strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_reset(strbuf *b);  /* length 0, keeps the allocation */
void sb_free(strbuf *b);
/* Hands the buffer to the caller (NUL-terminated, never NULL unless failed). */
char *sb_take(strbuf *b);

/* ================================================================== names */

/* How names and ids are printed, in every output and message (names.c).
 * A file name is bytes and may hold anything; written through vs_escape()
 * a newline is \n, a carriage return \r, a tab \t, other control
 * characters and DEL \xNN, C1 controls \u0080 to \u009f, each byte that
 * is not part of valid UTF-8 \xNN (two hex digits), and with
 * VS_ESC_BACKSLASH a backslash \\, which makes the rule reversible: an id
 * printed so reads back with vs_unescape().  A name that is valid UTF-8
 * with none of these comes out as it is. */
#define VS_ESC_BACKSLASH 1u
void vs_escape(strbuf *b, const char *s, size_t len, unsigned flags);
/* The reverse of vs_escape(..., VS_ESC_BACKSLASH): \\ \n \r \t \xNN
 * \u0080-\u009f decoded, any other backslash kept as it is.  *out is
 * malloc'd (the caller frees it).  Returns 1 if anything was decoded, 0 if
 * *out is s unchanged, -1 when out of memory. */
int vs_unescape(const char *s, char **out);
/* printf to f as one write, the control characters and bytes that are not
 * UTF-8 of the whole message made visible as vs_escape() does (a final
 * newline kept): a message naming a file can neither clear the terminal
 * nor forge a line of its own. */
void vs_say(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void vs_vsay(FILE *f, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/* ================================================================== files */

/* Reads a whole file into a malloc'd, NUL-terminated buffer.  Retries once
 * if it changed while being read; sets *changed if it still did.  Returns 0,
 * or an errno value. */
int vs_read_file(const char *path, char **data, size_t *len, int *changed);

/* The most bytes vnindex reads of one file: as much as a reader may
 * decompress (readers.h, RD_DEFAULT_MAX_BYTES); a test may lower it with
 * $VNSEARCH_MAX_FILE_BYTES. */
#define VS_MAX_FILE_BYTES ((size_t)128 << 20)
size_t vs_max_file_bytes(void);

/* vs_read_input(): the path is not a regular file (a FIFO, a device, a
 * socket swapped in after the walk). */
#define VS_ERR_NOT_REGULAR (-1)

/* Reads an input file as vs_read_file() does, but never blocks and never
 * reads more than max bytes: it is opened without blocking (a FIFO swapped
 * in after the walk gives VS_ERR_NOT_REGULAR, not a hang), and reads stop
 * at max + 1 bytes, so a sparse file of a terabyte or one growing while it
 * is read costs max bytes; then the first max are kept and *cut is set.
 * Returns 0, an errno value or VS_ERR_NOT_REGULAR (vs_read_errmsg()). */
int vs_read_input(const char *path, size_t max, char **data, size_t *len, int *changed, int *cut);
/* What vs_read_input() returned, in words: strerror() or "not a regular file". */
const char *vs_read_errmsg(int rc);

/* Copies a file (where a hard link cannot be made).  Returns 0, or -1 with
 * errno set. */
int vs_copy_file(const char *from, const char *to);

/* FNV-1a, 64 bits: enough to tell a changed file from an unchanged one. */
uint64_t vs_content_hash(const char *data, size_t len);

/* ================================================================ locale */

/* The gettext domain of the programs' messages (po/vnsearch.pot). */
#define VS_TEXTDOMAIN "vnsearch"

/* Called first in main(): the messages marked _() follow the user's
 * LC_ALL / LC_MESSAGES / LANG (and LANGUAGE), from the catalogues installed
 * under the locale directory, or under $VNSEARCH_LOCALEDIR if set (a build
 * tree's po/); numbers keep the C locale. */
void vs_locale_init(void);

/* ================================================================ records */

/* The stored record of a passage, as the index keeps it and the outputs
 * show it.  Every string is NUL-terminated ("" when absent). */
typedef struct record {
    char *id;       /* mekong-frameworks.txt:9 (a .txt: its first line; other formats: the
                       ordinal of its first block, readers.h): unique and stable */
    char *file;     /* the file as cited */
    long line, end_line; /* .txt: lines; other formats: block ordinals */
    long page;      /* the page it starts on (PDF), else 0 */
    int ocr;        /* its text was read by OCR from a scan: words may be misread */
    int ocr_confidence; /* ... Tesseract's mean word confidence for its page, 0..100 */
    char *where;    /* where it is in the format's own terms: "p. 12" (PDF), the heading path
                       (Word, ODF, HTML), "" for .txt (file:line says it) */
    char *section;  /* capitalised section title, or "" */
    char *heading;  /* sub-heading, or "" */
    char *fw;       /* primary framework code, or "" */
    char *fws;      /* mentioned codes, space-separated */
    char *dates;    /* ISO dates, space-separated */
    char *hdates;   /* for a passage with none of its own, the dates of the passage it continues */
    char *hdates_from; /* ... and that passage's id */
    char *notes;    /* ids of its footnotes, space-separated */
    char *note_of;  /* for a footnote: id of the citing passage */
    char *meetings; /* the meetings it names, as lib/meetings.h encodes them, or "" */
    char *text;
    int is_heading; /* a heading, not a paragraph: searchable, ranked after the paragraphs */
    char *buf_;     /* owns the strings above */
} record;

void record_free(record *r);

/* ================================================================= search */

typedef struct vs_engine vs_engine;

/* A highlight: bytes [start, end) of a snippet or a passage's text. */
typedef struct vs_span {
    size_t start, end;
    int weight; /* how well it matches the query (the snippet is cut around the best) */
} vs_span;

/* How a hit matched the query: every word in the spelling typed; every word,
 * but some only with other marks (a word typed "hạn" found as "Hàn"); or
 * only some of the words.  A query typed without marks has no MARKS hits. */
enum { VS_MATCH_EXACT = 0, VS_MATCH_MARKS = 1, VS_MATCH_SOME = 2 };

/* The order of the passages (vs_request.sort). */
enum {
    VS_SORT_RELEVANCE = 0, /* best first (the default) */
    VS_SORT_DATE = 1       /* within each tier of VS_MATCH_*, the latest date first, then by relevance;
                              passages without a date last */
};

/* "relevance" or "date" -> VS_SORT_*, -1 for anything else. */
int vs_sort_parse(const char *name);

/* What the hits are grouped by (vs_request.group). */
enum {
    VS_GROUP_NONE = 0, /* every passage a hit (the default) */
    VS_GROUP_FILE = 1  /* a file once, as its best passage, with how many more of its passages match */
};

/* "none" or "file" -> VS_GROUP_*, -1 for anything else. */
int vs_group_parse(const char *name);

typedef struct vs_request {
    const char *query;
    char *const *frameworks;     /* --framework codes */
    size_t nframeworks;
    const char *from, *to;       /* --from / --to: YYYY, YYYY-MM, YYYY-MM-DD, MM/YYYY or DD/MM/YYYY, or NULL */
    int exact;                   /* --exact */
    uint32_t offset, count;      /* --offset, -n */
    int facets;                  /* count frameworks and years over all matches */
    int restore;                 /* list the accented forms of words typed without marks */
    size_t snippet_chars;        /* 0 = 200 */
    double time_limit;           /* seconds, 0 = none: past it the search stops and returns what it
                                    found, with vs_result.partial set (xc_enquire_set_deadline) */
    int sort;                    /* VS_SORT_RELEVANCE or VS_SORT_DATE (--sort) */
    int suggest;                 /* "did you mean": vs_result.suggestion and .unmatched */
    const char *like;            /* --like ID: the passages like that one (its copies left out)
                                    instead of the query's, which may hold filters only */
    int all_copies;              /* --all-copies: copies of a passage are hits of their own, and
                                    counted (by default passages with the same words are one hit) */
    uint32_t context;            /* --context N: the N passages before and after each hit */
    int group;                   /* --group file: VS_GROUP_FILE, each file once (at the rank of its best
                                    passage, copies in other files not folded into it), the pages and
                                    the count of files; VS_GROUP_NONE by default */
    int (*stop)(void *arg);      /* or NULL: when it returns non-zero the search stops as at its time
                                    limit (vnsearch serve: the client has gone); it is called often,
                                    from the searching thread, and must be cheap */
    void *stop_arg;
} vs_request;

/* At most this many other copies of a hit are named (vs_hit.also). */
#define VS_ALSO_MAX 8
/* The most passages --context gives on either side of a hit. */
#define VS_CONTEXT_MAX 50

typedef struct vs_hit {
    uint32_t rank;               /* 1-based, counting from the first result */
    double score;                /* BM25 (it decreases with rank within a tier, VS_MATCH_*) */
    double rank_score;           /* decreasing with rank, whatever the tier (TREC run files) */
    int match;                   /* VS_MATCH_* */
    record rec;
    char *snippet;
    vs_span *spans;              /* highlights in the snippet */
    size_t nspans;
    vs_span *text_spans;         /* highlights in the whole text */
    size_t ntext_spans;
    uint32_t copies;             /* other passages with the same words, shown as this one */
    char **also;                 /* the ids of some of them (VS_ALSO_MAX at most), in index order */
    size_t nalso;
    record *before, *after;      /* with context: the passages around it in its file, in order */
    size_t nbefore, nafter;
    uint32_t more_in_file;       /* grouped by file: the other passages of its file that match */
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
    uint32_t matches;            /* the number of matching passages, a passage and its copies one as
                                    a hit stands for its copies (every copy with all_copies, and above
                                    2,000 matches, where the facets count every copy too)... */
    int matches_exact;           /* ... exact (always below 10,000), else an estimate;
                                    grouped by file (grouped), the number of matching files */
    int grouped;                 /* VS_GROUP_FILE: the hits are files (vs_request.group) */
    vs_count *frameworks, *years;
    size_t nframeworks, nyears;
    vs_restoration *restorations;
    size_t nrestorations;
    int partial;                 /* the time limit cut the search short: hits, matches and facets
                                    are those found by then */
    char *suggestion;            /* with suggest: the query respelled ("hojp tacs" -> "hợp tác") when that
                                    reads better in the index, else NULL; never searched for */
    uint32_t suggestion_passages; /* passages holding every word of it */
    char **unmatched;            /* with suggest: the words that matched no passage, as typed */
    size_t nunmatched;
    const char *note;            /* a static one-line note on how the query was read ("an unbalanced
                                    parenthesis or quote was read as text ..."), or NULL */
} vs_result;

/* What the database path may lead to besides local databases.  A stub
 * (an index directory's XAPIANDB, or a stub file) can name remote shards:
 * `remote HOST:PORT` connects to a xapian-tcpsrv, `remote :PROGRAM ARGS`
 * runs a program.  An index copied from elsewhere must do neither unless
 * the user says so (the stubs are read by xc_db_open() in xapian-c.h). */
enum {
    VS_OPEN_LOCAL = 0,
    VS_OPEN_REMOTE = 1,          /* --allow-remote: remote HOST:PORT lines */
    VS_OPEN_REMOTE_PROGRAMS = 2, /* --allow-remote-programs: remote :PROGRAM lines, and TCP ones */
    VS_OPEN_HOLD_KEYS = 4        /* a process that answers many searches (server, batch): every passage's
                                    copy key held in memory, 8 bytes a passage, so that listing each
                                    passage once and counting them reads no value stream */
};

/* The flags the environment allows: VNSEARCH_ALLOW_REMOTE unset, empty or
 * "no" gives VS_OPEN_LOCAL, "tcp" VS_OPEN_REMOTE, "programs" both.  Returns
 * 0, or -1 with a message for any other value. */
int vs_open_flags_from_env(unsigned *flags, char *err, size_t cap);

/* Opens the index at db_path (a database directory or a stub).  Refuses an
 * index of another format with a message that says how to rebuild it, and
 * a stub line that `flags` does not allow with a one-line message naming
 * the stub, the line and the option that allows it.  Returns VS_OK, or
 * VS_ERR_DB with a message. */
int vs_open(const char *db_path, unsigned flags, vs_engine **out, char *err, size_t cap);
void vs_close(vs_engine *e);

/* Runs one request.  Returns VS_OK (res filled, possibly with no hits),
 * VS_ERR_QUERY or VS_ERR_DB with a message and res empty; free res with
 * vs_result_free() (harmless on an empty one). */
int vs_search(vs_engine *e, const vs_request *req, vs_result *res, char *err, size_t cap);
void vs_result_free(vs_result *r);

/* A passage and the `context` passages before and after it in its file
 * (VS_CONTEXT_MAX at most), as hits in file order (rank 1 the first of
 * them, no snippets), *focus the index of the one asked for.  Returns
 * VS_OK, VS_ERR_QUERY for an id the index does not hold, or VS_ERR_DB;
 * free res with vs_result_free() whatever the status. */
int vs_passage(vs_engine *e, const char *id, uint32_t context, vs_result *res, size_t *focus, char *err,
               size_t cap);

/* Picks up a newer index (a rebuild swapped in).  Returns 1 if it changed. */
int vs_refresh(vs_engine *e);

/* --- the meetings timeline (vnsearch --meetings) ------------------------ */

/* Where sources of one meeting disagree: on its date, its place, or its
 * ordinal's order (a summit 2 dated before summit 1). */
typedef struct vs_conflict {
    const char *on;         /* "date", "place" or "order" */
    char *detail;           /* one line: what each source says */
    char **sources;         /* the passage ids that disagree */
    size_t nsources;
} vs_conflict;

/* One meeting: the mentions of one framework, kind and ordinal (and
 * series, a framework's former numbering: LMI for MUSP), merged. */
typedef struct vs_meeting {
    char *framework, *kind, *series; /* "MKC", "summit", "" */
    int ordinal;
    char *date;             /* ISO (date_iso): the most precise its sources give, "" if none */
    uint32_t date_from, date_to; /* YYYYMMDD, 0 if undated */
    char *place;            /* the most precise, "trực tuyến" when held online, "" if none */
    char **sources;         /* passage ids, in index order */
    size_t nsources;
    vs_conflict *conflicts;
    size_t nconflicts;
} vs_meeting;

typedef struct vs_meetings {
    vs_meeting *items;      /* by framework, kind, series, ordinal */
    size_t n;
} vs_meetings;

/* The meetings the index's passages name, merged into events, with the
 * conflicts between their sources.  frameworks (codes, any of them; none:
 * all) and from/to (YYYY, YYYY-MM or YYYY-MM-DD, or NULL; an event matches
 * when its date overlaps them, an undated one never) filter the events.
 * Returns VS_OK, VS_ERR_QUERY (an unknown framework, a bad date) or
 * VS_ERR_DB with a message; free with vs_meetings_free() whatever the status. */
int vs_meetings_list(vs_engine *e, char *const *frameworks, size_t nframeworks, const char *from, const char *to,
                     vs_meetings *out, char *err, size_t cap);
void vs_meetings_free(vs_meetings *m);

/* The frameworks of the index's table: codes ("MKC") and names in
 * Vietnamese or English. */
size_t vs_framework_count(const vs_engine *e);
const char *vs_framework_code(const vs_engine *e, size_t i);
const char *vs_framework_name(const vs_engine *e, size_t i, int english);

/* ================================================================ writing */

/* Passages longer than this are cut at a sentence or word boundary, so one
 * giant line (a PDF export with no line breaks) stays searchable. */
#define VS_PASSAGE_MAX_BYTES 16384

/* --- the alias tables an index is built with ------------------------- */

typedef struct vs_tables vs_tables;
typedef struct vs_codec vs_codec; /* how records are compressed (below) */

/* Finds and parses frameworks.tsv and aliases.tsv: the explicit paths if
 * given (else NULL), else in the first PATH argument that is a directory
 * holding them, else $VNSEARCH_DATA, else the installed data directory,
 * else the tables built into the program (the corpus tables at build time).
 * The meetings table (meetings.tsv) is found beside an explicit frameworks
 * table, else the same way, else built in too.  Returns 0, or -1 with
 * "FILE:LINE: message" in err. */
int vs_tables_load(const char *frameworks, const char *aliases, const char *const *paths, size_t npaths,
                   vs_tables **out, char *err, size_t cap);
void vs_tables_free(vs_tables *t);
/* 1 if the frameworks table has at least one framework. */
int vs_tables_have_frameworks(const vs_tables *t);
/* Which tables were used: "frameworks /x/frameworks.tsv, aliases (built in)". */
void vs_tables_describe(const vs_tables *t, char *buf, size_t cap);

/* --- generations: the directory layout that makes rebuilds safe ------- */

/* Creates the directory if needed and takes the lock without waiting.
 * Returns the lock's file descriptor, or -1 with a message in err
 * ("database is locked by another vnindex (pid 123)"). */
int vs_gen_lock(const char *db, char *err, size_t cap);
void vs_gen_unlock(int fd);

/* The current generation number and its shard count, or -1 if the
 * directory holds no vnsearch database yet. */
long vs_gen_current(const char *db, size_t *shards);

/* Path of generation `gen` (and shard, or -1 for the whole generation). */
void vs_gen_path(const char *db, long gen, long shard, char *out, size_t cap);

/* Points XAPIANDB at generation `gen` atomically (write, fsync, rename,
 * fsync the directory): its shards, or with `layered` its update part
 * (gNNNNNN/delta) and its base part (gNNNNNN/base).  Returns 0, or -1 with a
 * message. */
int vs_gen_publish(const char *db, long gen, size_t shards, int layered, char *err, size_t cap);

/* Removes every generation except `keep` and the newest one older than it
 * (kept for readers that opened it just before the last swap), and any
 * scratch left by an earlier run that was killed: only what vs_gen_is_ours()
 * recognises, never another file or directory that happens to be there. */
void vs_gen_cleanup(const char *db, long keep);

/* The file a run writes into its scratch directory first, so that a scratch
 * left by a killed run is known for vnindex's own. */
#define VS_GEN_SCRATCH_MARK "vnindex-scratch"

/* The file vs_gen_cleanup() writes into a generation before removing it,
 * and removes last: a generation half removed by a killed run (its Xapian
 * files gone, the rest there) is still known for vnindex's own. */
#define VS_GEN_REMOVING_MARK "vnindex-removing"

/* 1 if `path` is a generation or scratch directory vnindex made: named as
 * one (gNNNNNN, gNNNNNN.tmp), a real directory, and holding what vnindex
 * writes there (a Xapian database, its shards, an update's delta and base;
 * a scratch: its marker and the workers' parts; a generation being
 * removed: VS_GEN_REMOVING_MARK) or nothing at all. */
int vs_gen_is_ours(const char *path);

/* rm -rf, for the writer's own scratch directories. */
int vs_remove_tree(const char *path);

/* --- what the current index holds -------------------------------------- */

/* One indexed file as the index records it (for --update). */
typedef struct vs_file_info {
    char *name;      /* as cited */
    char *real;      /* realpath when it was indexed */
    uint64_t size, hash;
    int64_t mtime_ns, ctime_ns;
    uint64_t ino;
    size_t passages;
    long build;      /* the build its passages were written by (vs_docbuilder_set_build) */
} vs_file_info;

typedef struct vs_index_info {
    long generation;          /* -1: no index yet */
    size_t shards;            /* 1, or the shards a --shards build made */
    long base;                /* the build of its base part (a full build) */
    int layered;              /* 1: a base part and an update part (index.c, "Updates") */
    char *format;             /* VS_INDEX_FORMAT it was written with, or NULL */
    char *frameworks, *aliases; /* the tables' text it was built with */
    char *meetings;           /* and meetings.tsv's */
    char *dict;               /* the records' compression dictionary (vs_codec_from_dict) */
    size_t dict_len;
    char *retired;            /* XV terms of the base passages an update replaced, space-separated */
    size_t retired_passages;
    vs_file_info *files;      /* sorted by name */
    size_t nfiles;
} vs_index_info;

/* Reads what the current generation of db says about itself.  An index
 * that cannot be read gives generation -1 and a message in err (the caller
 * rebuilds).  Returns 0, or -1 on allocation failure. */
int vs_index_info_read(const char *db, vs_index_info *info, char *err, size_t cap);
void vs_index_info_free(vs_index_info *info);
/* The entry for `name`, or NULL (binary search). */
vs_file_info *vs_index_info_find(const vs_index_info *info, const char *name);
/* 1 if the index was built in this format with exactly these tables. */
int vs_index_info_same_tables(const vs_index_info *info, const vs_tables *t);

/* --- the files the index holds, as they are (vnsearch serve) ---------- */

/* Reads the file that the index at db lists under `name` (a record's
 * `file`), from the real path it recorded and nowhere else, into a malloc'd
 * NUL-terminated buffer the caller frees.  Only while it is still the file
 * indexed: no symbolic link anywhere on its real path, a regular file with
 * the inode, size and content hash recorded.  Returns VS_OK; VS_ERR_QUERY
 * for a name the index does not list; VS_ERR_FILE for a file gone, moved,
 * replaced or changed (the message says to run vnindex again); VS_ERR_DB
 * for an index whose list cannot be read.  A message in err but for VS_OK. */
int vs_indexed_file_read(const char *db, const char *name, char **data, size_t *len, char *err, size_t cap);

/* --- parts: databases being written ------------------------------------ */

typedef struct vs_part vs_part;

/* Creates a new scratch part at path (no fsync: it is merged, not kept).
 * Parts have no term lists (schema.h) unless `termlists` says so: a sharded
 * index keeps them, since xapian-tcpsrv needs them to send a document, and
 * its --update deletes passages (vs_part_delete_files). */
int vs_part_create(const char *path, int termlists, vs_part **out, char *err, size_t cap);
/* Opens a merged part to record its metadata (vs_index_write_meta). */
int vs_part_open(const char *path, vs_part **out, char *err, size_t cap);
int vs_part_commit(vs_part *p, char *err, size_t cap);
/* Closes without committing (call vs_part_commit() first to keep changes). */
void vs_part_close(vs_part *p);
int vs_part_doccount(vs_part *p, uint32_t *out);

/* Number of passages in the database at path, 0 if it cannot be opened. */
uint32_t vs_db_doccount(const char *path);

/* Removes every passage of the named files from a part with term lists. */
int vs_part_delete_files(vs_part *p, char *const *names, size_t n, char *err, size_t cap);

/* What to do if Xapian fails where it cannot report it (a disk that fills
 * during a commit can make it throw from a destructor): fn gets the error
 * and must end the process, having cleaned up. */
void vs_on_fatal(void (*fn)(const char *what));

/* Merges databases into a new, compact one at dest (xapian-compact). */
int vs_merge(const char *const *sources, size_t n, const char *dest, char *err, size_t cap);


/* What a generation records about itself, in its first part. */
typedef struct vs_index_meta {
    const vs_tables *tables;
    const vs_codec *codec;
    const vs_file_info *files;
    size_t nfiles;
    size_t shards;
    long base;               /* the build of the base part */
    int layered;
    const char *retired;     /* space-separated XV terms, or NULL */
    size_t retired_passages; /* how many passages they name */
} vs_index_meta;

/* Records the generation's metadata in a merged part (vs_index_info_read()
 * reads it back) and commits. */
int vs_index_write_meta(vs_part *p, const vs_index_meta *m, char *err, size_t cap);

/* The term that names the passages of file `name` written by `build` (an
 * --update lists the replaced ones in vs_index_meta.retired). */
void vs_version_term(const char *name, long build, char *term, size_t cap, size_t *len);

/* --- turning a file into passages -------------------------------------- */

typedef struct vs_docbuilder vs_docbuilder;

typedef struct vs_build_stats {
    size_t passages;
    size_t headings; /* documents of their own too */
    size_t terms;    /* postings added */
} vs_build_stats;

/* --- record compression ------------------------------------------------- */

/* A codec whose dictionary is trained on sample records (n of them, back to
 * back in samples, sizes[i] bytes each); too few samples give a codec with
 * no dictionary, which is still valid.  Returns 0, or -1 with a message. */
int vs_codec_train(const char *samples, const size_t *sizes, size_t n, vs_codec **out, char *err, size_t cap);
/* The codec of an existing index, from its dictionary (vs_index_info.dict). */
int vs_codec_from_dict(const char *dict, size_t len, vs_codec **out);
void vs_codec_free(vs_codec *c);

/* Sample records collected by a docbuilder (vs_docbuilder_sample_into) to
 * train the codec on, up to max_bytes of them. */
typedef struct vs_samples vs_samples;
vs_samples *vs_samples_new(size_t max_bytes);
int vs_samples_full(const vs_samples *s);
int vs_codec_train_samples(const vs_samples *s, vs_codec **out, char *err, size_t cap);
void vs_samples_free(vs_samples *s);

/* A builder holds reusable scratch space (tokeniser, document, buffers); one
 * per thread.  The tables and the codec are shared and read-only; codec may
 * be NULL only for --dump and sampling. */
vs_docbuilder *vs_docbuilder_new(const vs_tables *t, const vs_codec *codec);
/* The build the documents belong to (the generation number): their XV
 * terms, which a later --update retires them by, name it. */
void vs_docbuilder_set_build(vs_docbuilder *b, long build);
/* Instead of writing documents, add their records to s. */
void vs_docbuilder_sample_into(vs_docbuilder *b, vs_samples *s);
void vs_docbuilder_free(vs_docbuilder *b);

/* Instead of adding documents, print each passage as one TSV line
 * (id, framework, mentions, dates, section, heading, where, notes, note_of,
 * text) to `out`:
 * vnindex --dump, to see how a file is split and tagged. */
void vs_docbuilder_set_dump(vs_docbuilder *b, FILE *out);

/* Adds the passages of one document, as its reader made it (rd_read(),
 * readers.h), as the file called `name`.  With several parts (shards), each
 * passage goes to part hash(id) % nparts, so it always lands in the same
 * one.  Returns 0, or -1 with a message in err. */
struct rd_document;
int vs_docbuild_document(vs_docbuilder *b, vs_part *const *parts, size_t nparts, const char *name,
                         const struct rd_document *doc, vs_build_stats *stats, char *err, size_t cap);

/* The same for plain text (valid UTF-8, LF line ends, as vn_decode() makes
 * it), read by the txt reader. */
int vs_docbuild_file(vs_docbuilder *b, vs_part *const *parts, size_t nparts, const char *name, const char *text,
                     size_t len, vs_build_stats *stats, char *err, size_t cap);

#ifdef __cplusplus
}
#endif
#endif /* VNSEARCH_H */
