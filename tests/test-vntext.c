/*
 * Unit tests of vntext: every row of the shared normalisation vectors (read
 * from the file given as argv[1]), tone placement by syllable structure, the
 * tokeniser's treatment of numbers, acronyms and transliterations, invalid
 * input, and decoding of the encodings our sources come in.
 */
#include <stdlib.h>

#include "check.h"
#include "vntext.h"

static void expect_keys(const char *in, const char *exact, const char *folded)
{
    char e[VN_KEY_MAX], f[VN_KEY_MAX];
    size_t el = 0, fl = 0;
    int rc = vn_keys(in, strlen(in), e, sizeof e, &el, f, sizeof f, &fl);
    CHECK(rc == VN_OK, "vn_keys(%s) -> %d", in, rc);
    CHECK_STR(e, el, exact);
    CHECK_STR(f, fl, folded);
}

static int test_vectors_file(const char *path)
{
    FILE *fp = fopen(path, "r");
    CHECK(fp != NULL, "cannot open %s", path);
    if (!fp)
        return 0;
    char line[4096];
    int rows = 0, header_seen = 0;
    while (fgets(line, sizeof line, fp)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '#' || line[0] == '\0')
            continue;
        char *cols[4] = {0};
        char *p = line;
        for (int i = 0; i < 4 && p; i++) {
            cols[i] = p;
            p = strchr(p, '\t');
            if (p)
                *p++ = '\0';
        }
        if (!header_seen && strcmp(cols[0], "input") == 0) {
            header_seen = 1;
            continue;
        }
        CHECK(cols[1] && cols[2], "malformed vector row: %s", line);
        if (!cols[1] || !cols[2])
            continue;
        int before = check_failures;
        expect_keys(cols[0], cols[1], cols[2]);
        if (check_failures != before)
            fprintf(stderr, "  vector row: %s -> %s / %s (%s)\n", cols[0], cols[1], cols[2], cols[3] ? cols[3] : "");
        rows++;
    }
    fclose(fp);
    return rows;
}

static void test_tone_placement_hoa_equals_hoa_new_style(void)
{
    expect_keys("hoà", "hòa", "hoa");
    expect_keys("hòa", "hòa", "hoa");
}

static void test_tone_placement_closed_syllable_keeps_mark(void)
{
    expect_keys("hoàn", "hoàn", "hoan");
    expect_keys("Hoàng", "hoàng", "hoang");
    expect_keys("quyết", "quyết", "quyet");
    expect_keys("huỳnh", "huỳnh", "huynh");
    expect_keys("hoạch", "hoạch", "hoach");
}

static void test_tone_placement_repairs_misplaced_marks(void)
{
    expect_keys("qúy", "quý", "quy");
    expect_keys("quýnh", "quýnh", "quynh");
    expect_keys("gía", "giá", "gia");
    expect_keys("giữ", "giữ", "giu");
    expect_keys("gìn", "gìn", "gin");
    expect_keys("muà", "mùa", "mua");
    expect_keys("tưụ", "tựu", "tuu");
    expect_keys("ngòai", "ngoài", "ngoai");
}

static void test_tone_placement_leaves_non_syllables(void)
{
    /* two tone marks: two syllables glued by a typo */
    expect_keys("đẩyhợp", "đẩyhợp", "dayhop");
    /* one tone but not one syllable: keep it where the writer put it */
    expect_keys("Bờlinh", "bờlinh", "bolinh");
    expect_keys("Café", "café", "cafe");
}

static void test_keys_of_other_scripts_and_marks(void)
{
    expect_keys("Straße", "strasse", "strasse");
    expect_keys("Ñandú", "ñandú", "nandu");
    expect_keys("東京", "東京", "東京");
    expect_keys("đ", "đ", "d");
    expect_keys("Đ", "đ", "d");
}

static void test_keys_invalid_utf8_no_crash(void)
{
    char e[VN_KEY_MAX], f[VN_KEY_MAX];
    size_t el, fl;
    const char bad[] = "a\xC3\x28\xE0\x80\x80\xED\xA0\x80z";
    CHECK(vn_keys(bad, sizeof bad - 1, e, sizeof e, &el, f, sizeof f, &fl) == VN_OK, "invalid utf8");
    CHECK(el > 0 && memchr(e, 'z', el) != NULL, "keeps valid text");
    CHECK(vn_exact_key("abc", 3, e, 2) == VN_ERR_OVERFLOW, "overflow reported");
    CHECK(vn_exact_key("hòa", strlen("hòa"), e, 2) == VN_ERR_OVERFLOW, "overflow reported (non-ASCII)");
}

