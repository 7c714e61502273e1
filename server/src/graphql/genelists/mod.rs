//! Gene lists over GraphQL: uploads (multipart), merge previews and exports behind signed
//! download links. Where panels and gene symbols come from is the services' business
//! (`services::merge::PanelSources`, chosen when the state is built).

mod inputs;
pub(crate) mod types;

#[cfg(test)]
mod tests;

use std::io::Read;

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
use crate::genelists::upload::ParseOptions;
use crate::services::uploads;

/// `node(id:)` for an `UploadedList`: one of the caller's own.
pub async fn upload_node(ctx: &Context<'_>, key: &str) -> crate::error::AppResult<UploadedList> {
    ctx.require(Action::UseWorkbench)?;
    let mut found = ctx
        .state()
        .uploads
        .lists(ctx.principal(), &[key.to_owned()])
        .await?;
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
        let span = PageArgs::new(first, after, last, before).key_span(
            "uploads",
            paging::DEFAULT_ROWS,
            paging::MAX_ROWS,
        )?;
        let page = ctx
            .state()
            .uploads
            .page(
                ctx.principal(),
                span.places(uploads::UploadPlace::from_key)?,
            )
            .await?;
        let lists = page
            .rows
            .into_iter()
            .map(|row| {
                let key = uploads::place(&row).to_key();
                Ok((
                    key,
                    UploadedList::from(uploads::UploadView::from_model(row)?),
                ))
            })
            .collect::<Result<Vec<_>, AppError>>()?;
        Ok(span.connection(lists, page.more, page.total))
    }

    /// The merged list of panel selections and your uploads, with provenance and overlap.
    async fn merge_preview(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The panels and uploads to merge. NOT_FOUND names a panel (and version) or upload that does not exist; UPSTREAM_UNAVAILABLE when a panel can not be loaded right now."
        )]
        input: MergeInput,
    ) -> Result<MergeResultOut> {
        ctx.require(Action::UseWorkbench)?;
        let request = input.parse()?;
        let merged = ctx.state().merges.run(ctx.principal(), &request).await?;
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
        #[graphql(
            desc = "The file (GraphQL multipart request; send the `apollo-require-preflight` header). Refusals carry `reason` (an `UploadRejection` value such as NO_GENE_COLUMN or UNKNOWN_SHEET) and, when known, `columns`, `sheets`, `row` and `limit`: PAYLOAD_TOO_LARGE for FILE_TOO_LARGE, ZIP_BOMB and SHEET_TOO_LARGE (the limit is `MAX_UPLOAD_SIZE`), VALIDATION otherwise."
        )]
        file: Upload,
        #[graphql(
            desc = "The column holding the gene symbols, by header (case and spacing ignored) or 1-based number, when it is not recognised by itself; VALIDATION with `reason: UNKNOWN_COLUMN` and the `columns` when there is no such column."
        )]
        column: Option<String>,
        #[graphql(
            desc = "The workbook sheet to read, by name (case-insensitive); VALIDATION with `reason: UNKNOWN_SHEET` and the `sheets` when there is none. Absent: the first sheet whose gene column is recognised by its header, else the first whose lone column holds symbols."
        )]
        sheet: Option<String>,
    ) -> Result<UploadedList> {
        ctx.require(Action::UploadGeneList)?;
        let state = ctx.state();
        let principal = ctx.principal();
        if !principal.can_own() {
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
        let principal = ctx.request().principal();
        let view = state.uploads.store(principal, upload).await?;
        Ok(UploadedList::from(view))
    }

    /// Removes one of your uploads.
    async fn remove_upload(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The upload's id; NOT_FOUND when it is not one of yours.")] id: ID,
    ) -> Result<bool> {
        ctx.require(Action::UseWorkbench)?;
        let key = key_id(&id, Kind::UploadedList)?;
        Ok(ctx.state().uploads.remove(ctx.principal(), &key).await?)
    }

    /// Prepares a download of the merged list and returns a short-lived signed link to it.
    /// `perSourceSheets` adds one sheet per source (XLSX, default false) or Flask's "original
    /// panels" sheets (XLSX_FLASK, default true, as Flask's "Include original panels");
    /// `chrPrefix` (BED, default true) writes `chr1` rather than `1`. With a `template`, its
    /// settings (format, columns, row filters, options) apply; `format`, `perSourceSheets` and
    /// `chrPrefix` given as well override the template's.
    #[allow(clippy::too_many_arguments)]
    async fn export_merge(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to merge, as for `mergePreview`.")] input: MergeInput,
        #[graphql(
            desc = "The file format; required without a `template` (VALIDATION with `field: format`)."
        )]
        format: Option<ExportFormat>,
        #[graphql(
            desc = "The file name wanted (without extension): made safe (path separators and reserved characters become `-`, at most 120 characters) and given the format's extension. Absent: `panelmerge_gene_list_<YYYY-MM-DD>`."
        )]
        filename: Option<String>,
        #[graphql(
            desc = "XLSX: add one sheet per source (default false). XLSX_FLASK: add Flask's \"original panels\" sheets (default true). VALIDATION (`field: perSourceSheets`) with a template of another format."
        )]
        per_source_sheets: Option<bool>,
        #[graphql(desc = "BED: write `chr1` (default true) or `1`. Ignored by other formats.")]
        chr_prefix: Option<bool>,
        #[graphql(
            desc = "An export template's id (one you may apply; NOT_FOUND with `field: template` otherwise): its settings shape the file."
        )]
        template: Option<ID>,
    ) -> Result<DownloadOut> {
        ctx.require(Action::DownloadMerge)?;
        let (settings, templated) = super::export_templates::export_settings(
            ctx,
            template.as_ref(),
            format,
            per_source_sheets,
            chr_prefix,
        )
        .await?;
        let state = ctx.state();
        let principal = ctx.principal();
        let request = input.parse()?;
        let merged = state.merges.run(principal, &request).await?;
        let mut export = ExportRequest {
            format: settings.format,
            filename,
            per_source_sheets: settings.per_source_sheets,
            chr_prefix: settings.chr_prefix,
            columns: Vec::new(),
            merge: merged.result,
            provenance: merged.provenance,
            original_panels: merged.panels,
        };
        if templated {
            export.apply(&settings);
        }
        let download = state.downloads.prepare_download(principal, export).await?;
        Ok(DownloadOut::from(download))
    }
}
