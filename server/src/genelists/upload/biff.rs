//! A dry run of calamine's XLS reader over the BIFF record stream, before calamine reads it.
//!
//! calamine reads an XLS workbook whole when it opens it: every sheet's cells into a dense
//! rectangle from the first to the last used cell (after reserving what the sheet's
//! DIMENSIONS record claims), every shared string copied into every cell that names it, every
//! formula rendered to text. This walks the records exactly as calamine will and adds up what
//! that costs, so a workbook that would need more than the limits is refused first:
//!
//! - the rectangle of each sheet's values and of its formulas, and what DIMENSIONS claims,
//!   summed over all sheets, against [`UploadLimits::max_cells`];
//! - the text all of that decodes to (strings at up to 3 UTF-8 bytes per character, and the
//!   capacity calamine reserves from a string's declared length), against
//!   [`UploadLimits::max_text_bytes`].

use std::collections::VecDeque;

use shared::upload::UploadRejection;

use super::workbook::{thousands, too_many_cells, too_much_text};
use super::{UploadError, UploadLimits};

fn damaged(what: &str) -> UploadError {
    UploadError::new(
        UploadRejection::Unreadable,
        format!("the workbook is damaged: {what}"),
    )
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    b.get(at..at + 2).map(|s| u16::from_le_bytes([s[0], s[1]]))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    b.get(at..at + 4)
        .map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

/// One record and its CONTINUE records, as calamine's record iterator splits them.
struct Record<'a> {
    typ: u16,
    data: &'a [u8],
    cont: VecDeque<&'a [u8]>,
}

impl Record<'_> {
    fn next_continue(&mut self) -> bool {
        match self.cont.pop_front() {
            Some(next) => {
                self.data = next;
                true
            }
            None => false,
        }
    }

    fn skip(&mut self, mut len: usize) -> Option<()> {
        while len > 0 {
            if self.data.is_empty() && !self.next_continue() {
                return None;
            }
            let l = len.min(self.data.len());
            self.data = &self.data[l..];
            len -= l;
        }
        Some(())
    }
}

struct Records<'a> {
    stream: &'a [u8],
}

impl<'a> Iterator for Records<'a> {
    type Item = Option<Record<'a>>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.stream.len() < 4 {
            return (!self.stream.is_empty()).then_some(None);
        }
        let typ = u16_at(self.stream, 0)?;
        let len = usize::from(u16_at(self.stream, 2)?);
        if self.stream.len() < len + 4 {
            return Some(None);
        }
        let (record, next) = self.stream.split_at(len + 4);
        self.stream = next;
        let mut cont = VecDeque::new();
        if next.len() > 4 && u16_at(next, 0) == Some(0x003C) {
            while self.stream.len() > 4 && u16_at(self.stream, 0) == Some(0x003C) {
                let len = usize::from(u16_at(self.stream, 2)?);
                if self.stream.len() < len + 4 {
                    return Some(None);
                }
                let (part, rest) = self.stream.split_at(len + 4);
                cont.push_back(&part[4..]);
                self.stream = rest;
            }
        }
        Some(Some(Record {
            typ,
            data: &record[4..],
            cont,
        }))
    }
}

/// The character counts of the shared string table, read as calamine reads it.
fn shared_string_lengths(mut r: Record<'_>) -> Option<Vec<u32>> {
    r.data = r.data.get(8..)?;
    let mut lengths = Vec::new();
    while !r.data.is_empty() || r.next_continue() {
        if r.data.is_empty() {
            lengths.push(0);
            continue;
        }
        let cch = usize::from(u16_at(r.data, 0)?);
        let flags = *r.data.get(2)?;
        r.data = &r.data[3..];
        let mut runs = 0usize;
        let mut ext = 0usize;
        if flags & 0x8 != 0 {
            runs = usize::from(u16_at(r.data, 0)?);
            r.data = &r.data[2..];
        }
        if flags & 0x4 != 0 {
            ext = u32_at(r.data, 0)? as i32 as isize as usize;
            r.data = &r.data[4..];
        }
        let mut high = flags & 0x1 != 0;
        let mut left = cch;
        while left > 0 {
            let chars = if high {
                (r.data.len() / 2).min(left)
            } else {
                r.data.len().min(left)
            };
            r.data = &r.data[if high { 2 * chars } else { chars }..];
            left -= chars;
            if left > 0 {
                if !r.next_continue() {
                    return None;
                }
                high = *r.data.first()? & 0x1 != 0;
                r.data = &r.data[1..];
            }
        }
        r.skip(runs.checked_mul(4)?)?;
        r.skip(ext)?;
        lengths.push(cch as u32);
    }
    Some(lengths)
}

