//! Private files and directories: the data dir is 0700 and every file in it 0600,
//! whatever the umask says. Key files (the secret hasher's, the token signing
//! key) are made and read by one function, [`load_or_create_key`].
//!
//! A data dir or key file that group or others can already read or write is
//! refused, not tightened: quietly fixing the mode would hide that the keys
//! were exposed, and whoever read them can still use them.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

use zeroize::Zeroizing;

/// A directory or key file that group or others can read or write.
#[derive(Debug, thiserror::Error)]
#[error(
    "{what} {path} has mode {mode:o}: group or others can read or write it. {advice}Then run `chmod {wanted:o} {path}`"
)]
pub struct ExposedError {
    pub what: &'static str,
    pub path: String,
    pub mode: u32,
    pub wanted: u32,
    pub advice: &'static str,
}

impl ExposedError {
    /// The `ExposedError` inside an I/O error from this module, if that is what it is.
    pub fn find(e: &io::Error) -> Option<&ExposedError> {
        e.get_ref().and_then(|inner| inner.downcast_ref())
    }
}

/// Fails with an [`ExposedError`] if group or others have any access to `path`
/// (described by `meta`).
pub fn refuse_exposed(
    path: &Path,
    meta: &fs::Metadata,
    what: &'static str,
    advice: &'static str,
) -> io::Result<()> {
    let mode = meta.permissions().mode() & 0o7777;
    if mode & 0o077 == 0 {
        return Ok(());
    }
    Err(io::Error::new(
        io::ErrorKind::PermissionDenied,
        ExposedError {
            what,
            path: path.display().to_string(),
            mode,
            wanted: if meta.is_dir() { 0o700 } else { 0o600 },
            advice,
        },
    ))
}

/// The files Keyward keeps in a data dir: if one is in an open directory, it
/// may have been read, or planted.
pub const DATA_DIR_FILES: &[&str] = &[
    "keyward.db",
    "keyward.db-wal",
    "keyward.db-shm",
    "keyward.generation",
    "secret.key",
    "token-signing.ed25519",
];

/// What to do about a data dir that group or others could reach.
pub const DATA_DIR_ADVICE: &str = "Anyone who could read it may hold copies of its keys (secret.key, token-signing.ed25519), and anyone who could write it may have planted files: check who, and replace the keys if in doubt. ";

/// Whether `dir` holds any of [`DATA_DIR_FILES`].
pub fn holds_data_files(dir: &Path) -> bool {
    DATA_DIR_FILES
        .iter()
        .any(|name| fs::symlink_metadata(dir.join(name)).is_ok())
}

/// Creates `dir` (and missing parents) with mode 0700. An existing directory
/// that group or others can read or write is refused once it holds any of
/// Keyward's files (see the module doc). One that holds none yet (made with
/// `mkdir` under a usual umask) exposed nothing, and is made 0700.
pub fn create_private_dir(dir: &Path) -> io::Result<()> {
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)?;
    let meta = fs::metadata(dir)?;
    let refuse = || refuse_exposed(dir, &meta, "the data dir", DATA_DIR_ADVICE);
    if meta.permissions().mode() & 0o077 == 0 {
        return Ok(());
    }
    if holds_data_files(dir) {
        return refuse();
    }
    fs::set_permissions(dir, fs::Permissions::from_mode(0o700))?;
    // Something put there between the look and the chmod is refused too.
    if holds_data_files(dir) {
        return refuse();
    }
    Ok(())
}

/// Opens `path` for reading and writing, creating it 0600 if missing.
pub fn create_private_file(path: &Path) -> io::Result<File> {
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(path)?;
    let meta = file.metadata()?;
    if meta.permissions().mode() & 0o077 != 0 {
        file.set_permissions(fs::Permissions::from_mode(0o600))?;
    }
    Ok(file)
}

