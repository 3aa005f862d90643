/*
 * vnsearch: search a vnindex database from the command line.
 */
#include <getopt.h>
#include <libintl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "batch.h"
#include "output.h"
#include "serve.h"
#include "vnsearch.h"
#include "vntext.h"

#define MAX_FW 64
#define _(s) gettext(s)

static void usage(FILE *out)
{
    /* four messages, not one: a translator redoes one paragraph at a time,
     * and the option names inside them stay as they are */
    fputs(_("usage: vnsearch [--db DIR] [-n N] [--offset K] [--format text|json|tsv|csv|trec]\n"
            "                [--framework CODE]... [--from DATE] [--to DATE] [--exact] [--facets]\n"
            "                [--sort relevance|date] [--context N] [--all-copies] [--group file]\n"
            "                QUERY...\n"
            "       vnsearch --like ID [options]   (the passages like passage ID)\n"
            "       vnsearch --batch FILE [--threads N] [options]\n"
            "       vnsearch --meetings [--framework CODE]... [--from DATE] [--to DATE] [--format F]\n"
            "       vnsearch serve [--db DIR] [--listen 127.0.0.1:8080]   (the search page; serve --help)\n"),
          out);
    fputs("\n", out);
    fputs(_("Searches the passages indexed by vnindex (default database: $VNSEARCH_DB, else\n"
            "./vnsearch.db).  Words typed without marks match every accented form.\n"
            "\n"
            "Query language: words (ranked, all words first), \"a phrase\", -exclude, +require,\n"
            "a OR b, a AND b, (grouping), prefix*, framework:CODE, date:FROM..TO\n"
            "Quote a query with -exclusions so they are not read as options:\n"
            "  vnsearch 'Motegi -Covid'    or    vnsearch -- Motegi -Covid\n"),
          out);
    fputs("\n", out);
    fputs(_("  -n N              number of passages (default 10)\n"
            "  --offset K        skip the first K passages\n"
            "  --format F        text (default), json (one object per line), tsv, csv (RFC 4180),\n"
            "                    trec; tsv and csv are for spreadsheets: a row per passage, and\n"
            "                    with --batch one for each query that found nothing or failed\n"
            "  --framework CODE  only passages of this framework (repeatable: any of them)\n"
            "  --from DATE       only passages with a date on or after DATE (YYYY, YYYY-MM,\n"
            "                    YYYY-MM-DD, or MM/YYYY, DD/MM/YYYY as Vietnamese write them)\n"
            "  --to DATE         ... on or before DATE\n"
            "  --exact           words typed with marks match only that spelling\n"
            "  --facets          count matches per framework and per year\n"
            "  --sort ORDER      relevance (default), or date: the latest date first within\n"
            "                    each match (every word, other marks, some words), undated last\n"
            "                    (vnsearch --sort date hop tac kinh te)\n"
            "  --like ID         the passages that speak of what passage ID speaks of, its copies\n"
            "                    left out (vnsearch --like mekong-frameworks.txt:132); filters\n"
            "                    apply, query words do not\n"
            "  --context N       with each passage, the N before and after it in its file\n"
            "                    (vnsearch --context 2 thu hoach som)\n"
            "  --all-copies      passages with the same words in several places are shown once,\n"
            "                    \"also in\" the others (counts count each); this lists each copy\n"
            "  --group file      each file once, at the rank of its best passage, with how many\n"
            "                    more of its passages match; -n, --offset and the count are\n"
            "                    of files (vnsearch --group file hop tac Mekong)\n"
            "  --color WHEN      highlight with colour: auto (default), always, never\n"
            "  --meetings        the meetings timeline: every summit, ministerial meeting and SOM\n"
            "                    the passages name, one per framework, kind and ordinal, with its\n"
            "                    date, place, sources and the conflicts between them (text, json,\n"
            "                    tsv or csv; --framework, --from and --to filter it)\n"
            "  --batch FILE      run every query in FILE (- for stdin): one per line, QUERY or\n"
            "                    ID<TAB>QUERY; blank lines and # comments skipped; results in\n"
            "                    input order, each row carrying its query id\n"
            "  --threads N       batch worker threads (default: one per core)\n"
            "  --progress        batch progress on stderr even when it is not a terminal\n"
            "  --allow-remote    open the remote shards (remote HOST:PORT) a stub names\n"
            "  --allow-remote-programs  also run the programs (remote :PROGRAM) a stub names;\n"
            "                    without these only local databases are opened (environment:\n"
            "                    VNSEARCH_ALLOW_REMOTE=tcp or programs)\n"
            "  --version         print the version and the index format, and exit\n"),
          out);
    fputs("\n", out);
    fputs(_("Exit status: 0 passages found, 1 none found, 2 error.  With --batch: 0 every\n"
            "query ran, 2 some line was bad (reported on stderr with its line number).\n"),
          out);
}

