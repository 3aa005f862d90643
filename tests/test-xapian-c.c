/*
 * Unit tests of the Xapian C shim: errors come back as statuses with a
 * message (never an abort), and the calls the indexer and searcher use do
 * what they say on a small scratch database.
 */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "xapian-c.h"

static char scratch[256];

static void test_open_missing_database_gives_status_and_message(void)
{
    xc_db *db = (xc_db *)0x1;
    int rc = xc_db_open("/nonexistent/vnsearch.db", XC_OPEN_LOCAL, &db);
    CHECK(rc == XC_ERR_OPENING, "status %d (%s)", rc, xc_status_string(rc));
    CHECK(strlen(xc_errmsg()) > 0, "message set");
    CHECK(db == NULL, "no handle on failure");
    xc_wdb *w = NULL;
    rc = xc_wdb_open("/nonexistent/dir/db", XC_WDB_OPEN, &w);
    CHECK(rc == XC_ERR_OPENING, "writable open of missing db: %d", rc);
    CHECK(xc_db_open(NULL, XC_OPEN_LOCAL, &db) == XC_ERR_INVALID, "NULL path");
}

static int add_doc(xc_wdb *w, const char *id, const char *words, const char *fw, const char *years)
{
    xc_doc *d = NULL;
    int rc = xc_doc_new(&d);
    if (rc)
        return rc;
    uint32_t pos = 1;
    const char *p = words;
    while (*p) {
        const char *e = strchr(p, ' ');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        xc_doc_add_posting(d, p, len, pos++);
        p += len;
        while (*p == ' ')
            p++;
    }
    char q[64];
    snprintf(q, sizeof q, "Q%s", id);
    xc_doc_add_boolean_term(d, q, strlen(q));
    xc_doc_set_data(d, id, strlen(id));
    xc_doc_set_value(d, 0, fw, strlen(fw));
    xc_doc_set_value(d, 1, years, strlen(years));
    rc = xc_wdb_replace_by_term(w, q, strlen(q), d);
    xc_doc_free(d);
    return rc;
}

static int collect_term(void *ctx, const char *term, size_t len, uint32_t freq)
{
    char *buf = ctx;
    size_t l = strlen(buf);
    snprintf(buf + l, 256 - l, "%.*s:%u ", (int)len, term, freq);
    return 0;
}

