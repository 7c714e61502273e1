//! "Leave with unsaved changes?" (issue 17.6): while a page holds staged edits, following a
//! link inside the app (menu items included) asks first, and reloading or closing the tab
//! brings up the browser's own "Leave site?" question.

use std::cell::RefCell;

use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{Event, HtmlAnchorElement, MouseEvent};

thread_local! {
    /// The question to ask before leaving; `None` when nothing would be lost.
    static UNSAVED: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Marks the page as holding unsaved work (`Some(question)`) or not (`None`).
pub fn set_unsaved(question: Option<String>) {
    UNSAVED.with(|u| *u.borrow_mut() = question);
}

fn unsaved() -> Option<String> {
    UNSAVED.with(|u| u.borrow().clone())
}

/// Installs the listeners once, for the whole visit (called by the app shell).
pub fn install() {
    let Some(window) = web_sys::window() else {
        return;
    };
    // Capture phase on the window: runs before the router's own click handler.
    let click = Closure::<dyn Fn(MouseEvent)>::new(move |ev: MouseEvent| {
        let Some(question) = unsaved() else { return };
        if ev.default_prevented()
            || ev.button() != 0
            || ev.meta_key()
            || ev.ctrl_key()
            || ev.shift_key()
            || ev.alt_key()
        {
            return;
        }
        let Some(anchor) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .and_then(|e| e.closest("a[href]").ok().flatten())
            .and_then(|a| a.dyn_into::<HtmlAnchorElement>().ok())
        else {
            return;
        };
        if anchor.has_attribute("download") || anchor.target() == "_blank" {
            return;
        }
        // A link to the page itself (or a fragment of it) loses nothing.
        let here = web_sys::window()
            .map(|w| w.location())
            .and_then(|l| Some((l.pathname().ok()?, l.search().ok()?)));
        if here.is_some_and(|(path, search)| path == anchor.pathname() && search == anchor.search())
        {
            return;
        }
        let leave = web_sys::window()
            .and_then(|w| w.confirm_with_message(&question).ok())
            .unwrap_or(true);
        if leave {
            set_unsaved(None);
        } else {
            ev.prevent_default();
            ev.stop_immediate_propagation();
        }
    });
    let _ = window.add_event_listener_with_callback_and_bool(
        "click",
        click.as_ref().unchecked_ref(),
        true,
    );
    click.forget();

    let unload = Closure::<dyn Fn(Event)>::new(move |ev: Event| {
        if unsaved().is_some() {
            // The browser shows its own question; the text can not be chosen.
            ev.prevent_default();
            if let Ok(ev) = ev.dyn_into::<web_sys::BeforeUnloadEvent>() {
                ev.set_return_value("unsaved");
            }
        }
    });
    let _ =
        window.add_event_listener_with_callback("beforeunload", unload.as_ref().unchecked_ref());
    unload.forget();
}
