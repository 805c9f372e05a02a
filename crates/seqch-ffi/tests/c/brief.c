/* The read side for Hive and seqd: seq_ch_context_brief and seq_ch_budget on rows this program
 * pushes, with the size-reporting buffer protocol and bad input. Prints one line
 * "BRIEF <json>" and one line "BUDGET <json>" for the Rust test to check.
 * Env: SEQCH_TEST_URL, SEQCH_TEST_PREFIX, SEQCH_TEST_SPOOL, SEQCH_TEST_FILES. */
#include <seqch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define S(lit) ((seq_ch_str){(const uint8_t *)(lit), sizeof(lit) - 1})
static seq_ch_str str(const char *s) { return (seq_ch_str){(const uint8_t *)s, strlen(s)}; }
#define CHECK(cond) do { if (!(cond)) { fprintf(stderr, "failed: %s (line %d)\n", #cond, __LINE__); return 1; } } while (0)

/* Asks for the size first, then for the answer; prints it after `label`. */
#define ASK(label, call_with) do { \
    size_t need = 0; \
    int32_t rc = call_with(NULL, 0, &need); \
    CHECK(rc == SEQ_CH_BUFFER_TOO_SMALL && need > 0); \
    char *buf = malloc(need); \
    size_t got = 0; \
    CHECK(call_with((uint8_t *)buf, need, &got) == SEQ_CH_OK && got == need); \
    printf("%s %.*s\n", label, (int)got, buf); \
    free(buf); \
  } while (0)

int main(void) {
  seq_ch_config cfg;
  memset(&cfg, 0, sizeof cfg);
  cfg.struct_size = sizeof cfg;
  cfg.mode = SEQ_CH_MODE_HTTP;
  cfg.url = str(getenv("SEQCH_TEST_URL"));
  cfg.database_prefix = str(getenv("SEQCH_TEST_PREFIX"));
  cfg.spool_dir = str(getenv("SEQCH_TEST_SPOOL"));
  seq_ch_writer *w = NULL;
  CHECK(seq_ch_open(&cfg, &w) == SEQ_CH_OK);

  uint64_t now = (uint64_t)time(NULL) * 1000;
  seq_ch_session s = {.ts_ms = now, .session_id = S("hive-c1"), .agent = S("claude"),
                      .model = S("claude-sonnet-4-5"), .project_path = S("/w/hive"), .git_branch = S("main"),
                      .dur_ms = 60000, .turns = 2, .tool_calls = 2, .failed_tool_calls = 1,
                      .total_input_tokens = 3000, .total_output_tokens = 200, .total_cost_usd = 0.75,
                      .first_ts_ms = now - 60000, .source = S("cli")};
  CHECK(seq_ch_try_push_session(w, &s) == SEQ_CH_OK);
  seq_ch_rate_limit rl = {.ts_ms = now - 500, .session_id = S("hive-x1"), .agent = S("codex"),
                          .limit_id = S("codex"), .window = S("primary"), .used_percent = 40.5,
                          .window_minutes = 300, .resets_at = now / 1000 + 3600, .plan_type = S("pro")};
  CHECK(seq_ch_try_push_rate_limit(w, &rl) == SEQ_CH_OK);
  seq_ch_turn t = {.ts_ms = now - 2000, .session_id = S("hive-c1"), .agent = S("claude"),
                   .model = S("claude-sonnet-4-5"), .input_tokens = 1000, .output_tokens = 100,
                   .cost_usd = 0.5, .turn_id = S("hive-m1"), .project_path = S("/w/hive")};
  CHECK(seq_ch_try_push_turn(w, &t) == SEQ_CH_OK);
  t.ts_ms = now - 1000, t.turn_index = 1, t.cost_usd = 0.25, t.turn_id = S("hive-m2");
  CHECK(seq_ch_try_push_turn(w, &t) == SEQ_CH_OK);
  seq_ch_tool_call c = {.ts_ms = now - 1500, .session_id = S("hive-c1"), .agent = S("claude"),
                        .tool_name = S("Edit"), .input_summary = S("/w/hive/src/main.rs"), .ok = 1,
                        .call_id = S("hive-t1"), .project_path = S("/w/hive")};
  CHECK(seq_ch_try_push_tool_call(w, &c) == SEQ_CH_OK);
  /* A failure whose input holds a secret: pushed as is, shown redacted. */
  c.ts_ms = now - 1200, c.tool_name = S("Bash"), c.ok = 0, c.call_id = S("hive-t2");
  c.input_summary = S("GITHUB_TOKEN=ghp_abcdefghijklmnopqrstuvwxyz0123 cargo build");
  CHECK(seq_ch_try_push_tool_call(w, &c) == SEQ_CH_OK);
  CHECK(seq_ch_flush_wait(w, 30000) == SEQ_CH_OK);

#define BRIEF(b, l, n) seq_ch_context_brief(w, S("/w/hive"), S("UTC"), 0, b, l, n)
#define BUDGET(b, l, n) seq_ch_budget(w, S(""), 0.5, 0, b, l, n)
  ASK("BRIEF", BRIEF);
  ASK("BUDGET", BUDGET);

  /* Bad input: NULL handle, NULL out_len, a NULL string with a length. */
  size_t n = 0;
  char small[4];
  CHECK(seq_ch_context_brief(NULL, S("/w/hive"), S(""), 0, (uint8_t *)small, sizeof small, &n) ==
        SEQ_CH_INVALID_ARGUMENT);
  CHECK(seq_ch_budget(w, S(""), 0, 0, (uint8_t *)small, sizeof small, NULL) == SEQ_CH_INVALID_ARGUMENT);
  CHECK(seq_ch_context_brief(w, (seq_ch_str){NULL, 3}, S(""), 0, (uint8_t *)small, sizeof small, &n) ==
        SEQ_CH_INVALID_ARGUMENT);
  /* An unknown time zone is an error with a message, not a crash. */
  CHECK(seq_ch_budget(w, S("Mars/Olympus"), 0, 0, (uint8_t *)small, sizeof small, &n) == SEQ_CH_ERROR);
  char msg[512];
  CHECK(seq_ch_last_error(msg, sizeof msg) > 0 && strstr(msg, "Mars/Olympus"));
  CHECK(seq_ch_close(w, 30000) == SEQ_CH_OK);
  seq_ch_writer_destroy(w);

  /* A writer without a server has nothing to ask. */
  seq_ch_config files = cfg;
  files.mode = SEQ_CH_MODE_FILE;
  files.file_dir = str(getenv("SEQCH_TEST_FILES"));
  CHECK(seq_ch_open(&files, &w) == SEQ_CH_OK);
  CHECK(seq_ch_budget(w, S(""), 0, 0, (uint8_t *)small, sizeof small, &n) == SEQ_CH_ERROR);
  CHECK(seq_ch_last_error(msg, sizeof msg) > 0 && strstr(msg, "no ClickHouse"));
  seq_ch_writer_destroy(w);
  return 0;
}