/// The cells one sheet would make: the rectangle they span and how many there are.
#[derive(Default)]
struct Span {
    first: Option<(u32, u32)>,
    last: (u32, u32),
    count: u64,
}

impl Span {
    fn add(&mut self, (row, col): (u32, u32)) {
        self.count += 1;
        match self.first {
            None => {
                self.first = Some((row, col));
                self.last = (row, col);
            }
            Some(first) => {
                self.first = Some((first.0.min(row), first.1.min(col)));
                self.last = (self.last.0.max(row), self.last.1.max(col));
            }
        }
    }

    /// `(rows, columns)` of the rectangle.
    fn size(&self) -> (u64, u64) {
        match self.first {
            None => (0, 0),
            Some(first) => (
                u64::from(self.last.0 - first.0) + 1,
                u64::from(self.last.1 - first.1) + 1,
            ),
        }
    }
}

struct Cost<'a> {
    limits: &'a UploadLimits,
    cells: u64,
    text: u64,
}

impl Cost<'_> {
    fn text(&mut self, bytes: u64) -> Result<(), UploadError> {
        self.text = self.text.saturating_add(bytes);
        if self.text > self.limits.max_text_bytes {
            return Err(too_much_text(self.limits));
        }
        Ok(())
    }

    fn rectangle(&mut self, (rows, columns): (u64, u64)) -> Result<(), UploadError> {
        let area = rows.saturating_mul(columns);
        if area > self.limits.max_cells {
            return Err(too_many_cells(rows, columns, self.limits));
        }
        self.cells = self.cells.saturating_add(area);
        if self.cells > self.limits.max_cells {
            return Err(UploadError::new(
                UploadRejection::SheetTooLarge,
                format!(
                    "the workbook's sheets span more than {} cells together; at most that \
                     many are read",
                    thousands(self.limits.max_cells)
                ),
            )
            .limit(self.limits.max_cells));
        }
        Ok(())
    }
}

/// Refuses a workbook stream whose reading would cost more than the limits.
pub(crate) fn check(stream: &[u8], limits: &UploadLimits) -> Result<(), UploadError> {
    let mut cost = Cost {
        limits,
        cells: 0,
        text: 0,
    };
    let mut sheets = Vec::new();
    let mut strings: Vec<u32> = Vec::new();
    // The longest sheet or defined name, in UTF-8 bytes: a formula token of 5 bytes can
    // render as one.
    let mut longest_name: u64 = 0;
    for record in (Records { stream }) {
        let Some(record) = record else {
            return Err(damaged("a record runs past the end of the workbook stream"));
        };
        match record.typ {
            // FilePass: calamine refuses encrypted workbooks before reading any sheet.
            0x002F => return Ok(()),
            // BoundSheet8: where a sheet's records start, and its name.
            0x0085 => {
                if let Some(pos) = u32_at(record.data, 0) {
                    sheets.push(pos as usize);
                }
                let len = record.data.get(6).copied().unwrap_or(0);
                longest_name = longest_name.max(3 * u64::from(len));
            }
            // Lbl: a defined name.
            0x0018 => {
                let len = record.data.get(3).copied().unwrap_or(0);
                longest_name = longest_name.max(3 * u64::from(len));
            }
            0x00FC => {
                strings = shared_string_lengths(record)
                    .ok_or_else(|| damaged("the shared string table is truncated"))?;
                let bytes: u64 = strings.iter().map(|&n| 3 * u64::from(n) + 24).sum();
                cost.text(bytes)?;
            }
            0x000A => break,
            _ => {}
        }
    }
    let per_formula_byte = longest_name / 5 + 16;
    // Sheets are consecutive parts of the stream; many sheets starting at the same records
    // would make calamine (and this check) read them again for each.
    let mut scanned: u64 = 0;
    let scan_limit = 2 * stream.len() as u64 + 64 * 1024;
    for pos in sheets {
        let Some(sheet) = stream.get(pos..) else {
            return Err(damaged(
                "a sheet starts past the end of the workbook stream",
            ));
        };
        scanned += check_sheet(sheet, &strings, per_formula_byte, &mut cost)?;
        if scanned > scan_limit {
            return Err(damaged("its sheets overlap"));
        }
    }
    Ok(())
}

