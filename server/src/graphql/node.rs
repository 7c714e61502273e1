//! Global ids and the Relay `Node` interface.
//!
//! Every object this server owns has a global `id`: `base64url("SavedPanel:42")`, unique
//! across types, which `node(id:)` resolves again with the caller's permissions checked as by
//! the object's own query. The row number stays available as `databaseId`. Arguments that take
//! an id accept the global id of the expected type or, for scripts written before global ids,
//! the plain number; a global id of another type is `VALIDATION`.

use async_graphql::{Context, ID, Interface, Object, Result};

use super::accounts::types::{ApiToken, User};
use super::audit::AuditEntry;
use super::export_templates::ExportTemplate;
use super::genelists::UploadedList;
use super::mail::MailMessage;
use super::messages::AdminMessage;
use super::saved::panel::VersionLabel;
use super::saved::types::{PanelChange, PanelComment, PanelVersion, Person, SavedPanel, Share};
use super::teams::Team;
use crate::error::{AppError, AppResult};
pub use crate::ids::{Kind, parse_global};

/// The global id of one object.
pub fn global_id(kind: Kind, key: impl std::fmt::Display) -> ID {
    ID(crate::ids::global_id(kind, key))
}

/// The key an id argument names: the global id of `kind`, or the bare key (the row number;
/// an upload's key). A global id of another type is `VALIDATION`.
pub fn key_id(id: &ID, kind: Kind) -> AppResult<String> {
    crate::ids::key_id(id, kind)
}

/// The row number an id argument names (see [`key_id`]); `NOT_FOUND` when it names none.
pub fn int_id(id: &ID, kind: Kind) -> AppResult<i32> {
    crate::ids::int_id(id, kind)
}

/// An object with a global id, which `node(id:)` fetches again.
// One value per `node` answer, moved once into the response: boxing would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Interface)]
#[graphql(field(
    name = "id",
    ty = "ID",
    desc = "The global id: unique across types, accepted by `node(id:)` and by every argument \
            that takes an id of this type."
))]
pub enum Node {
    User(User),
    Person(Person),
    Team(Team),
    SavedPanel(SavedPanel),
    PanelVersion(PanelVersion),
    PanelChange(PanelChange),
    PanelComment(PanelComment),
    Share(Share),
    UploadedList(UploadedList),
    AuditEntry(AuditEntry),
    ApiToken(ApiToken),
    AdminMessage(AdminMessage),
    MailMessage(MailMessage),
    VersionLabel(VersionLabel),
    ExportTemplate(ExportTemplate),
}

#[derive(Default)]
pub struct NodeQuery;

#[Object]
impl NodeQuery {
    /// The object with this global id, with the permissions of its own query: `NOT_FOUND` when
    /// there is none, `FORBIDDEN` or `UNAUTHENTICATED` when the caller may not see it,
    /// `VALIDATION` when `id` is not a global id.
    async fn node(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A global id, as the `id` field of any `Node` gives it.")] id: ID,
    ) -> Result<Node> {
        Ok(fetch(ctx, &id).await?)
    }

    /// Several objects by global id, in the order asked (at most 100). Each is fetched as by
    /// `node`; the first failure fails the field.
    async fn nodes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ids, at most 100.")] ids: Vec<ID>,
    ) -> Result<Vec<Node>> {
        if ids.len() > 100 {
            return Err(AppError::invalid_field("ids", "at most 100 ids at a time")
                .with("max", 100)
                .into());
        }
        let mut out = Vec::with_capacity(ids.len());
        for id in &ids {
            out.push(fetch(ctx, id).await?);
        }
        Ok(out)
    }
}

async fn fetch(ctx: &Context<'_>, id: &ID) -> AppResult<Node> {
    let (kind, key) = parse_global(id).ok_or_else(|| {
        AppError::invalid_field("id", "is not a global id (use the `id` field of an object)")
    })?;
    let number = || {
        key.parse::<i32>()
            .map_err(|_| AppError::not_found(kind.what()))
    };
    Ok(match kind {
        Kind::User => Node::User(super::accounts::user_node(ctx, number()?).await?),
        Kind::Person => Node::Person(super::saved::person_node(ctx, number()?).await?),
        Kind::Team => Node::Team(super::teams::team_node(ctx, number()?).await?),
        Kind::SavedPanel => Node::SavedPanel(super::saved::saved_panel_node(ctx, number()?).await?),
        Kind::PanelVersion => Node::PanelVersion(super::saved::version_node(ctx, number()?).await?),
        Kind::PanelChange => Node::PanelChange(super::saved::change_node(ctx, number()?).await?),
        Kind::PanelComment => Node::PanelComment(super::saved::comment_node(ctx, number()?).await?),
        Kind::Share => Node::Share(super::saved::share_node(ctx, number()?).await?),
        Kind::UploadedList => Node::UploadedList(super::genelists::upload_node(ctx, &key).await?),
        Kind::AuditEntry => Node::AuditEntry(super::audit::entry_node(ctx, number()?).await?),
        Kind::ApiToken => Node::ApiToken(super::accounts::token_node(ctx, number()?).await?),
        Kind::AdminMessage => {
            Node::AdminMessage(super::messages::message_node(ctx, number()?).await?)
        }
        Kind::MailMessage => Node::MailMessage(super::mail::message_node(ctx, number()?).await?),
        Kind::VersionLabel => Node::VersionLabel(super::saved::label_node(ctx, number()?).await?),
        Kind::ExportTemplate => {
            Node::ExportTemplate(super::export_templates::template_node(ctx, number()?).await?)
        }
    })
}
