//! `copydesk extract` as a user runs it: the built binary on real files in a temp dir,
//! checking output formats, metadata overrides, field mapping, and what happens on bad
//! input (a message on stderr naming the input, the run going on, the exit code).

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn copydesk(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_copydesk"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .expect("run copydesk")
}

fn copydesk_stdin(args: &[&str], dir: &Path, input: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_copydesk"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn copydesk");
    let mut stdin = child.stdin.take().unwrap();
    let data = input.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&data);
    });
    let out = child.wait_with_output().expect("wait");
    writer.join().unwrap();
    out
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Parses JSON lines output; every line must be an article object.
fn articles(o: &Output) -> Vec<Value> {
    let out = String::from_utf8(o.stdout.clone()).expect("stdout is UTF-8");
    out.lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap_or_else(|e| panic!("bad JSON line {l:?}: {e}"))
        })
        .inspect(|a| assert!(a["id"].is_string() && a["text"].is_string(), "{a}"))
        .collect()
}

fn no_panic(o: &Output) {
    let e = stderr(o);
    assert!(!e.contains("panicked"), "{e}");
    assert_ne!(code(o), 101, "{e}");
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    // The gzip tool is on every machine this builds on; the flate2 crate is not a dev-dependency.
    let mut child = Command::new("gzip")
        .arg("-c")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("gzip");
    let mut stdin = child.stdin.take().unwrap();
    let data = bytes.to_vec();
    let w = std::thread::spawn(move || stdin.write_all(&data));
    let out = child.wait_with_output().unwrap();
    w.join().unwrap().unwrap();
    out.stdout
}

const STORY: &str = "Region\n\nFerry returns to the island after two weeks\n\n\
The island ferry sailed again on Monday after repairs to its engine, the operator said.\n\n\
About 300 passengers made the first crossing.\n";

fn corpus_jsonl() -> PathBuf {
    workspace().join("examples/corpus.jsonl")
}

#[test]
fn jsonl_output_is_one_article_per_line() {
    let corpus = std::fs::read_to_string(corpus_jsonl()).unwrap();
    let o = copydesk(&["extract", "examples/corpus.jsonl"], &workspace());
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let got = articles(&o);
    let want: Vec<Value> = corpus
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(&want) {
        assert_eq!(g["id"], w["id"]);
        assert_eq!(g["text"], w["text"]);
        assert_eq!(g["published"], w["published"]);
        assert_eq!(g["format"], "jsonl");
        let text = g["text"].as_str().unwrap();
        for span in g["paragraphs"].as_array().unwrap() {
            let (s, e) = (
                span[0].as_u64().unwrap() as usize,
                span[1].as_u64().unwrap() as usize,
            );
            assert!(!text[s..e].contains("\n\n"));
        }
    }
}

