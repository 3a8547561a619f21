//! Every console form as each demo user sees it, posted once through the real binary on
//! `serve --demo` data: none is refused for lack of rights (a form a user is shown is a form the
//! user may send), and each answers Post/Redirect/Get: a 303 to a console page that loads (the
//! webhook's new secret and a settlement file's report included).
//!
//! The walk reads each page as the browser's own HTML parser builds it (fetched with the user's
//! session, parsed by `DOMParser`) instead of rendering it: the forms and links are the same (no
//! console script changes a form as a page loads), and the crawl of `console_crawl` is what renders
//! and checks every page. The refused form's draft is a real page in the browser.

use std::collections::BTreeSet;

use serde::Deserialize;
use test_support::browser::Browser;
use test_support::{Server, TestDb};

use crate::binary;
use crate::console_crawl::{DESKTOP, Walk, demo_users, log_in, navigation, shape};

/// Reads the console page `arguments[0]` with the browser's session and answers its console links
/// (inside `main`) and its POST forms, each with the values a person would send: what the page
/// filled in, the first real choice of a list, and for an empty field a value its rules accept (a
/// sentence for text, the minimum for a number, today in China for a date). Logout and file pickers
/// are left out: logging out ends the crawl, and a file is not a value to make up.
const READ_PAGE: &str = r#"
const page = arguments[0];
const done = arguments[arguments.length - 1];
// Today in China (UTC+8), as the server's deadlines count it; the UTC date is yesterday's there
// from 16:00 UTC on, and a campaign ending "today" by UTC would be refused as ending in the past.
const today = new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 10);
// Values the rules of a field accept, by the field's name.
const named = {
  amount_yuan: '100.00', price_yuan: '100.00', legal_rep_id_number: '11010519491231002X',
  account_number: '6222021234567890128', keywords: '价格', username: 'checker01',
};
const sample = (el) => {
  if (named[el.name]) return named[el.name];
  const type = (el.type || '').toLowerCase();
  if (el.tagName === 'SELECT') {
    const option = Array.from(el.options).find(o => o.value !== '' && !o.disabled);
    return option ? option.value : '';
  }
  if (type === 'number') return el.min !== '' ? el.min : (el.step && el.step.includes('.') ? '1.00' : '1');
  if (type === 'date') return el.min || today;
  if (type === 'datetime-local') return (el.min || today) + 'T10:00';
  if (type === 'time') return '09:00';
  if (type === 'email') return 'test@example.com';
  if (type === 'tel') return '13800138000';
  if (type === 'url') return 'https://example.com/';
  if (type === 'password') return 'a-long-test-password-2026';
  const min = Math.max(parseInt(el.getAttribute('minlength') || '0', 10), 12);
  let text = '这是自动检查填写的一段说明文字，';
  while (text.length < min) text += '用于确认表单可以提交。';
  const max = parseInt(el.getAttribute('maxlength') || '0', 10);
  return max > 0 ? text.slice(0, max) : text;
};
const formsOf = (doc, here) => Array.from(doc.querySelectorAll('form'))
  .filter(f => (f.getAttribute('method') || 'get').toLowerCase() === 'post')
  .filter(f => !(f.getAttribute('action') || '').startsWith('/console/logout'))
  .map(f => {
    const fields = [];
    const radios = new Set();
    for (const el of f.elements) {
      if (!el.name || el.disabled) continue;
      const type = (el.type || '').toLowerCase();
      if (type === 'file' || type === 'submit' || type === 'button' || type === 'reset') continue;
      if (type === 'radio') {
        if (radios.has(el.name)) continue;
        const group = Array.from(f.elements).filter(o => o.name === el.name && o.type === 'radio');
        const chosen = group.find(o => o.checked) || group[0];
        radios.add(el.name);
        fields.push([el.name, chosen.value]);
        continue;
      }
      if (type === 'checkbox') {
        if (el.checked || el.required) fields.push([el.name, el.value]);
        continue;
      }
      const wanted = el.required || el.tagName === 'SELECT' || named[el.name];
      fields.push([el.name, el.value !== '' ? el.value : (wanted ? sample(el) : '')]);
    }
    const button = Array.from(f.querySelectorAll('button[name], input[type=submit][name]'))[0];
    if (button) fields.push([button.name, button.value]);
    return {
      action: f.getAttribute('action') || here,
      multipart: (f.getAttribute('enctype') || '') === 'multipart/form-data',
      fields,
    };
  });
