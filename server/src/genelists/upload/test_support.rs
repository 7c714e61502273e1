//! Hand-built workbooks for tests (unit and end-to-end): calamine cannot write XLS, and the
//! hostile shapes the reader must refuse are easiest to write byte by byte.

/// A cell value of [`xls`].
#[derive(Debug, Clone)]
pub enum XlsValue<'a> {
    Text(&'a str),
    Number(f64),
}

fn record(out: &mut Vec<u8>, typ: u16, data: &[u8]) {
    out.extend_from_slice(&typ.to_le_bytes());
    out.extend_from_slice(&(data.len() as u16).to_le_bytes());
    out.extend_from_slice(data);
}

fn bof(out: &mut Vec<u8>, kind: u16) {
    let mut data = Vec::new();
    data.extend_from_slice(&0x0600u16.to_le_bytes());
    data.extend_from_slice(&kind.to_le_bytes());
    data.extend_from_slice(&[0; 12]);
    record(out, 0x0809, &data);
}

/// The BIFF8 workbook stream of one sheet holding `cells` (`(row, column)`, 0-based);
/// `dimensions` adds a DIMENSIONS record claiming `(rows, columns)`. A `sheet` of several
/// names separated by `|` makes as many sheets, all pointing at the same records.
pub fn biff_stream(
    sheet: &str,
    cells: &[((u16, u16), XlsValue<'_>)],
    dimensions: Option<(u32, u16)>,
) -> Vec<u8> {
    let mut globals = Vec::new();
    bof(&mut globals, 0x0005);
    record(&mut globals, 0x0042, &1200u16.to_le_bytes());
    // The sheet's offset is patched in once the globals' length is known.
    let mut bound_at = Vec::new();
    for name in sheet.split('|') {
        let mut bound = vec![0u8; 4];
        bound.extend_from_slice(&[0, 0, name.len() as u8, 0]);
        bound.extend_from_slice(name.as_bytes());
        bound_at.push(globals.len() + 4);
        record(&mut globals, 0x0085, &bound);
    }
    record(&mut globals, 0x000A, &[]);

    let mut body = Vec::new();
    bof(&mut body, 0x0010);
    if let Some((rows, columns)) = dimensions {
        let mut data = Vec::new();
        data.extend_from_slice(&0u32.to_le_bytes());
        data.extend_from_slice(&rows.to_le_bytes());
        data.extend_from_slice(&0u16.to_le_bytes());
        data.extend_from_slice(&columns.to_le_bytes());
        data.extend_from_slice(&0u16.to_le_bytes());
        record(&mut body, 0x0200, &data);
    }
    for ((row, col), value) in cells {
        let mut data = Vec::new();
        data.extend_from_slice(&row.to_le_bytes());
        data.extend_from_slice(&col.to_le_bytes());
        data.extend_from_slice(&0u16.to_le_bytes());
        match value {
            XlsValue::Text(text) => {
                let latin: Vec<u8> = text.chars().map(|c| c as u8).collect();
                data.extend_from_slice(&(latin.len() as u16).to_le_bytes());
                data.push(0);
                data.extend_from_slice(&latin);
                record(&mut body, 0x0204, &data);
            }
            XlsValue::Number(n) => {
                data.extend_from_slice(&n.to_le_bytes());
                record(&mut body, 0x0203, &data);
            }
        }
    }
    record(&mut body, 0x000A, &[]);

    let offset = globals.len() as u32;
    for at in bound_at {
        globals[at..at + 4].copy_from_slice(&offset.to_le_bytes());
    }
    globals.extend_from_slice(&body);
    globals
}

/// An XLS file (a compound file around [`biff_stream`]).
pub fn xls(
    sheet: &str,
    cells: &[((u16, u16), XlsValue<'_>)],
    dimensions: Option<(u32, u16)>,
) -> Vec<u8> {
    super::cfb::container(&biff_stream(sheet, cells, dimensions))
}

/// 16 KB of XLS whose two cells sit at `A1` and at row 65,536, column 65,536:
/// a reader that builds the rectangle between them needs 137 GB.
pub fn far_apart_xls() -> Vec<u8> {
    xls(
        "Genes",
        &[
            ((0, 0), XlsValue::Text("BRCA1")),
            ((u16::MAX, u16::MAX), XlsValue::Number(1.0)),
        ],
        None,
    )
}
