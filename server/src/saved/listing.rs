//! Listing saved panels: mine, shared with me, public; filters, sorting, and pages by key (the
//! sort value and id of the panel a page starts after or ends before), so a panel edited or
//! added while someone pages through the list never shows twice, and a late page costs what
//! the first does. A page costs a fixed number of statements whatever its size (count, page,
//! and the batched look-ups of its owners and the caller's share levels).

use chrono::{DateTime, Utc};
use entity::{panel_shares, saved_panels, team_members};
use sea_orm::sea_query::{Expr, ExprTrait, Func, Query, QueryStatementBuilder, SimpleExpr};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, TransactionTrait,
};
use shared::{PanelScope, PanelSort, PanelStatus, Role, Visibility};

use super::SavedPanels;
use crate::auth::Principal;
use crate::error::AppResult;
use crate::paging::{RowPage, SortValue as _, SortedBy, Span, read_span};

#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub scope: PanelScope,
    /// Statuses to show; default: everything but DELETED.
    pub statuses: Vec<PanelStatus>,
    pub visibility: Option<Visibility>,
    pub tag: Option<String>,
    pub owner_id: Option<i32>,
    pub text: Option<String>,
    pub sort: PanelSort,
}

impl Filter {
    /// The text searched for, if any (blank is none).
    fn text(&self) -> Option<&str> {
        self.text
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
    }
}

pub struct Page {
    pub items: Vec<super::PanelView>,
    pub total: u64,
    /// Whether more panels follow in the direction read.
    pub more: bool,
}

/// A listed panel's place in the list: its value of the sort and its id (the tie-break).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    value: SortValue,
    id: i32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum SortValue {
    Time(DateTime<Utc>),
    Name(String),
    Count(i32),
}

impl Place {
    /// The place of `panel` in a list sorted by `sort`.
    pub fn of(panel: &super::PanelView, sort: PanelSort) -> Self {
        let value = match sort {
            PanelSort::UpdatedDesc => SortValue::Time(panel.updated_at),
            PanelSort::CreatedDesc => SortValue::Time(panel.created_at),
            PanelSort::NameAsc => SortValue::Name(panel.name.clone()),
            PanelSort::GeneCountDesc => SortValue::Count(panel.gene_count),
        };
        Self {
            value,
            id: panel.id,
        }
    }

    /// As text for a cursor: the sort, the id and the value.
    pub fn to_key(&self, sort: PanelSort) -> String {
        let value = match &self.value {
            SortValue::Time(t) => t.to_text(),
            SortValue::Name(name) => name.clone(),
            SortValue::Count(n) => n.to_string(),
        };
        format!("{}:{}:{value}", sort.as_str(), self.id)
    }

    /// A place read back from [`Self::to_key`]; `None` for text that is not one of a list
    /// sorted by `sort`.
    pub fn from_key(key: &str, sort: PanelSort) -> Option<Self> {
        let mut parts = key.splitn(3, ':');
        if parts.next()? != sort.as_str() {
            return None;
        }
        let id = parts.next()?.parse().ok()?;
        let raw = parts.next()?;
        let value = match sort {
            PanelSort::UpdatedDesc | PanelSort::CreatedDesc => {
                SortValue::Time(DateTime::from_text(raw)?)
            }
            PanelSort::NameAsc => SortValue::Name(raw.to_owned()),
            PanelSort::GeneCountDesc => SortValue::Count(raw.parse().ok()?),
        };
        Some(Self { value, id })
    }
}

impl Place {
    /// The sort's value and the id, as [`crate::paging::span_query`] takes a place.
    fn values(self) -> (sea_orm::Value, sea_orm::Value) {
        let value = match self.value {
            SortValue::Time(t) => t.into(),
            SortValue::Name(name) => name.into(),
            SortValue::Count(n) => n.into(),
        };
        (value, self.id.into())
    }
}

/// The order of a list sorted by `sort`.
fn sorted_by(sort: PanelSort) -> SortedBy<saved_panels::Column, saved_panels::Column> {
    let (column, descending) = match sort {
        PanelSort::UpdatedDesc => (saved_panels::Column::UpdatedAt, true),
        PanelSort::CreatedDesc => (saved_panels::Column::CreatedAt, true),
        PanelSort::NameAsc => (saved_panels::Column::Name, false),
        PanelSort::GeneCountDesc => (saved_panels::Column::GeneCount, true),
    };
    SortedBy {
        column,
        descending,
        id: saved_panels::Column::Id,
    }
}