#[test]
fn json_format_is_one_array_and_text_format_is_readable() {
    let o = copydesk(
        &["extract", "--format", "json", "examples/corpus.jsonl"],
        &workspace(),
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let v: Value = serde_json::from_slice(&o.stdout).expect("a JSON document");
    let arr = v.as_array().expect("an array");
    assert_eq!(
        arr.len(),
        std::fs::read_to_string(corpus_jsonl())
            .unwrap()
            .lines()
            .count()
    );
    // An empty run is still a valid array.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("e.jsonl"), "\n").unwrap();
    let o = copydesk(&["extract", "--format", "json", "e.jsonl"], dir.path());
    assert_eq!(
        serde_json::from_slice::<Value>(&o.stdout).unwrap(),
        Value::Array(vec![])
    );

    std::fs::write(dir.path().join("story.txt"), STORY).unwrap();
    let o = copydesk(&["extract", "--format", "text", "story.txt"], dir.path());
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = String::from_utf8(o.stdout).unwrap();
    assert!(
        out.contains("Ferry returns to the island after two weeks"),
        "{out}"
    );
    assert!(
        out.contains("The island ferry sailed again on Monday"),
        "{out}"
    );
    assert!(
        out.contains("About 300 passengers made the first crossing."),
        "{out}"
    );
}

#[test]
fn seed_article_has_section_headline_two_captions_and_a_clean_body() {
    let seed = workspace().join("../shared/data/seed/article.txt");
    if !seed.exists() {
        eprintln!("skipped: {} is absent", seed.display());
        return;
    }
    let o = copydesk(
        &["extract", "../shared/data/seed/article.txt"],
        &workspace(),
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let a = articles(&o);
    assert_eq!(a.len(), 1);
    let a = &a[0];
    assert_eq!(a["section"], "World Media");
    assert_eq!(
        a["title"],
        "In Moscow, France's Le Pen Calls For 'Strategic Cooperation' With Russia"
    );
    let captions: Vec<&str> = a["captions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["text"].as_str().unwrap())
        .collect();
    assert_eq!(
        captions,
        [
            "Jeremy Corbyn and Tom Watson glare at each other",
            "Le Pen with Putin."
        ]
    );
    let text = a["text"].as_str().unwrap();
    assert!(
        text.starts_with("Russian President Vladimir Putin stressed"),
        "{text}"
    );
    for c in &captions {
        assert!(!text.contains(c), "caption {c:?} in the body");
    }
    assert!(!text.contains("World Media") && !text.contains("Strategic Cooperation' With Russia"));
    assert!(a["paragraphs"].as_array().unwrap().len() > 10);
}

#[test]
fn directories_recurse_stdin_reads_and_gzip_is_undone() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("in");
    std::fs::create_dir_all(root.join("a/b")).unwrap();
    std::fs::write(root.join("one.txt"), STORY).unwrap();
    std::fs::write(
        root.join("a/two.jsonl"),
        "{\"id\":\"j1\",\"text\":\"First.\"}\n{\"id\":\"j2\",\"text\":\"Second.\"}\n",
    )
    .unwrap();
    std::fs::write(
        root.join("a/b/three.txt.gz"),
        gzip(STORY.replace("Ferry", "Boat").as_bytes()),
    )
    .unwrap();
    std::fs::write(
        root.join("a/b/four.jsonl.gz"),
        gzip(b"{\"id\":\"g1\",\"text\":\"Zipped.\"}\n"),
    )
    .unwrap();
    std::fs::write(root.join(".hidden.txt"), STORY).unwrap();
    let o = copydesk(&["extract", "in"], dir.path());
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let a = articles(&o);
    let paths: Vec<&str> = a
        .iter()
        .map(|x| x["origin"]["path"].as_str().unwrap())
        .collect();
    assert_eq!(a.len(), 5, "{paths:?}");
    assert!(paths.iter().all(|p| !p.contains(".hidden")), "{paths:?}");
    let ids: Vec<&str> = a.iter().map(|x| x["id"].as_str().unwrap()).collect();
    for id in ["j1", "j2", "g1"] {
        assert!(ids.contains(&id), "{ids:?}");
    }
    assert!(
        a.iter()
            .any(|x| x["title"] == "Boat returns to the island after two weeks"),
        "gzipped text not read"
    );

    let o = copydesk_stdin(&["extract", "-"], dir.path(), STORY.as_bytes());
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let a = articles(&o);
    assert_eq!(a.len(), 1);
    assert_eq!(a[0]["origin"]["path"], "-");
    assert_eq!(a[0]["title"], "Ferry returns to the island after two weeks");
    let o = copydesk_stdin(
        &["extract", "-"],
        dir.path(),
        &gzip(b"{\"text\":\"From a pipe.\"}\n"),
    );
    assert_eq!(articles(&o)[0]["text"], "From a pipe.");
}

#[test]
fn field_map_renames_jsonl_and_csv_columns() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("m.jsonl"),
        "{\"body\":\"Para one.\\n\\nPara two.\",\"headline\":\"H1\",\"date\":\"2024-03-01T08:00:00Z\",\"domain\":\"news.example\"}\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("m.csv"),
        "headline,body,date,domain\n\"H2, with comma\",\"Line one.\n\nLine two.\",2024-03-02,other.example\n",
    )
    .unwrap();
    let map = "text=body,title=headline,published=date,site=domain";
    let o = copydesk(&["extract", "--map", map, "m.jsonl", "m.csv"], dir.path());
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let a = articles(&o);
    assert_eq!(a.len(), 2);
    assert_eq!(
        (a[0]["title"].as_str(), a[0]["site"].as_str()),
        (Some("H1"), Some("news.example"))
    );
    assert_eq!(a[0]["published"], "2024-03-01T08:00:00Z");
    assert_eq!(a[0]["text"], "Para one.\n\nPara two.");
    assert_eq!(a[0]["paragraphs"].as_array().unwrap().len(), 2);
    assert_eq!(a[1]["title"], "H2, with comma");
    assert_eq!(a[1]["site"], "other.example");
    assert_eq!(a[1]["published"], "2024-03-02");
    assert_eq!(a[1]["format"], "csv");
    assert_eq!(a[1]["origin"]["line"], 2);
    // A map onto an unknown article field is a usage error.
    let o = copydesk(&["extract", "--map", "body=text", "m.jsonl"], dir.path());
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(o.stdout.is_empty());
}

