/*
 * Fuzz harness: batch_reader, the reader of vnsearch --batch query files.
 * Checks batch.h's promises: every item is a bad line with a reason or has
 * an id and a query of valid UTF-8 with no newline or NUL, never longer than
 * BATCH_LINE_MAX; line numbers rise and stay within the file; a BOM at the
 * start of a line (one or several) never reaches an id or a query.
 */
#include <string.h>

#include "batch.h"
#include "fuzz.h"
#include "vntext.h"

static void check_text(const char *what, size_t i, const char *s)
{
    size_t l = strlen(s);
    FUZZ_CHECK(l <= BATCH_LINE_MAX, "item %zu: %s of %zu bytes", i, what, l);
    FUZZ_CHECK(vn_utf8_text_prefix(s, l) == l, "item %zu: %s not valid UTF-8", i, what);
    FUZZ_CHECK(!strchr(s, '\n'), "item %zu: %s keeps a newline", i, what);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    batch_reader *r = batch_reader_new(-1, (const char *)data, size);
    FUZZ_CHECK(r != NULL, "batch_reader_new failed");
    size_t lines = 1;
    for (size_t i = 0; i < size; i++)
        lines += data[i] == '\n';
    size_t last = 0;
    char err[256];
    batch_item it;
    int rc;
    for (size_t i = 0; (rc = batch_reader_next(r, &it, err, sizeof err)) == 1; i++) {
        FUZZ_CHECK(it.line >= 1 && it.line <= lines, "item %zu: line %zu of %zu", i, it.line, lines);
        FUZZ_CHECK(it.line > last, "item %zu: line %zu after %zu", i, it.line, last);
        last = it.line;
        if (it.error) {
            FUZZ_CHECK(!it.id && !it.query && *it.error, "item %zu: a bad line with an id or no reason", i);
        } else {
            FUZZ_CHECK(it.id && it.query, "item %zu: NULL id or query", i);
            check_text("id", i, it.id);
            check_text("query", i, it.query);
            FUZZ_CHECK(strncmp(it.id, "\xEF\xBB\xBF", 3) != 0, "item %zu: BOM kept in the id", i);
        }
        batch_item_free(&it);
    }
    FUZZ_CHECK(rc == 0, "reading memory failed: %s", err);
    FUZZ_CHECK(batch_reader_offset(r) == size, "consumed %llu of %zu bytes",
               (unsigned long long)batch_reader_offset(r), size);
    batch_reader_free(r);
    return 0;
}
