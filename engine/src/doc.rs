//! `pdao doc`: the law beside the rules. One static HTML page per document
//! of the bundle: the seed text article by article, in its own language,
//! and beside each article the rules that encode it (id, effect, actions,
//! the Cedar policy, the temporal definitions it reads, the reading note),
//! or the reason it is not encoded (`[[not_encoded]]` of the layer's
//! `jurisdiction.toml`); a coverage line per document; an index across
//! layers showing where a lower rule repeats or tightens a higher one.
//! Documents outside the seeds (national laws) are rendered with their
//! rules, article by article, without a text.
//!
//! Every rule appears exactly once, beside the first article it cites that
//! the text has; every quote span is highlighted (`<mark>`) where it stands
//! in the text, preferably inside the articles the rule cites.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use crate::articles::{cited_units, outline, Outline, Unit};
use crate::audit::strip_pinyin;
use crate::layers::{Document, Layer};
use crate::load::Bundle;
use crate::rule::Rule;

/// The pages of the site and what they found.
#[derive(Debug, Clone)]
pub struct Site {
    /// Every page: `index.html`, `style.css`, one `<document>.html` each,
    /// and `links.json` (rule id → the page and anchor of each version's
    /// card).
    pub pages: Vec<Page>,
    /// Coverage and rules per document, in layer order.
    pub documents: Vec<DocumentReport>,
    /// What could not be placed: citations naming no article of the text,
    /// quotes not found, texts that could not be split. Empty for a sound
    /// bundle.
    pub problems: Vec<String>,
}

/// One file of the site.
#[derive(Debug, Clone)]
pub struct Page {
    /// File name (`zhejiang-2023-44.html`).
    pub file: String,
    /// Its contents.
    pub content: String,
}

/// One document's figures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentReport {
    /// Layer id.
    pub layer: String,
    /// Document id.
    pub document: String,
    /// Its title.
    pub title: String,
    /// Page file name.
    pub page: String,
    /// Whether its text is in the seeds (coverage is counted only then).
    pub has_text: bool,
    /// Rules (policy versions) citing it.
    pub rules: usize,
    /// Articles counted (numbered units that are provisions, headings
    /// aside).
    pub articles: usize,
    /// Articles a rule encodes.
    pub encoded: usize,
    /// Articles not encoded, with a reason.
    pub with_reason: usize,
    /// Articles not encoded and with no reason: the ids.
    pub without_reason: Vec<String>,
}

impl DocumentReport {
    /// `zhejiang-2023-44: 58 articles — 40 encoded, 18 not encoded with a
    /// reason, 0 not encoded without a reason (41 rules)`.
    pub fn coverage_line(&self) -> String {
        if !self.has_text {
            return format!(
                "{}: outside the seeds, no text — {} rule(s) by article",
                self.document, self.rules
            );
        }
        format!(
            "{}: {} articles — {} encoded, {} not encoded with a reason, {} not encoded without a reason ({} rules)",
            self.document,
            self.articles,
            self.encoded,
            self.with_reason,
            self.without_reason.len(),
            self.rules
        )
    }
}

/// The page of a document.
pub fn page_name(document: &str) -> String {
    format!("{document}.html")
}

/// The anchor of a rule's card (its first version; later versions add
/// `--2`, `--3`).
pub fn rule_anchor(rule: &str) -> String {
    format!("rule-{rule}")
}

/// The anchor of an article.
pub fn article_anchor(article: &str) -> String {
    format!("art-{}", article.replace(' ', "_"))
}

