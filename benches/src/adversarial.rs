//! The worst requests found within the documented limits: for each
//! definition that reads events, histories built to make its quantifiers,
//! joins and cadences do the most work (refs present, absent and
//! mismatched; events dated before and after each other; long agreements),
//! plus requests that are large in other ways (materials, list facts).
//!
//! [`cases`] builds them at a given number of events (`MAX_EVENTS` for the
//! real worst case, fewer for a quick test of the same shape). The
//! `adversarial` criterion group times them next to the Hangzhou
//! application, `examples/adversarial.rs` searches every jurisdiction ×
//! action with them, and `tests/adversarial.rs` checks their decisions.

use chrono::{Days, NaiveDate};
use serde_json::{json, Map, Value};

/// The request date of every case: after all their events, while every
/// layer is in force.
pub const DATE: &str = "2027-12-31";

/// One adversarial request.
#[derive(Debug, Clone)]
pub struct Case {
    /// Short name, used as the benchmark id.
    pub name: &'static str,
    /// The definition (or part of the engine) it aims at.
    pub target: &'static str,
    /// What the history looks like.
    pub about: &'static str,
    /// The request's JSON text.
    pub json: String,
}

/// The first event day; event `i` is dated `i` days later, so the dates
/// are distinct and every event precedes [`DATE`] (10 000 days end in 2027).
fn day(i: usize) -> String {
    let start = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or_default();
    let offset = u64::try_from(i).unwrap_or(u64::MAX);
    start
        .checked_add_days(Days::new(offset))
        .unwrap_or(start)
        .format("%Y-%m-%d")
        .to_string()
}

fn event(kind: &str, date: String, reference: Option<String>, until: Option<&str>) -> Value {
    let mut e = Map::new();
    e.insert("kind".into(), kind.into());
    e.insert("date".into(), date.into());
    if let Some(until) = until {
        e.insert("until".into(), until.into());
    }
    if let Some(r) = reference {
        e.insert("ref".into(), r.into());
    }
    Value::Object(e)
}

/// A request with `extra` top-level fact objects and `events`.
fn request(jurisdiction: &str, action: &str, extra: Value, events: Vec<Value>) -> String {
    let mut object = Map::new();
    object.insert("jurisdiction".into(), jurisdiction.into());
    object.insert("date".into(), DATE.into());
    object.insert("action".into(), action.into());
    if let Value::Object(facts) = extra {
        object.extend(facts);
    }
    if !events.is_empty() {
        object.insert("events".into(), Value::Array(events));
    }
    Value::Object(object).to_string()
}

/// `first` events of kind `a` (dated first), then `n - first` of kind `b`,
/// each with the ref `refs_a(i)` / `refs_b(i)`.
fn two_kinds(
    n: usize,
    a: &str,
    refs_a: impl Fn(usize) -> Option<String>,
    b: &str,
    refs_b: impl Fn(usize) -> Option<String>,
    until: Option<&str>,
) -> Vec<Value> {
    let half = n / 2;
    let mut events: Vec<Value> = (0..half)
        .map(|i| event(a, day(i), refs_a(i), until))
        .collect();
    events.extend((half..n).map(|i| event(b, day(i), refs_b(i), None)));
    events
}

fn r(prefix: &str, i: usize) -> Option<String> {
    Some(format!("{prefix}-{i}"))
}

/// The agreement of the Hangzhou / Zhejiang cases, in force on [`DATE`].
fn agreement(id: Option<&str>) -> Value {
    let mut a = json!({ "start": "2026-01-01", "end": "2027-12-31" });
    if let (Some(id), Value::Object(map)) = (id, &mut a) {
        map.insert("id".into(), id.into());
    }
    json!({ "agreement": a })
}

