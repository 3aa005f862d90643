/*
 * vnindex --watch (see watch.h).
 *
 * inotify only decides *when* an update runs, never *what* it indexes: each
 * update is an ordinary --update run over the same PATHs (index_run), which
 * compares the folders with the index and re-indexes what differs.  So an
 * event lost to a full inotify queue, a folder the watch limit left
 * unwatched or a watcher killed and restarted costs time, never a wrong
 * index: the next update (a rescan, or the first pass after a restart) puts
 * it right.
 *
 * Each update runs in a child process.  SIGTERM can then abandon it at any
 * point, even inside a compaction, leaving the previous generation in place
 * (the scratch is removed here); and an update that crashes does not end the
 * watch.  The parent keeps reading events while the child works, so changes
 * made during an update start the next one.
 */
#include "watch.h"

#include <dirent.h>
#include <errno.h>
#include <libintl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fileset.h"
#include "vnsearch.h"

#define _(s) gettext(s)

#define WATCH_MASK                                                                                                 \
    (IN_CREATE | IN_DELETE | IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO | IN_ATTRIB |                \
     IN_DELETE_SELF | IN_MOVE_SELF | IN_EXCL_UNLINK | IN_ONLYDIR)
#define MAX_DEPTH 64            /* as the walk in fileset.c */
#define MAX_WRITERS 4096        /* files followed while written; past that, the settle time alone */
#define RETRY_FIRST_S 5         /* after a failed update; doubled each time */
#define RETRY_MAX_S 300

enum { DIR_TREE = 1, DIR_PARENT = 2 }; /* a folder under a PATH; the folder holding a PATH */

/* One inotify watch. */
typedef struct watched {
    int wd;
    char *path;
    int kind; /* DIR_TREE | DIR_PARENT */
    int seen; /* found again by the rescan in progress */
} watched;

/* A PATH (or an explicit table): watched through its parent folder, so
 * that it being created, replaced, renamed or removed is seen too. */
typedef struct target {
    const char *path;
    char *parent, *base;
    int wd;
    int missing; /* said so already */
} target;

/* A file written to and not closed yet. */
typedef struct writer {
    int wd;
    char *name;
    double last;
} writer;

typedef struct watcher {
    const index_options *o;
    const watch_options *wo;
    int ifd, sfd;
    sigset_t orig_mask;
    watched *dirs; /* sorted by wd */
    size_t ndirs, capdirs;
    target *targets;
    size_t ntargets;
    writer *writers;
    size_t nwriters, capwriters;
    int limit_hit, limit_said;   /* the watch limit stopped the last rescan */
    int need_rewatch;
    int pending;
    double first_pending, last_event;
    pid_t child;
    int first_done;
    double retry_at, backoff;
    double next_rescan;
    int rescanning; /* the rescan timer is on */
} watcher;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *join(const char *dir, const char *name)
{
    size_t dl = strlen(dir), nl = strlen(name);
    char *p = malloc(dl + nl + 2);
    if (!p)
        return NULL;
    memcpy(p, dir, dl);
    size_t k = dl;
    if (k == 0 || p[k - 1] != '/')
        p[k++] = '/';
    memcpy(p + k, name, nl + 1);
    return p;
}

/* A file the index reads (every format vnindex reads), or a table
 * (frameworks.tsv, aliases.tsv) whose change retags the texts. */
static int is_indexed_name(const char *name)
{
    size_t n = strlen(name);
    return fileset_reads_name(name) || (n > 4 && strcasecmp(name + n - 4, ".tsv") == 0);
}

static long read_long(const char *path)
{
    FILE *fp = fopen(path, "r");
    long v = -1;
    if (fp) {
        if (fscanf(fp, "%ld", &v) != 1)
            v = -1;
        fclose(fp);
    }
    return v;
}

/* ---------------------------------------------------------- the watches */

