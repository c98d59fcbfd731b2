//! The fast path of [`RawMessage`](super::RawMessage): one forward pass over a line that checks
//! JSON syntax and finds the top-level `type` and `subtype`, with no allocation and no recursion.
//!
//! It is deliberately *conservative*: it answers [`Scan::Valid`] only for lines serde_json is
//! certain to accept as well, and [`Scan::Unsure`] for everything else — invalid lines, but also
//! valid ones whose acceptance depends on details this pass does not model (numbers with an
//! exponent or too many digits, `\u` escapes of surrogates, escaped top-level keys or tags,
//! nesting deeper than [`MAX_DEPTH`]). An unsure line goes to the serde_json pass, which decides
//! and produces the error. So the fast path can only make acceptance *faster*, never different:
//! whatever it accepts, [`Message::from_slice`](super::Message::from_slice) accepts.
//!
//! Strings — most of a CLI line's bytes — are skipped eight bytes at a time
//! (`fast::find_special`, the typed reader's SWAR search).

use std::ops::Range;

use crate::message::fast::find_special;

/// Deepest nesting (the line's object counts as 1) the fast path follows; serde_json's own
/// limit is 127, so anything past this is left to it.
pub(super) const MAX_DEPTH: u32 = 100;

/// Integer digits the fast path accepts in a number without an exponent: any such number is
/// finite as an `f64` (`10^300 < f64::MAX`), so serde_json accepts it.
const MAX_INT_DIGITS: usize = 300;

/// What the fast pass concluded about one line.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Scan {
    /// Valid JSON, an object; serde_json accepts it too. The spans of the last top-level
    /// `type` and `subtype` whose values are strings without escapes (`None` when the last
    /// occurrence is not a string, or there is none).
    Valid {
        type_name: Option<Range<usize>>,
        subtype: Option<Range<usize>>,
    },
    /// Not decided here: invalid, or valid in a way only serde_json can confirm.
    Unsure,
}

/// Checks `line` (already valid UTF-8) and finds its top-level tags.
pub(super) fn scan(line: &str) -> Scan {
    Cursor {
        b: line.as_bytes(),
        i: 0,
    }
    .line()
    .unwrap_or(Scan::Unsure)
}

/// `None` means "unsure" throughout; `?` carries it out.
pub(super) struct Cursor<'a> {
    b: &'a [u8],
    pub(super) i: usize,
}

/// Which tag a key names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Slot {
    Type,
    Subtype,
    Other,
}

impl Slot {
    /// The tag a key (its unescaped bytes) names.
    pub(super) fn of(key: &[u8]) -> Slot {
        match key {
            b"type" => Slot::Type,
            b"subtype" => Slot::Subtype,
            _ => Slot::Other,
        }
    }
}

impl<'a> Cursor<'a> {
    /// A cursor at byte `i` of `b`.
    pub(super) fn at(b: &'a [u8], i: usize) -> Self {
        Cursor { b, i }
    }

    fn line(&mut self) -> Option<Scan> {
        let (mut type_name, mut subtype) = (None, None);
        self.ws();
        self.eat(b'{')?;
        self.ws();
        if !self.try_eat(b'}') {
            loop {
                self.eat(b'"')?;
                let (key, escaped) = self.string()?;
                if escaped {
                    // An escaped key may spell `type`; serde_json decides.
                    return None;
                }
                let slot = Slot::of(&self.b[key]);
                self.ws();
                self.eat(b':')?;
                self.ws();
                if slot == Slot::Other {
                    self.value(1)?;
                } else {
                    let found = if self.try_eat(b'"') {
                        let (span, escaped) = self.string()?;
                        if escaped {
                            return None;
                        }
                        Some(span)
                    } else {
                        self.value(1)?;
                        None
                    };
                    match slot {
                        Slot::Type => type_name = found,
                        _ => subtype = found,
                    }
                }
                self.ws();
                if self.try_eat(b',') {
                    self.ws();
                    continue;
                }
                self.eat(b'}')?;
                break;
            }
        }
        self.ws();
        (self.i == self.b.len()).then_some(Scan::Valid { type_name, subtype })
    }

    /// Skips one value that starts at the cursor, at nesting `depth` (the container it sits in).
    /// Iterative: `stack` holds one bit per open container (1 = object).
    fn value(&mut self, depth: u32) -> Option<()> {
        let mut stack: u128 = 0;
        let mut open: u32 = 0;
        loop {
            // A value starts here.
            match *self.b.get(self.i)? {
                b'"' => {
                    self.i += 1;
                    self.string()?;
                }
                open_char @ (b'{' | b'[') => {
                    self.i += 1;
                    self.ws();
                    let object = open_char == b'{';
                    if self.try_eat(if object { b'}' } else { b']' }) {
                        // empty container: a complete value
                    } else {
                        if depth + open + 1 > MAX_DEPTH {
                            return None;
                        }
                        stack = (stack << 1) | u128::from(object);
                        open += 1;
                        if object {
                            self.key()?;
                        }
                        continue;
                    }
                }
                b't' => self.literal(b"true")?,
                b'f' => self.literal(b"false")?,
                b'n' => self.literal(b"null")?,
                b'-' | b'0'..=b'9' => self.number()?,
                _ => return None,
            }
            // A value ended: close containers until one wants another element.
            loop {
                if open == 0 {
                    return Some(());
                }
                self.ws();
                let object = stack & 1 == 1;
                match *self.b.get(self.i)? {
                    b',' => {
                        self.i += 1;
                        self.ws();
                        if object {
                            self.key()?;
                        }
                        break;
                    }
                    b'}' if object => {}
                    b']' if !object => {}
                    _ => return None,
                }
                self.i += 1;
                stack >>= 1;
                open -= 1;
            }
        }
    }

