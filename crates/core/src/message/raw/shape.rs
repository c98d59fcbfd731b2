//! Shapes: the fixed text of lines seen before, so a line of a known shape is checked by
//! comparing bytes instead of parsing them.
//!
//! The CLI writes the same kinds of lines over and over with the same keys in the same order —
//! a `stream_event` text delta differs from the previous one only in its text and ids. A
//! [`Shape`] is a valid line cut into *literal* text (every key, every punctuation mark, every
//! `true`/`false`/`null`, and the values of `type`/`subtype` keys) and *slots* (the other
//! string contents and numbers). A new line matches a shape when its bytes equal the literals
//! and each slot holds a valid token of the slot's kind.
//!
//! Why that is enough: swapping one valid string content for another, or one valid number for
//! another, keeps a valid JSON text valid (same structure, same nesting, same keys), and the
//! slot checks are the scanner's own — conservative in the same way: a surrogate escape, an
//! exponent or an over-long integer is "unsure" and the line takes the full path. The top-level
//! tags sit in literals, so their spans are known from the shape.
//!
//! Shapes are learned from lines the scanner accepted and kept per thread, most recently used
//! first, at most [`CAPACITY`] of them and each with at most [`MAX_TEXT`] bytes of literal text and [`MAX_SLOTS`] slots, so the
//! cache is small and bounded whatever the input.

use std::cell::RefCell;
use std::ops::Range;

use super::scan::{Cursor, Slot};

/// Shapes kept per thread.
pub(super) const CAPACITY: usize = 32;

/// Most literal text a shape keeps (a line with more structure than this is not learned), so
/// a thread's shapes never take more than `CAPACITY * MAX_TEXT` bytes of text.
pub(super) const MAX_TEXT: usize = 8 * 1024;

/// Most slots a shape has, for the same reason: with [`MAX_TEXT`], a shape takes at most about
/// 16 KiB, and a thread's cache at most about half a MiB (typical shapes take a few hundred
/// bytes; the fixture's biggest, an 18 KB `control_response`, has 229 slots).
pub(super) const MAX_SLOTS: usize = 512;

/// The kind of token a slot holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A string's content (between the quotes, which are literal).
    Str,
    /// A number.
    Num,
}

/// Where a top-level tag's value sits: literal `lit`, bytes `range` of it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct TagAt {
    lit: usize,
    range: Range<usize>,
}

/// One learned line shape: `literals.len() == slots.len() + 1`; a line is
/// `lit[0] slot[0] lit[1] … slot[n-1] lit[n]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Shape {
    /// All literal text, back to back.
    text: Box<[u8]>,
    /// Each literal's range in `text`.
    literals: Box<[Range<usize>]>,
    slots: Box<[Kind]>,
    type_name: Option<TagAt>,
    subtype: Option<TagAt>,
}

/// The tags of a matched line, as spans of the line.
pub(super) type Tags = (Option<Range<usize>>, Option<Range<usize>>);

/// What a thread keeps: its shapes, and whether they pay for themselves.
///
/// `credit` is a budget in bytes: a hit earns the line's length (roughly the scan it saved), a
/// miss costs the bytes its failed candidates compared plus the line's length (the shape to
/// learn). When it runs out — a stream whose lines never repeat their shape — the cache is
/// bypassed for [`BYPASS_LINES`] lines and then tried again on a small budget, so such a stream
/// pays a few percent over the plain scan instead of many times it.
#[derive(Debug)]
struct Cache {
    shapes: Vec<Shape>,
    credit: i64,
    bypass: u32,
}

/// The budget a thread starts with: enough to learn the first shapes of a stream.
const START_CREDIT: i64 = 64 * 1024;
/// The budget after a bypass.
const RETRY_CREDIT: i64 = 8 * 1024;
/// Most credit saved up.
const MAX_CREDIT: i64 = 256 * 1024;
/// Lines checked by the plain scan alone once the budget is spent.
pub(super) const BYPASS_LINES: u32 = 1024;

