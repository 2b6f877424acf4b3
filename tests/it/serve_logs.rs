//! The log of the real `keyward serve` binary survives an attack: a flood of
//! failing credentials adds a bounded few lines that count it, a misconfigured
//! client still shows up with its first failure, and tokens are summarised
//! unless `--log-requests` asks for a line each. Logs go to a file, as they
//! would on a server; each server stops with SIGTERM before its log is read.

use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use serde_json::Value;

/// The flood: unique client IDs, each with a wrong secret.
const FLOOD: usize = 20_000;
/// The log must stay under this, whatever the flood.
const LOG_BOUND: u64 = 64 * 1024;

struct Serving {
    child: Child,
    url: String,
    /// `http://ADDR/metrics` with `--metrics-listen`.
    metrics: Option<String>,
    log: PathBuf,
}

impl Serving {
    /// `keyward serve` on a random port over `data`, with `config` as its
    /// config file and its standard error in a file.
    fn start(dir: &Path, config: &str, extra: &[&str]) -> Serving {
        let config_file = dir.join("config.toml");
        std::fs::write(&config_file, config).unwrap();
        let log = dir.join("serve.log");
        let out = dir.join("serve.out");
        let child = keyward(dir)
            .args(["serve", "--region", "us", "--listen", "127.0.0.1:0"])
            .args(extra)
            .stdout(std::fs::File::create(&out).unwrap())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        // Both lines come in one write.
        let (url, metrics) = loop {
            let text = std::fs::read_to_string(&out).unwrap();
            let said = |prefix: &str| {
                text.lines()
                    .find_map(|l| l.strip_prefix(prefix))
                    .map(str::to_owned)
            };
            if let Some(url) = said("listening on ") {
                break (url, said("metrics on "));
            }
            assert!(Instant::now() < deadline, "the server did not start");
            std::thread::sleep(Duration::from_millis(20));
        };
        Serving {
            child,
            url,
            metrics,
            log,
        }
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap()
    }

