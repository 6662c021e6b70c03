//! A decision rendered for a person: a tree with Chinese and English labels,
//! every citation shown. The CLI's `explain` and the WASM `explainText` both
//! print this.

use std::fmt::Write as _;

use crate::decision::{Decision, ReasonEffect, Source, Verdict};

/// Renders a decision as a readable tree.
pub fn render_text(decision: &Decision) -> String {
    let mut out = String::new();
    let verdict = match decision.decision {
        Verdict::Allow => "ALLOW 允许",
        Verdict::Deny => "DENY 拒绝",
    };
    let _ = writeln!(
        out,
        "{verdict} — {} · {} · {}",
        decision.jurisdiction, decision.action, decision.date
    );
    let _ = writeln!(out, "Layers 层级: {}", decision.layers.join(" → "));
    for layer in &decision.layer_report {
        let _ = writeln!(out, "  {:<10} {}", layer.layer, layer.note);
    }

    if !decision.reasons.is_empty() {
        let _ = writeln!(out, "\nReasons 理由 ({})", decision.reasons.len());
        let count = decision.reasons.len();
        for (i, reason) in decision.reasons.iter().enumerate() {
            let (branch, stem) = branch(i, count);
            let _ = writeln!(
                out,
                "{branch} ✗ {}  [{} {} · {}]",
                reason.rule,
                reason.effect,
                effect_zh(reason.effect),
                reason.layer
            );
            source_lines(&mut out, stem, &reason.source);
            let _ = writeln!(out, "{stem}   Why 说明: {}", reason.explanation);
        }
    }

    if !decision.missing.is_empty() {
        let _ = writeln!(
            out,
            "\nMissing facts 缺少事实: {}",
            decision.missing.join(", ")
        );
    }

    if !decision.obligations.is_empty() {
        let _ = writeln!(out, "\nObligations 义务 ({})", decision.obligations.len());
        let count = decision.obligations.len();
        for (i, obligation) in decision.obligations.iter().enumerate() {
            let (branch, stem) = branch(i, count);
            let due = obligation
                .due
                .as_ref()
                .map(|d| format!(" — due 期限 {d}"))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "{branch} • {}{due}  [{}]",
                obligation.rule, obligation.layer
            );
            let _ = writeln!(out, "{stem}   What 内容: {}", obligation.description);
            source_lines(&mut out, stem, &obligation.source);
            if !obligation.explanation.is_empty() {
                let _ = writeln!(out, "{stem}   Why 说明: {}", obligation.explanation);
            }
        }
    }

    if !decision.overridden.is_empty() {
        let _ = writeln!(out, "\nOverridden 被上位规则替代");
        for o in &decision.overridden {
            let _ = writeln!(out, "  {} ({}) displaced by {}", o.rule, o.layer, o.by);
        }
    }
    if !decision.satisfied.is_empty() {
        let _ = writeln!(
            out,
            "\nSatisfied 已满足 ({}): {}",
            decision.satisfied.len(),
            decision.satisfied.join(", ")
        );
    }
    if !decision.cleared.is_empty() {
        let _ = writeln!(
            out,
            "Not triggered 未触发的禁止性规定 ({}): {}",
            decision.cleared.len(),
            decision.cleared.join(", ")
        );
    }
    let _ = writeln!(
        out,
        "\nPolicy version 策略版本: {}",
        decision.policy_version
    );
    out
}

fn branch(i: usize, count: usize) -> (&'static str, &'static str) {
    if i + 1 == count {
        ("└─", "  ")
    } else {
        ("├─", "│ ")
    }
}

fn effect_zh(effect: ReasonEffect) -> &'static str {
    match effect {
        ReasonEffect::Requirement => "要求",
        ReasonEffect::Forbid => "禁止",
        ReasonEffect::Obligation => "义务",
        ReasonEffect::Coverage => "适用范围",
        ReasonEffect::Error => "错误",
    }
}

fn source_lines(out: &mut String, stem: &str, source: &Source) {
    if source.document.is_empty() && source.title.is_empty() {
        return;
    }
    let title = if source.title.is_empty() || source.title == source.document {
        String::new()
    } else {
        format!(" 《{}》", source.title)
    };
    let article = if source.article.is_empty() {
        String::new()
    } else {
        format!(" {}", source.article)
    };
    let _ = writeln!(
        out,
        "{stem}   Source 依据: {}{title}{article}",
        source.document
    );
    for line in source.quote.lines().filter(|l| !l.is_empty()) {
        let _ = writeln!(out, "{stem}   Quote 原文: 「{line}」");
    }
    if let Some(outside) = &source.outside_seeds {
        let _ = writeln!(out, "{stem}   Note 注: {outside}");
    }
}
