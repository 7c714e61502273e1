//! Request guard: refuses mutations over GET, too many aliases, multiplied logins and too many
//! expensive fields, and gives every error an `extensions.code`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextPrepareRequest,
    NextRequest, NextResolve, NextValidation, ResolveInfo,
};
use async_graphql::parser::types::{
    ExecutableDocument, OperationDefinition, OperationType, Selection, SelectionSet,
};
use async_graphql::{
    ErrorExtensionValues, Request, Response, ServerError, ServerResult, ValidationResult,
};
use async_graphql::{Name, Pos, Positioned};
use async_graphql::{Value, Variables};
use shared::{ErrorCode, TokenScope};

use crate::auth::Account;

use super::context::{RequestContext, Transport};

/// Fields that may appear at most once per request: repeating them (with aliases or in a
/// batch) would multiply password guesses.
const ONCE_PER_REQUEST: &[&str] = &["login", "register", "changePassword"];

/// Root fields whose cost is not the size of their answer: each runs a merge, renders and
/// stores a file, parses an upload or asks PanelApp. Aliases or a batch could otherwise
/// multiply them inside one request; `GRAPHQL_MAX_EXPENSIVE` bounds them per request.
pub const EXPENSIVE: &[&str] = &[
    "mergePreview",
    "exportMerge",
    "exportSavedPanel",
    "uploadGeneList",
    "createSavedPanel",
    "refreshPanelApp",
];

pub struct RequestGuard {
    pub max_depth: usize,
    pub max_complexity: usize,
    pub max_aliases: usize,
    pub max_expensive: usize,
    /// Values (fields resolved, list items included) one query may answer with: the
    /// complexity limit is computed before running and can not know how long a list will be.
    pub max_values: usize,
}

impl ExtensionFactory for RequestGuard {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(GuardExtension {
            max_depth: self.max_depth,
            max_complexity: self.max_complexity,
            max_aliases: self.max_aliases,
            max_expensive: self.max_expensive,
            meter: Arc::new(ValueMeter {
                max: self.max_values,
                counting: AtomicBool::new(false),
                resolved: AtomicUsize::new(0),
            }),
            missing: std::sync::Mutex::default(),
        })
    }
}

/// The values (fields resolved, list items included) one query has answered with so far,
/// against `GRAPHQL_MAX_VALUES`: counted by the guard's hook on every field, and by resolvers
/// that answer several fields in one pass ([`super::plain`]), which find it in the request's
/// data.
pub struct ValueMeter {
    max: usize,
    /// Queries are metered; mutations (whose effect has happened by the time their answer is
    /// built) and subscriptions (long-lived streams) are not.
    counting: AtomicBool,
    resolved: AtomicUsize,
}

impl ValueMeter {
    /// Counts `n` more values; an error (which stops the work: the guard then answers with
    /// one error for the whole request) once the query is past its budget.
    pub fn count(&self, n: usize) -> ServerResult<()> {
        if self.counting.load(Ordering::Relaxed)
            && self.resolved.fetch_add(n, Ordering::Relaxed) + n > self.max
        {
            return Err(ServerError::new("over the value budget", None));
        }
        Ok(())
    }
}

/// One per request (async-graphql creates extensions per execution).
struct GuardExtension {
    max_depth: usize,
    max_complexity: usize,
    max_aliases: usize,
    max_expensive: usize,
    /// Also in the request's data, for resolvers that answer several fields at once.
    meter: Arc<ValueMeter>,
    /// Required variables the request left out: of a single-operation document (`None`,
    /// refused once the document validated, so validation errors come first), or per named
    /// operation of a multi-operation document (refused once the operation to run is known).
    missing: std::sync::Mutex<Vec<(Option<Name>, ServerError)>>,
}

fn coded(message: impl Into<String>, code: ErrorCode, limit: Option<&str>) -> ServerError {
    let mut err = ServerError::new(message, None);
    let mut ext = ErrorExtensionValues::default();
    ext.set("code", code.as_str());
    if let Some(limit) = limit {
        ext.set("limit", limit);
    }
    err.extensions = Some(ext);
    err
}

/// What a walk over the (fragment-expanded) document found.
#[derive(Default)]
struct Census {
    aliases: usize,
    sensitive: usize,
    expensive: usize,
    visited: usize,
}

/// Upper bound on selections visited, so fragment bombs can not make the walk itself costly.
const MAX_VISITS: usize = 100_000;

/// Where a selection set sits: at an operation's root (of a mutation or not), or below.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Level {
    MutationRoot,
    Root,
    Nested,
}

