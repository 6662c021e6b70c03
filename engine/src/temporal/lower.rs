//! From the pest parse tree to the checked expression tree: every event kind
//! and fact must be in the vocabulary, every date position must hold a date,
//! every variable must be bound exactly once.

use std::collections::VecDeque;

use pest::iterators::Pair;

use super::ast::{
    cutoff, date_ceiling, date_floor, ref_join, Body, Cadence, CmpOp, DateAtom, DateExpr, DefKind,
    Duration, Expr, Quant, Quantifier, Shift, StrRef, Subject, Unit,
};
use super::parser::{Rule, TemporalError};
use crate::vocabulary::{FactType, Vocabulary};

type Res<T> = Result<T, TemporalError>;

/// How deeply the parse tree of a condition may nest (each parenthesis or
/// quantifier body costs three levels, each `not` one), so that lowering
/// and evaluation stay well inside the stack.
const MAX_DEPTH: usize = 100;

/// An operand before its position decides whether it must be a date.
enum Operand {
    Date(DateExpr),
    /// A string, with a phrase for type errors (`` `e.ref` is a string ``).
    Str(StrRef, String),
}

/// Lowers one definition at a time; `scope` holds the bound variables.
pub(crate) struct Lowerer<'a> {
    file: &'a str,
    source: &'a str,
    vocab: &'a Vocabulary,
    scope: Vec<String>,
    depth: usize,
}

/// The significant children of a pair, taken in order.
struct Parts<'i> {
    items: VecDeque<Pair<'i, Rule>>,
    end: usize,
}

impl<'i> Parts<'i> {
    fn new(pair: Pair<'i, Rule>) -> Parts<'i> {
        let end = pair.as_span().end();
        Parts {
            items: significant(pair).collect(),
            end,
        }
    }

    fn next(&mut self, lowerer: &Lowerer<'_>) -> Res<Pair<'i, Rule>> {
        self.items
            .pop_front()
            .ok_or_else(|| lowerer.error_at(self.end, 0, "internal error: unexpected parse tree"))
    }

    fn next_if(&mut self, rule: Rule) -> Option<Pair<'i, Rule>> {
        if self.items.front().map(|p| p.as_rule()) == Some(rule) {
            self.items.pop_front()
        } else {
            None
        }
    }
}

impl<'a> Lowerer<'a> {
    pub(crate) fn new(file: &'a str, source: &'a str, vocab: &'a Vocabulary) -> Self {
        Lowerer {
            file,
            source,
            vocab,
            scope: Vec::new(),
            depth: 0,
        }
    }

    fn error_at(&self, offset: usize, len: usize, message: impl Into<String>) -> TemporalError {
        TemporalError::at(self.file, self.source, offset, len, message)
    }

    fn error(&self, pair: &Pair<'_, Rule>, message: impl Into<String>) -> TemporalError {
        let span = pair.as_span();
        self.error_at(span.start(), span.end() - span.start(), message)
    }

    fn unexpected(&self, pair: &Pair<'_, Rule>) -> TemporalError {
        self.error(pair, "internal error: unexpected parse tree")
    }

    /// A `definition` pair.
    pub(crate) fn definition(mut self, pair: Pair<'_, Rule>) -> Res<Lowered> {
        let mut outer = Parts::new(pair);
        let def = outer.next(&self)?;
        let rule = def.as_rule();
        let mut parts = Parts::new(def);
        let name_pair = parts.next(&self)?;
        let span = name_pair.as_span();
        let name = name_pair.as_str().to_string();
        let name_span = (span.start(), span.end() - span.start());
        let (kind, body) = match rule {
            Rule::fact_def => (DefKind::Fact, Body::Fact(self.expr(parts.next(&self)?)?)),
            Rule::due_def => {
                let date = self.date(parts.next(&self)?, "a `due` definition")?;
                (DefKind::Due, Body::Due(date))
            }
            Rule::each_def => {
                let kind = self.kind(&parts.next(&self)?)?;
                let var = self.bind(&parts.next(&self)?)?;
                let cond = self.expr(parts.next(&self)?)?;
                let due = match parts.next_if(Rule::due_clause) {
                    Some(clause) => {
                        let mut clause = Parts::new(clause);
                        Some(self.date(clause.next(&self)?, "the `due` clause")?)
                    }
                    None => None,
                };
                self.scope.pop();
                let body = Body::Each {
                    kind,
                    var,
                    cond,
                    due,
                };
                (DefKind::Each, body)
            }
            _ => return Err(self.error_at(name_span.0, name_span.1, "internal error")),
        };
        Ok(Lowered {
            name,
            name_span,
            kind,
            body,
        })
    }

