//! Property tests over the parsers that take untrusted input: the config file,
//! the scope catalog, import lines and the model's own parsers. Whatever the
//! input, they answer with a value or an error — never a panic — and what they
//! accept keeps the model's promises.

use keyward::catalog::{BUILTIN_TOML, Catalog};
use keyward::config::Config;
use keyward::model::wire::parse_import_line;
use keyward::model::{AppName, ClientId, Grant, NAME_MAX_CHARS, Region, ScopeId};
use proptest::prelude::*;

/// Text with a high share of the characters that break naive parsers.
fn hostile_text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            any::<char>(),
            prop::sample::select(vec![
                '\u{1b}', '\n', '\r', '\t', '\0', '"', '\'', '\\', '[', ']', '=', ':', '{', '}',
                '#', '\u{202E}', '\u{7f}', '\u{9b}', 'é', '日', '🔑',
            ]),
        ],
        0..200,
    )
    .prop_map(|v| v.into_iter().collect())
}

/// The built-in catalog with a few bytes replaced: near-valid TOML.
fn mutated_catalog() -> impl Strategy<Value = String> {
    prop::collection::vec((0..BUILTIN_TOML.len(), any::<u8>()), 1..6).prop_map(|edits| {
        let mut bytes = BUILTIN_TOML.as_bytes().to_vec();
        for (at, b) in edits {
            bytes[at] = b;
        }
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn config_never_panics_and_errors_point_inside_the_file(text in hostile_text()) {
        if let Err(e) = Config::parse(&text, "config.toml") {
            let msg = e.to_string();
            prop_assert!(msg.starts_with("config.toml"), "{}", msg);
            prop_assert!(!msg.contains('\u{1b}'), "control characters are escaped: {:?}", msg);
        }
    }

    #[test]
    fn catalog_never_panics(text in prop_oneof![hostile_text(), mutated_catalog()]) {
        match Catalog::parse(&text, "scopes.toml") {
            Ok(c) => {
                for s in c.scopes() {
                    prop_assert!(ScopeId::parse(s.id.as_str()).is_ok());
                    prop_assert!(s.access.len() >= 2);
                }
            }
            Err(e) => {
                let msg = e.to_string();
                prop_assert!(msg.starts_with("scopes.toml: line "), "{}", msg);
                prop_assert!(!msg.contains('\u{1b}'), "{:?}", msg);
            }
        }
    }

    #[test]
    fn import_lines_never_panic_and_accepted_names_are_clean(text in hostile_text()) {
        let line = format!("{{\"client_name\": {}}}", serde_json::to_string(&text).unwrap());
        for candidate in [text.as_str(), line.as_str()] {
            if let Ok((name, _)) = parse_import_line(candidate) {
                prop_assert!(name.as_str().chars().all(|c| !c.is_control()));
                prop_assert!(name.as_str().chars().count() <= NAME_MAX_CHARS);
                prop_assert_eq!(name.as_str().trim(), name.as_str());
            }
        }
    }

    #[test]
    fn model_parsers_never_panic(text in hostile_text()) {
        if let Ok(name) = AppName::parse(&text) {
            prop_assert!(!name.as_str().is_empty());
            prop_assert!(name.as_str().chars().all(|c| !c.is_control()));
        }
        if let Ok(id) = ClientId::parse(&text) {
            prop_assert!(id.as_str().bytes().all(|b| b.is_ascii_graphic()));
        }
        if let Ok(r) = Region::new(&text) {
            prop_assert!(r.as_str().bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'));
        }
        let _ = ScopeId::parse(&text);
        if let Err(e) = Grant::parse_assignment(&text) {
            prop_assert!(!e.contains('\u{1b}'), "{:?}", e);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1024, ..ProptestConfig::default() })]

    /// The token request parser, fed what a network peer controls: the
    /// `Authorization` header, the content type and the body.
    #[test]
    fn token_requests_never_panic(
        auth in prop::option::of(prop_oneof![
            prop::collection::vec(any::<u8>(), 0..80),
            hostile_text().prop_map(|t| format!("Basic {t}").into_bytes()),
        ]),
        content_type in prop::option::of(prop_oneof![
            Just(b"application/x-www-form-urlencoded".to_vec()),
            prop::collection::vec(any::<u8>(), 0..40),
        ]),
        body in prop_oneof![
            prop::collection::vec(any::<u8>(), 0..200),
            hostile_text().prop_map(|t| format!("grant_type=client_credentials&client_id=a&client_secret=b&scope={t}").into_bytes()),
        ],
    ) {
        if let Ok(req) = keyward::oauth::request::token_request(auth.as_deref(), content_type.as_deref(), &body) {
            for s in req.scopes.iter().flatten() {
                prop_assert!(!s.is_empty() && !s.contains(' ') && !s.contains('+'));
            }
        }
    }
}
