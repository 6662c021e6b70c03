//! A regulation's text, article by article: the seed text split into its
//! numbered units as the document numbers them, so that rules can be shown
//! beside the article they cite and coverage counted per article.
//!
//! Three numberings occur in the seeds (`[documents.text] numbering` in
//! `jurisdiction.toml`):
//! - `outline`: `一、` chapters, `(一)` sections, `1.` items — ids `三`,
//!   `三(二)`, `三(二)4` (Zhejiang, Zhoushan, Quanzhou);
//! - `articles`: `第一章` chapters, `第一條` articles, `(一)` items and
//!   paragraphs (款) — ids `第十三条`, `第十三条(一)`, `第二十四条第三款`
//!   (Zhaoqing; `條` and `条` are one character here);
//! - `units`: every unit listed with its id, level and the text it starts
//!   with — for a text whose own numbering cannot be trusted (the Japanese
//!   machine translation of the Hangzhou plan renumbers at random).
//!
//! A unit without numbered sub-units and with several paragraphs is split
//! into one unit per paragraph (`五(二)¶2`, or `第二十四条第三款` in the
//! `articles` numbering). A unit with sub-units keeps the paragraphs before
//! them: the first (its heading or lead-in) is shown, not counted; any
//! further ones form an `opening` unit (`三 opening`), which is.

use crate::layers::{TextLayout, TextNumbering};

/// A paragraph of the text: its words and where they start in the text
/// (byte offset).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paragraph {
    /// The paragraph as it stands (trimmed).
    pub text: String,
    /// Byte offset of `text` in the whole text.
    pub start: usize,
}

impl Paragraph {
    /// Byte offset just after the paragraph.
    pub fn end(&self) -> usize {
        self.start + self.text.len()
    }
}

/// A numbered unit of a regulation: a chapter, an article, an item or a
/// paragraph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    /// How citations name it: `三(二)4`, `第二十四条第三款`, `III(4)3(5)`.
    pub id: String,
    /// The number as the text shows it: `三、`, `(二)`, `4.`, `第三款`.
    pub label: String,
    /// 1 for chapters; deeper units count on.
    pub level: usize,
    /// The paragraphs before the first sub-unit (for a chapter, without
    /// its title).
    pub paragraphs: Vec<Paragraph>,
    /// A chapter's title, from its numbering line.
    pub title: Option<String>,
    /// Sub-units.
    pub children: Vec<Unit>,
    /// Whether coverage counts it: units without sub-units, and `opening`
    /// units.
    pub counted: bool,
}

impl Unit {
    fn new(id: String, label: String, level: usize) -> Unit {
        Unit {
            id,
            label,
            level,
            paragraphs: Vec::new(),
            title: None,
            children: Vec::new(),
            counted: false,
        }
    }

    /// Byte range of the unit's whole text (its paragraphs and sub-units).
    pub fn range(&self) -> Option<(usize, usize)> {
        let mut range: Option<(usize, usize)> = None;
        let mut widen = |start: usize, end: usize| {
            range = Some(match range {
                Some((s, e)) => (s.min(start), e.max(end)),
                None => (start, end),
            });
        };
        for p in &self.paragraphs {
            widen(p.start, p.end());
        }
        for child in &self.children {
            if let Some((s, e)) = child.range() {
                widen(s, e);
            }
        }
        range
    }

    /// This unit and every unit below it, depth first.
    pub fn walk(&self) -> Vec<&Unit> {
        let mut all = vec![self];
        for child in &self.children {
            all.extend(child.walk());
        }
        all
    }
}

/// A whole text: what comes before the first unit, the units, what comes
/// after the last.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outline {
    /// Title, notice and preamble before the first unit.
    pub front: Vec<Paragraph>,
    /// The top-level units (chapters), and last, when the layout names
    /// one, the unnumbered closing paragraphs as unit `closing`.
    pub units: Vec<Unit>,
    /// Text after the regulation (web-page remains), not part of it.
    pub back: Vec<Paragraph>,
}