    /// A condition, refusing nesting deeper than [`MAX_DEPTH`].
    fn expr(&mut self, pair: Pair<'_, Rule>) -> Res<Expr> {
        if self.depth >= MAX_DEPTH {
            return Err(self.error(
                &pair,
                "conditions are nested too deeply; split the definition into several",
            ));
        }
        self.depth += 1;
        let result = self.expr_at(pair);
        self.depth -= 1;
        result
    }

    fn expr_at(&mut self, pair: Pair<'_, Rule>) -> Res<Expr> {
        match pair.as_rule() {
            Rule::expr | Rule::conjunction => {
                let or = pair.as_rule() == Rule::expr;
                let mut items = significant(pair)
                    .map(|p| self.expr(p))
                    .collect::<Res<Vec<Expr>>>()?;
                Ok(match (items.len(), or) {
                    (1, _) => items.pop().unwrap_or(Expr::Bool(false)),
                    (_, true) => Expr::Or(items),
                    (_, false) => Expr::And(items),
                })
            }
            Rule::negation => {
                let mut parts = Parts::new(pair);
                let inner = parts.next(self)?;
                if inner.as_rule() == Rule::negation {
                    Ok(Expr::Not(Box::new(self.expr(inner)?)))
                } else {
                    self.primary(inner)
                }
            }
            _ => self.primary(pair),
        }
    }

    fn primary(&mut self, pair: Pair<'_, Rule>) -> Res<Expr> {
        match pair.as_rule() {
            Rule::paren => {
                let mut parts = Parts::new(pair);
                self.expr(parts.next(self)?)
            }
            Rule::kw_true => Ok(Expr::Bool(true)),
            Rule::kw_false => Ok(Expr::Bool(false)),
            Rule::exists_q => self.quant(pair, Quantifier::Exists),
            Rule::no_q => self.quant(pair, Quantifier::No),
            Rule::all_q => self.quant(pair, Quantifier::All),
            Rule::cadence => self.cadence(pair),
            Rule::matches_call => {
                let mut parts = Parts::new(pair);
                let var = self.bound(&parts.next(self)?)?;
                let path = self.id_fact(&parts.next(self)?, "`matches`")?;
                Ok(Expr::Matches { var, path })
            }
            Rule::presence => self.presence(pair),
            Rule::within => {
                let mut parts = Parts::new(pair);
                let event = self.date(parts.next(self)?, "`within`")?;
                let window = self.duration(&parts.next(self)?)?;
                let anchor = self.date(parts.next(self)?, "`within`")?;
                Ok(Expr::Within {
                    event,
                    window,
                    anchor,
                })
            }
            Rule::comparison => self.comparison(pair),
            _ => Err(self.unexpected(&pair)),
        }
    }

    fn quant(&mut self, pair: Pair<'_, Rule>, quantifier: Quantifier) -> Res<Expr> {
        let mut parts = Parts::new(pair);
        let kind = self.kind(&parts.next(self)?)?;
        let mut var = None;
        let mut body = None;
        if let Some(var_pair) = parts.next_if(Rule::var) {
            var = Some(self.bind(&var_pair)?);
            if let Some(body_pair) = parts.next_if(Rule::expr) {
                body = Some(self.expr(body_pair)?);
            }
            self.scope.pop();
        }
        let (join, floor, ceiling, cutoff) = match (&var, &body) {
            (Some(var), Some(body)) => (
                ref_join(var, body),
                date_floor(var, body),
                date_ceiling(var, body),
                self::cutoff(var, body).map(Box::new),
            ),
            _ => (None, None, None, None),
        };
        Ok(Expr::Quant(Box::new(Quant {
            quantifier,
            kind,
            var,
            body,
            join,
            floor,
            ceiling,
            cutoff,
        })))
    }

