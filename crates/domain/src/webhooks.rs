//! Outbound webhooks: the endpoint address a merchant may register, the delivery states and the retry
//! schedule (exponential backoff, bounded attempts).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::limits::{WEBHOOK_ATTEMPTS_MAX, WEBHOOK_URL_LENGTH_MAX};

text_enum! {
    /// Where one event's delivery stands.
    DeliveryStatus {
        Pending => "pending", "待投递";
        Delivered => "delivered", "已送达";
        Failed => "failed", "投递失败";
    }
}

/// An endpoint address: `http` or `https`, a host, no user name or password, no whitespace or
/// control characters, bounded. It is kept in the WHATWG form (`url::Url`), so that every spelling of
/// an address (`0x7f000001`, `2130706433`, `0177.1`, `127.1`) reads as the one address it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookUrl(url::Url);

/// Why an address was refused (the `reason` of the field error).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum WebhookUrlError {
    #[error("empty")]
    Empty,
    #[error("too_long")]
    TooLong,
    #[error("scheme")]
    Scheme,
    #[error("host")]
    Host,
    #[error("characters")]
    Characters,
    /// Loopback, private, link-local, shared (CGNAT), multicast, reserved or unspecified: not a
    /// public address, so not a place a webhook may be sent unless the operator allows it.
    #[error("not_public")]
    NotPublic,
}

/// Where an endpoint's host points before any name is resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WebhookHost {
    Ip(IpAddr),
    Name(String),
}

impl WebhookUrl {
    pub fn parse(text: &str) -> Result<WebhookUrl, WebhookUrlError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(WebhookUrlError::Empty);
        }
        if text.len() > WEBHOOK_URL_LENGTH_MAX {
            return Err(WebhookUrlError::TooLong);
        }
        if text.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(WebhookUrlError::Characters);
        }
        let lower = text.to_ascii_lowercase();
        let authority = lower
            .strip_prefix("https://")
            .or_else(|| lower.strip_prefix("http://"))
            .ok_or(WebhookUrlError::Scheme)?;
        if authority.is_empty() || authority.starts_with(['/', '?', '#', '\\']) {
            return Err(WebhookUrlError::Host);
        }
        let url = url::Url::parse(text).map_err(|_| WebhookUrlError::Host)?;
        let has_host = url.host_str().is_some_and(|host| !host.is_empty());
        if !has_host || !url.username().is_empty() || url.password().is_some() {
            return Err(WebhookUrlError::Host);
        }
        if url.as_str().len() > WEBHOOK_URL_LENGTH_MAX {
            return Err(WebhookUrlError::TooLong);
        }
        Ok(WebhookUrl(url))
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// The host as written: an address, or a name still to resolve.
    pub fn host(&self) -> WebhookHost {
        match self.0.host() {
            Some(url::Host::Ipv4(v4)) => WebhookHost::Ip(IpAddr::V4(v4)),
            Some(url::Host::Ipv6(v6)) => WebhookHost::Ip(IpAddr::V6(v6)),
            Some(url::Host::Domain(name)) => WebhookHost::Name(name.to_owned()),
            None => WebhookHost::Name(String::new()),
        }
    }

    /// The port requests go to (the scheme's default when none is written).
    pub fn port(&self) -> u16 {
        self.0.port_or_known_default().unwrap_or(443)
    }

    /// Refuses an address that is not public by its spelling alone: an IP literal that is not
    /// public, or a name of the loopback (`localhost`, `*.localhost`). A name is checked again on
    /// every address it resolves to.
    pub fn require_public(&self) -> Result<(), WebhookUrlError> {
        match self.host() {
            WebhookHost::Ip(ip) if !is_public_ip(ip) => Err(WebhookUrlError::NotPublic),
            WebhookHost::Name(name) if is_loopback_name(name.trim_end_matches('.')) => {
                Err(WebhookUrlError::NotPublic)
            }
            _ => Ok(()),
        }
    }

    /// The address without its query or fragment (which may carry a secret), for logs and audit rows.
    pub fn redacted(&self) -> String {
        redact_url(self.as_str())
    }
}

/// `localhost` and its subdomains always mean this machine (RFC 6761).
fn is_loopback_name(name: &str) -> bool {
    name.eq_ignore_ascii_case("localhost") || name.to_ascii_lowercase().ends_with(".localhost")
}

/// An address without its query, fragment or user information, for logs and audit rows.
pub fn redact_url(text: &str) -> String {
    match url::Url::parse(text) {
        Ok(mut url) => {
            url.set_query(None);
            url.set_fragment(None);
            let _ = url.set_username("");
            let _ = url.set_password(None);
            url.to_string()
        }
        Err(_) => text.split(['?', '#']).next().unwrap_or_default().to_owned(),
    }
}

