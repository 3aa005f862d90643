/*
 * External converters (antiword for .doc, unrtf for .rtf), run as filters
 * the way Recoll runs them: found on the PATH, standard input closed,
 * standard output collected up to a limit, killed (with everything it
 * started) past the time limit, and its address space capped so a hostile
 * file cannot take the machine's memory through it.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

#define FILTER_MEMORY ((rlim_t)2 << 30) /* address space of a converter */

/* The program's full path in a PATH-like list, or 0. */
static int find_program(const char *program, const char *paths, char *out, size_t cap)
{
    if (!paths)
        paths = getenv("PATH");
    if (!paths)
        paths = "/usr/bin:/bin";
    for (const char *p = paths; *p;) {
        const char *colon = strchr(p, ':');
        size_t n = colon ? (size_t)(colon - p) : strlen(p);
        if (n > 0 && n + strlen(program) + 2 <= cap) {
            snprintf(out, cap, "%.*s/%s", (int)n, p, program);
            if (access(out, X_OK) == 0)
                return 1;
        }
        if (!colon)
            break;
        p = colon + 1;
    }
    return 0;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int rd_run_filter(const char *program, const char *const *args, const rd_options *o, char **out, size_t *out_len,
                  char *err, size_t errcap)
{
    *out = NULL;
    *out_len = 0;
    char exe[4096];
    if (!find_program(program, o ? o->converter_path : NULL, exe, sizeof exe)) {
        /* TRANSLATORS: the program (antiword, unrtf), then its package, named the same */
        snprintf(err, errcap, _("needs %s to be read: apt-get install %s"), program, program);
        return RD_ERR_NO_CONVERTER;
    }
    size_t nargs = 0;
    while (args[nargs])
        nargs++;
    const char **argv = calloc(nargs + 2, sizeof *argv);
    if (!argv)
        return RD_ERR_NOMEM;
    argv[0] = program;
    for (size_t i = 0; i < nargs; i++)
        argv[i + 1] = args[i];
    size_t max = o && o->max_bytes ? o->max_bytes : RD_DEFAULT_MAX_BYTES;
    unsigned timeout = o && o->timeout_s ? o->timeout_s : RD_DEFAULT_TIMEOUT;

    int pipefd[2];
    if (pipe2(pipefd, O_CLOEXEC) != 0) {
        free(argv);
        snprintf(err, errcap, _("cannot run %s: %s"), program, strerror(errno));
        return RD_ERR_CONVERTER;
    }
    pid_t pid = fork();
    if (pid < 0) {
        close(pipefd[0]);
        close(pipefd[1]);
        free(argv);
        snprintf(err, errcap, _("cannot run %s: %s"), program, strerror(errno));
        return RD_ERR_CONVERTER;
    }
    if (pid == 0) { /* the child: async-signal-safe calls only, then exec */
        setpgid(0, 0);
        int devnull = open("/dev/null", O_RDWR);
        if (devnull >= 0) {
            dup2(devnull, 0);
            dup2(devnull, 2);
        }
        dup2(pipefd[1], 1);
        struct rlimit rl = {FILTER_MEMORY, FILTER_MEMORY};
        setrlimit(RLIMIT_AS, &rl);
        execv(exe, (char *const *)argv);
        _exit(127);
    }
    close(pipefd[1]);
    free(argv);
    rd_buf buf = {0};
    int rc = RD_OK;
    double deadline = now() + timeout;
    char chunk[65536];
    for (;;) {
        int left_ms = (int)((deadline - now()) * 1000);
        if (left_ms <= 0) {
            snprintf(err, errcap, _("%s took more than %u s; stopped"), program, timeout);
            rc = RD_ERR_CONVERTER;
            break;
        }
        struct pollfd pfd = {pipefd[0], POLLIN, 0};
        int pr = poll(&pfd, 1, left_ms);
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr <= 0)
            continue; /* timeout: caught at the top */
        ssize_t n = read(pipefd[0], chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        if (buf.len + (size_t)n > max) {
            snprintf(err, errcap, _("%s wrote more than %zu MiB; stopped"), program, max >> 20);
            rc = RD_ERR_CONVERTER;
            break;
        }
        rd_buf_append(&buf, chunk, (size_t)n);
        if (buf.failed) {
            rc = RD_ERR_NOMEM;
            break;
        }
    }
    close(pipefd[0]);
    if (rc != RD_OK)
        kill(-pid, SIGKILL);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (rc == RD_OK && WIFEXITED(status) && WEXITSTATUS(status) == 127 && buf.len == 0) {
        snprintf(err, errcap, _("cannot run %s"), exe);
        rc = RD_ERR_CONVERTER;
    } else if (rc == RD_OK && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
        if (WIFSIGNALED(status))
            snprintf(err, errcap, _("%s could not read it (killed by signal %d)"), program, WTERMSIG(status));
        else
            snprintf(err, errcap, _("%s could not read it (exit status %d): damaged, or not its format?"), program,
                     WEXITSTATUS(status));
        rc = RD_ERR_CONVERTER;
    }
    if (rc != RD_OK) {
        rd_buf_free(&buf);
        return rc;
    }
    *out = buf.s ? buf.s : strdup("");
    *out_len = buf.len;
    return *out ? RD_OK : RD_ERR_NOMEM;
}

/* A converter reads a file: the caller's path, or the bytes written to a
 * temporary one (a fuzzer's input, a file read from elsewhere). */
static int with_file(const char *path, const char *data, size_t len, char *tmp, size_t cap, const char **use)
{
    if (path && path[0] != '-') {
        *use = path;
        return 0;
    }
    if (path) { /* a name a converter would take for an option */
        snprintf(tmp, cap, "./%s", path);
        *use = tmp;
        return 0;
    }
    const char *dir = getenv("TMPDIR");
    snprintf(tmp, cap, "%s/vnsearch-filter-XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp(tmp);
    if (fd < 0)
        return -1;
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, data + off, len - off);
        if (w <= 0) {
            close(fd);
            unlink(tmp);
            return -1;
        }
        off += (size_t)w;
    }
    close(fd);
    *use = tmp;
    return 0;
}

