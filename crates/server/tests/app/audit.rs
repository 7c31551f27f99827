use crate::common::TestApp;
use axum::http::{Method, StatusCode};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use serde_json::json;
use xiezhi_audit::{leaf_hash, open_checkpoint, verify_consistency, verify_inclusion, Hash, NoteSigner, NoteVerifier};

crate::on_both_backends!(changes_carry_their_leaves_and_proofs_verify, bad_audit_parameters_are_named, witnesses_cosign_checkpoints);

fn hash(v: &serde_json::Value) -> Hash {
    B64.decode(v.as_str().unwrap()).unwrap().try_into().unwrap()
}

async fn public(app: &TestApp, path: &str) -> serde_json::Value {
    let r = app.api(Method::GET, path, None, None).await;
    assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.text());
    r.json()
}

async fn changes_carry_their_leaves_and_proofs_verify(app: TestApp) {
    let admin = app.token("admin").await;
    let size_before = public(&app, "/api/v1/audit/checkpoint").await["tree_size"].as_u64().unwrap();
    let unit = app.post("/api/v1/units", &admin, json!({"region": "990101", "kind": "governance_centre", "name": "审计测试中心"})).await.json();
    let leaf = unit["audit_leaves"][0].as_u64().expect("a command response names its audit leaf");
    assert!(leaf >= size_before);
    let get = app.get(&format!("/api/v1/units/{}", unit["id"]), &admin).await.json();
    assert!(get.get("audit_leaves").is_none(), "reads carry no leaves");

    let signed = app.api(Method::POST, "/api/v1/audit/checkpoint", Some(&admin), None).await.json();
    let size = signed["tree_size"].as_u64().unwrap();
    assert!(size > leaf);
    let key = public(&app, "/api/v1/audit/public-key").await;
    assert_eq!(key["algorithm"], "ed25519");
    let verifier = NoteVerifier::parse(key["verifier"].as_str().unwrap()).unwrap();
    let cp = open_checkpoint(signed["note"].as_str().unwrap(), &verifier).unwrap();
    assert_eq!((cp.size, B64.encode(cp.root)), (size, signed["root_hash"].as_str().unwrap().to_string()));

    let entry = public(&app, &format!("/api/v1/audit/entries?start={leaf}&end={}", leaf + 1)).await;
    let input = B64.decode(entry["entries"][0]["leaf_input"].as_str().unwrap()).unwrap();
    let proof = public(&app, &format!("/api/v1/audit/proof/inclusion?index={leaf}&tree_size={size}")).await;
    let path: Vec<Hash> = proof["audit_path"].as_array().unwrap().iter().map(hash).collect();
    verify_inclusion(&leaf_hash(&input), leaf, size, &path, &cp.root).unwrap();

    let consistency = public(&app, &format!("/api/v1/audit/proof/consistency?first={size_before}&second={size}")).await;
    let proof: Vec<Hash> = consistency["consistency"].as_array().unwrap().iter().map(hash).collect();
    let entries_root = {
        let mut t = xiezhi_audit::MemoryTree::new();
        let mut start = 0;
        while start < size {
            let end = (start + 1000).min(size);
            for e in public(&app, &format!("/api/v1/audit/entries?start={start}&end={end}")).await["entries"].as_array().unwrap() {
                t.push(&B64.decode(e["leaf_input"].as_str().unwrap()).unwrap());
            }
            start = end;
        }
        assert_eq!(t.root(), cp.root, "the entries hash to the signed root");
        t.root_at(size_before)
    };
    verify_consistency(size_before, size, &entries_root, &cp.root, &proof).unwrap();
}

async fn bad_audit_parameters_are_named(app: TestApp) {
    let size = public(&app, "/api/v1/audit/checkpoint").await["tree_size"].as_u64().unwrap();
    for (path, field) in [
        (format!("/api/v1/audit/entries?start={size}&end={}", size + 1), "start"),
        ("/api/v1/audit/entries?start=5&end=5".to_string(), "end"),
        ("/api/v1/audit/entries?start=0&end=1001".to_string(), "end"),
        ("/api/v1/audit/entries?start=x&end=2".to_string(), "start"),
        ("/api/v1/audit/entries?end=2".to_string(), "start"),
        (format!("/api/v1/audit/proof/inclusion?index=0&tree_size={}", size + 1), "tree_size"),
        ("/api/v1/audit/proof/inclusion?index=9&tree_size=9".to_string(), "index"),
        ("/api/v1/audit/proof/consistency?first=0&second=5".to_string(), "first"),
        ("/api/v1/audit/proof/consistency?first=6&second=5".to_string(), "first"),
        (format!("/api/v1/audit/proof/consistency?first=1&second={}", size + 1), "second"),
        ("/api/v1/audit/proof/consistency?first=1&second=2&third=3".to_string(), "third"),
    ] {
        let r = app.api(Method::GET, &path, None, None).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{path}");
        assert_eq!(r.json()["field"], field, "{path}: {}", r.text());
    }
}

async fn witnesses_cosign_checkpoints(app: TestApp) {
    let auditor = app.token("auditor").await;
    let cp_json = app.api(Method::POST, "/api/v1/audit/checkpoint", Some(&auditor), None).await.json();
    let size = cp_json["tree_size"].as_i64().unwrap();
    let cp = xiezhi_audit::Checkpoint { origin: cp_json["origin"].as_str().unwrap().into(), size: size as u64, root: hash(&cp_json["root_hash"]) };
    let witness = NoteSigner::from_seed("witness.court.990101", [9; 32]).unwrap();
    let body = json!({"tree_size": size, "cosignature": witness.cosign(&cp, 1_790_000_000), "witness_key": witness.cosigner_verifier()});
    let r = app.post("/api/v1/audit/cosignatures", &auditor, body.clone()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(r.json()["witness"], "witness.court.990101");
    let stored = xiezhi_store::AuditLog::cosignatures(&app.store, &[size]).await.unwrap();
    assert_eq!(stored.len(), 1);

    let forged = json!({"tree_size": size, "cosignature": witness.cosign(&xiezhi_audit::Checkpoint { size: 1, ..cp.clone() }, 1), "witness_key": witness.cosigner_verifier()});
    assert_eq!(app.post("/api/v1/audit/cosignatures", &auditor, forged).await.json()["field"], "cosignature");
    assert_eq!(
        app.post("/api/v1/audit/cosignatures", &auditor, json!({"tree_size": 123456, "cosignature": "x", "witness_key": witness.cosigner_verifier()}))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let officer = app.token("police.990101").await;
    assert_eq!(app.post("/api/v1/audit/cosignatures", &officer, body).await.status, StatusCode::FORBIDDEN);
}
