//! Arbitrary policy and temporal text (`.cedar`, NUL, `.rules`) loaded into
//! the `zhejiang` layer of a bundle made of the real vocabulary, schema and
//! layer files: never a panic; every problem is located in a file of the
//! bundle; a bundle that loads decides a few golden requests of its chain,
//! keeping the decision invariants (`allow` has no reasons and nothing
//! missing) whatever the policies compute — including evaluation errors.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pdao::Engine;

fuzz_target!(|data: &[u8]| {
    let Some((cedar, rules)) = pdao_fuzz::split_bundle_input(data) else {
        return;
    };
    match pdao_fuzz::load_fuzzed_bundle(cedar, rules) {
        Ok(bundle) => {
            let engine = Engine::new(bundle);
            for text in pdao_fuzz::zhejiang_chain_requests(4) {
                if let Ok(request) = engine.parse_request(text) {
                    let decision = engine.decide(&request);
                    pdao_fuzz::check_decision(&engine, &request, &decision);
                }
            }
        }
        Err(error) => {
            assert!(!error.problems.is_empty(), "an error without problems");
            // Every problem has a code: `ProblemCode` is an enum.
            for problem in &error.problems {
                assert!(
                    !problem.file.is_empty(),
                    "a problem without a file: {problem:?}"
                );
                if let (Some(text), Some((offset, len))) = (&problem.source_text, problem.span) {
                    assert!(offset <= text.len(), "span outside the text: {problem:?}");
                    let _ = len;
                }
            }
        }
    }
});
