//! A real headless Chromium (Debian's `chromium` and `chromium-driver`), driven over WebDriver,
//! against a real server on loopback. Missing browser packages fail the test and say what to
//! install; nothing downloads a browser.

use fantoccini::{ClientBuilder, Locator};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use xiezhi_server::{AppState, ServerConfig};

struct Driver(Child);
impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn find(candidates: &[&str]) -> Option<String> {
    candidates.iter().find(|p| std::path::Path::new(p).exists()).map(|p| p.to_string())
}

async fn start_driver() -> (Driver, u16) {
    let driver = find(&["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"])
        .expect("chromedriver not found: install Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)");
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new(driver).arg(format!("--port={port}")).stdout(Stdio::null()).stderr(Stdio::null()).spawn().expect("start chromedriver");
    let deadline = Instant::now() + Duration::from_secs(20);
    while tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_err() {
        assert!(Instant::now() < deadline, "chromedriver did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    (Driver(child), port)
}

/// A server on loopback and a headless Chromium pointed at it.
struct Browsing {
    c: fantoccini::Client,
    base: String,
    stop: tokio::sync::oneshot::Sender<()>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
    shots: String,
    _driver: Driver,
    _profile: tempfile::TempDir,
    _shots: Option<tempfile::TempDir>,
}

/// Where screenshots go: `XIEZHI_SCREENSHOT_DIR`, or a temporary folder.
fn shot_dir() -> (String, Option<tempfile::TempDir>) {
    match std::env::var("XIEZHI_SCREENSHOT_DIR") {
        Ok(dir) => (dir, None),
        Err(_) => {
            let t = tempfile::tempdir().unwrap();
            (t.path().display().to_string(), Some(t))
        }
    }
}

/// After sending a form: a command that cannot be undone is asked again — confirm it (polling,
/// since the old page still matches until the next has loaded) — until `done` is on the page.
async fn confirm_until(c: &fantoccini::Client, done: &str) -> Result<(), fantoccini::error::CmdError> {
    for _ in 0..100 {
        if c.find(Locator::Css(done)).await.is_ok() || c.find(Locator::Id("failure")).await.is_ok() {
            return Ok(());
        }
        if let Ok(confirm) = c.find(Locator::Id("confirm-submit")).await {
            if confirm.click().await.is_ok() {
                return Ok(());
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(())
}

async fn browse(state: AppState<xiezhi_store::SqlStore>) -> Browsing {
    let chromium = find(&["/usr/bin/chromium", "/usr/lib/chromium/chromium"])
        .expect("chromium not found: install Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(xiezhi_server::serve(listener, state, async {
        let _ = stopped.await;
    }));
    let (driver, port) = start_driver().await;
    let profile = tempfile::tempdir().unwrap();
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": chromium,
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", "--window-size=1280,900",
                     format!("--user-data-dir={}", profile.path().display())]
        }),
    );
    let c = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("a WebDriver session");
    let (shots, temp) = shot_dir();
    Browsing { c, base, stop, server, shots, _driver: driver, _profile: profile, _shots: temp }
}

impl Browsing {
    async fn sign_in(&self, username: &str) -> Result<(), fantoccini::error::CmdError> {
        self.c.goto(&format!("{}/sign-in", self.base)).await?;
        self.c.find(Locator::Id("username")).await?.send_keys(username).await?;
        self.c.find(Locator::Id("password")).await?.send_keys(xiezhi_server::demo::DEMO_PASSWORD).await?;
        self.c.find(Locator::Id("sign-in")).await?.click().await?;
        self.c.wait().for_element(Locator::Id("current-user")).await?;
        Ok(())
    }
    /// The page at desktop width and at 390 px, into `XIEZHI_SCREENSHOT_DIR` (to look at) or a
    /// folder that is thrown away: the steps run in every test run either way.
    async fn screenshots(&self, name: &str) -> Result<(), fantoccini::error::CmdError> {
        self.in_its_language(name).await?;
        {
            let dir = &self.shots;
            std::fs::write(format!("{dir}/{name}.png"), self.c.screenshot().await?).unwrap();
            self.c.set_window_size(390, 844).await?;
            self.c.refresh().await?;
            std::fs::write(format!("{dir}/{name}-390.png"), self.c.screenshot().await?).unwrap();
            self.c.set_window_size(1280, 900).await?;
            self.c.refresh().await?;
        }
        Ok(())
    }
    /// A page in Chinese says everything in Chinese: no identifier (`arrest_request`,
    /// `case.handover_sent`) and no English prose (three English words in a row) in its text —
    /// code samples (`<code>`, `<pre>`) apart. Every page a browser test takes pictures of is held
    /// to it.
    async fn in_its_language(&self, what: &str) -> Result<(), fantoccini::error::CmdError> {
        let text = self
            .c
            .execute(
                "if (document.documentElement.lang !== 'zh-CN') return '';
                 const body = document.body.cloneNode(true);
                 body.querySelectorAll('code, pre, script, style, template, textarea').forEach(e => e.remove());
                 return body.textContent;",
                vec![],
            )
            .await?;
        let text = text.as_str().unwrap_or_default();
        let found = untranslated(text);
        assert!(found.is_empty(), "{what} in Chinese shows {found:?}");
        Ok(())
    }
    /// At 390 px nothing on the page reaches past the screen's edge (tables that scroll inside
    /// their card excepted): the page never scrolls sideways.
    async fn fits_a_phone(&self, what: &str) -> Result<(), fantoccini::error::CmdError> {
        self.c.set_window_size(390, 844).await?;
        let wide = self
            .c
            .execute(
                "return [...document.querySelectorAll('body *')].filter(e => !e.closest('.scroll, .scroll-x') && e.getBoundingClientRect().right > document.documentElement.clientWidth + 1).slice(0, 8).map(e => e.tagName + '#' + e.id + '.' + e.className).join(' | ')",
                vec![],
            )
            .await?;
        assert_eq!(wide, "", "{what} is wider than a phone at 390 px");
        self.c.set_window_size(1280, 900).await?;
        // Every page looked at on a phone is also held to the accessibility rules.
        self.accessible(what).await
    }
    /// axe-core (vendored from npm, `vendor/axe-core`) on the page as it stands, at desktop width:
    /// no serious or critical violation of the WCAG 2.1 A and AA rules.
    async fn accessible(&self, what: &str) -> Result<(), fantoccini::error::CmdError> {
        const AXE: &str = include_str!("vendor/axe-core/axe.min.js");
        if self.c.execute("return typeof window.axe === 'object'", vec![]).await? != serde_json::json!(true) {
            self.c.execute(&format!("{AXE}\nreturn true;"), vec![]).await?;
        }
        let found = self
            .c
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})
                   .then(r => done(r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
                     .map(v => v.id + ' (' + v.impact + '): ' + v.help + ' — ' + v.nodes.slice(0, 4).map(n => n.target.join(' ')).join(', '))))
                   .catch(e => done(['axe failed: ' + e]));",
                vec![],
            )
            .await?;
        assert_eq!(found, serde_json::json!([]), "{what}: serious or critical accessibility violations");
        Ok(())
    }
    async fn finish(self) {
        self.c.close().await.ok();
        let _ = self.stop.send(());
        self.server.await.unwrap().unwrap();
    }
}

