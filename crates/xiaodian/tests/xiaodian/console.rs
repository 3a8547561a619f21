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

/// Clicks the first element matching `css`.
pub(crate) async fn click(browser: &Browser, css: &str) {
    browser
        .page
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|_| panic!("{css} on the page"))
        .click()
        .await
        .unwrap();
}

/// How many elements match `css`.
pub(crate) async fn count(browser: &Browser, css: &str) -> usize {
    browser.page.find_all(Locator::Css(css)).await.unwrap().len()
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
    assert_eq!(error_code(&browser).await, "invalid_credentials");
    let shown = text(&browser, ".error").await;
    assert!(shown.contains("用户名或密码错误") && !shown.contains("invalid_credentials"), "{shown}");

    page.find(Locator::Id("username")).await.unwrap().send_keys("admin").await.unwrap();
    page.find(Locator::Id("password")).await.unwrap().send_keys(&password("admin")).await.unwrap();
    page.find(Locator::Id("login-submit")).await.unwrap().click().await.unwrap();
    wait_for_path(&browser, "/console/home").await;
    assert!(text(&browser, "#welcome").await.contains("欢迎"));
    assert_eq!(text(&browser, "#role").await, "管理员");
    assert!(
        text(&browser, "#sidebar").await.contains("审计日志"),
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
    assert!(!text(&browser, "#sidebar").await.contains("Audit log"));
    page.goto(&format!("{}/console/admin/audit", server.base)).await.unwrap();
    assert_eq!(error_code(&browser).await, "forbidden");
    assert!(text(&browser, ".error").await.contains("Your role may not do this"));
    browser.close().await;
}

#[tokio::test]
async fn console_forms_need_the_csrf_token_and_pages_carry_security_headers() {
    let db = TestDb::sqlite();
    add_users(&db.url);
    let server = Server::start(binary(), &["--db", &db.url]);
    let http =
        test_support::http::reqwest_builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
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

/// The stable code of the error box shown (its `data-code`; the page shows the Chinese title).
pub(crate) async fn error_code(browser: &Browser) -> String {
    let element =
        browser.page.wait().for_element(Locator::Css(".error[data-code]")).await.expect("an error box");
    element.attr("data-code").await.unwrap().unwrap_or_default()
}

/// The developer detail behind the error box's closed details toggle (never shown unless opened).
pub(crate) async fn error_detail(browser: &Browser) -> String {
    let detail = browser
        .page
        .execute("return document.querySelector('.error details')?.textContent ?? '';", vec![])
        .await
        .unwrap();
    detail.as_str().unwrap_or_default().to_owned()
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
        text(&browser, "#sidebar").await.contains("我的店铺"),
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
    assert_eq!(text(&browser, "#required").await, "¥0.00", "a new shop starts without a deposit");
    assert_eq!(text(&browser, "#shortfall").await, "¥0.00");
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
    assert_eq!(text(&browser, "#balance").await, "¥2,000.00");
    assert_eq!(text(&browser, "#available").await, "¥2,000.00");
    assert_eq!(text(&browser, "#shortfall").await, "¥0.00");
    let top_up_line = text(&browser, "#statement tr[data-seq]").await;
    assert!(top_up_line.contains("充值") && top_up_line.contains("+¥2,000.00"), "{top_up_line}");

    // The reviewer finds the shop among all shops and records a violation through the form.
    log_in(&browser, base, "reviewer").await;
    assert!(text(&browser, "#sidebar").await.contains("申诉审核"));
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
    assert_eq!(text(&browser, "#balance").await, "¥1,900.00");

    // The same rendered form submitted again (a double click, a resent POST) records nothing more.
    let again = fetch(&browser, &format!("/console/shops/{shop_id}/violations"), Some(&rendered_form)).await;
    assert_eq!(again["status"], 200, "{again}");
    assert!(again["url"].as_str().unwrap().contains("notice=violation_replayed"), "{again}");
    assert!(again["text"].as_str().unwrap().contains("违规只记录一次"));
    page.goto(&shop_url).await.unwrap();
    assert_eq!(page.find_all(Locator::Css("#violations tr.violation")).await.unwrap().len(), 1);
    assert_eq!(text(&browser, "#balance").await, "¥1,900.00", "the penalty was deducted once");

    // The merchant sees the deduction in the statement, downloads it, and appeals.
    log_in(&browser, base, "m1").await;
    page.goto(&shop_url).await.unwrap();
    assert_eq!(text(&browser, "#balance").await, "¥1,900.00");
    let newest = text(&browser, "#statement tr[data-seq]").await;
    assert!(
        newest.contains("违规罚款") && newest.contains("-¥100.00") && newest.contains("¥1,900.00"),
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
        csv_text.contains("\"充值\"")
            && csv_text.contains("\"违规罚款\"")
            && csv_text.contains("-100.00")
            && !csv_text.contains("top_up"),
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
    assert_eq!(text(&browser, "#balance").await, "¥2,000.00");
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

/// Polls a JavaScript condition on the page until it holds.
async fn wait_for_js(browser: &Browser, condition: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        let holds = browser.page.execute(&format!("return !!({condition});"), vec![]).await.unwrap();
        if holds == serde_json::json!(true) {
            return;
        }
        if std::time::Instant::now() > deadline {
            let body =
                browser.page.find(Locator::Css("main")).await.unwrap().text().await.unwrap_or_default();
            panic!("{condition} never held; the page shows: {body}");
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// Replaces the text of an input.
async fn type_into(browser: &Browser, id: &str, value: &str) {
    let input = browser.page.find(Locator::Id(id)).await.unwrap_or_else(|_| panic!("#{id} on the page"));
    input.clear().await.unwrap();
    input.send_keys(value).await.unwrap();
}

/// Uploads a file through the page's upload form and waits for its progress bar to reach 100%.
async fn upload_in_browser(browser: &Browser, kind: &str, file: &std::path::Path) {
    let page = &browser.page;
    page.find(Locator::Id("document-kind")).await.unwrap().select_by_value(kind).await.unwrap();
    page.find(Locator::Id("document-file")).await.unwrap().send_keys(file.to_str().unwrap()).await.unwrap();
    page.find(Locator::Id("upload-submit")).await.unwrap().click().await.unwrap();
    wait_for_js(browser, "document.querySelector('#upload-status.ok') !== null").await;
    let progress =
        page.execute("return document.getElementById('upload-progress').value;", vec![]).await.unwrap();
    assert_eq!(progress, serde_json::json!(100), "the progress bar reaches 100% for {kind}");
    assert_eq!(text(browser, "#upload-percent").await, "100%");
    // The document list is refreshed in place.
    wait_for_js(
        browser,
        &format!("document.querySelector(\"#document-list tr[data-kind='{kind}']\") !== null"),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verification_story_in_chromium() {
    let db = TestDb::sqlite();
    add_users(&db.url);
    let data_dir = tempfile::tempdir().unwrap();
    let data = data_dir.path().to_str().unwrap().to_owned();
    // Friday 3 April 2026, before the Qingming holiday.
    let server = Server::start(
        binary(),
        &["--db", &db.url, "--data-dir", &data, "--clock", "manual=2026-04-03T10:00:00+08:00"],
    );
    let browser = Browser::start().await;
    let page = &browser.page;
    let base = server.base.as_str();
    let demo = test_support::server::workspace_root().join("data/demo");
    let (licence, letter) = (demo.join("business-licence.png"), demo.join("application-letter.pdf"));

    // The merchant creates an enterprise account whose nickname is not the company's name.
    log_in(&browser, base, "m1").await;
    assert!(text(&browser, "#sidebar").await.contains("企业号"));
    page.goto(&format!("{base}/console/enterprise-accounts")).await.unwrap();
    assert_eq!(text(&browser, "#no-accounts").await, "还没有企业号。");
    type_into(&browser, "nickname", "一号精选").await;
    page.find(Locator::Id("create-account")).await.unwrap().click().await.unwrap();
    assert!(wait_for_notice(&browser, "account_created").await.contains("企业号已创建"));
    let account_path = page.current_url().await.unwrap().path().to_owned();

    // The form checks fields while the merchant types, by the server's rules.
    type_into(&browser, "company-name", "杭州小店科技有限公司").await;
    type_into(&browser, "uscc", "91350100M00010").await;
    wait_for_js(&browser, "document.querySelector('#uscc-msg.bad') !== null").await;
    assert!(text(&browser, "#uscc-msg").await.contains("18 位"), "a live error for a malformed code");
    type_into(&browser, "uscc", "91350100M000100Y43").await;
    wait_for_js(&browser, "document.querySelector('#uscc-msg.ok') !== null").await;
    // A check-character mismatch is allowed, with a warning for the reviewer.
    type_into(&browser, "uscc", "91350100M000100Y44").await;
    wait_for_js(&browser, "document.querySelector('#uscc-msg.warn') !== null").await;
    assert!(text(&browser, "#uscc-msg").await.contains("校验位"));
    type_into(&browser, "legal-rep-id", "110105194912310021").await;
    wait_for_js(&browser, "document.querySelector('#legal-rep-id-msg.bad') !== null").await;
    assert!(text(&browser, "#legal-rep-id-msg").await.contains("校验位不符"));
    type_into(&browser, "legal-rep-id", "11010519491231002X").await;
    wait_for_js(&browser, "document.querySelector('#legal-rep-id-msg.ok') !== null").await;
    type_into(&browser, "contact-phone", "12345").await;
    wait_for_js(&browser, "document.querySelector('#contact-phone-msg.bad') !== null").await;
    type_into(&browser, "contact-phone", "+86 138-0013-8000").await;
    type_into(&browser, "contact-email", "ops@@example").await;
    wait_for_js(&browser, "document.querySelector('#contact-email-msg.bad') !== null").await;
    type_into(&browser, "contact-email", "ops@xiaodian.example").await;
    type_into(&browser, "legal-rep-name", "张三").await;
    let refused = page
        .execute("return document.querySelector(\"#industry option[value='medical']\").disabled;", vec![]);
    assert_eq!(refused.await.unwrap(), serde_json::json!(true), "refused industries cannot be chosen");
    assert!(text(&browser, "#industry-note").await.contains("医疗"), "and the form says which they are");
    assert!(!page.find(Locator::Id("permit-note")).await.unwrap().is_displayed().await.unwrap());
    page.find(Locator::Id("industry")).await.unwrap().select_by_value("food").await.unwrap();
    assert!(page.find(Locator::Id("permit-note")).await.unwrap().is_displayed().await.unwrap());
    page.find(Locator::Id("save-application")).await.unwrap().click().await.unwrap();
    assert!(wait_for_notice(&browser, "application_created").await.contains("草稿"));
    let case_path = page.current_url().await.unwrap().path().to_owned();
    let id: i64 = case_path.rsplit('/').next().unwrap().parse().unwrap();
    assert_eq!(text(&browser, "#status").await, "草稿");
    assert_eq!(text(&browser, "#legal-rep-id-value").await, "110105********002X", "masked for the merchant");
    assert!(!page.source().await.unwrap().contains("11010519491231002X"));
    assert_eq!(text(&browser, "#fee-status").await, "未支付");

    // Documents, with the progress bar; then submitting lists what is still missing.
    upload_in_browser(&browser, "business_licence", &licence).await;
    upload_in_browser(&browser, "application_letter", &letter).await;
    page.find(Locator::Id("submit-application")).await.unwrap().click().await.unwrap();
    browser.page.wait().for_element(Locator::Id("incomplete")).await.unwrap();
    let incomplete = text(&browser, "#incomplete").await;
    assert!(
        incomplete.contains("认证材料不完整")
            && !incomplete.contains("verification_incomplete")
            && incomplete.contains("行业资质")
            && incomplete.contains("¥600"),
        "{incomplete}"
    );
    assert_eq!(text(&browser, "#status").await, "草稿", "nothing changed");
    upload_in_browser(&browser, "industry_permit", &licence).await;

    // The payment service confirms the fee in its console; the same form sent twice records it once.
    log_in(&browser, base, "svc").await;
    page.goto(&format!("{base}/console/fees")).await.unwrap();
    type_into(&browser, "fee-verification-id", &id.to_string()).await;
    type_into(&browser, "payment-ref", "PAY-0001").await;
    let fee_form = page
        .execute(
            "return new URLSearchParams(new FormData(document.getElementById('fee-form'))).toString();",
            vec![],
        )
        .await
        .unwrap();
    page.find(Locator::Id("confirm-fee")).await.unwrap().click().await.unwrap();
    assert!(wait_for_notice(&browser, "fee_confirmed").await.contains("已确认"));
    assert_eq!(text(&browser, "#fee-status").await, "已支付");
    let again = fetch(&browser, "/console/fees", Some(fee_form.as_str().unwrap())).await;
    assert!(again["url"].as_str().unwrap().contains("notice=fee_replayed"), "{again}");

    // The merchant submits: the review is due in working days, after the Qingming holiday.
    log_in(&browser, base, "m1").await;
    page.goto(&format!("{base}{case_path}")).await.unwrap();
    assert_eq!(text(&browser, "#fee-status").await, "已支付");
    assert!(text(&browser, "#ready").await.contains("可以提交"));
    page.find(Locator::Id("submit-application")).await.unwrap().click().await.unwrap();
    assert!(wait_for_notice(&browser, "submitted").await.contains("已提交"));
    assert_eq!(text(&browser, "#status").await, "待审核");
    assert_eq!(text(&browser, "#target-on").await, "2026-04-09");
    assert_eq!(text(&browser, "#due-on").await, "2026-04-13");

    // A week later the case is overdue in the reviewers' queue.
    let admin = server.client().login("admin", &password("admin")).await;
    let moved =
        admin.put("/api/v1/admin/clock", &serde_json::json!({ "now": "2026-04-14T10:00:00+08:00" })).await;
    assert_eq!(moved.status, 200, "{}", moved.text);
    log_in(&browser, base, "reviewer").await;
    assert!(text(&browser, "#sidebar").await.contains("认证审核"));
    page.goto(&format!("{base}/console/verifications")).await.unwrap();
    let row = format!("#queue tr.case[data-verification-id='{id}']");
    assert!(text(&browser, &format!("{row} .due-on")).await.contains("2026-04-13"));
    assert_eq!(text(&browser, &format!("{row} .overdue")).await, "已超期");
    page.find(Locator::Css(&format!("{row} button.claim"))).await.unwrap().click().await.unwrap();
    assert!(wait_for_notice(&browser, "claimed").await.contains("已领取"));
    wait_for_path(&browser, &case_path).await;
    assert_eq!(text(&browser, "#status").await, "审核中");

    // The case view: the licence inline, the letter embedded, the warnings, the full ID number.
    wait_for_js(&browser, "document.querySelector('img.document-image').naturalWidth > 0").await;
    assert!(page.find(Locator::Css("object.document-pdf")).await.is_ok(), "the PDF is embedded");
    let warnings: Vec<String> = {
        let mut found = Vec::new();
        for item in page.find_all(Locator::Css("#warnings li.warning")).await.unwrap() {
            found.push(item.attr("data-warning").await.unwrap().unwrap_or_default());
        }
        found
    };
    assert_eq!(warnings, ["uscc_checksum_mismatch", "nickname_mismatch"]);
    assert!(text(&browser, "#warnings").await.contains("校验位不符"));
    assert_eq!(
        text(&browser, "#legal-rep-id-value").await,
        "11010519491231002X",
        "in clear for the reviewer"
    );
    let src =
        page.find(Locator::Css("img.document-image")).await.unwrap().attr("src").await.unwrap().unwrap();
    let image = fetch(&browser, &src, None).await;
    assert_eq!((image["status"].as_i64(), image["type"].as_str()), (Some(200), Some("image/png")), "{image}");
    assert_eq!(image["head"], serde_json::json!([0x89, b'P', b'N']));

    // A rejection without a reason is refused and changes nothing; a change request names one.
    page.find(Locator::Id("outcome-reject")).await.unwrap().click().await.unwrap();
    page.find(Locator::Id("decide")).await.unwrap().click().await.unwrap();
    browser.page.wait().for_element(Locator::Css(".error")).await.unwrap();
    assert_eq!(error_code(&browser).await, "invalid_field");
    assert!(text(&browser, ".error").await.contains("字段缺失或格式错误"));
    assert_eq!(text(&browser, "#status").await, "审核中");
    page.find(Locator::Id("outcome-request_changes")).await.unwrap().click().await.unwrap();
    page.find(Locator::Id("reason-permit_missing")).await.unwrap().click().await.unwrap();
    type_into(&browser, "decision-note", "请上传有效期内的食品经营许可证").await;
    page.find(Locator::Id("decide")).await.unwrap().click().await.unwrap();
    assert!(wait_for_notice(&browser, "decided").await.contains("已记录"));
    assert_eq!(text(&browser, "#status").await, "待修改");

    // The merchant sees why, uploads a new permit and resubmits.
    log_in(&browser, base, "m1").await;
    page.goto(&format!("{base}/console/notifications")).await.unwrap();
    let notice = text(&browser, "li.notification[data-kind='verification.changes_requested']").await;
    assert!(notice.contains("需要修改材料"), "{notice}");
    page.goto(&format!("{base}{case_path}")).await.unwrap();
    assert!(text(&browser, "#decision").await.contains("缺少行业资质"));
    assert!(text(&browser, "#decision").await.contains("食品经营许可证"));
    upload_in_browser(&browser, "industry_permit", &licence).await;
    page.find(Locator::Id("submit-application")).await.unwrap().click().await.unwrap();
    assert!(wait_for_notice(&browser, "submitted").await.contains("已提交"));

    // The reviewer approves.
    log_in(&browser, base, "reviewer").await;
    page.goto(&format!("{base}{case_path}")).await.unwrap();
    page.find(Locator::Id("outcome-approve")).await.unwrap().click().await.unwrap();
    page.find(Locator::Id("decide")).await.unwrap().click().await.unwrap();
    assert!(wait_for_notice(&browser, "decided").await.contains("已记录"));
    assert_eq!(text(&browser, "#status").await, "已通过");

    // The merchant sees the whole timeline and the badge.
    log_in(&browser, base, "m1").await;
    page.goto(&format!("{base}{case_path}")).await.unwrap();
    let mut kinds = Vec::new();
    for item in page.find_all(Locator::Css("#timeline li.event")).await.unwrap() {
        kinds.push(item.attr("data-kind").await.unwrap().unwrap_or_default());
    }
    assert_eq!(
        kinds,
        [
            "created",
            "document",
            "document",
            "document",
            "fee_paid",
            "submitted",
            "claimed",
            "decided",
            "document",
            "resubmitted",
            "decided"
        ]
    );
    assert!(text(&browser, "#timeline li[data-kind='submitted']").await.contains("2026-04-13"));
    let changes = text(&browser, "#timeline li[data-kind='decided'] .reasons").await;
    assert_eq!(changes, "缺少行业资质");
    assert_eq!(text(&browser, "#timeline .badge-dates").await, "2026-04-14 – 2027-04-14");
    assert!(!text(&browser, "#timeline").await.contains("user:reviewer"), "reviewers stay anonymous");
    page.goto(&format!("{base}{account_path}")).await.unwrap();
    assert!(text(&browser, "#badge").await.contains("已认证"));
    assert_eq!(text(&browser, "#valid-until").await, "2027-04-14");
    page.goto(&format!("{base}/console/notifications")).await.unwrap();
    assert!(
        text(&browser, "li.notification[data-kind='verification.approved']").await.contains("2027-04-14")
    );

    // Another merchant gets the not-found page for the application, its account and its documents.
    log_in(&browser, base, "m2").await;
    page.goto(&format!("{base}{case_path}")).await.unwrap();
    assert_eq!(text(&browser, "h1").await, "页面不存在");
    page.goto(&format!("{base}{account_path}")).await.unwrap();
    assert_eq!(text(&browser, "h1").await, "页面不存在");
    let stolen = fetch(&browser, &src, None).await;
    assert_eq!(stolen["status"], 404, "{stolen}");
    let upload = fetch(&browser, &format!("{case_path}/submit"), Some("csrf=x")).await;
    assert_eq!(upload["status"], 403, "a form without the CSRF token is refused: {upload}");
    page.goto(&format!("{base}/console/verifications")).await.unwrap();
    assert_eq!(text(&browser, "#no-applications").await, "还没有认证申请。");
    let logs = server.logs();
    assert!(!logs.contains("11010519491231002X"), "the ID number is never logged");
    browser.close().await;
}

/// Sends the page's upload form from a script: `kind`, a file of `size` bytes starting with
/// `head` and named `name`, with or without the CSRF token, asking for JSON or not (a plain form).
/// Answers the status, final URL, content type and text.
async fn send_upload(
    browser: &Browser,
    kind: &str,
    head: &[u8],
    size: usize,
    name: &str,
    with_csrf: bool,
    json: bool,
) -> serde_json::Value {
    let script = r#"
        const [kind, head, size, name, withCsrf, json] = arguments;
        const done = arguments[arguments.length - 1];
        const form = document.getElementById('upload-form');
        const bytes = new Uint8Array(size);
        bytes.set(head);
        const body = new FormData();
        body.append('csrf', withCsrf ? form.querySelector('input[name=csrf]').value : 'forged');
        body.append('kind', kind);
        body.append('file', new File([bytes], name));
        const headers = json ? { 'Accept': 'application/json' } : {};
        fetch(form.action, { method: 'POST', body, headers })
            .then(r => r.text().then(text => done({
                status: r.status, url: r.url, type: r.headers.get('content-type'), text,
            })))
            .catch(e => done({ status: 0, error: String(e) }));
    "#;
    let args = vec![
        serde_json::json!(kind),
        serde_json::json!(head),
        serde_json::json!(size),
        serde_json::json!(name),
        serde_json::json!(with_csrf),
        serde_json::json!(json),
    ];
    browser.page.execute_async(script, args).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_uploads_are_judged_by_content_and_documents_are_guarded() {
    let db = TestDb::sqlite();
    add_users(&db.url);
    let data_dir = tempfile::tempdir().unwrap();
    let data = data_dir.path().to_str().unwrap().to_owned();
    let server = Server::start(binary(), &["--db", &db.url, "--data-dir", &data]);
    let merchant = server.client().login("m1", &password("m1")).await;
    let account = merchant
        .post("/api/v1/enterprise-accounts", &serde_json::json!({ "nickname": "小店科技", "bio": "" }))
        .await;
    let application = serde_json::json!({
        "account_id": account.json["id"], "company_name": "杭州小店科技有限公司", "uscc": "91350100M000100Y43",
        "legal_rep_name": "张三", "legal_rep_id_number": "11010519491231002X", "industry": "apparel",
        "contact_phone": "13800138000", "contact_email": "ops@xiaodian.example", "operator_is_legal_rep": true,
    });
    let created = merchant.post("/api/v1/verifications", &application).await;
    assert_eq!(created.status, 201, "{}", created.text);
    let id = created.json["id"].as_i64().unwrap();
    let browser = Browser::start().await;
    let page = &browser.page;
    let base = server.base.as_str();
    log_in(&browser, base, "m1").await;
    page.goto(&format!("{base}/console/verifications/{id}")).await.unwrap();
    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n";

    // Without the script: a plain multipart form answers with a redirect to the page. A PNG named
    // `.pdf` is stored as a PNG.
    let plain = send_upload(&browser, "business_licence", PNG, 2_000, "licence.pdf", true, false).await;
    assert_eq!(plain["status"], 200, "{plain}");
    assert!(plain["url"].as_str().unwrap().contains("notice=document_uploaded"), "{plain}");
    // Refused: an executable named `.jpg`, a file over 10 MiB, a form without the CSRF token.
    let exe = send_upload(&browser, "application_letter", b"MZ\x90\0", 4_000, "letter.jpg", true, true).await;
    assert_eq!(exe["status"], 415, "{exe}");
    assert!(exe["text"].as_str().unwrap().contains("unsupported_document_type"), "{exe}");
    let exe =
        send_upload(&browser, "application_letter", b"MZ\x90\0", 4_000, "letter.jpg", true, false).await;
    assert_eq!(exe["status"], 200, "{exe}");
    assert!(exe["text"].as_str().unwrap().contains("仅支持 JPEG、PNG 或 PDF"), "the page shows why");
    let large =
        send_upload(&browser, "application_letter", PNG, 11 * 1024 * 1024, "big.png", true, true).await;
    assert_eq!(large["status"], 413, "{large}");
    assert!(large["text"].as_str().unwrap().contains("document_too_large"), "{large}");
    let forged = send_upload(&browser, "application_letter", PNG, 2_000, "x.png", false, true).await;
    assert_eq!(forged["status"], 403, "{forged}");
    let bad_kind = send_upload(&browser, "selfie", PNG, 2_000, "x.png", true, true).await;
    assert_eq!(bad_kind["status"], 400, "{bad_kind}");
    let documents = merchant.get(&format!("/api/v1/verifications/{id}")).await.json["documents"].clone();
    assert_eq!(documents.as_array().unwrap().len(), 1, "only the licence was stored: {documents}");
    assert_eq!(documents[0]["content_type"], "image/png");
    let stored: Vec<_> = std::fs::read_dir(data_dir.path().join("documents")).unwrap().collect();
    assert_eq!(stored.len(), 1, "nothing else was kept");

    // The live check answers by the server's rules, only to a logged-in form with its token.
    let check_path = "/console/verification-check";
    let csrf = page
        .execute("return document.querySelector('#upload-form input[name=csrf]').value;", vec![])
        .await
        .unwrap();
    let csrf = csrf.as_str().unwrap();
    let answer =
        fetch(&browser, check_path, Some(&format!("csrf={csrf}&field=contact_phone&value=12345"))).await;
    let answer: serde_json::Value = serde_json::from_str(answer["text"].as_str().unwrap()).unwrap();
    assert_eq!((answer["ok"].as_bool(), answer["code"].as_str()), (Some(false), Some("invalid_phone")));
    let answer =
        fetch(&browser, check_path, Some(&format!("csrf={csrf}&field=industry&value=lottery"))).await;
    assert!(answer["text"].as_str().unwrap().contains("industry_not_admitted"), "{answer}");
    let answer = fetch(&browser, check_path, Some("csrf=forged&field=uscc&value=91350100M000100Y43")).await;
    assert_eq!(answer["status"], 403, "{answer}");

    // The document is served with its detected type, framable only by the console itself.
    let url = format!("/console/verifications/{id}/documents/{}", documents[0]["id"]);
    let file = fetch(&browser, &url, None).await;
    assert_eq!((file["status"].as_i64(), file["type"].as_str()), (Some(200), Some("image/png")), "{file}");
    let http =
        test_support::http::reqwest_builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let headers = http.get(format!("{base}{url}")).send().await.unwrap();
    assert_eq!(headers.status(), 303, "no session: to the login page");
    log_in(&browser, base, "svc").await;
    assert_eq!(fetch(&browser, &url, None).await["status"], 403, "the payment service reads no documents");
    log_in(&browser, base, "m2").await;
    assert_eq!(fetch(&browser, &url, None).await["status"], 404);
    log_in(&browser, base, "reviewer").await;
    assert_eq!(fetch(&browser, &url, None).await["status"], 200);
    browser.close().await;
}