fetch(page, { credentials: 'same-origin' })
  .then(answer => answer.text().then(html => {
    const doc = new DOMParser().parseFromString(html, 'text/html');
    const url = new URL(answer.url);
    const links = Array.from(doc.querySelectorAll('main a'))
      .map(a => a.getAttribute('href')).filter(h => h && h.startsWith('/console/'));
    done({ links, forms: formsOf(doc, url.pathname + url.search) });
  }))
  .catch(error => done({ links: [], forms: [], error: String(error) }));
"#;

/// What `READ_PAGE` answers.
#[derive(Debug, Deserialize)]
struct Page {
    links: Vec<String>,
    forms: Vec<Form>,
    #[serde(default)]
    error: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Form {
    action: String,
    multipart: bool,
    fields: Vec<(String, String)>,
}

/// A `multipart/form-data` body of text fields.
fn multipart(fields: &[(String, String)]) -> (String, Vec<u8>) {
    let boundary = "xiaodian-form-test-boundary";
    let mut body = String::new();
    for (name, value) in fields {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        ));
    }
    body.push_str(&format!("--{boundary}--\r\n"));
    (format!("multipart/form-data; boundary={boundary}"), body.into_bytes())
}

/// Posts `form` with the browser's cookies; answers the status, where it redirects, and the code
/// of the error the page shows when it shows one.
async fn post(http: &reqwest::Client, base: &str, cookies: &str, form: &Form) -> (u16, String, String) {
    let url = format!("{base}{}", form.action);
    let request = http.post(url).header("cookie", cookies);
    let request = if form.multipart {
        let (content_type, body) = multipart(&form.fields);
        request.header("content-type", content_type).body(body)
    } else {
        request.form(&form.fields)
    };
    let answer = request.send().await.expect("the server answers");
    let location =
        answer.headers().get("location").and_then(|l| l.to_str().ok()).unwrap_or_default().to_owned();
    let status = answer.status().as_u16();
    let body = answer.text().await.unwrap_or_default();
    let shown = body
        .split_once("data-code=\"")
        .map(|(_, rest)| rest.split('<').next().unwrap_or_default().chars().take(160).collect())
        .unwrap_or_default();
    (status, location, shown)
}

