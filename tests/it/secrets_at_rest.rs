//! Secrets never reach the disk: after `add`, `reset-secret` and `import`, no
//! file in the data dir (the SQLite WAL and SHM included) holds a generated
//! secret, raw or encoded. The data dir is 0700 and every file in it 0600. A
//! reset makes the old secret fail at once and keeps the client ID.

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::Value;

use keyward::catalog::Catalog;
use keyward::model::{ClientId, ClientSecret, Region};
use keyward::registry::Registry;
use keyward::registry::embedded::{DB_FILE, EmbeddedStore};

const BIN: &str = env!("CARGO_BIN_EXE_keyward");

struct Env {
    dir: tempfile::TempDir,
    data_dir: PathBuf,
}

impl Env {
    fn new() -> Env {
        let dir = tempfile::tempdir().unwrap();
        let data_dir = dir.path().join("data");
        Env { dir, data_dir }
    }

    /// Data dir in a directory that does not exist yet.
    fn nested() -> Env {
        let dir = tempfile::tempdir().unwrap();
        let data_dir = dir.path().join("a/b/data");
        Env { dir, data_dir }
    }

    fn db(&self) -> PathBuf {
        self.data_dir.join(DB_FILE)
    }

    /// `keyward --data-dir D --config C ARGS`, run with umask 000 so that only
    /// Keyward's own choices make files private.
    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg("umask 000 && exec \"$@\"")
            .arg("sh")
            .arg(BIN)
            .arg("--data-dir")
            .arg(&self.data_dir)
            .arg("--config")
            .arg(self.dir.path().join("config/config.toml"))
            .args(args);
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("KEYWARD_") {
                cmd.env_remove(key);
            }
        }
        cmd.env("HOME", self.dir.path().join("home"));
        cmd
    }

    fn run(&self, args: &[&str], stdin: Option<&str>) -> Output {
        let mut child = self
            .command(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut input = child.stdin.take().unwrap();
        if let Some(text) = stdin {
            input.write_all(text.as_bytes()).unwrap();
        }
        drop(input);
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    fn ok(&self, args: &[&str]) -> String {
        String::from_utf8(self.run(args, None).stdout).unwrap()
    }

    fn json(&self, args: &[&str]) -> Value {
        serde_json::from_str(&self.ok(args)).unwrap()
    }

    fn open_store(&self) -> EmbeddedStore {
        EmbeddedStore::open(
            &self.data_dir,
            Arc::new(Catalog::builtin()),
            Duration::from_secs(900),
        )
        .unwrap()
    }
}

fn s<'a>(v: &'a Value, field: &str) -> &'a str {
    v[field]
        .as_str()
        .unwrap_or_else(|| panic!("'{field}' is a string in {v}"))
}

/// The value on the `  Client secret  ...` line of human output.
fn human_secret(out: &str) -> String {
    let secret = out
        .lines()
        .find_map(|l| l.trim_start().strip_prefix("Client secret"))
        .unwrap_or_else(|| panic!("no secret line in:\n{out}"))
        .trim()
        .to_owned();
    assert_eq!(secret.len(), 48, "{out}");
    secret
}

/// Every way a secret could sit in a file: raw, 16-character pieces of it, in
/// hex and in base64.
fn encodings(secret: &str) -> Vec<(String, Vec<u8>)> {
    let bytes = secret.as_bytes();
    let hex_lower: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let hex_upper = hex_lower.to_uppercase();
    let mut out = vec![
        ("raw".to_owned(), bytes.to_vec()),
        ("hex".to_owned(), hex_lower.into_bytes()),
        ("HEX".to_owned(), hex_upper.into_bytes()),
        (
            "base64".to_owned(),
            base64::engine::general_purpose::STANDARD
                .encode(bytes)
                .into_bytes(),
        ),
        (
            "base64url".to_owned(),
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .encode(bytes)
                .into_bytes(),
        ),
    ];
    for start in (0..bytes.len().saturating_sub(15)).step_by(16) {
        out.push((
            format!("raw[{start}..{}]", start + 16),
            bytes[start..start + 16].to_vec(),
        ));
    }
    out
}

