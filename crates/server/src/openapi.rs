//! The OpenAPI document, generated from the handlers' annotations and types. A copy is
//! committed as `openapi.json` at the repository root; a test fails when it is stale.

use axum::Json;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::api::{audit, calendars, cases, deadlines, disputes, grants, knowledge, limits, org, people, tickets, webhooks, work};
use crate::dto::*;

#[derive(OpenApi)]
#[openapi(
    info(title = "xiezhi", description = "Cross-agency justice collaboration platform: JSON API. Errors are application/problem+json with a stable `code` (and `field`, or `state` and `rule`). POST requests may carry an `Idempotency-Key` header: a retry with the same key and body gets the first answer and never applies twice.", license(name = "Apache-2.0")),
    paths(
        org::list_regions, org::get_region, org::create_region,
        org::list_units, org::get_unit, org::create_unit, org::update_unit, org::import_units,
        people::me, people::unit_users, people::get_user, people::create_user, people::update_user, people::reset_password,
        grants::list, grants::approve, grants::refuse,
        people::list_tokens, people::create_token, people::revoke_token, people::sign_in_for_token, people::security_events,
        deadlines::catalogue, deadlines::charges, deadlines::compute, calendars::list, calendars::get_year, calendars::put_year,
        cases::register, cases::command, cases::get_case, cases::list, cases::inbox, cases::timeline, cases::upload, cases::download,
        disputes::register, disputes::command, disputes::get_dispute, disputes::list, disputes::inbox, disputes::ledger, disputes::timeline, disputes::mediators, disputes::add_mediator, disputes::disable_mediator,
        tickets::register, tickets::command, tickets::get_ticket, tickets::list, tickets::earlier, tickets::indicators, tickets::public_status,
        knowledge::add, knowledge::list, knowledge::retire, knowledge::upkeep, knowledge::supervise, knowledge::my_supervisions, cases::charge_tallies, limits::list, limits::set, limits::clear, limits::risk_scale, limits::set_risk_scale, limits::clear_risk_scale, work::list, work::counts,
        webhooks::create, webhooks::list, webhooks::disable, webhooks::deliveries,
        audit::latest, audit::sign_now, audit::entries, audit::inclusion, audit::consistency, audit::public_key, audit::cosign,
    ),
    components(schemas(crate::error::Problem, RegionDto, RegionDetail, UnitDto, UserDto, MeDto, TokenDto, CreatedToken, ImportReport, RejectedRow, DeadlineDto, RuleDto, CalendarYear, CalendarDay, CalendarLoaded, CalendarSummary, grants::AdminGrantDto, SecurityEventDto, RecordedOnly, audit::CheckpointDto, audit::EntriesDto, audit::EntryDto, audit::InclusionDto, audit::ConsistencyDto, audit::PublicKeyDto, audit::CosignatureRequest, audit::CosignatureDto, cases::CaseDto, cases::ChargeTallyDto, cases::ClockDto, cases::CaseSummary, crate::dto::NewCaseRequest, crate::dto::CommandRequest, cases::TimelineEntry, crate::dto::disputes::NewDisputeRequest, crate::dto::disputes::DisputeCommandRequest, crate::dto::disputes::DisputeDto, crate::dto::disputes::DisputeRowDto, crate::dto::disputes::DisputeClockDto, disputes::DisputePage, disputes::LedgerDto, crate::dto::disputes::NewMediatorRequest, crate::dto::disputes::MediatorDto, webhooks::NewWebhook, webhooks::WebhookDto, webhooks::DeliveryDto, crate::dto::tickets::NewTicketRequest, crate::dto::tickets::TicketCommandRequest, crate::dto::tickets::TicketDto, crate::dto::tickets::TicketRowDto, crate::dto::tickets::TicketClockDto, crate::dto::tickets::PublicStatusDto, tickets::TicketPage, tickets::TicketIndicatorsDto, tickets::UnitIndicatorsDto, knowledge::NewKnowledgeRequest, knowledge::KnowledgeDto, knowledge::KnowledgePage, xiezhi_core::ticket::KnowledgeRef, limits::LocalLimitDto, limits::SetLocalLimit, limits::RiskScaleDto, limits::SetRiskScale, xiezhi_core::dispute::scale::RiskLevel, xiezhi_core::dispute::scale::Colour, knowledge::UpkeepDto, knowledge::KnowledgeSupervisionDto, knowledge::SuperviseKnowledgeRequest, work::WorkItemDto, work::WorkPageDto, work::WorkCountDto)),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
    tags(
        (name = "organisation", description = "Regions and units"),
        (name = "people", description = "Users, tokens, the security record"),
        (name = "deadlines", description = "Statutory periods and the holiday calendar"),
        (name = "cases", description = "Criminal cases across police, procuratorate, court and justice bureau"),
        (name = "disputes", description = "Multi-channel dispute resolution: intake, risk, diversion, mediation, judicial confirmation, the ledger"),
        (name = "work", description = "The docket: every case, dispute and work order whose move is your unit's, soonest due first; a supervised region's work and its counts by region, kind and stage"),
        (name = "hotlines", description = "12345, 12309 and 12348 work orders on their closed loop, and the caller's status lookup"),
        (name = "webhooks", description = "Signed notices to a unit's own system, from a durable outbox"),
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

/// Operations anyone may call, without credentials: the audit log's reads, the deadline
/// calculator and calendars, sign-in, and this document.
const PUBLIC: &[(&str, &str)] = &[
    ("get", "/api/v1/audit/checkpoint"),
    ("get", "/api/v1/audit/entries"),
    ("get", "/api/v1/audit/proof/inclusion"),
    ("get", "/api/v1/audit/proof/consistency"),
    ("get", "/api/v1/audit/public-key"),
    ("get", "/api/v1/deadlines"),
    ("get", "/api/v1/deadlines/{rule}"),
    ("get", "/api/v1/calendars"),
    ("get", "/api/v1/calendars/{year}"),
    ("post", "/api/v1/auth/token"),
];

/// Every status an operation can answer, each error as `application/problem+json`: the layers
/// every request passes through (authentication, access, parsing, idempotency, the body limit,
/// internal failure) are added here once rather than restated on each handler.
fn describe_errors(doc: &mut serde_json::Value) {
    use serde_json::json;
    let problem = |what: &str| json!({"description": what, "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}});
    let Some(paths) = doc["paths"].as_object_mut() else { return };
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else { continue };
        for (method, op) in item.iter_mut() {
            let public = PUBLIC.contains(&(method.as_str(), path.as_str()));
            let has_input = op.get("parameters").is_some_and(|p| p.as_array().is_some_and(|a| !a.is_empty())) || op.get("requestBody").is_some();
            let Some(responses) = op.get_mut("responses").and_then(|r| r.as_object_mut()) else { continue };
            for (code, response) in responses.iter_mut() {
                if !code.starts_with('2') {
                    let description = response["description"].as_str().filter(|d| !d.is_empty()).unwrap_or("").to_string();
                    *response = problem(&description);
                }
            }
            let mut add = |code: &str, what: &str| {
                responses.entry(code.to_string()).or_insert_with(|| problem(what));
            };
            add("500", "Internal error; the request id names it in the server log");
            if has_input {
                add("422", "A parameter or the body is invalid; `field` names it");
            }
            if path.contains('{') {
                add("404", "Not found");
            }
            if method == "post" {
                add("409", "An Idempotency-Key whose first request is still in flight, or whose answer carried a secret");
                add("413", "The body is larger than the server takes");
            }
            if !public {
                add("401", "Sign-in required, or the credentials are wrong");
                add("403", "Not allowed for this person or unit, or a session's CSRF token is missing");
            }
            if path == "/api/v1/auth/token" {
                add("429", "Too many failed sign-ins; Retry-After says when to try again");
            }
            if public {
                op["security"] = json!([]);
            }
        }
    }
}

/// The document as committed: pretty JSON with a trailing newline.
pub fn document() -> String {
    let mut doc = ApiDoc::openapi();
    doc.info.version = env!("CARGO_PKG_VERSION").to_string();
    let mut value = serde_json::to_value(&doc).expect("the OpenAPI document serialises");
    describe_errors(&mut value);
    serde_json::to_string_pretty(&value).expect("the OpenAPI document serialises") + "\n"
}

pub async fn serve() -> Json<serde_json::Value> {
    Json(serde_json::from_str(&document()).expect("valid JSON"))
}
