/*
 * vnsearch serve (see serve.h).
 *
 * Three kinds of thread.  libmicrohttpd's pool reads and writes the
 * connections, each thread with its own epoll loop over its share, so a
 * slow client only holds a socket.  Searches never run there: a request
 * for /api/search becomes a job in the search queue (jobqueue.h), its
 * connection is suspended, and one of --workers threads, each with its own
 * engine (search.h: one thread at a time), answers it and resumes the
 * connection.  The queue serves the address with the fewest searches
 * running first and keeps a worker for an address with none (jobqueue.h),
 * and there are more workers than cores, so a few clients looping the most
 * expensive query cannot make others wait: the system shares the CPU
 * among the addresses' searches.  A search whose client has hung up is not
 * run, or stops (client_gone(), vs_request.stop); each search stops at
 * --search-timeout and returns what it found ("partial"); a full queue is a
 * 503 with Retry-After.  A watchdog thread closes connections
 * that send no request's headers within --header-timeout (slow headers,
 * idle keep-alive), and logs what was refused as one count per interval
 * rather than a line each.  Connection limits (connguard.h): --per-ip for
 * one address, well below --max-connections in all, and when a limit is
 * reached the oldest idle connection makes room.
 *
 * Limits on requests: the request line and headers must fit in the
 * connection's memory (CONNECTION_MEMORY, else libmicrohttpd answers 414 or
 * 431), a request has no body, exactly one Host header parsed strictly
 * (HTTP/1.1 needs one), the query is at most MAX_QUERY_BYTES, every
 * parameter is checked (known name, valid UTF-8, no NUL, numbers in range)
 * before the engine sees it.  Nothing is ever read from the file system but
 * the database and the files it lists: the page is compiled in
 * (serve-page.h, made from web/index.html by web/embed.py), and /document
 * gives an indexed file (looked up by its name or a passage id among the
 * files the index records, read from the real path recorded, refused if it
 * changed: vs_indexed_file_read()) as it is, or as a page of its text
 * (docview.h).
 */
#include "serve.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libintl.h>
#include <locale.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "connguard.h"
#include "docview.h"
#include "jobqueue.h"
#include "output.h"
#include "pagetext.h"
#include "readers.h"
#include "serve-page.h"
#include "vnsearch.h"
#include "vntext.h"

#define _(s) gettext(s)

#define DEFAULT_LISTEN "127.0.0.1:8080"
#define MAX_QUERY_BYTES 1000    /* a long paragraph pasted in is fine; a book is not */
#define MAX_PARAM_BYTES 64      /* framework codes, dates, numbers */
#define MAX_FRAMEWORKS 32
/* Parameters in a query string: every known one once and MAX_FRAMEWORKS
 * frameworks fit well below it.  libmicrohttpd stores each parameter in
 * the connection's memory (a record of about PARAM_RECORD bytes besides
 * its text), and one that does not fit makes it log a 431 and send
 * nothing, the client waiting for --header-timeout; so a query string with
 * more parameters, or more than URI_BUDGET bytes of them, is cut off
 * before it parses it (uri_logger) and answered at once.  The longest
 * request the API can take (q and like at MAX_QUERY_BYTES, each byte
 * %-escaped, and every framework) is well below. */
#define MAX_PARAMS 64
#define PARAM_RECORD 64
#define URI_BUDGET (CONNECTION_MEMORY * 5 / 8)
#define MAX_COUNT 100           /* n */
#define MAX_OFFSET 10000
#define CONNECTION_MEMORY (16 * 1024)
/* The parameters of each endpoint (api_params.endpoint) */
static const char *const KNOWN_PARAMS[] = {
    "q, framework, from, to, exact, sort, like, all_copies, group, n, offset", /* /api/search */
    "q, framework, from, to, exact, sort, like, all_copies, group, format",    /* /api/export */
    "id, context",                                                      /* /api/passage */
    "file, id, view",                                                   /* /document */
};
#define EXPORT_MAX 1000         /* passages in an export */
#define REFRESH_SECONDS 2.0
#define SWEEP_SECONDS 0.25      /* how often the watchdog looks for connections past their deadline */
#define LOG_SECONDS 10.0        /* refusals are logged as counts over this interval */
#define LOG_LINES 5             /* other server messages printed per interval, the rest counted */
#define GONE_CHECK_SECONDS 0.05 /* how often a running search looks whether its client is still there */

typedef struct server {
    const char *db;
    unsigned open_flags;        /* vs_open(): remote shards allowed? */
    int loopback;               /* listening on loopback: accept only loopback Host names */
    double search_timeout;      /* vs_request.time_limit */
    struct MHD_Response *page;
    struct MHD_Response *strings[8]; /* /api/strings?lang=: page_languages[i]'s */
    connguard *guard;
    jobqueue *queue;
    /* counts for the log, since it last wrote them */
    atomic_ulong busy;          /* searches answered 503: the queue full */
    atomic_ulong dropped;       /* searches not run: the client had gone */
    atomic_ulong stopped;       /* searches stopped: the client went */
    atomic_ulong mhd_refused;   /* libmicrohttpd's own connection limit (a safety net above ours) */
    atomic_ulong mhd_other;     /* other libmicrohttpd messages past LOG_LINES */
    atomic_uint mhd_lines;      /* ... printed in this interval */
    /* bumped by a worker whose engine picked up a rebuilt index: the others
     * look too before their next job, so that no answer comes from an older
     * index than one already given (each worker has its own engine) */
    atomic_ulong generation;
    /* the watchdog */
    pthread_mutex_t stop_lock;
    pthread_cond_t stop_cond;
    int stopping;
} server;

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ------------------------------------------------------------- logging */

static void log_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void log_msg(const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    vs_say(stderr, "vnsearch serve: %s\n", line);
}

/* libmicrohttpd's messages: its connection-limit refusals are counted, the
 * rest printed up to LOG_LINES an interval, so no client can fill the log. */
static void mhd_logger(void *cls, const char *fmt, va_list ap)
{
    server *s = cls;
    if (strstr(fmt, "connection limit")) {
        atomic_fetch_add(&s->mhd_refused, 1);
        return;
    }
    if (atomic_fetch_add(&s->mhd_lines, 1) >= LOG_LINES) {
        atomic_fetch_add(&s->mhd_other, 1);
        return;
    }
    char line[1024];
    vsnprintf(line, sizeof line, fmt, ap);
    size_t n = strlen(line);
    while (n && line[n - 1] == '\n')
        line[--n] = '\0';
    vs_say(stderr, "vnsearch serve: %s\n", line);
}

/* One line for what was refused or closed over the last interval, if
 * anything was. */
static void log_counts(server *s, double secs)
{
    connguard_stats g;
    connguard_take_stats(s->guard, &g);
    unsigned long busy = atomic_exchange(&s->busy, 0), mhd = atomic_exchange(&s->mhd_refused, 0),
                  other = atomic_exchange(&s->mhd_other, 0), dropped = atomic_exchange(&s->dropped, 0),
                  stopped = atomic_exchange(&s->stopped, 0);
    atomic_store(&s->mhd_lines, 0);
    if (!(g.refused_per_peer || g.refused_full || g.evicted || g.timed_out || busy || mhd || other || dropped ||
          stopped))
        return;
    char line[512];
    int n = snprintf(line, sizeof line, "last %.1f s:", secs);
    const char *sep = " ";
#define COUNT(v, what)                                                                                       \
    if (v) {                                                                                                 \
        n += snprintf(line + n, sizeof line - (size_t)n, "%s%lu %s", sep, (unsigned long)(v), what);        \
        sep = ", ";                                                                                          \
    }
    COUNT(g.refused_per_peer, "connections refused (--per-ip reached, none idle)");
    COUNT(g.refused_full, "connections refused (--max-connections reached, none idle)");
    COUNT(mhd, "connections refused by the HTTP library");
    COUNT(g.evicted, "idle connections closed to make room");
    COUNT(g.timed_out, "connections closed for sending no request within --header-timeout");
    COUNT(busy, "searches answered 503 (queue full)");
    COUNT(dropped, "searches not run (the client had gone)");
    COUNT(stopped, "searches stopped (the client went)");
    COUNT(other, "other server messages not shown");
#undef COUNT
    log_msg("%s", line);
}

