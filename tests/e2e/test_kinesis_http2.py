"""SubscribeToShard over cleartext HTTP/2 (prior knowledge), as AWS's Java SDKs make it,
through the pure-Python `h2`: a live subscription pushes a record put after it started,
while PutRecord goes on the same connection; the event stream's frames are read with
botocore's own parser. JSON environment only (skipped where `h2` is not installed)."""

import json
import socket
import urllib.parse

import pytest
from botocore.eventstream import EventStreamBuffer

h2_connection = pytest.importorskip("h2.connection")
h2_config = pytest.importorskip("h2.config")
h2_events = pytest.importorskip("h2.events")

TIMEOUT_S = 10.0
SHARD0 = "shardId-000000000000"


class H2Kinesis:
    """One h2c connection that sends Kinesis JSON 1.1 calls on new streams."""

    def __init__(self, endpoint: str):
        url = urllib.parse.urlsplit(endpoint)
        self.authority = url.netloc
        self.sock = socket.create_connection((url.hostname, url.port), timeout=TIMEOUT_S)
        self.conn = h2_connection.H2Connection(
            config=h2_config.H2Configuration(client_side=True, header_encoding="utf-8")
        )
        self.conn.initiate_connection()
        self.sock.sendall(self.conn.data_to_send())
        self.status, self.bodies, self.ended = {}, {}, set()

    def close(self):
        self.conn.close_connection()
        self.sock.sendall(self.conn.data_to_send())
        self.sock.close()

    def start(self, action: str, body: dict) -> int:
        stream = self.conn.get_next_available_stream_id()
        payload = json.dumps(body).encode()
        self.conn.send_headers(
            stream,
            [
                (":method", "POST"),
                (":scheme", "http"),
                (":authority", self.authority),
                (":path", "/"),
                ("x-amz-target", f"Kinesis_20131202.{action}"),
                ("content-type", "application/x-amz-json-1.1"),
                ("content-length", str(len(payload))),
            ],
        )
        self.conn.send_data(stream, payload, end_stream=True)
        self.sock.sendall(self.conn.data_to_send())
        self.bodies[stream] = b""
        return stream

    def pump(self):
        """Reads one batch of frames from the socket."""
        data = self.sock.recv(65536)
        assert data, "connection closed early"
        for event in self.conn.receive_data(data):
            if isinstance(event, h2_events.ResponseReceived):
                self.status[event.stream_id] = int(dict(event.headers)[":status"])
            elif isinstance(event, h2_events.DataReceived):
                self.bodies[event.stream_id] += event.data
                self.conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
            elif isinstance(event, h2_events.StreamEnded):
                self.ended.add(event.stream_id)
            elif isinstance(event, h2_events.StreamReset):
                pytest.fail(f"stream {event.stream_id} reset: {event.error_code}")
        self.sock.sendall(self.conn.data_to_send())

    def call(self, action: str, body: dict):
        stream = self.start(action, body)
        while stream not in self.ended:
            self.pump()
        return self.status[stream], json.loads(self.bodies[stream] or b"null")


def events_in(raw: bytes):
    buffer = EventStreamBuffer()
    buffer.add_data(raw)
    return list(buffer)


def test_subscribe_to_shard_over_h2c(server, kinesis, make_stream):
    _, arn = make_stream("-h2")
    consumer_arn = kinesis.register_stream_consumer(StreamARN=arn, ConsumerName="h2")["Consumer"]["ConsumerARN"]
    client = H2Kinesis(server)
    try:
        subscription = client.start(
            "SubscribeToShard",
            {"ConsumerARN": consumer_arn, "ShardId": SHARD0, "StartingPosition": {"Type": "LATEST"}},
        )
        # The initial response and the first (empty) event come at once.
        while len(events_in(client.bodies[subscription])) < 2:
            client.pump()
        assert client.status[subscription] == 200
        status, put = client.call("PutRecord", {"StreamARN": arn, "Data": "aDI=", "PartitionKey": "p"})
        assert status == 200, put
        records = []
        while True:
            # The event may have come in the same read as PutRecord's answer.
            for message in events_in(client.bodies[subscription])[1:]:
                assert message.headers[":event-type"] == "SubscribeToShardEvent"
                records = json.loads(message.payload)["Records"] or records
            if records:
                break
            client.pump()
        assert [(r["Data"], r["SequenceNumber"]) for r in records] == [("aDI=", put["SequenceNumber"])]
        assert subscription not in client.ended
    finally:
        client.close()
