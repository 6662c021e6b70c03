//! The atoms of a condition: date and string operands, comparisons, the
//! `within` window, `present`/`absent` and `matches`.

use chrono::NaiveDate;

use super::ast::{CmpOp, DateAtom, DateExpr, Duration, Shift, StrRef, Subject};
use super::eval::{Ctx, Gap, Judgement};
use crate::dates::{format_date, last_day};
use crate::request::{Event, FactValue};

/// A computed date and, when evidence is wanted, how it was computed
/// (`agreement.end 2025-12-31 − 3 months = 2025-09-30`).
pub(crate) struct DateValue {
    pub(crate) date: NaiveDate,
    pub(crate) text: String,
}

/// A string operand's value and, when evidence is wanted, its name
/// (`agreement.id "A-1"`).
struct StrValue<'a> {
    value: &'a str,
    text: String,
}

impl<'a> Ctx<'a> {
    /// Evaluates a date expression, or says which value is missing.
    pub(crate) fn date(&self, expr: &DateExpr) -> Result<DateValue, Gap> {
        let (start, mut text) = match &expr.atom {
            DateAtom::Today => {
                let today = self.req.date();
                (today, self.say(|| format_date(today)))
            }
            DateAtom::EventDate(var) => {
                let event = self.event(var)?;
                (event.date, self.say(|| event.describe()))
            }
            DateAtom::EventUntil(var) => {
                let event = self.event(var)?;
                let until = event.until.ok_or_else(|| Gap {
                    needed: format!("{}.until", event.kind),
                    evidence: self.say(|| format!("{} has no until", event.describe())),
                })?;
                let text = self.say(|| format!("{} until {}", event.kind, format_date(until)));
                (until, text)
            }
            DateAtom::Fact(path) => match self.req.fact(path) {
                Some(FactValue::Date(date)) => {
                    (*date, self.say(|| format!("{path} {}", format_date(*date))))
                }
                _ => return Err(Gap::fact(path)),
            },
            DateAtom::LastDay(start, term) => {
                let first = self.date(start)?;
                let months = term.months().unwrap_or(0);
                let last = last_day(first.date, months);
                let text = self.say(|| {
                    format!(
                        "the last day of a term of {} from {}, {}",
                        term.render(),
                        first.text,
                        format_date(last)
                    )
                });
                (last, text)
            }
        };
        let mut date = start;
        for shift in &expr.shifts {
            date = shift.apply(date);
            if self.explain {
                text.push(' ');
                text.push_str(&shift.render());
            }
        }
        if self.explain && !expr.shifts.is_empty() {
            text.push_str(&format!(" = {}", format_date(date)));
        }
        Ok(DateValue { date, text })
    }

