//! Three-valued (Kleene) evaluation of a policy's conditions, for requests
//! that lack facts.
//!
//! Cedar evaluates `&&` and `||` left to right and stops at the first error,
//! so `unknown && false` is an error in Cedar although its value is `false`
//! whatever the unknown is. When Cedar reports an error for a rule, the
//! engine re-evaluates that rule here: an absent fact is *unknown*,
//! `false && unknown = false`, `true || unknown = true`, and an unknown that
//! decides the outcome is reported with the facts it stands for. Everything
//! this module does not understand is unknown, so it can only ever fail
//! closed. On requests that give every fact it agrees with Cedar (tested).

use std::collections::BTreeSet;

use serde_json::Value;

use crate::request::{FactValue, Request};
use crate::temporal::Truth;

/// A compiled condition.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Expr {
    Lit(Val),
    /// `context.a.b…` as its path segments.
    Context(Vec<String>),
    Action,
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Cmp(CmpOp, Box<Expr>, Box<Expr>),
    Contains(Box<Expr>, Box<Expr>),
    ContainsAll(Box<Expr>, Box<Expr>),
    ContainsAny(Box<Expr>, Box<Expr>),
    IsEmpty(Box<Expr>),
    Set(Vec<Expr>),
    If(Box<Expr>, Box<Expr>, Box<Expr>),
    /// Anything else: always unknown, reading these context paths.
    Opaque(Vec<Vec<String>>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CmpOp {
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

/// A value or the facts it would need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum KVal {
    Known(Val),
    Unknown(BTreeSet<String>),
}

/// Where facts come from during evaluation.
pub(crate) trait Facts {
    fn request(&self) -> &Request;
    /// A temporal result: its truth and, if unknown, the facts it needed.
    fn temporal(&self, name: &str) -> (Truth, BTreeSet<String>);
}

impl Expr {
    /// Compiles a Cedar JSON (EST) expression.
    pub(crate) fn from_est(value: &Value) -> Expr {
        compile(value).unwrap_or_else(|| Expr::Opaque(paths_in(value)))
    }

    /// Every `context.…` path the expression reads.
    pub(crate) fn context_paths(&self, out: &mut BTreeSet<Vec<String>>) {
        match self {
            Expr::Context(path) => {
                out.insert(path.clone());
            }
            Expr::Opaque(paths) => out.extend(paths.iter().cloned()),
            Expr::Lit(_) | Expr::Action => {}
            Expr::Not(a) | Expr::IsEmpty(a) => a.context_paths(out),
            Expr::And(a, b)
            | Expr::Or(a, b)
            | Expr::Cmp(_, a, b)
            | Expr::Contains(a, b)
            | Expr::ContainsAll(a, b)
            | Expr::ContainsAny(a, b) => {
                a.context_paths(out);
                b.context_paths(out);
            }
            Expr::Set(items) => items.iter().for_each(|e| e.context_paths(out)),
            Expr::If(c, t, e) => {
                c.context_paths(out);
                t.context_paths(out);
                e.context_paths(out);
            }
        }
    }

    /// Evaluates with Kleene semantics.
    pub(crate) fn eval(&self, facts: &dyn Facts) -> KVal {
        match self {
            Expr::Lit(v) => KVal::Known(v.clone()),
            Expr::Action => KVal::Known(Val::Entity(
                "Action".into(),
                facts.request().action().to_string(),
            )),
            Expr::Context(path) => lookup(path, facts),
            Expr::And(a, b) => match (truth(a.eval(facts)), truth(b.eval(facts))) {
                (Tri::F, _) | (_, Tri::F) => bool_val(false),
                (Tri::T, Tri::T) => bool_val(true),
                (x, y) => KVal::Unknown(union(x, y)),
            },
            Expr::Or(a, b) => match (truth(a.eval(facts)), truth(b.eval(facts))) {
                (Tri::T, _) | (_, Tri::T) => bool_val(true),
                (Tri::F, Tri::F) => bool_val(false),
                (x, y) => KVal::Unknown(union(x, y)),
            },
            Expr::Not(a) => match truth(a.eval(facts)) {
                Tri::T => bool_val(false),
                Tri::F => bool_val(true),
                Tri::U(needed) => KVal::Unknown(needed),
            },
            Expr::If(c, t, e) => match truth(c.eval(facts)) {
                Tri::T => t.eval(facts),
                Tri::F => e.eval(facts),
                Tri::U(mut needed) => match (t.eval(facts), e.eval(facts)) {
                    (KVal::Known(x), KVal::Known(y)) if x == y => KVal::Known(x),
                    (x, y) => {
                        for v in [x, y] {
                            if let KVal::Unknown(n) = v {
                                needed.extend(n);
                            }
                        }
                        KVal::Unknown(needed)
                    }
                },
            },
            Expr::Cmp(op, a, b) => binary(a.eval(facts), b.eval(facts), |x, y| compare(*op, x, y)),
            Expr::Contains(a, b) => binary(a.eval(facts), b.eval(facts), |set, item| match set {
                Val::Set(items) => Some(Val::Bool(items.contains(item))),
                _ => None,
            }),
            Expr::ContainsAll(a, b) => binary(a.eval(facts), b.eval(facts), |x, y| match (x, y) {
                (Val::Set(xs), Val::Set(ys)) => Some(Val::Bool(ys.iter().all(|y| xs.contains(y)))),
                _ => None,
            }),
            Expr::ContainsAny(a, b) => binary(a.eval(facts), b.eval(facts), |x, y| match (x, y) {
                (Val::Set(xs), Val::Set(ys)) => Some(Val::Bool(ys.iter().any(|y| xs.contains(y)))),
                _ => None,
            }),
            Expr::IsEmpty(a) => match a.eval(facts) {
                KVal::Known(Val::Set(items)) => bool_val(items.is_empty()),
                KVal::Known(_) => KVal::Unknown(BTreeSet::new()),
                unknown => unknown,
            },
            Expr::Set(items) => {
                let mut out = Vec::with_capacity(items.len());
                let mut needed = BTreeSet::new();
                for item in items {
                    match item.eval(facts) {
                        KVal::Known(v) => out.push(v),
                        KVal::Unknown(n) => needed.extend(n),
                    }
                }
                if needed.is_empty() {
                    KVal::Known(Val::Set(out))
                } else {
                    KVal::Unknown(needed)
                }
            }
            Expr::Opaque(paths) => {
                let mut needed = BTreeSet::new();
                for path in paths {
                    if let KVal::Unknown(n) = lookup(path, facts) {
                        needed.extend(n);
                    }
                }
                KVal::Unknown(needed)
            }
        }
    }
}

/// A truth value with the facts an unknown needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Tri {
    T,
    F,
    U(BTreeSet<String>),
}

