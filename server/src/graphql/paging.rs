//! Relay connections: `first`/`after`/`last`/`before` with opaque cursors, and `totalCount`.
//!
//! A cursor names its list and a position in it (`base64url("versions:3")`), so a cursor of
//! another list, or text that is not a cursor, is a client mistake (`VALIDATION` naming the
//! argument) and never a silent first page. `first`/`last` outside `1..=max` are `VALIDATION`
//! too, naming the range — never silently clamped.
//!
//! Two kinds of list use them:
//! - positional ([`Window`]): lists held in memory (a version's genes, the catalogue);
//!   cursors are positions in the list's order;
//! - keyset ([`Keyset`], read by `crate::paging::read_keyset`): tables read newest first by id or another growing
//!   number (the audit log, the mail outbox, a saved panel's versions, changes and shares;
//!   [`KeySpan`] for lists keyed otherwise: saved panels by their sort, uploads by time),
//!   where a cursor is that key and pages stay stable while rows are added.

use async_graphql::connection::{Connection, Edge, EmptyFields};
use async_graphql::{OutputType, SchemaBuilder, SimpleObject};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::{Mutation, Query, Subscription, accounts, audit, panelapp, saved};
use crate::error::{AppError, AppResult};
pub use crate::paging::{Keyset, Span};

/// Extra fields of a connection.
#[derive(SimpleObject, Clone, Copy)]
pub struct TotalCount {
    /// Items matching the filter, over all pages.
    pub total_count: u64,
}

/// A connection as every list field answers it.
pub type Page<T> = Connection<String, T, TotalCount, EmptyFields>;

/// Extra fields of a connection over a table too large to count on every page (the audit
/// trail): the matches are counted up to a bound.
#[derive(SimpleObject, Clone, Copy)]
pub struct BoundedTotal {
    /// Items matching the filter over all pages, counted up to 10,000; when there are more,
    /// this is 10,000 and `totalCountIsExact` is false.
    pub total_count: u64,
    /// False when more items match than `totalCount` says (it is then the counting bound).
    pub total_count_is_exact: bool,
}

impl From<crate::services::audit_log::Total> for BoundedTotal {
    fn from(total: crate::services::audit_log::Total) -> Self {
        use crate::services::audit_log::Total;
        match total {
            Total::Exact(n) => Self {
                total_count: n,
                total_count_is_exact: true,
            },
            Total::MoreThan(n) => Self {
                total_count: n,
                total_count_is_exact: false,
            },
        }
    }
}

/// A connection whose total is counted up to a bound.
pub type BoundedPage<T> = Connection<String, T, BoundedTotal, EmptyFields>;

/// Most items of a list read from the database per page (`versions`, `comments`, `shares`,
/// `changes`, `uploads`).
pub const MAX_ROWS: usize = 500;
/// Items of such a list per page when neither `first` nor `last` is given.
pub const DEFAULT_ROWS: usize = 100;
/// Most items per page of a list already in memory (a version's genes, a merge's genes, a
/// panel's entities): by default all of them.
pub const MAX_IN_MEMORY: usize = 50_000;

/// The complexity multiplier of a database list: one per started hundred of rows asked.
pub fn hundreds(first: Option<i32>, last: Option<i32>) -> usize {
    let n = first
        .or(last)
        .unwrap_or(DEFAULT_ROWS as i32)
        .clamp(1, MAX_ROWS as i32) as usize;
    n.div_ceil(100)
}

fn count(argument: &str, n: i32, max: usize) -> AppResult<usize> {
    usize::try_from(n)
        .ok()
        .filter(|n| (1..=max).contains(n))
        .ok_or_else(|| {
            AppError::invalid_field(argument, format!("must be between 1 and {max}; got {n}"))
                .with("max", max)
        })
}

/// An opaque cursor: the list's name and a position or row id.
pub fn cursor(list: &str, position: u64) -> String {
    URL_SAFE_NO_PAD.encode(format!("{list}:{position}"))
}

/// What a cursor of `list` holds after the list's name; VALIDATION naming `argument` for text
/// that is not a cursor of `list`.
fn decode_key(argument: &str, list: &str, text: &str) -> AppResult<String> {
    let refuse = || AppError::invalid_field(argument, format!("is not a cursor of `{list}`"));
    let bytes = URL_SAFE_NO_PAD.decode(text.trim()).map_err(|_| refuse())?;
    let text = String::from_utf8(bytes).map_err(|_| refuse())?;
    let (name, key) = text.split_once(':').ok_or_else(refuse)?;
    if name != list {
        return Err(refuse());
    }
    Ok(key.to_owned())
}

fn decode_cursor(argument: &str, list: &str, text: &str) -> AppResult<u64> {
    decode_key(argument, list, text)?
        .parse()
        .map_err(|_| AppError::invalid_field(argument, format!("is not a cursor of `{list}`")))
}

