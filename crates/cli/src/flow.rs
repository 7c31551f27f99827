//! `xiezhi bench flow`: complete case lifecycles through the HTTP API of a real server on
//! loopback, beside this machine's raw fsync rate and a bare HTTP rate measured in the same run.

use anyhow::{bail, Context};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::{connect::HttpConnector, Client};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::{Duration, Instant};

type Http = Client<HttpConnector, Full<Bytes>>;

/// Where requests go, and how.
#[derive(Clone)]
struct Api {
    http: Http,
    base: String,
}

impl Api {
    async fn call(&self, method: &str, path: &str, token: Option<&str>, body: Option<&Value>) -> anyhow::Result<(u16, Value)> {
        let mut req = http::Request::builder().method(method).uri(format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        let body = match body {
            Some(v) => {
                req = req.header("content-type", "application/json");
                Full::new(Bytes::from(v.to_string()))
            }
            None => Full::new(Bytes::new()),
        };
        let res = self.http.request(req.body(body)?).await.with_context(|| format!("{method} {path}"))?;
        let status = res.status().as_u16();
        let bytes = res.into_body().collect().await?.to_bytes();
        Ok((status, serde_json::from_slice(&bytes).unwrap_or(Value::Null)))
    }

    /// POST and check the status, reading but not parsing the answer (what a client that only
    /// needs to know the command was accepted does).
    async fn send(&self, path: &str, token: &str, body: &Value) -> anyhow::Result<()> {
        let req = http::Request::builder()
            .method("POST")
            .uri(format!("{}{path}", self.base))
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(body.to_string())))?;
        let res = self.http.request(req).await.with_context(|| format!("POST {path}"))?;
        let status = res.status();
        let bytes = res.into_body().collect().await?.to_bytes();
        if !status.is_success() {
            bail!("POST {path} {body}: {status} {}", String::from_utf8_lossy(&bytes));
        }
        Ok(())
    }

    async fn ok(&self, method: &str, path: &str, token: Option<&str>, body: Option<&Value>) -> anyhow::Result<Value> {
        let (status, v) = self.call(method, path, token, body).await?;
        if !(200..300).contains(&status) {
            bail!("{method} {path}: {status} {}", v);
        }
        Ok(v)
    }
}

/// The four agencies of one county (and the city's intermediate court) a lifecycle crosses.
struct County {
    centre: String,
    women: String,
    hotline: String,
    police_unit: i64,
    women_unit: i64,
    /// A mediator on the women's federation's roster.
    mediator: i64,
    police: String,
    prosecutor: String,
    judge: String,
    appeal_judge: String,
    justice: String,
    procuratorate: i64,
    court: i64,
    higher: i64,
    bureau: i64,
}

async fn county(api: &Api, code: &str, city: &str) -> anyhow::Result<County> {
    let token = |user: String| {
        let api = api.clone();
        async move {
            let v = api.ok("POST", "/api/v1/auth/token", None, Some(&json!({"username": user, "password": "xiezhi-demo", "name": "bench"}))).await?;
            anyhow::Ok(v["secret"].as_str().context("token without secret")?.to_string())
        }
    };
    let police = token(format!("police.{code}")).await?;
    let unit = |region: &str, kind: &str| {
        let (api, police, path) = (api.clone(), police.clone(), format!("/api/v1/units?region={region}&kind={kind}"));
        async move { api.ok("GET", &path, Some(&police), None).await?[0]["id"].as_i64().with_context(|| format!("no unit at {path}")) }
    };
    let women = token(format!("women.{code}")).await?;
    let mediator = api
        .ok("POST", "/api/v1/mediators", Some(&women), Some(&json!({"name": "压测调解员", "specialties": ["marriage_family"], "court_roster": true})))
        .await?["id"]
        .as_i64()
        .context("mediator without id")?;
    Ok(County {
        centre: token(format!("governance.{code}")).await?,
        hotline: token(format!("h12345.{code}")).await?,
        police_unit: unit(code, "police").await?,
        women_unit: unit(code, "womens_federation").await?,
        mediator,
        women,
        prosecutor: token(format!("procuratorate.{code}")).await?,
        judge: token(format!("court.{code}")).await?,
        appeal_judge: token(format!("court.{city}")).await?,
        justice: token(format!("justice.{code}")).await?,
        procuratorate: unit(code, "procuratorate").await?,
        court: unit(code, "court_basic").await?,
        higher: unit(city, "court_intermediate").await?,
        bureau: unit(code, "justice_bureau").await?,
        police,
    })
}

