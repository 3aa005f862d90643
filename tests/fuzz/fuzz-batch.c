/*
 * Fuzz harness: batch_parse(), the reader of vnsearch --batch query files.
 * Checks batch.h's promises: every item has an id and a query, neither holds
 * a newline, line numbers rise and stay within the file.
 */
#include <string.h>

#include "batch.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    batch_item *items = NULL;
    size_t n = 0;
    FUZZ_CHECK(batch_parse((const char *)data, size, &items, &n) == 0, "batch_parse failed");
    size_t lines = 1;
    for (size_t i = 0; i < size; i++)
        lines += data[i] == '\n';
    for (size_t i = 0; i < n; i++) {
        const batch_item *it = &items[i];
        FUZZ_CHECK(it->id && it->query, "item %zu: NULL id or query", i);
        FUZZ_CHECK(!strchr(it->id, '\n') && !strchr(it->query, '\n'), "item %zu: newline kept", i);
        FUZZ_CHECK(it->line >= 1 && it->line <= lines, "item %zu: line %zu of %zu", i, it->line, lines);
        FUZZ_CHECK(i == 0 || items[i - 1].line < it->line, "item %zu: line %zu after %zu", i, it->line,
                   items[i - 1].line);
        FUZZ_CHECK(strlen(it->query) <= size && strlen(it->id) <= (size > 20 ? size : 20),
                   "item %zu: longer than the file", i);
    }
    batch_items_free(items, n);
    return 0;
}
