//! Pages of tables: what the services ask of the database. The GraphQL layer
//! (`graphql::paging`) reads the arguments and cursors into a [`Keyset`] or a [`Span`] and
//! builds the connection from the rows; the services below it know only this, and read the
//! rows with [`read_keyset`] or [`read_span`]. Every list of a table pages by key: an item
//! added, removed or moved while a caller pages moves no other item to another page.

use sea_orm::{DatabaseConnection, EntityTrait, PaginatorTrait, QueryTrait, Select};

use crate::error::AppResult;

/// A page read from the database: its rows in the list's order, whether more lie beyond it in
/// the direction read, and how many rows the whole list has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowPage<M> {
    pub rows: Vec<M>,
    pub more: bool,
    pub total: u64,
}

impl<M> RowPage<M> {
    /// The same page with each row turned into something else (failing as the first row does).
    pub fn try_map<T, E>(self, f: impl FnMut(M) -> Result<T, E>) -> Result<RowPage<T>, E> {
        Ok(RowPage {
            rows: self.rows.into_iter().map(f).collect::<Result<_, _>>()?,
            more: self.more,
            total: self.total,
        })
    }

    /// The same page with each row turned into something else.
    pub fn map<T>(self, f: impl FnMut(M) -> T) -> RowPage<T> {
        RowPage {
            rows: self.rows.into_iter().map(f).collect(),
            more: self.more,
            total: self.total,
        }
    }

    /// A page of an empty list.
    pub fn empty() -> Self {
        Self {
            rows: Vec::new(),
            more: false,
            total: 0,
        }
    }
}

/// A keyset page of a table read newest first by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Keyset {
    /// The list the cursors name (`auditLog`, `mailOutbox`).
    pub(crate) list: &'static str,
    /// Rows older than this id (`after`).
    pub after: Option<i32>,
    /// Rows newer than this id (`before`).
    pub before: Option<i32>,
    /// `last`: the page ends at `before` (or the oldest row) and is read upwards.
    pub backwards: bool,
    pub limit: u64,
}

/// What a [`Keyset`] page asks of a table ordered by `id` descending: the id bounds, the
/// read direction and how many rows (one more than the page, to know whether more exist).
pub fn keyset_query<Q, C>(query: Q, column: C, page: &Keyset) -> Q
where
    Q: sea_orm::QueryFilter + sea_orm::QueryOrder + sea_orm::QuerySelect,
    C: sea_orm::ColumnTrait,
{
    use sea_orm::Order;
    let mut query = query;
    if let Some(after) = page.after {
        query = query.filter(column.lt(after));
    }
    if let Some(before) = page.before {
        query = query.filter(column.gt(before));
    }
    let order = if page.backwards {
        Order::Asc
    } else {
        Order::Desc
    };
    query.order_by(column, order).limit(page.limit + 1)
}

/// Rows of a [`keyset_query`], newest first, cut to the page; and whether more exist.
pub fn keyset_rows<T>(page: &Keyset, rows: Vec<T>) -> (Vec<T>, bool) {
    page_rows(page.backwards, page.limit, rows)
}

/// Rows read for a page (one more than `limit`, in reading order) cut to the page and put in
/// the list's order; and whether more exist in the direction read.
pub fn page_rows<T>(backwards: bool, limit: u64, mut rows: Vec<T>) -> (Vec<T>, bool) {
    let more = rows.len() as u64 > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    if backwards {
        rows.reverse();
    }
    (rows, more)
}

/// A page of a list sorted by one column and then by id: after or before an item's place (its
/// value of the sort and its id), read forwards or (`last`) backwards. Pages stay put while
/// items are added, removed or moved, where positions would shift.
#[derive(Debug, Clone, Default)]
pub struct Span<P> {
    pub after: Option<P>,
    pub before: Option<P>,
    /// `last`: the page ends at `before` (or the end of the list) and is read upwards.
    pub backwards: bool,
    pub limit: u64,
}

impl<P> Span<P> {
    /// The same page with its places turned into something else.
    pub fn map<Q>(self, f: impl Fn(P) -> Q) -> Span<Q> {
        Span {
            after: self.after.map(&f),
            before: self.before.map(&f),
            backwards: self.backwards,
            limit: self.limit,
        }
    }