/// Writes `contents` to `path` only if `path` does not exist yet, atomically: a
/// concurrent reader sees either no file or the whole file. Returns `false` when
/// another process won the race (the caller then reads that file).
pub fn write_private_file_atomic(path: &Path, contents: &[u8]) -> io::Result<bool> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("file"),
        std::process::id()
    ));
    {
        let mut f = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&tmp)?;
        f.write_all(contents)?;
        f.sync_all()?;
    }
    // A hard link fails if the target exists, unlike rename: first writer wins.
    let linked = fs::hard_link(&tmp, path);
    let _ = fs::remove_file(&tmp);
    match linked {
        Ok(()) => {
            if let Ok(d) = File::open(dir) {
                let _ = d.sync_all();
            }
            Ok(true)
        }
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(e),
    }
}

/// A key file: what it is called in messages, and what to do if it was exposed.
#[derive(Clone, Copy, Debug)]
pub struct KeyFile {
    /// `the hashing key`, `the token signing key`.
    pub what: &'static str,
    /// Said when the file is refused as exposed, before the chmod advice.
    pub advice: &'static str,
}

/// The bytes of the key file at `path`, made first with `len` bytes from the
/// OS CSPRNG if it does not exist. Concurrent first uses agree on one key: the
/// first atomic write wins and the others read it. A key file group or others
/// can reach is refused unread ([`ExposedError`]). Every failure is an error,
/// the CSPRNG's included; the caller checks the length.
pub fn load_or_create_key(path: &Path, len: usize, key: KeyFile) -> io::Result<Zeroizing<Vec<u8>>> {
    load_or_create_key_with(path, len, key, fill_from_os)
}

fn fill_from_os(bytes: &mut [u8]) -> io::Result<()> {
    use rand::TryRng as _;
    rand::rngs::SysRng
        .try_fill_bytes(bytes)
        .map_err(|e| io::Error::other(format!("the OS random number generator failed: {e}")))
}

/// [`load_or_create_key`] with the source of new keys given, so tests can
/// make it fail.
fn load_or_create_key_with(
    path: &Path,
    len: usize,
    key: KeyFile,
    fill: impl FnOnce(&mut [u8]) -> io::Result<()>,
) -> io::Result<Zeroizing<Vec<u8>>> {
    if !path.exists() {
        let mut new = Zeroizing::new(vec![0u8; len]);
        fill(new.as_mut_slice())?;
        // Losing the race to another process is fine: its key is read below.
        write_private_file_atomic(path, &new)?;
    }
    let mut file = File::open(path)?;
    refuse_exposed(path, &file.metadata()?, key.what, key.advice)?;
    let mut bytes = Zeroizing::new(Vec::with_capacity(len));
    file.read_to_end(&mut bytes)?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: KeyFile = KeyFile {
        what: "the test key",
        advice: "Replace it. ",
    };

    #[test]
    fn a_key_is_made_once_private_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k");
        let a = load_or_create_key(&path, 32, KEY).unwrap();
        let b = load_or_create_key(&path, 32, KEY).unwrap();
        assert_eq!(a.len(), 32);
        assert_eq!(*a, *b, "the second call reads the first key");
        let mode = fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn a_failing_random_source_is_an_error_and_leaves_no_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k");
        let e = load_or_create_key_with(&path, 32, KEY, |_| Err(io::Error::other("no entropy")))
            .unwrap_err();
        assert!(e.to_string().contains("no entropy"), "{e}");
        assert!(!path.exists());
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            0,
            "no temp file left"
        );
    }

    #[test]
    fn an_exposed_key_is_refused_unread_with_the_chmod_advice() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k");
        load_or_create_key(&path, 32, KEY).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o604)).unwrap();
        let e = load_or_create_key(&path, 32, KEY).unwrap_err();
        let exposed = ExposedError::find(&e).unwrap().to_string();
        assert!(
            exposed.starts_with("the test key ")
                && exposed.contains("mode 604")
                && exposed.contains("Replace it. Then run `chmod 600"),
            "{exposed}"
        );
    }
}
