/*
 * OCR: pictures of text -> blocks, with Tesseract's Vietnamese model.
 *
 * Official documents often reach analysts as scans: a PDF of page images,
 * or the images themselves (.png, .jpg, .tif with many pages).  A page
 * without a text layer is rendered (poppler-glib onto a cairo surface, at
 * 300 dpi or less so that it stays under a pixel limit), an image is
 * decoded by leptonica, and Tesseract (its C API) reads the picture; its
 * paragraphs (the result iterator at RIL_PARA) become paragraph blocks of
 * that page, flagged RD_FLAG_OCR with the page's mean word confidence, since
 * their words may be misread.
 *
 * OCR is slow and a picture can be hostile, so everything is bounded: a
 * time limit per page (Tesseract's monitor deadline), a pixel limit per page
 * (checked from an image's header before it is decoded) and per file, and
 * a page limit per file, each costing a one-line warning.  Without the
 * model (Debian's tesseract-ocr-vie) nothing is read and the caller is told
 * so (RD_ERR_NO_OCR_MODEL), so that it can try again once it is installed.
 *
 * The text of each page read is cached, when the caller gives a directory
 * and a key (the file's content hash): one small file per page, written
 * under a temporary name and renamed, so an unchanged scan is never read
 * twice and a crash never leaves half a page.
 *
 * A page takes Tesseract a second or more on one core, so a scan's pages
 * are read in parallel when the caller gives page jobs (rd_page_jobs): the
 * thread reading the file still takes its pages one by one, in order, and
 * decides everything (cache, limits, warnings) as it did alone, while idle
 * threads read the next pages ahead, each from the file's bytes (a PDF
 * opened by poppler again, a TIFF's page decoded again), into slots the
 * reading thread takes them from, or takes back unread and reads itself.
 * The document is the same whoever read each page.  Tesseract's engines
 * (the model takes a while to load) are kept in a pool and reused.
 */
#include <cairo.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <leptonica/allheaders.h>
#include <math.h>
#include <poppler.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <tesseract/capi.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

#define OCR_DPI 300
#define OCR_MIN_DPI 70
#define OCR_CACHE_MAGIC "vnsearch-ocr 1"

typedef struct ocr_ahead ocr_ahead;

struct rd_ocr {
    int broken;              /* Tesseract could not load its model (warned once) */
    unsigned page_timeout_s;
    size_t max_pages, max_page_pixels, max_file_pixels;
    size_t pages_done;       /* pages OCR'd or taken from the cache */
    size_t pixels_done;
    int stopped;             /* a file limit was reached (warned once) */
    const char *cache_dir, *cache_key;
    const rd_page_jobs *jobs; /* or NULL */
    rd_format fmt;           /* the file, for the pages read ahead */
    const char *data;
    size_t len;
    ocr_ahead *ahead;        /* pages offered to other threads, or NULL */
    long planned, taken;     /* pages announced to jobs->planned, and pages given to jobs->page_done */
};

/* A recognition that could not start: Tesseract cannot load its model. */
#define OCR_NO_ENGINE 1

static double mono_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* leptonica complains on stderr about every damaged picture: the reader
 * says it once itself. */
static pthread_once_t quiet_once = PTHREAD_ONCE_INIT;

static void say_nothing(const char *msg)
{
    (void)msg;
}

static void quiet_leptonica(void)
{
    setMsgSeverity(L_SEVERITY_NONE);
    leptSetStderrHandler(say_nothing);
}

/* Where Tesseract will look for vie.traineddata: $TESSDATA_PREFIX, else
 * Debian's tessdata directory. */
static void model_path(char *buf, size_t cap)
{
    const char *dir = getenv("TESSDATA_PREFIX");
    if (!dir || !*dir)
        dir = "/usr/share/tesseract-ocr/5/tessdata";
    size_t n = strlen(dir);
    snprintf(buf, cap, "%s%svie.traineddata", dir, n && dir[n - 1] == '/' ? "" : "/");
}

int rd_ocr_open(const rd_options *o, rd_format fmt, const char *data, size_t len, rd_ocr **out, char *err,
                size_t errcap)
{
    *out = NULL;
    pthread_once(&quiet_once, quiet_leptonica);
    char model[4096];
    model_path(model, sizeof model);
    if (access(model, R_OK) != 0) {
        snprintf(err, errcap, _("OCR needs Tesseract's Vietnamese model (%s not found): install %s"), model,
                 RD_OCR_PACKAGE);
        return RD_ERR_NO_OCR_MODEL;
    }
    rd_ocr *ocr = calloc(1, sizeof *ocr);
    if (!ocr) {
        snprintf(err, errcap, "%s", _("out of memory"));
        return RD_ERR_NOMEM;
    }
    ocr->page_timeout_s = o && o->ocr_page_timeout_s ? o->ocr_page_timeout_s : RD_DEFAULT_OCR_PAGE_TIMEOUT;
    ocr->max_pages = o && o->ocr_max_pages ? o->ocr_max_pages : RD_DEFAULT_OCR_MAX_PAGES;
    ocr->max_page_pixels = o && o->ocr_max_page_pixels ? o->ocr_max_page_pixels : RD_DEFAULT_OCR_MAX_PAGE_PIXELS;
    ocr->max_file_pixels = o && o->ocr_max_file_pixels ? o->ocr_max_file_pixels : RD_DEFAULT_OCR_MAX_FILE_PIXELS;
    ocr->cache_dir = o && o->ocr_cache_dir && o->ocr_cache_key ? o->ocr_cache_dir : NULL;
    ocr->cache_key = o ? o->ocr_cache_key : NULL;
    ocr->jobs = o ? o->page_jobs : NULL;
    ocr->fmt = fmt;
    ocr->data = data;
    ocr->len = len;
    *out = ocr;
    return RD_OK;
}