    /// SIGTERM, a clean exit, and the whole log.
    fn stop(mut self) -> String {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let exit = self.child.wait().unwrap();
        assert!(exit.success(), "{exit:?}");
        self.log_text()
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        // A failed test must not leave its server running.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn keyward(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_keyward"));
    c.env("KEYWARD_DATA_DIR", dir.join("data"))
        .env("KEYWARD_CONFIG", dir.join("config.toml"))
        .env_remove("RUST_LOG");
    c
}

/// A new application's client ID and secret.
fn app(dir: &Path, name: &str) -> (String, String) {
    let out = keyward(dir)
        .args(["apps", "add", "--region", "us", "--name", name, "--json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let field = |k: &str| v[k].as_str().unwrap().to_owned();
    (field("client_id"), field("client_secret"))
}

async fn token_status(http: &reqwest::Client, url: &str, id: &str, secret: &str) -> u16 {
    http.post(format!("{url}/oauth2/token"))
        .basic_auth(id, Some(secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// The sum of `name=N` over the lines that contain `marker`.
fn field_sum(log: &str, marker: &str, name: &str) -> u64 {
    log.lines()
        .filter(|l| l.contains(marker))
        .filter_map(|l| {
            let rest = &l[l.find(&format!(" {name}="))? + name.len() + 2..];
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            digits.parse::<u64>().ok()
        })
        .sum()
}

const SUMMARY: &str = "refused authentication in the last";

/// 20,000 failing requests with unique client IDs, over 8 keep-alive
/// connections, at a server that summarises every second: the log stays under
/// 64 KiB, and its summaries count every request.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_failing_credentials_leaves_a_small_log_that_counts_it() {
    let dir = tempfile::tempdir().unwrap();
    let server = Serving::start(dir.path(), "log_summary_seconds = 1\n", &[]);
    let http = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(300);
    let tasks: Vec<_> = (0..8)
        .map(|t| {
            let (http, url) = (http.clone(), server.url.clone());
            tokio::spawn(async move {
                let mut refused = 0;
                for i in (t..FLOOD).step_by(8) {
                    assert!(Instant::now() < deadline, "the flood took too long");
                    let status = token_status(&http, &url, &format!("flood-{i:05}"), "x").await;
                    assert!(matches!(status, 401 | 429), "{status}");
                    refused += 1;
                }
                refused
            })
        })
        .collect();
    let mut sent = 0;
    for t in tasks {
        sent += t.await.unwrap();
    }
    assert_eq!(sent, FLOOD);
    let log = server.stop();
    let size = log.len() as u64;
    assert!(
        size < LOG_BOUND,
        "{FLOOD} failing requests wrote {size} bytes of log"
    );
    // Every request is counted: the address limit (100) passes the first
    // ones to the store, which fail; the rest are throttled.
    let failed = field_sum(&log, SUMMARY, "failed");
    let throttled = field_sum(&log, SUMMARY, "throttled");
    assert_eq!(failed + throttled, FLOOD as u64, "{log}");
    // Up to one request per connection may pass the address check while the
    // 100th failure is being recorded.
    assert!((100..=108).contains(&failed), "{failed} failed: {log}");
    assert_eq!(field_sum(&log, "requests;", "requests"), FLOOD as u64);
    assert!(
        log.contains("top addresses: 127.0.0.1 ("),
        "the summary names the address: {log}"
    );
    assert!(
        log.contains("authentication throttled (address)"),
        "the moment the address started being throttled: {log}"
    );
    for line in log.lines().filter(|l| l.contains(SUMMARY)) {
        let named = line.split("top client IDs: ").nth(1).map_or(0, |rest| {
            rest.split(';').next().unwrap().split(", ").count()
        });
        assert!(named <= 5, "at most 5 client IDs named: {line}");
    }
}

/// A platform with a wrong secret shows up in the log with its first failure,
/// long before the first summary (10 s by default).
#[tokio::test]
async fn a_misconfigured_client_shows_up_with_its_first_failure() {
    let dir = tempfile::tempdir().unwrap();
    let (id, _secret) = app(dir.path(), "Misconfigured");
    let server = Serving::start(dir.path(), "", &[]);
    let http = reqwest::Client::new();
    assert_eq!(
        token_status(&http, &server.url, &id, "an-old-typo").await,
        401
    );
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let log = server.log_text();
        if log
            .lines()
            .any(|l| l.contains("client authentication failed") && l.contains(&id))
        {
            assert!(!log.contains(SUMMARY), "a line of its own, not the summary");
            break;
        }
        assert!(Instant::now() < deadline, "not in the log: {log}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let log = server.stop();
    assert!(log.contains(SUMMARY), "the summary when it stops: {log}");
    assert!(!log.contains("an-old-typo"), "never the secret");
}

/// Tokens issued are counted in the summary, with no line each; with
/// `--log-requests` each token and each request gets its line.
#[tokio::test]
async fn tokens_are_summarised_unless_each_is_asked_for() {
    const TOKENS: usize = 20;
    for (flags, lines_each) in [(&[][..], false), (&["--log-requests"][..], true)] {
        let dir = tempfile::tempdir().unwrap();
        let (id, secret) = app(dir.path(), "Busy");
        let server = Serving::start(dir.path(), "", flags);
        let http = reqwest::Client::new();
        for _ in 0..TOKENS {
            assert_eq!(token_status(&http, &server.url, &id, &secret).await, 200);
        }
        let log = server.stop();
        let count = |what: &str| log.lines().filter(|l| l.contains(what)).count();
        let expected = if lines_each { TOKENS } else { 0 };
        assert_eq!(count("token issued"), expected, "{flags:?}: {log}");
        assert_eq!(count("/oauth2/token"), expected, "{flags:?}: {log}");
        assert_eq!(
            field_sum(&log, "requests;", "tokens_issued"),
            TOKENS as u64,
            "{flags:?}: {log}"
        );
        assert!(log.contains("region us issued 20 tokens"), "{log}");
        assert!(!log.contains(&secret), "never the secret");
    }
}

/// `--log-format json`: every line of the log is one JSON object; each reply's
/// `X-Request-Id` is the `request_id` of its request's lines (with
/// `--log-requests`); a trusted proxy's own short ID is kept (the proxy comes
/// from the config file's `trusted_proxy`), an odd one is replaced; and no
/// secret or token reaches the log. The metrics port counts the same tokens.
#[allow(clippy::too_many_lines)] // One scenario, checked line by line.
#[tokio::test]
async fn json_lines_carry_the_request_id_of_the_reply_and_no_secret() {
    let dir = tempfile::tempdir().unwrap();
    let (id, secret) = app(dir.path(), "Shipped");
    let server = Serving::start(
        dir.path(),
        "trusted_proxy = [\"127.0.0.1/32\"]\n",
        &[
            "--log-format",
            "json",
            "--log-requests",
            "--metrics-listen",
            "127.0.0.1:0",
        ],
    );
    let http = reqwest::Client::new();
    let token = |proxy_id: Option<&str>, secret: &str| {
        let mut request = http
            .post(format!("{}/oauth2/token", server.url))
            .basic_auth(&id, Some(secret))
            .form(&[("grant_type", "client_credentials")]);
        if let Some(proxy_id) = proxy_id {
            request = request.header("x-request-id", proxy_id);
        }
        request.send()
    };
    let reply = token(None, &secret).await.unwrap();
    assert_eq!(reply.status(), 200);
    let issued_id = reply.headers()["x-request-id"].to_str().unwrap().to_owned();
    let body: Value = reply.json().await.unwrap();
    let access_token = body["access_token"].as_str().unwrap().to_owned();
    let reply = token(None, "not-the-secret").await.unwrap();
    assert_eq!(reply.status(), 401);
    let refused_id = reply.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert_ne!(issued_id, refused_id);
    let reply = token(Some("edge-7f3a9c"), &secret).await.unwrap();
    assert_eq!(
        reply.headers()["x-request-id"],
        "edge-7f3a9c",
        "the proxy's ID is kept"
    );
    let reply = token(Some("x\"}, {\"forged\": 1"), &secret).await.unwrap();
    let replaced = reply.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert!(
        replaced.len() == 16 && replaced.chars().all(|c| c.is_ascii_alphanumeric()),
        "an odd ID is replaced: {replaced}"
    );

    let scrape = http
        .get(server.metrics.clone().unwrap())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        scrape
            .lines()
            .any(|l| l == r#"keyward_tokens_issued_total{region="us"} 3"#),
        "{scrape}"
    );

    let log = server.stop();
    let lines: Vec<Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    assert!(lines.iter().all(Value::is_object), "{log}");
    let request_line = |request_id: &str| {
        lines
            .iter()
            .find(|l| l["message"] == "request" && l["request_id"] == request_id)
            .unwrap_or_else(|| panic!("no request line for {request_id}: {log}"))
    };
    let issued = request_line(&issued_id);
    assert_eq!(issued["path"], "/oauth2/token");
    assert_eq!(issued["status"], 200);
    assert_eq!(request_line(&refused_id)["status"], 401);
    assert_eq!(request_line("edge-7f3a9c")["status"], 200);
    assert_eq!(request_line(&replaced)["status"], 200);
    // Lines made inside the request carry its ID in their span.
    let token_line = lines
        .iter()
        .find(|l| l["message"] == "token issued" && l["span"]["request_id"] == issued_id.as_str())
        .unwrap_or_else(|| panic!("no token line for {issued_id}: {log}"));
    assert_eq!(token_line["client_id"], id.as_str());
    assert!(
        lines
            .iter()
            .any(|l| l["span"]["request_id"] == refused_id.as_str()
                && l["message"] == "client authentication refused"),
        "{log}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l["requests"] == 4 && l["tokens_issued"] == 3),
        "the summary, as JSON fields: {log}"
    );
    assert!(!log.contains("forged"), "{log}");
    // Never a secret, never a token (nor its signature).
    let signature = access_token.rsplit('.').next().unwrap();
    for leak in [secret.as_str(), "not-the-secret", &access_token, signature] {
        assert!(!log.contains(leak), "{leak} in the log: {log}");
    }
}

/// A `trusted_proxy` in the config that is not a CIDR stops the server at
/// start, naming the key and the value.
#[test]
fn a_bad_trusted_proxy_in_the_config_is_refused_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("config.toml"),
        "trusted_proxy = [\"10.0.0.0/8\", \"10.0.0.300\"]\n",
    )
    .unwrap();
    let out = keyward(dir.path())
        .args(["serve", "--region", "us", "--listen", "127.0.0.1:0"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        stderr.contains("trusted_proxy: '10.0.0.300' is not an address or a CIDR"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty(), "nothing was served");
}
