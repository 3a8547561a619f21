//! Demo data for `serve --demo`: one user per role on an empty database, and two shops with a
//! living deposit ledger (top-ups, a penalty, an appeal waiting for review), so a newcomer sees a
//! living product. Later areas add their own demo records here; `demo_verification.rs` adds the
//! enterprise accounts with an application in every state.

use crate::ledger::IdempotencyClaim;
use crate::shops::NewShopInput;
use crate::violations::NewViolationInput;
use crate::{Actor, App, AppError, AppResult, Ctx};

/// A demo login printed at start-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoLogin {
    pub username: &'static str,
    pub password: &'static str,
    pub role: &'static str,
    pub merchant: Option<&'static str>,
}

/// The demo users. Their passwords are public: `--demo` is for trying Xiaodian out, never production.
pub const DEMO_LOGINS: [DemoLogin; 4] = [
    DemoLogin { username: "admin", password: "admin-demo-2026", role: "admin", merchant: None },
    DemoLogin { username: "reviewer", password: "reviewer-demo-2026", role: "reviewer", merchant: None },
    DemoLogin {
        username: "merchant",
        password: "merchant-demo-2026",
        role: "merchant",
        merchant: Some("杭州小店科技有限公司"),
    },
    DemoLogin { username: "service", password: "service-demo-2026", role: "service", merchant: None },
];

impl App {
    /// Fills an empty database with demo data; does nothing when any user exists. Answers whether
    /// it created anything.
    pub async fn seed_demo(&self) -> AppResult<bool> {
        let mut conn = self.db().read().await?;
        if store::users::count_users(&mut conn).await? > 0 {
            return Ok(false);
        }
        drop(conn);
        let ctx = Ctx::system("demo");
        for login in DEMO_LOGINS {
            self.create_user(&ctx, login.username, login.role, login.merchant, login.password).await?;
        }
        self.seed_demo_deposits().await?;
        self.seed_demo_verifications().await?;
        Ok(true)
    }

    /// The demo user `username` acting, as if logged in (no session is created).
    pub(crate) async fn demo_ctx(&self, username: &str) -> AppResult<Ctx> {
        let mut conn = self.db().read().await?;
        let user = store::users::find_user_by_username(&mut conn, username)
            .await?
            .ok_or_else(|| AppError::internal(&format!("demo user {username} is missing")))?;
        let actor = Actor::of_user(&user)?;
        Ok(Ctx { actor, request_id: format!("demo-{username}") })
    }

    /// Two shops for the demo merchant, topped up by the payment service; a reviewer's penalty on
    /// one, and on the other a penalty the merchant appealed, waiting in the appeal queue.
    async fn seed_demo_deposits(&self) -> AppResult<()> {
        let merchant = self.demo_ctx("merchant").await?;
        let reviewer = self.demo_ctx("reviewer").await?;
        let service = self.demo_ctx("service").await?;
        let shop = |name: &str, category: &str| NewShopInput {
            name: name.into(),
            entity_type: "enterprise".into(),
            entity_name: "杭州小店科技有限公司".into(),
            category: category.into(),
        };
        let flagship = self.create_shop(&merchant, &shop("杭州小店旗舰店", "apparel")).await?;
        let books = self.create_shop(&merchant, &shop("小店图书专营", "books")).await?;
        let claim = |ctx: &Ctx, key: &str, path: &str| {
            IdempotencyClaim::parse(format!("user:{}", ctx.actor.user_id), Some(key), "POST", path, b"demo")
        };
        for (key, shop_id, amount_fen, payment_ref) in [
            ("demo-topup-1", flagship.id, 200_000, "PAY-DEMO-0001"),
            ("demo-topup-2", books.id, 50_000, "PAY-DEMO-0002"),
        ] {
            let path = format!("/demo/shops/{shop_id}/deposit/top-ups");
            self.top_up(&service, shop_id, amount_fen, payment_ref, claim(&service, key, &path)?).await?;
        }
        let violation = |kind: &str, severity: &str, penalty_fen: i64, evidence: &str| NewViolationInput {
            kind: kind.into(),
            severity: severity.into(),
            penalty_fen,
            beneficiary: "platform".into(),
            buyer_id: None,
            evidence: evidence.into(),
        };
        let late = violation("late_shipment", "general", 10_000, "订单 DY20260105001 付款后 72 小时仍未发货");
        let path = format!("/demo/shops/{}/violations", flagship.id);
        self.record_violation(&reviewer, flagship.id, &late, claim(&reviewer, "demo-violation-1", &path)?)
            .await?;
        let advertising = violation(
            "false_advertising",
            "serious",
            50_000,
            "详情页宣称“全网销量第一”“名师独家押题”，无依据",
        );
        let path = format!("/demo/shops/{}/violations", books.id);
        let recorded = self
            .record_violation(&reviewer, books.id, &advertising, claim(&reviewer, "demo-violation-2", &path)?)
            .await?;
        let violation_id =
            recorded.subject_id.ok_or_else(|| AppError::internal(&"the demo violation has no id"))?;
        self.appeal_violation(
            &merchant,
            violation_id,
            "“名师独家押题”是出版社的官方宣传语，已附出版社授权书，请复核。",
        )
        .await?;
        Ok(())
    }
}
