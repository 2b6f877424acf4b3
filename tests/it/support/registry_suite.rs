//! One test suite for every `Registry` implementation: the embedded store runs
//! it directly, the HTTP client of the admin API runs it against a live server.
//!
//! Each check takes a fresh, empty registry for region `us` from a factory, so
//! implementations only have to say how to make one.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use keyward::model::{
    Access, AppName, AuditAction, AuditEvent, AuditQuery, ClientId, ClientSecret, Grant,
    NewApplication, SecretState, SecretUsage,
};
use keyward::registry::{Registry, RegistryError};

pub type BoxedRegistry = Box<dyn Registry>;
/// Makes a fresh, empty registry whose secrets stay visible for `window`.
pub type Factory<'a> = &'a dyn Fn(Duration) -> Pin<Box<dyn Future<Output = BoxedRegistry> + Send>>;

const WINDOW: Duration = Duration::from_secs(900);

fn grant(s: &str) -> Grant {
    Grant::parse_assignment(s).unwrap()
}

fn new_app(name: &str, grants: &[&str]) -> NewApplication {
    NewApplication {
        client_name: AppName::parse(name).unwrap(),
        grants: grants.iter().map(|g| grant(g)).collect(),
        admin: false,
    }
}

/// Runs every check, each on a fresh registry.
pub async fn run_all(make: Factory<'_>) {
    create_get_list(make(WINDOW).await.as_ref()).await;
    names_are_unique_per_region(make(WINDOW).await.as_ref()).await;
    rename_changes_only_the_name(make(WINDOW).await.as_ref()).await;
    set_access_merges(make(WINDOW).await.as_ref()).await;
    unknown_scopes_are_refused(make(WINDOW).await.as_ref()).await;
    reset_kills_the_old_secret(make(WINDOW).await.as_ref()).await;
    delete_removes_everything(make(WINDOW).await.as_ref()).await;
    unknown_ids_are_not_found(make(WINDOW).await.as_ref()).await;
    create_many_is_all_or_nothing(make(WINDOW).await.as_ref()).await;
    reveal_only_inside_the_window(make).await;
    rotate_keeps_the_old_secret_until_retired(make(WINDOW).await.as_ref()).await;
    reset_during_the_grace_kills_both_older_secrets(make(WINDOW).await.as_ref()).await;
    a_rotation_without_grace_ends_the_old_secret_at_once(make(WINDOW).await.as_ref()).await;
    usage_is_recorded_per_secret(make(WINDOW).await.as_ref()).await;
    every_change_writes_one_matching_event(make(WINDOW).await.as_ref()).await;
    suspend_stops_tokens_until_resumed(make(WINDOW).await.as_ref()).await;
    the_trash_keeps_an_application_until_restored_or_purged(make(WINDOW).await.as_ref()).await;
    signing_keys_are_kept_and_rotated(make(WINDOW).await.as_ref()).await;
}

/// A store (embedded, PostgreSQL) makes a region's first signing key once,
/// gives the same keys on every read, and rotates: the new key signs after
/// the delay, the old one retires then and stays published an hour (and a
/// minute) more; a second rotation waits, and too short a delay is refused.
/// A registry that keeps no keys (remote) refuses both, saying where they are.
async fn signing_keys_are_kept_and_rotated(r: &dyn Registry) {
    let ring = match r.signing_keys().await {
        Err(RegistryError::KeysElsewhere { region }) => {
            assert_eq!(&region, r.region());
            assert!(matches!(
                r.rotate_signing_key(Duration::from_secs(600)).await,
                Err(RegistryError::KeysElsewhere { .. })
            ));
            return;
        }
        other => other.unwrap(),
    };
    let first = ring.infos();
    assert_eq!(first.len(), 1);
    assert!(first[0].signs(chrono::Utc::now()));
    assert_eq!(r.signing_keys().await.unwrap().infos(), first);
    assert!(matches!(
        r.rotate_signing_key(Duration::from_secs(1)).await,
        Err(RegistryError::InvalidInput(_))
    ));
    let (new, ring) = r
        .rotate_signing_key(Duration::from_secs(600))
        .await
        .unwrap();
    assert_eq!(
        new.signs_from - new.created_at,
        chrono::Duration::seconds(600)
    );
    let infos = ring.infos();
    assert_eq!(infos.len(), 2);
    assert_eq!(infos[0].kid, first[0].kid);
    assert_eq!(infos[0].retired_at, Some(new.signs_from));
    assert_eq!(
        infos[0].published_until,
        Some(new.signs_from + chrono::Duration::seconds(3600 + 60))
    );
    assert_eq!(infos[1], new);
    assert_eq!(ring.signing_key(chrono::Utc::now()).info.kid, first[0].kid);
    assert_eq!(ring.signing_key(new.signs_from).info.kid, new.kid);
    assert_eq!(ring.published(chrono::Utc::now()).count(), 2);
    assert_eq!(r.signing_keys().await.unwrap().infos(), infos);
    match r.rotate_signing_key(Duration::from_secs(600)).await {
        Err(RegistryError::KeyWaiting { kid, .. }) => assert_eq!(kid, new.kid),
        other => panic!("a second rotation went through: {other:?}"),
    }
}

