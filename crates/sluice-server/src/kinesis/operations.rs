//! The one table of Kinesis actions: each `X-Amz-Target` action with its input shape and
//! the service method that answers it. Actions answered with no document reply with an
//! empty body, as AWS's do. SubscribeToShard streams and is served in `subscribe.rs`;
//! the model's actions Sluice does not have are answered in `unsupported.rs`.

use sluice_core::kinesis::api::*;
use sluice_core::kinesis::{Kinesis, KinesisContext};

use super::codec::Codec;
use super::errors::to_wire;
use crate::wire::WireError;

macro_rules! operations {
    (
        answered { $($name:literal => $method:ident($input:ty)),* $(,)? }
        empty { $($ename:literal => $emethod:ident($einput:ty)),* $(,)? }
        bare { $($bname:literal => $bmethod:ident),* $(,)? }
    ) => {
        /// Every action in the table, SubscribeToShard aside.
        pub const ACTIONS: &[&str] = &[$($name,)* $($ename,)* $($bname,)*];

        /// Runs `action` on `body`; `None` when the table has no such action.
        pub async fn dispatch(
            kinesis: &Kinesis,
            ctx: &KinesisContext,
            action: &str,
            codec: Codec,
            body: &[u8],
        ) -> Option<Result<Vec<u8>, WireError>> {
            let result = match action {
                $($name => async {
                    let input: $input = codec.decode(body)?;
                    let output = kinesis.$method(ctx, input).await.map_err(|e| to_wire(&e))?;
                    Ok(codec.encode(&output))
                }.await,)*
                $($ename => async {
                    let input: $einput = codec.decode(body)?;
                    kinesis.$emethod(ctx, input).await.map_err(|e| to_wire(&e))?;
                    Ok(Vec::new())
                }.await,)*
                $($bname => async {
                    // The action has no members; a body is read only to refuse a broken one.
                    let _: serde_json::Value = codec.decode(body)?;
                    let output = kinesis.$bmethod(ctx).await.map_err(|e| to_wire(&e))?;
                    Ok(codec.encode(&output))
                }.await,)*
                _ => return None,
            };
            Some(result)
        }
    };
}

operations! {
    answered {
        "DescribeStream" => describe_stream(DescribeStreamInput),
        "DescribeStreamSummary" => describe_stream_summary(StreamInput),
        "ListStreams" => list_streams(ListStreamsInput),
        "PutRecord" => put_record(PutRecordInput),
        "PutRecords" => put_records(PutRecordsInput),
        "GetShardIterator" => get_shard_iterator(GetShardIteratorInput),
        "GetRecords" => get_records(GetRecordsInput),
        "ListShards" => list_shards(ListShardsInput),
        "UpdateShardCount" => update_shard_count(UpdateShardCountInput),
        "RegisterStreamConsumer" => register_stream_consumer(RegisterStreamConsumerInput),
        "DescribeStreamConsumer" => describe_stream_consumer(ConsumerInput),
        "ListStreamConsumers" => list_stream_consumers(ListStreamConsumersInput),
        "ListTagsForStream" => list_tags_for_stream(ListTagsForStreamInput),
        "ListTagsForResource" => list_tags_for_resource(ResourceInput),
        "GetResourcePolicy" => get_resource_policy(ResourceInput),
        "EnableEnhancedMonitoring" => enable_enhanced_monitoring(EnhancedMonitoringInput),
        "DisableEnhancedMonitoring" => disable_enhanced_monitoring(EnhancedMonitoringInput),
        "UpdateStreamWarmThroughput" => update_stream_warm_throughput(UpdateStreamWarmThroughputInput),
        "UpdateAccountSettings" => update_account_settings(UpdateAccountSettingsInput),
    }
    empty {
        "CreateStream" => create_stream(CreateStreamInput),
        "DeleteStream" => delete_stream(DeleteStreamInput),
        "IncreaseStreamRetentionPeriod" => increase_stream_retention_period(RetentionPeriodInput),
        "DecreaseStreamRetentionPeriod" => decrease_stream_retention_period(RetentionPeriodInput),
        "SplitShard" => split_shard(SplitShardInput),
        "MergeShards" => merge_shards(MergeShardsInput),
        "DeregisterStreamConsumer" => deregister_stream_consumer(ConsumerInput),
        "AddTagsToStream" => add_tags_to_stream(AddTagsToStreamInput),
        "RemoveTagsFromStream" => remove_tags_from_stream(RemoveTagsFromStreamInput),
        "TagResource" => tag_resource(TagResourceInput),
        "UntagResource" => untag_resource(UntagResourceInput),
        "PutResourcePolicy" => put_resource_policy(PutResourcePolicyInput),
        "DeleteResourcePolicy" => delete_resource_policy(ResourceInput),
        "StartStreamEncryption" => start_stream_encryption(StreamEncryptionInput),
        "StopStreamEncryption" => stop_stream_encryption(StreamEncryptionInput),
        "UpdateStreamMode" => update_stream_mode(UpdateStreamModeInput),
        "UpdateMaxRecordSize" => update_max_record_size(UpdateMaxRecordSizeInput),
    }
    bare {
        "DescribeLimits" => describe_limits,
        "DescribeAccountSettings" => describe_account_settings,
    }
}
