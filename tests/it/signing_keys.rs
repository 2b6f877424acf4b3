//! Token-signing keys in the store, shared and rotated (issue 13 item 3,
//! issue 16 item 2), on the embedded store and on PostgreSQL:
//! - a data dir's old key file becomes the region's first key, so tokens
//!   issued before the upgrade keep verifying; replicas starting together
//!   make one first key;
//! - `keyward keys rotate` in another process reaches running servers
//!   without a restart: the new key is in the JWKS first, and signs only
//!   from its `signs_from`; tokens signed before keep verifying (with
//!   ed25519-dalek and PyJWT's `PyJWKClient`) against the served JWKS;
//! - two `keyward serve` replicas on one database publish the same keys: a
//!   token from one verifies against the other's JWKS;
//! - no plaintext private key in the SQLite files or a database dump; a
//!   wrong `secret.key` is a clear error; a remote region is refused with
//!   advice; the JWKS and metadata carry a `max-age` that fits the delay.
//!
//! When a retired key leaves the JWKS (an hour after it retired) is tested
//! on the pure functions in `oauth::ring`, with explicit times.

use std::io::{BufRead, BufReader};
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::Value;

use crate::support::server::TestServer;

const BIN: &str = env!("CARGO_BIN_EXE_keyward");
/// How long a test waits for what must happen within a few seconds.
const PATIENCE: Duration = Duration::from_secs(30);

/// The seed of a data dir's old key file: bytes that cannot occur by chance.
fn old_seed() -> [u8; 32] {
    std::array::from_fn(|i| (i as u8).wrapping_mul(37).wrapping_add(11))
}

fn kid_of(seed: &[u8; 32]) -> String {
    keyward::oauth::SigningKeys::from_seed(seed)
        .unwrap()
        .kid()
        .to_owned()
}

/// A private data dir holding an old key file, as Keyward left it before
/// keys moved into the store.
fn data_dir_with_old_key(dir: &Path, seed: &[u8; 32]) {
    std::fs::DirBuilder::new()
        .mode(0o700)
        .recursive(true)
        .create(dir)
        .unwrap();
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    let file = dir.join(keyward::oauth::keys::KEY_FILE);
    std::fs::write(&file, seed).unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
}

/// Whether `bytes` holds `seed` raw, in hex or in base64.
fn holds_seed(bytes: &[u8], seed: &[u8; 32]) -> bool {
    let text = String::from_utf8_lossy(bytes).to_ascii_lowercase();
    let hex: String = seed.iter().map(|b| format!("{b:02x}")).collect();
    bytes.windows(32).any(|w| w == seed)
        || text.contains(&hex)
        || [STANDARD.encode(seed), URL_SAFE_NO_PAD.encode(seed)]
            .iter()
            .any(|b| String::from_utf8_lossy(bytes).contains(&b[..40]))
}

/// A token's header and claims.
fn parts(token: &str) -> (Value, Value) {
    let mut it = token.split('.');
    let mut json =
        || serde_json::from_slice(&URL_SAFE_NO_PAD.decode(it.next().unwrap()).unwrap()).unwrap();
    (json(), json())
}

fn kid(token: &str) -> String {
    parts(token).0["kid"].as_str().unwrap().to_owned()
}

/// The kid of the key in `jwks` that verifies `token`'s signature
/// (ed25519-dalek, independent of the service's crypto), if one does.
fn verifies(jwks: &Value, token: &str) -> Option<String> {
    use ed25519_dalek::Verifier as _;
    let (signed, sig) = token.rsplit_once('.')?;
    let sig: [u8; 64] = URL_SAFE_NO_PAD.decode(sig).ok()?.try_into().ok()?;
    let wanted = kid(token);
    let key = jwks["keys"]
        .as_array()?
        .iter()
        .find(|k| k["kid"] == wanted.as_str())?;
    assert_eq!(
        (&key["kty"], &key["crv"]),
        (&"OKP".into(), &"Ed25519".into())
    );
    let x: [u8; 32] = URL_SAFE_NO_PAD
        .decode(key["x"].as_str()?)
        .ok()?
        .try_into()
        .ok()?;
    ed25519_dalek::VerifyingKey::from_bytes(&x)
        .ok()?
        .verify(
            signed.as_bytes(),
            &ed25519_dalek::Signature::from_bytes(&sig),
        )
        .ok()?;
    Some(wanted)
}

