//! Faults with two `keyward serve` replicas on one real PostgreSQL:
//! the database restarted under load (503 with `Retry-After` meanwhile,
//! never a 500 or a hang, service back by itself, nothing acknowledged
//! lost), and a replica killed mid-burst of admin writes (nothing it
//! acknowledged lost, the other replica serving throughout).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::pg_cluster::PrivateCluster;
use crate::support::pg_region::PgRegion;
use crate::support::postgres::fresh_database_url;

/// How long a test client waits for any reply: past it, a request "hangs".
const CLIENT_TIMEOUT: Duration = Duration::from_secs(15);

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(CLIENT_TIMEOUT)
        .build()
        .unwrap()
}

/// Replies seen by a load loop, by status; and the 503s without a proper
/// body or `Retry-After`, and requests that got no reply at all.
#[derive(Debug, Default)]
struct Seen {
    by_status: BTreeMap<u16, usize>,
    bad_503: usize,
    no_reply: Vec<String>,
}

async fn token_request(
    http: &reqwest::Client,
    base: &str,
    id: &str,
    secret: &str,
) -> Result<reqwest::Response, reqwest::Error> {
    http.post(format!("{base}/oauth2/token"))
        .basic_auth(id, Some(secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
}

/// Asks `base` for tokens until `stop`, counting what comes back.
fn load(
    base: String,
    id: String,
    secret: String,
    stop: Arc<AtomicBool>,
) -> tokio::task::JoinHandle<Seen> {
    tokio::spawn(async move {
        let http = http();
        let mut seen = Seen::default();
        // Bounded: at most 20,000 requests, whatever happens.
        for _ in 0..20_000 {
            if stop.load(Ordering::SeqCst) {
                break;
            }
            match token_request(&http, &base, &id, &secret).await {
                Ok(r) => {
                    let status = r.status().as_u16();
                    *seen.by_status.entry(status).or_default() += 1;
                    if status == 503 {
                        let retry = r.headers().get("retry-after").cloned();
                        let body: Value = r.json().await.unwrap_or(Value::Null);
                        if retry.is_none() || body["error"] != "temporarily_unavailable" {
                            seen.bad_503 += 1;
                        }
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                }
                Err(e) => seen.no_reply.push(e.to_string()),
            }
        }
        seen
    })
}

#[allow(clippy::too_many_lines)] // One scenario whose steps build on each other, read top to bottom.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_database_restart_under_load_gives_503s_then_recovers_and_loses_nothing() {
    let cluster = PrivateCluster::start();
    let region = PgRegion::new(cluster.url.clone());
    let app = region.json(&["apps", "add", "--region", "us", "--name", "Load", "--json"]);
    let (id, secret) = (
        app["client_id"].as_str().unwrap().to_owned(),
        app["client_secret"].as_str().unwrap().to_owned(),
    );
    let (mut one, one_url) = region.serve_from(&region.data_dir);
    let (mut two, two_url) = region.serve_from(&region.replica_data_dir(1));
    let stop = Arc::new(AtomicBool::new(false));
    let loads = [
        load(one_url.clone(), id.clone(), secret.clone(), stop.clone()),
        load(two_url.clone(), id.clone(), secret.clone(), stop.clone()),
    ];
    // Acknowledged writes before the outage.
    let mut acked = vec![id.clone()];
    for i in 0..5 {
        let a = region.json(&[
            "apps",
            "add",
            "--region",
            "us",
            "--name",
            &format!("Before {i}"),
            "--json",
        ]);
        acked.push(a["client_id"].as_str().unwrap().to_owned());
    }
    tokio::time::sleep(Duration::from_millis(500)).await;

    cluster.stop();
    // While it is down, both replicas answer, with 503s.
    let http = http();
    for base in [&one_url, &two_url] {
        let r = token_request(&http, base, &id, &secret).await.unwrap();
        assert_eq!(r.status(), 503, "{base} while the database is down");
        assert_eq!(r.headers()["retry-after"], "1");
        assert_eq!(r.headers()["cache-control"], "no-store");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["error"], "temporarily_unavailable");
        assert!(!body.to_string().contains("127.0.0.1"), "{body}");
    }
    let down = region.output(&[
        "apps", "add", "--region", "us", "--name", "During", "--json",
    ]);
    assert!(
        !down.status.success(),
        "a write while the database is down fails"
    );
    assert!(
        String::from_utf8_lossy(&down.stderr).contains("unavailable"),
        "{}",
        String::from_utf8_lossy(&down.stderr)
    );
    tokio::time::sleep(Duration::from_secs(1)).await;

    cluster.start_again();
    let back = Instant::now();
    // Both replicas serve again by themselves (bounded only so a broken
    // build fails; the time it took is printed for BENCHMARKS.md).
    for base in [&one_url, &two_url] {
        let mut ok = false;
        for _ in 0..600 {
            let r = token_request(&http, base, &id, &secret).await.unwrap();
            if r.status() == 200 {
                ok = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(ok, "{base} did not recover within 30 s of the database");
    }
    println!(
        "recovered {:?} after the database came back",
        back.elapsed()
    );
    for i in 0..5 {
        let a = region.json(&[
            "apps",
            "add",
            "--region",
            "us",
            "--name",
            &format!("After {i}"),
            "--json",
        ]);
        acked.push(a["client_id"].as_str().unwrap().to_owned());
    }
    stop.store(true, Ordering::SeqCst);
    for l in loads {
        let seen = l.await.unwrap();
        println!("{seen:?}");
        assert!(
            seen.no_reply.is_empty(),
            "requests without a reply: {:?}",
            seen.no_reply
        );
        assert_eq!(
            seen.bad_503, 0,
            "a 503 without Retry-After or its JSON error"
        );
        assert!(
            seen.by_status.keys().all(|s| *s == 200 || *s == 503),
            "only tokens and 503s: {:?}",
            seen.by_status
        );
        assert!(seen.by_status.get(&200).copied().unwrap_or(0) > 0);
    }
    let listed = region.json(&["apps", "list", "--json"]);
    let ids: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["client_id"].as_str().unwrap())
        .collect();
    for id in &acked {
        assert!(ids.contains(&id.as_str()), "acknowledged {id} was lost");
    }
    one.kill().unwrap();
    two.kill().unwrap();
    one.wait().unwrap();
    two.wait().unwrap();
}

/// Creates through the admin API of `base` until the server stops
/// answering; the IDs it acknowledged.
fn admin_burst(
    base: String,
    bearer: String,
    writer: usize,
) -> tokio::task::JoinHandle<Vec<String>> {
    tokio::spawn(async move {
        let http = http();
        let mut acked = Vec::new();
        for i in 0..300 {
            let sent = http
                .post(format!("{base}/admin/v1/applications"))
                .bearer_auth(&bearer)
                .json(&serde_json::json!({
                    "client_name": format!("Burst {writer}-{i}"),
                    "scopes": [{"scope": "ess:account", "access": "read"}]
                }))
                .send()
                .await;
            let Ok(reply) = sent else { break };
            let Ok(app) = reply.json::<Value>().await else {
                break;
            };
            match app["client_id"].as_str() {
                Some(id) => acked.push(id.to_owned()),
                None => break,
            }
        }
        acked
    })
}

async fn admin_token(base: &str, admin: &Value) -> String {
    let r: Value = token_request(
        &http(),
        base,
        admin["client_id"].as_str().unwrap(),
        admin["client_secret"].as_str().unwrap(),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    r["access_token"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_replica_killed_mid_burst_loses_nothing_and_the_other_serves_throughout() {
    let region = PgRegion::new(fresh_database_url().await);
    let admin = region.json(&[
        "apps", "add", "--region", "us", "--name", "Admin", "--admin", "--json",
    ]);
    let user = region.json(&["apps", "add", "--region", "us", "--name", "User", "--json"]);
    let (mut one, one_url) = region.serve_from(&region.data_dir);
    let (mut two, two_url) = region.serve_from(&region.replica_data_dir(1));
    let bearer = admin_token(&one_url, &admin).await;

    let stop = Arc::new(AtomicBool::new(false));
    let serving = load(
        two_url.clone(),
        user["client_id"].as_str().unwrap().to_owned(),
        user["client_secret"].as_str().unwrap().to_owned(),
        stop.clone(),
    );
    let writers: Vec<_> = (0..4)
        .map(|w| admin_burst(one_url.clone(), bearer.clone(), w))
        .collect();
    // Kill once the burst is well under way.
    let http = http();
    for _ in 0..2000 {
        let listed = region.json(&["apps", "list", "--json"]);
        if listed.as_array().unwrap().len() >= 40 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    one.kill().unwrap();
    one.wait().unwrap();
    let mut acked = Vec::new();
    for w in writers {
        acked.extend(w.await.unwrap());
    }
    assert!(
        acked.len() >= 30,
        "the burst was under way: {}",
        acked.len()
    );
    // The other replica still serves, and holds every acknowledged create.
    let bearer_two = admin_token(&two_url, &admin).await;
    let listed: Value = http
        .get(format!("{two_url}/admin/v1/applications?limit=1000"))
        .bearer_auth(&bearer_two)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let items = listed
        .as_array()
        .or_else(|| listed["applications"].as_array())
        .unwrap_or_else(|| panic!("{listed}"));
    let ids: Vec<&str> = items
        .iter()
        .filter_map(|a| a["client_id"].as_str())
        .collect();
    for id in &acked {
        assert!(ids.contains(&id.as_str()), "acknowledged {id} was lost");
    }
    stop.store(true, Ordering::SeqCst);
    let seen = serving.await.unwrap();
    assert!(seen.no_reply.is_empty(), "{:?}", seen.no_reply);
    assert_eq!(
        seen.by_status.keys().copied().collect::<Vec<_>>(),
        [200],
        "{seen:?}"
    );
    two.kill().unwrap();
    two.wait().unwrap();
}
