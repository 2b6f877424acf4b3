//! A change counter shared by every process on the data dir, so a process can
//! tell in nanoseconds whether anything was written since it last read.
//!
//! The counter is 8 bytes in `keyward.generation` beside the database, mapped
//! into each process and touched only with atomic operations. It works like a
//! sequence lock whose writers are already serialised by SQLite's write lock:
//!
//! - A writer, holding the write lock, makes the counter odd (a write is in
//!   progress), writes and commits, then makes it even again.
//! - A reader may trust what it read earlier only if the counter is even and
//!   equal to the value it saw, before and after, when it read.
//!
//! A writer that dies mid-write leaves the counter odd, which only turns
//! caching off until the next write finishes: never a stale answer. The next
//! writer moves an odd counter on by two, so it never returns to a value a
//! reader may have seen.
//!
//! If the file is deleted, replaced or cut short while a process has it
//! mapped, processes started later count in another file. The mapped process
//! notices (the path no longer names its file) and stops trusting the counter
//! until it restarts.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use memmap2::MmapMut;

use crate::fs::create_private_file;

/// The counter file's name inside the data dir.
pub const GENERATION_FILE: &str = "keyward.generation";

const SIZE: u64 = std::mem::size_of::<AtomicU64>() as u64;

#[derive(Debug)]
pub struct Generation {
    map: MmapMut,
    path: PathBuf,
    /// The mapped file, kept open to ask whether it is still linked; `None`
    /// for a counter private to this process (see [`Generation::unshared`]).
    file: Option<std::fs::File>,
    /// Whether the "file replaced" warning was given.
    warned: AtomicBool,
}

/// A write in progress; see [`Generation::begin_write`].
#[derive(Debug)]
#[must_use = "a write must be ended, or caching stays off"]
pub struct WriteMark(u64);

impl Generation {
    /// Maps the counter file in `data_dir`, creating it (0600, zero) if needed.
    pub fn open(data_dir: &Path) -> std::io::Result<Self> {
        let path = data_dir.join(GENERATION_FILE);
        let file = create_private_file(&path)?;
        // Growing never loses a count: a second process creating the file at
        // the same moment extends it with zeros, exactly as the first did.
        if file.metadata()?.len() < SIZE {
            file.set_len(SIZE)?;
        }
        // SAFETY: the file is private to this user (0600 in a 0700 dir) and at
        // least 8 bytes long; every process, this one included, accesses those
        // 8 bytes only through the atomic operations below, so no plain read
        // ever races with a write. (Cutting the file short while it is mapped
        // would fault; `stable` checks the size first, and the file is only
        // ever written through this module.)
        let map = unsafe {
            memmap2::MmapOptions::new()
                .len(SIZE as usize)
                .map_mut(&file)?
        };
        Ok(Generation {
            map,
            path,
            file: Some(file),
            warned: AtomicBool::new(false),
        })
    }

    /// A counter nobody else sees, for a data dir this process cannot write
    /// (where the shared file cannot be opened for writing). It is never
    /// stable, so nothing read is ever trusted later: every read goes to the
    /// store, and another process's writes are always seen.
    pub fn unshared(data_dir: &Path) -> std::io::Result<Self> {
        Ok(Generation {
            map: MmapMut::map_anon(SIZE as usize)?,
            path: data_dir.join(GENERATION_FILE),
            file: None,
            warned: AtomicBool::new(true),
        })
    }

    /// Whether the mapped file is still in the data dir, whole. Deleting it,
    /// or renaming another file over it, unlinks it. (One `fstat` of the open
    /// file: no path lookup on the token path.)
    fn still_shared(&self) -> bool {
        let Some(file) = &self.file else {
            return false;
        };
        let same = file
            .metadata()
            .is_ok_and(|m| m.nlink() > 0 && m.len() >= SIZE);
        if !same && !self.warned.swap(true, Ordering::Relaxed) {
            tracing::warn!(
                path = %self.path.display(),
                "the generation file was deleted or replaced while in use; \
                 every token request now reads the store until this process restarts"
            );
        }
        same
    }

    fn cell(&self) -> &AtomicU64 {
        let ptr = self.map.as_ptr().cast::<AtomicU64>();
        // SAFETY: the mapping starts on a page boundary (so it is aligned for
        // a u64), is 8 bytes long, lives as long as `self`, and is shared
        // memory that other processes change only atomically (see `open`).
        unsafe { &*ptr }
    }

