#![allow(clippy::single_range_in_vec_init)] // a list of one range is what the proof functions take
//! One contract suite, run against SQLite and PostgreSQL, each test on a fresh database.

use xiezhi_core::{RegionCode, RegionLevel, Role, UnitKind};
use xiezhi_store::testing::{fresh_postgres, fresh_sqlite};
use xiezhi_store::*;

fn code(s: &str) -> RegionCode {
    RegionCode::parse("code", s).unwrap()
}

fn small_org() -> SeedOrg {
    let region = |c: &str, p: Option<&str>, level, name: &str| Region { code: code(c), parent: p.map(code), level, name: name.into(), name_en: name.into() };
    let unit = |r: &str, kind, name: &str| NewUnit { region: code(r), kind, name: name.into(), name_en: name.into() };
    let user = |unit: &str, username: &str, roles: &[Role]| {
        (
            unit.to_string(),
            NewUser { unit_id: 0, username: username.into(), display_name: username.into(), password_hash: "$argon2id$fake".into(), roles: roles.to_vec() },
        )
    };
    SeedOrg {
        regions: vec![
            region("990000", None, RegionLevel::Province, "示范省"),
            region("990100", Some("990000"), RegionLevel::City, "甲市"),
            region("990101", Some("990100"), RegionLevel::County, "甲一县"),
            region("990102", Some("990100"), RegionLevel::County, "甲二县"),
        ],
        units: vec![
            unit("990000", UnitKind::Committee, "省委政法委"),
            unit("990101", UnitKind::Police, "甲一县公安局"),
            unit("990102", UnitKind::Police, "甲二县公安局"),
            unit("990100", UnitKind::CourtIntermediate, "甲市中级人民法院"),
        ],
        users: vec![user("省委政法委", "admin", &[Role::Admin, Role::Supervisor]), user("甲一县公安局", "police1", &[Role::PoliceOfficer])],
        meta: vec![("demo_seed".into(), "1".into())],
    }
}

macro_rules! contract {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test] async fn $name() { let (s, _dir) = super::fresh_sqlite().await; super::$name(s).await; })*
        }
        mod postgres {
            $(#[tokio::test] async fn $name() { let (s, _url) = super::fresh_postgres().await; super::$name(s).await; })*
        }
    };
}

contract!(
    every_change_is_a_leaf_and_proofs_come_from_storage,
    concurrent_writers_get_distinct_leaves,
    checkpoints_and_cosignatures,
    idempotency_keys,
    seeds_and_browses_the_tree,
    units_are_unique_and_valid,
    users_roles_and_passwords,
    sessions_and_tokens,
    security_record_and_throttle_count,
    case_writes_commit_in_groups,
    numbers_are_drawn_from_each_register_without_gaps,
    a_write_that_fails_halfway_sinks_only_itself,
    calendars_are_stored_on_record_and_provisional_dates_found,
    disputes_are_written_on_version_listed_and_tallied,
    dispute_and_ticket_writes_commit_in_groups,
    knowledge_items_are_found_by_region_day_and_words,
    the_docket_follows_every_write_of_every_kind
);

fn dispute_write(police: i64, region: &str, risk: Option<&str>, stage: &str, received: &str) -> DisputeWrite {
    DisputeWrite {
        title: format!("纠纷 {received}"),
        region: code(region),
        channel: "governance_centre".into(),
        category: "neighbour".into(),
        risk: risk.map(Into::into),
        stage: stage.into(),
        outcome: None,
        holder_unit_id: police,
        pending_unit_id: None,
        due_date: Some("2026-12-01".into()),
        due_provisional: false,
        is_group: false,
        party_count: 2,
        amount: Some(1000),
        reported: false,
        linked_cases: 0,
        followed_up: false,
        satisfaction: None,
        received_on: received.into(),
        search: "王芳\n李强".into(),
        state: "{}".into(),
        units: vec![police],
        events: vec![("registered".into(), Payload::from(serde_json::json!({"event": "registered"})))],
        event_times: vec![],
        notices: vec![],
        claim: None,
    }
}

