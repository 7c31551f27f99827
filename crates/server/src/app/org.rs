//! Regions and units: what an administrator can do to the organisation, whatever the door.

use crate::dto::*;
use crate::error::{ApiResult, AppError};
use crate::state::AppState;
use std::collections::{HashMap, HashSet};
use xiezhi_core::{Action, RegionCode};
use xiezhi_store::{Region, SeedOrg, Store};

/// The path to a region from the top, for breadcrumbs.
pub async fn region_path<S: Store>(store: &S, region: &Region) -> ApiResult<Vec<Region>> {
    let mut path = Vec::new();
    let mut next = region.parent;
    while let Some(code) = next {
        let r = store.region(code).await?;
        next = r.parent;
        path.push(r);
    }
    path.reverse();
    Ok(path)
}

/// The import itself, shared by the API and the page.
pub async fn run_import<S: Store>(st: &AppState<S>, p: &xiezhi_store::Principal, csv_text: &str, dry_run: bool) -> ApiResult<ImportReport> {
    const HEADER: [&str; 5] = ["region", "region_name", "kind", "name", "name_en"];
    let actor = p.actor();
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).flexible(true).from_reader(csv_text.as_bytes());
    let header: Vec<String> = reader.headers().map_err(|e| AppError::field("header", e.to_string()))?.iter().map(str::to_owned).collect();
    if header != HEADER {
        return Err(AppError::field("header", format!("the first line must be {}", HEADER.join(","))));
    }
    let mut rejected = Vec::new();
    let mut org = SeedOrg::default();
    let mut new_regions: HashMap<RegionCode, ()> = HashMap::new();
    let mut names_in_file = HashSet::new();
    let mut denied = 0;
    let mut unit_lines = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let row = match record {
            Ok(r) => r,
            Err(e) => {
                rejected.push(RejectedRow { line, reason: e.to_string() });
                continue;
            }
        };
        let get = |k: usize| row.get(k).unwrap_or("").to_string();
        let req = NewUnitRequest { region: get(0), kind: get(2), name: get(3), name_en: Some(get(4)) };
        let new = match req.parse() {
            Ok(n) => n,
            Err(e) => {
                rejected.push(RejectedRow { line, reason: e.public_message() });
                continue;
            }
        };
        if let Err(d) = actor.authorize(Action::ManageUnit { region: new.region }) {
            denied += 1;
            rejected.push(RejectedRow { line, reason: d.reason });
            continue;
        }
        if !names_in_file.insert(new.name.clone()) {
            rejected.push(RejectedRow { line, reason: format!("name: {} appears earlier in the file", new.name) });
            continue;
        }
        if !new_regions.contains_key(&new.region) && st.store.region(new.region).await.is_err() {
            let parent_known = match new.region.parent() {
                Some(parent) => new_regions.contains_key(&parent) || st.store.region(parent).await.is_ok(),
                None => false,
            };
            let region_name = get(1);
            if !parent_known || region_name.is_empty() {
                rejected.push(RejectedRow {
                    line,
                    reason: format!("region: {} does not exist; give its region_name and list its parent region first", new.region),
                });
                continue;
            }
            new_regions.insert(new.region, ());
            org.regions.push(Region {
                code: new.region,
                parent: new.region.parent(),
                level: new.region.level(),
                name: region_name.clone(),
                name_en: region_name,
            });
        }
        org.units.push(new);
        unit_lines.push(line);
    }
    let taken: HashSet<String> = st.store.existing_unit_names(&org.units.iter().map(|u| u.name.clone()).collect::<Vec<_>>()).await?.into_iter().collect();
    let mut kept = Vec::new();
    for (u, line) in org.units.drain(..).zip(unit_lines) {
        if taken.contains(&u.name) {
            rejected.push(RejectedRow { line, reason: format!("name: a unit named {} already exists", u.name) });
        } else {
            kept.push(u);
        }
    }
    org.units = kept;
    rejected.sort_by_key(|r| r.line);
    if denied > 0 {
        crate::auth::record_denial(st, p, format!("unit import: {denied} rows outside the region")).await?;
    }
    let report = ImportReport { dry_run, created_units: org.units.len(), created_regions: org.regions.len(), rejected };
    if !dry_run && !org.units.is_empty() {
        st.store.seed(org, st.by(p)).await?;
    }
    Ok(report)
}
