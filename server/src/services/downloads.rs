//! Short-lived, signed download links. An export is rendered once, kept in the shared cache
//! (Redis when configured, so any instance serves it) under a random key for
//! `DOWNLOAD_LINK_TTL`, and fetched with `GET /download/{key}.{expires}.{signature}`.
//! Every download is audited once as `FILE_ACCESS`, naming the user who prepared the export
//! (the export mutation itself writes no row), and logged in `panel_download`. Forged or expired
//! links are audited `SECURITY_VIOLATION`.

use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use entity::panel_download;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, DatabaseConnection, EntityTrait};
use serde::{Deserialize, Serialize};
use serde_json::json;
use shared::AuditResourceKind;
use shared::merge::SourceKind;
use shared::{AuditAction, ErrorCode};

use super::audit::{Audit, AuditOrigin, AuditRecord};
use crate::auth::Principal;
use crate::backend::Backends;
use crate::crypto::{Signer, random_token};
use crate::db::int;
use crate::error::{AppError, AppResult, OrInternal};
use crate::genelists::export::{ExportReport, ExportRequest, render};

/// A prepared download.
#[derive(Debug, Clone)]
pub struct Download {
    /// Path of the signed link (`/download/…`), relative to the server.
    pub url: String,
    pub filename: String,
    pub expires_at: DateTime<Utc>,
    pub report: ExportReport,
}

/// What is kept next to the bytes: enough to serve, audit and log the download.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Envelope {
    pub filename: String,
    pub content_type: String,
    pub format: String,
    pub user_id: Option<i32>,
    pub visitor_id: Option<String>,
    /// `uk-402@8.125,upload:<id>`: every source, as the download log lists them.
    pub panel_ids: String,
    /// Selected levels per source (`GREEN+AMBER`, `User upload`), comma separated.
    pub list_types: String,
    /// Rows of the merged list (genes, STRs, regions), as the log's gene count.
    pub genes: usize,
    /// Rows written to the file (BED leaves out rows without coordinates).
    pub rows: usize,
}

fn cache_key(key: &str) -> String {
    format!("download:{key}")
}

fn signed_message(key: &str, expires: i64) -> String {
    format!("download:{key}:{expires}")
}

/// `[u32 header length, big endian][header JSON][content]`.
fn pack(envelope: &Envelope, bytes: &[u8]) -> AppResult<Vec<u8>> {
    let header = serde_json::to_vec(envelope).or_internal("download envelope")?;
    let len = u32::try_from(header.len()).or_internal("download envelope length")?;
    let mut out = Vec::with_capacity(4 + header.len() + bytes.len());
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(&header);
    out.extend_from_slice(bytes);
    Ok(out)
}

fn unpack(stored: Vec<u8>) -> AppResult<(Envelope, Vec<u8>)> {
    let len_bytes: [u8; 4] = stored
        .get(..4)
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| AppError::internal("download entry too short"))?;
    let len = u32::from_be_bytes(len_bytes) as usize;
    let header = stored
        .get(4..4 + len)
        .ok_or_else(|| AppError::internal("download entry header truncated"))?;
    let envelope: Envelope = serde_json::from_slice(header).or_internal("download envelope")?;
    Ok((envelope, stored[4 + len..].to_vec()))
}

fn describe_sources(request: &ExportRequest) -> (String, String) {
    let mut ids = Vec::new();
    let mut types = Vec::new();
    for s in &request.merge.sources {
        match s.kind {
            SourceKind::Panel => {
                let prefix = s.source.map(|x| x.prefix()).unwrap_or("panel");
                let id = s.panel_id.unwrap_or_default();
                match s.version {
                    Some(v) => ids.push(format!("{prefix}-{id}@{v}")),
                    None => ids.push(format!("{prefix}-{id}")),
                }
                let levels: Vec<&str> = s.confidence.iter().map(|c| c.as_str()).collect();
                types.push(levels.join("+"));
            }
            SourceKind::Upload => {
                ids.push(format!("upload:{}", s.upload_id.as_deref().unwrap_or("")));
                types.push(shared::upload::UPLOAD_LIST_TYPE.to_owned());
            }
        }
    }
    (ids.join(","), types.join(","))
}

/// The zip of every request's rendered file, and the rows written in all.
fn bundle(requests: &[ExportRequest]) -> AppResult<(Vec<u8>, usize)> {
    use std::io::Write;
    let mut out = std::io::Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut out);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let mut names: Vec<String> = Vec::new();
    let mut rows = 0;
    for request in requests {
        let rendered = render(request).or_internal("export")?;
        rows += rendered.report.rows;
        let name = unique_name(&names, &rendered.filename);
        zip.start_file(name.as_str(), options)
            .or_internal("zip entry")?;
        zip.write_all(&rendered.bytes).or_internal("zip entry")?;
        names.push(name);
    }
    zip.finish().or_internal("zip archive")?;
    Ok((out.into_inner(), rows))
}

