/*
 * Fuzz harness: the passage splitter, the date parser and the per-passage
 * tagging that vnindex runs on every file.  The bytes go through
 * vn_decode() first, as they do in vnindex (passage_split() wants valid
 * UTF-8 with LF line ends); date_parse() and date_parse_bound() also get
 * the raw bytes.  Checks the promises of passage.h and dates.h: passages in
 * line order, within the file, no longer than VS_PASSAGE_MAX_BYTES; footnotes
 * cite an earlier passage; dates are real calendar days with from <= to;
 * the ISO form fits its 24-byte buffer.
 */
#include <string.h>

#include "dates.h"
#include "fuzz.h"
#include "passage.h"
#include "vnsearch.h"
#include "vntext.h"

#ifndef VN_CORPUS_DIR
#define VN_CORPUS_DIR "corpus"
#endif

/* The bundled tables, so framework tagging runs as it does on the corpus. */
static const vs_tables *corpus_tables(void)
{
    static vs_tables *t;
    static int tried;
    if (tried)
        return t;
    tried = 1;
    char err[512];
    if (vs_tables_load(VN_CORPUS_DIR "/frameworks.tsv", VN_CORPUS_DIR "/aliases.tsv", NULL, 0, &t, err,
                       sizeof err) != 0) {
        fprintf(stderr, "fuzz-passage: %s\n", err);
        t = NULL;
    }
    return t;
}

static void check_dates(const char *s, size_t len)
{
    date_span d[16];
    size_t n = date_parse(s, len, d, 16);
    size_t stored = n < 16 ? n : 16;
    for (size_t i = 0; i < stored; i++) {
        FUZZ_CHECK(d[i].from <= d[i].to, "date %u after %u", d[i].from, d[i].to);
        FUZZ_CHECK(d[i].offset < len, "date at %zu of %zu bytes", d[i].offset, len);
        int fy = (int)(d[i].from / 10000), fm = (int)(d[i].from / 100 % 100), fd = (int)(d[i].from % 100);
        int ty = (int)(d[i].to / 10000), tm = (int)(d[i].to / 100 % 100), td = (int)(d[i].to % 100);
        FUZZ_CHECK(date_valid(fy, fm, fd) && date_valid(ty, tm, td), "not a calendar day: %u..%u", d[i].from,
                   d[i].to);
        FUZZ_CHECK(i == 0 || d[i - 1].from <= d[i].from, "dates not sorted");
        char iso[24];
        int k = date_iso(&d[i], iso, sizeof iso);
        FUZZ_CHECK(k > 0 && (size_t)k < sizeof iso, "ISO form of %d bytes", k);
    }
    /* A smaller array gets the same count and the same first dates. */
    date_span few[2];
    size_t m = date_parse(s, len, few, 2);
    FUZZ_CHECK(m == n, "%zu dates with room for 2, %zu with room for 16", m, n);
    for (size_t i = 0; i < 2 && i < stored; i++)
        FUZZ_CHECK(few[i].from == d[i].from && few[i].to == d[i].to, "first dates differ with less room");
}

static void check_bounds(const char *s, size_t len)
{
    char word[24];
    size_t n = len < sizeof word - 1 ? len : sizeof word - 1;
    memcpy(word, s, n);
    word[n] = '\0';
    for (int upper = 0; upper < 2; upper++) {
        uint32_t v = 0;
        if (date_parse_bound(word, upper, &v) == 0)
            FUZZ_CHECK(date_valid((int)(v / 10000), (int)(v / 100 % 100), (int)(v % 100)), "bound %u", v);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *raw = (const char *)data;
    check_dates(raw, size);
    check_bounds(raw, size);

    char *text = NULL;
    size_t len = 0;
    if (vn_decode(raw, size, &text, &len, NULL) != VN_OK)
        return 0;
    passage_list pl;
    FUZZ_CHECK(passage_split(text, len, &pl) == 0, "passage_split failed");
    size_t lines = 1;
    for (size_t i = 0; i < len; i++)
        lines += text[i] == '\n';
    for (size_t i = 0; i < pl.count; i++) {
        const passage *p = &pl.items[i];
        FUZZ_CHECK(p->text && strlen(p->text) == p->text_len, "passage %zu: text length", i);
        FUZZ_CHECK(p->text_len > 0 && p->text_len <= VS_PASSAGE_MAX_BYTES, "passage %zu: %zu bytes", i,
                   p->text_len);
        FUZZ_CHECK(fuzz_valid_utf8(p->text, p->text_len), "passage %zu: not UTF-8", i);
        FUZZ_CHECK(p->line >= 1 && p->line <= p->end_line && p->end_line <= lines, "passage %zu: lines %zu-%zu of %zu",
                   i, p->line, p->end_line, lines);
        FUZZ_CHECK(p->section < pl.section_count || pl.section_count == 0, "passage %zu: section %zu of %zu", i,
                   p->section, pl.section_count);
        FUZZ_CHECK(p->cited_by < (long)pl.count && (p->note ? 1 : p->cited_by == -1), "passage %zu: cited by %ld",
                   i, p->cited_by);
        FUZZ_CHECK(!p->heading || fuzz_valid_utf8(p->heading, strlen(p->heading)), "passage %zu: heading", i);
        check_dates(p->text, p->text_len);
    }
    passage_list_free(&pl);

    /* The whole per-file pipeline: split, tag frameworks and dates, write
     * the records (to /dev/null, as vnindex --dump would). */
    static vs_docbuilder *b;
    static FILE *null_out;
    if (!b) {
        b = vs_docbuilder_new(corpus_tables(), NULL);
        null_out = fopen("/dev/null", "w");
        vs_docbuilder_set_dump(b, null_out);
    }
    vs_build_stats st = {0, 0, 0};
    char err[256];
    FUZZ_CHECK(vs_docbuild_file(b, NULL, 0, "fuzz.txt", text, len, &st, err, sizeof err) == 0, "docbuild: %s", err);
    free(text);
    return 0;
}
