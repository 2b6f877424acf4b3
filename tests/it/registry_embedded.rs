//! The shared registry suite on the embedded SQLite store, plus what only the
//! embedded store promises: regions share one file yet stay apart, a second
//! process sees writes at once, and a reset elsewhere closes a reveal here.

use std::sync::Arc;
use std::time::Duration;

use keyward::catalog::Catalog;
use keyward::model::{AppName, ChainBreak, ChainHead, NewApplication, Region};
use keyward::registry::Registry;
use keyward::registry::embedded::EmbeddedStore;

fn open(dir: &std::path::Path, window: Duration) -> EmbeddedStore {
    EmbeddedStore::open(dir, Arc::new(Catalog::builtin()), window).unwrap()
}

fn region(s: &str) -> Region {
    Region::new(s).unwrap()
}

fn app(name: &str) -> NewApplication {
    NewApplication {
        client_name: AppName::parse(name).unwrap(),
        grants: vec![],
        admin: false,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn embedded_store_passes_the_registry_suite() {
    let dirs = Arc::new(std::sync::Mutex::new(Vec::new()));
    let keep = dirs.clone();
    let make = move |window: Duration| {
        let dir = tempfile::tempdir().unwrap();
        let store = open(dir.path(), window);
        keep.lock().unwrap().push(dir);
        Box::pin(async move {
            Box::new(store.registry(region("us"))) as crate::support::registry_suite::BoxedRegistry
        }) as std::pin::Pin<Box<dyn std::future::Future<Output = _> + Send>>
    };
    crate::support::registry_suite::run_all(&make).await;
    drop(dirs);
}

#[tokio::test]
async fn embedded_trash_ends_at_its_period() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path(), Duration::from_secs(900));
    store.set_trash_period(chrono::Duration::zero());
    crate::support::registry_suite::an_ended_trash_period_is_gone_at_once(
        &store.registry(region("us")),
    )
    .await;
}

#[tokio::test]
async fn regions_share_the_file_but_not_the_applications() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path(), Duration::from_secs(900));
    let us = store.registry(region("us"));
    let uk = store.registry(region("uk"));
    let a = us.create(app("Same name")).await.unwrap().application;
    // The same name may exist in another region.
    uk.create(app("Same name")).await.unwrap();
    assert_eq!(us.list().await.unwrap().len(), 1);
    assert_eq!(uk.list().await.unwrap().len(), 1);
    assert!(
        uk.get(&a.client_id).await.is_err(),
        "a US app is not found in UK"
    );
    assert!(uk.delete(&a.client_id).await.is_err());
    assert!(us.get(&a.client_id).await.is_ok());
}

#[tokio::test]
async fn a_second_opener_sees_writes_and_resets_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let first = open(dir.path(), Duration::from_secs(900)).registry(region("us"));
    let second = open(dir.path(), Duration::from_secs(900)).registry(region("us"));
    let issued = first.create(app("Shared")).await.unwrap();
    let id = issued.application.client_id.clone();
    assert!(
        second
            .verify_secret(&id, &issued.reveal.secret)
            .await
            .unwrap()
    );

    // A reset through the second handle kills the secret the first one shows.
    let reset = second.reset_secret(&id).await.unwrap();
    assert!(
        !first
            .verify_secret(&id, &issued.reveal.secret)
            .await
            .unwrap()
    );
    assert!(
        first
            .verify_secret(&id, &reset.reveal.secret)
            .await
            .unwrap()
    );
    assert!(
        first.reveal(&id).await.is_err(),
        "the first handle's old plaintext is gone"
    );
}

#[tokio::test]
async fn data_survives_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let id = {
        let r = open(dir.path(), Duration::from_secs(900)).registry(region("us"));
        r.create(app("Durable"))
            .await
            .unwrap()
            .application
            .client_id
    };
    let r = open(dir.path(), Duration::from_secs(900)).registry(region("us"));
    assert_eq!(r.get(&id).await.unwrap().client_name.as_str(), "Durable");
    // The plaintext lived only in the first process's memory.
    assert!(r.reveal(&id).await.is_err());
}