fn walk(doc: &ExecutableDocument, set: &SelectionSet, level: Level, depth: usize, c: &mut Census) {
    if depth > 64 {
        return;
    }
    for item in &set.items {
        c.visited += 1;
        if c.visited > MAX_VISITS {
            return;
        }
        match &item.node {
            Selection::Field(field) => {
                if field.node.alias.is_some() {
                    c.aliases += 1;
                }
                let name = field.node.name.node.as_str();
                if level == Level::MutationRoot && ONCE_PER_REQUEST.contains(&name) {
                    c.sensitive += 1;
                }
                if level != Level::Nested && EXPENSIVE.contains(&name) {
                    c.expensive += 1;
                }
                walk(
                    doc,
                    &field.node.selection_set.node,
                    Level::Nested,
                    depth + 1,
                    c,
                );
            }
            Selection::InlineFragment(fragment) => {
                walk(doc, &fragment.node.selection_set.node, level, depth + 1, c);
            }
            Selection::FragmentSpread(spread) => {
                if let Some(fragment) = doc.fragments.get(&spread.node.fragment_name.node) {
                    walk(doc, &fragment.node.selection_set.node, level, depth + 1, c);
                }
            }
        }
    }
}

fn census(doc: &ExecutableDocument) -> Census {
    let mut census = Census::default();
    for (_, op) in doc.operations.iter() {
        let level = if op.node.ty == OperationType::Mutation {
            Level::MutationRoot
        } else {
            Level::Root
        };
        walk(doc, &op.node.selection_set.node, level, 0, &mut census);
    }
    census
}

/// How many login/register/changePassword fields a query text holds at its mutation top level,
/// and how many expensive root fields it has (0 for text that does not parse: the request
/// fails validation anyway). Summed over a batch before any of it runs.
pub fn request_census(query: &str) -> (usize, usize) {
    let Ok(doc) = async_graphql::parser::parse_query(query) else {
        return (0, 0);
    };
    let census = census(&doc);
    (census.sensitive, census.expensive)
}

/// The error for more expensive fields than a request may hold.
pub fn too_expensive(found: usize, max: usize) -> String {
    format!(
        "the request asks for {found} merges, exports, uploads or PanelApp refreshes; at most \
         {max} are allowed per request ({})",
        EXPENSIVE.join(", ")
    )
}

impl GuardExtension {
    fn missing_lock(&self) -> std::sync::MutexGuard<'_, Vec<(Option<Name>, ServerError)>> {
        self.missing.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn inspect(&self, doc: &ExecutableDocument, transport: Transport) -> ServerResult<()> {
        if transport == Transport::Get
            && doc
                .operations
                .iter()
                .any(|(_, op)| op.node.ty != OperationType::Query)
        {
            let mut error = coded(
                "only queries are allowed over GET; send mutations as a JSON POST",
                ErrorCode::Forbidden,
                None,
            );
            if let Some(ext) = error.extensions.as_mut() {
                ext.set("reason", "method_not_allowed");
            }
            return Err(error);
        }
        let census = census(doc);
        if census.visited > MAX_VISITS {
            return Err(coded(
                "the query is too large",
                ErrorCode::Validation,
                Some("size"),
            ));
        }
        if census.aliases > self.max_aliases {
            return Err(coded(
                format!(
                    "the query uses {} aliases; at most {} are allowed",
                    census.aliases, self.max_aliases
                ),
                ErrorCode::Validation,
                Some("aliases"),
            ));
        }
        if census.expensive > self.max_expensive {
            return Err(coded(
                too_expensive(census.expensive, self.max_expensive),
                ErrorCode::Validation,
                Some("expensive"),
            ));
        }
        if census.sensitive > 1 {
            return Err(coded(
                "login, register and changePassword may appear only once per request",
                ErrorCode::Validation,
                Some("sensitive"),
            ));
        }
        Ok(())
    }
}

