//! The words of dispute resolution in Chinese and English: stages, channels, categories, risk,
//! outcomes, referrals, commands, parties, events.

use super::Lang;

impl Lang {
    /// A dispute code word (a stage, channel, category, risk level, outcome, command, event…) in
    /// this language; an unknown one is shown as it is.
    pub fn dispute_word(self, code: &str) -> &str {
        let code = code.strip_prefix("dispute.").unwrap_or(code);
        let (zh, en) = match code {
            // Stages.
            "registered" => ("已登记", "Registered"),
            "mediating" => ("调解中", "Mediating"),
            "agreed" => ("已达成协议", "Agreed"),
            "performing" => ("协议履行中", "Performing"),
            "confirming" => ("司法确认中", "Judicial confirmation"),
            "litigating" => ("诉讼中", "In court"),
            "closed" => ("已结案（案结事了）", "Closed"),
            "withdrawn" => ("已撤回", "Withdrawn"),
            // Outcomes.
            "confirmed" => ("协议经司法确认", "Agreement confirmed"),
            "failed" => ("调解不成", "Mediation failed"),
            "litigated" => ("经诉讼解决", "Resolved in court"),
            // Channels.
            "governance_centre" => ("综治中心窗口", "Governance centre window"),
            "police110" => ("110警情", "110 police call"),
            "court_filing" => ("法院立案分流（诉前）", "Court filing, diverted before acceptance"),
            "village_point" => ("村（社区）调解点", "Village mediation point"),
            "grid_patrol" => ("网格员排查", "Grid screening"),
            "partner_platform" => ("总对总合作平台", "Partner platform"),
            "petition" => ("信访", "Petition"),
            "hotline" => ("热线工单", "Hotline ticket"),
            "online" => ("当事人线上申请", "Online self-referral"),
            // Categories.
            "marriage_family" => ("婚姻家庭", "Marriage and family"),
            "neighbour" => ("邻里", "Neighbours"),
            "house_site" => ("房屋宅基地", "Houses and house sites"),
            "land_forest" => ("山林土地", "Land and forest"),
            "land_requisition" => ("征地拆迁", "Land requisition"),
            "contract" => ("合同", "Contract"),
            "business" => ("生产经营", "Business"),
            "damages" => ("损害赔偿", "Damages"),
            "labour" => ("劳动争议", "Labour"),
            "property_management" => ("物业", "Property management"),
            "medical" => ("医疗", "Medical"),
            "traffic" => ("道路交通", "Road traffic"),
            "consumer" => ("消费", "Consumer"),
            "environment" => ("环境污染", "Environment"),
            "other" => ("其他", "Other"),
            // Risk.
            "red" => ("红色（重点）", "Red"),
            "orange" => ("橙色（关注）", "Orange"),
            "yellow" => ("黄色（一般）", "Yellow"),
            "blue" => ("蓝色（隐患）", "Blue"),
            "none" => ("未研判", "Not graded"),
            "repeat_police_calls" => ("多次报警", "Repeated police calls"),
            "threats_or_violence" => ("扬言报复或有暴力", "Threats or violence"),
            "weapons" => ("涉及凶器", "Weapons"),
            "mental_illness" => ("精神障碍", "Mental illness"),
            "group_size" => ("人数众多", "Many people"),
            "prior_failed_mediation" => ("多次调解未果", "Earlier mediation failed"),
            "large_amount" => ("金额较大", "Large amount"),
            "vulnerable_party" => ("涉及弱势群体", "Vulnerable party"),
            "suicide_risk" => ("有自杀倾向", "Suicide risk"),
            // Referrals.
            "peoples_mediation" => ("人民调解", "People's mediation"),
            "partner" => ("合作平台调解", "Partner platform mediation"),
            "entrusted_pre_filing" => ("委派调解（诉前）", "Court-entrusted mediation before filing"),
            "entrusted_after_filing" => ("委托调解（立案后）", "Court-entrusted mediation after filing"),
            "litigation" => ("转入诉讼", "Litigation"),
            "confirmation" => ("司法确认申请", "Judicial confirmation application"),
            // Parties.
            "applicant" => ("申请人", "Applicant"),
            "respondent" => ("被申请人", "Respondent"),
            "third_party" => ("第三人", "Third party"),
            "elderly" => ("老年人", "Elderly"),
            "minor" => ("未成年人", "Minor"),
            "disabled" => ("残疾人", "Disabled"),
            "migrant_worker" => ("农民工", "Migrant worker"),
            // Mediation and agreements.
            "no_agreement" => ("分歧过大，未达成协议", "No agreement"),
            "party_refused" => ("当事人拒绝调解", "A party refused"),
            "timed_out" => ("调解期限届满", "Period ran out"),
            "payment" => ("给付金钱", "Payment"),
            "performance" => ("履行行为", "Performance"),
            "status_relation" => ("身份关系", "Status relation"),
            "property_ownership" => ("物权确权", "Property ownership"),
            "ip_ownership" => ("知识产权确权", "IP ownership"),
            "performed" => ("已履行", "Performed"),
            "partly" => ("部分履行", "Partly performed"),
            "defaulted" => ("未履行", "Defaulted"),
            "satisfied" => ("满意", "Satisfied"),
            "basically_satisfied" => ("基本满意", "Basically satisfied"),
            "unsatisfied" => ("不满意", "Unsatisfied"),
            // Court.
            "valid" => ("裁定协议有效", "Agreement valid"),
            "not_court_matter" => ("不属于人民法院受理范围", "Not a court matter"),
            "not_this_court" => ("不属于本院管辖", "Not this court"),
            "other_procedure" => ("适用其他特别程序", "Another procedure applies"),
            "property_or_ip_ownership" => ("涉及物权、知识产权确权", "Property or IP ownership"),
            "mandatory_law" => ("违反法律强制性规定", "Breaks mandatory law"),
            "public_interest" => ("损害国家、社会公共利益或他人合法权益", "Harms the public or others"),
            "public_order" => ("违背公序良俗", "Against public order"),
            "not_voluntary" => ("违反自愿原则", "Not voluntary"),
            "unclear_content" => ("内容不明确", "Unclear content"),
            "small_claims" => ("小额诉讼程序", "Small claims"),
            "simple" => ("简易程序", "Simple procedure"),
            "ordinary" => ("普通程序", "Ordinary procedure"),
            "mediated" => ("调解结案", "Mediated"),
            "judged" => ("判决", "Judged"),
            // Commands.
            "assess" => ("风险研判定级", "Grade the risk"),
            "report_to_police" => ("报告公安机关", "Report to the police"),
            "acknowledge_report" => ("签收风险报告", "Sign for the report"),
            "refer_mediation" => ("分流至人民调解委员会", "Refer to a mediation committee"),
            "refer_partner" => ("分流至合作平台", "Refer to a partner platform"),
            "refer_entrusted" => ("委派调解", "Entrust mediation"),
            "refer_entrusted_after_filing" => ("委托调解", "Entrust mediation of the case"),
            "refer_litigation" => ("转入诉讼", "Send to court"),
            "receive" => ("签收", "Sign for"),
            "decline" => ("退回", "Decline"),
            "record_refusal" => ("记录当事人拒绝调解", "Record a refusal"),
            "record_session" => ("记录调解", "Record a session"),
            "extend_mediation" => ("延长调解期限", "Extend the mediation"),
            "agree" => ("达成调解协议", "Record the agreement"),
            "sign" => ("签名盖章", "Sign or seal"),
            "end_mediation" => ("终止调解", "End the mediation"),
            "apply_for_confirmation" => ("申请司法确认", "Apply for judicial confirmation"),
            "accept_confirmation" => ("受理司法确认申请", "Accept the application"),
            "not_accept_confirmation" => ("不予受理", "Do not accept"),
            "extend_confirmation" => ("延长审查期限", "Extend the review"),
            "rule" => ("作出裁定", "Rule"),
            "file_case" => ("立案", "File the case"),
            "convert_track" => ("转换程序", "Convert the procedure"),
            "conclude_litigation" => ("诉讼结案", "Conclude the lawsuit"),
            "record_performance" => ("记录履行情况", "Record performance"),
            "follow_up" => ("回访", "Follow up"),
            "close" => ("结案（案结事了）", "Close"),
            "withdraw" => ("撤回", "Withdraw"),
            "link_case" => ("关联刑事案件", "Link a criminal case"),
            "assign_mediator" => ("指派调解员", "Assign a mediator"),
            "recuse" => ("调解员回避", "Mediator steps aside"),
            "mediator_assigned" => ("指派调解员", "Mediator assigned"),
            "mediator_recused" => ("调解员回避", "Mediator stepped aside"),
            "relative" => ("系当事人近亲属", "A party's close relative"),
            "interest" => ("与纠纷有利害关系", "An interest in the dispute"),
            "other_relationship" => ("有其他可能影响公正调解的关系", "Another relationship"),
            "party_objects" => ("当事人不同意该调解员", "A party objects"),
            // Events.
            "assessed" => ("风险研判", "Risk graded"),
            "reported" => ("报告公安机关", "Reported to the police"),
            "report_acknowledged" => ("公安机关签收报告", "Report signed for"),
            "referred" => ("分流", "Referred"),
            "received" => ("签收", "Signed for"),
            "declined" => ("退回", "Declined"),
            "refusal_recorded" => ("当事人拒绝调解", "Refusal recorded"),
            "session_recorded" => ("调解记录", "Session recorded"),
            "mediation_extended" => ("延长调解期限", "Mediation extended"),
            "signed" => ("签名盖章", "Signed"),
            "agreement_effective" => ("协议生效", "Agreement in effect"),
            "mediation_ended" => ("调解终止", "Mediation ended"),
            "confirmation_applied" => ("申请司法确认", "Confirmation applied for"),
            "confirmation_accepted" => ("受理司法确认", "Confirmation accepted"),
            "confirmation_not_accepted" => ("不予受理", "Not accepted"),
            "confirmation_extended" => ("延长审查期限", "Review extended"),
            "ruled" => ("作出裁定", "Ruled"),
            "case_filed" => ("立案", "Filed"),
            "track_converted" => ("转换程序", "Procedure converted"),
            "litigation_concluded" => ("诉讼结案", "Lawsuit concluded"),
            "performance_recorded" => ("记录履行", "Performance recorded"),
            "followed_up" => ("回访", "Followed up"),
            "case_linked" => ("关联刑事案件", "Criminal case linked"),
            _ => return code,
        };
        self.pick(zh, en)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use xiezhi_core::dispute::{Category, Channel, Stage};

    /// Every stage, channel and category the machine knows has words in both languages.
    #[test]
    fn every_code_has_words() {
        let mut codes: Vec<String> = Stage::ALL.iter().map(|s| s.as_str().to_string()).collect();
        codes.extend(Channel::ALL.iter().map(|c| serde_json::to_value(c).unwrap().as_str().unwrap().to_string()));
        codes.extend(Category::ALL.iter().map(|c| serde_json::to_value(c).unwrap().as_str().unwrap().to_string()));
        for code in codes {
            for lang in [Lang::Zh, Lang::En] {
                assert_ne!(lang.dispute_word(&code), code, "{code} in {lang:?}");
            }
        }
    }
}
