//! Properties of the date arithmetic, the windows and the cadence.

use chrono::{Datelike, NaiveDate};
use proptest::prelude::*;

use super::{d, parse, request};
use crate::dates::{add_days, add_months};
use crate::request::{Event, Request};
use crate::temporal::cadence::due_points;
use crate::temporal::{Definition, Truth};

/// Dates from 1900 to about 2200.
fn date() -> impl Strategy<Value = NaiveDate> {
    (0i64..110_000).prop_map(|n| add_days(d("1900-01-01"), n))
}

/// Dates around the years the catalog is about, so that windows overlap.
fn near_date() -> impl Strategy<Value = NaiveDate> {
    (0i64..3_000).prop_map(|n| add_days(d("2020-01-01"), n))
}

fn event(kind: &str, date: NaiveDate, reference: Option<&str>) -> Event {
    Event {
        kind: kind.to_string(),
        date,
        until: None,
        reference: reference.map(str::to_string),
    }
}

fn only(source: &str) -> Definition {
    parse(source).unwrap().definitions.remove(0)
}

/// False < Unknown < True.
fn rank(truth: Truth) -> u8 {
    match truth {
        Truth::False => 0,
        Truth::Unknown => 1,
        Truth::True => 2,
    }
}

#[test]
fn joins_are_found_where_a_conjunct_fixes_the_ref() {
    use crate::temporal::ast::StrRef;
    let e = || Some(StrRef::EventRef("e".into()));
    let id = || Some(StrRef::Fact("agreement.id".into()));
    for (source, joins) in [
        (
            "each x = security_incident e: no incident_reported r: r.date >= e.date and (e.ref absent or r.ref == e.ref);",
            vec![e()],
        ),
        (
            "fact x = exists security_incident e: exists incident_reported r: e.ref == r.ref;",
            vec![None, e()],
        ),
        (
            "fact x = exists incident_reported r: matches(r, agreement.id) and r.date <= date;",
            vec![id()],
        ),
        (
            "fact x = exists incident_reported r: agreement.id absent or r.ref == agreement.id;",
            vec![id()],
        ),
        // Not a conjunct of the body: no join.
        (
            "fact x = exists incident_reported r: r.date <= date or r.ref == agreement.id;",
            vec![None],
        ),
        (
            "fact x = exists incident_reported r: not (r.ref == agreement.id);",
            vec![None],
        ),
        // The guard must be about the other side.
        (
            "fact x = exists security_incident e: exists incident_reported r: r.ref absent or r.ref == e.ref;",
            vec![None, None],
        ),
    ] {
        let values: Vec<_> = only(source)
            .joins()
            .into_iter()
            .map(|j| j.map(|j| j.value))
            .collect();
        assert_eq!(values, joins, "{source}");
    }
}

#[test]
fn date_floors_are_found_where_a_conjunct_bounds_the_date_from_below() {
    for (source, floors) in [
        (
            "each x = security_incident e: no incident_reported r: r.date >= e.date and (e.ref absent or r.ref == e.ref);",
            vec![true],
        ),
        (
            "fact x = exists incident_reported r: date - 6 months < r.date and r.date <= date;",
            vec![true],
        ),
        ("fact x = exists incident_reported r: r.date <= date;", vec![false]),
        // The bound mentions the variable itself: no floor.
        ("fact x = exists incident_reported r: r.date >= r.date - 1 day;", vec![false]),
        // Not a conjunct.
        ("fact x = exists incident_reported r: r.date >= date or r.ref absent;", vec![false]),
    ] {
        assert_eq!(only(source).floors(), floors, "{source}");
    }
}

