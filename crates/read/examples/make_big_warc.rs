//! Builds a large CC-NEWS-like WARC.gz for memory and speed measurements: request, response
//! and metadata records, one gzip member each, from the HTML pages under the given
//! directories (plain or .gz), repeated with varying target URIs until the output reaches
//! the wanted compressed size.
//!
//! `cargo run --release -p copydesk-read --example make_big_warc -- OUT BYTES DIR...`
//! (scripts/make-big-warc.sh calls it with the shared data's page folders).

use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 3 {
        eprintln!("usage: make_big_warc OUT BYTES DIR...");
        std::process::exit(2);
    }
    let out_path = &args[0];
    let target: u64 = args[1].parse().expect("BYTES is a number");
    let mut pages: Vec<(String, Vec<u8>)> = Vec::new();
    for dir in &args[2..] {
        let mut files: Vec<PathBuf> = walk(Path::new(dir));
        files.sort();
        for f in files {
            let name = f.file_name().unwrap().to_string_lossy().to_string();
            if !(name.ends_with(".html") || name.ends_with(".html.gz") || name.ends_with(".htm")) {
                continue;
            }
            let raw = std::fs::read(&f).expect("readable page");
            let html = if raw.starts_with(&[0x1f, 0x8b]) {
                let mut v = Vec::new();
                if flate2::read::MultiGzDecoder::new(&raw[..])
                    .read_to_end(&mut v)
                    .is_err()
                {
                    continue;
                }
                v
            } else {
                raw
            };
            let stem = name
                .trim_end_matches(".gz")
                .trim_end_matches(".html")
                .to_string();
            pages.push((stem, html));
        }
    }
    assert!(!pages.is_empty(), "no HTML pages found");
    eprintln!(
        "{} pages; writing {out_path} up to {target} bytes",
        pages.len()
    );

    let mut out = Counting {
        inner: BufWriter::with_capacity(1 << 20, File::create(out_path).expect("create OUT")),
        n: 0,
    };
    member(
        &mut out,
        &record(
            "warcinfo",
            None,
            "2024-01-01T00:00:00Z",
            "application/warc-fields",
            b"software: copydesk make_big_warc\r\nformat: WARC File Format 1.1\r\n",
        ),
    );
    let mut responses = 0u64;
    let mut round = 0u64;
    while out.n < target {
        for (i, (stem, html)) in pages.iter().enumerate() {
            if out.n >= target {
                break;
            }
            let url = format!("https://news{}.example.com/{round}/{stem}", i % 97);
            let date = format!(
                "2024-{:02}-{:02}T{:02}:{:02}:{:02}Z",
                1 + round % 12,
                1 + i % 28,
                i % 24,
                round % 60,
                i % 60
            );
            let req = format!("GET /{round}/{stem} HTTP/1.1\r\nHost: news{}.example.com\r\nUser-Agent: bench\r\nAccept: text/html\r\n\r\n", i % 97);
            member(
                &mut out,
                &record(
                    "request",
                    Some(&url),
                    &date,
                    "application/http; request",
                    req.as_bytes(),
                ),
            );
            let mut http = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nServer: bench\r\nContent-Length: {}\r\n\r\n",
                html.len()
            )
            .into_bytes();
            http.extend_from_slice(html);
            member(
                &mut out,
                &record(
                    "response",
                    Some(&url),
                    &date,
                    "application/http; msgtype=response",
                    &http,
                ),
            );
            let meta = format!("fetchTimeMs: {}\r\n", 100 + i % 900);
            member(
                &mut out,
                &record(
                    "metadata",
                    Some(&url),
                    &date,
                    "application/warc-fields",
                    meta.as_bytes(),
                ),
            );
            responses += 1;
        }
        round += 1;
    }
    out.inner.flush().expect("write OUT");
    eprintln!(
        "{} bytes, {responses} response records, {} records",
        out.n,
        responses * 3 + 1
    );
}

struct Counting<W: Write> {
    inner: W,
    n: u64,
}

fn member<W: Write>(out: &mut Counting<W>, data: &[u8]) {
    let mut e = flate2::write::GzEncoder::new(
        Vec::with_capacity(data.len() / 3),
        flate2::Compression::fast(),
    );
    e.write_all(data).expect("compress");
    let gz = e.finish().expect("compress");
    out.inner.write_all(&gz).expect("write OUT");
    out.n += gz.len() as u64;
}

fn record(kind: &str, url: Option<&str>, date: &str, content_type: &str, block: &[u8]) -> Vec<u8> {
    let mut h = format!("WARC/1.1\r\nWARC-Type: {kind}\r\nWARC-Date: {date}\r\nWARC-Record-ID: <urn:uuid:{:032x}>\r\n", fastrand(block.len() as u64 ^ date.len() as u64));
    if let Some(u) = url {
        h.push_str(&format!("WARC-Target-URI: {u}\r\n"));
    }
    h.push_str(&format!(
        "Content-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
        block.len()
    ));
    let mut r = h.into_bytes();
    r.extend_from_slice(block);
    r.extend_from_slice(b"\r\n\r\n");
    r
}

/// A cheap counter-based id: record ids only need to look like ids here.
fn fastrand(seed: u64) -> u128 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed) ^ seed.rotate_left(17);
    (u128::from(n.wrapping_mul(0x9E37_79B9_7F4A_7C15)) << 64) | u128::from(n)
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}
