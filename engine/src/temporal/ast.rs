//! The parsed form of a rules file. Public: the definitions with their name,
//! kind, documentation and location. Crate-internal: the checked expression
//! tree that `eval` walks.

use std::collections::BTreeSet;

use chrono::NaiveDate;

use crate::dates::{add_days, add_months};

/// A parsed and checked rules file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RulesFile {
    /// The definitions, in file order.
    pub definitions: Vec<Definition>,
}

/// What a definition produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DefKind {
    /// `fact NAME = CONDITION;` — a three-valued result.
    Fact,
    /// `due NAME = DATE;` — a deadline.
    Due,
    /// `each NAME = KIND VAR: CONDITION [due DATE];` — instances.
    Each,
}

/// One named definition of a rules file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Definition {
    /// Its name, unique within the file.
    pub name: String,
    /// What it produces.
    pub kind: DefKind,
    /// The `///` lines directly above it, without the slashes.
    pub doc: String,
    /// The file it comes from.
    pub file: String,
    /// 1-based line of its first keyword.
    pub line: usize,
    /// Its own text, trimmed.
    pub source: String,
    pub(crate) body: Body,
}

impl Definition {
    /// Every fact path the definition reads.
    pub fn facts_read(&self) -> BTreeSet<String> {
        let mut reads = Uses::default();
        self.body.collect(&mut reads);
        reads.facts
    }

    /// Every event kind the definition reads.
    pub fn event_kinds(&self) -> BTreeSet<String> {
        let mut reads = Uses::default();
        self.body.collect(&mut reads);
        reads.kinds
    }
}

/// Facts and event kinds an expression reads.
#[derive(Default)]
pub(crate) struct Uses {
    facts: BTreeSet<String>,
    kinds: BTreeSet<String>,
}

/// The checked body of a definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Body {
    Fact(Expr),
    Due(DateExpr),
    Each {
        kind: String,
        var: String,
        cond: Expr,
        due: Option<DateExpr>,
    },
}

/// A condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Expr {
    Bool(bool),
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Not(Box<Expr>),
    Quant(Box<Quant>),
    Cadence(Box<Cadence>),
    /// `matches(VAR, FACT)`.
    Matches {
        var: String,
        path: String,
    },
    /// `SUBJECT present` (`present` true) or `SUBJECT absent`.
    Presence {
        subject: Subject,
        present: bool,
    },
    /// `event within window before anchor`.
    Within {
        event: DateExpr,
        window: Duration,
        anchor: DateExpr,
    },
    CompareDates(DateExpr, CmpOp, DateExpr),
    CompareStrings(StrRef, CmpOp, StrRef),
}

/// Which quantifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Quantifier {
    Exists,
    No,
    All,
}

/// `exists|no|all KIND [VAR [: body]]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Quant {
    pub(crate) quantifier: Quantifier,
    pub(crate) kind: String,
    pub(crate) var: Option<String>,
    pub(crate) body: Option<Expr>,
    /// What the variable's `ref` must equal for the body to hold, when a
    /// conjunct of the body says so (see [`ref_join`]): the quantifier then
    /// only judges events with that `ref` or none.
    pub(crate) join: Option<Join>,
    /// The earliest date an event may have for the body to hold, when a
    /// conjunct of the body says so (see [`date_floor`]): the quantifier
    /// then skips the earlier events.
    pub(crate) floor: Option<DateFloor>,
    /// The latest date an event may have for the body to hold, when a
    /// conjunct of the body says so (see [`date_ceiling`]): the quantifier
    /// then skips the later events.
    pub(crate) ceiling: Option<DateFloor>,
    /// A conjunct of the body that, once false for an event, is false for
    /// every earlier one (see [`cutoff`]): the search then stops.
    pub(crate) cutoff: Option<Box<Expr>>,
}

/// A conjunct of a quantifier's body that fixes the bound event's `ref`
/// (see [`ref_join`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Join {
    /// What the `ref` must equal.
    pub(crate) value: StrRef,
    /// How the conjunct is written, which says what it is for an event
    /// without a `ref` or when `value` has none.
    pub(crate) form: JoinForm,
}

