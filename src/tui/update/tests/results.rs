//! What registry calls bring back, and reloads that show others' changes.

use super::*;

#[test]
fn a_created_app_is_selected_and_its_window_starts() {
    let mut s = state();
    send(&mut s, [ch('/')]);
    send(&mut s, typed("siem"));
    s.pending = 1;
    let new = app(7, "Alpha", &[]);
    send(
        &mut s,
        [Msg::Created {
            region: 0,
            result: Ok(issued(new, 900)),
        }],
    );
    assert_eq!(selected_name(&s), "Alpha");
    assert!(s.filter.query.is_empty(), "the filter no longer hides it");
    assert_eq!(s.reveal_of(&id(7)).unwrap().seconds_left(s.now), 900);
    assert!(!s.unmasked, "masked by default");
    assert!(s.needs_tick());
    assert_eq!(s.pending, 0);
}

#[test]
fn a_failed_add_or_rename_reopens_the_dialog_as_it_was() {
    let mut s = state();
    send(&mut s, [ch('a')]);
    send(&mut s, typed("Payroll sync"));
    send(
        &mut s,
        [key(KeyCode::Tab), key(KeyCode::Right), key(KeyCode::Enter)],
    );
    assert!(s.popup.is_none());
    send(
        &mut s,
        [Msg::Created {
            region: 0,
            result: Err(CallError::NameTaken(
                "an application named 'Payroll sync' already exists in region us".into(),
            )),
        }],
    );
    let Some(Popup::Add(f)) = &s.popup else {
        panic!("reopened")
    };
    assert_eq!(f.name.text, "Payroll sync");
    assert_eq!(f.grid.rows[0].access, Access::Read, "the scopes are kept");
    assert!(f.error.as_deref().unwrap().contains("already exists"));
    assert_eq!(f.focus, AddFocus::Name);

    let mut s = state();
    send(&mut s, [ch('e'), ctrl('u')]);
    send(&mut s, typed("Payroll sync"));
    send(&mut s, [key(KeyCode::Enter)]);
    send(
        &mut s,
        [Msg::Updated {
            region: 0,
            what: "Renamed to",
            result: Err(CallError::NameTaken("already exists".into())),
        }],
    );
    assert!(
        matches!(&s.popup, Some(Popup::Rename { input, error: Some(_), .. }) if input.text == "Payroll sync")
    );
}

#[test]
fn r_reloads_the_active_region_with_the_spinner() {
    let mut s = state();
    let fx = send(&mut s, [ch('r')]);
    assert_eq!(fx, vec![Effect::Load { region: 0 }]);
    assert_eq!(s.pending, 1);
    assert_eq!(s.status.as_ref().unwrap().text, "Reloading US…");
    let apps = s.regions[0].apps.clone();
    send(
        &mut s,
        [Msg::Loaded {
            region: 0,
            result: Ok(apps),
        }],
    );
    assert_eq!(s.pending, 0);
    assert_eq!(
        s.status.as_ref().unwrap().text,
        "Reloaded US: 4 applications"
    );
}

#[test]
fn poll_asks_for_a_quiet_reload_only_when_idle() {
    let mut s = state();
    s.regions[0].fingerprint = Some("4:1".into());
    let fx = send(&mut s, [Msg::Poll]);
    assert_eq!(
        fx,
        vec![Effect::Refresh {
            region: 0,
            known: Some("4:1".into())
        }]
    );
    assert!(s.refreshing);
    // One at a time.
    assert!(send(&mut s, [Msg::Poll]).is_empty());
    // Nothing changed: no redraw, and the next poll may go.
    s.dirty = false;
    send(
        &mut s,
        [Msg::Refreshed {
            region: 0,
            fingerprint: Some("4:1".into()),
            result: Ok(None),
        }],
    );
    assert!(!s.dirty);
    assert!(!s.refreshing);
    assert_eq!(s.pending, 0, "quiet: no spinner");
    // A call in flight or a region not loaded yet: no poll.
    s.pending = 1;
    assert!(send(&mut s, [Msg::Poll]).is_empty());
    let mut s = state();
    send(&mut s, [key(KeyCode::Tab)]);
    s.pending = 0;
    assert!(send(&mut s, [Msg::Poll]).is_empty());
}

