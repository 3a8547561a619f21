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
    // Shop operations (operations.rs).
    ("shop_overview", "店铺概览", "Overview"),
    ("products", "商品", "Products"),
    ("product", "商品", "Product"),
    ("product_title", "商品名称", "Title"),
    ("price", "价格", "Price"),
    ("price_yuan", "价格（元）", "Price (yuan)"),
    ("add_product", "上架新商品", "List a product"),
    ("delist", "下架", "Delist"),
    ("no_products", "没有商品。", "No products."),
    ("product_status_listed", "在售", "Listed"),
    ("product_status_delisted", "已下架", "Delisted"),
    ("orders", "订单", "Orders"),
    ("order", "订单", "Order"),
    ("all", "全部", "All"),
    ("buyer", "买家", "Buyer"),
    ("shipped_at", "发货时间", "Shipped"),
    ("closed_at", "完成/取消时间", "Completed or cancelled"),
    ("settle_on", "结算日", "Settles on"),
    ("settled", "已结算", "Settled"),
    ("ship", "发货", "Ship"),
    ("cancel_order", "取消订单", "Cancel"),
    ("no_orders", "没有订单。", "No orders."),
    ("order_status_paid", "待发货", "Awaiting shipment"),
    ("order_status_shipped", "运输中", "In transit"),
    ("order_status_completed", "已完成", "Completed"),
    ("order_status_cancelled", "已取消", "Cancelled"),
    ("after_sales", "售后", "After-sales"),
    ("after_sales_kind", "售后类型", "Kind"),
    ("after_sales_kind_refund", "仅退款", "Refund only"),
    ("after_sales_kind_return", "退货退款", "Return and refund"),
    ("after_sales_kind_exchange", "换货", "Exchange"),
    ("complaints", "投诉", "Complaints"),
    ("complaint_queue", "投诉处理", "Complaint queue"),
    (
        "complaints_by_reviewers",
        "投诉由平台审核员处理；请配合处理，处理完毕后检查自动通过。",
        "Platform reviewers resolve complaints; work with them and the check passes once all are resolved.",
    ),
    ("case_text", "内容", "Text"),
    ("case_status_open", "处理中", "Open"),
    ("case_status_resolved", "已解决", "Resolved"),
    ("resolution", "处理结果", "Resolution"),
    ("resolution_placeholder", "处理结果，例如：已退款", "Resolution, e.g. refunded"),
    ("resolve", "标记已解决", "Resolve"),
    ("no_cases", "没有记录。", "Nothing here."),
    ("no_open_complaints", "没有待处理的投诉。", "No complaints are open."),
    ("conversations", "客服消息", "Buyer messages"),
    ("unanswered", "未回复", "Unanswered"),
    ("answered", "已回复", "Answered"),
    ("last_message_at", "最新消息时间", "Latest message"),
    ("open_conversation", "查看并回复", "Open and reply"),
    ("no_conversations", "没有买家消息。", "No buyer messages."),
    ("sender_buyer", "买家", "Buyer"),
    ("sender_merchant", "商家", "Merchant"),
    ("reply", "回复内容", "Reply"),
    ("send_reply", "发送回复", "Send the reply"),
    ("settlement", "货款结算", "Settlement"),
    ("settling", "结算中", "Settling"),
    ("withdrawable", "可提现", "Withdrawable"),
    (
        "settlement_intro",
        "订单完成后货款先结算 7 天，之后可提现到收款账户；佣金从可提现货款中支付。",
        "A completed order's proceeds settle for 7 days, then they can be withdrawn to the payout account; commissions are paid from withdrawable proceeds.",
    ),
    ("withdraw_yuan", "提现金额（元）", "Amount to withdraw (yuan)"),
    ("withdraw", "提现", "Withdraw"),
    ("commissions", "达人佣金", "Creator commissions"),
    ("creator", "达人", "Creator"),
    ("pay", "支付", "Pay"),
    ("no_commissions", "没有达人佣金。", "No commissions."),
    ("commission_status_owed", "待支付", "Owed"),
    ("commission_status_paid", "已支付", "Paid"),
    ("invoices", "发票", "Invoices"),
    ("invoice_title", "发票抬头", "Invoice title"),
    ("invoice_number", "发票号码", "Invoice number"),
    ("issue", "开具", "Issue"),
    ("no_invoices", "没有开票申请。", "No invoice requests."),
    ("invoice_status_pending", "待开票", "To issue"),
    ("invoice_status_issued", "已开票", "Issued"),
    ("notice_product_created", "商品已上架。", "The product is listed."),
    ("notice_product_delisted", "商品已下架。", "The product is delisted."),
    ("notice_order_shipped", "订单已发货。", "The order is shipped."),
    ("notice_order_cancelled", "订单已取消。", "The order is cancelled."),
    ("notice_after_sales_resolved", "售后已处理。", "The after-sales case is resolved."),
    ("notice_complaint_resolved", "投诉已处理。", "The complaint is resolved."),
    ("notice_reply_sent", "回复已发送。", "The reply was sent."),
    ("notice_withdrawal_done", "提现成功，已转入收款账户。", "Withdrawn to the payout account."),
    (
        "notice_withdrawal_replayed",
        "该表单已提交过，只提现一次。",
        "This form was already submitted; the money was withdrawn once.",
    ),
    ("notice_commission_paid", "佣金已支付。", "The commission is paid."),
    (
        "notice_commission_replayed",
        "该表单已提交过，佣金只支付一次。",
        "This form was already submitted; the commission was paid once.",
    ),
    ("notice_invoice_issued", "发票已开具。", "The invoice is recorded as issued."),
    // Closure, the payout account and refunds (closure.rs).
    ("closure", "店铺注销", "Shop closure"),
    ("closure_checks", "注销检查", "Closure checks"),
    (
        "closure_intro",
        "每项检查都自动进行；未通过的检查请按“处理方式”处理，处理后刷新本页即可看到结果。",
        "Every check runs by itself; clear a failing check as its action says, then reload this page.",
    ),
    ("check", "检查项", "Check"),
    ("count", "数量", "Count"),
    ("what_to_do", "处理方式", "What to do"),
    ("clears_on", "预计通过日期", "Passes on"),
    ("check_passed", "已通过", "Passed"),
    ("check_failing", "未通过", "Failing"),
    ("go_fix", "去处理", "Go there"),
    ("earliest_close_on", "最早注销日期", "Earliest closing day"),
    (
        "closure_ready",
        "需要处理的检查已全部通过，可以申请注销。",
        "Every check that needs action passes: the shop may ask to close.",
    ),
    ("closure_blocked_count", "申请注销前需要处理的检查：", "Checks to clear before asking to close:"),
    ("closure_last_withdrawn", "上次的注销申请已撤回：", "The last closure request was withdrawn:"),
    ("request_closure", "申请注销", "Ask to close the shop"),
    (
        "request_closure_intro",
        "申请后进入 30 天公示期，公示期内不再接受新订单，可随时撤回；公示期满且检查全部通过后店铺注销，注销不可恢复。",
        "The request starts a 30-day notice period: no new orders, and it can be withdrawn. When it ends and every check passes, the shop closes for good.",
    ),
    ("closure_reason", "注销原因", "Reason"),
    ("closure_reason_text", "原因说明（至少 10 个字）", "Explanation (at least 10 characters)"),
    ("confirm_shop_name", "再次输入店铺名称以确认", "Type the shop's name again to confirm"),
    ("choose", "请选择", "Choose"),
    ("closure_reason_no_longer_operating", "不再经营", "No longer operating"),
    ("closure_reason_poor_results", "经营不善", "Poor results"),
    ("closure_reason_moving_platform", "转型其他平台", "Moving to another platform"),
    ("closure_reason_other", "其他", "Other"),
    ("notice_period", "公示期", "Notice period"),
    ("countdown_prefix", "距离注销还有", "Closing in"),
    ("countdown_suffix", "天", "days"),
    (
        "countdown_over",
        "公示期已满：检查每日复查，全部通过后即注销",
        "The notice period is over: the checks run again daily and the shop closes once all pass",
    ),
    ("closes_on", "注销日期", "Closes on"),
    ("requested_at", "申请时间", "Requested"),
    (
        "notice_period_intro",
        "公示期内店铺不接受新订单；到期当天系统重新检查，全部通过即注销，否则每日复查。",
        "During the notice period the shop takes no new orders; on the closing day every check runs again, and the shop closes when all pass (otherwise they run again daily).",
    ),
    ("recheck_blocked", "最近一次复查未通过，请处理：", "The last re-check failed; clear these:"),
    ("withdraw_closure", "撤回注销申请", "Withdraw the closure"),
    ("shop_closed", "店铺已注销", "The shop is closed"),
    (
        "shop_closed_intro",
        "店铺已注销，不可恢复；交易记录至少保留 3 年，仍可查看。",
        "The shop is closed for good; its records are kept at least 3 years and stay readable.",
    ),
    ("closed_on", "注销日期", "Closed on"),
    ("refund", "保证金退还", "Deposit refund"),
    ("refund_queue", "保证金退还审核", "Refund queue"),
    (
        "refund_queue_intro",
        "按截止日期排序；已逾期的退还须尽快审核，冻结资金不会因超时自动退还。",
        "Earliest due first; overdue refunds need a decision soon: held money is never released by time alone.",
    ),
    ("refund_amount", "冻结待退金额", "Held for the refund"),
    ("release_on", "最早退还日", "Release from"),
    ("due_on", "审核截止日", "Decision due"),
    ("overdue", "已逾期", "Overdue"),
    ("overdue_count", "已逾期未审核：", "Overdue without a decision:"),
    ("review_reasons", "转人工审核原因", "Why it needs review"),
    ("refund_outcome", "审核结论", "Outcome"),
    ("refund_paid", "已退还", "Paid"),
    ("refund_deducted", "扣除", "Deducted"),
    ("decision_reason", "扣除或不予退还原因", "Reason"),
    ("decided_at", "审核时间", "Decided"),
    ("no_refund", "没有保证金退还记录。", "No deposit refund."),
    ("no_refunds", "没有符合条件的保证金退还。", "No refunds match."),
    (
        "refund_holding_intro",
        "保证金已冻结待退：到最早退还日时，店铺无违规且无未完结事项将自动全额退还，否则转人工审核。",
        "The deposit is held for the refund: on the release day it is paid in full when the shop has no violation and nothing open; otherwise reviewers decide.",
    ),
    (
        "refund_review_intro",
        "保证金退还正在人工审核，审核截止日前作出结论。",
        "Reviewers are deciding the refund, by the due day.",
    ),
    ("refund_decided_intro", "保证金退还已完成审核。", "The refund is decided."),
    ("refund_status_holding", "冻结待退", "Held"),
    ("refund_status_in_review", "审核中", "In review"),
    ("refund_status_paid", "已全额退还", "Paid in full"),
    ("refund_status_partially_paid", "已部分退还", "Partially paid"),
    ("refund_status_forfeited", "不予退还", "Forfeited"),
    ("refund_outcome_full", "全额退还", "Full refund"),
    ("refund_outcome_partial", "扣除后退还", "Partial refund"),
    ("refund_outcome_forfeit", "不予退还", "Forfeit"),
    ("review_reason_violations", "有违规记录", "Violations on record"),
    ("review_reason_after_sales_open", "有未完结的售后", "Open after-sales cases"),
    ("review_reason_complaints_open", "有未处理的投诉", "Open complaints"),
    ("review_reason_orders_open", "有未完结的订单", "Open orders"),
    ("review_reason_deposit_negative", "保证金余额为负", "Negative deposit"),
    ("review_reason_payout_account_missing", "未设置收款账户", "No payout account"),
    ("refund_decision", "审核结论", "Decision"),
    ("deduct_yuan", "扣除金额（元，仅扣除后退还时填写）", "Amount deducted (yuan, partial refunds only)"),
    (
        "decision_reason_hint",
        "原因（扣除后退还或不予退还时必填）",
        "Reason (required for a partial refund or a forfeit)",
    ),
    ("submit_decision", "提交审核结论", "Submit the decision"),
    ("payout_account", "收款账户", "Payout account"),
    ("payout_missing", "未设置", "Not set"),
    ("edit_payout", "设置收款账户", "Set the payout account"),
    (
        "payout_intro",
        "保证金退还和货款提现都转入此账户；账号只显示后四位。",
        "Deposit refunds and withdrawals are paid to this account; only its last four digits are shown.",
    ),
    (
        "payout_holder_rule",
        "企业店铺的收款账户户名须与主体名称一致：",
        "An enterprise's account must be held by the registered entity:",
    ),
    ("holder_name", "开户名", "Account holder"),
    ("bank_name", "开户银行", "Bank"),
    ("account_number", "银行账号", "Account number"),
    (
        "notice_closure_requested",
        "注销申请已提交，店铺进入 30 天公示期。",
        "The closure was requested: the 30-day notice period has started.",
    ),
    (
        "notice_closure_withdrawn",
        "注销申请已撤回，店铺恢复营业。",
        "The closure was withdrawn; the shop operates again.",
    ),
    ("notice_payout_saved", "收款账户已保存。", "The payout account is saved."),
    (
        "notice_refund_decided",
        "审核结论已提交，资金已按结论处理。",
        "The decision is recorded and the money moved accordingly.",
    ),
    ("check_products_listed", "仍有在售商品", "Products still listed"),
    ("check_unshipped_orders", "仍有待发货订单", "Paid orders not shipped"),
    ("check_orders_in_transit", "仍有运输中的订单", "Orders in transit"),
    ("check_last_order_recent", "最近订单完成或关闭未满 90 天", "Last order closed less than 90 days ago"),
    ("check_after_sales_open", "仍有未完结的售后", "Open after-sales cases"),
    ("check_complaints_open", "仍有未处理的投诉", "Open complaints"),
    ("check_unanswered_messages", "仍有未回复的买家消息", "Unanswered buyer messages"),
    ("check_unsettled_funds", "仍有未结算或未提现的货款", "Proceeds not settled or not withdrawn"),
    ("check_commission_owed", "仍有未支付的达人佣金", "Creator commissions owed"),
    ("check_invoices_pending", "仍有未开具的发票", "Invoices to issue"),
    ("check_deposit_negative", "保证金余额为负", "Negative deposit balance"),
    ("check_violation_appeal_pending", "仍有审核中的违规申诉", "Violation appeals under review"),
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

    /// The closure and operation texts are the domain's own in Chinese, so the two cannot drift.
    #[test]
    fn closure_names_match_the_domain() {
        use domain::closure::{CheckCode, ReasonCode, RefundOutcome, RefundStatus};
        use domain::operations::{
            AfterSalesKind, CaseStatus, CommissionStatus, InvoiceStatus, OrderStatus, ProductStatus,
        };
        let check = |key: String, zh: &str| {
            assert_eq!(lookup(Lang::Zh, &key), Some(zh), "{key}");
            assert!(lookup(Lang::En, &key).is_some(), "{key}");
        };
        for code in CheckCode::ALL {
            check(format!("check_{}", code.as_str()), code.name_zh());
        }
        for code in ReasonCode::ALL {
            check(format!("closure_reason_{}", code.as_str()), code.name_zh());
        }
        for status in RefundStatus::ALL {
            check(format!("refund_status_{}", status.as_str()), status.name_zh());
        }
        for outcome in RefundOutcome::ALL {
            check(format!("refund_outcome_{}", outcome.as_str()), outcome.name_zh());
        }
        for status in OrderStatus::ALL {
            check(format!("order_status_{}", status.as_str()), status.name_zh());
        }
        for status in ProductStatus::ALL {
            check(format!("product_status_{}", status.as_str()), status.name_zh());
        }
        for kind in AfterSalesKind::ALL {
            check(format!("after_sales_kind_{}", kind.as_str()), kind.name_zh());
        }
        for status in CaseStatus::ALL {
            check(format!("case_status_{}", status.as_str()), status.name_zh());
        }
        for status in CommissionStatus::ALL {
            check(format!("commission_status_{}", status.as_str()), status.name_zh());
        }
        for status in InvoiceStatus::ALL {
            check(format!("invoice_status_{}", status.as_str()), status.name_zh());
        }
    }
}