/// One case from registration to the justice bureau's acceptance for execution: 18 transitions
/// through five units. Returns each transition's latency.
async fn lifecycle(api: &Api, c: &County, case_no: &str) -> anyhow::Result<Vec<Duration>> {
    let mut took = Vec::with_capacity(18);
    let t = Instant::now();
    let case = api
        .ok(
            "POST",
            "/api/v1/cases",
            Some(&c.police),
            Some(&json!({"case_no": case_no, "title": "盗窃案", "persons": [{"name": "张某", "custody": "detained"}]})),
        )
        .await?;
    took.push(t.elapsed());
    let id = case["id"].as_i64().context("case without id")?;
    let path = format!("/api/v1/cases/{id}/commands");
    let steps: [(&str, Value); 17] = [
        (&c.police, json!({"command": "request_arrest_approval", "to": c.procuratorate})),
        (&c.prosecutor, json!({"command": "receive"})),
        (&c.prosecutor, json!({"command": "approve_arrest"})),
        (&c.police, json!({"command": "transfer_for_prosecution", "to": c.procuratorate})),
        (&c.prosecutor, json!({"command": "receive"})),
        (&c.prosecutor, json!({"command": "accept_for_review", "plea": true})),
        (&c.prosecutor, json!({"command": "indict", "to": c.court})),
        (&c.judge, json!({"command": "receive"})),
        (&c.judge, json!({"command": "accept_for_trial", "procedure": "fast_track"})),
        (
            &c.judge,
            json!({"command": "judge", "verdicts": [{"person": 0, "finding": "guilty", "punishment": "fixed_term", "term_months": 24, "probation_months": 36}]}),
        ),
        (&c.judge, json!({"command": "appeal", "to": c.higher})),
        (&c.appeal_judge, json!({"command": "receive"})),
        (&c.appeal_judge, json!({"command": "accept_appeal"})),
        (&c.appeal_judge, json!({"command": "judge", "verdicts": []})),
        (&c.appeal_judge, json!({"command": "hand_over_for_execution", "to": c.bureau})),
        (&c.justice, json!({"command": "receive"})),
        (&c.justice, json!({"command": "accept_execution"})),
    ];
    for (token, body) in &steps {
        let t = Instant::now();
        api.send(&path, token, body).await?;
        took.push(t.elapsed());
    }
    Ok(took)
}

/// One dispute from the window to closed: intake, grading, diversion to the women's federation,
/// mediation, a signed agreement, joint application, the court's confirmation, performance,
/// follow-up — 18 transitions through three units.
async fn dispute_lifecycle(api: &Api, c: &County, title: &str) -> anyhow::Result<Vec<Duration>> {
    let today = xiezhi_server::state::china_now().date();
    let later = |days: i64| (today + time::Duration::days(days)).to_string();
    let mut took = Vec::with_capacity(18);
    let t = Instant::now();
    let d = api
        .ok(
            "POST",
            "/api/v1/disputes",
            Some(&c.centre),
            Some(&json!({
                "title": title, "channel": "governance_centre", "category": "marriage_family", "amount": 30000,
                "parties": [{"name": "王芳", "role": "applicant", "phone": "13800001111"}, {"name": "李强", "role": "respondent"}]
            })),
        )
        .await?;
    took.push(t.elapsed());
    let id = d["id"].as_i64().context("dispute without id")?;
    let path = format!("/api/v1/disputes/{id}/commands");
    let steps: [(&str, Value); 17] = [
        (&c.centre, json!({"command": "assess", "level": "yellow", "next_review": later(30)})),
        (&c.centre, json!({"command": "refer", "kind": "partner", "to": c.women_unit})),
        (&c.women, json!({"command": "receive"})),
        (&c.women, json!({"command": "assign_mediator", "mediator": c.mediator})),
        (&c.women, json!({"command": "record_session", "note": "双方到场"})),
        (
            &c.women,
            json!({"command": "agree", "terms": [{"kind": "payment", "text": "每月支付抚养费1500元", "amount": 1500, "due": later(60)}], "facts": "婚生子随母生活"}),
        ),
        (&c.women, json!({"command": "sign", "signer": {"signer": "party", "party": 0}})),
        (&c.women, json!({"command": "sign", "signer": {"signer": "party", "party": 1}})),
        (&c.women, json!({"command": "sign", "signer": {"signer": "mediator"}})),
        (&c.women, json!({"command": "sign", "signer": {"signer": "seal"}})),
        (&c.women, json!({"command": "apply_for_confirmation", "court": c.court, "applicants": [0, 1]})),
        (&c.judge, json!({"command": "receive"})),
        (&c.judge, json!({"command": "accept_confirmation"})),
        (&c.judge, json!({"command": "rule", "ruling": {"ruling": "valid"}})),
        (&c.women, json!({"command": "record_performance", "term": 0, "performance": "performed"})),
        (&c.women, json!({"command": "follow_up", "satisfaction": "satisfied", "note": "已按月支付"})),
        (&c.women, json!({"command": "close"})),
    ];
    for (token, body) in &steps {
        let t = Instant::now();
        api.send(&path, token, body).await?;
        took.push(t.elapsed());
    }
    Ok(took)
}

