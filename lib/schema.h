/*
 * The index format shared by vnindex and vnsearch: term prefixes, value
 * slots, metadata keys and the stored record of a passage.
 *
 * Omega's conventions where they fit, so xapian-delve, quest and
 * xapian-tcpsrv work on our databases unchanged:
 *
 *   (none)   folded key of a syllable         hop, tac, mekong, 2019
 *            (and of a hyphenated run joined)  campuchia (Cam-pu-chia)
 *   XE       exact key (tone canonicalised)   XEhợp, XEtác
 *   XW       two syllables that follow each   XWhop tac, XWtac kinh,
 *            other in a paragraph, folded,    XWbac nam (Bắc–Nam)
 *            punctuation between or not
 *   Q        unique id of the passage         Qmekong-frameworks.txt:9
 *   XFW:     primary framework                XFW:MKC
 *   XMF:     a framework the passage names,   XMF:MKC (wdf: times named,
 *            by its code or any alias                   under any alias)
 *   XAG:     an alias group the passage names XAG:mecong (Mê Công, Mekong,
 *                                                       Mê-kông, ...)
 *   Y M D    a date's year, month, day        Y2019 M201911 D20191127
 *   XP       a period of years (start, end)   XP20212025
 *   XH...    the same, for the dates a        XHY2021, XHD20210806
 *            passage inherits (below)
 *   XFILE:   the source file                  XFILE:mekong-frameworks.txt
 *   XV       the file's passages written by   XV1f3a...: what an --update
 *            one build                         names to retire them
 *   XKheading a heading (a document of its own, so its words are found;
 *            ranked after the paragraphs of the same tier)
 *   XMEET    a passage that names a meeting: its record's "meetings" field
 *            lists them (meetings.h), so vnsearch --meetings reads only
 *            these records
 *
 * No positions and no term lists.  Vietnamese words are one to four
 * syllables, and the pair terms (XW) are what ranking reads as words: a
 * pair is its own term with its own frequency, so "hạn hán" (drought) and
 * "Hàn Quốc" (Korea) no longer share weight through "han", and a passage
 * holding the query's words in order holds its pairs.  A phrase is the AND
 * of its pairs: every two-syllable phrase is one term, a longer one is
 * checked against the text of the passages shown (query.c).  Pairs cost a
 * posting a syllable; positions cost a B-tree item per term and passage, and
 * were 1.6 times the input.  Term lists (1.0 times the input) are what
 * Xapian needs to delete a document: an --update instead writes the files
 * that changed into a second part and retires their old passages by their
 * XV term (index.c, "Updates").
 *
 * Aliases are matched at index time: the query for "Mekong" is the one
 * term XAG:mecong, not an OR of phrases for every spelling.  That is faster
 * and matches exactly what the tagger matched.  The index stores the alias
 * tables it was built with; changing them rebuilds the index.
 *
 * Date filtering: a passage matches [from, to] when one of its dates lies
 * inside.  Every day, month or year date adds the Y term of its year; day and
 * month dates add M; day dates (each day of a range) add D.  A filter is the
 * OR of the Y terms of the whole years it covers, the M terms of the whole
 * months at its ragged ends, and the D terms of the days left over, which is
 * exactly "lies inside" (as Omega does).  Periods get one XP term, and a
 * filter takes those whose whole period it covers.
 *
 * Inherited dates: a passage with no date of its own that continues a
 * meeting's account ("Về tình hình hợp tác, Bộ trưởng Motegi thông báo...")
 * takes the dates of the nearest earlier passage of its section that has
 * some (a footnote, those of the passage citing it).  They are written
 * behind XH, so a date filter can match them and still rank the passages
 * of a tier that carry the date themselves first; the record keeps them apart
 * (hdates, and hdates_from: the passage they came from).
 */
#ifndef VN_SCHEMA_H
#define VN_SCHEMA_H

#include <stddef.h>
#include <stdint.h>

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
#define PREFIX_PAIR "XW"
#define PREFIX_INHERITED "XH"
#define PREFIX_VERSION "XV"
#define TERM_HEADING "XKheading" /* on a heading's own document */
#define TERM_MEETING "XMEET"     /* on a passage that names a meeting (record field meetings) */

#define SLOT_FRAMEWORK 0  /* primary framework code: facet counts */
#define SLOT_FIRST_DATE 1 /* YYYYMMDD of the earliest date: sorting */
#define SLOT_LAST_DATE 2  /* YYYYMMDD of the latest date */
#define SLOT_YEARS 3      /* years of its day/month/year dates, space-separated: facet counts */
#define SLOT_RECORD 4     /* the stored record, compressed (codec.c) */
#define SLOT_DUPKEY 5     /* 8 bytes, big-endian: a hash of its folded syllables (copies collapse) */
#define SLOT_SEQ 6        /* 4 bytes, big-endian: its place in its file's reading order (the passages
                           * around it): 2i+1 for the i-th passage, 2i for a heading just before it */
#define SLOT_FILE 7       /* 8 bytes, big-endian: a hash of its file's XFILE term (--group file collapses
                           * on it); since format 5, an index of format 4 has none */

#define META_VERSION "vnsearch.version"
#define META_FRAMEWORKS "vnsearch.frameworks.tsv"
#define META_ALIASES "vnsearch.aliases.tsv"
#define META_MEETINGS "vnsearch.meetings.tsv"
#define META_FILE "vnsearch.file:"   /* + name (schema_term) -> "size mtime hash passages path\nname" */
#define META_STATS "vnsearch.stats"
#define META_DICT "vnsearch.zstd-dict" /* the records' compression dictionary */
#define META_RETIRED "vnsearch.retired" /* XV terms of passages an update replaced, space-separated */

/* Xapian refuses terms (and metadata keys) over 245 bytes. */
#define TERM_MAX 240

/* prefix + value as a term or metadata key Xapian accepts, into out (at
 * least TERM_MAX + 1 bytes): as it is when it fits in TERM_MAX bytes, else
 * the start of the value (cut at a character) then "#" and 16 hex digits of
 * a hash of the whole value, as Omega shortens long URL terms, so ids and
 * file terms of long Vietnamese paths stay unique.  Returns the length. */
size_t schema_term(const char *prefix, const char *value, char *out, size_t cap);

/* The 8-byte keys of SLOT_DUPKEY and SLOT_FILE: big-endian, so that they
 * compare as bytes as they do as numbers.  out gets 8 bytes. */
void schema_key_put(uint64_t key, char *out);
uint64_t schema_key_get(const char *v);

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
