//! `pdao test --format junit`: the golden cases as JUnit XML, the format CI
//! systems read to show tests one by one: one `<testsuite>` per layer, one
//! `<testcase>` per case file with a `<failure>` listing every mismatch,
//! and, when coverage is asked, a `rule coverage` suite with one test per
//! layer that fails while a rule is never seen deciding or holding.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::coverage::{CaseReport, SuiteReport};

impl SuiteReport {
    /// The report as a JUnit XML document (see the module documentation).
    pub fn to_junit(&self, coverage: bool) -> String {
        let mut layers: BTreeMap<&str, Vec<&CaseReport>> = BTreeMap::new();
        for case in &self.cases {
            layers.entry(case.layer.as_str()).or_default().push(case);
        }
        let mut suites = String::new();
        let mut tests = 0;
        let mut failures = 0;
        let mut total_time = 0.0;
        for (layer, cases) in &layers {
            let failed = cases.iter().filter(|c| !c.passed()).count();
            let time: f64 = cases.iter().map(|c| c.duration.as_secs_f64()).sum();
            tests += cases.len();
            failures += failed;
            total_time += time;
            let _ = writeln!(
                suites,
                r#"  <testsuite name="{}" tests="{}" failures="{failed}" errors="0" skipped="0" time="{time:.6}">"#,
                escape(layer),
                cases.len()
            );
            for case in cases {
                let _ = write!(
                    suites,
                    r#"    <testcase name="{}" classname="pdao.{}" file="{}" time="{:.6}""#,
                    escape(&case.name),
                    escape(layer),
                    escape(&case.file.display().to_string()),
                    case.duration.as_secs_f64()
                );
                if case.passed() {
                    suites.push_str("/>\n");
                } else {
                    let _ = writeln!(
                        suites,
                        ">\n      <failure message=\"{}\" type=\"golden case\">{}</failure>\n    </testcase>",
                        escape(case.failures.first().map_or("", String::as_str)),
                        escape(&case.failures.join("\n"))
                    );
                }
            }
            suites.push_str("  </testsuite>\n");
        }
        if coverage {
            let layers = self.coverage.layers();
            let missing = self.coverage.not_exercised();
            let failed = layers
                .iter()
                .filter(|l| missing.iter().any(|(r, _)| r.layer == l.layer))
                .count();
            tests += layers.len();
            failures += failed;
            let _ = writeln!(
                suites,
                r#"  <testsuite name="rule coverage" tests="{}" failures="{failed}" errors="0" skipped="0" time="0">"#,
                layers.len()
            );
            for layer in &layers {
                let _ = write!(
                    suites,
                    r#"    <testcase name="{}: every rule seen deciding and holding ({} rules, deciding {}/{}, holding {}/{})" classname="pdao.coverage""#,
                    escape(&layer.layer),
                    layer.rules,
                    layer.deciding,
                    layer.rules,
                    layer.holding,
                    layer.with_holding_side
                );
                let gaps: Vec<String> = missing
                    .iter()
                    .filter(|(r, _)| r.layer == layer.layer)
                    .map(|(r, side)| format!("{}: never {side}", r.id))
                    .collect();
                if gaps.is_empty() {
                    suites.push_str("/>\n");
                } else {
                    let _ = writeln!(
                        suites,
                        ">\n      <failure message=\"{} rule side(s) never exercised\" type=\"coverage\">{}</failure>\n    </testcase>",
                        gaps.len(),
                        escape(&gaps.join("\n"))
                    );
                }
            }
            suites.push_str("  </testsuite>\n");
        }
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"pdao test\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" time=\"{total_time:.6}\">\n{suites}</testsuites>\n"
        )
    }
}

/// Text for an XML attribute or element: the five special characters
/// escaped, characters XML 1.0 cannot hold (most control characters)
/// replaced by U+FFFD.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\t' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn special_characters_are_escaped() {
        assert_eq!(
            escape("a<b & \"c\" 'd'>\n\u{1}"),
            "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;&#10;\u{FFFD}"
        );
    }
}
