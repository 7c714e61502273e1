//! A GraphQL client with a cookie jar, like one browser.

use std::sync::Arc;

use reqwest::cookie::Jar;
use serde_json::{Value, json};

#[derive(Clone)]
pub struct GraphqlClient {
    pub http: reqwest::Client,
    pub base: String,
    pub jar: Arc<Jar>,
    bearer: Option<String>,
}

impl GraphqlClient {
    pub fn new(base: &str) -> Self {
        Self::with_builder(base, reqwest::Client::builder())
    }

    /// A client for `base` built from `builder` (TLS roots, local address) plus a cookie jar.
    pub fn with_builder(base: &str, builder: reqwest::ClientBuilder) -> Self {
        let jar = Arc::new(Jar::default());
        let http = builder
            .cookie_provider(jar.clone())
            .build()
            .expect("http client");
        Self {
            http,
            base: base.to_owned(),
            jar,
            bearer: None,
        }
    }

    /// The same client sending `Authorization: Bearer <token>` (API tokens).
    pub fn with_bearer(&self, token: &str) -> Self {
        let mut other = self.clone();
        other.bearer = Some(token.to_owned());
        other
    }

    /// The `Cookie` header this client would send (to open WebSockets as the same browser).
    pub fn cookie_header(&self) -> String {
        use reqwest::cookie::CookieStore;
        let url = reqwest::Url::parse(&self.base).expect("base URL");
        self.jar
            .cookies(&url)
            .and_then(|v| v.to_str().ok().map(str::to_owned))
            .unwrap_or_default()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn post(&self) -> reqwest::RequestBuilder {
        let mut req = self.http.post(self.url("/graphql"));
        if let Some(token) = &self.bearer {
            req = req.bearer_auth(token);
        }
        req
    }

    /// POSTs one operation; returns the whole JSON response (`data` and `errors`).
    pub async fn query(&self, query: &str, variables: Value) -> Value {
        let response = self
            .post()
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .expect("request sent");
        response.json().await.expect("JSON response")
    }

    /// Like [`Self::query`] but panics on any error and returns `data`.
    pub async fn data(&self, query: &str, variables: Value) -> Value {
        let body = self.query(query, variables).await;
        assert!(body.get("errors").is_none(), "unexpected errors: {body:#}");
        body["data"].clone()
    }

    /// POSTs a raw body with a content type; returns status and JSON (or text as a string).
    pub async fn post_raw(&self, content_type: &str, body: Vec<u8>) -> (u16, Value) {
        self.post_raw_with_headers(content_type, &[], body).await
    }

    /// POSTs `body` as `content_type` with extra headers; returns the status and the body
    /// (JSON when it parses).
    pub async fn post_raw_with_headers(
        &self,
        content_type: &str,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> (u16, Value) {
        let mut request = self
            .post()
            .header(reqwest::header::CONTENT_TYPE, content_type);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.body(body).send().await.expect("request sent");
        let status = response.status().as_u16();
        let text = response.text().await.expect("body");
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    /// A GraphQL multipart request (the "GraphQL multipart request spec": `operations`, `map`,
    /// then one part per file) with the CSRF preflight header; returns status and JSON.
    /// `files` are `(variable path, file name, bytes)`, e.g. `("variables.file", "a.csv", …)`.
    pub async fn multipart(
        &self,
        query: &str,
        variables: Value,
        files: Vec<(&str, &str, Vec<u8>)>,
    ) -> (u16, Value) {
        let operations = json!({ "query": query, "variables": variables });
        let map: serde_json::Map<String, Value> = files
            .iter()
            .enumerate()
            .map(|(i, (path, _, _))| (i.to_string(), json!([path])))
            .collect();
        let mut form = reqwest::multipart::Form::new()
            .text("operations", operations.to_string())
            .text("map", Value::Object(map).to_string());
        for (i, (_, name, bytes)) in files.into_iter().enumerate() {
            let part = reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned());
            form = form.part(i.to_string(), part);
        }
        let response = self
            .post()
            .header("apollo-require-preflight", "true")
            .multipart(form)
            .send()
            .await
            .expect("request sent");
        let status = response.status().as_u16();
        let text = response.text().await.expect("body");
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    /// A GET of `/graphql?query=...`.
    pub async fn get_query(&self, query: &str) -> (u16, Value) {
        let response = self
            .http
            .get(self.url("/graphql"))
            .query(&[("query", query)])
            .send()
            .await
            .expect("request sent");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }
}

/// The `extensions.code` of the first error, if any.
pub fn error_code(body: &Value) -> Option<&str> {
    body["errors"][0]["extensions"]["code"].as_str()
}
