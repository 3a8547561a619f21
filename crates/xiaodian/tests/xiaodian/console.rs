//! The console in headless Chromium: login, the language switch and logout.

use test_support::browser::{Browser, Locator};
use test_support::{Server, TestDb};

use crate::{add_users, binary, password};

/// Waits until the page's path ends with `suffix` (a click that submits a form navigates later).
pub(crate) async fn wait_for_path(browser: &Browser, suffix: &str) {
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

pub(crate) async fn text(browser: &Browser, css: &str) -> String {
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

/// Logs `username` in through the login form (replacing whoever was logged in).
pub(crate) async fn log_in(browser: &Browser, base: &str, username: &str) {
    let page = &browser.page;
    page.goto(&format!("{base}/console/login")).await.unwrap();
    page.find(Locator::Id("username")).await.unwrap().send_keys(username).await.unwrap();
    page.find(Locator::Id("password")).await.unwrap().send_keys(&password(username)).await.unwrap();
    page.find(Locator::Id("login-submit")).await.unwrap().click().await.unwrap();
    wait_for_path(browser, "/console/home").await;
}

/// Waits until a form's redirect lands on a page showing `notice=key`, and answers the notice text.
pub(crate) async fn wait_for_notice(browser: &Browser, key: &str) -> String {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    let wanted = format!("notice={key}");
    loop {
        let url = browser.page.current_url().await.unwrap();
        if url.query().is_some_and(|query| query.contains(&wanted)) {
            return text(browser, "#notice").await;
        }
        if std::time::Instant::now() > deadline {
            let error = match browser.page.find(Locator::Css(".error")).await {
                Ok(element) => element.text().await.unwrap_or_default(),
                Err(_) => String::new(),
            };
            panic!("still on {url}, expected the notice {key}; error shown: {error:?}");
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// Sends a request from the page with `fetch` (the browser's cookies go along) and answers the
/// status, final URL, headers of interest, the first three bytes and the text of the response.
pub(crate) async fn fetch(browser: &Browser, path: &str, form_body: Option<&str>) -> serde_json::Value {
    let script = r#"
        const [path, body] = arguments;
        const done = arguments[arguments.length - 1];
        const init = body === null ? {} : {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body,
        };
        fetch(path, init)
            .then(r => r.arrayBuffer().then(b => done({
                status: r.status,
                url: r.url,
                type: r.headers.get('content-type'),
                disposition: r.headers.get('content-disposition'),
                head: Array.from(new Uint8Array(b).slice(0, 3)),
                text: new TextDecoder().decode(b),
            })))
            .catch(e => done({ status: 0, error: String(e) }));
    "#;
    browser
        .page
        .execute_async(script, vec![serde_json::json!(path), serde_json::json!(form_body)])
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deposit_violation_and_appeal_pages_in_chromium() {
    let db = TestDb::sqlite();
    add_users(&db.url);
    let server = Server::start(binary(), &["--db", &db.url]);
    let browser = Browser::start().await;
    let page = &browser.page;
    let base = server.base.as_str();

    // The merchant opens a shop through the form.
    log_in(&browser, base, "m1").await;
    assert!(
        text(&browser, "header").await.contains("我的店铺"),
        "merchants see their shops in the navigation"
    );
    page.goto(&format!("{base}/console/shops")).await.unwrap();
    assert_eq!(text(&browser, "#no-shops").await, "还没有店铺。");
    page.find(Locator::Id("shop-name")).await.unwrap().send_keys("一号旗舰店").await.unwrap();
    page.find(Locator::Id("entity-name")).await.unwrap().send_keys("一号商家").await.unwrap();
    page.find(Locator::Id("category")).await.unwrap().select_by_value("books").await.unwrap();
    page.find(Locator::Id("create-shop")).await.unwrap().click().await.unwrap();
    assert_eq!(wait_for_notice(&browser, "shop_created").await, "店铺已创建。");
    let shop_path = page.current_url().await.unwrap().path().to_owned();
    let shop_id: i64 =
        shop_path.rsplit('/').next().unwrap().parse().expect("the shop page's path ends in its id");
    let shop_url = format!("{base}{shop_path}");
    assert_eq!(text(&browser, "#shop-name").await, "一号旗舰店");
    assert_eq!(text(&browser, "#balance").await, "¥0.00");
    assert_eq!(text(&browser, "#shortfall").await, "¥0.00", "a new shop starts without a deposit");
    assert_eq!(text(&browser, "#no-violations").await, "没有违规记录。");

    // The payment service tops the deposit up over the API; the merchant sees the balance.
    let service = server.client().login("svc", &password("svc")).await;
    let top_up = service
        .post_with(
            &format!("/api/v1/shops/{shop_id}/deposit/top-ups"),
            &[("Idempotency-Key", "k1")],
            &serde_json::json!({ "amount_fen": 200_000, "payment_ref": "PAY-0001" }),
        )
        .await;
    assert_eq!(top_up.status, 201, "{}", top_up.text);
    page.goto(&shop_url).await.unwrap();
    assert_eq!(text(&browser, "#balance").await, "¥2000.00");
    assert_eq!(text(&browser, "#available").await, "¥2000.00");
    assert_eq!(text(&browser, "#shortfall").await, "¥0.00");
    let top_up_line = text(&browser, "#statement tr[data-seq]").await;
    assert!(top_up_line.contains("充值") && top_up_line.contains("+¥2000.00"), "{top_up_line}");

    // The reviewer finds the shop among all shops and records a violation through the form.
    log_in(&browser, base, "reviewer").await;
    assert!(text(&browser, "header").await.contains("申诉审核"));
    page.goto(&format!("{base}/console/shops")).await.unwrap();
    page.find(Locator::Css(&format!("tr[data-shop-id='{shop_id}'] a.shop-link")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_path(&browser, &shop_path).await;
    page.find(Locator::Id("kind")).await.unwrap().select_by_value("late_shipment").await.unwrap();
    page.find(Locator::Id("severity")).await.unwrap().select_by_value("general").await.unwrap();
    page.find(Locator::Id("penalty")).await.unwrap().send_keys("100.00").await.unwrap();
    page.find(Locator::Id("evidence")).await.unwrap().send_keys("订单付款后 72 小时仍未发货").await.unwrap();
    let rendered_form = page
        .execute(
            "return new URLSearchParams(new FormData(document.getElementById('violation-form'))).toString();",
            vec![],
        )
        .await
        .unwrap();
    let rendered_form = rendered_form.as_str().expect("the form as urlencoded text").to_owned();
    page.find(Locator::Id("record-violation")).await.unwrap().click().await.unwrap();
    assert!(wait_for_notice(&browser, "violation_recorded").await.contains("违规已记录"));
    assert_eq!(text(&browser, "#balance").await, "¥1900.00");

    // The same rendered form submitted again (a double click, a resent POST) records nothing more.
    let again = fetch(&browser, &format!("/console/shops/{shop_id}/violations"), Some(&rendered_form)).await;
    assert_eq!(again["status"], 200, "{again}");
    assert!(again["url"].as_str().unwrap().contains("notice=violation_replayed"), "{again}");
    assert!(again["text"].as_str().unwrap().contains("违规只记录一次"));
    page.goto(&shop_url).await.unwrap();
    assert_eq!(page.find_all(Locator::Css("#violations tr.violation")).await.unwrap().len(), 1);
    assert_eq!(text(&browser, "#balance").await, "¥1900.00", "the penalty was deducted once");

    // The merchant sees the deduction in the statement, downloads it, and appeals.
    log_in(&browser, base, "m1").await;
    page.goto(&shop_url).await.unwrap();
    assert_eq!(text(&browser, "#balance").await, "¥1900.00");
    let newest = text(&browser, "#statement tr[data-seq]").await;
    assert!(
        newest.contains("违规罚款") && newest.contains("-¥100.00") && newest.contains("¥1900.00"),
        "{newest}"
    );
    assert_eq!(text(&browser, "#violations tr.violation .status").await, "已生效");
    assert!(!text(&browser, ".appeal-form .deadline").await.is_empty(), "the appeal deadline is shown");

    let csv_href = page.find(Locator::Id("statement-csv")).await.unwrap().attr("href").await.unwrap();
    assert_eq!(csv_href.as_deref(), Some(format!("/console/shops/{shop_id}/deposit/statement.csv").as_str()));
    let csv = fetch(&browser, csv_href.as_deref().unwrap(), None).await;
    assert_eq!(csv["status"], 200, "{csv}");
    assert_eq!(csv["type"], "text/csv; charset=utf-8");
    assert!(csv["disposition"].as_str().unwrap().contains(&format!("deposit-statement-shop-{shop_id}.csv")));
    assert_eq!(csv["head"], serde_json::json!([0xEF, 0xBB, 0xBF]), "the CSV starts with a byte-order mark");
    let csv_text = csv["text"].as_str().unwrap();
    assert!(
        csv_text.contains("top_up") && csv_text.contains("penalty") && csv_text.contains("-100.00"),
        "{csv_text}"
    );

    page.find(Locator::Css(".appeal-form textarea"))
        .await
        .unwrap()
        .send_keys("已按时发货，物流单号 SF1234567890")
        .await
        .unwrap();
    page.find(Locator::Css(".appeal-form button")).await.unwrap().click().await.unwrap();
    assert_eq!(wait_for_notice(&browser, "appeal_sent").await, "申诉已提交，等待审核。");
    assert_eq!(text(&browser, "#violations tr.violation .status").await, "申诉中");
    assert!(
        page.find_all(Locator::Css(".appeal-form")).await.unwrap().is_empty(),
        "one appeal per violation"
    );

    // The reviewer overturns the penalty in the appeal queue.
    log_in(&browser, base, "reviewer").await;
    page.goto(&format!("{base}/console/appeals")).await.unwrap();
    assert!(text(&browser, ".appeal .appeal-text").await.contains("SF1234567890"));
    page.find(Locator::Css(".decision-form textarea"))
        .await
        .unwrap()
        .send_keys("物流记录属实")
        .await
        .unwrap();
    page.find(Locator::Css(".decision-form button.overturn")).await.unwrap().click().await.unwrap();
    assert!(wait_for_notice(&browser, "appeal_overturned").await.contains("已撤销处罚"));
    assert_eq!(text(&browser, "#no-appeals").await, "没有待审核的申诉。");

    // The merchant sees the balance restored by a compensating entry.
    log_in(&browser, base, "m1").await;
    page.goto(&shop_url).await.unwrap();
    assert_eq!(text(&browser, "#balance").await, "¥2000.00");
    let newest = text(&browser, "#statement tr[data-seq]").await;
    assert!(newest.contains("罚款退回") && newest.contains("+¥100.00"), "{newest}");
    assert_eq!(
        page.find_all(Locator::Css("#statement tr[data-seq]")).await.unwrap().len(),
        3,
        "nothing is deleted"
    );
    assert_eq!(text(&browser, "#violations tr.violation .status").await, "已撤销");

    // Another merchant gets the not-found page for this shop and its statement.
    log_in(&browser, base, "m2").await;
    page.goto(&shop_url).await.unwrap();
    assert_eq!(text(&browser, "h1").await, "页面不存在");
    let csv = fetch(&browser, &format!("/console/shops/{shop_id}/deposit/statement.csv"), None).await;
    assert_eq!(csv["status"], 404, "{csv}");
    page.goto(&format!("{base}/console/shops")).await.unwrap();
    assert_eq!(text(&browser, "#no-shops").await, "还没有店铺。");
    browser.close().await;
}
