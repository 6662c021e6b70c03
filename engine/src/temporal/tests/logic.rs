//! Three-valued logic, `needed`, quantifiers, `each` instances and the
//! public accessors of a definition.

use std::collections::BTreeSet;

use super::{d, def, parse, request};
use crate::temporal::{DefKind, Truth};

fn needed(paths: &[&str]) -> BTreeSet<String> {
    paths.iter().map(|p| p.to_string()).collect()
}

#[test]
fn false_and_unknown_is_false_with_nothing_needed() {
    let rule = def("fact k = agreement.end <= date and agreement.start <= date;");
    let outcome = rule.evaluate(&request("2024-05-01", r#""start": "2024-06-01""#, ""));
    assert_eq!(outcome.truth, Truth::False);
    assert!(outcome.needed.is_empty());
    assert_eq!(
        outcome.evidence,
        "agreement.start 2024-06-01 is after 2024-05-01"
    );
}

#[test]
fn true_or_unknown_is_true_with_nothing_needed() {
    let rule = def("fact k = agreement.end <= date or agreement.start <= date;");
    let outcome = rule.evaluate(&request("2024-05-01", r#""start": "2024-01-01""#, ""));
    assert_eq!(outcome.truth, Truth::True);
    assert!(outcome.needed.is_empty());
}

#[test]
fn unknown_and_true_is_unknown_and_names_what_is_needed() {
    let rule = def("fact k = agreement.end <= date and agreement.start <= date;");
    let outcome = rule.evaluate(&request("2024-05-01", r#""start": "2024-01-01""#, ""));
    assert_eq!(outcome.truth, Truth::Unknown);
    assert_eq!(outcome.needed, needed(&["agreement.end"]));
    assert_eq!(outcome.evidence, "agreement.end is not given");
    let negated = def("fact k = not (agreement.end <= date);");
    let outcome = negated.evaluate(&request("2024-05-01", "", ""));
    assert_eq!(outcome.truth, Truth::Unknown);
    assert_eq!(outcome.needed, needed(&["agreement.end"]));
}

#[test]
fn both_unknown_sides_are_needed() {
    let rule = def("fact k = agreement.start + 36 months >= agreement.end;");
    let outcome = rule.evaluate(&request("2024-05-01", "", ""));
    assert_eq!(outcome.truth, Truth::Unknown);
    assert_eq!(
        outcome.needed,
        needed(&["agreement.end", "agreement.start"])
    );
}

#[test]
fn an_absent_until_in_a_comparison_is_unknown() {
    let rule = def("fact k = exists call_notice c: date <= c.until;");
    let outcome = rule.evaluate(&request(
        "2024-05-01",
        "",
        r#"{"kind": "call_notice", "date": "2024-04-01"}"#,
    ));
    assert_eq!(outcome.truth, Truth::Unknown);
    assert_eq!(outcome.needed, needed(&["call_notice.until"]));
    assert_eq!(
        outcome.evidence,
        "whether any call_notice on or before 2024-05-01 qualifies is unknown: call_notice on 2024-04-01 has no until"
    );
    // One decided witness settles it; the other event's gap is not needed.
    let outcome = rule.evaluate(&request(
        "2024-05-01",
        "",
        r#"{"kind": "call_notice", "date": "2024-04-01"},
           {"kind": "call_notice", "date": "2024-04-02", "until": "2024-05-31"}"#,
    ));
    assert_eq!(outcome.truth, Truth::True);
    assert!(outcome.needed.is_empty());
}

/// Catalog 1.1 §1.4: an event with a `ref` matched against an id the
/// request does not give is unknown, and the id is needed.
#[test]
fn matches_with_an_absent_id_is_unknown_and_needs_the_id() {
    let rule = def("fact k = exists authorization_terminated t: matches(t, agreement.id);");
    let event = r#"{"kind": "authorization_terminated", "date": "2024-03-01", "ref": "A1"}"#;
    let outcome = rule.evaluate(&request("2024-05-01", "", event));
    assert_eq!(outcome.truth, Truth::Unknown);
    assert_eq!(outcome.needed, needed(&["agreement.id"]));
    assert_eq!(
        outcome.evidence,
        "whether any authorization_terminated on or before 2024-05-01 qualifies is unknown: whether authorization_terminated on 2024-03-01 (ref A1) concerns this request is unknown, as agreement.id is not given"
    );
    // The same as with one id or another: true for its own, false for another.
    assert_eq!(
        rule.evaluate(&request("2024-05-01", r#""id": "A1""#, event))
            .truth,
        Truth::True
    );
    let other = rule.evaluate(&request("2024-05-01", r#""id": "B2""#, event));
    assert_eq!(other.truth, Truth::False);
    assert!(other.needed.is_empty());
    // An event without a ref concerns this request, whatever the id.
    let general = r#"{"kind": "authorization_terminated", "date": "2024-03-01"}"#;
    let outcome = rule.evaluate(&request("2024-05-01", "", general));
    assert_eq!(outcome.truth, Truth::True);
    assert!(outcome.needed.is_empty());
    assert_eq!(
        outcome.evidence,
        "authorization_terminated on 2024-03-01 has no ref, so it concerns this request"
    );
    // A decided witness makes the unknown one irrelevant: nothing is needed.
    let both = format!("{event}, {general}");
    let outcome = rule.evaluate(&request("2024-05-01", "", &both));
    assert_eq!(outcome.truth, Truth::True);
    assert!(outcome.needed.is_empty());
    // Under `no`, the unknown match stays unknown.
    let none = def("fact k = no authorization_terminated t: matches(t, agreement.id);");
    let outcome = none.evaluate(&request("2024-05-01", "", event));
    assert_eq!(outcome.truth, Truth::Unknown);
    assert_eq!(outcome.needed, needed(&["agreement.id"]));
}

#[test]
fn an_unknown_string_fact_in_a_comparison_is_needed() {
    let rule = def("fact k = exists annual_report r: r.ref == agreement.id;");
    let event = r#"{"kind": "annual_report", "date": "2024-03-01", "ref": "A1"}"#;
    let outcome = rule.evaluate(&request("2024-05-01", "", event));
    assert_eq!(outcome.truth, Truth::Unknown);
    assert_eq!(outcome.needed, needed(&["agreement.id"]));
    let outcome = rule.evaluate(&request("2024-05-01", r#""id": "A1""#, event));
    assert_eq!(outcome.truth, Truth::True);
    assert_eq!(
        outcome.evidence,
        r#"annual_report on 2024-03-01 (ref A1): annual_report.ref "A1" equals agreement.id "A1""#
    );
}

#[test]
fn exists_without_a_body_and_no() {
    let determined = def("fact determined = exists grant_determined;");
    let events = r#"{"kind": "grant_determined", "date": "2024-01-01"},
                    {"kind": "grant_determined", "date": "2024-02-01"}"#;
    let outcome = determined.evaluate(&request("2024-05-01", "", events));
    assert_eq!(outcome.truth, Truth::True);
    assert_eq!(
        outcome.evidence,
        "grant_determined on 2024-02-01 is on record"
    );
    let never = def("fact never = no grant_determined;");
    assert_eq!(
        never.evaluate(&request("2024-05-01", "", events)).truth,
        Truth::False
    );
    let outcome = never.evaluate(&request("2024-05-01", "", ""));
    assert_eq!(outcome.truth, Truth::True);
    assert_eq!(
        outcome.evidence,
        "no grant_determined on or before 2024-05-01"
    );
}

#[test]
fn all_cites_the_counterexample_and_holds_vacuously() {
    let rule = def("fact approved = all staff_change s: exists staff_change_approved a: a.ref == s.ref and a.date <= s.date;");
    assert_eq!(
        rule.evaluate(&request("2024-05-01", "", "")).truth,
        Truth::True
    );
    let events = r#"{"kind": "staff_change", "date": "2024-03-01", "ref": "p1"},
                    {"kind": "staff_change_approved", "date": "2024-02-01", "ref": "p1"},
                    {"kind": "staff_change", "date": "2024-04-01", "ref": "p2"},
                    {"kind": "staff_change_approved", "date": "2024-04-02", "ref": "p2"}"#;
    let outcome = rule.evaluate(&request("2024-05-01", "", events));
    assert_eq!(outcome.truth, Truth::False);
    assert!(
        outcome
            .evidence
            .starts_with("staff_change on 2024-04-01 (ref p2): no staff_change_approved"),
        "{}",
        outcome.evidence
    );
    // As of an earlier date the late approval and the second change are ignored.
    assert_eq!(
        rule.evaluate(&request("2024-03-15", "", events)).truth,
        Truth::True
    );
}

#[test]
fn nested_quantifiers_check_a_sequence() {
    let rule = def("fact sequence_ok = exists internal_decision i: matches(i, agreement.id) and exists decision_materials_reported r: matches(r, agreement.id) and i.date <= r.date;");
    let facts = r#""id": "A1""#;
    let in_order = r#"{"kind": "internal_decision", "date": "2024-01-10", "ref": "A1"},
                      {"kind": "decision_materials_reported", "date": "2024-01-20"}"#;
    assert_eq!(
        rule.evaluate(&request("2024-05-01", facts, in_order)).truth,
        Truth::True
    );
    let reversed = r#"{"kind": "internal_decision", "date": "2024-01-20"},
                      {"kind": "decision_materials_reported", "date": "2024-01-10"}"#;
    assert_eq!(
        rule.evaluate(&request("2024-05-01", facts, reversed)).truth,
        Truth::False
    );
}

#[test]
fn each_lists_instances_with_their_due_dates() {
    let rule = def("each correction_due = rectification_notice n: n.until present and date <= n.until and no rectified r: n.date <= r.date and (n.ref absent or r.ref == n.ref) due n.until;");
    assert_eq!(rule.kind, DefKind::Each);
    let events = r#"{"kind": "rectification_notice", "date": "2024-04-01", "until": "2024-06-30", "ref": "n2"},
                    {"kind": "rectification_notice", "date": "2024-04-01", "until": "2024-05-31", "ref": "n1"},
                    {"kind": "rectification_notice", "date": "2024-03-01", "until": "2024-04-15"},
                    {"kind": "rectification_notice", "date": "2024-02-01", "until": "2024-06-01", "ref": "n3"},
                    {"kind": "rectified", "date": "2024-02-20", "ref": "n3"}"#;
    let outcome = rule.evaluate(&request("2024-05-01", "", events));
    assert_eq!(outcome.truth, Truth::True);
    assert!(outcome.needed.is_empty());
    let listed: Vec<(Option<&str>, _)> = outcome
        .instances
        .iter()
        .map(|i| (i.event.reference.as_deref(), i.due))
        .collect();
    assert_eq!(
        listed,
        vec![
            (Some("n1"), Some(d("2024-05-31"))),
            (Some("n2"), Some(d("2024-06-30")))
        ]
    );
    assert_eq!(
        outcome.evidence,
        "2 of 4 rectification_notice on or before 2024-05-01 qualify: rectification_notice on 2024-04-01 until 2024-05-31 (ref n1) (due 2024-05-31); rectification_notice on 2024-04-01 until 2024-06-30 (ref n2) (due 2024-06-30)"
    );
    let first = &outcome.instances[0];
    assert!(
        first
            .evidence
            .ends_with("; due rectification_notice until 2024-05-31"),
        "{}",
        first.evidence
    );

    let none = rule.evaluate(&request("2024-05-01", "", ""));
    assert_eq!(none.truth, Truth::False);
    assert!(none.instances.is_empty());
}

#[test]
fn each_without_a_due_clause_and_with_undecided_events() {
    let rule = def("each open_incidents = security_incident e: no incident_reported r: r.date >= e.date and (e.ref absent or r.ref == e.ref);");
    let events = r#"{"kind": "security_incident", "date": "2024-01-01", "ref": "i1"},
                    {"kind": "security_incident", "date": "2024-02-01", "ref": "i2"},
                    {"kind": "incident_reported", "date": "2024-01-03", "ref": "i1"}"#;
    let outcome = rule.evaluate(&request("2024-05-01", "", events));
    assert_eq!(outcome.truth, Truth::True);
    assert_eq!(outcome.instances.len(), 1);
    assert_eq!(outcome.instances[0].event.reference.as_deref(), Some("i2"));
    assert_eq!(outcome.instances[0].due, None);

    // A report without a ref leaves an incident with a ref undecided.
    let undecided = r#"{"kind": "security_incident", "date": "2024-01-01", "ref": "i1"},
                       {"kind": "incident_reported", "date": "2024-01-03"}"#;
    let outcome = rule.evaluate(&request("2024-05-01", "", undecided));
    assert_eq!(outcome.truth, Truth::Unknown);
    assert_eq!(outcome.needed, needed(&["incident_reported.ref"]));
}

#[test]
fn due_of_an_absent_fact_is_unknown() {
    let rule = def("due renew_by = agreement.end - 3 months;");
    let outcome = rule.evaluate(&request("2024-05-01", "", ""));
    assert_eq!(outcome.truth, Truth::Unknown);
    assert_eq!(outcome.due, None);
    assert_eq!(outcome.needed, needed(&["agreement.end"]));
    assert_eq!(outcome.evidence, "agreement.end is not given");
}

#[test]
fn definitions_keep_their_doc_source_and_reads() {
    let file = parse(
        "// a plain comment\n\n/// 三(二)4: no incident\n/// within 3 years.\nfact recent = exists security_incident e:\n    e.date within 36 months before date;  // trailing\n\n/// stray doc, separated by a blank line\n\nfact current = agreement.start <= date and no authorization_terminated t: matches(t, agreement.id);\n//// four slashes are a comment\ndue keep = date + 1 year;",
    )
    .unwrap();
    let [recent, current, keep] = &file.definitions[..] else {
        panic!("three definitions expected");
    };
    assert_eq!(recent.name, "recent");
    assert_eq!(recent.doc, "三(二)4: no incident\nwithin 3 years.");
    assert_eq!(recent.line, 5);
    assert_eq!(recent.file, "test.rules");
    assert_eq!(
        recent.source,
        "fact recent = exists security_incident e:\n    e.date within 36 months before date;"
    );
    assert!(recent.facts_read().is_empty());
    assert_eq!(recent.event_kinds(), needed(&["security_incident"]));
    assert_eq!(current.doc, "");
    assert_eq!(
        current.facts_read(),
        needed(&["agreement.id", "agreement.start"])
    );
    assert_eq!(current.event_kinds(), needed(&["authorization_terminated"]));
    assert_eq!(keep.kind, DefKind::Due);
    assert_eq!(
        keep.evaluate(&request("2024-02-29", "", "")).due,
        Some(d("2025-02-28"))
    );
}

#[test]
fn evaluation_is_deterministic() {
    let file = parse(
        "fact a = exists security_incident e: e.date within 36 months before date;\neach b = security_incident e: true due e.date + 1 month;",
    )
    .unwrap();
    let events = r#"{"kind": "security_incident", "date": "2022-03-01", "ref": "b"},
                    {"kind": "security_incident", "date": "2022-03-01", "ref": "a"}"#;
    let req = request("2024-05-01", "", events);
    for rule in &file.definitions {
        assert_eq!(rule.evaluate(&req), rule.evaluate(&req));
    }
    let each = file.definitions[1].evaluate(&req);
    let refs: Vec<_> = each
        .instances
        .iter()
        .map(|i| i.event.reference.clone())
        .collect();
    assert_eq!(refs, vec![Some("a".to_string()), Some("b".to_string())]);
}
