//! Live rule updates with `--watch`: the bundle directory (a symlink, as
//! git-sync and Kubernetes volumes switch it) is switched 20 times between
//! two versions while clients decide continuously; a broken bundle is
//! refused and the old one stays; a service without a valid bundle is not
//! ready until one appears.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;
use pdao_server::Config;
use reqwest::StatusCode;
use serde_json::Value;

struct Answer {
    started: Instant,
    status: u16,
    version: String,
    decision: String,
}

async fn active_version(client: &reqwest::Client, url: &str) -> Option<String> {
    let info: Value = client.get(url).send().await.ok()?.json().await.ok()?;
    info["policy_version"].as_str().map(str::to_string)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_switches_under_load_lose_no_request_and_mix_no_versions() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("policies");
    let (v1, v2) = two_versions(dir.path());
    let (p1, p2) = (policy_version(&v1), policy_version(&v2));
    assert_ne!(p1, p2);
    switch_link(&link, &v1);
    let server = start(Config {
        policies: Some(link.clone()),
        watch: true,
        watch_debounce: Duration::from_millis(50),
        ..config()
    })
    .await;
    let client = client();
    let request = term_request();
    let answers = Arc::new(Mutex::new(Vec::<Answer>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let mut clients = Vec::new();
    for _ in 0..4 {
        let (client, url, request) = (client.clone(), server.url("/v1/decide"), request.clone());
        let (answers, stop) = (Arc::clone(&answers), Arc::clone(&stop));
        clients.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let started = Instant::now();
                let response = client
                    .post(&url)
                    .header("content-type", "application/json")
                    .body(request.clone())
                    .send()
                    .await
                    .expect("no request fails");
                let status = response.status().as_u16();
                let body: Value = response.json().await.expect("a JSON answer");
                answers.lock().unwrap().push(Answer {
                    started,
                    status,
                    version: body["policy_version"].as_str().unwrap_or("").to_string(),
                    decision: body["decision"].as_str().unwrap_or("").to_string(),
                });
            }
        }));
    }
    let bundle = server.url("/v1/bundle");
    for switch in 1..=20 {
        let target = if switch % 2 == 1 { &v2 } else { &v1 };
        if switch == 20 {
            // Before the last switch, v2 is active: the last one is seen to change it.
            assert!(
                eventually(Duration::from_secs(60), || async {
                    active_version(&client, &bundle).await.as_deref() == Some(p2.as_str())
                })
                .await,
                "switch 19 (to v2) was not picked up"
            );
        }
        switch_link(&link, target);
        tokio::time::sleep(Duration::from_millis(40 + 37 * (switch % 5))).await;
    }
    assert!(
        eventually(Duration::from_secs(60), || async {
            active_version(&client, &bundle).await.as_deref() == Some(p1.as_str())
        })
        .await,
        "the last switch (to v1) was not picked up"
    );
    let settled = Instant::now();
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, Ordering::Relaxed);
    for c in clients {
        c.await.unwrap();
    }
    let answers = std::mem::take(&mut *answers.lock().unwrap());
    assert!(answers.len() > 40, "only {} decisions", answers.len());
    let mut seen = std::collections::BTreeSet::new();
    for a in answers.iter() {
        assert_eq!(a.status, 200, "a request failed during the switches");
        assert!(
            a.version == p1 || a.version == p2,
            "unknown version {}",
            a.version
        );
        // Each decision was made entirely on the version it names.
        let expected = if a.version == p1 { "deny" } else { "allow" };
        assert_eq!(a.decision, expected, "{} decided {}", a.version, a.decision);
        seen.insert(a.version.clone());
    }
    assert_eq!(seen.len(), 2, "both versions were served");
    let after: Vec<&Answer> = answers.iter().filter(|a| a.started > settled).collect();
    assert!(!after.is_empty());
    assert!(
        after.iter().all(|a| a.version == p1),
        "after the last switch, all carry the new version"
    );
    let info: Value = client
        .get(&bundle)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(info["reload"]["succeeded"].as_u64().unwrap() >= 3, "{info}");
    assert_eq!(info["reload"]["failed"], 0);
    server.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_bundle_is_refused_and_the_old_one_stays() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("policies");
    let (v1, v2) = two_versions(dir.path());
    switch_link(&link, &v1);
    let server = start(Config {
        policies: Some(link.clone()),
        watch: true,
        watch_debounce: Duration::from_millis(50),
        ..config()
    })
    .await;
    let client = client();
    let bundle = server.url("/v1/bundle");
    switch_link(
        &link,
        &root().join("tests/broken_bundles/schema-unknown-attribute"),
    );
    assert!(
        eventually(Duration::from_secs(60), || async {
            let info: Value = client
                .get(&bundle)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            info["reload"]["last_attempt_failed"] == true
        })
        .await,
        "the broken bundle was not tried"
    );
    let info: Value = client
        .get(&bundle)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(info["policy_version"], policy_version(&v1));
    let failure = &info["reload"]["last_failure"];
    assert_eq!(failure["trigger"], "watch");
    assert!(!failure["problems"].as_array().unwrap().is_empty());
    assert!(failure["problems"][0]["line"].is_u64(), "{failure}");
    let response = client
        .post(server.url("/v1/decide"))
        .body(term_request())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let decision: Value = response.json().await.unwrap();
    assert_eq!(decision["policy_version"], policy_version(&v1));
    let metrics = client
        .get(server.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("pdao_bundle_reloads_total{result=\"failure\"} 1"),
        "{metrics}"
    );
    // A fixed bundle is picked up.
    switch_link(&link, &v2);
    assert!(
        eventually(Duration::from_secs(60), || async {
            active_version(&client, &bundle).await == Some(policy_version(&v2))
        })
        .await
    );
    server.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_valid_bundle_the_service_is_alive_but_not_ready() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("policies");
    switch_link(&link, &root().join("tests/broken_bundles/syntax-error"));
    let server = pdao_server::Server::bind(Config {
        policies: Some(link.clone()),
        watch: true,
        watch_debounce: Duration::from_millis(50),
        ..config()
    })
    .await
    .unwrap();
    let server = start_server(server, false).await;
    let client = client();
    assert!(
        eventually(Duration::from_secs(60), || async {
            let info = client.get(server.url("/v1/bundle")).send().await.unwrap();
            info.status() == StatusCode::SERVICE_UNAVAILABLE
                && info.text().await.unwrap().contains("the last load failed")
        })
        .await
    );
    assert_eq!(
        client
            .get(server.url("/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    let ready = client.get(server.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(ready.json::<Value>().await.unwrap()["code"], "no_bundle");
    let response = client
        .post(server.url("/v1/decide"))
        .body(term_request())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(response.json::<Value>().await.unwrap()["code"], "no_bundle");
    let (v1, _) = two_versions(dir.path());
    switch_link(&link, &v1);
    tokio::time::timeout(Duration::from_secs(60), server.handle.ready())
        .await
        .expect("ready once a valid bundle appears");
    assert_eq!(
        client
            .get(server.url("/readyz"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    server.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_watch_a_bundle_that_does_not_load_stops_the_service() {
    let server = pdao_server::Server::bind(Config {
        policies: Some(root().join("tests/broken_bundles/syntax-error")),
        ..config()
    })
    .await
    .unwrap();
    let running = start_server(server, false).await;
    let mut running = running;
    let task = running.task.take().unwrap();
    let result = tokio::time::timeout(Duration::from_secs(60), task)
        .await
        .expect("the service stops")
        .unwrap();
    match result {
        Err(pdao_server::ServeError::Bundle(failure)) => {
            assert_eq!(failure.problems[0].code, "syntax");
            assert_eq!(failure.trigger, "start");
        }
        other => panic!("expected a bundle error, got {other:?}"),
    }
}
