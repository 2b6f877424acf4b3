//! A real `keyward serve` in this process, on a random loopback port, over a
//! fresh data dir. Tests talk to it over HTTP like any client.

use std::sync::Arc;
use std::time::Duration;

use keyward::catalog::Catalog;
use keyward::model::{AppName, Grant, NewApplication, Region};
use keyward::registry::embedded::{EmbeddedRegistry, EmbeddedStore};
use keyward::registry::{Issued, Registry};
use keyward::server::Server;

/// How often the test server writes usage.
pub const USAGE_FLUSH: Duration = Duration::from_millis(250);

pub struct TestServer {
    pub url: String,
    pub dir: tempfile::TempDir,
    /// A second handle on the server's data dir, as the CLI would open it.
    pub store: EmbeddedStore,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl TestServer {
    pub async fn start() -> Self {
        Self::start_with_window(Duration::from_secs(900)).await
    }

    pub async fn start_with_window(window: Duration) -> Self {
        Self::start_with(window, Catalog::builtin()).await
    }

    /// A server whose scope catalog is `server_catalog`, while this handle
    /// (and `app`) still use the built-in one: applications made before the
    /// catalog changed.
    pub async fn start_with_catalog(server_catalog: Catalog) -> Self {
        Self::start_with(Duration::from_secs(900), server_catalog).await
    }

    /// A server that writes usage every `every` (`None`: records none).
    pub async fn start_with_usage(every: Option<Duration>) -> Self {
        Self::start_full(Duration::from_secs(900), Catalog::builtin(), every).await
    }

    async fn start_with(window: Duration, server_catalog: Catalog) -> Self {
        Self::start_full(window, server_catalog, Some(USAGE_FLUSH)).await
    }

    /// A server on `dir`, a data dir prepared beforehand (an old key file in
    /// it, or a store a stopped server left).
    pub async fn start_in(dir: tempfile::TempDir) -> Self {
        Self::start_full_in(
            dir,
            Duration::from_secs(900),
            Catalog::builtin(),
            Some(USAGE_FLUSH),
        )
        .await
    }

    async fn start_full(
        window: Duration,
        server_catalog: Catalog,
        usage_every: Option<Duration>,
    ) -> Self {
        Self::start_full_in(
            tempfile::tempdir().unwrap(),
            window,
            server_catalog,
            usage_every,
        )
        .await
    }

    async fn start_full_in(
        dir: tempfile::TempDir,
        window: Duration,
        server_catalog: Catalog,
        usage_every: Option<Duration>,
    ) -> Self {
        let server_catalog = Arc::new(server_catalog);
        let server_store = EmbeddedStore::open(dir.path(), server_catalog.clone(), window).unwrap();
        let registry: Arc<dyn Registry> =
            Arc::new(server_store.registry(Region::new("us").unwrap()));
        let server = Server::bind(
            "127.0.0.1:0".parse().unwrap(),
            None,
            dir.path(),
            registry,
            server_catalog,
        )
        .await
        .unwrap()
        // Usage shows quickly, so tests wait little for it.
        .with_usage(usage_every);
        let url = format!("http://{}", server.local_addr().unwrap());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(server.run(async move {
            let _ = stopped.await;
        }));
        let store = EmbeddedStore::open(dir.path(), Arc::new(Catalog::builtin()), window).unwrap();
        TestServer {
            url,
            dir,
            store,
            stop: Some(stop),
            task: Some(task),
        }
    }

    pub fn registry(&self) -> EmbeddedRegistry {
        self.store.registry(Region::new("us").unwrap())
    }

    /// Runs the `keyward` binary, a second process, on the server's data dir
    /// and returns its standard output; fails the test if it fails.
    pub fn keyward(&self, args: &[&str]) -> Vec<u8> {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_keyward"))
            .args(args)
            .env("KEYWARD_DATA_DIR", self.dir.path())
            .env("KEYWARD_CONFIG", self.dir.path().join("none.toml"))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "keyward {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    }

    /// Registers an application through the data dir (not over HTTP).
    pub async fn app(&self, name: &str, grants: &[&str], admin: bool) -> Issued {
        self.registry()
            .create(NewApplication {
                client_name: AppName::parse(name).unwrap(),
                grants: grants
                    .iter()
                    .map(|g| Grant::parse_assignment(g).unwrap())
                    .collect(),
                admin,
            })
            .await
            .unwrap()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }

    /// A token for an application, by body authentication.
    pub async fn token(&self, issued: &Issued, scope: Option<&str>) -> String {
        let mut form = vec![
            ("grant_type", "client_credentials".to_owned()),
            ("client_id", issued.application.client_id.to_string()),
            ("client_secret", issued.reveal.secret.expose().to_owned()),
        ];
        if let Some(s) = scope {
            form.push(("scope", s.to_owned()));
        }
        let reply = reqwest::Client::new()
            .post(self.url("/oauth2/token"))
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(reply.status(), 200);
        let body: serde_json::Value = reply.json().await.unwrap();
        body["access_token"].as_str().unwrap().to_owned()
    }

    /// The data dir's change counter, as raw bytes: it moves with every
    /// write to credentials, and the token endpoint's cache lives as long as
    /// it stands still.
    pub fn generation(&self) -> Vec<u8> {
        std::fs::read(
            self.dir
                .path()
                .join(keyward::registry::embedded::GENERATION_FILE),
        )
        .unwrap()
    }

    /// Stops the server gracefully, waits for it, and hands over its data
    /// dir, to look at what the server left there.
    pub async fn stop_keeping_dir(mut self) -> tempfile::TempDir {
        let dir = std::mem::replace(&mut self.dir, tempfile::tempdir().unwrap());
        self.stop().await;
        dir
    }

    /// Stops the server gracefully and waits for it.
    pub async fn stop(mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.task.take() {
            t.await.unwrap().unwrap();
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
    }
}
