//! Log lines gathered in memory and written out in batches by one thread, the
//! way busy web servers buffer access logs.
//!
//! A request only appends its line to a buffer. The writer thread wakes every
//! [`FLUSH_EVERY`], or as soon as [`FLUSH_AT`] bytes are waiting, and writes the
//! batch with one system call. Unlike a queue that wakes its writer for every
//! line, a busy server pays no thread wake-up per request.
//!
//! Nothing is dropped: past [`HOLD_AT_MOST`] bytes (the sink is stalled), the
//! logging thread writes the batch itself and so waits for the sink. Dropping
//! the [`FlushGuard`] writes what is left. A process killed outright loses at
//! most the last [`FLUSH_EVERY`] of lines.

use std::io::Write;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

/// The longest a line waits in memory.
pub const FLUSH_EVERY: Duration = Duration::from_millis(100);
/// A batch this large is written at once.
pub const FLUSH_AT: usize = 64 * 1024;
/// Past this, loggers write the batch themselves (back-pressure).
pub const HOLD_AT_MOST: usize = 4 * 1024 * 1024;

struct Pending {
    bytes: Vec<u8>,
    closing: bool,
}

/// When to write: see the module's constants.
#[derive(Clone, Copy)]
struct Limits {
    flush_every: Duration,
    flush_at: usize,
    hold_at_most: usize,
}

const LIMITS: Limits = Limits {
    flush_every: FLUSH_EVERY,
    flush_at: FLUSH_AT,
    hold_at_most: HOLD_AT_MOST,
};

struct Shared<W> {
    limits: Limits,
    pending: Mutex<Pending>,
    wake: Condvar,
    sink: Mutex<W>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // Every critical section leaves the data whole (an append, a swap, a
    // write), so a poisoned lock is still usable, and logging must not panic.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl<W: Write> Shared<W> {
    /// Takes the waiting bytes and writes them. The sink is locked before the
    /// buffer is released, so batches reach the sink in the order taken.
    fn write_out(&self, mut pending: MutexGuard<'_, Pending>) {
        if pending.bytes.is_empty() {
            return;
        }
        let batch = std::mem::take(&mut pending.bytes);
        let mut sink = lock(&self.sink);
        drop(pending);
        // A log that cannot be written (standard error closed) is not a
        // reason to fail a request or the service.
        let _ = sink.write_all(&batch).and_then(|()| sink.flush());
    }
}

/// Where `tracing` writes: a cheap handle on the shared buffer.
pub struct LogBuffer<W> {
    shared: Arc<Shared<W>>,
}

impl<W> Clone for LogBuffer<W> {
    fn clone(&self) -> Self {
        LogBuffer {
            shared: self.shared.clone(),
        }
    }
}

/// Stops the writer thread and writes what is left, when dropped.
pub struct FlushGuard<W: Write> {
    shared: Arc<Shared<W>>,
    thread: Option<JoinHandle<()>>,
}

impl<W: Write + Send + 'static> LogBuffer<W> {
    /// A buffer in front of `sink`, with its writer thread.
    pub fn new(sink: W) -> std::io::Result<(Self, FlushGuard<W>)> {
        Self::with_limits(sink, LIMITS)
    }

    fn with_limits(sink: W, limits: Limits) -> std::io::Result<(Self, FlushGuard<W>)> {
        let shared = Arc::new(Shared {
            limits,
            pending: Mutex::new(Pending {
                bytes: Vec::with_capacity(limits.flush_at.min(FLUSH_AT)),
                closing: false,
            }),
            wake: Condvar::new(),
            sink: Mutex::new(sink),
        });
        let worker = shared.clone();
        let thread = std::thread::Builder::new()
            .name("log-writer".into())
            .spawn(move || {
                loop {
                    let pending = lock(&worker.pending);
                    let (pending, _) = worker
                        .wake
                        .wait_timeout_while(pending, limits.flush_every, |p| {
                            !p.closing && p.bytes.len() < limits.flush_at
                        })
                        .unwrap_or_else(|p| p.into_inner());
                    let closing = pending.closing;
                    worker.write_out(pending);
                    if closing {
                        return;
                    }
                }
            })?;
        Ok((
            LogBuffer {
                shared: shared.clone(),
            },
            FlushGuard {
                shared,
                thread: Some(thread),
            },
        ))
    }
}