impl Outline {
    /// Every unit, depth first.
    pub fn all_units(&self) -> Vec<&Unit> {
        self.units.iter().flat_map(Unit::walk).collect()
    }

    /// The unit with this id.
    pub fn unit(&self, id: &str) -> Option<&Unit> {
        self.all_units().into_iter().find(|u| u.id == id)
    }

    /// Ids of the unit and of every unit above it, innermost first.
    pub fn ancestry(&self, id: &str) -> Vec<String> {
        fn path<'u>(units: &'u [Unit], id: &str, trail: &mut Vec<&'u Unit>) -> bool {
            for unit in units {
                trail.push(unit);
                if unit.id == id || path(&unit.children, id, trail) {
                    return true;
                }
                trail.pop();
            }
            false
        }
        let mut trail = Vec::new();
        if path(&self.units, id, &mut trail) {
            trail.iter().rev().map(|u| u.id.clone()).collect()
        } else {
            Vec::new()
        }
    }
}

/// A text that cannot be split as its layout says.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct OutlineError {
    /// What is wrong.
    pub message: String,
}

/// Splits `text` into its units following `layout`.
pub fn outline(text: &str, layout: &TextLayout) -> Result<Outline, OutlineError> {
    let start = match &layout.starts {
        Some(marker) => text.find(marker.as_str()).ok_or_else(|| OutlineError {
            message: format!("the text has no `{marker}` (`starts`)"),
        })?,
        None => 0,
    };
    let end = match &layout.ends {
        Some(marker) => text
            .get(start..)
            .and_then(|t| t.find(marker.as_str()))
            .map(|o| o + start)
            .ok_or_else(|| OutlineError {
                message: format!("the text has no `{marker}` (`ends`) after its start"),
            })?,
        None => text.len(),
    };
    let closing_at = match &layout.closing {
        Some(marker) => Some(
            text.get(start..end)
                .and_then(|t| t.find(marker.as_str()))
                .map(|o| o + start)
                .ok_or_else(|| OutlineError {
                    message: format!("the text has no `{marker}` (`closing`)"),
                })?,
        ),
        None => None,
    };
    let body_end = closing_at.unwrap_or(end);
    let front = paragraphs(text, 0, start);
    let closing = closing_at.map_or_else(Vec::new, |c| paragraphs(text, c, end));
    let back = paragraphs(text, end, text.len());
    let mut units = match layout.numbering {
        TextNumbering::Outline | TextNumbering::Articles => {
            numbered(text, start, body_end, layout.numbering)
        }
        TextNumbering::Units => listed(text, start, body_end, layout)?,
    };
    if !closing.is_empty() {
        let mut unit = Unit::new("closing".into(), String::new(), 1);
        unit.paragraphs = closing;
        units.push(unit);
    }
    for unit in &mut units {
        finish(unit, layout.numbering);
    }
    Ok(Outline { front, units, back })
}

/// The non-empty lines of `text[from..to]`, trimmed, as paragraphs.
fn paragraphs(text: &str, from: usize, to: usize) -> Vec<Paragraph> {
    let mut out = Vec::new();
    let Some(slice) = text.get(from..to) else {
        return out;
    };
    let mut offset = from;
    for line in slice.split_inclusive('\n') {
        let trimmed_start = line.len() - line.trim_start().len();
        let body = line.trim();
        if !body.is_empty() {
            out.push(Paragraph {
                text: body.to_string(),
                start: offset + trimmed_start,
            });
        }
        offset += line.len();
    }
    out
}

const NUMERALS: &str = "〇一二三四五六七八九十百";