/* The watchdog: header deadlines every SWEEP_SECONDS, counts every
 * LOG_SECONDS, until told to stop. */
static void *watchdog(void *arg)
{
    server *s = arg;
    double logged = now_seconds();
    pthread_mutex_lock(&s->stop_lock);
    while (!s->stopping) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += (long)(SWEEP_SECONDS * 1e9);
        if (ts.tv_nsec >= 1000000000) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000;
        }
        pthread_cond_timedwait(&s->stop_cond, &s->stop_lock, &ts);
        pthread_mutex_unlock(&s->stop_lock);
        double t = now_seconds();
        connguard_sweep(s->guard, t);
        if (t - logged >= LOG_SECONDS) {
            log_counts(s, t - logged);
            logged = t;
        }
        pthread_mutex_lock(&s->stop_lock);
    }
    pthread_mutex_unlock(&s->stop_lock);
    log_counts(s, now_seconds() - logged);
    return NULL;
}

/* ---------------------------------------------------- connections */

static void notify_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                              enum MHD_ConnectionNotificationCode code)
{
    server *s = cls;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *fd = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
        const union MHD_ConnectionInfo *addr = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        peer_key peer;
        peer_key_of(addr ? addr->client_addr : NULL, &peer);
        *socket_context = fd ? connguard_add(s->guard, fd->connect_fd, &peer, now_seconds()) : NULL;
    } else if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
        connguard_remove(s->guard, *socket_context);
        *socket_context = NULL;
    }
}

static guard_conn *guard_of(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *i = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return i ? i->socket_context : NULL;
}

static void peer_of(struct MHD_Connection *c, peer_key *peer)
{
    const union MHD_ConnectionInfo *addr = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    peer_key_of(addr ? addr->client_addr : NULL, peer);
}

/* ---------------------------------------------------------- responses */

static void common_headers(struct MHD_Response *r)
{
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
}

/* A response holding b's text (taken from it), never stored by a cache. */
static struct MHD_Response *body_response(strbuf *b, const char *type)
{
    size_t len = b->len;
    char *body = sb_take(b);
    if (!body)
        return NULL;
    struct MHD_Response *r = MHD_create_response_from_buffer_with_free_callback(len, body, free);
    if (!r) {
        free(body);
        return NULL;
    }
    common_headers(r);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    return r;
}

/* Sends b and frees it: a JSON document, unless the type says otherwise;
 * with a file name, as a download (Content-Disposition: attachment). */
static enum MHD_Result send_body(struct MHD_Connection *c, unsigned status, strbuf *b, const char *type,
                                 const char *filename)
{
    if (b->failed) {
        sb_free(b);
        sb_puts(b, "{\"error\":\"out of memory\",\"status\":500}");
        status = MHD_HTTP_INTERNAL_SERVER_ERROR;
    }
    struct MHD_Response *r = body_response(b, type ? type : "application/json; charset=utf-8");
    if (!r)
        return MHD_NO;
    if (filename) {
        char disposition[128];
        snprintf(disposition, sizeof disposition, "attachment; filename=\"%s\"", filename);
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_DISPOSITION, disposition);
    }
    if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
        MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
    if (status == MHD_HTTP_SERVICE_UNAVAILABLE)
        MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, "1");
    enum MHD_Result ok = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ok;
}

/* {"error": msg, "status": status} */
static void error_body(strbuf *b, unsigned status, const char *msg)
{
    sb_puts(b, "{\"error\":");
    /* messages may quote the request: never let a cut one break the JSON */
    out_json_string(b, msg, vn_utf8_text_prefix(msg, strlen(msg)));
    sb_printf(b, ",\"status\":%u}", status);
}

static enum MHD_Result send_json(struct MHD_Connection *c, unsigned status, strbuf *b)
{
    return send_body(c, status, b, NULL, NULL);
}

static enum MHD_Result send_error(struct MHD_Connection *c, unsigned status, const char *msg)
{
    strbuf b = STRBUF_INIT;
    error_body(&b, status, msg);
    return send_json(c, status, &b);
}

/* --------------------------------------------------------- parameters */

typedef struct api_params {
    const char *q;
    char *fws[MAX_FRAMEWORKS];
    size_t nfws;
    const char *from, *to;
    int exact;
    int sort;
    long n, offset;
    const char *like;    /* a passage id: the passages like it */
    int all_copies;
    int group;           /* VS_GROUP_* */
    const char *id;      /* /api/passage, /document */
    long context;
    const char *file;    /* /document: a file as the index names it */
    int view_html;       /* /document: view=html, the file as a page of its text */
    int seen_file, seen_view;
    int seen_q, seen_from, seen_to, seen_exact, seen_n, seen_offset, seen_sort, seen_format, seen_like,
        seen_all_copies, seen_id, seen_context, seen_group;
    int endpoint;        /* 0 /api/search, 1 /api/export (format instead of n and offset), 2 /api/passage,
                            3 /document */
    int export;          /* endpoint 1 */
    out_format format;   /* /api/export: OUT_CSV or OUT_JSON */
    char err[256];
} api_params;

/* 1 if `key` is one of the comma-separated names of `list`. */
static int listed(const char *list, const char *key, size_t len)
{
    for (const char *p = list; *p;) {
        size_t n = strcspn(p, ",");
        if (n == len && !strncmp(p, key, len))
            return 1;
        p += n;
        p += strspn(p, ", ");
    }
    return 0;
}

/* 1 or 0 from 1/0, true/false, on/off, yes/no (a bare key is 1), -1 else. */
static int parse_bool(const char *value)
{
    const char *v = value ? value : "";
    if (!value || !strcmp(v, "1") || !strcasecmp(v, "true") || !strcasecmp(v, "on") || !strcasecmp(v, "yes"))
        return 1;
    if (!*v || !strcmp(v, "0") || !strcasecmp(v, "false") || !strcasecmp(v, "off") || !strcasecmp(v, "no"))
        return 0;
    return -1;
}

static int parse_long(const char *v, long min, long max, long *out)
{
    char *end;
    errno = 0;
    long x = strtol(v, &end, 10);
    if (!*v || *end || errno || x < min || x > max || *v == '+' || *v == '-' || *v == ' ')
        return -1;
    *out = x;
    return 0;
}

static int once(api_params *p, int *seen, const char *key)
{
    if (*seen) {
        snprintf(p->err, sizeof p->err, "parameter '%s' given twice", key);
        return -1;
    }
    *seen = 1;
    return 0;
}

