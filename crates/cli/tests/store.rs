//! The store through the real `copydesk` binary: an ingest killed with SIGKILL half-way
//! and resumed, idempotent re-runs and revisions, bad input, search and reindex.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

fn copydesk(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_copydesk"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .expect("run copydesk")
}

/// Deterministic words: distinct seeds share no 4-word run.
fn words(seed: u64, n: usize) -> String {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            format!("w{}", x % 20000)
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// `n` short articles in families of four: an original and three later copies that each
/// repeat one of its paragraphs. Shuffled so that copies often arrive before originals.
fn corpus(n: usize) -> Vec<Value> {
    let mut v = Vec::with_capacity(n);
    for i in 0..n as u64 {
        let fam = i / 4;
        let k = i % 4;
        let p = |j: u64| words(fam * 10 + j, 30) + ".";
        let text = if k == 0 {
            format!("{}\n\n{}\n\n{}", p(1), p(2), p(3))
        } else {
            format!("{}\n\n{}", p(k), words(1_000_000 + i, 25) + ".")
        };
        v.push(json!({
            "id": format!("a{i:05}"),
            "site": format!("site{}.example", k),
            "published": format!("2024-{:02}-{:02}T{:02}:00:00Z", 1 + fam % 12, 1 + fam % 28, k * 3),
            "title": format!("Story {fam} take {k}"),
            "text": text,
        }));
    }
    // A fixed permutation (a stride coprime with n) instead of a random one.
    let stride = 7919 % n.max(1);
    (0..n).map(|j| v[(j * stride.max(1)) % n].clone()).collect()
}

fn write_jsonl(path: &Path, rows: &[Value]) {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    for r in rows {
        serde_json::to_writer(&mut f, r).unwrap();
        f.write_all(b"\n").unwrap();
    }
}

fn db(store: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open_with_flags(store.join("copydesk.sqlite"), rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap()
}

fn count(store: &Path, sql: &str) -> i64 {
    db(store).query_row(sql, [], |r| r.get(0)).unwrap_or(0)
}

/// (articles, revisions, passages)
fn totals(store: &Path) -> (i64, i64, i64) {
    (
        count(store, "SELECT COUNT(*) FROM articles"),
        count(store, "SELECT COUNT(*) FROM revisions"),
        count(store, "SELECT COUNT(*) FROM passages"),
    )
}

/// Nothing half-stored: every article has its current revision with layers, every
/// passage points at stored articles inside their texts, every article is traced.
fn assert_whole(store: &Path) {
    let c = db(store);
    assert_eq!(c.query_row("PRAGMA integrity_check", [], |r| r.get::<_, String>(0)).unwrap(), "ok");
    let orphans: i64 = c
        .query_row("SELECT COUNT(*) FROM articles a LEFT JOIN revisions r ON r.seq = a.current WHERE r.seq IS NULL OR r.id <> a.id", [], |r| r.get(0))
        .unwrap();
    assert_eq!(orphans, 0, "articles without their current revision");
    let mut stmt = c.prepare("SELECT layers FROM revisions").unwrap();
    for layers in stmt.query_map([], |r| r.get::<_, String>(0)).unwrap() {
        let l: Value = serde_json::from_str(&layers.unwrap()).unwrap();
        assert!(l["sentences"].as_array().is_some_and(|s| !s.is_empty()), "a revision without layers: {l}");
    }
    let dangling: i64 = c
        .query_row(
            "SELECT COUNT(*) FROM passages p LEFT JOIN articles t ON t.id = p.target LEFT JOIN articles s ON s.id = p.source
             WHERE t.id IS NULL OR s.id IS NULL OR p.begin >= p.end",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(dangling, 0, "passages pointing nowhere");
    let untraced: i64 = c.query_row("SELECT COUNT(*) FROM articles WHERE traced = 0", [], |r| r.get(0)).unwrap();
    assert_eq!(untraced, 0, "articles left untraced after reopening");
}

#[test]
fn an_ingest_killed_midway_loses_nothing_committed_and_a_rerun_completes_it() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("corpus.jsonl");
    write_jsonl(&input, &corpus(1100));
    let input = input.to_str().unwrap();

    // The reference: one clean run.
    let clean = tmp.path().join("clean");
    let out = copydesk(&["ingest", input, "--store", clean.to_str().unwrap()], tmp.path());
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let want = totals(&clean);
    assert_eq!(want.0, 1100);
    assert!(want.2 >= 700, "copies traced: {want:?}");

    let store = tmp.path().join("killed");
    let mut child = Command::new(env!("CARGO_BIN_EXE_copydesk"))
        .args(["ingest", input, "--store", store.to_str().unwrap()])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Kill it once some articles are committed, well before the end.
    let start = Instant::now();
    let mut seen = 0;
    while start.elapsed() < Duration::from_secs(120) {
        if store.join("copydesk.sqlite").exists() {
            seen = count(&store, "SELECT COUNT(*) FROM articles");
            if seen > 0 {
                break;
            }
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    assert!(seen > 0, "the ingest never got going");
    let after = count(&store, "SELECT COUNT(*) FROM articles");
    assert!(after >= seen, "committed articles lost: {seen} seen, {after} after the kill");
    assert!(after < 1100, "the kill came too late to test anything ({after})");

    // Reopening repairs what the kill left (derived indexes, untraced articles).
    let out = copydesk(&["search", "w1", "--store", store.to_str().unwrap(), "--limit", "1"], tmp.path());
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_whole(&store);
    assert!(count(&store, "SELECT COUNT(*) FROM articles") >= after);

    // The same command again finishes the job; the result is the clean run's.
    let out = copydesk(&["ingest", input, "--store", store.to_str().unwrap(), "--json"], tmp.path());
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let rep: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rep["added"].as_u64().unwrap() + rep["unchanged"].as_u64().unwrap(), 1100, "{rep}");
    assert!(rep["unchanged"].as_u64().unwrap() >= after as u64, "{rep}");
    assert_whole(&store);
    assert_eq!(totals(&store), want);
}

#[test]
fn reruns_are_idempotent_and_changed_texts_become_revisions() {
    let tmp = tempfile::tempdir().unwrap();
    let rows = corpus(40);
    let input = tmp.path().join("in.jsonl");
    write_jsonl(&input, &rows);
    let store = tmp.path().join("store");
    let run = |file: &Path| {
        let out = copydesk(&["ingest", file.to_str().unwrap(), "--store", store.to_str().unwrap(), "--json"], tmp.path());
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice::<Value>(&out.stdout).unwrap()
    };
    let first = run(&input);
    assert_eq!(first["added"], 40);
    let before = totals(&store);
    let again = run(&input);
    assert_eq!((again["added"].as_u64(), again["unchanged"].as_u64()), (Some(0), Some(40)));
    assert_eq!(totals(&store), before);
    let stderr = String::from_utf8_lossy(&copydesk(&["ingest", input.to_str().unwrap(), "--store", store.to_str().unwrap()], tmp.path()).stderr).to_string();
    assert!(stderr.contains("0 added, 40 unchanged"), "{stderr}");

    let mut changed = rows[3].clone();
    let old_text = changed["text"].as_str().unwrap().to_string();
    changed["text"] = json!(format!("{old_text}\n\nA correction was added to this story."));
    let input2 = tmp.path().join("changed.jsonl");
    write_jsonl(&input2, &[changed.clone()]);
    let rev = run(&input2);
    assert_eq!(rev["revised"], 1);
    let id = changed["id"].as_str().unwrap();
    let c = db(&store);
    let (cur, n): (i64, i64) =
        c.query_row("SELECT revision, (SELECT COUNT(*) FROM revisions WHERE id = ?1) FROM articles WHERE id = ?1", [id], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
    assert_eq!((cur, n), (2, 2));
    let old: String = c.query_row("SELECT text FROM revisions WHERE id = ?1 AND revision = 1", [id], |r| r.get(0)).unwrap();
    assert_eq!(old, old_text);
    // The new wording is searchable, under the same id.
    let out = copydesk(&["search", "correction", "--store", store.to_str().unwrap(), "--json"], tmp.path());
    let res: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(res["total"], 1);
    assert_eq!(res["hits"][0]["id"], id);
}

#[test]
fn bad_input_is_reported_by_place_and_the_rest_is_stored() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("mixed.jsonl");
    let big = (0..1_200_000).map(|i| format!("w{}", i % 977)).collect::<Vec<_>>().join(" ");
    assert!(big.len() > 5 << 20);
    let lines = [
        json!({"id": "good1", "site": "a.example", "text": words(1, 60)}).to_string(),
        "this is not json".to_string(),
        json!({"id": "empty", "site": "a.example", "text": "   "}).to_string(),
        json!({"site": "a.example", "title": "no id", "text": words(2, 60)}).to_string(),
        json!({"id": "big", "site": "a.example", "text": big}).to_string(),
        "{\"id\": \"cut".to_string(),
        json!({"id": "good2", "site": "b.example", "text": words(3, 60)}).to_string(),
    ];
    std::fs::write(&input, lines.join("\n") + "\n").unwrap();
    let store = tmp.path().join("store");
    let out = copydesk(&["ingest", input.to_str().unwrap(), "--store", store.to_str().unwrap(), "--json"], tmp.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("mixed.jsonl:2"), "garbage line named: {stderr}");
    assert!(stderr.contains("mixed.jsonl:6"), "cut line named: {stderr}");
    assert!(stderr.contains("empty text") || stderr.contains("no text"), "{stderr}");
    let ids: Vec<String> = db(&store)
        .prepare("SELECT id FROM articles ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    assert!(ids.contains(&"good1".to_string()) && ids.contains(&"good2".to_string()) && ids.contains(&"big".to_string()), "{ids:?}");
    assert!(!ids.contains(&"empty".to_string()));
    // The record without an id gets the reader's derived one, as in `extract`.
    assert_eq!(ids.len(), 4, "{ids:?}");
    assert_whole(&store);

    // A missing store is an error, not a new empty store.
    let out = copydesk(&["search", "x", "--store", tmp.path().join("nowhere").to_str().unwrap()], tmp.path());
    assert_eq!(out.status.code(), Some(3));
    assert!(!tmp.path().join("nowhere").exists());
    // A bad query is a usage error.
    let out = copydesk(&["search", "w1 AND (", "--store", store.to_str().unwrap()], tmp.path());
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn reindex_rebuilds_search_and_fingerprints_from_the_database() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in.jsonl");
    write_jsonl(&input, &corpus(60));
    let store = tmp.path().join("store");
    let s = store.to_str().unwrap();
    assert_eq!(copydesk(&["ingest", input.to_str().unwrap(), "--store", s], tmp.path()).status.code(), Some(0));
    let search = || {
        let out = copydesk(&["search", "story", "--store", s, "--json", "--limit", "100"], tmp.path());
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice::<Value>(&out.stdout).unwrap()["total"].clone()
    };
    assert_eq!(search(), 60);
    let before = totals(&store);
    // Derived data lost: reindex brings it back from SQLite alone.
    std::fs::remove_dir_all(store.join("search")).unwrap();
    std::fs::remove_dir_all(store.join("fingerprints")).unwrap();
    let out = copydesk(&["reindex", "--store", s], tmp.path());
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(search(), 60);
    assert!(store.join("fingerprints/manifest.json").exists());
    assert_eq!(totals(&store), before);
    // New copies still find their originals through the rebuilt fingerprints.
    let mut late = corpus(64)[60..].to_vec();
    for r in &mut late {
        r["id"] = json!(format!("late-{}", r["id"].as_str().unwrap()));
    }
    let input2 = tmp.path().join("late.jsonl");
    write_jsonl(&input2, &late);
    assert_eq!(copydesk(&["ingest", input2.to_str().unwrap(), "--store", s], tmp.path()).status.code(), Some(0));
    assert!(totals(&store).2 > before.2);
}