static watched *find_dir(watcher *w, int wd)
{
    size_t lo = 0, hi = w->ndirs;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (w->dirs[mid].wd == wd)
            return &w->dirs[mid];
        if (w->dirs[mid].wd < wd)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* Records a watch (inotify gives a folder watched twice the same wd: its
 * path is then brought up to date, as after a rename). */
static int remember(watcher *w, int wd, const char *path, int kind)
{
    watched *d = find_dir(w, wd);
    if (d) {
        if (strcmp(d->path, path) != 0) {
            char *p = strdup(path);
            if (!p)
                return -1;
            free(d->path);
            d->path = p;
        }
        d->kind |= kind;
        d->seen = 1;
        return 0;
    }
    if (w->ndirs == w->capdirs) {
        size_t cap = w->capdirs ? w->capdirs * 2 : 64;
        watched *p = realloc(w->dirs, cap * sizeof *p);
        if (!p)
            return -1;
        w->dirs = p;
        w->capdirs = cap;
    }
    char *copy = strdup(path);
    if (!copy)
        return -1;
    size_t at = w->ndirs; /* new wds are almost always the largest yet */
    while (at > 0 && w->dirs[at - 1].wd > wd)
        at--;
    memmove(&w->dirs[at + 1], &w->dirs[at], (w->ndirs - at) * sizeof *w->dirs);
    w->dirs[at] = (watched){wd, copy, kind, 1};
    w->ndirs++;
    return 0;
}

static void forget_dir(watcher *w, int wd)
{
    watched *d = find_dir(w, wd);
    if (!d)
        return;
    free(d->path);
    size_t at = (size_t)(d - w->dirs);
    memmove(d, d + 1, (w->ndirs - at - 1) * sizeof *d);
    w->ndirs--;
}

static void say_limit(watcher *w, const char *dir)
{
    if (w->limit_said)
        return;
    long limit = read_long("/proc/sys/user/max_inotify_watches");
    vs_say(stderr,
            _("vnindex: %s: cannot watch: the inotify watch limit is reached (%ld watches for this user, "
              "fs.inotify.max_user_watches); folders past it are rescanned every %d s instead: raise the limit "
              "(sysctl fs.inotify.max_user_watches=%ld) and send SIGHUP to watch them all\n"),
            dir, limit, w->wo->rescan > 0 ? w->wo->rescan : WATCH_FALLBACK_RESCAN_S, limit > 0 ? limit * 4 : 524288);
    w->limit_said = 1;
}

static int add_watch(watcher *w, const char *dir, int kind)
{
    if (w->ifd < 0 || w->limit_hit)
        return -1;
    int wd = inotify_add_watch(w->ifd, dir, WATCH_MASK);
    if (wd < 0) {
        if (errno == ENOSPC) {
            w->limit_hit = 1;
            say_limit(w, dir);
        }
        return -1; /* unreadable or gone: the update warns about it */
    }
    if (remember(w, wd, dir, kind) != 0) {
        vs_say(stderr, _("vnindex: out of memory watching %s\n"), dir);
        return -1;
    }
    return wd;
}

typedef struct visited {
    dev_t dev;
    ino_t ino;
} visited;

static int is_database(const watcher *w, const struct stat *st)
{
    struct stat db;
    return stat(w->o->db, &db) == 0 && db.st_dev == st->st_dev && db.st_ino == st->st_ino;
}

/* Watches a folder and every folder under it, as fileset.c walks them:
 * hidden entries skipped, symlinks followed, loops and depth bounded; the
 * database's own folder is left out (its writes are not changes). */
static void watch_tree(watcher *w, const char *dir, visited *stack, int depth)
{
    struct stat st;
    if (w->limit_hit || depth >= MAX_DEPTH || stat(dir, &st) != 0 || !S_ISDIR(st.st_mode) || is_database(w, &st))
        return;
    for (int i = 0; i < depth; i++)
        if (stack[i].dev == st.st_dev && stack[i].ino == st.st_ino)
            return;
    if (add_watch(w, dir, DIR_TREE) < 0)
        return;
    stack[depth] = (visited){st.st_dev, st.st_ino};
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && !w->limit_hit) {
        if (e->d_name[0] == '.')
            continue;
        if (e->d_type != DT_DIR && e->d_type != DT_LNK && e->d_type != DT_UNKNOWN)
            continue;
        char *sub = join(dir, e->d_name);
        if (sub)
            watch_tree(w, sub, stack, depth + 1);
        free(sub);
    }
    closedir(d);
}

