//! The atoms of a condition: date and string operands, comparisons, the
//! `within` window, `present`/`absent` and `matches`.

use chrono::NaiveDate;

use super::ast::{CmpOp, DateAtom, DateExpr, Duration, Shift, StrRef, Subject};
use super::eval::{Ctx, Gap, Verdict};
use crate::dates::format_date;
use crate::request::FactValue;

/// A computed date and how it was computed
/// (`agreement.end 2025-12-31 − 3 months = 2025-09-30`).
pub(crate) struct DateValue {
    pub(crate) date: NaiveDate,
    pub(crate) text: String,
}

/// A string operand's value and how to name it (`agreement.id "A-1"`).
struct StrValue {
    value: String,
    text: String,
}

impl<'a> Ctx<'a> {
    /// Evaluates a date expression, or says which value is missing.
    pub(crate) fn date(&self, expr: &DateExpr) -> Result<DateValue, Gap> {
        let (start, mut text) = match &expr.atom {
            DateAtom::Today => (self.req.date(), format_date(self.req.date())),
            DateAtom::EventDate(var) => {
                let event = self.event(var)?;
                (event.date, event.describe())
            }
            DateAtom::EventUntil(var) => {
                let event = self.event(var)?;
                let until = event.until.ok_or_else(|| Gap {
                    needed: format!("{}.until", event.kind),
                    evidence: format!("{} has no until", event.describe()),
                })?;
                (
                    until,
                    format!("{} until {}", event.kind, format_date(until)),
                )
            }
            DateAtom::Fact(path) => match self.req.fact(path) {
                Some(FactValue::Date(date)) => (*date, format!("{path} {}", format_date(*date))),
                _ => return Err(Gap::fact(path)),
            },
        };
        let mut date = start;
        for shift in &expr.shifts {
            date = shift.apply(date);
            text.push(' ');
            text.push_str(&shift.render());
        }
        if !expr.shifts.is_empty() {
            text.push_str(&format!(" = {}", format_date(date)));
        }
        Ok(DateValue { date, text })
    }

    fn string(&self, operand: &StrRef) -> Result<StrValue, Gap> {
        match operand {
            StrRef::EventRef(var) => {
                let event = self.event(var)?;
                match &event.reference {
                    Some(value) => Ok(StrValue {
                        value: value.clone(),
                        text: format!("{}.ref \"{value}\"", event.kind),
                    }),
                    None => Err(Gap {
                        needed: format!("{}.ref", event.kind),
                        evidence: format!("{} has no ref", event.describe()),
                    }),
                }
            }
            StrRef::Fact(path) => match self.req.fact(path) {
                Some(FactValue::Str(value)) => Ok(StrValue {
                    value: value.clone(),
                    text: format!("{path} \"{value}\""),
                }),
                _ => Err(Gap::fact(path)),
            },
        }
    }

    pub(crate) fn compare_dates(&self, left: &DateExpr, op: CmpOp, right: &DateExpr) -> Verdict {
        match both(self.date(left), self.date(right)) {
            Ok((l, r)) => {
                let holds = op.holds(&l.date, &r.date);
                Verdict::known(
                    holds,
                    format!("{} {} {}", l.text, date_phrase(op, holds), r.text),
                )
            }
            Err(gaps) => Verdict::unknown(gaps),
        }
    }

    pub(crate) fn compare_strings(&self, left: &StrRef, op: CmpOp, right: &StrRef) -> Verdict {
        match both(self.string(left), self.string(right)) {
            Ok((l, r)) => {
                let holds = op.holds(&l.value, &r.value);
                let equal = l.value == r.value;
                let verb = if equal { "equals" } else { "differs from" };
                Verdict::known(holds, format!("{} {verb} {}", l.text, r.text))
            }
            Err(gaps) => Verdict::unknown(gaps),
        }
    }

