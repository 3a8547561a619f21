//! Enterprise accounts and blue-V verification (applications, documents, fee, review).

use axum::body::Bytes;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use domain::limits::DOCUMENT_BYTES_MAX;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{ANY_ROLE, Answer, MERCHANT, REVIEWER, SERVICE, china_time, created, words};
use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Auth, Json, Path, Query, money_request};
use crate::openapi::{Doc, Method, Routes};
use app::Code;
use app::verification::{AccountRow, ApplicationInput, DocumentRow, VerificationView};

/// The upload route's body limit: above the largest document, so that a somewhat larger upload is
/// read to its end (and discarded) and answered `document_too_large` on a clean connection.
const UPLOAD_BODY_BYTES_MAX: usize = DOCUMENT_BYTES_MAX as usize + 4 * 1024 * 1024;
/// Longest `kind` field of an upload, in bytes.
const KIND_FIELD_BYTES_MAX: usize = 64;

const PLATFORM_READERS: &[&str] = &["merchant", "reviewer", "admin"];

pub fn add(routes: Routes) -> Routes {
    let application = r#"{"account_id":1,"company_name":"杭州小店科技有限公司","brand_name":"小店","uscc":"91350100M000100Y43","legal_rep_name":"张三","legal_rep_id_number":"11010519491231002X","industry":"apparel","contact_phone":"13800138000","contact_email":"ops@example.com","operator_is_legal_rep":true}"#;
    routes
        .add(
            Method::Post,
            "/api/v1/enterprise-accounts",
            Doc::new("verification", "Create an enterprise account (企业号)")
                .roles(MERCHANT)
                .status(201)
                .request::<NewEnterpriseAccount>()
                .answer::<EnterpriseAccountBody>()
                .body(r#"{"nickname":"小店科技","bio":"杭州的小店"}"#),
            create_account,
        )
        .add(
            Method::Get,
            "/api/v1/enterprise-accounts",
            Doc::new("verification", "The caller's enterprise accounts (all for platform roles)")
                .roles(ANY_ROLE)
                .answer::<EnterpriseAccountsBody>(),
            list_accounts,
        )
        .add(
            Method::Get,
            "/api/v1/enterprise-accounts/{id}",
            Doc::new("verification", "One enterprise account with its badge")
                .roles(ANY_ROLE)
                .answer::<EnterpriseAccountBody>(),
            get_account,
        )
        .add(
            Method::Get,
            "/api/v1/verification-options",
            Doc::new("verification", "Industries, document kinds, reason codes and the fee")
                .roles(ANY_ROLE)
                .answer::<VerificationOptionsBody>(),
            get_options,
        )
        .add(
            Method::Post,
            "/api/v1/verifications",
            Doc::new("verification", "Start a verification application (a renewal for a verified account)")
                .roles(MERCHANT)
                .status(201)
                .request::<VerificationApplication>()
                .answer::<VerificationBody>()
                .body(application),
            create_verification,
        )
        .add(
            Method::Get,
            "/api/v1/verifications",
            Doc::new("verification", "Applications: the merchant's own, or the review queue by due date (status, limit)")
                .roles(PLATFORM_READERS)
                .answer::<VerificationsBody>().query::<VerificationsQuery>(),
            list_verifications,
        )
        .add(
            Method::Get,
            "/api/v1/verifications/{id}",
            Doc::new("verification", "One application (reviewers see the ID number in clear)")
                .roles(ANY_ROLE)
                .answer::<VerificationBody>(),
            get_verification,
        )
        .add(
            Method::Put,
            "/api/v1/verifications/{id}",
            Doc::new("verification", "Correct a draft, rejected or changes-requested application")
                .roles(MERCHANT)
                .request::<VerificationApplication>()
                .answer::<VerificationBody>()
                .body(application),
            put_verification,
        )
        .add_with_limit(
            Method::Post,
            "/api/v1/verifications/{id}/documents",
            Doc::new("verification", "Upload a document: multipart fields kind and file (JPEG, PNG or PDF, ≤ 10 MiB)")
                .roles(MERCHANT)
                .status(201)
                .multipart::<VerificationDocumentForm>()
                .answer::<VerificationDocumentBody>(),
            post_document,
            UPLOAD_BODY_BYTES_MAX,
        )
        .add(
            Method::Get,
            "/api/v1/verifications/{id}/documents/{document_id}",
            Doc::new("verification", "A document's file (JPEG, PNG or PDF)").roles(PLATFORM_READERS).file(&["image/jpeg", "image/png", "application/pdf"]),
            get_document,
        )
        .add(
            Method::Post,
            "/api/v1/verifications/{id}/fee-payments",
            Doc::new("verification", "Confirm the review fee payment (never refunded)")
                .roles(SERVICE)
                .status(201)
                .idempotent()
                .request::<VerificationFeePayment>()
                .answer::<VerificationFeePaidBody>()
                .body(r#"{"amount_fen":60000,"payment_ref":"pay-20261123-0002"}"#),
            post_fee,
        )
        .add(
            Method::Post,
            "/api/v1/verifications/{id}/submit",
            Doc::new("verification", "Submit for review (needs every document and the fee)")
                .roles(MERCHANT)
                .no_request()
                .answer::<VerificationBody>(),
            post_submit,
        )
        .add(
            Method::Post,
            "/api/v1/verifications/{id}/claim",
            Doc::new(
                "verification",
                "Claim an application for review (`?take_over_from=REVIEWER` takes it over from its holder)",
            )
            .roles(REVIEWER)
            .no_request()
            .answer::<VerificationBody>().query::<VerificationClaimQuery>(),
            post_claim,
        )
        .add(
            Method::Post,
            "/api/v1/verifications/{id}/decision",
            Doc::new("verification", "Decide the current submission once")
                .roles(REVIEWER)
                .request::<VerificationDecision>()
                .answer::<VerificationBody>()
                .body(r#"{"outcome":"request_changes","reasons":["licence_unreadable"],"note":"请上传清晰的彩色扫描件"}"#),
            post_decision,
        )
}

/// An enterprise account (企业号) with its blue-V badge.
#[derive(Serialize, JsonSchema)]
struct EnterpriseAccountBody {
    id: i64,
    merchant_id: i64,
    nickname: String,
    bio: String,
    verified: bool,
    /// The badge of a verified account.
    badge: Option<EnterpriseBadgeBody>,
    /// The last day of the latest badge (`YYYY-MM-DD`), also once it has lapsed.
    last_valid_until: Option<String>,
    /// Until when a new application is refused after a failed one.
    cooldown_until: Option<String>,
    created_at: Option<String>,
}

/// The blue-V badge of a verified enterprise account (`YYYY-MM-DD` days).
#[derive(Serialize, JsonSchema)]
struct EnterpriseBadgeBody {
    granted_on: String,
    valid_until: String,
}

impl From<&AccountRow> for EnterpriseAccountBody {
    fn from(account: &AccountRow) -> EnterpriseAccountBody {
        let verified = account.verified == 1;
        let badge = match (verified, &account.badge_granted_on, &account.badge_valid_until) {
            (true, Some(granted_on), Some(valid_until)) => {
                Some(EnterpriseBadgeBody { granted_on: granted_on.clone(), valid_until: valid_until.clone() })
            }
            _ => None,
        };
        EnterpriseAccountBody {
            id: account.id,
            merchant_id: account.merchant_id,
            nickname: account.nickname.clone(),
            bio: account.bio.clone(),
            verified,
            badge,
            last_valid_until: account.badge_valid_until.clone(),
            cooldown_until: account.cooldown_until_ms.and_then(china_time),
            created_at: china_time(account.created_at_ms),
        }
    }
}

/// Enterprise accounts.
#[derive(Serialize, JsonSchema)]
struct EnterpriseAccountsBody {
    items: Vec<EnterpriseAccountBody>,
}

/// A document of a verification application.
#[derive(Serialize, JsonSchema)]
struct VerificationDocumentBody {
    id: i64,
    kind: String,
    sha256: String,
    bytes: i64,
    content_type: String,
    uploaded_at: Option<String>,
    /// Where to read the file.
    url: String,
}

impl From<&DocumentRow> for VerificationDocumentBody {
    fn from(d: &DocumentRow) -> VerificationDocumentBody {
        VerificationDocumentBody {
            id: d.id,
            kind: d.kind.clone(),
            sha256: d.sha256.clone(),
            bytes: d.bytes,
            content_type: d.content_type.clone(),
            uploaded_at: china_time(d.uploaded_at_ms),
            url: format!("/api/v1/verifications/{}/documents/{}", d.verification_id, d.id),
        }
    }
}

/// The review fee of an application.
#[derive(Serialize, JsonSchema)]
struct VerificationFeeBody {
    amount_fen: i64,
    paid: bool,
    paid_at: Option<String>,
    transfer_id: Option<i64>,
    payment_ref: Option<String>,
}

/// A reviewer's decision on an application.
#[derive(Serialize, JsonSchema)]
struct VerificationDecisionBody {
    outcome: String,
    /// Reason codes.
    reasons: Vec<String>,
    note: Option<String>,
    decided_by: Option<String>,
    decided_at: Option<String>,
}

/// A blue-V verification application.
#[derive(Serialize, JsonSchema)]
struct VerificationBody {
    id: i64,
    account_id: i64,
    merchant_id: i64,
    renewal: bool,
    status: &'static str,
    company_name: String,
    brand_name: Option<String>,
    uscc: String,
    legal_rep_name: String,
    legal_rep_id_masked: String,
    /// The ID number in clear: only in a reviewer's case view.
    #[serde(skip_serializing_if = "Option::is_none")]
    legal_rep_id_number: Option<String>,
    industry: String,
    permit_required: bool,
    contact_phone: String,
    contact_email: String,
    operator_is_legal_rep: bool,
    warnings: Vec<String>,
    fee: VerificationFeeBody,
    documents: Vec<VerificationDocumentBody>,
    /// What submitting still needs: document kinds, and `fee`.
    missing: Vec<String>,
    submission: i64,
    submitted_at: Option<String>,
    target_on: Option<String>,
    due_on: Option<String>,
    overdue: bool,
    claimed_by: Option<String>,
    rejection_count: i64,
    changes_due_at: Option<String>,
    /// The latest decision.
    decision: Option<VerificationDecisionBody>,
    failed_at: Option<String>,
    created_at: Option<String>,
    updated_at: Option<String>,
}

impl From<&VerificationView> for VerificationBody {
    fn from(v: &VerificationView) -> VerificationBody {
        let r = &v.row;
        VerificationBody {
            id: r.id,
            account_id: r.account_id,
            merchant_id: r.merchant_id,
            renewal: r.renewal == 1,
            status: r.status.as_str(),
            company_name: r.company_name.clone(),
            brand_name: r.brand_name.clone(),
            uscc: r.uscc.clone(),
            legal_rep_name: r.legal_rep_name.clone(),
            legal_rep_id_masked: r.legal_rep_id_masked.clone(),
            legal_rep_id_number: v.legal_rep_id_number.clone(),
            industry: r.industry.clone(),
            permit_required: v.permit_required,
            contact_phone: r.contact_phone.clone(),
            contact_email: r.contact_email.clone(),
            operator_is_legal_rep: r.operator_is_legal_rep == 1,
            warnings: v.warnings.clone(),
            fee: VerificationFeeBody::of(v),
            documents: v.documents.iter().map(VerificationDocumentBody::from).collect(),
            missing: v.missing.clone(),
            submission: r.submission,
            submitted_at: r.submitted_at_ms.and_then(china_time),
            target_on: r.target_on.clone(),
            due_on: r.due_on.clone(),
            overdue: v.overdue,
            claimed_by: r.claimed_by.clone(),
            rejection_count: r.rejection_count,
            changes_due_at: r.changes_due_at_ms.and_then(china_time),
            decision: VerificationDecisionBody::of(v),
            failed_at: r.failed_at_ms.and_then(china_time),
            created_at: china_time(r.created_at_ms),
            updated_at: china_time(r.updated_at_ms),
        }
    }
}

impl VerificationFeeBody {
    fn of(v: &VerificationView) -> VerificationFeeBody {
        let r = &v.row;
        VerificationFeeBody {
            amount_fen: v.fee_fen,
            paid: r.fee_paid_at_ms.is_some(),
            paid_at: r.fee_paid_at_ms.and_then(china_time),
            transfer_id: r.fee_transfer_id,
            payment_ref: r.fee_payment_ref.clone(),
        }
    }
}

impl VerificationDecisionBody {
    fn of(v: &VerificationView) -> Option<VerificationDecisionBody> {
        let r = &v.row;
        r.decision_outcome.as_ref().map(|outcome| VerificationDecisionBody {
            outcome: outcome.clone(),
            reasons: words(r.decision_reasons.as_deref().unwrap_or("")),
            note: r.decision_note.clone(),
            decided_by: r.decided_by.clone(),
            decided_at: r.decided_at_ms.and_then(china_time),
        })
    }
}

/// Verification applications.
#[derive(Serialize, JsonSchema)]
struct VerificationsBody {
    items: Vec<VerificationBody>,
}

/// What an application may declare and needs: industries, document kinds, reason codes and the fee.
#[derive(Serialize, JsonSchema)]
struct VerificationOptionsBody {
    industries: Vec<VerificationIndustryBody>,
    /// The reason codes a decision may give.
    reasons: Vec<VerificationReasonBody>,
    document_kinds: Vec<&'static str>,
    fee_fen: i64,
    document_bytes_max: u64,
}

/// An industry an applicant may declare, and the policy for it.
#[derive(Serialize, JsonSchema)]
struct VerificationIndustryBody {
    code: String,
    zh: String,
    en: String,
    /// Whether an `industry_permit` document is required.
    permit_required: bool,
    /// Whether the platform verifies companies of this industry at all.
    admitted: bool,
}

/// A reason code of a verification decision, in Chinese and English.
#[derive(Serialize, JsonSchema)]
struct VerificationReasonBody {
    code: &'static str,
    zh: &'static str,
    en: &'static str,
}

/// A new enterprise account's profile.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct NewEnterpriseAccount {
    nickname: String,
    #[serde(default)]
    bio: String,
}

async fn create_account(
    State(state): State<AppState>,
    auth: Auth,
    Json(body): Json<NewEnterpriseAccount>,
) -> ApiResult<(StatusCode, Json<EnterpriseAccountBody>)> {
    let account = state.app.create_enterprise_account(&auth.0, &body.nickname, &body.bio).await?;
    Ok((StatusCode::CREATED, Json(EnterpriseAccountBody::from(&account))))
}

async fn list_accounts(State(state): State<AppState>, auth: Auth) -> Answer<EnterpriseAccountsBody> {
    let accounts = state.app.enterprise_accounts(auth.actor()).await?;
    Ok(Json(EnterpriseAccountsBody { items: accounts.iter().map(EnterpriseAccountBody::from).collect() }))
}

async fn get_account(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> Answer<EnterpriseAccountBody> {
    Ok(Json(EnterpriseAccountBody::from(&state.app.enterprise_account(auth.actor(), id).await?)))
}

async fn get_options(State(state): State<AppState>, _auth: Auth) -> Answer<VerificationOptionsBody> {
    let config = state.app.config();
    let industries = config
        .industries
        .iter()
        .map(|i| VerificationIndustryBody {
            code: i.code.clone(),
            zh: i.zh.clone(),
            en: i.en.clone(),
            permit_required: i.permit_required,
            admitted: i.admitted,
        })
        .collect();
    let reasons = domain::verification::REASONS
        .iter()
        .map(|&(code, zh, en)| VerificationReasonBody { code, zh, en })
        .collect();
    Ok(Json(VerificationOptionsBody {
        industries,
        reasons,
        document_kinds: domain::verification::DocumentKind::ALL.iter().map(|k| k.as_str()).collect(),
        fee_fen: config.verification_fee_fen,
        document_bytes_max: DOCUMENT_BYTES_MAX,
    }))
}

/// What a merchant fills in to apply for verification.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct VerificationApplication {
    account_id: Option<i64>,
    company_name: String,
    #[serde(default)]
    brand_name: Option<String>,
    uscc: String,
    legal_rep_name: String,
    legal_rep_id_number: String,
    industry: String,
    contact_phone: String,
    contact_email: String,
    operator_is_legal_rep: bool,
}

impl VerificationApplication {
    fn input(self) -> ApplicationInput {
        ApplicationInput {
            company_name: self.company_name,
            brand_name: self.brand_name,
            uscc: self.uscc,
            legal_rep_name: self.legal_rep_name,
            legal_rep_id_number: self.legal_rep_id_number,
            industry: self.industry,
            contact_phone: self.contact_phone,
            contact_email: self.contact_email,
            operator_is_legal_rep: self.operator_is_legal_rep,
        }
    }
}

async fn create_verification(
    State(state): State<AppState>,
    auth: Auth,
    Json(body): Json<VerificationApplication>,
) -> ApiResult<(StatusCode, Json<VerificationBody>)> {
    let account_id =
        body.account_id.ok_or_else(|| ApiError::new(Code::InvalidField, "account_id: required"))?;
    let view = state.app.create_verification(&auth.0, account_id, &body.input()).await?;
    Ok((StatusCode::CREATED, Json(VerificationBody::from(&view))))
}

async fn put_verification(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(body): Json<VerificationApplication>,
) -> Answer<VerificationBody> {
    let view = state.app.update_verification(&auth.0, id, &body.input()).await?;
    Ok(Json(VerificationBody::from(&view)))
}

/// Which applications to list.
#[derive(Deserialize, JsonSchema)]
struct VerificationsQuery {
    status: Option<String>,
    limit: Option<u32>,
}

async fn list_verifications(
    State(state): State<AppState>,
    auth: Auth,
    Query(query): Query<VerificationsQuery>,
) -> Answer<VerificationsBody> {
    let views = state.app.list_verifications(auth.actor(), query.status.as_deref(), query.limit).await?;
    Ok(Json(VerificationsBody { items: views.iter().map(VerificationBody::from).collect() }))
}

async fn get_verification(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> Answer<VerificationBody> {
    Ok(Json(VerificationBody::from(&state.app.verification(auth.actor(), id).await?)))
}

fn multipart_error(error: axum::extract::multipart::MultipartError) -> ApiError {
    if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(Code::DocumentTooLarge, "documents are at most 10 MiB")
    } else {
        ApiError::new(Code::InvalidField, error.body_text())
    }
}

/// The fields of a document upload.
#[derive(JsonSchema)]
#[allow(dead_code)]
struct VerificationDocumentForm {
    /// The document kind (see `document_kinds` of the verification options).
    kind: String,
    /// The file: JPEG, PNG or PDF, at most 10 MiB.
    file: String,
}

async fn post_document(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    multipart: Result<Multipart, MultipartRejection>,
) -> ApiResult<(StatusCode, Json<VerificationDocumentBody>)> {
    let mut multipart = multipart.map_err(|_| {
        ApiError::new(Code::UnsupportedMediaType, "send multipart/form-data with fields kind and file")
    })?;
    let mut kind: Option<String> = None;
    let mut upload = None;
    let mut refused: Option<app::AppError> = None;
    while let Some(mut field) = multipart.next_field().await.map_err(multipart_error)? {
        match field.name() {
            Some("kind") => {
                let mut text = Vec::new();
                while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
                    text.extend_from_slice(&chunk);
                    if text.len() > KIND_FIELD_BYTES_MAX {
                        return Err(ApiError::new(Code::InvalidField, "kind: at most 64 bytes"));
                    }
                }
                kind = Some(String::from_utf8_lossy(&text).into_owned());
            }
            Some("file") if upload.is_none() => {
                // The client's file name is ignored: storage is named by content.
                let mut receiving = state.app.begin_document_upload(auth.actor(), id).await?;
                while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
                    if let Err(error) = receiving.write(&chunk) {
                        refused = Some(error);
                        break;
                    }
                }
                if let Some(error) = refused {
                    // Nothing is kept: dropping the upload deletes its temporary file.
                    drop(receiving);
                    while let Ok(Some(_)) = field.chunk().await {}
                    drop(field);
                    drain(&mut multipart).await;
                    return Err(error.into());
                }
                upload = Some(receiving);
            }
            Some("file") => return Err(ApiError::new(Code::InvalidField, "file: one file per upload")),
            _ => return Err(ApiError::new(Code::InvalidField, "the fields are kind and file")),
        }
    }
    let kind = kind.ok_or_else(|| ApiError::new(Code::InvalidField, "kind: required"))?;
    let upload = upload.ok_or_else(|| ApiError::new(Code::InvalidField, "file: required"))?;
    let document = state.app.add_document(&auth.0, id, &kind, upload).await?;
    Ok((StatusCode::CREATED, Json(VerificationDocumentBody::from(&document))))
}

