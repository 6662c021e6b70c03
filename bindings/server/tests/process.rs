//! The real `pdao serve` process: SIGHUP reloads the bundle and reopens
//! the decision log (rotation keeps the chain), SIGTERM with requests in
//! flight loses none and leaves a complete log, and the Kubernetes example
//! in `deploy/` probes paths and a port that the server really has.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code

mod common;

use std::path::Path;
use std::time::Duration;

use common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use yaml_rust2::{Yaml, YamlLoader};

async fn wait_ready(client: &reqwest::Client, process: &Process) {
    assert!(
        eventually(Duration::from_secs(60), || async {
            client
                .get(process.url("/readyz"))
                .send()
                .await
                .is_ok_and(|r| r.status() == StatusCode::OK)
        })
        .await,
        "pdao serve did not become ready"
    );
}

async fn decide(client: &reqwest::Client, process: &Process, body: &str) -> Value {
    let response = client
        .post(process.url("/v1/decide"))
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

fn verify(files: &[&Path], partial: bool) -> (Option<i32>, String, String) {
    let mut command = std::process::Command::new(pdao_tests::pdao_cli());
    command.args(["log", "verify"]).args(files);
    if partial {
        command.arg("--partial");
    }
    let output = command.output().unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sighup_reloads_the_bundle_and_reopens_the_log_for_rotation() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("policies");
    let (v1, v2) = two_versions(dir.path());
    switch_link(&link, &v1);
    let log = dir.path().join("decisions.jsonl");
    let rotated = dir.path().join("decisions.jsonl.1");
    let process = spawn_serve(&[
        "--policies",
        link.to_str().unwrap(),
        "serve",
        "--bind",
        "127.0.0.1:0",
        "--decision-log",
        log.to_str().unwrap(),
    ]);
    let client = client();
    wait_ready(&client, &process).await;
    let request = term_request();
    for _ in 0..3 {
        let decision = decide(&client, &process, &request).await;
        assert_eq!(decision["policy_version"], policy_version(&v1));
    }
    // Rotate the log and switch the bundle; one SIGHUP does both.
    std::fs::rename(&log, &rotated).unwrap();
    switch_link(&link, &v2);
    process.signal("HUP");
    assert!(
        eventually(Duration::from_secs(60), || async {
            let info: Value = client
                .get(process.url("/v1/bundle"))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            info["policy_version"] == policy_version(&v2).as_str()
        })
        .await,
        "SIGHUP did not reload"
    );
    for _ in 0..2 {
        let decision = decide(&client, &process, &request).await;
        assert_eq!(decision["policy_version"], policy_version(&v2));
        assert_eq!(decision["decision"], "allow");
    }
    let info: Value = client
        .get(process.url("/v1/bundle"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(info["reload"]["succeeded"], 2, "start and SIGHUP");
    process.signal("TERM");
    let (code, stderr) = process.wait(Duration::from_secs(60));
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.contains("bundle activated"), "{stderr}");

    assert_eq!(
        std::fs::read_to_string(&rotated).unwrap().lines().count(),
        3
    );
    assert_eq!(std::fs::read_to_string(&log).unwrap().lines().count(), 2);
    let (code, stdout, stderr) = verify(&[&rotated, &log], false);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stdout.starts_with("ok: 5 records in 2 files, seq 1–5"),
        "{stdout}"
    );
    // The new file alone continues a chain it does not hold.
    let (code, _, stderr) = verify(&[&log], false);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("error[removed]") && stderr.contains(":1: "),
        "{stderr}"
    );
    let (code, stdout, _) = verify(&[&log], true);
    assert_eq!(code, Some(0));
    assert!(stdout.contains("seq 4–5"), "{stdout}");
    // Files given out of order.
    let (code, _, stderr) = verify(&[&log, &rotated], false);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("error[removed]"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_with_requests_in_flight_loses_none_and_the_log_is_complete() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("decisions.jsonl");
    let process = spawn_serve(&[
        "serve",
        "--bind",
        "127.0.0.1:0",
        "--decision-log",
        log.to_str().unwrap(),
        "--batch-threads",
        "1",
    ]);
    let client = client();
    wait_ready(&client, &process).await;
    let requests: Vec<Value> = golden_requests()
        .into_iter()
        .take(150)
        .map(|(_, text)| serde_json::from_str(&text).unwrap())
        .collect();
    let body = serde_json::to_vec(&json!({ "requests": requests })).unwrap();
    // Each batch is sent on its own connection but for its last byte, so
    // that all of them are in flight (reading their body) however fast the
    // service decides; the last bytes follow the signal.
    let (most, last) = body.split_at(body.len() - 1);
    const IN_FLIGHT: usize = 8;
    let mut connections = Vec::new();
    for _ in 0..IN_FLIGHT {
        let mut stream = tokio::net::TcpStream::connect(process.addr).await.unwrap();
        let head = format!(
            "POST /v1/decide/batch HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            process.addr,
            body.len()
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        stream.write_all(most).await.unwrap();
        connections.push(stream);
    }
    // Every batch has been received but for its last byte…
    assert!(
        eventually(Duration::from_secs(60), || async {
            let metrics = client
                .get(process.url("/metrics"))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            metrics
                .lines()
                .any(|l| l == format!("pdao_http_requests_in_flight {IN_FLIGHT}"))
        })
        .await,
        "the batches were not all in flight"
    );
    // …when the service is told to stop; then each batch is completed.
    process.signal("TERM");
    let addr = process.addr;
    let mut decided = 0;
    for mut stream in connections {
        stream.write_all(last).await.unwrap();
        let mut response = Vec::new();
        stream
            .read_to_end(&mut response)
            .await
            .expect("no request in flight is lost");
        let (status, body) = http_response(&response);
        assert_eq!(status, 200, "{body}");
        let results = body["results"].as_array().unwrap();
        assert_eq!(results.len(), 150);
        assert!(results.iter().all(|r| r["decision_id"].is_string()));
        decided += results.len();
    }
    let (code, stderr) = process.wait(Duration::from_secs(60));
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.contains("decision log flushed"), "{stderr}");
    // It no longer accepts connections.
    assert!(std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(2)).is_err());
    let lines = std::fs::read_to_string(&log).unwrap().lines().count();
    assert_eq!(lines, decided, "one record per answered decision");
    let (code, stdout, stderr) = verify(&[&log], false);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stdout.starts_with(&format!("ok: {decided} records")),
        "{stdout}"
    );
}

