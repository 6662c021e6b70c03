//! `pdao fmt`: the canonical layout of a rules file, driven by the pest parse
//! tree.
//!
//! The layout:
//! - one definition per line, tokens separated by one space, except no space
//!   before `;`, `:`, `,` and `)`, after `(`, nor between `matches` or `last_day`
//!   and `(`;
//! - documentation lines as `/// text` (`///` alone when empty), each on its
//!   own line, directly above what they stood above;
//! - every `//` comment kept, in order, with its text unchanged (trailing
//!   spaces aside): a comment that followed code on the same line stays at
//!   the end of that line; a comment on a line of its own stays on a line
//!   of its own (indented by four spaces inside a definition, whose text then
//!   continues on the next line, also indented by four);
//! - at most one blank line between items, kept where the source had one,
//!   none at the start or the end, inside a definition none; `\n` line
//!   endings and a final newline.
//!
//! Blank lines are kept (not added or removed) between top-level items
//! because a `///` line documents a definition only when it is directly
//! above it: the layout never changes which definition a documentation
//! line belongs to. The formatter reads syntax only (no vocabulary), so it
//! formats any file that parses; `parse_rules` of the result gives the same
//! definitions as of the input.

use pest::iterators::Pair;
use pest::Parser;

use super::parser::{syntax_error, Rule, TemporalParser, MAX_PARSE_CALLS};
use super::TemporalError;

/// Indentation of a definition's continuation lines and inner comments.
const INDENT: &str = "    ";

/// The canonical layout of a rules file (see the module documentation).
/// Fails only when the text does not parse, with the parser's error.
pub fn format_rules(file: &str, source: &str) -> Result<String, TemporalError> {
    let tokens = tokens(file, source)?;
    let mut out = Layout::default();
    let mut previous_end: Option<usize> = None;
    let mut in_definition = false;
    for token in &tokens {
        let gap_start = previous_end.unwrap_or(0);
        let gap = source.get(gap_start..token.start).unwrap_or("");
        out.gap(gap, previous_end.is_some(), in_definition);
        if token.starts_definition {
            in_definition = true;
        }
        out.token(token, in_definition);
        if token.rule == Rule::semi {
            in_definition = false;
        }
        previous_end = Some(token.end);
    }
    let tail = source.get(previous_end.unwrap_or(0)..).unwrap_or("");
    out.gap(tail, previous_end.is_some(), false);
    Ok(out.finish())
}

/// Every `//` comment of a rules file, in order, with its text as the
/// formatter keeps it (trailing spaces removed). Documentation lines are
/// not comments.
pub fn comments(file: &str, source: &str) -> Result<Vec<String>, TemporalError> {
    let tokens = tokens(file, source)?;
    let mut found = Vec::new();
    let mut start = 0;
    for token in &tokens {
        let gap = source.get(start..token.start).unwrap_or("");
        found.extend(scan_gap(gap).into_iter().map(|c| c.text.to_string()));
        start = token.end;
    }
    let tail = source.get(start..).unwrap_or("");
    found.extend(scan_gap(tail).into_iter().map(|c| c.text.to_string()));
    Ok(found)
}

/// One leaf of the parse tree: a keyword, name, symbol, fact path, event
/// attribute or documentation line.
struct Token<'s> {
    rule: Rule,
    start: usize,
    end: usize,
    text: &'s str,
    /// The first token of a definition.
    starts_definition: bool,
}

fn tokens<'s>(file: &str, source: &'s str) -> Result<Vec<Token<'s>>, TemporalError> {
    pest::set_call_limit(std::num::NonZeroUsize::new(MAX_PARSE_CALLS));
    let pairs =
        TemporalParser::parse(Rule::file, source).map_err(|e| syntax_error(file, source, &e))?;
    let mut tokens = Vec::new();
    for pair in pairs {
        collect(pair, false, &mut tokens);
    }
    Ok(tokens)
}

fn collect<'s>(pair: Pair<'s, Rule>, starts_definition: bool, tokens: &mut Vec<Token<'s>>) {
    let rule = pair.as_rule();
    let span = pair.as_span();
    // Compound-atomic rules are single tokens: no space may enter them.
    let leaf = matches!(rule, Rule::doc_line | Rule::fact_path | Rule::var_attr);
    let mut inner = pair.clone().into_inner().peekable();
    if leaf || inner.peek().is_none() {
        if rule != Rule::EOI {
            tokens.push(Token {
                rule,
                start: span.start(),
                end: span.end(),
                text: span.as_str(),
                starts_definition,
            });
        }
        return;
    }
    let mut first = starts_definition || rule == Rule::definition;
    for child in inner {
        collect(child, first, tokens);
        first = false;
    }
}