/// The newest events, newest first.
async fn newest_events(r: &dyn Registry, n: usize) -> Vec<AuditEvent> {
    r.audit(AuditQuery {
        limit: n,
        ..AuditQuery::default()
    })
    .await
    .unwrap()
}

/// Runs `change`, then checks that it left exactly one new event, of
/// `action`, about `id`; returns that event.
async fn one_event_for<F: std::future::Future>(
    r: &dyn Registry,
    action: AuditAction,
    id: Option<&ClientId>,
    change: F,
) -> (F::Output, AuditEvent) {
    let before = newest_events(r, 1).await.first().map_or(0, |e| e.body.seq);
    let out = change.await;
    let new = r
        .audit(AuditQuery {
            after_seq: Some(before),
            oldest_first: true,
            limit: 100,
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(new.len(), 1, "one event for {action}: {new:#?}");
    let event = new.into_iter().next().unwrap();
    assert_eq!(event.body.action, action);
    assert_eq!(event.body.region, r.region().as_str());
    if let Some(id) = id {
        assert_eq!(event.body.client_id.as_deref(), Some(id.as_str()));
    }
    (out, event)
}

async fn no_new_event<F: std::future::Future>(r: &dyn Registry, change: F) -> F::Output {
    let before = newest_events(r, 1).await.first().map(|e| e.body.seq);
    let out = change.await;
    let after = newest_events(r, 1).await.first().map(|e| e.body.seq);
    assert_eq!(before, after, "a failed or empty change records nothing");
    out
}

pub async fn every_change_writes_one_matching_event(r: &dyn Registry) {
    let (issued, e) = one_event_for(
        r,
        AuditAction::Create,
        None,
        r.create(new_app("Payroll", &["audit:logs=read"])),
    )
    .await;
    let issued = issued.unwrap();
    let id = issued.application.client_id.clone();
    let mut secrets = vec![issued.reveal.secret.clone()];
    assert_eq!(e.body.client_id.as_deref(), Some(id.as_str()));
    assert_eq!(e.body.client_name.as_deref(), Some("Payroll"));
    assert_eq!(e.body.changes["client_name"]["after"], "Payroll");
    assert_eq!(e.body.changes["scopes"]["audit:logs"]["after"], "read");

    let (_, e) = one_event_for(
        r,
        AuditAction::Rename,
        Some(&id),
        r.rename(&id, AppName::parse("Payroll sync").unwrap()),
    )
    .await;
    assert_eq!(e.body.changes["client_name"]["before"], "Payroll");
    assert_eq!(e.body.changes["client_name"]["after"], "Payroll sync");
    assert_eq!(e.body.client_name.as_deref(), Some("Payroll sync"));

    let (_, e) = one_event_for(
        r,
        AuditAction::SetScopes,
        Some(&id),
        r.set_access(&id, vec![grant("audit:logs=write")]),
    )
    .await;
    assert_eq!(e.body.changes["scopes"]["audit:logs"]["before"], "read");
    assert_eq!(e.body.changes["scopes"]["audit:logs"]["after"], "write");

    let (reset, _) =
        one_event_for(r, AuditAction::ResetSecret, Some(&id), r.reset_secret(&id)).await;
    secrets.push(reset.unwrap().reveal.secret);
    let (rotated, e) = one_event_for(
        r,
        AuditAction::RotateSecret,
        Some(&id),
        r.rotate_secret(&id, chrono::Duration::hours(1)),
    )
    .await;
    assert_eq!(e.body.changes["grace_seconds"], 3600);
    secrets.push(rotated.unwrap().reveal.secret);
    one_event_for(
        r,
        AuditAction::RetireSecret,
        Some(&id),
        r.retire_secret(&id),
    )
    .await
    .0
    .unwrap();
    let (_, e) = one_event_for(r, AuditAction::Suspend, Some(&id), r.suspend(&id)).await;
    assert_eq!(
        e.body.changes["suspended_at"]["before"],
        serde_json::Value::Null
    );
    assert!(e.body.changes["suspended_at"]["after"].is_string());
    no_new_event(r, r.suspend(&id)).await.unwrap();
    let (_, e) = one_event_for(r, AuditAction::Resume, Some(&id), r.resume(&id)).await;
    assert!(e.body.changes["suspended_at"]["before"].is_string());
    no_new_event(r, r.resume(&id)).await.unwrap();

    // Refused changes, and changes to nothing, record nothing.
    r.create(new_app("Other", &[])).await.unwrap();
    no_new_event(r, r.rename(&id, AppName::parse("Other").unwrap()))
        .await
        .unwrap_err();
    no_new_event(r, r.retire_secret(&id)).await.unwrap_err();
    no_new_event(r, r.set_access(&id, vec![grant("audit:logs=write")]))
        .await
        .unwrap();

    batch_delete_and_filters(r, &id, secrets).await;
}

/// The rest of [`every_change_writes_one_matching_event`]: a batch makes one
/// event per application, a delete one; filters; no secret in the log.
async fn batch_delete_and_filters(r: &dyn Registry, id: &ClientId, mut secrets: Vec<ClientSecret>) {
    let before = newest_events(r, 1).await[0].body.seq;
    let many = r
        .create_many(vec![new_app("A1", &[]), new_app("A2", &[])])
        .await
        .unwrap();
    let created = r
        .audit(AuditQuery {
            after_seq: Some(before),
            oldest_first: true,
            limit: 10,
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    let ids: Vec<_> = created.iter().map(|e| e.body.client_id.clone()).collect();
    let want: Vec<_> = many
        .iter()
        .map(|i| Some(i.application.client_id.to_string()))
        .collect();
    assert_eq!(ids, want, "one create event per application of a batch");
    secrets.extend(many.into_iter().map(|i| i.reveal.secret));

    let (trashed, e) = one_event_for(r, AuditAction::Delete, Some(id), r.delete(id)).await;
    let purge_after = trashed.unwrap().lifecycle.purge_after.unwrap();
    assert_eq!(
        e.body.changes["purge_after"]["after"],
        keyward::model::wire::rfc3339(purge_after)
    );
    let (_, e) = one_event_for(r, AuditAction::Restore, Some(id), r.restore(id)).await;
    assert!(e.body.changes["deleted_at"]["before"].is_string());
    no_new_event(r, r.restore(id)).await.unwrap_err();
    no_new_event(r, r.purge(id)).await.unwrap_err();
    one_event_for(r, AuditAction::Delete, Some(id), r.delete(id))
        .await
        .0
        .unwrap();
    let (_, e) = one_event_for(r, AuditAction::Purge, Some(id), r.purge(id)).await;
    assert_eq!(e.body.changes["reason"], "requested");
    assert_eq!(e.body.changes["client_name"]["before"], "Payroll sync");

    // Filters, and no secret anywhere in the log.
    let only = r
        .audit(AuditQuery {
            client_id: Some(id.to_string()),
            action: Some(AuditAction::Rename),
            limit: 10,
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(only.len(), 1);
    let all = newest_events(r, 1000).await;
    assert!(
        all.windows(2).all(|w| w[0].body.seq > w[1].body.seq),
        "newest first"
    );
    let text = serde_json::to_string(&all).unwrap();
    for s in &secrets {
        assert!(!text.contains(s.expose()), "a secret in the audit log");
    }
    // Where the registry can walk the chain (not remote), it verifies.
    if let Ok(walked) = r.verify_audit(None).await {
        assert_eq!(walked.unwrap().0, all.len() as u64);
    }
}

async fn works(r: &dyn Registry, id: &ClientId, secret: &ClientSecret) -> bool {
    r.authenticate(id, secret).await.unwrap().is_some()
}

/// A suspended application keeps its secrets and its place in the list, and
/// gets no token until resumed; then the same secret works again.
pub async fn suspend_stops_tokens_until_resumed(r: &dyn Registry) {
    let issued = r
        .create(new_app("App", &["ess:account=read"]))
        .await
        .unwrap();
    let (id, secret) = (issued.application.client_id.clone(), issued.reveal.secret);
    assert!(works(r, &id, &secret).await);
    let suspended = r.suspend(&id).await.unwrap();
    let since = suspended.lifecycle.suspended_at.expect("suspended_at");
    assert!(
        !works(r, &id, &secret).await,
        "a suspended client got a token"
    );
    assert_eq!(
        r.get(&id).await.unwrap().lifecycle.suspended_at,
        Some(since)
    );
    let listed = r.list().await.unwrap();
    assert!(listed.iter().any(|a| a.client_id == id && a.is_suspended()));
    // Suspending again changes nothing.
    assert_eq!(
        r.suspend(&id).await.unwrap().lifecycle.suspended_at,
        Some(since)
    );
    let resumed = r.resume(&id).await.unwrap();
    assert!(!resumed.is_suspended());
    assert_eq!(resumed.current_secret(), suspended.current_secret());
    assert!(works(r, &id, &secret).await, "the old secret works again");
    let unknown = ClientId::generate();
    for outcome in [r.suspend(&unknown).await, r.resume(&unknown).await] {
        assert!(matches!(outcome, Err(RegistryError::NotFound { .. })));
    }
}

/// A delete moves an application to the trash for the store's period (7
/// days): no token, out of every read but the trash's, its name free. A
/// restore brings it back with its secret unchanged (refused while another
/// has its name); a purge removes it for good.
pub async fn the_trash_keeps_an_application_until_restored_or_purged(r: &dyn Registry) {
    let issued = r
        .create(new_app("App", &["ess:account=read"]))
        .await
        .unwrap();
    let (id, secret) = (issued.application.client_id.clone(), issued.reveal.secret);
    let trashed = r.delete(&id).await.unwrap();
    let (deleted_at, purge_after) = (
        trashed.lifecycle.deleted_at.unwrap(),
        trashed.lifecycle.purge_after.unwrap(),
    );
    assert_eq!(purge_after - deleted_at, chrono::Duration::days(7));
    assert!(
        !works(r, &id, &secret).await,
        "a trashed client got a token"
    );
    assert!(matches!(
        r.get(&id).await,
        Err(RegistryError::NotFound { .. })
    ));
    assert!(r.list().await.unwrap().iter().all(|a| a.client_id != id));
    assert!(matches!(
        r.delete(&id).await,
        Err(RegistryError::NotFound { .. })
    ));
    assert!(matches!(
        r.rename(&id, AppName::parse("X").unwrap()).await,
        Err(RegistryError::NotFound { .. })
    ));
    let trash = r.list_deleted().await.unwrap();
    assert_eq!(trash.len(), 1);
    assert_eq!(trash[0].client_id, id);
    assert_eq!(trash[0].lifecycle.purge_after, Some(purge_after));
    assert_eq!(trash[0].grants, issued.application.grants);

    // The name is free meanwhile; a restore under it waits for a rename.
    let other = r.create(new_app("app", &[])).await.unwrap().application;
    match r.restore(&id).await {
        Err(RegistryError::RestoreNameTaken { name, .. }) => assert_eq!(name, "App"),
        other => panic!("restored over a taken name: {other:?}"),
    }
    assert!(matches!(
        r.restore(&other.client_id).await,
        Err(RegistryError::NotInTrash { .. })
    ));
    assert!(matches!(
        r.purge(&other.client_id).await,
        Err(RegistryError::NotInTrash { .. })
    ));
    r.rename(&other.client_id, AppName::parse("Other").unwrap())
        .await
        .unwrap();
    let restored = r.restore(&id).await.unwrap();
    assert_eq!(restored.lifecycle, keyward::model::Lifecycle::default());
    assert_eq!(
        restored.current_secret(),
        issued.application.current_secret()
    );
    assert!(works(r, &id, &secret).await, "the old secret works again");
    assert!(r.list_deleted().await.unwrap().is_empty());

    // A suspended application stays suspended through the trash.
    r.suspend(&id).await.unwrap();
    r.delete(&id).await.unwrap();
    assert!(r.list_deleted().await.unwrap()[0].is_suspended());
    r.purge(&id).await.unwrap();
    assert!(r.list_deleted().await.unwrap().is_empty());
    assert!(!works(r, &id, &secret).await);
    for outcome in [r.restore(&id).await.map(|_| ()), r.purge(&id).await] {
        assert!(matches!(outcome, Err(RegistryError::NotFound { .. })));
    }
}

/// With a trash period of 0 (a store set so; the config allows 1 to 365
/// days), a deleted application is gone to every read at once, and the
/// region's next write removes it for good with its own audit event.
pub async fn an_ended_trash_period_is_gone_at_once(r: &dyn Registry) {
    let issued = r.create(new_app("Gone", &[])).await.unwrap();
    let id = issued.application.client_id.clone();
    r.delete(&id).await.unwrap();
    assert!(r.list_deleted().await.unwrap().is_empty());
    assert!(matches!(
        r.restore(&id).await,
        Err(RegistryError::NotFound { .. })
    ));
    assert!(!works(r, &id, &issued.reveal.secret).await);
    let before = newest_events(r, 1).await[0].body.seq;
    r.create(new_app("Next", &[])).await.unwrap();
    let new = r
        .audit(AuditQuery {
            after_seq: Some(before),
            oldest_first: true,
            limit: 10,
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    let actions: Vec<_> = new.iter().map(|e| e.body.action).collect();
    assert_eq!(actions, [AuditAction::Purge, AuditAction::Create]);
    assert_eq!(new[0].body.client_id.as_deref(), Some(id.as_str()));
    assert_eq!(new[0].body.changes["reason"], "trash_period_ended");
    if let Ok(walked) = r.verify_audit(None).await {
        assert!(walked.is_ok());
    }
}

pub async fn rotate_keeps_the_old_secret_until_retired(r: &dyn Registry) {
    let first = r
        .create(new_app("App", &["ess:account=read"]))
        .await
        .unwrap();
    let id = first.application.client_id.clone();
    let old = first.reveal.secret.clone();
    let old_id = first.application.secrets[0].secret_id.clone();
    assert_eq!(first.application.secrets.len(), 1);
    assert_eq!(first.application.secrets[0].state, SecretState::Current);

    let before = chrono::Utc::now();
    let rotated = r
        .rotate_secret(&id, chrono::Duration::hours(1))
        .await
        .unwrap();
    let new = rotated.reveal.secret.clone();
    assert_ne!(new, old);
    assert!(rotated.reveal.visible_until > chrono::Utc::now() + chrono::Duration::seconds(800));
    assert!(
        works(r, &id, &old).await,
        "the old secret works during the grace"
    );
    assert!(works(r, &id, &new).await, "the new secret works");
    let app = r.get(&id).await.unwrap();
    assert_eq!(app.secrets.len(), 2, "{:?}", app.secrets);
    let current = app.current_secret().unwrap();
    let retiring = app.retiring_secret().unwrap();
    assert_eq!(retiring.secret_id, old_id, "the old secret keeps its ID");
    assert_ne!(current.secret_id, old_id);
    let until = retiring.expires_at.unwrap();
    assert!(until >= before + chrono::Duration::hours(1) - chrono::Duration::seconds(1));
    assert!(
        until <= chrono::Utc::now() + chrono::Duration::hours(1) + chrono::Duration::seconds(1)
    );
    assert_eq!(
        r.reveal(&id).await.unwrap().secret,
        new,
        "the new secret is the one shown"
    );

    // At most two secrets: a second rotation says what to do.
    let e = r
        .rotate_secret(&id, chrono::Duration::hours(1))
        .await
        .unwrap_err();
    assert!(matches!(e, RegistryError::AlreadyRetiring { .. }), "{e}");
    let said = e.to_string();
    assert!(said.contains("retire") && said.contains("reset"), "{said}");
    assert!(
        works(r, &id, &old).await && works(r, &id, &new).await,
        "nothing changed"
    );

    // Out-of-range grace.
    let e = r
        .rotate_secret(&id, chrono::Duration::days(31))
        .await
        .unwrap_err();
    assert!(matches!(e, RegistryError::InvalidInput(_)), "{e}");

    let app = r.retire_secret(&id).await.unwrap();
    assert_eq!(app.secrets.len(), 1);
    assert!(!works(r, &id, &old).await, "retired: the old secret fails");
    assert!(works(r, &id, &new).await);
    let e = r.retire_secret(&id).await.unwrap_err();
    assert!(matches!(e, RegistryError::NothingToRetire { .. }), "{e}");
    assert!(matches!(
        r.rotate_secret(&ClientId::generate(), chrono::Duration::hours(1))
            .await,
        Err(RegistryError::NotFound { .. })
    ));
    assert!(matches!(
        r.retire_secret(&ClientId::generate()).await,
        Err(RegistryError::NotFound { .. })
    ));
}

pub async fn reset_during_the_grace_kills_both_older_secrets(r: &dyn Registry) {
    let first = r.create(new_app("App", &[])).await.unwrap();
    let id = first.application.client_id.clone();
    let rotated = r
        .rotate_secret(&id, chrono::Duration::hours(1))
        .await
        .unwrap();
    let reset = r.reset_secret(&id).await.unwrap();
    assert!(
        !works(r, &id, &first.reveal.secret).await,
        "the retiring secret died"
    );
    assert!(
        !works(r, &id, &rotated.reveal.secret).await,
        "the previous current died"
    );
    assert!(works(r, &id, &reset.reveal.secret).await);
    let app = r.get(&id).await.unwrap();
    assert_eq!(app.secrets.len(), 1);
    assert_eq!(reset.application.secrets.len(), 1);
    // With nothing retiring, a rotation is allowed again.
    r.rotate_secret(&id, chrono::Duration::hours(1))
        .await
        .unwrap();
}

pub async fn a_rotation_without_grace_ends_the_old_secret_at_once(r: &dyn Registry) {
    let first = r.create(new_app("App", &[])).await.unwrap();
    let id = first.application.client_id.clone();
    let rotated = r
        .rotate_secret(&id, chrono::Duration::zero())
        .await
        .unwrap();
    assert!(!works(r, &id, &first.reveal.secret).await);
    assert!(works(r, &id, &rotated.reveal.secret).await);
    assert_eq!(
        r.get(&id).await.unwrap().secrets.len(),
        1,
        "an expired secret is not shown"
    );
    // An expired retiring secret does not block the next rotation.
    let again = r
        .rotate_secret(&id, chrono::Duration::hours(1))
        .await
        .unwrap();
    assert!(works(r, &id, &rotated.reveal.secret).await);
    assert!(works(r, &id, &again.reveal.secret).await);
}

/// Usage goes in by `record_usage` (a store) or by the server that answers
/// the token requests (a remote registry, whose `record_usage` does nothing):
/// either way it shows within a few seconds.
pub async fn usage_is_recorded_per_secret(r: &dyn Registry) {
    let first = r.create(new_app("App", &[])).await.unwrap();
    let id = first.application.client_id.clone();
    let never = r.create(new_app("Idle", &[])).await.unwrap();
    let rotated = r
        .rotate_secret(&id, chrono::Duration::hours(1))
        .await
        .unwrap();
    assert!(works(r, &id, &first.reveal.secret).await);
    assert!(works(r, &id, &rotated.reveal.secret).await);
    let app = r.get(&id).await.unwrap();
    let now = chrono::Utc::now();
    let uses = app
        .secrets
        .iter()
        .map(|s| SecretUsage {
            client_id: id.clone(),
            secret_id: s.secret_id.clone(),
            at: now,
            from: Some("127.0.0.1".into()),
        })
        .collect();
    r.record_usage(uses).await.unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    let app = loop {
        let app = r.get(&id).await.unwrap();
        if app.secrets.iter().all(|s| s.last_used_at.is_some())
            || std::time::Instant::now() > deadline
        {
            break app;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    for s in &app.secrets {
        assert!(s.last_used_at.is_some(), "{s:?}");
        assert_eq!(s.last_used_from.as_deref(), Some("127.0.0.1"), "{s:?}");
    }
    assert!(app.last_used_at.is_some());
    let idle = r.get(&never.application.client_id).await.unwrap();
    assert_eq!(idle.last_used_at, None);
    assert!(idle.secrets.iter().all(|s| s.last_used_at.is_none()));
}

pub async fn create_get_list(r: &dyn Registry) {
    let issued = r
        .create(new_app(
            "Payroll sync",
            &["forensics:account=write", "ess:account=read"],
        ))
        .await
        .unwrap();
    let app = &issued.application;
    assert_eq!(app.client_name.as_str(), "Payroll sync");
    assert_eq!(&app.region, r.region());
    assert_eq!(app.client_id.as_str().len(), 32);
    assert_eq!(issued.reveal.client_id, app.client_id);
    assert_eq!(issued.reveal.secret.expose().len(), 48);
    assert!(issued.reveal.visible_until > chrono::Utc::now() + chrono::Duration::seconds(800));
    assert_eq!(
        app.oauth_scopes(),
        vec![
            "ess:account:read",
            "forensics:account:read",
            "forensics:account:write"
        ]
    );
    assert!(
        r.verify_secret(&app.client_id, &issued.reveal.secret)
            .await
            .unwrap()
    );

    let got = r.get(&app.client_id).await.unwrap();
    assert_eq!(&got, app, "get returns what create returned");

    r.create(new_app("billing export", &[])).await.unwrap();
    r.create(new_app("Audit", &["audit:logs=read"]))
        .await
        .unwrap();
    let names: Vec<String> = r
        .list()
        .await
        .unwrap()
        .iter()
        .map(|a| a.client_name.to_string())
        .collect();
    assert_eq!(
        names,
        ["Audit", "billing export", "Payroll sync"],
        "sorted, case-insensitive"
    );
}

pub async fn names_are_unique_per_region(r: &dyn Registry) {
    r.create(new_app("Payroll", &[])).await.unwrap();
    let e = r.create(new_app("payroll", &[])).await.unwrap_err();
    assert!(matches!(e, RegistryError::DuplicateName { .. }), "{e}");
    assert_eq!(r.list().await.unwrap().len(), 1);
}

pub async fn rename_changes_only_the_name(r: &dyn Registry) {
    let a = r
        .create(new_app("Old", &["ess:account=read"]))
        .await
        .unwrap()
        .application;
    let other = r.create(new_app("Other", &[])).await.unwrap().application;
    let renamed = r
        .rename(&a.client_id, AppName::parse("New").unwrap())
        .await
        .unwrap();
    assert_eq!(renamed.client_name.as_str(), "New");
    assert_eq!(renamed.client_id, a.client_id);
    assert_eq!(renamed.grants, a.grants);
    assert!(renamed.updated_at >= a.updated_at);
    assert_eq!(
        r.get(&a.client_id).await.unwrap().client_name.as_str(),
        "New"
    );
    // Another application's name is taken; a case change of one's own is not.
    let e = r
        .rename(&a.client_id, other.client_name.clone())
        .await
        .unwrap_err();
    assert!(matches!(e, RegistryError::DuplicateName { .. }), "{e}");
    r.rename(&a.client_id, AppName::parse("NEW").unwrap())
        .await
        .unwrap();
}

pub async fn set_access_merges(r: &dyn Registry) {
    let a = r
        .create(new_app("App", &["ess:account=read", "audit:logs=write"]))
        .await
        .unwrap()
        .application;
    let changed = r
        .set_access(
            &a.client_id,
            vec![grant("audit:logs=none"), grant("forensics:account=write")],
        )
        .await
        .unwrap();
    assert_eq!(
        changed.grants,
        vec![grant("ess:account=read"), grant("forensics:account=write")]
    );
    assert_eq!(
        changed.access_to(&grant("audit:logs=read").scope),
        Access::None
    );
    assert_eq!(r.get(&a.client_id).await.unwrap().grants, changed.grants);
}

pub async fn unknown_scopes_are_refused(r: &dyn Registry) {
    let e = r
        .create(new_app("App", &["nope:thing=read"]))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("unknown scope") && e.contains("ess:account"),
        "{e}"
    );
    let e = r
        .create(new_app("App", &["ess:account=write"]))
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("does not offer"), "{e}");
    assert!(r.list().await.unwrap().is_empty(), "nothing was created");
    let a = r.create(new_app("App", &[])).await.unwrap().application;
    assert!(
        r.set_access(&a.client_id, vec![grant("nope:x=read")])
            .await
            .is_err()
    );
    assert!(r.get(&a.client_id).await.unwrap().grants.is_empty());
}

pub async fn reset_kills_the_old_secret(r: &dyn Registry) {
    let first = r
        .create(new_app("App", &["ess:account=read"]))
        .await
        .unwrap();
    let id = first.application.client_id.clone();
    let old = first.reveal.secret.clone();
    let second = r.reset_secret(&id).await.unwrap();
    assert_eq!(second.application.client_id, id, "the client ID stays");
    assert_eq!(second.application.grants, first.application.grants);
    assert_ne!(second.reveal.secret, old);
    assert!(
        !r.verify_secret(&id, &old).await.unwrap(),
        "old secret is dead"
    );
    assert!(r.verify_secret(&id, &second.reveal.secret).await.unwrap());
    // The token endpoint's one-read path agrees.
    assert!(r.authenticate(&id, &old).await.unwrap().is_none());
    let app = r
        .authenticate(&id, &second.reveal.secret)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(app, second.application, "with its grants");
    assert!(
        !r.verify_secret(&id, &ClientSecret::from_string(String::new()))
            .await
            .unwrap()
    );
}

pub async fn delete_removes_everything(r: &dyn Registry) {
    let issued = r
        .create(new_app("App", &["ess:account=read"]))
        .await
        .unwrap();
    let id = issued.application.client_id.clone();
    r.delete(&id).await.unwrap();
    assert!(matches!(
        r.get(&id).await,
        Err(RegistryError::NotFound { .. })
    ));
    assert!(!r.verify_secret(&id, &issued.reveal.secret).await.unwrap());
    assert!(
        r.authenticate(&id, &issued.reveal.secret)
            .await
            .unwrap()
            .is_none()
    );
    assert!(r.reveal(&id).await.is_err());
    assert!(matches!(
        r.delete(&id).await,
        Err(RegistryError::NotFound { .. })
    ));
    // The name is free again.
    r.create(new_app("App", &[])).await.unwrap();
}

pub async fn unknown_ids_are_not_found(r: &dyn Registry) {
    let id = ClientId::generate();
    assert!(matches!(
        r.get(&id).await,
        Err(RegistryError::NotFound { .. })
    ));
    assert!(matches!(
        r.rename(&id, AppName::parse("x").unwrap()).await,
        Err(RegistryError::NotFound { .. })
    ));
    assert!(matches!(
        r.set_access(&id, vec![grant("ess:account=read")]).await,
        Err(RegistryError::NotFound { .. })
    ));
    assert!(matches!(
        r.reset_secret(&id).await,
        Err(RegistryError::NotFound { .. })
    ));
    assert!(
        !r.verify_secret(&id, &ClientSecret::generate())
            .await
            .unwrap()
    );
    assert!(
        r.authenticate(&id, &ClientSecret::generate())
            .await
            .unwrap()
            .is_none()
    );
}

pub async fn create_many_is_all_or_nothing(r: &dyn Registry) {
    r.create(new_app("Taken", &[])).await.unwrap();
    let e = r
        .create_many(vec![
            new_app("A", &[]),
            new_app("B", &[]),
            new_app("taken", &[]),
        ])
        .await
        .unwrap_err();
    assert!(matches!(e, RegistryError::DuplicateName { .. }), "{e}");
    assert_eq!(
        r.list().await.unwrap().len(),
        1,
        "no part of the batch was kept"
    );
    let issued = r
        .create_many(
            (0..50)
                .map(|i| new_app(&format!("App {i:02}"), &["ess:account=read"]))
                .collect(),
        )
        .await
        .unwrap();
    assert_eq!(issued.len(), 50);
    assert_eq!(r.list().await.unwrap().len(), 51);
    for i in issued.iter().step_by(10) {
        assert!(
            r.verify_secret(&i.application.client_id, &i.reveal.secret)
                .await
                .unwrap()
        );
    }
}

pub async fn reveal_only_inside_the_window(make: Factory<'_>) {
    let r = make(WINDOW).await;
    let issued = r.create(new_app("App", &[])).await.unwrap();
    let id = issued.application.client_id.clone();
    let shown = r.reveal(&id).await.unwrap();
    assert_eq!(shown.secret, issued.reveal.secret);
    // A reset replaces what can be shown.
    let reset = r.reset_secret(&id).await.unwrap();
    assert_eq!(r.reveal(&id).await.unwrap().secret, reset.reveal.secret);

    // A short window closes for good.
    let r = make(Duration::from_secs(1)).await;
    let issued = r.create(new_app("Brief", &[])).await.unwrap();
    let id = issued.application.client_id.clone();
    assert!(r.reveal(&id).await.is_ok());
    tokio::time::sleep(Duration::from_millis(1300)).await;
    let e = r.reveal(&id).await.unwrap_err();
    assert!(matches!(e, RegistryError::RevealWindowClosed { .. }), "{e}");
    assert!(e.to_string().contains("reset"), "says what to do: {e}");
    // The secret still works; it just can't be seen.
    assert!(r.verify_secret(&id, &issued.reveal.secret).await.unwrap());
}
