//! The private PostgreSQL cluster `scripts/test` starts for the run: its URL
//! comes in `KEYWARD_TEST_DATABASE_URL`. Tests that need it fail (never skip)
//! without it. Each test makes its own database, so they run in parallel.

use std::sync::atomic::{AtomicU64, Ordering};

use keyward::registry::postgres::DatabaseUrl;

/// The cluster's URL (its `keyward` database), or a failed test saying how
/// to get one.
pub fn base_url() -> String {
    std::env::var("KEYWARD_TEST_DATABASE_URL").unwrap_or_else(|_| {
        panic!(
            "KEYWARD_TEST_DATABASE_URL is not set: the PostgreSQL tests need the private \
             cluster that scripts/test starts; run them through scripts/test"
        )
    })
}

/// The cluster's password, for tests that check it never shows.
pub fn password() -> String {
    let url = base_url();
    let userinfo = url
        .split_once("://")
        .and_then(|(_, rest)| rest.split_once('@'))
        .map(|(u, _)| u.to_string())
        .unwrap();
    userinfo.split_once(':').unwrap().1.to_string()
}

/// A new, empty database on the cluster, as a URL string.
pub async fn fresh_database_url() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let name = format!(
        "test_{}_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos()
    );
    let base = base_url();
    let (client, connection) = tokio_postgres::connect(&base, tokio_postgres::NoTls)
        .await
        .expect("cannot connect to the test cluster: is scripts/test's PostgreSQL running?");
    let task = tokio::spawn(connection);
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    drop(client);
    let _ = task.await;
    let (prefix, _) = base.rsplit_once('/').unwrap();
    format!("{prefix}/{name}")
}

pub async fn fresh_database() -> DatabaseUrl {
    DatabaseUrl::parse(&fresh_database_url().await).unwrap()
}

/// Runs one SQL batch on the database at `url`.
pub async fn execute(url: &str, sql: &str) {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    let task = tokio::spawn(connection);
    client.batch_execute(sql).await.unwrap();
    drop(client);
    let _ = task.await;
}

/// Where the cluster's binaries are (`pg_dump`), from scripts/test.
pub fn bin(name: &str) -> std::path::PathBuf {
    let dir = std::env::var("KEYWARD_TEST_PG_BIN").unwrap_or_else(|_| {
        panic!("KEYWARD_TEST_PG_BIN is not set: run the PostgreSQL tests through scripts/test")
    });
    std::path::Path::new(&dir).join(name)
}
