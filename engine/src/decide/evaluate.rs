//! The compiled evaluator: each rule's guard and condition, linked to slots
//! when the set was prepared (`compile.rs`), evaluated three-valued with the
//! one [`Tri`] logic from the start — no Cedar context, no entity store. A
//! fact the request does not give (or of another type) is unknown;
//! `false ∧ unknown = false` and `true ∨ unknown = true`, so a missing fact
//! that cannot change the outcome is not reported; an unknown that decides
//! is reported with the facts it needs, and the rule fails closed. Where
//! every fact is given this is Cedar's semantics: the differential tests
//! decide every golden case and generated requests both ways.
//!
//! Where Cedar decides (rules using a construct this evaluator does not
//! support, or every rule under `Evaluator::Cedar`) and errs because a fact
//! is missing, this evaluator is the fallback: what it does not understand
//! is unknown, so it can only ever fail closed.

use std::collections::BTreeSet;

use chrono::NaiveDate;

use crate::condition::{Compare, Val};
use crate::dates::format_date;
use crate::logic::Truth;
use crate::logic::{Needs, Tri};
use crate::request::FactValue;
use crate::rule::{Effect, Rule};

use super::cedar::Found;
use super::compile::{Node, Program, SlotId};
use super::facts::{Facts, Value};

/// How one rule came out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RuleState {
    NotApplicable,
    Satisfied,
    Cleared,
    NotAttached,
    Unmet(BTreeSet<String>),
    Fired(BTreeSet<String>),
    Attached,
    /// An obligation whose guard could not be decided.
    Undecided(BTreeSet<String>),
}

/// The slots an unknown needs, as a bit set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Slots(Vec<u64>);

impl Slots {
    fn one(id: SlotId) -> Self {
        let index = usize::try_from(id / 64).unwrap_or(usize::MAX);
        let mut words = vec![0u64; index.saturating_add(1).min(1 << 16)];
        if let Some(word) = words.get_mut(index) {
            *word |= 1 << (id % 64);
        }
        Slots(words)
    }

    fn ids(&self) -> impl Iterator<Item = SlotId> + '_ {
        self.0.iter().enumerate().flat_map(|(w, &bits)| {
            (0..64u32)
                .filter(move |b| bits & (1 << b) != 0)
                .map(move |b| u32::try_from(w).unwrap_or(u32::MAX).saturating_mul(64) + b)
        })
    }
}

impl Needs for Slots {
    fn absorb(&mut self, other: Self) {
        if self.0.len() < other.0.len() {
            self.0.resize(other.0.len(), 0);
        }
        for (a, b) in self.0.iter_mut().zip(other.0) {
            *a |= b;
        }
    }
}

