/* Resolves every v1 symbol with dlsym through the exact v1 function-pointer types (as the Swift
 * callers do, unchecked), pushes 100 rows into each v1 table and waits for them to be inserted.
 * Env: LIBSEQCH (path of the library), SEQCH_TEST_PORT (HTTP port), SEQCH_TEST_DB (database of
 * mem_events/trace_events); the SEQ_CH_* variables configure the rest. */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct seq_ch_writer seq_ch_writer_t;
typedef struct { uint64_t push_calls, wake_count, flush_count, total_flush_us, max_flush_us, last_flush_us,
                 last_flush_rows, last_pending_rows, max_pending_rows, error_count, inserted_count; } perf_t;

typedef seq_ch_writer_t *(*create_fn)(const char *, uint16_t, const char *);
typedef void (*destroy_fn)(seq_ch_writer_t *);
typedef void (*flush_fn)(seq_ch_writer_t *);
typedef uint64_t (*count_fn)(const seq_ch_writer_t *);
typedef void (*perf_fn)(const seq_ch_writer_t *, perf_t *);
typedef void (*mem_fn)(seq_ch_writer_t *, uint64_t, uint64_t, uint8_t, const char *, const char *, const char *, const char *, const char *);
typedef void (*trace_fn)(seq_ch_writer_t *, int64_t, const char *, uint32_t, uint64_t, const char *, const char *, const char *, const char *, int64_t);
typedef void (*context_fn)(seq_ch_writer_t *, uint64_t, uint64_t, const char *, const char *, const char *, const char *, uint8_t);
typedef void (*superstep_fn)(seq_ch_writer_t *, uint64_t, const char *, const char *, uint32_t, uint32_t, uint32_t, uint32_t, uint64_t, uint8_t);
typedef void (*model_fn)(seq_ch_writer_t *, uint64_t, const char *, const char *, const char *, const char *, const char *, uint32_t, uint32_t, uint64_t, uint64_t, uint16_t, uint8_t, const char *);
typedef void (*hive_tool_fn)(seq_ch_writer_t *, uint64_t, const char *, const char *, const char *, const char *, const char *, uint64_t, uint8_t);
typedef void (*session_fn)(seq_ch_writer_t *, uint64_t, const char *, const char *, const char *, const char *, const char *, const char *, uint64_t, uint32_t, uint64_t, uint64_t, double);
typedef void (*turn_fn)(seq_ch_writer_t *, uint64_t, const char *, uint32_t, const char *, const char *, uint32_t, uint32_t, uint32_t, uint32_t, uint32_t, double, const char *, uint8_t, uint32_t, float);
typedef void (*agent_tool_fn)(seq_ch_writer_t *, uint64_t, const char *, uint32_t, const char *, const char *, const char *, uint32_t, uint8_t, uint32_t, uint32_t);

static void *lib;
static void *sym(const char *name) {
  void *p = dlsym(lib, name);
  if (!p) { fprintf(stderr, "missing symbol %s\n", name); exit(2); }
  return p;
}

