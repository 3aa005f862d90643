/*
 * Unit tests of the indexer's rule sets: passage splitting, date parsing,
 * the alias table and framework tagging, run on small texts and on the real
 * corpus (its path is argv[1]).
 */
#include <stdlib.h>

#include "aliases.h"
#include "check.h"
#include "dates.h"
#include "vnsearch.h"
#include "frameworks.h"
#include "passage.h"
#include "vntext.h"

static const char *corpus_dir;

static char *slurp(const char *name, size_t *len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", corpus_dir, name);
    char *data = NULL;
    int changed;
    if (vs_read_file(path, &data, len, &changed) != 0) {
        CHECK(0, "cannot read %s", path);
        return NULL;
    }
    char *text = NULL;
    size_t tl;
    vn_decode(data, *len, &text, &tl, NULL);
    free(data);
    *len = tl;
    return text;
}

static alias_table *corpus_aliases(void)
{
    size_t fl, al;
    char *fw = slurp("frameworks.tsv", &fl), *a = slurp("aliases.tsv", &al);
    alias_table *t = NULL;
    char err[256];
    int rc = alias_table_load(fw, fl, "frameworks.tsv", a, al, "aliases.tsv", &t, err, sizeof err);
    CHECK(rc == 0, "corpus tables load: %s", err);
    free(fw);
    free(a);
    return t;
}

static const passage *find_line(const passage_list *pl, size_t line, int note)
{
    for (size_t i = 0; i < pl->count; i++)
        if (pl->items[i].line == line && pl->items[i].note == note)
            return &pl->items[i];
    return NULL;
}

/* ---- passages ---- */

static void test_passage_rejoins_hard_wrapped_lines(void)
{
    const char *t = "Một câu bị ngắt giữa chừng và\ntiếp tục ở dòng sau.\nCâu mới.\n";
    passage_list pl;
    CHECK(passage_split(t, strlen(t), &pl) == 0, "split");
    CHECK(pl.count == 2, "two passages, got %zu", pl.count);
    CHECK(pl.count >= 1 && strcmp(pl.items[0].text, "Một câu bị ngắt giữa chừng và tiếp tục ở dòng sau.") == 0,
          "joined: %s", pl.count ? pl.items[0].text : "");
    CHECK(pl.count >= 1 && pl.items[0].line == 1 && pl.items[0].end_line == 2, "line range");
    passage_list_free(&pl);
}

static void test_passage_does_not_join_bullets_or_finished_sentences(void)
{
    const char *t = "Đến nay, Hợp tác Mê Công – Hàn Quốc đã tổ chức được 02 lần Hội nghị Cấp cao và 12 lần Hội "
                    "nghị Bộ trưởng \n- Tại HNCC lần thứ 1 nội dung.\n- Tại HNCC lần thứ 2 nội dung.\n";
    passage_list pl;
    passage_split(t, strlen(t), &pl);
    CHECK(pl.count == 3, "intro and two bullets, got %zu", pl.count);
    passage_list_free(&pl);
}

static void test_passage_strips_markers_and_links_footnotes(void)
{
    const char *t = "[bookmark: _Toc1]HỢP TÁC THỬ NGHIỆM\n"
                    "Đoạn văn có chú thích[footnoteRef:3] ở giữa.  [3:  Nội dung chú thích\nkéo dài hai dòng.] \n";
    passage_list pl;
    passage_split(t, strlen(t), &pl);
    CHECK(pl.count == 2, "paragraph and note, got %zu", pl.count);
    if (pl.count == 2) {
        CHECK(strcmp(pl.items[0].text, "Đoạn văn có chú thích ở giữa.") == 0, "markers stripped: '%s'",
              pl.items[0].text);
        CHECK(pl.items[1].note == 3 && pl.items[1].cited_by == 0, "note linked");
        CHECK(strcmp(pl.items[1].text, "Nội dung chú thích kéo dài hai dòng.") == 0, "note text: '%s'",
              pl.items[1].text);
        CHECK(pl.items[1].line == 2 && pl.items[1].end_line == 3, "note lines %zu-%zu", pl.items[1].line,
              pl.items[1].end_line);
    }
    CHECK(pl.section_count >= 1 && pl.sections[0].title && strcmp(pl.sections[0].title, "HỢP TÁC THỬ NGHIỆM") == 0,
          "capitalised heading is the section title");
    passage_list_free(&pl);
}

