/*
 * Meeting mentions: the summits, ministerial meetings and SOMs a passage
 * names, each with its framework, ordinal, date and place, found by the
 * shapes our sources write them in:
 *
 *   HNCC MKC lần thứ 1 (27/11/2019, Busan, Hàn Quốc)
 *   Hội nghị Bộ trưởng Ngoại giao Mê Công – Hàn Quốc lần thứ 10 (28/9/2020)
 *   HNBT MGC lần thứ 11 (21/7/2021) theo hình thức trực tuyến
 *   HNCC CLMV lần thứ 1 vào dịp HNCC ASEAN 10 (Viêng Chăn, tháng 11/2004)
 *   HNBTNG lần thứ chín được tổ chức tại Chiềng Mai, Thái Lan (tháng 8/2024)
 *   Ngày 23/3/2016, Hội nghị Cấp cao (HNCC) lần thứ nhất ...
 *
 * The kinds, their phrases and abbreviations are data (corpus/meetings.tsv,
 * beside frameworks.tsv).  Precision first: a mention needs an ordinal (a
 * meeting is its framework, kind and ordinal), a meeting of another body
 * (Hội nghị Cấp cao ASEAN) is none of ours, and a plan ("Lào sẽ chủ trì Hội
 * nghị Cấp cao ACMECS lần thứ 10") is a source of the event but says
 * nothing of its date or place.
 *
 * The indexer stores a passage's mentions in its record (meeting_encode);
 * the searcher merges them into events (timeline.c).
 */
#ifndef VN_MEETINGS_H
#define VN_MEETINGS_H

#include <stddef.h>

#include "aliases.h"
#include "dates.h"
#include "vnsearch.h"

typedef struct meeting_table meeting_table;

/* Parses meetings.tsv (text may be NULL: no meetings are found).  On error
 * returns -1 with "NAME:LINE: message" in err. */
int meeting_table_load(const char *text, size_t len, const char *name, const alias_table *aliases,
                       meeting_table **out, char *err, size_t cap);
void meeting_table_free(meeting_table *t);

size_t meeting_kind_count(const meeting_table *t);
const char *meeting_kind_name(const meeting_table *t, size_t kind);   /* "summit" */
const char *meeting_series_name(const meeting_table *t, long series); /* "LMI", "" for -1 */

typedef struct meeting_mention {
    size_t kind;
    long fw;           /* framework index (alias table) */
    long series;       /* series index, or -1: the framework's own numbering */
    int ordinal;       /* 1, 2, ... */
    int planned;       /* only planned: no date or place taken from it */
    int has_date;
    date_span date;
    int online;        /* held online (trực tuyến) */
    size_t place, place_len; /* the place, bytes of the text (0 length: none) */
    size_t offset;     /* where the mention starts in the text */
} meeting_mention;

/* Scratch space reused from passage to passage (one per thread). */
typedef struct meeting_scratch meeting_scratch;
meeting_scratch *meeting_scratch_new(void);
void meeting_scratch_free(meeting_scratch *s);

/* The mentions in a passage whose own framework is passage_fw (-1: none).
 * Returns how many there are (only the first max are stored), or -1 on
 * allocation failure.  Cheap for a passage that names no meeting: it is
 * only searched for the first words of the table's phrases. */
long meeting_find(const meeting_table *t, const alias_table *a, meeting_scratch *s, const char *text, size_t len,
                  long passage_fw, meeting_mention *out, size_t max);

/* Appends the mentions as the record's "meetings" field holds them: one
 * per mention, separated by ';', each FW|KIND|SERIES|ORDINAL|DATE|PLACE|FLAGS
 * with DATE as FROM-TO-PRECISION (YYYYMMDD, date_precision) or empty,
 * PLACE as written ("trực tuyến" when held online), FLAGS "p" for a plan. */
void meeting_encode(const meeting_table *t, const alias_table *a, const char *text, const meeting_mention *m,
                    size_t n, strbuf *out);

/* One mention as the record holds it, decoded (pointers into a copy the
 * caller owns, see meeting_decode). */
typedef struct meeting_field {
    const char *fw, *kind, *series, *place;
    int ordinal, planned, has_date;
    date_span date;
} meeting_field;

/* Splits a record's meetings field (modified in place) into at most max
 * mentions; returns how many there are. */
size_t meeting_decode(char *field, meeting_field *out, size_t max);

#endif