/// A dispute gets its code from its id, lands with its units and events in one transaction,
/// changes only at the version it was read at, and lists, counts and tallies by its columns.
async fn disputes_are_written_on_version_listed_and_tallied<S: Store>(s: S) {
    s.seed(small_org(), By::system(1)).await.unwrap();
    let units = s.list_units(UnitFilter::default()).await.unwrap();
    let p1 = units.iter().find(|u| u.name == "甲一县公安局").unwrap().id;
    let p2 = units.iter().find(|u| u.name == "甲二县公安局").unwrap().id;
    let before = s.audit_size().await.unwrap();
    let a = s.create_dispute(dispute_write(p1, "990101", Some("red"), "registered", "2026-11-30"), By::system(10)).await.unwrap();
    let (id, code) = a.value;
    assert_eq!(code, format!("MD9901012026{id:06}"));
    assert_eq!(a.leaves, vec![before as i64]);
    let b = s.create_dispute(dispute_write(p2, "990102", None, "closed", "2026-10-01"), By::system(11)).await.unwrap();
    assert_ne!(b.value.1, code, "one code each");
    let (row, seen_by) = s.dispute(id).await.unwrap().unwrap();
    assert_eq!((row.version, row.risk.as_deref(), seen_by), (1, Some("red"), vec![p1]));
    let first = dispute_write(p1, "990101", Some("red"), "registered", "2026-11-30");
    assert_eq!(row, DisputeRecord::created(id, code.clone(), &first, &By::system(10)), "what a registration answers with is what was stored");
    assert_eq!(s.events_of(&format!("dispute:{id}"), 10).await.unwrap()[0].kind, "dispute.registered");

    let mut w = dispute_write(p1, "990101", Some("orange"), "mediating", "2026-11-30");
    w.units = vec![p2];
    w.satisfaction = Some("satisfied".into());
    let v = s.update_dispute(id, 1, w.clone(), By::system(12)).await.unwrap().value;
    assert_eq!(v, (2, None));
    assert_eq!(s.dispute(id).await.unwrap().unwrap().0, row.updated(&w, &By::system(12)), "what a command answers with is what was stored");
    let err = s.update_dispute(id, 1, w.clone(), By::system(13)).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    assert!(matches!(s.update_dispute(9999, 1, w, By::system(13)).await.unwrap_err(), StoreError::NotFound(_)));
    let (row, seen_by) = s.dispute(id).await.unwrap().unwrap();
    assert_eq!((row.version, row.stage.as_str(), seen_by), (2, "mediating", vec![p1, p2]));

    let list = |f: DisputeFilter| {
        let s = s.clone();
        async move { s.disputes(f).await.unwrap().into_iter().map(|d| d.id).collect::<Vec<_>>() }
    };
    assert_eq!(list(DisputeFilter { unit_id: Some(p2), ..Default::default() }).await.len(), 2, "p2 was told of the first, handles the second");
    assert_eq!(list(DisputeFilter { region_prefix: Some("990101".into()), ..Default::default() }).await, vec![id]);
    assert_eq!(list(DisputeFilter { risks: vec!["red".into(), "orange".into()], ..Default::default() }).await, vec![id]);
    assert_eq!(list(DisputeFilter { open_only: true, ..Default::default() }).await, vec![id]);
    assert_eq!(list(DisputeFilter { received_to: Some("2026-10-31".into()), ..Default::default() }).await, vec![b.value.0]);
    assert_eq!(list(DisputeFilter { text: Some(code.to_lowercase()), ..Default::default() }).await, vec![id], "found by its code");
    assert_eq!(list(DisputeFilter { text: Some("李强".into()), ..Default::default() }).await.len(), 2, "found by a party's name");
    assert_eq!(s.dispute_count(DisputeFilter { region_prefix: Some("9901".into()), limit: 1, ..Default::default() }).await.unwrap(), 2);
    let tallies = s.dispute_tallies(DisputeFilter::default()).await.unwrap();
    assert_eq!(tallies.iter().map(|t| t.disputes).sum::<i64>(), 2);
    assert_eq!(tallies.iter().map(|t| t.parties).sum::<i64>(), 4);
}

fn ticket_write(centre: i64, units: Vec<i64>, stage: &str) -> TicketWrite {
    TicketWrite {
        hotline: "12345".into(),
        region: code("990101"),
        channel: "phone".into(),
        kind: "help".into(),
        urgency: "normal".into(),
        title: "路灯不亮".into(),
        stage: stage.into(),
        outcome: None,
        centre_unit_id: centre,
        lead_unit_id: None,
        pending_unit_id: None,
        due_date: None,
        due_provisional: false,
        concerns_law: false,
        reopened: 0,
        satisfaction: None,
        caller_phone: Some("13800001111".into()),
        received_on: "2026-11-30".into(),
        signed_on_time: None,
        replied_on_time: None,
        contacted: false,
        returns: 0,
        extensions: 0,
        repeat_call: false,
        supervised: 0,
        search: "路灯不亮".into(),
        state: "{}".into(),
        units,
        events: vec![(stage.into(), Payload::from(serde_json::json!({"event": stage})))],
        event_times: vec![],
    }
}

