//! Change impact: which rules differ between two bundles, and which
//! requests change decision, reasons or obligations because of it.
//!
//! Requests are generated from the schema and the fact vocabulary: for every
//! jurisdiction and action whose chain holds a changed rule, systematically
//! over what the changed rules read (every boolean and enum value, integer
//! literals ±1, dates shifted by the definitions' month counts, events at the
//! edges of their windows) on top of complete base requests; and randomly
//! (seeded) over every jurisdiction and action. Both bundles decide every
//! request; each change is attributed to the rules whose outcome differs and
//! illustrated by one example, shrunk by dropping facts and events while
//! the change persists.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use serde_json::{json, Value};

use crate::dates::{add_days, add_months};
use crate::decide::{Evaluation, RuleOutcome};
use crate::decision::{Decision, Verdict};
use crate::engine::Engine;
use crate::load::Bundle;
use crate::request::{Event, FactValue, Request};
use crate::vocabulary::FactType;

use super::base::base_request;
use super::changes::{candidate_values, candidates, Change};
use super::generate::{mutate, random_request};
use super::rng::Rng;
use super::space::{Reads, Space};

/// How many requests, from which seed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DiffOptions {
    /// Seed of the random requests (same seed, same report).
    pub seed: u64,
    /// Total requests (systematic ones take at most half).
    pub requests: usize,
    /// Worker threads (0: as many as the machine has).
    pub threads: usize,
}

impl Default for DiffOptions {
    fn default() -> Self {
        DiffOptions {
            seed: 0,
            requests: 50_000,
            threads: 0,
        }
    }
}

/// How a rule changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum RuleChangeKind {
    /// Only in the new bundle.
    Added,
    /// Only in the old bundle.
    Removed,
    /// In both, with different text, annotations, document window or
    /// temporal definitions.
    Modified,
}

impl RuleChangeKind {
    /// `added`, `removed`, `modified`.
    pub fn as_str(self) -> &'static str {
        match self {
            RuleChangeKind::Added => "added",
            RuleChangeKind::Removed => "removed",
            RuleChangeKind::Modified => "modified",
        }
    }
}

/// One changed rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleChange {
    /// Catalog id.
    pub id: String,
    /// Its layer.
    pub layer: String,
    /// How it changed.
    pub kind: RuleChangeKind,
    /// What changed, one line each.
    pub details: Vec<String>,
}

/// One request whose decision, reasons or obligations differ.
#[derive(Debug, Clone)]
pub struct ChangedRequest {
    /// The request.
    pub request: Request,
    /// Verdict under the old bundle.
    pub old: Verdict,
    /// Verdict under the new bundle.
    pub new: Verdict,
    /// Reason rule ids under the old bundle.
    pub old_reasons: Vec<String>,
    /// Reason rule ids under the new bundle.
    pub new_reasons: Vec<String>,
    /// Rules whose outcome differs (the group).
    pub rules: Vec<String>,
    /// Whether it came from the systematic part.
    pub systematic: bool,
}

impl ChangedRequest {
    /// Whether the verdict changed.
    pub fn decision_changed(&self) -> bool {
        self.old != self.new
    }
}

/// Changed requests attributed to the same rules.
#[derive(Debug, Clone)]
pub struct Group {
    /// Rules whose outcome differs.
    pub rules: Vec<String>,
    /// Requests in the group.
    pub requests: usize,
    /// Of which changed decision.
    pub decisions: usize,
    /// allow → deny.
    pub allow_to_deny: usize,
    /// deny → allow.
    pub deny_to_allow: usize,
    /// `jurisdiction/action` of its requests.
    pub pairs: BTreeSet<String>,
    /// A shrunk example, with both decisions.
    pub example: Option<Example>,
}

/// How many generated requests of one action (or one jurisdiction) change
/// decision: the share a reviewer weighs a change by.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Share {
    /// The action or jurisdiction.
    pub key: String,
    /// Requests generated for it.
    pub requests: usize,
    /// Of which changed decision.
    pub decisions: usize,
    /// allow → deny.
    pub allow_to_deny: usize,
    /// deny → allow.
    pub deny_to_allow: usize,
}

impl Share {
    /// `decisions / requests` as a percentage (0 when nothing was generated).
    pub fn percent(&self) -> f64 {
        if self.requests == 0 {
            0.0
        } else {
            // Counts stay far below 2^52: exact as f64.
            self.decisions as f64 * 100.0 / self.requests as f64
        }
    }

    fn to_json(&self, key: &str) -> Value {
        json!({
            key: self.key,
            "requests": self.requests,
            "decision_changes": self.decisions,
            "allow_to_deny": self.allow_to_deny,
            "deny_to_allow": self.deny_to_allow,
        })
    }
}

