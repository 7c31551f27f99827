//! `xiezhi audit`: offline verification of a database, and a witness that follows a server.

use anyhow::{bail, Context};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use bytes::Bytes;
use clap::Subcommand;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::process::ExitCode;
use xiezhi_audit::{leaf_hash, open_checkpoint, verify_consistency, CompactRange, Hash, NoteSigner, NoteVerifier};
use xiezhi_store::Store;

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Recompute every leaf from the stored events and the tree from the leaves; check every
    /// signed root and the latest checkpoint's signature (`--deep`: every signature, and every
    /// document's content). Reports each altered, missing or misplaced event; exit 1.
    /// Reads the database as found: creates, migrates and writes nothing.
    Verify {
        #[command(flatten)]
        db: crate::DbArgs,
        /// Also check the signature of every stored checkpoint (not only the latest) and re-hash
        /// every stored document against the address it is served under.
        #[arg(long)]
        deep: bool,
    },
    /// Follow a server as a witness: check each new checkpoint's signature, its consistency with
    /// the last one seen, and that the new entries hash to it. A rollback, a split view, a bad
    /// signature or entries that do not match raise an alarm and exit 3.
    Witness {
        /// The server, e.g. http://127.0.0.1:8080
        #[arg(long)]
        url: String,
        /// The log's verifier key (GET /api/v1/audit/public-key → verifier).
        #[arg(long)]
        key: String,
        /// Where the witness keeps what it has seen.
        #[arg(long)]
        state: PathBuf,
        /// Co-sign with this key (hex seed file; created if missing) and post the cosignature.
        #[arg(long, requires_all = ["name", "token"])]
        cosign_key: Option<PathBuf>,
        /// The witness's name, e.g. witness.court.990101
        #[arg(long)]
        name: Option<String>,
        /// An API token of an auditor or administrator, to post cosignatures.
        #[arg(long)]
        token: Option<String>,
    },
}

pub async fn run(cmd: AuditCommand, cfg_path: Option<&PathBuf>) -> anyhow::Result<ExitCode> {
    match cmd {
        AuditCommand::Verify { db, deep } => {
            let cfg = crate::load(cfg_path, &db, crate::config::Overrides::default())?;
            // As found: verification writes nothing to what may be evidence, and checks the
            // database it was given, not one it would create.
            let store = crate::open_read_only(&cfg).await?;
            let key = std::fs::read_to_string(cfg.audit_key_path()).ok().and_then(|k| hex::decode(k.trim()).ok()).and_then(|k| <[u8; 32]>::try_from(k).ok());
            let verifier =
                key.map(|seed| xiezhi_server::audit::LogSigner::new(&cfg.audit_origin, seed)).transpose().map_err(anyhow::Error::msg)?.map(|s| s.verifier());
            verify(&store, verifier.as_deref(), deep).await
        }
        AuditCommand::Witness { url, key, state, cosign_key, name, token } => witness(&url, &key, &state, cosign_key.zip(name).zip(token)).await,
    }
}

/// Events per page of the check: a power of two, so each page's leaves form complete subtrees
/// that the thread which hashed them can fold on its own.
const PAGE: u64 = 16_384;

/// What one page of events came to.
struct PageCheck {
    /// The page's leaves, recomputed, as a tree of their own.
    range: CompactRange,
    /// The page's own tree at each signed size inside it (global size), to check those roots.
    at_signed: Vec<(u64, CompactRange)>,
    problems: Vec<(u64, Problem)>,
}

enum Problem {
    Missing,
    Mismatch,
    NoLeaf,
}

/// Recompute a page's leaf hashes from its events, compare them with the stored ones and fold
/// them into the page's subtree — on the thread that read them.
fn fold_page(start: u64, end: u64, leaves: &[(u64, Hash)], stored: &[(u64, Hash)], signed: &[u64]) -> PageCheck {
    let mut page = PageCheck { range: CompactRange::new(), at_signed: Vec::new(), problems: Vec::new() };
    let mut stored = stored.iter().peekable();
    let mut signed = signed.iter().peekable();
    let mut push = |page: &mut PageCheck, leaf: Hash| {
        page.range.push(leaf);
        if signed.next_if_eq(&&(start + page.range.size())).is_some() {
            page.at_signed.push((start + page.range.size(), page.range.clone()));
        }
    };
    let mut expected = start;
    for &(seq, leaf) in leaves {
        while expected < seq {
            page.problems.push((expected, Problem::Missing));
            push(&mut page, [0; 32]);
            expected += 1;
        }
        while stored.next_if(|(i, _)| *i < seq).is_some() {}
        match stored.peek() {
            Some((i, h)) if *i == seq => {
                if *h != leaf {
                    page.problems.push((seq, Problem::Mismatch));
                }
            }
            _ => page.problems.push((seq, Problem::NoLeaf)),
        }
        push(&mut page, leaf);
        expected += 1;
    }
    while expected < end {
        page.problems.push((expected, Problem::Missing));
        push(&mut page, [0; 32]);
        expected += 1;
    }
    page
}