/// From October, while next year's calendar is missing, the province administrator sees a
/// banner on every page; the calendar page refuses a bad file inside the layout and loads a
/// good one, after which the banner is gone and provisional clocks are settled.
#[tokio::test]
async fn the_calendar_banner_and_loading_a_year() {
    let (store, _dir) = xiezhi_store::testing::fresh_sqlite().await;
    xiezhi_server::demo::seed(&store, 7, 1).await.unwrap();
    let at = crate::common::beijing("2026-11-29 10:00");
    let calendars = crate::common::test_calendars();
    xiezhi_server::demo::seed_cases(&store, &calendars.get(), 200, 7, time::macros::date!(2026 - 11 - 29), |_| {}).await.unwrap();
    let state = AppState::new(
        store.clone(),
        ServerConfig { demo: true, ..Default::default() },
        calendars,
        xiezhi_server::audit::LogSigner::new("xiezhi-test", [7; 32]).unwrap(),
    )
    .with_clock(xiezhi_server::state::Clock::fixed(at));
    let provisional_before = xiezhi_store::CaseStore::cases_to_recompute(&store, "9999-12-31", "0000-01-01", 0, 1000).await.unwrap().len();
    assert!(provisional_before > 0, "the demo has clocks counted provisionally into 2027");
    let b = browse(state).await;
    let c = &b.c;
    let result = async {
        b.sign_in("admin").await?;
        let banner = c.find(Locator::Id("calendar-banner")).await?.text().await?;
        assert!(banner.contains("2027"), "{banner}");
        b.screenshots("calendar-banner").await?;
        c.find(Locator::Css("#calendar-banner a")).await?.click().await?;
        c.wait().for_element(Locator::Id("load-calendar")).await?;
        c.find(Locator::Id("calendar-body"))
            .await?
            .send_keys(
                r#"{"year": 2027, "source": "test", "holidays": [{"name": "元旦", "days_off": [["2027-01-01", "2027-01-03"]], "workdays": ["2027-01-06"]}]}"#,
            )
            .await?;
        c.find(Locator::Id("calendar-submit")).await?.click().await?;
        let error = c.wait().for_element(Locator::Id("calendar-error")).await?.text().await?;
        assert!(error.contains("2027-01-06") && error.contains("调休上班日须为周六或周日"), "{error}");
        assert!(c.find(Locator::Id("current-user")).await.is_ok(), "the error is inside the layout");
        b.screenshots("calendar-error").await?;
        let body = c.find(Locator::Id("calendar-body")).await?;
        body.clear().await?;
        body.send_keys(
            r#"{"year": 2027, "source": "test fixture", "holidays": [{"name": "元旦", "days_off": [["2027-01-01", "2027-01-03"]], "workdays": []}]}"#,
        )
        .await?;
        c.find(Locator::Id("calendar-submit")).await?.click().await?;
        let notice = c.wait().for_element(Locator::Id("calendar-notice")).await?.text().await?;
        assert!(notice.contains("2027"), "{notice}");
        assert!(c.find(Locator::Id("calendar-banner")).await.is_err(), "the banner is gone once the year is loaded");
        let table = c.find(Locator::Id("calendars")).await?.text().await?;
        assert!(table.contains("test fixture") && table.contains("平台载入"), "{table}");
        b.screenshots("calendars-loaded").await?;
        c.find(Locator::Id("lang-switch")).await?.click().await?;
        c.wait().for_element(Locator::Css("html[lang='en']")).await?;
        let table = c.find(Locator::Id("calendars")).await?.text().await?;
        assert!(table.contains("Loaded in the platform") && table.contains("Shipped with xiezhi"), "{table}");
        b.screenshots("calendars-en").await?;

        // A request for the admin role waits on the court's page for a second administrator.
        c.find(Locator::Id("lang-switch")).await?.click().await?;
        c.wait().for_element(Locator::Css("html[lang='zh-CN']")).await?;
        let court = xiezhi_store::OrgStore::list_units(
            &store,
            xiezhi_store::UnitFilter {
                region: Some(xiezhi_core::RegionCode::parse("r", "990101").unwrap()),
                kind: Some(xiezhi_core::UnitKind::CourtBasic),
                ..Default::default()
            },
        )
        .await
        .unwrap()[0]
            .id;
        let city_admin = xiezhi_store::PeopleStore::credentials(&store, "admin.990100").await.unwrap().unwrap().0;
        let asked = xiezhi_store::NewUser {
            unit_id: court,
            username: "court.head".into(),
            display_name: "院信息管理员".into(),
            password_hash: "x".into(),
            roles: vec![],
        };
        let by = xiezhi_store::By { at: 1, user_id: Some(city_admin.id), unit_id: Some(city_admin.unit_id) };
        let user = xiezhi_store::PeopleStore::create_user(&store, asked, by).await.unwrap().value;
        xiezhi_store::PeopleStore::request_admin_grant(&store, user.id, by).await.unwrap();
        c.goto(&format!("{}/units/{court}", b.base)).await?;
        let grants = c.wait().for_element(Locator::Id("admin-grants")).await?.text().await?;
        assert!(grants.contains("court.head") && grants.contains("批准"), "{grants}");
        b.screenshots("admin-grant").await?;
        c.find(Locator::Css("#admin-grants button[value='approve']")).await?.click().await?;
        c.wait().for_element(Locator::Id("unit-name")).await?;
        assert!(c.find(Locator::Id("admin-grants")).await.is_err(), "decided, it leaves the list");
        // The log, browsed with names: the approval just made is the newest entry.
        c.goto(&format!("{}/audit?family=user", b.base)).await?;
        let newest = c.wait().for_element(Locator::Css("#log-rows tbody tr")).await?.text().await?;
        assert!(newest.contains("系统管理员（admin）") && newest.contains("院信息管理员（court.head）"), "who, and about whom, by name: {newest}");
        let log = c.find(Locator::Id("log-rows")).await?.text().await?;
        assert!(log.contains("批准管理员角色") && log.contains("申请管理员角色"), "{log}");
        b.screenshots("audit-log").await?;
        b.fits_a_phone("the audit log").await?;
        Ok::<_, fantoccini::error::CmdError>(())
    }
    .await;
    b.finish().await;
    result.expect("browser session");
    let left = xiezhi_store::CaseStore::cases_to_recompute(&store, "9999-12-31", "0000-01-01", 0, 1000).await.unwrap();
    assert!(left.is_empty(), "every provisional clock was recomputed: {left:?} of {provisional_before}");
}