/* Brings the watches in line with the folders as they are now: after a
 * folder was renamed, moved or removed, a lost event, or on a rescan. */
static void rewatch(watcher *w)
{
    w->need_rewatch = 0;
    w->limit_hit = 0;
    for (size_t i = 0; i < w->ndirs; i++)
        w->dirs[i].seen = 0;
    visited stack[MAX_DEPTH];
    for (size_t i = 0; i < w->ntargets; i++) {
        target *t = &w->targets[i];
        t->wd = *t->base ? add_watch(w, t->parent, DIR_PARENT) : -1;
        struct stat st;
        if (stat(t->path, &st) != 0) {
            if (!t->missing)
                vs_say(stderr, _("vnindex: %s: %s; watching for it to come back\n"), t->path, strerror(errno));
            t->missing = 1;
            continue;
        }
        if (t->missing)
            vs_say(stderr, _("vnindex: %s: there again\n"), t->path);
        t->missing = 0;
        if (S_ISDIR(st.st_mode))
            watch_tree(w, t->path, stack, 0);
    }
    if (w->limit_hit)
        return; /* what is watched stays watched; the rest is rescanned */
    if (w->limit_said && w->ifd >= 0)
        fputs(_("vnindex: every folder is watched again\n"), stderr);
    w->limit_said = 0;
    size_t kept = 0;
    for (size_t i = 0; i < w->ndirs; i++) {
        if (w->dirs[i].seen) {
            w->dirs[kept++] = w->dirs[i];
            continue;
        }
        inotify_rm_watch(w->ifd, w->dirs[i].wd);
        free(w->dirs[i].path);
    }
    w->ndirs = kept;
}

/* The rescan interval in force: --rescan, or the fallback while some folder
 * or PATH cannot be watched; 0 when inotify sees everything. */
static int rescan_interval(const watcher *w)
{
    if (w->wo->rescan > 0)
        return w->wo->rescan;
    int partial = w->ifd < 0 || w->limit_hit;
    for (size_t i = 0; i < w->ntargets && !partial; i++)
        partial = w->targets[i].missing;
    return partial ? WATCH_FALLBACK_RESCAN_S : 0;
}

/* ------------------------------------------------------------ the events */

static void mark_pending(watcher *w, double t)
{
    if (!w->pending) {
        w->pending = 1;
        w->first_pending = t;
    }
    w->last_event = t;
}

static writer *find_writer(watcher *w, int wd, const char *name)
{
    for (size_t i = 0; i < w->nwriters; i++)
        if (w->writers[i].wd == wd && strcmp(w->writers[i].name, name) == 0)
            return &w->writers[i];
    return NULL;
}

static void writer_touch(watcher *w, int wd, const char *name, double t)
{
    writer *x = find_writer(w, wd, name);
    if (!x && w->nwriters < MAX_WRITERS) {
        if (w->nwriters == w->capwriters) {
            size_t cap = w->capwriters ? w->capwriters * 2 : 16;
            writer *p = realloc(w->writers, cap * sizeof *p);
            if (!p)
                return;
            w->writers = p;
            w->capwriters = cap;
        }
        char *copy = strdup(name);
        if (!copy)
            return;
        x = &w->writers[w->nwriters++];
        x->wd = wd;
        x->name = copy;
    }
    if (x)
        x->last = t;
}

static void writer_done(watcher *w, int wd, const char *name)
{
    writer *x = find_writer(w, wd, name);
    if (!x)
        return;
    free(x->name);
    *x = w->writers[--w->nwriters];
}

static void writers_clear(watcher *w)
{
    for (size_t i = 0; i < w->nwriters; i++)
        free(w->writers[i].name);
    w->nwriters = 0;
}

