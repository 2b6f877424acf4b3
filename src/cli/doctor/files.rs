//! The data dir and its key files: there, the user's, 0700 and 0600. The
//! modes are judged by `fs::refuse_exposed`, the check every open makes, so
//! the doctor fails exactly what keyward would refuse, with the same words.

use std::fs::Metadata;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

use super::Check;
use crate::fs::{DATA_DIR_ADVICE, DATA_DIR_FILES, ExposedError, KeyFile, refuse_exposed};

/// What the data dir checks found, for the embedded regions' check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DataDir {
    /// Not made yet: the first command that touches applications makes it.
    Missing,
    /// There and private.
    Healthy,
    /// A check failed: opening it would be refused, or unwise.
    Broken,
}

/// The key files, what they are, and whether their absence is normal.
fn key_files() -> [(&'static str, KeyFile); 2] {
    [
        (
            crate::registry::embedded::HASHING_KEY_FILE,
            crate::registry::embedded::HASHING_KEY,
        ),
        (
            crate::oauth::keys::KEY_FILE,
            crate::oauth::keys::SIGNING_KEY,
        ),
    ]
}

fn my_uid() -> u32 {
    rustix::process::geteuid().as_raw()
}

/// `yours, mode 700`, or the line that says whose it is.
fn owner_check(name: &str, path: &Path, meta: &Metadata) -> Option<Check> {
    let (owner, me) = (meta.uid(), my_uid());
    (owner != me).then(|| {
        Check::fail(
            name,
            format!(
                "{} belongs to user ID {owner}, not to you ({me})",
                path.display()
            ),
        )
        .fix(format!(
            "run keyward as its owner, or make it yours: `chown -R {me} {}`",
            path.display()
        ))
    })
}

fn mode_of(meta: &Metadata) -> u32 {
    meta.permissions().mode() & 0o7777
}

/// Appends the data dir's checks to `checks`, and says how it stands.
pub fn check_data_dir(dir: &Path, checks: &mut Vec<Check>) -> DataDir {
    const NAME: &str = "data dir";
    let meta = match std::fs::metadata(dir) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            checks.push(Check::warn(
                NAME,
                format!(
                    "{} is not made yet; the first command that touches applications makes it (mode 700)",
                    dir.display()
                ),
            ));
            return DataDir::Missing;
        }
        Err(e) => {
            checks.push(Check::fail(
                NAME,
                format!("cannot read {}: {e}", dir.display()),
            ));
            return DataDir::Broken;
        }
    };
    if !meta.is_dir() {
        checks.push(
            Check::fail(NAME, format!("{} is not a directory", dir.display()))
                .fix("move it away, or choose another data dir with --data-dir"),
        );
        return DataDir::Broken;
    }
    let mut state = DataDir::Healthy;
    if let Some(c) = owner_check(NAME, dir, &meta) {
        checks.push(c);
        state = DataDir::Broken;
    }
    match refuse_exposed(dir, &meta, "the data dir", DATA_DIR_ADVICE) {
        Ok(()) => {
            if state == DataDir::Healthy {
                checks.push(Check::ok(
                    NAME,
                    format!("{}: yours, mode {:o}", dir.display(), mode_of(&meta)),
                ));
            }
        }
        // keyward makes a dir that holds none of its files private itself.
        Err(_) if !crate::fs::holds_data_files(dir) => checks.push(Check::warn(
            NAME,
            format!(
                "{} has mode {:o}; it holds no keys yet, and keyward makes it 700 when it first uses it",
                dir.display(),
                mode_of(&meta)
            ),
        )),
        Err(e) => {
            checks.push(exposed(NAME, &e));
            state = DataDir::Broken;
        }
    }
    if check_files(dir, checks) {
        state = DataDir::Broken;
    }
    state
}

/// The check line for an [`ExposedError`] inside `e`: its message holds the
/// advice and the `chmod` to run.
fn exposed(name: &str, e: &std::io::Error) -> Check {
    let message = ExposedError::find(e).map_or_else(|| e.to_string(), |x| x.to_string());
    Check::fail(name, message)
}