/// The requests generated per key (an action or a jurisdiction).
fn tally(requests: &[(Request, bool)], key: fn(&Request) -> &str) -> BTreeMap<String, Share> {
    let mut out: BTreeMap<String, Share> = BTreeMap::new();
    for (request, _) in requests {
        out.entry(key(request).to_string()).or_default().requests += 1;
    }
    out
}

/// The tally completed with the decision changes, sorted by key.
fn shares(
    mut out: BTreeMap<String, Share>,
    changed: &[ChangedRequest],
    key: fn(&Request) -> &str,
) -> Vec<Share> {
    for c in changed.iter().filter(|c| c.decision_changed()) {
        let entry = out.entry(key(&c.request).to_string()).or_default();
        entry.decisions += 1;
        match c.new {
            Verdict::Deny => entry.allow_to_deny += 1,
            Verdict::Allow => entry.deny_to_allow += 1,
        }
    }
    out.into_iter()
        .map(|(k, mut share)| {
            share.key = k;
            share
        })
        .collect()
}

/// A minimal request showing a change.
#[derive(Debug, Clone)]
pub struct Example {
    /// The shrunk request.
    pub request: Request,
    /// Its decision under the old bundle.
    pub old: Decision,
    /// Its decision under the new bundle.
    pub new: Decision,
}

/// The change impact of a new bundle.
#[derive(Debug, Clone)]
pub struct DiffReport {
    /// Changed rules.
    pub changed_rules: Vec<RuleChange>,
    /// Requests evaluated.
    pub requests: usize,
    /// Of which systematic.
    pub systematic: usize,
    /// `jurisdiction/action` pairs varied systematically.
    pub systematic_pairs: Vec<String>,
    /// Jurisdiction/action pairs drawn at random.
    pub pairs: usize,
    /// The seed.
    pub seed: u64,
    /// Every request whose decision, reasons or obligations changed, in
    /// generation order.
    pub changed: Vec<ChangedRequest>,
    /// The same, grouped by the rules whose outcome differs.
    pub groups: Vec<Group>,
    /// Requests generated and decision changes per action.
    pub by_action: Vec<Share>,
    /// Requests generated and decision changes per jurisdiction.
    pub by_jurisdiction: Vec<Share>,
}

impl DiffReport {
    /// Requests whose verdict changed.
    pub fn decision_changes(&self) -> usize {
        self.changed.iter().filter(|c| c.decision_changed()).count()
    }

    /// "1 rule changed; 412 of 50 000 requests change decision (530 change
    /// reasons or obligations)".
    pub fn summary(&self) -> String {
        let n = self.changed_rules.len();
        format!(
            "{} rule{} changed; {} of {} requests change decision ({} change reasons or obligations)",
            n,
            if n == 1 { "" } else { "s" },
            thousands(self.decision_changes()),
            thousands(self.requests),
            thousands(self.changed.len()),
        )
    }

    /// The report as one JSON document: changed rules, counts, groups with
    /// their shrunk examples (the changed requests themselves are left out).
    pub fn to_json(&self) -> Value {
        let decision = |d: &Decision| {
            json!({
                "decision": d.decision.as_str(),
                "reasons": d.reason_ids(),
                "obligations": d.obligations.iter().map(|o| json!({"rule": o.rule, "due": o.due})).collect::<Vec<_>>(),
            })
        };
        json!({
            "changed_rules": self.changed_rules.iter().map(|r| json!({
                "rule": r.id,
                "layer": r.layer,
                "change": r.kind.as_str(),
                "details": r.details,
            })).collect::<Vec<_>>(),
            "seed": self.seed,
            "requests": self.requests,
            "systematic": self.systematic,
            "systematic_pairs": self.systematic_pairs,
            "decision_changes": self.decision_changes(),
            "changes": self.changed.len(),
            "summary": self.summary(),
            "by_action": self.by_action.iter().map(|s| s.to_json("action")).collect::<Vec<_>>(),
            "by_jurisdiction": self.by_jurisdiction.iter().map(|s| s.to_json("jurisdiction")).collect::<Vec<_>>(),
            "groups": self.groups.iter().map(|g| json!({
                "rules": g.rules,
                "requests": g.requests,
                "decision_changes": g.decisions,
                "allow_to_deny": g.allow_to_deny,
                "deny_to_allow": g.deny_to_allow,
                "pairs": g.pairs,
                "example": g.example.as_ref().map(|e| json!({
                    "request": e.request.to_json(),
                    "old": decision(&e.old),
                    "new": decision(&e.new),
                })),
            })).collect::<Vec<_>>(),
        })
    }

