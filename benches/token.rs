//! The token endpoint's work per request, in process (no sockets): the whole
//! router for a token request beside the same router's `/healthz` (baseline,
//! measured in the same run) and beside a server that records no usage, and the two costly steps alone — one
//! authentication (cached, and with the cache off) and one JWT signature.

// Test code: a failed unwrap is a failed test, and that is what it should be.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, header};
use base64::Engine as _;
use criterion::{Criterion, criterion_group, criterion_main};
use keyward::catalog::Catalog;
use keyward::model::{AppName, Grant, NewApplication, Region};
use keyward::registry::Registry;
use keyward::registry::embedded::EmbeddedStore;
use keyward::server::Server;
use tower::ServiceExt;

// One setup (a store, a server, clients) shared by every measurement, so the
// figures in BENCHMARKS.md compare like with like in one run.
#[allow(clippy::too_many_lines)]
fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let catalog = Arc::new(Catalog::builtin());
    let store = EmbeddedStore::open(dir.path(), catalog.clone(), Duration::from_secs(900)).unwrap();
    let registry: Arc<dyn Registry> = Arc::new(store.registry(Region::new("us").unwrap()));
    let issued = rt
        .block_on(registry.create(NewApplication {
            client_name: AppName::parse("Bench").unwrap(),
            grants: vec![Grant::parse_assignment("ess:account=read").unwrap()],
            admin: false,
        }))
        .unwrap();
    let server = rt
        .block_on(Server::bind(
            "127.0.0.1:0".parse().unwrap(),
            None,
            dir.path(),
            registry.clone(),
            catalog,
        ))
        .unwrap();
    let router = server.router();
    // The same server without usage recording, for the comparison.
    let quiet = rt
        .block_on(Server::bind(
            "127.0.0.1:0".parse().unwrap(),
            None,
            dir.path(),
            registry.clone(),
            Arc::new(Catalog::builtin()),
        ))
        .unwrap()
        .with_usage(None);
    let quiet_router = quiet.router();
    let basic = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!(
            "{}:{}",
            issued.application.client_id,
            issued.reveal.secret.expose()
        ))
    );

    let mut g = c.benchmark_group("endpoint_in_process");
    g.bench_function("baseline_healthz", |b| {
        b.iter(|| {
            let req = Request::get("/healthz").body(Body::empty()).unwrap();
            let resp = rt.block_on(router.clone().oneshot(req)).unwrap();
            assert!(resp.status().is_success());
        })
    });
    let token_request = || {
        Request::post("/oauth2/token")
            .header(header::AUTHORIZATION, &basic)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from("grant_type=client_credentials"))
            .unwrap()
    };
    g.bench_function("token", |b| {
        b.iter(|| {
            let resp = rt
                .block_on(router.clone().oneshot(token_request()))
                .unwrap();
            assert!(resp.status().is_success());
        })
    });
    g.bench_function("token_usage_recording_off", |b| {
        b.iter(|| {
            let resp = rt
                .block_on(quiet_router.clone().oneshot(token_request()))
                .unwrap();
            assert!(resp.status().is_success());
        })
    });
    g.finish();

    let mut g = c.benchmark_group("token_steps");
    let id = issued.application.client_id.clone();
    let secret = issued.reveal.secret.clone();
    // Nothing changes on the data dir here, so this is the cached answer
    // (with the secret still checked).
    g.bench_function("authenticate_embedded", |b| {
        b.iter(|| {
            rt.block_on(registry.authenticate(black_box(&id), black_box(&secret)))
                .unwrap()
        })
    });
    // An odd generation counter is what a writer that died mid-write leaves:
    // the cache is off and every request reads the store.
    std::fs::write(
        dir.path()
            .join(keyward::registry::embedded::GENERATION_FILE),
        1u64.to_le_bytes(),
    )
    .unwrap();
    g.bench_function("authenticate_embedded_cache_off", |b| {
        b.iter(|| {
            rt.block_on(registry.authenticate(black_box(&id), black_box(&secret)))
                .unwrap()
        })
    });
    let issuer = server.issuer_handle();
    g.bench_function("claims_and_sign", |b| {
        b.iter(|| {
            let claims = issuer.claims(id.as_str(), "ess:account:read".into(), 1_800_000_000);
            issuer.sign(black_box(&claims))
        })
    });
    g.finish();

    // The signature alone, on a token-sized message: ours (aws-lc-rs) beside
    // the pure-Rust ed25519-dalek, which the service used before.
    let mut g = c.benchmark_group("ed25519_sign_400_bytes");
    let message = [b'e'; 400];
    let ours = keyward::oauth::SigningKeys::from_seed(&[7u8; 32]).unwrap();
    let dalek = ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]);
    g.bench_function("aws_lc_rs", |b| b.iter(|| ours.sign(black_box(&message))));
    g.bench_function("baseline_ed25519_dalek", |b| {
        use ed25519_dalek::Signer as _;
        b.iter(|| dalek.sign(black_box(&message)))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
