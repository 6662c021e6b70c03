//! Errors a caller can meet. Each carries the offending field or file, and
//! each has a stable `code()` that the CLI, the WASM binding and the tests
//! share.

/// A request that cannot be decided because it breaks the contract.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    /// Not JSON.
    #[error("invalid JSON at line {line}, column {column}: {message}")]
    Json {
        /// serde_json's description.
        message: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
    },
    /// The same key twice in one object.
    #[error("duplicate key `{field}`")]
    DuplicateKey {
        /// Path of the repeated key.
        field: String,
    },
    /// A required field is absent.
    #[error("missing required field `{field}`")]
    MissingField {
        /// The field.
        field: String,
    },
    /// A key the contract or the vocabulary does not know.
    #[error("unknown field `{field}`{}", hint(suggestion))]
    UnknownField {
        /// The field.
        field: String,
        /// A known name close to it.
        suggestion: Option<String>,
    },
    /// A value of the wrong JSON type.
    #[error("`{field}` must be {expected}, found {found}")]
    WrongType {
        /// The field.
        field: String,
        /// What the contract asks for.
        expected: String,
        /// What was given.
        found: String,
    },
    /// A string that is not a calendar date.
    #[error("`{field}`: `{value}` is not a valid date (expected YYYY-MM-DD)")]
    BadDate {
        /// The field.
        field: String,
        /// The text given.
        value: String,
    },
    /// A value outside an enumeration.
    #[error("`{field}`: `{value}` is not one of {expected}")]
    BadValue {
        /// The field.
        field: String,
        /// The text given.
        value: String,
        /// The allowed values.
        expected: String,
    },
    /// A number outside the 64-bit integer range.
    #[error("`{field}`: {value} is out of range for a 64-bit integer")]
    OutOfRange {
        /// The field.
        field: String,
        /// The number given.
        value: String,
    },
    /// A jurisdiction the bundle does not have.
    #[error("unknown jurisdiction `{value}`; expected one of {expected}")]
    UnknownJurisdiction {
        /// The text given.
        value: String,
        /// The known jurisdictions.
        expected: String,
    },
    /// An action the schema does not declare.
    #[error("unknown action `{value}`; expected one of {expected}")]
    UnknownAction {
        /// The text given.
        value: String,
        /// The known actions.
        expected: String,
    },
    /// An event kind the vocabulary does not have.
    #[error("`{field}`: unknown event kind `{value}`{}", hint(suggestion))]
    UnknownEventKind {
        /// The field.
        field: String,
        /// The text given.
        value: String,
        /// A known kind close to it.
        suggestion: Option<String>,
    },
    /// Facts that contradict each other.
    #[error("`{field}`: {reason}")]
    Inconsistent {
        /// The field.
        field: String,
        /// Why.
        reason: String,
    },
    /// Over a documented limit.
    #[error("`{field}` is too large: {reason}")]
    TooLarge {
        /// The field.
        field: String,
        /// Which limit.
        reason: String,
    },
}

fn hint(suggestion: &Option<String>) -> String {
    suggestion
        .as_ref()
        .map(|s| format!(" (did you mean `{s}`?)"))
        .unwrap_or_default()
}

impl RequestError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            RequestError::Json { .. } => "invalid_json",
            RequestError::DuplicateKey { .. } => "duplicate_key",
            RequestError::MissingField { .. } => "missing_field",
            RequestError::UnknownField { .. } => "unknown_field",
            RequestError::WrongType { .. } => "wrong_type",
            RequestError::BadDate { .. } => "bad_date",
            RequestError::BadValue { .. } => "bad_value",
            RequestError::OutOfRange { .. } => "out_of_range",
            RequestError::UnknownJurisdiction { .. } => "unknown_jurisdiction",
            RequestError::UnknownAction { .. } => "unknown_action",
            RequestError::UnknownEventKind { .. } => "unknown_event_kind",
            RequestError::Inconsistent { .. } => "inconsistent",
            RequestError::TooLarge { .. } => "too_large",
        }
    }

    /// The field the error is about, as a path into the request.
    pub fn field(&self) -> Option<&str> {
        match self {
            RequestError::Json { .. } => None,
            RequestError::UnknownJurisdiction { .. } => Some("jurisdiction"),
            RequestError::UnknownAction { .. } => Some("action"),
            RequestError::DuplicateKey { field }
            | RequestError::MissingField { field }
            | RequestError::UnknownField { field, .. }
            | RequestError::WrongType { field, .. }
            | RequestError::BadDate { field, .. }
            | RequestError::BadValue { field, .. }
            | RequestError::OutOfRange { field, .. }
            | RequestError::UnknownEventKind { field, .. }
            | RequestError::Inconsistent { field, .. }
            | RequestError::TooLarge { field, .. } => Some(field),
        }
    }

    /// Line and column, for JSON syntax errors.
    pub fn position(&self) -> Option<(usize, usize)> {
        match self {
            RequestError::Json { line, column, .. } => Some((*line, *column)),
            _ => None,
        }
    }
}