    /// The report for people.
    pub fn render_text(&self) -> String {
        let mut out = String::new();
        if self.changed_rules.is_empty() {
            out.push_str("changed rules: none\n");
        } else {
            out.push_str(&format!("changed rules ({}):\n", self.changed_rules.len()));
            for rule in &self.changed_rules {
                out.push_str(&format!(
                    "  {:<9}{} [{}]\n",
                    rule.kind.as_str(),
                    rule.id,
                    rule.layer
                ));
                for d in &rule.details {
                    for line in d.lines() {
                        out.push_str(&format!("           {line}\n"));
                    }
                }
            }
        }
        out.push_str(&format!(
            "requests: {} ({} systematic over the facts the changed rules read{}; {} random over all {} jurisdiction/action pairs, seed {})\n\n",
            thousands(self.requests),
            thousands(self.systematic),
            if self.systematic_pairs.is_empty() {
                String::new()
            } else {
                format!(", in {}", self.systematic_pairs.join(", "))
            },
            thousands(self.requests.saturating_sub(self.systematic)),
            self.pairs,
            self.seed
        ));
        out.push_str(&self.summary());
        out.push('\n');
        for (title, shares) in [
            ("action", &self.by_action),
            ("jurisdiction", &self.by_jurisdiction),
        ] {
            out.push_str(&format!(
                "\ndecision changes by {title} (changed / generated):\n"
            ));
            for share in shares {
                let directions = if share.decisions == 0 {
                    String::new()
                } else {
                    format!(
                        "   allow → deny {}, deny → allow {}",
                        thousands(share.allow_to_deny),
                        thousands(share.deny_to_allow)
                    )
                };
                out.push_str(&format!(
                    "  {:<24}{:>7} / {:<7} {:>6.2} %{directions}\n",
                    share.key,
                    thousands(share.decisions),
                    thousands(share.requests),
                    share.percent(),
                ));
            }
        }
        for group in &self.groups {
            out.push('\n');
            out.push_str(&format!(
                "{}: {} request{} change decision (allow → deny {}, deny → allow {}), {} change reasons or obligations only — {}\n",
                group.rules.join(" + "),
                thousands(group.decisions),
                if group.decisions == 1 { "" } else { "s" },
                thousands(group.allow_to_deny),
                thousands(group.deny_to_allow),
                thousands(group.requests - group.decisions),
                group.pairs.iter().cloned().collect::<Vec<_>>().join(", ")
            ));
            if let Some(example) = &group.example {
                out.push_str(&format!(
                    "  example ({} → {}):\n    {}\n    old: {}\n    new: {}\n",
                    example.old.decision,
                    example.new.decision,
                    example.request.to_json(),
                    outcome_line(&example.old),
                    outcome_line(&example.new),
                ));
            }
        }
        out
    }
}

fn outcome_line(d: &Decision) -> String {
    let mut s = d.decision.to_string();
    if !d.reasons.is_empty() {
        s.push_str(" — ");
        s.push_str(&d.reason_ids().join(", "));
    }
    if !d.obligations.is_empty() {
        s.push_str("; obligations: ");
        s.push_str(
            &d.obligations
                .iter()
                .map(|o| match &o.due {
                    Some(due) => format!("{} (due {due})", o.rule),
                    None => o.rule.clone(),
                })
                .collect::<Vec<_>>()
                .join(", "),
        );
    }
    s
}

/// `50 000`.
pub(crate) fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