/// Dispute and work-order writes go through the group-commit engine: many at once commit
/// together, each with its own leaves and author; one that fails after it began writing (a
/// unit that does not exist, found when its units are inserted, after its row was updated) is
/// refused and leaves nothing — not even the row update — while its neighbours land; of two
/// writes decided on the same version exactly one applies.
async fn dispute_and_ticket_writes_commit_in_groups<S: Store>(s: S) {
    s.seed(small_org(), By::system(1)).await.unwrap();
    let police = s.list_units(UnitFilter::default()).await.unwrap().into_iter().find(|u| u.name == "甲一县公安局").unwrap().id;
    let mut ids = Vec::new();
    for i in 0..30 {
        ids.push(s.create_dispute(dispute_write(police, "990101", None, "registered", "2026-11-30"), By::system(10 + i)).await.unwrap().value.0);
    }
    let before = s.audit_size().await.unwrap();
    let tasks: Vec<_> = ids
        .iter()
        .enumerate()
        .map(|(i, &id)| {
            let s = s.clone();
            tokio::spawn(async move {
                let mut w = dispute_write(police, "990101", Some("red"), "mediating", "2026-11-30");
                if i == 17 {
                    w.units.push(999_999);
                }
                s.update_dispute(id, 1, w, By { at: 100, user_id: Some(id), unit_id: Some(police) }).await
            })
        })
        .collect();
    for (i, (t, &id)) in tasks.into_iter().zip(&ids).enumerate() {
        let outcome = t.await.unwrap();
        let (row, _) = s.dispute(id).await.unwrap().unwrap();
        match (i, outcome) {
            (17, Err(StoreError::Invalid(why))) => {
                assert!(why.contains("does not exist"), "{why}");
                assert_eq!((row.version, row.stage.as_str(), row.risk), (1, "registered", None), "the row update was undone");
            }
            (17, other) => panic!("the write naming a missing unit must be refused, got {other:?}"),
            (_, r) => {
                let r = r.unwrap();
                assert_eq!((r.value, row.version, row.stage.as_str()), ((2, None), 2, "mediating"));
                let events = s.events_of(&format!("dispute:{id}"), 10).await.unwrap();
                assert_eq!((events.last().unwrap().seq, events.last().unwrap().actor_user_id), (r.leaves[0], Some(id)));
            }
        }
    }
    assert_eq!(s.audit_size().await.unwrap(), before + 29, "one leaf each, none for the refused write");
    let (a, b) = tokio::join!(
        s.update_dispute(ids[0], 2, dispute_write(police, "990101", None, "closed", "2026-11-30"), By::system(200)),
        s.update_dispute(ids[0], 2, dispute_write(police, "990101", None, "withdrawn", "2026-11-30"), By::system(201))
    );
    assert!(a.is_ok() != b.is_ok(), "one wins: {a:?} {b:?}");
    assert!(matches!(a.as_ref().err().or(b.as_ref().err()), Some(StoreError::Conflict(_))));

    // Work orders: created together, each its own number; a write naming a missing unit is refused alone.
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let s = s.clone();
            let units = if i == 7 { vec![police, 999_999] } else { vec![police] };
            tokio::spawn(async move { s.create_ticket(ticket_write(police, units, "registered"), format!("hash{i}"), By::system(300 + i)).await })
        })
        .collect();
    let mut numbers = std::collections::HashSet::new();
    for (i, t) in tasks.into_iter().enumerate() {
        match (i, t.await.unwrap()) {
            (7, r) => assert!(matches!(r, Err(StoreError::Invalid(_))), "{r:?}"),
            (_, r) => assert!(numbers.insert(r.unwrap().value.1)),
        }
    }
    assert_eq!(s.ticket_count(TicketFilter::default()).await.unwrap(), 19, "the refused order left no row");
    let (id, _) = s.tickets(TicketFilter::default()).await.unwrap().into_iter().map(|t| (t.id, t.version)).next().unwrap();
    let before = s.ticket(id).await.unwrap().unwrap().0;
    let made = ticket_write(police, vec![police], "registered");
    assert_eq!(
        before,
        TicketRecord::created(id, before.ticket_no.clone(), &made, &By::system(before.updated_at)),
        "what a registration answers with is what was stored"
    );
    let mut w = ticket_write(police, vec![], "in_progress");
    (w.reopened, w.satisfaction, w.lead_unit_id, w.due_date) = (1, Some("unsatisfied".into()), Some(police), Some("2026-12-09".into()));
    s.update_ticket(id, 1, w.clone(), By::system(350)).await.unwrap();
    assert_eq!(s.ticket(id).await.unwrap().unwrap().0, before.updated(&w, &By::system(350)), "what a command answers with is what was stored");
    let (a, b) = tokio::join!(
        s.update_ticket(id, 2, ticket_write(police, vec![], "dispatched"), By::system(400)),
        s.update_ticket(id, 2, ticket_write(police, vec![], "answered"), By::system(401))
    );
    assert!(a.is_ok() != b.is_ok(), "one wins: {a:?} {b:?}");
    assert_eq!(s.ticket(id).await.unwrap().unwrap().0.version, 3);
}

