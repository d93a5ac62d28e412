//! The API over real HTTP: a server on a free loopback port over a real store holding the
//! sample articles of examples/.

mod common;

use std::collections::BTreeSet;
use std::sync::Arc;

use common::{enc, start, start_with_examples, Response, TOKEN};
use copydesk_serve::Config;
use serde_json::json;

const SPUN: &str = "ardellherald-bridge-shut";
const WIRE: &str = "meridianwire-kessler-bridge";
const STITCHED: &str = "coastlinedaily-double-disruption";

fn auth() -> (&'static str, String) {
    ("Authorization", format!("Bearer {TOKEN}"))
}

fn post_authed(s: &common::Server, body: &[u8]) -> Response {
    let (k, v) = auth();
    s.post("/api/articles", &[(k, &v)], body)
}

#[test]
fn every_documented_route_answers_and_no_other_method_does() {
    let s = start_with_examples();
    let doc = s.get("/api/openapi.json");
    assert_eq!(doc.status, 200);
    let doc = doc.json();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."), "OpenAPI 3: {}", doc["openapi"]);
    let paths = doc["paths"].as_object().expect("paths");
    let documented: BTreeSet<(String, String)> = paths
        .iter()
        .flat_map(|(p, item)| item.as_object().unwrap().keys().map(move |m| (p.clone(), m.to_uppercase())))
        .collect();
    let expected: BTreeSet<(String, String)> = [
        ("/api/articles", "POST"),
        ("/api/articles/{id}", "GET"),
        ("/api/search", "GET"),
        ("/api/check", "POST"),
        ("/api/families/{id}", "GET"),
        ("/api/sites/{site}", "GET"),
        ("/api/stats", "GET"),
        ("/api/openapi.json", "GET"),
    ]
    .iter()
    .map(|(p, m)| (p.to_string(), m.to_string()))
    .collect();
    assert_eq!(documented, expected, "the document lists exactly the API's routes");

    let article = json!({"id": "route-probe", "text": "A short probe article about the harbour.\n\nIt has two paragraphs."});
    for (path, method) in &documented {
        let target = path.replace("{id}", WIRE).replace("{site}", "meridianwire.example");
        let r = match (method.as_str(), path.as_str()) {
            ("GET", "/api/search") => s.get("/api/search?q=bridge"),
            ("GET", _) => s.get(&target),
            ("POST", "/api/articles") => post_authed(&s, article.to_string().as_bytes()),
            ("POST", _) => s.post_json(&target, &article),
            _ => unreachable!("{method} {path}"),
        };
        assert_eq!(r.status, 200, "{method} {target}: {}", r.text());
        assert!(r.header("content-type").unwrap_or_default().starts_with("application/json"), "{method} {target}");
        // Every 200 carries the schema the document names for it.
        let op = &paths[path][method.to_lowercase()];
        let schema = &op["responses"]["200"]["content"]["application/json"]["schema"];
        if let Some(reference) = schema["$ref"].as_str() {
            let name = reference.rsplit('/').next().unwrap();
            let props = doc["components"]["schemas"][name]["required"].as_array().cloned().unwrap_or_default();
            let body = r.json();
            for p in props {
                assert!(body.get(p.as_str().unwrap()).is_some(), "{method} {target}: field {p} of {name} missing");
            }
        }
        for other in ["GET", "POST", "PUT", "DELETE", "PATCH"] {
            if documented.contains(&(path.clone(), other.to_string())) {
                continue;
            }
            let r = s.request(other, &target, &[], Some(b"{}"));
            r.error(405);
        }
    }
    let msg = s.get("/api/nothing-here").error(404);
    assert!(msg.contains("no such route"), "{msg}");
    s.request("DELETE", "/", &[], None).error(405);
}

