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
pub fn keyset_rows<T>(page: &Keyset, mut rows: Vec<T>) -> (Vec<T>, bool) {
    let more = rows.len() as u64 > page.limit;
    rows.truncate(usize::try_from(page.limit).unwrap_or(usize::MAX));
    if page.backwards {
        rows.reverse();
    }
    (rows, more)
}
