//! Property testing for policy authors (cargo feature `testing`).
//!
//! Strategies generate valid requests from a bundle's vocabulary
//! ([`requests`], [`requests_for`], shaped by [`GenConfig`]); five ready
//! laws run on a bundle — determinism, fail-closed, lex superior, time and
//! monotone windows — each as a per-request check (`check_*`) for your own
//! `proptest!` blocks and as a seeded runner (`law_*`) returning a
//! [`LawReport`]. `docs/AUTHORS.md` shows how to add a law of your own.
//!
//! ```no_run
//! use pdao::testing::{law_fail_closed, LawConfig};
//! let engine = pdao::Engine::new(pdao::Bundle::from_dir("policies")?);
//! let report = law_fail_closed(&engine, &LawConfig::with_cases(2_000))?;
//! assert!(report.exercised > 0);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod laws;
mod strategies;

pub use laws::{
    check_determinism, check_fail_closed, check_lex_superior, check_monotone, check_time,
    facts_read, law_determinism, law_fail_closed, law_lex_superior, law_monotone_windows, law_time,
    random_policy, window_variant, Direction, GeneratedPolicy, LawConfig, LawError, LawReport,
    OverrideClaim, Removal, Window,
};
pub use strategies::{requests, requests_for, GenConfig};
