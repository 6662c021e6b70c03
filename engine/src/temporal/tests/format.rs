//! `format_rules`: the canonical layout, and its laws on the bundle's own
//! definitions laid out at random, with comments and documentation lines
//! strewn between the tokens: formatting is idempotent, the formatted file
//! parses to the same definitions (ignoring lines and source text), and
//! every comment survives, in order.

use proptest::prelude::*;

use super::parse;
use crate::temporal::{comments, format_rules, Definition};

fn fmt(source: &str) -> String {
    match format_rules("test.rules", source) {
        Ok(text) => text,
        Err(e) => panic!("{e}\n{source}"),
    }
}

/// What a definition means: name, kind, documentation and checked body
/// (not its line or source text).
fn meaning(definitions: &[Definition]) -> Vec<String> {
    definitions
        .iter()
        .map(|d| format!("{} {:?} {:?} {:?}", d.name, d.kind, d.doc, d.body))
        .collect()
}

#[test]
fn a_definition_is_laid_out_on_one_line() {
    let source = "fact   x=exists security_incident e :\n  e.date within 36 months before date\n;";
    assert_eq!(
        fmt(source),
        "fact x = exists security_incident e: e.date within 36 months before date;\n"
    );
}

#[test]
fn parentheses_and_calls_hug_their_contents() {
    let source = "fact x = exists rectification_notice n : matches ( n , agreement.id ) and ( n.until absent or date <= n.until ) ;";
    assert_eq!(
        fmt(source),
        "fact x = exists rectification_notice n: matches(n, agreement.id) and (n.until absent or date <= n.until);\n"
    );
}

#[test]
fn last_day_hugs_its_arguments_like_matches() {
    let source = "fact t = agreement.end <= last_day ( agreement.start , 36 months ) ;";
    assert_eq!(
        fmt(source),
        "fact t = agreement.end <= last_day(agreement.start, 36 months);\n"
    );
}

#[test]
fn documentation_lines_are_normalised_and_stay_above_their_definition() {
    let source = "///a\n///   b  \n///\n due d = date+6 months ;\n";
    let formatted = fmt(source);
    assert_eq!(formatted, "/// a\n///   b\n///\ndue d = date + 6 months;\n");
    assert_eq!(
        parse(&formatted).unwrap().definitions[0].doc,
        parse(source).unwrap().definitions[0].doc
    );
}

#[test]
fn comments_keep_their_place() {
    let source = "// header\n\n\n\nfact a = true; // after a\n// before b\nfact b =   // inside b\n  exists audit_report // still inside\n\n  ;\n\n// the end";
    assert_eq!(
        fmt(source),
        "// header\n\nfact a = true; // after a\n// before b\nfact b = // inside b\n    exists audit_report // still inside\n    ;\n\n// the end\n"
    );
    assert_eq!(
        comments("t", source).unwrap(),
        [
            "// header",
            "// after a",
            "// before b",
            "// inside b",
            "// still inside",
            "// the end"
        ]
    );
}

#[test]
fn a_comment_on_its_own_line_inside_a_definition_stays_on_its_own_line() {
    let source = "fact a =\n// why\nexists audit_report;";
    assert_eq!(
        fmt(source),
        "fact a =\n    // why\n    exists audit_report;\n"
    );
}

#[test]
fn a_blank_line_between_a_doc_line_and_its_definition_is_kept() {
    // The blank line means the doc line documents nothing; formatting must
    // not attach it to the definition.
    let source = "/// orphan\n\n\nfact a = true;";
    let formatted = fmt(source);
    assert_eq!(formatted, "/// orphan\n\nfact a = true;\n");
    assert_eq!(parse(&formatted).unwrap().definitions[0].doc, "");
}

#[test]
fn two_definitions_on_one_line_are_split() {
    assert_eq!(
        fmt("fact a = true; fact b = false;"),
        "fact a = true;\nfact b = false;\n"
    );
}

#[test]
fn crlf_and_empty_files() {
    assert_eq!(fmt(""), "");
    assert_eq!(fmt("\r\n\r\n"), "");
    assert_eq!(fmt("// c\r\nfact a = true;\r\n"), "// c\nfact a = true;\n");
}

#[test]
fn a_file_that_does_not_parse_is_an_error_at_its_place() {
    let error = format_rules("bad.rules", "fact a = exists;").unwrap_err();
    assert_eq!((error.line, error.column), (1, 16));
}

#[test]
fn the_bundle_is_formatted() {
    for (path, text) in crate::load::embedded_files() {
        if path.ends_with(".rules") {
            assert_eq!(
                fmt(text),
                text,
                "{path} is not formatted (pdao fmt policies)"
            );
        }
    }
}

