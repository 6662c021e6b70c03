//! Helpers of the server tests: a real server on 127.0.0.1 with an
//! ephemeral port, the real `pdao` binary, the repository's requests.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use pdao_server::{Config, Handle, Server};
use serde_json::Value;

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A server running in this process until dropped.
pub struct Running {
    pub addr: SocketAddr,
    pub handle: Handle,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    pub task: Option<tokio::task::JoinHandle<Result<(), pdao_server::ServeError>>>,
}

impl Running {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Stops it (graceful) and returns how `run` ended.
    pub async fn stop(mut self) -> Result<(), pdao_server::ServeError> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.task.take().unwrap().await.unwrap()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

pub fn config() -> Config {
    Config {
        bind: "127.0.0.1:0".parse().unwrap(),
        ..Config::default()
    }
}

/// Binds on an ephemeral port, serves, and waits until a bundle is active
/// (unless `wait_ready` is false).
pub async fn start_server(server: Server, wait_ready: bool) -> Running {
    let addr = server.local_addr().unwrap();
    let handle = server.handle();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(server.run(async move {
        let _ = stopped.await;
    }));
    if wait_ready {
        tokio::time::timeout(Duration::from_secs(60), handle.ready())
            .await
            .expect("the bundle loads within a minute");
    }
    Running {
        addr,
        handle,
        stop: Some(stop),
        task: Some(task),
    }
}

pub async fn start(config: Config) -> Running {
    start_server(Server::bind(config).await.unwrap(), true).await
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(120))
        .build()
        .unwrap()
}

/// The golden cases: (name, request JSON text).
pub fn golden_requests() -> Vec<(String, String)> {
    let root = root().join("policies");
    pdao::cases::find_case_files(&root)
        .unwrap()
        .into_iter()
        .map(|path| {
            let case = pdao::cases::Case::from_file(&path).unwrap();
            let name = path.strip_prefix(&root).unwrap().display().to_string();
            (name, serde_json::to_string_pretty(&case.request).unwrap())
        })
        .collect()
}

/// A response body with its `  "decision_id": "…",` line removed: the
/// CLI's bytes.
pub fn without_id_line(body: &str) -> (String, String) {
    let mut lines: Vec<&str> = body.split_inclusive('\n').collect();
    assert_eq!(lines[0], "{\n", "{body}");
    let id_line = lines.remove(1);
    let id = id_line
        .trim()
        .strip_prefix("\"decision_id\": \"")
        .and_then(|s| s.strip_suffix("\","))
        .unwrap_or_else(|| panic!("the first field is not decision_id: {id_line}"))
        .to_string();
    (lines.concat(), id)
}

/// A decision value without its `decision_id`.
pub fn strip_id(mut value: Value) -> Value {
    value.as_object_mut().unwrap().remove("decision_id");
    value
}

/// Copies a directory tree.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Two versions of the real bundle: `v1` as committed, `v2` with the
/// Hangzhou agreement term read as 3 years (the request of
/// [`term_request`] is denied by v1 and allowed by v2).
pub fn two_versions(dir: &Path) -> (PathBuf, PathBuf) {
    let v1 = dir.join("v1");
    let v2 = dir.join("v2");
    copy_dir(&root().join("policies"), &v1);
    copy_dir(&root().join("policies"), &v2);
    let rules = v2.join("hangzhou/time.rules");
    let text = std::fs::read_to_string(&rules).unwrap();
    let changed = text.replace(
        "fact hz_term_two_years = agreement.end == last_day(agreement.start, 24 months);",
        "fact hz_term_two_years = agreement.end == last_day(agreement.start, 36 months);",
    );
    assert_ne!(
        text, changed,
        "the term definition is where the test expects it"
    );
    std::fs::write(rules, changed).unwrap();
    (v1, v2)
}

/// A Hangzhou agreement of 36 months: deny under v1, allow under v2.
pub fn term_request() -> String {
    let path = root().join(
        "policies/hangzhou/cases/a Hangzhou agreement of 36 months is refused although the province allows it.json",
    );
    let case: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    serde_json::to_string(&case["request"]).unwrap()
}

/// Points `link` at `target` atomically (a new symlink renamed over it).
pub fn switch_link(link: &Path, target: &Path) {
    let tmp = link.with_extension("switching");
    let _ = std::fs::remove_file(&tmp);
    std::os::unix::fs::symlink(target, &tmp).unwrap();
    std::fs::rename(&tmp, link).unwrap();
}

pub fn policy_version(dir: &Path) -> String {
    pdao::Bundle::from_dir(dir).unwrap().version().to_string()
}

/// Polls until `f` is true, at most `limit`.
pub async fn eventually<F, Fut>(limit: Duration, mut f: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = Instant::now();
    while start.elapsed() < limit {
        if f().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

// ---------------------------------------------------------------------------
// The real binary.

/// `pdao serve ARGS --bind 127.0.0.1:0`, with the address it printed.
pub struct Process {
    pub child: Child,
    pub addr: SocketAddr,
    pub stderr: mpsc::Receiver<String>,
}

impl Process {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn signal(&self, name: &str) {
        use rustix::process::{kill_process, Pid, Signal};
        let signal = match name {
            "HUP" => Signal::HUP,
            "TERM" => Signal::TERM,
            "INT" => Signal::INT,
            other => panic!("no signal {other} here"),
        };
        let pid = Pid::from_raw(i32::try_from(self.child.id()).unwrap()).unwrap();
        kill_process(pid, signal).unwrap();
    }

    /// Waits for the exit (at most `limit`), returning the status code and
    /// what it printed on standard error.
    pub fn wait(mut self, limit: Duration) -> (Option<i32>, String) {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                let mut lines = Vec::new();
                while let Ok(line) = self.stderr.recv_timeout(Duration::from_millis(200)) {
                    lines.push(line);
                }
                return (status.code(), lines.join("\n"));
            }
            if start.elapsed() > limit {
                let _ = self.child.kill();
                panic!("pdao serve did not exit within {limit:?}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn spawn_serve(args: &[&str]) -> Process {
    let pdao = pdao_tests::pdao_cli();
    let mut child = Command::new(pdao)
        .args(args)
        .env("RUST_LOG", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let start = Instant::now();
    let addr = loop {
        match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(line) => {
                if let Some(rest) = line.strip_prefix("pdao serve: listening on http://") {
                    break rest.trim().parse().unwrap();
                }
            }
            Err(_) => panic!("pdao serve printed no address within {:?}", start.elapsed()),
        }
    };
    Process {
        child,
        addr,
        stderr: rx,
    }
}