async fn cookie_header(browser: &Browser) -> String {
    let cookies = browser.page.get_all_cookies().await.expect("the browser's cookies");
    cookies.iter().map(|c| format!("{}={}", c.name(), c.value())).collect::<Vec<_>>().join("; ")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_form_of_every_demo_user_is_allowed_and_redirects_to_a_page() {
    let db = TestDb::sqlite();
    let server = Server::start(binary(), &["--db", &db.url, "--demo"]);
    let base = server.base.as_str();
    let browser = Browser::start().await;
    let http = test_support::http::reqwest_builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("an HTTP client");
    let mut failures = Vec::new();
    let (mut posted, mut refused_for_data) = (0, 0);
    for (username, password) in demo_users() {
        browser.set_size(DESKTOP).await;
        log_in(&browser, base, username, password).await;
        let links = navigation(&browser).await;
        let cookies = cookie_header(&browser).await;
        let mut seen = BTreeSet::new();
        // Each page is read once: its links join the walk, then its forms are posted.
        let mut walk = Walk::new(&links);
        while let Some((page, depth)) = walk.next() {
            let read = browser.page.execute_async(READ_PAGE, vec![page.clone().into()]).await.unwrap();
            let read: Page = serde_json::from_value(read).expect("a page's links and forms as data");
            assert_eq!(read.error, None, "{username}: reading {page}");
            walk.read(depth, read.links);
            for form in read.forms {
                let mut names: Vec<&str> = form.fields.iter().map(|(name, _)| name.as_str()).collect();
                names.sort_unstable();
                if !seen.insert(format!("{} {}", shape(&form.action), names.join(","))) {
                    continue;
                }
                posted += 1;
                let (status, location, shown) = post(&http, base, &cookies, &form).await;
                let what = format!("{username} on {page}: POST {}", form.action);
                if status != 303 {
                    failures.push(format!("{what}: {status}, not 303 (shows {shown:?})"));
                    continue;
                }
                if !location.starts_with("/console") {
                    failures.push(format!("{what}: redirects to {location:?}"));
                    continue;
                }
                if location.contains("failed=forbidden") {
                    failures.push(format!("{what}: refused for lack of rights ({location})"));
                    continue;
                }
                if location.contains("failed=") {
                    refused_for_data += 1;
                    eprintln!("sent back for its values: {what} -> {location}");
                }
                let (status, _) = get(&http, base, &cookies, &location).await;
                if status != 200 {
                    failures.push(format!("{what}: redirected to {location}, which answers {status}"));
                }
            }
        }
    }
    draft_comes_back_after_a_refusal(&browser, base).await;
    reconciliation_report_is_a_page(&browser, base, &http).await;
    browser.close().await;
    eprintln!("{posted} forms posted; {refused_for_data} sent back for their values, none for rights");
    assert!(posted > 40, "the crawl posted {posted} forms");
    assert!(failures.is_empty(), "{} problems:\n{}", failures.len(), failures.join("\n"));
}

async fn get(http: &reqwest::Client, base: &str, cookies: &str, path: &str) -> (u16, String) {
    let answer =
        http.get(format!("{base}{path}")).header("cookie", cookies).send().await.expect("the server answers");
    let status = answer.status().as_u16();
    (status, answer.text().await.unwrap_or_default())
}

/// A refused form goes back to its page (`?failed=`) with what was typed still in it, but never the
/// password: the owner adds a member with a name the rules refuse.
async fn draft_comes_back_after_a_refusal(browser: &Browser, base: &str) {
    let (username, password) = demo_users().into_iter().find(|(u, _)| *u == "merchant").expect("the owner");
    log_in(browser, base, username, password).await;
    browser.page.goto(&format!("{base}/console/team")).await.unwrap();
    let field = |css: &'static str| async move {
        browser.page.find(test_support::browser::Locator::Css(css)).await.expect(css)
    };
    field("#member-username").await.send_keys("坏 名字").await.unwrap();
    field("#member-password").await.send_keys("a-long-password-1").await.unwrap();
    field("#add-member").await.click().await.unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    while !browser.page.current_url().await.unwrap().as_str().contains("failed=") {
        assert!(std::time::Instant::now() < deadline, "the refused form did not come back with failed=");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let url = browser.page.current_url().await.unwrap();
    assert_eq!(url.path(), "/console/team", "back on the form's own page (a GET), not the POST address");
    let value =
        |css: &'static str| async move { field(css).await.prop("value").await.unwrap().unwrap_or_default() };
    assert_eq!(value("#member-username").await, "坏 名字", "what was typed is back");
    assert_eq!(value("#member-password").await, "", "the password is never kept");
    assert!(field("[role=alert][data-code]").await.is_displayed().await.unwrap(), "the error is shown");
}

/// A settlement file sent to be reconciled is kept, and its report is a page (`?file=ID`) that a
/// refresh shows again, with its CSV as a link.
async fn reconciliation_report_is_a_page(browser: &Browser, base: &str, http: &reqwest::Client) {
    let (username, password) =
        demo_users().into_iter().find(|(u, _)| *u == "reviewer").expect("the reviewer");
    log_in(browser, base, username, password).await;
    browser.page.goto(&format!("{base}/console/payouts/reconcile")).await.unwrap();
    let find = |css: &'static str| async move {
        browser.page.find(test_support::browser::Locator::Css(css)).await.expect(css)
    };
    let file = "payout_id,channel_ref,amount_fen,status,date\n999999,CH-1,100,paid,2026-12-01";
    find("#settlement-file").await.send_keys(file).await.unwrap();
    find("#reconcile").await.click().await.unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    while !browser.page.current_url().await.unwrap().as_str().contains("file=") {
        assert!(std::time::Instant::now() < deadline, "the reconciliation did not redirect to its report");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let summary = find("#difference-count").await.text().await.unwrap();
    browser.page.refresh().await.unwrap();
    assert_eq!(find("#difference-count").await.text().await.unwrap(), summary, "the report shows again");
    assert_eq!(summary, "1", "the unknown payout is the one difference");
    let csv = find("#reconcile-csv").await.attr("href").await.unwrap().expect("a CSV link");
    let (status, body) = get(http, base, &cookie_header(browser).await, &csv).await;
    assert_eq!(status, 200, "{csv}");
    assert!(body.contains("999999"), "the CSV names the payout: {body}");
}