thread_local! {
    static CACHE: RefCell<Cache> = const {
        RefCell::new(Cache { shapes: Vec::new(), credit: START_CREDIT, bypass: 0 })
    };
}

/// What [`lookup`] found.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Lookup {
    /// The line has a known shape: it is valid, with these tags.
    Hit(Tags),
    /// No known shape; scan the line, and [`learn`] its shape if it is valid.
    Miss,
    /// The cache is bypassed: scan the line, learn nothing.
    Bypass,
}

/// Whether `line` matches a shape this thread has learned (a miss is no verdict: the line may
/// still be valid).
pub(super) fn lookup(line: &[u8]) -> Lookup {
    CACHE.with(|cache| {
        let cache = &mut *cache.borrow_mut();
        if cache.bypass > 0 {
            cache.bypass -= 1;
            return Lookup::Bypass;
        }
        let mut wasted = 0;
        for at in 0..cache.shapes.len() {
            match cache.shapes[at].matches(line) {
                Ok(tags) => {
                    cache.shapes[..=at].rotate_right(1);
                    cache.credit = (cache.credit + len(line)).min(MAX_CREDIT);
                    return Lookup::Hit(tags);
                }
                Err(compared) => wasted += compared,
            }
        }
        cache.credit -= i64::try_from(wasted).unwrap_or(i64::MAX) + len(line);
        if cache.credit < 0 {
            cache.bypass = BYPASS_LINES;
            cache.credit = RETRY_CREDIT;
            return Lookup::Bypass;
        }
        Lookup::Miss
    })
}

fn len(line: &[u8]) -> i64 {
    i64::try_from(line.len()).unwrap_or(i64::MAX)
}

/// Remembers the shape of `line`, which missed in [`lookup`] and which the scanner has just
/// accepted.
pub(super) fn learn(line: &[u8]) {
    let Some(shape) = Shape::of(line) else {
        return;
    };
    CACHE.with(|cache| {
        let shapes = &mut cache.borrow_mut().shapes;
        if shapes.len() == CAPACITY {
            shapes.pop();
        }
        shapes.insert(0, shape);
    });
}

