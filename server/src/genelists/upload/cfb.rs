//! The OLE2 compound file (MS-CFB) around an XLS workbook, read strictly: every sector
//! number in range, every chain free of cycles and no longer than the file, so nothing is
//! read or allocated beyond the file's own size. Only the `Workbook` (or BIFF5 `Book`)
//! stream is taken out; [`container`] puts it, alone, in a plain compound file of our own
//! making for calamine, which therefore never walks a hostile sector table.

use shared::upload::UploadRejection;

use super::UploadError;

const MAGIC: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
const FREESECT: u32 = 0xFFFF_FFFF;
const ENDOFCHAIN: u32 = 0xFFFF_FFFE;
const FATSECT: u32 = 0xFFFF_FFFD;
const DIFSECT: u32 = 0xFFFF_FFFC;
const MAXREGSECT: u32 = 0xFFFF_FFFA;
const NOSTREAM: u32 = 0xFFFF_FFFF;
const MINI_SECTOR: usize = 64;
/// Streams shorter than this live in the mini stream.
const MINI_CUTOFF: u64 = 4096;

fn damaged(what: &str) -> UploadError {
    UploadError::new(
        UploadRejection::Unreadable,
        format!(
            "the file is an OLE2 compound document but not a readable Excel 97–2003 workbook: \
             {what}"
        ),
    )
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    b.get(at..at + 2)
        .map_or(0, |s| u16::from_le_bytes([s[0], s[1]]))
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    b.get(at..at + 4)
        .map_or(0, |s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    u64::from(u32_at(b, at)) | (u64::from(u32_at(b, at + 4)) << 32)
}

struct File<'a> {
    bytes: &'a [u8],
    sector: usize,
    /// Sectors in the file after the header (a short last one counts).
    sectors: usize,
}

impl<'a> File<'a> {
    fn sector(&self, id: u32) -> Result<&'a [u8], UploadError> {
        let id = id as usize;
        if id >= self.sectors {
            return Err(damaged("a sector lies past the end of the file"));
        }
        let start = (id + 1) * self.sector;
        let end = (start + self.sector).min(self.bytes.len());
        Ok(&self.bytes[start..end])
    }

    /// Follows a chain through `table` over units of `unit` bytes taken from `unit_of`,
    /// up to `len` bytes; a cycle or an out-of-range entry is an error.
    fn chain(
        table: &[u32],
        start: u32,
        len: u64,
        units: usize,
        mut unit_of: impl FnMut(u32) -> Result<&'a [u8], UploadError>,
    ) -> Result<Vec<u8>, UploadError> {
        let mut out = Vec::new();
        let mut id = start;
        let mut steps = 0usize;
        while id != ENDOFCHAIN && (out.len() as u64) < len {
            steps += 1;
            if steps > units || id as usize >= table.len() {
                return Err(damaged("a sector chain loops or points outside the file"));
            }
            let unit = unit_of(id)?;
            let take = unit.len().min((len - out.len() as u64) as usize);
            out.extend_from_slice(&unit[..take]);
            id = table[id as usize];
        }
        Ok(out)
    }
}

struct Entry {
    name: String,
    start: u32,
    size: u64,
}