/// The JWKS at `base`, and its `Cache-Control`.
async fn jwks(base: &str) -> (Value, String) {
    get_cached(&format!("{base}/.well-known/jwks.json")).await
}

async fn get_cached(url: &str) -> (Value, String) {
    let r = reqwest::get(url).await.unwrap();
    assert_eq!(r.status(), 200, "{url}");
    let cache = r
        .headers()
        .get("cache-control")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (r.json().await.unwrap(), cache)
}

fn kids(jwks: &Value) -> Vec<String> {
    jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap().to_owned())
        .collect()
}

async fn token(base: &str, id: &str, secret: &str) -> String {
    let r = reqwest::Client::new()
        .post(format!("{base}/oauth2/token"))
        .basic_auth(id, Some(secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json::<Value>().await.unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Polls `base`'s JWKS until it holds `kid` (a server picks up a rotation
/// by itself); fails the test after [`PATIENCE`].
async fn wait_published(base: &str, kid: &str) -> Value {
    let started = Instant::now();
    loop {
        let (set, _) = jwks(base).await;
        if kids(&set).iter().any(|k| k == kid) {
            return set;
        }
        assert!(
            started.elapsed() < PATIENCE,
            "{base} never published {kid}: {set}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Takes tokens from `base` until one is signed by `new_kid`, checking on
/// each that the key that signed it is the one the rotation says for its
/// `iat`: the old key before `signs_from`, the new one from then on. Every
/// token verifies against `verify_base`'s JWKS. Returns a token from before
/// and the first one from the new key.
async fn watch_the_switch(
    base: &str,
    verify_base: &str,
    (id, secret): (&str, &str),
    (old_kid, new_kid): (&str, &str),
    signs_from_ms: i64,
) -> (Option<String>, String) {
    let started = Instant::now();
    let mut before = None;
    loop {
        let t = token(base, id, secret).await;
        let iat = parts(&t).1["iat"].as_i64().unwrap();
        let expected = if iat * 1000 >= signs_from_ms {
            new_kid
        } else {
            old_kid
        };
        assert_eq!(
            kid(&t),
            expected,
            "iat {iat}, signs from {signs_from_ms} ms"
        );
        let (set, _) = jwks(verify_base).await;
        assert_eq!(verifies(&set, &t).as_deref(), Some(expected));
        if expected == new_kid {
            return (before, t);
        }
        before = Some(t);
        assert!(
            started.elapsed() < PATIENCE,
            "the new key never signed: {signs_from_ms}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// PyJWT's `PyJWKClient` verifies each token through `base`'s JWKS. Skipped
/// (and said) without `KEYWARD_INTEROP_PYTHON`, which scripts/test sets.
async fn python_verifies(base: &str, issuer: &str, tokens: &[&str]) {
    let Ok(python) = std::env::var("KEYWARD_INTEROP_PYTHON") else {
        eprintln!("PyJWT check skipped: KEYWARD_INTEROP_PYTHON is not set (scripts/test sets it)");
        return;
    };
    let script = r#"
import sys, jwt
base, issuer, tokens = sys.argv[1], sys.argv[2], sys.argv[3:]
client = jwt.PyJWKClient(base + "/.well-known/jwks.json", cache_jwk_set=False)
for token in tokens:
    key = client.get_signing_key_from_jwt(token)
    jwt.decode(token, key.key, algorithms=["EdDSA"], audience="keyward:us", issuer=issuer)
    print("verified", key.key_id)
"#;
    let out = tokio::process::Command::new(python)
        .arg("-c")
        .arg(script)
        .arg(base)
        .arg(issuer)
        .args(tokens)
        .env("NO_PROXY", "127.0.0.1")
        .env_remove("HTTP_PROXY")
        .env_remove("http_proxy")
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "PyJWT: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(stdout.matches("verified").count(), tokens.len(), "{stdout}");
}

fn ms(v: &Value) -> i64 {
    chrono::DateTime::parse_from_rfc3339(v.as_str().unwrap())
        .unwrap()
        .timestamp_millis()
}

fn rotate_args(delay: &str) -> Vec<&str> {
    vec![
        "keys",
        "rotate",
        "--region",
        "us",
        "--publish-delay",
        delay,
        "--yes",
        "--json",
    ]
}

#[allow(clippy::too_many_lines)] // One scenario whose steps build on each other.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn embedded_rotation_reaches_a_running_server_and_old_tokens_keep_verifying() {
    let seed = old_seed();
    let dir = tempfile::tempdir().unwrap();
    data_dir_with_old_key(dir.path(), &seed);
    let s = TestServer::start_in(dir).await;
    let app = s.app("App", &["ess:account=read"], false).await;
    let creds = (
        app.application.client_id.as_str(),
        app.reveal.secret.expose(),
    );

    // The old key file is the region's first key: tokens keep their kid.
    let old_kid = kid_of(&seed);
    let (set, cache) = jwks(&s.url).await;
    assert_eq!(kids(&set), std::slice::from_ref(&old_kid));
    let max_age = keyward::oauth::ring::cache_max_age(keyward::oauth::ring::DEFAULT_PUBLISH_DELAY);
    assert_eq!(cache, format!("public, max-age={}", max_age.as_secs()));
    let (_, meta_cache) = get_cached(&s.url("/.well-known/oauth-authorization-server")).await;
    assert_eq!(meta_cache, cache);
    let t0 = token(&s.url, creds.0, creds.1).await;
    assert_eq!(verifies(&set, &t0), Some(old_kid.clone()));
    let listed: Value =
        serde_json::from_slice(&s.keyward(&["keys", "list", "--region", "us", "--json"])).unwrap();
    assert_eq!(listed[0]["kid"], old_kid.as_str());
    assert_eq!(listed[0]["state"], "active");

    // Rotated by another process: the CLI on the same data dir.
    let rotated: Value = serde_json::from_slice(&s.keyward(&rotate_args("3s"))).unwrap();
    let new_kid = rotated["kid"].as_str().unwrap().to_owned();
    let signs_from = ms(&rotated["signs_from"]);
    assert_ne!(new_kid, old_kid);
    // A second rotation waits for the new key to sign.
    let out = Command::new(BIN)
        .args(rotate_args("3s"))
        .env("KEYWARD_DATA_DIR", s.dir.path())
        .env("KEYWARD_CONFIG", s.dir.path().join("none.toml"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!("{new_kid}, waiting to sign"))
            && err.contains("`keyward keys list --region us`"),
        "{err}"
    );

    // The running server publishes it, then signs with it from signs_from.
    let set = wait_published(&s.url, &new_kid).await;
    assert!(kids(&set).contains(&old_kid), "{set}");
    let (before, after) =
        watch_the_switch(&s.url, &s.url, creds, (&old_kid, &new_kid), signs_from).await;
    // Tokens signed before the rotation still verify through the JWKS.
    let (set, _) = jwks(&s.url).await;
    assert_eq!(kids(&set), [new_kid.clone(), old_kid.clone()]);
    assert_eq!(verifies(&set, &t0), Some(old_kid.clone()));
    let mut checked = vec![t0.as_str(), after.as_str()];
    if let Some(b) = &before {
        checked.push(b);
    }
    python_verifies(&s.url, &s.url, &checked).await;

    // The list says who signs, and until when the old key is published:
    // until every token it signed has expired (an hour, and a minute for
    // clocks).
    let listed: Value =
        serde_json::from_slice(&s.keyward(&["keys", "list", "--region", "us", "--json"])).unwrap();
    assert_eq!(listed[0]["kid"], new_kid.as_str());
    assert_eq!(listed[0]["state"], "active");
    assert_eq!(listed[1]["kid"], old_kid.as_str());
    assert_eq!(listed[1]["state"], "retired");
    assert_eq!(ms(&listed[1]["retired_at"]), signs_from);
    assert_eq!(
        ms(&listed[1]["published_until"]),
        signs_from + (3600 + 60) * 1000
    );
    let text = String::from_utf8(s.keyward(&["keys", "list", "--region", "us"])).unwrap();
    assert!(
        text.starts_with("KID") && text.contains("retired"),
        "{text}"
    );

    // The audit log has the rotation, with no client.
    let events = String::from_utf8(s.keyward(&[
        "audit",
        "--region",
        "us",
        "--action",
        "rotate_signing_key",
        "--json",
    ]))
    .unwrap();
    let event: Value = serde_json::from_str(events.lines().next().unwrap()).unwrap();
    assert_eq!(event["client_id"], Value::Null);
    assert_eq!(event["changes"]["signing_kid"]["after"], new_kid.as_str());

    // Nothing in the database files is the private key.
    let dir = s.stop_keeping_dir().await;
    for name in ["keyward.db", "keyward.db-wal"] {
        if let Ok(bytes) = std::fs::read(dir.path().join(name)) {
            assert!(!holds_seed(&bytes, &seed), "{name} holds the private key");
        }
    }
}

/// What an operator sets up for a replica: a private data dir with the
/// region's `secret.key` (and here the old key file, as a copied data dir
/// would hold).
fn replica_dir(root: &Path, name: &str, from: Option<&Path>) -> PathBuf {
    let dir = root.join(name);
    data_dir_with_old_key(&dir, &old_seed());
    if let Some(from) = from {
        std::fs::copy(from.join("secret.key"), dir.join("secret.key")).unwrap();
    }
    dir
}

struct Replicas {
    root: tempfile::TempDir,
    config: PathBuf,
    url: String,
    children: Vec<Child>,
}

impl Replicas {
    fn command(&self, data_dir: &Path, args: &[&str]) -> Command {
        let mut cmd = Command::new(BIN);
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("KEYWARD_") {
                cmd.env_remove(key);
            }
        }
        cmd.env("KEYWARD_DATA_DIR", data_dir)
            .env("KEYWARD_CONFIG", &self.config)
            .env("KEYWARD_IT_KEYS_URL", &self.url)
            .env("HOME", self.root.path().join("home"))
            .env_remove("RUST_LOG")
            .stdin(Stdio::null())
            .args(args);
        cmd
    }

    fn ok(&self, data_dir: &Path, args: &[&str]) -> Value {
        let out: Output = self.command(data_dir, args).output().unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }

    /// `keyward serve` on `data_dir`, not waited for.
    fn spawn(&mut self, data_dir: &Path) -> usize {
        let child = self
            .command(
                data_dir,
                &[
                    "serve",
                    "--region",
                    "us",
                    "--listen",
                    "127.0.0.1:0",
                    "--issuer",
                    "http://keyward.test",
                ],
            )
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        self.children.push(child);
        self.children.len() - 1
    }

    /// The base URL the `n`th server printed.
    fn url_of(&mut self, n: usize) -> String {
        let mut line = String::new();
        BufReader::new(self.children[n].stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        line.trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("serve printed {line:?}"))
            .to_owned()
    }
}

impl Drop for Replicas {
    fn drop(&mut self) {
        for c in &mut self.children {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

#[allow(clippy::too_many_lines)] // One scenario whose steps build on each other.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_replicas_share_keys_and_pick_up_a_rotation() {
    let root = tempfile::tempdir().unwrap();
    let config = root.path().join("config.toml");
    std::fs::write(
        &config,
        "[[region]]\nid = \"us\"\ndatabase_url_env = \"KEYWARD_IT_KEYS_URL\"\n",
    )
    .unwrap();
    let url = crate::support::postgres::fresh_database_url().await;
    let mut r = Replicas {
        root,
        config,
        url: url.clone(),
        children: Vec::new(),
    };
    let a_dir = replica_dir(r.root.path(), "a", None);
    let app = r.ok(
        &a_dir,
        &[
            "apps",
            "add",
            "--region",
            "us",
            "--name",
            "App",
            "--scope",
            "ess:account=read",
            "--json",
        ],
    );
    let creds = (
        app["client_id"].as_str().unwrap().to_owned(),
        app["client_secret"].as_str().unwrap().to_owned(),
    );
    let creds = (creds.0.as_str(), creds.1.as_str());
    let b_dir = replica_dir(r.root.path(), "b", Some(&a_dir));

    // Two replicas start together, both able to make the first key: one is
    // made, the data dirs' old key, and both publish it.
    let (a, b) = (r.spawn(&a_dir), r.spawn(&b_dir));
    let (a, b) = (r.url_of(a), r.url_of(b));
    let old_kid = kid_of(&old_seed());
    let (a_set, cache) = jwks(&a).await;
    let (b_set, _) = jwks(&b).await;
    assert_eq!(kids(&a_set), std::slice::from_ref(&old_kid));
    assert_eq!(a_set, b_set);
    assert!(cache.starts_with("public, max-age="), "{cache}");
    let rows = count_keys(&url).await;
    assert_eq!(rows, 1);

    // A token from replica A verifies against replica B's JWKS, and B's
    // introspection takes it.
    let t0 = token(&a, creds.0, creds.1).await;
    assert_eq!(verifies(&b_set, &t0), Some(old_kid.clone()));
    let introspected: Value = reqwest::Client::new()
        .post(format!("{b}/oauth2/introspect"))
        .basic_auth(creds.0, Some(creds.1))
        .form(&[("token", t0.as_str())])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(introspected["active"], true, "{introspected}");

    // Rotated from the command line on A's data dir: both running replicas
    // publish the new key, then sign with it from signs_from.
    let rotated = r.ok(&a_dir, &rotate_args("3s"));
    let new_kid = rotated["kid"].as_str().unwrap().to_owned();
    let signs_from = ms(&rotated["signs_from"]);
    wait_published(&a, &new_kid).await;
    wait_published(&b, &new_kid).await;
    let (_, after) = watch_the_switch(&b, &a, creds, (&old_kid, &new_kid), signs_from).await;
    let (a_set, _) = jwks(&a).await;
    let (b_set, _) = jwks(&b).await;
    assert_eq!(a_set, b_set);
    assert_eq!(verifies(&b_set, &t0), Some(old_kid.clone()));
    assert_eq!(verifies(&a_set, &after), Some(new_kid.clone()));
    python_verifies(&b, "http://keyward.test", &[&t0, &after]).await;
    let listed = r.ok(&b_dir, &["keys", "list", "--region", "us", "--json"]);
    let states: Vec<(&str, &str)> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|k| (k["kid"].as_str().unwrap(), k["state"].as_str().unwrap()))
        .collect();
    assert_eq!(
        states,
        [(new_kid.as_str(), "active"), (old_kid.as_str(), "retired")]
    );
    let events = r
        .command(
            &b_dir,
            &[
                "audit",
                "--region",
                "us",
                "--action",
                "rotate_signing_key",
                "--json",
            ],
        )
        .output()
        .unwrap();
    let event: Value =
        serde_json::from_slice(events.stdout.split(|b| *b == b'\n').next().unwrap()).unwrap();
    assert_eq!(event["client_id"], Value::Null);
    assert_eq!(event["changes"]["signing_kid"]["after"], new_kid.as_str());

    // The database holds no private key in the clear.
    let out = Command::new(crate::support::postgres::bin("pg_dump"))
        .arg("--dbname")
        .arg(&url)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("keyward.signing_keys"));
    assert!(
        !holds_seed(&out.stdout, &old_seed()),
        "the dump holds the key"
    );
}

async fn count_keys(url: &str) -> i64 {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    let task = tokio::spawn(connection);
    let n: i64 = client
        .query_one("SELECT count(*) FROM keyward.signing_keys", &[])
        .await
        .unwrap()
        .get(0);
    drop(client);
    let _ = task.await;
    n
}

/// A data dir whose `secret.key` is not the one its keys were sealed with:
/// every command that needs them says so in one line, never panics.
#[test]
fn a_wrong_secret_key_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let none = dir.path().join("none.toml");
    let run = |args: &[&str]| {
        Command::new(BIN)
            .args(args)
            .env("KEYWARD_DATA_DIR", &data)
            .env("KEYWARD_CONFIG", &none)
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    assert!(run(&["keys", "list", "--region", "us"]).status.success());
    // Off a terminal, a rotation needs --yes.
    let out = run(&["keys", "rotate", "--region", "us"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("without --yes"));
    let key = data.join("secret.key");
    std::fs::write(&key, [9u8; 32]).unwrap();
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    for args in [
        &["keys", "list", "--region", "us"][..],
        &["keys", "rotate", "--region", "us", "--yes"][..],
        &["serve", "--region", "us", "--listen", "127.0.0.1:0"][..],
    ] {
        let out = run(args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(
            err.contains("cannot be decrypted") && err.contains("secret.key"),
            "{args:?}: {err}"
        );
        assert!(!err.contains("panicked"), "{err}");
    }
}

/// A remote region's keys are on its server: the CLI says where to run it.
#[test]
fn a_remote_region_is_refused_with_advice() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        "[[region]]\nid = \"uk\"\nurl = \"http://127.0.0.1:9\"\nclient_id = \"abc\"\nclient_secret_env = \"KEYWARD_IT_UK_SECRET\"\n",
    )
    .unwrap();
    for args in [
        &["keys", "list", "--region", "uk"][..],
        &["keys", "rotate", "--region", "uk", "--yes"][..],
    ] {
        let out = Command::new(BIN)
            .args(args)
            .env("KEYWARD_DATA_DIR", dir.path().join("data"))
            .env("KEYWARD_CONFIG", &config)
            .env("KEYWARD_IT_UK_SECRET", "x")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(
            err.contains("on the server that serves it")
                && err.contains("`keyward keys ... --region uk`"),
            "{err}"
        );
    }
}
