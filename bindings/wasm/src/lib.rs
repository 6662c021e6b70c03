#![forbid(unsafe_code)]
//! WebAssembly front door of the pdao engine. The logic lives in [`ffi`]
//! (plain Rust, tested natively); this file only converts between
//! JavaScript values and the strings `ffi` speaks.
//!
//! JavaScript API (see `README.md`): `new Engine()`, `Engine.fromFiles(files)`,
//! `Engine.checkFiles(files)`, `engine.decide(request)`,
//! `engine.decideJson(text)`, `engine.explainText(request)`,
//! `engine.check()`, `engine.version()`. Every failure is thrown as a plain
//! object `{code, message, field?, file?, line?, column?, problems?}`.

pub mod ffi;

use std::sync::{Once, OnceLock};

use js_sys::JSON;
use wasm_bindgen::prelude::*;

use crate::ffi::ErrorObject;

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = include_str!("types.d.ts");

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = console, js_name = error)]
    fn console_error(message: &str);
}

/// The first panic's message. Once set, the module's memory may be
/// inconsistent, so every later call is refused with a `panic` error.
static PANICKED: OnceLock<String> = OnceLock::new();
static HOOK: Once = Once::new();

/// Installs the panic hook (idempotent; also runs when the module starts).
///
/// The `wasm-release` profile has `panic = "abort"` (and wasm32 has no
/// unwinding on stable), so a panic would trap with an opaque
/// `RuntimeError: unreachable`. The hook runs before the abort: it logs the
/// message to `console.error`, remembers it, and throws the error object
/// `{code: "panic", message}` to the JavaScript caller, so the trap never
/// happens. Rust destructors of the panicking call do not run, so the module
/// is then poisoned: every later call throws the same `panic` error.
#[wasm_bindgen(start, js_name = __pdaoStart, skip_typescript)]
fn install_panic_hook() {
    HOOK.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            let error = ffi::panic_hook_error(info);
            let _ = PANICKED.set(error.message.clone());
            console_error(&format!("pdao: {}", error.message));
            if cfg!(target_arch = "wasm32") {
                wasm_bindgen::throw_val(to_js_error(&error));
            }
        }));
    });
}

/// Refuses to run after a panic.
fn guard() -> Result<(), JsValue> {
    let Some(first) = PANICKED.get() else {
        return Ok(());
    };
    Err(to_js_error(&ErrorObject::new(
        "panic",
        format!("the module panicked earlier and must be loaded again ({first})"),
    )))
}

/// An error object as a plain JS object.
fn to_js_error(error: &ErrorObject) -> JsValue {
    JSON::parse(&error.to_json()).unwrap_or_else(|_| JsValue::from_str(&error.message))
}

fn js_error(error: ErrorObject) -> JsValue {
    to_js_error(&error)
}

/// A JS value as JSON text (`JSON.stringify`), or an `invalid_request` error.
fn stringify(value: &JsValue, what: &str) -> Result<String, JsValue> {
    match JSON::stringify(value) {
        Ok(text) => JsValue::from(text).as_string().ok_or_else(|| {
            js_error(ErrorObject::new(
                "invalid_request",
                format!("the {what} must be a JSON object, found {}", type_of(value)),
            ))
        }),
        Err(e) => Err(js_error(ErrorObject::new(
            "invalid_request",
            format!(
                "the {what} cannot be converted to JSON: {}",
                describe_js_error(&e)
            ),
        ))),
    }
}

fn type_of(value: &JsValue) -> String {
    value
        .js_typeof()
        .as_string()
        .unwrap_or_else(|| "a value of unknown type".to_string())
}

fn describe_js_error(error: &JsValue) -> String {
    js_sys::Reflect::get(error, &JsValue::from_str("message"))
        .ok()
        .and_then(|m| m.as_string())
        .or_else(|| error.as_string())
        .unwrap_or_else(|| "unknown error".to_string())
}

/// JSON text produced by `ffi` as a JS value (`JSON.parse`).
fn parse(text: &str) -> Result<JsValue, JsValue> {
    JSON::parse(text).map_err(|e| {
        js_error(ErrorObject::new(
            "internal",
            format!(
                "the engine produced JSON that JavaScript cannot parse: {}",
                describe_js_error(&e)
            ),
        ))
    })
}

/// A loaded, prepared policy bundle. Create it once, decide many times.
#[wasm_bindgen(js_name = Engine)]
pub struct WasmEngine {
    inner: pdao::Engine,
}

#[wasm_bindgen(js_class = Engine)]
impl WasmEngine {
    /// The engine on the embedded default bundle.
    /// @throws {PdaoError} `bundle` if the embedded bundle does not load (it is
    /// embedded as it stands at build time, not validated then; the test
    /// suites load it, so a tested build does not throw), or `panic`.
    #[wasm_bindgen(constructor)]
    pub fn new() -> Result<WasmEngine, JsValue> {
        install_panic_hook();
        guard()?;
        let inner = ffi::embedded_engine().map_err(js_error)?;
        Ok(WasmEngine { inner })
    }

