//! Parse errors: located (file, line, column, span) and readable.

use super::parse;
use crate::temporal::TemporalError;

fn error(source: &str) -> TemporalError {
    match parse(source) {
        Ok(_) => panic!("expected an error for {source:?}"),
        Err(e) => e,
    }
}

/// The text the error's span covers.
fn spanned(e: &TemporalError) -> &str {
    &e.source_text[e.span.0..e.span.0 + e.span.1]
}

#[test]
fn unknown_event_kind_is_located_with_a_suggestion() {
    let e = error("fact a = true;\nfact recent = exists security_incidnt e: e.date within 36 months before date;\n");
    assert_eq!((e.file.as_str(), e.line, e.column), ("test.rules", 2, 22));
    assert_eq!(
        e.message,
        "unknown event kind `security_incidnt` (did you mean `security_incident`?)"
    );
    assert_eq!(spanned(&e), "security_incidnt");
    assert_eq!(
        e.to_string(),
        "test.rules:2:22: unknown event kind `security_incidnt` (did you mean `security_incident`?)"
    );
}

#[test]
fn unknown_fact_is_located_with_a_suggestion() {
    let e = error("// header\n\nfact renew = date <= agreement.ennd - 3 months;");
    assert_eq!((e.line, e.column), (3, 22));
    assert_eq!(
        e.message,
        "unknown fact `agreement.ennd` (did you mean `agreement.end`?)"
    );
    assert_eq!(spanned(&e), "agreement.ennd");
}

#[test]
fn missing_semicolon_points_after_the_definition() {
    let e = error("fact renew = date <= agreement.end - 3 months\nfact other = true;\n");
    assert_eq!((e.line, e.column), (1, 46));
    assert_eq!(
        e.message,
        "expected `;`, a shift `± N months`, `and` or `or`, found `fact`"
    );
    assert_eq!(e.span, (45, 0));
}

#[test]
fn a_string_fact_in_a_date_position_is_a_type_error() {
    let e = error("fact x = date <= agreement.id + 3 months;");
    assert_eq!((e.line, e.column), (1, 18));
    assert_eq!(
        e.message,
        "type error: `agreement.id` is a string fact, but only a date can be shifted by a duration"
    );
    assert_eq!(spanned(&e), "agreement.id");

    let e = error("fact x = agreement.id within 3 months before date;");
    assert_eq!((e.line, e.column), (1, 10));
    assert_eq!(
        e.message,
        "type error: `agreement.id` is a string fact, but `within` needs a date"
    );

    let e = error("fact x = date <= agreement.id;");
    assert_eq!(
        e.message,
        "type error: `agreement.id` is a string fact, but the other side is a date"
    );

    let e = error("fact x = operator.credit_ok <= date;");
    assert_eq!(
        e.message,
        "type error: `operator.credit_ok` is a boolean fact; only date and string (id) facts can be compared"
    );
}

#[test]
fn due_definitions_and_clauses_must_be_dates() {
    let e = error("due x = agreement.id;");
    assert_eq!(
        e.message,
        "type error: `agreement.id` is a string fact, but a `due` definition needs a date"
    );
    let e = error("each x = rectification_notice n: true due n.ref;");
    assert_eq!((e.line, e.column), (1, 43));
    assert_eq!(
        e.message,
        "type error: `n.ref` is a string, but the `due` clause needs a date"
    );
}

#[test]
fn variables_must_be_bound_exactly_once() {
    let e = error("fact x = exists audit_report a: b.date <= date;");
    assert_eq!(e.message, "unbound variable `b` (bound here: a)");
    assert_eq!((e.line, e.column), (1, 33));
    let e = error("fact x = matches(a, agreement.id);");
    assert_eq!(
        e.message,
        "unbound variable `a` (no variable is bound here)"
    );
    let e = error("fact x = all staff_change s: exists staff_change_approved s: true;");
    assert_eq!(
        e.message,
        "variable `s` is already bound by an enclosing quantifier; choose another name"
    );
    assert_eq!((e.line, e.column), (1, 59));
    // A variable is out of scope after its quantifier.
    let e = error("fact x = (exists audit_report a: true) and a.date <= date;");
    assert_eq!(
        e.message,
        "unbound variable `a` (no variable is bound here)"
    );
}

#[test]
fn a_name_is_defined_once_per_file() {
    let e = error("fact x = true;\n/// again\nfact x = false;");
    assert_eq!(e.message, "`x` is already defined on line 1");
    assert_eq!((e.line, e.column), (3, 6));
}