/// Renders the site. `seeds` maps a seed file name (`document.seed`) to its
/// text; a seeded document whose text is missing is a problem.
pub fn render(bundle: &Bundle, seeds: &BTreeMap<String, String>) -> Site {
    let mut site = Site {
        pages: vec![Page {
            file: "style.css".into(),
            content: STYLE.into(),
        }],
        documents: Vec::new(),
        problems: Vec::new(),
    };
    let anchors = RuleAnchors::new(bundle);
    for layer in bundle.layers() {
        for document in &layer.documents {
            let rules: Vec<&Rule> = bundle
                .rules()
                .iter()
                .filter(|r| r.layer == layer.id && r.document == document.id)
                .collect();
            let text = document.seed.as_ref().map(|seed| seeds.get(seed));
            let (content, report) = match text {
                Some(Some(text)) => seeded_page(
                    bundle,
                    layer,
                    document,
                    &rules,
                    text,
                    &anchors,
                    &mut site.problems,
                ),
                Some(None) => {
                    site.problems.push(format!(
                        "{}: the seed text `{}` was not given",
                        document.id,
                        document.seed.as_deref().unwrap_or("")
                    ));
                    continue;
                }
                None => unseeded_page(bundle, layer, document, &rules, &anchors),
            };
            site.pages.push(Page {
                file: page_name(&document.id),
                content,
            });
            site.documents.push(report);
        }
    }
    // Where each rule's card is, for pages that link citations to it (the
    // reviewers' page): rule id → [{article, href}], one per version.
    let mut links: BTreeMap<&str, Vec<serde_json::Value>> = BTreeMap::new();
    for rule in bundle.rules() {
        let (page, anchor) = anchors.of(bundle, rule);
        links
            .entry(rule.id.as_str())
            .or_default()
            .push(serde_json::json!({
                "article": rule.article,
                "href": format!("{page}#{anchor}"),
            }));
    }
    site.pages.push(Page {
        file: "links.json".into(),
        content: format!(
            "{}\n",
            serde_json::to_string_pretty(&links).unwrap_or_else(|_| "{}".into())
        ),
    });
    let index = index_page(bundle, &site.documents, &anchors);
    site.pages.insert(
        0,
        Page {
            file: "index.html".into(),
            content: index,
        },
    );
    site
}

/// Where each rule version's card is: page and anchor.
struct RuleAnchors {
    /// (rule index in the bundle) → (page, anchor).
    by_index: Vec<(String, String)>,
}

impl RuleAnchors {
    fn new(bundle: &Bundle) -> RuleAnchors {
        let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
        let by_index = bundle
            .rules()
            .iter()
            .map(|rule| {
                let n = seen.entry(rule.id.as_str()).or_insert(0);
                *n += 1;
                let anchor = if *n == 1 {
                    rule_anchor(&rule.id)
                } else {
                    format!("{}--{n}", rule_anchor(&rule.id))
                };
                (page_name(&rule.document), anchor)
            })
            .collect();
        RuleAnchors { by_index }
    }

    fn of(&self, bundle: &Bundle, rule: &Rule) -> (String, String) {
        bundle
            .rules()
            .iter()
            .position(|r| std::ptr::eq(r, rule))
            .and_then(|i| self.by_index.get(i).cloned())
            .unwrap_or_else(|| (page_name(&rule.document), rule_anchor(&rule.id)))
    }

    /// A link to the first version of the rule with this id.
    fn link(&self, bundle: &Bundle, id: &str) -> String {
        match bundle.rules().iter().find(|r| r.id == id) {
            Some(rule) => {
                let (page, anchor) = self.of(bundle, rule);
                format!(
                    "<a class=\"rule-link\" href=\"{}#{}\">{}</a>",
                    attr(&page),
                    attr(&anchor),
                    html(id)
                )
            }
            None => format!("<code>{}</code>", html(id)),
        }
    }
}

/// A unit found for a citation, or the reason it was not.
fn resolve<'o>(outline: &'o Outline, id: &str) -> Option<&'o Unit> {
    if let Some(unit) = outline.unit(id) {
        return Some(unit);
    }
    // A paragraph or opening of a unit that is not split is the unit.
    for suffix in [" opening"] {
        if let Some(base) = id.strip_suffix(suffix) {
            return outline.unit(base);
        }
    }
    if let Some((base, _)) = id.split_once('¶') {
        return outline.unit(base);
    }
    None
}

/// How a counted article stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Encoded,
    Reason,
    NoReason,
}

