//! The audit log on the PostgreSQL store: append-only for everyone but a
//! prune, one unbroken chain per region however many replicas append, and a
//! verify that names the first event edited, deleted, inserted or moved by
//! someone who could switch the triggers off.

use std::sync::Arc;
use std::time::Duration;

use keyward::catalog::Catalog;
use keyward::model::{
    Actor, AppName, AuditAction, AuditQuery, ChainBreak, NewApplication, NewAuditEvent, Region,
};
use keyward::registry::Registry;
use keyward::registry::postgres::{DatabaseUrl, PostgresRegistry};

use crate::support::postgres::{execute, fresh_database_url};

async fn open(url: &str, data_dir: &std::path::Path) -> PostgresRegistry {
    PostgresRegistry::open(
        &DatabaseUrl::parse(url).unwrap(),
        data_dir,
        Region::new("us").unwrap(),
        Arc::new(Catalog::builtin()),
        Duration::from_secs(900),
    )
    .await
    .unwrap()
}

/// A database whose region `us` has `n` events (a create, then renames).
async fn database_with_events(n: usize) -> (String, tempfile::TempDir) {
    let url = fresh_database_url().await;
    let dir = tempfile::tempdir().unwrap();
    let us = open(&url, dir.path()).await;
    let id = us
        .create(NewApplication {
            client_name: AppName::parse("Name 0").unwrap(),
            grants: vec![],
            admin: false,
        })
        .await
        .unwrap()
        .application
        .client_id;
    for i in 1..n {
        us.rename(&id, AppName::parse(&format!("Name {i}")).unwrap())
            .await
            .unwrap();
    }
    (url, dir)
}

/// What a role that owns the tables can do: switch the append-only
/// triggers off, then edit.
async fn tamper(url: &str, sql: &str) {
    execute(
        url,
        &format!(
            "ALTER TABLE keyward.audit_events DISABLE TRIGGER USER; {sql};
             ALTER TABLE keyward.audit_events ENABLE TRIGGER USER;"
        ),
    )
    .await;
}

async fn run(url: &str, sql: &str) -> Result<(), tokio_postgres::Error> {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    let task = tokio::spawn(connection);
    let out = client.batch_execute(sql).await;
    drop(client);
    let _ = task.await;
    out
}

#[tokio::test]
async fn events_are_append_only_unless_the_triggers_are_switched_off() {
    let (url, _dir) = database_with_events(3).await;
    for sql in [
        "UPDATE keyward.audit_events SET at = 0 WHERE seq = 2",
        "DELETE FROM keyward.audit_events WHERE seq = 3",
        "TRUNCATE keyward.audit_events",
    ] {
        let e = run(&url, sql).await.unwrap_err();
        let text = e.as_db_error().map(|d| d.message().to_owned()).unwrap();
        assert!(text.contains("append-only"), "{sql}: {text}");
    }
}

#[tokio::test]
async fn the_audit_chain_names_the_first_edited_deleted_inserted_or_moved_event() {
    let cases: [(&str, ChainBreak); 4] = [
        (
            "UPDATE keyward.audit_events SET body = replace(body, 'Name 2', 'Name X') WHERE seq = 3",
            ChainBreak::Content { seq: 3 },
        ),
        (
            "DELETE FROM keyward.audit_events WHERE seq = 2",
            ChainBreak::Link { seq: 3 },
        ),
        (
            "INSERT INTO keyward.audit_events SELECT region, 6, at, action, client_id, body, hash FROM keyward.audit_events WHERE seq = 2",
            ChainBreak::Link { seq: 6 },
        ),
        (
            "UPDATE keyward.audit_events SET seq = -1 WHERE seq = 2; UPDATE keyward.audit_events SET seq = 2 WHERE seq = 3; UPDATE keyward.audit_events SET seq = 3 WHERE seq = -1",
            ChainBreak::Link { seq: 2 },
        ),
    ];
    for (sql, want) in cases {
        let (url, dir) = database_with_events(5).await;
        let us = open(&url, dir.path()).await;
        assert_eq!(us.verify_audit(None).await.unwrap().unwrap().0, 5);
        tamper(&url, sql).await;
        assert_eq!(us.verify_audit(None).await.unwrap(), Err(want), "{sql}");
    }
}

#[tokio::test]
async fn a_prune_leaves_a_checkpoint_and_a_head_kept_elsewhere_catches_a_rewritten_tail() {
    let (url, dir) = database_with_events(4).await;
    let us = open(&url, dir.path()).await;
    let head = us.audit_head().await.unwrap().unwrap();
    let cut = chrono::Utc::now() + chrono::Duration::milliseconds(5);
    tokio::time::sleep(Duration::from_millis(20)).await;
    let id = us.list().await.unwrap()[0].client_id.clone();
    us.rename(&id, AppName::parse("After").unwrap())
        .await
        .unwrap();
    assert_eq!(us.prune_audit(cut).await.unwrap(), 4);
    assert_eq!(us.verify_audit(None).await.unwrap().unwrap().0, 1);
    assert!(us.verify_audit(Some(head)).await.unwrap().is_ok());
    let newest = us.audit_head().await.unwrap().unwrap();
    assert_eq!(newest.seq, 5);
    us.rename(&id, AppName::parse("After 2").unwrap())
        .await
        .unwrap();
    // The newest event removed: what is left verifies, but not against the
    // head kept elsewhere.
    tamper(&url, "DELETE FROM keyward.audit_events WHERE seq = 6").await;
    let kept = keyward::model::ChainHead {
        seq: 6,
        hash: "0".repeat(64),
    };
    assert!(us.verify_audit(None).await.unwrap().is_ok());
    assert_eq!(
        us.verify_audit(Some(kept.clone())).await.unwrap(),
        Err(ChainBreak::HeadMissing { expected: kept })
    );
}

/// Two replicas (two processes' worth of pools) and security events from
/// both, all at once: one chain, numbered without a gap, that verifies.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn replicas_appending_at_once_keep_one_unbroken_chain() {
    let url = fresh_database_url().await;
    let dir = tempfile::tempdir().unwrap();
    let a = open(&url, dir.path()).await;
    let b = open(&url, dir.path()).await;
    let mut tasks = Vec::new();
    for (i, r) in [a.clone(), b.clone()].into_iter().enumerate() {
        for j in 0..10 {
            let r = r.clone();
            tasks.push(tokio::spawn(async move {
                r.create(NewApplication {
                    client_name: AppName::parse(&format!("App {i}-{j}")).unwrap(),
                    grants: vec![],
                    admin: false,
                })
                .await
                .unwrap();
                let r = r.acting_as(Actor::api("admin-client", Some("127.0.0.1".into())));
                r.unwrap()
                    .record_security_event(NewAuditEvent {
                        at: chrono::Utc::now(),
                        action: AuditAction::Throttled,
                        client_id: None,
                        client_name: None,
                        changes: serde_json::json!({}),
                    })
                    .await
                    .unwrap();
            }));
        }
    }
    for t in tasks {
        t.await.unwrap();
    }
    let (walked, head) = b.verify_audit(None).await.unwrap().unwrap();
    assert_eq!(walked, 40);
    assert_eq!(head.unwrap().seq, 40);
    let creates = a
        .audit(AuditQuery {
            action: Some(AuditAction::Create),
            limit: 100,
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(creates.len(), 20);
    assert!(creates.iter().all(|e| e.body.actor.via.as_str() == "cli"));
}
