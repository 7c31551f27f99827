//! The log's signing key and its checkpoints.

use crate::error::AppError;
use crate::state::AppState;
use std::time::Duration;
use xiezhi_audit::{fold_range, Checkpoint, NoteSigner};
use xiezhi_store::{Store, StoredCheckpoint};

/// The platform's checkpoint signer: the key's name is the log's origin.
pub struct LogSigner {
    pub origin: String,
    signer: NoteSigner,
}

impl LogSigner {
    pub fn new(origin: &str, seed: [u8; 32]) -> Result<Self, String> {
        let signer = NoteSigner::from_seed(origin, seed).map_err(|e| e.to_string())?;
        Ok(Self { origin: origin.to_string(), signer })
    }
    pub fn public_key(&self) -> [u8; 32] {
        self.signer.public_key()
    }
    pub fn verifier(&self) -> String {
        self.signer.verifier()
    }
    pub fn sign(&self, cp: &Checkpoint) -> String {
        self.signer.sign(cp)
    }
}

impl std::fmt::Debug for LogSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LogSigner({})", self.verifier())
    }
}

/// The key id (8 hex digits) of every signature on a signed note, as its signature lines say.
pub fn note_key_ids(note: &str) -> Vec<String> {
    use base64::Engine;
    note.lines()
        .filter_map(|l| l.strip_prefix("— "))
        .filter_map(|l| l.split_whitespace().nth(1))
        .filter_map(|sig| base64::engine::general_purpose::STANDARD.decode(sig).ok())
        .filter(|b| b.len() > 4)
        .map(|b| hex::encode(&b[..4]))
        .collect()
}

/// Refuse to sign a log that another key signed: a server started with a different data folder
/// (and so a new key) over a shared database would otherwise sign on, and every later check of
/// the older checkpoints would look like tampering. Both key ids are named.
pub async fn check_log_key<S: Store>(store: &S, signer: &LogSigner) -> Result<(), String> {
    let Some(latest) = store.checkpoint(None).await.map_err(|e| e.to_string())? else { return Ok(()) };
    let verifier = xiezhi_audit::NoteVerifier::parse(&signer.verifier()).map_err(|e| e.to_string())?;
    if xiezhi_audit::open_checkpoint(&latest.note, &verifier).is_ok() {
        return Ok(());
    }
    let ours = signer.verifier().split('+').nth(1).unwrap_or_default().to_string();
    Err(format!(
        "the audit log in this database is signed by key {} but this server's key is {ours} ({}); point audit_key_file at the key the log is signed with (the other servers' DATA/audit-key)",
        note_key_ids(&latest.note).join(", "),
        signer.verifier()
    ))
}

/// The root of the stored tree at `size`.
pub async fn root_at<S: Store>(store: &S, size: u64) -> Result<[u8; 32], AppError> {
    let wanted = xiezhi_audit::range_nodes(0..size);
    let nodes = store.audit_nodes(&wanted).await?;
    let missing = wanted.into_iter().find(|n| !nodes.contains_key(n));
    if let Some(n) = missing {
        return Err(AppError::Internal(format!("audit node {n:?} is missing")));
    }
    Ok(fold_range(0..size, &|n| nodes[&n]))
}

/// Sign the tree as it is now, unless the latest checkpoint already covers it.
pub async fn checkpoint_now<S: Store>(st: &AppState<S>) -> Result<StoredCheckpoint, AppError> {
    let size = st.store.audit_size().await?;
    if let Some(latest) = st.store.checkpoint(None).await? {
        if latest.tree_size as u64 >= size {
            return Ok(latest);
        }
    }
    let root = root_at(&st.store, size).await?;
    let note = st.signer.sign(&Checkpoint { origin: st.signer.origin.clone(), size, root });
    let cp = StoredCheckpoint { tree_size: size as i64, root, at: st.clock.now_us(), note };
    st.store.add_checkpoint(cp.clone()).await?;
    // Another process may have signed the same size first; theirs is the one kept.
    Ok(st.store.checkpoint(Some(cp.tree_size)).await?.unwrap_or(cp))
}