#[allow(clippy::too_many_arguments)]
fn seeded_page(
    bundle: &Bundle,
    layer: &Layer,
    document: &Document,
    rules: &[&Rule],
    raw: &str,
    anchors: &RuleAnchors,
    problems: &mut Vec<String>,
) -> (String, DocumentReport) {
    let text = strip_pinyin(raw);
    let mut report = DocumentReport {
        layer: layer.id.clone(),
        document: document.id.clone(),
        title: document.title.clone(),
        page: page_name(&document.id),
        has_text: true,
        rules: rules.len(),
        articles: 0,
        encoded: 0,
        with_reason: 0,
        without_reason: Vec::new(),
    };
    let Some(layout) = &document.text else {
        problems.push(format!(
            "{}: no `[documents.text]` in {}/jurisdiction.toml: the text cannot be split into articles",
            document.id, layer.id
        ));
        return (String::new(), report);
    };
    let outline = match outline(&text, layout) {
        Ok(outline) => outline,
        Err(e) => {
            problems.push(format!("{}: {e}", document.id));
            return (String::new(), report);
        }
    };

    // Where each rule goes, what it cites, where its quotes are.
    let mut placed: BTreeMap<String, Vec<&Rule>> = BTreeMap::new();
    let mut cites: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    let mut marks: Vec<(usize, usize, String)> = Vec::new();
    for (n, rule) in rules.iter().enumerate() {
        let units: Vec<&Unit> = cited_units(&rule.article)
            .iter()
            .filter_map(|id| {
                let unit = resolve(&outline, id);
                if unit.is_none() {
                    problems.push(format!(
                        "{}: `{}` cites `{}` ({}), which is not an article of the text",
                        document.id, rule.id, id, rule.article
                    ));
                }
                unit
            })
            .collect();
        let Some(first) = units.first() else {
            continue;
        };
        placed.entry(first.id.clone()).or_default().push(rule);
        cites.insert(n, units.iter().map(|u| u.id.clone()).collect());
        for span in rule.quote.split('\n').filter(|s| !s.trim().is_empty()) {
            let inside = units.iter().find_map(|u| {
                let (start, end) = u.range()?;
                text.get(start..end)
                    .and_then(|t| t.find(span))
                    .map(|o| o + start)
            });
            match inside.or_else(|| text.find(span)) {
                Some(start) => marks.push((start, start + span.len(), rule.id.clone())),
                None => problems.push(format!(
                    "{}: a quote of `{}` is not in the text: 「{span}」",
                    document.id, rule.id
                )),
            }
        }
    }
    // Not-encoded entries by unit.
    let mut reasons: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    let entries: Vec<_> = layer
        .not_encoded
        .iter()
        .filter(|e| e.document == document.id)
        .collect();
    for (i, entry) in entries.iter().enumerate() {
        for citation in &entry.articles {
            for id in cited_units(citation) {
                match resolve(&outline, &id) {
                    Some(unit) => reasons.entry(unit.id.clone()).or_default().push(i),
                    None => problems.push(format!(
                        "{}: `[[not_encoded]]` names `{id}` ({citation}), which is not an article of the text",
                        document.id
                    )),
                }
            }
        }
    }

    // Status of every counted unit.
    let cited_ids: BTreeSet<&String> = cites.values().flatten().collect();
    let mut status: BTreeMap<String, Status> = BTreeMap::new();
    for unit in outline.all_units() {
        if !unit.counted {
            continue;
        }
        let range = unit.range();
        let quoted = range.is_some_and(|(s, e)| marks.iter().any(|(ms, me, _)| *ms < e && s < *me));
        let cited = unit.walk().iter().any(|u| cited_ids.contains(&u.id));
        let reasoned = outline
            .ancestry(&unit.id)
            .iter()
            .any(|id| reasons.contains_key(id));
        let s = if quoted || cited {
            Status::Encoded
        } else if reasoned {
            Status::Reason
        } else {
            Status::NoReason
        };
        report.articles += 1;
        match s {
            Status::Encoded => report.encoded += 1,
            Status::Reason => report.with_reason += 1,
            Status::NoReason => report.without_reason.push(unit.id.clone()),
        }
        status.insert(unit.id.clone(), s);
    }

    // The page.
    let mut body = String::new();
    header(&mut body, layer, document, &report);
    if !outline.front.is_empty() {
        body.push_str("<details class=\"front\"><summary>Before the articles (title, notice, preamble)</summary>\n");
        for para in &outline.front {
            let _ = writeln!(
                body,
                "<p>{}</p>",
                marked(&text, para.start, para.end(), &marks)
            );
        }
        body.push_str("</details>\n");
    }
    let ctx = UnitContext {
        bundle,
        text: &text,
        marks: &marks,
        placed: &placed,
        cites: &cites,
        rules,
        reasons: &reasons,
        entries: &entries,
        status: &status,
        anchors,
        outline: &outline,
    };
    for unit in &outline.units {
        ctx.unit(&mut body, unit);
    }
    if !outline.back.is_empty() {
        body.push_str("<details class=\"back\"><summary>After the text (not part of the regulation)</summary>\n");
        for para in &outline.back {
            let _ = writeln!(body, "<p>{}</p>", html(&para.text));
        }
        body.push_str("</details>\n");
    }
    (page(&document.title, &document.lang, &body), report)
}

