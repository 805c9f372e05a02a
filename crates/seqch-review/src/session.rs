//! One `codex app-server` process driving one review over its stdio.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::protocol::{self, Request, TurnStatus};
use crate::{ReviewError, ReviewOptions};

/// How long an interrupted turn gets to say so before the bridge asks `thread/read`.
const AFTER_INTERRUPT: Duration = Duration::from_secs(10);

/// How the review's turn ended, and where its rollout is.
pub(crate) struct Outcome {
    pub thread: String,
    pub outer: String,
    pub status: &'static str,
    pub error: String,
    pub rollout: Option<String>,
}

struct Rpc {
    stdin: Option<ChildStdin>,
    messages: Receiver<Value>,
    next_id: u64,
    stderr: Arc<Mutex<VecDeque<String>>>,
}

/// What a message means for the review in progress.
enum Seen {
    Nothing,
    Ended(TurnStatus, String),
}

impl Rpc {
    fn write(&mut self, text: &str) -> Result<(), ReviewError> {
        let stdin = self.stdin.as_mut().ok_or_else(|| gone(&self.stderr))?;
        writeln!(stdin, "{text}")
            .and_then(|()| stdin.flush())
            .map_err(|_| gone(&self.stderr))
    }

    fn send(&mut self, r: Request) -> Result<u64, ReviewError> {
        let id = self.next_id;
        self.next_id += 1;
        let msg = json!({"id": id, "method": r.method, "params": r.params});
        self.write(&msg.to_string())?;
        Ok(id)
    }

    /// Answers a request the server sent (a message with both `id` and `method`).
    fn answer(&mut self, msg: &Value) -> Result<(), ReviewError> {
        let (Some(id), Some(method)) = (msg.get("id"), msg["method"].as_str()) else {
            return Ok(());
        };
        let reply = match protocol::answer(method) {
            Ok(result) => json!({"id": id, "result": result}),
            Err((code, message)) => json!({"id": id, "error": {"code": code, "message": message}}),
        };
        tracing::debug!("answered {method}: {reply}");
        self.write(&reply.to_string())
    }

    /// The next message before `deadline`; `Ok(None)` when the deadline passed.
    fn next(&mut self, deadline: Instant) -> Result<Option<Value>, ReviewError> {
        match self
            .messages
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
        {
            Ok(msg) => Ok(Some(msg)),
            Err(RecvTimeoutError::Timeout) => Ok(None),
            Err(RecvTimeoutError::Disconnected) => Err(gone(&self.stderr)),
        }
    }

    /// Sends `r` and waits for its result, handing every other message to `seen`.
    fn call<T: DeserializeOwned>(
        &mut self,
        r: Request,
        deadline: Instant,
        seen: &mut dyn FnMut(&mut Rpc, &Value) -> Result<Seen, ReviewError>,
    ) -> Result<T, ReviewError> {
        let method = r.method;
        let id = self.send(r)?;
        loop {
            let Some(msg) = self.next(deadline)? else {
                return Err(ReviewError::Protocol(format!(
                    "no answer to {method} in time"
                )));
            };
            if msg.get("method").is_none() && msg["id"].as_u64() == Some(id) {
                if let Some(e) = msg.get("error") {
                    return Err(ReviewError::Protocol(format!("{method}: {e}")));
                }
                return serde_json::from_value(msg["result"].clone()).map_err(|e| {
                    ReviewError::Protocol(format!("{method}: unexpected result: {e}"))
                });
            }
            seen(self, &msg)?;
        }
    }
}

/// The process went away: its last words.
fn gone(stderr: &Mutex<VecDeque<String>>) -> ReviewError {
    let tail: Vec<String> = stderr
        .lock()
        .map(|t| t.iter().cloned().collect())
        .unwrap_or_default();
    ReviewError::Protocol(format!(
        "codex app-server exited; its stderr ended with: {}",
        tail.join(" | ")
    ))
}