/// `name` if unused in `taken`, else "stem (2).ext", "stem (3).ext", …
fn unique_name(taken: &[String], name: &str) -> String {
    if !taken.iter().any(|t| t == name) {
        return name.to_owned();
    }
    let (stem, ext) = name.rsplit_once('.').unwrap_or((name, ""));
    (2..)
        .map(|n| {
            if ext.is_empty() {
                format!("{stem} ({n})")
            } else {
                format!("{stem} ({n}).{ext}")
            }
        })
        .find(|candidate| !taken.iter().any(|t| t == candidate))
        .unwrap_or_else(|| name.to_owned())
}

/// A served download.
#[derive(Debug)]
pub struct Served {
    pub envelope: Envelope,
    pub bytes: Vec<u8>,
}

/// Prepared downloads: exports stored once and served through signed, expiring links. Built once with the state.
#[derive(Clone)]
pub struct Downloads {
    pub(crate) db: DatabaseConnection,
    pub(crate) audit: Audit,
    pub(crate) signer: Signer,
    pub(crate) link_ttl: Duration,
    /// Where prepared files wait for their link (the cache backend).
    pub(crate) backends: Backends,
}

impl Downloads {
    /// Renders the export and returns a signed link to it, valid for `DOWNLOAD_LINK_TTL`.
    #[tracing::instrument(skip_all, fields(format = %request.format, rows = request.merge.total))]
    pub async fn prepare_download(
        &self,
        principal: &Principal,
        request: ExportRequest,
    ) -> AppResult<Download> {
        let (panel_ids, list_types) = describe_sources(&request);
        let format = request.format;
        let genes = request.merge.total;
        let rendered = tokio::task::spawn_blocking(move || render(&request))
            .await
            .or_internal("export task")?
            .or_internal("export")?;
        let envelope = Envelope {
            filename: rendered.filename.clone(),
            content_type: rendered.content_type.to_owned(),
            format: format.as_str().to_owned(),
            user_id: principal.user_id(),
            visitor_id: principal.visitor_id().map(str::to_owned),
            panel_ids,
            list_types,
            genes,
            rows: rendered.report.rows,
        };
        self.store(envelope, rendered.bytes, rendered.report).await
    }

    /// Renders every request and returns one signed link to a zip archive holding one file per
    /// request (issue 14.5: bulk export of saved panels). File names are made unique within the
    /// archive ("name (2).csv"); the download is audited and logged once, naming every source.
    #[tracing::instrument(skip_all, fields(files = requests.len()))]
    pub async fn prepare_bundle(
        &self,
        principal: &Principal,
        requests: Vec<ExportRequest>,
        filename: &str,
    ) -> AppResult<Download> {
        let described: Vec<(String, String)> = requests.iter().map(describe_sources).collect();
        let genes = requests.iter().map(|r| r.merge.total).sum();
        let format = requests
            .first()
            .map(|r| r.format.as_str().to_owned())
            .unwrap_or_default();
        let (bytes, rows) = tokio::task::spawn_blocking(move || bundle(&requests))
            .await
            .or_internal("export task")??;
        let envelope = Envelope {
            filename: filename.to_owned(),
            content_type: "application/zip".to_owned(),
            format: format!("ZIP of {format}"),
            user_id: principal.user_id(),
            visitor_id: principal.visitor_id().map(str::to_owned),
            panel_ids: described
                .iter()
                .map(|d| d.0.as_str())
                .collect::<Vec<_>>()
                .join(";"),
            list_types: described
                .iter()
                .map(|d| d.1.as_str())
                .collect::<Vec<_>>()
                .join(";"),
            genes,
            rows,
        };
        let report = ExportReport {
            rows,
            without_coordinates: Vec::new(),
        };
        self.store(envelope, bytes, report).await
    }

    /// Keeps `bytes` in the shared cache and signs a link to them.
    async fn store(
        &self,
        envelope: Envelope,
        bytes: Vec<u8>,
        report: ExportReport,
    ) -> AppResult<Download> {
        let ttl = self.link_ttl.max(Duration::from_secs(1));
        let key = random_token(24).or_internal("download key")?;
        let stored = pack(&envelope, &bytes)?;
        self.backends
            .cache
            .set(&cache_key(&key), &stored, Some(ttl))
            .await?;
        let expires_at = Utc::now() + chrono::Duration::from_std(ttl).or_internal("link ttl")?;
        let expires = expires_at.timestamp();
        let signature = self.signer.sign(&signed_message(&key, expires));
        Ok(Download {
            url: format!("/download/{key}.{expires}.{signature}"),
            filename: envelope.filename,
            expires_at: Utc.timestamp_opt(expires, 0).single().unwrap_or(expires_at),
            report,
        })
    }

