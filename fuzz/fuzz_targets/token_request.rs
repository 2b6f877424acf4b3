//! The token request parser: an `Authorization` header, a content type and a
//! form body from the network. Any bytes give a request or an OAuth error,
//! never a panic; an accepted request keeps its promises.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Split the input into the three parts at the first two 0xFF bytes.
    let mut parts = data.splitn(3, |b| *b == 0xFF);
    let authorization = parts.next().filter(|a| !a.is_empty());
    let content_type = parts.next().filter(|c| !c.is_empty());
    let body = parts.next().unwrap_or_default();
    if let Ok(req) = keyward::oauth::request::token_request(authorization, content_type, body) {
        if let Some(scopes) = &req.scopes {
            for s in scopes {
                assert!(!s.is_empty() && !s.contains(' ') && !s.contains('+'));
            }
        }
    }
});