#[tokio::test]
async fn sign_in_see_the_unit_switch_language_sign_out() {
    let (store, _dir) = xiezhi_store::testing::fresh_sqlite().await;
    xiezhi_server::demo::seed(&store, 7, 1).await.unwrap();
    let calendars = crate::common::test_calendars();
    xiezhi_server::demo::seed_cases(&store, &calendars.get(), 300, 7, xiezhi_server::state::china_now().date(), |_| {}).await.unwrap();
    let state = AppState::new(
        store,
        ServerConfig { demo: true, ..Default::default() },
        calendars,
        xiezhi_server::audit::LogSigner::new("xiezhi-test", [7; 32]).unwrap(),
    );
    let b = browse(state).await;
    let (c, base) = (&b.c, b.base.clone());
    let result = async {
        c.goto(&format!("{base}/")).await?;
        assert!(c.current_url().await?.path().ends_with("/sign-in"), "signed-out visitors land on the sign-in page");
        c.find(Locator::Id("username")).await?.send_keys("police.990101").await?;
        c.find(Locator::Id("password")).await?.send_keys(xiezhi_server::demo::DEMO_PASSWORD).await?;
        c.find(Locator::Id("sign-in")).await?.click().await?;
        let who = c.wait().for_element(Locator::Id("current-user")).await?.text().await?;
        assert!(who.contains("公安"), "{who}");
        {
            let dir = &b.shots;
            c.goto(&format!("{base}/directory?region=990100")).await?;
            c.wait().for_element(Locator::Id("units")).await?;
            std::fs::write(format!("{dir}/directory-zh.png"), c.screenshot().await?).unwrap();
            c.goto(&format!("{base}/audit?index=40")).await?;
            c.wait().for_element(Locator::Id("inclusion")).await?;
            std::fs::write(format!("{dir}/audit-zh.png"), c.screenshot().await?).unwrap();
            c.goto(&format!("{base}/cases")).await?;
            c.wait().for_element(Locator::Css("input[name='case_no']")).await?.send_keys("金公刑立字〔2026〕88号").await?;
            c.find(Locator::Css("input[name='title']")).await?.send_keys("张某盗窃案").await?;
            c.find(Locator::Css("input[name='charge']")).await?.send_keys("盗窃罪").await?;
            c.find(Locator::Css("input[name='person']")).await?.send_keys("张某").await?;
            c.find(Locator::Id("register-case")).await?.click().await?;
            c.wait().for_element(Locator::Id("case-no")).await?;
            std::fs::write(format!("{dir}/case-zh.png"), c.screenshot().await?).unwrap();
            c.goto(&format!("{base}/")).await?;
            c.wait().for_element(Locator::Id("my-unit")).await?;
        }

        c.find(Locator::Id("my-unit")).await?.click().await?;
        let unit = c.wait().for_element(Locator::Id("unit-name")).await?.text().await?;
        assert!(unit.ends_with("公安局"), "{unit}");
        let members = c.find(Locator::Id("members")).await?.text().await?;
        assert!(members.contains("police.990101") && members.contains("民警"), "{members}");

        c.find(Locator::Id("lang-switch")).await?.click().await?;
        c.wait().for_element(Locator::Css("html[lang='en']")).await?;
        let unit_en = c.find(Locator::Id("unit-name")).await?.text().await?;
        assert!(unit_en.contains("Public Security Bureau"), "{unit_en}");
        let members_en = c.find(Locator::Id("members")).await?.text().await?;
        assert!(members_en.contains("Police officer"), "{members_en}");
        {
            let dir = &b.shots;
            std::fs::write(format!("{dir}/unit-en.png"), c.screenshot().await?).unwrap();
        }

        c.find(Locator::Id("sign-out")).await?.click().await?;
        c.wait().for_element(Locator::Id("sign-in")).await?;
        assert!(c.current_url().await?.path().ends_with("/sign-in"));
        c.goto(&format!("{base}/")).await?;
        c.wait().for_element(Locator::Id("sign-in")).await?;
        assert!(c.current_url().await?.path().ends_with("/sign-in"), "signed out for real");
        {
            let dir = &b.shots;
            c.find(Locator::Id("username")).await?.send_keys("committee.990100").await?;
            c.find(Locator::Id("password")).await?.send_keys(xiezhi_server::demo::DEMO_PASSWORD).await?;
            c.find(Locator::Id("sign-in")).await?.click().await?;
            c.wait().for_element(Locator::Id("current-user")).await?;
            c.goto(&format!("{base}/supervision")).await?;
            c.wait().for_element(Locator::Id("region-counts")).await?;
            std::fs::write(format!("{dir}/supervision-zh.png"), c.screenshot().await?).unwrap();
        }
        Ok::<_, fantoccini::error::CmdError>(())
    }
    .await;
    b.finish().await;
    result.expect("browser session");
}

/// Long lists in the browser: the procuratorate's inbox (150 hand-overs) and the committee's
/// supervision of the county (150 overdue, 20 approaching) page with previous/next links, at
/// desktop width and at 390 px.
#[tokio::test]
async fn long_lists_page_in_the_browser() {
    use xiezhi_core::case::UnitRef;
    use xiezhi_core::{RegionCode, UnitKind};
    let (store, _dir) = xiezhi_store::testing::fresh_sqlite().await;
    xiezhi_server::demo::seed(&store, 7, 1).await.unwrap();
    let calendars = crate::common::test_calendars();
    let region = RegionCode::parse("region", "990101").unwrap();
    let unit = |kind| {
        let store = store.clone();
        async move {
            let units = xiezhi_store::OrgStore::list_units(&store, xiezhi_store::UnitFilter { region: Some(region), kind: Some(kind), ..Default::default() })
                .await
                .unwrap();
            UnitRef { id: units[0].id, kind, region }
        }
    };
    let (police, procuratorate) = (unit(UnitKind::Police).await, unit(UnitKind::Procuratorate).await);
    crate::lists::hand_overs(&store, &calendars.get(), 150, "2026-10-05 09:00", police, procuratorate).await;
    crate::lists::hand_overs(&store, &calendars.get(), 20, "2026-11-15 09:00", police, procuratorate).await;
    let state = AppState::new(
        store.clone(),
        ServerConfig { demo: true, ..Default::default() },
        calendars,
        xiezhi_server::audit::LogSigner::new("xiezhi-test", [7; 32]).unwrap(),
    )
    .with_clock(xiezhi_server::state::Clock::fixed(crate::common::beijing("2026-11-20 10:00")));
    let b = browse(state).await;
    let c = &b.c;
    let result = async {
        b.sign_in("procuratorate.990101").await?;
        let mine = c.find(Locator::Css("#load-case .active")).await?.text().await?;
        assert_eq!(mine, "170", "the workbench counts the hand-overs it signed for and must decide");
        let overdue = c.find(Locator::Css("#load-case .overdue")).await?.text().await?;
        let soon = c.find(Locator::Css("#load-case .approaching")).await?.text().await?;
        assert_eq!((overdue.as_str(), soon.as_str()), ("150", "20"), "its own clocks on the hand-overs it signed for");
        let purpose = c.find(Locator::Css("#docket .purpose")).await?.text().await?;
        assert_eq!(purpose, "提请批准逮捕", "what each hand-over asks");
        b.screenshots("workbench").await?;
        b.fits_a_phone("the workbench").await?;
        // The same workbench in English: English words and punctuation throughout.
        c.find(Locator::Id("lang-switch")).await?.click().await?;
        c.wait().for_element(Locator::Css("html[lang='en']")).await?;
        let heading = c.find(Locator::Css("main h1")).await?.text().await?;
        assert!(heading.starts_with("Welcome, "), "{heading}");
        let load = c.find(Locator::Id("work-load")).await?.text().await?;
        assert!(load.contains("Your move") && load.contains("Due in 3 days"), "{load}");
        let purpose = c.find(Locator::Css("#docket .purpose")).await?.text().await?;
        assert_eq!(purpose, "Arrest approval request");
        let counters = c.find(Locator::Id("workbench")).await?.text().await?;
        assert!(counters.contains("Returns and notices"), "{counters}");
        b.screenshots("workbench-en").await?;
        b.fits_a_phone("the workbench in English").await?;
        // 待办 in English: one list of every kind, counts by kind.
        c.goto(&format!("{}/work", b.base)).await?;
        let load = c.find(Locator::Id("work-load")).await?.text().await?;
        assert!(load.contains("Criminal case") && load.contains("Your move"), "{load}");
        b.screenshots("work-en").await?;
        b.fits_a_phone("my work in English").await?;
        c.find(Locator::Id("lang-switch")).await?.click().await?;
        c.wait().for_element(Locator::Css("html[lang='zh-CN']")).await?;
        assert_eq!(c.find_all(Locator::Css("#work-list tbody tr")).await?.len(), 100, "a page of 100");
        let on_nav = c.wait().for_element(Locator::Id("nav-work-count")).await?.text().await?;
        assert!(on_nav.parse::<i64>().is_ok_and(|n| n >= 170), "the navigation counts the open work: {on_nav}");
        b.screenshots("work").await?;
        b.fits_a_phone("my work").await?;
        // The overdue count is a link to the overdue list.
        c.find(Locator::Css("#work-load a.badge.late")).await?.click().await?;
        c.wait().for_element(Locator::Css("select[name=due] option[value=overdue]:checked")).await?;
        let total: i64 = c.find(Locator::Id("work-total")).await?.text().await?.parse().unwrap();
        assert!(total >= 150, "the 150 overdue hand-overs at least: {total}");
        let rows = c.find_all(Locator::Css("#work-list tbody tr")).await?.len();
        let late = c.find_all(Locator::Css("#work-list tbody tr .badge.late")).await?.len();
        assert_eq!((rows, late), (100, 100), "every row overdue");
        c.goto(&format!("{}/inbox", b.base)).await?;
        c.find(Locator::Css("a[rel=next]")).await?.click().await?;
        c.wait().for_element(Locator::Css("a[rel=prev]")).await?;
        assert!(c.current_url().await?.query().is_some_and(|q| q.contains("page=2")));
        assert_eq!(c.find_all(Locator::Css("#case-list tbody tr")).await?.len(), 70, "the rest on page 2");
        b.screenshots("inbox-page-2").await?;
        b.fits_a_phone("the inbox").await?;
        // The pager itself, at the foot of the list, at 390 px.
        c.set_window_size(390, 844).await?;
        c.execute("document.querySelector('.pager').scrollIntoView()", vec![]).await?;
        std::fs::write(format!("{}/inbox-pager-390.png", b.shots), c.screenshot().await?).unwrap();
        c.set_window_size(1280, 900).await?;

        // Refuse one arrest (already signed for) with a reason; the police see the reason.
        c.find(Locator::Css("#case-list tbody tr a")).await?.click().await?;
        let case_url = c.current_url().await?;
        c.wait().for_element(Locator::Css("form[data-command=refuse_arrest]")).await?;
        c.find(Locator::Css("form[data-command=refuse_arrest] input[name=reason]")).await?.send_keys("证据不足，不符合逮捕条件").await?;
        c.find(Locator::Css("form[data-command=refuse_arrest] button")).await?.click().await?;
        // A refusal cannot be undone: the page asks again.
        c.wait().for_element(Locator::Id("confirm-submit")).await?.click().await?;
        c.wait().for_element(Locator::Id("latest-reason")).await?;
        c.find(Locator::Id("sign-out")).await?.click().await?;
        c.wait().for_element(Locator::Id("sign-in")).await?;
        b.sign_in("police.990101").await?;
        c.goto(case_url.as_str()).await?;
        let note = c.find(Locator::Id("latest-reason")).await?.text().await?;
        assert!(note.contains("证据不足，不符合逮捕条件") && note.contains("不批准逮捕"), "{note}");
        b.screenshots("case-reason").await?;
        b.fits_a_phone("the case page").await?;
        // The case list with its search and the registration form for several suspects.
        c.goto(&format!("{}/cases?q=%E5%BC%A0", b.base)).await?;
        c.find(Locator::Id("register-case")).await?;
        b.screenshots("cases-search-register").await?;
        b.fits_a_phone("the case list and registration").await?;
        // An error is a page of the platform: the menu, who is signed in, a way back.
        c.goto(&format!("{}/supervision", b.base)).await?;
        let failure = c.find(Locator::Id("failure")).await?.text().await?;
        assert!(failure.contains("无权办理此事项"), "{failure}");
        c.find(Locator::Id("current-user")).await?;
        b.screenshots("error-forbidden").await?;
        b.fits_a_phone("an error page").await?;
        c.find(Locator::Id("sign-out")).await?.click().await?;
        c.wait().for_element(Locator::Id("sign-in")).await?;

        b.sign_in("committee.990100").await?;
        c.goto(&format!("{}/supervision?region=990101", b.base)).await?;
        assert_eq!(c.find_all(Locator::Css("#overdue tbody tr")).await?.len(), 50);
        assert_eq!(c.find_all(Locator::Css("#approaching tbody tr")).await?.len(), 20);
        c.find(Locator::Css("#overdue a[rel=next]")).await?.click().await?;
        c.wait().for_element(Locator::Css("#overdue a[rel=prev]")).await?;
        assert_eq!(c.find_all(Locator::Css("#approaching tbody tr")).await?.len(), 20, "the other list stays on its page");
        b.screenshots("supervision-page-2").await?;
        b.fits_a_phone("supervision").await?;
        c.execute("document.querySelector('#by-charge').scrollIntoView()", vec![]).await?;
        b.screenshots("supervision-by-charge").await?;
        c.find(Locator::Id("charges-link")).await?.click().await?;
        c.wait().for_element(Locator::Id("charge-period")).await?;
        let total = c.find(Locator::Css("#charges tfoot th:nth-child(3)")).await?.text().await?;
        assert!(total.parse::<i64>().is_ok_and(|n| n > 0), "the county's cases of the year, by charge: {total}");
        b.screenshots("charges").await?;
        b.fits_a_phone("cases by charge").await?;
        // The committee's home: its region's open work of every kind.
        c.goto(&format!("{}/", b.base)).await?;
        c.find(Locator::Id("docket-all")).await?.click().await?;
        c.wait().for_element(Locator::Css("input[name=region][value='990100']")).await?;
        let heading = c.find(Locator::Css("main h1")).await?.text().await?;
        assert!(heading.contains("在办事项"), "{heading}");
        b.screenshots("work-region").await?;
        b.fits_a_phone("a region's open work").await?;
        Ok::<_, fantoccini::error::CmdError>(())
    }
    .await;
    b.finish().await;
    result.expect("browser session");
}

