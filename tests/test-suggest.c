/*
 * Unit tests of "did you mean" (lib/suggest.c): Telex and VNI decoding on
 * their own, then respellings against an index of the bundled corpus
 * (argv[2]) built by vnindex (argv[1]), and the development queries
 * (argv[3]), which need no respelling.
 */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aliases.h"
#include "check.h"
#include "suggest.h"
#include "vnsearch.h"
#include "vntext.h"
#include "xapian-c.h"

static const char *corpus_dir;
static char scratch[256];
static xc_db *db;
static alias_table *aliases;

static void expect_decoded(size_t (*decode)(const char *, size_t, char *, size_t), const char *typed,
                           const char *want)
{
    char out[256];
    size_t n = decode(typed, strlen(typed), out, sizeof out);
    if (!want)
        CHECK(n == 0, "%s: nothing to decode, got '%.*s'", typed, (int)n, out);
    else
        CHECK(n == strlen(want) && memcmp(out, want, n) == 0, "%s: got '%.*s', want '%s'", typed, (int)n, out,
              want);
}

static void test_telex_decodes_as_an_input_method(void)
{
    expect_decoded(suggest_telex, "hojp", "họp");
    expect_decoded(suggest_telex, "tacs", "tác");
    expect_decoded(suggest_telex, "Vieetj", "việt");
    expect_decoded(suggest_telex, "chur", "chủ");
    expect_decoded(suggest_telex, "tichj", "tịch");
    expect_decoded(suggest_telex, "dduwowngf", "đường");
    expect_decoded(suggest_telex, "nuowcs", "nước");
    expect_decoded(suggest_telex, "hoaf", "hòa");
    expect_decoded(suggest_telex, "tieengs", "tiếng");
    expect_decoded(suggest_telex, "cuar", "của");
    expect_decoded(suggest_telex, "aw", "ă");
    expect_decoded(suggest_telex, "thw", "thư");
    expect_decoded(suggest_telex, "Nam", NULL);     /* no Telex key in it */
    expect_decoded(suggest_telex, "hop5", NULL);    /* a digit: not Telex */
    expect_decoded(suggest_telex, "xz", NULL);      /* no vowel: x and z are letters */
    expect_decoded(suggest_telex, "hoaz", NULL);    /* z with no tone to take off */
}

static void test_vni_decodes_as_an_input_method(void)
{
    expect_decoded(suggest_vni, "hop5", "họp");
    expect_decoded(suggest_vni, "tac1", "tác");
    expect_decoded(suggest_vni, "vie65t", "việt");
    expect_decoded(suggest_vni, "d9uo7ng2", "đường");
    expect_decoded(suggest_vni, "a8n", "ăn");
    expect_decoded(suggest_vni, "hop", NULL);       /* no digit */
    expect_decoded(suggest_vni, "2019", NULL);      /* a number */
    expect_decoded(suggest_vni, "h5n1", NULL);      /* a 5 with no vowel before it */
}

/* The suggestion for query (NULL: none) and its unmatched words, joined
 * by spaces ("" for none). */
static void expect_suggestion(const char *query, int exact, const char *want, const char *unmatched)
{
    suggestion s;
    char err[256] = "";
    int rc = suggest(db, aliases, query, exact, &s, err, sizeof err);
    CHECK(rc == 0, "%s: %s", query, err);
    if (want)
        CHECK(s.query && !strcmp(s.query, want), "%s: suggested '%s', want '%s'", query,
              s.query ? s.query : "(none)", want);
    else
        CHECK(!s.query, "%s: suggested '%s', want none", query, s.query);
    if (want && s.query)
        CHECK(s.passages > s.original || s.passages > 0, "%s: %u passages for the suggestion, %u as typed", query,
              s.passages, s.original);
    char names[256] = "";
    for (size_t i = 0; i < s.nunmatched; i++)
        snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", i ? " " : "", s.unmatched[i]);
    CHECK(!strcmp(names, unmatched), "%s: unmatched '%s', want '%s'", query, names, unmatched);
    suggestion_free(&s);
}

static void test_telex_and_vni_typed_without_an_input_method(void)
{
    expect_suggestion("hojp tacs", 0, "hợp tác", "hojp tacs");
    expect_suggestion("hop5 tac1", 0, "hợp tác", "hop5 tac1");
    expect_suggestion("Hojp tacs Mekong", 0, "Hợp tác Mekong", "Hojp tacs");
    expect_suggestion("Vieetj Nam chur tichj", 0, "Việt Nam chủ tịch", "Vieetj chur tichj");
    expect_suggestion("hojp", 0, "họp", "hojp"); /* alone, what was typed: họp */
}

static void test_wrong_marks_and_letters(void)
{
    expect_suggestion("hớp tác", 0, "hợp tác", "");          /* hop matches; hớp is a wrong tone */
    expect_suggestion("họp tác Mê Công", 0, "hợp tác Mê Công", "");
    expect_suggestion("hop tc", 0, "hop tac", "tc");         /* a letter missing */
    expect_suggestion("hop tacc", 0, "hop tac", "tacc");     /* a letter extra */
    expect_suggestion("hoptac", 0, "hop tac", "hoptac");     /* the space missing */
    expect_suggestion("Motegy", 0, "Motegi", "Motegy");
}

