//! Demo data for blue-V verification: eight enterprise accounts of the demo merchant with an
//! application in every state (draft, submitted, claimed, changes requested, approved with the
//! badge, rejected, failed), the warnings a reviewer must weigh, and the notifications they caused.
//! The approved one, 小店科技, is verified months earlier inside the history walk (`demo_content.rs`).

use domain::validators::{ResidentId, Uscc};

use crate::ledger::IdempotencyClaim;
use crate::verification::ApplicationInput;
use crate::{App, AppError, AppResult, Ctx};

/// The mock business licence (a drawing, no real data).
const LICENCE_PNG: &[u8] = include_bytes!("../../../data/demo/business-licence.png");
/// The mock application letter (one page, no real data).
const LETTER_PDF: &[u8] = include_bytes!("../../../data/demo/application-letter.pdf");

/// A code made of a 17-character body and its check character.
fn uscc(body17: &str) -> AppResult<String> {
    let check =
        Uscc::check_char(body17).ok_or_else(|| AppError::internal(&"a demo USCC body is malformed"))?;
    Ok(format!("{body17}{check}"))
}

fn resident_id(body17: &str) -> AppResult<String> {
    let check = ResidentId::check_char(body17)
        .ok_or_else(|| AppError::internal(&"a demo ID number body is malformed"))?;
    Ok(format!("{body17}{check}"))
}

/// Where a demo application is left.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// A licence uploaded, the letter and the fee still missing.
    Draft,
    Submitted,
    Claimed,
    ChangesRequested,
    Approved,
    Rejected,
    /// Rejected a third time.
    Failed,
}

/// One demo account and its application.
struct DemoCase {
    nickname: &'static str,
    bio: &'static str,
    company_name: &'static str,
    brand_name: Option<&'static str>,
    uscc: String,
    legal_rep_name: &'static str,
    legal_rep_id_number: String,
    industry: &'static str,
    operator_is_legal_rep: bool,
    stage: Stage,
}

