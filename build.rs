//! Records the commit the binary is built from, for `keyward --version`.
//!
//! Sets `KEYWARD_BUILD_COMMIT` to the short commit hash, with `-dirty` when the
//! work tree has uncommitted changes, or to an empty string when the build is not
//! from a git checkout of this crate (a source tarball, a vendored copy, no git
//! installed). Never fails the build: a missing commit is said in the version.

use std::path::{Path, PathBuf};
use std::process::Command;

/// What the binary is built from: a change here makes the build `-dirty`.
const BUILT_FROM: [&str; 5] = ["src", "assets", "build.rs", "Cargo.toml", "Cargo.lock"];

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let commit = commit(&manifest_dir).unwrap_or_default();
    println!("cargo:rustc-env=KEYWARD_BUILD_COMMIT={commit}");
}

/// `git` in `dir`: its trimmed standard output, or `None` when git is missing
/// or fails.
fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .current_dir(dir)
        .args(args)
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

fn commit(manifest_dir: &Path) -> Option<String> {
    // Only this crate's own repository counts: a copy vendored into another
    // repository would otherwise report that repository's commit.
    let top = git(manifest_dir, &["rev-parse", "--show-toplevel"])?;
    let same = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if !same(Path::new(&top), manifest_dir) {
        return None;
    }
    rerun_when_head_moves(manifest_dir);
    let hash = git(manifest_dir, &["rev-parse", "--short=12", "HEAD"])?;
    // Dirty means the binary is built from something other than the commit:
    // a change to what goes into it, untracked files there included.
    let mut status = vec!["status", "--porcelain", "--"];
    status.extend(BUILT_FROM);
    let dirty = git(manifest_dir, &status).is_none_or(|s| !s.is_empty());
    Some(if dirty { format!("{hash}-dirty") } else { hash })
}

/// Asks Cargo to run this script again when HEAD, the branch it points to, or
/// the index changes (a commit, a checkout, `git add`), and when what the
/// binary is built from changes, so the hash and the `-dirty` mark stay
/// fresh. In a worktree `.git` is a file, so the paths come from git itself.
fn rerun_when_head_moves(manifest_dir: &Path) {
    let path = |args: &[&str]| git(manifest_dir, args).map(|p| manifest_dir.join(p));
    let mut watched: Vec<PathBuf> = Vec::new();
    watched.extend(path(&["rev-parse", "--git-path", "HEAD"]));
    watched.extend(path(&["rev-parse", "--git-path", "index"]));
    watched.extend(path(&["rev-parse", "--git-path", "packed-refs"]));
    if let Some(branch) = git(manifest_dir, &["symbolic-ref", "-q", "HEAD"]) {
        watched.extend(path(&["rev-parse", "--git-path", &branch]));
    }
    // A path that does not exist would make Cargo run this script every build.
    for p in watched.iter().filter(|p| p.exists()) {
        println!("cargo:rerun-if-changed={}", p.display());
    }
    for path in BUILT_FROM {
        println!("cargo:rerun-if-changed={path}");
    }
}
