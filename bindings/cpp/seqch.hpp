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

  /// True when everything pushed so far is in ClickHouse, spooled or filed.
  bool flush(std::chrono::milliseconds timeout) { return seq_ch_flush_wait(w_, static_cast<uint32_t>(timeout.count())) == SEQ_CH_OK; }

  seq_ch_stats_t stats() const {
    seq_ch_stats_t s;
    std::memset(&s, 0, sizeof s);
    s.struct_size = sizeof s;
    seq_ch_stats(w_, &s);
    return s;
  }

  seq_ch_writer* handle() const { return w_; }

 private:
  seq_ch_writer* w_ = nullptr;
};

}  // namespace seqch
