/*
 * Unit tests of the meeting mentions (lib/meetings.c): the shapes of issue
 * 29 and their variants, read with the corpus's own tables.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aliases.h"
#include "check.h"
#include "meetings.h"

static const char *corpus_dir;
static alias_table *aliases;
static meeting_table *meetings;
static meeting_scratch *scratch;

static char *slurp(const char *name, size_t *len)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", corpus_dir, name);
    char *data = NULL;
    int changed;
    if (vs_read_file(path, &data, len, &changed) != 0) {
        fprintf(stderr, "cannot read %s\n", path);
        exit(2);
    }
    return data;
}

/* The passage's mentions as the record stores them. */
static void encoded(const char *text, const char *passage_fw, char *out, size_t cap)
{
    meeting_mention m[16];
    long fw = passage_fw ? alias_framework_find(aliases, passage_fw) : -1;
    long n = meeting_find(meetings, aliases, scratch, text, strlen(text), fw, m, 16);
    strbuf b = STRBUF_INIT;
    if (n > 0)
        meeting_encode(meetings, aliases, text, m, (size_t)n, &b);
    snprintf(out, cap, "%s", b.s ? b.s : "");
    sb_free(&b);
}

#define EXPECT(text, fw, want)                                                                              \
    do {                                                                                                     \
        char got_[1024];                                                                                     \
        encoded(text, fw, got_, sizeof got_);                                                                \
        CHECK(strcmp(got_, want) == 0, "\n  text: %s\n  got:  %s\n  want: %s", text, got_, want);            \
    } while (0)

static void test_meetings_shapes_of_the_issue(void)
{
    EXPECT("- Tại HNCC MKC lần thứ 1 (27/11/2019, Busan, Hàn Quốc), với chủ đề", NULL,
           "MKC|summit||1|20191127-20191127-0|Busan, Hàn Quốc|");
    EXPECT("chủ trì Hội nghị Bộ trưởng Ngoại giao Mê Công – Hàn Quốc lần thứ 10 (28/9/2020) và", NULL,
           "MKC|ministerial||10|20200928-20200928-0||");
    EXPECT("3. HNBT MGC lần thứ 11 (21/7/2021) theo hình thức trực tuyến. Hội nghị đánh giá", NULL,
           "MGC|ministerial||11|20210721-20210721-0|trực tuyến|o");
    EXPECT("đã nhất trí tổ chức HNCC CLMV lần thứ 1 vào dịp HNCC ASEAN 10 (Viêng Chăn, tháng 11/2004). Ngày", NULL,
           "CLMV|summit||1|20041101-20041130-1|Viêng Chăn|");
}

static void test_meetings_ordinals_in_words_and_first(void)
{
    EXPECT("HNBTNG lần thứ chín được tổ chức tại Chiềng Mai, Thái Lan (tháng 8/2024) đánh giá", "MLC",
           "MLC|ministerial||9|20240801-20240831-1|Chiềng Mai, Thái Lan|");
    EXPECT("Hội nghị Bộ trưởng Ngoại giao (HNBT) Mê Công – Hàn Quốc lần đầu tiên được tổ chức tại Seoul, Hàn Quốc "
           "(27 – 28/10/2011); xác định",
           NULL, "MKC|ministerial||1|20111027-20111028-0|Seoul, Hàn Quốc|");
    EXPECT("phối hợp chủ trì Hội nghị Bộ trưởng Ngoại giao Mê Công – Hàn Quốc lần thứ năm, bên lề AMM 48 tại "
           "Malaysia (Kuala Lampur, Malaysia, 5/9/2015), Hội nghị",
           NULL, "MKC|ministerial||5|20150905-20150905-0|Kuala Lampur, Malaysia|");
    EXPECT("2. HNCC Mê Công - Nhật Bản lần 1 (Tô-ki-ô, 7/11/2009) nhất trí", NULL,
           "MJC|summit||1|20091107-20091107-0|Tô-ki-ô|");
    EXPECT("(năm 1992, HNBT đầu tiên tại Manila). GMS được", "GMS", "GMS|ministerial||1|19920101-19921231-2|Manila|");
    EXPECT("HNCC MLC lần thứ tư tổ chức vào ngày 25/12/2023 theo hình thức trực tuyến đánh giá", NULL,
           "MLC|summit||4|20231225-20231225-0|trực tuyến|o");
    EXPECT("Hội nghị Cấp cao lần thứ mười hai", "MJC", "MJC|summit||12|||");
}