static void test_write_search_facets(void)
{
    char path[300];
    snprintf(path, sizeof path, "%s/db1", scratch);
    xc_wdb *w = NULL;
    int rc = xc_wdb_open(path, XC_WDB_CREATE, &w);
    CHECK(rc == XC_OK, "create: %s", xc_errmsg());
    if (rc)
        return;
    CHECK(add_doc(w, "a:1", "hop tac me cong", "MKC", "2019 2020") == XC_OK, "add a");
    CHECK(add_doc(w, "a:2", "me cong nhat ban hop tac", "MJC", "2019") == XC_OK, "add b");
    CHECK(add_doc(w, "a:3", "quy phat trien", "MJC", "") == XC_OK, "add c");
    CHECK(xc_wdb_set_metadata(w, "k", "v", 1) == XC_OK, "metadata");

    /* a second writer is refused with a clear status */
    xc_wdb *w2 = NULL;
    rc = xc_wdb_open(path, XC_WDB_OPEN, &w2);
    CHECK(rc == XC_ERR_LOCKED, "second writer: %d %s", rc, xc_errmsg());

    CHECK(xc_wdb_commit(w) == XC_OK, "commit");
    xc_wdb_close(w);

    xc_db *db = NULL;
    rc = xc_db_open(path, XC_OPEN_LOCAL, &db);
    CHECK(rc == XC_OK, "open: %s", xc_errmsg());
    if (rc)
        return;
    uint32_t n = 0;
    xc_db_doccount(db, &n);
    CHECK(n == 3, "doccount %u", n);
    xc_db_termfreq(db, "tac", 3, &n);
    CHECK(n == 2, "termfreq %u", n);
    char *v = NULL;
    size_t vl = 0;
    CHECK(xc_db_get_metadata(db, "k", &v, &vl) == XC_OK && vl == 1 && v[0] == 'v', "metadata read");
    free(v);

    char terms[256] = "";
    xc_db_allterms(db, "ph", 2, 0, collect_term, terms);
    CHECK(strcmp(terms, "phat:1 ") == 0, "allterms: %s", terms);

    xc_query *t1 = xc_query_term("me", 2, 1), *t2 = xc_query_term("cong", 4, 1);
    xc_query *subs[2] = {t1, t2};
    xc_query *phrase = xc_query_combine(XC_OP_PHRASE, subs, 2, 2);
    CHECK(phrase != NULL, "phrase built");
    xc_enquire *enq = NULL;
    CHECK(xc_enquire_new(db, &enq) == XC_OK, "enquire");
    xc_enquire_set_query(enq, phrase);
    CHECK(xc_enquire_set_bm25(enq, 1.2, 0, 1, 0.5, 0.5) == XC_OK, "bm25");
    size_t f_fw, f_year;
    xc_enquire_add_facet(enq, 0, 0, &f_fw);
    xc_enquire_add_facet(enq, 1, ' ', &f_year);
    for (int round = 0; round < 2; round++) { /* counts must not accumulate */
        xc_mset *m = NULL;
        CHECK(xc_enquire_mset(enq, 0, 10, 100, &m) == XC_OK, "mset: %s", xc_errmsg());
        CHECK(xc_mset_size(m) == 2, "two phrase hits, got %zu", xc_mset_size(m));
        const char *fv;
        size_t fl;
        uint32_t c;
        CHECK(xc_enquire_facet(enq, f_year, 0, &fv, &fl, &c) == XC_OK && fl == 4 && memcmp(fv, "2019", 4) == 0 &&
                  c == 2,
              "year facet 2019 counted twice, got %.*s %u", (int)fl, fv, c);
        CHECK(xc_enquire_facet(enq, f_year, 1, &fv, &fl, &c) == XC_OK && c == 1, "year facet 2020");
        CHECK(xc_enquire_facet(enq, f_year, 2, &fv, &fl, &c) == XC_ERR_NOT_FOUND, "end of facet values");
        CHECK(xc_enquire_facet(enq, f_fw, 0, &fv, &fl, &c) == XC_OK && c == 1, "framework facet");
        char *data = NULL;
        size_t dl;
        CHECK(xc_mset_data(m, 0, &data, &dl) == XC_OK && dl == 3, "data");
        free(data);
        CHECK(xc_mset_data(m, 99, &data, &dl) == XC_ERR_INVALID, "out of range");
        xc_mset_free(m);
    }

    char *desc = xc_query_describe(phrase);
    CHECK(desc && strstr(desc, "PHRASE"), "describe: %s", desc ? desc : "(null)");
    free(desc);
    xc_query_free(t1);
    xc_query_free(t2);
    xc_query_free(phrase);
    xc_enquire_free(enq);
    xc_db_close(db);

    /* compaction merges shards into one */
    char path2[300], dest[300];
    snprintf(path2, sizeof path2, "%s/db2", scratch);
    snprintf(dest, sizeof dest, "%s/merged", scratch);
    rc = xc_wdb_open(path2, XC_WDB_CREATE | XC_WDB_NO_SYNC, &w);
    CHECK(rc == XC_OK, "create db2");
    add_doc(w, "b:1", "tokyo", "MJC", "2018");
    xc_wdb_commit(w);
    xc_wdb_close(w);
    const char *srcs[2] = {path, path2};
    CHECK(xc_compact(srcs, 2, dest) == XC_OK, "compact: %s", xc_errmsg());
    CHECK(xc_db_open(dest, XC_OPEN_LOCAL, &db) == XC_OK, "open merged");
    xc_db_doccount(db, &n);
    CHECK(n == 4, "merged doccount %u", n);
    xc_db_close(db);
}

