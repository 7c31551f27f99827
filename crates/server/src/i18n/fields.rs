//! A form's fields and what is wrong with them, in the reader's language. The domain and the
//! application word a field's error in English (the API's problem details keep that wording);
//! the pages say it by [`MESSAGES`], whose entries are the messages as written in the source with
//! each value they quote as `{}`. A test reads the source and fails on a message or a field
//! without words here, so a new one cannot reach a Chinese page in English.

use super::Lang;

impl Lang {
    /// A field as the forms label it; `None` for a name that no form or check uses.
    pub fn field_label(self, field: &str) -> Option<&'static str> {
        let (zh, en) = match field {
            "case_no" => ("案号", "Case number"),
            "region" => ("地区", "Region"),
            "rule" => ("时限规则", "Rule"),
            "length" => ("时限长度", "Length"),
            "basis" => ("依据", "Basis"),
            "title" => ("案件名称", "Title"),
            "charge" => ("案由（罪名）", "Charge"),
            "persons" | "person" => ("犯罪嫌疑人姓名", "Suspect's name"),
            "id_number" => ("身份证号", "Identity card number"),
            "custody" => ("强制措施", "Custody"),
            "phone" => ("联系电话", "Telephone"),
            "parties" => ("当事人", "Parties"),
            "terms" => ("协议条款", "Terms"),
            "caller" => ("来电人", "Caller"),
            "amount" => ("标的金额", "Amount"),
            "answer" => ("答复", "Answer"),
            "assists" => ("协办单位", "Assisting units"),
            "awaiting" => ("待签收", "Awaiting receipt"),
            "body" => ("文件内容", "Content"),
            "category" => ("类别", "Category"),
            "content-type" => ("文件类型", "File type"),
            "csrf" => ("表单校验码", "Form check"),
            "days" => ("天数", "Days"),
            "decision" => ("决定", "Decision"),
            "disabled" => ("停用", "Disabled"),
            "due" => ("期限", "Due"),
            "due_within" | "within" => ("到期天数", "Due within"),
            "family" => ("事件类别", "Kind of event"),
            "file" => ("文件", "File"),
            "form" => ("表单", "Form"),
            "from" => ("起止日期", "Period"),
            "header" => ("表头", "Header"),
            "held_over" => ("羁押天数", "Days held"),
            "item" => ("知识库条目", "Knowledge item"),
            "kind" => ("类别", "Kind"),
            "level" => ("风险等级", "Risk level"),
            "levels" => ("分级", "Levels"),
            "limit" => ("每页条数", "Page size"),
            "mediator" => ("调解员", "Mediator"),
            "name" => ("名称", "Name"),
            "offset" => ("起始位置", "Offset"),
            "page" => ("页码", "Page"),
            "preset" => ("分级方案", "Scale"),
            "role" | "roles" => ("角色", "Role"),
            "sort" => ("排序", "Order"),
            "stage" => ("阶段", "Stage"),
            "start" => ("起算时间", "Start"),
            "to" => ("接收单位", "Receiving unit"),
            "url" => ("接收地址", "Address"),
            "username" => ("用户名", "Username"),
            "valid_until" => ("有效期至", "Valid until"),
            "verdicts" => ("判决", "Verdicts"),
            "version" => ("页面版本", "Page version"),
            "year" => ("年份", "Year"),
            _ => return None,
        };
        Some(self.pick(zh, en))
    }

    /// A field's error as the domain or the application words it (in English), in this language;
    /// one that is not in [`MESSAGES`] stays as it is.
    pub fn field_message(self, message: &str) -> String {
        if self == Lang::En {
            return message.to_string();
        }
        MESSAGES.iter().find_map(|(en, zh)| translate(message, en, zh)).unwrap_or_else(|| message.to_string())
    }
}

