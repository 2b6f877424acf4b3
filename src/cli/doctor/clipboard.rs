//! The way a copy takes here, and what stands in its way: the route comes from
//! `clipboard::choose`, the one function copies are made by; then tmux's
//! settings (read with `tmux show`) and what is known of the terminal.

use std::io::{BufRead, IsTerminal, Write};

use super::Check;
use super::terminal::{Osc52Support, TERMINALS_WITH_OSC52, TermVars, osc52_support};
use crate::clipboard::tmux::{TmuxClipboard, clipboard_options};
use crate::clipboard::{
    Clipboard, Environment, Kind, Mode, Multiplexer, Reason, Route, SYSTEM_TIMEOUT, Settings,
    SystemClipboard, choose, passthrough,
};

const NAME: &str = "clipboard";

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// `DISPLAY=:0` or `WAYLAND_DISPLAY=wayland-0`: the display `auto` saw.
fn display() -> String {
    match (var("DISPLAY"), var("WAYLAND_DISPLAY")) {
        (_, Some(w)) => format!("WAYLAND_DISPLAY={w}"),
        (Some(d), None) => format!("DISPLAY={d}"),
        (None, None) => "no display".to_owned(),
    }
}

/// Where the clipboard mode was set, for messages.
fn mode_source() -> &'static str {
    if var("KEYWARD_CLIPBOARD").is_some() {
        "KEYWARD_CLIPBOARD"
    } else {
        "the config"
    }
}

/// Appends the clipboard's checks: the route and why, then what an OSC 52
/// copy passes through.
pub fn check_clipboard(settings: &Settings, env: &Environment, checks: &mut Vec<Check>) {
    let (route, reason) = choose(settings.mode, env);
    let osc52_follows = match route {
        None => {
            checks.push(
                Check::warn(
                    NAME,
                    format!("copying is off (clipboard = \"off\" in {})", mode_source()),
                )
                .fix("set clipboard = \"auto\" in config.toml, or KEYWARD_CLIPBOARD=auto"),
            );
            false
        }
        Some(Route::System) => check_system(settings.mode, checks),
        Some(Route::Osc52) => {
            checks.push(Check::ok(NAME, osc52_reason(reason)));
            true
        }
    };
    if osc52_follows {
        check_osc52_path(settings, env, checks);
    }
}

fn osc52_reason(reason: Reason) -> String {
    let via = "sends copies to your terminal by OSC 52";
    match reason {
        Reason::Ssh => {
            let ssh = if var("SSH_TTY").is_some() {
                "SSH_TTY"
            } else {
                "SSH_CONNECTION"
            };
            format!(
                "auto {via}: this is an SSH session ({ssh} is set), so the system clipboard here is not yours"
            )
        }
        Reason::NoDisplay => {
            format!("auto {via}: neither DISPLAY nor WAYLAND_DISPLAY is set")
        }
        Reason::Configured | Reason::Display => {
            format!("clipboard = \"osc52\" in {}: keyward {via}", mode_source())
        }
    }
}

/// Asks the system clipboard for a fingerprint of what it holds (never the
/// text). Returns whether copies fall back to OSC 52.
fn check_system(mode: Mode, checks: &mut Vec<Check>) -> bool {
    let display = display();
    let probe = SystemClipboard::spawn().text_fingerprint(SYSTEM_TIMEOUT);
    match (probe, mode) {
        (Ok(_), Mode::Auto) => {
            checks.push(Check::ok(
                NAME,
                format!("auto uses the system clipboard ({display}, not over SSH), and it answers"),
            ));
            false
        }
        (Ok(_), _) => {
            checks.push(Check::ok(
                NAME,
                format!(
                    "clipboard = \"system\" in {}: the system clipboard ({display}) answers",
                    mode_source()
                ),
            ));
            false
        }
        (Err(why), Mode::Auto) => {
            checks.push(Check::warn(
                NAME,
                format!(
                    "auto tries the system clipboard ({display}), which does not answer ({why}); copies fall back to OSC 52"
                ),
            ));
            true
        }
        (Err(why), _) => {
            checks.push(
                Check::fail(
                    NAME,
                    format!(
                        "clipboard = \"system\" in {}, but the system clipboard ({display}) does not answer: {why}",
                        mode_source()
                    ),
                )
                .fix("set clipboard = \"auto\", which falls back to OSC 52 on your terminal"),
            );
            false
        }
    }
}

