//! Headless Chromium driven through ChromeDriver (Debian's `chromium` and `chromium-driver`), and
//! axe-core (vendored under `vendor/axe-core`, MPL-2.0) to find accessibility violations.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub use fantoccini::{Client as Page, Locator};

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// A running ChromeDriver and one browser session; both end with the value.
pub struct Browser {
    pub page: Page,
    driver: Child,
    _profile: tempfile::TempDir,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl Browser {
    /// Starts ChromeDriver and a headless Chromium. Fails the test loudly when either is missing.
    pub async fn start() -> Browser {
        for path in [CHROMIUM, CHROMEDRIVER] {
            assert!(
                std::path::Path::new(path).exists(),
                "{path} is required for the console tests: apt-get install chromium chromium-driver"
            );
        }
        let port = free_port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let profile = tempfile::tempdir().expect("a browser profile directory");
        let args = serde_json::json!([
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--window-size=1280,900",
            format!("--user-data-dir={}", profile.path().display()),
        ]);
        let mut capabilities = serde_json::Map::new();
        capabilities
            .insert("goog:chromeOptions".into(), serde_json::json!({ "binary": CHROMIUM, "args": args }));
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(30);
        let page = loop {
            match fantoccini::ClientBuilder::native().capabilities(capabilities.clone()).connect(&url).await {
                Ok(page) => break page,
                Err(error) if Instant::now() > deadline => panic!("cannot start headless Chromium: {error}"),
                Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        };
        Browser { page, driver, _profile: profile }
    }

    /// Ends the browser session and ChromeDriver.
    pub async fn close(mut self) {
        let _ = self.page.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// axe-core 4.14.1, unchanged (see `vendor/axe-core/README.md`).
pub const AXE_SOURCE: &str = include_str!("../vendor/axe-core/axe.min.js");

/// The script that runs axe on the current page and answers its serious and critical violations,
/// one line each: rule, impact, and up to three offending elements with their text.
const AXE_RUN: &str = r#"
const done = arguments[arguments.length - 1];
axe.run(document, { resultTypes: ['violations'] }).then(result => {
  done(result.violations
    .filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => v.id + ' (' + v.impact + '): ' + v.nodes.slice(0, 3).map(n => n.target.join(' ') + ' ' + (n.failureSummary || '').split('\n').slice(1, 2).join('')).join(' | ')));
}).catch(error => done(['axe failed: ' + error]));
"#;

impl Browser {
    /// Resizes the browser window (the viewport follows).
    pub async fn set_size(&self, width: u32, height: u32) {
        self.page.set_window_size(width, height).await.expect("set the window size");
    }

    /// The serious and critical axe-core violations of the page now shown; empty when none.
    pub async fn axe_violations(&self) -> Vec<String> {
        let present = self.page.execute("return typeof axe !== 'undefined';", vec![]).await.expect("a page");
        if present != serde_json::Value::Bool(true) {
            self.page
                .execute(&format!("{AXE_SOURCE}\n;return true;"), vec![])
                .await
                .expect("inject axe-core");
        }
        let answer = self.page.execute_async(AXE_RUN, vec![]).await.expect("axe.run");
        answer
            .as_array()
            .map(|lines| lines.iter().map(|line| line.as_str().unwrap_or_default().to_owned()).collect())
            .unwrap_or_default()
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
    }
}
