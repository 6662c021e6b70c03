//! The benchmark inputs decide as their names say, the raw-Cedar baseline
//! sees the same outcome on the same policies, and the grown bundles load.

use std::collections::BTreeSet;

use cedar_policy::Decision as CedarDecision;
use pdao::{Engine, RequestError, Verdict};
use pdao_bench::raw_cedar::{self, RawCedar};
use pdao_bench::{decide_batch, requests, synthetic};

fn reasons(engine: &Engine, text: &str) -> Result<(Verdict, BTreeSet<String>), RequestError> {
    let decision = engine.decide_json(text)?;
    let ids = decision.reasons.iter().map(|r| r.rule.clone()).collect();
    Ok((decision.decision, ids))
}

#[test]
fn benchmark_requests_decide_as_named() {
    let engine = Engine::embedded().unwrap();
    for (name, text) in requests::ALL {
        let (verdict, ids) = reasons(&engine, text).unwrap();
        if name.ends_with("deny") {
            assert_eq!(verdict, Verdict::Deny, "{name}");
            assert!(ids.len() >= 5, "{name}: only {ids:?}");
        } else {
            assert_eq!(verdict, Verdict::Allow, "{name}: {ids:?}");
        }
    }
}

#[test]
fn raw_cedar_reaches_the_same_outcome_on_the_same_policies() {
    let engine = Engine::embedded().unwrap();
    let bundle = engine.bundle();
    let raw = RawCedar::new(bundle).unwrap();
    assert_eq!(raw.len(), bundle.rules().len());
    for (name, text) in requests::ALL {
        let request = engine.parse_request(text).unwrap();
        let decision = engine.decide(&request);
        let cedar_request = raw.request(bundle, &request).unwrap();
        let response = raw.is_authorized(&cedar_request);
        let chain = raw_cedar::chain(bundle, request.jurisdiction());
        let in_chain: BTreeSet<String> = raw
            .reason_rules(bundle, &response)
            .into_iter()
            .filter(|id| chain.iter().any(|l| id.starts_with(&format!("{l}."))))
            .collect();
        match decision.decision {
            Verdict::Allow => assert_eq!(response.decision(), CedarDecision::Allow, "{name}"),
            Verdict::Deny => {
                assert_eq!(response.decision(), CedarDecision::Deny, "{name}");
                // Every reason pdao decided without a missing fact is a
                // forbid that fired in raw Cedar too (a rule reading a
                // missing fact errs in Cedar instead).
                for reason in decision.reasons.iter().filter(|r| r.missing.is_empty()) {
                    assert!(
                        in_chain.contains(&reason.rule),
                        "{name}: {} not among {in_chain:?}",
                        reason.rule
                    );
                }
            }
        }
        // The selected set is exactly the rules pdao evaluated, and decides
        // like the whole set.
        let selected = RawCedar::for_request(bundle, &request).unwrap();
        let evaluated = engine.evaluate(&request).outcomes;
        assert_eq!(selected.len(), evaluated.len(), "{name}");
        let selected_response = selected.is_authorized(&cedar_request);
        assert_eq!(selected_response.decision(), response.decision(), "{name}");
        let mut ids = selected.reason_rules(bundle, &selected_response);
        ids.dedup();
        for id in &ids {
            assert!(evaluated.iter().any(|o| &o.rule == id), "{name}: {id}");
        }
        // The context carries the temporal results pdao computed.
        assert!(!raw_cedar::temporal(bundle, &request).is_empty(), "{name}");
    }
}

#[test]
fn the_grown_bundle_loads_and_still_allows_the_hangzhou_application() {
    let engine = Engine::embedded().unwrap();
    let base = engine.bundle().rules().len();
    let grown = synthetic::grown(engine.bundle(), 3).unwrap();
    assert_eq!(grown.rules().len(), base * 3);
    let grown = Engine::new(grown);
    let decision = grown.decide_json(requests::HANGZHOU_APPLY_ALLOW).unwrap();
    assert_eq!(decision.decision, Verdict::Allow);
    assert!(decision
        .satisfied
        .iter()
        .any(|id| id.starts_with("hangzhou.synthetic.")));
    // The deny request meets the synthetic rules' forbid shape on its
    // second scenario only when the data is prohibited; it stays a deny.
    let (verdict, _) = reasons(&grown, requests::HANGZHOU_APPLY_DENY).unwrap();
    assert_eq!(verdict, Verdict::Deny);
}

#[test]
fn batches_decide_the_same_on_one_and_two_threads() {
    let engine = Engine::embedded().unwrap();
    let batch = pdao_bench::batch(&engine, 60, 2).unwrap();
    assert_eq!(batch.len(), 68);
    assert_eq!(
        decide_batch(&engine, &batch, 1),
        decide_batch(&engine, &batch, 2)
    );
}
