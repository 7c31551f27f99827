//! Open311 GeoReport v2 at `/open311/v2`: intake of 12345 requests from standard clients, in XML
//! (required by the specification) and JSON. A door like the API and the pages: it speaks the
//! specification's wire forms and calls `app::tickets`.
//!
//! - `jurisdiction_id` is a region code (e.g. `990101`): its 12345 centre takes the request.
//! - Services are the kinds of a 12345 order (consultation, help, complaint, report, suggestion,
//!   praise); none has extra attributes.
//! - `POST /requests` needs an `api_key`: an API token of an operator of that centre.
//! - A request's id is its order number and its query code (`NUMBER-CODE`): whoever holds it may
//!   read the request, as the caller may on `/track`. Listing requests without ids needs the
//!   centre's `api_key` (people's complaints are not published). Requests are realtime: there
//!   are no tokens.
//! - Internal stages map down to `open` / `closed`; `status_notes` is the stage in Chinese;
//!   `expected_datetime` is the end of the handling clock's last day.

use crate::app::tickets;
use crate::dto::tickets::NewTicketRequest;
use crate::error::AppError;
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use std::collections::HashMap;
use xiezhi_core::ticket::{clocks, Hotline, Stage, Ticket, TicketKind};
use xiezhi_core::RegionCode;
use xiezhi_store::{Principal, Store, TicketFilter, TicketRecord, UnitFilter};

pub fn router<S: Store>() -> Router<AppState<S>> {
    Router::new()
        .route("/{file}", get(top::<S>).post(post_request::<S>))
        .route("/services/{file}", get(service_definition::<S>))
        .route("/requests/{file}", get(one_request::<S>))
        .route("/tokens/{file}", get(token))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Xml,
    Json,
}

/// `services.json` → (`services`, JSON).
fn split(file: &str) -> Option<(&str, Format)> {
    let (name, ext) = file.rsplit_once('.')?;
    let fmt = match ext {
        "xml" => Format::Xml,
        "json" => Format::Json,
        _ => return None,
    };
    Some((name, fmt))
}

/// The specification's error: `errors/error[code, description]`, status 400, 403 or 404.
struct Open311Error(StatusCode, String, Format);

impl IntoResponse for Open311Error {
    fn into_response(self) -> Response {
        let Open311Error(status, description, fmt) = self;
        let code = status.as_u16();
        match fmt {
            Format::Json => respond(status, fmt, serde_json::json!([{"code": code, "description": description}]).to_string()),
            Format::Xml => respond(
                status,
                fmt,
                format!("{XML_HEAD}<errors><error><code>{code}</code><description>{}</description></error></errors>", escape(&description)),
            ),
        }
    }
}

fn bad(fmt: Format, msg: impl Into<String>) -> Open311Error {
    Open311Error(StatusCode::BAD_REQUEST, msg.into(), fmt)
}
fn missing(fmt: Format, msg: impl Into<String>) -> Open311Error {
    Open311Error(StatusCode::NOT_FOUND, msg.into(), fmt)
}

/// An application error in the specification's three statuses.
fn from_app(fmt: Format, e: AppError) -> Open311Error {
    let status = match e.status() {
        StatusCode::NOT_FOUND => StatusCode::NOT_FOUND,
        StatusCode::FORBIDDEN | StatusCode::UNAUTHORIZED => StatusCode::FORBIDDEN,
        _ => StatusCode::BAD_REQUEST,
    };
    Open311Error(status, e.public_message(), fmt)
}

const XML_HEAD: &str = r#"<?xml version="1.0" encoding="utf-8"?>"#;

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\r' | '\t') => {}
            c => out.push(c),
        }
    }
    out
}

fn respond(status: StatusCode, fmt: Format, body: String) -> Response {
    let kind = match fmt {
        Format::Xml => "text/xml; charset=utf-8",
        Format::Json => "application/json; charset=utf-8",
    };
    (status, [(header::CONTENT_TYPE, kind)], body).into_response()
}