#[tokio::test]
async fn a_newer_schema_is_refused_with_advice() {
    let dir = tempfile::tempdir().unwrap();
    drop(open(dir.path(), Duration::from_secs(900)));
    let conn = rusqlite::Connection::open(dir.path().join("keyward.db")).unwrap();
    conn.pragma_update(None, "user_version", 99).unwrap();
    drop(conn);
    let e = EmbeddedStore::open(
        dir.path(),
        Arc::new(Catalog::builtin()),
        Duration::from_secs(900),
    )
    .err()
    .unwrap()
    .to_string();
    assert!(e.contains("newer Keyward") && e.contains("upgrade"), "{e}");
}

/// The quiet reload of the TUI trusts the fingerprint: every kind of write by
/// another process (here another store on the same file) must change it, and
/// the other region's writes must not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fingerprint_changes_with_every_write_in_its_region_only() {
    use keyward::model::{Access, Grant, ScopeId};
    let dir = tempfile::tempdir().unwrap();
    let ui = open(dir.path(), Duration::from_secs(900)).registry(region("us"));
    let other = open(dir.path(), Duration::from_secs(900));
    let (us, uk) = (other.registry(region("us")), other.registry(region("uk")));
    // The UI compares with what it saw last, so each write must differ from
    // the fingerprint before it.
    let mut last = ui.fingerprint().await.unwrap().unwrap();
    let mut step = async |what: &str| {
        // Updated times are in milliseconds: let one pass between writes.
        tokio::time::sleep(Duration::from_millis(5)).await;
        let fp = ui.fingerprint().await.unwrap().unwrap();
        assert_ne!(fp, last, "{what} left the fingerprint as it was");
        last = fp;
    };
    let a = us.create(app("one")).await.unwrap().application.client_id;
    step("add").await;
    us.rename(&a, AppName::parse("uno").unwrap()).await.unwrap();
    step("rename").await;
    us.set_access(
        &a,
        vec![Grant::new(
            ScopeId::parse("ess:account").unwrap(),
            Access::Read,
        )],
    )
    .await
    .unwrap();
    step("scopes").await;
    us.reset_secret(&a).await.unwrap();
    step("reset").await;
    us.delete(&a).await.unwrap();
    step("delete").await;
    let before = ui.fingerprint().await.unwrap();
    uk.create(app("elsewhere")).await.unwrap();
    assert_eq!(
        ui.fingerprint().await.unwrap(),
        before,
        "uk is another region"
    );
}

/// What the token endpoint reads is kept while nothing on the data dir moves
/// the shared generation counter, and every write through the store moves it.
/// A write from outside the store (another SQLite tool, an older Keyward) is
/// refused outright, so it cannot leave a running server with a stale answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authentication_is_kept_until_a_write_and_writes_around_the_store_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path(), Duration::from_secs(900));
    let reg = store.registry(region("us"));
    let issued = reg.create(app("Kept")).await.unwrap();
    let id = issued.application.client_id.clone();
    let secret = issued.reveal.secret.clone();
    assert!(reg.authenticate(&id, &secret).await.unwrap().is_some());

    let db = dir.path().join(keyward::registry::embedded::DB_FILE);
    let foreign = rusqlite::Connection::open(&db).unwrap();
    let refused = foreign
        .execute("UPDATE applications SET secret_hash = zeroblob(32)", [])
        .unwrap_err();
    assert!(
        refused
            .to_string()
            .contains(keyward::registry::embedded::MARKED_WRITE_FUNCTION),
        "{refused}"
    );

    // Forced through anyway (the function registered by hand), the change is
    // not seen: the answer is the kept one, which shows the cache is in use.
    foreign
        .create_scalar_function(
            keyward::registry::embedded::MARKED_WRITE_FUNCTION,
            0,
            rusqlite::functions::FunctionFlags::SQLITE_UTF8,
            |_| Ok(rusqlite::types::Null),
        )
        .unwrap();
    foreign
        .execute("UPDATE applications SET secret_hash = zeroblob(32)", [])
        .unwrap();
    assert!(reg.authenticate(&id, &secret).await.unwrap().is_some());

    // Any write through a store, here another opener's, counts at once.
    let other = open(dir.path(), Duration::from_secs(900)).registry(region("us"));
    other.create(app("Unrelated")).await.unwrap();
    assert!(
        reg.authenticate(&id, &secret).await.unwrap().is_none(),
        "the forced change is read now"
    );
}

