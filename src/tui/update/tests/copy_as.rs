//! `Y`: the copy formats, offered only while the secret is visible.

use super::*;

fn chooser_open(s: &State) -> bool {
    matches!(s.popup, Some(Popup::CopyAs { .. }))
}

#[test]
fn y_offers_the_formats_only_while_the_secret_is_visible() {
    let mut s = state();
    let fx = send(&mut s, [ch('Y')]);
    assert!(fx.is_empty() && !chooser_open(&s));
    assert_eq!(s.status.as_ref().unwrap().kind, StatusKind::Error);
    assert!(status_text(&s).contains("R makes a new one"));

    s.reveals.insert(id(1), reveal(1, 60));
    send(&mut s, [ch('Y')]);
    assert!(chooser_open(&s));
    // Any other key cancels, copying nothing.
    let fx = send(&mut s, [ch('y')]);
    assert!(fx.is_empty() && s.popup.is_none());
    assert_eq!(status_text(&s), "Nothing copied");
}

#[test]
fn each_format_is_copied_and_counts_as_delivered() {
    for (c, kind, starts) in [
        ('e', Kind::EnvLines, "KEYWARD_CLIENT_ID="),
        ('u', Kind::CurlCommand, " curl -sS -u "),
        ('f', Kind::CurlCommand, " curl -sS -d grant_type"),
    ] {
        let mut s = with_fresh_secret();
        s.copy_names.client_secret_env = "PAY_SECRET".into();
        send(&mut s, [ch('Y')]);
        let fx = send(&mut s, [ch(c)]);
        assert!(s.popup.is_none());
        match &fx[..] {
            [Effect::Copy { what, text }] => {
                assert_eq!(*what, kind, "{c}");
                let text = text.expose();
                assert!(text.starts_with(starts), "{c}: {text}");
                assert!(text.contains(SECRET) && text.contains(id(1).as_str()));
                if c == 'e' {
                    assert!(text.contains(&format!("PAY_SECRET={SECRET}\n")));
                } else {
                    // The fixture's region mints locally: serve's default endpoint.
                    assert!(text.ends_with("'http://127.0.0.1:8080/oauth2/token'"));
                }
            }
            other => panic!("{c}: {other:?}"),
        }
        assert!(
            !format!("{fx:?}").contains(SECRET),
            "effects never print it"
        );
        assert!(s.undelivered().contains(&"Billing export".to_owned()));
        send(
            &mut s,
            [Msg::Copied {
                what: kind,
                result: Ok(CopyInfo::plain("copied (system clipboard)")),
            }],
        );
        assert!(
            s.undelivered().is_empty(),
            "{c}: copied counts as delivered"
        );
        assert!(status_text(&s).contains("copied (system clipboard)"));
    }
}

#[test]
fn the_format_names_the_regions_token_url_and_a_closed_window_copies_nothing() {
    let mut s = state();
    s.regions[0].token_via = "https://login.example/token".into();
    s.reveals.insert(id(1), reveal(1, 60));
    send(&mut s, [ch('Y')]);
    let fx = send(&mut s, [ch('u')]);
    match &fx[..] {
        [Effect::Copy { text, .. }] => {
            assert!(text.expose().ends_with(" 'https://login.example/token'"));
        }
        other => panic!("{other:?}"),
    }
    send(&mut s, [ch('Y')]);
    // The window closes while the chooser is open.
    s.now += Duration::seconds(120);
    let fx = send(&mut s, [ch('e')]);
    assert!(fx.is_empty() && s.popup.is_none());
    assert!(status_text(&s).contains("can no longer be copied"));
}