/* ------------------------------------------------------------- engines */

/* Engines with the model loaded, kept for the next page (loading the model
 * takes longer than reading a page from the cache, or a small page): at
 * most one per thread that ever read a page at the same time as others. */
#define POOL_MAX 64
static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static TessBaseAPI *pool[POOL_MAX];
static size_t pool_count;

/* An engine with the Vietnamese model, from the pool or started, or NULL
 * when Tesseract cannot load the model. */
static TessBaseAPI *engine_take(void)
{
    pthread_mutex_lock(&pool_lock);
    TessBaseAPI *api = pool_count ? pool[--pool_count] : NULL;
    pthread_mutex_unlock(&pool_lock);
    if (api)
        return api;
    /* One engine starts at a time, and only the first sets debug_file:
     * it is one of Tesseract's global parameters, which another thread's
     * engine reads while it recognises a page (ThreadSanitizer saw two
     * threads write it at once). */
    static pthread_mutex_t start_lock = PTHREAD_MUTEX_INITIALIZER;
    static int quiet;
    pthread_mutex_lock(&start_lock);
    api = TessBaseAPICreate();
    /* Tesseract's own chatter ("Estimating resolution", "Empty page") goes nowhere */
    if (api && !quiet)
        TessBaseAPISetVariable(api, "debug_file", "/dev/null");
    if (api && TessBaseAPIInit3(api, NULL, "vie") == 0) {
        if (!quiet)
            TessBaseAPISetVariable(api, "debug_file", "/dev/null");
        quiet = 1;
    } else if (api) {
        TessBaseAPIDelete(api);
        api = NULL;
    }
    pthread_mutex_unlock(&start_lock);
    return api;
}

static void engine_give(TessBaseAPI *api)
{
    pthread_mutex_lock(&pool_lock);
    if (pool_count < POOL_MAX) {
        pool[pool_count++] = api;
        api = NULL;
    }
    pthread_mutex_unlock(&pool_lock);
    if (api) {
        TessBaseAPIEnd(api);
        TessBaseAPIDelete(api);
    }
}

/* No engine for a page: warned once per file, the page counted unread so
 * that the file is read again. */
static void engine_failed(rd_ocr *ocr, rd_builder *b)
{
    if (!ocr->broken) {
        ocr->broken = 1;
        char model[4096];
        model_path(model, sizeof model);
        rb_warn(b, 0, _("Tesseract cannot load its Vietnamese model (%s): reinstall %s"), model, RD_OCR_PACKAGE);
    }
    b->doc->ocr_unread++;
}

static void ahead_close(rd_ocr *ocr);

void rd_ocr_close(rd_ocr *ocr)
{
    if (!ocr)
        return;
    ahead_close(ocr);
    if (ocr->jobs && ocr->jobs->planned && ocr->planned > ocr->taken)
        ocr->jobs->planned(ocr->jobs->ctx, -(ocr->planned - ocr->taken));
    free(ocr);
}

/* Progress: the file expects to read up to n more pages. */
static void plan_pages(rd_ocr *ocr, size_t n)
{
    if (n > ocr->max_pages)
        n = ocr->max_pages;
    ocr->planned += (long)n;
    if (ocr->jobs && ocr->jobs->planned)
        ocr->jobs->planned(ocr->jobs->ctx, (long)n);
}

/* Progress: page pno read, or taken from the cache. */
static void page_taken(rd_ocr *ocr, unsigned pno)
{
    ocr->taken++;
    if (ocr->jobs && ocr->jobs->page_done)
        ocr->jobs->page_done(ocr->jobs->ctx, pno);
}

void rd_ocr_page_free(rd_ocr_page *p)
{
    for (size_t i = 0; i < p->count; i++)
        free(p->paras[i]);
    free(p->paras);
    memset(p, 0, sizeof *p);
}

static int page_add(rd_ocr_page *p, const char *s, size_t n)
{
    char **np = realloc(p->paras, (p->count + 1) * sizeof *np);
    if (!np)
        return -1;
    p->paras = np;
    char *t = malloc(n + 1);
    if (!t)
        return -1;
    /* one line: Tesseract ends each line of a paragraph with a newline */
    for (size_t i = 0; i < n; i++)
        t[i] = s[i] == '\n' || s[i] == '\r' ? ' ' : s[i];
    t[n] = '\0';
    p->paras[p->count++] = t;
    return 0;
}

