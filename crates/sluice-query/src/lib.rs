//! Sluice's codec for the SQS AWS Query protocol: form-encoded requests in, XML responses
//! out.
//!
//! The server's operation table speaks in the AWS JSON 1.0 protocol's shapes, so this
//! crate is a pure translation layer and knows nothing of queues:
//!
//! - [`decode_input`] turns an action's Query parameters (`Attribute.1.Name=…`) into the
//!   JSON-protocol input object of that action (`{"Attributes": {…}}`), which the server
//!   then deserialises exactly as it would a JSON-protocol request;
//! - [`encode_output`] turns the action's output, serialised as its JSON-protocol object,
//!   into the Query XML response document, and [`encode_error`] writes an error document.
//!
//! Only structure is checked here; what the values mean, and which are required, is the
//! service's business. Parameters the action does not have are ignored, as AWS does.
//!
//! Files: `spec.rs` holds the per-action tables, `form.rs` the form parsing and the path
//! tree, `decode.rs` the parameters → JSON direction, `encode.rs` the JSON → XML direction
//! and `xml_text.rs` the escaping of XML character data.

mod decode;
mod encode;
mod form;
mod json_answer;
mod spec;
mod xml_text;

pub use decode::decode_input;
pub use encode::{encode_error, encode_error_in, encode_output};
pub use form::{parse_form, MAX_INDEX, NOT_UTF8};
pub use json_answer::encode_output_json;
pub use xml_text::push_text;

/// The XML namespace of every SQS Query response.
pub const XML_NAMESPACE: &str = "http://queue.amazonaws.com/doc/2012-11-05/";

/// Why a Query request could not be turned into an action input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueryError {
    /// A parameter is malformed: a bad index like `Attribute.x.Name`, a `Name` without its
    /// `Value`, the same parameter twice, an empty map key, and so on.
    Malformed(String),
    /// The action name is not one this codec knows.
    UnknownAction(String),
}

impl std::fmt::Display for QueryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            QueryError::Malformed(message) => f.write_str(message),
            QueryError::UnknownAction(action) => write!(f, "unknown action `{action}`"),
        }
    }
}

impl std::error::Error for QueryError {}

/// Whether this codec knows the action, by its AWS name (`"CreateQueue"`, ...).
pub fn is_known_action(action: &str) -> bool {
    spec::find(action).is_some()
}

/// The names of every action this codec knows, in alphabetical order.
pub fn known_actions() -> impl Iterator<Item = &'static str> {
    spec::ACTIONS.iter().map(|spec| spec.name)
}
