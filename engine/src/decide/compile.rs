//! Preparing a policy set. Each set the engine decides with — one chain,
//! one epoch, one action — is prepared once, on first use: the rules in
//! force for the action in decision order, the temporal definitions they
//! read, and each rule's conditions linked to *slots* (one per fact,
//! temporal definition or `materials` the set reads), so that the compiled
//! evaluator (`evaluate.rs`) needs no Cedar context, no entity store and no
//! lookups by name. A rule whose policy uses a construct the evaluator does
//! not support (`Rule::is_compiled` false) is decided by Cedar, whose
//! policy set of those rules' probes ([`super::cedar::CedarSet`]) is built
//! here too; under `Evaluator::Cedar` every rule is, with a set of all the
//! probes built on first use.

use std::collections::{BTreeSet, HashMap};
use std::sync::OnceLock;

use crate::condition::{Compare, Cond, Read, Val};
use crate::load::Bundle;
use crate::rule::Rule;

use super::cedar::CedarSet;

/// A slot's number in its compiled set.
pub(crate) type SlotId = u32;

/// What a slot holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Slot {
    /// A fact, by path.
    Fact(String),
    /// A temporal definition: its index in [`Compiled::definitions`], or
    /// `None` when no definition of that name is visible from the chain
    /// (then it is unknown and needs nothing the request could give).
    Temporal(Option<usize>),
    /// The `materials` list.
    Materials,
    /// A `context` path that is no request field: never given.
    Other(String),
}

/// A rule's condition linked to slots: what the evaluator walks.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node {
    Lit(Val),
    Slot(SlotId),
    Action,
    And(Box<Node>, Box<Node>),
    Or(Box<Node>, Box<Node>),
    Not(Box<Node>),
    Cmp(Compare, Box<Node>, Box<Node>),
    Contains(Box<Node>, Box<Node>),
    ContainsAll(Box<Node>, Box<Node>),
    ContainsAny(Box<Node>, Box<Node>),
    IsEmpty(Box<Node>),
    Set(Vec<Node>),
    If(Box<Node>, Box<Node>, Box<Node>),
    /// Not understood: unknown, needing whichever of these slots is not
    /// given.
    Opaque(Vec<SlotId>),
}

/// One rule of a compiled set.
#[derive(Debug)]
pub(crate) struct Program {
    /// The rule's index in the bundle.
    pub(crate) rule: usize,
    /// Its guard clauses (all must hold for the rule to apply).
    pub(crate) guard: Vec<Node>,
    /// A requirement's condition.
    pub(crate) condition: Option<Node>,
    /// Whether the compiled evaluator decides it; if not, Cedar does.
    pub(crate) compiled: bool,
}

/// A compiled policy set: one chain, epoch and action.
pub(crate) struct Compiled {
    /// The rules, in decision order (layer highest first, then id).
    pub(crate) programs: Vec<Program>,
    /// Temporal definitions needed (rules' reads, `due` and `each`), by
    /// bundle index.
    pub(crate) definitions: Vec<usize>,
    /// Position in `definitions` by name.
    pub(crate) names: HashMap<String, usize>,
    /// What each slot holds.
    pub(crate) slots: Vec<Slot>,
    /// The action.
    action: String,
    /// Cedar's set of the probes of the rules the compiled evaluator does
    /// not decide (empty for today's bundle).
    pub(crate) cedar: CedarSet,
    /// Cedar's set of every rule's probes, for `Evaluator::Cedar`; built on
    /// first use.
    reference: OnceLock<CedarSet>,
}

impl Compiled {
    /// Compiles the rules `rules` (bundle indexes, in decision order) of a
    /// chain whose layers are `layers`, for `action`.
    pub(crate) fn new(bundle: &Bundle, layers: &[usize], action: &str, rules: Vec<usize>) -> Self {
        let mut temporal: BTreeSet<&str> = BTreeSet::new();
        for rule in rules.iter().filter_map(|&r| bundle.rules.get(r)) {
            temporal.extend(rule.temporal_reads());
            temporal.extend(rule.due.as_deref());
            temporal.extend(rule.each.as_deref());
        }
        // The definitions of those names visible from this chain.
        let definitions: Vec<usize> = temporal
            .iter()
            .filter_map(|name| {
                bundle.definitions.iter().enumerate().position(|(i, d)| {
                    d.name == *name
                        && bundle
                            .definition_layer
                            .get(i)
                            .is_some_and(|l| layers.contains(l))
                })
            })
            .collect();
        let names: HashMap<String, usize> = definitions
            .iter()
            .enumerate()
            .filter_map(|(i, &d)| bundle.definitions.get(d).map(|def| (def.name.clone(), i)))
            .collect();
        let mut linker = Linker {
            names: &names,
            slots: Vec::new(),
            index: HashMap::new(),
        };
        let programs: Vec<Program> = rules
            .iter()
            .filter_map(|&r| Some((r, bundle.rules.get(r)?)))
            .map(|(r, rule)| linker.program(r, rule))
            .collect();
        let slots = linker.slots;
        let by_cedar: Vec<usize> = programs
            .iter()
            .filter(|p| !p.compiled)
            .map(|p| p.rule)
            .collect();
        let cedar = CedarSet::new(bundle, action, &by_cedar);
        Compiled {
            programs,
            definitions,
            names,
            slots,
            action: action.to_string(),
            cedar,
            reference: OnceLock::new(),
        }
    }

