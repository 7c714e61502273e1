//! Timestamps for people: every instant the server sends (UTC, RFC 3339) is shown in the
//! reader's IANA time zone and clock format, formatted by the browser's `Intl.DateTimeFormat`
//! (no time zone database in the wasm). Visitors get the browser's zone and a 24-hour clock.

use chrono::{DateTime, NaiveDate, SecondsFormat};
use js_sys::{Array, Function, Object, Reflect};
use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};

use crate::auth::use_current_user;
use crate::queries::me::TimeFormat;

/// The `Intl` namespace object, when the browser has one.
fn intl(name: &str) -> Option<Function> {
    let intl = Reflect::get(&js_sys::global(), &JsValue::from_str("Intl")).ok()?;
    Reflect::get(&intl, &JsValue::from_str(name))
        .ok()?
        .dyn_into::<Function>()
        .ok()
}

fn set(object: &Object, key: &str, value: &JsValue) {
    // Setting a property on a plain object we just created can not fail.
    let _ = Reflect::set(object, &JsValue::from_str(key), value);
}

/// The browser's IANA time zone (`Intl.DateTimeFormat().resolvedOptions().timeZone`).
pub fn browser_timezone() -> Option<String> {
    let constructor = intl("DateTimeFormat")?;
    let format = Reflect::construct(&constructor, &Array::new()).ok()?;
    let resolved = Reflect::get(&format, &JsValue::from_str("resolvedOptions"))
        .ok()?
        .dyn_into::<Function>()
        .ok()?
        .call0(&format)
        .ok()?;
    Reflect::get(&resolved, &JsValue::from_str("timeZone"))
        .ok()?
        .as_string()
        .filter(|zone| !zone.is_empty())
}

/// Formats the RFC 3339 instant `iso` in `zone` ("22 Nov 2026, 14:03:05 GMT+1"), with a 12- or
/// 24-hour clock. Anything the browser can not format (an unknown zone, a malformed instant) is
/// shown as sent rather than hidden.
pub fn format_instant(iso: &str, zone: &str, clock: &TimeFormat) -> String {
    try_format(iso, zone, clock).unwrap_or_else(|| iso.to_owned())
}

fn try_format(iso: &str, zone: &str, clock: &TimeFormat) -> Option<String> {
    let date = js_sys::Date::new(&JsValue::from_str(iso));
    if date.get_time().is_nan() {
        return None;
    }
    let options = Object::new();
    set(&options, "timeZone", &JsValue::from_str(zone));
    for (key, value) in [
        ("year", "numeric"),
        ("month", "short"),
        ("day", "2-digit"),
        ("hour", "2-digit"),
        ("minute", "2-digit"),
        ("second", "2-digit"),
        ("timeZoneName", "short"),
    ] {
        set(&options, key, &JsValue::from_str(value));
    }
    set(
        &options,
        "hour12",
        &JsValue::from_bool(matches!(clock, TimeFormat::H12)),
    );
    let constructor = intl("DateTimeFormat")?;
    let args = Array::of2(&JsValue::from_str("en-GB"), &options);
    let format = Reflect::construct(&constructor, &args).ok()?;
    Reflect::get(&format, &JsValue::from_str("format"))
        .ok()?
        .dyn_into::<Function>()
        .ok()?
        .call1(&format, &date)
        .ok()?
        .as_string()
}

/// The zone and clock timestamps are shown in: the user's, or the browser's for visitors.
pub fn reader_zone() -> Signal<(String, TimeFormat)> {
    let user = use_current_user();
    Signal::derive(move || match user.me() {
        Some(me) => (me.timezone, me.time_format),
        None => (
            browser_timezone().unwrap_or_else(|| "UTC".to_owned()),
            TimeFormat::H24,
        ),
    })
}

/// An instant in the reader's zone and clock, as a `<time>` element whose `datetime` keeps the
/// exact UTC value.
#[component]
pub fn Time(
    /// RFC 3339 instant from the server.
    #[prop(into)]
    at: String,
) -> impl IntoView {
    let zone = reader_zone();
    let shown = {
        let at = at.clone();
        // `try_with`: a user change (login, logout) may re-run this once more while the
        // page that showed it is being disposed.
        move || {
            zone.try_with(|(zone, clock)| format_instant(&at, zone, clock))
                .unwrap_or_default()
        }
    };
    view! { <time datetime=at>{shown}</time> }
}

/// An optional instant; `none` when there is none.
#[component]
pub fn MaybeTime(
    at: Option<String>,
    /// Shown when there is no instant.
    #[prop(into)]
    none: String,
) -> impl IntoView {
    match at {
        Some(at) => view! { <Time at /> }.into_any(),
        None => view! { <span class="muted">{none}</span> }.into_any(),
    }
}

/// The date of an `<input type="date">` value (`YYYY-MM-DD`), checked.
fn parse_date(date: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d").ok()
}

/// The instant (ms since the epoch) of 23:59:59 on `date` (`YYYY-MM-DD`) in a zone whose UTC
/// offset at an instant is `offset_ms(instant)` (local = UTC + offset). Daylight-saving changes
/// on that day are followed: the offset is looked up at the candidate instant until it agrees.
pub fn end_of_local_day_ms(date: &str, offset_ms: impl Fn(i64) -> Option<i64>) -> Option<i64> {
    let local = parse_date(date)?
        .and_hms_opt(23, 59, 59)?
        .and_utc()
        .timestamp_millis();
    let mut guess = local - offset_ms(local)?;
    for _ in 0..3 {
        let next = local - offset_ms(guess)?;
        if next == guess {
            break;
        }
        guess = next;
    }
    Some(guess)
}