static void on_event(watcher *w, const struct inotify_event *ev, double t)
{
    if (ev->mask & IN_Q_OVERFLOW) { /* events were lost: the next update compares everything anyway */
        writers_clear(w);
        w->need_rewatch = 1;
        mark_pending(w, t);
        return;
    }
    if (ev->mask & IN_IGNORED) {
        forget_dir(w, ev->wd);
        return;
    }
    if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_UNMOUNT)) {
        w->need_rewatch = 1;
        mark_pending(w, t);
        return;
    }
    watched *d = find_dir(w, ev->wd);
    if (!d || !ev->len)
        return;
    const char *name = ev->name;
    for (size_t i = 0; i < w->ntargets; i++) /* a PATH itself */
        if (w->targets[i].wd == ev->wd && strcmp(w->targets[i].base, name) == 0) {
            if (ev->mask & (IN_ISDIR | IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO))
                w->need_rewatch = 1;
            mark_pending(w, t);
        }
    if (!(d->kind & DIR_TREE) || name[0] == '.')
        return;
    if (ev->mask & IN_ISDIR) {
        if (ev->mask & (IN_CREATE | IN_MOVED_TO)) { /* watch it now, before files appear in it */
            char *sub = join(d->path, name);
            struct stat st;
            if (sub && stat(sub, &st) == 0 && is_database(w, &st)) {
                free(sub);
                return;
            }
            visited stack[MAX_DEPTH];
            if (sub)
                watch_tree(w, sub, stack, 0);
            free(sub);
        } else { /* removed, moved away or renamed: the paths under it are stale */
            w->need_rewatch = 1;
        }
        mark_pending(w, t);
        return;
    }
    if (!is_indexed_name(name))
        return;
    if (ev->mask & IN_MODIFY)
        writer_touch(w, ev->wd, name, t);
    else if (ev->mask & (IN_CLOSE_WRITE | IN_DELETE | IN_MOVED_FROM))
        writer_done(w, ev->wd, name);
    mark_pending(w, t);
}

static void read_events(watcher *w)
{
    char buf[65536] __attribute__((aligned(__alignof__(struct inotify_event))));
    for (;;) {
        ssize_t n = read(w->ifd, buf, sizeof buf);
        if (n <= 0)
            return; /* EAGAIN: drained */
        double t = now();
        for (char *p = buf; p < buf + n;) {
            const struct inotify_event *ev = (const struct inotify_event *)p;
            on_event(w, ev, t);
            p += sizeof *ev + ev->len;
        }
    }
}

/* ------------------------------------------------------------ the updates */

static int ready(const watcher *w, double t)
{
    if (!w->pending || w->child > 0 || t < w->retry_at)
        return 0;
    if (t - w->first_pending >= WATCH_MAX_DELAY_S)
        return 1;
    if ((t - w->last_event) * 1000 < WATCH_SETTLE_MS)
        return 0;
    for (size_t i = 0; i < w->nwriters; i++)
        if (t - w->writers[i].last < WATCH_WRITER_IDLE_S)
            return 0; /* still being written */
    return 1;
}

static void start_update(watcher *w)
{
    w->pending = 0;
    fflush(stdout);
    fflush(stderr);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, _("vnindex: cannot start an update: %s\n"), strerror(errno));
        w->pending = 1;
        w->retry_at = now() + RETRY_FIRST_S;
        return;
    }
    if (pid == 0) {
        /* the child: an ordinary vnindex --update, which dies with us */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(2);
        if (w->ifd >= 0)
            close(w->ifd);
        close(w->sfd);
        sigprocmask(SIG_SETMASK, &w->orig_mask, NULL);
        index_options u = *w->o;
        u.update = 1;
        u.force = w->o->force && !w->first_done;
        exit(index_run(&u));
    }
    w->child = pid;
    w->first_done = 1;
}

