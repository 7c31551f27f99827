//! Criminal cases: group commit, register numbers, a failing write sinking alone, two processes.

use super::audit::memory_tree;
use super::*;

contract!(case_writes_commit_in_groups, numbers_are_drawn_from_each_register_without_gaps, a_write_that_fails_halfway_sinks_only_itself,);

pub(crate) fn case_write(no: &str, holder: i64, stage: &str) -> CaseWrite {
    CaseWrite {
        registered_on: Some("2026-11-29".into()),
        case_no: no.into(),
        issuer_unit_id: holder,
        title: format!("案件 {no}"),
        region: code("990101"),
        stage: stage.into(),
        holder_unit_id: holder,
        pending_unit_id: None,
        notice_unit_id: None,
        in_custody: false,
        held_since: None,
        charge: None,
        due_date: None,
        due_provisional: false,
        state: "{}".into(),
        search: no.to_lowercase(),
        units: vec![holder],
        events: vec![(stage.into(), serde_json::json!({"no": no}).into())],
        event_times: vec![],
        claim: None,
    }
}

/// A number claimed from a register is drawn in the write that gives it: concurrent writes get
/// 1, 2, 3 … of their unit's register for the year, each number once; a write refused as stale
/// draws nothing; another unit, register or year counts on its own; the number stands wherever
/// the pending one stood (case number, state, search, event).
async fn numbers_are_drawn_from_each_register_without_gaps<S: Store>(s: S) {
    use xiezhi_core::case::numbering::{Claim, Register};
    s.seed(small_org(), By::system(1)).await.unwrap();
    let units = s.list_units(UnitFilter::default()).await.unwrap();
    let police = units.iter().find(|u| u.name == "甲一县公安局").unwrap().id;
    let other = units.iter().find(|u| u.name == "甲二县公安局").unwrap().id;
    let claimed = |unit: i64, register: Register, year: i32| {
        let claim = Claim::new(unit, register, code("990101"), year);
        let mut w = case_write(&claim.pending, unit, "registered");
        w.state = format!("{{\"case_no\":\"{}\"}}", claim.pending);
        w.events = vec![("registered".into(), serde_json::json!({"case_no": claim.pending}).into())];
        w.search = claim.pending.to_lowercase();
        w.claim = Some(claim);
        w
    };
    let mut tasks = Vec::new();
    for i in 0..25 {
        let s = s.clone();
        let w = claimed(police, Register::PoliceFiling, 2027);
        tasks.push(tokio::spawn(async move { s.create_case(w, By::system(10 + i)).await.unwrap() }));
    }
    let mut numbers = Vec::new();
    let mut ids = Vec::new();
    for t in tasks {
        let r = t.await.unwrap();
        let number = r.value.number.clone().expect("a claimed number is drawn");
        let row = s.case(r.value.id).await.unwrap().unwrap();
        assert_eq!(row.case_no, number);
        assert_eq!(row.state, format!("{{\"case_no\":\"{number}\"}}"));
        let events = s.events_of(&format!("case:{}", r.value.id), 10).await.unwrap();
        assert!(events[0].payload.contains(&number), "{}", events[0].payload);
        assert!(s.cases(CaseFilter { text: Some(number.clone()), limit: 10, ..Default::default() }).await.unwrap().iter().any(|c| c.id == r.value.id));
        numbers.push(number);
        ids.push(r.value.id);
    }
    let want: Vec<String> = (1..=25).map(|k| format!("990101公刑立〔2027〕{k}号")).collect();
    let mut sorted = numbers.clone();
    sorted.sort();
    let mut want_sorted = want.clone();
    want_sorted.sort();
    assert_eq!(sorted, want_sorted, "1 to 25, each once");

    // Two updates on one version, both claiming: the loser draws nothing.
    let (a, b) = tokio::join!(
        s.update_case(ids[0], 1, claimed(police, Register::ProsecutionReview, 2027), By::system(100)),
        s.update_case(ids[0], 1, claimed(police, Register::ProsecutionReview, 2027), By::system(101))
    );
    assert!(a.is_ok() != b.is_ok(), "one wins");
    assert_eq!(a.or(b).unwrap().value.number.as_deref(), Some("990101检刑诉〔2027〕1号"));
    let next = s.update_case(ids[1], 1, claimed(police, Register::ProsecutionReview, 2027), By::system(102)).await.unwrap();
    assert_eq!(next.value.number.as_deref(), Some("990101检刑诉〔2027〕2号"), "no gap after the stale one");
    // Another unit, another year: their own registers.
    let theirs = s.create_case(claimed(other, Register::PoliceFiling, 2027), By::system(103)).await.unwrap();
    assert_eq!(theirs.value.number.as_deref(), Some("990101公刑立〔2027〕1号"));
    let next_year = s.create_case(claimed(police, Register::PoliceFiling, 2028), By::system(104)).await.unwrap();
    assert_eq!(next_year.value.number.as_deref(), Some("990101公刑立〔2028〕1号"));
    // A register raised past numbers given outside it continues after them.
    s.raise_serials(2027, 100).await.unwrap();
    let after = s.create_case(claimed(police, Register::PoliceFiling, 2027), By::system(105)).await.unwrap();
    assert_eq!(after.value.number.as_deref(), Some("990101公刑立〔2027〕101号"));
    // A write without a claim draws nothing and reports no number.
    let plain = s.create_case(case_write("P1", police, "registered"), By::system(106)).await.unwrap();
    assert_eq!(plain.value.number, None);
}