/* ---------------------------------------------------------------- cache */

static void cache_path(const rd_ocr *ocr, unsigned pno, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s/%s-p%u.txt", ocr->cache_dir, ocr->cache_key, pno);
}

/* 1 and the page if the cache has it. */
static int cache_get(const rd_ocr *ocr, unsigned pno, rd_ocr_page *out)
{
    if (!ocr->cache_dir)
        return 0;
    char path[4096];
    cache_path(ocr, pno, path, sizeof path);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n = getline(&line, &cap, f);
    int conf = -1, ok = 0;
    if (n > 0 && sscanf(line, OCR_CACHE_MAGIC " conf=%d", &conf) == 1 && conf >= 0 && conf <= 100) {
        ok = 1;
        memset(out, 0, sizeof *out);
        out->confidence = conf;
        while ((n = getline(&line, &cap, f)) > 0) {
            if (line[n - 1] == '\n')
                line[--n] = '\0';
            if (n && page_add(out, line, (size_t)n)) {
                ok = 0;
                break;
            }
        }
        if (!ok || ferror(f)) {
            ok = 0;
            rd_ocr_page_free(out);
        }
    }
    free(line);
    fclose(f);
    return ok;
}

/* Writes the page under a temporary name, then renames it: a reader of the
 * cache sees the whole page or none.  A cache that cannot be written costs
 * only the next run's time. */