static void update_ended(watcher *w, int status)
{
    w->child = 0;
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    if (code == 0 || code == 1) { /* done, or nothing to index (yet) */
        w->backoff = 0;
        w->retry_at = 0;
        return;
    }
    w->backoff = w->backoff > 0 ? w->backoff * 2 : RETRY_FIRST_S;
    if (w->backoff > RETRY_MAX_S)
        w->backoff = RETRY_MAX_S;
    w->retry_at = now() + w->backoff;
    mark_pending(w, now());
    if (WIFSIGNALED(status))
        fprintf(stderr, _("vnindex: the update was killed by signal %d (%s); retrying in %.0f s\n"), WTERMSIG(status),
                strsignal(WTERMSIG(status)), w->backoff);
    else
        fprintf(stderr, _("vnindex: the update failed; retrying in %.0f s\n"), w->backoff);
}

/* SIGTERM during an update: the child is stopped wherever it is; what it
 * left in the database folder is scratch beside the current generation,
 * removed here as the next run would. */
static void abandon_update(watcher *w)
{
    kill(w->child, SIGTERM);
    kill(w->child, SIGCONT); /* a stopped child would hold the signal, and us */
    int status;
    while (waitpid(w->child, &status, 0) < 0 && errno == EINTR)
        ;
    w->child = 0;
    if (WIFEXITED(status)) /* it had finished after all */
        return;
    struct stat st;
    char err[512];
    int lock = stat(w->o->db, &st) == 0 ? vs_gen_lock(w->o->db, err, sizeof err) : -1;
    if (lock >= 0) {
        vs_gen_cleanup(w->o->db, vs_gen_current(w->o->db, NULL));
        vs_gen_unlock(lock);
    }
    vs_say(stderr, _("vnindex: update abandoned; %s stays at the index it had\n"), w->o->db);
}

/* --------------------------------------------------------------- the loop */

static int setup(watcher *w)
{
    size_t n = w->o->npaths + 2;
    w->targets = calloc(n, sizeof *w->targets);
    if (!w->targets)
        return -1;
    const char *tables[2] = {w->o->frameworks_tsv, w->o->aliases_tsv};
    int exists = 0;
    for (size_t i = 0; i < n; i++) {
        const char *p = i < w->o->npaths ? w->o->paths[i] : tables[i - w->o->npaths];
        if (!p)
            continue;
        target *t = &w->targets[w->ntargets++];
        t->path = p;
        t->wd = -1;
        /* parent and base name, trailing slashes aside: "a/b/" -> "a", "b" */
        size_t len = strlen(p);
        while (len > 1 && p[len - 1] == '/')
            len--;
        size_t slash = len;
        while (slash > 0 && p[slash - 1] != '/')
            slash--;
        t->base = strndup(p + slash, len - slash);
        t->parent = slash == 0 ? strdup(".") : slash == 1 ? strdup("/") : strndup(p, slash - 1);
        if (!t->base || !t->parent)
            return -1;
        if (!strcmp(t->base, "/") || !strcmp(t->base, ".") || !strcmp(t->base, ".."))
            t->base[0] = '\0'; /* no parent worth watching */
        struct stat st;
        if (i < w->o->npaths && stat(p, &st) == 0)
            exists = 1;
    }
    if (!exists) {
        for (size_t i = 0; i < w->o->npaths; i++)
            vs_say(stderr, "vnindex: %s: %s\n", w->o->paths[i], strerror(ENOENT));
        fputs(_("vnindex: nothing to watch\n"), stderr);
        return 1;
    }
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGHUP);
    sigaddset(&mask, SIGCHLD);
    sigprocmask(SIG_BLOCK, &mask, &w->orig_mask);
    w->sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
    if (w->sfd < 0) {
        fprintf(stderr, "vnindex: signalfd: %s\n", strerror(errno));
        return -1;
    }
    w->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (w->ifd < 0) {
        int e = errno;
        fprintf(stderr,
                e == EMFILE ? _("vnindex: cannot watch the folders (inotify: %s, fs.inotify.max_user_instances "
                                "reached); rescanning them every %d s instead\n")
                            : _("vnindex: cannot watch the folders (inotify: %s); rescanning them every %d s "
                                "instead\n"),
                strerror(e), w->wo->rescan > 0 ? w->wo->rescan : WATCH_FALLBACK_RESCAN_S);
    }
    return 0;
}