struct UnitContext<'a> {
    bundle: &'a Bundle,
    text: &'a str,
    marks: &'a [(usize, usize, String)],
    placed: &'a BTreeMap<String, Vec<&'a Rule>>,
    cites: &'a BTreeMap<usize, Vec<String>>,
    rules: &'a [&'a Rule],
    reasons: &'a BTreeMap<String, Vec<usize>>,
    entries: &'a [&'a crate::layers::NotEncoded],
    status: &'a BTreeMap<String, Status>,
    anchors: &'a RuleAnchors,
    outline: &'a Outline,
}

impl UnitContext<'_> {
    fn unit(&self, out: &mut String, unit: &Unit) {
        let status = self.status.get(&unit.id).copied();
        let status_name = match status {
            Some(Status::Encoded) => "encoded",
            Some(Status::Reason) => "reason",
            Some(Status::NoReason) => "none",
            None => "uncounted",
        };
        let _ = writeln!(
            out,
            "<section class=\"unit level-{}\" id=\"{}\" data-article=\"{}\" data-status=\"{status_name}\">",
            unit.level.min(5),
            attr(&article_anchor(&unit.id)),
            attr(&unit.id)
        );
        out.push_str("<div class=\"row\"><div class=\"text\">");
        let _ = write!(
            out,
            "<a class=\"article-id\" href=\"#{}\">{}</a>",
            attr(&article_anchor(&unit.id)),
            html(&unit.id)
        );
        if let Some(title) = &unit.title {
            let _ = write!(out, "<h2>{} {}</h2>", html(&unit.label), html(title));
        }
        for para in &unit.paragraphs {
            let _ = write!(
                out,
                "<p>{}</p>",
                marked(self.text, para.start, para.end(), self.marks)
            );
        }
        out.push_str("</div><aside class=\"beside\">");
        match status {
            Some(Status::Encoded) => out.push_str("<span class=\"status encoded\">encoded</span>"),
            Some(Status::Reason) => {
                out.push_str("<span class=\"status reason\">not encoded</span>")
            }
            Some(Status::NoReason) => {
                out.push_str("<span class=\"status none\">not encoded — no reason given</span>")
            }
            None => {}
        }
        if let Some(rules) = self.placed.get(&unit.id) {
            for rule in rules {
                self.card(out, rule);
            }
        }
        // Rules placed elsewhere that also cite this article.
        for (n, ids) in self.cites {
            if ids.first() != Some(&unit.id) && ids.contains(&unit.id) {
                if let Some(rule) = self.rules.get(*n) {
                    let _ = write!(
                        out,
                        "<p class=\"also\">Also cited by {}</p>",
                        self.anchors.link(self.bundle, &rule.id)
                    );
                }
            }
        }
        if let Some(entries) = self.reasons.get(&unit.id) {
            for i in entries {
                if let Some(entry) = self.entries.get(*i) {
                    let _ =
                        write!(
                        out,
                        "<div class=\"not-encoded\" data-articles=\"{}\"><b>Not encoded{}:</b> {}",
                        attr(&entry.articles.join(", ")),
                        if status == Some(Status::Encoded) { " (in part)" } else { "" },
                        html(&entry.reason)
                    );
                    if !entry.repeats.is_empty() {
                        out.push_str(" <span class=\"repeats\">Repeats: ");
                        let links: Vec<String> = entry
                            .repeats
                            .iter()
                            .map(|id| self.anchors.link(self.bundle, id))
                            .collect();
                        out.push_str(&links.join(", "));
                        out.push_str("</span>");
                    }
                    out.push_str("</div>");
                }
            }
        }
        out.push_str("</aside></div>\n");
        for child in &unit.children {
            self.unit(out, child);
        }
        out.push_str("</section>\n");
        let _ = self.outline;
    }

    fn card(&self, out: &mut String, rule: &Rule) {
        let n = self.rules.iter().position(|r| std::ptr::eq(*r, rule));
        let cited: Vec<String> = n
            .and_then(|n| self.cites.get(&n))
            .map(|ids| ids.iter().map(|id| article_anchor(id)).collect())
            .unwrap_or_default();
        rule_card(out, self.bundle, rule, self.anchors, &cited.join(" "));
    }
}

