//! Private files and directories: the data dir is 0700 and every file in it 0600,
//! whatever the umask says.
//!
//! A data dir or key file that group or others can already read or write is
//! refused, not tightened: quietly fixing the mode would hide that the keys
//! were exposed, and whoever read them can still use them.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

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
const DATA_DIR_FILES: &[&str] = &[
    "keyward.db",
    "keyward.db-wal",
    "keyward.db-shm",
    "keyward.generation",
    "secret.key",
    "token-signing.ed25519",
];

fn holds_data_files(dir: &Path) -> bool {
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
    let refuse = || {
        refuse_exposed(
            dir,
            &meta,
            "the data dir",
            "Anyone who could read it may hold copies of its keys (secret.key, token-signing.ed25519), and anyone who could write it may have planted files: check who, and replace the keys if in doubt. ",
        )
    };
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