fn check_sheet(
    sheet: &[u8],
    strings: &[u32],
    per_formula_byte: u64,
    cost: &mut Cost<'_>,
) -> Result<u64, UploadError> {
    let mut values = Span::default();
    let mut formulas = Span::default();
    let mut formula_at = (0u32, 0u32);
    let mut seen_bof = false;
    let mut depth = 0usize;
    let mut records = Records { stream: sheet };
    for record in records.by_ref() {
        // calamine stops at a damaged record with an error, having read no further.
        let Some(record) = record else {
            break;
        };
        if depth > 0 {
            match record.typ {
                0x0809 => depth += 1,
                0x000A => depth -= 1,
                _ => {}
            }
            continue;
        }
        let data = record.data;
        let at = || Some((u32::from(u16_at(data, 0)?), u32::from(u16_at(data, 2)?)));
        match record.typ {
            0x0809 => {
                if seen_bof {
                    depth += 1;
                } else {
                    seen_bof = true;
                }
            }
            // Dimensions: calamine reserves room for the rectangle it claims.
            0x0200 => {
                if let Some((rows, columns)) = claimed_dimensions(data)
                    && rows.saturating_mul(columns) > cost.limits.max_cells
                {
                    return Err(UploadError::new(
                        UploadRejection::SheetTooLarge,
                        format!(
                            "the sheet declares that it spans {} rows × {} columns; at most {} \
                             cells are read",
                            thousands(rows),
                            thousands(columns),
                            thousands(cost.limits.max_cells)
                        ),
                    )
                    .limit(cost.limits.max_cells));
                }
            }
            // Number, BoolErr, Rk.
            0x0203 | 0x0205 | 0x027E => {
                if let Some(pos) = at() {
                    values.add(pos);
                }
            }
            // Label, RString: a string of its own.
            0x0204 | 0x00D6 => {
                if let Some(pos) = at() {
                    values.add(pos);
                    let declared = u16_at(data, 6).map_or(0, u64::from);
                    cost.text(declared + 3 * data.len() as u64 + 24)?;
                }
            }
            // String: the text result of the formula before it.
            0x0207 => {
                values.add(formula_at);
                let declared = u16_at(data, 0).map_or(0, u64::from);
                cost.text(declared + 3 * data.len() as u64 + 24)?;
            }
            // LabelSst: a copy of a shared string.
            0x00FD => {
                if let (Some(pos), Some(index)) = (at(), u32_at(data, 6))
                    && let Some(&len) = strings.get(index as usize)
                {
                    values.add(pos);
                    cost.text(3 * u64::from(len) + 24)?;
                }
            }
            // MulRk: several numbers in one row.
            0x00BD => {
                if data.len() >= 6
                    && let Some((row, first)) = at()
                {
                    let count = (data.len() - 6).div_ceil(6) as u32;
                    for col in first..first + count {
                        values.add((row, col));
                    }
                }
            }
            // Formula: its value (text results follow in a String record) and its text.
            0x0006 => {
                if data.len() >= 20
                    && let Some(pos) = at()
                {
                    formula_at = pos;
                    values.add(pos);
                    formulas.add(pos);
                    cost.text((data.len() as u64 - 20) * per_formula_byte + 96)?;
                }
            }
            0x000A => break,
            _ => {}
        }
        if values.count + formulas.count > cost.limits.max_cells {
            return Err(UploadError::new(
                UploadRejection::SheetTooLarge,
                format!(
                    "the sheet has more than {} cells; at most that many are read",
                    thousands(cost.limits.max_cells)
                ),
            )
            .limit(cost.limits.max_cells));
        }
        let (rows, columns) = values.size();
        if rows.saturating_mul(columns) > cost.limits.max_cells {
            return Err(too_many_cells(rows, columns, cost.limits));
        }
    }
    cost.rectangle(values.size())?;
    cost.rectangle(formulas.size())?;
    Ok((sheet.len() - records.stream.len()) as u64)
}

/// The `(rows, columns)` calamine reserves for a DIMENSIONS record, computed as it does
/// (wrapping arithmetic included); `None` when calamine would refuse the record.
fn claimed_dimensions(r: &[u8]) -> Option<(u64, u64)> {
    let (rf, rl, mut cf, cl) = match r.len() {
        10 => (
            u32::from(u16_at(r, 0)?),
            u32::from(u16_at(r, 2)?),
            u32::from(u16_at(r, 4)?),
            u32::from(u16_at(r, 6)?),
        ),
        14 | 16 => (
            u32_at(r, 0)?,
            u32_at(r, 4)?,
            u32::from(u16_at(r, 8)?),
            u32::from(u16_at(r, 10)?),
        ),
        _ => return None,
    };
    if 0xFF < cf || cl < cf {
        cf = 0;
    }
    let (start, end) = if 1 <= rl && 1 <= cl {
        ((rf, cf), (rl - 1, cl - 1))
    } else {
        ((rf, cf), (rf, cf))
    };
    let rows = end.0.wrapping_sub(start.0).wrapping_add(1);
    let cols = end.1.wrapping_sub(start.1).wrapping_add(1);
    // A wrapped-around zero reserves nothing (and calamine panics in debug builds).
    Some((u64::from(rows), u64::from(cols)))
}
