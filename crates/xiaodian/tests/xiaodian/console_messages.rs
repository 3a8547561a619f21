//! Private messages in headless Chromium: the owner creates a keyword rule and tries it in test
//! mode, the platform sends messages, the one inbox lists the conversation next to the comments,
//! the owner opens it by keyboard (J, R), assigns it, replies (an empty reply comes back to the
//! page as an error, not as a resent form; Ctrl+Enter sends), adds a note and closes it; the operator reads the lead and the message masked
//! and follows the lead up; finance has neither inbox nor leads.

use serde_json::json;
use test_support::browser::{Browser, Locator};
use test_support::{Server, TestDb};

use crate::console::{click, count, log_in, text, wait_for_notice, wait_for_path};
use crate::{add_users, binary, password};

/// WebDriver's key code points: Control (held until released), Enter, and release all.
const CONTROL: char = '\u{E009}';
const ENTER: char = '\u{E007}';
const RELEASE: char = '\u{E000}';

/// Types `keys` into whatever has the focus (the page itself when nothing does).
async fn press(browser: &Browser, keys: &str) {
    browser.page.active_element().await.unwrap().send_keys(keys).await.unwrap();
}

/// A property of the focused element (`id`, `dataset.channel`), or "" when it has none.
async fn focused(browser: &Browser, property: &str) -> String {
    let script = format!("return String(document.activeElement.{property} || '')");
    browser.page.execute(&script, vec![]).await.unwrap().as_str().unwrap_or_default().to_owned()
}