/* Runs after test_write_search_facets, whose db1 (3 passages) it searches. */
static void test_deadline_cuts_a_search_short_and_says_so(void)
{
    char path[300];
    snprintf(path, sizeof path, "%s/db1", scratch);
    xc_db *db = NULL;
    xc_enquire *enq = NULL;
    if (xc_db_open(path, XC_OPEN_LOCAL, &db) != XC_OK || xc_enquire_new(db, &enq) != XC_OK) {
        CHECK(0, "open: %s", xc_errmsg());
        return;
    }
    xc_query *q = xc_query_term("tac", 3, 1);
    xc_enquire_set_query(enq, q);
    xc_mset *m = NULL;
    CHECK(xc_enquire_set_deadline(enq, 60) == XC_OK, "a minute");
    CHECK(xc_enquire_mset(enq, 0, 10, 0, &m) == XC_OK && xc_mset_size(m) == 2 && !xc_enquire_timed_out(enq),
          "inside the limit: the whole answer, not marked");
    double w0 = 0;
    xc_mset_weight(m, 0, &w0);
    xc_mset_free(m);
    CHECK(xc_enquire_set_deadline(enq, 1e-9) == XC_OK, "already past");
    CHECK(xc_enquire_mset(enq, 0, 10, 0, &m) == XC_OK && xc_mset_size(m) == 0 && xc_enquire_timed_out(enq),
          "past the limit: cut short (%zu hits) and marked", xc_mset_size(m));
    xc_mset_free(m);
    CHECK(xc_enquire_set_deadline(enq, 0) == XC_OK, "no limit");
    double w1 = 0;
    CHECK(xc_enquire_mset(enq, 0, 10, 0, &m) == XC_OK && xc_mset_size(m) == 2 && !xc_enquire_timed_out(enq) &&
              xc_mset_weight(m, 0, &w1) == XC_OK && w1 == w0,
          "no limit again: the same answer, the same weights (%g %g)", w0, w1);
    xc_mset_free(m);
    xc_query_free(q);
    xc_enquire_free(enq);
    xc_db_close(db);
}

static int collect_value(void *ctx, xc_docid id, const char *value, size_t len)
{
    char *out = ctx;
    size_t l = strlen(out);
    snprintf(out + l, 128 - l, "%s%u=%.*s", l ? " " : "", (unsigned)id, (int)len, value);
    return 0;
}

static int stop_at_first(void *ctx, xc_docid id, const char *value, size_t len)
{
    (void)value;
    (void)len;
    *(xc_docid *)ctx = id;
    return 1;
}

/* Keeps every document but id *ctx, counting the calls in ctx[1]. */
static int all_but(void *ctx, xc_docid id)
{
    xc_docid *c = ctx;
    c[1]++;
    return id != c[0];
}

static char *mset_ids(xc_mset *m, char *out, size_t cap)
{
    out[0] = '\0';
    for (size_t i = 0; i < xc_mset_size(m); i++) {
        char *d = NULL;
        size_t dl = 0;
        size_t l = strlen(out);
        if (xc_mset_data(m, i, &d, &dl) == XC_OK)
            snprintf(out + l, cap - l, "%s%.*s", i ? " " : "", (int)dl, d);
        free(d);
    }
    return out;
}

/* Runs after test_write_search_facets: db1 holds a:1 (MKC, "2019 2020"),
 * a:2 (MJC, "2019") and a:3 (MJC, no years). */
