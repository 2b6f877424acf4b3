//! `keyward serve --tls-cert --tls-key`: the real binary serving HTTPS with a
//! certificate from a test CA made here (rcgen). reqwest and curl trust only
//! that CA; `SIGHUP` swaps the pair for new connections without dropping open
//! ones (seen by the certificate's serial number); a bad new pair is kept out.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair, SerialNumber};

struct Ca {
    issuer: CertifiedIssuer<'static, KeyPair>,
}

impl Ca {
    fn new() -> Self {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "Keyward test CA");
        Ca {
            issuer: CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap(),
        }
    }

    fn pem(&self) -> String {
        self.issuer.pem()
    }

    /// A server certificate for 127.0.0.1 with `serial`: (chain PEM, key PEM, DER).
    fn leaf(&self, serial: u64) -> (String, String, Vec<u8>) {
        let mut params =
            CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()]).unwrap();
        params.serial_number = Some(SerialNumber::from(serial));
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &*self.issuer).unwrap();
        let chain = format!("{}{}", cert.pem(), self.pem());
        (chain, key.serialize_pem(), cert.der().to_vec())
    }
}

struct Serving {
    child: Child,
    url: String,
    log: Arc<Mutex<String>>,
}

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Serving {
    fn hangup(&self) {
        let status = Command::new("kill")
            .args(["-HUP", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }
}

fn keyward(dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_keyward"));
    cmd.env("KEYWARD_DATA_DIR", dir.join("data"))
        .env("KEYWARD_CONFIG", dir.join("none.toml"));
    cmd
}

/// Registers an application; its (client ID, secret).
fn app(dir: &Path) -> (String, String) {
    let out = keyward(dir)
        .args(["apps", "add", "--region", "us", "--name", "TLS", "--json"])
        .args(["--scope", "ess:account=read"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    (
        v["client_id"].as_str().unwrap().to_owned(),
        v["client_secret"].as_str().unwrap().to_owned(),
    )
}

fn serve(dir: &Path) -> Serving {
    let mut child = keyward(dir)
        .args(["serve", "--region", "us", "--listen", "127.0.0.1:0"])
        .arg("--tls-cert")
        .arg(dir.join("cert.pem"))
        .arg("--tls-key")
        .arg(dir.join("key.pem"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap()
        .to_owned();
    let log = Arc::new(Mutex::new(String::new()));
    let stderr = child.stderr.take().unwrap();
    let sink = log.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            sink.lock().unwrap().push_str(&(line + "\n"));
        }
    });
    Serving { child, url, log }
}

/// The key file is made 0600, as `keyward serve` requires.
fn write_pair(dir: &Path, chain: &str, key: &str) {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::write(dir.join("cert.pem"), chain).unwrap();
    std::fs::write(dir.join("key.pem"), key).unwrap();
    std::fs::set_permissions(dir.join("key.pem"), std::fs::Permissions::from_mode(0o600)).unwrap();
}

fn client(ca: &Ca) -> reqwest::Client {
    reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(ca.pem().as_bytes()).unwrap()])
        .tls_info(true)
        .build()
        .unwrap()
}

/// A token over `client`; the DER of the certificate its connection saw.
async fn token(client: &reqwest::Client, url: &str, id: &str, secret: &str) -> Vec<u8> {
    let reply = client
        .post(format!("{url}/oauth2/token"))
        .basic_auth(id, Some(secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 200);
    let seen = reply
        .extensions()
        .get::<reqwest::tls::TlsInfo>()
        .and_then(|i| i.peer_certificate())
        .unwrap()
        .to_vec();
    let body: serde_json::Value = reply.json().await.unwrap();
    assert!(body["access_token"].is_string(), "{body}");
    seen
}

/// curl trusting only the test CA: the token reply and the certificates it saw.
fn curl_token(dir: &Path, url: &str, id: &str, secret: &str, extra: &[&str]) -> (bool, String) {
    let out = Command::new("curl")
        .args(["-sS", "--cacert"])
        .arg(dir.join("ca.pem"))
        .args(extra)
        .args(["-u", &format!("{id}:{secret}")])
        .args(["-d", "grant_type=client_credentials", "-w", "%{certs}"])
        .arg(format!("{url}/oauth2/token"))
        .env_remove("HTTPS_PROXY")
        .env_remove("https_proxy")
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), text)
}

/// Python requests, verifying against the test CA only, when the interop
/// venv is there (`scripts/test` sets `KEYWARD_INTEROP_PYTHON`).
fn python_requests(dir: &Path, url: &str, id: &str, secret: &str) {
    let Ok(python) = std::env::var("KEYWARD_INTEROP_PYTHON") else {
        eprintln!("Python requests over TLS skipped: KEYWARD_INTEROP_PYTHON is not set");
        return;
    };
    let script = "import os, requests\n\
        r = requests.post(os.environ['URL'] + '/oauth2/token', data={'grant_type': 'client_credentials'},\n\
            auth=(os.environ['ID'], os.environ['SECRET']), verify=os.environ['CA'], timeout=10)\n\
        r.raise_for_status()\n\
        assert r.json()['token_type'] == 'Bearer', r.text\n\
        print('python requests: ok')\n";
    let out = Command::new(python)
        .args(["-c", script])
        .env("URL", url)
        .env("ID", id)
        .env("SECRET", secret)
        .env("CA", dir.join("ca.pem"))
        .env_remove("HTTPS_PROXY")
        .env_remove("https_proxy")
        .env_remove("REQUESTS_CA_BUNDLE")
        .env_remove("CURL_CA_BUNDLE")
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && text.contains("python requests: ok"),
        "{text}"
    );
}