static void test_queries_that_need_nothing_get_nothing(void)
{
    expect_suggestion("hợp tác", 0, NULL, "");
    expect_suggestion("hop tac Mekong Nhat Ban", 0, NULL, "");
    expect_suggestion("họp", 0, NULL, "");                    /* a real word alone is left alone */
    expect_suggestion("Motegi OR Blinken", 0, NULL, "");
    expect_suggestion("HNCC Campuchia", 0, NULL, "");         /* alias words */
    expect_suggestion("xyzzy", 0, NULL, "xyzzy");             /* nothing near it: named, no suggestion */
}

static void test_the_rest_of_the_query_is_kept(void)
{
    expect_suggestion("framework:MJC hojp tacs date:2019..2021", 0, "framework:MJC hợp tác date:2019..2021",
                      "hojp tacs");
    expect_suggestion("\"thu hoachj sowm\" -Covidd", 0, "\"thu hoạch sớm\" -Covidd", "hoachj sowm");
    expect_suggestion("(hojp tacs) OR Motegi", 0, "(hợp tác) OR Motegi", "hojp tacs");
}

/* The development set (argv[2]) is typed right: nothing to respell, and
 * only the query meant to find nothing has words that match nothing. */
static const char *dev_queries;

static void test_the_development_queries_need_nothing(void)
{
    size_t len = 0;
    char *data = NULL;
    int changed;
    if (vs_read_file(dev_queries, &data, &len, &changed) != 0) {
        CHECK(0, "cannot read %s", dev_queries);
        return;
    }
    size_t n = 0;
    for (char *line = strtok(data, "\n"); line; line = strtok(NULL, "\n")) {
        if (*line == '#' || !strncmp(line, "id\t", 3))
            continue;
        char *f[5] = {NULL};
        char *p = line;
        for (int k = 0; k < 5 && p; k++) {
            f[k] = p;
            p = strchr(p, '\t');
            if (p)
                *p++ = '\0';
        }
        if (!f[2])
            continue;
        int exact = f[1] && strstr(f[1], "--exact") != NULL;
        int none = f[3] && !strcmp(f[3], "none");
        expect_suggestion(f[2], exact, NULL, none ? f[2] : "");
        n++;
    }
    CHECK(n >= 16, "%zu development queries", n);
    free(data);
}

static void test_exact_mode_counts_the_spelling_typed(void)
{
    expect_suggestion("hớp tác", 1, "hợp tác", "hớp");
}

/* ---- the index ---- */

static const char *vnindex;

static char *slurp(const char *name, size_t *len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", corpus_dir, name);
    char *data = NULL;
    int changed;
    if (vs_read_file(path, &data, len, &changed) != 0)
        CHECK(0, "cannot read %s", path);
    return data;
}

/* The corpus indexed by the real vnindex, and its alias table. */
static int build_index(void)
{
    char path[300], cmd[2048];
    snprintf(path, sizeof path, "%s/db", scratch);
    snprintf(cmd, sizeof cmd, "'%s' --db '%s' --quiet --frameworks '%s/frameworks.tsv' --aliases '%s/aliases.tsv' '%s'",
             vnindex, path, corpus_dir, corpus_dir, corpus_dir);
    if (system(cmd) != 0) {
        CHECK(0, "%s failed", cmd);
        return -1;
    }
    if (xc_db_open(path, XC_OPEN_LOCAL, &db) != XC_OK) {
        CHECK(0, "open: %s", xc_errmsg());
        return -1;
    }
    size_t fl = 0, al = 0;
    char *fw = slurp("frameworks.tsv", &fl), *a = slurp("aliases.tsv", &al), err[256];
    int rc = alias_table_load(fw, fl, "frameworks.tsv", a, al, "aliases.tsv", &aliases, err, sizeof err);
    CHECK(rc == 0, "tables: %s", err);
    free(fw);
    free(a);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: test-suggest VNINDEX CORPUS_DIR [DEV_QUERIES]\n");
        return 2;
    }
    vnindex = argv[1];
    corpus_dir = argv[2];
    dev_queries = argc > 3 ? argv[3] : NULL;
    const char *tmp = getenv("TMPDIR");
    snprintf(scratch, sizeof scratch, "%s/test-suggest-XXXXXX", tmp ? tmp : "/tmp");
    if (!mkdtemp(scratch)) {
        perror("mkdtemp");
        return 2;
    }
    RUN(test_telex_decodes_as_an_input_method);
    RUN(test_vni_decodes_as_an_input_method);
    if (build_index() == 0) {
        RUN(test_telex_and_vni_typed_without_an_input_method);
        RUN(test_wrong_marks_and_letters);
        RUN(test_queries_that_need_nothing_get_nothing);
        RUN(test_the_rest_of_the_query_is_kept);
        RUN(test_exact_mode_counts_the_spelling_typed);
        if (dev_queries)
            RUN(test_the_development_queries_need_nothing);
    }
    xc_db_close(db);
    alias_table_free(aliases);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", scratch);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", scratch);
    return check_summary("suggest");
}