/// The three ways of writing a join.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum JoinForm {
    /// `VAR.ref == X`: unknown when either side has no value, so the body
    /// never holds for an event without a `ref`, nor for any event when
    /// `X` has no value.
    Equal,
    /// `X absent or VAR.ref == X`: true for every event when `X` has no
    /// value, else as `Equal`.
    Guarded,
    /// `matches(VAR, X)` (catalog §1.4): true for an event without a `ref`;
    /// for an event with one, unknown when `X` has no value.
    Matches,
}

/// A bound on the bound event's date: `VAR.date >= expr` (or `>` when
/// `strict`) for a floor, `VAR.date <= expr` (or `<`) for a ceiling,
/// `expr` not mentioning `VAR`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DateFloor {
    pub(crate) expr: DateExpr,
    pub(crate) strict: bool,
}

/// A top-level conjunct of `body` bounding `VAR.date` from below:
/// `VAR.date >= X`, `VAR.date > X`, `X <= VAR.date` or `X < VAR.date`, with
/// `X` free of `VAR`. An event of `VAR` dated before the bound makes that
/// conjunct, and so the body, false: an `exists`/`no` need not judge it.
pub(crate) fn date_floor(var: &str, body: &Expr) -> Option<DateFloor> {
    date_bound(var, body, true)
}

/// A top-level conjunct of `body` bounding `VAR.date` from above:
/// `VAR.date <= X`, `VAR.date < X`, `X >= VAR.date` or `X > VAR.date`, with
/// `X` free of `VAR`. An event of `VAR` dated after the bound makes that
/// conjunct, and so the body, false: an `exists`/`no` need not judge it.
pub(crate) fn date_ceiling(var: &str, body: &Expr) -> Option<DateFloor> {
    date_bound(var, body, false)
}

/// The first top-level conjunct comparing `VAR.date` with a date free of
/// `VAR`, read as `VAR.date OP X` (the sides swapped when `VAR.date` is on
/// the right), that bounds it from below (`from_below`) or from above.
fn date_bound(var: &str, body: &Expr, from_below: bool) -> Option<DateFloor> {
    let conjuncts = match body {
        Expr::And(items) => items.as_slice(),
        other => std::slice::from_ref(other),
    };
    let own = |d: &DateExpr| d.shifts.is_empty() && d.atom == DateAtom::EventDate(var.to_string());
    let free = |d: &DateExpr| d.atom.free_of(var);
    conjuncts.iter().find_map(|c| {
        let Expr::CompareDates(left, op, right) = c else {
            return None;
        };
        let (op, bound) = if own(left) && free(right) {
            (*op, right)
        } else if own(right) && free(left) {
            let swapped = match op {
                CmpOp::Ge => CmpOp::Le,
                CmpOp::Gt => CmpOp::Lt,
                CmpOp::Le => CmpOp::Ge,
                CmpOp::Lt => CmpOp::Gt,
                other => *other,
            };
            (swapped, left)
        } else {
            return None;
        };
        let (lower, strict) = match op {
            CmpOp::Ge => (true, false),
            CmpOp::Gt => (true, true),
            CmpOp::Le => (false, false),
            CmpOp::Lt => (false, true),
            _ => return None,
        };
        (lower == from_below).then(|| DateFloor {
            expr: bound.clone(),
            strict,
        })
    })
}

/// The conjuncts of a body.
fn conjuncts(body: &Expr) -> &[Expr] {
    match body {
        Expr::And(items) => items.as_slice(),
        other => std::slice::from_ref(other),
    }
}

