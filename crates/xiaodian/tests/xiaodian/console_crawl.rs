//! The whole console as each demo user sees it: every page reachable from the navigation, crawled
//! in headless Chromium through the real binary on `serve --demo` data, at desktop and phone widths,
//! in Chinese and in English, checked for status, accessibility (axe-core), width, leaked codes,
//! language and money formatting.

use std::collections::BTreeSet;

use serde_json::Value;
use test_support::browser::{Browser, Locator};
use test_support::{Server, TestDb};

use crate::binary;
use crate::console::wait_for_path;

/// Every demo login: the merchant's owner and its three team members, and the platform roles.
pub(crate) fn demo_users() -> Vec<(&'static str, &'static str)> {
    let mut users: Vec<(&str, &str)> =
        app::demo::DEMO_LOGINS.iter().map(|l| (l.username, l.password)).collect();
    users.extend(app::demo::DEMO_MEMBERS.iter().map(|(username, password, _)| (*username, *password)));
    users
}

pub(crate) async fn log_in(browser: &Browser, base: &str, username: &str, password: &str) {
    let page = &browser.page;
    page.goto(&format!("{base}/console/login")).await.unwrap();
    page.find(Locator::Id("username")).await.unwrap().send_keys(username).await.unwrap();
    page.find(Locator::Id("password")).await.unwrap().send_keys(password).await.unwrap();
    page.find(Locator::Id("login-submit")).await.unwrap().click().await.unwrap();
    wait_for_path(browser, "/console/home").await;
}

/// The `href`s of the console links under `selector` on the page now shown, in page order.
async fn console_links(browser: &Browser, selector: &str) -> Vec<String> {
    let found = browser
        .page
        .execute(
            "return Array.from(document.querySelectorAll(arguments[0]))\
             .map(a => a.getAttribute('href')).filter(h => h && h.startsWith('/console/'));",
            vec![Value::String(selector.to_owned())],
        )
        .await
        .unwrap();
    found.as_array().unwrap().iter().filter_map(Value::as_str).map(str::to_owned).collect()
}

/// The links of the sidebar and the top bar (console pages only), in page order, each once.
pub(crate) async fn navigation(browser: &Browser) -> Vec<String> {
    let mut seen = BTreeSet::new();
    let links = console_links(browser, "#sidebar a, .topbar a:not(#lang-switch)").await;
    links.into_iter().filter(|href| seen.insert(href.clone())).collect()
}

/// `links` without downloads and the language switch: the links a crawl follows.
fn content_only(links: Vec<String>) -> Vec<String> {
    let downloads = [".csv", ".pdf", "/file", "/cover", "/documents/"];
    links
        .into_iter()
        .filter(|href| !downloads.iter().any(|d| href.contains(d)) && !href.starts_with("/console/lang"))
        .collect()
}

/// The pages a crawl visits: `links`, then what their content links to, two clicks deep, one page
/// per path shape (digits stand for any id), at most `PAGES_PER_USER_MAX` in all.
struct Frontier {
    pages: Vec<String>,
    shapes: BTreeSet<String>,
}

impl Frontier {
    fn new(links: &[String]) -> Frontier {
        Frontier { pages: links.to_vec(), shapes: links.iter().map(|l| shape(l)).collect() }
    }

    /// Takes the links of a page; answers the ones new to the crawl.
    fn add(&mut self, found: Vec<String>) -> Vec<String> {
        let mut new = Vec::new();
        for href in found {
            if self.pages.len() < PAGES_PER_USER_MAX && self.shapes.insert(shape(&href)) {
                self.pages.push(href.clone());
                new.push(href);
            }
        }
        new
    }
}

/// A walk over the pages up to two clicks away from `links` (links inside the page content), one
/// per path shape (digits stand for any id), downloads left out, at most `PAGES_PER_USER_MAX`: each
/// page is read once, and what it links to joins the walk as it is read.
pub(crate) struct Walk {
    frontier: Frontier,
    queue: std::collections::VecDeque<(String, usize)>,
}

impl Walk {
    pub(crate) fn new(links: &[String]) -> Walk {
        Walk { frontier: Frontier::new(links), queue: links.iter().map(|link| (link.clone(), 0)).collect() }
    }

    /// The walk's next page and how many clicks from the navigation it is, or `None` when the walk
    /// is over.
    pub(crate) fn next(&mut self) -> Option<(String, usize)> {
        self.queue.pop_front()
    }

    /// Takes the console links of a page `depth` clicks away: the content links new to the walk join
    /// it, up to two clicks deep.
    pub(crate) fn read(&mut self, depth: usize, links: Vec<String>) {
        if depth < 2 {
            let found = self.frontier.add(content_only(links));
            self.queue.extend(found.into_iter().map(|link| (link, depth + 1)));
        }
    }

