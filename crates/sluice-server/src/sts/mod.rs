//! The STS wire front: AWS Query requests (`Action=GetCallerIdentity&Version=2011-06-15`)
//! in, XML out, and STS's error table.

mod errors;
mod xml;

use axum::response::Response;
use sluice_core::access::Access;
use sluice_core::sts::api::AssumeRoleInput;

use crate::connection::ConnectionInfo;
use crate::front::{AppState, Incoming};
use crate::wire::{error_reply, xml_reply, Protocol};

/// The API version Query requests name.
pub const API_VERSION: &str = "2011-06-15";
/// The signing name of STS in SigV4 credential scopes.
pub const SIGNING_NAME: &str = "sts";
/// STS's Query protocol: its documents' namespace.
pub const QUERY: Protocol = Protocol::Query {
    namespace: "https://sts.amazonaws.com/doc/2011-06-15/",
};

/// Every action of the STS API, served or not: a Query request naming one of these and
/// nothing else that routes it is STS's.
pub const ACTIONS: &[&str] = &[
    "AssumeRole",
    "AssumeRoleWithSAML",
    "AssumeRoleWithWebIdentity",
    "AssumeRoot",
    "DecodeAuthorizationMessage",
    "GetAccessKeyInfo",
    "GetCallerIdentity",
    "GetDelegatedAccessToken",
    "GetFederationToken",
    "GetSessionToken",
];

/// Whether `action` is an STS action.
pub fn is_action(action: &str) -> bool {
    ACTIONS.contains(&action)
}

pub async fn serve(app: &AppState, request: Incoming) -> Response {
    let request_id = &request.request_id;
    let action = request.param("Action").unwrap_or_default();
    let authenticated = &request.authenticated;
    match action {
        "GetCallerIdentity" => {
            let account_id = authenticated.account_id(&app.account_id);
            let out = app
                .sts
                .get_caller_identity(authenticated.caller.as_deref(), &account_id);
            xml_reply(xml::get_caller_identity(&out, request_id), request_id)
        }
        "AssumeRole" => {
            let input = AssumeRoleInput {
                role_arn: request.param("RoleArn").map(str::to_owned),
                role_session_name: request.param("RoleSessionName").map(str::to_owned),
                duration_seconds: request.param("DurationSeconds").map(str::to_owned),
                policy: request.param("Policy").map(str::to_owned),
                external_id: request.param("ExternalId").map(str::to_owned),
            };
            let connection = ConnectionInfo::of(&request.parts.extensions);
            let access = authenticated.enforced_caller().map(|caller| Access {
                action: action.to_owned(),
                secure_transport: connection.is_some_and(|c| c.secure),
                source_ip: connection.map(|c| c.peer.ip()),
                ..Access::new(caller)
            });
            match app.sts.assume_role(access.as_ref(), input, app.sqs.now()) {
                Ok(out) => xml_reply(xml::assume_role(&out, request_id), request_id),
                Err(e) => error_reply(QUERY, &errors::to_wire(&e), request_id),
            }
        }
        other => error_reply(QUERY, &errors::invalid_action(other), request_id),
    }
}
