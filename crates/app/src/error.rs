//! The one table of error codes (stable snake_case strings, documented in docs/errors.md) and the
//! error every use case returns.

macro_rules! error_codes {
    ($($variant:ident => $code:literal, $zh:literal, $en:literal;)*) => {
        /// A stable error code. The HTTP status of each lives in `api::error`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Code { $($variant,)* }

        impl Code {
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $code,)* }
            }

            /// A short title in Chinese, shown first to users.
            pub fn title_zh(self) -> &'static str {
                match self { $(Code::$variant => $zh,)* }
            }

            pub fn title_en(self) -> &'static str {
                match self { $(Code::$variant => $en,)* }
            }
        }
    };
}

error_codes! {
    MalformedJson => "malformed_json", "请求体不是合法的 JSON", "The request body is not valid JSON";
    InvalidField => "invalid_field", "字段缺失或格式错误", "A field is missing or has the wrong form";
    PayloadTooLarge => "payload_too_large", "请求体过大", "The request body is too large";
    UnsupportedMediaType => "unsupported_media_type", "不支持的内容类型", "Unsupported content type";
    NotFound => "not_found", "资源不存在", "Not found";
    MethodNotAllowed => "method_not_allowed", "不支持该请求方法", "Method not allowed";
    Unauthorized => "unauthorized", "未登录或登录已失效", "Missing, expired or revoked token";
    InvalidCredentials => "invalid_credentials", "用户名或密码错误", "Wrong username or password";
    TooManyLoginAttempts => "too_many_login_attempts", "登录失败次数过多，请稍后再试", "Too many failed logins, try again later";
    Forbidden => "forbidden", "无权执行此操作", "Your role may not do this";
    CsrfFailed => "csrf_failed", "表单已过期，请刷新后重试", "The form expired; reload and try again";
    ClockNotManual => "clock_not_manual", "系统时钟不可手动设置", "The clock is the system clock";
    InvalidDate => "invalid_date", "日期格式错误", "Invalid date";
    InvalidUsername => "invalid_username", "用户名格式错误", "Invalid username";
    WeakPassword => "weak_password", "密码长度须为 8 到 256 个字符", "The password must be 8 to 256 characters";
    UnknownRole => "unknown_role", "未知角色", "Unknown role";
    UsernameTaken => "username_taken", "用户名已存在", "The username is taken";
    MerchantRequired => "merchant_required", "商家用户必须指定所属商家", "A merchant user needs a merchant";
    InvalidCalendarNotice => "invalid_calendar_notice", "节假日通知文件格式错误", "The calendar notice is malformed";
    InvalidAmount => "invalid_amount", "金额无效", "The amount must be a positive number of fen within the limit";
    IdempotencyKeyRequired => "idempotency_key_required", "缺少幂等键 Idempotency-Key", "Send an Idempotency-Key header with money-moving requests";
    IdempotencyKeyReused => "idempotency_key_reused", "幂等键已用于不同的请求", "This Idempotency-Key was used with a different request";
    InsufficientFunds => "insufficient_funds", "可用余额不足", "Not enough available money";
    UnknownCategory => "unknown_category", "未知的经营类目", "Unknown shop category";
    AppealWindowClosed => "appeal_window_closed", "申诉期已过", "The appeal window has closed";
    NotAppealable => "not_appealable", "该违规当前不可申诉", "This violation cannot be appealed now";
    AlreadyDecided => "already_decided", "已作出审核决定", "A decision was already made";
    InvalidUscc => "invalid_uscc", "统一社会信用代码格式错误", "The unified social credit code is malformed";
    InvalidResidentId => "invalid_resident_id", "身份证号码无效", "The resident ID number is invalid";
    InvalidPhone => "invalid_phone", "手机号码格式错误", "The mobile phone number is invalid";
    InvalidEmail => "invalid_email", "电子邮箱格式错误", "The e-mail address is invalid";
    UnknownIndustry => "unknown_industry", "未知的行业", "Unknown industry";
    IndustryNotAdmitted => "industry_not_admitted", "该行业暂不支持企业认证", "Companies of this industry cannot be verified";
    DocumentTooLarge => "document_too_large", "文件超过 10 MiB", "The document is larger than 10 MiB";
    UnsupportedDocumentType => "unsupported_document_type", "仅支持 JPEG、PNG 或 PDF 文件", "Only JPEG, PNG or PDF documents are accepted";
    VerificationIncomplete => "verification_incomplete", "认证材料不完整或未缴费", "Documents or the fee are missing";
    VerificationCooldown => "verification_cooldown", "认证失败后 30 天内不能重新申请", "A new application must wait 30 days after a failed one";
    VerificationInProgress => "verification_in_progress", "该企业号已有进行中的认证申请", "The account already has an application in progress";
    VerificationStatusConflict => "verification_status_conflict", "当前认证状态不允许此操作", "The application's status does not allow this";
    VerificationClaimed => "verification_claimed", "另一位审核员正在审核该申请", "Another reviewer holds this application; take it over by naming them";
    VerificationLocked => "verification_locked", "已认证的企业信息不可修改", "Verified company data cannot be edited";
    UsccAccountLimit => "uscc_account_limit", "该统一社会信用代码认证的企业号已达上限", "This company has verified the most accounts allowed";
    FeeAlreadyPaid => "fee_already_paid", "认证审核费已支付", "The review fee of this application is already paid";
    StatusConflict => "status_conflict", "当前状态不允许此操作", "The record's status does not allow this";
    ShopNotOperating => "shop_not_operating", "店铺不在营业状态", "The shop is not operating";
    ShopNotAcceptingOrders => "shop_not_accepting_orders", "店铺已停止接单", "The shop accepts no new orders";
    PayoutAccountMissing => "payout_account_missing", "请先设置收款账户", "Set the shop's payout account first";
    PayoutReportConflict => "payout_report_conflict", "打款回执与已有记录矛盾", "The report contradicts what was already reported for this payout";
    InvalidSettlementFile => "invalid_settlement_file", "对账文件格式错误", "The settlement file is malformed";
    PayoutHolderMismatch => "payout_holder_mismatch", "企业店铺的收款账户户名须与主体名称一致", "An enterprise's payout account must be held by the registered entity";
    ClosureBlocked => "closure_blocked", "店铺暂不满足注销条件", "The shop cannot close yet: see the failing checks";
    ClosureReasonIncomplete => "closure_reason_incomplete", "请选择注销原因并填写至少 10 个字的说明", "Choose a reason and explain it in at least 10 characters";
    ConfirmNameMismatch => "confirm_name_mismatch", "输入的店铺名称与店铺不一致", "The name typed does not match the shop's name";
    ForfeitNotAllowed => "forfeit_not_allowed", "仅严重违规的店铺可不予退还保证金", "Only a shop with a serious violation may forfeit its deposit";
    ReopenCooldown => "reopen_cooldown", "店铺注销退款完成 6 个月内不能开设新店", "A new shop may open only 6 months after the old shop's refund";
    UnknownTeamRole => "unknown_team_role", "未知的团队角色", "Team roles are owner, operator, approver and finance";
    LastOwner => "last_owner", "商家至少需要保留一名所有者", "A merchant keeps at least one owner";
    VideoTooLarge => "video_too_large", "视频文件超过大小上限", "The video file is larger than the limit";
    UnsupportedVideoType => "unsupported_video_type", "仅支持 MP4 或 MOV 视频文件", "Only MP4 or MOV video files are accepted";
    CoverTooLarge => "cover_too_large", "封面图片超过 5 MiB", "The cover image is larger than 5 MiB";
    UnsupportedCoverType => "unsupported_cover_type", "封面仅支持 JPEG 或 PNG 图片", "Only JPEG or PNG cover images are accepted";
    UploadIncomplete => "upload_incomplete", "上传未完成", "The upload ended before its last byte";
    VideoStatusConflict => "video_status_conflict", "当前视频状态不允许此操作", "The video's status does not allow this";
    VideoIncomplete => "video_incomplete", "请先上传视频文件或填写外部链接", "Upload the video file or give its external address first";
    InvalidPublishTime => "invalid_publish_time", "发布时间须晚于当前时间且在一年之内", "The publish time must be in the future and within a year";
    AccountNotVerified => "account_not_verified", "仅已认证（蓝V）的企业号可置顶视频", "Only verified (blue V) accounts may pin videos";
    PinLimitReached => "pin_limit_reached", "每个企业号最多置顶 3 个视频", "An account pins at most 3 videos";
    CommentHidden => "comment_hidden", "评论已隐藏，请先取消隐藏", "The comment is hidden: unhide it first";
    CommentBatchTooLarge => "comment_batch_too_large", "评论批次行数超过上限", "A comment batch carries too many lines";
    IncidentResolved => "incident_resolved", "舆情事件已解决", "The reputation incident is resolved already";
    IncidentViolationExists => "incident_violation_exists", "该舆情事件已转为违规", "The reputation incident was already turned into a violation";
    InvalidKeyword => "invalid_keyword", "关键词格式错误或数量超限", "A watched keyword is empty, too long, or the list is too long";
    InvalidReputationSettings => "invalid_reputation_settings", "舆情监测设置无效", "The reputation settings are out of bounds or out of order";
    AssigneeNotMember => "assignee_not_member", "负责人须为本商家可处理评论的成员", "The assignee must be a member of the merchant's team who may reply";
    EventBatchTooLarge => "event_batch_too_large", "事件批次行数超过上限", "An event batch carries too many lines";
    ServerBusy => "server_busy", "服务器繁忙，请稍后再试", "The server is busy; try again in a moment";
    TooManyRequests => "too_many_requests", "操作过于频繁，请稍后再试", "Too many requests of this kind; wait a minute";
    RequestTimeout => "request_timeout", "请求超时", "The request took too long";
    WebhookTargetNotPublic => "webhook_target_not_public", "Webhook 地址须为公网地址", "The webhook address is not a public internet address";
    EntityHeldElsewhere => "entity_held_elsewhere", "该经营主体已由其他商家使用", "Another merchant holds this registered entity";
    StorageQuotaExceeded => "storage_quota_exceeded", "存储空间已用完，请删除不用的视频后再上传", "The merchant's storage quota is used up";
    NotReady => "not_ready", "服务暂不可用：数据库未就绪", "Not ready: the database does not answer or its schema is not current";
    CommentIsReply => "comment_is_reply", "企业号自己的回复没有情感标签", "The account's own replies carry no sentiment";
    NoSentimentExamples => "no_sentiment_examples", "没有可学习的情感纠正或标注", "No sentiment corrections or labelled rows to learn from";
    Internal => "internal", "服务器内部错误", "Internal error";
}

