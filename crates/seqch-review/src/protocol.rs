//! The JSON-RPC messages the bridge exchanges with `codex app-server` (newline-delimited JSON
//! over stdio), as typed structs. Requests are built here and nowhere else, so the schema test
//! checks exactly what is sent; replies are read leniently: unknown fields are ignored and an
//! unknown enum value reads as `Other`.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// What to review (`review/start`'s `target`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Target {
    UncommittedChanges,
    BaseBranch {
        branch: String,
    },
    Commit {
        sha: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        title: Option<String>,
    },
    Custom {
        instructions: String,
    },
}

/// One request: its method and params.
pub(crate) struct Request {
    pub method: &'static str,
    pub params: Value,
}

pub(crate) fn initialize() -> Request {
    Request {
        method: "initialize",
        params: json!({"clientInfo": {
            "name": "seqch",
            "title": "seqch review bridge",
            "version": env!("CARGO_PKG_VERSION"),
        }}),
    }
}

pub(crate) fn account_read() -> Request {
    Request {
        method: "account/read",
        params: json!({"refreshToken": false}),
    }
}

/// A persisted thread (its rollout is written) that may read but never write or ask.
pub(crate) fn thread_start(cwd: &str) -> Request {
    Request {
        method: "thread/start",
        params: json!({
            "cwd": cwd,
            "approvalPolicy": "never",
            "sandbox": "read-only",
            "ephemeral": false,
            "serviceName": "seqch",
        }),
    }
}

pub(crate) fn review_start(thread: &str, target: &Target) -> Request {
    Request {
        method: "review/start",
        params: json!({"threadId": thread, "target": target}),
    }
}

pub(crate) fn turn_interrupt(thread: &str, turn: &str) -> Request {
    Request {
        method: "turn/interrupt",
        params: json!({"threadId": thread, "turnId": turn}),
    }
}

pub(crate) fn thread_read(thread: &str) -> Request {
    Request {
        method: "thread/read",
        params: json!({"threadId": thread, "includeTurns": true}),
    }
}

/// Every request the bridge can send for `target`, in order (for the schema test).
pub fn every_request(target: &Target) -> Vec<Value> {
    [
        initialize(),
        account_read(),
        thread_start("/repo"),
        review_start("thread", target),
        turn_interrupt("thread", "turn"),
        thread_read("thread"),
    ]
    .into_iter()
    .enumerate()
    .map(|(id, r)| json!({"id": id, "method": r.method, "params": r.params}))
    .collect()
}

/// The notification that ends the handshake.
pub const INITIALIZED: &str = r#"{"method":"initialized"}"#;

/// The answer to a request the server sends us: no approval is ever given, nothing is asked
/// of a user, so the review never stalls waiting for one.
pub fn answer(method: &str) -> Result<Value, (i64, &'static str)> {
    match method {
        "item/commandExecution/requestApproval" | "item/fileChange/requestApproval" => {
            Ok(json!({"decision": "decline"}))
        }
        "execCommandApproval" | "applyPatchApproval" => Ok(json!({"decision": {"denied": {
            "rejection": "the seqch review bridge is read-only and approves nothing"
        }}})),
        "item/permissions/requestApproval" => Ok(json!({"permissions": {}, "scope": "turn"})),
        "item/tool/requestUserInput" => Ok(json!({"answers": {}})),
        "mcpServer/elicitation/request" => Ok(json!({"action": "decline", "content": null})),
        "item/tool/call" => Ok(json!({"contentItems": [], "success": false})),
        _ => Err((-32601, "not supported by the seqch review bridge")),
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Account {
    #[serde(default)]
    pub account: Option<Value>,
    #[serde(default)]
    pub requires_openai_auth: bool,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ThreadStarted {
    pub thread: Thread,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Thread {
    pub id: String,
    #[serde(default)]
    pub path: Option<String>,
    #[serde(default)]
    pub turns: Vec<Turn>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Turn {
    pub id: String,
    #[serde(default)]
    pub root_turn_id: Option<String>,
    #[serde(default)]
    pub status: TurnStatus,
    #[serde(default)]
    pub error: Option<TurnError>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum TurnStatus {
    Completed,
    Interrupted,
    Failed,
    #[default]
    InProgress,
    #[serde(other)]
    Other,
}

#[derive(Debug, Deserialize)]
pub(crate) struct TurnError {
    #[serde(default)]
    pub message: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ReviewStarted {
    pub turn: Turn,
}

#[derive(Debug, Deserialize)]
pub(crate) struct TurnEvent {
    pub turn: Turn,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ItemEvent {
    pub item: Item,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Item {
    #[serde(rename = "type", default)]
    pub kind: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ErrorEvent {
    pub error: TurnError,
    #[serde(default)]
    pub will_retry: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_are_spelled_as_the_protocol_wants() {
        let t = |t: Target| serde_json::to_value(t).unwrap();
        assert_eq!(
            t(Target::UncommittedChanges),
            json!({"type": "uncommittedChanges"})
        );
        assert_eq!(
            t(Target::BaseBranch {
                branch: "main".into()
            }),
            json!({"type": "baseBranch", "branch": "main"})
        );
        assert_eq!(
            t(Target::Commit {
                sha: "abc".into(),
                title: None
            }),
            json!({"type": "commit", "sha": "abc"})
        );
    }

    #[test]
    fn unknown_statuses_and_fields_are_tolerated() {
        let turn: Turn =
            serde_json::from_value(json!({"id": "t", "status": "somethingNew", "extra": 1}))
                .unwrap();
        assert_eq!(turn.status, TurnStatus::Other);
    }
}