/// `message` said by the pattern `zh` when it is an instance of `en`: each `{}` of `en` stands
/// for a value (at least one character), put in the place of the matching `{}` of `zh`; a value
/// listing things (`a, b`) is listed the Chinese way (`a、b`).
fn translate(message: &str, en: &str, zh: &str) -> Option<String> {
    let pieces: Vec<&str> = en.split("{}").collect();
    if pieces.len() == 1 {
        return (message == en).then(|| zh.to_string());
    }
    let mut rest = message.strip_prefix(pieces[0])?;
    let mut values = vec![];
    for (i, piece) in pieces.iter().enumerate().skip(1) {
        let at = if i == pieces.len() - 1 {
            rest.len().checked_sub(piece.len()).filter(|&at| at > 0 && rest.is_char_boundary(at) && rest[at..] == **piece)?
        } else {
            let first = rest.chars().next()?.len_utf8();
            rest[first..].find(piece)? + first
        };
        values.push(rest[..at].replace(", ", "、"));
        rest = &rest[at + piece.len()..];
    }
    let mut out = String::new();
    let mut values = values.into_iter();
    let mut parts = zh.split("{}");
    out.push_str(parts.next().unwrap_or_default());
    for part in parts {
        out.push_str(&values.next().unwrap_or_default());
        out.push_str(part);
    }
    Some(out)
}

