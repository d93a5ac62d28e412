//! Hand-made WARC/ARC inputs: gzip member offsets, HTTP encodings, and every kind of damage
//! the reader must report and read past.

use std::io::{Cursor, Write};

use copydesk_read::{source, Item, ReadOptions, SourceFormat};

const HTML: &str =
    "<!DOCTYPE html><html><head><title>T</title></head><body><p>Hello news.</p></body></html>";

fn record(warc_type: &str, uri: &str, content_type: &str, block: &[u8]) -> Vec<u8> {
    let mut r = format!(
        "WARC/1.0\r\nWARC-Type: {warc_type}\r\nWARC-Target-URI: {uri}\r\nWARC-Date: 2024-01-02T03:04:05Z\r\n\
         WARC-Record-ID: <urn:uuid:x>\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
        block.len()
    )
    .into_bytes();
    r.extend_from_slice(block);
    r.extend_from_slice(b"\r\n\r\n");
    r
}

fn http_response(headers: &str, body: &[u8]) -> Vec<u8> {
    let mut b = format!("HTTP/1.1 200 OK\r\n{headers}\r\n").into_bytes();
    b.extend_from_slice(body);
    b
}

fn response(uri: &str, headers: &str, body: &[u8]) -> Vec<u8> {
    record(
        "response",
        uri,
        "application/http; msgtype=response",
        &http_response(headers, body),
    )
}

fn request(uri: &str) -> Vec<u8> {
    record(
        "request",
        uri,
        "application/http; msgtype=request",
        b"GET / HTTP/1.1\r\nHost: example.com\r\n\r\n",
    )
}

fn warcinfo() -> Vec<u8> {
    record(
        "warcinfo",
        "",
        "application/warc-fields",
        b"software: test\r\n",
    )
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// Gzips each record as its own member; returns the file and each member's offset.
fn per_record_gzip(records: &[Vec<u8>]) -> (Vec<u8>, Vec<u64>) {
    let mut out = Vec::new();
    let mut offsets = Vec::new();
    for r in records {
        offsets.push(out.len() as u64);
        out.extend_from_slice(&gzip(r));
    }
    (out, offsets)
}

/// Payload bytes, shown by length in failure messages.
#[derive(PartialEq)]
struct Bytes(Vec<u8>);

impl std::fmt::Debug for Bytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "<{} bytes>", self.0.len())
    }
}

impl PartialEq<&[u8]> for Bytes {
    fn eq(&self, other: &&[u8]) -> bool {
        self.0 == *other
    }
}

#[derive(Debug)]
enum Got {
    Page {
        offset: u64,
        url: Option<String>,
        bytes: Bytes,
        date: Option<String>,
        ct: Option<String>,
        arc: bool,
    },
    Skip {
        offset: u64,
        reason: String,
    },
    Error {
        offset: Option<u64>,
        message: String,
    },
}

fn read_with(bytes: Vec<u8>, name: &str, opts: &ReadOptions) -> Vec<Got> {
    let opened = source::open_reader(Box::new(Cursor::new(bytes)), name).expect("opens");
    source::items(opened, opts)
        .map(|it| match it {
            Item::Page(p) => {
                assert_eq!(p.origin.path, name);
                Got::Page {
                    offset: p.origin.offset.unwrap(),
                    url: p.url,
                    bytes: Bytes(p.bytes),
                    date: p.crawl_date,
                    ct: p.content_type,
                    arc: p.format == SourceFormat::Arc,
                }
            }
            Item::Skipped { origin, reason } => Got::Skip {
                offset: origin.offset.unwrap(),
                reason,
            },
            Item::Error(e) => Got::Error {
                offset: e.origin.offset,
                message: e.message,
            },
            Item::Article(_) => panic!("archives give pages"),
        })
        .collect()
}

fn read(bytes: Vec<u8>, name: &str) -> Vec<Got> {
    read_with(bytes, name, &ReadOptions::default())
}