    /// Rows of a [`span_query`] cut to the page, in the list's order; and whether more exist.
    pub fn rows<T>(&self, rows: Vec<T>) -> (Vec<T>, bool) {
        page_rows(self.backwards, self.limit, rows)
    }
}

/// An item's place in a list sorted by one column and then by its id (a number unless said
/// otherwise): the sort's value and the id. Written into a cursor as `id:value`
/// ([`Place::to_key`]; an id holds no `:`) and read back ([`Place::from_key`]); given to
/// [`span_query`] as its two values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place<V, I = i32> {
    pub value: V,
    pub id: I,
}

/// A sort value a cursor can carry: written as text and read back.
pub trait SortValue: Sized + Into<sea_orm::Value> {
    fn to_text(&self) -> String;
    fn from_text(text: &str) -> Option<Self>;
}

impl SortValue for i32 {
    fn to_text(&self) -> String {
        self.to_string()
    }
    fn from_text(text: &str) -> Option<Self> {
        text.parse().ok()
    }
}

impl SortValue for String {
    fn to_text(&self) -> String {
        self.clone()
    }
    fn from_text(text: &str) -> Option<Self> {
        Some(text.to_owned())
    }
}

impl SortValue for chrono::DateTime<chrono::Utc> {
    fn to_text(&self) -> String {
        self.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true)
    }
    fn from_text(text: &str) -> Option<Self> {
        Some(
            chrono::DateTime::parse_from_rfc3339(text)
                .ok()?
                .with_timezone(&chrono::Utc),
        )
    }
}

impl<V: SortValue, I: SortValue> Place<V, I> {
    /// As text for a cursor.
    pub fn to_key(&self) -> String {
        format!("{}:{}", self.id.to_text(), self.value.to_text())
    }

    /// A place read back from [`Self::to_key`]; `None` for text that is not one.
    pub fn from_key(key: &str) -> Option<Self> {
        let (id, value) = key.split_once(':')?;
        Some(Self {
            value: V::from_text(value)?,
            id: I::from_text(id)?,
        })
    }

    /// The sort's value and the id, as [`span_query`] takes a place.
    pub fn values(self) -> (sea_orm::Value, sea_orm::Value) {
        (self.value.into(), self.id.into())
    }
}

/// A list's order: `column` (downwards when `descending`), ties by `id` upwards.
#[derive(Debug, Clone, Copy)]
pub struct SortedBy<C, I> {
    pub column: C,
    pub descending: bool,
    pub id: I,
}

/// `query` cut to the page `span` asks of a list sorted `by` (places as the sort's value and
/// the id), ordered for reading, one row more than the page (see [`Span::rows`]).
pub fn span_query<Q, C, I>(
    query: Q,
    by: SortedBy<C, I>,
    span: &Span<(sea_orm::Value, sea_orm::Value)>,
) -> Q
where
    Q: sea_orm::QueryFilter + sea_orm::QueryOrder + sea_orm::QuerySelect,
    C: sea_orm::ColumnTrait,
    I: sea_orm::ColumnTrait,
{
    use sea_orm::{Condition, Order};
    // A list sorted by its id alone (the admin's accounts) has no ties to break.
    let by_id_alone = by.column.as_str() == by.id.as_str();
    // The items after a place (`later`) or before it, in the list's order.
    let beyond = |(value, id): &(sea_orm::Value, sea_orm::Value), later: bool| {
        let past = if by.descending == later {
            by.column.lt(value.clone())
        } else {
            by.column.gt(value.clone())
        };
        if by_id_alone {
            return Condition::all().add(past);
        }
        let tie = if later {
            by.id.gt(id.clone())
        } else {
            by.id.lt(id.clone())
        };
        Condition::any()
            .add(past)
            .add(Condition::all().add(by.column.eq(value.clone())).add(tie))
    };
    let mut query = query;
    if let Some(after) = &span.after {
        query = query.filter(beyond(after, true));
    }
    if let Some(before) = &span.before {
        query = query.filter(beyond(before, false));
    }
    // `last` reads upwards: the list's order turned round (`Span::rows` turns the page back).
    let order = |descending: bool| if descending { Order::Desc } else { Order::Asc };
    query = query.order_by(by.column, order(by.descending != span.backwards));
    if !by_id_alone {
        query = query.order_by(by.id, order(span.backwards));
    }
    query.limit(span.limit + 1)
}