static void cache_put(const rd_ocr *ocr, unsigned pno, const rd_ocr_page *p)
{
    if (!ocr->cache_dir)
        return;
    char path[4096], tmp[4200];
    cache_path(ocr, pno, path, sizeof path);
    snprintf(tmp, sizeof tmp, "%s.XXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0)
        return;
    FILE *f = fdopen(fd, "w");
    if (!f) {
        close(fd);
        unlink(tmp);
        return;
    }
    fprintf(f, OCR_CACHE_MAGIC " conf=%d\n", p->confidence);
    for (size_t i = 0; i < p->count; i++)
        fprintf(f, "%s\n", p->paras[i]);
    int bad = fflush(f) != 0 || fsync(fileno(f)) != 0;
    bad |= fclose(f) != 0;
    if (bad || rename(tmp, path) != 0)
        unlink(tmp);
}

/* ------------------------------------------------------------ recognise */

/* 1 while the file's page and pixel budget allows another page of `pixels`
 * (warning once when it does not). */
static int budget_allows(rd_ocr *ocr, rd_builder *b, unsigned pno, size_t total, size_t pixels)
{
    if (ocr->stopped)
        return 0;
    if (ocr->pages_done >= ocr->max_pages) {
        rb_warn(b, 0, _("OCR stopped at page %u of %zu: more than %zu pages to read"), pno, total, ocr->max_pages);
        ocr->stopped = 1;
        return 0;
    }
    if (ocr->pixels_done + pixels > ocr->max_file_pixels) {
        rb_warn(b, 0, _("OCR stopped at page %u of %zu: more than %zu million pixels in the file"), pno, total,
                ocr->max_file_pixels / 1000000);
        ocr->stopped = 1;
        return 0;
    }
    return 1;
}

/* Tesseract's LSTM starts OpenMP threads (libgomp) for each page it reads,
 * which spin while they wait: with vnindex's workers on every core
 * already, they only take the cores from each other (a scan took twice the
 * CPU time with them, and on a busy machine up to five times the time).
 * libgomp reads OMP_THREAD_LIMIT in its constructor, before main(), too
 * early to set; no active parallel level has the same effect, and unlike
 * the thread count it is not overridden by Tesseract's num_threads()
 * clauses.  It is the calling thread's (OpenMP 5.1), hence set in each
 * thread before its first page; left alone when the user set any of
 * OpenMP's own limits. */
static void (*set_omp_levels)(int);
static pthread_once_t omp_once = PTHREAD_ONCE_INIT;

static void find_omp(void)
{
    if (getenv("OMP_THREAD_LIMIT") || getenv("OMP_NUM_THREADS") || getenv("OMP_MAX_ACTIVE_LEVELS"))
        return;
    *(void **)&set_omp_levels = dlsym(RTLD_DEFAULT, "omp_set_max_active_levels");
}

static void limit_openmp(void)
{
    static _Thread_local int done;
    pthread_once(&omp_once, find_omp);
    if (set_omp_levels && !done)
        set_omp_levels(0);
    done = 1;
}

/* Reads one picture with an engine of the pool.  RD_OK with the page's
 * paragraphs (maybe none), RD_ERR_LIMIT past the time limit, OCR_NO_ENGINE
 * or RD_ERR_NOMEM; nothing warned (any thread may call it). */
static int recognise_pix(PIX *pix, unsigned timeout_s, rd_ocr_page *out)
{
    memset(out, 0, sizeof *out);
    TessBaseAPI *api = engine_take();
    if (!api)
        return OCR_NO_ENGINE;
    limit_openmp();
    TessBaseAPISetImage2(api, pix);
    l_int32 xres = pixGetXRes(pix);
    TessBaseAPISetSourceResolution(api, xres >= OCR_MIN_DPI && xres <= 1200 ? xres : OCR_DPI);
    ETEXT_DESC *monitor = TessMonitorCreate();
    if (!monitor) {
        TessBaseAPIClear(api);
        engine_give(api);
        return RD_ERR_NOMEM;
    }
    TessMonitorSetDeadlineMSecs(monitor, (int)timeout_s * 1000);
    double t0 = mono_now();
    int rc = TessBaseAPIRecognize(api, monitor);
    TessMonitorDelete(monitor);
    if (rc != 0 || mono_now() - t0 > timeout_s) {
        TessBaseAPIClear(api);
        engine_give(api);
        return RD_ERR_LIMIT;
    }
    int status = RD_OK;
    TessResultIterator *it = TessBaseAPIGetIterator(api);
    if (it) {
        do {
            char *t = TessResultIteratorGetUTF8Text(it, RIL_PARA);
            if (t) {
                size_t n = strlen(t);
                while (n && (t[n - 1] == '\n' || t[n - 1] == ' '))
                    n--;
                if (n && page_add(out, t, n))
                    status = RD_ERR_NOMEM;
                TessDeleteText(t);
            }
        } while (status == RD_OK && TessResultIteratorNext(it, RIL_PARA));
        TessResultIteratorDelete(it);
    }
    int conf = out->count ? TessBaseAPIMeanTextConf(api) : 0;
    out->confidence = conf < 0 ? 0 : conf > 100 ? 100 : conf;
    TessBaseAPIClear(api);
    engine_give(api);
    if (status != RD_OK)
        rd_ocr_page_free(out);
    return status;
}

/* What the reading thread makes of a page's recognition (its own or a
 * helper's): RD_OK, RD_ERR_LIMIT (warned: the page is not indexed) or
 * RD_ERR_NOMEM. */
static int settle(rd_ocr *ocr, rd_builder *b, unsigned pno, int rc)
{
    if (rc == OCR_NO_ENGINE) {
        engine_failed(ocr, b);
        return RD_ERR_LIMIT;
    }
    if (rc == RD_ERR_LIMIT)
        rb_warn(b, 0, _("page %u: OCR stopped past the time limit of %u s; page not indexed"), pno,
                ocr->page_timeout_s);
    return rc;
}

/* Reads one picture on this thread.  RD_OK with the page's paragraphs
 * (maybe none), RD_ERR_LIMIT past the page's time limit (warned),
 * RD_ERR_NOMEM. */
static int recognise(rd_ocr *ocr, rd_builder *b, PIX *pix, unsigned pno, rd_ocr_page *out)
{
    memset(out, 0, sizeof *out);
    int rc = ocr->broken ? OCR_NO_ENGINE : recognise_pix(pix, ocr->page_timeout_s, out);
    if (rc != OCR_NO_ENGINE && ocr->jobs && ocr->jobs->page_read)
        ocr->jobs->page_read(ocr->jobs->ctx, pno);
    return settle(ocr, b, pno, rc);
}

/* Emits a page's paragraphs as blocks. */
static void emit_page(rd_builder *b, unsigned pno, const rd_ocr_page *p)
{
    unsigned flags = b->flags;
    int conf = b->confidence;
    b->page = pno;
    b->flags = flags | RD_FLAG_OCR;
    b->confidence = p->confidence;
    for (size_t i = 0; i < p->count; i++) {
        rb_text(b, p->paras[i], strlen(p->paras[i]));
        rb_end(b, RD_PARAGRAPH, 0);
    }
    b->flags = flags;
    b->confidence = conf;
}

/* ------------------------------------------------------------------ PDF */

/* Renders a PDF page in grey at 300 dpi, or less to stay under the page's
 * pixel limit. */
static PIX *render_page(size_t max_page_pixels, PopplerPage *page, size_t *pixels)
{
    double w = 0, h = 0;
    poppler_page_get_size(page, &w, &h);
    if (!(w > 0 && h > 0) || w > 1e6 || h > 1e6)
        return NULL;
    double dpi = OCR_DPI;
    double px = w / 72.0 * dpi * h / 72.0 * dpi;
    if (px > (double)max_page_pixels)
        dpi *= sqrt((double)max_page_pixels / px);
    int W = (int)(w / 72.0 * dpi), H = (int)(h / 72.0 * dpi);
    if (W < 16 || H < 16)
        return NULL;
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, W, H);
    if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(s);
        return NULL;
    }
    cairo_t *cr = cairo_create(s);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    cairo_scale(cr, dpi / 72.0, dpi / 72.0);
    poppler_page_render_for_printing(page, cr);
    cairo_destroy(cr);
    cairo_surface_flush(s);
    PIX *pix = pixCreate(W, H, 8);
    if (pix) {
        const unsigned char *data = cairo_image_surface_get_data(s);
        int stride = cairo_image_surface_get_stride(s);
        l_uint32 *pd = pixGetData(pix);
        l_int32 wpl = pixGetWpl(pix);
        for (int y = 0; y < H; y++) {
            const uint32_t *row = (const uint32_t *)(const void *)(data + (size_t)y * (size_t)stride);
            l_uint32 *line = pd + (size_t)y * (size_t)wpl;
            for (int x = 0; x < W; x++) {
                uint32_t v = row[x];
                unsigned r = (v >> 16) & 0xFF, g = (v >> 8) & 0xFF, bl = v & 0xFF;
                SET_DATA_BYTE(line, x, (r * 299 + g * 587 + bl * 114) / 1000);
            }
        }
        pixSetResolution(pix, (l_int32)dpi, (l_int32)dpi);
        *pixels = (size_t)W * (size_t)H;
    }
    cairo_surface_destroy(s);
    return pix;
}

