//! The command line around the commands: shell completions loaded into real
//! bash, zsh and fish, the man pages rendered by `man`, and the version.
//! scripts/test installs zsh, fish and man-db.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A temp home with a config that adds a region the defaults do not have, so
/// a completed region ID can only have come from the config.
struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Env {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("config.toml"),
            "[[region]]\nid = \"us\"\n\n[[region]]\nid = \"uk\"\n\n[[region]]\nid = \"eu-west\"\nname = \"Europe\"\n",
        )
        .unwrap();
        Env { dir }
    }

    /// `program` with a clean environment: the keyward binary first on PATH
    /// (the completion scripts call `keyward` by name), this env's config.
    fn cmd(&self, program: &str) -> Command {
        let bin_dir = Path::new(env!("CARGO_BIN_EXE_keyward")).parent().unwrap();
        let path = format!(
            "{}:{}",
            bin_dir.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let mut cmd = Command::new(program);
        cmd.env_clear()
            .env("PATH", path)
            .env("HOME", self.dir.path())
            .env("KEYWARD_CONFIG", self.dir.path().join("config.toml"))
            .env("KEYWARD_DATA_DIR", self.dir.path().join("data"))
            .current_dir(self.dir.path());
        cmd
    }

    fn keyward(&self) -> Command {
        self.cmd(env!("CARGO_BIN_EXE_keyward"))
    }
}

