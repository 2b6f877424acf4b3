//! The real client's address behind trusted proxies (`--trusted-proxy CIDR`).
//!
//! Behind a load balancer every request comes from the balancer's address, so
//! per-address throttling would punish all clients together, and usage records
//! and logs would name the balancer. When the TCP peer is a trusted proxy, the
//! client is the right-most address in the forwarding chain that is not itself
//! a trusted proxy: each proxy appends the address it got the request from, so
//! entries to the left of the first untrusted one are the client's own words
//! and may be forged. From any other peer the headers are ignored, so a client
//! cannot choose its address to dodge the throttle.
//!
//! The chain is `X-Forwarded-For` when the request has one (what nearly every
//! proxy sets), else `Forwarded` (RFC 7239, its `for=` parameters). A trusted
//! proxy must therefore set or strip `X-Forwarded-For`. An entry that is not an
//! address (`unknown`, an obfuscated `_name`) ends the walk: the client is then
//! the last address known, the proxy in front of it.
//!
//! The middleware replaces the request's `ConnectInfo` with the client's
//! address (port 0), so the throttle, usage records and logs all read it there.

use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::Response;
use ipnet::IpNet;

use super::SharedState;

/// The most chain entries read: a longer chain is a client padding it.
const MAX_HOPS: usize = 32;

pub use crate::config::BadCidr;

/// The proxies whose forwarding headers count.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrustedProxies {
    nets: Vec<IpNet>,
}

impl TrustedProxies {
    pub fn new(nets: Vec<IpNet>) -> Self {
        TrustedProxies { nets }
    }

    /// Parses `10.0.0.0/8`, `fd00::/8`, or a single address.
    /// The config file's `trusted_proxy` is read by the same function.
    pub fn parse_cidr(s: &str) -> Result<IpNet, BadCidr> {
        crate::config::parse_cidr(s)
    }

    pub fn is_empty(&self) -> bool {
        self.nets.is_empty()
    }

    /// Whether `addr` is one of the trusted proxies.
    pub fn trusts(&self, addr: IpAddr) -> bool {
        let addr = addr.to_canonical();
        self.nets.iter().any(|n| n.contains(&addr))
    }

    /// The client's address for a request from `peer` with `headers`.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let peer = peer.to_canonical();
        if !self.trusts(peer) {
            return peer;
        }
        let chain = forwarding_chain(headers);
        let mut client = peer;
        for entry in chain.iter().rev().take(MAX_HOPS) {
            let Some(addr) = entry else {
                break;
            };
            client = *addr;
            if !self.trusts(client) {
                break;
            }
        }
        client
    }
}

/// The forwarding chain, left (the client's claim) to right (the last
/// proxy's), `None` for an entry that is not an address.
fn forwarding_chain(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    let xff = headers.get_all("x-forwarded-for");
    if xff.iter().next().is_some() {
        return xff
            .iter()
            .flat_map(|v| v.to_str().unwrap_or("unknown").split(','))
            .map(parse_node)
            .collect();
    }
    headers
        .get_all("forwarded")
        .iter()
        .flat_map(|v| v.to_str().unwrap_or("for=unknown").split(','))
        .map(|element| {
            let for_value = element.split(';').find_map(|pair| {
                let (key, value) = pair.split_once('=')?;
                key.trim().eq_ignore_ascii_case("for").then_some(value)
            });
            for_value.and_then(parse_node)
        })
        .collect()
}

/// An address as proxies write it: `192.0.2.1`, `192.0.2.1:4711`, `2001:db8::1`,
/// `[2001:db8::1]:4711`, quoted or not.
fn parse_node(s: &str) -> Option<IpAddr> {
    let s = s.trim().trim_matches('"');
    if let Ok(addr) = IpAddr::from_str(s) {
        return Some(addr.to_canonical());
    }
    if let Ok(addr) = SocketAddr::from_str(s) {
        return Some(addr.ip().to_canonical());
    }
    let bracketed = s.strip_prefix('[')?.strip_suffix(']')?;
    IpAddr::from_str(bracketed).ok().map(|a| a.to_canonical())
}