/// Every field message the domain (`xiezhi-core`) and the application (`app`, `pages`) write,
/// in Chinese, the longest first where one could be read as another.
const MESSAGES: &[(&str, &str)] = &[
    // The domain's.
    ("an identity card number is 17 digits and a check digit or X", "身份证号应为17位数字加1位校验码（数字或X）"),
    ("the check digit does not match: a digit is mistyped", "校验码不符：有数字输错"),
    ("the birth date {}-{}-{} in it is not a date", "其中的出生日期{}-{}-{}不是有效日期"),
    ("write the check character X in upper case", "校验码X须大写"),
    ("name at least one party", "至少填写一名当事人"),
    ("at most {} parties; a group dispute names its representatives", "当事人至多{}名；群体性纠纷请登记其代表"),
    ("an agreement has at least one term", "协议至少须有一项条款"),
    ("a unified social credit code has 18 letters and digits", "统一社会信用代码为18位字母和数字"),
    ("an anonymous caller has no name or number on the order", "匿名来电不在工单上登记姓名或号码"),
    ("{} is not a telephone number", "{}不是有效的电话号码"),
    ("at most {} assisting units", "协办单位至多{}个"),
    ("between 1 and 60 days", "须为1至60日"),
    ("{} is not between 1 and 60", "{}不在1至60之间"),
    ("{} has no local limit; one of {}", "{}没有可由地方规定的时限；可选：{}"),
    ("name the local provision that sets the limit", "请写明规定该时限的地方性规定"),
    ("name the local provision that sets the scale", "请写明规定该分级的地方性规定"),
    ("a scale has two to four levels, not {}", "分级须为二至四级，而非{}级"),
    ("the tier {} stands for two levels", "{}对应了两级"),
    ("every level needs a name in Chinese and in English", "每一级都须有中文和英文名称"),
    (
        "one level must stand for the red tier: the disputes reported to the police (人民调解法 25)",
        "须有一级对应红色：须报告公安机关的纠纷（人民调解法第二十五条）",
    ),
    ("{} is not a charge of the Criminal Law in force (罪名); did you mean {}", "{}不是现行《刑法》规定的罪名；是否指：{}"),
    ("{} is not a charge of the Criminal Law in force (罪名)", "{}不是现行《刑法》规定的罪名"),
    ("must not be empty", "不能为空"),
    ("must not contain control characters", "不能含控制字符"),
    ("must not contain the control character U+{}", "不能含控制字符 U+{}"),
    ("must be 3 to 32 characters", "须为3至32个字符"),
    ("must start with a letter or digit", "须以字母或数字开头"),
    ("character {} is not allowed (use a-z, 0-9, . _ -)", "不允许使用字符{}（可用 a-z、0-9、. _ -）"),
    ("must be at least 10 characters", "至少须有10个字符"),
    ("must be at most 128 characters", "至多128个字符"),
    ("must be at most {} characters", "至多{}个字符"),
    ("must be 6 digits, e.g. 990000 (province), 990100 (city), 990102 (county)", "须为6位数字，如 990000（省）、990100（市）、990102（县）"),
    ("must be 6 digits", "须为6位数字"),
    ("province part must not be 00", "省级代码不能为00"),
    ("a county code needs a city part", "县级代码须含市级部分"),
    // The application's checks of what a form, a query or a file sent.
    ("choose a receiving unit", "请选择接收单位"),
    ("choose a person", "请选择当事人"),
    ("choose a file", "请选择文件"),
    ("choose one of the scales", "请选择一种分级"),
    ("choose the charge (案由)", "请选择案由（罪名）"),
    ("every party needs a name", "每名当事人都须填写姓名或名称"),
    ("every person needs a name", "每名犯罪嫌疑人都须填写姓名"),
    ("give the answer, or cite a knowledge item", "请填写答复，或引用知识库条目"),
    ("a number of days", "须为天数"),
    ("a whole number of yuan", "须为整数元"),
    ("a whole number", "须为整数"),
    ("a telephone number", "须为电话号码"),
    ("approve or refuse", "请选择批准或不批准"),
    ("unknown custody", "未知的强制措施"),
    ("unknown defendant", "未知的被告人"),
    ("must be a page number from 1", "页码须从1开始"),
    ("a period of at most ten years", "期间至多十年"),
    ("must be a year such as 2027", "须为年份，如 2027"),
    ("must not be negative", "不能为负数"),
    ("the content is not a PDF", "内容不是PDF文件"),
    ("you cannot disable your own unit", "不能停用本人所在单位"),
    ("you cannot disable yourself", "不能停用本人账号"),
    ("you cannot drop your own admin role", "不能取消本人的管理员角色"),
    ("the version the page showed", "页面显示的版本号"),
    ("a document is 1 byte to {} MiB", "文件大小须为1字节至{} MiB"),
    ("a dossier document is at most {} MiB", "卷宗文件至多{} MiB"),
    ("a number cannot contain {}", "案号不能含{}"),
    ("knowledge item {} was retired", "知识库条目{}已停用"),
    ("no knowledge item {} you may cite", "没有可引用的知识库条目{}"),
    ("must be a number of days from 0 to {}", "须为0至{}的天数"),
    ("must be a number of days from 1 to {}", "须为1至{}的天数"),
    ("must be between 0 and {} days", "须为0至{}天"),
    ("must be between 1 and 1000", "须为1至1000"),
    ("must be between 1 and {}", "须为1至{}"),
    ("must name a host: http://host[:port]/path", "须写明主机：http://主机[:端口]/路径"),
    ("must start with http://", "须以 http:// 开头"),
    ("must not contain spaces", "不能含空格"),
    (
        "this build delivers over plain http only: point the subscription at a TLS-terminating gateway inside your network (https delivery is not built yet)",
        "本版本只能以 http 推送：请将订阅地址指向本单位网络内终结 TLS 的网关（尚不支持 https 推送）",
    ),
    ("no account {}", "没有账号{}"),
    ("no active mediator {}", "没有在册的调解员{}"),
    ("no region {}", "没有地区{}"),
    ("no unit {}", "没有单位{}"),
    ("unit {} is disabled", "单位{}已停用"),
    ("not a level of this province's risk scale: {}", "不是本省风险分级中的等级；可选：{}"),
    ("one of procedural_document, evidence, legal_instrument, other", "须为诉讼文书、证据材料、法律文书或其他之一"),
    ("region {} is outside the region {} you supervise", "地区{}不在本单位监督的地区{}之内"),
    ("role {} is not held in a {} unit", "{}角色不属于{}单位"),
    ("the first line must be {}", "第一行须为{}"),
    ("the period starts {}, after it ends {}", "起始日期{}晚于截止日期{}"),
    ("{} is before the first day {}", "{}早于起始日{}"),
    ("{} is not a city: the hotline limits are set per city", "{}不是市级地区：热线时限由市级规定"),
    ("{} is not the province: the dispute limits are set per province", "{}不是省级地区：纠纷时限由省级规定"),
    ("{} is not a province: the risk scale is set per province", "{}不是省级地区：风险分级由省级规定"),
    ("unknown kind of work; one of {}", "未知的事项类别；可选：{}"),
    ("unknown stage; one of {}", "未知的阶段；可选：{}"),
    ("unknown order {}; one of due, received, updated", "未知的排序方式{}；可选：期限、收到时间、更新时间（due、received、updated）"),
    ("{} is not an order; one of due, updated, case_no, held", "{}不是可用的排序方式；可选：期限、更新时间、案号、承办单位（due、updated、case_no、held）"),
    ("{} is not an order; one of due, updated", "{}不是可用的排序方式；可选：期限、更新时间（due、updated）"),
    ("{} is not a due filter; overdue or approaching", "{}不是可用的期限筛选；可选：已超期、临期（overdue、approaching）"),
    ("{} is not accepted; use one of {}", "不接受{}类型；可用：{}"),
    ("{} is not a date (YYYY-MM-DD)", "{}不是日期（年-月-日）"),
    ("{} is not a date YYYY-MM-DD", "{}不是日期（年-月-日）"),
    ("{} is not a number from 1 to 60", "{}不是1至60的数"),
    ("{} is not a numeric id", "{}不是数字编号"),
    ("{} is not a number", "{}不是数字"),
    ("{} is not a unit", "{}不是单位"),
    ("{} is not one of {}", "{}不在可选范围内：{}"),
    ("{} is neither true nor false", "{}须为是或否（true、false）"),
    ("{} is not true or false", "{}须为是或否（true、false）"),
];