/// The rules that differ between two bundles: added or removed ids,
/// different policy text or annotations, a changed document window, and
/// rules reading a temporal definition whose source changed.
pub fn changed_rules(old: &Bundle, new: &Bundle) -> Vec<RuleChange> {
    let old_versions = versions(old);
    let new_versions = versions(new);
    let mut out: BTreeMap<String, RuleChange> = BTreeMap::new();
    let ids: BTreeSet<&String> = old_versions.keys().chain(new_versions.keys()).collect();
    for id in ids {
        match (old_versions.get(id), new_versions.get(id)) {
            (None, Some((layer, _))) => {
                out.insert(
                    id.clone(),
                    RuleChange {
                        id: id.clone(),
                        layer: layer.clone(),
                        kind: RuleChangeKind::Added,
                        details: Vec::new(),
                    },
                );
            }
            (Some((layer, _)), None) => {
                out.insert(
                    id.clone(),
                    RuleChange {
                        id: id.clone(),
                        layer: layer.clone(),
                        kind: RuleChangeKind::Removed,
                        details: Vec::new(),
                    },
                );
            }
            (Some((layer, a)), Some((_, b))) => {
                let mut details = Vec::new();
                let texts = |v: &[(String, String)]| -> Vec<String> {
                    v.iter().map(|(t, _)| t.clone()).collect()
                };
                let windows = |v: &[(String, String)]| -> Vec<String> {
                    v.iter().map(|(_, w)| w.clone()).collect()
                };
                if texts(a) != texts(b) {
                    details.push("policy text or annotations changed".to_string());
                }
                if windows(a) != windows(b) {
                    details.push(format!(
                        "document window changed: {} → {}",
                        windows(a).join(", "),
                        windows(b).join(", ")
                    ));
                }
                if !details.is_empty() {
                    out.insert(
                        id.clone(),
                        RuleChange {
                            id: id.clone(),
                            layer: layer.clone(),
                            kind: RuleChangeKind::Modified,
                            details,
                        },
                    );
                }
            }
            (None, None) => {}
        }
    }
    // Temporal definitions.
    let old_defs = definitions(old);
    let new_defs = definitions(new);
    let keys: BTreeSet<&(String, String)> = old_defs.keys().chain(new_defs.keys()).collect();
    for key in keys {
        let (a, b) = (old_defs.get(key), new_defs.get(key));
        let same = match (a, b) {
            (Some(x), Some(y)) => normalise_source(&x.1) == normalise_source(&y.1),
            _ => false,
        };
        if same {
            continue;
        }
        let (layer, name) = key;
        let file = b.or(a).map(|d| d.0.clone()).unwrap_or_default();
        let detail = match (a, b) {
            (Some(x), Some(y)) => format!(
                "temporal definition `{name}` ({file}) changed:\n  - {}\n  + {}",
                normalise_source(&x.1),
                normalise_source(&y.1)
            ),
            (None, Some(_)) => format!("temporal definition `{name}` ({file}) added"),
            _ => format!("temporal definition `{name}` ({file}) removed"),
        };
        for bundle in [old, new] {
            for rule in bundle.rules() {
                let reads_it = rule.temporal_reads().any(|n| n == name)
                    || rule.due.as_deref() == Some(name.as_str())
                    || rule.each.as_deref() == Some(name.as_str());
                let visible = bundle
                    .chain(&rule.layer)
                    .iter()
                    .any(|&l| bundle.layers.get(l).is_some_and(|x| &x.id == layer));
                if !(reads_it && visible) {
                    continue;
                }
                let entry = out.entry(rule.id.clone()).or_insert_with(|| RuleChange {
                    id: rule.id.clone(),
                    layer: rule.layer.clone(),
                    kind: RuleChangeKind::Modified,
                    details: Vec::new(),
                });
                if !entry.details.contains(&detail) {
                    entry.details.push(detail.clone());
                }
            }
        }
    }
    out.into_values().collect()
}

type Versions = BTreeMap<String, (String, Vec<(String, String)>)>;

/// id → (layer, [(policy JSON, document window)]) sorted.
fn versions(bundle: &Bundle) -> Versions {
    let mut out: Versions = BTreeMap::new();
    for rule in bundle.rules() {
        let text = rule
            .policy
            .to_json()
            .map(|v| v.to_string())
            .unwrap_or_else(|_| rule.policy.to_string());
        let window = bundle
            .layer(&rule.layer)
            .and_then(|l| l.document(&rule.document))
            .map(|d| format!("{} {}", d.id, d.window()))
            .unwrap_or_default();
        let entry = out
            .entry(rule.id.clone())
            .or_insert_with(|| (rule.layer.clone(), Vec::new()));
        entry.1.push((text, window));
        entry.1.sort();
    }
    out
}

/// (layer, name) → (file, source).
fn definitions(bundle: &Bundle) -> BTreeMap<(String, String), (String, String)> {
    bundle
        .definitions
        .iter()
        .enumerate()
        .filter_map(|(i, d)| {
            let layer = bundle
                .definition_layer
                .get(i)
                .and_then(|&l| bundle.layers.get(l))?;
            Some((
                (layer.id.clone(), d.name.clone()),
                (d.file.clone(), d.source.clone()),
            ))
        })
        .collect()
}

