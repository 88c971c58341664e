// api::Text — the string type of API values (names, branches, SHAs, messages...).
//
// Why not std::string: the operator caches thousands of AgenticTasks, each with ~55 string
// fields. A std::string is 32 bytes even when empty and copies its characters; a Text is one
// pointer (8 bytes, null when empty) to an immutable, reference-counted buffer, so copies share
// it and equal values decoded into a cache can share one buffer through an Interner (labels,
// owner references, repository URLs, issue texts repeat across the tasks of a Workload).
//
// A Text never changes after construction: assign a new value instead. It converts implicitly
// to std::string_view and std::string, and compares with anything string-like, so code written
// for std::string fields mostly reads the same.
#pragma once

#include <atomic>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace redraft::api {

class Interner;

class Text {
 public:
  Text() noexcept = default;
  Text(std::string_view value);  // NOLINT: implicit, like std::string
  Text(const char* value) : Text(std::string_view(value ? value : "")) {}
  Text(const std::string& value) : Text(std::string_view(value)) {}
  Text(std::nullptr_t) = delete;

  Text(const Text& other) noexcept : rep_(other.rep_) { retain(rep_); }
  Text(Text&& other) noexcept : rep_(other.rep_) { other.rep_ = nullptr; }
  Text& operator=(const Text& other) noexcept {
    retain(other.rep_);
    release(rep_);
    rep_ = other.rep_;
    return *this;
  }
  Text& operator=(Text&& other) noexcept {
    if (this != &other) {
      release(rep_);
      rep_ = other.rep_;
      other.rep_ = nullptr;
    }
    return *this;
  }
  ~Text() { release(rep_); }
  void clear() noexcept {
    release(rep_);
    rep_ = nullptr;
  }

  std::string_view view() const noexcept {
    return rep_ ? std::string_view(chars(rep_), rep_->size) : std::string_view();
  }
  operator std::string_view() const noexcept { return view(); }  // NOLINT: implicit on purpose
  operator std::string() const { return std::string(view()); }  // NOLINT: implicit on purpose
  std::string str() const { return std::string(view()); }
  const char* c_str() const noexcept { return rep_ ? chars(rep_) : ""; }
  const char* data() const noexcept { return c_str(); }

  std::size_t size() const noexcept { return rep_ ? rep_->size : 0; }
  bool empty() const noexcept { return rep_ == nullptr; }
  char front() const { return view().front(); }
  char back() const { return view().back(); }
  char operator[](std::size_t i) const { return view()[i]; }
  const char* begin() const noexcept { return c_str(); }
  const char* end() const noexcept { return c_str() + size(); }

  bool starts_with(std::string_view prefix) const noexcept { return view().starts_with(prefix); }
  bool ends_with(std::string_view suffix) const noexcept { return view().ends_with(suffix); }
  std::size_t find(std::string_view s, std::size_t pos = 0) const noexcept { return view().find(s, pos); }
  std::size_t find(char c, std::size_t pos = 0) const noexcept { return view().find(c, pos); }
  std::size_t rfind(char c, std::size_t pos = std::string_view::npos) const noexcept {
    return view().rfind(c, pos);
  }
  std::string substr(std::size_t pos, std::size_t n = std::string_view::npos) const {
    return std::string(view().substr(pos, n));
  }
  static constexpr std::size_t npos = std::string_view::npos;

  // Two Texts share a buffer (an interned or copied value): equality without reading it.
  bool shares_buffer_with(const Text& other) const noexcept { return rep_ == other.rep_; }