/// Every file under `dir`, recursively.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files(&path));
        } else {
            out.push(path);
        }
    }
    out.sort();
    out
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Fails if any byte sequence of any file under `dir` is a secret in any
/// encoding. Returns the files' contents, concatenated, for further checks.
fn assert_no_secret_in(dir: &Path, secrets: &[String]) -> Vec<u8> {
    let mut all = Vec::new();
    for file in files(dir) {
        let bytes = std::fs::read(&file).unwrap();
        for secret in secrets {
            for (how, needle) in encodings(secret) {
                assert!(
                    !contains(&bytes, &needle),
                    "{} holds a generated secret ({how})",
                    file.display()
                );
            }
        }
        let name = file.file_name().unwrap().to_string_lossy();
        for secret in secrets {
            assert!(!name.contains(&secret[..16]), "a file name holds a secret");
        }
        all.extend(bytes);
    }
    all
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

/// The data dir is 0700, every directory in it 0700 and every file 0600.
fn assert_private(dir: &Path) {
    assert_eq!(mode(dir), 0o700, "{} is 0700", dir.display());
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            assert_private(&path);
        } else {
            assert_eq!(
                mode(&path),
                0o600,
                "{} is 0600, found {:o}",
                path.display(),
                mode(&path)
            );
        }
    }
}

/// A connection held open by the test keeps SQLite's -wal and -shm files on
/// disk after the Keyward process exits (the last connection to close would
/// checkpoint and remove them), so the test can see and scan them.
fn hold_open(db: &Path) -> rusqlite::Connection {
    let conn =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE)
            .unwrap();
    let n: i64 = conn
        .query_row("SELECT count(*) FROM applications", [], |r| r.get(0))
        .unwrap();
    assert!(n >= 0);
    conn
}

fn wal(db: &Path) -> PathBuf {
    PathBuf::from(format!("{}-wal", db.display()))
}

fn shm(db: &Path) -> PathBuf {
    PathBuf::from(format!("{}-shm", db.display()))
}

#[test]
fn no_file_in_the_data_dir_holds_a_secret() {
    let env = Env::new();
    env.ok(&["apps", "list"]);
    let conn = hold_open(&env.db());

    let mut secrets = Vec::new();
    let mut ids = Vec::new();
    let mut stderr = Vec::new();

    // add, JSON and human, both regions
    let a = env.json(&[
        "apps",
        "add",
        "--region",
        "us",
        "--name",
        "Alpha",
        "--scope",
        "forensics:account=write",
        "--json",
    ]);
    secrets.push(s(&a, "client_secret").to_owned());
    ids.push(s(&a, "client_id").to_owned());
    let b = env.json(&["apps", "add", "--region", "uk", "--name", "Beta", "--json"]);
    secrets.push(s(&b, "client_secret").to_owned());
    ids.push(s(&b, "client_id").to_owned());
    let human = env.ok(&["apps", "add", "--region", "us", "--name", "Gamma"]);
    secrets.push(human_secret(&human));

    // reset, JSON and human
    let r = env.json(&[
        "apps",
        "reset-secret",
        s(&a, "client_id"),
        "--yes",
        "--json",
    ]);
    secrets.push(s(&r, "client_secret").to_owned());
    let human = env.ok(&["apps", "reset-secret", s(&b, "client_id"), "--yes"]);
    secrets.push(human_secret(&human));

    // import, from a file and from standard input
    let file = env.dir.path().join("in.jsonl");
    std::fs::write(
        &file,
        "{\"client_name\": \"Delta\", \"scopes\": [{\"scope\": \"ess:account\", \"access\": \"read\"}]}\n{\"client_name\": \"Epsilon\"}\n",
    )
    .unwrap();
    let out = env.run(
        &["apps", "import", "--region", "us", file.to_str().unwrap()],
        None,
    );
    stderr.extend(out.stderr);
    let out2 = env.run(
        &["apps", "import", "--region", "uk", "-", "--json"],
        Some("{\"client_name\": \"Zeta\"}\n"),
    );
    stderr.extend(out2.stderr);
    for line in String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .chain(String::from_utf8(out2.stdout.clone()).unwrap().lines())
    {
        let v: Value = serde_json::from_str(line).unwrap();
        secrets.push(s(&v, "client_secret").to_owned());
        ids.push(s(&v, "client_id").to_owned());
    }
    assert_eq!(secrets.len(), 8);
    for secret in &secrets {
        assert!(secret.len() == 48 && secret.bytes().all(|b| b.is_ascii_alphanumeric()));
    }

    // While the test holds the database open, the WAL keeps every write.
    let wal_len = std::fs::metadata(wal(&env.db()))
        .map(|m| m.len())
        .expect("the -wal file is present while a connection is open");
    assert!(wal_len > 0, "the writes are in the WAL");
    assert!(shm(&env.db()).exists(), "the -shm file is present");
    let bytes = assert_no_secret_in(&env.data_dir, &secrets);
    // The scan reads the stored data: the (public) client IDs are in it.
    for id in &ids {
        assert!(contains(&bytes, id.as_bytes()), "the scan saw {id}");
    }
    assert_private(&env.data_dir);

    // After the last connection closes and SQLite checkpoints, still nothing.
    drop(conn);
    env.ok(&["apps", "list"]);
    let bytes = assert_no_secret_in(&env.data_dir, &secrets);
    for id in &ids {
        assert!(contains(&bytes, id.as_bytes()), "the scan saw {id}");
    }
    // Nor does a secret go to standard error.
    for secret in &secrets {
        assert!(!contains(&stderr, secret.as_bytes()), "a secret on stderr");
    }
}

