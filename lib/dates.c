/*
 * Date parsing (see dates.h for the forms).  A small hand-written scanner:
 * at each run of digits that does not continue a word or a number, try the
 * patterns from the most specific to the least, and take the first that fits
 * a real calendar date.  A bare four-digit number is a year only after
 * "năm" or alone in parentheses: "2000 tỷ Yên" is money, not the year 2000.
 */
#include "dates.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "vntext.h"

#define YEAR_MIN DATE_YEAR_MIN
#define YEAR_MAX DATE_YEAR_MAX

int date_valid(int y, int m, int d)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < YEAR_MIN || y > YEAR_MAX || m < 1 || m > 12 || d < 1)
        return 0;
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return d <= days[m - 1] + (m == 2 && leap);
}

static int month_days(int y, int m)
{
    int d = 31;
    if (y < YEAR_MIN || y > YEAR_MAX)
        y = 2000; /* date_valid() refuses the year itself: the count down would never end */
    while (!date_valid(y, m, d))
        d--;
    return d;
}

static uint32_t ymd(int y, int m, int d)
{
    return (uint32_t)(y * 10000 + m * 100 + d);
}

typedef struct scan {
    const char *s;
    size_t n;
} scan;

/* Reads 1..maxd digits at *i; returns the value or -1. */
static int read_int(const scan *sc, size_t *i, int maxd)
{
    size_t k = *i;
    int v = 0, d = 0;
    while (k < sc->n && isdigit((unsigned char)sc->s[k])) {
        if (++d > maxd)
            return -1;
        v = v * 10 + (sc->s[k++] - '0');
    }
    if (d == 0)
        return -1;
    *i = k;
    return v;
}

static size_t skip_spaces(const scan *sc, size_t i)
{
    while (i < sc->n) {
        if (sc->s[i] == ' ' || sc->s[i] == '\t')
            i++;
        else if (i + 1 < sc->n && (unsigned char)sc->s[i] == 0xC2 && (unsigned char)sc->s[i + 1] == 0xA0)
            i += 2;
        else
            break;
    }
    return i;
}

/* A range dash, spaces allowed around it: - – — */
static int read_dash(const scan *sc, size_t *i)
{
    size_t k = skip_spaces(sc, *i);
    if (k < sc->n && sc->s[k] == '-')
        k++;
    else if (k + 2 < sc->n && (unsigned char)sc->s[k] == 0xE2 && (unsigned char)sc->s[k + 1] == 0x80 &&
             ((unsigned char)sc->s[k + 2] == 0x93 || (unsigned char)sc->s[k + 2] == 0x94))
        k += 3;
    else
        return 0;
    *i = skip_spaces(sc, k);
    return 1;
}

static int read_char(const scan *sc, size_t *i, char c)
{
    if (*i < sc->n && sc->s[*i] == c) {
        (*i)++;
        return 1;
    }
    return 0;
}

/* The code point ending just before byte i (0 if none). */
static utf8proc_int32_t prev_cp(const scan *sc, size_t i, size_t *start)
{
    if (i == 0)
        return 0;
    size_t k = i - 1;
    while (k > 0 && ((unsigned char)sc->s[k] & 0xC0) == 0x80)
        k--;
    utf8proc_int32_t cp = 0;
    if (utf8proc_iterate((const utf8proc_uint8_t *)sc->s + k, (utf8proc_ssize_t)(i - k), &cp) < 0)
        cp = 0xFFFD;
    if (start)
        *start = k;
    return cp;
}

static int is_letter(utf8proc_int32_t cp)
{
    utf8proc_category_t c = utf8proc_category(cp);
    return c == UTF8PROC_CATEGORY_LU || c == UTF8PROC_CATEGORY_LL || c == UTF8PROC_CATEGORY_LT ||
           c == UTF8PROC_CATEGORY_LM || c == UTF8PROC_CATEGORY_LO || c == UTF8PROC_CATEGORY_MN;
}