static void test_meetings_framework_from_the_passage(void)
{
    EXPECT("- Tại HNCC lần thứ 8 (15-16/6/2018, Băng Cốc, Thái Lan) với chủ đề", "ACMECS",
           "ACMECS|summit||8|20180615-20180616-0|Băng Cốc, Thái Lan|");
    EXPECT("3. Ngày 23/3/2016, Hội nghị Cấp cao (HNCC) lần thứ nhất đã chính thức khởi động", "MLC",
           "MLC|summit||1|20160323-20160323-0||");
    /* no framework named and none for the passage: no event to put it in */
    EXPECT("Tại HNCC lần thứ 8 (15-16/6/2018, Băng Cốc, Thái Lan)", NULL, "");
}

static void test_meetings_date_before_the_kind_only_when_it_opens_the_clause(void)
{
    EXPECT("2. Tháng 11/2015, Hội nghị Bộ trưởng Ngoại giao (HNBT) MLC lần thứ nhất đã được tổ chức lần đầu tiên "
           "tại Cảnh Hồng, Vân Nam, Trung Quốc. Hội nghị",
           NULL, "MLC|ministerial||1|20151101-20151130-1|Cảnh Hồng, Vân Nam, Trung Quốc|");
    EXPECT("- Năm 2018, trong vai trò Chủ tịch hợp tác CLMV, Việt Nam đã tổ chức thành công HNCC CLMV lần thứ 8 với "
           "việc",
           NULL, "CLMV|summit||8|20180101-20181231-2||");
    EXPECT("Năm 2018, Việt Nam tham dự và phát biểu về HNCC CLMV lần thứ 8 với việc", NULL, "CLMV|summit||8|||");
    EXPECT("- Quỹ Hợp tác Mê Công – Hàn Quốc (MKCF) được thành lập vào năm 2013 tại HNBT MKC lần thứ 3, với", NULL,
           "MKC|ministerial||3|20130101-20131231-2||");
    EXPECT("KHHĐ giai đoạn 2017 – 2020, thông qua tại HNBT MKC lần thứ 7.", NULL, "MKC|ministerial||7|||");
}

static void test_meetings_plans_give_no_date_or_place(void)
{
    EXPECT("và nhất trí Lào sẽ chủ trì tổ chức Hội nghị Cấp cao ACMECS lần thứ 10.", NULL,
           "ACMECS|summit||10|||p");
    EXPECT("HNCC MKC lần thứ 3 sẽ được tổ chức tại Seoul (tháng 11/2026).", NULL, "MKC|summit||3|||p");
    /* what a meeting decided is no plan of the meeting itself */
    EXPECT("2. HNCC Mê Công - Nhật Bản lần 1 (Tô-ki-ô, 7/11/2009) nhất trí sẽ tiến hành tổ chức HNCC Mê Công - Nhật "
           "Bản hằng năm",
           NULL, "MJC|summit||1|20091107-20091107-0|Tô-ki-ô|");
}

static void test_meetings_other_bodies_counts_and_words_are_not_meetings(void)
{
    EXPECT("được đưa ra tại Hội nghị Cấp cao ASEAN – Hàn Quốc lần thứ 13 (29/10/2010), theo", "MKC", "");
    EXPECT("Tại Hội nghị Cấp cao ASEAN 12 (Phi-líp-pin, tháng 1/2007), Nhật Bản", "MJC", "");
    EXPECT("Đến nay, GMS đã tổ chức được 26 Hội nghị Bộ trưởng (HNBT) và 7 Hội nghị Thượng đỉnh (HNTĐ).", "GMS", "");
    EXPECT("các nhóm công tác sẽ sớm được thành lập lần thứ 2", "MLC", "");
    EXPECT("Diễn đàn doanh nghiệp Mê Công - Hàn Quốc lần thứ 2 (Hà Nội, 29-30/5/2014)", NULL, "");
    EXPECT("Đây là lần đầu tiên Hội nghị Bộ trưởng Ngoại giao hợp tác Mekong - Nhật Bản được tổ chức", NULL, "");
}

