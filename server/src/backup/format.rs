//! The backup file: gzip'd JSON lines.
//!
//! ```text
//! {"header":{"format":"panelmerge-backup","format_version":1,"schema":[...],"tables":[...],...}}
//! {"table":"user"}
//! [1,"ada","ada@example.org",...]          one array per row, the header's column order
//! {"table":"audit_log"}
//! ...
//! {"end":{"rows":1234,"key_ids":["k1"],"sha256":"…"}}
//! ```
//!
//! The trailer's `sha256` covers every byte of every line before it (newlines included), so a
//! changed, missing or added line is found even when the gzip stream itself is intact.

use std::io::{BufRead, BufReader, Read, Write};

use anyhow::bail;
use chrono::{DateTime, Utc};
use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use ring::digest;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::schema::Column;

/// The `format` every backup header names.
pub const FORMAT: &str = "panelmerge-backup";
/// The version of the layout above this binary writes and reads.
pub const FORMAT_VERSION: u32 = 1;

/// The first line.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Header {
    pub format: String,
    pub format_version: u32,
    pub panelmerge_version: String,
    pub created_at: DateTime<Utc>,
    /// "sqlite" or "postgres": where the backup was made.
    pub source: String,
    /// The applied migrations, oldest first: the schema version.
    pub schema: Vec<String>,
    pub key: KeyCheck,
    /// Every table in the order its rows follow (parents before children).
    pub tables: Vec<TableHeader>,
}

/// Proof of the encryption key: a value sealed with the backing-up server's current key,
/// which restore opens without touching the data.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KeyCheck {
    pub key_id: String,
    /// The row the probe is bound to (a random id of this backup).
    pub row: String,
    pub probe: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TableHeader {
    pub name: String,
    pub rows: u64,
    pub columns: Vec<Column>,
}

/// The last line.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Trailer {
    pub rows: u64,
    /// The ids of every key the encrypted values are sealed with.
    pub key_ids: Vec<String>,
    pub sha256: String,
}

