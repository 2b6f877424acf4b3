//! The shared registry suite on the PostgreSQL store, plus what only it
//! promises: regions share a database yet stay apart, replicas see each
//! other's writes at once, a replica with another `secret.key` or an older
//! build is refused, the URL's password never shows, concurrent writers keep
//! names unique, and no plaintext secret reaches the database.

use std::sync::Arc;
use std::time::Duration;

use keyward::catalog::Catalog;
use keyward::model::{AppName, ClientSecret, NewApplication, Region};
use keyward::registry::Registry;
use keyward::registry::postgres::{DatabaseUrl, PostgresRegistry};

use crate::support::postgres::{base_url, execute, fresh_database, fresh_database_url, password};

const WINDOW: Duration = Duration::from_secs(900);

async fn open(url: &DatabaseUrl, data_dir: &std::path::Path, region: &str) -> PostgresRegistry {
    PostgresRegistry::open(
        url,
        data_dir,
        Region::new(region).unwrap(),
        Arc::new(Catalog::builtin()),
        WINDOW,
    )
    .await
    .unwrap()
}

/// What an operator does for a second replica: a private data dir holding
/// the first one's `secret.key`.
fn copy_key(from: &std::path::Path, to: &std::path::Path) {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new().mode(0o700).create(to).unwrap();
    std::fs::copy(from.join("secret.key"), to.join("secret.key")).unwrap();
}

