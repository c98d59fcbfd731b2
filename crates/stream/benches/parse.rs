//! Framing and parsing throughput on recorded CLI output (`fixtures/cli-session.ndjson`).
//!
//! - `framing/fixture`: [`LineFramer`] alone, fed the fixture in 64 KiB pieces.
//! - `frame_parse/fixture`: the same plus [`Message::from_slice`] on every line.
//! - `frame_lazy/fixture`: the same with `RawMessage::from_slice` (validate + classify, no typed
//!   parse) instead.
//! - `parse_only/fixture`: [`Message::from_slice`] on pre-split lines (no framing).
//! - `big_line/*`: one 5 MiB `assistant` text line, framed, and framed + parsed.
//! - `parse_kind/*`: [`Message::from_slice`] on the fixture's lines of one kind (`type`, with the
//!   subtype or event type), to see which message shapes are slow.
//! - `floor/*`: serde_json on the same lines without our types: `IgnoredAny` (validate and skip,
//!   the ceiling of any serde_json-based parser) and `Value` (an untyped tree).
//!
//! Throughput is in MB/s (10^6 bytes). `cargo bench -p claude-sdk-stream --bench parse`;
//! the side-by-side comparison with the Python and TypeScript SDKs is `cargo xtask bench parse`.
#![allow(clippy::print_stderr)]

mod common;

use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::Duration;

use claude_sdk_core::message::Message;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use serde::de::IgnoredAny;
use serde_json::Value;

use common::{CHUNK, FIXTURE, big_assistant_line, frame, frame_and_classify, frame_and_parse};

const BIG_LINE_BYTES: usize = 5 * 1024 * 1024;

fn report(what: &str, result: Result<(), String>) {
    if let Err(e) = result {
        eprintln!("{what}: {e}");
    }
}

fn fixture(c: &mut Criterion) {
    let lines = fixture_lines();
    let bytes = FIXTURE.len() as u64;

    let mut g = c.benchmark_group("framing");
    g.throughput(Throughput::BytesDecimal(bytes));
    g.bench_function("fixture", |b| {
        b.iter(|| {
            let mut n = 0usize;
            report(
                "framing",
                frame(black_box(FIXTURE), CHUNK, |l| {
                    n += black_box(l).len();
                    Ok(())
                }),
            );
            n
        });
    });
    g.finish();

    let mut g = c.benchmark_group("frame_parse");
    g.throughput(Throughput::BytesDecimal(bytes));
    g.bench_function("fixture", |b| {
        b.iter(|| frame_and_parse(black_box(FIXTURE), CHUNK).map(|c| c.lines))
    });
    g.finish();

    let mut g = c.benchmark_group("frame_lazy");
    g.throughput(Throughput::BytesDecimal(bytes));
    g.bench_function("fixture", |b| {
        b.iter(|| frame_and_classify(black_box(FIXTURE), CHUNK).map(|c| c.lines))
    });
    g.finish();

    let mut g = c.benchmark_group("parse_only");
    g.throughput(Throughput::BytesDecimal(bytes));
    g.bench_function("fixture", |b| {
        b.iter(|| {
            lines
                .iter()
                .filter(|l| Message::from_slice(black_box(l)).is_ok())
                .count()
        });
    });
    g.finish();
}

fn big_line(c: &mut Criterion) {
    let mut line = match big_assistant_line(FIXTURE, BIG_LINE_BYTES) {
        Ok(line) => line,
        Err(e) => {
            eprintln!("big_line: skipped: {e}");
            return;
        }
    };
    line.push(b'\n');
    let mut g = c.benchmark_group("big_line");
    g.throughput(Throughput::BytesDecimal(line.len() as u64))
        .sample_size(20)
        .measurement_time(Duration::from_secs(10));
    g.bench_function("framing_5MiB", |b| {
        b.iter(|| {
            let mut n = 0usize;
            report(
                "framing",
                frame(black_box(&line), CHUNK, |l| {
                    n += l.len();
                    Ok(())
                }),
            );
            n
        });
    });
    g.bench_function("frame_parse_5MiB", |b| {
        b.iter(|| frame_and_parse(black_box(&line), CHUNK).map(|c| c.typed))
    });
    g.finish();
}

fn fixture_lines() -> Vec<&'static [u8]> {
    FIXTURE
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .collect()
}

/// `assistant`, `system/init`, `stream_event/content_block_delta`, ...
fn kind(line: &[u8]) -> String {
    let v: Value = serde_json::from_slice(line).unwrap_or(Value::Null);
    let field = |p: &str| {
        v.pointer(p)
            .and_then(Value::as_str)
            .unwrap_or("?")
            .to_owned()
    };
    match field("/type").as_str() {
        "system" => format!("system_{}", field("/subtype")),
        "stream_event" => format!("stream_event_{}", field("/event/type")),
        other => other.to_owned(),
    }
}

fn per_kind(c: &mut Criterion) {
    let mut kinds: BTreeMap<String, Vec<&[u8]>> = BTreeMap::new();
    for line in fixture_lines() {
        kinds.entry(kind(line)).or_default().push(line);
    }
    let mut g = c.benchmark_group("parse_kind");
    g.measurement_time(Duration::from_secs(2))
        .warm_up_time(Duration::from_millis(500));
    for (kind, lines) in &kinds {
        let bytes: usize = lines.iter().map(|l| l.len() + 1).sum();
        g.throughput(Throughput::BytesDecimal(bytes as u64));
        g.bench_function(kind.as_str(), |b| {
            b.iter(|| {
                lines
                    .iter()
                    .filter(|l| Message::from_slice(black_box(l)).is_ok())
                    .count()
            });
        });
    }
    g.finish();
}

fn floor(c: &mut Criterion) {
    let lines = fixture_lines();
    let mut g = c.benchmark_group("floor");
    g.throughput(Throughput::BytesDecimal(FIXTURE.len() as u64));
    g.bench_function("serde_json_ignored_any", |b| {
        b.iter(|| {
            lines
                .iter()
                .filter(|l| serde_json::from_slice::<IgnoredAny>(black_box(l)).is_ok())
                .count()
        });
    });
    g.bench_function("serde_json_value", |b| {
        b.iter(|| {
            lines
                .iter()
                .filter(|l| serde_json::from_slice::<Value>(black_box(l)).is_ok())
                .count()
        });
    });
    g.finish();
}

criterion_group!(benches, fixture, big_line, per_kind, floor);
criterion_main!(benches);
