//! A stable-Rust smoke run of the fuzz targets (`fuzz/`, cargo-fuzz on nightly): the same target
//! bodies (`claude_sdk_stream::fuzz`) replayed over the committed seed corpora
//! (`fuzz/seeds/<target>/`) plus a fixed number of deterministic mutations of them (fixed-seed
//! xorshift PRNG; bounded by iteration count, never by time). Each body panics when one of the
//! target's invariants fails, so a failure here names the target and the input to replay.
//! See docs/fuzzing.md.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;

use claude_sdk_core::message::Message;
use claude_sdk_stream::fuzz;

/// Mutated inputs per target, on top of the seeds.
const ITERATIONS: usize = 20_000;
/// Inputs are cut to this length (libFuzzer's default `-max_len` is 4096).
const MAX_LEN: usize = 4096;

/// Fragments the mutator splices in: JSON structure, escapes, known keys and tags, SSE fields,
/// line endings — so that mutated inputs keep reaching the parsers past the first byte.
const DICTIONARY: &[&[u8]] = &[
    b"\"type\":",
    b"\"type\":\"text\",",
    b"\"subtype\":\"init\",",
    b"\"text\":\"a\\nb\\u00e9\\ud83d\\ude00\",",
    b"\"extra\":{\"k\":[1,2.5e300,null,true]},",
    b"\"index\":0,",
    b"\"delta\":{\"type\":\"text_delta\",\"text\":\"x\"}",
    b"\"content\":[{\"type\":\"text\",\"text\":\"t\"}]",
    b"\"message\":{\"content\":[]}",
    b"\"event\":{\"type\":\"message_stop\"}",
    b"\"request_id\":\"r\",",
    b"\"response\":{\"subtype\":\"success\",\"request_id\":\"r\"}",
    b"null",
    b"{}",
    b"[]",
    b"\"\"",
    b"\\\"",
    b"\\u0000",
    b"-0.0e-7",
    b"18446744073709551616",
    b"data: ",
    b"event: ",
    b"id: ",
    b"retry: 10",
    b": comment",
    b"\xEF\xBB\xBF",
    b"\r\n",
    b"\n\n",
    b"\r",
    b"\xff",
    b"\xc3\xa9",
];

/// xorshift64: deterministic, seeded per target.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// One to four stacked mutations of `input` (libFuzzer-style: bit flips, interesting bytes,
/// erase, duplicate, dictionary insert, splice with another seed, and moving the leading
/// `"type"` pair to the end of the object, which exercises the tag-not-first paths).
fn mutate(rng: &mut Rng, input: &[u8], seeds: &[Vec<u8>]) -> Vec<u8> {
    let mut data = input.to_vec();
    for _ in 0..1 + rng.below(4) {
        let len = data.len();
        let at = rng.below(len + 1);
        match rng.below(8) {
            0 if len > 0 => {
                let i = rng.below(len);
                data[i] ^= 1 << rng.below(8);
            }
            1 if len > 0 => {
                const INTERESTING: &[u8] = b"\"\\{}[],:0\n\r \xff\x00";
                let i = rng.below(len);
                data[i] = INTERESTING[rng.below(INTERESTING.len())];
            }
            2 if len > 0 => {
                let n = 1 + rng.below(8.min(len - at.min(len - 1)));
                let start = at.min(len - 1);
                data.drain(start..(start + n).min(len));
            }
            3 if len > 0 => {
                let start = rng.below(len);
                let n = 1 + rng.below(16.min(len - start));
                let piece = data[start..start + n].to_vec();
                data.splice(at..at, piece);
            }
            4 | 5 => {
                let word = DICTIONARY[rng.below(DICTIONARY.len())];
                data.splice(at..at, word.iter().copied());
            }
            6 => {
                let other = &seeds[rng.below(seeds.len())];
                let from = rng.below(other.len() + 1);
                data.truncate(at);
                data.extend_from_slice(&other[from..]);
            }
            _ => move_type_last(&mut data),
        }
    }
    data.truncate(MAX_LEN);
    data
}

/// `{"type":"x",REST}` → `{REST,"type":"x"}` (when the input has that shape).
fn move_type_last(data: &mut Vec<u8>) {
    let Some(rest) = data.strip_prefix(b"{\"type\":\"") else {
        return;
    };
    let Some(end) = rest.iter().position(|&b| b == b'"') else {
        return;
    };
    let pair_end = 9 + end + 1;
    if data.get(pair_end) != Some(&b',') || data.last() != Some(&b'}') {
        return;
    }
    let pair = data[1..pair_end].to_vec();
    let mut out = vec![b'{'];
    out.extend_from_slice(&data[pair_end + 1..data.len() - 1]);
    out.push(b',');
    out.extend_from_slice(&pair);
    out.push(b'}');
    *data = out;
}