/// Sign a checkpoint every `every` while the log grows.
pub async fn run_checkpointer<S: Store>(st: AppState<S>, every: Duration) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if let Err(e) = checkpoint_now(&st).await {
            tracing::warn!(error = %e, "checkpoint signing failed");
        }
    }
}

/// The 32-byte key seed in `path` (hex), created with fresh randomness on first use and
/// readable by its owner only. A new key is durable before it is used: written to a file of its
/// own, synced, renamed into place and the folder synced, so a power cut leaves either no key
/// (and nothing signed with it) or the whole key.
pub fn load_or_create_seed(path: &std::path::Path) -> Result<[u8; 32], String> {
    use rand::RngCore;
    use std::io::Write;
    if let Ok(text) = std::fs::read_to_string(path) {
        let bytes = hex::decode(text.trim()).map_err(|_| format!("audit key {} is not hex", path.display()))?;
        return bytes.try_into().map_err(|_| format!("audit key {} is not 32 bytes", path.display()));
    }
    let mut seed = [0u8; 32];
    rand::rng().fill_bytes(&mut seed);
    let fresh = path.with_extension("new");
    let cannot = |what: &str, e: std::io::Error| format!("cannot {what} audit key {}: {e}", path.display());
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut f = options.open(&fresh).map_err(|e| cannot("create", e))?;
    f.write_all(hex::encode(seed).as_bytes()).map_err(|e| cannot("write", e))?;
    f.sync_all().map_err(|e| cannot("sync", e))?;
    std::fs::rename(&fresh, path).map_err(|e| cannot("install", e))?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::File::open(dir).and_then(|d| d.sync_all()).map_err(|e| cannot("sync the folder of", e))?;
    }
    Ok(seed)
}

/// Whether event `seq`, as stored now, is included in the signed checkpoint `cp`: its leaf is
/// recomputed from the row and checked with an inclusion proof against the signed root.
pub async fn included<S: Store>(st: &AppState<S>, seq: u64, cp: &StoredCheckpoint) -> Result<bool, AppError> {
    let size = cp.tree_size as u64;
    if seq >= size {
        return Ok(false);
    }
    let Some(event) = st.store.events(seq, seq + 1).await?.into_iter().next() else { return Ok(false) };
    let ranges = xiezhi_audit::inclusion_ranges(seq, size);
    let nodes = st.store.audit_nodes(&xiezhi_audit::nodes_for(&ranges)).await?;
    let Some(path) = xiezhi_audit::hash_ranges(&ranges, &nodes) else { return Ok(false) };
    Ok(xiezhi_audit::verify_inclusion(&xiezhi_audit::leaf_hash(&event.leaf_input()), seq, size, &path, &cp.root).is_ok())
}

/// The latest checkpoint, if its signature verifies with this server's key.
pub async fn trusted_checkpoint<S: Store>(st: &AppState<S>) -> Result<Option<StoredCheckpoint>, AppError> {
    let Some(cp) = st.store.checkpoint(None).await? else { return Ok(None) };
    let verifier = xiezhi_audit::NoteVerifier::parse(&st.signer.verifier()).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(xiezhi_audit::open_checkpoint(&cp.note, &verifier).ok().filter(|c| c.size == cp.tree_size as u64 && c.root == cp.root).map(|_| cp))
}

#[cfg(test)]
mod tests {
    #[cfg(unix)]
    #[test]
    fn the_audit_key_is_created_readable_by_its_owner_only_and_read_back() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit-key");
        let seed = super::load_or_create_seed(&path).unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(super::load_or_create_seed(&path).unwrap(), seed, "the same key on the next start");
        std::fs::write(&path, "not hex").unwrap();
        assert!(super::load_or_create_seed(&path).unwrap_err().contains("not hex"));
    }
}