int rd_read_doc(const char *path, const char *data, size_t len, const rd_options *o, rd_builder *b, char *err,
                size_t errcap)
{
    char tmp[4096] = "";
    const char *file;
    if (with_file(path, data, len, tmp, sizeof tmp, &file) != 0) {
        snprintf(err, errcap, _("cannot write a temporary file for antiword: %s"), strerror(errno));
        return RD_ERR_CONVERTER;
    }
    /* -w 0: one line per paragraph; -m UTF-8.txt: Unicode out */
    const char *args[] = {"-w", "0", "-m", "UTF-8.txt", file, NULL};
    char *text = NULL;
    size_t n = 0;
    int rc = rd_run_filter("antiword", args, o, &text, &n, err, errcap);
    if (tmp[0] && !path)
        unlink(tmp);
    if (rc == RD_OK)
        rc = rd_parse_antiword(text, n, b);
    free(text);
    return rc;
}

int rd_read_rtf(const char *path, const char *data, size_t len, const rd_options *o, rd_builder *b, char *err,
                size_t errcap)
{
    if (len < 5 || memcmp(data, "{\\rtf", 5) != 0) {
        snprintf(err, errcap, "%s", _("not an RTF file (no {\\rtf header)"));
        return RD_ERR_DAMAGED;
    }
    char tmp[4096] = "";
    const char *file;
    if (with_file(path, data, len, tmp, sizeof tmp, &file) != 0) {
        snprintf(err, errcap, _("cannot write a temporary file for unrtf: %s"), strerror(errno));
        return RD_ERR_CONVERTER;
    }
    /* unrtf's HTML keeps every character (as entities); its text mode is ASCII */
    const char *args[] = {"--html", file, NULL};
    char *html = NULL;
    size_t n = 0;
    int rc = rd_run_filter("unrtf", args, o, &html, &n, err, errcap);
    if (tmp[0] && !path)
        unlink(tmp);
    if (rc == RD_OK)
        rc = rd_parse_html(html, n, RD_HTML_UTF8 | RD_HTML_BR_BREAKS, b, err, errcap);
    free(html);
    return rc;
}