#[test]
fn a_quiet_reload_keeps_the_selection_and_the_open_dialog() {
    let mut s = state();
    send(&mut s, [key(KeyCode::Down), ch('s')]);
    assert_eq!(selected_name(&s), "Payroll sync");
    send(&mut s, [key(KeyCode::Right)]);
    let dialog = s.popup.clone();
    // Another process added one that sorts first, and renamed another.
    let mut apps = s.regions[0].apps.clone();
    apps.insert(0, app(9, "Aardvark", &[]));
    apps[3].client_name = AppName::parse("SIEM forwarder 2").unwrap();
    s.dirty = false;
    s.refreshing = true;
    send(
        &mut s,
        [Msg::Refreshed {
            region: 0,
            fingerprint: Some("5:2".into()),
            result: Ok(Some(apps)),
        }],
    );
    assert!(s.dirty);
    assert_eq!(s.regions[0].apps.len(), 5);
    assert_eq!(s.regions[0].fingerprint.as_deref(), Some("5:2"));
    assert_eq!(selected_name(&s), "Payroll sync");
    assert_eq!(s.popup, dialog, "the scope editor is untouched");

    // A failing reload says so once, without a spinner.
    send(
        &mut s,
        [Msg::Refreshed {
            region: 0,
            fingerprint: None,
            result: Err(CallError::Failed("connection refused".into())),
        }],
    );
    let st = s.status.clone().unwrap();
    assert_eq!(st.kind, StatusKind::Error);
    assert_eq!(st.text, "Cannot reload: connection refused");
}

#[test]
fn a_reset_elsewhere_drops_the_secret_on_offer() {
    let mut s = with_fresh_secret();
    send(&mut s, [ch('v')]);
    assert!(s.unmasked);
    let ours = s.apps()[0].secret_issued_at;

    // A list taken before this session's own reset is no change.
    let stale = reloaded(&s, |apps| {
        apps[0].secret_issued_at = ours - Duration::hours(1)
    });
    send(&mut s, [stale]);
    assert!(s.reveal_of(&id(1)).is_some());

    let at = ours + Duration::seconds(30);
    let msg = reloaded(&s, |apps| apps[0].secret_issued_at = at);
    send(&mut s, [msg]);
    assert!(s.reveals.is_empty() && s.fresh.is_empty() && !s.unmasked);
    assert_eq!(s.status.as_ref().unwrap().kind, StatusKind::Info);
    assert!(
        status_text(&s).starts_with(&format!(
            "Secret of Billing export was reset elsewhere at {}",
            at.format("%Y-%m-%d %H:%M:%S UTC")
        )),
        "{:?}",
        s.status
    );
    let fx = send(&mut s, [ch('y'), ch('t')]);
    assert!(fx.is_empty(), "nothing to copy or test with: {fx:?}");

    // The same through `r`.
    let mut s = with_fresh_secret();
    let mut apps = s.regions[0].apps.clone();
    apps[0].secret_issued_at += Duration::seconds(1);
    send(&mut s, [ch('r')]);
    send(
        &mut s,
        [Msg::Loaded {
            region: 0,
            result: Ok(apps),
        }],
    );
    assert!(s.reveals.is_empty());
    assert!(status_text(&s).contains("was reset elsewhere"));
}

