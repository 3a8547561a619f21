//! Headless Chromium driven through ChromeDriver (Debian's `chromium-headless-shell` and
//! `chromium-driver`), and axe-core (vendored under `vendor/axe-core`, MPL-2.0) to find
//! accessibility violations.
//!
//! The browser is Chromium's headless shell: the same Blink, V8 and layout as the `chromium`
//! package's browser, without the desktop browser around them (`--headless=new` runs the whole
//! browser without a window). The console crawl used a quarter less CPU in it (docs/benchmarks.md).

use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub use fantoccini::{Client as Page, Locator};

pub const CHROMIUM: &str = "/usr/lib/chromium/chromium-headless-shell";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// A running ChromeDriver and one browser session; both end with the value.
pub struct Browser {
    pub page: Page,
    driver: Child,
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
                "{path} is required for the console tests: apt-get install chromium-headless-shell chromium-driver"
            );
        }
        let port = free_port();
        // A process group of its own: ending the group ends the browser ChromeDriver started too,
        // however the test ends (a panicking test never reaches `close`).
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .process_group(0)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        // No --user-data-dir: ChromeDriver gives the browser a temporary profile and removes it at the
        // end of the session (the headless shell does not start with a profile directory given).
        let args = serde_json::json!([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--window-size=1280,900",
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
        Browser { page, driver }
    }

    /// Ends the browser session, then ChromeDriver and whatever of the browser is left.
    pub async fn close(self) {
        let _ = self.page.clone().close().await;
    }

    /// Kills ChromeDriver's process group (ChromeDriver and the browser it started) and reaps
    /// ChromeDriver.
    fn end_processes(&mut self) {
        let group = format!("-{}", self.driver.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).stderr(Stdio::null()).status();
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
    /// Resizes the browser window to `(width, height)` (the viewport follows).
    pub async fn set_size(&self, (width, height): (u32, u32)) {
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
        self.end_processes();
    }
}
