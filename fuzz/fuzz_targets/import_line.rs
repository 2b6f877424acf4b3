//! One line of `keyward apps import`: a name and grants, or an error.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(line) = std::str::from_utf8(data) {
        if let Ok((name, _grants)) = keyward::model::wire::parse_import_line(line) {
            assert!(name.as_str().chars().all(|c| !c.is_control()));
        }
    }
});
