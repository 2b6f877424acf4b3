//! One test suite for every `Registry` implementation: the embedded store runs
//! it directly, the HTTP client of the admin API runs it against a live server.
//!
//! Each check takes a fresh, empty registry for region `us` from a factory, so
//! implementations only have to say how to make one.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use keyward::model::{Access, AppName, ClientId, ClientSecret, Grant, NewApplication};
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
