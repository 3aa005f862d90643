/*
 * The index format shared by vnindex and vnsearch: term prefixes, value
 * slots, metadata keys and the stored record of a passage.
 *
 * Omega's conventions where they fit, so xapian-delve, quest and
 * xapian-tcpsrv work on our databases unchanged:
 *
 *   (none)   folded key, with positions       hop, tac, mekong, 2019
 *   XE       exact key, wdf only              XEhợp, XEtác
 *   Q        unique id of the passage         Qmekong-frameworks.txt:9
 *   XFW:     primary framework                XFW:MKC
 *   XMF:     a framework the passage names,   XMF:MKC (wdf: times named,
 *            by its code or any alias                   under any alias)
 *   XAG:     an alias group the passage names XAG:mecong (Mê Công, Mekong,
 *                                                       Mê-kông, ...)
 *   Y M D    a date's year, month, day        Y2019 M201911 D20191127
 *   XP       a period of years (start, end)   XP20212025
 *   XFILE:   the source file                  XFILE:mekong-frameworks.txt
 *
 * Aliases are matched at index time: the query for "Mekong" is the one
 * term XAG:mecong, not an OR of phrases for every spelling.  That is faster,
 * matches exactly what the tagger matched, and keeps phrase queries out of
 * weighted ORs, which Xapian 1.4 can weight inconsistently (see query.c).
 * The index stores the alias tables it was built with; changing them
 * rebuilds the index.
 *
 * Date filtering: a passage matches [from, to] when one of its dates lies
 * inside.  Every day, month or year date adds the Y term of its year; day and
 * month dates add M; day dates (each day of a range) add D.  A filter is the
 * OR of the Y terms of the whole years it covers, the M terms of the whole
 * months at its ragged ends, and the D terms of the days left over, which is
 * exactly "lies inside" (as Omega does).  Periods get one XP term, and a
 * filter takes those whose whole period it covers.
 */
#ifndef VN_SCHEMA_H
#define VN_SCHEMA_H

#include <stddef.h>

#include "vnsearch.h"

#define PREFIX_EXACT "XE"
#define PREFIX_ID "Q"
#define PREFIX_FRAMEWORK "XFW:"
#define PREFIX_MENTION "XMF:"
#define PREFIX_ALIAS "XAG:"
#define PREFIX_YEAR "Y"
#define PREFIX_MONTH "M"
#define PREFIX_DAY "D"
#define PREFIX_PERIOD "XP"
#define PREFIX_FILE "XFILE:"

#define SLOT_FRAMEWORK 0  /* primary framework code: facet counts */
#define SLOT_FIRST_DATE 1 /* YYYYMMDD of the earliest date: sorting */
#define SLOT_LAST_DATE 2  /* YYYYMMDD of the latest date */
#define SLOT_YEARS 3      /* years of its day/month/year dates, space-separated: facet counts */

#define META_VERSION "vnsearch.version"
#define META_FRAMEWORKS "vnsearch.frameworks.tsv"
#define META_ALIASES "vnsearch.aliases.tsv"
#define META_FILE "vnsearch.file:"   /* + name (schema_term) -> "size mtime hash passages path\nname" */
#define META_STATS "vnsearch.stats"

/* Xapian refuses terms (and metadata keys) over 245 bytes. */
#define TERM_MAX 240

/* prefix + value as a term or metadata key Xapian accepts, into out (at
 * least TERM_MAX + 1 bytes): as it is when it fits in TERM_MAX bytes, else
 * the start of the value (cut at a character) then "#" and 16 hex digits of
 * a hash of the whole value, as Omega shortens long URL terms, so ids and
 * file terms of long Vietnamese paths stay unique.  Returns the length. */
size_t schema_term(const char *prefix, const char *value, char *out, size_t cap);

/* The stored record of a passage (struct record, vnsearch.h): "name=value"
 * lines, text last (Omega keeps its fields the same way).  Identifiers come
 * back exactly, whatever bytes a file name holds (record.c escapes them when
 * needed); line breaks in prose become spaces. */
/* Appends the encoded record to out. */
void record_encode(const record *r, strbuf *out);
/* Decodes data (copied); unknown fields are ignored so old readers survive
 * new fields.  Returns 0, or -1 on allocation failure. */
int record_decode(const char *data, size_t len, record *r);

#endif
