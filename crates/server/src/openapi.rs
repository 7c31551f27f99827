//! The OpenAPI document, generated from the handlers' annotations and types. A copy is
//! committed as `openapi.json` at the repository root; a test fails when it is stale.

use axum::Json;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::api::{audit, calendars, cases, deadlines, org, people};
use crate::dto::*;

#[derive(OpenApi)]
#[openapi(
    info(title = "xiezhi", description = "Cross-agency justice collaboration platform: JSON API. Errors are application/problem+json with a stable `code` (and `field`, or `state` and `rule`). POST requests may carry an `Idempotency-Key` header: a retry with the same key and body gets the first answer and never applies twice.", license(name = "Apache-2.0")),
    paths(
        org::list_regions, org::get_region, org::create_region,
        org::list_units, org::get_unit, org::create_unit, org::update_unit, org::import_units,
        people::me, people::unit_users, people::get_user, people::create_user, people::update_user, people::reset_password,
        people::list_tokens, people::create_token, people::revoke_token, people::sign_in_for_token, people::security_events,
        deadlines::catalogue, deadlines::compute, calendars::list, calendars::get_year, calendars::put_year,
        cases::register, cases::command, cases::get_case, cases::list, cases::inbox, cases::timeline, cases::upload, cases::download,
        audit::latest, audit::sign_now, audit::entries, audit::inclusion, audit::consistency, audit::public_key, audit::cosign,
    ),
    components(schemas(crate::error::Problem, RegionDto, RegionDetail, UnitDto, UserDto, MeDto, TokenDto, CreatedToken, ImportReport, RejectedRow, DeadlineDto, RuleDto, CalendarYear, CalendarDay, CalendarLoaded, CalendarSummary, SecurityEventDto, RecordedOnly, audit::CheckpointDto, audit::EntriesDto, audit::EntryDto, audit::InclusionDto, audit::ConsistencyDto, audit::PublicKeyDto, audit::CosignatureRequest, audit::CosignatureDto, cases::CaseDto, cases::ClockDto, cases::CaseSummary, cases::NewCaseRequest, cases::TimelineEntry)),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
    tags(
        (name = "organisation", description = "Regions and units"),
        (name = "people", description = "Users, tokens, the security record"),
        (name = "deadlines", description = "Statutory periods and the holiday calendar"),
        (name = "cases", description = "Criminal cases across police, procuratorate, court and justice bureau"),
        (name = "audit", description = "The tamper-evident audit log: checkpoints, entries, proofs, witnesses"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;
impl Modify for BearerAuth {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new().scheme(HttpAuthScheme::Bearer).description(Some("An API token from POST /api/v1/tokens or /api/v1/auth/token")).build(),
            ),
        );
    }
}

/// The document as committed: pretty JSON with a trailing newline.
pub fn document() -> String {
    let mut doc = ApiDoc::openapi();
    doc.info.version = env!("CARGO_PKG_VERSION").to_string();
    doc.to_pretty_json().expect("the OpenAPI document serialises") + "\n"
}

pub async fn serve() -> Json<serde_json::Value> {
    Json(serde_json::from_str(&document()).expect("valid JSON"))
}