/// Knowledge items: found by the regions and subtree a centre reaches, by the day they hold (not
/// retired), by words; adding and retiring are each a leaf of the audit log.
async fn knowledge_items_are_found_by_region_day_and_words<S: Store>(s: S) {
    s.seed(small_org(), By::system(1)).await.unwrap();
    let units = s.list_units(UnitFilter::default()).await.unwrap();
    let p1 = units.iter().find(|u| u.name == "甲一县公安局").unwrap();
    let p2 = units.iter().find(|u| u.name == "甲二县公安局").unwrap();
    let item = |u: &Unit, q: &str, from: &str, until: Option<&str>| NewKnowledgeItem {
        unit_id: u.id,
        region: u.region,
        question: q.into(),
        answer: "ANSWER 答复".into(),
        valid_from: from.into(),
        valid_until: until.map(Into::into),
        search_extra: u.name.clone(),
    };
    let before = s.audit_size().await.unwrap();
    let a = s.add_knowledge(item(p1, "身份证补办", "2026-01-01", None), By::system(10)).await.unwrap();
    assert_eq!(a.leaves, vec![before as i64]);
    let b = s.add_knowledge(item(p1, "户口迁移", "2026-01-01", Some("2026-06-30")), By::system(11)).await.unwrap().value;
    let c = s.add_knowledge(item(p2, "身份证补办", "2026-01-01", None), By::system(12)).await.unwrap().value;
    let find = |f: KnowledgeFilter| {
        let s = s.clone();
        async move { s.knowledge(f).await.unwrap().into_iter().map(|k| k.id).collect::<Vec<_>>() }
    };
    let county = |prefix: &str| KnowledgeFilter { region_prefix: Some(prefix.into()), ..Default::default() };
    assert_eq!(find(county(&p1.region.to_string())).await, vec![b.id, a.value.id], "newest first, one county");
    assert_eq!(find(KnowledgeFilter { valid_on: Some("2026-11-30".into()), ..county(&p1.region.to_string()) }).await, vec![a.value.id], "expired left out");
    assert_eq!(find(KnowledgeFilter { valid_on: Some("2025-12-31".into()), ..Default::default() }).await, Vec::<i64>::new(), "not yet valid");
    assert_eq!(find(KnowledgeFilter { text: Some("身份证".into()), ..Default::default() }).await, vec![c.id, a.value.id]);
    assert_eq!(find(KnowledgeFilter { text: Some("answer".into()), unit_id: Some(p2.id), ..Default::default() }).await, vec![c.id], "ASCII case folded");
    assert_eq!(find(KnowledgeFilter { regions: vec![p2.region.to_string()], ..Default::default() }).await, vec![c.id], "an exact region");
    assert_eq!(s.knowledge_count(KnowledgeFilter::default()).await.unwrap(), 3);
    let retired = s.retire_knowledge(a.value.id, By::system(20)).await.unwrap();
    assert_eq!(retired.value.retired_at, Some(20));
    assert!(matches!(s.retire_knowledge(a.value.id, By::system(21)).await, Err(StoreError::NotFound(_))), "once");
    assert_eq!(find(KnowledgeFilter { valid_on: Some("2026-11-30".into()), ..Default::default() }).await, vec![c.id]);
    let kinds: Vec<String> = s.events_of(&format!("knowledge:{}", a.value.id), 10).await.unwrap().into_iter().map(|e| e.kind).collect();
    assert_eq!(kinds, vec!["knowledge.added", "knowledge.retired"]);
}

/// A loaded calendar is stored and recorded in one transaction (replacing is recorded as such),
/// and the cases a loaded year may move are found: provisional ones, and those due in its range.
async fn calendars_are_stored_on_record_and_provisional_dates_found<S: Store>(s: S) {
    s.seed(small_org(), By::system(1)).await.unwrap();
    let police = s.list_units(UnitFilter::default()).await.unwrap().into_iter().find(|u| u.name == "甲一县公安局").unwrap().id;
    assert!(s.calendars().await.unwrap().is_empty());
    let body = r#"{"year": 2031, "source": "notice", "holidays": []}"#;
    let cal = StoredCalendar { year: 2031, body: body.into(), source: "notice".into(), loaded_by: None, loaded_at: 7 };
    let size = s.audit_size().await.unwrap();
    assert_eq!(s.put_calendar(cal.clone(), By::system(7)).await.unwrap().leaves, vec![size as i64]);
    let replaced = StoredCalendar { source: "corrected notice".into(), loaded_at: 8, ..cal.clone() };
    s.put_calendar(replaced.clone(), By::system(8)).await.unwrap();
    assert_eq!(s.calendars().await.unwrap(), vec![replaced]);
    let kinds: Vec<String> = s.events_of("calendar:2031", 10).await.unwrap().into_iter().map(|e| e.kind).collect();
    assert_eq!(kinds, ["calendar.loaded", "calendar.replaced"]);
    let refused = s.put_calendar(StoredCalendar { body: "not json".into(), ..cal }, By::system(9)).await;
    assert!(matches!(refused, Err(StoreError::Invalid(_))), "{refused:?}");
    assert_eq!(s.audit_size().await.unwrap(), size + 2, "a refused calendar records nothing");

    let mut ids = Vec::new();
    for (no, due, provisional) in [("P1", Some("2031-01-05"), true), ("P2", Some("2031-06-30"), false), ("P3", Some("2032-03-01"), false), ("P4", None, false)]
    {
        let mut w = case_write(no, police, "investigation");
        w.due_date = due.map(str::to_string);
        w.due_provisional = provisional;
        ids.push(s.create_case(w, By::system(10)).await.unwrap().value.id);
    }
    let stored = s.case(ids[0]).await.unwrap().unwrap();
    assert_eq!((stored.due_date.as_deref(), stored.due_provisional), (Some("2031-01-05"), true));
    assert_eq!(s.cases_to_recompute("9999-12-31", "0000-01-01", 0, 100).await.unwrap(), vec![ids[0]], "only the provisional one");
    assert_eq!(s.cases_to_recompute("2031-01-01", "2032-01-31", 0, 100).await.unwrap(), vec![ids[0], ids[1]]);
    assert_eq!(s.cases_to_recompute("2031-01-01", "2032-01-31", ids[0], 100).await.unwrap(), vec![ids[1]], "paged by id");
    let mut w = case_write("P1", police, "investigation");
    w.due_date = Some("2031-01-06".into());
    w.events = vec![("due_recomputed".into(), serde_json::json!({}).into())];
    s.update_case(ids[0], stored.version, w, By::system(11)).await.unwrap();
    assert!(!s.case(ids[0]).await.unwrap().unwrap().due_provisional, "an update writes the mark too");
}