/// What an OSC 52 escape passes on its way to the user's clipboard: tmux or
/// screen, then the terminal.
fn check_osc52_path(settings: &Settings, env: &Environment, checks: &mut Vec<Check>) {
    let wrap = passthrough(settings, env);
    if env.tmux {
        let tmux = clipboard_options();
        let passes = check_tmux(&tmux, wrap, checks);
        if passes {
            check_tmux_client(&tmux, wrap, checks);
        }
        return;
    }
    let vars = TermVars::from_env();
    let term = vars.term.clone().unwrap_or_default();
    if var("STY").is_some() && wrap != Some(Multiplexer::Screen) {
        checks.push(
            Check::fail("screen", "GNU screen drops OSC 52 unless keyward wraps it")
                .fix("set clipboard_passthrough = true in config.toml"),
        );
        return;
    }
    if (term.starts_with("screen") || term.starts_with("tmux")) && var("STY").is_none() {
        // Neither runs here: this is tmux (or screen) on the user's own
        // machine, around the SSH session, and its settings decide.
        checks.push(
            Check::warn(
                "terminal",
                format!(
                    "TERM={term}, but no tmux or screen runs here: probably tmux on your own machine, around this session, which must pass OSC 52 on"
                ),
            )
            .fix("in that tmux, run `tmux set -s set-clipboard on` and add `set -s set-clipboard on` to its ~/.tmux.conf"),
        );
        return;
    }
    checks.push(terminal_check(&vars, "TERM"));
}

/// tmux's setting for the escape keyward sends: `set-clipboard` for a plain
/// one, `allow-passthrough` for a wrapped one. Returns whether tmux lets it
/// through.
fn check_tmux(tmux: &TmuxClipboard, wrap: Option<Multiplexer>, checks: &mut Vec<Check>) -> bool {
    let Some(set_clipboard) = &tmux.set_clipboard else {
        checks.push(
            Check::warn("tmux", "TMUX is set, but tmux did not answer `tmux show`")
                .fix("check that `tmux` is on PATH; set-clipboard must be on"),
        );
        return false;
    };
    if wrap == Some(Multiplexer::Tmux) {
        return match tmux.allow_passthrough.as_deref() {
            Some("on" | "all") | None => {
                checks.push(Check::ok(
                    "tmux",
                    "allow-passthrough lets the wrapped OSC 52 through (clipboard_passthrough = true)",
                ));
                true
            }
            Some(other) => {
                checks.push(
                    Check::fail(
                        "tmux",
                        format!(
                            "allow-passthrough is {other}, so tmux drops the wrapped OSC 52 that clipboard_passthrough = true sends"
                        ),
                    )
                    .fix("run `tmux set -g allow-passthrough on` and add `set -g allow-passthrough on` to ~/.tmux.conf"),
                );
                false
            }
        };
    }
    if set_clipboard == "on" {
        checks.push(Check::ok(
            "tmux",
            "set-clipboard is on: tmux takes OSC 52 copies and passes them to your terminal",
        ));
        return true;
    }
    checks.push(
        Check::fail(
            "tmux",
            format!("set-clipboard is {set_clipboard}, so tmux drops the OSC 52 copies of programs inside it"),
        )
        .fix("run `tmux set -s set-clipboard on`, and add `set -s set-clipboard on` to ~/.tmux.conf"),
    );
    false
}

/// The terminal tmux is attached to: whether tmux passes OSC 52 on to it,
/// and whether it takes it.
fn check_tmux_client(tmux: &TmuxClipboard, wrap: Option<Multiplexer>, checks: &mut Vec<Check>) {
    let Some(term) = &tmux.client_termname else {
        checks.push(Check::warn(
            "terminal",
            "no terminal is attached to this tmux, so its OSC 52 support cannot be told",
        ));
        return;
    };
    let features = tmux.client_features.as_deref().unwrap_or("");
    if wrap.is_none() && !features.split(',').any(|f| f == "clipboard") {
        checks.push(
            Check::warn(
                "terminal",
                format!("tmux does not pass OSC 52 on to your terminal ({term}): its terminal-features lack clipboard"),
            )
            .fix(format!(
                "if your terminal takes OSC 52, add `set -as terminal-features ',{term}:clipboard'` to ~/.tmux.conf"
            )),
        );
        return;
    }
    checks.push(terminal_check(
        &TermVars::term_only(term),
        "tmux's client TERM",
    ));
}

/// The terminal's known OSC 52 support, from `vars`; `seen` names where its
/// `TERM` came from.
fn terminal_check(vars: &TermVars, seen: &str) -> Check {
    let term = vars.term.as_deref().unwrap_or("unset");
    match osc52_support(vars) {
        Osc52Support::Yes { terminal } => Check::ok("terminal", format!("{terminal} takes OSC 52")),
        Osc52Support::WithSetting { terminal, setting } => Check::warn(
            "terminal",
            format!("{terminal} takes OSC 52 only when allowed"),
        )
        .fix(setting),
        Osc52Support::No { terminal } => Check::warn(
            "terminal",
            format!(
                "{terminal} is known to ignore OSC 52, so copies will not reach your clipboard"
            ),
        )
        .fix(format!(
            "use a terminal that takes it ({TERMINALS_WITH_OSC52})"
        )),
        Osc52Support::Unknown => Check::warn(
            "terminal",
            format!("cannot tell whether your terminal ({seen}={term}) takes OSC 52"),
        )
        .fix("`keyward doctor --clipboard-test` tries it"),
    }
}