/// The page asked of a list read by a key the list makes from each item (its sort value and
/// id, say): the keys of `after` and `before`, the direction and the size.
#[derive(Debug, Clone)]
pub struct KeySpan {
    list: &'static str,
    pub after: Option<String>,
    pub before: Option<String>,
    /// `last`: the page ends at `before` (or the end of the list) and is read upwards.
    pub backwards: bool,
    pub limit: u64,
}

impl KeySpan {
    /// The page as the service reads it: each cursor's key read back into a place by `place`
    /// (`None`: not a cursor of this list, VALIDATION naming the argument).
    pub fn places<P>(&self, place: impl Fn(&str) -> Option<P>) -> AppResult<Span<P>> {
        let read = |argument: &str, key: &Option<String>| {
            key.as_deref()
                .map(|key| {
                    place(key).ok_or_else(|| {
                        AppError::invalid_field(
                            argument,
                            format!("is not a cursor of `{}`", self.list),
                        )
                    })
                })
                .transpose()
        };
        Ok(Span {
            after: read("after", &self.after)?,
            before: read("before", &self.before)?,
            backwards: self.backwards,
            limit: self.limit,
        })
    }

    /// The connection of the page: its items with their keys, in the list's order; `more`
    /// says whether items exist beyond the page in the direction read.
    pub fn connection<T: OutputType>(
        &self,
        items: impl IntoIterator<Item = (String, T)>,
        more: bool,
        total: u64,
    ) -> Page<T> {
        keyed_connection(
            self.list,
            (self.backwards, self.after.is_some(), self.before.is_some()),
            more,
            TotalCount { total_count: total },
            items,
        )
    }
}

/// The Relay arguments of one list field.
#[derive(Debug, Clone, Default)]
pub struct PageArgs {
    pub first: Option<i32>,
    pub after: Option<String>,
    pub last: Option<i32>,
    pub before: Option<String>,
}

impl PageArgs {
    pub fn new(
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Self {
        Self {
            first,
            after,
            last,
            before,
        }
    }

    fn sizes(&self, default: usize, max: usize) -> AppResult<(Option<usize>, Option<usize>)> {
        let first = self.first.map(|n| count("first", n, max)).transpose()?;
        let last = self.last.map(|n| count("last", n, max)).transpose()?;
        if first.is_some() && last.is_some() {
            return Err(AppError::invalid_field(
                "last",
                "give `first` (forwards) or `last` (backwards), not both",
            ));
        }
        if first.is_none() && last.is_none() {
            return Ok(if self.before.is_some() {
                (None, Some(default.min(max)))
            } else {
                (Some(default.min(max)), None)
            });
        }
        Ok((first, last))
    }

    /// The window of a list of `total` items in a known order.
    pub fn window(
        &self,
        list: &'static str,
        total: usize,
        default: usize,
        max: usize,
    ) -> AppResult<Window> {
        let (first, last) = self.sizes(default, max)?;
        let position = |argument: &str, text: &Option<String>| -> AppResult<Option<usize>> {
            text.as_deref()
                .map(|t| {
                    decode_cursor(argument, list, t)
                        .map(|p| usize::try_from(p).unwrap_or(usize::MAX))
                })
                .transpose()
        };
        let after = position("after", &self.after)?;
        let before = position("before", &self.before)?;
        let mut start = after.map_or(0, |a| a.saturating_add(1)).min(total);
        let mut end = before.map_or(total, |b| b.min(total)).max(start);
        if let Some(n) = first {
            end = end.min(start.saturating_add(n));
        }
        if let Some(n) = last {
            start = start.max(end.saturating_sub(n));
        }
        Ok(Window {
            list,
            start,
            end,
            total,
        })
    }

    /// The page of a list sorted by one column and then by id ([`crate::paging::Place`] keys):
    /// the span to build the connection with, and the places the service reads from.
    pub fn placed<V: crate::paging::SortValue>(
        &self,
        list: &'static str,
        default: usize,
        max: usize,
    ) -> AppResult<(KeySpan, Span<crate::paging::Place<V>>)> {
        let span = self.key_span(list, default, max)?;
        let places = span.places(crate::paging::Place::from_key)?;
        Ok((span, places))
    }

    /// The page of a list read by key ([`KeySpan`]).
    pub fn key_span(&self, list: &'static str, default: usize, max: usize) -> AppResult<KeySpan> {
        let (first, last) = self.sizes(default, max)?;
        let key = |argument: &str, text: &Option<String>| {
            text.as_deref()
                .map(|t| decode_key(argument, list, t))
                .transpose()
        };
        Ok(KeySpan {
            list,
            after: key("after", &self.after)?,
            before: key("before", &self.before)?,
            backwards: last.is_some(),
            limit: first.or(last).unwrap_or(default) as u64,
        })
    }

    /// The direction, row id and size of a page of a table read newest first by id.
    pub fn keyset(&self, list: &'static str, default: usize, max: usize) -> AppResult<Keyset> {
        let span = self.key_span(list, default, max)?;
        let id = |argument: &str, key: Option<String>| -> AppResult<Option<i32>> {
            key.map(|key| {
                key.parse::<i32>()
                    .ok()
                    .filter(|id| *id >= 0)
                    .ok_or_else(|| {
                        AppError::invalid_field(argument, format!("is not a cursor of `{list}`"))
                    })
            })
            .transpose()
        };
        Ok(Keyset {
            list,
            after: id("after", span.after)?,
            before: id("before", span.before)?,
            backwards: span.backwards,
            limit: span.limit,
        })
    }
}

/// A connection of a list read by key: whether pages lie before and after it follows from the
/// direction read, the cursors it was read from and `more` (items beyond it in that
/// direction); each edge's cursor names its item's key.
fn keyed_connection<T: OutputType, Extra: async_graphql::ObjectType>(
    list: &str,
    (backwards, after, before): (bool, bool, bool),
    more: bool,
    extra: Extra,
    items: impl IntoIterator<Item = (String, T)>,
) -> Connection<String, T, Extra, EmptyFields> {
    let (has_previous, has_next) = if backwards {
        (more, before)
    } else {
        (after, more)
    };
    let mut connection = Connection::with_additional_fields(has_previous, has_next, extra);
    connection.edges.extend(
        items
            .into_iter()
            .map(|(key, item)| Edge::new(URL_SAFE_NO_PAD.encode(format!("{list}:{key}")), item)),
    );
    connection
}

/// A positional page: items `start..end` of `total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    list: &'static str,
    pub start: usize,
    pub end: usize,
    pub total: usize,
}

