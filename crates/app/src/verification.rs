//! Enterprise accounts and their blue-V verification: applications (validated, with warnings for
//! reviewers, the legal representative's ID number sealed), documents stored content-addressed in
//! the data directory, the review fee through the ledger, submission with working-day review dates,
//! the reviewers' claim and decision, the badge with its reminders and expiry, and renewal.

use domain::feed::EventType;
use domain::notifications::NoticeKind;
use std::io::Write;
use std::path::PathBuf;

use chrono::{DateTime, Months, NaiveDate, Utc};
use domain::auth::Role;
use domain::ledger::{AccountCode, Overdraft};
use domain::limits::{
    BIO_LENGTH_MAX, BRAND_NAME_LENGTH_MAX, COMPANY_NAME_LENGTH_MAX, DECISION_REASONS_MAX, DOCUMENT_BYTES_MAX,
    DOCUMENTS_PER_VERIFICATION_MAX, ENTERPRISE_ACCOUNTS_PER_MERCHANT_MAX, NICKNAME_LENGTH_MAX,
    NOTE_LENGTH_MAX, PAYMENT_REF_LENGTH_MAX, PERSON_NAME_LENGTH_MAX,
};
use domain::money::Amount;
use domain::names::bounded_name;
use domain::team::TeamRight;
use domain::validators::{Email, MobilePhone, ResidentId, Uscc, UsccCheck};
use domain::verification::{
    DOCUMENT_MAGIC_BYTES, DocumentKind, DocumentType, Outcome, VerificationStatus, Warning, nickname_matches,
    reason_known, required_documents, status_after,
};
use domain::violation::bounded_text;
use sha2::{Digest, Sha256};
use store::jobs;
use store::verification::{self as rows, ApplicationData, Decision};
pub use store::verification::{AccountRow, DocumentRow, VerificationRow};

use crate::clock::{china_date, china_midnight};
use crate::jobs::JobKind;
use crate::ledger::{
    AccountRef, IdempotencyClaim, MoneyCommand, MoneyOutcome, Movement, MovementOp, apply_commands,
};
use crate::notifications::Notice;
use crate::{Actor, App, AppError, AppResult, Code, Ctx};

const DAY_MS: i64 = 24 * 3600 * 1000;
/// The context the legal representative's ID number is sealed and indexed under.
const ID_CONTEXT: &str = "verification.legal_rep_id";

/// Who confirms fee payments: the payment channel.
pub const FEE_PAYMENT_ROLES: &[Role] = domain::access::rule(domain::access::UseCase::ConfirmFee).roles;
/// Who reviews applications.
pub const REVIEW_ROLES: &[Role] = &[Role::Reviewer];

/// What a merchant fills in for an application.
#[derive(Clone, Default)]
pub struct ApplicationInput {
    pub company_name: String,
    pub brand_name: Option<String>,
    pub uscc: String,
    pub legal_rep_name: String,
    /// Personal data: never logged, never answered in clear to a merchant.
    pub legal_rep_id_number: String,
    pub industry: String,
    pub contact_phone: String,
    pub contact_email: String,
    pub operator_is_legal_rep: bool,
}

impl std::fmt::Debug for ApplicationInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApplicationInput")
            .field("company_name", &self.company_name)
            .field("uscc", &self.uscc)
            .field("industry", &self.industry)
            .finish_non_exhaustive()
    }
}

/// An application as its reader may see it.
#[derive(Debug, Clone)]
pub struct VerificationView {
    pub row: VerificationRow,
    pub warnings: Vec<String>,
    /// The latest document of each kind, and every earlier one, oldest first.
    pub documents: Vec<DocumentRow>,
    /// What submitting still needs: document kinds, and `fee`.
    pub missing: Vec<String>,
    pub overdue: bool,
    pub fee_fen: i64,
    pub permit_required: bool,
    /// The ID number in clear: only in a reviewer's case view.
    pub legal_rep_id_number: Option<String>,
}

/// Audit rows read for one application's timeline.
const TIMELINE_EVENTS_MAX: u32 = 500;

/// One step in an application's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimelineEvent {
    pub at_ms: i64,
    /// `created`, `updated`, `document`, `fee_paid`, `submitted`, `resubmitted`, `claimed`,
    /// `decided` or `failed`.
    pub kind: &'static str,
    /// What the step carried, as (name, value): `target_on`, `due_on`, `outcome`, `reasons`
    /// (comma-separated codes), `status`, `note`, `changes_due_on`, `granted_on`, `valid_until`,
    /// `cooldown_until`, `kind` of a document...
    pub facts: Vec<(String, String)>,
    /// Who acted; `None` for merchants, who do not see reviewers' names.
    pub actor: Option<String>,
}

/// The `name=value` pairs of an audit detail; a word without `=` continues the previous value.
fn detail_facts(detail: &str) -> Vec<(String, String)> {
    let mut facts: Vec<(String, String)> = Vec::new();
    for word in detail.split(' ').filter(|w| !w.is_empty()) {
        match (word.split_once('='), facts.last_mut()) {
            (Some((name, value)), _) => facts.push((name.to_owned(), value.to_owned())),
            (None, Some((_, value))) => {
                value.push(' ');
                value.push_str(word);
            }
            (None, None) => {}
        }
    }
    facts
}

/// A parsed application: every field valid.
struct Parsed {
    company_name: String,
    brand_name: Option<String>,
    uscc: Uscc,
    uscc_check: UsccCheck,
    legal_rep_name: String,
    legal_rep_id: ResidentId,
    industry: String,
    contact_phone: MobilePhone,
    contact_email: Email,
    operator_is_legal_rep: bool,
}

fn conflict(row: &VerificationRow, action: &str) -> AppError {
    AppError::new(
        Code::VerificationStatusConflict,
        format!("cannot {action} an application that is {}", row.status),
    )
}

fn date_text(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

fn parse_date(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

/// One year after `date` (29 February gives 28 February).
fn one_year_after(date: NaiveDate) -> NaiveDate {
    date.checked_add_months(Months::new(12)).unwrap_or(date)
}

/// A bio: up to `BIO_LENGTH_MAX` characters; line breaks allowed, other control characters not.
fn parse_bio(text: &str) -> Option<String> {
    let text = text.trim();
    let ok = text.chars().count() <= BIO_LENGTH_MAX
        && !text.chars().any(|c| c.is_control() && c != '\n' && c != '\r');
    ok.then(|| text.to_owned())
}

fn visible_to(actor: &Actor, merchant_id: i64) -> bool {
    match actor.role {
        Role::Merchant => actor.merchant_id == Some(merchant_id),
        Role::Reviewer | Role::Admin | Role::Service => true,
    }
}

/// An application as the payment channel sees it (`App::verification_fee`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeeView {
    pub id: i64,
    pub status: String,
    pub fee_paid: bool,
}

/// Why one field of an application is refused: the error code, a stable reason (`invalid_format`,
/// `invalid_birth_date`, `checksum_mismatch`, `birth_date_in_future`, `length`, `unknown`,
/// `not_admitted`, ...) that a form can explain in its own words, and the detail for the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub code: Code,
    pub reason: &'static str,
    pub detail: String,
}

