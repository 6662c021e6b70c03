//! The request space of a bundle: for every jurisdiction and action, the
//! facts, materials and event kinds its rules read, with the literals of
//! their policies and the durations of the temporal definitions they use.
//! Generators (diff, why-not, property tests) draw their values from here.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;

use crate::condition::{Compare, Cond, Read, Val};
use crate::dates::add_days;
use crate::load::Bundle;
use crate::request::FactValue;
use crate::rule::Effect;
use crate::vocabulary::{FactType, Vocabulary};

/// Literals a policy compares a fact with.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Literals {
    /// Integer literals.
    pub ints: BTreeSet<i64>,
    /// String literals (enum values, list items, materials).
    pub strings: BTreeSet<String>,
}

/// What a set of rules reads, on one chain.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reads {
    /// Fact paths read by the rules or by the temporal definitions they use.
    pub facts: BTreeSet<String>,
    /// Whether `materials` is read.
    pub reads_materials: bool,
    /// Materials items the policies mention.
    pub materials: BTreeSet<String>,
    /// Event kinds the temporal definitions read.
    pub kinds: BTreeSet<String>,
    /// Temporal definitions used (bundle indexes).
    pub definitions: BTreeSet<usize>,
    /// Month counts in those definitions (years as 12 months).
    pub months: BTreeSet<i64>,
    /// Day counts in those definitions.
    pub days: BTreeSet<i64>,
    /// Literals per fact path (`materials` included).
    pub literals: BTreeMap<String, Literals>,
    /// Every integer literal of the rules.
    pub ints: BTreeSet<i64>,
}

impl Reads {
    pub(crate) fn merge(&mut self, other: &Reads) {
        self.facts.extend(other.facts.iter().cloned());
        self.reads_materials |= other.reads_materials;
        self.materials.extend(other.materials.iter().cloned());
        self.kinds.extend(other.kinds.iter().cloned());
        self.definitions.extend(other.definitions.iter().copied());
        self.months.extend(other.months.iter().copied());
        self.days.extend(other.days.iter().copied());
        self.ints.extend(other.ints.iter().copied());
        for (path, lits) in &other.literals {
            let entry = self.literals.entry(path.clone()).or_default();
            entry.ints.extend(lits.ints.iter().copied());
            entry.strings.extend(lits.strings.iter().cloned());
        }
    }
}

/// Values a rule would like its facts to have for the request to be allowed.
#[derive(Debug, Clone, Default)]
pub(crate) struct Desires {
    pub facts: BTreeMap<String, FactValue>,
    pub materials: BTreeSet<String>,
}

/// One rule, as the generators see it.
#[derive(Debug, Clone, Default)]
struct RuleInfo {
    facts: BTreeSet<String>,
    reads_materials: bool,
    temporal: BTreeSet<String>,
    literals: BTreeMap<String, Literals>,
    ints: BTreeSet<i64>,
    desires: Desires,
}

/// One temporal definition, as the generators see it.
#[derive(Debug, Clone)]
struct DefInfo {
    name: String,
    layer: usize,
    facts: BTreeSet<String>,
    kinds: BTreeSet<String>,
    months: BTreeSet<i64>,
    days: BTreeSet<i64>,
}

/// One jurisdiction and action with what its rules read.
#[derive(Debug, Clone)]
pub struct Pair {
    /// Request jurisdiction.
    pub jurisdiction: String,
    /// Request action.
    pub action: String,
    /// Bundle indexes of the rules of the chain that apply to the action
    /// (any window), highest layer first.
    pub rules: Vec<usize>,
    /// What they read.
    pub reads: Reads,
}

/// The request space of a bundle.
#[derive(Debug, Clone)]
pub struct Space {
    vocab: Vocabulary,
    rules: Vec<RuleInfo>,
    rule_ids: Vec<String>,
    definitions: Vec<DefInfo>,
    chains: BTreeMap<String, Vec<usize>>,
    pairs: Vec<Pair>,
    boundaries: BTreeSet<NaiveDate>,
    #[cfg_attr(not(feature = "testing"), allow(dead_code))]
    sample_dates: BTreeMap<String, Vec<NaiveDate>>,
}

