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
    // Enterprise accounts and blue-V verification (verification.rs).
    ("enterprise_accounts", "企业号", "Enterprise accounts"),
    ("enterprise_account", "企业号", "Enterprise account"),
    ("verification_queue", "认证审核", "Verification queue"),
    ("my_verifications", "认证申请", "Applications"),
    ("notifications", "消息通知", "Notifications"),
    ("fee_confirmation", "认证费确认", "Fee confirmation"),
    ("nickname", "账号名称", "Nickname"),
    ("bio", "简介", "Bio"),
    ("create_account", "创建企业号", "Create an enterprise account"),
    ("no_accounts", "还没有企业号。", "No enterprise accounts yet."),
    ("back_to_accounts", "返回企业号列表", "Back to the enterprise accounts"),
    ("badge", "认证标识", "Badge"),
    ("badge_mark", "蓝V", "Blue V"),
    ("verified", "已认证", "Verified"),
    ("not_verified", "未认证", "Not verified"),
    ("badge_expired", "认证已过期", "Badge expired"),
    ("granted_on", "认证日期", "Granted on"),
    ("valid_until", "有效期至", "Valid until"),
    ("cooldown_until", "重新申请日期", "May apply again on"),
    (
        "cooldown_explained",
        "上一次认证失败，30 天内不能重新申请。",
        "The last application failed; a new one must wait 30 days.",
    ),
    ("latest_application", "最近申请", "Latest application"),
    ("applications", "认证申请", "Applications"),
    ("no_applications", "还没有认证申请。", "No applications yet."),
    ("application", "认证申请", "Application"),
    ("new_application", "申请蓝V认证", "Apply for blue-V verification"),
    ("renewal_application", "申请年审（续期认证）", "Apply for renewal"),
    ("renewal", "年审", "Renewal"),
    ("application_open", "该企业号已有进行中的认证申请：", "This account has an application in progress: "),
    ("company_name", "企业名称", "Company name"),
    ("brand_name", "品牌名称（可选）", "Brand name (optional)"),
    ("uscc", "统一社会信用代码", "Unified social credit code"),
    ("legal_rep_name", "法定代表人姓名", "Legal representative"),
    ("legal_rep_id_number", "法定代表人身份证号码", "Legal representative's ID number"),
    (
        "id_number_reenter",
        "出于安全考虑，身份证号码不回显；修改资料时请重新输入。",
        "For safety the ID number is never shown again; enter it again to change the data.",
    ),
    ("industry", "所属行业", "Industry"),
    ("not_admitted", "暂不支持认证", "not admitted"),
    ("permit_industries", "以下行业需上传行业资质：", "These industries need an industry permit: "),
    ("refused_industries", "以下行业暂不支持蓝V认证：", "These industries cannot be verified: "),
    (
        "permit_needed",
        "该行业需上传行业资质（如食品经营许可证）。",
        "This industry needs an industry permit (such as a food business licence).",
    ),
    ("contact_phone", "联系手机", "Contact mobile phone"),
    ("contact_email", "联系邮箱", "Contact e-mail"),
    ("operator_is_legal_rep", "由法定代表人本人操作", "The legal representative operates the account"),
    (
        "authorization_needed",
        "非法定代表人本人操作时，需上传加盖公章的授权书。",
        "When someone else operates the account, upload an authorisation letter with the company seal.",
    ),
    ("save_application", "保存申请", "Save the application"),
    ("edit_application", "修改申请资料", "Correct the application"),
    ("yes", "是", "Yes"),
    ("no", "否", "No"),
    ("fee", "认证审核费", "Review fee"),
    ("fee_paid", "已支付", "Paid"),
    ("fee_unpaid", "未支付", "Not paid"),
    (
        "fee_explained",
        "每次申请收取审核服务费 ¥600，无论审核结果如何均不退还。",
        "Each application costs a ¥600 review fee, never refunded whatever the outcome.",
    ),
    ("paid_at", "支付时间", "Paid at"),
    ("payment_ref", "支付流水号", "Payment reference"),
    ("documents", "认证材料", "Documents"),
    ("no_documents", "还没有上传材料。", "No documents yet."),
    ("document_kind", "材料类型", "Kind"),
    ("file_type", "文件类型", "Type"),
    ("size", "大小", "Size"),
    ("uploaded_at", "上传时间", "Uploaded"),
    ("open_document", "查看", "Open"),
    ("open_in_new_window", "在新窗口打开", "Open in a new window"),
    ("upload_document", "上传材料", "Upload a document"),
    ("file", "文件", "File"),
    ("upload", "上传", "Upload"),
    (
        "upload_limits",
        "支持 JPEG、PNG 或 PDF，单个文件不超过 10 MiB；以文件内容识别类型。",
        "JPEG, PNG or PDF, at most 10 MiB each; the type is read from the content.",
    ),
    ("uploading", "正在上传…", "Uploading…"),
    ("upload_failed", "上传失败，请重试。", "The upload failed; try again."),
    ("choose_file", "请选择文件。", "Choose a file."),
    ("required_documents", "需要的材料", "Documents needed"),
    ("submit_application", "提交审核", "Submit for review"),
    ("still_missing", "提交前还需要：", "Still missing before submitting:"),
    (
        "ready_to_submit",
        "材料齐全且已缴费，可以提交审核。",
        "Everything is here and paid; the application can be submitted.",
    ),
    (
        "review_times",
        "提交后 3 个工作日内完成审核，最迟不超过 5 个工作日。",
        "Reviews are done within 3 working days of submission, 5 at the latest.",
    ),
    ("missing_fee", "认证审核费（¥600）", "The review fee (¥600)"),
    ("target_on", "目标审核日", "Target date"),
    ("due_on", "最迟审核日", "Due date"),
    ("overdue", "已超期", "Overdue"),
    ("submitted_at", "提交时间", "Submitted"),
    ("claimed_by", "审核员", "Reviewer"),
    ("claim", "领取", "Claim"),
    ("take_over", "接手审核", "Take over"),
    ("warnings", "风险提示", "Warnings"),
    ("no_warnings", "无风险提示。", "No warnings."),
    (
        "warning_uscc_checksum_mismatch",
        "统一社会信用代码校验位不符：早期试点代码可能如此，请人工核实后再决定。",
        "The unified social credit code's check character does not match: some early pilot codes do; check it by hand before deciding.",
    ),
    (
        "warning_nickname_mismatch",
        "账号名称与企业名称或品牌名称不符。",
        "The account nickname matches neither the company nor the brand name.",
    ),
    (
        "warning_resident_id_seen_elsewhere",
        "法定代表人身份证号码出现在其他企业的认证申请中。",
        "The legal representative's ID number is on another company's application.",
    ),
    ("decision", "审核决定", "Decision"),
    ("outcome", "审核结果", "Outcome"),
    ("outcome_approve", "通过", "Approve"),
    ("outcome_reject", "驳回", "Reject"),
    ("outcome_request_changes", "要求修改", "Request changes"),
    ("reasons", "原因", "Reasons"),
    (
        "reasons_hint",
        "驳回或要求修改时至少选择一个原因。",
        "A rejection or change request needs at least one reason.",
    ),
    ("note", "说明", "Note"),
    ("decide", "提交审核决定", "Record the decision"),
    ("case", "审核案件", "Case"),
    ("timeline", "进度", "Timeline"),
    ("all_statuses", "全部状态", "All statuses"),
    ("awaiting_review", "待审核", "Awaiting review"),
    ("queue_empty", "没有待审核的认证申请。", "No applications are waiting."),
    ("changes_due", "修改并重新提交截止", "Correct and resubmit by"),
    ("rejections", "驳回次数", "Rejections"),
    ("verification_status_draft", "草稿", "Draft"),
    ("verification_status_submitted", "待审核", "Submitted"),
    ("verification_status_in_review", "审核中", "In review"),
    ("verification_status_approved", "已通过", "Approved"),
    ("verification_status_rejected", "已驳回", "Rejected"),
    ("verification_status_changes_requested", "待修改", "Changes requested"),
    ("verification_status_failed", "认证失败", "Failed"),
    ("document_kind_business_licence", "营业执照", "Business licence"),
    ("document_kind_application_letter", "认证公函", "Application letter"),
    ("document_kind_authorization_letter", "授权书", "Authorisation letter"),
    ("document_kind_industry_permit", "行业资质", "Industry permit"),
    ("event_created", "创建申请", "Application created"),
    ("event_updated", "修改资料", "Data corrected"),
    ("event_document", "上传材料", "Document uploaded"),
    ("event_fee_paid", "审核费已支付", "Review fee paid"),
    ("event_submitted", "提交审核", "Submitted for review"),
    ("event_resubmitted", "重新提交", "Resubmitted"),
    ("event_claimed", "审核员已领取", "Claimed by a reviewer"),
    ("event_decided", "审核决定", "Decision"),
    ("event_failed", "认证失败", "Application failed"),
    ("failed_changes_deadline", "未在期限内修改并重新提交", "Not corrected and resubmitted in time"),
    ("badge_dates", "认证标识有效期", "Badge valid"),
    ("check_ok", "格式正确", "Looks right"),
    ("check_length", "不能为空，且不能超过长度上限", "Required, and within the length limit"),
    ("check_unknown_field", "未知字段", "Unknown field"),
    (
        "check_uscc_invalid_format",
        "统一社会信用代码为 18 位，由数字和大写字母组成（不含 I、O、S、V、Z），第 3–8 位为行政区划代码",
        "A unified social credit code is 18 digits and capital letters (no I, O, S, V, Z); positions 3–8 are the region code",
    ),
    (
        "check_uscc_checksum",
        "校验位不符：早期试点代码可能如此，提交后由审核员人工核实",
        "The check character does not match: some early pilot codes do; a reviewer will check it",
    ),
    (
        "check_legal_rep_id_number_invalid_format",
        "身份证号码为 17 位数字加 1 位数字或 X",
        "An ID number is 17 digits followed by a digit or X",
    ),
    (
        "check_legal_rep_id_number_invalid_birth_date",
        "身份证号码中的出生日期不是有效日期",
        "The birth date in the ID number is not a real date",
    ),
    (
        "check_legal_rep_id_number_checksum_mismatch",
        "身份证号码校验位不符，请核对",
        "The ID number's check character does not match; check the number",
    ),
    (
        "check_legal_rep_id_number_birth_date_in_future",
        "身份证号码中的出生日期晚于今天",
        "The birth date in the ID number is after today",
    ),
    (
        "check_contact_phone_invalid_format",
        "手机号码为 11 位，以 13–19 开头，可带 +86",
        "A mobile number is 11 digits starting with 13–19, optionally after +86",
    ),
    ("check_contact_email_too_long", "邮箱地址过长", "The e-mail address is too long"),
    ("check_contact_email_invalid_format", "邮箱地址须包含一个 @", "An e-mail address has exactly one @"),
    ("check_contact_email_invalid_local_part", "@ 前的部分格式不正确", "The part before @ is not valid"),
    (
        "check_contact_email_invalid_domain",
        "@ 后须为域名，例如 example.com",
        "The part after @ must be a domain such as example.com",
    ),
    ("check_industry_unknown", "请从列表中选择行业", "Choose an industry from the list"),
    ("check_industry_not_admitted", "该行业暂不支持蓝V认证", "This industry cannot be verified"),
    ("confirm_fee", "确认收款", "Confirm the payment"),
    (
        "fee_form_intro",
        "支付渠道收到认证审核费后，在此确认。同一表单重复提交只记一次。",
        "Confirm a review fee once the payment channel received it. Submitting the same form twice records it once.",
    ),
    ("verification_id", "认证申请编号", "Application number"),
    ("mark_read", "标为已读", "Mark read"),
    ("unread", "未读", "Unread"),
    ("read", "已读", "Read"),
    ("no_notifications", "没有消息。", "No notifications."),
    ("open_link", "查看详情", "Details"),
    (
        "notice_account_created",
        "企业号已创建，可以申请蓝V认证。",
        "The enterprise account was created; you can apply for verification now.",
    ),
    (
        "notice_application_created",
        "申请已创建（草稿）：请上传材料，缴费后提交审核。",
        "The application was created as a draft: upload the documents, pay the fee, then submit.",
    ),
    ("notice_application_updated", "申请资料已保存。", "The application was saved."),
    ("notice_document_uploaded", "材料已上传。", "The document was uploaded."),
    ("notice_submitted", "已提交审核。", "The application was submitted for review."),
    ("notice_claimed", "已领取该申请。", "You claimed the application."),
    ("notice_decided", "审核决定已记录。", "The decision was recorded."),
    ("notice_fee_confirmed", "认证审核费已确认。", "The review fee was confirmed."),
    (
        "notice_fee_replayed",
        "该表单已提交过，费用只记录一次。",
        "This form was already submitted; the fee was recorded once.",
    ),
    ("notice_notification_read", "已标为已读。", "Marked read."),
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