async fn seeds_and_browses_the_tree<S: Store>(s: S) {
    let report = s.seed(small_org(), By::system(1)).await.unwrap();
    assert_eq!(report, SeedReport { regions: 4, units: 4, users: 2 });
    assert_eq!(s.counts().await.unwrap(), Counts { regions: 4, units: 4, users: 2, cases: 0 });
    let top = s.child_regions(None).await.unwrap();
    assert_eq!(top.len(), 1);
    assert_eq!(top[0].name, "示范省");
    let counties = s.child_regions(Some(code("990100"))).await.unwrap();
    assert_eq!(counties.iter().map(|r| r.code.to_string()).collect::<Vec<_>>(), ["990101", "990102"]);
    let city_units = s.list_units(UnitFilter { subtree: Some("9901".into()), ..Default::default() }).await.unwrap();
    assert_eq!(city_units.len(), 3);
    let police = s.list_units(UnitFilter { region: Some(code("990101")), kind: Some(UnitKind::Police), ..Default::default() }).await.unwrap();
    assert_eq!(police.len(), 1);
    assert_eq!(police[0].name, "甲一县公安局");
    let taken = s.existing_unit_names(&["甲一县公安局".into(), "不存在".into(), "省委政法委".into()]).await.unwrap();
    assert_eq!(taken.len(), 2);
    assert!(matches!(s.region(code("990300")).await, Err(StoreError::NotFound("region"))));
    assert_eq!(s.meta("demo_seed").await.unwrap().as_deref(), Some("1"));
    assert_eq!(s.meta("other").await.unwrap(), None);
    let orphan = Region { code: code("990301"), parent: Some(code("990300")), level: RegionLevel::County, name: "孤县".into(), name_en: "x".into() };
    assert!(matches!(s.create_region(orphan, By::system(6)).await, Err(StoreError::Invalid(_))));
    let city = Region { code: code("990300"), parent: Some(code("990000")), level: RegionLevel::City, name: "丙市".into(), name_en: "Bing".into() };
    s.create_region(city.clone(), By::system(6)).await.unwrap();
    assert!(matches!(s.create_region(city, By::system(6)).await, Err(StoreError::Duplicate { .. })));
    assert_eq!(s.child_regions(Some(code("990000"))).await.unwrap().len(), 2);
}

async fn units_are_unique_and_valid<S: Store>(s: S) {
    s.seed(small_org(), By::system(1)).await.unwrap();
    let dup = s.create_unit(NewUnit { region: code("990102"), kind: UnitKind::Police, name: "甲一县公安局".into(), name_en: "x".into() }, By::system(2)).await;
    assert!(matches!(dup, Err(StoreError::Duplicate { .. })), "{dup:?}");
    let wrong_level =
        s.create_unit(NewUnit { region: code("990102"), kind: UnitKind::CourtHigh, name: "错层法院".into(), name_en: "x".into() }, By::system(2)).await;
    assert!(matches!(&wrong_level, Err(StoreError::Invalid(m)) if m.contains("province")), "{wrong_level:?}");
    let no_region =
        s.create_unit(NewUnit { region: code("990301"), kind: UnitKind::Police, name: "无县公安局".into(), name_en: "x".into() }, By::system(2)).await;
    assert!(matches!(no_region, Err(StoreError::Invalid(_))));
    assert_eq!(s.counts().await.unwrap().units, 4, "refused writes leave nothing behind");

    let u = s
        .create_unit(
            NewUnit { region: code("990102"), kind: UnitKind::Procuratorate, name: "甲二县人民检察院".into(), name_en: "Jia-2 Procuratorate".into() },
            By::system(2),
        )
        .await
        .unwrap()
        .value;
    let renamed = s.update_unit(u.id, UnitChange { name: Some("甲二县检察院".into()), ..Default::default() }, By::system(5)).await.unwrap().value;
    assert_eq!((renamed.name.as_str(), renamed.name_en.as_str(), renamed.disabled), ("甲二县检察院", "Jia-2 Procuratorate", false));
    let disabled = s.update_unit(u.id, UnitChange { disabled: Some(true), ..Default::default() }, By::system(5)).await.unwrap().value;
    assert!(disabled.disabled);
    let visible = s.list_units(UnitFilter { region: Some(code("990102")), ..Default::default() }).await.unwrap();
    assert_eq!(visible.len(), 1, "disabled units are hidden by default");
    let all = s.list_units(UnitFilter { region: Some(code("990102")), include_disabled: true, ..Default::default() }).await.unwrap();
    assert_eq!(all.len(), 2);
    assert!(matches!(s.update_unit(9999, UnitChange::default(), By::system(5)).await, Err(StoreError::NotFound("unit"))));
}

