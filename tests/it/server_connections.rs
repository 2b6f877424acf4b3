//! Slowloris: clients that send half a request line and wait must not starve
//! the server. A real server on a random loopback port with a small
//! connection cap and a short header-read timeout, so the test runs fast; it
//! waits for conditions with bounded polls, never asserts on timing.

use std::sync::Arc;
use std::time::Duration;

use keyward::catalog::Catalog;
use keyward::model::Region;
use keyward::registry::Registry;
use keyward::registry::embedded::EmbeddedStore;
use keyward::server::Server;
use keyward::server::connections::ConnectionSettings;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Half-sent requests the test holds open: well above the cap, well below the
/// test process's open-file limit.
const HALF_OPEN: usize = 100;
/// Bound on every wait.
const PATIENCE: Duration = Duration::from_secs(20);

async fn start(settings: ConnectionSettings) -> (String, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let catalog = Arc::new(Catalog::builtin());
    let store = EmbeddedStore::open(dir.path(), catalog.clone(), Duration::from_secs(900)).unwrap();
    let registry: Arc<dyn Registry> = Arc::new(store.registry(Region::new("us").unwrap()));
    let server = Server::bind(
        "127.0.0.1:0".parse().unwrap(),
        None,
        dir.path(),
        registry,
        catalog,
    )
    .await
    .unwrap()
    .with_connections(settings);
    let addr = server.local_addr().unwrap().to_string();
    tokio::spawn(server.run(std::future::pending()));
    (addr, dir)
}

/// A connection that sent the start of a request and then nothing.
async fn half_sent(addr: &str) -> TcpStream {
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        .await
        .unwrap();
    s
}

/// Whether the server closed `s`: it reads to the end (or a reset) in time.
async fn closed_by_server(mut s: TcpStream) -> bool {
    let mut buf = [0u8; 512];
    let read_to_end = async {
        loop {
            match s.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    };
    tokio::time::timeout(PATIENCE, read_to_end).await.is_ok()
}

/// `/healthz` over a fresh connection; `Some(status)` if it answered in time.
async fn healthz(addr: &str) -> Option<u16> {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .timeout(PATIENCE)
        .build()
        .unwrap();
    let r = client.get(format!("http://{addr}/healthz")).send().await;
    r.ok().map(|r| r.status().as_u16())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn half_sent_requests_cannot_starve_the_server() {
    const CAP: usize = 8;
    // A header timeout far longer than the test waits: here only the cap can
    // close connections.
    let (addr, _dir) = start(ConnectionSettings {
        max_connections: CAP,
        header_read_timeout: Duration::from_secs(600),
    })
    .await;
    let mut held = Vec::with_capacity(HALF_OPEN);
    for _ in 0..HALF_OPEN {
        held.push(half_sent(&addr).await);
    }
    // Far more half-sent requests than the cap, and the server still answers.
    for _ in 0..3 {
        assert_eq!(healthz(&addr).await, Some(200), "healthz under the flood");
    }
    // The server never held more than the cap: the oldest half-sent
    // connections were closed to make room for the newer ones.
    let oldest: Vec<TcpStream> = held.drain(..HALF_OPEN - CAP).collect();
    let closed = futures_util::future::join_all(oldest.into_iter().map(closed_by_server)).await;
    let open = closed.iter().filter(|c| !**c).count();
    assert_eq!(
        open, 0,
        "{open} of the oldest half-sent connections still open"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_head_that_does_not_arrive_in_time_is_closed() {
    let (addr, _dir) = start(ConnectionSettings {
        max_connections: 1024,
        header_read_timeout: Duration::from_secs(1),
    })
    .await;
    // Far below the cap: nothing makes room, only the timeout closes them.
    let mut held = Vec::with_capacity(HALF_OPEN);
    for _ in 0..HALF_OPEN {
        held.push(half_sent(&addr).await);
    }
    assert_eq!(healthz(&addr).await, Some(200));
    let closed = futures_util::future::join_all(held.into_iter().map(closed_by_server)).await;
    let open = closed.iter().filter(|c| !**c).count();
    assert_eq!(open, 0, "{open} half-sent connections outlived the timeout");
    // A complete request on a connection is answered as usual.
    assert_eq!(healthz(&addr).await, Some(200));
}
