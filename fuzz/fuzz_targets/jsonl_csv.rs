//! JSON lines and CSV readers on arbitrary bytes.
#![no_main]

use std::io::Cursor;

use copydesk_read::{table, ReadOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let opts = ReadOptions {
        max_document_bytes: Some(1 << 16),
        ..Default::default()
    };
    for _ in table::jsonl_items(
        Box::new(Cursor::new(data.to_vec())),
        "fuzz.jsonl".into(),
        &opts,
    ) {}
    for _ in table::csv_items(
        Box::new(Cursor::new(data.to_vec())),
        "fuzz.csv".into(),
        &opts,
    ) {}
});
