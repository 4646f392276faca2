#include "CRE2Shim.h"

#include <re2/re2.h>

#include <algorithm>
#include <cstring>
#include <new>
#include <string>
#include <utility>
#include <vector>

struct tandem_re2 {
    re2::RE2 re;
    std::vector<std::pair<std::string, int>> names;
    tandem_re2(const re2::StringPiece &pattern, const re2::RE2::Options &options) : re(pattern, options) {}
};

static void copy_error(const std::string &text, char *error, size_t capacity) {
    if (error == nullptr || capacity == 0) return;
    size_t n = std::min(text.size(), capacity - 1);
    std::memcpy(error, text.data(), n);
    error[n] = 0;
}

extern "C" tandem_re2 *tandem_re2_compile(const char *pattern, size_t length, int ignore_case, char *error, size_t error_capacity) {
    re2::RE2::Options options;
    options.set_log_errors(false);
    options.set_case_sensitive(!ignore_case);
    // Bounds what one pattern may cost in memory (counted repetitions multiply): 8 MiB is far past
    // any dial pattern and keeps a hostile plan from taking the node's memory.
    options.set_max_mem(8 << 20);
    tandem_re2 *re = new (std::nothrow) tandem_re2(re2::StringPiece(pattern, length), options);
    if (re == nullptr) {
        copy_error("out of memory", error, error_capacity);
        return nullptr;
    }
    if (!re->re.ok()) {
        copy_error(re->re.error(), error, error_capacity);
        delete re;
        return nullptr;
    }
    for (const auto &entry : re->re.NamedCapturingGroups()) re->names.emplace_back(entry.first, entry.second);
    std::sort(re->names.begin(), re->names.end(), [](const auto &a, const auto &b) { return a.second < b.second; });
    return re;
}

extern "C" void tandem_re2_free(tandem_re2 *re) { delete re; }

extern "C" int tandem_re2_group_count(const tandem_re2 *re) { return re->re.NumberOfCapturingGroups(); }

extern "C" int tandem_re2_name_count(const tandem_re2 *re) { return static_cast<int>(re->names.size()); }

extern "C" const char *tandem_re2_name(const tandem_re2 *re, int i, int *group) {
    if (i < 0 || static_cast<size_t>(i) >= re->names.size()) return nullptr;
    if (group != nullptr) *group = re->names[i].second;
    return re->names[i].first.c_str();
}

extern "C" int tandem_re2_match(const tandem_re2 *re, const char *subject, size_t length, long *spans, int groups) {
    if (groups < 1) groups = 1;
    re2::StringPiece small[16];
    std::vector<re2::StringPiece> large;
    re2::StringPiece *found = small;
    if (groups > 16) {
        large.resize(groups);
        found = large.data();
    }
    re2::StringPiece text(subject, length);
    if (!re->re.Match(text, 0, length, re2::RE2::UNANCHORED, found, groups)) return 0;
    for (int i = 0; i < groups; i++) {
        if (found[i].data() == nullptr) {
            spans[2 * i] = -1;
            spans[2 * i + 1] = -1;
        } else {
            spans[2 * i] = static_cast<long>(found[i].data() - subject);
            spans[2 * i + 1] = spans[2 * i] + static_cast<long>(found[i].size());
        }
    }
    return 1;
}