/// A list of flat records: a JSON array of objects, or `<outer><inner>…</inner></outer>`.
fn records(fmt: Format, outer: &str, inner: &str, items: &[Vec<(&str, Option<String>)>]) -> Response {
    match fmt {
        Format::Json => {
            let list: Vec<serde_json::Value> = items
                .iter()
                .map(|fields| {
                    serde_json::Value::Object(
                        fields.iter().map(|(k, v)| (k.to_string(), v.clone().map(serde_json::Value::from).unwrap_or(serde_json::Value::Null))).collect(),
                    )
                })
                .collect();
            respond(StatusCode::OK, fmt, serde_json::Value::Array(list).to_string())
        }
        Format::Xml => {
            let mut out = format!("{XML_HEAD}<{outer}>");
            for fields in items {
                out.push_str(&format!("<{inner}>"));
                for (k, v) in fields {
                    match v {
                        Some(v) => out.push_str(&format!("<{k}>{}</{k}>", escape(v))),
                        None => out.push_str(&format!("<{k}/>")),
                    }
                }
                out.push_str(&format!("</{inner}>"));
            }
            out.push_str(&format!("</{outer}>"));
            respond(StatusCode::OK, fmt, out)
        }
    }
}

const SERVICES: [(TicketKind, &str, &str); 6] = [
    (TicketKind::Consultation, "咨询", "政策、办事流程咨询"),
    (TicketKind::Help, "求助", "需要有关单位帮助解决的困难"),
    (TicketKind::Complaint, "投诉", "对单位或工作人员的投诉"),
    (TicketKind::Report, "举报", "违法违规行为举报（举报人信息保密）"),
    (TicketKind::Suggestion, "建议", "意见建议"),
    (TicketKind::Praise, "表扬", "表扬"),
];

fn code_of(k: TicketKind) -> String {
    serde_json::to_value(k).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default()
}

fn service(code: &str) -> Option<(TicketKind, &'static str, &'static str)> {
    SERVICES.iter().copied().find(|(k, ..)| code_of(*k) == code)
}

/// The 12345 centre of a jurisdiction (a region code).
async fn centre<S: Store>(st: &AppState<S>, fmt: Format, jurisdiction: Option<&str>) -> Result<xiezhi_store::Unit, Open311Error> {
    let j =
        jurisdiction.map(str::trim).filter(|j| !j.is_empty()).ok_or_else(|| bad(fmt, "jurisdiction_id was not provided: give a region code, e.g. 990101"))?;
    let region = RegionCode::parse("jurisdiction_id", j).map_err(|_| missing(fmt, format!("jurisdiction_id {j} not found")))?;
    let units = st
        .store
        .list_units(UnitFilter { region: Some(region), kind: Some(xiezhi_core::UnitKind::Hotline12345), limit: 1, ..Default::default() })
        .await
        .map_err(|e| from_app(fmt, e.into()))?;
    units.into_iter().next().ok_or_else(|| missing(fmt, format!("jurisdiction_id {j} not found: no 12345 centre there")))
}

/// The key's holder when it is an operator of the 12345 centre of exactly that jurisdiction:
/// what nearly every submission is, found from the key alone (the holder is cached) without
/// looking the centre up. Anything else takes the long road, which names what is wrong.
async fn known_centre<S: Store>(st: &AppState<S>, key: Option<&str>, jurisdiction: Option<&str>) -> Option<Principal> {
    let (key, j) = (key?.trim(), jurisdiction?.trim());
    let p = st.store.token(&crate::auth::digest(key), st.clock.now_us()).await.ok()??;
    (p.unit.kind == xiezhi_core::UnitKind::Hotline12345 && p.unit.region.to_string() == j && !p.unit.disabled).then_some(p)
}

/// The principal an `api_key` belongs to, if it is an operator of `centre`.
async fn key_holder<S: Store>(st: &AppState<S>, fmt: Format, key: Option<&str>, centre: &xiezhi_store::Unit) -> Result<Principal, Open311Error> {
    let forbidden = |m: &str| Open311Error(StatusCode::FORBIDDEN, m.to_string(), fmt);
    let key = key.map(str::trim).filter(|k| !k.is_empty()).ok_or_else(|| forbidden("api_key is missing"))?;
    let p = st
        .store
        .token(&crate::auth::digest(key), st.clock.now_us())
        .await
        .map_err(|e| from_app(fmt, e.into()))?
        .ok_or_else(|| forbidden("Invalid api_key received -- can't proceed"))?;
    if p.unit.id != centre.id {
        return Err(forbidden("this api_key is not one of that jurisdiction's 12345 centre"));
    }
    Ok(p)
}

