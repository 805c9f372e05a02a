/* The smallest libseqch caller: open a writer from the environment (SEQ_CH_URL, ...), push
 * three model calls, wait until they are in ClickHouse, close.
 *   cc hello.c -Iinclude -Ltarget/release -lseqch -o hello && SEQ_CH_URL=http://127.0.0.1:8123 ./hello */
#include <seqch.h>
#include <stdio.h>
#include <string.h>

static seq_ch_str str(const char *s) { return (seq_ch_str){(const uint8_t *)s, strlen(s)}; }

int main(void) {
  seq_ch_config cfg;
  memset(&cfg, 0, sizeof cfg);
  cfg.struct_size = sizeof cfg; /* everything else from the SEQ_CH_* environment */
  seq_ch_writer *w = NULL;
  if (seq_ch_open(&cfg, &w) != SEQ_CH_OK) {
    char err[256];
    seq_ch_last_error(err, sizeof err);
    fprintf(stderr, "seq_ch_open: %s\n", err);
    return 1;
  }
  const char *ids[] = {"example-c-1", "example-c-2", "example-c-3"};
  for (int i = 0; i < 3; i++) {
    seq_ch_turn t = {.ts_ms = 1930899600000ull + i, .session_id = str(ids[i]), .agent = str("claude"),
                     .model = str("claude-opus-4-6"), .input_tokens = 1000, .output_tokens = 50, .turn_id = str(ids[i])};
    if (seq_ch_try_push_turn(w, &t) != SEQ_CH_OK) return 1;
  }
  int ok = seq_ch_flush_wait(w, 10000) == SEQ_CH_OK;
  seq_ch_stats_t st;
  memset(&st, 0, sizeof st);
  st.struct_size = sizeof st;
  seq_ch_stats(w, &st);
  printf("inserted %llu\n", (unsigned long long)st.inserted);
  seq_ch_close(w, 5000);
  seq_ch_writer_destroy(w);
  return ok && st.inserted == 3 ? 0 : 1;
}