impl Shape {
    /// The shape of a line the scanner accepted; `None` for lines it does not describe (a tag
    /// with escapes).
    pub(super) fn of(line: &[u8]) -> Option<Shape> {
        let mut text = Vec::new();
        let mut literals = Vec::new();
        let mut slots = Vec::new();
        let (mut type_name, mut subtype) = (None, None);
        let mut lit_start = 0; // where the current literal starts, in `line`
        let mut depth = 0u32;
        // Set after a `type`/`subtype` key: which tag the next value is, and whether the key
        // is a top-level one.
        let mut tag_key: Option<(Slot, bool)> = None;
        let mut i = 0;
        // Appends one literal; `None` once the text is over `MAX_TEXT` (stop early: a huge
        // line of pure structure must not be copied only to be dropped).
        let cut = |text: &mut Vec<u8>, literals: &mut Vec<Range<usize>>, from: usize, to: usize| {
            let start = text.len();
            if start + (to - from) > MAX_TEXT || literals.len() > MAX_SLOTS {
                return None;
            }
            text.extend_from_slice(&line[from..to]);
            literals.push(start..text.len());
            Some(())
        };
        while i < line.len() {
            match line[i] {
                b'{' | b'[' => {
                    // a tag that is not a string is no tag
                    clear(&mut tag_key, &mut type_name, &mut subtype);
                    depth += 1;
                    i += 1;
                }
                b'}' | b']' => {
                    depth = depth.saturating_sub(1);
                    i += 1;
                }
                b'"' => {
                    let mut cursor = Cursor::at(line, i + 1);
                    let (content, escaped) = cursor.string()?;
                    let after = cursor.i;
                    let mut next = after;
                    while matches!(line.get(next), Some(b' ' | b'\t' | b'\n' | b'\r')) {
                        next += 1;
                    }
                    if line.get(next) == Some(&b':') {
                        // A key: literal. Is it a tag?
                        let slot = Slot::of(&line[content.clone()]);
                        tag_key = (slot != Slot::Other).then_some((slot, depth == 1));
                    } else if let Some((slot, top)) = tag_key.take() {
                        // A tag's value: literal, so a line of this shape has the same tag.
                        if escaped {
                            return None;
                        }
                        if top {
                            let lit = literals.len();
                            let base = lit_start;
                            let at = Some(TagAt {
                                lit,
                                range: content.start - base..content.end - base,
                            });
                            if slot == Slot::Type {
                                type_name = at;
                            } else {
                                subtype = at;
                            }
                        }
                    } else {
                        // Any other string: its content is a slot.
                        cut(&mut text, &mut literals, lit_start, content.start)?;
                        slots.push(Kind::Str);
                        lit_start = content.end;
                    }
                    i = after;
                    continue;
                }
                b'-' | b'0'..=b'9' => {
                    let mut cursor = Cursor::at(line, i);
                    cursor.number()?;
                    cut(&mut text, &mut literals, lit_start, i)?;
                    slots.push(Kind::Num);
                    lit_start = cursor.i;
                    i = cursor.i;
                    clear(&mut tag_key, &mut type_name, &mut subtype);
                    continue;
                }
                b't' | b'f' | b'n' => {
                    // true/false/null: literal
                    clear(&mut tag_key, &mut type_name, &mut subtype);
                    i += 1;
                    while line.get(i).is_some_and(u8::is_ascii_lowercase) {
                        i += 1;
                    }
                    continue;
                }
                _ => i += 1,
            }
        }
        cut(&mut text, &mut literals, lit_start, line.len())?;
        Some(Shape {
            text: text.into_boxed_slice(),
            literals: literals.into_boxed_slice(),
            slots: slots.into_boxed_slice(),
            type_name,
            subtype,
        })
    }

    /// The tags of `line` if it has this shape; otherwise how many bytes were compared before
    /// the difference showed.
    #[inline]
    pub(super) fn matches(&self, line: &[u8]) -> Result<Tags, usize> {
        let first = &self.text[self.literals[0].clone()];
        if !starts_with(line, first) {
            return Err(0);
        }
        let mut starts = [0usize; 2]; // where the tags' literals start in `line`
        let mut i = first.len();
        for (k, kind) in self.slots.iter().enumerate() {
            let mut cursor = Cursor::at(line, i);
            let token = match kind {
                Kind::Str => cursor.string().map(|_| {
                    // the closing quote starts the next literal
                    cursor.i -= 1;
                }),
                Kind::Num => cursor.number(),
            };
            let lit_no = k + 1;
            let lit = &self.text[self.literals[lit_no].clone()];
            if token.is_none()
                || !line
                    .get(cursor.i..)
                    .is_some_and(|rest| starts_with(rest, lit))
            {
                return Err(cursor.i);
            }
            for (slot, tag) in starts.iter_mut().zip([&self.type_name, &self.subtype]) {
                if tag.as_ref().is_some_and(|t| t.lit == lit_no) {
                    *slot = cursor.i;
                }
            }
            i = cursor.i + lit.len();
        }
        if i != line.len() {
            return Err(i);
        }
        let span = |tag: &Option<TagAt>, start: usize| {
            tag.as_ref()
                .map(|t| start + t.range.start..start + t.range.end)
        };
        Ok((
            span(&self.type_name, starts[0]),
            span(&self.subtype, starts[1]),
        ))
    }
}