/// Name an event for a report line: its kind and subject.
async fn describe<S: Store>(store: &S, seq: u64) -> String {
    match store.events(seq, seq + 1).await.ok().and_then(|mut v| v.pop()) {
        Some(e) => format!("event {} ({})", e.kind, e.subject),
        None => "event".into(),
    }
}

/// Offline verification. Prints one line per problem; returns how many events it checked.
pub async fn verify<S: Store>(store: &S, verifier: Option<&str>, deep: bool) -> anyhow::Result<ExitCode> {
    let (mut problems, size, root) = check(store, verifier).await?;
    if deep {
        problems.extend(check_deep(store, verifier).await?);
    }
    if problems.is_empty() {
        println!("audit log verified: {size} events, root {}", B64.encode(root));
        Ok(ExitCode::SUCCESS)
    } else {
        for p in &problems {
            println!("TAMPERED: {p}");
        }
        println!("audit log verification FAILED: {} problems in {size} events", problems.len());
        Ok(ExitCode::from(1))
    }
}

/// Recompute every leaf and the tree; compare with the stored leaves and every signed checkpoint.
pub async fn check<S: Store>(store: &S, verifier: Option<&str>) -> anyhow::Result<(Vec<String>, u64, Hash)> {
    let size = store.audit_size().await?;
    let mut tree = CompactRange::new();
    let mut problems = Vec::new();
    // Every checkpoint ever signed, newest first: each signed root is compared with the tree.
    let mut checkpoints = Vec::new();
    loop {
        let before = checkpoints.last().map_or(i64::MAX, |c: &xiezhi_store::StoredCheckpoint| c.tree_size);
        let page = store.checkpoints_before(before, 10_000).await?;
        if page.is_empty() {
            break;
        }
        checkpoints.extend(page);
    }
    let signed: std::collections::BTreeMap<u64, Hash> = checkpoints.iter().map(|c| (c.tree_size as u64, c.root)).collect();
    if let (Some(latest), Some(v)) = (checkpoints.first(), verifier) {
        if let Err(e) = open_checkpoint(&latest.note, &NoteVerifier::parse(v)?) {
            problems.push(format!("checkpoint {}: {e}", latest.tree_size));
        }
    }
    if let Some(latest) = checkpoints.first().filter(|c| c.tree_size as u64 > size) {
        problems.push(format!("checkpoint {}: the log has only {size} events (truncated?)", latest.tree_size));
    }
    // One reader per core (and one more, for a core whose reader waits on the disk), each on a
    // thread of its own, takes the next page as soon as it is done with the last; the pages come
    // back small (their hashes folded already) and are joined in order.
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get()) + 1;
    let next = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let signed_sizes: std::sync::Arc<Vec<u64>> = std::sync::Arc::new(signed.keys().copied().collect());
    let readers: Vec<_> = (0..workers)
        .map(|_| {
            let (store, next, signed_sizes) = (store.clone(), next.clone(), signed_sizes.clone());
            tokio::spawn(async move {
                let pages = next.clone();
                let take = move || {
                    let start = pages.fetch_add(PAGE, std::sync::atomic::Ordering::Relaxed);
                    (start < size).then(|| (start, (start + PAGE).min(size)))
                };
                let checked = store
                    .with_leaf_ranges(take, move |start, end, leaves, stored| {
                        let inside: Vec<u64> = signed_sizes.iter().copied().filter(|s| (start + 1..=end).contains(s)).collect();
                        (start, fold_page(start, end, leaves, stored, &inside))
                    })
                    .await;
                if checked.is_err() {
                    // The check fails with this error: the other readers need take no more pages.
                    next.store(size, std::sync::atomic::Ordering::Relaxed);
                }
                checked
            })
        })
        .collect();
    let mut pages = Vec::new();
    for reader in readers {
        pages.extend(reader.await.context("a verification reader stopped")??);
    }
    pages.sort_by_key(|(start, _)| *start);
    for (start, checked) in pages {
        for (seq, problem) in checked.problems {
            problems.push(match problem {
                Problem::Missing => format!("index {seq}: event missing (deleted?)"),
                Problem::Mismatch => format!("index {seq}: {} does not match its leaf (altered, inserted or reordered)", describe(store, seq).await),
                Problem::NoLeaf => format!("index {seq}: no leaf stored for this event (inserted?)"),
            });
        }
        for (at, range) in &checked.at_signed {
            let mut whole = tree.clone();
            anyhow::ensure!(whole.append(range), "page at {start} is not aligned");
            if signed.get(at).is_some_and(|root| *root != whole.root()) {
                problems.push(format!("checkpoint {at}: the events do not hash to the signed root (history rewritten?)"));
            }
        }
        anyhow::ensure!(tree.size() == start && tree.append(&checked.range), "page at {start} is not aligned");
    }
    Ok((problems, size, tree.root()))
}