fn normalise_source(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Why a change impact could not be computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DiffError {
    /// A worker deciding a share of the requests panicked, so that share
    /// was not compared: a report without it would understate the impact.
    #[error("the worker deciding requests {first}–{last} panicked ({message}); no report, as those requests were not compared")]
    WorkerPanicked {
        /// Index of its first request.
        first: usize,
        /// Index of its last request.
        last: usize,
        /// The panic's message.
        message: String,
    },
}

/// Compares two bundles on generated requests.
pub fn diff(old: &Engine, new: &Engine, options: &DiffOptions) -> Result<DiffReport, DiffError> {
    let changed_rules = changed_rules(old.bundle(), new.bundle());
    let changed_ids: BTreeSet<&str> = changed_rules.iter().map(|r| r.id.as_str()).collect();
    let old_space = Space::new(old.bundle());
    let new_space = Space::new(new.bundle());
    let mut rng = Rng::new(options.seed);

    // Systematic part: per affected pair, per in-force date, per base.
    let mut units: Vec<(usize, Request, Reads)> = Vec::new();
    let mut systematic_pairs = Vec::new();
    for (pi, pair) in new_space.pairs().iter().enumerate() {
        let old_pair = old_space.pair(&pair.jurisdiction, &pair.action);
        let changed_new: Vec<usize> = pair
            .rules
            .iter()
            .copied()
            .filter(|&r| {
                new_space
                    .rule_id(r)
                    .is_some_and(|id| changed_ids.contains(id))
            })
            .collect();
        let changed_old: Vec<usize> = old_pair
            .map(|p| {
                p.rules
                    .iter()
                    .copied()
                    .filter(|&r| {
                        old_space
                            .rule_id(r)
                            .is_some_and(|id| changed_ids.contains(id))
                    })
                    .collect()
            })
            .unwrap_or_default();
        if changed_new.is_empty() && changed_old.is_empty() {
            continue;
        }
        systematic_pairs.push(format!("{}/{}", pair.jurisdiction, pair.action));
        let mut reads = new_space.reads(&changed_new, &pair.jurisdiction);
        reads.merge(&old_space.reads(&changed_old, &pair.jurisdiction));
        let mut dates: BTreeSet<NaiveDate> = BTreeSet::new();
        for &r in &changed_new {
            dates.extend(in_force_date(new.bundle(), r));
        }
        for &r in &changed_old {
            dates.extend(in_force_date(old.bundle(), r));
        }
        for date in dates.into_iter().take(2) {
            let mut bases: Vec<Request> = Vec::new();
            if let Some(b) = base_request(old, &old_space, old_pair.unwrap_or(pair), date, 800) {
                bases.push(b);
            }
            if let Some(b) = base_request(new, &new_space, pair, date, 800) {
                if !bases.contains(&b) {
                    bases.push(b);
                }
            }
            for base in bases {
                units.push((pi, base, reads.clone()));
            }
        }
    }
    let mut requests: Vec<(Request, bool)> = Vec::new();
    let systematic_budget = options.requests / 2;
    let per_unit = if units.is_empty() {
        0
    } else {
        systematic_budget / units.len()
    };
    for (_, base, reads) in &units {
        for r in systematic(&new_space, base, reads, per_unit, &mut rng) {
            requests.push((r, true));
        }
    }
    let systematic_count = requests.len();

    // Random part.
    let pairs = new_space.pairs();
    let mut unit_candidates: BTreeMap<usize, Vec<BaseCandidates>> = BTreeMap::new();
    for (pi, base, _) in &units {
        if let Some(pair) = pairs.get(*pi) {
            let cands = candidates(&new_space, &pair.reads, base);
            unit_candidates
                .entry(*pi)
                .or_default()
                .push((base.clone(), cands));
        }
    }
    let mut attempts = 0;
    while requests.len() < options.requests && attempts < options.requests * 4 {
        attempts += 1;
        let pi = rng.below(pairs.len());
        let Some(pair) = pairs.get(pi) else { continue };
        let from_base = unit_candidates
            .get(&pi)
            .filter(|_| rng.chance(60))
            .and_then(|bases| bases.get(rng.below(bases.len())));
        let request = match from_base {
            Some((base, cands)) => {
                let count = 1 + rng.below(4);
                mutate(&new_space, base, cands, &mut rng, count)
            }
            None => random_request(&new_space, pair, &mut rng),
        };
        if let Some(r) = request {
            requests.push((r, false));
        }
    }

    // Decide everything under both bundles.
    let total = requests.len();
    let deltas = evaluate_all(old, new, &requests, options.threads)?;
    let by_action = tally(&requests, Request::action);
    let by_jurisdiction = tally(&requests, Request::jurisdiction);
    let mut changed = Vec::new();
    for ((request, systematic), delta) in requests.into_iter().zip(deltas) {
        if let Some(d) = delta {
            changed.push(ChangedRequest {
                request,
                old: d.old,
                new: d.new,
                old_reasons: d.old_reasons,
                new_reasons: d.new_reasons,
                rules: d.rules,
                systematic,
            });
        }
    }
    let groups = group(old, new, &changed);
    let by_action = shares(by_action, &changed, Request::action);
    let by_jurisdiction = shares(by_jurisdiction, &changed, Request::jurisdiction);
    Ok(DiffReport {
        changed_rules,
        requests: total,
        systematic: systematic_count,
        systematic_pairs,
        pairs: pairs.len(),
        seed: options.seed,
        changed,
        groups,
        by_action,
        by_jurisdiction,
    })
}

/// A base request and the candidate changes over its pair's reads.
type BaseCandidates = (Request, Vec<Vec<Change>>);

/// A date on which the rule (version) is in force: some months into its
/// window, or its last day.
fn in_force_date(bundle: &Bundle, rule: usize) -> Option<NaiveDate> {
    let rule = bundle.rules.get(rule)?;
    let doc = bundle.layer(&rule.layer)?.document(&rule.document)?;
    let from = [Some(doc.in_force_from), rule.in_force_from]
        .into_iter()
        .flatten()
        .max()?;
    let until = [doc.in_force_until, rule.in_force_until]
        .into_iter()
        .flatten()
        .min();
    let date = add_months(from, 7);
    Some(match until {
        Some(u) if u < date => u,
        _ => date,
    })
}

enum Dim {
    /// Alternatives for one fact (`None`: leave it out); index 0 keeps the base.
    Fact(String, Vec<Option<FactValue>>),
    /// A date fact: kept, left out, or anchored on the request date or
    /// another date fact, shifted by (months, days).
    Date(String, Vec<Option<String>>, Vec<(i64, i64)>),
    /// Events of one kind: kept, none, or one more at (months back, days).
    Events(String, Vec<(i64, i64)>),
    /// Materials: kept, left out, or each alternative list.
    Materials(Vec<Option<Vec<String>>>),
}

impl Dim {
    fn size(&self) -> usize {
        match self {
            Dim::Fact(_, values) => values.len() + 1,
            Dim::Date(_, anchors, offsets) => 2 + anchors.len() * offsets.len(),
            Dim::Events(_, offsets) => 2 + offsets.len(),
            Dim::Materials(lists) => lists.len() + 1,
        }
    }

    fn apply(&self, request: &Request, choice: usize) -> Request {
        if choice == 0 {
            return request.clone();
        }
        let i = choice - 1;
        match self {
            Dim::Fact(path, values) => match values.get(i) {
                Some(v) => request.with_fact(path, v.clone()),
                None => request.clone(),
            },
            Dim::Date(path, anchors, offsets) => {
                if i == 0 {
                    return request.with_fact(path, None);
                }
                let j = i - 1;
                let (Some(anchor), Some((months, days))) = (
                    anchors.get(j / offsets.len().max(1)),
                    offsets.get(j % offsets.len().max(1)),
                ) else {
                    return request.clone();
                };
                let base = match anchor {
                    None => Some(request.date()),
                    Some(other) => match request.fact(other) {
                        Some(FactValue::Date(d)) => Some(*d),
                        _ => None,
                    },
                };
                match base {
                    Some(d) => request.with_fact(
                        path,
                        Some(FactValue::Date(add_days(add_months(d, *months), *days))),
                    ),
                    None => request.clone(),
                }
            }
            Dim::Events(kind, offsets) => {
                let mut events: Vec<Event> = request.events().to_vec();
                if i == 0 {
                    events.retain(|e| &e.kind != kind);
                } else if let Some((months, days)) = offsets.get(i - 1) {
                    events.push(Event {
                        kind: kind.clone(),
                        date: add_days(add_months(request.date(), -months), *days),
                        until: None,
                        reference: None,
                    });
                }
                request.with_events(events)
            }
            Dim::Materials(lists) => match lists.get(i) {
                Some(l) => request.with_materials(l.clone()),
                None => request.clone(),
            },
        }
    }
}

/// Up to `limit` variations of `base` over what `reads` covers: every
/// combination when they fit, else a seeded sample (the base included).
fn systematic(
    space: &Space,
    base: &Request,
    reads: &Reads,
    limit: usize,
    rng: &mut Rng,
) -> Vec<Request> {
    if limit == 0 {
        return Vec::new();
    }
    let mut dims: Vec<Dim> = Vec::new();
    let mut date_facts: Vec<&String> = Vec::new();
    for path in &reads.facts {
        match space.fact_type(path) {
            Some(FactType::String) | None => {}
            Some(FactType::Date) => date_facts.push(path),
            Some(_) => {
                let mut values: Vec<Option<FactValue>> = Vec::new();
                if base.fact(path).is_some() {
                    values.push(None);
                }
                values.extend(
                    candidate_values(space, path, reads, base)
                        .into_iter()
                        .map(Some),
                );
                dims.push(Dim::Fact(path.clone(), values));
            }
        }
    }
    // Start dates before the dates anchored on them.
    date_facts.sort_by_key(|p| (!p.ends_with("start"), (*p).clone()));
    let mut offsets = Vec::new();
    for m in std::iter::once(0).chain(reads.months.iter().flat_map(|m| [*m, -m])) {
        for d in [-1, 0, 1] {
            offsets.push((m, d));
        }
    }
    for (i, path) in date_facts.iter().enumerate() {
        let mut anchors: Vec<Option<String>> = vec![None];
        anchors.extend(date_facts.iter().take(i).map(|p| Some((*p).clone())));
        dims.push(Dim::Date((*path).clone(), anchors, offsets.clone()));
    }
    for kind in &reads.kinds {
        let mut event_offsets = Vec::new();
        for m in std::iter::once(0).chain(reads.months.iter().copied()) {
            for d in [-1, 0, 1] {
                event_offsets.push((m, d));
            }
        }
        dims.push(Dim::Events(kind.clone(), event_offsets));
    }
    if reads.reads_materials {
        let have: Vec<String> = base.materials().map(<[String]>::to_vec).unwrap_or_default();
        let mut lists: Vec<Option<Vec<String>>> = vec![None];
        for m in &reads.materials {
            lists.push(Some(have.iter().filter(|x| *x != m).cloned().collect()));
        }
        let mut all = have.clone();
        all.extend(reads.materials.iter().cloned());
        all.sort();
        all.dedup();
        lists.push(Some(all));
        dims.push(Dim::Materials(lists));
    }
    let sizes: Vec<usize> = dims.iter().map(Dim::size).collect();
    let total = sizes
        .iter()
        .try_fold(1usize, |acc, s| acc.checked_mul(*s))
        .unwrap_or(usize::MAX);
    let mut choices: Vec<Vec<usize>> = Vec::new();
    if total <= limit {
        for mut index in 0..total {
            let mut choice = Vec::with_capacity(sizes.len());
            for s in &sizes {
                choice.push(index % s);
                index /= s;
            }
            choices.push(choice);
        }
    } else {
        let mut seen = BTreeSet::new();
        seen.insert(vec![0; sizes.len()]);
        choices.push(vec![0; sizes.len()]);
        let mut attempts = 0;
        while choices.len() < limit && attempts < limit * 3 {
            attempts += 1;
            // Vary a few dimensions at a time: closer to the base, more telling.
            let mut choice = vec![0; sizes.len()];
            let varied = 1 + rng.below(3.min(sizes.len()).max(1));
            for _ in 0..varied {
                let d = rng.below(sizes.len());
                if let (Some(slot), Some(s)) = (choice.get_mut(d), sizes.get(d)) {
                    *slot = rng.below(*s);
                }
            }
            if seen.insert(choice.clone()) {
                choices.push(choice);
            }
        }
    }
    choices
        .into_iter()
        .filter_map(|choice| {
            let r = dims
                .iter()
                .zip(&choice)
                .fold(base.clone(), |r, (dim, c)| dim.apply(&r, *c));
            Request::from_json(&r.to_json(), space.vocabulary()).ok()
        })
        .collect()
}

fn signature(d: &Decision) -> (Verdict, BTreeSet<String>, BTreeSet<String>) {
    (
        d.decision,
        d.reasons.iter().map(|r| r.rule.clone()).collect(),
        d.obligations
            .iter()
            .map(|o| format!("{} {}", o.rule, o.due.as_deref().unwrap_or_default()))
            .collect(),
    )
}

fn differing_rules(a: &[RuleOutcome], b: &[RuleOutcome]) -> Vec<String> {
    let map = |o: &[RuleOutcome]| -> BTreeMap<String, (bool, bool)> {
        o.iter()
            .map(|x| (x.rule.clone(), (x.decides, x.applies)))
            .collect()
    };
    let (ma, mb) = (map(a), map(b));
    let ids: BTreeSet<&String> = ma.keys().chain(mb.keys()).collect();
    ids.into_iter()
        .filter(|id| ma.get(*id) != mb.get(*id))
        .cloned()
        .collect()
}

/// How one request's decision differs.
#[derive(Clone)]
struct Delta {
    old: Verdict,
    new: Verdict,
    old_reasons: Vec<String>,
    new_reasons: Vec<String>,
    rules: Vec<String>,
}

fn compare(old: &Evaluation, new: &Evaluation) -> Option<Delta> {
    let (a, b) = (signature(&old.decision), signature(&new.decision));
    if a == b {
        return None;
    }
    let mut rules = differing_rules(&old.outcomes, &new.outcomes);
    if rules.is_empty() {
        rules = a.1.symmetric_difference(&b.1).cloned().collect();
    }
    if rules.is_empty() {
        rules = vec!["(obligations)".into()];
    }
    Some(Delta {
        old: a.0,
        new: b.0,
        old_reasons: old
            .decision
            .reason_ids()
            .iter()
            .map(|s| s.to_string())
            .collect(),
        new_reasons: new
            .decision
            .reason_ids()
            .iter()
            .map(|s| s.to_string())
            .collect(),
        rules,
    })
}

fn evaluate_all(
    old: &Engine,
    new: &Engine,
    requests: &[(Request, bool)],
    threads: usize,
) -> Result<Vec<Option<Delta>>, DiffError> {
    map_in_parallel(requests, threads, |(r, _)| {
        compare(&old.evaluate(r), &new.evaluate(r))
    })
}

/// `f` on every item, in item order, on `threads` threads (0: as many as
/// the machine has), each taking one share of the items. A worker that
/// panics is an error: its share would otherwise be missing from the
/// report, which would then understate the impact.
fn map_in_parallel<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    f: impl Fn(&T) -> R + Sync,
) -> Result<Vec<R>, DiffError> {
    let threads = if threads == 0 {
        std::thread::available_parallelism().map_or(1, usize::from)
    } else {
        threads
    };
    let chunk = items.len().div_ceil(threads.max(1)).max(1);
    let f = &f;
    let results: Vec<(usize, usize, std::thread::Result<Vec<R>>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .enumerate()
            .map(|(i, part)| {
                let worker = scope.spawn(move || part.iter().map(f).collect::<Vec<R>>());
                (i * chunk, part.len(), worker)
            })
            .collect();
        handles
            .into_iter()
            .map(|(first, len, worker)| (first, len, worker.join()))
            .collect()
    });
    let mut out = Vec::with_capacity(items.len());
    for (first, len, result) in results {
        match result {
            Ok(part) => out.extend(part),
            Err(payload) => {
                let message = payload
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| payload.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "no message".into());
                return Err(DiffError::WorkerPanicked {
                    first,
                    last: first + len.saturating_sub(1),
                    message,
                });
            }
        }
    }
    Ok(out)
}