static void test_has_marks(void)
{
    CHECK(vn_has_marks("dong", 4) == 0, "dong");
    CHECK(vn_has_marks("đồng", strlen("đồng")) == 1, "đồng");
    CHECK(vn_has_marks("đ", strlen("đ")) == 1, "đ");
    CHECK(vn_has_marks("Hoa", 3) == 0, "Hoa");
}

/* Tokens a and b of text next to each other in the paragraph (vn_adjacent)
 * and within a sentence (vn_glued)? */
static void adjacency(const char *text, const char *a, const char *b, int adjacent, int glued)
{
    const char *pa = strstr(text, a), *pb = strstr(text, b);
    CHECK(pa && pb, "%s: %s or %s missing", text, a, b);
    size_t end = (size_t)(pa - text) + strlen(a), start = (size_t)(pb - text);
    CHECK(vn_adjacent(text, end, start) == adjacent, "vn_adjacent(%s): %s %s", text, a, b);
    CHECK(vn_glued(text, end, start) == glued, "vn_glued(%s): %s %s", text, a, b);
}

static void test_adjacent_ignores_punctuation_within_a_paragraph(void)
{
    adjacency("Bắc–Nam", "Bắc", "Nam", 1, 0);
    adjacency("Mê Công - Lan Thương", "Công", "Lan", 1, 0);
    adjacency("dân số, phương sai", "số", "phương", 1, 0);
    adjacency("số 10) vào", "10", "vào", 1, 0);
    adjacency("« Hợp » tác", "Hợp", "tác", 1, 0);
    adjacency("năm 2019. Hợp tác", "2019", "Hợp", 1, 0);
    adjacency("hợp tác", "hợp", "tác", 1, 1);
    adjacency("vắc-xin", "vắc", "xin", 1, 1);
    adjacency("hợp\n\ntác", "hợp", "tác", 0, 1); /* (spaces only: vn_glued has no paragraphs) */
    adjacency("hợp, \n \n tác", "hợp", "tác", 0, 0);
    adjacency("hợp,\n tác", "hợp", "tác", 1, 0);
    CHECK(vn_adjacent("abc", 2, 2) == 0, "a word cut in two is not a pair");
}

/* ---- tokeniser ---- */

typedef struct tok_rec {
    char exact[VN_KEY_MAX], folded[VN_KEY_MAX];
    size_t start, end;
    uint32_t pos;
    vn_token_kind kind;
} tok_rec;

static int tokenise_all(const char *text, size_t len, tok_rec *out, int max)
{
    vn_tokenizer *t = vn_tokenizer_new();
    vn_tokenizer_reset(t, text, len, 1);
    vn_token tk;
    int n = 0;
    while (vn_tokenizer_next(t, &tk)) {
        if (n < max) {
            snprintf(out[n].exact, sizeof out[n].exact, "%.*s", (int)tk.exact_len, tk.exact);
            snprintf(out[n].folded, sizeof out[n].folded, "%.*s", (int)tk.folded_len, tk.folded);
            out[n].start = tk.start;
            out[n].end = tk.end;
            out[n].pos = tk.pos;
            out[n].kind = tk.kind;
        }
        n++;
    }
    vn_tokenizer_free(t);
    return n;
}

/* Expects the tokens as "exact@pos" (with "!" suffix for an alternative),
 * separated by spaces. */
static void expect_tokens(const char *text, const char *want)
{
    tok_rec toks[64];
    int n = tokenise_all(text, strlen(text), toks, 64);
    char got[4096] = "";
    size_t gl = 0;
    for (int i = 0; i < n && i < 64; i++)
        gl += (size_t)snprintf(got + gl, sizeof got - gl, "%s%s@%u%s", i ? " " : "", toks[i].exact,
                               toks[i].pos, toks[i].kind >= VN_TOKEN_JOINED ? "!" : "");
    CHECK(strcmp(got, want) == 0, "tokens of '%s':\n     got  %s\n     want %s", text, got, want);
}