#[test]
fn url_published_and_site_override_what_the_input_says() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("s.txt"), STORY).unwrap();
    std::fs::write(
        dir.path().join("s.jsonl"),
        "{\"text\":\"x\",\"site\":\"old.example\",\"published\":\"2000-01-01\"}\n",
    )
    .unwrap();
    let o = copydesk(
        &[
            "extract",
            "--url",
            "https://www.island.example/ferry",
            "--published",
            "2024-06-01T09:00:00+02:00",
            "s.txt",
        ],
        dir.path(),
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let a = &articles(&o)[0];
    assert_eq!(a["url"], "https://www.island.example/ferry");
    assert_eq!(a["site"], "island.example", "site comes from the URL");
    assert_eq!(a["published"], "2024-06-01T09:00:00+02:00");
    let o = copydesk(
        &[
            "extract",
            "--site",
            "new.example",
            "--published",
            "2024-06-02",
            "s.jsonl",
        ],
        dir.path(),
    );
    let a = &articles(&o)[0];
    assert_eq!(
        (a["site"].as_str(), a["published"].as_str()),
        (Some("new.example"), Some("2024-06-02"))
    );

    for bad in ["yesterday", "2024-13-01", ""] {
        let o = copydesk(&["extract", "--published", bad, "s.txt"], dir.path());
        assert_eq!(code(&o), 2, "--published {bad:?}: {}", stderr(&o));
        assert!(stderr(&o).contains("--published"), "{}", stderr(&o));
        assert!(o.stdout.is_empty());
    }
    let o = copydesk(&["extract"], dir.path());
    assert_eq!(code(&o), 2, "no input is a usage error");
}

