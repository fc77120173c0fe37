"""``make local``: the whole system on this machine, no AWS account, no Docker.

* emulated AWS (moto server) on 127.0.0.1:$LOCAL_AWS_PORT (5055), every resource built from template.yaml;
* the API on 127.0.0.1:$LOCAL_API_PORT (3000), proxying to the real handlers, each function in its own
  worker processes (paybridge_local/workers.py);
* the Juspay simulator on 127.0.0.1:$LOCAL_JUSPAY_PORT (4010), delivering webhooks to the local API.

Writes .local/outputs.json and stops cleanly on Ctrl-C (SIGINT) or SIGTERM.
"""

from __future__ import annotations

import faulthandler
import json
import logging
import os
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

import boto3
import requests
from moto.server import ThreadedMotoServer
from werkzeug.serving import make_server

from paybridge_local.api_gateway import LocalApiGateway
from paybridge_local.jwe_keys import register_with
from paybridge_local.simulator import JuspaySimulator
from paybridge_local.stack import LocalSettings, LocalStack, build_stack
from paybridge_local.template import ROOT

DEFAULT_OUTPUTS = ROOT / ".local" / "outputs.json"


def write_outputs(path: Path, stack: LocalStack, settings: LocalSettings, urls: dict[str, str]) -> None:
    """Each logical id's physical name/ARN/URL, plus the local endpoints, for scripts and people."""
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "region": settings.region,
        "urls": urls,
        "resources": stack.provisioned.outputs(),
        "functions": {k: {"name": f.name, "arn": f.arn} for k, f in stack.provisioned.functions.items()},
        "routes": [
            {
                "method": r.method,
                "path": r.path,
                "function": r.function,
                "auth": "AWS_IAM" if r.iam_auth else "NONE",
            }
            for r in stack.provisioned.routes
        ],
        "not_emulated": stack.provisioned.skipped,
    }
    # Written aside, then renamed: whoever waits for the file (a script, a test) never reads half of it.
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    partial.replace(path)


def _signing_key(stack: LocalStack) -> str:
    try:
        return str(stack.output("SdkSigningKeyAlias"))
    except KeyError:
        return "(SdkSigner=pem: the PEM secret SdkSigningPemSecret)"


def main() -> int:
    """Starts everything, prints where it is, serves until interrupted."""
    settings = LocalSettings.from_env()
    # `kill -USR1 <pid>` prints every thread's stack (a stuck request, a lock) to the stack's output.
    faulthandler.register(signal.SIGUSR1, all_threads=True)
    outputs = Path(os.environ.get("LOCAL_OUTPUTS") or DEFAULT_OUTPUTS)
    # moto's per-request access log would drown what matters; our own lines say where things are.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    aws_url = f"http://127.0.0.1:{settings.aws_port}"
    # Every AWS call of this process (handlers included) goes to the emulator, signed with local credentials.
    os.environ.update(
        {
            "AWS_DEFAULT_REGION": settings.region,
            "AWS_ACCESS_KEY_ID": settings.access_key,
            "AWS_SECRET_ACCESS_KEY": settings.secret_key,
            "AWS_ENDPOINT_URL": aws_url,
            "MOTO_PORT": str(settings.aws_port),
        }
    )
    os.environ.pop("AWS_SESSION_TOKEN", None)
    os.environ.pop("AWS_PROFILE", None)

    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=settings.aws_port, verbose=False)
    moto.start()
    config = {"lambda": {"use_docker": False}, "stepfunctions": {"execute_state_machine": True}}
    requests.post(f"{aws_url}/moto-api/config", json=config, timeout=10).raise_for_status()

    stack = build_stack(
        boto3.session.Session(region_name=settings.region), settings, run_schedules=True, aws_endpoint=aws_url
    )
    api_url = f"http://127.0.0.1:{settings.api_port}"
    gateway = LocalApiGateway(
        stack.provisioned.routes,
        stack.runtime,
        region=settings.region,
        access_key=settings.access_key,
        secret_key=settings.secret_key,
    )
    api = make_server("127.0.0.1", settings.api_port, gateway, threaded=True)
    api_thread = threading.Thread(target=api.serve_forever, name="local-api", daemon=True)
    api_thread.start()

    simulator = JuspaySimulator(
        port=settings.juspay_port,
        api_key=settings.juspay_api_key,
        merchant_id=settings.juspay_merchant_id,
        webhook_url=f"{api_url}/webhooks/juspay",
        webhook_username=settings.webhook_username,
        webhook_password=settings.webhook_password,
        log_limit=settings.sim_log_limit,
    ).start()
    register_with(simulator)  # the key pair the stack's secret holds, for JuspayApiMode=encrypted

    urls = {"aws": aws_url, "api": api_url, "juspay": simulator.url, "webhook": f"{api_url}/webhooks/juspay"}
    write_outputs(outputs, stack, settings, urls)
    print(
        "\npaybridge local stack is up\n"
        f"  emulated AWS  {aws_url}   (region {settings.region}, "
        f"credentials {settings.access_key}/{settings.secret_key})\n"
        f"  API           {api_url}   (merchant routes: SigV4, service execute-api)\n"
        f"  webhook       POST {urls['webhook']}\n"
        # Local-only credentials (the README's defaults, or what LOCAL_WEBHOOK_* set): printed as they are.
        f"                (Basic auth {settings.webhook_username}:{settings.webhook_password})\n"
        f"  SDK signing   KMS key {_signing_key(stack)}\n"
        f"  Juspay sim    {simulator.url}   (control API under /__sim/)\n"
        f"  event tap     {stack.output('LocalEventTap')}\n"
        f"  outputs       {outputs}\n"
        "Ctrl-C stops.",
        flush=True,
    )

    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    stop.wait()
    print("stopping ...", flush=True)
    api.shutdown()  # no new requests; the handler running now may still need Juspay and AWS
    stack.close()
    simulator.stop()
    moto.stop()
    print("stopped", flush=True)
    return 0


if __name__ == "__main__":
    code = main()
    # Everything is stopped and flushed by now. Tearing down the interpreter (moto's and botocore's object
    # graph) does nothing useful and takes seconds on a busy machine, so Ctrl-C exits at once instead.
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
