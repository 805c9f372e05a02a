//! A synthetic corpus of Claude Code and Codex logs with the shapes and size mix of real ones:
//! streaming assistant groups (partial lines, then a final one), tool calls with results from a
//! few bytes to hundreds of kilobytes, hook progress lines, Codex token_count pairs, function
//! calls and outputs. Deterministic for a seed.

use std::fmt::Write;

/// One generated log file.
pub struct LogFile {
    pub agent: seqch_parse::Agent,
    /// Path relative to the corpus root (`claude/projects/...` or `codex/sessions/...`).
    pub path: String,
    pub bytes: Vec<u8>,
}

/// xorshift64*: enough randomness for sizes and choices, with no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    /// A tool output size: mostly small, sometimes large (file reads), rarely huge (images).
    fn output_len(&mut self) -> usize {
        match self.below(100) {
            0 => 100_000 + self.below(300_000) as usize,
            1..=10 => 5_000 + self.below(40_000) as usize,
            _ => 50 + self.below(3_000) as usize,
        }
    }
}

const WORDS: &[&str] = &[
    "fn",
    "let",
    "src/main.rs",
    "cargo",
    "test",
    "ok",
    "error:",
    "use",
    "struct",
    "impl",
    "\\n",
    "\\\"x\\\"",
    "é",
    "→",
];

fn text(rng: &mut Rng, len: usize, out: &mut String) {
    while out.len() < len {
        out.push_str(WORDS[rng.below(WORDS.len() as u64) as usize]);
        out.push(' ');
    }
}

fn ts(ms: u64) -> String {
    let secs = ms / 1000;
    let (d, rem) = (secs / 86_400, secs % 86_400);
    // 2026-11-01 plus d days (November has 30).
    format!(
        "2026-11-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        1 + d % 30,
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        ms % 1000
    )
}