impl FieldError {
    fn new(code: Code, reason: &'static str, detail: impl Into<String>) -> FieldError {
        FieldError { code, reason, detail: detail.into() }
    }
}

impl From<FieldError> for AppError {
    fn from(error: FieldError) -> AppError {
        AppError::new(error.code, error.detail)
    }
}

fn length_error(field: &str, max: usize) -> FieldError {
    FieldError::new(Code::InvalidField, "length", format!("{field}: 1-{max} characters"))
}

fn parse_company_name(text: &str) -> Result<String, FieldError> {
    bounded_name(text, COMPANY_NAME_LENGTH_MAX)
        .ok_or_else(|| length_error("company_name", COMPANY_NAME_LENGTH_MAX))
}

/// A brand name is optional: empty is `None`.
fn parse_brand_name(text: &str) -> Result<Option<String>, FieldError> {
    match text.trim() {
        "" => Ok(None),
        brand => bounded_name(brand, BRAND_NAME_LENGTH_MAX)
            .map(Some)
            .ok_or_else(|| length_error("brand_name", BRAND_NAME_LENGTH_MAX)),
    }
}

fn parse_person_name(text: &str) -> Result<String, FieldError> {
    bounded_name(text, PERSON_NAME_LENGTH_MAX)
        .ok_or_else(|| length_error("legal_rep_name", PERSON_NAME_LENGTH_MAX))
}

fn parse_uscc(text: &str) -> Result<(Uscc, UsccCheck), FieldError> {
    Uscc::parse(text).map_err(|error| FieldError::new(Code::InvalidUscc, "invalid_format", error.to_string()))
}

/// A resident ID number whose birth date is not after `today`.
fn parse_resident_id(text: &str, today: NaiveDate) -> Result<ResidentId, FieldError> {
    use domain::validators::ResidentIdError as E;
    let id = ResidentId::parse(text).map_err(|error| {
        let reason = match error {
            E::InvalidFormat => "invalid_format",
            E::InvalidBirthDate => "invalid_birth_date",
            E::ChecksumMismatch => "checksum_mismatch",
        };
        FieldError::new(Code::InvalidResidentId, reason, error.to_string())
    })?;
    if id.birth_date() > today {
        return Err(FieldError::new(
            Code::InvalidResidentId,
            "birth_date_in_future",
            "the birth date is in the future",
        ));
    }
    Ok(id)
}

fn parse_phone(text: &str) -> Result<MobilePhone, FieldError> {
    MobilePhone::parse(text)
        .map_err(|error| FieldError::new(Code::InvalidPhone, "invalid_format", error.to_string()))
}

fn parse_email(text: &str) -> Result<Email, FieldError> {
    use domain::validators::EmailError as E;
    Email::parse(text).map_err(|error| {
        let reason = match error {
            E::TooLong => "too_long",
            E::InvalidFormat => "invalid_format",
            E::InvalidLocalPart => "invalid_local_part",
            E::InvalidDomain => "invalid_domain",
        };
        FieldError::new(Code::InvalidEmail, reason, error.to_string())
    })
}

/// A document being received: written to a temporary file in the data directory while its size
/// is counted and its SHA-256 computed; dropped, it leaves nothing behind.
pub struct DocumentUpload {
    file: tempfile::NamedTempFile,
    hasher: Sha256,
    bytes: u64,
    head: Vec<u8>,
    documents_dir: PathBuf,
}

impl std::fmt::Debug for DocumentUpload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DocumentUpload").field("bytes", &self.bytes).finish_non_exhaustive()
    }
}

impl DocumentUpload {
    /// Appends a chunk; refuses the byte past `DOCUMENT_BYTES_MAX`.
    pub fn write(&mut self, chunk: &[u8]) -> AppResult<()> {
        let total = self.bytes + chunk.len() as u64;
        if total > DOCUMENT_BYTES_MAX {
            return Err(AppError::new(Code::DocumentTooLarge, "documents are at most 10 MiB"));
        }
        if self.head.len() < DOCUMENT_MAGIC_BYTES {
            let take = (DOCUMENT_MAGIC_BYTES - self.head.len()).min(chunk.len());
            self.head.extend_from_slice(&chunk[..take]);
        }
        self.hasher.update(chunk);
        self.file.write_all(chunk).map_err(|error| AppError::internal(&error))?;
        self.bytes = total;
        Ok(())
    }

    pub fn bytes(&self) -> u64 {
        self.bytes
    }
}

impl App {
    fn documents_dir(&self) -> PathBuf {
        self.config().data_dir.join("documents")
    }

    fn industry(&self, code: &str) -> Option<&domain::verification::Industry> {
        self.config().industries.iter().find(|industry| industry.code == code)
    }

    // ----- enterprise accounts -----

    /// Creates an enterprise account for the merchant (unverified).
    pub async fn create_enterprise_account(
        &self,
        ctx: &Ctx,
        nickname: &str,
        bio: &str,
    ) -> AppResult<AccountRow> {
        let merchant_id = ctx.actor.require_team(&[TeamRight::ManageMerchant])?;
        let nickname = bounded_name(nickname, NICKNAME_LENGTH_MAX)
            .ok_or_else(|| AppError::invalid("nickname", "1-30 characters, no control characters"))?;
        let bio = parse_bio(bio).ok_or_else(|| AppError::invalid("bio", "at most 500 characters"))?;
        let mut tx = self.db().begin().await?;
        if rows::count_accounts(&mut tx, merchant_id).await? >= ENTERPRISE_ACCOUNTS_PER_MERCHANT_MAX {
            return Err(AppError::invalid("nickname", "a merchant holds at most 100 enterprise accounts"));
        }
        let id = rows::insert_account(&mut tx, merchant_id, &nickname, &bio, self.clock().now_ms()).await?;
        self.audit(&mut tx, ctx, "enterprise_account.create", &format!("enterprise_account:{id}"), &nickname)
            .await?;
        let row = rows::find_account(&mut tx, id)
            .await?
            .ok_or_else(|| AppError::not_found("enterprise account"))?;
        tx.commit().await?;
        Ok(row)
    }

    /// An enterprise account the actor may see (its merchant, or a platform role).
    pub async fn enterprise_account(&self, actor: &Actor, id: i64) -> AppResult<AccountRow> {
        let mut conn = self.db().read().await?;
        rows::find_account(&mut conn, id)
            .await?
            .filter(|account| visible_to(actor, account.merchant_id))
            .ok_or_else(|| AppError::not_found("enterprise account"))
    }

    /// The merchant's enterprise accounts (every account for platform roles).
    pub async fn enterprise_accounts(&self, actor: &Actor) -> AppResult<Vec<AccountRow>> {
        let merchant = match actor.role {
            Role::Merchant => Some(actor.merchant_id.ok_or_else(AppError::forbidden)?),
            _ => None,
        };
        let mut conn = self.db().read().await?;
        Ok(rows::list_accounts(&mut conn, merchant, 1_000).await?)
    }

    // ----- applications -----

