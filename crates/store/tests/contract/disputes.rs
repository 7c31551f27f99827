//! Disputes and hotline work orders: versioned writes, lists, tallies, group commit.

use super::*;

contract!(disputes_are_written_on_version_listed_and_tallied, dispute_and_ticket_writes_commit_in_groups,);

pub(crate) fn dispute_write(police: i64, region: &str, risk: Option<&str>, stage: &str, received: &str) -> DisputeWrite {
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

pub(crate) fn ticket_write(centre: i64, units: Vec<i64>, stage: &str) -> TicketWrite {
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