proptest! {
    #[test]
    fn add_months_never_panics(days in any::<i32>(), months in any::<i64>()) {
        if let Some(date) = NaiveDate::from_num_days_from_ce_opt(days) {
            let _ = add_months(date, months);
            let _ = add_days(date, months);
        }
    }

    #[test]
    fn month_arithmetic_round_trips_within_three_days(
        date in date(),
        months in -1_200i64..1_200,
    ) {
        let back = add_months(add_months(date, months), -months);
        prop_assert!(back <= date);
        prop_assert!(back >= add_days(date, -3));
        prop_assert_eq!(back.year(), date.year());
        prop_assert_eq!(back.month(), date.month());
    }

    #[test]
    fn a_longer_window_contains_every_event_a_shorter_one_does(
        incident in near_date(),
        today in near_date(),
        months in 0u32..120,
    ) {
        let narrow = only(&format!(
            "fact w = exists security_incident e: e.date within {months} months before date;"
        ));
        let wide = only(&format!(
            "fact w = exists security_incident e: e.date within {} months before date;",
            months + 1
        ));
        let req = request("2024-01-01", "", "")
            .with_date(today)
            .with_events(vec![event("security_incident", incident, None)]);
        let inside = narrow.evaluate(&req).truth;
        prop_assert_ne!(inside, Truth::Unknown);
        if inside == Truth::True {
            prop_assert_eq!(wide.evaluate(&req).truth, Truth::True);
        }
    }

    #[test]
    fn due_points_are_increasing_owed_and_monotone_in_the_end(
        anchor in near_date(),
        today in near_date(),
        period in 1u32..=24,
        term in 0i64..72,
    ) {
        let end = add_months(anchor, term);
        let open = due_points(anchor, period, today, None);
        let bounded = due_points(anchor, period, today, Some(end));
        let least = due_points(anchor, period, today, Some(anchor));
        prop_assert!(open.len() >= bounded.len());
        prop_assert!(bounded.len() >= least.len());
        prop_assert!(least.len() <= 1);
        prop_assert!(open.windows(2).all(|w| w[0] < w[1]));
        prop_assert!(open.iter().all(|due| *due < today));
        for (k, due) in open.iter().enumerate() {
            prop_assert_eq!(*due, add_months(anchor, (k as i64 + 1) * i64::from(period)));
        }
    }

    #[test]
    fn filing_a_report_never_makes_a_cadence_worse(
        anchor in near_date(),
        term in 0i64..72,
        known_end in any::<bool>(),
        today in near_date(),
        period in 1u32..=12,
        filed in prop::collection::vec((near_date(), prop::option::of(prop_oneof![Just("A1"), Just("B2")])), 0..6),
        extra in near_date(),
        extra_ref in prop::option::of(prop_oneof![Just("A1"), Just("B2")]),
    ) {
        let rule = only(&format!(
            "fact c = cadence annual_report every {period} months from agreement.start through agreement.end matching agreement.id;"
        ));
        let facts = if known_end {
            format!(
                r#""id": "A1", "start": "{anchor}", "end": "{}""#,
                add_months(anchor, term)
            )
        } else {
            format!(r#""id": "A1", "start": "{anchor}""#)
        };
        let base: Request = request("2024-01-01", &facts, "").with_date(today);
        let mut events: Vec<Event> = filed
            .iter()
            .map(|(date, r)| event("annual_report", *date, *r))
            .collect();
        let before = rule.evaluate(&base.with_events(events.clone())).truth;
        events.push(event("annual_report", extra, extra_ref));
        let after = rule.evaluate(&base.with_events(events)).truth;
        prop_assert!(rank(after) >= rank(before), "{:?} then {:?}", before, after);
    }

    /// Catalog 1.1 §1.4 on every definition that reads an event against an
    /// id: without the id, the result is the one every id would give, or
    /// unknown with the id among what it needs — never a result some id
    /// would not give.
    #[test]
    fn an_absent_id_decides_as_every_id_would_or_is_needed(
        anchor in near_date(),
        term in 0i64..48,
        today in near_date(),
        reports in prop::collection::vec((near_date(), 0usize..4), 0..7),
    ) {
        const REFS: [Option<&str>; 4] = [None, Some("A1"), Some("B2"), Some("C3")];
        let events: Vec<Event> = reports
            .iter()
            .flat_map(|&(date, r)| {
                [
                    event("annual_report", date, REFS[r]),
                    event("authorization_terminated", date, REFS[r]),
                    event("design_review", date, REFS[r]),
                ]
            })
            .collect();
        let dates = format!(
            r#""start": "{anchor}", "end": "{}""#,
            add_months(anchor, term)
        );
        for source in [
            "fact x = cadence annual_report every 6 months from agreement.start through agreement.end matching agreement.id;",
            "fact x = cadence annual_report every 12 months from agreement.start through agreement.end matching agreement.id;",
            "fact x = agreement.start <= date and date <= agreement.end and no authorization_terminated t: matches(t, agreement.id);",
            "fact x = exists design_review e: matches(e, agreement.id);",
            "fact x = exists design_review e: matches(e, agreement.id) and date <= e.date + 24 months;",
        ] {
            let rule = only(source);
            let without = rule.evaluate(&request("2024-01-01", &dates, "").with_date(today).with_events(events.clone()));
            // Ids the events use, and one they do not.
            for id in ["A1", "B2", "C3", "Z9"] {
                let facts = format!(r#""id": "{id}", {dates}"#);
                let with = rule.evaluate(&request("2024-01-01", &facts, "").with_date(today).with_events(events.clone()));
                prop_assert!(with.truth != Truth::Unknown, "{}: unknown with every fact given", source);
                if without.truth != Truth::Unknown {
                    prop_assert_eq!(without.truth, with.truth, "{} with id {}", source, id);
                }
            }
            if without.truth == Truth::Unknown {
                prop_assert!(without.needed.contains("agreement.id"), "{}: {:?}", source, without.needed);
            }
        }
    }

    #[test]
    fn parsing_never_panics_on_token_soup(
        words in prop::collection::vec(prop_oneof![
            Just("fact"), Just("due"), Just("each"), Just("x"), Just("="), Just(";"),
            Just("exists"), Just("no"), Just("all"), Just("security_incident"), Just("e"),
            Just(":"), Just("e.date"), Just("e.ref"), Just("within"), Just("36"), Just("months"),
            Just("before"), Just("date"), Just("<="), Just("=="), Just("and"), Just("or"),
            Just("not"), Just("("), Just(")"), Just("agreement.end"), Just("agreement.id"),
            Just("+"), Just("-"), Just("present"), Just("absent"), Just("///"), Just("\n"),
        ], 0..24),
    ) {
        let _ = parse(&words.join(" "));
    }

    #[test]
    fn parsing_never_panics_on_arbitrary_text(text in ".{0,80}") {
        let _ = parse(&text);
    }

    /// A quantifier restricted by a join to the events with the wanted
    /// `ref` (or none) decides, needs and explains exactly as the same
    /// quantifier judging every event.
    #[test]
    fn a_join_changes_nothing_but_the_work(
        incidents in proptest::collection::vec((near_date(), 0usize..4), 0..6),
        reports in proptest::collection::vec((near_date(), 0usize..4), 0..8),
        id in 0usize..4,
        today in near_date(),
    ) {
        const REFS: [Option<&str>; 4] = [None, Some("a"), Some("b"), Some("c")];
        let events = incidents
            .iter()
            .map(|&(date, r)| event("security_incident", date, REFS[r]))
            .chain(reports.iter().map(|&(date, r)| event("incident_reported", date, REFS[r])))
            .collect();
        let agreement = match REFS[id] {
            Some(id) => format!(r#""id": "{id}", "start": "2022-06-30""#),
            None => String::new(),
        };
        let req = request("2024-01-01", &agreement, "")
            .with_date(today)
            .with_events(events);
        for source in [
            "each x = security_incident e: no incident_reported r: r.date >= e.date and (e.ref absent or r.ref == e.ref);",
            "fact x = exists security_incident e: exists incident_reported r: r.ref == e.ref and r.date >= e.date;",
            "fact x = exists security_incident e: no incident_reported r: e.ref == r.ref;",
            "fact x = exists incident_reported r: matches(r, agreement.id) and r.date within 6 months before date;",
            "fact x = no incident_reported r: (agreement.id absent or r.ref == agreement.id) and r.date >= date - 1 year;",
            "fact x = all incident_reported r: r.ref == agreement.id;",
            "fact x = exists security_incident e: no incident_reported r: r.date > e.date + 1 month;",
            "fact x = exists incident_reported r: date - 6 months < r.date and r.date <= date;",
            "fact x = exists incident_reported r: agreement.start <= r.date and matches(r, agreement.id);",
            "fact x = all incident_reported r: r.date >= date - 1 year;",
        ] {
            let joined = only(source);
            let plain = joined.without_joins();
            prop_assert_eq!(joined.evaluate(&req), plain.evaluate(&req), "{}", source);
        }
    }
}

/// Every definition of the shipped rules files that reads events.
fn shipped_event_definitions() -> Vec<Definition> {
    [
        include_str!("../../../../policies/national/time.rules"),
        include_str!("../../../../policies/zhejiang/time.rules"),
        include_str!("../../../../policies/hangzhou/time.rules"),
        include_str!("../../../../policies/quanzhou/time.rules"),
        include_str!("../../../../policies/zhaoqing/time.rules"),
        include_str!("../../../../policies/zhoushan/time.rules"),
    ]
    .into_iter()
    .flat_map(|text| parse(text).unwrap().definitions)
    .filter(|def| !def.event_kinds().is_empty())
    .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// The index by `ref`, the date floors and ceilings, and one undecided
    /// witness standing for many hopeless events change nothing but the
    /// work: on every shipped definition that reads events, over random
    /// histories (refs present, absent and shared, until present or not,
    /// dates close together) and ids given or not, the outcome — truth,
    /// due date, instances, needed facts and evidence — is the naive
    /// evaluation's, which judges every event.
    #[test]
    fn the_shortcuts_change_nothing_on_the_shipped_definitions(
        history in proptest::collection::vec((0usize..3, 0i64..60, 0usize..4, 0usize..3), 0..40),
        agreement_id in 0usize..3,
        scenario_id in 0usize..2,
        dated in any::<bool>(),
        today in 30i64..70,
    ) {
        const REFS: [Option<&str>; 4] = [None, Some("a"), Some("b"), Some("c")];
        let start = d("2024-01-01");
        let mut agreement = Vec::new();
        if let Some(id) = REFS.get(agreement_id).copied().flatten() {
            agreement.push(format!(r#""id": "{id}""#));
        }
        if dated {
            agreement.push(r#""start": "2023-12-01", "end": "2024-01-31""#.to_string());
        }
        let scenario = match scenario_id {
            1 => r#", "scenario": {"id": "a"}"#,
            _ => "",
        };
        let json = format!(
            r#"{{"jurisdiction": "hangzhou", "date": "2024-03-01", "action": "operate",
                "agreement": {{{}}}{scenario}}}"#,
            agreement.join(", ")
        );
        let base = Request::from_json_str(&json, super::vocab()).unwrap()
            .with_date(add_days(start, today));
        for def in shipped_event_definitions() {
            let kinds: Vec<String> = def.event_kinds().into_iter().collect();
            let events: Vec<Event> = history
                .iter()
                .map(|&(kind, day, r, until)| {
                    let date = add_days(start, day);
                    Event {
                        kind: kinds[kind % kinds.len()].clone(),
                        date,
                        until: match until {
                            0 => None,
                            n => Some(add_days(date, 20 * i64::try_from(n).unwrap())),
                        },
                        reference: REFS[r].map(str::to_string),
                    }
                })
                .collect();
            let req = base.with_events(events);
            let naive = def.without_joins();
            prop_assert_eq!(def.evaluate(&req), naive.evaluate(&req), "{}", def.source);
            prop_assert_eq!(def.decide(&req), naive.decide(&req), "{}", def.source);
        }
    }
}

proptest! {
    /// The cadence's bisection for the first number of periods the sure
    /// reports miss gives the answer of trying every number in turn.
    #[test]
    fn the_cadence_bisection_agrees_with_trying_every_period_count(
        anchor in near_date(),
        period in 1u32..13,
        today in near_date(),
        sure in proptest::collection::vec(near_date(), 0..12),
        maybe in proptest::collection::vec(near_date(), 0..12),
        least in 0usize..20,
        extra in 0usize..20,
    ) {
        use crate::temporal::cadence::{first_missed, shortfall};
        let closing = due_points(anchor, period, today, None);
        let most = (least + extra).min(closing.len());
        let mut sure = sure;
        sure.sort_unstable();
        let mut possible: Vec<NaiveDate> = sure.iter().chain(&maybe).copied().collect();
        possible.sort_unstable();
        let holds = |reports: &[NaiveDate], m: usize| shortfall(anchor, &closing, m, reports).is_none();
        let every = (least..=most).any(|m| holds(&sure, m) != holds(&possible, m));
        let bisected = first_missed(least, most, |m| holds(&sure, m)).is_some_and(|m| holds(&possible, m));
        prop_assert_eq!(every, bisected);
    }
}
