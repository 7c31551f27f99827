//! Idempotency keys, holiday calendars and the knowledge base.

use super::cases::case_write;
use super::*;

contract!(idempotency_keys, calendars_are_stored_on_record_and_provisional_dates_found, knowledge_items_are_found_by_region_day_and_words,);

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
