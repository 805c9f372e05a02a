//! Protocol drift: the schema the real `codex app-server generate-json-schema` writes accepts
//! every request the bridge sends, for every kind of target.

use seqch_review::Target;
use seqch_review::protocol::{INITIALIZED, answer, every_request};

fn load(dir: &std::path::Path, name: &str) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join(name)).unwrap()).unwrap()
}

#[test]
fn every_request_validates_against_the_generated_schema() {
    let Some(codex) = seqch_testkit::codex_bin() else {
        return;
    };
    let dir = std::env::temp_dir().join(seqch_testkit::unique_name("codex-schema"));
    let status = std::process::Command::new(&codex)
        .args(["app-server", "generate-json-schema", "--out"])
        .arg(&dir)
        .env("CODEX_HOME", dir.join("home"))
        .stderr(std::process::Stdio::null())
        .status()
        .expect("codex");
    assert!(status.success());
    let requests = jsonschema::validator_for(&load(&dir, "ClientRequest.json")).unwrap();
    let notifications = jsonschema::validator_for(&load(&dir, "ClientNotification.json")).unwrap();
    let initialized: serde_json::Value = serde_json::from_str(INITIALIZED).unwrap();
    assert!(notifications.is_valid(&initialized), "{INITIALIZED}");
    let targets = [
        Target::UncommittedChanges,
        Target::BaseBranch {
            branch: "main".into(),
        },
        Target::Commit {
            sha: "1a2b3c4".into(),
            title: Some("Add coupon codes".into()),
        },
        Target::Commit {
            sha: "1a2b3c4".into(),
            title: None,
        },
        Target::Custom {
            instructions: "look at the parser".into(),
        },
    ];
    let mut checked = 0;
    for target in &targets {
        for request in every_request(target) {
            let errors: Vec<String> = requests
                .iter_errors(&request)
                .map(|e| e.to_string())
                .collect();
            assert!(errors.is_empty(), "{request} does not validate: {errors:?}");
            checked += 1;
        }
    }
    assert_eq!(checked, 30);
    // Every request the server can send gets an answer its schema accepts, except the two a
    // bridge cannot honour (ChatGPT token refresh, attestation), which get a JSON-RPC error.
    let server = load(&dir, "ServerRequest.json");
    let mut answered = 0;
    for variant in server["oneOf"].as_array().unwrap() {
        let method = variant["properties"]["method"]["enum"][0].as_str().unwrap();
        let params = variant["properties"]["params"]["$ref"].as_str().unwrap();
        let response = params
            .trim_start_matches("#/definitions/")
            .replace("Params", "Response");
        match answer(method) {
            Ok(result) => {
                let schema =
                    jsonschema::validator_for(&load(&dir, &format!("{response}.json"))).unwrap();
                let errors: Vec<String> =
                    schema.iter_errors(&result).map(|e| e.to_string()).collect();
                assert!(
                    errors.is_empty(),
                    "{method}: {result} does not validate: {errors:?}"
                );
                answered += 1;
            }
            Err(_) => assert!(
                ["account/chatgptAuthTokens/refresh", "attestation/generate"].contains(&method),
                "{method} is not answered"
            ),
        }
    }
    assert_eq!(answered, 8);

    // A request the schema does not allow is refused: the check can fail.
    let bogus = serde_json::json!({"id": 1, "method": "review/start", "params": {"threadId": "t"}});
    assert!(!requests.is_valid(&bogus));
    let _ = std::fs::remove_dir_all(&dir);
}
