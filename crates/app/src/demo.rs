//! Demo data for `serve --demo`: one user per role on an empty database, so a newcomer sees a
//! living product. Later areas add their own demo records here.

use crate::{App, AppResult, Ctx};

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
        Ok(true)
    }
}