/// A marker at the start of a line: (level, id part, label, length).
fn marker(line: &str, numbering: TextNumbering) -> Option<(usize, String, String, usize)> {
    let numeral_run = |s: &str| -> usize {
        s.char_indices()
            .find(|(_, c)| !NUMERALS.contains(*c))
            .map_or(s.len(), |(i, _)| i)
    };
    // (一) with ASCII or full-width parentheses.
    let paren = |s: &str| -> Option<(String, usize)> {
        let open = if s.starts_with('(') {
            1
        } else if s.starts_with('\u{FF08}') {
            '\u{FF08}'.len_utf8()
        } else {
            return None;
        };
        let rest = s.get(open..)?;
        let n = numeral_run(rest);
        if n == 0 {
            return None;
        }
        let after = rest.get(n..)?;
        let close = if after.starts_with(')') {
            1
        } else if after.starts_with('\u{FF09}') {
            '\u{FF09}'.len_utf8()
        } else {
            return None;
        };
        Some((rest.get(..n)?.to_string(), open + n + close))
    };
    match numbering {
        TextNumbering::Outline => {
            let n = numeral_run(line);
            if n > 0 && line.get(n..)?.starts_with('、') {
                let numeral = line.get(..n)?.to_string();
                return Some((
                    1,
                    numeral.clone(),
                    format!("{numeral}、"),
                    n + '、'.len_utf8(),
                ));
            }
            if let Some((numeral, len)) = paren(line) {
                return Some((2, format!("({numeral})"), format!("({numeral})"), len));
            }
            let digits = line.find(|c: char| !c.is_ascii_digit()).unwrap_or(0);
            if digits > 0 {
                let rest = line.get(digits..)?;
                for dot in ['.', '.', '、'] {
                    if rest.starts_with(dot) {
                        let number = line.get(..digits)?.to_string();
                        return Some((
                            3,
                            number.clone(),
                            format!("{number}{dot}"),
                            digits + dot.len_utf8(),
                        ));
                    }
                }
            }
            None
        }
        TextNumbering::Articles => {
            let Some(rest) = line.strip_prefix('第') else {
                return paren(line).map(|(numeral, len)| {
                    (3, format!("({numeral})"), format!("({numeral})"), len)
                });
            };
            let n = numeral_run(rest);
            if n == 0 {
                return paren(line).map(|(numeral, len)| {
                    (3, format!("({numeral})"), format!("({numeral})"), len)
                });
            }
            let numeral = rest.get(..n)?;
            let after = rest.get(n..)?;
            let head = '第'.len_utf8() + n;
            if after.starts_with('章') {
                let label = format!("第{numeral}章");
                Some((1, label.clone(), label, head + '章'.len_utf8()))
            } else if after.starts_with('條') || after.starts_with('条') {
                Some((
                    2,
                    format!("第{numeral}条"),
                    format!("第{numeral}條"),
                    head + '條'.len_utf8(),
                ))
            } else {
                None
            }
        }
        TextNumbering::Units => None,
    }
}

/// Closes the open units of `level` and deeper, each into its parent (or
/// the roots).
fn close_to(stack: &mut Vec<Unit>, roots: &mut Vec<Unit>, level: usize) {
    while stack.last().is_some_and(|u| u.level >= level) {
        if let Some(unit) = stack.pop() {
            match stack.last_mut() {
                Some(parent) => parent.children.push(unit),
                None => roots.push(unit),
            }
        }
    }
}

/// Units from the numbering markers at the start of lines.
fn numbered(text: &str, from: usize, to: usize, numbering: TextNumbering) -> Vec<Unit> {
    let mut roots: Vec<Unit> = Vec::new();
    // The open units, outermost first.
    let mut stack: Vec<Unit> = Vec::new();
    for para in paragraphs(text, from, to) {
        match marker(&para.text, numbering) {
            Some((level, part, label, len)) => {
                close_to(&mut stack, &mut roots, level);
                // Chapters of the `articles` numbering are not part of the
                // ids (`第十三条`, not `第二章第十三条`).
                let parent_id = stack
                    .iter()
                    .rev()
                    .find(|u| !(numbering == TextNumbering::Articles && u.level == 1))
                    .map(|u| u.id.clone())
                    .unwrap_or_default();
                let id = format!("{parent_id}{part}");
                let mut unit = Unit::new(id, label, level);
                let rest = para.text.get(len..).unwrap_or("").trim();
                if level == 1 {
                    unit.title = Some(rest.to_string());
                } else {
                    // The numbering line, number included, is the unit's
                    // first paragraph.
                    unit.paragraphs.push(para);
                }
                stack.push(unit);
            }
            None => {
                if let Some(unit) = stack.last_mut() {
                    unit.paragraphs.push(para);
                }
            }
        }
    }
    close_to(&mut stack, &mut roots, 0);
    roots
}