/// A rule's card: id, effect, actions, citation, quote, Cedar policy,
/// temporal definitions, note.
fn rule_card(out: &mut String, bundle: &Bundle, rule: &Rule, anchors: &RuleAnchors, cites: &str) {
    let (_, anchor) = anchors.of(bundle, rule);
    let _ = write!(
        out,
        "<article class=\"rule {}\" id=\"{}\" data-rule=\"{}\" data-cites=\"{}\">",
        rule.effect.as_str(),
        attr(&anchor),
        attr(&rule.id),
        attr(cites)
    );
    let _ = write!(
        out,
        "<header><a class=\"rule-id\" href=\"#{}\">{}</a> <span class=\"effect {0}\">{}</span></header>",
        attr(&anchor),
        html(&rule.id),
        rule.effect.as_str()
    );
    let actions = match &rule.actions {
        Some(actions) => actions.join(", "),
        None => "every action".into(),
    };
    let _ = write!(
        out,
        "<dl><dt>actions</dt><dd class=\"actions\">{}</dd><dt>article</dt><dd class=\"article\">{}</dd>",
        html(&actions),
        html(&rule.article)
    );
    let window = match (rule.in_force_from, rule.in_force_until) {
        (Some(from), Some(until)) => Some(format!("{from} to {until}")),
        (Some(from), None) => Some(format!("from {from}")),
        (None, Some(until)) => Some(format!("until {until}")),
        (None, None) => None,
    };
    if let Some(window) = window {
        let _ = write!(out, "<dt>in force</dt><dd>{}</dd>", html(&window));
    }
    if let Some(obligation) = &rule.obligation {
        let _ = write!(out, "<dt>obligation</dt><dd>{}</dd>", html(obligation));
    }
    if let Some(target) = &rule.overrides {
        let _ = write!(
            out,
            "<dt>overrides</dt><dd>{}</dd>",
            anchors.link(bundle, target)
        );
    }
    if let Some(source) = &rule.outside_seeds {
        let _ = write!(out, "<dt>source</dt><dd>{}</dd>", html(source));
    }
    out.push_str("</dl>");
    let _ = write!(
        out,
        "<blockquote class=\"quote\">{}</blockquote>",
        rule.quote
            .split('\n')
            .map(html)
            .collect::<Vec<_>>()
            .join("<br>")
    );
    if let Some(note) = &rule.note {
        let _ = write!(out, "<p class=\"note\"><b>Reading:</b> {}</p>", html(note));
    }
    let _ = write!(
        out,
        "<details class=\"cedar\"><summary>Cedar policy ({}:{})</summary><pre><code>{}</code></pre></details>",
        html(&rule.file),
        rule.line,
        html(&policy_text(bundle, rule))
    );
    let mut names: Vec<&str> = rule.temporal_reads().collect();
    names.extend(rule.due.as_deref());
    names.extend(rule.each.as_deref());
    names.sort_unstable();
    names.dedup();
    if !names.is_empty() {
        out.push_str("<div class=\"temporal\"><b>Temporal definitions it reads:</b>");
        for name in names {
            // The definition of the rule's chain (a name is unique there).
            let chain: Vec<&str> = chain_ids(bundle, &rule.layer);
            let def = bundle
                .definitions()
                .iter()
                .zip(bundle.definition_layer.iter())
                .find(|(d, li)| {
                    d.name == name
                        && bundle
                            .layers()
                            .get(**li)
                            .is_some_and(|l| chain.contains(&l.id.as_str()))
                })
                .map(|(d, _)| d);
            match def {
                Some(def) => {
                    let _ = write!(
                        out,
                        "<div class=\"definition\" data-name=\"{}\">{}<pre><code>{}</code></pre><span class=\"where\">{}:{}</span></div>",
                        attr(name),
                        if def.doc.is_empty() {
                            String::new()
                        } else {
                            format!("<p class=\"doc\">{}</p>", html(&def.doc))
                        },
                        html(&def.source),
                        html(&def.file),
                        def.line
                    );
                }
                None => {
                    let _ = write!(
                        out,
                        "<div class=\"definition\"><code>{}</code></div>",
                        html(name)
                    );
                }
            }
        }
        out.push_str("</div>");
    }
    out.push_str("</article>");
}