#[test]
fn writes_need_the_right_token() {
    let s = start(common::config_with_token());
    let body = br#"{"id": "t1", "text": "Some text about a bridge."}"#;
    let r = s.post("/api/articles", &[], body);
    assert!(r.error(401).contains("Bearer"));
    assert_eq!(r.header("www-authenticate"), Some("Bearer"));
    s.post("/api/articles", &[("Authorization", "Bearer wrong")], body).error(403);
    s.post("/api/articles", &[("Authorization", TOKEN)], body).error(401);
    let r = post_authed(&s, body);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["results"][0]["outcome"], "added");

    // No token configured: writes are off, reads still work.
    let open = start(Config::default());
    let msg = open.post("/api/articles", &[("Authorization", "Bearer anything")], body).error(403);
    assert!(msg.contains("--token"), "{msg}");
    assert_eq!(open.get("/api/stats").status, 200);
}

#[test]
fn ingest_takes_objects_arrays_and_json_lines_and_reports_outcomes() {
    let s = start(common::config_with_token());
    let one = post_authed(&s, br#"{"id": "a1", "site": "one.example", "published": "2025-01-02", "text": "First article text here."}"#).json();
    assert_eq!(one["results"][0], json!({"id": "a1", "outcome": "added", "revision": 1}));
    let lines = b"{\"id\": \"a2\", \"text\": \"Second one.\"}\n\n{\"id\": \"a3\", \"text\": \"Third one.\"}\n";
    let r = post_authed(&s, lines).json();
    let ids: Vec<&str> = r["results"].as_array().unwrap().iter().map(|x| x["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["a2", "a3"]);
    let arr = post_authed(&s, br#"[{"id": "a1", "text": "First article text here."}, {"id": "a2", "text": "Second one, revised."}]"#).json();
    assert_eq!(arr["results"][0]["outcome"], "unchanged");
    assert_eq!(arr["results"][1]["outcome"], "revised");
    assert_eq!(arr["results"][1]["revision"], 2);
    assert_eq!(arr["report"]["unchanged"], 1);
    assert_eq!(arr["report"]["revised"], 1);
    // An article without an id gets one derived from its URL, as `copydesk extract` does.
    let r = post_authed(&s, br#"{"url": "https://four.example/x", "text": "Fourth."}"#).json();
    let id = r["results"][0]["id"].as_str().unwrap().to_string();
    assert!(id.starts_with('u') && id.len() == 17, "{id}");
    let view = s.get(&format!("/api/articles/{id}")).json();
    assert_eq!(view["article"]["url"], "https://four.example/x");
    assert_eq!(view["article"]["text"], "Fourth.");
    let revised = s.get("/api/articles/a2").json();
    assert_eq!(revised["revision"], 2);
    assert_eq!(revised["revisions"].as_array().unwrap().len(), 1, "{}", revised["revisions"]);
}

#[test]
fn bad_bodies_are_refused_with_a_clear_message() {
    let s = start(common::config_with_token());
    let cases: &[(&[u8], &str)] = &[
        (b"", "empty body"),
        (b"   \n ", "empty body"),
        (b"{\"id\": \"x\", \"text\": ", "malformed JSON at line 1"),
        (b"{\"id\": \"x\", \"text\": \"ok\"}\n{\"id\": broken}", "line 2"),
        (b"{\"id\": \"x\", \"text\": 5}", "invalid type"),
        (b"{\"id\": 7, \"text\": \"ok\"}", "invalid type"),
        (b"{\"id\": \"x\", \"title\": [1], \"text\": \"ok\"}", "article 1"),
        (b"{\"id\": \"x\"}", "\"text\" is missing or empty"),
        (b"[1, 2]", "expected a JSON object"),
        (b"\"just a string\"", "expected a JSON object"),
        (b"{\"id\": \"x\", \"text\": \"abc\", \"paragraphs\": [[0, 99]]}", "paragraph span"),
        (b"\xff\xfe{}", "not UTF-8"),
    ];
    for (body, want) in cases {
        let msg = post_authed(&s, body).error(400);
        assert!(msg.contains(want), "{:?}: {msg:?} should mention {want:?}", String::from_utf8_lossy(body));
    }
    // Nothing of a partly wrong body was stored.
    assert_eq!(s.get("/api/stats").json()["articles"], 0);
    let msg = s.post("/api/check", &[], b"{\"text\": \"one\"}\n{\"text\": \"two\"}").error(400);
    assert!(msg.contains("one article"), "{msg}");
    s.post("/api/check", &[], b"{nope").error(400);
}

#[test]
fn article_view_carries_layers_passages_sources_and_edits() {
    let s = start_with_examples();
    let v = s.get(&format!("/api/articles/{SPUN}")).json();
    assert_eq!(v["article"]["id"], SPUN);
    assert!(v["article"]["layers"]["sentences"].as_array().is_some_and(|a| !a.is_empty()), "layers present");
    assert!(v["article"]["layers"]["quotes"].as_array().is_some_and(|a| !a.is_empty()), "quotes present");
    let passages = v["passages"].as_array().unwrap();
    assert!(!passages.is_empty());
    assert!(passages.iter().all(|p| p["source"] == WIRE), "{passages:?}");
    let edits: Vec<(String, String)> = passages[0]["edits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["from"].as_str().unwrap().into(), e["to"].as_str().unwrap().into()))
        .collect();
    assert!(edits.contains(&("said".into(), "stated".into())), "{edits:?}");
    assert_eq!(v["sources"][0]["id"], WIRE);
    assert!(v["families"].as_array().unwrap().iter().any(|f| f == WIRE));
    assert_eq!(v["entities"], json!([]));
    assert_eq!(v["findings"], json!([]));

    let stitched = s.get(&format!("/api/articles/{STITCHED}")).json();
    let sources: BTreeSet<&str> = stitched["passages"].as_array().unwrap().iter().map(|p| p["source"].as_str().unwrap()).collect();
    assert_eq!(sources, BTreeSet::from([WIRE, "meridianwire-fishing-protest"]));

    let wire = s.get(&format!("/api/articles/{WIRE}")).json();
    let reused_by: BTreeSet<&str> = wire["reused_by"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert!(reused_by.contains(SPUN) && reused_by.contains(STITCHED), "{reused_by:?}");
}

#[test]
fn ids_that_are_tricks_get_a_4xx_never_a_5xx() {
    let s = start_with_examples();
    let msg = s.get("/api/articles/no-such-article").error(404);
    assert!(msg.contains("no-such-article"), "{msg}");
    for (target, status, want) in [
        ("/api/articles/..%2F..%2Fetc%2Fpasswd", 400, "relative path"),
        ("/api/articles/..", 400, "relative path"),
        ("/api/articles/%2e%2e", 400, "relative path"),
        ("/api/articles/a%00b", 400, "control character"),
        ("/api/articles/%0A", 400, "control character"),
        ("/api/articles/%FF%FE", 400, "UTF-8"),
        ("/api/articles/../stats", 404, "no such route"),
        ("/api/articles/x/y", 404, "no such route"),
        ("/api/families/..%5C..%5Cwin", 400, "relative path"),
        ("/api/sites/%00", 400, "control character"),
        ("/api/sites/nowhere.example", 404, "nowhere.example"),
        ("/api/families/no-such-family", 404, "no family"),
    ] {
        let msg = s.get(target).error(status);
        assert!(msg.contains(want), "{target}: {msg:?} should mention {want:?}");
    }
    let long = "x".repeat(600);
    assert!(s.get(&format!("/api/articles/{long}")).error(400).contains("at most"));
    // An id with a slash is a name like any other, reachable percent-encoded.
    let r = post_authed(&s, br#"{"id": "news/2025/a", "text": "An article with a slash in its id."}"#);
    assert_eq!(r.status, 200);
    assert_eq!(s.get(&format!("/api/articles/{}", enc("news/2025/a"))).json()["article"]["id"], "news/2025/a");
}

#[test]
fn search_filters_pages_and_refuses_bad_parameters() {
    let s = start_with_examples();
    let r = s.get("/api/search?q=bridge").json();
    let ids: Vec<&str> = r["hits"].as_array().unwrap().iter().map(|h| h["id"].as_str().unwrap()).collect();
    assert!(ids.contains(&SPUN) && ids.contains(&WIRE), "{ids:?}");
    assert!(r["total"].as_u64().unwrap() >= ids.len() as u64);
    assert!(r["hits"][0]["snippet"].as_str().unwrap().contains("<b>"), "{}", r["hits"][0]);

    let site = s.get("/api/search?q=bridge&site=ardellherald.example").json();
    assert!(site["hits"].as_array().unwrap().iter().all(|h| h["site"] == "ardellherald.example"), "{site}");
    assert!(site["total"].as_u64().unwrap() >= 1);
    let late = s.get("/api/search?q=bridge&from=2025-03-14T09:00:00Z").json();
    assert!(late["hits"].as_array().unwrap().iter().all(|h| h["published"].as_str().unwrap() >= "2025-03-14T09:00:00Z"), "{late}");
    assert!(!late["hits"].as_array().unwrap().iter().any(|h| h["id"] == WIRE));
    let page = s.get("/api/search?q=bridge&limit=1&offset=1").json();
    assert_eq!(page["hits"].as_array().unwrap().len(), 1);
    assert_eq!(page["hits"][0]["id"], r["hits"][1]["id"]);
    assert_eq!(s.get("/api/search?site=meridianwire.example").json()["total"], 2);

    for (query, want) in [
        ("", "give a query"),
        ("?q=%20", "give a query"),
        ("?q=bridge&from=yesterday", "from=\"yesterday\""),
        ("?q=bridge&to=2025-13-45", "to="),
        ("?q=bridge&limit=0", "limit=0"),
        ("?q=bridge&limit=101", "limit=101"),
        ("?q=bridge&limit=ten", "bad query string"),
        ("?q=bridge&offset=-1", "bad query string"),
        ("?q=bridge&offset=99999999", "offset="),
        ("?q=AND%20OR", "query"),
    ] {
        let msg = s.get(&format!("/api/search{query}")).error(400);
        assert!(msg.contains(want), "{query}: {msg:?} should mention {want:?}");
    }
}

#[test]
fn check_traces_an_article_without_storing_it() {
    let s = start_with_examples();
    let spun = s.get(&format!("/api/articles/{SPUN}")).json();
    let text = spun["article"]["text"].as_str().unwrap();
    let r = s.post_json("/api/check", &json!({"id": "pasted", "site": "elsewhere.example", "published": "2025-03-15", "text": text}));
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    assert!(v["revision"].is_null());
    assert!(v["passages"].as_array().unwrap().iter().any(|p| p["source"] == WIRE), "{}", v["passages"]);
    assert!(v["article"]["layers"]["sentences"].as_array().is_some_and(|a| !a.is_empty()));
    s.get("/api/articles/pasted").error(404);
    assert_eq!(s.get("/api/stats").json()["articles"], 5);
}

#[test]
fn family_and_site_views() {
    let s = start_with_examples();
    let f = s.get(&format!("/api/families/{WIRE}")).json();
    assert_eq!(f["original"]["id"], WIRE);
    let copies: BTreeSet<&str> = f["copies"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(copies, BTreeSet::from([SPUN, STITCHED]));
    assert!(f["lineage"].as_array().unwrap().iter().any(|e| e["from"] == WIRE && e["to"] == SPUN));
    assert_eq!(f["dated"], true);

    let site = s.get("/api/sites/ardellherald.example").json();
    assert_eq!(site["articles"], 2);
    assert_eq!(site["sources"][0]["site"], "meridianwire.example");
    let subs = site["substitutions"].as_array().unwrap();
    assert!(subs.iter().any(|x| x["from"] == "said" && x["to"] == "stated"), "{subs:?}");
    let wire = s.get("/api/sites/meridianwire.example").json();
    assert!(wire["reused_by"].as_array().unwrap().iter().any(|x| x["site"] == "ardellherald.example"));
}

/// Sends a body that is larger than the limit while reading the answer on another
/// thread: the server answers before the body is through and closes, and the answer must
/// not be lost in the reset that follows.
fn post_oversized(s: &common::Server, path: &str, head: String, body_len: usize, chunked: bool) -> Response {
    use std::io::{Read, Write};
    let mut conn = std::net::TcpStream::connect(s.addr).unwrap();
    conn.set_read_timeout(Some(std::time::Duration::from_secs(60))).unwrap();
    let mut reader = conn.try_clone().unwrap();
    let read = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let mut chunk = [0u8; 8192];
        loop {
            match reader.read(&mut chunk) {
                Ok(0) | Err(_) => break,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        buf
    });
    let framing = if chunked { "Transfer-Encoding: chunked".to_string() } else { format!("Content-Length: {body_len}") };
    let _ = conn.write_all(format!("POST {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n{head}{framing}\r\n\r\n").as_bytes());
    let block = vec![b'a'; 1 << 16];
    let mut sent = 0;
    while sent < body_len {
        let n = block.len().min(body_len - sent);
        let ok = if chunked {
            conn.write_all(format!("{n:x}\r\n").as_bytes()).and_then(|_| conn.write_all(&block[..n])).and_then(|_| conn.write_all(b"\r\n"))
        } else {
            conn.write_all(&block[..n])
        };
        if ok.is_err() {
            break;
        }
        sent += n;
    }
    if chunked {
        let _ = conn.write_all(b"0\r\n\r\n");
    }
    let _ = conn.shutdown(std::net::Shutdown::Write);
    common::parse_response(&read.join().unwrap())
}

#[test]
fn bodies_over_the_limit_are_413() {
    let s = start(common::config_with_token());
    let head = format!("Authorization: Bearer {TOKEN}\r\n");
    let r = post_oversized(&s, "/api/articles", head.clone(), 100 << 20, false);
    assert!(r.error(413).contains("8 MB"), "{}", r.text());
    let r = post_oversized(&s, "/api/articles", head, 9 << 20, true);
    r.error(413);
    // Checks have a smaller limit than writes.
    let r = post_oversized(&s, "/api/check", String::new(), 2 << 20, false);
    assert!(r.error(413).contains("1 MB"), "{}", r.text());
    // Without the token, a big write is refused before its body is read.
    let r = post_oversized(&s, "/api/articles", String::new(), 100 << 20, false);
    r.error(401);
    // Just under the limit is read (and then judged on its content).
    let mut body = br#"{"id": "big", "text": ""#.to_vec();
    body.extend(vec![b'w'; 100_000]);
    body.extend_from_slice(b"\"}");
    let (k, v) = auth();
    assert_eq!(s.post("/api/articles", &[(k, &v)], &body).status, 200);
}

#[test]
fn the_page_is_served_for_its_paths() {
    let s = start(Config::default());
    for path in ["/", "/check", &format!("/a/{SPUN}"), "/f/x", "/s/ardellherald.example", "/a/a%2Fb"] {
        let r = s.get(path);
        assert_eq!(r.status, 200, "{path}");
        assert!(r.header("content-type").unwrap().starts_with("text/html"));
        assert!(r.header("content-security-policy").unwrap().contains("default-src 'self'"));
        assert!(r.text().contains("/assets/app.js"));
    }
    let js = s.get("/assets/app.js");
    assert_eq!(js.status, 200);
    assert!(js.header("content-type").unwrap().starts_with("text/javascript"));
    assert!(s.get("/assets/app.css").text().contains("mark.passage"));
    s.get("/assets/nope.js").error(404);
}

#[test]
fn readers_see_whole_articles_while_a_writer_ingests() {
    let s = Arc::new(start_with_examples());
    let writer = {
        let s = s.clone();
        std::thread::spawn(move || {
            for i in 0..20 {
                let body = json!({"id": format!("w{i}"), "site": "writer.example", "text": format!("Writer article {i}.\n\nEngineers closed the Kessler Bridge, the main road link between Port Ardell and its container terminal.")});
                assert_eq!(post_authed(&s, body.to_string().as_bytes()).status, 200);
            }
        })
    };
    let mut last = 0;
    let mut rounds = 0;
    while !writer.is_finished() || rounds < 5 {
        let stats = s.get("/api/stats").json();
        let n = stats["articles"].as_u64().unwrap();
        assert!(n >= last, "article count went back from {last} to {n}");
        last = n;
        let v = s.get(&format!("/api/articles/{SPUN}")).json();
        assert_eq!(v["article"]["id"], SPUN);
        assert!(!v["passages"].as_array().unwrap().is_empty());
        rounds += 1;
    }
    writer.join().unwrap();
    assert_eq!(s.get("/api/stats").json()["articles"], 25);
}

#[test]
fn a_failing_or_panicking_store_answers_json_5xx_and_the_server_goes_on() {
    use copydesk_store::*;
    struct Broken;
    impl copydesk_serve::Backend for Broken {
        fn ingest(&self, _: Vec<copydesk_model::Article>) -> Result<(Vec<IngestResult>, IngestReport)> {
            Err(StoreError::Unavailable { path: "/x".into(), message: "locked".into() })
        }
        fn article(&self, _: &str) -> Result<Option<ArticleView>> {
            panic!("deliberate panic in a store call")
        }
        fn check(&self, _: copydesk_model::Article) -> Result<ArticleView> {
            Err(StoreError::Search("index gone".into()))
        }
        fn search(&self, _: &SearchQuery) -> Result<SearchResults> {
            Err(StoreError::BadInput("bad query".into()))
        }
        fn family(&self, _: &str) -> Result<Option<FamilyView>> {
            Ok(None)
        }
        fn site(&self, _: &str) -> Result<Option<SiteView>> {
            Ok(None)
        }
        fn stats(&self) -> Result<StoreStats> {
            Ok(StoreStats::default())
        }
    }
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let addr = listener.local_addr().unwrap();
    let app = copydesk_serve::router_with(Arc::new(Broken), common::config_with_token());
    runtime.spawn(async move { copydesk_serve::serve(listener, app).await });
    let s = common::Server::at(addr);
    assert!(s.get("/api/articles/x").error(500).contains("deliberate panic"));
    s.post_json("/api/check", &json!({"text": "t"})).error(500);
    s.get("/api/search?q=x").error(400);
    let (k, v) = auth();
    s.post("/api/articles", &[(k, &v)], br#"{"text": "t"}"#).error(503);
    assert_eq!(s.get("/api/stats").status, 200, "the server still answers");
}

#[test]
fn schema_mirrors_serialise_like_the_store_types() {
    use copydesk_serve::schema::{self, roundtrip};
    let s = start_with_examples();
    let store = s.store.clone().unwrap();
    for id in [SPUN, WIRE, STITCHED, "ardellherald-library-reopens"] {
        let view = store.article(id).unwrap().unwrap();
        roundtrip::<schema::ArticleView>(&view).unwrap_or_else(|e| panic!("{id}: {e}"));
    }
    let mut article = store.article(SPUN).unwrap().unwrap().article;
    article.id = "mirror-check".into();
    article.url = Some("https://x.example/a".into());
    article.bylines = vec!["A. Writer".into()];
    article.captions = vec![copydesk_model::Caption { text: "A photo".into(), kind: copydesk_model::CaptionKind::Credit }];
    article.origin.line = Some(3);
    roundtrip::<schema::Article>(&article).unwrap();
    roundtrip::<schema::ArticleView>(&store.check(article.clone()).unwrap()).unwrap();
    let (results, report) = store.ingest(vec![article], &mut |_| {}).unwrap();
    roundtrip::<schema::IngestResponse>(&json!({"results": results, "report": report})).unwrap();
    roundtrip::<schema::FamilyView>(&store.family(WIRE).unwrap().unwrap()).unwrap();
    roundtrip::<schema::SiteView>(&store.site("ardellherald.example").unwrap().unwrap()).unwrap();
    let q = copydesk_store::SearchQuery { q: "bridge".into(), ..Default::default() };
    roundtrip::<schema::SearchResults>(&store.search(&q).unwrap()).unwrap();
    roundtrip::<schema::StoreStats>(&store.stats().unwrap()).unwrap();
    // A field the mirror does not know fails the round trip.
    let mut stats = serde_json::to_value(store.stats().unwrap()).unwrap();
    stats["new_field"] = json!(1);
    assert!(roundtrip::<schema::StoreStats>(&stats).is_err());
}
