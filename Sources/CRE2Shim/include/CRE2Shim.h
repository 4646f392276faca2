// A C face for RE2 (Debian libre2-dev), which is C++: dialplan patterns are matched in time linear in
// the subject, whatever the pattern. One compiled pattern per handle; matching is thread-safe.
#ifndef TANDEM_CRE2_SHIM_H
#define TANDEM_CRE2_SHIM_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tandem_re2 tandem_re2;

/// Compiles `pattern` (UTF-8, `length` bytes); NULL with RE2's reason in `error` when it cannot.
tandem_re2 *tandem_re2_compile(const char *pattern, size_t length, int ignore_case, char *error, size_t error_capacity);
void tandem_re2_free(tandem_re2 *re);
/// Numbered capturing groups, not counting the whole match.
int tandem_re2_group_count(const tandem_re2 *re);
/// Named groups, in the order of their numbers: the name of the `i`th and its group number.
int tandem_re2_name_count(const tandem_re2 *re);
const char *tandem_re2_name(const tandem_re2 *re, int i, int *group);
/// Searches `subject` (unanchored); on a match returns 1 and writes `groups` (start, end) byte
/// offset pairs into `spans` (the whole match first; -1, -1 for a group that took no part).
int tandem_re2_match(const tandem_re2 *re, const char *subject, size_t length, long *spans, int groups);

#ifdef __cplusplus
}
#endif

#endif
