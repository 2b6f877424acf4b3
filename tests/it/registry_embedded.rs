//! The shared registry suite on the embedded SQLite store, plus what only the
//! embedded store promises: regions share one file yet stay apart, a second
//! process sees writes at once, and a reset elsewhere closes a reveal here.

use std::sync::Arc;
use std::time::Duration;

use keyward::catalog::Catalog;
use keyward::model::{AppName, NewApplication, Region};
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
    conn.execute_batch(
        "DROP TABLE previous_secrets;
         DROP INDEX applications_region_name_key;
         ALTER TABLE applications DROP COLUMN name_key;
         PRAGMA user_version = 2;",
    )
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