async fn users_roles_and_passwords<S: Store>(s: S) {
    s.seed(small_org(), By::system(1)).await.unwrap();
    let police = s.list_units(UnitFilter { region: Some(code("990102")), ..Default::default() }).await.unwrap().remove(0);
    let new =
        |name: &str, roles: Vec<Role>| NewUser { unit_id: police.id, username: name.into(), display_name: "张三".into(), password_hash: "h1".into(), roles };
    let judge = s.create_user(new("zhang", vec![Role::Judge]), By::system(3)).await;
    assert!(matches!(&judge, Err(StoreError::Invalid(m)) if m.contains("judge")), "{judge:?}");
    let u = s.create_user(new("zhang", vec![Role::PoliceOfficer]), By::system(3)).await.unwrap().value;
    assert_eq!(u.roles, vec![Role::PoliceOfficer]);
    assert!(matches!(s.create_user(new("zhang", vec![Role::PoliceOfficer]), By::system(3)).await, Err(StoreError::Duplicate { .. })));
    let (found, hash) = s.credentials("zhang").await.unwrap().unwrap();
    assert_eq!((found.id, hash.as_str()), (u.id, "h1"));
    assert!(s.credentials("nobody").await.unwrap().is_none());
    s.set_password(u.id, "h2".into(), By::system(4)).await.unwrap();
    assert_eq!(s.credentials("zhang").await.unwrap().unwrap().1, "h2");
    let changed = s
        .update_user(
            u.id,
            UserChange { roles: Some(vec![Role::PoliceOfficer, Role::Admin]), display_name: Some("张三丰".into()), ..Default::default() },
            By::system(5),
        )
        .await
        .unwrap()
        .value;
    assert_eq!((changed.roles.len(), changed.display_name.as_str()), (2, "张三丰"));
    assert!(s.update_user(u.id, UserChange { roles: Some(vec![Role::Mediator]), ..Default::default() }, By::system(5)).await.is_err());
    assert_eq!(s.user(u.id).await.unwrap().roles.len(), 2, "a refused change changes nothing");
    assert_eq!(s.users_of_unit(police.id).await.unwrap().len(), 1);
}

async fn sessions_and_tokens<S: Store>(s: S) {
    s.seed(small_org(), By::system(1)).await.unwrap();
    let (user, _) = s.credentials("police1").await.unwrap().unwrap();
    s.create_session(NewSession { token_hash: "sess".into(), user_id: user.id, csrf_token: "csrf".into(), created_at: 10, expires_at: 100 }).await.unwrap();
    let p = s.session("sess", 50).await.unwrap().unwrap();
    assert_eq!((p.user.username.as_str(), p.unit.name.as_str(), p.csrf_token.as_str()), ("police1", "甲一县公安局", "csrf"));
    assert_eq!(p.actor().region, code("990101"));
    assert!(s.session("sess", 100).await.unwrap().is_none(), "expired");
    assert!(s.session("other", 50).await.unwrap().is_none());

    let t = s.create_token(user.id, "ci".into(), "tok".into(), By::system(20)).await.unwrap().value;
    assert!(s.token("tok", 30).await.unwrap().is_some());
    assert_eq!(s.tokens_of_user(user.id).await.unwrap()[0].last_used_at, Some(30));
    assert!(matches!(s.revoke_token(user.id + 1, t.id, By::system(40)).await, Err(StoreError::NotFound("token"))), "only the owner revokes");
    assert_eq!(s.revoke_token(user.id, t.id, By::system(40)).await.unwrap().value.revoked_at, Some(40));
    assert!(s.token("tok", 50).await.unwrap().is_none());

    s.update_user(user.id, UserChange { disabled: Some(true), ..Default::default() }, By::system(5)).await.unwrap();
    assert!(s.session("sess", 50).await.unwrap().is_none(), "disabling a user ends their sessions");
}

async fn security_record_and_throttle_count<S: Store>(s: S) {
    s.seed(small_org(), By::system(1)).await.unwrap();
    let ev = |at, kind, user: &str, client: &str, region: Option<&str>| NewSecurityEvent {
        at,
        kind,
        username: Some(user.into()),
        user_id: None,
        region: region.map(code),
        client: Some(client.into()),
        detail: "x".into(),
    };
    for at in [100, 200, 300] {
        s.record(ev(at, "sign_in_failed", "police1", "1.2.3.4", None)).await.unwrap();
    }
    s.record(ev(400, "access_denied", "police1", "1.2.3.4", Some("990101"))).await.unwrap();
    assert_eq!(s.failed_sign_ins_since("police1", "9.9.9.9", 150).await.unwrap(), (2, 0));
    assert_eq!(s.failed_sign_ins_since("other", "1.2.3.4", 0).await.unwrap(), (0, 3), "counted by client too");
    assert_eq!(s.security_events("9901", 10).await.unwrap().len(), 1);
    assert_eq!(s.security_events("99", 10).await.unwrap().len(), 4, "the province sees events without a region");
}

#[tokio::test]
async fn both_backends_end_in_the_same_logical_schema() {
    let (lite, _dir) = fresh_sqlite().await;
    let (pg, _url) = fresh_postgres().await;
    let a = lite.logical_schema().await.unwrap();
    let b = pg.logical_schema().await.unwrap();
    assert!(a.len() > 30, "{a:#?}");
    assert!(!a.iter().any(|l| l.contains(" other ")), "unmapped types: {a:#?}");
    assert_eq!(a, b, "SQLite and PostgreSQL schemas differ");
}