    /// An object key and its colon, leaving the cursor at the value.
    fn key(&mut self) -> Option<()> {
        self.eat(b'"')?;
        self.string()?;
        self.ws();
        self.eat(b':')?;
        self.ws();
        Some(())
    }

    /// The rest of a string whose opening quote is consumed: its content's span and whether
    /// it has escapes. Raw control characters and surrogate `\u` escapes are unsure.
    #[inline(always)]
    pub(super) fn string(&mut self) -> Option<(Range<usize>, bool)> {
        let start = self.i;
        let mut escaped = false;
        loop {
            // the one SWAR search of the crate (`fast::find_special`)
            self.i = find_special(self.b, self.i);
            if self.i == self.b.len() {
                return None; // unterminated
            }
            match self.b[self.i] {
                b'"' => {
                    let span = start..self.i;
                    self.i += 1;
                    return Some((span, escaped));
                }
                // the two-byte escapes, inline (text is full of `\n` and `\"`)
                b'\\'
                    if matches!(
                        self.b.get(self.i + 1),
                        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't')
                    ) =>
                {
                    self.i += 2;
                }
                _ => self.escape()?,
            }
            escaped = true;
        }
    }

    /// One escape sequence at the cursor (or a raw control character: unsure).
    fn escape(&mut self) -> Option<()> {
        if self.b[self.i] != b'\\' {
            // a raw control character (invalid JSON)
            return None;
        }
        match *self.b.get(self.i + 1)? {
            b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => self.i += 2,
            b'u' => {
                let hex = self.b.get(self.i + 2..self.i + 6)?;
                let mut code = 0u32;
                for &h in hex {
                    code = code << 4 | char::from(h).to_digit(16)?;
                }
                if (0xD800..0xE000).contains(&code) {
                    // pairing rules: serde_json decides
                    return None;
                }
                self.i += 6;
            }
            _ => return None,
        }
        Some(())
    }

    /// A number without an exponent and with at most [`MAX_INT_DIGITS`] integer digits
    /// (always finite); anything else is unsure.
    pub(super) fn number(&mut self) -> Option<()> {
        self.try_eat(b'-');
        let int_start = self.i;
        match *self.b.get(self.i)? {
            b'0' => self.i += 1,
            b'1'..=b'9' => self.digits(),
            _ => return None,
        }
        if self.i - int_start > MAX_INT_DIGITS {
            return None;
        }
        if self.try_eat(b'.') {
            let frac_start = self.i;
            self.digits();
            if self.i == frac_start {
                return None;
            }
        }
        match self.b.get(self.i) {
            Some(b'e' | b'E') => None,
            _ => Some(()),
        }
    }

    fn digits(&mut self) {
        while self.b.get(self.i).is_some_and(u8::is_ascii_digit) {
            self.i += 1;
        }
    }

    fn literal(&mut self, word: &[u8]) -> Option<()> {
        if self.b.get(self.i..self.i + word.len())? == word {
            self.i += word.len();
            Some(())
        } else {
            None
        }
    }

    /// JSON whitespace: space, tab, newline, carriage return.
    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.b.get(self.i) {
            self.i += 1;
        }
    }

    fn try_eat(&mut self, want: u8) -> bool {
        let hit = self.b.get(self.i) == Some(&want);
        self.i += usize::from(hit);
        hit
    }

    fn eat(&mut self, want: u8) -> Option<()> {
        self.try_eat(want).then_some(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_lines_and_tag_spans() {
        let line =
            r#"{"type":"system","a":[1,-2.5,0,{"b":[]},{}],"subtype":"init","c":"\n\u00e9"}"#;
        let Scan::Valid { type_name, subtype } = scan(line) else {
            panic!("unsure: {line}")
        };
        assert_eq!(&line[type_name.unwrap()], "system");
        assert_eq!(&line[subtype.unwrap()], "init");
        assert_eq!(
            scan(r#" {"type":1,"type":"x","subtype":"y","subtype":null} "#),
            Scan::Valid {
                type_name: Some(19..20),
                subtype: None
            }
        );
        assert_eq!(
            scan("{}"),
            Scan::Valid {
                type_name: None,
                subtype: None
            }
        );
    }

    #[test]
    fn unsure_on_what_only_serde_json_can_decide() {
        for line in [
            r#"{"a":1e5}"#,
            r#"{"a":"\ud83d\ude00"}"#,
            r#"{"typ\u0065":"x"}"#,
            r#"{"type":"a\"b"}"#,
            r#"[1]"#,
            r#"{"a":01}"#,
            r#"{"a":1.}"#,
            r#"{"a":"x"} x"#,
            r#"{"a":[1,]}"#,
            r#"{"a":{"b":1,}}"#,
            r#"{"a":{"b"}}"#,
            r#"{"a":tru}"#,
            "{\"a\":\"\t\"}",
            r#"{"a":"unterminated}"#,
        ] {
            assert_eq!(scan(line), Scan::Unsure, "{line}");
        }
        let deep = |n: usize| format!(r#"{{"a":{}1{}}}"#, "[".repeat(n), "]".repeat(n));
        assert!(matches!(
            scan(&deep(MAX_DEPTH as usize - 1)),
            Scan::Valid { .. }
        ));
        assert_eq!(scan(&deep(MAX_DEPTH as usize)), Scan::Unsure);
    }
}