/// The workbook stream of an XLS file.
pub(crate) fn workbook_stream(bytes: &[u8]) -> Result<Vec<u8>, UploadError> {
    if bytes.len() < 512 || bytes[..8] != MAGIC {
        return Err(damaged("the header is missing"));
    }
    let sector = match u16_at(bytes, 30) {
        9 => 512,
        12 => 4096,
        _ => return Err(damaged("the sector size is not 512 or 4096 bytes")),
    };
    if u16_at(bytes, 32) != 6 || bytes.len() < sector {
        return Err(damaged("the header is damaged"));
    }
    let file = File {
        bytes,
        sector,
        sectors: (bytes.len() - sector).div_ceil(sector),
    };
    let per_sector = sector / 4;

    // The sector allocation table's own sectors: 109 in the header, more in a DIFAT chain.
    let mut fat_sectors: Vec<u32> = (0..109).map(|i| u32_at(bytes, 76 + 4 * i)).collect();
    let mut difat = u32_at(bytes, 68);
    let mut steps = 0usize;
    while difat < MAXREGSECT {
        steps += 1;
        if steps > file.sectors {
            return Err(damaged("the sector table's chain loops"));
        }
        let s = file.sector(difat)?;
        fat_sectors.extend((0..per_sector - 1).map(|i| u32_at(s, 4 * i)));
        difat = u32_at(s, 4 * (per_sector - 1));
    }
    let fat_sectors: Vec<u32> = fat_sectors.into_iter().filter(|&id| id < DIFSECT).collect();
    if fat_sectors.len() > file.sectors {
        return Err(damaged("the sector table is larger than the file"));
    }
    let mut fat = Vec::with_capacity(fat_sectors.len() * per_sector);
    for id in fat_sectors {
        let s = file.sector(id)?;
        fat.extend((0..per_sector).map(|i| u32_at(s, 4 * i)));
    }

    let directory = File::chain(&fat, u32_at(bytes, 48), u64::MAX, file.sectors, |id| {
        file.sector(id)
    })?;
    let entries: Vec<Entry> = directory
        .chunks_exact(128)
        .map(|e| {
            let units: Vec<u16> = (0..32).map(|i| u16_at(e, 2 * i)).collect();
            let mut name = String::from_utf16_lossy(&units);
            if let Some(end) = name.find('\0') {
                name.truncate(end);
            }
            Entry {
                name,
                start: u32_at(e, 116),
                size: if sector == 512 {
                    u64::from(u32_at(e, 120))
                } else {
                    u64_at(e, 120)
                },
            }
        })
        .collect();
    let Some(root) = entries.first() else {
        return Err(damaged("it has no directory"));
    };
    let find = |wanted: &str| entries.iter().find(|e| e.name.eq_ignore_ascii_case(wanted));
    let Some(stream) = find("Workbook").or_else(|| find("Book")) else {
        return Err(damaged("it has no Workbook stream"));
    };
    if stream.size > bytes.len() as u64 {
        return Err(damaged("the Workbook stream is larger than the file"));
    }
    if stream.size >= MINI_CUTOFF {
        return File::chain(&fat, stream.start, stream.size, file.sectors, |id| {
            file.sector(id)
        });
    }
    // A small stream lives in the mini stream (the root entry's stream), in 64-byte sectors
    // listed by the mini sector table.
    if root.size > bytes.len() as u64 {
        return Err(damaged("the mini stream is larger than the file"));
    }
    let mini = File::chain(&fat, root.start, root.size, file.sectors, |id| {
        file.sector(id)
    })?;
    let mini_fat_len = u64::from(u32_at(bytes, 64)).saturating_mul(sector as u64);
    let mini_fat_bytes = File::chain(
        &fat,
        u32_at(bytes, 60),
        mini_fat_len.min(bytes.len() as u64),
        file.sectors,
        |id| file.sector(id),
    )?;
    let mini_fat: Vec<u32> = (0..mini_fat_bytes.len() / 4)
        .map(|i| u32_at(&mini_fat_bytes, 4 * i))
        .collect();
    let mini_units = mini.len().div_ceil(MINI_SECTOR);
    File::chain(&mini_fat, stream.start, stream.size, mini_units, |id| {
        let start = id as usize * MINI_SECTOR;
        if start >= mini.len() {
            return Err(damaged(
                "a mini sector lies past the end of the mini stream",
            ));
        }
        Ok(&mini[start..(start + MINI_SECTOR).min(mini.len())])
    })
}