static void test_tokens_syllables_and_positions(void)
{
    expect_tokens("Hợp tác Mê Công", "hợp@1 tác@2 mê@3 công@4");
    expect_tokens("  HOÀ bình, thuỷ lợi.", "hòa@1 bình@2 thủy@3 lợi@4");
}

static void test_tokens_numbers_kept_whole(void)
{
    expect_tokens("153,6 triệu", "153,6@1 triệu@2");
    expect_tokens("10.47 tỷ", "10.47@1 tỷ@2");
    expect_tokens("2.0", "2.0@1");
    expect_tokens("2024-2026", "2024-2026@1 2024@1! 2026@1!");
    expect_tokens("(27/11/2019, Busan)", "27/11/2019@1 27@1! 11@1! 2019@1! busan@2");
    expect_tokens("15-16/6/2018", "15-16/6/2018@1 15@1! 16@1! 6@1! 2018@1!");
    expect_tokens("năm 2019.", "năm@1 2019@2");
}

static void test_tokens_acronyms(void)
{
    expect_tokens("ACMECS", "acmecs@1");
    expect_tokens("GMS-2030", "gms2030@1! gms@1 2030@2");
    expect_tokens("COVID-19 và H5N1", "covid19@1! covid@1 19@2 và@3 h5n1@4");
}

static void test_tokens_transliterations_join(void)
{
    expect_tokens("Cam-pu-chia", "campuchia@1! cam@1 pu@2 chia@3");
    expect_tokens("Căm-pu-chia", "cămpuchia@1! căm@1 pu@2 chia@3");
    expect_tokens("Mê-kông", "mêkông@1! mê@1 kông@2");
    expect_tokens("Tô-ki-ô", "tôkiô@1! tô@1 ki@2 ô@3");
    tok_rec t[8];
    int n = tokenise_all("Tô-ki-ô", strlen("Tô-ki-ô"), t, 8);
    CHECK(n == 4 && strcmp(t[0].folded, "tokio") == 0, "joined folded key tokio, got %s", t[0].folded);
    n = tokenise_all("Mê-kông", strlen("Mê-kông"), t, 8);
    CHECK(n == 3 && strcmp(t[0].folded, "mekong") == 0, "joined folded key mekong, got %s", t[0].folded);
}

static void test_tokens_dashes_and_quotes_separate(void)
{
    expect_tokens("Đông–Tây", "đông@1 tây@2");
    expect_tokens("Đông—Tây", "đông@1 tây@2");
    expect_tokens("“thu hoạch sớm”", "thu@1 hoạch@2 sớm@3");
    expect_tokens("chính trị - ngoại giao", "chính@1 trị@2 ngoại@3 giao@4");
    expect_tokens("Mê- kông", "mê@1 kông@2");
    expect_tokens("’Ấn Độ‘", "ấn@1 độ@2");
}

static void test_tokens_byte_offsets(void)
{
    const char *text = "Mê Công (Cam-pu-chia)";
    tok_rec t[8];
    int n = tokenise_all(text, strlen(text), t, 8);
    CHECK(n == 6, "count %d", n);
    CHECK(t[0].start == 0 && t[0].end == 3, "Mê offsets %zu-%zu", t[0].start, t[0].end);
    CHECK(t[1].start == 4 && t[1].end == 9, "Công offsets %zu-%zu", t[1].start, t[1].end);
    CHECK(t[2].kind == VN_TOKEN_JOINED && t[2].start == 11 && t[2].end == 22, "joined spans the word %zu-%zu",
          t[2].start, t[2].end);
    CHECK(t[3].start == 11 && t[3].end == 14, "cam offsets %zu-%zu", t[3].start, t[3].end);
}

static void test_tokens_nfd_word_is_one_token(void)
{
    expect_tokens("Vie\xcc\xa3\xcc\x82t Nam", "việt@1 nam@2");
    expect_tokens("kho\xcc\x89" "e", "khỏe@1");
}

static void test_tokens_invalid_utf8_no_crash(void)
{
    const char bad[] = "ab\xff\xfe" "cd \xC3\x28 \xE2\x82 \xF0\x9F\x98 ok\x80";
    tok_rec t[16];
    int n = tokenise_all(bad, sizeof bad - 1, t, 16);
    CHECK(n >= 3, "some tokens survive, got %d", n);
    CHECK(strcmp(t[0].exact, "ab") == 0 && strcmp(t[1].exact, "cd") == 0, "invalid bytes separate");
    /* a lone combining mark with no letter to sit on is skipped */
    expect_tokens("\xcc\x81 a", "a@1");
}