/* ----------------------------------------------------------- read-ahead */

enum { SLOT_QUEUED, SLOT_RUNNING, SLOT_DONE, SLOT_WITHDRAWN };

/* A page offered to another thread. */
typedef struct ahead_slot {
    ocr_ahead *ah;
    unsigned pno;
    int state;
    int skipped;       /* the helper did not read it (a PDF page with a text layer, a picture past the
                          page's pixel limit, not decoded): the reading thread decides itself */
    int rendered;      /* PDF: 0 if the page could not be rendered */
    size_t pixels;     /* PDF: the rendered picture's */
    int rc;            /* recognise_pix()'s */
    rd_ocr_page page;
} ahead_slot;

/* The pages of one file offered to other threads.  Shared by the reading
 * thread and the queued jobs: the last of them frees it, since a job may
 * run after the file is done (and then does nothing). */
struct ocr_ahead {
    pthread_mutex_t lock;
    pthread_cond_t done;
    int refs;
    rd_format fmt;
    const char *data;  /* read only while a slot runs: rd_ocr_close() waits for those */
    size_t len;
    unsigned timeout_s;
    size_t max_page_pixels;
    const rd_page_jobs *jobs;
    ahead_slot **slots;
    size_t count, cap;
    unsigned next;     /* the first page not offered yet */
};

static void ahead_unref(ocr_ahead *ah)
{
    pthread_mutex_lock(&ah->lock);
    int last = --ah->refs == 0;
    pthread_mutex_unlock(&ah->lock);
    if (!last)
        return;
    for (size_t i = 0; i < ah->count; i++) {
        rd_ocr_page_free(&ah->slots[i]->page);
        free(ah->slots[i]);
    }
    free(ah->slots);
    pthread_cond_destroy(&ah->done);
    pthread_mutex_destroy(&ah->lock);
    free(ah);
}

/* 1 if a PDF page has a text layer (the reading thread will not OCR it). */
static int has_text(PopplerPage *page)
{
    char *t = poppler_page_get_text(page);
    int any = 0;
    for (const char *c = t; c && *c && !any; c++)
        any = !(*c == ' ' || *c == '\n' || *c == '\r' || *c == '\t' || *c == '\f');
    g_free(t);
    return any;
}

/* A helper's side: decodes or renders the page from the file's bytes, and
 * recognises it. */
static void ahead_read(ocr_ahead *ah, ahead_slot *s)
{
    PIX *pix = NULL;
    if (ah->fmt == RD_FORMAT_PDF) {
        GBytes *bytes = g_bytes_new_static(ah->data, ah->len);
        PopplerDocument *doc = poppler_document_new_from_bytes(bytes, NULL, NULL);
        PopplerPage *page = doc ? poppler_document_get_page(doc, (int)s->pno - 1) : NULL;
        if (!page || has_text(page)) {
            s->skipped = 1;
        } else {
            pix = render_page(ah->max_page_pixels, page, &s->pixels);
            s->rendered = pix != NULL;
        }
        if (page)
            g_object_unref(page);
        if (doc)
            g_object_unref(doc);
        g_bytes_unref(bytes);
        if (!pix)
            return; /* skipped, or not rendered: the reading thread warns */
    } else {
        pix = pixReadMemTiff((const l_uint8 *)ah->data, ah->len, (l_int32)s->pno - 1);
        if (!pix || (size_t)pixGetWidth(pix) * (size_t)pixGetHeight(pix) > ah->max_page_pixels) {
            s->skipped = 1;
            pixDestroy(&pix);
            return;
        }
    }
    s->rc = recognise_pix(pix, ah->timeout_s, &s->page);
    pixDestroy(&pix);
    if (s->rc != OCR_NO_ENGINE && ah->jobs->page_read)
        ah->jobs->page_read(ah->jobs->ctx, s->pno);
}

/* A page job, on whichever thread runs it. */
static void ahead_run(void *arg)
{
    ahead_slot *s = arg;
    ocr_ahead *ah = s->ah;
    pthread_mutex_lock(&ah->lock);
    int go = s->state == SLOT_QUEUED;
    if (go)
        s->state = SLOT_RUNNING;
    pthread_mutex_unlock(&ah->lock);
    if (go) {
        ahead_read(ah, s);
        pthread_mutex_lock(&ah->lock);
        s->state = SLOT_DONE;
        pthread_cond_broadcast(&ah->done);
        pthread_mutex_unlock(&ah->lock);
    }
    ahead_unref(ah);
}

