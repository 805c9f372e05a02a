//! `seqch-tail dashboard` rendered in headless Chromium (Debian's, driven by
//! `scripts/chromium.sh`): from known rows in the test server and from the logs offline. The
//! page must show every chart with exactly the values the rows imply (read from the marks' data
//! attributes in the DOM), log nothing to the console, and make no request; the screenshot is
//! kept in `target/test-artifacts`.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{database, here, seqch};

/// Renders `page` into `out` (dom.html, console-page.log, screenshot.png); `None` when there
/// is no Chromium here and this is not CI.
fn render(page: &Path, out: &Path) -> Option<String> {
    if !Path::new("/usr/bin/chromium").exists() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true but Chromium is missing: scripts/test.sh installs it"
        );
        eprintln!("skipped: no /usr/bin/chromium (scripts/chromium.sh install)");
        return None;
    }
    let status = Command::new("bash")
        .arg(here("../../scripts/chromium.sh"))
        .arg("render")
        .arg(page)
        .arg(out)
        .status()
        .expect("chromium.sh");
    assert!(status.success(), "chromium.sh render failed");
    let console = std::fs::read_to_string(out.join("console-page.log")).unwrap();
    assert_eq!(console, "", "the page logged to the console");
    let dom = std::fs::read_to_string(out.join("dom.html")).unwrap();
    assert!(dom.contains(r#"data-rendered="1""#), "not rendered");
    assert!(dom.contains(r#"data-errors="0""#), "panels failed");
    Some(dom)
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#9;", "\t")
        .replace("&amp;", "&")
}

/// The marks of one chart: (series, x) → value.
fn marks(dom: &str, chart: &str) -> BTreeMap<(String, String), f64> {
    let start = dom
        .find(&format!(r#"data-chart="{chart}""#))
        .unwrap_or_else(|| panic!("no chart {chart}"));
    let end = start + dom[start..].find("</figure>").unwrap();
    let mut out = BTreeMap::new();
    for tag in dom[start..end].split('<').skip(1) {
        let tag = tag.split('>').next().unwrap_or("");
        let attr = |name: &str| {
            let key = format!(" {name}=\"");
            tag.find(&key).map(|i| {
                let rest = &tag[i + key.len()..];
                unescape(&rest[..rest.find('"').unwrap()])
            })
        };
        if let (Some(series), Some(x), Some(value)) =
            (attr("data-series"), attr("data-x"), attr("data-value"))
        {
            out.insert((series, x), value.parse().unwrap());
        }
    }
    out
}

fn mark(m: &BTreeMap<(String, String), f64>, series: &str, x: &str) -> f64 {
    *m.get(&(series.to_owned(), x.to_owned()))
        .unwrap_or_else(|| panic!("no mark {series} at {x} in {m:?}"))
}

fn artifacts() -> PathBuf {
    let dir = here("../../target/test-artifacts");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn the_page_shows_exactly_what_the_rows_say() {
    let Some(url) = seqch_testkit::clickhouse_url() else {
        return;
    };
    let prefix = database(&url, "/w/app", &[]);
    let dir = std::env::temp_dir().join(&prefix);
    std::fs::create_dir_all(&dir).unwrap();
    let page = dir.join("dashboard.html");
    seqch(
        &url,
        &prefix,
        &[
            "dashboard",
            "--since",
            "2031-03-09",
            "--until",
            "2031-03-12",
            "--out",
            page.to_str().unwrap(),
        ],
    );
    let html = std::fs::read_to_string(&page).unwrap();
    assert_eq!(
        html.matches("://").count(),
        html.matches("http://www.w3.org/2000/svg").count(),
        "the page names no address but the SVG namespace"
    );
    let Some(dom) = render(&page, &dir.join("render")) else {
        return;
    };
    std::fs::copy(
        dir.join("render/screenshot.png"),
        artifacts().join("dashboard.png"),
    )
    .unwrap();

    let daily = marks(&dom, "daily-cost");
    assert_eq!(daily.len(), 4, "{daily:?}");
    assert_eq!(mark(&daily, "codex/gpt-5.3-codex", "2031-03-09"), 0.03125);
    assert_eq!(mark(&daily, "claude/claude-opus-4-6", "2031-03-10"), 0.875);
    assert_eq!(mark(&daily, "codex/gpt-5.3-codex", "2031-03-10"), 0.1875);
    assert_eq!(
        mark(&daily, "claude/claude-sonnet-4-5", "2031-03-11"),
        0.0625
    );

    let ratio = marks(&dom, "cache-ratio");
    assert_eq!(mark(&ratio, "claude", "2031-03-10"), 2100.0 / 3500.0);
    assert_eq!(mark(&ratio, "codex", "2031-03-10"), 8000.0 / 10000.0);
    assert_eq!(mark(&ratio, "codex", "2031-03-09"), 0.0);
    // Saved: cached tokens at the input price less the cache-read price, per model.
    let prices = seqch_parse::Prices::embedded();
    let saved = |model: &str, cached: f64| {
        let p = prices.get(model).unwrap();
        ((cached * (p.input - p.cache_read.unwrap()) / 1e6) * 1e6).round() / 1e6
    };
    let cache_saved = marks(&dom, "cache-saved");
    assert_eq!(
        mark(&cache_saved, "claude", "2031-03-10"),
        saved("claude-opus-4-6", 2100.0)
    );
    assert_eq!(
        mark(&cache_saved, "codex", "2031-03-10"),
        saved("gpt-5.3-codex", 8000.0)
    );

    let tools = marks(&dom, "tool-failures");
    assert_eq!(mark(&tools, "claude", "Bash"), 1.0 / 3.0 * 100.0);
    assert_eq!(mark(&tools, "codex", "exec_command"), 1.0 / 3.0 * 100.0);
    assert_eq!(mark(&tools, "claude", "Read"), 0.0);

    let failing = marks(&dom, "failing-inputs");
    assert_eq!(failing.len(), 2, "{failing:?}");
    assert_eq!(mark(&failing, "claude", "Bash\tcargo test"), 1.0);
    assert_eq!(mark(&failing, "codex", "exec_command\tcargo build"), 1.0);

    let projects = marks(&dom, "project-sessions");
    assert_eq!(mark(&projects, "codex", "/w/app"), 2.0);
    assert_eq!(mark(&projects, "claude", "/w/app"), 1.0);
    assert_eq!(mark(&projects, "claude", "/w/lib"), 1.0);

    let fill = marks(&dom, "context-fill");
    assert_eq!(fill.len(), 4, "{fill:?}");
    assert_eq!(mark(&fill, "claude", "c1"), 0.25);
    assert_eq!(mark(&fill, "codex", "x1"), 2.5);

    let limits = marks(&dom, "rate-limits");
    assert_eq!(limits.len(), 4, "{limits:?}");
    assert_eq!(
        mark(&limits, "codex/primary", "2031-03-10 10:20:00.000"),
        6.5
    );
    assert_eq!(
        mark(&limits, "codex/secondary", "2031-03-10 10:05:00.000"),
        10.0
    );

    let hours = marks(&dom, "coding-vs-ai");
    assert_eq!(mark(&hours, "coding", "2031-03-10 09:00:00"), 60.0);
    assert_eq!(mark(&hours, "coding", "2031-03-10 10:00:00"), 45.0);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn offline_the_page_comes_from_the_logs_with_the_summary_numbers() {
    let dir = std::env::temp_dir().join(seqch_testkit::unique_name("dash-offline"));
    std::fs::create_dir_all(&dir).unwrap();
    let page = dir.join("dashboard.html");
    let logs = here("../../examples/logs");
    let status = Command::new(env!("CARGO_BIN_EXE_seqch-tail"))
        .args([
            "dashboard",
            "--since",
            "2025-01-01",
            "--until",
            "2027-01-01",
        ])
        .arg("--claude-dir")
        .arg(logs.join("claude/projects"))
        .arg("--codex-dir")
        .arg(logs.join("codex/sessions"))
        .arg("--out")
        .arg(&page)
        .env("SEQCH_CONFIG", "/nonexistent/seqch.toml")
        .env_remove("SEQ_CH_URL")
        .status()
        .expect("dashboard");
    assert!(status.success());
    // No server configured: the logs, through the same aggregation as `summary`.
    let summary = Command::new(env!("CARGO_BIN_EXE_seqch-tail"))
        .args(["summary", "--json", "--since", "2025-01-01"])
        .arg("--claude-dir")
        .arg(logs.join("claude/projects"))
        .arg("--codex-dir")
        .arg(logs.join("codex/sessions"))
        .output()
        .expect("summary");
    let usage: Vec<serde_json::Value> = String::from_utf8_lossy(&summary.stdout)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|v| v["kind"] == "usage")
        .collect();
    assert!(usage.len() >= 4, "{usage:?}");
    let Some(dom) = render(&page, &dir.join("render")) else {
        return;
    };
    std::fs::copy(
        dir.join("render/screenshot.png"),
        artifacts().join("dashboard-offline.png"),
    )
    .unwrap();
    let daily = marks(&dom, "daily-cost");
    assert_eq!(daily.len(), usage.len());
    for u in &usage {
        let series = format!(
            "{}/{}",
            u["agent"].as_str().unwrap(),
            u["model"].as_str().unwrap()
        );
        let want = (u["cost_usd"].as_f64().unwrap() * 1e6).round() / 1e6;
        assert_eq!(mark(&daily, &series, u["day"].as_str().unwrap()), want);
    }
    let _ = std::fs::remove_dir_all(&dir);
}