/// The page `page` of `select`, read newest first by `column` (a number that only grows as rows
/// are added: the id, a version number), with the list's total. `select`'s own order is
/// replaced by `column`'s. Pages stay put while rows are added: a positional page would
/// repeat, on the next page, the rows the new ones pushed down.
pub async fn read_keyset<E, C>(
    db: &DatabaseConnection,
    select: Select<E>,
    column: C,
    page: &Keyset,
) -> AppResult<RowPage<E::Model>>
where
    E: EntityTrait,
    E::Model: Sync,
    C: sea_orm::ColumnTrait,
{
    let total = select.clone().count(db).await?;
    let mut select = select;
    QueryTrait::query(&mut select).clear_order_by();
    let rows = keyset_query(select, column, page).all(db).await?;
    let (rows, more) = keyset_rows(page, rows);
    Ok(RowPage { rows, more, total })
}

/// The page `span` of `select`, a list sorted `by` (places as the sort's value and the id),
/// with the list's total; read through `db`, a connection or a transaction.
pub async fn read_span<D, E, C, I>(
    db: &D,
    select: Select<E>,
    by: SortedBy<C, I>,
    span: &Span<(sea_orm::Value, sea_orm::Value)>,
) -> AppResult<RowPage<E::Model>>
where
    D: sea_orm::ConnectionTrait,
    E: EntityTrait,
    E::Model: Sync,
    C: sea_orm::ColumnTrait,
    I: sea_orm::ColumnTrait,
{
    let total = select.clone().count(db).await?;
    let rows = span_query(select, by, span).all(db).await?;
    let (rows, more) = span.rows(rows);
    Ok(RowPage { rows, more, total })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use chrono::{DateTime, TimeZone, Utc};

    /// A cursor's place comes back as it went out, times (which hold `:`) and text ids
    /// included; text that is not a place of that shape is refused.
    #[test]
    fn places_read_back_from_their_keys() {
        let at = Utc.with_ymd_and_hms(2026, 12, 7, 13, 5, 9).unwrap();
        let upload: Place<DateTime<Utc>, String> = Place {
            value: at,
            id: "0b7c-uuid".to_owned(),
        };
        assert_eq!(Place::from_key(&upload.to_key()), Some(upload));
        let template = Place {
            value: "Cardiac: green only".to_owned(),
            id: 42,
        };
        assert_eq!(template.to_key(), "42:Cardiac: green only");
        assert_eq!(Place::from_key(&template.to_key()), Some(template));
        assert_eq!(Place::<DateTime<Utc>>::from_key("7:yesterday"), None);
        assert_eq!(Place::<String>::from_key("seven:Cardiac"), None);
        assert_eq!(Place::<String>::from_key("no separator"), None);
    }

    /// A list sorted by its id alone pages on the id (no tie to break, one order); a list
    /// sorted by another column breaks ties by id, in both directions.
    #[test]
    fn span_queries_break_ties_only_where_there_can_be_some() {
        use entity::user;
        use sea_orm::{DbBackend, EntityTrait, QueryTrait};
        let sql = |column: user::Column, backwards: bool| {
            let span = Span {
                after: Some((7.into(), 7.into())),
                before: None,
                backwards,
                limit: 25,
            };
            let by = SortedBy {
                column,
                descending: false,
                id: user::Column::Id,
            };
            span_query(user::Entity::find(), by, &span)
                .build(DbBackend::Sqlite)
                .to_string()
        };
        let by_id = sql(user::Column::Id, false);
        assert!(
            by_id.ends_with(r#"WHERE "user"."id" > 7 ORDER BY "user"."id" ASC LIMIT 26"#),
            "{by_id}"
        );
        let upwards = sql(user::Column::Id, true);
        assert!(
            upwards.ends_with(r#"WHERE "user"."id" > 7 ORDER BY "user"."id" DESC LIMIT 26"#),
            "{upwards}"
        );
        let by_name = sql(user::Column::Username, false);
        assert!(
            by_name.ends_with(
                r#"WHERE "user"."username" > 7 OR ("user"."username" = 7 AND "user"."id" > 7) ORDER BY "user"."username" ASC, "user"."id" ASC LIMIT 26"#
            ),
            "{by_name}"
        );
    }
}