fn claude_session(rng: &mut Rng, n: u64, target: usize) -> LogFile {
    let session = format!(
        "{:08x}-0000-4000-8000-{:012x}",
        n,
        rng.next() & 0xffff_ffff_ffff
    );
    let mut out = String::with_capacity(target + 4096);
    let mut t = n * 3_600_000;
    let env = format!(
        r#""cwd":"/home/dev/project-{}","sessionId":"{session}","version":"2.1.39","gitBranch":"main","userType":"external","isSidechain":false"#,
        n % 7
    );
    let mut call = 0u64;
    while out.len() < target {
        t += 1000 + rng.below(20_000);
        let _ = writeln!(
            out,
            r#"{{"parentUuid":null,{env},"type":"user","message":{{"role":"user","content":"please fix the failing test in module {call}"}},"uuid":"u-{n}-{call}","timestamp":"{}"}}"#,
            ts(t)
        );
        for _ in 0..rng.below(3) {
            let _ = writeln!(
                out,
                r#"{{"parentUuid":"u-{n}-{call}",{env},"type":"progress","data":{{"type":"hook_progress","hookEvent":"PreToolUse","hookName":"PreToolUse:Bash","command":"echo hook"}},"toolUseID":"bash-progress-{call}","uuid":"p-{n}-{call}","timestamp":"{}"}}"#,
                ts(t)
            );
        }
        let (input, read, write) = (rng.below(10), 10_000 + rng.below(150_000), rng.below(5_000));
        let final_out = 20 + rng.below(2_000);
        let tool = ["Bash", "Read", "Edit", "Grep"][rng.below(4) as usize];
        let blocks = 2 + rng.below(3);
        for b in 0..blocks {
            let last = b + 1 == blocks;
            let output = if last { final_out } else { 1 + rng.below(20) };
            let stop = if last { r#""tool_use""# } else { "null" };
            let content = if last {
                format!(
                    r#"{{"type":"tool_use","id":"toolu_{n}_{call}","name":"{tool}","input":{{"command":"cargo test -p crate{call}","file_path":"src/lib{call}.rs"}}}}"#
                )
            } else {
                let mut s = String::new();
                let len = 100 + rng.below(1500) as usize;
                text(rng, len, &mut s);
                format!(r#"{{"type":"text","text":"{s}"}}"#)
            };
            t += 50;
            let _ = writeln!(
                out,
                r#"{{"parentUuid":"u-{n}-{call}",{env},"message":{{"model":"claude-opus-4-6","id":"msg_{n}_{call}","type":"message","role":"assistant","content":[{content}],"stop_reason":{stop},"stop_sequence":null,"usage":{{"input_tokens":{input},"cache_creation_input_tokens":{write},"cache_read_input_tokens":{read},"cache_creation":{{"ephemeral_5m_input_tokens":{write},"ephemeral_1h_input_tokens":0}},"output_tokens":{output},"service_tier":"standard"}}}},"requestId":"req_{n}_{call}","type":"assistant","uuid":"a-{n}-{call}-{b}","timestamp":"{}"}}"#,
                ts(t)
            );
        }
        t += 500 + rng.below(5_000);
        let mut result = String::new();
        let len = rng.output_len();
        text(rng, len, &mut result);
        let err = rng.below(20) == 0;
        let _ = writeln!(
            out,
            r#"{{"parentUuid":"a-{n}-{call}",{env},"type":"user","message":{{"role":"user","content":[{{"tool_use_id":"toolu_{n}_{call}","type":"tool_result","content":"{result}","is_error":{err}}}]}},"uuid":"r-{n}-{call}","timestamp":"{}","toolUseResult":{{"stdout":"{}","stderr":"","interrupted":false}}}}"#,
            ts(t),
            result.split(' ').take(30).collect::<Vec<_>>().join(" ")
        );
        call += 1;
    }
    LogFile {
        agent: seqch_parse::Agent::Claude,
        path: format!(
            "claude/projects/-home-dev-project-{}/{session}.jsonl",
            n % 7
        ),
        bytes: out.into_bytes(),
    }
}

fn codex_session(rng: &mut Rng, n: u64, target: usize) -> LogFile {
    let thread = format!(
        "019c{:04x}-0000-7000-8000-{:012x}",
        n & 0xffff,
        rng.next() & 0xffff_ffff_ffff
    );
    let mut out = String::with_capacity(target + 4096);
    let mut t = n * 3_600_000;
    let _ = writeln!(
        out,
        r#"{{"timestamp":"{}","type":"session_meta","payload":{{"id":"{thread}","timestamp":"{}","cwd":"/home/dev/project-{}","originator":"codex_cli_rs","cli_version":"0.125.0","source":"cli","model_provider":"openai","git":{{"branch":"main"}}}}}}"#,
        ts(t),
        ts(t),
        n % 7
    );
    let (mut input, mut cached, mut output, mut reasoning) = (0u64, 0u64, 0u64, 0u64);
    let mut call = 0u64;
    while out.len() < target {
        t += 1000 + rng.below(20_000);
        let _ = writeln!(
            out,
            r#"{{"timestamp":"{}","type":"turn_context","payload":{{"cwd":"/home/dev/project-{}","approval_policy":"on-request","sandbox_policy":{{"type":"workspace-write"}},"model":"gpt-5.3-codex","effort":"medium","summary":"auto"}}}}"#,
            ts(t),
            n % 7
        );
        let mut reason = String::new();
        let len = 50 + rng.below(400) as usize;
        text(rng, len, &mut reason);
        let _ = writeln!(
            out,
            r#"{{"timestamp":"{}","type":"response_item","payload":{{"type":"reasoning","summary":[{{"type":"summary_text","text":"{reason}"}}],"content":null,"encrypted_content":"gAAAAABo9{call}"}}}}"#,
            ts(t)
        );
        let _ = writeln!(
            out,
            r#"{{"timestamp":"{}","type":"response_item","payload":{{"type":"function_call","name":"shell_command","arguments":"{{\"command\":\"cargo test -p crate{call}\",\"workdir\":\"/home/dev\"}}","call_id":"call_{n}_{call}"}}}}"#,
            ts(t)
        );
        t += 200 + rng.below(10_000);
        let mut result = String::new();
        let len = rng.output_len();
        text(rng, len, &mut result);
        let code = u64::from(rng.below(15) == 0);
        let _ = writeln!(
            out,
            r#"{{"timestamp":"{}","type":"response_item","payload":{{"type":"function_call_output","call_id":"call_{n}_{call}","output":"Exit code: {code}\nWall time: 0.4 seconds\nOutput:\n{result}"}}}}"#,
            ts(t)
        );
        let (li, lc, lo, lr) = (
            10_000 + rng.below(100_000),
            rng.below(10_000),
            20 + rng.below(2_000),
            rng.below(500),
        );
        let lc = lc.min(li);
        let lr = lr.min(lo);
        let total = |i: u64, c: u64, o: u64, r: u64| {
            format!(
                r#"{{"input_tokens":{i},"cached_input_tokens":{c},"output_tokens":{o},"reasoning_output_tokens":{r},"total_tokens":{}}}"#,
                i + o
            )
        };
        let prev_total = total(input, cached, output, reasoning);
        // The stale copy that rate-limit headers triggered (0.40–0.130), then the real count.
        if call > 0 {
            let _ = writeln!(
                out,
                r#"{{"timestamp":"{}","type":"event_msg","payload":{{"type":"token_count","info":{{"total_token_usage":{prev_total},"last_token_usage":{prev_total},"model_context_window":258400}},"rate_limits":{{"primary":{{"used_percent":4.0,"window_minutes":300,"resets_at":1794900000}}}}}}}}"#,
                ts(t)
            );
        }
        input += li;
        cached += lc;
        output += lo;
        reasoning += lr;
        let _ = writeln!(
            out,
            r#"{{"timestamp":"{}","type":"event_msg","payload":{{"type":"token_count","info":{{"total_token_usage":{},"last_token_usage":{},"model_context_window":258400}},"rate_limits":{{"primary":{{"used_percent":4.0,"window_minutes":300,"resets_at":1794900000}}}}}}}}"#,
            ts(t),
            total(input, cached, output, reasoning),
            total(li, lc, lo, lr)
        );
        call += 1;
    }
    let d = 1 + (n * 3_600_000 / 86_400_000) % 30;
    LogFile {
        agent: seqch_parse::Agent::Codex,
        path: format!(
            "codex/sessions/2026/11/{d:02}/rollout-2026-11-{d:02}T00-00-00-{thread}.jsonl"
        ),
        bytes: out.into_bytes(),
    }
}

/// About `mb` megabytes of logs, two thirds Claude and one third Codex, in sessions of 0.1 to
/// 4 MB.
pub fn generate(mb: usize, seed: u64) -> Vec<LogFile> {
    let mut rng = Rng(seed.max(1));
    let mut files = Vec::new();
    let mut total = 0usize;
    let mut n = 0u64;
    while total < mb << 20 {
        let size = 100_000 + rng.below(4_000_000) as usize;
        let f = if n % 3 == 2 {
            codex_session(&mut rng, n, size)
        } else {
            claude_session(&mut rng, n, size)
        };
        total += f.bytes.len();
        files.push(f);
        n += 1;
    }
    files
}