    /// Cedar's set of every rule's probes (the reference path).
    pub(crate) fn reference(&self, bundle: &Bundle) -> &CedarSet {
        self.reference.get_or_init(|| {
            let rules: Vec<usize> = self.programs.iter().map(|p| p.rule).collect();
            CedarSet::new(bundle, &self.action, &rules)
        })
    }
}

/// Gives each path read a slot, once per set.
struct Linker<'n> {
    names: &'n HashMap<String, usize>,
    slots: Vec<Slot>,
    index: HashMap<Read, SlotId>,
}

impl Linker<'_> {
    fn program(&mut self, index: usize, rule: &Rule) -> Program {
        Program {
            rule: index,
            guard: rule.guard.iter().map(|c| self.node(c)).collect(),
            condition: rule.condition.as_ref().map(|c| self.node(c)),
            compiled: rule.is_compiled(),
        }
    }

    fn slot(&mut self, path: &[String]) -> SlotId {
        let read = Read::of_path(path);
        if let Some(&id) = self.index.get(&read) {
            return id;
        }
        let slot = match &read {
            Read::Fact(path) => Slot::Fact(path.clone()),
            Read::Temporal(name) => Slot::Temporal(self.names.get(name).copied()),
            Read::Materials => Slot::Materials,
            Read::Other(path) => Slot::Other(path.clone()),
        };
        let id = SlotId::try_from(self.slots.len()).unwrap_or(SlotId::MAX);
        self.slots.push(slot);
        self.index.insert(read, id);
        id
    }

    fn node(&mut self, cond: &Cond) -> Node {
        let mut two = |a: &Cond, b: &Cond| (Box::new(self.node(a)), Box::new(self.node(b)));
        match cond {
            Cond::Lit(v) => Node::Lit(v.clone()),
            Cond::Context(path) => Node::Slot(self.slot(path)),
            Cond::Action => Node::Action,
            Cond::And(a, b) => {
                let (a, b) = two(a, b);
                Node::And(a, b)
            }
            Cond::Or(a, b) => {
                let (a, b) = two(a, b);
                Node::Or(a, b)
            }
            Cond::Not(a) => Node::Not(Box::new(self.node(a))),
            Cond::Cmp(op, a, b) => {
                let (a, b) = two(a, b);
                Node::Cmp(*op, a, b)
            }
            Cond::Contains(a, b) => {
                let (a, b) = two(a, b);
                Node::Contains(a, b)
            }
            Cond::ContainsAll(a, b) => {
                let (a, b) = two(a, b);
                Node::ContainsAll(a, b)
            }
            Cond::ContainsAny(a, b) => {
                let (a, b) = two(a, b);
                Node::ContainsAny(a, b)
            }
            Cond::IsEmpty(a) => Node::IsEmpty(Box::new(self.node(a))),
            Cond::Set(items) => {
                // A set of literals is a literal: built once, not per request.
                let literals: Option<Vec<Val>> = items
                    .iter()
                    .map(|item| match item {
                        Cond::Lit(v) => Some(v.clone()),
                        _ => None,
                    })
                    .collect();
                match literals {
                    Some(values) => Node::Lit(Val::Set(values)),
                    None => Node::Set(items.iter().map(|i| self.node(i)).collect()),
                }
            }
            Cond::If(c, t, e) => Node::If(
                Box::new(self.node(c)),
                Box::new(self.node(t)),
                Box::new(self.node(e)),
            ),
            Cond::Opaque(paths) => Node::Opaque(paths.iter().map(|p| self.slot(p)).collect()),
        }
    }
}