  friend bool operator==(const Text& a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    return a.view() == b;
  }
  friend bool operator==(const Text& a, const Text& b) noexcept {
    return a.rep_ == b.rep_ || a.view() == b.view();
  }
  friend std::strong_ordering operator<=>(const Text& a, std::string_view b) noexcept {
    return a.view().compare(b) <=> 0;
  }
  friend std::strong_ordering operator<=>(const Text& a, const Text& b) noexcept {
    return a.view().compare(b.view()) <=> 0;
  }
  // Disambiguate string-like operands that convert both to Text and to std::string_view.
  friend bool operator==(const Text& a, const char* b) noexcept { return a == std::string_view(b); }
  friend bool operator==(const Text& a, const std::string& b) noexcept { return a == std::string_view(b); }
  friend std::strong_ordering operator<=>(const Text& a, const char* b) noexcept {
    return a <=> std::string_view(b);
  }
  friend std::strong_ordering operator<=>(const Text& a, const std::string& b) noexcept {
    return a <=> std::string_view(b);
  }

  friend std::string operator+(const Text& a, std::string_view b) { return concat(a.view(), b); }
  friend std::string operator+(std::string_view a, const Text& b) { return concat(a, b.view()); }
  friend std::string operator+(const Text& a, const Text& b) { return concat(a.view(), b.view()); }
  friend std::string operator+(const Text& a, const char* b) { return concat(a.view(), b); }
  friend std::string operator+(const char* a, const Text& b) { return concat(a, b.view()); }
  friend std::string operator+(const Text& a, const std::string& b) { return concat(a.view(), b); }
  friend std::string operator+(const std::string& a, const Text& b) { return concat(a, b.view()); }
  friend std::string operator+(std::string&& a, const Text& b) { return std::move(a.append(b.view())); }
  friend std::string operator+(const Text& a, char b) { return concat(a.view(), std::string_view(&b, 1)); }

 private:
  friend class Interner;
  struct Rep {
    std::atomic<std::uint32_t> refs;
    std::uint32_t size;
    // `size` characters and a NUL follow the header in the same allocation.
  };
  static const char* chars(const Rep* rep) noexcept { return reinterpret_cast<const char*>(rep + 1); }
  static Rep* allocate(std::string_view value);
  static void retain(Rep* rep) noexcept {
    if (rep) rep->refs.fetch_add(1, std::memory_order_relaxed);
  }
  static void release(Rep* rep) noexcept;
  static std::string concat(std::string_view a, std::string_view b);
  explicit Text(Rep* adopted) noexcept : rep_(adopted) {}

  Rep* rep_ = nullptr;
};

std::ostream& operator<<(std::ostream& out, const Text& text);

// Shares one buffer among equal values. Thread-safe. The table keeps its own reference to each
// buffer; values nobody else holds any more are swept out when the table has doubled since the
// last sweep, so the table stays proportional to the values in use.
class Interner {
 public:
  Interner() = default;
  ~Interner();
  Interner(const Interner&) = delete;
  Interner& operator=(const Interner&) = delete;

  Text intern(std::string_view value);
  std::size_t size() const;  // distinct values held (including ones awaiting a sweep)
  void sweep();              // drops values only the table still holds

 private:
  void sweep_locked();
  void grow_locked();
  void rebuild_locked(std::size_t capacity, bool drop_unheld);
  void insert_locked(Text::Rep* rep);

  mutable std::mutex mu_;
  std::vector<Text::Rep*> slots_;  // open addressing, linear probing; null = free
  std::size_t used_ = 0;
  std::size_t sweep_at_ = 1024;
};

// While an InternScope lives, API decoding on this thread (api::decode, from_json) interns every
// string it reads into `interner`. Scopes nest; the innermost wins.
class InternScope {
 public:
  explicit InternScope(Interner& interner);
  ~InternScope();
  InternScope(const InternScope&) = delete;
  InternScope& operator=(const InternScope&) = delete;

  static Interner* active() noexcept;

 private:
  Interner* previous_;
};

// A Text for `value`, interned when an InternScope is active on this thread.
Text make_text(std::string_view value);

}  // namespace redraft::api

template <>
struct std::hash<redraft::api::Text> {
  std::size_t operator()(const redraft::api::Text& t) const noexcept {
    return std::hash<std::string_view>{}(t.view());
  }
};
