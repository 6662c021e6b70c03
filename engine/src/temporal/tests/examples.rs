//! The worked examples of catalog §6, through the DSL.

use super::{d, def, request};
use crate::temporal::{DefKind, Truth};

const RECENT_INCIDENT: &str =
    "fact recent_incident = exists security_incident e: e.date within 36 months before date;";
const AUDIT_FRESH: &str =
    "fact audit_fresh = exists audit_report a: a.date within 12 months before date;";
const REVIEW_VALID: &str =
    "fact review_valid = exists security_review r: r.date within 24 months before date;";
const RENEW_IN_TIME: &str = "fact renew_in_time = date <= agreement.end - 3 months;";
const TERM_MAX_3Y: &str =
    "fact term_max_3y = agreement.end <= last_day(agreement.start, 36 months);";
const TERM_EXACT_2Y: &str =
    "fact term_exact_2y = agreement.end == last_day(agreement.start, 2 years);";
const LOG_RETENTION: &str = "due log_retention = date + 6 months;";
const CALL_OPEN: &str = "fact call_open = exists call_notice c: c.until absent or date <= c.until;";
const CURRENT: &str = "fact agreement_current = agreement.start <= date and date <= agreement.end and no authorization_terminated t: matches(t, agreement.id);";
const QUARTERLY: &str = "fact quarterly = cadence quarterly_report every 3 months from agreement.start through agreement.end matching agreement.id;";
const SIX_MONTHLY: &str = "fact six_monthly = cadence security_report every 6 months from agreement.start through agreement.end;";
const ANNUAL: &str = "fact annual = cadence annual_report every 1 year from agreement.start through agreement.end matching agreement.id;";