    fn parse_application(&self, input: &ApplicationInput) -> AppResult<Parsed> {
        let company_name = parse_company_name(&input.company_name)?;
        let brand_name = parse_brand_name(input.brand_name.as_deref().unwrap_or(""))?;
        let (uscc, uscc_check) = parse_uscc(&input.uscc)?;
        let legal_rep_name = parse_person_name(&input.legal_rep_name)?;
        let legal_rep_id = parse_resident_id(&input.legal_rep_id_number, china_date(self.clock().now()))?;
        let industry = self.parse_industry(&input.industry)?;
        let contact_phone = parse_phone(&input.contact_phone)?;
        let contact_email = parse_email(&input.contact_email)?;
        Ok(Parsed {
            company_name,
            brand_name,
            uscc,
            uscc_check,
            legal_rep_name,
            legal_rep_id,
            industry: industry.code.clone(),
            contact_phone,
            contact_email,
            operator_is_legal_rep: input.operator_is_legal_rep,
        })
    }

    /// An admitted industry of the configured list.
    fn parse_industry(&self, code: &str) -> Result<&domain::verification::Industry, FieldError> {
        let industry = self.industry(code.trim()).ok_or_else(|| {
            FieldError::new(Code::UnknownIndustry, "unknown", "the industry is not in the list")
        })?;
        if !industry.admitted {
            return Err(FieldError::new(
                Code::IndustryNotAdmitted,
                "not_admitted",
                format!("{} ({}) companies cannot be verified", industry.zh, industry.en),
            ));
        }
        Ok(industry)
    }

    /// One field of the application form checked alone, by the rules `create_verification` and
    /// `update_verification` apply, for live validation while the merchant types. Answers the
    /// warning a valid value still carries (a USCC check-character mismatch). Changes nothing.
    pub fn check_application_field(&self, field: &str, value: &str) -> Result<Option<Warning>, FieldError> {
        match field {
            "company_name" => parse_company_name(value).map(|_| None),
            "brand_name" => parse_brand_name(value).map(|_| None),
            "uscc" => parse_uscc(value).map(|(_, check)| {
                (check == UsccCheck::ChecksumMismatch).then_some(Warning::UsccChecksumMismatch)
            }),
            "legal_rep_name" => parse_person_name(value).map(|_| None),
            "legal_rep_id_number" => parse_resident_id(value, china_date(self.clock().now())).map(|_| None),
            "industry" => self.parse_industry(value).map(|_| None),
            "contact_phone" => parse_phone(value).map(|_| None),
            "contact_email" => parse_email(value).map(|_| None),
            _ => Err(FieldError::new(Code::InvalidField, "unknown_field", "no such field")),
        }
    }

    /// The stored form of a parsed application, with its warnings.
    fn application_data(&self, parsed: &Parsed, account: &AccountRow) -> AppResult<ApplicationData> {
        let key = self.secret_key()?;
        let index = key.blind_index(ID_CONTEXT, parsed.legal_rep_id.as_str());
        let mut warnings = Vec::new();
        if parsed.uscc_check == UsccCheck::ChecksumMismatch {
            warnings.push(Warning::UsccChecksumMismatch);
        }
        if !nickname_matches(&account.nickname, &parsed.company_name, parsed.brand_name.as_deref()) {
            warnings.push(Warning::NicknameMismatch);
        }
        Ok(ApplicationData {
            company_name: parsed.company_name.clone(),
            brand_name: parsed.brand_name.clone(),
            uscc: parsed.uscc.as_str().to_owned(),
            legal_rep_name: parsed.legal_rep_name.clone(),
            legal_rep_id_sealed: key.seal(ID_CONTEXT, parsed.legal_rep_id.as_str()),
            legal_rep_id_masked: parsed.legal_rep_id.masked(),
            legal_rep_id_index: index,
            industry: parsed.industry.clone(),
            contact_phone: parsed.contact_phone.as_str().to_owned(),
            contact_email: parsed.contact_email.as_str().to_owned(),
            operator_is_legal_rep: parsed.operator_is_legal_rep,
            warnings: warnings.iter().map(|w| w.as_str()).collect::<Vec<_>>().join(","),
        })
    }

    /// A renewal keeps the verified company: name and USCC of the badge's application.
    async fn check_locked_fields(
        &self,
        tx: &mut store::Conn,
        account: &AccountRow,
        data: &ApplicationData,
    ) -> AppResult<()> {
        let Some(badge_id) = account.badge_verification_id.filter(|_| account.verified == 1) else {
            return Ok(());
        };
        let verified = rows::find_verification(tx, badge_id)
            .await?
            .ok_or_else(|| AppError::not_found("verification"))?;
        if verified.uscc != data.uscc || verified.company_name != data.company_name {
            return Err(AppError::new(
                Code::VerificationLocked,
                "a renewal keeps the verified company name and unified social credit code",
            ));
        }
        Ok(())
    }

    async fn check_uscc_limit(&self, tx: &mut store::Conn, uscc: &str, account_id: i64) -> AppResult<()> {
        let max = self.config().verified_accounts_per_uscc_max;
        if rows::count_verified_for_uscc(tx, uscc, account_id).await? >= max {
            return Err(AppError::new(
                Code::UsccAccountLimit,
                format!("this company already has {max} verified accounts"),
            ));
        }
        Ok(())
    }

    /// Starts an application for one of the merchant's enterprise accounts (a renewal when the
    /// account is verified). Answers it with its warnings.
    pub async fn create_verification(
        &self,
        ctx: &Ctx,
        account_id: i64,
        input: &ApplicationInput,
    ) -> AppResult<VerificationView> {
        let merchant_id = ctx.actor.require_team(&[TeamRight::ManageMerchant])?;
        self.guards.verification_edit(merchant_id)?;
        let parsed = self.parse_application(input)?;
        let account = self.enterprise_account(&ctx.actor, account_id).await?;
        let now_ms = self.clock().now_ms();
        let mut tx = self.db().begin().await?;
        let account = rows::find_account(&mut tx, account.id)
            .await?
            .ok_or_else(|| AppError::not_found("enterprise account"))?;
        if let Some(until_ms) = account.cooldown_until_ms.filter(|until| now_ms < *until) {
            let until =
                DateTime::from_timestamp_millis(until_ms).map(china_date).map(date_text).unwrap_or_default();
            return Err(AppError::new(
                Code::VerificationCooldown,
                format!("the last application failed; a new one may start on {until}"),
            ));
        }
        if let Some(open) = rows::open_for_account(&mut tx, account.id).await? {
            return Err(AppError::new(
                Code::VerificationInProgress,
                format!("application {} of this account is {}", open.id, open.status),
            ));
        }
        let data = self.application_data(&parsed, &account)?;
        self.check_locked_fields(&mut tx, &account, &data).await?;
        self.check_uscc_limit(&mut tx, &data.uscc, account.id).await?;
        let renewal = account.verified == 1;
        let id = rows::insert_verification(&mut tx, account.merchant_id, account.id, renewal, &data, now_ms)
            .await?;
        let detail = format!("account={} renewal={renewal} warnings={}", account.id, data.warnings);
        self.audit(&mut tx, ctx, "verification.create", &format!("verification:{id}"), &detail).await?;
        tx.commit().await?;
        self.verification(&ctx.actor, id).await
    }

