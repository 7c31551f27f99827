//! Short-lived memory of what nearly every request reads and almost nothing changes: who a bearer
//! token belongs to, and units by id. This process forgets everything the moment it changes a
//! user, a unit or a token; another process sharing a PostgreSQL database is seen within `TTL`.
//!
//! And the cases, disputes and work orders this process last read or wrote, for deciding the next
//! change to one without reading it again: the write's version check refuses a decision made on
//! one another process has changed meanwhile, and the application then reads it afresh and
//! decides again.

use crate::{CaseRecord, Principal, Unit};
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub(crate) const TTL: Duration = Duration::from_secs(5);
const MAX_ENTRIES: usize = 100_000;

/// How long a case (dispute, work order) is remembered, and how many of each: a person acting on
/// one usually acts again within the minute (signs for it, then accepts it), and a remembered
/// record is about 2 KB.
const CASE_TTL: Duration = Duration::from_secs(60);
const MAX_CASES: usize = 10_000;

pub(crate) struct Memo<K, V> {
    map: Mutex<HashMap<K, (V, Instant)>>,
    ttl: Duration,
    max: usize,
}

impl<K: Eq + Hash, V: Clone> Memo<K, V> {
    fn new(ttl: Duration, max: usize) -> Self {
        Self { map: Mutex::new(HashMap::new()), ttl, max }
    }

    pub fn get(&self, key: &K) -> Option<V> {
        let map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        map.get(key).filter(|(_, at)| at.elapsed() < self.ttl).map(|(v, _)| v.clone())
    }

    pub fn put(&self, key: K, value: V) {
        self.put_if(key, value, |_, _| true);
    }

    /// Put `value` unless one is remembered and `replace(old, new)` says to keep it.
    fn put_if(&self, key: K, value: V, replace: impl Fn(&V, &V) -> bool) {
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= self.max {
            map.clear();
        }
        if map.get(&key).is_some_and(|(old, _)| !replace(old, &value)) {
            return;
        }
        map.insert(key, (value, Instant::now()));
    }

    pub fn remove(&self, key: &K) {
        self.map.lock().unwrap_or_else(|e| e.into_inner()).remove(key);
    }

    fn clear(&self) {
        self.map.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }
}

/// A record of an aggregate (a case, a dispute, a work order) that can be remembered.
pub(crate) trait Versioned {
    fn id(&self) -> i64;
    fn version(&self) -> i64;
}

/// Records as last read or written, with the units that hold or held each.
pub(crate) type Records<R> = Memo<i64, (R, Vec<i64>)>;

impl<R: Versioned + Clone> Records<R> {
    /// Remember a record unless a later version of it is remembered already (two writes on one
    /// aggregate may report back in either order).
    pub fn remember(&self, record: R, units: Vec<i64>) {
        self.put_if(record.id(), (record, units), |(old, _), (new, _)| new.version() >= old.version());
    }

    /// The record remembered at `version`, the one a write is about to change.
    pub fn at(&self, id: i64, version: i64) -> Option<(R, Vec<i64>)> {
        self.get(&id).filter(|(r, _)| r.version() == version)
    }

    /// After a write: remember what it left, or (refused, or the record before it not
    /// remembered) forget the record, since it is not known what it holds now.
    pub fn written<T, E>(&self, id: i64, outcome: &Result<T, E>, after: Option<impl FnOnce(&T) -> (R, Vec<i64>)>) {
        match (outcome, after) {
            (Ok(done), Some(after)) => {
                let (record, units) = after(done);
                self.remember(record, units);
            }
            _ => self.remove(&id),
        }
    }
}

impl Versioned for CaseRecord {
    fn id(&self) -> i64 {
        self.id
    }
    fn version(&self) -> i64 {
        self.version
    }
}

impl Versioned for crate::DisputeRecord {
    fn id(&self) -> i64 {
        self.id
    }
    fn version(&self) -> i64 {
        self.version
    }
}

impl Versioned for crate::TicketRecord {
    fn id(&self) -> i64 {
        self.id
    }
    fn version(&self) -> i64 {
        self.version
    }
}

/// The units of a record after a write that adds `more`.
pub fn units_after(mut units: Vec<i64>, more: &[i64]) -> Vec<i64> {
    units.extend(more);
    units.sort_unstable();
    units.dedup();
    units
}

pub(crate) struct Cache {
    /// Token digest → principal.
    pub tokens: Memo<String, Principal>,
    pub units: Memo<i64, Unit>,
    /// Cases, disputes and work orders, for deciding the next change (never for showing one).
    pub cases: Records<CaseRecord>,
    pub disputes: Records<crate::DisputeRecord>,
    pub tickets: Records<crate::TicketRecord>,
}

impl Cache {
    pub fn new() -> Self {
        Self {
            tokens: Memo::new(TTL, MAX_ENTRIES),
            units: Memo::new(TTL, MAX_ENTRIES),
            cases: Memo::new(CASE_TTL, MAX_CASES),
            disputes: Memo::new(CASE_TTL, MAX_CASES),
            tickets: Memo::new(CASE_TTL, MAX_CASES),
        }
    }

    /// Around any change to users, units or tokens: forget now, and again when the returned guard
    /// drops (after the commit), so nothing read meanwhile outlives the change.
    pub fn forget_now_and_after(&self) -> Forget<'_> {
        self.forget();
        Forget(self)
    }

    fn forget(&self) {
        self.tokens.clear();
        self.units.clear();
    }
}

pub(crate) struct Forget<'a>(&'a Cache);

impl Drop for Forget<'_> {
    fn drop(&mut self) {
        self.0.forget();
    }
}