/* 1 if page pno's cache file is there (it is taken from the cache, not read). */
static int cache_has(const rd_ocr *ocr, unsigned pno)
{
    if (!ocr->cache_dir)
        return 0;
    char path[4096];
    cache_path(ocr, pno, path, sizeof path);
    return access(path, R_OK) == 0;
}

/* The reading thread is at page pno of total: offers the next pages (as
 * many as there are threads to read them) to other threads. */
static void ahead_offer(rd_ocr *ocr, unsigned pno, size_t total)
{
    const rd_page_jobs *j = ocr->jobs;
    if (!j || j->width < 2 || !j->offer || !ocr->data)
        return;
    if (!ocr->ahead) {
        ocr_ahead *ah = calloc(1, sizeof *ah);
        if (!ah)
            return;
        pthread_mutex_init(&ah->lock, NULL);
        pthread_cond_init(&ah->done, NULL);
        ah->refs = 1;
        ah->fmt = ocr->fmt;
        ah->data = ocr->data;
        ah->len = ocr->len;
        ah->timeout_s = ocr->page_timeout_s;
        ah->max_page_pixels = ocr->max_page_pixels;
        ah->jobs = j;
        ah->next = pno + 1;
        ocr->ahead = ah;
    }
    ocr_ahead *ah = ocr->ahead;
    if (ah->next <= pno)
        ah->next = pno + 1;
    for (; ah->next <= pno + j->width && ah->next <= total; ah->next++) {
        unsigned q = ah->next;
        if (ocr->stopped || ocr->pages_done + (q - pno) >= ocr->max_pages)
            break; /* past the file's page limit: not read */
        if (cache_has(ocr, q))
            continue;
        if (ah->count == ah->cap) {
            size_t cap = ah->cap ? 2 * ah->cap : 8;
            ahead_slot **more = realloc(ah->slots, cap * sizeof *more);
            if (!more)
                break;
            ah->slots = more;
            ah->cap = cap;
        }
        ahead_slot *s = calloc(1, sizeof *s);
        if (!s)
            break;
        s->ah = ah;
        s->pno = q;
        s->state = SLOT_QUEUED;
        pthread_mutex_lock(&ah->lock);
        ah->slots[ah->count++] = s;
        ah->refs++;
        pthread_mutex_unlock(&ah->lock);
        if (!j->offer(j->ctx, ahead_run, s)) {
            pthread_mutex_lock(&ah->lock);
            s->state = SLOT_WITHDRAWN;
            ah->refs--;
            pthread_mutex_unlock(&ah->lock);
        }
    }
}

/* Page pno as a helper read it: the slot (waited for if a helper is at it),
 * or NULL if the reading thread reads it itself (never offered, not taken
 * by a helper yet: withdrawn, or skipped). */
static ahead_slot *ahead_take(rd_ocr *ocr, unsigned pno)
{
    ocr_ahead *ah = ocr->ahead;
    if (!ah)
        return NULL;
    ahead_slot *s = NULL;
    pthread_mutex_lock(&ah->lock);
    for (size_t i = 0; i < ah->count && !s; i++)
        if (ah->slots[i]->pno == pno)
            s = ah->slots[i];
    if (s && s->state == SLOT_QUEUED)
        s->state = SLOT_WITHDRAWN;
    while (s && s->state == SLOT_RUNNING) {
        /* rather than wait idle, read one of the next pages no helper has taken yet */
        ahead_slot *next = NULL;
        for (size_t i = 0; i < ah->count && !next; i++)
            if (ah->slots[i]->state == SLOT_QUEUED)
                next = ah->slots[i];
        if (!next) {
            pthread_cond_wait(&ah->done, &ah->lock);
            continue;
        }
        next->state = SLOT_RUNNING;
        pthread_mutex_unlock(&ah->lock);
        ahead_read(ah, next);
        pthread_mutex_lock(&ah->lock);
        next->state = SLOT_DONE;
        pthread_cond_broadcast(&ah->done);
    }
    pthread_mutex_unlock(&ah->lock);
    if (!s || s->state != SLOT_DONE || s->skipped)
        return NULL;
    s->state = SLOT_WITHDRAWN; /* taken once */
    return s;
}

/* The file is done: pages still queued are withdrawn, those being read
 * waited for (they read the file's bytes). */
static void ahead_close(rd_ocr *ocr)
{
    ocr_ahead *ah = ocr->ahead;
    if (!ah)
        return;
    pthread_mutex_lock(&ah->lock);
    for (;;) {
        int running = 0;
        for (size_t i = 0; i < ah->count; i++) {
            if (ah->slots[i]->state == SLOT_QUEUED)
                ah->slots[i]->state = SLOT_WITHDRAWN;
            running |= ah->slots[i]->state == SLOT_RUNNING;
        }
        if (!running)
            break;
        pthread_cond_wait(&ah->done, &ah->lock);
    }
    pthread_mutex_unlock(&ah->lock);
    ocr->ahead = NULL;
    ahead_unref(ah);
}