static void test_passage_headings_are_context_not_passages(void)
{
    const char *t = "2.1. Về các Hội nghị\nNội dung đầu tiên.\nGiao thông\n\nNội dung thứ hai.\n";
    passage_list pl;
    passage_split(t, strlen(t), &pl);
    CHECK(pl.count == 2, "two passages, got %zu", pl.count);
    if (pl.count == 2) {
        CHECK(pl.items[0].heading && strcmp(pl.items[0].heading, "2.1. Về các Hội nghị") == 0, "numbered heading");
        CHECK(pl.items[1].heading && strcmp(pl.items[1].heading, "Giao thông") == 0, "short heading");
    }
    passage_list_free(&pl);
}

/* Issue 25: a PDF's table of contents (dot leaders, page numbers) and a
 * line of punctuation alone became passages, and ".)" a heading. */
static void test_passage_layout_debris_is_neither_passage_nor_heading(void)
{
    const char *t = "MỤC LỤC\n\n"
                    "2.7 Đóng gói phần mềm . . . . . . . . . . . 11\n\n"
                    "2.8 Khởi tạo gói Debian mới . . . 12\n\n"
                    "Phụ lục ………… 104\n\n"
                    ".)\n\n"
                    "Nội dung đầu tiên của báo cáo... 12 dự án được thông qua.\n\n"
                    "Các nước thông qua 12 dự án...\n";
    passage_list pl;
    passage_split(t, strlen(t), &pl);
    CHECK(pl.count == 2, "two passages, got %zu", pl.count);
    for (size_t i = 0; i < pl.count; i++)
        CHECK(strstr(pl.items[i].text, ". . .") == NULL && strcmp(pl.items[i].text, ".)") != 0 &&
                  (!pl.items[i].heading || strcmp(pl.items[i].heading, ".)") != 0),
              "debris: %s", pl.items[i].text);
    if (pl.count == 2) {
        CHECK(strncmp(pl.items[0].text, "Nội dung đầu tiên", 20) == 0, "an ellipsis inside a sentence stays");
        CHECK(strcmp(pl.items[1].text, "Các nước thông qua 12 dự án...") == 0, "so does one at its end");
    }
    for (size_t h = 0; h < pl.heading_count; h++)
        CHECK(strcmp(pl.headings[h].text, ".)") != 0, "punctuation is no heading");
    passage_list_free(&pl);
}

static void test_passage_giant_line_is_cut(void)
{
    size_t n = 3 * PASSAGE_MAX_BYTES;
    char *t = malloc(n + 1);
    for (size_t i = 0; i < n; i++)
        t[i] = (i % 7 == 6) ? ' ' : 'a';
    t[n] = '\0';
    passage_list pl;
    CHECK(passage_split(t, n, &pl) == 0, "split giant");
    CHECK(pl.count >= 3, "cut into parts: %zu", pl.count);
    size_t total = 0;
    for (size_t i = 0; i < pl.count; i++) {
        CHECK(pl.items[i].text_len <= PASSAGE_MAX_BYTES, "part size %zu", pl.items[i].text_len);
        CHECK(pl.items[i].part == (int)i + 1, "part numbers");
        total += pl.items[i].text_len;
    }
    CHECK(total + pl.count >= n - 2, "no text lost: %zu of %zu", total, n);
    passage_list_free(&pl);
    free(t);
}