/// Units listed one by one (`numbering = "units"`): each starts where its
/// `starts` text is found, after the previous one.
fn listed(
    text: &str,
    from: usize,
    to: usize,
    layout: &TextLayout,
) -> Result<Vec<Unit>, OutlineError> {
    let mut positions = Vec::new();
    let mut cursor = from;
    for listed in &layout.units {
        let found = text
            .get(cursor..to)
            .and_then(|t| t.find(listed.starts.as_str()))
            .map(|o| o + cursor)
            .ok_or_else(|| OutlineError {
                message: format!(
                    "unit `{}`: `{}` is not found after the unit before it",
                    listed.id, listed.starts
                ),
            })?;
        positions.push(found);
        cursor = found + listed.starts.len();
    }
    let mut roots: Vec<Unit> = Vec::new();
    let mut stack: Vec<Unit> = Vec::new();
    for (i, listed) in layout.units.iter().enumerate() {
        let start = positions.get(i).copied().unwrap_or(to);
        let end = positions.get(i + 1).copied().unwrap_or(to);
        if listed.level == 0 || listed.level > stack.len() + 1 {
            return Err(OutlineError {
                message: format!(
                    "unit `{}`: level {} does not follow level {}",
                    listed.id,
                    listed.level,
                    stack.last().map_or(0, |u| u.level)
                ),
            });
        }
        close_to(&mut stack, &mut roots, listed.level);
        let mut unit = Unit::new(listed.id.clone(), listed.label.clone(), listed.level);
        let own = paragraphs(text, start, end);
        unit.paragraphs = own;
        stack.push(unit);
    }
    close_to(&mut stack, &mut roots, 0);
    Ok(roots)
}

/// Splits multi-paragraph leaves into paragraph units, adds `opening`
/// units, and marks what coverage counts.
fn finish(unit: &mut Unit, numbering: TextNumbering) {
    for child in &mut unit.children {
        finish(child, numbering);
    }
    // A chapter's title is its own field, except in listed units, where
    // the numbering line is the first paragraph.
    let heading = (unit.level > 1 || unit.title.is_none())
        && (unit.paragraphs.len() >= 2 || !unit.children.is_empty())
        && unit
            .paragraphs
            .first()
            .is_some_and(|p| is_heading(&p.text, &unit.label));
    if unit.children.is_empty() {
        if unit.paragraphs.len() >= 2 {
            let paragraphs = std::mem::take(&mut unit.paragraphs);
            for (i, para) in paragraphs.into_iter().enumerate() {
                let n = i + 1;
                let (id, label) = match numbering {
                    TextNumbering::Articles => {
                        let k = chinese_numeral(n);
                        (format!("{}第{k}款", unit.id), format!("第{k}款"))
                    }
                    _ => (format!("{}¶{n}", unit.id), format!("¶{n}")),
                };
                let mut part = Unit::new(id, label, unit.level + 1);
                part.paragraphs.push(para);
                part.counted = !(n == 1 && heading);
                unit.children.push(part);
            }
        } else {
            unit.counted = !unit.paragraphs.is_empty() || unit.title.is_some();
        }
        return;
    }
    // Paragraphs before the sub-units: a titled chapter's are all opening
    // text; otherwise the first is a heading or lead-in when it reads as one.
    let skip = usize::from(heading);
    if unit.paragraphs.len() > skip {
        let opening: Vec<Paragraph> = unit.paragraphs.split_off(skip);
        let mut part = Unit::new(
            format!("{} opening", unit.id),
            "opening".into(),
            unit.level + 1,
        );
        part.paragraphs = opening;
        part.counted = true;
        unit.children.insert(0, part);
    }
}

