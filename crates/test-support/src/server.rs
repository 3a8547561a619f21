//! The real `xiaodian` binary, spawned on a free port for a test and killed when the test ends.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub struct Server {
    pub base: String,
    child: Option<Child>,
    /// Everything the server wrote to standard error so far.
    pub stderr: Arc<Mutex<String>>,
    pub stdout: Arc<Mutex<String>>,
    /// The data directory the server uses unless its arguments name one (never the source tree).
    _data_dir: tempfile::TempDir,
}

/// A fresh data directory for one run of the binary, so that no test writes `xiaodian-data/` (with
/// its secret key) into the source tree; a `--data-dir` argument still wins over it.
fn data_dir() -> tempfile::TempDir {
    tempfile::Builder::new().prefix("xiaodian-data-").tempdir().expect("a temporary data directory")
}

/// Runs the binary once with arguments and optional standard input; answers (exit code, stdout, stderr).
pub fn run(binary: &Path, args: &[&str], stdin: Option<&str>) -> (i32, String, String) {
    use std::io::Write;
    let data = data_dir();
    let mut child = Command::new(binary)
        .args(args)
        .env("XIAODIAN_DATA_DIR", data.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn xiaodian");
    if let Some(input) = stdin {
        // A command that refuses its arguments may exit before reading its input: a broken pipe then.
        match child.stdin.take().expect("stdin").write_all(input.as_bytes()) {
            Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => panic!("write stdin: {error}"),
            _ => {}
        }
    }
    drop(child.stdin.take());
    let output = child.wait_with_output().expect("xiaodian runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

impl Server {
    /// Starts `xiaodian serve --listen 127.0.0.1:0 ARGS...` and waits until it prints its address.
    pub fn start(binary: &Path, args: &[&str]) -> Server {
        let mut command = Command::new(binary);
        command.arg("serve").arg("--listen").arg("127.0.0.1:0").args(args);
        command.stdout(Stdio::piped()).stderr(Stdio::piped()).stdin(Stdio::null());
        command.env("RUST_LOG", "info,sqlx=warn");
        let data = data_dir();
        command.env("XIAODIAN_DATA_DIR", data.path());
        let mut child = command.spawn().expect("spawn xiaodian serve");
        let stdout = child.stdout.take().expect("stdout");
        let stderr = child.stderr.take().expect("stderr");
        let out_text = Arc::new(Mutex::new(String::new()));
        let err_text = Arc::new(Mutex::new(String::new()));
        let (address_tx, address_rx) = std::sync::mpsc::channel();
        {
            let out_text = out_text.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                    if let Some(rest) = line.split("listening on http://").nth(1) {
                        let _ = address_tx.send(rest.trim().to_owned());
                    }
                    out_text.lock().unwrap().push_str(&(line + "\n"));
                }
            });
        }
        {
            let err_text = err_text.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                    err_text.lock().unwrap().push_str(&(line + "\n"));
                }
            });
        }
        let address = match address_rx.recv_timeout(Duration::from_secs(60)) {
            Ok(address) => address,
            Err(_) => {
                let _ = child.kill();
                panic!("xiaodian serve did not start: {}", err_text.lock().unwrap());
            }
        };
        Server {
            base: format!("http://{address}"),
            child: Some(child),
            stderr: err_text,
            stdout: out_text,
            _data_dir: data,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().map(|c| c.id()).unwrap_or_default()
    }

    /// Sends SIGKILL: the process dies mid-stream without any chance to clean up.
    pub fn kill_hard(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Sends SIGTERM and waits for the process to exit; answers its exit code.
    pub fn terminate(&mut self, within: Duration) -> Option<i32> {
        let mut child = self.child.take()?;
        let _ = Command::new("kill").arg("-TERM").arg(child.id().to_string()).status();
        let deadline = Instant::now() + within;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = child.try_wait() {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = child.kill();
        None
    }

    pub fn client(&self) -> crate::Client {
        crate::Client::new(&self.base)
    }

    pub fn logs(&self) -> String {
        format!("{}{}", self.stdout.lock().unwrap(), self.stderr.lock().unwrap())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill_hard();
    }
}

/// The workspace root (for reading committed files such as docs and data in tests).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("workspace root")
}
