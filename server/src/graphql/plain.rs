//! Objects answered in one pass. async-graphql resolves every field of an object as its own
//! boxed future, through every extension's `resolve` hook; for a page of catalogue panels
//! (about twenty fields each, all of them values already at hand) that machinery was nearly
//! all of the page's cost (BENCHMARKS.md, "Uncached catalogue pages"). An object whose fields
//! are plain values implements [`PlainFields`]; [`select`] answers a selection of them
//! directly, in the order asked, and counts the values against the request's budget as the
//! guard's hook would. A selection it can not answer exactly as the resolver would (a field
//! with arguments or a directive, a fragment on another type, a response key named twice, a
//! field that is not plain) is left to the derived resolver: [`select`] returns `None`.

use async_graphql::indexmap::IndexMap;
use async_graphql::parser::types::{Selection, SelectionSet};
use async_graphql::{ContextSelectionSet, ServerResult, Value};

use super::guard::ValueMeter;

/// What a field of a [`PlainFields`] object holds.
pub enum Plain<'a> {
    /// A scalar, an enum, a list of them or null, as the answer holds it.
    Value(Value),
    /// An object whose fields are plain too (null when absent).
    Object(Option<&'a dyn PlainFields>),
    /// A list of such objects (each item a value of the budget, as the guard's hook counts
    /// list items).
    List(Vec<&'a dyn PlainFields>),
}

/// An object whose every field without arguments is a value at hand.
pub trait PlainFields: Sync {
    /// The GraphQL type's name (`__typename`, fragment conditions).
    fn type_name(&self) -> &'static str;
    /// Field `name` of the GraphQL type; `None` for a field that is not plain.
    fn plain_field(&self, name: &str) -> Option<Plain<'_>>;
}

/// The selection `ctx` asks of `object`, answered in one pass; `Ok(None)` when the selection
/// needs the derived resolver; an error once the request is past its value budget.
pub fn select(
    ctx: &ContextSelectionSet<'_>,
    object: &dyn PlainFields,
) -> ServerResult<Option<Value>> {
    let mut values = 0;
    let Some(answer) = answer(ctx, &ctx.item.node, object, &mut values) else {
        return Ok(None);
    };
    if let Some(meter) = ctx.data_opt::<std::sync::Arc<ValueMeter>>() {
        meter.count(values)?;
    }
    Ok(Some(answer))
}

/// `OutputType` for a [`PlainFields`] type `$ty` that stands for the GraphQL type `$derived`,
/// whose schema it borrows: plain selections are answered in one pass ([`select`]), any
/// other through `$derived`'s own resolver, on the value `$whole` builds from `$this`.
macro_rules! one_pass_output {
    ($ty:ty, $derived:ty, |$this:ident| $whole:expr) => {
        impl async_graphql::OutputType for $ty {
            fn type_name() -> std::borrow::Cow<'static, str> {
                <$derived as async_graphql::OutputType>::type_name()
            }

            fn create_type_info(registry: &mut async_graphql::registry::Registry) -> String {
                <$derived as async_graphql::OutputType>::create_type_info(registry)
            }

            async fn resolve(
                &self,
                ctx: &async_graphql::ContextSelectionSet<'_>,
                field: &async_graphql::Positioned<async_graphql::parser::types::Field>,
            ) -> async_graphql::ServerResult<async_graphql::Value> {
                if let Some(answer) = $crate::graphql::plain::select(ctx, self)? {
                    return Ok(answer);
                }
                let $this = self;
                let whole: $derived = $whole;
                async_graphql::OutputType::resolve(&whole, ctx, field).await
            }
        }
    };
}
pub(crate) use one_pass_output;

fn answer(
    ctx: &ContextSelectionSet<'_>,
    set: &SelectionSet,
    object: &dyn PlainFields,
    values: &mut usize,
) -> Option<Value> {
    let mut fields = IndexMap::with_capacity(set.items.len());
    collect(ctx, set, object, &mut fields, values)?;
    Some(Value::Object(fields))
}