fn app(name: &str) -> NewApplication {
    NewApplication {
        client_name: AppName::parse(name).unwrap(),
        grants: vec![],
        admin: false,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_store_passes_the_registry_suite() {
    let dirs = Arc::new(std::sync::Mutex::new(Vec::new()));
    let keep = dirs.clone();
    let make = move |window: Duration| {
        let dir = tempfile::tempdir().unwrap();
        let data_dir = dir.path().to_path_buf();
        keep.lock().unwrap().push(dir);
        Box::pin(async move {
            let url = fresh_database().await;
            let r = PostgresRegistry::open(
                &url,
                &data_dir,
                Region::new("us").unwrap(),
                Arc::new(Catalog::builtin()),
                window,
            )
            .await
            .unwrap();
            Box::new(r) as crate::support::registry_suite::BoxedRegistry
        }) as std::pin::Pin<Box<dyn std::future::Future<Output = _> + Send>>
    };
    crate::support::registry_suite::run_all(&make).await;
    drop(dirs);
}

#[tokio::test]
async fn postgres_trash_ends_at_its_period() {
    let url = fresh_database().await;
    let dir = tempfile::tempdir().unwrap();
    let r = PostgresRegistry::open(
        &url,
        dir.path(),
        Region::new("us").unwrap(),
        Arc::new(Catalog::builtin()),
        Duration::from_secs(900),
    )
    .await
    .unwrap()
    .with_trash_period(chrono::Duration::zero());
    crate::support::registry_suite::an_ended_trash_period_is_gone_at_once(&r).await;
}

#[tokio::test]
async fn regions_share_the_database_but_not_the_applications() {
    let url = fresh_database().await;
    let dir = tempfile::tempdir().unwrap();
    let us = open(&url, dir.path(), "us").await;
    let uk = open(&url, dir.path(), "uk").await;
    let a = us.create(app("Same name")).await.unwrap().application;
    uk.create(app("Same name")).await.unwrap();
    assert_eq!(us.list().await.unwrap().len(), 1);
    assert_eq!(uk.list().await.unwrap().len(), 1);
    assert!(uk.get(&a.client_id).await.is_err());
    assert!(uk.delete(&a.client_id).await.is_err());
    assert!(us.get(&a.client_id).await.is_ok());
}

/// Two replicas (two data dirs holding the same key): a reset through one
/// is refused by the other on its very next request.
#[tokio::test]
async fn a_reset_is_refused_at_once_where_it_was_made_and_soon_by_the_other_replica() {
    let url = fresh_database().await;
    let tmp = tempfile::tempdir().unwrap();
    let (first_dir, second_dir) = (tmp.path().join("one"), tmp.path().join("two"));
    let first = open(&url, &first_dir, "us").await;
    copy_key(&first_dir, &second_dir);
    let second = open(&url, &second_dir, "us").await;
    let issued = first.create(app("Shared")).await.unwrap();
    let id = issued.application.client_id.clone();
    let old = issued.reveal.secret.clone();
    // Both replicas have read (and may keep) the client.
    for _ in 0..3 {
        assert!(first.authenticate(&id, &old).await.unwrap().is_some());
        assert!(second.authenticate(&id, &old).await.unwrap().is_some());
    }
    let reset = first.reset_secret(&id).await.unwrap();
    assert!(
        first.authenticate(&id, &old).await.unwrap().is_none(),
        "the replica that made the change refuses at once"
    );
    // The other replica hears of it through NOTIFY (BENCHMARKS.md has the
    // time it takes); bounded here only so a broken listener fails the test.
    let refused =
        poll_until(|| async { second.authenticate(&id, &old).await.unwrap().is_none() }).await;
    assert!(refused, "the other replica still accepts the old secret");
    assert!(
        second
            .authenticate(&id, &reset.reveal.secret)
            .await
            .unwrap()
            .is_some()
    );
    // The plaintext stays in the process that made it.
    assert!(second.reveal(&id).await.is_err());
    assert!(first.reveal(&id).await.is_ok());
}

/// A suspension, a delete and a restore count like a reset: at once where
/// made, and on the other replica as soon as it hears (through the
/// `note_change` trigger's NOTIFY). A restored client's old secret works again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_suspension_or_delete_is_refused_at_once_here_and_soon_by_the_other_replica() {
    let url = fresh_database().await;
    let tmp = tempfile::tempdir().unwrap();
    let (first_dir, second_dir) = (tmp.path().join("one"), tmp.path().join("two"));
    let first = open(&url, &first_dir, "us").await;
    copy_key(&first_dir, &second_dir);
    let second = open(&url, &second_dir, "us").await;
    let issued = first.create(app("Shared")).await.unwrap();
    let id = issued.application.client_id.clone();
    let secret = issued.reveal.secret.clone();
    let works = |r: &PostgresRegistry| {
        let (r, id, secret) = (r.clone(), id.clone(), secret.clone());
        async move { r.authenticate(&id, &secret).await.unwrap().is_some() }
    };
    for _ in 0..3 {
        assert!(works(&first).await && works(&second).await);
    }
    first.suspend(&id).await.unwrap();
    assert!(!works(&first).await, "refused at once where it was made");
    assert!(poll_until(|| async { !works(&second).await }).await);
    first.resume(&id).await.unwrap();
    assert!(works(&first).await);
    assert!(poll_until(|| async { works(&second).await }).await);
    first.delete(&id).await.unwrap();
    assert!(!works(&first).await, "refused at once where it was made");
    assert!(poll_until(|| async { !works(&second).await }).await);
    second.restore(&id).await.unwrap();
    assert!(works(&second).await, "the old secret works again");
    assert!(poll_until(|| async { works(&first).await }).await);
}

/// Whether `check` comes true within 20 s (checked every 10 ms): a bound
/// for a broken build, not a measure.
async fn poll_until<F, Fut>(check: F) -> bool
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..2000 {
        if check().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    false
}

/// Once warm, the token path answers from memory; a change made around
/// Keyward (plain SQL) still reaches it, through the schema's triggers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_token_path_keeps_answers_until_any_change_is_heard() {
    let url_text = fresh_database_url().await;
    let url = DatabaseUrl::parse(&url_text).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let r = open(&url, dir.path(), "us").await;
    let issued = r.create(app("Cached")).await.unwrap();
    let (id, secret) = (
        issued.application.client_id.clone(),
        issued.reveal.secret.clone(),
    );
    // Warm: the listener is up once an answer is kept.
    let warm = poll_until(|| async {
        r.authenticate(&id, &secret).await.unwrap();
        let before = r.auth_cache_counts();
        r.authenticate(&id, &secret).await.unwrap();
        r.auth_cache_counts().0 > before.0
    })
    .await;
    assert!(warm, "the token path never answered from memory");
    // The same counts through the trait, as `keyward serve`'s metrics read them.
    let through_trait = (&r as &dyn Registry)
        .auth_cache_counts()
        .map(|c| (c.hits, c.misses));
    assert_eq!(through_trait, Some(r.auth_cache_counts()));
    execute(
        &url_text,
        &format!("DELETE FROM keyward.applications WHERE client_id = '{id}'"),
    )
    .await;
    let gone = poll_until(|| async { r.authenticate(&id, &secret).await.unwrap().is_none() }).await;
    assert!(gone, "a delete made with plain SQL was never seen");
}

