//! The audit log, for witnesses and auditors. Reads are public: a leaf holds an event's
//! metadata and the SHA-256 of its payload, never the payload itself.

use super::{ApiJson, ApiQuery};
use crate::audit::checkpoint_now;
use crate::auth::{authorize, Signed};
use crate::error::{ApiResult, AppError};
use crate::state::{format_time, AppState};
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa::ToSchema;
use xiezhi_audit::{consistency_ranges, hash_ranges, inclusion_ranges, nodes_for, Checkpoint, NoteVerifier};
use xiezhi_core::Action;
use xiezhi_store::{Store, StoredCheckpoint, StoredCosignature};

/// Largest page of `GET /api/v1/audit/entries`.
pub const MAX_ENTRIES: u64 = 1000;

#[derive(Serialize, ToSchema)]
pub struct CheckpointDto {
    pub origin: String,
    pub tree_size: i64,
    /// Base64 SHA-256 root.
    pub root_hash: String,
    /// RFC 3339 time of signing.
    pub timestamp: String,
    /// The C2SP signed note.
    pub note: String,
}

fn checkpoint_dto<S>(st: &AppState<S>, cp: &StoredCheckpoint) -> CheckpointDto {
    CheckpointDto {
        origin: st.signer.origin.clone(),
        tree_size: cp.tree_size,
        root_hash: B64.encode(cp.root),
        timestamp: format_time(cp.at),
        note: cp.note.clone(),
    }
}

/// The latest signed checkpoint (one is signed now if there is none yet).
#[utoipa::path(get, path = "/api/v1/audit/checkpoint", responses((status = 200, body = CheckpointDto)), tag = "audit", security(()))]
pub async fn latest<S: Store>(State(st): State<AppState<S>>) -> ApiResult<Json<CheckpointDto>> {
    let cp = match st.store.checkpoint(None).await? {
        Some(cp) => cp,
        None => checkpoint_now(&st).await?,
    };
    Ok(Json(checkpoint_dto(&st, &cp)))
}

/// Sign a checkpoint of the log as it is now (admins and auditors).
#[utoipa::path(post, path = "/api/v1/audit/checkpoint", responses((status = 200, body = CheckpointDto), (status = 403, body = crate::error::Problem)), tag = "audit")]
pub async fn sign_now<S: Store>(State(st): State<AppState<S>>, Signed(p): Signed) -> ApiResult<Json<CheckpointDto>> {
    authorize(&st, &p, Action::ViewSecurityLog { region: p.unit.region }).await?;
    let cp = checkpoint_now(&st).await?;
    Ok(Json(checkpoint_dto(&st, &cp)))
}

fn int(q: &HashMap<String, String>, name: &'static str) -> Result<u64, AppError> {
    let raw = q.get(name).ok_or_else(|| AppError::field(name, "is required"))?;
    raw.parse::<u64>().map_err(|_| AppError::field(name, format!("{raw:?} is not a non-negative integer")))
}

fn only(q: &HashMap<String, String>, allowed: &[&str]) -> Result<(), AppError> {
    match q.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(k) => Err(AppError::field(k.clone(), format!("unknown parameter; use {}", allowed.join(", ")))),
        None => Ok(()),
    }
}

#[derive(Serialize, ToSchema)]
pub struct EntryDto {
    pub index: i64,
    /// Base64 canonical event bytes (version 1).
    pub leaf_input: String,
    pub event_id: i64,
}

#[derive(Serialize, ToSchema)]
pub struct EntriesDto {
    pub entries: Vec<EntryDto>,
}

/// Leaves `start ≤ i < end` (at most 1000 at a time), as the events are stored now.
#[utoipa::path(get, path = "/api/v1/audit/entries", params(("start" = u64, Query), ("end" = u64, Query, description = "exclusive; end - start ≤ 1000")), responses((status = 200, body = EntriesDto), (status = 422, body = crate::error::Problem)), tag = "audit", security(()))]
pub async fn entries<S: Store>(State(st): State<AppState<S>>, ApiQuery(q): ApiQuery<HashMap<String, String>>) -> ApiResult<Json<EntriesDto>> {
    only(&q, &["start", "end"])?;
    let (start, end) = (int(&q, "start")?, int(&q, "end")?);
    let size = st.store.audit_size().await?;
    if start >= size {
        return Err(AppError::field("start", format!("must be below the tree size {size}")));
    }
    if end <= start || end > size {
        return Err(AppError::field("end", format!("must be above start and at most the tree size {size}")));
    }
    if end - start > MAX_ENTRIES {
        return Err(AppError::field("end", format!("at most {MAX_ENTRIES} entries at a time")));
    }
    let events = st.store.events(start, end).await?;
    Ok(Json(EntriesDto { entries: events.iter().map(|e| EntryDto { index: e.seq, leaf_input: B64.encode(e.leaf_input()), event_id: e.seq }).collect() }))
}

#[derive(Serialize, ToSchema)]
pub struct InclusionDto {
    pub leaf_index: u64,
    pub tree_size: u64,
    pub audit_path: Vec<String>,
}