fn group(old: &Engine, new: &Engine, changed: &[ChangedRequest]) -> Vec<Group> {
    let mut groups: BTreeMap<Vec<String>, Group> = BTreeMap::new();
    let mut firsts: BTreeMap<Vec<String>, usize> = BTreeMap::new();
    for (i, c) in changed.iter().enumerate() {
        let g = groups.entry(c.rules.clone()).or_insert_with(|| Group {
            rules: c.rules.clone(),
            requests: 0,
            decisions: 0,
            allow_to_deny: 0,
            deny_to_allow: 0,
            pairs: BTreeSet::new(),
            example: None,
        });
        g.requests += 1;
        if c.decision_changed() {
            g.decisions += 1;
            if c.old == Verdict::Allow {
                g.allow_to_deny += 1;
            } else {
                g.deny_to_allow += 1;
            }
        }
        g.pairs.insert(format!(
            "{}/{}",
            c.request.jurisdiction(),
            c.request.action()
        ));
        // The example: the first decision change, else the first change.
        let better = match firsts.get(&c.rules).and_then(|&j| changed.get(j)) {
            None => true,
            Some(prev) => !prev.decision_changed() && c.decision_changed(),
        };
        if better {
            firsts.insert(c.rules.clone(), i);
        }
    }
    for (key, g) in groups.iter_mut() {
        if let Some(c) = firsts.get(key).and_then(|&i| changed.get(i)) {
            let request = shrink(old, new, c);
            g.example = Some(Example {
                old: old.decide(&request),
                new: new.decide(&request),
                request,
            });
        }
    }
    let mut out: Vec<Group> = groups.into_values().collect();
    out.sort_by(|a, b| {
        (b.decisions, b.requests, &a.rules).cmp(&(a.decisions, a.requests, &b.rules))
    });
    out
}