/// What `--deep` adds: every stored checkpoint's signature, and every stored document's content
/// against the SHA-256 it is addressed (and served) by.
pub async fn check_deep<S: Store>(store: &S, verifier: Option<&str>) -> anyhow::Result<Vec<String>> {
    use sha2::Digest;
    let mut problems = Vec::new();
    let verifier = verifier.map(NoteVerifier::parse).transpose()?;
    if verifier.is_none() {
        problems.push("checkpoints: no audit key found, so no signature could be checked (give --data or audit_key_file)".into());
    }
    let mut before = i64::MAX;
    loop {
        let page = store.checkpoints_before(before, 10_000).await?;
        let Some(last) = page.last() else { break };
        before = last.tree_size;
        for cp in &page {
            let Some(v) = &verifier else { break };
            match open_checkpoint(&cp.note, v) {
                Ok(c) if c.size == cp.tree_size as u64 && c.root == cp.root => {}
                Ok(_) => problems.push(format!("checkpoint {}: the signed note does not say the stored size and root", cp.tree_size)),
                Err(e) => problems.push(format!("checkpoint {}: {e}", cp.tree_size)),
            }
        }
    }
    let mut after = String::new();
    loop {
        let page = store.blobs_after(&after, 200).await?;
        let Some((last, _)) = page.last() else { break };
        after = last.clone();
        for (address, bytes) in &page {
            let actual = hex::encode(sha2::Sha256::digest(bytes));
            if &actual != address {
                problems.push(format!("document {address}: its stored content hashes to {actual} (altered)"));
            }
        }
    }
    Ok(problems)
}

#[derive(Serialize, Deserialize)]
struct WitnessState {
    size: u64,
    root: String,
    edge: Vec<String>,
    note: String,
}

struct Http {
    client: Client<hyper_util::client::legacy::connect::HttpConnector, Full<Bytes>>,
    base: String,
}

impl Http {
    async fn call(&self, method: &str, path: &str, body: Option<(String, &str)>) -> anyhow::Result<serde_json::Value> {
        let mut builder = http::Request::builder().method(method).uri(format!("{}{path}", self.base));
        let body = match body {
            Some((json, token)) => {
                builder = builder.header("content-type", "application/json").header("authorization", format!("Bearer {token}"));
                Full::new(Bytes::from(json))
            }
            None => Full::new(Bytes::new()),
        };
        let res = self.client.request(builder.body(body)?).await.with_context(|| format!("{method} {}{path}", self.base))?;
        let status = res.status();
        let bytes = res.into_body().collect().await?.to_bytes();
        let value: serde_json::Value = serde_json::from_slice(&bytes).with_context(|| format!("{path}: not JSON"))?;
        if !status.is_success() {
            bail!("{method} {path}: {status}: {}", value["detail"]);
        }
        Ok(value)
    }
}

fn b64_hash(v: &serde_json::Value) -> anyhow::Result<Hash> {
    let bytes = B64.decode(v.as_str().context("expected a base64 string")?)?;
    bytes.try_into().map_err(|_| anyhow::anyhow!("expected 32 bytes"))
}

async fn alarm(message: String) -> anyhow::Result<ExitCode> {
    eprintln!("ALARM: {message}");
    Ok(ExitCode::from(3))
}

