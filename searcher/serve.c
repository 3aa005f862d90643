/*
 * vnsearch serve (see serve.h).
 *
 * libmicrohttpd runs a pool of threads, each with its own epoll loop over
 * its share of the connections, so a client that sends slowly or not at all
 * only holds a socket (until the connection timeout), never a thread.  A
 * search runs inside the thread that read its request; the engine it uses
 * is taken from a small pool under a mutex and given back afterwards, so
 * there are never more engines than threads searching at once, and each is
 * used by one thread at a time as search.h asks.  An engine that has not
 * looked for a rebuilt index for REFRESH_SECONDS does so when it is taken.
 *
 * Limits: the request line and headers must fit in the connection's memory
 * (CONNECTION_MEMORY, else libmicrohttpd answers 414 or 431), a request has
 * no body, the query is at most MAX_QUERY_BYTES, every parameter is checked
 * (known name, valid UTF-8, no NUL, numbers in range) before the engine sees
 * it.  Nothing is ever read from the file system but the database: the page
 * is compiled in (serve-page.h, made from web/index.html by web/embed.py).
 */
#include "serve.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "output.h"
#include "serve-page.h"
#include "vnsearch.h"
#include "vntext.h"

#define DEFAULT_LISTEN "127.0.0.1:8080"
#define MAX_QUERY_BYTES 1000    /* a long paragraph pasted in is fine; a book is not */
#define MAX_PARAM_BYTES 64      /* framework codes, dates, numbers */
#define MAX_FRAMEWORKS 32
#define MAX_COUNT 100           /* n */
#define MAX_OFFSET 10000
#define CONNECTION_MEMORY (16 * 1024)
#define REFRESH_SECONDS 2.0

typedef struct engine_slot {
    vs_engine *e;
    double checked;             /* when it last looked for a rebuilt index */
    struct engine_slot *next;
} engine_slot;

typedef struct server {
    const char *db;
    unsigned open_flags;        /* vs_open(): remote shards allowed? */
    int loopback;               /* listening on loopback: accept only loopback Host names */
    pthread_mutex_t lock;
    engine_slot *idle;
    struct MHD_Response *page;
} server;

static void log_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void log_msg(const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    fprintf(stderr, "vnsearch serve: %s\n", line);
}