#[derive(Serialize)]
enum Marker<'a> {
    #[serde(rename = "header")]
    Header(&'a Header),
    #[serde(rename = "table")]
    Table(&'a str),
    #[serde(rename = "end")]
    End(&'a Trailer),
}

/// Writes lines, hashing them.
pub struct Writer<W: Write> {
    out: GzEncoder<W>,
    sha: digest::Context,
}

impl<W: Write> Writer<W> {
    pub fn new(out: W) -> Self {
        Self {
            out: GzEncoder::new(out, Compression::default()),
            sha: digest::Context::new(&digest::SHA256),
        }
    }

    fn line(&mut self, value: &impl Serialize) -> anyhow::Result<()> {
        let mut bytes = serde_json::to_vec(value)?;
        bytes.push(b'\n');
        self.sha.update(&bytes);
        self.out.write_all(&bytes)?;
        Ok(())
    }

    pub fn header(&mut self, header: &Header) -> anyhow::Result<()> {
        self.line(&Marker::Header(header))
    }

    pub fn table(&mut self, name: &str) -> anyhow::Result<()> {
        self.line(&Marker::Table(name))
    }

    pub fn row(&mut self, values: &[Value]) -> anyhow::Result<()> {
        self.line(&values)
    }

    /// Writes the trailer (with the checksum of everything before it); returns the checksum
    /// and the inner writer.
    pub fn finish(mut self, rows: u64, key_ids: Vec<String>) -> anyhow::Result<(String, W)> {
        let sha256 = hex::encode(self.sha.clone().finish().as_ref());
        let trailer = Trailer {
            rows,
            key_ids,
            sha256: sha256.clone(),
        };
        let mut bytes = serde_json::to_vec(&Marker::End(&trailer))?;
        bytes.push(b'\n');
        self.out.write_all(&bytes)?;
        Ok((sha256, self.out.finish()?))
    }
}

/// One line read back.
#[derive(Debug)]
pub enum Line {
    /// The header as read: [`read_header`] checks its format before its layout.
    Header(Box<Value>),
    Table(String),
    Row(Vec<Value>),
    End(Trailer),
}

/// Counts the compressed bytes read, to say where damage was found.
struct Counting<R> {
    inner: R,
    read: u64,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        Ok(n)
    }
}

/// Reads lines, hashing all but the trailer; every error says where in the file it is.
pub struct Reader<R: Read> {
    input: BufReader<GzDecoder<Counting<R>>>,
    sha: digest::Context,
    line: u64,
    buf: Vec<u8>,
}

impl<R: Read> Reader<R> {
    pub fn new(input: R) -> Self {
        Self {
            input: BufReader::new(GzDecoder::new(Counting {
                inner: input,
                read: 0,
            })),
            sha: digest::Context::new(&digest::SHA256),
            line: 0,
            buf: Vec::new(),
        }
    }

    /// The number of the line read last (1-based).
    pub fn line_number(&self) -> u64 {
        self.line
    }

    /// The checksum of every line before the trailer read so far.
    pub fn sha256(&self) -> String {
        hex::encode(self.sha.clone().finish().as_ref())
    }

    fn compressed_offset(&self) -> u64 {
        self.input.get_ref().get_ref().read
    }

    /// The next line, or `None` at the end of the file.
    pub fn next_line(&mut self) -> anyhow::Result<Option<Line>> {
        self.buf.clear();
        let read = self.input.read_until(b'\n', &mut self.buf);
        let line = self.line + 1;
        match read {
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => bail!(
                "the file ends in the middle of line {line} (after byte {} of the file): it is \
                 truncated",
                self.compressed_offset()
            ),
            Err(e) => bail!(
                "the compressed data is damaged at line {line} (around byte {} of the file): {e}",
                self.compressed_offset()
            ),
            Ok(0) => return Ok(None),
            Ok(_) => {}
        }
        self.line = line;
        if self.buf.last() != Some(&b'\n') {
            bail!(
                "the file ends in the middle of line {line}: it is truncated (around byte {} of \
                 the file)",
                self.compressed_offset()
            );
        }
        let parsed = parse(&self.buf[..self.buf.len() - 1], line)?;
        if !matches!(parsed, Line::End(_)) {
            self.sha.update(&self.buf);
        }
        Ok(Some(parsed))
    }
}

fn parse(bytes: &[u8], line: u64) -> anyhow::Result<Line> {
    let damaged = |what: &str| anyhow::anyhow!("line {line} is damaged: {what}");
    let value: Value =
        serde_json::from_slice(bytes).map_err(|e| damaged(&format!("not valid JSON ({e})")))?;
    Ok(match value {
        Value::Array(values) => Line::Row(values),
        Value::Object(mut map) if map.len() == 1 => {
            if let Some(header) = map.remove("header") {
                Line::Header(Box::new(header))
            } else if let Some(Value::String(table)) = map.remove("table") {
                Line::Table(table)
            } else if let Some(end) = map.remove("end") {
                Line::End(
                    serde_json::from_value(end)
                        .map_err(|e| damaged(&format!("the trailer is incomplete ({e})")))?,
                )
            } else {
                return Err(damaged(
                    "neither a row, a table start, a header nor the trailer",
                ));
            }
        }
        _ => {
            return Err(damaged(
                "neither a row, a table start, a header nor the trailer",
            ));
        }
    })
}

/// The header of line 1: its format name and version are checked before the rest is read (a
/// later format may lay it out differently).
pub fn read_header(value: Value) -> anyhow::Result<Header> {
    check_format(&value)?;
    serde_json::from_value(value)
        .map_err(|e| anyhow::anyhow!("line 1 is damaged: the header is incomplete ({e})"))
}

fn check_format(header: &Value) -> anyhow::Result<()> {
    if header.get("format").and_then(Value::as_str) != Some(FORMAT) {
        bail!("this is not a PanelMerge backup (its header does not name the format {FORMAT:?})");
    }
    match header.get("format_version").and_then(Value::as_u64) {
        Some(v) if v == u64::from(FORMAT_VERSION) => Ok(()),
        Some(v) if v > u64::from(FORMAT_VERSION) => bail!(
            "the backup is in format version {v}, newer than this PanelMerge reads (version \
             {FORMAT_VERSION}); restore it with the PanelMerge version that made it, or newer"
        ),
        Some(v) => bail!(
            "the backup is in format version {v}, which this PanelMerge does not read (it reads \
             version {FORMAT_VERSION})"
        ),
        None => bail!("the backup header has no format version"),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::backup::schema::Kind;

    fn header() -> Header {
        Header {
            format: FORMAT.into(),
            format_version: FORMAT_VERSION,
            panelmerge_version: "0".into(),
            created_at: Utc::now(),
            source: "sqlite".into(),
            schema: vec!["m1".into()],
            key: KeyCheck {
                key_id: "k".into(),
                row: "r".into(),
                probe: "p".into(),
            },
            tables: vec![TableHeader {
                name: "t".into(),
                rows: 1,
                columns: vec![Column {
                    name: "id".into(),
                    kind: Kind::Int,
                }],
            }],
        }
    }

    fn written() -> (Vec<u8>, String) {
        let mut w = Writer::new(Vec::new());
        w.header(&header()).unwrap();
        w.table("t").unwrap();
        w.row(&[Value::from(1)]).unwrap();
        let (sha, bytes) = w.finish(1, vec![]).unwrap();
        (bytes, sha)
    }

    #[test]
    fn lines_round_trip_with_their_checksum() {
        let (bytes, sha) = written();
        let mut r = Reader::new(bytes.as_slice());
        let Some(Line::Header(h)) = r.next_line().unwrap() else {
            panic!("header")
        };
        assert_eq!(read_header(*h).unwrap().tables[0].name, "t");
        assert!(matches!(r.next_line().unwrap(), Some(Line::Table(t)) if t == "t"));
        assert!(matches!(r.next_line().unwrap(), Some(Line::Row(v)) if v == [Value::from(1)]));
        let Some(Line::End(end)) = r.next_line().unwrap() else {
            panic!("trailer")
        };
        assert_eq!(end.sha256, sha);
        assert_eq!(r.sha256(), sha);
        assert!(r.next_line().unwrap().is_none());
    }

    #[test]
    fn truncation_and_damage_are_errors() {
        let (bytes, _) = written();
        let mut r = Reader::new(&bytes[..bytes.len() / 2]);
        loop {
            match r.next_line() {
                Ok(Some(Line::End(_))) => panic!("a truncated file must not reach its trailer"),
                Ok(Some(_)) => continue,
                Ok(None) | Err(_) => break,
            }
        }
    }

    #[test]
    fn newer_formats_are_named() {
        let mut h = serde_json::to_value(header()).unwrap();
        h["format_version"] = Value::from(2);
        let e = check_format(&h).unwrap_err().to_string();
        assert!(e.contains("format version 2, newer"), "{e}");
    }
}
