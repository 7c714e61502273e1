//! The workbench kept in the account (issue 17.5): `workbench` and `saveWorkbench`.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use shared::{Confidence, EntityType, Source};

use super::ContextExt;
use super::node::{Kind, global_id, key_id};
use crate::services::workbench::{self, Content, StoredPanel};

/// One panel on the workbench: which exact version, and what is taken from it.
#[derive(SimpleObject, InputObject, Clone)]
#[graphql(input_name = "WorkbenchPanelInput")]
pub struct WorkbenchPanel {
    /// The PanelApp instance.
    pub source: Source,
    /// The panel's id in that instance.
    pub panel_id: u32,
    /// The exact version, such as "8.125".
    pub version: String,
    /// The evidence levels taken.
    pub confidence: Vec<Confidence>,
    /// The entity types taken.
    pub types: Vec<EntityType>,
}

/// The workbench kept in the caller's account.
#[derive(SimpleObject)]
pub struct Workbench {
    /// The panels on the workbench, in the order they were added.
    pub panels: Vec<WorkbenchPanel>,
    /// Uploads (of the caller's `uploads`) left out of the merge.
    pub left_out_uploads: Vec<ID>,
    /// When it was last saved.
    pub updated_at: DateTime<Utc>,
}

/// What to keep: it replaces the workbench kept before.
#[derive(InputObject)]
pub struct WorkbenchInput {
    /// At most 100 panels, each version once.
    pub panels: Vec<WorkbenchPanel>,
    /// Uploads left out of the merge, at most 500.
    pub left_out_uploads: Vec<ID>,
}

impl From<workbench::Stored> for Workbench {
    fn from(stored: workbench::Stored) -> Self {
        Self {
            panels: stored
                .content
                .panels
                .into_iter()
                .map(|p| WorkbenchPanel {
                    source: p.source,
                    panel_id: p.panel_id,
                    version: p.version,
                    confidence: p.confidence,
                    types: p.types,
                })
                .collect(),
            left_out_uploads: stored
                .content
                .left_out_uploads
                .into_iter()
                .map(|key| global_id(Kind::UploadedList, key))
                .collect(),
            updated_at: stored.updated_at,
        }
    }
}

#[derive(Default)]
pub struct WorkbenchQuery;

#[Object]
impl WorkbenchQuery {
    /// The workbench kept in your account; null when none was saved yet.
    async fn workbench(&self, ctx: &Context<'_>) -> Result<Option<Workbench>> {
        let user = ctx.require_user()?;
        Ok(ctx
            .state()
            .workbenches
            .load(user.id())
            .await?
            .map(Workbench::from))
    }
}

#[derive(Default)]
pub struct WorkbenchMutation;

#[Object]
impl WorkbenchMutation {
    /// Keeps the workbench in your account (replacing what was kept), so it comes back after
    /// login in another browser. Bounded: at most 100 panels and 500 left-out uploads.
    async fn save_workbench(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The whole workbench. VALIDATION naming `panels[i]` for a version that is not like \"8.125\" or a panel version listed twice, `leftOutUploads[i]` for a malformed id."
        )]
        input: WorkbenchInput,
    ) -> Result<Workbench> {
        let user = ctx.require_user()?;
        let content = Content {
            panels: input
                .panels
                .into_iter()
                .map(|p| StoredPanel {
                    source: p.source,
                    panel_id: p.panel_id,
                    version: p.version.trim().to_owned(),
                    confidence: p.confidence,
                    types: p.types,
                })
                .collect(),
            left_out_uploads: input
                .left_out_uploads
                .iter()
                .map(|id| key_id(id, Kind::UploadedList))
                .collect::<Result<_, _>>()?,
        };
        let stored = ctx
            .state()
            .workbenches
            .save(ctx.principal(), user.id(), content)
            .await?;
        Ok(stored.into())
    }
}