/* The exact key of the word ending before byte i, skipping spaces and an
 * opening parenthesis; writes "" if there is none. */
static void word_before(const scan *sc, size_t i, char *key, size_t cap)
{
    key[0] = '\0';
    while (i > 0 && (sc->s[i - 1] == ' ' || sc->s[i - 1] == '\t' || sc->s[i - 1] == '('))
        i--;
    size_t end = i, start;
    while (i > 0 && is_letter(prev_cp(sc, i, &start)))
        i = start;
    if (end == i || end - i > 32)
        return;
    long n = vn_exact_key(sc->s + i, end - i, key, cap - 1);
    key[n > 0 ? n : 0] = '\0';
}

/* The folded key of the word starting at byte i after spaces. */
static void word_after(const scan *sc, size_t i, char *key, size_t cap)
{
    key[0] = '\0';
    i = skip_spaces(sc, i);
    size_t start = i;
    while (i < sc->n) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t l =
            utf8proc_iterate((const utf8proc_uint8_t *)sc->s + i, (utf8proc_ssize_t)(sc->n - i), &cp);
        if (l <= 0 || !(is_letter(cp) || cp == '%'))
            break;
        i += (size_t)l;
        if (cp == '%')
            break;
    }
    if (i == start || i - start > 32)
        return;
    long n = vn_folded_key(sc->s + start, i - start, key, cap - 1);
    key[n > 0 ? n : 0] = '\0';
}

/* A unit after a number makes it an amount, never a year. */
static int is_unit(const char *folded)
{
    static const char *const units[] = {"ty", "trieu", "nghin", "ngan", "tram", "usd", "dong", "yen", "eur",
                                        "%", "km", "ha", "mw", "kwh", "nguoi", "du", "tan", "m", "vnd"};
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (strcmp(folded, units[i]) == 0)
            return 1;
    return 0;
}

static int year_ok(int y)
{
    return y >= YEAR_MIN && y <= YEAR_MAX;
}

/* Tries every pattern at byte i (the start of a digit run).  On success
 * fills *d and returns the end of the match; returns i on failure. */
