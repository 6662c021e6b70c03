//! Arbitrary bytes through the WASM binding's JSON entry points compiled
//! natively (`pdao_wasm::ffi`): never a panic, and the binding agrees with
//! the library exactly — the same decision JSON, or an error object with the
//! same code, field and position as the library's `RequestError`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pdao_wasm::ffi;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let engine = pdao_fuzz::engine();
    let library = engine.decide_json(text);
    let binding = ffi::decide_json(engine, text);
    match (&library, &binding) {
        (Ok(decision), Ok(json)) => assert_eq!(&decision.to_json_pretty(), json),
        (Err(e), Err(object)) => {
            assert_eq!(object.code, e.code());
            assert_eq!(object.field.as_deref(), e.field());
            assert_eq!(
                object.line.zip(object.column),
                e.position(),
                "positions differ"
            );
            let json = object.to_json();
            assert!(serde_json::from_str::<serde_json::Value>(&json).is_ok());
        }
        _ => panic!("library and binding disagree: {library:?} vs {binding:?}"),
    }
    // The same request as a JSON value (what JavaScript objects become):
    // when the text is one JSON value, deciding it gives the same outcome
    // as deciding the text, up to duplicate keys and positions.
    if let Ok(value) = serde_json::from_str::<serde_json::Value>(text) {
        let by_value = ffi::decide_value(engine, &value);
        if let (Ok(json), Ok(decision)) = (&by_value, &library) {
            assert_eq!(json, &decision.to_json_pretty());
        }
        if library.is_ok() {
            assert!(
                by_value.is_ok(),
                "accepted as text, rejected as a value: {by_value:?}"
            );
        }
    }
    let _ = ffi::explain_json(engine, text);
});