static void test_meetings_series_of_a_former_name(void)
{
    EXPECT("Tháng 8/2018, tại Hội nghị Bộ trưởng (HNBT) LMI lần thứ 11, các nước", NULL,
           "MUSP|ministerial|LMI|11|20180801-20180831-1||");
    EXPECT("HNBT Những người bạn của Hạ nguồn Mê Công (FLM) lần thứ nhất đã được tổ chức ngày 22/7/2011 bên lề AMM "
           "44.",
           NULL, "FOM|ministerial|FLM|1|20110722-20110722-0||");
    EXPECT("Tại Hội nghị Bộ trưởng Quan hệ đối tác  Mê Công – Mỹ lần thứ nhất (11/9/2020), các nước", NULL,
           "MUSP|ministerial||1|20200911-20200911-0||");
}

static void test_meetings_kinds_and_several_in_one_passage(void)
{
    EXPECT("(i) Xây dựng tại HNBT Kinh tế CLMV lần thứ 14 (2022); (ii)", NULL,
           "CLMV|economic ministerial||14|20220101-20221231-2||");
    EXPECT("thông qua tại HNBT MKC lần thứ 4 (Seoul, 28 - 29/7/2014); KHHĐ giai đoạn 2017 – 2020, thông qua tại HNBT "
           "MKC lần thứ 7 (Busan, 1/9/2017).",
           NULL,
           "MKC|ministerial||4|20140728-20140729-0|Seoul|;MKC|ministerial||7|20170901-20170901-0|Busan|");
    EXPECT("4. Sau HNCC Hợp tác MLC lần thứ nhất, và HNBT Hợp tác MLC lần thứ hai (tháng 12/2016), các nước", NULL,
           "MLC|summit||1|||;MLC|ministerial||2|20161201-20161231-1||");
    EXPECT("HNTĐ GMS lần thứ 7[footnoteRef:6], các nước GMS", NULL, "GMS|summit||7|||");
    EXPECT("[6:  HNTĐ GMS lần thứ 7 do Cam-pu-chia chủ trì tổ chức ngày 9/9/2021 theo hình thức trực tuyến.]", NULL,
           "GMS|summit||7|20210909-20210909-0|trực tuyến|o");
    EXPECT("3. HNCC Mê Công – Nhật Bản lần thứ 12 (trực tuyến ngày 13/11/2020). Một số", NULL,
           "MJC|summit||12|20201113-20201113-0|trực tuyến|o");
    EXPECT("4.  HNBT MGC lần thứ 12 (17/7/2023) tổ chức dưới hình thức trực tiếp kết hợp trực tuyến với", NULL,
           "MGC|ministerial||12|20230717-20230717-0||");
    EXPECT("Cuộc họp Quan chức cao cấp Mê Công – Hàn Quốc lần thứ 3 (Hà Nội, 16/7/2015)", NULL,
           "MKC|SOM||3|20150716-20150716-0|Hà Nội|");
}

/* A long passage is read in windows from each place a kind is written:
 * every mention is found once, whatever window it falls in. */
static void test_meetings_long_passage_every_mention_once(void)
{
    strbuf b = STRBUF_INIT;
    for (int i = 1; i <= 400; i++)
        sb_printf(&b, "Tại HNCC MKC lần thứ %d (%d/11/2019, Busan, Hàn Quốc), xã hội nghị luận (lần thứ %d. ", i,
                  1 + i % 28, i);
    meeting_mention m[512];
    long n = meeting_find(meetings, aliases, scratch, b.s, b.len, -1, m, 512);
    CHECK(n == 400, "400 mentions, got %ld", n);
    int ok = n == 400;
    for (long i = 0; ok && i < n; i++)
        ok = m[i].ordinal == i + 1 && m[i].has_date && m[i].date.from == 20191100u + (unsigned)(1 + (i + 1) % 28) &&
             m[i].place_len == strlen("Busan, Hàn Quốc");
    CHECK(ok, "each in order with its date and place");
    sb_free(&b);
    /* an unclosed parenthesis and a kind at the very end */
    const char *tail = "HNCC MKC lần thứ 3 (((((((((( HNCC";
    CHECK(meeting_find(meetings, aliases, scratch, tail, strlen(tail), -1, m, 512) == 1 && m[0].ordinal == 3,
          "unclosed parentheses");
}

