// C++ RAII wrapper over libseqch's v2 C ABI (include/seqch.h).
//
//   seqch::Writer w;                       // from the SEQ_CH_* environment
//   w.push(seqch::Turn{...});              // throws nothing; returns the result code
//   w.flush(std::chrono::seconds(10));
#pragma once

#include <seqch.h>

#include <chrono>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>

namespace seqch {

inline seq_ch_str str(std::string_view s) { return seq_ch_str{reinterpret_cast<const uint8_t*>(s.data()), s.size()}; }

/// The last error message of this thread.
inline std::string last_error() {
  std::string msg(seq_ch_last_error(nullptr, 0), '\0');
  seq_ch_last_error(msg.data(), msg.size() + 1);
  return msg;
}

/// A writer, closed (everything sent or spooled) and freed when it goes out of scope.
class Writer {
 public:
  /// Opens a writer; an empty `url` takes SEQ_CH_URL and the rest of the environment.
  explicit Writer(std::string_view url = {}, std::string_view database_prefix = {}) {
    seq_ch_config cfg;
    std::memset(&cfg, 0, sizeof cfg);
    cfg.struct_size = sizeof cfg;
    cfg.url = str(url);
    cfg.database_prefix = str(database_prefix);
    if (seq_ch_open(&cfg, &w_) != SEQ_CH_OK) throw std::runtime_error("seq_ch_open: " + last_error());
  }
  ~Writer() {
    if (w_) {
      seq_ch_close(w_, 5000);
      seq_ch_writer_destroy(w_);
    }
  }
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;
  Writer(Writer&& o) noexcept : w_(o.w_) { o.w_ = nullptr; }

  /// SEQ_CH_OK, SEQ_CH_REFUSED_FULL, SEQ_CH_CLOSED or SEQ_CH_INVALID_ARGUMENT; never blocks.
  int32_t push(const seq_ch_turn& t) { return seq_ch_try_push_turn(w_, &t); }
  int32_t push(const seq_ch_tool_call& c) { return seq_ch_try_push_tool_call(w_, &c); }
  int32_t push(const seq_ch_session& s) { return seq_ch_try_push_session(w_, &s); }
  int32_t push(const seq_ch_rate_limit& r) { return seq_ch_try_push_rate_limit(w_, &r); }

  /// True when everything pushed so far is in ClickHouse, spooled or filed.
  bool flush(std::chrono::milliseconds timeout) { return seq_ch_flush_wait(w_, static_cast<uint32_t>(timeout.count())) == SEQ_CH_OK; }

  seq_ch_stats_t stats() const {
    seq_ch_stats_t s;
    std::memset(&s, 0, sizeof s);
    s.struct_size = sizeof s;
    seq_ch_stats(w_, &s);
    return s;
  }

  /// The context brief of `project` as JSON (see seq_ch_context_brief); throws on failure.
  std::string context_brief(std::string_view project, std::string_view tz = "UTC", uint32_t max_bytes = 0) const {
    return answer([&](uint8_t* b, size_t n, size_t* out) {
      return seq_ch_context_brief(w_, str(project), str(tz), max_bytes, b, n, out);
    });
  }

  /// The budget verdict as JSON (see seq_ch_budget); throws on failure.
  std::string budget(double daily_limit_usd = 0, double rate_limit_pct = 0, std::string_view tz = "UTC") const {
    return answer([&](uint8_t* b, size_t n, size_t* out) {
      return seq_ch_budget(w_, str(tz), daily_limit_usd, rate_limit_pct, b, n, out);
    });
  }

  seq_ch_writer* handle() const { return w_; }

 private:
  /// Calls `ask` with a buffer that grows to the size the library reports.
  template <class Ask>
  static std::string answer(Ask ask) {
    std::string out(16 * 1024, '\0');
    for (;;) {
      size_t need = 0;
      int32_t rc = ask(reinterpret_cast<uint8_t*>(out.data()), out.size(), &need);
      if (rc == SEQ_CH_OK) {
        out.resize(need);
        return out;
      }
      if (rc != SEQ_CH_BUFFER_TOO_SMALL) throw std::runtime_error(last_error());
      out.resize(need);
    }
  }

  seq_ch_writer* w_ = nullptr;
};

}  // namespace seqch