/// One hotline call round the loop twice: intake, dispatch to the county police, sign-for,
/// first contact, reply, review, an unsatisfied callback that reopens it, a second reply,
/// review and a satisfied callback that closes it — 10 transitions through two units.
async fn call_lifecycle(api: &Api, c: &County, title: &str) -> anyhow::Result<Vec<Duration>> {
    let mut took = Vec::with_capacity(10);
    let t = Instant::now();
    let o = api
        .ok(
            "POST",
            "/api/v1/tickets",
            Some(&c.hotline),
            Some(&json!({
                "channel": "phone", "kind": "complaint", "title": title, "content": "夜间施工噪音扰民", "address": "城关镇",
                "concerns_law": false, "caller": {"name": "赵敏", "phone": "13900001234"}
            })),
        )
        .await?;
    took.push(t.elapsed());
    let id = o["id"].as_i64().context("work order without id")?;
    let path = format!("/api/v1/tickets/{id}/commands");
    let steps: [(&str, Value); 9] = [
        (&c.hotline, json!({"command": "dispatch", "lead": c.police_unit})),
        (&c.police, json!({"command": "sign_for"})),
        (&c.police, json!({"command": "first_contact"})),
        (&c.police, json!({"command": "reply", "resolution": "partly", "text": "已责令停工"})),
        (&c.hotline, json!({"command": "review", "pass": true})),
        (&c.hotline, json!({"command": "callback", "channel": "phone", "reached": true, "solved": false, "satisfaction": "unsatisfied"})),
        (&c.police, json!({"command": "reply", "resolution": "solved", "text": "已处罚并停工"})),
        (&c.hotline, json!({"command": "review", "pass": true})),
        (&c.hotline, json!({"command": "callback", "channel": "sms", "reached": true, "solved": true, "satisfaction": "satisfied"})),
    ];
    for (token, body) in &steps {
        let t = Instant::now();
        api.send(&path, token, body).await?;
        took.push(t.elapsed());
    }
    Ok(took)
}

/// One Open311 service request (`POST /open311/v2/requests.json`, a form), answered only once
/// durable.
async fn open311_request(api: &Api, c: &County, code: &str) -> anyhow::Result<Vec<Duration>> {
    let form = format!(
        "api_key={}&jurisdiction_id={code}&service_code=complaint&address_string=%E5%9F%8E%E5%85%B3%E9%95%87&phone=13900001234&description=%E8%B7%AF%E7%81%AF%E4%B8%8D%E4%BA%AE",
        c.hotline
    );
    let req = http::Request::builder()
        .method("POST")
        .uri(format!("{}/open311/v2/requests.json", api.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Full::new(Bytes::from(form)))?;
    let t = Instant::now();
    let res = api.http.request(req).await.context("POST /open311/v2/requests.json")?;
    let status = res.status();
    let bytes = res.into_body().collect().await?.to_bytes();
    if !status.is_success() {
        bail!("POST /open311/v2/requests.json: {status} {}", String::from_utf8_lossy(&bytes));
    }
    Ok(vec![t.elapsed()])
}

/// This machine's raw durable-write rate: 8 KiB written and `fdatasync`ed, over and over.
pub fn fsync_rate(dir: &std::path::Path) -> anyhow::Result<f64> {
    use std::io::{Seek, Write};
    let path = dir.join(".fsync-probe");
    let mut f = std::fs::File::create(&path)?;
    let block = [7u8; 8192];
    let t = Instant::now();
    let mut n = 0u32;
    while t.elapsed() < Duration::from_secs(2) {
        f.seek(std::io::SeekFrom::Start(0))?;
        f.write_all(&block)?;
        f.sync_data()?;
        n += 1;
    }
    let rate = f64::from(n) / t.elapsed().as_secs_f64();
    drop(f);
    std::fs::remove_file(&path)?;
    Ok(rate)
}

/// Requests per second to `/healthz` (no database, no sign-in) from `concurrency` clients.
async fn hello_rate(api: &Api, concurrency: usize) -> anyhow::Result<f64> {
    let stop = Instant::now() + Duration::from_secs(3);
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let api = api.clone();
        tasks.push(tokio::spawn(async move {
            let mut n = 0u64;
            while Instant::now() < stop {
                let req = http::Request::builder().uri(format!("{}/healthz", api.base)).body(Full::new(Bytes::new()))?;
                let res = api.http.request(req).await?;
                res.into_body().collect().await?;
                n += 1;
            }
            anyhow::Ok(n)
        }));
    }
    let started = Instant::now();
    let mut total = 0;
    for t in tasks {
        total += t.await??;
    }
    Ok(total as f64 / started.elapsed().as_secs_f64())
}

