/*
 * A minimal test harness: CHECK records a failure and carries on, so one run
 * reports every broken case; main() returns non-zero if anything failed.
 */
#ifndef VN_TEST_CHECK_H
#define VN_TEST_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_failures;
static int check_count;

#define CHECK(cond, ...)                                                                                     \
    do {                                                                                                     \
        check_count++;                                                                                       \
        if (!(cond)) {                                                                                       \
            check_failures++;                                                                                \
            fprintf(stderr, "%s:%d: FAIL %s: ", __FILE__, __LINE__, #cond);                                  \
            fprintf(stderr, __VA_ARGS__);                                                                    \
            fputc('\n', stderr);                                                                             \
        }                                                                                                    \
    } while (0)

#define CHECK_STR(got, got_len, want)                                                                       \
    CHECK((got_len) == strlen(want) && memcmp((got), (want), (got_len)) == 0, "got '%.*s', want '%s'",      \
          (int)(got_len), (got), (want))

#define RUN(test)                                                                                            \
    do {                                                                                                     \
        int before_ = check_failures;                                                                        \
        test();                                                                                              \
        if (check_failures != before_)                                                                       \
            fprintf(stderr, "  in %s\n", #test);                                                             \
    } while (0)

static inline int check_summary(const char *suite)
{
    printf("%s: %d checks, %d failed\n", suite, check_count, check_failures);
    return check_failures ? 1 : 0;
}

#endif
