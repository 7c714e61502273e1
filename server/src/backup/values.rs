//! Column values between the databases and the file: typed by the column's [`Kind`], so
//! timestamps, booleans, bytes and encrypted strings come back exactly.

use anyhow::{Context, bail};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, SecondsFormat, Utc};
use sea_orm::{DbBackend, QueryResult};
use serde_json::Value as Json;

use super::schema::Kind;

/// Column `index` of `row` as it goes into the file.
pub fn read(
    row: &QueryResult,
    index: usize,
    kind: Kind,
    backend: DbBackend,
) -> anyhow::Result<Json> {
    let sqlite = backend == DbBackend::Sqlite;
    Ok(match kind {
        // PostgreSQL keeps `integer` as 32 bits and will not decode it as 64; SQLite integers
        // are all 64 bits.
        Kind::Int if !sqlite => row.try_get_by_index::<Option<i32>>(index)?.map(Json::from),
        Kind::Int | Kind::BigInt => row.try_get_by_index::<Option<i64>>(index)?.map(Json::from),
        Kind::Bool => row.try_get_by_index::<Option<bool>>(index)?.map(Json::from),
        Kind::Text => row
            .try_get_by_index::<Option<String>>(index)?
            .map(Json::from),
        Kind::Timestamp => row
            .try_get_by_index::<Option<DateTime<Utc>>>(index)?
            .map(|t| Json::from(t.to_rfc3339_opts(SecondsFormat::AutoSi, true))),
        Kind::Bytes => row
            .try_get_by_index::<Option<Vec<u8>>>(index)?
            .map(|b| Json::from(STANDARD.encode(b))),
        Kind::Float => match row.try_get_by_index::<Option<f64>>(index)? {
            Some(f) => Some(Json::from(
                serde_json::Number::from_f64(f).context("a non-finite number can not be kept")?,
            )),
            None => None,
        },
    }
    .unwrap_or(Json::Null))
}

/// A value from the file as it is bound for a column of kind `target` (`kind` is the
/// column's kind in the backup).
pub fn bind(value: &Json, kind: Kind, target: Kind) -> anyhow::Result<sea_orm::Value> {
    use sea_orm::Value as V;
    if !kind.fits(target) {
        bail!("the backup holds {kind:?} values but the column here is {target:?}");
    }
    let null = value.is_null();
    Ok(match target {
        Kind::Int => V::Int(match value.as_i64() {
            Some(n) => Some(i32::try_from(n).context("an integer out of the 32-bit range")?),
            None if null => None,
            None => bail!("expected an integer, found {value}"),
        }),
        Kind::BigInt => V::BigInt(match value.as_i64() {
            Some(n) => Some(n),
            None if null => None,
            None => bail!("expected an integer, found {value}"),
        }),
        Kind::Bool => V::Bool(match value.as_bool() {
            Some(b) => Some(b),
            None if null => None,
            None => bail!("expected true or false, found {value}"),
        }),
        Kind::Text => V::String(match value.as_str() {
            Some(s) => Some(s.to_owned()),
            None if null => None,
            None => bail!("expected a string, found {value}"),
        }),
        Kind::Timestamp => V::ChronoDateTimeUtc(match value.as_str() {
            Some(s) => Some(
                DateTime::parse_from_rfc3339(s)
                    .with_context(|| format!("{s:?} is not an RFC 3339 timestamp"))?
                    .with_timezone(&Utc),
            ),
            None if null => None,
            None => bail!("expected a timestamp, found {value}"),
        }),
        Kind::Bytes => V::Bytes(match value.as_str() {
            Some(s) => Some(STANDARD.decode(s).context("bytes that are not base64")?),
            None if null => None,
            None => bail!("expected base64 bytes, found {value}"),
        }),
        Kind::Float => V::Double(match value.as_f64() {
            Some(f) => Some(f),
            None if null => None,
            None => bail!("expected a number, found {value}"),
        }),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn values_bind_by_kind_and_keep_every_digit() {
        let t = bind(
            &Json::from("2026-12-06T10:00:00.123456789Z"),
            Kind::Timestamp,
            Kind::Timestamp,
        )
        .unwrap();
        let sea_orm::Value::ChronoDateTimeUtc(Some(t)) = t else {
            panic!("timestamp")
        };
        assert_eq!(t.timestamp_subsec_nanos(), 123_456_789);
        assert_eq!(
            bind(&Json::from(7), Kind::Int, Kind::BigInt).unwrap(),
            sea_orm::Value::BigInt(Some(7))
        );
        assert_eq!(
            bind(&Json::Null, Kind::Bool, Kind::Bool).unwrap(),
            sea_orm::Value::Bool(None)
        );
        assert!(bind(&Json::from("x"), Kind::Int, Kind::Int).is_err());
        assert!(bind(&Json::from(1), Kind::Text, Kind::Timestamp).is_err());
        assert!(bind(&Json::from(i64::MAX), Kind::BigInt, Kind::Int).is_err());
    }
}
