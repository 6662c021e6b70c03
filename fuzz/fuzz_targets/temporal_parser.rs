//! Arbitrary text as a `*.rules` file, parsed against the real vocabulary:
//! never a panic; an error points inside the text; every definition that
//! parses is evaluated against a fixed sample of golden requests without
//! panicking, and its outcome is consistent (a
//! decided `fact`/`due` needs nothing; an undecided one names what it needs).
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use pdao::temporal::{parse_rules, DefKind, Truth};
use pdao::Request;

fn requests() -> &'static [Request] {
    static REQUESTS: OnceLock<Vec<Request>> = OnceLock::new();
    REQUESTS.get_or_init(|| pdao_fuzz::sample_requests(16))
}

fuzz_target!(|data: &[u8]| {
    let Ok(source) = std::str::from_utf8(data) else {
        return;
    };
    match parse_rules("fuzz.rules", source, pdao_fuzz::vocabulary()) {
        Ok(file) => {
            for def in &file.definitions {
                assert!(def.line >= 1);
                for request in requests() {
                    let outcome = def.evaluate(request);
                    if def.kind != DefKind::Each {
                        // Three-valued results: a decided one depends on no
                        // missing fact; an undecided one names what it needs.
                        assert_eq!(
                            outcome.truth == Truth::Unknown,
                            !outcome.needed.is_empty(),
                            "`{}`: {:?} with needed {:?}",
                            def.name,
                            outcome.truth,
                            outcome.needed
                        );
                    }
                    if outcome.due.is_some() {
                        assert_eq!(outcome.truth, Truth::True, "a due date that is not true");
                    }
                }
            }
        }
        Err(e) => {
            assert!(e.line >= 1 && e.column >= 1);
            let (offset, len) = e.span;
            assert!(offset + len <= source.len(), "span outside the text");
        }
    }
});