async fn top<S: Store>(
    State(st): State<AppState<S>>,
    parts: axum::http::request::Parts,
    Path(file): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let client = crate::auth::client_of(&parts);
    let Some((name, fmt)) = split(&file) else { return missing(Format::Xml, format!("{file} not found: use .xml or .json")).into_response() };
    match name {
        "discovery" => discovery(fmt),
        "services" => match centre(&st, fmt, q.get("jurisdiction_id").map(String::as_str)).await {
            Ok(_) => records(
                fmt,
                "services",
                "service",
                &SERVICES
                    .iter()
                    .map(|(k, name, desc)| {
                        vec![
                            ("service_code", Some(code_of(*k))),
                            ("service_name", Some(name.to_string())),
                            ("description", Some(desc.to_string())),
                            ("metadata", Some("false".into())),
                            ("type", Some("realtime".into())),
                            ("keywords", Some(name.to_string())),
                            ("group", Some("12345".into())),
                        ]
                    })
                    .collect::<Vec<_>>(),
            ),
            Err(e) => e.into_response(),
        },
        "requests" => list_requests(&st, fmt, &client, &q).await.unwrap_or_else(IntoResponse::into_response),
        _ => missing(fmt, format!("{name} not found")).into_response(),
    }
}

fn discovery(fmt: Format) -> Response {
    let changeset = "2026-11-29T00:00:00+08:00";
    match fmt {
        Format::Json => respond(
            StatusCode::OK,
            fmt,
            serde_json::json!({
                "changeset": changeset,
                "contact": "各地12345政务服务便民热线",
                "key_service": "api_key: an API token of a 12345 centre operator (POST /api/v1/tokens), issued by the centre",
                "endpoints": [{"specification": "http://wiki.open311.org/GeoReport_v2", "url": "/open311/v2", "changeset": changeset, "type": "production", "formats": ["text/xml", "application/json"]}]
            })
            .to_string(),
        ),
        Format::Xml => respond(
            StatusCode::OK,
            fmt,
            format!(
                "{XML_HEAD}<discovery><changeset>{changeset}</changeset><contact>各地12345政务服务便民热线</contact><key_service>api_key: an API token of a 12345 centre operator (POST /api/v1/tokens), issued by the centre</key_service><endpoints><endpoint><specification>http://wiki.open311.org/GeoReport_v2</specification><url>/open311/v2</url><changeset>{changeset}</changeset><type>production</type><formats><format>text/xml</format><format>application/json</format></formats></endpoint></endpoints></discovery>"
            ),
        ),
    }
}

async fn service_definition<S: Store>(State(st): State<AppState<S>>, Path(file): Path<String>, Query(q): Query<HashMap<String, String>>) -> Response {
    let Some((code, fmt)) = split(&file) else { return missing(Format::Xml, format!("{file} not found")).into_response() };
    if let Err(e) = centre(&st, fmt, q.get("jurisdiction_id").map(String::as_str)).await {
        return e.into_response();
    }
    if service(code).is_none() {
        return missing(fmt, format!("service_code {code} not found")).into_response();
    }
    match fmt {
        Format::Json => respond(StatusCode::OK, fmt, serde_json::json!({"service_code": code, "attributes": []}).to_string()),
        Format::Xml => respond(
            StatusCode::OK,
            fmt,
            format!("{XML_HEAD}<service_definition><service_code>{}</service_code><attributes/></service_definition>", escape(code)),
        ),
    }
}

async fn token(Path(file): Path<String>) -> Response {
    let fmt = split(&file).map(|(_, f)| f).unwrap_or(Format::Xml);
    missing(fmt, "requests are created in real time here: there are no tokens").into_response()
}

#[derive(Deserialize)]
struct NewRequest {
    api_key: Option<String>,
    jurisdiction_id: Option<String>,
    service_code: Option<String>,
    lat: Option<String>,
    long: Option<String>,
    address_string: Option<String>,
    address_id: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    phone: Option<String>,
    description: Option<String>,
}

/// `POST /requests.{fmt}`: a request becomes a 12345 order (channel web).
async fn post_request<S: Store>(State(st): State<AppState<S>>, Path(file): Path<String>, body: axum::body::Bytes) -> Response {
    let Some(("requests", fmt)) = split(&file) else { return missing(Format::Xml, format!("{file} not found")).into_response() };
    let r: NewRequest = match serde_urlencoded::from_bytes(&body) {
        Ok(r) => r,
        Err(e) => return bad(fmt, format!("the form cannot be read: {e}")).into_response(),
    };
    match take(&st, fmt, r).await {
        Ok(resp) => resp,
        Err(e) => e.into_response(),
    }
}