    /// Corrects an application while it is a draft, rejected or waiting for changes.
    pub async fn update_verification(
        &self,
        ctx: &Ctx,
        id: i64,
        input: &ApplicationInput,
    ) -> AppResult<VerificationView> {
        let merchant_id = ctx.actor.require_team(&[TeamRight::ManageMerchant])?;
        self.guards.verification_edit(merchant_id)?;
        let parsed = self.parse_application(input)?;
        let existing = self.verification_row(&ctx.actor, id).await?;
        let mut tx = self.db().begin().await?;
        let row = rows::lock_verification(&mut tx, self.db().backend(), existing.id)
            .await?
            .ok_or_else(|| AppError::not_found("verification"))?;
        if !row.status.editable() {
            return Err(conflict(&row, "edit"));
        }
        let account = rows::find_account(&mut tx, row.account_id)
            .await?
            .ok_or_else(|| AppError::not_found("enterprise account"))?;
        let data = self.application_data(&parsed, &account)?;
        self.check_locked_fields(&mut tx, &account, &data).await?;
        if !rows::update_application(&mut tx, id, &data, self.clock().now_ms()).await? {
            return Err(conflict(&row, "edit"));
        }
        let detail = format!("warnings={}", data.warnings);
        self.audit_for(
            &mut tx,
            ctx,
            "verification.update",
            &format!("verification:{id}"),
            &detail,
            Some(row.merchant_id),
        )
        .await?;
        tx.commit().await?;
        self.verification(&ctx.actor, id).await
    }

    /// What the payment channel sees of an application whose fee it collects: its status and whether
    /// the fee is paid, nothing of the company or its people.
    pub async fn verification_fee(&self, actor: &Actor, id: i64) -> AppResult<FeeView> {
        actor.require(FEE_PAYMENT_ROLES)?;
        let row = self.verification_row(actor, id).await?;
        Ok(FeeView {
            id: row.id,
            status: row.status.as_str().to_owned(),
            fee_paid: row.fee_paid_at_ms.is_some(),
        })
    }

    /// Who reads applications, their documents and the legal representative's data: reviewers,
    /// admins, and the members of the merchant who run verification (owners).
    fn require_verification_reader(actor: &Actor) -> AppResult<()> {
        actor.require(&[Role::Merchant, Role::Reviewer, Role::Admin])?;
        actor.require_team_when_member(&[TeamRight::ManageMerchant])
    }

    async fn verification_row(&self, actor: &Actor, id: i64) -> AppResult<VerificationRow> {
        let mut conn = self.db().read().await?;
        rows::find_verification(&mut conn, id)
            .await?
            .filter(|row| visible_to(actor, row.merchant_id))
            .ok_or_else(|| AppError::not_found("verification"))
    }

    /// What submitting still needs.
    fn missing(&self, row: &VerificationRow, documents: &[DocumentRow]) -> (Vec<String>, bool) {
        let permit_required = self.industry(&row.industry).is_some_and(|i| i.permit_required);
        let mut missing: Vec<String> = required_documents(row.operator_is_legal_rep == 1, permit_required)
            .into_iter()
            .filter(|kind| !documents.iter().any(|d| d.kind == kind.as_str()))
            .map(|kind| kind.as_str().to_owned())
            .collect();
        if row.fee_paid_at_ms.is_none() {
            missing.push("fee".to_owned());
        }
        (missing, permit_required)
    }

    async fn view(
        &self,
        actor: &Actor,
        row: VerificationRow,
        case_view: bool,
    ) -> AppResult<VerificationView> {
        let mut conn = self.db().read().await?;
        let documents = rows::documents(&mut conn, row.id).await?;
        drop(conn);
        let (missing, permit_required) = self.missing(&row, &documents);
        let today = china_date(self.clock().now());
        let overdue = row.status.awaiting_decision()
            && row.due_on.as_deref().and_then(parse_date).is_some_and(|due| today > due);
        let legal_rep_id_number = if case_view && matches!(actor.role, Role::Reviewer | Role::Admin) {
            Some(
                self.secret_key()?
                    .open(ID_CONTEXT, &row.legal_rep_id_sealed)
                    .ok_or_else(|| AppError::internal(&format!("verification {} does not unseal", row.id)))?,
            )
        } else {
            None
        };
        let warnings = self.warnings_for(actor, &row).await?;
        Ok(VerificationView {
            warnings,
            documents,
            missing,
            overdue,
            fee_fen: self.config().verification_fee_fen,
            permit_required,
            legal_rep_id_number,
            row,
        })
    }

    /// The warnings an actor sees on an application: the stored ones (facts of the application
    /// itself), and for reviewers and admins only, the facts drawn from other merchants' data (the
    /// legal representative's ID number on file under another company), computed now so that
    /// nothing of one merchant's data ever reaches another merchant.
    async fn warnings_for(&self, actor: &Actor, row: &VerificationRow) -> AppResult<Vec<String>> {
        let cross_tenant = Warning::ResidentIdSeenElsewhere.as_str();
        let mut warnings: Vec<String> = row
            .warnings
            .split(',')
            .filter(|w| !w.is_empty() && *w != cross_tenant)
            .map(str::to_owned)
            .collect();
        if matches!(actor.role, Role::Reviewer | Role::Admin) {
            let mut conn = self.db().read().await?;
            if rows::id_index_seen_elsewhere(&mut conn, &row.legal_rep_id_index, &row.uscc).await? {
                warnings.push(cross_tenant.to_owned());
            }
        }
        Ok(warnings)
    }

    /// One application. A reviewer's (or admin's) view carries the ID number in clear; everybody
    /// else sees it masked.
    /// Only the merchant's owners (who run verification) and platform reviewers and admins read an
    /// application's company and personal data; the payment channel pays fees without reading it.
    pub async fn verification(&self, actor: &Actor, id: i64) -> AppResult<VerificationView> {
        Self::require_verification_reader(actor)?;
        let row = self.verification_row(actor, id).await?;
        self.view(actor, row, true).await
    }