fn seeds(target: &str) -> Vec<Vec<u8>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/seeds")
        .join(target);
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("the seed corpus {} is missing: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    let seeds: Vec<Vec<u8>> = paths.iter().map(|p| std::fs::read(p).unwrap()).collect();
    assert!(!seeds.is_empty(), "no seeds in {}", dir.display());
    seeds
}

/// Runs `body` on every seed and on `ITERATIONS` mutations; on a panic, fails with the input
/// (escaped) so it can be saved and replayed with cargo-fuzz. Returns every input run.
fn smoke(target: &str, seed: u64, body: fn(&[u8])) -> Vec<Vec<u8>> {
    let seeds = seeds(target);
    let mut rng = Rng(seed);
    let mut inputs = seeds.clone();
    for i in 0..ITERATIONS {
        let base = if i % 4 == 3 {
            // Now and then build on an earlier mutant, to get further from the seeds.
            inputs[rng.below(inputs.len())].clone()
        } else {
            seeds[i % seeds.len()].clone()
        };
        inputs.push(mutate(&mut rng, &base, &seeds));
    }
    for (i, input) in inputs.iter().enumerate() {
        if catch_unwind(AssertUnwindSafe(|| body(input))).is_err() {
            panic!(
                "fuzz target `{target}` failed on input #{i}: \"{}\"",
                input.escape_ascii()
            );
        }
    }
    inputs
}

#[test]
fn line_framer_smoke() {
    let inputs = smoke("line_framer", 0x5EED_0001, fuzz::line_framer::run);
    assert_eq!(inputs.len(), seeds("line_framer").len() + ITERATIONS);
}

#[test]
fn sse_parser_smoke() {
    let inputs = smoke("sse_parser", 0x5EED_0002, fuzz::sse_parser::run);
    assert_eq!(inputs.len(), seeds("sse_parser").len() + ITERATIONS);
}

#[test]
fn event_parser_smoke() {
    let inputs = smoke("event_parser", 0x5EED_0003, fuzz::event_parser::run);
    // The mutations must keep reaching the typed parser, not only its JSON error path.
    let parsed: Vec<Message> = inputs
        .iter()
        .filter_map(|i| Message::from_slice(i).ok())
        .collect();
    let typed = parsed
        .iter()
        .filter(|m| !matches!(m, Message::Unknown(_)))
        .count();
    assert!(
        parsed.len() >= ITERATIONS / 10,
        "only {} of {} inputs parsed",
        parsed.len(),
        inputs.len()
    );
    assert!(typed >= ITERATIONS / 20, "only {typed} typed messages");
}

#[test]
fn raw_shape_smoke() {
    let inputs = smoke("raw_shape", 0x5EED_0004, |input| {
        fuzz::raw_shape::run(input);
    });
    // Enough mutations must still match a learned shape to test the fast path, not only its
    // early exits (most mutations change the structure; about 3% keep it).
    let matched = inputs.iter().filter(|i| fuzz::raw_shape::run(i)).count();
    assert!(
        matched >= ITERATIONS / 50,
        "only {matched} of {} inputs matched their sample's shape",
        inputs.len()
    );
}

#[test]
fn mutations_are_deterministic_and_change_the_input() {
    let seeds = seeds("event_parser");
    let run = |seed| {
        let mut rng = Rng(seed);
        (0..200)
            .map(|i| mutate(&mut rng, &seeds[i % seeds.len()], &seeds))
            .collect::<Vec<_>>()
    };
    let (a, b) = (run(7), run(7));
    assert_eq!(a, b);
    let changed = a
        .iter()
        .enumerate()
        .filter(|(i, m)| **m != seeds[i % seeds.len()])
        .count();
    assert!(
        changed > 150,
        "only {changed} of 200 mutations changed the input"
    );
    let mut moved = br#"{"type":"result","subtype":"success"}"#.to_vec();
    move_type_last(&mut moved);
    assert_eq!(moved, br#"{"subtype":"success","type":"result"}"#);
}

#[test]
fn a_failing_body_is_reported_with_its_input() {
    fn picky(input: &[u8]) {
        assert!(!input.starts_with(b"{\"type\":\"control_cancel"), "boom");
    }
    let err = catch_unwind(|| smoke("event_parser", 1, picky)).unwrap_err();
    let msg = err.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(
        msg.contains("fuzz target `event_parser` failed on input #"),
        "{msg}"
    );
    assert!(msg.contains("control_cancel"), "{msg}");
}