/// Concurrent case writes share commits (group commit) yet each keeps its own outcome: the ones
/// that apply get their own leaves; a stale version, a taken number or a missing case is refused
/// alone and writes nothing.
async fn case_writes_commit_in_groups<S: Store>(s: S) {
    s.seed(small_org(), By::system(1)).await.unwrap();
    let police = s.list_units(UnitFilter::default()).await.unwrap().into_iter().find(|u| u.name == "甲一县公安局").unwrap().id;
    let before = s.audit_size().await.unwrap();
    let mut tasks = Vec::new();
    for i in 0..40 {
        let s = s.clone();
        tasks.push(tokio::spawn(async move { s.create_case(case_write(&format!("C{}", i % 30), police, "registered"), By::system(10 + i)).await }));
    }
    let mut ids = Vec::new();
    let mut duplicates = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(r) => {
                assert_eq!(r.leaves.len(), 1);
                ids.push(r.value.id);
            }
            Err(StoreError::Duplicate { .. }) => duplicates += 1,
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!((ids.len(), duplicates), (30, 10), "each number once; the repeats refused alone");
    assert_eq!(s.audit_size().await.unwrap(), before + 30);

    // Two commands decided on the same version of one case: exactly one applies.
    let id = ids[0];
    let (a, b) = tokio::join!(
        s.update_case(id, 1, case_write("C0", police, "detained"), By::system(100)),
        s.update_case(id, 1, case_write("C0", police, "released"), By::system(101))
    );
    assert!(a.is_ok() != b.is_ok(), "one wins: {a:?} {b:?}");
    assert!(matches!(a.as_ref().err().or(b.as_ref().err()), Some(StoreError::Conflict(_))));
    assert_eq!(a.as_ref().ok().or(b.as_ref().ok()).unwrap().value.version, 2, "the new version");
    let stored = s.case(id).await.unwrap().unwrap();
    assert_eq!(stored.version, 2);
    assert!(matches!(s.update_case(999_999, 1, case_write("X", police, "detained"), By::system(102)).await, Err(StoreError::NotFound(_))));
    assert_eq!(s.events_of(&format!("case:{id}"), 10).await.unwrap().len(), 2);

    // Many cases moved at once, each by its own author.
    let moves: Vec<_> = ids[1..]
        .iter()
        .map(|&id| {
            let s = s.clone();
            tokio::spawn(async move {
                s.update_case(id, 1, case_write("ignored", police, "detained"), By { at: 200, user_id: Some(id), unit_id: Some(police) }).await
            })
        })
        .collect();
    for (m, &id) in moves.into_iter().zip(&ids[1..]) {
        let r = m.await.unwrap().unwrap();
        assert_eq!(r.value.version, 2);
        let events = s.events_of(&format!("case:{id}"), 10).await.unwrap();
        assert_eq!(events.last().unwrap().seq, r.leaves[0]);
        assert_eq!(events.last().unwrap().actor_user_id, Some(id));
    }
    let size = s.audit_size().await.unwrap();
    let all = s.events(0, size).await.unwrap();
    let tree = memory_tree(&all);
    let ranges = vec![0..size];
    let nodes = s.audit_nodes(&xiezhi_audit::nodes_for(&ranges)).await.unwrap();
    assert_eq!(xiezhi_audit::hash_ranges(&ranges, &nodes).unwrap()[0], tree.root(), "the tree matches the events");
    assert_eq!(s.case_units(ids[3]).await.unwrap(), vec![police]);
    let (record, units) = s.case_with_units(ids[3]).await.unwrap().unwrap();
    assert_eq!((record, units), (s.case(ids[3]).await.unwrap().unwrap(), vec![police]));
    assert!(s.case_with_units(999_999).await.unwrap().is_none());
}