    /// What happened to one application, oldest first, from its audit rows: created, updated,
    /// document, fee_paid, submitted (target_on, due_on), resubmitted, claimed, decided (outcome,
    /// reasons, status; the latest also its note, the changes deadline and the badge dates), and
    /// failed when the changes deadline passed (with the cooldown). Who acted is shown to platform
    /// roles only.
    pub async fn verification_timeline(&self, actor: &Actor, id: i64) -> AppResult<Vec<TimelineEvent>> {
        Self::require_verification_reader(actor)?;
        let row = self.verification_row(actor, id).await?;
        let mut conn = self.db().read().await?;
        let audit =
            store::audit::list_for_subject(&mut conn, &format!("verification:{id}"), TIMELINE_EVENTS_MAX)
                .await?;
        let account = rows::find_account(&mut conn, row.account_id).await?;
        drop(conn);
        let platform = actor.role != Role::Merchant;
        let mut events: Vec<TimelineEvent> = audit
            .iter()
            .filter_map(|entry| {
                let facts = detail_facts(&entry.detail);
                let kind = match entry.action.as_str() {
                    "verification.create" => "created",
                    "verification.update" => "updated",
                    "verification.document" => "document",
                    "verification.fee" => "fee_paid",
                    "verification.submit" if facts.iter().any(|(k, v)| k == "submission" && v != "1") => {
                        "resubmitted"
                    }
                    "verification.submit" => "submitted",
                    "verification.claim" => "claimed",
                    "verification.decide" => "decided",
                    _ => return None,
                };
                let keep: &[&str] = match kind {
                    "created" => &["renewal"],
                    "document" => &["kind", "type", "bytes"],
                    "fee_paid" => &["amount_fen"],
                    "submitted" | "resubmitted" => &["submission", "target_on", "due_on"],
                    "decided" => &["outcome", "reasons", "status"],
                    _ => &[],
                };
                let facts = facts.into_iter().filter(|(k, _)| keep.contains(&k.as_str())).collect();
                Some(TimelineEvent {
                    at_ms: entry.at_ms,
                    kind,
                    facts,
                    actor: platform.then(|| entry.actor.clone()),
                })
            })
            .collect();
        let date_of = |ms: i64| DateTime::from_timestamp_millis(ms).map(china_date).map(date_text);
        if let Some(last) = events.iter_mut().rev().find(|e| e.kind == "decided") {
            if let Some(note) = row.decision_note.as_deref().filter(|n| !n.is_empty()) {
                last.facts.push(("note".to_owned(), note.to_owned()));
            }
            if row.status == VerificationStatus::ChangesRequested
                && let Some(due) = row.changes_due_at_ms.and_then(date_of)
            {
                last.facts.push(("changes_due_on".to_owned(), due));
            }
            if let Some(account) = account.as_ref().filter(|a| a.badge_verification_id == Some(row.id)) {
                for (key, value) in
                    [("granted_on", &account.badge_granted_on), ("valid_until", &account.badge_valid_until)]
                {
                    if let Some(value) = value {
                        last.facts.push((key.to_owned(), value.clone()));
                    }
                }
            }
        }
        let failed_by_decision =
            events.iter().any(|e| e.facts.iter().any(|(k, v)| k == "status" && v == "failed"));
        if let Some(failed_at_ms) = row.failed_at_ms.filter(|_| !failed_by_decision) {
            let facts = vec![("reason".to_owned(), "changes_deadline".to_owned())];
            events.push(TimelineEvent { at_ms: failed_at_ms, kind: "failed", facts, actor: None });
        }
        if row.status == VerificationStatus::Failed
            && let Some(until) = account.as_ref().and_then(|a| a.cooldown_until_ms).and_then(date_of)
            && let Some(last) = events
                .iter_mut()
                .rev()
                .find(|e| e.kind == "failed" || e.facts.iter().any(|(k, v)| k == "status" && v == "failed"))
        {
            last.facts.push(("cooldown_until".to_owned(), until));
        }
        Ok(events)
    }

    /// Applications: the merchant's own (newest first), or for platform roles those in `status`
    /// (every status when `None`) by due date. The ID number is masked in lists.
    pub async fn list_verifications(
        &self,
        actor: &Actor,
        status: Option<&str>,
        limit: Option<u32>,
    ) -> AppResult<Vec<VerificationView>> {
        Self::require_verification_reader(actor)?;
        if let Some(status) = status {
            VerificationStatus::parse(status)
                .ok_or_else(|| AppError::invalid("status", "one of the application statuses"))?;
        }
        let merchant = match actor.role {
            Role::Merchant => Some(actor.merchant_id.ok_or_else(AppError::forbidden)?),
            Role::Reviewer | Role::Admin => None,
            Role::Service => return Err(AppError::forbidden()),
        };
        let limit = crate::audit::page_size(limit);
        let mut conn = self.db().read().await?;
        let found = rows::list_verifications(&mut conn, merchant, status, i64::from(limit)).await?;
        drop(conn);
        let mut views = Vec::with_capacity(found.len());
        for row in found {
            views.push(self.view(actor, row, false).await?);
        }
        Ok(views)
    }

    // ----- documents -----

    /// Checks that the merchant may add a document to this application now, and opens the
    /// temporary file the upload is written to.
    pub async fn begin_document_upload(&self, actor: &Actor, id: i64) -> AppResult<DocumentUpload> {
        actor.require_team(&[TeamRight::ManageMerchant])?;
        let row = self.verification_row(actor, id).await?;
        if !row.status.editable() {
            return Err(conflict(&row, "add documents to"));
        }
        let mut conn = self.db().read().await?;
        if rows::documents(&mut conn, id).await?.len() as i64 >= DOCUMENTS_PER_VERIFICATION_MAX {
            return Err(AppError::invalid("file", "an application carries at most 40 documents"));
        }
        drop(conn);
        let tmp = self.config().data_dir.join("tmp");
        let documents_dir = self.documents_dir();
        for dir in [&tmp, &documents_dir] {
            std::fs::create_dir_all(dir).map_err(|error| AppError::internal(&error))?;
        }
        let file = tempfile::Builder::new()
            .prefix("upload-")
            .tempfile_in(&tmp)
            .map_err(|error| AppError::internal(&error))?;
        Ok(DocumentUpload { file, hasher: Sha256::new(), bytes: 0, head: Vec::new(), documents_dir })
    }

    /// Stores a received document under its SHA-256 and records it on the application. The type
    /// comes from the content; the client's file name is never used.
    pub async fn add_document(
        &self,
        ctx: &Ctx,
        id: i64,
        kind: &str,
        upload: DocumentUpload,
    ) -> AppResult<DocumentRow> {
        ctx.actor.require_team(&[TeamRight::ManageMerchant])?;
        let kind = DocumentKind::parse(kind.trim()).ok_or_else(|| {
            AppError::invalid(
                "kind",
                "business_licence, application_letter, authorization_letter or industry_permit",
            )
        })?;
        let file_type = DocumentType::detect(&upload.head).ok_or_else(|| {
            AppError::new(Code::UnsupportedDocumentType, "the file is not a JPEG, PNG or PDF document")
        })?;
        let row = self.verification_row(&ctx.actor, id).await?;
        let sha256 = hex::encode(upload.hasher.finalize());
        let bytes = upload.bytes as i64;
        let target = upload.documents_dir.join(&sha256);
        let mut file = upload.file;
        file.as_file_mut().sync_all().map_err(|error| AppError::internal(&error))?;
        if !target.exists() {
            file.persist(&target).map_err(|error| AppError::internal(&error.error))?;
        }
        let now_ms = self.clock().now_ms();
        let mut tx = self.db().begin().await?;
        let row = rows::lock_verification(&mut tx, self.db().backend(), row.id)
            .await?
            .ok_or_else(|| AppError::not_found("verification"))?;
        if !row.status.editable() {
            return Err(conflict(&row, "add documents to"));
        }
        let mut document = DocumentRow {
            id: 0,
            verification_id: row.id,
            merchant_id: row.merchant_id,
            kind: kind.as_str().to_owned(),
            sha256,
            bytes,
            content_type: file_type.content_type().to_owned(),
            uploaded_at_ms: now_ms,
        };
        document.id = rows::insert_document(&mut tx, &document).await?;
        let detail = format!(
            "kind={} type={} bytes={bytes} sha256={}",
            document.kind, document.content_type, document.sha256
        );
        self.audit_for(
            &mut tx,
            ctx,
            "verification.document",
            &format!("verification:{id}"),
            &detail,
            Some(row.merchant_id),
        )
        .await?;
        tx.commit().await?;
        Ok(document)
    }