/// The bundle's own definitions, as `(doc lines, definition text)`.
fn bundle_definitions() -> Vec<(Vec<String>, String)> {
    let mut found = Vec::new();
    for (path, text) in crate::load::embedded_files() {
        if !path.ends_with(".rules") {
            continue;
        }
        let mut docs = Vec::new();
        for line in text.lines() {
            if let Some(doc) = line.strip_prefix("///") {
                docs.push(format!("///{doc}"));
            } else if line.starts_with("fact")
                || line.starts_with("due")
                || line.starts_with("each")
            {
                found.push((std::mem::take(&mut docs), line.to_string()));
            } else {
                docs.clear();
            }
        }
    }
    found
}

/// Splits a one-line definition into its tokens (words and symbols).
fn words(definition: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let mut current = String::new();
    let mut chars = definition.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_alphanumeric() || c == '_' || c == '.' {
            current.push(c);
            continue;
        }
        if !current.is_empty() {
            tokens.push(std::mem::take(&mut current));
        }
        if c.is_whitespace() {
            continue;
        }
        let two: String = [Some(c), chars.peek().copied()]
            .into_iter()
            .flatten()
            .collect();
        if ["<=", ">=", "==", "!="].contains(&two.as_str()) {
            chars.next();
            tokens.push(two);
        } else {
            tokens.push(c.to_string());
        }
    }
    if !current.is_empty() {
        tokens.push(current);
    }
    tokens
}

/// A gap between two tokens: some whitespace, sometimes a comment.
#[derive(Debug, Clone)]
enum Gap {
    Spaces(usize),
    Newlines(usize, usize),
    Comment(String, usize),
}

fn gap() -> impl Strategy<Value = Gap> {
    prop_oneof![
        6 => (1usize..3).prop_map(Gap::Spaces),
        2 => (1usize..3, 0usize..4).prop_map(|(n, i)| Gap::Newlines(n, i)),
        1 => ("[a-z ()=;]{0,12}", 1usize..3).prop_map(|(t, n)| Gap::Comment(t, n)),
    ]
}

fn render_gap(gap: &Gap, comments: &mut Vec<String>) -> String {
    match gap {
        Gap::Spaces(n) => " ".repeat(*n),
        Gap::Newlines(n, indent) => format!("{}{}", "\n".repeat(*n), " ".repeat(*indent)),
        Gap::Comment(text, n) => {
            let comment = format!("//{text}");
            comments.push(comment.trim_end().to_string());
            format!(" {comment}{}", "\n".repeat(*n))
        }
    }
}

/// A rules file made of some of the bundle's definitions (by index), each
/// token separated by a random gap, with its documentation, comments and
/// blank lines between the definitions. Returns the file and its comments.
fn laid_out(picks: &[(usize, Vec<Gap>, Gap)]) -> (String, Vec<String>) {
    let definitions = bundle_definitions();
    let mut text = String::new();
    let mut comments = Vec::new();
    let mut used = Vec::new();
    for (index, gaps, between) in picks {
        // Each definition once: a name defined twice is an error whose
        // message names a line, which formatting may move.
        let index = index % definitions.len().max(1);
        if used.contains(&index) {
            continue;
        }
        used.push(index);
        let Some((docs, definition)) = definitions.get(index) else {
            continue;
        };
        for doc in docs {
            text.push_str(doc);
            text.push('\n');
        }
        for (i, token) in words(definition).iter().enumerate() {
            if i > 0 {
                let gap = gaps
                    .get(i % gaps.len().max(1))
                    .cloned()
                    .unwrap_or(Gap::Spaces(1));
                text.push_str(&render_gap(&gap, &mut comments));
            }
            text.push_str(token);
        }
        text.push_str(&render_gap(between, &mut comments));
        text.push('\n');
    }
    (text, comments)
}

fn layouts() -> impl Strategy<Value = Vec<(usize, Vec<Gap>, Gap)>> {
    prop::collection::vec(
        (any::<usize>(), prop::collection::vec(gap(), 1..12), gap()),
        1..5,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn formatting_is_idempotent(picks in layouts()) {
        let (text, _) = laid_out(&picks);
        let once = fmt(&text);
        prop_assert_eq!(fmt(&once), once.clone(), "input:\n{}", text);
    }

    #[test]
    fn formatting_keeps_the_meaning(picks in layouts()) {
        let (text, _) = laid_out(&picks);
        // Some picks define one name twice: both sides then fail alike.
        let before = parse(&text).map(|f| meaning(&f.definitions)).map_err(|e| e.message);
        let after = parse(&fmt(&text)).map(|f| meaning(&f.definitions)).map_err(|e| e.message);
        prop_assert_eq!(after, before, "input:\n{}", text);
    }

    #[test]
    fn every_comment_survives_in_order(picks in layouts()) {
        let (text, written) = laid_out(&picks);
        let formatted = fmt(&text);
        prop_assert_eq!(comments("t", &text).unwrap(), written.clone());
        prop_assert_eq!(comments("t", &formatted).unwrap(), written, "formatted:\n{}", formatted);
    }
}
