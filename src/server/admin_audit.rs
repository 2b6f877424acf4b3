//! `GET /admin/v1/audit`: the region's audit log, for admin clients and for
//! remote registries (the TUI and CLI read a remote region's log through it).
//!
//! Newest first, paged by a cursor (`Link: rel="next"`, as the applications
//! list); or, with `after_seq`, oldest first from there, for following.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::SharedState;
use super::admin::{AdminReader, PAGE_DEFAULT, PAGE_MAX};
use super::errors::ApiError;
use crate::model::{AuditAction, AuditQuery};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct AuditParams {
    client_id: Option<String>,
    action: Option<String>,
    /// RFC 3339.
    since: Option<String>,
    limit: Option<usize>,
    /// Events older than this sequence number (from a `Link: rel="next"`).
    cursor: Option<u64>,
    /// Events newer than this sequence number, oldest first.
    after_seq: Option<u64>,
}

impl AuditParams {
    fn query(&self) -> Result<AuditQuery, ApiError> {
        let limit = self.limit.unwrap_or(PAGE_DEFAULT);
        if !(1..=PAGE_MAX).contains(&limit) {
            return Err(ApiError::bad_request(format!(
                "limit must be 1 to {PAGE_MAX} (the default is {PAGE_DEFAULT})"
            )));
        }
        let action = self
            .action
            .as_deref()
            .map(str::parse::<AuditAction>)
            .transpose()
            .map_err(ApiError::bad_request)?;
        let since = self
            .since
            .as_deref()
            .map(|s| {
                chrono::DateTime::parse_from_rfc3339(s)
                    .map(|t| t.with_timezone(&chrono::Utc))
                    .map_err(|_| ApiError::bad_request("since must be an RFC 3339 time"))
            })
            .transpose()?;
        if self.cursor.is_some() && self.after_seq.is_some() {
            return Err(ApiError::bad_request(
                "give cursor (newest first) or after_seq (oldest first), not both",
            ));
        }
        Ok(AuditQuery {
            client_id: self.client_id.clone(),
            action,
            since,
            before_seq: self.cursor,
            after_seq: self.after_seq,
            oldest_first: self.after_seq.is_some(),
            limit,
        })
    }

    /// The same query from `seq` on: the next page's link.
    fn next_link(&self, seq: u64, limit: usize) -> String {
        let mut q = form_urlencoded::Serializer::new(String::new());
        q.append_pair("limit", &limit.to_string());
        for (key, value) in [
            ("client_id", &self.client_id),
            ("action", &self.action),
            ("since", &self.since),
        ] {
            if let Some(v) = value {
                q.append_pair(key, v);
            }
        }
        q.append_pair("cursor", &seq.to_string());
        format!("</admin/v1/audit?{}>; rel=\"next\"", q.finish())
    }
}

pub(super) async fn list(
    _: AdminReader,
    State(state): State<SharedState>,
    params: Result<Query<AuditParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(params) = params.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let query = params.query()?;
    let limit = query.limit;
    let newest_first = !query.oldest_first;
    let events = state.registry.audit(query).await?;
    let next = (newest_first && events.len() == limit)
        .then(|| events.last().map(|e| e.body.seq))
        .flatten();
    let mut response = Json(events).into_response();
    if let Some(seq) = next
        && let Ok(value) = HeaderValue::from_str(&params.next_link(seq, limit))
    {
        response.headers_mut().insert(header::LINK, value);
    }
    Ok(response)
}
