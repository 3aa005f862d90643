/*
 * Zip containers and their XML parts, for docx and odt (see internal.h).
 *
 * A part is never inflated whole: libzip hands it over in 64 KiB chunks and
 * libxml2's push parser takes them as they come, with SAX callbacks, so
 * neither a 50 MB paragraph nor a zip bomb is ever held in memory twice,
 * and the budget stops inflating at a bound whatever the archive's
 * directory claims.  libxml2 runs without entity substitution, DTD loading
 * or network access; a part with a DOCTYPE is refused outright, since
 * neither OOXML nor ODF has one and every entity bomb needs one.
 */
#include <libxml/parser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#include "internal.h"

struct rd_zip {
    zip_t *za;
};

int rd_zip_open(const char *data, size_t len, rd_zip **out, char *err, size_t errcap)
{
    *out = NULL;
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(data, len, 0, &ze);
    if (!src) {
        snprintf(err, errcap, _("cannot read the zip container: %s"), zip_error_strerror(&ze));
        zip_error_fini(&ze);
        return RD_ERR_NOMEM;
    }
    zip_t *za = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &ze);
    if (!za) {
        snprintf(err, errcap, _("not a valid zip container (truncated or damaged?): %s"), zip_error_strerror(&ze));
        zip_error_fini(&ze);
        zip_source_free(src);
        return RD_ERR_DAMAGED;
    }
    zip_error_fini(&ze);
    rd_zip *z = malloc(sizeof *z);
    if (!z) {
        zip_close(za);
        return RD_ERR_NOMEM;
    }
    z->za = za;
    *out = z;
    return RD_OK;
}

void rd_zip_close(rd_zip *z)
{
    if (!z)
        return;
    zip_discard(z->za); /* read-only: nothing to write back */
    free(z);
}

int rd_zip_has(rd_zip *z, const char *name)
{
    return zip_name_locate(z->za, name, 0) >= 0;
}

int rd_attr(int nattrs, const char **attrs, const char *name, char *buf, size_t cap)
{
    for (int i = 0; i < nattrs; i++) {
        const char *const *a = attrs + 5 * i;
        if (strcmp(a[0], name) != 0)
            continue;
        size_t n = (size_t)(a[4] - a[3]);
        if (cap) {
            if (n >= cap)
                n = cap - 1;
            memcpy(buf, a[3], n);
            buf[n] = '\0';
        }
        return 1;
    }
    return 0;
}

typedef struct sax_run {
    const rd_sax *sax;
    xmlParserCtxtPtr ctxt;
    const rd_builder *b;
    int doctype, late;
} sax_run;

static void on_start(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri, int nns,
                     const xmlChar **namespaces, int nattrs, int ndefaulted, const xmlChar **attrs)
{
    (void)prefix;
    (void)nns;
    (void)namespaces;
    (void)ndefaulted;
    sax_run *r = ctx;
    if (r->b && rb_late(r->b)) {
        r->late = 1;
        xmlStopParser(r->ctxt);
        return;
    }
    if (r->sax->start)
        r->sax->start(r->sax->ctx, (const char *)localname, uri ? (const char *)uri : "", nattrs,
                      (const char **)attrs);
}

static void on_end(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri)
{
    (void)prefix;
    sax_run *r = ctx;
    if (r->sax->end)
        r->sax->end(r->sax->ctx, (const char *)localname, uri ? (const char *)uri : "");
}

static void on_text(void *ctx, const xmlChar *s, int n)
{
    sax_run *r = ctx;
    if (r->sax->text && n > 0)
        r->sax->text(r->sax->ctx, (const char *)s, (size_t)n);
}

static void on_doctype(void *ctx, const xmlChar *name, const xmlChar *ext, const xmlChar *sys)
{
    (void)name;
    (void)ext;
    (void)sys;
    sax_run *r = ctx;
    r->doctype = 1;
    xmlStopParser(r->ctxt);
}