/// Drops facts, events and materials while the same rules still change
/// the same way.
fn shrink(old: &Engine, new: &Engine, c: &ChangedRequest) -> Request {
    let same = |r: &Request| {
        compare(&old.evaluate(r), &new.evaluate(r))
            .is_some_and(|x| x.rules == c.rules && x.old == c.old && x.new == c.new)
    };
    let mut current = c.request.clone();
    let paths: Vec<String> = current.facts().keys().cloned().collect();
    for path in paths {
        let fewer = current.with_fact(&path, None);
        if same(&fewer) {
            current = fewer;
        }
    }
    let mut i = 0;
    while i < current.events().len() {
        let mut events = current.events().to_vec();
        events.remove(i);
        let fewer = current.with_events(events);
        if same(&fewer) {
            current = fewer;
        } else {
            i += 1;
        }
    }
    if current.materials().is_some() {
        let none = current.with_materials(None);
        if same(&none) {
            current = none;
        } else {
            let items: Vec<String> = current
                .materials()
                .map(<[String]>::to_vec)
                .unwrap_or_default();
            for item in items {
                let fewer: Vec<String> = current
                    .materials()
                    .map(|m| m.iter().filter(|x| **x != item).cloned().collect())
                    .unwrap_or_default();
                let candidate = current.with_materials(Some(fewer));
                if same(&candidate) {
                    current = candidate;
                }
            }
        }
    }
    current
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_share_of_the_work_comes_back_in_order() {
        let items: Vec<usize> = (0..10).collect();
        for threads in [1, 2, 3, 4, 16] {
            let doubled = map_in_parallel(&items, threads, |x| x * 2).unwrap();
            assert_eq!(doubled, (0..10).map(|x| x * 2).collect::<Vec<_>>());
        }
        assert!(map_in_parallel(&[] as &[usize], 2, |x| *x)
            .unwrap()
            .is_empty());
    }

    #[test]
    fn a_panicking_worker_is_an_error_not_a_missing_share() {
        let items: Vec<usize> = (0..10).collect();
        // Three workers: 0–3, 4–7, 8–9.
        let err = map_in_parallel(&items, 3, |&x| {
            if x == 6 {
                panic!("request {x} broke");
            }
            x
        })
        .unwrap_err();
        assert_eq!(
            err,
            DiffError::WorkerPanicked {
                first: 4,
                last: 7,
                message: "request 6 broke".into()
            }
        );
        assert!(err.to_string().contains("requests 4–7 panicked"), "{err}");
    }
}