fn collect(
    ctx: &ContextSelectionSet<'_>,
    set: &SelectionSet,
    object: &dyn PlainFields,
    fields: &mut IndexMap<async_graphql::Name, Value>,
    values: &mut usize,
) -> Option<()> {
    for selection in &set.items {
        // `@skip` and `@include` are applied before execution: any directive left here is
        // a custom one, which only the resolver runs.
        let (type_condition, inner) = match &selection.node {
            Selection::Field(field) => {
                let field = &field.node;
                if !field.arguments.is_empty() || !field.directives.is_empty() {
                    return None;
                }
                let value = if field.name.node == "__typename" {
                    // Not a field the guard's hook sees: not counted.
                    Value::String(object.type_name().to_owned())
                } else {
                    *values += 1;
                    match object.plain_field(&field.name.node)? {
                        Plain::Value(value) => value,
                        Plain::Object(None) => Value::Null,
                        Plain::Object(Some(inner)) => {
                            answer(ctx, &field.selection_set.node, inner, values)?
                        }
                        Plain::List(items) => {
                            let mut list = Vec::with_capacity(items.len());
                            for item in items {
                                *values += 1;
                                list.push(answer(ctx, &field.selection_set.node, item, values)?);
                            }
                            Value::List(list)
                        }
                    }
                };
                let key = field.response_key().node.clone();
                if fields.insert(key, value).is_some() {
                    return None;
                }
                continue;
            }
            Selection::FragmentSpread(spread) => {
                if !spread.node.directives.is_empty() {
                    return None;
                }
                let fragment = ctx
                    .query_env
                    .fragments
                    .get(&spread.node.fragment_name.node)?;
                (
                    Some(&fragment.node.type_condition.node.on.node),
                    &fragment.node.selection_set.node,
                )
            }
            Selection::InlineFragment(fragment) => {
                if !fragment.node.directives.is_empty() {
                    return None;
                }
                (
                    fragment
                        .node
                        .type_condition
                        .as_ref()
                        .map(|c| &c.node.on.node),
                    &fragment.node.selection_set.node,
                )
            }
        };
        if type_condition.is_some_and(|on| on.as_str() != object.type_name()) {
            return None;
        }
        collect(ctx, inner, object, fields, values)?;
    }
    Some(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use async_graphql::extensions::{
        Extension, ExtensionContext, ExtensionFactory, NextResolve, ResolveInfo,
    };
    use async_graphql::{Request, Response, ServerResult, Value, Variables};
    use serde_json::json;

    use crate::graphql::{AppSchema, RequestContext, Transport, schema_builder};
    use crate::state::AppState;

    /// Counts the fields that went through the extensions' per-field hook.
    #[derive(Clone, Default)]
    struct Hooks(Arc<AtomicUsize>);

    impl ExtensionFactory for Hooks {
        fn create(&self) -> Arc<dyn Extension> {
            Arc::new(self.clone())
        }
    }

    #[async_trait::async_trait]
    impl Extension for Hooks {
        async fn resolve(
            &self,
            ctx: &ExtensionContext<'_>,
            info: ResolveInfo<'_>,
            next: NextResolve<'_>,
        ) -> ServerResult<Option<Value>> {
            self.0.fetch_add(1, Ordering::Relaxed);
            next.run(ctx, info).await
        }
    }

    fn schema(state: &AppState, hooks: &Hooks) -> AppSchema {
        schema_builder(&state.settings.graphql)
            .data(state.clone())
            .extension(hooks.clone())
            .finish()
    }

    async fn answer(schema: &AppSchema, query: &str, vars: serde_json::Value) -> Response {
        let request = Request::new(query)
            .variables(Variables::from_json(vars))
            .data(RequestContext::new(Transport::Post, None, None));
        schema.execute(request).await
    }

    async fn run(schema: &AppSchema, query: &str, vars: serde_json::Value) -> serde_json::Value {
        serde_json::to_value(answer(schema, query, vars).await).unwrap()
    }

    /// The keys of the first panel of a page, in the answer's order.
    fn first_keys(response: &Response) -> Vec<String> {
        let field = |v: &Value, key: &str| match v {
            Value::Object(map) => map.get(key).cloned(),
            _ => None,
        };
        let nodes = field(&response.data, "all")
            .and_then(|p| field(&p, "nodes"))
            .unwrap();
        let Value::List(nodes) = nodes else {
            panic!("{nodes:?}")
        };
        let Value::Object(first) = &nodes[0] else {
            panic!("{nodes:?}")
        };
        first.keys().map(ToString::to_string).collect()
    }

    /// Every field of a catalogue panel, its counts' too.
    const EVERY_FIELD: &str = "__typename source id name version versionCreated diseaseGroup \
        diseaseSubGroup relevantDisorders description types geneCount strCount regionCount \
        signedOff signedOffDate counts { __typename green amber red grey } dataOrigin dataDate";

    /// The web app's page of panels is answered without a per-field future: the fields
    /// through the hooks do not grow with the page.
    #[tokio::test]
    async fn a_page_of_panels_costs_no_hook_per_field() {
        let (state, _dir) = AppState::for_tests().await;
        let hooks = Hooks::default();
        let schema = schema(&state, &hooks);
        let web = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../web/graphql/panels/panels.graphql"),
        )
        .unwrap();
        let mut hooked = Vec::new();
        for first in [5, 25] {
            hooks.0.store(0, Ordering::Relaxed);
            let body = run(&schema, &web, json!({ "first": first })).await;
            assert!(body.get("errors").is_none(), "{body}");
            let nodes = body["data"]["panels"]["nodes"].as_array().unwrap();
            assert_eq!(nodes.len(), first, "{body}");
            assert!(nodes[0]["name"].as_str().is_some_and(|n| !n.is_empty()));
            assert!(nodes[0]["geneCount"].as_i64().is_some(), "{body}");
            hooked.push(hooks.0.load(Ordering::Relaxed));
        }
        // The root field alone: the page, its panels and their fields are one pass (through
        // the resolver each panel would add its item, 14 fields and the counts' 4).
        assert_eq!(hooked, [1, 1], "hooked for 5 and 25 panels");
    }

    /// The one-pass answer is the derived resolver's, field for field, in the order asked,
    /// through fragments and aliases; a selection it does not answer (a field named twice)
    /// goes to the resolver and comes out the same.
    #[tokio::test]
    async fn the_one_pass_answer_is_the_resolvers() {
        let (state, _dir) = AppState::for_tests().await;
        let hooks = Hooks::default();
        let schema = schema(&state, &hooks);
        let page = |selection: &str| {
            format!(
                "query {{ all: panels(first: 30, after: \"cGFuZWxzOjQ\") {{ totalCount \
                 pageInfo {{ hasPreviousPage hasNextPage startCursor endCursor __typename }} \
                 nodes {{ {selection} }} edges {{ __typename cursor node {{ {selection} }} }} }} \
                 one: panels(search: \"402\", first: 5) {{ nodes {{ {selection} }} }} }} \
                 fragment Named on PanelSummary {{ named: name }}"
            )
        };
        let fast = format!(
            "{EVERY_FIELD} label: name ...Named ... on PanelSummary {{ signed: signedOff }} \
             ... {{ strs: strCount }}"
        );
        hooks.0.store(0, Ordering::Relaxed);
        let plain = answer(&schema, &page(&fast), json!({})).await;
        assert!(plain.errors.is_empty(), "{:?}", plain.errors);
        let one_pass = hooks.0.load(Ordering::Relaxed);
        // `id` asked twice: the resolver's merge, not the one pass.
        hooks.0.store(0, Ordering::Relaxed);
        let derived = answer(&schema, &page(&format!("{fast} id")), json!({})).await;
        assert!(derived.errors.is_empty(), "{:?}", derived.errors);
        assert!(
            hooks.0.load(Ordering::Relaxed) > one_pass + 2 * 30 * 18,
            "the resolver's answer went through the hooks field by field"
        );
        let keys = first_keys(&plain);
        assert_eq!(keys, first_keys(&derived));
        assert_eq!(keys.len(), 23, "{keys:?}");
        assert_eq!(keys[..4], ["__typename", "source", "id", "name"]);
        assert_eq!(keys[19..], ["label", "named", "signed", "strs"]);
        let plain = serde_json::to_value(plain).unwrap();
        assert_eq!(plain, serde_json::to_value(derived).unwrap());
        let first = &plain["data"]["all"]["nodes"][0];
        assert_eq!(first["__typename"], "PanelSummary");
        assert_eq!(first["label"], first["name"]);
        assert_eq!(first["strs"], first["strCount"]);
        for panel in plain["data"]["all"]["nodes"].as_array().unwrap() {
            assert!(
                panel["counts"].is_null() || panel["counts"]["__typename"] == "ConfidenceCounts",
                "{panel}"
            );
        }
        // UK 402's counts are known (from the bundled snapshot's details): the nested object.
        let counted = &plain["data"]["one"]["nodes"][0];
        assert_eq!(counted["id"], 402, "{plain}");
        assert_eq!(
            counted["counts"]["__typename"], "ConfidenceCounts",
            "{counted}"
        );
        assert!(
            counted["counts"]["green"].as_i64().unwrap() > 0,
            "{counted}"
        );
    }

    /// Values answered in one pass count against `GRAPHQL_MAX_VALUES` as the resolver's do:
    /// 30 panels of three fields are 120 values (the items and their fields).
    #[tokio::test]
    async fn one_pass_answers_count_against_the_value_budget() {
        let (state, _dir) = AppState::for_tests().await;
        let mut limits = state.settings.graphql.clone();
        limits.max_values = 100;
        let schema = schema_builder(&limits).data(state.clone()).finish();
        let query = "{ panels(first: 30) { nodes { id name version } } }";
        let body = run(&schema, query, json!({})).await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "VALIDATION",
            "{body}"
        );
        assert_eq!(body["errors"][0]["extensions"]["limit"], "values", "{body}");
        assert_eq!(body["errors"][0]["extensions"]["max"], 100, "{body}");
        assert!(body["data"].is_null(), "{body}");
        let body = run(
            &schema,
            "{ panels(first: 20) { nodes { id name } } }",
            json!({}),
        )
        .await;
        assert!(body.get("errors").is_none(), "{body}");
        assert_eq!(
            body["data"]["panels"]["nodes"].as_array().unwrap().len(),
            20
        );
    }
}