static void test_sort_collapse_values_and_postings(void)
{
    char path[300], ids[128], ids_text[128];
    snprintf(path, sizeof path, "%s/db1", scratch);
    xc_db *db = NULL;
    xc_enquire *enq = NULL;
    if (xc_db_open(path, XC_OPEN_LOCAL, &db) != XC_OK || xc_enquire_new(db, &enq) != XC_OK) {
        CHECK(0, "open: %s", xc_errmsg());
        return;
    }
    xc_query *all = xc_query_match_all();
    xc_enquire_set_query(enq, all);
    xc_mset *m = NULL;
    CHECK(xc_enquire_set_sort(enq, 1, 1) == XC_OK, "sort by slot 1, highest first");
    CHECK(xc_enquire_mset(enq, 0, 10, 0, &m) == XC_OK, "mset: %s", xc_errmsg());
    CHECK(strcmp(mset_ids(m, ids, sizeof ids), "a:1 a:2 a:3") == 0, "highest value first, none last: %s", ids);
    xc_mset_free(m);
    xc_enquire_set_sort(enq, 1, 0);
    xc_enquire_mset(enq, 0, 10, 0, &m);
    CHECK(strcmp(mset_ids(m, ids, sizeof ids), "a:3 a:2 a:1") == 0, "lowest first: %s", ids);
    xc_mset_free(m);
    CHECK(xc_enquire_set_sort(enq, -7, 0) == XC_ERR_INVALID, "a bad slot is refused");
    CHECK(xc_enquire_set_sort(enq, XC_SORT_RELEVANCE, 0) == XC_OK, "back to relevance");

    CHECK(xc_enquire_set_collapse(enq, 0, 1) == XC_OK, "collapse on slot 0");
    xc_enquire_mset(enq, 0, 10, 0, &m);
    CHECK(xc_mset_size(m) == 2, "one hit per framework, got %zu", xc_mset_size(m));
    uint32_t collapsed = 0;
    for (size_t i = 0; i < xc_mset_size(m); i++) {
        char *v = NULL;
        size_t vl = 0;
        CHECK(xc_mset_value(m, i, 0, &v, &vl) == XC_OK && vl > 0, "value of hit %zu", i);
        if (v && vl == 3 && memcmp(v, "MJC", 3) == 0)
            collapsed = xc_mset_collapse_count(m, i);
        free(v);
    }
    CHECK(collapsed == 1, "the MJC hit stands for one more, got %u", collapsed);
    xc_mset_free(m);
    xc_enquire_set_collapse(enq, XC_COLLAPSE_NONE, 0);
    xc_enquire_mset(enq, 0, 10, 0, &m);
    CHECK(xc_mset_size(m) == 3 && xc_mset_collapse_count(m, 0) == 0, "collapsing off");
    xc_mset_free(m);

    xc_docid skip[2] = {2, 0};
    CHECK(xc_enquire_set_decider(enq, all_but, skip) == XC_OK, "a decider");
    xc_enquire_mset(enq, 0, 0, 10, &m);
    CHECK(xc_mset_matches_lower_bound(m) == 2 && xc_mset_matches_upper_bound(m) == 2 && skip[1] == 3,
          "counted without the document it refused: %u..%u, asked %u times", xc_mset_matches_lower_bound(m),
          xc_mset_matches_upper_bound(m), (unsigned)skip[1]);
    xc_mset_free(m);
    xc_enquire_mset(enq, 0, 10, 0, &m);
    CHECK(strcmp(mset_ids(m, ids, sizeof ids), "a:1 a:3") == 0, "listed without it: %s", ids);
    xc_mset_free(m);
    CHECK(xc_enquire_set_decider(enq, NULL, NULL) == XC_OK, "no decider");
    xc_enquire_mset(enq, 0, 10, 0, &m);
    CHECK(xc_mset_size(m) == 3, "every document again");
    xc_mset_free(m);

    xc_docid some[] = {3, 1, 3};
    xc_query *listed = xc_query_docids(some, 3);
    CHECK(listed != NULL, "a query of ids: %s", xc_errmsg());
    xc_enquire_set_query(enq, listed);
    xc_enquire_mset(enq, 0, 10, 10, &m);
    mset_ids(m, ids_text, sizeof ids_text);
    CHECK(xc_mset_matches_lower_bound(m) == 2 && strcmp(ids_text, "a:1 a:3") == 0, "the documents listed, once: %s",
          ids_text);
    xc_mset_free(m);
    xc_query *two[2] = {all, listed};
    xc_query *filtered = xc_query_combine(XC_OP_FILTER, two, 2, 0);
    xc_enquire_set_query(enq, filtered);
    xc_enquire_mset(enq, 0, 10, 10, &m);
    CHECK(strcmp(mset_ids(m, ids_text, sizeof ids_text), "a:1 a:3") == 0, "as a filter: %s", ids_text);
    xc_mset_free(m);
    xc_query_free(filtered);
    xc_query_free(listed);
    xc_enquire_set_query(enq, all);

    xc_query *mjc = xc_query_value_range(0, "MJC", 3, "MJC", 3);
    CHECK(mjc != NULL, "value range built");
    xc_enquire_set_query(enq, mjc);
    xc_enquire_mset(enq, 0, 10, 0, &m);
    CHECK(strcmp(mset_ids(m, ids, sizeof ids), "a:2 a:3") == 0, "value range MJC..MJC: %s", ids);
    xc_mset_free(m);

    xc_docid *docs = NULL;
    size_t nd = 0;
    CHECK(xc_db_postings(db, "Qa:2", 4, 0, &docs, &nd) == XC_OK && nd == 1, "the unique id's document");
    char *v = NULL, *data = NULL;
    size_t vl = 0, dl = 0;
    CHECK(nd == 1 && xc_db_get_value(db, docs[0], 0, &v, &vl) == XC_OK && vl == 3 && memcmp(v, "MJC", 3) == 0,
          "its value");
    free(v);
    CHECK(nd == 1 && xc_db_get_value(db, docs[0], 9, &v, &vl) == XC_OK && vl == 0, "an unset slot");
    free(v);
    CHECK(nd == 1 && xc_db_get_data(db, docs[0], &data, &dl) == XC_OK && dl == 3 && memcmp(data, "a:2", 3) == 0,
          "its data");
    free(data);
    free(docs);
    CHECK(xc_db_postings(db, "Qnone", 5, 0, &docs, &nd) == XC_OK && nd == 0, "no document for an unknown id");
    free(docs);

    char stream[128] = "";
    CHECK(xc_db_values(db, 0, collect_value, stream) == XC_OK && strcmp(stream, "1=MKC 2=MJC 3=MJC") == 0,
          "slot 0's value stream, in docid order: %s", stream);
    stream[0] = '\0';
    CHECK(xc_db_values(db, 9, collect_value, stream) == XC_OK && stream[0] == '\0', "an unset slot streams nothing");
    xc_docid first = 0;
    CHECK(xc_db_values(db, 0, stop_at_first, &first) == XC_OK && first == 1, "the callback stops the stream");
    xc_query_free(mjc);
    xc_query_free(all);
    xc_enquire_free(enq);
    xc_db_close(db);
}

