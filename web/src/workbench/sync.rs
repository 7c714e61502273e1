//! The workbench kept in the account (issue 17.5). Logged in, the workbench's panels (with
//! their choices) and the uploads left out of the merge are kept in the account as well as in
//! this browser, so they come back after login in another browser or after the browser's
//! storage was cleared. The uploads themselves are the account's already (claimed at login).
//!
//! At login (or on the first page of a visit, logged in) the two copies are merged:
//! * every panel of either copy stays — a merge never drops a panel silently (one removed in
//!   another browser can come back, which is visible and undone with one click; one dropped
//!   could go unnoticed into a lab's list);
//! * for a panel on both with different choices, and for which uploads are left out, the copy
//!   changed most recently wins (it is what the scientist did last).
//!
//! After that, every change is saved to the account (a second after the last change).

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::persist::{self, Stored, StoredPanel};
use super::{Workbench, from_listed_upload};
use crate::api::graphql;
use crate::auth::use_current_user;
use crate::queries::{AccountWorkbench, SaveWorkbench, Uploads, account_workbench, save_workbench};
use crate::words::counted_len;

/// How long after the last change the workbench is saved to the account.
const SAVE_DELAY_MS: u32 = 1000;

/// The account's copy as the merge needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct AccountCopy {
    pub panels: Vec<StoredPanel>,
    pub left_out: Vec<String>,
    /// When it was saved, in milliseconds since 1970.
    pub saved_at: f64,
}

fn same_panel(a: &StoredPanel, b: &StoredPanel) -> bool {
    a.source == b.source && a.id == b.id && a.version == b.version
}

/// Merges this browser's copy with the account's: every panel of either stays; the copy
/// changed last decides the choices of panels on both and what is left out.
pub fn combine(local: &Stored, account: &AccountCopy) -> (Vec<StoredPanel>, Vec<String>) {
    let account_newer = account.saved_at > local.changed_at;
    let (newer, older, left_out) = if account_newer {
        (&account.panels, &local.panels, &account.left_out)
    } else {
        (&local.panels, &account.panels, &local.left_out)
    };
    let mut panels = newer.clone();
    for panel in older {
        if !panels.iter().any(|p| same_panel(p, panel)) {
            panels.push(panel.clone());
        }
    }
    (panels, left_out.clone())
}

/// What the account holds or should hold, as the mutation's input.
fn input_of(panels: &[StoredPanel], left_out: &[String]) -> save_workbench::WorkbenchInput {
    save_workbench::WorkbenchInput {
        panels: panels
            .iter()
            .map(|p| save_workbench::WorkbenchPanelInput {
                source: p.source,
                panel_id: i64::from(p.id),
                version: p.version.clone(),
                confidence: p.levels.clone(),
                types: p.types.clone(),
            })
            .collect(),
        left_out_uploads: left_out.to_vec(),
    }
}

/// The workbench as it is now: its panels (those that could not be read again too) and the
/// uploads left out.
fn current(workbench: Workbench) -> (Vec<StoredPanel>, Vec<String>) {
    let panels = workbench.remembered_panels();
    let left_out = workbench.uploads.with(|u| {
        u.iter()
            .filter(|u| !u.included)
            .map(|u| u.list.id.clone())
            .collect()
    });
    (panels, left_out)
}

/// Keeps the workbench in the account while someone is logged in; see the module documentation.
pub fn install(workbench: Workbench) {
    let user = use_current_user();
    // The user whose account copy was merged in, and what the account holds now.
    let synced_for = RwSignal::new(None::<String>);
    let saved = StoredValue::new(None::<(Vec<StoredPanel>, Vec<String>)>);
    let generation = StoredValue::new(0u64);

    // Merge once per login, after the panels remembered in this browser were read again.
    Effect::new(move |_| {
        let me = user.me().filter(|me| !me.must_change_password);
        let Some(me) = me else {
            synced_for.set(None);
            workbench.merged_in.set(false);
            return;
        };
        if workbench.restoring.get()
            || synced_for.get_untracked().as_deref() == Some(me.id.as_str())
        {
            return;
        }
        synced_for.set(Some(me.id.clone()));
        workbench.merged_in.set(false);
        workbench.account_note.set(None);
        spawn_local(merge_in(workbench, saved));
    });

    // Then save every change, a second after the last one.
    Effect::new(move |_| {
        let (panels, left_out) = current(workbench);
        if workbench.restoring.get() || synced_for.get().is_none() || !workbench.merged_in.get() {
            return;
        }
        if saved.with_value(|s| s.as_ref() == Some(&(panels.clone(), left_out.clone()))) {
            return;
        }
        let mine = generation.with_value(|g| g + 1);
        generation.set_value(mine);
        spawn_local(async move {
            gloo_timers::future::TimeoutFuture::new(SAVE_DELAY_MS).await;
            if generation.get_value() != mine {
                return;
            }
            let input = input_of(&panels, &left_out);
            match graphql::<SaveWorkbench>(save_workbench::Variables { input }).await {
                Ok(_) => {
                    saved.set_value(Some((panels, left_out)));
                    workbench.account_note.set(Some(
                        "Kept in your account: it comes back when you log in elsewhere.".to_owned(),
                    ));
                }
                Err(err) => workbench.account_note.set(Some(format!(
                    "Your workbench could not be kept in your account ({err}); it is kept in \
                     this browser."
                ))),
            }
        });
    });
}