/// What kind of problem a bundle has: the stable code the CLI prints
/// (`pdao: error[<code>]: …`), the WASM binding returns and the tests
/// match.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum ProblemCode {
    /// `io`: a file or directory cannot be read, or is not UTF-8.
    Io,
    /// `vocabulary`: `facts.toml` is missing or wrong, or disagrees with the schema.
    Vocabulary,
    /// `toml`: a layer's `jurisdiction.toml` is not valid TOML or has a wrong
    /// value (a date, `covers`, a parent that does not exist, a cycle of
    /// parents, a `[[not_encoded]]` or `[[tightens]]` naming no such rule).
    Toml,
    /// `layout`: a policy or rules file outside a layer folder.
    Layout,
    /// `temporal`: a `*.rules` file does not parse, or a temporal name is
    /// defined twice in a chain or not defined where a policy reads it.
    Temporal,
    /// `schema`: the Cedar schema is missing or wrong, or a policy does not
    /// validate against it.
    Schema,
    /// `syntax`: a `*.cedar` file does not parse.
    Syntax,
    /// `annotation`: a policy's annotations or shape do not make a rule.
    Annotation,
    /// `document`: `@document` names no document of the policy's layer.
    Document,
    /// `duplicate_id`: two versions of a rule are in force at once, or are
    /// in the same file.
    DuplicateId,
    /// `overrides`: `@overrides` does not name a rule of a lower layer.
    Overrides,
    /// `quote`: a quote is not verbatim in its seed text (`pdao check --seeds`).
    Quote,
    /// `catalog_actions`: a policy does not apply to the actions its catalog
    /// entry lists (`pdao check --catalog`).
    CatalogActions,
    /// `catalog_effect`: a policy's effect is not its catalog entry's
    /// (`pdao check --catalog`).
    CatalogEffect,
}

impl ProblemCode {
    /// The code as printed.
    pub fn as_str(self) -> &'static str {
        match self {
            ProblemCode::Io => "io",
            ProblemCode::Vocabulary => "vocabulary",
            ProblemCode::Toml => "toml",
            ProblemCode::Layout => "layout",
            ProblemCode::Temporal => "temporal",
            ProblemCode::Schema => "schema",
            ProblemCode::Syntax => "syntax",
            ProblemCode::Annotation => "annotation",
            ProblemCode::Document => "document",
            ProblemCode::DuplicateId => "duplicate_id",
            ProblemCode::Overrides => "overrides",
            ProblemCode::Quote => "quote",
            ProblemCode::CatalogActions => "catalog_actions",
            ProblemCode::CatalogEffect => "catalog_effect",
        }
    }
}

impl std::fmt::Display for ProblemCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<str> for ProblemCode {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for ProblemCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for ProblemCode {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other
    }
}

/// One problem found in a policy bundle, located in a file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}{}: {message}", location(*line, *column))]
pub struct BundleProblem {
    /// What kind of problem.
    pub code: ProblemCode,
    /// Path of the file relative to the bundle root.
    pub file: String,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// 1-based column, when known.
    pub column: Option<usize>,
    /// What is wrong.
    pub message: String,
    /// The source text of the file, for rendering with a caret.
    pub source_text: Option<String>,
    /// Byte offset and length of the offending span in `source_text`.
    pub span: Option<(usize, usize)>,
}

fn location(line: Option<usize>, column: Option<usize>) -> String {
    match (line, column) {
        (Some(l), Some(c)) => format!(":{l}:{c}"),
        (Some(l), None) => format!(":{l}"),
        _ => String::new(),
    }
}

impl BundleProblem {
    pub(crate) fn new(
        code: ProblemCode,
        file: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        BundleProblem {
            code,
            file: file.into(),
            line: None,
            column: None,
            message: message.into(),
            source_text: None,
            span: None,
        }
    }

    pub(crate) fn at_line(mut self, line: Option<usize>) -> Self {
        self.line = line;
        self
    }

    /// Locates the problem at a byte span of `text` (line, column and caret).
    pub(crate) fn at_span(mut self, text: &str, offset: usize, len: usize) -> Self {
        let offset = offset.min(text.len());
        let (line, column) = crate::load::span::line_column(text, offset);
        self.line = Some(line);
        self.column = Some(column);
        self.source_text = Some(text.to_string());
        self.span = Some((offset, len));
        self
    }
}

/// A bundle that cannot be loaded: every problem found, not only the first.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the policy bundle has {} problem(s); first: {}", problems.len(), problems.first().map(|p| p.to_string()).unwrap_or_default())]
pub struct BundleError {
    /// All problems, in file order.
    pub problems: Vec<BundleProblem>,
}
