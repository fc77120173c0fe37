"""``paybridge_ops dlq list`` and ``dlq redrive``: every dead-letter queue of the stack, and its messages
sent back to where they failed.

Which queues are dead-letter queues, and whose, is read from ``template.yaml`` (the one place resources are
defined): a queue named by a function's ``DeadLetterQueue``, an event rule target's ``DeadLetterConfig``, an
``OnFailure`` destination, or another queue's ``RedrivePolicy``. Redrive, per message:

* a queue's dead letters go back to that queue (``StartMessageMoveTask``; receive/send/delete where the
  endpoint does not offer it, as the local stack's does not);
* a function's go back to that function as an asynchronous invocation of the original event, so Lambda's
  retries and the dead-letter queue apply again. The function is named by the message itself: EventBridge's
  ``TARGET_ARN`` attribute, a Lambda on-failure record's ``requestContext.functionArn``, or the local
  stack's envelope (``function``). A Lambda dead letter names no function: when the queue serves several,
  the one whose rule pattern matches the event is asked of EventBridge (``TestEventPattern``); a message that
  still cannot be placed stays in the queue and is reported.

Every consumer is idempotent on business ids (settlement's debit marker, refund ids, named executions), so a
redriven event that already succeeded meanwhile changes nothing.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from paybridge_local.template import load_template
from paybridge_ops.target import Target, add_target_arguments, target_of

_DLQ_KEYS = ("DeadLetter", "RedrivePolicy", "OnFailure")
_FUNCTION_TYPES = ("AWS::Serverless::Function", "AWS::Lambda::Function")


@dataclass
class DeadLetterQueue:
    """A dead-letter queue of the template and what feeds it."""

    logical_id: str
    functions: list[str] = field(default_factory=list)
    queues: list[str] = field(default_factory=list)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """``dlq list`` / ``dlq redrive [QUEUE] [--max N]``."""
    actions = parser.add_subparsers(dest="action", required=True)
    listing = actions.add_parser("list", help="every dead-letter queue, its sources and message count")
    add_target_arguments(listing)
    redrive = actions.add_parser("redrive", help="send dead letters back to where they failed")
    redrive.add_argument("queue", nargs="?", help="a queue's logical id (default: every dead-letter queue)")
    redrive.add_argument("--max", type=int, default=1000, help="at most this many messages per queue")
    add_target_arguments(redrive)


def run(args: argparse.Namespace) -> int:
    """Runs ``list`` or ``redrive``; ``redrive`` exits 1 when a message could not be placed."""
    target = target_of(args)
    queues = dead_letter_queues(load_template())
    if args.action == "list":
        for queue in queues:
            count = _count(target, queue.logical_id)
            sources = ", ".join(queue.functions + queue.queues)
            print(f"{queue.logical_id}  {count} message(s)  sources: {sources}")
        return 0
    chosen = [q for q in queues if args.queue in (None, q.logical_id)]
    if not chosen:
        raise SystemExit(f"{args.queue} is not a dead-letter queue of the template")
    left = 0
    for queue in chosen:
        moved, stuck = redrive(target, queue, limit=args.max)
        print(f"{queue.logical_id}: {moved} redriven, {len(stuck)} left in the queue")
        for reason in stuck:
            print(f"  left: {reason}")
        left += len(stuck)
    return 1 if left else 0


def dead_letter_queues(template: dict[str, Any]) -> list[DeadLetterQueue]:
    """The template's dead-letter queues with the functions and queues that send to them."""
    resources: dict[str, Any] = template["Resources"]
    queues = {name for name, body in resources.items() if body["Type"] == "AWS::SQS::Queue"}
    found: dict[str, DeadLetterQueue] = {}
    for name, body in resources.items():
        for queue, source in _references(body.get("Properties", {}), queues, owner=name, in_dlq=False):
            entry = found.setdefault(queue, DeadLetterQueue(queue))
            if resources.get(source, {}).get("Type") in _FUNCTION_TYPES:
                if source not in entry.functions:
                    entry.functions.append(source)
            elif source not in entry.queues and source != queue:
                entry.queues.append(source)
    return [found[name] for name in sorted(found)]


def _references(value: Any, queues: set[str], *, owner: str, in_dlq: bool) -> Iterator[tuple[str, str]]:
    """(queue, source) for each queue ARN under a dead-letter key; the source is the target named beside it
    (an event rule's target ``Arn``) or else the resource that holds the setting."""
    if isinstance(value, list):
        for item in value:
            yield from _references(item, queues, owner=owner, in_dlq=in_dlq)
    elif isinstance(value, dict):
        if in_dlq:
            attribute = value.get("Fn::GetAtt")
            if isinstance(attribute, list) and attribute[0] in queues:
                yield attribute[0], owner
                return
        sibling = value.get("Arn", {}).get("Fn::GetAtt") if isinstance(value.get("Arn"), dict) else None
        source = sibling[0] if isinstance(sibling, list) and sibling[0] not in queues else owner
        for key, item in value.items():
            flagged = in_dlq or any(word in key for word in _DLQ_KEYS)
            yield from _references(item, queues, owner=source if flagged else owner, in_dlq=flagged)