static size_t match_at(const scan *sc, size_t i, date_span *d)
{
    size_t k = i;
    int a = read_int(sc, &k, 4);
    if (a < 0)
        return i;
    d->offset = i;

    /* a/b/yyyy and a-c/b/yyyy and a/b-c/e/yyyy */
    size_t k2 = k;
    if (a <= 31 && read_char(sc, &k2, '/')) {
        int b = read_int(sc, &k2, 2);
        size_t k3 = k2;
        if (b > 0 && read_char(sc, &k3, '/')) {
            int y = read_int(sc, &k3, 4);
            if (y >= 0 && date_valid(y, b, a) && (k3 >= sc->n || !isdigit((unsigned char)sc->s[k3]))) {
                d->from = d->to = ymd(y, b, a);
                d->precision = DATE_DAY;
                return k3;
            }
        }
        /* cross-month range: 30/11 - 2/12/2019 */
        k3 = k2;
        if (b > 0 && b <= 12 && read_dash(sc, &k3)) {
            int c = read_int(sc, &k3, 2);
            if (c > 0 && read_char(sc, &k3, '/')) {
                int e = read_int(sc, &k3, 2);
                if (e > 0 && read_char(sc, &k3, '/')) {
                    int y = read_int(sc, &k3, 4);
                    if (date_valid(y, b, a) && date_valid(y, e, c) && ymd(y, b, a) < ymd(y, e, c)) {
                        d->from = ymd(y, b, a);
                        d->to = ymd(y, e, c);
                        d->precision = DATE_DAY;
                        return k3;
                    }
                }
            }
        }
        /* m/yyyy */
        if (a >= 1 && a <= 12) {
            k3 = k;
            read_char(sc, &k3, '/');
            int y = read_int(sc, &k3, 4);
            if (year_ok(y) && k3 - k == 5 && (k3 >= sc->n || !isdigit((unsigned char)sc->s[k3]))) {
                char after = k3 < sc->n ? sc->s[k3] : ' ';
                int decimal = (after == '.' || after == ',') && k3 + 1 < sc->n &&
                              isdigit((unsigned char)sc->s[k3 + 1]);
                if (after != '/' && !decimal) {
                    d->from = ymd(y, a, 1);
                    d->to = ymd(y, a, month_days(y, a));
                    d->precision = DATE_MONTH;
                    return k3;
                }
            }
        }
    }

    /* day range in one month: 15-16/6/2018, 27 – 28/10/2011 */
    k2 = k;
    if (a >= 1 && a <= 31 && read_dash(sc, &k2)) {
        int c = read_int(sc, &k2, 2);
        if (c > a && read_char(sc, &k2, '/')) {
            int b = read_int(sc, &k2, 2);
            if (b > 0 && read_char(sc, &k2, '/')) {
                int y = read_int(sc, &k2, 4);
                if (date_valid(y, b, a) && date_valid(y, b, c)) {
                    d->from = ymd(y, b, a);
                    d->to = ymd(y, b, c);
                    d->precision = DATE_DAY;
                    return k2;
                }
            }
        }
    }

    if (!year_ok(a) || k - i != 4)
        return i;
    /* period: 2021 – 2025, 2019-2021, (2011–2020) */
    k2 = k;
    if (read_dash(sc, &k2)) {
        size_t ystart = k2;
        int b = read_int(sc, &k2, 4);
        if (year_ok(b) && k2 - ystart == 4 && b > a && b - a <= 50 &&
            (k2 >= sc->n || !isdigit((unsigned char)sc->s[k2]))) {
            d->from = ymd(a, 1, 1);
            d->to = ymd(b, 12, 31);
            d->precision = DATE_PERIOD;
            return k2;
        }
    }
    /* year: "năm 2012", or "(2019)" on its own */
    char before[40], after[40];
    word_before(sc, i, before, sizeof before);
    word_after(sc, k, after, sizeof after);
    int in_parens = i > 0 && sc->s[i - 1] == '(' && k < sc->n && sc->s[k] == ')';
    int dotted = k < sc->n && (sc->s[k] == '.' || sc->s[k] == ',') && k + 1 < sc->n &&
                 isdigit((unsigned char)sc->s[k + 1]);
    if ((strcmp(before, "năm") == 0 || in_parens) && !is_unit(after) && !dotted) {
        d->from = ymd(a, 1, 1);
        d->to = ymd(a, 12, 31);
        d->precision = DATE_YEAR;
        return k;
    }
    return i;
}

static int cmp_span(const void *x, const void *y)
{
    const date_span *a = x, *b = y;
    if (a->from != b->from)
        return a->from < b->from ? -1 : 1;
    if (a->to != b->to)
        return a->to < b->to ? -1 : 1;
    return (int)a->precision - (int)b->precision;
}

size_t date_parse(const char *text, size_t len, date_span *out, size_t max)
{
    scan sc = {text, len};
    size_t found = 0, stored = 0;
    date_span tmp[256];
    for (size_t i = 0; i < len;) {
        if (!isdigit((unsigned char)text[i])) {
            i++;
            continue;
        }
        /* Only at the start of a number, and not inside a code like GMS-2030. */
        size_t pstart;
        utf8proc_int32_t p = prev_cp(&sc, i, &pstart);
        int glued = is_letter(p) || p == '.' || p == ',' || p == '/' ||
                    (p == '-' && is_letter(prev_cp(&sc, pstart, NULL)));
        date_span d;
        size_t end = glued ? i : match_at(&sc, i, &d);
        if (end > i) {
            d.end = end;
            found++;
            if (stored < sizeof tmp / sizeof tmp[0])
                tmp[stored++] = d;
            i = end;
        } else {
            while (i < len && isdigit((unsigned char)text[i]))
                i++;
        }
    }
    qsort(tmp, stored, sizeof tmp[0], cmp_span);
    size_t n = 0;
    for (size_t k = 0; k < stored; k++) {
        if (n > 0 && cmp_span(&tmp[k], &tmp[n - 1]) == 0)
            continue;
        tmp[n++] = tmp[k];
    }
    for (size_t k = 0; k < n && k < max; k++)
        out[k] = tmp[k];
    (void)found;
    return n;
}

