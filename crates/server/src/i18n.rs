//! The interface in Chinese (default) and English. Texts are a struct, so a missing
//! translation is a compile error rather than a blank on the page.

mod basis;
mod disputes;
mod fields;
mod judgments;
mod refusals;
mod tickets;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum_extra::extract::cookie::CookieJar;
use std::convert::Infallible;
use xiezhi_core::{RegionLevel, Role, UnitKind};

pub const LANG_COOKIE: &str = "lang";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "zh" | "zh-CN" => Some(Lang::Zh),
            "en" => Some(Lang::En),
            _ => None,
        }
    }
    pub fn texts(self) -> &'static Texts {
        match self {
            Lang::Zh => &ZH,
            Lang::En => &EN,
        }
    }
    pub fn other(self) -> Lang {
        match self {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        }
    }
    /// The banner shown while next year's calendar is missing.
    pub fn calendar_missing(self, year: i32) -> String {
        match self {
            Lang::Zh => format!("尚未载入{year}年节假日安排：{year}年的期限暂按仅周末休息计算（标注“暂定”），国务院发布通知后请载入，载入后自动重算。"),
            Lang::En => format!(
                "The {year} holiday calendar is not loaded: deadlines in {year} are counted with weekends as the only rest days (marked provisional). Load it once the State Council publishes it; they are recomputed then."
            ),
        }
    }

    /// After a year is loaded.
    pub fn calendar_loaded(self, year: i32, recomputed: usize) -> String {
        match self {
            Lang::Zh => format!("已载入{year}年节假日安排，{recomputed}件案件的期限已重算。"),
            Lang::En => format!("The {year} holiday calendar is loaded; {recomputed} cases had their deadlines recomputed."),
        }
    }

    /// Where a calendar year came from.
    pub fn calendar_origin(self, origin: &str) -> &'static str {
        match origin {
            "database" => self.pick("平台载入", "Loaded in the platform"),
            "file" => self.pick("数据目录文件", "File in the data folder"),
            _ => self.pick("随程序发布", "Shipped with xiezhi"),
        }
    }

    /// A calendar that cannot be loaded, said in this language.
    pub fn calendar_error(self, e: &xiezhi_core::CalendarError) -> String {
        use xiezhi_core::calendar::CalendarProblem as P;
        use xiezhi_core::CalendarError as E;
        if self == Lang::En {
            return e.to_string();
        }
        match e {
            E::YearNotLoaded { year, .. } => format!("尚未载入{year}年节假日安排"),
            E::Invalid { date, problem, .. } => {
                let what = match problem {
                    P::NotJson(m) => format!("不是有效的日历 JSON（{m}）"),
                    P::YearOutOfRange => "年份须在1949至2200之间".into(),
                    P::WrongYear { expected, found } => format!("文件为{found}年，而非{expected}年"),
                    P::SourceMissing => "缺少来源（所依据的通知）".into(),
                    P::NameMissing => "有节日未填写名称".into(),
                    P::NotADate => "不是有效日期（YYYY-MM-DD）".into(),
                    P::OutsideYear => "不在该日历年份内".into(),
                    P::RangeReversed => "日期范围的结束早于开始".into(),
                    P::DayOffTwice => "同一天在放假日期中出现两次".into(),
                    P::MakeUpNotWeekend => "调休上班日须为周六或周日".into(),
                    P::BothOffAndWorking => "同一天既是放假日又是调休上班日".into(),
                };
                match date {
                    Some(d) => format!("日历有误：{d}：{what}"),
                    None => format!("日历有误：{what}"),
                }
            }
        }
    }

    pub fn kind(self, k: UnitKind) -> &'static str {
        use UnitKind::*;
        let (zh, en) = match k {
            Committee => ("政法委", "Political-legal committee"),
            Police => ("公安机关", "Police"),
            Procuratorate => ("人民检察院", "Procuratorate"),
            CourtBasic => ("基层人民法院", "Basic court"),
            CourtIntermediate => ("中级人民法院", "Intermediate court"),
            CourtHigh => ("高级人民法院", "High court"),
            JusticeBureau => ("司法行政机关", "Justice bureau"),
            MediationCommittee => ("人民调解委员会", "Mediation committee"),
            GovernanceCentre => ("综治中心", "Governance centre"),
            TradeUnion => ("工会", "Trade union"),
            WomensFederation => ("妇联", "Women's federation"),
            YouthLeague => ("共青团", "Youth league"),
            FederationOfIndustryAndCommerce => ("工商联", "Federation of industry and commerce"),
            Hotline12345 => ("12345热线", "12345 hotline"),
            Hotline12309 => ("12309检察服务", "12309 hotline"),
            Hotline12348 => ("12348法律服务", "12348 hotline"),
        };
        self.pick(zh, en)
    }
    pub fn role(self, r: Role) -> &'static str {
        use Role::*;
        let (zh, en) = match r {
            Admin => ("管理员", "Administrator"),
            Supervisor => ("督导", "Supervisor"),
            PoliceOfficer => ("民警", "Police officer"),
            Prosecutor => ("检察官", "Prosecutor"),
            Judge => ("法官", "Judge"),
            Clerk => ("书记员", "Clerk"),
            JusticeOfficer => ("司法行政人员", "Justice officer"),
            Mediator => ("调解员", "Mediator"),
            HotlineOperator => ("话务员", "Hotline operator"),
            Auditor => ("审计员", "Auditor"),
        };
        self.pick(zh, en)
    }
    pub fn level(self, l: RegionLevel) -> &'static str {
        match l {
            RegionLevel::Province => self.pick("省级", "Province"),
            RegionLevel::City => self.pick("市级", "City"),
            RegionLevel::County => self.pick("县级", "County"),
        }
    }
    pub fn stage(self, s: &str) -> &'static str {
        let (zh, en) = match s {
            "investigation" => ("侦查", "Investigation"),
            "prosecution_review" => ("审查起诉", "Prosecution review"),
            "supplementary_investigation" => ("补充侦查", "Supplementary investigation"),
            "trial" => ("一审", "Trial"),
            "appeal_window" => ("上诉期", "Appeal window"),
            "second_instance" => ("二审", "Second instance"),
            "final" => ("已生效待交付执行", "In force, awaiting execution"),
            "executed" => ("已交付执行", "Handed over for execution"),
            "declined" => ("不起诉", "Not prosecuted"),
            "withdrawn" => ("撤销案件", "Withdrawn"),
            _ => ("未知", "Unknown"),
        };
        self.pick(zh, en)
    }
    pub fn command(self, c: &str) -> &'static str {
        let (zh, en) = match c {
            "request_arrest_approval" => ("提请批准逮捕", "Request arrest approval"),
            "transfer_for_prosecution" => ("移送审查起诉", "Transfer for prosecution"),
            "indict" => ("提起公诉", "Indict"),
            "appeal" => ("移送上诉、抗诉", "Forward the appeal or protest"),
            "protest" => ("抗诉", "Protest"),
            "withdraw_protest" => ("撤回抗诉", "Withdraw the protest"),
            "hand_over_for_execution" => ("交付执行", "Hand over for execution"),
            "receive" => ("签收", "Sign for it"),
            "return_handover" => ("退回", "Return it"),
            "approve_arrest" => ("批准逮捕", "Approve arrest"),
            "refuse_arrest" => ("不批准逮捕", "Refuse arrest"),
            "accept_for_review" => ("受理审查起诉", "Take into review"),
            "return_for_supplementary_investigation" => ("退回补充侦查", "Return for supplementary investigation"),
            "decline_prosecution" => ("不起诉", "Decline to prosecute"),
            "accept_for_trial" => ("立案受理", "Accept for trial"),
            "convert_procedure" => ("程序转换", "Convert procedure"),
            "judge" => ("宣判", "Judge"),
            "finalize" => ("判决生效", "Judgment in force"),
            "accept_appeal" => ("受理上诉", "Accept the appeal"),
            "accept_execution" => ("接收执行", "Take in for execution"),
            "extend" => ("延长期限", "Extend the deadline"),
            "withdraw" => ("撤销案件", "Withdraw the case"),
            "collaborate" => ("协作留言", "Send a collaboration message"),
            _ => ("未知", "Unknown"),
        };
        self.pick(zh, en)
    }
    pub fn custody(self, c: &str) -> &'static str {
        let (zh, en) = match c {
            "detained" => ("刑事拘留", "Detained"),
            "arrested" => ("逮捕", "Arrested"),
            "bail" => ("取保候审", "Bail"),
            "residential_surveillance" => ("监视居住", "Residential surveillance"),
            "serving" => ("服刑", "Serving the sentence"),
            "community_corrections" => ("社区矫正", "Community corrections"),
            _ => ("未羁押", "Released"),
        };
        self.pick(zh, en)
    }
    pub fn procedure(self, p: &str) -> &'static str {
        match p {
            "fast_track" => self.pick("速裁程序", "Fast-track"),
            "summary" => self.pick("简易程序", "Summary"),
            _ => self.pick("普通程序", "Ordinary"),
        }
    }
    /// A case event's kind (`case.handover_sent`) as people say it.
    pub fn event(self, kind: &str) -> &'static str {
        let (zh, en) = match kind.strip_prefix("case.").unwrap_or(kind) {
            "registered" => ("立案", "Registered"),
            "custody_changed" => ("变更强制措施", "Custody changed"),
            "clock_started" => ("期限起算", "Clock started"),
            "clock_extended" => ("延长期限", "Clock extended"),
            "clock_stopped" => ("期限停止", "Clock stopped"),
            "handover_sent" => ("移送", "Handed over"),
            "handover_received" => ("签收", "Signed for"),
            "handover_returned" => ("退回", "Returned"),
            "handover_accepted" => ("受理", "Accepted"),
            "arrest_refused" => ("不批准逮捕", "Arrest refused"),
            "stage_changed" => ("进入新阶段", "Stage changed"),
            "returned_for_supplementary_investigation" => ("退回补充侦查", "Returned for supplementary investigation"),
            "procedure_chosen" => ("确定审理程序", "Procedure chosen"),
            "closed" => ("结案", "Closed"),
            "collaborated" => ("侦检协作", "Collaboration"),
            "document_added" => ("添加卷宗材料", "Document added"),
            "number_assigned" => ("编立案号", "Number assigned"),
            "judged" => ("宣判", "Judgment pronounced"),
            "took_effect" => ("判决生效", "Judgment in force"),
            "protested" => ("抗诉", "Protested"),
            "protest_withdrawn" => ("撤回抗诉", "Protest withdrawn"),
            "due_recomputed" => ("按节假日安排重算期限", "Due date recomputed"),
            _ => return "—",
        };
        self.pick(zh, en)
    }

    /// Any audit-log event's kind, as people say it: `案件：移送`, `新建账号`.
    pub fn audit_kind(self, kind: &str) -> String {
        let (family, rest) = kind.split_once('.').unwrap_or(("", kind));
        let item = |zh: &'static str, en: &'static str, words: &str| format!("{}{words}", self.pick(zh, en));
        match family {
            "case" if rest == "transition" => self.pick("案件：流转", "Case: transition").to_string(),
            "case" => item("案件：", "Case: ", self.event(kind)),
            "dispute" => item("矛盾纠纷：", "Dispute: ", self.dispute_word(rest)),
            "ticket" => item("热线工单：", "Work order: ", self.ticket_word(if rest == "answered_on_call" { "answered_on_call_event" } else { rest })),
            _ => {
                let (zh, en) = match kind {
                    "region.created" => ("新建地区", "Region created"),
                    "unit.created" => ("新建单位", "Unit created"),
                    "unit.changed" => ("变更单位", "Unit changed"),
                    "user.created" => ("新建账号", "Account created"),
                    "user.changed" => ("变更账号", "Account changed"),
                    "user.password_set" => ("设置密码", "Password set"),
                    "user.admin_requested" => ("申请管理员角色", "Admin role requested"),
                    "user.admin_granted" => ("批准管理员角色", "Admin role granted"),
                    "user.admin_refused" => ("驳回管理员角色", "Admin role refused"),
                    "token.created" => ("创建接口令牌", "API token created"),
                    "token.revoked" => ("吊销接口令牌", "API token revoked"),
                    "calendar.loaded" => ("载入节假日安排", "Holiday calendar loaded"),
                    "calendar.replaced" => ("替换节假日安排", "Holiday calendar replaced"),
                    "knowledge.added" => ("新增知识库条目", "Knowledge item added"),
                    "knowledge.retired" => ("停用知识库条目", "Knowledge item retired"),
                    "knowledge.supervised" => ("知识库督办", "Knowledge base supervised"),
                    "limits.set" => ("设定地方时限", "Local limit set"),
                    "limits.cleared" => ("恢复全国目录时限", "Local limit cleared"),
                    "risk_scale.set" => ("设定本省风险等级", "Province's risk scale set"),
                    "risk_scale.cleared" => ("恢复四色风险等级", "Risk scale back to four colours"),
                    "mediator.added" => ("新增调解员", "Mediator added"),
                    "mediator.disabled" => ("停用调解员", "Mediator disabled"),
                    "webhook.created" => ("订阅通知", "Webhook subscribed"),
                    "webhook.disabled" => ("停止订阅通知", "Webhook disabled"),
                    _ => return kind.to_string(),
                };
                self.pick(zh, en).to_string()
            }
        }
    }

    /// A security-record entry's kind.
    pub fn security(self, kind: &str) -> &'static str {
        let (zh, en) = match kind {
            "sign_in" => ("登录", "Signed in"),
            "sign_in_failed" => ("登录失败", "Sign-in failed"),
            "sign_in_throttled" => ("登录过于频繁", "Sign-in throttled"),
            "access_denied" => ("越权访问被拒绝", "Access denied"),
            "account_changed_from_outside" => ("本单位以外人员变更账号", "Account changed from outside the unit"),
            _ => return "—",
        };
        self.pick(zh, en)
    }

    /// Custody, as the options of a form say it.
    pub fn custody_option(self, c: &str) -> &'static str {
        match c {
            "released" => self.pick("释放 / 未羁押", "Released / not held"),
            other => self.custody(other),
        }
    }

    /// A collaboration's kind.
    pub fn collaboration(self, k: &str) -> &'static str {
        match k {
            "early_intervention" => self.pick("提前介入", "Early intervention"),
            "clue_transfer" => self.pick("线索移交", "Clue transfer"),
            _ => self.pick("案件会商", "Consultation"),
        }
    }

    /// A dossier document's category.
    pub fn category(self, c: &str) -> &'static str {
        match c {
            "procedural_document" => self.pick("诉讼文书", "Procedural document"),
            "evidence" => self.pick("证据材料", "Evidence"),
            "legal_instrument" => self.pick("法律文书", "Legal instrument"),
            _ => self.pick("其他", "Other"),
        }
    }

    /// What one command did, from the kinds of the events it recorded: what people would call
    /// it (批准逮捕, not 受理 and 变更强制措施), the bookkeeping (clocks, stage, numbers) left out.
    pub fn done(self, kinds: &[String]) -> String {
        let has = |k: &str| kinds.iter().any(|x| x.strip_prefix("case.").unwrap_or(x) == k);
        if has("handover_accepted") && has("custody_changed") && has("clock_started") && !has("closed") && !has("judged") {
            return self.command("approve_arrest").into();
        }
        const BOOKKEEPING: [&str; 5] = ["clock_started", "clock_stopped", "stage_changed", "number_assigned", "due_recomputed"];
        let words: Vec<&str> = kinds.iter().filter(|k| !BOOKKEEPING.contains(&k.strip_prefix("case.").unwrap_or(k))).map(|k| self.event(k)).collect();
        let words = if words.is_empty() { kinds.iter().map(|k| self.event(k)).collect() } else { words };
        let mut unique: Vec<&str> = vec![];
        for w in words {
            if !unique.contains(&w) {
                unique.push(w);
            }
        }
        unique.join(self.pick("、", ", "))
    }

    /// What a notice on the workbench is.
    pub fn notice(self, kind: xiezhi_core::case::NoticeKind) -> &'static str {
        use xiezhi_core::case::NoticeKind::*;
        match kind {
            Returned => self.pick("退回", "Returned"),
            ArrestRefused => self.pick("不批准逮捕（立即释放）", "Arrest refused (release now)"),
            SupplementaryInvestigation => self.pick("退回补充侦查", "Returned for supplementary investigation"),
            Message => self.pick("协作留言", "Collaboration message"),
            Protested => self.pick("抗诉（移送上级法院）", "Protest (forward to the court above)"),
            ProtestWithdrawn => self.pick("撤回抗诉（上诉期满后判决生效）", "Protest withdrawn (in force when the window closes)"),
        }
    }

    /// What a hand-over is for.
    pub fn handover(self, kind: xiezhi_core::case::HandoverKind) -> &'static str {
        use xiezhi_core::case::HandoverKind::*;
        let (zh, en) = match kind {
            ArrestRequest => ("提请批准逮捕", "Arrest approval request"),
            Prosecution => ("移送审查起诉", "Transfer for prosecution"),
            Indictment => ("提起公诉", "Indictment"),
            Appeal => ("上诉", "Appeal"),
            Execution => ("交付执行", "Hand-over for execution"),
        };
        self.pick(zh, en)
    }

    /// A statutory period's name (`criminal.arrest_request` → 提请批准逮捕 period's title).
    pub fn rule(self, id: &str) -> String {
        match xiezhi_core::RULES.iter().find(|r| r.id == id) {
            Some(r) => self.pick(r.title_zh, r.title_en).to_string(),
            None => id.to_string(),
        }
    }

    /// Criminal Law articles as the charge catalogue writes them (`第114条、第115条第1款`,
    /// `第120条之一`), in English `Art. 114, Art. 115(1)`, `Art. 120-1`; in Chinese unchanged. Text
    /// that is not an article (the name of a decision) stays as it is.
    pub fn articles(self, text: &str) -> String {
        // A decision's name (《…决定》第1条) is left as it stands: its 、 is not a list.
        if self == Lang::Zh || text.contains('《') {
            return text.to_string();
        }
        let one = |part: &str| -> Option<String> {
            let rest = part.strip_prefix('第')?;
            // A further paragraph of the article before it: `第133条第1款、第2款`.
            if let Some(m) = rest.strip_suffix('款').and_then(|m| m.parse::<u32>().ok()) {
                return Some(format!("({m})"));
            }
            let (n, rest) = rest.split_once('条')?;
            let n: u32 = n.parse().ok()?;
            let mut out = format!("Art. {n}");
            let mut rest = rest;
            if let Some(after) = rest.strip_prefix('之') {
                let (k, tail) = after.char_indices().nth(1).map_or((after, ""), |(i, _)| after.split_at(i));
                let k = ["一", "二", "三", "四", "五", "六", "七", "八", "九"].iter().position(|d| *d == k)? + 1;
                out.push_str(&format!("-{k}"));
                rest = tail;
            }
            if let Some(after) = rest.strip_prefix('第') {
                let (m, tail) = after.split_once('款')?;
                out.push_str(&format!("({})", m.parse::<u32>().ok()?));
                rest = tail;
            }
            rest.is_empty().then_some(out)
        };
        text.split('、').map(|part| one(part).unwrap_or_else(|| part.to_string())).collect::<Vec<_>>().join(", ")
    }

    /// `label：text` in Chinese, `label: text` in English.
    pub fn labelled(self, label: &str, text: &str) -> String {
        format!("{label}{}{text}", self.pick("：", ": "))
    }

    /// `text（aside）` in Chinese, `text (aside)` in English.
    pub fn aside(self, text: &str, aside: &str) -> String {
        match self {
            Lang::Zh => format!("{text}（{aside}）"),
            Lang::En => format!("{text} ({aside})"),
        }
    }

    pub fn pick(self, zh: &'static str, en: &'static str) -> &'static str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }
}