static enum MHD_Result collect_param(void *cls, enum MHD_ValueKind kind, const char *key, size_t key_size,
                                     const char *value, size_t value_size)
{
    (void)kind;
    api_params *p = cls;
    const char *known = KNOWN_PARAMS[p->endpoint];
    if (key_size > 16 || vn_utf8_text_prefix(key, key_size) != key_size) {
        snprintf(p->err, sizeof p->err, "unknown parameter (known: %s)", known);
        return MHD_NO;
    }
    if (!listed(known, key, key_size)) {
        snprintf(p->err, sizeof p->err, "unknown parameter '%s' (known: %s)", key, known);
        return MHD_NO;
    }
    const char *v = value ? value : "";
    size_t vl = value ? value_size : 0;
    /* queries and passage ids (paths) may be long; codes, dates, numbers not */
    size_t limit = !strcmp(key, "q") || !strcmp(key, "like") || !strcmp(key, "id") || !strcmp(key, "file")
                       ? MAX_QUERY_BYTES
                       : MAX_PARAM_BYTES;
    if (vl > limit) {
        snprintf(p->err, sizeof p->err, "parameter '%s' is too long (at most %zu bytes)", key, limit);
        return MHD_NO;
    }
    if (vn_utf8_text_prefix(v, vl) != vl) {
        snprintf(p->err, sizeof p->err, "parameter '%s' is not valid UTF-8 text", key);
        return MHD_NO;
    }
    if (!strcmp(key, "q")) {
        if (once(p, &p->seen_q, key))
            return MHD_NO;
        p->q = v;
    } else if (!strcmp(key, "framework")) {
        if (vl == 0)
            return MHD_YES; /* an empty form field */
        if (p->nfws == MAX_FRAMEWORKS) {
            snprintf(p->err, sizeof p->err, "too many frameworks (at most %d)", MAX_FRAMEWORKS);
            return MHD_NO;
        }
        /* libmicrohttpd keeps the decoded values in the connection's own
         * writable memory; the engine only reads them */
        p->fws[p->nfws++] = (char *)(uintptr_t)v;
    } else if (!strcmp(key, "from")) {
        if (once(p, &p->seen_from, key))
            return MHD_NO;
        p->from = vl ? v : NULL;
    } else if (!strcmp(key, "to")) {
        if (once(p, &p->seen_to, key))
            return MHD_NO;
        p->to = vl ? v : NULL;
    } else if (!strcmp(key, "exact")) {
        if (once(p, &p->seen_exact, key))
            return MHD_NO;
        if ((p->exact = parse_bool(value)) < 0) {
            snprintf(p->err, sizeof p->err, "exact: expected 1 or 0 (true/false, on/off), got '%s'", v);
            return MHD_NO;
        }
    } else if (!strcmp(key, "all_copies")) {
        if (once(p, &p->seen_all_copies, key))
            return MHD_NO;
        if ((p->all_copies = parse_bool(value)) < 0) {
            snprintf(p->err, sizeof p->err, "all_copies: expected 1 or 0 (true/false, on/off), got '%s'", v);
            return MHD_NO;
        }
    } else if (!strcmp(key, "like") || !strcmp(key, "id")) {
        if (once(p, key[0] == 'l' ? &p->seen_like : &p->seen_id, key))
            return MHD_NO;
        *(key[0] == 'l' ? &p->like : &p->id) = vl ? v : NULL;
    } else if (!strcmp(key, "file")) {
        if (once(p, &p->seen_file, key))
            return MHD_NO;
        p->file = vl ? v : NULL;
    } else if (!strcmp(key, "view")) {
        if (once(p, &p->seen_view, key))
            return MHD_NO;
        if (strcmp(v, "html") && strcmp(v, "file")) {
            snprintf(p->err, sizeof p->err, "view: expected html (a page of its text) or file, got '%s'", v);
            return MHD_NO;
        }
        p->view_html = !strcmp(v, "html");
    } else if (!strcmp(key, "context")) {
        if (once(p, &p->seen_context, key))
            return MHD_NO;
        if (parse_long(v, 0, VS_CONTEXT_MAX, &p->context)) {
            snprintf(p->err, sizeof p->err, "context: expected a number from 0 to %d, got '%s'", VS_CONTEXT_MAX, v);
            return MHD_NO;
        }
    } else if (!strcmp(key, "group")) {
        if (once(p, &p->seen_group, key))
            return MHD_NO;
        p->group = vl ? vs_group_parse(v) : VS_GROUP_NONE;
        if (p->group < 0) {
            snprintf(p->err, sizeof p->err, "group: expected file or none, got '%s'", v);
            return MHD_NO;
        }
    } else if (!strcmp(key, "sort")) {
        if (once(p, &p->seen_sort, key))
            return MHD_NO;
        p->sort = vl ? vs_sort_parse(v) : VS_SORT_RELEVANCE;
        if (p->sort < 0) {
            snprintf(p->err, sizeof p->err, "sort: expected relevance or date, got '%s'", v);
            return MHD_NO;
        }
    } else if (!strcmp(key, "format")) {
        if (once(p, &p->seen_format, key))
            return MHD_NO;
        if (!strcmp(v, "csv"))
            p->format = OUT_CSV;
        else if (!strcmp(v, "json"))
            p->format = OUT_JSON;
        else {
            snprintf(p->err, sizeof p->err, "format: expected csv or json, got '%s'", v);
            return MHD_NO;
        }
    } else if (!strcmp(key, "n")) {
        if (once(p, &p->seen_n, key))
            return MHD_NO;
        if (parse_long(v, 1, MAX_COUNT, &p->n)) {
            snprintf(p->err, sizeof p->err, "n: expected a number from 1 to %d, got '%s'", MAX_COUNT, v);
            return MHD_NO;
        }
    } else if (!strcmp(key, "offset")) {
        if (once(p, &p->seen_offset, key))
            return MHD_NO;
        if (parse_long(v, 0, MAX_OFFSET, &p->offset)) {
            snprintf(p->err, sizeof p->err, "offset: expected a number from 0 to %d, got '%s'", MAX_OFFSET, v);
            return MHD_NO;
        }
    }
    return MHD_YES;
}

/* ----------------------------------------------------------- the jobs */

typedef enum job_kind { JOB_SEARCH, JOB_EXPORT, JOB_PASSAGE, JOB_FRAMEWORKS, JOB_MEETINGS, JOB_DOCUMENT } job_kind;

/* A request for a worker.  Its parameters point into the connection's
 * memory, which lives as long as the request: the connection stays
 * suspended until the job is answered. */
typedef struct job {
    job_kind kind;
    struct MHD_Connection *c;
    int fd;              /* its socket, -1 if unknown: is the client still there? */
    double checked;      /* when the running search last looked (job_stop) */
    int gone;            /* it was not */
    api_params p;
    unsigned status;
    strbuf body;
    const char *type, *filename; /* an export: its content type and file name (a download) */
    /* /document answered 200: the file's name as indexed, shown in the
     * browser or downloaded, under which Content-Security-Policy */
    char *docname;
    int doc_inline;
    const char *doc_csp;
} job;

/* An indexed file (or its page) from /document, and frees its body: the
 * bytes as read, the file's name for saving it (ASCII, and in UTF-8 as
 * RFC 6266 has it), shown in the browser or downloaded. */
static enum MHD_Result send_document(struct MHD_Connection *c, job *j);

/* What a request keeps between calls of the handler (*req_cls). */
typedef struct request {
    int started;        /* the handler has seen it */
    int too_many;       /* more than MAX_PARAMS parameters (uri_logger) */
    int too_long;       /* more than URI_BUDGET bytes of them (uri_logger) */
    guard_conn *conn;
    job *job; /* answered by a worker, to send */
} request;

typedef struct worker {
    server *s;
    vs_engine *e;
    double checked; /* when it last looked for a rebuilt index */
    unsigned long generation; /* server.generation when it last looked */
    pthread_t thread;
} worker;

static void job_free(job *j)
{
    if (j) {
        sb_free(&j->body);
        free(j->docname);
        free(j);
    }
}

static void job_error(job *j, unsigned status, const char *msg)
{
    sb_free(&j->body);
    error_body(&j->body, status, msg);
    j->status = status;
    j->type = j->filename = NULL;
}

/* 1 if the client of a suspended connection has gone: its socket reads
 * the end of the stream, or fails.  Bytes waiting (a pipelined request)
 * or none (it waits for the answer) mean it is there. */