static void on_entity(void *ctx, const xmlChar *name, int type, const xmlChar *pub, const xmlChar *sys,
                      xmlChar *content)
{
    (void)name;
    (void)type;
    (void)pub;
    (void)sys;
    (void)content;
    sax_run *r = ctx;
    r->doctype = 1;
    xmlStopParser(r->ctxt);
}

static void on_error(void *ctx, const char *msg, ...)
{
    (void)ctx;
    (void)msg; /* reported once, from the context, when parsing ends */
}

int rd_zip_parse(rd_zip *z, const char *name, const rd_sax *sax, size_t *budget, const rd_builder *b, char *err,
                 size_t errcap)
{
    zip_file_t *zf = zip_fopen(z->za, name, 0);
    if (!zf) {
        snprintf(err, errcap, _("%s: cannot open it in the zip container: %s"), name, zip_strerror(z->za));
        return RD_ERR_DAMAGED;
    }
    xmlSAXHandler h;
    memset(&h, 0, sizeof h);
    h.initialized = XML_SAX2_MAGIC;
    h.startElementNs = on_start;
    h.endElementNs = on_end;
    h.characters = on_text;
    h.cdataBlock = on_text;
    h.internalSubset = on_doctype;
    h.externalSubset = on_doctype;
    h.entityDecl = on_entity;
    h.warning = on_error;
    h.error = on_error;
    sax_run run = {sax, NULL, b, 0, 0};
    xmlParserCtxtPtr ctxt = xmlCreatePushParserCtxt(&h, &run, NULL, 0, name);
    if (!ctxt) {
        zip_fclose(zf);
        return RD_ERR_NOMEM;
    }
    run.ctxt = ctxt;
    /* HUGE lifts libxml2's 10 MB cap on one text run (a long paragraph is
     * not an attack); the budget bounds the whole part instead. */
    xmlCtxtUseOptions(ctxt, XML_PARSE_NONET | XML_PARSE_HUGE | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    enum { CHUNK = 65536 };
    char *buf = malloc(CHUNK);
    int rc = buf ? RD_OK : RD_ERR_NOMEM;
    size_t total = 0;
    while (rc == RD_OK) {
        zip_int64_t n = zip_fread(zf, buf, CHUNK);
        if (n < 0) {
            snprintf(err, errcap, _("%s: damaged in the zip container: %s"), name, zip_file_strerror(zf));
            rc = RD_ERR_DAMAGED;
            break;
        }
        total += (size_t)n;
        if (total > *budget) {
            snprintf(err, errcap, _("%s: more than %zu MiB decompressed (a zip bomb?); not read"), name,
                     *budget >> 20);
            rc = RD_ERR_LIMIT;
            break;
        }
        int last = n == 0;
        xmlParseChunk(ctxt, buf, (int)n, last);
        if (run.doctype) {
            snprintf(err, errcap, _("%s: XML with a document type declaration (entity definitions); refused"), name);
            rc = RD_ERR_LIMIT;
        } else if (run.late) {
            snprintf(err, errcap, _("%s: took longer than the time limit; not read"), name);
            rc = RD_ERR_LIMIT;
        } else if (!ctxt->wellFormed || ctxt->disableSAX == 2) {
            const xmlError *e = xmlCtxtGetLastError(ctxt);
            char msg[200];
            snprintf(msg, sizeof msg, "%s", _("not well-formed"));
            if (e && e->message) {
                snprintf(msg, sizeof msg, "%s", e->message);
                msg[strcspn(msg, "\n")] = '\0';
            }
            snprintf(err, errcap, _("%s: broken XML at line %d: %s"), name, e ? e->line : 0, msg);
            rc = RD_ERR_DAMAGED;
        }
        if (last)
            break;
    }
    *budget = total > *budget ? 0 : *budget - total;
    free(buf);
    xmlFreeParserCtxt(ctxt);
    zip_fclose(zf);
    return rc;
}
