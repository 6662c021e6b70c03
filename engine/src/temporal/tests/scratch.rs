use super::*;

#[test]
fn scratch() {
    for src in [
        "fact x = date <= agreement.end - 3 months\nfact y = true;",
        "fact x = exists security_incidnt e: e.date within 36 months before date;",
        "fact x = agreement.ennd <= date;",
        "fact x = agreement.id + 3 months <= date;",
        "due x = agreement.id;",
        "fact exists = true;",
        "fact x = exists audit_report a: b.date <= date;",
        "fact x = exists audit_report a: exists audit_report a: true;",
        "fact x = true;\nfact x = false;",
        "fact x = agreement.end foo;",
        "fact x = ;",
        "fact x = e.foo <= date;",
        "fact x = date <= agreement.end - 3 weeks;",
        "fact x = true; garbage",
        "fact x = matches(a, agreement.id);",
        "fact x = (true;",
        "each x = audit_report a: true due a.ref;",
        "fact x = exists audit_report a: a.ref < agreement.id;",
        "fact x = cadence annual_report every 10 days from agreement.start through agreement.end;",
    ] {
        match parse(src) {
            Ok(f) => println!(
                "OK {:?}",
                f.definitions.iter().map(|d| &d.name).collect::<Vec<_>>()
            ),
            Err(e) => println!("{e}   span={:?}", e.span),
        }
    }
}