fn spawn(codex: &Path, o: &ReviewOptions) -> Result<(Child, Rpc), ReviewError> {
    let mut cmd = Command::new(codex);
    // Its own process group, so that stopping it stops what it started too (npm's `codex`
    // shim runs the real binary as a child and does not pass SIGKILL on).
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    cmd.arg("app-server");
    for c in &o.codex_config {
        cmd.args(["-c", c]);
    }
    let mut child = cmd
        .current_dir(&o.project)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|source| ReviewError::Io {
            context: format!("starting {} app-server", codex.display()),
            source,
        })?;
    let (tx, messages) = crossbeam_channel::unbounded();
    let stdout = child.stdout.take().expect("piped stdout");
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            match serde_json::from_str::<Value>(&line) {
                Ok(v) => {
                    if tx.send(v).is_err() {
                        break;
                    }
                }
                Err(e) => {
                    tracing::warn!("codex app-server wrote a line that is not JSON ({e}): {line}")
                }
            }
        }
    });
    let stderr = Arc::new(Mutex::new(VecDeque::new()));
    let tail = stderr.clone();
    let err = child.stderr.take().expect("piped stderr");
    std::thread::spawn(move || {
        for line in BufReader::new(err).lines().map_while(Result::ok) {
            tracing::debug!("codex: {line}");
            if let Ok(mut t) = tail.lock() {
                if t.len() == 5 {
                    t.pop_front();
                }
                t.push_back(line);
            }
        }
    });
    let stdin = child.stdin.take();
    Ok((
        child,
        Rpc {
            stdin,
            messages,
            next_id: 0,
            stderr,
        },
    ))
}

