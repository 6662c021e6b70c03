//! The grammar, rule by rule, with pest's own test macros.

use pest::{consumes_to, fails_with, parses_to};

use super::super::parser::{Rule, TemporalParser};

#[test]
fn a_shifted_fact_is_an_operand() {
    parses_to! {
        parser: TemporalParser,
        input: "agreement.end - 3 months",
        rule: Rule::operand,
        tokens: [
            operand(0, 24, [
                fact_path(0, 13, [object(0, 9), fact_name(10, 13)]),
                shift(14, 24, [add_op(14, 15), duration(16, 24, [number(16, 17), unit(18, 24)])])
            ])
        ]
    };
}

#[test]
fn chained_shifts_apply_in_order() {
    parses_to! {
        parser: TemporalParser,
        input: "x.date + 1 year - 1 day",
        rule: Rule::operand,
        tokens: [
            operand(0, 23, [
                var_attr(0, 6, [var(0, 1), attr(2, 6)]),
                shift(7, 15, [add_op(7, 8), duration(9, 15, [number(9, 10), unit(11, 15)])]),
                shift(16, 23, [add_op(16, 17), duration(18, 23, [number(18, 19), unit(20, 23)])])
            ])
        ]
    };
}

#[test]
fn a_comparison_of_the_request_date_with_an_until() {
    parses_to! {
        parser: TemporalParser,
        input: "date <= c.until",
        rule: Rule::comparison,
        tokens: [
            comparison(0, 15, [
                // A rule ending in a repetition keeps the space after it.
                operand(0, 5, [request_date(0, 4)]),
                cmp_op(5, 7),
                operand(8, 15, [var_attr(8, 15, [var(8, 9), attr(10, 15)])])
            ])
        ]
    };
}

#[test]
fn presence_and_matches() {
    parses_to! {
        parser: TemporalParser,
        input: "e.ref absent",
        rule: Rule::presence,
        tokens: [
            presence(0, 12, [var_attr(0, 5, [var(0, 1), attr(2, 5)]), kw_absent(6, 12)])
        ]
    };
    parses_to! {
        parser: TemporalParser,
        input: "matches(t, agreement.id)",
        rule: Rule::matches_call,
        tokens: [
            matches_call(0, 24, [
                kw_matches(0, 7),
                lparen(7, 8),
                var(8, 9),
                comma(9, 10),
                fact_path(11, 23, [object(11, 20), fact_name(21, 23)]),
                rparen(23, 24)
            ])
        ]
    };
}

#[test]
fn a_quantifier_body_extends_as_far_right_as_possible() {
    parses_to! {
        parser: TemporalParser,
        input: "exists audit_report a: true and false",
        rule: Rule::exists_q,
        tokens: [
            exists_q(0, 37, [
                kw_exists(0, 6),
                kind(7, 19),
                var(20, 21),
                colon(21, 22),
                expr(23, 37, [
                    conjunction(23, 37, [
                        negation(23, 27, [kw_true(23, 27)]),
                        kw_and(28, 31),
                        negation(32, 37, [kw_false(32, 37)])
                    ])
                ])
            ])
        ]
    };
}

#[test]
fn not_binds_tighter_than_and_tighter_than_or() {
    parses_to! {
        parser: TemporalParser,
        input: "not true or false and true",
        rule: Rule::expr,
        tokens: [
            expr(0, 26, [
                conjunction(0, 9, [
                    negation(0, 8, [kw_not(0, 3), negation(4, 8, [kw_true(4, 8)])])
                ]),
                kw_or(9, 11),
                conjunction(12, 26, [
                    negation(12, 17, [kw_false(12, 17)]),
                    kw_and(18, 21),
                    negation(22, 26, [kw_true(22, 26)])
                ])
            ])
        ]
    };
}

#[test]
fn a_doc_line_keeps_its_text() {
    parses_to! {
        parser: TemporalParser,
        input: "/// 三(二)4",
        rule: Rule::doc_line,
        tokens: [doc_line(0, 13, [doc_text(3, 13)])]
    };
}

#[test]
fn keywords_are_not_names() {
    fails_with! {
        parser: TemporalParser,
        input: "exists",
        rule: Rule::name,
        positives: vec![Rule::name],
        negatives: vec![],
        pos: 0
    };
    parses_to! {
        parser: TemporalParser,
        input: "existing",
        rule: Rule::name,
        tokens: [name(0, 8)]
    };
}

#[test]
fn an_event_has_only_date_until_and_ref() {
    fails_with! {
        parser: TemporalParser,
        input: "e.start",
        rule: Rule::var_attr,
        positives: vec![Rule::attr],
        negatives: vec![],
        pos: 2
    };
}

#[test]
fn weeks_are_not_a_unit() {
    fails_with! {
        parser: TemporalParser,
        input: "3 weeks",
        rule: Rule::duration,
        positives: vec![Rule::unit],
        negatives: vec![],
        pos: 2
    };
}

#[test]
fn a_definition_needs_its_semicolon() {
    fails_with! {
        parser: TemporalParser,
        input: "fact x = true",
        rule: Rule::file,
        positives: vec![Rule::semi, Rule::kw_or, Rule::kw_and],
        negatives: vec![],
        pos: 13
    };
}
