//! Arbitrary bytes as a request, decided by the compiled evaluator and by
//! Cedar (`Evaluator::Cedar`): the same outcome for every rule and
//! byte-identical decision JSON. See `pdao_fuzz::compare_evaluators`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    pdao_fuzz::compare_evaluators(text);
});
