//! `GET /openapi.json`: generated, not written. The paths and the response
//! schemas come from the handlers' annotations and the Rust types they
//! serialise (`utoipa`); the request schema comes from the active bundle's
//! vocabulary — its jurisdictions, actions, facts with their types,
//! materials and event kinds — so it changes with the bundle.

use std::borrow::Cow;

use pdao::{FactType, Vocabulary, OBJECTS};
use utoipa::openapi::schema::{
    AdditionalProperties, ArrayBuilder, KnownFormat, ObjectBuilder, Schema, SchemaFormat, Type,
};
use utoipa::openapi::RefOr;
use utoipa::OpenApi;

use crate::api;

/// A request of the contract. Its schema in the document is generated
/// from the active bundle's vocabulary (see [`request_schema`]).
pub(crate) struct ContractRequest;

impl utoipa::PartialSchema for ContractRequest {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new().schema_type(Type::Object).into()
    }
}

impl utoipa::ToSchema for ContractRequest {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Request")
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "pdao decision service",
        description = "Decisions on public-data authorised operation requests, with citations, an audit trail and live rule updates. Errors are JSON objects {code, message, field, line, column}.",
    ),
    paths(
        api::decide,
        api::decide_batch,
        api::explain,
        api::why_not,
        api::bundle,
        api::reload,
        api::healthz,
        api::readyz,
        api::metrics,
        api::openapi,
    ),
    components(schemas(ContractRequest, crate::error::ErrorBody))
)]
struct ApiDoc;

/// The document for a bundle's vocabulary, as JSON.
pub(crate) fn document(vocabulary: &Vocabulary) -> String {
    let mut doc = ApiDoc::openapi();
    if let Some(components) = doc.components.as_mut() {
        components
            .schemas
            .insert("Request".to_string(), request_schema(vocabulary));
    }
    doc.to_pretty_json().unwrap_or_else(|e| {
        crate::error::ErrorBody::new("internal", format!("cannot serialise: {e}")).to_json()
    })
}

fn string() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::String)
}

fn date() -> ObjectBuilder {
    string().format(Some(SchemaFormat::KnownFormat(KnownFormat::Date)))
}

fn one_of_strings(values: &[String]) -> ObjectBuilder {
    string().enum_values(Some(values.iter().cloned()))
}

fn closed(object: ObjectBuilder) -> ObjectBuilder {
    object.additional_properties(Some(AdditionalProperties::<Schema>::FreeForm(false)))
}

fn fact_schema(ty: &FactType) -> RefOr<Schema> {
    match ty {
        FactType::Bool => ObjectBuilder::new().schema_type(Type::Boolean).into(),
        FactType::Int => ObjectBuilder::new()
            .schema_type(Type::Integer)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
            .into(),
        FactType::Date => date().into(),
        FactType::String => string().into(),
        FactType::Enum(values) => one_of_strings(values).into(),
        FactType::List(Some(values)) => ArrayBuilder::new().items(one_of_strings(values)).into(),
        FactType::List(None) => ArrayBuilder::new().items(string()).into(),
    }
}

/// The request schema of a vocabulary: every object with its facts, the
/// materials and event kinds, unknown keys refused (as the engine does).
pub(crate) fn request_schema(vocabulary: &Vocabulary) -> RefOr<Schema> {
    let mut request = closed(ObjectBuilder::new().schema_type(Type::Object))
        .description(Some(
            "A request of the contract; a fact the request lacks fails closed and is listed in `missing`.",
        ))
        .property(
            "jurisdiction",
            one_of_strings(vocabulary.jurisdictions())
                .description(Some("The layer deciding, with its chain above it.")),
        )
        .required("jurisdiction")
        .property(
            "date",
            date().description(Some("The day of the act: only rules in force then apply.")),
        )
        .required("date")
        .property("action", one_of_strings(vocabulary.actions()))
        .required("action");
    for object in OBJECTS {
        let prefix = format!("{object}.");
        let mut schema = closed(ObjectBuilder::new().schema_type(Type::Object));
        for fact in vocabulary.facts() {
            if let Some(name) = fact.path.strip_prefix(&prefix) {
                let property = match fact_schema(&fact.ty) {
                    RefOr::T(Schema::Object(o)) => {
                        let mut o = o;
                        o.description = Some(fact.meaning.clone());
                        RefOr::T(Schema::Object(o))
                    }
                    other => other,
                };
                schema = schema.property(name, property);
            }
        }
        request = request.property(object, schema);
    }
    let kinds: Vec<String> = vocabulary
        .event_kinds()
        .map(|(k, _)| k.to_string())
        .collect();
    let event = closed(ObjectBuilder::new().schema_type(Type::Object))
        .property("kind", one_of_strings(&kinds))
        .required("kind")
        .property("date", date())
        .required("date")
        .property("until", date())
        .property("ref", string());
    request
        .property(
            "materials",
            ArrayBuilder::new().items(one_of_strings(vocabulary.materials())),
        )
        .property("events", ArrayBuilder::new().items(event))
        .into()
}