async fn witness(url: &str, key: &str, state_path: &PathBuf, cosign: Option<((PathBuf, String), String)>) -> anyhow::Result<ExitCode> {
    let verifier = NoteVerifier::parse(key).context("--key")?;
    if !url.starts_with("http://") {
        bail!("--url must be http://…; put a TLS-terminating proxy's plain side or a loopback address here");
    }
    let http = Http { client: Client::builder(hyper_util::rt::TokioExecutor::new()).build_http(), base: url.trim_end_matches('/').to_string() };
    let latest = http.call("GET", "/api/v1/audit/checkpoint", None).await?;
    let note = latest["note"].as_str().context("checkpoint without note")?.to_string();
    let cp = match open_checkpoint(&note, &verifier) {
        Ok(cp) => cp,
        Err(e) => return alarm(format!("the checkpoint's signature is not valid ({e}); the log key or the server is not the one you trust")).await,
    };
    let previous: Option<WitnessState> = match std::fs::read_to_string(state_path) {
        Ok(text) => Some(serde_json::from_str(&text).context("witness state file")?),
        Err(_) => None,
    };
    let mut range = match &previous {
        Some(p) => {
            let edge = p.edge.iter().map(|h| b64_hash(&serde_json::Value::String(h.clone()))).collect::<anyhow::Result<Vec<_>>>()?;
            CompactRange::from_parts(p.size, edge).context("witness state is inconsistent")?
        }
        None => CompactRange::new(),
    };
    let old_root = range.root();
    if cp.size < range.size() {
        return alarm(format!("ROLLBACK: the log now claims {} entries, but {} were seen and signed before", cp.size, range.size())).await;
    }
    if cp.size == range.size() {
        if cp.root != old_root {
            return alarm(format!(
                "SPLIT VIEW or REWRITE: tree size {} now has root {} but {} was signed before",
                cp.size,
                B64.encode(cp.root),
                B64.encode(old_root)
            ))
            .await;
        }
    } else if range.size() > 0 {
        let proof = http.call("GET", &format!("/api/v1/audit/proof/consistency?first={}&second={}", range.size(), cp.size), None).await?;
        let hashes = proof["consistency"].as_array().context("consistency")?.iter().map(b64_hash).collect::<anyhow::Result<Vec<_>>>()?;
        if let Err(e) = verify_consistency(range.size(), cp.size, &old_root, &cp.root, &hashes) {
            return alarm(format!("REWRITE: the tree of {} entries is not an extension of the {} entries seen before ({e})", cp.size, range.size())).await;
        }
    }
    // Every new entry must hash into the signed root.
    let mut start = range.size();
    while start < cp.size {
        let end = (start + 1000).min(cp.size);
        let page = http.call("GET", &format!("/api/v1/audit/entries?start={start}&end={end}"), None).await?;
        for e in page["entries"].as_array().context("entries")? {
            let input = B64.decode(e["leaf_input"].as_str().context("leaf_input")?)?;
            range.push(leaf_hash(&input));
        }
        start = end;
    }
    if range.root() != cp.root {
        return alarm(format!("the entries served do not hash to the signed root of {} entries: events were altered under the log", cp.size)).await;
    }
    let state = WitnessState { size: cp.size, root: B64.encode(cp.root), edge: range.edge().iter().map(|h| B64.encode(h)).collect(), note: note.clone() };
    let tmp = state_path.with_extension("tmp");
    std::fs::write(&tmp, serde_json::to_vec_pretty(&state)?).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, state_path)?;
    let grew = cp.size - previous.as_ref().map_or(0, |p| p.size);
    println!("checkpoint {} verified ({} new entries, root {})", cp.size, grew, B64.encode(cp.root));
    if let Some(((key_file, name), token)) = cosign {
        let seed = xiezhi_server::audit::load_or_create_seed(&key_file).map_err(anyhow::Error::msg)?;
        let signer = NoteSigner::from_seed(&name, seed)?;
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs();
        let body = serde_json::json!({"tree_size": cp.size, "cosignature": signer.cosign(&cp, now), "witness_key": signer.cosigner_verifier()});
        http.call("POST", "/api/v1/audit/cosignatures", Some((body.to_string(), &token))).await?;
        println!("cosigned as {name} ({})", signer.cosigner_verifier());
    }
    Ok(ExitCode::SUCCESS)
}
