/* Hive's review: seq_ch_review runs a Codex review through codex app-server, synchronously,
 * and its JSON comes back in a caller's buffer: too small first (the size is reported and the
 * review is not run again), then fetched with seq_ch_last_review. Prints "REVIEW <json>".
 * Env: SEQCH_TEST_URL, SEQCH_TEST_PREFIX, SEQCH_TEST_SPOOL, SEQCH_TEST_REPO, SEQCH_TEST_CODEX
 * (and CODEX_HOME, SEQCH_STANDIN_API_KEY for codex itself). */
#include <seqch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static seq_ch_str str(const char *s) { return (seq_ch_str){(const uint8_t *)s, strlen(s)}; }
#define CHECK(cond) do { if (!(cond)) { fprintf(stderr, "failed: %s (line %d)\n", #cond, __LINE__); return 1; } } while (0)

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

  seq_ch_review_options o;
  memset(&o, 0, sizeof o);
  o.struct_size = sizeof o;
  o.target = SEQ_CH_REVIEW_UNCOMMITTED;
  o.project = str(getenv("SEQCH_TEST_REPO"));
  o.codex_bin = str(getenv("SEQCH_TEST_CODEX"));
  o.timeout_ms = 120000;
  char small[8];
  size_t need = 0;
  CHECK(seq_ch_review(w, &o, (uint8_t *)small, sizeof small, &need) == SEQ_CH_BUFFER_TOO_SMALL);
  CHECK(need > sizeof small);
  char *buf = malloc(need);
  size_t got = 0;
  CHECK(seq_ch_last_review((uint8_t *)buf, need, &got) == SEQ_CH_OK && got == need);
  printf("REVIEW %.*s\n", (int)got, buf);
  free(buf);

  /* Bad input, and a codex that is not there. */
  CHECK(seq_ch_review(NULL, &o, (uint8_t *)small, sizeof small, &need) == SEQ_CH_INVALID_ARGUMENT);
  seq_ch_review_options old = o;
  old.struct_size = 8;
  CHECK(seq_ch_review(w, &old, (uint8_t *)small, sizeof small, &need) == SEQ_CH_INVALID_ARGUMENT);
  seq_ch_review_options missing = o;
  missing.codex_bin = str("/nonexistent/codex");
  CHECK(seq_ch_review(w, &missing, (uint8_t *)small, sizeof small, &need) == SEQ_CH_ERROR);
  char msg[512];
  CHECK(seq_ch_last_error(msg, sizeof msg) > 0 && strstr(msg, "codex binary was not found"));

  CHECK(seq_ch_close(w, 30000) == SEQ_CH_OK);
  seq_ch_writer_destroy(w);
  return 0;
}