    /// `a within N before b` ≡ `a <= b <= a + N` (catalog W1/W2).
    pub(crate) fn within(&self, event: &DateExpr, window: Duration, anchor: &DateExpr) -> Verdict {
        let (a, b) = match both(self.date(event), self.date(anchor)) {
            Ok(pair) => pair,
            Err(gaps) => return Verdict::unknown(gaps),
        };
        let end = Shift {
            forward: true,
            duration: window,
        }
        .apply(a.date);
        let span = window.render();
        if a.date > b.date {
            Verdict::known(false, format!("{} is after {}", a.text, b.text))
        } else if b.date > end {
            Verdict::known(
                false,
                format!(
                    "{} lies outside {span} before {} (window ended {})",
                    a.text,
                    b.text,
                    format_date(end)
                ),
            )
        } else {
            Verdict::known(
                true,
                format!(
                    "{} lies within {span} before {} (window ends {})",
                    a.text,
                    b.text,
                    format_date(end)
                ),
            )
        }
    }

    /// `present` / `absent`: always decided.
    pub(crate) fn presence(&self, subject: &Subject, present: bool) -> Verdict {
        let (given, evidence) = match subject {
            Subject::Fact(path) => match self.req.fact(path) {
                Some(value) => (true, format!("{path} is given ({})", value.render())),
                None => (false, format!("{path} is not given")),
            },
            Subject::Until(var) | Subject::Ref(var) => {
                let event = match self.event(var) {
                    Ok(event) => event,
                    Err(gap) => return Verdict::unknown(vec![gap]),
                };
                let (given, attr) = match subject {
                    Subject::Until(_) => (event.until.is_some(), "an until"),
                    _ => (event.reference.is_some(), "a ref"),
                };
                let has = if given { "has" } else { "has no" };
                let attr = if given {
                    attr
                } else {
                    attr.trim_start_matches("an ").trim_start_matches("a ")
                };
                (given, format!("{} {has} {attr}", event.describe()))
            }
        };
        Verdict::known(given == present, evidence)
    }

    /// `matches(e, x)`: `e.ref` absent, `x` absent, or equal. Never unknown.
    pub(crate) fn matches(&self, var: &str, path: &str) -> Verdict {
        let event = match self.event(var) {
            Ok(event) => event,
            Err(gap) => return Verdict::unknown(vec![gap]),
        };
        let wanted = match self.req.fact(path) {
            Some(FactValue::Str(value)) => Some(value.as_str()),
            _ => None,
        };
        let (holds, how) = match (&event.reference, wanted) {
            (None, _) => (
                true,
                "has no ref, so it concerns the subject generally".to_string(),
            ),
            (Some(_), None) => (true, format!("counts, as {path} is not given")),
            (Some(r), Some(x)) if r == x => (true, format!("concerns {path} \"{x}\"")),
            (Some(_), Some(x)) => (false, format!("does not concern {path} \"{x}\"")),
        };
        Verdict::known(holds, format!("{} {how}", event.describe()))
    }
}

/// Both values, or every gap.
fn both<A, B>(left: Result<A, Gap>, right: Result<B, Gap>) -> Result<(A, B), Vec<Gap>> {
    match (left, right) {
        (Ok(l), Ok(r)) => Ok((l, r)),
        (l, r) => Err(l.err().into_iter().chain(r.err()).collect()),
    }
}

/// How a date comparison came out, e.g. `is after` for a failed `<=`.
fn date_phrase(op: CmpOp, holds: bool) -> &'static str {
    match (op, holds) {
        (CmpOp::Le, true) | (CmpOp::Gt, false) => "is on or before",
        (CmpOp::Le, false) | (CmpOp::Gt, true) => "is after",
        (CmpOp::Lt, true) | (CmpOp::Ge, false) => "is before",
        (CmpOp::Lt, false) | (CmpOp::Ge, true) => "is on or after",
        (CmpOp::Eq, true) | (CmpOp::Ne, false) => "is the same day as",
        (CmpOp::Eq, false) | (CmpOp::Ne, true) => "is not the same day as",
    }
}