/// Names that only look alike are one name, for every interface: the store
/// checks it, inside its write transaction. A data dir from before the check
/// (schema v2) gets the key of its existing names on upgrade.
#[tokio::test]
async fn look_alike_names_are_refused_by_the_store_also_after_an_upgrade() {
    use keyward::registry::RegistryError;
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path(), Duration::from_secs(900));
    let us = store.registry(region("us"));
    us.create(app("Straße")).await.unwrap();
    drop((us, store));
    // Back to schema v2, as an older Keyward left it: without v4's table of
    // previous secrets and v3's name key.
    let conn = rusqlite::Connection::open(dir.path().join("keyward.db")).unwrap();
    conn.create_scalar_function(
        keyward::registry::embedded::MARKED_WRITE_FUNCTION,
        0,
        rusqlite::functions::FunctionFlags::SQLITE_UTF8,
        |_| Ok(rusqlite::types::Null),
    )
    .unwrap();
    conn.execute_batch(&format!(
        "{DOWN_TO_V4}
         DROP TABLE previous_secrets;
         DROP INDEX applications_region_name_key;
         ALTER TABLE applications DROP COLUMN name_key;
         PRAGMA user_version = 2;"
    ))
    .unwrap();
    drop(conn);
    let store = open(dir.path(), Duration::from_secs(900));
    let us = store.registry(region("us"));
    for look_alike in ["STRASSE", "ｓｔｒａｓｓｅ", "strasse"] {
        let e = us.create(app(look_alike)).await.err();
        assert!(
            matches!(e, Some(RegistryError::DuplicateName { .. })),
            "{look_alike}: {e:?}"
        );
    }
    let other = us.create(app("Other")).await.unwrap().application;
    let e = us
        .rename(&other.client_id, AppName::parse("STRASSE").unwrap())
        .await
        .err();
    assert!(
        matches!(e, Some(RegistryError::DuplicateName { .. })),
        "{e:?}"
    );
    // Another region is another namespace.
    store
        .registry(region("uk"))
        .create(app("STRASSE"))
        .await
        .unwrap();
}

/// Undoes the v8 (lifecycle), v7 (signing keys), v6 (audit log) and v5
/// (rotation and usage) migrations, as a v4 Keyward left the file.
const DOWN_TO_V4: &str = "DROP INDEX applications_trash;
    DROP INDEX applications_region_name;
    CREATE UNIQUE INDEX applications_region_name
        ON applications (region, client_name COLLATE NOCASE);
    ALTER TABLE applications DROP COLUMN suspended_at;
    ALTER TABLE applications DROP COLUMN deleted_at;
    ALTER TABLE applications DROP COLUMN purge_after;
    DROP TABLE signing_keys;
    DROP TABLE audit_events;
    DROP TABLE audit_checkpoints;
    DROP TABLE app_usage;
    DROP TABLE secret_usage;
    DROP TABLE retiring_secrets;
    ALTER TABLE applications DROP COLUMN secret_created_at;
    ALTER TABLE applications DROP COLUMN secret_id;
    PRAGMA user_version = 4;";

#[tokio::test]
async fn the_upgrade_to_rotation_keeps_every_secret_working_and_gives_it_an_id() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path(), Duration::from_secs(900));
    let us = store.registry(region("us"));
    let a = us.create(app("A")).await.unwrap();
    let b = us.create(app("B")).await.unwrap();
    drop((us, store));
    let conn = rusqlite::Connection::open(dir.path().join("keyward.db")).unwrap();
    conn.execute_batch(DOWN_TO_V4).unwrap();
    drop(conn);
    let store = open(dir.path(), Duration::from_secs(900));
    let us = store.registry(region("us"));
    let mut ids = Vec::new();
    for issued in [&a, &b] {
        let id = &issued.application.client_id;
        assert!(
            us.authenticate(id, &issued.reveal.secret)
                .await
                .unwrap()
                .is_some()
        );
        let got = us.get(id).await.unwrap();
        assert_eq!(got.secrets.len(), 1);
        let s = &got.secrets[0];
        assert_eq!(s.secret_id.len(), 8);
        assert!(s.secret_id.bytes().all(|c| c.is_ascii_alphanumeric()));
        assert_eq!(s.created_at, issued.application.secret_issued_at);
        assert_eq!(got.last_used_at, None);
        ids.push(s.secret_id.clone());
        // Rotation works on an upgraded application.
        let rotated = us
            .rotate_secret(id, chrono::Duration::hours(1))
            .await
            .unwrap();
        assert!(
            us.authenticate(id, &issued.reveal.secret)
                .await
                .unwrap()
                .is_some()
        );
        assert!(
            us.authenticate(id, &rotated.reveal.secret)
                .await
                .unwrap()
                .is_some()
        );
    }
    assert_ne!(ids[0], ids[1], "each secret gets its own random ID");
}