pub(crate) fn truth(value: KVal) -> Tri {
    match value {
        KVal::Known(Val::Bool(true)) => Tri::T,
        KVal::Known(Val::Bool(false)) => Tri::F,
        KVal::Known(_) => Tri::U(BTreeSet::new()),
        KVal::Unknown(needed) => Tri::U(needed),
    }
}

fn union(x: Tri, y: Tri) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for t in [x, y] {
        if let Tri::U(n) = t {
            out.extend(n);
        }
    }
    out
}

fn bool_val(b: bool) -> KVal {
    KVal::Known(Val::Bool(b))
}

fn binary(a: KVal, b: KVal, f: impl Fn(&Val, &Val) -> Option<Val>) -> KVal {
    match (a, b) {
        (KVal::Known(x), KVal::Known(y)) => match f(&x, &y) {
            Some(v) => KVal::Known(v),
            None => KVal::Unknown(BTreeSet::new()),
        },
        (x, y) => {
            let mut needed = BTreeSet::new();
            for v in [x, y] {
                if let KVal::Unknown(n) = v {
                    needed.extend(n);
                }
            }
            KVal::Unknown(needed)
        }
    }
}

fn compare(op: CmpOp, x: &Val, y: &Val) -> Option<Val> {
    let result = match op {
        CmpOp::Eq => x == y,
        CmpOp::Ne => x != y,
        _ => {
            let (Val::Long(a), Val::Long(b)) = (x, y) else {
                return None;
            };
            match op {
                CmpOp::Lt => a < b,
                CmpOp::Le => a <= b,
                CmpOp::Gt => a > b,
                _ => a >= b,
            }
        }
    };
    Some(Val::Bool(result))
}