int rd_ocr_pdf_page(rd_ocr *ocr, void *poppler_page, unsigned pno, size_t npages, rd_builder *b,
                    rd_ocr_page *out)
{
    memset(out, 0, sizeof *out);
    PopplerPage *page = poppler_page;
    if (!ocr->planned)
        plan_pages(ocr, npages - pno + 1); /* from the first page without text on */
    if (cache_get(ocr, pno, out)) {
        ocr->pages_done++;
        b->doc->ocr_cached++;
        page_taken(ocr, pno);
        return RD_OK;
    }
    double w = 0, h = 0;
    poppler_page_get_size(page, &w, &h);
    double px = w / 72.0 * OCR_DPI * h / 72.0 * OCR_DPI;
    size_t expect = px > (double)ocr->max_page_pixels ? ocr->max_page_pixels : px > 0 ? (size_t)px : 0;
    if (!budget_allows(ocr, b, pno, npages, expect))
        return RD_OK; /* warned once: the file keeps the pages read so far */
    ahead_offer(ocr, pno, npages);
    time_t t0 = time(NULL);
    ahead_slot *s = ahead_take(ocr, pno);
    int rc;
    if (s) {
        if (!s->rendered) {
            rb_warn(b, 0, _("page %u: cannot be rendered for OCR (%.0f x %.0f points); not indexed"), pno, w, h);
            return RD_OK;
        }
        ocr->pages_done++;
        ocr->pixels_done += s->pixels;
        *out = s->page;
        memset(&s->page, 0, sizeof s->page);
        rc = settle(ocr, b, pno, s->rc);
        if (rc != RD_OK)
            rd_ocr_page_free(out);
    } else {
        size_t pixels = 0;
        PIX *pix = render_page(ocr->max_page_pixels, page, &pixels);
        if (!pix) {
            rb_warn(b, 0, _("page %u: cannot be rendered for OCR (%.0f x %.0f points); not indexed"), pno, w, h);
            return RD_OK;
        }
        ocr->pages_done++;
        ocr->pixels_done += pixels;
        rc = recognise(ocr, b, pix, pno, out);
        pixDestroy(&pix);
    }
    /* the PDF's time budget is for its text layer: OCR has its own, per page */
    if (b->deadline)
        b->deadline += time(NULL) - t0;
    if (rc == RD_OK) {
        b->doc->ocr_pages++;
        cache_put(ocr, pno, out);
        page_taken(ocr, pno);
    }
    return rc == RD_ERR_LIMIT ? RD_OK : rc;
}

/* --------------------------------------------------------------- images */

static const char *picture_kind(rd_format fmt)
{
    return fmt == RD_FORMAT_PNG ? "PNG" : fmt == RD_FORMAT_JPEG ? "JPEG" : "TIFF";
}

/* One picture of a file (page pno): from the cache, or decoded and read. */
static int read_picture(rd_ocr *ocr, rd_builder *b, PIX *pix, unsigned pno, size_t total)
{
    rd_ocr_page page;
    size_t pixels = (size_t)pixGetWidth(pix) * (size_t)pixGetHeight(pix);
    if (pixels > ocr->max_page_pixels) {
        rb_warn(b, 0, _("page %u: a picture of %d x %d pixels, more than %zu million; not read"), pno,
                pixGetWidth(pix), pixGetHeight(pix), ocr->max_page_pixels / 1000000);
        return RD_OK;
    }
    if (!budget_allows(ocr, b, pno, total, pixels))
        return RD_ERR_LIMIT;
    ocr->pages_done++;
    ocr->pixels_done += pixels;
    ahead_offer(ocr, pno, total);
    ahead_slot *s = ahead_take(ocr, pno);
    int rc;
    if (s) {
        page = s->page;
        memset(&s->page, 0, sizeof s->page);
        rc = settle(ocr, b, pno, s->rc);
        if (rc != RD_OK)
            rd_ocr_page_free(&page);
    } else {
        rc = recognise(ocr, b, pix, pno, &page);
    }
    if (rc == RD_ERR_LIMIT)
        return RD_OK;
    if (rc != RD_OK)
        return rc;
    b->doc->ocr_pages++;
    cache_put(ocr, pno, &page);
    page_taken(ocr, pno);
    emit_page(b, pno, &page);
    rd_ocr_page_free(&page);
    return RD_OK;
}

/* Takes page pno from the cache if it is there: 1 if it was. */
static int cached_picture(rd_ocr *ocr, rd_builder *b, unsigned pno)
{
    rd_ocr_page page;
    if (!cache_get(ocr, pno, &page))
        return 0;
    ocr->pages_done++;
    b->doc->ocr_cached++;
    page_taken(ocr, pno);
    emit_page(b, pno, &page);
    rd_ocr_page_free(&page);
    return 1;
}

/* The pages of a TIFF file, from its chain of directories (each offset
 * read and bounded, so a loop or a truncated file ends the count). */
