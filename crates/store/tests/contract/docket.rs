//! The docket: one list of all work, kept with every write of every kind.

use super::cases::case_write;
use super::disputes::dispute_write;
use super::disputes::ticket_write;
use super::*;

contract!(the_docket_follows_every_write_of_every_kind,);

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
        Backend::Sqlite => include_str!("../../migrations/sqlite/0032_docket_task.sql"),
        Backend::Postgres => include_str!("../../migrations/postgres/0032_docket_task.sql"),
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