fn lookup(path: &[String], facts: &dyn Facts) -> KVal {
    let request = facts.request();
    match path {
        [object, fact] if object == "temporal" => match facts.temporal(fact) {
            (Truth::True, _) => bool_val(true),
            (Truth::False, _) => bool_val(false),
            (Truth::Unknown, needed) => KVal::Unknown(needed),
        },
        [materials] if materials == "materials" => match request.materials() {
            Some(items) => KVal::Known(Val::Set(
                items.iter().map(|s| Val::Str(s.clone())).collect(),
            )),
            None => KVal::Unknown(BTreeSet::from(["materials".to_string()])),
        },
        [object, fact] => {
            let key = format!("{object}.{fact}");
            match request.fact(&key) {
                Some(value) => KVal::Known(from_fact(value)),
                None => KVal::Unknown(BTreeSet::from([key])),
            }
        }
        _ => KVal::Unknown(BTreeSet::from([path.join(".")])),
    }
}

pub(crate) fn from_fact(value: &FactValue) -> Val {
    match value {
        FactValue::Bool(b) => Val::Bool(*b),
        FactValue::Int(i) => Val::Long(*i),
        FactValue::Str(s) => Val::Str(s.clone()),
        FactValue::Date(d) => Val::Str(crate::dates::format_date(*d)),
        FactValue::List(items) => Val::Set(items.iter().map(|s| Val::Str(s.clone())).collect()),
    }
}

fn compile(value: &Value) -> Option<Expr> {
    let obj = value.as_object()?;
    let (op, arg) = obj.iter().next()?;
    let bin = |f: fn(Box<Expr>, Box<Expr>) -> Expr| -> Option<Expr> {
        Some(f(
            Box::new(Expr::from_est(arg.get("left")?)),
            Box::new(Expr::from_est(arg.get("right")?)),
        ))
    };
    match op.as_str() {
        "Value" => literal(arg).map(Expr::Lit),
        "Var" => match arg.as_str()? {
            "action" => Some(Expr::Action),
            "context" => Some(Expr::Context(Vec::new())),
            _ => None,
        },
        "." => {
            let attr = arg.get("attr")?.as_str()?.to_string();
            match Expr::from_est(arg.get("left")?) {
                Expr::Context(mut path) => {
                    path.push(attr);
                    Some(Expr::Context(path))
                }
                _ => None,
            }
        }
        "&&" => bin(Expr::And),
        "||" => bin(Expr::Or),
        "!" => Some(Expr::Not(Box::new(Expr::from_est(arg.get("arg")?)))),
        "==" => bin(|a, b| Expr::Cmp(CmpOp::Eq, a, b)),
        "!=" => bin(|a, b| Expr::Cmp(CmpOp::Ne, a, b)),
        "<" => bin(|a, b| Expr::Cmp(CmpOp::Lt, a, b)),
        "<=" => bin(|a, b| Expr::Cmp(CmpOp::Le, a, b)),
        ">" => bin(|a, b| Expr::Cmp(CmpOp::Gt, a, b)),
        ">=" => bin(|a, b| Expr::Cmp(CmpOp::Ge, a, b)),
        "contains" => bin(Expr::Contains),
        "containsAll" => bin(Expr::ContainsAll),
        "containsAny" => bin(Expr::ContainsAny),
        "isEmpty" => Some(Expr::IsEmpty(Box::new(Expr::from_est(arg.get("arg")?)))),
        "Set" => Some(Expr::Set(
            arg.as_array()?.iter().map(Expr::from_est).collect(),
        )),
        "if-then-else" => Some(Expr::If(
            Box::new(Expr::from_est(arg.get("if")?)),
            Box::new(Expr::from_est(arg.get("then")?)),
            Box::new(Expr::from_est(arg.get("else")?)),
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
    if let Some(Expr::Context(path)) = compile(value).filter(|e| matches!(e, Expr::Context(_))) {
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