/// Runs the review in a fresh `codex app-server`, then stops it.
pub(crate) fn review(
    codex: &Path,
    o: &ReviewOptions,
    progress: &mut dyn FnMut(&str),
) -> Result<Outcome, ReviewError> {
    let (mut child, mut rpc) = spawn(codex, o)?;
    let result = drive(&mut rpc, o, progress);
    // Closing stdin ends the server (it finishes an unfinished rollout as interrupted).
    rpc.stdin = None;
    let stop_by = Instant::now() + Duration::from_secs(5);
    while Instant::now() < stop_by {
        if matches!(child.try_wait(), Ok(Some(_))) {
            return result;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    // SAFETY: kill(2) on the process group this function created; no memory is involved.
    unsafe { kill(-(child.id() as i32), SIGKILL) };
    let _ = child.wait();
    result
}

const SIGKILL: i32 = 9;

unsafe extern "C" {
    fn kill(pid: i32, sig: i32) -> i32;
}

fn drive(
    rpc: &mut Rpc,
    o: &ReviewOptions,
    progress: &mut dyn FnMut(&str),
) -> Result<Outcome, ReviewError> {
    let deadline = Instant::now() + o.timeout;
    let mut ignore = |rpc: &mut Rpc, msg: &Value| rpc.answer(msg).map(|()| Seen::Nothing);
    progress("starting codex app-server");
    let _: Value = rpc.call(protocol::initialize(), deadline, &mut ignore)?;
    rpc.write(protocol::INITIALIZED)?;
    let account: protocol::Account = rpc.call(protocol::account_read(), deadline, &mut ignore)?;
    if account.requires_openai_auth && account.account.is_none() {
        return Err(ReviewError::NotLoggedIn);
    }
    let cwd = o.project.to_string_lossy();
    let started: protocol::ThreadStarted =
        rpc.call(protocol::thread_start(&cwd), deadline, &mut ignore)?;
    let thread = started.thread.id;
    let rollout = started.thread.path;

    // The review/start result names the review's (outer) turn; what arrives before it can only
    // be about the thread, so it is answered or noted without an outer id.
    let mut early = Vec::new();
    let review: protocol::ReviewStarted = rpc.call(
        protocol::review_start(&thread, &o.target),
        deadline,
        &mut |rpc, msg| {
            if msg.get("id").is_some() {
                rpc.answer(msg)?;
            } else {
                early.push(msg.clone());
            }
            Ok(Seen::Nothing)
        },
    )?;
    let mut watch = Watch {
        outer: review.turn.id,
        ..Watch::default()
    };
    let mut ended = None;
    for msg in &early {
        if let Seen::Ended(status, error) = watch.see(rpc, msg, progress)? {
            ended = Some((status, error));
        }
    }
    while ended.is_none()
        && let Some(msg) = rpc.next(deadline)?
    {
        if let Seen::Ended(status, error) = watch.see(rpc, &msg, progress)? {
            ended = Some((status, error));
            break;
        }
    }
    let (status, error) = match ended {
        Some((status, error)) if error.is_empty() => (name(status), watch.last_error.clone()),
        Some((status, error)) => (name(status), error),
        None => {
            // The deadline: interrupt the reviewer's turn (the review's own id is refused).
            progress("timed out: interrupting");
            let turn = watch.inner.clone().unwrap_or_else(|| watch.outer.clone());
            rpc.send(protocol::turn_interrupt(&thread, &turn))?;
            let until = Instant::now() + AFTER_INTERRUPT;
            let mut confirmed = false;
            while let Some(msg) = rpc.next(until)? {
                if let Seen::Ended(..) = watch.see(rpc, &msg, progress)? {
                    confirmed = true;
                    break;
                }
            }
            if !confirmed {
                // No turn/completed: ask what the thread itself says about the review's turn.
                let read: Result<protocol::ThreadStarted, _> = rpc.call(
                    protocol::thread_read(&thread),
                    Instant::now() + AFTER_INTERRUPT,
                    &mut ignore,
                );
                if let Ok(t) = read
                    && let Some(turn) = t.thread.turns.iter().find(|t| t.id == watch.outer)
                    && turn.status == TurnStatus::Completed
                {
                    // It did end, unannounced: the rollout has its result.
                    let outer = watch.outer;
                    return Ok(Outcome {
                        thread,
                        outer,
                        status: "completed",
                        error: String::new(),
                        rollout,
                    });
                }
            }
            let why = format!("no result within {} s", o.timeout.as_secs());
            let error = if watch.last_error.is_empty() {
                why
            } else {
                format!("{why}; last error: {}", watch.last_error)
            };
            ("timed_out", error)
        }
    };
    let outer = watch.outer;
    Ok(Outcome {
        thread,
        outer,
        status,
        error,
        rollout,
    })
}

/// What the bridge follows of the review's turn.
#[derive(Default)]
struct Watch {
    /// The review's turn (`review/start`'s).
    outer: String,
    /// The reviewer's turn, which `turn/interrupt` needs.
    inner: Option<String>,
    /// The last error the server gave up on.
    last_error: String,
}

impl Watch {
    fn see(
        &mut self,
        rpc: &mut Rpc,
        msg: &Value,
        progress: &mut dyn FnMut(&str),
    ) -> Result<Seen, ReviewError> {
        let Some(method) = msg["method"].as_str() else {
            return Ok(Seen::Nothing);
        };
        if msg.get("id").is_some() {
            rpc.answer(msg)?;
            return Ok(Seen::Nothing);
        }
        let params = msg["params"].clone();
        match method {
            "turn/started" => {
                if let Ok(e) = serde_json::from_value::<protocol::TurnEvent>(params)
                    && e.turn.id != self.outer
                    && e.turn
                        .root_turn_id
                        .as_deref()
                        .is_none_or(|r| r == self.outer)
                {
                    self.inner = Some(e.turn.id);
                    progress("reviewing");
                }
            }
            "item/started" => {
                if let Ok(e) = serde_json::from_value::<protocol::ItemEvent>(params) {
                    progress(&e.item.kind);
                }
            }
            "error" => {
                if let Ok(e) = serde_json::from_value::<protocol::ErrorEvent>(params) {
                    progress(&e.error.message);
                    if !e.will_retry {
                        self.last_error = e.error.message;
                    }
                }
            }
            "turn/completed" => {
                if let Ok(e) = serde_json::from_value::<protocol::TurnEvent>(params)
                    && e.turn.id == self.outer
                {
                    let error = e.turn.error.map(|x| x.message).unwrap_or_default();
                    return Ok(Seen::Ended(e.turn.status, error));
                }
            }
            _ => {}
        }
        Ok(Seen::Nothing)
    }
}

fn name(status: TurnStatus) -> &'static str {
    match status {
        TurnStatus::Completed => "completed",
        TurnStatus::Interrupted => "interrupted",
        _ => "failed",
    }
}