    fn cadence(&mut self, pair: Pair<'_, Rule>) -> Res<Expr> {
        let mut parts = Parts::new(pair);
        let kind = self.kind(&parts.next(self)?)?;
        let period_pair = parts.next(self)?;
        let period = self.duration(&period_pair)?;
        match period.months() {
            None => {
                return Err(self.error(
                    &period_pair,
                    "a cadence period is counted in months or years, not days",
                ))
            }
            Some(0) => {
                return Err(self.error(&period_pair, "a cadence period must be at least one month"))
            }
            Some(_) => {}
        }
        let anchor = self.date(parts.next(self)?, "the start of a cadence")?;
        let end = self.date(parts.next(self)?, "the end of a cadence")?;
        let matching = match parts.next_if(Rule::fact_path) {
            Some(path) => Some(self.id_fact(&path, "`matching`")?),
            None => None,
        };
        Ok(Expr::Cadence(Box::new(Cadence {
            kind,
            period,
            anchor,
            end,
            matching,
        })))
    }

    fn presence(&mut self, pair: Pair<'_, Rule>) -> Res<Expr> {
        let mut parts = Parts::new(pair);
        let subject_pair = parts.next(self)?;
        let subject = if subject_pair.as_rule() == Rule::fact_path {
            Subject::Fact(self.fact(&subject_pair)?.0)
        } else {
            let (var, attr) = self.var_attr(subject_pair.clone())?;
            match attr.as_str() {
                "until" => Subject::Until(var),
                "ref" => Subject::Ref(var),
                _ => {
                    return Err(self.error(
                        &subject_pair,
                        format!("`{var}.date` is always present; test `until` or `ref`"),
                    ))
                }
            }
        };
        let present = parts.next(self)?.as_rule() == Rule::kw_present;
        Ok(Expr::Presence { subject, present })
    }

    fn comparison(&mut self, pair: Pair<'_, Rule>) -> Res<Expr> {
        let mut parts = Parts::new(pair);
        let left_pair = parts.next(self)?;
        let op_pair = parts.next(self)?;
        let right_pair = parts.next(self)?;
        let op = match op_pair.as_str() {
            "<=" => CmpOp::Le,
            "<" => CmpOp::Lt,
            ">=" => CmpOp::Ge,
            ">" => CmpOp::Gt,
            "==" => CmpOp::Eq,
            _ => CmpOp::Ne,
        };
        let left = self.operand(left_pair.clone())?;
        let right = self.operand(right_pair.clone())?;
        match (left, right) {
            (Operand::Date(l), Operand::Date(r)) => Ok(Expr::CompareDates(l, op, r)),
            (Operand::Str(l, _), Operand::Str(r, _)) => {
                if matches!(op, CmpOp::Eq | CmpOp::Ne) {
                    Ok(Expr::CompareStrings(l, op, r))
                } else {
                    Err(self.error(&op_pair, "strings can only be compared with `==` or `!=`"))
                }
            }
            (Operand::Str(_, what), Operand::Date(_)) => Err(self.error(
                &left_pair,
                format!("type error: {what}, but the other side is a date"),
            )),
            (Operand::Date(_), Operand::Str(_, what)) => Err(self.error(
                &right_pair,
                format!("type error: {what}, but the other side is a date"),
            )),
        }
    }

