/* A process killed with rows in its spool, then started again: the spool is replayed once.
 * Phase "crash": the server (SEQCH_TEST_URL) is stopped; 1,000 calls are pushed, flush_wait
 * puts them in the spool, and the process SIGKILLs itself. Phase "replay": a new process on the
 * same spool with the server back up replays it; prints "replayed=N inserted=N".
 * Env: SEQCH_TEST_PHASE, SEQCH_TEST_URL, SEQCH_TEST_PREFIX, SEQCH_TEST_SPOOL. */
#include <seqch.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static seq_ch_str str(const char *s) { return (seq_ch_str){(const uint8_t *)s, strlen(s)}; }
#define S(lit) ((seq_ch_str){(const uint8_t *)(lit), sizeof(lit) - 1})
#define CHECK(cond) do { if (!(cond)) { fprintf(stderr, "failed: %s (line %d)\n", #cond, __LINE__); return 1; } } while (0)

int main(void) {
  int crash = strcmp(getenv("SEQCH_TEST_PHASE"), "crash") == 0;
  seq_ch_config cfg;
  memset(&cfg, 0, sizeof cfg);
  cfg.struct_size = sizeof cfg;
  cfg.mode = SEQ_CH_MODE_HTTP;
  cfg.url = str(getenv("SEQCH_TEST_URL"));
  cfg.database_prefix = str(getenv("SEQCH_TEST_PREFIX"));
  cfg.spool_dir = str(getenv("SEQCH_TEST_SPOOL"));
  cfg.flush_interval_ms = 50;
  seq_ch_writer *w = NULL;
  CHECK(seq_ch_open(&cfg, &w) == SEQ_CH_OK);
  seq_ch_stats_t st;
  memset(&st, 0, sizeof st);
  st.struct_size = sizeof st;
  if (crash) {
    char id[32];
    for (int i = 0; i < 1000; i++) {
      snprintf(id, sizeof id, "crash-%d", i);
      seq_ch_turn t = {.ts_ms = 1930899600000ull + i, .session_id = S("crash"), .turn_index = (uint32_t)i,
                       .agent = S("codex"), .model = S("gpt-5.5"), .input_tokens = 10, .turn_id = str(id)};
      CHECK(seq_ch_try_push_turn(w, &t) == SEQ_CH_OK);
    }
    CHECK(seq_ch_flush_wait(w, 30000) == SEQ_CH_OK);
    CHECK(seq_ch_stats(w, &st) == SEQ_CH_OK && st.spooled == 1000 && st.inserted == 0);
    fflush(stdout);
    kill(getpid(), SIGKILL);
    return 2; /* not reached */
  }
  /* The spool is replayed in the background from the start; wait until it is empty. */
  for (int i = 0; i < 600; i++) {
    CHECK(seq_ch_flush_wait(w, 30000) == SEQ_CH_OK);
    CHECK(seq_ch_stats(w, &st) == SEQ_CH_OK);
    if (st.spool_bytes == 0) break;
    usleep(100000);
  }
  CHECK(seq_ch_close(w, 30000) == SEQ_CH_OK);
  CHECK(seq_ch_stats(w, &st) == SEQ_CH_OK);
  printf("replayed=%llu inserted=%llu spool_bytes=%llu\n", (unsigned long long)st.replayed,
         (unsigned long long)st.inserted, (unsigned long long)st.spool_bytes);
  seq_ch_writer_destroy(w);
  return 0;
}