fn offsets(items: &[Got]) -> Vec<Option<u64>> {
    items
        .iter()
        .map(|g| match g {
            Got::Page { offset, .. } | Got::Skip { offset, .. } => Some(*offset),
            Got::Error { offset, .. } => *offset,
        })
        .collect()
}

#[test]
fn gzip_per_record_offsets_are_member_offsets() {
    let recs = vec![
        warcinfo(),
        request("http://example.com/a"),
        response(
            "<http://example.com/a>",
            "Content-Type: text/html; charset=utf-8\r\n",
            HTML.as_bytes(),
        ),
        response(
            "http://example.com/logo.png",
            "Content-Type: image/png\r\n",
            b"\x89PNG....",
        ),
    ];
    let (file, member_offsets) = per_record_gzip(&recs);
    let items = read(file, "a.warc.gz");
    assert_eq!(items.len(), 4, "{items:?}");
    assert_eq!(
        offsets(&items),
        member_offsets.iter().map(|&o| Some(o)).collect::<Vec<_>>()
    );
    match &items[2] {
        Got::Page {
            url,
            bytes,
            date,
            ct,
            arc,
            ..
        } => {
            assert_eq!(url.as_deref(), Some("http://example.com/a"));
            assert_eq!(*bytes, HTML.as_bytes());
            assert_eq!(date.as_deref(), Some("2024-01-02T03:04:05Z"));
            assert_eq!(ct.as_deref(), Some("text/html; charset=utf-8"));
            assert!(!arc);
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(&items[3], Got::Skip { reason, .. } if reason.contains("image/png")));
}

#[test]
fn plain_offsets_are_record_header_offsets() {
    let recs = [
        warcinfo(),
        response(
            "http://x.org/",
            "Content-Type: text/html\r\n",
            HTML.as_bytes(),
        ),
    ];
    let file: Vec<u8> = recs.concat();
    let items = read(file, "a.warc");
    assert_eq!(offsets(&items), vec![Some(0), Some(recs[0].len() as u64)]);
    assert!(matches!(items[1], Got::Page { .. }));
}

#[test]
fn several_records_in_one_member_and_records_across_members() {
    let recs = [
        warcinfo(),
        response(
            "http://x.org/1",
            "Content-Type: text/html\r\n",
            HTML.as_bytes(),
        ),
        request("http://x.org/2"),
    ];
    // The whole file as one member: all records, all at offset 0.
    let items = read(gzip(&recs.concat()), "one.warc.gz");
    assert_eq!(offsets(&items), vec![Some(0); 3], "{items:?}");
    assert!(matches!(items[1], Got::Page { .. }));
    // A record split over two members: it is named by the member it starts in.
    let all = recs.concat();
    let split = recs[0].len() + 100;
    let mut file = gzip(&all[..split]);
    let second = file.len() as u64;
    file.extend_from_slice(&gzip(&all[split..]));
    let items = read(file, "split.warc.gz");
    assert_eq!(
        offsets(&items),
        vec![Some(0), Some(0), Some(second)],
        "{items:?}"
    );
}

#[test]
fn chunked_and_content_encoded_bodies_are_undone() {
    let html = HTML.as_bytes();
    let mut chunked = Vec::new();
    for part in html.chunks(17) {
        chunked.extend_from_slice(format!("{:x}\r\n", part.len()).as_bytes());
        chunked.extend_from_slice(part);
        chunked.extend_from_slice(b"\r\n");
    }
    chunked.extend_from_slice(b"0\r\n\r\n");
    let gz_body = gzip(html);
    let mut gz_chunked = Vec::new();
    gz_chunked.extend_from_slice(format!("{:x};ext=1\r\n", gz_body.len()).as_bytes());
    gz_chunked.extend_from_slice(&gz_body);
    gz_chunked.extend_from_slice(b"\r\n0\r\n\r\n");
    let mut deflate = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    deflate.write_all(html).unwrap();
    let deflate = deflate.finish().unwrap();
    let recs = [
        response(
            "http://x.org/c",
            "Transfer-Encoding: chunked\r\nContent-Type: text/html\r\n",
            &chunked,
        ),
        response(
            "http://x.org/g",
            "Content-Type: text/html\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n",
            &gz_chunked,
        ),
        response(
            "http://x.org/d",
            "Content-Type: text/html\r\nContent-Encoding: deflate\r\n",
            &deflate,
        ),
        // No Content-Type: sniffed.
        response("http://x.org/s", "Server: x\r\n", html),
        // A status line without a reason phrase, LF-only head.
        record(
            "response",
            "http://x.org/n",
            "application/http; msgtype=response",
            &{
                let mut b = b"HTTP/1.1 200\nContent-Type: text/html\n\n".to_vec();
                b.extend_from_slice(html);
                b
            },
        ),
    ];
    let items = read(recs.concat(), "enc.warc");
    assert_eq!(items.len(), 5, "{items:?}");
    for it in &items {
        match it {
            Got::Page { bytes, .. } => assert_eq!(*bytes, html),
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn wrong_chunk_sizes_are_an_error_and_reading_goes_on() {
    let bad = b"10\r\n<html><body>\r\nffff\r\nshort\r\n0\r\n\r\n";
    let recs = [
        response(
            "http://x.org/bad",
            "Transfer-Encoding: chunked\r\nContent-Type: text/html\r\n",
            bad,
        ),
        response(
            "http://x.org/ok",
            "Content-Type: text/html\r\n",
            HTML.as_bytes(),
        ),
    ];
    let items = read(recs.concat(), "chunks.warc");
    assert!(
        matches!(&items[0], Got::Error { offset: Some(0), message } if message.contains("chunk")),
        "{items:?}"
    );
    assert!(matches!(&items[1], Got::Page { .. }), "{items:?}");
}

#[test]
fn truncated_gzip_member_is_reported_and_the_next_member_read() {
    let recs = [
        warcinfo(),
        response(
            "http://x.org/1",
            "Content-Type: text/html\r\n",
            HTML.repeat(50).as_bytes(),
        ),
        response(
            "http://x.org/2",
            "Content-Type: text/html\r\n",
            HTML.as_bytes(),
        ),
    ];
    let members: Vec<Vec<u8>> = recs.iter().map(|r| gzip(r)).collect();
    let mut file = members[0].clone();
    let damaged_at = file.len() as u64;
    file.extend_from_slice(&members[1][..members[1].len() / 2]);
    let third_at = file.len() as u64;
    file.extend_from_slice(&members[2]);
    let items = read(file, "t.warc.gz");
    assert!(matches!(items[0], Got::Skip { offset: 0, .. }), "{items:?}");
    assert!(
        items
            .iter()
            .any(|g| matches!(g, Got::Error { offset: Some(o), .. } if *o == damaged_at)),
        "the damaged member is named: {items:?}"
    );
    assert!(
        matches!(items.last(), Some(Got::Page { offset, url, .. }) if *offset == third_at && url.as_deref() == Some("http://x.org/2")),
        "{items:?}"
    );
    // Cut at the end of the file: one error for the cut record.
    let mut file = members[0].clone();
    file.extend_from_slice(&members[1][..members[1].len() / 2]);
    let items = read(file, "end.warc.gz");
    assert_eq!(items.len(), 2, "{items:?}");
    assert!(
        matches!(&items[1], Got::Error { offset: Some(o), message } if *o == damaged_at && message.contains("truncated"))
    );
}

#[test]
fn corrupt_member_and_garbage_between_members() {
    let recs = vec![
        response(
            "http://x.org/1",
            "Content-Type: text/html\r\n",
            HTML.as_bytes(),
        ),
        response(
            "http://x.org/2",
            "Content-Type: text/html\r\n",
            HTML.as_bytes(),
        ),
        response(
            "http://x.org/3",
            "Content-Type: text/html\r\n",
            HTML.as_bytes(),
        ),
    ];
    let (mut file, offs) = per_record_gzip(&recs);
    // Flip bytes inside the second member's deflate data.
    let mid = (offs[1] + (offs[2] - offs[1]) / 2) as usize;
    for b in &mut file[mid..mid + 8] {
        *b ^= 0x5a;
    }
    // Junk between the second and third member.
    let mut with_junk = file[..offs[2] as usize].to_vec();
    let junk_at = with_junk.len() as u64;
    with_junk.extend_from_slice(b"this is not gzip at all");
    let third_at = with_junk.len() as u64;
    with_junk.extend_from_slice(&file[offs[2] as usize..]);
    let items = read(with_junk, "c.warc.gz");
    assert!(
        matches!(&items[0], Got::Page { offset: 0, .. }),
        "{items:?}"
    );
    assert!(
        items
            .iter()
            .any(|g| matches!(g, Got::Error { offset: Some(o), .. } if *o == offs[1])),
        "corrupt member named: {items:?}"
    );
    let _ = junk_at;
    assert!(
        matches!(items.last(), Some(Got::Page { offset, .. }) if *offset == third_at),
        "{items:?}"
    );
    // Junk between sound members is named by its own offset.
    let (file, offs) = per_record_gzip(&recs[..2]);
    let mut f = file[..offs[1] as usize].to_vec();
    let junk_at = f.len() as u64;
    f.extend_from_slice(b"JUNK\x1f\x00JUNK");
    let second_at = f.len() as u64;
    f.extend_from_slice(&file[offs[1] as usize..]);
    let items = read(f, "j.warc.gz");
    assert_eq!(items.len(), 3, "{items:?}");
    assert!(
        matches!(&items[1], Got::Error { offset: Some(o), message } if *o == junk_at && message.contains("not a gzip"))
    );
    assert!(matches!(&items[2], Got::Page { offset, .. } if *offset == second_at));
}

#[test]
fn garbage_and_bad_lengths_in_plain_warc() {
    let r1 = response(
        "http://x.org/1",
        "Content-Type: text/html\r\n",
        HTML.as_bytes(),
    );
    let r2 = response(
        "http://x.org/2",
        "Content-Type: text/html\r\n",
        HTML.as_bytes(),
    );
    // Garbage between records.
    let mut f = r1.clone();
    let garbage_at = f.len() as u64;
    f.extend_from_slice(b"some stray bytes\r\nmore\r\n");
    let r2_at = f.len() as u64;
    f.extend_from_slice(&r2);
    let items = read(f, "g.warc");
    assert_eq!(items.len(), 3, "{items:?}");
    assert!(matches!(&items[1], Got::Error { offset: Some(o), .. } if *o == garbage_at));
    assert!(matches!(&items[2], Got::Page { offset, .. } if *offset == r2_at));

    // A Content-Length too long: it runs into the next record, which is still read.
    let text = String::from_utf8_lossy(&r1).to_string();
    let len = HTML.len() + "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n".len();
    let long = text.replace(
        &format!("Content-Length: {len}\r\n"),
        &format!("Content-Length: {}\r\n", len + 60),
    );
    let mut f = long.into_bytes();
    let r2_at = f.len() as u64;
    f.extend_from_slice(&r2);
    let items = read(f, "l.warc");
    assert_eq!(items.len(), 2, "{items:?}");
    assert!(
        matches!(&items[0], Got::Error { offset: Some(0), message } if message.contains("Content-Length"))
    );
    assert!(
        matches!(&items[1], Got::Page { offset, .. } if *offset == r2_at),
        "{items:?}"
    );

    // A Content-Length that is no number.
    let bad = text.replace(
        &format!("Content-Length: {len}\r\n"),
        "Content-Length: lots\r\n",
    );
    let mut f = bad.into_bytes();
    let r2_at = f.len() as u64;
    f.extend_from_slice(&r2);
    let items = read(f, "n.warc");
    assert_eq!(items.len(), 2, "{items:?}");
    assert!(
        matches!(&items[0], Got::Error { offset: Some(0), message } if message.contains("Content-Length"))
    );
    assert!(
        matches!(&items[1], Got::Page { offset, .. } if *offset == r2_at),
        "{items:?}"
    );

    // Truncated at the end.
    let mut f = r1.clone();
    f.extend_from_slice(&r2[..r2.len() - 30]);
    let items = read(f, "e.warc");
    assert_eq!(items.len(), 2, "{items:?}");
    assert!(
        matches!(&items[1], Got::Error { offset: Some(o), message } if *o == r1.len() as u64 && message.contains("truncated"))
    );

    // Header cut inside.
    let items = read(r1[..40].to_vec(), "h.warc");
    assert!(
        matches!(
            &items[..],
            [Got::Error {
                offset: Some(0),
                ..
            }]
        ),
        "{items:?}"
    );
}

#[test]
fn oversized_payloads_are_skipped_with_an_error() {
    let big = format!("<html><body>{}</body></html>", "x".repeat(5000));
    let recs = [
        response(
            "http://x.org/big",
            "Content-Type: text/html\r\n",
            big.as_bytes(),
        ),
        response(
            "http://x.org/img",
            "Content-Type: image/jpeg\r\n",
            &[0u8; 5000],
        ),
        response(
            "http://x.org/ok",
            "Content-Type: text/html\r\n",
            HTML.as_bytes(),
        ),
    ];
    let opts = ReadOptions {
        max_document_bytes: Some(1000),
        ..Default::default()
    };
    let items = read_with(recs.concat(), "big.warc", &opts);
    assert_eq!(items.len(), 3, "{items:?}");
    assert!(
        matches!(&items[0], Got::Error { offset: Some(0), message } if message.contains("limit")),
        "{items:?}"
    );
    assert!(matches!(&items[1], Got::Skip { .. }), "{items:?}");
    assert!(matches!(&items[2], Got::Page { .. }), "{items:?}");
}

#[test]
fn non_html_records_are_skipped_with_a_reason() {
    let recs = [
        warcinfo(),
        request("http://x.org/"),
        record(
            "revisit",
            "http://x.org/",
            "application/http; msgtype=response",
            b"HTTP/1.1 200 OK\r\n\r\n",
        ),
        record(
            "metadata",
            "http://x.org/",
            "application/warc-fields",
            b"via: x\r\n",
        ),
        response(
            "http://x.org/404",
            "Content-Type: text/html\r\n",
            HTML.as_bytes(),
        )
        .to_vec(),
        record(
            "resource",
            "http://x.org/r.html",
            "text/html",
            HTML.as_bytes(),
        ),
        record("resource", "http://x.org/r.json", "application/json", b"{}"),
        record(
            "response",
            "dns:x.org",
            "text/dns",
            b"x.org. 300 IN A 1.2.3.4",
        ),
    ];
    let items = read(recs.concat(), "s.warc");
    let kinds: Vec<&str> = items
        .iter()
        .map(|g| match g {
            Got::Page { .. } => "page",
            Got::Skip { .. } => "skip",
            Got::Error { .. } => "error",
        })
        .collect();
    assert_eq!(
        kinds,
        ["skip", "skip", "skip", "skip", "page", "page", "skip", "skip"],
        "{items:?}"
    );
}

#[test]
fn arc_files_plain_and_gzipped() {
    let header_block = "1 0 Test\nURL IP-address Archive-date Content-type Archive-length\n";
    let filedesc = format!(
        "filedesc://t.arc 0.0.0.0 20240102030405 text/plain {}\n{header_block}\n",
        header_block.len()
    );
    let http = http_response("Content-Type: text/html\r\n", HTML.as_bytes());
    let rec = |url: &str| {
        let mut r = format!("{url} 1.2.3.4 20240102030405 text/html {}\n", http.len()).into_bytes();
        r.extend_from_slice(&http);
        r.push(b'\n');
        r
    };
    let r1 = rec("http://x.org/a b");
    let r2 = rec("http://x.org/c");
    let plain = [filedesc.as_bytes(), &r1, &r2].concat();
    let items = read(plain.clone(), "t.arc");
    assert_eq!(items.len(), 3, "{items:?}");
    assert!(matches!(&items[0], Got::Skip { offset: 0, .. }));
    match &items[1] {
        Got::Page {
            offset,
            url,
            date,
            arc,
            bytes,
            ..
        } => {
            assert_eq!(*offset, filedesc.len() as u64);
            assert_eq!(url.as_deref(), Some("http://x.org/a%20b"));
            assert_eq!(date.as_deref(), Some("2024-01-02T03:04:05Z"));
            assert!(arc);
            assert_eq!(*bytes, HTML.as_bytes());
        }
        other => panic!("{other:?}"),
    }
    let (gz, offs) = per_record_gzip(&[filedesc.into_bytes(), r1, r2]);
    let items = read(gz, "t.arc.gz");
    assert_eq!(
        offsets(&items),
        offs.iter().map(|&o| Some(o)).collect::<Vec<_>>(),
        "{items:?}"
    );
    assert!(matches!(&items[2], Got::Page { arc: true, .. }));
}

#[test]
fn arbitrary_damage_never_panics_or_hangs() {
    // A deterministic sweep: every prefix cut and a set of byte flips of a small archive,
    // plain and gzipped, must end with items that name offsets inside the input.
    let recs = vec![
        warcinfo(),
        response(
            "http://x.org/1",
            "Transfer-Encoding: chunked\r\nContent-Type: text/html\r\n",
            b"5\r\n<html\r\n0\r\n\r\n",
        ),
        request("http://x.org/2"),
    ];
    let plain = recs.concat();
    let (gz, _) = per_record_gzip(&recs);
    for (name, file) in [("p.warc", &plain), ("p.warc.gz", &gz)] {
        for cut in (0..file.len()).step_by(7) {
            let items = read_prefix(&file[..cut], name);
            for o in offsets(&items).into_iter().flatten() {
                assert!(o <= cut as u64, "{name} cut at {cut}: offset {o}");
            }
        }
        for at in (0..file.len()).step_by(11) {
            let mut f = file.clone();
            f[at] ^= 0xff;
            let _ = read_prefix(&f, name);
        }
    }
}

fn read_prefix(bytes: &[u8], name: &str) -> Vec<Got> {
    if bytes.is_empty() {
        return Vec::new();
    }
    match source::open_reader(Box::new(Cursor::new(bytes.to_vec())), name) {
        Ok(o) => {
            let mut n = 0;
            source::items(o, &ReadOptions::default())
                .inspect(|_| {
                    n += 1;
                    assert!(n < 10_000, "no end");
                })
                .map(|it| match it {
                    Item::Error(e) => Got::Error {
                        offset: e.origin.offset,
                        message: e.message,
                    },
                    Item::Skipped { origin, reason } => Got::Skip {
                        offset: origin.offset.unwrap_or(0),
                        reason,
                    },
                    Item::Page(p) => Got::Page {
                        offset: p.origin.offset.unwrap_or(0),
                        url: p.url,
                        bytes: Bytes(p.bytes),
                        date: None,
                        ct: None,
                        arc: false,
                    },
                    Item::Article(_) => Got::Skip {
                        offset: 0,
                        reason: String::new(),
                    },
                })
                .collect()
        }
        Err(_) => Vec::new(),
    }
}
