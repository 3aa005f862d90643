/*
 * readers-dump FILE...: the blocks each reader makes of a file, one per
 * line (kind, level, page, ordinal, line, heading path, cites or note
 * number, text), then its warnings.  For looking at a reader's work by
 * hand and for the readers' tests.
 */
#include <stdio.h>
#include <stdlib.h>

#include "readers.h"

static const char *kind_name(rd_kind k)
{
    static const char *const names[] = {"heading", "para", "item", "cell", "note", "break"};
    return (unsigned)k < sizeof names / sizeof names[0] ? names[k] : "?";
}

int main(int argc, char **argv)
{
    int status = 0;
    rd_ocr_enable();
    for (int i = 1; i < argc; i++) {
        FILE *fp = fopen(argv[i], "rb");
        if (!fp) {
            perror(argv[i]);
            status = 1;
            continue;
        }
        fseek(fp, 0, SEEK_END);
        long n = ftell(fp);
        fseek(fp, 0, SEEK_SET);
        char *data = malloc((size_t)n + 1);
        size_t len = data ? fread(data, 1, (size_t)n, fp) : 0;
        fclose(fp);
        rd_document *doc = NULL;
        char err[512];
        int rc = rd_read(argv[i], data, len, rd_format_of(argv[i]), NULL, &doc, err, sizeof err);
        free(data);
        if (rc) {
            printf("%s: error %s: %s\n", argv[i], rd_errmsg(rc), err);
            status = 1;
            continue;
        }
        for (size_t k = 0; k < doc->count; k++) {
            const rd_block *b = &doc->blocks[k];
            char path[1024];
            rd_heading_path(doc, k, path, sizeof path);
            printf("%s\t%d\tp%u\t#%zu\tl%zu-%zu\t%s\t", kind_name(b->kind), b->level, b->page, b->ordinal, b->line,
                   b->end_line, path);
            if (b->kind == RD_NOTE)
                printf("%s%d", b->endnote ? "en" : "fn", b->note);
            if (b->kind == RD_TABLE_CELL)
                printf("t%ur%uc%u%s", b->table, b->row, b->col, b->row_end ? "$" : "");
            for (size_t c = 0; c < b->ncites; c++)
                printf("%s%d", c ? "," : "cites ", b->cites[c]);
            printf("\t%s\n", b->text);
        }
        for (size_t k = 0; k < doc->nwarnings; k++)
            printf("warning: %s:%zu: %s\n", argv[i], doc->warnings[k].line, doc->warnings[k].text);
        rd_document_free(doc);
    }
    return status;
}
