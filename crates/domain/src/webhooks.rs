//! Outbound webhooks: the endpoint address a merchant may register, the delivery states and the retry
//! schedule (exponential backoff, bounded attempts).

use crate::limits::{WEBHOOK_ATTEMPTS_MAX, WEBHOOK_URL_LENGTH_MAX};

text_enum! {
    /// Where one event's delivery stands.
    DeliveryStatus {
        Pending => "pending", "待投递";
        Delivered => "delivered", "已送达";
        Failed => "failed", "投递失败";
    }
}

/// An endpoint address: `http` or `https`, a host, no whitespace or control characters, bounded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookUrl(String);

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
        let rest = text
            .strip_prefix("https://")
            .or_else(|| text.strip_prefix("http://"))
            .ok_or(WebhookUrlError::Scheme)?;
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        let host = authority.rsplit('@').next().unwrap_or_default();
        let host = match host.strip_prefix('[') {
            Some(v6) => v6.split(']').next().unwrap_or_default(),
            None => host.split(':').next().unwrap_or_default(),
        };
        if host.is_empty() || authority.contains('@') {
            return Err(WebhookUrlError::Host);
        }
        Ok(WebhookUrl(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
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
        ];
        for (text, error) in cases {
            assert_eq!(WebhookUrl::parse(text), Err(error), "{text:?}");
        }
        let long = format!("https://example.com/{}", "a".repeat(WEBHOOK_URL_LENGTH_MAX));
        assert_eq!(WebhookUrl::parse(&long), Err(WebhookUrlError::TooLong));
    }

    #[test]
    fn retries_back_off_exponentially_and_stop_after_the_last_attempt() {
        let waits: Vec<Option<i64>> = (1..=WEBHOOK_ATTEMPTS_MAX).map(retry_after_seconds).collect();
        assert_eq!(waits, [Some(30), Some(60), Some(120), Some(240), Some(480), Some(960), Some(1920), None]);
        assert_eq!(retry_after_seconds(0), Some(30));
        assert!(is_delivered(200) && is_delivered(204) && !is_delivered(301) && !is_delivered(500));
    }
}