static void test_tokens_long_runs_are_cut(void)
{
    size_t len = 100000;
    char *big = malloc(len);
    memset(big, 'a', len);
    vn_tokenizer *t = vn_tokenizer_new();
    vn_tokenizer_reset(t, big, len, 1);
    vn_token tk;
    size_t count = 0, maxlen = 0;
    while (vn_tokenizer_next(t, &tk)) {
        count++;
        if (tk.exact_len > maxlen)
            maxlen = tk.exact_len;
    }
    CHECK(maxlen <= VN_TOKEN_MAX_BYTES, "token cut at %d bytes, got %zu", VN_TOKEN_MAX_BYTES, maxlen);
    CHECK(count == (len + VN_TOKEN_MAX_BYTES - 1) / VN_TOKEN_MAX_BYTES, "all text tokenised: %zu", count);
    /* a giant hyphenated run does not overflow anything */
    for (size_t i = 1; i < len; i += 2)
        big[i] = '-';
    vn_tokenizer_reset(t, big, len, 1);
    count = 0;
    while (vn_tokenizer_next(t, &tk))
        count++;
    CHECK(count >= len / 2, "hyphen run tokenised: %zu", count);
    vn_tokenizer_free(t);
    free(big);
}

static void test_tokens_empty_and_null(void)
{
    tok_rec t[2];
    CHECK(tokenise_all("", 0, t, 2) == 0, "empty");
    CHECK(tokenise_all(" ,.-–", 8, t, 2) == 0, "separators only");
}

/* ---- decoding ---- */

static char *decode(const char *in, size_t len, size_t *out_len, vn_decode_report *r, int *rc)
{
    char *out = NULL;
    *rc = vn_decode(in, len, &out, out_len, r);
    return out;
}

static void test_decode_bom_crlf_nul(void)
{
    vn_decode_report r;
    size_t n;
    int rc;
    char *s = decode("\xEF\xBB\xBFHòa\r\nbình\rA\0B", strlen("\xEF\xBB\xBFHòa\r\nbình\rA") + 2, &n, &r, &rc);
    CHECK(rc == VN_OK && r.encoding == VN_ENC_UTF8_BOM, "bom");
    CHECK(s && strcmp(s, "Hòa\nbình\nA B") == 0, "got '%s'", s ? s : "(null)");
    CHECK(r.crlf == 1 && r.nul_bytes == 1 && r.first_nul_line == 3, "report crlf=%d nul=%zu@%zu", r.crlf,
          r.nul_bytes, r.first_nul_line);
    free(s);
}

static void test_decode_invalid_utf8_replaced(void)
{
    vn_decode_report r;
    size_t n;
    int rc;
    const char in[] = "Việt\nab\xC0\xAF" "cd\xED\xA0\x80\n";
    char *s = decode(in, sizeof in - 1, &n, &r, &rc);
    CHECK(rc == VN_OK, "rc %d", rc);
    CHECK(r.invalid_bytes == 5 && r.first_invalid_line == 2 && r.first_invalid_col == 3,
          "invalid=%zu line=%zu col=%zu", r.invalid_bytes, r.first_invalid_line, r.first_invalid_col);
    CHECK(s && strncmp(s, "Việt\nab\xEF\xBF\xBD", strlen("Việt\nab") + 3) == 0, "replacement char");
    free(s);
}

static void test_decode_utf16(void)
{
    /* "Hà Nội\n" in UTF-16LE with and without BOM, and BE with BOM */
    const unsigned char le[] = {0xFF, 0xFE, 'H', 0, 0xE0, 0, ' ', 0, 'N', 0, 0xD9, 0x1E, 'i', 0, '\n', 0};
    const unsigned char be[] = {0xFE, 0xFF, 0, 'H', 0, 0xE0, 0, ' ', 0, 'N', 0x1E, 0xD9, 0, 'i', 0, '\n'};
    vn_decode_report r;
    size_t n;
    int rc;
    char *s = decode((const char *)le, sizeof le, &n, &r, &rc);
    CHECK(rc == VN_OK && r.encoding == VN_ENC_UTF16LE && s && strcmp(s, "Hà Nội\n") == 0, "utf16le bom: %s",
          s ? s : "(null)");
    free(s);
    s = decode((const char *)le + 2, sizeof le - 2, &n, &r, &rc);
    CHECK(rc == VN_OK && r.encoding == VN_ENC_UTF16LE && s && strcmp(s, "Hà Nội\n") == 0, "utf16le no bom: %s",
          s ? s : "(null)");
    free(s);
    s = decode((const char *)be, sizeof be, &n, &r, &rc);
    CHECK(rc == VN_OK && r.encoding == VN_ENC_UTF16BE && s && strcmp(s, "Hà Nội\n") == 0, "utf16be: %s",
          s ? s : "(null)");
    free(s);
}

