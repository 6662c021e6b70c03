//! `pdao why-not FILE`: for a denied request, the smallest sets of fact or
//! event changes that would make it allowed, each verified by re-evaluation.

use std::path::Path;

use pdao::authoring::{why_not, WhyNotOptions};
use pdao::Engine;

use crate::report;

/// Exit: 0 allowed already or at least one solution found, 2 denied and no
/// solution found within the bound, 1 usage, input or bundle error.
pub fn run(policies: Option<&Path>, file: Option<&Path>, budget: usize, json: bool) -> u8 {
    let (name, text) = match crate::read_input(file) {
        Ok(input) => input,
        Err(code) => return code,
    };
    let engine = match crate::load(policies) {
        Ok(bundle) => Engine::new(bundle),
        Err(code) => return code,
    };
    let request = match engine.parse_request(&text) {
        Ok(r) => r,
        Err(e) => {
            report::request_error(&name, &e);
            return 1;
        }
    };
    let options = WhyNotOptions {
        max_evaluations: budget,
        ..WhyNotOptions::default()
    };
    let answer = why_not(&engine, &request, &options);
    if json {
        let value = answer.to_json();
        let text = serde_json::to_string_pretty(&value)
            .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
        crate::write_stdout(&format!("{text}\n"));
    } else {
        crate::write_stdout(&render(&answer));
    }
    if answer.allowed() || !answer.solutions.is_empty() {
        0
    } else {
        2
    }
}

fn render(answer: &pdao::authoring::WhyNot) -> String {
    if answer.allowed() {
        return "allow: the request is already allowed — there is nothing to change.\n".into();
    }
    let reasons = answer.decision.reason_ids();
    let mut out = format!(
        "deny: {} reason{} — {}\n",
        reasons.len(),
        if reasons.len() == 1 { "" } else { "s" },
        reasons.join(", ")
    );
    if answer.solutions.is_empty() {
        out.push_str(&format!(
            "no change of facts or events found that makes it allowed ({} evaluations{})\n",
            answer.evaluations,
            if answer.exhausted {
                "; the search bound was reached, raise it with --budget"
            } else {
                "; the search was complete within its candidate changes"
            }
        ));
    } else {
        out.push_str(&format!(
            "{} minimal solution{}, verified by re-evaluation ({} evaluations):\n",
            answer.solutions.len(),
            if answer.solutions.len() == 1 { "" } else { "s" },
            answer.evaluations
        ));
        for (i, s) in answer.solutions.iter().enumerate() {
            for (j, change) in s.lines().iter().enumerate() {
                if j == 0 {
                    out.push_str(&format!("  {}. {change}\n", i + 1));
                } else {
                    out.push_str(&format!("     and {change}\n"));
                }
            }
        }
    }
    if !answer.unfixable.is_empty() {
        out.push_str(&format!(
            "no change of facts or events clears: {}\n",
            answer.unfixable.join(", ")
        ));
    }
    out
}
