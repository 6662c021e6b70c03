//! The Rego baseline (`rego/hangzhou_apply.rego`) on regorus, shared by the
//! Rego bench, the agreement test and the profiling example through
//! `#[path]` (regorus is a dev-dependency, so it cannot live in the lib).

#![allow(dead_code)] // each including target uses a different subset

use std::collections::BTreeSet;
use std::sync::Arc;

use regorus::languages::rego::compiler::Compiler;
use regorus::rvm::program::Program;
use regorus::rvm::vm::RegoVM;
use regorus::{Engine, Value};

/// The policy text.
pub const POLICY: &str = include_str!("../rego/hangzhou_apply.rego");

/// The rule computing the set of denying rule ids.
pub const DENY: &str = "data.pdao.hangzhou_apply.deny";

type Result<T> = std::result::Result<T, String>;

/// A regorus engine with the policy added (parsed once).
pub fn engine() -> Result<Engine> {
    let mut engine = Engine::new();
    engine
        .add_policy("hangzhou_apply.rego".into(), POLICY.into())
        .map_err(|e| format!("rego policy: {e}"))?;
    Ok(engine)
}

/// The policy compiled for the regorus register VM (RVM), entry point `deny`.
pub fn program() -> Result<Arc<Program>> {
    let mut engine = engine()?;
    let compiled = engine
        .compile_with_entrypoint(&DENY.into())
        .map_err(|e| format!("rego compile: {e}"))?;
    Compiler::compile_from_policy(&compiled, &[DENY]).map_err(|e| format!("rvm compile: {e}"))
}

/// A register VM with the program loaded.
pub fn vm(program: &Arc<Program>) -> RegoVM {
    let mut vm = RegoVM::new();
    vm.load_program(program.clone());
    vm
}

/// A request's JSON text as a regorus value.
pub fn input(json: &str) -> Result<Value> {
    Value::from_json_str(json).map_err(|e| format!("rego input: {e}"))
}

/// The timed part on the interpreter: set the input, evaluate `deny`.
pub fn eval(engine: &mut Engine, input: Value) -> Result<Value> {
    engine.set_input(input);
    engine
        .eval_rule(DENY.into())
        .map_err(|e| format!("rego eval: {e}"))
}

/// The timed part on the register VM: set the input, execute.
pub fn eval_vm(vm: &mut RegoVM, input: Value) -> Result<Value> {
    vm.set_input(input);
    vm.execute().map_err(|e| format!("rvm eval: {e}"))
}

/// The rule ids of a `deny` result.
pub fn reasons(value: &Value) -> Result<BTreeSet<String>> {
    let set = value
        .as_set()
        .map_err(|e| format!("deny is not a set: {e}"))?;
    set.iter()
        .map(|v| {
            v.as_string()
                .map(|s| s.to_string())
                .map_err(|e| format!("deny holds a non-string: {e}"))
        })
        .collect()
}