/// The status and JSON body of a raw HTTP/1.1 response (its body given
/// whole or in chunks).
fn http_response(raw: &[u8]) -> (u16, Value) {
    let text = String::from_utf8_lossy(raw);
    let (head, body) = text.split_once("\r\n\r\n").expect("an HTTP response");
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status code");
    let chunked = head
        .lines()
        .any(|l| l.eq_ignore_ascii_case("transfer-encoding: chunked"));
    let body = if chunked {
        let mut out = String::new();
        let mut rest = body;
        while let Some((size, after)) = rest.split_once("\r\n") {
            let size = usize::from_str_radix(size.trim(), 16).expect("a chunk size");
            if size == 0 {
                break;
            }
            out.push_str(&after[..size]);
            rest = &after[size + 2..];
        }
        out
    } else {
        body.to_string()
    };
    (status, serde_json::from_str(&body).expect("a JSON body"))
}

fn docs() -> Vec<Yaml> {
    let text = std::fs::read_to_string(root().join("deploy/kubernetes.yaml")).unwrap();
    YamlLoader::load_from_str(&text).unwrap()
}

fn strings(yaml: &Yaml) -> Vec<String> {
    yaml.as_vec()
        .unwrap()
        .iter()
        .map(|y| match y {
            Yaml::String(s) => s.clone(),
            Yaml::Integer(i) => i.to_string(),
            other => panic!("not a string: {other:?}"),
        })
        .collect()
}

