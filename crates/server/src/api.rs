//! The HTTP routes: the page, the JSON API and the event streams.
//!
//! Every error is a JSON body `{"error": "..."}` with its status: `400` bad input (the
//! scenario layer's message), `404` unknown scenario, run or file, `410` a run that ended
//! and was forgotten (the message says how it ended), `409` a file of a run
//! that is not done or a cancel of a finished run, `408` a body that did not arrive in time,
//! `413` a body over the limit, `429` the queue is full and `503` too many connections (both
//! with `Retry-After`; see `connections.rs`).

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use narcodoor_lab::model::levers::LeverSpec;
use narcodoor_lab::model::params::LEVER_SPECS;
use serde_json::{Value as Json, json};
use tokio_stream::StreamExt;
use tokio_stream::wrappers::UnboundedReceiverStream;

use super::connections;
use super::page;
use super::request::{self, Rejection};
use super::runs::{Refused, Run};
use super::{AppState, error};

type Shared = State<Arc<AppState>>;

/// An error response.
pub struct ApiError(StatusCode, String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        error(self.0, self.1)
    }
}

fn not_found(what: String) -> ApiError {
    ApiError(StatusCode::NOT_FOUND, what)
}

/// Every route of the server.
pub fn router(state: Arc<AppState>) -> Router {
    let limit = state.limits.max_body;
    Router::new()
        .route("/", get(page::index))
        .route("/app.js", get(page::script))
        .route("/style.css", get(page::style))
        .route("/api/scenarios", get(scenarios))
        .route("/api/scenarios/{name}/parameters", get(parameters))
        .route(
            "/api/runs",
            axum::routing::post(create_run)
                .layer(axum::middleware::from_fn_with_state(state.clone(), connections::body_deadline)),
        )
        .route("/api/runs/{id}", get(run_status).delete(cancel_run))
        .route("/api/runs/{id}/events", get(events))
        .route("/api/runs/{id}/files/{name}", get(file))
        .fallback(|| async { not_found("no such page or endpoint".into()) })
        .layer(DefaultBodyLimit::max(limit))
        .with_state(state)
}

async fn scenarios(State(st): Shared) -> axum::Json<Json> {
    let list: Vec<Json> = (st.catalog.entries())
        .map(|e| json!({ "name": e.name, "description": e.description, "posterior": e.posterior.is_some() }))
        .collect();
    axum::Json(Json::Array(list))
}

async fn parameters(State(st): Shared, Path(name): Path<String>) -> Result<axum::Json<Json>, ApiError> {
    let entry = st.catalog.get(&name).ok_or_else(|| not_found(format!("unknown scenario {name:?}")))?;
    let rows = narcodoor_lab::scenario::explain_rows_all_levers(&entry.scenario);
    Ok(axum::Json(Json::Array(rows.iter().map(parameter_json).collect())))
}

/// A row of `explain` as JSON, with numbers and booleans as JSON values.
fn parameter_json(row: &narcodoor_lab::scenario::ExplainRow) -> Json {
    let typed = |text: &str| match row.kind {
        "number" | "integer" | "bool" => serde_json::from_str(text).unwrap_or(Json::Null),
        _ => Json::String(text.to_string()),
    };
    let mut v = serde_json::to_value(row).unwrap_or(Json::Null);
    if let Some(obj) = v.as_object_mut() {
        obj.insert("value".into(), typed(&row.value));
        obj.insert("default".into(), typed(&row.default));
        if let Some(lever) = lever_of(&row.path) {
            obj.insert("lever".into(), Json::from(lever.name));
            obj.insert("lever_group".into(), Json::from(lever.group));
            obj.insert("lever_meaning".into(), Json::from(lever.meaning));
        }
    }
    v
}

/// The lever whose table holds a key (`policy.<lever>.<key>`), as the model declares it:
/// the page builds its groups of levers from these.
fn lever_of(path: &str) -> Option<&'static LeverSpec> {
    let name = path.strip_prefix("policy.")?.split('.').next()?;
    LEVER_SPECS.iter().find(|l| l.name == name)
}

