//! Shop closure in headless Chromium on the manual clock: the merchant's closure page with its
//! blockers and their links, clearing them through the operation pages, a refused request, the
//! notice countdown and its withdrawal; then a reviewer deciding an overdue refund in the queue and
//! resolving a complaint, and the merchant withdrawing settled proceeds (a resent form withdraws once).

use chrono::{Days, NaiveDate};
use serde_json::{Value, json};
use test_support::browser::{Browser, Locator};
use test_support::{Client, Server, TestDb};

use crate::console::{click, fetch, log_in, text, wait_for_notice, wait_for_path};
use crate::{add_users, binary, password};

async fn login(server: &Server, username: &str) -> Client {
    server.client().login(username, &password(username)).await
}

/// Opens an enterprise shop as this merchant; answers its id.
async fn open_shop(merchant: &Client, name: &str) -> i64 {
    let body = json!({"name": name, "entity_type": "enterprise", "entity_name": format!("{name}有限公司"), "category": "home"});
    let created = merchant.post("/api/v1/shops", &body).await;
    assert_eq!(created.status, 201, "{}", created.text);
    created.json["id"].as_i64().expect("a shop id")
}

async fn shop_status(client: &Client, shop: i64) -> String {
    let answer = client.get(&format!("/api/v1/shops/{shop}")).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    answer.json["status"].as_str().unwrap_or_default().to_owned()
}

async fn set_clock(admin: &Client, now: &str) {
    let moved = admin.put("/api/v1/admin/clock", &json!({ "now": now })).await;
    assert_eq!(moved.status, 200, "{}", moved.text);
    let ran = admin.post("/api/v1/admin/jobs/run", &json!({})).await;
    assert_eq!(ran.status, 200, "{}", ran.text);
}

async fn refund_of(client: &Client, shop: i64) -> Value {
    let deposit = client.get(&format!("/api/v1/shops/{shop}/deposit")).await;
    assert_eq!(deposit.status, 200, "{}", deposit.text);
    deposit.json["refund"].clone()
}

async fn type_into(browser: &Browser, css: &str, keys: &str) {
    let field = browser.page.find(Locator::Css(css)).await.unwrap_or_else(|_| panic!("{css} on the page"));
    field.clear().await.unwrap();
    field.send_keys(keys).await.unwrap();
}

async fn attr(browser: &Browser, css: &str, name: &str) -> String {
    let element = browser.page.find(Locator::Css(css)).await.unwrap_or_else(|_| panic!("{css} on the page"));
    element.attr(name).await.unwrap().unwrap_or_default()
}

/// Waits for an error box that names `code` (a page shown again after a refused form).
async fn wait_for_error(browser: &Browser, code: &str) -> String {
    let xpath = format!("//div[contains(@class, 'error') and @data-code='{code}']");
    match browser.page.wait().for_element(Locator::XPath(&xpath)).await {
        Ok(element) => element.text().await.unwrap(),
        Err(error) => {
            let url = browser.page.current_url().await.unwrap();
            panic!("no error naming {code} on {url}: {error}");
        }
    }
}