static void test_decode_cp1258_and_binary(void)
{
    vn_decode_report r;
    size_t n;
    int rc;
    /* "Hà Nội" in CP1258: à = E0, ộ = F4 + F2 (combining dot below) */
    char *s = decode("H\xE0 N\xF4\xF2i", 7, &n, &r, &rc);
    CHECK(rc == VN_OK && r.encoding == VN_ENC_CP1258, "cp1258 detected (%d)", rc);
    char e[64];
    long el = s ? vn_exact_key(s + 4, strlen(s + 4), e, sizeof e) : -1;
    CHECK(el > 0 && strncmp(e, "nội", (size_t)el) == 0, "cp1258 text normalises: %s", s ? s : "(null)");
    free(s);
    s = decode("\x7f" "ELF\x02\x01\x01", 7, &n, &r, &rc);
    CHECK(rc == VN_ERR_BINARY && s == NULL, "ELF is binary");
    unsigned char junk[4096];
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (unsigned char)(i * 7 % 31 + 1);
    s = decode((const char *)junk, sizeof junk, &n, &r, &rc);
    CHECK(rc == VN_ERR_BINARY, "control-heavy data is binary (%d)", rc);
    free(s);
    s = decode("", 0, &n, &r, &rc);
    CHECK(rc == VN_OK && s && n == 0, "empty input");
    free(s);
    CHECK(strcmp(vn_errmsg(VN_ERR_BINARY), "not a text file") == 0, "errmsg");
    CHECK(vn_errmsg(-999) != NULL, "errmsg unknown");
}

static char *read_whole(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    CHECK(fp != NULL, "cannot open %s", path);
    if (!fp)
        return NULL;
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    *len = buf ? fread(buf, 1, (size_t)n, fp) : 0;
    fclose(fp);
    return buf;
}

/* tests/data/encodings: corpus paragraphs in every encoding, made by iconv
 * and an independent VNI table (make-encodings.py); each must be detected
 * with confidence and decode to the UTF-8 reference byte for byte. */
static void test_decode_legacy_encodings_of_corpus_paragraphs(const char *dir)
{
    static const char *const sets[] = {"gms", "mkc", "mjc"};
    static const struct { const char *suffix; vn_encoding enc; } encs[] = {
        {"cp1258", VN_ENC_CP1258}, {"viscii", VN_ENC_VISCII}, {"tcvn3", VN_ENC_TCVN3},
        {"vni", VN_ENC_VNI},       {"utf16le", VN_ENC_UTF16LE}, {"utf8", VN_ENC_UTF8},
    };
    for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++) {
        char path[1024];
        size_t ref_len = 0;
        snprintf(path, sizeof path, "%s/%s.utf8.txt", dir, sets[i]);
        char *ref = read_whole(path, &ref_len);
        for (size_t k = 0; ref && k < sizeof encs / sizeof encs[0]; k++) {
            size_t len = 0, n = 0;
            snprintf(path, sizeof path, "%s/%s.%s.txt", dir, sets[i], encs[k].suffix);
            char *raw = read_whole(path, &len);
            vn_decode_report r;
            int rc;
            char *s = raw ? decode(raw, len, &n, &r, &rc) : NULL;
            CHECK(s && rc == VN_OK && r.encoding == encs[k].enc, "%s: read as %s, want %s", path,
                  vn_encoding_name(r.encoding), vn_encoding_name(encs[k].enc));
            CHECK(s && !r.uncertain, "%s: uncertain (runner-up %s)", path, vn_encoding_name(r.runner_up));
            CHECK(s && r.invalid_bytes == 0, "%s: %zu invalid", path, r.invalid_bytes);
            CHECK(s && n == ref_len && memcmp(s, ref, n) == 0, "%s: decoded text differs:\n%s", path, s ? s : "");
            free(s);
            free(raw);
        }
        free(ref);
    }
}

