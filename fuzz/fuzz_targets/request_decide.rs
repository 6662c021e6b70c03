//! Arbitrary bytes as a request: never a panic; an accepted request decides
//! deterministically, round-trips through its own JSON, and an `allow` has
//! no reasons and nothing missing. A rejected one has a code and a field or
//! a position. See `pdao_fuzz::decide_and_check`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    pdao_fuzz::decide_and_check(pdao_fuzz::engine(), text);
});