/// A heading or lead-in rather than a provision: after its number, at most
/// 40 characters with no full stop before the end (`(二)技術安全要求。`),
/// or a lead-in ending with a colon (`…包括:`).
fn is_heading(text: &str, label: &str) -> bool {
    let body = text.strip_prefix(label).unwrap_or(text).trim();
    let body_no_end = body.trim_end_matches(['。', '.']);
    body.ends_with([':', ':']) || (body.chars().count() <= 40 && !body_no_end.contains(['。', '.']))
}

/// 1 → 一, 10 → 十, 12 → 十二, 24 → 二十四 (up to 99).
pub fn chinese_numeral(n: usize) -> String {
    const DIGITS: [&str; 10] = ["〇", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    let digit = |d: usize| DIGITS.get(d).copied().unwrap_or("");
    match n {
        0..=9 => digit(n).to_string(),
        10..=19 => format!("十{}", if n == 10 { "" } else { digit(n - 10) }),
        _ => format!(
            "{}十{}",
            digit(n / 10 % 10),
            if n % 10 == 0 { "" } else { digit(n % 10) }
        ),
    }
}

/// Chinese ordinal words of citations: 一 → 1 … 九十九 → 99.
fn chinese_value(text: &str) -> Option<usize> {
    let value = |c: char| "〇一二三四五六七八九".find(c).map(|i| i / '一'.len_utf8());
    let chars: Vec<char> = text.chars().collect();
    match chars.as_slice() {
        ['十'] => Some(10),
        [d] => value(*d),
        ['十', d] => value(*d).map(|v| 10 + v),
        [t, '十'] => value(*t).map(|v| v * 10),
        [t, '十', d] => Some(value(*t)? * 10 + value(*d)?),
        _ => None,
    }
}

/// The unit ids a citation names (`@article` of a policy, an `articles`
/// entry of `[[not_encoded]]`): several references separated by `;`, each
/// possibly a range (`三(四)–(五)`, `四(三)1–5`), a list (`第十三条(二)、(三)`),
/// a paragraph (`五(二) second paragraph`, `三 (opening paragraph)`,
/// `第二十四条第一、二款`) or followed by a note in parentheses.
pub fn cited_units(citation: &str) -> Vec<String> {
    let mut ids = Vec::new();
    // References are separated by `;` or `,` outside parentheses.
    let mut parts = Vec::new();
    let mut depth = 0usize;
    let mut current = String::new();
    for c in citation.chars() {
        match c {
            '(' | '\u{FF08}' => depth += 1,
            ')' | '\u{FF09}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        if depth == 0 && [';', ',', '\u{FF1B}'].contains(&c) {
            parts.push(std::mem::take(&mut current));
        } else {
            current.push(c);
        }
    }
    parts.push(current);
    for part in parts {
        let mut part = part.trim().to_string();
        // "X (opening paragraph)" and "X opening".
        for opening in [" (opening paragraph)", " opening paragraph", " opening"] {
            if let Some(base) = part.strip_suffix(opening) {
                ids.push(format!("{} opening", base.trim()));
                part.clear();
                break;
            }
        }
        if part.is_empty() {
            continue;
        }
        let ordinals = [
            ("first", 1),
            ("second", 2),
            ("third", 3),
            ("fourth", 4),
            ("fifth", 5),
        ];
        let mut paragraph = None;
        for (word, n) in ordinals {
            if let Some(base) = part.strip_suffix(&format!(" {word} paragraph")) {
                paragraph = Some(n);
                part = base.trim().to_string();
                break;
            }
        }
        // A note after the reference: "一(三) (definition of …)".
        if let Some(i) = part.find(" (") {
            part.truncate(i);
        }
        let part = part.trim().replace('條', "条");
        if let Some(n) = paragraph {
            ids.push(format!("{part}¶{n}"));
            continue;
        }
        // 第二十四条第一、二款
        if let Some((base, list)) = part.split_once("条第") {
            if let Some(list) = list.strip_suffix('款') {
                for k in list.split('、') {
                    ids.push(format!("{base}条第{k}款"));
                }
                continue;
            }
        }
        // 第十三条(二)、(三) → 第十三条(二), 第十三条(三)
        if part.contains(")、(") {
            let mut pieces = part.split('、');
            if let Some(first) = pieces.next() {
                let base = first.rfind('(').and_then(|i| first.get(..i)).unwrap_or("");
                ids.push(first.to_string());
                for piece in pieces {
                    ids.push(format!("{base}{piece}"));
                }
            }
            continue;
        }
        // Ranges with an en dash: "三(四)–(五)", "四(三)1–5", "III(4)3(4)–(5)".
        if let Some((from, to)) = part.split_once(['–', '-']) {
            if let Some(range) = expand_range(from.trim(), to.trim()) {
                ids.extend(range);
                continue;
            }
        }
        ids.push(part);
    }
    ids
}

/// `三(四)`, `(五)` → 三(四), 三(五); `四(三)1`, `5` → 四(三)1 … 四(三)5;
/// `III(4)3(4)`, `(5)` → III(4)3(4), III(4)3(5).
fn expand_range(from: &str, to: &str) -> Option<Vec<String>> {
    let (base, first, last, wrap): (&str, usize, usize, bool) = if to.starts_with('(') {
        let open = from.rfind('(')?;
        let base = from.get(..open)?;
        let a = from.get(open + 1..from.len().checked_sub(1)?)?;
        let b = to.get(1..to.len().checked_sub(1)?)?;
        let (a, b) = match (a.parse::<usize>(), b.parse::<usize>()) {
            (Ok(a), Ok(b)) => (a, b),
            _ => (chinese_value(a)?, chinese_value(b)?),
        };
        (base, a, b, true)
    } else {
        let digits = from.len() - from.trim_end_matches(|c: char| c.is_ascii_digit()).len();
        let base = from.get(..from.len() - digits)?;
        let a = from.get(from.len() - digits..)?.parse().ok()?;
        (base, a, to.parse().ok()?, false)
    };
    if last < first || last - first > 50 {
        return None;
    }
    let ascii = from.chars().last().is_some_and(|c| c.is_ascii_digit())
        || from.ends_with(')')
            && from
                .chars()
                .rev()
                .nth(1)
                .is_some_and(|c| c.is_ascii_digit());
    Some(
        (first..=last)
            .map(|n| {
                let number = if ascii {
                    n.to_string()
                } else {
                    chinese_numeral(n)
                };
                if wrap {
                    format!("{base}({number})")
                } else {
                    format!("{base}{number}")
                }
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn citations_name_units() {
        assert_eq!(cited_units("三(二)4"), ["三(二)4"]);
        assert_eq!(cited_units("四(四); 四(五)"), ["四(四)", "四(五)"]);
        assert_eq!(cited_units("五(二) second paragraph"), ["五(二)¶2"]);
        assert_eq!(cited_units("三 (opening paragraph)"), ["三 opening"]);
        assert_eq!(
            cited_units("一(三) (definition of 授權運營協議); 二(二) (contract seal)"),
            ["一(三)", "二(二)"]
        );
        assert_eq!(cited_units("三(四)–(五)"), ["三(四)", "三(五)"]);
        assert_eq!(
            cited_units("四(三)1–5"),
            ["四(三)1", "四(三)2", "四(三)3", "四(三)4", "四(三)5"]
        );
        assert_eq!(cited_units("III(4)3(4)–(5)"), ["III(4)3(4)", "III(4)3(5)"]);
        assert_eq!(
            cited_units("第十三条(二)、(三)"),
            ["第十三条(二)", "第十三条(三)"]
        );
        assert_eq!(
            cited_units("第二十四条第一、二款"),
            ["第二十四条第一款", "第二十四条第二款"]
        );
        assert_eq!(cited_units("第二十四條第三款"), ["第二十四条第三款"]);
        assert_eq!(
            cited_units("第七条, 第八条, 第五条(四)"),
            ["第七条", "第八条", "第五条(四)"]
        );
    }

    #[test]
    fn numerals() {
        for (n, text) in [
            (1, "一"),
            (10, "十"),
            (12, "十二"),
            (20, "二十"),
            (24, "二十四"),
        ] {
            assert_eq!(chinese_numeral(n), text);
            assert_eq!(chinese_value(text), Some(n));
        }
    }
}