fn memory_tree(events: &[Event]) -> xiezhi_audit::MemoryTree {
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

async fn idempotency_keys<S: Store>(s: S) {
    assert_eq!(s.idempotency_begin("a", "k", "h1", 1).await.unwrap(), Idempotent::Fresh);
    assert_eq!(s.idempotency_begin("a", "k", "h1", 2).await.unwrap(), Idempotent::InFlight, "the first attempt has not answered");
    assert_eq!(s.idempotency_begin("a", "k", "h2", 2).await.unwrap(), Idempotent::Mismatch);
    assert_eq!(s.idempotency_begin("b", "k", "h2", 2).await.unwrap(), Idempotent::Fresh, "scoped to the caller");
    s.idempotency_finish("a", "k", Some((201, "{}".into()))).await.unwrap();
    assert_eq!(s.idempotency_begin("a", "k", "h1", 3).await.unwrap(), Idempotent::Done { status: 201, body: "{}".into() });
    s.idempotency_finish("a", "k", None).await.unwrap();
    assert!(matches!(s.idempotency_begin("a", "k", "h1", 4).await.unwrap(), Idempotent::Done { .. }), "an answered key is never released");
    s.idempotency_finish("b", "k", None).await.unwrap();
    assert_eq!(s.idempotency_begin("b", "k", "h3", 5).await.unwrap(), Idempotent::Fresh, "a released key is free again");
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

fn case_write(no: &str, holder: i64, stage: &str) -> CaseWrite {
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

/// The docket is kept by the database in the transaction that writes each item, whatever the path
/// (a create, a group-committed update, an import, a restore): a hand-over puts the item on the
/// receiver's list until it is signed for; closing takes it off the active lists; a refused write
/// leaves the docket as it was; and the counters by region, kind and stage equal a fresh count
/// after many concurrent writes moving items between stages.
async fn the_docket_follows_every_write_of_every_kind(s: SqlStore) {
    s.seed(small_org(), By::system(1)).await.unwrap();
    let units = s.list_units(UnitFilter::default()).await.unwrap();
    let police = units.iter().find(|u| u.name == "甲一县公安局").unwrap().id;
    let other = units.iter().find(|u| u.name == "甲二县公安局").unwrap().id;
    let court = units.iter().find(|u| u.name == "甲市中级人民法院").unwrap().id;
    let check = |s: SqlStore| async move {
        assert_eq!(s.docket_mismatches(10).await.unwrap(), Vec::<String>::new(), "every docket row is what its item says");
        let kept = s.docket_counts("99").await.unwrap();
        assert_eq!(kept, s.docket_counts_recounted().await.unwrap(), "the counters are a fresh count");
        kept
    };

    let mut cases = Vec::new();
    for i in 0..6 {
        let mut w = case_write(&format!("D{i}"), police, "investigation");
        w.due_date = Some(format!("2026-12-0{}", 6 - i));
        cases.push(s.create_case(w, By::system(10 + i)).await.unwrap().value.id);
    }
    s.import_cases(vec![case_write("I1", other, "trial")], By::system(20)).await.unwrap();
    // A hand-over to the court: the court's move until it signs for it.
    let mut sent = case_write("D0", police, "prosecution_review");
    sent.pending_unit_id = Some(court);
    sent.units = vec![police, court];
    sent.state = r#"{"handover":{"kind":"indictment"}}"#.into();
    s.update_case(cases[0], 1, sent, By::system(30)).await.unwrap();
    let waiting = s.docket(DocketFilter { next_unit_id: Some(court), active_only: true, ..Default::default() }).await.unwrap();
    assert_eq!(waiting.len(), 1);
    assert_eq!(
        (waiting[0].kind.as_str(), waiting[0].item_id, waiting[0].number.as_str(), waiting[0].holder_unit_id, waiting[0].awaiting_receipt),
        ("case", cases[0], "D0", police, 1)
    );
    assert_eq!(waiting[0].task.as_deref(), Some("indictment"), "what the hand-over asks of the court");
    // Signed for: still the court's move, no longer waiting to be signed for.
    let mut signed = case_write("D0", police, "prosecution_review");
    signed.pending_unit_id = Some(court);
    signed.units = vec![police, court];
    signed.state = r#"{"handover":{"kind":"indictment","received":"2026-12-01"}}"#.into();
    s.update_case(cases[0], 2, signed, By::system(30)).await.unwrap();
    let waiting = s.docket(DocketFilter { next_unit_id: Some(court), ..Default::default() }).await.unwrap();
    assert_eq!((waiting.len(), waiting[0].awaiting_receipt, waiting[0].task.as_deref()), (1, 0, Some("indictment")));
    // Closed: off the active lists, still counted in its stage.
    s.update_case(cases[1], 1, case_write("D1", police, "executed"), By::system(31)).await.unwrap();
    // Soonest due first, items without a clock last.
    let mine = s.docket(DocketFilter { next_unit_id: Some(police), active_only: true, ..Default::default() }).await.unwrap();
    assert_eq!(mine.iter().map(|d| d.number.as_str()).collect::<Vec<_>>(), vec!["D5", "D4", "D3", "D2"]);

    // A dispute and two work orders join the same lists.
    let dispute = s.create_dispute(dispute_write(police, "990101", Some("red"), "registered", "2026-11-29"), By::system(40)).await.unwrap().value.0;
    let mut referred = dispute_write(police, "990101", Some("red"), "registered", "2026-11-29");
    referred.pending_unit_id = Some(other);
    referred.units = vec![police, other];
    referred.state = r#"{"referral":{"kind":"peoples_mediation"}}"#.into();
    s.update_dispute(dispute, 1, referred, By::system(41)).await.unwrap();
    let t1 = s.create_ticket(ticket_write(police, vec![police], "received"), "h1".into(), By::system(42)).await.unwrap().value.0;
    let mut dispatched = ticket_write(police, vec![police, other], "dispatched");
    dispatched.lead_unit_id = Some(other);
    dispatched.pending_unit_id = Some(other);
    dispatched.due_date = Some("2026-12-01".into());
    s.update_ticket(t1, 1, dispatched, By::system(43)).await.unwrap();
    s.create_ticket(ticket_write(police, vec![police], "received"), "h2".into(), By::system(44)).await.unwrap();
    let theirs = s.docket(DocketFilter { next_unit_id: Some(other), active_only: true, awaiting_receipt: Some(true), ..Default::default() }).await.unwrap();
    assert_eq!(
        theirs.iter().map(|d| (d.kind.as_str(), d.due_date.as_deref(), d.task.as_deref())).collect::<Vec<_>>(),
        vec![("dispute", Some("2026-12-01"), Some("peoples_mediation")), ("ticket", Some("2026-12-01"), None)]
    );
    assert_eq!(
        s.docket_count_by_kind(DocketFilter { region_prefix: Some("9901".into()), active_only: true, ..Default::default() }).await.unwrap(),
        vec![("case".to_string(), 6), ("dispute".to_string(), 1), ("ticket".to_string(), 2)]
    );
    assert_eq!(s.docket_count(DocketFilter { due_by: Some("2026-12-02".into()), active_only: true, ..Default::default() }).await.unwrap(), 4);
    assert_eq!(s.docket(DocketFilter { text: Some("d3".into()), ..Default::default() }).await.unwrap().len(), 1, "found by its number");
    let kept = check(s.clone()).await;
    assert!(kept.contains(&DocketCount { region: "990101".into(), kind: "case".into(), stage: "executed".into(), items: 1 }), "{kept:?}");

    // A refused write (a unit that does not exist) leaves the docket and its counters as they were.
    let mut bad = case_write("D2", police, "trial");
    bad.units.push(999_999);
    assert!(s.update_case(cases[2], 1, bad, By::system(50)).await.is_err());
    assert_eq!(check(s.clone()).await, kept);
    // A change that moves nothing the docket holds (a note, a document) leaves its row alone;
    // one that moves the item stamps when it moved.
    let d3 = || DocketFilter { text: Some("d3".into()), ..Default::default() };
    let before = s.docket(d3()).await.unwrap()[0].clone();
    let mut note = case_write("D3", police, "investigation");
    note.due_date = before.due_date.clone();
    note.state = r#"{"note":"x"}"#.into();
    s.update_case(cases[3], 1, note, By::system(9_000_000)).await.unwrap();
    assert_eq!(s.docket(d3()).await.unwrap()[0], before);
    let mut moved = case_write("D3", police, "investigation");
    moved.due_date = Some("2026-12-24".into());
    s.update_case(cases[3], 2, moved, By::system(9_000_001)).await.unwrap();
    let after = s.docket(d3()).await.unwrap()[0].clone();
    assert_eq!((after.due_date.as_deref(), after.updated_at), (Some("2026-12-24"), 9_000_001));
    // The migration that added what a hand-over asks (0032) fills it for items stored before it
    // as the triggers do.
    let migration = match s.backend() {
        Backend::Sqlite => include_str!("../migrations/sqlite/0032_docket_task.sql"),
        Backend::Postgres => include_str!("../migrations/postgres/0032_docket_task.sql"),
    };
    let from = migration.find("UPDATE").unwrap();
    let updates = &migration[from..from + migration[from..].find("\n\n").unwrap()];
    sqlx::query("UPDATE docket SET task = NULL").execute(s.pool()).await.unwrap();
    assert_eq!(s.docket_mismatches(10).await.unwrap().len(), 2, "the court's case and the mediation committee's dispute lack it");
    sqlx::raw_sql(updates).execute(s.pool()).await.unwrap();
    check(s.clone()).await;
    // A restored projection moves its docket row too.
    s.restore_case(cases[2], case_write("D2", police, "trial")).await.unwrap();
    assert_eq!(s.docket(DocketFilter { kinds: vec!["case".into()], text: Some("d2".into()), ..Default::default() }).await.unwrap()[0].stage, "trial");

    // Many concurrent writes between stages: the counters stay a true count.
    let mut more = Vec::new();
    for i in 0..40 {
        more.push(s.create_case(case_write(&format!("M{i}"), police, "investigation"), By::system(60 + i)).await.unwrap().value.id);
    }
    let tasks: Vec<_> = more
        .iter()
        .enumerate()
        .map(|(i, &id)| {
            let s = s.clone();
            tokio::spawn(async move {
                let stage = ["prosecution_review", "trial", "appeal_window", "final"][i % 4];
                s.update_case(id, 1, case_write(&format!("M{i}"), police, stage), By::system(200 + i as i64)).await.unwrap();
                s.update_case(id, 2, case_write(&format!("M{i}"), police, "executed"), By::system(300 + i as i64)).await.unwrap();
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    let after = check(s.clone()).await;
    assert!(after.contains(&DocketCount { region: "990101".into(), kind: "case".into(), stage: "executed".into(), items: 41 }), "{after:?}");
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
