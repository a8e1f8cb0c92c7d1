"""Hub replicas on NATS JetStream (``warroom hub --store nats://…``).

Every change to the hub's state is a command on one replicated, ordered JetStream
stream; every replica applies the stream's commands in order to the same code
(:class:`~services.hub.state.hub.HubState`), so all replicas hold the same state
and number the same events with the same ``seq`` under one epoch. A request that
changes something is answered once its command was stored by the stream's
replicas and applied here. A lease in a key-value bucket elects the one replica
that runs the periodic tick and sends escalation webhooks. docs/operations.md
says how to run a cluster and what happens when each part fails.
"""