    /// The counter, or `None` while a write is in progress (or a writer died
    /// mid-write): then nothing read earlier may be trusted.
    pub fn stable(&self) -> Option<u64> {
        if !self.still_shared() {
            return None;
        }
        let g = self.cell().load(Ordering::SeqCst);
        g.is_multiple_of(2).then_some(g)
    }

    /// Marks a write as started. Call it only while holding the database's
    /// write lock, before changing anything.
    pub fn begin_write(&self) -> WriteMark {
        let bump = |g: u64| Some(if g.is_multiple_of(2) { g + 1 } else { g + 2 });
        // `fetch_update` with a closure that always returns `Some` cannot fail.
        let previous = self
            .cell()
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, bump)
            .unwrap_or_else(|g| g);
        WriteMark(bump(previous).unwrap_or(previous))
    }

    /// Marks the write as finished, after its commit or rollback. If another
    /// writer has begun since, the counter is its to finish.
    pub fn end_write(&self, mark: WriteMark) {
        let WriteMark(odd) = mark;
        let _ = self
            .cell()
            .compare_exchange(odd, odd + 1, Ordering::SeqCst, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_write_hides_the_counter_until_it_ends_and_moves_it_on() {
        let dir = tempfile::tempdir().unwrap();
        let a = Generation::open(dir.path()).unwrap();
        let b = Generation::open(dir.path()).unwrap();
        let before = a.stable().unwrap();
        let mark = b.begin_write();
        assert_eq!(a.stable(), None, "a write in another mapping is seen");
        b.end_write(mark);
        let after = a.stable().unwrap();
        assert!(after > before);
    }

    #[test]
    fn a_writer_that_died_mid_write_turns_caching_off_until_the_next_write() {
        let dir = tempfile::tempdir().unwrap();
        let g = Generation::open(dir.path()).unwrap();
        let seen = g.stable().unwrap();
        let died = g.begin_write();
        drop(died);
        assert_eq!(g.stable(), None);
        let next = g.begin_write();
        assert_eq!(g.stable(), None);
        g.end_write(next);
        let now = g.stable().unwrap();
        assert!(now > seen + 2, "never back to a value a reader saw");
    }

    #[test]
    fn a_late_end_does_not_finish_a_newer_write() {
        let dir = tempfile::tempdir().unwrap();
        let g = Generation::open(dir.path()).unwrap();
        let first = g.begin_write();
        // The first writer has released the database lock but not yet ended;
        // a second writer begins.
        let second = g.begin_write();
        g.end_write(first);
        assert_eq!(g.stable(), None, "the second write is still in progress");
        g.end_write(second);
        assert!(g.stable().is_some());
    }

    #[test]
    fn a_deleted_or_replaced_file_is_never_trusted_again() {
        let dir = tempfile::tempdir().unwrap();
        let g = Generation::open(dir.path()).unwrap();
        assert!(g.stable().is_some());
        std::fs::remove_file(dir.path().join(GENERATION_FILE)).unwrap();
        assert_eq!(g.stable(), None, "deleted");
        // A later process makes a new file and counts there.
        let later = Generation::open(dir.path()).unwrap();
        let mark = later.begin_write();
        later.end_write(mark);
        assert!(later.stable().is_some());
        assert_eq!(g.stable(), None, "replaced");
    }

    #[test]
    fn an_unshared_counter_is_never_stable() {
        let dir = tempfile::tempdir().unwrap();
        let g = Generation::unshared(dir.path()).unwrap();
        assert_eq!(g.stable(), None);
        let mark = g.begin_write();
        g.end_write(mark);
        assert_eq!(g.stable(), None);
        assert!(!dir.path().join(GENERATION_FILE).exists());
    }

    #[test]
    fn the_file_is_private_and_survives_reopening() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let g = Generation::open(dir.path()).unwrap();
        let mark = g.begin_write();
        g.end_write(mark);
        let value = g.stable().unwrap();
        drop(g);
        let again = Generation::open(dir.path()).unwrap();
        assert_eq!(again.stable(), Some(value));
        let mode = std::fs::metadata(dir.path().join(GENERATION_FILE))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