fn live_share() -> Condition {
    Condition::all()
        .add(panel_shares::Column::IsActive.eq(true))
        .add(
            Condition::any()
                .add(panel_shares::Column::ExpiresAt.is_null())
                .add(panel_shares::Column::ExpiresAt.gt(Utc::now())),
        )
}

/// `id IN (panels shared with the user directly or through a team)`.
fn shared_with(user_id: i32) -> Condition {
    let teams = Query::select()
        .column(team_members::Column::TeamId)
        .from(team_members::Entity)
        .and_where(team_members::Column::UserId.eq(user_id))
        .to_owned();
    let shares = Query::select()
        .column(panel_shares::Column::PanelId)
        .from(panel_shares::Entity)
        .cond_where(live_share())
        .cond_where(
            Condition::any()
                .add(panel_shares::Column::SharedWithUserId.eq(user_id))
                .add(panel_shares::Column::SharedWithTeamId.in_subquery(teams)),
        )
        .to_owned();
    Condition::all().add(saved_panels::Column::Id.in_subquery(shares))
}

fn condition(principal: &Principal, f: &Filter, backend: DbBackend) -> Condition {
    let me = principal.user_id();
    let site_admin = principal
        .account_role()
        .is_some_and(|(_, r)| r == Role::Admin);
    let public = Condition::all().add(saved_panels::Column::Visibility.eq(Visibility::Public));
    let mine = |id: i32| Condition::all().add(saved_panels::Column::OwnerId.eq(id));
    let mut c = Condition::all();
    c = match (f.scope, me) {
        (PanelScope::Mine, Some(id)) => c.add(mine(id)),
        (PanelScope::SharedWithMe, Some(id)) => c
            .add(shared_with(id))
            .add(saved_panels::Column::OwnerId.ne(id)),
        (PanelScope::Public, _) => c.add(public),
        (PanelScope::All, Some(_)) if site_admin => c,
        (PanelScope::All, Some(id)) => c.add(
            Condition::any()
                .add(mine(id))
                .add(shared_with(id))
                .add(public),
        ),
        (PanelScope::All, None) => c.add(public),
        // Mine / shared-with-me need an account.
        (_, None) => c.add(saved_panels::Column::Id.eq(-1)),
    };
    let statuses = if f.statuses.is_empty() {
        vec![
            PanelStatus::Active,
            PanelStatus::Draft,
            PanelStatus::Archived,
        ]
    } else {
        f.statuses.clone()
    };
    c = c.add(saved_panels::Column::Status.is_in(statuses.clone()));
    if statuses.contains(&PanelStatus::Deleted) && !site_admin {
        // Deleted panels are listed to their owner only.
        c = c.add(
            Condition::any()
                .add(saved_panels::Column::Status.ne(PanelStatus::Deleted))
                .add(saved_panels::Column::OwnerId.eq(me.unwrap_or(-1))),
        );
    }
    if let Some(v) = f.visibility {
        c = c.add(saved_panels::Column::Visibility.eq(v));
    }
    if let Some(owner) = f.owner_id {
        c = c.add(saved_panels::Column::OwnerId.eq(owner));
    }
    if let Some(tag) = f.tag.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        let quoted = serde_json::to_string(&tag.to_lowercase()).unwrap_or_default();
        c = c.add(saved_panels::Column::Tags.contains(quoted));
    }
    if let Some(text) = f.text() {
        let matches = text_matches(text, backend);
        c = c.add(match backend {
            // `id = ANY(ARRAY(…))`: the matches are read once into an array and the panels
            // fetched by id. As `id IN (…)` PostgreSQL hash-joins them against a scan of
            // every panel (8 ms at 10,000 panels, twice a page, against 1.4 ms).
            DbBackend::Postgres => {
                Expr::col((saved_panels::Entity, saved_panels::Column::Id)).eq(Func::cust("ANY")
                    .arg(Func::cust("ARRAY").arg(SimpleExpr::SubQuery(
                        None,
                        Box::new(matches.into_sub_query_statement()),
                    ))))
            }
            _ => saved_panels::Column::Id.in_subquery(matches),
        });
    }
    c
}

