//! The Grafana board (`examples/grafana/seqch.json`) runs the query files: every panel's SQL is
//! its file with the parameters replaced as `examples/grafana/README.md` says, and, with the
//! macros and variables filled in as the plugin does, it returns on the test server exactly
//! what `seqch-tail report` returns for the same window.

mod common;

use common::{database, here, seqch};
use seqch_writer::schema::Databases;

/// Query parameter → what the panel's SQL says instead (the README's table).
const PANEL_TEXT: [(&str, &str); 7] = [
    ("{since:DateTime64(3, 'UTC')}", "$__fromTime_ms"),
    ("{until:DateTime64(3, 'UTC')}", "$__toTime_ms"),
    ("{tz:String}", "${tz:sqlstring}"),
    ("{project:String}", "${project:sqlstring}"),
    ("{limit:UInt32}", "${limit}"),
    (
        "{coding_apps:Array(String)}",
        "[${coding_apps:singlequote}]",
    ),
    ("{ai_apps:Array(String)}", "[${ai_apps:singlequote}]"),
];

/// Panel text → what the plugin sends for the window 2031-03-09 … 2031-03-12 (UTC), all
/// projects, 20 rows, and `report`'s default app lists.
const EXPANDED: [(&str, &str); 7] = [
    ("$__fromTime_ms", "fromUnixTimestamp64Milli(1930780800000)"),
    ("$__toTime_ms", "fromUnixTimestamp64Milli(1931040000000)"),
    ("${tz:sqlstring}", "'UTC'"),
    ("${project:sqlstring}", "''"),
    ("${limit}", "20"),
    (
        "[${coding_apps:singlequote}]",
        "['Zed','Code','Cursor','Xcode','Terminal','iTerm2','Ghostty','WezTerm','kitty','Alacritty']",
    ),
    ("[${ai_apps:singlequote}]", "['Claude','ChatGPT','Codex']"),
];

fn replace_all(text: &str, table: &[(&str, &str)]) -> String {
    table
        .iter()
        .fold(text.to_owned(), |t, (from, to)| t.replace(from, to))
}

#[test]
fn every_panel_is_its_query_file_and_gives_the_report_numbers() {
    let board: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(here("../../examples/grafana/seqch.json")).unwrap(),
    )
    .unwrap();
    let panels: Vec<(String, String)> = board["panels"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| {
            let file = p["description"]
                .as_str()?
                .strip_prefix("Query: sql/queries/")?
                .split_once(". ")?
                .0
                .to_owned();
            Some((file, p["targets"][0]["rawSql"].as_str()?.to_owned()))
        })
        .collect();
    assert_eq!(panels.len(), 8, "every panel names its query file");
    for (file, sql) in &panels {
        let text = std::fs::read_to_string(here(&format!("../../sql/queries/{file}"))).unwrap();
        assert_eq!(
            &replace_all(&text, &PANEL_TEXT),
            sql,
            "the panel of {file} is not its query file"
        );
    }

    let Some(url) = seqch_testkit::clickhouse_url() else {
        return;
    };
    let prefix = database(&url, "/w/app", &[]);
    let dbs = Databases::prefixed(&prefix);
    let client = clickhouse::Client::default().with_url(&url);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut compared = 0;
    for (file, sql) in &panels {
        let sent = dbs.rewrite(&replace_all(sql, &EXPANDED)).into_owned();
        let grafana = rt
            .block_on(async {
                client
                    .query(&seqch_writer::schema::query_text(&sent))
                    .fetch_bytes("JSONEachRow")?
                    .collect()
                    .await
            })
            .unwrap_or_else(|e| panic!("{file} as Grafana sends it: {e}"));
        let name = file.trim_end_matches(".sql").replace('_', "-");
        let report = seqch(
            &url,
            &prefix,
            &[
                "report",
                &name,
                "--json",
                "--since",
                "2031-03-09",
                "--until",
                "2031-03-12",
                "--tz",
                "UTC",
                "--limit",
                "20",
            ],
        );
        assert!(!report.is_empty(), "{file}: the fixture gives rows");
        assert_eq!(
            String::from_utf8_lossy(&grafana),
            report,
            "{file}: Grafana's rows differ from `seqch-tail report {name}`"
        );
        compared += 1;
    }
    assert_eq!(compared, 8);
}
