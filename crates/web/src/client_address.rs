//! The client address that counts (for sign-in throttling and the audit log's origin).
//! Behind a reverse proxy every request comes from the proxy: the operator names the
//! proxies they trust, and only then is `X-Forwarded-For` read, from the right, skipping
//! trusted proxies. Off by default: a header anyone can send is never believed from an
//! address nobody vouched for.

use std::net::IpAddr;
use std::str::FromStr;

/// An address or a network (`10.0.0.0/8`, `::1`) of trusted reverse proxies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Network {
    address: IpAddr,
    prefix: u8,
}

impl Network {
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.address, ip.to_canonical()) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

impl FromStr for Network {
    type Err = String;
    fn from_str(text: &str) -> Result<Network, String> {
        let text = text.trim();
        let bad = || {
            format!(
                "\"{text}\" is not an address or a network; write e.g. 10.0.0.5, 10.0.0.0/8 or ::1"
            )
        };
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text, None),
        };
        let address = IpAddr::from_str(address).map_err(|_| bad())?.to_canonical();
        let max = if address.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p.parse::<u8>().ok().filter(|p| *p <= max).ok_or_else(bad)?,
            None => max,
        };
        Ok(Network { address, prefix })
    }
}

/// The proxies whose `X-Forwarded-For` is believed; empty (the default): none.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(pub Vec<Network>);

impl TrustedProxies {
    fn trust(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|n| n.contains(ip))
    }

    /// The client's address: the peer, or, when the peer is a trusted proxy, the
    /// rightmost address of `X-Forwarded-For` (its values in order) that is not itself
    /// a trusted proxy. A value that is not an address stops the walk: the last
    /// trusted hop is then the best there is.
    pub fn client<'a>(
        &self,
        peer: Option<IpAddr>,
        forwarded_for: impl DoubleEndedIterator<Item = &'a str>,
    ) -> Option<IpAddr> {
        let mut client = peer?.to_canonical();
        if self.0.is_empty() {
            return Some(client);
        }
        let mut hops = forwarded_for
            .rev()
            .flat_map(|value| value.rsplit(','))
            .map(str::trim);
        while self.trust(client) {
            let Some(hop) = hops.next().and_then(|h| IpAddr::from_str(h).ok()) else {
                break;
            };
            client = hop.to_canonical();
        }
        Some(client)
    }
}

impl FromStr for TrustedProxies {
    type Err = String;
    /// A comma-separated list, as given to `--trusted-proxies`.
    fn from_str(text: &str) -> Result<TrustedProxies, String> {
        text.split(',')
            .filter(|part| !part.trim().is_empty())
            .map(Network::from_str)
            .collect::<Result<_, _>>()
            .map(TrustedProxies)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> Option<IpAddr> {
        text.parse().ok()
    }

    #[test]
    fn networks_read_and_match() {
        let net: Network = "10.0.0.0/8".parse().expect("network");
        assert!(net.contains("10.200.1.1".parse().expect("ip")));
        assert!(!net.contains("11.0.0.1".parse().expect("ip")));
        assert!(net.contains("::ffff:10.0.0.1".parse().expect("mapped")));
        let one: Network = "::1".parse().expect("v6");
        assert!(one.contains("::1".parse().expect("ip")));
        assert!(!one.contains("127.0.0.1".parse().expect("ip")));
        let all: Network = "0.0.0.0/0".parse().expect("all");
        assert!(all.contains("192.0.2.1".parse().expect("ip")));
        for bad in ["10.0.0.0/33", "proxy", "10.0.0.0/", "::/129"] {
            let refused = bad.parse::<Network>().expect_err(bad);
            assert!(refused.contains("10.0.0.0/8"), "{refused}");
        }
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let none = TrustedProxies::default();
        let peer = ip("203.0.113.9");
        assert_eq!(none.client(peer, ["198.51.100.1"].into_iter()), peer);

        let proxies: TrustedProxies = "10.0.0.0/8, 127.0.0.1".parse().expect("list");
        // From a stranger, the header is ignored.
        assert_eq!(proxies.client(peer, ["198.51.100.1"].into_iter()), peer);
        // From the proxy: the rightmost address that is not a trusted proxy.
        let proxy = ip("10.0.0.5");
        assert_eq!(
            proxies.client(proxy, ["1.2.3.4, 198.51.100.1", "10.0.0.7"].into_iter()),
            ip("198.51.100.1"),
            "a client's own header cannot choose its address"
        );
        assert_eq!(proxies.client(proxy, std::iter::empty()), proxy);
        assert_eq!(
            proxies.client(proxy, ["garbage, 10.0.0.9"].into_iter()),
            ip("10.0.0.9")
        );
        assert_eq!(proxies.client(None, ["198.51.100.1"].into_iter()), None);
        assert_eq!("".parse::<TrustedProxies>(), Ok(TrustedProxies::default()));
    }
}