#[cfg(test)]
mod tests {
    use super::*;

    /// A Rust string literal starting at `s[0] == '"'`: its value and the length it takes.
    fn literal(s: &str) -> Option<(String, usize)> {
        let mut out = String::new();
        let mut chars = s.char_indices().skip(1).peekable();
        while let Some((i, c)) = chars.next() {
            match c {
                '"' => return Some((out, i + 1)),
                '\\' => match chars.next()?.1 {
                    '\n' => {
                        while chars.peek().is_some_and(|(_, c)| c.is_whitespace()) {
                            chars.next();
                        }
                    }
                    'n' => out.push('\n'),
                    other => out.push(other),
                },
                c => out.push(c),
            }
        }
        None
    }

    /// The first argument of a call whose text starts at `s` (after its `(`), and what follows
    /// its comma; `None` for a call with one argument.
    fn first_argument(s: &str) -> Option<(&str, &str)> {
        let mut depth = 0;
        let mut i = 0;
        while i < s.len() {
            match s.as_bytes()[i] {
                b'"' => i += literal(&s[i..])?.1 - 1,
                b'(' | b'[' | b'{' => depth += 1,
                b')' | b']' | b'}' if depth == 0 => return None,
                b')' | b']' | b'}' => depth -= 1,
                b',' if depth == 0 => return Some((s[..i].trim(), &s[i + 1..])),
                _ => {}
            }
            i += 1;
        }
        None
    }