async fn take<S: Store>(st: &AppState<S>, fmt: Format, r: NewRequest) -> Result<Response, Open311Error> {
    let nonempty = |v: &Option<String>| v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(String::from);
    let p = match known_centre(st, r.api_key.as_deref(), r.jurisdiction_id.as_deref()).await {
        Some(p) => p,
        None => {
            let centre = centre(st, fmt, r.jurisdiction_id.as_deref()).await?;
            key_holder(st, fmt, r.api_key.as_deref(), &centre).await?
        }
    };
    let code = nonempty(&r.service_code).ok_or_else(|| bad(fmt, "service_code was not provided"))?;
    let (kind, name, _) = service(&code).ok_or_else(|| missing(fmt, format!("service_code {code} not found")))?;
    let place = match (nonempty(&r.lat), nonempty(&r.long), nonempty(&r.address_string), nonempty(&r.address_id)) {
        (_, _, Some(a), _) => a,
        (Some(lat), Some(long), None, _) => {
            let ok = |s: &str, max: f64| s.parse::<f64>().is_ok_and(|v| v.abs() <= max);
            if !ok(&lat, 90.0) || !ok(&long, 180.0) {
                return Err(bad(fmt, "lat and long must be WGS84 degrees"));
            }
            format!("{lat},{long}")
        }
        (None, None, None, Some(id)) => format!("address_id {id}"),
        _ => return Err(bad(fmt, "a location is required: lat and long, address_string or address_id")),
    };
    let description = nonempty(&r.description).unwrap_or_default();
    if description.chars().count() > 4000 {
        return Err(bad(fmt, "description is longer than 4,000 characters"));
    }
    let title: String = description.lines().next().filter(|l| !l.is_empty()).unwrap_or(name).chars().take(100).collect();
    let caller_name = [nonempty(&r.last_name), nonempty(&r.first_name)].into_iter().flatten().collect::<String>();
    let req = NewTicketRequest {
        channel: xiezhi_core::ticket::Channel::Web,
        kind,
        urgency: xiezhi_core::ticket::Urgency::Normal,
        caller: xiezhi_core::ticket::Caller {
            name: Some(caller_name).filter(|n| !n.is_empty()),
            phone: nonempty(&r.phone),
            anonymous: false,
            confidential: kind == TicketKind::Report,
            reply_wanted: true,
        },
        title,
        content: description,
        address: place,
        concerns_law: false,
        repeat_of: None,
    };
    let ((rec, ..), query) = tickets::register(st, &p, req).await.map_err(|e| from_app(fmt, e))?;
    let id = format!("{}-{query}", rec.ticket_no);
    let notice = format!("已受理。请保存请求编号 {id}：凭它可查询办理进展。");
    Ok(records(fmt, "service_requests", "request", &[vec![("service_request_id", Some(id)), ("service_notice", Some(notice)), ("account_id", None)]]))
}

/// The request as Open311 shows it.
async fn request_fields<S: Store>(st: &AppState<S>, r: &TicketRecord, t: &Ticket, id: String, with_description: bool) -> Vec<(&'static str, Option<String>)> {
    let cal = st.calendar();
    let first = st.store.events_of(&tickets::subject(r.id), 1).await.ok().and_then(|e| e.into_iter().next()).map(|e| e.at);
    let w3c = |us: i64| {
        time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(us) * 1000)
            .map(|t| t.to_offset(time::UtcOffset::from_hms(8, 0, 0).expect("+8")))
            .ok()
            .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
    };
    let expected = clocks(t, &cal).into_iter().filter_map(|k| k.due.ok()).map(|(d, _)| d).max().map(|d| format!("{d}T23:59:59+08:00"));
    let agency = match t.lead() {
        Some(a) => st.store.unit(a.unit.id).await.ok().map(|u| u.name),
        None => None,
    };
    let (name, code) =
        SERVICES.iter().find(|(k, ..)| *k == t.kind).map(|(k, n, _)| (n.to_string(), code_of(*k))).unwrap_or_else(|| (code_of(t.kind), code_of(t.kind)));
    vec![
        ("service_request_id", Some(id)),
        ("status", Some(if t.stage.is_closed() { "closed" } else { "open" }.into())),
        ("status_notes", Some(tickets::status_notes(t))),
        ("service_name", Some(name)),
        ("service_code", Some(code)),
        ("description", with_description.then(|| t.content.clone())),
        ("agency_responsible", agency),
        ("service_notice", t.reply.as_ref().map(|r| r.text.clone())),
        ("requested_datetime", first.and_then(w3c)),
        ("updated_datetime", w3c(r.updated_at)),
        ("expected_datetime", if t.stage == Stage::InProgress { expected } else { None }),
        ("address", with_description.then(|| t.address.clone())),
        ("address_id", None),
        ("zipcode", None),
        ("lat", None),
        ("long", None),
        ("media_url", None),
    ]
}