async fn create_run(State(st): Shared, body: Result<Bytes, BytesRejection>) -> Result<Response, ApiError> {
    let body = body.map_err(|e| {
        let status = e.status();
        let message = if status == StatusCode::PAYLOAD_TOO_LARGE {
            format!("the request body is over {} bytes", st.limits.max_body)
        } else {
            format!("cannot read the request body: {e}")
        };
        ApiError(status, message)
    })?;
    let prepared = request::prepare(&body, &st.catalog, &st.limits).map_err(|r| match r {
        Rejection::Bad(m) => ApiError(StatusCode::BAD_REQUEST, m),
        Rejection::UnknownScenario(m) => not_found(m),
    })?;
    let Ok(run) = st.runs.submit(prepared).map_err(|Refused::QueueFull| ()) else {
        let message = "too many runs are waiting; try again when one has finished".into();
        return Ok(connections::busy(StatusCode::TOO_MANY_REQUESTS, message));
    };
    let location = format!("/api/runs/{}", run.id);
    Ok((StatusCode::ACCEPTED, [(header::LOCATION, location)], axum::Json(json!({ "id": run.id })))
        .into_response())
}

/// A run by id; `410` for a run that ended and whose results were forgotten.
fn find(st: &AppState, id: &str) -> Result<Arc<Run>, ApiError> {
    st.runs.get(id).ok_or_else(|| match st.runs.forgotten(id) {
        Some(status) => ApiError(
            StatusCode::GONE,
            format!(
                "run {id} ended ({}); its results were forgotten (the server keeps the last {} runs)",
                status.name(),
                st.limits.kept_runs
            ),
        ),
        None => not_found(format!("unknown run {id:?}")),
    })
}

async fn run_status(State(st): Shared, Path(id): Path<String>) -> Result<axum::Json<Json>, ApiError> {
    Ok(axum::Json(find(&st, &id)?.describe()))
}

async fn cancel_run(State(st): Shared, Path(id): Path<String>) -> Result<Response, ApiError> {
    let run = find(&st, &id)?;
    if run.cancel() {
        Ok((StatusCode::ACCEPTED, axum::Json(json!({ "id": run.id, "status": "cancelling" })))
            .into_response())
    } else {
        Err(ApiError(
            StatusCode::CONFLICT,
            format!("run {id} has already finished ({})", run.status().name()),
        ))
    }
}

async fn events(
    State(st): Shared,
    Path(id): Path<String>,
) -> Result<Sse<impl tokio_stream::Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let run = find(&st, &id)?;
    let stream = UnboundedReceiverStream::new(run.subscribe())
        .map(|(name, data)| Ok(Event::default().event(name).data(data.to_string())));
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

async fn file(State(st): Shared, Path((id, name)): Path<(String, String)>) -> Result<Response, ApiError> {
    let run = find(&st, &id)?;
    let posterior = crate::request::uncertain::FILES.contains(&name.as_str());
    if !super::job::FILES.contains(&name.as_str()) && !posterior {
        let all = [&super::job::FILES[..], &crate::request::uncertain::FILES[..]].concat().join(", ");
        return Err(not_found(format!(
            "no file {name:?}; a run offers {all} (the last under \"posterior\")"
        )));
    }
    if posterior && !run.under_posterior() {
        return Err(not_found(format!("run {id} has no {name}: it ran without \"posterior\": true")));
    }
    let path = run.file(&name).ok_or_else(|| {
        ApiError(StatusCode::CONFLICT, format!("run {id} is {}, not done", run.status().name()))
    })?;
    let bytes = tokio::fs::read(&path)
        .await
        .map_err(|e| ApiError(StatusCode::INTERNAL_SERVER_ERROR, format!("cannot read {name}: {e}")))?;
    let kind =
        if name.ends_with(".csv") { "text/csv; charset=utf-8" } else { "application/toml; charset=utf-8" };
    let disposition = format!("attachment; filename=\"{name}\"");
    Ok(([(header::CONTENT_TYPE, kind.to_string()), (header::CONTENT_DISPOSITION, disposition)], bytes)
        .into_response())
}
