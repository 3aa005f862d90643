/*
 * vnindex: index Vietnamese texts for vnsearch.
 */
#include <getopt.h>
#include <libintl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fileset.h"
#include "index.h"
#include "pagejobs.h"
#include "readers.h"
#include "vnsearch.h"
#include "watch.h"

#define _(s) gettext(s)

static void print_field(const char *s)
{
    for (; s && *s; s++)
        putchar(*s == '\t' || *s == '\n' ? ' ' : *s);
}

/* --dump=blocks: what the reader made of a file, before passages. */
static void dump_blocks(const char *name, const rd_document *doc)
{
    static const char *const kinds[] = {"heading", "paragraph", "item", "cell", "note", "break"};
    for (size_t i = 0; i < doc->count; i++) {
        const rd_block *b = &doc->blocks[i];
        char path[2048];
        rd_heading_path(doc, i, path, sizeof path);
        printf("%s\t%zu\t%s\t%d\t%u\t%zu-%zu\t", name, b->ordinal, kinds[b->kind], b->level, b->page, b->line,
               b->end_line);
        print_field(path);
        putchar('\t');
        if (b->kind == RD_NOTE)
            printf("%s%d", b->endnote ? "en" : "fn", b->note);
        for (size_t c = 0; c < b->ncites; c++)
            printf("%s%d", c ? " " : "cites ", b->cites[c]);
        if (b->kind == RD_TABLE_CELL)
            printf("table %u row %u col %u%s", b->table, b->row, b->col, b->row_end ? " end" : "");
        putchar('\t');
        print_field(b->text);
        putchar('\n');
    }
}

/* --dump's other threads: they only read scans' pages (pagejobs.h). */
typedef struct dump_helper {
    pagejobs *q;
    int id;
    pthread_t thread;
    int started;
} dump_helper;

static void *dump_help(void *arg)
{
    dump_helper *h = arg;
    pagejobs_set_worker(h->id);
    while (!pagejobs_closed(h->q))
        pagejobs_wait_run(h->q, 100);
    return NULL;
}

static void say_line(void *ctx, const char *line)
{
    (void)ctx;
    fputs(line, stderr);
}

/* --dump: read, split and tag files, print passages (or the readers'
 * blocks) as TSV, write nothing.  Files are read one by one, in order; a
 * scan's pages by every thread (--threads). */