impl Window {
    /// Items on the page.
    pub fn len(&self) -> usize {
        self.end - self.start
    }

    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }

    /// The page's items out of the whole list.
    pub fn slice<'a, T>(&self, all: &'a [T]) -> &'a [T] {
        &all[self.start.min(all.len())..self.end.min(all.len())]
    }

    /// The connection of the page, given exactly the page's items in order.
    pub fn connection<T: OutputType>(&self, items: impl IntoIterator<Item = T>) -> Page<T> {
        let mut connection = Connection::with_additional_fields(
            self.start > 0,
            self.end < self.total,
            TotalCount {
                total_count: self.total as u64,
            },
        );
        connection.edges.extend(
            items
                .into_iter()
                .enumerate()
                .map(|(i, item)| Edge::new(cursor(self.list, (self.start + i) as u64), item)),
        );
        connection
    }
}

impl Keyset {
    /// The connection of the page. `rows` are newest first with their ids; `more` says whether
    /// rows exist beyond the page in the direction read.
    pub fn connection<T: OutputType>(
        &self,
        rows: impl IntoIterator<Item = (i32, T)>,
        more: bool,
        total: u64,
    ) -> Page<T> {
        self.connection_with(rows, more, TotalCount { total_count: total })
    }

    /// The connection of the page, with a bounded total.
    pub fn bounded_connection<T: OutputType>(
        &self,
        rows: impl IntoIterator<Item = (i32, T)>,
        more: bool,
        total: impl Into<BoundedTotal>,
    ) -> BoundedPage<T> {
        self.connection_with(rows, more, total.into())
    }

    fn connection_with<T: OutputType, Extra: async_graphql::ObjectType>(
        &self,
        rows: impl IntoIterator<Item = (i32, T)>,
        more: bool,
        extra: Extra,
    ) -> Connection<String, T, Extra, EmptyFields> {
        keyed_connection(
            self.list,
            (self.backwards, self.after.is_some(), self.before.is_some()),
            more,
            extra,
            rows.into_iter().map(|(id, item)| (id.to_string(), item)),
        )
    }
}