/// A case write that fails after it began writing (here: a unit that does not exist, found only
/// when its units are inserted) is refused with the reason and leaves nothing, while the writes
/// committed beside it, and writes of other kinds in between, all land. An import is all or
/// nothing.
async fn a_write_that_fails_halfway_sinks_only_itself<S: Store>(s: S) {
    s.seed(small_org(), By::system(1)).await.unwrap();
    let police = s.list_units(UnitFilter::default()).await.unwrap().into_iter().find(|u| u.name == "甲一县公安局").unwrap().id;
    let before = (s.counts().await.unwrap(), s.audit_size().await.unwrap());
    let mut tasks = Vec::new();
    for i in 0..30 {
        let s = s.clone();
        tasks.push(tokio::spawn(async move {
            let mut w = case_write(&format!("H{i}"), police, "registered");
            if i == 17 {
                w.units.push(999_999);
            }
            if i % 10 == 5 {
                let unit = NewUnit { region: code("990101"), kind: UnitKind::JusticeBureau, name: format!("司法局 {i}"), name_en: "x".into() };
                s.create_unit(unit, By::system(5)).await.unwrap();
            }
            s.create_case(w, By::system(10 + i)).await
        }));
    }
    for (i, t) in tasks.into_iter().enumerate() {
        match (i, t.await.unwrap()) {
            (17, Err(StoreError::Invalid(why))) => assert!(why.contains("does not exist"), "{why}"),
            (17, other) => panic!("the write naming a missing unit must be refused, got {other:?}"),
            (_, r) => assert_eq!(r.unwrap().leaves.len(), 1),
        }
    }
    let after = s.counts().await.unwrap();
    assert_eq!((after.cases, after.units), (before.0.cases + 29, before.0.units + 3), "the other 29 cases and the 3 units landed");
    assert_eq!(s.audit_size().await.unwrap(), before.1 + 29 + 3, "one leaf each, none for the refused case");
    assert!(s.cases(CaseFilter { limit: 100, ..Default::default() }).await.unwrap().iter().all(|c| c.case_no != "H17"));

    let size = s.audit_size().await.unwrap();
    let mut bad = case_write("I2", police, "registered");
    bad.holder_unit_id = 999_999;
    let refused = s.import_cases(vec![case_write("I1", police, "registered"), bad], By::system(50)).await;
    assert!(matches!(refused, Err(StoreError::Invalid(_))), "{refused:?}");
    assert_eq!((s.counts().await.unwrap().cases, s.audit_size().await.unwrap()), (after.cases, size), "nothing of the import stayed");
    assert_eq!(s.import_cases(vec![case_write("I1", police, "registered")], By::system(51)).await.unwrap(), 1);

    // A number is unique for the unit that issued it: another unit may issue the same one, and
    // is not told the first exists.
    let other = s.list_units(UnitFilter::default()).await.unwrap().into_iter().find(|u| u.id != police && u.kind == UnitKind::JusticeBureau).unwrap().id;
    assert!(matches!(s.create_case(case_write("I1", police, "registered"), By::system(52)).await, Err(StoreError::Duplicate { .. })));
    let theirs = CaseWrite { issuer_unit_id: other, ..case_write("I1", police, "registered") };
    assert!(s.create_case(theirs.clone(), By::system(53)).await.is_ok(), "the same number from another issuer");
    let both = s.import_cases(vec![CaseWrite { case_no: "J1".into(), ..theirs.clone() }, case_write("J1", police, "registered")], By::system(54)).await;
    assert_eq!(both.unwrap(), 2, "two issuers' same number in one batch");
}