static void test_passage_corpus_hard_wraps_and_markers(void)
{
    size_t len;
    char *t = slurp("mekong-frameworks.txt", &len);
    passage_list pl;
    CHECK(t && passage_split(t, len, &pl) == 0, "split corpus");
    const passage *p2 = find_line(&pl, 2, 0), *p23 = find_line(&pl, 23, 0);
    CHECK(p2 && p2->end_line == 3 && strstr(p2->text, "thúc đẩy phát triển bền vững tại tiểu vùng"),
          "lines 2-3 joined");
    CHECK(p23 && p23->end_line == 24 && strstr(p23->text, "điều phối hoạt động của Quỹ"), "lines 23-24 joined");
    CHECK(!find_line(&pl, 3, 0) && !find_line(&pl, 24, 0), "continuations are not passages");
    for (size_t i = 0; i < pl.count; i++)
        CHECK(!strstr(pl.items[i].text, "[bookmark") && !strstr(pl.items[i].text, "[footnoteRef"),
              "marker left in line %zu", pl.items[i].line);
    size_t notes = 0;
    for (size_t i = 0; i < pl.count; i++)
        notes += pl.items[i].note != 0;
    CHECK(notes == 9, "nine footnotes, got %zu", notes);
    const passage *n5 = find_line(&pl, 150, 5);
    CHECK(n5 && strstr(n5->text, "Quanrg Taay") && n5->end_line == 151 && n5->cited_by >= 0 &&
              pl.items[n5->cited_by].line == 150,
          "footnote 5 spans to line 151, linked to its paragraph");
    CHECK(pl.count == 164, "passage count of mekong-frameworks.txt: %zu", pl.count);
    passage_list_free(&pl);
    free(t);
}

/* ---- dates ---- */

static void expect_dates(const char *text, const char *want)
{
    date_span d[32];
    size_t n = date_parse(text, strlen(text), d, 32);
    char got[512] = "";
    size_t gl = 0;
    for (size_t i = 0; i < n && i < 32; i++) {
        char iso[48];
        date_iso(&d[i], iso, sizeof iso);
        gl += (size_t)snprintf(got + gl, sizeof got - gl, "%s%s", i ? " " : "", iso);
    }
    CHECK(strcmp(got, want) == 0, "dates of '%s':\n     got  '%s'\n     want '%s'", text, got, want);
}

static void test_dates_vietnamese_forms(void)
{
    expect_dates("HNCC MKC lần thứ 1 (27/11/2019, Busan)", "2019-11-27");
    expect_dates("Ngày 23/3/2016, Hội nghị", "2016-03-23");
    expect_dates("HNCC lần thứ 8 (15-16/6/2018, Băng Cốc)", "2018-06-15/2018-06-16");
    expect_dates("lần 10 (Tokyo, 7-10/10/2018)", "2018-10-07/2018-10-10");
    expect_dates("tại Seoul (27 – 28/10/2011);", "2011-10-27/2011-10-28");
    expect_dates("Tháng 11/2015, Hội nghị", "2015-11");
    expect_dates("(tháng 12/2020, trực tuyến)", "2020-12");
    expect_dates("tháng 12/2003, Tokyo", "2003-12");
    expect_dates("được thành lập vào năm 2012.", "2012");
    expect_dates("Năm 2024 là kỷ niệm 20 năm thành lập", "2024");
    expect_dates("giai đoạn 2021 – 2025", "2021/2025");
    expect_dates("KHHĐ 2019-2021 và", "2019/2021");
    expect_dates("Giai đoạn II (2011–2020) đặt", "2011/2020");
    expect_dates("(HNBT MUSP lần thứ 2 (03/8/2021)", "2021-08-03");
    expect_dates("từ 30/11 - 2/12/2019", "2019-11-30/2019-12-02");
}

static void test_dates_numbers_that_are_not_dates(void)
{
    expect_dates("khoản vay 2000 tỷ Yên", "");
    expect_dates("khoảng 10.47 tỷ USD", "");
    expect_dates("phiên bản 2.0 của kế hoạch", "");
    expect_dates("Khung chiến lược GMS-2030", "");
    expect_dates("153,6 triệu USD", "");
    expect_dates("ngày 31/2/2019 không có", "");
    expect_dates("02 dự án/năm", "");
    expect_dates("năm 2019 tỷ đồng", "");
}

static void test_dates_user_bounds(void)
{
    uint32_t v;
    CHECK(date_parse_bound("2019", 0, &v) == 0 && v == 20190101, "2019 lower");
    CHECK(date_parse_bound("2019", 1, &v) == 0 && v == 20191231, "2019 upper");
    CHECK(date_parse_bound("2020-02", 1, &v) == 0 && v == 20200229, "leap month upper");
    CHECK(date_parse_bound("2019-06-15", 0, &v) == 0 && v == 20190615, "day");
    CHECK(date_parse_bound("2019-13", 0, &v) != 0, "month 13");
    CHECK(date_parse_bound("2019-02-30", 0, &v) != 0, "30 February");
    CHECK(date_parse_bound("20x9", 0, &v) != 0, "not a number");
}