static void write_file(const char *name, const char *text)
{
    char path[400];
    snprintf(path, sizeof path, "%s/%s", scratch, name);
    FILE *fp = fopen(path, "w");
    CHECK(fp != NULL, "cannot write %s", path);
    if (fp) {
        fputs(text, fp);
        fclose(fp);
    }
}

static int marker_exists(void)
{
    char path[400];
    snprintf(path, sizeof path, "%s/marker", scratch);
    return access(path, F_OK) == 0;
}

/* Opens scratch/name with flags; returns the status and the doccount. */
static int open_count(const char *name, unsigned flags, uint32_t *docs)
{
    char path[400];
    snprintf(path, sizeof path, "%s/%s", scratch, name);
    xc_db *db = NULL;
    int rc = xc_db_open(path, flags, &db);
    *docs = 0;
    if (rc == XC_OK) {
        xc_db_doccount(db, docs);
        xc_db_close(db);
    }
    return rc;
}

/* Runs after test_write_search_facets, whose db1 (3 passages) it names. */
static void test_stubs_open_local_databases_and_refuse_remote_lines(void)
{
    char dir[400], text[600];
    uint32_t n;
    snprintf(dir, sizeof dir, "%s/stubdir", scratch);
    CHECK(mkdir(dir, 0777) == 0, "mkdir");
    write_file("stubdir/XAPIANDB", "auto ../db1\n");
    CHECK(open_count("stubdir", XC_OPEN_LOCAL, &n) == XC_OK && n == 3, "stub directory: %s", xc_errmsg());
    write_file("nested.stub", "# a comment, then a blank line\n\nauto stubdir\nglass db2\n");
    CHECK(open_count("nested.stub", XC_OPEN_LOCAL, &n) == XC_OK && n == 4, "nested stubs, relative paths: %s",
          xc_errmsg());

    /* a program line: refused unless allowed, and the program never runs */
    snprintf(text, sizeof text, "auto db1\nremote :touch %s/marker\n", scratch);
    write_file("prog.stub", text);
    int rc = open_count("prog.stub", XC_OPEN_LOCAL, &n);
    CHECK(rc == XC_ERR_PROGRAM_REFUSED && strstr(xc_errmsg(), "prog.stub:2: ") && strstr(xc_errmsg(), ":PROGRAM"),
          "program refused: %d %s", rc, xc_errmsg());
    rc = open_count("prog.stub", XC_OPEN_REMOTE_TCP, &n);
    CHECK(rc == XC_ERR_PROGRAM_REFUSED, "TCP allowed, program still refused: %d", rc);
    snprintf(text, sizeof text, "auto stubdir\nauto prog.stub\n");
    write_file("via.stub", text);
    CHECK(open_count("via.stub", XC_OPEN_LOCAL, &n) == XC_ERR_PROGRAM_REFUSED, "through a nested stub");
    write_file("stubdir/XAPIANDB", "auto ../db1\nauto ../prog.stub\n");
    CHECK(open_count("stubdir", XC_OPEN_LOCAL, &n) == XC_ERR_PROGRAM_REFUSED, "through a stub directory");
    snprintf(text, sizeof text, "%s/prog.stub", scratch);
    const char *srcs[1] = {text};
    char dest[400];
    snprintf(dest, sizeof dest, "%s/compacted", scratch);
    CHECK(xc_compact(srcs, 1, dest) == XC_ERR_PROGRAM_REFUSED, "compaction opens local databases only");
    CHECK(!marker_exists(), "the program never ran");
    /* allowed, it runs (so the checks above can fail) */
    rc = open_count("prog.stub", XC_OPEN_REMOTE_PROGRAM, &n);
    CHECK(rc == XC_ERR_NETWORK && marker_exists(), "allowed program runs: %d %s", rc, xc_errmsg());

    /* a TCP line: refused without a connection, unless allowed */
    write_file("tcp.stub", "remote 127.0.0.1:1\n");
    rc = open_count("tcp.stub", XC_OPEN_LOCAL, &n);
    CHECK(rc == XC_ERR_REMOTE_REFUSED && strstr(xc_errmsg(), "tcp.stub:1: names a remote database (127.0.0.1:1)"),
          "TCP refused: %d %s", rc, xc_errmsg());
    rc = open_count("tcp.stub", XC_OPEN_REMOTE_TCP, &n);
    CHECK(rc == XC_ERR_NETWORK, "allowed TCP connects (and finds nobody on port 1): %d %s", rc, xc_errmsg());

    /* loops, garbage and odd files: errors, never a crash or a hang */
    write_file("loop.stub", "auto loop.stub\n");
    rc = open_count("loop.stub", XC_OPEN_LOCAL, &n);
    CHECK(rc == XC_ERR_OPENING && strstr(xc_errmsg(), "nested more than"), "loop: %d %s", rc, xc_errmsg());
    write_file("bad.stub", "auto db1\nsecret text\n");
    rc = open_count("bad.stub", XC_OPEN_LOCAL, &n);
    CHECK(rc == XC_ERR_OPENING && strstr(xc_errmsg(), "bad.stub:2: Bad line") && !strstr(xc_errmsg(), "secret"),
          "bad line: %d %s", rc, xc_errmsg());
    snprintf(text, sizeof text, "%s/fifo.stub", scratch);
    CHECK(mkfifo(text, 0600) == 0, "mkfifo");
    CHECK(open_count("fifo.stub", XC_OPEN_LOCAL, &n) == XC_ERR_OPENING, "a FIFO is not a stub");

    /* reopen re-reads the stub with the same rules */
    write_file("stubdir/XAPIANDB", "auto ../db1\n");
    snprintf(text, sizeof text, "%s/stubdir", scratch);
    xc_db *db = NULL;
    CHECK(xc_db_open(text, XC_OPEN_LOCAL, &db) == XC_OK, "open stubdir");
    snprintf(text, sizeof text, "%s/marker", scratch);
    unlink(text);
    write_file("stubdir/XAPIANDB", "auto ../db1\nauto ../prog.stub\n");
    int changed = 0;
    CHECK(xc_db_reopen(db, &changed) == XC_ERR_PROGRAM_REFUSED, "reopen refuses the program line");
    CHECK(!marker_exists(), "and does not run it");
    xc_db_close(db);
}

int main(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(scratch, sizeof scratch, "%s/test-xapian-c-XXXXXX", tmp ? tmp : "/tmp");
    if (!mkdtemp(scratch)) {
        perror("mkdtemp");
        return 2;
    }
    RUN(test_open_missing_database_gives_status_and_message);
    RUN(test_write_search_facets);
    RUN(test_deadline_cuts_a_search_short_and_says_so);
    RUN(test_sort_collapse_values_and_postings);
    RUN(test_stubs_open_local_databases_and_refuse_remote_lines);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", scratch);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", scratch);
    return check_summary("xapian-c");
}