static int client_gone(int fd)
{
    if (fd < 0)
        return 0;
    char c;
    ssize_t n = recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
    return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

/* vs_request.stop of a search: has its client gone?  It looks at the
 * socket every GONE_CHECK_SECONDS, on the worker's thread (which owns the
 * job, and the suspended connection keeps the socket open). */
static int job_stop(void *arg)
{
    job *j = arg;
    if (j->gone)
        return 1;
    double t = now_seconds();
    if (t - j->checked >= GONE_CHECK_SECONDS) {
        j->checked = t;
        j->gone = client_gone(j->fd);
    }
    return j->gone;
}

/* /api/search (JSON for the page), or /api/export: the first EXPORT_MAX
 * passages as the command line's --format csv (or the API's JSON), as a
 * download. */
static void run_search(worker *w, job *j)
{
    const api_params *p = &j->p;
    vs_request req;
    memset(&req, 0, sizeof req);
    req.query = p->q ? p->q : "";
    req.frameworks = p->fws;
    req.nframeworks = p->nfws;
    req.from = p->from;
    req.to = p->to;
    req.exact = p->exact;
    req.sort = p->sort;
    req.count = (uint32_t)p->n;
    req.offset = (uint32_t)p->offset;
    req.facets = !p->export;
    req.restore = !p->export;
    req.suggest = !p->export;
    req.like = p->like;
    req.all_copies = p->all_copies;
    req.group = p->group;
    if (p->export)
        req.count = EXPORT_MAX;
    req.time_limit = w->s->search_timeout;
    req.stop = job_stop; /* a client that hangs up stops its search */
    req.stop_arg = j;
    j->checked = now_seconds();
    char err[1024];
    vs_result res;
    int rc = vs_search(w->e, &req, &res, err, sizeof err);
    if (j->gone) {
        atomic_fetch_add(&w->s->stopped, 1);
        if (rc == VS_OK)
            vs_result_free(&res);
        job_error(j, MHD_HTTP_SERVICE_UNAVAILABLE, "the client has gone");
    } else if (rc == VS_ERR_QUERY) {
        job_error(j, MHD_HTTP_BAD_REQUEST, err);
    } else if (rc != VS_OK) {
        log_msg("%s", err);
        job_error(j, MHD_HTTP_SERVICE_UNAVAILABLE, "the index cannot be read (the server's log says why)");
    } else if (p->export && p->format == OUT_CSV) {
        out_options oo = {OUT_CSV, 0, 0, NULL, req.query, req.group == VS_GROUP_FILE};
        out_table_header(&j->body, OUT_CSV, 0, oo.group);
        out_result(&j->body, &res, &oo);
        j->status = MHD_HTTP_OK;
        j->type = "text/csv; charset=utf-8";
        j->filename = "vnsearch.csv";
        vs_result_free(&res);
    } else {
        out_json_object(&j->body, &res);
        j->status = MHD_HTTP_OK;
        if (p->export)
            j->filename = "vnsearch.json";
        vs_result_free(&res);
    }
}

/* /api/passage: a passage and the passages around it in its file. */
static void run_passage(worker *w, job *j)
{
    const api_params *p = &j->p;
    char err[1024];
    vs_result res;
    size_t focus = 0;
    int rc = p->id ? vs_passage(w->e, p->id, (uint32_t)p->context, &res, &focus, err, sizeof err) : VS_ERR_QUERY;
    if (!p->id) {
        memset(&res, 0, sizeof res);
        snprintf(err, sizeof err, "id: which passage to show (an id as /api/search gives it)");
    }
    if (rc == VS_ERR_QUERY) {
        job_error(j, MHD_HTTP_NOT_FOUND, err);
    } else if (rc != VS_OK) {
        log_msg("%s", err);
        job_error(j, MHD_HTTP_SERVICE_UNAVAILABLE, "the index cannot be read (the server's log says why)");
    } else {
        out_json_passages(&j->body, &res, focus);
        j->status = MHD_HTTP_OK;
    }
    vs_result_free(&res);
}

/* The type of an indexed file, whether a browser may show it, and the
 * policy it is shown under: a text or HTML file of the index is anyone's
 * writing, so it runs in a sandbox (a unique origin, no script, nothing
 * loaded); a PDF goes to the browser's viewer, which needs no page of ours
 * and runs none of its script in our origin; the rest is downloaded. */
static void document_type(job *j, const char *name, const char *data, size_t len)
{
    static const char *const sandbox = "sandbox; default-src 'none'; style-src 'unsafe-inline'";
    j->doc_inline = 1;
    j->doc_csp = sandbox;
    switch (rd_format_of(name)) {
    case RD_FORMAT_PDF:
        j->type = "application/pdf";
        j->doc_csp = NULL;
        return;
    case RD_FORMAT_TXT:
        j->type = vn_utf8_text_prefix(data, len) == len ? "text/plain; charset=utf-8" : "text/plain";
        return;
    case RD_FORMAT_HTML: j->type = "text/html"; return;
    case RD_FORMAT_DOCX: j->type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"; break;
    case RD_FORMAT_ODT: j->type = "application/vnd.oasis.opendocument.text"; break;
    case RD_FORMAT_DOC: j->type = "application/msword"; break;
    case RD_FORMAT_RTF: j->type = "application/rtf"; break;
    default: j->type = "application/octet-stream";
    }
    j->doc_inline = 0;
}

/* /document?file=NAME or ?id=PASSAGE: an indexed file, unchanged, or with
 * view=html a page of its text (at the passage, for an id).  Only a file
 * the index lists, read where the index found it (vs_indexed_file_read). */
static void run_document(worker *w, job *j)
{
    const api_params *p = &j->p;
    char err[1024];
    vs_result res;
    memset(&res, 0, sizeof res);
    const char *name = p->file;
    long first = 0, last = 0;
    if (!!p->file == !!p->id) {
        job_error(j, MHD_HTTP_BAD_REQUEST, "/document: give file (a file as the index names it) or id (a passage's)");
        return;
    }
    if (p->id) {
        size_t focus = 0;
        int rc = vs_passage(w->e, p->id, 0, &res, &focus, err, sizeof err);
        if (rc != VS_OK || focus >= res.nhits) {
            if (rc == VS_ERR_DB)
                log_msg("%s", err);
            job_error(j, rc == VS_ERR_DB ? MHD_HTTP_SERVICE_UNAVAILABLE : MHD_HTTP_NOT_FOUND,
                      rc == VS_ERR_DB ? "the index cannot be read (the server's log says why)" : err);
            vs_result_free(&res);
            return;
        }
        name = res.hits[focus].rec.file;
        first = res.hits[focus].rec.line;
        last = res.hits[focus].rec.end_line;
    }
    char *data = NULL;
    size_t len = 0;
    int rc = vs_indexed_file_read(w->s->db, name, &data, &len, err, sizeof err);
    if (rc == VS_OK && !(j->docname = strdup(name)))
        rc = VS_ERR_DB, snprintf(err, sizeof err, "out of memory");
    vs_result_free(&res);
    if (rc != VS_OK) {
        free(data);
        if (rc == VS_ERR_DB || rc == VS_ERR_FILE)
            log_msg("%s", err);
        job_error(j, rc == VS_ERR_QUERY ? MHD_HTTP_NOT_FOUND : rc == VS_ERR_FILE ? MHD_HTTP_CONFLICT
                                                                                  : MHD_HTTP_SERVICE_UNAVAILABLE,
                  rc == VS_ERR_DB ? "the index's list of files cannot be read (the server's log says why)" : err);
        return;
    }
    if (p->view_html) {
        int ok = docview_html(&j->body, j->docname, data, len, first, last, err, sizeof err);
        free(data);
        if (ok != 0) {
            char msg[1200];
            snprintf(msg, sizeof msg, "%s cannot be shown as a page: %s (the file itself: view=file)", j->docname,
                     err);
            job_error(j, MHD_HTTP_INTERNAL_SERVER_ERROR, msg);
            return;
        }
        j->type = "text/html; charset=utf-8";
        j->doc_inline = 1;
        j->doc_csp = DOCVIEW_CSP;
    } else {
        document_type(j, j->docname, data, len);
        sb_free(&j->body);
        j->body = (strbuf){data, len, len + 1, 0};
    }
    j->status = MHD_HTTP_OK;
}

static void run_frameworks(worker *w, job *j)
{
    const vs_engine *e = w->e;
    strbuf *b = &j->body;
    sb_puts(b, "{\"frameworks\":[");
    for (size_t i = 0; i < vs_framework_count(e); i++) {
        const char *code = vs_framework_code(e, i), *vi = vs_framework_name(e, i, 0),
                   *en = vs_framework_name(e, i, 1);
        sb_puts(b, i ? ",{\"code\":" : "{\"code\":");
        out_json_string(b, code ? code : "", code ? strlen(code) : 0);
        sb_puts(b, ",\"name\":");
        out_json_string(b, vi ? vi : "", vi ? strlen(vi) : 0);
        sb_puts(b, ",\"name_en\":");
        out_json_string(b, en ? en : "", en ? strlen(en) : 0);
        sb_putc(b, '}');
    }
    sb_puts(b, "]}");
    j->status = MHD_HTTP_OK;
}

/* /api/meetings: the meetings timeline (vnsearch --meetings), every
 * meeting as one JSON object; the page filters and lays it out. */
static void run_meetings(worker *w, job *j)
{
    char err[1024];
    vs_meetings ms;
    int rc = vs_meetings_list(w->e, NULL, 0, NULL, NULL, &ms, err, sizeof err);
    if (rc != VS_OK) {
        log_msg("%s", err);
        job_error(j, MHD_HTTP_SERVICE_UNAVAILABLE, "the index cannot be read (the server's log says why)");
    } else {
        sb_puts(&j->body, "{\"meetings\":");
        out_meetings_json_array(&j->body, &ms);
        sb_putc(&j->body, '}');
        j->status = MHD_HTTP_OK;
    }
    vs_meetings_free(&ms);
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    server *s = w->s;
    peer_key peer;
    job *j;
    /* The engine's messages a worker answers with (a bad query, an unknown
     * framework) stay English whatever the server's locale: the page shows
     * them to users of either language, and scripts read the API.  Only
     * this thread's LC_MESSAGES is C (so what it logs is English too). */
    locale_t english = newlocale(LC_MESSAGES_MASK, "C", (locale_t)0);
    if (english)
        uselocale(english);
    while ((j = jobqueue_take(s->queue, &peer)) != NULL) {
        if (jobqueue_stopping(s->queue)) {
            job_error(j, MHD_HTTP_SERVICE_UNAVAILABLE, "the server is stopping");
        } else if (client_gone(j->fd)) { /* it hung up while its search waited */
            atomic_fetch_add(&s->dropped, 1);
            job_error(j, MHD_HTTP_SERVICE_UNAVAILABLE, "the client has gone");
        } else {
            double t = now_seconds();
            unsigned long g = atomic_load(&s->generation);
            if (t - w->checked >= REFRESH_SECONDS || w->generation != g) {
                if (vs_refresh(w->e))
                    g = atomic_fetch_add(&s->generation, 1) + 1;
                w->generation = g;
                w->checked = t;
            }
            if (j->kind == JOB_SEARCH || j->kind == JOB_EXPORT)
                run_search(w, j);
            else if (j->kind == JOB_PASSAGE)
                run_passage(w, j);
            else if (j->kind == JOB_MEETINGS)
                run_meetings(w, j);
            else if (j->kind == JOB_DOCUMENT)
                run_document(w, j);
            else
                run_frameworks(w, j);
        }
        jobqueue_done(s->queue, &peer);
        MHD_resume_connection(j->c); /* j belongs to the connection's thread from here */
    }
    if (english) {
        uselocale(LC_GLOBAL_LOCALE);
        freelocale(english);
    }
    return NULL;
}

/* Hands j to the workers and suspends the connection until it is
 * answered, or answers 503 at once when the queue is full. */
static enum MHD_Result enqueue(server *s, struct MHD_Connection *c, request *r, job *j)
{
    peer_key peer;
    peer_of(c, &peer);
    jobqueue_place *place = jobqueue_reserve(s->queue, &peer);
    if (!place) {
        job_free(j);
        atomic_fetch_add(&s->busy, 1);
        return send_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, "the server is busy: try again in a moment");
    }
    j->c = c;
    const union MHD_ConnectionInfo *fd = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
    j->fd = fd ? fd->connect_fd : -1;
    r->job = j;
    /* suspended before a worker can see the job, so its resume never
     * comes first */
    MHD_suspend_connection(c);
    jobqueue_push(s->queue, place, j);
    return MHD_YES;
}

