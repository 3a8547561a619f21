//! Console text in Chinese (default) and English: one table, looked up by key.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    pub fn parse(text: &str) -> Option<Lang> {
        match text {
            "zh" | "zh-CN" => Some(Lang::Zh),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    pub fn html_lang(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    pub fn other(self) -> Lang {
        match self {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        }
    }
}

/// (key, 中文, English). Keys are stable; a missing key shows itself so it is noticed.
const TEXTS: &[(&str, &str, &str)] = &[
    ("app_name", "小店后台", "Xiaodian"),
    ("login", "登录", "Log in"),
    ("logout", "退出登录", "Log out"),
    ("username", "用户名", "Username"),
    ("password", "密码", "Password"),
    ("switch_lang", "English", "中文"),
    ("home", "首页", "Home"),
    ("calendar", "工作日历", "Working-day calendar"),
    ("audit", "审计日志", "Audit log"),
    ("clock_jobs", "时钟与任务", "Clock and jobs"),
    ("welcome", "欢迎", "Welcome"),
    ("role", "角色", "Role"),
    ("role_admin", "管理员", "Administrator"),
    ("role_reviewer", "审核员", "Reviewer"),
    ("role_merchant", "商家", "Merchant"),
    ("role_service", "平台服务", "Platform service"),
    ("merchant_id", "商家编号", "Merchant ID"),
    ("now", "当前时间", "Current time"),
    ("clock_manual", "手动时钟", "Manual clock"),
    ("clock_system", "系统时钟", "System clock"),
    ("set_clock", "设置时间", "Set the clock"),
    ("run_jobs", "运行到期任务", "Run due jobs"),
    ("jobs_ran", "已运行任务数", "Jobs run"),
    ("save", "保存", "Save"),
    ("date", "日期", "Date"),
    ("actor", "操作人", "Actor"),
    ("action", "操作", "Action"),
    ("subject", "对象", "Subject"),
    ("detail", "详情", "Detail"),
    ("request_id", "请求编号", "Request ID"),
    ("older", "更早", "Older"),
    ("prev_month", "上个月", "Previous month"),
    ("next_month", "下个月", "Next month"),
    ("workday", "工作日", "Working day"),
    ("weekend", "周末", "Weekend"),
    ("holiday", "法定节假日", "Holiday"),
    ("makeup_workday", "调休上班", "Make-up working day"),
    (
        "provisional",
        "暂定：该年度通知尚未发布，按周一至周五计算",
        "Provisional: no notice for this year yet; Monday to Friday assumed",
    ),
    ("weekdays", "一,二,三,四,五,六,日", "Mon,Tue,Wed,Thu,Fri,Sat,Sun"),
    ("not_found", "页面不存在", "Page not found"),
    ("forbidden", "无权访问此页面", "You may not open this page"),
    ("error", "出错了", "Something went wrong"),
    (
        "home_intro",
        "在这里处理店铺、保证金、蓝V认证和审核工作。",
        "Shops, deposits, blue-V verification and reviews are handled here.",
    ),
    // Shops, deposits, violations and appeals (money.rs).
    ("shops", "我的店铺", "My shops"),
    ("all_shops", "全部店铺", "All shops"),
    ("appeal_queue", "申诉审核", "Appeal queue"),
    ("shop", "店铺", "Shop"),
    ("shop_name", "店铺名称", "Shop name"),
    ("entity_type", "主体类型", "Entity type"),
    ("entity_name", "主体名称", "Registered entity name"),
    ("category", "经营类目", "Category"),
    ("status", "状态", "Status"),
    ("created_at", "创建时间", "Created"),
    ("create_shop", "开设新店铺", "Open a new shop"),
    ("create", "创建", "Create"),
    ("no_shops", "还没有店铺。", "No shops yet."),
    ("back_to_shops", "返回店铺列表", "Back to the shops"),
    ("shop_status_operating", "营业中", "Operating"),
    ("shop_status_notice_period", "公示期", "Notice period"),
    ("shop_status_closed", "已注销", "Closed"),
    ("entity_type_enterprise", "企业", "Enterprise"),
    ("entity_type_individual", "个体工商户", "Individual business"),
    ("deposit", "保证金", "Deposit"),
    ("balance", "余额", "Balance"),
    ("held", "冻结中", "Held"),
    ("available", "可用余额", "Available"),
    ("required", "应缴保证金", "Required deposit"),
    ("shortfall", "待补缴", "Shortfall"),
    ("owed", "欠平台款项", "Owed to the platform"),
    ("statement", "保证金流水", "Deposit statement"),
    ("download_csv", "下载对账单 CSV", "Download the statement (CSV)"),
    ("time", "时间", "Time"),
    ("entry_type", "类型", "Type"),
    ("reason", "原因", "Reason"),
    ("reference", "参考号", "Reference"),
    ("amount", "金额", "Amount"),
    ("held_change", "冻结变动", "Held change"),
    ("balance_after", "变动后余额", "Balance after"),
    ("no_entries", "暂无流水。", "No entries yet."),
    ("newest", "最新", "Newest"),
    ("next_page", "下一页", "Next page"),
    ("first_page", "第一页", "First page"),
    ("entry_kind_posted", "记账", "Posted"),
    ("entry_kind_hold_created", "冻结", "Hold"),
    ("entry_kind_hold_posted", "冻结扣划", "Hold posted"),
    ("entry_kind_hold_voided", "解除冻结", "Hold released"),
    ("reason_top_up", "充值", "Top-up"),
    ("reason_penalty", "违规罚款", "Penalty"),
    ("reason_compensation", "消费者赔付", "Consumer compensation"),
    ("reason_penalty_reversal", "罚款退回", "Penalty paid back"),
    ("violations", "违规记录", "Violations"),
    ("violation_kind", "违规类型", "Kind"),
    ("severity", "严重程度", "Severity"),
    ("penalty", "罚款", "Penalty"),
    ("beneficiary", "受益方", "Beneficiary"),
    ("appeal_deadline", "申诉截止", "Appeal deadline"),
    ("evidence", "证据说明", "Evidence"),
    ("buyer_id", "买家编号（消费者赔付时必填）", "Buyer ID (required for consumer compensation)"),
    ("no_violations", "没有违规记录。", "No violations."),
    ("appeal", "申诉", "Appeal"),
    ("appeal_text", "申诉理由", "Grounds of appeal"),
    ("submit_appeal", "提交申诉", "Submit the appeal"),
    ("appeal_closed", "申诉期已过", "The appeal window has closed"),
    ("record_violation", "记录违规", "Record a violation"),
    ("penalty_yuan", "罚款金额（元）", "Penalty (yuan)"),
    ("decision_note", "审核意见（可选）", "Decision note (optional)"),
    ("uphold", "维持处罚", "Uphold"),
    ("overturn", "撤销处罚", "Overturn"),
    ("appealed_at", "申诉时间", "Appealed"),
    ("no_appeals", "没有待审核的申诉。", "No appeals are waiting."),
    (
        "invalid_yuan",
        "金额须为元，最多两位小数，例如 100.00",
        "Enter yuan with at most two decimals, e.g. 100.00",
    ),
    ("notice_shop_created", "店铺已创建。", "The shop was created."),
    (
        "notice_violation_recorded",
        "违规已记录，罚款已从保证金扣除。",
        "The violation was recorded and its penalty deducted from the deposit.",
    ),
    (
        "notice_violation_replayed",
        "该表单已提交过，违规只记录一次。",
        "This form was already submitted; the violation was recorded once.",
    ),
    ("notice_appeal_sent", "申诉已提交，等待审核。", "The appeal was submitted for review."),
    ("notice_appeal_upheld", "已维持处罚。", "The penalty was upheld."),
    (
        "notice_appeal_overturned",
        "已撤销处罚，罚款已退回保证金。",
        "The penalty was overturned and paid back to the deposit.",
    ),
    ("violation_kind_malicious_refund", "恶意退款", "Malicious refund"),
    ("violation_kind_false_advertising", "虚假宣传", "False advertising"),
    ("violation_kind_counterfeit", "售假", "Counterfeit goods"),
    ("violation_kind_fake_transactions", "虚假交易", "Fake transactions"),
    ("violation_kind_late_shipment", "延迟发货", "Late shipment"),
    ("violation_kind_prohibited_content", "违禁信息", "Prohibited content"),
    ("violation_kind_consumer_harm", "侵害消费者权益", "Harm to consumers"),
    ("violation_kind_other", "其他", "Other"),
    ("severity_minor", "轻微", "Minor"),
    ("severity_general", "一般", "General"),
    ("severity_serious", "严重", "Serious"),
    ("beneficiary_platform", "平台", "Platform"),
    ("beneficiary_consumer", "消费者赔付", "Consumer compensation"),
    ("violation_status_effective", "已生效", "Effective"),
    ("violation_status_appealed", "申诉中", "Under appeal"),
    ("violation_status_upheld", "申诉驳回", "Appeal rejected"),
    ("violation_status_overturned", "已撤销", "Overturned"),
];

pub fn t(lang: Lang, key: &str) -> &'static str {
    lookup(lang, key).unwrap_or("??")
}

