//! Gene lists over GraphQL: uploads (multipart), merge previews and exports behind signed
//! download links.
//!
//! Panel data and alias resolution are plugged in as schema data: an
//! `Arc<dyn PanelLoader>` (merges that select panels need it) and an
//! `Arc<dyn SymbolResolver>` (uploads map aliases and flag unknown symbols with it).

mod inputs;
pub(crate) mod types;

#[cfg(test)]
mod tests;

use std::io::Read;
use std::sync::Arc;

use async_graphql::{Context, ID, Object, Result, Upload};
use shared::ExportFormat;
use shared::upload::UploadRejection;

pub use inputs::{MergeInput, PanelSelection};
pub use types::{DownloadOut, MergeResultOut, UploadedList};

use super::context::ContextExt;
use super::node::{Kind, key_id};
use super::paging::{self, Page, PageArgs};
use crate::auth::permissions::Action;
use crate::error::AppError;
use crate::genelists::export::ExportRequest;
use crate::genelists::upload::{ParseOptions, SymbolResolver};
use crate::services::merge::PanelLoader;
use crate::services::{downloads, merge, uploads};

fn resolver(ctx: &Context<'_>) -> Option<Arc<dyn SymbolResolver>> {
    ctx.data_opt::<Arc<dyn SymbolResolver>>().cloned()
}

fn loader<'a>(ctx: &'a Context<'_>) -> Option<&'a dyn PanelLoader> {
    ctx.data_opt::<Arc<dyn PanelLoader>>().map(|l| l.as_ref())
}

/// `node(id:)` for an `UploadedList`: one of the caller's own.
pub async fn upload_node(ctx: &Context<'_>, key: &str) -> crate::error::AppResult<UploadedList> {
    ctx.require(Action::UseWorkbench)?;
    let mut found = uploads::lists(ctx.state(), &ctx.caller(), &[key.to_owned()]).await?;
    found
        .pop()
        .map(UploadedList::from)
        .ok_or_else(|| AppError::not_found("upload"))
}

#[derive(Default)]
pub struct GeneListsQuery;

#[Object]
impl GeneListsQuery {
    /// Your uploaded gene lists, oldest first (an anonymous visitor's are kept for
    /// `UPLOAD_TTL`; 100 per page unless `first`/`last` say otherwise, at most 500).
    #[graphql(complexity = "paging::hundreds(first, last) * child_complexity")]
    async fn uploads(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Uploads from the start (oldest first), 1 to 500.")] first: Option<i32>,
        #[graphql(desc = "The `cursor` of the edge to start after.")] after: Option<String>,
        #[graphql(desc = "Uploads from the end (newest), 1 to 500.")] last: Option<i32>,
        #[graphql(desc = "The `cursor` of the edge to end before.")] before: Option<String>,
    ) -> Result<Page<UploadedList>> {
        ctx.require(Action::UseWorkbench)?;
        let args = PageArgs::new(first, after, last, before);
        let Some(query) = uploads::list_query(&ctx.caller())? else {
            let window = args.window("uploads", 0, paging::DEFAULT_ROWS, paging::MAX_ROWS)?;
            return Ok(window.connection(Vec::new()));
        };
        let (window, rows) = paging::select_page(
            &ctx.state().db,
            query,
            &args,
            "uploads",
            paging::DEFAULT_ROWS,
            paging::MAX_ROWS,
        )
        .await?;
        let lists = rows
            .into_iter()
            .map(|row| uploads::UploadView::from_model(row).map(UploadedList::from))
            .collect::<Result<Vec<_>, AppError>>()?;
        Ok(window.connection(lists))
    }

    /// The merged list of panel selections and your uploads, with provenance and overlap.
    async fn merge_preview(&self, ctx: &Context<'_>, input: MergeInput) -> Result<MergeResultOut> {
        ctx.require(Action::UseWorkbench)?;
        let request = input.parse()?;
        let merged = merge::run(ctx.state(), &ctx.caller(), &request, loader(ctx)).await?;
        Ok(MergeResultOut::from(&merged.result))
    }
}

#[derive(Default)]
pub struct GeneListsMutation;

#[Object]
impl GeneListsMutation {
    /// Uploads a gene list (CSV, TSV, XLS, XLSX or one symbol per line). Earlier uploads are
    /// kept. `column` names the gene column when its header is not recognised; `sheet`
    /// picks a workbook sheet.
    async fn upload_gene_list(
        &self,
        ctx: &Context<'_>,
        file: Upload,
        column: Option<String>,
        sheet: Option<String>,
    ) -> Result<UploadedList> {
        ctx.require(Action::UploadGeneList)?;
        let state = ctx.state();
        let caller = ctx.caller();
        if !caller.is_known() {
            return Err(AppError::unauthenticated().into());
        }
        let value = file.value(ctx)?;
        let filename = value.filename.clone();
        let limit = state.settings.body.max_upload_bytes;
        let bytes = tokio::task::spawn_blocking(move || {
            let mut bytes = Vec::new();
            value
                .into_read()
                .take(limit as u64 + 1)
                .read_to_end(&mut bytes)
                .map(|_| bytes)
        })
        .await
        .map_err(|e| AppError::internal(format!("upload read task: {e}")))?
        .map_err(|e| {
            AppError::validation(format!("the uploaded file could not be read: {e}"))
                .with("reason", UploadRejection::Unreadable.as_str())
        })?;
        let upload = uploads::NewUpload {
            filename,
            bytes,
            options: ParseOptions { column, sheet },
        };
        let actor = ctx.request().actor();
        let view = uploads::store(state, &caller, &actor, upload, resolver(ctx)).await?;
        Ok(UploadedList::from(view))
    }

    /// Removes one of your uploads.
    async fn remove_upload(&self, ctx: &Context<'_>, id: ID) -> Result<bool> {
        ctx.require(Action::UseWorkbench)?;
        let actor = ctx.request().actor();
        let key = key_id(&id, Kind::UploadedList)?;
        Ok(uploads::remove(ctx.state(), &ctx.caller(), &actor, &key).await?)
    }

    /// Prepares a download of the merged list and returns a short-lived signed link to it.
    /// `perSourceSheets` adds one sheet per source (XLSX, default false) or Flask's "original
    /// panels" sheets (XLSX_FLASK, default true, as Flask's "Include original panels");
    /// `chrPrefix` (BED, default true) writes `chr1` rather than `1`.
    async fn export_merge(
        &self,
        ctx: &Context<'_>,
        input: MergeInput,
        format: ExportFormat,
        filename: Option<String>,
        per_source_sheets: Option<bool>,
        chr_prefix: Option<bool>,
    ) -> Result<DownloadOut> {
        ctx.require(Action::DownloadMerge)?;
        let state = ctx.state();
        let caller = ctx.caller();
        let request = input.parse()?;
        let merged = merge::run(state, &caller, &request, loader(ctx)).await?;
        let export = ExportRequest {
            format,
            filename,
            per_source_sheets: per_source_sheets.unwrap_or(format == ExportFormat::XlsxFlask),
            chr_prefix: chr_prefix.unwrap_or(true),
            merge: merged.result,
            provenance: merged.provenance,
            original_panels: merged.panels,
        };
        let download = downloads::prepare_download(state, &caller, export).await?;
        Ok(DownloadOut::from(download))
    }
}
