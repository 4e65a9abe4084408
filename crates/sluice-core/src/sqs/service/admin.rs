//! Operations for operators and test suites, outside the SQS API.

use super::Sqs;
use crate::sqs::error::SqsResult;

impl Sqs {
    /// Wipes every queue, message and move task, as if the server were new (the admin
    /// listener's reset, for test suites that want a clean server between tests).
    /// Waiting long polls find their queue gone.
    pub async fn reset(&self) -> SqsResult<()> {
        self.store.reset().await?;
        self.store.wake_all().await;
        Ok(())
    }
}
