/*
 * Dates in Vietnamese text: the forms our sources use, each turned into a
 * span with a precision.
 *
 *   27/11/2019, ngày 23/3/2016, 03/8/2021     day
 *   15-16/6/2018, 27 – 28/10/2011             day range (one span)
 *   tháng 11/2015, (tháng 1/2007), 8/2018     month
 *   năm 2012, Năm 2024, từ năm 1992           year
 *   2021 – 2025, 2019-2021, (2011–2020)       period of years
 *
 * Numbers that are not dates stay numbers: amounts (2000 tỷ Yên, 10.47 tỷ
 * USD), versions (2.0), codes (GMS-2030), bare years with no "năm" in front.
 */
#ifndef VN_DATES_H
#define VN_DATES_H

#include <stddef.h>
#include <stdint.h>

/* The years a date may have: a year outside is a number, not a date, and
 * a filter date outside is refused (messages name these limits). */
#define DATE_YEAR_MIN 1900
#define DATE_YEAR_MAX 2100

typedef enum date_precision { DATE_DAY = 0, DATE_MONTH = 1, DATE_YEAR = 2, DATE_PERIOD = 3 } date_precision;

typedef struct date_span {
    uint32_t from, to; /* YYYYMMDD, inclusive: a month is its first to last day */
    date_precision precision;
    size_t offset;     /* byte offset of the match in the text */
    size_t end;        /* and of its end */
} date_span;

/* Finds the dates in text.  Returns how many were found (possibly more than
 * max; only the first max are stored), deduplicated and sorted by `from`. */
size_t date_parse(const char *text, size_t len, date_span *out, size_t max);

/* ISO 8601 form: 2019-11-27, 2018-06-15/2018-06-16, 2015-11, 2012,
 * 2021/2025.  Returns the length written (buffer of at least 24 bytes). */
int date_iso(const date_span *d, char *buf, size_t cap);

/* Parses a user's DATE (YYYY, YYYY-MM or YYYY-MM-DD, or as Vietnamese write
 * them MM/YYYY or DD/MM/YYYY; years DATE_YEAR_MIN to DATE_YEAR_MAX) into
 * the first or last day it covers.  Returns 0, or -1 if
 * it is not a valid date. */
int date_parse_bound(const char *s, int upper, uint32_t *out);

/* 1 if y/m/d is a real calendar day. */
int date_valid(int y, int m, int d);

#endif
