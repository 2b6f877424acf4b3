//! A PostgreSQL region run through the real binary: a data dir and a config
//! whose region `us` reads its URL from an environment variable, and
//! replicas (more data dirs holding the same `secret.key`) serving it.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_keyward");
/// The variable the config names for the URL.
const URL_VAR: &str = "KEYWARD_IT_US_DATABASE_URL";

pub struct PgRegion {
    pub dir: tempfile::TempDir,
    pub data_dir: PathBuf,
    pub config: PathBuf,
    pub url: String,
}

impl PgRegion {
    pub fn new(url: String) -> PgRegion {
        let dir = tempfile::tempdir().unwrap();
        let data_dir = dir.path().join("data");
        let config = dir.path().join("config.toml");
        std::fs::write(
            &config,
            format!("[[region]]\nid = \"us\"\ndatabase_url_env = \"{URL_VAR}\"\n"),
        )
        .unwrap();
        PgRegion {
            dir,
            data_dir,
            config,
            url,
        }
    }

    /// The data dir of replica `n` (from 1): its own directory holding this
    /// data dir's `secret.key`, as an operator copies it. The data dir must
    /// exist (any command has made it).
    pub fn replica_data_dir(&self, n: usize) -> PathBuf {
        use std::os::unix::fs::DirBuilderExt;
        let to = self.dir.path().join(format!("replica-{n}"));
        if !to.exists() {
            std::fs::DirBuilder::new().mode(0o700).create(&to).unwrap();
            std::fs::copy(self.data_dir.join("secret.key"), to.join("secret.key")).unwrap();
        }
        to
    }

    /// A region `us` in a new database of the test cluster.
    pub async fn fresh() -> PgRegion {
        PgRegion::new(crate::support::postgres::fresh_database_url().await)
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(BIN);
        self.environment(&mut cmd);
        cmd.args(args);
        cmd
    }

    /// The environment every keyward command of the test runs with (for a
    /// shell that runs several).
    pub fn environment(&self, cmd: &mut Command) {
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("KEYWARD_") {
                cmd.env_remove(key);
            }
        }
        cmd.env("KEYWARD_DATA_DIR", &self.data_dir)
            .env("KEYWARD_CONFIG", &self.config)
            .env(URL_VAR, &self.url)
            .env("HOME", self.dir.path().join("home"))
            .env_remove("RUST_LOG");
    }

    /// `keyward serve --region us` from this data dir; see `serve_from`.
    pub fn serve(&self) -> (Child, String) {
        self.serve_from(&self.data_dir)
    }

    pub fn output(&self, args: &[&str]) -> Output {
        self.command(args).stdin(Stdio::null()).output().unwrap()
    }

    pub fn json(&self, args: &[&str]) -> Value {
        let out = self.output(args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }

    /// `keyward serve --region us` from `data_dir` on a free port, and its
    /// base URL.
    pub fn serve_from(&self, data_dir: &std::path::Path) -> (Child, String) {
        let mut child = self
            .command(&["serve", "--region", "us", "--listen", "127.0.0.1:0"])
            .env("KEYWARD_DATA_DIR", data_dir)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("serve printed {line:?}"))
            .to_owned();
        (child, url)
    }
}
