//! Cookie reading and `Set-Cookie` building. Sessions are HttpOnly, SameSite=Lax, and Secure
//! unless explicitly serving plain http on loopback.

use std::time::Duration;

use http::{HeaderMap, HeaderValue, header};

/// The session cookie.
pub const SESSION: &str = "pm_session";

/// The value of cookie `name` from the request.
pub fn read(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim().to_owned())
        .filter(|v| !v.is_empty() && v.len() <= 256)
}

/// `Set-Cookie` for `name=value`; `max_age: None` makes a browser-session cookie.
pub fn set(name: &str, value: &str, max_age: Option<Duration>, secure: bool) -> HeaderValue {
    let mut cookie = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if let Some(age) = max_age {
        cookie.push_str(&format!("; Max-Age={}", age.as_secs()));
    }
    if secure {
        cookie.push_str("; Secure");
    }
    // Only url-safe base64 values are ever set, which are valid header text.
    HeaderValue::from_str(&cookie).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// `Set-Cookie` that deletes `name`.
pub fn clear(name: &str, secure: bool) -> HeaderValue {
    set(name, "", Some(Duration::ZERO), secure)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_found_among_others() {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, "a=1; pm_session=abc; b=2".parse().unwrap());
        assert_eq!(read(&h, SESSION).as_deref(), Some("abc"));
        assert_eq!(read(&h, "b").as_deref(), Some("2"));
        assert_eq!(read(&h, "missing"), None);
    }

    #[test]
    fn session_cookies_are_http_only_and_lax() {
        let v = set(SESSION, "abc", None, true);
        let text = v.to_str().unwrap();
        assert!(
            text.contains("HttpOnly") && text.contains("SameSite=Lax") && text.contains("Secure")
        );
        let v = set(SESSION, "abc", Some(Duration::from_secs(60)), false);
        assert!(!v.to_str().unwrap().contains("Secure"));
        assert!(v.to_str().unwrap().contains("Max-Age=60"));
    }
}
