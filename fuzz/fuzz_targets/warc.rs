//! WARC/ARC reader on arbitrary bytes: as plain records, as a raw gzip stream, as valid
//! per-record gzip members (possibly cut short), and through format sniffing.
#![no_main]

use std::io::{Cursor, Write};

use copydesk_read::{source, warc, Item, ReadOptions};
use libfuzzer_sys::fuzz_target;

fn drain(items: Box<dyn Iterator<Item = Item> + Send>) {
    // Every input must end: a bound far above what a few KB can hold catches endless loops.
    let mut n = 0usize;
    for _ in items {
        n += 1;
        assert!(n < 1_000_000, "reader does not terminate");
    }
}

/// Gzips each piece that starts at a `WARC/` or `filedesc:` line as its own member.
fn gzip_per_record(data: &[u8]) -> Vec<u8> {
    let mut starts = vec![0];
    for (i, w) in data.windows(6).enumerate() {
        if i > 0 && data[i - 1] == b'\n' && (w.starts_with(b"WARC/") || w.starts_with(b"http:")) {
            starts.push(i);
        }
    }
    starts.push(data.len());
    let mut out = Vec::new();
    for w in starts.windows(2) {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        let _ = e.write_all(&data[w[0]..w[1]]);
        if let Ok(m) = e.finish() {
            out.extend_from_slice(&m);
        }
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let opts = ReadOptions {
        max_document_bytes: Some(1 << 16),
        ..Default::default()
    };
    let path = "fuzz".to_string();
    match mode % 4 {
        0 => drain(warc::items(
            Box::new(Cursor::new(rest.to_vec())),
            false,
            path,
            &opts,
        )),
        1 => drain(warc::items(
            Box::new(Cursor::new(rest.to_vec())),
            true,
            path,
            &opts,
        )),
        2 => {
            let gz = gzip_per_record(rest);
            // The mode byte's high bits pick a cut: 0 keeps the whole stream.
            let cut = (mode >> 2) as usize;
            let gz = if cut == 0 {
                gz
            } else {
                gz[..gz.len() * cut / 64].to_vec()
            };
            drain(warc::items(Box::new(Cursor::new(gz)), true, path, &opts))
        }
        _ => {
            if let Ok(o) = source::open_reader(Box::new(Cursor::new(rest.to_vec())), "fuzz.warc") {
                drain(source::items(o, &opts));
            }
        }
    }
});