impl Space {
    /// Analyses a bundle.
    pub fn new(bundle: &Bundle) -> Space {
        let vocab = bundle.vocab.clone();
        let rules: Vec<RuleInfo> = bundle.rules.iter().map(rule_info).collect();
        let definitions: Vec<DefInfo> = bundle
            .definitions
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let (months, days) = durations(&d.source);
                DefInfo {
                    name: d.name.clone(),
                    layer: bundle
                        .definition_layer
                        .get(i)
                        .copied()
                        .unwrap_or(usize::MAX),
                    facts: d.facts_read(),
                    kinds: d.event_kinds(),
                    months,
                    days,
                }
            })
            .collect();
        let chains: BTreeMap<String, Vec<usize>> = bundle
            .layers
            .iter()
            .map(|l| (l.id.clone(), bundle.chain(&l.id).to_vec()))
            .collect();
        let mut boundaries = BTreeSet::new();
        for layer in &bundle.layers {
            for d in &layer.documents {
                boundaries.insert(d.in_force_from);
                if let Some(until) = d.in_force_until {
                    boundaries.insert(until);
                    boundaries.insert(add_days(until, 1));
                }
            }
        }
        for rule in &bundle.rules {
            boundaries.extend(rule.in_force_from);
            if let Some(until) = rule.in_force_until {
                boundaries.insert(until);
                boundaries.insert(add_days(until, 1));
            }
        }
        let sample_dates = chains
            .iter()
            .map(|(j, chain)| {
                let layers: Vec<&crate::layers::Layer> = chain
                    .iter()
                    .filter_map(|&l| bundle.layers.get(l))
                    .filter(|l| !l.documents.is_empty())
                    .collect();
                let start = layers
                    .iter()
                    .filter_map(|l| l.documents.iter().map(|d| d.in_force_from).min())
                    .max();
                let until = layers
                    .iter()
                    .flat_map(|l| l.documents.iter().filter_map(|d| d.in_force_until))
                    .min();
                let dates = match start {
                    Some(s) => [150, 800]
                        .into_iter()
                        .map(|n| {
                            let d = add_days(s, n);
                            match until {
                                Some(u) if d > u => add_days(u, -30).max(s),
                                _ => d,
                            }
                        })
                        .collect::<BTreeSet<_>>()
                        .into_iter()
                        .collect(),
                    None => NaiveDate::from_ymd_opt(2025, 6, 1).into_iter().collect(),
                };
                (j.clone(), dates)
            })
            .collect();
        let mut space = Space {
            sample_dates,
            vocab,
            rules,
            rule_ids: bundle.rules.iter().map(|r| r.id.clone()).collect(),
            definitions,
            chains,
            pairs: Vec::new(),
            boundaries,
        };
        let mut pairs = Vec::new();
        for jurisdiction in bundle.vocab.jurisdictions() {
            let chain_ids: Vec<String> = space
                .chain(jurisdiction)
                .iter()
                .filter_map(|&l| bundle.layers.get(l).map(|x| x.id.clone()))
                .collect();
            for action in bundle.vocab.actions() {
                let mut rules: Vec<usize> = bundle
                    .rules
                    .iter()
                    .enumerate()
                    .filter(|(_, r)| chain_ids.contains(&r.layer) && r.applies_to(action))
                    .map(|(i, _)| i)
                    .collect();
                rules.sort_by_key(|&i| {
                    let layer = bundle.rules.get(i).map(|r| r.layer.as_str());
                    (chain_ids.iter().position(|l| Some(l.as_str()) == layer), i)
                });
                let reads = space.reads(&rules, jurisdiction);
                pairs.push(Pair {
                    jurisdiction: jurisdiction.clone(),
                    action: action.clone(),
                    rules,
                    reads,
                });
            }
        }
        space.pairs = pairs;
        space
    }

    /// The vocabulary.
    pub fn vocabulary(&self) -> &Vocabulary {
        &self.vocab
    }

    /// Every jurisdiction and action, in vocabulary order.
    pub fn pairs(&self) -> &[Pair] {
        &self.pairs
    }

    /// One jurisdiction and action.
    pub fn pair(&self, jurisdiction: &str, action: &str) -> Option<&Pair> {
        self.pairs
            .iter()
            .find(|p| p.jurisdiction == jurisdiction && p.action == action)
    }

    /// Dates on which a document or rule starts or stops being in force
    /// (and the day after a last day).
    pub(crate) fn boundaries(&self) -> &BTreeSet<NaiveDate> {
        &self.boundaries
    }

    /// A couple of dates on which the chain of `jurisdiction` is fully in
    /// force (a few months and about two years after its last layer starts),
    /// for base requests.
    #[cfg_attr(not(feature = "testing"), allow(dead_code))]
    pub(crate) fn sample_dates(&self, jurisdiction: &str) -> &[NaiveDate] {
        self.sample_dates
            .get(jurisdiction)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// Layer indexes of the chain of `jurisdiction`, highest first.
    pub(crate) fn chain(&self, jurisdiction: &str) -> &[usize] {
        self.chains
            .get(jurisdiction)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// What the given rules (bundle indexes) read when deciding a request
    /// of `jurisdiction`.
    pub(crate) fn reads(&self, rules: &[usize], jurisdiction: &str) -> Reads {
        let chain = self.chain(jurisdiction).to_vec();
        let mut out = Reads::default();
        for &ri in rules {
            let Some(info) = self.rules.get(ri) else {
                continue;
            };
            out.facts.extend(info.facts.iter().cloned());
            out.reads_materials |= info.reads_materials;
            out.ints.extend(info.ints.iter().copied());
            for (path, lits) in &info.literals {
                let entry = out.literals.entry(path.clone()).or_default();
                entry.ints.extend(lits.ints.iter().copied());
                entry.strings.extend(lits.strings.iter().cloned());
                if path == "materials" {
                    out.materials.extend(lits.strings.iter().cloned());
                }
            }
            for name in &info.temporal {
                if let Some(di) = self.definition_in(name, &chain) {
                    out.merge(&self.definition_reads(di));
                }
            }
        }
        out
    }

    /// The rule indexes with this id.
    pub(crate) fn rules_with_id(&self, id: &str) -> Vec<usize> {
        self.rule_ids
            .iter()
            .enumerate()
            .filter(|(_, r)| *r == id)
            .map(|(i, _)| i)
            .collect()
    }

    /// The id of a rule.
    pub(crate) fn rule_id(&self, rule: usize) -> Option<&str> {
        self.rule_ids.get(rule).map(String::as_str)
    }

    /// Temporal definition names a rule reads (`context.temporal`, `@due`, `@each`).
    #[cfg_attr(not(feature = "testing"), allow(dead_code))]
    pub(crate) fn rule_temporal(&self, rule: usize) -> BTreeSet<String> {
        self.rules
            .get(rule)
            .map(|r| r.temporal.clone())
            .unwrap_or_default()
    }

    /// The definition of `name` visible from the chain.
    pub(crate) fn definition_in(&self, name: &str, chain: &[usize]) -> Option<usize> {
        self.definitions
            .iter()
            .position(|d| d.name == name && chain.contains(&d.layer))
    }

    fn definition_reads(&self, di: usize) -> Reads {
        let mut out = Reads::default();
        if let Some(d) = self.definitions.get(di) {
            out.definitions.insert(di);
            out.facts.extend(d.facts.iter().cloned());
            out.kinds.extend(d.kinds.iter().cloned());
            out.months.extend(d.months.iter().copied());
            out.days.extend(d.days.iter().copied());
        }
        out
    }

    /// What the rules of a pair would like their facts to be for an allow,
    /// first wish (highest layer) first.
    pub(crate) fn desires(&self, rules: &[usize]) -> Desires {
        let mut out = Desires::default();
        for &ri in rules {
            if let Some(info) = self.rules.get(ri) {
                for (path, value) in &info.desires.facts {
                    out.facts
                        .entry(path.clone())
                        .or_insert_with(|| value.clone());
                }
                out.materials.extend(info.desires.materials.iter().cloned());
            }
        }
        out
    }

    /// The type of a fact.
    pub fn fact_type(&self, path: &str) -> Option<&FactType> {
        self.vocab.fact(path).map(|f| &f.ty)
    }
}

fn rule_info(rule: &crate::rule::Rule) -> RuleInfo {
    let mut info = RuleInfo::default();
    for read in &rule.reads {
        match read {
            Read::Temporal(name) => {
                info.temporal.insert(name.clone());
            }
            Read::Materials => info.reads_materials = true,
            Read::Fact(path) | Read::Other(path) => {
                info.facts.insert(path.clone());
            }
        }
    }
    info.temporal.extend(rule.due.iter().cloned());
    info.temporal.extend(rule.each.iter().cloned());
    let exprs: Vec<&Cond> = rule.guard.iter().chain(rule.condition.iter()).collect();
    for e in &exprs {
        literals(e, &mut info);
    }
    // What makes the rule hold: requirement conditions true, guards and
    // forbid/obligation conditions false.
    for g in &rule.guard {
        desire(g, false, &mut info.desires);
    }
    if let (Effect::Requirement, Some(c)) = (rule.effect, &rule.condition) {
        desire(c, true, &mut info.desires);
    }
    info
}

fn path_of(e: &Cond) -> Option<String> {
    match e {
        Cond::Context(path) if !path.is_empty() => Some(path.join(".")),
        _ => None,
    }
}

fn lit_strings(e: &Cond, out: &mut BTreeSet<String>) {
    match e {
        Cond::Lit(Val::Str(s)) => {
            out.insert(s.clone());
        }
        Cond::Lit(Val::Set(items)) => {
            for v in items {
                if let Val::Str(s) = v {
                    out.insert(s.clone());
                }
            }
        }
        Cond::Set(items) => items.iter().for_each(|i| lit_strings(i, out)),
        _ => {}
    }
}

fn literals(e: &Cond, info: &mut RuleInfo) {
    match e {
        Cond::Lit(Val::Long(n)) => {
            info.ints.insert(*n);
        }
        Cond::Cmp(_, a, b)
        | Cond::Contains(a, b)
        | Cond::ContainsAll(a, b)
        | Cond::ContainsAny(a, b) => {
            for (x, y) in [(a, b), (b, a)] {
                if let Some(path) = path_of(x) {
                    let entry = info.literals.entry(path).or_default();
                    if let Cond::Lit(Val::Long(n)) = y.as_ref() {
                        entry.ints.insert(*n);
                    }
                    lit_strings(y, &mut entry.strings);
                }
            }
            literals(a, info);
            literals(b, info);
        }
        Cond::And(a, b) | Cond::Or(a, b) => {
            literals(a, info);
            literals(b, info);
        }
        Cond::Not(a) | Cond::IsEmpty(a) => literals(a, info),
        Cond::If(c, t, f) => {
            literals(c, info);
            literals(t, info);
            literals(f, info);
        }
        Cond::Set(items) => items.iter().for_each(|i| literals(i, info)),
        _ => {}
    }
}

/// Records values that make `e` evaluate to `want` (first wish wins).
fn desire(e: &Cond, want: bool, out: &mut Desires) {
    let mut set = |path: String, value: FactValue| {
        if path == "materials" {
            return;
        }
        out.facts.entry(path).or_insert(value);
    };
    match e {
        Cond::Context(path) if path.first().is_some_and(|p| p != "temporal") => {
            if let Some(p) = path_of(e) {
                set(p, FactValue::Bool(want));
            }
        }
        Cond::And(a, b) | Cond::Or(a, b) => {
            desire(a, want, out);
            desire(b, want, out);
        }
        Cond::Not(a) => desire(a, !want, out),
        Cond::Cmp(op, a, b) => {
            let (path, lit, op) = match (path_of(a), path_of(b)) {
                (Some(p), None) => (p, b.as_ref(), *op),
                (None, Some(p)) => (p, a.as_ref(), flip(*op)),
                _ => return,
            };
            match (op, lit) {
                (Compare::Eq, Cond::Lit(Val::Bool(v))) if want => set(path, FactValue::Bool(*v)),
                (Compare::Eq, Cond::Lit(Val::Bool(v))) => set(path, FactValue::Bool(!v)),
                (Compare::Ne, Cond::Lit(Val::Bool(v))) if want => set(path, FactValue::Bool(!v)),
                (Compare::Ne, Cond::Lit(Val::Bool(v))) => set(path, FactValue::Bool(*v)),
                (Compare::Eq, Cond::Lit(Val::Str(s))) if want => {
                    set(path, FactValue::Str(s.clone()))
                }
                (Compare::Ne, Cond::Lit(Val::Str(s))) if !want => {
                    set(path, FactValue::Str(s.clone()))
                }
                (Compare::Eq | Compare::Ne, Cond::Lit(Val::Long(n))) => {
                    let equal = (op == Compare::Eq) == want;
                    set(path, FactValue::Int(if equal { *n } else { n + 1 }));
                }
                (_, Cond::Lit(Val::Long(n))) => {
                    let holds_at = |v: i64| match op {
                        Compare::Lt => v < *n,
                        Compare::Le => v <= *n,
                        Compare::Gt => v > *n,
                        _ => v >= *n,
                    };
                    if let Some(v) = [*n, n - 1, n + 1]
                        .into_iter()
                        .find(|&v| holds_at(v) == want)
                    {
                        set(path, FactValue::Int(v));
                    }
                }
                _ => {}
            }
        }
        Cond::Contains(a, b) | Cond::ContainsAll(a, b) | Cond::ContainsAny(a, b) if want => {
            if let Some(path) = path_of(a) {
                let mut items = BTreeSet::new();
                lit_strings(b, &mut items);
                if path == "materials" {
                    out.materials.extend(items);
                } else {
                    set(path, FactValue::List(items.into_iter().collect()));
                }
            }
        }
        Cond::Contains(a, _) | Cond::ContainsAll(a, _) | Cond::ContainsAny(a, _) => {
            if let Some(path) = path_of(a) {
                set(path, FactValue::List(Vec::new()));
            }
        }
        Cond::IsEmpty(a) => {
            if let (Some(path), true) = (path_of(a), want) {
                set(path, FactValue::List(Vec::new()));
            }
        }
        _ => {}
    }
}

fn flip(op: Compare) -> Compare {
    match op {
        Compare::Lt => Compare::Gt,
        Compare::Le => Compare::Ge,
        Compare::Gt => Compare::Lt,
        Compare::Ge => Compare::Le,
        other => other,
    }
}

/// Month and day counts written in a definition (`36 months`, `2 years`, `1 day`).
pub(crate) fn durations(source: &str) -> (BTreeSet<i64>, BTreeSet<i64>) {
    let words: Vec<&str> = source
        .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
        .filter(|w| !w.is_empty())
        .collect();
    let mut months = BTreeSet::new();
    let mut days = BTreeSet::new();
    for pair in words.windows(2) {
        let [amount, unit] = pair else { continue };
        let Ok(n) = amount.parse::<i64>() else {
            continue;
        };
        match *unit {
            "month" | "months" => {
                months.insert(n);
            }
            "year" | "years" => {
                months.insert(n.saturating_mul(12));
            }
            "day" | "days" => {
                days.insert(n);
            }
            _ => {}
        }
    }
    (months, days)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_read_from_definition_text() {
        let (m, d) = durations(
            "fact x = agreement.start + 24 months - 1 day <= agreement.end and y within 2 years before date;",
        );
        assert_eq!(m.into_iter().collect::<Vec<_>>(), vec![24]);
        assert_eq!(d.into_iter().collect::<Vec<_>>(), vec![1]);
    }

    #[test]
    fn the_hangzhou_term_rule_reads_its_definition_and_trial_months() {
        let bundle = Bundle::embedded().unwrap();
        let space = Space::new(&bundle);
        let rules = space.rules_with_id("hangzhou.agreement.term");
        let reads = space.reads(&rules, "hangzhou");
        assert!(reads.facts.contains("agreement.start"));
        assert!(reads.facts.contains("agreement.end"));
        assert!(reads.facts.contains("agreement.trial_months"));
        assert!(reads.months.contains(&24));
        assert_eq!(
            reads.literals["agreement.trial_months"].ints,
            BTreeSet::from([6])
        );
        let pair = space.pair("hangzhou", "sign_agreement").unwrap();
        assert!(pair.rules.iter().any(|r| rules.contains(r)));
        let desires = space.desires(&pair.rules);
        assert_eq!(
            desires.facts.get("agreement.written"),
            Some(&FactValue::Bool(true))
        );
    }
}