/// Usage is recorded without moving the change counter, so the token
/// endpoint's cache survives it: the generation file is unchanged by a
/// usage write, and moved by a credential write.
#[tokio::test]
async fn usage_writes_do_not_move_the_change_counter() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path(), Duration::from_secs(900));
    let us = store.registry(region("us"));
    let issued = us.create(app("A")).await.unwrap();
    let id = issued.application.client_id.clone();
    let generation = || {
        std::fs::read(
            dir.path()
                .join(keyward::registry::embedded::GENERATION_FILE),
        )
        .unwrap()
    };
    let before = generation();
    let secret_id = issued.application.secrets[0].secret_id.clone();
    let use_at = |secs: i64| keyward::model::SecretUsage {
        client_id: id.clone(),
        secret_id: secret_id.clone(),
        at: chrono::DateTime::from_timestamp(1_800_000_000 + secs, 0).unwrap(),
        from: Some("192.0.2.7".into()),
    };
    us.record_usage(vec![use_at(10)]).await.unwrap();
    // An older use recorded later does not go back in time.
    us.record_usage(vec![use_at(5)]).await.unwrap();
    assert_eq!(generation(), before, "usage is not a change to credentials");
    let got = us.get(&id).await.unwrap();
    assert_eq!(got.last_used_at, Some(use_at(10).at));
    assert_eq!(got.secrets[0].last_used_at, Some(use_at(10).at));
    assert_eq!(got.secrets[0].last_used_from.as_deref(), Some("192.0.2.7"));
    // Uses of a secret that is gone, or of an unknown client, are dropped
    // from the secrets' records.
    us.reset_secret(&id).await.unwrap();
    assert_ne!(generation(), before, "a reset is a change");
    let after_reset = generation();
    us.record_usage(vec![
        use_at(20),
        keyward::model::SecretUsage {
            client_id: keyward::model::ClientId::generate(),
            ..use_at(20)
        },
    ])
    .await
    .unwrap();
    assert_eq!(generation(), after_reset);
    let got = us.get(&id).await.unwrap();
    assert_eq!(
        got.secrets[0].last_used_at, None,
        "the new secret was never used"
    );
    // The application did get a token then (noted before the reset, written
    // after it): that still counts for the application.
    assert_eq!(got.last_used_at, Some(use_at(20).at));
}

/// Makes `n` events in region `us` (a create, then renames) and returns the store.
async fn store_with_events(dir: &std::path::Path, n: usize) -> EmbeddedStore {
    let store = open(dir, Duration::from_secs(900));
    let us = store.registry(region("us"));
    let id = us
        .create(app("Name 0"))
        .await
        .unwrap()
        .application
        .client_id;
    for i in 1..n {
        us.rename(&id, AppName::parse(&format!("Name {i}")).unwrap())
            .await
            .unwrap();
    }
    store
}

/// Runs `sql` on the database as another SQLite tool would: the append-only
/// triggers dropped first, as an attacker with the file can.
fn tamper(dir: &std::path::Path, sql: &str) {
    let conn = rusqlite::Connection::open(dir.join("keyward.db")).unwrap();
    conn.execute_batch(&format!(
        "DROP TRIGGER audit_events_update; DROP TRIGGER audit_events_delete; {sql}"
    ))
    .unwrap();
}

async fn verify(dir: &std::path::Path) -> Result<(u64, Option<ChainHead>), ChainBreak> {
    open(dir, Duration::from_secs(900))
        .registry(region("us"))
        .verify_audit(None)
        .await
        .unwrap()
}