def _count(target: Target, logical_id: str) -> int:
    attributes = target.client("sqs").get_queue_attributes(
        QueueUrl=target.ref(logical_id), AttributeNames=["ApproximateNumberOfMessages"]
    )
    return int(attributes["Attributes"].get("ApproximateNumberOfMessages", 0))


def redrive(target: Target, queue: DeadLetterQueue, *, limit: int) -> tuple[int, list[str]]:
    """Sends up to ``limit`` messages back; answers how many moved and why the others stayed."""
    sqs = target.client("sqs")
    url = target.ref(queue.logical_id)
    if queue.queues and not queue.functions:
        return _move_to_queues(target, queue, url, limit)
    moved, stuck = 0, list[str]()
    seen: set[str] = set()
    while moved + len(stuck) < limit:
        batch = sqs.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=10,
            MessageAttributeNames=["All"],
            AttributeNames=["All"],
            VisibilityTimeout=30,
            WaitTimeSeconds=0,
        ).get("Messages", [])
        fresh = [m for m in batch if m["MessageId"] not in seen]
        if not fresh:
            break
        for message in fresh:
            seen.add(message["MessageId"])
            placed = place(target, queue, message)
            if isinstance(placed, str):
                stuck.append(f"{message['MessageId']}: {placed}")
                continue
            function, event = placed
            target.client("lambda").invoke(
                FunctionName=function, InvocationType="Event", Payload=json.dumps(event).encode()
            )
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            moved += 1
    return moved, stuck


def place(target: Target, queue: DeadLetterQueue, message: dict[str, Any]) -> tuple[str, Any] | str:
    """(function, event) the message goes back to, or why it cannot be placed."""
    try:
        body = json.loads(message.get("Body") or "null")
    except ValueError:
        return "the body is not JSON"
    attributes = message.get("MessageAttributes", {})
    if isinstance(body, dict) and "function" in body and "event" in body:  # the local stack's envelope
        return str(body["function"]), body["event"]
    if isinstance(body, dict) and isinstance(body.get("requestContext"), dict) and "requestPayload" in body:
        return str(body["requestContext"]["functionArn"]), body["requestPayload"]  # Lambda on-failure record
    target_arn = attributes.get("TARGET_ARN", {}).get("StringValue")
    if target_arn:
        return (target_arn, body) if ":function:" in target_arn else f"target {target_arn} is not a function"
    candidates = [target.ref(f) for f in queue.functions if target.has(f)]
    if len(candidates) == 1:
        return candidates[0], body
    matching = [f for f in queue.functions if _matches(target, f, body)]
    if len(matching) == 1:
        return target.ref(matching[0]), body
    return f"{len(matching)} of the queue's {len(candidates)} functions take this event; redrive it by hand"


def _matches(target: Target, function: str, event: Any) -> bool:
    if not isinstance(event, dict):
        return False
    resource = load_template()["Resources"].get(function, {})
    events = resource.get("Properties", {}).get("Events", {})
    document = json.dumps(
        {
            "id": "0",
            "account": "0",
            "time": "2026-01-01T00:00:00Z",
            "region": "x",
            "resources": [],
            "version": "0",
            **event,
        }
    )
    for spec in events.values():
        pattern = spec.get("Properties", {}).get("Pattern")
        if spec.get("Type") == "EventBridgeRule" and isinstance(pattern, dict):
            answer = target.client("events").test_event_pattern(
                EventPattern=json.dumps(pattern), Event=document
            )
            if answer.get("Result"):
                return True
    return False


def _move_to_queues(target: Target, queue: DeadLetterQueue, url: str, limit: int) -> tuple[int, list[str]]:
    sqs = target.client("sqs")
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    if not target.local:
        task = sqs.start_message_move_task(SourceArn=arn, MaxNumberOfMessagesPerSecond=min(limit, 500))
        print(f"  message move task {task['TaskHandle']} started (to each message's source queue)")
        return _count(target, queue.logical_id), []
    if len(queue.queues) != 1:
        return 0, [f"fed by {len(queue.queues)} queues; the local stack cannot tell which"]
    destination = target.ref(queue.queues[0])
    moved = 0
    while moved < limit:
        batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get(
            "Messages", []
        )
        if not batch:
            break
        for message in batch:
            sqs.send_message(QueueUrl=destination, MessageBody=message["Body"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            moved += 1
    return moved, []