/// Reads the account's copy, merges it with this browser's (see [`combine`]), brings back what
/// the workbench lacks (panels, the account's uploads) and saves the result when it differs.
async fn merge_in(
    workbench: Workbench,
    saved: StoredValue<Option<(Vec<StoredPanel>, Vec<String>)>>,
) {
    let answer = match graphql::<AccountWorkbench>(account_workbench::Variables).await {
        Ok(data) => data.workbench,
        Err(err) => {
            workbench.account_note.set(Some(format!(
                "The workbench kept in your account could not be read ({err}); this browser's \
                 is shown."
            )));
            return;
        }
    };
    let local = persist::load();
    let account = answer.map(|w| AccountCopy {
        panels: w
            .panels
            .into_iter()
            .filter_map(|p| {
                Some(StoredPanel {
                    source: p.source,
                    id: u32::try_from(p.panel_id).ok()?,
                    version: p.version,
                    levels: p.confidence,
                    types: p.types,
                })
            })
            .collect(),
        left_out: w.left_out_uploads,
        saved_at: js_sys::Date::parse(&w.updated_at),
    });
    let (panels, left_out) = match &account {
        Some(account) => combine(&local, account),
        None => (local.panels.clone(), local.left_out.clone()),
    };
    let from_account = account.as_ref().map_or(0, |a| {
        a.panels
            .iter()
            .filter(|p| !local.panels.iter().any(|l| same_panel(l, p)))
            .count()
    });
    persist::write(&Stored {
        panels: panels.clone(),
        left_out: left_out.clone(),
        changed_at: local
            .changed_at
            .max(account.as_ref().map_or(0.0, |a| a.saved_at)),
        ..local
    });
    // Nothing kept and nothing to keep is not worth a save.
    saved.set_value(Some(
        account.map(|a| (a.panels, a.left_out)).unwrap_or_default(),
    ));

    // Panels already on the workbench take the merged choices; the others are read again.
    let mut missing = Vec::new();
    for panel in &panels {
        let on_workbench = workbench.panels.with_untracked(|chosen| {
            chosen
                .iter()
                .any(|c| same_panel(&StoredPanel::of(c), panel))
        }) || workbench
            .unrestored
            .with_untracked(|u| u.iter().any(|(p, _)| same_panel(p, panel)));
        if on_workbench {
            workbench.panels.update(|chosen| {
                if let Some(c) = chosen
                    .iter_mut()
                    .find(|c| same_panel(&StoredPanel::of(c), panel))
                {
                    c.filter = panel.filter();
                }
            });
        } else {
            missing.push(panel.clone());
        }
    }
    if !missing.is_empty() {
        workbench.restoring.set(true);
        workbench.restore(missing).await;
    }
    // The account's uploads (this visitor's were claimed at login), with what is left out.
    if let Ok(data) = graphql::<Uploads>(crate::queries::uploads::Variables).await {
        let live: Vec<String> = data.uploads.nodes.iter().map(|u| u.id.clone()).collect();
        workbench.add_uploads(data.uploads.nodes.into_iter().map(from_listed_upload));
        workbench.uploads.update(|chosen| {
            for upload in chosen.iter_mut() {
                upload.included = !left_out.contains(&upload.list.id);
            }
        });
        persist::prune(&live);
        workbench.uploads_loaded.set(true);
    }
    if from_account > 0 {
        let panels = counted_len(from_account, "panel", "panels");
        workbench.account_note.set(Some(format!(
            "{panels} brought back from your account. Panels from this browser and from your \
             account are both kept; where they differ, the choices changed last win."
        )));
    }
    workbench.merged_in.set(true);
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::{Confidence, EntityType, Source};

    fn panel(id: u32, levels: &[Confidence]) -> StoredPanel {
        StoredPanel {
            source: Source::Uk,
            id,
            version: "1.0".to_owned(),
            levels: levels.to_vec(),
            types: vec![EntityType::Gene],
        }
    }

    #[test]
    fn both_copies_panels_stay_and_the_newer_choices_win() {
        use Confidence::{Amber, Green};
        let local = Stored {
            panels: vec![panel(1, &[Green]), panel(2, &[Green])],
            left_out: vec!["a".to_owned()],
            changed_at: 100.0,
            ..Stored::default()
        };
        let account = AccountCopy {
            panels: vec![panel(2, &[Green, Amber]), panel(3, &[Green])],
            left_out: vec!["b".to_owned()],
            saved_at: 200.0,
        };
        let (panels, left_out) = combine(&local, &account);
        let ids: Vec<u32> = panels.iter().map(|p| p.id).collect();
        assert_eq!(ids, [2, 3, 1], "every panel stays");
        assert_eq!(panels[0].levels, [Green, Amber], "the account changed last");
        assert_eq!(left_out, ["b"]);

        let newer_local = Stored {
            changed_at: 300.0,
            ..local
        };
        let (panels, left_out) = combine(&newer_local, &account);
        let two = panels.iter().find(|p| p.id == 2).unwrap();
        assert_eq!(two.levels, [Green], "this browser changed last");
        assert_eq!(left_out, ["a"]);
        assert_eq!(panels.len(), 3);
    }

    #[test]
    fn a_cleared_browser_takes_the_account_copy() {
        let account = AccountCopy {
            panels: vec![panel(7, &[Confidence::Green])],
            left_out: Vec::new(),
            saved_at: 5.0,
        };
        let (panels, _) = combine(&Stored::default(), &account);
        assert_eq!(panels, account.panels);
    }
}