/// While the LISTEN connection is away (its backend killed), the replica
/// vouches for nothing it kept: a change made meanwhile is seen.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replica_whose_listener_is_cut_never_answers_from_before_a_change() {
    let url_text = fresh_database_url().await;
    let url = DatabaseUrl::parse(&url_text).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let (first_dir, second_dir) = (tmp.path().join("one"), tmp.path().join("two"));
    let first = open(&url, &first_dir, "us").await;
    copy_key(&first_dir, &second_dir);
    let second = open(&url, &second_dir, "us").await;
    let issued = first.create(app("Cut")).await.unwrap();
    let (id, old) = (
        issued.application.client_id.clone(),
        issued.reveal.secret.clone(),
    );
    for _ in 0..20 {
        assert!(second.authenticate(&id, &old).await.unwrap().is_some());
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // Cut every LISTEN connection, then change the secret at once.
    execute(
        &url_text,
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE datname = current_database() AND pid <> pg_backend_pid()
           AND (query ILIKE 'LISTEN%' OR query = '')",
    )
    .await;
    first.reset_secret(&id).await.unwrap();
    let refused =
        poll_until(|| async { second.authenticate(&id, &old).await.unwrap().is_none() }).await;
    assert!(refused);
}

#[tokio::test]
async fn a_replica_with_another_key_is_refused_with_advice() {
    let url = fresh_database().await;
    let first = tempfile::tempdir().unwrap();
    let other = tempfile::tempdir().unwrap();
    drop(open(&url, first.path(), "us").await);
    let e = PostgresRegistry::open(
        &url,
        other.path(),
        Region::new("us").unwrap(),
        Arc::new(Catalog::builtin()),
        WINDOW,
    )
    .await
    .err()
    .unwrap()
    .to_string();
    assert!(
        e.contains("secret.key") && e.contains("same key") && e.contains("Copy"),
        "{e}"
    );
    // Another region in the same database may have its own key.
    drop(open(&url, other.path(), "uk").await);
}

#[tokio::test]
async fn a_newer_schema_is_refused_with_the_version_it_needs() {
    let url_text = fresh_database_url().await;
    let url = DatabaseUrl::parse(&url_text).unwrap();
    let dir = tempfile::tempdir().unwrap();
    drop(open(&url, dir.path(), "us").await);
    let newer = keyward::registry::postgres::schema_version() + 1;
    execute(
        &url_text,
        &format!("INSERT INTO keyward.schema_migrations (version) VALUES ({newer})"),
    )
    .await;
    let e = PostgresRegistry::open(
        &url,
        dir.path(),
        Region::new("us").unwrap(),
        Arc::new(Catalog::builtin()),
        WINDOW,
    )
    .await
    .err()
    .unwrap()
    .to_string();
    assert!(
        e.contains(&format!("schema version {newer}")) && e.contains("upgrade Keyward"),
        "{e}"
    );
}