fn event(kind: &str, date: &str) -> String {
    format!(r#"{{"kind": "{kind}", "date": "{date}"}}"#)
}

#[test]
fn w1_incident_look_back_is_inclusive_at_both_ends() {
    let rule = def(RECENT_INCIDENT);
    let inside = rule.evaluate(&request(
        "2024-05-01",
        "",
        &event("security_incident", "2021-05-01"),
    ));
    assert_eq!(inside.truth, Truth::True);
    assert_eq!(
        inside.evidence,
        "security_incident on 2021-05-01 lies within 36 months before 2024-05-01 (window ends 2024-05-01)"
    );
    let outside = rule.evaluate(&request(
        "2024-05-01",
        "",
        &event("security_incident", "2021-04-30"),
    ));
    assert_eq!(outside.truth, Truth::False);
    assert_eq!(
        outside.evidence,
        "no security_incident on or before 2024-05-01 qualifies: security_incident on 2021-04-30 lies outside 36 months before 2024-05-01 (window ended 2024-04-30)"
    );
    let leap = rule.evaluate(&request(
        "2024-02-29",
        "",
        &event("security_incident", "2021-02-28"),
    ));
    assert_eq!(leap.truth, Truth::False);
    assert!(leap.needed.is_empty());
}

#[test]
fn w1_incident_evidence_names_the_latest_witness() {
    let rule = def(RECENT_INCIDENT);
    let events = format!(
        "{}, {}",
        event("security_incident", "2021-06-01"),
        event("security_incident", "2022-03-01")
    );
    let outcome = rule.evaluate(&request("2024-05-01", "", &events));
    assert_eq!(
        outcome.evidence,
        "security_incident on 2022-03-01 lies within 36 months before 2024-05-01 (window ends 2025-03-01)"
    );
    let none = rule.evaluate(&request("2024-05-01", "", ""));
    assert_eq!(none.truth, Truth::False);
    assert_eq!(
        none.evidence,
        "no security_incident on or before 2024-05-01"
    );
    // Events after the request date are ignored (as-of evaluation).
    let later = rule.evaluate(&request(
        "2024-05-01",
        "",
        &event("security_incident", "2024-05-02"),
    ));
    assert_eq!(later.truth, Truth::False);
}

#[test]
fn w1_audit_report_is_fresh_through_its_anniversary() {
    let rule = def(AUDIT_FRESH);
    let audit = event("audit_report", "2023-05-01");
    assert_eq!(
        rule.evaluate(&request("2024-05-01", "", &audit)).truth,
        Truth::True
    );
    assert_eq!(
        rule.evaluate(&request("2024-05-02", "", &audit)).truth,
        Truth::False
    );
}

#[test]
fn w2_review_results_are_valid_for_two_years() {
    let rule = def(REVIEW_VALID);
    // Not `last_day`: the review day itself is not counted.
    for (review, last_day, first_invalid) in [
        ("2023-11-30", "2025-11-30", "2025-12-01"),
        ("2023-08-31", "2025-08-31", "2025-09-01"),
        ("2024-02-29", "2026-02-28", "2026-03-01"),
    ] {
        let review = event("security_review", review);
        assert_eq!(
            rule.evaluate(&request(last_day, "", &review)).truth,
            Truth::True
        );
        assert_eq!(
            rule.evaluate(&request(first_invalid, "", &review)).truth,
            Truth::False
        );
    }
}

#[test]
fn w3_a_call_window_is_open_until_its_last_day() {
    let rule = def(CALL_OPEN);
    let open = r#"{"kind": "call_notice", "date": "2024-04-01", "until": "2024-04-30"}"#;
    assert_eq!(
        rule.evaluate(&request("2024-04-30", "", open)).truth,
        Truth::True
    );
    assert_eq!(
        rule.evaluate(&request("2024-05-01", "", open)).truth,
        Truth::False
    );
    let endless = event("call_notice", "2024-04-01");
    let outcome = rule.evaluate(&request("2030-01-01", "", &endless));
    assert_eq!(outcome.truth, Truth::True);
    assert_eq!(outcome.evidence, "call_notice on 2024-04-01 has no until");
}

#[test]
fn w4_renewal_is_due_three_months_before_the_end() {
    let rule = def(RENEW_IN_TIME);
    let end_2025 = r#""end": "2025-12-31""#;
    assert_eq!(
        rule.evaluate(&request("2025-09-30", end_2025, "")).truth,
        Truth::True
    );
    let late = rule.evaluate(&request("2025-10-15", end_2025, ""));
    assert_eq!(late.truth, Truth::False);
    assert_eq!(
        late.evidence,
        "2025-10-15 is after agreement.end 2025-12-31 − 3 months = 2025-09-30"
    );
    let end_2026 = r#""end": "2026-02-28""#;
    assert_eq!(
        rule.evaluate(&request("2025-11-28", end_2026, "")).truth,
        Truth::True
    );
    assert_eq!(
        rule.evaluate(&request("2025-11-29", end_2026, "")).truth,
        Truth::False
    );
}

#[test]
fn w5_exact_two_year_term_ends_on_its_last_day() {
    let rule = def(TERM_EXACT_2Y);
    let term = |start: &str, end: &str| {
        let facts = format!(r#""start": "{start}", "end": "{end}""#);
        rule.evaluate(&request("2024-01-10", &facts, "")).truth
    };
    // Catalog §6.2: start 2024-02-01 → 2026-01-31; 2026-02-01 is one day too long.
    assert_eq!(term("2024-02-01", "2026-01-31"), Truth::True);
    assert_eq!(term("2024-02-01", "2026-02-01"), Truth::False);
    assert_eq!(term("2024-02-01", "2026-01-30"), Truth::False);
    assert_eq!(term("2024-02-01", "2025-07-31"), Truth::False);
    // Start 2026-03-01 → 2028-02-29 (a leap year).
    assert_eq!(term("2026-03-01", "2028-02-29"), Truth::True);
    assert_eq!(term("2026-03-01", "2028-02-28"), Truth::False);
    // Clamped: 2024-02-29 + 24 months is 2026-02-28, which is the last day.
    assert_eq!(term("2024-02-29", "2026-02-28"), Truth::True);
    assert_eq!(term("2024-02-29", "2026-02-27"), Truth::False);
    let facts = r#""start": "2024-02-01", "end": "2026-02-01""#;
    assert_eq!(
        rule.evaluate(&request("2024-01-10", facts, "")).evidence,
        "agreement.end 2026-02-01 is not the same day as the last day of a term of 2 years from agreement.start 2024-02-01, 2026-01-31"
    );
}

#[test]
fn w5_maximum_three_year_term() {
    let rule = def(TERM_MAX_3Y);
    let term = |start: &str, end: &str| {
        let facts = format!(r#""start": "{start}", "end": "{end}""#);
        rule.evaluate(&request("2024-01-10", &facts, "")).truth
    };
    // Catalog §6.2: start 2024-02-01 → at most 2027-01-31 (1.0 tolerated 2027-02-01).
    assert_eq!(term("2024-02-01", "2027-01-31"), Truth::True);
    assert_eq!(term("2024-02-01", "2026-01-31"), Truth::True);
    assert_eq!(term("2024-02-01", "2027-02-01"), Truth::False);
    // Start 2024-02-29 → at most 2027-02-28 (clamped).
    assert_eq!(term("2024-02-29", "2027-02-28"), Truth::True);
    assert_eq!(term("2024-02-29", "2027-03-01"), Truth::False);
    // Unknown start: unknown, and the start is needed.
    let outcome = rule.evaluate(&request("2024-01-10", r#""end": "2027-01-31""#, ""));
    assert_eq!(outcome.truth, Truth::Unknown);
    assert_eq!(outcome.needed, ["agreement.start".to_string()].into());
}

#[test]
fn w6_an_agreement_is_in_force_unless_terminated() {
    let rule = def(CURRENT);
    let facts = r#""id": "A1", "start": "2024-01-01", "end": "2025-12-31""#;
    let other = r#"{"kind": "authorization_terminated", "date": "2024-03-01", "ref": "B2"}"#;
    let mine = r#"{"kind": "authorization_terminated", "date": "2024-03-01", "ref": "A1"}"#;
    let general = event("authorization_terminated", "2024-03-01");
    assert_eq!(
        rule.evaluate(&request("2024-05-01", facts, other)).truth,
        Truth::True
    );
    let terminated = rule.evaluate(&request("2024-05-01", facts, mine));
    assert_eq!(terminated.truth, Truth::False);
    assert_eq!(
        terminated.evidence,
        r#"authorization_terminated on 2024-03-01 (ref A1) concerns agreement.id "A1""#
    );
    assert_eq!(
        rule.evaluate(&request("2024-05-01", facts, &general)).truth,
        Truth::False
    );
    assert_eq!(
        rule.evaluate(&request("2026-01-01", facts, "")).truth,
        Truth::False
    );
}

#[test]
fn w7_retention_due_date_clamps_to_the_month_end() {
    let rule = def(LOG_RETENTION);
    assert_eq!(rule.kind, DefKind::Due);
    let outcome = rule.evaluate(&request("2024-08-31", "", ""));
    assert_eq!(outcome.truth, Truth::True);
    assert_eq!(outcome.due, Some(d("2025-02-28")));
    assert_eq!(outcome.evidence, "2024-08-31 + 6 months = 2025-02-28");
    assert_eq!(
        rule.evaluate(&request("2024-02-29", "", "")).due,
        Some(d("2024-08-29"))
    );
}

#[test]
fn c1c_quarterly_reports_counted_from_the_anchor() {
    let rule = def(QUARTERLY);
    let facts = r#""id": "A1", "start": "2025-05-31", "end": "2028-05-30""#;
    let one = event("quarterly_report", "2025-08-20");
    let unmet = rule.evaluate(&request("2025-12-01", facts, &one));
    assert_eq!(unmet.truth, Truth::False);
    assert_eq!(
        unmet.evidence,
        "2 quarterly_report due by 2025-12-01 (2025-08-31, 2025-11-30), 1 filed (2025-08-20)"
    );
    // The catalog's example: a second report dated 2025-12-01 cures quarter 2.
    let two = format!("{one}, {}", event("quarterly_report", "2025-12-01"));
    let met = rule.evaluate(&request("2025-12-01", facts, &two));
    assert_eq!(met.truth, Truth::True);
    assert_eq!(
        met.evidence,
        "2 quarterly_report due by 2025-12-01 (2025-08-31, 2025-11-30), 2 filed (2025-08-20, 2025-12-01): one for each period"
    );
    // A report for another agreement does not count.
    let foreign =
        format!(r#"{one}, {{"kind": "quarterly_report", "date": "2025-11-01", "ref": "B2"}}"#);
    assert_eq!(
        rule.evaluate(&request("2025-12-01", facts, &foreign)).truth,
        Truth::False
    );
    // Without agreement.id, whether the B2 report counts is unknown
    // (catalog 1.1 §1.4), and the decision needs the id.
    let anonymous = r#""start": "2025-05-31", "end": "2028-05-30""#;
    let undecided = rule.evaluate(&request("2025-12-01", anonymous, &foreign));
    assert_eq!(undecided.truth, Truth::Unknown);
    assert_eq!(undecided.needed, ["agreement.id".to_string()].into());
    assert_eq!(
        undecided.evidence,
        "2 quarterly_report due by 2025-12-01 (2025-08-31, 2025-11-30), 1 certainly counted, 2 possibly: depends on agreement.id; 1 quarterly_report with a ref may or may not concern this request: agreement.id is not given"
    );
    // Reports without a ref count whatever the id: decided without it.
    let general = format!("{one}, {}", event("quarterly_report", "2025-11-01"));
    assert_eq!(
        rule.evaluate(&request("2025-12-01", anonymous, &general))
            .truth,
        Truth::True
    );
    // Even counting the B2 report, one report is too few: decided without it.
    let lone = r#"{"kind": "quarterly_report", "date": "2025-11-01", "ref": "B2"}"#;
    let short = rule.evaluate(&request("2025-12-01", anonymous, lone));
    assert_eq!(short.truth, Truth::False);
    assert!(short.needed.is_empty());
    assert_eq!(
        short.evidence,
        "2 quarterly_report due by 2025-12-01 (2025-08-31, 2025-11-30), 1 filed (2025-11-01) (any ref counted, as agreement.id is not given)"
    );
}

/// Catalog §6.3, example C1b (no filing ahead): two reports in the first
/// period do not cover the second.
#[test]
fn c1b_no_filing_ahead() {
    let rule = def(SIX_MONTHLY);
    let facts = r#""start": "2024-01-01", "end": "2025-12-31""#;
    let ahead = format!(
        "{}, {}",
        event("security_report", "2024-02-15"),
        event("security_report", "2024-03-15")
    );
    let outcome = rule.evaluate(&request("2025-02-03", facts, &ahead));
    assert_eq!(outcome.truth, Truth::False);
    assert!(outcome.needed.is_empty());
    assert_eq!(
        outcome.evidence,
        "2 security_report due by 2025-02-03 (2024-07-01, 2025-01-01), 2 filed (2024-02-15, 2024-03-15): none of them on or after 2024-07-01 (start of period 2), where 1 period is owed — a security_report counts for its own period or cures an earlier one, never a later one"
    );
    // One report in each period holds.
    let each = format!(
        "{}, {}",
        event("security_report", "2024-02-15"),
        event("security_report", "2024-09-15")
    );
    assert_eq!(
        rule.evaluate(&request("2025-02-03", facts, &each)).truth,
        Truth::True
    );
    // A report on a closing day may serve the next period.
    let closing = format!(
        "{}, {}",
        event("security_report", "2024-02-15"),
        event("security_report", "2024-07-01")
    );
    assert_eq!(
        rule.evaluate(&request("2025-02-03", facts, &closing)).truth,
        Truth::True
    );
}

/// Catalog §6.3: a late report cures a missed period from its filing date.
#[test]
fn c1b_a_late_report_cures_from_its_filing_date() {
    let rule = def(SIX_MONTHLY);
    let facts = r#""start": "2024-01-01", "end": "2025-12-31""#;
    // Period 1 (to 2024-07-01) missed.
    assert_eq!(
        rule.evaluate(&request("2024-07-02", facts, "")).truth,
        Truth::False
    );
    let late = event("security_report", "2024-08-10");
    assert_eq!(
        rule.evaluate(&request("2024-08-09", facts, &late)).truth,
        Truth::False
    );
    assert_eq!(
        rule.evaluate(&request("2024-08-10", facts, &late)).truth,
        Truth::True
    );
    // On 2025-01-02 period 2 is owed too: the late report served period 1,
    // a second one in period 2 is needed.
    assert_eq!(
        rule.evaluate(&request("2025-01-02", facts, &late)).truth,
        Truth::False
    );
    let second = format!("{late}, {}", event("security_report", "2024-12-20"));
    assert_eq!(
        rule.evaluate(&request("2025-01-02", facts, &second)).truth,
        Truth::True
    );
}

/// Catalog §5 I3: on 2025-01-02 one report of 2024-06-20 leaves period 2
/// of the security cadence unserved.
#[test]
fn i3_one_security_report_leaves_the_second_period_owed() {
    let rule = def(SIX_MONTHLY);
    let facts = r#""start": "2024-01-01", "end": "2025-12-31""#;
    let one = event("security_report", "2024-06-20");
    assert_eq!(
        rule.evaluate(&request("2024-07-02", facts, &one)).truth,
        Truth::True
    );
    assert_eq!(
        rule.evaluate(&request("2025-01-02", facts, &one)).truth,
        Truth::False
    );
}

#[test]
fn c1b_hangzhou_six_monthly_report_missed() {
    let rule = def(SIX_MONTHLY);
    let facts = r#""start": "2024-01-31", "end": "2026-01-30""#;
    let outcome = rule.evaluate(&request("2024-08-01", facts, ""));
    assert_eq!(outcome.truth, Truth::False);
    assert_eq!(
        outcome.evidence,
        "1 security_report due by 2024-08-01 (2024-07-31), 0 filed"
    );
    assert_eq!(
        rule.evaluate(&request("2024-07-31", facts, "")).truth,
        Truth::True
    );
}

#[test]
fn c1a_annual_reports_with_the_documented_evidence() {
    let rule = def(ANNUAL);
    let facts = r#""id": "A1", "start": "2024-01-01", "end": "2026-12-31""#;
    let outcome = rule.evaluate(&request(
        "2026-01-02",
        facts,
        &event("annual_report", "2024-12-20"),
    ));
    assert_eq!(outcome.truth, Truth::False);
    assert_eq!(
        outcome.evidence,
        "2 annual_report due by 2026-01-02 (2025-01-01, 2026-01-01), 1 filed (2024-12-20)"
    );
}

#[test]
fn cadence_stops_owing_after_the_term() {
    let rule = def(ANNUAL);
    let facts = r#""start": "2024-01-01", "end": "2024-12-31""#;
    // Only the first period starts inside the term.
    let outcome = rule.evaluate(&request(
        "2027-06-01",
        facts,
        &event("annual_report", "2024-12-20"),
    ));
    assert_eq!(outcome.truth, Truth::True);
    assert_eq!(
        outcome.evidence,
        "1 annual_report due by 2027-06-01 (2025-01-01), 1 filed (2024-12-20): one for each period"
    );
    // Reports before the anchor do not count.
    let early = rule.evaluate(&request(
        "2025-06-01",
        facts,
        &event("annual_report", "2023-12-20"),
    ));
    assert_eq!(early.truth, Truth::False);
}

#[test]
fn cadence_with_an_unknown_end_uses_bounds() {
    let rule = def(ANNUAL);
    let start = r#""start": "2024-01-01""#;
    let filed_two = format!(
        "{}, {}",
        event("annual_report", "2024-12-20"),
        event("annual_report", "2025-12-20")
    );
    // Enough even if the term never ends.
    let met = rule.evaluate(&request("2026-01-02", start, &filed_two));
    assert_eq!(met.truth, Truth::True);
    assert!(met.needed.is_empty());
    // Too few even if the term ends on its first day.
    let unmet = rule.evaluate(&request("2026-01-02", start, ""));
    assert_eq!(unmet.truth, Truth::False);
    assert!(unmet.needed.is_empty());
    // In between: depends on the end.
    let open = rule.evaluate(&request(
        "2026-01-02",
        start,
        &event("annual_report", "2024-12-20"),
    ));
    assert_eq!(open.truth, Truth::Unknown);
    assert_eq!(open.needed, ["agreement.end".to_string()].into());
    // Two reports in the first year: enough for one year, not for two.
    let ahead = format!(
        "{}, {}",
        event("annual_report", "2024-06-20"),
        event("annual_report", "2024-12-20")
    );
    let open = rule.evaluate(&request("2026-01-02", start, &ahead));
    assert_eq!(open.truth, Truth::Unknown);
    assert_eq!(open.needed, ["agreement.end".to_string()].into());
    // Neither the end nor the id given, a report with a ref: both needed
    // when each could decide.
    let tagged = r#"{"kind": "annual_report", "date": "2025-12-20", "ref": "A1"}"#;
    let both = format!("{}, {tagged}", event("annual_report", "2024-12-20"));
    let open = rule.evaluate(&request("2026-01-02", start, &both));
    assert_eq!(open.truth, Truth::Unknown);
    assert_eq!(
        open.needed,
        ["agreement.end".to_string(), "agreement.id".to_string()].into()
    );
    // No anchor: unknown.
    let anchorless = rule.evaluate(&request("2026-01-02", "", ""));
    assert_eq!(anchorless.truth, Truth::Unknown);
    assert_eq!(anchorless.needed, ["agreement.start".to_string()].into());
    assert_eq!(anchorless.evidence, "agreement.start is not given");
}
