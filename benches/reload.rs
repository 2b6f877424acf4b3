//! The TUI's quiet reload at 100,000 applications: the fingerprint it asks
//! every 10 s (one aggregate query) beside the full list it avoids.

// Test code: a failed unwrap is a failed test, and that is what it should be.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use keyward::catalog::Catalog;
use keyward::model::{AppName, NewApplication, Region};
use keyward::registry::Registry;
use keyward::registry::embedded::EmbeddedStore;

const APPS: usize = 100_000;

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let store = EmbeddedStore::open(
        dir.path(),
        Arc::new(Catalog::builtin()),
        Duration::from_secs(900),
    )
    .unwrap();
    let us = store.registry(Region::new("us").unwrap());
    for chunk in 0..APPS / 1000 {
        let batch = (0..1000)
            .map(|i| NewApplication {
                client_name: AppName::parse(&format!("app {chunk:03} {i:04}")).unwrap(),
                grants: vec![],
                admin: false,
            })
            .collect();
        rt.block_on(us.create_many(batch)).unwrap();
    }
    let mut g = c.benchmark_group("reload_100k");
    g.sample_size(10);
    g.bench_function("fingerprint", |b| {
        b.iter(|| rt.block_on(us.fingerprint()).unwrap())
    });
    g.bench_function("full_list", |b| b.iter(|| rt.block_on(us.list()).unwrap()));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