    /// The path shapes the walk took in, once it is over.
    fn shapes(self) -> BTreeSet<String> {
        self.frontier.shapes
    }
}

/// Pages crawled per user, at most.
const PAGES_PER_USER_MAX: usize = 70;

/// A link's path with every number as `#` and without its query: `/console/shops/#/closure`.
pub(crate) fn shape(href: &str) -> String {
    let path = href.split(['?', '#']).next().unwrap_or(href);
    path.split('/')
        .map(|part| if part.bytes().all(|b| b.is_ascii_digit()) && !part.is_empty() { "#" } else { part })
        .collect::<Vec<_>>()
        .join("/")
}

/// The status the server answers for `path` with the browser's cookies.
async fn status(browser: &Browser, path: &str) -> u64 {
    let answer = browser
        .page
        .execute_async(
            "const done = arguments[arguments.length - 1];\
             fetch(arguments[0], {redirect: 'manual'}).then(r => done(r.status)).catch(e => done(0));",
            vec![Value::String(path.to_owned())],
        )
        .await
        .unwrap();
    answer.as_u64().unwrap_or(0)
}

/// What a page shows that it should not: for `zh`, snake_case identifiers (error codes, enum values)
/// in the visible text; for `en`, Chinese in the interface text (navigation, headings of tables,
/// labels, buttons, tags, tiles); for both, a money figure of four or more digits without a
/// thousands separator.
const TEXT_CHECKS: &str = r#"
const lang = arguments[0];
const problems = [];
const text = document.body.innerText;
const snake = text.match(/\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b/g);
if (lang === 'zh' && snake) problems.push('snake_case: ' + [...new Set(snake)].slice(0, 8).join(', '));
const money = text.match(/[¥￥]\s*-?\d{4,}|(?<![\d,.:\-])\d{4,}\.\d{2}(?![\d%])/g);
if (money) problems.push('money without separators: ' + [...new Set(money)].slice(0, 8).join(', '));
if (lang === 'en') {
  const ui = '#sidebar, .topbar, .breadcrumbs a, th, label, button, legend, summary, .badge, .stat-label, .nav-group-title, .error-title, .error-hint, h1, h2, h3, svg text, svg title, figcaption';
  const cjk = /[\u3400-\u9fff]/;
  const found = new Set();
  for (const el of document.querySelectorAll(ui)) {
    if (el.closest('[data-user]')) continue;
    let own = '';
    for (const node of el.childNodes) if (node.nodeType === 3) own += node.textContent;
    // A hashtag is the merchant's own word (a video tag), drawn as user data in the charts too.
    if (el.closest('svg') && own.trim().startsWith('#')) continue;
    if (cjk.test(own)) found.add(el.tagName.toLowerCase() + ': ' + own.trim().slice(0, 40));
  }
  if (found.size) problems.push('Chinese in English mode: ' + [...found].slice(0, 8).join(' | '));
}
return problems;
"#;

async fn page_problems(browser: &Browser, lang: &str) -> Vec<String> {
    let answer = browser.page.execute(TEXT_CHECKS, vec![Value::String(lang.to_owned())]).await.unwrap();
    answer.as_array().unwrap().iter().map(|p| p.as_str().unwrap_or_default().to_owned()).collect()
}

/// Whether the document is wider than the viewport (something makes the page scroll sideways).
async fn overflow(browser: &Browser) -> Option<String> {
    let answer = browser
        .page
        .execute(
            "const w = document.documentElement.clientWidth;\
             if (document.documentElement.scrollWidth <= w) return null;\
             const wide = Array.from(document.querySelectorAll('body *'))\
               .filter(e => e.getBoundingClientRect().right > w + 1 && !e.closest('.table-wrap, .card, .chart'))\
               .slice(0, 3).map(e => e.tagName + (e.id ? '#' + e.id : '') + '.' + e.className);\
             return document.documentElement.scrollWidth + ' > ' + w + ' ' + wide.join(', ');",
            vec![],
        )
        .await
        .unwrap();
    answer.as_str().map(str::to_owned)
}

/// The window of a desktop, and of a phone (390 px wide, as an iPhone's viewport).
pub(crate) const DESKTOP: (u32, u32) = (1440, 900);
const PHONE: (u32, u32) = (390, 844);

/// What a page shows at the desktop width in Chinese: leaked codes, money without separators, and
/// axe-core's serious and critical violations.
async fn desktop_problems(browser: &Browser, username: &str, link: &str) -> Vec<String> {
    let mut problems: Vec<String> = page_problems(browser, "zh")
        .await
        .into_iter()
        .map(|p| format!("{username} zh {link}: {p}"))
        .collect();
    for violation in browser.axe_violations().await {
        problems.push(format!("{username} {link}: axe {violation}"));
    }
    problems
}

