//! A rule's conditions as pdao reads them from Cedar's JSON form (EST), in
//! a small tree that the decision pipeline links to slots per policy set
//! (`decide::compile`) and evaluates three-valued, and that the authoring
//! tools read for the facts and literals a rule uses. The tree covers what
//! the bundle's policies use — literals, `context.…` attributes, `action`,
//! `&&`, `||`, `!`, comparisons, `contains`, `containsAll`, `containsAny`,
//! `isEmpty`, set literals and `if … then … else`. Anything else is
//! [`Cond::Opaque`]: a rule with such a part is decided by Cedar itself
//! (`pdao check` lists it), with this tree as its three-valued fallback,
//! which reads the opaque part as unknown and can therefore only fail
//! closed.

use std::collections::BTreeSet;

use serde_json::Value;

/// A condition of a rule, as read from the EST.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Cond {
    Lit(Val),
    /// `context.a.b…` as its path segments.
    Context(Vec<String>),
    Action,
    And(Box<Cond>, Box<Cond>),
    Or(Box<Cond>, Box<Cond>),
    Not(Box<Cond>),
    Cmp(Compare, Box<Cond>, Box<Cond>),
    Contains(Box<Cond>, Box<Cond>),
    ContainsAll(Box<Cond>, Box<Cond>),
    ContainsAny(Box<Cond>, Box<Cond>),
    IsEmpty(Box<Cond>),
    Set(Vec<Cond>),
    If(Box<Cond>, Box<Cond>, Box<Cond>),
    /// Anything else: always unknown, reading these context paths.
    Opaque(Vec<Vec<String>>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Compare {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// A known value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Val {
    Bool(bool),
    Long(i64),
    Str(String),
    Set(Vec<Val>),
    Entity(String, String),
}

impl Cond {
    /// Compiles a Cedar JSON (EST) expression.
    pub(crate) fn from_est(value: &Value) -> Cond {
        compile(value).unwrap_or_else(|| Cond::Opaque(paths_in(value)))
    }

    /// Whether pdao's compiled evaluator understands all of it (no
    /// [`Cond::Opaque`] part).
    pub(crate) fn is_supported(&self) -> bool {
        match self {
            Cond::Opaque(_) => false,
            Cond::Lit(_) | Cond::Action | Cond::Context(_) => true,
            Cond::Not(a) | Cond::IsEmpty(a) => a.is_supported(),
            Cond::And(a, b)
            | Cond::Or(a, b)
            | Cond::Cmp(_, a, b)
            | Cond::Contains(a, b)
            | Cond::ContainsAll(a, b)
            | Cond::ContainsAny(a, b) => a.is_supported() && b.is_supported(),
            Cond::Set(items) => items.iter().all(Cond::is_supported),
            Cond::If(c, t, e) => c.is_supported() && t.is_supported() && e.is_supported(),
        }
    }

    /// Every `context.…` path the expression reads.
    pub(crate) fn context_paths(&self, out: &mut BTreeSet<Vec<String>>) {
        match self {
            Cond::Context(path) => {
                out.insert(path.clone());
            }
            Cond::Opaque(paths) => out.extend(paths.iter().cloned()),
            Cond::Lit(_) | Cond::Action => {}
            Cond::Not(a) | Cond::IsEmpty(a) => a.context_paths(out),
            Cond::And(a, b)
            | Cond::Or(a, b)
            | Cond::Cmp(_, a, b)
            | Cond::Contains(a, b)
            | Cond::ContainsAll(a, b)
            | Cond::ContainsAny(a, b) => {
                a.context_paths(out);
                b.context_paths(out);
            }
            Cond::Set(items) => items.iter().for_each(|e| e.context_paths(out)),
            Cond::If(c, t, e) => {
                c.context_paths(out);
                t.context_paths(out);
                e.context_paths(out);
            }
        }
    }
}

fn compile(value: &Value) -> Option<Cond> {
    let obj = value.as_object()?;
    let (op, arg) = obj.iter().next()?;
    let bin = |f: fn(Box<Cond>, Box<Cond>) -> Cond| -> Option<Cond> {
        Some(f(
            Box::new(Cond::from_est(arg.get("left")?)),
            Box::new(Cond::from_est(arg.get("right")?)),
        ))
    };
    match op.as_str() {
        "Value" => literal(arg).map(Cond::Lit),
        "Var" => match arg.as_str()? {
            "action" => Some(Cond::Action),
            "context" => Some(Cond::Context(Vec::new())),
            _ => None,
        },
        "." => {
            let attr = arg.get("attr")?.as_str()?.to_string();
            match Cond::from_est(arg.get("left")?) {
                Cond::Context(mut path) => {
                    path.push(attr);
                    Some(Cond::Context(path))
                }
                _ => None,
            }
        }
        "&&" => bin(Cond::And),
        "||" => bin(Cond::Or),
        "!" => Some(Cond::Not(Box::new(Cond::from_est(arg.get("arg")?)))),
        "==" => bin(|a, b| Cond::Cmp(Compare::Eq, a, b)),
        "!=" => bin(|a, b| Cond::Cmp(Compare::Ne, a, b)),
        "<" => bin(|a, b| Cond::Cmp(Compare::Lt, a, b)),
        "<=" => bin(|a, b| Cond::Cmp(Compare::Le, a, b)),
        ">" => bin(|a, b| Cond::Cmp(Compare::Gt, a, b)),
        ">=" => bin(|a, b| Cond::Cmp(Compare::Ge, a, b)),
        "contains" => bin(Cond::Contains),
        "containsAll" => bin(Cond::ContainsAll),
        "containsAny" => bin(Cond::ContainsAny),
        "isEmpty" => Some(Cond::IsEmpty(Box::new(Cond::from_est(arg.get("arg")?)))),
        "Set" => Some(Cond::Set(
            arg.as_array()?.iter().map(Cond::from_est).collect(),
        )),
        "if-then-else" => Some(Cond::If(
            Box::new(Cond::from_est(arg.get("if")?)),
            Box::new(Cond::from_est(arg.get("then")?)),
            Box::new(Cond::from_est(arg.get("else")?)),
        )),
        _ => None,
    }
}

fn literal(value: &Value) -> Option<Val> {
    match value {
        Value::Bool(b) => Some(Val::Bool(*b)),
        Value::Number(n) => n.as_i64().map(Val::Long),
        Value::String(s) => Some(Val::Str(s.clone())),
        Value::Array(items) => items
            .iter()
            .map(literal)
            .collect::<Option<Vec<_>>>()
            .map(Val::Set),
        Value::Object(map) => {
            let entity = map.get("__entity")?;
            Some(Val::Entity(
                entity.get("type")?.as_str()?.to_string(),
                entity.get("id")?.as_str()?.to_string(),
            ))
        }
        Value::Null => None,
    }
}

/// Every `context.…` path anywhere inside a JSON expression.
fn paths_in(value: &Value) -> Vec<Vec<String>> {
    let mut out = BTreeSet::new();
    collect_paths(value, &mut out);
    out.into_iter().collect()
}

fn collect_paths(value: &Value, out: &mut BTreeSet<Vec<String>>) {
    if let Some(Cond::Context(path)) = compile(value).filter(|e| matches!(e, Cond::Context(_))) {
        if !path.is_empty() {
            out.insert(path);
            return;
        }
    }
    match value {
        Value::Object(map) => map.values().for_each(|v| collect_paths(v, out)),
        Value::Array(items) => items.iter().for_each(|v| collect_paths(v, out)),
        _ => {}
    }
}

/// What a rule reads from the request, parsed once when the rule is loaded.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Read {
    /// A fact, by path (`operator.mlps3_experience`).
    Fact(String),
    /// A temporal definition, by name (`context.temporal.<name>`).
    Temporal(String),
    /// The `materials` list.
    Materials,
    /// A `context` path of another shape (not a request field).
    Other(String),
}

impl Read {
    /// What a `context.…` path reads.
    pub(crate) fn of_path(path: &[String]) -> Read {
        match path {
            [object, name] if object == "temporal" => Read::Temporal(name.clone()),
            [materials] if materials == "materials" => Read::Materials,
            [_, _, ..] => Read::Fact(path.join(".")),
            _ => Read::Other(path.join(".")),
        }
    }
}