#[test]
fn data_dir_is_0700_and_every_file_0600() {
    // A data dir whose parents do not exist yet, made under umask 000.
    let env = Env::nested();
    env.ok(&["apps", "add", "--region", "us", "--name", "First", "--json"]);
    assert_private(&env.data_dir);
    for name in [DB_FILE, "secret.key"] {
        assert_eq!(mode(&env.data_dir.join(name)), 0o600, "{name}");
    }

    // Keyward opens the database, then reads the applications to import from
    // standard input: once its -wal file exists, the test holds the database
    // open too, so the -wal and -shm files that Keyward made stay for a look.
    let mut child: Child = env
        .command(&["apps", "import", "--region", "uk", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while !wal(&env.db()).exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let keyward_made_wal = wal(&env.db()).exists();
    let conn = hold_open(&env.db());
    let mut stdin = child.stdin.take().unwrap();
    stdin
        .write_all(b"{\"client_name\": \"Second\"}\n{\"client_name\": \"Third\"}\n")
        .unwrap();
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    if !keyward_made_wal {
        eprintln!("note: keyward did not open the database before reading its input");
    }
    // And one more write while the test holds the database open.
    env.ok(&["apps", "add", "--region", "us", "--name", "Fourth"]);

    for f in [env.db(), wal(&env.db()), shm(&env.db())] {
        assert!(f.exists(), "{} is present", f.display());
        assert_eq!(mode(&f), 0o600, "{}", f.display());
    }
    assert_private(&env.data_dir);
    drop(conn);
    env.ok(&["apps", "list"]);
    assert_private(&env.data_dir);
}

impl Env {
    /// Runs `keyward ARGS` expecting it to fail; its standard error.
    fn refused(&self, args: &[&str]) -> String {
        let out = self.command(args).stdin(Stdio::null()).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(!out.status.success(), "{args:?} was not refused: {stderr}");
        stderr
    }
}

/// The refusal names the file, its mode and the `chmod` that fixes it, and the
/// mode is left as found: a quiet fix would hide that the keys were exposed.
fn assert_refused_with_hint(stderr: &str, path: &Path, found: u32, wanted: &str) {
    let shown = path.display().to_string();
    assert!(stderr.contains(&shown), "names {shown}: {stderr}");
    assert!(
        stderr.contains(&format!("mode {found:o}")),
        "says the mode {found:o}: {stderr}"
    );
    assert!(
        stderr.contains(&format!("chmod {wanted} {shown}")),
        "says the chmod: {stderr}"
    );
    assert_eq!(mode(path), found, "the mode is left as found");
}

#[test]
fn an_empty_open_data_dir_is_made_private() {
    // `mkdir` under a usual umask: nothing in it could have been exposed yet.
    let env = Env::new();
    std::fs::create_dir_all(&env.data_dir).unwrap();
    std::fs::set_permissions(&env.data_dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    env.ok(&["apps", "add", "--region", "us", "--name", "First"]);
    assert_private(&env.data_dir);
}

#[test]
fn an_exposed_data_dir_is_refused_not_silently_tightened() {
    let env = Env::new();
    env.ok(&["apps", "add", "--region", "us", "--name", "First"]);
    std::fs::set_permissions(&env.data_dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    for args in [
        &["apps", "add", "--region", "us", "--name", "First"][..],
        &["apps", "list"][..],
        &["serve", "--region", "us", "--listen", "127.0.0.1:0"][..],
        // The full-screen UI refuses before it takes the terminal.
        &[][..],
    ] {
        let stderr = env.refused(args);
        assert_refused_with_hint(&stderr, &env.data_dir, 0o755, "700");
    }
    // After the chmod it says to run, it works.
    std::fs::set_permissions(&env.data_dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    assert!(env.ok(&["apps", "list"]).contains("First"));
    assert_private(&env.data_dir);
}

#[test]
fn an_exposed_hashing_key_is_refused() {
    let env = Env::new();
    env.ok(&["apps", "add", "--region", "us", "--name", "First"]);
    let key = env.data_dir.join("secret.key");
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let stderr = env.refused(&["apps", "list"]);
    assert_refused_with_hint(&stderr, &key, 0o644, "600");
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    assert!(env.ok(&["apps", "list"]).contains("First"));
}

#[test]
fn an_exposed_signing_key_is_refused() {
    let env = Env::new();
    env.ok(&["apps", "add", "--region", "us", "--name", "First"]);
    let key = env.data_dir.join(keyward::oauth::keys::KEY_FILE);
    std::fs::write(&key, [7u8; 32]).unwrap();
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o604)).unwrap();
    let stderr = env.refused(&["serve", "--region", "us", "--listen", "127.0.0.1:0"]);
    assert_refused_with_hint(&stderr, &key, 0o604, "600");
    assert!(stderr.contains("sign tokens"), "says why: {stderr}");
}

#[tokio::test]
async fn reset_makes_the_old_secret_fail_at_once_and_keeps_the_id() {
    let env = Env::new();
    let app = env.json(&[
        "apps",
        "add",
        "--region",
        "us",
        "--name",
        "Payroll",
        "--scope",
        "ess:account=read",
        "--json",
    ]);
    let id = ClientId::parse(s(&app, "client_id")).unwrap();
    let first = ClientSecret::from_string(s(&app, "client_secret").to_owned());

    // A store opened before the reset, like a long-running server.
    let store = env.open_store();
    let us = store.registry(Region::new("us").unwrap());
    let uk = store.registry(Region::new("uk").unwrap());
    assert!(us.verify_secret(&id, &first).await.unwrap());
    assert!(
        !uk.verify_secret(&id, &first).await.unwrap(),
        "another region does not know the app"
    );
    let wrong = ClientSecret::from_string(format!("{}x", &first.expose()[..47]));
    assert!(!us.verify_secret(&id, &wrong).await.unwrap());

    let reset = env.json(&["apps", "reset-secret", id.as_str(), "--yes", "--json"]);
    assert_eq!(s(&reset, "client_id"), id.as_str(), "the client ID stays");
    let second = ClientSecret::from_string(s(&reset, "client_secret").to_owned());
    assert_ne!(first, second);
    assert!(
        !us.verify_secret(&id, &first).await.unwrap(),
        "old secret fails"
    );
    assert!(
        us.verify_secret(&id, &second).await.unwrap(),
        "new secret works"
    );
    assert_eq!(us.get(&id).await.unwrap().client_id, id);

    // A freshly opened store agrees.
    let fresh = env.open_store().registry(Region::new("us").unwrap());
    assert!(!fresh.verify_secret(&id, &first).await.unwrap());
    assert!(fresh.verify_secret(&id, &second).await.unwrap());

    // Once more, in human form.
    let human = env.ok(&["apps", "reset-secret", id.as_str(), "--yes"]);
    let third = ClientSecret::from_string(human_secret(&human));
    assert!(!us.verify_secret(&id, &second).await.unwrap());
    assert!(us.verify_secret(&id, &third).await.unwrap());
    let shown = env.json(&["apps", "show", id.as_str(), "--json"]);
    assert_eq!(s(&shown, "client_id"), id.as_str());
    assert!(shown.get("client_secret").is_none());

    // One app's secret does not open another.
    let other = env.json(&["apps", "add", "--region", "us", "--name", "Other", "--json"]);
    let other_id = ClientId::parse(s(&other, "client_id")).unwrap();
    assert!(!us.verify_secret(&other_id, &third).await.unwrap());
    assert!(
        !us.verify_secret(
            &id,
            &ClientSecret::from_string(s(&other, "client_secret").to_owned())
        )
        .await
        .unwrap()
    );

    // After a delete, nothing verifies.
    env.ok(&["apps", "delete", id.as_str(), "--yes"]);
    assert!(!us.verify_secret(&id, &third).await.unwrap());
}