/// A top-level conjunct of `body` of the form `no KIND P: … and VAR.date
/// <= P.date and …` (or `<`, possibly shifted) in which that floor is the
/// only conjunct mentioning `VAR`. Its events are then judged the same
/// whatever `VAR` is bound to, and an earlier `VAR` only lowers the floor:
/// when the conjunct is false for an event (some `P` holds), it is false
/// for every event dated on or before it, and so is the body. Searching
/// latest first, an `exists`/`no` can stop there.
pub(crate) fn cutoff(var: &str, body: &Expr) -> Option<Expr> {
    conjuncts(body)
        .iter()
        .find(|c| {
            let Expr::Quant(q) = c else {
                return false;
            };
            let (Some(p), Some(inner)) = (&q.var, &q.body) else {
                return false;
            };
            if q.quantifier != Quantifier::No || p == var {
                return false;
            }
            let mut mentioning = conjuncts(inner).iter().filter(|x| x.mentions(var));
            match (mentioning.next(), mentioning.next()) {
                (Some(only), None) => date_floor(p, only).is_some_and(
                    |floor| matches!(&floor.expr.atom, DateAtom::EventDate(v) if v == var),
                ),
                _ => false,
            }
        })
        .cloned()
}

impl Expr {
    /// Whether the expression mentions the variable `var` anywhere (a
    /// nested quantifier binding the same name counts as mentioning it).
    fn mentions(&self, var: &str) -> bool {
        let date = |d: &DateExpr| d.mentions(var);
        match self {
            Expr::Bool(_) => false,
            Expr::And(items) | Expr::Or(items) => items.iter().any(|i| i.mentions(var)),
            Expr::Not(inner) => inner.mentions(var),
            Expr::Quant(q) => {
                q.var.as_deref() == Some(var) || q.body.as_ref().is_some_and(|b| b.mentions(var))
            }
            Expr::Cadence(c) => date(&c.anchor) || date(&c.end),
            Expr::Matches { var: v, .. } => v == var,
            Expr::Presence { subject, .. } => match subject {
                Subject::Fact(_) => false,
                Subject::Until(v) | Subject::Ref(v) => v == var,
            },
            Expr::Within { event, anchor, .. } => date(event) || date(anchor),
            Expr::CompareDates(left, _, right) => date(left) || date(right),
            Expr::CompareStrings(left, _, right) => [left, right]
                .iter()
                .any(|s| matches!(s, StrRef::EventRef(v) if v == var)),
        }
    }
}

impl DateExpr {
    fn mentions(&self, var: &str) -> bool {
        !self.atom.free_of(var)
    }
}

/// The value `VAR.ref` must equal for `body` to have a chance to hold: a
/// top-level conjunct `VAR.ref == X` (either side), `X absent or VAR.ref ==
/// X` (with `X` another event's `ref`), or `matches(VAR, X)`. Whenever `X`
/// has a value, an event of `VAR` whose `ref` is another value makes that
/// conjunct, and so the body, false: an `exists`/`no` need not judge it.
/// Events without a `ref` are still judged (the conjunct may be unknown or
/// true for them).
pub(crate) fn ref_join(var: &str, body: &Expr) -> Option<Join> {
    let conjuncts = match body {
        Expr::And(items) => items.as_slice(),
        other => std::slice::from_ref(other),
    };
    conjuncts.iter().find_map(|c| join_of(var, c))
}

fn join_of(var: &str, conjunct: &Expr) -> Option<Join> {
    match conjunct {
        Expr::CompareStrings(left, CmpOp::Eq, right) => match (left, right) {
            (StrRef::EventRef(v), other) | (other, StrRef::EventRef(v))
                if v == var && *other != StrRef::EventRef(var.to_string()) =>
            {
                Some(Join {
                    value: other.clone(),
                    form: JoinForm::Equal,
                })
            }
            _ => None,
        },
        Expr::Matches { var: v, path } if v == var => Some(Join {
            value: StrRef::Fact(path.clone()),
            form: JoinForm::Matches,
        }),
        Expr::Or(items) if items.len() == 2 => {
            let (absent, equal) = match items.as_slice() {
                [a @ Expr::Presence { .. }, b] | [b, a @ Expr::Presence { .. }] => (a, b),
                _ => return None,
            };
            let join = join_of(var, equal)?;
            if join.form != JoinForm::Equal {
                return None;
            }
            let guards = match (absent, &join.value) {
                (
                    Expr::Presence {
                        subject: Subject::Ref(x),
                        present: false,
                    },
                    StrRef::EventRef(y),
                ) => x == y,
                (
                    Expr::Presence {
                        subject: Subject::Fact(x),
                        present: false,
                    },
                    StrRef::Fact(y),
                ) => x == y,
                _ => false,
            };
            guards.then_some(Join {
                form: JoinForm::Guarded,
                ..join
            })
        }
        _ => None,
    }
}