#[test]
fn bad_inputs_are_named_and_the_run_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("empty.txt"), "").unwrap();
    std::fs::write(d.join("good.txt"), STORY).unwrap();
    std::fs::write(
        d.join("mixed.jsonl"),
        "{\"id\":\"m1\",\"text\":\"One.\"}\n{\"id\":\"m2\",\"text\": oops}\n{\"id\":\"m3\",\"text\":\"Three.\"}\n",
    )
    .unwrap();
    let o = copydesk(
        &[
            "extract",
            "--errors",
            "errors.jsonl",
            "empty.txt",
            "nope/missing.html",
            "mixed.jsonl",
            "good.txt",
        ],
        d,
    );
    no_panic(&o);
    assert_eq!(code(&o), 1, "some failed, some read: {}", stderr(&o));
    let ids: Vec<String> = articles(&o)
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), 3, "{ids:?}");
    assert_eq!(&ids[..2], ["m1", "m3"]);
    let err = stderr(&o);
    assert!(err.contains("empty.txt"), "{err}");
    assert!(err.contains("nope/missing.html"), "{err}");
    assert!(err.contains("mixed.jsonl:2"), "{err}");
    let errors: Vec<Value> = std::fs::read_to_string(d.join("errors.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(errors.len(), 3, "{errors:?}");
    for e in &errors {
        assert!(
            e["origin"]["path"].is_string() && !e["message"].as_str().unwrap().is_empty(),
            "{e}"
        );
    }
    assert!(
        errors
            .iter()
            .any(|e| e["origin"]["path"] == "mixed.jsonl" && e["origin"]["line"] == 2),
        "{errors:?}"
    );

    // Nothing readable at all: exit 3.
    let o = copydesk(&["extract", "empty.txt", "nope/missing.html"], d);
    no_panic(&o);
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    assert!(o.stdout.is_empty());
}

#[test]
fn truncated_gzip_keeps_what_was_read_and_says_where_it_stopped() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Incompressible-enough lines, so that the cut falls in the middle of the stream.
    let mut state = 7u64;
    let mut jsonl = String::new();
    for i in 0..2000 {
        let words: Vec<String> = (0..40)
            .map(|_| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                format!("w{:x}", state >> 40)
            })
            .collect();
        jsonl.push_str(&format!(
            "{{\"id\":\"r{i}\",\"text\":\"{}.\"}}\n",
            words.join(" ")
        ));
    }
    let gz = gzip(jsonl.as_bytes());
    std::fs::write(d.join("cut.jsonl.gz"), &gz[..gz.len() / 2]).unwrap();
    let o = copydesk(&["extract", "cut.jsonl.gz"], d);
    no_panic(&o);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let n = articles(&o).len();
    assert!(n > 100 && n < 2000, "{n} articles");
    let err = stderr(&o);
    assert!(
        err.contains("cut.jsonl.gz:")
            && err.lines().filter(|l| l.contains("cut.jsonl.gz")).count() == 1,
        "{err}"
    );

    std::fs::write(
        d.join("cut.txt.gz"),
        &gzip(STORY.repeat(50).as_bytes())[..40],
    )
    .unwrap();
    let o = copydesk(&["extract", "cut.txt.gz"], d);
    no_panic(&o);
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    assert!(stderr(&o).contains("cut.txt.gz"), "{}", stderr(&o));
}

#[test]
fn binary_junk_is_rejected_not_read_as_text() {
    let dir = tempfile::tempdir().unwrap();
    let mut state = 99u64;
    let junk: Vec<u8> = (0..4096)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect();
    std::fs::write(dir.path().join("junk.bin"), &junk).unwrap();
    std::fs::write(dir.path().join("good.txt"), STORY).unwrap();
    let o = copydesk(&["extract", "junk.bin", "good.txt"], dir.path());
    no_panic(&o);
    let a = articles(&o);
    assert!(
        a.iter().all(|x| x["origin"]["path"] != "junk.bin"),
        "binary junk came out as an article"
    );
    assert!(stderr(&o).contains("junk.bin"), "{}", stderr(&o));
    assert_eq!(code(&o), 1);
}

#[test]
fn a_page_over_the_size_limit_is_rejected_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.html");
    {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
        f.write_all(b"<!DOCTYPE html><html><head><title>Huge</title></head><body>")
            .unwrap();
        let chunk = "<p>The same paragraph about the harbour bridge, over and over again.</p>\n"
            .repeat(14_000);
        while f.get_ref().metadata().unwrap().len() < 200 << 20 {
            f.write_all(chunk.as_bytes()).unwrap();
            f.flush().unwrap();
        }
        f.write_all(b"</body></html>").unwrap();
    }
    std::fs::write(dir.path().join("small.txt"), STORY).unwrap();
    let o = copydesk(&["extract", "huge.html", "small.txt"], dir.path());
    no_panic(&o);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("huge.html") && err.contains("limit"), "{err}");
    assert_eq!(articles(&o).len(), 1);
}

#[test]
fn a_closed_output_pipe_is_not_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let mut jsonl = String::new();
    for i in 0..20_000 {
        jsonl.push_str(&format!(
            "{{\"id\":\"p{i}\",\"text\":\"Paragraph number {i} of a long run of articles.\"}}\n"
        ));
    }
    std::fs::write(dir.path().join("many.jsonl"), jsonl).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_copydesk"))
        .args(["extract", "many.jsonl"])
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 100];
    stdout.read_exact(&mut first).unwrap();
    drop(stdout);
    let o = child.wait_with_output().unwrap();
    no_panic(&o);
    assert!(
        matches!(code(&o), 0 | 1),
        "exit {:?}: {}",
        o.status,
        stderr(&o)
    );
}