/// Two server processes sharing one PostgreSQL database draw numbers from the same registers at
/// once, each batch in the opposite order of cases: every draw is given once, without gaps, and
/// no transaction deadlocks (the database counts none), because each draws in the registers'
/// order whatever the order of its cases.
#[tokio::test]
async fn postgres_two_processes_draw_from_shared_registers_without_deadlock() {
    use xiezhi_core::case::numbering::{Claim, Register};
    let (first, url) = fresh_postgres().await;
    let second = SqlStore::connect(&url).await.unwrap();
    first.seed(small_org(), By::system(1)).await.unwrap();
    let police = first.list_units(UnitFilter::default()).await.unwrap().into_iter().find(|u| u.name == "甲一县公安局").unwrap().id;
    let registers = [Register::PoliceFiling, Register::ProsecutionReview, Register::FirstInstance, Register::SecondInstance];
    let claimed = |no: &str, register: Register| {
        let claim = Claim::new(police, register, code("990101"), 2027);
        let mut w = case_write(no, police, "registered");
        w.state = format!("{{\"n\":\"{}\"}}", claim.pending);
        w.claim = Some(claim);
        w
    };
    let mut ids = Vec::new();
    for i in 0..80 {
        ids.push(first.create_case(case_write(&format!("R{i}"), police, "registered"), By::system(10 + i)).await.unwrap().value.id);
    }
    // Rounds of concurrent updates: in each, the cases in id order claim the registers forwards
    // through one process and backwards through the other.
    let mut tasks = Vec::new();
    for (k, &id) in ids.iter().enumerate() {
        let (store, register) = if k % 2 == 0 { (first.clone(), registers[(k / 2) % 4]) } else { (second.clone(), registers[3 - (k / 2) % 4]) };
        let w = claimed(&format!("R{k}"), register);
        tasks.push(tokio::spawn(async move { store.update_case(id, 1, w, By::system(100 + k as i64)).await.unwrap().value.number.unwrap() }));
    }
    let mut numbers = Vec::new();
    for t in tasks {
        numbers.push(t.await.unwrap());
    }
    numbers.sort();
    numbers.dedup();
    assert_eq!(numbers.len(), 80, "every number given once");
    for register in registers {
        let given = Claim::new(police, register, code("990101"), 2027);
        let last = given.number(20);
        assert!(numbers.contains(&last), "{last} drawn: 20 from each register, no gaps");
        assert!(!numbers.contains(&given.number(21)), "nothing past 20");
    }
    // Closed, their connections' statistics reach the database's count.
    first.close().await;
    second.close().await;
    let pool = sqlx::PgPool::connect(&url).await.unwrap();
    let (deadlocks,): (i64,) = sqlx::query_as("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()").fetch_one(&pool).await.unwrap();
    assert_eq!(deadlocks, 0, "no transaction deadlocked");
}
