//! Serving connections, with two limits `axum::serve` does not have.
//!
//! - A request's head (request line and headers) must arrive within
//!   `header_read_timeout`, counted from when the server starts waiting for
//!   it; that includes an idle keep-alive connection waiting for its next
//!   request. A client that sends half a request line and waits (slowloris)
//!   is closed then.
//! - At most `max_connections` are open at once, so a flood cannot use up the
//!   process's open files and lock everyone out. When a new connection arrives
//!   at the cap, the oldest connection that is not answering a request (a
//!   half-sent head, or idle keep-alive) is closed to make room. When every
//!   open connection is answering a request, the new one waits in the kernel's
//!   backlog until one finishes.

use std::collections::BTreeMap;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore, watch};

pub use crate::config::{ConnectionSettings, MAX_CONNECTIONS_LIMIT};

/// One open connection, as the accept loop sees it.
#[derive(Default)]
struct Open {
    /// Requests being answered on it now.
    in_flight: AtomicUsize,
    /// Set once it was asked to close, so it is not picked twice.
    closing: AtomicBool,
    close: Notify,
}

/// The open connections, oldest first.
#[derive(Default)]
struct OpenConnections {
    by_age: Mutex<(u64, BTreeMap<u64, Arc<Open>>)>,
}

impl OpenConnections {
    fn lock(&self) -> std::sync::MutexGuard<'_, (u64, BTreeMap<u64, Arc<Open>>)> {
        // Each change is one insert or remove: a poisoned map is consistent.
        self.by_age.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn add(&self) -> (u64, Arc<Open>) {
        let mut table = self.lock();
        let id = table.0;
        table.0 += 1;
        let open = Arc::new(Open::default());
        table.1.insert(id, open.clone());
        (id, open)
    }

    fn remove(&self, id: u64) {
        self.lock().1.remove(&id);
    }

    /// Asks the oldest connection that is not answering a request to close.
    fn close_oldest_idle(&self) {
        let table = self.lock();
        let idle = table.1.values().find(|c| {
            c.in_flight.load(Ordering::Acquire) == 0 && !c.closing.load(Ordering::Acquire)
        });
        if let Some(c) = idle {
            c.closing.store(true, Ordering::Release);
            c.close.notify_one();
        }
    }
}

/// Leaves the table, then gives the slot back (fields drop after `drop`).
struct Registration {
    open: Arc<OpenConnections>,
    id: u64,
    _slot: OwnedSemaphorePermit,
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.open.remove(self.id);
    }
}

/// Counts a request in flight on its connection while it lives.
struct Busy(Arc<Open>);

impl Busy {
    fn start(open: &Arc<Open>) -> Self {
        open.in_flight.fetch_add(1, Ordering::AcqRel);
        Busy(open.clone())
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Serves `router` on `listener` until `shutdown` completes, then stops
/// accepting and waits for the open connections to finish their requests.
///
/// With `tls`, each connection does its handshake first, within the
/// header-read timeout, with the certificate in use when it arrived.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    settings: ConnectionSettings,
    tls: Option<Arc<super::tls::Tls>>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let cap = settings.max_connections.clamp(1, MAX_CONNECTIONS_LIMIT);
    let slots = Arc::new(Semaphore::new(cap));
    let open = Arc::new(OpenConnections::default());
    let (stop, stopping) = watch::channel(false);
    let mut shutdown = pin!(shutdown);
    loop {
        let (stream, addr) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    accept_failed(e).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let slot = match slots.clone().try_acquire_owned() {
            Ok(slot) => slot,
            Err(_) => {
                open.close_oldest_idle();
                tokio::select! {
                    slot = slots.clone().acquire_owned() => match slot {
                        Ok(slot) => slot,
                        Err(_) => break,
                    },
                    () = &mut shutdown => break,
                }
            }
        };
        let registration = {
            let (id, this) = open.add();
            (
                Registration {
                    open: open.clone(),
                    id,
                    _slot: slot,
                },
                this,
            )
        };
        tokio::spawn(connection(
            stream,
            tls.as_ref().map(|t| t.acceptor()),
            addr,
            router.clone(),
            settings.header_read_timeout,
            registration,
            stopping.clone(),
        ));
    }
    drop(listener);
    stop.send_replace(true);
    // Every open connection holds a slot until it ends.
    let _all = slots.acquire_many(cap as u32).await;
    Ok(())
}

/// Accept errors are the listener's, not fatal: a connection reset before it
/// was accepted, or no file left for a moment. Wait a little on the latter
/// rather than spin.
async fn accept_failed(e: std::io::Error) {
    use std::io::ErrorKind;
    if matches!(
        e.kind(),
        ErrorKind::ConnectionRefused | ErrorKind::ConnectionAborted | ErrorKind::ConnectionReset
    ) {
        return;
    }
    tracing::warn!(error = %e, "cannot accept a connection");
    tokio::time::sleep(Duration::from_millis(100)).await;
}

/// Serves one connection, after its TLS handshake when there is an acceptor.
async fn connection(
    stream: TcpStream,
    tls: Option<tokio_rustls::TlsAcceptor>,
    addr: SocketAddr,
    router: Router,
    header_read_timeout: Duration,
    registration: (Registration, Arc<Open>),
    stopping: watch::Receiver<bool>,
) {
    let Some(acceptor) = tls else {
        serve_io(
            stream,
            addr,
            router,
            header_read_timeout,
            registration,
            stopping,
        )
        .await;
        return;
    };
    // A handshake gets the time a request head gets: a client that opens a
    // connection and sends nothing holds its slot no longer.
    match tokio::time::timeout(header_read_timeout, acceptor.accept(stream)).await {
        Ok(Ok(tls_stream)) => {
            serve_io(
                tls_stream,
                addr,
                router,
                header_read_timeout,
                registration,
                stopping,
            )
            .await;
        }
        Ok(Err(e)) => tracing::debug!(%addr, error = %e, "TLS handshake failed"),
        Err(_) => tracing::debug!(%addr, "TLS handshake timed out"),
    }
}

async fn serve_io<I>(
    io: I,
    addr: SocketAddr,
    router: Router,
    header_read_timeout: Duration,
    (registration, this): (Registration, Arc<Open>),
    mut stopping: watch::Receiver<bool>,
) where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let _registration = registration;
    let app = TowerToHyperService::new(router);
    let counted = this.clone();
    let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
        // The throttle reads the caller's address from here.
        req.extensions_mut().insert(ConnectInfo(addr));
        let busy = Busy::start(&counted);
        let reply = hyper::service::Service::call(&app, req);
        async move {
            let reply = reply.await;
            drop(busy);
            reply
        }
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(header_read_timeout)
        .keep_alive(true);
    let mut conn = pin!(builder.serve_connection(TokioIo::new(io), service));
    let mut draining = false;
    loop {
        tokio::select! {
            outcome = conn.as_mut() => {
                if let Err(e) = outcome {
                    tracing::debug!(%addr, error = %e, "connection ended");
                }
                return;
            }
            () = this.close.notified() => {
                tracing::debug!(%addr, "closed an idle connection to make room for a new one");
                return;
            }
            _ = stopping.changed(), if !draining => {
                draining = true;
                conn.as_mut().graceful_shutdown();
            }
        }
    }
}
