//! Layers (`jurisdiction.toml`): each layer's parent and documents with the
//! dates they are in force. A request is decided against its chain — the
//! layer and its ancestors, highest first — which the loader computes once
//! (`load::layers`).

use chrono::NaiveDate;
use serde::Deserialize;

use crate::dates::format_date;

/// A regulation of one layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// The id policies cite in `@document`.
    pub id: String,
    /// Full title.
    pub title: String,
    /// Official number, when the text gives one (may be empty).
    pub number: String,
    /// Issuing body.
    pub issuer: String,
    /// First day in force.
    pub in_force_from: NaiveDate,
    /// Last day in force (inclusive), if it expires.
    pub in_force_until: Option<NaiveDate>,
    /// Seed text file the quotes come from; `None` outside the seeds.
    pub seed: Option<String>,
    /// Language of the quotes.
    pub lang: String,
    /// Whether its being in force covers the layers below (`chain`) or
    /// only requests of its own layer (`self`).
    pub covers_chain: bool,
    /// How its seed text is numbered (`[documents.text]`), for `pdao doc`.
    pub text: Option<TextLayout>,
}

/// How a seed text numbers its articles (`[documents.text]`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TextLayout {
    /// The numbering scheme.
    pub numbering: TextNumbering,
    /// The text of the regulation starts at the first occurrence of this
    /// (before it: title, notice, preamble).
    #[serde(default)]
    pub starts: Option<String>,
    /// The regulation ends before the first occurrence of this after its
    /// start (from it on: remains of the web page).
    #[serde(default)]
    pub ends: Option<String>,
    /// An unnumbered closing paragraph starts here (entry into force, the
    /// "higher rules prevail" clause): unit `closing`.
    #[serde(default)]
    pub closing: Option<String>,
    /// For `numbering = "units"`: every unit, in text order.
    #[serde(default)]
    pub units: Vec<ListedUnit>,
}

/// A numbering scheme of a seed text (see [`crate::articles`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TextNumbering {
    /// `一、` / `(一)` / `1.`.
    Outline,
    /// `第一章` / `第一條` / `(一)`, paragraphs as `第N款`.
    Articles,
    /// Listed unit by unit.
    Units,
}

/// One unit of a text numbered `units`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListedUnit {
    /// How citations name it (`III(4)3(5)`).
    pub id: String,
    /// The number as the text shows it.
    pub label: String,
    /// 1 for the top level.
    pub level: usize,
    /// The text it starts with (found after the unit before it).
    pub starts: String,
}

/// Articles of a document that no rule encodes, and why (`[[not_encoded]]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotEncoded {
    /// The document (an id of this layer).
    pub document: String,
    /// The articles, as citations name them (`二(一)–(四)`, `第十条`).
    pub articles: Vec<String>,
    /// Why no rule encodes them.
    pub reason: String,
    /// Rules of higher layers these articles repeat (restatements encoded
    /// once, higher up).
    pub repeats: Vec<String>,
}

/// A rule of this layer that is stricter than rules of a higher layer on
/// the same subject (`[[tightens]]`), for the index of `pdao doc`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tightening {
    /// The rule of this layer.
    pub rule: String,
    /// The rules of higher layers it tightens.
    pub higher: Vec<String>,
    /// How, in a sentence.
    pub how: String,
}

impl Document {
    /// Whether the document is in force on `date`.
    pub fn in_force_on(&self, date: NaiveDate) -> bool {
        self.in_force_from <= date && self.in_force_until.is_none_or(|until| date <= until)
    }

    /// How the decision cites it: the number, or the title when there is none.
    pub fn citation(&self) -> &str {
        if self.number.is_empty() {
            &self.title
        } else {
            &self.number
        }
    }

    /// "in force from 2025-05-01 to 2028-04-30" / "in force from 2023-09-01".
    pub fn window(&self) -> String {
        match self.in_force_until {
            Some(until) => format!(
                "in force from {} to {}",
                format_date(self.in_force_from),
                format_date(until)
            ),
            None => format!("in force from {}", format_date(self.in_force_from)),
        }
    }
}

/// One layer of the bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layer {
    /// Layer id (`hangzhou`), also a request jurisdiction.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Parent layer id; `None` for the top layer.
    pub parent: Option<String>,
    /// Its documents.
    pub documents: Vec<Document>,
    /// Articles of its documents that no rule encodes, with the reason.
    pub not_encoded: Vec<NotEncoded>,
    /// Its rules that tighten rules of higher layers.
    pub tightens: Vec<Tightening>,
}

impl Layer {
    /// The document with this id.
    pub fn document(&self, id: &str) -> Option<&Document> {
        self.documents.iter().find(|d| d.id == id)
    }
}