#[tokio::test]
async fn the_audit_chain_names_the_first_edited_deleted_inserted_or_moved_event() {
    let dir = tempfile::tempdir().unwrap();
    drop(store_with_events(dir.path(), 5).await);
    assert_eq!(verify(dir.path()).await.unwrap().0, 5);

    // Without dropping the triggers, this build's own rules refuse an edit.
    let conn = rusqlite::Connection::open(dir.path().join("keyward.db")).unwrap();
    let e = conn
        .execute("UPDATE audit_events SET at = 0 WHERE seq = 2", [])
        .unwrap_err();
    assert!(e.to_string().contains("append-only"), "{e}");
    assert!(conn.execute("DELETE FROM audit_events", []).is_err());
    drop(conn);

    let cases: [(&str, ChainBreak); 4] = [
        (
            "UPDATE audit_events SET body = replace(body, 'Name 2', 'Name X') WHERE seq = 3",
            ChainBreak::Content { seq: 3 },
        ),
        (
            "DELETE FROM audit_events WHERE seq = 2",
            ChainBreak::Link { seq: 3 },
        ),
        (
            // A copy of event 2 inserted as 6: its link and number are wrong.
            "INSERT INTO audit_events SELECT region, 6, at, action, client_id, body, hash FROM audit_events WHERE seq = 2",
            ChainBreak::Link { seq: 6 },
        ),
        (
            // Events 2 and 3 swapped, with their numbers.
            "UPDATE audit_events SET seq = -1 WHERE seq = 2; UPDATE audit_events SET seq = 2 WHERE seq = 3; UPDATE audit_events SET seq = 3 WHERE seq = -1;",
            ChainBreak::Link { seq: 2 },
        ),
    ];
    for (sql, want) in cases {
        let dir = tempfile::tempdir().unwrap();
        drop(store_with_events(dir.path(), 5).await);
        tamper(dir.path(), sql);
        assert_eq!(verify(dir.path()).await, Err(want), "{sql}");
    }
}

#[tokio::test]
async fn a_prune_leaves_a_chain_that_verifies_and_still_shows_edits() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_with_events(dir.path(), 4).await;
    let us = store.registry(region("us"));
    let head = us.audit_head().await.unwrap().unwrap();
    let cut = chrono::Utc::now() + chrono::Duration::milliseconds(5);
    tokio::time::sleep(Duration::from_millis(20)).await;
    let id = us.list().await.unwrap()[0].client_id.clone();
    us.rename(&id, AppName::parse("After").unwrap())
        .await
        .unwrap();
    us.rename(&id, AppName::parse("After 2").unwrap())
        .await
        .unwrap();
    assert_eq!(us.prune_audit(cut).await.unwrap(), 4);
    assert_eq!(us.verify_audit(None).await.unwrap().unwrap().0, 2);
    // The head kept before the prune is the checkpoint's now.
    assert!(us.verify_audit(Some(head)).await.unwrap().is_ok());
    let newest = us.audit_head().await.unwrap().unwrap();
    assert_eq!(newest.seq, 6);
    drop((us, store));
    tamper(
        dir.path(),
        "UPDATE audit_events SET body = replace(body, 'After 2', 'Other') WHERE seq = 6",
    );
    assert_eq!(
        verify(dir.path()).await,
        Err(ChainBreak::Content { seq: 6 })
    );
}

#[tokio::test]
async fn a_head_kept_elsewhere_catches_a_rewritten_tail() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_with_events(dir.path(), 3).await;
    let us = store.registry(region("us"));
    let head = us.audit_head().await.unwrap().unwrap();
    assert!(us.verify_audit(Some(head.clone())).await.unwrap().is_ok());
    drop((us, store));
    // The last event removed: the chain that is left is whole, but the head
    // kept elsewhere is gone from it.
    tamper(dir.path(), "DELETE FROM audit_events WHERE seq = 3");
    assert_eq!(verify(dir.path()).await.unwrap().0, 2);
    let us = open(dir.path(), Duration::from_secs(900)).registry(region("us"));
    assert_eq!(
        us.verify_audit(Some(head.clone())).await.unwrap(),
        Err(ChainBreak::HeadMissing { expected: head })
    );
}
