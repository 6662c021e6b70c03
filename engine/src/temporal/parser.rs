//! Parsing a rules file: the pest grammar, the syntax-error messages and the
//! assembly of definitions (documentation, names, locations). The checks
//! against the vocabulary live in `lower`.

use std::collections::BTreeMap;

use pest::error::{ErrorVariant, InputLocation};
use pest::Parser;

use super::ast::{Definition, RulesFile};
use super::lower::Lowerer;
use crate::vocabulary::Vocabulary;

/// The pest parser generated from `grammar.pest`.
#[derive(pest_derive::Parser)]
#[grammar = "temporal/grammar.pest"]
pub(crate) struct TemporalParser;

/// A rules file that cannot be parsed or does not fit the vocabulary.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}:{column}: {message}")]
pub struct TemporalError {
    /// The file, as given to [`parse_rules`].
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// What is wrong.
    pub message: String,
    /// The whole text of the file, for rendering with a caret.
    pub source_text: String,
    /// Byte offset and length of the offending text in `source_text`.
    pub span: (usize, usize),
}

impl TemporalError {
    /// An error at a byte span of `source`.
    pub(crate) fn at(
        file: &str,
        source: &str,
        offset: usize,
        len: usize,
        message: impl Into<String>,
    ) -> TemporalError {
        let offset = offset.min(source.len());
        let before = source.get(..offset).unwrap_or("");
        TemporalError {
            file: file.to_string(),
            line: before.matches('\n').count() + 1,
            column: before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1,
            message: message.into(),
            source_text: source.to_string(),
            span: (offset, len.min(source.len() - offset)),
        }
    }
}

/// Most pest parser calls one rules file may take (`pest::set_call_limit`,
/// process-wide; every parse sets the same value): about 200 KB of ordinary
/// definitions, a few tens of milliseconds of work.
pub(crate) const MAX_PARSE_CALLS: usize = 2_000_000;

/// Parses and checks a rules file against the vocabulary: every event kind
/// and fact known, every date position given a date, every variable bound
/// once, every name defined once.
pub fn parse_rules(
    file: &str,
    source: &str,
    vocab: &Vocabulary,
) -> Result<RulesFile, TemporalError> {
    // PEG backtracking is exponential in the nesting of a condition that
    // fails to parse (a 1.6 KB file took seconds): bound the work. Real
    // files need about 10 calls per byte.
    pest::set_call_limit(std::num::NonZeroUsize::new(MAX_PARSE_CALLS));
    let mut pairs =
        TemporalParser::parse(Rule::file, source).map_err(|e| syntax_error(file, source, &e))?;
    let top = pairs
        .next()
        .ok_or_else(|| TemporalError::at(file, source, 0, 0, "empty parse"))?;
    let mut definitions: Vec<Definition> = Vec::new();
    let mut names: BTreeMap<String, usize> = BTreeMap::new();
    let mut docs: Vec<(usize, String)> = Vec::new();
    for pair in top.into_inner() {
        match pair.as_rule() {
            Rule::doc_line => {
                let line = pair.line_col().0;
                let text = pair.into_inner().next().map(|t| t.as_str()).unwrap_or("");
                let text = text.strip_prefix(' ').unwrap_or(text).trim_end();
                docs.push((line, text.to_string()));
            }
            Rule::definition => {
                let line = pair.line_col().0;
                let doc = take_doc(&mut docs, line);
                let text = pair.as_str().trim().to_string();
                let lowered = Lowerer::new(file, source, vocab).definition(pair)?;
                if let Some(first) = names.get(&lowered.name) {
                    let (offset, len) = lowered.name_span;
                    return Err(TemporalError::at(
                        file,
                        source,
                        offset,
                        len,
                        format!("`{}` is already defined on line {first}", lowered.name),
                    ));
                }
                names.insert(lowered.name.clone(), line);
                definitions.push(Definition {
                    name: lowered.name,
                    kind: lowered.kind,
                    doc,
                    file: file.to_string(),
                    line,
                    source: text,
                    body: lowered.body,
                });
            }
            _ => {}
        }
    }
    Ok(RulesFile { definitions })
}

/// The documentation of a definition on `line`: the run of `///` lines on
/// the lines directly above it. Other pending lines are dropped.
fn take_doc(docs: &mut Vec<(usize, String)>, line: usize) -> String {
    let mut run: Vec<String> = Vec::new();
    let mut expected = line;
    while let Some((doc_line, _)) = docs.last() {
        if *doc_line + 1 != expected {
            break;
        }
        expected = *doc_line;
        if let Some((_, text)) = docs.pop() {
            run.push(text);
        }
    }
    docs.clear();
    run.reverse();
    run.join("\n")
}