static void teardown(watcher *w)
{
    for (size_t i = 0; i < w->ndirs; i++)
        free(w->dirs[i].path);
    free(w->dirs);
    for (size_t i = 0; i < w->ntargets; i++) {
        free(w->targets[i].parent);
        free(w->targets[i].base);
    }
    free(w->targets);
    writers_clear(w);
    free(w->writers);
    if (w->ifd >= 0)
        close(w->ifd);
    if (w->sfd >= 0) {
        close(w->sfd);
        sigprocmask(SIG_SETMASK, &w->orig_mask, NULL);
    }
}

/* Handles the signals that came; returns 1 to stop. */
static int on_signals(watcher *w)
{
    struct signalfd_siginfo si;
    int stop = 0;
    while (read(w->sfd, &si, sizeof si) == (ssize_t)sizeof si) {
        switch (si.ssi_signo) {
        case SIGCHLD:
            for (;;) {
                int status;
                pid_t pid = waitpid(-1, &status, WNOHANG);
                if (pid <= 0)
                    break;
                if (pid == w->child)
                    update_ended(w, status);
            }
            break;
        case SIGHUP:
            if (!w->o->quiet)
                fputs(_("vnindex: SIGHUP: rescanning\n"), stderr);
            w->need_rewatch = 1;
            w->retry_at = 0;
            mark_pending(w, now() - WATCH_MAX_DELAY_S);
            break;
        default: stop = 1; break;
        }
    }
    return stop;
}

static int poll_timeout(const watcher *w, double t)
{
    if (w->pending || w->child > 0)
        return 200; /* the settle time and the writers are checked at this pace */
    if (w->rescanning)
        return w->next_rescan > t ? (int)((w->next_rescan - t) * 1000) + 1 : 0;
    return -1;
}

int watch_run(const index_options *o, const watch_options *wo)
{
    watcher w;
    memset(&w, 0, sizeof w);
    w.o = o;
    w.wo = wo;
    w.ifd = w.sfd = -1;
    int rc = setup(&w);
    if (rc != 0) {
        teardown(&w);
        return 2;
    }
    rewatch(&w);
    if (!o->quiet && w.ifd >= 0) {
        size_t folders = 0;
        for (size_t i = 0; i < w.ndirs; i++)
            folders += (w.dirs[i].kind & DIR_TREE) != 0;
        vs_say(stderr,
               ngettext("vnindex: watching %zu folder; changes are indexed into %s once they settle\n",
                        "vnindex: watching %zu folders; changes are indexed into %s once they settle\n", folders),
               folders, o->db);
    }
    mark_pending(&w, now() - WATCH_MAX_DELAY_S); /* the first pass, at once */
    int status = 0;
    for (;;) {
        double t = now();
        int interval = rescan_interval(&w);
        if (interval && !w.rescanning)
            w.next_rescan = t + interval;
        w.rescanning = interval > 0;
        if (w.rescanning && t >= w.next_rescan) {
            w.need_rewatch = 1;
            mark_pending(&w, t - WATCH_MAX_DELAY_S);
            w.next_rescan = t + interval;
        }
        if (w.need_rewatch)
            rewatch(&w);
        if (ready(&w, t))
            start_update(&w);
        struct pollfd fds[2] = {{w.sfd, POLLIN, 0}, {w.ifd, POLLIN, 0}};
        int n = poll(fds, w.ifd >= 0 ? 2 : 1, poll_timeout(&w, now()));
        if (n < 0 && errno != EINTR) {
            fprintf(stderr, "vnindex: poll: %s\n", strerror(errno));
            status = 2;
            break;
        }
        if (n > 0 && (fds[0].revents & POLLIN) && on_signals(&w))
            break;
        if (n > 0 && w.ifd >= 0 && (fds[1].revents & POLLIN))
            read_events(&w);
    }
    if (w.child > 0)
        abandon_update(&w);
    if (!o->quiet)
        fputs(_("vnindex: stopped watching\n"), stderr);
    teardown(&w);
    return status;
}
