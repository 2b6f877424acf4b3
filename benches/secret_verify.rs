//! Secret verification: the keyed hash alone (target ≤ 2 µs) and through the
//! embedded registry (one SQLite primary-key lookup plus the hash), beside a
//! baseline measured in the same run: one plain SHA-256 of a 48-byte secret.

// Test code: a failed unwrap is a failed test, and that is what it should be.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use keyward::catalog::Catalog;
use keyward::model::{AppName, ClientId, ClientSecret, NewApplication, Region};
use keyward::registry::Registry;
use keyward::registry::embedded::{EmbeddedStore, SecretHasher};
use sha2::{Digest, Sha256};

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let hasher = SecretHasher::open(dir.path()).unwrap();
    let id = ClientId::generate();
    let secret = ClientSecret::generate();
    let stored = hasher.hash(&id, &secret);
    let wrong = ClientSecret::generate();
    // Guesses that are right but for the first or the last character: the
    // time must not depend on how much of a guess was right.
    let flip = |i: usize| {
        let mut b = secret.expose().as_bytes().to_vec();
        b[i] = if b[i] == b'a' { b'b' } else { b'a' };
        ClientSecret::from_string(String::from_utf8(b).unwrap())
    };
    let wrong_first = flip(0);
    let wrong_last = flip(secret.expose().len() - 1);

    let mut g = c.benchmark_group("secret");
    g.bench_function("baseline_sha256_48_bytes", |b| {
        b.iter(|| Sha256::digest(black_box(secret.expose().as_bytes())))
    });
    g.bench_function("verify_hmac_right", |b| {
        b.iter(|| hasher.verify(black_box(&id), black_box(&secret), black_box(&stored)))
    });
    g.bench_function("verify_hmac_wrong", |b| {
        b.iter(|| hasher.verify(black_box(&id), black_box(&wrong), black_box(&stored)))
    });
    g.bench_function("verify_hmac_wrong_first_char", |b| {
        b.iter(|| hasher.verify(black_box(&id), black_box(&wrong_first), black_box(&stored)))
    });
    g.bench_function("verify_hmac_wrong_last_char", |b| {
        b.iter(|| hasher.verify(black_box(&id), black_box(&wrong_last), black_box(&stored)))
    });
    g.finish();

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let store = EmbeddedStore::open(
        &dir.path().join("store"),
        Arc::new(Catalog::builtin()),
        Duration::from_secs(900),
    )
    .unwrap();
    let us = store.registry(Region::new("us").unwrap());
    let issued = rt
        .block_on(us.create(NewApplication {
            client_name: AppName::parse("Bench").unwrap(),
            grants: vec![],
            admin: false,
        }))
        .unwrap();
    let mut g = c.benchmark_group("registry");
    g.bench_function("verify_secret_embedded", |b| {
        b.iter(|| {
            rt.block_on(us.verify_secret(&issued.application.client_id, &issued.reveal.secret))
                .unwrap()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