/// The issue's road through the pages, as each unit meets it: a window clerk registers a
/// dispute (an error keeps what was typed), grades it red, reports it and diverts it to the
/// women's federation; the federation signs for it, records the agreement and its signatures and
/// applies for confirmation; the court confirms it; the federation follows up and closes it; the
/// county committee sees it masked and the ledger counts it. Screenshots at 1280 and 390 px.
#[tokio::test]
async fn a_dispute_through_the_pages() {
    use xiezhi_core::{RegionCode, UnitKind};
    let (store, _dir) = xiezhi_store::testing::fresh_sqlite().await;
    xiezhi_server::demo::seed(&store, 7, 1).await.unwrap();
    let region = RegionCode::parse("region", "990101").unwrap();
    let unit_id = |kind| {
        let store = store.clone();
        async move {
            xiezhi_store::OrgStore::list_units(&store, xiezhi_store::UnitFilter { region: Some(region), kind: Some(kind), ..Default::default() }).await.unwrap()
                [0]
            .id
        }
    };
    let (police, women) = (unit_id(UnitKind::Police).await, unit_id(UnitKind::WomensFederation).await);
    let state = AppState::new(
        store.clone(),
        ServerConfig { demo: true, ..Default::default() },
        crate::common::test_calendars(),
        xiezhi_server::audit::LogSigner::new("xiezhi-test", [7; 32]).unwrap(),
    )
    .with_clock(xiezhi_server::state::Clock::fixed(crate::common::beijing("2026-11-30 09:00")));
    let b = browse(state).await;
    let c = &b.c;
    let result = async {
        // Fill and send one action form; the record grows by `events` lines.
        let act = |action: &'static str, fill: Vec<(&'static str, String)>, events: usize| async move {
            let before = c.find_all(Locator::Css("#timeline li")).await?.len();
            for (name, value) in fill {
                let js = format!("document.querySelector('#do-{action} [name={name}]').value = arguments[0]");
                c.execute(&js, vec![serde_json::json!(value)]).await?;
            }
            c.find(Locator::Css(&format!("#do-{action} button"))).await?.click().await?;
            let grown = format!("#timeline li:nth-child({})", before + events);
            confirm_until(c, &grown).await?;
            if let Err(e) = c.wait().at_most(Duration::from_secs(10)).for_element(Locator::Css(&grown)).await {
                eprintln!("after {action}: {}", c.find(Locator::Css("main")).await?.text().await?);
                return Err(e);
            }
            Ok::<_, fantoccini::error::CmdError>(())
        };
        b.sign_in("governance.990101").await?;
        // The workbench's shortcut to the registration form.
        c.find(Locator::Id("dispute-new")).await?.click().await?;
        c.wait().for_element(Locator::Css("[name=title]")).await?;
        c.find(Locator::Css("[name=title]")).await?.send_keys("抚养费纠纷（页面）").await?;
        c.execute("document.querySelector('[name=category]').value = 'marriage_family'", vec![]).await?;
        c.find(Locator::Css("[name=name1]")).await?.send_keys("王芳").await?;
        c.find(Locator::Css("[name=phone1]")).await?.send_keys("call me").await?;
        c.find(Locator::Css("[name=name2]")).await?.send_keys("李强").await?;
        c.find(Locator::Id("register-dispute")).await?.click().await?;
        let error = c.wait().for_element(Locator::Id("form-error")).await?.text().await?;
        assert_eq!(error, "填写有误，请检查后重试（联系电话）：\"call me\"不是有效的电话号码", "the field as the form names it, in Chinese");
        let kept = c.find(Locator::Css("[name=title]")).await?.prop("value").await?;
        assert_eq!(kept.as_deref(), Some("抚养费纠纷（页面）"), "what was typed is kept");
        c.current_url().await?;
        b.screenshots("dispute-new-error").await?;
        b.fits_a_phone("the registration form").await?;
        c.execute("document.querySelector('[name=phone1]').value = '13800001111'", vec![]).await?;
        c.find(Locator::Id("register-dispute")).await?.click().await?;
        c.wait().for_element(Locator::Id("code")).await?;
        let code = c.find(Locator::Id("code")).await?.text().await?;
        assert!(code.starts_with("MD9901012026"), "{code}");
        act("assess", vec![("level", "red".into()), ("next_review", "2026-12-07".into())], 1).await?;
        let clocks = c.find(Locator::Id("clocks")).await?.text().await?;
        assert!(clocks.contains("红色风险纠纷报告") && clocks.contains("2026-12-01"), "{clocks}");
        act("report_to_police", vec![("to", police.to_string())], 1).await?;
        act("refer_partner", vec![("to", women.to_string())], 1).await?;
        let pending = c.find(Locator::Id("pending")).await?.text().await?;
        assert!(pending.contains("妇女联合会"), "{pending}");
        c.find(Locator::Id("sign-out")).await?.click().await?;
        c.wait().for_element(Locator::Id("sign-in")).await?;

        b.sign_in("women.990101").await?;
        assert_eq!(c.find(Locator::Css("#load-dispute .awaiting")).await?.text().await?, "1");
        assert_eq!(c.find(Locator::Css("#docket .purpose")).await?.text().await?, "合作平台调解", "what the referral asks");
        b.screenshots("home-disputes").await?;
        b.fits_a_phone("the workbench with disputes").await?;
        c.find(Locator::Css("#docket #work-list tbody a")).await?.click().await?;
        c.wait().for_element(Locator::Id("do-receive")).await?;
        act("receive", vec![], 1).await?;
        act("record_session", vec![("note", "双方到场，初步沟通".into())], 1).await?;
        act(
            "agree",
            vec![
                ("term_kind_1", "payment".into()),
                ("term_text_1", "李强每月支付抚养费1500元".into()),
                ("term_amount_1", "1500".into()),
                ("term_due_1", "2026-12-31".into()),
            ],
            1,
        )
        .await?;
        b.screenshots("dispute-agreed").await?;
        b.fits_a_phone("a dispute with its actions").await?;
        for events in [1, 1, 1, 2] {
            act("sign", vec![], events).await?;
        }
        assert!(c.find(Locator::Id("stage")).await?.text().await?.contains("协议履行中"));
        act("apply_for_confirmation", vec![], 1).await?;
        c.find(Locator::Id("sign-out")).await?.click().await?;
        c.wait().for_element(Locator::Id("sign-in")).await?;

        b.sign_in("court.990101").await?;
        c.goto(&format!("{}/disputes?q={code}", b.base)).await?;
        c.find(Locator::Css("#dispute-list tbody a")).await?.click().await?;
        c.wait().for_element(Locator::Id("do-receive")).await?;
        act("receive", vec![], 1).await?;
        act("accept_confirmation", vec![], 1).await?;
        act("rule", vec![], 1).await?;
        let confirmation = c.find(Locator::Id("confirmation")).await?.text().await?;
        assert!(confirmation.contains("民特") && confirmation.contains("裁定协议有效"), "{confirmation}");
        c.find(Locator::Id("sign-out")).await?.click().await?;
        c.wait().for_element(Locator::Id("sign-in")).await?;

        b.sign_in("women.990101").await?;
        c.goto(&format!("{}/disputes?q={code}", b.base)).await?;
        c.find(Locator::Css("#dispute-list tbody a")).await?.click().await?;
        c.wait().for_element(Locator::Id("do-record_performance")).await?;
        act("record_performance", vec![], 1).await?;
        act("follow_up", vec![("note", "已按月支付".into())], 1).await?;
        act("close", vec![], 1).await?;
        assert!(c.find(Locator::Id("stage")).await?.text().await?.contains("已结案"));
        b.screenshots("dispute-closed").await?;
        c.find(Locator::Id("sign-out")).await?.click().await?;
        c.wait().for_element(Locator::Id("sign-in")).await?;

        b.sign_in("committee.990101").await?;
        c.goto(&format!("{}/disputes/ledger?q={code}", b.base)).await?;
        let indicators = c.find(Locator::Id("indicators")).await?.text().await?;
        assert!(indicators.contains("1件 / 2人") && indicators.contains("司法确认"), "{indicators}");
        b.screenshots("disputes-ledger").await?;
        b.fits_a_phone("the ledger").await?;
        c.find(Locator::Css("#dispute-list tbody a")).await?.click().await?;
        let parties = c.wait().for_element(Locator::Id("parties")).await?.text().await?;
        assert!(parties.contains("王*") && parties.contains("138****1111") && !parties.contains("13800001111"), "{parties}");
        // The same dispute in English: English words for the stage, the channel and the record.
        c.find(Locator::Id("lang-switch")).await?.click().await?;
        c.wait().for_element(Locator::Css("html[lang='en']")).await?;
        let stage = c.find(Locator::Id("stage")).await?.text().await?;
        assert!(stage.starts_with("Closed"), "{stage}");
        let record = c.find(Locator::Id("timeline")).await?.text().await?;
        assert!(record.contains("Agreement in effect") && record.contains("Ruled") && !record.contains("协议生效"), "{record}");
        b.screenshots("dispute-closed-en").await?;
        b.fits_a_phone("a dispute in English").await?;
        Ok::<_, fantoccini::error::CmdError>(())
    }
    .await;
    b.finish().await;
    result.unwrap();
}