static enum MHD_Result api_search(server *s, struct MHD_Connection *c, request *r, job_kind kind)
{
    job *j = calloc(1, sizeof *j);
    if (!j)
        return MHD_NO;
    j->kind = kind;
    j->p.n = 10;
    j->p.export = kind == JOB_EXPORT;
    j->p.endpoint = kind == JOB_EXPORT ? 1 : kind == JOB_PASSAGE ? 2 : kind == JOB_DOCUMENT ? 3 : 0;
    j->p.context = 3;
    j->p.format = OUT_CSV;
    MHD_get_connection_values_n(c, MHD_GET_ARGUMENT_KIND, collect_param, &j->p);
    if (j->p.err[0]) {
        enum MHD_Result rc = send_error(c, MHD_HTTP_BAD_REQUEST, j->p.err);
        job_free(j);
        return rc;
    }
    return enqueue(s, c, r, j);
}

static enum MHD_Result api_frameworks(server *s, struct MHD_Connection *c, request *r)
{
    if (MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, NULL, NULL) > 0)
        return send_error(c, MHD_HTTP_BAD_REQUEST, "/api/frameworks takes no parameters");
    job *j = calloc(1, sizeof *j);
    if (!j)
        return MHD_NO;
    j->kind = JOB_FRAMEWORKS;
    return enqueue(s, c, r, j);
}

static enum MHD_Result api_meetings(server *s, struct MHD_Connection *c, request *r)
{
    if (MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, NULL, NULL) > 0)
        return send_error(c, MHD_HTTP_BAD_REQUEST, "/api/meetings takes no parameters");
    job *j = calloc(1, sizeof *j);
    if (!j)
        return MHD_NO;
    j->kind = JOB_MEETINGS;
    return enqueue(s, c, r, j);
}

/* /api/strings?lang=LANG: the page's strings in that language (pagetext.h),
 * made once at the start. */
static enum MHD_Result api_strings(server *s, struct MHD_Connection *c)
{
    const char *lang = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "lang");
    if (MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, NULL, NULL) == 1 && lang)
        for (size_t i = 0; i < page_nlanguages && i < sizeof s->strings / sizeof s->strings[0]; i++)
            if (!strcmp(lang, page_languages[i]) && s->strings[i])
                return MHD_queue_response(c, MHD_HTTP_OK, s->strings[i]);
    strbuf b = STRBUF_INIT;
    sb_puts(&b, "/api/strings takes lang, one of:");
    for (size_t i = 0; i < page_nlanguages; i++)
        sb_printf(&b, " %s", page_languages[i]);
    enum MHD_Result rc = send_error(c, MHD_HTTP_BAD_REQUEST, b.failed ? "/api/strings?lang=" : b.s);
    sb_free(&b);
    return rc;
}

/* -------------------------------------------------------------- Host */

/* Host = host [":" port]: a DNS name (letters, digits, '-', '_', '.'), an
 * IPv4 address, or an IPv6 address in brackets; the port 1 to 5 digits up
 * to 65535.  Nothing else, no blank anywhere.  The host goes to name. */
