//! The adversarial requests of `pdao_bench::adversarial` (the worst found
//! within the documented limits), decided in the test suite: their exact
//! verdict, reason rule ids, missing facts and number of obligations, so
//! that the shortcuts that make them fast are checked on them too. Their
//! timings are in the `adversarial` criterion group.
//!
//! The cases are built here with 1 500 events, which have the shape of the
//! 10 000-event cases (same verdicts, reasons and missing facts; the open
//! incidents, and so the obligations, scale with the events) and keep the
//! test quick in a debug build.

use pdao::{Engine, Verdict};
use pdao_bench::adversarial;

/// Events per case in this test.
const EVENTS: usize = 1_500;

/// (case, verdict, reason rule ids, missing facts, obligations).
type Expected = (
    &'static str,
    Verdict,
    &'static [&'static str],
    &'static [&'static str],
    usize,
);

const EXPECTED: &[Expected] = &[
    (
        "open_incidents_refless_reports_after",
        Verdict::Deny,
        &[
            "national.csl.network_log_retention",
            "national.dsl.incident_handling",
            "zhejiang.conduct.no_misuse",
            "zhejiang.report.annual",
            "zhejiang.security.emergency_plan",
            "hangzhou.conduct.no_unauthorised_retention",
            "hangzhou.operator.self_supervision",
            "hangzhou.report.annual_after_first_year",
            "hangzhou.report.security_six_monthly",
        ],
        &[
            "data.misuse",
            "data.retained_unauthorised",
            "incident_reported.ref",
            "operator.log_retention_months",
            "operator.self_supervision",
            "scenario.emergency_plan",
        ],
        0,
    ),
    (
        "open_incidents_other_refs_after",
        Verdict::Deny,
        &[
            "national.csl.network_log_retention",
            "zhejiang.conduct.no_misuse",
            "zhejiang.report.annual",
            "zhejiang.security.emergency_plan",
            "hangzhou.conduct.no_unauthorised_retention",
            "hangzhou.operator.self_supervision",
            "hangzhou.report.annual_after_first_year",
            "hangzhou.report.security_six_monthly",
        ],
        &[
            "data.misuse",
            "data.retained_unauthorised",
            "operator.log_retention_months",
            "operator.self_supervision",
            "scenario.emergency_plan",
        ],
        750,
    ),
    (
        "open_incidents_reports_before",
        Verdict::Deny,
        &[
            "national.csl.network_log_retention",
            "zhejiang.conduct.no_misuse",
            "zhejiang.report.annual",
            "zhejiang.security.emergency_plan",
            "hangzhou.conduct.no_unauthorised_retention",
            "hangzhou.operator.self_supervision",
            "hangzhou.report.annual_after_first_year",
            "hangzhou.report.security_six_monthly",
        ],
        &[
            "data.misuse",
            "data.retained_unauthorised",
            "operator.log_retention_months",
            "operator.self_supervision",
            "scenario.emergency_plan",
        ],
        750,
    ),
    (
        "open_incidents_one_ref",
        Verdict::Deny,
        &[
            "national.csl.network_log_retention",
            "zhejiang.conduct.no_misuse",
            "zhejiang.report.annual",
            "zhejiang.security.emergency_plan",
            "hangzhou.conduct.no_unauthorised_retention",
            "hangzhou.operator.self_supervision",
            "hangzhou.report.annual_after_first_year",
            "hangzhou.report.security_six_monthly",
        ],
        &[
            "data.misuse",
            "data.retained_unauthorised",
            "operator.log_retention_months",
            "operator.self_supervision",
            "scenario.emergency_plan",
        ],
        0,
    ),
    (
        "corrections_refless_rectified_after",
        Verdict::Deny,
        &[
            "national.pipl.consent_voluntary_explicit",
            "national.pipl.sensitive_separate_consent",
            "zhejiang.conduct.no_misuse",
            "zhejiang.data.no_prohibited_open",
            "zhejiang.processing.in_domain",
            "zhejiang.processing.raw_data_invisible",
            "zhejiang.processing.report_harmful_relations",
            "zhejiang.processing.stop_on_harmful_relations",
            "zhejiang.processing.training_data_sampled_desensitized",
            "zhejiang.security.emergency_plan",
            "zhejiang.violation.suspension",
            "hangzhou.processing.report_possible_harm",
            "hangzhou.processing.stop_on_possible_harm",
        ],
        &[
            "data.consent",
            "data.hidden_risk",
            "data.in_domain",
            "data.misuse",
            "data.model_training",
            "data.open_class",
            "data.personal_info",
            "data.raw_visible",
            "data.sensitive_pi",
            "rectified.ref",
            "scenario.emergency_plan",
        ],
        0,
    ),
    (
        "corrections_overdue_refless_rectified",
        Verdict::Deny,
        &[
            "national.csl.network_log_retention",
            "quanzhou.competition.no_monopoly",
            "quanzhou.competition.no_unfair_practices",
            "quanzhou.operator.data_governance_structure",
            "quanzhou.platform.log_retention_3y",
            "quanzhou.project.design_review_first",
            "quanzhou.rectification.within_time_limit",
            "quanzhou.security.regime_and_team",
            "quanzhou.staff.change_needs_approval",
        ],
        &[
            "operator.competition_conduct",
            "operator.log_retention_months",
            "operator.role",
            "operator.security_regime",
            "operator.security_team",
            "operator.unfair_conduct",
            "rectified.ref",
        ],
        0,
    ),
    (
        "decisions_without_agreement_id",
        Verdict::Deny,
        &[
            "quanzhou.competition.no_monopoly",
            "quanzhou.competition.no_unfair_practices",
            "quanzhou.outsource.report_before_implementation",
            "quanzhou.project.design_review_first",
            "quanzhou.project.no_whole_subcontracting",
            "quanzhou.project.partial_outsourcing_route",
        ],
        &[
            "agreement.id",
            "agreement.subcontract_exception_approved",
            "agreement.whole_subcontract",
            "operator.competition_conduct",
            "operator.role",
            "operator.unfair_conduct",
        ],
        0,
    ),
    (
        "staff_changes_refless",
        Verdict::Deny,
        &[
            "national.csl.network_log_retention",
            "quanzhou.competition.no_monopoly",
            "quanzhou.competition.no_unfair_practices",
            "quanzhou.operator.data_governance_structure",
            "quanzhou.platform.log_retention_3y",
            "quanzhou.project.design_review_first",
            "quanzhou.security.regime_and_team",
            "quanzhou.staff.change_needs_approval",
        ],
        &[
            "operator.competition_conduct",
            "operator.log_retention_months",
            "operator.role",
            "operator.security_regime",
            "operator.security_team",
            "operator.unfair_conduct",
        ],
        0,
    ),
    (
        "staff_changes_one_ref_interleaved",
        Verdict::Deny,
        &[
            "national.csl.network_log_retention",
            "quanzhou.competition.no_monopoly",
            "quanzhou.competition.no_unfair_practices",
            "quanzhou.operator.data_governance_structure",
            "quanzhou.platform.log_retention_3y",
            "quanzhou.project.design_review_first",
            "quanzhou.security.regime_and_team",
            "quanzhou.staff.change_needs_approval",
        ],
        &[
            "operator.competition_conduct",
            "operator.log_retention_months",
            "operator.role",
            "operator.security_regime",
            "operator.security_team",
            "operator.unfair_conduct",
        ],
        0,
    ),
    (
        "staff_changes_approved_long_before",
        Verdict::Deny,
        &[
            "national.csl.network_log_retention",
            "quanzhou.competition.no_monopoly",
            "quanzhou.competition.no_unfair_practices",
            "quanzhou.operator.data_governance_structure",
            "quanzhou.platform.log_retention_3y",
            "quanzhou.project.design_review_first",
            "quanzhou.security.regime_and_team",
            "quanzhou.staff.change_needs_approval",
        ],
        &[
            "operator.competition_conduct",
            "operator.log_retention_months",
            "operator.role",
            "operator.security_regime",
            "operator.security_team",
            "operator.unfair_conduct",
        ],
        0,
    ),
    (
        "cadence_6_months_from_year_1_unknown_id_and_end",
        Verdict::Deny,
        &[
            "national.csl.network_log_retention",
            "zhejiang.agreement.in_force",
            "zhejiang.conduct.no_misuse",
            "zhejiang.report.annual",
            "zhejiang.security.emergency_plan",
            "hangzhou.conduct.no_unauthorised_retention",
            "hangzhou.operator.self_supervision",
            "hangzhou.report.annual_after_first_year",
            "hangzhou.report.security_six_monthly",
        ],
        &[
            "agreement.end",
            "agreement.id",
            "data.misuse",
            "data.retained_unauthorised",
            "operator.log_retention_months",
            "operator.self_supervision",
            "scenario.emergency_plan",
        ],
        0,
    ),
    (
        "cadence_3_months_from_year_1_unknown_id_and_end",
        Verdict::Deny,
        &[
            "national.csl.network_log_retention",
            "zhaoqing.conduct.no_misuse",
            "zhaoqing.conduct.no_monopoly",
            "zhaoqing.disclosure.capability_list",
            "zhaoqing.report.quarterly",
        ],
        &[
            "data.misuse",
            "operator.competition_conduct",
            "operator.log_retention_months",
            "operator.role",
        ],
        0,
    ),
    (
        "cadence_12_months_from_year_1_known",
        Verdict::Deny,
        &[
            "national.csl.network_log_retention",
            "zhejiang.conduct.no_misuse",
            "zhejiang.report.annual",
            "zhejiang.security.emergency_plan",
        ],
        &[
            "data.misuse",
            "operator.log_retention_months",
            "scenario.emergency_plan",
        ],
        0,
    ),
    (
        "xborder_assessments_expired",
        Verdict::Deny,
        &[
            "national.xborder.regime_2024",
            "zhaoqing.conduct.no_misuse",
            "zhaoqing.conduct.no_monopoly",
            "zhaoqing.data.excluded",
            "zhaoqing.data.subject_authorisation",
            "zhaoqing.export.no_raw_data_out",
            "zhaoqing.product.compliance_review",
            "zhaoqing.request.shared_data_consent",
            "zhaoqing.use.agreed_scenario_only",
        ],
        &[
            "data.desensitized",
            "data.legally_confidential",
            "data.misuse",
            "data.open_class",
            "data.personal_info",
            "data.shared_from_other",
            "data.trade_secret",
            "operator.competition_conduct",
            "product.approved_scenarios",
            "product.compliance_reviewed",
            "product.cross_border",
            "product.raw_package",
            "product.reversible",
            "product.xborder_exempt",
            "scenario.id",
        ],
        0,
    ),
    (
        "reviews_for_other_scenarios",
        Verdict::Deny,
        &[
            "zhejiang.agreement.form",
            "zhejiang.agreement.term_max_3y",
            "zhejiang.data.no_prohibited_open",
            "zhejiang.grant.government_determination",
            "zhejiang.security.emergency_plan",
            "hangzhou.agreement.term",
            "hangzhou.grant.published_before_signing",
            "hangzhou.review.result_valid_two_years",
            "hangzhou.scenario.network_security_review",
            "hangzhou.scenario.one_scenario_one_list",
        ],
        &[
            "agreement.clauses",
            "agreement.end",
            "agreement.grantor",
            "agreement.start",
            "agreement.term_exception_approved",
            "agreement.trial_months",
            "agreement.written",
            "data.open_class",
            "scenario.count",
            "scenario.data_list",
            "scenario.emergency_plan",
            "scenario.security_review_passed",
        ],
        0,
    ),
    (
        "incidents_long_ago",
        Verdict::Deny,
        &[
            "zhejiang.apply.materials",
            "zhejiang.apply.within_call_window",
            "zhejiang.data.no_prohibited_open",
            "zhejiang.operator.basic",
            "zhejiang.operator.data_capability",
            "zhejiang.operator.mlps3",
            "zhejiang.operator.security_governance",
            "zhejiang.scenario.feasibility",
            "zhejiang.scenario.minimum_necessary",
            "zhejiang.scenario.notice_conditions",
            "zhejiang.scenario.value_and_safeguards",
            "hangzhou.scenario.network_security_review",
            "hangzhou.scenario.one_scenario_one_list",
            "hangzhou.security.emergency_plan_at_review",
        ],
        &[
            "data.in_scenario",
            "data.minimum_necessary",
            "data.open_class",
            "operator.credit_ok",
            "operator.crypto_eval_experience",
            "operator.data_capability",
            "operator.domain_capability",
            "operator.mlps3_experience",
            "operator.security_officer",
            "operator.security_regime",
            "operator.sound_operation",
            "scenario.count",
            "scenario.data_list",
            "scenario.emergency_plan",
            "scenario.feasible",
            "scenario.major_value",
            "scenario.notice_conditions",
            "scenario.plan_within_term",
            "scenario.security_measures",
            "scenario.security_review_passed",
        ],
        0,
    ),
    (
        "lists_at_limit",
        Verdict::Deny,
        &["zhejiang.use.approved_scenarios_only"],
        &["scenario.id"],
        0,
    ),
];

