/*
 * Fuzz harness: the query language, against a small real index.
 *
 * On the first input it indexes the bundled corpus (index_run(), as vnindex
 * does) into a scratch directory, then for every input: query_parse(), and
 * for a query that parses, plan_build() with the index's alias table, the
 * framework and date filters, and a whole vs_search() written out in one of
 * the four output formats (the first byte picks the options).  A query that
 * is refused must come back with a one-line message, never a crash; one that
 * parses must build or say why.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "index.h"
#include "output.h"
#include "query.h"
#include "vnsearch.h"

#ifndef VN_CORPUS_DIR
#define VN_CORPUS_DIR "corpus"
#endif

static char db_dir[PATH_MAX];
static vs_engine *engine;
static xc_db *db;

static void remove_db(void)
{
    vs_close(engine);
    xc_db_close(db);
    engine = NULL;
    db = NULL;
    if (db_dir[0])
        vs_remove_tree(db_dir);
}

static void open_index(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(db_dir, sizeof db_dir, "%s/vnsearch-fuzz-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    FUZZ_CHECK(mkdtemp(db_dir) != NULL, "cannot create %s", db_dir);
    atexit(remove_db);
    char path[PATH_MAX + 8];
    snprintf(path, sizeof path, "%s/db", db_dir);
    const char *paths[] = {VN_CORPUS_DIR};
    index_options o;
    memset(&o, 0, sizeof o);
    o.db = path;
    o.paths = paths;
    o.npaths = 1;
    o.quiet = 1;
    o.threads = 1;
    FUZZ_CHECK(index_run(&o) == 0, "cannot index %s", VN_CORPUS_DIR);
    char err[1024];
    FUZZ_CHECK(vs_open(path, VS_OPEN_LOCAL, &engine, err, sizeof err) == VS_OK, "%s", err);
    FUZZ_CHECK(xc_db_open(path, XC_OPEN_LOCAL, &db) == XC_OK, "%s", xc_errmsg());
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!engine)
        open_index();
    if (size == 0)
        return 0;
    unsigned flags = data[0];
    char *text = malloc(size);
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';

    char err[256] = "";
    parsed_query q;
    if (query_parse(text, &q, err, sizeof err) != 0) {
        FUZZ_CHECK(err[0] && !strchr(err, '\n'), "refused with no one-line message");
    } else {
        query_context ctx = {db, vs_aliases(engine), (int)(flags & 1), (int)((flags >> 3) & 1)};
        FUZZ_CHECK(q.nframeworks <= QUERY_MAX_FRAMEWORKS, "%zu frameworks", q.nframeworks);
        xc_query *filter = query_framework_filter(q.frameworks, q.nframeworks);
        if (q.has_date) {
            int impossible = 0;
            err[0] = '\0';
            xc_query *dates = query_date_filter(db, q.date_from, q.date_to, (flags >> 1) & 1, &impossible, err,
                                                sizeof err);
            FUZZ_CHECK(dates || impossible || err[0], "no date filter, not impossible, and no message");
            xc_query_free(dates);
        }
        xc_query_free(filter);
        query_plan plan;
        err[0] = '\0';
        int rc = plan_build(&q, &ctx, &plan, err, sizeof err);
        FUZZ_CHECK(rc == 0 || err[0], "no plan and no message");
        if (rc == 0) {
            FUZZ_CHECK(!plan.weight == !plan.ntiers, "a plan with weights and no tiers, or tiers and no weights");
            FUZZ_CHECK(plan.ntiers <= QUERY_MAX_TIERS && (!plan.ntiers || plan.kind[0] == TIER_EXACT),
                       "tiers out of order");
            for (size_t i = 1; i < plan.ntiers; i++)
                FUZZ_CHECK(plan.kind[i] >= plan.kind[i - 1], "tiers out of order");
            FUZZ_CHECK(!plan.ntiers || plan.match, "tiers with no match query");
        }
        plan_free(&plan);
        query_free(&q);
    }

    vs_request req;
    memset(&req, 0, sizeof req);
    req.query = text;
    req.exact = flags & 1;
    req.facets = (flags >> 1) & 1;
    req.restore = (flags >> 2) & 1;
    req.count = 1 + (flags >> 5);
    vs_result res;
    err[0] = '\0';
    int rc = vs_search(engine, &req, &res, err, sizeof err);
    if (rc == VS_OK) {
        strbuf out = STRBUF_INIT;
        out_options oo = {(out_format)((flags >> 3) & 3), (int)((flags >> 2) & 1), req.facets, "q1"};
        out_result(&out, &res, &oo);
        FUZZ_CHECK(!out.failed, "output failed");
        sb_free(&out);
        vs_result_free(&res);
    } else {
        FUZZ_CHECK(rc == VS_ERR_QUERY && err[0], "vs_search: %d %s", rc, err);
    }
    free(text);
    return 0;
}