impl App {
    /// The demo merchant's enterprise accounts and applications (see the module comment).
    pub(crate) async fn seed_demo_verifications(&self) -> AppResult<()> {
        let merchant = self.demo_ctx("merchant").await?;
        let reviewer = self.demo_ctx("reviewer").await?;
        let service = self.demo_ctx("service").await?;
        let zhang = resident_id("11010519491231002")?;
        let case = |nickname,
                    bio,
                    company_name,
                    brand_name,
                    uscc,
                    legal_rep: (&'static str, String),
                    industry,
                    stage| DemoCase {
            nickname,
            bio,
            company_name,
            brand_name,
            uscc,
            legal_rep_name: legal_rep.0,
            legal_rep_id_number: legal_rep.1,
            industry,
            operator_is_legal_rep: true,
            stage,
        };
        // A well-formed USCC whose check character is wrong, as some early pilot codes are.
        let pilot_uscc = {
            let valid = uscc("91330106MA2B7K3L4")?;
            let wrong = if valid.ends_with('0') { '1' } else { '0' };
            format!("{}{wrong}", &valid[..17])
        };
        let mut education = case(
            "小店教育",
            "小店学堂，职业技能在线课程",
            "杭州小店教育科技有限公司",
            None,
            uscc("91330108MA2H5P6Q7")?,
            ("赵六", resident_id("33010619850412003")?),
            "education",
            Stage::Submitted,
        );
        education.operator_is_legal_rep = false;
        let cases = vec![
            case(
                "小店图书",
                "好书推荐与读书会",
                "杭州小店图书有限公司",
                None,
                pilot_uscc,
                ("李四", resident_id("33010219780301001")?),
                "retail",
                Stage::Submitted,
            ),
            education,
            case(
                "小店美妆馆",
                "彩妆护肤试用与测评",
                "杭州美丽说化妆品有限公司",
                Some("美丽说"),
                uscc("91330110MA2C8D9E1")?,
                // The same legal representative as the approved company: a reviewer sees it.
                ("张三", zhang),
                "beauty",
                Stage::Claimed,
            ),
            case(
                "小店食品",
                "杭州特产与零食",
                "杭州小店食品有限公司",
                None,
                uscc("91330105MA2D1F2G3")?,
                ("王五", resident_id("33010519900715004")?),
                "food",
                Stage::ChangesRequested,
            ),
            case(
                "小店旅行",
                "周边游与民宿推荐",
                "杭州小店旅行社有限公司",
                None,
                uscc("91330104MA2E3H4J5")?,
                ("孙七", resident_id("33010419881120005")?),
                "tourism",
                Stage::Rejected,
            ),
            case(
                "小店数码",
                "手机配件与智能设备",
                "杭州小店数码有限公司",
                None,
                uscc("91330103MA2F5K6L7")?,
                ("周八", resident_id("33010319920228006")?),
                "electronics",
                Stage::Failed,
            ),
            case(
                "小店零售",
                "日用百货",
                "杭州小店零售有限公司",
                None,
                uscc("91330102MA2G7M8N9")?,
                ("吴九", resident_id("33010219950505007")?),
                "retail",
                Stage::Draft,
            ),
        ];
        for (number, case) in cases.into_iter().enumerate() {
            self.seed_demo_case(&merchant, &reviewer, &service, number + 1, case).await?;
        }
        Ok(())
    }

    /// 小店科技, verified through the real flow (the content story runs it months before now); answers
    /// the account's id.
    pub(crate) async fn seed_demo_verified_account(&self) -> AppResult<i64> {
        let merchant = self.demo_ctx("merchant").await?;
        let reviewer = self.demo_ctx("reviewer").await?;
        let service = self.demo_ctx("service").await?;
        let case = DemoCase {
            nickname: "小店科技",
            bio: "杭州的小店，服饰与生活好物",
            company_name: "杭州小店科技有限公司",
            brand_name: Some("小店"),
            uscc: "91350100M000100Y43".to_owned(),
            legal_rep_name: "张三",
            legal_rep_id_number: resident_id("11010519491231002")?,
            industry: "apparel",
            operator_is_legal_rep: true,
            stage: Stage::Approved,
        };
        self.seed_demo_case(&merchant, &reviewer, &service, 0, case).await
    }

    async fn seed_demo_document(&self, merchant: &Ctx, id: i64, kind: &str, bytes: &[u8]) -> AppResult<()> {
        let mut upload = self.begin_document_upload(&merchant.actor, id).await?;
        upload.write(bytes)?;
        self.add_document(merchant, id, kind, upload).await?;
        Ok(())
    }

    async fn seed_demo_case(
        &self,
        merchant: &Ctx,
        reviewer: &Ctx,
        service: &Ctx,
        number: usize,
        case: DemoCase,
    ) -> AppResult<i64> {
        let account = self.create_enterprise_account(merchant, case.nickname, case.bio).await?;
        let input = ApplicationInput {
            company_name: case.company_name.to_owned(),
            brand_name: case.brand_name.map(str::to_owned),
            uscc: case.uscc.clone(),
            legal_rep_name: case.legal_rep_name.to_owned(),
            legal_rep_id_number: case.legal_rep_id_number.clone(),
            industry: case.industry.to_owned(),
            contact_phone: format!("1380013{:04}", 8000 + number),
            contact_email: format!("bluev{number}@xiaodian.example"),
            operator_is_legal_rep: case.operator_is_legal_rep,
        };
        let view = self.create_verification(merchant, account.id, &input).await?;
        let id = view.row.id;
        self.seed_demo_document(merchant, id, "business_licence", LICENCE_PNG).await?;
        if case.stage == Stage::Draft {
            return Ok(account.id);
        }
        self.seed_demo_document(merchant, id, "application_letter", LETTER_PDF).await?;
        if !case.operator_is_legal_rep {
            self.seed_demo_document(merchant, id, "authorization_letter", LETTER_PDF).await?;
        }
        if view.permit_required {
            self.seed_demo_document(merchant, id, "industry_permit", LICENCE_PNG).await?;
        }
        let path = format!("/demo/verifications/{id}/fee-payments");
        let claim = IdempotencyClaim::parse(
            format!("user:{}", service.actor.user_id),
            Some(&format!("demo-fee-{id}")),
            "POST",
            &path,
            b"demo",
        )?;
        self.pay_verification_fee(
            service,
            id,
            self.config().verification_fee_fen,
            &format!("PAY-BLUEV-{id:04}"),
            claim,
        )
        .await?;
        self.submit_verification(merchant, id).await?;
        let reasons = |codes: &[&str]| codes.iter().map(|c| (*c).to_owned()).collect::<Vec<_>>();
        match case.stage {
            Stage::Draft | Stage::Submitted => {}
            Stage::Claimed => {
                self.claim_verification(reviewer, id, None).await?;
            }
            Stage::ChangesRequested => {
                self.claim_verification(reviewer, id, None).await?;
                let note = "食品经营许可证已过期，请上传有效期内的许可证。";
                self.decide_verification(
                    reviewer,
                    id,
                    "request_changes",
                    &reasons(&["permit_missing"]),
                    note,
                )
                .await?;
            }
            Stage::Approved => {
                self.claim_verification(reviewer, id, None).await?;
                self.decide_verification(reviewer, id, "approve", &[], "材料齐全，准予认证。").await?;
            }
            Stage::Rejected => {
                self.claim_verification(reviewer, id, None).await?;
                let note = "认证公函未加盖公章，请盖章后重新提交。";
                self.decide_verification(reviewer, id, "reject", &reasons(&["letter_missing_seal"]), note)
                    .await?;
            }
            Stage::Failed => {
                for round in 1..=3 {
                    if round > 1 {
                        self.submit_verification(merchant, id).await?;
                    }
                    self.claim_verification(reviewer, id, None).await?;
                    let codes: &[&str] =
                        if round < 3 { &["licence_mismatch"] } else { &["false_information"] };
                    let note = format!("第 {round} 次审核：营业执照信息与填写的企业信息不一致。");
                    self.decide_verification(reviewer, id, "reject", &reasons(codes), &note).await?;
                }
            }
        }
        Ok(account.id)
    }
}
