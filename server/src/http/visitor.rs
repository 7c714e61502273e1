//! The anonymous visitor id: an HttpOnly, SameSite=Lax cookie `pm_visitor` that keeps an
//! anonymous visitor's uploads together until they log in (or the uploads expire).

use http::{HeaderMap, HeaderValue, header};

use crate::crypto::random_token;

pub const COOKIE: &str = "pm_visitor";

/// 16 random bytes, url-safe base64 without padding.
const ID_LEN: usize = 22;

/// Whether a value could be an id we minted (anything else is ignored and replaced).
fn well_formed(value: &str) -> bool {
    value.len() == ID_LEN
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The visitor id of the request's `Cookie` header, if it carries a well-formed one.
pub fn from_headers(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, value)| *name == COOKIE && well_formed(value))
        .map(|(_, value)| value.to_owned())
}

/// A new visitor id and its `Set-Cookie` header (kept for `max_age_secs`).
pub fn mint(max_age_secs: u64, secure: bool) -> Option<(String, HeaderValue)> {
    let id = random_token(16).ok()?;
    let secure = if secure { "; Secure" } else { "" };
    let cookie =
        format!("{COOKIE}={id}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}");
    let value = HeaderValue::from_str(&cookie).ok()?;
    Some((id, value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minted_ids_round_trip_through_the_cookie_header() {
        let (id, set_cookie) = mint(86_400, true).unwrap();
        let text = set_cookie.to_str().unwrap();
        assert!(text.starts_with(&format!("pm_visitor={id};")));
        for attribute in [
            "HttpOnly",
            "SameSite=Lax",
            "Path=/",
            "Max-Age=86400",
            "Secure",
        ] {
            assert!(text.contains(attribute), "{text}");
        }
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_str(&format!("theme=dark; pm_visitor={id}; x=1")).unwrap(),
        );
        assert_eq!(from_headers(&headers), Some(id));
        assert!(
            !mint(60, false)
                .unwrap()
                .1
                .to_str()
                .unwrap()
                .contains("Secure")
        );
    }

    #[test]
    fn malformed_ids_are_ignored() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("pm_visitor=../../etc; other=1"),
        );
        assert_eq!(from_headers(&headers), None);
        assert_eq!(from_headers(&HeaderMap::new()), None);
    }
}