/// The text for `key`, or None when the table has no such key (for values that come from data,
/// such as a ledger reason, which are shown as they are when unknown).
pub fn lookup(lang: Lang, key: &str) -> Option<&'static str> {
    TEXTS.iter().find(|(k, _, _)| *k == key).map(|(_, zh, en)| match lang {
        Lang::Zh => *zh,
        Lang::En => *en,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unique_and_both_languages_are_filled() {
        let mut keys: Vec<&str> = TEXTS.iter().map(|(k, _, _)| *k).collect();
        keys.sort_unstable();
        let before = keys.len();
        keys.dedup();
        assert_eq!(before, keys.len(), "duplicate key");
        assert!(TEXTS.iter().all(|(_, zh, en)| !zh.is_empty() && !en.is_empty()));
        assert_eq!(t(Lang::Zh, "login"), "登录");
        assert_eq!(t(Lang::En, "login"), "Log in");
        assert_eq!(t(Lang::En, "no_such_key"), "??");
        assert_eq!(lookup(Lang::En, "no_such_key"), None);
    }

    /// The Chinese names of the violation texts are the domain's own, so the two cannot drift.
    #[test]
    fn violation_names_match_the_domain() {
        use domain::violation::{Beneficiary, EntityType, Severity, ViolationKind, ViolationStatus};
        let check = |key: String, zh: &str| {
            assert_eq!(lookup(Lang::Zh, &key), Some(zh), "{key}");
            assert!(lookup(Lang::En, &key).is_some(), "{key}");
        };
        for kind in ViolationKind::ALL {
            check(format!("violation_kind_{}", kind.as_str()), kind.name_zh());
        }
        for severity in Severity::ALL {
            check(format!("severity_{}", severity.as_str()), severity.name_zh());
        }
        for beneficiary in Beneficiary::ALL {
            check(format!("beneficiary_{}", beneficiary.as_str()), beneficiary.name_zh());
        }
        for status in ViolationStatus::ALL {
            check(format!("violation_status_{}", status.as_str()), status.name_zh());
        }
        for entity_type in EntityType::ALL {
            check(format!("entity_type_{}", entity_type.as_str()), entity_type.name_zh());
        }
    }
}