/// Replicas that start together on a new database migrate once, in turn.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_starting_together_migrate_once() {
    let url = fresh_database().await;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    // The key exists before they start, as on real replicas.
    std::os::unix::fs::DirBuilderExt::mode(&mut std::fs::DirBuilder::new(), 0o700)
        .create(&dir)
        .unwrap();
    keyward::registry::embedded::SecretHasher::open(&dir).unwrap();
    let mut tasks = Vec::new();
    for _ in 0..6 {
        let url = url.clone();
        let path = dir.clone();
        tasks.push(tokio::spawn(async move { open(&url, &path, "us").await }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let r = open(&url, &dir, "us").await;
    assert_eq!(
        r.database_schema_version().await.unwrap(),
        keyward::registry::postgres::schema_version()
    );
}

/// Writers on two replicas at once: every add lands, and of two look-alike
/// names racing, exactly one wins.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_lose_nothing_and_keep_names_unique() {
    let url = fresh_database().await;
    let dir = tempfile::tempdir().unwrap();
    let a = open(&url, dir.path(), "us").await;
    let b = open(&url, dir.path(), "us").await;
    let mut tasks = Vec::new();
    for (w, r) in [a.clone(), b.clone(), a.clone(), b.clone()]
        .into_iter()
        .enumerate()
    {
        tasks.push(tokio::spawn(async move {
            let mut won = 0;
            for i in 0..20 {
                r.create(app(&format!("Writer {w} app {i}"))).await.unwrap();
                if r.create(app(&format!("Contested {i}"))).await.is_ok() {
                    won += 1;
                }
            }
            won
        }));
    }
    let mut won = 0;
    for t in tasks {
        won += t.await.unwrap();
    }
    assert_eq!(won, 20, "each contested name is taken exactly once");
    assert_eq!(a.list().await.unwrap().len(), 4 * 20 + 20);
}

/// A wrong password, a closed port: the error names the database without
/// its password.
#[tokio::test]
async fn errors_never_show_the_password() {
    let pw = password();
    let base = base_url();
    let dir = tempfile::tempdir().unwrap();
    let wrong = base.replace(&format!(":{pw}@"), ":not-the-password-9x@");
    let closed_port = format!("postgres://keyward:{pw}@127.0.0.1:1/keyward");
    for text in [wrong, closed_port] {
        let url = DatabaseUrl::parse(&text).unwrap();
        let e = PostgresRegistry::open(
            &url,
            dir.path(),
            Region::new("us").unwrap(),
            Arc::new(Catalog::builtin()),
            WINDOW,
        )
        .await
        .err()
        .unwrap()
        .to_string();
        assert!(
            !e.contains(&pw) && !e.contains("not-the-password-9x"),
            "{e}"
        );
        assert!(e.contains("postgres://keyward@127.0.0.1:"), "{e}");
    }
    let url = fresh_database().await;
    let r = open(&url, dir.path(), "us").await;
    assert!(!r.location().contains(&pw));
    assert!(!format!("{url:?}").contains(&pw));
}

/// `pg_dump` of the database after adds, a reset and a rotation holds no
/// secret, raw or base64.
#[tokio::test]
async fn no_plaintext_secret_in_a_database_dump() {
    use base64::Engine;
    let url_text = fresh_database_url().await;
    let url = DatabaseUrl::parse(&url_text).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let r = open(&url, dir.path(), "us").await;
    let mut secrets: Vec<ClientSecret> = Vec::new();
    for i in 0..5 {
        let issued = r.create(app(&format!("App {i}"))).await.unwrap();
        secrets.push(issued.reveal.secret.clone());
        let id = issued.application.client_id;
        secrets.push(r.reset_secret(&id).await.unwrap().reveal.secret);
        secrets.push(
            r.rotate_secret(&id, chrono::Duration::hours(1))
                .await
                .unwrap()
                .reveal
                .secret,
        );
    }
    let out = std::process::Command::new(crate::support::postgres::bin("pg_dump"))
        .arg("--dbname")
        .arg(&url_text)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dump = String::from_utf8_lossy(&out.stdout);
    assert!(
        dump.contains("keyward.applications"),
        "the dump holds the tables"
    );
    for s in &secrets {
        let raw = s.expose();
        for form in [
            raw.to_string(),
            base64::engine::general_purpose::STANDARD.encode(raw),
            raw.bytes().map(|b| format!("{b:02x}")).collect::<String>(),
        ] {
            assert!(!dump.contains(&form), "a secret is in the dump");
        }
    }
}

/// `sslmode=require` insists on TLS (rustls): the test cluster has none, so
/// it is refused, clearly and without the password; `prefer` falls back to
/// plain, and `disable` never tries.
#[tokio::test]
async fn sslmode_require_insists_on_tls_and_prefer_falls_back() {
    let pw = password();
    let base = fresh_database_url().await;
    let dir = tempfile::tempdir().unwrap();
    let with = |mode: &str| DatabaseUrl::parse(&format!("{base}?sslmode={mode}")).unwrap();
    let e = PostgresRegistry::open(
        &with("require"),
        dir.path(),
        Region::new("us").unwrap(),
        Arc::new(Catalog::builtin()),
        WINDOW,
    )
    .await
    .err()
    .unwrap()
    .to_string();
    assert!(e.to_lowercase().contains("tls") && !e.contains(&pw), "{e}");
    for mode in ["prefer", "disable"] {
        let r = open(&with(mode), dir.path(), "us").await;
        assert!(r.list().await.unwrap().is_empty());
    }
}

/// A change whose NOTIFY never comes (here: made with the triggers off,
/// moving the counter by hand, as a pooler in transaction mode would lose
/// the notification) is seen through the heartbeat, which reads the counter.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_without_its_notification_is_seen_through_the_heartbeat() {
    let url_text = fresh_database_url().await;
    let url = DatabaseUrl::parse(&url_text).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let r = open(&url, dir.path(), "us").await;
    let issued = r.create(app("Quiet")).await.unwrap();
    let (id, secret) = (
        issued.application.client_id.clone(),
        issued.reveal.secret.clone(),
    );
    let warm = poll_until(|| async {
        r.authenticate(&id, &secret).await.unwrap();
        let before = r.auth_cache_counts();
        r.authenticate(&id, &secret).await.unwrap();
        r.auth_cache_counts().0 > before.0
    })
    .await;
    assert!(warm, "the token path never answered from memory");
    execute(
        &url_text,
        &format!(
            "BEGIN; SET LOCAL session_replication_role = replica;
             UPDATE keyward.applications SET secret_hash = sha256('other') WHERE client_id = '{id}';
             UPDATE keyward.changes SET generation = generation + 1;
             COMMIT;"
        ),
    )
    .await;
    let refused =
        poll_until(|| async { r.authenticate(&id, &secret).await.unwrap().is_none() }).await;
    assert!(refused, "a change without a notification was never seen");
}

