//! Every operation the web app sends fits the default limits (depth, complexity, expensive
//! fields) with the page sizes it asks for: a cost change that would lock the app out fails
//! here, not in a browser.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextValidation,
};
use async_graphql::{Request, Response, ServerError, ValidationResult};

/// Records the validation result and stops before anything runs.
#[derive(Clone, Default)]
struct Probe(Arc<Mutex<Option<ValidationResult>>>);

impl ExtensionFactory for Probe {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(self.clone())
    }
}

#[async_trait::async_trait]
impl Extension for Probe {
    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next.run(ctx).await?;
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = Some(result);
        Ok(result)
    }

    async fn execute(
        &self,
        _ctx: &ExtensionContext<'_>,
        _operation_name: Option<&str>,
        _next: NextExecute<'_>,
    ) -> Response {
        Response::default()
    }
}

fn web_operations() -> Vec<PathBuf> {
    fn collect(dir: &Path, found: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                collect(&path, found);
            } else if path.extension().is_some_and(|e| e == "graphql") {
                found.push(path);
            }
        }
    }
    let mut found = Vec::new();
    collect(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../web/graphql"),
        &mut found,
    );
    found.sort();
    found
}

#[tokio::test]
async fn every_web_operation_fits_the_default_limits() {
    let probe = Probe::default();
    let schema = super::schema_builder(&super::default_limits())
        .extension(probe.clone())
        .finish();
    let operations = web_operations();
    assert!(
        operations.len() > 30,
        "web operations found: {operations:?}"
    );
    let mut report = Vec::new();
    for path in operations {
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let response = schema.execute(Request::new(text)).await;
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        // Sent without its variables here: that refusal comes after validation, which is what
        // this test measures.
        let refusals: Vec<_> = response
            .errors
            .iter()
            .filter(|e| {
                e.extensions
                    .as_ref()
                    .is_none_or(|ext| ext.get("variables").is_none())
            })
            .collect();
        assert!(
            refusals.is_empty(),
            "{name:?} is refused with the default limits: {refusals:?}"
        );
        let result = probe
            .0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
            .unwrap_or_else(|| panic!("{name:?} was validated"));
        report.push((result.complexity, result.depth, name));
    }
    report.sort();
    for line in &report {
        eprintln!("{line:?}");
    }
}

/// The documented maximum page size is reachable with the fields the web app asks for, and a
/// query over the limit is told its cost and the limit.
#[tokio::test]
async fn the_largest_page_of_the_web_panels_operation_fits_and_refusals_say_the_cost() {
    // The probe stops each request after validation: nothing runs.
    let schema = super::schema_builder(&super::default_limits())
        .extension(Probe::default())
        .finish();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../web/graphql/panels/panels.graphql");
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let max = super::default_limits().max_page_size;
    let request = Request::new(text.clone()).variables(async_graphql::Variables::from_json(
        serde_json::json!({ "first": max }),
    ));
    let response = schema.execute(request).await;
    let refusals: Vec<_> = response
        .errors
        .iter()
        .filter(|e| e.extensions.as_ref().and_then(|x| x.get("limit")).is_some())
        .collect();
    assert!(refusals.is_empty(), "first: {max} is refused: {refusals:?}");

    let heavy = text.replace(
        "nodes {",
        "a: nodes { id name } b: nodes { id name } nodes {",
    );
    let request = Request::new(heavy).variables(async_graphql::Variables::from_json(
        serde_json::json!({ "first": max }),
    ));
    let lean = super::GraphqlLimits {
        max_complexity: 500,
        ..super::default_limits()
    };
    let response = super::schema_builder(&lean)
        .extension(Probe::default())
        .finish()
        .execute(request)
        .await;
    let error = response.errors.first().expect("refused");
    let ext = error.extensions.as_ref().expect("extensions");
    assert_eq!(
        ext.get("code"),
        Some(&async_graphql::Value::from("VALIDATION"))
    );
    assert_eq!(
        ext.get("limit"),
        Some(&async_graphql::Value::from("complexity"))
    );
    assert_eq!(ext.get("max"), Some(&async_graphql::Value::from(500)));
    let cost = match ext.get("cost") {
        Some(async_graphql::Value::Number(n)) => n.as_u64().unwrap_or(0),
        other => panic!("no cost: {other:?}"),
    };
    assert!(cost > 500, "cost {cost}");
    assert!(
        error.message.contains(&cost.to_string()),
        "{}",
        error.message
    );
}