static void mhd_logger(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char line[1024];
    vsnprintf(line, sizeof line, fmt, ap);
    size_t n = strlen(line);
    while (n && line[n - 1] == '\n')
        line[--n] = '\0';
    fprintf(stderr, "vnsearch serve: %s\n", line);
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ------------------------------------------------------------ engines */

static engine_slot *engine_take(server *s, char *err, size_t cap)
{
    pthread_mutex_lock(&s->lock);
    engine_slot *slot = s->idle;
    if (slot)
        s->idle = slot->next;
    pthread_mutex_unlock(&s->lock);
    if (!slot) {
        /* every engine is busy: this thread gets one of its own, which
         * joins the pool afterwards (at most one per server thread) */
        slot = calloc(1, sizeof *slot);
        if (!slot) {
            snprintf(err, cap, "out of memory");
            return NULL;
        }
        if (vs_open(s->db, s->open_flags, &slot->e, err, cap) != VS_OK) {
            free(slot);
            return NULL;
        }
        slot->checked = now_seconds();
        return slot;
    }
    double t = now_seconds();
    if (t - slot->checked >= REFRESH_SECONDS) {
        vs_refresh(slot->e);
        slot->checked = t;
    }
    return slot;
}

static void engine_give_back(server *s, engine_slot *slot)
{
    pthread_mutex_lock(&s->lock);
    slot->next = s->idle;
    s->idle = slot;
    pthread_mutex_unlock(&s->lock);
}

static void engines_close(server *s)
{
    while (s->idle) {
        engine_slot *next = s->idle->next;
        vs_close(s->idle->e);
        free(s->idle);
        s->idle = next;
    }
}

/* ---------------------------------------------------------- responses */

static void common_headers(struct MHD_Response *r)
{
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
}

/* Sends b (a JSON document) and frees it. */
static enum MHD_Result send_json(struct MHD_Connection *c, unsigned status, strbuf *b)
{
    if (b->failed) {
        sb_free(b);
        sb_puts(b, "{\"error\":\"out of memory\",\"status\":500}");
        status = MHD_HTTP_INTERNAL_SERVER_ERROR;
    }
    size_t len = b->len;
    char *body = sb_take(b);
    if (!body)
        return MHD_NO;
    struct MHD_Response *r = MHD_create_response_from_buffer_with_free_callback(len, body, free);
    if (!r) {
        free(body);
        return MHD_NO;
    }
    common_headers(r);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json; charset=utf-8");
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
        MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
    enum MHD_Result ok = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ok;
}

static enum MHD_Result send_error(struct MHD_Connection *c, unsigned status, const char *msg)
{
    strbuf b = STRBUF_INIT;
    sb_puts(&b, "{\"error\":");
    /* messages may quote the request: never let a cut one break the JSON */
    out_json_string(&b, msg, vn_utf8_text_prefix(msg, strlen(msg)));
    sb_printf(&b, ",\"status\":%u}", status);
    return send_json(c, status, &b);
}

/* --------------------------------------------------------- parameters */

typedef struct api_params {
    const char *q;
    char *fws[MAX_FRAMEWORKS];
    size_t nfws;
    const char *from, *to;
    int exact;
    long n, offset;
    int seen_q, seen_from, seen_to, seen_exact, seen_n, seen_offset;
    char err[256];
} api_params;

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
    if (key_size > 16 || vn_utf8_text_prefix(key, key_size) != key_size) {
        snprintf(p->err, sizeof p->err, "unknown parameter (known: q, framework, from, to, exact, n, offset)");
        return MHD_NO;
    }
    const char *v = value ? value : "";
    size_t vl = value ? value_size : 0;
    size_t limit = strcmp(key, "q") == 0 ? MAX_QUERY_BYTES : MAX_PARAM_BYTES;
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
        if (!value || !strcmp(v, "1") || !strcasecmp(v, "true") || !strcasecmp(v, "on") || !strcasecmp(v, "yes"))
            p->exact = 1;
        else if (!*v || !strcmp(v, "0") || !strcasecmp(v, "false") || !strcasecmp(v, "off") || !strcasecmp(v, "no"))
            p->exact = 0;
        else {
            snprintf(p->err, sizeof p->err, "exact: expected 1 or 0 (true/false, on/off), got '%s'", v);
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
    } else {
        snprintf(p->err, sizeof p->err, "unknown parameter '%s' (known: q, framework, from, to, exact, n, offset)",
                 key);
        return MHD_NO;
    }
    return MHD_YES;
}

/* ----------------------------------------------------------- handlers */

static enum MHD_Result api_search(server *s, struct MHD_Connection *c)
{
    api_params p;
    memset(&p, 0, sizeof p);
    p.n = 10;
    MHD_get_connection_values_n(c, MHD_GET_ARGUMENT_KIND, collect_param, &p);
    if (p.err[0])
        return send_error(c, MHD_HTTP_BAD_REQUEST, p.err);

    vs_request req;
    memset(&req, 0, sizeof req);
    req.query = p.q ? p.q : "";
    req.frameworks = p.fws;
    req.nframeworks = p.nfws;
    req.from = p.from;
    req.to = p.to;
    req.exact = p.exact;
    req.count = (uint32_t)p.n;
    req.offset = (uint32_t)p.offset;
    req.facets = 1;
    req.restore = 1;

    char err[1024];
    engine_slot *slot = engine_take(s, err, sizeof err);
    if (!slot) {
        log_msg("%s", err);
        return send_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, "the index cannot be opened (the server's log says why)");
    }
    vs_result res;
    int rc = vs_search(slot->e, &req, &res, err, sizeof err);
    engine_give_back(s, slot);
    if (rc == VS_ERR_QUERY)
        return send_error(c, MHD_HTTP_BAD_REQUEST, err);
    if (rc != VS_OK) {
        log_msg("%s", err);
        return send_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, "the index cannot be read (the server's log says why)");
    }
    strbuf b = STRBUF_INIT;
    out_json_object(&b, &res);
    vs_result_free(&res);
    return send_json(c, MHD_HTTP_OK, &b);
}