    /// An operand that must be a date; `position` names where it stands.
    fn date(&mut self, pair: Pair<'_, Rule>, position: &str) -> Res<DateExpr> {
        let first = Parts::new(pair.clone()).next(self)?;
        match self.operand(pair)? {
            Operand::Date(date) => Ok(date),
            Operand::Str(_, what) => Err(self.error(
                &first,
                format!("type error: {what}, but {position} needs a date"),
            )),
        }
    }

    fn operand(&mut self, pair: Pair<'_, Rule>) -> Res<Operand> {
        let mut parts = Parts::new(pair);
        let term = parts.next(self)?;
        let mut shifts = Vec::new();
        while let Some(shift) = parts.next_if(Rule::shift) {
            let mut shift_parts = Parts::new(shift);
            let forward = shift_parts.next(self)?.as_str() == "+";
            let duration = self.duration(&shift_parts.next(self)?)?;
            shifts.push(Shift { forward, duration });
        }
        let value = match term.as_rule() {
            Rule::request_date => Operand::Date(DateExpr {
                atom: DateAtom::Today,
                shifts: Vec::new(),
            }),
            Rule::last_day => {
                let mut inner = Parts::new(term.clone());
                let start = self.date(inner.next(self)?, "`last_day`")?;
                let term_pair = inner.next(self)?;
                let length = self.duration(&term_pair)?;
                if length.months().is_none() {
                    return Err(self.error(
                        &term_pair,
                        "the term of `last_day` is counted in months or years, not days",
                    ));
                }
                Operand::Date(DateExpr {
                    atom: DateAtom::LastDay(Box::new(start), length),
                    shifts: Vec::new(),
                })
            }
            Rule::fact_path => {
                let (path, ty) = self.fact(&term)?;
                match ty {
                    FactType::Date => Operand::Date(DateExpr {
                        atom: DateAtom::Fact(path),
                        shifts: Vec::new(),
                    }),
                    FactType::String => {
                        let what = format!("`{path}` is a string fact");
                        Operand::Str(StrRef::Fact(path), what)
                    }
                    other => {
                        return Err(self.error(
                            &term,
                            format!(
                                "type error: `{path}` is {} fact; only date and string (id) facts can be compared",
                                type_name(&other)
                            ),
                        ))
                    }
                }
            }
            _ => {
                let (var, attr) = self.var_attr(term.clone())?;
                match attr.as_str() {
                    "date" => Operand::Date(DateExpr {
                        atom: DateAtom::EventDate(var),
                        shifts: Vec::new(),
                    }),
                    "until" => Operand::Date(DateExpr {
                        atom: DateAtom::EventUntil(var),
                        shifts: Vec::new(),
                    }),
                    _ => {
                        let what = format!("`{var}.ref` is a string");
                        Operand::Str(StrRef::EventRef(var), what)
                    }
                }
            }
        };
        match value {
            Operand::Date(mut date) => {
                date.shifts = shifts;
                Ok(Operand::Date(date))
            }
            Operand::Str(_, what) if !shifts.is_empty() => Err(self.error(
                &term,
                format!("type error: {what}, but only a date can be shifted by a duration"),
            )),
            string => Ok(string),
        }
    }

    fn duration(&self, pair: &Pair<'_, Rule>) -> Res<Duration> {
        let mut parts = Parts::new(pair.clone());
        let number = parts.next(self)?;
        let amount = number
            .as_str()
            .parse::<u32>()
            .map_err(|_| self.error(&number, format!("`{}` is too large", number.as_str())))?;
        let unit = match parts.next(self)?.as_str() {
            "day" | "days" => Unit::Day,
            "month" | "months" => Unit::Month,
            _ => Unit::Year,
        };
        Ok(Duration { amount, unit })
    }

    /// `VAR.attr`, with the variable checked to be bound.
    fn var_attr(&self, pair: Pair<'_, Rule>) -> Res<(String, String)> {
        let mut parts = pair.into_inner();
        let var = parts
            .next()
            .ok_or_else(|| self.error_at(0, 0, "internal error"))?;
        let attr = parts
            .next()
            .map(|a| a.as_str().to_string())
            .unwrap_or_default();
        Ok((self.bound(&var)?, attr))
    }

