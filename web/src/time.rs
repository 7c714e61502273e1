//! Timestamps for people: every instant the server sends (UTC, RFC 3339) is shown in the
//! reader's IANA time zone and clock format, formatted by the browser's `Intl.DateTimeFormat`
//! (no time zone database in the wasm). Visitors get the browser's zone and a 24-hour clock.

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

/// Milliseconds from the Unix epoch to midnight UTC starting `year-month-day` (proleptic
/// Gregorian; Howard Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date part of an `<input type="date">` value (`YYYY-MM-DD`), checked.
fn parse_date(date: &str) -> Option<(i64, u32, u32)> {
    let mut parts = date.trim().splitn(3, '-');
    let year: i64 = parts.next()?.parse().ok()?;
    let month: u32 = parts.next()?.parse().ok()?;
    let day: u32 = parts.next()?.parse().ok()?;
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    (1..=days_in_month)
        .contains(&day)
        .then_some((year, month, day))
}

/// The instant (ms since the epoch) of 23:59:59 on `date` (`YYYY-MM-DD`) in a zone whose UTC
/// offset at an instant is `offset_ms(instant)` (local = UTC + offset). Daylight-saving changes
/// on that day are followed: the offset is looked up at the candidate instant until it agrees.
pub fn end_of_local_day_ms(date: &str, offset_ms: impl Fn(i64) -> Option<i64>) -> Option<i64> {
    let (year, month, day) = parse_date(date)?;
    let local = (days_from_civil(year, month, day) + 1) * 86_400_000 - 1_000;
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
pub fn utc_rfc3339(ms: i64) -> String {
    let secs = ms.div_euclid(1_000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // civil_from_days
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
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
    let wall = days_from_civil(year, u32::try_from(month).ok()?, u32::try_from(day).ok()?)
        * 86_400_000
        + ((hour % 24) * 3600 + minute * 60 + second) * 1_000;
    Some(wall - ms.div_euclid(1_000) * 1_000)
}

/// The last second of `date` (`YYYY-MM-DD`, as a date input gives it) in the IANA `zone`, as
/// RFC 3339 UTC for the server; `None` for a malformed date or a zone the browser does not know.
pub fn end_of_day_in_zone(date: &str, zone: &str) -> Option<String> {
    end_of_local_day_ms(date, |ms| zone_offset_ms(zone, ms)).map(utc_rfc3339)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: i64 = 3_600_000;

    #[test]
    fn calendar_arithmetic_round_trips() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(utc_rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(utc_rfc3339(951_868_799_000), "2000-02-29T23:59:59Z");
        assert_eq!(utc_rfc3339(-1_000), "1969-12-31T23:59:59Z");
        assert_eq!(parse_date("2031-02-29"), None);
        assert_eq!(parse_date("2032-02-29"), Some((2032, 2, 29)));
        assert_eq!(parse_date("2030-13-01"), None);
        assert_eq!(parse_date("soon"), None);
    }

    #[test]
    fn the_end_of_a_day_is_taken_in_the_readers_zone() {
        let utc = |_| Some(0);
        let end = |date, zone: &dyn Fn(i64) -> Option<i64>| {
            end_of_local_day_ms(date, zone).map(utc_rfc3339)
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
        let switch = days_from_civil(2030, 3, 31) * 86_400_000 + HOUR;
        let london = move |ms: i64| Some(if ms >= switch { HOUR } else { 0 });
        assert_eq!(
            utc_rfc3339(end_of_local_day_ms("2030-03-31", london).unwrap()),
            "2030-03-31T22:59:59Z"
        );
        // The day before still ends at 23:59:59 UTC.
        assert_eq!(
            utc_rfc3339(end_of_local_day_ms("2030-03-30", london).unwrap()),
            "2030-03-30T23:59:59Z"
        );
    }
}