#[test]
fn reserved_words_are_not_names() {
    let e = error("fact exists = true;");
    assert_eq!(
        e.message,
        "`exists` is a reserved word and cannot be used as a name"
    );
    assert_eq!((e.line, e.column), (1, 6));
    let e = error("fact x = exists audit_report date: true;");
    assert_eq!(
        e.message,
        "`date` is a reserved word and cannot be used as a name"
    );
}

#[test]
fn other_syntax_errors_read_well() {
    let e = error("fact x = agreement.end foo;");
    assert_eq!(
        e.message,
        "expected a comparison operator (`<=`, `<`, `>=`, `>`, `==`, `!=`), a shift `± N months`, `absent`, `present` or `within`, found `foo`"
    );
    let e = error("fact x = ;");
    assert_eq!(e.message, "expected a condition, found `;`");
    let e = error("fact x = true; garbage");
    assert_eq!(
        e.message,
        "expected a definition (`fact`, `due` or `each`) or the end of the file, found `garbage`"
    );
    let e = error("fact x = (true");
    assert_eq!(
        e.message,
        "expected `)`, `and` or `or`, found the end of the file"
    );
}

#[test]
fn misused_operators_and_periods_are_rejected() {
    let e = error("fact x = exists audit_report a: a.ref < agreement.id;");
    assert_eq!(e.message, "strings can only be compared with `==` or `!=`");
    let e = error(
        "fact x = cadence annual_report every 10 days from agreement.start through agreement.end;",
    );
    assert_eq!(
        e.message,
        "a cadence period is counted in months or years, not days"
    );
    let e = error(
        "fact x = cadence annual_report every 0 months from agreement.start through agreement.end;",
    );
    assert_eq!(e.message, "a cadence period must be at least one month");
    let e = error("fact x = cadence annual_report every 12 months from agreement.start through agreement.end matching agreement.start;");
    assert_eq!(
        e.message,
        "type error: `matching` needs a string (id) fact, but `agreement.start` is a date fact"
    );
    let e = error("fact x = exists audit_report a: a.date present;");
    assert_eq!(
        e.message,
        "`a.date` is always present; test `until` or `ref`"
    );
    let e = error("fact x = date <= date + 99999999999 days;");
    assert_eq!(e.message, "`99999999999` is too large");
}

#[test]
fn last_day_takes_a_date_and_a_term_in_months() {
    let e = error("fact x = agreement.end <= last_day(agreement.start, 730 days);");
    assert_eq!(
        e.message,
        "the term of `last_day` is counted in months or years, not days"
    );
    assert_eq!(spanned(&e), "730 days");
    let e = error("fact x = agreement.end <= last_day(agreement.id, 24 months);");
    assert_eq!(
        e.message,
        "type error: `agreement.id` is a string fact, but `last_day` needs a date"
    );
    let e = error("fact last_day = true;");
    assert_eq!(
        e.message,
        "`last_day` is a reserved word and cannot be used as a name"
    );
    let e = error("fact x = agreement.end <= last_day(agreement.start);");
    assert_eq!(e.message, "expected `,` or a shift `± N months`, found `)`");
    // It is a date like any other: it can be shifted and nested.
    assert!(parse("fact x = date <= last_day(last_day(agreement.start, 1 year) + 1 day, 6 months) - 3 months;").is_ok());
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let parens = |depth: usize| format!("fact x = {}true{};", "(".repeat(depth), ")".repeat(depth));
    let nots = |depth: usize| format!("fact x = {}true;", "not ".repeat(depth));
    let quantifiers = |depth: usize| {
        let mut body = "true".to_string();
        for i in 0..depth {
            body = format!("exists audit_report a{i}: {body}");
        }
        format!("fact x = {body};")
    };
    // Deep but allowed: parsed and evaluated.
    let req = super::request(
        "2024-05-01",
        "",
        r#"{"kind": "audit_report", "date": "2024-01-01"}"#,
    );
    for source in [parens(30), nots(90), quantifiers(30)] {
        let rule = super::def(&source);
        assert_ne!(rule.evaluate(&req).truth, crate::temporal::Truth::Unknown);
    }
    // Deeper: refused with a message, however deep.
    for source in [
        parens(40),
        nots(120),
        quantifiers(40),
        parens(100_000),
        nots(100_000),
    ] {
        let e = error(&source);
        assert!(
            e.message
                .starts_with("conditions are nested too deeply; split the definition into several"),
            "{}",
            e.message
        );
    }
}