/// A compound file (version 4, 4096-byte sectors) holding `stream` as its `Workbook`
/// stream and nothing else. The stream is padded with zero bytes to the mini-stream cutoff
/// so that it lives in regular sectors (the BIFF reader stops at the workbook's EOF
/// records, and zero bytes read as empty records in any case).
pub(crate) fn container(stream: &[u8]) -> Vec<u8> {
    const SECTOR: usize = 4096;
    const PER_SECTOR: usize = SECTOR / 4;
    let mut data = stream.to_vec();
    if (data.len() as u64) < MINI_CUTOFF {
        data.resize(MINI_CUTOFF as usize, 0);
    }
    let data_sectors = data.len().div_ceil(SECTOR);
    let dir_sector = data_sectors;
    // FAT sectors must cover themselves too.
    let mut fat_sectors = 1;
    while fat_sectors * PER_SECTOR < data_sectors + 1 + fat_sectors {
        fat_sectors += 1;
    }
    let total = data_sectors + 1 + fat_sectors;
    let mut out = vec![0u8; SECTOR * (1 + total)];
    let put16 =
        |out: &mut Vec<u8>, at: usize, v: u16| out[at..at + 2].copy_from_slice(&v.to_le_bytes());
    let put32 =
        |out: &mut Vec<u8>, at: usize, v: u32| out[at..at + 4].copy_from_slice(&v.to_le_bytes());

    // Header.
    out[..8].copy_from_slice(&MAGIC);
    put16(&mut out, 24, 0x003E);
    put16(&mut out, 26, 4);
    put16(&mut out, 28, 0xFFFE);
    put16(&mut out, 30, 12);
    put16(&mut out, 32, 6);
    put32(&mut out, 40, 1);
    put32(&mut out, 44, fat_sectors as u32);
    put32(&mut out, 48, dir_sector as u32);
    put32(&mut out, 56, MINI_CUTOFF as u32);
    put32(&mut out, 60, ENDOFCHAIN);
    put32(&mut out, 64, 0);
    put32(&mut out, 68, ENDOFCHAIN);
    put32(&mut out, 72, 0);
    for i in 0..109 {
        let v = if i < fat_sectors {
            (data_sectors + 1 + i) as u32
        } else {
            FREESECT
        };
        put32(&mut out, 76 + 4 * i, v);
    }

    // The stream.
    out[SECTOR..SECTOR + data.len()].copy_from_slice(&data);

    // Directory: the root (no mini stream) and the workbook stream.
    let dir = SECTOR * (1 + dir_sector);
    let mut entry = |index: usize, name: &str, kind: u8, child: u32, start: u32, size: u64| {
        let at = dir + 128 * index;
        let units: Vec<u16> = name.encode_utf16().chain([0]).collect();
        for (i, u) in units.iter().enumerate() {
            put16(&mut out, at + 2 * i, *u);
        }
        put16(&mut out, at + 64, (units.len() * 2) as u16);
        out[at + 66] = kind;
        out[at + 67] = 1;
        put32(&mut out, at + 68, NOSTREAM);
        put32(&mut out, at + 72, NOSTREAM);
        put32(&mut out, at + 76, child);
        put32(&mut out, at + 116, start);
        out[at + 120..at + 128].copy_from_slice(&size.to_le_bytes());
    };
    // calamine insists that a version-4 root names a start sector; it is never read.
    entry(0, "Root Entry", 5, 1, 0, 0);
    entry(1, "Workbook", 2, NOSTREAM, 0, data.len() as u64);
    for index in 2..SECTOR / 128 {
        let at = dir + 128 * index;
        put32(&mut out, at + 68, NOSTREAM);
        put32(&mut out, at + 72, NOSTREAM);
        put32(&mut out, at + 76, NOSTREAM);
    }

    // The sector allocation table.
    let fat_at = SECTOR * (1 + data_sectors + 1);
    for i in 0..fat_sectors * PER_SECTOR {
        let v = if i + 1 < data_sectors {
            (i + 1) as u32
        } else if i + 1 == data_sectors || i == dir_sector {
            ENDOFCHAIN
        } else if i > dir_sector && i <= dir_sector + fat_sectors {
            FATSECT
        } else {
            FREESECT
        };
        put32(&mut out, fat_at + 4 * i, v);
    }
    out
}