/// A 12345 operator takes a call on one screen from the keyboard (an error keeps what was
/// typed), reads out the number and query code, dispatches it to the county court; the court
/// signs for it and replies; the operator reviews and calls back; the caller follows it on the
/// public page without signing in. Screenshots at 1280 and 390 px.
#[tokio::test]
async fn a_hotline_call_through_the_pages() {
    use xiezhi_core::{RegionCode, UnitKind};
    let (store, _dir) = xiezhi_store::testing::fresh_sqlite().await;
    xiezhi_server::demo::seed(&store, 7, 1).await.unwrap();
    let region = RegionCode::parse("region", "990101").unwrap();
    let court =
        xiezhi_store::OrgStore::list_units(&store, xiezhi_store::UnitFilter { region: Some(region), kind: Some(UnitKind::CourtBasic), ..Default::default() })
            .await
            .unwrap()[0]
            .id;
    let state = AppState::new(
        store.clone(),
        ServerConfig { demo: true, ..Default::default() },
        crate::common::test_calendars(),
        xiezhi_server::audit::LogSigner::new("xiezhi-test", [7; 32]).unwrap(),
    )
    .with_clock(xiezhi_server::state::Clock::fixed(crate::common::beijing("2026-11-30 09:00")));
    let b = browse(state).await;
    let c = &b.c;
    let result = async {
        let act = |action: &'static str, fill: Vec<(&'static str, String)>| async move {
            let before = c.find_all(Locator::Css("#timeline li")).await?.len();
            for (name, value) in fill {
                let js = format!("document.querySelector('#do-{action} [name={name}]').value = arguments[0]");
                c.execute(&js, vec![serde_json::json!(value)]).await?;
            }
            c.find(Locator::Css(&format!("#do-{action} button"))).await?.click().await?;
            let grown = format!("#timeline li:nth-child({})", before + 1);
            confirm_until(c, &grown).await?;
            c.wait().for_element(Locator::Css(&grown)).await?;
            Ok::<_, fantoccini::error::CmdError>(())
        };
        b.sign_in("h12345.990101").await?;
        c.find(Locator::Id("ticket-take")).await?.click().await?;
        // The keyboard alone: the telephone is focused; tab through the form.
        c.wait().for_element(Locator::Id("ticket-form")).await?;
        c.find(Locator::Css("#ticket-form [name=phone]")).await?.send_keys("call me").await?;
        c.find(Locator::Css("#ticket-form [name=name]")).await?.send_keys("赵敏").await?;
        c.execute("document.querySelector('#ticket-form [name=kind]').value = 'complaint'", vec![]).await?;
        c.find(Locator::Css("#ticket-form [name=concerns_law]")).await?.click().await?;
        c.find(Locator::Css("#ticket-form [name=title]")).await?.send_keys("执行款迟迟未到位").await?;
        c.find(Locator::Css("#ticket-form [name=content]")).await?.send_keys("判决生效半年未执行").await?;
        c.find(Locator::Id("take-call")).await?.click().await?;
        let error = c.wait().for_element(Locator::Id("form-error")).await?.text().await?;
        assert_eq!(error, "填写有误，请检查后重试（联系电话）：\"call me\"不是有效的电话号码", "the field as the form names it, in Chinese");
        assert_eq!(c.find(Locator::Css("#ticket-form [name=title]")).await?.prop("value").await?.as_deref(), Some("执行款迟迟未到位"));
        c.execute("document.querySelector('#ticket-form [name=phone]').value = '13900001234'", vec![]).await?;
        c.find(Locator::Id("take-call")).await?.click().await?;
        let no = c.wait().for_element(Locator::Id("created-no")).await?.text().await?;
        let code = c.find(Locator::Id("created-code")).await?.text().await?;
        assert_eq!(code.len(), 8, "{code}");
        // A reload shows the number but neither the code again nor a second order.
        c.refresh().await?;
        assert_eq!(c.find(Locator::Id("created-no")).await?.text().await?, no);
        assert_ne!(c.find(Locator::Id("created-code")).await?.text().await?, code);
        b.screenshots("ticket-taken").await?;
        b.fits_a_phone("the intake screen").await?;
        c.find(Locator::Css("#created a")).await?.click().await?;
        c.wait().for_element(Locator::Id("do-dispatch")).await?;
        act("dispatch", vec![("lead", court.to_string())]).await?;
        c.find(Locator::Id("sign-out")).await?.click().await?;
        c.wait().for_element(Locator::Id("sign-in")).await?;

        b.sign_in("court.990101").await?;
        assert_eq!(c.find(Locator::Css("#load-ticket .awaiting")).await?.text().await?, "1");
        c.goto(&format!("{}/tickets?mine=true", b.base)).await?;
        c.find(Locator::Css("#ticket-list tbody a")).await?.click().await?;
        c.wait().for_element(Locator::Id("do-sign_for")).await?;
        act("sign_for", vec![]).await?;
        act("reply", vec![("text", "执行款已发放".into())]).await?;
        b.screenshots("ticket-replied").await?;
        b.fits_a_phone("a work order").await?;
        // The court keeps an answer in the knowledge base.
        c.goto(&format!("{}/knowledge", b.base)).await?;
        c.find(Locator::Css("#add-knowledge [name=question]")).await?.send_keys("怎样申请诉前调解").await?;
        c.find(Locator::Css("#add-knowledge [name=answer]")).await?.send_keys("到诉讼服务中心申请，或在线提交。").await?;
        c.find(Locator::Css("#add-knowledge button")).await?.click().await?;
        let listed = c.wait().for_element(Locator::Css("#knowledge tbody")).await?.text().await?;
        assert!(listed.contains("怎样申请诉前调解") && listed.contains("2026-11-30"), "{listed}");
        b.screenshots("knowledge").await?;
        b.fits_a_phone("the knowledge base").await?;
        c.find(Locator::Id("sign-out")).await?.click().await?;
        c.wait().for_element(Locator::Id("sign-in")).await?;

        b.sign_in("h12345.990101").await?;
        c.goto(&format!("{}/tickets?q={no}", b.base)).await?;
        c.find(Locator::Css("#ticket-list tbody a")).await?.click().await?;
        c.wait().for_element(Locator::Id("do-review")).await?;
        act("review", vec![]).await?;
        c.find(Locator::Css("#do-callback [name=solved]")).await?.click().await?;
        act("callback", vec![]).await?;
        assert!(c.find(Locator::Id("stage")).await?.text().await?.contains("已办结"));
        // The centre's list with its indicators, by lead unit.
        c.goto(&format!("{}/tickets", b.base)).await?;
        let by_unit = c.wait().for_element(Locator::Id("unit-indicators")).await?.text().await?;
        assert!(by_unit.contains("法院") && by_unit.contains("100%"), "{by_unit}");
        b.screenshots("ticket-indicators").await?;
        b.fits_a_phone("the hotline list with its indicators").await?;
        // A consultation answered on the call from the court's item.
        c.goto(&format!("{}/tickets/new", b.base)).await?;
        c.wait().for_element(Locator::Id("ticket-form")).await?;
        c.execute("document.querySelector('#ticket-form [name=kind]').value = 'consultation'", vec![]).await?;
        c.find(Locator::Css("#ticket-form [name=title]")).await?.send_keys("咨询诉前调解").await?;
        c.find(Locator::Css("#ticket-form [name=content]")).await?.send_keys("怎么申请").await?;
        c.find(Locator::Id("take-call")).await?.click().await?;
        c.wait().for_element(Locator::Id("created-no")).await?;
        c.find(Locator::Css("#created a")).await?.click().await?;
        let options = c.wait().for_element(Locator::Css("#do-answer_on_call [name=item]")).await?.text().await?;
        assert!(options.contains("怎样申请诉前调解"), "{options}");
        c.execute("const s = document.querySelector('#do-answer_on_call [name=item]'); s.value = s.options[1].value", vec![]).await?;
        act("answer_on_call", vec![]).await?;
        assert!(c.find(Locator::Id("stage")).await?.text().await?.contains("已办结"));
        let record = c.find(Locator::Id("timeline")).await?.text().await?;
        assert!(record.contains("到诉讼服务中心申请") && record.contains("知识库：怎样申请诉前调解"), "{record}");
        c.find(Locator::Id("sign-out")).await?.click().await?;
        c.wait().for_element(Locator::Id("sign-in")).await?;

        // The caller, not signed in.
        c.goto(&format!("{}/track", b.base)).await?;
        c.find(Locator::Css("#track-form [name=no]")).await?.send_keys(&no).await?;
        c.find(Locator::Css("#track-form [name=code]")).await?.send_keys(&code).await?;
        c.find(Locator::Css("#track-form button")).await?.click().await?;
        let stage = c.wait().for_element(Locator::Id("track-stage")).await?.text().await?;
        assert_eq!(stage, "已办结");
        let page = c.find(Locator::Id("track-result")).await?.text().await?;
        assert!(page.contains("执行款已发放") && !page.contains("13900001234") && !page.contains("赵敏"), "{page}");
        assert!(no.ends_with("000001"), "one order taken, however often the page was reloaded: {no}");
        b.screenshots("track").await?;
        b.fits_a_phone("the caller's page").await?;

        // The city's committee sets its own reply limit; the page lists it beside the catalogue's.
        b.sign_in("admin.990100").await?;
        c.goto(&format!("{}/limits", b.base)).await?;
        c.wait().for_element(Locator::Id("set-limit")).await?;
        c.find(Locator::Id("limit-length")).await?.send_keys("3").await?;
        c.find(Locator::Id("limit-basis")).await?.send_keys("《甲市12345热线管理办法》第十二条").await?;
        c.find(Locator::Id("limit-submit")).await?.click().await?;
        let table = c.wait().for_element(Locator::Css("#limits tbody tr td:nth-child(4)")).await?.text().await?;
        assert_eq!(table, "3个工作日");
        b.screenshots("limits").await?;
        b.fits_a_phone("the cities' own limits").await?;

        // The province's committee grades disputes high, medium and low; the list says so.
        b.sign_in("admin").await?;
        c.goto(&format!("{}/limits", b.base)).await?;
        c.wait().for_element(Locator::Id("set-scale")).await?;
        c.find(Locator::Css("#set-scale [value=high_medium_low]")).await?.click().await?;
        c.find(Locator::Id("scale-basis")).await?.send_keys("《示范省矛盾纠纷风险分级管理办法》第五条").await?;
        c.find(Locator::Id("scale-submit")).await?.click().await?;
        let levels = c.wait().for_element(Locator::Id("scale-clear")).await?;
        drop(levels);
        let levels = c.find(Locator::Id("risk-levels")).await?.text().await?;
        assert!(levels.starts_with("高风险") && levels.contains("低风险") && !levels.contains("蓝色"), "{levels}");
        b.screenshots("risk-scale").await?;
        b.fits_a_phone("the province's risk scale").await?;
        c.goto(&format!("{}/disputes?risk=red,orange", b.base)).await?;
        let chosen = c.wait().for_element(Locator::Css("select[name=risk] option:checked")).await?.text().await?;
        assert_eq!(chosen, "高风险、中风险");

        // The city committee's supervisor looks at how the units keep their knowledge bases.
        b.sign_in("committee.990100").await?;
        c.goto(&format!("{}/knowledge/upkeep", b.base)).await?;
        let count = c.wait().for_element(Locator::Id("upkeep-count")).await?.text().await?;
        assert!(count.starts_with("未及时更新：0 /"), "the court's base is kept: {count}");
        b.screenshots("knowledge-upkeep").await?;
        b.fits_a_phone("the knowledge upkeep page").await?;
        Ok::<_, fantoccini::error::CmdError>(())
    }
    .await;
    b.finish().await;
    result.unwrap();
}

