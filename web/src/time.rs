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