/// A comment found between two tokens.
struct Comment<'s> {
    /// `//` and the rest of the line, trailing spaces removed.
    text: &'s str,
    /// Line breaks between the previous comment (or the gap's start) and it.
    breaks_before: usize,
}

/// The comments of a gap between tokens (whitespace and comments only, as
/// the grammar guarantees), and the line breaks after the last of them.
fn scan_gap(gap: &str) -> Vec<Comment<'_>> {
    let mut comments = Vec::new();
    let mut breaks = 0;
    let mut rest = gap;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("\r\n") {
            breaks += 1;
            rest = after;
        } else if let Some(after) = rest.strip_prefix(['\n', '\r']) {
            breaks += 1;
            rest = after;
        } else if rest.starts_with("//") {
            let end = rest.find(['\n', '\r']).unwrap_or(rest.len());
            let (text, after) = rest.split_at(end);
            comments.push(Comment {
                text: text.trim_end(),
                breaks_before: breaks,
            });
            breaks = 0;
            rest = after;
        } else {
            let mut chars = rest.chars();
            chars.next();
            rest = chars.as_str();
        }
    }
    comments
}

/// Line breaks after the last comment of a gap (or in the whole gap).
fn trailing_breaks(gap: &str) -> usize {
    let after_comment = match gap.rfind("//") {
        Some(i) => gap.get(i..).unwrap_or(""),
        None => gap,
    };
    let mut count = 0;
    let mut chars = after_comment.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' => count += 1,
            '\r' => {
                count += 1;
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
            }
            _ => {}
        }
    }
    count
}

/// The output being built, line by line.
#[derive(Default)]
struct Layout {
    lines: Vec<String>,
    /// The line being written.
    current: String,
    /// The last token written on `current`, for spacing.
    last: Option<Rule>,
    /// A blank line is due before the next line.
    blank: bool,
}

impl Layout {
    /// Ends the current line (if it holds anything).
    fn break_line(&mut self) {
        if !self.current.is_empty() {
            let line = std::mem::take(&mut self.current);
            self.push_line(line);
        }
        self.last = None;
    }

    fn push_line(&mut self, line: String) {
        if self.blank && !self.lines.is_empty() {
            self.lines.push(String::new());
        }
        self.blank = false;
        self.lines.push(line);
    }

    /// The whitespace and comments between two tokens.
    fn gap(&mut self, gap: &str, after_token: bool, in_definition: bool) {
        let comments = scan_gap(gap);
        for (i, comment) in comments.iter().enumerate() {
            let trailing = i == 0 && after_token && comment.breaks_before == 0;
            if trailing && !self.current.is_empty() {
                self.current.push(' ');
                self.current.push_str(comment.text);
                self.break_line();
                continue;
            }
            self.break_line();
            if !in_definition && comment.breaks_before >= 2 {
                self.blank = true;
            }
            let indent = if in_definition { INDENT } else { "" };
            self.push_line(format!("{indent}{}", comment.text));
        }
        let breaks = trailing_breaks(gap);
        if !in_definition && breaks >= 1 {
            self.break_line();
            if breaks >= 2 {
                self.blank = true;
            }
        }
    }

    fn token(&mut self, token: &Token<'_>, in_definition: bool) {
        if token.rule == Rule::doc_line {
            self.break_line();
            let text = token.text.strip_prefix("///").unwrap_or(token.text);
            let text = text.strip_prefix(' ').unwrap_or(text).trim_end();
            self.push_line(if text.is_empty() {
                "///".to_string()
            } else {
                format!("/// {text}")
            });
            return;
        }
        if token.starts_definition {
            // Every definition starts on a line of its own.
            self.break_line();
        }
        if self.current.is_empty() {
            if in_definition && !token.starts_definition {
                self.current.push_str(INDENT);
            }
        } else if spaced(self.last, token.rule) {
            self.current.push(' ');
        }
        self.current.push_str(token.text);
        self.last = Some(token.rule);
    }

    fn finish(mut self) -> String {
        self.break_line();
        let mut text = self.lines.join("\n");
        if !text.is_empty() {
            text.push('\n');
        }
        text
    }
}

/// Whether one space separates `before` and `after` on a line.
fn spaced(before: Option<Rule>, after: Rule) -> bool {
    let Some(before) = before else {
        return false;
    };
    !matches!(after, Rule::semi | Rule::colon | Rule::comma | Rule::rparen)
        && before != Rule::lparen
        && !(matches!(before, Rule::kw_matches | Rule::kw_last_day) && after == Rule::lparen)
}
