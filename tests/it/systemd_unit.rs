//! `assets/keyward-serve.service`: read as systemd reads it (sections,
//! `Key=value`, repeated keys), it runs the real binary's flags as a
//! non-root user in a sandbox, keeps the data dir in its state directory,
//! and reloads TLS with SIGHUP. A structural check, so it runs everywhere
//! (`systemd-analyze verify` needs systemd on the machine).

use std::collections::HashMap;
use std::process::Command;

const UNIT: &str = include_str!("../../assets/keyward-serve.service");

/// Section to key to every value it was given, in order.
fn parse(text: &str) -> HashMap<String, HashMap<String, Vec<String>>> {
    let mut sections: HashMap<String, HashMap<String, Vec<String>>> = HashMap::new();
    let mut current = None;
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        assert!(!line.ends_with('\\'), "line {}: no continuations", n + 1);
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            current = Some(name.to_owned());
            sections.entry(name.to_owned()).or_default();
            continue;
        }
        let section = current
            .clone()
            .unwrap_or_else(|| panic!("line {}: a key before any section", n + 1));
        let (key, value) = line
            .split_once('=')
            .unwrap_or_else(|| panic!("line {}: not Key=value: {line}", n + 1));
        sections
            .entry(section)
            .or_default()
            .entry(key.trim().to_owned())
            .or_default()
            .push(value.trim().to_owned());
    }
    sections
}

#[test]
fn the_unit_runs_keyward_serve_sandboxed_with_its_data_in_the_state_directory() {
    let unit = parse(UNIT);
    let service = &unit["Service"];
    let one = |key: &str| -> &str {
        let values = service
            .get(key)
            .unwrap_or_else(|| panic!("[Service] has no {key}"));
        assert_eq!(values.len(), 1, "{key} is set once");
        &values[0]
    };
    // Not root: a dedicated user (or a dynamic one).
    let user = service.get("User").map(|v| v[0].as_str());
    assert!(
        matches!(user, Some(u) if u != "root" && u != "0")
            || service.get("DynamicUser").is_some_and(|v| v == &["yes"]),
        "runs as a user of its own"
    );
    for (key, want) in [
        ("NoNewPrivileges", "yes"),
        ("ProtectSystem", "strict"),
        ("ProtectHome", "yes"),
        ("PrivateTmp", "yes"),
        ("PrivateDevices", "yes"),
        ("StateDirectory", "keyward"),
        ("StateDirectoryMode", "0700"),
        ("UMask", "0077"),
        ("CapabilityBoundingSet", ""),
        ("RestrictSUIDSGID", "yes"),
        ("ExecReload", "/bin/kill -HUP $MAINPID"),
        ("Restart", "on-failure"),
    ] {
        assert_eq!(one(key), want, "{key}");
    }
    assert_eq!(unit["Install"]["WantedBy"], ["multi-user.target"]);

    let exec = one("ExecStart");
    let args: Vec<&str> = exec.split_whitespace().collect();
    assert!(args[0].starts_with('/'), "an absolute path: {exec}");
    let value_of = |flag: &str| {
        let at = args
            .iter()
            .position(|a| *a == flag)
            .unwrap_or_else(|| panic!("no {flag} in {exec}"));
        args[at + 1]
    };
    assert_eq!(
        value_of("--data-dir"),
        "/var/lib/keyward",
        "the StateDirectory"
    );
    assert!(args.contains(&"serve"), "{exec}");
    value_of("--region");
    value_of("--tls-cert");
    value_of("--tls-key");
    assert!(
        value_of("--metrics-listen").starts_with("127.0.0.1:"),
        "metrics stay on loopback: {exec}"
    );
    assert_eq!(value_of("--log-format"), "json");
    // The real binary takes every flag the unit passes.
    let help = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_keyward"))
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success());
        String::from_utf8(out.stdout).unwrap()
    };
    let help = help(&["--help"]) + &help(&["serve", "--help"]);
    for flag in args.iter().filter(|a| a.starts_with("--")) {
        assert!(help.contains(&format!("{flag} ")), "keyward has no {flag}");
    }
}
