//! The benchmark requests (`benches/requests/*.json`), compiled in so the
//! benchmarks need no paths at run time.

/// A complete Hangzhou application that is allowed (a copy of
/// `examples/hangzhou-apply.json`).
pub const HANGZHOU_APPLY_ALLOW: &str = include_str!("../requests/hangzhou-apply-allow.json");

/// A Hangzhou application denied for six reasons (missing material and a
/// stale audit report, no credit statement, no cryptography experience, a
/// recent incident, two scenarios, no emergency plan).
pub const HANGZHOU_APPLY_DENY: &str = include_str!("../requests/hangzhou-apply-deny.json");

/// A Zhaoqing cross-border product export under a standard contract
/// (allowed, with the registration obligation).
pub const ZHAOQING_EXPORT_PRODUCT: &str = include_str!("../requests/zhaoqing-export-product.json");

/// A Quanzhou above-limit partial outsourcing procured on the market (the
/// golden case of the same name; allowed, with the reporting obligation).
pub const QUANZHOU_OUTSOURCE: &str = include_str!("../requests/quanzhou-outsource.json");

/// Every benchmark request with its short name.
pub const ALL: [(&str, &str); 4] = [
    ("hangzhou_apply_allow", HANGZHOU_APPLY_ALLOW),
    ("hangzhou_apply_deny", HANGZHOU_APPLY_DENY),
    ("zhaoqing_export_product", ZHAOQING_EXPORT_PRODUCT),
    ("quanzhou_outsource", QUANZHOU_OUTSOURCE),
];