/// Reads the rest of a refused upload, discarding it, so the answer goes out on a clean connection
/// (stops at the route's body limit).
async fn drain(multipart: &mut Multipart) {
    while let Ok(Some(mut next)) = multipart.next_field().await {
        while let Ok(Some(_)) = next.chunk().await {}
    }
}

async fn get_document(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, document_id)): Path<(i64, i64)>,
) -> ApiResult<Response> {
    let (document, bytes) = state.app.document(auth.actor(), id, document_id).await?;
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    let content_type = HeaderValue::from_str(&document.content_type)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    headers.insert(header::CONTENT_TYPE, content_type);
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    let extension = domain::verification::DocumentType::from_content_type(&document.content_type)
        .map(|t| t.extension())
        .unwrap_or("bin");
    if let Ok(value) =
        HeaderValue::from_str(&format!("inline; filename=\"{}-{}.{extension}\"", document.kind, document.id))
    {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

/// A confirmed payment of the review fee.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct VerificationFeePayment {
    amount_fen: i64,
    payment_ref: String,
}

/// The review fee, paid (a replay answers the first answer again).
#[derive(Serialize, JsonSchema)]
struct VerificationFeePaidBody {
    verification_id: Option<i64>,
    transfer_id: Option<i64>,
    amount_fen: i64,
    fee_paid: bool,
}

async fn post_fee(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let (claim, input): (_, VerificationFeePayment) =
        money_request(&auth.0, app::verification::FEE_PAYMENT_ROLES, &headers, uri.path(), &body)?;
    let outcome =
        state.app.pay_verification_fee(&auth.0, id, input.amount_fen, &input.payment_ref, claim).await?;
    let body = VerificationFeePaidBody {
        verification_id: outcome.subject_id,
        transfer_id: outcome.transfer_ids.first().copied(),
        amount_fen: input.amount_fen,
        fee_paid: true,
    };
    Ok(created(body, outcome.replayed))
}

async fn post_submit(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> Answer<VerificationBody> {
    Ok(Json(VerificationBody::from(&state.app.submit_verification(&auth.0, id).await?)))
}

/// Whose claim to take over, if any.
#[derive(Deserialize, JsonSchema)]
struct VerificationClaimQuery {
    take_over_from: Option<String>,
}

async fn post_claim(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Query(query): Query<VerificationClaimQuery>,
) -> Answer<VerificationBody> {
    let view = state.app.claim_verification(&auth.0, id, query.take_over_from.as_deref()).await?;
    Ok(Json(VerificationBody::from(&view)))
}

/// A reviewer's decision: outcome, reason codes and a note.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct VerificationDecision {
    outcome: String,
    #[serde(default)]
    reasons: Vec<String>,
    #[serde(default)]
    note: String,
}

async fn post_decision(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(body): Json<VerificationDecision>,
) -> Answer<VerificationBody> {
    let view = state.app.decide_verification(&auth.0, id, &body.outcome, &body.reasons, &body.note).await?;
    Ok(Json(VerificationBody::from(&view)))
}