static void test_meetings_decode_round_trip(void)
{
    char field[] = "MKC|summit||2|20191113-20191113-0|trực tuyến|o;MUSP|ministerial|LMI|11|||p;bad";
    meeting_field f[4];
    size_t n = meeting_decode(field, f, 4);
    CHECK(n == 2, "two mentions, got %zu", n);
    CHECK(n == 2 && !strcmp(f[0].fw, "MKC") && f[0].ordinal == 2 && f[0].has_date && f[0].date.from == 20191113 &&
              !strcmp(f[0].place, "trực tuyến") && !f[0].planned,
          "first");
    CHECK(n == 2 && !strcmp(f[1].series, "LMI") && f[1].planned && !f[1].has_date, "second");
}

static void test_meetings_table_errors_name_file_and_line(void)
{
    const char *bad = "type\tname\tframework\tphrases\nkind\tsummit\t\tHNCC\nsummit\tX\t\tX\n";
    meeting_table *t = NULL;
    char err[256] = "";
    CHECK(meeting_table_load(bad, strlen(bad), "meetings.tsv", aliases, &t, err, sizeof err) != 0 && !t,
          "unknown type refused");
    CHECK(strstr(err, "meetings.tsv:3: unknown type 'summit'") != NULL, "names the line: %s", err);
    /* a series of a framework this frameworks.tsv lacks is left out, not an error */
    const char *other = "kind\tsummit\t\tHNCC\nseries\tX\tNOPE\tX\n";
    CHECK(meeting_table_load(other, strlen(other), "meetings.tsv", aliases, &t, err, sizeof err) == 0 && t,
          "unknown framework: %s", err);
    meeting_table_free(t);
    const char *short_row = "kind\tsummit\n";
    CHECK(meeting_table_load(short_row, strlen(short_row), "m.tsv", aliases, &t, err, sizeof err) != 0 &&
              strstr(err, "m.tsv:1: expected 4") != NULL,
          "short row: %s", err);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
        return 2;
    }
    corpus_dir = argv[1];
    size_t fl, al, ml;
    char *fw = slurp("frameworks.tsv", &fl), *a = slurp("aliases.tsv", &al), *m = slurp("meetings.tsv", &ml);
    char err[256];
    if (alias_table_load(fw, fl, "frameworks.tsv", a, al, "aliases.tsv", &aliases, err, sizeof err) ||
        meeting_table_load(m, ml, "meetings.tsv", aliases, &meetings, err, sizeof err)) {
        fprintf(stderr, "%s\n", err);
        return 2;
    }
    scratch = meeting_scratch_new();
    RUN(test_meetings_shapes_of_the_issue);
    RUN(test_meetings_ordinals_in_words_and_first);
    RUN(test_meetings_framework_from_the_passage);
    RUN(test_meetings_date_before_the_kind_only_when_it_opens_the_clause);
    RUN(test_meetings_plans_give_no_date_or_place);
    RUN(test_meetings_other_bodies_counts_and_words_are_not_meetings);
    RUN(test_meetings_series_of_a_former_name);
    RUN(test_meetings_kinds_and_several_in_one_passage);
    RUN(test_meetings_long_passage_every_mention_once);
    RUN(test_meetings_decode_round_trip);
    RUN(test_meetings_table_errors_name_file_and_line);
    meeting_scratch_free(scratch);
    meeting_table_free(meetings);
    alias_table_free(aliases);
    free(fw);
    free(a);
    free(m);
    return check_summary("meetings");
}
