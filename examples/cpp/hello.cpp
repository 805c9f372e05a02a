// The C++ wrapper: push three model calls, wait until they are in ClickHouse, and ask for the
// budget verdict a router would read.
//   c++ -std=c++17 hello.cpp -Iinclude -Ibindings/cpp -Ltarget/release -lseqch -o hello
#include <seqch.hpp>

#include <chrono>
#include <cstdio>
#include <string>

int main() {
  seqch::Writer w;  // SEQ_CH_URL and friends
  for (int i = 1; i <= 3; i++) {
    std::string id = "example-cpp-" + std::to_string(i);
    seq_ch_turn t{};
    t.ts_ms = 1930899600000ull + i;
    t.session_id = seqch::str(id);
    t.agent = seqch::str("codex");
    t.model = seqch::str("gpt-5.5");
    t.input_tokens = 2000;
    t.output_tokens = 20;
    t.turn_id = seqch::str(id);
    if (w.push(t) != SEQ_CH_OK) return 1;
  }
  bool ok = w.flush(std::chrono::seconds(10));
  std::printf("inserted %llu\n", static_cast<unsigned long long>(w.stats().inserted));
  std::printf("budget %s\n", w.budget(/*daily_limit_usd=*/20).c_str());
  return ok && w.stats().inserted == 3 ? 0 : 1;
}