async fn fill(browser: &Browser, css: &str, value: &str) {
    browser
        .page
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|_| panic!("{css} on the page"))
        .send_keys(value)
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inbox_rules_and_leads_in_chromium() {
    let db = TestDb::sqlite();
    add_users(&db.url);
    let data_dir = tempfile::tempdir().unwrap();
    let data = data_dir.path().to_str().unwrap().to_owned();
    let server = Server::start(
        binary(),
        &["--db", &db.url, "--data-dir", &data, "--clock", "manual=2026-06-02T10:00:00+08:00"],
    );
    let base = server.base.as_str();
    let owner = server.client().login("m1", &password("m1")).await;
    let service = server.client().login("svc", &password("svc")).await;
    for (name, role) in [("m1-operator", "operator"), ("m1-finance", "finance")] {
        let body = json!({"username": name, "password": password(name), "team_role": role});
        assert_eq!(owner.post("/api/v1/team/members", &body).await.status, 201);
    }
    let account =
        owner.post("/api/v1/enterprise-accounts", &json!({"nickname": "一号精选"})).await.json["id"]
            .as_i64()
            .unwrap();

    let browser = Browser::start().await;
    let page = &browser.page;
    log_in(&browser, base, "m1").await;

    // A keyword rule through the form, then test mode.
    click(&browser, "#sidebar a[href='/console/auto-replies']").await;
    wait_for_path(&browser, "/console/auto-replies").await;
    fill(&browser, "#rule-name", "价格").await;
    fill(&browser, "#rule-keywords", "多少钱，价格").await;
    fill(&browser, "#rule-reply", "价格见橱窗，领券更优惠").await;
    click(&browser, "#create-rule").await;
    assert_eq!(wait_for_notice(&browser, "rule_created").await, "规则已创建，立即生效。");
    assert_eq!(count(&browser, "#rules tr[data-rule]").await, 1);
    fill(&browser, "#test-text", "这个多少钱？").await;
    click(&browser, "#rule-test-form button").await;
    let result = browser
        .page
        .wait()
        .for_element(Locator::Css("#rule-test-result"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(result.contains("价格见橱窗"), "{result}");
    // A rule without a name comes back as an error on the rules page (post/redirect/get).
    page.execute("document.getElementById('rule-name').removeAttribute('required');", vec![]).await.unwrap();
    fill(&browser, "#rule-reply", "x").await;
    click(&browser, "#create-rule").await;
    wait_for_path(&browser, "/console/auto-replies").await;
    let error = browser.page.wait().for_element(Locator::Css(".error")).await.unwrap().text().await.unwrap();
    assert!(error.contains("字段缺失或格式错误"), "{error}");
    assert!(text(&browser, "#failed-field").await.contains("规则名称"));

    // The platform sends a question with a phone number.
    let line = json!({"account_id": account, "user_id": "fan-9", "message_id": "dm-1", "sender": "user",
                      "text": "多少钱？我的电话 138 1234 5678", "sent_at": "2026-06-02T09:58:00+08:00"});
    let batch = service
        .post_raw("/api/v1/messages:batch", "application/x-ndjson", format!("{line}\n").into_bytes())
        .await;
    assert_eq!((batch.status, batch.json["auto_replies"].as_i64()), (200, Some(1)), "{}", batch.text);

    // The inbox: the conversation awaits; open it, assign, reply, note, close.
    click(&browser, "#sidebar a[href='/console/inbox']").await;
    wait_for_path(&browser, "/console/inbox").await;
    assert_eq!(count(&browser, "#inbox-items li[data-channel=message]").await, 1);
    // By keyboard: J focuses the first item, R opens its conversation, R there the reply box.
    press(&browser, "j").await;
    assert_eq!(focused(&browser, "dataset.channel").await, "message");
    press(&browser, "r").await;
    wait_for_path(&browser, "/private-conversations/1").await;
    press(&browser, "r").await;
    assert_eq!(focused(&browser, "id").await, "dm-reply-text");
    assert_eq!(count(&browser, "#messages .message").await, 2, "the question and the keyword reply");
    assert!(text(&browser, "#messages").await.contains("138 1234 5678"), "the owner may contact leads");
    page.find(Locator::Css("#assign-to option[value='m1-operator']")).await.unwrap().click().await.unwrap();
    click(&browser, "#assign-form button").await;
    assert_eq!(wait_for_notice(&browser, "conversation_assigned").await, "会话已分配。");
    assert!(text(&browser, "#assigned-to").await.contains("m1-operator"));
    fill(&browser, "#dm-reply-text", "   ").await;
    click(&browser, "#send-dm-reply").await;
    let error = browser.page.wait().for_element(Locator::Css(".error")).await.unwrap().text().await.unwrap();
    assert!(error.contains("字段缺失或格式错误"), "{error}");
    let url = page.current_url().await.unwrap();
    assert!(
        url.path().ends_with("/private-conversations/1") && url.query().unwrap().contains("failed="),
        "{url}"
    );
    // Ctrl+Enter in the reply box sends it.
    fill(&browser, "#dm-reply-text", &format!("您好，链接已发您{CONTROL}{ENTER}{RELEASE}")).await;
    assert_eq!(wait_for_notice(&browser, "message_sent").await, "回复已发送给用户。");
    assert_eq!(count(&browser, "#messages .message").await, 3);
    fill(&browser, "#note-text", "老客户，下单后送小样").await;
    click(&browser, "#note-form button").await;
    assert_eq!(wait_for_notice(&browser, "note_added").await, "内部备注已保存。");
    click(&browser, "#status-form button").await;
    assert!(wait_for_notice(&browser, "conversation_closed").await.starts_with("会话已关闭"));
    assert_eq!(text(&browser, "#conversation-status").await, "已关闭");
    let events = service.get("/api/v1/platform/events?after=0&limit=50").await.json;
    let replies =
        events["events"].as_array().unwrap().iter().filter(|e| e["type"] == "message.reply_created").count();
    assert_eq!(replies, 2, "the keyword reply and the owner's reply");

    // The operator: the lead and the message masked; the lead followed up.
    click(&browser, "#logout").await;
    wait_for_path(&browser, "/console/login").await;
    log_in(&browser, base, "m1-operator").await;
    page.goto(&format!("{base}/console/private-conversations/1")).await.unwrap();
    assert!(text(&browser, "#messages").await.contains("138****5678"));
    assert!(!text(&browser, "#messages").await.contains("1234"));
    click(&browser, "#sidebar a[href='/console/leads']").await;
    wait_for_path(&browser, "/console/leads").await;
    assert_eq!(text(&browser, "#leads td.contact").await.lines().next(), Some("138****5678"));
    click(&browser, "#leads details.lead-edit summary").await;
    page.find(Locator::Css("#leads select[name=status] option[value=contacted]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    fill(&browser, "#leads textarea[name=note]", "已电话联系").await;
    click(&browser, "#leads details.lead-edit button").await;
    assert_eq!(wait_for_notice(&browser, "lead_updated").await, "线索已更新。");
    assert!(text(&browser, "#leads").await.contains("已联系"));
    let csv = owner.get(&format!("/api/v1/enterprise-accounts/{account}/leads.csv")).await;
    assert!(csv.text.contains("已联系") && csv.text.contains("13812345678"), "{}", csv.text);

    // Finance: no inbox, no leads in the navigation, and the pages refuse.
    click(&browser, "#logout").await;
    wait_for_path(&browser, "/console/login").await;
    log_in(&browser, base, "m1-finance").await;
    assert_eq!(count(&browser, "#sidebar a[href='/console/inbox']").await, 0);
    assert_eq!(count(&browser, "#sidebar a[href='/console/leads']").await, 0);
    page.goto(&format!("{base}/console/leads")).await.unwrap();
    assert!(text(&browser, "main").await.contains("无权"), "finance may not read leads");
    browser.close().await;
}