static enum MHD_Result api_frameworks(server *s, struct MHD_Connection *c)
{
    if (MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, NULL, NULL) > 0)
        return send_error(c, MHD_HTTP_BAD_REQUEST, "/api/frameworks takes no parameters");
    char err[1024];
    engine_slot *slot = engine_take(s, err, sizeof err);
    if (!slot) {
        log_msg("%s", err);
        return send_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, "the index cannot be opened (the server's log says why)");
    }
    const vs_engine *e = slot->e;
    strbuf b = STRBUF_INIT;
    sb_puts(&b, "{\"frameworks\":[");
    for (size_t i = 0; i < vs_framework_count(e); i++) {
        const char *code = vs_framework_code(e, i), *vi = vs_framework_name(e, i, 0),
                   *en = vs_framework_name(e, i, 1);
        sb_puts(&b, i ? ",{\"code\":" : "{\"code\":");
        out_json_string(&b, code ? code : "", code ? strlen(code) : 0);
        sb_puts(&b, ",\"name\":");
        out_json_string(&b, vi ? vi : "", vi ? strlen(vi) : 0);
        sb_puts(&b, ",\"name_en\":");
        out_json_string(&b, en ? en : "", en ? strlen(en) : 0);
        sb_putc(&b, '}');
    }
    sb_puts(&b, "]}");
    engine_give_back(s, slot);
    return send_json(c, MHD_HTTP_OK, &b);
}

/* A Host header naming this machine's loopback.  A server on loopback that
 * answered any Host could be read by a web page in the analyst's own
 * browser through DNS rebinding (evil.example resolving to 127.0.0.1). */
static int host_is_loopback(const char *h)
{
    char name[256];
    const char *start = h, *end;
    if (*h == '[') {
        start = h + 1;
        end = strchr(start, ']');
        if (!end)
            return 0;
    } else {
        end = strchr(h, ':');
        if (!end)
            end = h + strlen(h);
    }
    size_t n = (size_t)(end - start);
    if (n == 0 || n >= sizeof name)
        return 0;
    memcpy(name, start, n);
    name[n] = '\0';
    if (name[n - 1] == '.')
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

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                              const char *version, const char *upload_data, size_t *upload_data_size,
                              void **req_cls)
{
    (void)version;
    (void)upload_data;
    server *s = cls;
    static int headers_seen;
    if (*req_cls == NULL) {
        /* First call, headers only.  A refusal is sent now, before any
         * body is read: libmicrohttpd then closes the connection instead
         * of reading one.  An answer sent now would close it too, so a
         * good request is answered on the second call, which keeps the
         * connection alive for the next request. */
        *req_cls = &headers_seen;
        if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
            return send_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET (and HEAD) requests are served");
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if ((cl && strcmp(cl, "0") != 0) ||
            MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING))
            return send_error(c, MHD_HTTP_CONTENT_TOO_LARGE, "a GET request has no body");
        return MHD_YES;
    }
    if (*upload_data_size) /* cannot happen after the checks above */
        return MHD_NO;
    if (s->loopback) {
        const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
        if (host && !host_is_loopback(host))
            return send_error(c, MHD_HTTP_FORBIDDEN,
                              "this server listens on loopback and answers only to localhost or 127.0.0.1");
    }
    if (!strcmp(url, "/") || !strcmp(url, "/index.html"))
        return MHD_queue_response(c, MHD_HTTP_OK, s->page);
    if (!strcmp(url, "/api/search"))
        return api_search(s, c);
    if (!strcmp(url, "/api/frameworks"))
        return api_frameworks(s, c);
    return send_error(c, MHD_HTTP_NOT_FOUND, "not found: the search page is /, the API /api/search");
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
    fputs("usage: vnsearch serve [--db DIR] [--listen ADDRESS:PORT] [--threads N] [--timeout SECONDS]\n"
          "                      [--max-connections N] [--per-ip N]\n"
          "\n"
          "Serves the search page at http://ADDRESS:PORT/ and its JSON API at /api/search\n"
          "(?q=&framework=&from=&to=&exact=&n=&offset=).  Stops on Ctrl-C or SIGTERM.\n"
          "\n"
          "  --db DIR             the database (default: $VNSEARCH_DB, else ./vnsearch.db)\n"
          "  --listen ADDR:PORT   where to listen (default " DEFAULT_LISTEN ", this machine only;\n"
          "                       0.0.0.0:8080 serves every interface; port 0 picks a free one)\n"
          "  --threads N          server threads (default: two per core, at least 4)\n"
          "  --timeout SECONDS    close a connection idle this long (default 15)\n"
          "  --max-connections N  open connections in all (default 512)\n"
          "  --per-ip N           open connections from one client address (default 32)\n"
          "  --allow-remote       open the remote shards (remote HOST:PORT) a stub names\n"
          "  --allow-remote-programs  also run the programs (remote :PROGRAM) a stub names\n"
          "                       (environment: VNSEARCH_ALLOW_REMOTE=tcp or programs)\n",
          out);
}