#[test]
fn output_closed_before_the_final_flush_is_not_an_error() {
    // Small output stays in the write buffer until the end; the reader is gone by then.
    for _ in 0..3 {
        let mut child = Command::new(env!("CARGO_BIN_EXE_copydesk"))
            .args(["extract", "examples/corpus.jsonl"])
            .current_dir(workspace())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let o = child.wait_with_output().unwrap();
        no_panic(&o);
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        assert!(!stderr(&o).contains("Broken pipe"), "{}", stderr(&o));
    }
}

#[test]
fn output_file_and_examples_directory() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.jsonl");
    let o = copydesk(
        &["extract", "-o", out.to_str().unwrap(), "examples/"],
        &workspace(),
    );
    no_panic(&o);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(o.stdout.is_empty());
    let written = std::fs::read_to_string(&out).unwrap();
    let a: Vec<Value> = written
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // Each example file gives at least one article, the corpus one per line.
    let files = std::fs::read_dir(workspace().join("examples"))
        .unwrap()
        .count();
    assert!(a.len() >= files, "{} articles from {files} files", a.len());
    for name in [
        "meridianwire-kessler-bridge.html",
        "ardellherald-bridge-shut.html",
        "coastlinedaily-double-disruption.txt",
    ] {
        let art = a
            .iter()
            .find(|x| x["origin"]["path"].as_str().unwrap().ends_with(name))
            .unwrap();
        assert!(
            art["text"].as_str().unwrap().contains("Kessler Bridge"),
            "{name}: {art}"
        );
    }
}

#[test]
fn feeds_give_one_article_per_item_and_a_broken_feed_is_named() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("news.rss"),
        "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<rss version=\"2.0\"><channel>\
         <link>https://paper.example/</link><language>fr-FR</language>\
         <item><title>Gr\u{e8}ve</title><link>/a/1</link><pubDate>Tue, 05 Mar 2024 07:00:00 +0100</pubDate>\
         <description>&lt;p&gt;Un.&lt;/p&gt;&lt;p&gt;Deux.&lt;/p&gt;</description></item>\
         <item><title>Deux</title><link>https://paper.example/a/2</link></item></channel></rss>"
            .chars()
            .map(|c| c as u32 as u8)
            .collect::<Vec<u8>>(),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("cut.xml"),
        "<rss><channel><item><title>Only</title></item>\n<item><title>Cu",
    )
    .unwrap();
    let o = copydesk(&["extract", "news.rss", "cut.xml"], dir.path());
    no_panic(&o);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let a = articles(&o);
    assert_eq!(a.len(), 3);
    assert_eq!(a[0]["title"], "Grève");
    assert_eq!(a[0]["url"], "https://paper.example/a/1");
    assert_eq!(a[0]["site"], "paper.example");
    assert_eq!(a[0]["published"], "2024-03-05T07:00:00+01:00");
    assert_eq!(a[0]["language"], "fr");
    assert_eq!(a[0]["text"], "Un.\n\nDeux.");
    assert_eq!(a[0]["format"], "feed");
    assert_eq!(
        (a[1]["origin"]["line"].as_u64(), a[2]["title"].as_str()),
        (Some(2), Some("Only"))
    );
    let err = stderr(&o);
    assert!(err.contains("cut.xml") && err.contains("line 2"), "{err}");

    let feeds = workspace().join("../shared/data/feeds");
    if !feeds.exists() {
        eprintln!("skipped: {} is absent", feeds.display());
        return;
    }
    let o = copydesk(&["extract", "../shared/data/feeds"], &workspace());
    no_panic(&o);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("rss_2.0_invalid_1.xml") && err.contains("line 19"),
        "{err}"
    );
    assert!(
        articles(&o)
            .iter()
            .filter(|a| a["format"] == "feed")
            .count()
            >= 20
    );
}
