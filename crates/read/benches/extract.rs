//! Extraction throughput on the scrapinghub pages (`../shared/data/extraction/scrapinghub`),
//! single-threaded, in process: parse, body, metadata and dates per page.
//! Skips with a message when the shared data is absent.

use std::io::Read;
use std::path::Path;

use copydesk_read::{html, RawPage, SourceFormat};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

fn load_pages() -> Vec<RawPage> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/extraction/scrapinghub/html");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut paths: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    let mut pages = Vec::new();
    for p in paths {
        let Ok(f) = std::fs::File::open(&p) else {
            continue;
        };
        let mut bytes = Vec::new();
        if flate2::read::GzDecoder::new(f)
            .read_to_end(&mut bytes)
            .is_err()
        {
            continue;
        }
        pages.push(RawPage {
            bytes,
            format: SourceFormat::Html,
            ..Default::default()
        });
    }
    pages
}

fn bench(c: &mut Criterion) {
    let pages = load_pages();
    if pages.is_empty() {
        eprintln!("skipping extract bench: ../shared/data/extraction/scrapinghub is absent");
        return;
    }
    let bytes: usize = pages.iter().map(|p| p.bytes.len()).sum();
    let mut g = c.benchmark_group("extract");
    g.sample_size(10);
    g.throughput(Throughput::Elements(pages.len() as u64));
    g.bench_function("scrapinghub_pages", |b| {
        b.iter(|| {
            for p in &pages {
                let _ = std::hint::black_box(html::extract(p));
            }
        })
    });
    g.throughput(Throughput::Bytes(bytes as u64));
    g.bench_function("scrapinghub_bytes", |b| {
        b.iter(|| {
            for p in &pages {
                let _ = std::hint::black_box(html::extract(p));
            }
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