static void test_decode_short_legacy_text_is_read_but_uncertain(void)
{
    vn_decode_report r;
    size_t n;
    int rc;
    char *s = decode("H\xB5", 2, &n, &r, &rc); /* "Hà" in TCVN3: one word proves little */
    CHECK(rc == VN_OK && s && r.uncertain, "one TCVN3 word: uncertain=%d", r.uncertain);
    free(s);
    const char french[] = "\xE9t\xE9 \xE0 Paris"; /* Latin-1 French: no decoding reads as Vietnamese */
    s = decode(french, sizeof french - 1, &n, &r, &rc);
    CHECK(rc == VN_OK && s && r.uncertain && r.encoding == VN_ENC_CP1258, "French Latin-1: %s uncertain=%d",
          vn_encoding_name(r.encoding), r.uncertain);
    free(s);
}

static void test_decode_ascii_stays_ascii(void)
{
    vn_decode_report r;
    size_t n;
    int rc;
    char *s = decode("Ha Noi 2019, GMS.\n", strlen("Ha Noi 2019, GMS.\n"), &n, &r, &rc);
    CHECK(rc == VN_OK && r.encoding == VN_ENC_UTF8 && !r.uncertain && s && strcmp(s, "Ha Noi 2019, GMS.\n") == 0,
          "ascii: %s", s ? s : "(null)");
    free(s);
}

static void test_decode_vni_marks_and_one_byte_letters(void)
{
    vn_decode_report r;
    size_t n;
    int rc;
    /* VNI: ơ ư đ, ỉ ỵ are one byte; ấ ặ ờ are a letter and a mark byte; upper case
     * marks are the lower-case byte minus 0x20 */
    const char in[] = "\xD1" "a\xF8 Na\xFC" "ng ng\xF6\xF4\xF8i M\xEE a\xE1p NG\xD6\xD4\xD8I \xF1o\xE1i ta\xF9" "c "
                      "c\xF4 che\xE1 l\xF3nh ch\xE6 k\xF2p A\xCBN";
    char *s = decode(in, sizeof in - 1, &n, &r, &rc);
    CHECK(rc == VN_OK && r.encoding == VN_ENC_VNI && s &&
              strcmp(s, "Đà Nẵng người Mỵ ấp NGƯỜI đối tác cơ chế lĩnh chỉ kịp ẶN") == 0,
          "vni: %s (%s)", s ? s : "(null)", vn_encoding_name(r.encoding));
    free(s);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s vntext-vectors.tsv encodings-dir\n", argv[0]);
        return 2;
    }
    int rows = test_vectors_file(argv[1]);
    CHECK(rows >= 40, "expected the full vector file, read %d rows", rows);
    RUN(test_tone_placement_hoa_equals_hoa_new_style);
    RUN(test_tone_placement_closed_syllable_keeps_mark);
    RUN(test_tone_placement_repairs_misplaced_marks);
    RUN(test_tone_placement_leaves_non_syllables);
    RUN(test_keys_of_other_scripts_and_marks);
    RUN(test_keys_invalid_utf8_no_crash);
    RUN(test_has_marks);
    RUN(test_adjacent_ignores_punctuation_within_a_paragraph);
    RUN(test_tokens_syllables_and_positions);
    RUN(test_tokens_numbers_kept_whole);
    RUN(test_tokens_acronyms);
    RUN(test_tokens_transliterations_join);
    RUN(test_tokens_dashes_and_quotes_separate);
    RUN(test_tokens_byte_offsets);
    RUN(test_tokens_nfd_word_is_one_token);
    RUN(test_tokens_invalid_utf8_no_crash);
    RUN(test_tokens_long_runs_are_cut);
    RUN(test_tokens_empty_and_null);
    RUN(test_decode_bom_crlf_nul);
    RUN(test_decode_invalid_utf8_replaced);
    RUN(test_decode_utf16);
    RUN(test_decode_cp1258_and_binary);
    test_decode_legacy_encodings_of_corpus_paragraphs(argv[2]);
    RUN(test_decode_short_legacy_text_is_read_but_uncertain);
    RUN(test_decode_ascii_stays_ascii);
    RUN(test_decode_vni_marks_and_one_byte_letters);
    printf("vectors: %d rows\n", rows);
    return check_summary("vntext");
}