static int dump(const index_options *o, int blocks)
{
    vs_tables *t = NULL;
    char err[1024];
    if (vs_tables_load(o->frameworks_tsv, o->aliases_tsv, o->paths, o->npaths, &t, err, sizeof err)) {
        vs_say(stderr, "vnindex: %s\n", err);
        return 2;
    }
    fileset fs;
    int status = fileset_collect(&fs, o->paths, o->npaths, stderr) == 0 ? 0 : 2;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    size_t width = o->threads > 0 ? (size_t)o->threads : cpus > 8 ? 8 : cpus > 0 ? (size_t)cpus : 1;
    pagejobs *q = width > 1 && !o->no_ocr ? pagejobs_new(width) : NULL;
    dump_helper *helpers = q ? calloc(width - 1, sizeof *helpers) : NULL;
    for (size_t h = 0; helpers && h + 1 < width; h++) {
        helpers[h] = (dump_helper){q, (int)h + 1, 0, 0};
        helpers[h].started = pthread_create(&helpers[h].thread, NULL, dump_help, &helpers[h]) == 0;
    }
    atomic_long planned = 0, taken = 0;
    vs_docbuilder *b = vs_docbuilder_new(t, NULL);
    if (!b)
        status = 2;
    else
        vs_docbuilder_set_dump(b, stdout);
    if (blocks)
        printf("file\tordinal\tkind\tlevel\tpage\tlines\theadings\tnotes\ttext\n");
    else
        printf("id\tframework\tmentions\tdates\tsection\theading\twhere\tnotes\tnote_of\toutline\twhy\ttext\n");
    for (size_t i = 0; i < fs.count && status == 0; i++) {
        const input_file *f = &fs.files[i];
        char *raw = NULL;
        size_t raw_len;
        int changed;
        char cut[128], why[256];
        if (index_read_input(f->path, &raw, &raw_len, &changed, cut, sizeof cut, why, sizeof why) != 0) {
            vs_say(stderr, _("vnindex: %s: %s, skipped\n"), f->path, why);
            continue;
        }
        if (cut[0])
            vs_say(stderr, "vnindex: %s: %s\n", f->path, cut);
        int rc;
        rd_document *doc = NULL;
        pagejobs_file pf;
        rd_options ro = {.no_ocr = o->no_ocr,
                         .page_jobs = pagejobs_file_init(&pf, helpers ? q : NULL, f->path, &planned, &taken,
                                                         say_line, NULL)};
        rc = index_read_document(f->path, raw, raw_len, &ro, &doc, err, sizeof err);
        free(raw);
        if (rc) {
            vs_say(stderr, _("vnindex: %s: %s, skipped\n"), f->path, err[0] ? err : rd_errmsg(rc));
            continue;
        }
        for (size_t k = 0; k < doc->nwarnings; k++) {
            if (doc->warnings[k].line)
                vs_say(stderr, "vnindex: %s:%zu: %s\n", f->path, doc->warnings[k].line, doc->warnings[k].text);
            else
                vs_say(stderr, "vnindex: %s: %s\n", f->path, doc->warnings[k].text);
        }
        vs_build_stats st = {0, 0, 0};
        if (blocks) {
            dump_blocks(f->name, doc);
        } else if (vs_docbuild_document(b, NULL, 0, f->name, doc, &st, err, sizeof err) != 0) {
            vs_say(stderr, "vnindex: %s: %s\n", f->path, err);
            status = 2;
        }
        rd_document_free(doc);
    }
    if (q)
        pagejobs_close(q);
    for (size_t h = 0; helpers && h + 1 < width; h++)
        if (helpers[h].started)
            pthread_join(helpers[h].thread, NULL);
    free(helpers);
    pagejobs_free(q);
    vs_docbuilder_free(b);
    fileset_free(&fs);
    vs_tables_free(t);
    return status;
}

static void usage(FILE *out)
{
    /* a message per paragraph, so a translator redoes one at a time */
    fputs(_("usage: vnindex [--db DIR] [--update] [--force] [--progress|--quiet] [--threads N] [--shards N]\n"
            "               [--frameworks FILE] [--aliases FILE] [--no-ocr] PATH...\n"
            "       vnindex --watch [--rescan SECONDS] [options] PATH...\n"),
          out);
    fputs("\n", out);
    fputs(_("Indexes the documents under each PATH (directories recursively: .txt, .docx,\n"
            ".odt, .pdf, .html, .htm, .doc, .rtf, and scans: .png, .jpg, .jpeg, .tif, .tiff,\n"
            "read by OCR like PDF pages without text) into DIR (default: $VNSEARCH_DB, else\n"
            "./vnsearch.db), one passage per paragraph.\n"),
          out);
    fputs("\n", out);
    fputs(_("  --db DIR          database directory\n"
            "  --update          re-index only changed files; drop deleted ones; keep the rest\n"
            "  --force           rebuild even if nothing changed\n"
            "  --progress        progress line on stderr even when it is not a terminal\n"
            "  --quiet           no progress line and no summary\n"
            "  --threads N       worker threads (default: one per core, at most 8)\n"
            "  --shards N        split the index into N shards searched as one\n"
            "  --frameworks FILE framework table (default: frameworks.tsv beside the texts)\n"
            "  --aliases FILE    spelling variants table (default: aliases.tsv beside the texts)\n"
            "  --no-ocr          do not OCR scans (pictures, PDF pages without text): they are\n"
            "                    found by their file names only\n"
            "  --dump            print the passages as TSV (id, framework, mentions, dates,\n"
            "                    section, heading, where, notes, note_of, outline, why, text)\n"
            "                    instead of indexing: outline is the headings above the passage,\n"
            "                    why says what gave it its framework (heading, path, opening words)\n"
            "  --dump=blocks     print what each file's reader made of it (headings, paragraphs,\n"
            "                    list items, table cells, notes, with page and heading path)\n"
            "  --version         print the version and the index format, and exit\n"
            "  --watch           stay running: after a first pass, follow the folders (inotify)\n"
            "                    and --update the index a second after changes settle, until\n"
            "                    SIGTERM or Ctrl-C; SIGHUP rescans at once\n"
            "  --rescan SECONDS  with --watch: also rescan every SECONDS (folders on network file\n"
            "                    systems, whose remote changes inotify does not see); without it,\n"
            "                    only folders that cannot be watched are rescanned, every 300 s\n"),
          out);
    fputs("\n", out);
    fputs(_("Exit status: 0 indexed or already up to date, 1 nothing could be indexed, 2 error.\n"), out);
}

