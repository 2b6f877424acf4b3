//! A PostgreSQL cluster of one test's own, for tests that stop and start
//! the database (the shared cluster of `scripts/test` must stay up for the
//! others). Made with the same binaries (`KEYWARD_TEST_PG_BIN`), in a
//! temporary directory, on 127.0.0.1 and a free port, as the system user
//! `scripts/test` made when the tests run as root (initdb refuses root).
//! Stopped when dropped.

use std::path::PathBuf;
use std::process::{Command, Output};

/// The user `scripts/test-postgres` runs PostgreSQL as under root.
const OWNER_UNDER_ROOT: &str = "keyward-pg";

pub struct PrivateCluster {
    dir: tempfile::TempDir,
    port: u16,
    owner: Option<String>,
    /// `postgres://keyward@127.0.0.1:PORT/keyward`
    pub url: String,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl PrivateCluster {
    /// initdb, start, and a `keyward` database. Panics with the tool's
    /// output when any step fails: the test fails, it never skips.
    pub fn start() -> PrivateCluster {
        let dir = tempfile::tempdir().unwrap();
        let owner = rustix::process::geteuid()
            .is_root()
            .then(|| OWNER_UNDER_ROOT.to_owned());
        if let Some(owner) = &owner {
            let chown = Command::new("chown")
                .arg(owner)
                .arg(dir.path())
                .output()
                .unwrap();
            assert!(
                chown.status.success(),
                "cannot give the cluster's directory to {owner} (scripts/test creates that user): {}",
                String::from_utf8_lossy(&chown.stderr)
            );
        }
        let mut cluster = PrivateCluster {
            dir,
            port: free_port(),
            owner,
            url: String::new(),
        };
        let data = cluster.data_dir();
        cluster.run_ok(
            "initdb",
            &[
                "-D",
                data.to_str().unwrap(),
                "-U",
                "keyward",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-locale",
            ],
        );
        cluster.start_again();
        cluster.run_ok(
            "psql",
            &[
                "-q",
                "-h",
                "127.0.0.1",
                "-p",
                &cluster.port.to_string(),
                "-U",
                "keyward",
                "-d",
                "postgres",
                "-c",
                "CREATE DATABASE keyward",
            ],
        );
        cluster.url = format!("postgres://keyward@127.0.0.1:{}/keyward", cluster.port);
        cluster
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn run(&self, tool: &str, args: &[&str]) -> Output {
        let bin = crate::support::postgres::bin(tool);
        let mut cmd = match &self.owner {
            Some(owner) => {
                let mut c = Command::new("runuser");
                c.args(["-u", owner, "--"]).arg(bin);
                c
            }
            None => Command::new(bin),
        };
        cmd.args(args).output().unwrap()
    }

    fn run_ok(&self, tool: &str, args: &[&str]) {
        let out = self.run(tool, args);
        assert!(
            out.status.success(),
            "{tool} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Starts the cluster (again) on its port, waiting until it accepts
    /// connections.
    pub fn start_again(&self) {
        let data = self.data_dir();
        let log = self.dir.path().join("server.log");
        let options = format!(
            "-c listen_addresses=127.0.0.1 -p {} -k {} -c max_connections=200",
            self.port,
            self.dir.path().display()
        );
        self.run_ok(
            "pg_ctl",
            &[
                "-D",
                data.to_str().unwrap(),
                "-l",
                log.to_str().unwrap(),
                "-w",
                "-t",
                "60",
                "-o",
                &options,
                "start",
            ],
        );
    }

    /// Stops the cluster as an operator restarting it would (`-m fast`:
    /// open sessions are ended, nothing is lost).
    pub fn stop(&self) {
        let data = self.data_dir();
        self.run_ok(
            "pg_ctl",
            &["-D", data.to_str().unwrap(), "-m", "fast", "-w", "stop"],
        );
    }
}

impl Drop for PrivateCluster {
    fn drop(&mut self) {
        let data = self.data_dir();
        let _ = self.run(
            "pg_ctl",
            &[
                "-D",
                data.to_str().unwrap_or(""),
                "-m",
                "immediate",
                "-w",
                "stop",
            ],
        );
    }
}