static long parse_number(const char *opt, const char *s, long min, long max)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (*s == '\0' || *end != '\0' || v < min || v > max) {
        vs_say(stderr, _("vnsearch: %s: expected a number from %ld to %ld, got '%s'\n"), opt, min, max, s);
        exit(2);
    }
    return v;
}

/* Text from the command line must be UTF-8: bytes that are not would
 * otherwise become word breaks and search for something else than typed
 * (the API answers 400 for the same). */
static int check_utf8(const char *what, const char *s)
{
    size_t len = strlen(s), ok = vn_utf8_text_prefix(s, len);
    if (ok == len)
        return 0;
    vs_say(stderr, _("vnsearch: %s is not valid UTF-8 (byte %zu): give it in UTF-8\n"), what, ok + 1);
    return -1;
}

/* vnsearch --meetings: the timeline of the meetings the index's passages name. */
static int meetings_run(const char *db, unsigned open_flags, const vs_request *req, out_format format, int extra)
{
    if (extra) {
        fputs(_("vnsearch: --meetings lists every meeting: give it no query, --like or --batch "
                "(filter with --framework, --from, --to)\n"),
              stderr);
        return 2;
    }
    if (format == OUT_TREC) {
        fputs(_("vnsearch: --meetings: expected --format text, json, tsv or csv, got trec\n"), stderr);
        return 2;
    }
    int bad = 0;
    for (size_t i = 0; i < req->nframeworks; i++)
        bad |= check_utf8("--framework", req->frameworks[i]);
    bad |= (req->from && check_utf8("--from", req->from)) | (req->to && check_utf8("--to", req->to));
    if (bad)
        return 2;
    char err[1024];
    vs_engine *e = NULL;
    if (vs_open(db, open_flags, &e, err, sizeof err) != VS_OK) {
        fprintf(stderr, "vnsearch: %s\n", err);
        return 2;
    }
    vs_meetings ms;
    int rc = vs_meetings_list(e, req->frameworks, req->nframeworks, req->from, req->to, &ms, err, sizeof err);
    int status = 0;
    if (rc != VS_OK) {
        fprintf(stderr, "vnsearch: %s\n", err);
        status = 2;
    } else {
        strbuf out = STRBUF_INIT;
        out_meetings(&out, &ms, format);
        if (out.len)
            fwrite(out.s, 1, out.len, stdout);
        sb_free(&out);
        if (ms.n == 0) {
            fputs(req->nframeworks || req->from || req->to ? _("vnsearch: no meetings match these filters\n")
                                                           : _("vnsearch: no meetings in the index\n"),
                  stderr);
            status = 1;
        } else if (format == OUT_TEXT) {
            fflush(stdout);
            size_t conflicts = 0;
            for (size_t i = 0; i < ms.n; i++)
                conflicts += ms.items[i].nconflicts > 0;
            fprintf(stderr, ngettext("%zu meeting, %zu with conflicting sources\n",
                                     "%zu meetings, %zu with conflicting sources\n", ms.n),
                    ms.n, conflicts);
        }
    }
    vs_meetings_free(&ms);
    vs_close(e);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fputs(_("vnsearch: cannot write the results\n"), stderr);
        return 2;
    }
    return status;
}