/// Anyone may NOTIFY the channel: a forged payload must not turn the cache
/// off for good (nor on for a stale answer).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_notification_does_not_turn_the_cache_off_for_good() {
    let url_text = fresh_database_url().await;
    let url = DatabaseUrl::parse(&url_text).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let r = open(&url, dir.path(), "us").await;
    let issued = r.create(app("Forged")).await.unwrap();
    let (id, secret) = (
        issued.application.client_id.clone(),
        issued.reveal.secret.clone(),
    );
    let hits = || async {
        r.authenticate(&id, &secret).await.unwrap();
        let before = r.auth_cache_counts();
        r.authenticate(&id, &secret).await.unwrap();
        r.auth_cache_counts().0 > before.0
    };
    assert!(poll_until(hits).await);
    execute(&url_text, "NOTIFY keyward_changes, '18446744073709551615'").await;
    execute(&url_text, "NOTIFY keyward_changes, '999999999'").await;
    assert!(poll_until(hits).await, "the cache never came back");
    assert!(r.authenticate(&id, &secret).await.unwrap().is_some());
}

/// A database that answers, but not as Keyward expects (here its change
/// counter's row deleted), is a storage error: a 500 that says so, not a
/// 503 that tells clients to wait for an outage that is not one.
#[tokio::test]
async fn a_database_that_answers_wrongly_is_a_storage_error_not_unavailable() {
    let url_text = fresh_database_url().await;
    let url = DatabaseUrl::parse(&url_text).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let r = open(&url, dir.path(), "us").await;
    let issued = r.create(app("Odd")).await.unwrap();
    execute(&url_text, "DELETE FROM keyward.changes").await;
    let e = r
        .authenticate(&issued.application.client_id, &issued.reveal.secret)
        .await
        .unwrap_err();
    assert!(
        matches!(e, keyward::registry::RegistryError::Storage { .. }),
        "{e:?}"
    );
}
