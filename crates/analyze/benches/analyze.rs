//! Analysis speed: articles per second over the BBC corpus on one thread, and linear cost on
//! pathological inputs (the same input at two sizes should take twice the time, not four).
//!
//! `cargo bench -p copydesk-analyze` (the corpus is read from ../shared; its bench is skipped
//! when absent).

use std::time::Duration;

use copydesk_analyze::{analyze_text, Options};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

const BBC: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/data/corpora/bbc-news-2225/articles.jsonl"
);

fn bbc_texts() -> Option<Vec<String>> {
    let data = std::fs::read_to_string(BBC).ok()?;
    Some(
        data.lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter_map(|v| v.get("text")?.as_str().map(str::to_string))
            .collect(),
    )
}

fn corpus(c: &mut Criterion) {
    let Some(texts) = bbc_texts() else {
        eprintln!("skipping the corpus bench: {BBC} not found");
        return;
    };
    let dct = chrono::NaiveDate::from_ymd_opt(2005, 3, 1);
    let mut g = c.benchmark_group("bbc-news-2225");
    g.sample_size(10).measurement_time(Duration::from_secs(15));
    g.throughput(Throughput::Elements(texts.len() as u64));
    for tokens in [true, false] {
        let opts = Options { tokens };
        let name = if tokens {
            "all layers"
        } else {
            "all layers, no token layer kept"
        };
        g.bench_function(name, |b| {
            b.iter(|| {
                let mut n = 0usize;
                for t in &texts {
                    n += analyze_text(t, dct, &opts).quotes.len();
                }
                n
            })
        });
    }
    g.finish();
}

fn nested_quotes(n: usize) -> String {
    let mut s = String::new();
    for i in 0..n {
        s.push_str(if i % 2 == 0 {
            "“He said ‘"
        } else {
            "\"she said '"
        });
    }
    s.push_str("deep");
    for _ in 0..n {
        s.push_str("’ ” ");
    }
    s
}

/// One paragraph of news-like words with no sentence punctuation and unbalanced marks.
fn flat_paragraph(bytes: usize) -> String {
    let words = [
        "said",
        "Putin",
        "the",
        "minister",
        "told",
        "reporters",
        "on",
        "Friday",
        "$",
        "5",
        "million",
        "“",
        "in",
        "2014",
        "according",
        "to",
        "a",
        "statement",
        "she",
        "added",
        "last",
        "year",
    ];
    let mut s = String::with_capacity(bytes + 16);
    let mut i = 0usize;
    while s.len() < bytes {
        s.push_str(words[i % words.len()]);
        s.push(' ');
        i = (i * 31 + 7) % 1_000_003;
    }
    s
}

fn pathological(c: &mut Criterion) {
    let dct = chrono::NaiveDate::from_ymd_opt(2017, 3, 24);
    let opts = Options::default();
    let mut g = c.benchmark_group("pathological");
    g.sample_size(10).measurement_time(Duration::from_secs(5));
    for n in [5_000usize, 10_000, 20_000] {
        let s = nested_quotes(n);
        g.throughput(Throughput::Bytes(s.len() as u64));
        g.bench_with_input(BenchmarkId::new("nested quotes", n), &s, |b, s| {
            b.iter(|| analyze_text(s, dct, &opts))
        });
    }
    for mb in [1usize, 2, 4] {
        let s = flat_paragraph(mb << 20);
        g.throughput(Throughput::Bytes(s.len() as u64));
        g.bench_with_input(
            BenchmarkId::new("one paragraph, no punctuation (MB)", mb),
            &s,
            |b, s| b.iter(|| analyze_text(s, dct, &opts)),
        );
    }
    g.finish();
}

criterion_group!(benches, corpus, pathological);
criterion_main!(benches);