int date_iso(const date_span *d, char *buf, size_t cap)
{
    unsigned fy = d->from / 10000, fm = d->from / 100 % 100, fd = d->from % 100;
    unsigned ty = d->to / 10000, tm = d->to / 100 % 100, td = d->to % 100;
    switch (d->precision) {
    case DATE_DAY:
        if (d->from == d->to)
            return snprintf(buf, cap, "%04u-%02u-%02u", fy, fm, fd);
        return snprintf(buf, cap, "%04u-%02u-%02u/%04u-%02u-%02u", fy, fm, fd, ty, tm, td);
    case DATE_MONTH:
        return snprintf(buf, cap, "%04u-%02u", fy, fm);
    case DATE_YEAR:
        return snprintf(buf, cap, "%04u", fy);
    case DATE_PERIOD:
        return snprintf(buf, cap, "%04u/%04u", fy, ty);
    }
    return 0;
}

/* A Vietnamese writing of a date bound, MM/YYYY or DD/MM/YYYY (one or two
 * digits for the day and the month: 11/2019, 27/11/2019, 6/8/2021), as
 * ISO YYYY-MM or YYYY-MM-DD into iso; 0, or -1 if s is not one. */
static int slashed_bound(const char *s, char *iso, size_t cap)
{
    const char *part[3];
    size_t plen[3], n = 0;
    const char *p = s;
    for (;;) {
        if (n == 3)
            return -1;
        part[n] = p;
        while (isdigit((unsigned char)*p))
            p++;
        plen[n] = (size_t)(p - part[n]);
        n++;
        if (*p != '/')
            break;
        p++;
    }
    if (*p || n < 2 || plen[n - 1] != 4)
        return -1;
    for (size_t i = 0; i + 1 < n; i++)
        if (plen[i] < 1 || plen[i] > 2)
            return -1;
    if (n == 2)
        snprintf(iso, cap, "%.4s-%02d", part[1], atoi(part[0]));
    else
        snprintf(iso, cap, "%.4s-%02d-%02d", part[2], atoi(part[1]), atoi(part[0]));
    return 0;
}

int date_parse_bound(const char *s, int upper, uint32_t *out)
{
    int y = 0, m = 0, d = 0;
    char extra, iso[16];
    if (strchr(s, '/')) {
        if (slashed_bound(s, iso, sizeof iso) != 0)
            return -1;
        s = iso;
    }
    size_t len = strlen(s);
    if (len == 4 && sscanf(s, "%4d%c", &y, &extra) == 1) {
        m = upper ? 12 : 1;
        d = upper ? 31 : 1;
    } else if (len == 7 && sscanf(s, "%4d-%2d%c", &y, &m, &extra) == 2 && s[4] == '-') {
        if (m < 1 || m > 12)
            return -1;
        d = upper ? month_days(y < YEAR_MIN ? 2000 : y, m) : 1;
    } else if (len == 10 && sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &extra) == 3 && s[4] == '-' && s[7] == '-') {
    } else {
        return -1;
    }
    for (size_t i = 0; i < len; i++)
        if (!isdigit((unsigned char)s[i]) && s[i] != '-')
            return -1;
    if (!date_valid(y, m, d))
        return -1;
    *out = ymd(y, m, d);
    return 0;
}
