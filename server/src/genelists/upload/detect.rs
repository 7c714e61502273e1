//! What a file really is, from its first bytes: a ZIP (XLSX), an OLE2 compound file (XLS), or
//! text (UTF-8 with or without BOM, UTF-16 with BOM, else Windows-1252). Binary garbage is
//! refused.

use shared::upload::UploadRejection;

use super::UploadError;

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
const ZIP_EMPTY_MAGIC: &[u8] = b"PK\x05\x06";
const OLE_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Content {
    Zip,
    Ole,
    /// Decoded text; `latin1` when it was not UTF-8 and was read as Windows-1252.
    Text {
        text: String,
        latin1: bool,
    },
}

fn unsupported() -> UploadError {
    UploadError::new(
        UploadRejection::UnsupportedContent,
        "the file is neither a spreadsheet (XLSX, XLS) nor text (CSV, TSV, one symbol per \
         line); its content looks binary",
    )
}

/// Control characters other than tab, line feed, form feed and carriage return.
fn is_binary_char(c: char) -> bool {
    c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\u{0c}')
}

fn check_text(text: String, latin1: bool) -> Result<Content, UploadError> {
    let total = text.chars().count().max(1);
    let binary = text.chars().filter(|c| is_binary_char(*c)).count();
    // A stray control character is tolerated; anything more than 1 in 1000 is not text.
    if text.contains('\0') || binary * 1000 > total {
        return Err(unsupported());
    }
    if text
        .trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}')
        .is_empty()
    {
        return Err(UploadError::new(
            UploadRejection::EmptyFile,
            "the file is empty",
        ));
    }
    Ok(Content::Text { text, latin1 })
}

fn decode_utf16(bytes: &[u8], little_endian: bool) -> Result<String, UploadError> {
    if !bytes.len().is_multiple_of(2) {
        return Err(unsupported());
    }
    let units = bytes.chunks_exact(2).map(|pair| {
        if little_endian {
            u16::from_le_bytes([pair[0], pair[1]])
        } else {
            u16::from_be_bytes([pair[0], pair[1]])
        }
    });
    char::decode_utf16(units)
        .collect::<Result<String, _>>()
        .map_err(|_| unsupported())
}

/// Windows-1252: Latin-1 plus the printable characters Windows puts in 0x80–0x9F.
fn decode_cp1252(bytes: &[u8]) -> String {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž',
        '\u{8f}', '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}',
        'ž', 'Ÿ',
    ];
    bytes
        .iter()
        .map(|&b| match b {
            0x80..=0x9F => HIGH[usize::from(b - 0x80)],
            _ => char::from(b),
        })
        .collect()
}

pub(crate) fn sniff(bytes: &[u8]) -> Result<Content, UploadError> {
    if bytes.is_empty() {
        return Err(UploadError::new(
            UploadRejection::EmptyFile,
            "the file is empty",
        ));
    }
    if bytes.starts_with(ZIP_MAGIC) || bytes.starts_with(ZIP_EMPTY_MAGIC) {
        return Ok(Content::Zip);
    }
    if bytes.starts_with(OLE_MAGIC) {
        return Ok(Content::Ole);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        let text = String::from_utf8(rest.to_vec()).map_err(|_| unsupported())?;
        return check_text(text, false);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        return check_text(decode_utf16(rest, true)?, false);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        return check_text(decode_utf16(rest, false)?, false);
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => check_text(text.to_owned(), false),
        Err(_) => {
            if bytes.contains(&0) {
                return Err(unsupported());
            }
            check_text(decode_cp1252(bytes), true)
        }
    }
}
