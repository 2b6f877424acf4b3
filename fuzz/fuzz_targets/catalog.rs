//! The scope catalog parser: any bytes give a catalog or an error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(catalog) = keyward::catalog::Catalog::parse(text, "scopes.toml") {
            // What is accepted keeps its promises.
            for scope in catalog.scopes() {
                assert!(scope.access.len() >= 2);
            }
        }
    }
});