#[test]
fn a_later_success_replaces_an_old_error() {
    let fail = |s: &mut State| {
        s.pending = 1;
        send(
            s,
            [Msg::Created {
                region: 0,
                result: Err(CallError::Failed("the registry is locked".into())),
            }],
        );
        assert_eq!(s.status.as_ref().unwrap().kind, StatusKind::Error);
    };
    let a = state().selected_app().unwrap().clone();
    let successes: Vec<(Msg, &str)> = vec![
        (
            Msg::Updated {
                region: 0,
                what: "Renamed to",
                result: Ok(a.clone()),
            },
            "Renamed to",
        ),
        (
            Msg::SecretReset {
                region: 0,
                result: Ok(issued(a.clone(), 900)),
            },
            "New secret",
        ),
        (
            Msg::Created {
                region: 0,
                result: Ok(issued(app(9, "Fresh", &[]), 900)),
            },
            "Added Fresh",
        ),
        (
            Msg::Deleted {
                region: 0,
                id: id(1),
                name: "Billing export".into(),
                result: Ok(()),
            },
            "Deleted",
        ),
        (
            Msg::Copied {
                what: Kind::ClientId,
                result: Ok(CopyInfo::plain("OSC 52")),
            },
            "Client ID",
        ),
        (
            Msg::ClipboardCleared {
                result: Ok("Clipboard cleared".into()),
            },
            "Clipboard cleared",
        ),
    ];
    for (ok, says) in successes {
        let mut s = state();
        fail(&mut s);
        s.pending = 1;
        send(&mut s, [ok]);
        let st = s.status.clone().unwrap();
        assert_eq!(st.kind, StatusKind::Info, "{says}");
        assert!(st.text.contains(says), "{says}: {}", st.text);
    }
    // A key's own answer too, and a reload that works again.
    let mut s = state();
    fail(&mut s);
    send(&mut s, [ch('R'), ch('n')]);
    assert!(status_text(&s).contains("Nothing changed"));
    let mut s = state();
    send(
        &mut s,
        [Msg::Refreshed {
            region: 0,
            fingerprint: None,
            result: Err(CallError::Failed("connection refused".into())),
        }],
    );
    assert_eq!(s.status.as_ref().unwrap().kind, StatusKind::Error);
    send(
        &mut s,
        [Msg::Refreshed {
            region: 0,
            fingerprint: Some("1".into()),
            result: Ok(None),
        }],
    );
    assert!(s.status.is_none(), "{:?}", s.status);
}

#[test]
fn dialogs_for_an_app_deleted_or_renamed_elsewhere_close_on_reload() {
    for opener in ['e', 's', 'R', 'd', 't'] {
        let mut s = with_fresh_secret();
        send(&mut s, [ch(opener)]);
        assert!(s.popup.is_some(), "{opener}");
        let msg = reloaded(&s, |apps| apps.retain(|a| a.client_id != id(1)));
        send(&mut s, [msg]);
        assert!(s.popup.is_none(), "{opener}");
        assert_eq!(
            status_text(&s),
            "Billing export was deleted elsewhere; the dialog was closed",
            "{opener}"
        );

        let mut s = with_fresh_secret();
        send(&mut s, [ch(opener)]);
        let msg = reloaded(&s, |apps| {
            apps[0].client_name = AppName::parse("Invoices").unwrap()
        });
        send(&mut s, [msg]);
        assert!(s.popup.is_none(), "{opener}");
        assert_eq!(
            status_text(&s),
            "Billing export was renamed elsewhere to Invoices; the dialog was closed",
            "{opener}"
        );
    }
    // A change to another application leaves the dialog alone.
    let mut s = state();
    send(&mut s, [ch('d')]);
    let msg = reloaded(&s, |apps| apps.retain(|a| a.client_id != id(0)));
    send(&mut s, [msg]);
    assert!(matches!(s.popup, Some(Popup::DeleteConfirm { .. })));
}

#[test]
fn a_storage_failure_reopens_the_dialog_but_says_so_on_the_status_line_only() {
    let mut s = state();
    send(&mut s, [ch('a')]);
    send(&mut s, typed("Payroll export"));
    send(&mut s, [key(KeyCode::Tab), key(KeyCode::Enter)]);
    send(
        &mut s,
        [Msg::Created {
            region: 0,
            result: Err(CallError::Failed(
                "storage error in keyward.db: disk full".into(),
            )),
        }],
    );
    let Some(Popup::Add(f)) = &s.popup else {
        panic!("reopened, so nothing typed is lost")
    };
    assert_eq!(f.name.text, "Payroll export");
    assert_eq!(f.error, None, "not a problem with the name");
    assert_eq!(f.focus, AddFocus::Grid, "the focus stays where it was");
    let st = s.status.clone().unwrap();
    assert_eq!(st.kind, StatusKind::Error);
    assert_eq!(
        st.text,
        "Cannot add the application: storage error in keyward.db: disk full"
    );

    let mut s = state();
    send(&mut s, [ch('e'), ctrl('u')]);
    send(&mut s, typed("Payroll export"));
    send(&mut s, [key(KeyCode::Enter)]);
    send(
        &mut s,
        [Msg::Updated {
            region: 0,
            what: "Renamed to",
            result: Err(CallError::Failed("connection refused".into())),
        }],
    );
    assert!(
        matches!(&s.popup, Some(Popup::Rename { input, error: None, .. }) if input.text == "Payroll export")
    );
    assert_eq!(status_text(&s), "Cannot save: connection refused");
}