/// What a use case answers when it cannot do what was asked. `detail` is safe to show to the
/// caller; internal causes are logged where they happen and never put here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppError {
    pub code: Code,
    pub detail: String,
}

impl AppError {
    pub fn new(code: Code, detail: impl Into<String>) -> AppError {
        AppError { code, detail: detail.into() }
    }

    /// Input that breaks a rule of its field: `invalid_field` with the field named first, so the
    /// API's problem names it (`reason_text: 10 to 2000 characters`).
    pub fn invalid(field: &str, rule: &str) -> AppError {
        AppError::new(Code::InvalidField, format!("{field}: {rule}"))
    }

    pub fn not_found(what: &str) -> AppError {
        AppError::new(Code::NotFound, format!("{what} not found"))
    }

    /// A refusal of the caller's role or team role; logged as a security event.
    pub fn forbidden() -> AppError {
        AppError::refused("your role may not do this")
    }

    /// A permission refusal with its reason (the right the caller lacks), logged as a security event.
    pub fn refused(detail: impl Into<String>) -> AppError {
        let detail = detail.into();
        tracing::info!(target: "security", event = "permission_refused", detail = detail.as_str(), "permission refused");
        AppError::new(Code::Forbidden, detail)
    }

    /// Logs an unexpected failure with its cause and returns an error that reveals nothing of it.
    pub fn internal(cause: &dyn std::fmt::Display) -> AppError {
        tracing::error!(error = %cause, "internal error");
        AppError::new(Code::Internal, "internal error")
    }
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.detail)
    }
}

impl std::error::Error for AppError {}

impl From<store::StoreError> for AppError {
    fn from(error: store::StoreError) -> Self {
        AppError::internal(&error)
    }
}

impl From<domain::auth::AuthInputError> for AppError {
    fn from(error: domain::auth::AuthInputError) -> Self {
        use domain::auth::AuthInputError as E;
        let code = match error {
            E::InvalidUsername => Code::InvalidUsername,
            E::WeakPassword => Code::WeakPassword,
            E::UnknownRole => Code::UnknownRole,
        };
        AppError::new(code, error.to_string())
    }
}

pub type AppResult<T> = Result<T, AppError>;