/// Descriptions of the connection types, which async-graphql's `Connection` leaves empty.
pub fn describe_connections(
    builder: SchemaBuilder<Query, Mutation, Subscription>,
) -> SchemaBuilder<Query, Mutation, Subscription> {
    use super::genelists::types::{MergedGeneOut, UploadedGene};
    use super::saved::types::{PanelChange, PanelComment, PanelGene, PanelVersion, Share};
    builder
        .override_output_type_description::<BoundedPage<audit::AuditEntry>>(
            "A page of audit rows, newest first, with how many match the filter (counted up \
             to 10,000).",
        )
        .override_output_type_description::<Page<accounts::types::User>>(
            "A page of accounts, by id, with how many match the search.",
        )
        .override_output_type_description::<panelapp::PanelPage>(
            "A page of PanelApp panels (best match first; by instance and name without a \
             search), with how many match.",
        )
        .override_output_type_description::<Page<saved::types::SavedPanel>>(
            "A page of saved panels in the order asked for, with how many match the filter.",
        )
        .override_output_type_description::<Page<PanelVersion>>(
            "A page of a saved panel's versions, newest first.",
        )
        .override_output_type_description::<Page<PanelGene>>(
            "A page of a saved panel version's genes, by symbol.",
        )
        .override_output_type_description::<Page<PanelChange>>(
            "A page of a saved panel's recorded changes, newest first.",
        )
        .override_output_type_description::<Page<Share>>(
            "A page of a saved panel's shares, newest first.",
        )
        .override_output_type_description::<Page<PanelComment>>(
            "A page of the comments on a saved panel, oldest first.",
        )
        .override_output_type_description::<Page<super::export_templates::ExportTemplate>>(
            "A page of export templates, by name, with how many the caller may apply.",
        )
        .override_output_type_description::<Page<super::genelists::UploadedList>>(
            "A page of the caller's uploaded gene lists, oldest first.",
        )
        .override_output_type_description::<Page<UploadedGene>>(
            "A page of an uploaded list's genes, in file order.",
        )
        .override_output_type_description::<Page<panelapp::PanelEntityOut>>(
            "A page of a PanelApp panel's entities, in PanelApp's order.",
        )
        .override_output_type_description::<Page<MergedGeneOut>>(
            "A page of a merged list's genes, by symbol.",
        )
        .override_output_type_description::<Page<super::mail::MailMessage>>(
            "A page of queued, sent and failed e-mail, newest first.",
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(
        first: Option<i32>,
        after: Option<u64>,
        last: Option<i32>,
        before: Option<u64>,
    ) -> PageArgs {
        PageArgs::new(
            first,
            after.map(|p| cursor("l", p)),
            last,
            before.map(|p| cursor("l", p)),
        )
    }

    #[test]
    fn first_and_last_must_be_in_range() {
        for bad in [0, -1, 101, i32::MIN] {
            for args in [
                args(Some(bad), None, None, None),
                args(None, None, Some(bad), None),
            ] {
                let error = args.window("l", 5, 20, 100).err();
                assert_eq!(
                    error.map(|e| e.code),
                    Some(shared::ErrorCode::Validation),
                    "{bad}"
                );
            }
        }
        assert!(
            args(Some(100), None, None, None)
                .window("l", 5, 20, 100)
                .is_ok()
        );
        assert!(
            args(None, None, Some(1), None)
                .window("l", 5, 20, 100)
                .is_ok()
        );
    }

    #[test]
    fn windows_follow_the_relay_algorithm() {
        let w = |a: PageArgs| a.window("l", 10, 3, 100).map(|w| (w.start, w.end)).ok();
        assert_eq!(w(args(None, None, None, None)), Some((0, 3)));
        assert_eq!(w(args(Some(4), Some(2), None, None)), Some((3, 7)));
        assert_eq!(w(args(None, None, Some(4), None)), Some((6, 10)));
        assert_eq!(w(args(None, None, Some(4), Some(5))), Some((1, 5)));
        assert_eq!(w(args(None, None, None, Some(5))), Some((2, 5)));
        assert_eq!(w(args(Some(9), Some(7), None, None)), Some((8, 10)));
        assert_eq!(w(args(Some(2), Some(20), None, None)), Some((10, 10)));
        assert_eq!(w(args(None, Some(2), Some(10), Some(6))), Some((3, 6)));
        assert!(w(args(Some(1), None, Some(1), None)).is_none());
    }

    #[test]
    fn cursors_are_opaque_and_belong_to_one_list() {
        let c = cursor("versions", 3);
        assert!(!c.contains('3') || !c.contains("versions"));
        assert_eq!(decode_cursor("after", "versions", &c).ok(), Some(3));
        for bad in [
            cursor("comments", 3),
            "3".to_owned(),
            "!!".to_owned(),
            String::new(),
        ] {
            let error = decode_cursor("after", "versions", &bad).err();
            assert_eq!(
                error.map(|e| e.code),
                Some(shared::ErrorCode::Validation),
                "{bad}"
            );
        }
    }

    #[test]
    fn keyset_pages_both_ways() {
        let page = args(None, None, Some(2), Some(10))
            .keyset("l", 5, 100)
            .unwrap();
        assert_eq!(
            (page.before, page.backwards, page.limit),
            (Some(10), true, 2)
        );
        // Read upwards (11, 12, 13), cut to two and put newest first.
        let (rows, more) = crate::paging::keyset_rows(&page, vec![11, 12, 13]);
        assert_eq!((rows, more), (vec![12, 11], true));
    }
}