    fn string(&self, operand: &StrRef) -> Result<StrValue<'a>, Gap> {
        match operand {
            StrRef::EventRef(var) => {
                let event = self.event(var)?;
                match &event.reference {
                    Some(value) => Ok(StrValue {
                        value,
                        text: self.say(|| format!("{}.ref \"{value}\"", event.kind)),
                    }),
                    None => Err(Gap {
                        needed: format!("{}.ref", event.kind),
                        evidence: self.say(|| format!("{} has no ref", event.describe())),
                    }),
                }
            }
            StrRef::Fact(path) => match self.req.fact(path) {
                Some(FactValue::Str(value)) => Ok(StrValue {
                    value,
                    text: self.say(|| format!("{path} \"{value}\"")),
                }),
                _ => Err(Gap::fact(path)),
            },
        }
    }

    pub(crate) fn compare_dates(&self, left: &DateExpr, op: CmpOp, right: &DateExpr) -> Judgement {
        match both(self.date(left), self.date(right)) {
            Ok((l, r)) => {
                let holds = op.holds(&l.date, &r.date);
                let phrase = date_phrase(op, holds);
                Judgement::known(
                    holds,
                    self.say(|| format!("{} {phrase} {}", l.text, r.text)),
                )
            }
            Err(gaps) => Judgement::unknown(gaps),
        }
    }

    pub(crate) fn compare_strings(&self, left: &StrRef, op: CmpOp, right: &StrRef) -> Judgement {
        match both(self.string(left), self.string(right)) {
            Ok((l, r)) => {
                let holds = op.holds(&l.value, &r.value);
                let verb = if l.value == r.value {
                    "equals"
                } else {
                    "differs from"
                };
                Judgement::known(holds, self.say(|| format!("{} {verb} {}", l.text, r.text)))
            }
            Err(gaps) => Judgement::unknown(gaps),
        }
    }

    /// `a within N before b` ≡ `a <= b <= a + N` (catalog W1/W2).
    pub(crate) fn within(
        &self,
        event: &DateExpr,
        window: Duration,
        anchor: &DateExpr,
    ) -> Judgement {
        let (a, b) = match both(self.date(event), self.date(anchor)) {
            Ok(pair) => pair,
            Err(gaps) => return Judgement::unknown(gaps),
        };
        let end = Shift {
            forward: true,
            duration: window,
        }
        .apply(a.date);
        let after = a.date > b.date;
        let holds = !after && b.date <= end;
        let evidence = self.say(|| {
            if after {
                return format!("{} is after {}", a.text, b.text);
            }
            let (relation, tense) = if holds {
                ("within", "ends")
            } else {
                ("outside", "ended")
            };
            format!(
                "{} lies {relation} {} before {} (window {tense} {})",
                a.text,
                window.render(),
                b.text,
                format_date(end)
            )
        });
        Judgement::known(holds, evidence)
    }

    /// `present` / `absent`: always decided.
    pub(crate) fn presence(&self, subject: &Subject, present: bool) -> Judgement {
        let (given, evidence) = match subject {
            Subject::Fact(path) => match self.req.fact(path) {
                Some(value) => (
                    true,
                    self.say(|| format!("{path} is given ({})", value.render())),
                ),
                None => (false, self.say(|| format!("{path} is not given"))),
            },
            Subject::Until(var) | Subject::Ref(var) => {
                let event = match self.event(var) {
                    Ok(event) => event,
                    Err(gap) => return Judgement::unknown(vec![gap]),
                };
                let (given, attr) = match subject {
                    Subject::Until(_) => (event.until.is_some(), "until"),
                    _ => (event.reference.is_some(), "ref"),
                };
                let evidence = self.say(|| match (given, attr) {
                    (true, "until") => format!("{} has an until", event.describe()),
                    (true, _) => format!("{} has a ref", event.describe()),
                    (false, _) => format!("{} has no {attr}", event.describe()),
                });
                (given, evidence)
            }
        };
        Judgement::known(given == present, evidence)
    }

    /// `matches(e, x)` of catalog §1.4: true when `e.ref` is absent or
    /// equals the id fact `x`, false when both are given and differ, and
    /// unknown — needing `x` — when the event has a `ref` but the request
    /// does not give `x`.
    pub(crate) fn matches(&self, var: &str, path: &str) -> Judgement {
        let event = match self.event(var) {
            Ok(event) => event,
            Err(gap) => return Judgement::unknown(vec![gap]),
        };
        let wanted = match self.req.fact(path) {
            Some(FactValue::Str(value)) => Some(value.as_str()),
            _ => None,
        };
        match ref_match(event, wanted) {
            Some(holds) => {
                let evidence = self.say(|| {
                    let how = match (&event.reference, wanted) {
                        (None, _) => "has no ref, so it concerns this request".to_string(),
                        (Some(_), Some(x)) if holds => format!("concerns {path} \"{x}\""),
                        (Some(_), Some(x)) => format!("does not concern {path} \"{x}\""),
                        (Some(_), None) => String::new(),
                    };
                    format!("{} {how}", event.describe())
                });
                Judgement::known(holds, evidence)
            }
            None => Judgement::unknown(vec![Gap {
                needed: path.to_string(),
                evidence: self.say(|| {
                    format!(
                        "whether {} concerns this request is unknown, as {path} is not given",
                        event.describe()
                    )
                }),
            }]),
        }
    }
}

/// `matches(e, x)` of catalog §1.4 in two values and unknown: `Some(true)`
/// when the event has no `ref` or it equals `wanted`, `Some(false)` when
/// both are given and differ, `None` (unknown) when the event has a `ref`
/// and `wanted` is not given.
pub(crate) fn ref_match(event: &Event, wanted: Option<&str>) -> Option<bool> {
    match (&event.reference, wanted) {
        (None, _) => Some(true),
        (Some(r), Some(x)) => Some(r == x),
        (Some(_), None) => None,
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
