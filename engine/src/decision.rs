//! The decision of the contract. Field order is the contract's, so the JSON
//! is byte-identical for the same request and bundle. `cleared` and
//! `layer_report` are additions the contract allows. With the `openapi`
//! feature the types also describe themselves as OpenAPI schemas.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::rule::Effect;

/// `allow` or `deny`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Every requirement held, no forbid fired, nothing was missing.
    Allow,
    /// Anything else.
    Deny,
}

impl Verdict {
    /// `allow` or `deny`, as in the decision JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Allow => "allow",
            Verdict::Deny => "deny",
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What kind of rule a reason is: a rule's effect, or one of the engine's
/// own reasons.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum ReasonEffect {
    /// A requirement not met (or not shown to hold).
    Requirement,
    /// A prohibition that applies (or cannot be ruled out).
    Forbid,
    /// An obligation that cannot be determined.
    Obligation,
    /// `pdao.coverage`: no regulation of the chain is in force.
    Coverage,
    /// `pdao.evaluation_error`: the engine could not evaluate.
    Error,
}

impl ReasonEffect {
    /// The word in the decision JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            ReasonEffect::Requirement => "requirement",
            ReasonEffect::Forbid => "forbid",
            ReasonEffect::Obligation => "obligation",
            ReasonEffect::Coverage => "coverage",
            ReasonEffect::Error => "error",
        }
    }
}

impl From<Effect> for ReasonEffect {
    fn from(effect: Effect) -> Self {
        match effect {
            Effect::Requirement => ReasonEffect::Requirement,
            Effect::Forbid => ReasonEffect::Forbid,
            Effect::Obligation => ReasonEffect::Obligation,
        }
    }
}

impl fmt::Display for ReasonEffect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<&str> for ReasonEffect {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// How a layer of the chain stood on the request date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum LayerStatus {
    /// At least one of its documents is in force.
    InForce,
    /// It has documents, none of them in force.
    NotInForce,
    /// It has no documents.
    Empty,
}

impl LayerStatus {
    /// The word in the decision JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            LayerStatus::InForce => "in_force",
            LayerStatus::NotInForce => "not_in_force",
            LayerStatus::Empty => "empty",
        }
    }
}

impl fmt::Display for LayerStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<&str> for LayerStatus {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// Where a rule comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// Document number (or title, when it has none).
    pub document: String,
    /// Document title.
    pub title: String,
    /// Article in the document's numbering.
    pub article: String,
    /// Verbatim quote.
    pub quote: String,
    /// For rules outside the seeds: the source and its status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outside_seeds: Option<String>,
}

/// One deciding rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Reason {
    /// Catalog id (`pdao.coverage` when no regulation covers the request).
    pub rule: String,
    /// `requirement`, `forbid`, `obligation`, `coverage` or `error`.
    pub effect: ReasonEffect,
    /// Layer of the rule.
    pub layer: String,
    /// Citation.
    pub source: Source,
    /// Which facts and events made it so.
    pub explanation: String,
    /// Facts this rule needed and the request lacked.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing: Vec<String>,
}

/// A rule displaced by a higher layer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Overridden {
    /// The displaced rule.
    pub rule: String,
    /// The rule that displaced it.
    pub by: String,
    /// Layer of the displaced rule.
    pub layer: String,
}

/// A duty the decision attaches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Obligation {
    /// Catalog id.
    pub rule: String,
    /// Layer of the rule.
    pub layer: String,
    /// What must be done.
    pub description: String,
    /// Deadline (inclusive), where the law gives a number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<String>,
    /// Citation.
    pub source: Source,
    /// Why it attaches (the event or fact).
    pub explanation: String,
}

/// How one layer of the chain stood on the request date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LayerReport {
    /// Layer id.
    pub layer: String,
    /// `in_force`, `not_in_force` (documents exist, none in force) or `empty` (no documents).
    pub status: LayerStatus,
    /// Documents in force on the date.
    pub documents: Vec<String>,
    /// Rules of the layer in force on the date.
    pub rules_in_force: usize,
    /// A sentence for people.
    pub note: String,
}

/// The decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Decision {
    /// The verdict.
    pub decision: Verdict,
    /// Echo of the request.
    pub jurisdiction: String,
    /// Echo of the request.
    pub date: String,
    /// Echo of the request.
    pub action: String,
    /// Layers consulted, highest first.
    pub layers: Vec<String>,
    /// Every rule that denied.
    pub reasons: Vec<Reason>,
    /// Requirements that were checked and held.
    pub satisfied: Vec<String>,
    /// Rules displaced by a higher layer.
    pub overridden: Vec<Overridden>,
    /// Duties attached.
    pub obligations: Vec<Obligation>,
    /// Facts the request lacked that a rule needed.
    pub missing: Vec<String>,
    /// Content hash of the bundle.
    pub policy_version: String,
    /// Forbids that were checked and did not fire.
    #[serde(default)]
    pub cleared: Vec<String>,
    /// Each consulted layer's state on the date.
    #[serde(default)]
    pub layer_report: Vec<LayerReport>,
}

impl Decision {
    /// Whether the verdict is allow.
    pub fn is_allow(&self) -> bool {
        self.decision == Verdict::Allow
    }

    /// The decision as pretty JSON (deterministic).
    #[inline]
    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }

    /// The rule ids of the reasons.
    pub fn reason_ids(&self) -> Vec<&str> {
        self.reasons.iter().map(|r| r.rule.as_str()).collect()
    }
}
