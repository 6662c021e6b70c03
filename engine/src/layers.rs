//! Layers (`jurisdiction.toml`): each layer's parent and documents with the
//! dates they are in force. A request is decided against its chain — the
//! layer and its ancestors, highest first — which the loader computes once
//! (`load::layers`).

use chrono::NaiveDate;

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
}

impl Layer {
    /// The document with this id.
    pub fn document(&self, id: &str) -> Option<&Document> {
        self.documents.iter().find(|d| d.id == id)
    }
}