#[async_trait::async_trait]
impl Extension for GuardExtension {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let mut response = next.run(ctx).await;
        let max_values = self.meter.max;
        if self.meter.resolved.load(Ordering::Relaxed) > max_values {
            // One clear error instead of one per list item that hit the budget.
            let mut error = coded(
                format!(
                    "the answer would hold more than {} values; ask for fewer fields or a \
                     smaller page (first/after)",
                    max_values
                ),
                ErrorCode::Validation,
                Some("values"),
            );
            if let Some(ext) = error.extensions.as_mut() {
                ext.set("max", max_values);
            }
            return Response::from_errors(vec![error]);
        }
        for error in &mut response.errors {
            ensure_code(error);
        }
        response
    }

    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        mut request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        request.data.insert(self.meter.clone());
        next.run(ctx, request).await
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let missing = operation_name.and_then(|name| {
            self.missing_lock()
                .iter()
                .find(|(op, _)| op.as_ref().is_some_and(|op| op.as_str() == name))
                .map(|(_, error)| error.clone())
        });
        match missing {
            Some(error) => Response::from_errors(vec![error]),
            None => next.run(ctx, operation_name).await,
        }
    }

    async fn resolve(
        &self,
        ctx: &ExtensionContext<'_>,
        info: ResolveInfo<'_>,
        next: NextResolve<'_>,
    ) -> ServerResult<Option<Value>> {
        self.meter.count(1)?;
        next.run(ctx, info).await
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let transport = ctx
            .data_opt::<RequestContext>()
            .map(|r| r.transport)
            .unwrap_or(Transport::Post);
        let doc = next.run(ctx, query, variables).await.map_err(|mut e| {
            ensure_code(&mut e);
            e
        })?;
        self.inspect(&doc, transport)?;
        let user = ctx
            .data_opt::<RequestContext>()
            .and_then(RequestContext::account);
        // A single operation is unnamed here (`None`); several are told apart by name.
        self.missing_lock()
            .extend(doc.operations.iter().filter_map(|(name, op)| {
                missing_variables(op, variables)
                    .or_else(|| scope_refusal(user, op.node.ty))
                    .map(|error| (name.cloned(), error))
            }));
        let queries_only = doc
            .operations
            .iter()
            .all(|(_, op)| op.node.ty == OperationType::Query);
        self.meter.counting.store(queries_only, Ordering::Relaxed);
        if let Some(request) = ctx.data_opt::<RequestContext>()
            && doc
                .operations
                .iter()
                .any(|(_, op)| op.node.ty == OperationType::Mutation)
        {
            request.writes.store(true, Ordering::Relaxed);
        }
        Ok(doc)
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next.run(ctx).await;
        if result.is_ok()
            && let Some((_, error)) = self.missing_lock().iter().find(|(op, _)| op.is_none())
        {
            return Err(vec![error.clone()]);
        }
        let result = result.map_err(|errors| {
            errors
                .into_iter()
                .map(|mut e| {
                    ensure_code(&mut e);
                    e
                })
                .collect::<Vec<_>>()
        })?;
        // Checked here rather than by the schema so the error can say the cost and the limit.
        if result.depth > self.max_depth {
            let mut error = coded(
                format!(
                    "the query is nested {} levels deep; at most {} are allowed",
                    result.depth, self.max_depth
                ),
                ErrorCode::Validation,
                Some("depth"),
            );
            if let Some(ext) = error.extensions.as_mut() {
                ext.set("cost", result.depth);
                ext.set("max", self.max_depth);
            }
            return Err(vec![error]);
        }
        if result.complexity > self.max_complexity {
            let mut error = coded(
                format!(
                    "the query costs {}; at most {} is allowed (each field costs 1, and a list \
                     with `first: N` costs N times its fields): ask for fewer fields or a \
                     smaller page",
                    result.complexity, self.max_complexity
                ),
                ErrorCode::Validation,
                Some("complexity"),
            );
            if let Some(ext) = error.extensions.as_mut() {
                ext.set("cost", result.complexity);
                ext.set("max", self.max_complexity);
            }
            return Err(vec![error]);
        }
        Ok(result)
    }
}

/// FORBIDDEN for an API token without the scope an operation of type `ty` needs: WRITE for a
/// mutation, READ for a query or subscription.
fn scope_refusal(user: Option<&Account>, ty: OperationType) -> Option<ServerError> {
    let scope = if ty == OperationType::Mutation {
        TokenScope::Write
    } else {
        TokenScope::Read
    };
    let refusal = user?.require_scope(scope).err()?;
    Some(async_graphql::Error::from(refusal).into_server_error(Pos::default()))
}

/// The error for required variables (non-null, no default) the request did not give, if any:
/// a client mistake caught before anything runs, not an error while resolving.
fn missing_variables(
    op: &Positioned<OperationDefinition>,
    variables: &Variables,
) -> Option<ServerError> {
    let (names, missing): (Vec<Value>, Vec<String>) = op
        .node
        .variable_definitions
        .iter()
        .filter(|def| !def.node.var_type.node.nullable && def.node.default_value.is_none())
        .filter(|def| {
            variables
                .get(&def.node.name.node)
                .is_none_or(|v| *v == Value::Null)
        })
        .map(|def| {
            let name = def.node.name.node.as_str();
            (
                Value::from(name),
                format!("${name} ({})", def.node.var_type.node),
            )
        })
        .unzip();
    if missing.is_empty() {
        return None;
    }
    let mut error = coded(
        format!(
            "required variable{} not given: {}",
            if missing.len() == 1 { "" } else { "s" },
            missing.join(", ")
        ),
        ErrorCode::Validation,
        None,
    );
    if let Some(ext) = error.extensions.as_mut() {
        ext.set("variables", Value::List(names));
    }
    Some(error)
}

/// Errors without a code: parse and validation errors (no path) are `VALIDATION`; anything
/// raised while resolving without a code is `INTERNAL`.
fn ensure_code(error: &mut ServerError) {
    let has_code = error
        .extensions
        .as_ref()
        .is_some_and(|ext| ext.get("code").is_some());
    if has_code {
        return;
    }
    let input_error = error.message.starts_with("Failed to parse")
        || error.message.starts_with("Invalid value")
        || error.message.contains("is not a valid");
    let code = if error.path.is_empty() || input_error {
        ErrorCode::Validation
    } else {
        ErrorCode::Internal
    };
    if code == ErrorCode::Internal {
        tracing::error!(message = %error.message, path = ?error.path, "uncoded resolver error");
        error.message = "internal error".to_owned();
    }
    error
        .extensions
        .get_or_insert_with(ErrorExtensionValues::default)
        .set("code", Value::from(code.as_str()));
}
