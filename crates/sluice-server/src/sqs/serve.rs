//! Answers an SQS request in the protocol it spoke. AWS JSON 1.0: the body decodes
//! straight into the action's input. AWS Query: form parameters, addressed to `/` or to
//! a queue URL's path, which `sluice-query` turns into the same JSON shape; replies are
//! XML. Either way the action runs through the one operation table.

use axum::http::StatusCode;
use axum::response::Response;
use sluice_core::sqs::{RequestContext, SqsError, SqsErrorKind};

use super::errors::to_wire;
use super::longpoll::Slot;
use super::operations::{dispatch, Failure, Params, Reply};
use crate::connection::ConnectionInfo;
use crate::front::{AppState, Incoming};
use crate::wire::{error_reply, json_reply, query_json_reply, xml_reply, Protocol, WireError};

/// SQS's Query protocol: its documents' namespace.
pub const QUERY: Protocol = Protocol::Query {
    namespace: sluice_query::XML_NAMESPACE,
};

/// Actions that address no queue, and so are not valid on a queue's URL. GetQueueUrl
/// is: AWS answers it there for whichever queue its QueueName names.
const SERVICE_ACTIONS: &[&str] = &["CreateQueue", "ListQueues"];

/// What SQS answers for an action it does not have (or that is not valid where it was
/// sent): 400 InvalidAction.
pub fn invalid_action(action: &str) -> WireError {
    to_wire(
        &SqsError::new(
            SqsErrorKind::InvalidAction,
            format!("The action {action} is not valid for this endpoint."),
        ),
        QUERY,
    )
}

pub async fn serve(app: &AppState, request: Incoming, mut slot: Slot) -> Response {
    let mut ctx = context(app, &request);
    let gate = |input: &mut _| slot.admit(&app.gates, input);
    let Incoming {
        parts,
        body,
        request_id,
        target_action,
        params,
        ..
    } = request;
    if let Some(action) = target_action {
        set_action(&mut ctx, &action);
        let result = dispatch(&app.sqs, &ctx, &action, Params::Json(&body), gate).await;
        return match result {
            Ok(Reply::Json(bytes)) => json_reply(bytes, &request_id),
            Ok(Reply::Value(v)) => json_reply(v.to_string().into_bytes(), &request_id),
            Err(failure) => failure_reply(Protocol::Json, &failure, &request_id),
        };
    }
    let wants_json = parts
        .headers
        .get(axum::http::header::ACCEPT)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"application/json"));
    query(app, ctx, &parts.uri, params, &request_id, wants_json, gate).await
}

async fn query(
    app: &AppState,
    mut ctx: RequestContext,
    uri: &axum::http::Uri,
    mut params: Vec<(String, String)>,
    request_id: &str,
    wants_json: bool,
    gate: impl FnOnce(&mut sluice_core::sqs::api::ReceiveMessageInput),
) -> Response {
    let Some(action) = params
        .iter()
        .find(|(k, _)| k == "Action")
        .map(|(_, v)| v.clone())
    else {
        // No action at all: AWS's front knows no operation to route to.
        return error_reply(QUERY, &no_operation(), request_id);
    };
    set_action(&mut ctx, &action);
    let on_queue_path = uri.path() != "/";
    if on_queue_path && SERVICE_ACTIONS.contains(&action.as_str()) {
        return error_reply(QUERY, &invalid_action(&action), request_id);
    }
    // A Query request may address the queue by its path instead of a QueueUrl parameter.
    if on_queue_path && !params.iter().any(|(k, _)| k == "QueueUrl") {
        params.push((
            "QueueUrl".to_owned(),
            format!("{}{}", ctx.base_url, uri.path()),
        ));
    }
    let input = match sluice_query::decode_input(&action, &params) {
        Ok(input) => input,
        Err(sluice_query::QueryError::UnknownAction(_)) => {
            return error_reply(QUERY, &invalid_action(&action), request_id);
        }
        Err(sluice_query::QueryError::Malformed(message)) => {
            let e = SqsError::new(SqsErrorKind::MalformedQueryString, message);
            return error_reply(QUERY, &to_wire(&e, QUERY), request_id);
        }
    };
    let output = match dispatch(&app.sqs, &ctx, &action, Params::Value(input), gate).await {
        Ok(Reply::Value(v)) => v,
        Ok(Reply::Json(bytes)) => serde_json::from_slice(&bytes).unwrap_or_default(),
        Err(failure) => return failure_reply(QUERY, &failure, request_id),
    };
    if wants_json {
        // AWS answers a Query request that accepts JSON in JSON.
        let body = sluice_query::encode_output_json(&action, &output, request_id);
        return query_json_reply(body, request_id);
    }
    xml_reply(
        sluice_query::encode_output(&action, &output, request_id),
        request_id,
    )
}

/// A Query request that names no action: HTTP 404 and a bare
/// `<UnknownOperationException/>`, as AWS's front answers it.
fn no_operation() -> WireError {
    WireError {
        bare_query_body: true,
        ..WireError::new(
            StatusCode::NOT_FOUND.as_u16(),
            crate::wire::UNKNOWN_OPERATION_CODE,
            crate::wire::UNKNOWN_OPERATION_TYPE,
            "",
        )
    }
}

fn failure_reply(protocol: Protocol, failure: &Failure, request_id: &str) -> Response {
    match failure {
        Failure::Sqs(e) => error_reply(protocol, &to_wire(e, protocol), request_id),
        Failure::Wire(e) => error_reply(protocol, e, request_id),
    }
}

/// The caller's region comes from its SigV4 credential scope (header or presigned
/// query), falling back to the server's region. Queue URLs take the scheme the request
/// arrived with (`https` on the TLS listener) and its Host, unless a base URL is set.
fn context(app: &AppState, request: &Incoming) -> RequestContext {
    let authenticated = &request.authenticated;
    let extensions = &request.parts.extensions;
    let region = request.region(&app.region);
    let base_url = app.base_url.clone().unwrap_or_else(|| {
        let host = request.header("host").unwrap_or("localhost");
        let scheme = ConnectionInfo::scheme(extensions);
        format!("{scheme}://{host}")
    });
    let account_id = authenticated.account_id(&app.account_id);
    let sender_id = match &authenticated.caller {
        Some(caller) => caller.user_id.clone(),
        None => account_id.clone(),
    };
    // The action is named once it is known (`set_action`).
    let access = request.access("");
    RequestContext {
        region,
        account_id,
        base_url,
        sender_id,
        trace_header: request.header("x-amzn-trace-id").map(str::to_owned),
        access,
    }
}

/// Names the action an authenticated request performs, for the access check.
fn set_action(ctx: &mut RequestContext, action: &str) {
    if let Some(access) = ctx.access.as_mut() {
        action.clone_into(&mut access.action);
    }
}