/// A value during evaluation, borrowed from the request or the policy.
#[derive(Debug, Clone)]
enum V<'a> {
    Bool(bool),
    Long(i64),
    Str(&'a str),
    /// A date fact: Cedar sees its `YYYY-MM-DD` string.
    Date(NaiveDate),
    Entity(&'a str, &'a str),
    /// A list fact or `materials`.
    Strings(&'a [String]),
    /// A set literal of the policy.
    Literals(&'a [Val]),
    /// A set built from expressions.
    Built(Vec<V<'a>>),
}

/// A value, or unknown needing these slots.
type Eval<'a> = Result<V<'a>, Slots>;

/// The rule's outcome by pdao's evaluator.
pub(crate) fn rule_state(program: &Program, rule: &Rule, facts: &Facts) -> RuleState {
    let mut guard: Tri<Slots> = Tri::True;
    for clause in &program.guard {
        guard = guard.and(truth(eval(clause, facts)));
        if guard == Tri::False {
            break;
        }
    }
    let needed = |slots: Slots| named(slots, facts);
    match (rule.effect, guard) {
        (Effect::Requirement, Tri::False) => RuleState::NotApplicable,
        (Effect::Requirement, Tri::Unknown(n)) => RuleState::Unmet(needed(n)),
        (Effect::Requirement, Tri::True) => {
            match program.condition.as_ref().map(|c| truth(eval(c, facts))) {
                Some(Tri::True) => RuleState::Satisfied,
                Some(Tri::False) | None => RuleState::Unmet(BTreeSet::new()),
                Some(Tri::Unknown(n)) => RuleState::Unmet(needed(n)),
            }
        }
        (Effect::Forbid, Tri::False) => RuleState::Cleared,
        (Effect::Forbid, Tri::True) => RuleState::Fired(BTreeSet::new()),
        (Effect::Forbid, Tri::Unknown(n)) => RuleState::Fired(needed(n)),
        (Effect::Obligation, Tri::False) => RuleState::NotAttached,
        (Effect::Obligation, Tri::True) => RuleState::Attached,
        (Effect::Obligation, Tri::Unknown(n)) => RuleState::Undecided(needed(n)),
    }
}

/// The rule's outcome as Cedar found it (where it did not err).
pub(crate) fn cedar_state(rule_index: usize, rule: &Rule, found: &Found) -> RuleState {
    let decides = found.decides.contains(&rule_index);
    match rule.effect {
        Effect::Requirement => {
            let applies =
                !found.guarded.contains(&rule_index) || found.applies.contains(&rule_index);
            if !applies {
                RuleState::NotApplicable
            } else if decides {
                RuleState::Unmet(BTreeSet::new())
            } else {
                RuleState::Satisfied
            }
        }
        Effect::Forbid if decides => RuleState::Fired(BTreeSet::new()),
        Effect::Forbid => RuleState::Cleared,
        Effect::Obligation if decides => RuleState::Attached,
        Effect::Obligation => RuleState::NotAttached,
    }
}

/// The facts the slots stand for.
fn named(slots: Slots, facts: &Facts) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for id in slots.ids() {
        facts.needed_by(id, &mut out);
    }
    out
}

fn truth(value: Eval) -> Tri<Slots> {
    match value {
        Ok(V::Bool(b)) => Tri::of(b),
        // A value of another type: Cedar errs; nothing given would help.
        Ok(_) => Tri::Unknown(Slots::default()),
        Err(slots) => Tri::Unknown(slots),
    }
}

fn boolean<'a>(value: Tri<Slots>) -> Eval<'a> {
    match value {
        Tri::True => Ok(V::Bool(true)),
        Tri::False => Ok(V::Bool(false)),
        Tri::Unknown(slots) => Err(slots),
    }
}

fn eval<'a>(node: &'a Node, facts: &'a Facts) -> Eval<'a> {
    match node {
        Node::Lit(value) => Ok(literal(value)),
        Node::Slot(id) => slot(*id, facts),
        Node::Action => Ok(V::Entity("Action", facts.request().action())),
        Node::And(a, b) => match truth(eval(a, facts)) {
            Tri::False => Ok(V::Bool(false)),
            left => boolean(left.and(truth(eval(b, facts)))),
        },
        Node::Or(a, b) => match truth(eval(a, facts)) {
            Tri::True => Ok(V::Bool(true)),
            left => boolean(left.or(truth(eval(b, facts)))),
        },
        Node::Not(a) => boolean(!truth(eval(a, facts))),
        Node::If(c, t, e) => match truth(eval(c, facts)) {
            Tri::True => eval(t, facts),
            Tri::False => eval(e, facts),
            Tri::Unknown(mut slots) => match (eval(t, facts), eval(e, facts)) {
                (Ok(x), Ok(y)) if equal(&x, &y) => Ok(x),
                (x, y) => {
                    for side in [x, y] {
                        if let Err(s) = side {
                            slots.absorb(s);
                        }
                    }
                    Err(slots)
                }
            },
        },
        Node::Cmp(op, a, b) => binary(eval(a, facts), eval(b, facts), |x, y| compare(*op, x, y)),
        Node::Contains(a, b) => binary(eval(a, facts), eval(b, facts), |set, item| {
            Some(V::Bool(any_item(set, |x| equal(x, item))?))
        }),
        Node::ContainsAll(a, b) => binary(eval(a, facts), eval(b, facts), |x, y| {
            is_set(x).then_some(())?;
            Some(V::Bool(!any_item(y, |item| {
                !any_item(x, |v| equal(v, item)).unwrap_or(false)
            })?))
        }),
        Node::ContainsAny(a, b) => binary(eval(a, facts), eval(b, facts), |x, y| {
            is_set(x).then_some(())?;
            Some(V::Bool(any_item(y, |item| {
                any_item(x, |v| equal(v, item)).unwrap_or(false)
            })?))
        }),
        Node::IsEmpty(a) => match eval(a, facts) {
            Ok(set) => match any_item(&set, |_| true) {
                Some(nonempty) => Ok(V::Bool(!nonempty)),
                None => Err(Slots::default()),
            },
            Err(slots) => Err(slots),
        },
        Node::Set(items) => {
            let mut out = Vec::with_capacity(items.len());
            let mut unknown: Option<Slots> = None;
            for item in items {
                match eval(item, facts) {
                    Ok(v) => out.push(v),
                    Err(s) => unknown.get_or_insert_with(Slots::default).absorb(s),
                }
            }
            match unknown {
                None => Ok(V::Built(out)),
                Some(slots) => Err(slots),
            }
        }
        Node::Opaque(ids) => {
            let mut slots = Slots::default();
            for &id in ids {
                if let Err(s) = slot(id, facts) {
                    slots.absorb(s);
                }
            }
            Err(slots)
        }
    }
}

fn slot<'a>(id: SlotId, facts: &'a Facts) -> Eval<'a> {
    match facts.slot(id) {
        Value::Fact(FactValue::Bool(b)) => Ok(V::Bool(*b)),
        Value::Fact(FactValue::Int(i)) => Ok(V::Long(*i)),
        Value::Fact(FactValue::Str(s)) => Ok(V::Str(s)),
        Value::Fact(FactValue::Date(d)) => Ok(V::Date(*d)),
        Value::Fact(FactValue::List(items)) => Ok(V::Strings(items)),
        Value::Materials(items) => Ok(V::Strings(items)),
        Value::Temporal(outcome) => match outcome.truth {
            Truth::True => Ok(V::Bool(true)),
            Truth::False => Ok(V::Bool(false)),
            Truth::Unknown => Err(Slots::one(id)),
        },
        Value::Absent => Err(Slots::one(id)),
    }
}

