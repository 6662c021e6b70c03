use super::*;

const RULES: &str = r#"
/// 三(二)4: no incident within 3 years.
fact recent_incident = exists security_incident e: e.date within 36 months before date;
fact audit_fresh = exists audit_report a: a.date within 12 months before date;
fact call_open = exists call_notice c: c.until absent or date <= c.until;
fact renew_in_time = date <= agreement.end - 3 months;
fact term_max_3y = agreement.end <= agreement.start + 36 months;
fact term_exact_2y = agreement.start + 24 months - 1 day <= agreement.end and agreement.end <= agreement.start + 24 months;
fact agreement_current = agreement.start <= date and date <= agreement.end and no authorization_terminated t: matches(t, agreement.id);
fact determined = exists grant_determined;
fact annual_reports_filed = cadence annual_report every 12 months from agreement.start through agreement.end matching agreement.id;
fact staff_changes_approved = all staff_change s: exists staff_change_approved a: a.ref == s.ref and a.date <= s.date;
fact sequence_ok = exists internal_decision i: matches(i, agreement.id) and exists decision_materials_reported r: matches(r, agreement.id) and i.date <= r.date;
due log_retention = date + 6 months;
each open_incidents = security_incident e: no incident_reported r: r.date >= e.date and (e.ref absent or r.ref == e.ref);
each correction_due = rectification_notice n: n.until present and date <= n.until and no rectified r: n.date <= r.date and (n.ref absent or r.ref == n.ref) due n.until;
"#;

#[test]
fn scratch() {
    let file = parse(RULES).unwrap();
    let reqs = [
        request(
            "2024-05-01",
            r#""id": "A1", "start": "2024-01-01", "end": "2025-12-31""#,
            r#"{"kind": "security_incident", "date": "2022-03-01", "ref": "i1"},
               {"kind": "security_incident", "date": "2021-04-30"},
               {"kind": "incident_reported", "date": "2022-03-05", "ref": "i9"},
               {"kind": "audit_report", "date": "2023-05-01"},
               {"kind": "call_notice", "date": "2024-04-01", "until": "2024-04-30"},
               {"kind": "authorization_terminated", "date": "2024-03-01", "ref": "B2"},
               {"kind": "staff_change", "date": "2024-03-01", "ref": "p1"},
               {"kind": "staff_change_approved", "date": "2024-02-01", "ref": "p1"},
               {"kind": "staff_change", "date": "2024-04-01", "ref": "p2"},
               {"kind": "rectification_notice", "date": "2024-04-01", "until": "2024-06-30", "ref": "n1"},
               {"kind": "rectification_notice", "date": "2024-03-01", "until": "2024-03-30"},
               {"kind": "annual_report", "date": "2024-12-20"}"#,
        ),
        request(
            "2026-01-02",
            r#""start": "2025-01-01""#,
            r#"{"kind": "annual_report", "date": "2025-12-20"}, {"kind": "grant_determined", "date": "2024-01-01"}"#,
        ),
    ];
    for req in &reqs {
        for def in &file.definitions {
            let o = def.evaluate(req);
            println!(
                "{} [{:?}] {:?} due={:?} needed={:?}\n    {}",
                def.name, def.kind, o.truth, o.due, o.needed, o.evidence
            );
            for i in &o.instances {
                println!("      * {:?} {}", i.due, i.evidence);
            }
        }
        println!("----");
    }
    println!("{:?}", file.definitions[0].doc);
    println!("{:?}", file.definitions[0].source);
    println!(
        "{:?} {:?}",
        file.definitions[12].facts_read(),
        file.definitions[12].event_kinds()
    );
}
