//! What a refusal means, by its stable code, in the reader's language: the pages lead with these
//! words; the machine's own detail (English) and its rule follow below them.

use super::Lang;

impl Lang {
    /// A refusal's code (`window_closed`) as a sentence; `None` for a code without words yet.
    pub fn refusal(self, code: &str) -> Option<&'static str> {
        let (zh, en) = match code {
            "illegal_transition" => ("案件（事项）当前所处阶段不能进行此操作", "This step is not open at the stage the matter is in"),
            "invalid" => ("填写的内容不完整或不符合要求", "What was entered is incomplete or not allowed"),
            "closed" => ("已经结案，不能再办理", "It is closed; nothing more can be done"),
            "duplicate" => ("重复：已经有相同的内容", "This is already there"),
            "clock" => ("期限规则无法计算", "The deadline rule cannot be computed"),
            "not_registered" => ("尚未登记（立案）", "It is not registered yet"),
            "already_registered" => ("已经登记，不能重复登记", "It is registered already"),
            "not_holder" => ("本单位不是承办单位，不能办理此事项", "Your unit does not hold it"),
            "handover_pending" => {
                ("案件正在移送中，须等待接收单位签收、受理或退回", "A hand-over is pending: the receiving unit signs for it, accepts or returns it first")
            }
            "wrong_receiver" => ("接收单位不符合管辖规定", "That receiving unit is not the one the law names"),
            "wrong_target" => ("报告或移送的对象不正确", "That unit is not the one to report or send to"),
            "wrong_unit" => ("本类单位不能办理此事项", "A unit of your kind does not do this"),
            "wrong_command" => ("应使用其他办理事项", "This is done with another step"),
            "not_receiver" => ("只有接收单位才能办理", "Only the receiving unit can do this"),
            "not_received" => ("请先签收", "Sign for it first"),
            "not_signed" => ("请先签收工单", "Sign for the order first"),
            "already_signed" => ("已经签收或签字", "Already signed"),
            "already_accepted" => ("已经受理", "Already accepted"),
            "already_applied" => ("已经申请", "Already applied for"),
            "already_assigned" => ("已经指派", "Already assigned"),
            "already_contacted" => ("已经联系过来电人", "The caller was contacted already"),
            "already_filed" => ("已经立案", "Already filed"),
            "already_refused" => ("当事人已拒绝调解", "A party has refused already"),
            "already_reported" => ("已经报告", "Already reported"),
            "no_extension" => ("此期限不能延长，或已经延长过", "This period cannot be extended (again)"),
            "not_extendable" => ("此期限不能延长", "This period cannot be extended"),
            "extension_pending" => ("已有延期申请待审批", "An extension is waiting for approval"),
            "no_review" => ("尚未经过审查起诉", "It has not been reviewed for prosecution"),
            "too_many_returns" => ("已两次退回补充侦查，不能再退回", "Returned for supplementary investigation twice already"),
            "window_closed" => ("上诉、抗诉期限已经届满", "The appeal window has closed"),
            "window_open" => ("上诉期限尚未届满，判决尚未生效", "The appeal window is still open; the judgment is not in force"),
            "protested" => ("检察院已抗诉，判决不生效，应移送上一级法院", "The procuratorate protested: the judgment waits for the court above"),
            "unlawful_sentence" => ("判决内容不符合刑法规定", "The sentence is not one the Criminal Law allows"),
            "number" => ("案号不正确", "The case number is not right"),
            "bad_case" => ("关联的刑事案件不正确或已关联", "That case cannot be linked"),
            "designated" => ("指定承办的单位不能退回工单", "A designated unit may not return the order"),
            "is_lead" => ("牵头单位应直接答复，协办单位才向牵头单位报告", "The lead replies; assisting units report to it"),
            "not_lead" => ("本单位是协办单位，由牵头单位办理和答复", "Your unit assists; the lead unit handles and replies"),
            "duplicate_unit" => ("牵头单位和协办单位不能重复", "A unit is named twice"),
            "not_centre" => ("由受理来电的热线中心办理", "The hotline centre that took the call decides this"),
            "not_political_legal" => ("只能派给政法单位", "Only a political-legal unit can take this"),
            "no_jurisdiction" => ("不属于本单位管辖", "Not within your unit's remit"),
            "return_pending" => ("已有退回申请待决定", "A return is waiting for a decision"),
            "no_return" => ("没有待决定的退回申请", "No return is waiting"),
            "termination_pending" => ("已有终止申请待审批", "A termination is waiting for approval"),
            "no_termination" => ("没有待审批的终止申请", "No termination is waiting"),
            "not_overdue" => ("尚未超期", "It is not overdue"),
            "not_timed_out" => ("尚未到期", "The time has not run out"),
            "no_note" => ("请写明督办事由", "Say why it is supervised"),
            "not_consultation" => ("只有咨询类工单可以即时答复", "Only a consultation is answered on the call"),
            "knowledge_not_valid" => ("知识库条目不在有效期内", "That knowledge item is not valid today"),
            "referral_pending" => ("纠纷正在移交中，须等待接收单位签收或拒收", "A referral is pending"),
            "not_accepted" => ("尚未受理", "Not accepted yet"),
            "not_assigned" => ("尚未指派调解员", "No mediator assigned yet"),
            "no_mediator" => ("须先指派调解员", "Assign a mediator first"),
            "not_on_roster" => ("调解员不在本单位名册中", "That mediator is not on the unit's roster"),
            "outside_sector" => ("纠纷类别不属于该合作单位的领域", "The dispute is outside that partner's field"),
            "no_consent" => ("须记录当事人同意", "Record the parties' consent first"),
            "party_refused" => ("当事人拒绝调解，调解不能开始或继续", "A party refused: mediation cannot start or go on"),
            "no_agreement" => ("尚未达成调解协议", "There is no agreement yet"),
            "not_every_party" => ("须全体当事人和调解员签字", "Every party and the mediator must sign"),
            "not_effective" => ("调解协议尚未生效", "The agreement is not in force yet"),
            "not_confirmable" => ("此协议不能申请司法确认", "This agreement cannot be judicially confirmed"),
            "too_late" => ("已超过申请司法确认的期限", "Too late to apply"),
            "no_such_party" => ("没有这个当事人", "No such party"),
            "no_such_term" => ("协议中没有这一项", "No such term in the agreement"),
            "performance_unknown" => ("请先记录协议履行情况", "Record how the agreement was performed first"),
            "no_follow_up" => ("尚未回访", "Not followed up yet"),
            "not_filed" => ("法院尚未立案", "The court has not filed it"),
            "not_fuller" => ("只能转为更完整的程序", "Only to a fuller procedure"),
            "not_later" => ("延长后的日期须晚于原期限", "Extend to a later date"),
            "next_review" => ("下次研判日期须在今天之后", "The next review must be after today"),
            "not_risky" => ("只有可能激化的纠纷才需报告", "Only a risky dispute is reported"),
            "no_dispute" => ("没有关联的纠纷", "No dispute is linked"),
            "stale" => (
                "案件在页面打开后已有变化（例如重复提交），本次操作未执行，请重新查看",
                "The case changed since the page showed it (a form sent twice?); nothing was done: look at it again",
            ),
            _ => return None,
        };
        Some(self.pick(zh, en))
    }

    /// The articles a refusal's rule cites, in this language: "appeal within 10 days (CPL 230)"
    /// gives 《刑事诉讼法》第二百三十条; `None` when the rule cites none that can be read.
    pub fn rule_citation(self, rule: &str) -> Option<String> {
        let inner = rule.rsplit_once('(').map(|(_, r)| r.trim_end_matches(')'))?;
        let zh = self.citations(inner);
        (self == Lang::En || zh != inner).then_some(zh)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The codes the machines refuse with, read from their source: `refuse("code"`,
    /// `not_yours("code"`, `code: "code"`.
    fn codes_in(source: &str) -> Vec<String> {
        let mut out = vec![];
        for marker in ["refuse(", "not_yours(", "code: "] {
            for (i, _) in source.match_indices(marker) {
                let rest = source[i + marker.len()..].trim_start();
                if let Some(code) = rest.strip_prefix('"').and_then(|r| r.split('"').next()) {
                    if !code.is_empty() && code.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') {
                        out.push(code.to_string());
                    }
                }
            }
        }
        out
    }

    #[test]
    fn every_refusal_of_every_machine_has_words_in_both_languages() {
        let sources = [
            include_str!("../../../core/src/case/decide.rs"),
            include_str!("../../../core/src/dispute/decide.rs"),
            include_str!("../../../core/src/ticket/decide.rs"),
        ];
        let codes: Vec<String> = sources.iter().flat_map(|s| codes_in(s)).collect();
        assert!(codes.len() > 60, "the scan finds the machines' refusals: {codes:?}");
        for code in codes {
            assert!(Lang::Zh.refusal(&code).is_some() && Lang::En.refusal(&code).is_some(), "no words for refusal {code:?}");
        }
    }

    #[test]
    fn a_rules_articles_read_in_chinese() {
        assert_eq!(Lang::Zh.rule_citation("appeal within 10 days of the judgment (CPL 230)").as_deref(), Some("《刑事诉讼法》第二百三十条"));
        assert_eq!(Lang::Zh.rule_citation("a change must change something"), None);
    }
}