    /// The engine on a bundle given as `{ "facts.toml": "...", "hangzhou/jurisdiction.toml": "...", ... }`
    /// (paths relative to the bundle root, as in `policies/`).
    /// @throws {PdaoError} `bundle` with every problem, or `invalid_files`.
    #[wasm_bindgen(js_name = fromFiles)]
    pub fn from_files(
        #[wasm_bindgen(unchecked_param_type = "BundleFiles")] files: JsValue,
    ) -> Result<WasmEngine, JsValue> {
        install_panic_hook();
        guard()?;
        let text = stringify(&files, "bundle")?;
        let inner = ffi::engine_from_files_json(&text).map_err(js_error)?;
        Ok(WasmEngine { inner })
    }

    /// Loads and validates a bundle without keeping it: the summary, with
    /// `ok: false` and every problem when it does not load.
    /// @throws {PdaoError} `invalid_files` when `files` is not an object of strings.
    #[wasm_bindgen(js_name = checkFiles, unchecked_return_type = "CheckSummary")]
    pub fn check_files(
        #[wasm_bindgen(unchecked_param_type = "BundleFiles")] files: JsValue,
    ) -> Result<JsValue, JsValue> {
        install_panic_hook();
        guard()?;
        let text = stringify(&files, "bundle")?;
        let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
            js_error(ErrorObject::new(
                "invalid_files",
                format!("the bundle is not a JSON object of strings: {e}"),
            ))
        })?;
        parse(&ffi::check_files(&value).map_err(js_error)?)
    }

    /// Decides a request given as a plain object; returns the decision object.
    /// @throws {PdaoError} when the request breaks the contract (`code`, `field`).
    #[wasm_bindgen(unchecked_return_type = "Decision")]
    pub fn decide(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Request")] request: JsValue,
    ) -> Result<JsValue, JsValue> {
        guard()?;
        let text = stringify(&request, "request")?;
        parse(&ffi::decide_json(&self.inner, &text).map_err(js_error)?)
    }

    /// Decides a request given as JSON text; returns the decision as pretty
    /// JSON, byte-identical to the native `Decision::to_json_pretty()`.
    /// @throws {PdaoError} when the request breaks the contract (`code`, `field`, `line`, `column`).
    #[wasm_bindgen(js_name = decideJson)]
    pub fn decide_json(&self, request: &str) -> Result<String, JsValue> {
        guard()?;
        ffi::decide_json(&self.inner, request).map_err(js_error)
    }

    /// The decision rendered for people, as `pdao explain` prints it. Takes
    /// a request object or its JSON text.
    /// @throws {PdaoError} when the request breaks the contract.
    #[wasm_bindgen(js_name = explainText)]
    pub fn explain_text(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Request | string")] request: JsValue,
    ) -> Result<String, JsValue> {
        guard()?;
        let text = match request.as_string() {
            Some(text) => text,
            None => stringify(&request, "request")?,
        };
        ffi::explain_json(&self.inner, &text).map_err(js_error)
    }

    /// The loaded bundle in numbers: version, layers, policy count, problems (always empty here).
    #[wasm_bindgen(unchecked_return_type = "CheckSummary")]
    pub fn check(&self) -> Result<JsValue, JsValue> {
        guard()?;
        parse(&ffi::check(&self.inner))
    }

    /// For a denied request (object or JSON text): the smallest verified
    /// changes of facts or events that would allow it, as `pdao why-not
    /// --json` prints them. `budget` bounds the evaluations (default 10 000).
    /// @throws {PdaoError} when the request breaks the contract.
    #[wasm_bindgen(js_name = whyNot, unchecked_return_type = "WhyNot")]
    pub fn why_not(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Request | string")] request: JsValue,
        budget: Option<u32>,
    ) -> Result<JsValue, JsValue> {
        guard()?;
        let text = match request.as_string() {
            Some(text) => text,
            None => stringify(&request, "request")?,
        };
        let budget = budget.map_or(0, |b| b as usize);
        parse(&ffi::why_not_json(&self.inner, &text, budget).map_err(js_error)?)
    }

    /// The fact vocabulary, for building forms: facts with their type and
    /// meaning, materials, event kinds, actions, jurisdictions.
    #[wasm_bindgen(unchecked_return_type = "Vocabulary")]
    pub fn vocabulary(&self) -> Result<JsValue, JsValue> {
        guard()?;
        parse(&ffi::vocabulary_json(&self.inner))
    }

    /// The bundle's `policy_version` (`sha256:<hex>`), as in every decision.
    pub fn version(&self) -> Result<String, JsValue> {
        guard()?;
        Ok(ffi::version(&self.inner))
    }
}

/// Test hook: panics inside the module, to exercise the panic hook. The
/// module is poisoned afterwards. Not part of the API.
#[wasm_bindgen(js_name = __pdaoPanicForTests, skip_typescript)]
#[allow(clippy::panic)]
pub fn panic_for_tests(message: &str) {
    install_panic_hook();
    panic!("{message}");
}