/// `cadence KIND every PERIOD from anchor through end [matching FACT]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Cadence {
    pub(crate) kind: String,
    pub(crate) period: Duration,
    pub(crate) anchor: DateExpr,
    pub(crate) end: DateExpr,
    pub(crate) matching: Option<String>,
}

/// What `present` / `absent` tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Subject {
    Fact(String),
    Until(String),
    Ref(String),
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CmpOp {
    Le,
    Lt,
    Ge,
    Gt,
    Eq,
    Ne,
}

impl CmpOp {
    pub(crate) fn holds<T: Ord>(self, left: &T, right: &T) -> bool {
        match self {
            CmpOp::Le => left <= right,
            CmpOp::Lt => left < right,
            CmpOp::Ge => left >= right,
            CmpOp::Gt => left > right,
            CmpOp::Eq => left == right,
            CmpOp::Ne => left != right,
        }
    }
}

/// A date: an atom shifted by durations, left to right.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DateExpr {
    pub(crate) atom: DateAtom,
    pub(crate) shifts: Vec<Shift>,
}

/// Where a date expression starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DateAtom {
    /// `date`, the request date.
    Today,
    /// `VAR.date`.
    EventDate(String),
    /// `VAR.until`.
    EventUntil(String),
    /// A date fact.
    Fact(String),
    /// `last_day(START, TERM)`: the last day of a term of `TERM` (months
    /// or years) whose first day is `START` (catalog §6.1).
    LastDay(Box<DateExpr>, Duration),
}

impl DateAtom {
    /// Whether the atom reads no attribute of the event bound to `var`.
    fn free_of(&self, var: &str) -> bool {
        match self {
            DateAtom::EventDate(v) | DateAtom::EventUntil(v) => v != var,
            DateAtom::Today | DateAtom::Fact(_) => true,
            DateAtom::LastDay(start, _) => start.atom.free_of(var),
        }
    }
}

/// `+ DURATION` (`forward`) or `- DURATION`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Shift {
    pub(crate) forward: bool,
    pub(crate) duration: Duration,
}

impl Shift {
    pub(crate) fn apply(self, date: NaiveDate) -> NaiveDate {
        let amount = i64::from(self.duration.amount);
        let signed = if self.forward { amount } else { -amount };
        match self.duration.unit {
            Unit::Day => add_days(date, signed),
            Unit::Month => add_months(date, signed),
            Unit::Year => add_months(date, signed.saturating_mul(12)),
        }
    }

    pub(crate) fn render(self) -> String {
        let sign = if self.forward { "+" } else { "−" };
        format!("{sign} {}", self.duration.render())
    }
}

/// `N day(s)`, `N month(s)` or `N year(s)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Duration {
    pub(crate) amount: u32,
    pub(crate) unit: Unit,
}

impl Duration {
    /// The length in months, for month and year durations.
    pub(crate) fn months(self) -> Option<i64> {
        match self.unit {
            Unit::Day => None,
            Unit::Month => Some(i64::from(self.amount)),
            Unit::Year => Some(i64::from(self.amount).saturating_mul(12)),
        }
    }

    /// `36 months`, `1 day`, `2 years`.
    pub(crate) fn render(self) -> String {
        let word = match self.unit {
            Unit::Day => "day",
            Unit::Month => "month",
            Unit::Year => "year",
        };
        let plural = if self.amount == 1 { "" } else { "s" };
        format!("{} {word}{plural}", self.amount)
    }
}

/// A duration unit; a year is twelve months.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unit {
    Day,
    Month,
    Year,
}

/// A string operand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum StrRef {
    /// `VAR.ref`.
    EventRef(String),
    /// A string (id) fact.
    Fact(String),
}

#[cfg(test)]
impl Definition {
    /// The same definition with every quantifier's join and date floor
    /// removed, so that tests can check they change nothing but the work.
    pub(crate) fn without_joins(&self) -> Definition {
        let mut copy = self.clone();
        match &mut copy.body {
            Body::Fact(expr) | Body::Each { cond: expr, .. } => expr.drop_joins(),
            Body::Due(_) => {}
        }
        copy
    }