static long option_number(const char *opt, const char *s, long min, long max)
{
    long v;
    if (parse_long(s, min, max, &v)) {
        fprintf(stderr, "vnsearch serve: %s: expected a number from %ld to %ld, got '%s'\n", opt, min, max, s);
        exit(2);
    }
    return v;
}

int serve_main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},      {"listen", required_argument, NULL, 'l'},
        {"threads", required_argument, NULL, 'T'}, {"timeout", required_argument, NULL, 't'},
        {"max-connections", required_argument, NULL, 'm'},
        {"per-ip", required_argument, NULL, 'p'},  {"help", no_argument, NULL, 'h'},
        {"allow-remote", no_argument, NULL, 'R'},  {"allow-remote-programs", no_argument, NULL, 'X'},
        {NULL, 0, NULL, 0},
    };
    const char *env = getenv("VNSEARCH_DB");
    server s;
    memset(&s, 0, sizeof s);
    s.db = env && *env ? env : "vnsearch.db";
    const char *listen_spec = DEFAULT_LISTEN;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    long threads = cores > 2 ? 2 * cores : 4, timeout = 15, max_conn = 512, per_ip = 32;
    char err[1024];
    if (vs_open_flags_from_env(&s.open_flags, err, sizeof err) != 0) {
        fprintf(stderr, "vnsearch serve: %s\n", err);
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
        case 'R': s.open_flags |= VS_OPEN_REMOTE; break;
        case 'X': s.open_flags |= VS_OPEN_REMOTE | VS_OPEN_REMOTE_PROGRAMS; break;
        case 'h': serve_usage(stdout); return 0;
        default: serve_usage(stderr); return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "vnsearch serve: unexpected argument '%s' (queries are typed into the page)\n", argv[optind]);
        return 2;
    }

    /* Open one engine now, so a missing or old database stops us here. */
    engine_slot *first = calloc(1, sizeof *first);
    if (!first || vs_open(s.db, s.open_flags, &first->e, err, sizeof err) != VS_OK) {
        fprintf(stderr, "vnsearch serve: %s\n", first ? err : "out of memory");
        free(first);
        return 2;
    }
    first->checked = now_seconds();
    s.idle = first;
    pthread_mutex_init(&s.lock, NULL);

    int fd;
    struct sockaddr_storage bound;
    if (open_listener(listen_spec, &fd, &bound, err, sizeof err) != 0) {
        fprintf(stderr, "vnsearch serve: %s\n", err);
        engines_close(&s);
        return 2;
    }
    s.loopback = is_loopback(&bound);

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

    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG, 0, NULL, NULL, handle, &s,
        MHD_OPTION_EXTERNAL_LOGGER, mhd_logger, NULL, MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd, MHD_OPTION_THREAD_POOL_SIZE, (unsigned)threads,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)timeout, MHD_OPTION_CONNECTION_LIMIT, (unsigned)max_conn,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)per_ip, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        (size_t)CONNECTION_MEMORY, MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "vnsearch serve: cannot start the HTTP server\n");
        close(fd);
        MHD_destroy_response(s.page);
        engines_close(&s);
        return 2;
    }
    char shown[INET6_ADDRSTRLEN + 16];
    show_address(&bound, shown, sizeof shown);
    printf("vnsearch serve: http://%s/ (database %s, %ld threads)\n", shown, s.db, threads);
    fflush(stdout);
    if (!s.loopback)
        log_msg("listening beyond this machine: anyone who can reach %s can search the index (there is no login)",
                shown);

    int sig = 0;
    while (sigwait(&stop, &sig) != 0)
        ;
    log_msg("stopping (signal %d)", sig);
    MHD_stop_daemon(d);
    MHD_destroy_response(s.page);
    engines_close(&s);
    pthread_mutex_destroy(&s.lock);
    return 0;
}
