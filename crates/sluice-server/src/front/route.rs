//! Which service a request is for. SQS, SNS, STS and Kinesis share one port, as they
//! share nothing else: a JSON (or CBOR) request names its service in the
//! `X-Amz-Target` prefix (Kinesis speaks nothing else); a Query request by the service its SigV4 credential scope is
//! signed for, else by its `Version`, else by an `Action` only one service has. SNS
//! and SQS share action names (AddPermission, ...), so `Action` alone decides only
//! when nothing else does, and an unsigned Query request naming no version is SQS's,
//! as it was before the other services came.

/// A service this server answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    Sqs,
    Sns,
    Sts,
    Kinesis,
}

/// Where a request goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// An AWS JSON request for a service here.
    Json(Service),
    /// An AWS Query request for a service here.
    Query(Service),
    /// A JSON request whose target names no service here.
    UnknownTarget,
    /// A Query request signed for a service not served here.
    UnknownService,
}

/// Decides where a request goes from its `X-Amz-Target`, its credential scope's
/// service, and its Query `Version` and `Action`.
pub fn route(
    target: Option<&str>,
    scope_service: Option<&str>,
    version: Option<&str>,
    action: Option<&str>,
) -> Route {
    if let Some(target) = target {
        let prefix = target.split_once('.').map_or(target, |(prefix, _)| prefix);
        return match prefix {
            crate::sqs::JSON_TARGET_PREFIX => Route::Json(Service::Sqs),
            crate::kinesis::JSON_TARGET_PREFIX => Route::Json(Service::Kinesis),
            _ => Route::UnknownTarget,
        };
    }
    if let Some(service) = scope_service {
        return match by_signing_name(service) {
            Some(service) => Route::Query(service),
            None => Route::UnknownService,
        };
    }
    // An unknown version decides nothing: the action (and then the signature) still
    // get their say.
    match version {
        Some(crate::sqs::API_VERSION) => return Route::Query(Service::Sqs),
        Some(crate::sts::API_VERSION) => return Route::Query(Service::Sts),
        Some(crate::sns::API_VERSION) => return Route::Query(Service::Sns),
        _ => {}
    }
    if action.is_some_and(crate::sts::is_action) {
        return Route::Query(Service::Sts);
    }
    if action.is_some_and(crate::sns::is_action) {
        return Route::Query(Service::Sns);
    }
    Route::Query(Service::Sqs)
}

fn by_signing_name(name: &str) -> Option<Service> {
    match name {
        crate::sqs::SIGNING_NAME => Some(Service::Sqs),
        crate::sts::SIGNING_NAME => Some(Service::Sts),
        crate::sns::SIGNING_NAME => Some(Service::Sns),
        _ => None,
    }
}

impl Service {
    /// The service's name in metrics.
    pub fn name(self) -> &'static str {
        match self {
            Service::Sqs => "sqs",
            Service::Sns => "sns",
            Service::Sts => "sts",
            Service::Kinesis => "kinesis",
        }
    }

    /// The credential-scope service names requests for this service are signed with.
    pub fn signing_names(self) -> &'static [&'static str] {
        match self {
            Service::Sqs => &[crate::sqs::SIGNING_NAME],
            Service::Sts => &[crate::sts::SIGNING_NAME],
            Service::Sns => &[crate::sns::SIGNING_NAME],
            Service::Kinesis => &[crate::kinesis::SIGNING_NAME],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_requests_go_by_their_target_prefix() {
        assert_eq!(
            route(Some("AmazonSQS.SendMessage"), Some("sts"), None, None),
            Route::Json(Service::Sqs)
        );
        assert_eq!(
            route(Some("DynamoDB_20120810.ListTables"), None, None, None),
            Route::UnknownTarget
        );
        assert_eq!(
            route(Some("AmazonSQS"), None, None, None),
            Route::Json(Service::Sqs)
        );
        assert_eq!(
            route(
                Some("Kinesis_20131202.PutRecord"),
                Some("kinesis"),
                None,
                None
            ),
            Route::Json(Service::Kinesis)
        );
    }

    #[test]
    fn query_requests_go_by_scope_then_version_then_action() {
        assert_eq!(
            route(None, Some("sts"), Some("2012-11-05"), Some("AddPermission")),
            Route::Query(Service::Sts)
        );
        assert_eq!(
            route(None, Some("sqs"), None, Some("GetCallerIdentity")),
            Route::Query(Service::Sqs)
        );
        assert_eq!(
            route(None, Some("sns"), None, Some("Publish")),
            Route::Query(Service::Sns)
        );
        assert_eq!(
            route(None, Some("kinesis"), None, Some("Publish")),
            Route::UnknownService
        );
        assert_eq!(
            route(None, None, Some("2011-06-15"), Some("AddPermission")),
            Route::Query(Service::Sts)
        );
        assert_eq!(
            route(None, None, Some("2010-03-31"), Some("GetCallerIdentity")),
            Route::Query(Service::Sns)
        );
        assert_eq!(
            route(None, None, Some("1999-01-01"), Some("GetCallerIdentity")),
            Route::Query(Service::Sts)
        );
        assert_eq!(
            route(None, None, None, Some("CreateTopic")),
            Route::Query(Service::Sns)
        );
        // SNS and SQS share AddPermission: without a version or scope it stays SQS's.
        assert_eq!(
            route(None, None, None, Some("AddPermission")),
            Route::Query(Service::Sqs)
        );
        assert_eq!(
            route(None, None, Some("2010-03-31"), Some("AddPermission")),
            Route::Query(Service::Sns)
        );
        // A signed request's credential scope decides before the version does.
        assert_eq!(
            route(None, Some("sns"), None, Some("RemovePermission")),
            Route::Query(Service::Sns)
        );
        assert_eq!(
            route(
                None,
                Some("sqs"),
                Some("2010-03-31"),
                Some("RemovePermission")
            ),
            Route::Query(Service::Sqs)
        );
        assert_eq!(
            route(None, None, Some("2012-11-05"), Some("AddPermission")),
            Route::Query(Service::Sqs)
        );
        assert_eq!(
            route(None, None, None, Some("GetCallerIdentity")),
            Route::Query(Service::Sts)
        );
        assert_eq!(
            route(None, None, None, Some("AddPermission")),
            Route::Query(Service::Sqs)
        );
        assert_eq!(route(None, None, None, None), Route::Query(Service::Sqs));
    }
}
