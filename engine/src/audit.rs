//! Audits of a bundle against sources outside it: the rule catalog (is every
//! catalog id encoded, is every policy id in the catalog?) and the seed
//! texts (is every quote verbatim?).

use std::collections::BTreeSet;
use std::path::Path;

use crate::error::{BundleProblem, ProblemCode};
use crate::load::Bundle;

/// Catalog ids: every `### <layer>.<area>.<name>` heading.
pub fn catalog_ids(catalog: &str) -> BTreeSet<String> {
    catalog
        .lines()
        .filter_map(|line| line.strip_prefix("### "))
        .map(str::trim)
        .filter(|id| {
            let parts: Vec<&str> = id.split('.').collect();
            parts.len() == 3
                && parts.iter().all(|p| {
                    !p.is_empty()
                        && p.chars()
                            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
                })
        })
        .map(str::to_string)
        .collect()
}

/// The result of comparing a bundle with a catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogCoverage {
    /// Ids in the catalog.
    pub catalog: usize,
    /// Catalog ids that some policy encodes.
    pub encoded: usize,
    /// Catalog ids with no policy.
    pub missing: Vec<String>,
    /// Policy ids the catalog does not have.
    pub unknown: Vec<String>,
}

/// Compares the bundle's rule ids with a catalog's.
pub fn catalog_coverage(bundle: &Bundle, catalog: &str) -> CatalogCoverage {
    let ids = catalog_ids(catalog);
    let encoded: BTreeSet<&str> = bundle.rules().iter().map(|r| r.id.as_str()).collect();
    CatalogCoverage {
        catalog: ids.len(),
        encoded: ids
            .iter()
            .filter(|id| encoded.contains(id.as_str()))
            .count(),
        missing: ids
            .iter()
            .filter(|id| !encoded.contains(id.as_str()))
            .cloned()
            .collect(),
        unknown: encoded
            .iter()
            .filter(|id| !ids.contains(**id))
            .map(|id| id.to_string())
            .collect(),
    }
}

/// Removes the stray pinyin a web page left in a seed text, e.g.
/// `運營(yíng)` → `運營`: a parenthesis holding only Latin letters (with tone
/// marks) and spaces.
pub fn strip_pinyin(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('(') {
        let (before, from_open) = rest.split_at(open);
        out.push_str(before);
        let inner_end = from_open.get(1..).and_then(|s| s.find(')'));
        let is_pinyin = inner_end.is_some_and(|end| {
            let inner = from_open.get(1..=end).unwrap_or("");
            !inner.trim().is_empty()
                && inner.chars().all(|c| {
                    c == ' ' || c.is_ascii_lowercase() || "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü".contains(c)
                })
        });
        match (is_pinyin, inner_end) {
            (true, Some(end)) => rest = from_open.get(end + 2..).unwrap_or(""),
            _ => {
                out.push('(');
                rest = from_open.get(1..).unwrap_or("");
            }
        }
    }
    out.push_str(rest);
    out
}

/// Checks that every quote span of every rule citing a seed document is
/// found verbatim in that seed (`seeds_dir/<document.seed>`).
pub fn verify_quotes(bundle: &Bundle, seeds_dir: &Path) -> Vec<BundleProblem> {
    let mut problems = Vec::new();
    let mut cache: Vec<(String, Option<String>)> = Vec::new();
    for rule in bundle.rules() {
        let Some(doc) = bundle
            .layer(&rule.layer)
            .and_then(|l| l.document(&rule.document))
        else {
            continue;
        };
        let Some(seed) = &doc.seed else { continue };
        if !cache.iter().any(|(name, _)| name == seed) {
            let text = std::fs::read_to_string(seeds_dir.join(seed))
                .ok()
                .map(|t| strip_pinyin(&t));
            cache.push((seed.clone(), text));
        }
        let text = cache
            .iter()
            .find(|(name, _)| name == seed)
            .and_then(|(_, t)| t.as_ref());
        let Some(text) = text else {
            problems.push(
                BundleProblem::new(
                    ProblemCode::Quote,
                    &rule.file,
                    format!(
                        "seed text `{seed}` of document `{}` not found in {}",
                        doc.id,
                        seeds_dir.display()
                    ),
                )
                .at_line(Some(rule.line)),
            );
            continue;
        };
        for span in rule.quote.split('\n').filter(|s| !s.trim().is_empty()) {
            if !text.contains(span) {
                problems.push(
                    BundleProblem::new(
                        ProblemCode::Quote,
                        &rule.file,
                        format!(
                            "`{}`: quote is not verbatim in `{seed}`: 「{span}」",
                            rule.id
                        ),
                    )
                    .at_line(Some(rule.line)),
                );
            }
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_only_pinyin_parentheses() {
        assert_eq!(
            strip_pinyin("公共數據授權運營(yíng)管理"),
            "公共數據授權運營管理"
        );
        assert_eq!(strip_pinyin("網(wǎng)絡(luò )安全"), "網絡安全");
        assert_eq!(strip_pinyin("辦法( 試行)"), "辦法( 試行)");
        assert_eq!(strip_pinyin("a (b) c"), "a  c");
        assert_eq!(strip_pinyin("open ( only"), "open ( only");
    }

    #[test]
    fn catalog_ids_are_three_part_headings() {
        let ids =
            catalog_ids("### zhejiang.operator.mlps3\n### 6.1 Dates\n### Not encoded, and why\n");
        assert_eq!(
            ids.into_iter().collect::<Vec<_>>(),
            vec!["zhejiang.operator.mlps3"]
        );
    }
}