int main(int argc, char **argv)
{
    vs_locale_init();
    if (argc > 1 && strcmp(argv[1], "serve") == 0)
        return serve_main(argc - 1, argv + 1);
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},        {"offset", required_argument, NULL, 'o'},
        {"format", required_argument, NULL, 'F'},    {"framework", required_argument, NULL, 'w'},
        {"from", required_argument, NULL, 'f'},      {"to", required_argument, NULL, 't'},
        {"exact", no_argument, NULL, 'e'},           {"facets", no_argument, NULL, 'a'},
        {"color", required_argument, NULL, 'c'},     {"colour", required_argument, NULL, 'c'},
        {"batch", required_argument, NULL, 'b'},     {"threads", required_argument, NULL, 'T'},
        {"progress", no_argument, NULL, 'p'},        {"no-progress", no_argument, NULL, 'P'},
        {"allow-remote", no_argument, NULL, 'R'},    {"allow-remote-programs", no_argument, NULL, 'X'},
        {"help", no_argument, NULL, 'h'},            {"version", no_argument, NULL, 'V'},
        {"sort", required_argument, NULL, 's'},      {"like", required_argument, NULL, 'L'},
        {"context", required_argument, NULL, 'C'},   {"all-copies", no_argument, NULL, 'A'},
        {"meetings", no_argument, NULL, 'M'},        {"group", required_argument, NULL, 'G'},
        {NULL, 0, NULL, 0},
    };
    const char *env = getenv("VNSEARCH_DB");
    const char *db = env && *env ? env : "vnsearch.db";
    vs_request req;
    memset(&req, 0, sizeof req);
    req.count = 10;
    char *fws[MAX_FW];
    out_options oo = {OUT_TEXT, 0, 0, NULL, NULL};
    int color = -1, threads = 0, progress = -1, meetings = 0;
    const char *batch_file = NULL;
    unsigned open_flags;
    char err[1024];
    if (vs_open_flags_from_env(&open_flags, err, sizeof err) != 0) {
        vs_say(stderr, "vnsearch: %s\n", err);
        return 2;
    }
    int c;
    while ((c = getopt_long(argc, argv, "d:n:o:F:w:f:t:eah", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'n': req.count = (uint32_t)parse_number("-n", optarg, 1, 100000); break;
        case 'o': req.offset = (uint32_t)parse_number("--offset", optarg, 0, 10000000); break;
        case 'F': {
            int f = out_format_parse(optarg);
            if (f < 0) {
                vs_say(stderr, _("vnsearch: --format: expected text, json, tsv, csv or trec, got '%s'\n"), optarg);
                return 2;
            }
            oo.format = (out_format)f;
            break;
        }
        case 'w':
            if (req.nframeworks == MAX_FW) {
                vs_say(stderr, _("vnsearch: too many --framework options\n"));
                return 2;
            }
            fws[req.nframeworks++] = optarg;
            break;
        case 'f': req.from = optarg; break;
        case 't': req.to = optarg; break;
        case 'e': req.exact = 1; break;
        case 'a': req.facets = 1; break;
        case 'L': req.like = optarg; break;
        case 'C': req.context = (uint32_t)parse_number("--context", optarg, 0, VS_CONTEXT_MAX); break;
        case 'A': req.all_copies = 1; break;
        case 'M': meetings = 1; break;
        case 'G': {
            int group = vs_group_parse(optarg);
            if (group < 0) {
                vs_say(stderr, _("vnsearch: --group: expected file or none, got '%s'\n"), optarg);
                return 2;
            }
            req.group = group;
            oo.group = group == VS_GROUP_FILE;
            break;
        }
        case 's': {
            int sort = vs_sort_parse(optarg);
            if (sort < 0) {
                vs_say(stderr, _("vnsearch: --sort: expected relevance or date, got '%s'\n"), optarg);
                return 2;
            }
            req.sort = sort;
            break;
        }
        case 'c':
            if (!strcmp(optarg, "always"))
                color = 1;
            else if (!strcmp(optarg, "never"))
                color = 0;
            else if (!strcmp(optarg, "auto"))
                color = -1;
            else {
                vs_say(stderr, _("vnsearch: --color: expected auto, always or never, got '%s'\n"), optarg);
                return 2;
            }
            break;
        case 'b': batch_file = optarg; break;
        case 'T': threads = (int)parse_number("--threads", optarg, 1, 256); break;
        case 'p': progress = 1; break;
        case 'P': progress = 0; break;
        case 'R': open_flags |= VS_OPEN_REMOTE; break;
        case 'X': open_flags |= VS_OPEN_REMOTE | VS_OPEN_REMOTE_PROGRAMS; break;
        case 'h': usage(stdout); return 0;
        case 'V': printf("vnsearch %s (index format %s)\n", VNSEARCH_VERSION, VS_INDEX_FORMAT); return 0;
        default: usage(stderr); return 2;
        }
    }
    req.frameworks = fws;
    if (meetings)
        return meetings_run(db, open_flags, &req, oo.format, batch_file || req.like || optind < argc);
    /* one search or a batch: the restorations of marks for text, and with
     * facets for every format; did you mean but for TREC runs */
    req.restore = oo.format == OUT_TEXT || req.facets;
    req.suggest = oo.format != OUT_TREC;
    if (batch_file) {
        if (req.like) {
            vs_say(stderr, _("vnsearch: --like is one search, not a batch: give it without --batch\n"));
            return 2;
        }
        if (optind < argc) {
            vs_say(stderr, _("vnsearch: --batch takes its queries from the file, not the command line\n"));
            return 2;
        }
        batch_options bo;
        memset(&bo, 0, sizeof bo);
        bo.db = db;
        bo.open_flags = open_flags;
        bo.file = batch_file;
        bo.threads = threads;
        bo.progress = progress >= 0 ? progress : isatty(STDERR_FILENO);
        bo.req = &req;
        bo.out = oo;
        bo.out.color = color > 0;
        bo.out.facets = req.facets;
        return batch_run(&bo);
    }
    strbuf query = STRBUF_INIT;
    for (int i = optind; i < argc; i++) {
        if (query.len)
            sb_putc(&query, ' ');
        sb_puts(&query, argv[i]);
    }
    if (query.len == 0 && req.nframeworks == 0 && !req.from && !req.to && !req.like) {
        vs_say(stderr, _("vnsearch: no query given\n"));
        usage(stderr);
        return 2;
    }
    req.query = query.s ? query.s : "";
    int bad = check_utf8(_("the query"), req.query);
    for (size_t i = 0; i < req.nframeworks; i++)
        bad |= check_utf8("--framework", fws[i]);
    bad |= (req.from && check_utf8("--from", req.from)) | (req.to && check_utf8("--to", req.to));
    if (bad) {
        sb_free(&query);
        return 2;
    }
    oo.color = color >= 0 ? color : (oo.format == OUT_TEXT && isatty(STDOUT_FILENO) && !getenv("NO_COLOR"));
    oo.facets = req.facets;

    vs_engine *e = NULL;
    if (vs_open(db, open_flags, &e, err, sizeof err) != VS_OK) {
        vs_say(stderr, "vnsearch: %s\n", err);
        sb_free(&query);
        return 2;
    }
    vs_result res;
    int rc = vs_search(e, &req, &res, err, sizeof err);
    int status;
    if (rc != VS_OK) {
        vs_say(stderr, "vnsearch: %s\n", err);
        status = 2;
    } else {
        if (res.note)
            fprintf(stderr, _("vnsearch: note: %s\n"), _(res.note)); /* the engine's notes are marked N_() */
        strbuf out = STRBUF_INIT;
        out_table_header(&out, oo.format, 0, oo.group);
        oo.query = req.query;
        out_result(&out, &res, &oo);
        if (out.len)
            fwrite(out.s, 1, out.len, stdout);
        sb_free(&out);
        if (res.nhits == 0) {
            if (req.offset && res.matches && res.grouped)
                vs_say(stderr, _("vnsearch: no files past %u (%u match)\n"), req.offset, res.matches);
            else if (req.offset && res.matches)
                vs_say(stderr, _("vnsearch: no passages past %u (%u match)\n"), req.offset, res.matches);
            else if (req.like)
                vs_say(stderr, _("vnsearch: no passages like %s\n"), req.like);
            else
                vs_say(stderr, _("vnsearch: no passages match '%s'\n"), req.query);
            strbuf why = STRBUF_INIT;
            if (oo.format == OUT_TEXT)
                out_suggestion(&why, &res);
            if (why.len)
                fwrite(why.s, 1, why.len, stderr);
            sb_free(&why);
            status = 1;
        } else {
            int copies = 0;
            for (size_t i = 0; i < res.nhits; i++)
                copies |= res.hits[i].copies > 0;
            if (oo.format == OUT_TEXT) {
                unsigned long n = res.matches;
                if (res.grouped)
                    vs_say(stderr,
                            res.matches_exact ? ngettext("%zu of %u matching file", "%zu of %u matching files", n)
                                              : ngettext("%zu of about %u matching file",
                                                         "%zu of about %u matching files", n),
                            res.nhits, res.matches);
                else
                    vs_say(stderr,
                            res.matches_exact ? ngettext("%zu of %u matching passage", "%zu of %u matching passages", n)
                                              : ngettext("%zu of about %u matching passage",
                                                         "%zu of about %u matching passages", n),
                            res.nhits, res.matches);
                vs_say(stderr, "%s\n",
                        copies ? _(" (a passage found in several places is shown once: --all-copies)") : "");
            }
            status = 0;
        }
        vs_result_free(&res);
    }
    vs_close(e);
    sb_free(&query);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        vs_say(stderr, _("vnsearch: cannot write the results\n"));
        return 2;
    }
    return status;
}