/// Runs `shell -c script`, failing clearly when the shell is not installed.
fn shell(env: &Env, shell: &str, args: &[&str], script: &str) -> Output {
    let out = env
        .cmd(shell)
        .args(args)
        .arg("-c")
        .arg(script)
        .output()
        .unwrap_or_else(|e| panic!("{shell} does not run ({e}): scripts/test installs it"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stderr.trim().is_empty(),
        "{shell} failed ({}): {stderr}\nstdout: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout)
    );
    out
}

fn lines(out: &Output) -> Vec<String> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

/// Completes `words` (the last one is the word being typed) with the bash
/// function the script registers, as bash does on Tab.
fn bash_complete(env: &Env, words: &[&str]) -> Vec<String> {
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let script = format!(
        r#"source <(keyward completions bash)
complete -p keyward >/dev/null
COMP_WORDS=({words}); COMP_CWORD={cword}; COMP_TYPE=9
fn=$(complete -p keyward | sed -E 's/.*-F ([^ ]+) .*/\1/')
"$fn" keyward "${{COMP_WORDS[COMP_CWORD]}}" "${{COMP_WORDS[COMP_CWORD-1]}}"
printf '%s\n' "${{COMPREPLY[@]}}""#,
        words = quoted.join(" "),
        cword = words.len() - 1
    );
    lines(&shell(env, "bash", &["--norc", "--noprofile"], &script))
}

#[test]
fn bash_completion_loads_and_completes_commands_flags_regions_and_scopes() {
    let env = Env::new();
    let out = shell(
        &env,
        "bash",
        &["--norc", "--noprofile"],
        "source <(keyward completions bash) && complete -p keyward",
    );
    assert!(
        lines(&out)[0].contains("-F _clap_complete_keyward keyward"),
        "{:?}",
        lines(&out)
    );

    let flags = bash_complete(&env, &["keyward", "apps", "reset-secret", "--"]);
    for flag in ["--yes", "--copy", "--json", "--help"] {
        assert!(flags.contains(&flag.to_owned()), "{flag} in {flags:?}");
    }
    let regions = bash_complete(&env, &["keyward", "apps", "list", "--region", ""]);
    assert_eq!(regions, ["us", "uk", "eu-west"], "from the config file");
    let regions = bash_complete(&env, &["keyward", "apps", "add", "--region", "e"]);
    assert_eq!(regions, ["eu-west"]);
    let commands = bash_complete(&env, &["keyward", "do"]);
    assert_eq!(commands, ["doctor"]);
    let grants = bash_complete(&env, &["keyward", "apps", "add", "--scope", "ess:acc"]);
    assert_eq!(grants, ["ess:account="]);
}

/// `--config` on the line being completed wins over KEYWARD_CONFIG.
#[test]
fn region_completion_reads_the_config_named_on_the_line() {
    let env = Env::new();
    let other = env.dir.path().join("other.toml");
    std::fs::write(&other, "[[region]]\nid = \"ap\"\n").unwrap();
    let other = other.display().to_string();
    let regions = bash_complete(
        &env,
        &[
            "keyward", "--config", &other, "apps", "list", "--region", "",
        ],
    );
    assert_eq!(regions, ["ap"]);
}

#[test]
fn zsh_completion_loads_and_registers() {
    let env = Env::new();
    let out = shell(
        &env,
        "zsh",
        &["-f"],
        "autoload -Uz compinit && compinit -u -d \"$HOME/.zcompdump\" && source <(keyward completions zsh) && print -r -- $_comps[keyward]",
    );
    assert_eq!(lines(&out), ["_clap_dynamic_completer_keyward"]);
}

#[test]
fn fish_completion_loads_and_completes_regions_and_flags() {
    let env = Env::new();
    let out = shell(
        &env,
        "fish",
        &["--no-config"],
        "keyward completions fish | source; and complete -C 'keyward apps list --region '",
    );
    let regions: Vec<String> = lines(&out)
        .iter()
        .map(|l| l.split('\t').next().unwrap().to_owned())
        .collect();
    assert_eq!(regions, ["us", "uk", "eu-west"]);
    let out = shell(
        &env,
        "fish",
        &["--no-config"],
        "keyward completions fish | source; and complete -C 'keyward apps reset-secret --'",
    );
    assert!(
        lines(&out).iter().any(|l| l.starts_with("--yes\t")),
        "{:?}",
        lines(&out)
    );
}

#[test]
fn elvish_and_powershell_scripts_call_back_into_keyward() {
    let env = Env::new();
    for shell in ["elvish", "powershell"] {
        let out = env.keyward().args(["completions", shell]).output().unwrap();
        let script = String::from_utf8(out.stdout).unwrap();
        assert!(out.status.success(), "{shell}");
        assert!(
            script.contains("KEYWARD_COMPLETE") && script.contains("keyward"),
            "{shell}: {script}"
        );
    }
    let out = env
        .keyward()
        .args(["completions", "tcsh"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "an unknown shell is a usage error"
    );
}

fn render_man(env: &Env, page: &Path) -> String {
    let out = env
        .cmd("man")
        .env("MANWIDTH", "100")
        .arg("-l")
        .arg(page)
        .output()
        .expect("man runs (scripts/test installs man-db)");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stderr.trim().is_empty(),
        "man -l {}: {stderr}",
        page.display()
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn man_pages_are_written_and_render() {
    let env = Env::new();
    let dir = env.dir.path().join("man1");
    let out = env
        .keyward()
        .args(["man", "--dir"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let written: Vec<PathBuf> = lines(&out).iter().map(PathBuf::from).collect();
    assert!(written.contains(&dir.join("keyward.1")), "{written:?}");

    let main = render_man(&env, &dir.join("keyward.1"));
    assert!(main.contains("keyward-apps(1)") && main.contains("keyward-doctor(1)"));
    let reset = render_man(&env, &dir.join("keyward-apps-reset-secret.1"));
    assert!(
        reset.contains("--yes") && reset.contains("Do not ask for confirmation"),
        "{reset}"
    );

    // Without --dir: the main page on standard output.
    let printed = env.keyward().arg("man").output().unwrap();
    let page = env.dir.path().join("printed.1");
    std::fs::write(&page, &printed.stdout).unwrap();
    assert_eq!(
        std::fs::read(&page).unwrap(),
        std::fs::read(dir.join("keyward.1")).unwrap()
    );
}

#[test]
fn version_names_the_commit_it_was_built_from() {
    let env = Env::new();
    let out = env.keyward().arg("--version").output().unwrap();
    let version = String::from_utf8(out.stdout).unwrap();
    let head = Command::new("git")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["rev-parse", "--short=12", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned());
    let prefix = concat!("keyward ", env!("CARGO_PKG_VERSION"), " (");
    assert!(version.starts_with(prefix), "{version}");
    match head {
        Some(hash) => assert!(
            version.contains(&format!("(commit {hash}")),
            "{version} should name {hash}"
        ),
        None => assert!(
            version.contains("not built from a git checkout"),
            "{version}"
        ),
    }
}
