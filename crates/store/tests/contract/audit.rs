//! The audit log: every change a leaf, proofs from storage, checkpoints, tiles, durable commits.

use super::*;

contract!(every_change_is_a_leaf_and_proofs_come_from_storage, concurrent_writers_get_distinct_leaves, checkpoints_and_cosignatures,);

pub(crate) fn memory_tree(events: &[Event]) -> xiezhi_audit::MemoryTree {
    let mut t = xiezhi_audit::MemoryTree::new();
    for e in events {
        t.push(&e.leaf_input());
    }
    t
}

async fn every_change_is_a_leaf_and_proofs_come_from_storage<S: Store>(s: S) {
    use xiezhi_audit::*;
    s.seed(small_org(), By::system(1)).await.unwrap();
    assert_eq!(s.audit_size().await.unwrap(), 10, "4 regions, 4 units, 2 users");
    let by = By { at: 7, user_id: Some(1), unit_id: Some(1) };
    let u =
        s.create_unit(NewUnit { region: code("990102"), kind: UnitKind::Procuratorate, name: "甲二县检察院".into(), name_en: "x".into() }, by).await.unwrap();
    assert_eq!(u.leaves, vec![10]);
    let changed = s.update_unit(u.value.id, UnitChange { disabled: Some(true), ..Default::default() }, by).await.unwrap();
    assert_eq!(changed.leaves, vec![11]);
    let refused = s.create_unit(NewUnit { region: code("990102"), kind: UnitKind::Procuratorate, name: "甲二县检察院".into(), name_en: "x".into() }, by).await;
    assert!(refused.is_err());
    assert_eq!(s.audit_size().await.unwrap(), 12, "a refused change records nothing");
    for i in 0..20 {
        s.create_region(
            Region {
                code: code("990100").child(10 + i),
                parent: Some(code("990100")),
                level: RegionLevel::County,
                name: format!("新{i}县"),
                name_en: "x".into(),
            },
            by,
        )
        .await
        .unwrap();
    }
    let size = s.audit_size().await.unwrap();
    let events = s.events(0, size).await.unwrap();
    assert_eq!(events.len() as u64, size);
    assert_eq!(events[11].kind, "unit.changed");
    assert_eq!((events[11].actor_user_id, events[11].at), (Some(1), 7));
    let tree = memory_tree(&events);
    // Every stored node equals the tree recomputed from the stored events.
    for m in [1, 5, 12, size] {
        let ranges = vec![0..m];
        let nodes = s.audit_nodes(&nodes_for(&ranges)).await.unwrap();
        assert_eq!(hash_ranges(&ranges, &nodes).unwrap()[0], tree.root_at(m), "root at {m}");
    }
    for (i, n) in [(0, size), (11, size), (size - 1, size), (3, 12)] {
        let ranges = inclusion_ranges(i, n);
        let nodes = s.audit_nodes(&nodes_for(&ranges)).await.unwrap();
        assert_eq!(hash_ranges(&ranges, &nodes).unwrap(), tree.inclusion(i, n));
    }
    let unit_history = s.events_of(&format!("unit:{}", u.value.id), 10).await.unwrap();
    assert_eq!(unit_history.iter().map(|e| e.kind.as_str()).collect::<Vec<_>>(), ["unit.created", "unit.changed"]);
    let stored_leaves = s.leaf_hashes(0, size).await.unwrap();
    assert_eq!(stored_leaves.len() as u64, size);
    assert!(stored_leaves.iter().all(|(i, h)| *h == leaf_hash(&events[*i as usize].leaf_input())));
    assert_eq!(s.event_leaf_hashes(0, size).await.unwrap(), stored_leaves, "recomputed from the events as stored");
    assert_eq!(s.event_leaf_hashes(3, 15).await.unwrap(), stored_leaves[3..15], "a range is that range");
    let bulk = s.append_events((0..250).map(|i| NewEvent::new(format!("load:{i}"), "load.test", serde_json::json!({"i": i}))).collect(), by).await.unwrap();
    assert_eq!(bulk.first().copied(), Some(size as i64));
    assert_eq!(bulk.len(), 250);
    let all = s.events(0, size + 250).await.unwrap();
    let big = memory_tree(&all);
    let ranges = vec![0..size + 250];
    let nodes = s.audit_nodes(&nodes_for(&ranges)).await.unwrap();
    assert_eq!(hash_ranges(&ranges, &nodes).unwrap()[0], big.root(), "multi-row appends keep the tree right");
    let recomputed = s.event_leaf_hashes(0, size + 300).await.unwrap();
    assert_eq!(recomputed.len() as u64, size + 250, "only the events there are");
    assert!(recomputed.iter().all(|(i, h)| *h == leaf_hash(&all[*i as usize].leaf_input())));
    let ranges = consistency_ranges(12, size);
    let nodes = s.audit_nodes(&nodes_for(&ranges)).await.unwrap();
    let proof = hash_ranges(&ranges, &nodes).unwrap();
    verify_consistency(12, size, &tree.root_at(12), &tree.root(), &proof).unwrap();
}