/// A criminal case walked through the pages by four agencies, as each would: the police register
/// it and ask for arrest; the procuratorate signs for it, approves, returns the transfer with a
/// reason the police then read, reviews and indicts; the court judges each defendant with a
/// sentence, and after the appeal window hands the suspended one to community corrections, which
/// takes them in. Each case page is looked at at desktop width and at 390 px.
#[tokio::test]
async fn a_case_from_registration_to_execution_through_the_pages() {
    let (store, _dir) = xiezhi_store::testing::fresh_sqlite().await;
    xiezhi_server::demo::seed(&store, 7, 1).await.unwrap();
    let clock = xiezhi_server::state::Clock::fixed(crate::common::beijing("2026-11-30 09:00"));
    let state = AppState::new(
        store.clone(),
        ServerConfig { demo: true, ..Default::default() },
        crate::common::test_calendars(),
        xiezhi_server::audit::LogSigner::new("xiezhi-test", [7; 32]).unwrap(),
    )
    .with_clock(clock.clone());
    let browsing = browse(state).await;
    let (c, b) = (&browsing.c, &browsing);
    let result = async {
        // Fill and send one action form of the case page; the timeline grows.
        let act = |command: &'static str, fill: Vec<(&'static str, &'static str)>| async move {
            let before = c.find_all(Locator::Css("#timeline tbody tr")).await?.len();
            for (name, value) in fill {
                let js = format!("document.querySelector('form[data-command={command}] [name={name}]').value = arguments[0]");
                c.execute(&js, vec![serde_json::json!(value)]).await?;
            }
            c.find(Locator::Css(&format!("form[data-command={command}] button"))).await?.click().await?;
            // A command that cannot be undone asks again: confirm it. (Poll: until the next page
            // has loaded, the old one still matches.)
            let grown = format!("#timeline tbody tr:nth-child({})", before + 1);
            let mut looked = false;
            for _ in 0..100 {
                if c.find(Locator::Css(&grown)).await.is_ok() || c.find(Locator::Css("#failure, .failure")).await.is_ok() {
                    break;
                }
                if c.find(Locator::Id("confirm-submit")).await.is_ok() {
                    if command == "finalize" && !looked {
                        looked = true;
                        b.screenshots("confirm").await?;
                        b.fits_a_phone("the confirmation of a command that cannot be undone").await?;
                    }
                    if let Ok(confirm) = c.find(Locator::Id("confirm-submit")).await {
                        if confirm.click().await.is_ok() {
                            break;
                        }
                    }
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            if let Err(e) = c.wait().at_most(Duration::from_secs(10)).for_element(Locator::Css(&format!("#timeline tbody tr:nth-child({})", before + 1))).await
            {
                eprintln!("after {command}: {}", c.find(Locator::Css("main")).await?.text().await?);
                return Err(e);
            }
            Ok::<_, fantoccini::error::CmdError>(())
        };
        let switch_to = |user: &'static str| async move {
            c.find(Locator::Id("sign-out")).await?.click().await?;
            c.wait().for_element(Locator::Id("sign-in")).await?;
            b.sign_in(user).await
        };
        let open_case = |path: String| async move {
            c.goto(&format!("{}{path}", b.base)).await?;
            c.wait().for_element(Locator::Id("case-no")).await?;
            Ok::<_, fantoccini::error::CmdError>(())
        };

        b.sign_in("police.990101").await?;
        c.goto(&format!("{}/cases", b.base)).await?;
        // The number is left empty: the police station's next filing number of the year is given.
        c.wait().for_element(Locator::Css("input[name='title']")).await?.send_keys("王某诈骗案").await?;
        c.find(Locator::Css("input[name='charge']")).await?.send_keys("诈骗罪").await?;
        c.find(Locator::Css("input[name='person']")).await?.send_keys("王某").await?;
        // A mistyped identity number comes back inside the form, everything typed kept.
        c.find(Locator::Css("input[name='id_number']")).await?.send_keys("110105194912310022").await?;
        c.find(Locator::Id("register-case")).await?.click().await?;
        let error = c.wait().for_element(Locator::Id("form-error")).await?.text().await?;
        assert_eq!(error, "身份证号：校验码不符：有数字输错", "the field and what is wrong with it, in Chinese");
        assert_eq!(c.find(Locator::Css("input[name='title']")).await?.prop("value").await?.as_deref(), Some("王某诈骗案"));
        c.execute("document.querySelector('#form-error').scrollIntoView()", vec![]).await?;
        b.screenshots("case-register-error").await?;
        b.fits_a_phone("the registration form refused").await?;
        c.find(Locator::Css("input[name='id_number']")).await?.clear().await?;
        c.find(Locator::Id("register-case")).await?.click().await?;
        c.wait().for_element(Locator::Id("case-no")).await?;
        let path = c.current_url().await?.path().to_string();
        assert!(c.find(Locator::Id("case-no")).await?.text().await?.starts_with("990101公刑立〔2026〕1号"), "the unit's first number of 2026");
        assert_eq!(c.find(Locator::Id("charge")).await?.text().await?, "诈骗罪（《刑法》第266条）");
        act("collaborate", vec![("kind", "early_intervention"), ("text", "涉案金额大，请提前介入引导取证")]).await?;
        act("request_arrest_approval", vec![]).await?;

        switch_to("procuratorate.990101").await?;
        let waiting = c.find(Locator::Id("docket")).await?.text().await?;
        assert!(waiting.contains("提请批准逮捕") && waiting.contains("王某诈骗案"), "the workbench says what is handed over: {waiting}");
        let asked = c.find(Locator::Id("notices")).await?.text().await?;
        assert!(asked.contains("协作留言") && asked.contains("请提前介入引导取证"), "an early-intervention request reaches the procuratorate: {asked}");
        open_case(path.clone()).await?;
        act("receive", vec![]).await?;
        act("approve_arrest", vec![]).await?;

        switch_to("police.990101").await?;
        open_case(path.clone()).await?;
        act("transfer_for_prosecution", vec![]).await?;
        switch_to("procuratorate.990101").await?;
        open_case(path.clone()).await?;
        act("receive", vec![]).await?;
        act("return_handover", vec![("reason", "材料不全，缺少鉴定意见")]).await?;

        switch_to("police.990101").await?;
        let notices = c.find(Locator::Id("notices")).await?.text().await?;
        assert!(
            notices.contains("材料不全，缺少鉴定意见") && notices.contains("金溪区人民检察院"),
            "the return's reason is on the police workbench: {notices}"
        );
        assert_eq!(c.find(Locator::Css("#count-notices strong")).await?.text().await?, "1");
        b.screenshots("home-notices").await?;
        b.fits_a_phone("the workbench with a return").await?;
        c.find(Locator::Css("#notices li a")).await?.click().await?;
        c.wait().for_element(Locator::Id("case-no")).await?;
        let reason = c.find(Locator::Id("latest-reason")).await?.text().await?;
        assert!(reason.contains("材料不全，缺少鉴定意见") && reason.contains("退回"), "the police read why: {reason}");
        act("transfer_for_prosecution", vec![]).await?;
        // 已办: what the police did, newest first, in words — reached on a phone through the
        // folded menu.
        c.set_window_size(390, 844).await?;
        assert!(!c.find(Locator::Id("main-nav")).await?.is_displayed().await?, "the menu is folded on a phone");
        c.find(Locator::Css("label.menu-button")).await?.click().await?;
        c.find(Locator::Css("#main-nav a[href='/done']")).await?.click().await?;
        let done = c.wait().for_element(Locator::Id("done-list")).await?.text().await?;
        c.set_window_size(1280, 900).await?;
        let lines: Vec<&str> = done.lines().filter(|l| l.contains("移送审查起诉") || l.contains("提请批准逮捕") || l.contains("立案")).collect();
        assert!(lines.len() >= 4 && lines[0].contains("移送审查起诉") && done.contains("提请批准逮捕") && done.contains("侦检协作"), "{done}");
        b.fits_a_phone("the done list").await?;
        switch_to("procuratorate.990101").await?;
        open_case(path.clone()).await?;
        act("receive", vec![]).await?;
        act("accept_for_review", vec![]).await?;
        act("indict", vec![]).await?;

        switch_to("court.990101").await?;
        open_case(path.clone()).await?;
        act("receive", vec![]).await?;
        act("accept_for_trial", vec![("procedure", "summary")]).await?;
        let numbers: Vec<String> =
            futures_util::future::try_join_all(c.find_all(Locator::Css(".agency-number")).await?.into_iter().map(|e| async move { e.text().await })).await?;
        assert!(numbers.iter().any(|n| n.starts_with("（2026）990101刑初1号")), "the court's first number of 2026: {numbers:?}");
        // Three years suspended for four: a refused probation first (five years cannot be
        // suspended), inside the layout, then the lawful one.
        act("judge", vec![("finding_0", "guilty"), ("punishment_0", "fixed_term"), ("term_0", "60"), ("probation_0", "60")]).await.ok();
        let refused = c.find(Locator::Css("main")).await?.text().await?;
        assert!(
            refused.contains("判决内容不符合刑法规定") && refused.contains("依据：《刑法》第七十二条"),
            "the refusal in words, with its article: {refused}"
        );
        assert!(c.find(Locator::Id("error-detail")).await?.attr("open").await?.is_none(), "the machine's own words stay folded");
        open_case(path.clone()).await?;
        c.execute("document.querySelector('form[data-command=judge]').scrollIntoView()", vec![]).await?;
        b.screenshots("case-judgment-form").await?;
        b.fits_a_phone("the judgment form").await?;
        act(
            "judge",
            vec![("finding_0", "guilty"), ("punishment_0", "fixed_term"), ("term_0", "36"), ("probation_0", "48"), ("fine_0", "20000"), ("rights_0", "24")],
        )
        .await?;
        let verdict = c.find(Locator::Css(".verdict")).await?.text().await?;
        assert!(verdict.contains("有期徒刑3年，缓刑4年，罚金20000元，剥夺政治权利2年"), "{verdict}");
        assert!(c.find_all(Locator::Css("form[data-command=finalize]")).await?.is_empty(), "not in force during the appeal window");

        // Two weeks on (the session has long expired): the window has passed.
        clock.set(crate::common::beijing("2026-12-14 09:00"));
        b.sign_in("court.990101").await?;
        open_case(path.clone()).await?;
        act("finalize", vec![]).await?;
        let clocks = c.find(Locator::Id("clocks")).await?.text().await?;
        assert!(clocks.contains("交付执行"), "ten days to deliver it for execution: {clocks}");
        assert!(clocks.contains("《刑事诉讼法》第二百六十四条第一款") && !clocks.contains("CPL"), "the legal basis in Chinese: {clocks}");
        let targets = c.find(Locator::Css("form[data-command=hand_over_for_execution] select[name=to]")).await?.text().await?;
        assert!(targets.contains("司法局") && !targets.contains("公安局"), "a suspended sentence goes to community corrections: {targets}");
        act("hand_over_for_execution", vec![]).await?;

        switch_to("justice.990101").await?;
        open_case(path.clone()).await?;
        act("receive", vec![]).await?;
        let clocks = c.find(Locator::Id("clocks")).await?.text().await?;
        assert!(clocks.contains("社区矫正对象报到"), "{clocks}");
        act("accept_execution", vec![]).await?;
        assert_eq!(c.find(Locator::Id("stage")).await?.text().await?, "已交付执行");
        b.screenshots("case-executed").await?;
        b.fits_a_phone("an executed case").await?;
        // The same case in English: the judgment, the charge and the basis in English words.
        c.find(Locator::Id("lang-switch")).await?.click().await?;
        c.wait().for_element(Locator::Css("html[lang='en']")).await?;
        let verdict = c.find(Locator::Css(".verdict")).await?.text().await?;
        assert!(
            verdict.contains("Fixed-term imprisonment 3 years, suspended for 4 years, fine of CNY 20000, deprived of political rights for 2 years"),
            "{verdict}"
        );
        assert_eq!(c.find(Locator::Id("charge")).await?.text().await?, "诈骗罪 (Criminal Law Art. 266)");
        let timeline = c.find(Locator::Id("timeline")).await?.text().await?;
        assert!(timeline.contains("王某: Fixed-term imprisonment"), "the judgment in the timeline: {timeline}");
        // (The court's number is written （2026）… in English too: it is the number.)
        let words = timeline.replace("（2026）", "");
        assert!(!words.contains('：') && !words.contains('（'), "English punctuation around the details: {timeline}");
        b.screenshots("case-executed-en").await?;
        b.fits_a_phone("an executed case in English").await?;
        Ok::<_, fantoccini::error::CmdError>(())
    }
    .await;
    browsing.finish().await;
    result.expect("browser session");
}