/// One request by its id (`NUMBER-CODE`): what whoever holds the id may read.
async fn by_id<S: Store>(st: &AppState<S>, fmt: Format, client: &str, id: &str) -> Result<Vec<(&'static str, Option<String>)>, Open311Error> {
    let (no, code) = id.rsplit_once('-').ok_or_else(|| missing(fmt, format!("service_request_id {id} not found")))?;
    let (r, t, _) = tickets::public_status(st, client, no, code).await.map_err(|e| from_app(fmt, e))?;
    Ok(request_fields(st, &r, &t, id.to_string(), true).await)
}

async fn one_request<S: Store>(
    State(st): State<AppState<S>>,
    parts: axum::http::request::Parts,
    Path(file): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let client = crate::auth::client_of(&parts);
    let Some((id, fmt)) = split(&file) else { return missing(Format::Xml, format!("{file} not found")).into_response() };
    if let Err(e) = centre(&st, fmt, q.get("jurisdiction_id").map(String::as_str)).await {
        return e.into_response();
    }
    match by_id(&st, fmt, &client, id).await {
        Ok(fields) => records(fmt, "service_requests", "request", &[fields]),
        Err(e) => e.into_response(),
    }
}

fn parse_w3c(fmt: Format, field: &str, raw: &str) -> Result<time::OffsetDateTime, Open311Error> {
    time::OffsetDateTime::parse(raw.trim(), &time::format_description::well_known::Rfc3339)
        .map_err(|_| bad(fmt, format!("{field} {raw:?} is not a W3C date-time with a time zone, e.g. 2026-11-01T00:00:00+08:00")))
}

async fn list_requests<S: Store>(st: &AppState<S>, fmt: Format, client: &str, q: &HashMap<String, String>) -> Result<Response, Open311Error> {
    let get = |k: &str| q.get(k).map(|s| s.trim()).filter(|s| !s.is_empty());
    let centre = centre(st, fmt, get("jurisdiction_id")).await?;
    // The ids, when given, override every other argument.
    if let Some(ids) = get("service_request_id") {
        let mut items = Vec::new();
        for id in ids.split(',').map(str::trim).filter(|s| !s.is_empty()).take(100) {
            if let Ok(fields) = by_id(st, fmt, client, id).await {
                items.push(fields);
            }
        }
        return Ok(records(fmt, "service_requests", "request", &items));
    }
    let p = key_holder(st, fmt, get("api_key"), &centre).await?;
    let now = st.clock.now();
    let end = get("end_date").map(|s| parse_w3c(fmt, "end_date", s)).transpose()?.unwrap_or(now);
    let start = get("start_date").map(|s| parse_w3c(fmt, "start_date", s)).transpose()?.unwrap_or(end - time::Duration::days(90));
    if end < start {
        return Err(bad(fmt, "end_date is before start_date"));
    }
    if end - start > time::Duration::days(90) {
        return Err(bad(fmt, "the date range may not exceed 90 days"));
    }
    let codes: Vec<&str> = get("service_code").map(|s| s.split(',').map(str::trim).collect()).unwrap_or_default();
    for c in &codes {
        if service(c).is_none() {
            return Err(missing(fmt, format!("service_code {c} not found")));
        }
    }
    let statuses: Vec<&str> = get("status").map(|s| s.split(',').map(str::trim).collect()).unwrap_or_default();
    if let Some(s) = statuses.iter().find(|s| !matches!(**s, "open" | "closed")) {
        return Err(bad(fmt, format!("status {s} is neither open nor closed")));
    }
    let china = |t: time::OffsetDateTime| t.to_offset(time::UtcOffset::from_hms(8, 0, 0).expect("+8")).date().to_string();
    let rows = st
        .store
        .tickets(TicketFilter {
            unit_id: Some(p.unit.id),
            hotline: Some(Hotline::H12345.as_str().into()),
            received_from: Some(china(start)),
            received_to: Some(china(end)),
            newest_first: true,
            limit: 1000,
            with_state: true,
            ..Default::default()
        })
        .await
        .map_err(|e| from_app(fmt, e.into()))?;
    let mut items = Vec::new();
    for r in rows {
        let Ok(t) = tickets::state_of(&r) else { continue };
        let status = if t.stage.is_closed() { "closed" } else { "open" };
        if (!codes.is_empty() && !codes.contains(&code_of(t.kind).as_str())) || (!statuses.is_empty() && !statuses.contains(&status)) {
            continue;
        }
        // Read with the centre's key: the number without the caller's code.
        items.push(request_fields(st, &r, &t, r.ticket_no.clone(), true).await);
    }
    Ok(records(fmt, "service_requests", "request", &items))
}