int main(void) {
  lib = dlopen(getenv("LIBSEQCH"), RTLD_NOW);
  if (!lib) { fprintf(stderr, "dlopen: %s\n", dlerror()); return 2; }
  create_fn create = (create_fn)sym("seq_ch_writer_create");
  destroy_fn destroy = (destroy_fn)sym("seq_ch_writer_destroy");
  flush_fn flush = (flush_fn)sym("seq_ch_flush");
  count_fn errors = (count_fn)sym("seq_ch_error_count");
  count_fn inserted = (count_fn)sym("seq_ch_inserted_count");
  perf_fn perf = (perf_fn)sym("seq_ch_writer_perf_snapshot");
  mem_fn mem = (mem_fn)sym("seq_ch_push_mem_event");
  trace_fn trace = (trace_fn)sym("seq_ch_push_trace_event");
  context_fn context = (context_fn)sym("seq_ch_push_context");
  superstep_fn superstep = (superstep_fn)sym("seq_ch_push_superstep");
  model_fn model = (model_fn)sym("seq_ch_push_model_invocation");
  hive_tool_fn hive_tool = (hive_tool_fn)sym("seq_ch_push_tool_call");
  session_fn session = (session_fn)sym("seq_ch_push_agent_session");
  turn_fn turn = (turn_fn)sym("seq_ch_push_agent_turn");
  agent_tool_fn agent_tool = (agent_tool_fn)sym("seq_ch_push_agent_tool_call");

  /* A NULL handle is a no-op everywhere. */
  flush(NULL);
  turn(NULL, 1, "s", 0, "claude", "m", 1, 1, 0, 0, 0, 0.0, NULL, 0, 0, 0.0f);
  if (inserted(NULL) != 0 || errors(NULL) != 0) return 3;

  seq_ch_writer_t *w = create("127.0.0.1", (uint16_t)atoi(getenv("SEQCH_TEST_PORT")), getenv("SEQCH_TEST_DB"));
  if (!w) { fprintf(stderr, "create failed\n"); return 4; }
  const uint64_t t0 = 1930899600000ull; /* 2031-03-10, inside seq.context's 90-day TTL for years */
  char id[64];
  for (int i = 0; i < 100; i++) {
    snprintf(id, sizeof id, "id-%d", i);
    mem(w, t0 + i, 10, (uint8_t)(i % 2), "sess", id, "hash", "ctx.window", i % 2 ? "subject" : NULL);
    trace(w, (int64_t)(t0 + i) * 1000, "seqd", 42, 7, "info", "span", id, "message", 5);
    context(w, t0 + i * 1000, 1000, "Zed", "dev.zed.Zed", id, NULL, 0);
    superstep(w, t0 + i, "thread", "graph", 1, (uint32_t)i, 2, 3, 100, (uint8_t)(i % 4));
    model(w, t0 + i, "thread", "node", "graph", "anthropic", "claude-opus-4-6", 100, 10, 5000, 300, 1, 1, NULL);
    hive_tool(w, t0 + i, "thread", "node", "Bash", "{\"cmd\":\"ls\"}", "{}", 700, 1);
    session(w, t0 + i, id, "claude", "claude-opus-4-6", "/w/app", "main", "abc123", 60000, 3, 1000, 100, 0.25);
    turn(w, t0 + i, "sess", (uint32_t)i, "claude", "claude-opus-4-6", 1000, 100, 600, 0, 1500, 0.05, "end_turn", 0, 200000, 0.5f);
    agent_tool(w, t0 + i, "sess", (uint32_t)i, "claude", "Bash", "ls -la", 120, (uint8_t)(i % 10 != 0), 3, 42);
  }
  /* Two parallel calls of one tool in the same turn and millisecond: v1 has no call id, so
     only their inputs tell them apart. */
  agent_tool(w, t0 + 5000, "sess", 7, "claude", "Read", "/a", 5, 1, 1, 1);
  agent_tool(w, t0 + 5000, "sess", 7, "claude", "Read", "/b", 5, 1, 1, 1);
  flush(w); /* asynchronous in v1: the test waits on the counters */
  struct timespec nap = {0, 50 * 1000 * 1000};
  for (int waited = 0; inserted(w) < 902 && waited < 600; waited++) nanosleep(&nap, NULL);
  perf_t p;
  memset(&p, 0xff, sizeof p);
  perf(w, &p);
  printf("inserted=%llu errors=%llu push_calls=%llu perf_inserted=%llu\n", (unsigned long long)inserted(w),
         (unsigned long long)errors(w), (unsigned long long)p.push_calls, (unsigned long long)p.inserted_count);
  int ok = inserted(w) == 902 && errors(w) == 0 && p.push_calls == 902 && p.inserted_count == 902;
  destroy(w);
  destroy(NULL);
  return ok ? 0 : 1;
}