static size_t tiff_pages(const unsigned char *d, size_t len, size_t cap)
{
    if (len < 8)
        return 0;
    int le = d[0] == 'I' && d[1] == 'I';
    if (!le && !(d[0] == 'M' && d[1] == 'M'))
        return 0;
#define U16(p) (le ? (unsigned)(p)[0] | (unsigned)(p)[1] << 8 : (unsigned)(p)[1] | (unsigned)(p)[0] << 8)
#define U32(p) (le ? (size_t)(p)[0] | (size_t)(p)[1] << 8 | (size_t)(p)[2] << 16 | (size_t)(p)[3] << 24 \
                   : (size_t)(p)[3] | (size_t)(p)[2] << 8 | (size_t)(p)[1] << 16 | (size_t)(p)[0] << 24)
    if (U16(d + 2) != 42)
        return 0; /* BigTIFF (43) is left to leptonica's count of one */
    size_t off = U32(d + 4), n = 0, prev = 0;
    while (off >= 8 && off + 2 <= len && off > prev && n < cap) {
        size_t entries = U16(d + off);
        size_t next_at = off + 2 + entries * 12;
        n++;
        if (next_at + 4 > len)
            break;
        prev = off;
        off = U32(d + next_at);
    }
#undef U16
#undef U32
    return n;
}

int rd_read_image(const char *path, const char *data, size_t len, const rd_options *o, rd_builder *b, char *err,
                  size_t errcap)
{
    (void)path;
    rd_format fmt = b->doc->format;
    pthread_once(&quiet_once, quiet_leptonica);
    const l_uint8 *d = (const l_uint8 *)data;
    l_int32 format = 0, w = 0, h = 0, bps = 0, spp = 0, iscmap = 0;
    if (len == 0 || pixReadHeaderMem(d, len, &format, &w, &h, &bps, &spp, &iscmap) != 0 || w <= 0 || h <= 0) {
        snprintf(err, errcap, _("not a %s picture leptonica can read (damaged or truncated?)"), picture_kind(fmt));
        return RD_ERR_DAMAGED;
    }
    size_t max_page_pixels = o && o->ocr_max_page_pixels ? o->ocr_max_page_pixels : RD_DEFAULT_OCR_MAX_PAGE_PIXELS;
    if ((size_t)w * (size_t)h > max_page_pixels) {
        snprintf(err, errcap, _("a picture of %d x %d pixels, more than %zu million; not read"), w, h,
                 max_page_pixels / 1000000);
        return RD_ERR_LIMIT;
    }
    if (o && o->no_ocr) {
        snprintf(err, errcap, "%s", _("a picture, and OCR is off (--no-ocr)"));
        return RD_ERR_NO_TEXT;
    }
    int tiff = format == IFF_TIFF || format == IFF_TIFF_G3 || format == IFF_TIFF_G4 || format == IFF_TIFF_PACKBITS ||
               format == IFF_TIFF_RLE || format == IFF_TIFF_LZW || format == IFF_TIFF_ZIP || format == IFF_TIFF_JPEG;
    size_t total = tiff ? tiff_pages(d, len, (size_t)1 << 20) : 1;
    if (total == 0)
        total = 1;
    b->doc->pages = total;
    rd_ocr *ocr = NULL;
    /* only a TIFF's pages are read ahead (pixReadMemTiff() finds page k) */
    int rc = rd_ocr_open(o, fmt, tiff ? data : NULL, len, &ocr, err, errcap);
    if (rc != RD_OK)
        return rc;
    plan_pages(ocr, total);
    size_t offset = 0;
    for (unsigned pno = 1; rc == RD_OK; pno++) {
        if (pno > total)
            break;
        if (cached_picture(ocr, b, pno)) {
            if (!tiff)
                break;
            /* the next page's offset still has to be found: decode past it */
            PIX *skip = pixReadMemFromMultipageTiff(d, len, &offset);
            pixDestroy(&skip);
            if (offset == 0)
                break;
            continue;
        }
        PIX *pix = tiff ? pixReadMemFromMultipageTiff(d, len, &offset) : pixReadMem(d, len);
        if (!pix) {
            if (pno == 1) {
                snprintf(err, errcap, _("not a %s picture leptonica can read (damaged or truncated?)"),
                         picture_kind(fmt));
                rc = RD_ERR_DAMAGED;
            } else {
                rb_warn(b, 0, _("page %u of %zu cannot be decoded (damaged or truncated?); the rest not read"), pno,
                        total);
            }
            break;
        }
        rc = read_picture(ocr, b, pix, pno, total);
        pixDestroy(&pix);
        if (rc == RD_ERR_LIMIT) {
            rc = RD_OK; /* warned: the pages read so far stay */
            break;
        }
        if (!tiff || offset == 0)
            break;
    }
    rd_ocr_close(ocr);
    return rc;
}

void rd_ocr_enable(void)
{
    static const rd_ocr_ops ops = {rd_ocr_open, rd_ocr_close, rd_ocr_pdf_page, rd_ocr_page_free, rd_read_image};
    rd_ocr_register(&ops);
    rd_pdf_enable(); /* scans come as PDFs too */
}
