//! Keyset pages of tables read newest first by id: what the services ask of the database.
//! The GraphQL layer (`graphql::paging`) reads the arguments and cursors into a [`Keyset`] and
//! builds the connection from the rows; the services below it know only this.

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