/// A text that is no secret and says where it came from if found later.
fn marker() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    format!("keyward-doctor-test-{:08x}", nanos ^ std::process::id())
}

/// `--clipboard-test`: copies a marker the way a secret would go, asks the
/// user to paste it back, and says whether it arrived.
pub fn clipboard_test(settings: &Settings, env: &Environment) -> Check {
    const TEST: &str = "clipboard test";
    if !std::io::stdin().is_terminal() {
        return Check::fail(
            TEST,
            "needs a terminal to paste into; standard input is not one",
        )
        .fix("run `keyward doctor --clipboard-test` in an interactive terminal");
    }
    let marker = marker();
    let clipboard = Clipboard::new(settings.clone(), env.clone());
    let copied = match clipboard.copy(Kind::ClientId, &marker) {
        Ok(copied) => copied,
        Err(e) => return Check::fail(TEST, e.to_string()),
    };
    if let Some(escape) = &copied.escape
        && let Err(e) = write_to_terminal(escape)
    {
        return Check::fail(TEST, format!("cannot write to the terminal: {e}"));
    }
    let route = copied.route.label();
    super::super::output::note(format_args!(
        "Sent a test text by {route}. Paste it here and press Enter (just Enter if nothing pastes):"
    ));
    let mut line = String::new();
    if let Err(e) = std::io::stdin().lock().read_line(&mut line) {
        return Check::fail(TEST, format!("cannot read the paste: {e}"));
    }
    // `clipboard` (the system clipboard's owner) lived until the paste.
    drop(clipboard);
    let pasted = line.trim();
    if pasted == marker {
        Check::ok(
            TEST,
            format!("the test text arrived by {route}: copying works here"),
        )
    } else if pasted.is_empty() {
        Check::fail(
            TEST,
            format!("nothing was pasted: the copy by {route} did not reach your clipboard"),
        )
        .fix("see the lines above for what to change")
    } else {
        Check::fail(
            TEST,
            format!("what was pasted is not the test text: the copy by {route} did not reach your clipboard"),
        )
        .fix("see the lines above for what to change")
    }
}

/// The OSC 52 escape goes to the controlling terminal, never to standard
/// output, which may be a pipe (`--json | jq`).
fn write_to_terminal(escape: &str) -> std::io::Result<()> {
    let mut tty = std::fs::OpenOptions::new().write(true).open("/dev/tty")?;
    tty.write_all(escape.as_bytes())?;
    tty.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::doctor::Status;

    fn tmux(set_clipboard: &str, features: &str) -> TmuxClipboard {
        TmuxClipboard {
            set_clipboard: Some(set_clipboard.to_owned()),
            allow_passthrough: Some("off".to_owned()),
            client_termname: Some("xterm-kitty".to_owned()),
            client_features: Some(features.to_owned()),
        }
    }

    #[test]
    fn tmux_with_set_clipboard_off_names_the_setting() {
        for value in ["off", "external"] {
            let mut checks = Vec::new();
            assert!(!check_tmux(&tmux(value, ""), None, &mut checks));
            assert_eq!(checks[0].status, Status::Fail);
            assert!(
                checks[0]
                    .message
                    .contains(&format!("set-clipboard is {value}"))
            );
            assert!(
                checks[0]
                    .fix
                    .as_deref()
                    .unwrap()
                    .contains("tmux set -s set-clipboard on")
            );
        }
    }

    #[test]
    fn wrapped_escapes_need_allow_passthrough_instead() {
        let mut checks = Vec::new();
        assert!(!check_tmux(
            &tmux("on", ""),
            Some(Multiplexer::Tmux),
            &mut checks
        ));
        assert!(checks[0].message.contains("allow-passthrough is off"));
    }

    #[test]
    fn tmux_passes_osc52_on_only_to_a_terminal_with_the_clipboard_feature() {
        let mut checks = Vec::new();
        check_tmux_client(&tmux("on", "256,RGB,title"), None, &mut checks);
        assert_eq!(checks[0].status, Status::Warn);
        assert!(
            checks[0]
                .fix
                .as_deref()
                .unwrap()
                .contains("terminal-features ',xterm-kitty:clipboard'")
        );
        let mut checks = Vec::new();
        check_tmux_client(&tmux("on", "256,clipboard,title"), None, &mut checks);
        assert_eq!(checks[0].status, Status::Ok, "{checks:?}");
        assert_eq!(checks[0].message, "kitty takes OSC 52");
    }

    #[test]
    fn off_warns_and_says_how_to_turn_it_on() {
        let settings = Settings {
            mode: Mode::Off,
            ..Settings::default()
        };
        let mut checks = Vec::new();
        check_clipboard(&settings, &Environment::default(), &mut checks);
        assert_eq!(checks.len(), 1);
        assert_eq!(checks[0].status, Status::Warn);
        assert!(
            checks[0]
                .fix
                .as_deref()
                .unwrap()
                .contains("clipboard = \"auto\"")
        );
    }
}