fn pct(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// How many of each scenario a run makes.
pub struct Sizes {
    pub cases: usize,
    pub disputes: usize,
    pub calls: usize,
    pub open311: usize,
}

/// One scenario's unit of work: the latency of each transition it made.
type Scenario =
    for<'a> fn(&'a Api, &'a County, &'a str, &'a str) -> std::pin::Pin<Box<dyn std::future::Future<Output = anyhow::Result<Vec<Duration>>> + Send + 'a>>;

pub async fn run(sizes: Sizes, concurrency: usize, database: Option<String>) -> anyhow::Result<()> {
    let concurrency = concurrency.max(1);
    let extra: Vec<&str> = match &database {
        Some(url) => vec!["--demo", "--database", url],
        None => vec!["--demo"],
    };
    let (mut child, addr, _, dir) = crate::bench::start_server(&extra).await?;
    let mut connector = HttpConnector::new();
    connector.set_nodelay(true);
    let http = Client::builder(hyper_util::rt::TokioExecutor::new()).pool_max_idle_per_host(concurrency * 2).build(connector);
    let api = Api { http, base: format!("http://{addr}") };

    let fsync = fsync_rate(dir.path())?;
    let hello = hello_rate(&api, concurrency).await?;

    // Clients spread over counties: the demo province's first few, each with its city.
    let org = xiezhi_core::demo::province(2026);
    let counties: Vec<(String, String)> = org
        .regions
        .iter()
        .filter(|r| r.level == xiezhi_core::RegionLevel::County)
        .take(concurrency.min(8))
        .map(|r| (r.code.to_string(), r.parent.map(|p| p.to_string()).unwrap_or_default()))
        .collect();
    let mut prepared = Vec::new();
    for (code, city) in &counties {
        prepared.push(Arc::new(county(&api, code, city).await?));
    }
    let run_id = std::process::id();
    let backend = if database.is_some() { "PostgreSQL" } else { "SQLite" };
    println!("{backend}, {concurrency} clients, every transition durable before it is answered:");
    let prepared = Arc::new(prepared);
    let scenarios: [(&str, usize, Scenario); 4] = [
        ("case lifecycles (18 transitions each)", sizes.cases, |api, c, _, name| Box::pin(lifecycle(api, c, name))),
        ("dispute lifecycles (18 transitions each)", sizes.disputes, |api, c, _, name| Box::pin(dispute_lifecycle(api, c, name))),
        ("hotline calls (10 transitions each)", sizes.calls, |api, c, _, name| Box::pin(call_lifecycle(api, c, name))),
        ("Open311 POST requests.json (1 each)", sizes.open311, |api, c, code, _| Box::pin(open311_request(api, c, code))),
    ];
    for (what, n, scenario) in scenarios {
        if n == 0 {
            continue;
        }
        let started = Instant::now();
        let mut tasks = Vec::new();
        for k in 0..concurrency {
            let (api, prepared, counties) = (api.clone(), prepared.clone(), counties.clone());
            tasks.push(tokio::spawn(async move {
                let mut took = Vec::new();
                for i in (k..n).step_by(concurrency) {
                    let c = &prepared[k % prepared.len()];
                    took.extend(scenario(&api, c, &counties[k % counties.len()].0, &format!("BENCH-{run_id}-{i}")).await?);
                }
                anyhow::Ok(took)
            }));
        }
        let mut all = Vec::new();
        for t in tasks {
            all.extend(t.await??);
        }
        let wall = started.elapsed();
        all.sort();
        println!("  {n} {what}:");
        println!("    transitions:            {:>9.0} /s  ({} in {wall:.1?})", all.len() as f64 / wall.as_secs_f64(), all.len());
        println!(
            "    latency per transition: p50 {:>8.2?}  p90 {:>8.2?}  p99 {:>8.2?}  max {:>8.2?}",
            pct(&all, 0.5),
            pct(&all, 0.9),
            pct(&all, 0.99),
            pct(&all, 1.0)
        );
    }
    println!("  raw fsync (8 KiB write + fdatasync, one at a time): {fsync:>9.0} /s");
    println!("  bare HTTP (GET /healthz, {concurrency} clients):          {hello:>9.0} /s");
    child.kill().await?;
    Ok(())
}
