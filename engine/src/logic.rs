//! The one three-valued logic of the engine: a condition is true, false, or
//! unknown *with the facts it needs*. The temporal evaluator, the compiled
//! evaluator of Cedar conditions and the rule outcomes all use it, so that
//! failing closed rests on one definition of `and`, `or` and `not`:
//!
//! - `false ∧ x = false` and `true ∨ x = true` whatever `x` is, so a missing
//!   fact that cannot change the outcome is not reported;
//! - otherwise an unknown operand makes the result unknown, needing the
//!   union of what every unknown operand needs;
//! - `¬unknown` is unknown, needing the same facts.
//!
//! What "the facts needed" are depends on the evaluator: fact paths and
//! event attributes as text for the temporal language, slot numbers for the
//! compiled evaluator (turned into text once, when a decision names them),
//! nothing at all for a bare [`Truth`].
//! [`Needs`] is that choice.

use std::collections::BTreeSet;

/// What an unknown needs: a set that can absorb another.
pub(crate) trait Needs: Default {
    /// Adds everything `other` needs.
    fn absorb(&mut self, other: Self);
}

/// Nothing: a [`Tri`] that keeps no needs is a bare [`Truth`].
impl Needs for () {
    fn absorb(&mut self, _: Self) {}
}

impl Needs for BTreeSet<String> {
    fn absorb(&mut self, other: Self) {
        if self.is_empty() {
            *self = other;
        } else {
            self.extend(other);
        }
    }
}

/// The facts needed, by name (`agreement.id`, `security_incident.until`).
pub(crate) type Needed = BTreeSet<String>;

/// A three-valued truth value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Tri<N = Needed> {
    /// Holds.
    True,
    /// Does not hold.
    False,
    /// Depends on what the request does not give: the facts in `N` (empty
    /// when nothing given would decide it, e.g. a value of the wrong type).
    Unknown(N),
}

impl<N: Needs> Tri<N> {
    /// `True` or `False`.
    pub(crate) fn of(value: bool) -> Self {
        if value {
            Tri::True
        } else {
            Tri::False
        }
    }

    /// Kleene conjunction: `false` absorbs, unknowns merge what they need.
    pub(crate) fn and(self, other: Self) -> Self {
        match (self, other) {
            (Tri::False, _) | (_, Tri::False) => Tri::False,
            (Tri::True, x) | (x, Tri::True) => x,
            (Tri::Unknown(mut a), Tri::Unknown(b)) => {
                a.absorb(b);
                Tri::Unknown(a)
            }
        }
    }

    /// Kleene disjunction: `true` absorbs, unknowns merge what they need.
    pub(crate) fn or(self, other: Self) -> Self {
        match (self, other) {
            (Tri::True, _) | (_, Tri::True) => Tri::True,
            (Tri::False, x) | (x, Tri::False) => x,
            (Tri::Unknown(mut a), Tri::Unknown(b)) => {
                a.absorb(b);
                Tri::Unknown(a)
            }
        }
    }

    /// Without what an unknown needs.
    pub(crate) fn truth(&self) -> Truth {
        match self {
            Tri::True => Truth::True,
            Tri::False => Truth::False,
            Tri::Unknown(_) => Truth::Unknown,
        }
    }

    /// A bare truth with what an unknown needs (`needed` is dropped for a
    /// known value).
    pub(crate) fn from_truth(truth: Truth, needed: N) -> Self {
        match truth {
            Truth::True => Tri::True,
            Truth::False => Tri::False,
            Truth::Unknown => Tri::Unknown(needed),
        }
    }

    /// What an unknown needs; nothing for a known value.
    pub(crate) fn into_needed(self) -> N {
        match self {
            Tri::Unknown(needed) => needed,
            _ => N::default(),
        }
    }
}

impl<N> std::ops::Not for Tri<N> {
    type Output = Self;

    /// Kleene negation: `¬unknown` is unknown and needs the same.
    fn not(self) -> Self {
        match self {
            Tri::True => Tri::False,
            Tri::False => Tri::True,
            unknown => unknown,
        }
    }
}

/// Which of the three values a [`Tri`] is, without what an unknown needs:
/// the public label of a temporal [`Outcome`](crate::temporal::Outcome),
/// whose `needed` field says what an unknown needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Truth {
    /// Holds.
    True,
    /// Does not hold.
    False,
    /// Depends on facts the request does not give (listed in `needed`).
    Unknown,
}

impl Truth {
    /// `True` or `False`.
    pub(crate) fn of(value: bool) -> Truth {
        Tri::<()>::of(value).truth()
    }

    /// [`Tri`]'s negation, without what an unknown needs.
    pub(crate) fn not(self) -> Truth {
        (!Tri::from_truth(self, ())).truth()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(needed: &[&str]) -> Tri {
        Tri::Unknown(needed.iter().map(|s| s.to_string()).collect())
    }

    fn all() -> Vec<Tri> {
        vec![Tri::True, Tri::False, u(&["a"]), u(&["b"]), u(&[])]
    }

    #[test]
    fn false_absorbs_conjunction_and_true_absorbs_disjunction() {
        for x in all() {
            assert_eq!(Tri::False.and(x.clone()), Tri::False);
            assert_eq!(x.clone().and(Tri::False), Tri::False);
            assert_eq!(Tri::True.or(x.clone()), Tri::True);
            assert_eq!(x.clone().or(Tri::True), Tri::True);
            assert_eq!(Tri::True.and(x.clone()), x);
            assert_eq!(Tri::False.or(x.clone()), x);
        }
    }

    #[test]
    fn unknowns_need_the_union_and_negation_keeps_it() {
        assert_eq!(u(&["a"]).and(u(&["b"])), u(&["a", "b"]));
        assert_eq!(u(&["b"]).or(u(&["a", "c"])), u(&["a", "b", "c"]));
        assert_eq!(!u(&["a"]), u(&["a"]));
        assert_eq!(!Tri::<Needed>::True, Tri::False);
        assert_eq!(!Tri::<Needed>::False, Tri::True);
    }

    #[test]
    fn and_or_are_commutative_and_de_morgan_holds() {
        for x in all() {
            for y in all() {
                assert_eq!(x.clone().and(y.clone()), y.clone().and(x.clone()));
                assert_eq!(x.clone().or(y.clone()), y.clone().or(x.clone()));
                assert_eq!(!x.clone().and(y.clone()), (!x.clone()).or(!y.clone()));
            }
        }
    }

    #[test]
    fn truth_and_needed_project_the_value() {
        assert_eq!(u(&["a"]).truth(), Truth::Unknown);
        assert_eq!(Tri::<Needed>::of(true).truth(), Truth::True);
        assert_eq!(Tri::<Needed>::of(false).truth(), Truth::False);
        assert_eq!(u(&["a"]).into_needed(), BTreeSet::from(["a".to_string()]));
        assert!(Tri::<Needed>::True.into_needed().is_empty());
    }
}
