//! Pages of tables: what the services ask of the database. The GraphQL layer
//! (`graphql::paging`) reads the arguments and cursors into a [`Keyset`], a [`Span`] or a
//! [`Positions`] window and builds the connection from the rows; the services below it know
//! only this, and read the rows with [`read_keyset`], [`read_span`] or [`read_window`].

use sea_orm::{DatabaseConnection, EntityTrait, PaginatorTrait, QuerySelect, QueryTrait, Select};

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
    // The items after a place (`later`) or before it, in the list's order.
    let beyond = |(value, id): &(sea_orm::Value, sea_orm::Value), later: bool| {
        let past = if by.descending == later {
            by.column.lt(value.clone())
        } else {
            by.column.gt(value.clone())
        };
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
    query
        .order_by(by.column, order(by.descending != span.backwards))
        .order_by(by.id, order(span.backwards))
        .limit(span.limit + 1)
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
/// with the list's total.
pub async fn read_span<E, C, I>(
    db: &DatabaseConnection,
    select: Select<E>,
    by: SortedBy<C, I>,
    span: &Span<(sea_orm::Value, sea_orm::Value)>,
) -> AppResult<RowPage<E::Model>>
where
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

/// A positional page: which rows of an ordered list, once its length is known.
pub trait Positions {
    /// The first row's position (0-based).
    fn first_row(&self) -> u64;
    /// How many rows.
    fn row_count(&self) -> u64;
}

/// The rows of `select` (in its order) that `window` picks once it is told how many there
/// are; the window comes back with them. Only the window's rows are read.
pub async fn read_window<E, W>(
    db: &DatabaseConnection,
    select: Select<E>,
    window: impl FnOnce(u64) -> AppResult<W>,
) -> AppResult<(W, Vec<E::Model>)>
where
    E: EntityTrait,
    E::Model: Sync,
    W: Positions,
{
    let total = select.clone().count(db).await?;
    let window = window(total)?;
    if window.row_count() == 0 {
        return Ok((window, Vec::new()));
    }
    let rows = select
        .offset(window.first_row())
        .limit(window.row_count())
        .all(db)
        .await?;
    Ok((window, rows))
}