static void test_dates_user_bounds_as_vietnamese_write_them(void)
{
    uint32_t v;
    CHECK(date_parse_bound("11/2019", 0, &v) == 0 && v == 20191101, "11/2019 lower");
    CHECK(date_parse_bound("11/2019", 1, &v) == 0 && v == 20191130, "11/2019 upper");
    CHECK(date_parse_bound("2/2020", 1, &v) == 0 && v == 20200229, "2/2020 upper: leap");
    CHECK(date_parse_bound("27/11/2019", 0, &v) == 0 && v == 20191127, "27/11/2019");
    CHECK(date_parse_bound("6/8/2021", 1, &v) == 0 && v == 20210806, "6/8/2021");
    CHECK(date_parse_bound("30/2/2019", 0, &v) != 0, "30 February");
    CHECK(date_parse_bound("13/2019", 0, &v) != 0, "month 13");
    CHECK(date_parse_bound("11/19", 0, &v) != 0, "a two-digit year");
    CHECK(date_parse_bound("/2019", 0, &v) != 0, "no month");
    CHECK(date_parse_bound("1/2/3/2019", 0, &v) != 0, "four parts");
    CHECK(date_parse_bound("001/2019", 0, &v) != 0, "three-digit month");
    CHECK(date_parse_bound("11/2019/", 0, &v) != 0, "trailing slash");
    CHECK(date_parse_bound("2019/11", 0, &v) != 0, "year first with a slash");
}

/* ---- aliases and frameworks ---- */

static void test_alias_table_errors_name_file_and_line(void)
{
    alias_table *t = NULL;
    char err[256];
    const char *bad = "# comment\ncode\tname_vi\tname_en\taliases\nMKC\tHợp tác\n";
    CHECK(alias_table_load(bad, strlen(bad), "fw.tsv", NULL, 0, "al.tsv", &t, err, sizeof err) != 0, "rejected");
    CHECK(strstr(err, "fw.tsv:3:") != NULL, "message names file and line: %s", err);
    const char *dup = "MKC\ta\tb\tc\nmkc\td\te\tf\n";
    CHECK(alias_table_load(dup, strlen(dup), "fw.tsv", NULL, 0, "al.tsv", &t, err, sizeof err) != 0 &&
              strstr(err, "fw.tsv:2:"),
          "duplicate code: %s", err);
}

static void test_alias_matching_across_spellings(void)
{
    alias_table *t = corpus_aliases();
    if (!t)
        return;
    const char *k1[] = {"quy", "hop", "tac", "mekong", "han", "quoc"};
    alias_match m;
    size_t n = alias_match_kind(t, k1, 6, 3, ALIAS_GROUP, &m);
    CHECK(n == 1 && strcmp(alias_group_key(t, m.id), "mecong") == 0, "Mekong inside MKC's name is the Mê Công group");
    n = alias_match_at(t, k1, 6, 3, &m);
    CHECK(n == 3 && m.kind == ALIAS_FRAMEWORK && strcmp(alias_framework_code(t, m.id), "MKC") == 0,
          "Mekong - Hàn Quốc is MKC");
    const char *k2[] = {"cam", "pu", "chia"};
    n = alias_match_at(t, k2, 3, 0, &m);
    CHECK(n == 3 && m.kind == ALIAS_GROUP && strcmp(alias_display_name(t, m.kind, m.id), "Campuchia") == 0,
          "cam pu chia is Campuchia");
    const char *k3[] = {"tokio"};
    n = alias_match_at(t, k3, 1, 0, &m);
    CHECK(n == 1 && m.kind == ALIAS_GROUP, "Tô-ki-ô written solid matches");
    CHECK(alias_framework_find(t, "mjc") >= 0 && alias_framework_find(t, "XYZ") < 0, "find by code");
    alias_table_free(t);
}

