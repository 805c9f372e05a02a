/* The v2 surface and bad input: (ptr, len) strings, result codes, NULL handles and strings,
 * invalid UTF-8, a 10 MB string, flush_wait, stats, last_error, close.
 * Env: SEQCH_TEST_URL, SEQCH_TEST_PREFIX, SEQCH_TEST_SPOOL. */
#include <seqch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S(lit) ((seq_ch_str){(const uint8_t *)(lit), sizeof(lit) - 1})
static seq_ch_str str(const char *s) { return (seq_ch_str){(const uint8_t *)s, strlen(s)}; }
#define CHECK(cond) do { if (!(cond)) { fprintf(stderr, "failed: %s (line %d)\n", #cond, __LINE__); return 1; } } while (0)

int main(void) {
  CHECK(seq_ch_abi_version() == SEQ_CH_ABI_VERSION);
  seq_ch_config cfg;
  memset(&cfg, 0, sizeof cfg);
  cfg.struct_size = sizeof cfg;
  cfg.mode = SEQ_CH_MODE_HTTP;
  cfg.url = str(getenv("SEQCH_TEST_URL"));
  cfg.database_prefix = str(getenv("SEQCH_TEST_PREFIX"));
  cfg.spool_dir = str(getenv("SEQCH_TEST_SPOOL"));
  cfg.flush_interval_ms = 50;

  seq_ch_writer *w = NULL;
  seq_ch_config small = cfg;
  small.struct_size = 8;
  CHECK(seq_ch_open(&small, &w) == SEQ_CH_INVALID_ARGUMENT && w == NULL);
  char msg[256];
  CHECK(seq_ch_last_error(msg, sizeof msg) > 0 && strstr(msg, "struct_size"));
  CHECK(seq_ch_open(&cfg, &w) == SEQ_CH_OK && w != NULL);

  char id[32];
  for (int i = 0; i < 1000; i++) {
    snprintf(id, sizeof id, "v2-%d", i);
    seq_ch_turn t = {.ts_ms = 1930899600000ull + i, .session_id = S("v2-session"), .turn_index = (uint32_t)i,
                     .agent = S("codex"), .model = S("gpt-5.5"), .input_tokens = 2000, .output_tokens = 20,
                     .cached_tokens = 1500, .cost_usd = 0.01, .turn_id = str(id), .project_path = S("/w/app")};
    CHECK(seq_ch_try_push_turn(w, &t) == SEQ_CH_OK);
  }
  /* Invalid UTF-8 is repaired and counted; a NULL pointer with a length is refused. */
  seq_ch_turn bad = {.ts_ms = 1930899700000ull, .session_id = S("v2-session"), .agent = S("codex"),
                     .model = {(const uint8_t *)"\xff\xfe", 2}, .turn_id = S("v2-bad-utf8")};
  CHECK(seq_ch_try_push_turn(w, &bad) == SEQ_CH_OK);
  bad.model = (seq_ch_str){NULL, 5};
  CHECK(seq_ch_try_push_turn(w, &bad) == SEQ_CH_INVALID_ARGUMENT);
  CHECK(seq_ch_last_error(NULL, 0) > 0);
  CHECK(seq_ch_try_push_turn(NULL, &bad) == SEQ_CH_INVALID_ARGUMENT);
  CHECK(seq_ch_try_push_turn(w, NULL) == SEQ_CH_INVALID_ARGUMENT);
  /* A 10 MB string through a v1 push on the same handle is cut to 1 MiB and counted. */
  size_t big = 10u << 20;
  char *huge = malloc(big + 1);
  memset(huge, 'x', big);
  huge[big] = 0;
  seq_ch_push_agent_tool_call(w, 1930899800000ull, "v2-session", 0, "codex", "shell", huge, 1, 1, 1, 1);
  free(huge);

  CHECK(seq_ch_flush_wait(w, 30000) == SEQ_CH_OK);
  seq_ch_stats_t st;
  memset(&st, 0, sizeof st);
  st.struct_size = sizeof st;
  CHECK(seq_ch_stats(w, &st) == SEQ_CH_OK);
  printf("inserted=%llu invalid_utf8=%llu truncated=%llu null_handle_calls=%llu\n", (unsigned long long)st.inserted,
         (unsigned long long)st.invalid_utf8, (unsigned long long)st.truncated, (unsigned long long)st.null_handle_calls);
  CHECK(st.inserted == 1002 && st.invalid_utf8 == 1 && st.truncated == 1 && st.null_handle_calls >= 1);
  CHECK(seq_ch_close(w, 10000) == SEQ_CH_OK);
  CHECK(seq_ch_try_push_turn(w, &bad) == SEQ_CH_INVALID_ARGUMENT || seq_ch_try_push_turn(w, &bad) == SEQ_CH_CLOSED);
  bad.model = S("m");
  CHECK(seq_ch_try_push_turn(w, &bad) == SEQ_CH_CLOSED);
  seq_ch_writer_destroy(w);
  puts("ok");
  return 0;
}