    /// Checks a link token (signature, expiry), fetches the content, and audits and logs the
    /// download in one transaction.
    #[tracing::instrument(skip_all)]
    pub async fn serve(&self, token: &str, principal: Principal) -> AppResult<Served> {
        match self.check_link(token) {
            Ok(key) => self.fetch(key, principal).await,
            Err((e, reason)) => {
                // Forged or replayed-after-expiry links are security events (throttled per address).
                let ip = principal.ip().map(|ip| ip.to_string()).unwrap_or_default();
                if self.audit.first_in_window(&format!("download-link:{ip}")) {
                    let record = AuditRecord::new(
                        AuditAction::SecurityViolation,
                        format!("download refused: {reason}"),
                    )
                    .resource(AuditResourceKind::Download, "link")
                    .failed(e.message.clone())
                    .details(json!({ "reason": reason }));
                    if let Err(write) = self.audit.record(&self.db, &principal, record).await {
                        tracing::error!(error = %write.message, "download refusal not audited");
                    }
                }
                Err(e)
            }
        }
    }

    /// The cache key of a well-signed, unexpired link token, or the error and why it was refused.
    fn check_link<'t>(&self, token: &'t str) -> Result<&'t str, (AppError, &'static str)> {
        let invalid = |reason| {
            (
                AppError::new(ErrorCode::Forbidden, "the download link is not valid"),
                reason,
            )
        };
        let mut parts = token.splitn(3, '.');
        let (Some(key), Some(expires), Some(signature)) =
            (parts.next(), parts.next(), parts.next())
        else {
            return Err(invalid("malformed link"));
        };
        let expires: i64 = expires.parse().map_err(|_| invalid("malformed link"))?;
        if !self.signer.verify(&signed_message(key, expires), signature) {
            return Err(invalid("forged or altered signature"));
        }
        if Utc::now().timestamp() > expires {
            return Err((
                AppError::new(
                    ErrorCode::NotFound,
                    "the download link has expired; export again for a new one",
                )
                .status(410),
                "expired link",
            ));
        }
        Ok(key)
    }

    /// Serves a checked link: one FILE_ACCESS row naming the user who prepared the export (the
    /// link is theirs), logged in `panel_download` in the same transaction.
    async fn fetch(&self, key: &str, principal: Principal) -> AppResult<Served> {
        let stored = self
            .backends
            .cache
            .get(&cache_key(key))
            .await?
            .ok_or_else(|| AppError::not_found("the download (it has expired)"))?;
        let (envelope, bytes) = unpack(stored)?;
        let username = match envelope.user_id {
            Some(id) => entity::user::Entity::find_by_id(id)
                .one(&self.db)
                .await?
                .map(|user| user.username),
            None => None,
        };
        // The link is the preparer's: the row names them, from the downloader's address.
        let origin = AuditOrigin {
            user_id: envelope.user_id,
            username,
            ..AuditOrigin::from(&principal)
        };
        let now = Utc::now();
        let txn = crate::db::begin_write(&self.db).await?;
        panel_download::ActiveModel {
            user_id: Set(envelope.user_id),
            ip_address: Set(origin.ip.clone()),
            download_date: Set(now),
            panel_ids: Set(envelope.panel_ids.clone()),
            list_types: Set(envelope.list_types.clone()),
            gene_count: Set(Some(int(envelope.genes))),
            format: Set(Some(envelope.format.clone())),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        let record = AuditRecord::new(
            AuditAction::FileAccess,
            format!("downloaded {} ({})", envelope.filename, envelope.format),
        )
        .resource(AuditResourceKind::Download, &envelope.filename)
        .details(json!({
            "format": envelope.format,
            "genes": envelope.genes,
            "rows": envelope.rows,
            "sources": envelope.panel_ids,
            "list_types": envelope.list_types,
            "visitor": envelope.visitor_id.is_some(),
        }));
        let mut event = self.audit.write_as(&txn, &origin, record).await?;
        event.counter = principal.counter().cloned();
        txn.commit().await?;
        self.audit.publish([event]).await;
        Ok(Served { envelope, bytes })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundle_names_are_unique() {
        let taken = vec!["a.csv".to_owned(), "a (2).csv".to_owned()];
        assert_eq!(unique_name(&taken, "b.csv"), "b.csv");
        assert_eq!(unique_name(&taken, "a.csv"), "a (3).csv");
        assert_eq!(unique_name(&[], "x"), "x");
        assert_eq!(unique_name(&["x".to_owned()], "x"), "x (2)");
    }

    #[test]
    fn envelopes_pack_and_unpack() {
        let envelope = Envelope {
            filename: "a.csv".into(),
            content_type: "text/csv".into(),
            format: "CSV".into(),
            user_id: Some(3),
            visitor_id: None,
            panel_ids: "uk-402@8.125,upload:x".into(),
            list_types: "GREEN+AMBER,User upload".into(),
            genes: 2,
            rows: 2,
        };
        let packed = pack(&envelope, b"GeneSymbol\r\nBRCA1\r\n").unwrap();
        let (back, bytes) = unpack(packed).unwrap();
        assert_eq!(back, envelope);
        assert_eq!(bytes, b"GeneSymbol\r\nBRCA1\r\n");
        assert!(unpack(vec![0, 0, 1]).is_err());
        assert!(unpack(vec![0, 0, 0, 9, b'{']).is_err());
    }
}
