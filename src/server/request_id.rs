//! A request ID for every request: returned in `X-Request-Id` and carried by
//! the request's log lines, so a client's report and an operator's log can be
//! matched.
//!
//! The server makes one (16 characters of `[A-Za-z0-9]`, random, so it tells
//! nothing about how many requests came before). A trusted proxy's
//! (`--trusted-proxy`) `X-Request-Id` is kept instead when it is short and
//! plain (see [`acceptable`]): the proxy's log then matches too. From any
//! other peer the header is ignored, so a client cannot write into the log.

use axum::http::HeaderValue;

/// The header, in requests (from a trusted proxy) and in every reply.
pub const HEADER: &str = "x-request-id";

/// The longest ID kept from a trusted proxy.
pub const MAX_LEN: usize = 64;

/// A trusted proxy's request ID, put in the request's extensions by
/// `proxy::real_client` once it has been checked.
#[derive(Clone, Debug)]
pub struct Forwarded(pub HeaderValue);

/// Whether a proxy's ID may be kept: 1 to [`MAX_LEN`] characters of
/// `[A-Za-z0-9._:=+/-]` (UUIDs, hex, base64 and most tracing IDs), so it can be
/// logged and echoed as it is.
pub fn acceptable(value: &HeaderValue) -> bool {
    let bytes = value.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= MAX_LEN
        && bytes.iter().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'=' | b'+' | b'/' | b'-')
        })
}

/// A new request ID.
pub fn generate() -> HeaderValue {
    // Alphanumeric characters always make a valid header value.
    HeaderValue::from_str(&crate::model::random_identifier(16))
        .unwrap_or_else(|_| HeaderValue::from_static("unknown"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_short_plain_ids_are_kept() {
        for ok in [
            "a",
            "0f8fad5b-d9cb-469f-a165-70867728950e",
            "Root=1-67891233:abc.def_g",
            &"x".repeat(MAX_LEN),
        ] {
            assert!(acceptable(&HeaderValue::from_str(ok).unwrap()), "{ok}");
        }
        for bad in [
            "",
            "has space",
            "quote\"",
            "line\tbreak",
            "semi;colon",
            "{\"json\":1}",
            &"x".repeat(MAX_LEN + 1),
        ] {
            assert!(!acceptable(&HeaderValue::from_str(bad).unwrap()), "{bad}");
        }
        let bytes = HeaderValue::from_bytes(b"caf\xc3\xa9").unwrap();
        assert!(!acceptable(&bytes));
    }

    #[test]
    fn generated_ids_are_acceptable_and_differ() {
        let (a, b) = (generate(), generate());
        assert!(acceptable(&a) && a.len() == 16, "{a:?}");
        assert_ne!(a, b);
    }
}