fn chain_ids<'b>(bundle: &'b Bundle, layer: &str) -> Vec<&'b str> {
    bundle
        .chain(layer)
        .iter()
        .filter_map(|&i| bundle.layers().get(i).map(|l| l.id.as_str()))
        .collect()
}

/// The policy as written in its file: from its first line to the line
/// before the next policy of the file, trailing comments and blank lines
/// dropped.
fn policy_text(bundle: &Bundle, rule: &Rule) -> String {
    let Some((_, text)) = bundle.files().iter().find(|(p, _)| *p == rule.file) else {
        return rule.policy.to_string();
    };
    let next = bundle
        .rules()
        .iter()
        .filter(|r| r.file == rule.file && r.line > rule.line)
        .map(|r| r.line)
        .min();
    let lines: Vec<&str> = text.lines().collect();
    let from = rule.line.saturating_sub(1);
    let to = next
        .map_or(lines.len(), |n| n.saturating_sub(1))
        .min(lines.len());
    let mut slice: Vec<&str> = lines
        .get(from..to)
        .map(<[&str]>::to_vec)
        .unwrap_or_default();
    while slice
        .last()
        .is_some_and(|l| l.trim().is_empty() || l.trim_start().starts_with("//"))
    {
        slice.pop();
    }
    slice.join("\n")
}

/// `text[from..to]` with the quoted spans wrapped in `<mark>`.
fn marked(text: &str, from: usize, to: usize, marks: &[(usize, usize, String)]) -> String {
    let mut cuts: BTreeSet<usize> = BTreeSet::from([from, to]);
    for (s, e, _) in marks {
        if *s < to && from < *e {
            cuts.insert((*s).max(from));
            cuts.insert((*e).min(to));
        }
    }
    let cuts: Vec<usize> = cuts.into_iter().collect();
    let mut out = String::new();
    for pair in cuts.windows(2) {
        let [a, b] = pair else { continue };
        let Some(piece) = text.get(*a..*b) else {
            continue;
        };
        let mut rules: Vec<&str> = marks
            .iter()
            .filter(|(s, e, _)| s <= a && b <= e)
            .map(|(_, _, r)| r.as_str())
            .collect();
        rules.sort_unstable();
        rules.dedup();
        if rules.is_empty() {
            out.push_str(&html(piece));
        } else {
            let _ = write!(
                out,
                "<mark data-rules=\"{}\" title=\"{}\">{}</mark>",
                attr(&rules.join(" ")),
                attr(&rules.join(", ")),
                html(piece)
            );
        }
    }
    out
}

