//! Error codes the API returns in `extensions.code`, and parse errors of the shared newtypes.

closed_enum! {
    /// Stable, machine-readable error codes. The web app and scripts match on these.
    #[cfg_attr(feature = "graphql", graphql(name = "ErrorCode"))]
    pub enum ErrorCode ("error code") {
        Unauthenticated = "UNAUTHENTICATED",
        Forbidden = "FORBIDDEN",
        NotFound = "NOT_FOUND",
        Validation = "VALIDATION",
        Conflict = "CONFLICT",
        RateLimited = "RATE_LIMITED",
        AccountLocked = "ACCOUNT_LOCKED",
        PayloadTooLarge = "PAYLOAD_TOO_LARGE",
        /// The request took longer than `REQUEST_TIMEOUT`.
        Timeout = "TIMEOUT",
        UpstreamUnavailable = "UPSTREAM_UNAVAILABLE",
        Internal = "INTERNAL",
        /// A store the operation needs (Redis: sessions, logins, shared state) does not
        /// answer; retry shortly.
        ServiceUnavailable = "SERVICE_UNAVAILABLE",
        /// The password was right, but the account's e-mail address is not confirmed yet and
        /// `REQUIRE_EMAIL_VERIFICATION` is on.
        EmailNotVerified = "EMAIL_NOT_VERIFIED",
        /// The password was an admin-set temporary one whose time ran out.
        PasswordExpired = "PASSWORD_EXPIRED",
    }
}

impl ErrorCode {
    /// The HTTP status that best matches the code, for plain HTTP endpoints (downloads, uploads).
    pub const fn http_status(self) -> u16 {
        match self {
            Self::Unauthenticated => 401,
            Self::Forbidden => 403,
            Self::NotFound => 404,
            Self::Validation => 400,
            Self::Conflict => 409,
            Self::RateLimited => 429,
            Self::AccountLocked => 423,
            Self::PayloadTooLarge => 413,
            Self::Timeout => 504,
            Self::UpstreamUnavailable => 502,
            Self::Internal => 500,
            Self::ServiceUnavailable => 503,
            Self::EmailNotVerified => 403,
            Self::PasswordExpired => 401,
        }
    }
}

/// Why a value could not be parsed into one of the shared types.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("unknown {what} {value:?}; expected one of: {expected}")]
    UnknownValue {
        what: &'static str,
        value: String,
        expected: String,
    },
    #[error("{what} is empty")]
    Empty { what: &'static str },
    #[error("{what} {value:?} is too long ({len} characters, at most {max})")]
    TooLong {
        what: &'static str,
        value: String,
        len: usize,
        max: usize,
    },
    #[error("invalid {what} {value:?}: {reason}")]
    Invalid {
        what: &'static str,
        value: String,
        reason: &'static str,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_the_documented_strings() {
        let all: Vec<_> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(
            all,
            [
                "UNAUTHENTICATED",
                "FORBIDDEN",
                "NOT_FOUND",
                "VALIDATION",
                "CONFLICT",
                "RATE_LIMITED",
                "ACCOUNT_LOCKED",
                "PAYLOAD_TOO_LARGE",
                "TIMEOUT",
                "UPSTREAM_UNAVAILABLE",
                "INTERNAL",
                "SERVICE_UNAVAILABLE",
                "EMAIL_NOT_VERIFIED",
                "PASSWORD_EXPIRED"
            ]
        );
    }

    #[test]
    fn codes_round_trip_through_serde_and_from_str() {
        for code in ErrorCode::ALL {
            let json = serde_json::to_string(code).unwrap();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
            assert_eq!(serde_json::from_str::<ErrorCode>(&json).unwrap(), *code);
            assert_eq!(code.as_str().parse::<ErrorCode>().unwrap(), *code);
        }
    }

    #[test]
    fn unknown_code_names_the_choices() {
        let err = "NOPE".parse::<ErrorCode>().unwrap_err();
        let text = err.to_string();
        assert!(text.contains("\"NOPE\""), "{text}");
        assert!(text.contains("UPSTREAM_UNAVAILABLE"), "{text}");
    }

    #[test]
    fn http_statuses_are_distinct_where_it_matters() {
        assert_eq!(ErrorCode::PayloadTooLarge.http_status(), 413);
        assert_eq!(ErrorCode::RateLimited.http_status(), 429);
        assert_eq!(ErrorCode::Unauthenticated.http_status(), 401);
        assert_eq!(ErrorCode::ServiceUnavailable.http_status(), 503);
    }
}
