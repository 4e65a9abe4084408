"""HTTP/2 on the server's one port, through an independent HTTP/2 implementation (the
pure-Python `h2`): cleartext HTTP/2 with prior knowledge (h2c), several SQS JSON calls
multiplexed on one connection, beside boto3's HTTP/1.1 on the same port."""

import json
import socket
import urllib.parse

import pytest

h2_connection = pytest.importorskip("h2.connection")
h2_config = pytest.importorskip("h2.config")
h2_events = pytest.importorskip("h2.events")

TIMEOUT_S = 10.0


class H2c:
    """One h2c connection: requests are sent on new streams and answered in any order."""

    def __init__(self, endpoint: str):
        url = urllib.parse.urlsplit(endpoint)
        self.authority = url.netloc
        self.sock = socket.create_connection((url.hostname, url.port), timeout=TIMEOUT_S)
        self.conn = h2_connection.H2Connection(
            config=h2_config.H2Configuration(client_side=True, header_encoding="utf-8")
        )
        self.conn.initiate_connection()
        self.sock.sendall(self.conn.data_to_send())

    def close(self):
        self.conn.close_connection()
        self.sock.sendall(self.conn.data_to_send())
        self.sock.close()

    def start(self, action: str, body: dict) -> int:
        """Sends an SQS JSON call on a new stream; returns the stream id."""
        stream = self.conn.get_next_available_stream_id()
        payload = json.dumps(body).encode()
        self.conn.send_headers(
            stream,
            [
                (":method", "POST"),
                (":scheme", "http"),
                (":authority", self.authority),
                (":path", "/"),
                ("x-amz-target", f"AmazonSQS.{action}"),
                ("content-type", "application/x-amz-json-1.0"),
                ("content-length", str(len(payload))),
            ],
        )
        self.conn.send_data(stream, payload, end_stream=True)
        self.sock.sendall(self.conn.data_to_send())
        return stream

    def finish(self, streams):
        """Reads until every stream in `streams` has ended; returns {stream: (status, json)}."""
        status, bodies, done = {}, {s: b"" for s in streams}, set()
        while done != set(streams):
            data = self.sock.recv(65536)
            assert data, "connection closed early"
            for event in self.conn.receive_data(data):
                if isinstance(event, h2_events.ResponseReceived):
                    status[event.stream_id] = int(dict(event.headers)[":status"])
                elif isinstance(event, h2_events.DataReceived):
                    bodies[event.stream_id] += event.data
                    self.conn.acknowledge_received_data(
                        event.flow_controlled_length, event.stream_id
                    )
                elif isinstance(event, h2_events.StreamEnded):
                    done.add(event.stream_id)
                elif isinstance(event, h2_events.StreamReset):
                    pytest.fail(f"stream {event.stream_id} reset: {event.error_code}")
            self.sock.sendall(self.conn.data_to_send())
        return {
            s: (status[s], json.loads(bodies[s]) if bodies[s] else None) for s in streams
        }

    def call(self, action: str, body: dict):
        stream = self.start(action, body)
        return self.finish([stream])[stream]


def test_sqs_json_multiplexed_over_h2c_beside_http1(server, sqs, unique_name):
    client = H2c(server)
    try:
        name = unique_name("h2c")
        status, created = client.call("CreateQueue", {"QueueName": name})
        assert status == 200, created
        url = created["QueueUrl"]
        assert url == f"{server}/000000000000/{name}"

        sends = [
            client.start("SendMessage", {"QueueUrl": url, "MessageBody": f"m{i}"})
            for i in range(8)
        ]
        answers = client.finish(sends)
        assert all(status == 200 for status, _ in answers.values()), answers
        assert len({reply["MessageId"] for _, reply in answers.values()}) == 8

        bodies = set()
        for _ in range(8):
            status, received = client.call(
                "ReceiveMessage", {"QueueUrl": url, "MaxNumberOfMessages": 10}
            )
            assert status == 200, received
            for message in received.get("Messages", []):
                bodies.add(message["Body"])
                status, _ = client.call(
                    "DeleteMessage",
                    {"QueueUrl": url, "ReceiptHandle": message["ReceiptHandle"]},
                )
                assert status == 200
            if len(bodies) == 8:
                break
        assert bodies == {f"m{i}" for i in range(8)}

        status, error = client.call("GetQueueUrl", {"QueueName": unique_name("absent")})
        assert status == 400
        assert error["__type"] == "com.amazonaws.sqs#QueueDoesNotExist"
    finally:
        client.close()

    # boto3 on the same port, over HTTP/1.1, sees the queue the HTTP/2 client made.
    assert url in sqs.list_queues(QueueNamePrefix=name).get("QueueUrls", [])