static int parse_count(const char *opt, const char *s, int max)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (*s == '\0' || *end != '\0' || v < 1 || v > max) {
        vs_say(stderr, _("vnindex: %s: expected a number from 1 to %d, got '%s'\n"), opt, max, s);
        exit(2);
    }
    return (int)v;
}

int main(int argc, char **argv)
{
    vs_locale_init();
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},       {"update", no_argument, NULL, 'u'},
        {"force", no_argument, NULL, 'f'},          {"progress", no_argument, NULL, 'p'},
        {"quiet", no_argument, NULL, 'q'},          {"threads", required_argument, NULL, 't'},
        {"shards", required_argument, NULL, 's'},   {"frameworks", required_argument, NULL, 'F'},
        {"aliases", required_argument, NULL, 'A'},  {"help", no_argument, NULL, 'h'},
        {"dump", optional_argument, NULL, 'D'},           {"version", no_argument, NULL, 'V'},
        {"watch", no_argument, NULL, 'W'},          {"rescan", required_argument, NULL, 'R'},
        {"no-ocr", no_argument, NULL, 'O'},
        {NULL, 0, NULL, 0},
    };
    index_options o;
    memset(&o, 0, sizeof o);
    rd_ocr_enable(); /* scans are read (unless --no-ocr): this program links Tesseract in */
    const char *env = getenv("VNSEARCH_DB");
    o.db = env && *env ? env : "vnsearch.db";
    int progress = -1, dump_only = 0, watch = 0;
    watch_options wo = {0};
    int c;
    while ((c = getopt_long(argc, argv, "d:ufpqt:s:F:A:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': o.db = optarg; break;
        case 'u': o.update = 1; break;
        case 'f': o.force = 1; break;
        case 'p': progress = 1; break;
        case 'q': o.quiet = 1; progress = 0; break;
        case 't': o.threads = parse_count("--threads", optarg, 64); break;
        case 's': o.shards = parse_count("--shards", optarg, 64); break;
        case 'F': o.frameworks_tsv = optarg; break;
        case 'A': o.aliases_tsv = optarg; break;
        case 'D':
            if (optarg && strcmp(optarg, "blocks") != 0) {
                vs_say(stderr, _("vnindex: --dump=%s: expected --dump or --dump=blocks\n"), optarg);
                return 2;
            }
            dump_only = optarg ? 2 : 1;
            break;
        case 'W': watch = 1; break;
        case 'O': o.no_ocr = 1; break;
        case 'R': wo.rescan = parse_count("--rescan", optarg, 86400); break;
        case 'h': usage(stdout); return 0;
        case 'V': printf("vnindex %s (index format %s)\n", VNSEARCH_VERSION, VS_INDEX_FORMAT); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind >= argc) {
        vs_say(stderr, _("vnindex: no PATH to index\n"));
        usage(stderr);
        return 2;
    }
    o.paths = (const char *const *)argv + optind;
    o.npaths = (size_t)(argc - optind);
    o.progress = progress >= 0 ? progress : isatty(STDERR_FILENO);
    if (watch && dump_only) {
        vs_say(stderr, _("vnindex: --watch and --dump do not go together\n"));
        return 2;
    }
    if (wo.rescan && !watch) {
        vs_say(stderr, _("vnindex: --rescan goes with --watch\n"));
        return 2;
    }
    if (watch)
        return watch_run(&o, &wo);
    return dump_only ? dump(&o, dump_only == 2) : index_run(&o);
}
