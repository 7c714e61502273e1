//! Scalars of the schema beyond GraphQL's own: `DateTime` (chrono's, described here) and `Date`,
//! and the parsing of PanelApp's date texts into them.

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};
use chrono::{DateTime, NaiveDate, Utc};

/// What `DateTime` means, for the schema (async-graphql's own text says only how it is built).
pub const DATE_TIME_DESCRIPTION: &str = "An instant in UTC, as RFC 3339 text \
     (`2026-12-06T10:15:00Z`). The web app shows it in the user's time zone.";

/// A calendar date (`2026-03-01`): no time of day, no zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date(pub NaiveDate);

/// A calendar date, as `YYYY-MM-DD` text (no time of day, no zone).
#[Scalar(name = "Date")]
impl ScalarType for Date {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(text) => NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .map(Date)
                .map_err(|_| InputValueError::custom("a date is YYYY-MM-DD")),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.format("%Y-%m-%d").to_string())
    }
}

/// A PanelApp date or timestamp text (`2024-05-20`, `2024-05-20T10:11:12.345678Z`) as a date.
pub fn parse_date(text: &str) -> Option<Date> {
    let day = text.trim().get(..10)?;
    NaiveDate::parse_from_str(day, "%Y-%m-%d").ok().map(Date)
}

/// A PanelApp timestamp text as an instant (a bare date is its midnight UTC).
pub fn parse_instant(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            parse_date(text)
                .and_then(|d| d.0.and_hms_opt(0, 0, 0))
                .map(|t| t.and_utc())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panelapp_texts_parse() {
        let day = NaiveDate::from_ymd_opt(2024, 5, 20).map(Date);
        assert_eq!(parse_date("2024-05-20"), day);
        assert_eq!(parse_date("2024-05-20T10:11:12.345678Z"), day);
        assert_eq!(parse_date("May 2024"), None);
        let at = parse_instant("2024-05-20T10:11:12.5+01:00").map(|t| t.to_rfc3339());
        assert_eq!(at.as_deref(), Some("2024-05-20T09:11:12.500+00:00"));
        let midnight = parse_instant("2024-05-20").map(|t| t.to_rfc3339());
        assert_eq!(midnight.as_deref(), Some("2024-05-20T00:00:00+00:00"));
    }
}