/// Fills and sends the closure form.
async fn request_closure(browser: &Browser, reason_code: &str, reason_text: &str, confirm_name: &str) {
    browser.page.find(Locator::Id("reason-code")).await.unwrap().select_by_value(reason_code).await.unwrap();
    type_into(browser, "#reason-text", reason_text).await;
    type_into(browser, "#confirm-name", confirm_name).await;
    click(browser, "#request-closure").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closure_story_and_refund_decision_in_chromium() {
    let db = TestDb::sqlite();
    add_users(&db.url);
    let server = Server::start(binary(), &["--db", &db.url, "--clock", "manual=2026-03-02T10:00:00+08:00"]);
    let base = server.base.as_str();
    let merchant = login(&server, "m1").await;
    let service = login(&server, "svc").await;
    let reviewer = login(&server, "reviewer").await;
    let admin = login(&server, "admin").await;

    // The shop to close: a listed product and an unanswered buyer message stand in the way.
    let name = "一号杂货铺";
    let shop = open_shop(&merchant, name).await;
    let product = merchant
        .post(&format!("/api/v1/shops/{shop}/products"), &json!({"title": "手工香皂", "price_fen": 1_500}))
        .await;
    assert_eq!(product.status, 201, "{}", product.text);
    let message = service
        .post(
            &format!("/api/v1/shops/{shop}/messages"),
            &json!({"buyer_id": "buyer-9", "text": "还有货吗？"}),
        )
        .await;
    assert_eq!(message.status, 201, "{}", message.text);

    // Another shop closes through the API and the jobs, with a violation on record.
    let closing_name = "二号家居店";
    let closing = open_shop(&merchant, closing_name).await;
    let paid = service
        .post_with(
            &format!("/api/v1/shops/{closing}/deposit/top-ups"),
            &[("Idempotency-Key", "t-closing")],
            &json!({"amount_fen": 50_000, "payment_ref": "PAY-0002"}),
        )
        .await;
    assert_eq!(paid.status, 201, "{}", paid.text);
    let payout = json!({"holder_name": format!("{closing_name}有限公司"), "bank_name": "招商银行", "account_number": "6222021001119876"});
    let set = merchant.put(&format!("/api/v1/shops/{closing}/payout-account"), &payout).await;
    assert_eq!(set.status, 200, "{}", set.text);
    let late = json!({"kind": "late_shipment", "severity": "general", "penalty_fen": 5_000, "beneficiary": "platform", "evidence": "付款后 72 小时未发货"});
    let recorded = reviewer
        .post_with(&format!("/api/v1/shops/{closing}/violations"), &[("Idempotency-Key", "v-closing")], &late)
        .await;
    assert_eq!(recorded.status, 201, "{}", recorded.text);
    let asked = merchant
        .post(
            &format!("/api/v1/shops/{closing}/closure"),
            &json!({"reason_code": "poor_results", "reason_text": "经营不善，连续三个月亏损，决定关店。", "confirm_name": closing_name}),
        )
        .await;
    assert_eq!(asked.status, 202, "{}", asked.text);

    let browser = Browser::start().await;
    let page = &browser.page;
    let closure_url = format!("{base}/console/shops/{shop}/closure");

    // The closure page lists every check; the failing ones link to the page that clears them.
    log_in(&browser, base, "m1").await;
    page.goto(&format!("{base}/console/shops/{shop}")).await.unwrap();
    click(&browser, "#nav-closure").await;
    wait_for_path(&browser, &format!("/console/shops/{shop}/closure")).await;
    assert_eq!(text(&browser, "#shop-status").await, "营业中");
    assert_eq!(page.find_all(Locator::Css("tr.check")).await.unwrap().len(), 12, "all twelve checks");
    let products_row = "tr.check[data-code='products_listed']";
    assert_eq!(attr(&browser, products_row, "data-passed").await, "false");
    assert_eq!(text(&browser, &format!("{products_row} .check-count")).await, "1");
    assert_eq!(text(&browser, &format!("{products_row} .check-status")).await, "未通过");
    assert!(text(&browser, &format!("{products_row} .check-action")).await.contains("下架全部商品"));
    assert_eq!(
        attr(&browser, &format!("{products_row} a.fix"), "href").await,
        format!("/console/shops/{shop}/products")
    );
    let messages_row = "tr.check[data-code='unanswered_messages']";
    assert_eq!(attr(&browser, messages_row, "data-passed").await, "false");
    assert_eq!(
        attr(&browser, &format!("{messages_row} a.fix"), "href").await,
        format!("/console/shops/{shop}/conversations")
    );
    assert_eq!(attr(&browser, "tr.check[data-code='complaints_open']", "data-passed").await, "true");
    assert_eq!(text(&browser, "#blocking-count").await, "2");
    assert_eq!(text(&browser, "#earliest-close-on").await, "2026-04-01", "30 days of notice from today");
    assert!(text(&browser, "#payout-masked").await.contains("未设置"));

    // The payout account through its form; only the last four digits come back.
    click(&browser, "#edit-payout").await;
    wait_for_path(&browser, "/payout-account").await;
    let holder = page.find(Locator::Id("holder-name")).await.unwrap().prop("value").await.unwrap();
    assert_eq!(holder.as_deref(), Some("一号杂货铺有限公司"), "an enterprise's holder is its entity");
    type_into(&browser, "#bank-name", "招商银行杭州分行").await;
    type_into(&browser, "#account-number", "6222 0210 0111 2345").await;
    click(&browser, "#save-payout").await;
    assert_eq!(wait_for_notice(&browser, "payout_saved").await, "收款账户已保存。");
    let masked = text(&browser, "#payout-masked").await;
    assert!(masked.contains("****2345") && !masked.contains("6222"), "{masked}");

    // Asking now is refused with every blocker at once, and nothing changes.
    page.goto(&closure_url).await.unwrap();
    request_closure(&browser, "no_longer_operating", "公司业务调整，不再经营线上店铺。", name).await;
    let refusal = wait_for_error(&browser, "closure_blocked").await;
    assert!(refusal.contains("店铺暂不满足注销条件"), "{refusal}");
    let blockers = page.find_all(Locator::Css("#blockers li.blocker")).await.unwrap();
    let mut codes = Vec::new();
    for blocker in &blockers {
        codes.push(blocker.attr("data-code").await.unwrap().unwrap_or_default());
    }
    assert_eq!(codes, ["products_listed", "unanswered_messages"]);
    assert_eq!(shop_status(&merchant, shop).await, "operating");
    assert_eq!(merchant.get(&format!("/api/v1/shops/{shop}/closure")).await.json, Value::Null);

    // The merchant follows the links: delists the product, answers the buyer.
    click(&browser, "#blockers li[data-code='products_listed'] a.fix").await;
    wait_for_path(&browser, &format!("/console/shops/{shop}/products")).await;
    assert_eq!(text(&browser, "tr.product .status").await, "在售");
    click(&browser, "tr.product .delist-form button").await;
    assert_eq!(wait_for_notice(&browser, "product_delisted").await, "商品已下架。");
    assert_eq!(text(&browser, "tr.product .status").await, "已下架");
    assert!(page.find_all(Locator::Css(".delist-form")).await.unwrap().is_empty());

    page.goto(&closure_url).await.unwrap();
    assert_eq!(attr(&browser, products_row, "data-passed").await, "true");
    click(&browser, &format!("{messages_row} a.fix")).await;
    wait_for_path(&browser, &format!("/console/shops/{shop}/conversations")).await;
    assert_eq!(attr(&browser, "tr.conversation", "data-unanswered").await, "true");
    click(&browser, "tr.conversation a.open-conversation").await;
    let conversation_id = message.json["conversation_id"].as_i64().unwrap();
    wait_for_path(&browser, &format!("/console/conversations/{conversation_id}")).await;
    assert!(text(&browser, ".message[data-sender='buyer']").await.contains("还有货吗？"));
    type_into(&browser, "#reply-text", "有货的，今天就能发出。").await;
    click(&browser, "#send-reply").await;
    assert_eq!(wait_for_notice(&browser, "reply_sent").await, "回复已发送。");
    assert_eq!(text(&browser, "#conversation-status").await, "已回复");

    // Every check that needs action passes now. A reason under 10 characters is refused.
    page.goto(&closure_url).await.unwrap();
    assert!(text(&browser, "#closure-ready").await.contains("可以申请注销"));
    assert!(page.find_all(Locator::Css("tr.check[data-passed='false']")).await.unwrap().is_empty());
    request_closure(&browser, "no_longer_operating", "不想开了", name).await;
    let short = wait_for_error(&browser, "closure_reason_incomplete").await;
    assert!(short.contains("至少 10 个字"), "{short}");
    let kept = page.find(Locator::Id("reason-text")).await.unwrap().prop("value").await.unwrap();
    assert_eq!(kept.as_deref(), Some("不想开了"), "the form keeps what was typed");
    assert_eq!(text(&browser, "#shop-status").await, "营业中");
    assert_eq!(shop_status(&merchant, shop).await, "operating", "nothing changed");
    assert_eq!(merchant.get(&format!("/api/v1/shops/{shop}/closure")).await.json, Value::Null);

    // The name typed again must be the shop's.
    request_closure(&browser, "no_longer_operating", "公司业务调整，不再经营线上店铺。", "二号家居店").await;
    wait_for_error(&browser, "confirm_name_mismatch").await;
    assert_eq!(shop_status(&merchant, shop).await, "operating");

    // A complete request starts the notice period; the countdown follows the app clock.
    request_closure(&browser, "no_longer_operating", "公司业务调整，不再经营线上店铺。", name).await;
    assert!(wait_for_notice(&browser, "closure_requested").await.contains("30 天公示期"));
    assert_eq!(text(&browser, "#shop-status").await, "公示期");
    assert_eq!(text(&browser, "#days-left").await, "30");
    assert_eq!(text(&browser, "#closes-on").await, "2026-04-01");
    assert!(text(&browser, "#closure-reason").await.contains("不再经营"));
    assert_eq!(shop_status(&merchant, shop).await, "notice_period");
    set_clock(&admin, "2026-03-12T10:00:00+08:00").await;
    page.goto(&closure_url).await.unwrap();
    assert_eq!(text(&browser, "#days-left").await, "20");

    // The merchant withdraws: the shop operates again.
    click(&browser, "#withdraw-closure").await;
    assert!(wait_for_notice(&browser, "closure_withdrawn").await.contains("恢复营业"));
    assert_eq!(text(&browser, "#shop-status").await, "营业中");
    assert!(text(&browser, "#last-withdrawn").await.contains("撤回"));
    assert_eq!(page.find_all(Locator::Id("closure-form")).await.unwrap().len(), 1, "it may ask again");
    assert_eq!(shop_status(&merchant, shop).await, "operating");

    // The other shop closes on its day; its refund is held, then goes to review for the violation,
    // and passes its due day undecided.
    set_clock(&admin, "2026-04-01T10:00:00+08:00").await;
    assert_eq!(shop_status(&merchant, closing).await, "closed");
    let refund = refund_of(&merchant, closing).await;
    assert_eq!(refund["status"], "holding", "{refund}");
    let refund_id = refund["id"].as_i64().unwrap();
    let due_on: NaiveDate = refund["due_on"].as_str().unwrap().parse().unwrap();
    let after_due = due_on.checked_add_days(Days::new(1)).unwrap();
    set_clock(&admin, &format!("{after_due}T10:00:00+08:00")).await;
    let refund = refund_of(&merchant, closing).await;
    assert_eq!((refund["status"].as_str(), refund["overdue"].as_bool()), (Some("in_review"), Some(true)));

    // The merchant sees the refund and its dates on the closure page.
    page.goto(&format!("{base}/console/shops/{closing}/closure")).await.unwrap();
    assert_eq!(text(&browser, "#shop-status").await, "已注销");
    assert_eq!(text(&browser, "#refund-status").await, "审核中");
    assert_eq!(text(&browser, "#refund-amount").await, "¥450.00");
    assert_eq!(text(&browser, "#closed-on").await, "2026-04-01");
    assert_eq!(text(&browser, "#release-on").await, refund["release_on"].as_str().unwrap());
    assert_eq!(text(&browser, "#due-on").await, due_on.to_string());

    // The reviewer finds it in the queue, flagged overdue, and decides a partial refund.
    log_in(&browser, base, "reviewer").await;
    assert!(text(&browser, "#sidebar").await.contains("保证金退还审核"));
    page.goto(&format!("{base}/console/refunds?status=in_review")).await.unwrap();
    let row = format!("tr.refund[data-refund-id='{refund_id}']");
    assert_eq!(attr(&browser, &row, "data-overdue").await, "true");
    assert_eq!(text(&browser, &format!("{row} .overdue")).await, "已超期");
    assert!(text(&browser, "#overdue-count").await.contains('1'));
    click(&browser, &format!("{row} a.refund-link")).await;
    wait_for_path(&browser, &format!("/console/refunds/{refund_id}")).await;
    assert_eq!(text(&browser, "#refund-shop").await, closing_name);
    assert!(text(&browser, "#refund-violations tr.violation").await.contains("延迟发货"));
    assert!(text(&browser, "#review-reasons").await.contains("有违规记录"));

    click(&browser, "#outcome-partial").await;
    type_into(&browser, "#deduct-yuan", "abc").await;
    type_into(&browser, "#decision-reason", "延迟发货赔付买家").await;
    click(&browser, "#decide").await;
    wait_for_error(&browser, "invalid_amount").await;
    assert_eq!(refund_of(&merchant, closing).await["status"], "in_review", "nothing moved");

    click(&browser, "#outcome-partial").await;
    type_into(&browser, "#deduct-yuan", "100").await;
    click(&browser, "#decide").await;
    assert!(wait_for_notice(&browser, "refund_decided").await.contains("审核结论已提交"));
    assert_eq!(text(&browser, "#refund-status").await, "退款中", "paid once the payout is");
    assert!(text(&browser, "table.payouts").await.contains("待打款"));
    assert_eq!(text(&browser, "#refund-paid").await, "¥350.00");
    assert_eq!(text(&browser, "#refund-deducted").await, "¥100.00");
    assert!(page.find_all(Locator::Id("decision-form")).await.unwrap().is_empty(), "decided once");
    let refund = refund_of(&merchant, closing).await;
    assert_eq!((refund["status"].as_str(), refund["paid_fen"].as_i64()), (Some("paying"), Some(35_000)));

    // A buyer's complaint about the first shop reaches the complaint queue; the reviewer resolves it.
    let complaint = service
        .post(
            &format!("/api/v1/shops/{shop}/complaints"),
            &json!({"buyer_id": "buyer-9", "text": "香皂破损"}),
        )
        .await;
    assert_eq!(complaint.status, 201, "{}", complaint.text);
    page.goto(&format!("{base}/console/complaints")).await.unwrap();
    assert!(text(&browser, "tr.case .case-text").await.contains("香皂破损"));
    type_into(&browser, "tr.case .resolve-form input[name='resolution']", "已补发新品").await;
    click(&browser, "tr.case .resolve-form button").await;
    assert_eq!(wait_for_notice(&browser, "complaint_resolved").await, "投诉已处理。");
    assert_eq!(text(&browser, "#no-complaints").await, "没有待处理的投诉。");

    // The first shop sells again; once the proceeds settle the merchant withdraws them. The same
    // rendered form sent twice withdraws once: its idempotency key was rendered with it.
    let listed = merchant
        .post(&format!("/api/v1/shops/{shop}/products"), &json!({"title": "薰衣草香皂", "price_fen": 1_800}))
        .await;
    let order = service
        .post(
            &format!("/api/v1/shops/{shop}/orders"),
            &json!({"product_id": listed.json["id"], "buyer_id": "buyer-10", "amount_fen": 1_800}),
        )
        .await;
    assert_eq!(order.status, 201, "{}", order.text);
    let order = order.json["id"].as_i64().unwrap();
    assert_eq!(merchant.post(&format!("/api/v1/orders/{order}/ship"), &json!({})).await.status, 200);
    assert_eq!(service.post(&format!("/api/v1/orders/{order}/complete"), &json!({})).await.status, 200);
    let settled = after_due.checked_add_days(Days::new(8)).unwrap();
    set_clock(&admin, &format!("{settled}T10:00:00+08:00")).await;
    log_in(&browser, base, "m1").await;
    page.goto(&format!("{base}/console/shops/{shop}/settlement")).await.unwrap();
    assert_eq!(text(&browser, "#withdrawable").await, "¥18.00");
    let amount = page.find(Locator::Id("withdraw-amount")).await.unwrap().prop("value").await.unwrap();
    assert_eq!(amount.as_deref(), Some("18.00"), "the form offers the whole withdrawable amount");
    let rendered = page
        .execute(
            "return new URLSearchParams(new FormData(document.getElementById('withdraw-form'))).toString();",
            vec![],
        )
        .await
        .unwrap();
    let rendered = rendered.as_str().expect("the form as urlencoded text").to_owned();
    click(&browser, "#withdraw").await;
    assert!(wait_for_notice(&browser, "withdrawal_done").await.contains("提现成功"));
    assert_eq!(text(&browser, "#withdrawable").await, "¥0.00");
    let again = fetch(&browser, &format!("/console/shops/{shop}/withdrawals"), Some(&rendered)).await;
    assert_eq!(again["status"], 200, "{again}");
    assert!(again["url"].as_str().unwrap().contains("notice=withdrawal_replayed"), "{again}");
    let settlement = merchant.get(&format!("/api/v1/shops/{shop}/settlement")).await;
    assert_eq!(settlement.json["withdrawable_fen"], 0, "withdrawn once: {}", settlement.text);
    browser.close().await;

    let (code, out, err) = test_support::server::run(binary(), &["ledger", "verify", "--db", &db.url], None);
    assert_eq!(code, 0, "ledger verify: {out}{err}");
}
