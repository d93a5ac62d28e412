//! Feed reading speed: a synthetic RSS 2.0 feed of 2,000 items with HTML content, as large
//! news sites publish them (bytes to finished articles, decoding included).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

use copydesk_read::{feed, ReadOptions};

fn synthetic_feed(items: usize) -> Vec<u8> {
    let mut s = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss version=\"2.0\" \
         xmlns:dc=\"http://purl.org/dc/elements/1.1/\" \
         xmlns:content=\"http://purl.org/rss/1.0/modules/content/\">\n<channel>\
         <title>Bench</title><link>https://news.example/</link><language>en</language>\n",
    );
    for i in 0..items {
        s.push_str(&format!(
            "<item><title>Story {i}: council &amp; port agree on harbour plan</title>\
             <link>/2024/story-{i}</link><pubDate>Mon, 0{} Jan 2024 08:{:02}:00 +0100</pubDate>\
             <dc:creator>Ann Lee and Bob Ray</dc:creator><category>Local</category>\
             <description>The council and the port agreed a plan, officials said.</description>\
             <content:encoded><![CDATA[",
            1 + i % 9,
            i % 60
        ));
        for p in 0..5 {
            s.push_str(&format!(
                "<p>Paragraph {p} of story {i}: the council&rsquo;s <b>harbour</b> committee met on \
                 Monday and agreed, after a long debate, to fund the repairs &mdash; a decision \
                 welcomed by <a href=\"/x\">fishing crews</a> and ferry operators alike.</p>"
            ));
        }
        s.push_str("<figure><img src=\"/i.jpg\"><figcaption>The harbour at dawn.</figcaption></figure>]]></content:encoded></item>\n");
    }
    s.push_str("</channel></rss>\n");
    s.into_bytes()
}

fn bench(c: &mut Criterion) {
    let bytes = synthetic_feed(2000);
    let opts = ReadOptions::default();
    let mut g = c.benchmark_group("feed");
    g.throughput(Throughput::Bytes(bytes.len() as u64));
    g.sample_size(20);
    g.bench_function("rss2_2000_items", |b| {
        b.iter(|| feed::items(bytes.clone(), "bench.xml".into(), &opts).len())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