async fn proof<S: Store>(st: &AppState<S>, ranges: &[std::ops::Range<u64>]) -> ApiResult<Vec<String>> {
    let nodes = st.store.audit_nodes(&nodes_for(ranges)).await?;
    let hashes = hash_ranges(ranges, &nodes).ok_or_else(|| AppError::Internal("audit nodes missing for a proof".into()))?;
    Ok(hashes.iter().map(|h| B64.encode(h)).collect())
}

/// Inclusion proof of leaf `index` in the tree of `tree_size`.
#[utoipa::path(get, path = "/api/v1/audit/proof/inclusion", params(("index" = u64, Query), ("tree_size" = u64, Query)), responses((status = 200, body = InclusionDto), (status = 422, body = crate::error::Problem)), tag = "audit", security(()))]
pub async fn inclusion<S: Store>(State(st): State<AppState<S>>, ApiQuery(q): ApiQuery<HashMap<String, String>>) -> ApiResult<Json<InclusionDto>> {
    only(&q, &["index", "tree_size"])?;
    let (index, tree_size) = (int(&q, "index")?, int(&q, "tree_size")?);
    let size = st.store.audit_size().await?;
    if tree_size == 0 || tree_size > size {
        return Err(AppError::field("tree_size", format!("must be between 1 and the tree size {size}")));
    }
    if index >= tree_size {
        return Err(AppError::field("index", "must be below tree_size"));
    }
    Ok(Json(InclusionDto { leaf_index: index, tree_size, audit_path: proof(&st, &inclusion_ranges(index, tree_size)).await? }))
}

#[derive(Serialize, ToSchema)]
pub struct ConsistencyDto {
    pub first: u64,
    pub second: u64,
    pub consistency: Vec<String>,
}

/// Consistency proof between tree sizes `first ≤ second`.
#[utoipa::path(get, path = "/api/v1/audit/proof/consistency", params(("first" = u64, Query), ("second" = u64, Query)), responses((status = 200, body = ConsistencyDto), (status = 422, body = crate::error::Problem)), tag = "audit", security(()))]
pub async fn consistency<S: Store>(State(st): State<AppState<S>>, ApiQuery(q): ApiQuery<HashMap<String, String>>) -> ApiResult<Json<ConsistencyDto>> {
    only(&q, &["first", "second"])?;
    let (first, second) = (int(&q, "first")?, int(&q, "second")?);
    let size = st.store.audit_size().await?;
    if second == 0 || second > size {
        return Err(AppError::field("second", format!("must be between 1 and the tree size {size}")));
    }
    if first == 0 || first > second {
        return Err(AppError::field("first", "must be between 1 and second"));
    }
    Ok(Json(ConsistencyDto { first, second, consistency: proof(&st, &consistency_ranges(first, second)).await? }))
}

#[derive(Serialize, ToSchema)]
pub struct PublicKeyDto {
    pub algorithm: String,
    pub public_key: String,
    /// The note verifier key: `origin+keyid+base64(0x01 ‖ key)`.
    pub verifier: String,
}

#[utoipa::path(get, path = "/api/v1/audit/public-key", responses((status = 200, body = PublicKeyDto)), tag = "audit", security(()))]
pub async fn public_key<S: Store>(State(st): State<AppState<S>>) -> Json<PublicKeyDto> {
    Json(PublicKeyDto { algorithm: "ed25519".into(), public_key: B64.encode(st.signer.public_key()), verifier: st.signer.verifier() })
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CosignatureRequest {
    pub tree_size: i64,
    /// The cosignature line (C2SP tlog-cosignature/v1): `— name base64(keyid ‖ time ‖ signature)`.
    pub cosignature: String,
    /// The witness's cosigner verifier key `name+keyid+base64(0x04 ‖ key)`.
    pub witness_key: String,
}

#[derive(Serialize, ToSchema)]
pub struct CosignatureDto {
    pub tree_size: i64,
    pub witness: String,
    pub timestamp: String,
}

/// A witness posts its cosignature of a checkpoint (admins and auditors).
#[utoipa::path(post, path = "/api/v1/audit/cosignatures", request_body = CosignatureRequest, responses((status = 201, body = CosignatureDto), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)), tag = "audit")]
pub async fn cosign<S: Store>(
    State(st): State<AppState<S>>,
    Signed(p): Signed,
    ApiJson(req): ApiJson<CosignatureRequest>,
) -> ApiResult<(StatusCode, Json<CosignatureDto>)> {
    authorize(&st, &p, Action::ViewSecurityLog { region: p.unit.region }).await?;
    let verifier = NoteVerifier::parse(&req.witness_key).map_err(|e| AppError::field("witness_key", e.to_string()))?;
    let stored = st.store.checkpoint(Some(req.tree_size)).await?.ok_or(AppError::NotFound("checkpoint"))?;
    let cp = Checkpoint { origin: st.signer.origin.clone(), size: stored.tree_size as u64, root: stored.root };
    let timestamp = xiezhi_audit::verify_cosignature(&cp, &req.cosignature, &verifier).map_err(|e| AppError::field("cosignature", e.to_string()))?;
    st.store
        .add_cosignature(StoredCosignature {
            tree_size: stored.tree_size,
            witness: verifier.name.clone(),
            line: req.cosignature.trim_end().to_string(),
            at: st.clock.now_us(),
        })
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(CosignatureDto { tree_size: stored.tree_size, witness: verifier.name, timestamp: format_time(timestamp as i64 * 1_000_000) }),
    ))
}