/// RFC 3339 UTC text (`2030-01-15T10:59:59Z`) of an instant in ms since the epoch.
pub fn utc_rfc3339(ms: i64) -> Option<String> {
    DateTime::from_timestamp_millis(ms).map(|at| at.to_rfc3339_opts(SecondsFormat::Secs, true))
}

/// The UTC offset (ms) of `zone` at the instant `ms`, read from the wall-clock fields the
/// browser's `Intl.DateTimeFormat` gives for it.
fn zone_offset_ms(zone: &str, ms: i64) -> Option<i64> {
    let options = Object::new();
    set(&options, "timeZone", &JsValue::from_str(zone));
    set(&options, "hourCycle", &JsValue::from_str("h23"));
    for key in ["year", "month", "day", "hour", "minute", "second"] {
        set(&options, key, &JsValue::from_str("numeric"));
    }
    let constructor = intl("DateTimeFormat")?;
    let args = Array::of2(&JsValue::from_str("en-US"), &options);
    let format = Reflect::construct(&constructor, &args).ok()?;
    let date = js_sys::Date::new(&JsValue::from_f64(ms as f64));
    let parts = Reflect::get(&format, &JsValue::from_str("formatToParts"))
        .ok()?
        .dyn_into::<Function>()
        .ok()?
        .call1(&format, &date)
        .ok()?
        .dyn_into::<Array>()
        .ok()?;
    let mut fields = [0_i64; 6];
    for part in parts.iter() {
        let kind = Reflect::get(&part, &JsValue::from_str("type"))
            .ok()?
            .as_string()?;
        let slot = match kind.as_str() {
            "year" => 0,
            "month" => 1,
            "day" => 2,
            "hour" => 3,
            "minute" => 4,
            "second" => 5,
            _ => continue,
        };
        fields[slot] = Reflect::get(&part, &JsValue::from_str("value"))
            .ok()?
            .as_string()?
            .parse()
            .ok()?;
    }
    let [year, month, day, hour, minute, second] = fields;
    let wall = NaiveDate::from_ymd_opt(
        i32::try_from(year).ok()?,
        u32::try_from(month).ok()?,
        u32::try_from(day).ok()?,
    )?
    .and_hms_opt(
        u32::try_from(hour % 24).ok()?,
        u32::try_from(minute).ok()?,
        u32::try_from(second).ok()?,
    )?
    .and_utc()
    .timestamp_millis();
    Some(wall - ms.div_euclid(1_000) * 1_000)
}

/// The last second of `date` (`YYYY-MM-DD`, as a date input gives it) in the IANA `zone`, as
/// RFC 3339 UTC for the server; `None` for a malformed date or a zone the browser does not know.
pub fn end_of_day_in_zone(date: &str, zone: &str) -> Option<String> {
    end_of_local_day_ms(date, |ms| zone_offset_ms(zone, ms)).and_then(utc_rfc3339)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: i64 = 3_600_000;

    #[test]
    fn dates_and_instants_are_read_and_written_exactly() {
        assert_eq!(utc_rfc3339(0).unwrap(), "1970-01-01T00:00:00Z");
        assert_eq!(
            utc_rfc3339(951_868_799_000).unwrap(),
            "2000-02-29T23:59:59Z"
        );
        assert_eq!(utc_rfc3339(-1_000).unwrap(), "1969-12-31T23:59:59Z");
        assert_eq!(parse_date("2031-02-29"), None);
        assert_eq!(
            parse_date("2032-02-29"),
            NaiveDate::from_ymd_opt(2032, 2, 29)
        );
        assert_eq!(parse_date("2030-13-01"), None);
        assert_eq!(parse_date("soon"), None);
    }

    #[test]
    fn the_end_of_a_day_is_taken_in_the_readers_zone() {
        let utc = |_| Some(0);
        let end = |date, zone: &dyn Fn(i64) -> Option<i64>| {
            end_of_local_day_ms(date, zone).and_then(utc_rfc3339)
        };
        assert_eq!(end("2030-01-15", &utc).unwrap(), "2030-01-15T23:59:59Z");
        // Auckland in summer (UTC+13): the day ends 13 hours before it ends in UTC.
        assert_eq!(
            end("2030-01-15", &|_| Some(13 * HOUR)).unwrap(),
            "2030-01-15T10:59:59Z"
        );
        // New York in winter (UTC−5): the day ends the next morning UTC.
        assert_eq!(
            end("2030-01-15", &|_| Some(-5 * HOUR)).unwrap(),
            "2030-01-16T04:59:59Z"
        );
        // India (UTC+5:30).
        assert_eq!(
            end("2030-06-01", &|_| Some(5 * HOUR + 30 * 60_000)).unwrap(),
            "2030-06-01T18:29:59Z"
        );
        assert_eq!(end("2030-02-30", &utc), None);
        assert_eq!(end("2030-01-15", &|_| None), None);
    }

    #[test]
    fn a_zone_whose_offset_changes_that_day_uses_the_evening_offset() {
        // London, 2030-03-31: GMT until 01:00 UTC, then BST (UTC+1). The day ends 22:59:59 UTC.
        let switch = NaiveDate::from_ymd_opt(2030, 3, 31)
            .and_then(|d| d.and_hms_opt(1, 0, 0))
            .unwrap()
            .and_utc()
            .timestamp_millis();
        let london = move |ms: i64| Some(if ms >= switch { HOUR } else { 0 });
        assert_eq!(
            utc_rfc3339(end_of_local_day_ms("2030-03-31", london).unwrap()).unwrap(),
            "2030-03-31T22:59:59Z"
        );
        // The day before still ends at 23:59:59 UTC.
        assert_eq!(
            utc_rfc3339(end_of_local_day_ms("2030-03-30", london).unwrap()).unwrap(),
            "2030-03-30T23:59:59Z"
        );
    }
}