static void expect_sections(const char *file, const char *want)
{
    alias_table *t = corpus_aliases();
    size_t len;
    char *text = slurp(file, &len);
    if (!t || !text)
        return;
    passage_list pl;
    passage_split(text, len, &pl);
    passage_tags *tags = calloc(pl.count + 1, sizeof *tags);
    CHECK(framework_tag(t, &pl, tags) == 0, "tagging");
    char got[512] = "";
    size_t gl = 0;
    const char *last = NULL;
    for (size_t i = 0; i < pl.count; i++) {
        const char *code = tags[i].primary >= 0 ? alias_framework_code(t, (size_t)tags[i].primary) : "-";
        if (!last || strcmp(last, code) != 0)
            gl += (size_t)snprintf(got + gl, sizeof got - gl, "%s%s", gl ? " " : "", code);
        last = code;
    }
    CHECK(strcmp(got, want) == 0, "sections of %s:\n     got  %s\n     want %s", file, got, want);
    framework_tags_free(tags, pl.count);
    free(tags);
    passage_list_free(&pl);
    free(text);
    alias_table_free(t);
}

static void test_frameworks_section_boundaries_of_the_corpus(void)
{
    expect_sections("mekong-frameworks.txt", "MKC CLMV MGC MLC ACMECS FOM GMS MJC MUSP");
    expect_sections("gms-overview.txt", "GMS");
}

static void test_frameworks_boundary_lines(void)
{
    alias_table *t = corpus_aliases();
    size_t len;
    char *text = slurp("mekong-frameworks.txt", &len);
    if (!t || !text)
        return;
    passage_list pl;
    passage_split(text, len, &pl);
    passage_tags *tags = calloc(pl.count + 1, sizeof *tags);
    framework_tag(t, &pl, tags);
    /* first passage of each section, by line: the regression for the
     * indented, numbered opening of MLC (line 85) */
    static const struct { size_t line; const char *code; } firsts[] = {
        {2, "MKC"}, {39, "MKC"}, {44, "CLMV"}, {60, "CLMV"}, {61, "MGC"}, {84, "MGC"}, {85, "MLC"},
        {106, "MLC"}, {111, "ACMECS"}, {131, "FOM"}, {150, "GMS"}, {188, "MJC"}, {207, "MUSP"}, {224, "MUSP"},
    };
    for (size_t k = 0; k < sizeof firsts / sizeof firsts[0]; k++) {
        long idx = -1;
        for (size_t i = 0; i < pl.count; i++)
            if (pl.items[i].line == firsts[k].line && !pl.items[i].note)
                idx = (long)i;
        CHECK(idx >= 0, "a passage starts at line %zu", firsts[k].line);
        if (idx < 0)
            continue;
        const char *code = tags[idx].primary >= 0 ? alias_framework_code(t, (size_t)tags[idx].primary) : "-";
        CHECK(strcmp(code, firsts[k].code) == 0, "line %zu: %s, want %s", firsts[k].line, code, firsts[k].code);
    }
    /* mentions: line 139 names FLM, LMI, ACMECS, CLMV, CLV and MRC */
    for (size_t i = 0; i < pl.count; i++)
        if (pl.items[i].line == 139) {
            const char *want[] = {"FOM", "MUSP", "ACMECS", "CLMV", "CLV", "MRC"};
            for (size_t w = 0; w < 6; w++) {
                long f = alias_framework_find(t, want[w]);
                CHECK(f >= 0 && tags[i].mentions[f], "line 139 mentions %s", want[w]);
            }
        }
    framework_tags_free(tags, pl.count);
    free(tags);
    passage_list_free(&pl);
    free(text);
    alias_table_free(t);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
        return 2;
    }
    corpus_dir = argv[1];
    RUN(test_passage_rejoins_hard_wrapped_lines);
    RUN(test_passage_does_not_join_bullets_or_finished_sentences);
    RUN(test_passage_strips_markers_and_links_footnotes);
    RUN(test_passage_headings_are_context_not_passages);
    RUN(test_passage_layout_debris_is_neither_passage_nor_heading);
    RUN(test_passage_giant_line_is_cut);
    RUN(test_passage_corpus_hard_wraps_and_markers);
    RUN(test_dates_vietnamese_forms);
    RUN(test_dates_numbers_that_are_not_dates);
    RUN(test_dates_user_bounds);
    RUN(test_dates_user_bounds_as_vietnamese_write_them);
    RUN(test_alias_table_errors_name_file_and_line);
    RUN(test_alias_matching_across_spellings);
    RUN(test_frameworks_section_boundaries_of_the_corpus);
    RUN(test_frameworks_boundary_lines);
    return check_summary("indexer");
}
