//! `pdao doc [--out DIR] [--seeds DIR]`: the law beside the rules, as static
//! HTML (`pdao::doc`), one page per document, an index and a stylesheet.

use std::collections::BTreeMap;
use std::path::Path;

use crate::report;

/// Exit: 0 the pages are written and every rule, quote and not-encoded
/// article found its place; 1 a problem (listed), or a file could not be
/// read or written.
pub fn run(policies: Option<&Path>, out: &Path, seeds: &Path) -> u8 {
    let bundle = match crate::load(policies) {
        Ok(bundle) => bundle,
        Err(code) => return code,
    };
    let mut texts = BTreeMap::new();
    for layer in bundle.layers() {
        for document in &layer.documents {
            let Some(seed) = &document.seed else { continue };
            match std::fs::read_to_string(seeds.join(seed)) {
                Ok(text) => {
                    texts.insert(seed.clone(), text);
                }
                Err(e) => {
                    report::line(
                        &seeds.join(seed).display().to_string(),
                        "io",
                        &format!("cannot read the seed text of `{}`: {e}", document.id),
                    );
                    return 1;
                }
            }
        }
    }
    let site = pdao::doc::render(&bundle, &texts);
    if let Err(e) = std::fs::create_dir_all(out) {
        report::line(
            &out.display().to_string(),
            "io",
            &format!("cannot create the directory: {e}"),
        );
        return 1;
    }
    for page in &site.pages {
        let path = out.join(&page.file);
        if let Err(e) = std::fs::write(&path, &page.content) {
            report::line(
                &path.display().to_string(),
                "io",
                &format!("cannot write: {e}"),
            );
            return 1;
        }
    }
    let mut text = String::new();
    for document in &site.documents {
        text.push_str(&document.coverage_line());
        text.push('\n');
        if !document.without_reason.is_empty() {
            text.push_str(&format!(
                "  not encoded, no reason given: {}\n",
                document.without_reason.join(", ")
            ));
        }
    }
    text.push_str(&format!(
        "{} pages written to {}\n",
        site.pages
            .iter()
            .filter(|p| p.file.ends_with(".html"))
            .count(),
        out.display()
    ));
    crate::write_stdout(&text);
    for problem in &site.problems {
        report::line("pdao doc", "doc", problem);
    }
    u8::from(!site.problems.is_empty())
}