    /// Each value a format string interpolates (`{name:?}`, `{}`) written as `{}`.
    fn placeholders_as_braces(text: &str) -> String {
        let mut out = String::new();
        let mut rest = text;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let close = rest[open..].find('}').map(|c| open + c).unwrap_or(rest.len() - 1);
            out.push_str("{}");
            rest = &rest[close + 1..];
        }
        out.push_str(rest);
        out
    }

    /// The fields (when written as a literal) and messages (when a literal or a `format!`) of
    /// every field error made in `source`.
    fn field_errors_in(source: &str) -> Vec<(Option<String>, Option<String>)> {
        let mut out = vec![];
        for marker in ["FieldError::new(", "AppError::field("] {
            for (at, _) in source.match_indices(marker) {
                let Some((field, rest)) = first_argument(&source[at + marker.len()..]) else { continue };
                let field = field.strip_prefix('"').and_then(|f| f.strip_suffix('"')).map(str::to_string);
                let rest = rest.trim_start();
                let rest = rest.strip_prefix("format!(").map(str::trim_start).unwrap_or(rest);
                let message = rest.starts_with('"').then(|| literal(rest)).flatten().map(|(m, _)| placeholders_as_braces(&m));
                out.push((field, message));
            }
        }
        out
    }

    fn sources(dir: &std::path::Path, into: &mut String) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                sources(&path, into);
            } else if path.extension().is_some_and(|e| e == "rs") {
                into.push_str(&std::fs::read_to_string(&path).unwrap());
            }
        }
    }

    /// Every field error the domain and the application make has its field's label and its
    /// message's words in both languages; every entry of the table is still written there.
    #[test]
    fn every_field_error_written_has_words_in_both_languages() {
        let crates = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut code = String::new();
        for dir in ["core/src", "server/src/app", "server/src/pages"] {
            sources(&crates.join(dir), &mut code);
        }
        let found = field_errors_in(&code);
        assert!(found.len() > 120, "the scan finds the field errors: {}", found.len());
        let messages: Vec<String> = found.iter().filter_map(|(_, m)| m.clone()).collect();
        assert!(messages.len() > 100, "{}", messages.len());
        for message in &messages {
            assert!(MESSAGES.iter().any(|(en, _)| en == message), "no Chinese for the field message {message:?}: add it to MESSAGES");
        }
        for field in found.iter().filter_map(|(f, _)| f.as_deref()) {
            assert!(Lang::Zh.field_label(field).is_some(), "no label for the field {field:?}");
        }
        for (en, zh) in MESSAGES {
            assert!(messages.contains(&en.to_string()), "{en:?} is no longer a message the domain or the application writes");
            assert_eq!(en.matches("{}").count(), zh.matches("{}").count(), "{en:?} and {zh:?} quote different values");
            assert!(!zh.contains(" is ") && !zh.contains("must"), "{zh:?} is not Chinese");
        }
    }

    /// A message that quotes what was typed is matched by its pattern, each value in its place,
    /// and by the most specific pattern that reads it.
    #[test]
    fn messages_quoting_values_read_in_chinese() {
        let zh = |m: &str| Lang::Zh.field_message(m);
        assert_eq!(zh("\"call me\" is not a telephone number"), "\"call me\"不是有效的电话号码");
        assert_eq!(zh("must be at most 64 characters"), "至多64个字符");
        assert_eq!(zh("must be at most 128 characters"), "至多128个字符");
        assert_eq!(zh("the birth date 1990-02-30 in it is not a date"), "其中的出生日期1990-02-30不是有效日期");
        assert_eq!(zh("the period starts 2026-12-01, after it ends 2026-11-01"), "起始日期2026-12-01晚于截止日期2026-11-01");
        assert_eq!(zh("\"7\" is not an order; one of due, updated"), "\"7\"不是可用的排序方式；可选：期限、更新时间（due、updated）");
        assert_eq!(zh("990101 is not a city: the hotline limits are set per city"), "990101不是市级地区：热线时限由市级规定");
        assert_eq!(zh("\"x\" is not a number"), "\"x\"不是数字");
        let not_a_charge = xiezhi_core::charges::check("charge", "盗窃").unwrap_err().message;
        let said = zh(&not_a_charge);
        assert!(said.starts_with("\"盗窃\"不是现行《刑法》规定的罪名；是否指：") && said.contains("、盗窃罪、"), "{said}");
        assert_eq!(zh(&xiezhi_core::charges::check("charge", "唱歌").unwrap_err().message), "\"唱歌\"不是现行《刑法》规定的罪名");
        let said: Vec<String> = [
            "at most 30 parties; a group dispute names its representatives",
            "a scale has two to four levels, not 5",
            "character '!' is not allowed (use a-z, 0-9, . _ -)",
            "\"x\" is not one of labour, family",
        ]
        .iter()
        .map(|m| zh(m))
        .collect();
        assert_eq!(
            said,
            [
                "当事人至多30名；群体性纠纷请登记其代表",
                "分级须为二至四级，而非5级",
                "不允许使用字符'!'（可用 a-z、0-9、. _ -）",
                "\"x\"不在可选范围内：labour、family"
            ]
        );
        assert_eq!(Lang::En.field_message("must not be empty"), "must not be empty");
        assert_eq!(zh("something nobody wrote"), "something nobody wrote");
    }
}