/// Puts the client's address where the handlers read the caller's: the
/// request's `ConnectInfo`. Only on the router when proxies are trusted.
pub(super) async fn real_client(
    State(state): State<SharedState>,
    mut req: Request,
    next: Next,
) -> Response {
    if let Some(ConnectInfo(peer)) = req.extensions().get::<ConnectInfo<SocketAddr>>().copied() {
        let client = state.trusted_proxies.client(peer.ip(), req.headers());
        if client != peer.ip() {
            req.extensions_mut()
                .insert(ConnectInfo(SocketAddr::new(client, 0)));
        }
        // The proxy's request ID, when it is the proxy's (see `request_id.rs`).
        if state.trusted_proxies.trusts(peer.ip())
            && let Some(id) = req.headers().get(super::request_id::HEADER)
            && super::request_id::acceptable(id)
        {
            let forwarded = super::request_id::Forwarded(id.clone());
            req.extensions_mut().insert(forwarded);
        }
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn trusted(cidrs: &[&str]) -> TrustedProxies {
        TrustedProxies::new(
            cidrs
                .iter()
                .map(|c| TrustedProxies::parse_cidr(c).unwrap())
                .collect(),
        )
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (name, value) in pairs {
            h.append(*name, HeaderValue::from_str(value).unwrap());
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn cidrs_and_single_addresses_parse() {
        for good in [
            "10.0.0.0/8",
            "127.0.0.1",
            "fd00::/8",
            "::1",
            " 192.168.0.0/16 ",
        ] {
            assert!(TrustedProxies::parse_cidr(good).is_ok(), "{good}");
        }
        for bad in ["", "10.0.0.0/33", "ten", "10.0.0.0/8/8", "\u{1b}[31m"] {
            let e = TrustedProxies::parse_cidr(bad).unwrap_err().to_string();
            assert!(!e.contains('\u{1b}'), "{e}");
        }
    }

    #[test]
    fn headers_from_an_untrusted_peer_change_nothing() {
        let t = trusted(&["10.0.0.0/8"]);
        let h = headers(&[
            ("x-forwarded-for", "203.0.113.9"),
            ("forwarded", "for=203.0.113.8"),
        ]);
        assert_eq!(t.client(ip("127.0.0.1"), &h), ip("127.0.0.1"));
        assert_eq!(
            TrustedProxies::default().client(ip("10.0.0.1"), &h),
            ip("10.0.0.1")
        );
    }

    #[test]
    fn the_right_most_untrusted_address_is_the_client() {
        let t = trusted(&["10.0.0.0/8"]);
        let peer = ip("10.0.0.1");
        for (value, client) in [
            ("203.0.113.9", "203.0.113.9"),
            // The left entry is the client's claim: only the last untrusted counts.
            ("198.51.100.1, 203.0.113.9", "203.0.113.9"),
            ("198.51.100.1, 203.0.113.9, 10.0.0.7", "203.0.113.9"),
            ("203.0.113.9:4711", "203.0.113.9"),
            ("[2001:db8::1]:4711", "2001:db8::1"),
            ("2001:db8::1", "2001:db8::1"),
            ("::ffff:203.0.113.9", "203.0.113.9"),
            // Not an address: the walk stops at the proxy in front of it.
            ("unknown, 10.0.0.7", "10.0.0.7"),
            ("garbage", "10.0.0.1"),
            // Every hop trusted: the left-most one.
            ("10.0.0.9, 10.0.0.8", "10.0.0.9"),
        ] {
            let h = headers(&[("x-forwarded-for", value)]);
            assert_eq!(t.client(peer, &h), ip(client), "{value}");
        }
        // Several header lines are one chain, in order.
        let h = headers(&[
            ("x-forwarded-for", "198.51.100.1"),
            ("x-forwarded-for", "203.0.113.9, 10.0.0.7"),
        ]);
        assert_eq!(t.client(peer, &h), ip("203.0.113.9"));
    }

    #[test]
    fn forwarded_counts_when_there_is_no_x_forwarded_for() {
        let t = trusted(&["10.0.0.0/8", "::1"]);
        for (value, client) in [
            ("for=203.0.113.9", "203.0.113.9"),
            (
                r#"for=198.51.100.1;proto=https, For="[2001:db8:cafe::17]:4711";by=10.0.0.1"#,
                "2001:db8:cafe::17",
            ),
            (r#"for="203.0.113.9:80""#, "203.0.113.9"),
            ("for=_hidden, for=10.0.0.3", "10.0.0.3"),
            ("proto=https", "10.0.0.1"),
        ] {
            let h = headers(&[("forwarded", value)]);
            assert_eq!(t.client(ip("10.0.0.1"), &h), ip(client), "{value}");
        }
        let both = headers(&[
            ("forwarded", "for=198.51.100.1"),
            ("x-forwarded-for", "203.0.113.9"),
        ]);
        assert_eq!(t.client(ip("::1"), &both), ip("203.0.113.9"));
    }
}