/// Whether curl's `%{certs}` shows a certificate with this serial.
fn curl_saw_serial(text: &str, serial: u64) -> bool {
    let want = format!("{serial:x}");
    text.lines()
        .filter_map(|l| l.strip_prefix("Serial Number:"))
        .any(|s| s.replace(':', "").trim().trim_start_matches('0') == want)
}

#[allow(clippy::too_many_lines)] // One scenario whose steps build on each other.
#[tokio::test]
async fn clients_verify_against_the_test_ca_and_sighup_swaps_the_pair() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let ca = Ca::new();
    std::fs::write(dir.join("ca.pem"), ca.pem()).unwrap();
    let (chain1, key1, der1) = ca.leaf(0x1001);
    write_pair(dir, &chain1, &key1);
    let (id, secret) = app(dir);
    let server = serve(dir);
    assert!(
        server.url.starts_with("https://127.0.0.1:"),
        "{}",
        server.url
    );

    // reqwest, trusting only the test CA.
    let kept = client(&ca);
    assert_eq!(token(&kept, &server.url, &id, &secret).await, der1);
    // The metadata advertises https.
    let meta: serde_json::Value = kept
        .get(format!(
            "{}/.well-known/oauth-authorization-server",
            server.url
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(meta["issuer"], server.url.as_str());
    assert!(
        meta["token_endpoint"]
            .as_str()
            .unwrap()
            .starts_with("https://")
    );
    // curl, trusting only the test CA; TLS 1.2 too, nothing older.
    let (ok, text) = curl_token(dir, &server.url, &id, &secret, &[]);
    assert!(ok && text.contains("access_token"), "{text}");
    assert!(curl_saw_serial(&text, 0x1001), "{text}");
    let (ok, text) = curl_token(
        dir,
        &server.url,
        &id,
        &secret,
        &["--tlsv1.2", "--tls-max", "1.2"],
    );
    assert!(ok && text.contains("access_token"), "TLS 1.2: {text}");
    let (ok, text) = curl_token(
        dir,
        &server.url,
        &id,
        &secret,
        &["--tlsv1", "--tls-max", "1.1"],
    );
    assert!(!ok, "TLS 1.1 must be refused: {text}");
    python_requests(dir, &server.url, &id, &secret);
    // Without the CA, curl refuses the server.
    let out = Command::new("curl")
        .args(["-sS", "-o", "/dev/null"])
        .arg(format!("{}/healthz", server.url))
        .output()
        .unwrap();
    assert!(!out.status.success());

    // A new pair and SIGHUP: new connections see it.
    let (chain2, key2, der2) = ca.leaf(0x2002);
    write_pair(dir, &chain2, &key2);
    server.hangup();
    let mut seen = Vec::new();
    for _ in 0..100 {
        seen = token(&client(&ca), &server.url, &id, &secret).await;
        if seen == der2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(seen, der2, "a new connection sees the new certificate");
    let (ok, text) = curl_token(dir, &server.url, &id, &secret, &[]);
    assert!(ok && curl_saw_serial(&text, 0x2002), "{text}");
    // The connection opened before the reload is still open, on the old pair.
    assert_eq!(token(&kept, &server.url, &id, &secret).await, der1);

    // A bad pair (a key that is not the certificate's) is refused, and the
    // good one stays in use.
    let (chain3, _, _) = ca.leaf(0x3003);
    write_pair(dir, &chain3, &key2);
    server.hangup();
    let mut logged = false;
    for _ in 0..100 {
        logged = server
            .log
            .lock()
            .unwrap()
            .contains("the old ones stay in use");
        if logged {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(logged, "{}", server.log.lock().unwrap());
    assert_eq!(token(&client(&ca), &server.url, &id, &secret).await, der2);
    let log = server.log.lock().unwrap().clone();
    assert!(!log.contains("PRIVATE KEY"), "{log}");
}

#[test]
fn a_bad_pair_at_start_is_refused_and_names_the_files() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let ca = Ca::new();
    let (chain, _, _) = ca.leaf(1);
    let (_, other_key, _) = ca.leaf(2);
    write_pair(dir, &chain, &other_key);
    let out = keyward(dir)
        .args(["serve", "--region", "us", "--listen", "127.0.0.1:0"])
        .arg("--tls-cert")
        .arg(dir.join("cert.pem"))
        .arg("--tls-key")
        .arg(dir.join("key.pem"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        stderr.contains("cert.pem") && stderr.contains("key.pem"),
        "{stderr}"
    );
    assert!(!stderr.contains("PRIVATE KEY"), "{stderr}");
}

/// A key file that group or others can read is refused before it is read,
/// with its mode and the `chmod` to run, like the data dir's key files; at
/// 0600 the same pair serves.
#[test]
fn a_key_file_others_can_read_is_refused_with_the_chmod_to_run() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let ca = Ca::new();
    let (chain, key, _) = ca.leaf(7);
    write_pair(dir, &chain, &key);
    let key_file = dir.join("key.pem");
    for mode in [0o640, 0o604] {
        std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(mode)).unwrap();
        let out = keyward(dir)
            .args(["serve", "--region", "us", "--listen", "127.0.0.1:0"])
            .arg("--tls-cert")
            .arg(dir.join("cert.pem"))
            .arg("--tls-key")
            .arg(&key_file)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{mode:o}: {stderr}");
        assert!(
            stderr.contains(&format!(
                "the TLS key file {} has mode {mode:o}",
                key_file.display()
            )) && stderr.contains(&format!("chmod 600 {}", key_file.display())),
            "{mode:o}: {stderr}"
        );
        assert!(!stderr.contains("PRIVATE KEY"), "{stderr}");
        assert!(out.stdout.is_empty(), "nothing was served");
    }
    std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(0o600)).unwrap();
    let server = serve(dir);
    assert!(
        server.url.starts_with("https://127.0.0.1:"),
        "{}",
        server.url
    );
}