/// The language from the `lang` cookie; Chinese when there is none.
impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        Ok(CookieJar::from_headers(&parts.headers).get(LANG_COOKIE).and_then(|c| Lang::parse(c.value())).unwrap_or_default())
    }
}

macro_rules! texts {
    ($($key:ident: $zh:literal, $en:literal;)+) => {
        pub struct Texts { $(pub $key: &'static str,)+ }
        pub static ZH: Texts = Texts { $($key: $zh,)+ };
        pub static EN: Texts = Texts { $($key: $en,)+ };
    };
}

texts! {
    app_name: "獬豸 · 政法协同平台", "Xiezhi · Justice Collaboration";
    other_lang: "English", "中文";
    sign_in: "登录", "Sign in";
    sign_out: "退出", "Sign out";
    username: "用户名", "Username";
    password: "密码", "Password";
    wrong_credentials: "用户名或密码不正确。", "The username or password is wrong.";
    demo_title: "演示模式", "Demo mode";
    demo_hint: "示范省为虚构数据。所有演示账号的密码均为：", "The demo province is fictional. Every demo account's password is:";
    demo_accounts: "演示账号示例", "Sample demo accounts";
    nav_home: "首页", "Home";
    nav_directory: "单位目录", "Directory";
    nav_my_unit: "本单位", "My unit";
    nav_deadlines: "期限计算", "Deadlines";
    nav_security: "安全日志", "Security log";
    nav_tokens: "接口令牌", "API tokens";
    welcome: "欢迎", "Welcome";
    name_separator: "，", ", ";
    your_unit: "所在单位", "Your unit";
    your_roles: "角色", "Roles";
    region: "地区", "Region";
    kind: "类别", "Kind";
    name: "名称", "Name";
    name_en: "英文名称", "English name";
    status: "状态", "Status";
    active: "正常", "Active";
    disabled: "已停用", "Disabled";
    members: "人员", "Members";
    display_name: "姓名", "Name";
    roles: "角色", "Roles";
    actions: "操作", "Actions";
    units: "单位", "Units";
    subregions: "下级地区", "Subregions";
    no_units: "本地区暂无单位。", "No units in this region.";
    create_unit: "新建单位", "New unit";
    create: "创建", "Create";
    rename: "更名", "Rename";
    save: "保存", "Save";
    disable: "停用", "Disable";
    enable: "启用", "Enable";
    add_user: "新增人员", "Add a person";
    role: "角色", "Role";
    reset_password: "重置密码", "Reset password";
    new_password: "新密码（至少10位）", "New password (10+ characters)";
    import_units: "批量导入单位（CSV）", "Import units (CSV)";
    import_help: "每行：地区代码,地区名称,类别,名称,英文名称。地区不存在时按地区名称新建。", "One row each: region code, region name, kind, name, English name. A missing region is created with the given name.";
    import: "导入", "Import";
    dry_run: "仅检查，不写入", "Check only, write nothing";
    import_result: "导入结果", "Import result";
    created_rows: "已创建", "Created";
    rejected_rows: "被拒绝的行", "Rejected rows";
    line: "行", "Line";
    reason: "原因", "Reason";
    tokens_intro: "接口令牌用于各单位自有系统调用 JSON API（Authorization: Bearer …）。令牌只显示一次。", "API tokens let your unit's own systems call the JSON API (Authorization: Bearer …). A token is shown once.";
    token_name: "令牌用途", "Token name";
    new_token: "新建令牌", "New token";
    token_created: "新令牌（请立即复制，之后不再显示）：", "New token (copy it now; it will not be shown again):";
    revoke: "吊销", "Revoke";
    revoked: "已吊销", "Revoked";
    created_at: "创建时间", "Created";
    last_used: "最近使用", "Last used";
    never: "从未", "Never";
    deadline_intro: "按《刑事诉讼法》《民事诉讼法》等规定及国务院节假日安排计算法定期限。", "Statutory periods under the procedure laws and the State Council holiday calendar.";
    rule: "期限规则", "Rule";
    start: "起算日", "Start";
    in_custody: "在押", "In custody";
    extended: "延长", "Extended";
    compute: "计算", "Compute";
    due: "届满日", "Due";
    rolled_from: "顺延前", "Before rolling";
    basis: "依据", "Basis";
    time: "时间", "Time";
    event: "事件", "Event";
    client: "来源", "Client";
    detail: "详情", "Detail";
    error: "出错了", "Something went wrong";
    error_forbidden: "无权办理此事项", "You are not allowed to do this";
    error_not_found: "未找到", "Not found";
    error_conflict: "当前状态不允许此操作", "Not allowed in the current state";
    error_too_large: "文件过大：卷宗材料每件不超过 8 MiB", "Too large: a dossier document is at most 8 MiB";
    error_invalid: "填写有误，请检查后重试", "Something entered is not right; check it and try again";
    error_throttled: "尝试次数过多，请稍后再试", "Too many attempts; try again later";
    error_unreadable: "无法读取所提交的内容", "What was sent could not be read";
    error_field: "有误的项", "Field";
    go_back: "返回上一页", "Go back";
    back_home: "返回首页", "Back to home";
    breadcrumb_top: "全部", "All";
    nav_audit: "审计日志", "Audit log";
    audit_intro: "每一项变更都是默克尔树（RFC 6962）的一个叶子，平台定期签署检查点，各单位可作为见证方核验历史未被改写。", "Every change is a leaf of a Merkle tree (RFC 6962); the platform signs checkpoints, and any unit can witness that history was never rewritten.";
    tree_size: "叶子数", "Tree size";
    verifier_key: "验证公钥", "Verifier key";
    check_event: "核验一项事件", "Check one event";
    event_index: "事件序号", "Event index";
    check: "核验", "Check";
    actor: "操作人", "Actor";
    included_in: "已纳入签名检查点", "included in signed checkpoint";
    not_included: "尚未纳入签名检查点，或内容已被改动", "not in a signed checkpoint yet, or altered";
    checkpoints: "签名检查点", "Signed checkpoints";
    root: "根哈希", "Root hash";
    signed_at: "签署时间", "Signed";
    witnesses: "见证方", "Witnesses";
    none_yet: "尚无检查点。", "No checkpoint yet.";
    history: "变更记录", "History";
    nav_cases: "案件", "Cases";
    nav_inbox: "待签收", "Inbox";
    nav_supervision: "督导", "Supervision";
    case_no: "案号", "Case number";
    case_title: "案件名称", "Title";
    stage: "阶段", "Stage";
    holder: "承办单位", "Held by";
    due_date: "最近期限", "Next deadline";
    overdue: "已超期", "Overdue";
    approaching: "临近期限", "Approaching";
    register_case: "刑事立案", "Register a criminal case";
    person_name: "犯罪嫌疑人姓名", "Suspect's name";
    custody: "强制措施", "Custody";
    persons: "当事人", "Persons";
    clocks: "期限", "Clocks";
    for_unit: "责任单位", "For";
    handover: "流转", "Hand-over";
    timeline: "全程留痕", "Timeline";
    available_actions: "可办理事项", "What you can do now";
    no_actions: "本单位当前无可办理事项。", "Nothing for your unit to do now.";
    target_unit: "接收单位", "Receiving unit";
    plea: "认罪认罚", "Guilty plea";
    procedure: "审理程序", "Procedure";
    approver: "批准人", "Approver";
    major: "重大复杂（二个月）", "Major case (two months)";
    all_stages: "全部阶段", "All stages";
    within_days: "天内到期", "days to deadline";
    filter: "筛选", "Filter";
    no_cases: "没有符合条件的案件。", "No cases match.";
    region_counts: "各地区案件", "Cases by region";
    total: "合计", "Total";
    returns: "退回补充侦查次数", "Returns for supplementary investigation";
    collaboration: "侦检协作", "Police–procuratorate collaboration";
    dossier: "电子卷宗", "Dossier";
    no_documents: "卷宗中暂无材料。", "No documents in the dossier yet.";
    size: "大小", "Size";
    file: "文件", "File";
    upload: "上传", "Upload";
    provisional: "暂定", "Provisional";
    provisional_hint: "该年节假日安排尚未载入，暂按仅周末休息计算，载入后自动重算。", "That year's holiday calendar is not loaded yet: counted with weekends as the only rest days, recomputed once it is loaded.";
    nav_calendars: "节假日安排", "Holiday calendars";
    load_calendar: "载入节假日安排", "Load a holiday calendar";
    calendars_intro: "法定期限按国务院办公厅每年发布的节假日安排计算。羁押期限届满日不因节假日顺延，不依赖日历；其他期限遇未载入的年份暂按仅周末休息计算并标注“暂定”，载入该年后自动重算。", "Statutory periods count with the State Council's yearly holiday arrangement. Custody periods never move for holidays and need no calendar; other periods that reach a year not loaded are counted with weekends as the only rest days and marked provisional, and are recomputed once the year is loaded.";
    year: "年份", "Year";
    source: "来源", "Source";
    origin: "载入方式", "Loaded from";
    loaded_by: "载入人", "Loaded by";
    loaded_at: "载入时间", "Loaded at";
    calendar_json: "日历文件（JSON，格式同 calendars/2026.json）", "Calendar file (JSON, as calendars/2026.json)";
    add_first_admin: "设立本单位首位管理员", "Appoint the unit's first administrator";
    first_admin_hint: "本单位尚无管理员。政法委只设立首位管理员，其余人员由本单位管理员自行管理；此操作将记入本单位安全日志。", "This unit has no administrator. The committee appoints only the first one; the unit's own administrators manage everyone else. This is written into the unit's security log.";
    admin_grants: "待批准的管理员权限", "Admin role waiting for approval";
    admin_grants_hint: "授予管理员权限须由另一名管理员（本单位管理员或上级政法委管理员）批准，申请人本人不能批准。", "The admin role is granted by a second administrator (of the unit, or of the committee above it); the one who asked cannot approve it.";
    requested_by: "申请人", "Requested by";
    approve: "批准", "Approve";
    refuse: "不批准", "Refuse";
    waiting_second_admin: "等待另一名管理员批准", "Waiting for a second administrator";
    only_province_admin: "仅省级政法委管理员可载入节假日安排。", "Only administrators of the provincial political-legal committee load holiday calendars.";
    previous_page: "上一页", "Previous";
    purpose: "事项", "Purpose";
    sent_by: "移送单位", "From";
    sent_on: "移送日期", "Sent";
    your_due: "本单位期限", "Your deadline";
    latest_reason: "最近一次退回或不予批准的理由", "The latest reason given for a return or refusal";
    workbench: "工作台", "Workbench";
    see_all: "查看全部", "See all";
    signed_for: "已签收", "signed for";
    search: "搜索", "Search";
    id_number: "身份证号", "ID card number";
    search_hint: "案号、各机关案号、当事人姓名或身份证号", "Case number, any agency's number, a person's name or ID number";
    sort: "排序", "Sort";
    sort_due: "期限最近", "Earliest deadline";
    sort_updated: "最近更新", "Recently changed";
    sort_case_no: "案号", "Case number";
    export_csv: "导出 CSV", "Export CSV";
    starts_on_receipt: "签收后起算", "Counts from when you sign for it";
    next_page: "下一页", "Next";
    page_n: "第 {} 页", "Page {}";
}

#[cfg(test)]
mod tests {
    use super::Lang;

    #[test]
    fn articles_read_in_english_as_articles_and_paragraphs() {
        let en = |t: &str| Lang::En.articles(t);
        assert_eq!(en("第266条"), "Art. 266");
        assert_eq!(en("第114条、第115条第1款"), "Art. 114, Art. 115(1)");
        assert_eq!(en("第120条之一"), "Art. 120-1");
        assert_eq!(en("第133条之一第1款、第2款"), "Art. 133-1(1), (2)");
        let decision = "《全国人民代表大会常务委员会关于惩治骗购外汇、逃汇和非法买卖外汇犯罪的决定》第1条";
        assert_eq!(en(decision), decision);
        assert_eq!(Lang::Zh.articles("第120条之一"), "第120条之一");
        // Every article in the catalogue reads in English, save a decision's name and one entry
        // the source list writes irregularly (第371条第2条 for the second paragraph).
        let left: Vec<&str> = xiezhi_core::charges::all().iter().map(|c| c.articles).filter(|a| en(a).contains('第')).collect();
        assert_eq!(left, vec!["第371条第2条", decision]);
    }
}
