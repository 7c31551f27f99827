//! A rowid table read straight from SQLite's pages, for audit verification.
//!
//! Reading a row through SQL costs about as much CPU as hashing it (the bytecode engine, a copy of
//! every text value, a call per column), which held `audit verify` near half of what the machine
//! can hash. SQLite's `sqlite_dbpage` table hands out whole pages through the pager — inside a
//! read transaction, so pages still in the WAL are seen and the snapshot is consistent — and the
//! file format is stable and documented (<https://www.sqlite.org/fileformat2.html>), so this
//! module walks a table's b-tree and decodes its records itself.
//!
//! Every offset is bounds-checked: a malformed page is an error naming it, never a panic.

use crate::{Result, StoreError};
use rusqlite::{CachedStatement, Connection, Statement};

const INTERIOR_TABLE: u8 = 0x05;
const LEAF_TABLE: u8 = 0x0d;

/// One value of a record, borrowed from the page (or from an overflow buffer).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Value<'a> {
    Null,
    Int(i64),
    Real(f64),
    Text(&'a [u8]),
    Blob(&'a [u8]),
}

fn malformed(pgno: u32, what: &str) -> StoreError {
    StoreError::Invalid(format!("database page {pgno} is malformed ({what}); run `PRAGMA integrity_check`"))
}

/// SQLite's variable-length integer: returns the value and its length in bytes.
#[inline]
fn varint(b: &[u8]) -> Option<(u64, usize)> {
    // Serial types, header sizes and small rowids: one byte.
    if let Some(&byte) = b.first().filter(|b| **b < 0x80) {
        return Some((u64::from(byte), 1));
    }
    let mut v = 0u64;
    for i in 0..8 {
        let byte = *b.get(i)?;
        v = (v << 7) | u64::from(byte & 0x7f);
        if byte < 0x80 {
            return Some((v, i + 1));
        }
    }
    Some(((v << 8) | u64::from(*b.get(8)?), 9))
}

fn u16_at(b: &[u8], at: usize) -> Option<usize> {
    Some(usize::from(u16::from_be_bytes(b.get(at..at + 2)?.try_into().ok()?)))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// The most columns a record may have here.
pub(crate) const MAX_COLUMNS: usize = 8;

/// Decode a record into `out`; returns how many values it has. `None` if it is malformed or has
/// more than [`MAX_COLUMNS`] columns.
pub(crate) fn record<'a>(payload: &'a [u8], out: &mut [Value<'a>; MAX_COLUMNS]) -> Option<usize> {
    let mut count = 0;
    let (header_len, mut at) = varint(payload)?;
    let header_len = usize::try_from(header_len).ok()?;
    let mut body = header_len;
    while at < header_len {
        let (serial, n) = varint(payload.get(at..header_len)?)?;
        at += n;
        let int = |len: usize| -> Option<i64> {
            // Big-endian two's complement of `len` bytes: read into the low end of eight bytes
            // and shift the sign down from the top.
            let bytes = payload.get(body..body + len)?;
            let mut wide = [0u8; 8];
            wide[8 - len..].copy_from_slice(bytes);
            let shift = 64 - 8 * len as u32;
            Some((i64::from_be_bytes(wide) << shift) >> shift)
        };
        let (value, len) = match serial {
            0 => (Value::Null, 0),
            1..=4 => (Value::Int(int(serial as usize)?), serial as usize),
            5 => (Value::Int(int(6)?), 6),
            6 => (Value::Int(int(8)?), 8),
            7 => (Value::Real(f64::from_be_bytes(payload.get(body..body + 8)?.try_into().ok()?)), 8),
            8 => (Value::Int(0), 0),
            9 => (Value::Int(1), 0),
            10 | 11 => return None,
            n => {
                let len = usize::try_from((n - 12) / 2).ok()?;
                let bytes = payload.get(body..body.checked_add(len)?)?;
                (if n % 2 == 0 { Value::Blob(bytes) } else { Value::Text(bytes) }, len)
            }
        };
        *out.get_mut(count)? = value;
        count += 1;
        body += len;
    }
    (at == header_len && body <= payload.len()).then_some(count)
}

/// A rowid table's b-tree, read page by page through `sqlite_dbpage`.
pub(crate) struct TablePages<'c> {
    page: CachedStatement<'c>,
    /// A second handle on the same table, for overflow pages read while a leaf is in hand.
    overflow: CachedStatement<'c>,
    root: u32,
    usable: usize,
    /// Pages in the database: no walk may read more (a damaged b-tree can point in circles).
    page_count: u64,
    /// Pages read by the current scan.
    visited: u64,
    /// One buffer per interior level, reused; leaves are read where SQLite hands them over.
    interior: Vec<Vec<u8>>,
    /// A row's whole payload, when it spills onto overflow pages.
    spill: Vec<u8>,
}

const PAGE_SQL: &str = "SELECT data FROM sqlite_dbpage WHERE pgno = ?1";
/// The same query for overflow pages, in words of its own so the statement cache (a reader opens
/// a `TablePages` for each range it reads) holds both.
const OVERFLOW_SQL: &str = "SELECT data FROM sqlite_dbpage('main') WHERE pgno = ?1";

/// Copy page `pgno` into `into`.
fn read_page(stmt: &mut Statement<'_>, pgno: u32, into: &mut Vec<u8>) -> Result<()> {
    let mut rows = stmt.query([pgno])?;
    let row = rows.next()?.ok_or_else(|| malformed(pgno, "no such page"))?;
    let data = row.get_ref(0)?.as_blob().map_err(|_| malformed(pgno, "not a page"))?;
    into.clear();
    into.extend_from_slice(data);
    Ok(())
}

impl<'c> TablePages<'c> {
    /// The reader for `table`, or `None` when this SQLite has no `sqlite_dbpage` or the table is
    /// not a rowid table: callers then read through SQL. Use it inside one read transaction.
    pub(crate) fn open(conn: &'c Connection, table: &str) -> Result<Option<Self>> {
        let (Ok(mut page), Ok(overflow)) = (conn.prepare_cached(PAGE_SQL), conn.prepare_cached(OVERFLOW_SQL)) else {
            return Ok(None);
        };
        let pragma = |name: &str| -> rusqlite::Result<rusqlite::types::Value> { conn.prepare_cached(&format!("PRAGMA {name}"))?.query_row([], |r| r.get(0)) };
        let encoding = pragma("encoding")?;
        let root: Option<i64> = conn
            .prepare_cached("SELECT rootpage FROM sqlite_schema WHERE type = 'table' AND name = ?1")?
            .query_row([table], |r| r.get(0))
            .map(Some)
            .or_else(|e| if e == rusqlite::Error::QueryReturnedNoRows { Ok(None) } else { Err(e) })?;
        let (Some(root), rusqlite::types::Value::Text(encoding)) = (root, encoding) else {
            return Ok(None);
        };
        if encoding != "UTF-8" {
            return Ok(None);
        }
        let root = u32::try_from(root).map_err(|_| malformed(0, "root page number"))?;
        let number = |name: &str| match pragma(name)? {
            rusqlite::types::Value::Integer(n) => Ok(n),
            _ => Err(malformed(0, name)),
        };
        let (page_size, page_count) = (number("page_size")?, number("page_count")?);
        let mut buf = Vec::new();
        read_page(&mut page, 1, &mut buf)?;
        let reserved = usize::from(*buf.get(20).ok_or_else(|| malformed(1, "file header"))?);
        let usable = usize::try_from(page_size).ok().and_then(|s| s.checked_sub(reserved)).filter(|u| *u >= 480).ok_or_else(|| malformed(1, "page size"))?;
        read_page(&mut page, root, &mut buf)?;
        if !matches!(buf.get(if root == 1 { 100 } else { 0 }), Some(&(INTERIOR_TABLE | LEAF_TABLE))) {
            return Ok(None);
        }
        let page_count = u64::try_from(page_count).unwrap_or(0);
        Ok(Some(TablePages { page, overflow, root, usable, page_count, visited: 0, interior: Vec::new(), spill: Vec::new() }))
    }

    /// Call `row(rowid, values)` for each row with `start <= rowid < end`, in rowid order.
    pub(crate) fn scan<F: FnMut(i64, &[Value]) -> Result<()>>(&mut self, start: i64, end: i64, row: &mut F) -> Result<()> {
        if start < end {
            self.visited = 0;
            self.walk(self.root, 0, start, end, row)?;
        }
        Ok(())
    }

    fn walk<F: FnMut(i64, &[Value]) -> Result<()>>(&mut self, pgno: u32, depth: usize, start: i64, end: i64, row: &mut F) -> Result<()> {
        self.visited += 1;
        if depth > 20 || self.visited > self.page_count {
            return Err(malformed(pgno, "the b-tree points in circles"));
        }
        let hdr = if pgno == 1 { 100 } else { 0 };
        let mut page = self.interior.get_mut(depth).map(std::mem::take).unwrap_or_default();
        {
            let mut rows = self.page.query([pgno])?;
            let found = rows.next()?.ok_or_else(|| malformed(pgno, "no such page"))?;
            let data = found.get_ref(0)?.as_blob().map_err(|_| malformed(pgno, "not a page"))?;
            match data.get(hdr).copied() {
                Some(LEAF_TABLE) => {
                    let limits = Limits { usable: self.usable, page_count: self.page_count };
                    return leaf_rows(data, pgno, hdr, limits, &mut self.overflow, &mut self.spill, start, end, row);
                }
                Some(INTERIOR_TABLE) => {
                    page.clear();
                    page.extend_from_slice(data);
                }
                _ => return Err(malformed(pgno, "not a table b-tree page")),
            }
        }
        let result = self.walk_interior(&page, pgno, hdr, depth, start, end, row);
        if self.interior.len() <= depth {
            self.interior.resize_with(depth + 1, Vec::new);
        }
        self.interior[depth] = page;
        result
    }

    #[allow(clippy::too_many_arguments)]
    fn walk_interior<F: FnMut(i64, &[Value]) -> Result<()>>(
        &mut self,
        page: &[u8],
        pgno: u32,
        hdr: usize,
        depth: usize,
        start: i64,
        end: i64,
        row: &mut F,
    ) -> Result<()> {
        let bad = |what| malformed(pgno, what);
        let cells = u16_at(page, hdr + 3).ok_or_else(|| bad("header"))?;
        let rightmost = u32_at(page, hdr + 8).ok_or_else(|| bad("header"))?;
        // Child i holds the rowids above key i-1 up to key i; the rightmost child those above the last.
        let mut previous: Option<i64> = None;
        for i in 0..=cells {
            if previous.is_some_and(|p| p >= end - 1) {
                break;
            }
            let (child, key) = if i < cells {
                let cell = u16_at(page, hdr + 12 + 2 * i).ok_or_else(|| bad("cell pointer"))?;
                let child = u32_at(page, cell).ok_or_else(|| bad("cell"))?;
                let (key, _) = page.get(cell + 4..).and_then(varint).ok_or_else(|| bad("cell key"))?;
                (child, Some(key as i64))
            } else {
                (rightmost, None)
            };
            if key.is_none_or(|k| k >= start) {
                self.walk(child, depth + 1, start, end, row)?;
            }
            previous = key;
        }
        Ok(())
    }
}

/// How much of a payload of `size` bytes a table leaf cell keeps on its page.
fn local_size(usable: usize, size: usize) -> usize {
    let max_local = usable - 35;
    if size <= max_local {
        return size;
    }
    let min_local = (usable - 12) * 32 / 255 - 23;
    let k = min_local + (size - min_local) % (usable - 4);
    if k <= max_local {
        k
    } else {
        min_local
    }
}

/// What a damaged page is checked against.
#[derive(Clone, Copy)]
struct Limits {
    usable: usize,
    page_count: u64,
}

/// The rows of a table leaf page with `start <= rowid < end`.
#[allow(clippy::too_many_arguments)]
fn leaf_rows<F: FnMut(i64, &[Value]) -> Result<()>>(
    page: &[u8],
    pgno: u32,
    hdr: usize,
    limits: Limits,
    overflow: &mut Statement<'_>,
    spill: &mut Vec<u8>,
    start: i64,
    end: i64,
    row: &mut F,
) -> Result<()> {
    let bad = |what| malformed(pgno, what);
    let cells = u16_at(page, hdr + 3).ok_or_else(|| bad("header"))?;
    for i in 0..cells {
        let cell = u16_at(page, hdr + 8 + 2 * i).ok_or_else(|| bad("cell pointer"))?;
        let rest = page.get(cell..).ok_or_else(|| bad("cell"))?;
        let (size, a) = varint(rest).ok_or_else(|| bad("cell size"))?;
        let (rowid, b) = rest.get(a..).and_then(varint).ok_or_else(|| bad("rowid"))?;
        let rowid = rowid as i64;
        if rowid < start {
            continue;
        }
        if rowid >= end {
            break;
        }
        let size = usize::try_from(size).ok().filter(|s| (*s as u64) <= limits.page_count * limits.usable as u64).ok_or_else(|| bad("cell size"))?;
        let local = local_size(limits.usable, size);
        let body = rest.get(a + b..a + b + local).ok_or_else(|| bad("cell payload"))?;
        let payload = if local < size {
            let first = u32_at(rest, a + b + local).ok_or_else(|| bad("overflow pointer"))?;
            gather(overflow, limits.usable, body, first, size, spill)?;
            &spill[..]
        } else {
            body
        };
        let mut values = [Value::Null; MAX_COLUMNS];
        let n = record(payload, &mut values).ok_or_else(|| bad("record"))?;
        row(rowid, &values[..n])?;
    }
    Ok(())
}

/// A payload that continues on overflow pages, gathered into `spill`.
fn gather(stmt: &mut Statement<'_>, usable: usize, local: &[u8], mut next: u32, size: usize, spill: &mut Vec<u8>) -> Result<()> {
    spill.clear();
    spill.extend_from_slice(local);
    let mut page = Vec::new();
    while spill.len() < size {
        if next == 0 {
            return Err(malformed(0, "overflow chain ends early"));
        }
        read_page(stmt, next, &mut page)?;
        let take = (size - spill.len()).min(usable - 4);
        let bytes = page.get(4..4 + take).ok_or_else(|| malformed(next, "overflow page"))?;
        spill.extend_from_slice(bytes);
        next = u32_at(&page, 0).ok_or_else(|| malformed(next, "overflow page"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::types::Value as Sql;

    #[test]
    fn varints_as_sqlite_writes_them() {
        assert_eq!(varint(&[0x00]), Some((0, 1)));
        assert_eq!(varint(&[0x7f]), Some((127, 1)));
        assert_eq!(varint(&[0x81, 0x00]), Some((128, 2)));
        assert_eq!(varint(&[0xff, 0x7f]), Some((16_383, 2)));
        assert_eq!(varint(&[0xff; 9]), Some((u64::MAX, 9)), "the ninth byte carries eight bits");
        assert_eq!(varint(&[0x81]), None, "truncated");
    }

    fn as_sql(v: &Value) -> Sql {
        match *v {
            Value::Null => Sql::Null,
            Value::Int(i) => Sql::Integer(i),
            Value::Real(r) => Sql::Real(r),
            Value::Text(t) => Sql::Text(String::from_utf8(t.to_vec()).unwrap()),
            Value::Blob(b) => Sql::Blob(b.to_vec()),
        }
    }

    /// Rows of every storage class and integer width, payloads that spill onto one and onto many
    /// overflow pages, holes left by deletes, rows rewritten in place and moved, on 512-byte pages
    /// (a deep tree), part of it still in the WAL: the page reader must see exactly what SELECT sees.
    #[test]
    fn pages_read_what_select_reads() {
        let dir = tempfile::tempdir().unwrap();
        let conn = Connection::open(dir.path().join("t.db")).unwrap();
        conn.execute_batch("PRAGMA page_size = 512; PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0;").unwrap();
        conn.execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, a, b, c TEXT, d BLOB)").unwrap();
        let ints = [0, 1, -1, 2, 127, -128, 128, 32_767, -32_769, 8_388_607, -8_388_609, 1 << 31, -(1 << 40), (1 << 47) - 1, 1 << 50, i64::MAX, i64::MIN];
        {
            let tx = conn.unchecked_transaction().unwrap();
            let mut insert = tx.prepare("INSERT INTO t (id, a, b, c, d) VALUES (?1, ?2, ?3, ?4, ?5)").unwrap();
            for i in 0..3000i64 {
                let a = Sql::Integer(ints[i as usize % ints.len()]);
                let b = match i % 4 {
                    0 => Sql::Null,
                    1 => Sql::Real(i as f64 / 7.0),
                    2 => Sql::Text(format!("案件 {i}")),
                    _ => Sql::Integer(-i),
                };
                let len = match i % 97 {
                    0 => 20_000,
                    1 => 600,
                    _ => (i % 50) as usize,
                };
                let c = "证".repeat(len / 3 + 1);
                let d = (0..(i % 700) as usize).map(|x| x as u8).collect::<Vec<u8>>();
                insert.execute(rusqlite::params![i * 3, a, b, c, d]).unwrap();
            }
            drop(insert);
            tx.commit().unwrap();
        }
        conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);").unwrap();
        // Later changes stay in the WAL.
        conn.execute_batch("DELETE FROM t WHERE id % 7 = 0; UPDATE t SET c = 'short' WHERE id % 11 = 0; UPDATE t SET d = randomblob(3000) WHERE id % 13 = 0; INSERT INTO t (id, a) VALUES (100000, 5), (-5, -5);").unwrap();

        let tx = conn.unchecked_transaction().unwrap();
        let mut pages = TablePages::open(&tx, "t").unwrap().expect("this SQLite has sqlite_dbpage");
        let mut select = tx.prepare("SELECT id, a, b, c, d FROM t WHERE id >= ?1 AND id < ?2 ORDER BY id").unwrap();
        for (start, end) in [(i64::MIN, i64::MAX), (0, 1), (1, 2), (-5, 0), (300, 301), (299, 4000), (4000, 4000), (8990, 100_001), (5, 3)] {
            let expected: Vec<Vec<Sql>> =
                select.query_map([start, end], |r| (0..5).map(|i| r.get::<_, Sql>(i)).collect()).unwrap().collect::<rusqlite::Result<_>>().unwrap();
            let mut seen = Vec::new();
            pages
                .scan(start, end, &mut |rowid, values| {
                    assert_eq!(values[0], Value::Null, "the rowid alias is stored as NULL");
                    let mut row = vec![Sql::Integer(rowid)];
                    row.extend(values[1..].iter().map(as_sql));
                    seen.push(row);
                    Ok(())
                })
                .unwrap();
            assert_eq!(seen.len(), expected.len(), "rows in {start}..{end}");
            assert!(seen == expected, "rows in {start}..{end} differ");
        }
        drop(select);
        drop(pages);
        assert!(TablePages::open(&tx, "missing").unwrap().is_none(), "no such table");
        tx.execute_batch("CREATE TABLE w (k TEXT PRIMARY KEY, v) WITHOUT ROWID").unwrap();
        assert!(TablePages::open(&tx, "w").unwrap().is_none(), "a WITHOUT ROWID table is an index b-tree: read it through SQL");
    }

    #[test]
    fn damaged_pages_give_errors_never_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        let clean = dir.path().join("clean.db");
        {
            let conn = Connection::open(&clean).unwrap();
            conn.execute_batch("PRAGMA page_size = 512; CREATE TABLE t (id INTEGER PRIMARY KEY, a, c TEXT);").unwrap();
            let tx = conn.unchecked_transaction().unwrap();
            for i in 0..400i64 {
                tx.execute("INSERT INTO t VALUES (?1, ?2, ?3)", rusqlite::params![i, i * 1000, "x".repeat((i as usize * 37) % 1500)]).unwrap();
            }
            tx.commit().unwrap();
        }
        let bytes = std::fs::read(&clean).unwrap();
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let (mut errors, mut clean_reads) = (0, 0);
        for round in 0..300 {
            let mut damaged = bytes.clone();
            for _ in 0..1 + next() % 8 {
                // Anywhere after page 1 (the schema), so the table can still be found.
                let at = 512 + (next() as usize % (damaged.len() - 512));
                damaged[at] = next() as u8;
            }
            let path = dir.path().join(format!("d{round}.db"));
            std::fs::write(&path, &damaged).unwrap();
            let conn = Connection::open(&path).unwrap();
            let tx = conn.unchecked_transaction().unwrap();
            let outcome = TablePages::open(&tx, "t").and_then(|pages| match pages {
                Some(mut pages) => pages.scan(i64::MIN, i64::MAX, &mut |_, _| Ok(())),
                None => Ok(()),
            });
            match outcome {
                Ok(()) => clean_reads += 1,
                Err(_) => errors += 1,
            }
        }
        assert!(errors > 0 && clean_reads > 0, "{errors} errors, {clean_reads} clean reads");
    }

    #[test]
    fn a_malformed_page_is_an_error_not_a_panic() {
        let mut values = [Value::Null; MAX_COLUMNS];
        // A header that claims more bytes than the record has, a reserved serial type, a text
        // running past the end, and more columns than allowed.
        assert_eq!(record(&[0x05, 0x01], &mut values), None);
        assert_eq!(record(&[0x02, 0x0a], &mut values), None);
        assert_eq!(record(&[0x02, 0x21, b'a'], &mut values), None);
        assert_eq!(record(&[0x0e; 14], &mut values), None);
        assert_eq!(record(&[0x03, 0x01, 0x0f, 0xff, b'x'], &mut values), Some(2));
        assert_eq!(values[..2], [Value::Int(-1), Value::Text(b"x")]);
    }
}