static int host_parse(const char *h, char *name, size_t cap)
{
    const char *end;
    size_t n;
    if (*h == '[') {
        end = strchr(h, ']');
        if (!end)
            return -1;
        n = (size_t)(end - h - 1);
        if (n == 0 || n >= cap)
            return -1;
        memcpy(name, h + 1, n);
        name[n] = '\0';
        struct in6_addr a6;
        if (inet_pton(AF_INET6, name, &a6) != 1)
            return -1;
        end++;
    } else {
        n = strspn(h, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.");
        if (n == 0 || n >= cap)
            return -1;
        memcpy(name, h, n);
        name[n] = '\0';
        end = h + n;
    }
    if (*end == ':') {
        const char *port = end + 1;
        size_t d = strspn(port, "0123456789");
        if (d == 0 || d > 5 || port[d] || atol(port) > 65535)
            return -1;
    } else if (*end) {
        return -1;
    }
    return 0;
}

/* A host name of this machine's loopback.  A server on loopback that
 * answered any Host could be read by a web page in the analyst's own
 * browser through DNS rebinding (evil.example resolving to 127.0.0.1). */
static int name_is_loopback(char *name)
{
    size_t n = strlen(name);
    if (n && name[n - 1] == '.')
        name[--n] = '\0';
    if (!strcasecmp(name, "localhost") || (n > 10 && !strcasecmp(name + n - 10, ".localhost")))
        return 1;
    struct in_addr a4;
    struct in6_addr a6;
    if (inet_pton(AF_INET, name, &a4) == 1)
        return (ntohl(a4.s_addr) >> 24) == 127;
    if (inet_pton(AF_INET6, name, &a6) == 1)
        return IN6_IS_ADDR_LOOPBACK(&a6);
    return 0;
}

typedef struct host_headers {
    int count;
    int folded;
    const char *value;
} host_headers;

static enum MHD_Result count_host(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    (void)kind;
    host_headers *h = cls;
    if (!strcasecmp(key, "Host")) {
        h->count++;
        h->value = value ? value : "";
    } else if (!strncasecmp(key, "Host", 4)) {
        /* libmicrohttpd 0.9.75 glues a folded line (obs-fold) onto the
         * header's name: "Host: a\r\n b" arrives as a header "Hostb" */
        h->folded = 1;
    }
    return MHD_YES;
}

/* NULL for a request with exactly one good Host header (none is fine in
 * HTTP/1.0), else why not, with the status in *status. */
static const char *host_check(const server *s, struct MHD_Connection *c, const char *version, unsigned *status)
{
    host_headers h = {0, 0, NULL};
    MHD_get_connection_values(c, MHD_HEADER_KIND, count_host, &h);
    *status = MHD_HTTP_BAD_REQUEST;
    if (h.folded)
        return "a folded or malformed Host header";
    if (h.count > 1)
        return "more than one Host header";
    if (h.count == 0)
        return strcmp(version, MHD_HTTP_VERSION_1_0) ? "an HTTP/1.1 request needs a Host header" : NULL;
    char name[256];
    if (host_parse(h.value, name, sizeof name) != 0)
        return "a malformed Host header (expected NAME, NAME:PORT or [IPv6]:PORT)";
    if (s->loopback && !name_is_loopback(name)) {
        *status = MHD_HTTP_FORBIDDEN;
        return "this server listens on loopback and answers only to localhost or 127.0.0.1";
    }
    return NULL;
}

/* ------------------------------------------------------------ handler */

/* libmicrohttpd's URI log callback: called with the request line's URI
 * before the parameters are parsed, and what it returns is the request's
 * *req_cls.  A query string of more than MAX_PARAMS parameters is cut off
 * here, as is one that would not fit in the connection's memory (its
 * length and the records of its parameters past URI_BUDGET), in the
 * connection's own buffer (libmicrohttpd cuts it at the '?' itself next);
 * handle() answers 400 or 414. */
static void *uri_logger(void *cls, const char *uri, struct MHD_Connection *c)
{
    (void)cls;
    (void)c;
    request *r = calloc(1, sizeof *r);
    char *q = r ? strchr(uri, '?') : NULL;
    if (q) {
        size_t n = 1;
        for (const char *p = q + 1; *p; p++)
            n += *p == '&';
        r->too_many = n > MAX_PARAMS;
        r->too_long = !r->too_many && strlen(uri) + n * PARAM_RECORD > URI_BUDGET;
        if (r->too_many || r->too_long)
            q[1] = '\0';
    }
    return r;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                              const char *version, const char *upload_data, size_t *upload_data_size,
                              void **req_cls)
{
    (void)upload_data;
    server *s = cls;
    request *r = *req_cls;
    if (!r || !r->started) {
        /* First call, headers only.  A refusal is sent now, before any
         * body is read: libmicrohttpd then closes the connection instead
         * of reading one.  An answer sent now would close it too, so a
         * good request is answered on the second call, which keeps the
         * connection alive for the next request. */
        if (!r && !(r = calloc(1, sizeof *r)))
            return MHD_NO;
        *req_cls = r;
        r->started = 1;
        r->conn = guard_of(c);
        connguard_busy(s->guard, r->conn); /* no header deadline while it is answered */
        if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
            return send_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET (and HEAD) requests are served");
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if ((cl && strcmp(cl, "0") != 0) ||
            MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING))
            return send_error(c, MHD_HTTP_CONTENT_TOO_LARGE, "a GET request has no body");
        if (r->too_many)
            return send_error(c, MHD_HTTP_BAD_REQUEST, "too many parameters (at most 64)");
        if (r->too_long)
            return send_error(c, MHD_HTTP_URI_TOO_LONG, "the request is too long");
        return MHD_YES;
    }
    if (r->job) { /* resumed: a worker answered */
        job *j = r->job;
        r->job = NULL;
        enum MHD_Result rc = j->kind == JOB_DOCUMENT && j->status == MHD_HTTP_OK
                                 ? send_document(c, j)
                                 : send_body(c, j->status, &j->body, j->type, j->filename);
        job_free(j);
        return rc;
    }
    if (*upload_data_size) /* cannot happen after the checks above */
        return MHD_NO;
    unsigned status;
    const char *bad_host = host_check(s, c, version, &status);
    if (bad_host)
        return send_error(c, status, bad_host);
    if (!strcmp(url, "/") || !strcmp(url, "/index.html"))
        return MHD_queue_response(c, MHD_HTTP_OK, s->page);
    if (!strcmp(url, "/api/search"))
        return api_search(s, c, r, JOB_SEARCH);
    if (!strcmp(url, "/api/export"))
        return api_search(s, c, r, JOB_EXPORT);
    if (!strcmp(url, "/api/passage"))
        return api_search(s, c, r, JOB_PASSAGE);
    if (!strcmp(url, "/api/frameworks"))
        return api_frameworks(s, c, r);
    if (!strcmp(url, "/api/meetings"))
        return api_meetings(s, c, r);
    if (!strcmp(url, "/document"))
        return api_search(s, c, r, JOB_DOCUMENT);
    if (!strcmp(url, "/api/strings"))
        return api_strings(s, c);
    return send_error(c, MHD_HTTP_NOT_FOUND, "not found: the search page is /, the API /api/search, /api/export, "
                                             "/api/passage, /api/meetings and /document");
}

/* The request is over (answered, or its connection closed): the
 * connection waits for the next one, under the header deadline again. */
static void request_completed(void *cls, struct MHD_Connection *c, void **req_cls,
                              enum MHD_RequestTerminationCode toe)
{
    (void)c;
    (void)toe;
    server *s = cls;
    request *r = *req_cls;
    if (!r)
        return;
    if (r->started) /* else it never got past its request line */
        connguard_idle(s->guard, r->conn, now_seconds());
    job_free(r->job); /* answered, never sent: the connection went away */
    free(r);
    *req_cls = NULL;
}

static enum MHD_Result send_document(struct MHD_Connection *c, job *j)
{
    static const char hex[] = "0123456789ABCDEF";
    struct MHD_Response *r = body_response(&j->body, j->type);
    if (!r)
        return MHD_NO;
    if (j->doc_csp)
        MHD_add_response_header(r, "Content-Security-Policy", j->doc_csp);
    const char *base = strrchr(j->docname, '/');
    base = base ? base + 1 : j->docname;
    strbuf d = STRBUF_INIT;
    sb_puts(&d, j->doc_inline ? "inline; filename=\"" : "attachment; filename=\"");
    for (const unsigned char *p = (const unsigned char *)base; *p && d.len < 400; p++)
        sb_putc(&d, *p >= 0x20 && *p < 0x7f && *p != '"' && *p != '\\' ? (char)*p : '_');
    sb_puts(&d, "\"; filename*=UTF-8''");
    for (const unsigned char *p = (const unsigned char *)base; *p && d.len < 1600; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-' ||
            *p == '.' || *p == '_' || *p == '~') {
            sb_putc(&d, (char)*p);
        } else {
            sb_putc(&d, '%');
            sb_putc(&d, hex[*p >> 4]);
            sb_putc(&d, hex[*p & 15]);
        }
    }
    if (!d.failed)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_DISPOSITION, d.s);
    sb_free(&d);
    enum MHD_Result ok = MHD_queue_response(c, j->status, r);
    MHD_destroy_response(r);
    return ok;
}

/* ------------------------------------------------------------- socket */

static int is_loopback(const struct sockaddr_storage *ss)
{
    if (ss->ss_family == AF_INET)
        return (ntohl(((const struct sockaddr_in *)ss)->sin_addr.s_addr) >> 24) == 127;
    if (ss->ss_family == AF_INET6) {
        const struct in6_addr *a = &((const struct sockaddr_in6 *)ss)->sin6_addr;
        return IN6_IS_ADDR_LOOPBACK(a) || (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
    }
    return 0;
}

static void show_address(const struct sockaddr_storage *ss, char *out, size_t cap)
{
    char host[INET6_ADDRSTRLEN] = "?";
    unsigned port = 0;
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *a = (const struct sockaddr_in *)ss;
        inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
        port = ntohs(a->sin_port);
        snprintf(out, cap, "%s:%u", host, port);
    } else {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;
        inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host);
        port = ntohs(a->sin6_port);
        snprintf(out, cap, "[%s]:%u", host, port);
    }
}

