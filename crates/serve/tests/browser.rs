//! The page in a real browser: headless Chromium loads the article view of the sample
//! articles, runs the page's script against the API, and the DOM it leaves is checked:
//! reused passages marked with their sources, the spun words with the source's wording.
//! Screenshots go to target/browser-test/. Skips, saying why, when Chromium is absent.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn chromium() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

/// Runs Chromium headless on `url` with `extra` flags; its stdout, or a panic naming why not.
fn run_chromium(bin: &Path, profile: &Path, url: &str, extra: &[&str]) -> String {
    let mut child = Command::new(bin)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--hide-scrollbars",
            "--virtual-time-budget=5000",
            "--window-size=1280,1600",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(url)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("starting {}: {e}", bin.display()));
    let mut out = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut out, &mut s).ok();
        s
    });
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "chromium on {url} exited with {status}");
            break;
        }
        if start.elapsed() > Duration::from_secs(90) {
            let _ = child.kill();
            panic!("chromium on {url} did not finish in 90 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    reader.join().unwrap()
}

/// The attributes of every `<tag ...>` start tag in `html`, in document order.
fn tags(html: &str, tag: &str) -> Vec<Vec<(String, String)>> {
    let open = format!("<{tag} ");
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find(&open) {
        rest = &rest[i + open.len()..];
        let end = rest.find('>').unwrap_or(rest.len());
        let mut attrs = Vec::new();
        let mut s = &rest[..end];
        while let Some(eq) = s.find("=\"") {
            let name = s[..eq].trim().rsplit(' ').next().unwrap().to_string();
            let after = &s[eq + 2..];
            let close = after.find('"').unwrap_or(after.len());
            attrs.push((name, decode(&after[..close])));
            s = &after[(close + 1).min(after.len())..];
        }
        out.push(attrs);
    }
    out
}

fn decode(s: &str) -> String {
    s.replace("&quot;", "\"").replace("&lt;", "<").replace("&gt;", ">").replace("&#39;", "'").replace("&amp;", "&")
}

fn attr<'a>(attrs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    attrs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

#[test]
fn article_view_highlights_reused_passages_with_their_sources() {
    let Some(bin) = chromium() else {
        println!("skipped: no Chromium (install Debian's `chromium`, or set CHROMIUM=path)");
        return;
    };
    let server = common::start_with_examples();
    let base = format!("http://{}", server.addr);
    let profile = tempfile::tempdir().unwrap();
    let out_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("../browser-test");
    std::fs::create_dir_all(&out_dir).unwrap();

    // The spun reprint: one source, its swapped words carrying the source's wording.
    let dom = run_chromium(&bin, profile.path(), &format!("{base}/a/ardellherald-bridge-shut"), &["--dump-dom"]);
    let marks = tags(&dom, "mark");
    let passages: Vec<_> = marks.iter().filter(|a| attr(a, "data-passage").is_some()).collect();
    assert!(!passages.is_empty(), "no passage marked; the page's script did not run or found none:\n{dom}");
    for p in &passages {
        assert_eq!(attr(p, "data-source"), Some("meridianwire-kessler-bridge"), "{p:?}");
        assert_eq!(attr(p, "data-source-site"), Some("meridianwire.example"), "{p:?}");
        assert_eq!(attr(p, "tabindex"), Some("0"), "passages are focusable: {p:?}");
        assert!(attr(p, "aria-label").is_some_and(|l| l.contains("Inspectors close")), "{p:?}");
    }
    let changed: BTreeSet<(String, String)> = dom
        .split("data-was=\"")
        .skip(1)
        .filter_map(|s| {
            let was = decode(&s[..s.find('"')?]);
            let text = &s[s.find('>')? + 1..];
            Some((was, decode(&text[..text.find('<')?])))
        })
        .collect();
    for (from, to) in [("said", "stated"), ("link", "connection"), ("lorries", "trucks"), ("found cracks", "discovered fractures")] {
        assert!(changed.contains(&(from.to_string(), to.to_string())), "{from} -> {to} not shown among {changed:?}");
    }
    assert!(dom.contains("id=\"sources\""), "sources panel");
    assert!(dom.contains("id=\"entities\"") && dom.contains("entity stage has not landed"));
    run_chromium(&bin, profile.path(), &format!("{base}/a/ardellherald-bridge-shut#p0"), &[&format!("--screenshot={}", out_dir.join("article-spun.png").display())]);

    // The stitched article: passages from two different wire stories.
    let dom = run_chromium(&bin, profile.path(), &format!("{base}/a/coastlinedaily-double-disruption"), &["--dump-dom"]);
    let sources: BTreeSet<String> = tags(&dom, "mark")
        .iter()
        .filter_map(|a| attr(a, "data-source").map(str::to_string))
        .collect();
    assert_eq!(
        sources,
        BTreeSet::from(["meridianwire-kessler-bridge".to_string(), "meridianwire-fishing-protest".to_string()]),
        "stitched article's passages"
    );
    let classes: BTreeSet<String> = tags(&dom, "mark")
        .iter()
        .filter(|a| attr(a, "data-source") == Some("meridianwire-fishing-protest"))
        .filter_map(|a| attr(a, "class").map(str::to_string))
        .collect();
    let other: BTreeSet<String> = tags(&dom, "mark")
        .iter()
        .filter(|a| attr(a, "data-source") == Some("meridianwire-kessler-bridge"))
        .filter_map(|a| attr(a, "class").map(str::to_string))
        .collect();
    assert!(classes.is_disjoint(&other), "two sources share a colour: {classes:?} {other:?}");
    run_chromium(&bin, profile.path(), &format!("{base}/a/coastlinedaily-double-disruption#p2"), &[&format!("--screenshot={}", out_dir.join("article-stitched.png").display())]);

    // Family lineage and the site's substitution table.
    let dom = run_chromium(&bin, profile.path(), &format!("{base}/f/meridianwire-kessler-bridge"), &["--dump-dom"]);
    let edges: Vec<_> = tags(&dom, "path").into_iter().filter(|a| attr(a, "class") == Some("edge")).collect();
    assert_eq!(edges.len(), 2, "two copies, two lineage edges:\n{dom}");
    assert!(edges.iter().all(|e| attr(e, "data-from") == Some("meridianwire-kessler-bridge")));
    run_chromium(&bin, profile.path(), &format!("{base}/f/meridianwire-kessler-bridge"), &[&format!("--screenshot={}", out_dir.join("family.png").display())]);
    let dom = run_chromium(&bin, profile.path(), &format!("{base}/s/ardellherald.example"), &["--dump-dom"]);
    let table = &dom[dom.find("id=\"substitutions\"").expect("substitution table")..];
    assert!(table.contains("<td>said</td><td>stated</td>"), "{table}");

    for shot in ["article-spun.png", "article-stitched.png", "family.png"] {
        let len = std::fs::metadata(out_dir.join(shot)).map(|m| m.len()).unwrap_or(0);
        assert!(len > 10_000, "screenshot {shot} missing or empty ({len} bytes)");
    }
    println!("screenshots in {}", out_dir.canonicalize().unwrap().display());
}
