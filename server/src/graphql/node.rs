//! Global ids and the Relay `Node` interface.
//!
//! Every object this server owns has a global `id`: `base64url("SavedPanel:42")`, unique
//! across types, which `node(id:)` resolves again with the caller's permissions checked as by
//! the object's own query. The row number stays available as `databaseId`. Arguments that take
//! an id accept the global id of the expected type or, for scripts written before global ids,
//! the plain number; a global id of another type is `VALIDATION`.

use async_graphql::{Context, ID, Interface, Object, Result};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

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

/// The types with global ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    User,
    Person,
    Team,
    SavedPanel,
    PanelVersion,
    PanelChange,
    PanelComment,
    Share,
    UploadedList,
    AuditEntry,
    ApiToken,
    AdminMessage,
    MailMessage,
    VersionLabel,
    ExportTemplate,
}

const KINDS: [Kind; 15] = [
    Kind::User,
    Kind::Person,
    Kind::Team,
    Kind::SavedPanel,
    Kind::PanelVersion,
    Kind::PanelChange,
    Kind::PanelComment,
    Kind::Share,
    Kind::UploadedList,
    Kind::AuditEntry,
    Kind::ApiToken,
    Kind::AdminMessage,
    Kind::MailMessage,
    Kind::VersionLabel,
    Kind::ExportTemplate,
];

impl Kind {
    /// The GraphQL type name, as written in the global id.
    pub fn type_name(self) -> &'static str {
        match self {
            Kind::User => "User",
            Kind::Person => "Person",
            Kind::Team => "Team",
            Kind::SavedPanel => "SavedPanel",
            Kind::PanelVersion => "PanelVersion",
            Kind::PanelChange => "PanelChange",
            Kind::PanelComment => "PanelComment",
            Kind::Share => "Share",
            Kind::UploadedList => "UploadedList",
            Kind::AuditEntry => "AuditEntry",
            Kind::ApiToken => "ApiToken",
            Kind::AdminMessage => "AdminMessage",
            Kind::MailMessage => "MailMessage",
            Kind::VersionLabel => "VersionLabel",
            Kind::ExportTemplate => "ExportTemplate",
        }
    }

    /// How errors name it.
    pub fn what(self) -> &'static str {
        match self {
            Kind::User | Kind::Person => "user",
            Kind::Team => "team",
            Kind::SavedPanel => "saved panel",
            Kind::PanelVersion => "saved panel version",
            Kind::PanelChange => "change",
            Kind::PanelComment => "comment",
            Kind::Share => "share",
            Kind::UploadedList => "upload",
            Kind::AuditEntry => "audit entry",
            Kind::ApiToken => "API token",
            Kind::AdminMessage => "admin message",
            Kind::MailMessage => "e-mail",
            Kind::VersionLabel => "version label",
            Kind::ExportTemplate => "export template",
        }
    }

    fn named(name: &str) -> Option<Self> {
        KINDS.into_iter().find(|k| k.type_name() == name)
    }

    /// Kinds an argument for `self` accepts: a person is a user seen by someone else.
    fn accepts(self, other: Kind) -> bool {
        self == other
            || matches!(
                (self, other),
                (Kind::User, Kind::Person) | (Kind::Person, Kind::User)
            )
    }
}

/// The global id of one object.
pub fn global_id(kind: Kind, key: impl std::fmt::Display) -> ID {
    ID(URL_SAFE_NO_PAD.encode(format!("{}:{key}", kind.type_name())))
}

/// The kind and key of a global id (`None`: not one).
pub fn parse_global(id: &str) -> Option<(Kind, String)> {
    let bytes = URL_SAFE_NO_PAD.decode(id.trim()).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (name, key) = text.split_once(':')?;
    Some((Kind::named(name)?, key.to_owned()))
}

/// The key an id argument names: the global id of `kind`, or the bare key (the row number;
/// an upload's key). A global id of another type is `VALIDATION`.
pub fn key_id(id: &ID, kind: Kind) -> AppResult<String> {
    match parse_global(id) {
        Some((found, key)) if kind.accepts(found) => Ok(key),
        Some((found, _)) => Err(AppError::validation(format!(
            "{} is the id of a {}, not of a {}",
            id.as_str(),
            found.what(),
            kind.what()
        ))
        .with("expected", kind.type_name())
        .with("found", found.type_name())),
        None => Ok(id.trim().to_owned()),
    }
}

/// The row number an id argument names (see [`key_id`]); `NOT_FOUND` when it names none.
pub fn int_id(id: &ID, kind: Kind) -> AppResult<i32> {
    key_id(id, kind)?
        .parse::<i32>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| AppError::not_found(kind.what()))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn global_ids_round_trip_and_name_their_type() {
        let id = global_id(Kind::SavedPanel, 42);
        assert!(!id.contains("42"));
        assert_eq!(int_id(&id, Kind::SavedPanel).ok(), Some(42));
        assert_eq!(int_id(&ID::from("42"), Kind::SavedPanel).ok(), Some(42));
        let wrong = int_id(&global_id(Kind::Team, 42), Kind::SavedPanel).err();
        assert_eq!(wrong.map(|e| e.code), Some(shared::ErrorCode::Validation));
        let person = global_id(Kind::Person, 7);
        assert_eq!(int_id(&person, Kind::User).ok(), Some(7));
        for missing in ["", "abc", "-1", "0"] {
            let error = int_id(&ID::from(missing), Kind::Share).err();
            assert_eq!(
                error.map(|e| e.code),
                Some(shared::ErrorCode::NotFound),
                "{missing}"
            );
        }
        assert_eq!(
            key_id(&global_id(Kind::UploadedList, "u-1"), Kind::UploadedList)
                .ok()
                .as_deref(),
            Some("u-1")
        );
    }
}