/// A readable message for a pest syntax error, located like every other
/// temporal error.
pub(crate) fn syntax_error(
    file: &str,
    source: &str,
    error: &pest::error::Error<Rule>,
) -> TemporalError {
    let mut offset = match error.location {
        InputLocation::Pos(pos) => pos,
        InputLocation::Span((start, _)) => start,
    };
    let found = token_at(source, offset);
    let message = match &error.variant {
        // pest's own guards ("stack limit reached", "call limit reached").
        ErrorVariant::CustomError { message } if message.contains("limit") => {
            format!(
                "conditions are nested too deeply; split the definition into several ({message})"
            )
        }
        ErrorVariant::CustomError { message } => message.clone(),
        ErrorVariant::ParsingError {
            positives,
            negatives,
        } => {
            let wants_name = positives
                .iter()
                .any(|r| matches!(r, Rule::name | Rule::var | Rule::kind));
            if wants_name && is_reserved(found) {
                format!("`{found}` is a reserved word and cannot be used as a name")
            } else {
                let mut message = expected_message(positives, negatives);
                message.push_str(&match found {
                    "" => ", found the end of the file".to_string(),
                    token => format!(", found `{token}`"),
                });
                message
            }
        }
    };
    let mut len = found.len();
    if let ErrorVariant::ParsingError { positives, .. } = &error.variant {
        // A missing terminator belongs at the end of what it terminates.
        if positives.contains(&Rule::semi) {
            let before = source.get(..offset).unwrap_or("");
            let trimmed = before.trim_end().len();
            if trimmed < offset {
                offset = trimmed;
                len = 0;
            }
        }
    }
    TemporalError::at(file, source, offset, len, message)
}

/// The word or symbol at `offset`, for "found …".
fn token_at(source: &str, offset: usize) -> &str {
    let rest = source.get(offset..).unwrap_or("");
    let word = |c: char| c.is_alphanumeric() || c == '_' || c == '.';
    let end = match rest.chars().next() {
        None => 0,
        Some(c) if word(c) => rest.find(|c: char| !word(c)).unwrap_or(rest.len()),
        Some(c) => c.len_utf8(),
    };
    rest.get(..end).unwrap_or("")
}

fn is_reserved(word: &str) -> bool {
    TemporalParser::parse(Rule::reserved_word, word).is_ok()
}

/// "expected `;`, `and` or `or`".
fn expected_message(positives: &[Rule], negatives: &[Rule]) -> String {
    let mut wanted: Vec<(usize, &'static str)> =
        positives.iter().filter_map(|r| describe(*r)).collect();
    wanted.sort();
    wanted.dedup();
    let items: Vec<&str> = wanted.into_iter().map(|(_, text)| text).collect();
    if items.is_empty() {
        let unwanted: Vec<&str> = negatives
            .iter()
            .filter_map(|r| describe(*r))
            .map(|(_, t)| t)
            .collect();
        return if unwanted.is_empty() {
            "syntax error".to_string()
        } else {
            format!("unexpected {}", join_or(&unwanted))
        };
    }
    format!("expected {}", join_or(&items))
}

fn join_or(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// What a grammar rule stands for in an error message, with a rank that
/// orders the list (terminators first).
fn describe(rule: Rule) -> Option<(usize, &'static str)> {
    let text = match rule {
        Rule::semi => (0, "`;`"),
        Rule::equals => (1, "`=`"),
        Rule::colon => (1, "`:`"),
        Rule::lparen => (1, "`(`"),
        Rule::rparen => (1, "`)`"),
        Rule::comma => (1, "`,`"),
        Rule::cmp_op => (
            2,
            "a comparison operator (`<=`, `<`, `>=`, `>`, `==`, `!=`)",
        ),
        Rule::add_op | Rule::shift => (3, "a shift `± N months`"),
        Rule::kw_and => (4, "`and`"),
        Rule::kw_or => (4, "`or`"),
        Rule::kw_present => (4, "`present`"),
        Rule::kw_absent => (4, "`absent`"),
        Rule::kw_within => (4, "`within`"),
        Rule::kw_before => (4, "`before`"),
        Rule::kw_every => (4, "`every`"),
        Rule::kw_from => (4, "`from`"),
        Rule::kw_through => (4, "`through`"),
        Rule::kw_matching => (4, "`matching`"),
        Rule::kw_due | Rule::due_clause => (4, "`due`"),
        Rule::definition | Rule::kw_fact | Rule::kw_each => {
            (5, "a definition (`fact`, `due` or `each`)")
        }
        Rule::expr
        | Rule::conjunction
        | Rule::negation
        | Rule::paren
        | Rule::exists_q
        | Rule::no_q
        | Rule::all_q
        | Rule::cadence
        | Rule::matches_call
        | Rule::presence
        | Rule::within
        | Rule::comparison
        | Rule::kw_not
        | Rule::kw_true
        | Rule::kw_false
        | Rule::kw_exists
        | Rule::kw_no
        | Rule::kw_all
        | Rule::kw_cadence
        | Rule::kw_matches => (6, "a condition"),
        Rule::operand | Rule::request_date | Rule::last_day | Rule::kw_last_day => (
            6,
            "a date or fact (`date`, `object.name`, `VAR.date`, `VAR.until`, `VAR.ref`, `last_day(…)`)",
        ),
        Rule::fact_path | Rule::object => (6, "a fact `object.name`"),
        Rule::fact_name => (6, "a fact name"),
        Rule::var_attr => (6, "`VAR.date`, `VAR.until` or `VAR.ref`"),
        Rule::attr => (6, "`date`, `until` or `ref`"),
        Rule::duration | Rule::number => (6, "a duration (`N days`, `N months` or `N years`)"),
        Rule::unit => (6, "`days`, `months` or `years`"),
        Rule::name => (6, "a name"),
        Rule::kind => (6, "an event kind"),
        Rule::var => (6, "a variable name"),
        Rule::EOI => (7, "the end of the file"),
        _ => return None,
    };
    Some(text)
}