/// Whether an address is on the public internet: not loopback, private (RFC 1918), link-local,
/// shared (CGNAT, 100.64/10), multicast, broadcast, documentation, benchmarking, reserved or
/// unspecified, nor an IPv6 unique-local, link-local, multicast, IPv4-mapped, IPv4-compatible or
/// NAT64 address (those carry an IPv4 address a request would reach).
pub fn is_public_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    let refused = a == 0
        || a == 10
        || a == 127
        || (a == 100 && (64..128).contains(&b))
        || (a == 169 && b == 254)
        || (a == 172 && (16..32).contains(&b))
        || (a == 192 && b == 168)
        || (a == 192 && b == 0 && (c == 0 || c == 2))
        || (a == 198 && (b == 18 || b == 19))
        || (a == 198 && b == 51 && c == 100)
        || (a == 203 && b == 0 && c == 113)
        || a >= 224;
    !refused
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let segments = ip.segments();
    let refused = ip.is_unspecified()
        || ip.is_loopback()
        || (segments[0] & 0xfe00) == 0xfc00
        || (segments[0] & 0xffc0) == 0xfe80
        || (segments[0] & 0xff00) == 0xff00
        || (segments[0] == 0x2001 && segments[1] == 0x0db8)
        || (segments[0] == 0x0064 && segments[1] == 0xff9b)
        || segments[..5].iter().all(|s| *s == 0);
    !refused
}

/// What happens after a failed attempt number `attempt` (1-based): try again after this many seconds,
/// or give up (`None`) once `WEBHOOK_ATTEMPTS_MAX` attempts failed. 30 s, 1 min, 2 min ... capped at 6 h.
pub fn retry_after_seconds(attempt: i64) -> Option<i64> {
    if attempt >= WEBHOOK_ATTEMPTS_MAX {
        return None;
    }
    let doubling = u32::try_from(attempt.clamp(1, 20) - 1).unwrap_or(0);
    Some((30_i64 << doubling).min(6 * 3600))
}

/// Whether an HTTP status counts as delivered (any 2xx).
pub fn is_delivered(status: u16) -> bool {
    (200..300).contains(&status)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_parse_only_when_they_are_http_with_a_host() {
        for good in ["https://hooks.example.com/x", "http://127.0.0.1:9000/hook?a=1", "https://[::1]:8443/h"]
        {
            assert_eq!(WebhookUrl::parse(good).map(|u| u.as_str().to_owned()), Ok(good.to_owned()));
        }
        let cases = [
            ("", WebhookUrlError::Empty),
            ("ftp://example.com", WebhookUrlError::Scheme),
            ("example.com/hook", WebhookUrlError::Scheme),
            ("https://", WebhookUrlError::Host),
            ("https:///path", WebhookUrlError::Host),
            ("https://user:pw@example.com/", WebhookUrlError::Host),
            ("https://exa mple.com", WebhookUrlError::Characters),
            ("https://exa\u{7}mple.com", WebhookUrlError::Characters),
        ];
        for (text, error) in cases {
            assert_eq!(WebhookUrl::parse(text), Err(error), "{text:?}");
        }
        let long = format!("https://example.com/{}", "a".repeat(WEBHOOK_URL_LENGTH_MAX));
        assert_eq!(WebhookUrl::parse(&long), Err(WebhookUrlError::TooLong));
    }

    #[test]
    fn every_spelling_of_a_private_address_is_refused() {
        let refused = [
            "http://169.254.169.254/latest/meta-data/",
            "http://10.0.0.1:6379/",
            "http://[::1]:22/",
            "http://localhost:5432/",
            "http://LOCALHOST./",
            "http://api.localhost/",
            "http://0x7f000001:18101/",
            "http://2130706433/",
            "http://0177.0.0.1/",
            "http://127.1/",
            "http://0/",
            "http://0.0.0.0/",
            "http://100.64.0.1/",
            "http://172.16.5.4/",
            "http://172.31.255.255/",
            "http://192.168.1.1/",
            "http://224.0.0.1/",
            "http://255.255.255.255/",
            "http://[fc00::1]/",
            "http://[fd12:3456::1]/",
            "http://[fe80::1]/",
            "http://[ff02::1]/",
            "http://[::]/",
            "http://[::ffff:127.0.0.1]/",
            "http://[::ffff:7f00:1]/",
            "http://[::127.0.0.1]/",
            "http://[64:ff9b::a00:1]/",
        ];
        for text in refused {
            let url = WebhookUrl::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(url.require_public(), Err(WebhookUrlError::NotPublic), "{text} -> {}", url.as_str());
        }
        for text in [
            "https://hooks.example.com/x",
            "http://93.184.216.34/",
            "http://[2606:4700::1111]/",
            "http://172.32.0.1/",
        ] {
            assert_eq!(WebhookUrl::parse(text).unwrap().require_public(), Ok(()), "{text}");
        }
        assert_eq!(
            WebhookUrl::parse("http://0x7f000001:18101/").unwrap().as_str(),
            "http://127.0.0.1:18101/"
        );
    }

    #[test]
    fn redaction_drops_the_query_and_fragment() {
        let url = WebhookUrl::parse("https://hooks.example.com/in?token=s3cret#x").unwrap();
        assert_eq!(url.redacted(), "https://hooks.example.com/in");
        assert_eq!(redact_url("https://u:p@example.com/a?b=c"), "https://example.com/a");
        assert_eq!(redact_url("not a url?secret"), "not a url");
    }

    #[test]
    fn retries_back_off_exponentially_and_stop_after_the_last_attempt() {
        let waits: Vec<Option<i64>> = (1..=WEBHOOK_ATTEMPTS_MAX).map(retry_after_seconds).collect();
        assert_eq!(waits, [Some(30), Some(60), Some(120), Some(240), Some(480), Some(960), Some(1920), None]);
        assert_eq!(retry_after_seconds(0), Some(30));
        assert!(is_delivered(200) && is_delivered(204) && !is_delivered(301) && !is_delivered(500));
    }
}