/// The ids of the panels whose name or description holds `text` (case aside). Read on its own,
/// behind a `LIMIT` no list reaches, so that PostgreSQL answers it from the trigram indexes
/// (migration 000030) before it pages: left to itself it walks the list's sort index and tests
/// every panel for a rare text (51 ms at 10,000 panels, 1.5 ms fenced; BENCHMARKS.md). SQLite
/// has no such index and reads every panel: there `LIKE` itself ignores case (ASCII, as
/// SQLite's `lower` does), which spares it lower-casing every name and description first.
fn text_matches(text: &str, backend: DbBackend) -> sea_orm::sea_query::SelectStatement {
    let pattern = format!("%{}%", text.to_lowercase().replace(['%', '_'], ""));
    let holds = |column: saved_panels::Column| match backend {
        DbBackend::Sqlite => Expr::col(column).like(pattern.clone()),
        _ => Expr::expr(Func::lower(Expr::col(column))).like(pattern.clone()),
    };
    Query::select()
        .column(saved_panels::Column::Id)
        .from(saved_panels::Entity)
        .cond_where(
            Condition::any()
                .add(holds(saved_panels::Column::Name))
                .add(holds(saved_panels::Column::Description)),
        )
        .limit(i64::MAX.unsigned_abs())
        .to_owned()
}

impl SavedPanels {
    /// One page of the panels `principal` may see that match `filter`, in its sort.
    pub async fn list_page(
        &self,
        principal: &Principal,
        filter: &Filter,
        span: &Span<Place>,
    ) -> AppResult<Page> {
        let backend = self.db.get_database_backend();
        let cond = condition(principal, filter, backend);
        let select = saved_panels::Entity::find().filter(cond);
        let by = sorted_by(filter.sort);
        let span = span.clone().map(Place::values);
        let RowPage {
            rows: panels,
            more,
            total,
        } = if backend == DbBackend::Postgres && filter.text().is_some() {
            // A prepared statement's plan is made for the values it is given for its first
            // five runs; then PostgreSQL may keep one plan for any values, and for a text
            // that plan can not know which trigrams to look up, so it tests every panel
            // (4–9 ms a statement against 0.2–0.5 ms at 10,000 panels; BENCHMARKS.md). The
            // search's two statements are planned for their text each time.
            let txn = self.db.begin().await?;
            txn.execute_unprepared("SET LOCAL plan_cache_mode = force_custom_plan")
                .await?;
            let page = read_span(&txn, select, by, &span).await?;
            txn.commit().await?;
            page
        } else {
            read_span(&self.db, select, by, &span).await?
        };
        if panels.is_empty() {
            return Ok(Page {
                items: Vec::new(),
                total,
                more,
            });
        }
        let items = self.views(principal, panels).await?;
        Ok(Page { items, total, more })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::QueryTrait;

    /// On PostgreSQL the text search's matches are read into an array and the panels fetched
    /// by id; SQLite keeps `IN (…)`.
    #[test]
    fn the_text_search_reads_its_matches_once_on_postgres() {
        let filter = Filter {
            text: Some("Panel 77".to_owned()),
            ..Filter::default()
        };
        let principal = Principal::visitor(None);
        let sql = |backend: DbBackend| {
            saved_panels::Entity::find()
                .filter(condition(&principal, &filter, backend))
                .build(backend)
                .to_string()
        };
        let postgres = sql(DbBackend::Postgres);
        assert!(
            postgres.contains(r#""saved_panels"."id" = ANY(ARRAY((SELECT "id" FROM "saved_panels" WHERE LOWER("name") LIKE '%panel 77%'"#),
            "{postgres}"
        );
        let sqlite = sql(DbBackend::Sqlite);
        assert!(
            sqlite.contains(r#""saved_panels"."id" IN (SELECT "id" FROM "saved_panels" WHERE "name" LIKE '%panel 77%'"#),
            "{sqlite}"
        );
    }
}