#[test]
fn the_adversarial_requests_decide_as_expected() {
    let engine = Engine::embedded().unwrap();
    let cases = adversarial::cases(EVENTS);
    let names: Vec<&str> = cases.iter().map(|c| c.name).collect();
    let expected: Vec<&str> = EXPECTED.iter().map(|e| e.0).collect();
    assert_eq!(names, expected, "every case has its expectation");
    for (case, (name, verdict, reasons, missing, obligations)) in cases.iter().zip(EXPECTED) {
        let decision = engine.decide_json(&case.json).unwrap();
        assert_eq!(decision.decision, *verdict, "{name}");
        assert_eq!(decision.reason_ids(), *reasons, "{name}");
        assert_eq!(decision.missing, *missing, "{name}");
        assert_eq!(decision.obligations.len(), *obligations, "{name}");
        // The explained decision is the decision.
        let explained = engine.decide(&engine.parse_request(&case.json).unwrap());
        assert_eq!(explained, decision, "{name}");
    }
}

/// The open incidents scale with the history: each of the n/2 incidents
/// followed only by reports about other incidents stays open (one
/// obligation each), while reports without a ref leave every incident
/// undecided (no obligation, `incident_reported.ref` missing).
#[test]
fn open_incidents_scale_with_the_history() {
    let engine = Engine::embedded().unwrap();
    for events in [30, 300] {
        let cases = adversarial::cases(events);
        let find = |name: &str| {
            let case = cases.iter().find(|c| c.name == name).unwrap();
            engine.decide_json(&case.json).unwrap()
        };
        assert_eq!(
            find("open_incidents_other_refs_after").obligations.len(),
            events / 2
        );
        assert_eq!(
            find("open_incidents_reports_before").obligations.len(),
            events / 2
        );
        let undecided = find("open_incidents_refless_reports_after");
        assert!(undecided.obligations.is_empty());
        assert!(undecided
            .missing
            .contains(&"incident_reported.ref".to_string()));
        assert!(undecided
            .reason_ids()
            .contains(&"national.dsl.incident_handling"));
    }
}
