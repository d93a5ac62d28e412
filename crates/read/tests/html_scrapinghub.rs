//! Body extraction quality on the scrapinghub benchmark pages (../shared/data/extraction/
//! scrapinghub), with the benchmark's own metric re-implemented: `\w+` tokens, multisets of
//! 4-token shingles, per-page precision and recall averaged over pages, F1 of the means.
//! The floors sit below the measured figures (P 0.976, R 0.983, F1 0.980 when written) so
//! that a regression fails and noise does not. Skips when the shared data is absent.

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

use copydesk_read::{html, RawPage, SourceFormat};

fn tokens(s: &str) -> Vec<&str> {
    s.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|t| !t.is_empty())
        .collect()
}

fn shingles(s: &str) -> HashMap<Vec<&str>, u32> {
    let t = tokens(s);
    let mut m = HashMap::new();
    if t.is_empty() {
        return m;
    }
    if t.len() < 4 {
        *m.entry(t).or_insert(0) += 1;
        return m;
    }
    for w in t.windows(4) {
        *m.entry(w.to_vec()).or_insert(0) += 1;
    }
    m
}

#[test]
fn scrapinghub_body_f1_floor() {
    let dir =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/extraction/scrapinghub");
    let Ok(gold_text) = std::fs::read_to_string(dir.join("ground-truth.json")) else {
        eprintln!("skipping: {} is absent", dir.display());
        return;
    };
    let gold: serde_json::Value = serde_json::from_str(&gold_text).expect("ground truth json");
    let gold = gold.as_object().expect("object");
    let (mut p_sum, mut p_n, mut r_sum, mut r_n) = (0f64, 0usize, 0f64, 0usize);
    for (id, g) in gold {
        let body = g.get("articleBody").and_then(|b| b.as_str()).unwrap_or("");
        let path = dir.join("html").join(format!("{id}.html.gz"));
        let mut bytes = Vec::new();
        let f = std::fs::File::open(&path).expect("page");
        flate2::read::GzDecoder::new(f)
            .read_to_end(&mut bytes)
            .expect("gzip");
        let text = html::extract(&RawPage {
            bytes,
            format: SourceFormat::Html,
            ..Default::default()
        })
        .map(|a| a.text)
        .unwrap_or_default();
        let (gs, ps) = (shingles(body), shingles(&text));
        let mut tp = 0u32;
        for (k, &c) in &ps {
            tp += c.min(gs.get(k).copied().unwrap_or(0));
        }
        let fp = ps.values().sum::<u32>() - tp;
        let fn_ = gs.values().sum::<u32>() - tp;
        if tp + fp > 0 {
            p_sum += tp as f64 / (tp + fp) as f64;
            p_n += 1;
        }
        if tp + fn_ > 0 {
            r_sum += tp as f64 / (tp + fn_) as f64;
            r_n += 1;
        }
    }
    let p = p_sum / p_n.max(1) as f64;
    let r = r_sum / r_n.max(1) as f64;
    let f1 = 2.0 * p * r / (p + r);
    eprintln!(
        "scrapinghub: precision {p:.3} recall {r:.3} F1 {f1:.3} over {} pages",
        gold.len()
    );
    assert!(gold.len() >= 180);
    assert!(p >= 0.96, "precision {p:.3}");
    assert!(r >= 0.97, "recall {r:.3}");
    assert!(f1 >= 0.97, "F1 {f1:.3}");
}