/* Opens a listening socket on "HOST:PORT", "[V6]:PORT" or "PORT" (loopback). */
static int open_listener(const char *spec, int *fd_out, struct sockaddr_storage *bound, char *err, size_t cap)
{
    char host[256], port[16];
    const char *p;
    size_t hl;
    if (spec[0] == '[') {
        const char *close = strchr(spec, ']');
        if (!close || close[1] != ':') {
            snprintf(err, cap, "--listen: expected [ADDRESS]:PORT, got '%s'", spec);
            return -1;
        }
        hl = (size_t)(close - spec - 1);
        memcpy(host, spec + 1, hl < sizeof host ? hl : 0);
        p = close + 2;
    } else if (spec[0] && strspn(spec, "0123456789") == strlen(spec)) {
        strcpy(host, "127.0.0.1");
        hl = strlen(host);
        p = spec;
    } else {
        const char *colon = strrchr(spec, ':');
        if (!colon || colon == spec || strchr(spec, ':') != colon) {
            snprintf(err, cap,
                     "--listen: expected ADDRESS:PORT (127.0.0.1:8080, 0.0.0.0:8080 for every interface, "
                     "[::1]:8080), got '%s'",
                     spec);
            return -1;
        }
        hl = (size_t)(colon - spec);
        memcpy(host, spec, hl < sizeof host ? hl : 0);
        p = colon + 1;
    }
    if (hl == 0 || hl >= sizeof host || !*p || strlen(p) > 5 || strspn(p, "0123456789") != strlen(p) ||
        atol(p) > 65535) {
        snprintf(err, cap, "--listen: expected ADDRESS:PORT with a port from 0 to 65535, got '%s'", spec);
        return -1;
    }
    host[hl] = '\0';
    snprintf(port, sizeof port, "%s", p);

    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV | AI_PASSIVE;
    int gai = getaddrinfo(host, port, &hints, &res);
    if (gai != 0) {
        snprintf(err, cap, "--listen %s: %s", spec, gai_strerror(gai));
        return -1;
    }
    int fd = -1, saved = 0;
    for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
        if (fd < 0) {
            saved = errno;
            continue;
        }
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 256) != 0) {
            saved = errno;
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    if (fd < 0) {
        snprintf(err, cap, "cannot listen on %s: %s", spec, strerror(saved));
        return -1;
    }
    socklen_t sl = sizeof *bound;
    memset(bound, 0, sizeof *bound);
    getsockname(fd, (struct sockaddr *)bound, &sl);
    *fd_out = fd;
    return 0;
}

/* --------------------------------------------------------------- main */

static void serve_usage(FILE *out)
{
    /* a message per paragraph, so a translator redoes one at a time */
    fputs(_("usage: vnsearch serve [--db DIR] [--listen ADDRESS:PORT] [options]\n"), out);
    fputs("\n", out);
    fputs(_("Serves the search page at http://ADDRESS:PORT/ and its JSON API at /api/search\n"
            "(?q=&framework=&from=&to=&exact=&sort=&like=&all_copies=&group=&n=&offset=);\n"
            "/api/export (the same, with format=csv or json instead of n and offset)\n"
            "downloads the first 1000 passages; /api/passage?id=&context=N gives a passage and the N around it;\n"
            "/api/meetings gives the timeline of the meetings the passages name, as JSON.\n"
            "/document?file=NAME (or ?id=PASSAGE) gives an indexed file as it is, and with\n"
            "view=html as a page of its text, to anyone who can reach the server.\n"
            "Stops on Ctrl-C or SIGTERM.\n"),
          out);
    fputs("\n", out);
    /* TRANSLATORS: %s is the default address, 127.0.0.1:8080 */
    fprintf(out,
            _("  --db DIR             the database (default: $VNSEARCH_DB, else ./vnsearch.db)\n"
              "  --listen ADDR:PORT   where to listen (default %s, this machine only;\n"
              "                       0.0.0.0:8080 serves every interface; port 0 picks a free one)\n"
              "  --workers N          threads that run searches (default: two per core, at least 8)\n"
              "  --per-ip-searches N  searches of one client address running at once\n"
              "                       (default: --workers minus one, at least 1)\n"
              "  --queue N            searches waiting for a worker, in all (default 64; then 503)\n"
              "  --search-timeout S   a search stops after S seconds and answers what it found,\n"
              "                       marked \"partial\" (default 5; 0: no limit)\n"
              "  --threads N          threads that read and write connections (default: two per\n"
              "                       core, at least 4)\n"
              "  --header-timeout S   close a connection that sends no request's headers within S\n"
              "                       seconds of connecting or of its last answer (default 5)\n"
              "  --timeout S          close a connection inactive this long (default 15)\n"
              "  --max-connections N  open connections in all (default 512)\n"
              "  --per-ip N           open connections from one client address (default 16); at\n"
              "                       either limit the oldest idle connection is closed for a new one\n"
              "  --allow-remote       open the remote shards (remote HOST:PORT) a stub names\n"
              "  --allow-remote-programs  also run the programs (remote :PROGRAM) a stub names\n"
              "                       (environment: VNSEARCH_ALLOW_REMOTE=tcp or programs)\n"),
            DEFAULT_LISTEN);
}

static long option_number(const char *opt, const char *s, long min, long max)
{
    long v;
    if (parse_long(s, min, max, &v)) {
        vs_say(stderr, _("vnsearch serve: %s: expected a number from %ld to %ld, got '%s'\n"), opt, min, max, s);
        exit(2);
    }
    return v;
}

static double option_seconds(const char *opt, const char *s, double min, double max)
{
    char *end;
    double v = strtod(s, &end);
    if (!*s || *end || !(v >= min && v <= max)) {
        vs_say(stderr, _("vnsearch serve: %s: expected seconds from %g to %g, got '%s'\n"), opt, min, max, s);
        exit(2);
    }
    return v;
}

/* Open files for every connection the limits allow, and some for the
 * databases: raises the soft limit as far as the hard one allows. */
static void raise_file_limit(size_t connections)
{
    struct rlimit rl;
    rlim_t want = (rlim_t)connections + 256;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= want)
        return;
    rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > want ? want : rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    if (rl.rlim_cur < want)
        log_msg(_("only %lu open files allowed (ulimit -n): fewer connections than --max-connections may be served"),
                (unsigned long)rl.rlim_cur);
}

enum {
    OPT_WORKERS = 256,
    OPT_PER_IP_SEARCHES,
    OPT_QUEUE,
    OPT_SEARCH_TIMEOUT,
    OPT_HEADER_TIMEOUT,
};

