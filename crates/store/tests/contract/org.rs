//! Regions and units: the seed, the tree, unique and valid units.

use super::*;

contract!(seeds_and_browses_the_tree, units_are_unique_and_valid,);

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
