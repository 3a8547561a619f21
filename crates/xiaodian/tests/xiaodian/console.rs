//! The console in headless Chromium: login, the language switch and logout.

use test_support::browser::{Browser, Locator};
use test_support::{Server, TestDb};

use crate::{add_users, binary, password};

/// Waits until the page's path ends with `suffix` (a click that submits a form navigates later).
async fn wait_for_path(browser: &Browser, suffix: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        let path = browser.page.current_url().await.unwrap().path().to_owned();
        if path.ends_with(suffix) {
            return;
        }
        assert!(std::time::Instant::now() < deadline, "still on {path}, expected {suffix}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

async fn text(browser: &Browser, css: &str) -> String {
    browser
        .page
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|_| panic!("{css} on the page"))
        .text()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_language_switch_and_logout_in_chromium() {
    let db = TestDb::sqlite();
    add_users(&db.url);
    let server = Server::start(binary(), &["--db", &db.url]);
    let browser = Browser::start().await;
    let page = &browser.page;

    page.goto(&format!("{}/console", server.base)).await.unwrap();
    wait_for_path(&browser, "/console/login").await;
    assert_eq!(text(&browser, "h1").await, "登录", "Chinese by default");

    page.find(Locator::Id("username")).await.unwrap().send_keys("admin").await.unwrap();
    page.find(Locator::Id("password")).await.unwrap().send_keys("wrong password").await.unwrap();
    page.find(Locator::Id("login-submit")).await.unwrap().click().await.unwrap();
    browser.page.wait().for_element(Locator::Css(".error")).await.unwrap();
    assert!(text(&browser, ".error").await.contains("invalid_credentials"));

    page.find(Locator::Id("username")).await.unwrap().send_keys("admin").await.unwrap();
    page.find(Locator::Id("password")).await.unwrap().send_keys(&password("admin")).await.unwrap();
    page.find(Locator::Id("login-submit")).await.unwrap().click().await.unwrap();
    wait_for_path(&browser, "/console/home").await;
    assert!(text(&browser, "#welcome").await.contains("欢迎"));
    assert_eq!(text(&browser, "#role").await, "管理员");
    assert!(
        text(&browser, "header").await.contains("审计日志"),
        "admins see the audit log in the navigation"
    );

    page.find(Locator::Id("lang-switch")).await.unwrap().click().await.unwrap();
    browser
        .page
        .wait()
        .for_element(Locator::XPath("//h1[@id='welcome' and contains(., 'Welcome')]"))
        .await
        .unwrap();
    assert_eq!(text(&browser, "#role").await, "Administrator");
    page.goto(&format!("{}/console/calendar?month=2026-02", server.base)).await.unwrap();
    let makeup = page.find(Locator::Css("td[data-date='2026-02-14']")).await.unwrap().text().await.unwrap();
    assert!(makeup.contains("Make-up working day"), "{makeup}");

    page.find(Locator::Id("logout")).await.unwrap().click().await.unwrap();
    wait_for_path(&browser, "/console/login").await;
    page.goto(&format!("{}/console/home", server.base)).await.unwrap();
    wait_for_path(&browser, "/console/login").await;
    assert_eq!(text(&browser, "h1").await, "Log in", "the language choice stays");

    // A merchant sees no admin navigation and is refused the admin pages.
    page.find(Locator::Id("username")).await.unwrap().send_keys("m1").await.unwrap();
    page.find(Locator::Id("password")).await.unwrap().send_keys(&password("m1")).await.unwrap();
    page.find(Locator::Id("login-submit")).await.unwrap().click().await.unwrap();
    wait_for_path(&browser, "/console/home").await;
    assert!(!text(&browser, "header").await.contains("Audit log"));
    page.goto(&format!("{}/console/admin/audit", server.base)).await.unwrap();
    assert!(text(&browser, ".error").await.contains("forbidden"));
    browser.close().await;
}

#[tokio::test]
async fn console_forms_need_the_csrf_token_and_pages_carry_security_headers() {
    let db = TestDb::sqlite();
    add_users(&db.url);
    let server = Server::start(binary(), &["--db", &db.url]);
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let page = http.get(format!("{}/console/login", server.base)).send().await.unwrap();
    for header in ["content-security-policy", "x-frame-options", "x-content-type-options", "referrer-policy"]
    {
        assert!(page.headers().contains_key(header), "{header}");
    }
    let forged = http
        .post(format!("{}/console/login", server.base))
        .form(&[("username", "admin"), ("password", password("admin").as_str()), ("csrf", "forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403, "a login without the CSRF cookie is refused");
}