/// Every adversarial case with (at most) `n` events.
pub fn cases(n: usize) -> Vec<Case> {
    let mut out = Vec::new();
    let mut add = |name, target, about, json| {
        out.push(Case {
            name,
            target,
            about,
            json,
        })
    };
    // nat_open_incidents: `each security_incident e: no incident_reported r:
    // r.date >= e.date and (e.ref absent or r.ref == e.ref)`.
    add(
        "open_incidents_refless_reports_after",
        "nat_open_incidents",
        "n/2 incidents with distinct refs, then n/2 reports without a ref: every pair undecided",
        request(
            "hangzhou",
            "operate",
            agreement(Some("hz-1")),
            two_kinds(
                n,
                "security_incident",
                |i| r("inc", i),
                "incident_reported",
                |_| None,
                None,
            ),
        ),
    );
    add(
        "open_incidents_other_refs_after",
        "nat_open_incidents",
        "n/2 incidents, then n/2 reports each with a ref no incident has: every pair false",
        request(
            "hangzhou",
            "operate",
            agreement(Some("hz-1")),
            two_kinds(
                n,
                "security_incident",
                |i| r("inc", i),
                "incident_reported",
                |i| r("rep", i),
                None,
            ),
        ),
    );
    add(
        "open_incidents_reports_before",
        "nat_open_incidents",
        "n/2 reports without a ref, then n/2 incidents with refs: every report too early",
        request(
            "hangzhou",
            "operate",
            agreement(Some("hz-1")),
            two_kinds(
                n,
                "incident_reported",
                |_| None,
                "security_incident",
                |i| r("inc", i),
                None,
            ),
        ),
    );
    add(
        "open_incidents_one_ref",
        "nat_open_incidents",
        "n/2 incidents then n/2 reports, all with the same ref: each incident reported",
        request(
            "hangzhou",
            "operate",
            agreement(Some("hz-1")),
            two_kinds(
                n,
                "security_incident",
                |_| Some("x".into()),
                "incident_reported",
                |_| Some("x".into()),
                None,
            ),
        ),
    );
    // zj_correction_due / zj_correction_pending / zj_uncorrected_overdue /
    // qz_rectified_in_time: rectification notices and `no rectified r`.
    add(
        "corrections_refless_rectified_after",
        "zj_correction_due, zj_correction_pending",
        "n/2 open notices for the agreement, then n/2 rectifications without a ref",
        request(
            "hangzhou",
            "process_data",
            agreement(Some("hz-1")),
            two_kinds(
                n,
                "rectification_notice",
                |_| Some("hz-1".into()),
                "rectified",
                |_| None,
                Some("2028-06-30"),
            ),
        ),
    );
    add(
        "corrections_overdue_refless_rectified",
        "zj_uncorrected_overdue, qz_rectified_in_time",
        "n/2 notices already overdue, then n/2 rectifications without a ref, each before the last deadline",
        request(
            "quanzhou",
            "operate",
            agreement(Some("qz-1")),
            two_kinds(
                n,
                "rectification_notice",
                |i| r("n", i),
                "rectified",
                |_| None,
                Some("2027-12-30"),
            ),
        ),
    );
    // qz_decision_reported_before_implementation: two `matches` joins
    // against an agreement.id the request does not give.
    add(
        "decisions_without_agreement_id",
        "qz_decision_reported_before_implementation",
        "n/2 internal decisions then n/2 reports, all with refs, agreement.id not given: every pair undecided",
        request(
            "quanzhou",
            "outsource",
            json!({}),
            two_kinds(
                n,
                "internal_decision",
                |i| r("a", i),
                "decision_materials_reported",
                |i| r("a", i),
                None,
            ),
        ),
    );
    // qz_staff_changes_approved: `all staff_change s: exists
    // staff_change_approved a: a.ref == s.ref and a.date <= s.date and no
    // staff_change p: p.ref == s.ref and p.date < s.date and a.date <=
    // p.date` — three nested quantifiers.
    add(
        "staff_changes_refless",
        "qz_staff_changes_approved",
        "n/2 approvals, then n/2 staff changes without a ref: every triple undecided",
        request(
            "quanzhou",
            "operate",
            json!({}),
            two_kinds(
                n,
                "staff_change_approved",
                |i| r("s", i),
                "staff_change",
                |_| None,
                None,
            ),
        ),
    );
    add(
        "staff_changes_one_ref_interleaved",
        "qz_staff_changes_approved",
        "n/3 rounds of a staff change, an approval (one ref for all) and a staff change without a ref",
        request(
            "quanzhou",
            "operate",
            json!({}),
            (0..n)
                .map(|i| match i % 3 {
                    0 => event("staff_change", day(i), Some("x".into()), None),
                    1 => event("staff_change_approved", day(i), Some("x".into()), None),
                    _ => event("staff_change", day(i), None, None),
                })
                .collect(),
        ),
    );
    add(
        "staff_changes_approved_long_before",
        "qz_staff_changes_approved",
        "n/2 approvals (one ref), then n/2 staff changes with that ref: each approval is stale",
        request(
            "quanzhou",
            "operate",
            json!({}),
            two_kinds(
                n,
                "staff_change_approved",
                |_| Some("x".into()),
                "staff_change",
                |_| Some("x".into()),
                None,
            ),
        ),
    );
    // Cadences over a long agreement: a period every 6 / 3 / 12 months from
    // year 1, reports with refs, and the id and end not given.
    let long = |id: Option<&str>, end: bool| {
        let mut a = Map::new();
        a.insert("start".into(), "0001-01-01".into());
        if end {
            a.insert("end".into(), "9999-12-31".into());
        }
        if let Some(id) = id {
            a.insert("id".into(), id.into());
        }
        json!({ "agreement": Value::Object(a) })
    };
    let reports = |kind: &str, refs: bool| -> Vec<Value> {
        (0..n)
            .map(|i| event(kind, day(i), if refs { r("a", i % 7) } else { None }, None))
            .collect()
    };
    add(
        "cadence_6_months_from_year_1_unknown_id_and_end",
        "hz_security_reports_filed",
        "agreement from 0001-01-01, no end, no id; n security reports with refs",
        request(
            "hangzhou",
            "operate",
            long(None, false),
            reports("security_report", true),
        ),
    );
    add(
        "cadence_3_months_from_year_1_unknown_id_and_end",
        "zq_quarterly_reports_filed",
        "agreement from 0001-01-01, no end, no id; n quarterly reports with refs",
        request(
            "zhaoqing",
            "operate",
            long(None, false),
            reports("quarterly_report", true),
        ),
    );
    add(
        "cadence_12_months_from_year_1_known",
        "zj_annual_reports_filed",
        "agreement 0001-01-01 to 9999-12-31 with its id; n annual reports without refs",
        request(
            "zhejiang",
            "operate",
            long(Some("zj-1"), true),
            reports("annual_report", false),
        ),
    );
    // Single quantifiers over every event of a kind.
    add(
        "xborder_assessments_expired",
        "nat_xb_assessment_valid_2y, nat_xb_assessment_valid_3y, nat_xb_certification_valid",
        "n/2 expired cross-border assessments, n/2 expired certifications",
        request(
            "zhaoqing",
            "export_product",
            json!({}),
            two_kinds(
                n,
                "xborder_assessment",
                |_| None,
                "pi_certification",
                |_| None,
                Some("2001-01-01"),
            )
            .into_iter()
            .map(|mut e| {
                // pi_certification until must not precede its date.
                if let Value::Object(map) = &mut e {
                    let date = map.get("date").cloned().unwrap_or_default();
                    map.insert("until".into(), date);
                }
                e
            })
            .collect(),
        ),
    );
    add(
        "reviews_for_other_scenarios",
        "hz_review_valid, hz_result_published, zj_determined",
        "n/3 security reviews, results and grant decisions, each for another scenario",
        request(
            "hangzhou",
            "sign_agreement",
            json!({ "scenario": { "id": "sc" } }),
            ["security_review", "result_published", "grant_determined"]
                .into_iter()
                .cycle()
                .take(n)
                .enumerate()
                .map(|(i, kind)| event(kind, day(i), r("other", i), None))
                .collect(),
        ),
    );
    add(
        "incidents_long_ago",
        "zj_recent_incident, zj_audit_fresh, zj_financial_fresh, zj_call_open",
        "n/4 each of old incidents, audit and financial reports, and closed calls",
        request(
            "hangzhou",
            "apply",
            json!({}),
            [
                "security_incident",
                "audit_report",
                "financial_report",
                "call_notice",
            ]
            .into_iter()
            .cycle()
            .take(n)
            .enumerate()
            .map(|(i, kind)| {
                let until = (kind == "call_notice").then(|| day(i));
                event(kind, day(i / 4), None, until.as_deref())
            })
            .collect(),
        ),
    );
    // Large in other ways than events.
    add(
        "lists_at_limit",
        "materials, list facts (Cedar context)",
        "1 000 materials, 1 000 agreement clauses, 1 000 approved scenarios of 800 bytes each; no events",
        request(
            "zhejiang",
            "use_product",
            json!({
                "materials": cycled(&["application_form", "audit_report", "financial_report", "security_commitment", "risk_self_assessment"], 1000),
                "agreement": {
                    "clauses": cycled(&["rights_obligations", "scope", "term", "revenue_method", "data_security"], 1000),
                },
                "product": {
                    "approved_scenarios": (0..1000)
                        .map(|i| format!("{i:04}{}", "s".repeat(796)))
                        .collect::<Vec<_>>(),
                },
            }),
            Vec::new(),
        ),
    );
    out
}

/// `n` items taken from `items` in turn.
fn cycled<'a>(items: &[&'a str], n: usize) -> Vec<&'a str> {
    items.iter().copied().cycle().take(n).collect()
}