/// Appends a line per key file and one for any other exposed data file.
/// Returns whether any check failed.
fn check_files(dir: &Path, checks: &mut Vec<Check>) -> bool {
    let mut failed = false;
    let db_exists = dir.join(crate::registry::embedded::DB_FILE).exists();
    for (name, key) in key_files() {
        let path = dir.join(name);
        let Ok(meta) = std::fs::metadata(&path) else {
            let hashing = name == crate::registry::embedded::HASHING_KEY_FILE;
            checks.push(if hashing && db_exists {
                failed = true;
                Check::fail(
                    name,
                    "missing, but the database is there: no stored secret can be checked without it",
                )
                .fix("restore secret.key from the backup of this data dir")
            } else {
                Check::ok(name, "not made yet; keyward makes it when it is first needed")
            });
            continue;
        };
        if let Some(c) = owner_check(name, &path, &meta) {
            checks.push(c);
            failed = true;
        } else if let Err(e) = refuse_exposed(&path, &meta, key.what, key.advice) {
            checks.push(exposed(name, &e));
            failed = true;
        } else {
            checks.push(Check::ok(name, format!("yours, mode {:o}", mode_of(&meta))));
        }
    }
    // The other files hold no key: keyward does not refuse them, but says.
    let keys: Vec<&str> = key_files().iter().map(|(n, _)| *n).collect();
    for name in DATA_DIR_FILES.iter().filter(|n| !keys.contains(n)) {
        let path = dir.join(name);
        if let Ok(meta) = std::fs::metadata(&path)
            && mode_of(&meta) & 0o077 != 0
        {
            checks.push(
                Check::warn(
                    *name,
                    format!(
                        "has mode {:o}: group or others can reach it",
                        mode_of(&meta)
                    ),
                )
                .fix(format!("run `chmod 600 {}`", path.display())),
            );
        }
    }
    failed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::doctor::Status;
    use std::fs::Permissions;

    fn statuses(checks: &[Check]) -> Vec<(String, Status)> {
        checks.iter().map(|c| (c.check.clone(), c.status)).collect()
    }

    #[test]
    fn a_private_data_dir_passes_and_a_missing_one_only_warns() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("data");
        let mut checks = Vec::new();
        assert_eq!(check_data_dir(&dir, &mut checks), DataDir::Missing);
        assert_eq!(checks[0].status, Status::Warn);

        crate::fs::create_private_dir(&dir).unwrap();
        crate::fs::load_or_create_key(&dir.join("secret.key"), 32, key_files()[0].1).unwrap();
        let mut checks = Vec::new();
        assert_eq!(check_data_dir(&dir, &mut checks), DataDir::Healthy);
        assert_eq!(
            statuses(&checks),
            [
                ("data dir".to_owned(), Status::Ok),
                ("secret.key".to_owned(), Status::Ok),
                ("token-signing.ed25519".to_owned(), Status::Ok),
            ]
        );
        assert!(checks[1].message.contains("mode 600"), "{checks:?}");
    }

    #[test]
    fn an_exposed_key_fails_with_keywards_own_advice() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("data");
        crate::fs::create_private_dir(&dir).unwrap();
        let key = dir.join("token-signing.ed25519");
        crate::fs::load_or_create_key(&key, 32, key_files()[1].1).unwrap();
        std::fs::set_permissions(&key, Permissions::from_mode(0o644)).unwrap();
        let mut checks = Vec::new();
        assert_eq!(check_data_dir(&dir, &mut checks), DataDir::Broken);
        let line = checks
            .iter()
            .find(|c| c.check == "token-signing.ed25519")
            .unwrap();
        assert_eq!(line.status, Status::Fail);
        assert!(
            line.message.contains("mode 644")
                && line.message.contains("Whoever read it can sign tokens")
                && line.message.contains("chmod 600"),
            "{line:?}"
        );
    }

    #[test]
    fn a_database_without_its_hashing_key_fails() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("data");
        crate::fs::create_private_dir(&dir).unwrap();
        crate::fs::create_private_file(&dir.join("keyward.db")).unwrap();
        let mut checks = Vec::new();
        assert_eq!(check_data_dir(&dir, &mut checks), DataDir::Broken);
        assert!(checks.iter().any(|c| c.check == "secret.key"
            && c.status == Status::Fail
            && c.fix.as_deref().unwrap_or("").contains("restore")));
    }
}
