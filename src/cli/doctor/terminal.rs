//! Which terminals are known to turn OSC 52 into a clipboard write, told
//! from the variables they set. Over SSH usually only `TERM` arrives (and
//! iTerm2's `LC_TERMINAL`, which ssh passes on with the locale), so a
//! terminal that names itself in `TERM` is recognised there too.

/// The variables a terminal may be recognised by.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TermVars {
    pub term: Option<String>,
    pub term_program: Option<String>,
    pub lc_terminal: Option<String>,
    /// Set only by the terminal it names: Windows Terminal, VTE, xterm,
    /// kitty, Konsole.
    pub wt_session: bool,
    /// `VTE_VERSION`: 7600 for VTE 0.76.
    pub vte_version: Option<u32>,
    pub xterm_version: bool,
    pub kitty_window_id: bool,
}

impl TermVars {
    pub fn from_env() -> TermVars {
        let value = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let set = |k: &str| value(k).is_some();
        TermVars {
            term: value("TERM"),
            term_program: value("TERM_PROGRAM"),
            lc_terminal: value("LC_TERMINAL"),
            wt_session: set("WT_SESSION"),
            vte_version: value("VTE_VERSION").and_then(|v| v.parse().ok()),
            xterm_version: set("XTERM_VERSION"),
            kitty_window_id: set("KITTY_WINDOW_ID"),
        }
    }

    /// Only `TERM` known: the outer terminal as tmux reports it.
    pub fn term_only(term: &str) -> TermVars {
        TermVars {
            term: Some(term.to_owned()),
            ..TermVars::default()
        }
    }
}

/// What is known about a terminal and OSC 52.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Osc52Support {
    /// It takes OSC 52 as it comes.
    Yes { terminal: &'static str },
    /// It takes OSC 52 once a setting allows it: the fix names the setting.
    WithSetting {
        terminal: &'static str,
        setting: &'static str,
    },
    /// It ignores OSC 52.
    No { terminal: &'static str },
    /// Not one Keyward knows.
    Unknown,
}

/// Which terminal `vars` describe, as far as it tells, and its OSC 52 support.
pub fn osc52_support(vars: &TermVars) -> Osc52Support {
    let program = vars.term_program.as_deref().unwrap_or("");
    let term = vars.term.as_deref().unwrap_or("");
    if program == "iTerm.app" || vars.lc_terminal.as_deref() == Some("iTerm2") {
        return Osc52Support::WithSetting {
            terminal: "iTerm2",
            setting: "turn on Settings > General > Selection > \"Applications in terminal may access clipboard\"",
        };
    }
    if program == "Apple_Terminal" {
        return Osc52Support::No {
            terminal: "Terminal.app",
        };
    }
    let yes = |terminal| Osc52Support::Yes { terminal };
    match () {
        _ if program == "WezTerm" || term == "wezterm" => yes("WezTerm"),
        _ if program == "ghostty" || term == "xterm-ghostty" => yes("Ghostty"),
        _ if term == "xterm-kitty" || vars.kitty_window_id => yes("kitty"),
        _ if term == "alacritty" => yes("Alacritty"),
        _ if term == "foot" || term.starts_with("foot-") => yes("foot"),
        _ if vars.wt_session => yes("Windows Terminal"),
        _ if vars.xterm_version => Osc52Support::WithSetting {
            terminal: "xterm",
            setting: "allow it: add `XTerm*disallowedWindowOps: 20,21,SetXprop` to ~/.Xresources and run `xrdb -merge ~/.Xresources`",
        },
        // VTE (GNOME Terminal, Tilix, Terminator, …) takes OSC 52 from 0.76 on.
        _ if vars.vte_version.is_some_and(|v| v >= 7600) => yes("a VTE terminal (0.76 or later)"),
        _ if vars.vte_version.is_some() => Osc52Support::No {
            terminal: "a VTE terminal older than 0.76 (GNOME Terminal, Tilix, …)",
        },
        _ => Osc52Support::Unknown,
    }
}

/// The terminals to suggest to someone whose terminal ignores OSC 52.
pub const TERMINALS_WITH_OSC52: &str =
    "WezTerm, kitty, Alacritty, Ghostty, foot, iTerm2 or Windows Terminal";

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(term: &str, program: &str) -> TermVars {
        TermVars {
            term: Some(term.to_owned()),
            term_program: (!program.is_empty()).then(|| program.to_owned()),
            ..TermVars::default()
        }
    }

    #[test]
    fn known_terminals_are_told_apart() {
        assert_eq!(
            osc52_support(&vars("xterm-kitty", "")),
            Osc52Support::Yes { terminal: "kitty" }
        );
        assert_eq!(
            osc52_support(&vars("xterm-256color", "Apple_Terminal")),
            Osc52Support::No {
                terminal: "Terminal.app"
            }
        );
        assert!(matches!(
            osc52_support(&TermVars {
                lc_terminal: Some("iTerm2".into()),
                ..vars("xterm-256color", "")
            }),
            Osc52Support::WithSetting {
                terminal: "iTerm2",
                ..
            }
        ));
        assert_eq!(
            osc52_support(&vars("xterm-256color", "")),
            Osc52Support::Unknown
        );
        assert_eq!(osc52_support(&TermVars::default()), Osc52Support::Unknown);
        let vte = |v| TermVars {
            vte_version: Some(v),
            ..vars("xterm-256color", "")
        };
        assert!(matches!(
            osc52_support(&vte(7600)),
            Osc52Support::Yes { .. }
        ));
        assert!(matches!(osc52_support(&vte(6800)), Osc52Support::No { .. }));
    }
}
