"""Each function's settings model, read from its own environment variables only.

``base`` reads a model from the environment; ``groups`` holds the groups of variables functions share; one
module per area (``settlement``, ``orders``, ``refunds``, ``mandates``, ``follower``) holds one model per
function, named after it (``ingest_webhook`` → ``IngestWebhookSettings``). A handler imports its own area
only: every model costs class creation at cold start.
"""