async fn concurrent_writers_get_distinct_leaves<S: Store>(s: S) {
    s.seed(small_org(), By::system(1)).await.unwrap();
    let mut tasks = Vec::new();
    for w in 0..4u32 {
        let s = s.clone();
        tasks.push(tokio::spawn(async move {
            let mut leaves = Vec::new();
            for i in 0..10 {
                let r = Region {
                    code: code("990100").child(10 + w * 10 + i),
                    parent: Some(code("990100")),
                    level: RegionLevel::County,
                    name: format!("w{w}r{i}"),
                    name_en: "x".into(),
                };
                leaves.extend(s.create_region(r, By::system(2)).await.unwrap().leaves);
            }
            leaves
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    all.sort();
    assert_eq!(all, (10..50).collect::<Vec<i64>>(), "every change got its own leaf, none lost");
    let events = s.events(0, 50).await.unwrap();
    let tree = memory_tree(&events);
    let ranges = vec![0..50];
    let nodes = s.audit_nodes(&xiezhi_audit::nodes_for(&ranges)).await.unwrap();
    assert_eq!(xiezhi_audit::hash_ranges(&ranges, &nodes).unwrap()[0], tree.root());
}

async fn checkpoints_and_cosignatures<S: Store>(s: S) {
    assert!(s.checkpoint(None).await.unwrap().is_none());
    for n in [5, 9] {
        s.add_checkpoint(StoredCheckpoint { tree_size: n, root: [n as u8; 32], at: n, note: format!("note {n}") }).await.unwrap();
    }
    s.add_checkpoint(StoredCheckpoint { tree_size: 9, root: [0; 32], at: 99, note: "again".into() }).await.unwrap();
    let latest = s.checkpoint(None).await.unwrap().unwrap();
    assert_eq!((latest.tree_size, latest.root, latest.note.as_str()), (9, [9; 32], "note 9"), "a checkpoint is never replaced");
    assert_eq!(s.checkpoint(Some(5)).await.unwrap().unwrap().root, [5; 32]);
    assert_eq!(s.checkpoints(10).await.unwrap().len(), 2);
    s.add_cosignature(StoredCosignature { tree_size: 9, witness: "w1".into(), line: "l1".into(), at: 1 }).await.unwrap();
    s.add_cosignature(StoredCosignature { tree_size: 9, witness: "w1".into(), line: "l2".into(), at: 2 }).await.unwrap();
    s.add_cosignature(StoredCosignature { tree_size: 5, witness: "w2".into(), line: "l3".into(), at: 3 }).await.unwrap();
    let c = s.cosignatures(&[9, 5]).await.unwrap();
    assert_eq!(c.iter().map(|c| (c.tree_size, c.line.as_str())).collect::<Vec<_>>(), [(9, "l2"), (5, "l3")]);
    assert!(
        s.add_cosignature(StoredCosignature { tree_size: 77, witness: "w".into(), line: "x".into(), at: 1 }).await.is_err(),
        "only for a stored checkpoint"
    );
}

/// A database from before tiles (one `audit_nodes` row per node) opens with its stored leaves
/// carried into tiles, a forged leaf included: conversion must not launder tampering.
async fn node_table_converts_to_tiles(s: SqlStore, reopen: impl std::future::Future<Output = SqlStore>) {
    s.seed(small_org(), By::system(1)).await.unwrap();
    s.append_events((0..600).map(|i| NewEvent::new(format!("load:{i}"), "load.test", serde_json::json!({"i": i}))).collect(), By::system(2)).await.unwrap();
    let size = s.audit_size().await.unwrap();
    let mut leaves = s.leaf_hashes(0, size).await.unwrap();
    leaves[7].1 = [7; 32];
    let blob = if s.backend() == Backend::Sqlite { "BLOB" } else { "BYTEA" };
    sqlx::query(&format!("CREATE TABLE audit_nodes (level BIGINT NOT NULL, idx BIGINT NOT NULL, hash {blob} NOT NULL, PRIMARY KEY (level, idx))"))
        .execute(s.pool())
        .await
        .unwrap();
    for (i, h) in &leaves {
        sqlx::query("INSERT INTO audit_nodes (level, idx, hash) VALUES (0, $1, $2)").bind(*i as i64).bind(h.to_vec()).execute(s.pool()).await.unwrap();
    }
    sqlx::query("DELETE FROM audit_tiles").execute(s.pool()).await.unwrap();
    s.close().await;

    let s = reopen.await;
    assert_eq!(s.leaf_hashes(0, size).await.unwrap(), leaves, "stored leaves carried over as they were");
    let mut tree = xiezhi_audit::MemoryTree::new();
    leaves.iter().for_each(|(_, h)| tree.push_leaf_hash(*h));
    let ranges = vec![0..size];
    let nodes = s.audit_nodes(&xiezhi_audit::nodes_for(&ranges)).await.unwrap();
    assert_eq!(xiezhi_audit::hash_ranges(&ranges, &nodes).unwrap()[0], tree.root());
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM audit_tiles").fetch_one(s.pool()).await.unwrap();
    assert!(n >= 3, "tiles written");
    assert!(sqlx::query("SELECT 1 FROM audit_nodes").fetch_all(s.pool()).await.is_err(), "the node table is gone");
    s.append_events(vec![NewEvent::new("after", "load.test", serde_json::json!({}))], By::system(3)).await.unwrap();
    assert_eq!(s.audit_size().await.unwrap(), size + 1);
}

#[tokio::test]
async fn sqlite_node_table_converts_to_tiles() {
    let (s, dir) = fresh_sqlite().await;
    let path = dir.path().to_owned();
    node_table_converts_to_tiles(s, async move { SqlStore::open_data_dir(&path).await.unwrap() }).await;
}

/// Acknowledged means durable: every SQLite connection that writes syncs each commit.
#[tokio::test]
async fn sqlite_writers_sync_every_commit() {
    let (s, _dir) = fresh_sqlite().await;
    assert_eq!(s.sqlite_synchronous().await.unwrap(), vec![2, 2], "synchronous=FULL on the pooled writer and the native writer");
}

#[tokio::test]
async fn postgres_node_table_converts_to_tiles() {
    let (s, url) = fresh_postgres().await;
    node_table_converts_to_tiles(s, async move { SqlStore::connect(&url).await.unwrap() }).await;
}
