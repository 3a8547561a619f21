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
    // ----- videos, the content calendar, approvals and the team -----
    ("videos", "视频", "Videos"),
    ("video", "视频", "Video"),
    ("approvals", "视频审批", "Video approvals"),
    ("team", "团队成员", "Team"),
    ("content_calendar", "内容日历", "Content calendar"),
    ("calendar_month", "月视图", "Month view"),
    ("calendar_week", "周视图", "Week view"),
    ("prev_week", "上一周", "Previous week"),
    ("next_week", "下一周", "Next week"),
    (
        "calendar_legend",
        "红底为休息日（周末与法定节假日），黄底为调休上班日；粉色标签为购物节；时间为北京时间。",
        "Red: days off (weekends and statutory holidays); yellow: make-up working days; pink tags: shopping festivals; times are China time.",
    ),
    ("cadence", "发布节奏", "Publishing cadence"),
    ("videos_per_week", "每周目标（个视频）", "Target (videos a week)"),
    ("published_last_7_days", "近 7 天已发布", "Published in the last 7 days"),
    ("scheduled_ahead", "未来 {n} 天内已安排", "Scheduled within the next {n} days"),
    ("cadence_ok", "达标", "On track"),
    ("cadence_behind", "落后于目标", "Behind the target"),
    ("cadence_no_target", "未设目标", "No target"),
    (
        "cadence_nothing_scheduled",
        "未来 {n} 天没有安排发布的视频。",
        "Nothing is scheduled for the next {n} days.",
    ),
    ("next_check", "下次检查", "Next check"),
    ("set_cadence", "每周发布目标", "Videos a week"),
    (
        "cadence_hint",
        "0 表示不设目标；每天 9 点检查一次。",
        "0 removes the target; it is checked daily at 9:00.",
    ),
    ("video_title", "标题", "Title"),
    ("video_description", "简介", "Description"),
    ("video_tags", "话题", "Topics"),
    ("video_tags_hint", "以空格分隔，例如 #春节 #年货", "Separated by spaces, e.g. #春节 #年货"),
    ("external_url", "外部链接", "External address"),
    (
        "external_url_hint",
        "视频文件不在这里上传时，填写它的 https:// 地址。",
        "When the video file is not uploaded here, give its https:// address.",
    ),
    ("new_video", "新建视频", "New video"),
    ("create_video", "创建草稿", "Create the draft"),
    ("no_videos", "还没有视频。", "No videos yet."),
    ("videos_by_account", "按企业号查看", "By enterprise account"),
    ("publish_time", "发布时间", "Publish time"),
    ("updated_at", "更新时间", "Updated"),
    ("pinned", "已置顶", "Pinned"),
    ("video_status_draft", "草稿", "Draft"),
    ("video_status_in_review", "待审批", "Awaiting approval"),
    ("video_status_approved", "已通过", "Approved"),
    ("video_status_scheduled", "定时发布", "Scheduled"),
    ("video_status_published", "已发布", "Published"),
    ("video_status_withdrawn", "已撤回", "Withdrawn"),
    ("video_outcome_approved", "审批通过", "Approved"),
    ("video_outcome_sent_back", "退回修改", "Sent back"),
    ("video_file", "视频文件", "Video file"),
    ("no_video_file", "尚未上传", "Not uploaded yet"),
    ("cover", "封面", "Cover"),
    ("no_cover", "尚未上传封面", "No cover yet"),
    ("files", "视频文件与封面", "Video file and cover"),
    ("upload_video_file", "上传视频文件", "Upload the video file"),
    ("upload_cover", "上传封面", "Upload the cover"),
    ("video_upload_limits", "MP4 或 MOV，按文件内容识别。", "MP4 or MOV, judged by the file's content."),
    ("cover_upload_limits", "JPEG 或 PNG，最大 5 MiB。", "JPEG or PNG, at most 5 MiB."),
    ("created_by", "创建人", "Created by"),
    ("video_decision", "审批", "Approval"),
    ("scheduled_for", "计划发布时间", "Scheduled for"),
    ("published_at", "发布时间", "Published at"),
    ("withdrawn_at", "撤回时间", "Withdrawn at"),
    ("edit_video", "编辑视频", "Edit the video"),
    (
        "edit_only_draft",
        "只有草稿可以修改内容：审批通过的就是将要发布的。",
        "Only a draft's content changes: what was approved is what is published.",
    ),
    ("video_actions", "操作", "Actions"),
    (
        "no_actions",
        "当前状态下，你的团队角色没有可执行的操作。",
        "Your team role has nothing to do with the video in this status.",
    ),
    (
        "submit_hint",
        "提交前请上传视频文件或填写外部链接。",
        "Upload the video file or give its external address before submitting.",
    ),
    ("submit_for_approval", "提交审批", "Submit for approval"),
    ("video_approve", "审批通过", "Approve"),
    ("video_comment", "审批意见", "Comment"),
    ("optional", "（选填）", "(optional)"),
    ("send_back_comment", "退回原因", "What to change"),
    ("send_back", "退回修改", "Send back"),
    ("publish_at", "发布时间（北京时间）", "Publish time (China time)"),
    ("schedule", "定时发布", "Schedule"),
    ("reschedule", "修改发布时间", "Reschedule"),
    ("publish_now", "立即发布", "Publish now"),
    ("pin", "置顶", "Pin"),
    ("unpin", "取消置顶", "Unpin"),
    ("pin_hint", "仅已认证的企业号可置顶，最多 3 个。", "Only a verified account pins, at most 3 videos."),
    ("withdraw_video", "撤回视频", "Withdraw the video"),
    ("withdraw_hint", "撤回后不能恢复。", "A withdrawn video stays withdrawn."),
    (
        "approvals_intro",
        "本商家待审批的视频，最早提交的在前。",
        "Your merchant's videos awaiting approval, oldest first.",
    ),
    ("approvals_empty", "没有待审批的视频。", "No videos await approval."),
    (
        "team_intro",
        "所有者管理成员；运营创作内容并回复，审批人审批视频，财务查看保证金与退款。",
        "The owner manages members; operators create content and reply, approvers approve videos, finance sees the deposit and refunds.",
    ),
    ("team_role", "团队角色", "Team role"),
    ("team_role_owner", "所有者", "Owner"),
    ("team_role_operator", "运营", "Operator"),
    ("team_role_approver", "审批人", "Approver"),
    ("team_role_finance", "财务", "Finance"),
    ("add_member", "添加成员", "Add a member"),
    ("change_role", "修改角色", "Change role"),
    ("remove_member", "移除", "Remove"),
    ("you", "（你）", "(you)"),
    ("notice_video_created", "视频草稿已创建。", "The draft video was created."),
    ("notice_video_saved", "视频已保存。", "The video was saved."),
    ("notice_video_uploaded", "视频文件已上传。", "The video file was uploaded."),
    ("notice_cover_uploaded", "封面已上传。", "The cover was uploaded."),
    ("notice_video_submitted", "已提交审批。", "Submitted for approval."),
    ("notice_video_approved", "已审批通过。", "The video was approved."),
    ("notice_video_sent_back", "已退回修改。", "The video was sent back."),
    ("notice_video_scheduled", "已安排定时发布。", "The video is scheduled."),
    ("notice_video_published", "视频已发布。", "The video is published."),
    ("notice_video_withdrawn", "视频已撤回。", "The video was withdrawn."),
    ("notice_video_pinned", "视频已置顶。", "The video is pinned."),
    ("notice_video_unpinned", "已取消置顶。", "The video is unpinned."),
    ("notice_cadence_saved", "发布节奏已保存。", "The cadence was saved."),
    ("notice_member_added", "成员已添加。", "The member was added."),
    ("notice_role_changed", "团队角色已修改。", "The team role was changed."),
    ("notice_member_removed", "成员已移除。", "The member was removed."),
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