/// The example Deployment's probes and ports are the server's: its
/// arguments run the real binary, which answers the probe paths on the
/// port they name, and the Service targets that port.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_kubernetes_example_probes_paths_and_ports_the_server_has() {
    let docs = docs();
    let deployment = docs
        .iter()
        .find(|d| d["kind"].as_str() == Some("Deployment"))
        .unwrap();
    let service = docs
        .iter()
        .find(|d| d["kind"].as_str() == Some("Service"))
        .unwrap();
    let container = &deployment["spec"]["template"]["spec"]["containers"][0];
    let args = strings(&container["args"]);
    let port = &container["ports"][0];
    let (port_name, port_number) = (
        port["name"].as_str().unwrap(),
        port["containerPort"].as_i64().unwrap(),
    );

    // The server listens on the container port, on all interfaces (the
    // kubelet probes the pod's address, not its loopback).
    let bind = args
        .iter()
        .position(|a| a == "--bind")
        .map(|i| args[i + 1].clone())
        .unwrap();
    let bind: std::net::SocketAddr = bind.parse().unwrap();
    assert!(bind.ip().is_unspecified(), "{bind}");
    assert_eq!(i64::from(bind.port()), port_number);
    assert_eq!(
        pdao_server::DEFAULT_BIND.rsplit(':').next().unwrap(),
        port_number.to_string(),
        "the example keeps the default port"
    );
    // The Service sends its traffic there.
    let target = &service["spec"]["ports"][0]["targetPort"];
    assert!(target.as_str() == Some(port_name) || target.as_i64() == Some(port_number));
    assert_eq!(
        service["spec"]["selector"],
        deployment["spec"]["template"]["metadata"]["labels"]
    );
    // The selector of the Deployment matches its pods.
    assert_eq!(
        deployment["spec"]["selector"]["matchLabels"],
        deployment["spec"]["template"]["metadata"]["labels"]
    );

    // Run the manifest's arguments: same flags, the mounted paths mapped
    // to temporary ones, bound on loopback with an ephemeral port.
    let dir = tempfile::tempdir().unwrap();
    let mounts: Vec<(String, String)> = container["volumeMounts"]
        .as_vec()
        .unwrap()
        .iter()
        .map(|m| {
            let mount = m["mountPath"].as_str().unwrap().to_string();
            let local = dir.path().join(m["name"].as_str().unwrap());
            std::fs::create_dir_all(&local).unwrap();
            (mount, local.display().to_string())
        })
        .collect();
    let policies_arg = args
        .iter()
        .position(|a| a == "--policies")
        .map(|i| args[i + 1].clone())
        .unwrap();
    let (mount, local) = mounts
        .iter()
        .find(|(m, _)| policies_arg.starts_with(m.as_str()))
        .unwrap();
    let checkout = Path::new(local).join("checkout");
    copy_dir(&root().join("policies"), &checkout.join("policies"));
    let link = Path::new(local).join(
        policies_arg
            .strip_prefix(mount.as_str())
            .unwrap()
            .trim_start_matches('/')
            .split('/')
            .next()
            .unwrap(),
    );
    switch_link(&link, &checkout);
    let mapped: Vec<String> = args
        .iter()
        .map(|a| {
            if a == &bind.to_string() {
                return "127.0.0.1:0".to_string();
            }
            mounts
                .iter()
                .find(|(m, _)| a.starts_with(m.as_str()))
                .map(|(m, l)| a.replacen(m.as_str(), l, 1))
                .unwrap_or_else(|| a.clone())
        })
        .collect();
    let process = spawn_serve(&mapped.iter().map(String::as_str).collect::<Vec<_>>());
    let client = client();
    for (probe, wanted) in [("readinessProbe", "/readyz"), ("livenessProbe", "/healthz")] {
        let get = &container[probe]["httpGet"];
        let path = get["path"].as_str().unwrap();
        assert_eq!(path, wanted);
        assert!(
            get["port"].as_str() == Some(port_name) || get["port"].as_i64() == Some(port_number)
        );
        assert!(pdao_server::ROUTES.contains(&format!("GET {path}").as_str()));
        assert!(
            eventually(Duration::from_secs(60), || async {
                client
                    .get(process.url(path))
                    .send()
                    .await
                    .is_ok_and(|r| r.status() == StatusCode::OK)
            })
            .await,
            "{probe} {path} does not answer 200"
        );
    }
    // The replica decides, from the mounted bundle, and logs.
    let example = std::fs::read_to_string(root().join("examples/hangzhou-apply.json")).unwrap();
    let decision = decide(&client, &process, &example).await;
    assert_eq!(
        decision["policy_version"],
        policy_version(&checkout.join("policies"))
    );
    let log = mapped
        .iter()
        .position(|a| a == "--decision-log")
        .map(|i| mapped[i + 1].clone())
        .unwrap();
    let record: Value = serde_json::from_str(
        std::fs::read_to_string(&log)
            .unwrap()
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        record["request"]["operator"]["id"], "***",
        "the manifest's --mask applies"
    );
    process.signal("TERM");
    let (code, stderr) = process.wait(Duration::from_secs(60));
    assert_eq!(code, Some(0), "{stderr}");
}
