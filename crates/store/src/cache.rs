//! Short-lived memory of what nearly every request reads and almost nothing changes: who a bearer
//! token belongs to, and units by id. This process forgets everything the moment it changes a
//! user, a unit or a token; another process sharing a PostgreSQL database is seen within `TTL`.

use crate::{Principal, Unit};
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub(crate) const TTL: Duration = Duration::from_secs(5);
const MAX_ENTRIES: usize = 100_000;

pub(crate) struct Memo<K, V>(Mutex<HashMap<K, (V, Instant)>>);

impl<K: Eq + Hash, V: Clone> Memo<K, V> {
    fn new() -> Self {
        Self(Mutex::new(HashMap::new()))
    }

    pub fn get(&self, key: &K) -> Option<V> {
        let map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        map.get(key).filter(|(_, at)| at.elapsed() < TTL).map(|(v, _)| v.clone())
    }

    pub fn put(&self, key: K, value: V) {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= MAX_ENTRIES {
            map.clear();
        }
        map.insert(key, (value, Instant::now()));
    }

    fn clear(&self) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }
}

pub(crate) struct Cache {
    /// Token digest → principal.
    pub tokens: Memo<String, Principal>,
    pub units: Memo<i64, Unit>,
}

impl Cache {
    pub fn new() -> Self {
        Self { tokens: Memo::new(), units: Memo::new() }
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