/// Identifiers and English prose in a Chinese page's text: snake_case or dotted codes, and runs of
/// three or more English words.
fn untranslated(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let is_id = |w: &str| {
        // A web address cited as a source (gov.cn) is no identifier.
        if [".cn", ".com", ".org"].iter().any(|tld| w.ends_with(tld)) {
            return false;
        }
        let parts: Vec<&str> = w.split(['_', '.']).collect();
        parts.len() > 1
            && parts.iter().all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()))
            && parts[0].chars().all(|c| c.is_ascii_lowercase())
    };
    let mut run: Vec<&str> = Vec::new();
    let flush = |run: &mut Vec<&str>, found: &mut Vec<String>| {
        if run.len() >= 3 {
            found.push(run.join(" "));
        }
        run.clear();
    };
    for line in text.lines() {
        for token in line.split(|c: char| c.is_whitespace()) {
            let word = token.trim_matches(|c: char| ",;:()'\"!?".contains(c));
            if word.is_empty() {
                continue;
            }
            if is_id(word) {
                found.push(word.to_string());
            }
            if word.len() >= 2 && word.chars().all(|c| c.is_ascii_alphabetic() || c == '-' || c == '\'') && word.chars().any(|c| c.is_ascii_lowercase()) {
                run.push(word);
            } else {
                flush(&mut run, &mut found);
            }
        }
        flush(&mut run, &mut found);
    }
    found
}

#[test]
fn untranslated_words_are_found() {
    assert_eq!(untranslated("提请批准逮捕 criminal.arrest_request 侦查"), vec!["criminal.arrest_request"]);
    assert_eq!(untranslated("当前状态 the case was never held 导出 Excel"), vec!["the case was never held"]);
    assert!(untranslated("导出 Excel　API 令牌 Open311 2026-10-12 xiezhi-demo").is_empty());
}