fn header(out: &mut String, layer: &Layer, document: &Document, report: &DocumentReport) {
    let _ = write!(
        out,
        "<nav><a href=\"index.html\">All documents</a></nav><header class=\"document\"><h1>{}</h1><p class=\"meta\">{}{} · {} · layer <b>{}</b> ({}) · {}</p>",
        html(&document.title),
        html(&document.number),
        if document.number.is_empty() { "" } else { " · " },
        html(&document.issuer),
        html(&layer.id),
        html(&layer.name),
        html(&document.window())
    );
    let _ = write!(
        out,
        "<p class=\"coverage\" data-articles=\"{}\" data-encoded=\"{}\" data-reason=\"{}\" data-none=\"{}\" data-rules=\"{}\">{}</p>",
        report.articles,
        report.encoded,
        report.with_reason,
        report.without_reason.len(),
        report.rules,
        html(&report.coverage_line())
    );
    if !report.without_reason.is_empty() {
        let _ = write!(
            out,
            "<p class=\"warning\">Not encoded and no reason given: {}</p>",
            report
                .without_reason
                .iter()
                .map(|id| format!(
                    "<a href=\"#{}\">{}</a>",
                    attr(&article_anchor(id)),
                    html(id)
                ))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    out.push_str("</header>\n");
}

/// A document outside the seeds: its rules grouped by the article they
/// cite, and its `[[not_encoded]]` entries.
fn unseeded_page(
    bundle: &Bundle,
    layer: &Layer,
    document: &Document,
    rules: &[&Rule],
    anchors: &RuleAnchors,
) -> (String, DocumentReport) {
    let report = DocumentReport {
        layer: layer.id.clone(),
        document: document.id.clone(),
        title: document.title.clone(),
        page: page_name(&document.id),
        has_text: false,
        rules: rules.len(),
        articles: 0,
        encoded: 0,
        with_reason: 0,
        without_reason: Vec::new(),
    };
    let mut body = String::new();
    header(&mut body, layer, document, &report);
    body.push_str("<p class=\"outside\">Outside the seeds: the text is not in the repository. Each rule quotes the article it encodes; the quotes are to be checked against the official publication.</p>\n");
    let mut by_article: BTreeMap<String, Vec<&Rule>> = BTreeMap::new();
    for rule in rules {
        let first = cited_units(&rule.article)
            .into_iter()
            .next()
            .unwrap_or_else(|| rule.article.clone());
        by_article.entry(first).or_default().push(rule);
    }
    for (article, rules) in &by_article {
        let _ = writeln!(
            body,
            "<section class=\"unit level-2\" id=\"{}\" data-article=\"{}\" data-status=\"uncounted\"><div class=\"row\"><div class=\"text\"><a class=\"article-id\" href=\"#{0}\">{}</a><p class=\"no-text\">(text outside the seeds)</p></div><aside class=\"beside\">",
            attr(&article_anchor(article)),
            attr(article),
            html(article)
        );
        for rule in rules {
            let cites = cited_units(&rule.article)
                .iter()
                .map(|id| article_anchor(id))
                .collect::<Vec<_>>()
                .join(" ");
            rule_card(&mut body, bundle, rule, anchors, &cites);
        }
        body.push_str("</aside></div></section>\n");
    }
    let entries: Vec<_> = layer
        .not_encoded
        .iter()
        .filter(|e| e.document == document.id)
        .collect();
    if !entries.is_empty() {
        body.push_str("<h2>Not encoded, and why</h2>\n");
        for entry in entries {
            let _ = writeln!(
                body,
                "<div class=\"not-encoded\" data-articles=\"{}\"><b>{}:</b> {}</div>",
                attr(&entry.articles.join(", ")),
                html(&entry.articles.join(", ")),
                html(&entry.reason)
            );
        }
    }
    (page(&document.title, "zh-Hans", &body), report)
}

fn index_page(bundle: &Bundle, reports: &[DocumentReport], anchors: &RuleAnchors) -> String {
    let mut body = String::from(
        "<header class=\"document\"><h1>The law beside the rules</h1><p class=\"meta\">Every document of the bundle, article by article, with the rules that encode it. Generated by <code>pdao doc</code>.</p></header>\n",
    );
    for layer in bundle.layers() {
        let _ = write!(
            body,
            "<section class=\"layer\" data-layer=\"{}\"><h2>{} <small>{}{}</small></h2>",
            attr(&layer.id),
            html(&layer.name),
            html(&layer.id),
            layer
                .parent
                .as_ref()
                .map(|p| format!(" — below {p}"))
                .unwrap_or_default()
        );
        let documents: Vec<&DocumentReport> =
            reports.iter().filter(|r| r.layer == layer.id).collect();
        if documents.is_empty() {
            body.push_str("<p class=\"empty\">No document in the seeds: the layer is consulted and reported as empty.</p>");
        }
        body.push_str("<ul class=\"documents\">");
        for report in documents {
            let _ = write!(
                body,
                "<li><a class=\"document-link\" href=\"{}\">{}</a> <span class=\"coverage\">{}</span></li>",
                attr(&report.page),
                html(&report.title),
                html(&report.coverage_line())
            );
        }
        body.push_str("</ul></section>\n");
    }
    body.push_str("<section class=\"across\"><h2>Across layers: where a lower rule tightens or repeats a higher one</h2><table><thead><tr><th>lower layer</th><th>rule or articles</th><th></th><th>higher rule(s)</th><th>how</th></tr></thead><tbody>");
    for layer in bundle.layers() {
        for t in &layer.tightens {
            let higher: Vec<String> = t.higher.iter().map(|id| anchors.link(bundle, id)).collect();
            let _ = write!(
                body,
                "<tr class=\"tightens\"><td>{}</td><td>{}</td><td>tightens</td><td>{}</td><td>{}</td></tr>",
                html(&layer.id),
                anchors.link(bundle, &t.rule),
                higher.join("<br>"),
                html(&t.how)
            );
        }
        for entry in layer.not_encoded.iter().filter(|e| !e.repeats.is_empty()) {
            let higher: Vec<String> = entry
                .repeats
                .iter()
                .map(|id| anchors.link(bundle, id))
                .collect();
            let articles: Vec<String> = entry
                .articles
                .iter()
                .map(|a| {
                    let first = cited_units(a)
                        .into_iter()
                        .next()
                        .unwrap_or_else(|| a.clone());
                    format!(
                        "<a href=\"{}#{}\">{}</a>",
                        attr(&page_name(&entry.document)),
                        attr(&article_anchor(&first)),
                        html(a)
                    )
                })
                .collect();
            let _ = write!(
                body,
                "<tr class=\"repeats\"><td>{}</td><td>{}</td><td>repeats</td><td>{}</td><td>Encoded once, in the higher layer.</td></tr>",
                html(&layer.id),
                articles.join(", "),
                higher.join("<br>")
            );
        }
    }
    body.push_str("</tbody></table></section>\n");
    page("pdao — the law beside the rules", "en", &body)
}

fn page(title: &str, lang: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<link rel=\"icon\" href=\"data:,\">\n<link rel=\"stylesheet\" href=\"style.css\">\n</head>\n<body>\n{body}</body>\n</html>\n",
        attr(if lang.is_empty() { "zh" } else { lang }),
        html(title)
    )
}

/// Text for an HTML element.
fn html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Text for an HTML attribute value in double quotes.
fn attr(text: &str) -> String {
    html(text).replace('"', "&quot;")
}

const STYLE: &str = r#"body { font-family: system-ui, "Noto Sans CJK SC", "WenQuanYi Zen Hei", sans-serif; margin: 0 auto; max-width: 1400px; padding: 1rem 2rem; color: #1d2330; background: #fbfbf8; }
nav a { color: #2b5d9b; }
header.document h1 { font-size: 1.6rem; margin: .4rem 0; }
.meta { color: #555; }
.coverage { font-weight: 600; }
.warning { color: #a40000; }
.unit { border-top: 1px solid #e2e2dc; }
.unit .unit { margin-left: 1.2rem; }
.row { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 1.5rem; padding: .4rem 0; }
.text p { margin: .3rem 0; line-height: 1.7; }
.text h2 { font-size: 1.2rem; margin: .3rem 0; }
.article-id { font-size: .75rem; color: #777; text-decoration: none; font-family: ui-monospace, monospace; }
mark { background: #ffe58a; padding: 0 .1em; }
.beside { font-size: .9rem; }
.status { display: inline-block; font-size: .75rem; border-radius: 3px; padding: 0 .4em; margin-bottom: .3rem; }
.status.encoded { background: #d7f0d9; color: #1e5b27; }
.status.reason { background: #ececec; color: #444; }
.status.none { background: #ffd7d7; color: #8a0000; }
article.rule { border: 1px solid #cdd5e0; border-left: 4px solid #2b5d9b; background: #fff; border-radius: 4px; padding: .5rem .7rem; margin: .4rem 0; }
article.rule.forbid { border-left-color: #b3261e; }
article.rule.obligation { border-left-color: #8a6d00; }
article.rule:target { box-shadow: 0 0 0 3px #ffd54f; }
.rule-id { font-family: ui-monospace, monospace; font-weight: 700; color: #1d2330; }
.effect { font-size: .75rem; text-transform: uppercase; letter-spacing: .05em; margin-left: .4rem; color: #555; }
dl { display: grid; grid-template-columns: auto 1fr; gap: .1rem .6rem; margin: .4rem 0; }
dt { color: #777; }
dd { margin: 0; }
blockquote.quote { margin: .3rem 0; padding-left: .6rem; border-left: 3px solid #ffe58a; }
pre { background: #f3f4f6; padding: .4rem; overflow-x: auto; font-size: .8rem; white-space: pre-wrap; }
.not-encoded { background: #f1f1ee; border-radius: 4px; padding: .4rem .6rem; margin: .4rem 0; }
.also { color: #555; margin: .2rem 0; }
.definition .doc { margin: .2rem 0; color: #444; }
.where { font-size: .75rem; color: #777; }
table { border-collapse: collapse; width: 100%; }
td, th { border-bottom: 1px solid #e2e2dc; padding: .3rem .5rem; text-align: left; vertical-align: top; }
details.front, details.back { color: #666; margin: .6rem 0; }
"#;