impl<W: Write> Write for LogBuffer<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut pending = lock(&self.shared.pending);
        pending.bytes.extend_from_slice(buf);
        let len = pending.bytes.len();
        let limits = self.shared.limits;
        if pending.closing || len >= limits.hold_at_most {
            // After shutdown no thread is left to write: write it now.
            self.shared.write_out(pending);
        } else if len >= limits.flush_at && len - buf.len() < limits.flush_at {
            // Crossed the mark with this line: wake the writer once.
            drop(pending);
            self.shared.wake.notify_one();
        }
        Ok(buf.len())
    }

    /// Lines are written by the writer thread; a logger never waits for it.
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a, W: Write + 'static> tracing_subscriber::fmt::MakeWriter<'a> for LogBuffer<W> {
    type Writer = LogBuffer<W>;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

impl<W: Write> Drop for FlushGuard<W> {
    fn drop(&mut self) {
        lock(&self.shared.pending).closing = true;
        self.shared.wake.notify_one();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        // Anything logged after the thread's last batch.
        self.shared.write_out(lock(&self.shared.pending));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A sink the test can read back, counting the writes it was given.
    #[derive(Clone, Default)]
    struct Recorded {
        bytes: Arc<Mutex<Vec<u8>>>,
        writes: Arc<Mutex<usize>>,
    }

    impl Write for Recorded {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.bytes.lock().unwrap().extend_from_slice(buf);
            *self.writes.lock().unwrap() += 1;
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn every_line_arrives_whole_and_in_order_per_thread() {
        let sink = Recorded::default();
        let (log, guard) = LogBuffer::new(sink.clone()).unwrap();
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let mut log = log.clone();
                std::thread::spawn(move || {
                    for i in 0..5_000 {
                        log.write_all(format!("t{t} line {i:05}\n").as_bytes())
                            .unwrap();
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        drop(guard);
        let text = String::from_utf8(sink.bytes.lock().unwrap().clone()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 20_000, "nothing lost");
        for t in 0..4 {
            let mine: Vec<&str> = lines
                .iter()
                .copied()
                .filter(|l| l.starts_with(&format!("t{t} ")))
                .collect();
            let expected: Vec<String> = (0..5_000).map(|i| format!("t{t} line {i:05}")).collect();
            assert_eq!(mine, expected);
        }
        let writes = *sink.writes.lock().unwrap();
        assert!(
            writes < 20_000 / 10,
            "written in batches, not per line: {writes}"
        );
    }

    #[test]
    fn a_quiet_log_is_written_by_the_timer() {
        let sink = Recorded::default();
        let limits = Limits {
            flush_every: Duration::from_millis(10),
            flush_at: usize::MAX,
            hold_at_most: usize::MAX,
        };
        let (mut log, _guard) = LogBuffer::with_limits(sink.clone(), limits).unwrap();
        log.write_all(b"one line\n").unwrap();
        // Neither size nor a drop writes it out: only the writer's timer.
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while sink.bytes.lock().unwrap().is_empty() {
            assert!(std::time::Instant::now() < deadline, "never written");
            std::thread::sleep(Duration::from_millis(5));
        }
        assert_eq!(sink.bytes.lock().unwrap().as_slice(), b"one line\n");
    }

    #[test]
    fn past_the_bound_the_logger_writes_itself() {
        let sink = Recorded::default();
        // A writer thread that never wakes on its own, as if stalled.
        let limits = Limits {
            flush_every: Duration::from_secs(3600),
            flush_at: usize::MAX,
            hold_at_most: 4096,
        };
        let (mut log, guard) = LogBuffer::with_limits(sink.clone(), limits).unwrap();
        let line = [b'x'; 1024];
        for _ in 0..3 {
            log.write_all(&line).unwrap();
        }
        assert!(
            sink.bytes.lock().unwrap().is_empty(),
            "held below the bound"
        );
        log.write_all(&line).unwrap();
        assert_eq!(
            sink.bytes.lock().unwrap().len(),
            4096,
            "written at the bound"
        );
        for _ in 0..100 {
            log.write_all(&line).unwrap();
            assert!(lock(&log.shared.pending).bytes.len() < 4096);
        }
        drop(guard);
        assert_eq!(sink.bytes.lock().unwrap().len(), 104 * 1024, "nothing lost");
        log.write_all(b"after shutdown\n").unwrap();
        assert!(
            sink.bytes.lock().unwrap().ends_with(b"after shutdown\n"),
            "a line logged after shutdown is written at once"
        );
    }
}
