//! A server on a free loopback port over a fresh store, and a small HTTP/1.1 client.
//!
//! The client writes the request line by hand so that tests can send exactly the bytes a
//! careless or hostile client would (raw `../`, bad percent-encoding, bodies that lie
//! about their length), which a full client library would normalise or refuse.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use copydesk_serve::Config;
use copydesk_store::Store;

pub const TOKEN: &str = "test-token-4f9a";

pub struct Server {
    pub addr: SocketAddr,
    pub store: Option<Arc<Store>>,
    _runtime: Option<tokio::runtime::Runtime>,
    _dir: Option<tempfile::TempDir>,
}

pub fn examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples")
}

/// A server over an empty store.
pub fn start(config: Config) -> Server {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Arc::new(Store::open(dir.path()).expect("open store"));
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).expect("bind a free loopback port");
    let addr = listener.local_addr().expect("local addr");
    let app = copydesk_serve::router(store.clone(), config);
    runtime.spawn(async move { copydesk_serve::serve(listener, app).await });
    Server { addr, store: Some(store), _runtime: Some(runtime), _dir: Some(dir) }
}

pub fn config_with_token() -> Config {
    Config { token: Some(TOKEN.into()), ..Config::default() }
}

/// A server whose store holds examples/corpus.jsonl, ingested through the API.
pub fn start_with_examples() -> Server {
    let server = start(config_with_token());
    let corpus = std::fs::read(examples_dir().join("corpus.jsonl")).expect("examples/corpus.jsonl");
    let r = server.post("/api/articles", &[("Authorization", &format!("Bearer {TOKEN}"))], &corpus);
    assert_eq!(r.status, 200, "ingest of the examples: {}", r.text());
    server
}

#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }
    /// Asserts the error shape every error must have, and returns the message.
    pub fn error(&self, status: u16) -> String {
        assert_eq!(self.status, status, "expected {status}, got {}: {}", self.status, self.text());
        assert!(
            self.header("content-type").is_some_and(|v| v.starts_with("application/json")),
            "error without a JSON content type: {:?}",
            self.headers
        );
        let v = self.json();
        assert_eq!(v["status"], status, "status field of {v}");
        let message = v["error"].as_str().unwrap_or_else(|| panic!("no error message in {v}")).to_string();
        assert!(!message.is_empty());
        message
    }
}

impl Server {
    /// A client of a server started elsewhere.
    pub fn at(addr: SocketAddr) -> Server {
        Server { addr, store: None, _runtime: None, _dir: None }
    }
    pub fn get(&self, target: &str) -> Response {
        self.request("GET", target, &[], None)
    }
    pub fn post(&self, target: &str, headers: &[(&str, &str)], body: &[u8]) -> Response {
        self.request("POST", target, headers, Some(body))
    }
    pub fn post_json(&self, target: &str, body: &serde_json::Value) -> Response {
        self.post(target, &[("Content-Type", "application/json")], body.to_string().as_bytes())
    }
    pub fn request(&self, method: &str, target: &str, headers: &[(&str, &str)], body: Option<&[u8]>) -> Response {
        let mut req = format!("{method} {target} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n", self.addr);
        for (k, v) in headers {
            req.push_str(&format!("{k}: {v}\r\n"));
        }
        if let Some(b) = body {
            req.push_str(&format!("Content-Length: {}\r\n", b.len()));
        }
        req.push_str("\r\n");
        let mut bytes = req.into_bytes();
        bytes.extend_from_slice(body.unwrap_or_default());
        self.raw(&bytes)
    }

    /// Sends `request` as given and reads the answer to the end of the connection.
    pub fn raw(&self, request: &[u8]) -> Response {
        let mut s = TcpStream::connect(self.addr).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
        s.write_all(request).expect("send");
        let mut buf = Vec::new();
        s.read_to_end(&mut buf).expect("read the answer");
        parse_response(&buf)
    }
}

pub fn parse_response(buf: &[u8]) -> Response {
    let split = buf.windows(4).position(|w| w == b"\r\n\r\n").unwrap_or_else(|| panic!("no header end in {:?}", String::from_utf8_lossy(buf)));
    let head = std::str::from_utf8(&buf[..split]).expect("headers are ASCII");
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap();
    let status: u16 = status_line.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or_else(|| panic!("status line {status_line:?}"));
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':').map(|(k, v)| (k.trim().to_string(), v.trim().to_string())))
        .collect();
    let mut body = buf[split + 4..].to_vec();
    let chunked = headers.iter().any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    if chunked {
        body = dechunk(&body);
    }
    Response { status, headers, body }
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(eol) = b.windows(2).position(|w| w == b"\r\n") else { break };
        let size = usize::from_str_radix(std::str::from_utf8(&b[..eol]).unwrap().split(';').next().unwrap().trim(), 16).unwrap();
        if size == 0 {
            break;
        }
        out.extend_from_slice(&b[eol + 2..eol + 2 + size]);
        b = &b[eol + 2 + size + 2..];
    }
    out
}

/// Percent-encodes everything but unreserved characters.
pub fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| if b.is_ascii_alphanumeric() || b"-._~".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}
