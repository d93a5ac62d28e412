//! Lists what the read stage makes of each record of its inputs (one line per item):
//! `cargo run -p copydesk-read --example warc_dump -- FILE...`.

use copydesk_read::{source, Item, ReadOptions};

fn main() {
    let opts = ReadOptions::default();
    for path in std::env::args().skip(1) {
        let opened = match source::open(&path) {
            Ok(o) => o,
            Err(e) => {
                println!("{e}");
                continue;
            }
        };
        let (mut pages, mut skipped, mut errors) = (0, 0, 0);
        for item in source::items(opened, &opts) {
            match item {
                Item::Page(p) => {
                    pages += 1;
                    println!(
                        "page {} {} bytes url={:?} date={:?} type={:?}",
                        p.origin,
                        p.bytes.len(),
                        p.url,
                        p.crawl_date,
                        p.content_type
                    );
                }
                Item::Skipped { origin, reason } => {
                    skipped += 1;
                    println!("skip {origin}: {reason}");
                }
                Item::Error(e) => {
                    errors += 1;
                    println!("error {e}");
                }
                Item::Article(a) => println!("article {}", a.origin),
            }
        }
        println!("== {path}: {pages} pages, {skipped} skipped, {errors} errors");
    }
}
