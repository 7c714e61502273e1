//! The client's address, honouring `X-Forwarded-For` only from trusted proxies.
//!
//! Each proxy appends the address it received the request from, so only the right-hand end
//! of the header is written by machines we trust; the left-hand end is whatever the client
//! sent. Starting from the TCP peer (which must itself be a trusted proxy, or the header is
//! ignored), walk the hops from the right and stop at the first address that is not a trusted
//! proxy: that is the client.

use std::net::{IpAddr, SocketAddr};

use http::HeaderMap;

use crate::config::TrustedProxies;

pub fn client_ip(headers: &HeaderMap, peer: SocketAddr, proxies: &TrustedProxies) -> IpAddr {
    let mut current = peer.ip().to_canonical();
    if !proxies.contains(current) {
        return current;
    }
    // Several headers are one list, in order (RFC 9110 §5.3).
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    for hop in hops.into_iter().rev() {
        let Some(ip) = parse_hop(hop) else {
            // Garbage from a client (or a broken proxy): nothing left of it can be believed.
            return current;
        };
        current = ip;
        if !proxies.contains(ip) {
            return ip;
        }
    }
    current
}

/// An `X-Forwarded-For` entry: an address, possibly with a port (`1.2.3.4:5`, `[::1]:5`).
fn parse_hop(hop: &str) -> Option<IpAddr> {
    hop.parse::<IpAddr>()
        .or_else(|_| hop.parse::<SocketAddr>().map(|s| s.ip()))
        .ok()
        .map(|ip| ip.to_canonical())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proxies(entries: &[&str]) -> TrustedProxies {
        TrustedProxies::new(
            entries
                .iter()
                .map(|e| TrustedProxies::parse_entry(e).unwrap())
                .collect(),
        )
    }

    fn ip(headers: &[&str], peer: &str, trusted: &TrustedProxies) -> String {
        let mut map = HeaderMap::new();
        for h in headers {
            map.append("x-forwarded-for", h.parse().unwrap());
        }
        client_ip(&map, peer.parse().unwrap(), trusted).to_string()
    }

    #[test]
    fn without_trusted_proxies_the_peer_is_the_client() {
        let none = TrustedProxies::default();
        assert_eq!(
            ip(&["203.0.113.9, 10.0.0.1"], "127.0.0.1:5000", &none),
            "127.0.0.1"
        );
    }

    #[test]
    fn the_header_is_ignored_unless_the_peer_is_a_trusted_proxy() {
        let trusted = proxies(&["10.0.0.0/8"]);
        assert_eq!(
            ip(&["198.51.100.1"], "203.0.113.5:443", &trusted),
            "203.0.113.5"
        );
    }

    #[test]
    fn the_right_most_untrusted_hop_is_the_client_not_the_forged_left_most() {
        let trusted = proxies(&["127.0.0.1", "10.0.0.0/8"]);
        // The client forged "1.1.1.1"; the proxy appended the address it really saw.
        assert_eq!(
            ip(&["1.1.1.1, 203.0.113.9"], "127.0.0.1:5000", &trusted),
            "203.0.113.9"
        );
        // Chained proxies are skipped.
        assert_eq!(
            ip(
                &["1.1.1.1, 203.0.113.9, 10.0.0.2"],
                "127.0.0.1:5000",
                &trusted
            ),
            "203.0.113.9"
        );
        // Several header lines are one list.
        assert_eq!(
            ip(
                &["1.1.1.1", "203.0.113.9, 10.0.0.2"],
                "127.0.0.1:5000",
                &trusted
            ),
            "203.0.113.9"
        );
    }

    #[test]
    fn garbage_stops_the_walk_at_the_last_trusted_hop() {
        let trusted = proxies(&["127.0.0.1", "10.0.0.0/8"]);
        assert_eq!(
            ip(
                &["203.0.113.9, garbage, 10.0.0.2"],
                "127.0.0.1:5000",
                &trusted
            ),
            "10.0.0.2"
        );
        assert_eq!(ip(&["garbage"], "127.0.0.1:5000", &trusted), "127.0.0.1");
        // Only trusted hops: the left-most of them.
        assert_eq!(
            ip(&["10.0.0.3, 10.0.0.2"], "127.0.0.1:5000", &trusted),
            "10.0.0.3"
        );
    }

    #[test]
    fn ports_and_mapped_addresses_are_understood() {
        let trusted = proxies(&["127.0.0.1"]);
        assert_eq!(
            ip(&["203.0.113.9:4711"], "127.0.0.1:5000", &trusted),
            "203.0.113.9"
        );
        assert_eq!(
            ip(&["[2001:db8::1]:80"], "[::ffff:127.0.0.1]:5000", &trusted),
            "2001:db8::1"
        );
    }
}