    /// Whether each quantifier has a date floor, outermost first.
    pub(crate) fn floors(&self) -> Vec<bool> {
        fn walk(expr: &Expr, out: &mut Vec<bool>) {
            match expr {
                Expr::And(items) | Expr::Or(items) => items.iter().for_each(|i| walk(i, out)),
                Expr::Not(inner) => walk(inner, out),
                Expr::Quant(quant) => {
                    out.push(quant.floor.is_some());
                    if let Some(body) = &quant.body {
                        walk(body, out);
                    }
                }
                _ => {}
            }
        }
        let mut out = Vec::new();
        match &self.body {
            Body::Fact(expr) | Body::Each { cond: expr, .. } => walk(expr, &mut out),
            Body::Due(_) => {}
        }
        out
    }

    /// Each quantifier's join, outermost first.
    pub(crate) fn joins(&self) -> Vec<Option<Join>> {
        let mut copy = self.clone();
        let mut found = Vec::new();
        match &mut copy.body {
            Body::Fact(expr) | Body::Each { cond: expr, .. } => expr.take_joins(&mut found),
            Body::Due(_) => {}
        }
        found
    }
}

#[cfg(test)]
impl Expr {
    fn drop_joins(&mut self) {
        self.take_joins(&mut Vec::new());
    }

    fn take_joins(&mut self, found: &mut Vec<Option<Join>>) {
        match self {
            Expr::And(items) | Expr::Or(items) => {
                items.iter_mut().for_each(|item| item.take_joins(found));
            }
            Expr::Not(inner) => inner.take_joins(found),
            Expr::Quant(quant) => {
                quant.floor = None;
                quant.ceiling = None;
                quant.cutoff = None;
                found.push(quant.join.take());
                if let Some(body) = &mut quant.body {
                    body.take_joins(found);
                }
            }
            _ => {}
        }
    }
}

impl Body {
    fn collect(&self, reads: &mut Uses) {
        match self {
            Body::Fact(expr) => expr.collect(reads),
            Body::Due(date) => date.collect(reads),
            Body::Each {
                kind, cond, due, ..
            } => {
                reads.kinds.insert(kind.clone());
                cond.collect(reads);
                if let Some(due) = due {
                    due.collect(reads);
                }
            }
        }
    }
}

impl Expr {
    fn collect(&self, reads: &mut Uses) {
        match self {
            Expr::Bool(_) => {}
            Expr::And(items) | Expr::Or(items) => items.iter().for_each(|e| e.collect(reads)),
            Expr::Not(inner) => inner.collect(reads),
            Expr::Quant(q) => {
                reads.kinds.insert(q.kind.clone());
                if let Some(body) = &q.body {
                    body.collect(reads);
                }
            }
            Expr::Cadence(c) => {
                reads.kinds.insert(c.kind.clone());
                c.anchor.collect(reads);
                c.end.collect(reads);
                if let Some(path) = &c.matching {
                    reads.facts.insert(path.clone());
                }
            }
            Expr::Matches { path, .. } => {
                reads.facts.insert(path.clone());
            }
            Expr::Presence { subject, .. } => {
                if let Subject::Fact(path) = subject {
                    reads.facts.insert(path.clone());
                }
            }
            Expr::Within { event, anchor, .. } => {
                event.collect(reads);
                anchor.collect(reads);
            }
            Expr::CompareDates(left, _, right) => {
                left.collect(reads);
                right.collect(reads);
            }
            Expr::CompareStrings(left, _, right) => {
                for side in [left, right] {
                    if let StrRef::Fact(path) = side {
                        reads.facts.insert(path.clone());
                    }
                }
            }
        }
    }
}

impl DateExpr {
    fn collect(&self, reads: &mut Uses) {
        match &self.atom {
            DateAtom::Fact(path) => {
                reads.facts.insert(path.clone());
            }
            DateAtom::LastDay(start, _) => start.collect(reads),
            DateAtom::Today | DateAtom::EventDate(_) | DateAtom::EventUntil(_) => {}
        }
    }
}
