//! Error output: one clear line for bad requests; for bundle problems, the
//! same line followed by the source with the offending span underlined.

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic, NamedSource, Report,
};
use pdao::temporal::TemporalError;
use pdao::{BundleProblem, RequestError};

/// `pdao: error[code]: <where>: <what>` on standard error.
pub fn line(location: &str, code: &str, message: &str) {
    eprintln!("pdao: error[{code}]: {location}: {message}");
}

/// A request that breaks the contract.
pub fn request_error(source: &str, error: &RequestError) {
    let location = match (error.position(), error.field()) {
        (Some((l, c)), _) => format!("{source}:{l}:{c}"),
        (None, Some(field)) => format!("{source}: field `{field}`"),
        (None, None) => source.to_string(),
    };
    line(&location, error.code(), &error.to_string());
}

/// Every problem of a bundle, each with its source excerpt when known.
pub fn bundle_problems(problems: &[BundleProblem]) {
    problem_lines(problems);
    eprintln!(
        "pdao: {} problem(s); the bundle was not loaded",
        problems.len()
    );
}

/// What an audit of a loaded bundle found (quotes, catalog scopes): one
/// line per problem, at the policy's file and line.
pub fn audit_problems(problems: &[BundleProblem]) {
    problem_lines(problems);
}

fn problem_lines(problems: &[BundleProblem]) {
    for problem in problems {
        eprintln!("pdao: error[{}]: {problem}", problem.code);
        if let (Some(text), Some(span)) = (&problem.source_text, problem.span) {
            excerpt(&problem.file, text, span, &problem.message);
        }
    }
}

/// A rules file that does not parse: the line, then the source with the
/// offending span underlined.
pub fn temporal_error(error: &TemporalError) {
    eprintln!("pdao: error[temporal]: {error}");
    excerpt(&error.file, &error.source_text, error.span, &error.message);
}

/// The source around `(offset, len)` with the span underlined (miette).
fn excerpt(file: &str, text: &str, (offset, len): (usize, usize), message: &str) {
    let diagnostic = MietteDiagnostic::new(message.to_string()).with_label(LabeledSpan::at(
        offset..offset + len.max(1).min(text.len().saturating_sub(offset).max(1)),
        "here",
    ));
    let report = Report::new(diagnostic).with_source_code(NamedSource::new(file, text.to_string()));
    let mut rendered = String::new();
    let handler = GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor());
    if handler
        .render_report(&mut rendered, report.as_ref())
        .is_ok()
    {
        eprintln!("{rendered}");
    }
}
