//! Reads every WARC/ARC file of the shared test data (../shared/data/warc) and checks the
//! record counts against the ones its README gives (as read by warcio), item by item.
//! Skips with a message when the shared data is absent.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use copydesk_read::{source, Item, ReadOptions};

fn shared_warc_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/warc");
    if dir.join("README.md").is_file() {
        Some(dir)
    } else {
        eprintln!("skipped: shared WARC data not found at {}", dir.display());
        None
    }
}

/// One row of the README's file table.
#[derive(Debug)]
struct Row {
    records: usize,
    html: usize,
    /// warcio could not read the file to its end.
    warcio_failed: bool,
}

fn readme_rows(dir: &Path) -> BTreeMap<String, Row> {
    let text = std::fs::read_to_string(dir.join("README.md")).expect("README.md readable");
    let mut rows = BTreeMap::new();
    for line in text.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        // | file | bytes | compression | format | records (...) | HTML payloads | what |
        if cells.len() < 8 || !cells[1].contains('/') || cells[1].starts_with("---") {
            continue;
        }
        let records = cells[5]
            .split_whitespace()
            .next()
            .and_then(|n| n.parse().ok());
        let html = cells[6].parse().ok();
        if let (Some(records), Some(html)) = (records, html) {
            let warcio_failed = cells[7].contains("ArchiveLoadFailed");
            rows.insert(
                cells[1].to_string(),
                Row {
                    records,
                    html,
                    warcio_failed,
                },
            );
        }
    }
    rows
}

#[derive(Default, Debug)]
struct Counts {
    pages: usize,
    skipped: usize,
    errors: usize,
    offsets: Vec<u64>,
    page_bytes: Vec<Vec<u8>>,
    messages: Vec<String>,
}

fn read(path: &Path) -> Counts {
    let p = path.display().to_string();
    let opened = source::open(&p).unwrap_or_else(|e| panic!("cannot open {p}: {e}"));
    let mut c = Counts::default();
    for item in source::items(opened, &ReadOptions::default()) {
        match item {
            Item::Page(page) => {
                c.pages += 1;
                assert_eq!(page.origin.path, p);
                c.offsets.extend(page.origin.offset);
                c.page_bytes.push(page.bytes);
            }
            Item::Skipped { origin, .. } => {
                c.skipped += 1;
                c.offsets.extend(origin.offset);
            }
            Item::Error(e) => {
                c.errors += 1;
                assert_eq!(e.origin.path, p, "error names the file");
                let off = e
                    .origin
                    .offset
                    .unwrap_or_else(|| panic!("error without an offset: {e}"));
                assert!(
                    off < std::fs::metadata(path).unwrap().len(),
                    "offset inside the file: {e}"
                );
                c.messages.push(e.to_string());
            }
            Item::Article(_) => panic!("an archive gives pages, not finished articles"),
        }
    }
    c
}

#[test]
fn every_shared_archive_reads_with_the_readme_record_counts() {
    let Some(dir) = shared_warc_dir() else { return };
    let rows = readme_rows(&dir);
    assert!(rows.len() >= 30, "README table parsed: {} rows", rows.len());
    for (name, row) in &rows {
        let path = dir.join(name);
        let c = read(&path);
        let total = c.pages + c.skipped + c.errors;
        if row.warcio_failed {
            // warcio stops at the first problem; reading on recovers more.
            assert!(total >= row.records, "{name}: {c:?} vs {row:?}");
        } else {
            assert_eq!(
                total, row.records,
                "{name}: one item per record: {c:?} vs {row:?}"
            );
            assert!(
                c.pages <= row.html,
                "{name}: pages are HTML payloads: {c:?} vs {row:?}"
            );
        }
        // Items are named by where their record starts: a gzip member or a WARC/ARC header.
        let bytes = std::fs::read(&path).unwrap();
        let gz = bytes.starts_with(&[0x1f, 0x8b]);
        for &off in &c.offsets {
            let at = &bytes[off as usize..];
            if gz {
                assert!(
                    at.starts_with(&[0x1f, 0x8b]),
                    "{name}@{off} is not a gzip member start"
                );
            } else {
                assert!(
                    at.starts_with(b"WARC/")
                        || at.starts_with(b"filedesc:")
                        || at.starts_with(b"http"),
                    "{name}@{off} is not a record header"
                );
            }
        }
        for page in &c.page_bytes {
            let head = String::from_utf8_lossy(&page[..page.len().min(2048)]).to_ascii_lowercase();
            assert!(
                head.contains("<html") || head.contains("<!doctype") || head.contains("<head"),
                "{name}: page is HTML"
            );
        }
    }
}

#[test]
fn damaged_files_are_reported_with_the_problem() {
    let Some(dir) = shared_warc_dir() else { return };
    let clipped = read(&dir.join("resiliparse/clipped.warc.gz"));
    assert_eq!((clipped.pages, clipped.errors), (0, 1), "{clipped:?}");
    assert!(
        clipped.messages[0].contains("truncated"),
        "{:?}",
        clipped.messages
    );

    let trunc = read(&dir.join("warcio/example-trunc.warc"));
    assert_eq!(trunc.errors, 1, "{trunc:?}");

    let bad_arc = read(&dir.join("warcio/bad.arc"));
    assert!(
        bad_arc.errors >= 1 && bad_arc.messages.iter().all(|m| m.contains("length")),
        "{bad_arc:?}"
    );

    // The whole file in one gzip member: read through, every record named by offset 0.
    let one_member = read(&dir.join("warcio/example-bad-non-chunked.warc.gz"));
    assert_eq!(one_member.errors, 0, "{one_member:?}");
    assert!(
        one_member.pages >= 1 && one_member.offsets.iter().all(|&o| o == 0),
        "{one_member:?}"
    );

    // Members that do not line up with records: both records are still read.
    let wrong = read(&dir.join("warcio/example-wrong-chunks.warc.gz"));
    assert_eq!(
        (wrong.pages, wrong.skipped, wrong.errors),
        (1, 1, 0),
        "{wrong:?}"
    );
}

#[test]
fn chunked_bodies_are_dechunked_and_quirky_files_read() {
    let Some(dir) = shared_warc_dir() else { return };
    let chunked = read(&dir.join("warcio/example-iana.org-chunked.warc"));
    assert_eq!(chunked.pages, 1);
    let page = String::from_utf8_lossy(&chunked.page_bytes[0]).to_string();
    assert!(
        page.trim_start()
            .to_ascii_lowercase()
            .starts_with("<!doctype html"),
        "{}",
        &page[..80]
    );
    assert!(
        page.trim_end().ends_with("</html>"),
        "no chunk trailer left"
    );

    let iana = read(&dir.join("pywb/iana.warc.gz"));
    assert_eq!(iana.errors, 0, "{:?}", iana.messages);
    for p in &iana.page_bytes {
        let head = String::from_utf8_lossy(&p[..p.len().min(64)]).to_string();
        assert!(head.trim_start().starts_with('<'), "de-chunked: {head:?}");
    }

    // README: "the 29 responses are Japanese HTML pages and should all be readable".
    let clueweb = read(&dir.join("resiliparse/clueweb-quirk.warc.gz"));
    assert_eq!(
        (clueweb.pages, clueweb.errors),
        (29, 0),
        "{:?}",
        clueweb.messages
    );
}
