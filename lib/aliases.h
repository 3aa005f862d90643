/*
 * The alias table: cooperation frameworks (corpus/frameworks.tsv) and groups
 * of spelling variants (corpus/aliases.tsv), loaded from their text.
 *
 * Everything is matched on sequences of folded syllable keys, with
 * hyphenated words split into their syllables ("Mê-kông" = "Mê Kông" =
 * [me, kong]).  A variant written with hyphens also matches written solid
 * ("Tô-ki-ô" adds [tokio]).  Framework aliases that contain a group member
 * are expanded with every variant of the group, so "Mê Công – Hàn Quốc" also
 * matches "Mekong - Hàn Quốc".
 *
 * The indexer uses the table to tag passages with the frameworks they
 * mention; the searcher uses it to expand query words to their equivalents.
 * The indexer stores the two files' text in the database, so the searcher
 * always expands with the table the index was built with.
 */
#ifndef VN_ALIASES_H
#define VN_ALIASES_H

#include <stddef.h>

typedef struct alias_table alias_table;

/* Parses the two tables (either text may be NULL for an empty table).
 * On error returns -1 and writes "NAME:LINE: message" into err, where NAME
 * is fw_name or groups_name. */
int alias_table_load(const char *fw_text, size_t fw_len, const char *fw_name, const char *groups_text,
                     size_t groups_len, const char *groups_name, alias_table **out, char *err, size_t errcap);
void alias_table_free(alias_table *t);

size_t alias_framework_count(const alias_table *t);
const char *alias_framework_code(const alias_table *t, size_t fw);   /* "MKC" */
const char *alias_framework_name(const alias_table *t, size_t fw, int english);
/* Index of the framework with this code (case-insensitive), or -1. */
long alias_framework_find(const alias_table *t, const char *code);

typedef enum alias_kind { ALIAS_GROUP = 0, ALIAS_FRAMEWORK = 1 } alias_kind;

typedef struct alias_match {
    size_t len;       /* keys matched */
    alias_kind kind;
    size_t id;        /* group or framework index */
} alias_match;

/* The longest alias starting at keys[i] (keys are folded syllable keys,
 * NUL-terminated).  A framework wins a tie with a group.  Returns the
 * number of keys matched, 0 if none. */
size_t alias_match_at(const alias_table *t, const char *const *keys, size_t n, size_t i, alias_match *m);

/* The same, considering only aliases of one kind: the indexer counts the
 * groups a passage names even inside a framework's name ("Mê Công" inside
 * "Mê Công – Hàn Quốc"), so a search for Mekong finds it. */
size_t alias_match_kind(const alias_table *t, const char *const *keys, size_t n, size_t i, alias_kind kind,
                        alias_match *m);

size_t alias_group_count(const alias_table *t);
/* A group's stable key, for index terms: its name folded, letters and
 * digits only ("Mê Công" -> "mecong"). */
const char *alias_group_key(const alias_table *t, size_t group);

/* The folded syllable keys of a text as the table matches them (hyphenated
 * words split into syllables), with the byte span of each.  Reusable: fill
 * it again for the next text. */
typedef struct alias_text {
    char **keys;
    size_t *start, *end;
    size_t n, cap;
    char *arena;
    size_t arena_len, arena_cap;
    struct vn_tokenizer *tok;
} alias_text;

int alias_text_fill(alias_text *at, const char *text, size_t len);

/* The same, handing every token the tokeniser reads (joined forms and
 * number parts too, which the aliases skip) to fn, in order, so that a
 * caller who needs them as well reads the text once. */
struct vn_token;
typedef void (*alias_token_fn)(void *ctx, const struct vn_token *t);
int alias_text_fill_seen(alias_text *at, const char *text, size_t len, alias_token_fn fn, void *ctx);
void alias_text_free(alias_text *at);

/* Calls fn for every alias named in the text, the way the indexer counts
 * them: frameworks by the longest match among all aliases (a group inside a
 * framework's name belongs to the framework), then groups in a pass of their
 * own (so "Mê Công" inside "Mê Công – Hàn Quốc" still counts for Mê Công).
 * `first` and `count` index at->keys. */
typedef void (*alias_fn)(void *ctx, alias_kind kind, size_t id, size_t first, size_t count);
void alias_scan(const alias_table *t, const alias_text *at, alias_fn fn, void *ctx);

/* The variants of a group or framework, each a sequence of folded keys. */
size_t alias_variant_count(const alias_table *t, alias_kind kind, size_t id);
size_t alias_variant(const alias_table *t, alias_kind kind, size_t id, size_t v, const char *const **keys);
/* The name shown for a group ("Mê Công") or framework (its code). */
const char *alias_display_name(const alias_table *t, alias_kind kind, size_t id);

/* The tables' TSV lines (aliases.tsv, frameworks.tsv, meetings.tsv): a line
 * split into at most `max` fields in place, at its tabs (the count made);
 * a field without its leading spaces and its trailing spaces and CR. */
size_t alias_split_tabs(char *line, char **fields, size_t max);
char *alias_trim(char *s);

#endif
