//! The interface in Chinese (default) and English. Texts are a struct, so a missing
//! translation is a compile error rather than a blank on the page.

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
            "appeal" => ("移送上诉", "Forward the appeal"),
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
            "accept_execution" => ("接收社区矫正", "Take into community corrections"),
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
    case_title: "案由", "Title";
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
}