    /// A document's record and bytes, for reviewers and the owning merchant.
    pub async fn document(
        &self,
        actor: &Actor,
        id: i64,
        document_id: i64,
    ) -> AppResult<(DocumentRow, Vec<u8>)> {
        Self::require_verification_reader(actor)?;
        let row = self.verification_row(actor, id).await?;
        let mut conn = self.db().read().await?;
        let document = rows::find_document(&mut conn, document_id)
            .await?
            .filter(|d| d.verification_id == row.id)
            .ok_or_else(|| AppError::not_found("document"))?;
        drop(conn);
        // The name is the stored hash, never anything a client sent; check its shape anyway.
        if document.sha256.len() != 64 || !document.sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(AppError::internal(&format!("document {} has a malformed hash", document.id)));
        }
        let bytes = tokio::fs::read(self.documents_dir().join(&document.sha256))
            .await
            .map_err(|error| AppError::internal(&error))?;
        Ok((document, bytes))
    }

    // ----- fee -----

    /// Records the review fee paid through the payment channel (service; idempotent by key):
    /// payment clearing to fee income, never refunded. A second payment for the same application
    /// is refused.
    pub async fn pay_verification_fee(
        &self,
        ctx: &Ctx,
        id: i64,
        amount_fen: i64,
        payment_ref: &str,
        claim: IdempotencyClaim,
    ) -> AppResult<MoneyOutcome> {
        match self.pay_verification_fee_once(ctx, id, amount_fen, payment_ref, claim.clone()).await {
            Err(crate::ledger::BatchError::KeyConflict) => {
                Ok(self.pay_verification_fee_once(ctx, id, amount_fen, payment_ref, claim).await?)
            }
            other => Ok(other?),
        }
    }

    async fn pay_verification_fee_once(
        &self,
        ctx: &Ctx,
        id: i64,
        amount_fen: i64,
        payment_ref: &str,
        claim: IdempotencyClaim,
    ) -> Result<MoneyOutcome, crate::ledger::BatchError> {
        ctx.actor.require(FEE_PAYMENT_ROLES)?;
        let fee = self.config().verification_fee_fen;
        if amount_fen != fee {
            return Err(AppError::new(Code::InvalidAmount, format!("the review fee is {fee} fen")).into());
        }
        let amount = Amount::parse(amount_fen)
            .map_err(|_| AppError::new(Code::InvalidAmount, format!("the review fee is {fee} fen")))?;
        let payment_ref = bounded_text(payment_ref, PAYMENT_REF_LENGTH_MAX)
            .ok_or_else(|| AppError::invalid("payment_ref", "1-64 characters"))?;
        let row = self.verification_row(&ctx.actor, id).await?;
        let now_ms = self.clock().now_ms();
        let mut tx = self.db().begin().await?;
        let row = rows::lock_verification(&mut tx, self.db().backend(), row.id)
            .await?
            .ok_or_else(|| AppError::not_found("verification"))?;
        if row.fee_paid_at_ms.is_some() {
            // A retry of the payment that was recorded answers as it did; any other payment is refused.
            let keys = [(claim.scope.clone(), claim.key.clone())];
            if store::ledger::find_idempotency(&mut tx, &keys).await?.is_empty() {
                return Err(AppError::new(
                    Code::FeeAlreadyPaid,
                    "the review fee of this application is paid",
                )
                .into());
            }
        }
        let command = MoneyCommand {
            movements: vec![Movement {
                op: MovementOp::Post {
                    debit: AccountRef::Platform(AccountCode::PaymentClearing, row.id as u64),
                    credit: AccountRef::Platform(AccountCode::FeeIncome, row.id as u64),
                    amount,
                    overdraft: Overdraft::Allowed,
                },
                reason: "verification_fee",
                reference: format!("verification:{}:{payment_ref}", row.id),
                shop_id: None,
                merchant_id: Some(row.merchant_id),
            }],
            claim: Some(claim),
            report_account: None,
            subject_id: Some(row.id),
            merchant_id: Some(row.merchant_id),
        };
        let mut results =
            apply_commands(&mut tx, self.db().backend(), &self.platform, &[command], now_ms).await?;
        let outcome = results.pop().unwrap_or_else(|| Err(AppError::internal(&"no result")))?;
        if outcome.replayed {
            return Ok(outcome);
        }
        if !rows::record_fee(&mut tx, row.id, outcome.transfer_ids.first().copied(), &payment_ref, now_ms)
            .await?
        {
            return Err(
                AppError::new(Code::FeeAlreadyPaid, "the review fee of this application is paid").into()
            );
        }
        let detail = format!("amount_fen={amount_fen} payment_ref={payment_ref}");
        self.audit_for(
            &mut tx,
            ctx,
            "verification.fee",
            &format!("verification:{}", row.id),
            &detail,
            Some(row.merchant_id),
        )
        .await?;
        tx.commit().await?;
        Ok(outcome)
    }

    // ----- submission and review -----

    /// Puts the application in the reviewers' queue; needs every document and the paid fee. The
    /// review should be done `review_target_workdays` and must be done `review_due_workdays`
    /// working days after the submission date (Asia/Shanghai).
    pub async fn submit_verification(&self, ctx: &Ctx, id: i64) -> AppResult<VerificationView> {
        ctx.actor.require_team(&[TeamRight::ManageMerchant])?;
        let row = self.verification_row(&ctx.actor, id).await?;
        let now_ms = self.clock().now_ms();
        let today = china_date(self.clock().now());
        let target_on = self.add_workdays(today, self.config().review_target_workdays)?;
        let due_on = self.add_workdays(today, self.config().review_due_workdays)?;
        let mut tx = self.db().begin().await?;
        let row = rows::lock_verification(&mut tx, self.db().backend(), row.id)
            .await?
            .ok_or_else(|| AppError::not_found("verification"))?;
        if !row.status.editable() {
            return Err(conflict(&row, "submit"));
        }
        let documents = rows::documents(&mut tx, row.id).await?;
        let (missing, _) = self.missing(&row, &documents);
        if !missing.is_empty() {
            return Err(AppError::new(
                Code::VerificationIncomplete,
                format!("missing: {}", missing.join(", ")),
            ));
        }
        let (target_text, due_text) = (date_text(target_on.date), date_text(due_on.date));
        if !rows::submit(&mut tx, row.id, &target_text, &due_text, now_ms).await? {
            return Err(conflict(&row, "submit"));
        }
        let subject = format!("verification:{}", row.id);
        jobs::cancel_pending(&mut tx, JobKind::VerificationChangesDeadline.as_str(), &subject, now_ms)
            .await?;
        let detail = format!("submission={} target_on={target_text} due_on={due_text}", row.submission + 1);
        self.audit_for(&mut tx, ctx, "verification.submit", &subject, &detail, Some(row.merchant_id)).await?;
        tx.commit().await?;
        self.verification(&ctx.actor, id).await
    }

    /// A reviewer takes a submitted application, once: of reviewers claiming at once one gets it
    /// and the others hear `verification_claimed`. Taking over an application another reviewer
    /// holds names that reviewer (`take_over_from`, what the taker saw), so of racing take-overs
    /// one wins too. The holder claiming again answers the application unchanged.
    pub async fn claim_verification(
        &self,
        ctx: &Ctx,
        id: i64,
        take_over_from: Option<&str>,
    ) -> AppResult<VerificationView> {
        ctx.actor.require(REVIEW_ROLES)?;
        let row = self.verification_row(&ctx.actor, id).await?;
        let me = ctx.actor.label();
        let mut tx = self.db().begin().await?;
        let row = rows::lock_verification(&mut tx, self.db().backend(), row.id)
            .await?
            .ok_or_else(|| AppError::not_found("verification"))?;
        if !row.status.awaiting_decision() {
            return Err(conflict(&row, "claim"));
        }
        match row.claimed_by.as_deref() {
            Some(holder) if holder == me => {
                drop(tx);
                return self.verification(&ctx.actor, id).await;
            }
            Some(holder) if take_over_from.map(str::trim) != Some(holder) => {
                return Err(AppError::new(
                    Code::VerificationClaimed,
                    format!("{holder} reviews this application; to take it over, name them"),
                ));
            }
            _ => {}
        }
        if !rows::claim(&mut tx, row.id, row.claimed_by.as_deref(), &me, self.clock().now_ms()).await? {
            return Err(conflict(&row, "claim"));
        }
        let detail = row.claimed_by.as_deref().map(|from| format!("from={from}")).unwrap_or_default();
        self.audit_for(
            &mut tx,
            ctx,
            "verification.claim",
            &format!("verification:{id}"),
            &detail,
            Some(row.merchant_id),
        )
        .await?;
        tx.commit().await?;
        self.verification(&ctx.actor, id).await
    }

    /// A reviewer decides the current submission once: approve (the badge is granted), reject with
    /// reason codes (the third rejection fails the application), or request changes (due within
    /// `changes_window_days`).
    pub async fn decide_verification(
        &self,
        ctx: &Ctx,
        id: i64,
        outcome: &str,
        reasons: &[String],
        note: &str,
    ) -> AppResult<VerificationView> {
        ctx.actor.require(REVIEW_ROLES)?;
        let outcome = Outcome::parse(outcome)
            .ok_or_else(|| AppError::invalid("outcome", "approve, reject or request_changes"))?;
        if reasons.len() > DECISION_REASONS_MAX {
            return Err(AppError::invalid("reasons", "at most 10 reason codes"));
        }
        if let Some(unknown) = reasons.iter().find(|r| !reason_known(r)) {
            let unknown: String = unknown.chars().take(40).collect();
            return Err(AppError::invalid("reasons", &format!("{unknown:?} is not a reason code")));
        }
        if outcome != Outcome::Approve && reasons.is_empty() {
            return Err(AppError::invalid(
                "reasons",
                "a rejection or change request gives at least one reason code",
            ));
        }
        let note = if note.trim().is_empty() {
            String::new()
        } else {
            bounded_text(note, NOTE_LENGTH_MAX)
                .ok_or_else(|| AppError::invalid("note", "at most 2000 characters"))?
        };
        let row = self.verification_row(&ctx.actor, id).await?;
        let now = self.clock().now();
        let now_ms = now.timestamp_millis();
        let mut tx = self.db().begin().await?;
        let row = rows::lock_verification(&mut tx, self.db().backend(), row.id)
            .await?
            .ok_or_else(|| AppError::not_found("verification"))?;
        let status = row.status;
        if !status.awaiting_decision() {
            if row.submission > 0 && row.decided_submission == row.submission {
                return Err(AppError::new(
                    Code::AlreadyDecided,
                    format!("this submission was already decided: {}", row.status),
                ));
            }
            return Err(conflict(&row, "decide"));
        }
        if outcome == Outcome::Approve {
            self.check_uscc_limit(&mut tx, &row.uscc, row.account_id).await?;
        }
        let (next, rejections) = status_after(outcome, row.rejection_count);
        let changes_due_at_ms = (next == VerificationStatus::ChangesRequested)
            .then(|| now_ms + self.config().changes_window_days * DAY_MS);
        let reasons_text = reasons.join(",");
        let reason_words = |pick: fn(&(&str, &'static str, &'static str)) -> &'static str,
                            separator: &str| {
            reasons
                .iter()
                .map(|code| {
                    domain::verification::REASONS
                        .iter()
                        .find(|r| r.0 == code.as_str())
                        .map_or_else(|| code.to_string(), |r| pick(r).to_owned())
                })
                .collect::<Vec<_>>()
                .join(separator)
        };
        let decision = Decision {
            status: next,
            outcome: outcome.as_str(),
            reasons: &reasons_text,
            note: &note,
            decided_by: &ctx.actor.label(),
            rejection_count: rejections,
            changes_due_at_ms,
            failed: next == VerificationStatus::Failed,
            submission: row.submission,
            now_ms,
        };
        if !rows::decide(&mut tx, row.id, &decision).await? {
            return Err(AppError::new(Code::AlreadyDecided, "another reviewer decided this submission"));
        }
        let subject = format!("verification:{}", row.id);
        let link = format!("/console/verifications/{}", row.id);
        match next {
            VerificationStatus::Approved => self.grant_badge(&mut tx, &row, now).await?,
            VerificationStatus::ChangesRequested => {
                let due = DateTime::from_timestamp_millis(changes_due_at_ms.unwrap_or(now_ms)).unwrap_or(now);
                self.enqueue_job(
                    &mut tx,
                    JobKind::VerificationChangesDeadline,
                    &subject,
                    &row.submission.to_string(),
                    due,
                    Some(row.merchant_id),
                )
                .await?;
                let due_text = date_text(china_date(due));
                let notice = Notice {
                    merchant_id: row.merchant_id,
                    kind: NoticeKind::VerificationChangesRequested,
                    text_zh: format!("认证申请 #{} 需要修改材料，请在 {due_text} 前修改并重新提交。", row.id),
                    text_en: format!(
                        "Application #{} needs changes; correct and resubmit by {due_text}.",
                        row.id
                    ),
                    link,
                };
                self.notify(&mut tx, notice).await?;
            }
            VerificationStatus::Rejected => {
                let notice = Notice {
                    merchant_id: row.merchant_id,
                    kind: NoticeKind::VerificationRejected,
                    text_zh: format!(
                        "认证申请 #{} 未通过（{}），可修改后重新提交。",
                        row.id,
                        reason_words(|r| r.1, "；")
                    ),
                    text_en: format!(
                        "Application #{} was rejected ({}); you may correct and resubmit.",
                        row.id,
                        reason_words(|r| r.2, "; ")
                    ),
                    link,
                };
                self.notify(&mut tx, notice).await?;
            }
            VerificationStatus::Failed => self.fail_application(&mut tx, &row, now_ms).await?,
            _ => {}
        }
        let detail = format!("outcome={} reasons={reasons_text} status={}", outcome.as_str(), next.as_str());
        self.audit_for(&mut tx, ctx, "verification.decide", &subject, &detail, Some(row.merchant_id)).await?;
        tx.commit().await?;
        self.verification(&ctx.actor, id).await
    }

    /// The account of an application that failed waits `verification_cooldown_days`.
    async fn fail_application(
        &self,
        tx: &mut store::WriteTx,
        row: &VerificationRow,
        now_ms: i64,
    ) -> AppResult<()> {
        let until_ms = now_ms + self.config().verification_cooldown_days * DAY_MS;
        rows::set_cooldown(tx, row.account_id, until_ms).await?;
        let until =
            DateTime::from_timestamp_millis(until_ms).map(china_date).map(date_text).unwrap_or_default();
        let notice = Notice {
            merchant_id: row.merchant_id,
            kind: NoticeKind::VerificationFailed,
            text_zh: format!("认证申请 #{} 未通过认证，{until} 起可重新申请。", row.id),
            text_en: format!("Application #{} failed; a new application may start on {until}.", row.id),
            link: format!("/console/verifications/{}", row.id),
        };
        self.notify(tx, notice).await?;
        Ok(())
    }

    /// Marks the account verified for a year from today, or, for a renewal approved before the
    /// badge ends, for a year from the old end; schedules the reminders and the expiry.
    async fn grant_badge(
        &self,
        tx: &mut store::WriteTx,
        row: &VerificationRow,
        now: DateTime<Utc>,
    ) -> AppResult<()> {
        let account = rows::find_account(tx, row.account_id)
            .await?
            .ok_or_else(|| AppError::not_found("enterprise account"))?;
        let today = china_date(now);
        let from = match account.badge_valid_until.as_deref().and_then(parse_date) {
            Some(until) if account.verified == 1 && until > today => until,
            _ => today,
        };
        let renewed = account.verified == 1 && account.badge_valid_until.is_some();
        let valid_until = one_year_after(from);
        let (granted_text, until_text) = (date_text(today), date_text(valid_until));
        let now_ms = now.timestamp_millis();
        // The verified company becomes the merchant's entity, unless a merchant holds it already.
        let key = domain::names::name_key(&row.company_name);
        store::entities::claim(tx, &key, row.merchant_id, &row.company_name, Some(&row.uscc), now_ms).await?;
        rows::set_badge(tx, account.id, row.id, &granted_text, &until_text, now_ms).await?;
        let subject = format!("enterprise_account:{}", account.id);
        for kind in [JobKind::BadgeReminder, JobKind::BadgeExpiry] {
            jobs::cancel_pending(tx, kind.as_str(), &subject, now_ms).await?;
        }
        for days in self.config().badge_reminder_days.clone() {
            let Some(on) = valid_until.checked_sub_days(chrono::Days::new(days.unsigned_abs())) else {
                continue;
            };
            let at = china_midnight(on);
            if at > now {
                let payload = format!("{until_text}|{days}");
                self.enqueue_job(
                    tx,
                    JobKind::BadgeReminder,
                    &subject,
                    &payload,
                    at,
                    Some(account.merchant_id),
                )
                .await?;
            }
        }
        self.enqueue_job(
            tx,
            JobKind::BadgeExpiry,
            &subject,
            &until_text,
            china_midnight(valid_until),
            Some(account.merchant_id),
        )
        .await?;
        let notice = Notice {
            merchant_id: account.merchant_id,
            kind: NoticeKind::VerificationApproved,
            text_zh: format!("企业号「{}」已通过蓝V认证，有效期至 {until_text}。", account.nickname),
            text_en: format!("Account \"{}\" is verified until {until_text}.", account.nickname),
            link: format!("/console/enterprise-accounts/{}", account.id),
        };
        self.notify(tx, notice).await?;
        let kind = if renewed { EventType::BadgeRenewed } else { EventType::BadgeGranted };
        let data = serde_json::json!({
            "account_id": account.id,
            "nickname": account.nickname,
            "company_name": row.company_name,
            "valid_from": granted_text,
            "valid_until": until_text,
        });
        self.emit(tx, account.merchant_id, kind, data).await?;
        Ok(())
    }

    // ----- jobs -----

    /// Job: the merchant did not resubmit within the window; the application fails.
    pub(crate) async fn run_changes_deadline(
        &self,
        tx: &mut store::WriteTx,
        job: &store::jobs::JobRow,
    ) -> AppResult<String> {
        let id: i64 = job.subject.strip_prefix("verification:").and_then(|s| s.parse().ok()).unwrap_or(0);
        let submission: i64 = job.payload.parse().unwrap_or(-1);
        let Some(row) = rows::lock_verification(tx, self.db().backend(), id).await? else {
            return Ok("missing".to_owned());
        };
        let now_ms = self.clock().now_ms();
        if !rows::fail_waiting_changes(tx, row.id, submission, now_ms).await? {
            return Ok(format!("status={}", row.status));
        }
        self.fail_application(tx, &row, now_ms).await?;
        Ok("failed".to_owned())
    }

    /// Job: reminds the merchant that the badge ends soon, unless it was renewed meanwhile.
    pub(crate) async fn run_badge_reminder(
        &self,
        tx: &mut store::WriteTx,
        job: &store::jobs::JobRow,
    ) -> AppResult<String> {
        let id: i64 =
            job.subject.strip_prefix("enterprise_account:").and_then(|s| s.parse().ok()).unwrap_or(0);
        let (until, days) = job.payload.split_once('|').unwrap_or((job.payload.as_str(), "0"));
        let Some(account) = rows::find_account(tx, id).await? else { return Ok("missing".to_owned()) };
        if account.verified != 1 || account.badge_valid_until.as_deref() != Some(until) {
            return Ok("renewed_or_expired".to_owned());
        }
        let notice = Notice {
            merchant_id: account.merchant_id,
            kind: NoticeKind::BadgeExpiring,
            text_zh: format!(
                "企业号「{}」的蓝V认证将于 {until} 到期（还有 {days} 天），请及时申请年审。",
                account.nickname
            ),
            text_en: format!(
                "The badge of \"{}\" ends on {until} ({days} days left); apply for renewal.",
                account.nickname
            ),
            link: format!("/console/enterprise-accounts/{}", account.id),
        };
        self.notify(tx, notice).await?;
        Ok(format!("days={days}"))
    }

    /// Job: the badge ends unless a renewal moved its end date.
    pub(crate) async fn run_badge_expiry(
        &self,
        tx: &mut store::WriteTx,
        job: &store::jobs::JobRow,
    ) -> AppResult<String> {
        let id: i64 =
            job.subject.strip_prefix("enterprise_account:").and_then(|s| s.parse().ok()).unwrap_or(0);
        let Some(account) = rows::find_account(tx, id).await? else { return Ok("missing".to_owned()) };
        if !rows::expire_badge(tx, account.id, &job.payload, self.clock().now_ms()).await? {
            return Ok("renewed".to_owned());
        }
        let notice = Notice {
            merchant_id: account.merchant_id,
            kind: NoticeKind::BadgeExpired,
            text_zh: format!("企业号「{}」的蓝V认证已到期，重新认证后恢复。", account.nickname),
            text_en: format!("The badge of \"{}\" expired; verify again to get it back.", account.nickname),
            link: format!("/console/enterprise-accounts/{}", account.id),
        };
        self.notify(tx, notice).await?;
        let data = serde_json::json!({ "account_id": account.id, "valid_until": job.payload });
        self.emit(tx, account.merchant_id, EventType::BadgeExpired, data).await?;
        Ok("expired".to_owned())
    }
}