/// A pending tag key whose value turned out not to be a string: at the top level, the tag is
/// then absent (the last occurrence counts).
fn clear(
    tag_key: &mut Option<(Slot, bool)>,
    type_name: &mut Option<TagAt>,
    subtype: &mut Option<TagAt>,
) {
    match tag_key.take() {
        Some((Slot::Type, true)) => *type_name = None,
        Some((_, true)) => *subtype = None,
        _ => {}
    }
}

/// `hay.starts_with(needle)`, eight bytes at a time: literals are short, and inline word
/// compares beat a call to `memcmp` for them. The last word overlaps the one before it, so
/// no byte loop is needed for a needle of 8 bytes or more.
#[inline(always)]
fn starts_with(hay: &[u8], needle: &[u8]) -> bool {
    let Some(hay) = hay.get(..needle.len()) else {
        return false;
    };
    let word = |s: &[u8], at: usize| {
        let mut w = [0u8; 8];
        w.copy_from_slice(&s[at..at + 8]);
        u64::from_ne_bytes(w)
    };
    let n = needle.len();
    if n < 8 {
        return hay == needle;
    }
    let mut at = 0;
    while at + 8 < n {
        if word(hay, at) != word(needle, at) {
            return false;
        }
        at += 8;
    }
    word(hay, n - 8) == word(needle, n - 8)
}

#[cfg(test)]
mod tests {
    use super::super::scan::{Scan, scan};
    use super::*;

    const LINES: &[&str] = &[
        r#"{"type":"stream_event","event":{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello \"you\"\n\u00e9"}},"session_id":"s-1","parent_tool_use_id":null,"uuid":"u-1"}"#,
        r#"{"type":"system","subtype":"init","cwd":"/tmp","tools":["Bash","Read"],"mcp_servers":[],"cost":-1.25,"ok":true,"n":{"type":7}}"#,
        r#"{"duration_ms":12,"type":"result","subtype":"success","usage":{"input_tokens":3},"type":"result"}"#,
        r#"{"type":"a","type":5,"subtype":{"x":"y"}}"#,
        r#" { "type" : "spaced" , "v" : [ 1 , "x" ] } "#,
        r#"{"subtype":"only","a":[[],{},[{"b":null}]]}"#,
    ];

    fn scanned(line: &str) -> Tags {
        match scan(line) {
            Scan::Valid { type_name, subtype } => (type_name, subtype),
            Scan::Unsure => panic!("scanner unsure: {line}"),
        }
    }

    #[test]
    fn a_line_matches_its_own_shape_with_the_scanners_tags() {
        for line in LINES {
            let shape = Shape::of(line.as_bytes()).expect("learnable");
            assert_eq!(shape.matches(line.as_bytes()), Ok(scanned(line)), "{line}");
        }
    }

    #[test]
    fn other_values_match_other_structure_does_not() {
        let shape = Shape::of(LINES[0].as_bytes()).unwrap();
        let same = r#"{"type":"stream_event","event":{"type":"content_block_delta","index":12,"delta":{"type":"text_delta","text":"other \\ text 😀"}},"session_id":"s-2","parent_tool_use_id":null,"uuid":""}"#;
        assert_eq!(shape.matches(same.as_bytes()), Ok(scanned(same)));
        for (other, why) in [
            (
                LINES[0].replace("text_delta", "thinking_delta"),
                "a tag value",
            ),
            (LINES[0].replace("null", "\"p\""), "null became a string"),
            (LINES[0].replace(":0,", ":1e3,"), "exponent"),
            (LINES[0].replace(":0,", ":01,"), "leading zero"),
            (LINES[0].replace(":0,", ":-,"), "bare minus"),
            (
                LINES[0].replace("\"u-1\"", "\"u\u{1}\""),
                "raw control character",
            ),
            (LINES[0].replace("Hello", "\\x"), "bad escape"),
            (LINES[0].replace("Hello", "\\ud800"), "surrogate escape"),
            (LINES[0].replace("Hello", "\\u12"), "short escape"),
            (LINES[0].replace("\"u-1\"", "\"u-1\",\"x\":1"), "extra key"),
            (format!("{} ", LINES[0]), "trailing text"),
            (LINES[0][..LINES[0].len() - 1].to_owned(), "truncated"),
            (
                LINES[0].replace("\"s-1\"", "\"s\"1\""),
                "quote inside a value",
            ),
        ] {
            assert!(shape.matches(other.as_bytes()).is_err(), "{why}: {other}");
        }
    }

