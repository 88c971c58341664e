#include "api/text.hpp"

#include <cstring>
#include <limits>
#include <new>
#include <ostream>
#include <stdexcept>
#include <utility>

namespace redraft::api {

Text::Text(std::string_view value) : rep_(value.empty() ? nullptr : allocate(value)) {}

Text::Rep* Text::allocate(std::string_view value) {
  if (value.size() >= std::numeric_limits<std::uint32_t>::max()) {
    throw std::length_error("api::Text: value of " + std::to_string(value.size()) + " bytes is too long");
  }
  void* memory = ::operator new(sizeof(Rep) + value.size() + 1);
  Rep* rep = new (memory) Rep{{1}, static_cast<std::uint32_t>(value.size())};
  char* out = reinterpret_cast<char*>(rep + 1);
  std::memcpy(out, value.data(), value.size());
  out[value.size()] = '\0';
  return rep;
}

void Text::release(Rep* rep) noexcept {
  if (rep && rep->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    rep->~Rep();
    ::operator delete(rep);
  }
}

std::string Text::concat(std::string_view a, std::string_view b) {
  std::string out;
  out.reserve(a.size() + b.size());
  out.append(a).append(b);
  return out;
}

std::ostream& operator<<(std::ostream& out, const Text& text) { return out << text.view(); }

// ---- Interner ----

namespace {
std::size_t slot_of(std::string_view value, std::size_t capacity) {
  return std::hash<std::string_view>{}(value) & (capacity - 1);  // capacity is a power of two
}
}  // namespace

Interner::~Interner() {
  for (Text::Rep* rep : slots_) Text::release(rep);
}

Text Interner::intern(std::string_view value) {
  if (value.empty()) return Text();
  std::lock_guard lock(mu_);
  if (!slots_.empty()) {
    for (std::size_t i = slot_of(value, slots_.size());; i = (i + 1) & (slots_.size() - 1)) {
      Text::Rep* rep = slots_[i];
      if (!rep) break;
      if (rep->size == value.size() && std::memcmp(Text::chars(rep), value.data(), value.size()) == 0) {
        Text::retain(rep);
        return Text(rep);
      }
    }
  }
  if (used_ + 1 >= sweep_at_) sweep_locked();
  if ((used_ + 1) * 10 > slots_.size() * 7) grow_locked();  // keep the load factor <= 0.7
  Text::Rep* rep = Text::allocate(value);  // one reference for the table...
  insert_locked(rep);
  Text::retain(rep);  // ...and one for the caller
  return Text(rep);
}

std::size_t Interner::size() const {
  std::lock_guard lock(mu_);
  return used_;
}

void Interner::sweep() {
  std::lock_guard lock(mu_);
  sweep_locked();
}

void Interner::insert_locked(Text::Rep* rep) {
  const std::string_view value(Text::chars(rep), rep->size);
  std::size_t i = slot_of(value, slots_.size());
  while (slots_[i]) i = (i + 1) & (slots_.size() - 1);
  slots_[i] = rep;
  ++used_;
}

// Moves every entry into a fresh table of `capacity` slots (allocated before the old one is
// touched, so a bad_alloc leaves it intact). With `drop_unheld`, values only the table holds are
// released instead: a count of 1 means nobody else has a reference, and nobody can take one
// without the lock we hold, so this cannot race with intern(). Rebuilding instead of deleting in
// place keeps probe chains intact without tombstones.
void Interner::rebuild_locked(std::size_t capacity, bool drop_unheld) {
  std::vector<Text::Rep*> old = std::exchange(slots_, std::vector<Text::Rep*>(capacity, nullptr));
  used_ = 0;
  for (Text::Rep* rep : old) {
    if (!rep) continue;
    if (drop_unheld && rep->refs.load(std::memory_order_acquire) == 1) {
      Text::release(rep);
    } else {
      insert_locked(rep);
    }
  }
}

void Interner::grow_locked() { rebuild_locked(slots_.empty() ? 64 : slots_.size() * 2, false); }

void Interner::sweep_locked() {
  rebuild_locked(slots_.size(), true);
  sweep_at_ = std::max<std::size_t>(1024, used_ * 2);
}

// ---- InternScope ----

namespace {
thread_local Interner* active_interner = nullptr;
}

InternScope::InternScope(Interner& interner) : previous_(active_interner) {
  active_interner = &interner;
}

InternScope::~InternScope() { active_interner = previous_; }

Interner* InternScope::active() noexcept { return active_interner; }

Text make_text(std::string_view value) {
  Interner* interner = InternScope::active();
  return interner ? interner->intern(value) : Text(value);
}

}  // namespace redraft::api