/// Whether a page scrolls sideways at a phone's width.
async fn narrow_problems(browser: &Browser, username: &str, link: &str) -> Option<String> {
    let wide = overflow(browser).await?;
    Some(format!("{username} {link} at {} px: {wide}", PHONE.0))
}

/// What the crawl of one demo user found.
#[derive(Default)]
struct UserCrawl {
    pages_checked: usize,
    shapes: BTreeSet<String>,
    failures: Vec<String>,
}

/// Browsers crawling at once: each user's crawl waits on the server and the browser in turn, so a
/// few side by side keep both cores busy.
const CRAWLS_AT_ONCE: usize = 3;

/// One demo user's crawl in a browser of its own: every reachable page in Chinese (text and axe at
/// the desktop width and the width at a phone's, one resize per page; the visit that checks a page also
/// finds the pages it links to) and in English (the text).
async fn crawl(base: &str, username: &str, password: &str) -> UserCrawl {
    let browser = Browser::start().await;
    let mut found = UserCrawl::default();
    browser.set_size(DESKTOP).await;
    let mut at_phone_width = false;
    log_in(&browser, base, username, password).await;
    let links = navigation(&browser).await;
    assert!(links.contains(&"/console/home".to_owned()), "{username}: the home page is in the navigation");
    browser.page.goto(&format!("{base}/console/lang?to=zh&back=/console/home")).await.unwrap();
    let mut walk = Walk::new(&links);
    let mut answering = Vec::new();
    while let Some((link, depth)) = walk.next() {
        let answer = status(&browser, &link).await;
        if answer != 200 {
            found.failures.push(format!("{username} {link}: status {answer}"));
            continue;
        }
        browser.page.goto(&format!("{base}{link}")).await.unwrap();
        found.pages_checked += 1;
        walk.read(depth, console_links(&browser, "main a").await);
        // One resize per page: a page loaded at the width the last one ended on is checked there
        // first, then at the other width.
        if at_phone_width {
            found.failures.extend(narrow_problems(&browser, username, &link).await);
            browser.set_size(DESKTOP).await;
            found.failures.extend(desktop_problems(&browser, username, &link).await);
        } else {
            found.failures.extend(desktop_problems(&browser, username, &link).await);
            browser.set_size(PHONE).await;
            found.failures.extend(narrow_problems(&browser, username, &link).await);
        }
        at_phone_width = !at_phone_width;
        answering.push(link);
    }
    found.shapes = walk.shapes();
    browser.set_size(DESKTOP).await;
    browser.page.goto(&format!("{base}/console/lang?to=en&back=/console/home")).await.unwrap();
    for link in &answering {
        browser.page.goto(&format!("{base}{link}")).await.unwrap();
        found.pages_checked += 1;
        for problem in page_problems(&browser, "en").await {
            found.failures.push(format!("{username} en {link}: {problem}"));
        }
    }
    browser.close().await;
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_navigable_page_of_every_demo_user_is_accessible_narrow_and_plain() {
    let db = TestDb::sqlite();
    let server = Server::start(binary(), &["--db", &db.url, "--demo"]);
    let permits = std::sync::Arc::new(tokio::sync::Semaphore::new(CRAWLS_AT_ONCE));
    let mut crawls = tokio::task::JoinSet::new();
    for (order, (username, password)) in demo_users().into_iter().enumerate() {
        let (base, permits) = (server.base.clone(), permits.clone());
        crawls.spawn(async move {
            let _turn = permits.acquire_owned().await.expect("the semaphore stays open");
            (order, crawl(&base, username, password).await)
        });
    }
    let mut crawled = crawls.join_all().await;
    crawled.sort_by_key(|(order, _)| *order);
    let pages_checked: usize = crawled.iter().map(|(_, c)| c.pages_checked).sum();
    let shapes_seen: BTreeSet<String> = crawled.iter().flat_map(|(_, c)| c.shapes.iter().cloned()).collect();
    let failures: Vec<String> = crawled.into_iter().flat_map(|(_, c)| c.failures).collect();
    assert!(pages_checked > 50, "the crawl saw {pages_checked} pages");
    // The private-message pages are among them (the demo has conversations, rules and leads).
    for page in
        ["/console/inbox", "/console/auto-replies", "/console/leads", "/console/private-conversations/#"]
    {
        assert!(shapes_seen.contains(page), "the crawl did not reach {page}: {shapes_seen:?}");
    }
    assert!(failures.is_empty(), "{} problems:\n{}", failures.len(), failures.join("\n"));
}