fn literal(value: &Val) -> V<'_> {
    match value {
        Val::Bool(b) => V::Bool(*b),
        Val::Long(i) => V::Long(*i),
        Val::Str(s) => V::Str(s),
        Val::Set(items) => V::Literals(items),
        Val::Entity(ty, id) => V::Entity(ty, id),
    }
}

/// Both operands known: `f` (a type error, `None`, is unknown needing
/// nothing); else unknown needing what either needs.
fn binary<'a>(a: Eval<'a>, b: Eval<'a>, f: impl Fn(&V<'a>, &V<'a>) -> Option<V<'a>>) -> Eval<'a> {
    match (a, b) {
        (Ok(x), Ok(y)) => f(&x, &y).ok_or_default(),
        (Err(mut x), Err(y)) => {
            x.absorb(y);
            Err(x)
        }
        (Err(x), Ok(_)) | (Ok(_), Err(x)) => Err(x),
    }
}

trait OkOrDefault<T> {
    fn ok_or_default(self) -> Result<T, Slots>;
}

impl<T> OkOrDefault<T> for Option<T> {
    fn ok_or_default(self) -> Result<T, Slots> {
        self.ok_or_else(Slots::default)
    }
}

fn compare<'a>(op: Compare, x: &V<'a>, y: &V<'a>) -> Option<V<'a>> {
    let holds = match op {
        Compare::Eq => equal(x, y),
        Compare::Ne => !equal(x, y),
        _ => {
            let (V::Long(a), V::Long(b)) = (x, y) else {
                return None;
            };
            match op {
                Compare::Lt => a < b,
                Compare::Le => a <= b,
                Compare::Gt => a > b,
                _ => a >= b,
            }
        }
    };
    Some(V::Bool(holds))
}

fn is_set(v: &V) -> bool {
    matches!(v, V::Strings(_) | V::Literals(_) | V::Built(_))
}

/// Whether some item of the set `v` satisfies `f`; `None` if `v` is not a set.
fn any_item<'a>(v: &V<'a>, mut f: impl FnMut(&V<'a>) -> bool) -> Option<bool> {
    match v {
        V::Strings(items) => Some(items.iter().any(|s| f(&V::Str(s)))),
        V::Literals(items) => Some(items.iter().any(|x| f(&literal(x)))),
        V::Built(items) => Some(items.iter().any(f)),
        _ => None,
    }
}

/// Cedar's `==`: values of different types differ; sets are equal when
/// they have the same elements.
fn equal(x: &V, y: &V) -> bool {
    match (x, y) {
        (V::Bool(a), V::Bool(b)) => a == b,
        (V::Long(a), V::Long(b)) => a == b,
        (V::Str(a), V::Str(b)) => a == b,
        (V::Date(a), V::Date(b)) => a == b,
        (V::Date(d), V::Str(s)) | (V::Str(s), V::Date(d)) => format_date(*d) == *s,
        (V::Entity(t1, i1), V::Entity(t2, i2)) => t1 == t2 && i1 == i2,
        (a, b) if is_set(a) && is_set(b) => {
            let within = |p: &V, q: &V| {
                !any_item(p, |item| !any_item(q, |v| equal(v, item)).unwrap_or(false))
                    .unwrap_or(true)
            };
            within(a, b) && within(b, a)
        }
        _ => false,
    }
}