    fn kind(&self, pair: &Pair<'_, Rule>) -> Res<String> {
        let kind = pair.as_str();
        if self.vocab.is_event_kind(kind) {
            return Ok(kind.to_string());
        }
        let hint = Vocabulary::suggest(kind, self.vocab.event_kinds().map(|(k, _)| k));
        Err(self.error(
            pair,
            format!("unknown event kind `{kind}`{}", did_you_mean(hint)),
        ))
    }

    fn fact(&self, pair: &Pair<'_, Rule>) -> Res<(String, FactType)> {
        let path = pair.as_str();
        if let Some(def) = self.vocab.fact(path) {
            return Ok((path.to_string(), def.ty.clone()));
        }
        let hint = Vocabulary::suggest(path, self.vocab.facts().map(|f| f.path.as_str()));
        Err(self.error(pair, format!("unknown fact `{path}`{}", did_you_mean(hint))))
    }

    /// A fact that must be a string (an id), as `matches` and `matching` need.
    fn id_fact(&self, pair: &Pair<'_, Rule>, position: &str) -> Res<String> {
        let (path, ty) = self.fact(pair)?;
        if ty == FactType::String {
            Ok(path)
        } else {
            Err(self.error(
                pair,
                format!(
                    "type error: {position} needs a string (id) fact, but `{path}` is {} fact",
                    type_name(&ty)
                ),
            ))
        }
    }

    /// Binds a new variable; shadowing is an error.
    fn bind(&mut self, pair: &Pair<'_, Rule>) -> Res<String> {
        let var = pair.as_str().to_string();
        if self.scope.contains(&var) {
            return Err(self.error(
                pair,
                format!("variable `{var}` is already bound by an enclosing quantifier; choose another name"),
            ));
        }
        self.scope.push(var.clone());
        Ok(var)
    }

    fn bound(&self, pair: &Pair<'_, Rule>) -> Res<String> {
        let var = pair.as_str().to_string();
        if self.scope.contains(&var) {
            return Ok(var);
        }
        let hint = if self.scope.is_empty() {
            String::from(" (no variable is bound here)")
        } else {
            format!(" (bound here: {})", self.scope.join(", "))
        };
        Err(self.error(pair, format!("unbound variable `{var}`{hint}")))
    }
}

fn did_you_mean(hint: Option<String>) -> String {
    hint.map(|h| format!(" (did you mean `{h}`?)"))
        .unwrap_or_default()
}

fn type_name(ty: &FactType) -> &'static str {
    match ty {
        FactType::Bool => "a boolean",
        FactType::Int => "an integer",
        FactType::Date => "a date",
        FactType::String => "a string",
        FactType::Enum(_) => "an enum",
        FactType::List(_) => "a list",
    }
}

/// Children of a pair without punctuation and structural keywords.
fn significant(pair: Pair<'_, Rule>) -> impl Iterator<Item = Pair<'_, Rule>> {
    pair.into_inner().filter(|p| {
        !matches!(
            p.as_rule(),
            Rule::equals
                | Rule::colon
                | Rule::semi
                | Rule::lparen
                | Rule::rparen
                | Rule::comma
                | Rule::kw_fact
                | Rule::kw_due
                | Rule::kw_each
                | Rule::kw_or
                | Rule::kw_and
                | Rule::kw_not
                | Rule::kw_exists
                | Rule::kw_no
                | Rule::kw_all
                | Rule::kw_cadence
                | Rule::kw_every
                | Rule::kw_from
                | Rule::kw_through
                | Rule::kw_matching
                | Rule::kw_matches
                | Rule::kw_within
                | Rule::kw_before
                | Rule::kw_last_day
        )
    })
}

/// What `lower` makes of one definition.
pub(crate) struct Lowered {
    pub(crate) name: String,
    pub(crate) name_span: (usize, usize),
    pub(crate) kind: DefKind,
    pub(crate) body: Body,
}
