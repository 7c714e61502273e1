//! Global ids: `base64url("SavedPanel:42")`, unique across types. The API gives every
//! object one (`graphql::node` resolves them again); services name objects by them in the
//! messages they return, so the format lives below both.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

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
pub fn global_id(kind: Kind, key: impl std::fmt::Display) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}:{key}", kind.type_name()))
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
pub fn key_id(id: &str, kind: Kind) -> AppResult<String> {
    match parse_global(id) {
        Some((found, key)) if kind.accepts(found) => Ok(key),
        Some((found, _)) => Err(AppError::validation(format!(
            "{} is the id of a {}, not of a {}",
            id,
            found.what(),
            kind.what()
        ))
        .with("expected", kind.type_name())
        .with("found", found.type_name())),
        None => Ok(id.trim().to_owned()),
    }
}

/// The row number an id argument names (see [`key_id`]); `NOT_FOUND` when it names none.
pub fn int_id(id: &str, kind: Kind) -> AppResult<i32> {
    key_id(id, kind)?
        .parse::<i32>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| AppError::not_found(kind.what()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn global_ids_round_trip_and_name_their_type() {
        let id = global_id(Kind::SavedPanel, 42);
        assert!(!id.contains("42"));
        assert_eq!(int_id(&id, Kind::SavedPanel).ok(), Some(42));
        assert_eq!(int_id("42", Kind::SavedPanel).ok(), Some(42));
        let wrong = int_id(&global_id(Kind::Team, 42), Kind::SavedPanel).err();
        assert_eq!(wrong.map(|e| e.code), Some(shared::ErrorCode::Validation));
        let person = global_id(Kind::Person, 7);
        assert_eq!(int_id(&person, Kind::User).ok(), Some(7));
        for missing in ["", "abc", "-1", "0"] {
            let error = int_id(missing, Kind::Share).err();
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