    /// Every single-byte change of every line, against the scanner (itself checked against
    /// serde_json): a match is only ever reported for a line the scanner accepts, with its tags.
    #[test]
    fn matches_only_what_the_scanner_accepts() {
        let bytes: &[u8] = b"\"\\/{}[],:0-1.eE+ tnu\x01\x7fa";
        for line in LINES {
            let shape = Shape::of(line.as_bytes()).unwrap();
            for at in 0..line.len() {
                for &b in bytes {
                    let mut mutated = line.as_bytes().to_vec();
                    mutated[at] = b;
                    let Ok(text) = std::str::from_utf8(&mutated) else {
                        continue;
                    };
                    if let Ok(tags) = shape.matches(text.as_bytes()) {
                        assert_eq!(tags, scanned(text), "{text}");
                    }
                }
            }
        }
    }

    #[test]
    fn the_cache_is_bounded_and_most_recent_first() {
        let line = |n: usize| format!(r#"{{"type":"t","k{n}":"v"}}"#);
        for n in 0..CAPACITY + 5 {
            assert_eq!(lookup(line(n).as_bytes()), Lookup::Miss);
            learn(line(n).as_bytes());
        }
        CACHE.with(|c| assert_eq!(c.borrow().shapes.len(), CAPACITY));
        // the oldest are gone, the newest are there, a hit moves to the front
        assert_eq!(lookup(line(0).as_bytes()), Lookup::Miss);
        assert!(matches!(
            lookup(line(CAPACITY + 4).as_bytes()),
            Lookup::Hit(_)
        ));
        assert!(matches!(lookup(line(6).as_bytes()), Lookup::Hit(_)));
        CACHE.with(|c| assert!(c.borrow().shapes[0].matches(line(6).as_bytes()).is_ok()));
        // a line with too much structure is not learned
        let big = format!(
            r#"{{"type":"t",{}"z":1}}"#,
            (0..MAX_TEXT / 4)
                .map(|n| format!(r#""k{n}":1,"#))
                .collect::<String>()
        );
        assert!(Shape::of(big.as_bytes()).is_none());
    }

    /// Lines that never repeat their shape (and almost match many learned ones) spend the
    /// budget: the cache steps aside for `BYPASS_LINES` lines, then tries again.
    #[test]
    fn a_stream_without_repeats_bypasses_the_cache() {
        let base = LINES[0];
        let unique = |n: usize| format!(r#"{},"z{n}":1}}"#, &base[..base.len() - 1]);
        let mut outcomes = Vec::new();
        for n in 0..3000 {
            let line = unique(n);
            let outcome = lookup(line.as_bytes());
            if outcome == Lookup::Miss {
                learn(line.as_bytes());
            }
            outcomes.push(outcome);
        }
        assert!(!outcomes.iter().any(|o| matches!(o, Lookup::Hit(_))));
        let misses = outcomes.iter().filter(|o| **o == Lookup::Miss).count();
        // a handful of probes per bypass period, never most lines
        assert!(misses > 0 && misses < 100, "{misses} misses of 3000");
        // a repeating stream after that hits again once the bypass ends
        let hits = (0..2 * BYPASS_LINES as usize)
            .filter(|_| {
                let outcome = lookup(base.as_bytes());
                if outcome == Lookup::Miss {
                    learn(base.as_bytes());
                }
                matches!(outcome, Lookup::Hit(_))
            })
            .count();
        assert!(hits >= BYPASS_LINES as usize - 1, "{hits}");
    }
}