int serve_main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},
        {"listen", required_argument, NULL, 'l'},
        {"threads", required_argument, NULL, 'T'},
        {"timeout", required_argument, NULL, 't'},
        {"max-connections", required_argument, NULL, 'm'},
        {"per-ip", required_argument, NULL, 'p'},
        {"workers", required_argument, NULL, OPT_WORKERS},
        {"per-ip-searches", required_argument, NULL, OPT_PER_IP_SEARCHES},
        {"queue", required_argument, NULL, OPT_QUEUE},
        {"search-timeout", required_argument, NULL, OPT_SEARCH_TIMEOUT},
        {"header-timeout", required_argument, NULL, OPT_HEADER_TIMEOUT},
        {"allow-remote", no_argument, NULL, 'R'},
        {"allow-remote-programs", no_argument, NULL, 'X'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *env = getenv("VNSEARCH_DB");
    server s;
    memset(&s, 0, sizeof s);
    s.db = env && *env ? env : "vnsearch.db";
    s.search_timeout = 5;
    const char *listen_spec = DEFAULT_LISTEN;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    long threads = cores > 2 ? 2 * cores : 4, timeout = 15, max_conn = 512, per_ip = 16;
    /* more workers than cores: a search from an address with none running
     * always finds one free, and the system shares the CPU (jobqueue.h) */
    long nworkers = 2 * cores > 8 ? 2 * cores : 8, per_ip_searches = 0, queue = 64;
    double header_timeout = 5;
    char err[1024];
    if (vs_open_flags_from_env(&s.open_flags, err, sizeof err) != 0) {
        vs_say(stderr, "vnsearch serve: %s\n", err);
        return 2;
    }
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "d:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': s.db = optarg; break;
        case 'l': listen_spec = optarg; break;
        case 'T': threads = option_number("--threads", optarg, 1, 256); break;
        case 't': timeout = option_number("--timeout", optarg, 1, 3600); break;
        case 'm': max_conn = option_number("--max-connections", optarg, 1, 100000); break;
        case 'p': per_ip = option_number("--per-ip", optarg, 1, 100000); break;
        case OPT_WORKERS: nworkers = option_number("--workers", optarg, 1, 256); break;
        case OPT_PER_IP_SEARCHES: per_ip_searches = option_number("--per-ip-searches", optarg, 1, 256); break;
        case OPT_QUEUE: queue = option_number("--queue", optarg, 0, 100000); break;
        case OPT_SEARCH_TIMEOUT: s.search_timeout = option_seconds("--search-timeout", optarg, 0, 3600); break;
        case OPT_HEADER_TIMEOUT: header_timeout = option_seconds("--header-timeout", optarg, 0.1, 3600); break;
        case 'R': s.open_flags |= VS_OPEN_REMOTE; break;
        case 'X': s.open_flags |= VS_OPEN_REMOTE | VS_OPEN_REMOTE_PROGRAMS; break;
        case 'h': serve_usage(stdout); return 0;
        default: serve_usage(stderr); return 2;
        }
    }
    if (optind < argc) {
        vs_say(stderr, _("vnsearch serve: unexpected argument '%s' (queries are typed into the page)\n"), argv[optind]);
        return 2;
    }
    if (!per_ip_searches)
        per_ip_searches = nworkers > 1 ? nworkers - 1 : 1;

    /* Open every worker's engine now, so a missing or old database stops
     * us here. */
    worker *workers = calloc((size_t)nworkers, sizeof *workers);
    if (!workers) {
        vs_say(stderr, _("vnsearch serve: out of memory\n"));
        return 2;
    }
    long opened = 0;
    for (; opened < nworkers; opened++) {
        workers[opened].s = &s;
        workers[opened].checked = now_seconds();
        if (vs_open(s.db, s.open_flags | VS_OPEN_HOLD_KEYS, &workers[opened].e, err, sizeof err) != VS_OK)
            break;
    }
    int fd = -1, status = 2;
    struct sockaddr_storage bound;
    if (opened < nworkers)
        vs_say(stderr, "vnsearch serve: %s\n", err);
    else if (open_listener(listen_spec, &fd, &bound, err, sizeof err) != 0)
        vs_say(stderr, "vnsearch serve: %s\n", err);
    else if (!(s.guard = connguard_new((size_t)max_conn, (size_t)per_ip, header_timeout)) ||
             /* one address can have no more searches waiting than connections */
             !(s.queue = jobqueue_new((size_t)queue, (size_t)per_ip, (size_t)per_ip_searches, (size_t)nworkers)))
        vs_say(stderr, _("vnsearch serve: out of memory\n"));
    else
        status = 0;
    if (status != 0) {
        if (fd >= 0)
            close(fd);
        for (long i = 0; i < opened; i++)
            vs_close(workers[i].e);
        free(workers);
        connguard_free(s.guard);
        jobqueue_free(s.queue);
        return status;
    }
    s.loopback = is_loopback(&bound);
    /* libmicrohttpd's own limit sits above ours: connguard closes the
     * oldest idle connection for a new one, which needs the new one in */
    long headroom = max_conn / 4 > 16 ? max_conn / 4 : 16;
    raise_file_limit((size_t)(max_conn + headroom));

    out_json_document_urls(1);
    /* the page's strings in each language, before any other thread runs */
    for (size_t i = 0; i < page_nlanguages && i < sizeof s.strings / sizeof s.strings[0]; i++) {
        strbuf b = STRBUF_INIT;
        page_strings_json(&b, page_languages[i]);
        size_t len = b.len;
        char *body = b.failed ? NULL : sb_take(&b);
        sb_free(&b);
        s.strings[i] = body ? MHD_create_response_from_buffer_with_free_callback(len, body, free) : NULL;
        if (!s.strings[i]) {
            free(body);
            continue;
        }
        common_headers(s.strings[i]);
        MHD_add_response_header(s.strings[i], MHD_HTTP_HEADER_CONTENT_TYPE, "application/json; charset=utf-8");
        MHD_add_response_header(s.strings[i], MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
    }
    s.page = MHD_create_response_from_buffer(serve_page_len, (void *)(uintptr_t)serve_page, MHD_RESPMEM_PERSISTENT);
    common_headers(s.page);
    MHD_add_response_header(s.page, MHD_HTTP_HEADER_CONTENT_TYPE, "text/html; charset=utf-8");
    MHD_add_response_header(s.page, "Content-Security-Policy", serve_page_csp);
    MHD_add_response_header(s.page, "X-Frame-Options", "DENY");
    MHD_add_response_header(s.page, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");

    /* The server's threads inherit this mask, so the signals come to
     * sigwait() below and nowhere else. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);

    pthread_mutex_init(&s.stop_lock, NULL);
    pthread_cond_init(&s.stop_cond, NULL);
    long started = 0;
    for (; started < nworkers; started++)
        if (pthread_create(&workers[started].thread, NULL, worker_main, &workers[started]) != 0)
            break;
    pthread_t dog;
    int dog_running = started == nworkers && pthread_create(&dog, NULL, watchdog, &s) == 0;
    struct MHD_Daemon *d = NULL;
    if (dog_running)
        d = MHD_start_daemon(
            MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME, 0, NULL,
            NULL, handle, &s, MHD_OPTION_EXTERNAL_LOGGER, mhd_logger, &s, MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
            MHD_OPTION_THREAD_POOL_SIZE, (unsigned)threads, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)timeout,
            MHD_OPTION_CONNECTION_LIMIT, (unsigned)(max_conn + headroom), MHD_OPTION_CONNECTION_MEMORY_LIMIT,
            (size_t)CONNECTION_MEMORY, MHD_OPTION_NOTIFY_CONNECTION, notify_connection, &s,
            MHD_OPTION_NOTIFY_COMPLETED, request_completed, &s, MHD_OPTION_URI_LOG_CALLBACK, uri_logger, &s,
            MHD_OPTION_END);
    if (!d) {
        vs_say(stderr, _("vnsearch serve: cannot start the HTTP server\n"));
        close(fd);
        status = 2;
    } else {
        char shown[INET6_ADDRSTRLEN + 16];
        show_address(&bound, shown, sizeof shown);
        printf("vnsearch serve: http://%s/ (database %s, %ld workers)\n", shown, s.db, nworkers);
        fflush(stdout);
        if (!s.loopback)
            log_msg(_("listening beyond this machine: anyone who can reach %s can search the index (there is no login)"),
                    shown);
        int sig = 0;
        while (sigwait(&stop, &sig) != 0)
            ;
        log_msg(_("stopping (signal %d)"), sig);
    }
    /* Searches waiting are answered 503, the running ones finish (within
     * --search-timeout); then the connections close. */
    jobqueue_stop(s.queue);
    for (long i = 0; i < started; i++)
        pthread_join(workers[i].thread, NULL);
    if (d)
        MHD_stop_daemon(d);
    if (dog_running) {
        pthread_mutex_lock(&s.stop_lock);
        s.stopping = 1;
        pthread_cond_signal(&s.stop_cond);
        pthread_mutex_unlock(&s.stop_lock);
        pthread_join(dog, NULL);
    }
    MHD_destroy_response(s.page);
    for (size_t i = 0; i < sizeof s.strings / sizeof s.strings[0]; i++)
        if (s.strings[i])
            MHD_destroy_response(s.strings[i]);
    for (long i = 0; i < nworkers; i++)
        vs_close(workers[i].e);
    free(workers);
    jobqueue_free(s.queue);
    connguard_free(s.guard);
    pthread_mutex_destroy(&s.stop_lock);
    pthread_cond_destroy(&s.stop_cond);
    return status;
}
