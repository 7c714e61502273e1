//! Zip-bomb defence for XLSX: the central directory's declared sizes must fit the limit, and
//! so must what the entries really expand to (read with a cap, so a lying header can not make
//! us inflate more than the limit plus one byte).

use std::io::{Cursor, Read};

use shared::upload::UploadRejection;

use super::UploadError;

/// More entries than any real workbook has.
const MAX_ENTRIES: usize = 10_000;

fn bomb(message: String, limit: u64) -> UploadError {
    UploadError::new(UploadRejection::ZipBomb, message).limit(limit)
}

fn unreadable(e: impl std::fmt::Display) -> UploadError {
    UploadError::new(
        UploadRejection::Unreadable,
        format!("the workbook is damaged or encrypted: {e}"),
    )
}

/// Checks the archive and returns its entry names.
pub(crate) fn check(bytes: &[u8], max_uncompressed: u64) -> Result<Vec<String>, UploadError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(unreadable)?;
    if archive.len() > MAX_ENTRIES {
        return Err(bomb(
            format!(
                "the archive has {} entries; a workbook has far fewer",
                archive.len()
            ),
            max_uncompressed,
        ));
    }
    let mut names = Vec::with_capacity(archive.len());
    let mut declared: u64 = 0;
    for i in 0..archive.len() {
        let entry = archive.by_index_raw(i).map_err(unreadable)?;
        declared = declared.saturating_add(entry.size());
        let name = entry.name().map_err(unreadable)?.into_owned();
        // Two entries of one name: which one a reader takes is up to the reader; the one
        // checked here might not be the one read.
        if names.iter().any(|n: &String| n.eq_ignore_ascii_case(&name)) {
            return Err(unreadable(format!("two entries are named {name:?}")));
        }
        names.push(name);
    }
    if declared > max_uncompressed {
        return Err(bomb(
            format!(
                "the workbook declares {declared} bytes uncompressed; at most \
                 {max_uncompressed} are accepted"
            ),
            max_uncompressed,
        ));
    }
    let mut actual: u64 = 0;
    let mut buffer = vec![0u8; 64 * 1024];
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).map_err(unreadable)?;
        let declared_size = entry.size();
        let mut entry_total: u64 = 0;
        loop {
            let n = match entry.read(&mut buffer) {
                Ok(0) => break,
                Ok(n) => n as u64,
                // The zip reader stops an entry that outgrows its declared size: a lie.
                Err(_) if entry_total >= declared_size => {
                    return Err(bomb(
                        format!(
                            "an entry of the workbook expands past its declared size of \
                             {declared_size} bytes"
                        ),
                        max_uncompressed,
                    ));
                }
                Err(e) => return Err(unreadable(e)),
            };
            entry_total += n;
            actual += n;
            if actual > max_uncompressed || entry_total > declared_size {
                return Err(bomb(
                    format!(
                        "the workbook expands to more than its declared size or the limit of \
                         {max_uncompressed} bytes"
                    ),
                    max_uncompressed,
                ));
            }
        }
    }
    Ok(names)
}
