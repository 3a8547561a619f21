//! The home page is a work list whose counts are the API's: the merchant's shop to-dos against the
//! closure checks, videos to approve against the video list, and the reviewer's queues against the
//! queue endpoints, on the demo data of both engines.

use serde_json::Value;
use test_support::browser::{Browser, Locator};
use test_support::{Backend, Server, TestDb, both_backends};

use crate::binary;
use crate::console::wait_for_path;

async fn log_in(browser: &Browser, base: &str, username: &str, password: &str) {
    let page = &browser.page;
    page.goto(&format!("{base}/console/login")).await.unwrap();
    page.find(Locator::Id("username")).await.unwrap().send_keys(username).await.unwrap();
    page.find(Locator::Id("password")).await.unwrap().send_keys(password).await.unwrap();
    page.find(Locator::Id("login-submit")).await.unwrap().click().await.unwrap();
    wait_for_path(browser, "/console/home").await;
}

/// The to-dos on the home page: (key, shop or company shown with it, count, overdue).
async fn todos(browser: &Browser) -> Vec<(String, String, i64, i64)> {
    let rows = browser
        .page
        .execute(
            "return Array.from(document.querySelectorAll('#todos li.todo')).map(li => [\
               li.dataset.key, li.querySelector('.key')?.textContent ?? '', Number(li.dataset.count),\
               Number(li.querySelector('[data-overdue]')?.dataset.overdue ?? 0)]);",
            vec![],
        )
        .await
        .unwrap();
    rows.as_array()
        .unwrap()
        .iter()
        .map(|row| {
            (
                row[0].as_str().unwrap().to_owned(),
                row[1].as_str().unwrap().to_owned(),
                row[2].as_i64().unwrap(),
                row[3].as_i64().unwrap(),
            )
        })
        .collect()
}

fn count(todos: &[(String, String, i64, i64)], key: &str, place: &str) -> i64 {
    todos.iter().filter(|t| t.0 == key && t.1 == place).map(|t| t.2).sum()
}

both_backends!(home_page_counts_match_the_api);

async fn home_page_counts_match_the_api(backend: Backend) {
    let db = TestDb::new(backend).await;
    let server = Server::start(binary(), &["--db", &db.url, "--demo"]);
    let base = server.base.as_str();
    let browser = Browser::start().await;

    // The owner: each operating shop's daily work is the count of its closure check.
    let owner = server.client().login("merchant", "merchant-demo-2026").await;
    log_in(&browser, base, "merchant", "merchant-demo-2026").await;
    let shown = todos(&browser).await;
    let shops = owner.get("/api/v1/shops").await.json;
    let mut compared = 0;
    for shop in shops["items"].as_array().unwrap().iter().filter(|s| s["status"] != "closed") {
        let checks = owner.get(&format!("/api/v1/shops/{}/closure/checks", shop["id"])).await.json;
        let name = shop["name"].as_str().unwrap();
        for (code, key) in [
            ("unshipped_orders", "todo_unshipped_orders"),
            ("unanswered_messages", "todo_unanswered_messages"),
            ("after_sales_open", "todo_after_sales_open"),
            ("complaints_open", "todo_complaints_open"),
        ] {
            let check = checks["checks"].as_array().unwrap().iter().find(|c| c["code"] == code).unwrap();
            let expected = check["count"].as_i64().unwrap();
            assert_eq!(count(&shown, key, name), expected, "{name}: {code} ({shown:?})");
            compared += usize::from(expected > 0);
        }
    }
    assert!(compared > 0, "the demo gives the owner shop work to do: {shown:?}");
    let in_review = owner.get("/api/v1/videos?status=in_review&limit=200").await.json;
    let waiting = in_review["items"].as_array().unwrap().len() as i64;
    assert_eq!(count(&shown, "todo_videos_to_approve", ""), waiting, "{shown:?}");
    let first = browser.page.find(Locator::Css("#todos li.todo a")).await.unwrap();
    let href = first.attr("href").await.unwrap().unwrap();
    first.click().await.unwrap();
    wait_for_path(&browser, href.split('?').next().unwrap()).await;

    // The finance member sees the same shop work, without links into pages it may not open.
    log_in(&browser, base, "caiwu", "caiwu-demo-2026").await;
    let finance = todos(&browser).await;
    assert!(finance.iter().all(|t| t.0 != "todo_videos_to_approve"), "{finance:?}");
    assert!(browser.page.find_all(Locator::Css("#todos li.todo a")).await.unwrap().is_empty());
    // Forms shown are forms the member may send: finance reads the closure page and the shop list but
    // is offered neither the closure request nor a new shop, which only the owner may send.
    let open_shop = shops["items"].as_array().unwrap().iter().find(|s| s["status"] == "operating").unwrap();
    browser.page.goto(&format!("{base}/console/shops/{}/closure", open_shop["id"])).await.unwrap();
    browser.page.find(Locator::Css("#closure-checks, tr.check")).await.expect("finance reads the checks");
    assert!(browser.page.find_all(Locator::Css("#closure-form")).await.unwrap().is_empty());
    browser.page.goto(&format!("{base}/console/shops")).await.unwrap();
    assert!(browser.page.find_all(Locator::Css("#shop-form")).await.unwrap().is_empty());
    log_in(&browser, base, "merchant", "merchant-demo-2026").await;
    browser.page.goto(&format!("{base}/console/shops/{}/closure", open_shop["id"])).await.unwrap();
    browser.page.find(Locator::Css("#closure-form")).await.expect("the owner is offered the request");

    // The reviewer: the queues with their overdue counts.
    let reviewer = server.client().login("reviewer", "reviewer-demo-2026").await;
    log_in(&browser, base, "reviewer", "reviewer-demo-2026").await;
    let queues = todos(&browser).await;
    let len = |answer: &Value, field: Option<&str>| -> i64 {
        let list = match field {
            Some(field) => answer[field].clone(),
            None => answer.clone(),
        };
        list.as_array().map_or(0, |items| items.len() as i64)
    };
    let submitted = reviewer.get("/api/v1/verifications?status=submitted&limit=200").await.json;
    let reviewing = reviewer.get("/api/v1/verifications?status=in_review&limit=200").await.json;
    let items = |answer: &Value| len(answer, Some("items")).max(len(answer, None));
    assert_eq!(
        count(&queues, "todo_verification_queue", ""),
        items(&submitted) + items(&reviewing),
        "{queues:?}"
    );
    let refunds = reviewer.get("/api/v1/refunds?status=in_review").await.json;
    let refund_list: Vec<Value> =
        refunds["items"].as_array().or(refunds.as_array()).cloned().unwrap_or_default();
    let refund_todo = queues.iter().find(|t| t.0 == "todo_refund_queue").unwrap();
    assert_eq!(refund_todo.2, refund_list.len() as i64, "{queues:?} {refunds}");
    let overdue = refund_list.iter().filter(|r| r["overdue"] == true).count() as i64;
    assert_eq!(refund_todo.3, overdue, "{refunds}");
    let appeals = reviewer.get("/api/v1/appeals").await.json;
    assert_eq!(count(&queues, "todo_appeal_queue", ""), items(&appeals), "{appeals}");
    let complaints = reviewer.get("/api/v1/complaints").await.json;
    assert_eq!(count(&queues, "todo_complaint_queue", ""), items(&complaints), "{complaints}");
    browser.close().await;
}
